/*
 * bisect.h: the pure decisions of `mptcp-lab bisect-run` (cmd_bisect.c),
 * kept apart so a unit test can pin them down without a lab:
 *
 *  - splitting the --build command into an argv without a shell;
 *  - the exit code `git bisect run` gets for what happened: 0 good, 1 bad,
 *    125 skip, and nothing else, ever (git counts 1-127 but 125 as bad and
 *    aborts the whole bisection on anything >= 128);
 *  - what one more batch of measurements would buy.
 *
 * Nothing here prints, spawns or touches the database.
 */
#ifndef MPL_BISECT_H
#define MPL_BISECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "diag.h"

/* The only three exit codes of bisect-run (git-bisect(1), "bisect run"). */
#define BISECT_GOOD 0
#define BISECT_BAD 1
#define BISECT_SKIP 125

/*
 * Split cmd into words the way a user expects from a shell command line,
 * without a shell: blanks (space, tab, newline) separate words; '...'
 * keeps everything literally; "..." groups, a backslash inside escapes the
 * next character; a backslash outside quotes escapes the next character.
 * No variables, globbing, redirection or pipes: `|`, `>`, `$` are plain
 * characters (for a pipeline, point --build at a script).
 *
 * *argv is a NULL-terminated malloc'd array of malloc'd words (free with
 * bisect_argv_free), *argc the number of words. An empty command, an
 * unterminated quote or a trailing backslash is -EINVAL with the reason in
 * d; -ENOMEM when out of memory.
 */
int bisect_split_command(const char *cmd, char ***argv, size_t *argc, struct diag *d);
void bisect_argv_free(char **argv);

/* "30", "30s", "1500ms" (a bare number is seconds) to µs; 0 is refused.
 * 0 or -EINVAL. */
int bisect_parse_seconds(const char *s, uint64_t *us);

/*
 * The exit code for the worker process's wait status (waitpid): its own
 * 0, 1 or 125 pass through; any other exit code or a death by a signal is
 * 125 with the reason in why (why is "" when the code passed through).
 */
int bisect_exit_for_wait(int wstatus, char *why, size_t size);

/*
 * What a `run` exit code means to bisect-run: NULL when the runs were
 * made and stored (0: all ok; 1: some not ok, judged by their statuses),
 * else why this commit must be skipped ("bad scenario file", ...).
 */
const char *bisect_run_failure(int run_exit);

/* A batch of runs can be judged when at least one run and at least half
 * of them are ok (the others fell back to TCP, failed or were skipped). */
bool bisect_batch_usable(size_t ok, size_t total);

enum bisect_step {
	BISECT_STEP_GOOD,	 /* like the good build (or faster) */
	BISECT_STEP_BAD,	 /* like the regressed one */
	BISECT_STEP_MORE,	 /* unsure: measure another batch */
	BISECT_STEP_UNDECIDED, /* unsure at max_reps: skip */
	BISECT_STEP_NOTHING,	 /* no series in common with the baseline */
};

/* The decision CI's level when the regression's size is known: each
 * answer is one-sided (the CI's lower end above the midpoint, or its upper
 * end below it), so a two-sided 90 % CI makes each a 95 % one-sided claim
 * (bench_verdicts' table 3). */
#define BISECT_DEFAULT_LEVEL 0.90

/*
 * From each series' answer (stats_bisect_decide(), counted by answer):
 * any bad series is bad; else any unsure one asks for more repetitions
 * while reps_done < max_reps; else good (when bisecting a slowdown, faster
 * is good).
 */
enum bisect_step bisect_decide(const size_t answers[3], unsigned reps_done, unsigned max_reps);

/* Repetitions of the next batch: first_reps first, then 2 more at a time,
 * never beyond max_reps; 0 when max_reps is reached. */
unsigned bisect_next_batch(unsigned reps_done, unsigned first_reps, unsigned max_reps);

#endif
