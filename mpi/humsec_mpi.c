/*
 * humsec_mpi.c - `mpirun -n R humsec-mpi sensitivity PIPELINE SPEC -o DIR ...`: the same
 * analysis as `humsec sensitivity`, with the model runs split over MPI ranks (and machines,
 * through mpirun's hostfile). Each rank evaluates a contiguous slice of the runs with its own
 * threads; the slices are joined in run order (MPI_Allgatherv) and rank 0 writes the files,
 * which are byte-identical to a single-process run with the same seed.
 * Built only when Open MPI is installed; the normal build does not need it.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"

typedef struct mpi_ctx {
    int rank, size;
} mpi_ctx;

static hs_status mpi_gather(void *ud, double *y, size_t nruns, size_t ny, size_t lo, size_t hi,
                            hs_error *err)
{
    const mpi_ctx *m = ud;
    (void)lo;
    (void)hi;
    int *counts = malloc((size_t)m->size * sizeof(int));
    int *displs = malloc((size_t)m->size * sizeof(int));
    if (!counts || !displs) {
        free(counts);
        free(displs);
        if (err) {
            err->code = HS_ERR_NOMEM;
            snprintf(err->msg, sizeof err->msg, "out of memory");
        }
        return HS_ERR_NOMEM;
    }
    for (int r = 0; r < m->size; r++) {
        size_t a = nruns * (size_t)r / (size_t)m->size,
               b = nruns * (size_t)(r + 1) / (size_t)m->size;
        counts[r] = (int)((b - a) * ny);
        displs[r] = (int)(a * ny);
    }
    int rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, y, counts, displs, MPI_DOUBLE,
                            MPI_COMM_WORLD);
    free(counts);
    free(displs);
    if (rc != MPI_SUCCESS) {
        if (err) {
            err->code = HS_ERR_IO;
            err->file[0] = '\0';
            err->line = err->col = 0;
            snprintf(err->msg, sizeof err->msg, "MPI_Allgatherv failed (code %d)", rc);
        }
        return HS_ERR_IO;
    }
    return HS_OK;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    hs_global_init();
    mpi_ctx m;
    MPI_Comm_rank(MPI_COMM_WORLD, &m.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m.size);
    int rc;
    if (argc >= 2 && !strcmp(argv[1], "sensitivity")) {
        cli_parts parts = {m.rank, m.size, m.rank == 0, mpi_gather, &m};
        rc = cmd_sensitivity_parts(argc - 1, argv + 1, &parts);
    } else if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        if (m.rank == 0)
            puts("usage: mpirun -n R humsec-mpi sensitivity PIPELINE SPEC -o DIR [options]\n"
                 "\n"
                 "The model runs of `humsec sensitivity` spread over R MPI ranks; the files\n"
                 "written by rank 0 are identical to a single-process run with the same seed.\n"
                 "Options: see `humsec sensitivity --help`.");
        rc = CLI_EXIT_OK;
    } else {
        if (m.rank == 0)
            fputs("humsec-mpi: expected 'sensitivity' (try 'humsec-mpi --help')\n", stderr);
        rc = CLI_EXIT_USAGE;
    }
    /* standard output is a file like any other: a failed write or flush is exit 3 (before
     * the reduction, so that every rank exits with it) */
    rc = cli_close_stdout(rc);
    /* a failure on one rank must not leave the others waiting in the gather */
    int worst = rc;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return worst;
}
