/*
 * sqlite_witness.h: the tests' independent witness of what results/
 * stored: sqlite3 itself, opened on the file, never through results/.
 * Header-only, for the unit tests that link sqlite3.
 */
#ifndef MPL_TEST_SQLITE_WITNESS_H
#define MPL_TEST_SQLITE_WITNESS_H

#include <stdio.h>

#include <sqlite3.h>

/* One integer from a query, or -1 (the failure is said on stderr). */
static inline long long raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "witness query '%s' on '%s' failed: %s\n", sql, path,
			sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Run SQL on the file; the SQLite result code. */
static inline int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

#endif
