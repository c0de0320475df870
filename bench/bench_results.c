/*
 * bench_results: how fast the SQLite store writes and reads runs.
 *
 *   bench_results [-n RUNS] [--db PATH]
 *
 * Stores RUNS runs (default 10 000), each with 10 metrics, 30 intervals,
 * 2 tags, 4 MIB deltas and 2 subflows, one transaction per run as the
 * runner does, spread over 2 scenarios x 4 variants. Then reads them back:
 * all runs fully loaded, one scenario+variant series (what a comparison
 * reads), and a count. Prints the wall time and runs/s of each phase and
 * the database size.
 *
 * The database goes into a fresh temporary directory that is removed at
 * the end, unless --db names a file (which must not exist yet, so the
 * numbers are for a database of exactly RUNS runs).
 *
 * It does not check what is read back beyond counting it (the unit test
 * test_results does).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "exitcodes.h"
#include "mtime.h"
#include "results.h"

static const char *const bench_variants[] = {
	"cc=bbr,scheduler=default",
	"cc=bbr2,scheduler=default",
	"cc=cubic,scheduler=default",
	"cc=reno,scheduler=default",
};

static int bench_fill(struct results_run *run, size_t i)
{
	static const char *const metric_names[] = {
		"goodput_bps", "efficiency", "retransmits", "rtt_us", "cwnd",
		"cpu_pct",     "jitter_us",  "loss_pct",    "join_ms", "fairness",
	};
	struct telemetry_interval iv;
	struct results_subflow sf = { 0 };
	char local[] = "10.0.1.1:40000", remote[] = "10.0.1.2:5201";
	int ret = 0;
	size_t k;

	ret |= results_run_init(run);
	ret |= results_run_set_str(&run->scenario, i % 2 ? "simult-flows" : "backup-path");
	ret |= results_run_set_str(&run->topology, "two-paths");
	ret |= results_run_set_str(&run->variant_key,
				   bench_variants[(i / 2) % ARRAY_SIZE(bench_variants)]);
	ret |= results_run_set_str(&run->engine, "iperf3");
	ret |= results_run_set_str(&run->engine_version, "3.12");
	ret |= results_run_set_str(&run->mptcp_method, "mptcpize");
	run->repetition = (int)(i / 8) + 1;
	run->started_at_us = 1700000000000000ULL + i * 6000000ULL;
	run->finished_at_us = run->started_at_us + 5000000ULL;
	run->load1 = 0.25;
	ret |= results_run_set_str(&run->host.hostname, "lab-box-1");
	ret |= results_run_set_str(&run->host.cpu_model, "Intel(R) Xeon(R) CPU");
	ret |= results_run_set_str(&run->host.governor, "performance");
	run->host.cores = 2;
	ret |= results_run_set_str(&run->kernel.release, i % 3 ? "6.18.0" : "6.17.0");
	ret |= results_run_set_str(&run->kernel.version, "#1 SMP PREEMPT_DYNAMIC");
	ret |= results_run_set_str(&run->kernel.debug, "");
	ret |= results_run_set_str(&run->kernel.boot_mode, "bare-metal");
	ret |= results_run_add_tag(run, "side", i % 2 ? "a" : "b");
	ret |= results_run_add_tag(run, "nightly", "2025-01-01");
	for (k = 0; k < ARRAY_SIZE(metric_names); k++)
		ret |= results_run_add_metric(run, metric_names[k], 1e6 * (double)(k + 1) + (double)i);
	for (k = 0; k < 30; k++) {
		iv = (struct telemetry_interval){ k * 100000, (k + 1) * 100000, 900000 + k,
						72e6 + (double)k, (int64_t)(k % 3) };
		ret |= results_run_add_interval(run, &iv);
	}
	ret |= results_run_add_mib(run, "client", "MPJoinSynAckRx", 1);
	ret |= results_run_add_mib(run, "client", "MPTCPRetrans", 3);
	ret |= results_run_add_mib(run, "server", "MPJoinSynRx", 1);
	ret |= results_run_add_mib(run, "server", "MPJoinAckRx", 1);
	sf.local = local;
	sf.remote = remote;
	for (k = 0; k < 2; k++) {
		sf.id = (uint32_t)k;
		sf.bytes_sent = sf.bytes_acked = 45000000 + k;
		sf.retransmits = (int64_t)k;
		ret |= results_run_add_subflow(run, &sf);
	}
	/* every helper returns 0 or -ENOMEM */
	return ret ? -ENOMEM : 0;
}

struct bench_sum {
	size_t runs, intervals, metrics;
};

static int bench_visit(const struct results_run *run, void *arg)
{
	struct bench_sum *s = arg;

	s->runs++;
	s->intervals += run->n_intervals;
	s->metrics += run->n_metrics;
	return 0;
}

static void bench_print(const char *what, size_t runs, uint64_t us)
{
	printf("%-34s %8zu runs %9.1f ms %10.0f runs/s %8.1f us/run\n", what, runs, us / 1e3,
	       us ? runs * 1e6 / (double)us : 0.0, runs ? (double)us / (double)runs : 0.0);
}

static int bench_rm_db(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char p[4096];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		if (xsnprintf(p, sizeof(p), "%s%s", path, suffixes[i]) < 0)
			return -ENAMETOOLONG;
		unlink(p);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char tmpdir[] = "/tmp/mpl-bench-results-XXXXXX", path[4096];
	const char *db = NULL, *series[1] = { "cc=bbr" };
	struct results_filter f = { 0 };
	struct bench_sum sum = { 0 };
	struct results_run run;
	struct diag d = DIAG_INIT;
	struct results *r = NULL;
	size_t i, n_runs = 10000, n;
	uint64_t t0;
	struct stat st;
	int c, ret, rc = EXIT_SOFTWARE;
	bool own_dir = false;

	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			n_runs = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			db = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n RUNS] [--db PATH]\n", argv[0]);
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (!db) {
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			return EXIT_SOFTWARE;
		}
		own_dir = true;
		snprintf(path, sizeof(path), "%s/bench.db", tmpdir);
		db = path;
	} else if (access(db, F_OK) == 0) {
		fprintf(stderr, "bench_results: '%s' exists; give a new file\n", db);
		return EXIT_USAGE;
	}

	ret = results_open(db, &r, &d);
	if (ret < 0)
		goto fail;
	t0 = mtime_now_us();
	for (i = 0; i < n_runs; i++) {
		ret = bench_fill(&run, i);
		if (ret == 0)
			ret = results_run_store(r, &run, &d);
		results_run_release(&run);
		if (ret < 0)
			goto fail;
	}
	bench_print("store (1 transaction per run)", n_runs, mtime_now_us() - t0);

	t0 = mtime_now_us();
	ret = results_query(r, NULL, bench_visit, &sum, &d);
	if (ret < 0)
		goto fail;
	bench_print("query all, fully loaded", sum.runs, mtime_now_us() - t0);
	if (sum.runs != n_runs || sum.intervals != 30 * n_runs || sum.metrics != 10 * n_runs) {
		fprintf(stderr, "bench_results: read back %zu runs, %zu intervals, %zu metrics\n",
			sum.runs, sum.intervals, sum.metrics);
		goto out;
	}

	memset(&sum, 0, sizeof(sum));
	f.scenario = "simult-flows";
	f.variant_kv = series;
	f.n_variant_kv = 1;
	t0 = mtime_now_us();
	ret = results_query(r, &f, bench_visit, &sum, &d);
	if (ret < 0)
		goto fail;
	bench_print("query one scenario+variant series", sum.runs, mtime_now_us() - t0);

	t0 = mtime_now_us();
	ret = results_count(r, NULL, &n, &d);
	if (ret < 0)
		goto fail;
	bench_print("count all", n, mtime_now_us() - t0);

	results_close(r);
	r = NULL;
	if (stat(db, &st) == 0)
		printf("database size %.1f MiB (%.0f bytes/run)\n", st.st_size / 1048576.0,
		       n_runs ? (double)st.st_size / (double)n_runs : 0.0);
	rc = EXIT_OK;
	goto out;
fail:
	fprintf(stderr, "bench_results: %s\n", diag_str(&d));
out:
	results_close(r);
	if (own_dir) {
		bench_rm_db(db);
		rmdir(tmpdir);
	}
	return rc;
}
