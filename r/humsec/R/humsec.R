# humsec.R - the R side: builds from a pipeline file or from data.frames in memory, a COINr
# coin turned into a humsec build (from_coin), and COINr's uncertainty and sensitivity
# analysis of a coin (hs_sensitivity). The numbers are libhumsec's own.

#' The version of the loaded humsec library.
hs_version <- function() .Call(hsr_version)

# Decimal text to doubles, correctly rounded (C's strtod): R's reader may be a unit in the
# last place off for 17-digit decimals. NA for "NA" and "".
parse_double <- function(x) .Call(hsr_parse_double, as.character(x))

# A column as CSV text: numbers with 17 significant digits (they read back to the same
# double), missing as NA, text quoted when it must be.
csv_col <- function(x) {
  if (is.numeric(x)) {
    out <- sprintf("%.17g", as.double(x))
  } else {
    out <- as.character(x)
    q <- !is.na(out) & grepl("[\",\n\r]", out)
    out[q] <- paste0("\"", gsub("\"", "\"\"", out[q], fixed = TRUE), "\"")
  }
  out[is.na(x)] <- "NA"
  out
}

csv_text <- function(df) {
  df <- as.data.frame(df, stringsAsFactors = FALSE)
  rows <- do.call(paste, c(lapply(df, csv_col), sep = ","))
  paste0(paste(c(paste(csv_col(names(df)), collapse = ","), rows), collapse = "\n"), "\n")
}

# A pipeline whose structure and data are the texts handed over with it.
mem_pipeline <- function(title, steps) {
  paste0("title = ", title, "\nstructure = structure\n\n[data]\nfile = data\n\n",
         paste(trimws(steps), collapse = "\n\n"), "\n")
}

#' Build an index with humsec.
#'
#' Either from a pipeline file, `hs_build("examples/asem/p1.pipeline")`, or in memory:
#' `hs_build(structure = iMeta, data = iData, steps = c("[normalise]\nmethod = minmax(0, 100)",
#' "[aggregate]\nmethod = arithmetic"))`. Returns a named list of data.frames, one per data
#' set in pipeline order ("Raw" first): uCode, Time when the data has one, then one column
#' per indicator or aggregate; NA is missing.
hs_build <- function(pipeline = NULL, structure = NULL, data = NULL, steps = NULL,
                     title = "index") {
  mem <- !is.null(structure) || !is.null(data) || !is.null(steps)
  if (mem) {
    if (is.null(structure) || is.null(data) || is.null(steps) || !is.null(pipeline))
      stop("humsec: give a pipeline file, or structure, data and steps")
    .Call(hsr_build_mem, mem_pipeline(title, steps), csv_text(structure), csv_text(data))
  } else {
    if (is.null(pipeline)) stop("humsec: give a pipeline file, or structure, data and steps")
    .Call(hsr_build_file, path.expand(pipeline))
  }
}

# The value of argument `name` of a logged COINr call, or `default`.
log_arg <- function(args, name, default = NULL) {
  if (!is.null(args[[name]])) args[[name]] else default
}

# A COINr call of the coin's log as a humsec pipeline section; an argument humsec does not
# take is an error that names it, never silently dropped.
coin_step <- function(fn, a) {
  # arguments that only steer COINr's bookkeeping or messages (COINr 1.1.14 logs them all)
  known <- c("x", "dset", "write_to", "out2", "quietly", "write2log", "warn_on_NAs", "disable")
  if (isTRUE(a$disable)) stop(sprintf("from_coin: %s(disable = TRUE) has no humsec equivalent yet", fn))
  take <- function(...) {
    bad <- setdiff(names(a)[!vapply(a, is.null, TRUE)], c(known, ...))
    if (length(bad)) stop(sprintf("from_coin: %s(%s) has no humsec equivalent yet",
                                  fn, paste(bad, collapse = ", ")))
  }
  switch(fn,
    Denominate = {
      take("denoms", "denomby", "denoms_by_level")
      if (!is.null(a$denomby) || !is.null(a$denoms))
        stop("from_coin: Denominate with explicit denominators has no humsec equivalent yet")
      "[denominate]"
    },
    Impute = {
      take("f_i", "use_group", "impute_by", "group_level", "normalise_first", "f_i_para")
      f <- log_arg(a, "f_i", "i_mean")
      if (!f %in% c("i_mean", "i_median", "i_mean_grp", "i_median_grp"))
        stop(sprintf("from_coin: Impute f_i = '%s' has no humsec equivalent yet", f))
      if (!identical(log_arg(a, "impute_by", "column"), "column") ||
          !is.null(a$group_level) || isTRUE(a$normalise_first) || !is.null(a$f_i_para))
        stop("from_coin: Impute is taken by column only, without f_i_para")
      g <- log_arg(a, "use_group")
      paste0("[impute]\nmethod = ", f, if (!is.null(g)) paste0("\ngroup = ", g) else "")
    },
    Screen = {
      take("unit_screen", "dat_thresh", "nonzero_thresh", "Force")
      by <- c(byNA = "na", byZeros = "zeros", byNAandZeros = "na_zeros")[[log_arg(a, "unit_screen", "byNA")]]
      if (!is.null(a$Force)) stop("from_coin: Screen(Force) has no humsec equivalent yet")
      paste0("[screen]\nby = ", by, "\ndat_thresh = ", sprintf("%.17g", log_arg(a, "dat_thresh", 0.66)),
             "\nnonzero_thresh = ", sprintf("%.17g", log_arg(a, "nonzero_thresh", 0.5)))
    },
    Treat = {
      take("global_specs", "indiv_specs", "combine_treat")
      gs <- log_arg(a, "global_specs", list())
      winmax <- log_arg(log_arg(gs, "f1_para", list()), "winmax", 5)
      skew <- log_arg(log_arg(gs, "f_pass_para", list()), "skew_thresh", 2)
      kurt <- log_arg(log_arg(gs, "f_pass_para", list()), "kurt_thresh", 3.5)
      if (!is.null(a$indiv_specs)) stop("from_coin: Treat(indiv_specs) has no humsec equivalent yet")
      sprintf("[treat]\nwinmax = %s\nskew_thresh = %s\nkurt_thresh = %s", winmax,
              sprintf("%.17g", skew), sprintf("%.17g", kurt))
    },
    Normalise = {
      take("global_specs", "indiv_specs", "directions")
      gs <- log_arg(a, "global_specs", list())
      f <- log_arg(gs, "f_n", "n_minmax")
      p <- log_arg(gs, "f_n_para", list())
      # COINr passes f_n_para on to f_n, so an unnamed first entry is f_n's first parameter
      if (length(p) >= 1 && (is.null(names(p)) || !nzchar(names(p)[1])))
        names(p)[1] <- switch(f, n_minmax = "l_u", n_zscore = "m_sd", "")
      m <- switch(f,
        n_minmax = sprintf("minmax(%s, %s)", log_arg(p, "l_u", c(0, 100))[1], log_arg(p, "l_u", c(0, 100))[2]),
        n_zscore = sprintf("zscore(%s, %s)", log_arg(p, "m_sd", c(0, 1))[1], log_arg(p, "m_sd", c(0, 1))[2]),
        n_prank = "prank", n_rank = "rank", n_borda = "borda", n_fracmax = "fracmax",
        n_dist2max = "distmax",
        stop(sprintf("from_coin: Normalise f_n = '%s' has no humsec equivalent yet", f)))
      if (!is.null(a$indiv_specs) || !is.null(a$directions))
        stop("from_coin: Normalise(indiv_specs, directions) has no humsec equivalent yet")
      paste0("[normalise]\nmethod = ", m)
    },
    Aggregate = {
      take("f_ag", "w", "f_ag_para", "dat_thresh", "by_df")
      f <- log_arg(a, "f_ag", "a_amean")
      m <- switch(f, a_amean = "arithmetic", a_gmean = "geometric", a_hmean = "harmonic",
                  stop(sprintf("from_coin: Aggregate f_ag = '%s' has no humsec equivalent yet", f)))
      if (!is.null(a$w) || !is.null(a$f_ag_para) || isTRUE(a$by_df))
        stop("from_coin: Aggregate(w, f_ag_para) has no humsec equivalent yet")
      th <- log_arg(a, "dat_thresh")
      paste0("[aggregate]\nmethod = ", m, if (!is.null(th)) sprintf("\ndat_thresh = %.17g", th) else "")
    },
    stop(sprintf("from_coin: the coin's log has %s(), which humsec does not build yet", fn)))
}

#' Turn a COINr coin into a humsec build.
#'
#' Reads the coin's iData and iMeta (as given to `new_coin()`, in `coin$Log$new_coin`) and
#' the steps of its log (`Denominate`, `Impute`, `Screen`, `Treat`, `Normalise`,
#' `Aggregate`, in the order they were run) and builds the same index with humsec. Returns
#' what `hs_build()` returns. A step or argument humsec does not take yet is an error naming
#' it.
from_coin <- function(coin) {
  p <- coin_parts(coin)
  hs_build(structure = p$imeta, data = p$idata, steps = p$steps)
}

# The coin's iData, iMeta and its log's steps as pipeline sections.
coin_parts <- function(coin) {
  if (!is.list(coin) || is.null(coin$Log) || is.null(coin$Log$new_coin))
    stop("from_coin: expected a COINr coin (a list with $Log$new_coin)")
  nc <- coin$Log$new_coin
  if (!is.data.frame(nc$iData) || !is.data.frame(nc$iMeta))
    stop("from_coin: the coin's log holds no iData and iMeta")
  fns <- setdiff(names(coin$Log), c("new_coin", "can_regen"))
  steps <- vapply(fns, function(fn) coin_step(fn, coin$Log[[fn]]), "")
  list(idata = nc$iData, imeta = nc$iMeta, steps = unname(steps))
}

# x with the entry at `path` (names, outermost first) set to v, making lists on the way.
set_in <- function(x, path, v) {
  if (length(path) == 1) {
    x[[path]] <- v
    return(x)
  }
  inner <- if (is.null(x[[path[1]]])) list() else x[[path[1]]]
  x[[path[1]]] <- set_in(inner, path[-1], v)
  x
}

# "key = value" lines of a pipeline section as a named character vector.
section_kv <- function(sec) {
  l <- strsplit(sec, "\n", fixed = TRUE)[[1]][-1]
  l <- l[grepl("=", l, fixed = TRUE)]
  stats::setNames(trimws(sub("^[^=]*=", "", l)), trimws(sub("=.*$", "", l)))
}

# One SA_specs entry as a SPEC factor (docs/sensitivity.md). The alternatives are put into the
# coin's log call at Address and turned into pipeline sections by coin_step, which is how
# from_coin reads a coin: the one key that changes between them is the factor's key.
sa_factor <- function(name, spec, coin, wsets) {
  what <- sprintf("hs_sensitivity: SA_specs$%s", name)
  if (is.null(spec$Address) || is.null(spec$Distribution) || is.null(spec$Type))
    stop(sprintf("%s needs Address, Distribution and Type", what))
  if (!grepl("^\\$Log\\$", spec$Address))
    stop(sprintf("%s: Address '%s' is not in the coin's log ($Log$...)", what, spec$Address))
  path <- strsplit(sub("^\\$Log\\$", "", spec$Address), "$", fixed = TRUE)[[1]]
  fn <- path[1]
  path <- path[-1]
  args <- coin$Log[[fn]]
  if (is.null(args) || !length(path))
    stop(sprintf("%s: Address '%s' names no argument of a step in the coin's log", what,
                 spec$Address))
  if (!spec$Type %in% c("discrete", "continuous"))
    stop(sprintf("%s: Type is 'discrete' or 'continuous', not '%s'", what, spec$Type))
  dist <- spec$Distribution
  if (fn == "Aggregate" && identical(path, "w")) {
    if (spec$Type != "discrete" || !is.list(dist) || !length(dist))
      stop(sprintf("%s: weights are a discrete list of weight sets (get_noisy_weights)", what))
    sets <- lapply(dist, function(w) {
      if (is.data.frame(w) && all(c("iCode", "Weight") %in% names(w)))
        return(stats::setNames(as.double(w$Weight), as.character(w$iCode)))
      if (is.numeric(w) && !is.null(names(w))) return(stats::setNames(as.double(w), names(w)))
      stop(sprintf("%s: a weight set is a data.frame with iCode and Weight", what))
    })
    codes <- unique(unlist(lapply(sets, names)))
    wsets$names <- c(wsets$names, name)
    wsets$codes <- c(wsets$codes, list(codes))
    wsets$vals <- c(wsets$vals, list(unlist(lapply(sets, function(w) unname(w[codes])))))
    return(list(text = sprintf("[factor %s]\nweights = %s", name, name), wsets = wsets))
  }
  alts <- if (is.list(dist)) dist else as.list(dist)
  if (spec$Type == "continuous" && (length(alts) != 2 || !is.numeric(unlist(alts))))
    stop(sprintf("%s: a continuous Distribution is c(low, high)", what))
  secs <- vapply(alts, function(v) coin_step(fn, set_in(args, path, v)), "")
  kv <- lapply(secs, section_kv)
  keys <- unique(unlist(lapply(kv, names)))
  vary <- keys[vapply(keys, function(k) length(unique(vapply(kv, function(x)
    if (k %in% names(x)) x[[k]] else NA_character_, ""))) > 1, TRUE)]
  if (length(vary) != 1)
    stop(sprintf("%s changes %s of [%s]: a factor varies one pipeline parameter", what,
                 if (length(vary)) paste(vary, collapse = " and ") else "nothing",
                 tolower(fn)))
  vals <- vapply(kv, function(x) x[[vary]], "")
  step <- sub("^\\[([a-z]+)\\].*$", "\\1", strsplit(secs[[1]], "\n", fixed = TRUE)[[1]][1])
  tail <- if (spec$Type == "discrete") paste0("values = ", paste(vals, collapse = " | "))
          else paste0("range = ", vals[1], ", ", vals[2])
  list(text = sprintf("[factor %s]\nstep = %s\nkey = %s\n%s", name, step, vary, tail),
       wsets = wsets)
}

#' Uncertainty and sensitivity analysis of a coin, as COINr's get_sensitivity() runs it.
#'
#' `SA_specs` is COINr's: a named list whose entries give an `Address` in the coin's log
#' (e.g. `"$Log$Normalise$global_specs"`, `"$Log$Aggregate$f_ag"`,
#' `"$Log$Treat$global_specs$f1_para$winmax"`, or `"$Log$Aggregate$w"` with a list of weight
#' sets from get_noisy_weights()), a `Distribution` (the alternatives, or `c(low, high)`) and
#' a `Type` ("discrete" or "continuous"). Each entry must change one pipeline parameter. The
#' design is humsec's (Sobol' points from `seed`), so single runs differ from COINr's while
#' the distributions agree. Returns COINr's list: `Scores` and `Ranks` (uCode, Nominal, one
#' column per run), `RankStats` (uCode, Nominal, Mean, Median, Q5, Q95 over the plain Monte
#' Carlo runs), `Nominal` (uCode, Score, Rank) and, for `SA_type = "SA"`, `Sensitivity`
#' (Variable, Si, STi and their 5 % and 95 % bootstrap quantiles).
hs_sensitivity <- function(coin, SA_specs, N, SA_type = "UA", dset = "Aggregated",
                           iCode = NULL, Nboot = NULL, seed = 1) {
  if (!is.list(SA_specs) || !length(SA_specs) || is.null(names(SA_specs)) ||
      any(!nzchar(names(SA_specs))))
    stop("hs_sensitivity: SA_specs is a named list, one entry per uncertain input")
  if (!SA_type %in% c("UA", "SA")) stop("hs_sensitivity: SA_type is \"UA\" or \"SA\"")
  if (!is.numeric(N) || length(N) != 1 || N < 2) stop("hs_sensitivity: N is a number >= 2")
  if (!identical(dset, "Aggregated"))
    stop("hs_sensitivity: the target is an aggregate of the \"Aggregated\" data set")
  p <- coin_parts(coin)
  wsets <- list(names = character(0), codes = list(), vals = list())
  facs <- character(0)
  for (nm in names(SA_specs)) {
    f <- sa_factor(nm, SA_specs[[nm]], coin, wsets)
    facs <- c(facs, f$text)
    wsets <- f$wsets
  }
  spec <- paste0(if (!is.null(iCode)) paste0("target = ", iCode, "\n\n") else "",
                 paste(facs, collapse = "\n\n"), "\n")
  opts <- c(if (SA_type == "SA") 1 else 0, N, seed, if (is.null(Nboot)) 1000 else Nboot)
  r <- .Call(hsr_sensitivity,
             c(mem_pipeline("index", p$steps), csv_text(p$imeta), csv_text(p$idata), spec),
             wsets$names, wsets$codes, lapply(wsets$vals, as.double), as.double(opts))
  runs <- paste0("r_", seq_len(ncol(r$ranks)))
  frame <- function(nominal, m) {
    df <- data.frame(uCode = r$uCode, Nominal = nominal, stringsAsFactors = FALSE)
    cbind(df, stats::setNames(as.data.frame(m), runs))
  }
  use <- if (SA_type == "SA") seq_len(2 * N) else seq_len(ncol(r$ranks))
  out <- list(
    Scores = frame(r$nominal_score, r$scores),
    Ranks = frame(r$nominal_rank, r$ranks),
    RankStats = data.frame(uCode = r$uCode, Nominal = r$nominal_rank,
                           Mean = rowMeans(r$ranks[, use, drop = FALSE], na.rm = TRUE),
                           Median = r$median, Q5 = r$q05, Q95 = r$q95,
                           stringsAsFactors = FALSE))
  if (SA_type == "SA") {
    s <- r$sobol
    out$Sensitivity <- data.frame(Variable = r$factor, Si = s[, 1], STi = s[, 2],
                                  Si_q5 = s[, 3], Si_q95 = s[, 4], STi_q5 = s[, 5],
                                  STi_q95 = s[, 6], stringsAsFactors = FALSE)
  }
  out$Nominal <- data.frame(uCode = r$uCode, Score = r$nominal_score, Rank = r$nominal_rank,
                            stringsAsFactors = FALSE)
  out
}

# A CSV text the library wrote as a data.frame: read as text, and the columns that hold
# numbers (or NA) parsed with C's strtod, so that every double is the library's to the bit.
csv_frame <- function(text) {
  df <- utils::read.csv(text = text, check.names = FALSE, colClasses = "character",
                        na.strings = character(0), stringsAsFactors = FALSE)
  num <- "^(NA|NaN|-?Inf|[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?)$"
  for (k in names(df))
    if (all(grepl(num, df[[k]])) && !all(df[[k]] == "NA")) df[[k]] <- parse_double(df[[k]])
  df
}

# A path argument as the library takes it.
pipeline_path <- function(p) {
  if (!is.character(p) || length(p) != 1 || is.na(p)) stop("humsec: pipeline must be one path")
  path.expand(p)
}

#' Ranks of a build's last dataset.
#'
#' The competition ranks (1 = highest, ties share the best rank) of every indicator and
#' aggregate of the last dataset, within each time: uCode, Time when the data has one, then
#' one column per node; NA where the value is missing. The command line's ranks.csv.
hs_ranks <- function(pipeline) .Call(hsr_ranks, pipeline_path(pipeline))

#' The statistical audit of a build.
#'
#' The tables `humsec build` writes as audit_*.csv (docs/methods.md section 3.7), as a named
#' list of data.frames: audit_stats_Raw (COINr's get_stats of the raw indicators),
#' audit_corr_Normalised (Pearson correlations of the normalised indicators),
#' audit_cronbach, audit_pca_weights, audit_pca_variance (per aggregate of the normalised
#' indicators) and audit_corr_parent (each node against its parent). Codes are text, counts
#' integers, flags their words ("ok", "LOW", "OUT"); NA is missing. For panel data the
#' tables describe the latest time.
hs_audit <- function(pipeline) .Call(hsr_audit, pipeline_path(pipeline))

#' Trends of a panel build (COINr's get_trends).
#'
#' Per unit and column of dataset `dset` (NULL: Raw): the CAGR, the least-squares slope per
#' time unit, the share of times observed and the first and last observed time, over the
#' `window` latest times (0: all), as `humsec trends` writes them: uCode, iCode, CAGR, slope,
#' Avail, t_first, t_latest.
hs_trends <- function(pipeline, dset = NULL, window = 0) {
  if (!is.null(dset) && (!is.character(dset) || length(dset) != 1))
    stop("humsec: dset is one dataset name")
  csv_frame(.Call(hsr_trends, pipeline_path(pipeline), dset, as.double(window)))
}

#' Weights and effective weights of a build (COINr's get_eff_weights).
#'
#' Every indicator and aggregate with the weight used and its share of the index, as
#' `humsec weights` writes them: iCode, Level, Weight, EffWeight.
hs_weights <- function(pipeline) csv_frame(.Call(hsr_weights, pipeline_path(pipeline)))

#' Two builds compared unit by unit (COINr's compare_coins).
#'
#' As `humsec compare a b -o DIR` writes them: `ranks` and `scores` (iCode, Level, uCode,
#' Time when the builds have one, coin.1, coin.2, Diff = coin.1 - coin.2, Abs.diff), one row
#' per node and unit; and `summary` (per node: Units, MeanAbsRankDiff, MaxAbsRankDiff,
#' UnitsMoved, MeanAbsScoreDiff).
hs_compare <- function(a, b) {
  r <- .Call(hsr_compare, pipeline_path(a), pipeline_path(b))
  side <- function(m) {
    df <- data.frame(iCode = r$iCode, Level = as.double(r$Level), uCode = r$uCode,
                     stringsAsFactors = FALSE)
    if (r$has_time) df$Time <- r$Time
    df$coin.1 <- m[, 1]
    df$coin.2 <- m[, 2]
    df$Diff <- m[, 1] - m[, 2]
    df$Abs.diff <- abs(df$Diff)
    df
  }
  list(ranks = side(r$rank), scores = side(r$score), summary = csv_frame(r$summary))
}

#' A build taken apart (COINr's remove_elements).
#'
#' As `humsec whatif PIPELINE --remove level=N [--target CODE] -o DIR`: each element of
#' `level` is removed in turn (its weight set to 0) and the target's (NULL: the index's)
#' scores and ranks kept. A list of data.frames named as the command's files: `scores`,
#' `ranks`, `rankdiffs` (uCode, Time when the build has one, Nominal, one column per removed
#' element; rankdiffs is the Nominal rank minus the rank without the element) and
#' `mean_abs_diff` (iCode, MeanAbsDiff).
hs_whatif <- function(pipeline, level, target = NULL) {
  if (!is.numeric(level) || length(level) != 1) stop("humsec: level is one number")
  if (!is.null(target) && (!is.character(target) || length(target) != 1))
    stop("humsec: target is one aggregate code")
  r <- .Call(hsr_whatif, pipeline_path(pipeline), as.integer(level), target)
  frame <- function(m) {
    df <- data.frame(uCode = r$uCode, stringsAsFactors = FALSE)
    if (r$has_time) df$Time <- r$Time
    cbind(df, stats::setNames(as.data.frame(m), c("Nominal", r$removed)))
  }
  list(scores = frame(r$score), ranks = frame(r$rank), rankdiffs = frame(r$rank[, 1] - r$rank),
       mean_abs_diff = csv_frame(r$mean_abs_diff))
}

#' Correlations worth a look (COINr's get_corr_flags and get_denom_corr).
#'
#' As `humsec corr` with the same options: pairs of `level` nodes sharing their ancestor at
#' `group_level` (0: level + 1) in `dset` (NULL: Normalised, else the last dataset) whose r
#' is above `threshold` (below it with `low = TRUE`), and indicators of `denom_dset` (NULL:
#' Raw) against each denominator with |r| above `denom_threshold`. A list: `flags` (Group,
#' Ind1, Ind2, Corr) and `denominators` (Ind, Denom, Corr).
hs_corr <- function(pipeline, threshold = 0.9, low = FALSE, level = 1, group_level = 0,
                    dset = NULL, denom_dset = NULL, denom_threshold = 0.6) {
  str1 <- function(x, what) {
    if (is.null(x)) return(NA_character_)
    if (!is.character(x) || length(x) != 1) stop(sprintf("humsec: %s is one dataset name", what))
    x
  }
  num <- c(threshold, as.logical(low), level, group_level, denom_threshold)
  if (!is.numeric(num) || length(num) != 5 || anyNA(num))
    stop("humsec: threshold, low, level, group_level and denom_threshold are single values")
  r <- .Call(hsr_corr, pipeline_path(pipeline), as.double(num),
             c(str1(dset, "dset"), str1(denom_dset, "denom_dset")))
  list(flags = csv_frame(r$flags), denominators = csv_frame(r$denominators))
}
