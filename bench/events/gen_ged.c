/*
 * gen_ged.c - deterministic generator of GED-shaped CSV for the events benchmark.
 *
 * Writes N rows with all 49 columns of the UCDP GED release (docs/methods.md section 5.1), in its order and
 * formats (dates "YYYY-MM-DD 00:00:00.000", quoted text with commas and doubled quotes, a
 * POINT geometry), about 700 bytes a row like the real file. Deaths are heavy-tailed (9 % zero,
 * then a Pareto tail) and split over deaths_a/b/civilians/unknown so that best is their sum;
 * low <= best <= high except for about 1 % of rows, as in UCDP's data. Coordinates cluster
 * around a few centres per country, so grid panels have a realistic number of cells; 5 % of
 * rows are located only to a country (where_prec 6). The same N and seed give the same bytes.
 *
 * Usage: gen_ged N [SEED] > file.csv
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng_state;

/* splitmix64: small, fast, and the same on every platform */
static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unif(void)
{
    return (double)(next_u64() >> 11) * (1.0 / 9007199254740992.0);
}

static int pick(int n)
{
    return (int)(unif() * n);
}

typedef struct country {
    int gw;
    const char *name, *region;
    double lat, lon; /* centre of the first cluster */
} country;

/* 40 countries with their Gleditsch-Ward numbers and rough centres. */
static const country countries[] = {
    {482, "Central African Republic", "Africa", 6.6, 20.9},
    {652, "Syria", "Middle East", 35.0, 38.5},
    {70, "Mexico", "Americas", 23.6, -102.5},
    {700, "Afghanistan", "Asia", 33.9, 67.7},
    {645, "Iraq", "Middle East", 33.2, 43.7},
    {520, "Somalia", "Africa", 5.2, 46.2},
    {490, "DR Congo (Zaire)", "Africa", -2.9, 23.7},
    {475, "Nigeria", "Africa", 9.1, 8.7},
    {500, "Uganda", "Africa", 1.4, 32.3},
    {625, "Sudan", "Africa", 15.5, 30.2},
    {626, "South Sudan", "Africa", 7.9, 29.7},
    {530, "Ethiopia", "Africa", 9.1, 40.5},
    {432, "Mali", "Africa", 17.6, -4.0},
    {439, "Burkina Faso", "Africa", 12.2, -1.6},
    {436, "Niger", "Africa", 17.6, 8.1},
    {483, "Chad", "Africa", 15.5, 18.7},
    {471, "Cameroon", "Africa", 7.4, 12.4},
    {541, "Mozambique", "Africa", -18.7, 35.5},
    {615, "Algeria", "Africa", 28.0, 1.7},
    {620, "Libya", "Africa", 26.3, 17.2},
    {678, "Yemen (North Yemen)", "Middle East", 15.6, 48.5},
    {666, "Israel", "Middle East", 31.0, 34.9},
    {640, "Turkey", "Europe", 39.0, 35.2},
    {369, "Ukraine", "Europe", 48.4, 31.2},
    {365, "Russia (Soviet Union)", "Europe", 61.5, 105.3},
    {372, "Georgia", "Europe", 42.3, 43.4},
    {770, "Pakistan", "Asia", 30.4, 69.3},
    {750, "India", "Asia", 20.6, 79.0},
    {775, "Myanmar (Burma)", "Asia", 21.9, 95.9},
    {840, "Philippines", "Asia", 12.9, 121.8},
    {850, "Indonesia", "Asia", -0.8, 113.9},
    {780, "Sri Lanka", "Asia", 7.9, 80.8},
    {800, "Thailand", "Asia", 15.9, 100.9},
    {100, "Colombia", "Americas", 4.6, -74.3},
    {135, "Peru", "Americas", -9.2, -75.0},
    {90, "Guatemala", "Americas", 15.8, -90.2},
    {92, "El Salvador", "Americas", 13.8, -88.9},
    {41, "Haiti", "Americas", 18.9, -72.3},
    {101, "Venezuela", "Americas", 6.4, -66.6},
    {140, "Brazil", "Americas", -14.2, -51.9},
};
#define NCOUNTRY ((int)(sizeof countries / sizeof countries[0]))
#define NCLUSTER 6

static const char *const words[] = {
    "clashes", "reported", "near", "the", "village", "of", "forces", "attacked", "civilians",
    "killed", "according", "to", "local", "sources", "militia", "ambush", "convoy", "district",
    "officials", "said", "at", "least", "several", "people", "were", "wounded", "and", "army"};
#define NWORD ((int)(sizeof words / sizeof words[0]))

/* A quoted text of about len bytes with commas and a doubled quote in it. */
static void text(FILE *fp, int len)
{
    int n = 0;
    fputc('"', fp);
    while (n < len) {
        const char *w = words[pick(NWORD)];
        n += fprintf(fp, "%s%s", n ? (pick(6) == 0 ? ", " : " ") : "", w);
        if (pick(40) == 0)
            n += fprintf(fp, " \"\"%s\"\"", words[pick(NWORD)]);
    }
    fputc('"', fp);
}

/* Heavy-tailed deaths: 9 % zero, else a Pareto(alpha 1.1) tail rounded down, capped. */
static long deaths(void)
{
    if (unif() < 0.09)
        return 0;
    double v = pow(1.0 - unif(), -1.0 / 1.1);
    return v > 5000 ? 5000 : (long)v;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: gen_ged N [SEED] > file.csv\n", stderr);
        return 2;
    }
    long n = atol(argv[1]);
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 20260101ull;
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    /* cluster centres: deterministic offsets around each country's centre */
    double clat[NCOUNTRY][NCLUSTER], clon[NCOUNTRY][NCLUSTER];
    for (int c = 0; c < NCOUNTRY; c++)
        for (int k = 0; k < NCLUSTER; k++) {
            clat[c][k] = countries[c].lat + (unif() - 0.5) * 6.0;
            clon[c][k] = countries[c].lon + (unif() - 0.5) * 6.0;
        }
    puts("id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,"
         "conflict_new_id,conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,"
         "side_a_new_id,side_a,side_b_dset_id,side_b_new_id,side_b,number_of_sources,"
         "source_article,source_office,source_date,source_headline,source_original,where_prec,"
         "where_coordinates,where_description,adm_1,adm_2,latitude,longitude,geom_wkt,"
         "priogrid_gid,country,country_id,region,event_clarity,date_prec,date_start,date_end,"
         "deaths_a,deaths_b,deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob");
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (long i = 0; i < n; i++) {
        /* a skewed choice of country: the first ones get most events, as in the real data */
        double u = unif();
        int c = (int)(u * u * NCOUNTRY);
        const country *ct = &countries[c];
        int k = pick(NCLUSTER);
        double lat = clat[c][k] + (unif() + unif() + unif() - 1.5) * 0.8;
        double lon = clon[c][k] + (unif() + unif() + unif() - 1.5) * 0.8;
        lat = lat > 89.9 ? 89.9 : lat < -89.9 ? -89.9 : lat;
        lon = lon > 179.9 ? 179.9 : lon < -179.9 ? -179.9 : lon;
        lat = round(lat * 1e6) / 1e6;
        lon = round(lon * 1e6) / 1e6;
        int where_prec = unif() < 0.05 ? 6 : 1 + pick(5);
        long row = (long)floor((lat + 90.0) / 0.5), col = (long)floor((lon + 180.0) / 0.5);
        long gid = row * 720 + col + 1;
        int year = 1989 + pick(35), month = 1 + pick(12);
        int day = 1 + pick(mdays[month - 1]);
        int type = 1 + (int)(unif() * unif() * 3.0);
        long best = deaths();
        long da = best / 3, db = best / 4, dc = best / 5, du = best - da - db - dc;
        long low = best - (best > 2 ? pick(3) : 0), high = best + pick(5);
        if (unif() < 0.008)
            low = best + 1; /* UCDP has rows with best outside low..high */
        int conflict = 200 + c * 10 + type, dyad = 400 + c * 40 + type * 3 + pick(3);
        printf("%ld,\"%s-%d.%ld\",%d,%s,1,%d,%d,%d,\"%s: Government, %s\",%d,%d,"
               "\"Government of %s - rebels, \"\"faction %d\"\"\",%d,%d,Government of %s,"
               "%d,%d,\"Rebels, %s\",%d,",
               200000 + i, ct->name, year, i, year, pick(2) ? "TRUE" : "FALSE", type, conflict,
               conflict, ct->name, ct->region, dyad, dyad, ct->name, pick(5), 100 + c, 100 + c,
               ct->name, 900 + c, 900 + c, ct->name, 1 + pick(9));
        text(stdout, 130); /* source_article */
        printf(",\"%s office\",\"%d-%02d-%02d\",", ct->name, year, month, day);
        text(stdout, 80); /* source_headline */
        putchar(',');
        text(stdout, 30); /* source_original */
        printf(",%d,\"Place %d, %s\",", where_prec, k, ct->name);
        text(stdout, 25); /* where_description */
        printf(",\"Province %d\",\"District %d.%d\",%.6f,%.6f,POINT (%.6f %.6f),%ld,%s,%d,%s,%d,%d,"
               "%d-%02d-%02d 00:00:00.000,%d-%02d-%02d 00:00:00.000,%ld,%ld,%ld,%ld,%ld,%ld,%ld,"
               "%d,\n",
               k, k, pick(9), lat, lon, lon, lat, gid, ct->name, ct->gw, ct->region,
               1 + pick(2), 1 + pick(5), year, month, day, year, month, day, da, db, dc, du, best,
               high, low, ct->gw);
    }
    return fflush(stdout) != 0;
}
