/*
 * schema.c: the database schema and its migrations.
 *
 * The schema version lives in PRAGMA user_version. migrations[i] takes a
 * database from version i to version i + 1; a later schema change is one
 * more array of SQL steps and one more entry in migrations[], never an edit
 * of an entry that has shipped. Each migration runs in its own BEGIN
 * IMMEDIATE transaction and re-reads user_version inside it, so two
 * processes opening a fresh database at the same time migrate it once.
 *
 * A database newer than this binary is refused rather than written: an old
 * binary would store runs that a newer schema no longer describes.
 *
 * Conventions of the tables:
 *  - hosts and kernels are shared by many runs and deduplicated by a
 *    UNIQUE over all their columns. Their "unknown" is '' (not NULL),
 *    because UNIQUE treats NULLs as distinct and would duplicate rows.
 *  - in runs and the child tables, "unknown" numbers (load1,
 *    retransmits) are NULL, so SQL aggregates skip them.
 *  - the child tables are WITHOUT ROWID with a primary key starting with
 *    run_id: loading the children of one run is one range scan, and
 *    ON DELETE CASCADE from runs finds them the same way.
 *
 * This file does not open the database (db.c) nor read or write runs.
 */
#include <errno.h>
#include <stdio.h>

#include "results_int.h"

static const char *const schema_v1[] = {
	"CREATE TABLE hosts (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	hostname TEXT NOT NULL,\n"
	"	cpu_model TEXT NOT NULL,\n"
	"	cores INTEGER NOT NULL,\n"
	"	governor TEXT NOT NULL,\n"
	"	UNIQUE (hostname, cpu_model, cores, governor)\n"
	")",

	"CREATE TABLE kernels (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	release TEXT NOT NULL,\n"
	"	version TEXT NOT NULL,\n"
	"	config_hash TEXT NOT NULL,\n"
	"	debug TEXT NOT NULL,\n"
	"	boot_mode TEXT NOT NULL,\n"
	"	UNIQUE (release, version, config_hash, debug, boot_mode)\n"
	")",

	"CREATE TABLE runs (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	uuid TEXT UNIQUE NOT NULL,\n"
	"	scenario TEXT NOT NULL,\n"
	"	scenario_hash TEXT,\n"
	"	topology TEXT,\n"
	"	topology_hash TEXT,\n"
	"	variant_json TEXT,\n"
	"	variant_key TEXT,\n"
	"	repetition INTEGER NOT NULL,\n"
	"	started_at_us INTEGER NOT NULL,\n"
	"	finished_at_us INTEGER NOT NULL,\n"
	"	status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'skipped', 'invalid')),\n"
	"	reason TEXT,\n"
	"	engine TEXT,\n"
	"	engine_version TEXT,\n"
	"	mptcp_method TEXT,\n"
	"	load1 REAL,\n"
	"	host_id INTEGER NOT NULL REFERENCES hosts (id),\n"
	"	kernel_id INTEGER NOT NULL REFERENCES kernels (id)\n"
	")",

	"CREATE TABLE tags (\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	key TEXT NOT NULL,\n"
	"	value TEXT NOT NULL,\n"
	"	PRIMARY KEY (run_id, key)\n"
	") WITHOUT ROWID",

	"CREATE TABLE metrics (\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	name TEXT NOT NULL,\n"
	"	value REAL,\n" /* NULL: NaN, which SQLite cannot store */
	"	PRIMARY KEY (run_id, name)\n"
	") WITHOUT ROWID",

	/* idx keeps the order the samples were taken in */
	"CREATE TABLE intervals (\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	idx INTEGER NOT NULL,\n"
	"	start_us INTEGER NOT NULL,\n"
	"	end_us INTEGER NOT NULL,\n"
	"	bytes INTEGER NOT NULL,\n"
	"	bps REAL,\n"
	"	retransmits INTEGER,\n"
	"	PRIMARY KEY (run_id, idx)\n"
	") WITHOUT ROWID",

	"CREATE TABLE mibs (\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	role TEXT NOT NULL,\n"
	"	counter TEXT NOT NULL,\n"
	"	delta INTEGER NOT NULL,\n"
	"	PRIMARY KEY (run_id, role, counter)\n"
	") WITHOUT ROWID",

	/* idx, not the subflow id, is the key: an id may be seen twice in a
	 * run (a subflow closed and re-joined with the same address id) */
	"CREATE TABLE subflows (\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	idx INTEGER NOT NULL,\n"
	"	id INTEGER NOT NULL,\n"
	"	local TEXT,\n"
	"	remote TEXT,\n"
	"	bytes_sent INTEGER NOT NULL,\n"
	"	bytes_acked INTEGER NOT NULL,\n"
	"	bytes_received INTEGER NOT NULL,\n"
	"	retransmits INTEGER,\n"
	"	backup INTEGER NOT NULL CHECK (backup IN (0, 1)),\n"
	"	PRIMARY KEY (run_id, idx)\n"
	") WITHOUT ROWID",

	"CREATE TABLE noise (\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	key TEXT NOT NULL,\n"
	"	value TEXT NOT NULL,\n"
	"	PRIMARY KEY (run_id, key)\n"
	") WITHOUT ROWID",

	/* comparisons: one scenario's variants over time */
	"CREATE INDEX runs_scenario_variant ON runs (scenario, variant_key, started_at_us)",
	/* queries without a scenario are ordered and ranged by time */
	"CREATE INDEX runs_started ON runs (started_at_us)",
	"CREATE INDEX runs_kernel ON runs (kernel_id)",
	"CREATE INDEX tags_key_value ON tags (key, value, run_id)",
};

/*
 * Version 2: change points found over the nightly history (report/trend.c).
 * variant_key is '' (not NULL) when the runs have none: UNIQUE treats NULLs
 * as distinct, and storing the same detection twice must find its row.
 * The UNIQUE's index, led by scenario, also answers the per-scenario query.
 */
static const char *const schema_v2[] = {
	"CREATE TABLE changepoints (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	scenario TEXT NOT NULL,\n"
	"	variant_key TEXT NOT NULL,\n"
	"	metric TEXT NOT NULL,\n"
	"	at_us INTEGER NOT NULL,\n" /* the first point of the new regime */
	"	label TEXT NOT NULL,\n"    /* its night (YYYY-MM-DD) or kernel release */
	"	median_before REAL,\n"
	"	median_after REAL,\n"
	"	p REAL,\n"
	"	detected_at_us INTEGER NOT NULL,\n"
	"	UNIQUE (scenario, variant_key, metric, at_us)\n"
	")",
};

/*
 * Version 3: the push outbox (results/outbox.c). One row per (url, run)
 * once the run was tried for that url: pushed_at_us NULL = not delivered
 * yet, retried from next_attempt_at_us on. Keyed by url first, so a
 * url's rows are one range and a run may be delivered to several urls;
 * ON DELETE CASCADE keeps it from outliving its run. `merge` never copies
 * it: delivery state belongs to the box that pushed.
 */
static const char *const schema_push_outbox[] = {
	"CREATE TABLE push_outbox (\n"
	"	url TEXT NOT NULL,\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	pushed_at_us INTEGER,\n"
	"	attempts INTEGER NOT NULL DEFAULT 0,\n"
	"	next_attempt_at_us INTEGER NOT NULL DEFAULT 0,\n"
	"	last_error TEXT,\n"
	"	PRIMARY KEY (url, run_id)\n"
	") WITHOUT ROWID",
};

/*
 * Version 4: telemetry of the native engine and the path-manager events
 * (results/telemetry.c). Many rows per run (a sample every 100 ms per
 * subflow and side), so they are kept compact: a field the kernel did not
 * report is NULL (present keeps the bits it did report), roles are
 * 'client' / 'server' as in mibs, and the key is (run_id, idx) like the
 * other child tables: one range scan per run, nothing else indexed.
 */
static const char *const schema_telemetry[] = {
	"CREATE TABLE samples (\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	idx INTEGER NOT NULL,\n"
	"	t_us INTEGER NOT NULL,\n" /* since the transfer started */
	"	role TEXT NOT NULL CHECK (role IN ('client', 'server')),\n"
	"	subflow_id INTEGER NOT NULL,\n"
	"	local TEXT,\n"
	"	remote TEXT,\n"
	"	present INTEGER NOT NULL,\n"
	"	bytes_sent INTEGER,\n"
	"	bytes_acked INTEGER,\n"
	"	bytes_received INTEGER,\n"
	"	cwnd INTEGER,\n"
	"	srtt_us INTEGER,\n"
	"	rttvar_us INTEGER,\n"
	"	total_retrans INTEGER,\n"
	"	pacing_rate_bps INTEGER,\n"
	"	delivery_rate_bps INTEGER,\n"
	"	backup INTEGER CHECK (backup IN (0, 1)),\n"
	"	PRIMARY KEY (run_id, idx)\n"
	") WITHOUT ROWID",

	"CREATE TABLE conn_samples (\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	idx INTEGER NOT NULL,\n"
	"	t_us INTEGER NOT NULL,\n"
	"	role TEXT NOT NULL CHECK (role IN ('client', 'server')),\n"
	"	present INTEGER NOT NULL,\n"
	"	bytes_retrans INTEGER,\n"
	"	bytes_sent INTEGER,\n"
	"	bytes_acked INTEGER,\n"
	"	bytes_received INTEGER,\n"
	"	subflows_total INTEGER,\n"
	"	fallback INTEGER CHECK (fallback IN (0, 1)),\n"
	"	PRIMARY KEY (run_id, idx)\n"
	") WITHOUT ROWID",

	"CREATE TABLE pm_events (\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	idx INTEGER NOT NULL,\n"
	"	t_us INTEGER NOT NULL,\n"
	"	role TEXT NOT NULL CHECK (role IN ('client', 'server')),\n"
	"	type TEXT NOT NULL,\n" /* "sub_established", ... */
	"	local TEXT,\n"
	"	remote TEXT,\n"
	"	token INTEGER,\n"
	"	error INTEGER,\n"
	"	backup INTEGER NOT NULL CHECK (backup IN (0, 1)),\n"
	"	PRIMARY KEY (run_id, idx)\n"
	") WITHOUT ROWID",
};

/*
 * Version 5: points for the time-series database that are not runs
 * (results/outbox.c): the nightly job's verdicts. A row is one line of
 * InfluxDB line protocol, formatted by push/ when the verdict was given
 * and sent as it is, so a point delivered a week late still says what
 * that night said. push_points_outbox is push_outbox's twin: one row per
 * (url, point) once the point was tried for that url, pending again from
 * next_attempt_at_us on. `merge` copies neither (they have no run_id):
 * the verdicts and their delivery belong to the box that judged.
 */
static const char *const schema_push_points[] = {
	"CREATE TABLE push_points (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	kind TEXT NOT NULL,\n" /* "verdict" */
	"	at_us INTEGER NOT NULL,\n" /* the point's timestamp */
	"	line TEXT NOT NULL\n"
	")",

	"CREATE TABLE push_points_outbox (\n"
	"	url TEXT NOT NULL,\n"
	"	point_id INTEGER NOT NULL REFERENCES push_points (id) ON DELETE CASCADE,\n"
	"	pushed_at_us INTEGER,\n"
	"	attempts INTEGER NOT NULL DEFAULT 0,\n"
	"	next_attempt_at_us INTEGER NOT NULL DEFAULT 0,\n"
	"	last_error TEXT,\n"
	"	PRIMARY KEY (url, point_id)\n"
	") WITHOUT ROWID",
};

/*
 * Version 6: what makes a run's time line explainable.
 *  - timed_events: the scenario's timed events as the run applied them
 *    (common/telemetry.h struct telemetry_timed_event): planned_us is the
 *    scenario's "at", applied_us when the runner applied it on the run's
 *    time line (NULL: never applied), action 'down' / 'up' / 'shaping',
 *    and for 'shaping' the path's whole shaping from then on, per
 *    direction (NULL: not part of it);
 *  - intervals.ideal_bps: the goodput the shaped paths allowed over each
 *    interval, as the events left them (NULL: unknown);
 *  - runs.measure_start_us: where the intervals' 0 lies on the run's time
 *    line (NULL: unknown, as for every run stored before).
 * Rows of older runs are left as they are: NULL says "not recorded".
 */
static const char *const schema_timed_events[] = {
	"CREATE TABLE timed_events (\n"
	"	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	idx INTEGER NOT NULL,\n"
	"	planned_us INTEGER NOT NULL,\n"
	"	applied_us INTEGER,\n"
	"	path TEXT NOT NULL,\n"
	"	action TEXT NOT NULL CHECK (action IN ('down', 'up', 'shaping')),\n"
	"	up_rate_bps INTEGER,\n"
	"	up_delay_us INTEGER,\n"
	"	up_jitter_us INTEGER,\n"
	"	up_loss_pct REAL,\n"
	"	up_reorder_pct REAL,\n"
	"	down_rate_bps INTEGER,\n"
	"	down_delay_us INTEGER,\n"
	"	down_jitter_us INTEGER,\n"
	"	down_loss_pct REAL,\n"
	"	down_reorder_pct REAL,\n"
	"	PRIMARY KEY (run_id, idx)\n"
	") WITHOUT ROWID",

	"ALTER TABLE intervals ADD COLUMN ideal_bps REAL",
	"ALTER TABLE runs ADD COLUMN measure_start_us INTEGER",
};

/*
 * Version 7: the regressions nightly has reported (results/regressions.c),
 * and their acknowledgements. One row per regression of a series on a
 * host: since_us is the night its new regime started (00:00 UTC; the
 * night it was first reported until a change point places it), and it is
 * reported as new once, then as known until acked_at_us is set (a person
 * ran `mptcp-lab ack`). Not per run: `merge` does not copy it (each box
 * keeps its own record of what it has told its people). A few rows a
 * month: no index.
 */
static const char *const schema_regressions[] = {
	"CREATE TABLE regressions (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	host TEXT NOT NULL,\n"
	"	scenario TEXT NOT NULL,\n"
	"	variant_key TEXT NOT NULL,\n"
	"	metric TEXT NOT NULL,\n"
	"	since_us INTEGER NOT NULL,\n"
	"	since_label TEXT NOT NULL,\n"
	"	first_reported_us INTEGER NOT NULL,\n"
	"	first_nightly TEXT,\n"
	"	last_seen_us INTEGER NOT NULL,\n"
	"	change REAL,\n"
	"	median_before REAL,\n"
	"	median_after REAL,\n"
	"	kernel_before TEXT,\n"
	"	kernel_after TEXT,\n"
	"	acked_at_us INTEGER,\n" /* NULL: open */
	"	ack_note TEXT,\n"
	"	ack_by TEXT\n"
	")",
};

struct results_migration {
	const char *const *steps;
	size_t n_steps;
};

static const struct results_migration migrations[] = {
	{ schema_v1, ARRAY_SIZE(schema_v1) }, /* 0 -> 1: the initial schema */
	{ schema_v2, ARRAY_SIZE(schema_v2) }, /* 1 -> 2: change points */
	{ schema_push_outbox, ARRAY_SIZE(schema_push_outbox) }, /* 2 -> 3: push outbox */
	{ schema_telemetry, ARRAY_SIZE(schema_telemetry) }, /* 3 -> 4: telemetry */
	{ schema_push_points, ARRAY_SIZE(schema_push_points) }, /* 4 -> 5: points to push */
	{ schema_timed_events, ARRAY_SIZE(schema_timed_events) }, /* 5 -> 6: timed events */
	{ schema_regressions, ARRAY_SIZE(schema_regressions) }, /* 6 -> 7: regressions, acks */
};

const int results_schema_version = (int)ARRAY_SIZE(migrations);

int results_schema_current(void)
{
	return results_schema_version;
}

static int schema_user_version(struct results *r, int *version, struct diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = diag_set(d, results_sqlite_errno(r->db, rc),
			       "cannot read the schema version of '%s': %s", r->path,
			       sqlite3_errmsg(r->db));
		goto out;
	}
	*version = sqlite3_column_int(st, 0);
out:
	sqlite3_finalize(st);
	return ret;
}

static int schema_refuse_newer(struct results *r, int version, struct diag *d)
{
	return diag_set(d, -ENOTSUP,
			"cannot use results database '%s': its schema version %d is newer than "
			"this mptcp-lab knows (%d); use a newer mptcp-lab",
			r->path, version, results_schema_version);
}

/* One migration, from version `from` to from + 1, in its own transaction.
 * If another process migrated past `from` meanwhile, nothing is done and
 * the caller reads the version again. */
static int schema_migrate_one(struct results *r, int from, struct diag *d)
{
	const struct results_migration *m = &migrations[from];
	char sql[64];
	int version, ret;
	size_t i;

	ret = results_exec(r, "BEGIN IMMEDIATE", d);
	if (ret < 0)
		return diag_prefix(d, "cannot migrate '%s' to schema version %d", r->path,
				   from + 1);
	ret = schema_user_version(r, &version, d);
	if (ret < 0 || version != from)
		goto out; /* another process got here first: re-read by the caller */
	for (i = 0; i < m->n_steps; i++) {
		ret = results_exec(r, m->steps[i], d);
		if (ret < 0) {
			diag_prefix(d, "cannot migrate '%s' to schema version %d (step %zu)",
				    r->path, from + 1, i + 1);
			goto out;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", from + 1);
	ret = results_exec(r, sql, d);
	if (ret < 0)
		goto out;
	ret = results_exec(r, "COMMIT", d);
out:
	/* after an error, or when there was nothing left to do */
	if (!sqlite3_get_autocommit(r->db))
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

int results_schema_migrate(struct results *r, struct diag *d)
{
	int version, ret;

	for (;;) {
		ret = schema_user_version(r, &version, d);
		if (ret < 0)
			return ret;
		if (version < 0)
			return diag_set(d, -ENOTSUP,
					"cannot use results database '%s': invalid schema version %d",
					r->path, version);
		if (version > results_schema_version)
			return schema_refuse_newer(r, version, d);
		if (version == results_schema_version)
			return 0;
		ret = schema_migrate_one(r, version, d);
		if (ret < 0)
			return ret;
	}
}
