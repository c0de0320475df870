/*
 * cmd_trend.c: `mptcp-lab trend`, change points over each series' nightly
 * history (report/trend.c) and a verdict on its newest regime.
 *
 * Every format is written by report/ (format.h: report_write_trend): the
 * rows through the comparison's writers, so a trend reads and fails a CI
 * job exactly like a comparison, text with each series' history and
 * change points first, and JSON of its own. As with compare, --output
 * FILE gets the chosen format and stdout the text. The change points
 * found are stored unless --no-store (cmdutil_trend_store).
 *
 * Exit: 0 no series regressed, 1 one did (its newest regime is worse than
 * the one before by more than the floor), 64 usage, 65 nothing to look at
 * (no ok run with the metrics in the selection), 70 anything else.
 *
 * This file does not compute or format anything (report/trend.c,
 * report/format.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changepoints.h"
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
	enum report_format format;
	const char *metrics[TREND_MAX_METRICS];
	struct trend_opts opts;
	bool no_store;
	struct selector sel;
};

/* One option (cmdutil_parse_options): 0, or the exit code to return. */
static int trend_option(int c, char *arg, void *ctx)
{
	struct trend_args *a = ctx;
	unsigned long n;
	double pct;
	char *end;

	switch (c) {
	case 'd':
		a->db = arg;
		break;
	case 'b':
		if (trend_by_parse(arg, &a->opts.by) < 0) {
			say_error("--by '%s': expected night or kernel", arg);
			return usage_of("trend");
		}
		break;
	case 'm':
		if (a->opts.n_metrics == TREND_MAX_METRICS) {
			say_error("--metric: at most %d metrics", TREND_MAX_METRICS);
			return usage_of("trend");
		}
		if (strlen(arg) >= sizeof(((struct compare_series *)0)->metric)) {
			say_error("--metric '%s': name too long", arg);
			return usage_of("trend");
		}
		a->metrics[a->opts.n_metrics++] = arg;
		break;
	case 'f':
		if (report_format_parse(arg, &a->format) < 0) {
			say_error("--format '%s': expected text, json, markdown, junit or ktap", arg);
			return usage_of("trend");
		}
		break;
	case 'o':
		a->output = arg;
		break;
	case 'n':
		errno = 0;
		n = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || n < 2 || n > 1000) {
			say_error("--min-size '%s': expected a number of points, 2 to 1000", arg);
			return usage_of("trend");
		}
		a->opts.min_size = n;
		break;
	case 'F':
		if (units_parse_percent(arg, &pct) < 0 || pct <= 0 || pct >= 100) {
			say_error("--floor '%s': expected a percentage above 0 and below 100", arg);
			return usage_of("trend");
		}
		a->opts.floor = pct / 100;
		break;
	case 'S':
		a->no_store = true;
		break;
	}
	return 0;
}

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
	int ret = cmdutil_parse_options(argc, argv, "trend", opts, trend_option, a);

	if (ret)
		return ret;
	if (a->opts.n_metrics)
		a->opts.metrics = a->metrics;
	return cmdutil_select_operands(argc, argv, optind, &a->sel);
}

/* ---- the command --------------------------------------------------------------- */

struct trend_output {
	const struct trend_result *r;
	const char *title;
};

static int trend_write(FILE *f, enum report_format format, bool colour, const void *ctx)
{
	const struct trend_output *o = ctx;

	return report_write_trend(f, format, colour, o->r, o->title);
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
	if (!ret)
		ret = cmdutil_open_db(a.db, &db);
	if (ret)
		goto out;
	ret = EXIT_SOFTWARE;
	r = report_trend(db, &a.sel.filter, &a.opts, &res, &d);
	if (r == 0 && !a.no_store)
		r = changepoints_store(db, &res, 0, &d);
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
