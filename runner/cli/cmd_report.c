/*
 * cmd_report.c: `mptcp-lab report`, the static report a maintainer opens
 * the morning after a nightly run.
 *
 *   mptcp-lab report [--db PATH] --out DIR [--baseline SELECTOR... | --baseline-nights N]
 *                    [--png] [--timing] [SELECTOR...]
 *
 * Parses the options, opens the store and calls report_pages_write()
 * (report/pages.h says what the pages hold and how the night and its
 * baseline are chosen); prints the first chart warnings, --timing's
 * figures and where the report is.
 *
 * Exit: 0 written, 64 usage, 65 no run in the selection or no database,
 * 69 written but not one chart could be drawn (no gnuplot), 70 anything
 * else. --timing prints how long the analysis, the charts and the pages
 * took (bench/bench_report.c reads it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "commands.h"
#include "exitcodes.h"
#include "pages.h"
#include "results.h"
#include "selector.h"

struct report_args {
	const char *db;
	const char *out;
	bool timing, png;
	unsigned baseline_nights; /* report_pages_opts' meaning */
	struct selector sel, base;
	bool has_base;
};

static int report_option(int c, char *arg, void *ctx)
{
	struct report_args *a = ctx;
	unsigned long n;
	char *end;

	switch (c) {
	case 'd':
		a->db = arg;
		break;
	case 'o':
		a->out = arg;
		break;
	case 'b':
		if (cmdutil_select(&a->base, arg, "--baseline"))
			return EXIT_USAGE;
		a->has_base = true;
		break;
	case 't':
		a->timing = true;
		break;
	case 'p':
		a->png = true;
		break;
	case 'n':
		errno = 0;
		n = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || n > 3650) {
			say_error("--baseline-nights '%s': expected a number of nights, 0 to 3650",
				  arg);
			return usage_of("report");
		}
		a->baseline_nights = n ? (unsigned)n : REPORT_PAGES_ALL_NIGHTS;
		break;
	}
	return 0;
}

static int report_parse_args(int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "timing", no_argument, NULL, 't' },
		{ "png", no_argument, NULL, 'p' },
		{ "baseline-nights", required_argument, NULL, 'n' },
		{},
	};
	int ret = cmdutil_parse_options(argc, argv, "report", opts, report_option, a);

	if (ret == 0)
		ret = cmdutil_select_operands(argc, argv, optind, &a->sel);
	if (ret)
		return ret;
	if (!a->out || !*a->out) {
		say_error("'report' needs --out DIR");
		return usage_of("report");
	}
	return 0;
}

static void report_timing(const char *what, uint64_t us)
{
	printf("timing: %-22s %8.1f ms\n", what, us / 1e3);
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = { 0 };
	struct report_pages_stats st;
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	int r, ret;

	ret = report_parse_args(argc, argv, &a);
	if (!ret) /* results_open() would create a missing database */
		ret = cmdutil_open_existing_db(a.db, "write the report", &db);
	if (ret)
		goto out;
	r = report_pages_write(db,
			       &(struct report_pages_opts){
				       .out_dir = a.out,
				       .sel = &a.sel.filter,
				       .baseline = a.has_base ? &a.base.filter : NULL,
				       .baseline_nights = a.baseline_nights,
				       .png = a.png,
			       },
			       &cmdutil_report_observer, &st, &d);
	if (r == 0 && a.timing) {
		report_timing("query (runs read)", st.query_us);
		report_timing("analysis (all)", st.analysis_us);
		report_timing("  report_compare", st.compare_us);
		report_timing("  report_trend", st.trend_us);
		report_timing("charts (data, gnuplot)", st.charts_us);
		report_timing("pages", st.pages_us);
		printf("timing: %zu runs, %zu series, %zu scenarios, %zu charts by %zu gnuplot\n",
		       st.n_runs, st.n_series, st.n_scenarios, st.n_charts, st.n_gnuplots);
	}
	ret = cmdutil_report_outcome(r, &d, &st, a.out);
out:
	results_close(db);
	selector_release(&a.sel);
	selector_release(&a.base);
	return ret;
}
