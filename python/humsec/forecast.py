"""Probabilistic country-month forecasts as DataFrames: humsec.forecast(table) runs the
analogue model (docs/warning.md) on a country-month table and returns, per country and lead,
the quantiles and probabilities `humsec forecast --table` writes to summary.csv."""

import ctypes
import os

import numpy as np
import pandas as pd

from . import _Error, _P, _bind, _lib, _raise
from .events import _month_id

__all__ = ["forecast"]


class _CmtableOpts(ctypes.Structure):
    # mirrors hs_cmtable_opts in humsec.h
    _fields_ = [("size", ctypes.c_size_t), ("column", ctypes.c_char_p),
                ("from_", ctypes.c_int), ("to", ctypes.c_int)]


class _AnalogOpts(ctypes.Structure):
    # mirrors hs_analog_opts in humsec.h (filled by hs_analog_opts_init)
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("k", ctypes.c_int),
        ("match_months", ctypes.c_int),
        ("match_decay", ctypes.c_double),
        ("level_months", ctypes.c_int),
        ("own_months", ctypes.c_int),
        ("own_decay", ctypes.c_double),
        ("own_share", ctypes.c_double),
        ("cov", ctypes.c_void_p),
        ("ncov", ctypes.c_int),
        ("cov_weight", ctypes.c_double),
        ("cov_weights", ctypes.c_void_p),
        ("samples", ctypes.c_int),
        ("seed", ctypes.c_ulong),
        ("threads", ctypes.c_int),
    ]


class _Cell(ctypes.Structure):
    # mirrors hs_fc_cell
    _fields_ = [("lead", ctypes.c_int), ("month_id", ctypes.c_int), ("q", ctypes.c_double * 5),
                ("p_ge1", ctypes.c_double), ("p_ge25", ctypes.c_double),
                ("p_ge1000", ctypes.c_double), ("mean_ln1p", ctypes.c_double)]


class _Forecast(ctypes.Structure):
    # mirrors hs_cmforecast
    _fields_ = [("origin", ctypes.c_int), ("nlead", ctypes.c_int), ("nunit", ctypes.c_size_t),
                ("samples", ctypes.c_size_t), ("cell", ctypes.POINTER(_Cell)),
                ("draws", ctypes.POINTER(ctypes.c_double))]


_sigs = {
    "hs_cmtable_opts_init": (None, [ctypes.POINTER(_CmtableOpts)]),
    "hs_cmtable_read": (ctypes.c_int, [_P, ctypes.c_char_p, _P, ctypes.POINTER(_CmtableOpts),
                                       ctypes.POINTER(_P), ctypes.POINTER(_Error)]),
    "hs_cmtable_free": (None, [_P]),
    "hs_cmtable_unit": (ctypes.c_char_p, [_P, ctypes.c_size_t]),
    "hs_analog_opts_init": (None, [ctypes.POINTER(_AnalogOpts)]),
    "hs_cmtable_forecast": (ctypes.c_int, [_P, _P, ctypes.POINTER(_AnalogOpts), ctypes.c_int,
                                           ctypes.c_int, ctypes.POINTER(ctypes.POINTER(_Forecast)),
                                           ctypes.POINTER(_Error)]),
    "hs_cmforecast_free": (None, [_P, ctypes.POINTER(_Forecast)]),
}
_bind(_sigs)

_COLS = ["unit", "origin", "lead", "month", "month_id", "q05", "q25", "q50", "q75", "q95",
         "p_ge1", "p_ge25", "p_ge1000", "mean_ln1p"]


def _month(mid):
    return f"{1980 + (mid - 1) // 12:04d}-{(mid - 1) % 12 + 1:02d}"


def forecast(table, *, origin=None, leads=12, start=None, end=None, column=None, seed=1,
             samples=1000, threads=1, draws=False, geo="data/geo"):
    """Forecast every country of a country-month table (UCDP's shape: iso3, period; or
    VIEWS's: country_id, month_id) from `origin` ('YYYY-MM'; default the last covered month)
    for leads 1..`leads`, as `humsec forecast --table` does. Returns a DataFrame with one row
    per country and lead: unit, origin, lead, month, month_id, the 5/25/50/75/95 % quantiles
    of the deaths, P(>= 1), P(>= 25), P(>= 1000) and the mean of ln(1 + deaths); with
    draws=True, (summary, draws) where draws is a DataFrame in VIEWS's layout (month_id,
    unit, draw, outcome). A country whose last months are not all known is left out.
    start/end state the table's coverage ('YYYY-MM'). Seeded: the same numbers for any
    number of threads."""
    co = _CmtableOpts()
    _lib.hs_cmtable_opts_init(ctypes.byref(co))
    if column is not None:
        co.column = column.encode()
    if start is not None:
        co.from_ = _month_id(start, "start")
    if end is not None:
        co.to = _month_id(end, "end")
    ao = _AnalogOpts()
    _lib.hs_analog_opts_init(ctypes.byref(ao))
    ao.seed, ao.samples, ao.threads = int(seed), int(samples), int(threads)
    org = _month_id(origin, "origin") if origin is not None else 0
    ctx = _lib.hs_ctx_new(None, None)
    if not ctx:
        raise MemoryError("humsec: out of memory")
    g, t, err = _P(), _P(), _Error()
    f = ctypes.POINTER(_Forecast)()
    try:
        if _lib.hs_geo_load(ctx, os.fsencode(geo), ctypes.byref(g), ctypes.byref(err)) != 0:
            _raise(err)
        if _lib.hs_cmtable_read(ctx, os.fsencode(table), g, ctypes.byref(co), ctypes.byref(t),
                                ctypes.byref(err)) != 0:
            _raise(err)
        if _lib.hs_cmtable_forecast(ctx, t, ctypes.byref(ao), org, int(leads), ctypes.byref(f),
                                    ctypes.byref(err)) != 0:
            _raise(err)
        fc = f.contents
        nu, nl, ns = fc.nunit, fc.nlead, fc.samples
        units = [_lib.hs_cmtable_unit(t, u).decode() for u in range(nu)]
        rows, keep = [], []
        for u in range(nu):
            for h in range(nl):
                c = fc.cell[u * nl + h]
                if c.lead == 0:
                    continue  # no forecast for this unit: its last months are not all known
                rows.append((units[u], _month(fc.origin), c.lead, _month(c.month_id), c.month_id,
                             *c.q, c.p_ge1, c.p_ge25, c.p_ge1000, c.mean_ln1p))
                keep.append((u, h, c.month_id))
        summary = pd.DataFrame(rows, columns=_COLS)
        if not draws:
            return summary
        d = np.ctypeslib.as_array(fc.draws, shape=(nu * nl * ns,))
        parts = [pd.DataFrame({"month_id": mid, "unit": units[u], "draw": np.arange(ns),
                               "outcome": d[(u * nl + h) * ns:(u * nl + h + 1) * ns].astype(np.int64)})
                 for u, h, mid in keep]
        return summary, (pd.concat(parts, ignore_index=True) if parts else
                         pd.DataFrame(columns=["month_id", "unit", "draw", "outcome"]))
    finally:
        if f:
            _lib.hs_cmforecast_free(ctx, f)
        _lib.hs_cmtable_free(t)
        _lib.hs_geo_free(g)
        _lib.hs_ctx_free(ctx)
