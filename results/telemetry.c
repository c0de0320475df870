/*
 * telemetry.c: the telemetry rows of a run (schema version 4): per-subflow
 * samples, per-connection samples and path-manager events, stored from and
 * loaded into the struct telemetry of the run (common/telemetry.h) as they
 * are.
 *
 * In the database, a field the kernel did not report is NULL, never 0:
 * `present` says which were reported, and loading sets only those. Which
 * column holds which field, and under which bit, is said once per table
 * (tm_subflow_cols, tm_conn_cols) for both directions. Roles are 'c'/'s'
 * in C and 'client'/'server' in SQL, as in the mibs table. Counters are
 * u64 in C and SQLite integers are signed: they are stored as their two's
 * complement, so the one value above INT64_MAX the kernel sends
 * (tcpi_pacing_rate ~0, "unlimited") reads back as itself and shows as -1
 * in SQL.
 *
 * Storing runs inside results_run_store()'s transaction (store.c), with
 * the connection's cached statements (db.c); loading runs inside
 * results_query()'s read snapshot (query.c). This file does not begin or
 * commit transactions.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_int.h"

/* ---- the optional columns ----------------------------------------------------- */

/* One field a sample may lack: its presence bit and where it lives (a
 * u64, a u32 or a bool). The tables list them in the order of the
 * INSERT's parameters and of the SELECT's columns (db.c). */
struct tm_col {
	uint32_t bit;
	unsigned short off;
	unsigned char size;
};

#define TM_COL(type, field, b) { (b), offsetof(type, field), sizeof(((type *)0)->field) }
#define TM_SF(field, b) TM_COL(struct telemetry_subflow_sample, field, b)
#define TM_CONN(field, b) TM_COL(struct telemetry_conn_sample, field, b)

static const struct tm_col tm_subflow_cols[] = {
	TM_SF(bytes_sent, TELEM_BYTES_SENT),
	TM_SF(bytes_acked, TELEM_BYTES_ACKED),
	TM_SF(bytes_received, TELEM_BYTES_RECEIVED),
	TM_SF(cwnd, TELEM_CWND),
	TM_SF(srtt_us, TELEM_SRTT),
	TM_SF(rttvar_us, TELEM_RTTVAR),
	TM_SF(total_retrans, TELEM_RETRANS),
	TM_SF(pacing_rate_bps, TELEM_PACING_RATE),
	TM_SF(delivery_rate_bps, TELEM_DELIVERY_RATE),
	TM_SF(backup, TELEM_BACKUP),
};

static const struct tm_col tm_conn_cols[] = {
	TM_CONN(bytes_retrans, TELEM_C_BYTES_RETRANS),
	TM_CONN(bytes_sent, TELEM_C_BYTES_SENT),
	TM_CONN(bytes_acked, TELEM_C_BYTES_ACKED),
	TM_CONN(bytes_received, TELEM_C_BYTES_RECEIVED),
	TM_CONN(subflows_total, TELEM_C_SUBFLOWS_TOTAL),
	TM_CONN(fallback, TELEM_C_FALLBACK),
};

static uint64_t tm_col_get(const void *obj, const struct tm_col *c)
{
	const char *p = (const char *)obj + c->off;
	uint64_t v64;
	uint32_t v32;
	bool b;

	switch (c->size) {
	case sizeof(v64):
		memcpy(&v64, p, sizeof(v64));
		return v64;
	case sizeof(v32):
		memcpy(&v32, p, sizeof(v32));
		return v32;
	}
	memcpy(&b, p, sizeof(b));
	return b ? 1 : 0;
}

static void tm_col_set(void *obj, const struct tm_col *c, uint64_t v)
{
	char *p = (char *)obj + c->off;
	uint32_t v32 = (uint32_t)v;
	bool b = v != 0;

	switch (c->size) {
	case sizeof(v):
		memcpy(p, &v, sizeof(v));
		return;
	case sizeof(v32):
		memcpy(p, &v32, sizeof(v32));
		return;
	}
	memcpy(p, &b, sizeof(b));
}

static const char *tm_role_sql(char role)
{
	return role == 'c' ? "client" : role == 's' ? "server" : NULL;
}

static char tm_role_c(const unsigned char *sql)
{
	return sql && !strcmp((const char *)sql, "server") ? 's' : 'c';
}

/* ---- storing -------------------------------------------------------------------- */

struct tm_store {
	struct results *r;
	const struct results_run *run;
	int64_t run_id;
	struct diag *d;
};

/* Row i of a telemetry table: its statement, with what every such row
 * starts with bound (run_id, idx, t_us, role). */
static int tm_row(struct tm_store *c, struct results_bind *b, enum results_stmt_id id,
		  const char *what, size_t i, uint64_t t_us, char role)
{
	const char *sql_role = tm_role_sql(role);
	int ret;

	if (!sql_role)
		return diag_set(c->d, -EINVAL,
				"cannot store run '%s': %s %zu has role '%c' (not 'c' or 's')",
				c->run->uuid, what, i, role ? role : '?');
	*b = (struct results_bind){ NULL, SQLITE_OK };
	ret = results_stmt(c->r, id, &b->stmt, c->d);
	if (ret < 0)
		return ret;
	results_bind_int64(b, 1, c->run_id);
	results_bind_int64(b, 2, (int64_t)i);
	results_bind_int64(b, 3, (int64_t)t_us);
	results_bind_text(b, 4, sql_role);
	return 0;
}

/* The optional columns of obj from parameter first on; an absent field
 * stays NULL. */
static void tm_bind_cols(struct results_bind *b, int first, const struct tm_col *cols,
			 size_t n, const void *obj, uint32_t present)
{
	for (size_t i = 0; i < n; i++)
		if (present & cols[i].bit)
			results_bind_int64(b, first + (int)i, (int64_t)tm_col_get(obj, &cols[i]));
}

/* "" is unknown: NULL in SQL. */
static void tm_bind_addr(struct results_bind *b, int idx, const char *s)
{
	if (s[0])
		results_bind_text(b, idx, s);
}

/* Step one bound insert; on failure "cannot store run '<uuid>' in '<db>':
 * cannot insert <what> <i>: <SQLite's reason>". */
static int __attribute__((format(printf, 3, 4)))
tm_step(struct tm_store *c, struct results_bind *b, const char *fmt, ...)
{
	const char *reason;
	char what[128];
	va_list ap;
	int rc = b->rc, err;

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(b->stmt);
		if (rc == SQLITE_DONE) {
			sqlite3_reset(b->stmt);
			return 0;
		}
	}
	reason = sqlite3_errcode(c->r->db) == SQLITE_OK ? sqlite3_errstr(rc) :
							  sqlite3_errmsg(c->r->db);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	err = diag_set(c->d, results_sqlite_errno(c->r->db, rc),
		       "cannot store run '%s' in '%s': cannot insert %s: %s", c->run->uuid,
		       c->r->path, what, reason);
	sqlite3_reset(b->stmt);
	return err ? err : -EIO;
}

static int tm_store_subflows(struct tm_store *c, const struct telemetry *t)
{
	struct results_bind b;
	int ret = 0;

	for (size_t i = 0; i < t->n_subflows && ret >= 0; i++) {
		const struct telemetry_subflow_sample *s = &t->subflows[i];

		ret = tm_row(c, &b, RESULTS_STMT_SAMPLE_INSERT, "sample", i, s->t_us, s->role);
		if (ret < 0)
			break;
		results_bind_int64(&b, 5, s->subflow_id);
		tm_bind_addr(&b, 6, s->local);
		tm_bind_addr(&b, 7, s->remote);
		results_bind_int64(&b, 8, s->present);
		tm_bind_cols(&b, 9, tm_subflow_cols, ARRAY_SIZE(tm_subflow_cols), s, s->present);
		ret = tm_step(c, &b, "sample %zu", i);
	}
	return ret;
}

static int tm_store_conns(struct tm_store *c, const struct telemetry *t)
{
	struct results_bind b;
	int ret = 0;

	for (size_t i = 0; i < t->n_conns && ret >= 0; i++) {
		const struct telemetry_conn_sample *s = &t->conns[i];

		ret = tm_row(c, &b, RESULTS_STMT_CONN_SAMPLE_INSERT, "connection sample", i,
			     s->t_us, s->role);
		if (ret < 0)
			break;
		results_bind_int64(&b, 5, s->present);
		tm_bind_cols(&b, 6, tm_conn_cols, ARRAY_SIZE(tm_conn_cols), s, s->present);
		ret = tm_step(c, &b, "connection sample %zu", i);
	}
	return ret;
}

static int tm_store_events(struct tm_store *c, const struct telemetry *t)
{
	struct results_bind b;
	int ret = 0;

	for (size_t i = 0; i < t->n_events && ret >= 0; i++) {
		const struct telemetry_pm_event *e = &t->events[i];

		ret = tm_row(c, &b, RESULTS_STMT_PM_EVENT_INSERT, "path-manager event", i, e->t_us,
			     e->role);
		if (ret < 0)
			break;
		results_bind_text(&b, 5, e->type);
		tm_bind_addr(&b, 6, e->local);
		tm_bind_addr(&b, 7, e->remote);
		if (e->token)
			results_bind_int64(&b, 8, e->token);
		if (e->error)
			results_bind_int64(&b, 9, e->error);
		results_bind_int64(&b, 10, e->backup ? 1 : 0);
		ret = tm_step(c, &b, "path-manager event %zu (%s)", i, e->type);
	}
	return ret;
}

int results_telemetry_store(struct results *r, int64_t run_id, const struct results_run *run,
			    struct diag *d)
{
	struct tm_store c = { r, run, run_id, d };
	int ret;

	ret = tm_store_subflows(&c, &run->telem);
	if (ret >= 0)
		ret = tm_store_conns(&c, &run->telem);
	if (ret >= 0)
		ret = tm_store_events(&c, &run->telem);
	return ret;
}

/* ---- loading -------------------------------------------------------------------- */

/* The optional columns of a row from column first on into obj, adding
 * the bit of each that is not NULL to *present. */
static void tm_col_read(sqlite3_stmt *st, int first, const struct tm_col *cols, size_t n,
			void *obj, uint32_t *present)
{
	for (size_t i = 0; i < n; i++) {
		int col = first + (int)i;

		if (sqlite3_column_type(st, col) == SQLITE_NULL)
			continue;
		tm_col_set(obj, &cols[i], (uint64_t)sqlite3_column_int64(st, col));
		*present |= cols[i].bit;
	}
}

static void tm_col_text(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(buf, size, "%s", s ? (const char *)s : "");
}

/* One row of each table into t, after its t_us and role (columns 0 and
 * 1 of every telemetry table): 0 or -ENOMEM. */
static int tm_load_subflow(sqlite3_stmt *st, uint64_t t_us, char role, struct telemetry *t)
{
	struct telemetry_subflow_sample s = { .t_us = t_us, .role = role };
	/* the bits that say which columns were stored; each column read
	 * back adds its bit again */
	uint32_t stored = (uint32_t)sqlite3_column_int64(st, 5);

	s.subflow_id = (uint32_t)sqlite3_column_int64(st, 2);
	tm_col_text(st, 3, s.local, sizeof(s.local));
	tm_col_text(st, 4, s.remote, sizeof(s.remote));
	s.present = stored & TELEM_ADDRS;
	tm_col_read(st, 6, tm_subflow_cols, ARRAY_SIZE(tm_subflow_cols), &s, &s.present);
	return telemetry_add_subflow(t, &s);
}

static int tm_load_conn(sqlite3_stmt *st, uint64_t t_us, char role, struct telemetry *t)
{
	struct telemetry_conn_sample s = { .t_us = t_us, .role = role };

	tm_col_read(st, 3, tm_conn_cols, ARRAY_SIZE(tm_conn_cols), &s, &s.present);
	return telemetry_add_conn(t, &s);
}

static int tm_load_event(sqlite3_stmt *st, uint64_t t_us, char role, struct telemetry *t)
{
	struct telemetry_pm_event e = { .t_us = t_us, .role = role };

	tm_col_text(st, 2, e.type, sizeof(e.type));
	tm_col_text(st, 3, e.local, sizeof(e.local));
	tm_col_text(st, 4, e.remote, sizeof(e.remote));
	e.token = (uint32_t)sqlite3_column_int64(st, 5); /* NULL reads as 0 */
	e.error = sqlite3_column_int(st, 6);
	e.backup = sqlite3_column_int(st, 7) != 0;
	return telemetry_add_event(t, &e);
}

typedef int (*tm_row_fn)(sqlite3_stmt *st, uint64_t t_us, char role, struct telemetry *t);

/* Every row of statement id into run->telem, one row_fn call each. */
static int tm_load(struct results *r, struct results_run *run, enum results_stmt_id id,
		   const char *what, tm_row_fn row_fn, struct diag *d)
{
	sqlite3_stmt *st;
	int ret;

	ret = results_child_stmt(r, id, run, &st, d);
	if (ret < 0)
		return ret;
	while ((ret = results_child_step(r, st, what, run, d)) > 0) {
		uint64_t t_us = (uint64_t)sqlite3_column_int64(st, 0);
		char role = tm_role_c(sqlite3_column_text(st, 1));

		if (row_fn(st, t_us, role, &run->telem) < 0) {
			ret = diag_set(d, -ENOMEM, "cannot load the %s of run '%s': out of memory",
				       what, run->uuid);
			break;
		}
	}
	sqlite3_reset(st);
	return ret;
}

int results_telemetry_load(struct results *r, struct results_run *run, bool with_samples,
			   struct diag *d)
{
	int ret = 0;

	if (with_samples) {
		ret = tm_load(r, run, RESULTS_STMT_SAMPLE_LOAD, "samples", tm_load_subflow, d);
		if (ret >= 0)
			ret = tm_load(r, run, RESULTS_STMT_CONN_SAMPLE_LOAD, "connection samples",
				      tm_load_conn, d);
	}
	if (ret >= 0)
		ret = tm_load(r, run, RESULTS_STMT_PM_EVENT_LOAD, "path-manager events",
			      tm_load_event, d);
	return ret < 0 ? ret : 0;
}
