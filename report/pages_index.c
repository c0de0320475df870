/*
 * pages_index.c: the summary pages of a night report (pages.h):
 * index.html (the night's host, kernel and counts, how sure the lab is,
 * one row per series, regressions first, with its sparkline, and the
 * suite's health: per series its noise and the smallest change it can
 * detect at tonight's repetitions, the series that cannot see a 3 %
 * change marked) and report.md (the same summary and table in Markdown
 * for $GITHUB_STEP_SUMMARY), and the sparklines both link.
 *
 * Every string from the store is escaped (html.h); it computes nothing
 * (pages.c has analysed the night, compare gives the figures).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "pages_int.h"

static void pages_summary_html(FILE *f, const struct pages *p)
{
	const size_t *c = p->cmp.counts;

	fputs("<h1>mptcp-lab report: night ", f);
	html_text(f, p->night);
	fputs("</h1>\n<p>Host <code>", f);
	html_text(f, p->host);
	fputs("</code>, kernel <code>", f);
	html_text(f, p->kernel);
	if (p->base)
		fputs("</code>; baseline: the runs selected by --baseline.</p>\n", f);
	else if (p->baseline_nights)
		fprintf(f, "</code>; baseline: the %" PRIu64 " nights before, same host.</p>\n",
			p->baseline_nights);
	else
		fputs("</code>; baseline: every earlier night on the same host.</p>\n", f);
	pages_counts_html(f, c);
	fputs("<p>Runs of the night:", f);
	for (int i = 0; i < 4; i++)
		fprintf(f, " %s %zu%s", pages_status_label[i], p->by_status[i], i < 3 ? "," : ".");
	fputs("</p>\n", f);
	pages_sure_line(f, &p->cmp, "tonight's repetitions");
	if (!p->have_cmp) {
		fputs("<p class=\"note\">No verdicts: ", f);
		html_text(f, p->cmp_note);
		fputs("</p>\n", f);
	}
}

static void pages_series_row(FILE *f, const struct pages *p, const struct compare_series *cs,
			     const struct pages_series *s)
{
	const struct pages_scen *sc = pages_find_scen(p, s->scenario);
	char base[HTML_SLUG_MAX + 16];

	pages_row_cells(f, "scenario", sc ? sc->slug : "x", s->scenario, s->variant, s->metric, cs);
	if (cs)
		fprintf(f, "<td class=\"num\">%zu / %zu</td><td>", cs->n_base, cs->n_cand);
	else
		fprintf(f, "<td class=\"num\">- / %zu</td><td>", pages_night_vals(p, s, NULL));
	snprintf(base, sizeof(base), "charts/spark-%s", s->slug);
	if (s->spark >= 0)
		pages_figure_small(f, s->spark, base, "spark", "nightly medians");
	else
		fputs("<span class=\"note\">no history</span>", f);
	fputs("</td></tr>\n", f);
}

/* Per series: its noise and the smallest change it can detect tonight. */
static void pages_health_html(FILE *f, const struct pages *p)
{
	char t[32];

	pages_fmt_pct(PAGES_TARGET_CHANGE, t, sizeof(t));
	fputs("<h2>Suite health</h2>\n", f);
	if (!p->have_cmp || !p->cmp.n) {
		fputs("<p class=\"note\">The noise of a series and the change it can detect are "
		      "figures of a comparison: they appear once a night has a baseline.</p>\n",
		      f);
		return;
	}
	fprintf(f, "<p>Per series: how much a run varies within a night and the nights vary "
		   "among themselves (relative SD), and the smallest change a verdict can detect "
		   "with tonight's runs (80 %% power). Series that cannot see a %s change are "
		   "marked, with the runs a side that would.</p>\n",
		t);
	fprintf(f, "<table>\n<tr><th>scenario</th><th>variant</th><th>metric</th><th>runs base / "
		   "night</th><th>noise within a night</th><th>between nights</th><th>smallest "
		   "detectable change</th><th>detects %s</th></tr>\n",
		t);
	for (size_t i = 0; i < p->cmp.n; i++) {
		const struct compare_series *cs = &p->cmp.series[i];
		const struct pages_scen *sc = NULL;
		struct pages_figs g;

		for (size_t k = 0; k < p->n_scen && !sc; k++)
			if (PAGES_CS_EQ(cs, scenario, p->scen[k].name))
				sc = &p->scen[k];
		pages_figs_of(cs, &g);
		fprintf(f, "<tr%s><td><a href=\"scenario-%s.html\">",
			pages_figs_weak(&g) ? " class=\"weak\"" : "", sc ? sc->slug : "x");
		html_text(f, cs->scenario);
		fputs("</a></td><td>", f);
		html_text(f, cs->variant_key[0] ? cs->variant_key : "-");
		fputs("</td><td>", f);
		html_text(f, cs->metric);
		fprintf(f, "</td><td class=\"num\">%zu / %zu</td>", cs->n_base, cs->n_cand);
		pages_health_cells(f, &g);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

int pages_write_index(struct pages *p, struct pages_doc *doc)
{
	FILE *f;
	int ret;

	ret = pages_doc_open(doc, "index.html", "mptcp-lab report");
	if (ret < 0)
		return ret;
	f = doc->f;
	pages_summary_html(f, p);
	fputs("<h2>Series</h2>\n<table>\n<tr><th>scenario</th><th>variant</th><th>metric</th>"
	      "<th>verdict</th><th>change vs baseline [95 % CI]</th><th>median baseline &rarr; night</th>"
	      "<th>runs base / night</th>"
	      "<th>trend</th></tr>\n",
	      f);
	for (size_t i = 0; i < p->cmp.n; i++) {
		const struct compare_series *cs = &p->cmp.series[i];
		const struct pages_series *s = pages_find_series(p, cs);

		if (s)
			pages_series_row(f, p, cs, s);
	}
	for (size_t i = 0; i < p->n_series; i++) {
		const struct pages_series *s = &p->series[i];
		bool done = false;

		for (size_t j = 0; j < p->cmp.n && !done; j++)
			done = pages_cs_is(&p->cmp.series[j], s);
		if (!done)
			pages_series_row(f, p, NULL, s);
	}
	fputs("</table>\n", f);
	pages_health_html(f, p);
	fputs("<h2>Scenarios</h2>\n<ul>\n", f);
	for (size_t i = 0; i < p->n_scen; i++) {
		fprintf(f, "<li><a href=\"scenario-%s.html\">", p->scen[i].slug);
		html_text(f, p->scen[i].name);
		fputs("</a></li>\n", f);
	}
	fprintf(f, "</ul>\n<p class=\"note\">%zu runs read; <a href=\"report.md\">report.md</a>"
		   " has this summary in Markdown.</p>\n", p->n_runs);
	return ferror(f) ? -EIO : 0;
}

int pages_write_md(const struct pages *p)
{
	const size_t *c = p->cmp.counts;
	char path[PATH_MAX], change[96];
	FILE *f;
	int ret;

	if (xsnprintf(path, sizeof(path), "%s/report.md", p->out.dir) < 0)
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
		const struct pages_series *s = pages_find_series(p, cs);

		pages_fmt_change(cs, change, sizeof(change));
		fputs("| ", f);
		html_md_text(f, cs->scenario);
		fputs(" | ", f);
		html_md_text(f, cs->variant_key[0] ? cs->variant_key : "-");
		fputs(" | ", f);
		html_md_text(f, cs->metric);
		fprintf(f, " | %s%s%s | %s | ", cs->verdict == COMPARE_REGRESSION ? "**" : "",
			compare_verdict_words(cs->verdict)->log,
			cs->verdict == COMPARE_REGRESSION ? "**" : "", change);
		if (s && pages_chart_ok(&p->out, s->spark))
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

void pages_sparklines(struct pages *p)
{
	char base[HTML_SLUG_MAX + 16];

	for (size_t i = 0; i < p->n_series; i++) {
		struct pages_series *s = &p->series[i];
		struct pages_nights n;
		double pad;
		size_t k;

		s->spark = -1;
		if (!s->n || pages_nights_of(s, p->newest_host, &n) < 0)
			continue;
		if (!n.n) {
			pages_nights_release(&n);
			continue;
		}
		k = n.n - 1;
		pad = n.n > 1 ? (n.x[k] - n.x[0]) * 0.02 : 86400;
		snprintf(base, sizeof(base), "charts/spark-%s", s->slug);
		/* the history with its band, and the newest night as a dot
		 * with its CI: a first night is a dot, not an empty box */
		s->spark = pages_chart(&p->out,
				       &(struct chart_spec){
					       .kind = CHART_SPARKLINE,
					       .series = (struct chart_series[]){
						       { NULL, n.x, n.y, n.lo, n.hi, n.n, 1, false },
						       { NULL, n.x + k, n.y + k, n.lo + k, n.hi + k, 1,
							 5, false } },
					       .n_series = 2, .x_is_time = true, .png = true,
					       .x_min = n.x[0] - pad, .x_max = n.x[k] + 2 * pad },
				       base);
		pages_nights_release(&n);
	}
}
