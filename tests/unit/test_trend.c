/*
 * test_trend.c: change points over a nightly history (report/trend.c) and
 * their storage (results/changepoints.c), without privileges, on scratch
 * databases under /tmp filled with synthetic runs (3 ok runs a night, an
 * invalid run among them that must not count):
 *  - 30 flat nights, then 10 nights 6 % lower: one change point at night
 *    30 (+-1), verdict regression, stored; trending again keeps one row
 *    (same id, first detection time kept);
 *  - 30 flat nights, then 3 nights 10 % lower: the newest night starts the
 *    new regime;
 *  - 30 flat nights, then 10 nights 6 % higher: improvement;
 *  - a flat, noisy history: no change point, no change;
 *  - grouping per kernel: points in order of first appearance, a kernel
 *    tested again later joins its first point; change point at the first
 *    slower kernel;
 *  - too short a history: inconclusive, with the figures;
 *  - the compare writers print the trend rows (KTAP "not ok");
 *  - results_changepoint_store: upsert semantics, NaN as NULL;
 *  - a version 1 database is migrated to version 2 and keeps its runs.
 *
 * The changepoints table is also counted with sqlite3 directly, as a
 * witness independent of results/. Each check prints a line; the first
 * failure exits 1.
 */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "changepoints.h"
#include "compare.h"
#include "results.h"
#include "stats.h"
#include "trend.h"
#include "check.h"
#include "sqlite_witness.h"

#define DAY_US (86400ULL * 1000000ULL)
#define NIGHT0_US (1793491200ULL * 1000000ULL) /* 2026-11-01 00:00 UTC */

static char tmpdir[] = "/tmp/mpl-test-trend-XXXXXX";

static void store_run(struct results *r, const char *scenario, const char *variant_key,
		      const char *release, uint64_t started_at_us, enum results_status status,
		      double goodput_bps)
{
	struct results_run run;
	struct diag d = DIAG_INIT;

	check_must(results_run_init(&run), "init", NULL);
	check_must(results_run_set_str(&run.scenario, scenario), "set", NULL);
	check_must(results_run_set_str(&run.variant_key, variant_key), "set", NULL);
	check_must(results_run_set_str(&run.kernel.release, release), "set", NULL);
	check_must(results_run_set_str(&run.host.hostname, "box1"), "set", NULL);
	run.started_at_us = started_at_us;
	run.finished_at_us = started_at_us + 10 * 1000000ULL;
	run.status = status;
	run.repetition = 1;
	check_must(results_run_add_metric(&run, "goodput_bps", goodput_bps), "metric", NULL);
	check_must(results_run_store(r, &run, &d), d.msg, NULL);
	results_run_release(&run);
}

/*
 * One night of a series: 3 ok runs (02:00, 02:20, 02:40 UTC) around
 * level with a relative noise of sd, and an invalid run with a wild
 * figure that only ok runs keep out of the trend.
 */
static void store_night(struct results *r, struct stats_rng *rng, const char *scenario,
			const char *release, unsigned night, double level, double sd)
{
	uint64_t t = NIGHT0_US + night * DAY_US + 2 * 3600 * 1000000ULL;
	int i;

	for (i = 0; i < 3; i++)
		store_run(r, scenario, "cc=bbr", release, t + (uint64_t)i * 1200 * 1000000ULL,
			  RESULTS_OK, level * (1 + sd * stats_rng_normal(rng)));
	store_run(r, scenario, "cc=bbr", release, t + 3600 * 1000000ULL, RESULTS_INVALID,
		  level * 0.1);
}

/* n_nights on kernel 6.18.0 at level before, then from night step on at
 * level after, with noise sd drawn from a generator seeded with seed. */
static void store_step(struct results *r, uint64_t seed, const char *scenario, unsigned n_nights,
		       unsigned step, double before, double after, double sd)
{
	struct stats_rng rng;

	stats_rng_seed(&rng, seed);
	for (unsigned night = 0; night < n_nights; night++)
		store_night(r, &rng, scenario, "6.18.0", night, night < step ? before : after, sd);
}

static int trend_of(struct results *r, const char *scenario, enum trend_by by, uint64_t now_us,
		    struct trend_result *res, struct diag *d)
{
	struct results_filter f = { .scenario = scenario };
	struct trend_opts o = { .by = by };
	int ret = report_trend(r, &f, &o, res, d);

	/* as `trend` does: report_trend finds, the command stores */
	return ret < 0 ? ret : changepoints_store(r, res, now_us, d);
}

/* The trend of scenario's runs at now 1000 us, which must be one series. */
static const struct trend_series *one_series(struct results *r, const char *scenario,
					     enum trend_by by, struct trend_result *res,
					     const char *what)
{
	struct diag d = DIAG_INIT;
	int ret = trend_of(r, scenario, by, 1000, res, &d);

	CHECK(ret == 0 && res->n == 1, "%s: one series (%d, %zu series): %s", what, ret, res->n,
	      diag_str(&d));
	return &res->series[0];
}

struct cp_seen {
	size_t n;
	int64_t id;
	uint64_t at_us, detected_at_us;
	char label[64];
	double before, after, p;
};

static int collect_cp(const struct results_changepoint *cp, void *arg)
{
	struct cp_seen *s = arg;

	s->n++;
	s->id = cp->id;
	s->at_us = cp->at_us;
	s->detected_at_us = cp->detected_at_us;
	snprintf(s->label, sizeof(s->label), "%s", cp->label);
	s->before = cp->median_before;
	s->after = cp->median_after;
	s->p = cp->p;
	return 0;
}

static void test_regression(struct results *r, const char *path)
{
	struct trend_result res;
	struct diag d = DIAG_INIT;
	struct cp_seen seen = { 0 }, again = { 0 };
	const struct trend_series *s;
	const struct compare_series *row;
	int ret;

	store_step(r, 1, "regress", 40, 30, 100e6, 94e6, 0.01);

	ret = trend_of(r, "regress", TREND_BY_NIGHT, 1000, &res, &d);
	CHECK(ret == 0 && res.n == 1, "one series from 40 nights (%d, %zu series): %s", ret, res.n,
	      diag_str(&d));
	s = &res.series[0];
	row = &res.rows.series[0];
	CHECK(res.n_runs == 120, "120 ok runs read, the invalid ones left out (%zu)", res.n_runs);
	CHECK(s->n_points == 40 && s->points[0].n_runs == 3 &&
		      strcmp(s->points[0].label, "2026-11-01") == 0 &&
		      s->points[0].at_us == NIGHT0_US,
	      "40 nights of 3 runs, the first '%s' dated 00:00 UTC", s->points[0].label);
	CHECK(s->n_cps == 1, "one change point (%zu)", s->n_cps);
	CHECK(s->cps[0].index >= 29 && s->cps[0].index <= 31,
	      "at night %zu (30 +-1), '%s', %.2f -> %.2f Mbit/s (%+.1f %%), p %.2g",
	      s->cps[0].index, s->cps[0].label, s->cps[0].median_before / 1e6,
	      s->cps[0].median_after / 1e6, s->cps[0].change * 100, s->cps[0].p);
	CHECK(s->verdict == COMPARE_REGRESSION && res.rows.counts[COMPARE_REGRESSION] == 1,
	      "verdict regression: %s", s->reason);
	CHECK(!s->new_regime && s->regime_start == s->cps[0].index,
	      "the newest night does not start a new regime (newest regime: %zu nights)",
	      s->n_points - s->regime_start);
	CHECK(row->verdict == COMPARE_REGRESSION && row->n_base == s->cps[0].index &&
		      row->n_cand == 40 - s->cps[0].index && fabs(row->ratio - 0.94) < 0.01 &&
		      row->ci_lo <= row->ratio && row->ratio <= row->ci_hi && row->ci_hi < 1,
	      "compare row: n %zu/%zu, ratio %.3f [%.3f, %.3f]", row->n_base, row->n_cand,
	      row->ratio, row->ci_lo, row->ci_hi);
	CHECK(res.n_stored == 1, "the change point was stored (%zu)", res.n_stored);
	check_must(results_changepoints_query(r, "regress", collect_cp, &seen, &d), d.msg, NULL);
	CHECK(seen.n == 1 && seen.at_us == s->cps[0].at_us && strcmp(seen.label, s->cps[0].label) == 0 &&
		      seen.before == s->cps[0].median_before && seen.detected_at_us == 1000,
	      "read back: '%s', id %lld, detected at %llu", seen.label, (long long)seen.id,
	      (unsigned long long)seen.detected_at_us);

	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		CHECK(f && report_write_ktap(f, &res.rows, "trend") == 0 && fclose(f) == 0 &&
			      strstr(buf, "not ok 1 regress cc=bbr goodput_bps") &&
			      strstr(buf, "fail:1"),
		      "the KTAP writer fails the series");
		free(buf);
	}
	trend_result_release(&res);

	/* the same history, trended again a day later */
	ret = trend_of(r, "regress", TREND_BY_NIGHT, 2000, &res, &d);
	CHECK(ret == 0 && res.n == 1 && res.series[0].n_cps == 1, "trend again: %s", diag_str(&d));
	trend_result_release(&res);
	check_must(results_changepoints_query(r, NULL, collect_cp, &again, &d), d.msg, NULL);
	CHECK(again.n == 1 && again.id == seen.id && again.detected_at_us == 1000,
	      "storing it twice keeps one row (%zu), same id, first detection kept (%llu)",
	      again.n, (unsigned long long)again.detected_at_us);
	CHECK(raw_int(path, "SELECT count(*) FROM changepoints") == 1,
	      "sqlite3 counts one change point");
}

/* A regression on the last 3 nights: the newest night starts the regime. */
static void test_new_regime(struct results *r)
{
	struct trend_result res;
	const struct trend_series *s;

	store_step(r, 6, "fresh", 33, 30, 100e6, 90e6, 0.01);
	s = one_series(r, "fresh", TREND_BY_NIGHT, &res, "30 flat nights and 3 slower ones");
	CHECK(s->n_cps == 1 && s->cps[0].index == 30 && s->new_regime &&
		      s->verdict == COMPARE_REGRESSION,
	      "change point at night 30 of 33, the newest night starts the regime: %s", s->reason);
	trend_result_release(&res);
}

static void test_improvement(struct results *r)
{
	struct trend_result res;
	struct diag d = DIAG_INIT;
	int ret;

	store_step(r, 2, "improve", 40, 30, 100e6, 106e6, 0.01);
	ret = trend_of(r, "improve", TREND_BY_NIGHT, 1000, &res, &d);
	CHECK(ret == 0 && res.n == 1 && res.series[0].n_cps == 1 &&
		      res.series[0].verdict == COMPARE_IMPROVEMENT,
	      "6 %% higher after night 30: improvement: %s",
	      res.n ? res.series[0].reason : diag_str(&d));
	trend_result_release(&res);
}

static void test_flat(struct results *r)
{
	struct trend_result res;
	const struct trend_series *s;

	store_step(r, 3, "flat", 40, 40, 100e6, 100e6, 0.02);
	s = one_series(r, "flat", TREND_BY_NIGHT, &res, "flat history");
	CHECK(s->n_cps == 0 && s->verdict == COMPARE_NO_CHANGE && !s->new_regime &&
		      res.rows.counts[COMPARE_REGRESSION] == 0 && res.n_stored == 0,
	      "2 %% noise, no change point, no regression: %s", s->reason);
	CHECK(res.rows.series[0].n_base == 0 && isnan(res.rows.series[0].median_base) &&
		      res.rows.series[0].n_cand == 40,
	      "its row has no base and 40 points");
	trend_result_release(&res);
}

/*
 * 12 kernels, one a night; the 7th to the 12th are 8 % slower; kernel 2 is
 * tested again after kernel 5 (a re-run of the baseline), which must join
 * kernel 2's point, not make a 13th.
 */
static void test_by_kernel(struct results *r)
{
	struct trend_result res;
	struct diag d = DIAG_INIT;
	struct stats_rng rng;
	const struct trend_series *s;
	char release[32];
	unsigned k, night = 0;
	int ret;

	stats_rng_seed(&rng, 4);
	for (k = 0; k < 12; k++) {
		snprintf(release, sizeof(release), "6.18.%u", k);
		store_night(r, &rng, "kernels", release, night++, k < 6 ? 100e6 : 92e6, 0.01);
		if (k == 5)
			store_night(r, &rng, "kernels", "6.18.2", night++, 100e6, 0.01);
	}
	s = one_series(r, "kernels", TREND_BY_KERNEL, &res, "per kernel");
	CHECK(s->n_points == 12 && strcmp(s->points[0].label, "6.18.0") == 0 &&
		      strcmp(s->points[11].label, "6.18.11") == 0 && s->points[2].n_runs == 6 &&
		      s->points[3].n_runs == 3,
	      "12 kernel points in order of first appearance, 6.18.2 with 6 runs (%zu points)",
	      s->n_points);
	CHECK(s->n_cps == 1 && s->cps[0].index == 6 && strcmp(s->cps[0].label, "6.18.6") == 0 &&
		      s->verdict == COMPARE_REGRESSION,
	      "change point at kernel '%s', regression: %s", s->n_cps ? s->cps[0].label : "-",
	      s->reason);
	CHECK(s->new_regime == false, "6 kernels into the new regime, not a new one");
	trend_result_release(&res);

	ret = trend_of(r, "kernels", TREND_BY_NIGHT, 1000, &res, &d);
	CHECK(ret == 0 && res.n == 1 && res.series[0].n_points == 13,
	      "the same runs by night: 13 points (%zu)", res.n ? res.series[0].n_points : 0);
	trend_result_release(&res);
}

static void test_too_short(struct results *r)
{
	struct trend_result res;
	struct diag d = DIAG_INIT;
	const struct trend_series *s;
	int ret;

	store_step(r, 5, "short", 5, 3, 100e6, 50e6, 0.01);
	s = one_series(r, "short", TREND_BY_NIGHT, &res, "short history");
	CHECK(s->verdict == COMPARE_INCONCLUSIVE && s->n_cps == 0 &&
		      strcmp(s->reason, "history too short: 5 nights, need 6") == 0 &&
		      res.rows.counts[COMPARE_INCONCLUSIVE] == 1,
	      "inconclusive: '%s'", s->reason);
	trend_result_release(&res);

	ret = trend_of(r, "nothing-here", TREND_BY_NIGHT, 1000, &res, &d);
	CHECK(ret == 0 && res.n == 0 && res.n_runs == 0, "an empty selection gives no series");
	trend_result_release(&res);
}

static void test_store(struct results *r, const char *path)
{
	struct results_changepoint cp = {
		.scenario = "direct", .variant_key = NULL, .metric = "efficiency",
		.at_us = 42, .label = "2026-11-02", .median_before = 0.9,
		.median_after = 0.8, .p = (double)NAN, .detected_at_us = 500,
	};
	struct cp_seen a = { 0 }, b = { 0 };
	struct diag d = DIAG_INIT;
	int ret;

	check_must(results_changepoint_store(r, &cp, &d), d.msg, NULL);
	check_must(results_changepoints_query(r, "direct", collect_cp, &a, &d), d.msg, NULL);
	CHECK(a.n == 1 && isnan(a.p) && a.after == 0.8,
	      "a change point without p reads back with p NaN");
	CHECK(raw_int(path, "SELECT count(*) FROM changepoints WHERE scenario = 'direct' "
			    "AND variant_key = '' AND p IS NULL") == 1,
	      "stored with variant_key '' and p NULL");
	cp.median_after = 0.7;
	cp.p = 0.001;
	cp.detected_at_us = 900;
	check_must(results_changepoint_store(r, &cp, &d), d.msg, NULL);
	cp.detected_at_us = 100;
	check_must(results_changepoint_store(r, &cp, &d), d.msg, NULL);
	check_must(results_changepoints_query(r, "direct", collect_cp, &b, &d), d.msg, NULL);
	CHECK(b.n == 1 && b.id == a.id && b.after == 0.7 && b.p == 0.001 && b.detected_at_us == 100,
	      "stored again: one row, same id, new figures, earliest detection (%llu)",
	      (unsigned long long)b.detected_at_us);

	cp.label = NULL;
	ret = results_changepoint_store(r, &cp, &d);
	CHECK(ret == -EINVAL, "a change point without a label is refused: %s", diag_str(&d));
	diag_clear(&d);
}

/* A database of schema version 1 (made by dropping what later versions
 * added: list a new version's tables here) is migrated on open and keeps
 * its runs. */
static void test_migration(void)
{
	const char *path = check_tmpdir_file("v1.db");
	struct results *r;
	struct diag d = DIAG_INIT;
	size_t n;

	check_must(results_open(path, &r, &d), d.msg, NULL);
	store_run(r, "old", "cc=bbr", "6.1.0", NIGHT0_US, RESULTS_OK, 1e6);
	results_close(r);
	CHECK(raw_exec(path, "DROP TABLE changepoints; DROP TABLE IF EXISTS push_outbox; "
			     "DROP TABLE IF EXISTS samples; DROP TABLE IF EXISTS conn_samples; "
			     "DROP TABLE IF EXISTS pm_events; DROP TABLE IF EXISTS push_points_outbox; "
			     "DROP TABLE IF EXISTS push_points; DROP TABLE IF EXISTS timed_events; "
			     "ALTER TABLE intervals DROP COLUMN ideal_bps; "
			     "ALTER TABLE runs DROP COLUMN measure_start_us; "
			     "DROP TABLE IF EXISTS regressions; "
			     "PRAGMA user_version = 1") == SQLITE_OK,
	      "turn the database back into version 1");
	check_must(results_open(path, &r, &d), d.msg, NULL);
	check_must(results_count(r, NULL, &n, &d), d.msg, NULL);
	results_close(r);
	CHECK(raw_int(path, "PRAGMA user_version") == results_schema_current() &&
		      raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'changepoints'") == 1 &&
		      n == 1,
	      "opened: migrated to the current version, changepoints created, its run kept (%zu)", n);
}

int main(void)
{
	const char *path;
	struct results *r;
	struct diag d = DIAG_INIT;

	check_tmpdir_make(tmpdir);
	path = check_tmpdir_file("trend.db");
	check_must(results_open(path, &r, &d), d.msg, NULL);

	test_regression(r, path);
	test_new_regime(r);
	test_improvement(r);
	test_flat(r);
	test_by_kernel(r);
	test_too_short(r);
	test_store(r, path);
	results_close(r);
	test_migration();

	printf("# %u checks passed\n", check_count);
	return 0;
}
