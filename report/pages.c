/*
 * pages.c: report_pages_write() (pages.h): read the selection, find the
 * newest night and its host, compare that night with its baseline, trend
 * the host's history, then draw and write every page. Also the small
 * pieces every page uses: a chart drawn with its failure told to the
 * observer, its image link, values and changes as the tables show them.
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

/* ---- what every page uses ---------------------------------------------------- */

bool pages_chart(struct pages *p, const struct chart_spec *c, const char *base, char *note,
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
	if (p->obs && p->obs->chart_failed)
		p->obs->chart_failed(p->obs->ctx, p->n_chart_fail, diag_str(&d));
	if (note)
		snprintf(note, note_size, "chart not drawn: %s", diag_str(&d));
	return false;
}

void pages_img(FILE *f, const char *base, const char *cls, const char *alt, bool ok,
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

void pages_metric_unit(const char *metric, const char **label, double *scale)
{
	if (!strcmp(metric, "goodput_bps")) {
		*label = "goodput (Mbit/s)";
		*scale = 1e-6;
	} else {
		*label = metric;
		*scale = 1;
	}
}

void pages_fmt_value(const char *metric, double v, char *buf, size_t size)
{
	if (!isfinite(v))
		snprintf(buf, size, "-");
	else if (!strcmp(metric, "goodput_bps"))
		snprintf(buf, size, "%.2f Mbit/s", v / 1e6);
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

/* The night's verdicts and the host's trend. */
static int pages_analyse(struct pages *p, struct results *db, struct diag *d)
{
	struct results_filter cand = *p->sel, base;
	uint64_t t0;
	time_t t;
	struct tm tm;
	int r;

	p->night_us = p->newest_us / PAGES_DAY_US * PAGES_DAY_US;
	t = (time_t)(p->night_us / 1000000);
	if (!gmtime_r(&t, &tm) || !strftime(p->night, sizeof(p->night), "%Y-%m-%d", &tm))
		snprintf(p->night, sizeof(p->night), "?");
	cand.host = p->host;
	if (!cand.since_us || cand.since_us < p->night_us)
		cand.since_us = p->night_us;
	cand.until_us = p->night_us + PAGES_DAY_US;
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
	/* the host's whole history; its change points are drawn, not stored */
	base = *p->sel;
	base.host = p->host;
	t0 = mtime_now_us();
	r = report_trend(db, &base, &(struct trend_opts){ 0 }, &p->tr, d);
	p->trend_us = mtime_now_us() - t0;
	return r < 0 ? r : 0;
}

static int pages_mkdir(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

/* Sparklines, the scenario pages, index.html and report.md. */
static int pages_write_all(struct pages *p, struct results *db, struct diag *d)
{
	char charts[PATH_MAX];
	int r;

	r = pages_mkdir(p->out);
	if (r == 0 && xsnprintf(charts, sizeof(charts), "%s/charts", p->out) < 0)
		r = -ENAMETOOLONG;
	if (r == 0)
		r = pages_mkdir(charts);
	if (r < 0)
		return diag_set(d, r, "cannot create '%s': %s", p->out, strerror(-r));
	pages_sparklines(p);
	for (size_t i = 0; i < p->n_scen; i++) {
		r = pages_write_scenario(p, db, &p->scen[i]);
		if (r < 0)
			return diag_set(d, r, "cannot write the page of scenario '%s': %s",
					p->scen[i].name, strerror(-r));
	}
	r = pages_write_index(p);
	if (r == 0)
		r = pages_write_md(p);
	if (r < 0)
		return diag_set(d, r, "cannot write the report into '%s': %s", p->out, strerror(-r));
	return 0;
}

static void pages_release(struct pages *p)
{
	pages_collected_release(p);
	compare_result_release(&p->cmp);
	trend_result_release(&p->tr);
	free(p);
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
	/* on the heap: the chart mark labels are large */
	p = calloc(1, sizeof(*p));
	if (!p)
		return diag_set(d, -ENOMEM, "cannot write the report: out of memory");
	p->out = o->out_dir;
	p->sel = o->sel ? o->sel : &every_run;
	p->base = o->baseline;
	p->obs = obs;
	if (o->baseline_nights == REPORT_PAGES_ALL_NIGHTS)
		p->baseline_nights = 0;
	else
		p->baseline_nights = o->baseline_nights ? o->baseline_nights : REPORT_PAGES_NIGHTS;

	t0 = mtime_now_us();
	r = results_query(db, p->sel, pages_collect_run, p, d);
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
	r = pages_kernels(p);
	if (r < 0) {
		r = pages_fail(d, r, "cannot analyse the runs", "out of memory");
		goto out;
	}
	r = pages_analyse(p, db, d);
	if (r < 0) {
		r = pages_fail(d, r, "cannot analyse the runs", NULL);
		goto out;
	}
	st->analysis_us = mtime_now_us() - t0;
	st->compare_us = p->compare_us;
	st->trend_us = p->trend_us;
	st->n_regressions = p->cmp.counts[COMPARE_REGRESSION];

	t0 = mtime_now_us();
	r = pages_write_all(p, db, d);
	st->n_charts = p->n_charts;
	st->n_charts_failed = p->n_chart_fail;
	st->charts_us = p->chart_us;
	st->pages_us = mtime_now_us() - t0 - p->chart_us;
out:
	pages_release(p);
	return r;
}
