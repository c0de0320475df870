/*
 * verdict_points.h: the nightly job's verdicts as points for the
 * time-series database (push.h's mptcp_lab_verdict lines), queued in the
 * store's outbox so that every push to come delivers them, with the
 * retries runs get: tonight's with --push, a later `mptcp-lab push`
 * otherwise or after a failure.
 *
 * Which verdicts: every series of tonight's comparison with the history
 * (check=compare), and every series whose trend starts a new regime
 * tonight (check=trend; a regime that lasts is not news again each
 * night). Nothing here sends or prints.
 */
#ifndef MPL_VERDICT_POINTS_H
#define MPL_VERDICT_POINTS_H

#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "diag.h"
#include "results.h"
#include "trend.h"

struct verdict_points_opts {
	const char *host;		     /* this box, as its runs name it */
	const struct results_filter *tonight; /* the candidate runs: their kernel tags the points */
	uint64_t at_us;			     /* when the verdicts were given */
};

/*
 * Queue the points of cmp (may be NULL: nothing to compare with yet) and
 * of tr's new regimes (may be NULL), in one transaction. *queued (may be
 * NULL) gets how many. 0, or a negative errno with d set.
 */
int verdict_points_queue(struct results *db, const struct verdict_points_opts *o,
			 const struct compare_result *cmp, const struct trend_result *tr,
			 size_t *queued, struct diag *d);

#endif
