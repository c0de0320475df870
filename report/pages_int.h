/*
 * pages_int.h: what the files of the report pages (pages.h) share: the
 * runs as collected, the analysis, and the small pieces every page uses.
 * Not for use outside report/pages*.c.
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
#define PAGES_N_METRICS 2
#define PAGES_MARK_LABEL 96 /* bytes of a chart mark's label */

/* The metrics a report shows: goodput_bps, efficiency. */
extern const char *const pages_metrics[PAGES_N_METRICS];
/* Run statuses in the order the summary counts them. */
extern const char *const pages_status_label[4];

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
	bool spark_ok;
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
	const char *out;
	uint64_t baseline_nights;	   /* 0: every earlier night */
	const struct results_filter *sel;  /* never NULL */
	const struct results_filter *base; /* NULL: the nights before */
	const struct report_pages_observer *obs;

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
	uint64_t night_us;
	char night[16];
	size_t by_status[4];
	struct compare_result cmp;
	bool have_cmp;
	char cmp_note[DIAG_MSG_MAX];
	struct trend_result tr;

	size_t n_charts, n_chart_fail;
	uint64_t chart_us, compare_us, trend_us;
	/* the mark labels of the chart being drawn (one at a time) */
	char mark_labels[CHART_MARKS_MAX][PAGES_MARK_LABEL];
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

/* ---- pages.c: what every page uses ---- */

/* Draw one chart; on failure tell the observer, and say why in note (for
 * the page) when note is not NULL. */
bool pages_chart(struct pages *p, const struct chart_spec *c, const char *base, char *note,
		 size_t note_size);
/* The chart's image linked to its SVG, or the note when it was not drawn. */
void pages_img(FILE *f, const char *base, const char *cls, const char *alt, bool ok,
	       const char *note);
void pages_metric_unit(const char *metric, const char **label, double *scale);
void pages_fmt_value(const char *metric, double v, char *buf, size_t size);
void pages_fmt_change(const struct compare_series *s, char *buf, size_t size);

/* Whether a name compare.c copied into a fixed array (cut to size - 4
 * bytes and "..." when longer) is full. */
bool pages_name_eq(const char *cut, size_t size, const char *full);
#define PAGES_CS_EQ(cs, field, full) pages_name_eq((cs)->field, sizeof((cs)->field), full)
bool pages_cs_is(const struct compare_series *cs, const struct pages_series *s);
const struct pages_series *pages_find_series(const struct pages *p,
					     const struct compare_series *cs);
const struct pages_scen *pages_find_scen(const struct pages *p, const char *name);

/* ---- pages_index.c ---- */

void pages_sparklines(struct pages *p);
int pages_write_index(struct pages *p);
int pages_write_md(const struct pages *p);

/* ---- pages_scenario.c ---- */

int pages_write_scenario(struct pages *p, struct results *db, const struct pages_scen *sc);

#endif
