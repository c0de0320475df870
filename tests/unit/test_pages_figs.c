/*
 * test_pages_figs: what the report pages say of a series beyond its
 * verdict reaches the page text from compare's figures. A series built
 * with known noise, detectable change, clusters and bound exceedance
 * must come out of pages_figs_of() with those figures, and the
 * scenario pages' list (pages_figs_html), the suite-health cells of the
 * index (pages_health_cells) and the "how sure" line must print them
 * as exact percentages - so a pages_figs_of() that went back to "not
 * measured" fails here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pages_int.h"

/* What fn wrote for (cs, g), in a malloc'ed string. */
static char *page_text(struct compare_series *cs, const struct pages_figs *g, int what)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		perror("open_memstream");
		exit(1);
	}
	if (what == 0) {
		pages_figs_html(f, cs, g);
	} else if (what == 1) {
		pages_health_cells(f, g);
	} else {
		struct compare_result r = { .series = cs, .n = 1 };

		pages_sure_line(f, &r, "tonight's repetitions");
	}
	if (fclose(f)) {
		perror("fclose");
		exit(1);
	}
	return buf;
}

static void expect_in(const char *text, const char *want, const char *where)
{
	EXPECT(strstr(text, want) != NULL, "%s lacks \"%s\":\n%s", where, want, text);
}

/* A goodput series whose runs form two clusters: 1.2 % noise within a
 * night, 1.5 % between nights (a floor of 1.92 %), 4.7 % detectable
 * (more than 3 %). */
static void bimodal_series(struct compare_series *cs)
{
	memset(cs, 0, sizeof(*cs));
	compare_series_clear(cs);
	snprintf(cs->scenario, sizeof(cs->scenario), "failover");
	snprintf(cs->metric, sizeof(cs->metric), "goodput_bps");
	snprintf(cs->reason, sizeof(cs->reason), "the CI reaches past the floor");
	cs->higher_is_better = true;
	cs->verdict = COMPARE_INCONCLUSIVE;
	cs->n_base = 10;
	cs->n_cand = 10;
	cs->median_base = 100e6;
	cs->median_cand = 104e6;
	cs->mad_base = 2e6;
	cs->mad_cand = 3e6;
	cs->ratio = 1.04;
	cs->has_stats = true;
	cs->st.test = STATS_TEST_GROUP_T;
	cs->st.level = 0.95;
	cs->st.base.n_runs = cs->st.cand.n_runs = 10;
	cs->st.base.n_groups = 5;
	cs->st.cand.n_groups = 1;
	cs->st.base.sigma_within = 0.011;
	cs->st.cand.sigma_within = 0.013;
	cs->st.base.sigma_between = 0.015;
	cs->st.noise.sigma_within = 0.012;
	cs->st.noise.sigma_between = 0.015;
	cs->st.floor = 0.0192;
	cs->st.ks_d = 0.4;
	cs->st.mdc = 0.047;
	cs->bimodal = true;
	cs->mix.centre[0] = 90e6;
	cs->mix.centre[1] = 110e6;
	cs->mix.count[0][0] = 6; /* baseline: 6 low, 4 high */
	cs->mix.count[0][1] = 4;
	cs->mix.count[1][0] = 2; /* candidate: 2 low, 8 high */
	cs->mix.count[1][1] = 8;
	cs->mix.share_base = 0.4;
	cs->mix.share_cand = 0.8;
	cs->mix.p = 0.17;
	cs->mix.p_adjusted = (double)NAN;
	snprintf(cs->mix.by, sizeof(cs->mix.by), "subflows_active");
}

/* A completion-time series with a bound: 10 % of the baseline's runs
 * over it [2, 30], 50 % of the candidate's [30, 70]. Quiet enough to
 * detect 3 %. */
static void bound_series(struct compare_series *cs)
{
	memset(cs, 0, sizeof(*cs));
	compare_series_clear(cs);
	snprintf(cs->scenario, sizeof(cs->scenario), "rate-change");
	snprintf(cs->metric, sizeof(cs->metric), "completion_us");
	snprintf(cs->reason, sizeof(cs->reason), "slower");
	cs->verdict = COMPARE_REGRESSION;
	cs->n_base = cs->n_cand = 10;
	cs->median_base = 2e6;
	cs->median_cand = 2.2e6;
	cs->ratio = 1.1;
	cs->has_stats = true;
	cs->st.test = STATS_TEST_MANN_WHITNEY;
	cs->st.level = 0.95;
	cs->st.base.sigma_within = cs->st.cand.sigma_within = 0.004;
	cs->st.noise.sigma_within = 0.004;
	cs->st.noise.sigma_between = 0;
	cs->st.ks_d = 0.9;
	cs->st.mdc = 0.0123;
	cs->has_bound = true;
	cs->bound.bound_us = 2.5e6;
	cs->bound.n_base = cs->bound.n_cand = 10;
	cs->bound.over_base = 1;
	cs->bound.over_cand = 5;
	cs->bound.p_base = 0.1;
	cs->bound.p_base_lo = 0.02;
	cs->bound.p_base_hi = 0.3;
	cs->bound.p_cand = 0.5;
	cs->bound.p_cand_lo = 0.3;
	cs->bound.p_cand_hi = 0.7;
	cs->bound.p = 0.14;
}

int main(void)
{
	struct compare_series cs;
	struct pages_figs g;
	char want[160];
	size_t runs = 0;
	char *t;

	bimodal_series(&cs);
	pages_figs_of(&cs, &g);
	EXPECT(fabs(g.noise_within - 0.012) < 1e-12, "noise within %g", g.noise_within);
	EXPECT(fabs(g.noise_between - 0.015) < 1e-12, "noise between %g", g.noise_between);
	EXPECT(fabs(g.mdc - 0.047) < 1e-12, "mdc %g", g.mdc);
	EXPECT(pages_figs_weak(&g), "4.7 %% cannot detect 3 %%");
	EXPECT(stats_runs_needed(&cs.st.noise, PAGES_TARGET_CHANGE,
				 &(struct stats_verdict_opts){ .higher_is_better = true }, 500,
				 &runs) == 0 && runs > 10,
	       "stats_runs_needed: %zu", runs);
	EXPECT(g.runs_for_target == runs, "runs for 3 %%: %zu, want %zu", g.runs_for_target, runs);
	EXPECT(g.n_clusters == 2, "clusters %zu", g.n_clusters);
	EXPECT(fabs(g.cluster_share[0] - 0.4) < 1e-12 && fabs(g.cluster_share[1] - 0.6) < 1e-12,
	       "shares %g %g", g.cluster_share[0], g.cluster_share[1]);
	EXPECT(isnan(g.p_exceed_base) && isnan(g.p_exceed_cand), "no bound");

	t = page_text(&cs, &g, 0);
	expect_in(t, "a run varies by 1.2 % within a night, the nights by 1.5 %", "figures");
	expect_in(t, "Smallest change it can detect at these runs: 4.7 %", "figures");
	snprintf(want, sizeof(want), "cannot detect 3.0 %%; %zu runs a side would", runs);
	expect_in(t, want, "figures");
	expect_in(t, "<b>bimodal</b>, two clusters: 40 % of the runs around 90.00 Mbit/s and "
		     "60 % around 110.00 Mbit/s", "figures");
	expect_in(t, "the upper one holds 40 % of the baseline and 80 % of the candidate",
		  "figures");
	expect_in(t, "Fisher p 0.17", "figures");
	expect_in(t, "<code>subflows_active</code>", "figures");
	EXPECT(!strstr(t, "not measured"), "nothing is 'not measured':\n%s", t);
	EXPECT(!strstr(t, "Bound"), "no bound without one:\n%s", t);
	free(t);

	t = page_text(&cs, &g, 1);
	snprintf(want, sizeof(want),
		 "<td class=\"num\">1.2 %%</td><td class=\"num\">1.5 %%</td>"
		 "<td class=\"num\">4.7 %%</td><td class=\"weak\" title=\"%zu runs a side would "
		 "detect it\">no: %zu runs</td>",
		 runs, runs);
	EXPECT(!strcmp(t, want), "health cells:\n%s\nwant\n%s", t, want);
	free(t);

	t = page_text(&cs, &g, 2);
	expect_in(t, "0 of 1 series can detect a 3.0 % change at tonight's repetitions", "sure");
	expect_in(t, "varies within a night by 1.2 % and can detect 4.7 %", "sure");
	free(t);

	/* nights that vary more than 3 %: no number of runs a night helps */
	cs.st.base.sigma_between = cs.st.noise.sigma_between = 0.034;
	cs.st.floor = 0.036;
	pages_figs_of(&cs, &g);
	EXPECT(g.runs_for_target == 0, "runs for 3 %% past the floor: %zu", g.runs_for_target);
	t = page_text(&cs, &g, 0);
	expect_in(t, "cannot detect 3.0 % at any number of runs a night: its floor, the noise "
		     "of one run on a random night, is 3.6 %", "figures");
	free(t);
	t = page_text(&cs, &g, 1);
	expect_in(t, "<td class=\"weak\" title=\"its floor, the noise of one run on a random "
		     "night, is 3.6 %: more runs a night cannot help\">no: floor 3.6 %</td>",
		  "health cells");
	free(t);

	/* without a third night: between not measured, said so */
	cs.st.base.sigma_between = (double)NAN;
	cs.st.noise.sigma_between = 0;
	pages_figs_of(&cs, &g);
	EXPECT(isnan(g.noise_between), "between %g with fewer than 3 nights", g.noise_between);
	t = page_text(&cs, &g, 0);
	expect_in(t, "between nights not measured (fewer than 3 nights)", "figures");
	free(t);

	/* the bound, and a series that detects 3 % */
	bound_series(&cs);
	pages_figs_of(&cs, &g);
	EXPECT(!pages_figs_weak(&g) && g.runs_for_target == 0, "1.23 %% detects 3 %%");
	EXPECT(g.n_clusters == 1, "one cluster: %zu", g.n_clusters);
	t = page_text(&cs, &g, 0);
	expect_in(t, "Smallest change it can detect at these runs: 1.2 %", "figures");
	expect_in(t, "a run varies by 0.40 % within a night", "figures");
	expect_in(t, "Shape: one cluster.", "figures");
	expect_in(t, "Bound (2.500 s) exceeded: baseline 10 % [2, 30], candidate 50 % [30, 70] "
		     "of the runs (95 % Clopper-Pearson), Fisher p 0.14", "figures");
	EXPECT(!strstr(t, "cannot detect"), "not marked weak:\n%s", t);
	free(t);
	t = page_text(&cs, &g, 1);
	expect_in(t, "<td class=\"num\">1.2 %</td><td>yes</td>", "health cells");
	free(t);

	/* a series compare could not give figures: "not measured", not zeros */
	memset(&cs, 0, sizeof(cs));
	compare_series_clear(&cs);
	snprintf(cs.metric, sizeof(cs.metric), "goodput_bps");
	pages_figs_of(&cs, &g);
	EXPECT(isnan(g.noise_within) && isnan(g.mdc) && g.n_clusters == 0,
	       "no stats: within %g mdc %g clusters %zu", g.noise_within, g.mdc, g.n_clusters);

	/* a test that can never reach its level: "none" */
	bimodal_series(&cs);
	cs.st.mdc = (double)INFINITY;
	pages_figs_of(&cs, &g);
	t = page_text(&cs, &g, 1);
	expect_in(t, "<td class=\"num\">none</td>", "health cells");
	free(t);

	/* 2 nights against 1: the test on nightly medians has one degree of
	 * freedom, its detectable change is several times the median; the
	 * pages say "more than 100 %", not a meaningless 385.8 % */
	bimodal_series(&cs);
	cs.st.mdc = 3.858;
	pages_figs_of(&cs, &g);
	t = page_text(&cs, &g, 1);
	expect_in(t, "only a change of more than 100 % would reach its level\">&gt; 100 %</td>",
		  "health cells");
	EXPECT(!strstr(t, "385.8"), "the health cells do not show 385.8 %%");
	free(t);
	t = page_text(&cs, &g, 0);
	expect_in(t, "can detect at these runs: more than 100 % (too few nights or runs a side",
		  "the series' figures");
	EXPECT(!strstr(t, "385.8"), "the series' figures do not show 385.8 %%");
	free(t);
	t = page_text(&cs, &g, 2);
	EXPECT(!strstr(t, "385.8"), "the how-sure line does not show 385.8 %%");
	free(t);

	/* a series row says its verdict in words, not in the JSON spelling */
	bimodal_series(&cs);
	cs.verdict = COMPARE_NO_CHANGE;
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (!f) {
			perror("open_memstream");
			exit(1);
		}
		pages_row_cells(f, "scenario", "slug", cs.scenario, cs.variant_key, cs.metric, &cs);
		fclose(f);
		expect_in(buf, ">no change", "a no-change row");
		EXPECT(!strstr(buf, "no_change"), "the row does not say no_change: %s", buf);
		free(buf);
	}

	return check_expect_done("pages show compare's noise, detectable change, clusters and bounds");
}
