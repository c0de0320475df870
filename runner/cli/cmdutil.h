/*
 * cmdutil: what the report commands (`compare`, `trend`) share about their
 * output: the --format names, colour on stdout, JSON numbers, and the
 * rule "the chosen format into --output FILE, the text on stdout"; and
 * storing a trend's change points (`trend`, `nightly`).
 *
 * It prints only the messages of a failed write (runner/ prints); what a
 * command computes and how each format looks stay in the command and in
 * report/.
 */
#ifndef MPL_CMDUTIL_H
#define MPL_CMDUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "results.h"
#include "trend.h"

/* --format values, in the order of their names (text first: the default). */
enum cmdutil_format {
	CMDUTIL_FMT_TEXT,
	CMDUTIL_FMT_JSON,
	CMDUTIL_FMT_MARKDOWN,
	CMDUTIL_FMT_JUNIT,
	CMDUTIL_FMT_KTAP,
};

/* "text", "json", "markdown", "junit" or "ktap": 0, or -EINVAL for any
 * other name (the caller says so, in its own words). */
int cmdutil_format_parse(const char *name, enum cmdutil_format *out);

/* Colour on a terminal that is not dumb, unless $NO_COLOR. */
bool cmdutil_stdout_colour(void);

/* jansson has no NaN: a figure that does not exist is null. */
json_t *cmdutil_json_num(double v);

/* Writes the result in format to f; colour only ever on a terminal. */
typedef int (*cmdutil_write_fn)(FILE *f, enum cmdutil_format format, bool colour,
				const void *ctx);

/* Write format to stdout, or, with output, into that file and the text to
 * stdout (so a CI log still shows the verdict). 0, or a negative errno
 * after "cannot write 'FILE': ..." or "cannot write the WHAT to stdout:
 * ..." was said. */
int cmdutil_write_output(const char *output, enum cmdutil_format format, cmdutil_write_fn write,
			 const void *ctx, const char *what);

/*
 * Store every change point of r (report_trend finds them, it stores
 * nothing) in the changepoints table, first detected at now_us (0: the
 * wall clock), and count them in r->n_stored. The same detection made
 * again updates its row. 0, or a negative errno with d set.
 */
int cmdutil_trend_store(struct results *db, struct trend_result *r, uint64_t now_us,
			struct diag *d);

#endif
