/*
 * pages_series.c: what the night report and the comparison report show
 * of a series besides its row in a table (pages_int.h): the runs of both
 * sides as combined CDFs beside a strip of every run, what compare says
 * of each series with its figures, and the line that says how sure the
 * lab is of a set of verdicts.
 *
 * It draws through pages_out.c and computes no statistic: the figures
 * are compare's (pages_figs_of), the CDF is the runs sorted.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pages_int.h"

void pages_cs_name(FILE *f, const struct compare_series *cs)
{
	html_text(f, cs->scenario);
	fputc(' ', f);
	html_text(f, cs->variant_key[0] ? cs->variant_key : "-");
	fputc(' ', f);
	html_text(f, cs->metric);
}

void pages_row_cells(FILE *f, const char *page, const char *slug, const char *scenario,
		     const char *variant, const char *metric, const struct compare_series *cs)
{
	char buf[96];

	fprintf(f, "<tr class=\"%s\"><td><a href=\"%s-%s.html\">",
		cs ? compare_verdict_words(cs->verdict)->css : "no-change", page, slug);
	html_text(f, scenario);
	fputs("</a></td><td>", f);
	html_text(f, variant[0] ? variant : "-");
	fputs("</td><td>", f);
	html_text(f, metric);
	fputs("</td><td", f);
	if (cs) {
		fputs(" title=\"", f);
		html_attr(f, cs->reason);
		fputs("\"", f);
	}
	fputc('>', f);
	html_text(f, cs ? compare_verdict_words(cs->verdict)->log : "not compared");
	if (cs)
		pages_fmt_change(cs, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "-");
	fputs("</td><td class=\"num\">", f);
	html_text(f, buf);
	fputs("</td><td class=\"num\">", f);
	pages_fmt_value(metric, cs ? cs->median_base : (double)NAN, buf, sizeof(buf));
	html_text(f, buf);
	fputs(" &rarr; ", f);
	pages_fmt_value(metric, cs ? cs->median_cand : (double)NAN, buf, sizeof(buf));
	html_text(f, buf);
	fputs("</td>", f);
}

void pages_runs_set_of(struct pages_runs_set *set, const struct compare_result *cmp)
{
	for (size_t i = 0; i < cmp->n && set->n < PAGES_RUNS_MAX; i++) {
		const struct compare_series *s = &cmp->series[i];

		if (!PAGES_CS_EQ(s, scenario, set->scenario) || !PAGES_CS_EQ(s, metric, set->metric))
			continue;
		set->variant[set->n] = s->variant_key[0] ? s->variant_key : "-";
		set->v[set->n][0] = s->base_values;
		set->n_v[set->n][0] = s->base_values ? s->n_base : 0;
		set->v[set->n][1] = s->cand_values;
		set->n_v[set->n][1] = s->cand_values ? s->n_cand : 0;
		set->n++;
	}
}

void pages_runs_section(struct pages_out *o, FILE *f, const struct pages_runs_set *set)
{
	struct chart_series cdf[CHART_SERIES_MAX];
	const char *cats[PAGES_RUNS_MAX];
	char names[CHART_SERIES_MAX][300];
	double *bufs[CHART_SERIES_MAX] = { 0 };
	double *px[2] = { NULL, NULL }, *py[2] = { NULL, NULL };
	size_t np[2] = { 0, 0 }, total[2] = { 0, 0 }, ncdf = 0;
	char base[HTML_SLUG_MAX + 64], title[256];
	const char *ylabel;
	double scale;
	int chart;

	if (!set->n)
		return;
	pages_metric_unit(set->metric, &ylabel, &scale);
	for (size_t i = 0; i < set->n; i++)
		for (int k = 0; k < 2; k++)
			total[k] += set->n_v[i][k];
	for (int k = 0; k < 2; k++) {
		px[k] = malloc(total[k] * sizeof(double) + 1);
		py[k] = malloc(total[k] * sizeof(double) + 1);
		if (!px[k] || !py[k])
			goto out;
	}
	for (size_t i = 0; i < set->n; i++) {
		for (int k = 0; k < 2; k++) {
			size_t n = set->n_v[i][k];
			double *xy;

			if (!n)
				continue;
			xy = malloc(2 * (n + 1) * sizeof(double));
			if (!xy)
				goto out;
			bufs[ncdf] = xy;
			pages_ecdf(set->v[i][k], n, scale, xy, xy + n + 1);
			snprintf(names[ncdf], sizeof(names[ncdf]), "%s %s (%zu)", set->variant[i],
				 set->side_name[k], n);
			cdf[ncdf] = (struct chart_series){ names[ncdf], xy, xy + n + 1, NULL, NULL, n + 1,
							   (unsigned)(i % CHART_COLOURS + 1), k == 0 };
			ncdf++;
			for (size_t j = 0; j < n; j++) {
				px[k][np[k]] = (double)i;
				py[k][np[k]++] = set->v[i][k][j] * scale;
			}
		}
		cats[i] = set->variant[i];
	}
	fputs("<h3>", f);
	html_text(f, set->metric);
	if (total[0] && total[1])
		fprintf(f, ": the runs, %s and %s</h3>\n", set->side_name[0], set->side_name[1]);
	else
		fprintf(f, ": the runs of the %s</h3>\n", set->side_name[total[0] ? 0 : 1]);
	fputs("<div class=\"pair\">", f);
	snprintf(title, sizeof(title), "%s: %s, distribution of the runs", set->scenario,
		 set->metric);
	snprintf(base, sizeof(base), "charts/cdf-%s-%s", set->slug, set->metric);
	chart = pages_chart(o,
			    &(struct chart_spec){ .kind = CHART_CDF, .title = title,
						  .xlabel = ylabel, .ylabel = "fraction of runs",
						  .series = cdf, .n_series = ncdf, .width_px = 600,
						  .height_px = 400 },
			    base);
	pages_figure(f, chart, base, "chart", title);
	snprintf(title, sizeof(title), "%s: %s, every run", set->scenario, set->metric);
	snprintf(base, sizeof(base), "charts/points-%s-%s", set->slug, set->metric);
	chart = pages_chart(o,
			    &(struct chart_spec){
				    .kind = CHART_POINTS, .title = title, .xlabel = "variant",
				    .ylabel = ylabel,
				    .series = (struct chart_series[]){
					    { set->side_name[0], px[0], py[0], NULL, NULL, np[0], 1, false },
					    { set->side_name[1], px[1], py[1], NULL, NULL, np[1], 2, false } },
				    .n_series = 2, .categories = cats, .n_categories = set->n,
				    .width_px = 560, .height_px = 400 },
			    base);
	pages_figure(f, chart, base, "chart", title);
	fprintf(f, "</div>\n<p class=\"note\">Left: the share of runs at or below each value, per "
		   "variant (dashed: %s, solid: %s); a shift sideways is a change, two steep rises "
		   "are two clusters. Right: every run.</p>\n",
		set->side_name[0], set->side_name[1]);
out:
	for (size_t i = 0; i < ncdf; i++)
		free(bufs[i]);
	for (int k = 0; k < 2; k++) {
		free(px[k]);
		free(py[k]);
	}
}

void pages_series_figs(FILE *f, const struct compare_result *cmp, const char *scenario)
{
	for (size_t i = 0; i < cmp->n; i++) {
		const struct compare_series *cs = &cmp->series[i];
		struct pages_figs g;

		if (!PAGES_CS_EQ(cs, scenario, scenario))
			continue;
		pages_figs_of(cs, &g);
		fprintf(f, "<h4 class=\"%s\">", compare_verdict_words(cs->verdict)->css);
		html_text(f, cs->variant_key[0] ? cs->variant_key : "-");
		fputs(" &middot; ", f);
		html_text(f, cs->metric);
		fputs("</h4>\n", f);
		pages_figs_html(f, cs, &g);
	}
}

void pages_sure_line(FILE *f, const struct compare_result *cmp, const char *at)
{
	const struct compare_series *noisiest = NULL;
	struct pages_figs g, worst = { 0 };
	size_t measured = 0, able = 0;
	double worst_spread = -1;
	char a[32], b[32];

	if (!cmp->n)
		return;
	for (size_t i = 0; i < cmp->n; i++) {
		const struct compare_series *cs = &cmp->series[i];
		double spread;

		pages_figs_of(cs, &g);
		if (!isnan(g.mdc)) {
			measured++;
			able += !pages_figs_weak(&g);
		}
		spread = isfinite(g.noise_within) ? g.noise_within : g.spread_cand;
		if (isfinite(spread) && spread > worst_spread) {
			worst_spread = spread;
			worst = g;
			noisiest = cs;
		}
	}
	fputs("<p class=\"sure\">How sure: ", f);
	pages_fmt_pct(PAGES_TARGET_CHANGE, b, sizeof(b));
	if (measured)
		fprintf(f, "%zu of %zu series can detect a %s change at %s. ", able, measured, b, at);
	if (noisiest) {
		pages_fmt_pct(worst_spread, a, sizeof(a));
		fputs("The noisiest series, <code>", f);
		pages_cs_name(f, noisiest);
		fprintf(f, "</code>, %s %s",
			isfinite(worst.noise_within) ? "varies within a night by" :
						       "spreads (MAD/median) by",
			a);
		if (isfinite(worst.mdc)) {
			pages_fmt_mdc(worst.mdc, b, sizeof(b));
			fprintf(f, " and can detect %s", b);
		}
		fputs(".", f);
	}
	if (!measured)
		fputs(" Noise within and between nights and the detectable change are not "
		      "measured by this build of compare.",
		      f);
	fputs("</p>\n", f);
}
