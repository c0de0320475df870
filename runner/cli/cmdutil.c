/*
 * cmdutil.c: output handling shared by `compare` and `trend`, and storing
 * a trend's change points (cmdutil.h).
 *
 * Does not know what a comparison or a trend is: the commands pass their
 * writer and its context.
 */
#include "cmdutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "diag.h"
#include "mtime.h"

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
