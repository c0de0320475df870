/*
 * charts.h: draw charts with gnuplot, as SVG (and PNG where asked), many
 * with one gnuplot process. Prints nothing.
 *
 * The caller describes each chart in plain C (struct chart_spec) and
 * queues it in a batch (chart_batch_add); charts.c writes every number
 * and every label of it to data files in a scratch directory at once.
 * chart_batch_draw() then runs ONE gnuplot, with an argv array, never a
 * shell, under a watchdog, that reads a driver script drawing every chart
 * of the batch in turn (report/gnuplot/<kind>.gp per chart, from the
 * source tree or MPL_DATADIR/gnuplot). chart_render() is a batch of one.
 *
 * One chart cannot take the others down. gnuplot reads the driver as a
 * command stream (its stdin), where an error ends the command that raised
 * it, not the program: the chart that failed is left without its
 * completion marker and the next chart is drawn. Only a gnuplot that dies
 * (a crash, the watchdog) ends the charts after it; those are then drawn
 * by a new gnuplot, and the chart it died on is marked failed. A report
 * of 200 charts costs one gnuplot start, not 200.
 *
 * Labels (title, axis labels, legend names, mark labels, category names)
 * are user-controlled: tags, scenario names, variant values, commit
 * subjects. None of them is ever pasted into gnuplot code. Each travels as
 * a row of decimal byte values in a data file and is rebuilt into a string
 * variable inside gnuplot, so no quoting rule of gnuplot's command language
 * or of its data file reader can be subverted; gnuplot's terminals then
 * escape the text for SVG. Before that, control characters become spaces,
 * invalid UTF-8 bytes become '?', and labels are cut to CHART_LABEL_MAX
 * bytes. The driver holds numbers and names this file made ('17/s1.dat'
 * relative to the scratch directory, gnuplot's working directory) and
 * nothing else: not even the output directory's path, which is the
 * caller's.
 *
 * What it does not do: read the store, compute statistics, write HTML.
 */
#ifndef MPL_CHARTS_H
#define MPL_CHARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define CHART_LABEL_MAX 200	    /* bytes kept of each label */
#define CHART_SERIES_MAX 64
#define CHART_MARKS_MAX 256
#define CHART_POINTS_MAX 1000000    /* per series */
#define CHART_COLOURS 8		    /* the palette of report/gnuplot/common.gp */
/* The watchdog of one gnuplot: this, plus CHART_TIMEOUT_PER_US for every
 * chart it is asked to draw. */
#define CHART_TIMEOUT_US 10000000ull
#define CHART_TIMEOUT_PER_US 1000000ull

struct chart_series {
	const char *name;	 /* legend text, user-controlled; NULL: none */
	const double *x, *y;	 /* n values each; NaN y = gap */
	const double *lo, *hi;	 /* optional band or error bar (TREND, SPARKLINE), both or neither */
	size_t n;
	unsigned colour;	 /* 1..CHART_COLOURS; 0: by position */
	bool dashed;		 /* dashed line (e.g. the baseline beside a candidate) */
};

/* What a vertical mark is; each kind has its own colour and label place. */
enum chart_mark_kind {
	CHART_MARK_PLAIN = 0,	 /* grey dashed, label from the top */
	CHART_MARK_CHANGE,	 /* a change point: red dashed, label from the top */
	CHART_MARK_KERNEL,	 /* a kernel-release change: grey dotted, label from the top */
	CHART_MARK_EVENT,	 /* a timed scenario event: orange solid, label from the top */
	CHART_MARK_PM,		 /* path-manager events: blue dotted, short label at the bottom */
	CHART_MARK_KINDS_
};

struct chart_mark {
	double x;		 /* in x units (seconds since the epoch if x_is_time) */
	const char *label;	 /* user-controlled; NULL: line without label */
	enum chart_mark_kind kind;
};

enum chart_kind {
	CHART_TREND,	 /* per series: median over time with its CI (band, and error
			  * bars when there are few points), marks */
	CHART_POINTS,	 /* every run a point; x = category index, per series (baseline, candidate) */
	CHART_STACKED,	 /* per-subflow throughput over time, stacked areas */
	CHART_LINES,	 /* cwnd or RTT per subflow over time, event marks */
	CHART_SPARKLINE, /* small line with its band, no axes, no text; series 2.. as dots */
	CHART_CDF,	 /* empirical distribution per series: x sorted, y the fraction 0..1
			  * (drawn as steps; pages_cdf makes them) */
	CHART_KINDS_
};

struct chart_spec {
	enum chart_kind kind;
	const char *title, *xlabel, *ylabel; /* user-controlled; NULL: none */
	bool x_is_time;			     /* x in seconds since the epoch, shown as dates */
	const struct chart_series *series;
	size_t n_series;
	const struct chart_mark *marks;	     /* vertical lines: change points, kernels, events */
	size_t n_marks;
	/* CHART_POINTS: names of the categories; x value i (0-based) is
	 * drawn under categories[i]. User-controlled. */
	const char *const *categories;
	size_t n_categories;
	unsigned width_px, height_px;	     /* 0: 800x400 (sparkline 160x32) */
	/* CHART_STACKED: the last n_overlay series are lines drawn over the
	 * stack (e.g. the goodput the shaped paths allowed), not stacked */
	size_t n_overlay;
	/* Axis ranges; both ends 0: gnuplot's autoscale. Two charts drawn
	 * side by side share theirs, and a trend of one night is a day
	 * wide, not gnuplot's default of a year. */
	double x_min, x_max, y_min, y_max;
	bool y_si;			     /* y tics with SI prefixes (72.5M): raw bit/s */
	bool png;			     /* a PNG besides the SVG */
};

/* ---- many charts, one gnuplot ---------------------------------------------- */

struct chart_batch;

/*
 * A batch drawing into dir (created by the caller; out_base names are
 * relative to it). Its scratch directory DIR/.chart-XXXXXX is made here
 * and removed by chart_batch_free().
 */
int chart_batch_new(const char *dir, struct chart_batch **out, struct diag *d);

/*
 * Queue c to be drawn into DIR/OUT_BASE.svg (and .png when c->png); its
 * data files are written now, so c's arrays may go once this returns.
 * out_base: not absolute, no ".." component, no control character; its
 * directory must exist when the batch is drawn.
 *
 * Returns the chart's index in the batch (0, 1, ...). A chart that cannot
 * be drawn (a bad spec or name, a data file that cannot be written) is
 * queued all the same, as failed with the reason, so the caller keeps one
 * code path; only -ENOMEM (d set) is returned as an error.
 */
int chart_batch_add(struct chart_batch *b, const struct chart_spec *c, const char *out_base,
		    struct diag *d);

/*
 * Start drawing the queued charts in the background (one gnuplot), and
 * return: the caller goes on (queues more charts, computes) while gnuplot
 * draws on another core. chart_batch_draw() waits for it. Returns 0, or
 * -ENOENT (d set) when gnuplot or its scripts are missing, as below.
 */
int chart_batch_start(struct chart_batch *b, struct diag *d);

/*
 * Draw every queued chart that is not drawn or failed yet, and wait for
 * the gnuplots chart_batch_start() left running; the files of a
 * chart appear (renamed in) only when gnuplot finished both. Charts
 * queued later can be drawn by another call. Returns 0, or -ENOENT with d
 * set when gnuplot or its scripts are missing (every chart is then failed
 * with that reason); the outcome of each chart is chart_batch_status().
 *
 * Test hook: MPL_CHART_FAULT=I:error makes the chart of index I fail
 * inside gnuplot; MPL_CHART_FAULT=I:exit makes gnuplot exit while it draws
 * that chart (as a crash would). MPL_CHART_KEEP=1 leaves the scratch
 * directory (driver, scripts and data of every chart) in place, to read.
 */
int chart_batch_draw(struct chart_batch *b, struct diag *d);

/*
 * 0 when chart i was drawn; else its negative errno, and *why (may be
 * NULL) the reason: -ENOENT gnuplot or the script files are missing,
 * -EINVAL a bad spec, -ETIMEDOUT the watchdog fired, -EIO gnuplot failed
 * (its first error line is in the reason), -EAGAIN queued, -EINPROGRESS
 * being drawn.
 */
int chart_batch_status(const struct chart_batch *b, size_t i, const char **why);

size_t chart_batch_count(const struct chart_batch *b);
/* gnuplot processes started so far. */
size_t chart_batch_procs(const struct chart_batch *b);

/* Stop a gnuplot still drawing, remove the scratch directory and free b.
 * Accepts NULL. */
void chart_batch_free(struct chart_batch *b);

/* ---- one chart ----------------------------------------------------------------- */

/*
 * Draw c into DIR/OUT_BASE.svg (and .png when c->png), replacing them: a
 * batch of one. Returns 0, or the chart's negative errno (as
 * chart_batch_status) with d set.
 */
int chart_render(const struct chart_spec *c, const char *dir, const char *out_base,
		 struct diag *d);

/* Directory holding the .gp scripts, or NULL when none is found. Checked
 * in order: MPL_SOURCE_DIR/report/gnuplot (a build tree), then
 * MPL_DATADIR/gnuplot (installed). Static storage; do not free. */
const char *chart_script_dir(void);

const char *chart_kind_name(enum chart_kind k);

#endif
