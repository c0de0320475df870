/*
 * bench_verdicts: the verdict rule's false alarms and detections, in
 * tables, on synthetic series (report/stats_sim.c) - what the rule of
 * report/stats_verdict.h answers for a given noise, change and number of
 * runs. A benchmark, not a test: it prints, it asserts nothing
 * (test_verdict_targets asserts the targets).
 *
 *   bench_verdicts [-n SERIES] [--seed S] [--level L]
 *                  [--only runs|nightly|bisect|calibrate|trend|speed|stored]
 *
 * Tables (SERIES series per cell, default 100; rates in % with their 95 %
 * Clopper-Pearson interval):
 *  1. runs: CV 0.25, 0.5, 1, 2, 3 % x change 0, -1, -2, -3, -5 % x runs a
 *     side 5..10, one invocation a side: regression and "no change" rates.
 *     At change 0 the regression rate is the false-alarm rate; at -3 % the
 *     "no change" rate is the rate of real changes called none.
 *  2. nightly: 28 nights x 6 runs against tonight's 6, run CV 0.5 %, night
 *     SD 0, 0.5, 1 % x the same changes: regression (nightly's exit 1),
 *     no change, inconclusive.
 *  3. bisect: bisect-run's batches (5, +2 up to 15, against 10 and 20
 *     baseline runs) per CV x change, bisecting a -3 % regression with its
 *     size known (--effect/--bad) and without: good, bad, skip (125) and
 *     runs per commit.
 *  4. calibrate: the minimum detectable change (80 % power) per CV and
 *     runs, the runs a side needed for 1, 2 and 3 %, and to show no change.
 *  5. speed: the time of one stats_compare() for a few sizes.
 *  6. trend: on which night after a step of 2-8 point SDs trend's change
 *     point search reports it, and how often it finds one in pure noise.
 *  7. stored (only with --only stored: minutes): the nightly judgement on
 *     stored nights, night SD 0-1 %, tonight unchanged or -3 %: the rate
 *     of new regressions (nightly's exit 1), through nightly_judge() and
 *     the store, SERIES hosts a cell.
 * Per series at alpha 0.01 without adjustment (a family of one).
 *
 * Takes a few seconds with the defaults on the lab's 2-core machine.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mtime.h"
#include "nightly.h"
#include "results.h"
#include "stats.h"
#include "stats_dist.h"
#include "stats_sim.h"
#include "stats_verdict.h"

static const double cvs[] = { 0.0025, 0.005, 0.01, 0.02, 0.03 };
static const double shifts[] = { 0.0, -0.01, -0.02, -0.03, -0.05 };
static struct stats_verdict_opts rule = { .higher_is_better = true, .no_shape = true };

/* "12.0 [ 7.1-19.3]": k of n in %, with the 95 % Clopper-Pearson interval. */
static const char *rate(char *buf, size_t size, unsigned k, unsigned n)
{
	double lo = NAN, hi = NAN;

	stats_clopper_pearson(k, n, 0.95, &lo, &hi);
	snprintf(buf, size, "%5.1f [%4.1f-%5.1f]", 100.0 * k / n, 100 * lo, 100 * hi);
	return buf;
}

static int table_runs(unsigned series, uint64_t seed)
{
	char a[40], b[40];

	printf("== 1. one invocation a side: regression %% [95 %% CP] | no change %% [95 %% CP]\n");
	for (size_t c = 0; c < sizeof(cvs) / sizeof(cvs[0]); c++) {
		printf("\nCV %.2f %%\n%-7s", cvs[c] * 100, "change");
		for (size_t n = 5; n <= 10; n++)
			printf(" | %-37zu", n);
		printf("\n");
		for (size_t s = 0; s < sizeof(shifts) / sizeof(shifts[0]); s++) {
			printf("%+5.0f %% ", shifts[s] * 100);
			for (size_t n = 5; n <= 10; n++) {
				const struct stats_sim_design d = { cvs[c], 0, shifts[s], n, n, 1, 1 };
				struct stats_sim_counts k;
				int ret = stats_sim_compare(&d, &rule, series,
							    seed + 1000 * c + 100 * s + n, &k);

				if (ret < 0)
					return ret;
				printf(" | %s %s", rate(a, sizeof(a), k.verdict[STATS_REGRESSION], k.series),
				       rate(b, sizeof(b), k.verdict[STATS_NO_CHANGE], k.series));
			}
			printf("\n");
		}
	}
	return 0;
}

static int table_nightly(unsigned series, uint64_t seed)
{
	static const double nights[] = { 0.0, 0.005, 0.01 };
	char a[40], b[40], c[40];

	printf("\n== 2. nightly: 28 nights x 6 runs vs tonight's 6, run CV 0.5 %%\n");
	printf("%-9s %-7s | %-20s | %-20s | %-20s\n", "night SD", "change", "regression (exit 1)",
	       "no change", "inconclusive");
	for (size_t k = 0; k < sizeof(nights) / sizeof(nights[0]); k++)
		for (size_t s = 0; s < sizeof(shifts) / sizeof(shifts[0]); s++) {
			const struct stats_sim_design d = { 0.005, nights[k], shifts[s], 6, 6, 28, 1 };
			struct stats_sim_counts n;
			int ret = stats_sim_compare(&d, &rule, series, seed + 50 * k + s, &n);

			if (ret < 0)
				return ret;
			printf("%6.1f %%  %+5.0f %% | %s | %s | %s\n", nights[k] * 100, shifts[s] * 100,
			       rate(a, sizeof(a), n.verdict[STATS_REGRESSION], n.series),
			       rate(b, sizeof(b), n.verdict[STATS_NO_CHANGE], n.series),
			       rate(c, sizeof(c), n.verdict[STATS_INCONCLUSIVE], n.series));
		}
	return 0;
}

/*
 * bisect-run per commit, bisecting a -3 % regression: the midpoint rule of
 * stats_bisect_decide() (effect 3 %: good when the 90 % CI lies above
 * -1.5 %, bad when significant and below), and for reference the compare
 * rule (effect unknown, 95 % CI: good only on "no change"), for commits that are good
 * (0 %), carry an unrelated -1 % change, sit at the midpoint (-1.5 %), are
 * the culprit (-3 %) or worse (-5 %).
 */
static int table_bisect(unsigned series, uint64_t seed)
{
	static const double bshifts[] = { 0.0, -0.01, -0.015, -0.03, -0.05 };
	static const size_t bases[] = { 10, 20 };
	static const double effects[] = { 0.03, 0.0 };
	char a[40], b[40], c[40];

	for (size_t e = 0; e < sizeof(effects) / sizeof(effects[0]); e++)
		for (size_t bi = 0; bi < sizeof(bases) / sizeof(bases[0]); bi++) {
			if (effects[e] > 0)
				printf("\n== 3. bisect-run bisecting a -3 %% regression (--effect 3 or --bad): 5 runs, +2 while unsure, up to 15, against %zu baseline runs\n",
				       bases[bi]);
			else
				printf("\n== 3. bisect-run without the regression's size (the compare rule: good only on no change): 5 runs, +2 up to 15, against %zu baseline runs\n",
				       bases[bi]);
			printf("%-7s %-7s | %-20s | %-20s | %-20s | %s\n", "CV", "change",
			       "good (exit 0)", "bad (exit 1)", "skip (exit 125)", "runs/commit");
			for (size_t k = 0; k < sizeof(cvs) / sizeof(cvs[0]); k++)
				for (size_t s = 0; s < sizeof(bshifts) / sizeof(bshifts[0]); s++) {
					const struct stats_sim_bisect d = { cvs[k], bshifts[s], bases[bi],
									    5, 2, 15, effects[e] };
					struct stats_verdict_opts o = rule;
					struct stats_sim_bisect_counts n;
					int ret;

					/* bisect-run's decision CI: 90 % with a size */
					if (!(o.level > 0))
						o.level = effects[e] > 0 ? 0.90 : 0.95;
					ret = stats_sim_bisect(&d, &o, series,
							       seed + 50 * k + s + 1000 * bi, &n);

					if (ret < 0)
						return ret;
					printf("%4.2f %%  %+5.1f %% | %s | %s | %s | %5.1f\n", cvs[k] * 100,
					       bshifts[s] * 100, rate(a, sizeof(a), n.good, n.series),
					       rate(b, sizeof(b), n.bad, n.series),
					       rate(c, sizeof(c), n.skip, n.series), n.mean_runs);
				}
		}
	return 0;
}

static void table_calibrate(void)
{
	static const double wanted[] = { 0.01, 0.02, 0.03 };

	printf("\n== 4. minimum detectable change (80 %% power, alpha 0.01) by runs a side, and runs needed\n");
	printf("%-7s", "CV");
	for (size_t n = 5; n <= 10; n++)
		printf(" %6zu", n);
	printf(" %6d | runs for 1 %%, 2 %%, 3 %% | for no change\n", 20);
	for (size_t k = 0; k < sizeof(cvs) / sizeof(cvs[0]); k++) {
		const struct stats_noise noise = { cvs[k], 0 };

		printf("%4.2f %% ", cvs[k] * 100);
		for (size_t n = 5; n <= 10; n++)
			printf(" %5.2f%%", 100 * stats_min_detectable_change(
						   &noise, &(struct stats_design){ n, n, 1, 1 }, &rule));
		printf(" %5.2f%% |",
		       100 * stats_min_detectable_change(&noise, &(struct stats_design){ 20, 20, 1, 1 },
							 &rule));
		for (size_t w = 0; w < sizeof(wanted) / sizeof(wanted[0]); w++) {
			size_t runs;

			if (stats_runs_needed(&noise, wanted[w], &rule, 200, &runs) == 0)
				printf(" %4zu", runs);
			else
				printf(" >200");
		}
		{
			size_t runs;

			if (stats_runs_for_no_change(&noise, &rule, 200, &runs) == 0)
				printf(" | %4zu", runs);
			else
				printf(" | >200");
		}
		printf("\n");
	}
	printf("(with the floor at max(0.5 %%, one run's SD), a change below the noise is never a regression)\n");
}

/*
 * trend: on which night after a step the trend reports it. A history of
 * 20 nightly points (each the median of a night's runs: relative noise
 * sd_point) then a step of k x sd_point; the history grows a night at a
 * time and trend's search runs on it as report_trend does (E-divisive,
 * regimes of at least 3 points, permutation p < 0.01 by 199 shuffles):
 * the step is reported on the first night its change point is found, at
 * the step's night exactly, worse than trend's 2 % floor. And on pure noise
 * (no step, 30 nights): how often a change point is found at all.
 */
#define TREND_BEFORE 20
#define TREND_AFTER 10
#define TREND_FLOOR 0.02

static int trend_found_at(const double *x, size_t n, uint64_t seed, bool *at_step)
{
	size_t cps[16];
	int got = stats_edivisive_p(x, n, 3, 0.01, 199, seed, cps, NULL, 16);

	*at_step = false;
	if (got < 0)
		return got;
	for (int i = 0; i < got; i++) {
		const size_t c = cps[i];
		const size_t hi = i + 1 < got ? cps[i + 1] : n, lo = i ? cps[i - 1] : 0;
		const double before = stats_median(x + lo, c - lo), after = stats_median(x + c, hi - c);

		if (c == TREND_BEFORE && after / before - 1 < -TREND_FLOOR)
			*at_step = true;
	}
	return got;
}

static int table_trend(unsigned series, uint64_t seed)
{
	static const double sd_points[] = { 0.005, 0.01 };
	static const double sigmas[] = { 2, 3, 4, 5, 8 };
	struct stats_rng r;

	stats_rng_seed(&r, seed + 77);
	printf("\n== 6. trend: the night a step is reported (20 nights, then the step; E-divisive, regimes >= 3 nights,\n"
	       "   p < 0.01 by 199 permutations; found at the step and beyond the 2 %% floor), %% of series by night\n");
	printf("%-9s %-13s |", "point SD", "step");
	for (int k = 1; k <= TREND_AFTER; k++)
		printf(" %5d", k);
	printf(" | %s\n", "later");
	for (size_t p = 0; p < sizeof(sd_points) / sizeof(sd_points[0]); p++)
		for (size_t s = 0; s < sizeof(sigmas) / sizeof(sigmas[0]); s++) {
			const double step = sigmas[s] * sd_points[p];
			unsigned at[TREND_AFTER + 1] = { 0 }, never = 0;

			if (step <= TREND_FLOOR)
				continue; /* the floor would never call it */
			for (unsigned i = 0; i < series; i++) {
				double x[TREND_BEFORE + TREND_AFTER];
				int k;

				for (int n = 0; n < TREND_BEFORE + TREND_AFTER; n++)
					x[n] = 100.0 * (n >= TREND_BEFORE ? 1.0 - step : 1.0) *
					       (1.0 + sd_points[p] * stats_rng_normal(&r));
				for (k = 1; k <= TREND_AFTER; k++) {
					bool hit;
					int ret = trend_found_at(x, TREND_BEFORE + (size_t)k,
								 seed ^ (i * 131u + (unsigned)k), &hit);

					if (ret < 0)
						return ret;
					if (hit)
						break;
				}
				if (k <= TREND_AFTER)
					at[k]++;
				else
					never++;
			}
			printf("%6.1f %%  -%4.1f %% (%.0f SD) |", sd_points[p] * 100, step * 100, sigmas[s]);
			for (int k = 1; k <= TREND_AFTER; k++)
				printf(" %5.1f", 100.0 * at[k] / series);
			printf(" | %5.1f\n", 100.0 * never / series);
		}
	{
		unsigned any = 0;

		for (unsigned i = 0; i < series; i++) {
			double x[TREND_BEFORE + TREND_AFTER];
			size_t cps[16];
			int got;

			for (int n = 0; n < TREND_BEFORE + TREND_AFTER; n++)
				x[n] = 100.0 * (1.0 + 0.01 * stats_rng_normal(&r));
			got = stats_edivisive_p(x, TREND_BEFORE + TREND_AFTER, 3, 0.01, 199,
						seed ^ (i * 977u), cps, NULL, 16);
			if (got < 0)
				return got;
			any += got > 0;
		}
		printf("pure noise, 30 nights: a change point found in %.1f %% of series\n",
		       100.0 * any / series);
	}
	return 0;
}

/*
 * stored: the nightly job's judgement (nightly_judge) on stored nights,
 * the real code path: for each trial a host of its own with 28 nights of
 * 6 runs (run SD 0.5 %, night SD 0, 0.5, 1 %) and tonight's 6, tonight
 * unchanged or 3 % slower; a new regression is nightly's exit 1. The
 * database is in /dev/shm when there is one (every run is a committed
 * transaction).
 */
#define STORED_DAY_US (86400ULL * 1000000ULL)

static int stored_night(struct results *db, const char *host, const char *id, uint64_t t,
			double level, struct stats_rng *r)
{
	for (int i = 0; i < 6; i++) {
		struct results_run run;
		struct diag d = DIAG_INIT;
		int ret = results_run_init(&run);

		ret |= results_run_set_str(&run.scenario, "nightly-sim");
		ret |= results_run_set_str(&run.host.hostname, host);
		ret |= results_run_add_tag(&run, "nightly", id);
		ret |= results_run_add_metric(&run, "goodput_bps",
					      level * (1.0 + 0.005 * stats_rng_normal(r)));
		run.repetition = i + 1;
		run.started_at_us = t + (uint64_t)i * 60000000ULL;
		run.finished_at_us = run.started_at_us + 3000000;
		run.status = RESULTS_OK;
		if (ret == 0)
			ret = results_run_store(db, &run, &d);
		results_run_release(&run);
		if (ret < 0) {
			fprintf(stderr, "bench_verdicts: %s\n", d.err ? diag_str(&d) : "out of memory");
			return ret;
		}
	}
	return 0;
}

/* A fresh database in dir (each trial its own: a host's history is what
 * nightly reads, and a database of every trial would make each read
 * longer than the last). */
static int stored_open(const char *dir, unsigned trial, struct results **db, char *path,
		       size_t size)
{
	struct diag d = DIAG_INIT;

	snprintf(path, size, "%s/t%u.db", dir, trial);
	if (results_open(path, db, &d) < 0) {
		fprintf(stderr, "bench_verdicts: %s\n", diag_str(&d));
		return -EIO;
	}
	return 0;
}

static void stored_remove(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char p[160];

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

/* One trial: 28 nights and tonight on a fresh database; 1 when tonight is
 * a new regression, 0 when not, or a negative errno. */
static int stored_trial(const char *dir, unsigned trial, double night_sd, double tonight,
			struct stats_rng *r)
{
	const uint64_t day0 = 20000ULL * STORED_DAY_US;
	struct nightly_judgement j;
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	char path[160], id[32];
	int ret = stored_open(dir, trial, &db, path, sizeof(path));

	for (unsigned n = 0; n <= 28 && !ret; n++) {
		const double night = 1.0 + night_sd * stats_rng_normal(r);

		snprintf(id, sizeof(id), "n%u", n);
		ret = stored_night(db, "box", id, day0 + n * STORED_DAY_US + 7200000000ULL,
				   100e6 * night * (n == 28 ? 1.0 + tonight : 1.0), r);
	}
	if (!ret) {
		ret = nightly_judge(db,
				    &(struct nightly_judge_opts){
					    .host = "box", .nightly_id = id,
					    .now_us = day0 + 28 * STORED_DAY_US + 3600000000ULL,
					    .store = true },
				    &j, &d);
		if (ret < 0)
			fprintf(stderr, "bench_verdicts: %s\n", diag_str(&d));
		else
			ret = j.n_new > 0;
		nightly_judgement_release(&j);
	}
	results_close(db);
	stored_remove(path);
	return ret;
}

static int table_stored(unsigned series)
{
	static const double nights[] = { 0.0, 0.005, 0.01 };
	static const double tonight[] = { 0.0, -0.03 };
	char dir[64] = "/tmp/bench-verdicts-XXXXXX", a[40];
	struct stats_rng r;
	uint64_t t0 = mtime_now_us();
	unsigned trial = 0;
	int ret = 0;

	if (access("/dev/shm", W_OK) == 0)
		snprintf(dir, sizeof(dir), "/dev/shm/bench-verdicts-XXXXXX");
	if (!mkdtemp(dir))
		return -errno;
	stats_rng_seed(&r, 4711);
	printf("\n== 7. nightly on stored runs (nightly_judge): 28 nights x 6 runs (run SD 0.5 %%) and tonight's 6,\n"
	       "   a database per trial; a new regression is nightly's exit 1 [95 %% CP]\n");
	printf("%-9s %-8s | %-22s | %s\n", "night SD", "tonight", "new regression (exit 1)", "trials");
	for (size_t k = 0; k < sizeof(nights) / sizeof(nights[0]) && !ret; k++)
		for (size_t s = 0; s < sizeof(tonight) / sizeof(tonight[0]) && !ret; s++) {
			unsigned fails = 0;

			for (unsigned i = 0; i < series && ret >= 0; i++) {
				ret = stored_trial(dir, trial++, nights[k], tonight[s], &r);
				fails += ret > 0;
			}
			if (ret >= 0) {
				ret = 0;
				printf("%6.1f %%  %+5.0f %%  | %s | %u\n", nights[k] * 100,
				       tonight[s] * 100, rate(a, sizeof(a), fails, series), series);
			}
			fflush(stdout);
		}
	printf("(%.1f s)\n", (double)(mtime_now_us() - t0) / 1e6);
	rmdir(dir);
	return ret;
}

static int table_speed(void)
{
	static const struct {
		size_t nb, nc, gb;
		bool shape;
	} sizes[] = { { 6, 6, 1, false }, { 6, 6, 1, true }, { 10, 15, 1, false },
		      { 168, 6, 28, false }, { 500, 500, 1, false }, { 500, 500, 1, true } };
	struct stats_rng r;

	printf("\n== 5. time of one stats_compare() (2000 resamples)\n");
	stats_rng_seed(&r, 3);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		double *a = malloc(sizes[k].nb * sizeof(*a)), *b = malloc(sizes[k].nc * sizeof(*b));
		int64_t *ga = malloc(sizes[k].nb * sizeof(*ga)), *gb = malloc(sizes[k].nc * sizeof(*gb));
		struct stats_verdict_opts o = rule;
		const unsigned reps = sizes[k].nb > 100 ? 10 : 200;
		struct stats_comparison c;
		uint64_t t0, t1;

		if (!a || !b || !ga || !gb)
			return -ENOMEM;
		for (size_t i = 0; i < sizes[k].nb; i++) {
			a[i] = 100 * (1 + 0.01 * stats_rng_normal(&r));
			ga[i] = (int64_t)(i * sizes[k].gb / sizes[k].nb);
		}
		for (size_t i = 0; i < sizes[k].nc; i++) {
			b[i] = 99 * (1 + 0.01 * stats_rng_normal(&r));
			gb[i] = 1000;
		}
		o.no_shape = !sizes[k].shape;
		t0 = mtime_now_us();
		for (unsigned i = 0; i < reps; i++)
			stats_compare(&(struct stats_sample){ a, sizes[k].gb > 1 ? ga : NULL, sizes[k].nb },
				      &(struct stats_sample){ b, sizes[k].gb > 1 ? gb : NULL, sizes[k].nc },
				      &o, &c);
		t1 = mtime_now_us();
		printf("%4zu vs %3zu runs, %2zu group%s vs 1%s: %8.3f ms\n", sizes[k].nb, sizes[k].nc,
		       sizes[k].gb, sizes[k].gb == 1 ? " " : "s",
		       sizes[k].shape ? ", with KS and the mixture" : "",
		       (double)(t1 - t0) / 1000.0 / reps);
		free(a);
		free(b);
		free(ga);
		free(gb);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = { { "seed", required_argument, NULL, 's' },
						  { "only", required_argument, NULL, 'o' },
						  { "level", required_argument, NULL, 'l' },
						  { NULL, 0, NULL, 0 } };
	unsigned series = 100;
	uint64_t seed = 13;
	const char *only = NULL;
	uint64_t t0 = mtime_now_us();
	int opt, ret = 0;

	while ((opt = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			series = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'o':
			only = optarg;
			break;
		case 'l':
			rule.level = strtod(optarg, NULL);
			break;
		default:
			fprintf(stderr, "usage: %s [-n SERIES] [--seed S] [--level L] [--only runs|nightly|bisect|calibrate|trend|speed|stored]\n",
				argv[0]);
			return 64;
		}
	}
	if (!series) {
		fprintf(stderr, "bench_verdicts: -n must be a positive number of series\n");
		return 64;
	}
	printf("bench_verdicts: %u series per cell, seed %" PRIu64 ", alpha 0.01 per series, 95 %% CI, floor max(0.5 %%, 1 x noise)\n\n",
	       series, seed);
	if (!only || !strcmp(only, "runs"))
		ret = table_runs(series, seed);
	if (!ret && (!only || !strcmp(only, "nightly")))
		ret = table_nightly(series, seed);
	if (!ret && (!only || !strcmp(only, "bisect")))
		ret = table_bisect(series, seed);
	if (!ret && (!only || !strcmp(only, "calibrate")))
		table_calibrate();
	if (!ret && (!only || !strcmp(only, "trend")))
		ret = table_trend(series, seed);
	if (!ret && (!only || !strcmp(only, "speed")))
		ret = table_speed();
	/* minutes, not seconds: only when asked for */
	if (!ret && only && !strcmp(only, "stored"))
		ret = table_stored(series);
	if (ret < 0) {
		fprintf(stderr, "bench_verdicts: simulation failed: %s\n", strerror(-ret));
		return 70;
	}
	printf("\n%.1f s\n", (double)(mtime_now_us() - t0) / 1e6);
	return 0;
}
