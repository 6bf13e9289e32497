"""Conflict events as panels: humsec.events.panel(files) gives the country-month panel of
UCDP GED or ACLED event files as a DataFrame, the library's own numbers (docs/events.md)."""

import ctypes
import os

import numpy as np
import pandas as pd

from . import _Error, _P, _bind, _lib, _raise

__all__ = ["panel"]


class _PanelOpts(ctypes.Structure):
    # mirrors hs_panel_opts in humsec.h (filled by hs_panel_opts_init, then the fields set here)
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("level", ctypes.c_int),
        ("from_", ctypes.c_int),
        ("to", ctypes.c_int),
        ("keep_imprecise", ctypes.c_int),
        ("spread", ctypes.c_int),
        ("threads", ctypes.c_int),
    ]


_sigs = {
    "hs_geo_load": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.POINTER(_P), ctypes.POINTER(_Error)]),
    "hs_geo_free": (None, [_P]),
    "hs_geo_iso3": (ctypes.c_char_p, [_P, ctypes.c_long]),
    "hs_panel_opts_init": (None, [ctypes.POINTER(_PanelOpts)]),
    "hs_panel_from_files": (ctypes.c_int, [_P, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, _P,
                                           ctypes.POINTER(_PanelOpts), ctypes.POINTER(_P),
                                           ctypes.POINTER(_Error)]),
    "hs_panel_free": (None, [_P]),
    "hs_panel_nunits": (ctypes.c_size_t, [_P]),
    "hs_panel_unit": (ctypes.c_long, [_P, ctypes.c_size_t]),
    "hs_panel_first_month": (ctypes.c_int, [_P]),
    "hs_panel_last_month": (ctypes.c_int, [_P]),
    "hs_panel_get": (ctypes.c_int, [_P, ctypes.c_size_t, ctypes.c_int,
                                    ctypes.POINTER(ctypes.c_long), ctypes.POINTER(ctypes.c_long)]),
}
_bind(_sigs)

_COUNTS = ["events_sb", "events_ns", "events_os", "deaths_sb", "deaths_ns", "deaths_os"]


def _month_id(s, what):
    # "YYYY-MM" as the ViEWS month_id (1980-01 is 1)
    try:
        y, m = (int(x) for x in s.split("-"))
    except (AttributeError, ValueError):
        raise ValueError(f"humsec.events.panel: {what} is 'YYYY-MM', not {s!r}") from None
    if not (1 <= m <= 12 and 1980 <= y <= 9999):
        raise ValueError(f"humsec.events.panel: {what} {s!r} is not a month from 1980-01")
    return (y - 1980) * 12 + m


def panel(files, *, start=None, end=None, spread=False, geo="data/geo"):
    """The country-month panel of event files (UCDP GED CSV, plain or gzip, or ACLED
    exports), as `humsec events panel FILE...` writes it: one row per country and month,
    columns month_id, year, month, country_id (Gleditsch-Ward), iso3, then events and best
    deaths by violence type (sb state-based, ns non-state, os one-sided). A month outside
    the months a country's files cover is missing (<NA>), never zero. start/end are
    'YYYY-MM' (default: the data's first and last month); spread=True shares each event's
    deaths over the months it spans. geo is the folder of the country-code crosswalks."""
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    files = [os.fsencode(f) for f in files]
    if not files:
        raise ValueError("humsec.events.panel: no event files given")
    o = _PanelOpts()
    _lib.hs_panel_opts_init(ctypes.byref(o))
    if start is not None:
        o.from_ = _month_id(start, "start")
    if end is not None:
        o.to = _month_id(end, "end")
    o.spread = 1 if spread else 0
    ctx = _lib.hs_ctx_new(None, None)
    if not ctx:
        raise MemoryError("humsec: out of memory")
    g, p, err = _P(), _P(), _Error()
    try:
        if _lib.hs_geo_load(ctx, os.fsencode(geo), ctypes.byref(g), ctypes.byref(err)) != 0:
            _raise(err)
        paths = (ctypes.c_char_p * len(files))(*files)
        if _lib.hs_panel_from_files(ctx, paths, len(files), g, ctypes.byref(o), ctypes.byref(p),
                                    ctypes.byref(err)) != 0:
            _raise(err)
        first, last = _lib.hs_panel_first_month(p), _lib.hs_panel_last_month(p)
        months = np.arange(first, last + 1)
        nu, nm = _lib.hs_panel_nunits(p), len(months)
        vals = np.zeros((nu * nm, 6), dtype=np.int64)
        known = np.zeros(nu * nm, dtype=bool)
        ev, de = (ctypes.c_long * 3)(), (ctypes.c_long * 3)()
        units, iso3 = [], []
        for i in range(nu):
            gw = _lib.hs_panel_unit(p, i)
            code = _lib.hs_geo_iso3(g, gw)
            units.append(gw)
            iso3.append(code.decode() if code else None)
            for j, m in enumerate(months):
                k = i * nm + j
                known[k] = _lib.hs_panel_get(p, i, int(m), ev, de) == 1
                vals[k, :3] = ev[:]
                vals[k, 3:] = de[:]
        month_id = np.tile(months, nu)
        df = pd.DataFrame({
            "month_id": month_id,
            "year": 1980 + (month_id - 1) // 12,
            "month": (month_id - 1) % 12 + 1,
            "country_id": np.repeat(units, nm),
            "iso3": np.repeat(np.array(iso3, dtype=object), nm),
        })
        for c, name in enumerate(_COUNTS):
            # pandas' nullable integers: a month nobody covered is <NA>, not 0
            df[name] = pd.array(np.where(known, vals[:, c], 0), dtype="Int64")
            df.loc[~known, name] = pd.NA
        return df
    finally:
        _lib.hs_panel_free(p)
        _lib.hs_geo_free(g)
        _lib.hs_ctx_free(ctx)
