/*
 * test_ideal: the ideal goodput follows the timed events (runner/measure
 * run.c run_timed_events() + run_ideal(), on derive.c's step function),
 * on the shipped scenarios with their events applied as planned:
 *   - rate-change (path 1 from 50 to 10 Mbit/s at 3 s of 8, path 2 30):
 *     52.6 Mbit/s over the measured window, not the 76.5 of the lab as
 *     built; each interval has the ideal of its own span;
 *   - failover (path 2 cut from 3 s to 6 s of 9): path 2 counts only
 *     while it is up;
 *   - a measured window that starts after 0 (a warm-up), an event that
 *     was never applied, a path without a rate limit (unknown, not 0),
 *     traffic in both directions.
 * The expected figures are computed here piece by piece from the
 * scenario's own rates and event times (rate × payload share of a
 * 1500-byte frame, (1500 - 20 - 32) / (1500 + 14)), not copied from a run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "run.h"

#define SHARE ((1500.0 - 20 - 32) / (1500.0 + 14))

static struct scenario sc;

static void load(const char *name)
{
	const char *src = getenv("MPL_SOURCE_DIR");
	struct diag_list errs = DIAG_LIST_INIT;
	char path[4096];

	snprintf(path, sizeof(path), "%s/scenarios/%s.json", src ? src : ".", name);
	if (scenario_load_file(path, NULL, 0, &sc, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			printf("# %s\n", errs.msgs[i]);
		check_failf(name, "cannot load '%s'", path);
	}
	diag_list_release(&errs);
}

static uint64_t rate_of(const char *path, bool up)
{
	for (unsigned i = 0; i < sc.topo.spec.n_paths; i++)
		if (!strcmp(sc.topo.spec.paths[i].name, path))
			return up ? sc.topo.spec.paths[i].up.rate_bps : sc.topo.spec.paths[i].down.rate_bps;
	check_failf(path, "no such path in '%s'", sc.name);
}

static bool near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

/* A run with the scenario's events applied at their planned times (the
 * first n_applied of them), and 1 s intervals over the window. */
static void make_run(struct results_run *run, size_t n_applied, uint64_t span_us)
{
	uint64_t applied[SCENARIO_MAX_EVENTS];

	check_must(results_run_init(run), "results_run_init", NULL);
	for (unsigned i = 0; i < sc.n_events; i++)
		applied[i] = sc.events[i].at_us;
	check_must(run_timed_events(&sc, applied, n_applied, run), "run_timed_events", NULL);
	for (uint64_t t = 0; t < span_us; t += 1000000) {
		struct telemetry_interval iv = { .start_us = t,
						 .end_us = t + 1000000 < span_us ? t + 1000000 : span_us,
						 .ideal_bps = (double)NAN };

		check_must(results_run_add_interval(run, &iv), "results_run_add_interval", NULL);
	}
}

static void test_rate_change(void)
{
	struct results_run run;
	double ideal, p1 = 0, p1_after = 0, p2 = 0, want, before, after;
	uint64_t at = 0, end;

	load("rate-change");
	end = sc.traffic.omit_us + sc.traffic.duration_us;
	p1 = (double)rate_of("path1", true);
	p2 = (double)rate_of("path2", true);
	checkf(sc.n_events == 1 && sc.events[0].action == SCENARIO_EV_SHAPING &&
		       !strcmp(sc.events[0].path, "path1"),
	       "rate-change: one shaping event on path1");
	at = sc.events[0].at_us;
	p1_after = (double)sc.events[0].up.rate_bps;
	before = (p1 + p2) * SHARE;
	after = (p1_after + p2) * SHARE;
	/* the time integral, piece by piece, over the window */
	want = (before * (double)at + after * (double)(end - at)) / (double)end;
	printf("# rate-change: %.0f + %.0f bit/s, path1 %.0f from %.1f s of %.1f s: %.4f Mbit/s\n",
	       p1, p2, p1_after, (double)at / 1e6, (double)end / 1e6, want / 1e6);

	make_run(&run, sc.n_events, end);
	check_must(run_ideal(&sc, &run, 0, end, &ideal), "run_ideal", NULL);
	checkf(near(ideal, want, 1) && near(ideal, 52.6e6, 0.05e6),
	       "rate-change: the ideal over the measured window is %.3f Mbit/s (%.3f from the "
	       "scenario; 52.6, not the %.1f of the lab as built)",
	       ideal / 1e6, want / 1e6, before / 1e6);
	checkf(near(run_ideal_goodput_bps(&sc, &sc.topo.spec), before, 1),
	       "rate-change: the lab as built allows %.2f Mbit/s",
	       run_ideal_goodput_bps(&sc, &sc.topo.spec) / 1e6);
	for (size_t i = 0; i < run.n_intervals; i++) {
		const struct telemetry_interval *iv = &run.intervals[i];
		double w = iv->end_us <= at ? before : iv->start_us >= at ? after : (double)NAN;

		checkf(near(iv->ideal_bps, w, 1), "rate-change: interval [%g, %g] s: ideal %.3f Mbit/s",
		       (double)iv->start_us / 1e6, (double)iv->end_us / 1e6, iv->ideal_bps / 1e6);
	}
	results_run_release(&run);

	/* A warm-up of 0.5 s: the window is [0.5 s, 8 s] on the run's time
	 * line, the intervals count from its start, so [2.5, 3.5] straddles
	 * the change at 3 s half and half. */
	make_run(&run, sc.n_events, end - 500000);
	check_must(run_ideal(&sc, &run, 500000, end - 500000, &ideal), "run_ideal", NULL);
	want = (before * (double)(at - 500000) + after * (double)(end - at)) / (double)(end - 500000);
	checkf(near(ideal, want, 1) && near(run.intervals[2].ideal_bps, (before + after) / 2, 1),
	       "rate-change from 0.5 s: %.3f Mbit/s (%.3f), interval [2, 3] s of the window "
	       "%.3f Mbit/s (half and half: %.3f)",
	       ideal / 1e6, want / 1e6, run.intervals[2].ideal_bps / 1e6,
	       (before + after) / 2e6);
	results_run_release(&run);

	/* The transfer ended before the event: the lab as built. */
	make_run(&run, 0, at);
	check_must(run_ideal(&sc, &run, 0, at, &ideal), "run_ideal", NULL);
	checkf(near(ideal, before, 1) && run.timed_events[0].applied_us == -1,
	       "an event never applied changes nothing (%.3f Mbit/s) and is stored as such",
	       ideal / 1e6);
	results_run_release(&run);
}

static void test_failover(void)
{
	struct results_run run;
	double ideal, p1, p2, both, one, want;
	uint64_t down, up, end;

	load("failover");
	end = sc.traffic.omit_us + sc.traffic.duration_us;
	checkf(sc.n_events == 2 && sc.events[0].action == SCENARIO_EV_LINK_DOWN &&
		       sc.events[1].action == SCENARIO_EV_LINK_UP &&
		       !strcmp(sc.events[0].path, "path2") && !strcmp(sc.events[1].path, "path2"),
	       "failover: path2 down, then up");
	down = sc.events[0].at_us;
	up = sc.events[1].at_us;
	p1 = (double)rate_of("path1", true);
	p2 = (double)rate_of("path2", true);
	both = (p1 + p2) * SHARE;
	one = p1 * SHARE;
	want = (both * (double)(down + end - up) + one * (double)(up - down)) / (double)end;
	printf("# failover: %.0f + %.0f bit/s, path2 down %.1f-%.1f s of %.1f s: %.4f Mbit/s\n", p1,
	       p2, (double)down / 1e6, (double)up / 1e6, (double)end / 1e6, want / 1e6);

	make_run(&run, sc.n_events, end);
	check_must(run_ideal(&sc, &run, 0, end, &ideal), "run_ideal", NULL);
	checkf(near(ideal, want, 1) && near(ideal, 66.95e6, 0.05e6),
	       "failover: the ideal over the measured window is %.3f Mbit/s (%.3f from the "
	       "scenario; path 2 not counted while cut)",
	       ideal / 1e6, want / 1e6);
	for (size_t i = 0; i < run.n_intervals; i++) {
		const struct telemetry_interval *iv = &run.intervals[i];
		double w = iv->start_us >= down && iv->end_us <= up ? one : both;

		checkf(near(iv->ideal_bps, w, 1), "failover: interval [%g, %g] s: ideal %.3f Mbit/s",
		       (double)iv->start_us / 1e6, (double)iv->end_us / 1e6, iv->ideal_bps / 1e6);
	}
	checkf(run.n_timed_events == 2 && run.timed_events[0].applied_us == (int64_t)down &&
		       run.timed_events[1].planned_us == up &&
		       run.timed_events[1].action == TELEM_EV_LINK_UP,
	       "failover: its two events stored with their planned and applied times");
	results_run_release(&run);
}

/* Not every scenario has a rate on every path: then there is no ideal. */
static void test_unknown_and_both(void)
{
	struct results_run run;
	double ideal, want;

	load("rate-change");
	for (unsigned i = 0; i < sc.topo.spec.n_paths; i++)
		if (!strcmp(sc.topo.spec.paths[i].name, "path2"))
			sc.topo.spec.paths[i].up.rate_bps = 0;
	make_run(&run, sc.n_events, 8000000);
	check_must(run_ideal(&sc, &run, 0, 8000000, &ideal), "run_ideal", NULL);
	checkf(isnan(ideal) && isnan(run.intervals[0].ideal_bps) &&
		       run_ideal_goodput_bps(&sc, &sc.topo.spec) == 0,
	       "a path without a rate limit: no ideal (NaN, not 0)");
	results_run_release(&run);

	load("asymmetric");
	checkf(sc.traffic.direction == SCENARIO_BOTH, "asymmetric: both directions");
	want = 0;
	for (unsigned i = 0; i < sc.topo.spec.n_paths; i++)
		want += (double)(sc.topo.spec.paths[i].up.rate_bps +
				 sc.topo.spec.paths[i].down.rate_bps) *
			SHARE;
	make_run(&run, 0, 5000000);
	check_must(run_ideal(&sc, &run, 0, 5000000, &ideal), "run_ideal", NULL);
	checkf(near(ideal, want, 1), "both directions: up and down of every path, %.3f Mbit/s",
	       ideal / 1e6);
	results_run_release(&run);
}

int main(void)
{
	test_rate_change();
	test_failover();
	test_unknown_and_both();
	printf("# %u checks passed\n", check_count);
	return 0;
}
