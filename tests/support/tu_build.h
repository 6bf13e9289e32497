/*
 * tu_build.h - builds and their datasets for the reference tests: a failing build or a
 * missing dataset fails the test with the library's message.
 */
#ifndef TU_BUILD_H
#define TU_BUILD_H

#include "index/engine_int.h"

/* The build of the pipeline at tu_path(rel); free with hs_build_free. */
hs_build *tu_build(const char *rel);
/* Dataset `name` of b ("Raw", "Normalised", ...). */
const hsi_dset *tu_dset(const hs_build *b, const char *name);
/* Row of unit `code` in d, or -1. */
long tu_unit_row(const hs_build *b, const hsi_dset *d, const char *code);

#endif
