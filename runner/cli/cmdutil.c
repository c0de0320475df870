/*
 * cmdutil.c: what the commands share around their one library call
 * (cmdutil.h): options, selectors, opening the store, output, and storing
 * a trend's change points.
 *
 * Does not know what a comparison or a trend is: the commands pass their
 * options, writer and context.
 */
#include "cmdutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "commands.h"
#include "diag.h"
#include "exitcodes.h"
#include "mtime.h"

int cmdutil_parse_options(int argc, char **argv, const char *cmd, const struct option *opts,
			  cmdutil_option_fn fn, void *ctx)
{
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == '?')
			return usage_of(cmd);
		ret = fn(c, optarg, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int cmdutil_select(struct selector *sel, const char *text, const char *opt)
{
	struct diag d = DIAG_INIT;

	if (selector_add(sel, text, &d) == 0)
		return 0;
	if (opt)
		say_error("%s: %s", opt, diag_str(&d));
	else
		say_error("%s", diag_str(&d));
	return EXIT_USAGE;
}

int cmdutil_select_operands(int argc, char **argv, int first, struct selector *sel)
{
	for (int k = first; k < argc; k++)
		if (cmdutil_select(sel, argv[k], NULL))
			return EXIT_USAGE;
	return 0;
}

int cmdutil_open_db(const char *path, struct results **db)
{
	struct diag d = DIAG_INIT;

	if (results_open(path, db, &d) == 0)
		return 0;
	say_error("%s", diag_str(&d));
	return EXIT_SOFTWARE;
}

int cmdutil_open_existing_db(const char *path, const char *what, struct results **db)
{
	/* the file results_open() would open (the same rule) */
	if (!path || !*path)
		path = getenv(RESULTS_DB_ENV);
	if (!path || !*path)
		path = RESULTS_DEFAULT_DB;
	if (access(path, F_OK) != 0) {
		say_error("cannot %s: no database at '%s': %s", what, path, strerror(errno));
		return EXIT_DATAERR;
	}
	return cmdutil_open_db(path, db);
}

bool cmdutil_stdout_colour(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");
}

int cmdutil_write_output(const char *output, enum report_format format, cmdutil_write_fn write,
			 const void *ctx, const char *what)
{
	FILE *out;
	int err;

	if (output) {
		out = fopen(output, "w");
		if (!out) {
			err = -errno;
			say_error("cannot write '%s': %s", output, strerror(-err));
			return err;
		}
		err = write(out, format, false, ctx);
		if (fclose(out) != 0 && !err)
			err = -errno;
		if (err < 0) {
			say_error("cannot write '%s': %s", output, strerror(-err));
			return err;
		}
		err = write(stdout, REPORT_FMT_TEXT, cmdutil_stdout_colour(), ctx);
	} else {
		err = write(stdout, format, cmdutil_stdout_colour(), ctx);
	}
	if (err < 0 || fflush(stdout) != 0) {
		if (err >= 0)
			err = -errno;
		say_error("cannot write the %s to stdout: %s", what, strerror(-err));
		return err;
	}
	return 0;
}

int cmdutil_add_arg(const char ***arr, size_t *n, const char *s)
{
	const char **g = array_grow(*arr, *n, sizeof(*g));

	if (!g) {
		say_error("cannot parse the arguments: out of memory");
		return EXIT_SOFTWARE;
	}
	*arr = g;
	g[(*n)++] = s;
	return 0;
}

/* the first chart failures are said, the rest counted */
#define CMDUTIL_CHART_WARNINGS 3

static void cmdutil_chart_failed(void *ctx, size_t n, const char *why)
{
	(void)ctx;
	if (n <= CMDUTIL_CHART_WARNINGS)
		say_error("warning: %s", why);
}

const struct report_pages_observer cmdutil_report_observer = {
	.chart_failed = cmdutil_chart_failed,
};

int cmdutil_report_outcome(int r, const struct diag *d, const struct report_pages_stats *st,
			   const char *out_dir)
{
	if (r < 0) {
		say_error("%s", diag_str(d));
		return r == -ENODATA ? EXIT_DATAERR : EXIT_SOFTWARE;
	}
	if (st->n_charts_failed)
		say_error("warning: %zu of %zu charts not drawn", st->n_charts_failed, st->n_charts);
	printf("report: %s/index.html (%zu regressions, %zu series, %zu scenarios)\n", out_dir,
	       st->n_regressions, st->n_series, st->n_scenarios);
	/* pages without a single chart: gnuplot or its scripts are missing,
	 * a capability, said as such (the pages are there all the same) */
	return st->n_charts && st->n_charts_failed == st->n_charts ? EXIT_UNAVAILABLE : EXIT_OK;
}

void cmdutil_push_failed(void *arg, const char *why, size_t runs)
{
	(void)arg;
	say_error("%s; %zu run%s kept in the outbox", why, runs, runs == 1 ? "" : "s");
}

void cmdutil_points_failed(void *arg, const char *why, size_t points)
{
	(void)arg;
	say_error("%s; %zu verdict point%s kept in the outbox", why, points,
		  points == 1 ? "" : "s");
}

int cmdutil_push_outcome(int r, const struct diag *d, const struct push_summary *t,
			 const char *url)
{
	bool points = t->points || t->points_failed || t->points_untried || t->points_waiting;

	if (r < 0) {
		if (d->err)
			say_error("%s", diag_str(d));
		return r == -EINVAL ? EXIT_DATAERR : EXIT_SOFTWARE;
	}
	printf("pushed %zu run%s (%zu line%s)", t->runs, t->runs == 1 ? "" : "s", t->lines,
	       t->lines == 1 ? "" : "s");
	/* said only when there are any: a box without nightly verdicts reads
	 * as it always did */
	if (points)
		printf(" and %zu verdict point%s", t->points, t->points == 1 ? "" : "s");
	printf(" to '%s'", url);
	if (t->failed || t->untried)
		printf("; %zu failed, %zu not tried, kept in the outbox", t->failed, t->untried);
	if (t->points_failed || t->points_untried)
		printf("; verdict points: %zu failed, %zu not tried, kept in the outbox",
		       t->points_failed, t->points_untried);
	if (t->waiting)
		printf("; %zu waiting for their next attempt (--now to push them anyway)", t->waiting);
	if (t->points_waiting)
		printf("; %zu verdict point%s waiting for the next attempt (--now to push them "
		       "anyway)",
		       t->points_waiting, t->points_waiting == 1 ? "" : "s");
	printf("\n");
	return t->failed || t->untried || t->waiting || t->points_failed || t->points_untried ||
			       t->points_waiting ?
		       EXIT_FAIL :
		       EXIT_OK;
}
