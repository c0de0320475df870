/*
 * changepoints.c: the change points report/trend.c finds in a series'
 * history, stored in the table of schema version 2 and read back.
 *
 * A change point is keyed by (scenario, variant_key, metric, at_us): the
 * same detection, made again by tomorrow's trend over a longer history,
 * lands on the same row. Storing is an UPSERT rather than INSERT OR
 * REPLACE: REPLACE deletes and re-inserts, which would give the row a new
 * id and forget when the change point was first seen. Here the figures
 * (medians, p, label) are refreshed, the id stays, and detected_at_us keeps
 * the earliest detection. One statement is one implicit transaction.
 *
 * These statements run a few times per trend, not per run, so they are
 * prepared per call instead of living in the connection's cache (db.c).
 *
 * This file does not find change points (report/trend.c) nor touch runs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results_int.h"

static const char changepoint_upsert_sql[] =
	"INSERT INTO changepoints (scenario, variant_key, metric, at_us, label, "
	"median_before, median_after, p, detected_at_us) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	"ON CONFLICT (scenario, variant_key, metric, at_us) DO UPDATE SET "
	"label = excluded.label, median_before = excluded.median_before, "
	"median_after = excluded.median_after, p = excluded.p, "
	"detected_at_us = min(detected_at_us, excluded.detected_at_us)";

/* ?1 IS NULL: every scenario; the UNIQUE index, led by scenario, orders
 * and narrows the scan either way. */
static const char changepoint_select_sql[] =
	"SELECT id, scenario, variant_key, metric, at_us, label, median_before, "
	"median_after, p, detected_at_us FROM changepoints "
	"WHERE ?1 IS NULL OR scenario = ?1 "
	"ORDER BY scenario, variant_key, metric, at_us";

/* SQLite stores a NaN double as NULL: unknown figures read back as NaN. */
static double changepoint_col_double(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return (double)NAN;
	return sqlite3_column_double(st, col);
}

static void changepoint_bind_double(struct results_bind *b, int idx, double v)
{
	if (b->rc != SQLITE_OK)
		return;
	b->rc = isfinite(v) ? sqlite3_bind_double(b->stmt, idx, v) : sqlite3_bind_null(b->stmt, idx);
}

int results_changepoint_store(struct results *r, const struct results_changepoint *cp,
			      struct diag *d)
{
	struct results_bind b = { NULL, SQLITE_OK };
	int rc, ret = 0;

	if (!cp->scenario || !cp->metric || !cp->label)
		return diag_set(d, -EINVAL,
				"cannot store a change point: scenario, metric and label are required");
	if (cp->at_us > INT64_MAX || cp->detected_at_us > INT64_MAX)
		return diag_set(d, -EINVAL,
				"cannot store the change point of '%s' at '%s': time out of range",
				cp->scenario, cp->label);
	rc = sqlite3_prepare_v2(r->db, changepoint_upsert_sql, -1, &b.stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = diag_set(d, results_sqlite_errno(r->db, rc),
			       "cannot store the change point of '%s' at '%s' in '%s': %s",
			       cp->scenario, cp->label, r->path, sqlite3_errmsg(r->db));
		goto out;
	}
	results_bind_text(&b, 1, cp->scenario);
	results_bind_text(&b, 2, cp->variant_key ? cp->variant_key : "");
	results_bind_text(&b, 3, cp->metric);
	results_bind_int64(&b, 4, (int64_t)cp->at_us);
	results_bind_text(&b, 5, cp->label);
	changepoint_bind_double(&b, 6, cp->median_before);
	changepoint_bind_double(&b, 7, cp->median_after);
	changepoint_bind_double(&b, 8, cp->p);
	results_bind_int64(&b, 9, (int64_t)cp->detected_at_us);
	rc = b.rc == SQLITE_OK ? sqlite3_step(b.stmt) : b.rc;
	if (rc != SQLITE_DONE)
		ret = diag_set(d, results_sqlite_errno(r->db, rc),
			       "cannot store the change point of '%s' '%s' '%s' at '%s' in '%s': %s",
			       cp->scenario, cp->variant_key ? cp->variant_key : "", cp->metric,
			       cp->label, r->path,
			       b.rc == SQLITE_OK ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
out:
	sqlite3_finalize(b.stmt);
	return ret;
}

int results_changepoints_query(struct results *r, const char *scenario,
			       results_changepoint_fn fn, void *arg, struct diag *d)
{
	struct results_changepoint cp;
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(r->db, changepoint_select_sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = scenario ? sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC) :
				sqlite3_bind_null(st, 1);
	if (rc != SQLITE_OK) {
		ret = diag_set(d, results_sqlite_errno(r->db, rc),
			       "cannot select change points in '%s': %s", r->path,
			       sqlite3_errmsg(r->db));
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&cp, 0, sizeof(cp));
		cp.id = sqlite3_column_int64(st, 0);
		cp.scenario = (const char *)sqlite3_column_text(st, 1);
		cp.variant_key = (const char *)sqlite3_column_text(st, 2);
		cp.metric = (const char *)sqlite3_column_text(st, 3);
		cp.at_us = (uint64_t)sqlite3_column_int64(st, 4);
		cp.label = (const char *)sqlite3_column_text(st, 5);
		cp.median_before = changepoint_col_double(st, 6);
		cp.median_after = changepoint_col_double(st, 7);
		cp.p = changepoint_col_double(st, 8);
		cp.detected_at_us = (uint64_t)sqlite3_column_int64(st, 9);
		if (!cp.scenario || !cp.variant_key || !cp.metric || !cp.label) {
			/* NOT NULL columns: only out of memory gives NULL text */
			ret = diag_set(d, -ENOMEM, "cannot read change point %lld in '%s': out of memory",
				       (long long)cp.id, r->path);
			goto out;
		}
		ret = fn(&cp, arg);
		if (ret < 0) {
			diag_set(d, ret, "selecting change points in '%s' stopped at %lld: %s",
				 r->path, (long long)cp.id, strerror(-ret));
			goto out;
		}
		ret = 0;
	}
	if (rc != SQLITE_DONE)
		ret = diag_set(d, results_sqlite_errno(r->db, rc),
			       "cannot select change points in '%s': %s", r->path,
			       sqlite3_errmsg(r->db));
out:
	sqlite3_finalize(st);
	return ret;
}
