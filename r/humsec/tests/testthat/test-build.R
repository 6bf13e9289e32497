# The R package against the command line and against itself. Run from the project folder
# (HUMSEC_ROOT), with HUMSEC_EXE the humsec that wrote the reference CSVs.
root <- Sys.getenv("HUMSEC_ROOT", "../../../..")
exe <- Sys.getenv("HUMSEC_EXE", file.path(root, "build/humsec"))
at <- function(...) file.path(root, ...)

cli_build <- function(pipeline) {
  out <- tempfile("cli")
  status <- system2(exe, c("build", shQuote(pipeline), "-o", shQuote(out), "-q"))
  expect_equal(status, 0)
  out
}

test_that("ASEM P1 and the HDI from R equal the command line's CSVs to the last bit", {
  for (p in c("examples/asem/p1.pipeline", "examples/hdi/hdi.pipeline")) {
    got <- hs_build(at(p))
    out <- cli_build(at(p))
    expect_equal(names(got)[1], "Raw")
    n <- 0
    for (ds in names(got)) {
      # read as text and parsed by C's strtod: R's own reader may be an ulp off
      ref <- read.csv(file.path(out, paste0(ds, ".csv")), check.names = FALSE,
                      colClasses = "character", na.strings = character(0))
      df <- got[[ds]]
      expect_identical(df$uCode, ref$uCode)
      for (col in setdiff(names(df), c("uCode", "Time"))) {
        expect_identical(df[[col]], humsec:::parse_double(ref[[col]]), info = paste(p, ds, col))
        n <- n + sum(!is.na(df[[col]]))
      }
    }
    expect_gt(n, 1000)
  }
})

# A coin-shaped list as COINr documents it (COINr 1.1.14: coin$Log records new_coin's
# iData and iMeta and each building call's arguments by function name), holding the calls of
# COINr's build_example_coin(); the data are COINr's own ASEM_iData and ASEM_iMeta.
example_coin <- function() {
  rd <- function(f) read.csv(at("data/coinr-asem", f), check.names = FALSE, na.strings = "NA",
                             stringsAsFactors = FALSE)
  idata <- rd("input_iData.csv")
  imeta <- rd("input_iMeta.csv")
  structure(list(
    Meta = list(Ind = imeta),
    Data = list(Raw = idata),
    Log = list(
      new_coin = list(iData = idata, iMeta = imeta,
                      level_names = c("Indicator", "Pillar", "Sub-index", "Index")),
      Denominate = list(dset = "Raw"),
      Impute = list(dset = "Denominated", f_i = "i_mean_grp", use_group = "EurAsia_group"),
      Screen = list(dset = "Imputed", unit_screen = "byNA", dat_thresh = 0.9,
                    write_to = "Screened"),
      Treat = list(dset = "Screened"),
      Normalise = list(dset = "Treated"),
      Aggregate = list(dset = "Normalised"),
      can_regen = TRUE)),
    class = "coin")
}

test_that("from_coin on the example coin reproduces ASEM P1", {
  got <- from_coin(example_coin())
  ref <- hs_build(at("examples/asem/p1.pipeline"))
  expect_identical(names(got), names(ref))
  for (ds in names(ref)) expect_identical(got[[ds]], ref[[ds]], info = ds)
})

test_that("a coin step humsec does not take is an error naming it", {
  coin <- example_coin()
  coin$Log$Aggregate$f_ag <- "a_copeland"
  expect_error(from_coin(coin), "a_copeland")
})

test_that("a bad pipeline is an error with the library's message", {
  p <- tempfile(fileext = ".pipeline")
  writeLines(c("title = x", "structure = nowhere.csv", "[data]", "file = nowhere.csv"), p)
  expect_error(hs_build(p), "nowhere.csv")
  expect_match(hs_version(), "^[0-9]+\\.[0-9]+\\.[0-9]+$")
})
