/*
 * cmdutil: what the commands share around their one library call: the
 * getopt loop and selectors as operands or option values, opening the
 * store, and for the report commands (`compare`, `trend`) colour on stdout
 * and the rule "the chosen format into --output FILE, the text on
 * stdout"; and storing a trend's change points (`trend`, `nightly`).
 *
 * Each helper says what failed (runner/cli prints) and returns the exit
 * code or a negative errno, as its comment says. What a command computes
 * and how each format looks are report/'s (format.h).
 */
#ifndef MPL_CMDUTIL_H
#define MPL_CMDUTIL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "format.h"
#include "pages.h"
#include "push.h"
#include "results.h"
#include "selector.h"
#include "trend.h"

/* ---- options and operands ---- */

/* One option of a command: c is getopt_long's val, arg its argument (NULL
 * without). 0 to go on, or the exit code the command returns. */
typedef int (*cmdutil_option_fn)(int c, char *arg, void *ctx);

/*
 * A command's getopt loop: resets getopt (one process may parse several
 * commands), hands every option of opts to fn and answers an unknown one
 * (or a missing argument, which getopt_long has named) with the usage of
 * cmd. Returns 0 with optind at the first operand, or the exit code.
 */
int cmdutil_parse_options(int argc, char **argv, const char *cmd, const struct option *opts,
			  cmdutil_option_fn fn, void *ctx);

/* Add selector text to sel. 0, or EXIT_USAGE after "OPT: why" (or "why"
 * when opt is NULL: an operand) was said. */
int cmdutil_select(struct selector *sel, const char *text, const char *opt);

/* Every operand from argv[first] on as a selector of sel: 0 or EXIT_USAGE. */
int cmdutil_select_operands(int argc, char **argv, int first, struct selector *sel);

/* ---- the store ---- */

/* Open the store at path (NULL or "": $MPTCP_LAB_DB, else the default
 * file), created if missing. 0, or EXIT_SOFTWARE after the store's
 * message was said. */
int cmdutil_open_db(const char *path, struct results **db);

/* The same for a command that only reads: a database that does not exist
 * is not created (a mistyped path must not become an empty store) but
 * "cannot WHAT: no database at 'PATH': ..." and EXIT_DATAERR. */
int cmdutil_open_existing_db(const char *path, const char *what, struct results **db);

/* ---- output ---- */

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

/* Append s (not copied) to the list *arr of *n strings: 0, or
 * EXIT_SOFTWARE after saying it is out of memory. */
int cmdutil_add_arg(const char ***arr, size_t *n, const char *s);

/* ---- what report and push say, for their commands and for nightly ----- */

/* Says the first few charts gnuplot could not draw (stderr). */
extern const struct report_pages_observer cmdutil_report_observer;

/* After report_pages_write(db, ...) returned r: the warnings and the
 * "report: DIR/index.html (...)" line, or the failure; the exit code of
 * `report` (65 nothing to report, 69 not one chart drawn, 70). */
int cmdutil_report_outcome(int r, const struct diag *d, const struct report_pages_stats *st,
			   const char *out_dir);

/* A push batch that failed: "WHY; N runs kept in the outbox" (stderr). */
void cmdutil_push_failed(void *arg, const char *why, size_t runs);
/* The same for a batch of verdict points. */
void cmdutil_points_failed(void *arg, const char *why, size_t points);

/* After push_flush() to url returned r: the summary line or the failure;
 * the exit code of `push` (1 some runs or verdict points kept, 65 a URL
 * libcurl rejects, 70). */
int cmdutil_push_outcome(int r, const struct diag *d, const struct push_summary *t,
			 const char *url);

#endif
