# hs_sensitivity: COINr's SA_specs on a coin, against the command line's analysis of the same
# pipeline, SPEC and weight sets (which the tests of the C library check against COINr's own
# estimates and against the exclusion factor).
root <- Sys.getenv("HUMSEC_ROOT", "../../../..")
exe <- Sys.getenv("HUMSEC_EXE", file.path(root, "build/humsec"))
at <- function(...) file.path(root, ...)

# COINr's build_example_coin() calls on ASEM, normalised to [1, 100] as COINr's sensitivity
# vignette does so that the geometric mean is defined; f_n_para unnamed, as the vignette
# writes it.
sa_coin <- function() {
  rd <- function(f) read.csv(at("data/coinr-asem", f), check.names = FALSE, na.strings = "NA",
                             stringsAsFactors = FALSE)
  idata <- rd("input_iData.csv")
  imeta <- rd("input_iMeta.csv")
  structure(list(Log = list(
    new_coin = list(iData = idata, iMeta = imeta),
    Denominate = list(dset = "Raw"),
    Impute = list(dset = "Denominated", f_i = "i_mean_grp", use_group = "EurAsia_group",
                  impute_by = "column", disable = FALSE, warn_on_NAs = TRUE),
    Screen = list(dset = "Imputed", unit_screen = "byNA", dat_thresh = 0.9),
    Treat = list(dset = "Screened", global_specs = list(f1_para = list(winmax = 5)),
                 combine_treat = FALSE, write2log = TRUE, disable = FALSE),
    Normalise = list(dset = "Treated",
                     global_specs = list(f_n = "n_minmax", f_n_para = list(c(1, 100)))),
    Aggregate = list(dset = "Normalised"))), class = "coin")
}

# Noisy weight sets as get_noisy_weights() returns them: data.frames of iCode, Level, Weight,
# the weights of levels 2 and 3 times 1 +/- 25 %.
noisy_sets <- function(imeta, n) {
  set.seed(7)
  agg <- imeta[imeta$Level %in% c(2, 3), c("iCode", "Level", "Weight")]
  lapply(seq_len(n), function(i) {
    w <- agg
    w$Weight <- w$Weight * (1 + 0.25 * (2 * stats::runif(nrow(w)) - 1))
    w
  })
}

specs <- function(sets) list(
  Winmax = list(Address = "$Log$Treat$global_specs$f1_para$winmax", Distribution = 1:5,
                Type = "discrete"),
  Normalisation = list(Address = "$Log$Normalise$global_specs", Type = "discrete",
                       Distribution = list(list(f_n = "n_minmax", f_n_para = list(c(1, 100))),
                                           list(f_n = "n_zscore", f_n_para = list(c(10, 2))))),
  Weights = list(Address = "$Log$Aggregate$w", Distribution = sets, Type = "discrete"),
  Aggregation = list(Address = "$Log$Aggregate$f_ag", Distribution = c("a_amean", "a_gmean"),
                     Type = "discrete"))

# The same analysis written as files for `humsec sensitivity`.
cli_sensitivity <- function(sets, type, n) {
  dir <- tempfile("sa")
  dir.create(dir)
  rows <- do.call(rbind, lapply(seq_along(sets), function(i)
    data.frame(set = i, iCode = sets[[i]]$iCode, Weight = sprintf("%.17g", sets[[i]]$Weight))))
  write.csv(rows, file.path(dir, "sets.csv"), row.names = FALSE, quote = FALSE)
  writeLines(c("[factor Winmax]", "step = treat", "key = winmax", "values = 1 | 2 | 3 | 4 | 5",
               "[factor Normalisation]", "step = normalise", "key = method",
               "values = minmax(1, 100) | zscore(10, 2)",
               "[factor Weights]", "weights = sets.csv",
               "[factor Aggregation]", "step = aggregate", "key = method",
               "values = arithmetic | geometric"), file.path(dir, "s.spec"))
  status <- system2(exe, c("sensitivity", shQuote(at("examples/asem/sa.pipeline")),
                           shQuote(file.path(dir, "s.spec")), "-o", shQuote(file.path(dir, "out")),
                           "--type", type, "--n", n, "-q"))
  expect_equal(status, 0)
  file.path(dir, "out")
}

num <- function(x) humsec:::parse_double(x)
rd_txt <- function(f) read.csv(f, colClasses = "character", na.strings = character(0))

test_that("a coin's UA with COINr's SA_specs equals the command line's, unit by unit", {
  coin <- sa_coin()
  sets <- noisy_sets(coin$Log$new_coin$iMeta, 20)
  got <- hs_sensitivity(coin, specs(sets), N = 64, iCode = "Index")
  ref <- rd_txt(file.path(cli_sensitivity(sets, "ua", 64), "ua_ranks.csv"))
  rs <- got$RankStats
  expect_identical(rs$uCode, ref$uCode)
  expect_identical(rs$Nominal, num(ref$nominal_rank))
  expect_identical(rs$Median, num(ref$median_rank))
  expect_identical(rs$Q5, num(ref$q05_rank))
  expect_identical(rs$Q95, num(ref$q95_rank))
  expect_equal(rs$Mean, num(ref$mean_rank), tolerance = 1e-12)
  expect_identical(got$Nominal$Score, num(ref$nominal_score))
  expect_equal(dim(got$Ranks), c(51, 2 + 64))
  expect_identical(names(got$Scores)[1:3], c("uCode", "Nominal", "r_1"))
  expect_gt(sum(rs$Q95 > rs$Q5), 20) # the choices do move ranks
  expect_null(got$Sensitivity)
})

test_that("a coin's SA gives the command line's Sobol' indices, by variable", {
  coin <- sa_coin()
  sets <- noisy_sets(coin$Log$new_coin$iMeta, 20)
  got <- hs_sensitivity(coin, specs(sets), N = 64, SA_type = "SA")
  ref <- rd_txt(file.path(cli_sensitivity(sets, "sa", 64), "sa_indices.csv"))
  s <- got$Sensitivity
  expect_identical(s$Variable, c("Winmax", "Normalisation", "Weights", "Aggregation"))
  expect_identical(s$Variable, ref$factor)
  for (k in c("Si", "STi", "Si_q5", "Si_q95", "STi_q5", "STi_q95"))
    expect_identical(s[[k]], num(ref[[sub("q5$", "q05", k)]]), info = k)
  expect_equal(ncol(got$Ranks), 2 + 64 * (4 + 2))
})

test_that("SA_specs humsec cannot take are errors that name them", {
  coin <- sa_coin()
  coin$Log$Impute$disable <- TRUE
  expect_error(hs_sensitivity(coin, specs(list()), N = 8), "Impute\\(disable = TRUE\\)")
  coin <- sa_coin()
  bad <- list(X = list(Address = "$Log$Smooth$width", Distribution = 1:2, Type = "discrete"))
  expect_error(hs_sensitivity(coin, bad, N = 8), "SA_specs\\$X.*names no argument")
  bad <- list(X = list(Address = "$Log$Aggregate$f_ag", Distribution = c("a_amean", "a_copeland"),
                       Type = "discrete"))
  expect_error(hs_sensitivity(coin, bad, N = 8), "a_copeland")
  bad <- list(X = list(Address = "$Log$Normalise$global_specs", Type = "discrete",
                       Distribution = list(list(f_n = "n_minmax", f_n_para = list(c(0, 1))),
                                           list(f_n = "n_minmax", f_n_para = list(c(0, 1))))))
  expect_error(hs_sensitivity(coin, bad, N = 8), "changes nothing")
  bad <- list(X = list(Address = "$Log$Aggregate$f_ag", Distribution = "a_amean", Type = "uniform"))
  expect_error(hs_sensitivity(coin, bad, N = 8), "Type is 'discrete' or 'continuous'")
  w <- list(X = list(Address = "$Log$Aggregate$w", Type = "discrete",
                     Distribution = list(data.frame(iCode = "Nope", Weight = 1))))
  expect_error(hs_sensitivity(coin, w, N = 8), "'Nope', which is not a code of the structure")
  w$X$Distribution <- list(data.frame(iCode = "Physical", Weight = -1))
  expect_error(hs_sensitivity(coin, w, N = 8), "weight -1")
  expect_error(hs_sensitivity(coin, list(), N = 8), "named list")
})
