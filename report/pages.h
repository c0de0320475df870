/*
 * pages.h: the static report a maintainer opens the morning after a
 * nightly run, written from the store into a directory:
 *
 *   index.html            summary of the newest night (verdict counts,
 *                         runs by status, host, kernel, how sure the lab
 *                         is), one row per series with its verdict, change
 *                         and CI, sparkline, and the suite's health (noise
 *                         and detectable change per series)
 *   scenario-<slug>.html  per scenario: trend per metric (nightly median,
 *                         its 95 % CI per variant, change points and
 *                         kernel changes marked), the runs of baseline and
 *                         night as combined CDFs and points, per series its
 *                         figures, and the newest ok run's own charts
 *   report.md             the summary in Markdown, PNG sparklines linked
 *   charts/NAME.svg       drawn by charts.c (gnuplot), PNG where asked
 *
 * The newest night is the UTC date of the newest selected run; its host is
 * that run's host. The candidate is that night's runs on that host, the
 * baseline the same host's runs of the nights before, or the runs a
 * baseline filter selects (report_compare). Change points come from
 * report_trend over the host's history, computed and not stored: a report
 * only reads the store.
 *
 * Every user string is escaped (html.h) and every file name made from one
 * is a slug with a hash. A chart gnuplot cannot draw is a note in the page
 * and a call of the observer, not a missing link or a failure.
 *
 * What it does not do: print, exit, open the store (the caller hands it
 * an open one), or parse options. The files are laid out as
 *
 *	pages.c           report_pages_write(): read, compare, compose, trend,
 *	                  draw, write; values and series figures as shown
 *	pages_out.c       pages composed in memory, charts queued in one
 *	                  gnuplot batch, figures resolved when it is drawn
 *	pages_collect.c   reading the runs into series, scenarios, kernels,
 *	                  nightly medians
 *	pages_index.c     index.html, report.md and the sparklines
 *	pages_scenario.c  the scenario pages
 *	pages_run.c       one run's charts and events (also the comparison's)
 *	pages_series.c    the runs and figures of series (both reports)
 *	pages_compare.c   the comparison report
 */
#ifndef MPL_PAGES_H
#define MPL_PAGES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "diag.h"
#include "results.h"

/* The default baseline: this many nights before the newest. Four weeks
 * are hundreds of runs per series, plenty for the test and the bootstrap,
 * and keep months-old regimes (and their cost: compare bootstraps every
 * baseline value) out of tonight's verdict. */
#define REPORT_PAGES_NIGHTS 28
/* baseline_nights for every earlier night (`report --baseline-nights 0`) */
#define REPORT_PAGES_ALL_NIGHTS UINT_MAX

struct report_pages_opts {
	const char *out_dir;		       /* created if missing, with out_dir/charts */
	const struct results_filter *sel;      /* the runs reported on; NULL: every run */
	const struct results_filter *baseline; /* NULL: the nights before, same host */
	unsigned baseline_nights;	       /* 0: REPORT_PAGES_NIGHTS; or REPORT_PAGES_ALL_NIGHTS */
	bool png;			       /* a PNG of every chart (else of the sparklines only) */
	/* When the night began (the nightly job: when it started), so that a
	 * second job on the same day is a night of its own, judged against
	 * the runs before it; 0 (or later than the newest run): 00:00 UTC of
	 * the newest run's day, the night until the next. */
	uint64_t night_start_us;
};

/* What the caller hears while the pages are written; any member may be
 * NULL. */
struct report_pages_observer {
	/* The n-th chart (from 1) gnuplot could not draw, and why; its page
	 * says so too. The pages go on. */
	void (*chart_failed)(void *ctx, size_t n, const char *why);
	void *ctx;
};

/* What was written, and how long each part took (`report --timing`). */
struct report_pages_stats {
	size_t n_runs, n_series, n_scenarios, n_regressions;
	size_t n_charts, n_charts_failed;
	size_t n_gnuplots;    /* gnuplot processes that drew them (1 unless one died) */
	uint64_t query_us;    /* reading the runs */
	uint64_t analysis_us; /* all of the analysis, of which: */
	uint64_t compare_us;  /*   report_compare of the night */
	uint64_t trend_us;    /*   report_trend of the host's history */
	uint64_t charts_us;   /* writing the charts' data, and waiting for gnuplot
			       * (which draws while the analysis goes on) */
	uint64_t pages_us;    /* composing and writing the pages, charts not counted */
};

/*
 * Write the report of the runs o->sel selects in db into o->out_dir,
 * replacing the files of an earlier report there. st (may be NULL) is
 * filled as far as the report got.
 *
 * Returns 0 when the pages are written, charts drawn or not (not one
 * drawn: st->n_charts_failed == st->n_charts, gnuplot or its scripts are
 * missing). Else a negative errno with d saying what failed: -ENODATA
 * when the selection holds no run, anything else for a store, analysis
 * or file failure.
 */
int report_pages_write(struct results *db, const struct report_pages_opts *o,
		       const struct report_pages_observer *obs, struct report_pages_stats *st,
		       struct diag *d);

/*
 * The comparison report (report/pages_compare.c): `compare --report DIR`.
 * cmp is report_compare's answer for baseline and candidate, which are
 * read again for what it does not keep (each side's median run, the MIB
 * deltas). Writes DIR/index.html (the verdicts, how sure the lab is, the
 * MIB counters that differ) and DIR/compare-<slug>.html per scenario (the
 * runs of both sides, the figures, the median runs side by side, the MIB
 * counters), charts in DIR/charts. Returns as report_pages_write (never
 * -ENODATA: cmp has its series).
 */
struct report_compare_pages_opts {
	const char *out_dir;
	const struct results_filter *baseline, *candidate; /* as report_compare read them */
	const char *baseline_text, *candidate_text;	    /* the selectors as given, shown */
	const struct compare_result *cmp;
	bool png;
};
int report_compare_pages_write(struct results *db, const struct report_compare_pages_opts *o,
			       const struct report_pages_observer *obs,
			       struct report_pages_stats *st, struct diag *d);

#endif
