/*
 * cmd_calibrate.c: `mptcp-lab calibrate`, what a scenario's series can
 * detect on this box:
 *
 *   mptcp-lab calibrate [--db PATH] [--reps N] [--invocations K] [--change PCT]
 *                       [--metric M]... [--set PATH=VALUE]... [--json]
 *                       SCENARIO|SUITE...
 *   mptcp-lab calibrate [--db PATH] [--reps N] [--change PCT] [--metric M]... [--json]
 *                       --from SELECTOR...
 *
 * The first runs the scenarios K times (3 by default), each time in an
 * invocation of its own, every run stored tagged calibrate=<id>
 * (calibrate_run.h), then prints per series the noise within and between
 * invocations, the floor, the minimum detectable change at the planned
 * repetitions (and for the nightly design), and the runs a side a change
 * of PCT (2 %) and "no change" need (report/calibrate.h). The second does
 * the same on runs already stored. The runs' progress and the table go to
 * stdout; --json writes the JSON instead of the table.
 *
 * Exit: 0; 1 when a run was not ok (invalid or failed; the others still
 * count); 64 usage; 65 bad input, or no ok run with the metrics; 69 a run
 * was skipped for a missing capability and nothing could be measured; 70
 * internal; 130 interrupted.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate_run.h"
#include "cmdutil.h"
#include "commands.h"
#include "exitcodes.h"
#include "progress.h"
#include "selector.h"
#include "units.h"

enum { OPT_INVOCATIONS = 256, OPT_CHANGE, OPT_FROM, OPT_JSON };

struct calibrate_args {
	struct calibrate_run_opts o;
	const char *db;
	const char **sets, **metrics;
	size_t n_sets, n_metrics;
	struct selector from;
	bool has_from, json;
};

static int parse_count(const char *name, const char *arg, unsigned min, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*end || !*arg || *arg == '-' || v < min || v > 1000) {
		say_error("--%s must be %u-1000, got '%s'", name, min, arg);
		return EXIT_USAGE;
	}
	*out = (unsigned)v;
	return 0;
}

static int calibrate_option(int c, char *arg, void *ctx)
{
	struct calibrate_args *a = ctx;
	double pct;

	switch (c) {
	case 'd':
		a->db = arg;
		return 0;
	case 'r':
		return parse_count("reps", arg, 2, &a->o.reps);
	case OPT_INVOCATIONS:
		return parse_count("invocations", arg, 1, &a->o.invocations);
	case OPT_CHANGE:
		if (units_parse_percent(arg, &pct) < 0 || !(pct > 0) || !(pct < 100)) {
			say_error("--change must be a percentage above 0 and below 100 (2 or 2%%), got '%s'",
				  arg);
			return EXIT_USAGE;
		}
		a->o.report.change = pct / 100;
		return 0;
	case 'm':
		return cmdutil_add_arg(&a->metrics, &a->n_metrics, arg) ? EXIT_SOFTWARE : 0;
	case 's':
		return cmdutil_add_arg(&a->sets, &a->n_sets, arg) ? EXIT_SOFTWARE : 0;
	case OPT_FROM:
		a->has_from = true;
		return cmdutil_select(&a->from, arg, "--from");
	case OPT_JSON:
		a->json = true;
		return 0;
	default:
		return usage_of("calibrate");
	}
}

struct calibrate_view {
	struct progress prog;
	FILE *says; /* stdout, or stderr when stdout is the JSON */
};

static void view_invocation(void *arg, unsigned k, unsigned n, const char *id)
{
	struct calibrate_view *v = arg;

	progress_clear(&v->prog);
	fprintf(v->says, "== invocation %u of %u (invocation=%s)\n", k, n, id);
	fflush(v->says);
}

/* What calibrate_run() returned, said; the exit code. */
static int run_outcome(int r, const struct calibrate_run *c, const struct diag *d)
{
	if (r == -EINVAL && c->errs.n) {
		for (size_t i = 0; i < c->errs.n; i++)
			fprintf(stderr, "%s\n", c->errs.msgs[i]);
		fprintf(stderr, "mptcp-lab: %zu error(s), nothing was run\n", c->errs.n);
		return EXIT_DATAERR;
	}
	if (r == -EINTR) {
		printf("interrupted after %u invocation(s); the runs stored stay (tag calibrate=%s)\n",
		       c->invocations, c->id);
		return 128 + SIGINT;
	}
	if (r == -ENODATA) {
		say_error("cannot calibrate: %s (%zu skipped, %zu invalid, %zu failed runs)", diag_str(d),
			  c->counts[RESULTS_SKIPPED], c->counts[RESULTS_INVALID],
			  c->counts[RESULTS_FAILED]);
		return c->counts[RESULTS_SKIPPED] ? EXIT_UNAVAILABLE : EXIT_DATAERR;
	}
	if (r < 0) {
		say_error("%s", diag_str(d));
		return EXIT_SOFTWARE;
	}
	return c->counts[RESULTS_INVALID] || c->counts[RESULTS_FAILED] ? EXIT_FAIL : EXIT_OK;
}

int cmd_calibrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "reps", required_argument, NULL, 'r' },
		{ "invocations", required_argument, NULL, OPT_INVOCATIONS },
		{ "change", required_argument, NULL, OPT_CHANGE },
		{ "metric", required_argument, NULL, 'm' },
		{ "set", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "json", no_argument, NULL, OPT_JSON },
		{},
	};
	struct calibrate_args a = { .o = { .cancel = &mpl_interrupted } };
	struct calibrate_run c = { 0 };
	struct diag d = DIAG_INIT;
	int ret, r;

	ret = cmdutil_parse_options(argc, argv, "calibrate", opts, calibrate_option, &a);
	if (ret)
		goto out;
	a.o.report.metrics = a.metrics;
	a.o.report.n_metrics = a.n_metrics;
	a.o.report.planned_reps = a.o.reps;
	if (a.has_from) {
		struct results *db = NULL;

		if (optind != argc || a.n_sets || a.o.invocations) {
			say_error("'calibrate --from' reads stored runs: no scenario, --set or --invocations");
			ret = usage_of("calibrate");
			goto out;
		}
		ret = cmdutil_open_existing_db(a.db, "calibrate", &db);
		if (ret)
			goto out;
		r = report_calibrate(db, &a.from.filter, &a.o.report, &c.result, &d);
		results_close(db);
		ret = r == -ENODATA ? EXIT_DATAERR : r < 0 ? EXIT_SOFTWARE : EXIT_OK;
		if (r < 0)
			say_error("cannot calibrate: %s", diag_str(&d));
	} else {
		struct calibrate_view view = { .says = a.json ? stderr : stdout };
		struct plan_observer runs;
		const struct calibrate_observer obs = { .runs = &runs, .invocation = view_invocation,
							.arg = &view };

		if (optind == argc) {
			say_error("'calibrate' needs a scenario or suite file, or --from SELECTOR");
			ret = usage_of("calibrate");
			goto out;
		}
		if (geteuid() != 0) {
			say_error("'calibrate' runs the scenarios and needs root (network namespaces); --from reads stored runs without");
			ret = EXIT_UNAVAILABLE;
			goto out;
		}
		a.o.files = (const char *const *)argv + optind;
		a.o.n_files = (size_t)(argc - optind);
		a.o.db_path = a.db;
		a.o.sets = a.sets;
		a.o.n_sets = a.n_sets;
		progress_init(&view.prog, 0, a.json);
		progress_observe(&view.prog, &runs);
		r = calibrate_run(&a.o, &obs, &c, &d);
		progress_clear(&view.prog);
		ret = run_outcome(r, &c, &d);
		if (r < 0)
			goto out;
		if (!a.json)
			printf("\ncalibrate=%s: %u invocations, %zu ok, %zu invalid, %zu failed, %zu skipped runs\n\n",
			       c.id, c.invocations, c.counts[RESULTS_OK], c.counts[RESULTS_INVALID],
			       c.counts[RESULTS_FAILED], c.counts[RESULTS_SKIPPED]);
	}
	if (c.result.n && report_write_calibrate(stdout, &c.result, a.json) < 0) {
		say_error("cannot write the calibration to stdout");
		ret = EXIT_SOFTWARE;
	}
out:
	calibrate_run_release(&c);
	selector_release(&a.from);
	free(a.sets);
	free(a.metrics);
	return ret;
}
