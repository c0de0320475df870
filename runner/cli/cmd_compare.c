/*
 * cmd_compare.c: `mptcp-lab compare`, the regression verdict between two
 * selections of stored runs (report_compare in report/compare.h).
 *
 *   mptcp-lab compare [--db PATH] --baseline SELECTOR... --candidate SELECTOR...
 *                     [--metric M]... [--format text|json|markdown|junit|ktap]
 *                     [--output FILE] [--alpha A] [--correction holm|bh]
 *                     [--floor PCT] [--fail-on-inconclusive]
 *
 * --baseline and --candidate may be repeated; each takes selectors as
 * `runs` does (selector.h), all of one side narrowing that side together.
 * The chosen format goes to stdout, or to FILE with --output (the text
 * table then still goes to stdout, so a CI log shows the verdict). Every
 * format is written by report/ (format.h); this file parses the options,
 * calls report_compare and says what failed.
 *
 * Exit: 0 no series regressed, 1 one did (or, with --fail-on-inconclusive,
 * one was inconclusive), 64 usage, 65 no database there, a selection holds
 * no ok run or no series is on both sides, 70 internal.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdutil.h"
#include "commands.h"
#include "compare.h"
#include "exitcodes.h"
#include "results.h"
#include "selector.h"
#include "units.h"

struct compare_args {
	const char *db;
	const char *output;
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

/* 0, or the exit code to return. */
static int parse_args(int argc, char **argv, struct compare_args *a)
{
	enum { OPT_FAIL_INCONCLUSIVE = 256 };
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
		{ "fail-on-inconclusive", no_argument, NULL, OPT_FAIL_INCONCLUSIVE },
		{},
	};
	char err[256];
	double pct;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case 'b':
		case 'c':
			if (selector_add(c == 'b' ? &a->base : &a->cand, optarg, err, sizeof(err)) < 0) {
				say_error("--%s: %s", c == 'b' ? "baseline" : "candidate", err);
				return EXIT_USAGE;
			}
			if (join_arg(c == 'b' ? &a->base_text : &a->cand_text, optarg) < 0) {
				say_error("cannot parse the arguments: out of memory");
				return EXIT_SOFTWARE;
			}
			break;
		case 'm': {
			const char **g = realloc(a->metrics, (a->n_metrics + 1) * sizeof(*g));

			if (!g) {
				say_error("cannot parse the arguments: out of memory");
				return EXIT_SOFTWARE;
			}
			a->metrics = g;
			g[a->n_metrics++] = optarg;
			break;
		}
		case 'f':
			if (report_format_parse(optarg, &a->format) < 0) {
				say_error("unknown format '%s' (text, json, markdown, junit, ktap)", optarg);
				return usage_of("compare");
			}
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'a':
			if (parse_probability(optarg, &a->opts.alpha) < 0) {
				say_error("--alpha '%s': expected a probability between 0 and 1, e.g. 0.01",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'C':
			if (!strcmp(optarg, "holm")) {
				a->opts.correction = COMPARE_HOLM;
			} else if (!strcmp(optarg, "bh")) {
				a->opts.correction = COMPARE_BH;
			} else {
				say_error("--correction '%s': expected holm or bh", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'F':
			if (units_parse_percent(optarg, &pct) < 0 || !(pct > 0) || !(pct < 100)) {
				say_error("--floor '%s': expected a percentage above 0 and below 100, e.g. 2 or 2%%",
					  optarg);
				return EXIT_USAGE;
			}
			a->opts.floor_min = pct / 100;
			break;
		case OPT_FAIL_INCONCLUSIVE:
			a->fail_on_inconclusive = true;
			break;
		default:
			return usage_of("compare");
		}
	}
	if (optind < argc) {
		say_error("unexpected argument '%s' (selectors go after --baseline or --candidate)",
			  argv[optind]);
		return usage_of("compare");
	}
	if (!a->base_text || !a->cand_text) {
		say_error("'compare' needs --baseline SELECTOR and --candidate SELECTOR");
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

/* The file results_open() would open for path (the same rule). */
static const char *db_path_of(const char *path)
{
	if (path && *path)
		return path;
	path = getenv(RESULTS_DB_ENV);
	return path && *path ? path : RESULTS_DEFAULT_DB;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_args a = { 0 };
	struct compare_result r = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	const char *db_path;
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
	/* results_open() would create a missing database: a mistyped path
	 * must not become an empty store and a "holds no ok run" */
	db_path = db_path_of(a.db);
	if (access(db_path, F_OK) != 0) {
		say_error("cannot compare: no database at '%s': %s", db_path, strerror(errno));
		ret = EXIT_DATAERR;
		goto out;
	}
	err = results_open(db_path, &db, &d);
	if (err < 0) {
		say_error("%s", diag_str(&d));
		goto out;
	}
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
	ret = EXIT_OK;
	if (r.counts[COMPARE_REGRESSION] ||
	    (a.fail_on_inconclusive && r.counts[COMPARE_INCONCLUSIVE]))
		ret = EXIT_FAIL;
out:
	compare_result_release(&r);
	results_close(db);
	free(title);
	compare_args_release(&a);
	return ret;
}
