/*
 * store.c: results_run_store(), a complete run in one transaction.
 *
 *	BEGIN IMMEDIATE                       take the write lock now (waits up
 *	                                      to the busy timeout), never upgrade
 *	host, kernel: INSERT OR IGNORE + SELECT id
 *	runs: INSERT                          UNIQUE(uuid) -> -EEXIST
 *	tags, metrics, intervals, mibs, subflows, noise: INSERT each
 *	timed_events: INSERT each
 *	samples, conn_samples, pm_events (telemetry.c): INSERT each
 *	COMMIT
 *
 * Any failure rolls the whole transaction back, so the database holds the
 * complete run or nothing of it. Every statement is a cached prepared
 * statement of the connection (db.c): storing is the runner's hot path.
 *
 * This file does not read runs back (query.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "results_int.h"

struct store_ctx {
	struct results *r;
	const struct results_run *run;
	struct diag *d;
	int64_t run_id;
};

/* "cannot store run '<uuid>' in '<db>': cannot <what>: <reason>", with the
 * errno for rc. The reason is SQLite's message for rc, read before
 * anything (a reset, the rollback) can replace it. */
static int __attribute__((format(printf, 3, 4)))
store_fail(struct store_ctx *c, int rc, const char *fmt, ...)
{
	const char *reason = sqlite3_errmsg(c->r->db);
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (sqlite3_errcode(c->r->db) == SQLITE_OK)
		reason = sqlite3_errstr(rc); /* a bind failure leaves no message */
	return diag_set(c->d, results_sqlite_errno(c->r->db, rc), "cannot store run '%s' in '%s': cannot %s: %s", c->run->uuid,
			c->r->path, what, reason);
}

/* Bind check, step to completion, reset. what_fmt names the row for the
 * message, and is only formatted on failure: this runs for every row.
 * Returns 0, or the negative errno with the diag set. */
static int __attribute__((format(printf, 4, 5)))
store_step(struct store_ctx *c, struct results_bind *b, int eexist_on_unique,
	   const char *what_fmt, ...)
{
	char what[256];
	va_list ap;
	int rc, err;

	rc = b->rc;
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(b->stmt);
		if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
			sqlite3_reset(b->stmt);
			return 0;
		}
	}
	if (eexist_on_unique && rc == SQLITE_CONSTRAINT_UNIQUE) {
		sqlite3_reset(b->stmt);
		return diag_set(c->d, -EEXIST, "cannot store run '%s' in '%s': already stored",
				c->run->uuid, c->r->path);
	}
	va_start(ap, what_fmt);
	vsnprintf(what, sizeof(what), what_fmt, ap);
	va_end(ap);
	err = store_fail(c, rc, "%s", what);
	sqlite3_reset(b->stmt);
	return err;
}

/* INSERT OR IGNORE, then SELECT id: the dedup lookup of hosts and kernels.
 * bind() binds the same parameters to both statements. */
static int store_upsert(struct store_ctx *c, enum results_stmt_id insert_id,
			enum results_stmt_id select_id,
			void (*bind)(struct results_bind *b, const struct results_run *run),
			const char *what, int64_t *id)
{
	struct results_bind b = { NULL, SQLITE_OK };
	int rc, ret;

	ret = results_stmt(c->r, insert_id, &b.stmt, c->d);
	if (ret < 0)
		return ret;
	bind(&b, c->run);
	ret = store_step(c, &b, 0, "insert %s", what);
	if (ret < 0)
		return ret;

	b.rc = SQLITE_OK;
	ret = results_stmt(c->r, select_id, &b.stmt, c->d);
	if (ret < 0)
		return ret;
	bind(&b, c->run);
	rc = b.rc == SQLITE_OK ? sqlite3_step(b.stmt) : b.rc;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(b.stmt);
		return diag_set(c->d, -EIO, "cannot store run '%s' in '%s': %s row missing after insert",
				c->run->uuid, c->r->path, what);
	}
	if (rc != SQLITE_ROW) {
		ret = store_fail(c, rc, "find %s", what);
		sqlite3_reset(b.stmt);
		return ret;
	}
	*id = sqlite3_column_int64(b.stmt, 0);
	sqlite3_reset(b.stmt);
	return 0;
}

static const char *nn(const char *s)
{
	return s ? s : "";
}

static void store_bind_host(struct results_bind *b, const struct results_run *run)
{
	results_bind_text(b, 1, nn(run->host.hostname));
	results_bind_text(b, 2, nn(run->host.cpu_model));
	results_bind_int64(b, 3, run->host.cores);
	results_bind_text(b, 4, nn(run->host.governor));
}

static void store_bind_kernel(struct results_bind *b, const struct results_run *run)
{
	results_bind_text(b, 1, nn(run->kernel.release));
	results_bind_text(b, 2, nn(run->kernel.version));
	results_bind_text(b, 3, nn(run->kernel.config_hash));
	results_bind_text(b, 4, nn(run->kernel.debug));
	results_bind_text(b, 5, nn(run->kernel.boot_mode));
}

static int store_run_row(struct store_ctx *c, int64_t host_id, int64_t kernel_id)
{
	const struct results_run *run = c->run;
	struct results_bind b = { NULL, SQLITE_OK };
	int ret;

	ret = results_stmt(c->r, RESULTS_STMT_RUN_INSERT, &b.stmt, c->d);
	if (ret < 0)
		return ret;
	results_bind_text(&b, 1, run->uuid);
	results_bind_text(&b, 2, run->scenario);
	results_bind_text(&b, 3, run->scenario_hash);
	results_bind_text(&b, 4, run->topology);
	results_bind_text(&b, 5, run->topology_hash);
	results_bind_text(&b, 6, run->variant_json);
	results_bind_text(&b, 7, run->variant_key);
	results_bind_int64(&b, 8, run->repetition);
	results_bind_int64(&b, 9, (int64_t)run->started_at_us);
	results_bind_int64(&b, 10, (int64_t)run->finished_at_us);
	results_bind_text(&b, 11, results_status_name(run->status));
	results_bind_text(&b, 12, run->reason);
	results_bind_text(&b, 13, run->engine);
	results_bind_text(&b, 14, run->engine_version);
	results_bind_text(&b, 15, run->mptcp_method);
	if (run->load1 >= 0) /* also false for NaN */
		results_bind_double(&b, 16, run->load1);
	results_bind_int64(&b, 17, host_id);
	results_bind_int64(&b, 18, kernel_id);
	results_bind_int64_known(&b, 19, run->measure_start_us);
	/* the only UNIQUE of runs besides the rowid is uuid */
	ret = store_step(c, &b, 1, "insert the run row");
	if (ret < 0)
		return ret;
	c->run_id = sqlite3_last_insert_rowid(c->r->db);
	return 0;
}

static int store_kvs(struct store_ctx *c, enum results_stmt_id id, const char *what,
		     const struct results_kv *kv, size_t n)
{
	struct results_bind b;
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		b = (struct results_bind){ NULL, SQLITE_OK };
		ret = results_stmt(c->r, id, &b.stmt, c->d);
		if (ret < 0)
			return ret;
		results_bind_int64(&b, 1, c->run_id);
		results_bind_text(&b, 2, kv[i].key);
		results_bind_text(&b, 3, kv[i].value);
		ret = store_step(c, &b, 0, "insert %s '%s'", what, nn(kv[i].key));
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int store_metrics(struct store_ctx *c)
{
	const struct results_run *run = c->run;
	struct results_bind b;
	size_t i;
	int ret;

	for (i = 0; i < run->n_metrics; i++) {
		b = (struct results_bind){ NULL, SQLITE_OK };
		ret = results_stmt(c->r, RESULTS_STMT_METRIC_INSERT, &b.stmt, c->d);
		if (ret < 0)
			return ret;
		results_bind_int64(&b, 1, c->run_id);
		results_bind_text(&b, 2, run->metrics[i].name);
		results_bind_double(&b, 3, run->metrics[i].value); /* NaN becomes NULL */
		ret = store_step(c, &b, 0, "insert metric '%s'", nn(run->metrics[i].name));
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int store_intervals(struct store_ctx *c)
{
	const struct results_run *run = c->run;
	const struct telemetry_interval *iv;
	struct results_bind b;
	size_t i;
	int ret;

	for (i = 0; i < run->n_intervals; i++) {
		iv = &run->intervals[i];
		b = (struct results_bind){ NULL, SQLITE_OK };
		ret = results_stmt(c->r, RESULTS_STMT_INTERVAL_INSERT, &b.stmt, c->d);
		if (ret < 0)
			return ret;
		results_bind_int64(&b, 1, c->run_id);
		results_bind_int64(&b, 2, (int64_t)i);
		results_bind_int64(&b, 3, (int64_t)iv->start_us);
		results_bind_int64(&b, 4, (int64_t)iv->end_us);
		results_bind_int64(&b, 5, (int64_t)iv->bytes);
		results_bind_double(&b, 6, iv->bits_per_second);
		results_bind_int64_known(&b, 7, iv->retransmits);
		results_bind_double(&b, 8, iv->ideal_bps); /* NaN becomes NULL */
		ret = store_step(c, &b, 0, "insert interval %zu", i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int store_mibs(struct store_ctx *c)
{
	const struct results_run *run = c->run;
	struct results_bind b;
	size_t i;
	int ret;

	for (i = 0; i < run->n_mibs; i++) {
		b = (struct results_bind){ NULL, SQLITE_OK };
		ret = results_stmt(c->r, RESULTS_STMT_MIB_INSERT, &b.stmt, c->d);
		if (ret < 0)
			return ret;
		results_bind_int64(&b, 1, c->run_id);
		results_bind_text(&b, 2, run->mibs[i].netns_role);
		results_bind_text(&b, 3, run->mibs[i].counter);
		results_bind_int64(&b, 4, run->mibs[i].delta);
		ret = store_step(c, &b, 0, "insert mib counter '%s' of '%s'",
				 nn(run->mibs[i].counter), nn(run->mibs[i].netns_role));
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int store_subflows(struct store_ctx *c)
{
	const struct results_run *run = c->run;
	const struct results_subflow *sf;
	struct results_bind b;
	size_t i;
	int ret;

	for (i = 0; i < run->n_subflows; i++) {
		sf = &run->subflows[i];
		b = (struct results_bind){ NULL, SQLITE_OK };
		ret = results_stmt(c->r, RESULTS_STMT_SUBFLOW_INSERT, &b.stmt, c->d);
		if (ret < 0)
			return ret;
		results_bind_int64(&b, 1, c->run_id);
		results_bind_int64(&b, 2, (int64_t)i);
		results_bind_int64(&b, 3, sf->id);
		results_bind_text(&b, 4, sf->local);
		results_bind_text(&b, 5, sf->remote);
		results_bind_int64(&b, 6, (int64_t)sf->bytes_sent);
		results_bind_int64(&b, 7, (int64_t)sf->bytes_acked);
		results_bind_int64(&b, 8, (int64_t)sf->bytes_received);
		results_bind_int64_known(&b, 9, sf->retransmits);
		results_bind_int64(&b, 10, sf->backup ? 1 : 0);
		ret = store_step(c, &b, 0, "insert subflow %u (%s -> %s)", sf->id, nn(sf->local),
				 nn(sf->remote));
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* One direction of a shaping event from parameter first on: rate,
 * delay, jitter, loss, reorder. */
static void store_bind_shaping(struct results_bind *b, int first, const struct telemetry_shaping *sh)
{
	results_bind_int64(b, first, (int64_t)sh->rate_bps);
	results_bind_int64(b, first + 1, (int64_t)sh->delay_us);
	results_bind_int64(b, first + 2, (int64_t)sh->jitter_us);
	results_bind_double(b, first + 3, sh->loss_pct);
	results_bind_double(b, first + 4, sh->reorder_pct);
}

static int store_timed_events(struct store_ctx *c)
{
	const struct results_run *run = c->run;
	struct results_bind b;
	int ret;

	for (size_t i = 0; i < run->n_timed_events; i++) {
		const struct telemetry_timed_event *e = &run->timed_events[i];

		b = (struct results_bind){ NULL, SQLITE_OK };
		ret = results_stmt(c->r, RESULTS_STMT_TIMED_EVENT_INSERT, &b.stmt, c->d);
		if (ret < 0)
			return ret;
		results_bind_int64(&b, 1, c->run_id);
		results_bind_int64(&b, 2, (int64_t)i);
		results_bind_int64(&b, 3, (int64_t)e->planned_us);
		results_bind_int64_known(&b, 4, e->applied_us);
		results_bind_text(&b, 5, e->path);
		results_bind_text(&b, 6, telemetry_timed_action_name(e->action));
		/* the link events have no shaping: NULL */
		if (e->action == TELEM_EV_SHAPING) {
			store_bind_shaping(&b, 7, &e->up);
			store_bind_shaping(&b, 12, &e->down);
		}
		ret = store_step(c, &b, 0, "insert timed event %zu (%s of '%s')", i,
				 telemetry_timed_action_name(e->action), e->path);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Everything between BEGIN and COMMIT. */
static int store_rows(struct store_ctx *c)
{
	int64_t host_id, kernel_id;
	int ret;

	ret = store_upsert(c, RESULTS_STMT_HOST_INSERT, RESULTS_STMT_HOST_SELECT, store_bind_host,
			   "host", &host_id);
	if (ret < 0)
		return ret;
	ret = store_upsert(c, RESULTS_STMT_KERNEL_INSERT, RESULTS_STMT_KERNEL_SELECT,
			   store_bind_kernel, "kernel", &kernel_id);
	if (ret < 0)
		return ret;
	ret = store_run_row(c, host_id, kernel_id);
	if (ret < 0)
		return ret;
	ret = store_kvs(c, RESULTS_STMT_TAG_INSERT, "tag", c->run->tags, c->run->n_tags);
	if (ret < 0)
		return ret;
	ret = store_metrics(c);
	if (ret < 0)
		return ret;
	ret = store_intervals(c);
	if (ret < 0)
		return ret;
	ret = store_mibs(c);
	if (ret < 0)
		return ret;
	ret = store_subflows(c);
	if (ret < 0)
		return ret;
	ret = store_kvs(c, RESULTS_STMT_NOISE_INSERT, "noise indicator", c->run->noise,
			c->run->n_noise);
	if (ret < 0)
		return ret;
	ret = store_timed_events(c);
	if (ret < 0)
		return ret;
	return results_telemetry_store(c->r, c->run_id, c->run, c->d);
}

static int store_validate(const struct results_run *run, struct diag *d)
{
	if (strlen(run->uuid) != 36)
		return diag_set(d, -EINVAL, "cannot store run '%s': uuid is not 36 characters",
				run->uuid);
	if (!run->scenario)
		return diag_set(d, -EINVAL, "cannot store run '%s': no scenario", run->uuid);
	if ((unsigned int)run->status > RESULTS_INVALID)
		return diag_set(d, -EINVAL, "cannot store run '%s': unknown status %d", run->uuid,
				(int)run->status);
	return 0;
}

/* Step one of the cached transaction statements (BEGIN, COMMIT, ROLLBACK). */
static int store_tx(struct store_ctx *c, enum results_stmt_id id, const char *what)
{
	struct results_bind b = { NULL, SQLITE_OK };
	int ret;

	ret = results_stmt(c->r, id, &b.stmt, c->d);
	if (ret < 0)
		return ret;
	return store_step(c, &b, 0, "%s", what);
}

int results_run_store(struct results *r, struct results_run *run, struct diag *d)
{
	struct store_ctx c = { r, run, d, 0 };
	int ret;

	ret = store_validate(run, d);
	if (ret < 0)
		return ret;
	ret = store_tx(&c, RESULTS_STMT_BEGIN_IMMEDIATE, "begin a write transaction");
	if (ret < 0)
		return ret;
	ret = store_rows(&c);
	if (ret == 0)
		ret = store_tx(&c, RESULTS_STMT_COMMIT, "commit");
	if (ret < 0) {
		/* SQLite has already rolled back after some errors (FULL, IOERR,
		 * NOMEM, BUSY): only roll back a transaction that is still open */
		if (!sqlite3_get_autocommit(r->db))
			store_tx(&c, RESULTS_STMT_ROLLBACK, "roll back");
		return ret;
	}
	run->id = c.run_id;
	return 0;
}
