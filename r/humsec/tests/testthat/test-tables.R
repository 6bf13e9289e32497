# hs_ranks, hs_audit, hs_trends, hs_weights, hs_compare, hs_whatif and hs_corr against the
# command line's files, to the last bit; and the audit's correlations against COINr.
root <- Sys.getenv("HUMSEC_ROOT", "../../../..")
exe <- Sys.getenv("HUMSEC_EXE", file.path(root, "build/humsec"))
at <- function(...) file.path(root, ...)
p1 <- at("examples/asem/p1.pipeline")

# Run the command line: its files in a new folder (args end with -o FOLDER), or its output.
cli <- function(...) {
  out <- tempfile("cli")
  status <- system2(exe, c(..., "-o", shQuote(out), "-q"))
  expect_equal(status, 0)
  out
}
cli_stdout <- function(...) paste0(paste(system2(exe, c(..., "-q"), stdout = TRUE),
                                         collapse = "\n"), "\n")

# A CSV file read as text; its numbers by C's strtod (R's reader may be an ulp off).
ref_csv <- function(path) utils::read.csv(path, check.names = FALSE, colClasses = "character",
                                          na.strings = character(0))

csv_text_ref <- function(text) utils::read.csv(text = text, check.names = FALSE,
                                               colClasses = "character",
                                               na.strings = character(0))

# got equals the CSV ref: the same columns; text identical, numbers identical doubles (or,
# with rel > 0, within that relative difference).
expect_same <- function(got, ref, what, rel = 0) {
  expect_identical(names(got), names(ref), info = what)
  expect_equal(nrow(got), nrow(ref), info = what)
  for (k in names(ref)) {
    want <- humsec:::parse_double(ref[[k]])
    if (is.numeric(got[[k]]) && rel > 0) {
      x <- as.double(got[[k]])
      expect_identical(is.na(x), is.na(want), info = paste(what, k))
      expect_true(all(abs(x - want) <= rel * abs(want), na.rm = TRUE), info = paste(what, k))
    } else if (is.numeric(got[[k]]))
      expect_identical(as.double(got[[k]]), want, info = paste(what, k))
    else
      expect_identical(got[[k]], ref[[k]], info = paste(what, k))
  }
}

test_that("hs_ranks equals ranks.csv (uName left out)", {
  for (p in c(p1, at("examples/hdi/hdi.pipeline"))) {
    out <- cli("build", shQuote(p))
    ref <- ref_csv(file.path(out, "ranks.csv"))
    expect_same(hs_ranks(p), ref[setdiff(names(ref), "uName")], p)
  }
})

test_that("hs_audit equals the build's audit_*.csv files", {
  for (p in c(p1, at("examples/hdi/hdi.pipeline"))) {
    got <- hs_audit(p)
    out <- cli("build", shQuote(p))
    files <- sort(sub("\\.csv$", "", list.files(out, pattern = "^audit_")))
    expect_identical(sort(names(got)), files)
    expect_equal(length(files), 6)
    # PCA: GSL's eigensolver calls the CBLAS of the process, which inside R is R's BLAS
    # (OpenBLAS on Debian) rather than GSL's own: its sums may round a few ulps apart
    for (t in names(got))
      expect_same(got[[t]], ref_csv(file.path(out, paste0(t, ".csv"))), t,
                  rel = if (grepl("^audit_pca_", t)) 1e-12 else 0)
  }
  a <- hs_audit(p1)
  expect_true(is.integer(a$audit_stats_Raw$N.Avail))
  expect_true(all(a$audit_stats_Raw$Flag.SkewKurt %in% c("ok", "OUT")))
})

test_that("hs_audit's correlations equal COINr's get_corr", {
  m <- hs_audit(p1)$audit_corr_Normalised
  ref <- read.csv(at("data/coinr-asem/p1_audit_corr_Normalised_L1_pearson.csv"),
                  check.names = FALSE)
  ours <- as.matrix(m[match(ref$iCode, m$iCode), names(ref)[-1]])
  expect_gt(length(ours), 1000)
  expect_lt(max(abs(ours - as.matrix(ref[, -1]))), 1e-9)
})

test_that("hs_trends and hs_weights equal humsec trends and humsec weights", {
  panel <- at("tests/ref/data/coinr2/trends_panel.pipeline")
  expect_same(hs_trends(panel), csv_text_ref(cli_stdout("trends", shQuote(panel))), "trends")
  expect_same(hs_trends(panel, dset = "Raw", window = 3),
              csv_text_ref(cli_stdout("trends", shQuote(panel), "--window", "3")), "trends w3")
  w <- hs_weights(p1)
  expect_same(w, csv_text_ref(cli_stdout("weights", shQuote(p1))), "weights")
  expect_equal(w$EffWeight[w$iCode == "Index"], 1)
})

test_that("hs_compare equals humsec compare's three files", {
  b <- at("tests/ref/data/coinr2/compare_variant_gmean_l4.pipeline")
  got <- hs_compare(p1, b)
  out <- cli("compare", shQuote(p1), shQuote(b))
  for (k in c("ranks", "scores", "summary"))
    expect_same(got[[k]], ref_csv(file.path(out, paste0("compare_", k, ".csv"))), k)
  idx <- got$ranks[got$ranks$iCode == "Index", ]
  expect_true(any(idx$Diff != 0))
})

test_that("hs_whatif equals humsec whatif's four files", {
  for (a in list(list(2, NULL), list(1, "Conn"))) {
    got <- hs_whatif(p1, a[[1]], target = a[[2]])
    out <- cli("whatif", shQuote(p1), "--remove", paste0("level=", a[[1]]),
               if (!is.null(a[[2]])) c("--target", a[[2]]))
    for (k in c("scores", "ranks", "rankdiffs", "mean_abs_diff"))
      expect_same(got[[k]], ref_csv(file.path(out, paste0("whatif_", k, ".csv"))), k)
  }
  expect_error(hs_whatif(p1, 9), "level")
})

test_that("hs_corr equals humsec corr's two files", {
  cases <- list(list(list(), character(0)),
                list(list(threshold = 0.7), c("--threshold", "0.7")),
                list(list(threshold = -0.4, low = TRUE), c("--threshold", "-0.4", "--low")),
                list(list(dset = "Aggregated", level = 2, threshold = 0.3, denom_threshold = 0.5),
                     c("--dset", "Aggregated", "--level", "2", "--threshold", "0.3",
                       "--denom-threshold", "0.5")))
  for (cs in cases) {
    got <- do.call(hs_corr, c(list(p1), cs[[1]]))
    out <- do.call(cli, as.list(c("corr", shQuote(p1), cs[[2]])))
    expect_same(got$flags, ref_csv(file.path(out, "corr_flags.csv")), "flags")
    expect_same(got$denominators, ref_csv(file.path(out, "denom_corr.csv")), "denominators")
  }
  # docs/analysis.md: 6 pairs above 0.7, 12 indicator-denominator pairs above 0.6
  got <- hs_corr(p1, threshold = 0.7)
  expect_equal(nrow(got$flags), 6)
  expect_equal(nrow(got$denominators), 12)
  expect_error(hs_corr(p1, dset = "NoSuch"), "NoSuch")
})
