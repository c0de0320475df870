/*
 * test_pages_run: the charts of one run mark the scenario's timed events.
 * A run with per-subflow samples, two path-manager events and three
 * timed events (two applied, one the transfer ended before) must give
 * each of its three charts two orange event marks, at the applied times
 * and labelled with what they did ("path2 down", "path2 up"), besides
 * the one blue path-manager mark; the page lists every timed event with
 * its planned and applied time, path, action and shaping. A run with
 * iperf3's intervals only is drawn on the same time line: its intervals
 * moved by measure_start_us, the marks where they were applied. When
 * gnuplot is here, the drawn SVG carries the labels too.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pages_int.h"

static char tmpdir[] = "/tmp/mpl-test-pages-run-XXXXXX";

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* The batch's scratch directory (DIR/.chart-XXXXXX) while it exists. */
static void scratch_dir(const char *dir, char *out, size_t size)
{
	DIR *dp = opendir(dir);
	struct dirent *e;

	out[0] = '\0';
	while (dp && (e = readdir(dp)))
		if (!strncmp(e->d_name, ".chart-", 7))
			snprintf(out, size, "%s/%s", dir, e->d_name);
	if (dp)
		closedir(dp);
}

/* The labels of chart i, decoded (charts.c: "L b1 b2 ..." a line), one a
 * line, in a malloc'ed string. */
static char *chart_labels(const char *scratch, int i)
{
	char path[512], *raw, *out = NULL, *save = NULL;
	size_t len = 0;
	FILE *m;

	snprintf(path, sizeof(path), "%s/%d-labels.dat", scratch, i);
	raw = slurp(path);
	if (!raw)
		return NULL;
	m = open_memstream(&out, &len);
	for (char *line = strtok_r(raw, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line + 1, *end;

		for (long b = strtol(p, &end, 10); end != p; b = strtol(p, &end, 10)) {
			if (b)
				fputc((int)b, m);
			p = end;
		}
		fputc('\n', m);
	}
	fclose(m);
	free(raw);
	return out;
}

static char *chart_script(const char *scratch, int i)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%d.gp", scratch, i);
	return slurp(path);
}

static void expect_in(const char *text, const char *want, const char *where)
{
	EXPECT(text && strstr(text, want), "%s lacks \"%s\":\n%s", where, want,
	       text ? text : "(none)");
}

/* Two subflows sampled every second for 9 s. */
static void samples(struct pages_run *run)
{
	run->n_smp = 20;
	run->smp = calloc(run->n_smp, sizeof(*run->smp));
	if (!run->smp)
		exit(1);
	for (size_t i = 0; i < run->n_smp; i++) {
		struct telemetry_subflow_sample *s = &run->smp[i];

		s->t_us = (uint64_t)(i / 2) * 1000000;
		s->role = 'c';
		s->subflow_id = (uint32_t)(i % 2);
		s->present = TELEM_BYTES_ACKED | TELEM_CWND | TELEM_SRTT;
		s->bytes_acked = (uint64_t)(i / 2) * 1250000;
		s->cwnd = 10;
		s->srtt_us = 20000;
	}
}

static void timed_events(struct pages_run *run)
{
	run->n_tev = 3;
	run->tev = calloc(run->n_tev, sizeof(*run->tev));
	if (!run->tev)
		exit(1);
	run->tev[0] = (struct telemetry_timed_event){ .planned_us = 3000000, .applied_us = 3004000,
						      .path = "path2", .action = TELEM_EV_LINK_DOWN };
	run->tev[1] = (struct telemetry_timed_event){ .planned_us = 6000000, .applied_us = 6002000,
						      .path = "path2", .action = TELEM_EV_LINK_UP };
	run->tev[2] = (struct telemetry_timed_event){
		.planned_us = 12000000, .applied_us = -1, .path = "path1",
		.action = TELEM_EV_SHAPING, .up = { .rate_bps = 10000000, .delay_us = 5000 },
	};
}

/* The marks of a chart script: "MX[n] = [...]" and "MK[n] = [...]". */
static void expect_marks(const char *gp, const char *where)
{
	expect_in(gp, "array MK[3] = [4, 3, 3]", where);
	expect_in(gp, "array MX[3] = [0.01, 3.004, ", where);
	expect_in(gp, ", 6.00", where);
}

int main(void)
{
	struct pages_out o = { 0 };
	struct pages_run run = { 0 };
	struct diag d = DIAG_INIT;
	char scratch[600], *page = NULL, *t;
	size_t len = 0;
	bool can_draw;
	FILE *f;

	check_tmpdir_make(tmpdir);
	check_must(pages_out_open(&o, tmpdir, NULL, &d), "pages_out_open", &d);
	scratch_dir(tmpdir, scratch, sizeof(scratch));
	CHECK(scratch[0], "the batch has its scratch directory");

	snprintf(run.uuid, sizeof(run.uuid), "00000000-0000-0000-0000-000000000001");
	run.measure_start_us = 250000;
	samples(&run);
	run.n_ev = 2;
	run.ev = calloc(2, sizeof(*run.ev));
	if (!run.ev)
		return 1;
	run.ev[0] = (struct telemetry_pm_event){ .t_us = 10000, .role = 'c', .type = "created" };
	run.ev[1] = (struct telemetry_pm_event){ .t_us = 20000, .role = 'c',
						 .type = "sub_established" };
	timed_events(&run);

	f = open_memstream(&page, &len);
	CHECK(f != NULL, "memstream");
	pages_run_section(&o, f, &run, &(struct pages_run_charts){ .title = "failover", .slug = "t" });
	fclose(f);
	CHECK(chart_batch_count(o.batch) == 3, "three per-subflow charts queued (%zu)",
	      chart_batch_count(o.batch));
	for (int i = 0; i < 3; i++) {
		char where[32];
		char *gp = chart_script(scratch, i), *labels = chart_labels(scratch, i);

		snprintf(where, sizeof(where), "chart %d script", i);
		expect_marks(gp, where);
		snprintf(where, sizeof(where), "chart %d labels", i);
		expect_in(labels, "\npath2 down\npath2 up\n", where);
		EXPECT(labels && !strstr(labels, "path1"), "an event not applied has no mark:\n%s",
		       labels ? labels : "");
		free(gp);
		free(labels);
	}
	expect_in(page, "<tr><td>path2 down</td><td class=\"num\">3.000</td><td class=\"num\">"
			"3.004</td><td>path2</td><td>down</td><td>-</td></tr>", "page");
	expect_in(page, "<tr><td>path2 up</td><td class=\"num\">6.000</td><td class=\"num\">"
			"6.002</td><td>path2</td><td>up</td><td>-</td></tr>", "page");
	expect_in(page, "<tr><td>path1 10 Mbit/s</td><td class=\"num\">12.000</td><td "
			"class=\"weak\">not applied</td><td>path1</td><td>shaping</td><td>up: 10 "
			"Mbit/s, 5 ms delay; down: unshaped</td></tr>", "page");
	expect_in(page, "Orange lines: the scenario's 2 timed events", "page");
	expect_in(page, "Blue dotted marks", "page");
	expect_in(page, "path-manager events</th>", "page");
	EXPECT(strstr(page, "timed event</th>") < strstr(page, "path-manager events</th>"),
	       "the timed events' table comes first");

	/* iperf3's intervals only: moved onto the run's time line */
	free(run.smp);
	run.smp = NULL;
	run.n_smp = 0;
	run.n_iv = 9;
	run.iv = calloc(run.n_iv, sizeof(*run.iv));
	if (!run.iv)
		return 1;
	for (size_t i = 0; i < run.n_iv; i++)
		run.iv[i] = (struct telemetry_interval){ .start_us = i * 1000000,
							 .end_us = (i + 1) * 1000000,
							 .bits_per_second = 20e6 };
	free(page);
	page = NULL;
	f = open_memstream(&page, &len);
	CHECK(f != NULL, "memstream");
	pages_run_section(&o, f, &run, &(struct pages_run_charts){ .title = "iperf", .slug = "i" });
	fclose(f);
	CHECK(chart_batch_count(o.batch) == 4, "one interval chart queued");
	t = chart_script(scratch, 3);
	expect_marks(t, "interval chart script");
	free(t);
	{
		char path[600];

		snprintf(path, sizeof(path), "%s/3-data.dat", scratch);
		t = slurp(path);
		EXPECT(t && !strncmp(t, " 0.25 20", 8), "the first interval starts at 0.25 s:\n%.80s",
		       t ? t : "");
		free(t);
	}
	t = chart_labels(scratch, 3);
	expect_in(t, "\npath2 down\npath2 up\n", "interval chart labels");
	free(t);

	can_draw = chart_script_dir() && system("command -v gnuplot >/dev/null 2>&1") == 0;
	if (can_draw) {
		char path[600];

		check_must(pages_draw(&o, &d), "pages_draw", &d);
		CHECK(pages_chart_ok(&o, 0), "the throughput chart is drawn");
		snprintf(path, sizeof(path), "%s/charts/run-thr-t.svg", tmpdir);
		t = slurp(path);
		expect_in(t, "path2 down", "throughput SVG");
		expect_in(t, "path2 up", "throughput SVG");
		free(t);
	} else {
		check_skip_part("gnuplot or its scripts are missing: the SVG is not checked");
	}
	free(page);
	pages_run_release(&run);
	pages_out_close(&o);
	if (check_failures)
		return check_expect_done("");
	return check_done();
}
