/*
 * pages_int.h: what the files of the report pages (pages.h) share: the
 * runs as collected, the analysis, and the small pieces every page uses -
 * pages held in memory until their charts are drawn, the charts of a
 * report queued in one gnuplot batch, and the figures of a series as
 * the tables show them. Not for use outside report/pages*.c.
 */
#ifndef MPL_PAGES_INT_H
#define MPL_PAGES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "charts.h"
#include "compare.h"
#include "html.h"
#include "pages.h"
#include "results.h"
#include "trend.h"

#define PAGES_DAY_US 86400000000ull
#define PAGES_N_METRICS 8
#define PAGES_MARK_LABEL 96 /* bytes of a chart mark's label */
/* The change a suite should be able to see: series whose minimum
 * detectable change is larger are marked on the index. */
#define PAGES_TARGET_CHANGE 0.03

/* The metrics a report shows, those it has runs of: goodput_bps,
 * efficiency, completion_us, ... (pages_collect.c). */
extern const char *const pages_metrics[PAGES_N_METRICS];
/* Run statuses in the order the summary counts them. */
extern const char *const pages_status_label[4];

/* ---- output: pages in memory, charts in one batch (pages_out.c) ---------------- */

/* Where a report goes, and the charts it queued. */
struct pages_out {
	const char *dir;
	struct chart_batch *batch;
	const struct report_pages_observer *obs;
	bool png;	    /* a PNG of every chart, not only of the sparklines */
	uint64_t chart_us;  /* writing chart data and running gnuplot */
};

/* Create dir and dir/charts, and the batch. */
int pages_out_open(struct pages_out *o, const char *dir, const struct report_pages_observer *obs,
		   struct diag *d);
void pages_out_close(struct pages_out *o);

/* Queue a chart: its index in the batch, or -1 when out of memory (its
 * figure then says so). c->png is forced on when o->png. */
int pages_chart(struct pages_out *o, const struct chart_spec *c, const char *base);
/* Draw every queued chart; tell the observer of each that failed. */
int pages_draw(struct pages_out *o, struct diag *d);
/* Whether chart i was drawn (after pages_draw). */
bool pages_chart_ok(const struct pages_out *o, int chart);

/*
 * A page written into memory first: its figures are placeholders until
 * the batch is drawn, then each becomes the chart's image linked to its
 * SVG, or a note saying why the chart is missing. The placeholders use
 * bytes 0x01-0x03, which no escaped text can hold (html.h turns control
 * characters into spaces).
 */
struct pages_doc {
	FILE *f;
	char *buf;
	size_t len;
	char name[HTML_SLUG_MAX + 32];
};
int pages_doc_open(struct pages_doc *doc, const char *name, const char *title);
/* A scenario's page PREFIX-SLUG.html, titled "TITLE_PREFIX: scenario",
 * with the link back to the index and the heading "Scenario <name><suffix>". */
int pages_scenario_open(struct pages_doc *doc, const char *prefix, const char *slug,
			const char *scenario, const char *title_prefix, const char *h1_suffix);
/* The verdict counts (counts[COMPARE_VERDICTS_]) as coloured badges. */
void pages_counts_html(FILE *f, const size_t *counts);
/* The rest of a page, composed apart (e.g. before the part above it,
 * whose charts wait for an analysis the rest does not need). */
int pages_doc_part(struct pages_doc *doc);
/* Close the page and write it as o->dir/NAME (through a temporary file
 * and a rename), the figures resolved; tail (may be NULL) follows doc. */
int pages_doc_finish(struct pages_doc *doc, struct pages_doc *tail, const struct pages_out *o);
void pages_doc_release(struct pages_doc *doc);

/* The figure of chart i (image base "charts/NAME", its SVG linked), in a
 * page or, small, in a table cell (the reason of a missing chart in its
 * title then). */
void pages_figure(FILE *f, int chart, const char *base, const char *cls, const char *alt);
void pages_figure_small(FILE *f, int chart, const char *base, const char *cls,
			const char *alt);

/* ---- values as the pages show them (pages.c) ----------------------------------- */

void pages_metric_unit(const char *metric, const char **label, double *scale);
void pages_fmt_value(const char *metric, double v, char *buf, size_t size);
void pages_fmt_change(const struct compare_series *s, char *buf, size_t size);
void pages_fmt_pct(double v, char *buf, size_t size); /* 0.0123 -> "1.23 %", NaN -> "-" */
/* A minimum detectable change as the pages show it: "none" (infinite),
 * "&gt; 100 %" (HTML: the test has too few nights or runs), else a percentage. */
void pages_fmt_mdc(double mdc, char *buf, size_t size);

/*
 * What a page says of a series beyond its verdict: its noise, the
 * smallest change it can detect, its clusters, a bound's exceedance.
 * Filled from struct compare_series (pages_figs_of), never computed in
 * the pages: a figure compare does not give is NaN (or 0 clusters) and
 * shown as "not measured". The one figure derived there, the runs that
 * would reach PAGES_TARGET_CHANGE, is stats_runs_needed() of compare's
 * noise.
 */
struct pages_figs {
	double spread_base, spread_cand; /* MAD / median of each side */
	double noise_within;		 /* relative SD of a run within its night */
	double noise_between;		 /* relative SD of the nights */
	double mdc;			 /* minimum detectable change at these runs */
	size_t runs_for_target;		 /* runs a side to detect PAGES_TARGET_CHANGE; 0: unknown */
	double floor;			 /* the verdict's floor: past PAGES_TARGET_CHANGE, no
					  * number of runs in one night reaches it */
	size_t n_clusters;		 /* 2 when bimodal, 1 when the shape was tested */
	double cluster_share[2], cluster_centre[2]; /* both sides' runs pooled */
	double cluster_upper[2];	 /* the share of the upper cluster: baseline, candidate */
	double mix_p;			 /* Fisher's p of that difference (adjusted when it was) */
	double bound;			 /* the bound the runs stored (completion_us), NaN: none */
	double p_exceed_base, p_exceed_base_lo, p_exceed_base_hi;
	double p_exceed_cand, p_exceed_cand_lo, p_exceed_cand_hi;
	double p_exceed_p;		 /* Fisher's p of the two proportions */
};
void pages_figs_of(const struct compare_series *cs, struct pages_figs *f);
/* The figures of a series in a few lines of HTML (a <ul>). */
void pages_figs_html(FILE *f, const struct compare_series *cs, const struct pages_figs *g);
/* The cells of the suite-health columns: noise, detectable change, and
 * whether PAGES_TARGET_CHANGE is in reach. */
void pages_health_cells(FILE *f, const struct pages_figs *g);
/* true when the series cannot detect PAGES_TARGET_CHANGE */
bool pages_figs_weak(const struct pages_figs *g);

/* Whether a name compare.c copied into a fixed array (cut to size - 4
 * bytes and "..." when longer) is full. */
bool pages_name_eq(const char *cut, size_t size, const char *full);
#define PAGES_CS_EQ(cs, field, full) pages_name_eq((cs)->field, sizeof((cs)->field), full)

/*
 * The empirical distribution of v (n values, any order) as a CDF series:
 * x sorted, y the fraction at or below, with a leading point at 0 so the
 * steps start on the axis. Fills x[0..n] and y[0..n] (n + 1 values).
 */
void pages_ecdf(const double *v, size_t n, double scale, double *x, double *y);
/* qsort() order of doubles, ascending */
int pages_dbl_cmp(const void *a, const void *b);

/* ---- the runs and figures of series (pages_series.c) ---------------------------- */

#define PAGES_RUNS_MAX (CHART_SERIES_MAX / 2)

/* The runs of one metric of one scenario, per variant and side (0 the
 * baseline, 1 the night or candidate); a side may be empty. */
struct pages_runs_set {
	const char *scenario, *slug, *metric;
	const char *side_name[2];	/* "baseline", "night" */
	size_t n;
	const char *variant[PAGES_RUNS_MAX];
	const double *v[PAGES_RUNS_MAX][2];
	size_t n_v[PAGES_RUNS_MAX][2];
};
/* The series of cmp of set->scenario and set->metric into set. */
void pages_runs_set_of(struct pages_runs_set *set, const struct compare_result *cmp);
/* Combined CDFs (baseline dashed, the other solid, a colour per
 * variant) beside a strip of every run, with a note how to read them. */
void pages_runs_section(struct pages_out *o, FILE *f, const struct pages_runs_set *set);
/* Per series of cmp of scenario: a heading and what compare says of it. */
void pages_series_figs(FILE *f, const struct compare_result *cmp, const char *scenario);
/* The line that says how sure the lab is of cmp's verdicts; at: "tonight's
 * repetitions". Nothing when cmp is empty. */
void pages_sure_line(FILE *f, const struct compare_result *cmp, const char *at);
/* A table row's first cells: "<tr class=VERDICT>" and scenario (linked
 * to PAGE-SLUG.html), variant, metric, verdict (its reason in the
 * title), change with CI, both medians; cs NULL: "not compared". */
void pages_row_cells(FILE *f, const char *page, const char *slug, const char *scenario,
		     const char *variant, const char *metric, const struct compare_series *cs);
/* "scenario variant metric" of a series, escaped. */
void pages_cs_name(FILE *f, const struct compare_series *cs);

/* ---- a run's own charts (pages_run.c) ----------------------------------------- */

/* One run as its charts need it: per-subflow samples of one side, the
 * intervals, the path-manager events, the scenario's timed events. The
 * charts' time axis is the run's time line (µs since the client started:
 * the samples', the PM events' and the timed events' applied_us); the
 * intervals, which count from the start of the measurement, are moved
 * onto it by measure_start_us. */
struct pages_run {
	char uuid[37];
	char variant[256];
	struct telemetry_interval *iv;
	size_t n_iv;
	int64_t measure_start_us; /* where the intervals' 0 lies; -1: unknown (taken as 0) */
	struct telemetry_subflow_sample *smp; /* one side's samples (the client's if any) */
	size_t n_smp;
	struct telemetry_pm_event *ev;
	size_t n_ev;
	struct telemetry_timed_event *tev; /* in the scenario's order */
	size_t n_tev;
};
/* Load run uuid with its telemetry: 0, -ENOENT when it is not there. */
int pages_run_load(struct results *db, const char *uuid, struct pages_run *run, struct diag *d);
void pages_run_release(struct pages_run *run);

/* Options of the charts of one run. */
struct pages_run_charts {
	const char *title;	    /* "smoke (cc=bbr)": the run's name in chart titles */
	const char *slug;	    /* chart files charts/run-<what>-<slug> */
	bool throughput_only;	    /* only the throughput chart (side by side in a comparison) */
	double x_max, y_max;	    /* shared axes; 0: automatic */
	unsigned width_px;	    /* 0: 800 */
};
/* The run's charts with its events marked - the scenario's timed events
 * as orange lines labelled from the top, the path-manager events as blue
 * numbered marks at the bottom - and, below them, the table of each;
 * what it lacks (no per-subflow telemetry) is said. */
void pages_run_section(struct pages_out *o, FILE *f, const struct pages_run *run,
		       const struct pages_run_charts *rc);
/* The largest per-subflow (stacked) or interval throughput of a run, in
 * Mbit/s, and its duration in s: to share axes between two runs. */
void pages_run_extent(const struct pages_run *run, double *y_max, double *x_max);

/* ---- the night report --------------------------------------------------------- */

struct pages_val {
	uint64_t t_us;
	double v;
	uint32_t host, kernel; /* indexes into pages.hosts, pages.kernels */
};

struct pages_series {
	char *scenario, *variant, *metric;
	struct pages_val *vals; /* ok runs, oldest first */
	size_t n;
	char slug[HTML_SLUG_MAX];
	int spark; /* chart index, -1: none */
};

struct pages_kmark {
	uint64_t t_us;
	char release[64];
};

struct pages_scen {
	char *name;
	char slug[HTML_SLUG_MAX];
	char newest_uuid[37]; /* newest ok run */
	uint64_t newest_ok_us;
	struct pages_kmark *km; /* kernels on the newest host, each from its first run */
	size_t n_km;
};

struct pages {
	struct pages_out out;
	uint64_t baseline_nights;	   /* 0: every earlier night */
	const struct results_filter *sel;  /* never NULL */
	const struct results_filter *base; /* NULL: the nights before */

	/* collected (pages_collect.c) */
	struct pages_series *series;
	size_t n_series;
	struct pages_scen *scen;
	size_t n_scen;
	uint64_t newest_us;
	char **hosts, **kernels; /* interned names */
	size_t n_hosts, n_kernels;
	uint32_t newest_host;
	char host[256], kernel[64];
	size_t n_runs;

	/* analysed (pages.c) */
	uint64_t night_start_us;  /* report_pages_opts' */
	uint64_t night_us;	  /* the night's runs: [night_us, night_end_us) */
	uint64_t night_end_us;
	char night[16];
	size_t by_status[4];
	struct compare_result cmp;
	bool have_cmp;
	char cmp_note[DIAG_MSG_MAX];
	struct trend_result tr;
	uint64_t compare_us, trend_us;
};

/* ---- pages_collect.c ---- */

/* results_query callback: one run into p's series and scenarios. */
int pages_collect_run(const struct results_run *run, void *arg);
/* Per scenario, the kernels its ok runs on the newest host ran. */
int pages_kernels(struct pages *p);
void pages_collected_release(struct pages *p);

/* One point per night: x is 00:00 UTC of the night in seconds, y the
 * median of its runs, lo and hi a distribution-free 95 % CI of it. */
struct pages_nights {
	double *x, *y, *lo, *hi;
	size_t n;
};
int pages_nights_of(const struct pages_series *s, uint32_t host, struct pages_nights *out);
void pages_nights_release(struct pages_nights *n);

/* The values of series s on the newest night and host into out (may be
 * NULL, to count them); how many. */
size_t pages_night_vals(const struct pages *p, const struct pages_series *s, double *out);

bool pages_cs_is(const struct compare_series *cs, const struct pages_series *s);
const struct pages_series *pages_find_series(const struct pages *p,
					     const struct compare_series *cs);
const struct pages_scen *pages_find_scen(const struct pages *p, const char *name);

/* ---- pages_index.c ---- */

void pages_sparklines(struct pages *p);
int pages_write_index(struct pages *p, struct pages_doc *doc);
int pages_write_md(const struct pages *p);

/* ---- pages_scenario.c ---- */

/* A scenario page in two parts: its history (needs the trend), and the
 * runs, figures, kernels and newest run (need the comparison). */
int pages_scenario_history(struct pages *p, const struct pages_scen *sc, struct pages_doc *doc);
int pages_scenario_runs(struct pages *p, struct results *db, const struct pages_scen *sc,
			struct pages_doc *doc);

#endif
