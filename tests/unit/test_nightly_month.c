/*
 * test_nightly_month: a month of synthetic nights through the nightly
 * job's judgement (nightly_judge, the code `mptcp-lab nightly` runs after
 * its suite) on runs stored night by night, as a lab box stores them.
 *
 * One series (a bulk scenario's goodput_bps, efficiency derived from it),
 * 6 runs a night at 0.5 % run noise and 0.3 % night-to-night noise, each
 * night its own nightly=<id> tag and kernel release, and a -4 % step from
 * night 22 on. The expectations, asserted:
 *   - no regression reported before night 22 (21 A/A nights);
 *   - exactly one "new" regression in the month, on the first night one is
 *     decided (22, or the next if 22 alone is not enough), and "known"
 *     every night after that it is seen again; the derived efficiency is
 *     never a regression of its own;
 *   - once the trend places the change point, the baseline restarts at
 *     night 22: its runs are all of the new regime (no two clusters: not
 *     bimodal, its p10 above the old regime's level minus the step), and
 *     the recorded regression starts at night 22 with the kernels either
 *     side of it;
 *   - `ack` closes it: the next night shows it acknowledged, nothing open.
 * And nightly A/A with night effects can fail: tonight's runs 4 % slower
 * than a quiet history is a new regression at once (the check that the
 * month's quiet nights are quiet for the right reason).
 *
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
#include "nightly.h"
#include "results.h"
#include "stats.h"

#define DAY_US (86400ULL * 1000000ULL)
#define NIGHTS 30
#define STEP_NIGHT 22
#define RUNS 6

static char tmpdir[64] = "/tmp/mpl-test-month-XXXXXX";
static const uint64_t day0_us = 20400ULL * DAY_US; /* 2025-11-08, 00:00 UTC */

static void night_label(unsigned n, char *buf, size_t size)
{
	time_t t = (time_t)((day0_us + n * DAY_US) / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
}

/* Night n's runs, 6 of them from 02:00, tagged as `nightly` tags them. */
static void store_night(struct results *db, unsigned n, double level, struct stats_rng *rng)
{
	const double night = 1 + 0.003 * stats_rng_normal(rng);
	char id[16], label[16], kernel[32];

	snprintf(id, sizeof(id), "n%02u", n);
	snprintf(kernel, sizeof(kernel), "6.18.%u", n);
	night_label(n, label, sizeof(label));
	for (unsigned k = 0; k < RUNS; k++) {
		const double g = level * night * (1 + 0.005 * stats_rng_normal(rng));
		struct results_run run;
		struct diag d = DIAG_INIT;

		check_must(results_run_init(&run), "results_run_init", NULL);
		check_must(results_run_set_str(&run.scenario, "month"), "scenario", NULL);
		check_must(results_run_set_str(&run.variant_key, "cc=cubic"), "variant", NULL);
		check_must(results_run_set_str(&run.host.hostname, "month-box"), "host", NULL);
		check_must(results_run_set_str(&run.kernel.release, kernel), "kernel", NULL);
		run.repetition = (int)k + 1;
		run.started_at_us = day0_us + n * DAY_US + 2 * 3600ULL * 1000000 + k * 60000000ULL;
		run.finished_at_us = run.started_at_us + 3000000;
		run.status = RESULTS_OK;
		check_must(results_run_add_tag(&run, "nightly", id), "tag", NULL);
		check_must(results_run_add_tag(&run, "night", label), "tag", NULL);
		check_must(results_run_add_metric(&run, "goodput_bps", g), "metric", NULL);
		check_must(results_run_add_metric(&run, "efficiency", g / 80e6), "metric", NULL);
		check_must(results_run_store(db, &run, &d), "store", &d);
		results_run_release(&run);
	}
}

static void judge(struct results *db, unsigned n, struct nightly_judgement *j)
{
	struct diag d = DIAG_INIT;
	char id[16];

	snprintf(id, sizeof(id), "n%02u", n);
	check_must(nightly_judge(db,
				 &(struct nightly_judge_opts){ .host = "month-box", .nightly_id = id,
							       .now_us = day0_us + n * DAY_US +
									 3600ULL * 1000000,
							       .store = true },
				 j, &d),
		   "nightly_judge", &d);
}

static const struct nightly_regression *reg_of(const struct nightly_judgement *j,
					       const char *metric)
{
	for (size_t i = 0; i < j->n_regs; i++)
		if (!strcmp(j->regs[i].metric, metric))
			return &j->regs[i];
	return NULL;
}

static const struct compare_series *row_of(const struct compare_result *r, const char *metric)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->series[i].metric, metric))
			return &r->series[i];
	return NULL;
}

static const struct nightly_baseline *base_of(const struct nightly_judgement *j,
					      const char *metric)
{
	for (size_t i = 0; i < j->n_bases; i++)
		if (!strcmp(j->bases[i].metric, metric))
			return &j->bases[i];
	return NULL;
}

int main(void)
{
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	struct stats_rng rng;
	char path[128], step_label[16];
	unsigned n_new = 0, new_night = 0, known_nights = 0, restarted_nights = 0;
	unsigned first_restart = 0, early_alarms = 0;
	int64_t reg_id = 0;

	if (access("/dev/shm", W_OK) == 0)
		snprintf(tmpdir, sizeof(tmpdir), "/dev/shm/mpl-test-month-XXXXXX");
	check_tmpdir_make(tmpdir);
	snprintf(path, sizeof(path), "%s/lab.db", tmpdir);
	check_must(results_open(path, &db, &d), "results_open", &d);
	stats_rng_seed(&rng, 2611);
	night_label(STEP_NIGHT, step_label, sizeof(step_label));

	for (unsigned n = 1; n <= NIGHTS; n++) {
		struct nightly_judgement j;
		const struct nightly_regression *g, *e;
		const struct nightly_baseline *b;
		const struct compare_series *s;

		store_night(db, n, n >= STEP_NIGHT ? 96e6 : 100e6, &rng);
		if (n == 1)
			continue;
		judge(db, n, &j);
		g = reg_of(&j, "goodput_bps");
		e = reg_of(&j, "efficiency");
		b = base_of(&j, "goodput_bps");
		s = row_of(&j.cmp, "goodput_bps");
		printf("       > night %2u: %zu new, %zu open; goodput %s%s%s; baseline since %s%s, median %.2f Mbit/s\n",
		       n, j.n_new, j.n_open, g ? nightly_state_name(g->state) : "-",
		       g ? " from " : "", g ? g->source : "",
		       b ? (b->regime ? "a change point" : "the window") : "-",
		       b && b->held_out_us ? " (nights held out)" : "", s ? s->median_base / 1e6 : 0.0);
		checkf(!e, "night %u: efficiency (derived) is no regression of its own", n);
		if (n < STEP_NIGHT)
			early_alarms += j.n_regs > 0;
		if (g && g->state == NIGHTLY_NEW) {
			n_new++;
			new_night = n;
			reg_id = g->id;
		} else if (g && g->state == NIGHTLY_KNOWN) {
			known_nights++;
			checkf(g->id == reg_id && new_night && n > new_night,
			       "night %u: the regression is known, #%lld, the one reported on night %u",
			       n, (long long)g->id, new_night);
		}
		if (b && b->regime && s) {
			if (!first_restart)
				first_restart = n;
			restarted_nights++;
			checkf(b->since_us == day0_us + STEP_NIGHT * DAY_US && !s->bimodal &&
				       fabs(s->median_base / 96e6 - 1) < 0.01 &&
				       s->st.base.p10 > 96e6 * 0.985,
			       "night %u: the baseline restarts at night %u: median %.2f Mbit/s, p10 %.2f, one cluster",
			       n, STEP_NIGHT, s->median_base / 1e6, s->st.base.p10 / 1e6);
		}
		if (n == NIGHTS) {
			checkf(j.n_open == 1 && j.open[0].id == reg_id &&
				       !strcmp(j.open[0].since, step_label) &&
				       !strcmp(j.open[0].kernel_before, "6.18.21") &&
				       !strcmp(j.open[0].kernel_after, "6.18.22"),
			       "night %u: one regression open, #%lld since %s (kernel %s -> %s)", n,
			       (long long)j.open[0].id, j.open[0].since, j.open[0].kernel_before,
			       j.open[0].kernel_after);
		}
		nightly_judgement_release(&j);
	}
	checkf(early_alarms == 0, "no regression reported on the %u nights before the step (%u)",
	       STEP_NIGHT - 2, early_alarms);
	checkf(n_new == 1 && (new_night == STEP_NIGHT || new_night == STEP_NIGHT + 1),
	       "one new regression in the month, on night %u (the step is night %u)", new_night,
	       STEP_NIGHT);
	checkf(known_nights >= NIGHTS - new_night - 2,
	       "known on %u of the %u nights after it", known_nights, NIGHTS - new_night);
	checkf(first_restart && first_restart <= STEP_NIGHT + 6 && restarted_nights >= 3,
	       "the baseline restarted at the change point from night %u on (%u nights)",
	       first_restart, restarted_nights);

	/* ack: the next night shows it acknowledged, nothing open */
	{
		struct nightly_judgement j;
		const struct nightly_regression *g;

		check_must(results_regression_ack(db, reg_id, day0_us + (NIGHTS + 1) * DAY_US,
						  "bisected: fixed by the next rc", "test", &d),
			   "ack", &d);
		store_night(db, NIGHTS + 1, 96e6, &rng);
		judge(db, NIGHTS + 1, &j);
		g = reg_of(&j, "goodput_bps");
		checkf(j.n_new == 0 && j.n_open == 0 && (!g || g->state == NIGHTLY_ACKED),
		       "after ack: no new, nothing open, the regression %s",
		       g ? nightly_state_name(g->state) : "not seen tonight");
		nightly_judgement_release(&j);
		{
			int r = results_regression_ack(db, 999, day0_us, "x", NULL, &d);

			checkf(r == -ENOENT && strstr(diag_str(&d), "no regression 999"),
			       "acking a regression that does not exist: -ENOENT (%s)", diag_str(&d));
		}
	}

	/* the same quiet history can alarm: a night 4 % slower after 10 quiet
	 * nights of another series is new at once */
	{
		struct results *db2 = NULL;
		struct nightly_judgement j;
		char path2[128];

		snprintf(path2, sizeof(path2), "%s/aa.db", tmpdir);
		check_must(results_open(path2, &db2, &d), "results_open", &d);
		for (unsigned n = 1; n <= 11; n++)
			store_night(db2, n, n == 11 ? 96e6 : 100e6, &rng);
		judge(db2, 11, &j);
		checkf(j.n_new == 1 && reg_of(&j, "goodput_bps"),
		       "a -4 %% night after 10 quiet ones: a new regression at once (%zu new)",
		       j.n_new);
		nightly_judgement_release(&j);
		results_close(db2);
	}
	results_close(db);
	printf("all %u checks passed\n", check_count);
	return 0;
}
