/*
 * outbox.c: the durable push outbox (`mptcp-lab push`): which runs each
 * URL has received, and for those it has not, how many attempts failed and
 * when the next one is due.
 *
 * One row per (url, run) once the run was tried; a run without a row for
 * a url is simply pending, so runs stored later (by `run`, or `merge`)
 * need no bookkeeping to be pushed. A run is marked delivered only after
 * the server answered 2xx (the caller says so); a failure keeps it pending
 * with a doubling backoff, so a dead server is not hammered every time a
 * cron job runs, while `push --now` can still force it.
 *
 * Points that are not runs (the nightly job's verdicts, schema version 5)
 * are queued here as lines of line protocol that push/ formatted when
 * they were made, with an outbox of their own under the same rules: every
 * url gets every point, a point is delivered only on a 2xx, a failure
 * backs off the same way.
 *
 * This file neither formats nor sends anything (push/ does).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "results_int.h"

#define OUTBOX_BACKOFF_FIRST_US (60ULL * 1000000)
#define OUTBOX_BACKOFF_MAX_US (6ULL * 3600 * 1000000)

uint64_t results_outbox_backoff_us(int64_t attempts)
{
	uint64_t b;

	if (attempts < 1)
		return 0;
	if (attempts > 10)
		return OUTBOX_BACKOFF_MAX_US;
	b = OUTBOX_BACKOFF_FIRST_US << (attempts - 1);
	return b < OUTBOX_BACKOFF_MAX_US ? b : OUTBOX_BACKOFF_MAX_US;
}

static int outbox_fail(struct results *r, int rc, const char *what, const char *url,
		       struct diag *d)
{
	return diag_set(d, results_sqlite_errno(r->db, rc) ?: -EIO,
			"cannot %s the push outbox of '%s' for '%s': %s", what, r->path, url,
			sqlite3_errmsg(r->db));
}

/* ---- the two walkers every outbox function is made of ------------------- */

/*
 * A pending query (?1 url, ?2 now; column `waiting` says whether the row
 * still waits for its backoff): the due rows go to add() (which takes
 * what it needs from the other columns), the waiting ones are counted
 * unless ignore_backoff.
 */
static int outbox_scan(struct results *r, const char *sql, int waiting, const char *url,
		       uint64_t now_us, bool ignore_backoff,
		       int (*add)(sqlite3_stmt *st, void *arg), void *arg, size_t *n_waiting,
		       struct diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 2, (int64_t)now_us);
	if (rc != SQLITE_OK) {
		ret = outbox_fail(r, rc, "read", url, d);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, waiting) && !ignore_backoff) {
			(*n_waiting)++;
			continue;
		}
		ret = add(st, arg);
		if (ret < 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = outbox_fail(r, rc, "read", url, d);
out:
	sqlite3_finalize(st);
	return ret;
}

/*
 * One statement per item, its parameters bound by bind(st, i, arg), all in
 * one BEGIN IMMEDIATE transaction (all or none). A failure says
 * "<what>: <SQLite's reason>".
 */
static int outbox_each(struct results *r, const char *sql, size_t n,
		       int (*bind)(sqlite3_stmt *st, size_t i, const void *arg), const void *arg,
		       const char *what, struct diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc, ret;

	ret = results_exec(r, "BEGIN IMMEDIATE", d);
	if (ret < 0)
		return diag_prefix(d, "%s", what);
	rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_reset(st);
		rc = bind(st, i, arg);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK) {
		ret = diag_set(d, results_sqlite_errno(r->db, rc) ?: -EIO, "%s: %s", what,
			       sqlite3_errmsg(r->db));
		goto out;
	}
	sqlite3_finalize(TAKE_PTR(st));
	ret = results_exec(r, "COMMIT", d);
out:
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(r->db))
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/* What a mark binds: the item (a run's uuid, or a point's id) to ?1, then
 * url, now and (for a failure) the error. */
struct outbox_mark {
	const char (*uuids)[37];
	const struct results_point *points;
	const char *url, *error;
	uint64_t now_us;
};

static int outbox_mark_bind(sqlite3_stmt *st, size_t i, const void *arg)
{
	const struct outbox_mark *m = arg;
	int rc;

	rc = m->uuids ? sqlite3_bind_text(st, 1, m->uuids[i], -1, SQLITE_STATIC) :
			sqlite3_bind_int64(st, 1, m->points[i].id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, m->url, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 3, (int64_t)m->now_us);
	if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) >= 4)
		rc = sqlite3_bind_text(st, 4, m->error, -1, SQLITE_STATIC);
	return rc;
}

static int outbox_mark(struct results *r, const char *sql, const struct outbox_mark *m, size_t n,
		       struct diag *d)
{
	char what[512];

	snprintf(what, sizeof(what), "cannot update the push outbox of '%s' for '%s'", r->path,
		 m->url);
	return outbox_each(r, sql, n, outbox_mark_bind, m, what, d);
}

/* ---- runs --------------------------------------------------------------- */

static int outbox_add_uuid(sqlite3_stmt *st, void *arg)
{
	struct results_outbox_pending *p = arg;
	const char *uuid = (const char *)sqlite3_column_text(st, 0);
	char (*grown)[37];

	grown = array_grow(p->uuids, p->n, sizeof(*p->uuids));
	if (!grown)
		return -ENOMEM;
	p->uuids = grown;
	snprintf(p->uuids[p->n], sizeof(p->uuids[p->n]), "%s", uuid ? uuid : "");
	p->n++;
	return 0;
}

int results_outbox_pending(struct results *r, const char *url, uint64_t now_us,
			   bool ignore_backoff, struct results_outbox_pending *out,
			   struct diag *d)
{
	static const char sql[] =
		"SELECT r.uuid, o.pushed_at_us IS NULL AND o.next_attempt_at_us > ?2 "
		"FROM runs AS r LEFT JOIN push_outbox AS o ON o.run_id = r.id AND o.url = ?1 "
		"WHERE o.pushed_at_us IS NULL ORDER BY r.started_at_us, r.id";
	struct results_outbox_pending p = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = outbox_scan(r, sql, 1, url, now_us, ignore_backoff, outbox_add_uuid, &p, &p.n_waiting,
			  d);
	if (ret < 0) {
		results_outbox_pending_release(&p);
		return ret;
	}
	*out = p;
	return 0;
}

void results_outbox_pending_release(struct results_outbox_pending *p)
{
	if (!p)
		return;
	free(p->uuids);
	memset(p, 0, sizeof(*p));
}

int results_outbox_mark_pushed(struct results *r, const char *url, char (*uuids)[37], size_t n,
			       uint64_t now_us, struct diag *d)
{
	/* attempts are kept: they say how bumpy the delivery was */
	static const char sql[] =
		"INSERT INTO push_outbox (run_id, url, pushed_at_us, attempts, next_attempt_at_us) "
		"SELECT id, ?2, ?3, 0, 0 FROM runs WHERE uuid = ?1 "
		"ON CONFLICT (url, run_id) DO UPDATE SET pushed_at_us = excluded.pushed_at_us, "
		"last_error = NULL";

	return outbox_mark(r, sql, &(struct outbox_mark){ .uuids = uuids, .url = url,
							  .now_us = now_us }, n, d);
}

int results_outbox_mark_failed(struct results *r, const char *url, char (*uuids)[37], size_t n,
			       uint64_t now_us, const char *error, struct diag *d)
{
	static const char sql[] =
		"INSERT INTO push_outbox (run_id, url, pushed_at_us, attempts, next_attempt_at_us, "
		"last_error) SELECT id, ?2, NULL, 1, ?3 + 60000000, ?4 FROM runs WHERE uuid = ?1 "
		"ON CONFLICT (url, run_id) DO UPDATE SET attempts = push_outbox.attempts + 1, "
		"next_attempt_at_us = ?3 + min(60000000 << min(push_outbox.attempts, 10), "
		"21600000000), last_error = excluded.last_error";

	return outbox_mark(r, sql, &(struct outbox_mark){ .uuids = uuids, .url = url,
							  .error = error, .now_us = now_us }, n, d);
}

/* ---- points that are not runs (schema version 5) ----------------------- */

struct points_add {
	const char *kind;
	uint64_t at_us;
	const char *const *lines;
};

static int points_add_bind(sqlite3_stmt *st, size_t i, const void *arg)
{
	const struct points_add *a = arg;
	int rc;

	rc = sqlite3_bind_text(st, 1, a->kind, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 2, (int64_t)a->at_us);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 3, a->lines[i], -1, SQLITE_STATIC);
	return rc;
}

int results_points_add(struct results *r, const char *kind, uint64_t at_us,
		       const char *const *lines, size_t n, struct diag *d)
{
	static const char sql[] = "INSERT INTO push_points (kind, at_us, line) VALUES (?1, ?2, ?3)";
	struct points_add a = { kind, at_us, lines };
	char what[512];

	for (size_t i = 0; i < n; i++)
		if (!*lines[i] || strchr(lines[i], '\n'))
			return diag_set(d, -EINVAL, "cannot queue a %s point: not one line: '%s'",
					kind, lines[i]);
	snprintf(what, sizeof(what), "cannot queue %zu %s points in '%s'", n, kind, r->path);
	return outbox_each(r, sql, n, points_add_bind, &a, what, d);
}

static int outbox_add_point(sqlite3_stmt *st, void *arg)
{
	struct results_points_pending *p = arg;
	const char *line = (const char *)sqlite3_column_text(st, 1);
	struct results_point *grown;

	grown = array_grow(p->points, p->n, sizeof(*p->points));
	if (!grown)
		return -ENOMEM;
	p->points = grown;
	p->points[p->n].id = sqlite3_column_int64(st, 0);
	p->points[p->n].line = strdup(line ? line : "");
	if (!p->points[p->n].line)
		return -ENOMEM;
	p->n++;
	return 0;
}

int results_points_pending(struct results *r, const char *url, uint64_t now_us,
			   bool ignore_backoff, struct results_points_pending *out,
			   struct diag *d)
{
	static const char sql[] =
		"SELECT p.id, p.line, o.pushed_at_us IS NULL AND o.next_attempt_at_us > ?2 "
		"FROM push_points AS p LEFT JOIN push_points_outbox AS o "
		"ON o.point_id = p.id AND o.url = ?1 "
		"WHERE o.pushed_at_us IS NULL ORDER BY p.at_us, p.id";
	struct results_points_pending p = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = outbox_scan(r, sql, 2, url, now_us, ignore_backoff, outbox_add_point, &p,
			  &p.n_waiting, d);
	if (ret < 0) {
		results_points_pending_release(&p);
		return ret;
	}
	*out = p;
	return 0;
}

void results_points_pending_release(struct results_points_pending *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->points[i].line);
	free(p->points);
	memset(p, 0, sizeof(*p));
}

int results_points_mark_pushed(struct results *r, const char *url,
			       const struct results_point *points, size_t n, uint64_t now_us,
			       struct diag *d)
{
	static const char sql[] =
		"INSERT INTO push_points_outbox (point_id, url, pushed_at_us, attempts, "
		"next_attempt_at_us) VALUES (?1, ?2, ?3, 0, 0) "
		"ON CONFLICT (url, point_id) DO UPDATE SET pushed_at_us = excluded.pushed_at_us, "
		"last_error = NULL";

	return outbox_mark(r, sql, &(struct outbox_mark){ .points = points, .url = url,
							  .now_us = now_us }, n, d);
}

int results_points_mark_failed(struct results *r, const char *url,
			       const struct results_point *points, size_t n, uint64_t now_us,
			       const char *error, struct diag *d)
{
	/* the same backoff as the runs' (results_outbox_mark_failed) */
	static const char sql[] =
		"INSERT INTO push_points_outbox (point_id, url, pushed_at_us, attempts, "
		"next_attempt_at_us, last_error) VALUES (?1, ?2, NULL, 1, ?3 + 60000000, ?4) "
		"ON CONFLICT (url, point_id) DO UPDATE SET attempts = push_points_outbox.attempts + 1, "
		"next_attempt_at_us = ?3 + min(60000000 << min(push_points_outbox.attempts, 10), "
		"21600000000), last_error = excluded.last_error";

	return outbox_mark(r, sql, &(struct outbox_mark){ .points = points, .url = url,
							  .error = error, .now_us = now_us }, n, d);
}
