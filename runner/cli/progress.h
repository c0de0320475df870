/*
 * progress: what `run` shows while it works. One line per run with its
 * figure; on a terminal also an overall bar with an ETA, redrawn in place
 * below the lines (colours only on a terminal); plain lines otherwise.
 */
#ifndef MPL_PROGRESS_H
#define MPL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
