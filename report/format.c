/*
 * format.c: the writers of a comparison (compare.h): an aligned text
 * table for terminals, Markdown for $GITHUB_STEP_SUMMARY, JUnit XML and
 * KTAP for CI systems. One row / test case per series, in the result's
 * order (regressions first). Also the format names and the two entry
 * points of format.h, and a trend's text (its histories and change
 * points, then the rows as a comparison's table).
 *
 * Every string that comes from the database (scenario, variant, metric,
 * reason) is escaped for the format it goes into: XML entities for JUnit,
 * table-safe text for Markdown, one line without '#' for KTAP names. The
 * JSON forms are in format_json.c (jansson).
 *
 * The writers return 0, or -EIO when the stream reports an error.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "escape.h"
#include "format.h"

#define ANSI_RED "\033[1;31m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_GREEN "\033[32m"
#define ANSI_RESET "\033[0m"

static int stream_status(FILE *f)
{
	return ferror(f) ? -EIO : 0;
}

static const char *variant_or_dash(const struct compare_series *s)
{
	return s->variant_key[0] ? s->variant_key : "-";
}

static const char *verdict_label(enum compare_verdict v)
{
	return compare_verdict_words(v)->label;
}

/* A value in the metric's unit: rates with an SI prefix, µs as ms when
 * large, anything else with 4 significant digits. */
static const char *format_value(const char *metric, double v, char *buf, size_t size)
{
	size_t n = strlen(metric);

	if (isnan(v)) {
		snprintf(buf, size, "-");
	} else if (n > 4 && !strcmp(metric + n - 4, "_bps")) {
		if (fabs(v) >= 1e9)
			snprintf(buf, size, "%.3f Gbit/s", v / 1e9);
		else if (fabs(v) >= 1e6)
			snprintf(buf, size, "%.2f Mbit/s", v / 1e6);
		else if (fabs(v) >= 1e3)
			snprintf(buf, size, "%.2f kbit/s", v / 1e3);
		else
			snprintf(buf, size, "%.0f bit/s", v);
	} else if (n > 3 && !strcmp(metric + n - 3, "_us") && fabs(v) >= 1000) {
		snprintf(buf, size, "%.4g ms", v / 1000);
	} else {
		snprintf(buf, size, "%.4g", v);
	}
	return buf;
}

/* Decimals of a relative change: 2 when the series' floor is under 1 %
 * (a 0.6 % change must not print as 0.6 next to a 0.5 % floor shown as
 * 0.5), else 1. */
static int change_prec(const struct compare_series *s)
{
	return isfinite(s->floor) && s->floor < 0.01 ? 2 : 1;
}

/* "-5.0 % [-5.6, -4.4]" */
static const char *format_change(const struct compare_series *s, char *buf, size_t size)
{
	const int pr = change_prec(s);

	if (isnan(s->ratio))
		snprintf(buf, size, "-");
	else if (isnan(s->ci_lo) || isnan(s->ci_hi))
		snprintf(buf, size, "%+.*f %%", pr, (s->ratio - 1) * 100);
	else
		snprintf(buf, size, "%+.*f %% [%+.*f, %+.*f]", pr, (s->ratio - 1) * 100, pr,
			 (s->ci_lo - 1) * 100, pr, (s->ci_hi - 1) * 100);
	return buf;
}

/* "CHANGE [95% CI]" at the level of the result's series */
static const char *change_header(const struct compare_result *r, char *buf, size_t size)
{
	double level = 0.95;

	for (size_t i = 0; i < r->n; i++)
		if (r->series[i].has_stats && r->series[i].st.level > 0) {
			level = r->series[i].st.level;
			break;
		}
	snprintf(buf, size, "CHANGE [%g%% CI]", level * 100);
	return buf;
}

static const char *p_label(const struct compare_result *r)
{
	return r->p_label ? r->p_label : "P_ADJ";
}

/* The p a row shows: the adjusted p of a comparison, a trend's own p. */
static double shown_p(const struct compare_result *r, const struct compare_series *s)
{
	return strcmp(p_label(r), "P_ADJ") ? s->p : s->p_adjusted;
}

/* Whether a series fails a CI job: a regression, or a mix that shifted
 * toward the worse cluster, that is not known already. */
static bool series_fails(const struct compare_series *s)
{
	return !s->known[0] &&
	       (s->verdict == COMPARE_REGRESSION || s->mix_verdict == COMPARE_MIX_TO_WORSE);
}

/* A known regression: reported before, shown, not a failure again. */
static bool series_known(const struct compare_series *s)
{
	return s->known[0] &&
	       (s->verdict == COMPARE_REGRESSION || s->mix_verdict == COMPARE_MIX_TO_WORSE);
}

static size_t count_failures(const struct compare_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += series_fails(&r->series[i]);
	return n;
}

/* Known regressions: JUnit skips, KTAP SKIPs. */
static size_t count_known(const struct compare_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += series_known(&r->series[i]) && r->series[i].verdict != COMPARE_INCONCLUSIVE;
	return n;
}

/* Inconclusive series that fail anyway (their mix shifted): a JUnit
 * failure, not a skip. */
static size_t inconclusive_failing(const struct compare_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->series[i].verdict == COMPARE_INCONCLUSIVE && series_fails(&r->series[i]);
	return n;
}

/*
 * The two clusters of a bimodal series in words: "two clusters: 71.20
 * Mbit/s (baseline 20 %, candidate 70 %) and 84.90 Mbit/s (80 %, 30 %),
 * told apart by retransmits (8100 vs 1300); mix shift p = 0.0004 after
 * Holm: toward the worse cluster".
 */
static void format_mix(const struct compare_series *s, const char *correction, char *buf,
		       size_t size)
{
	const struct compare_mix *m = &s->mix;
	char c0[48], c1[48], by[160] = "", verdict[96];
	size_t len;

	compare_value_short(s->metric, m->centre[0], c0, sizeof(c0));
	compare_value_short(s->metric, m->centre[1], c1, sizeof(c1));
	if (m->by[0])
		snprintf(by, sizeof(by), ", told apart by %s (%.4g vs %.4g)", m->by,
			 m->by_median[0], m->by_median[1]);
	switch (s->mix_verdict) {
	case COMPARE_MIX_TO_WORSE:
		snprintf(verdict, sizeof(verdict), ": shifted toward the worse cluster");
		break;
	case COMPARE_MIX_TO_BETTER:
		snprintf(verdict, sizeof(verdict), ": shifted toward the better cluster");
		break;
	case COMPARE_MIX_SAME:
		snprintf(verdict, sizeof(verdict), ": the same mix");
		break;
	default:
		snprintf(verdict, sizeof(verdict), " (derived: not tested)");
		break;
	}
	len = (size_t)snprintf(buf, size,
			       "two clusters: %s (baseline %.0f %%, candidate %.0f %%) and %s (%.0f %%, %.0f %%)%s; mix shift p = %.2g",
			       c0, (1 - m->share_base) * 100, (1 - m->share_cand) * 100, c1,
			       m->share_base * 100, m->share_cand * 100, by, m->p);
	if (len < size && isfinite(m->p_adjusted))
		len += (size_t)snprintf(buf + len, size - len, ", %.2g after %s", m->p_adjusted,
					correction);
	if (len < size)
		snprintf(buf + len, size - len, "%s", verdict);
}

/* "P(completion_us > 11.90 s): baseline 3/20 = 15 % [3.2, 37.9], candidate
 * 8/20 = 40 % [19.1, 63.9], Fisher p = 0.16" */
static void format_bound(const struct compare_series *s, char *buf, size_t size)
{
	const struct compare_bound *b = &s->bound;

	snprintf(buf, size,
		 "P(%s > %.4g s): baseline %llu/%llu = %.0f %% [%.1f, %.1f], candidate %llu/%llu = %.0f %% [%.1f, %.1f] (%g %% Clopper-Pearson), Fisher p = %.2g",
		 s->metric, b->bound_us / 1e6, (unsigned long long)b->over_base,
		 (unsigned long long)b->n_base, b->p_base * 100, b->p_base_lo * 100,
		 b->p_base_hi * 100, (unsigned long long)b->over_cand,
		 (unsigned long long)b->n_cand, b->p_cand * 100, b->p_cand_lo * 100,
		 b->p_cand_hi * 100, s->st.level * 100, b->p);
}

static const char *format_p(double p, char *buf, size_t size)
{
	if (isnan(p))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.2g", p);
	return buf;
}

static void format_counts(const struct compare_result *r, char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "%zu regression%s, %zu inconclusive, %zu improvement%s, %zu no change",
			 r->counts[COMPARE_REGRESSION], r->counts[COMPARE_REGRESSION] == 1 ? "" : "s",
			 r->counts[COMPARE_INCONCLUSIVE], r->counts[COMPARE_IMPROVEMENT],
			 r->counts[COMPARE_IMPROVEMENT] == 1 ? "" : "s",
			 r->counts[COMPARE_NO_CHANGE]);

	if (r->mix_to_worse && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ", %zu mix shift%s toward the worse cluster",
			 r->mix_to_worse, r->mix_to_worse == 1 ? "" : "s");
}

/* The correction named in a comparison's reasons, for the mix lines. */
static const char *correction_of(const struct compare_series *s)
{
	return strstr(s->reason, "Benjamini-Hochberg") ? "Benjamini-Hochberg" : "Holm";
}

/* ---- text ------------------------------------------------------------------- */

/* Terminal-safe: control characters (an escape sequence in a stored name)
 * are written as '?'. */
static void put_plain(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static int width_of(const char *s)
{
	return (int)strlen(s);
}

/* put_plain, then spaces up to width, then the column gap */
static void put_cell(FILE *f, const char *s, int width)
{
	put_plain(f, s);
	for (int n = width_of(s); n < width + 2; n++)
		fputc(' ', f);
}

int report_write_text(FILE *f, const struct compare_result *r, const char *title, bool colour)
{
	int w_sc = width_of("SCENARIO"), w_var = width_of("VARIANT"), w_met = width_of("METRIC");
	int w_base = width_of("BASELINE"), w_cand = width_of("CANDIDATE");
	char chg_head[32], b[64], counts[200], extra[512];
	int w_chg = width_of(change_header(r, chg_head, sizeof(chg_head)));

	for (size_t i = 0; i < r->n; i++) {
		const struct compare_series *s = &r->series[i];

		if (width_of(s->scenario) > w_sc)
			w_sc = width_of(s->scenario);
		if (width_of(variant_or_dash(s)) > w_var)
			w_var = width_of(variant_or_dash(s));
		if (width_of(s->metric) > w_met)
			w_met = width_of(s->metric);
		if (width_of(format_value(s->metric, s->median_base, b, sizeof(b))) > w_base)
			w_base = width_of(b);
		if (width_of(format_value(s->metric, s->median_cand, b, sizeof(b))) > w_cand)
			w_cand = width_of(b);
		if (width_of(format_change(s, b, sizeof(b))) > w_chg)
			w_chg = width_of(b);
	}
	if (title && *title) {
		put_plain(f, title);
		fputc('\n', f);
	}
	fprintf(f, "%-12s  %-*s  %-*s  %-*s  %7s  %*s  %*s  %-*s  %7s\n", "VERDICT", w_sc,
		"SCENARIO", w_var, "VARIANT", w_met, "METRIC", "N B/C", w_base, "BASELINE", w_cand,
		"CANDIDATE", w_chg, chg_head, p_label(r));
	for (size_t i = 0; i < r->n; i++) {
		const struct compare_series *s = &r->series[i];
		const char *on = "", *off = "";
		char nbc[48], mb[64], mc[64], chg[64], p[32];

		if (colour) {
			off = ANSI_RESET;
			on = s->verdict == COMPARE_REGRESSION	? ANSI_RED :
			     s->verdict == COMPARE_INCONCLUSIVE ? ANSI_YELLOW :
			     s->verdict == COMPARE_IMPROVEMENT	? ANSI_GREEN :
								  "";
			if (!*on)
				off = "";
		}
		snprintf(nbc, sizeof(nbc), "%zu/%zu", s->n_base, s->n_cand);
		fprintf(f, "%s%-12s%s  ", on, verdict_label(s->verdict), off);
		put_cell(f, s->scenario, w_sc);
		put_cell(f, variant_or_dash(s), w_var);
		put_cell(f, s->metric, w_met);
		fprintf(f, "%7s  %*s  %*s  %-*s  %7s\n", nbc, w_base,
			format_value(s->metric, s->median_base, mb, sizeof(mb)), w_cand,
			format_value(s->metric, s->median_cand, mc, sizeof(mc)), w_chg,
			format_change(s, chg, sizeof(chg)),
			format_p(shown_p(r, s), p, sizeof(p)));
		if (s->verdict != COMPARE_NO_CHANGE) {
			fprintf(f, "%-12s  ", "");
			put_plain(f, s->reason);
			fputc('\n', f);
		}
		if (series_known(s)) {
			fprintf(f, "%-12s  ", "KNOWN");
			put_plain(f, s->known);
			fputc('\n', f);
		}
		if (s->bimodal) {
			const bool shift = s->mix_verdict == COMPARE_MIX_TO_WORSE;

			format_mix(s, correction_of(s), extra, sizeof(extra));
			fprintf(f, "%s%-12s%s  ", shift && colour ? ANSI_RED : "",
				shift ? "MIX SHIFT" : "", shift && colour ? ANSI_RESET : "");
			put_plain(f, extra);
			fputc('\n', f);
		}
		if (s->has_bound) {
			format_bound(s, extra, sizeof(extra));
			fprintf(f, "%-12s  ", "");
			put_plain(f, extra);
			fputc('\n', f);
		}
	}
	format_counts(r, counts, sizeof(counts));
	fprintf(f, "%zu series: %s\n", r->n, counts);
	return stream_status(f);
}

/* ---- Markdown ------------------------------------------------------------------ */

/* Text safe inside a table cell: no line break, no '|' that would end the
 * cell, no HTML (GitHub renders it), no emphasis or code markers. */
static const struct escape_rules md_cell = {
	.ascii = {
		[0x01 ... 0x1f] = " ", [0x7f] = " ", ['<'] = "&lt;", ['>'] = "&gt;",
		['&'] = "&amp;", ['|'] = "\\|", ['\\'] = "\\\\", ['`'] = "\\`",
		['*'] = "\\*", ['_'] = "\\_", ['['] = "\\[", [']'] = "\\]",
		['~'] = "\\~",
	},
};

static void md_text(FILE *f, const char *s)
{
	escape_write(f, s, &md_cell);
}

int report_write_markdown(FILE *f, const struct compare_result *r, const char *title)
{
	char counts[200], b[64];

	format_counts(r, counts, sizeof(counts));
	fprintf(f, "%s **%s**", count_failures(r) ? ":x:" :
				r->counts[COMPARE_INCONCLUSIVE] ? ":warning:" :
								    ":white_check_mark:",
		counts);
	fprintf(f, " over %zu series", r->n);
	if (title && *title) {
		fputs(" — ", f);
		md_text(f, title);
	}
	fputs("\n\n", f);
	fprintf(f, "| verdict | scenario | variant | metric | n base/cand | baseline | candidate | %s | %s | reason |\n",
		change_header(r, b, sizeof(b)), p_label(r));
	fputs("|---|---|---|---|---:|---:|---:|---:|---:|---|\n", f);
	for (size_t i = 0; i < r->n; i++) {
		const struct compare_series *s = &r->series[i];

		fprintf(f, "| %s%s%s | ", s->verdict == COMPARE_REGRESSION ? "**" : "",
			verdict_label(s->verdict), s->verdict == COMPARE_REGRESSION ? "**" : "");
		md_text(f, s->scenario);
		fputs(" | ", f);
		md_text(f, variant_or_dash(s));
		fputs(" | ", f);
		md_text(f, s->metric);
		fprintf(f, " | %zu/%zu | ", s->n_base, s->n_cand);
		fprintf(f, "%s | ", format_value(s->metric, s->median_base, b, sizeof(b)));
		fprintf(f, "%s | ", format_value(s->metric, s->median_cand, b, sizeof(b)));
		fprintf(f, "%s | ", format_change(s, b, sizeof(b)));
		fprintf(f, "%s | ", format_p(shown_p(r, s), b, sizeof(b)));
		md_text(f, s->reason);
		if (series_known(s)) {
			fputs("; *", f);
			md_text(f, s->known);
			fputs("*", f);
		}
		if (s->bimodal) {
			char extra[512];

			format_mix(s, correction_of(s), extra, sizeof(extra));
			fputs(s->mix_verdict == COMPARE_MIX_TO_WORSE ? "; **" : "; ", f);
			md_text(f, extra);
			fputs(s->mix_verdict == COMPARE_MIX_TO_WORSE ? "**" : "", f);
		}
		if (s->has_bound) {
			char extra[512];

			format_bound(s, extra, sizeof(extra));
			fputs("; ", f);
			md_text(f, extra);
		}
		fputs(" |\n", f);
	}
	return stream_status(f);
}

/* ---- JUnit XML ------------------------------------------------------------------- */

/* Escaped for an attribute or text (common/escape.h's XML rules). */
static void xml_text(FILE *f, const char *s)
{
	escape_write(f, s, &escape_xml);
}

/* The test case's name: "variant_key metric", or the metric alone for a
 * scenario without variants. */
static void xml_case_name(FILE *f, const struct compare_series *s)
{
	if (s->variant_key[0]) {
		xml_text(f, s->variant_key);
		fputc(' ', f);
	}
	xml_text(f, s->metric);
}

static void series_summary(const struct compare_result *r, const struct compare_series *s,
			   char *buf, size_t size)
{
	char mb[64], mc[64], chg[64], p[32];

	snprintf(buf, size, "%s: %s -> %s, %s, %s %s, floor %.*f %%, n %zu/%zu", s->metric,
		 format_value(s->metric, s->median_base, mb, sizeof(mb)),
		 format_value(s->metric, s->median_cand, mc, sizeof(mc)),
		 format_change(s, chg, sizeof(chg)), strcmp(p_label(r), "P_ADJ") ? "p" : "p_adj",
		 format_p(shown_p(r, s), p, sizeof(p)), change_prec(s), s->floor * 100, s->n_base,
		 s->n_cand);
}

int report_write_junit(FILE *f, const struct compare_result *r, const char *suite)
{
	char line[512];

	if (!suite || !*suite)
		suite = "mptcp-lab compare";
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"", f);
	xml_text(f, suite);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", r->n,
		count_failures(r),
		r->counts[COMPARE_INCONCLUSIVE] - inconclusive_failing(r) + count_known(r));
	for (size_t i = 0; i < r->n; i++) {
		const struct compare_series *s = &r->series[i];

		fputs("  <testcase classname=\"", f);
		xml_text(f, s->scenario);
		fputs("\" name=\"", f);
		xml_case_name(f, s);
		fputc('"', f);
		series_summary(r, s, line, sizeof(line));
		if (series_known(s)) {
			fputs(">\n    <skipped message=\"", f);
			xml_text(f, s->known);
			fputs(": ", f);
			xml_text(f, s->reason);
			fputs("\"/>\n  </testcase>\n", f);
			continue;
		}
		if (s->verdict != COMPARE_REGRESSION && s->mix_verdict == COMPARE_MIX_TO_WORSE) {
			char mix[512];

			format_mix(s, correction_of(s), mix, sizeof(mix));
			fputs(">\n    <failure type=\"mix-shift\" message=\"", f);
			xml_text(f, s->scenario);
			fputc(' ', f);
			xml_case_name(f, s);
			fputs(" shifted toward its worse cluster: ", f);
			xml_text(f, mix);
			fputs("\">", f);
			xml_text(f, line);
			fputs("; ", f);
			xml_text(f, s->reason);
			fputs("</failure>\n  </testcase>\n", f);
			continue;
		}
		switch (s->verdict) {
		case COMPARE_REGRESSION:
			fputs(">\n    <failure type=\"regression\" message=\"", f);
			xml_text(f, s->scenario);
			fputc(' ', f);
			xml_case_name(f, s);
			fputs(" regressed: ", f);
			xml_text(f, s->reason);
			fputs("\">", f);
			xml_text(f, line);
			fputs("</failure>\n  </testcase>\n", f);
			break;
		case COMPARE_INCONCLUSIVE:
			fputs(">\n    <skipped message=\"", f);
			xml_text(f, s->reason);
			fputs("\"/>\n  </testcase>\n", f);
			break;
		default:
			fputs(">\n    <system-out>", f);
			xml_text(f, verdict_label(s->verdict));
			fputs(": ", f);
			xml_text(f, line);
			fputs("</system-out>\n  </testcase>\n", f);
			break;
		}
	}
	fputs("</testsuite>\n", f);
	return stream_status(f);
}

/* ---- KTAP ------------------------------------------------------------------------ */

/* A name or a directive's text on one line: no line break, and no '#',
 * which would start a directive. */
static void ktap_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c < 0x20 || c == 0x7f || c == '#' ? '_' : c, f);
	}
}

int report_write_ktap(FILE *f, const struct compare_result *r, const char *suite)
{
	char line[512], counts[200];
	size_t fails = count_failures(r), skips = 0;

	fprintf(f, "KTAP version 1\n1..%zu\n", r->n);
	if (suite && *suite) {
		fputs("# ", f);
		ktap_text(f, suite);
		fputc('\n', f);
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct compare_series *s = &r->series[i];
		const bool fail = series_fails(s);

		fprintf(f, "%s %zu ", fail ? "not ok" : "ok", i + 1);
		ktap_text(f, s->scenario);
		if (s->variant_key[0]) {
			fputc(' ', f);
			ktap_text(f, s->variant_key);
		}
		fputc(' ', f);
		ktap_text(f, s->metric);
		if (series_known(s)) {
			fputs(" # SKIP ", f);
			ktap_text(f, s->known);
			skips++;
		} else if (!fail && s->verdict == COMPARE_INCONCLUSIVE) {
			fputs(" # SKIP ", f);
			ktap_text(f, s->reason);
			skips++;
		}
		fputc('\n', f);
		if (fail) {
			series_summary(r, s, line, sizeof(line));
			fputs("# ", f);
			ktap_text(f, line);
			fputs("\n# ", f);
			ktap_text(f, s->reason);
			fputc('\n', f);
		}
		if (fail && s->mix_verdict == COMPARE_MIX_TO_WORSE) {
			format_mix(s, correction_of(s), line, sizeof(line));
			fputs("# ", f);
			ktap_text(f, line);
			fputc('\n', f);
		}
	}
	/* kselftest's closing line, which its tooling reads */
	format_counts(r, counts, sizeof(counts));
	fprintf(f, "# %s\n# Totals: pass:%zu fail:%zu xfail:0 xpass:0 skip:%zu error:0\n", counts,
		r->n - fails - skips, fails, skips);
	return stream_status(f);
}

/* ---- a trend's text ------------------------------------------------------------ */

static void trend_text_series(FILE *f, const struct trend_series *s, enum trend_by by)
{
	const struct trend_point *newest = &s->points[s->n_points - 1];
	char before[48], after[48];
	size_t i;

	fprintf(f, "%s  %s  %s: %zu %s, %zu change point%s\n", s->scenario,
		s->variant_key[0] ? s->variant_key : "-", s->metric, s->n_points,
		s->n_points == 1 ? trend_by_name(by) : trend_by_points(by), s->n_cps,
		s->n_cps == 1 ? "" : "s");
	for (i = 0; i < s->n_cps; i++) {
		const struct trend_changepoint *cp = &s->cps[i];
		const struct trend_point *p = &s->points[cp->index];

		compare_value_short(s->metric, cp->median_before, before, sizeof(before));
		compare_value_short(s->metric, cp->median_after, after, sizeof(after));
		fprintf(f, "  %s (%s %s): %s -> %s (%+.1f %%), permutation p %.2g\n", cp->label,
			by == TREND_BY_KERNEL ? "first run" : "kernel",
			by == TREND_BY_KERNEL ? p->date : (p->kernel[0] ? p->kernel : "unknown"),
			before, after, cp->change * 100, cp->p);
	}
	if (s->verdict == COMPARE_INCONCLUSIVE)
		fprintf(f, "  %s\n", s->reason);
	else if (s->n_cps)
		fprintf(f, "  newest point %s starts a new regime: %s (newest regime since %s, %zu %s)\n",
			newest->label, s->new_regime ? "yes" : "no",
			s->points[s->regime_start].label, s->n_points - s->regime_start,
			trend_by_points(by));
	else
		fprintf(f, "  newest point %s starts a new regime: no (one regime)\n", newest->label);
}

static int trend_write_text(FILE *f, const struct trend_result *r, const char *title,
			    bool colour)
{
	size_t i;

	fprintf(f, "%s: %zu series from %zu ok runs (regimes of at least %zu %s, p < %g by %u "
		   "permutations, floor %.1f %%)\n\n",
		title, r->n, r->n_runs, r->min_size, trend_by_points(r->by), r->sig_level,
		r->permutations, r->floor * 100);
	for (i = 0; i < r->n; i++)
		trend_text_series(f, &r->series[i], r->by);
	fputc('\n', f);
	return report_write_text(f, &r->rows, title, colour);
}

/* ---- the formats ----------------------------------------------------------------- */

static const char *const report_format_names[] = {
	[REPORT_FMT_TEXT] = "text",	    [REPORT_FMT_JSON] = "json",
	[REPORT_FMT_MARKDOWN] = "markdown", [REPORT_FMT_JUNIT] = "junit",
	[REPORT_FMT_KTAP] = "ktap",
};

int report_format_parse(const char *name, enum report_format *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(report_format_names); i++) {
		if (!strcmp(name, report_format_names[i])) {
			*out = (enum report_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

int report_write_compare(FILE *f, enum report_format format, bool colour,
			 const struct compare_result *r, const struct compare_about *about)
{
	const char *title = about ? about->title : NULL;

	switch (format) {
	case REPORT_FMT_JSON:
		return report_write_compare_json(f, r, about);
	case REPORT_FMT_MARKDOWN:
		return report_write_markdown(f, r, title);
	case REPORT_FMT_JUNIT:
		return report_write_junit(f, r, title);
	case REPORT_FMT_KTAP:
		return report_write_ktap(f, r, title);
	default:
		return report_write_text(f, r, title, colour);
	}
}

int report_write_trend(FILE *f, enum report_format format, bool colour,
		       const struct trend_result *r, const char *title)
{
	if (format == REPORT_FMT_JSON)
		return report_write_trend_json(f, r);
	if (format == REPORT_FMT_TEXT)
		return trend_write_text(f, r, title, colour);
	return report_write_compare(f, format, colour, &r->rows,
				    &(struct compare_about){ .title = title });
}
