/*
 * progress: what `run`, `nightly` and `bisect-run` show while runs are made. One line per run with its
 * figure; on a terminal also an overall bar with an ETA, redrawn in place
 * below the lines (colours only on a terminal); plain lines otherwise.
 */
#ifndef MPL_PROGRESS_H
#define MPL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "results.h"

struct progress {
	size_t total, done;
	uint64_t started_us;
	bool tty, quiet;
};

void progress_init(struct progress *p, size_t total, bool quiet);
/* Before a run starts: redraw the bar with what runs now. */
void progress_begin(struct progress *p, const char *what);
/* After a run: its line, then the bar. */
void progress_end(struct progress *p, const struct results_run *run);
/* Clear the bar (before the final summary or an error message). */
void progress_clear(struct progress *p);

/* A plan observer that keeps p up to date: each batch adds to the total,
 * each run is begun and ended on it. */
void progress_observe(struct progress *p, struct plan_observer *obs);
/* The observer's three callbacks, for observers that do more (arg is the
 * struct progress). */
void progress_on_batch(void *arg, size_t n);
void progress_on_begin(void *arg, const struct plan_job *job);
void progress_on_end(void *arg, const struct results_run *run);

#endif
