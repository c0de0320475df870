/*
 * results_int.h: what the files of results/ share and nobody else sees: the
 * connection with its cache of prepared statements, the mapping of SQLite
 * result codes to negative errno, parameter binding that remembers its
 * first failure, and the schema version this binary knows.
 *
 * Nothing outside results/ includes this file; sqlite3.h stays private to
 * the module.
 */
#ifndef MPL_RESULTS_INT_H
#define MPL_RESULTS_INT_H

#include <sqlite3.h>

#include "results.h"

/* Statements prepared once per connection and reused (the hot paths:
 * storing a run, loading the children of each queried run). Their SQL is
 * in db.c, indexed by this enum. */
enum results_stmt_id {
	RESULTS_STMT_BEGIN_IMMEDIATE,
	RESULTS_STMT_COMMIT,
	RESULTS_STMT_ROLLBACK,
	RESULTS_STMT_HOST_INSERT,
	RESULTS_STMT_HOST_SELECT,
	RESULTS_STMT_KERNEL_INSERT,
	RESULTS_STMT_KERNEL_SELECT,
	RESULTS_STMT_RUN_INSERT,
	RESULTS_STMT_TAG_INSERT,
	RESULTS_STMT_METRIC_INSERT,
	RESULTS_STMT_INTERVAL_INSERT,
	RESULTS_STMT_MIB_INSERT,
	RESULTS_STMT_SUBFLOW_INSERT,
	RESULTS_STMT_NOISE_INSERT,
	RESULTS_STMT_TAG_LOAD,
	RESULTS_STMT_METRIC_LOAD,
	RESULTS_STMT_INTERVAL_LOAD,
	RESULTS_STMT_MIB_LOAD,
	RESULTS_STMT_SUBFLOW_LOAD,
	RESULTS_STMT_NOISE_LOAD,
	/* telemetry (schema version 4, telemetry.c) */
	RESULTS_STMT_SAMPLE_INSERT,
	RESULTS_STMT_CONN_SAMPLE_INSERT,
	RESULTS_STMT_PM_EVENT_INSERT,
	RESULTS_STMT_SAMPLE_LOAD,
	RESULTS_STMT_CONN_SAMPLE_LOAD,
	RESULTS_STMT_PM_EVENT_LOAD,
	/* timed events (schema version 6, store.c / query.c) */
	RESULTS_STMT_TIMED_EVENT_INSERT,
	RESULTS_STMT_TIMED_EVENT_LOAD,
	RESULTS_STMT_COUNT_
};

struct results {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[RESULTS_STMT_COUNT_];
};

/* SQLite result code (primary or extended) to 0 or a negative errno:
 * BUSY/LOCKED -EBUSY, FULL -ENOSPC, NOMEM -ENOMEM, READONLY -EROFS,
 * CONSTRAINT -EINVAL (the caller knows when it means -EEXIST), CANTOPEN the
 * system errno when there is one, everything else -EIO. */
int results_sqlite_errno(sqlite3 *db, int rc);

/* The cached statement id, prepared on first use, reset and with its
 * bindings cleared. */
int results_stmt(struct results *r, enum results_stmt_id id, sqlite3_stmt **out,
		 struct diag *d);

/* Loading the children of a run (its tags, metrics, ..., samples): the
 * cached statement id with the run's id bound to ?1; then one step of it,
 * 1 for a row, 0 when done, or <0 with "cannot load the <what> of run
 * '<uuid>': <SQLite's reason>" in d. A loader loops while the step is > 0
 * and resets the statement after. */
int results_child_stmt(struct results *r, enum results_stmt_id id,
		       const struct results_run *run, sqlite3_stmt **out, struct diag *d);
int results_child_step(struct results *r, sqlite3_stmt *st, const char *what,
		       const struct results_run *run, struct diag *d);

/* Run one statement of plain SQL without parameters (pragmas, schema
 * steps); rows are ignored. */
int results_exec(struct results *r, const char *sql, struct diag *d);

/* Binding that keeps the first failure, so a long list of binds needs one
 * check. NULL strings bind SQL NULL. */
struct results_bind {
	sqlite3_stmt *stmt;
	int rc;
};
void results_bind_text(struct results_bind *b, int idx, const char *s);
void results_bind_text_len(struct results_bind *b, int idx, const char *s, size_t len);
void results_bind_int64(struct results_bind *b, int idx, int64_t v);
/* v < 0 binds NULL: "unknown" in the database is NULL, so SQL aggregates
 * skip it. */
void results_bind_int64_known(struct results_bind *b, int idx, int64_t v);
void results_bind_double(struct results_bind *b, int idx, double v);

/* Telemetry rows of a run (telemetry.c): stored inside the caller's
 * transaction by results_run_store(), loaded by results_query() when the
 * filter asks for them (the PM events always, the samples with_samples). */
int results_telemetry_store(struct results *r, int64_t run_id, const struct results_run *run,
			    struct diag *d);
int results_telemetry_load(struct results *r, struct results_run *run, bool with_samples,
			   struct diag *d);

/* The selection of a struct results_filter (query.c): head (a SELECT
 * ending with RESULTS_QUERY_FROM, whose aliases r, h, k the WHERE uses) +
 * WHERE + tail, prepared with the filter's values bound (f NULL: every
 * run). One WHERE builder for every reader of the store. */
#define RESULTS_QUERY_FROM                                                     \
	" FROM runs r JOIN hosts h ON h.id = r.host_id"                        \
	" JOIN kernels k ON k.id = r.kernel_id"
int results_query_prepare(struct results *r, const struct results_filter *f, const char *head,
			  const char *tail, sqlite3_stmt **out, struct diag *d);

/* Schema (schema.c). */
extern const int results_schema_version;
int results_schema_migrate(struct results *r, struct diag *d);

#endif
