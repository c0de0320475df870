/*
 * nightly.h: the CI job of a lab box, one call:
 *
 *   run the suite (plan.h), every run tagged night=<UTC date> and
 *   nightly=<id>
 *     -> compare tonight's runs with the history (the same host's runs
 *        before tonight, or a pinned baseline) as `compare` does
 *     -> trend every series over the host's history, storing the change
 *        points found
 *     -> write compare.{md,junit.xml,ktap} and trend.{md,junit.xml,ktap}
 *        into the output directory
 *     -> queue tonight's verdicts as points in the push outbox
 *        (verdict_points.h), with or without a push URL
 *     -> the HTML report into the output directory's report/
 *     -> push what the outbox holds when a push URL is given (a failure
 *        keeps it for the next night and does not fail the job)
 *
 * Each step is announced to the observer with the job's state, which it
 * may read; the runs' progress goes to its plan observer. Nothing here
 * prints or exits.
 */
#ifndef MPL_NIGHTLY_H
#define MPL_NIGHTLY_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "diag.h"
#include "pages.h"
#include "plan.h"
#include "push.h"
#include "results.h"
#include "trend.h"

#define NIGHTLY_DEFAULT_SUITE "scenarios/nightly.json"
#define NIGHTLY_DEFAULT_OUT "results/nightly"

struct nightly_opts {
	const char *suite;    /* NULL: NIGHTLY_DEFAULT_SUITE */
	const char *db_path;  /* NULL: the default database */
	const char *out_dir;  /* NULL: NIGHTLY_DEFAULT_OUT */
	const struct results_filter *baseline; /* NULL: this host's runs before tonight */
	unsigned shard_index, shard_count;     /* as plan_opts */
	unsigned reps;			       /* 0: the scenarios' own */
	const char *const *sets;
	size_t n_sets;
	const char *push_url;	/* NULL: no push */
	const char *token_file; /* NULL: $MPTCP_LAB_PUSH_TOKEN, if set */
	const volatile sig_atomic_t *cancel;
};

enum nightly_step {
	NIGHTLY_BEGIN,	   /* id, night and the output directory are set */
	NIGHTLY_PLANNED,   /* the suite is loaded: plan */
	NIGHTLY_RAN,	   /* the runs are stored: counts */
	NIGHTLY_COMPARED,  /* cmp, or nothing_to_compare with its reason */
	NIGHTLY_TRENDED,   /* tr */
	NIGHTLY_REPORTING, /* report_dir is about to be written */
	NIGHTLY_REPORTED,  /* report_err, report_diag, report */
	NIGHTLY_PUSHING,   /* to push_url */
	NIGHTLY_PUSHED,	   /* push_err, push_diag, pushed */
};

/* The job's state: what the observer reads at each step. */
struct nightly {
	const struct nightly_opts *o;
	char id[32], night[16], hostname[256];
	const char *suite, *out_dir; /* the defaults filled in */
	uint64_t started_us;	     /* wall clock: the history ends here */
	struct plan plan;
	struct diag_list errs; /* the suite's input errors */
	size_t counts[4];    /* runs stored, by status */

	struct compare_result cmp;
	bool nothing_to_compare;
	char nothing_why[DIAG_MSG_MAX];
	struct trend_result tr; /* tr.n_stored: the change points stored */

	char report_dir[PATH_MAX];
	int report_err;
	struct diag report_diag;
	struct report_pages_stats report;

	int push_err;
	struct diag push_diag;
	struct push_summary pushed;

	bool regressed; /* in the comparison, or in the newest regime of a trend */
};

struct nightly_observer {
	const struct plan_observer *runs; /* may be NULL */
	void (*step)(void *arg, enum nightly_step step, const struct nightly *n);
	const struct report_pages_observer *report; /* may be NULL */
	/* a push batch that failed (its runs stay in the outbox) */
	void (*push_failed)(void *arg, const char *why, size_t runs);
	void *arg;
};

/*
 * Run the job. 0 when it went through (n->regressed tells the verdict;
 * a report or push failure is in n and does not fail the job); -EINVAL
 * when the suite has input errors (n->errs); -EINTR when cancelled (what
 * was stored stays); another negative errno with d set. n is filled as
 * far as the job got; nightly_release() it in every case.
 */
int nightly_run(const struct nightly_opts *o, const struct nightly_observer *obs,
		struct nightly *n, struct diag *d);
void nightly_release(struct nightly *n);

#endif
