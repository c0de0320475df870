/*
 * db.c: the connection to the results database: opening (directory,
 * pragmas, migrations), closing, the integrity check, the per-connection
 * cache of prepared statements, binding helpers and the mapping of SQLite
 * result codes to negative errno.
 *
 * Settings, and why (see the notes' section 3.4):
 *  - WAL: readers (report, export) never block the runner's writes and
 *    vice versa; still one writer at a time, same host only, never on NFS.
 *  - synchronous=FULL: a committed run survives a power loss too; one
 *    fsync per run is nothing next to a run that lasts seconds.
 *  - busy timeout 5 s, together with BEGIN IMMEDIATE for every write
 *    (store.c): a deferred transaction that upgrades to a writer gets
 *    SQLITE_BUSY at once, without waiting.
 *  - foreign_keys=ON is per connection, so it is set on every open.
 *  - SQLITE_OPEN_NOFOLLOW: the lab runs as root, the database may sit in
 *    a shared directory.
 *
 * This file does not know the tables (schema.c) nor runs (store.c,
 * query.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results_int.h"

#define RESULTS_BUSY_TIMEOUT_MS 5000

/* Column lists are spelled out so a later migration that adds a column
 * does not shift anything read by position. */
static const char *const stmt_sql[RESULTS_STMT_COUNT_] = {
	[RESULTS_STMT_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[RESULTS_STMT_COMMIT] = "COMMIT",
	[RESULTS_STMT_ROLLBACK] = "ROLLBACK",
	[RESULTS_STMT_HOST_INSERT] =
		"INSERT OR IGNORE INTO hosts (hostname, cpu_model, cores, governor) "
		"VALUES (?1, ?2, ?3, ?4)",
	[RESULTS_STMT_HOST_SELECT] =
		"SELECT id FROM hosts "
		"WHERE hostname = ?1 AND cpu_model = ?2 AND cores = ?3 AND governor = ?4",
	[RESULTS_STMT_KERNEL_INSERT] =
		"INSERT OR IGNORE INTO kernels (release, version, config_hash, debug, boot_mode) "
		"VALUES (?1, ?2, ?3, ?4, ?5)",
	[RESULTS_STMT_KERNEL_SELECT] =
		"SELECT id FROM kernels "
		"WHERE release = ?1 AND version = ?2 AND config_hash = ?3 AND debug = ?4 "
		"AND boot_mode = ?5",
	[RESULTS_STMT_RUN_INSERT] =
		"INSERT INTO runs (uuid, scenario, scenario_hash, topology, topology_hash, "
		"variant_json, variant_key, repetition, started_at_us, finished_at_us, status, "
		"reason, engine, engine_version, mptcp_method, load1, host_id, kernel_id, "
		"measure_start_us) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
		"?17, ?18, ?19)",
	[RESULTS_STMT_TAG_INSERT] = "INSERT INTO tags (run_id, key, value) VALUES (?1, ?2, ?3)",
	[RESULTS_STMT_METRIC_INSERT] =
		"INSERT INTO metrics (run_id, name, value) VALUES (?1, ?2, ?3)",
	[RESULTS_STMT_INTERVAL_INSERT] =
		"INSERT INTO intervals (run_id, idx, start_us, end_us, bytes, bps, retransmits, "
		"ideal_bps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[RESULTS_STMT_MIB_INSERT] =
		"INSERT INTO mibs (run_id, role, counter, delta) VALUES (?1, ?2, ?3, ?4)",
	[RESULTS_STMT_SUBFLOW_INSERT] =
		"INSERT INTO subflows (run_id, idx, id, local, remote, bytes_sent, bytes_acked, "
		"bytes_received, retransmits, backup) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[RESULTS_STMT_NOISE_INSERT] =
		"INSERT INTO noise (run_id, key, value) VALUES (?1, ?2, ?3)",
	[RESULTS_STMT_TAG_LOAD] = "SELECT key, value FROM tags WHERE run_id = ?1 ORDER BY key",
	[RESULTS_STMT_METRIC_LOAD] =
		"SELECT name, value FROM metrics WHERE run_id = ?1 ORDER BY name",
	[RESULTS_STMT_INTERVAL_LOAD] =
		"SELECT start_us, end_us, bytes, bps, retransmits, ideal_bps FROM intervals "
		"WHERE run_id = ?1 ORDER BY idx",
	[RESULTS_STMT_MIB_LOAD] =
		"SELECT role, counter, delta FROM mibs WHERE run_id = ?1 ORDER BY role, counter",
	[RESULTS_STMT_SUBFLOW_LOAD] =
		"SELECT id, local, remote, bytes_sent, bytes_acked, bytes_received, retransmits, "
		"backup FROM subflows WHERE run_id = ?1 ORDER BY idx",
	[RESULTS_STMT_NOISE_LOAD] = "SELECT key, value FROM noise WHERE run_id = ?1 ORDER BY key",
	[RESULTS_STMT_SAMPLE_INSERT] =
		"INSERT INTO samples (run_id, idx, t_us, role, subflow_id, local, remote, present, "
		"bytes_sent, bytes_acked, bytes_received, cwnd, srtt_us, rttvar_us, total_retrans, "
		"pacing_rate_bps, delivery_rate_bps, backup) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
		"?17, ?18)",
	[RESULTS_STMT_CONN_SAMPLE_INSERT] =
		"INSERT INTO conn_samples (run_id, idx, t_us, role, present, bytes_retrans, "
		"bytes_sent, bytes_acked, bytes_received, subflows_total, fallback) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[RESULTS_STMT_PM_EVENT_INSERT] =
		"INSERT INTO pm_events (run_id, idx, t_us, role, type, local, remote, token, error, "
		"backup) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[RESULTS_STMT_SAMPLE_LOAD] =
		"SELECT t_us, role, subflow_id, local, remote, present, bytes_sent, bytes_acked, "
		"bytes_received, cwnd, srtt_us, rttvar_us, total_retrans, pacing_rate_bps, "
		"delivery_rate_bps, backup FROM samples WHERE run_id = ?1 ORDER BY idx",
	[RESULTS_STMT_CONN_SAMPLE_LOAD] =
		"SELECT t_us, role, present, bytes_retrans, bytes_sent, bytes_acked, bytes_received, "
		"subflows_total, fallback FROM conn_samples WHERE run_id = ?1 ORDER BY idx",
	[RESULTS_STMT_PM_EVENT_LOAD] =
		"SELECT t_us, role, type, local, remote, token, error, backup FROM pm_events "
		"WHERE run_id = ?1 ORDER BY idx",
	[RESULTS_STMT_TIMED_EVENT_INSERT] =
		"INSERT INTO timed_events (run_id, idx, planned_us, applied_us, path, action, "
		"up_rate_bps, up_delay_us, up_jitter_us, up_loss_pct, up_reorder_pct, "
		"down_rate_bps, down_delay_us, down_jitter_us, down_loss_pct, down_reorder_pct) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[RESULTS_STMT_TIMED_EVENT_LOAD] =
		"SELECT planned_us, applied_us, path, action, up_rate_bps, up_delay_us, "
		"up_jitter_us, up_loss_pct, up_reorder_pct, down_rate_bps, down_delay_us, "
		"down_jitter_us, down_loss_pct, down_reorder_pct FROM timed_events "
		"WHERE run_id = ?1 ORDER BY idx",
};

int results_sqlite_errno(sqlite3 *db, int rc)
{
	int sys;

	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_CONSTRAINT:
		return -EINVAL;
	case SQLITE_CANTOPEN:
		sys = db ? sqlite3_system_errno(db) : 0;
		return sys > 0 ? -sys : -EIO;
	default:
		return -EIO;
	}
}

int results_stmt(struct results *r, enum results_stmt_id id, sqlite3_stmt **out,
		 struct diag *d)
{
	sqlite3_stmt *st = r->stmt[id];
	int rc;

	if (!st) {
		/* PERSISTENT: these live as long as the connection */
		rc = sqlite3_prepare_v3(r->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					&st, NULL);
		if (rc != SQLITE_OK)
			return diag_set(d, results_sqlite_errno(r->db, rc),
					"cannot prepare '%.40s...' on '%s': %s", stmt_sql[id],
					r->path, sqlite3_errmsg(r->db));
		r->stmt[id] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	*out = st;
	return 0;
}

int results_child_stmt(struct results *r, enum results_stmt_id id,
		       const struct results_run *run, sqlite3_stmt **out, struct diag *d)
{
	int ret = results_stmt(r, id, out, d);

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(*out, 1, run->id);
	return 0;
}

int results_child_step(struct results *r, sqlite3_stmt *st, const char *what,
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

int results_exec(struct results *r, const char *sql, struct diag *d)
{
	int rc;

	rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return diag_set(d, results_sqlite_errno(r->db, rc), "cannot run '%s' on '%s': %s",
				sql, r->path, sqlite3_errmsg(r->db));
	return 0;
}

void results_bind_text(struct results_bind *b, int idx, const char *s)
{
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_text(b->stmt, idx, s, -1, SQLITE_STATIC);
}

void results_bind_text_len(struct results_bind *b, int idx, const char *s, size_t len)
{
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_text64(b->stmt, idx, s, len, SQLITE_STATIC, SQLITE_UTF8);
}

void results_bind_int64(struct results_bind *b, int idx, int64_t v)
{
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_int64(b->stmt, idx, v);
}

void results_bind_int64_known(struct results_bind *b, int idx, int64_t v)
{
	if (b->rc == SQLITE_OK)
		b->rc = v < 0 ? sqlite3_bind_null(b->stmt, idx) : sqlite3_bind_int64(b->stmt, idx, v);
}

void results_bind_double(struct results_bind *b, int idx, double v)
{
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_double(b->stmt, idx, v);
}

static int results_mkdir_one(const char *dir, const char *path, struct diag *d)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return diag_set(d, -errno, "cannot create directory '%s' for '%s': %s", dir, path,
				strerror(errno));
	return 0;
}

/* mkdir -p of the directory part of path; the file itself is SQLite's. */
static int results_mkdir_parents(const char *path, struct diag *d)
{
	_cleanup_free_ char *dir = strdup(path);
	char *p;
	int ret;

	if (!dir)
		return -ENOMEM;
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0; /* the current directory, or / */
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ret = results_mkdir_one(dir, path, d);
		*p = '/';
		if (ret < 0)
			return ret;
	}
	return results_mkdir_one(dir, path, d);
}

/* A pragma that answers one text row: journal_mode, integrity_check. */
static int results_pragma_text(struct results *r, const char *sql, char *buf, size_t size,
			       struct diag *d)
{
	sqlite3_stmt *st = NULL;
	const char *s;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = diag_set(d, results_sqlite_errno(r->db, rc), "cannot run '%s' on '%s': %s",
			       sql, r->path, sqlite3_errmsg(r->db));
		goto out;
	}
	s = (const char *)sqlite3_column_text(st, 0);
	snprintf(buf, size, "%s", s ? s : "");
out:
	sqlite3_finalize(st);
	return ret;
}

static int results_configure(struct results *r, struct diag *d)
{
	char mode[32];
	int ret;

	sqlite3_extended_result_codes(r->db, 1);
	sqlite3_busy_timeout(r->db, RESULTS_BUSY_TIMEOUT_MS);
	/* journal_mode answers the mode it ended up in instead of failing */
	ret = results_pragma_text(r, "PRAGMA journal_mode = WAL", mode, sizeof(mode), d);
	if (ret < 0)
		return ret;
	if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)
		return diag_set(d, -EIO, "cannot use WAL journal on '%s': journal mode is '%s'",
				r->path, mode);
	ret = results_exec(r, "PRAGMA synchronous = FULL", d);
	if (ret < 0)
		return ret;
	return results_exec(r, "PRAGMA foreign_keys = ON", d);
}

int results_open(const char *path, struct results **out, struct diag *d)
{
	struct results *r;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int rc, ret;

	*out = NULL;
	if (!path || !*path) {
		path = getenv(RESULTS_DB_ENV);
		if (!path || !*path)
			path = RESULTS_DEFAULT_DB;
	}
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->path = strdup(path);
	if (!r->path) {
		ret = -ENOMEM;
		goto out;
	}
	ret = results_mkdir_parents(path, d);
	if (ret < 0)
		goto out;
	rc = sqlite3_open_v2(path, &r->db, flags, NULL);
	if (rc != SQLITE_OK) {
		ret = diag_set(d, results_sqlite_errno(r->db, rc),
			       "cannot open results database '%s': %s", path,
			       r->db ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
		goto out;
	}
	ret = results_configure(r, d);
	if (ret < 0)
		goto out;
	ret = results_schema_migrate(r, d);
out:
	if (ret < 0) {
		results_close(r);
		return ret;
	}
	*out = r;
	return 0;
}

void results_close(struct results *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < ARRAY_SIZE(r->stmt); i++)
		sqlite3_finalize(r->stmt[i]);
	/* close_v2: a statement someone forgot would otherwise keep it open */
	sqlite3_close_v2(r->db);
	free(r->path);
	free(r);
}

int results_integrity_check(struct results *r, struct diag *d)
{
	char first[512], *p;
	int ret;

	/* (1): stop at the first complaint, which is all we report */
	ret = results_pragma_text(r, "PRAGMA integrity_check(1)", first, sizeof(first), d);
	if (ret < 0)
		return ret;
	if (strcmp(first, "ok") != 0) {
		/* the complaint spans lines: keep the message on one */
		for (p = first; (p = strchr(p, '\n')); )
			*p = ' ';
		return diag_set(d, -EIO, "results database '%s' is damaged: %s", r->path, first);
	}
	return 0;
}
