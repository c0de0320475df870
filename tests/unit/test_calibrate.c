/*
 * test_calibrate: report_calibrate() (report/calibrate.h) on runs stored
 * in a temporary database: 4 invocations of 8 runs, 1 % run noise and
 * invocation offsets of 0, +2, -1 and +1 %; goodput_bps (primary) and
 * efficiency (derived from it).
 *   - one series per metric, the invocations as its groups;
 *   - sigma_within as computed here from its definition (c(n) 1.4826
 *     MAD / median per invocation, pooled by n - 1), sigma_between
 *     present (4 groups) and of the planted size;
 *   - the floor, the minimum detectable changes (two invocations of 8;
 *     one night against 28) and the runs needed are the formulas of
 *     stats_verdict.h at that noise, and consistent: the runs for -2 %
 *     are the fewest whose minimum detectable change is at most 2 %;
 *   - --from with no run: -ENODATA; the text and JSON writers.
 * Prints one line per check and exits 1 on the first failure.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate.h"
#include "check.h"
#include "results.h"
#include "stats.h"
#include "stats_hier.h"
#include "stats_verdict.h"

static char tmpdir[64] = "/tmp/mpl-test-calibrate-XXXXXX";

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_of(const double *v, size_t n)
{
	double c[64];

	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_dbl);
	return n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
}

int main(void)
{
	static const double offset[4] = { 0.0, 0.02, -0.01, 0.01 };
	double v[4][8], sw = 0;
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	struct stats_rng rng;
	struct calibrate_result r;
	const struct calibrate_series *g = NULL, *e = NULL;
	char path[128];
	uint64_t t = 1790000000000000ULL;

	if (access("/dev/shm", W_OK) == 0)
		snprintf(tmpdir, sizeof(tmpdir), "/dev/shm/mpl-test-calibrate-XXXXXX");
	check_tmpdir_make(tmpdir);
	snprintf(path, sizeof(path), "%s/lab.db", tmpdir);
	check_must(results_open(path, &db, &d), "results_open", &d);
	stats_rng_seed(&rng, 4242);
	for (int k = 0; k < 4; k++) {
		char inv[16];

		snprintf(inv, sizeof(inv), "inv%d", k);
		for (int i = 0; i < 8; i++) {
			struct results_run run;

			v[k][i] = 80e6 * (1 + offset[k]) * (1 + 0.01 * stats_rng_normal(&rng));
			check_must(results_run_init(&run), "init", NULL);
			check_must(results_run_set_str(&run.scenario, "cal"), "scenario", NULL);
			run.repetition = i + 1;
			run.started_at_us = t;
			run.finished_at_us = t + 1000000;
			t += 5000000;
			run.status = RESULTS_OK;
			check_must(results_run_add_tag(&run, "invocation", inv), "tag", NULL);
			check_must(results_run_add_tag(&run, "calibrate", "c1"), "tag", NULL);
			check_must(results_run_add_metric(&run, "goodput_bps", v[k][i]), "metric", NULL);
			check_must(results_run_add_metric(&run, "efficiency", v[k][i] / 82e6), "metric", NULL);
			check_must(results_run_store(db, &run, &d), "store", &d);
			results_run_release(&run);
		}
	}
	/* sigma_within (stats_hier.h): each invocation's c(n) 1.4826 MAD,
	 * relative to the median of all the runs, pooled by n - 1 (equal) */
	{
		const double all = median_of(&v[0][0], 32);

		for (int k = 0; k < 4; k++) {
			double med = median_of(v[k], 8), dev[8];

			for (int i = 0; i < 8; i++)
				dev[i] = fabs(v[k][i] - med);
			/* c(8) from stats_hier.c's table (tests/unit/stats_tables.py) */
			sw += stats_mad_factor(8) * 1.4826 * median_of(dev, 8) / all / 4;
		}
	}
	check_must(report_calibrate(db, &(struct results_filter){ .tags = (const char *[]){ "calibrate=c1" }, .n_tags = 1 },
				    &(struct calibrate_opts){ .change = 0.02 }, &r, &d),
		   "report_calibrate", &d);
	for (size_t i = 0; i < r.n; i++) {
		if (!strcmp(r.series[i].metric, "goodput_bps"))
			g = &r.series[i];
		if (!strcmp(r.series[i].metric, "efficiency"))
			e = &r.series[i];
	}
	if (r.n != 2 || !g || !e || r.n_runs != 32)
		check_failf("calibrate", "expected goodput and efficiency over 32 ok runs, got %zu series",
			    r.n);
	check_pass("two series over 32 ok runs");
	checkf(g->role == COMPARE_PRIMARY && e->role == COMPARE_DERIVED,
	       "goodput primary, efficiency derived");
	checkf(g->n_runs == 32 && g->n_groups == 4 && g->planned_reps == 8,
	       "the four invocations are the groups, 8 runs each planned");
	checkf(fabs(g->sigma_within - sw) < 1e-12 * sw,
	       "sigma_within %.5f as computed here (%.5f)", g->sigma_within, sw);
	checkf(isfinite(g->sigma_between) && g->sigma_between > 0.005 && g->sigma_between < 0.03,
	       "sigma_between %.4f: the planted invocation offsets (SD 1.3 %%)", g->sigma_between);
	{
		const struct stats_noise noise = { g->sigma_within, g->sigma_between };
		const struct stats_verdict_opts so = { .higher_is_better = true };
		const double mdc = stats_min_detectable_change(
			&noise, &(struct stats_design){ 8, 8, 1, 1 }, &so);
		const double floor = stats_floor(&noise, &so, NULL);
		size_t runs = g->runs_for_change;

		checkf(g->floor == floor && fabs(g->floor - hypot(g->sigma_within, g->sigma_between)) < 1e-15,
		       "floor %.4f = sqrt(within^2 + between^2)", g->floor);
		checkf(g->mdc == mdc, "minimum detectable change at 8 v 8: %.4f", g->mdc);
		checkf(g->mdc_nightly == stats_min_detectable_change(
						 &noise, &(struct stats_design){ 28 * 8, 8, 28, 1 }, &so) &&
			       g->mdc_nightly > g->floor && g->mdc > g->floor,
		       "one night against 28 of 8: %.4f (tonight's own offset counts), both above the floor",
		       g->mdc_nightly);
		if (runs) {
			const double at = stats_min_detectable_change(
				&noise, &(struct stats_design){ runs, runs, 1, 1 }, &so);
			const double before = stats_min_detectable_change(
				&noise, &(struct stats_design){ runs - 1, runs - 1, 1, 1 }, &so);

			checkf(at <= 0.02 && before > 0.02,
			       "runs for -2 %%: %zu, the fewest whose detectable change is <= 2 %% (%.4f, %.4f at %zu)",
			       runs, at, before, runs - 1);
		} else {
			checkf(g->floor >= 0.02, "no number of runs detects -2 %% below a %.4f floor",
			       g->floor);
		}
	}
	{
		FILE *f = tmpfile();
		json_error_t je;
		json_t *j;
		char line[512];

		check_must(f ? report_write_calibrate(f, &r, true) : -errno, "write json", NULL);
		rewind(f);
		j = json_loadf(f, 0, &je);
		checkf(j && json_array_size(json_object_get(j, "series")) == 2 &&
			       json_real_value(json_object_get(j, "change")) == 0.02,
		       "JSON: two series, change 0.02");
		json_decref(j);
		fclose(f);
		f = tmpfile();
		check_must(f ? report_write_calibrate(f, &r, false) : -errno, "write text", NULL);
		rewind(f);
		checkf(fgets(line, sizeof(line), f) && strstr(line, "WITHIN") && strstr(line, "RUNS FOR -2%"),
		       "text: a header with the change");
		fclose(f);
	}
	calibrate_result_release(&r);
	{
		int ret = report_calibrate(db, &(struct results_filter){ .scenario = "none" }, NULL,
					   &r, &d);

		checkf(ret == -ENODATA && strstr(diag_str(&d), "none with the metrics"),
		       "no run: -ENODATA (%s)", diag_str(&d));
	}
	results_close(db);
	printf("all %u checks passed\n", check_count);
	return 0;
}
