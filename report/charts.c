/*
 * charts.c: render one chart with gnuplot (see charts.h for the contract).
 *
 * What it does: checks the spec, writes the data files into a scratch
 * directory under the output directory, runs
 *
 *	gnuplot -d -e "W=800;H=400;NS=2;NM=1;NC=0;XTIME=1" -c <scripts>/trend.gp <scratch> <scripts>
 *
 * (numbers only after -e; the two paths are script arguments, i.e. string
 * variables ARG1/ARG2, never parsed as code), then moves chart.svg and
 * chart.png into place. What it does not do: print, choose colours or
 * layout (the .gp files do), or know where the numbers came from.
 *
 * Scratch directory layout, read by report/gnuplot/common.gp:
 *
 *	labels.dat   one label per line: "L b1 b2 ..." (decimal bytes);
 *	             line 1 title, 2 xlabel, 3 ylabel, 4.. series names,
 *	             then mark labels, then category names
 *	marks.dat    one mark x per line
 *	s<i>.dat     series i (1-based): "x y lo hi", NaN where absent
 *	stacked.dat  CHART_STACKED only: "x 0 c1 c1+c2 ..." (cumulative)
 *	cats.dat     CHART_POINTS only: the category indexes 0..NC-1
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "charts.h"
#include "spawn.h"
#include "utf8.h"

static const char *const chart_kind_names[] = {
	[CHART_TREND] = "trend",
	[CHART_POINTS] = "points",
	[CHART_STACKED] = "stacked",
	[CHART_LINES] = "lines",
	[CHART_SPARKLINE] = "sparkline",
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
		return diag_set(d, -EINVAL, "cannot draw chart: unknown kind %d", (int)c->kind);
	if (c->n_series == 0 || !c->series)
		return diag_set(d, -EINVAL, "cannot draw %s chart: no series", kind);
	if (c->n_series > CHART_SERIES_MAX)
		return diag_set(d, -EINVAL, "cannot draw %s chart: %zu series, at most %d",
				kind, c->n_series, CHART_SERIES_MAX);
	if (c->n_marks > CHART_MARKS_MAX || (c->n_marks && !c->marks))
		return diag_set(d, -EINVAL, "cannot draw %s chart: bad marks (%zu, at most %d)",
				kind, c->n_marks, CHART_MARKS_MAX);
	if (c->n_categories > CHART_POINTS_MAX || (c->n_categories && !c->categories))
		return diag_set(d, -EINVAL, "cannot draw %s chart: bad categories", kind);
	if (c->width_px > 10000 || c->height_px > 10000)
		return diag_set(d, -EINVAL, "cannot draw %s chart: %ux%u px is too large",
				kind, c->width_px, c->height_px);
	for (size_t i = 0; i < c->n_series; i++) {
		const struct chart_series *s = &c->series[i];

		if (s->n > CHART_POINTS_MAX)
			return diag_set(d, -EINVAL, "cannot draw %s chart: series %zu has %zu points, at most %d",
					kind, i, s->n, CHART_POINTS_MAX);
		if (s->n && (!s->x || !s->y))
			return diag_set(d, -EINVAL, "cannot draw %s chart: series %zu has no x or y values",
					kind, i);
		if (!s->lo != !s->hi)
			return diag_set(d, -EINVAL, "cannot draw %s chart: series %zu has only one band edge",
					kind, i);
		for (size_t k = 0; k < s->n; k++)
			total += isfinite(s->x[k]) && isfinite(s->y[k]);
	}
	if (total == 0)
		return diag_set(d, -EINVAL, "cannot draw %s chart: no finite point", kind);
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

/* Open scratch/name for writing; close with chart_fclose() to catch
 * ENOSPC on the final flush. */
static int chart_fopen(const char *scratch, const char *name, FILE **f, struct diag *d)
{
	char path[PATH_MAX];

	if (xsnprintf(path, sizeof(path), "%s/%s", scratch, name))
		return diag_set(d, -ENAMETOOLONG, "cannot write chart data: path too long");
	*f = fopen(path, "w");
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

static int chart_write_data(const struct chart_spec *c, const char *scratch, struct diag *d)
{
	__attribute__((cleanup(chart_fclosep))) FILE *f = NULL;
	char name[32];
	int ret;

	ret = chart_fopen(scratch, "labels.dat", &f, d);
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
	ret = chart_fclose(&f, "labels.dat", d);
	if (ret)
		return ret;

	ret = chart_fopen(scratch, "marks.dat", &f, d);
	if (ret)
		return ret;
	for (size_t i = 0; i < c->n_marks; i++) {
		chart_put_num(f, c->marks[i].x);
		fputc('\n', f);
	}
	ret = chart_fclose(&f, "marks.dat", d);
	if (ret)
		return ret;

	for (size_t i = 0; i < c->n_series; i++) {
		const struct chart_series *s = &c->series[i];

		snprintf(name, sizeof(name), "s%zu.dat", i + 1);
		ret = chart_fopen(scratch, name, &f, d);
		if (ret)
			return ret;
		for (size_t k = 0; k < s->n; k++) {
			chart_put_num(f, s->x[k]);
			chart_put_num(f, s->y[k]);
			chart_put_num(f, s->lo ? s->lo[k] : (double)NAN);
			chart_put_num(f, s->hi ? s->hi[k] : (double)NAN);
			fputc('\n', f);
		}
		/* gnuplot refuses a file without a single point: give an
		 * empty series one undefined row instead. */
		if (s->n == 0)
			fputs("NaN NaN NaN NaN\n", f);
		ret = chart_fclose(&f, name, d);
		if (ret)
			return ret;
	}

	if (c->kind == CHART_POINTS && c->n_categories) {
		ret = chart_fopen(scratch, "cats.dat", &f, d);
		if (ret)
			return ret;
		for (size_t i = 0; i < c->n_categories; i++)
			fprintf(f, "%zu\n", i);
		ret = chart_fclose(&f, "cats.dat", d);
		if (ret)
			return ret;
	}
	if (c->kind != CHART_STACKED)
		return 0;
	ret = chart_fopen(scratch, "stacked.dat", &f, d);
	if (ret)
		return ret;
	for (size_t k = 0; k < c->series[0].n; k++) {
		double x = c->series[0].x[k], sum = 0;

		if (!isfinite(x))
			continue;
		chart_put_num(f, x);
		chart_put_num(f, 0);
		for (size_t i = 0; i < c->n_series; i++) {
			double y = i == 0 ? c->series[0].y[k] : chart_interp(&c->series[i], x);

			sum += isfinite(y) ? y : 0;
			chart_put_num(f, sum);
		}
		fputc('\n', f);
	}
	return chart_fclose(&f, "stacked.dat", d);
}

/* Remove the scratch directory: it holds only flat files we wrote. */
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

/* First line of gnuplot's stderr that says something, for the message. */
static void chart_first_error(const char *err, char *buf, size_t size)
{
	const char *line = err, *found = NULL;

	buf[0] = '\0';
	if (!err)
		return;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (!found && len && strncmp(line, "Warning", 7) != 0)
			found = line;
		/* gnuplot puts "line N: <what>" after an echo of the bad
		 * command; the explanation is the more useful part. */
		if (len && memmem(line, len, "line ", 5) && memmem(line, len, ": ", 2))
			found = line;
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!found)
		return;
	snprintf(buf, size, "%.*s", (int)strcspn(found, "\n"), found);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

static int chart_check_out_base(const char *out_base, struct diag *d)
{
	const char *p = out_base;

	if (!out_base || !*out_base || out_base[0] == '/')
		return diag_set(d, -EINVAL, "cannot draw chart '%s': name must be a relative path",
				out_base ? out_base : "");
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 2 && p[0] == '.' && p[1] == '.'))
			return diag_set(d, -EINVAL, "cannot draw chart '%s': bad path component",
					out_base);
		p += len;
		if (*p == '/')
			p++;
	}
	for (p = out_base; *p; p++)
		if ((unsigned char)*p < 0x20)
			return diag_set(d, -EINVAL, "cannot draw chart: control character in name");
	return 0;
}

/* Move scratch/chart.{svg,png} to DIR/OUT_BASE.{svg,png}, but only when
 * gnuplot wrote both, so a failed chart never leaves half its files. */
static int chart_move(const char *scratch, const char *dir, const char *out_base,
		      struct diag *d)
{
	static const char *const exts[] = { "svg", "png" };
	char from[2][PATH_MAX], to[2][PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		if (xsnprintf(from[i], PATH_MAX, "%s/chart.%s", scratch, exts[i]) ||
		    xsnprintf(to[i], PATH_MAX, "%s/%s.%s", dir, out_base, exts[i]))
			return diag_set(d, -ENAMETOOLONG, "cannot draw chart '%s': path too long",
					out_base);
		if (stat(from[i], &st) || st.st_size == 0)
			return diag_set(d, -EIO, "cannot draw chart '%s': gnuplot wrote no %s",
					out_base, exts[i]);
	}
	for (size_t i = 0; i < 2; i++)
		if (rename(from[i], to[i]))
			return diag_set(d, -errno, "cannot write chart '%s': %s", to[i],
					strerror(errno));
	return 0;
}

int chart_render(const struct chart_spec *c, const char *dir, const char *out_base,
		 struct diag *d)
{
	_cleanup_free_ char *gnuplot = NULL;
	char absdir[PATH_MAX], scratch[PATH_MAX], script[PATH_MAX], params[160], why[256];
	const char *kind, *gpdir;
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	unsigned w, h;
	bool made = false;
	int ret;

	ret = chart_check_out_base(out_base, d);
	if (ret)
		return ret;
	if (!c || !dir || !*dir)
		return diag_set(d, -EINVAL, "cannot draw chart '%s': no spec or directory", out_base);
	ret = chart_check(c, d);
	if (ret)
		return diag_prefix(d, "chart '%s'", out_base);
	kind = chart_kind_name(c->kind);

	gnuplot = spawn_which("gnuplot");
	if (!gnuplot)
		return diag_set(d, -ENOENT, "cannot draw chart '%s': 'gnuplot' not found in PATH",
				out_base);
	gpdir = chart_script_dir();
	if (!gpdir)
		return diag_set(d, -ENOENT, "cannot draw chart '%s': gnuplot scripts not found", out_base);
	if (xsnprintf(script, sizeof(script), "%s/%s.gp", gpdir, kind) ||
	    !chart_file_exists(gpdir, strrchr(script, '/') + 1))
		return diag_set(d, -ENOENT, "cannot draw chart '%s': no script '%s'", out_base, script);

	/* Absolute, so no path gnuplot sees can start with '<' or '|'
	 * (gnuplot's pipe syntax for file names). */
	if (dir[0] == '/') {
		ret = xsnprintf(absdir, sizeof(absdir), "%s", dir);
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return diag_set(d, -errno, "cannot draw chart '%s': getcwd: %s", out_base,
					strerror(errno));
		ret = xsnprintf(absdir, sizeof(absdir), "%s/%s", cwd, dir);
	}
	if (ret == 0)
		ret = xsnprintf(scratch, sizeof(scratch), "%s/.chart-XXXXXX", absdir);
	if (ret)
		return diag_set(d, ret, "cannot draw chart '%s': directory path too long", out_base);
	if (!mkdtemp(scratch))
		return diag_set(d, -errno, "cannot create scratch directory in '%s': %s", dir,
				strerror(errno));
	made = true;

	ret = chart_write_data(c, scratch, d);
	if (ret)
		goto out;

	w = c->width_px ? c->width_px : (c->kind == CHART_SPARKLINE ? 120 : 800);
	h = c->height_px ? c->height_px : (c->kind == CHART_SPARKLINE ? 24 : 400);
	snprintf(params, sizeof(params), "W=%u;H=%u;NS=%zu;NM=%zu;NC=%zu;XTIME=%d", w, h,
		 c->n_series, c->n_marks, c->n_categories, c->x_is_time ? 1 : 0);
	{
		/* -d: no ~/.gnuplot or system gnuplotrc, so every chart is
		 * drawn by the repo's scripts alone. */
		const char *const argv[] = { gnuplot, "-d", "-e", params, "-c", script, scratch, gpdir, NULL };

		o.timeout_us = CHART_TIMEOUT_US;
		o.capture_stdout = true;
		o.capture_stderr = true;
		o.capture_max = 64 * 1024;
		ret = spawn_run(argv, &o, &r, d);
	}
	if (ret)
		goto out;
	if (r.timed_out) {
		ret = diag_set(d, -ETIMEDOUT, "cannot draw chart '%s': gnuplot took more than %llu s",
			       out_base, CHART_TIMEOUT_US / 1000000);
		goto out;
	}
	if (r.signaled || r.exit_code != 0) {
		chart_first_error(r.err, why, sizeof(why));
		if (r.signaled)
			ret = diag_set(d, -EIO, "cannot draw chart '%s': gnuplot killed by signal %d",
				       out_base, r.term_signal);
		else
			ret = diag_set(d, -EIO, "cannot draw chart '%s': gnuplot exited with %d%s%s",
				       out_base, r.exit_code, why[0] ? ": " : "", why);
		goto out;
	}
	ret = chart_move(scratch, absdir, out_base, d);
out:
	spawn_result_release(&r);
	if (made)
		chart_scratch_remove(scratch);
	return ret;
}
