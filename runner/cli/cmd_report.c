/*
 * cmd_report.c: `mptcp-lab report`, the static report a maintainer opens
 * the morning after a nightly run.
 *
 *   mptcp-lab report [--db PATH] --out DIR [--baseline SELECTOR... | --baseline-nights N]
 *                    [--timing] [SELECTOR...]
 *
 * Writes into DIR:
 *   index.html            summary of the newest night (verdict counts,
 *                         runs by status, host, kernel) and one row per
 *                         series with its verdict, change and CI, sparkline
 *   scenario-<slug>.html  per scenario: trend per metric (nightly median,
 *                         its 95 % CI band per variant, change points and
 *                         kernel changes marked), every run of baseline and
 *                         candidate as points, and the newest ok run over time
 *   report.md             the summary in Markdown, PNG charts linked
 *   charts/NAME.svg, .png drawn by report/charts.c (gnuplot)
 *
 * The newest night is the UTC date of the newest selected run; its host is
 * that run's host. The candidate is that night's runs on that host, the
 * baseline the same host's runs of the N nights before (28; 0 = all
 * earlier nights), or --baseline (report_compare).
 * Change points come from report_trend over the host's history, computed
 * without being stored: a report only reads.
 *
 * Every user string is escaped (report/html.c) and every file name made
 * from one is a slug with a hash. A chart gnuplot cannot draw is a warning
 * and a note in the page, not a missing link.
 *
 * Exit: 0 written, 64 usage, 65 no run in the selection or no database,
 * 69 written but not one chart could be drawn (no gnuplot), 70 anything
 * else. --timing prints how long the analysis, the charts and
 * the pages took (bench/bench_report.c reads it).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "charts.h"
#include "commands.h"
#include "compare.h"
#include "exitcodes.h"
#include "html.h"
#include "mtime.h"
#include "results.h"
#include "selector.h"
#include "trend.h"

#define RP_DAY_US 86400000000ull
/* The default baseline: this many nights before the newest. Four weeks
 * are hundreds of runs per series, plenty for the test and the bootstrap,
 * and keep months-old regimes (and their cost: compare bootstraps every
 * baseline value) out of tonight's verdict. */
#define RP_BASELINE_NIGHTS 28

static const char *const rp_metrics[] = { "goodput_bps", "efficiency" };
#define RP_N_METRICS (sizeof(rp_metrics) / sizeof(rp_metrics[0]))

struct rp_val {
	uint64_t t_us;
	double v;
	uint32_t host, kernel; /* indexes into rp.hosts, rp.kernels */
};

struct rp_series {
	char *scenario, *variant, *metric;
	struct rp_val *vals; /* ok runs, oldest first */
	size_t n, cap;
	char slug[HTML_SLUG_MAX];
	bool spark_ok;
};

struct rp_kmark {
	uint64_t t_us;
	char release[64];
};

struct rp_scen {
	char *name;
	char slug[HTML_SLUG_MAX];
	char newest_uuid[37]; /* newest ok run */
	uint64_t newest_ok_us;
	struct rp_kmark *km; /* kernels on the newest host, each from its first run */
	size_t n_km;
};

struct rp {
	const char *out;
	bool timing;
	uint64_t baseline_nights; /* 0: all earlier nights */
	struct selector sel, base;
	bool has_base;

	struct rp_series *series;
	size_t n_series;
	struct rp_scen *scen;
	size_t n_scen;
	uint64_t newest_us;
	char **hosts, **kernels; /* interned names */
	size_t n_hosts, n_kernels;
	uint32_t newest_host;
	char host[256], kernel[64];
	size_t n_runs;

	uint64_t night_us;
	char night[16];
	size_t by_status[4];
	struct compare_result cmp;
	bool have_cmp;
	char cmp_note[DIAG_MSG_MAX];
	struct trend_result tr;

	size_t n_charts, n_chart_fail;
	uint64_t chart_us, compare_us, trend_us;
};

/* ---- collecting ------------------------------------------------------------- */

static char *rp_strdup(const char *s)
{
	return strdup(s ? s : "");
}

static struct rp_scen *rp_scen_get(struct rp *p, const char *name)
{
	struct rp_scen *g;

	for (size_t i = p->n_scen; i-- > 0;)
		if (!strcmp(p->scen[i].name, name))
			return &p->scen[i];
	g = realloc(p->scen, (p->n_scen + 1) * sizeof(*g));
	if (!g)
		return NULL;
	p->scen = g;
	g = &p->scen[p->n_scen];
	memset(g, 0, sizeof(*g));
	g->name = rp_strdup(name);
	if (!g->name)
		return NULL;
	html_slug(g->slug, name);
	p->n_scen++;
	return g;
}

static struct rp_series *rp_series_get(struct rp *p, const char *scen, const char *var,
				       const char *metric)
{
	struct rp_series *g;
	char *key;

	for (size_t i = 0; i < p->n_series; i++) {
		g = &p->series[i];
		if (!strcmp(g->scenario, scen) && !strcmp(g->variant, var) &&
		    !strcmp(g->metric, metric))
			return g;
	}
	g = realloc(p->series, (p->n_series + 1) * sizeof(*g));
	if (!g)
		return NULL;
	p->series = g;
	g = &p->series[p->n_series];
	memset(g, 0, sizeof(*g));
	g->scenario = rp_strdup(scen);
	g->variant = rp_strdup(var);
	g->metric = rp_strdup(metric);
	if (!g->scenario || !g->variant || !g->metric ||
	    asprintf(&key, "%s\n%s\n%s", scen, var, metric) < 0)
		return NULL;
	html_slug(g->slug, key);
	free(key);
	p->n_series++;
	return g;
}

/* Index of s in *names, added if new; -ENOMEM. The newest name is
 * checked first: runs come in time order, mostly from one host. */
static int64_t rp_intern(char ***names, size_t *n, const char *s)
{
	char **g;

	for (size_t i = *n; i-- > 0;)
		if (!strcmp((*names)[i], s))
			return (int64_t)i;
	g = realloc(*names, (*n + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	*names = g;
	g[*n] = strdup(s);
	if (!g[*n])
		return -ENOMEM;
	return (int64_t)(*n)++;
}

static int rp_collect(const struct results_run *run, void *arg)
{
	struct rp *p = arg;
	struct rp_scen *sc;
	const char *kernel = run->kernel.release ? run->kernel.release : "";
	const char *host = run->host.hostname ? run->host.hostname : "";
	int64_t hi = rp_intern(&p->hosts, &p->n_hosts, host);
	int64_t ki = rp_intern(&p->kernels, &p->n_kernels, kernel);

	if (hi < 0 || ki < 0)
		return -ENOMEM;
	p->n_runs++;
	if (run->started_at_us >= p->newest_us) {
		p->newest_us = run->started_at_us;
		p->newest_host = (uint32_t)hi;
		snprintf(p->host, sizeof(p->host), "%s", host);
		snprintf(p->kernel, sizeof(p->kernel), "%s", kernel);
	}
	sc = rp_scen_get(p, run->scenario ? run->scenario : "");
	if (!sc)
		return -ENOMEM;
	if (run->status != RESULTS_OK)
		return 0;
	if (run->started_at_us >= sc->newest_ok_us) {
		sc->newest_ok_us = run->started_at_us;
		memcpy(sc->newest_uuid, run->uuid, sizeof(sc->newest_uuid));
	}
	for (size_t m = 0; m < RP_N_METRICS; m++) {
		const struct results_metric *rm = results_run_metric(run, rp_metrics[m]);
		struct rp_series *s;

		if (!rm || !isfinite(rm->value))
			continue;
		s = rp_series_get(p, sc->name, run->variant_key ? run->variant_key : "",
				  rp_metrics[m]);
		if (!s)
			return -ENOMEM;
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct rp_val *g = realloc(s->vals, cap * sizeof(*g));

			if (!g)
				return -ENOMEM;
			s->vals = g;
			s->cap = cap;
		}
		s->vals[s->n++] = (struct rp_val){ run->started_at_us, rm->value, (uint32_t)hi,
						   (uint32_t)ki };
	}
	return 0;
}

static void rp_release(struct rp *p)
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
	compare_result_release(&p->cmp);
	trend_result_release(&p->tr);
	selector_release(&p->sel);
	selector_release(&p->base);
}

static int rp_kmark_cmp(const void *a, const void *b)
{
	const struct rp_kmark *x = a, *y = b;

	return (x->t_us > y->t_us) - (x->t_us < y->t_us);
}

/* Per scenario, the kernels its ok runs on the newest host ran, each from
 * its first run: every series' kernel changes, merged in time order. */
static int rp_kernels(struct rp *p)
{
	for (size_t c = 0; c < p->n_scen; c++) {
		struct rp_scen *sc = &p->scen[c];
		size_t n = 0, kept = 0;

		for (size_t i = 0; i < p->n_series; i++) {
			const struct rp_series *s = &p->series[i];
			int64_t last = -1;

			if (strcmp(s->scenario, sc->name))
				continue;
			for (size_t k = 0; k < s->n; k++) {
				const struct rp_val *v = &s->vals[k];
				struct rp_kmark *g;

				if (v->host != p->newest_host || (int64_t)v->kernel == last)
					continue;
				last = v->kernel;
				g = realloc(sc->km, (n + 1) * sizeof(*g));
				if (!g)
					return -ENOMEM;
				sc->km = g;
				g[n].t_us = v->t_us;
				snprintf(g[n].release, sizeof(g[n].release), "%s", p->kernels[v->kernel]);
				n++;
			}
		}
		if (n)
			qsort(sc->km, n, sizeof(*sc->km), rp_kmark_cmp);
		for (size_t k = 0; k < n; k++)
			if (!kept || strcmp(sc->km[kept - 1].release, sc->km[k].release))
				sc->km[kept++] = sc->km[k];
		sc->n_km = kept;
	}
	return 0;
}

/* ---- nightly medians with a distribution-free 95 % CI ----------------------- */

static int rp_dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct rp_nights {
	double *x, *y, *lo, *hi; /* x: 00:00 UTC of the night, seconds */
	size_t n;
};

static void rp_nights_release(struct rp_nights *n)
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
static int rp_nights_of(const struct rp_series *s, uint32_t host, struct rp_nights *out)
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
		uint64_t day = s->vals[i].t_us / RP_DAY_US;
		size_t k = 0, j, lo, hi;
		double h;

		for (j = i; j < s->n && s->vals[j].t_us / RP_DAY_US == day; j++)
			if (s->vals[j].host == host)
				buf[k++] = s->vals[j].v;
		i = j;
		if (!k)
			continue;
		qsort(buf, k, sizeof(*buf), rp_dbl_cmp);
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
		rp_nights_release(out);
	return ret;
}

/* ---- charts ----------------------------------------------------------------- */

/* Draw one chart; on failure warn and say why in note (for the page). */
static bool rp_chart(struct rp *p, const struct chart_spec *c, const char *base, char *note,
		     size_t note_size)
{
	struct diag d = DIAG_INIT;
	uint64_t t0 = mtime_now_us();
	int r;

	r = chart_render(c, p->out, base, &d);
	p->chart_us += mtime_now_us() - t0;
	p->n_charts++;
	if (r == 0)
		return true;
	p->n_chart_fail++;
	if (p->n_chart_fail <= 3)
		say_error("warning: %s", diag_str(&d));
	if (note)
		snprintf(note, note_size, "chart not drawn: %s", diag_str(&d));
	return false;
}

static void rp_metric_unit(const char *metric, const char **label, double *scale)
{
	if (!strcmp(metric, "goodput_bps")) {
		*label = "goodput (Mbit/s)";
		*scale = 1e-6;
	} else {
		*label = metric;
		*scale = 1;
	}
}

/* ---- HTML pieces ------------------------------------------------------------ */

static void rp_img(FILE *f, const char *base, const char *cls, const char *alt, bool ok,
		   const char *note)
{
	if (!ok) {
		fputs("<p class=\"note\">", f);
		html_text(f, note);
		fputs("</p>\n", f);
		return;
	}
	fprintf(f, "<a href=\"%s.svg\"><img class=\"%s\" src=\"%s.svg\" alt=\"", base, cls, base);
	html_attr(f, alt);
	fputs("\"></a>", f);
}

static void rp_fmt_value(const char *metric, double v, char *buf, size_t size)
{
	if (!isfinite(v))
		snprintf(buf, size, "-");
	else if (!strcmp(metric, "goodput_bps"))
		snprintf(buf, size, "%.2f Mbit/s", v / 1e6);
	else
		snprintf(buf, size, "%.4g", v);
}

static void rp_fmt_change(const struct compare_series *s, char *buf, size_t size)
{
	if (!isfinite(s->ratio))
		snprintf(buf, size, "-");
	else if (isfinite(s->ci_lo) && isfinite(s->ci_hi))
		snprintf(buf, size, "%+.1f %% [%+.1f, %+.1f]", (s->ratio - 1) * 100,
			 (s->ci_lo - 1) * 100, (s->ci_hi - 1) * 100);
	else
		snprintf(buf, size, "%+.1f %%", (s->ratio - 1) * 100);
}

/* Whether a name compare.c copied into a fixed array (cut to size - 4
 * bytes and "..." when longer) is full. */
static bool rp_name_eq(const char *cut, size_t size, const char *full)
{
	if (strlen(full) < size)
		return !strcmp(cut, full);
	return !strncmp(cut, full, size - 4) && !strcmp(cut + size - 4, "...");
}

#define RP_CS_EQ(cs, field, full) rp_name_eq((cs)->field, sizeof((cs)->field), full)

static bool rp_cs_is(const struct compare_series *cs, const struct rp_series *s)
{
	return RP_CS_EQ(cs, scenario, s->scenario) && RP_CS_EQ(cs, variant_key, s->variant) &&
	       RP_CS_EQ(cs, metric, s->metric);
}

static const struct rp_series *rp_find_series(const struct rp *p, const struct compare_series *cs)
{
	for (size_t i = 0; i < p->n_series; i++)
		if (rp_cs_is(cs, &p->series[i]))
			return &p->series[i];
	return NULL;
}

static const struct rp_scen *rp_find_scen(const struct rp *p, const char *name)
{
	for (size_t i = 0; i < p->n_scen; i++)
		if (!strcmp(p->scen[i].name, name))
			return &p->scen[i];
	return NULL;
}

static const char *const rp_status_label[4] = { "ok", "failed", "skipped", "invalid" };

static void rp_summary_html(FILE *f, const struct rp *p)
{
	const size_t *c = p->cmp.counts;

	fputs("<h1>mptcp-lab report: night ", f);
	html_text(f, p->night);
	fputs("</h1>\n<p>Host <code>", f);
	html_text(f, p->host);
	fputs("</code>, kernel <code>", f);
	html_text(f, p->kernel);
	if (p->has_base)
		fputs("</code>; baseline: the runs selected by --baseline.</p>\n", f);
	else if (p->baseline_nights)
		fprintf(f, "</code>; baseline: the %" PRIu64 " nights before, same host.</p>\n",
			p->baseline_nights);
	else
		fputs("</code>; baseline: every earlier night on the same host.</p>\n", f);
	fprintf(f, "<p class=\"summary\"><span class=\"regression\">%zu regressions</span>"
		   "<span class=\"improvement\">%zu improvements</span>"
		   "<span class=\"inconclusive\">%zu inconclusive</span>"
		   "<span class=\"no-change\">%zu no change</span></p>\n",
		c[COMPARE_REGRESSION], c[COMPARE_IMPROVEMENT], c[COMPARE_INCONCLUSIVE],
		c[COMPARE_NO_CHANGE]);
	fputs("<p>Runs of the night:", f);
	for (int i = 0; i < 4; i++)
		fprintf(f, " %s %zu%s", rp_status_label[i], p->by_status[i], i < 3 ? "," : ".");
	fputs("</p>\n", f);
	if (!p->have_cmp) {
		fputs("<p class=\"note\">No verdicts: ", f);
		html_text(f, p->cmp_note);
		fputs("</p>\n", f);
	}
}

static void rp_series_row(FILE *f, const struct rp *p, const struct compare_series *cs,
			  const struct rp_series *s)
{
	const struct rp_scen *sc = rp_find_scen(p, s->scenario);
	char change[96], base[HTML_SLUG_MAX + 16];

	fprintf(f, "<tr class=\"%s\"><td><a href=\"scenario-%s.html\">",
		cs ? compare_verdict_words(cs->verdict)->css : "no-change", sc ? sc->slug : "x");
	html_text(f, s->scenario);
	fputs("</a></td><td>", f);
	html_text(f, s->variant[0] ? s->variant : "-");
	fputs("</td><td>", f);
	html_text(f, s->metric);
	fputs("</td><td>", f);
	html_text(f, cs ? compare_verdict_name(cs->verdict) : "not compared");
	if (cs)
		rp_fmt_change(cs, change, sizeof(change));
	else
		snprintf(change, sizeof(change), "-");
	fputs("</td><td class=\"num\">", f);
	html_text(f, change);
	fputs("</td><td class=\"num\">", f);
	rp_fmt_value(s->metric, cs ? cs->median_base : (double)NAN, change, sizeof(change));
	html_text(f, change);
	fputs(" &rarr; ", f);
	rp_fmt_value(s->metric, cs ? cs->median_cand : (double)NAN, change, sizeof(change));
	html_text(f, change);
	fprintf(f, "</td><td class=\"num\">%zu / %zu</td><td>", cs ? cs->n_base : 0,
		cs ? cs->n_cand : 0);
	snprintf(base, sizeof(base), "charts/spark-%s", s->slug);
	rp_img(f, base, "spark", "trend", s->spark_ok, "no sparkline");
	fputs("</td></tr>\n", f);
}

static int rp_write_index(struct rp *p)
{
	char path[PATH_MAX];
	FILE *f;
	int ret;

	if (xsnprintf(path, sizeof(path), "%s/index.html", p->out) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	html_page_begin(f, "mptcp-lab report");
	rp_summary_html(f, p);
	fputs("<h2>Series</h2>\n<table>\n<tr><th>scenario</th><th>variant</th><th>metric</th>"
	      "<th>verdict</th><th>change vs baseline [95 % CI]</th><th>median baseline &rarr; night</th>"
	      "<th>runs base / night</th>"
	      "<th>trend</th></tr>\n",
	      f);
	for (size_t i = 0; i < p->cmp.n; i++) {
		const struct compare_series *cs = &p->cmp.series[i];
		const struct rp_series *s = rp_find_series(p, cs);

		if (s)
			rp_series_row(f, p, cs, s);
	}
	for (size_t i = 0; i < p->n_series; i++) {
		const struct rp_series *s = &p->series[i];
		bool done = false;

		for (size_t j = 0; j < p->cmp.n && !done; j++)
			done = rp_cs_is(&p->cmp.series[j], s);
		if (!done)
			rp_series_row(f, p, NULL, s);
	}
	fputs("</table>\n<h2>Scenarios</h2>\n<ul>\n", f);
	for (size_t i = 0; i < p->n_scen; i++) {
		fprintf(f, "<li><a href=\"scenario-%s.html\">", p->scen[i].slug);
		html_text(f, p->scen[i].name);
		fputs("</a></li>\n", f);
	}
	fprintf(f, "</ul>\n<p class=\"note\">%zu runs read; <a href=\"report.md\">report.md</a>"
		   " has this summary in Markdown.</p>\n", p->n_runs);
	html_page_end(f);
	ret = ferror(f) ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static int rp_write_md(const struct rp *p)
{
	const size_t *c = p->cmp.counts;
	char path[PATH_MAX], change[96];
	FILE *f;
	int ret;

	if (xsnprintf(path, sizeof(path), "%s/report.md", p->out) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fputs("## mptcp-lab report: night ", f);
	html_md_text(f, p->night);
	fputs("\n\nHost `", f);
	/* inside a code span nothing is markup, but a backtick would end it */
	for (const char *s = p->host; *s; s++)
		fputc(*s == '`' || (unsigned char)*s < 0x20 ? '?' : *s, f);
	fputs("`, kernel `", f);
	for (const char *s = p->kernel; *s; s++)
		fputc(*s == '`' || (unsigned char)*s < 0x20 ? '?' : *s, f);
	fprintf(f, "`.\n\n**%zu regressions**, %zu improvements, %zu inconclusive, %zu no change. "
		   "Runs of the night: ok %zu, failed %zu, skipped %zu, invalid %zu.\n\n",
		c[COMPARE_REGRESSION], c[COMPARE_IMPROVEMENT], c[COMPARE_INCONCLUSIVE],
		c[COMPARE_NO_CHANGE], p->by_status[0], p->by_status[1], p->by_status[2],
		p->by_status[3]);
	if (!p->have_cmp) {
		fputs("No verdicts: ", f);
		html_md_text(f, p->cmp_note);
		fputs("\n\n", f);
	}
	fputs("| scenario | variant | metric | verdict | change [95 % CI] | trend |\n"
	      "|---|---|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < p->cmp.n; i++) {
		const struct compare_series *cs = &p->cmp.series[i];
		const struct rp_series *s = rp_find_series(p, cs);

		rp_fmt_change(cs, change, sizeof(change));
		fputs("| ", f);
		html_md_text(f, cs->scenario);
		fputs(" | ", f);
		html_md_text(f, cs->variant_key[0] ? cs->variant_key : "-");
		fputs(" | ", f);
		html_md_text(f, cs->metric);
		fprintf(f, " | %s%s%s | %s | ", cs->verdict == COMPARE_REGRESSION ? "**" : "",
			compare_verdict_name(cs->verdict),
			cs->verdict == COMPARE_REGRESSION ? "**" : "", change);
		if (s && s->spark_ok)
			fprintf(f, "![trend](charts/spark-%s.png)", s->slug);
		fputs(" |\n", f);
	}
	fputs("\nCharts: ", f);
	for (size_t i = 0; i < p->n_scen; i++)
		fprintf(f, "%s[%zu](scenario-%s.html)", i ? ", " : "", i + 1, p->scen[i].slug);
	fputs(" (scenario pages, in the order of index.html).\n", f);
	ret = ferror(f) ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* ---- the scenario page ------------------------------------------------------ */

/* Change points of (scenario, variant, metric) from the trend, as marks. */
static size_t rp_cp_marks(const struct rp *p, const char *scen, const char *metric,
			  struct chart_mark *marks, char (*labels)[96], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < p->tr.n && n < max; i++) {
		const struct trend_series *t = &p->tr.series[i];

		if (strcmp(t->scenario, scen) || strcmp(t->metric, metric))
			continue;
		for (size_t k = 0; k < t->n_cps && n < max; k++) {
			snprintf(labels[n], sizeof(labels[n]), "change %s %+.1f%%", t->cps[k].label,
				 t->cps[k].change * 100);
			marks[n] = (struct chart_mark){ (double)(t->cps[k].at_us / 1000000),
							labels[n] };
			n++;
		}
	}
	return n;
}

static void rp_trend_chart(struct rp *p, FILE *f, const struct rp_scen *sc, const char *metric)
{
	struct chart_series cs[CHART_SERIES_MAX];
	struct rp_nights nights[CHART_SERIES_MAX];
	struct chart_mark marks[CHART_MARKS_MAX];
	static char labels[CHART_MARKS_MAX][96];
	char base[HTML_SLUG_MAX + 32], note[DIAG_MSG_MAX], title[256];
	const char *ylabel;
	double scale;
	size_t ns = 0, nm;
	bool ok;

	rp_metric_unit(metric, &ylabel, &scale);
	for (size_t i = 0; i < p->n_series && ns < CHART_SERIES_MAX; i++) {
		struct rp_series *s = &p->series[i];

		if (strcmp(s->scenario, sc->name) || strcmp(s->metric, metric) || !s->n)
			continue;
		if (rp_nights_of(s, p->newest_host, &nights[ns]) < 0)
			continue;
		if (!nights[ns].n) {
			rp_nights_release(&nights[ns]);
			continue;
		}
		for (size_t k = 0; k < nights[ns].n; k++) {
			nights[ns].y[k] *= scale;
			nights[ns].lo[k] *= scale;
			nights[ns].hi[k] *= scale;
		}
		cs[ns] = (struct chart_series){ s->variant[0] ? s->variant : "-", nights[ns].x,
						nights[ns].y, nights[ns].lo, nights[ns].hi,
						nights[ns].n };
		ns++;
	}
	if (!ns)
		return;
	nm = rp_cp_marks(p, sc->name, metric, marks, labels, CHART_MARKS_MAX);
	for (size_t k = 1; k < sc->n_km && nm < CHART_MARKS_MAX; k++)
		marks[nm++] = (struct chart_mark){ (double)(sc->km[k].t_us / 1000000),
						   sc->km[k].release };
	snprintf(title, sizeof(title), "%s: %s per night (median, 95%% CI)", sc->name, metric);
	snprintf(base, sizeof(base), "charts/trend-%s-%s", sc->slug, metric);
	ok = rp_chart(p, &(struct chart_spec){ .kind = CHART_TREND, .title = title,
					      .xlabel = "night", .ylabel = ylabel,
					      .x_is_time = true, .series = cs, .n_series = ns,
					      .marks = marks, .n_marks = nm },
		      base, note, sizeof(note));
	fputs("<h3>", f);
	html_text(f, metric);
	fputs(" over time</h3>\n", f);
	rp_img(f, base, "chart", title, ok, note);
	fprintf(f, "\n<p class=\"note\">Lines: nightly median per variant; band: its 95 %% CI; "
		   "vertical marks: change points and kernel-release changes (%zu).</p>\n", nm);
	for (size_t i = 0; i < ns; i++)
		rp_nights_release(&nights[i]);
}

static void rp_points_chart(struct rp *p, FILE *f, const struct rp_scen *sc, const char *metric)
{
	const char *cats[CHART_SERIES_MAX];
	double *bx = NULL, *by = NULL, *cx = NULL, *cy = NULL;
	size_t nb = 0, nc = 0, ncat = 0, tb = 0, tc = 0;
	char base[HTML_SLUG_MAX + 32], note[DIAG_MSG_MAX], title[256];
	const char *ylabel;
	double scale;
	bool ok;

	rp_metric_unit(metric, &ylabel, &scale);
	for (size_t i = 0; i < p->cmp.n; i++) {
		const struct compare_series *s = &p->cmp.series[i];

		if (RP_CS_EQ(s, scenario, sc->name) && RP_CS_EQ(s, metric, metric)) {
			tb += s->n_base;
			tc += s->n_cand;
		}
	}
	if (!tb && !tc)
		return;
	bx = malloc(tb * sizeof(double) + 1);
	by = malloc(tb * sizeof(double) + 1);
	cx = malloc(tc * sizeof(double) + 1);
	cy = malloc(tc * sizeof(double) + 1);
	if (!bx || !by || !cx || !cy)
		goto out;
	for (size_t i = 0; i < p->cmp.n && ncat < CHART_SERIES_MAX; i++) {
		const struct compare_series *s = &p->cmp.series[i];

		if (!RP_CS_EQ(s, scenario, sc->name) || !RP_CS_EQ(s, metric, metric))
			continue;
		for (size_t k = 0; k < s->n_base && s->base_values; k++) {
			bx[nb] = (double)ncat;
			by[nb++] = s->base_values[k] * scale;
		}
		for (size_t k = 0; k < s->n_cand && s->cand_values; k++) {
			cx[nc] = (double)ncat;
			cy[nc++] = s->cand_values[k] * scale;
		}
		cats[ncat++] = s->variant_key[0] ? s->variant_key : "-";
	}
	snprintf(title, sizeof(title), "%s: %s, every run, baseline vs the night", sc->name, metric);
	snprintf(base, sizeof(base), "charts/points-%s-%s", sc->slug, metric);
	ok = rp_chart(p, &(struct chart_spec){
			      .kind = CHART_POINTS, .title = title, .xlabel = "variant",
			      .ylabel = ylabel,
			      .series = (struct chart_series[]){ { "baseline", bx, by, NULL, NULL, nb },
								 { "night", cx, cy, NULL, NULL, nc } },
			      .n_series = 2, .categories = cats, .n_categories = ncat },
		      base, note, sizeof(note));
	fputs("<h3>", f);
	html_text(f, metric);
	fputs(": baseline vs the night</h3>\n", f);
	rp_img(f, base, "chart", title, ok, note);
	fputc('\n', f);
out:
	free(bx);
	free(by);
	free(cx);
	free(cy);
}

struct rp_chosen {
	struct results_interval *iv;
	size_t n;
	struct results_sample *smp; /* one side's samples (the client's if any) */
	size_t n_smp;
	struct results_pm_event *ev;
	size_t n_ev;
	char variant[256];
};

static int rp_load_chosen(const struct results_run *run, void *arg)
{
	struct rp_chosen *c = arg;
	char role = 'c';
	size_t k = 0;

	snprintf(c->variant, sizeof(c->variant), "%s", run->variant_key ? run->variant_key : "");
	if (run->n_intervals) {
		c->iv = malloc(run->n_intervals * sizeof(*c->iv));
		if (!c->iv)
			return -ENOMEM;
		memcpy(c->iv, run->intervals, run->n_intervals * sizeof(*c->iv));
		c->n = run->n_intervals;
	}
	/* the sender's view: acked bytes, cwnd and RTT are the client's */
	if (run->n_samples && run->samples[0].role != 'c') {
		role = run->samples[0].role;
		for (size_t i = 0; i < run->n_samples; i++)
			if (run->samples[i].role == 'c')
				role = 'c';
	}
	if (run->n_samples) {
		c->smp = malloc(run->n_samples * sizeof(*c->smp));
		if (!c->smp)
			return -ENOMEM;
		for (size_t i = 0; i < run->n_samples; i++)
			if (run->samples[i].role == role)
				c->smp[k++] = run->samples[i];
		c->n_smp = k;
	}
	if (run->n_pm_events) {
		c->ev = malloc(run->n_pm_events * sizeof(*c->ev));
		if (!c->ev)
			return -ENOMEM;
		memcpy(c->ev, run->pm_events, run->n_pm_events * sizeof(*c->ev));
		c->n_ev = run->n_pm_events;
	}
	return 0;
}

/* Per subflow of the chosen run: throughput (from acked bytes, else the
 * delivery rate), cwnd and smoothed RTT over time. NaN where the kernel
 * did not say. */
struct rp_subflows {
	size_t n;
	uint32_t id[CHART_SERIES_MAX];
	char name[CHART_SERIES_MAX][160];
	double *t[CHART_SERIES_MAX], *thr[CHART_SERIES_MAX], *cwnd[CHART_SERIES_MAX],
		*rtt[CHART_SERIES_MAX];
	size_t len[CHART_SERIES_MAX];
};

static void rp_subflows_release(struct rp_subflows *sf)
{
	for (size_t i = 0; i < sf->n; i++) {
		free(sf->t[i]);
		free(sf->thr[i]);
		free(sf->cwnd[i]);
		free(sf->rtt[i]);
	}
	sf->n = 0;
}

static int rp_subflows_of(const struct rp_chosen *c, struct rp_subflows *sf)
{
	for (size_t i = 0; i < c->n_smp; i++) {
		const struct results_sample *x = &c->smp[i];
		size_t k;

		for (k = 0; k < sf->n && sf->id[k] != x->subflow_id; k++)
			;
		if (k == sf->n) {
			if (sf->n == CHART_SERIES_MAX)
				continue;
			sf->id[k] = x->subflow_id;
			snprintf(sf->name[k], sizeof(sf->name[k]), "subflow %" PRIu32 "%s%s%s%s",
				 x->subflow_id, x->local[0] ? " " : "", x->local,
				 x->remote[0] ? " -> " : "", x->remote);
			sf->t[k] = malloc(c->n_smp * sizeof(double));
			sf->thr[k] = malloc(c->n_smp * sizeof(double));
			sf->cwnd[k] = malloc(c->n_smp * sizeof(double));
			sf->rtt[k] = malloc(c->n_smp * sizeof(double));
			sf->n++;
			if (!sf->t[k] || !sf->thr[k] || !sf->cwnd[k] || !sf->rtt[k])
				return -ENOMEM;
		}
	}
	for (size_t k = 0; k < sf->n; k++) {
		const struct results_sample *prev = NULL;
		size_t n = 0;

		for (size_t i = 0; i < c->n_smp; i++) {
			const struct results_sample *x = &c->smp[i];
			double thr = NAN;

			if (x->subflow_id != sf->id[k])
				continue;
			if (prev && (x->present & prev->present & RESULTS_S_BYTES_ACKED) &&
			    x->t_us > prev->t_us && x->bytes_acked >= prev->bytes_acked)
				thr = (double)(x->bytes_acked - prev->bytes_acked) * 8 /
				      (double)(x->t_us - prev->t_us); /* bit/µs = Mbit/s */
			else if (x->present & RESULTS_S_DELIVERY_RATE)
				thr = (double)x->delivery_rate_bps / 1e6;
			else if (!prev)
				thr = 0;
			sf->t[k][n] = (double)x->t_us / 1e6;
			sf->thr[k][n] = thr;
			sf->cwnd[k][n] = x->present & RESULTS_S_CWND ? (double)x->cwnd : (double)NAN;
			sf->rtt[k][n] = x->present & RESULTS_S_SRTT ? x->srtt_us / 1e3 : (double)NAN;
			n++;
			prev = x;
		}
		sf->len[k] = n;
	}
	return 0;
}

/* The path-manager events as marks on the run's time axis. */
static size_t rp_event_marks(const struct rp_chosen *c, struct chart_mark *marks,
			     char (*labels)[96], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_ev && n < max; i++) {
		if (c->ev[i].role != 'c')
			continue;
		snprintf(labels[n], sizeof(labels[n]), "%s", c->ev[i].type);
		marks[n] = (struct chart_mark){ (double)c->ev[i].t_us / 1e6, labels[n] };
		n++;
	}
	return n;
}

static void rp_telemetry_charts(struct rp *p, FILE *f, const struct rp_scen *sc,
				const struct rp_chosen *ch)
{
	static char labels[CHART_MARKS_MAX][96];
	struct chart_mark marks[CHART_MARKS_MAX];
	struct chart_series cs[CHART_SERIES_MAX];
	struct rp_subflows sf = { 0 };
	char base[HTML_SLUG_MAX + 32], note[DIAG_MSG_MAX], title[512];
	static const struct {
		const char *what, *ylabel, *file;
		enum chart_kind kind;
	} kinds[] = {
		{ "throughput per subflow", "throughput (Mbit/s)", "run-thr", CHART_STACKED },
		{ "cwnd per subflow", "cwnd (segments)", "run-cwnd", CHART_LINES },
		{ "smoothed RTT per subflow", "RTT (ms)", "run-rtt", CHART_LINES },
	};
	size_t nm;
	bool ok;

	if (rp_subflows_of(ch, &sf) < 0) {
		fputs("<p class=\"note\">Out of memory for the per-subflow charts.</p>\n", f);
		goto out;
	}
	nm = rp_event_marks(ch, marks, labels, CHART_MARKS_MAX);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (size_t i = 0; i < sf.n; i++)
			cs[i] = (struct chart_series){ sf.name[i], sf.t[i],
						       k == 0 ? sf.thr[i] :
						       k == 1 ? sf.cwnd[i] : sf.rtt[i],
						       NULL, NULL, sf.len[i] };
		snprintf(title, sizeof(title), "%s (%s): %s", sc->name,
			 ch->variant[0] ? ch->variant : "-", kinds[k].what);
		snprintf(base, sizeof(base), "charts/%s-%s", kinds[k].file, sc->slug);
		ok = rp_chart(p, &(struct chart_spec){ .kind = kinds[k].kind, .title = title,
						      .xlabel = "time (s)",
						      .ylabel = kinds[k].ylabel, .series = cs,
						      .n_series = sf.n, .marks = marks,
						      .n_marks = nm },
			      base, note, sizeof(note));
		rp_img(f, base, "chart", title, ok, note);
		fputc('\n', f);
	}
	fprintf(f, "<p class=\"note\">%zu subflows, %zu samples; vertical marks: the client's "
		   "path-manager events (%zu). Timed scenario events (link down/up, rate "
		   "changes) are not stored with a run yet.</p>\n",
		sf.n, ch->n_smp, nm);
out:
	rp_subflows_release(&sf);
}

static void rp_run_chart(struct rp *p, struct results *db, FILE *f, const struct rp_scen *sc)
{
	const char *uuids[1] = { sc->newest_uuid };
	struct results_filter flt = { .uuids = uuids, .n_uuids = 1, .with_telemetry = true };
	struct rp_chosen ch = { 0 };
	struct diag d = DIAG_INIT;
	char base[HTML_SLUG_MAX + 32], note[DIAG_MSG_MAX], title[512];
	double *x = NULL, *y = NULL;
	bool ok;

	fputs("<h2>The newest ok run</h2>\n", f);
	if (!sc->newest_uuid[0]) {
		fputs("<p class=\"note\">No ok run of this scenario in the selection.</p>\n", f);
		return;
	}
	fputs("<p>Run <code>", f);
	html_text(f, sc->newest_uuid);
	fputs("</code>.</p>\n", f);
	if (results_query(db, &flt, rp_load_chosen, &ch, &d) < 0) {
		fputs("<p class=\"note\">Cannot read this run: ", f);
		html_text(f, diag_str(&d));
		fputs("</p>\n", f);
		goto out;
	}
	if (ch.n_smp) {
		rp_telemetry_charts(p, f, sc, &ch);
		goto out;
	}
	if (!ch.n) {
		fputs("<p class=\"note\">This run stored no interval samples and no per-subflow "
		      "telemetry.</p>\n",
		      f);
		goto out;
	}
	x = malloc(ch.n * sizeof(double));
	y = malloc(ch.n * sizeof(double));
	if (!x || !y)
		goto out;
	for (size_t i = 0; i < ch.n; i++) {
		x[i] = ch.iv[i].end_us / 1e6;
		y[i] = ch.iv[i].bits_per_second / 1e6;
	}
	snprintf(title, sizeof(title), "%s (%s): throughput over time", sc->name,
		 ch.variant[0] ? ch.variant : "-");
	snprintf(base, sizeof(base), "charts/run-%s", sc->slug);
	ok = rp_chart(p, &(struct chart_spec){
			      .kind = CHART_STACKED, .title = title, .xlabel = "time (s)",
			      .ylabel = "throughput (Mbit/s)",
			      .series = (struct chart_series[]){ { "total (iperf3 intervals)", x, y,
								   NULL, NULL, ch.n } },
			      .n_series = 1 },
		      base, note, sizeof(note));
	rp_img(f, base, "chart", title, ok, note);
	fputs("\n<p class=\"note\">Per-subflow throughput, cwnd and RTT need the lab's own "
	      "per-subflow telemetry (the native engine); this run has iperf3's intervals "
	      "only, drawn as the total throughput. Timed events (link down/up, rate "
	      "changes) are not stored with a run yet, so none is marked.</p>\n",
	      f);
out:
	free(x);
	free(y);
	free(ch.iv);
	free(ch.smp);
	free(ch.ev);
}

static int rp_write_scenario(struct rp *p, struct results *db, const struct rp_scen *sc)
{
	char path[PATH_MAX], title[300];
	FILE *f;
	int ret;

	if (xsnprintf(path, sizeof(path), "%s/scenario-%s.html", p->out, sc->slug) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	snprintf(title, sizeof(title), "mptcp-lab: %s", sc->name);
	html_page_begin(f, title);
	fputs("<p><a href=\"index.html\">&larr; all series</a></p>\n<h1>Scenario ", f);
	html_text(f, sc->name);
	fputs("</h1>\n<h2>History</h2>\n", f);
	for (size_t m = 0; m < RP_N_METRICS; m++)
		rp_trend_chart(p, f, sc, rp_metrics[m]);
	fputs("<h2>Baseline vs the night</h2>\n", f);
	for (size_t m = 0; m < RP_N_METRICS; m++)
		rp_points_chart(p, f, sc, rp_metrics[m]);
	fputs("<h2>Kernels</h2>\n<ul>\n", f);
	for (size_t k = 0; k < sc->n_km; k++) {
		time_t t = (time_t)(sc->km[k].t_us / 1000000);
		struct tm tm;
		char date[32] = "?";

		if (gmtime_r(&t, &tm))
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
		fprintf(f, "<li>%s UTC: <code>", date);
		html_text(f, sc->km[k].release);
		fputs("</code></li>\n", f);
	}
	fputs("</ul>\n", f);
	rp_run_chart(p, db, f, sc);
	html_page_end(f);
	ret = ferror(f) ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static void rp_sparklines(struct rp *p)
{
	char base[HTML_SLUG_MAX + 16];

	for (size_t i = 0; i < p->n_series; i++) {
		struct rp_series *s = &p->series[i];
		struct rp_nights n;

		if (!s->n || rp_nights_of(s, p->newest_host, &n) < 0)
			continue;
		if (!n.n) {
			rp_nights_release(&n);
			continue;
		}
		snprintf(base, sizeof(base), "charts/spark-%s", s->slug);
		s->spark_ok = rp_chart(p, &(struct chart_spec){
						  .kind = CHART_SPARKLINE,
						  .series = &(struct chart_series){ NULL, n.x, n.y,
										    NULL, NULL, n.n },
						  .n_series = 1, .x_is_time = true },
				       base, NULL, 0);
		rp_nights_release(&n);
	}
}

/* ---- the command ------------------------------------------------------------ */

static int rp_parse_args(int argc, char **argv, struct rp *p, const char **db)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "timing", no_argument, NULL, 't' },
		{ "baseline-nights", required_argument, NULL, 'n' },
		{},
	};
	char err[256], *end;
	unsigned long n;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*db = optarg;
			break;
		case 'o':
			p->out = optarg;
			break;
		case 'b':
			if (selector_add(&p->base, optarg, err, sizeof(err)) < 0) {
				say_error("--baseline: %s", err);
				return EXIT_USAGE;
			}
			p->has_base = true;
			break;
		case 't':
			p->timing = true;
			break;
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || n > 3650) {
				say_error("--baseline-nights '%s': expected a number of nights, 0 to 3650",
					  optarg);
				return usage_of("report");
			}
			p->baseline_nights = n;
			break;
		default:
			return usage_of("report");
		}
	}
	for (int k = optind; k < argc; k++)
		if (selector_add(&p->sel, argv[k], err, sizeof(err)) < 0) {
			say_error("%s", err);
			return EXIT_USAGE;
		}
	if (!p->out || !*p->out) {
		say_error("'report' needs --out DIR");
		return usage_of("report");
	}
	return 0;
}

static int rp_mkdir(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

/* The night's verdicts and the host's trend. */
static int rp_analyse(struct rp *p, struct results *db, struct diag *d)
{
	struct results_filter cand = p->sel.filter, base;
	struct trend_opts to = { 0 };
	uint64_t t0;
	time_t t;
	struct tm tm;
	int r;

	p->night_us = p->newest_us / RP_DAY_US * RP_DAY_US;
	t = (time_t)(p->night_us / 1000000);
	if (!gmtime_r(&t, &tm) || !strftime(p->night, sizeof(p->night), "%Y-%m-%d", &tm))
		snprintf(p->night, sizeof(p->night), "?");
	cand.host = p->host;
	if (!cand.since_us || cand.since_us < p->night_us)
		cand.since_us = p->night_us;
	cand.until_us = p->night_us + RP_DAY_US;
	for (int i = 0; i < 4; i++) {
		struct results_filter c = cand;

		c.status = rp_status_label[i];
		r = results_count(db, &c, &p->by_status[i], d);
		if (r < 0)
			return r;
	}
	if (p->has_base) {
		base = p->base.filter;
	} else {
		base = p->sel.filter;
		base.host = p->host;
		base.until_us = p->night_us;
		if (p->baseline_nights && p->night_us > p->baseline_nights * RP_DAY_US &&
		    base.since_us < p->night_us - p->baseline_nights * RP_DAY_US)
			base.since_us = p->night_us - p->baseline_nights * RP_DAY_US;
	}
	t0 = mtime_now_us();
	r = report_compare(db, &base, &cand, NULL, &p->cmp, d);
	p->compare_us = mtime_now_us() - t0;
	if (r == -ENODATA || r == -EINVAL) {
		snprintf(p->cmp_note, sizeof(p->cmp_note), "%s", diag_str(d));
		diag_clear(d);
		compare_result_release(&p->cmp);
		memset(&p->cmp, 0, sizeof(p->cmp));
	} else if (r < 0) {
		return r;
	} else {
		p->have_cmp = true;
	}
	base = p->sel.filter;
	base.host = p->host;
	t0 = mtime_now_us();
	r = report_trend(db, &base, &to, &p->tr, d);
	p->trend_us = mtime_now_us() - t0;
	return r < 0 ? r : 0;
}

static void rp_timing(const char *what, uint64_t us)
{
	printf("timing: %-22s %8.1f ms\n", what, us / 1e3);
}

int cmd_report(int argc, char **argv)
{
	struct rp p = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	const char *db_path = NULL;
	char charts[PATH_MAX];
	uint64_t t0, t_query, t_analyse, t_pages;
	int r, ret;

	p.baseline_nights = RP_BASELINE_NIGHTS;
	ret = rp_parse_args(argc, argv, &p, &db_path);
	if (ret)
		goto out;
	ret = EXIT_SOFTWARE;
	if (!db_path || !*db_path)
		db_path = getenv(RESULTS_DB_ENV);
	if (!db_path || !*db_path)
		db_path = RESULTS_DEFAULT_DB;
	/* results_open() would create a missing database */
	if (access(db_path, F_OK) != 0) {
		say_error("cannot write the report: no database at '%s': %s", db_path,
			  strerror(errno));
		ret = EXIT_DATAERR;
		goto out;
	}
	r = results_open(db_path, &db, &d);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		goto out;
	}
	t0 = mtime_now_us();
	r = results_query(db, &p.sel.filter, rp_collect, &p, &d);
	if (r < 0) {
		say_error("cannot read the runs: %s", r == -ENOMEM ? "out of memory" : diag_str(&d));
		goto out;
	}
	if (!p.n_runs) {
		say_error("cannot write the report: no run in the selection");
		ret = EXIT_DATAERR;
		goto out;
	}
	t_query = mtime_now_us() - t0;
	t0 = mtime_now_us();
	r = rp_kernels(&p);
	if (r < 0) {
		say_error("cannot analyse the runs: out of memory");
		goto out;
	}
	r = rp_analyse(&p, db, &d);
	if (r < 0) {
		say_error("cannot analyse the runs: %s", diag_str(&d));
		goto out;
	}
	t_analyse = mtime_now_us() - t0;

	r = rp_mkdir(p.out);
	if (r == 0 && xsnprintf(charts, sizeof(charts), "%s/charts", p.out) < 0)
		r = -ENAMETOOLONG;
	if (r == 0)
		r = rp_mkdir(charts);
	if (r < 0) {
		say_error("cannot create '%s': %s", p.out, strerror(-r));
		goto out;
	}
	t0 = mtime_now_us();
	rp_sparklines(&p);
	for (size_t i = 0; i < p.n_scen; i++) {
		r = rp_write_scenario(&p, db, &p.scen[i]);
		if (r < 0) {
			say_error("cannot write the page of scenario '%s': %s", p.scen[i].name,
				  strerror(-r));
			goto out;
		}
	}
	r = rp_write_index(&p);
	if (r == 0)
		r = rp_write_md(&p);
	if (r < 0) {
		say_error("cannot write the report into '%s': %s", p.out, strerror(-r));
		goto out;
	}
	t_pages = mtime_now_us() - t0;
	if (p.timing) {
		rp_timing("query (runs read)", t_query);
		rp_timing("analysis (all)", t_analyse);
		rp_timing("  report_compare", p.compare_us);
		rp_timing("  report_trend", p.trend_us);
		rp_timing("charts (gnuplot)", p.chart_us);
		rp_timing("pages", t_pages - p.chart_us);
		printf("timing: %zu runs, %zu series, %zu scenarios, %zu charts\n", p.n_runs,
		       p.n_series, p.n_scen, p.n_charts);
	}
	if (p.n_chart_fail)
		say_error("warning: %zu of %zu charts not drawn", p.n_chart_fail, p.n_charts);
	printf("report: %s/index.html (%zu regressions, %zu series, %zu scenarios)\n", p.out,
	       p.cmp.counts[COMPARE_REGRESSION], p.n_series, p.n_scen);
	/* pages without a single chart: gnuplot or its scripts are missing,
	 * a capability, said as such (the pages are there all the same) */
	ret = p.n_charts && p.n_chart_fail == p.n_charts ? EXIT_UNAVAILABLE : EXIT_OK;
out:
	results_close(db);
	rp_release(&p);
	return ret;
}
