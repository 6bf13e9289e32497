"""humsec: composite indices built the JRC/OECD way, from Python.

A thin ctypes layer over the humsec C library (libhumsec.so.0, `make install`): the numbers
are the library's own, the same doubles the command line writes.

    import humsec
    datasets = humsec.build("examples/asem/p1.pipeline")
    datasets["Aggregated"].head()

The library is found through the environment variable HUMSEC_LIBRARY (a path to
libhumsec.so.0), else where the system's loader finds libhumsec.so.0.
"""

import ctypes
import ctypes.util
import math
import os

import numpy as np
import pandas as pd

__all__ = ["build", "trends", "weights", "compare", "audit", "whatif", "corr", "sensitivity",
           "version", "events", "forecast", "HumsecError"]
__version__ = "0.1.0"


class HumsecError(RuntimeError):
    """A humsec call failed; the message names the file, line and column where known."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class _Error(ctypes.Structure):
    # mirrors hs_error in humsec.h
    _fields_ = [
        ("code", ctypes.c_int),
        ("file", ctypes.c_char * 512),
        ("line", ctypes.c_long),
        ("col", ctypes.c_long),
        ("msg", ctypes.c_char * 1024),
    ]


class _SaOpts(ctypes.Structure):
    # mirrors hs_sa_opts in humsec.h (filled by hs_sa_opts_init, then the fields set here)
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("type", ctypes.c_int),
        ("n", ctypes.c_size_t),
        ("seed", ctypes.c_ulong),
        ("threads", ctypes.c_int),
        ("sampler", ctypes.c_int),
        ("bootstrap", ctypes.c_size_t),
        ("progress", ctypes.c_void_p),
        ("progress_ud", ctypes.c_void_p),
        ("progress_secs", ctypes.c_double),
        ("write_runs", ctypes.c_int),
        ("part", ctypes.c_int),
        ("nparts", ctypes.c_int),
        ("gather", ctypes.c_void_p),
        ("gather_ud", ctypes.c_void_p),
    ]


class _SaIndex(ctypes.Structure):
    # mirrors hs_sa_index in humsec.h
    _fields_ = [(f, ctypes.c_double) for f in
                ("si", "sti", "si_lo", "si_hi", "sti_lo", "sti_hi", "si_q05", "si_q95", "sti_q05",
                 "sti_q95")]


def _load():
    path = os.environ.get("HUMSEC_LIBRARY")
    names = [path] if path else ["libhumsec.so.0", ctypes.util.find_library("humsec")]
    last = None
    for name in names:
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError as e:  # try the next way of finding it
            last = e
    raise ImportError(
        "humsec: cannot load libhumsec.so.0 (install the library with 'make install', or set "
        f"HUMSEC_LIBRARY to its path): {last}"
    )


_lib = _load()
_P = ctypes.c_void_p
_S = ctypes.c_size_t
_sigs = {
    "hs_version": (ctypes.c_char_p, []),
    "hs_global_init": (None, []),
    "hs_ctx_new": (_P, [_P, _P]),
    "hs_ctx_free": (None, [_P]),
    "hs_error_format": (None, [ctypes.POINTER(_Error), ctypes.c_char_p, _S]),
    "hs_build_run": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.POINTER(_P), ctypes.POINTER(_Error)]),
    "hs_build_run_mem": (ctypes.c_int, [_P, _P, ctypes.POINTER(_P), ctypes.POINTER(_Error)]),
    "hs_build_free": (None, [_P]),
    "hs_build_ndsets": (_S, [_P]),
    "hs_build_dset_name": (ctypes.c_char_p, [_P, _S]),
    "hs_build_dset_nrow": (_S, [_P, _S]),
    "hs_build_dset_ncol": (_S, [_P, _S]),
    "hs_build_dset_unit": (ctypes.c_char_p, [_P, _S, _S]),
    "hs_build_dset_time": (ctypes.c_long, [_P, _S, _S]),
    "hs_build_has_time": (ctypes.c_int, [_P]),
    "hs_build_dset_col": (ctypes.c_char_p, [_P, _S, _S]),
    "hs_build_dset_values": (ctypes.POINTER(ctypes.c_double), [_P, _S]),
    "hs_build_ranks": (ctypes.c_int, [_P, _S, ctypes.POINTER(ctypes.c_double),
                                      ctypes.POINTER(_Error)]),
    "hs_membuf_new": (ctypes.c_int, [_P, ctypes.POINTER(_P), ctypes.POINTER(_Error)]),
    "hs_membuf_free": (None, [_P]),
    "hs_membuf_sink": (None, [_P, _P]),
    "hs_membuf_data": (ctypes.c_void_p, [_P]),
    "hs_membuf_len": (_S, [_P]),
    "hs_build_trends": (ctypes.c_int, [_P, _P, ctypes.c_char_p, _S, ctypes.POINTER(_P),
                                       ctypes.POINTER(_S), ctypes.POINTER(_Error)]),
    "hs_trends_free": (None, [_P, _P]),
    "hs_trends_write_csv": (ctypes.c_int, [_P, _S, _P, ctypes.POINTER(_Error)]),
    "hs_build_weights": (ctypes.c_int, [_P, _P, ctypes.POINTER(_P), ctypes.POINTER(_S),
                                        ctypes.POINTER(_Error)]),
    "hs_weights_free": (None, [_P, _P]),
    "hs_weights_write_csv": (ctypes.c_int, [_P, _S, _P, ctypes.POINTER(_Error)]),
    "hs_compare_builds": (ctypes.c_int, [_P, _P, _P, ctypes.POINTER(_P), ctypes.POINTER(_Error)]),
    "hs_compare_free": (None, [_P]),
    "hs_compare_nrows": (_S, [_P]),
    "hs_compare_row_at": (_P, [_P, _S]),
    "hs_compare_summary_csv": (ctypes.c_int, [_P, _P, ctypes.POINTER(_Error)]),
    "hs_build_audit": (ctypes.c_int, [_P, _P, ctypes.POINTER(_P), ctypes.POINTER(_Error)]),
    "hs_audit_free": (None, [_P]),
    "hs_audit_ntables": (_S, [_P]),
    "hs_audit_name": (ctypes.c_char_p, [_P, _S]),
    "hs_audit_nrow": (_S, [_P, _S]),
    "hs_audit_nlabel": (_S, [_P, _S]),
    "hs_audit_label_name": (ctypes.c_char_p, [_P, _S, _S]),
    "hs_audit_label": (ctypes.c_char_p, [_P, _S, _S, _S]),
    "hs_audit_ncol": (_S, [_P, _S]),
    "hs_audit_col": (ctypes.c_char_p, [_P, _S, _S]),
    "hs_audit_col_kind": (ctypes.c_int, [_P, _S, _S]),
    "hs_audit_flag_word": (ctypes.c_char_p, [_P, _S, _S]),
    "hs_audit_values": (ctypes.POINTER(ctypes.c_double), [_P, _S]),
    "hs_whatif_remove": (ctypes.c_int, [_P, _P, ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(_P),
                                        ctypes.POINTER(_Error)]),
    "hs_whatif_free": (None, [_P]),
    "hs_whatif_nremoved": (_S, [_P]),
    "hs_whatif_removed": (ctypes.c_char_p, [_P, _S]),
    "hs_whatif_nrows": (_S, [_P]),
    "hs_whatif_unit": (ctypes.c_char_p, [_P, _S]),
    "hs_whatif_time": (ctypes.c_long, [_P, _S]),
    "hs_whatif_score": (ctypes.c_double, [_P, _S, _S]),
    "hs_whatif_rank": (ctypes.c_double, [_P, _S, _S]),
    "hs_whatif_summary_csv": (ctypes.c_int, [_P, _P, ctypes.POINTER(_Error)]),
    "hs_corr_opts_init": (None, [_P]),
    "hs_corr_run": (ctypes.c_int, [_P, _P, _P, ctypes.POINTER(_P), ctypes.POINTER(_Error)]),
    "hs_corr_free": (None, [_P]),
    "hs_corr_print_csv": (ctypes.c_int, [_P, ctypes.c_int, _P, ctypes.POINTER(_Error)]),
    "hs_sa_opts_init": (None, [ctypes.POINTER(_SaOpts)]),
    "hs_sensitivity_run": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_char_p,
                                          ctypes.POINTER(_SaOpts), ctypes.POINTER(_P),
                                          ctypes.POINTER(_Error)]),
    "hs_sensitivity_free": (None, [_P]),
    "hs_sensitivity_nunits": (_S, [_P]),
    "hs_sensitivity_unit": (ctypes.c_char_p, [_P, _S]),
    "hs_sensitivity_nominal_rank": (ctypes.c_double, [_P, _S]),
    "hs_sensitivity_rank_interval": (ctypes.c_int, [_P, _S, ctypes.POINTER(ctypes.c_double),
                                                    ctypes.POINTER(_Error)]),
    "hs_sensitivity_nfactors": (_S, [_P]),
    "hs_sensitivity_factor": (ctypes.c_char_p, [_P, _S]),
    "hs_sensitivity_sobol": (ctypes.c_int, [_P, ctypes.POINTER(_SaIndex), ctypes.POINTER(_Error)]),
}
def _bind(sigs):
    # each function's result and argument types, so ctypes converts and checks them
    for name, (res, args) in sigs.items():
        f = getattr(_lib, name)
        f.restype = res
        f.argtypes = args


_bind(_sigs)
_lib.hs_global_init()


def version():
    """The version of the loaded library, e.g. '0.1.0'."""
    return _lib.hs_version().decode()


class _Src(ctypes.Structure):
    # mirrors hs_build_src in humsec.h
    _fields_ = [
        ("size", _S),
        ("name", ctypes.c_char_p),
        ("pipeline", ctypes.c_char_p),
        ("pipeline_len", _S),
        ("structure", ctypes.c_char_p),
        ("structure_len", _S),
        ("data", ctypes.c_char_p),
        ("data_len", _S),
    ]


def _raise(err):
    buf = ctypes.create_string_buffer(2048)
    _lib.hs_error_format(ctypes.byref(err), buf, len(buf))
    raise HumsecError(buf.value.decode("utf-8", "replace"), err.code)


def _frame(b, i, ranks=False):
    nr = _lib.hs_build_dset_nrow(b, i)
    nc = _lib.hs_build_dset_ncol(b, i)
    cols = [_lib.hs_build_dset_col(b, i, c).decode() for c in range(nc)]
    data = {"uCode": [_lib.hs_build_dset_unit(b, i, r).decode() for r in range(nr)]}
    if _lib.hs_build_has_time(b):
        data["Time"] = [_lib.hs_build_dset_time(b, i, r) for r in range(nr)]
    arr = None
    if nr and nc and ranks:
        # the library fills an array laid out as the dataset's values
        arr = np.empty((nc, nr), dtype=float)
        err = _Error()
        ptr = arr.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        if _lib.hs_build_ranks(b, i, ptr, ctypes.byref(err)) != 0:
            _raise(err)
    elif nr and nc:
        v = _lib.hs_build_dset_values(b, i)
        # column-major, as the library keeps it: copied out, so the frame outlives the build
        arr = np.ctypeslib.as_array(v, shape=(nc * nr,)).copy().reshape(nc, nr)
    for c, code in enumerate(cols):
        data[code] = arr[c] if arr is not None else np.empty(0)
    return pd.DataFrame(data)


def _csv(df, what):
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"humsec.build: {what} must be a pandas DataFrame")
    # floats as the shortest decimal that reads back to the same double; missing as NA
    return df.to_csv(index=False, na_rep="NA", lineterminator="\n").encode()


def _steps_text(steps, title):
    if isinstance(steps, str):
        steps = [steps]
    body = "\n\n".join(s.strip() for s in steps)
    return (f"title = {title}\nstructure = structure\n\n[data]\nfile = data\n\n{body}\n").encode()


def build(pipeline=None, *, structure=None, data=None, steps=None, title="index", ranks=False):
    """Build an index and return every dataset it keeps, in pipeline order ("Raw" first,
    then one per step), as a dict of DataFrames: columns uCode, Time (when the data has
    one), then one per indicator or aggregate; NaN is missing.

    Either from a pipeline file, build("examples/asem/p1.pipeline"), which names its
    structure and data files; or in memory, build(structure=df, data=df, steps=[...]): the
    structure in COINr's iMeta shape, the data in any shape the pipeline's [data] section
    takes (docs/pipeline.md), and the steps as the pipeline file's sections, e.g.
    ["[normalise]\nmethod = minmax(0, 100)", "[aggregate]\nmethod = arithmetic"]. No file
    is written. With ranks=True the dict also holds "ranks": the last dataset's ranks within
    each time (1 = highest, NaN where missing), the command line's ranks.csv. Raises
    HumsecError with the library's message on a bad input."""
    mem = structure is not None or data is not None or steps is not None
    if mem and (structure is None or data is None or steps is None or pipeline is not None):
        raise TypeError("humsec.build: give a pipeline file, or structure=, data= and steps=")
    if not mem and pipeline is None:
        raise TypeError("humsec.build: give a pipeline file, or structure=, data= and steps=")
    ctx = _lib.hs_ctx_new(None, None)
    if not ctx:
        raise MemoryError("humsec: out of memory")
    b = _P()
    err = _Error()
    try:
        if mem:
            texts = (_steps_text(steps, title), _csv(structure, "structure"), _csv(data, "data"))
            src = _Src(ctypes.sizeof(_Src), b"pipeline", texts[0], len(texts[0]), texts[1],
                       len(texts[1]), texts[2], len(texts[2]))
            rc = _lib.hs_build_run_mem(ctx, ctypes.byref(src), ctypes.byref(b), ctypes.byref(err))
        else:
            rc = _lib.hs_build_run(ctx, os.fsencode(pipeline), ctypes.byref(b), ctypes.byref(err))
        if rc != 0:
            _raise(err)
        try:
            nd = _lib.hs_build_ndsets(b)
            out = {_lib.hs_build_dset_name(b, i).decode(): _frame(b, i) for i in range(nd)}
            if ranks:
                out["ranks"] = _frame(b, nd - 1, ranks=True)
            return out
        finally:
            _lib.hs_build_free(b)
    finally:
        _lib.hs_ctx_free(ctx)


class _Sink(ctypes.Structure):
    # mirrors hs_sink in humsec.h (filled by hs_membuf_sink)
    _fields_ = [("size", _S), ("write", _P), ("ud", _P)]


def _table(pipeline, compute, write, free):
    """Build the pipeline, compute rows from it and return them as the command line's CSV,
    read back exactly (_csv_of)."""
    ctx = _lib.hs_ctx_new(None, None)
    if not ctx:
        raise MemoryError("humsec: out of memory")
    b, rows, n = _P(), _P(), _S()
    err = _Error()
    try:
        if _lib.hs_build_run(ctx, os.fsencode(pipeline), ctypes.byref(b), ctypes.byref(err)):
            _raise(err)
        if compute(ctx, b, ctypes.byref(rows), ctypes.byref(n), ctypes.byref(err)):
            _raise(err)
        return _csv_of(lambda sink, e: write(rows, n, sink, e))
    finally:
        free(ctx, rows)
        _lib.hs_build_free(b)
        _lib.hs_ctx_free(ctx)


def trends(pipeline, dset=None, window=0):
    """Per unit and column of a panel build's dataset (default Raw): COINr's CAGR, the
    least-squares slope per time unit, the share of times observed and the first and last
    observed time, over the last `window` times (0: all), as `humsec trends` writes them
    (docs/methods.md section 3.9): a DataFrame with uCode, iCode, CAGR, slope, Avail,
    t_first, t_latest; NaN where there is no value."""
    name = None if dset is None else dset.encode()
    return _table(pipeline,
                  lambda ctx, b, r, n, e: _lib.hs_build_trends(ctx, b, name, window, r, n, e),
                  _lib.hs_trends_write_csv, _lib.hs_trends_free)


def weights(pipeline):
    """Every indicator and aggregate of a build with the weight used and its effective
    weight in the index (the product of the normalised weights up the tree), as
    `humsec weights` writes them: a DataFrame with iCode, Level, Weight, EffWeight."""
    return _table(pipeline, _lib.hs_build_weights, _lib.hs_weights_write_csv,
                  _lib.hs_weights_free)


class _CmpRow(ctypes.Structure):
    # mirrors hs_compare_row in humsec.h
    _fields_ = [("icode", ctypes.c_char_p), ("level", ctypes.c_int), ("ucode", ctypes.c_char_p),
                ("time", ctypes.c_long), ("score", ctypes.c_double * 2),
                ("rank", ctypes.c_double * 2)]


def _csv_of(write):
    """What a library writer gives (write(sink, err)), written into memory through the
    library's sink and read back exactly (round-trip) as a DataFrame."""
    import io

    m = _P()
    err = _Error()
    if _lib.hs_membuf_new(None, ctypes.byref(m), ctypes.byref(err)):
        _raise(err)
    try:
        sink = _Sink()
        _lib.hs_membuf_sink(m, ctypes.byref(sink))
        if write(ctypes.byref(sink), ctypes.byref(err)):
            _raise(err)
        text = ctypes.string_at(_lib.hs_membuf_data(m), _lib.hs_membuf_len(m)).decode()
    finally:
        _lib.hs_membuf_free(m)
    return pd.read_csv(io.StringIO(text), float_precision="round_trip", keep_default_na=False,
                       na_values=["NA"])


def compare(a, b):
    """Build two pipeline files and compare their results unit by unit, as `humsec compare`
    (COINr's compare_coins; docs/analysis.md). Returns a dict: "rows", a DataFrame with
    iCode, Level, uCode, Time (when the builds have one), score_a, score_b, rank_a, rank_b
    (NaN: missing in that build), node by node; and "summary", per node the units compared,
    the mean and largest absolute rank change, the units that moved and the mean absolute
    score change (compare_summary.csv)."""
    ctx = _lib.hs_ctx_new(None, None)
    if not ctx:
        raise MemoryError("humsec: out of memory")
    ba, bb, c = _P(), _P(), _P()
    err = _Error()
    try:
        for path, b in ((a, ba), (b, bb)):
            if _lib.hs_build_run(ctx, os.fsencode(path), ctypes.byref(b), ctypes.byref(err)):
                _raise(err)
        if _lib.hs_compare_builds(ctx, ba, bb, ctypes.byref(c), ctypes.byref(err)):
            _raise(err)
        has_time = bool(_lib.hs_build_has_time(ba))
        cols = {k: [] for k in ("iCode", "Level", "uCode", "Time", "score_a", "score_b",
                                "rank_a", "rank_b")}
        for i in range(_lib.hs_compare_nrows(c)):
            r = ctypes.cast(_lib.hs_compare_row_at(c, i), ctypes.POINTER(_CmpRow)).contents
            for k, v in (("iCode", r.icode.decode()), ("Level", r.level),
                         ("uCode", r.ucode.decode()), ("Time", r.time),
                         ("score_a", r.score[0]), ("score_b", r.score[1]),
                         ("rank_a", r.rank[0]), ("rank_b", r.rank[1])):
                cols[k].append(v)
        if not has_time:
            del cols["Time"]
        return {"rows": pd.DataFrame(cols),
                "summary": _csv_of(lambda sink, e: _lib.hs_compare_summary_csv(c, sink, e))}
    finally:
        _lib.hs_compare_free(c)
        _lib.hs_build_free(bb)
        _lib.hs_build_free(ba)
        _lib.hs_ctx_free(ctx)


def _built(pipeline, use):
    """Build a pipeline file and return use(ctx, build); both are freed afterwards."""
    ctx = _lib.hs_ctx_new(None, None)
    if not ctx:
        raise MemoryError("humsec: out of memory")
    b = _P()
    err = _Error()
    try:
        if _lib.hs_build_run(ctx, os.fsencode(pipeline), ctypes.byref(b), ctypes.byref(err)):
            _raise(err)
        return use(ctx, b)
    finally:
        _lib.hs_build_free(b)
        _lib.hs_ctx_free(ctx)


# hs_audit_kind in humsec.h
_AUDIT_COUNT, _AUDIT_FLAG = 1, 2


def _audit_frame(a, t):
    nr, nl, nc = _lib.hs_audit_nrow(a, t), _lib.hs_audit_nlabel(a, t), _lib.hs_audit_ncol(a, t)
    data = {}
    for k in range(nl):
        data[_lib.hs_audit_label_name(a, t, k).decode()] = [
            _lib.hs_audit_label(a, t, k, r).decode() for r in range(nr)]
    v = _lib.hs_audit_values(a, t)
    arr = (np.ctypeslib.as_array(v, shape=(nc * nr,)).copy().reshape(nc, nr) if nr and nc
           else np.empty((nc, 0)))
    for c in range(nc):
        kind = _lib.hs_audit_col_kind(a, t, c)
        x = arr[c]
        if kind == _AUDIT_FLAG:  # the CSV's word when 1, "ok" when 0
            word = _lib.hs_audit_flag_word(a, t, c).decode()
            x = [word if f == 1 else "ok" for f in x]
        elif kind == _AUDIT_COUNT and not np.isnan(x).any():  # whole numbers
            x = x.astype(np.int64)
        data[_lib.hs_audit_col(a, t, c).decode()] = x
    return pd.DataFrame(data)


def audit(pipeline):
    """The statistical audit of a build (docs/methods.md section 3.7), the tables
    `humsec build` writes as audit_*.csv: a dict from the table's name ("audit_stats_Raw",
    "audit_corr_Normalised", "audit_cronbach", "audit_pca_weights", "audit_pca_variance",
    "audit_corr_parent") to a DataFrame with the file's columns: codes, numbers (NaN is
    missing, counts as integers) and flags as their words ("ok", "LOW", "OUT"). For panel
    data the tables describe the latest time."""
    def use(ctx, b):
        a = _P()
        err = _Error()
        if _lib.hs_build_audit(ctx, b, ctypes.byref(a), ctypes.byref(err)):
            _raise(err)
        try:
            return {_lib.hs_audit_name(a, t).decode(): _audit_frame(a, t)
                    for t in range(_lib.hs_audit_ntables(a))}
        finally:
            _lib.hs_audit_free(a)
    return _built(pipeline, use)


def whatif(pipeline, level, target=None):
    """Take a build apart as `humsec whatif PIPELINE --remove level=N [--target CODE]`
    (COINr's remove_elements; docs/analysis.md): each element of `level` is removed in turn
    (its weight set to 0) and the target's (default: the index's) scores and ranks kept.
    Returns a dict of DataFrames named as the command's files: "scores", "ranks",
    "rankdiffs" (uCode, Time when the build has one, Nominal, one column per removed
    element) and "mean_abs_diff" (iCode, MeanAbsDiff)."""
    tgt = None if target is None else target.encode()

    def use(ctx, b):
        w = _P()
        err = _Error()
        if _lib.hs_whatif_remove(ctx, b, int(level), tgt, ctypes.byref(w), ctypes.byref(err)):
            _raise(err)
        try:
            n, k = _lib.hs_whatif_nrows(w), _lib.hs_whatif_nremoved(w)
            names = ["Nominal"] + [_lib.hs_whatif_removed(w, j).decode() for j in range(k)]
            key = {"uCode": [_lib.hs_whatif_unit(w, r).decode() for r in range(n)]}
            if _lib.hs_build_has_time(b):
                key["Time"] = [_lib.hs_whatif_time(w, r) for r in range(n)]
            sc = np.array([[_lib.hs_whatif_score(w, j, r) for r in range(n)]
                           for j in range(k + 1)]).reshape(k + 1, n)
            rk = np.array([[_lib.hs_whatif_rank(w, j, r) for r in range(n)]
                           for j in range(k + 1)]).reshape(k + 1, n)

            def frame(m):
                return pd.DataFrame({**key, **{c: m[j] for j, c in enumerate(names)}})
            return {"scores": frame(sc), "ranks": frame(rk), "rankdiffs": frame(rk[0] - rk),
                    "mean_abs_diff": _csv_of(lambda s, e: _lib.hs_whatif_summary_csv(w, s, e))}
        finally:
            _lib.hs_whatif_free(w)
    return _built(pipeline, use)


class _CorrOpts(ctypes.Structure):
    # mirrors hs_corr_opts in humsec.h (filled by hs_corr_opts_init, then the fields set here)
    _fields_ = [("size", _S), ("dset", ctypes.c_char_p), ("thresh", ctypes.c_double),
                ("low", ctypes.c_int), ("level", ctypes.c_int), ("group_level", ctypes.c_int),
                ("denom_dset", ctypes.c_char_p), ("denom_thresh", ctypes.c_double)]


def corr(pipeline, threshold=0.9, low=False, level=1, group_level=0, dset=None,
         denom_dset=None, denom_threshold=0.6):
    """Flag the correlations worth a look, as `humsec corr` (COINr's get_corr_flags and
    get_denom_corr; docs/analysis.md): pairs of `level` nodes sharing their ancestor at
    `group_level` (0: level + 1) in `dset` (default Normalised, else the last dataset) with
    r above `threshold` (below it with low=True), and indicators of `denom_dset` (default
    Raw) against each denominator with |r| above `denom_threshold`. Returns a dict:
    "flags" (Group, Ind1, Ind2, Corr; corr_flags.csv) and "denominators" (Ind, Denom, Corr;
    denom_corr.csv)."""
    o = _CorrOpts()
    _lib.hs_corr_opts_init(ctypes.byref(o))
    o.thresh, o.low, o.level, o.group_level = float(threshold), int(bool(low)), int(level), \
        int(group_level)
    o.denom_thresh = float(denom_threshold)
    o.dset = None if dset is None else dset.encode()
    o.denom_dset = None if denom_dset is None else denom_dset.encode()

    def use(ctx, b):
        c = _P()
        err = _Error()
        if _lib.hs_corr_run(ctx, b, ctypes.byref(o), ctypes.byref(c), ctypes.byref(err)):
            _raise(err)
        try:
            return {k: _csv_of(lambda s, e, d=d: _lib.hs_corr_print_csv(c, d, s, e))
                    for k, d in (("flags", 0), ("denominators", 1))}
        finally:
            _lib.hs_corr_free(c)
    return _built(pipeline, use)


def sensitivity(pipeline, spec, type="ua", n=1000, seed=1, threads=0):
    """Rebuild the index of a pipeline file many times with the uncertain choices of a SPEC
    file (docs/sensitivity.md) and return a dict: "ranks", a DataFrame per unit of the
    analysed node (uCode, nominal_rank, q05_rank, median_rank, q95_rank), and with
    type="sa" also "sobol", per factor (factor, Si with its 2.5/97.5 % and 5/95 % bootstrap
    quantiles, and the same for STi). The same numbers as `humsec sensitivity` for the same
    seed, for any number of threads."""
    if type not in ("ua", "sa"):
        raise ValueError("humsec.sensitivity: type is 'ua' or 'sa'")
    o = _SaOpts()
    _lib.hs_sa_opts_init(ctypes.byref(o))
    o.type = 0 if type == "ua" else 1
    o.n = int(n)
    o.seed = int(seed)
    o.threads = int(threads)
    o.progress_secs = -1.0  # no progress lines from a library call
    ctx = _lib.hs_ctx_new(None, None)
    if not ctx:
        raise MemoryError("humsec: out of memory")
    s = _P()
    err = _Error()
    try:
        if _lib.hs_sensitivity_run(ctx, os.fsencode(pipeline), os.fsencode(spec), ctypes.byref(o),
                                   ctypes.byref(s), ctypes.byref(err)) != 0:
            _raise(err)
        try:
            nu = _lib.hs_sensitivity_nunits(s)
            iv = (ctypes.c_double * 3)()
            rows = []
            for i in range(nu):
                if _lib.hs_sensitivity_rank_interval(s, i, iv, ctypes.byref(err)) != 0:
                    _raise(err)
                rows.append((_lib.hs_sensitivity_unit(s, i).decode(),
                             _lib.hs_sensitivity_nominal_rank(s, i), iv[0], iv[1], iv[2]))
            out = {"ranks": pd.DataFrame(rows, columns=["uCode", "nominal_rank", "q05_rank",
                                                        "median_rank", "q95_rank"])}
            if type == "sa":
                k = _lib.hs_sensitivity_nfactors(s)
                idx = (_SaIndex * max(k, 1))()
                if _lib.hs_sensitivity_sobol(s, idx, ctypes.byref(err)) != 0:
                    _raise(err)
                out["sobol"] = pd.DataFrame(
                    [(_lib.hs_sensitivity_factor(s, f).decode(), x.si, x.si_lo, x.si_hi, x.si_q05,
                      x.si_q95, x.sti, x.sti_lo, x.sti_hi, x.sti_q05, x.sti_q95)
                     for f, x in enumerate(idx[:k])],
                    columns=["factor", "Si", "Si_q025", "Si_q975", "Si_q05", "Si_q95", "STi",
                             "STi_q025", "STi_q975", "STi_q05", "STi_q95"])
            return out
        finally:
            _lib.hs_sensitivity_free(s)
    finally:
        _lib.hs_ctx_free(ctx)


from . import events  # noqa: E402  (needs the library loaded above)
from .forecast import forecast  # noqa: E402
