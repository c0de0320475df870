/*
 * query.c: reading runs back. results_query() turns a struct
 * results_filter into one SELECT over runs (joined with hosts and
 * kernels), with every value bound as a parameter and never pasted into
 * the SQL, ordered by started_at_us, id. For each selected run it loads the
 * children with the connection's cached statements (one primary-key range
 * scan per child table: the child tables are keyed by run_id first), calls
 * the callback and releases the run. results_count() counts with the same
 * WHERE clause; results_timed_events_load() reads one run's timed events
 * by its uuid.
 *
 * The whole query reads one snapshot: the outer statement keeps the read
 * transaction open while the children are loaded, so a concurrent writer
 * (WAL) never shows a run without its children.
 *
 * variant_key is "k1=v1,k2=v2" (sorted keys); an item "cc=bbr" matches a
 * whole item only, never "cc=bbr2":
 *	instr(',' || variant_key || ',', ',' || ?N || ',') > 0
 *
 * This file does not write (store.c).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "results_int.h"

/* The columns of the run SELECT, in this order. */
#define QUERY_RUN_COLUMNS                                                      \
	"r.id, r.uuid, r.scenario, r.scenario_hash, r.topology, r.topology_hash, " \
	"r.variant_json, r.variant_key, r.repetition, r.started_at_us, "       \
	"r.finished_at_us, r.status, r.reason, r.engine, r.engine_version, "   \
	"r.mptcp_method, r.load1, h.hostname, h.cpu_model, h.cores, h.governor, " \
	"k.release, k.version, k.config_hash, k.debug, k.boot_mode, r.measure_start_us"
enum query_col {
	QC_ID,
	QC_UUID,
	QC_SCENARIO,
	QC_SCENARIO_HASH,
	QC_TOPOLOGY,
	QC_TOPOLOGY_HASH,
	QC_VARIANT_JSON,
	QC_VARIANT_KEY,
	QC_REPETITION,
	QC_STARTED_AT_US,
	QC_FINISHED_AT_US,
	QC_STATUS,
	QC_REASON,
	QC_ENGINE,
	QC_ENGINE_VERSION,
	QC_MPTCP_METHOD,
	QC_LOAD1,
	QC_HOSTNAME,
	QC_CPU_MODEL,
	QC_CORES,
	QC_GOVERNOR,
	QC_RELEASE,
	QC_VERSION,
	QC_CONFIG_HASH,
	QC_DEBUG,
	QC_BOOT_MODE,
	QC_MEASURE_START_US,
};

#define QUERY_FROM RESULTS_QUERY_FROM

/* One value to bind, in the order the placeholders appear. */
struct query_param {
	const char *text; /* NULL: an integer */
	size_t len;
	int64_t i;
};

struct query_where {
	struct query_param *p;
	size_t n;
};

static void where_text(sqlite3_str *sql, struct query_where *w, const char *clause,
		       const char *text, size_t len)
{
	sqlite3_str_appendall(sql, clause);
	w->p[w->n++] = (struct query_param){ text, len, 0 };
}

static void where_int(sqlite3_str *sql, struct query_where *w, const char *clause, int64_t i)
{
	sqlite3_str_appendall(sql, clause);
	w->p[w->n++] = (struct query_param){ NULL, 0, i };
}

static int where_check(const struct results_filter *f, struct diag *d)
{
	enum results_status status;
	size_t i;

	if (f->status && results_status_parse(f->status, &status) < 0)
		return diag_set(d, -EINVAL,
				"cannot select runs: unknown status '%s' (ok, failed, skipped, invalid)",
				f->status);
	for (i = 0; i < f->n_tags; i++)
		if (!f->tags[i] || !strchr(f->tags[i], '='))
			return diag_set(d, -EINVAL, "cannot select runs: tag '%s' is not key=value",
					f->tags[i] ? f->tags[i] : "(null)");
	for (i = 0; i < f->n_variant_kv; i++)
		if (!f->variant_kv[i] || !strchr(f->variant_kv[i], '=') ||
		    strchr(f->variant_kv[i], ','))
			return diag_set(d, -EINVAL,
					"cannot select runs: variant item '%s' is not one key=value",
					f->variant_kv[i] ? f->variant_kv[i] : "(null)");
	for (i = 0; i < f->n_uuids; i++)
		if (!f->uuids[i])
			return diag_set(d, -EINVAL, "cannot select runs: uuid %zu is NULL", i);
	return 0;
}

/*
 * head + WHERE for f, as SQL with placeholders (*out, sqlite3_free) and the
 * values for them (w). Every clause is a fixed string: values only ever
 * reach SQLite as bound parameters.
 */
static int where_build(const struct results_filter *f, const char *head, const char *tail,
		       char **out, struct query_where *w, struct diag *d)
{
	sqlite3_str *sql;
	const char *eq;
	size_t i;
	int rc, ret;

	ret = where_check(f, d);
	if (ret < 0)
		return ret;
	w->n = 0;
	w->p = calloc(7 + f->n_variant_kv + 2 * f->n_tags + f->n_uuids, sizeof(*w->p));
	if (!w->p)
		return -ENOMEM;
	sql = sqlite3_str_new(NULL);
	sqlite3_str_appendall(sql, head);
	sqlite3_str_appendall(sql, " WHERE 1");
	if (f->scenario)
		where_text(sql, w, " AND r.scenario = ?", f->scenario, strlen(f->scenario));
	if (f->kernel_release)
		where_text(sql, w, " AND k.release = ?", f->kernel_release,
			   strlen(f->kernel_release));
	if (f->boot_mode)
		where_text(sql, w, " AND k.boot_mode = ?", f->boot_mode, strlen(f->boot_mode));
	if (f->host)
		where_text(sql, w, " AND h.hostname = ?", f->host, strlen(f->host));
	if (f->status)
		where_text(sql, w, " AND r.status = ?", f->status, strlen(f->status));
	for (i = 0; i < f->n_variant_kv; i++)
		where_text(sql, w,
			   " AND instr(',' || r.variant_key || ',', ',' || ? || ',') > 0",
			   f->variant_kv[i], strlen(f->variant_kv[i]));
	for (i = 0; i < f->n_tags; i++) {
		eq = strchr(f->tags[i], '=');
		/* the tag index (key, value, run_id) answers this */
		where_text(sql, w,
			   " AND EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id"
			   " AND t.key = ?",
			   f->tags[i], (size_t)(eq - f->tags[i]));
		where_text(sql, w, " AND t.value = ?)", eq + 1, strlen(eq + 1));
	}
	if (f->n_uuids) {
		sqlite3_str_appendall(sql, " AND r.uuid IN (");
		for (i = 0; i < f->n_uuids; i++)
			where_text(sql, w, i ? ", ?" : "?", f->uuids[i], strlen(f->uuids[i]));
		sqlite3_str_appendall(sql, ")");
	}
	if (f->since_us)
		where_int(sql, w, " AND r.started_at_us >= ?", (int64_t)f->since_us);
	if (f->until_us)
		where_int(sql, w, " AND r.started_at_us < ?", (int64_t)f->until_us);
	sqlite3_str_appendall(sql, tail);
	rc = sqlite3_str_errcode(sql);
	*out = sqlite3_str_finish(sql);
	if (rc != SQLITE_OK || !*out) {
		sqlite3_free(*out);
		*out = NULL;
		free(w->p);
		w->p = NULL;
		return -ENOMEM;
	}
	return 0;
}

int results_query_prepare(struct results *r, const struct results_filter *f, const char *head,
			  const char *tail, sqlite3_stmt **out, struct diag *d)
{
	static const struct results_filter any;
	struct query_where w = { NULL, 0 };
	struct results_bind b = { NULL, SQLITE_OK };
	char *sql = NULL;
	size_t i;
	int rc, ret;

	*out = NULL;
	ret = where_build(f ? f : &any, head, tail, &sql, &w, d);
	if (ret < 0)
		return ret;
	rc = sqlite3_prepare_v2(r->db, sql, -1, &b.stmt, NULL);
	if (rc != SQLITE_OK) {
		ret = diag_set(d, results_sqlite_errno(r->db, rc),
			       "cannot select runs in '%s': %s", r->path, sqlite3_errmsg(r->db));
		goto out;
	}
	for (i = 0; i < w.n; i++) {
		if (w.p[i].text)
			results_bind_text_len(&b, (int)i + 1, w.p[i].text, w.p[i].len);
		else
			results_bind_int64(&b, (int)i + 1, w.p[i].i);
	}
	if (b.rc != SQLITE_OK) {
		ret = diag_set(d, results_sqlite_errno(r->db, b.rc),
			       "cannot select runs in '%s': cannot bind the filter: %s", r->path,
			       sqlite3_errstr(b.rc));
		goto out;
	}
	*out = TAKE_PTR(b.stmt);
out:
	sqlite3_finalize(b.stmt);
	sqlite3_free(sql);
	free(w.p);
	return ret;
}

/* A copy of a text column; NULL stays NULL. */
static int col_str(sqlite3_stmt *st, int col, char **out)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	if (!s) {
		*out = NULL;
		return 0;
	}
	*out = strdup((const char *)s);
	return *out ? 0 : -ENOMEM;
}

/* Hosts and kernels keep "unknown" as '' (schema.c): back to NULL. */
static int col_str_or_null(sqlite3_stmt *st, int col, char **out)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	if (!s || !*s) {
		*out = NULL;
		return 0;
	}
	return col_str(st, col, out);
}

static int64_t col_int_or(sqlite3_stmt *st, int col, int64_t unknown)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return unknown;
	return sqlite3_column_int64(st, col);
}

static double col_double_or(sqlite3_stmt *st, int col, double unknown)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return unknown;
	return sqlite3_column_double(st, col);
}

static int query_load_row(sqlite3_stmt *st, struct results_run *run)
{
	const char *uuid = (const char *)sqlite3_column_text(st, QC_UUID);
	const char *status = (const char *)sqlite3_column_text(st, QC_STATUS);
	int ret = 0;

	run->id = sqlite3_column_int64(st, QC_ID);
	snprintf(run->uuid, sizeof(run->uuid), "%s", uuid ? uuid : "");
	run->repetition = sqlite3_column_int(st, QC_REPETITION);
	run->started_at_us = (uint64_t)sqlite3_column_int64(st, QC_STARTED_AT_US);
	run->finished_at_us = (uint64_t)sqlite3_column_int64(st, QC_FINISHED_AT_US);
	if (results_status_parse(status, &run->status) < 0)
		run->status = RESULTS_INVALID; /* the CHECK constraint rules this out */
	run->load1 = col_double_or(st, QC_LOAD1, -1.0);
	run->host.cores = sqlite3_column_int(st, QC_CORES);
	run->measure_start_us = col_int_or(st, QC_MEASURE_START_US, -1);

	ret |= col_str(st, QC_SCENARIO, &run->scenario);
	ret |= col_str(st, QC_SCENARIO_HASH, &run->scenario_hash);
	ret |= col_str(st, QC_TOPOLOGY, &run->topology);
	ret |= col_str(st, QC_TOPOLOGY_HASH, &run->topology_hash);
	ret |= col_str(st, QC_VARIANT_JSON, &run->variant_json);
	ret |= col_str(st, QC_VARIANT_KEY, &run->variant_key);
	ret |= col_str(st, QC_REASON, &run->reason);
	ret |= col_str(st, QC_ENGINE, &run->engine);
	ret |= col_str(st, QC_ENGINE_VERSION, &run->engine_version);
	ret |= col_str(st, QC_MPTCP_METHOD, &run->mptcp_method);
	ret |= col_str(st, QC_HOSTNAME, &run->host.hostname);
	ret |= col_str(st, QC_CPU_MODEL, &run->host.cpu_model);
	ret |= col_str_or_null(st, QC_GOVERNOR, &run->host.governor);
	ret |= col_str(st, QC_RELEASE, &run->kernel.release);
	ret |= col_str(st, QC_VERSION, &run->kernel.version);
	ret |= col_str_or_null(st, QC_CONFIG_HASH, &run->kernel.config_hash);
	ret |= col_str(st, QC_DEBUG, &run->kernel.debug);
	ret |= col_str(st, QC_BOOT_MODE, &run->kernel.boot_mode);
	/* each is 0 or -ENOMEM, so the OR is one of the two */
	return ret ? -ENOMEM : 0;
}

/*
 * The child tables of a run, each read the same way: its cached statement
 * selects the rows of one run_id in order, and each row becomes one more
 * element of an array of struct results_run (grown with array_grow: a
 * report over 100 000 runs loads millions of children). A row function
 * fills the element, which arrives zeroed and already counted, so
 * results_run_release() frees whatever it copied before running out of
 * memory.
 */
struct query_child {
	enum results_stmt_id stmt;
	const char *what; /* "the %s of run" in messages */
	size_t arr_off;	  /* offsetof(struct results_run, array) */
	size_t n_off;	  /* offsetof(struct results_run, its count) */
	size_t elem;	  /* sizeof an element */
	int (*row)(sqlite3_stmt *st, void *elem); /* 0 or -ENOMEM */
};

static int query_row_kv(sqlite3_stmt *st, void *elem)
{
	struct results_kv *kv = elem;

	if (col_str(st, 0, &kv->key) < 0 || col_str(st, 1, &kv->value) < 0)
		return -ENOMEM;
	return 0;
}

static int query_row_metric(sqlite3_stmt *st, void *elem)
{
	struct results_metric *m = elem;

	m->value = col_double_or(st, 1, (double)NAN);
	return col_str(st, 0, &m->name);
}

static int query_row_interval(sqlite3_stmt *st, void *elem)
{
	struct telemetry_interval *iv = elem;

	iv->start_us = (uint64_t)sqlite3_column_int64(st, 0);
	iv->end_us = (uint64_t)sqlite3_column_int64(st, 1);
	iv->bytes = (uint64_t)sqlite3_column_int64(st, 2);
	iv->bits_per_second = col_double_or(st, 3, (double)NAN);
	iv->retransmits = col_int_or(st, 4, -1);
	iv->ideal_bps = col_double_or(st, 5, (double)NAN);
	return 0;
}

/* One direction of a shaping event from column first on (store.c's
 * order); NULL reads as 0, as a link event's are. */
static void query_shaping(sqlite3_stmt *st, int first, struct telemetry_shaping *sh)
{
	sh->rate_bps = (uint64_t)sqlite3_column_int64(st, first);
	sh->delay_us = (uint64_t)sqlite3_column_int64(st, first + 1);
	sh->jitter_us = (uint64_t)sqlite3_column_int64(st, first + 2);
	sh->loss_pct = sqlite3_column_double(st, first + 3);
	sh->reorder_pct = sqlite3_column_double(st, first + 4);
}

static int query_row_timed_event(sqlite3_stmt *st, void *elem)
{
	struct telemetry_timed_event *e = elem;
	const unsigned char *path = sqlite3_column_text(st, 2);

	e->planned_us = (uint64_t)sqlite3_column_int64(st, 0);
	e->applied_us = col_int_or(st, 1, -1);
	snprintf(e->path, sizeof(e->path), "%s", path ? (const char *)path : "");
	/* the CHECK constraint allows these three names only */
	if (telemetry_timed_action_parse((const char *)sqlite3_column_text(st, 3), &e->action) < 0)
		e->action = TELEM_EV_SHAPING;
	query_shaping(st, 4, &e->up);
	query_shaping(st, 9, &e->down);
	return 0;
}

static int query_row_mib(sqlite3_stmt *st, void *elem)
{
	struct results_mib *m = elem;

	m->delta = sqlite3_column_int64(st, 2);
	if (col_str(st, 0, &m->netns_role) < 0 || col_str(st, 1, &m->counter) < 0)
		return -ENOMEM;
	return 0;
}

static int query_row_subflow(sqlite3_stmt *st, void *elem)
{
	struct results_subflow *sf = elem;

	sf->id = (uint32_t)sqlite3_column_int64(st, 0);
	sf->bytes_sent = (uint64_t)sqlite3_column_int64(st, 3);
	sf->bytes_acked = (uint64_t)sqlite3_column_int64(st, 4);
	sf->bytes_received = (uint64_t)sqlite3_column_int64(st, 5);
	sf->retransmits = col_int_or(st, 6, -1);
	sf->backup = sqlite3_column_int(st, 7) != 0;
	if (col_str(st, 1, &sf->local) < 0 || col_str(st, 2, &sf->remote) < 0)
		return -ENOMEM;
	return 0;
}

#define QUERY_CHILD(id, what, field, fn)                                                     \
	{ id, what, offsetof(struct results_run, field), offsetof(struct results_run, n_##field), \
	  sizeof(*((struct results_run *)0)->field), fn }

/* In the order they have always been loaded; tags and metrics first (all
 * that metrics_only loads). */
#define QUERY_METRICS_ONLY 2
static const struct query_child query_children[] = {
	QUERY_CHILD(RESULTS_STMT_TAG_LOAD, "tags", tags, query_row_kv),
	QUERY_CHILD(RESULTS_STMT_METRIC_LOAD, "metrics", metrics, query_row_metric),
	QUERY_CHILD(RESULTS_STMT_INTERVAL_LOAD, "intervals", intervals, query_row_interval),
	QUERY_CHILD(RESULTS_STMT_MIB_LOAD, "mib counters", mibs, query_row_mib),
	QUERY_CHILD(RESULTS_STMT_SUBFLOW_LOAD, "subflows", subflows, query_row_subflow),
	QUERY_CHILD(RESULTS_STMT_NOISE_LOAD, "noise indicators", noise, query_row_kv),
	QUERY_CHILD(RESULTS_STMT_TIMED_EVENT_LOAD, "timed events", timed_events,
		    query_row_timed_event),
};

/* The array pointers are read and written through memcpy: the fields
 * have their own pointer types, which a void * must not alias. */
static int query_load_child(struct results *r, const struct query_child *c,
			    struct results_run *run, struct diag *d)
{
	char *field_arr = (char *)run + c->arr_off, *field_n = (char *)run + c->n_off;
	sqlite3_stmt *st;
	void *arr;
	size_t n;
	int ret;

	ret = results_child_stmt(r, c->stmt, run, &st, d);
	if (ret < 0)
		return ret;
	while ((ret = results_child_step(r, st, c->what, run, d)) > 0) {
		memcpy(&arr, field_arr, sizeof(arr));
		memcpy(&n, field_n, sizeof(n));
		arr = array_grow(arr, n, c->elem);
		if (!arr) {
			ret = -ENOMEM;
			break;
		}
		memcpy(field_arr, &arr, sizeof(arr));
		n++; /* counted before the copies, so release frees them */
		memcpy(field_n, &n, sizeof(n));
		ret = c->row(st, (char *)arr + (n - 1) * c->elem);
		if (ret < 0)
			break;
	}
	if (ret == -ENOMEM)
		diag_set(d, ret, "cannot load the %s of run '%s': out of memory", c->what, run->uuid);
	sqlite3_reset(st);
	return ret;
}

static int query_load_children(struct results *r, struct results_run *run, bool metrics_only,
			       struct diag *d)
{
	const size_t n = metrics_only ? QUERY_METRICS_ONLY : ARRAY_SIZE(query_children);

	for (size_t i = 0; i < n; i++) {
		int ret = query_load_child(r, &query_children[i], run, d);

		if (ret < 0)
			return ret;
	}
	return 0;
}

int results_query(struct results *r, const struct results_filter *f, results_run_fn fn,
		  void *arg, struct diag *d)
{
	struct results_run run;
	sqlite3_stmt *st = NULL;
	int rc, ret;

	ret = results_query_prepare(r, f, "SELECT " QUERY_RUN_COLUMNS QUERY_FROM,
			    " ORDER BY r.started_at_us, r.id", &st, d);
	if (ret < 0)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&run, 0, sizeof(run));
		ret = query_load_row(st, &run);
		if (ret < 0)
			diag_set(d, ret, "cannot load run '%s': out of memory", run.uuid);
		if (ret == 0)
			ret = query_load_children(r, &run, f && f->metrics_only, d);
		if (ret == 0 && f && (f->with_telemetry || f->with_pm_events))
			ret = results_telemetry_load(r, &run, f->with_telemetry, d);
		if (ret == 0) {
			ret = fn(&run, arg);
			if (ret < 0)
				diag_set(d, ret, "selecting runs in '%s' stopped at run '%s': %s",
					 r->path, run.uuid, strerror(-ret));
			else
				ret = 0;
		}
		results_run_release(&run);
		if (ret < 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = diag_set(d, results_sqlite_errno(r->db, rc), "cannot select runs in '%s': %s",
			       r->path, sqlite3_errmsg(r->db));
out:
	sqlite3_finalize(st);
	return ret;
}

int results_count(struct results *r, const struct results_filter *f, size_t *n,
		  struct diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc, ret;

	ret = results_query_prepare(r, f, "SELECT count(*)" QUERY_FROM, "", &st, d);
	if (ret < 0)
		return ret;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = diag_set(d, results_sqlite_errno(r->db, rc), "cannot count runs in '%s': %s",
			       r->path, sqlite3_errmsg(r->db));
		goto out;
	}
	*n = (size_t)sqlite3_column_int64(st, 0);
out:
	sqlite3_finalize(st);
	return ret;
}

int results_timed_events_load(struct results *r, const char *uuid,
			      struct telemetry_timed_event **out, size_t *n, struct diag *d)
{
	const struct query_child *c = NULL;
	struct results_run run = { 0 };
	sqlite3_stmt *st = NULL;
	int rc, ret;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(query_children); i++)
		if (query_children[i].stmt == RESULTS_STMT_TIMED_EVENT_LOAD)
			c = &query_children[i];
	rc = sqlite3_prepare_v2(r->db, "SELECT id FROM runs WHERE uuid = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = diag_set(d, -ENOENT, "no run '%s' in '%s'", uuid, r->path);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		ret = diag_set(d, results_sqlite_errno(r->db, rc),
			       "cannot load the timed events of run '%s': %s", uuid,
			       sqlite3_errmsg(r->db));
		goto out;
	}
	run.id = sqlite3_column_int64(st, 0);
	snprintf(run.uuid, sizeof(run.uuid), "%s", uuid);
	ret = query_load_child(r, c, &run, d);
	if (ret < 0) {
		free(run.timed_events);
		goto out;
	}
	*out = run.timed_events;
	*n = run.n_timed_events;
out:
	sqlite3_finalize(st);
	return ret < 0 ? ret : 0;
}
