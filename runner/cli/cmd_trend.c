/*
 * cmd_trend.c: `mptcp-lab trend`, change points over each series' nightly
 * history (report/trend.c) and a verdict on its newest regime.
 *
 * Every format but JSON goes through compare.h's writers, so a trend reads
 * and fails a CI job exactly like a comparison; text adds, before the
 * verdict table, each series' history length, its change points and
 * whether the newest point starts a new regime. As with compare, --output
 * FILE gets the chosen format and stdout the text. JSON:
 *
 *   {"by": "night", "min_size": 3, "sig_level": 0.01, "permutations": 199,
 *    "floor": 0.02, "runs": N, "stored": N, "counts": {verdict: N, ...},
 *    "series": [{scenario, variant_key, metric, higher_is_better, verdict,
 *                reason, points, new_regime, median_base, median_cand,
 *                ratio, p, history[{label, date, kernel, at, runs, value}],
 *                change_points[{index, label, at, median_before,
 *                               median_after, change, p}]}]}
 *
 * Exit: 0 no series regressed, 1 one did (its newest regime is worse than
 * the one before by more than the floor), 64 usage, 65 nothing to look at
 * (no ok run with the metrics in the selection), 70 anything else.
 *
 * This file does not compute anything (report/trend.c).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmdutil.h"
#include "commands.h"
#include "compare.h"
#include "exitcodes.h"
#include "results.h"
#include "selector.h"
#include "trend.h"
#include "units.h"

#define TREND_MAX_METRICS 32

struct trend_args {
	const char *db;
	const char *output;
	enum cmdutil_format format;
	const char *metrics[TREND_MAX_METRICS];
	struct trend_opts opts;
	bool no_store;
	struct selector sel;
};

static int trend_parse_args(int argc, char **argv, struct trend_args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "by", required_argument, NULL, 'b' },
		{ "metric", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "min-size", required_argument, NULL, 'n' },
		{ "floor", required_argument, NULL, 'F' },
		{ "no-store", no_argument, NULL, 'S' },
		{},
	};
	char err[256], *end;
	unsigned long n;
	double pct;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case 'b':
			if (trend_by_parse(optarg, &a->opts.by) < 0) {
				say_error("--by '%s': expected night or kernel", optarg);
				return usage_of("trend");
			}
			break;
		case 'm':
			if (a->opts.n_metrics == TREND_MAX_METRICS) {
				say_error("--metric: at most %d metrics", TREND_MAX_METRICS);
				return usage_of("trend");
			}
			if (strlen(optarg) >= sizeof(((struct compare_series *)0)->metric)) {
				say_error("--metric '%s': name too long", optarg);
				return usage_of("trend");
			}
			a->metrics[a->opts.n_metrics++] = optarg;
			break;
		case 'f':
			if (cmdutil_format_parse(optarg, &a->format) < 0) {
				say_error("--format '%s': expected text, json, markdown, junit or ktap",
					  optarg);
				return usage_of("trend");
			}
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 2 || n > 1000) {
				say_error("--min-size '%s': expected a number of points, 2 to 1000",
					  optarg);
				return usage_of("trend");
			}
			a->opts.min_size = n;
			break;
		case 'F':
			if (units_parse_percent(optarg, &pct) < 0 || pct <= 0 || pct >= 100) {
				say_error("--floor '%s': expected a percentage above 0 and below 100",
					  optarg);
				return usage_of("trend");
			}
			a->opts.floor = pct / 100;
			break;
		case 'S':
			a->no_store = true;
			break;
		default:
			return usage_of("trend");
		}
	}
	if (a->opts.n_metrics)
		a->opts.metrics = a->metrics;
	for (int k = optind; k < argc; k++) {
		if (selector_add(&a->sel, argv[k], err, sizeof(err)) < 0) {
			say_error("%s", err);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* ---- text ---------------------------------------------------------------------- */

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
		fprintf(f, "  %s (%s %s): %s -> %s (%+.1f %%), p %.2g\n", cp->label,
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

/* ---- JSON ---------------------------------------------------------------------- */

static json_t *trend_json_time(uint64_t us)
{
	time_t t = (time_t)(us / 1000000);
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

static json_t *trend_json_series(const struct trend_series *s, const struct compare_series *row)
{
	json_t *o = json_object(), *hist = json_array(), *cps = json_array();
	size_t i;

	for (i = 0; i < s->n_points; i++) {
		const struct trend_point *p = &s->points[i];

		json_array_append_new(hist, json_pack("{s:s, s:s, s:s, s:o, s:I, s:o}", "label",
						      p->label, "date", p->date, "kernel", p->kernel,
						      "at", trend_json_time(p->at_us), "runs",
						      (json_int_t)p->n_runs, "value",
						      cmdutil_json_num(p->value)));
	}
	for (i = 0; i < s->n_cps; i++) {
		const struct trend_changepoint *cp = &s->cps[i];

		json_array_append_new(cps, json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "index",
						     (json_int_t)cp->index, "label", cp->label, "at",
						     trend_json_time(cp->at_us), "median_before",
						     cmdutil_json_num(cp->median_before), "median_after",
						     cmdutil_json_num(cp->median_after), "change",
						     cmdutil_json_num(cp->change), "p",
						     cmdutil_json_num(cp->p)));
	}
	json_object_set_new(o, "scenario", json_string(s->scenario));
	json_object_set_new(o, "variant_key", json_string(s->variant_key));
	json_object_set_new(o, "metric", json_string(s->metric));
	json_object_set_new(o, "higher_is_better", json_boolean(s->higher_is_better));
	json_object_set_new(o, "verdict", json_string(compare_verdict_name(s->verdict)));
	json_object_set_new(o, "reason", json_string(s->reason));
	json_object_set_new(o, "points", json_integer((json_int_t)s->n_points));
	json_object_set_new(o, "new_regime", json_boolean(s->new_regime));
	json_object_set_new(o, "median_base", cmdutil_json_num(row->median_base));
	json_object_set_new(o, "median_cand", cmdutil_json_num(row->median_cand));
	json_object_set_new(o, "ratio", cmdutil_json_num(row->ratio));
	json_object_set_new(o, "p", cmdutil_json_num(row->p));
	json_object_set_new(o, "history", hist);
	json_object_set_new(o, "change_points", cps);
	return o;
}

static int trend_write_json(FILE *f, const struct trend_result *r)
{
	json_t *root = json_object(), *series = json_array(), *counts = json_object();
	size_t i;
	int ret;

	if (!root || !series || !counts) {
		json_decref(root);
		json_decref(series);
		json_decref(counts);
		return -ENOMEM;
	}
	for (i = 0; i < COMPARE_VERDICTS_; i++)
		json_object_set_new(counts, compare_verdict_name((enum compare_verdict)i),
				    json_integer((json_int_t)r->rows.counts[i]));
	for (i = 0; i < r->n; i++)
		json_array_append_new(series, trend_json_series(&r->series[i], &r->rows.series[i]));
	json_object_set_new(root, "by", json_string(trend_by_name(r->by)));
	json_object_set_new(root, "min_size", json_integer((json_int_t)r->min_size));
	json_object_set_new(root, "sig_level", json_real(r->sig_level));
	json_object_set_new(root, "permutations", json_integer(r->permutations));
	json_object_set_new(root, "floor", json_real(r->floor));
	json_object_set_new(root, "runs", json_integer((json_int_t)r->n_runs));
	json_object_set_new(root, "stored", json_integer((json_int_t)r->n_stored));
	json_object_set_new(root, "counts", counts);
	json_object_set_new(root, "series", series);
	ret = json_dumpf(root, f, JSON_INDENT(2)) < 0 ? -EIO : 0;
	if (ret == 0)
		fputc('\n', f);
	json_decref(root);
	return ret;
}

/* ---- the command --------------------------------------------------------------- */

struct trend_output {
	const struct trend_result *r;
	const char *title;
};

static int trend_write(FILE *f, enum cmdutil_format format, bool colour, const void *ctx)
{
	const struct trend_output *o = ctx;

	switch (format) {
	case CMDUTIL_FMT_JSON:
		return trend_write_json(f, o->r);
	case CMDUTIL_FMT_MARKDOWN:
		return report_write_markdown(f, &o->r->rows, o->title);
	case CMDUTIL_FMT_JUNIT:
		return report_write_junit(f, &o->r->rows, o->title);
	case CMDUTIL_FMT_KTAP:
		return report_write_ktap(f, &o->r->rows, o->title);
	default:
		return trend_write_text(f, o->r, o->title, colour);
	}
}

/* "mptcp-lab trend by night: scenario:x variant:cc=bbr" */
static void trend_title(const struct trend_result *r, int argc, char **argv, char *buf,
			size_t size)
{
	size_t off;
	int k;

	off = (size_t)snprintf(buf, size, "mptcp-lab trend by %s", trend_by_name(r->by));
	for (k = optind; k < argc && off < size; k++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", k == optind ? ": " : " ",
					argv[k]);
}

static void trend_metric_list(const struct trend_args *a, char *buf, size_t size)
{
	size_t i, off = 0;

	if (!a->opts.n_metrics) {
		snprintf(buf, size, "goodput_bps, efficiency");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < a->opts.n_metrics && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "",
					a->metrics[i]);
}

int cmd_trend(int argc, char **argv)
{
	struct trend_args a = { 0 };
	struct trend_result res = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	struct trend_output output;
	char metrics[256], title[256];
	int r, ret;

	ret = trend_parse_args(argc, argv, &a);
	if (ret)
		goto out;
	ret = EXIT_SOFTWARE;
	r = results_open(a.db, &db, &d);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		goto out;
	}
	r = report_trend(db, &a.sel.filter, &a.opts, &res, &d);
	if (r == 0 && !a.no_store)
		r = cmdutil_trend_store(db, &res, 0, &d);
	if (r < 0) {
		say_error("cannot compute trends: %s", diag_str(&d));
		goto out;
	}
	if (!res.n) {
		trend_metric_list(&a, metrics, sizeof(metrics));
		say_error("nothing to look at: no ok run with %s in the selection (%zu ok runs)",
			  metrics, res.n_runs);
		ret = EXIT_DATAERR;
		goto out;
	}
	trend_title(&res, argc, argv, title, sizeof(title));
	/* as compare: the chosen format into the file, the text on stdout */
	output = (struct trend_output){ .r = &res, .title = title };
	if (cmdutil_write_output(a.output, a.format, trend_write, &output, "trend") < 0)
		goto out;
	ret = res.rows.counts[COMPARE_REGRESSION] ? EXIT_FAIL : EXIT_OK;
out:
	trend_result_release(&res);
	results_close(db);
	selector_release(&a.sel);
	return ret;
}
