/*
 * panel_get.c - reading a finished panel: its units, months and coverage, and the values of a
 * unit-month (zero where no event fell, missing outside the unit's coverage or where a
 * table does not know the month).
 */
#include "panel_int.h"

hs_panel_level hsi_panel_level(const hs_panel *p)
{
    return p->o.level;
}

size_t hs_panel_nunits(const hs_panel *p)
{
    return p->nunit;
}

long hs_panel_unit(const hs_panel *p, size_t i)
{
    return p->uset[i].unit;
}

int hs_panel_first_month(const hs_panel *p)
{
    return p->dmin;
}

int hs_panel_last_month(const hs_panel *p)
{
    return p->dmax;
}

void hs_panel_coverage(const hs_panel *p, size_t i, int *first, int *last)
{
    *first = p->uset[i].c0;
    *last = p->uset[i].c1;
}

/* Unit i's cell of month_id (NULL: none, a zero month). */
static const pcell *panel_cell(const hs_panel *p, size_t i, int month_id)
{
    /* a binary search over the unit's own cells (at most its months) */
    uint32_t key = hsi_panel_key(p->uset[i].unit, month_id);
    size_t lo = p->ustart[i], hi = p->ustart[i + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->cells[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->ustart[i + 1] && p->cells[lo].key == key ? &p->cells[lo] : NULL;
}

/* Whether unit i's month_id is known: inside its coverage and not a table's hole. */
static int panel_known(const hs_panel *p, size_t i, int month_id, const pcell *c)
{
    return month_id >= p->uset[i].c0 && month_id <= p->uset[i].c1 && !(c && c->v[0] < 0);
}

int hs_panel_get(const hs_panel *p, size_t i, int month_id, long events[3], long deaths[3])
{
    const pcell *c =
        month_id >= p->uset[i].c0 && month_id <= p->uset[i].c1 ? panel_cell(p, i, month_id) : NULL;
    if (!panel_known(p, i, month_id, c)) {
        for (int t = 0; t < 3; t++) /* missing, never zero */
            events[t] = deaths[t] = -1;
        return 0;
    }
    for (int t = 0; t < 3; t++) {
        events[t] = c ? c->v[t] : 0;
        deaths[t] = c ? c->v[t + 3] : 0;
        /* a table's panel knows one column; the others are missing, not zero */
        if (p->tcol != HSI_PCOL_ALL && p->tcol != t) events[t] = -1;
        if (p->tcol != HSI_PCOL_ALL && p->tcol != t + 3) deaths[t] = -1;
    }
    return 1;
}

int hsi_panel_total(const hs_panel *p, size_t i, int month_id, long *events, long *deaths)
{
    long ev[3], de[3];
    *events = *deaths = -1;
    if (!hs_panel_get(p, i, month_id, ev, de)) return 0;
    if (ev[0] >= 0 && ev[1] >= 0 && ev[2] >= 0) *events = ev[0] + ev[1] + ev[2];
    if (de[0] >= 0 && de[1] >= 0 && de[2] >= 0) *deaths = de[0] + de[1] + de[2];
    if (p->tcol == HSI_PCOL_DEATHS) { /* the total, held in the cells' deaths_sb slot */
        const pcell *c = panel_cell(p, i, month_id);
        *deaths = c ? c->v[3] : 0;
    }
    return 1;
}

int hsi_panel_column(const hs_panel *p)
{
    return p->tcol;
}

void hs_panel_dropped(const hs_panel *p, size_t *out_window, long *deaths_window, size_t *imprecise,
                      long *deaths_imprecise)
{
    if (out_window) *out_window = p->drop_win;
    if (deaths_window) *deaths_window = p->deaths_win;
    if (imprecise) *imprecise = p->drop_imp;
    if (deaths_imprecise) *deaths_imprecise = p->deaths_imp;
}
