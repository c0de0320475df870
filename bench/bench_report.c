/*
 * bench_report: how long `mptcp-lab report` takes on a big store.
 *
 *   bench_report [-n RUNS] [--store] [--db PATH] [--out DIR]
 *
 * Generates a synthetic database of RUNS runs (default 100 000): 20
 * scenarios x 2 variants, 20 runs a night each, over as many nights as
 * that takes (125 for 100 000), every run with goodput_bps, efficiency,
 * a tag and 5 one-second intervals, the kernel release changing half way
 * and one series 8 % slower on the newest night. Then writes the report
 * as `mptcp-lab report` does (report_pages_write, the library function)
 * and prints how long each part took: reading the runs, the analysis
 * (report_compare over the newest night, report_trend over the history),
 * the charts (their data files and the one gnuplot that draws them all),
 * and the pages. Exit 1 when a chart was not drawn.
 *
 * The database is written one of two ways:
 *  - default: one SQL script in ONE transaction, run by the sqlite3 shell
 *    (spawned with an argv array), into a schema results_open() created;
 *    a few seconds for 100 000 runs;
 *  - --store: results_run_store() per run, one transaction each, as the
 *    runner stores (synchronous=FULL: one fsync per run, so this is as
 *    slow as the disk).
 *
 * Everything goes into a fresh temporary directory that is removed at the
 * end, unless --db / --out name other places (the db must not exist yet).
 * It checks nothing about the report's content (tests/cli/report.sh does).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "exitcodes.h"
#include "mtime.h"
#include "pages.h"
#include "results.h"
#include "spawn.h"

#define BENCH_SCENARIOS 20
#define BENCH_VARIANTS 2
#define BENCH_PER_NIGHT 20
#define BENCH_T0_S 1767225600ull /* 2026-01-01 */

static const char *const bench_variant[BENCH_VARIANTS] = { "cc=cubic,scheduler=default",
							    "cc=bbr,scheduler=default" };

struct bench_gen {
	size_t runs, nights;
};

/* Run i: its scenario, variant, night, repetition, time and goodput. */
static void bench_run_of(const struct bench_gen *g, size_t i, unsigned *scen, unsigned *var,
			 size_t *night, unsigned *rep, uint64_t *t_us, double *goodput)
{
	size_t per_night = BENCH_SCENARIOS * BENCH_VARIANTS * BENCH_PER_NIGHT;

	*night = i / per_night;
	*scen = (unsigned)(i % BENCH_SCENARIOS);
	*var = (unsigned)(i / BENCH_SCENARIOS % BENCH_VARIANTS);
	*rep = (unsigned)(i / (BENCH_SCENARIOS * BENCH_VARIANTS) % BENCH_PER_NIGHT) + 1;
	*t_us = (BENCH_T0_S + *night * 86400 + (i % per_night) * 2) * 1000000ull;
	*goodput = 75e6 * (1 + 0.004 * sin((double)i * 0.7));
	if (*scen == 3 && *var == 0 && *night == g->nights - 1)
		*goodput *= 0.92;
}

static const char *bench_kernel(const struct bench_gen *g, size_t night)
{
	return night < g->nights / 2 ? "6.18.0" : "6.19.0-rc1";
}

static int bench_sql(const struct bench_gen *g, const char *db, const char *dir)
{
	static const char *const kernels[] = { "6.18.0", "6.19.0-rc1" };
	struct spawn_result res = { 0 };
	struct diag d = DIAG_INIT;
	char sql[4096], read_cmd[4200];
	FILE *f;
	int ret;

	snprintf(sql, sizeof(sql), "%s/gen.sql", dir);
	f = fopen(sql, "we");
	if (!f)
		return -errno;
	fputs("PRAGMA synchronous = OFF;\nBEGIN;\n"
	      "INSERT OR IGNORE INTO hosts (hostname, cpu_model, cores, governor) "
	      "VALUES ('bench', 'cpu', 2, '');\n",
	      f);
	for (size_t k = 0; k < 2; k++)
		fprintf(f, "INSERT OR IGNORE INTO kernels (release, version, config_hash, debug, "
			   "boot_mode) VALUES ('%s', 'v', '', '', 'bare-metal');\n",
			kernels[k]);
	for (size_t i = 0; i < g->runs; i++) {
		unsigned scen, var, rep;
		size_t night;
		uint64_t t;
		double gp;

		bench_run_of(g, i, &scen, &var, &night, &rep, &t, &gp);
		fprintf(f, "INSERT INTO runs (uuid, scenario, variant_key, variant_json, repetition, "
			   "started_at_us, finished_at_us, status, host_id, kernel_id) VALUES "
			   "('bench-%zu', 'scenario-%02u', '%s', '{}', %u, %" PRIu64 ", %" PRIu64
			   ", 'ok', 1, (SELECT id FROM kernels WHERE release = '%s'));\n",
			i, scen, bench_variant[var], rep, t, t + 5000000, bench_kernel(g, night));
		fprintf(f, "INSERT INTO metrics VALUES (last_insert_rowid(), 'goodput_bps', %.0f);\n"
			   "INSERT INTO metrics SELECT max(id), 'efficiency', %.4f FROM runs;\n"
			   "INSERT INTO tags SELECT max(id), 'night', 'n%zu' FROM runs;\n",
			gp, gp / 80e6, night);
		for (int k = 0; k < 5; k++)
			fprintf(f, "INSERT INTO intervals (run_id, idx, start_us, end_us, bytes, bps, "
				   "retransmits) SELECT max(id), %d, %d, %d, %.0f, %.0f, 0 FROM runs;\n",
				k, k * 1000000, (k + 1) * 1000000, gp / 8, gp);
	}
	fputs("COMMIT;\n", f);
	if (fclose(f))
		return -errno;
	snprintf(read_cmd, sizeof(read_cmd), ".read %s", sql);
	ret = spawn_run((const char *const[]){ "sqlite3", "-batch", "-bail", db, read_cmd, NULL },
			&(struct spawn_opts){ .netns_fd = -1, .capture_stderr = true,
					      .capture_stdout = true },
			&res, &d);
	if (ret < 0) {
		fprintf(stderr, "bench_report: cannot run sqlite3: %s\n", diag_str(&d));
	} else if (res.signaled || res.exit_code) {
		fprintf(stderr, "bench_report: sqlite3 failed: %s\n", res.err ? res.err : "");
		ret = -EIO;
	}
	spawn_result_release(&res);
	unlink(sql);
	return ret;
}

static int bench_store(const struct bench_gen *g, struct results *db)
{
	struct diag d = DIAG_INIT;
	char scenario[32];
	int ret = 0;

	for (size_t i = 0; i < g->runs && !ret; i++) {
		struct results_run run;
		unsigned scen, var, rep;
		size_t night;
		uint64_t t;
		double gp;

		bench_run_of(g, i, &scen, &var, &night, &rep, &t, &gp);
		snprintf(scenario, sizeof(scenario), "scenario-%02u", scen);
		ret |= results_run_init(&run);
		ret |= results_run_set_str(&run.scenario, scenario);
		ret |= results_run_set_str(&run.variant_key, bench_variant[var]);
		ret |= results_run_set_str(&run.variant_json, "{}");
		ret |= results_run_set_str(&run.host.hostname, "bench");
		ret |= results_run_set_str(&run.host.cpu_model, "cpu");
		ret |= results_run_set_str(&run.kernel.release, bench_kernel(g, night));
		ret |= results_run_set_str(&run.kernel.version, "v");
		ret |= results_run_set_str(&run.kernel.boot_mode, "bare-metal");
		run.repetition = (int)rep;
		run.started_at_us = t;
		run.finished_at_us = t + 5000000;
		run.status = RESULTS_OK;
		run.load1 = -1;
		ret |= results_run_add_metric(&run, "goodput_bps", gp);
		ret |= results_run_add_metric(&run, "efficiency", gp / 80e6);
		for (int k = 0; k < 5; k++) {
			struct telemetry_interval iv = { (uint64_t)k * 1000000,
						       (uint64_t)(k + 1) * 1000000,
						       (uint64_t)(gp / 8), gp, 0 };

			ret |= results_run_add_interval(&run, &iv);
		}
		if (!ret)
			ret = results_run_store(db, &run, &d);
		results_run_release(&run);
	}
	if (ret < 0)
		fprintf(stderr, "bench_report: cannot store a run: %s\n", diag_str(&d));
	return ret;
}

/* user + system time between two getrusage() readings, in s */
static double bench_cpu_s(const struct rusage *a, const struct rusage *b)
{
	return (double)(b->ru_utime.tv_sec - a->ru_utime.tv_sec + b->ru_stime.tv_sec -
			a->ru_stime.tv_sec) +
	       (double)(b->ru_utime.tv_usec - a->ru_utime.tv_usec + b->ru_stime.tv_usec -
			a->ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "store", no_argument, NULL, 's' },
		{},
	};
	struct bench_gen g = { .runs = 100000 };
	char tmpl[] = "/tmp/bench_report.XXXXXX", db_buf[256], out_buf[256];
	const char *db_path = NULL, *out = NULL;
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	bool use_store = false;
	struct report_pages_stats st;
	struct rusage self0, self1, kids0, kids1;
	uint64_t t0, total_us;
	struct stat sb;
	int c, r, ret = EXIT_SOFTWARE;

	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			g.runs = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			db_path = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			use_store = true;
			break;
		default:
			fprintf(stderr, "usage: bench_report [-n RUNS] [--store] [--db PATH] [--out DIR]\n");
			return EXIT_USAGE;
		}
	}
	if (g.runs < BENCH_SCENARIOS * BENCH_VARIANTS * BENCH_PER_NIGHT * 2) {
		fprintf(stderr, "bench_report: -n must be at least %d (two nights)\n",
			BENCH_SCENARIOS * BENCH_VARIANTS * BENCH_PER_NIGHT * 2);
		return EXIT_USAGE;
	}
	g.nights = (g.runs + BENCH_SCENARIOS * BENCH_VARIANTS * BENCH_PER_NIGHT - 1) /
		   (BENCH_SCENARIOS * BENCH_VARIANTS * BENCH_PER_NIGHT);
	if (!mkdtemp(tmpl)) {
		perror("bench_report: mkdtemp");
		return EXIT_SOFTWARE;
	}
	if (!db_path) {
		snprintf(db_buf, sizeof(db_buf), "%s/lab.db", tmpl);
		db_path = db_buf;
	}
	if (!out) {
		snprintf(out_buf, sizeof(out_buf), "%s/report", tmpl);
		out = out_buf;
	}
	if (stat(db_path, &sb) == 0) {
		fprintf(stderr, "bench_report: '%s' exists already\n", db_path);
		goto out;
	}
	if (results_open(db_path, &db, &d) < 0) {
		fprintf(stderr, "bench_report: %s\n", diag_str(&d));
		goto out;
	}
	printf("generating %zu runs (%d scenarios x %d variants x %d a night, %zu nights) %s\n",
	       g.runs, BENCH_SCENARIOS, BENCH_VARIANTS, BENCH_PER_NIGHT, g.nights,
	       use_store ? "with results_run_store(), one transaction per run" :
			   "with one SQL transaction run by sqlite3");
	t0 = mtime_now_us();
	if (use_store) {
		if (bench_store(&g, db) < 0)
			goto out;
		results_close(db);
		db = NULL;
	} else {
		results_close(db);
		db = NULL;
		if (bench_sql(&g, db_path, tmpl) < 0)
			goto out;
	}
	printf("generated in %.1f s\n", (mtime_now_us() - t0) / 1e6);
	fflush(stdout);

	if (results_open(db_path, &db, &d) < 0) {
		fprintf(stderr, "bench_report: %s\n", diag_str(&d));
		goto out;
	}
	getrusage(RUSAGE_SELF, &self0);
	getrusage(RUSAGE_CHILDREN, &kids0);
	t0 = mtime_now_us();
	r = report_pages_write(db, &(struct report_pages_opts){ .out_dir = out }, NULL, &st, &d);
	total_us = mtime_now_us() - t0;
	getrusage(RUSAGE_SELF, &self1);
	getrusage(RUSAGE_CHILDREN, &kids1);
	if (r < 0) {
		fprintf(stderr, "bench_report: %s\n", diag_str(&d));
		goto out;
	}
	printf("report of %zu runs: %zu series, %zu scenarios, %zu charts (%zu not drawn) by %zu gnuplot\n",
	       st.n_runs, st.n_series, st.n_scenarios, st.n_charts, st.n_charts_failed,
	       st.n_gnuplots);
	printf("  reading the runs   %7.2f s\n", st.query_us / 1e6);
	printf("  analysis           %7.2f s   (report_compare %.2f s, report_trend %.2f s)\n",
	       st.analysis_us / 1e6, st.compare_us / 1e6, st.trend_us / 1e6);
	printf("  charts             %7.2f s   (writing their data, waiting for gnuplot)\n",
	       st.charts_us / 1e6);
	printf("  pages              %7.2f s\n", st.pages_us / 1e6);
	printf("  total              %7.2f s   %s/index.html\n", total_us / 1e6, out);
	/* CPU time, which other work on the machine does not inflate the way
	 * it does the wall clock */
	printf("  cpu                %7.2f s   in this process, %.2f s in gnuplot\n",
	       bench_cpu_s(&self0, &self1), bench_cpu_s(&kids0, &kids1));
	ret = st.n_charts_failed ? EXIT_SOFTWARE : EXIT_OK;
out:
	results_close(db);
	if (!strncmp(db_path, tmpl, strlen(tmpl)) && !strncmp(out, tmpl, strlen(tmpl))) {
		const char *argv_rm[] = { "rm", "-rf", tmpl, NULL };
		struct spawn_result res = { 0 };

		spawn_run(argv_rm, &(struct spawn_opts){ .netns_fd = -1 }, &res, &d);
		spawn_result_release(&res);
	} else {
		rmdir(tmpl);
	}
	return ret;
}
