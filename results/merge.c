/*
 * merge.c: import the runs of another box's results database into this
 * one (`mptcp-lab merge`).
 *
 * The source is ATTACHed read-only (a URI with mode=ro) to the target's
 * connection and copied with INSERT ... SELECT, in one BEGIN IMMEDIATE
 * transaction per source. Why SQL rather than results_query() +
 * results_run_store(): the copy keeps every row exactly as stored (a NULL
 * metric, an interval's idx, child tables this file has never heard of,
 * such as later migrations' telemetry), it never opens the source through
 * results_open() (which would migrate, i.e. write, another box's file),
 * and it is one statement per table instead of one per row.
 *
 * Identity is kept by value: hosts and kernels are upserted on their
 * UNIQUE columns and runs re-pointed at the target's ids; run ids are
 * remapped through a temporary table. Runs are de-duplicated by uuid, so
 * merging the same source twice imports nothing the second time.
 *
 * Child tables are found, not listed: every table of the target with a
 * foreign key from run_id to runs (id), except the push outbox, whose
 * delivery state belongs to the box that pushed. Columns are the ones the
 * target and the source have in common, so an older source (fewer
 * columns, missing tables) is read as it is; a newer source is refused.
 *
 * This file does not open the target (db.c) nor read runs into structs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "results_int.h"

/* The outbox records what this box delivered, not what a run measured. */
#define MERGE_SKIP_TABLE "push_outbox"

static int merge_fail(struct results *r, int rc, struct diag *d, const char *src, const char *what)
{
	/* a file that is not a database is bad input, not an I/O error */
	int err = (rc & 0xff) == SQLITE_NOTADB ? -EINVAL : results_sqlite_errno(r->db, rc);

	return diag_set(d, err ?: -EIO, "cannot merge '%s' into '%s': %s: %s", src, r->path, what,
			sqlite3_errmsg(r->db));
}

/* Run sql (no parameters, no rows wanted); *changes gets sqlite3_changes. */
static int merge_exec(struct results *r, const char *sql, const char *src, const char *what,
		      int64_t *changes, struct diag *d)
{
	int rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return merge_fail(r, rc, d, src, what);
	if (changes)
		*changes = sqlite3_changes64(r->db);
	return 0;
}

/* One integer from a query answering a single row. */
static int merge_int(struct results *r, const char *sql, const char *src, const char *what,
		     int64_t *out, struct diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = merge_fail(r, rc, d, src, what);
		goto out;
	}
	*out = sqlite3_column_int64(st, 0);
out:
	sqlite3_finalize(st);
	return ret;
}

/* "file:" URI of path with mode=ro; '%', '?' and '#' percent-encoded. */
static char *merge_uri(const char *path)
{
	sqlite3_str *s = sqlite3_str_new(NULL);

	sqlite3_str_appendall(s, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			sqlite3_str_appendf(s, "%%%02X", (unsigned char)*p);
		else
			sqlite3_str_appendchar(s, 1, *p);
	}
	sqlite3_str_appendall(s, "?mode=ro");
	return sqlite3_str_finish(s);
}

static void merge_names_free(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* The first column of every row sql answers (?1 bound to param, when
 * given), minus skip (NULL-terminated, or NULL), as a NULL-terminated
 * array in *out (free with merge_names_free()); what names the list in
 * messages. The array always holds n names and the NULL after them, so it
 * grows with array_grow at the count n + 1. */
static int merge_names(struct results *r, const char *sql, const char *param,
		       const char *const *skip, const char *src, const char *what, char ***out,
		       struct diag *d)
{
	sqlite3_stmt *st = NULL;
	char **names, **grown;
	size_t n = 0;
	int rc, ret = 0;

	names = array_grow(NULL, 0, sizeof(*names));
	if (!names)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && param)
		rc = sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	if (rc != SQLITE_OK) {
		ret = merge_fail(r, rc, d, src, what);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		bool skipped = false;

		for (const char *const *k = skip; k && *k; k++)
			skipped |= !strcmp(*k, name);
		if (skipped)
			continue;
		grown = array_grow(names, n + 1, sizeof(*names));
		if (!grown) {
			ret = -ENOMEM;
			goto out;
		}
		names = grown;
		names[n] = strdup(name);
		if (!names[n++]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		ret = merge_fail(r, rc, d, src, what);
out:
	sqlite3_finalize(st);
	if (ret < 0) {
		merge_names_free(names);
		return ret;
	}
	*out = names;
	return 0;
}

/* The columns of main.table that src.table also has, minus skip
 * (NULL-terminated), as a NULL-terminated array; an empty array when src
 * has no such table. Free with merge_names_free(). */
static int merge_common_columns(struct results *r, const char *table, const char *const *skip,
				char ***out, struct diag *d, const char *src)
{
	return merge_names(r,
			   "SELECT m.name FROM pragma_table_info(?1, 'main') AS m "
			   "JOIN pragma_table_info(?1, 'src') AS s ON s.name = m.name "
			   "ORDER BY m.cid",
			   table, skip, src, "cannot list columns", out, d);
}

/* `p"a", p"b"` for the names; sep joins them (", " or " AND "). With q,
 * each item is `p"a" IS q"a"` (matching rows by value, NULLs included). */
static void merge_list(sqlite3_str *s, char **names, const char *p, const char *q,
		       const char *sep)
{
	for (size_t i = 0; names[i]; i++) {
		sqlite3_str_appendf(s, "%s%s\"%w\"", i ? sep : "", p, names[i]);
		if (q)
			sqlite3_str_appendf(s, " IS %s\"%w\"", q, names[i]);
	}
}

/* INSERT OR IGNORE the hosts (or kernels) the new runs point at. */
static int merge_identity(struct results *r, const char *table, const char *fk, char **cols,
			  const char *src, struct diag *d)
{
	sqlite3_str *s = sqlite3_str_new(r->db);
	char *sql;
	int ret;

	sqlite3_str_appendf(s, "INSERT OR IGNORE INTO main.\"%w\" (", table);
	merge_list(s, cols, "", NULL, ", ");
	sqlite3_str_appendall(s, ") SELECT ");
	merge_list(s, cols, "x.", NULL, ", ");
	sqlite3_str_appendf(s, " FROM src.\"%w\" AS x WHERE x.id IN (SELECT r.\"%w\" FROM "
			    "src.runs AS r JOIN temp.merge_map AS m ON m.src_id = r.id)",
			    table, fk);
	sql = sqlite3_str_finish(s);
	if (!sql)
		return -ENOMEM;
	ret = merge_exec(r, sql, src, table, NULL, d);
	sqlite3_free(sql);
	return ret;
}

static int merge_runs(struct results *r, char **run_cols, char **host_cols, char **kernel_cols,
		      const char *src, struct diag *d)
{
	sqlite3_str *s = sqlite3_str_new(r->db);
	char *sql;
	int ret;

	sqlite3_str_appendall(s, "INSERT INTO main.runs (");
	merge_list(s, run_cols, "", NULL, ", ");
	sqlite3_str_appendall(s, ", host_id, kernel_id) SELECT ");
	merge_list(s, run_cols, "x.", NULL, ", ");
	sqlite3_str_appendall(s, ", (SELECT mh.id FROM main.hosts AS mh, src.hosts AS sh "
				 "WHERE sh.id = x.host_id AND ");
	merge_list(s, host_cols, "mh.", "sh.", " AND ");
	sqlite3_str_appendall(s, "), (SELECT mk.id FROM main.kernels AS mk, src.kernels AS sk "
				 "WHERE sk.id = x.kernel_id AND ");
	merge_list(s, kernel_cols, "mk.", "sk.", " AND ");
	sqlite3_str_appendall(s, ") FROM src.runs AS x JOIN temp.merge_map AS m "
				 "ON m.src_id = x.id ORDER BY x.id");
	sql = sqlite3_str_finish(s);
	if (!sql)
		return -ENOMEM;
	ret = merge_exec(r, sql, src, "runs", NULL, d);
	sqlite3_free(sql);
	return ret;
}

/* The target's tables whose run_id references runs (id). */
static int merge_child_tables(struct results *r, char ***out, const char *src, struct diag *d)
{
	return merge_names(r,
			   "SELECT t.name FROM main.sqlite_schema AS t WHERE t.type = 'table' "
			   "AND t.name <> '" MERGE_SKIP_TABLE "' AND EXISTS (SELECT 1 FROM "
			   "pragma_foreign_key_list(t.name, 'main') AS f "
			   "WHERE f.\"table\" = 'runs' AND f.\"from\" = 'run_id') ORDER BY t.name",
			   NULL, NULL, src, "cannot list the child tables", out, d);
}

static int merge_children(struct results *r, const char *src, struct diag *d)
{
	static const char *const skip[] = { "run_id", NULL };
	char **tables = NULL, **cols = NULL, *sql;
	sqlite3_str *s;
	int ret;

	ret = merge_child_tables(r, &tables, src, d);
	for (size_t i = 0; ret == 0 && tables[i]; i++) {
		ret = merge_common_columns(r, tables[i], skip, &cols, d, src);
		if (ret < 0)
			break;
		if (!cols[0]) { /* an older source without this table */
			merge_names_free(TAKE_PTR(cols));
			continue;
		}
		s = sqlite3_str_new(r->db);
		sqlite3_str_appendf(s, "INSERT INTO main.\"%w\" (run_id, ", tables[i]);
		merge_list(s, cols, "", NULL, ", ");
		sqlite3_str_appendall(s, ") SELECT m.dst_id, ");
		merge_list(s, cols, "x.", NULL, ", ");
		sqlite3_str_appendf(s, " FROM src.\"%w\" AS x JOIN temp.merge_map AS m "
				    "ON m.src_id = x.run_id", tables[i]);
		sql = sqlite3_str_finish(s);
		merge_names_free(TAKE_PTR(cols));
		if (!sql) {
			ret = -ENOMEM;
			break;
		}
		ret = merge_exec(r, sql, src, tables[i], NULL, d);
		sqlite3_free(sql);
	}
	merge_names_free(tables);
	return ret;
}

/* Refuse what this binary cannot read: newer schemas, non-databases. */
static int merge_check_source(struct results *r, const char *src, struct diag *d)
{
	int64_t version, has_runs;
	int ret;

	ret = merge_int(r, "PRAGMA src.user_version", src, "cannot read its schema version",
			&version, d);
	if (ret < 0)
		return ret;
	if (version > results_schema_version)
		return diag_set(d, -ENOTSUP,
				"cannot merge '%s': its schema version %lld is newer than this "
				"mptcp-lab knows (%d); merge with a newer mptcp-lab",
				src, (long long)version, results_schema_version);
	ret = merge_int(r, "SELECT count(*) FROM src.sqlite_schema WHERE type = 'table' "
			   "AND name IN ('runs', 'hosts', 'kernels')",
			src, "cannot read its tables", &has_runs, d);
	if (ret < 0)
		return ret;
	if (version < 1 || has_runs != 3)
		return diag_set(d, -EINVAL, "cannot merge '%s': not an mptcp-lab results database",
				src);
	return 0;
}

static int merge_copy(struct results *r, const char *src, struct results_merge_counts *c,
		      struct diag *d)
{
	static const char *const skip_id[] = { "id", NULL };
	static const char *const skip_run[] = { "id", "host_id", "kernel_id", NULL };
	char **run_cols = NULL, **host_cols = NULL, **kernel_cols = NULL;
	int64_t imported = 0, total = 0;
	int ret;

	ret = merge_exec(r, "CREATE TEMP TABLE IF NOT EXISTS merge_map (src_id INTEGER PRIMARY "
			    "KEY, uuid TEXT NOT NULL, dst_id INTEGER)",
			 src, "cannot create the id map", NULL, d);
	if (ret == 0)
		ret = merge_exec(r, "DELETE FROM temp.merge_map", src, "cannot clear the id map",
				 NULL, d);
	if (ret == 0)
		ret = merge_exec(r, "INSERT INTO temp.merge_map (src_id, uuid) SELECT id, uuid "
				    "FROM src.runs WHERE uuid NOT IN (SELECT uuid FROM main.runs)",
				 src, "cannot select the new runs", &imported, d);
	if (ret == 0)
		ret = merge_int(r, "SELECT count(*) FROM src.runs", src, "cannot count runs",
				&total, d);
	if (ret < 0)
		goto out;
	c->imported = (size_t)imported;
	c->present = (size_t)(total - imported);
	if (imported == 0)
		goto out;
	ret = merge_common_columns(r, "hosts", skip_id, &host_cols, d, src);
	if (ret == 0)
		ret = merge_common_columns(r, "kernels", skip_id, &kernel_cols, d, src);
	if (ret == 0)
		ret = merge_common_columns(r, "runs", skip_run, &run_cols, d, src);
	if (ret < 0)
		goto out;
	ret = merge_identity(r, "hosts", "host_id", host_cols, src, d);
	if (ret == 0)
		ret = merge_identity(r, "kernels", "kernel_id", kernel_cols, src, d);
	if (ret == 0)
		ret = merge_runs(r, run_cols, host_cols, kernel_cols, src, d);
	if (ret == 0)
		ret = merge_exec(r, "UPDATE temp.merge_map SET dst_id = (SELECT id FROM main.runs "
				    "WHERE main.runs.uuid = merge_map.uuid)",
				 src, "cannot map run ids", NULL, d);
	if (ret == 0)
		ret = merge_children(r, src, d);
out:
	merge_names_free(run_cols);
	merge_names_free(host_cols);
	merge_names_free(kernel_cols);
	return ret;
}

int results_merge(struct results *r, const char *source_path, struct results_merge_counts *out,
		  struct diag *d)
{
	struct results_merge_counts c = { 0 };
	sqlite3_stmt *st = NULL;
	char *uri = NULL;
	bool attached = false;
	int rc, ret;

	*out = c;
	uri = merge_uri(source_path);
	if (!uri)
		return -ENOMEM;
	if (access(source_path, R_OK) < 0) {
		ret = diag_set(d, -errno, "cannot merge '%s': %s", source_path, strerror(errno));
		goto out;
	}
	rc = sqlite3_prepare_v2(r->db, "ATTACH DATABASE ?1 AS src", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		ret = merge_fail(r, rc, d, source_path, "cannot attach it read-only");
		goto out;
	}
	attached = true;
	ret = merge_check_source(r, source_path, d);
	if (ret < 0)
		goto out;
	ret = merge_exec(r, "BEGIN IMMEDIATE", source_path, "cannot begin", NULL, d);
	if (ret < 0)
		goto out;
	ret = merge_copy(r, source_path, &c, d);
	if (ret == 0)
		ret = merge_exec(r, "COMMIT", source_path, "cannot commit", NULL, d);
out:
	if (!sqlite3_get_autocommit(r->db))
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(st);
	if (attached)
		sqlite3_exec(r->db, "DETACH DATABASE src", NULL, NULL, NULL);
	sqlite3_free(uri);
	if (ret == 0)
		*out = c;
	return ret;
}
