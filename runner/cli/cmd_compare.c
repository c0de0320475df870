/*
 * cmd_compare.c: `mptcp-lab compare`, the regression verdict between two
 * selections of stored runs (report_compare in report/compare.h).
 *
 *   mptcp-lab compare [--db PATH] --baseline SELECTOR... --candidate SELECTOR...
 *                     [--metric M]... [--format text|json|markdown|junit|ktap]
 *                     [--output FILE] [--alpha A] [--correction holm|bh|none]
 *                     [--floor PCT] [--level L] [--unit auto|runs|groups]
 *                     [--fail-on-inconclusive] [--report DIR [--png]]
 *
 * --baseline and --candidate may be repeated; each takes selectors as
 * `runs` does (selector.h), all of one side narrowing that side together.
 * The chosen format goes to stdout, or to FILE with --output (the text
 * table then still goes to stdout, so a CI log shows the verdict). Every
 * format is written by report/ (format.h); this file parses the options,
 * calls report_compare and says what failed. --report DIR also writes the
 * comparison's HTML pages (report_compare_pages_write, pages.h).
 *
 * --floor is the floor's minimum (the floor itself comes from the noise),
 * --level the CI's, --unit what a unit of the test is (compare.h).
 *
 * Exit: 0 no series regressed, 1 one did or its mix shifted toward the
 * worse cluster (or, with --fail-on-inconclusive, one was inconclusive),
 * 64 usage, 65 no database there, a selection holds no ok run or no
 * series is on both sides, 70 internal (the report pages included: a
 * verdict whose pages cannot be written is not trusted).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cmdutil.h"
#include "commands.h"
#include "compare.h"
#include "exitcodes.h"
#include "pages.h"
#include "results.h"
#include "selector.h"
#include "units.h"

/* getopt_long vals of the long-only options: beyond any character */
enum { OPT_FAIL_INCONCLUSIVE = 256, OPT_LEVEL, OPT_UNIT, OPT_REPORT, OPT_PNG };

struct compare_args {
	const char *db;
	const char *output;
	const char *report_dir;
	bool png;
	enum report_format format;
	bool fail_on_inconclusive;
	struct selector base, cand;
	size_t n_base_args, n_cand_args;
	char *base_text, *cand_text; /* the selectors as given, joined by ',' */
	const char **metrics;
	size_t n_metrics;
	struct compare_opts opts;
};

static void compare_args_release(struct compare_args *a)
{
	selector_release(&a->base);
	selector_release(&a->cand);
	free(a->base_text);
	free(a->cand_text);
	free(a->metrics);
}

/* Append arg to *text, joined by ','. */
static int join_arg(char **text, const char *arg)
{
	size_t old = *text ? strlen(*text) : 0;
	char *g = realloc(*text, old + strlen(arg) + 2);

	if (!g)
		return -ENOMEM;
	if (old)
		g[old++] = ',';
	strcpy(g + old, arg);
	*text = g;
	return 0;
}

static int parse_probability(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0 && v < 1))
		return -EINVAL;
	*out = v;
	return 0;
}

/* One option (cmdutil_parse_options): 0, or the exit code to return. */
static int compare_option(int c, char *arg, void *ctx)
{
	struct compare_args *a = ctx;
	const char **g;
	double pct;

	switch (c) {
	case 'd':
		a->db = arg;
		break;
	case 'b':
	case 'c':
		if (cmdutil_select(c == 'b' ? &a->base : &a->cand, arg,
				   c == 'b' ? "--baseline" : "--candidate"))
			return EXIT_USAGE;
		if (join_arg(c == 'b' ? &a->base_text : &a->cand_text, arg) < 0) {
			say_error("cannot parse the arguments: out of memory");
			return EXIT_SOFTWARE;
		}
		break;
	case 'm':
		g = array_grow(a->metrics, a->n_metrics, sizeof(*g));
		if (!g) {
			say_error("cannot parse the arguments: out of memory");
			return EXIT_SOFTWARE;
		}
		a->metrics = g;
		g[a->n_metrics++] = arg;
		break;
	case 'f':
		if (report_format_parse(arg, &a->format) < 0) {
			say_error("unknown format '%s' (text, json, markdown, junit, ktap)", arg);
			return usage_of("compare");
		}
		break;
	case 'o':
		a->output = arg;
		break;
	case 'a':
		if (parse_probability(arg, &a->opts.alpha) < 0) {
			say_error("--alpha '%s': expected a probability between 0 and 1, e.g. 0.01", arg);
			return EXIT_USAGE;
		}
		break;
	case 'C':
		if (!strcmp(arg, "holm")) {
			a->opts.correction = COMPARE_HOLM;
		} else if (!strcmp(arg, "bh")) {
			a->opts.correction = COMPARE_BH;
		} else if (!strcmp(arg, "none")) {
			a->opts.correction = COMPARE_NONE;
		} else {
			say_error("--correction '%s': expected holm, bh or none", arg);
			return EXIT_USAGE;
		}
		break;
	case 'F':
		if (units_parse_percent(arg, &pct) < 0 || !(pct > 0) || !(pct < 100)) {
			say_error("--floor '%s': expected the floor's minimum as a percentage above 0 and below 100, e.g. 0.5 or 0.5%%",
				  arg);
			return EXIT_USAGE;
		}
		a->opts.floor_min = pct / 100;
		break;
	case OPT_LEVEL:
		if (parse_probability(arg, &a->opts.level) < 0) {
			say_error("--level '%s': expected the confidence level of the CI between 0 and 1, e.g. 0.95",
				  arg);
			return EXIT_USAGE;
		}
		break;
	case OPT_UNIT:
		if (!strcmp(arg, "auto")) {
			a->opts.unit = STATS_UNIT_AUTO;
		} else if (!strcmp(arg, "runs")) {
			a->opts.unit = STATS_UNIT_RUNS;
		} else if (!strcmp(arg, "groups")) {
			a->opts.unit = STATS_UNIT_GROUPS;
		} else {
			say_error("--unit '%s': expected auto, runs or groups", arg);
			return EXIT_USAGE;
		}
		break;
	case OPT_FAIL_INCONCLUSIVE:
		a->fail_on_inconclusive = true;
		break;
	case OPT_REPORT:
		a->report_dir = arg;
		break;
	case OPT_PNG:
		a->png = true;
		break;
	}
	return 0;
}

/* 0, or the exit code to return. */
static int parse_args(int argc, char **argv, struct compare_args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "candidate", required_argument, NULL, 'c' },
		{ "metric", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "correction", required_argument, NULL, 'C' },
		{ "floor", required_argument, NULL, 'F' },
		{ "level", required_argument, NULL, OPT_LEVEL },
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ "fail-on-inconclusive", no_argument, NULL, OPT_FAIL_INCONCLUSIVE },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "png", no_argument, NULL, OPT_PNG },
		{},
	};
	int ret = cmdutil_parse_options(argc, argv, "compare", opts, compare_option, a);

	if (ret)
		return ret;
	if (optind < argc) {
		say_error("unexpected argument '%s' (selectors go after --baseline or --candidate)",
			  argv[optind]);
		return usage_of("compare");
	}
	if (!a->base_text || !a->cand_text) {
		say_error("'compare' needs --baseline SELECTOR and --candidate SELECTOR");
		return usage_of("compare");
	}
	if (a->png && !a->report_dir) {
		say_error("--png is an option of --report DIR");
		return usage_of("compare");
	}
	if (a->report_dir && !*a->report_dir) {
		say_error("--report needs a directory");
		return usage_of("compare");
	}
	a->opts.metrics = a->metrics;
	a->opts.n_metrics = a->n_metrics;
	return 0;
}

struct compare_output {
	const struct compare_result *r;
	struct compare_about about;
};

static int write_format(FILE *f, enum report_format format, bool colour, const void *ctx)
{
	const struct compare_output *o = ctx;

	return report_write_compare(f, format, colour, o->r, &o->about);
}

int cmd_compare(int argc, char **argv)
{
	struct compare_args a = { 0 };
	struct compare_result r = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	struct compare_output output;
	char *title = NULL;
	int ret, err;

	ret = parse_args(argc, argv, &a);
	if (ret)
		goto out;
	ret = EXIT_SOFTWARE;
	if (asprintf(&title, "mptcp-lab compare: baseline %s vs candidate %s", a.base_text,
		     a.cand_text) < 0) {
		title = NULL;
		say_error("cannot compare: out of memory");
		goto out;
	}
	/* a mistyped path must not become an empty store and a "holds no ok run" */
	ret = cmdutil_open_existing_db(a.db, "compare", &db);
	if (ret)
		goto out;
	ret = EXIT_SOFTWARE;
	err = report_compare(db, &a.base.filter, &a.cand.filter, &a.opts, &r, &d);
	if (err == -ENODATA || err == -EINVAL) {
		say_error("cannot compare: %s", diag_str(&d));
		ret = EXIT_DATAERR;
		goto out;
	}
	if (err < 0) {
		say_error("cannot compare: %s", diag_str(&d));
		goto out;
	}

	output = (struct compare_output){
		.r = &r,
		.about = { .title = title, .baseline = a.base_text, .candidate = a.cand_text,
			   .opts = &a.opts },
	};
	if (cmdutil_write_output(a.output, a.format, write_format, &output, "comparison") < 0)
		goto out;
	if (a.report_dir) {
		struct report_pages_stats st;
		int w = report_compare_pages_write(
			db,
			&(struct report_compare_pages_opts){ .out_dir = a.report_dir,
							     .baseline = &a.base.filter,
							     .candidate = &a.cand.filter,
							     .baseline_text = a.base_text,
							     .candidate_text = a.cand_text,
							     .cmp = &r, .png = a.png },
			&cmdutil_report_observer, &st, &d);

		if (w < 0) {
			say_error("%s", diag_str(&d));
			goto out;
		}
		if (st.n_charts_failed)
			say_error("warning: %zu of %zu charts not drawn", st.n_charts_failed,
				  st.n_charts);
		printf("report: %s/index.html (%zu series, %zu scenarios)\n", a.report_dir,
		       st.n_series, st.n_scenarios);
	}
	ret = EXIT_OK;
	if (r.counts[COMPARE_REGRESSION] || r.mix_to_worse ||
	    (a.fail_on_inconclusive && r.counts[COMPARE_INCONCLUSIVE]))
		ret = EXIT_FAIL;
out:
	compare_result_release(&r);
	results_close(db);
	free(title);
	compare_args_release(&a);
	return ret;
}
