/*
 * cmdutil: what the report commands (`compare`, `trend`) share about their
 * output: colour on stdout and the rule "the chosen format into --output
 * FILE, the text on stdout"; and storing a trend's change points (`trend`,
 * `nightly`).
 *
 * It prints only the messages of a failed write (runner/cli prints); what
 * a command computes and how each format looks are report/'s (format.h).
 */
#ifndef MPL_CMDUTIL_H
#define MPL_CMDUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "format.h"
#include "results.h"
#include "trend.h"

/* Colour on a terminal that is not dumb, unless $NO_COLOR. */
bool cmdutil_stdout_colour(void);

/* Writes the result in format to f; colour only ever on a terminal. */
typedef int (*cmdutil_write_fn)(FILE *f, enum report_format format, bool colour,
				const void *ctx);

/* Write format to stdout, or, with output, into that file and the text to
 * stdout (so a CI log still shows the verdict). 0, or a negative errno
 * after "cannot write 'FILE': ..." or "cannot write the WHAT to stdout:
 * ..." was said. */
int cmdutil_write_output(const char *output, enum report_format format, cmdutil_write_fn write,
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
