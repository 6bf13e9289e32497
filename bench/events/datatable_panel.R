# datatable_panel.R - the events benchmark's R data.table side: the same aggregation as
# `humsec events panel` (non-empty unit-months only), CSV unit,month_id,events_sb,...,deaths_os.
# Usage: Rscript datatable_panel.R IN.csv OUT.csv country|grid THREADS
suppressMessages(library(data.table))
a <- commandArgs(trailingOnly = TRUE)
setDTthreads(as.integer(a[4]))
d <- fread(a[1], select = c("type_of_violence", "country_id", "date_start", "best",
                            "latitude", "longitude", "where_prec"),
           colClasses = list(character = "date_start"))
if (a[3] == "grid") {
  d <- d[where_prec < 6]
  d[, unit := as.integer(floor((latitude + 90) / 0.5)) * 720L +
               as.integer(floor((longitude + 180) / 0.5)) + 1L]
} else {
  d[, unit := country_id]
}
d[, month_id := (as.integer(substr(date_start, 1, 4)) - 1980L) * 12L +
                as.integer(substr(date_start, 6, 7))]
r <- d[, .(events_sb = sum(type_of_violence == 1L), events_ns = sum(type_of_violence == 2L),
           events_os = sum(type_of_violence == 3L),
           deaths_sb = sum(best[type_of_violence == 1L]),
           deaths_ns = sum(best[type_of_violence == 2L]),
           deaths_os = sum(best[type_of_violence == 3L])), by = .(unit, month_id)]
setorder(r, unit, month_id)
fwrite(r, a[2])
