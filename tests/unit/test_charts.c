/*
 * test_charts.c: gnuplot charts (report/charts.c, the report/gnuplot scripts),
 * without privileges, into a scratch directory under /tmp:
 *  - every kind renders: OUT.svg and OUT.png exist, are non-empty, the
 *    SVG is well-formed XML (xmllint --noout when installed, else a tag
 *    balance check here) and the PNG starts with the PNG signature; the
 *    scratch directory is gone afterwards; the render time is printed;
 *  - hostile labels (backquotes, $(...), "; system(...)", '!' and '<'
 *    commands, <script>, quotes, newlines, '%' formats, '@' macros, '#',
 *    invalid UTF-8) in title, axis labels, legend names, marks and
 *    categories, and an output directory with quotes and spaces: the
 *    chart renders, no marker file is created, each label appears in the
 *    SVG as text (XML-escaped; newlines as spaces), no <script> element;
 *  - 1000 points per series (3 series) renders;
 *  - a 1000-byte label, NaN gaps, an empty series, a relative output
 *    directory, and a ~/.gnuplot that would run a command (ignored);
 *  - a bad spec and a bad output name are refused with -EINVAL and write
 *    nothing.
 *
 * Exit 77 when gnuplot is not installed (a failure with MPL_STRICT=1);
 * MPL_TEST_KEEP=1 keeps the files.
 * Each check prints a line; the first failure exits 1.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "charts.h"
#include "mtime.h"
#include "spawn.h"
#include "check.h"

static char tmpdir[] = "/tmp/mpl-test-charts-XXXXXX";
static char marker[8][128];

static void remove_markers(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(marker); i++)
		if (marker[i][0])
			unlink(marker[i]);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Well-formed without xmllint: every <tag> closed in order. Enough for
 * gnuplot's SVG (no CDATA, comments only in the prologue). */
static bool xml_balanced(const char *s)
{
	char stack[64][64];
	int depth = 0;

	while ((s = strchr(s, '<'))) {
		const char *end = strchr(s, '>');
		size_t n;

		if (!end)
			return false;
		if (s[1] == '?' || s[1] == '!') {
			if (strncmp(s, "<!--", 4) == 0) {
				end = strstr(s, "-->");
				if (!end)
					return false;
			}
			s = end + 1;
			continue;
		}
		if (s[1] == '/') {
			n = strcspn(s + 2, " \t\n>");
			if (depth == 0 || strlen(stack[depth - 1]) != n ||
			    strncmp(stack[depth - 1], s + 2, n))
				return false;
			depth--;
		} else if (end[-1] != '/') {
			n = strcspn(s + 1, " \t\n/>");
			if (depth == 64 || n >= 64)
				return false;
			memcpy(stack[depth], s + 1, n);
			stack[depth++][n] = '\0';
		}
		s = end + 1;
	}
	return depth == 0;
}

static bool xml_ok(const char *path, const char *text)
{
	_cleanup_free_ char *xmllint = spawn_which("xmllint");
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;
	bool ok;

	if (!xmllint)
		return xml_balanced(text);
	{
		const char *const argv[] = { xmllint, "--noout", "--nonet", path, NULL };

		o.timeout_us = 10000000;
		o.capture_stderr = true;
		if (spawn_run(argv, &o, &r, &d)) {
			fprintf(stderr, "xmllint: %s\n", diag_str(&d));
			return false;
		}
	}
	ok = !r.timed_out && !r.signaled && r.exit_code == 0;
	if (!ok)
		fprintf(stderr, "xmllint: %s\n", r.err ? r.err : "");
	spawn_result_release(&r);
	return ok;
}

/* The SVG's text with the five XML entities decoded, to find labels in. */
static char *xml_unescape(const char *s)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' },
	};
	char *out = malloc(strlen(s) + 1), *o = out;

	while (out && *s) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(ents); i++)
			if (strncmp(s, ents[i].ent, strlen(ents[i].ent)) == 0)
				break;
		if (i < ARRAY_SIZE(ents)) {
			*o++ = ents[i].c;
			s += strlen(ents[i].ent);
		} else {
			*o++ = *s++;
		}
	}
	if (out)
		*o = '\0';
	return out;
}

/* Renders c as DIR/BASE, checks both files; returns the SVG text. */
static char *render_ok(const struct chart_spec *c, const char *dir, const char *base)
{
	static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	struct diag d = DIAG_INIT;
	char path[4096];
	_cleanup_free_ char *png = NULL;
	char *svg;
	size_t len;
	uint64_t t0 = mtime_now_us();
	int ret = chart_render(c, dir, base, &d);
	uint64_t t1 = mtime_now_us();

	REQUIRE(ret == 0, "chart_render(%s, '%s'): %s", chart_kind_name(c->kind), base, diag_str(&d));
	printf("info: render %-9s %-10s %7.1f ms\n", chart_kind_name(c->kind), base,
	       (double)(t1 - t0) / 1000.0);

	snprintf(path, sizeof(path), "%s/%s.png", dir, base);
	png = slurp(path, &len);
	if (c->png) {
		REQUIRE(png && len > sizeof(png_sig), "'%s' missing or empty", path);
		REQUIRE(memcmp(png, png_sig, sizeof(png_sig)) == 0, "'%s' has no PNG signature", path);
	} else {
		REQUIRE(!png, "'%s' drawn, but no PNG was asked for", path);
	}

	snprintf(path, sizeof(path), "%s/%s.svg", dir, base);
	svg = slurp(path, &len);
	REQUIRE(svg && len > 0, "'%s' missing or empty", path);
	REQUIRE(strstr(svg, "<svg"), "'%s' has no <svg element", path);
	REQUIRE(xml_ok(path, svg), "'%s' is not well-formed XML", path);
	printf("ok %u - %s chart '%s': svg %zu bytes, %s, XML well-formed\n", check_count,
	       chart_kind_name(c->kind), base, len, c->png ? "png ok" : "no png asked");
	return svg;
}

/* No scratch directory (.chart-XXXXXX) left in dir. */
static void check_no_scratch(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;

	REQUIRE(dp, "cannot open '%s'", dir);
	while ((e = readdir(dp)))
		REQUIRE(strncmp(e->d_name, ".chart-", 7) != 0, "scratch '%s' left in '%s'", e->d_name, dir);
	closedir(dp);
}

static bool file_exists(const char *dir, const char *base, const char *ext)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.%s", dir, base, ext);
	return access(path, F_OK) == 0;
}

static void check_markers(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(marker); i++)
		REQUIRE(access(marker[i], F_OK) != 0, "marker '%s' was created: a label ran a command",
		      marker[i]);
}

/* label as it must read in the SVG: control characters as spaces, bytes
 * that are not UTF-8 as '?'. */
static void expected_text(const char *label, char *out, size_t size)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)label; *p && o + 1 < size; p++)
		out[o++] = *p < 0x20 ? ' ' : (*p == 0xff || *p == 0xfe) ? '?' : (char)*p;
	out[o] = '\0';
}

static void check_label(const char *svg_text, const char *label)
{
	char want[512];

	expected_text(label, want, sizeof(want));
	REQUIRE(strstr(svg_text, want), "label '%s' not found as text in the SVG", want);
}

int main(void)
{
	_cleanup_free_ char *gp = spawn_which("gnuplot");
	static double x[1000], y[3][1000], lo[3][1000], hi[3][1000], cx[40], cy[2][40];
	char hostile_dir[4200], label[16][256];
	const char *names[3] = { "baseline", "candidate", "third" };
	struct chart_series series[3];
	struct chart_mark marks[4];
	struct chart_spec c;
	struct diag d = DIAG_INIT;
	const char *const cats[] = { "default", "redundant" };
	int pid = (int)getpid();

	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!gp)
		check_skip("gnuplot is not installed (Debian package gnuplot-nox)");
	check_tmpdir_make(tmpdir);
	atexit(remove_markers);
	REQUIRE(chart_script_dir() != NULL, "no gnuplot script directory");
	printf("info: gnuplot %s, scripts in %s\n", gp, chart_script_dir());

	/* Data: 3 series of 1000 points, nightly (x = epoch seconds). */
	for (int k = 0; k < 1000; k++) {
		x[k] = 1793491200.0 + 86400.0 * k;
		for (int i = 0; i < 3; i++) {
			y[i][k] = 70e6 + 5e6 * i + 2e6 * sin(k / 40.0 + i) - (k > 600 ? 4e6 : 0);
			lo[i][k] = y[i][k] - 1e6;
			hi[i][k] = y[i][k] + 1e6;
		}
	}
	for (int k = 0; k < 40; k++) {
		cx[k] = k % 2;			     /* category 0 or 1 */
		cy[0][k] = 72e6 + (k * 7919 % 100) * 1e4;
		cy[1][k] = 69e6 + (k * 104729 % 100) * 1e4;
	}

	/* 1. Every kind, plain labels; 1000 points per series for TREND. */
	for (int i = 0; i < 3; i++)
		series[i] = (struct chart_series){ .name = names[i], .x = x, .y = y[i],
						   .lo = lo[i], .hi = hi[i], .n = 1000 };
	marks[0] = (struct chart_mark){ .x = x[600], .label = "change point" };
	marks[1] = (struct chart_mark){ .x = x[300], .label = "6.18.1" };
	c = (struct chart_spec){ .kind = CHART_TREND, .title = "goodput, 2 paths", .xlabel = "night",
				 .ylabel = "goodput (bit/s)", .x_is_time = true, .series = series,
				 .n_series = 3, .marks = marks, .n_marks = 2, .png = true,
				 .y_si = true };
	free(render_ok(&c, tmpdir, "trend"));

	series[0] = (struct chart_series){ .name = "baseline", .x = cx, .y = cy[0], .n = 40 };
	series[1] = (struct chart_series){ .name = "candidate", .x = cx, .y = cy[1], .n = 40 };
	c = (struct chart_spec){ .kind = CHART_POINTS, .title = "runs", .ylabel = "goodput (bit/s)",
				 .series = series, .n_series = 2, .categories = cats, .n_categories = 2,
				 .png = true };
	free(render_ok(&c, tmpdir, "points"));

	/* Per-subflow over 30 s, 0.1 s samples (x from 0); subflow 2 joins
	 * at 5 s, on an x grid of its own. */
	{
		static double t[300], t2[250], a[300], b[250], cw[2][300];

		for (int k = 0; k < 300; k++) {
			t[k] = k * 0.1;
			a[k] = 50e6 + 1e6 * sin(k / 9.0);
			cw[0][k] = 10 + (k % 50);
			cw[1][k] = 10 + ((k + 25) % 50);
		}
		for (int k = 0; k < 250; k++) {
			t2[k] = 5.0 + k * 0.1 + 0.05;
			b[k] = 30e6 + 1e6 * cos(k / 7.0);
		}
		series[0] = (struct chart_series){ .name = "subflow 1", .x = t, .y = a, .n = 300 };
		series[1] = (struct chart_series){ .name = "subflow 2", .x = t2, .y = b, .n = 250 };
		marks[0] = (struct chart_mark){ .x = 12.0, .label = "link 1 down" };
		marks[1] = (struct chart_mark){ .x = 18.0, .label = "link 1 up" };
		c = (struct chart_spec){ .kind = CHART_STACKED, .title = "throughput per subflow",
					 .xlabel = "time (s)", .ylabel = "bit/s", .series = series,
					 .n_series = 2, .marks = marks, .n_marks = 2, .png = true };
		free(render_ok(&c, tmpdir, "stacked"));
		{
			static double ideal[300];
			char *svg;

			for (int k = 0; k < 300; k++)
				ideal[k] = k < 120 ? 80e6 : 50e6;
			series[2] = (struct chart_series){ .name = "ideal", .x = t, .y = ideal, .n = 300,
							   .dashed = true };
			c.n_series = 3;
			c.n_overlay = 1;
			svg = render_ok(&c, tmpdir, "stacked-ideal");
			REQUIRE(strstr(svg, "ideal"), "the overlay line has no legend entry");
			free(svg);
			c.n_series = 2;
			c.n_overlay = 0;
		}

		series[0] = (struct chart_series){ .name = "subflow 1", .x = t, .y = cw[0], .n = 300 };
		series[1] = (struct chart_series){ .name = "subflow 2", .x = t, .y = cw[1], .n = 300 };
		c.kind = CHART_LINES;
		c.title = "cwnd per subflow";
		c.ylabel = "cwnd (segments)";
		free(render_ok(&c, tmpdir, "lines"));
	}

	series[0] = (struct chart_series){ .name = "x", .x = x, .y = y[0], .n = 60 };
	c = (struct chart_spec){ .kind = CHART_SPARKLINE, .series = series, .n_series = 1,
				 .width_px = 120, .height_px = 24, .x_is_time = true, .png = true };
	free(render_ok(&c, tmpdir, "spark"));

	/* A trend of one night: a point with its CI, on a fixed range of two
	 * days around it; a CDF of two sides. */
	{
		static const double ox[1] = { 1793491200.0 }, oy[1] = { 7.2e7 }, olo[1] = { 7.1e7 },
				    ohi[1] = { 7.3e7 };
		static double ex[2][41], ey[2][41];

		series[0] = (struct chart_series){ .name = "one night", .x = ox, .y = oy, .lo = olo,
						   .hi = ohi, .n = 1 };
		c = (struct chart_spec){ .kind = CHART_TREND, .title = "one night", .x_is_time = true,
					 .series = series, .n_series = 1, .x_min = ox[0] - 86400,
					 .x_max = ox[0] + 86400 };
		free(render_ok(&c, tmpdir, "trend-one"));
		for (int k = 0; k <= 40; k++) {
			ex[0][k] = 70 + k * 0.1;
			ex[1][k] = 68 + k * 0.1;
			ey[0][k] = ey[1][k] = k / 40.0;
		}
		series[0] = (struct chart_series){ .name = "baseline", .x = ex[0], .y = ey[0], .n = 41,
						   .colour = 1, .dashed = true };
		series[1] = (struct chart_series){ .name = "candidate", .x = ex[1], .y = ey[1],
						   .n = 41, .colour = 1 };
		c = (struct chart_spec){ .kind = CHART_CDF, .title = "cdf", .xlabel = "Mbit/s",
					 .series = series, .n_series = 2 };
		free(render_ok(&c, tmpdir, "cdf"));
	}
	check_no_scratch(tmpdir);

	/* 2. Hostile labels everywhere, into a hostile directory name. */
	for (size_t i = 0; i < ARRAY_SIZE(marker); i++)
		snprintf(marker[i], sizeof(marker[i]), "/tmp/mpl-pwned-%d-%zu", pid, i);
	snprintf(label[0], 256, "`touch %s`", marker[0]);
	snprintf(label[1], 256, "$(touch %s)", marker[1]);
	snprintf(label[2], 256, "\"; system(\"touch %s\"); print \"", marker[2]);
	snprintf(label[3], 256, "'; system('touch %s'); print '", marker[3]);
	snprintf(label[4], 256, "<script>alert(1)</script> & <b>bold</b>");
	snprintf(label[5], 256, "line one\nline two\r\tx; ! touch %s", marker[4]);
	snprintf(label[6], 256, "< touch %s", marker[5]);
	snprintf(label[7], 256, "| touch %s", marker[6]);
	snprintf(label[8], 256, "%%s %%n %%d @TITLE @ARG1 #hash \\\" it's");
	snprintf(label[9], 256, "caf\xc3\xa9 \xff\xfe bytes");
	snprintf(label[10], 256, "# starts like a comment `touch %s`", marker[7]);
	snprintf(hostile_dir, sizeof(hostile_dir), "%s/it's a \"dir\" $(id) `id`; x", tmpdir);
	REQUIRE(mkdir(hostile_dir, 0700) == 0, "mkdir '%s': %s", hostile_dir, strerror(errno));

	for (int kind = CHART_TREND; kind < CHART_KINDS_; kind++) {
		const char *hcats[] = { label[4], label[8] };
		char base[32], *svg, *text;

		for (int i = 0; i < 3; i++)
			series[i] = (struct chart_series){ .name = label[i == 0 ? 2 : i == 1 ? 6 : 9],
							   .x = kind == CHART_POINTS ? cx : x,
							   .y = kind == CHART_POINTS ? cy[i % 2] : y[i],
							   .lo = kind == CHART_TREND ? lo[i] : NULL,
							   .hi = kind == CHART_TREND ? hi[i] : NULL,
							   .n = 40 };
		marks[0] = (struct chart_mark){ .x = x[10], .label = label[3],
						.kind = CHART_MARK_CHANGE };
		marks[1] = (struct chart_mark){ .x = x[20], .label = label[5],
						.kind = CHART_MARK_EVENT };
		marks[2] = (struct chart_mark){ .x = x[30], .label = label[7], .kind = CHART_MARK_PM };
		marks[3] = (struct chart_mark){ .x = x[35], .label = label[10],
						.kind = CHART_MARK_KERNEL };
		c = (struct chart_spec){ .kind = kind, .title = label[0], .xlabel = label[1],
					 .ylabel = label[4], .x_is_time = kind != CHART_POINTS,
					 .series = series, .n_series = 3, .marks = marks,
					 .n_marks = kind == CHART_POINTS ? 0 : 4,
					 .categories = kind == CHART_POINTS ? hcats : NULL,
					 .n_categories = kind == CHART_POINTS ? 2 : 0,
					 .png = kind % 2 == 0 };
		snprintf(base, sizeof(base), "hostile-%s", chart_kind_name(kind));
		svg = render_ok(&c, hostile_dir, base);
		check_markers();
		REQUIRE(!strstr(svg, "<script") && !strstr(svg, "<b>"), "an injected element in '%s'",
		      base);
		text = xml_unescape(svg);
		REQUIRE(text, "out of memory");
		if (kind != CHART_SPARKLINE) {
			check_label(text, label[0]);
			check_label(text, label[1]);
			check_label(text, label[4]);
			check_label(text, label[2]);
			check_label(text, label[6]);
			check_label(text, label[9]);
		}
		if (kind == CHART_POINTS) {
			check_label(text, label[8]);
		} else if (kind != CHART_SPARKLINE) {
			check_label(text, label[3]);
			check_label(text, label[5]);
			check_label(text, label[7]);
			check_label(text, label[10]);
		}
		printf("ok %u - hostile labels in %s: rendered as text, no marker file\n", check_count,
		       chart_kind_name(kind));
		free(text);
		free(svg);
	}
	/* Each hostile label alone in every slot at once, so a script that
	 * mishandles any one slot is caught by every kind of attack. */
	for (int i = 0; i <= 10; i++) {
		char base[32], *svg, *text;

		series[0] = (struct chart_series){ .name = label[i], .x = x, .y = y[0], .n = 20 };
		marks[0] = (struct chart_mark){ .x = x[5], .label = label[i] };
		c = (struct chart_spec){ .kind = CHART_LINES, .title = label[i], .xlabel = label[i],
					 .ylabel = label[i], .x_is_time = true, .series = series,
					 .n_series = 1, .marks = marks, .n_marks = 1, .width_px = 640,
					 .height_px = 320 };
		snprintf(base, sizeof(base), "label-%d", i);
		svg = render_ok(&c, hostile_dir, base);
		check_markers();
		text = xml_unescape(svg);
		REQUIRE(text, "out of memory");
		check_label(text, label[i]);
		free(text);
		free(svg);
	}
	printf("ok %u - each hostile label in every slot: text, no marker file\n", check_count);
	check_no_scratch(hostile_dir);
	check_markers();

	/* 3. Odd data: a 1000-byte label (cut to CHART_LABEL_MAX), NaN gaps,
	 * an empty series; a relative directory; a ~/.gnuplot that would
	 * run a command (gnuplot must not read it: -d). */
	{
		static char longlabel[1001];
		static double gy[40];
		char rcpath[4200];
		FILE *rc;

		memset(longlabel, 'A', 1000);
		for (int k = 0; k < 40; k++)
			gy[k] = k % 7 == 3 ? (double)NAN : (double)k;
		snprintf(rcpath, sizeof(rcpath), "%s/.gnuplot", tmpdir);
		rc = fopen(rcpath, "w");
		REQUIRE(rc, "cannot write '%s'", rcpath);
		fprintf(rc, "system(\"touch %s\")\n", marker[7]);
		fclose(rc);
		REQUIRE(setenv("HOME", tmpdir, 1) == 0, "setenv");
		REQUIRE(chdir(tmpdir) == 0, "chdir");
		REQUIRE(mkdir("rel", 0700) == 0, "mkdir rel");
		series[0] = (struct chart_series){ .name = longlabel, .x = x, .y = gy, .n = 40 };
		series[1] = (struct chart_series){ .name = "empty", .x = NULL, .y = NULL, .n = 0 };
		c = (struct chart_spec){ .kind = CHART_LINES, .title = longlabel, .series = series,
					 .n_series = 2 };
		free(render_ok(&c, "rel", "odd"));
		check_markers();
		check_no_scratch("rel");
		printf("ok %u - long label, NaN gaps, empty series, relative dir, ~/.gnuplot ignored\n",
		       check_count);
	}

	/* 4. A batch of 12 charts, one gnuplot: chart 3 fails inside gnuplot,
	 * chart 9 has a bad spec; every other chart is drawn and the two
	 * failed ones say why. Then gnuplot exits while drawing chart 7 (as a
	 * crash would): the charts after it are drawn by a second gnuplot. */
	for (int round = 0; round < 2; round++) {
		struct chart_batch *b = NULL;
		const char *why;
		char base[32];

		REQUIRE(setenv("MPL_CHART_FAULT", round ? "7:exit" : "3:error", 1) == 0, "setenv");
		REQUIRE(chart_batch_new(tmpdir, &b, &d) == 0, "chart_batch_new: %s", diag_str(&d));
		for (int i = 0; i < 12; i++) {
			series[0] = (struct chart_series){ .name = "x", .x = x, .y = y[0],
							   .n = (size_t)(i == 9 ? 0 : 30 + i) };
			c = (struct chart_spec){ .kind = (enum chart_kind)(i % CHART_KINDS_),
						 .series = series, .n_series = 1, .x_is_time = true,
						 .png = i == 5 };
			snprintf(base, sizeof(base), "batch%d-%d", round, i);
			REQUIRE(chart_batch_add(b, &c, base, &d) == i, "chart_batch_add %d: %s", i,
			      diag_str(&d));
		}
		REQUIRE(chart_batch_draw(b, &d) == 0, "chart_batch_draw: %s", diag_str(&d));
		for (int i = 0; i < 12; i++) {
			int err = chart_batch_status(b, (size_t)i, &why);
			bool bad = i == 9 || i == (round ? 7 : 3);

			snprintf(base, sizeof(base), "batch%d-%d", round, i);
			REQUIRE(bad ? err != 0 : err == 0, "chart %d: %d %s", i, err, why);
			REQUIRE(file_exists(tmpdir, base, "svg") == !bad, "chart %d: svg %s", i,
			      bad ? "written" : "missing");
			REQUIRE(file_exists(tmpdir, base, "png") == (i == 5), "chart %d: png", i);
			if (bad)
				printf("info: chart %d failed: %s\n", i, why);
		}
		REQUIRE(strstr(chart_batch_status(b, 9, &why) == -EINVAL ? why : "", "without a finite point"),
		      "chart 9: %s", why);
		chart_batch_status(b, round ? 7 : 3, &why);
		REQUIRE(strstr(why, round ? "exited with 3" : "undefined variable"), "reason: %s", why);
		REQUIRE(chart_batch_procs(b) == (size_t)(round ? 2 : 1), "%zu gnuplot processes",
		      chart_batch_procs(b));
		printf("ok %u - batch round %d: 10 of 12 drawn by %zu gnuplot, the failed ones say why\n",
		       check_count, round, chart_batch_procs(b));
		chart_batch_free(b);
		check_no_scratch(tmpdir);
	}
	unsetenv("MPL_CHART_FAULT");

	/* Started in the background: charts queued while the first gnuplot
	 * draws are drawn by a second; both finish by chart_batch_draw(). */
	{
		struct chart_batch *b = NULL;
		char base[32];

		REQUIRE(chart_batch_new(tmpdir, &b, &d) == 0, "chart_batch_new: %s", diag_str(&d));
		for (int i = 0; i < 6; i++) {
			if (i == 3)
				REQUIRE(chart_batch_start(b, &d) == 0, "chart_batch_start: %s",
				      diag_str(&d));
			series[0] = (struct chart_series){ .name = "x", .x = x, .y = y[0], .n = 50 };
			c = (struct chart_spec){ .kind = CHART_LINES, .series = series, .n_series = 1 };
			snprintf(base, sizeof(base), "async-%d", i);
			REQUIRE(chart_batch_add(b, &c, base, &d) == i, "chart_batch_add: %s", diag_str(&d));
			REQUIRE(chart_batch_status(b, (size_t)i, NULL) == -EAGAIN, "chart %d not queued", i);
		}
		REQUIRE(chart_batch_status(b, 0, NULL) != -EAGAIN, "chart 0 not started");
		REQUIRE(chart_batch_draw(b, &d) == 0, "chart_batch_draw: %s", diag_str(&d));
		for (int i = 0; i < 6; i++) {
			snprintf(base, sizeof(base), "async-%d", i);
			REQUIRE(chart_batch_status(b, (size_t)i, NULL) == 0 && file_exists(tmpdir, base, "svg"),
			      "chart %d not drawn", i);
		}
		REQUIRE(chart_batch_procs(b) == 2, "%zu gnuplot processes", chart_batch_procs(b));
		printf("ok %u - started in the background: 3 + 3 charts by 2 gnuplot\n", check_count);
		chart_batch_free(b);
		check_no_scratch(tmpdir);
	}

	/* 5. Refusals write nothing. */
	c = (struct chart_spec){ .kind = CHART_LINES, .series = series, .n_series = 0 };
	REQUIRE(chart_render(&c, tmpdir, "empty", &d) == -EINVAL, "no series accepted");
	REQUIRE(!file_exists(tmpdir, "empty", "svg"), "a refused chart wrote a file");
	diag_clear(&d);
	c.n_series = 1;
	REQUIRE(chart_render(&c, tmpdir, "../escape", &d) == -EINVAL, "'..' accepted: %s", diag_str(&d));
	diag_clear(&d);
	REQUIRE(chart_render(&c, tmpdir, "/abs", &d) == -EINVAL, "absolute name accepted");
	diag_clear(&d);
	c.kind = (enum chart_kind)42;
	REQUIRE(chart_render(&c, tmpdir, "bad-kind", &d) == -EINVAL, "unknown kind accepted");
	printf("ok %u - bad specs and names refused: %s\n", check_count, diag_str(&d));
	check_no_scratch(tmpdir);

	printf("PASS %u checks\n", check_count);
	return 0;
}
