/*
 * kernels.c: which kernels the database holds runs of (results_kernels of
 * results.h), for `mptcp-lab kernels`.
 *
 * One grouped SELECT over the runs a struct results_filter selects (the
 * WHERE builder of query.c, shared with `runs`, `export` and `compare`),
 * one row per kernels row: its identity (release, version, config_hash,
 * debug, boot_mode), the run counts, the first and last start, and the
 * distinct host names. Nothing but those columns is read, so the listing
 * costs one index walk, not a load of every run.
 *
 * This file does not write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "results_int.h"

static int dup_or_null(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static void summary_release(struct results_kernel_summary *k)
{
	free(k->kernel.release);
	free(k->kernel.version);
	free(k->kernel.config_hash);
	free(k->kernel.debug);
	free(k->kernel.boot_mode);
	for (size_t i = 0; i < k->n_hosts; i++)
		free(k->hosts[i]);
	free(k->hosts);
}

void results_kernel_list_release(struct results_kernel_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		summary_release(&l->k[i]);
	free(l->k);
	l->k = NULL;
	l->n = 0;
}

/* hostname into the sorted set of hosts. */
static int add_host(struct results_kernel_summary *s, const char *hostname)
{
	size_t at = 0;
	char **grown, *copy;
	int c;

	if (!hostname)
		hostname = "";
	for (at = 0; at < s->n_hosts; at++) {
		c = strcmp(s->hosts[at], hostname);
		if (!c)
			return 0;
		if (c > 0)
			break;
	}
	copy = strdup(hostname);
	grown = copy ? array_grow(s->hosts, s->n_hosts, sizeof(*grown)) : NULL;
	if (!grown) {
		free(copy);
		return -ENOMEM;
	}
	s->hosts = grown;
	memmove(&s->hosts[at + 1], &s->hosts[at], (s->n_hosts - at) * sizeof(*grown));
	s->hosts[at] = copy;
	s->n_hosts++;
	return 0;
}

/* "a,b,c" (group_concat of distinct names) into the sorted set. */
static int add_hosts(struct results_kernel_summary *s, const char *list)
{
	while (list && *list) {
		size_t len = strcspn(list, ",");
		char *name = strndup(list, len);
		int r;

		if (!name)
			return -ENOMEM;
		r = add_host(s, name);
		free(name);
		if (r < 0)
			return r;
		list += len + (list[len] == ',');
	}
	return 0;
}

int results_kernels(struct results *r, const struct results_filter *f,
		    struct results_kernel_list *out, struct diag *d)
{
	/* host names have no ',' (RFC 1123), so group_concat's separator
	 * cannot be ambiguous */
	static const char head[] =
		"SELECT k.release, k.version, k.config_hash, k.debug, k.boot_mode, count(*), "
		"sum(r.status = 'ok'), min(r.started_at_us), max(r.started_at_us), "
		"group_concat(DISTINCT h.hostname)" RESULTS_QUERY_FROM;
	static const char tail[] =
		" GROUP BY k.id ORDER BY k.release, k.boot_mode, k.version, k.config_hash, k.debug";
	struct results_kernel_list l = { NULL, 0 };
	sqlite3_stmt *st = NULL;
	int rc, ret;

	ret = results_query_prepare(r, f, head, tail, &st, d);
	if (ret < 0)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct results_kernel_summary *s, *grown;
		const char *hash;

		grown = array_grow(l.k, l.n, sizeof(*grown));
		if (!grown)
			goto nomem;
		l.k = grown;
		s = &l.k[l.n++];
		ret = dup_or_null((const char *)sqlite3_column_text(st, 0), &s->kernel.release);
		ret |= dup_or_null((const char *)sqlite3_column_text(st, 1), &s->kernel.version);
		/* stored as '' when unknown (it is part of a UNIQUE key) */
		hash = (const char *)sqlite3_column_text(st, 2);
		ret |= dup_or_null(hash && *hash ? hash : NULL, &s->kernel.config_hash);
		ret |= dup_or_null((const char *)sqlite3_column_text(st, 3), &s->kernel.debug);
		ret |= dup_or_null((const char *)sqlite3_column_text(st, 4), &s->kernel.boot_mode);
		s->n_runs = (size_t)sqlite3_column_int64(st, 5);
		s->n_ok = (size_t)sqlite3_column_int64(st, 6);
		s->first_us = (uint64_t)sqlite3_column_int64(st, 7);
		s->last_us = (uint64_t)sqlite3_column_int64(st, 8);
		ret |= add_hosts(s, (const char *)sqlite3_column_text(st, 9));
		if (ret)
			goto nomem;
	}
	if (rc != SQLITE_DONE) {
		ret = diag_set(d, results_sqlite_errno(r->db, rc),
			       "cannot list the kernels of '%s': %s", r->path, sqlite3_errmsg(r->db));
		goto fail;
	}
	sqlite3_finalize(st);
	*out = l;
	return 0;
nomem:
	ret = diag_set(d, -ENOMEM, "cannot list the kernels of '%s': out of memory", r->path);
fail:
	sqlite3_finalize(st);
	results_kernel_list_release(&l);
	return ret;
}
