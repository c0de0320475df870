/*
 * pages_collect.c: the runs of a report as its pages need them (pages.h):
 * one series per (scenario, variant, metric) with every ok run's value,
 * time, host and kernel; one entry per scenario with its newest ok run and
 * the kernels it ran on the newest host; and the nightly medians with
 * their 95 % CI that the trend charts and sparklines draw.
 *
 * It reads what results_query hands it and computes no verdict (pages.c
 * asks compare.c and trend.c); it writes nothing.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "pages_int.h"

/* The metrics compare judges, whatever the traffic: bulk transfers have
 * the first two, byte counts the completion time, request-response the
 * latency and rate; a run has those of its mode. */
const char *const pages_metrics[PAGES_N_METRICS] = {
	"goodput_bps",	  "efficiency",	    "completion_us",  "completion_ratio",
	"latency_p50_us", "latency_p90_us", "latency_p99_us", "tps",
};
const char *const pages_status_label[4] = { "ok", "failed", "skipped", "invalid" };

static char *pages_strdup(const char *s)
{
	return strdup(s ? s : "");
}

static struct pages_scen *pages_scen_get(struct pages *p, const char *name)
{
	struct pages_scen *g;

	for (size_t i = p->n_scen; i-- > 0;)
		if (!strcmp(p->scen[i].name, name))
			return &p->scen[i];
	g = array_grow(p->scen, p->n_scen, sizeof(*g));
	if (!g)
		return NULL;
	p->scen = g;
	g = &p->scen[p->n_scen];
	g->name = pages_strdup(name);
	if (!g->name)
		return NULL;
	html_slug(g->slug, name);
	p->n_scen++;
	return g;
}

static struct pages_series *pages_series_get(struct pages *p, const char *scen, const char *var,
					     const char *metric)
{
	struct pages_series *g;
	char *key;

	for (size_t i = 0; i < p->n_series; i++) {
		g = &p->series[i];
		if (!strcmp(g->scenario, scen) && !strcmp(g->variant, var) &&
		    !strcmp(g->metric, metric))
			return g;
	}
	g = array_grow(p->series, p->n_series, sizeof(*g));
	if (!g)
		return NULL;
	p->series = g;
	g = &p->series[p->n_series++]; /* counted at once: released even when half made */
	g->scenario = pages_strdup(scen);
	g->variant = pages_strdup(var);
	g->metric = pages_strdup(metric);
	if (!g->scenario || !g->variant || !g->metric ||
	    asprintf(&key, "%s\n%s\n%s", scen, var, metric) < 0)
		return NULL;
	html_slug(g->slug, key);
	free(key);
	return g;
}

/* Index of s in *names, added if new; -ENOMEM. The newest name is
 * checked first: runs come in time order, mostly from one host. */
static int64_t pages_intern(char ***names, size_t *n, const char *s)
{
	char **g;

	for (size_t i = *n; i-- > 0;)
		if (!strcmp((*names)[i], s))
			return (int64_t)i;
	g = array_grow(*names, *n, sizeof(*g));
	if (!g)
		return -ENOMEM;
	*names = g;
	g[*n] = strdup(s);
	if (!g[*n])
		return -ENOMEM;
	return (int64_t)(*n)++;
}

int pages_collect_run(const struct results_run *run, void *arg)
{
	struct pages *p = arg;
	struct pages_scen *sc;
	const char *kernel = run->kernel.release ? run->kernel.release : "";
	const char *host = run->host.hostname ? run->host.hostname : "";
	int64_t hi = pages_intern(&p->hosts, &p->n_hosts, host);
	int64_t ki = pages_intern(&p->kernels, &p->n_kernels, kernel);

	if (hi < 0 || ki < 0)
		return -ENOMEM;
	p->n_runs++;
	if (run->started_at_us >= p->newest_us) {
		p->newest_us = run->started_at_us;
		p->newest_host = (uint32_t)hi;
		snprintf(p->host, sizeof(p->host), "%s", host);
		snprintf(p->kernel, sizeof(p->kernel), "%s", kernel);
	}
	sc = pages_scen_get(p, run->scenario ? run->scenario : "");
	if (!sc)
		return -ENOMEM;
	if (run->status != RESULTS_OK)
		return 0;
	if (run->started_at_us >= sc->newest_ok_us) {
		sc->newest_ok_us = run->started_at_us;
		memcpy(sc->newest_uuid, run->uuid, sizeof(sc->newest_uuid));
	}
	for (size_t m = 0; m < PAGES_N_METRICS; m++) {
		const struct results_metric *rm = results_run_metric(run, pages_metrics[m]);
		struct pages_series *s;
		struct pages_val *g;

		if (!rm || !isfinite(rm->value))
			continue;
		s = pages_series_get(p, sc->name, run->variant_key ? run->variant_key : "",
				     pages_metrics[m]);
		if (!s)
			return -ENOMEM;
		g = array_grow(s->vals, s->n, sizeof(*g));
		if (!g)
			return -ENOMEM;
		s->vals = g;
		s->vals[s->n++] = (struct pages_val){ run->started_at_us, rm->value, (uint32_t)hi,
						      (uint32_t)ki };
	}
	return 0;
}

void pages_collected_release(struct pages *p)
{
	for (size_t i = 0; i < p->n_series; i++) {
		free(p->series[i].scenario);
		free(p->series[i].variant);
		free(p->series[i].metric);
		free(p->series[i].vals);
	}
	free(p->series);
	for (size_t i = 0; i < p->n_scen; i++) {
		free(p->scen[i].name);
		free(p->scen[i].km);
	}
	free(p->scen);
	for (size_t i = 0; i < p->n_hosts; i++)
		free(p->hosts[i]);
	free(p->hosts);
	for (size_t i = 0; i < p->n_kernels; i++)
		free(p->kernels[i]);
	free(p->kernels);
}

static int pages_kmark_cmp(const void *a, const void *b)
{
	const struct pages_kmark *x = a, *y = b;

	return (x->t_us > y->t_us) - (x->t_us < y->t_us);
}

/* Every series' kernel changes, merged in time order. */
int pages_kernels(struct pages *p)
{
	for (size_t c = 0; c < p->n_scen; c++) {
		struct pages_scen *sc = &p->scen[c];
		size_t n = 0, kept = 0;

		for (size_t i = 0; i < p->n_series; i++) {
			const struct pages_series *s = &p->series[i];
			int64_t last = -1;

			if (strcmp(s->scenario, sc->name))
				continue;
			for (size_t k = 0; k < s->n; k++) {
				const struct pages_val *v = &s->vals[k];
				struct pages_kmark *g;

				if (v->host != p->newest_host || (int64_t)v->kernel == last)
					continue;
				last = v->kernel;
				g = array_grow(sc->km, n, sizeof(*g));
				if (!g)
					return -ENOMEM;
				sc->km = g;
				g[n].t_us = v->t_us;
				snprintf(g[n].release, sizeof(g[n].release), "%s", p->kernels[v->kernel]);
				n++;
			}
		}
		if (n)
			qsort(sc->km, n, sizeof(*sc->km), pages_kmark_cmp);
		for (size_t k = 0; k < n; k++)
			if (!kept || strcmp(sc->km[kept - 1].release, sc->km[k].release))
				sc->km[kept++] = sc->km[k];
		sc->n_km = kept;
	}
	return 0;
}

/* ---- nightly medians with a distribution-free 95 % CI ----------------------- */

int pages_dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void pages_nights_release(struct pages_nights *n)
{
	free(n->x);
	free(n->y);
	free(n->lo);
	free(n->hi);
	memset(n, 0, sizeof(*n));
}

/* One point per night of the runs on host: the median of its runs, and
 * the order statistics that bound the median at about 95 % (ranks
 * n/2 -+ 0.98 sqrt(n)). */
int pages_nights_of(const struct pages_series *s, uint32_t host, struct pages_nights *out)
{
	double *buf = malloc((s->n ? s->n : 1) * sizeof(*buf));
	size_t i = 0, cap = s->n ? s->n : 1;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->x = malloc(cap * sizeof(double));
	out->y = malloc(cap * sizeof(double));
	out->lo = malloc(cap * sizeof(double));
	out->hi = malloc(cap * sizeof(double));
	if (!buf || !out->x || !out->y || !out->lo || !out->hi)
		goto out;
	while (i < s->n) {
		uint64_t day = s->vals[i].t_us / PAGES_DAY_US;
		size_t k = 0, j, lo, hi;
		double h;

		for (j = i; j < s->n && s->vals[j].t_us / PAGES_DAY_US == day; j++)
			if (s->vals[j].host == host)
				buf[k++] = s->vals[j].v;
		i = j;
		if (!k)
			continue;
		qsort(buf, k, sizeof(*buf), pages_dbl_cmp);
		h = 0.98 * sqrt((double)k);
		lo = (size_t)fmax(0, floor(k / 2.0 - h));
		hi = (size_t)fmin((double)k - 1, ceil(k / 2.0 + h));
		out->x[out->n] = (double)(day * 86400);
		out->y[out->n] = k % 2 ? buf[k / 2] : (buf[k / 2 - 1] + buf[k / 2]) / 2;
		out->lo[out->n] = buf[lo];
		out->hi[out->n] = buf[hi];
		out->n++;
	}
	ret = 0;
out:
	free(buf);
	if (ret)
		pages_nights_release(out);
	return ret;
}

size_t pages_night_vals(const struct pages *p, const struct pages_series *s, double *out)
{
	size_t n = 0;

	for (size_t k = 0; k < s->n; k++)
		if (s->vals[k].host == p->newest_host && s->vals[k].t_us >= p->night_us &&
		    s->vals[k].t_us < p->night_end_us) {
			if (out)
				out[n] = s->vals[k].v;
			n++;
		}
	return n;
}
