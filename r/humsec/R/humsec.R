# humsec.R - the R side: builds from a pipeline file or from data.frames in memory, and a
# COINr coin turned into a humsec build (from_coin). The numbers are libhumsec's own.

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
    text <- paste0("title = ", title, "\nstructure = structure\n\n[data]\nfile = data\n\n",
                   paste(trimws(steps), collapse = "\n\n"), "\n")
    .Call(hsr_build_mem, text, csv_text(structure), csv_text(data))
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
  known <- c("x", "dset", "write_to", "out2", "quietly", "write2log")
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
  if (!is.list(coin) || is.null(coin$Log) || is.null(coin$Log$new_coin))
    stop("from_coin: expected a COINr coin (a list with $Log$new_coin)")
  nc <- coin$Log$new_coin
  idata <- nc$iData
  imeta <- nc$iMeta
  if (!is.data.frame(idata) || !is.data.frame(imeta))
    stop("from_coin: the coin's log holds no iData and iMeta")
  fns <- setdiff(names(coin$Log), c("new_coin", "can_regen"))
  steps <- vapply(fns, function(fn) coin_step(fn, coin$Log[[fn]]), "")
  hs_build(structure = imeta, data = idata, steps = unname(steps))
}
