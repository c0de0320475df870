/*
 * regressions.c: the regressions `nightly` has reported, in the table of
 * schema version 7, and their acknowledgements (`mptcp-lab ack`).
 *
 * nightly decides what a regression is, and whether tonight's is new or
 * one it reported before (runner/job/nightly.c); this file only keeps the
 * record: add one, refresh it when it is seen again (and place it when a
 * change point finds where it started), acknowledge or reopen it, and
 * list them. One statement is one implicit transaction; these run a few
 * times a night, so they are prepared per call.
 *
 * This file does not touch runs, and `merge` does not copy this table.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results_int.h"

#define REGRESSION_COLUMNS                                                                 \
	"id, host, scenario, variant_key, metric, since_us, since_label, first_reported_us, " \
	"first_nightly, last_seen_us, change, median_before, median_after, kernel_before, "  \
	"kernel_after, acked_at_us, ack_note, ack_by"

static const char regression_insert_sql[] =
	"INSERT INTO regressions (host, scenario, variant_key, metric, since_us, since_label, "
	"first_reported_us, first_nightly, last_seen_us, change, median_before, median_after, "
	"kernel_before, kernel_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	"?13, ?14)";

/* ?5 = 0: where it started is unchanged */
static const char regression_update_sql[] =
	"UPDATE regressions SET last_seen_us = max(last_seen_us, ?2), change = ?3, "
	"median_before = ?4, median_after = ?5, "
	"since_us = CASE WHEN ?6 > 0 THEN ?6 ELSE since_us END, "
	"since_label = CASE WHEN ?6 > 0 THEN ?7 ELSE since_label END, "
	"kernel_before = CASE WHEN ?6 > 0 AND ?8 IS NOT NULL THEN ?8 ELSE kernel_before END, "
	"kernel_after = CASE WHEN ?6 > 0 AND ?9 IS NOT NULL THEN ?9 ELSE kernel_after END "
	"WHERE id = ?1";

static const char regression_ack_sql[] =
	"UPDATE regressions SET acked_at_us = ?2, ack_note = ?3, ack_by = ?4 WHERE id = ?1";
static const char regression_unack_sql[] =
	"UPDATE regressions SET acked_at_us = NULL, ack_note = NULL, ack_by = NULL WHERE id = ?1";

static const char regression_select_sql[] =
	"SELECT " REGRESSION_COLUMNS " FROM regressions "
	"WHERE (?1 IS NULL OR host = ?1) AND (?2 = 0 OR acked_at_us IS NULL) "
	"AND (?3 = 0 OR id = ?3) ORDER BY since_us, id";

/* SQLite keeps a NaN as NULL: an unknown figure reads back as NaN. */
static void regression_bind_double(struct results_bind *b, int idx, double v)
{
	if (b->rc != SQLITE_OK)
		return;
	b->rc = isfinite(v) ? sqlite3_bind_double(b->stmt, idx, v) : sqlite3_bind_null(b->stmt, idx);
}

static double regression_col_double(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return (double)NAN;
	return sqlite3_column_double(st, col);
}

static bool regression_time_ok(uint64_t us)
{
	return us <= INT64_MAX;
}

/* Prepare sql; a failure is said with what. */
static int regression_prepare(struct results *r, const char *sql, struct results_bind *b,
			      const char *what, struct diag *d)
{
	int rc = sqlite3_prepare_v2(r->db, sql, -1, &b->stmt, NULL);

	b->rc = SQLITE_OK;
	if (rc != SQLITE_OK)
		return diag_set(d, results_sqlite_errno(r->db, rc), "cannot %s in '%s': %s", what,
				r->path, sqlite3_errmsg(r->db));
	return 0;
}

/* Step a bound statement that writes; -ENOENT when it changed no row. */
static int regression_step(struct results *r, struct results_bind *b, const char *what,
			   int64_t id, struct diag *d)
{
	int rc = b->rc == SQLITE_OK ? sqlite3_step(b->stmt) : b->rc;

	if (rc != SQLITE_DONE)
		return diag_set(d, results_sqlite_errno(r->db, rc), "cannot %s in '%s': %s", what,
				r->path, b->rc == SQLITE_OK ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
	if (id && !sqlite3_changes(r->db))
		return diag_set(d, -ENOENT, "cannot %s: there is no regression %lld in '%s'", what,
				(long long)id, r->path);
	return 0;
}

int results_regression_add(struct results *r, struct results_regression *g, struct diag *d)
{
	struct results_bind b = { NULL, SQLITE_OK };
	int ret;

	if (!g->host || !g->scenario || !g->metric || !g->since_label)
		return diag_set(d, -EINVAL,
				"cannot record a regression: host, scenario, metric and night are required");
	if (!regression_time_ok(g->since_us) || !regression_time_ok(g->first_reported_us) ||
	    !regression_time_ok(g->last_seen_us))
		return diag_set(d, -EINVAL, "cannot record the regression of '%s': time out of range",
				g->scenario);
	ret = regression_prepare(r, regression_insert_sql, &b, "record a regression", d);
	if (ret == 0) {
		results_bind_text(&b, 1, g->host);
		results_bind_text(&b, 2, g->scenario);
		results_bind_text(&b, 3, g->variant_key ? g->variant_key : "");
		results_bind_text(&b, 4, g->metric);
		results_bind_int64(&b, 5, (int64_t)g->since_us);
		results_bind_text(&b, 6, g->since_label);
		results_bind_int64(&b, 7, (int64_t)g->first_reported_us);
		results_bind_text(&b, 8, g->first_nightly);
		results_bind_int64(&b, 9, (int64_t)g->last_seen_us);
		regression_bind_double(&b, 10, g->change);
		regression_bind_double(&b, 11, g->median_before);
		regression_bind_double(&b, 12, g->median_after);
		results_bind_text(&b, 13, g->kernel_before);
		results_bind_text(&b, 14, g->kernel_after);
		ret = regression_step(r, &b, "record a regression", 0, d);
	}
	if (ret == 0)
		g->id = sqlite3_last_insert_rowid(r->db);
	sqlite3_finalize(b.stmt);
	return ret;
}

int results_regression_update(struct results *r, const struct results_regression *g,
			      struct diag *d)
{
	struct results_bind b = { NULL, SQLITE_OK };
	int ret;

	if (!regression_time_ok(g->since_us) || !regression_time_ok(g->last_seen_us))
		return diag_set(d, -EINVAL, "cannot update regression %lld: time out of range",
				(long long)g->id);
	ret = regression_prepare(r, regression_update_sql, &b, "update a regression", d);
	if (ret == 0) {
		results_bind_int64(&b, 1, g->id);
		results_bind_int64(&b, 2, (int64_t)g->last_seen_us);
		regression_bind_double(&b, 3, g->change);
		regression_bind_double(&b, 4, g->median_before);
		regression_bind_double(&b, 5, g->median_after);
		results_bind_int64(&b, 6, (int64_t)g->since_us);
		results_bind_text(&b, 7, g->since_label ? g->since_label : "");
		results_bind_text(&b, 8, g->kernel_before);
		results_bind_text(&b, 9, g->kernel_after);
		ret = regression_step(r, &b, "update a regression", g->id, d);
	}
	sqlite3_finalize(b.stmt);
	return ret;
}

int results_regression_ack(struct results *r, int64_t id, uint64_t now_us, const char *note,
			   const char *by, struct diag *d)
{
	struct results_bind b = { NULL, SQLITE_OK };
	int ret;

	if (!regression_time_ok(now_us) || !now_us)
		return diag_set(d, -EINVAL, "cannot acknowledge regression %lld: time out of range",
				(long long)id);
	ret = regression_prepare(r, regression_ack_sql, &b, "acknowledge a regression", d);
	if (ret == 0) {
		results_bind_int64(&b, 1, id);
		results_bind_int64(&b, 2, (int64_t)now_us);
		results_bind_text(&b, 3, note);
		results_bind_text(&b, 4, by);
		ret = regression_step(r, &b, "acknowledge a regression", id, d);
	}
	sqlite3_finalize(b.stmt);
	return ret;
}

int results_regression_unack(struct results *r, int64_t id, struct diag *d)
{
	struct results_bind b = { NULL, SQLITE_OK };
	int ret;

	ret = regression_prepare(r, regression_unack_sql, &b, "reopen a regression", d);
	if (ret == 0) {
		results_bind_int64(&b, 1, id);
		ret = regression_step(r, &b, "reopen a regression", id, d);
	}
	sqlite3_finalize(b.stmt);
	return ret;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

int results_regressions_query(struct results *r, const char *host, bool open_only, int64_t id,
			      results_regression_fn fn, void *arg, struct diag *d)
{
	struct results_regression g;
	struct results_bind b = { NULL, SQLITE_OK };
	int rc, ret;

	ret = regression_prepare(r, regression_select_sql, &b, "select regressions", d);
	if (ret < 0)
		goto out;
	results_bind_text(&b, 1, host);
	results_bind_int64(&b, 2, open_only);
	results_bind_int64(&b, 3, id);
	rc = b.rc;
	while (b.rc == SQLITE_OK && (rc = sqlite3_step(b.stmt)) == SQLITE_ROW) {
		memset(&g, 0, sizeof(g));
		g.id = sqlite3_column_int64(b.stmt, 0);
		g.host = col_text(b.stmt, 1);
		g.scenario = col_text(b.stmt, 2);
		g.variant_key = col_text(b.stmt, 3);
		g.metric = col_text(b.stmt, 4);
		g.since_us = (uint64_t)sqlite3_column_int64(b.stmt, 5);
		g.since_label = col_text(b.stmt, 6);
		g.first_reported_us = (uint64_t)sqlite3_column_int64(b.stmt, 7);
		g.first_nightly = col_text(b.stmt, 8);
		g.last_seen_us = (uint64_t)sqlite3_column_int64(b.stmt, 9);
		g.change = regression_col_double(b.stmt, 10);
		g.median_before = regression_col_double(b.stmt, 11);
		g.median_after = regression_col_double(b.stmt, 12);
		g.kernel_before = col_text(b.stmt, 13);
		g.kernel_after = col_text(b.stmt, 14);
		g.acked_at_us = (uint64_t)sqlite3_column_int64(b.stmt, 15);
		g.ack_note = col_text(b.stmt, 16);
		g.ack_by = col_text(b.stmt, 17);
		if (!g.host || !g.scenario || !g.variant_key || !g.metric || !g.since_label) {
			/* NOT NULL columns: only out of memory gives NULL text */
			ret = diag_set(d, -ENOMEM, "cannot read regression %lld in '%s': out of memory",
				       (long long)g.id, r->path);
			goto out;
		}
		ret = fn(&g, arg);
		if (ret < 0) {
			diag_set(d, ret, "selecting regressions in '%s' stopped at %lld: %s", r->path,
				 (long long)g.id, strerror(-ret));
			goto out;
		}
		ret = 0;
	}
	if (rc != SQLITE_DONE)
		ret = diag_set(d, results_sqlite_errno(r->db, rc), "cannot select regressions in '%s': %s",
			       r->path, sqlite3_errmsg(r->db));
out:
	sqlite3_finalize(b.stmt);
	return ret;
}
