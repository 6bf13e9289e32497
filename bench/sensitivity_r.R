# sensitivity_r.R - COINr's get_sensitivity against humsec's hs_sensitivity from R, side by
# side in one R session: the same coin (COINr's build_example_coin, normalised to [1, 100]
# as its sensitivity vignette does), the vignette's SA_specs unchanged (winmax 1-5,
# min-max or z-score, noisy weights of levels 2 and 3, arithmetic or geometric mean), the
# same N. Prints seconds per analysis and per run, the ratio, and how far the two rank
# intervals are apart (different random designs: close, not equal).
# Usage: Rscript bench/sensitivity_r.R [N]   with COINr and humsec installed (R_LIBS)
args <- commandArgs(trailingOnly = TRUE)
N <- if (length(args)) as.integer(args[1]) else 100
suppressPackageStartupMessages({ library(COINr); library(humsec) })

coin <- build_example_coin(quietly = TRUE)
coin <- Normalise(coin, dset = "Treated", global_specs = list(f_n = "n_minmax",
                  f_n_para = list(l_u = c(1, 100))), quietly = TRUE)
coin <- Aggregate(coin, dset = "Normalised", quietly = TRUE)

set.seed(1)
w_nom <- coin$Meta$Weights$Original
noisy <- get_noisy_weights(w = w_nom, noise_specs = data.frame(Level = c(2, 3),
                           NoiseFactor = c(0.25, 0.25)), Nrep = 100)
SA_specs <- list(
  Winmax = list(Address = "$Log$Treat$global_specs$f1_para$winmax", Distribution = 1:5,
                Type = "discrete"),
  Normalisation = list(Address = "$Log$Normalise$global_specs", Type = "discrete",
                       Distribution = list(list(f_n = "n_minmax", f_n_para = list(c(1, 100))),
                                           list(f_n = "n_zscore", f_n_para = list(c(10, 2))))),
  Weights = list(Address = "$Log$Aggregate$w", Distribution = noisy, Type = "discrete"),
  Aggregation = list(Address = "$Log$Aggregate$f_ag", Distribution = c("a_amean", "a_gmean"),
                     Type = "discrete"))

t_c <- system.time(ua_c <- get_sensitivity(coin, SA_specs, N = N, SA_type = "UA",
                                           dset = "Aggregated", iCode = "Index",
                                           quietly = TRUE, check_addresses = FALSE))[["elapsed"]]
t_h <- system.time(ua_h <- hs_sensitivity(coin, SA_specs, N = N, SA_type = "UA",
                                          dset = "Aggregated", iCode = "Index"))[["elapsed"]]
# the same again with a larger N, so that humsec's time is not all set-up
N2 <- 100 * N
t_h2 <- system.time(hs_sensitivity(coin, SA_specs, N = N2, SA_type = "UA",
                                   dset = "Aggregated", iCode = "Index"))[["elapsed"]]
m <- merge(ua_c$RankStats, ua_h$RankStats, by = "uCode", suffixes = c(".c", ".h"))
cat(sprintf("N = %d, %d units\n", N, nrow(m)))
cat(sprintf("COINr get_sensitivity   %8.3f s  (%.4f s per run)\n", t_c, t_c / N))
cat(sprintf("humsec hs_sensitivity   %8.3f s  (%.6f s per run)\n", t_h, t_h / N))
cat(sprintf("humsec at N = %d    %8.3f s  (%.6f s per run)\n", N2, t_h2, t_h2 / N2))
cat(sprintf("ratio per run (COINr / humsec at N = %d): %.0fx\n", N2, (t_c / N) / (t_h2 / N2)))
cat(sprintf("nominal ranks equal: %s\n", isTRUE(all.equal(m$Nominal.c, m$Nominal.h))))
cat(sprintf("median rank: mean |COINr - humsec| = %.2f; Q5-Q95 width: COINr %.2f, humsec %.2f\n",
            mean(abs(m$Median.c - m$Median.h)), mean(m$Q95.c - m$Q5.c), mean(m$Q95.h - m$Q5.h)))
