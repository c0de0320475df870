/*
 * pages_index.c: the summary pages of a report (pages.h): index.html (the
 * night's host, kernel and counts, then one row per series, regressions
 * first, with its sparkline) and report.md (the same summary and table in
 * Markdown for $GITHUB_STEP_SUMMARY), and the sparklines both link.
 *
 * Every string from the store is escaped (html.h); it computes nothing
 * (pages.c has analysed the night before these are written).
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
	fprintf(f, "<p class=\"summary\"><span class=\"regression\">%zu regressions</span>"
		   "<span class=\"improvement\">%zu improvements</span>"
		   "<span class=\"inconclusive\">%zu inconclusive</span>"
		   "<span class=\"no-change\">%zu no change</span></p>\n",
		c[COMPARE_REGRESSION], c[COMPARE_IMPROVEMENT], c[COMPARE_INCONCLUSIVE],
		c[COMPARE_NO_CHANGE]);
	fputs("<p>Runs of the night:", f);
	for (int i = 0; i < 4; i++)
		fprintf(f, " %s %zu%s", pages_status_label[i], p->by_status[i], i < 3 ? "," : ".");
	fputs("</p>\n", f);
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
		pages_fmt_change(cs, change, sizeof(change));
	else
		snprintf(change, sizeof(change), "-");
	fputs("</td><td class=\"num\">", f);
	html_text(f, change);
	fputs("</td><td class=\"num\">", f);
	pages_fmt_value(s->metric, cs ? cs->median_base : (double)NAN, change, sizeof(change));
	html_text(f, change);
	fputs(" &rarr; ", f);
	pages_fmt_value(s->metric, cs ? cs->median_cand : (double)NAN, change, sizeof(change));
	html_text(f, change);
	fprintf(f, "</td><td class=\"num\">%zu / %zu</td><td>", cs ? cs->n_base : 0,
		cs ? cs->n_cand : 0);
	snprintf(base, sizeof(base), "charts/spark-%s", s->slug);
	pages_img(f, base, "spark", "trend", s->spark_ok, "no sparkline");
	fputs("</td></tr>\n", f);
}

int pages_write_index(struct pages *p)
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

int pages_write_md(const struct pages *p)
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
		const struct pages_series *s = pages_find_series(p, cs);

		pages_fmt_change(cs, change, sizeof(change));
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

void pages_sparklines(struct pages *p)
{
	char base[HTML_SLUG_MAX + 16];

	for (size_t i = 0; i < p->n_series; i++) {
		struct pages_series *s = &p->series[i];
		struct pages_nights n;

		if (!s->n || pages_nights_of(s, p->newest_host, &n) < 0)
			continue;
		if (!n.n) {
			pages_nights_release(&n);
			continue;
		}
		snprintf(base, sizeof(base), "charts/spark-%s", s->slug);
		s->spark_ok = pages_chart(p, &(struct chart_spec){
						     .kind = CHART_SPARKLINE,
						     .series = &(struct chart_series){ NULL, n.x, n.y,
										       NULL, NULL, n.n },
						     .n_series = 1, .x_is_time = true },
				          base, NULL, 0);
		pages_nights_release(&n);
	}
}
