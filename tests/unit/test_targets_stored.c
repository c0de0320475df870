/*
 * test_targets_stored: issue 13's targets, through the real code paths on
 * synthetic runs STORED in a database (results_run_store), not on the
 * pure rule (test_verdict_targets does that): report_compare() reads
 * them back, groups them by invocation, and judges each series; the
 * nightly judgement (nightly_judge) reads a host's nights.
 *
 * Each series has its baseline runs in one invocation and its candidate
 * runs in another, as two `run` invocations store them, and is judged
 * alone (--correction none: the per-series rule, the strictest reading;
 * Holm over a family only lowers the alarms). Each rate is asserted with
 * its 95 % Clopper-Pearson bound:
 *   A/A, CV 1 %, 6 runs a side, 3000 series: regressions <= 1/200;
 *   -3 % at CV 2 %, 6 runs a side, 800 series: "no change" <= 2 %;
 *   -1.5 % at CV 0.25 %, 8 runs a side, 300 series: regression >= 80 %;
 *   nightly A/A, 1 % night SD, 0.5 % run SD, 28 nights x 6 runs then
 *     tonight's 6, 200 hosts: a new regression (exit 1) at most 3 %
 *     (bench_verdicts --only stored runs 2000 to show <= 1 %).
 * Prints one line per check and exits 1 on the first failure.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "compare.h"
#include "nightly.h"
#include "results.h"
#include "stats.h"
#include "stats_dist.h"

#define DAY_US (86400ULL * 1000000ULL)

static char tmpdir[64] = "/tmp/mpl-test-targets-XXXXXX";
static struct stats_rng rng;
static uint64_t clock_us = 1790000000000000ULL;

/* n runs of scenario/variant, tagged side=<side> and invocation=<inv>,
 * goodput level x (1 + cv N(0, 1)). */
static void store(struct results *db, const char *scenario, const char *variant,
		  const char *host, const char *side, const char *inv, size_t n, double level,
		  double cv, uint64_t *t)
{
	for (size_t i = 0; i < n; i++) {
		struct results_run run;
		struct diag d = DIAG_INIT;

		check_must(results_run_init(&run), "init", NULL);
		check_must(results_run_set_str(&run.scenario, scenario), "scenario", NULL);
		check_must(results_run_set_str(&run.variant_key, variant), "variant", NULL);
		if (host)
			check_must(results_run_set_str(&run.host.hostname, host), "host", NULL);
		run.repetition = (int)i + 1;
		run.started_at_us = *t;
		run.finished_at_us = *t + 3000000;
		*t += 4000000;
		run.status = RESULTS_OK;
		if (side)
			check_must(results_run_add_tag(&run, "side", side), "tag", NULL);
		check_must(results_run_add_tag(&run, inv[0] == 'n' ? "nightly" : "invocation", inv),
			   "tag", NULL);
		check_must(results_run_add_metric(&run, "goodput_bps",
						  level * (1 + cv * stats_rng_normal(&rng))),
			   "metric", NULL);
		check_must(results_run_store(db, &run, &d), "store", &d);
		results_run_release(&run);
	}
}

/* series stored series (scenario, variants v=0..), base vs cand, and the
 * verdicts the per-series rule gives them. */
static void compare_cell(struct results *db, const char *scenario, unsigned series, size_t runs,
			 double cv, double shift, size_t counts[COMPARE_VERDICTS_])
{
	const char *metric[] = { "goodput_bps" };
	const char *ta[] = { "side=a" }, *tb[] = { "side=b" };
	struct compare_opts o = { .metrics = metric, .n_metrics = 1, .correction = COMPARE_NONE };
	struct results_filter fa = { .scenario = scenario, .tags = ta, .n_tags = 1 };
	struct results_filter fb = { .scenario = scenario, .tags = tb, .n_tags = 1 };
	struct compare_result r;
	struct diag d = DIAG_INIT;

	for (unsigned i = 0; i < series; i++) {
		char v[16];

		snprintf(v, sizeof(v), "v=%04u", i);
		store(db, scenario, v, NULL, "a", "inv-a", runs, 75e6, cv, &clock_us);
		store(db, scenario, v, NULL, "b", "inv-b", runs, 75e6 * (1 + shift), cv, &clock_us);
	}
	check_must(report_compare(db, &fa, &fb, &o, &r, &d), "report_compare", &d);
	if (r.n != series)
		check_failf(scenario, "%zu series compared, expected %u", r.n, series);
	memcpy(counts, r.counts, sizeof(r.counts));
	compare_result_release(&r);
}

static void cp95(size_t k, unsigned n, double *lo, double *hi)
{
	if (stats_clopper_pearson(k, n, 0.95, lo, hi) < 0)
		check_failf("clopper-pearson", "refused");
}

/* One host's 28 nights and tonight, all of one regime, in a database of
 * its own (the nights of other hosts would only slow each read): is
 * tonight new? */
static size_t nightly_trial(unsigned trial, double night_sd)
{
	const uint64_t day0 = 20000ULL * DAY_US;
	char inv[32], path[128];
	struct nightly_judgement j;
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	size_t n_new;

	snprintf(path, sizeof(path), "%s/night%u.db", tmpdir, trial);
	check_must(results_open(path, &db, &d), "results_open", &d);
	for (unsigned n = 0; n <= 28; n++) {
		uint64_t t = day0 + n * DAY_US + 7200ULL * 1000000;
		const double level = 75e6 * (1 + night_sd * stats_rng_normal(&rng));

		snprintf(inv, sizeof(inv), "n%u", n);
		store(db, "nightly-aa", "", "box", NULL, inv, 6, level, 0.005, &t);
	}
	check_must(nightly_judge(db,
				 &(struct nightly_judge_opts){ .host = "box", .nightly_id = inv,
							       .now_us = day0 + 28 * DAY_US + 3600ULL * 1000000,
							       .store = true },
				 &j, &d),
		   "nightly_judge", &d);
	n_new = j.n_new;
	nightly_judgement_release(&j);
	results_close(db);
	return n_new;
}

int main(void)
{
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	size_t c[COMPARE_VERDICTS_];
	char path[128];
	double lo, hi;
	unsigned alarms = 0;

	if (access("/dev/shm", W_OK) == 0)
		snprintf(tmpdir, sizeof(tmpdir), "/dev/shm/mpl-test-targets-XXXXXX");
	check_tmpdir_make(tmpdir);
	snprintf(path, sizeof(path), "%s/lab.db", tmpdir);
	check_must(results_open(path, &db, &d), "results_open", &d);
	stats_rng_seed(&rng, 13013);

	compare_cell(db, "aa", 3000, 6, 0.01, 0.0, c);
	cp95(c[COMPARE_REGRESSION], 3000, &lo, &hi);
	checkf(hi <= 1.0 / 200,
	       "A/A, CV 1 %%, 6 runs a side, stored: regression in %zu / 3000 (95 %% CP %.4f .. %.4f <= 1/200); improvement %zu, no change %zu",
	       c[COMPARE_REGRESSION], lo, hi, c[COMPARE_IMPROVEMENT], c[COMPARE_NO_CHANGE]);

	compare_cell(db, "m3", 800, 6, 0.02, -0.03, c);
	cp95(c[COMPARE_NO_CHANGE], 800, &lo, &hi);
	checkf(hi <= 0.02,
	       "-3 %% at CV 2 %%, 6 runs a side, stored: no change in %zu / 800 (95 %% CP %.4f .. %.4f <= 0.02); regression %zu, inconclusive %zu",
	       c[COMPARE_NO_CHANGE], lo, hi, c[COMPARE_REGRESSION], c[COMPARE_INCONCLUSIVE]);

	compare_cell(db, "m15", 300, 8, 0.0025, -0.015, c);
	cp95(c[COMPARE_REGRESSION], 300, &lo, &hi);
	checkf(lo >= 0.80,
	       "-1.5 %% at CV 0.25 %%, 8 runs a side, stored: regression in %zu / 300 (95 %% CP %.4f .. %.4f >= 0.80)",
	       c[COMPARE_REGRESSION], lo, hi);

	for (unsigned t = 0; t < 200; t++)
		alarms += nightly_trial(t, 0.01) > 0;
	cp95(alarms, 200, &lo, &hi);
	checkf(hi <= 0.03,
	       "nightly A/A, 1 %% night SD, 28 nights x 6 runs, stored, through nightly_judge: a new regression in %u / 200 hosts (95 %% CP %.4f .. %.4f <= 0.03)",
	       alarms, lo, hi);
	results_close(db);
	printf("all %u checks passed\n", check_count);
	return 0;
}
