/*
 * nightly.h: the CI job of a lab box, one call:
 *
 *   run the suite (plan.h), every run tagged night=<UTC date> and
 *   nightly=<id>
 *     -> judge the night (nightly_judge, below): tonight's runs against
 *        the current regime of each series, its trend over the host's
 *        history, and which regressions are new, which known
 *     -> write compare.{md,junit.xml,ktap}, trend.{md,junit.xml,ktap} and
 *        regressions.md into the output directory
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
/* The baseline's window: this many nights before tonight, at most. */
#define NIGHTLY_DEFAULT_BASELINE_NIGHTS 28

/* ---- judging a night ------------------------------------------------------ */

/*
 * The night is the unit (a run's group, compare.h): tonight's runs are one
 * group, each earlier night another.
 *
 * The baseline of a series is its current regime: the host's runs of the
 * baseline_nights nights before tonight, and, when the trend over the
 * nights before tonight has a change point, only those since the last
 * one - so a step of a month ago is never half in the baseline as two
 * clusters. The nights of a regression reported since that change point
 * but not yet placed by one (a change point needs min_size nights after
 * it) are left out of the baseline while they are younger than
 * 2 x min_size nights: a slowdown is not its own reference while the
 * trend confirms it; after that they count again (a night that regressed
 * once and never again was a night, not a regime).
 *
 * A regression is either tonight's comparison with that baseline (a
 * regression, or a mix shifted toward the worse cluster), or the newest
 * regime of the trend over the whole history, tonight included, worse
 * than the one before. Each is matched with the regressions table
 * (results.h) for its series:
 *   - a comparison's regression is the one recorded since the current
 *     regime started (since > the regime's start);
 *   - a trend's regression is the one recorded since the previous regime
 *     started (since > the previous change point);
 * and a change point places a recorded regression it explains (one that
 * began within min_size nights after it): its since moves to the change
 * point's night, with the kernels either side. A regression matched is
 * known (or acknowledged); one not matched is new, recorded, reported
 * once. nightly fails on new regressions only.
 */
enum nightly_state { NIGHTLY_NEW = 0, NIGHTLY_KNOWN, NIGHTLY_ACKED };
const char *nightly_state_name(enum nightly_state s); /* "new", "known", "acknowledged" */

struct nightly_regression {
	int64_t id;			/* in the regressions table */
	enum nightly_state state;
	char scenario[64], variant_key[256], metric[48];
	char since[16];			/* the night its regime started */
	char first_reported[16];	/* the night it was first reported */
	char kernel_before[64], kernel_after[64];
	double change;			/* relative, as measured tonight */
	const char *source;		/* "compare", "mix shift", "trend" */
	char ack_note[256];
};

/* The baseline a series was compared with tonight. */
struct nightly_baseline {
	char scenario[64], variant_key[256], metric[48];
	uint64_t since_us;	/* its first night (00:00 UTC) */
	bool regime;		/* it starts at a change point */
	uint64_t held_out_us;	/* nights from here on left out (a regression being
				 * confirmed); 0: none */
};

struct nightly_judge_opts {
	const char *host;	/* tonight's and the history's host */
	const char *nightly_id;	/* tonight's runs: tag nightly=<id> */
	uint64_t now_us;	/* tonight's start: the history ends before it */
	const struct results_filter *baseline; /* pinned: instead of the regimes */
	unsigned baseline_nights; /* 0: NIGHTLY_DEFAULT_BASELINE_NIGHTS */
	bool store;		/* store change points and regression records */
};

struct nightly_judgement {
	struct compare_result cmp; /* rows of a known regression carry .known */
	bool nothing_to_compare;
	char nothing_why[DIAG_MSG_MAX];
	struct trend_result tr;	   /* the whole history, tonight included */
	struct nightly_regression *regs; /* tonight's, new first */
	size_t n_regs, n_new;
	struct nightly_regression *open; /* every regression of the host still open */
	size_t n_open;
	struct nightly_baseline *bases;
	size_t n_bases;
};

/* 0, or a negative errno with d set; release j in every case. */
int nightly_judge(struct results *db, const struct nightly_judge_opts *o,
		  struct nightly_judgement *j, struct diag *d);
void nightly_judgement_release(struct nightly_judgement *j);

/* ---- the job ------------------------------------------------------------------ */

struct nightly_opts {
	const char *suite;    /* NULL: NIGHTLY_DEFAULT_SUITE */
	const char *db_path;  /* NULL: the default database */
	const char *out_dir;  /* NULL: NIGHTLY_DEFAULT_OUT */
	const struct results_filter *baseline; /* NULL: the current regime, this host */
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
	NIGHTLY_COMPARED,  /* judged.cmp, or judged.nothing_to_compare with its reason */
	NIGHTLY_TRENDED,   /* judged.tr */
	NIGHTLY_JUDGED,	   /* judged.regs (new and known), judged.open */
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

	struct nightly_judgement judged;

	char report_dir[PATH_MAX];
	int report_err;
	struct diag report_diag;
	struct report_pages_stats report;

	int push_err;
	struct diag push_diag;
	struct push_summary pushed;

	bool regressed; /* a new regression tonight */
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
