/*
 * charts.c: draw charts with gnuplot, many per process (see charts.h for
 * the contract).
 *
 * What it does: checks each spec, writes its data files into a directory
 * of its own in the batch's scratch directory, and, to draw, writes a
 * driver script and runs
 *
 *	gnuplot -d < driver.gp		(cwd: the scratch directory)
 *
 * The driver holds one line per chart, and the chart's own script what
 * it sets:
 *
 *	print "MPL-BEGIN 17"; load '17.gp'
 *
 *	reset session                                   (17.gp)
 *	SCRATCH = '17'; W = 800; H = 400; NS = 2; NM = 1; NC = 0; ...
 *	array SC[2] = [1, 2]; array MX[1] = [1767225600]; ...
 *	load 'gp/trend.gp'
 *
 * and each kind's script ends (finish.gp) with print "MPL-OK 17". 'gp' is
 * a symbolic link to the script directory, so the driver holds numbers
 * and names made here, never a path the caller chose. gnuplot reading
 * commands from a stream recovers from an error at the next line: a
 * chart that fails has a BEGIN and no OK, and its part of stderr says
 * why; the others are drawn. A gnuplot that dies leaves charts without a
 * BEGIN: they are drawn by the next gnuplot, and the chart it died on is
 * failed, so every round makes progress.
 *
 * What it does not do: print, choose colours or layout (the .gp files
 * do), or know where the numbers came from.
 *
 * The scratch directory, flat, read by report/gnuplot/common.gp:
 *
 *	gp           -> the script directory
 *	driver.gp    what gnuplot reads
 *	<i>.gp           the chart's variables, and the kind's script loaded
 *	<i>-labels.dat   one label per line: "L b1 b2 ..." (decimal bytes,
 *	                 NUL-padded to a multiple of 8); line 1 title, 2
 *	                 xlabel, 3 ylabel, 4.. series names, then mark
 *	                 labels, then category names
 *	<i>-data.dat     one block per series (two blank lines apart):
 *	                 "x y lo hi", NaN where absent
 *	<i>-stacked.dat  CHART_STACKED only: "x 0 c1 c1+c2 ..." (cumulative,
 *	                 the series but the overlay lines)
 *	<i>-cats.dat     CHART_POINTS only: the category indexes 0..NC-1
 *	<i>.svg, <i>.png gnuplot's output, renamed into place
 *
 * Why bytes as numbers: gnuplot's data reader gives '"' and '#' meanings
 * of their own, and its command language expands backquotes, '@' macros
 * and "<cmd" file names. A line of digits has no such meaning; the script
 * rebuilds the text with sprintf("%c", ...) into a variable, and a
 * variable's value is never evaluated.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "charts.h"
#include "spawn.h"
#include "utf8.h"

static const char *const chart_kind_names[] = {
	[CHART_TREND] = "trend",
	[CHART_POINTS] = "points",
	[CHART_STACKED] = "stacked",
	[CHART_LINES] = "lines",
	[CHART_SPARKLINE] = "sparkline",
	[CHART_CDF] = "cdf",
};

const char *chart_kind_name(enum chart_kind k)
{
	if ((unsigned)k >= ARRAY_SIZE(chart_kind_names))
		return NULL;
	return chart_kind_names[k];
}

static bool chart_file_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (xsnprintf(path, sizeof(path), "%s/%s", dir, name))
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *chart_script_dir(void)
{
	static const char *const dirs[] = {
#ifdef MPL_SOURCE_DIR
		MPL_SOURCE_DIR "/report/gnuplot",
#endif
#ifdef MPL_DATADIR
		MPL_DATADIR "/gnuplot",
#endif
	};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (dirs[i][0] == '/' && chart_file_exists(dirs[i], "common.gp"))
			return dirs[i];
	return NULL;
}

/* ---- the batch --------------------------------------------------------------- */

struct chart_job {
	char *out_base;
	enum chart_kind kind;
	bool png;
	int err;       /* 0 drawn, -EAGAIN queued, -EINPROGRESS in a round, else failed */
	size_t round;  /* the round drawing it, while -EINPROGRESS */
	char why[320]; /* the reason when failed */
};

/* One gnuplot drawing the charts that were queued when it started. */
struct chart_round {
	size_t id;
	struct spawn_proc *proc;
	char driver[PATH_MAX];
	uint64_t timeout_us;
};

struct chart_batch {
	char absdir[PATH_MAX];
	char scratch[PATH_MAX];
	struct chart_job *jobs;
	size_t n;
	char *gnuplot;			/* found by chart_prepare() */
	bool no_script[CHART_KINDS_];
	struct chart_round *rounds;	/* running, oldest first */
	size_t n_rounds;
	size_t n_procs;
};

size_t chart_batch_count(const struct chart_batch *b)
{
	return b ? b->n : 0;
}

size_t chart_batch_procs(const struct chart_batch *b)
{
	return b ? b->n_procs : 0;
}

int chart_batch_status(const struct chart_batch *b, size_t i, const char **why)
{
	if (!b || i >= b->n) {
		if (why)
			*why = "no such chart";
		return -EINVAL;
	}
	if (why)
		*why = b->jobs[i].err == -EAGAIN ? "not drawn yet" : b->jobs[i].why;
	return b->jobs[i].err;
}

static void chart_job_fail(struct chart_job *j, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void chart_job_fail(struct chart_job *j, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->why, sizeof(j->why), fmt, ap);
	va_end(ap);
	j->err = err;
}

/* Remove the scratch directory: flat files, the driver and the link,
 * all made here. */
static void chart_scratch_remove(const char *scratch)
{
	DIR *dp = opendir(scratch);
	struct dirent *e;

	if (dp) {
		while ((e = readdir(dp))) {
			if (e->d_name[0] == '.')
				continue;
			unlinkat(dirfd(dp), e->d_name, 0);
		}
		closedir(dp);
	}
	rmdir(scratch);
}

void chart_batch_free(struct chart_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_rounds; i++)
		spawn_kill(b->rounds[i].proc);
	free(b->rounds);
	free(b->gnuplot);
	if (b->scratch[0] && !getenv("MPL_CHART_KEEP"))
		chart_scratch_remove(b->scratch);
	for (size_t i = 0; i < b->n; i++) {
		free(b->jobs[i].out_base);
	}
	free(b->jobs);
	free(b);
}

int chart_batch_new(const char *dir, struct chart_batch **out, struct diag *d)
{
	struct chart_batch *b;
	int ret;

	*out = NULL;
	if (!dir || !*dir)
		return diag_set(d, -EINVAL, "cannot draw charts: no directory");
	b = calloc(1, sizeof(*b));
	if (!b)
		return diag_set(d, -ENOMEM, "cannot draw charts: out of memory");
	/* Absolute, so no path gnuplot sees can start with '<' or '|'
	 * (gnuplot's pipe syntax for file names). */
	if (dir[0] == '/') {
		ret = xsnprintf(b->absdir, sizeof(b->absdir), "%s", dir);
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd))) {
			ret = diag_set(d, -errno, "cannot draw charts: getcwd: %s", strerror(errno));
			goto fail;
		}
		ret = xsnprintf(b->absdir, sizeof(b->absdir), "%s/%s", cwd, dir);
	}
	if (ret == 0)
		ret = xsnprintf(b->scratch, sizeof(b->scratch), "%s/.chart-XXXXXX", b->absdir);
	if (ret) {
		ret = diag_set(d, ret, "cannot draw charts in '%s': path too long", dir);
		goto fail;
	}
	if (!mkdtemp(b->scratch)) {
		ret = diag_set(d, -errno, "cannot create scratch directory in '%s': %s", dir,
			       strerror(errno));
		b->scratch[0] = '\0';
		goto fail;
	}
	*out = b;
	return 0;
fail:
	chart_batch_free(b);
	return ret;
}

/* ---- one chart's data ---------------------------------------------------------- */

/* One labels.dat line. Control characters (newlines too: a chart label is
 * one line) become spaces, bytes that are not UTF-8 become '?'; the text
 * is cut at CHART_LABEL_MAX bytes on a character boundary. */
static void chart_put_label(FILE *f, const char *label)
{
	const unsigned char *s = (const unsigned char *)(label ? label : "");
	size_t len = strlen((const char *)s), out = 0;

	fputc('L', f);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(s + i, len - i);

		if (n == 0) {
			if (out + 1 > CHART_LABEL_MAX)
				break;
			fputs(" 63", f);
			out++, i++;
			continue;
		}
		if (out + n > CHART_LABEL_MAX)
			break;
		for (size_t k = 0; k < n; k++) {
			unsigned b = s[i + k];

			if (n == 1 && (b < 0x20 || b == 0x7f))
				b = ' ';
			fprintf(f, " %u", b);
		}
		out += n, i += n;
	}
	/* padded with NULs to a multiple of 8 bytes: common.gp rebuilds 8
	 * at a time, and a NUL ends a gnuplot string */
	for (; out % 8; out++)
		fputs(" 0", f);
	fputc('\n', f);
}

static void chart_put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.10g", v);
	else
		fputs(" NaN", f);
}

static int chart_check(const struct chart_spec *c, struct diag *d)
{
	const char *kind = chart_kind_name(c->kind);
	size_t total = 0;

	if (!kind)
		return diag_set(d, -EINVAL, "unknown kind %d", (int)c->kind);
	if (c->n_series == 0 || !c->series)
		return diag_set(d, -EINVAL, "%s chart without series", kind);
	if (c->n_series > CHART_SERIES_MAX)
		return diag_set(d, -EINVAL, "%s chart with %zu series, at most %d", kind, c->n_series,
				CHART_SERIES_MAX);
	if (c->n_marks > CHART_MARKS_MAX || (c->n_marks && !c->marks))
		return diag_set(d, -EINVAL, "%s chart with bad marks (%zu, at most %d)", kind,
				c->n_marks, CHART_MARKS_MAX);
	for (size_t i = 0; i < c->n_marks; i++)
		if (!isfinite(c->marks[i].x) || (unsigned)c->marks[i].kind >= CHART_MARK_KINDS_)
			return diag_set(d, -EINVAL, "%s chart: mark %zu has no finite x or a bad kind",
					kind, i);
	if (c->n_categories > CHART_POINTS_MAX || (c->n_categories && !c->categories))
		return diag_set(d, -EINVAL, "%s chart with bad categories", kind);
	if (c->n_overlay && (c->kind != CHART_STACKED || c->n_overlay >= c->n_series))
		return diag_set(d, -EINVAL, "%s chart: %zu overlay lines of %zu series", kind,
				c->n_overlay, c->n_series);
	if (c->width_px > 10000 || c->height_px > 10000)
		return diag_set(d, -EINVAL, "%s chart of %ux%u px is too large", kind, c->width_px,
				c->height_px);
	if (!isfinite(c->x_min) || !isfinite(c->x_max) || !isfinite(c->y_min) ||
	    !isfinite(c->y_max) || ((c->x_min || c->x_max) && !(c->x_min < c->x_max)) ||
	    ((c->y_min || c->y_max) && !(c->y_min < c->y_max)))
		return diag_set(d, -EINVAL, "%s chart with an empty or non-finite axis range", kind);
	for (size_t i = 0; i < c->n_series; i++) {
		const struct chart_series *s = &c->series[i];

		if (s->n > CHART_POINTS_MAX)
			return diag_set(d, -EINVAL, "%s chart: series %zu has %zu points, at most %d",
					kind, i, s->n, CHART_POINTS_MAX);
		if (s->n && (!s->x || !s->y))
			return diag_set(d, -EINVAL, "%s chart: series %zu has no x or y values", kind,
					i);
		if (!s->lo != !s->hi)
			return diag_set(d, -EINVAL, "%s chart: series %zu has only one band edge",
					kind, i);
		if (s->colour > CHART_COLOURS)
			return diag_set(d, -EINVAL, "%s chart: series %zu has colour %u, at most %d",
					kind, i, s->colour, CHART_COLOURS);
		for (size_t k = 0; k < s->n; k++)
			total += isfinite(s->x[k]) && isfinite(s->y[k]);
	}
	if (total == 0)
		return diag_set(d, -EINVAL, "%s chart without a finite point", kind);
	return 0;
}

/* y of s at x by linear interpolation; 0 outside s's range (a subflow
 * that does not exist yet carries nothing). s->x must be ascending. */
static double chart_interp(const struct chart_series *s, double x)
{
	size_t lo = 0, hi;

	if (s->n == 0 || x < s->x[0] || x > s->x[s->n - 1])
		return 0;
	hi = s->n - 1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->x[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	if (s->x[hi] == s->x[lo] || x <= s->x[lo])
		return isfinite(s->y[lo]) ? s->y[lo] : 0;
	if (!isfinite(s->y[lo]) || !isfinite(s->y[hi]))
		return 0;
	return s->y[lo] + (s->y[hi] - s->y[lo]) * (x - s->x[lo]) / (s->x[hi] - s->x[lo]);
}

static void chart_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* Open dir/name for writing; close with chart_fclose() to catch ENOSPC on
 * the final flush. */
static int chart_fopen(const char *dir, const char *name, FILE **f, struct diag *d)
{
	char path[PATH_MAX];

	if (xsnprintf(path, sizeof(path), "%s/%s", dir, name))
		return diag_set(d, -ENAMETOOLONG, "cannot write chart data: path too long");
	*f = fopen(path, "we");
	if (!*f)
		return diag_set(d, -errno, "cannot write chart data '%s': %s", path, strerror(errno));
	return 0;
}

static int chart_fclose(FILE **f, const char *name, struct diag *d)
{
	bool bad = ferror(*f);

	bad |= fclose(*f) != 0;
	*f = NULL;
	if (bad)
		return diag_set(d, -EIO, "cannot write chart data '%s'", name);
	return 0;
}

static int chart_write_data(const struct chart_spec *c, const char *dir, size_t index,
			    struct diag *d)
{
	__attribute__((cleanup(chart_fclosep))) FILE *f = NULL;
	char name[48];
	int ret;

	snprintf(name, sizeof(name), "%zu-labels.dat", index);
	ret = chart_fopen(dir, name, &f, d);
	if (ret)
		return ret;
	chart_put_label(f, c->title);
	chart_put_label(f, c->xlabel);
	chart_put_label(f, c->ylabel);
	for (size_t i = 0; i < c->n_series; i++)
		chart_put_label(f, c->series[i].name);
	for (size_t i = 0; i < c->n_marks; i++)
		chart_put_label(f, c->marks[i].label);
	for (size_t i = 0; i < c->n_categories; i++)
		chart_put_label(f, c->categories[i]);
	ret = chart_fclose(&f, name, d);
	if (ret)
		return ret;

	/* every series one block of one file, blocks apart by two blank
	 * lines: gnuplot's "index" */
	snprintf(name, sizeof(name), "%zu-data.dat", index);
	ret = chart_fopen(dir, name, &f, d);
	if (ret)
		return ret;
	for (size_t i = 0; i < c->n_series; i++) {
		const struct chart_series *s = &c->series[i];

		if (i)
			fputs("\n\n", f);
		for (size_t k = 0; k < s->n; k++) {
			double x = s->x[k];

			/* CHART_POINTS: the series of a category side by side
			 * within it, each point moved by a jitter fixed by its
			 * position, so the same runs always give the same chart */
			if (c->kind == CHART_POINTS)
				x += ((double)i - (double)(c->n_series - 1) / 2) *
					     (0.5 / (double)c->n_series) +
				     ((double)(k * 7919 % 101) / 100.0 - 0.5) * 0.12 /
					     (double)c->n_series;
			chart_put_num(f, x);
			chart_put_num(f, s->y[k]);
			chart_put_num(f, s->lo ? s->lo[k] : (double)NAN);
			chart_put_num(f, s->hi ? s->hi[k] : (double)NAN);
			fputc('\n', f);
		}
		/* gnuplot refuses a block without a single point: give an
		 * empty series one undefined row instead. */
		if (s->n == 0)
			fputs("NaN NaN NaN NaN\n", f);
	}
	ret = chart_fclose(&f, name, d);
	if (ret)
		return ret;

	if (c->kind == CHART_POINTS && c->n_categories) {
		snprintf(name, sizeof(name), "%zu-cats.dat", index);
		ret = chart_fopen(dir, name, &f, d);
		if (ret)
			return ret;
		for (size_t i = 0; i < c->n_categories; i++)
			fprintf(f, "%zu\n", i);
		ret = chart_fclose(&f, name, d);
		if (ret)
			return ret;
	}
	if (c->kind != CHART_STACKED)
		return 0;
	snprintf(name, sizeof(name), "%zu-stacked.dat", index);
	ret = chart_fopen(dir, name, &f, d);
	if (ret)
		return ret;
	for (size_t k = 0; k < c->series[0].n; k++) {
		double x = c->series[0].x[k], sum = 0;

		if (!isfinite(x))
			continue;
		chart_put_num(f, x);
		chart_put_num(f, 0);
		for (size_t i = 0; i < c->n_series - c->n_overlay; i++) {
			double y = i == 0 ? c->series[0].y[k] : chart_interp(&c->series[i], x);

			sum += isfinite(y) ? y : 0;
			chart_put_num(f, sum);
		}
		fputc('\n', f);
	}
	return chart_fclose(&f, name, d);
}

/* N.gp: what gnuplot runs for chart c, loaded by a driver line of its
 * own: a clean session, the chart's variables (numbers only, and names
 * made here), then the kind's script. */
static int chart_write_script(const struct chart_spec *c, size_t index, const char *dir,
			      struct diag *d)
{
	__attribute__((cleanup(chart_fclosep))) FILE *f = NULL;
	char name[32];
	unsigned w = c->width_px ? c->width_px : (c->kind == CHART_SPARKLINE ? 160 : 800);
	unsigned h = c->height_px ? c->height_px : (c->kind == CHART_SPARKLINE ? 32 : 400);
	size_t npmax = 0;
	int ret;

	snprintf(name, sizeof(name), "%zu.gp", index);
	ret = chart_fopen(dir, name, &f, d);
	if (ret)
		return ret;
	for (size_t i = 0; i < c->n_series; i++)
		if (c->series[i].n > npmax)
			npmax = c->series[i].n;
	fprintf(f, "reset session\nSCRATCH = '%zu'; GPDIR = 'gp'\n", index);
	fprintf(f, "W = %u; H = %u; NS = %zu; NM = %zu; NC = %zu; XTIME = %d; PNG = %d; NPMAX = %zu; "
		   "YSI = %d; NO = %zu\n",
		w, h, c->n_series, c->n_marks, c->n_categories, c->x_is_time ? 1 : 0,
		c->png ? 1 : 0, npmax, c->y_si ? 1 : 0, c->n_overlay);
	fprintf(f, "XFIX = %d; XMIN = %.17g; XMAX = %.17g; YFIX = %d; YMIN = %.17g; YMAX = %.17g\n",
		c->x_min || c->x_max, c->x_min, c->x_max, c->y_min || c->y_max, c->y_min,
		c->y_max);
	fprintf(f, "array SC[%zu] = [", c->n_series);
	for (size_t i = 0; i < c->n_series; i++)
		fprintf(f, "%s%u", i ? ", " : "",
			c->series[i].colour ? c->series[i].colour : (unsigned)(i % CHART_COLOURS + 1));
	fprintf(f, "]\narray SD[%zu] = [", c->n_series);
	for (size_t i = 0; i < c->n_series; i++)
		fprintf(f, "%s%d", i ? ", " : "", c->series[i].dashed ? 1 : 0);
	fputs("]\n", f);
	if (c->n_marks) {
		fprintf(f, "array MX[%zu] = [", c->n_marks);
		for (size_t i = 0; i < c->n_marks; i++)
			fprintf(f, "%s%.17g", i ? ", " : "", c->marks[i].x);
		fprintf(f, "]\narray MK[%zu] = [", c->n_marks);
		for (size_t i = 0; i < c->n_marks; i++)
			fprintf(f, "%s%d", i ? ", " : "", (int)c->marks[i].kind);
		fputs("]\n", f);
	}
	fprintf(f, "load 'gp/%s.gp'\n", chart_kind_name(c->kind));
	return chart_fclose(&f, name, d);
}

static int chart_check_out_base(const char *out_base, struct diag *d)
{
	const char *p = out_base;

	if (!out_base || !*out_base || out_base[0] == '/')
		return diag_set(d, -EINVAL, "name must be a relative path");
	for (p = out_base; *p; p++)
		if ((unsigned char)*p < 0x20)
			return diag_set(d, -EINVAL, "control character in name");
	p = out_base;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 2 && p[0] == '.' && p[1] == '.'))
			return diag_set(d, -EINVAL, "bad path component");
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
}

int chart_batch_add(struct chart_batch *b, const struct chart_spec *c, const char *out_base,
		    struct diag *d)
{
	struct chart_job *g = array_grow(b->jobs, b->n, sizeof(*g));
	struct chart_job *j;
	struct diag why = DIAG_INIT;
	size_t index = b->n;
	const char *name = out_base ? out_base : "";
	int ret;

	if (!g)
		return diag_set(d, -ENOMEM, "cannot draw chart '%s': out of memory", name);
	b->jobs = g;
	j = &b->jobs[b->n++];
	j->err = -EAGAIN;
	j->out_base = strdup(name);
	if (!j->out_base)
		return diag_set(d, -ENOMEM, "cannot draw chart '%s': out of memory", name);
	if (!c) {
		chart_job_fail(j, -EINVAL, "cannot draw chart '%s': no spec", name);
		return (int)index;
	}
	j->kind = c->kind;
	j->png = c->png;
	ret = chart_check_out_base(out_base, &why);
	if (ret == 0)
		ret = chart_check(c, &why);
	if (ret == 0)
		ret = chart_write_data(c, b->scratch, index, &why);
	if (ret == 0)
		ret = chart_write_script(c, index, b->scratch, &why);
	if (ret)
		chart_job_fail(j, ret, "cannot draw chart '%s': %s", name, diag_str(&why));
	return (int)index;
}

/* ---- drawing -------------------------------------------------------------------- */

/* The first line of an error text that says something, for a message:
 * gnuplot puts "line N: <what>" after an echo of the bad command, and the
 * explanation is the more useful part. */
static void chart_first_error(const char *err, size_t len, char *buf, size_t size)
{
	const char *line = err, *end = err + len, *found = NULL;
	size_t flen = 0;

	buf[0] = '\0';
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t l = nl ? (size_t)(nl - line) : (size_t)(end - line);
		const char *t = line;

		while (t < line + l && (*t == ' ' || *t == '\t'))
			t++;
		if (!found && t < line + l && strncmp(t, "Warning", 7) != 0 &&
		    strncmp(t, "warning", 7) != 0)
			found = line, flen = l;
		if (l && memmem(line, l, "line ", 5) && memmem(line, l, ": ", 2) &&
		    !memmem(line, l, "warning:", 8))
			found = line, flen = l;
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!found)
		return;
	while (flen && (*found == ' ' || *found == '\t'))
		found++, flen--;
	snprintf(buf, size, "%.*s", (int)flen, found);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

/* Move <i>.{svg,png} to DIR/OUT_BASE.{svg,png}, but only when
 * gnuplot wrote all of them, so a failed chart never leaves half its
 * files. */
static int chart_move(const struct chart_batch *b, size_t i, struct diag *d)
{
	static const char *const exts[] = { "svg", "png" };
	const struct chart_job *j = &b->jobs[i];
	size_t n = j->png ? 2 : 1;
	char from[2][PATH_MAX], to[2][PATH_MAX];
	struct stat st;

	for (size_t k = 0; k < n; k++) {
		if (xsnprintf(from[k], PATH_MAX, "%s/%zu.%s", b->scratch, i, exts[k]) ||
		    xsnprintf(to[k], PATH_MAX, "%s/%s.%s", b->absdir, j->out_base, exts[k]))
			return diag_set(d, -ENAMETOOLONG, "path too long");
		if (stat(from[k], &st) || st.st_size == 0)
			return diag_set(d, -EIO, "gnuplot wrote no %s", exts[k]);
	}
	for (size_t k = 0; k < n; k++)
		if (rename(from[k], to[k]))
			return diag_set(d, -errno, "cannot write '%s': %s", to[k], strerror(errno));
	return 0;
}

/* MPL_CHART_FAULT=I:error|exit, the test hook of charts.h. */
static bool chart_fault(size_t index, const char **what)
{
	const char *s = getenv("MPL_CHART_FAULT");
	char *end;
	unsigned long i;

	if (!s || !*s)
		return false;
	errno = 0;
	i = strtoul(s, &end, 10);
	if (errno || end == s || *end != ':' || i != index)
		return false;
	*what = end + 1;
	return true;
}

/* Marker lines of gnuplot's stderr: "MPL-BEGIN <i>" or "MPL-OK <i>". */
static bool chart_marker(const char *line, size_t len, const char *word, size_t *index)
{
	size_t wl = strlen(word), i = 0, k;

	if (len <= wl || memcmp(line, word, wl))
		return false;
	for (k = wl; k < len && line[k] >= '0' && line[k] <= '9'; k++)
		i = i * 10 + (size_t)(line[k] - '0');
	if (k == wl || k != len)
		return false;
	*index = i;
	return true;
}

/* Read one gnuplot's stderr: which charts it began and finished, and
 * what it said while drawing each (into the job's why). */
static void chart_read_markers(struct chart_batch *b, const struct spawn_result *r,
			       bool *begun, bool *done, size_t *last_begun)
{
	const char *err = r->err ? r->err : "", *line = err, *seg = NULL;
	size_t cur = SIZE_MAX, idx;

	*last_begun = SIZE_MAX;
	for (;;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		bool begin = chart_marker(line, len, "MPL-BEGIN ", &idx);
		bool ok = !begin && chart_marker(line, len, "MPL-OK ", &idx);

		if ((begin || ok || !nl) && cur != SIZE_MAX && seg) {
			const char *seg_end = begin || ok ? line : line + len;

			chart_first_error(seg, (size_t)(seg_end - seg), b->jobs[cur].why,
					  sizeof(b->jobs[cur].why));
		}
		if (begin && idx < b->n) {
			cur = idx;
			begun[idx] = true;
			*last_begun = idx;
			seg = nl ? nl + 1 : line + len;
		} else if (ok && idx < b->n) {
			done[idx] = true;
			cur = SIZE_MAX;
			seg = NULL;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

static void chart_fail_queued(struct chart_batch *b, int err, const char *why)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->jobs[i].err == -EAGAIN)
			chart_job_fail(&b->jobs[i], err, "cannot draw chart '%s': %s",
				       b->jobs[i].out_base, why);
}

/* gnuplot, its scripts and the link to them, found once per batch. */
static int chart_prepare(struct chart_batch *b, struct diag *d)
{
	char link[PATH_MAX], script[PATH_MAX];
	const char *gpdir;
	int ret;

	if (b->gnuplot)
		return 0;
	b->gnuplot = spawn_which("gnuplot");
	if (!b->gnuplot) {
		chart_fail_queued(b, -ENOENT, "'gnuplot' not found in PATH");
		return diag_set(d, -ENOENT, "cannot draw charts: 'gnuplot' not found in PATH");
	}
	gpdir = chart_script_dir();
	if (!gpdir) {
		free(b->gnuplot);
		b->gnuplot = NULL;
		chart_fail_queued(b, -ENOENT, "gnuplot scripts not found");
		return diag_set(d, -ENOENT, "cannot draw charts: gnuplot scripts not found");
	}
	for (int k = 0; k < CHART_KINDS_; k++) {
		snprintf(script, sizeof(script), "%s.gp", chart_kind_name((enum chart_kind)k));
		b->no_script[k] = !chart_file_exists(gpdir, script);
	}
	if (xsnprintf(link, sizeof(link), "%s/gp", b->scratch))
		ret = -ENAMETOOLONG;
	else if (unlink(link), symlink(gpdir, link) < 0)
		ret = -errno;
	else
		return 0;
	free(b->gnuplot);
	b->gnuplot = NULL;
	chart_fail_queued(b, ret, "cannot link the gnuplot scripts");
	return diag_set(d, ret, "cannot draw charts: cannot link '%s': %s", link, strerror(-ret));
}

/* Start one gnuplot on every queued chart, in the background. */
static int chart_round_start(struct chart_batch *b, struct diag *d)
{
	__attribute__((cleanup(chart_fclosep))) FILE *f = NULL;
	struct chart_round *rd, *g;
	struct spawn_opts o = SPAWN_OPTS_INIT;
	const char *fault;
	size_t n = 0;
	bool bad;
	int ret;

	for (size_t i = 0; i < b->n; i++) {
		struct chart_job *j = &b->jobs[i];

		if (j->err == -EAGAIN && b->no_script[j->kind])
			chart_job_fail(j, -ENOENT, "cannot draw chart '%s': no script '%s.gp'",
				       j->out_base, chart_kind_name(j->kind));
		n += j->err == -EAGAIN;
	}
	if (!n)
		return 0;
	g = array_grow(b->rounds, b->n_rounds, sizeof(*g));
	if (!g)
		return diag_set(d, -ENOMEM, "cannot draw charts: out of memory");
	b->rounds = g;
	rd = &b->rounds[b->n_rounds];
	if (xsnprintf(rd->driver, sizeof(rd->driver), "%s/driver-%zu.gp", b->scratch, b->n_procs))
		return diag_set(d, -ENAMETOOLONG, "cannot draw charts: scratch path too long");
	f = fopen(rd->driver, "we");
	if (!f)
		return diag_set(d, -errno, "cannot write '%s': %s", rd->driver, strerror(errno));
	for (size_t i = 0; i < b->n; i++) {
		if (b->jobs[i].err != -EAGAIN)
			continue;
		/* One short line per chart: gnuplot reads its stdin a byte
		 * at a time, its loaded files through stdio. An error ends
		 * the line it is on, and every file that line loaded. */
		fprintf(f, "print \"MPL-BEGIN %zu\"; ", i);
		if (chart_fault(i, &fault) && !strcmp(fault, "error"))
			fputs("_mpl_fault = _mpl_injected_fault_; ", f);
		else if (chart_fault(i, &fault) && !strcmp(fault, "exit"))
			fputs("exit status 3; ", f);
		fprintf(f, "load '%zu.gp'\n", i);
	}
	bad = ferror(f);
	bad |= fclose(f) != 0;
	f = NULL;
	if (bad)
		return diag_set(d, -EIO, "cannot write '%s'", rd->driver);
	{
		/* -d: no ~/.gnuplot or system gnuplotrc, so every chart is
		 * drawn by the repo's scripts alone. */
		const char *const argv[] = { b->gnuplot, "-d", NULL };

		o.cwd = b->scratch;
		o.stdin_path = rd->driver;
		o.timeout_us = CHART_TIMEOUT_US + n * CHART_TIMEOUT_PER_US;
		o.capture_stdout = true;
		o.capture_stderr = true;
		o.capture_max = 1024 * 1024 + n * 512;
		ret = spawn_start(argv, &o, &rd->proc, d);
	}
	if (ret)
		return ret;
	rd->timeout_us = o.timeout_us;
	rd->id = b->n_procs;
	b->n_rounds++;
	b->n_procs++;
	for (size_t i = 0; i < b->n; i++)
		if (b->jobs[i].err == -EAGAIN) {
			b->jobs[i].err = -EINPROGRESS;
			b->jobs[i].round = rd->id;
			b->jobs[i].why[0] = '\0';
		}
	return 0;
}

/* Wait for the oldest gnuplot and settle its charts: drawn, failed, or
 * (never begun, because it died first) queued again. */
static int chart_round_finish(struct chart_batch *b, struct diag *d)
{
	struct chart_round rd = b->rounds[0];
	struct spawn_result r = { 0 };
	_cleanup_free_ bool *begun = NULL, *done = NULL;
	char why[256];
	size_t last;
	bool died = false;
	int ret;

	memmove(b->rounds, b->rounds + 1, (b->n_rounds - 1) * sizeof(*b->rounds));
	b->n_rounds--;
	ret = spawn_wait(rd.proc, NULL, &r, d);
	begun = calloc(b->n ? b->n : 1, sizeof(*begun));
	done = calloc(b->n ? b->n : 1, sizeof(*done));
	if (ret || !begun || !done) {
		for (size_t i = 0; i < b->n; i++)
			if (b->jobs[i].err == -EINPROGRESS && b->jobs[i].round == rd.id)
				chart_job_fail(&b->jobs[i], ret ? ret : -ENOMEM,
					       "cannot draw chart '%s': %s", b->jobs[i].out_base,
					       ret ? diag_str(d) : "out of memory");
		spawn_result_release(&r);
		return ret ? ret : diag_set(d, -ENOMEM, "cannot draw charts: out of memory");
	}
	chart_read_markers(b, &r, begun, done, &last);

	/* How the process ended, for the chart it was drawing. */
	if (r.timed_out)
		snprintf(why, sizeof(why), "gnuplot took more than %llu s",
			 (unsigned long long)(rd.timeout_us / 1000000));
	else if (r.signaled)
		snprintf(why, sizeof(why), "gnuplot killed by signal %d", r.term_signal);
	else
		snprintf(why, sizeof(why), "gnuplot exited with %d", r.exit_code);
	for (size_t i = 0; i < b->n; i++)
		died |= b->jobs[i].err == -EINPROGRESS && b->jobs[i].round == rd.id && !begun[i];
	died |= r.timed_out || r.signaled;
	for (size_t i = 0; i < b->n; i++) {
		struct chart_job *j = &b->jobs[i];
		struct diag md = DIAG_INIT;
		char said[sizeof(j->why)];

		if (j->err != -EINPROGRESS || j->round != rd.id)
			continue;
		if (!begun[i]) {
			/* gnuplot died before it: the next round draws it,
			 * unless this one began nothing at all */
			if (last == SIZE_MAX)
				chart_job_fail(j, -EIO, "cannot draw chart '%s': %s before its first chart",
					       j->out_base, why);
			else
				j->err = -EAGAIN;
			continue;
		}
		snprintf(said, sizeof(said), "%s", j->why);
		if (done[i]) {
			ret = chart_move(b, i, &md);
			if (ret == 0)
				j->err = 0;
			else
				chart_job_fail(j, ret, "cannot draw chart '%s': %s", j->out_base,
					       diag_str(&md));
		} else if (i == last && died) {
			/* gnuplot ended while drawing this one */
			chart_job_fail(j, r.timed_out ? -ETIMEDOUT : -EIO,
				       "cannot draw chart '%s': %s%s%s%s", j->out_base, said,
				       said[0] ? " (" : "", why, said[0] ? ")" : "");
		} else {
			chart_job_fail(j, -EIO, "cannot draw chart '%s': %s", j->out_base,
				       said[0] ? said : "gnuplot did not finish it");
		}
	}
	spawn_result_release(&r);
	return 0;
}

int chart_batch_start(struct chart_batch *b, struct diag *d)
{
	int ret = chart_prepare(b, d);

	if (ret)
		return ret;
	ret = chart_round_start(b, d);
	if (ret < 0)
		chart_fail_queued(b, ret, diag_str(d));
	return ret;
}

int chart_batch_draw(struct chart_batch *b, struct diag *d)
{
	bool queued = false;
	int ret;

	for (size_t i = 0; i < b->n; i++)
		queued |= b->jobs[i].err == -EAGAIN;
	if (!queued && !b->n_rounds)
		return 0;
	if (queued) {
		ret = chart_prepare(b, d);
		if (ret && !b->n_rounds)
			return ret;
	}
	/* Each round begins at least one chart, which is then drawn or
	 * failed (or the round fails them all): the loop ends. */
	for (;;) {
		queued = false;
		for (size_t i = 0; i < b->n; i++)
			queued |= b->jobs[i].err == -EAGAIN;
		if (queued && b->gnuplot) {
			ret = chart_round_start(b, d);
			if (ret < 0) {
				chart_fail_queued(b, ret, diag_str(d));
				diag_clear(d);
			}
		}
		if (!b->n_rounds)
			break;
		ret = chart_round_finish(b, d);
		if (ret < 0)
			diag_clear(d);
	}
	return 0;
}

int chart_render(const struct chart_spec *c, const char *dir, const char *out_base,
		 struct diag *d)
{
	struct chart_batch *b = NULL;
	const char *why;
	int ret, i;

	ret = chart_batch_new(dir, &b, d);
	if (ret)
		return ret;
	i = chart_batch_add(b, c, out_base, d);
	if (i < 0) {
		chart_batch_free(b);
		return i;
	}
	chart_batch_draw(b, d);
	diag_clear(d);
	ret = chart_batch_status(b, (size_t)i, &why);
	if (ret)
		diag_set(d, ret, "%s", why);
	chart_batch_free(b);
	return ret;
}
