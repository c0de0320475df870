/*
 * charts.h: draw one chart with gnuplot, as SVG and PNG. Prints nothing.
 *
 * One entry point, chart_render(). The caller describes the chart in plain
 * C (struct chart_spec); charts.c writes every number and every label to
 * data files in a scratch directory and runs the kind's script file
 * (report/gnuplot/<kind>.gp, from the source tree or MPL_DATADIR/gnuplot)
 * with an argv array, never a shell, under a watchdog.
 *
 * Labels (title, axis labels, legend names, mark labels, category names)
 * are user-controlled: tags, scenario names, variant values, commit
 * subjects. None of them is ever pasted into gnuplot code. Each travels as
 * a row of decimal byte values in a data file and is rebuilt into a string
 * variable inside gnuplot, so no quoting rule of gnuplot's command language
 * or of its data file reader can be subverted; gnuplot's terminals then
 * escape the text for SVG. Before that, control characters become spaces,
 * invalid UTF-8 bytes become '?', and labels are cut to CHART_LABEL_MAX
 * bytes. The only values on gnuplot's command line are numbers and two
 * absolute paths this file made, passed as script arguments (strings,
 * never parsed as code).
 *
 * What it does not do: read the store, compute statistics, write HTML.
 */
#ifndef MPL_CHARTS_H
#define MPL_CHARTS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define CHART_LABEL_MAX 200	    /* bytes kept of each label */
#define CHART_SERIES_MAX 64
#define CHART_MARKS_MAX 256
#define CHART_POINTS_MAX 1000000    /* per series */
#define CHART_TIMEOUT_US 10000000ull /* watchdog per chart */

struct chart_series {
	const char *name;	 /* legend text, user-controlled; NULL: none */
	const double *x, *y;	 /* n values each; NaN y = gap */
	const double *lo, *hi;	 /* optional band (TREND), both or neither */
	size_t n;
};

struct chart_mark {
	double x;		 /* in x units (seconds since the epoch if x_is_time) */
	const char *label;	 /* user-controlled; NULL: line without label */
};

enum chart_kind {
	CHART_TREND,	 /* per series: median line over time + filled lo/hi band, marks */
	CHART_POINTS,	 /* every run a point; x = category index, per series (baseline, candidate) */
	CHART_STACKED,	 /* per-subflow throughput over time, stacked areas */
	CHART_LINES,	 /* cwnd or RTT per subflow over time, event marks */
	CHART_SPARKLINE, /* tiny line, no axes, no text (index table) */
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
	unsigned width_px, height_px;	     /* 0: 800x400 (sparkline 120x24) */
};

/*
 * Draw c into DIR/OUT_BASE.svg and DIR/OUT_BASE.png, replacing them.
 *
 * out_base is relative to dir (e.g. "charts/trend-goodput"): not absolute,
 * no ".." component; its directory must exist. Data files and gnuplot's
 * output go to a scratch directory DIR/.chart-XXXXXX, removed before
 * returning; the two files appear only when both rendered (renamed in).
 *
 * STACKED stacks the series at the x values of series[0]; the others are
 * interpolated linearly there (0 outside their own range), so each
 * series' x must be ascending. NaN y values are gaps (0 when stacked).
 *
 * Returns 0, or a negative errno with d set: -ENOENT gnuplot or the script
 * files are missing, -EINVAL a bad spec, -ETIMEDOUT the watchdog fired,
 * -EIO gnuplot failed (its first error line is in the message).
 */
int chart_render(const struct chart_spec *c, const char *dir, const char *out_base,
		 struct diag *d);

/* Directory holding the .gp scripts, or NULL when none is found. Checked
 * in order: MPL_SOURCE_DIR/report/gnuplot (a build tree), then
 * MPL_DATADIR/gnuplot (installed). Static storage; do not free. */
const char *chart_script_dir(void);

const char *chart_kind_name(enum chart_kind k);

#endif
