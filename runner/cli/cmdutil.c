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

int cmdutil_trend_store(struct results *db, struct trend_result *r, uint64_t now_us,
			struct diag *d)
{
	if (!now_us)
		now_us = mtime_wall_us();
	for (size_t i = 0; i < r->n; i++) {
		const struct trend_series *s = &r->series[i];

		for (size_t k = 0; k < s->n_cps; k++) {
			const struct results_changepoint row = {
				.scenario = s->scenario,
				.variant_key = s->variant_key,
				.metric = s->metric,
				.at_us = s->cps[k].at_us,
				.label = s->cps[k].label,
				.median_before = s->cps[k].median_before,
				.median_after = s->cps[k].median_after,
				.p = s->cps[k].p,
				.detected_at_us = now_us,
			};
			int ret = results_changepoint_store(db, &row, d);

			if (ret < 0)
				return ret;
			r->n_stored++;
		}
	}
	return 0;
}
