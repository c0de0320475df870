/*
 * pages.c: report_pages_write() (pages.h): read the selection, find the
 * newest night and its host, compare that night with its baseline, trend
 * the host's history, compose every page, draw the charts with gnuplot
 * in the background while the analysis goes on (the sparklines during
 * the comparison, the charts of the runs during the trend, then the
 * history), and write the pages. Also the small pieces every page uses:
 * values and changes as the tables show them, and the figures of a
 * series (noise, detectable change, clusters, bounds) as compare gives
 * them.
 *
 * It never prints: chart failures reach the caller through the observer,
 * figures through struct report_pages_stats, failures through the diag.
 * It does not store anything (the trend's change points are only drawn).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mtime.h"
#include "pages_int.h"

/* ---- values as the pages show them ----------------------------------------- */

static bool pages_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

void pages_metric_unit(const char *metric, const char **label, double *scale)
{
	if (!strcmp(metric, "goodput_bps")) {
		*label = "goodput (Mbit/s)";
		*scale = 1e-6;
	} else if (pages_ends_with(metric, "_bps")) {
		*label = "Mbit/s";
		*scale = 1e-6;
	} else if (!strcmp(metric, "completion_us")) {
		*label = "completion time (s)";
		*scale = 1e-6;
	} else if (pages_ends_with(metric, "_us")) {
		*label = "ms";
		*scale = 1e-3;
	} else {
		*label = metric;
		*scale = 1;
	}
}

void pages_fmt_value(const char *metric, double v, char *buf, size_t size)
{
	if (!isfinite(v))
		snprintf(buf, size, "-");
	else if (pages_ends_with(metric, "_bps"))
		snprintf(buf, size, "%.2f Mbit/s", v / 1e6);
	else if (!strcmp(metric, "completion_us"))
		snprintf(buf, size, "%.3f s", v / 1e6);
	else if (pages_ends_with(metric, "_us"))
		snprintf(buf, size, "%.3g ms", v / 1e3);
	else
		snprintf(buf, size, "%.4g", v);
}

void pages_fmt_change(const struct compare_series *s, char *buf, size_t size)
{
	if (!isfinite(s->ratio))
		snprintf(buf, size, "-");
	else if (isfinite(s->ci_lo) && isfinite(s->ci_hi))
		snprintf(buf, size, "%+.1f %% [%+.1f, %+.1f]", (s->ratio - 1) * 100,
			 (s->ci_lo - 1) * 100, (s->ci_hi - 1) * 100);
	else
		snprintf(buf, size, "%+.1f %%", (s->ratio - 1) * 100);
}

void pages_fmt_pct(double v, char *buf, size_t size)
{
	if (!isfinite(v))
		snprintf(buf, size, "-");
	else if (fabs(v) < 0.01)
		snprintf(buf, size, "%.2f %%", v * 100);
	else
		snprintf(buf, size, "%.1f %%", v * 100);
}

void pages_fmt_mdc(double mdc, char *buf, size_t size)
{
	if (isinf(mdc))
		snprintf(buf, size, "none");
	else if (mdc >= 1.0) /* a verdict would need the metric to double */
		snprintf(buf, size, "&gt; 100 %%");
	else
		pages_fmt_pct(mdc, buf, size);
}

void pages_ecdf(const double *v, size_t n, double scale, double *x, double *y)
{
	for (size_t i = 0; i < n; i++)
		x[i + 1] = v[i] * scale;
	qsort(x + 1, n, sizeof(*x), pages_dbl_cmp);
	for (size_t i = 0; i < n; i++)
		y[i + 1] = (double)(i + 1) / (double)n;
	x[0] = n ? x[1] : 0;
	y[0] = 0;
}

/* ---- the figures of a series ------------------------------------------------ */

static double pages_rel(double mad, double median)
{
	if (!isfinite(mad) || !isfinite(median) || median == 0)
		return NAN;
	return mad / fabs(median);
}

/* The most runs a side the pages look for when a series cannot detect
 * PAGES_TARGET_CHANGE; beyond it, "no" without a number. */
#define PAGES_RUNS_MAX_TARGET 500

/* The nights' relative SD as compare measured it: pooled over the sides
 * that span 3 nights or more when the nights were the unit, else the one
 * side's that does; NaN when no side does. */
static double pages_between(const struct stats_comparison *st)
{
	bool b = isfinite(st->base.sigma_between), c = isfinite(st->cand.sigma_between);

	if (!b && !c)
		return NAN;
	if (st->test == STATS_TEST_GROUP_T && isfinite(st->noise.sigma_between))
		return st->noise.sigma_between;
	return b ? st->base.sigma_between : st->cand.sigma_between;
}

void pages_figs_of(const struct compare_series *cs, struct pages_figs *f)
{
	const struct stats_comparison *st = &cs->st;

	*f = (struct pages_figs){
		.spread_base = pages_rel(cs->mad_base, cs->median_base),
		.spread_cand = pages_rel(cs->mad_cand, cs->median_cand),
		.noise_within = NAN,
		.noise_between = NAN,
		.mdc = NAN,
		.floor = NAN,
		.cluster_share = { NAN, NAN },
		.cluster_centre = { NAN, NAN },
		.cluster_upper = { NAN, NAN },
		.mix_p = NAN,
		.bound = NAN,
		.p_exceed_base = NAN, .p_exceed_base_lo = NAN, .p_exceed_base_hi = NAN,
		.p_exceed_cand = NAN, .p_exceed_cand_lo = NAN, .p_exceed_cand_hi = NAN,
		.p_exceed_p = NAN,
	};
	if (cs->has_stats) {
		/* the pooled within-night SD is 0 when no side measured it */
		if (isfinite(st->base.sigma_within) || isfinite(st->cand.sigma_within))
			f->noise_within = st->noise.sigma_within;
		f->noise_between = pages_between(st);
		f->mdc = st->mdc; /* INFINITY: the test cannot reach its level */
		f->floor = st->floor;
		/* the detectable change is never below the floor: past the
		 * target, no number of runs reaches it */
		if (pages_figs_weak(f) && isfinite(st->noise.sigma_within) &&
		    !(st->floor >= PAGES_TARGET_CHANGE)) {
			const struct stats_verdict_opts o = {
				.higher_is_better = cs->higher_is_better,
				.level = st->level,
			};
			size_t runs;

			if (stats_runs_needed(&st->noise, PAGES_TARGET_CHANGE, &o,
					      PAGES_RUNS_MAX_TARGET, &runs) == 0)
				f->runs_for_target = runs;
		}
		/* the shape was looked at when the KS test ran */
		if (isfinite(st->ks_d))
			f->n_clusters = 1;
	}
	if (cs->bimodal) {
		const struct compare_mix *m = &cs->mix;
		uint64_t n[2] = { m->count[0][0] + m->count[1][0], m->count[0][1] + m->count[1][1] };
		uint64_t all = n[0] + n[1];

		f->n_clusters = 2;
		for (int k = 0; k < 2; k++) {
			f->cluster_share[k] = all ? (double)n[k] / (double)all : (double)NAN;
			f->cluster_centre[k] = m->centre[k];
		}
		f->cluster_upper[0] = m->share_base;
		f->cluster_upper[1] = m->share_cand;
		f->mix_p = isfinite(m->p_adjusted) ? m->p_adjusted : m->p;
	}
	if (cs->has_bound) {
		const struct compare_bound *b = &cs->bound;

		f->bound = b->bound_us;
		f->p_exceed_base = b->p_base;
		f->p_exceed_base_lo = b->p_base_lo;
		f->p_exceed_base_hi = b->p_base_hi;
		f->p_exceed_cand = b->p_cand;
		f->p_exceed_cand_lo = b->p_cand_lo;
		f->p_exceed_cand_hi = b->p_cand_hi;
		f->p_exceed_p = b->p;
	}
}

bool pages_figs_weak(const struct pages_figs *g)
{
	return g->mdc > PAGES_TARGET_CHANGE; /* INFINITY: none at all; NaN: not measured */
}

void pages_health_cells(FILE *f, const struct pages_figs *g)
{
	char a[32], b[32];

	pages_fmt_pct(g->noise_within, a, sizeof(a));
	pages_fmt_pct(g->noise_between, b, sizeof(b));
	if (isfinite(g->noise_within))
		fprintf(f, "<td class=\"num\">%s</td><td class=\"num\">%s</td>", a, b);
	else
		fputs("<td class=\"num\" title=\"not measured by this build of compare\">-</td>"
		      "<td class=\"num\" title=\"not measured by this build of compare\">-</td>",
		      f);
	if (isnan(g->mdc)) {
		fputs("<td class=\"num\" title=\"not measured by this build of compare\">-</td><td>-</td>", f);
		return;
	}
	pages_fmt_mdc(g->mdc, a, sizeof(a));
	if (isfinite(g->mdc) && g->mdc >= 1.0)
		fprintf(f, "<td class=\"num\" title=\"too few nights or runs a side for the test: "
			   "only a change of more than 100 %% would reach its level\">%s</td>", a);
	else
		fprintf(f, "<td class=\"num\">%s</td>", a);
	if (!pages_figs_weak(g)) {
		fputs("<td>yes</td>", f);
	} else if (g->runs_for_target) {
		fprintf(f, "<td class=\"weak\" title=\"%zu runs a side would detect it\">"
			   "no: %zu runs</td>", g->runs_for_target, g->runs_for_target);
	} else if (g->floor > PAGES_TARGET_CHANGE) {
		pages_fmt_pct(g->floor, b, sizeof(b));
		fprintf(f, "<td class=\"weak\" title=\"its floor, the noise of one run on a random "
			   "night, is %s: more runs a night cannot help\">no: floor %s</td>", b, b);
	} else {
		fputs("<td class=\"weak\">no</td>", f);
	}
}

void pages_figs_html(FILE *f, const struct compare_series *cs, const struct pages_figs *g)
{
	char a[64], b[64], c[96];

	fputs("<ul class=\"figs\">\n<li>", f);
	pages_fmt_value(cs->metric, cs->median_base, a, sizeof(a));
	pages_fmt_value(cs->metric, cs->median_cand, b, sizeof(b));
	pages_fmt_change(cs, c, sizeof(c));
	fprintf(f, "<b>%s</b>: ", compare_verdict_words(cs->verdict)->label);
	html_text(f, cs->reason);
	fprintf(f, ".</li>\n<li>Runs: %zu baseline, %zu candidate; median %s &rarr; %s, change %s",
		cs->n_base, cs->n_cand, a, b, c);
	if (isfinite(cs->p_adjusted))
		fprintf(f, ", adjusted p %.2g", cs->p_adjusted);
	fputs(".</li>\n<li>Noise: ", f);
	if (isfinite(g->noise_within)) {
		pages_fmt_pct(g->noise_within, a, sizeof(a));
		fprintf(f, "a run varies by %s within a night", a);
		if (isfinite(g->noise_between)) {
			pages_fmt_pct(g->noise_between, b, sizeof(b));
			fprintf(f, ", the nights by %s", b);
		} else {
			fputs(", between nights not measured (fewer than 3 nights)", f);
		}
		fputs(" (relative SD)", f);
	} else {
		pages_fmt_pct(g->spread_base, a, sizeof(a));
		pages_fmt_pct(g->spread_cand, b, sizeof(b));
		fprintf(f, "MAD/median %s baseline, %s candidate; within and between nights not "
			   "measured by this build of compare", a, b);
	}
	fputs(".</li>\n<li>Smallest change it can detect at these runs: ", f);
	if (isnan(g->mdc)) {
		fputs("not measured by this build of compare", f);
	} else if (isinf(g->mdc)) {
		fputs("none (too few runs for the test to reach its level)", f);
	} else if (g->mdc >= 1.0) {
		fputs("more than 100 % (too few nights or runs a side for the test to reach its "
		      "level)", f);
	} else {
		pages_fmt_pct(g->mdc, a, sizeof(a));
		fputs(a, f);
	}
	if (pages_figs_weak(g)) {
		pages_fmt_pct(PAGES_TARGET_CHANGE, b, sizeof(b));
		fprintf(f, " <span class=\"weak\">cannot detect %s", b);
		if (g->runs_for_target) {
			fprintf(f, "; %zu runs a side would", g->runs_for_target);
		} else if (g->floor > PAGES_TARGET_CHANGE) {
			pages_fmt_pct(g->floor, a, sizeof(a));
			fprintf(f, " at any number of runs a night: its floor, the noise of one run "
				   "on a random night, is %s", a);
		}
		fputs("</span>", f);
	}
	fputs(".</li>\n", f);
	if (g->n_clusters == 2) {
		fprintf(f, "<li>Shape: <b>bimodal</b>, two clusters: %.0f %% of the runs around ",
			g->cluster_share[0] * 100);
		pages_fmt_value(cs->metric, g->cluster_centre[0], a, sizeof(a));
		fprintf(f, "%s and %.0f %% around ", a, g->cluster_share[1] * 100);
		pages_fmt_value(cs->metric, g->cluster_centre[1], a, sizeof(a));
		fprintf(f, "%s", a);
		if (isfinite(g->cluster_upper[0]) && isfinite(g->cluster_upper[1]))
			fprintf(f, "; the upper one holds %.0f %% of the baseline and %.0f %% of the "
				   "candidate",
				g->cluster_upper[0] * 100, g->cluster_upper[1] * 100);
		if (isfinite(g->mix_p))
			fprintf(f, " (Fisher p %.2g)", g->mix_p);
		if (cs->mix.by[0]) {
			fputs(", told apart by <code>", f);
			html_text(f, cs->mix.by);
			fputs("</code>", f);
		}
		fputs(".</li>\n", f);
	} else if (g->n_clusters == 1) {
		fputs("<li>Shape: one cluster.</li>\n", f);
	}
	if (isfinite(g->p_exceed_base) || isfinite(g->p_exceed_cand)) {
		fputs("<li>Bound", f);
		if (isfinite(g->bound)) {
			pages_fmt_value(cs->metric, g->bound, a, sizeof(a));
			fprintf(f, " (%s)", a);
		}
		fprintf(f, " exceeded: baseline %.0f %% [%.0f, %.0f], candidate %.0f %% "
			   "[%.0f, %.0f] of the runs (95 %% Clopper-Pearson)",
			g->p_exceed_base * 100, g->p_exceed_base_lo * 100, g->p_exceed_base_hi * 100,
			g->p_exceed_cand * 100, g->p_exceed_cand_lo * 100, g->p_exceed_cand_hi * 100);
		if (isfinite(g->p_exceed_p))
			fprintf(f, ", Fisher p %.2g", g->p_exceed_p);
		fputs(".</li>\n", f);
	}
	fputs("</ul>\n", f);
}

bool pages_name_eq(const char *cut, size_t size, const char *full)
{
	if (strlen(full) < size)
		return !strcmp(cut, full);
	return !strncmp(cut, full, size - 4) && !strcmp(cut + size - 4, "...");
}

bool pages_cs_is(const struct compare_series *cs, const struct pages_series *s)
{
	return PAGES_CS_EQ(cs, scenario, s->scenario) && PAGES_CS_EQ(cs, variant_key, s->variant) &&
	       PAGES_CS_EQ(cs, metric, s->metric);
}

const struct pages_series *pages_find_series(const struct pages *p,
					     const struct compare_series *cs)
{
	for (size_t i = 0; i < p->n_series; i++)
		if (pages_cs_is(cs, &p->series[i]))
			return &p->series[i];
	return NULL;
}

const struct pages_scen *pages_find_scen(const struct pages *p, const char *name)
{
	for (size_t i = 0; i < p->n_scen; i++)
		if (!strcmp(p->scen[i].name, name))
			return &p->scen[i];
	return NULL;
}

/* ---- the analysis ------------------------------------------------------------ */

/* "WHAT: WHY" in d, WHY the message d holds when NULL. */
static int pages_fail(struct diag *d, int err, const char *what, const char *why)
{
	char msg[DIAG_MSG_MAX];

	snprintf(msg, sizeof(msg), "%s", why ? why : diag_str(d));
	diag_clear(d);
	return diag_set(d, err, "%s: %s", what, msg);
}

/* The night's verdicts. */
static int pages_compare(struct pages *p, struct results *db, struct diag *d)
{
	struct results_filter cand = *p->sel, base;
	uint64_t t0;
	time_t t;
	struct tm tm;
	int r;

	if (p->night_start_us && p->night_start_us <= p->newest_us) {
		p->night_us = p->night_start_us;
		p->night_end_us = UINT64_MAX;
	} else {
		p->night_us = p->newest_us / PAGES_DAY_US * PAGES_DAY_US;
		p->night_end_us = p->night_us + PAGES_DAY_US;
	}
	t = (time_t)(p->night_us / 1000000);
	if (!gmtime_r(&t, &tm) || !strftime(p->night, sizeof(p->night), "%Y-%m-%d", &tm))
		snprintf(p->night, sizeof(p->night), "?");
	cand.host = p->host;
	cand.metrics_only = true;
	if (!cand.since_us || cand.since_us < p->night_us)
		cand.since_us = p->night_us;
	if (p->night_end_us != UINT64_MAX)
		cand.until_us = p->night_end_us;
	for (int i = 0; i < 4; i++) {
		struct results_filter c = cand;

		c.status = pages_status_label[i];
		r = results_count(db, &c, &p->by_status[i], d);
		if (r < 0)
			return r;
	}
	if (p->base) {
		base = *p->base;
	} else {
		base = *p->sel;
		base.host = p->host;
		base.until_us = p->night_us;
		if (p->baseline_nights && p->night_us > p->baseline_nights * PAGES_DAY_US &&
		    base.since_us < p->night_us - p->baseline_nights * PAGES_DAY_US)
			base.since_us = p->night_us - p->baseline_nights * PAGES_DAY_US;
	}
	/* compare reads the figures alone; the counts above read the runs */
	base.metrics_only = true;
	t0 = mtime_now_us();
	r = report_compare(db, &base, &cand, NULL, &p->cmp, d);
	p->compare_us = mtime_now_us() - t0;
	if (r == -ENODATA || r == -EINVAL) {
		/* no verdicts tonight is a note in the pages, not a failure */
		snprintf(p->cmp_note, sizeof(p->cmp_note), "%s", diag_str(d));
		diag_clear(d);
		compare_result_release(&p->cmp);
		memset(&p->cmp, 0, sizeof(p->cmp));
	} else if (r < 0) {
		return r;
	} else {
		p->have_cmp = true;
	}
	return 0;
}

/* The host's whole history; its change points are drawn, not stored. */
static int pages_trend(struct pages *p, struct results *db, struct diag *d)
{
	struct results_filter hist = *p->sel;
	uint64_t t0 = mtime_now_us();
	int r;

	hist.host = p->host;
	hist.metrics_only = true;
	r = report_trend(db, &hist, &(struct trend_opts){ 0 }, &p->tr, d);
	p->trend_us = mtime_now_us() - t0;
	return r < 0 ? r : 0;
}

static void pages_release(struct pages *p)
{
	pages_collected_release(p);
	compare_result_release(&p->cmp);
	trend_result_release(&p->tr);
	pages_out_close(&p->out);
	free(p);
}

/* Start drawing what is queued, in the background. A missing gnuplot is
 * a note in every figure: the report goes on. */
static void pages_start(struct pages *p, struct diag *d)
{
	uint64_t t0 = mtime_now_us();

	if (chart_batch_start(p->out.batch, d) < 0)
		diag_clear(d);
	p->out.chart_us += mtime_now_us() - t0;
}

/* Everything but reading the runs, in an order that keeps both cores
 * busy: the sparklines, drawn while the night is compared; the pages and
 * charts the comparison needs, drawn while the trend is computed; then
 * the history charts, and the pages written once every chart is drawn.
 * Three gnuplot processes, each starting once its charts are known. */
static int pages_build(struct pages *p, struct results *db, struct report_pages_stats *st,
		       struct diag *d)
{
	struct pages_doc *docs;
	size_t n_docs = 2 * p->n_scen + 1;
	uint64_t t0, analysis_us = 0;
	int r;

	r = pages_out_open(&p->out, p->out.dir, p->out.obs, d);
	if (r < 0)
		return r;
	/* the sparklines need the runs alone: drawn while compare works */
	pages_sparklines(p);
	pages_start(p, d);
	t0 = mtime_now_us();
	r = pages_kernels(p);
	if (r == 0)
		r = pages_compare(p, db, d);
	analysis_us += mtime_now_us() - t0;
	if (r < 0)
		return pages_fail(d, r, "cannot analyse the runs", r == -ENOMEM ? "out of memory" : NULL);
	st->n_regressions = p->cmp.counts[COMPARE_REGRESSION];

	docs = calloc(n_docs, sizeof(*docs));
	if (!docs)
		return diag_set(d, -ENOMEM, "cannot write the report: out of memory");
	/* docs: [0, n_scen) histories, [n_scen, 2 n_scen) the rest, index */
	for (size_t i = 0; i < p->n_scen && r == 0; i++) {
		r = pages_scenario_runs(p, db, &p->scen[i], &docs[p->n_scen + i]);
		if (r < 0)
			diag_set(d, r, "cannot write the page of scenario '%s': %s", p->scen[i].name,
				 strerror(-r));
	}
	if (r == 0) {
		r = pages_write_index(p, &docs[2 * p->n_scen]);
		if (r < 0)
			diag_set(d, r, "cannot write the report into '%s': %s", p->out.dir,
				 strerror(-r));
	}
	if (r == 0) {
		/* the runs' charts drawn while the trend is computed */
		pages_start(p, d);
		t0 = mtime_now_us();
		r = pages_trend(p, db, d);
		analysis_us += mtime_now_us() - t0;
		if (r < 0)
			r = pages_fail(d, r, "cannot analyse the runs", NULL);
	}
	for (size_t i = 0; i < p->n_scen && r == 0; i++) {
		r = pages_scenario_history(p, &p->scen[i], &docs[i]);
		if (r < 0)
			diag_set(d, r, "cannot write the page of scenario '%s': %s", p->scen[i].name,
				 strerror(-r));
	}
	if (r == 0)
		r = pages_draw(&p->out, d);
	for (size_t i = 0; i < p->n_scen && r == 0; i++) {
		r = pages_doc_finish(&docs[i], &docs[p->n_scen + i], &p->out);
		if (r < 0)
			diag_set(d, r, "cannot write '%s/%s': %s", p->out.dir, docs[i].name,
				 strerror(-r));
	}
	if (r == 0) {
		r = pages_doc_finish(&docs[2 * p->n_scen], NULL, &p->out);
		if (r < 0)
			diag_set(d, r, "cannot write '%s/index.html': %s", p->out.dir, strerror(-r));
	}
	if (r == 0) {
		r = pages_write_md(p);
		if (r < 0)
			diag_set(d, r, "cannot write '%s/report.md': %s", p->out.dir, strerror(-r));
	}
	for (size_t i = 0; i < n_docs; i++)
		pages_doc_release(&docs[i]);
	free(docs);
	st->analysis_us = analysis_us;
	return r;
}

int report_pages_write(struct results *db, const struct report_pages_opts *o,
		       const struct report_pages_observer *obs, struct report_pages_stats *st,
		       struct diag *d)
{
	static const struct results_filter every_run;
	struct report_pages_stats unused;
	struct pages *p;
	uint64_t t0;
	int r;

	if (!st)
		st = &unused;
	memset(st, 0, sizeof(*st));
	if (!o->out_dir || !*o->out_dir)
		return diag_set(d, -EINVAL, "cannot write the report: no output directory");
	p = calloc(1, sizeof(*p));
	if (!p)
		return diag_set(d, -ENOMEM, "cannot write the report: out of memory");
	p->out.dir = o->out_dir;
	p->out.obs = obs;
	p->out.png = o->png;
	p->sel = o->sel ? o->sel : &every_run;
	p->base = o->baseline;
	p->night_start_us = o->night_start_us;
	if (o->baseline_nights == REPORT_PAGES_ALL_NIGHTS)
		p->baseline_nights = 0;
	else
		p->baseline_nights = o->baseline_nights ? o->baseline_nights : REPORT_PAGES_NIGHTS;

	t0 = mtime_now_us();
	{
		/* the history needs each run's figures, not its intervals */
		struct results_filter all = *p->sel;

		all.metrics_only = true;
		r = results_query(db, &all, pages_collect_run, p, d);
	}
	if (r < 0) {
		r = pages_fail(d, r, "cannot read the runs", r == -ENOMEM ? "out of memory" : NULL);
		goto out;
	}
	st->n_runs = p->n_runs;
	st->n_series = p->n_series;
	st->n_scenarios = p->n_scen;
	if (!p->n_runs) {
		r = diag_set(d, -ENODATA, "cannot write the report: no run in the selection");
		goto out;
	}
	st->query_us = mtime_now_us() - t0;

	t0 = mtime_now_us();
	r = pages_build(p, db, st, d);
	st->compare_us = p->compare_us;
	st->trend_us = p->trend_us;
	st->n_charts = chart_batch_count(p->out.batch);
	for (size_t i = 0; i < st->n_charts; i++)
		st->n_charts_failed += chart_batch_status(p->out.batch, i, NULL) != 0;
	st->n_gnuplots = chart_batch_procs(p->out.batch);
	st->charts_us = p->out.chart_us;
	st->pages_us = mtime_now_us() - t0 - st->analysis_us - p->out.chart_us;
out:
	pages_release(p);
	return r;
}
