/*
 * kernels.c: which kernels the database holds runs of (results_kernels of
 * results.h), for `mptcp-lab kernels`.
 *
 * The runs go through results_query(), so a struct results_filter selects
 * them exactly as it does for `runs`, `export` and `compare` (one WHERE
 * builder, in query.c), and the counts come from one read snapshot. Each
 * selected run is folded into the summary of its kernel identity: the
 * (release, version, config_hash, debug, boot_mode) of its kernels row.
 *
 * The price: results_query() loads each run's children (metrics, tags,
 * subflows, ...) that this listing does not need; about a millisecond per
 * run. A grouped SELECT would need the WHERE builder exported from
 * query.c.
 *
 * This file does not write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "results_int.h"

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_kernel(const struct results_kernel *a, const struct results_kernel *b)
{
	return same_str(a->release, b->release) && same_str(a->version, b->version) &&
	       same_str(a->config_hash, b->config_hash) && same_str(a->debug, b->debug) &&
	       same_str(a->boot_mode, b->boot_mode);
}

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

/* The summary of run's kernel, appended when new; NULL when out of memory. */
static struct results_kernel_summary *summary_of(struct results_kernel_list *l,
						 const struct results_kernel *k)
{
	struct results_kernel_summary *s, *grown;
	int r = 0;

	for (size_t i = 0; i < l->n; i++)
		if (same_kernel(&l->k[i].kernel, k))
			return &l->k[i];
	grown = realloc(l->k, (l->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	l->k = grown;
	s = &l->k[l->n];
	memset(s, 0, sizeof(*s));
	r |= dup_or_null(k->release, &s->kernel.release);
	r |= dup_or_null(k->version, &s->kernel.version);
	r |= dup_or_null(k->config_hash, &s->kernel.config_hash);
	r |= dup_or_null(k->debug, &s->kernel.debug);
	r |= dup_or_null(k->boot_mode, &s->kernel.boot_mode);
	if (r) {
		summary_release(s);
		return NULL;
	}
	l->n++;
	return s;
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
	grown = copy ? realloc(s->hosts, (s->n_hosts + 1) * sizeof(*grown)) : NULL;
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

static int fold_run(const struct results_run *run, void *arg)
{
	struct results_kernel_summary *s = summary_of(arg, &run->kernel);

	if (!s)
		return -ENOMEM;
	if (!s->n_runs || run->started_at_us < s->first_us)
		s->first_us = run->started_at_us;
	if (run->started_at_us > s->last_us)
		s->last_us = run->started_at_us;
	s->n_runs++;
	if (run->status == RESULTS_OK)
		s->n_ok++;
	return add_host(s, run->host.hostname);
}

static int str_cmp_null(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int summary_cmp(const void *pa, const void *pb)
{
	const struct results_kernel_summary *a = pa, *b = pb;
	int c;

	c = str_cmp_null(a->kernel.release, b->kernel.release);
	if (!c)
		c = str_cmp_null(a->kernel.boot_mode, b->kernel.boot_mode);
	if (!c)
		c = str_cmp_null(a->kernel.version, b->kernel.version);
	if (!c)
		c = str_cmp_null(a->kernel.config_hash, b->kernel.config_hash);
	if (!c)
		c = str_cmp_null(a->kernel.debug, b->kernel.debug);
	return c;
}

int results_kernels(struct results *r, const struct results_filter *f,
		    struct results_kernel_list *out, struct diag *d)
{
	struct results_kernel_list l = { NULL, 0 };
	int ret;

	ret = results_query(r, f, fold_run, &l, d);
	if (ret == -ENOMEM)
		diag_set(d, -ENOMEM, "cannot list the kernels of '%s': out of memory",
			       r->path);
	if (ret < 0) {
		results_kernel_list_release(&l);
		return ret;
	}
	if (l.n > 1)
		qsort(l.k, l.n, sizeof(*l.k), summary_cmp);
	*out = l;
	return 0;
}
