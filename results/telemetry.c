/*
 * telemetry.c: the telemetry rows of a run (schema version 4): per-subflow
 * samples, per-connection samples and path-manager events.
 *
 * In memory they are the struct telemetry of the run (common/telemetry.h),
 * stored and loaded as they are.
 *
 * In the database, a field the kernel did not report is NULL, never 0:
 * `present` says which were reported, and loading sets only those. Roles
 * are 'c'/'s' in C and 'client'/'server' in SQL, as in the mibs table.
 * Counters are u64 in C and SQLite integers are signed: they are stored
 * as their two's complement, so the one value above INT64_MAX the kernel
 * sends (tcpi_pacing_rate ~0, "unlimited") reads back as itself and shows
 * as -1 in SQL.
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

static int tm_bad_role(struct tm_store *c, const char *what, size_t i, char role)
{
	return diag_set(c->d, -EINVAL, "cannot store run '%s': %s %zu has role '%c' (not 'c' or 's')",
			c->run->uuid, what, i, role ? role : '?');
}

/* "" is unknown: NULL in SQL. */
static void tm_bind_addr(struct results_bind *b, int idx, const char *s)
{
	if (s[0])
		results_bind_text(b, idx, s);
}

static void tm_bind_if(struct results_bind *b, int idx, uint32_t present, uint32_t bit,
		       uint64_t v)
{
	if (present & bit)
		results_bind_int64(b, idx, (int64_t)v);
}

static int tm_store_samples(struct tm_store *c)
{
	struct results_bind b;
	int ret;

	for (size_t i = 0; i < c->run->telem.n_subflows; i++) {
		const struct telemetry_subflow_sample *s = &c->run->telem.subflows[i];
		const char *role = tm_role_sql(s->role);

		if (!role)
			return tm_bad_role(c, "sample", i, s->role);
		b = (struct results_bind){ NULL, SQLITE_OK };
		ret = results_stmt(c->r, RESULTS_STMT_SAMPLE_INSERT, &b.stmt, c->d);
		if (ret < 0)
			return ret;
		results_bind_int64(&b, 1, c->run_id);
		results_bind_int64(&b, 2, (int64_t)i);
		results_bind_int64(&b, 3, (int64_t)s->t_us);
		results_bind_text(&b, 4, role);
		results_bind_int64(&b, 5, s->subflow_id);
		tm_bind_addr(&b, 6, s->local);
		tm_bind_addr(&b, 7, s->remote);
		results_bind_int64(&b, 8, s->present);
		tm_bind_if(&b, 9, s->present, TELEM_BYTES_SENT, s->bytes_sent);
		tm_bind_if(&b, 10, s->present, TELEM_BYTES_ACKED, s->bytes_acked);
		tm_bind_if(&b, 11, s->present, TELEM_BYTES_RECEIVED, s->bytes_received);
		tm_bind_if(&b, 12, s->present, TELEM_CWND, s->cwnd);
		tm_bind_if(&b, 13, s->present, TELEM_SRTT, s->srtt_us);
		tm_bind_if(&b, 14, s->present, TELEM_RTTVAR, s->rttvar_us);
		tm_bind_if(&b, 15, s->present, TELEM_RETRANS, s->total_retrans);
		tm_bind_if(&b, 16, s->present, TELEM_PACING_RATE, s->pacing_rate_bps);
		tm_bind_if(&b, 17, s->present, TELEM_DELIVERY_RATE, s->delivery_rate_bps);
		tm_bind_if(&b, 18, s->present, TELEM_BACKUP, s->backup ? 1 : 0);
		ret = tm_step(c, &b, "sample %zu", i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int tm_store_conn_samples(struct tm_store *c)
{
	struct results_bind b;
	int ret;

	for (size_t i = 0; i < c->run->telem.n_conns; i++) {
		const struct telemetry_conn_sample *s = &c->run->telem.conns[i];
		const char *role = tm_role_sql(s->role);

		if (!role)
			return tm_bad_role(c, "connection sample", i, s->role);
		b = (struct results_bind){ NULL, SQLITE_OK };
		ret = results_stmt(c->r, RESULTS_STMT_CONN_SAMPLE_INSERT, &b.stmt, c->d);
		if (ret < 0)
			return ret;
		results_bind_int64(&b, 1, c->run_id);
		results_bind_int64(&b, 2, (int64_t)i);
		results_bind_int64(&b, 3, (int64_t)s->t_us);
		results_bind_text(&b, 4, role);
		results_bind_int64(&b, 5, s->present);
		tm_bind_if(&b, 6, s->present, TELEM_C_BYTES_RETRANS, s->bytes_retrans);
		tm_bind_if(&b, 7, s->present, TELEM_C_BYTES_SENT, s->bytes_sent);
		tm_bind_if(&b, 8, s->present, TELEM_C_BYTES_ACKED, s->bytes_acked);
		tm_bind_if(&b, 9, s->present, TELEM_C_BYTES_RECEIVED, s->bytes_received);
		tm_bind_if(&b, 10, s->present, TELEM_C_SUBFLOWS_TOTAL, s->subflows_total);
		tm_bind_if(&b, 11, s->present, TELEM_C_FALLBACK, s->fallback ? 1 : 0);
		ret = tm_step(c, &b, "connection sample %zu", i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int tm_store_pm_events(struct tm_store *c)
{
	struct results_bind b;
	int ret;

	for (size_t i = 0; i < c->run->telem.n_events; i++) {
		const struct telemetry_pm_event *e = &c->run->telem.events[i];
		const char *role = tm_role_sql(e->role);

		if (!role)
			return tm_bad_role(c, "path-manager event", i, e->role);
		b = (struct results_bind){ NULL, SQLITE_OK };
		ret = results_stmt(c->r, RESULTS_STMT_PM_EVENT_INSERT, &b.stmt, c->d);
		if (ret < 0)
			return ret;
		results_bind_int64(&b, 1, c->run_id);
		results_bind_int64(&b, 2, (int64_t)i);
		results_bind_int64(&b, 3, (int64_t)e->t_us);
		results_bind_text(&b, 4, role);
		results_bind_text(&b, 5, e->type);
		tm_bind_addr(&b, 6, e->local);
		tm_bind_addr(&b, 7, e->remote);
		if (e->token)
			results_bind_int64(&b, 8, e->token);
		if (e->error)
			results_bind_int64(&b, 9, e->error);
		results_bind_int64(&b, 10, e->backup ? 1 : 0);
		ret = tm_step(c, &b, "path-manager event %zu (%s)", i, e->type);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int results_telemetry_store(struct results *r, int64_t run_id, const struct results_run *run,
			    struct diag *d)
{
	struct tm_store c = { r, run, run_id, d };
	int ret;

	ret = tm_store_samples(&c);
	if (ret >= 0)
		ret = tm_store_conn_samples(&c);
	if (ret >= 0)
		ret = tm_store_pm_events(&c);
	return ret;
}

/* ---- loading -------------------------------------------------------------------- */

/* Step a load statement: 1 for a row, 0 when done, <0 with the diag set. */
static int tm_load_step(struct results *r, sqlite3_stmt *st, const char *what,
			const struct results_run *run, struct diag *d)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return diag_set(d, results_sqlite_errno(r->db, rc), "cannot load the %s of run '%s': %s",
			what, run->uuid, sqlite3_errmsg(r->db));
}

/* Column col into *v and bit into *present, unless it is NULL. */
static void tm_col_u64(sqlite3_stmt *st, int col, uint32_t bit, uint32_t *present, uint64_t *v)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return;
	*v = (uint64_t)sqlite3_column_int64(st, col);
	*present |= bit;
}

static void tm_col_u32(sqlite3_stmt *st, int col, uint32_t bit, uint32_t *present, uint32_t *v)
{
	uint64_t x = 0;

	tm_col_u64(st, col, bit, present, &x);
	if (*present & bit)
		*v = (uint32_t)x;
}

static void tm_col_text(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(buf, size, "%s", s ? (const char *)s : "");
}

static int tm_prepare(struct results *r, enum results_stmt_id id, const struct results_run *run,
		      sqlite3_stmt **st, struct diag *d)
{
	int ret = results_stmt(r, id, st, d);

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(*st, 1, run->id);
	return 0;
}

static int tm_oom(struct diag *d, const char *what, const struct results_run *run)
{
	return diag_set(d, -ENOMEM, "cannot load the %s of run '%s': out of memory", what,
			run->uuid);
}

static int tm_load_samples(struct results *r, struct results_run *run, struct diag *d)
{
	sqlite3_stmt *st;
	int ret;

	ret = tm_prepare(r, RESULTS_STMT_SAMPLE_LOAD, run, &st, d);
	if (ret < 0)
		return ret;
	while ((ret = tm_load_step(r, st, "samples", run, d)) > 0) {
		struct telemetry_subflow_sample s = { 0 };
		/* the bits that say which columns were stored; each column
		 * read back adds its bit again */
		uint32_t stored = (uint32_t)sqlite3_column_int64(st, 5);

		s.t_us = (uint64_t)sqlite3_column_int64(st, 0);
		s.role = tm_role_c(sqlite3_column_text(st, 1));
		s.subflow_id = (uint32_t)sqlite3_column_int64(st, 2);
		tm_col_text(st, 3, s.local, sizeof(s.local));
		tm_col_text(st, 4, s.remote, sizeof(s.remote));
		s.present = stored & TELEM_ADDRS;
		tm_col_u64(st, 6, TELEM_BYTES_SENT, &s.present, &s.bytes_sent);
		tm_col_u64(st, 7, TELEM_BYTES_ACKED, &s.present, &s.bytes_acked);
		tm_col_u64(st, 8, TELEM_BYTES_RECEIVED, &s.present, &s.bytes_received);
		tm_col_u32(st, 9, TELEM_CWND, &s.present, &s.cwnd);
		tm_col_u32(st, 10, TELEM_SRTT, &s.present, &s.srtt_us);
		tm_col_u32(st, 11, TELEM_RTTVAR, &s.present, &s.rttvar_us);
		tm_col_u32(st, 12, TELEM_RETRANS, &s.present, &s.total_retrans);
		tm_col_u64(st, 13, TELEM_PACING_RATE, &s.present, &s.pacing_rate_bps);
		tm_col_u64(st, 14, TELEM_DELIVERY_RATE, &s.present, &s.delivery_rate_bps);
		if (sqlite3_column_type(st, 15) != SQLITE_NULL) {
			s.backup = sqlite3_column_int(st, 15) != 0;
			s.present |= TELEM_BACKUP;
		}
		if (telemetry_add_subflow(&run->telem, &s) < 0) {
			ret = tm_oom(d, "samples", run);
			break;
		}
	}
	sqlite3_reset(st);
	return ret;
}

static int tm_load_conn_samples(struct results *r, struct results_run *run, struct diag *d)
{
	sqlite3_stmt *st;
	int ret;

	ret = tm_prepare(r, RESULTS_STMT_CONN_SAMPLE_LOAD, run, &st, d);
	if (ret < 0)
		return ret;
	while ((ret = tm_load_step(r, st, "connection samples", run, d)) > 0) {
		struct telemetry_conn_sample s = { 0 };

		s.t_us = (uint64_t)sqlite3_column_int64(st, 0);
		s.role = tm_role_c(sqlite3_column_text(st, 1));
		tm_col_u64(st, 3, TELEM_C_BYTES_RETRANS, &s.present, &s.bytes_retrans);
		tm_col_u64(st, 4, TELEM_C_BYTES_SENT, &s.present, &s.bytes_sent);
		tm_col_u64(st, 5, TELEM_C_BYTES_ACKED, &s.present, &s.bytes_acked);
		tm_col_u64(st, 6, TELEM_C_BYTES_RECEIVED, &s.present, &s.bytes_received);
		tm_col_u32(st, 7, TELEM_C_SUBFLOWS_TOTAL, &s.present, &s.subflows_total);
		if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
			s.fallback = sqlite3_column_int(st, 8) != 0;
			s.present |= TELEM_C_FALLBACK;
		}
		if (telemetry_add_conn(&run->telem, &s) < 0) {
			ret = tm_oom(d, "connection samples", run);
			break;
		}
	}
	sqlite3_reset(st);
	return ret;
}

static int tm_load_pm_events(struct results *r, struct results_run *run, struct diag *d)
{
	sqlite3_stmt *st;
	int ret;

	ret = tm_prepare(r, RESULTS_STMT_PM_EVENT_LOAD, run, &st, d);
	if (ret < 0)
		return ret;
	while ((ret = tm_load_step(r, st, "path-manager events", run, d)) > 0) {
		struct telemetry_pm_event e = { 0 };

		e.t_us = (uint64_t)sqlite3_column_int64(st, 0);
		e.role = tm_role_c(sqlite3_column_text(st, 1));
		tm_col_text(st, 2, e.type, sizeof(e.type));
		tm_col_text(st, 3, e.local, sizeof(e.local));
		tm_col_text(st, 4, e.remote, sizeof(e.remote));
		e.token = (uint32_t)sqlite3_column_int64(st, 5); /* NULL reads as 0 */
		e.error = sqlite3_column_int(st, 6);
		e.backup = sqlite3_column_int(st, 7) != 0;
		if (telemetry_add_event(&run->telem, &e) < 0) {
			ret = tm_oom(d, "path-manager events", run);
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
		ret = tm_load_samples(r, run, d);
		if (ret >= 0)
			ret = tm_load_conn_samples(r, run, d);
	}
	if (ret >= 0)
		ret = tm_load_pm_events(r, run, d);
	return ret < 0 ? ret : 0;
}
