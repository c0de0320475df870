/*
 * pages_scenario.c: one page per scenario of a night report (pages.h):
 *
 *  - History: per metric, the nightly median of each variant over time
 *    with its 95 % CI, change points and kernel changes marked, on an
 *    axis that fits the nights (one night is a point with its CI, a day
 *    either side, not a year);
 *  - The runs: per metric, the runs of the baseline and of the night as
 *    combined CDFs (each variant's baseline dashed, its night solid, as
 *    Flent draws them) and as a strip of points; then per series what
 *    compare says of it: verdict and reason, noise within and between
 *    nights, the smallest change it can detect, its clusters, a bound's
 *    exceedance;
 *  - the kernels seen, and the newest ok run's own charts (pages_run.c).
 *
 * It computes no verdict and no statistic (the figures are compare's);
 * it writes no other page.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pages_int.h"

/* Change points of (scenario, metric) from the trend, as marks. */
static size_t pages_cp_marks(const struct pages *p, const char *scen, const char *metric,
			     struct chart_mark *marks, char (*labels)[PAGES_MARK_LABEL],
			     size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < p->tr.n && n < max; i++) {
		const struct trend_series *t = &p->tr.series[i];

		if (strcmp(t->scenario, scen) || strcmp(t->metric, metric))
			continue;
		for (size_t k = 0; k < t->n_cps && n < max; k++) {
			snprintf(labels[n], sizeof(labels[n]), "change %s %+.1f%%%s%s",
				 t->cps[k].label, t->cps[k].change * 100,
				 t->variant_key[0] ? " " : "", t->variant_key);
			marks[n] = (struct chart_mark){ (double)(t->cps[k].at_us / 1000000),
							labels[n], CHART_MARK_CHANGE };
			n++;
		}
	}
	return n;
}

static void pages_trend_chart(struct pages *p, FILE *f, const struct pages_scen *sc,
			      const char *metric, char (*labels)[PAGES_MARK_LABEL])
{
	struct chart_series cs[CHART_SERIES_MAX];
	struct pages_nights nights[CHART_SERIES_MAX];
	struct chart_mark marks[CHART_MARKS_MAX];
	char base[HTML_SLUG_MAX + 32], title[256];
	const char *ylabel;
	double scale, x_lo = INFINITY, x_hi = -INFINITY, pad;
	size_t ns = 0, nm, n_cp, n_pts = 0;
	int chart;

	pages_metric_unit(metric, &ylabel, &scale);
	for (size_t i = 0; i < p->n_series && ns < CHART_SERIES_MAX; i++) {
		struct pages_series *s = &p->series[i];

		if (strcmp(s->scenario, sc->name) || strcmp(s->metric, metric) || !s->n)
			continue;
		if (pages_nights_of(s, p->newest_host, &nights[ns]) < 0)
			continue;
		if (!nights[ns].n) {
			pages_nights_release(&nights[ns]);
			continue;
		}
		for (size_t k = 0; k < nights[ns].n; k++) {
			nights[ns].y[k] *= scale;
			nights[ns].lo[k] *= scale;
			nights[ns].hi[k] *= scale;
			x_lo = fmin(x_lo, nights[ns].x[k]);
			x_hi = fmax(x_hi, nights[ns].x[k]);
		}
		n_pts = nights[ns].n > n_pts ? nights[ns].n : n_pts;
		cs[ns] = (struct chart_series){ s->variant[0] ? s->variant : "-", nights[ns].x,
						nights[ns].y, nights[ns].lo, nights[ns].hi,
						nights[ns].n, 0, false };
		ns++;
	}
	if (!ns)
		return;
	n_cp = pages_cp_marks(p, sc->name, metric, marks, labels, CHART_MARKS_MAX);
	nm = n_cp;
	for (size_t k = 1; k < sc->n_km && nm < CHART_MARKS_MAX; k++)
		marks[nm++] = (struct chart_mark){ (double)(sc->km[k].t_us / 1000000),
						   sc->km[k].release, CHART_MARK_KERNEL };
	/* the axis spans the nights: one night is a day either side of it,
	 * a history a little more than itself */
	pad = x_hi > x_lo ? fmax(43200, (x_hi - x_lo) * 0.03) : 86400;
	snprintf(title, sizeof(title), "%s: %s per night (median, 95%% CI)", sc->name, metric);
	snprintf(base, sizeof(base), "charts/trend-%s-%s", sc->slug, metric);
	chart = pages_chart(&p->out,
			    &(struct chart_spec){ .kind = CHART_TREND, .title = title,
						  .xlabel = "night", .ylabel = ylabel,
						  .x_is_time = true, .series = cs, .n_series = ns,
						  .marks = marks, .n_marks = nm,
						  .x_min = x_lo - pad, .x_max = x_hi + pad },
			    base);
	fputs("<h3>", f);
	html_text(f, metric);
	fprintf(f, " over %zu night%s</h3>\n", n_pts, n_pts == 1 ? "" : "s");
	pages_figure(f, chart, base, "chart", title);
	fprintf(f, "\n<p class=\"note\">Lines: nightly median per variant; band%s: its 95 %% CI; "
		   "red marks: change points (%zu), grey: kernel-release changes (%zu).%s</p>\n",
		n_pts <= 20 ? " and bars" : "", n_cp, nm - n_cp,
		n_pts == 1 ? " One night so far: a point with its CI." : "");
	for (size_t i = 0; i < ns; i++)
		pages_nights_release(&nights[i]);
}

/* The runs of one metric: the baseline's and the night's from compare,
 * else (no verdicts tonight) the night's own. */
static void pages_scenario_runs_of(struct pages *p, FILE *f, const struct pages_scen *sc,
				   const char *metric)
{
	struct pages_runs_set set = { .scenario = sc->name, .slug = sc->slug, .metric = metric,
				      .side_name = { "baseline", "night" } };
	double *own[PAGES_RUNS_MAX] = { 0 };

	if (p->have_cmp) {
		pages_runs_set_of(&set, &p->cmp);
	} else {
		for (size_t i = 0; i < p->n_series && set.n < PAGES_RUNS_MAX; i++) {
			const struct pages_series *s = &p->series[i];
			size_t n;

			if (strcmp(s->scenario, sc->name) || strcmp(s->metric, metric) || !s->n)
				continue;
			own[set.n] = malloc(s->n * sizeof(double));
			if (!own[set.n])
				break;
			n = pages_night_vals(p, s, own[set.n]);
			if (!n) {
				free(own[set.n]);
				own[set.n] = NULL;
				continue;
			}
			set.variant[set.n] = s->variant[0] ? s->variant : "-";
			set.v[set.n][1] = own[set.n];
			set.n_v[set.n][1] = n;
			set.n++;
		}
	}
	pages_runs_section(&p->out, f, &set);
	for (size_t i = 0; i < PAGES_RUNS_MAX; i++)
		free(own[i]);
}

static void pages_newest_run(struct pages *p, struct results *db, FILE *f,
			     const struct pages_scen *sc)
{
	struct pages_run run;
	struct diag d = DIAG_INIT;
	char title[512];

	fputs("<h2>The newest ok run</h2>\n", f);
	if (!sc->newest_uuid[0]) {
		fputs("<p class=\"note\">No ok run of this scenario in the selection.</p>\n", f);
		return;
	}
	fputs("<p>Run <code>", f);
	html_text(f, sc->newest_uuid);
	fputs("</code>.</p>\n", f);
	if (pages_run_load(db, sc->newest_uuid, &run, &d) < 0) {
		fputs("<p class=\"note\">Cannot read this run: ", f);
		html_text(f, diag_str(&d));
		fputs("</p>\n", f);
		return;
	}
	snprintf(title, sizeof(title), "%s (%s)", sc->name, run.variant[0] ? run.variant : "-");
	pages_run_section(&p->out, f, &run,
			  &(struct pages_run_charts){ .title = title, .slug = sc->slug });
	pages_run_release(&run);
}

int pages_scenario_history(struct pages *p, const struct pages_scen *sc, struct pages_doc *doc)
{
	char (*labels)[PAGES_MARK_LABEL] = malloc(CHART_MARKS_MAX * sizeof(*labels));
	FILE *f;
	int ret;

	if (!labels)
		return -ENOMEM;
	ret = pages_scenario_open(doc, "scenario", sc->slug, sc->name, "mptcp-lab", "");
	if (ret < 0)
		goto out;
	f = doc->f;
	fputs("<h2>History</h2>\n", f);
	for (size_t m = 0; m < PAGES_N_METRICS; m++)
		pages_trend_chart(p, f, sc, pages_metrics[m], labels);
	ret = ferror(f) ? -EIO : 0;
out:
	free(labels);
	return ret;
}

int pages_scenario_runs(struct pages *p, struct results *db, const struct pages_scen *sc,
			struct pages_doc *doc)
{
	FILE *f;
	int ret;

	ret = pages_doc_part(doc);
	if (ret < 0)
		return ret;
	f = doc->f;
	fputs(p->have_cmp ? "<h2>The runs: baseline and night</h2>\n" : "<h2>The night's runs</h2>\n",
	      f);
	if (!p->have_cmp) {
		fputs("<p class=\"note\">No verdicts: ", f);
		html_text(f, p->cmp_note);
		fputs("</p>\n", f);
	}
	for (size_t m = 0; m < PAGES_N_METRICS; m++)
		pages_scenario_runs_of(p, f, sc, pages_metrics[m]);
	pages_series_figs(f, &p->cmp, sc->name);
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
	pages_newest_run(p, db, f, sc);
	return ferror(f) ? -EIO : 0;
}
