/*
 * changepoints.h: a trend's change points kept in the store. report_trend
 * finds them and stores nothing (the statistics only read); `trend` and
 * the nightly job keep what they found, so a later look at the history
 * knows when each regime was first seen.
 */
#ifndef MPL_CHANGEPOINTS_H
#define MPL_CHANGEPOINTS_H

#include <stdint.h>

#include "results.h"
#include "trend.h"

/*
 * Store every change point of r in the changepoints table, first detected
 * at now_us (0: the wall clock), and count them in r->n_stored. The same
 * detection made again updates its row. 0, or a negative errno with d set.
 */
int changepoints_store(struct results *db, struct trend_result *r, uint64_t now_us,
		       struct diag *d);

#endif
