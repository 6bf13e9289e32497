library(testthat)
library(humsec)
test_check("humsec")
