/*
 * bench_compare: how long `mptcp-lab compare` takes over a large store.
 *
 *   bench_compare [-n RUNS] [--db PATH] [--repeat K] [--cli PATH]
 *
 * Stores RUNS synthetic ok runs (default 10 000), half tagged side=a and
 * half side=b, alternating, over 1 scenario x 10 variants. Each run looks
 * like a real smoke run: 11 metrics, 3 intervals, 30 MIB deltas, 12 noise
 * indicators, 3 tags (each side one invocation, as `run` tags it). Candidate goodput is 3 % lower for two variants,
 * the rest is noise around the same centre. Then, K times (default 3),
 * side by side: report_compare() between side=a and side=b with the
 * default metrics (a bulk scenario: goodput_bps, and efficiency derived
 * from it: 20 series of RUNS/20 values a side, the full rule of
 * stats_verdict.h, bootstrap 2000 resamples each), and the command line
 * `mptcp-lab compare --db PATH --baseline tag:side=a --candidate
 * tag:side=b` spawned (--cli, default the mptcp-lab next to this
 * program's directory; its text output discarded), interleaved. Prints
 * each wall time with the CPU time it used (this process's, or the
 * child's), the medians, the command's median over the library's, and
 * the verdict counts. On a shared machine the CPU times say what the
 * wall times cannot.
 *
 * The database goes into a fresh temporary directory (removed at the end)
 * unless --db names a file; an existing file is reused as is, so repeated
 * timings need not store the runs again.
 *
 * It does not print the comparison itself (test_compare checks it).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"
#include "diag.h"
#include "exitcodes.h"
#include "mtime.h"
#include "results.h"
#include "spawn.h"
#include "stats.h"

#define BENCH_VARIANTS 10

static int bench_fill(struct results_run *run, size_t i, struct stats_rng *rng)
{
	static const char *const metric_names[] = {
		"ideal_goodput_bps", "retransmits", "duration_s", "transfer_us",
		"subflows_seen", "mptcp_joins", "cpu_client_pct", "cpu_server_pct", "load1",
	};
	static const char *const mib_names[] = {
		"MPCapableSYNRX", "MPCapableSYNTX", "MPCapableSYNACKRX", "MPCapableACKRX",
		"MPJoinSynRx", "MPJoinSynAckRx", "MPJoinAckRx", "MPTCPRetrans",
		"DSSNotMatching", "InfiniteMapRx", "OFOQueue", "OFOMerge",
		"NoDSSInWindow", "DuplicateData", "AddAddr", "Echo",
		"RmAddr", "MPPrioTx", "MPFailTx", "RcvPruned",
		"SubflowStale", "SubflowRecover", "SndWndShared", "RcvWndShared",
		"MPCurrEstab", "Blackhole", "MPCapableFallbackACK", "MPCapableFallbackSYNACK",
		"MPFallbackTokenInit", "MPTCPRcvWnd",
	};
	const bool cand = i % 2;
	const size_t variant = (i / 2) % BENCH_VARIANTS;
	/* variants 0 and 1 are 3 % slower on the candidate side */
	const double shift = cand && variant < 2 ? 0.97 : 1.0;
	const double goodput = 75.0e6 * shift * (1 + 0.01 * stats_rng_normal(rng));
	char key[32], num[32];
	int ret = 0;

	ret |= results_run_init(run);
	ret |= results_run_set_str(&run->scenario, "smoke");
	ret |= results_run_set_str(&run->topology, "two-path");
	snprintf(key, sizeof(key), "cc=c%zu", variant);
	ret |= results_run_set_str(&run->variant_key, key);
	ret |= results_run_set_str(&run->engine, "iperf3");
	ret |= results_run_set_str(&run->engine_version, "3.12");
	ret |= results_run_set_str(&run->mptcp_method, "mptcpize");
	ret |= results_run_set_str(&run->host.hostname, "bench-host");
	ret |= results_run_set_str(&run->kernel.release, "6.18.0-bench");
	run->repetition = (int)(i / (2 * BENCH_VARIANTS)) + 1;
	run->started_at_us = 1790000000000000ULL + i * 4000000ULL;
	run->finished_at_us = run->started_at_us + 3000000ULL;
	run->status = RESULTS_OK;
	run->load1 = 0.5;
	ret |= results_run_add_tag(run, "side", cand ? "b" : "a");
	ret |= results_run_add_tag(run, "bench", "compare");
	/* as `run` stores them: one invocation a side */
	ret |= results_run_add_tag(run, "invocation", cand ? "bench-b" : "bench-a");
	ret |= results_run_add_metric(run, "goodput_bps", goodput);
	ret |= results_run_add_metric(run, "efficiency", goodput / 76.5e6);
	for (size_t k = 0; k < ARRAY_SIZE(metric_names); k++)
		ret |= results_run_add_metric(run, metric_names[k], (double)k + 1);
	for (uint64_t k = 0; k < 3; k++) {
		struct telemetry_interval iv = {
			.start_us = k * 1000000, .end_us = (k + 1) * 1000000,
			.bytes = (uint64_t)(goodput / 8), .bits_per_second = goodput,
			.retransmits = 0,
		};

		ret |= results_run_add_interval(run, &iv);
	}
	for (size_t k = 0; k < ARRAY_SIZE(mib_names); k++)
		ret |= results_run_add_mib(run, k % 2 ? "client" : "server", mib_names[k],
					   (int64_t)k);
	for (size_t k = 0; k < 12; k++) {
		char name[16];

		snprintf(name, sizeof(name), "noise%zu", k);
		snprintf(num, sizeof(num), "%zu", k);
		ret |= results_run_add_noise(run, name, num);
	}
	return ret ? -ENOMEM : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* CPU time (user + system) of this process (who RUSAGE_SELF) or of its
 * reaped children (RUSAGE_CHILDREN), in µs. */
static uint64_t cpu_us(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) < 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* The command line's compare over the same database: wall and CPU time.
 * 0, or -1 when it did not run or did not exit 0 or 1. */
static int time_cli(const char *cli, const char *db, uint64_t *wall, uint64_t *cpu)
{
	const char *argv[] = { cli, "compare", "--db", db, "--baseline", "tag:side=a",
			       "--candidate", "tag:side=b", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	struct diag d = DIAG_INIT;
	uint64_t c0 = cpu_us(RUSAGE_CHILDREN), t0 = mtime_now_us();
	int ret = 0;

	o.capture_stdout = o.capture_stderr = true;
	o.timeout_us = 120 * 1000000ULL;
	if (spawn_run(argv, &o, &r, &d) < 0) {
		fprintf(stderr, "bench_compare: %s\n", diag_str(&d));
		return -1;
	}
	*wall = mtime_now_us() - t0;
	*cpu = cpu_us(RUSAGE_CHILDREN) - c0;
	if (r.signaled || r.exit_code > 1) {
		fprintf(stderr, "bench_compare: '%s compare' failed (exit %d): %s\n", cli,
			r.exit_code, r.err ? r.err : "");
		ret = -1;
	}
	spawn_result_release(&r);
	return ret;
}

static void remove_dir(const char *dir, const char *db)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char path[512];

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		snprintf(path, sizeof(path), "%s%s", db, suffixes[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "repeat", required_argument, NULL, 'k' },
		{ "cli", required_argument, NULL, 'c' },
		{},
	};
	const char *tags_a[] = { "side=a" }, *tags_b[] = { "side=b" };
	struct results_filter fa = { .tags = tags_a, .n_tags = 1 };
	struct results_filter fb = { .tags = tags_b, .n_tags = 1 };
	char tmpdir[] = "/tmp/mpl-bench-compare-XXXXXX", dbpath[512];
	struct compare_result r = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	struct stats_rng rng;
	const char *db_arg = NULL;
	char cli[PATH_MAX], self[PATH_MAX];
	unsigned long runs = 10000, repeat = 3;
	size_t existing = 0;
	uint64_t t0, c0, *times = NULL, *cpus = NULL, *cli_times = NULL, *cli_cpus = NULL;
	ssize_t len;
	int c, ret = EXIT_SOFTWARE;
	bool own_dir = false;

	/* the mptcp-lab built next to bench/ */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[len > 0 ? len : 0] = '\0';
	snprintf(cli, sizeof(cli), "%s/../mptcp-lab", dirname(self));
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			runs = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			db_arg = optarg;
			break;
		case 'k':
			repeat = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			snprintf(cli, sizeof(cli), "%s", optarg);
			break;
		default:
			fprintf(stderr,
				"usage: bench_compare [-n RUNS] [--db PATH] [--repeat K] [--cli PATH]\n");
			return EXIT_USAGE;
		}
	}
	if (runs < 2 * BENCH_VARIANTS || !repeat || repeat > 100) {
		fprintf(stderr, "bench_compare: RUNS must be at least %d, K 1..100\n",
			2 * BENCH_VARIANTS);
		return EXIT_USAGE;
	}
	if (db_arg) {
		snprintf(dbpath, sizeof(dbpath), "%s", db_arg);
	} else {
		if (!mkdtemp(tmpdir)) {
			perror("bench_compare: mkdtemp");
			return EXIT_SOFTWARE;
		}
		own_dir = true;
		snprintf(dbpath, sizeof(dbpath), "%s/lab.db", tmpdir);
	}
	times = calloc(repeat, sizeof(*times));
	cpus = calloc(repeat, sizeof(*cpus));
	cli_times = calloc(repeat, sizeof(*cli_times));
	cli_cpus = calloc(repeat, sizeof(*cli_cpus));
	if (!times || !cpus || !cli_times || !cli_cpus)
		goto out;
	if (results_open(dbpath, &db, &d) < 0 || results_count(db, NULL, &existing, &d) < 0) {
		fprintf(stderr, "bench_compare: %s\n", diag_str(&d));
		goto out;
	}
	if (existing && existing != runs) {
		fprintf(stderr, "bench_compare: '%s' holds %zu runs, not %lu\n", dbpath, existing,
			runs);
		goto out;
	}
	if (!existing) {
		stats_rng_seed(&rng, 42);
		printf("storing %lu runs into %s (one transaction each)\n", runs, dbpath);
		fflush(stdout);
		t0 = mtime_now_us();
		for (size_t i = 0; i < runs; i++) {
			struct results_run run;

			if (bench_fill(&run, i, &rng) < 0 || results_run_store(db, &run, &d) < 0) {
				fprintf(stderr, "bench_compare: run %zu: %s\n", i,
					d.err ? diag_str(&d) : "out of memory");
				results_run_release(&run);
				goto out;
			}
			results_run_release(&run);
			if ((i + 1) % 1000 == 0) {
				printf("  %zu stored\n", i + 1);
				fflush(stdout);
			}
		}
		printf("stored in %.1f s\n", (double)(mtime_now_us() - t0) / 1e6);
	}
	results_close(db); /* the command line opens it on its own */
	db = NULL;
	for (unsigned long k = 0; k < repeat; k++) {
		compare_result_release(&r);
		if (results_open(dbpath, &db, &d) < 0) {
			fprintf(stderr, "bench_compare: %s\n", diag_str(&d));
			goto out;
		}
		t0 = mtime_now_us();
		c0 = cpu_us(RUSAGE_SELF);
		if (report_compare(db, &fa, &fb, NULL, &r, &d) < 0) {
			fprintf(stderr, "bench_compare: %s\n", diag_str(&d));
			goto out;
		}
		times[k] = mtime_now_us() - t0;
		cpus[k] = cpu_us(RUSAGE_SELF) - c0;
		results_close(db);
		db = NULL;
		if (time_cli(cli, dbpath, &cli_times[k], &cli_cpus[k]) < 0)
			goto out;
		printf("%lu/%lu: report_compare %.3f s (CPU %.3f s), mptcp-lab compare %.3f s (CPU %.3f s)\n",
		       k + 1, repeat, (double)times[k] / 1e6, (double)cpus[k] / 1e6,
		       (double)cli_times[k] / 1e6, (double)cli_cpus[k] / 1e6);
		fflush(stdout);
	}
	qsort(times, repeat, sizeof(*times), cmp_u64);
	qsort(cpus, repeat, sizeof(*cpus), cmp_u64);
	qsort(cli_times, repeat, sizeof(*cli_times), cmp_u64);
	qsort(cli_cpus, repeat, sizeof(*cli_cpus), cmp_u64);
	printf("runs %lu, series %zu (%zu runs a side each), verdicts: %zu regression, %zu inconclusive, %zu improvement, %zu no change\n",
	       runs, r.n, r.n ? r.series[0].n_base : 0, r.counts[COMPARE_REGRESSION],
	       r.counts[COMPARE_INCONCLUSIVE], r.counts[COMPARE_IMPROVEMENT],
	       r.counts[COMPARE_NO_CHANGE]);
	printf("compare_time_s %.3f (median of %lu; CPU %.3f s)\n", (double)times[repeat / 2] / 1e6,
	       repeat, (double)cpus[repeat / 2] / 1e6);
	printf("cli_time_s %.3f (median of %lu; CPU %.3f s): %.2f x report_compare\n",
	       (double)cli_times[repeat / 2] / 1e6, repeat, (double)cli_cpus[repeat / 2] / 1e6,
	       (double)cli_times[repeat / 2] / (double)times[repeat / 2]);
	ret = EXIT_OK;
out:
	compare_result_release(&r);
	results_close(db);
	free(times);
	free(cpus);
	free(cli_times);
	free(cli_cpus);
	if (own_dir)
		remove_dir(tmpdir, dbpath);
	return ret;
}
