/*
 * store_int.h - the SQLite store's internal interface. The public calls (hs_store_open,
 * hs_events_ingest, hs_panel_from_store, hs_store_put_alerts) are in humsec.h; nothing else
 * needs to see SQLite.
 */
#ifndef HS_STORE_INT_H
#define HS_STORE_INT_H

#include "core/core_int.h"

#endif
