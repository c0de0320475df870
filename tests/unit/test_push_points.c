/*
 * test_push_points.c: the nightly verdicts as points for the time-series
 * database (no privileges, no network):
 *  (a) push_format_verdict(): the exact line, tags sorted and escaped like
 *      a run's (the whole variant key as "variant", each axis as its own
 *      tag, an axis named like a fixed tag prefixed), fields that are not
 *      finite left out, the timestamp in ns;
 *  (b) a run's line and a verdict's line of one series carry the same
 *      series tags (so one dashboard filter selects both);
 *  (c) verdict_points_queue() on a compare result and a trend result:
 *      every compare row and only the trend rows that start a new regime,
 *      stored in one transaction (sqlite3 as the witness), with the kernel
 *      of tonight's runs;
 *  (d) the points' outbox: pending for every URL until marked delivered;
 *      a failure counts an attempt and backs off (1 min, then 2 min), so
 *      the point waits unless the backoff is ignored; delivered to one URL
 *      is still pending for another;
 *  (e) a line that is not one line is refused and nothing is stored.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "push.h"
#include "results.h"
#include "sqlite_witness.h"
#include "verdict_points.h"

static const struct push_verdict verdict = {
	.host = "box 1",
	.kernel = "6.18.0-mpl",
	.scenario = "two-path",
	.variant_key = "check=x,sched=default",
	.metric = "goodput_bps",
	.verdict = "regression",
	.check = "compare",
	.change = -0.03125,
	.ci_lo = -0.0625,
	.ci_hi = -0.015625,
	.p = 0.0005,
	.p_adjusted = 0.001,
	.floor = 0.01,
	.median_baseline = 80e6,
	.median_candidate = 77.5e6,
	.n_baseline = 28,
	.n_candidate = 6,
	.at_us = 1767225600ULL * 1000000 + 1,
};

static void test_format(void)
{
	static const char want[] =
		"mptcp_lab_verdict,check=compare,host=box\\ 1,kernel=6.18.0-mpl,metric=goodput_bps,"
		"scenario=two-path,sched=default,variant=check\\=x\\,sched\\=default,variant_check=x,"
		"verdict=regression change=-0.03125,ci_lo=-0.0625,ci_hi=-0.015625,p=0.0005,"
		"p_adjusted=0.001,floor=0.01,median_baseline=80000000,median_candidate=77500000,"
		"n_baseline=28,n_candidate=6 1767225600000001000\n";
	struct push_verdict v = verdict;
	struct push_buf b = { 0 };
	size_t lines = 0;

	CHECK(push_format_verdict(&b, &v, &lines) == 0 && lines == 1 && !strcmp(b.data, want),
	      "(a) the verdict's line: %s", b.data);
	push_buf_release(&b);

	v.ci_lo = v.ci_hi = v.p = v.p_adjusted = NAN;
	v.kernel = NULL;
	v.verdict = "inconclusive";
	lines = 0;
	CHECK(push_format_verdict(&b, &v, &lines) == 0 && lines == 1 &&
		      !strstr(b.data, "ci_lo") && !strstr(b.data, "p=") &&
		      !strstr(b.data, "kernel") && strstr(b.data, "verdict=inconclusive change="),
	      "(a) no CI, no p, no kernel: left out: %s", b.data);
	push_buf_release(&b);
}

/* The tags of a line (between the measurement and the first unescaped
 * space), without the ones only one of the measurements has. */
static void series_tags(const char *line, const char *const *drop, char *out, size_t size)
{
	const char *tag = NULL, *p;
	size_t n = 0;

	for (p = line;; p++) {
		bool sep = !*p || ((*p == ',' || *p == ' ') && p[-1] != '\\');

		if (!sep)
			continue;
		if (tag) {
			bool keep = true;

			for (const char *const *k = drop; *k; k++)
				keep &= strncmp(tag, *k, strlen(*k)) != 0;
			if (keep && n + (size_t)(p - tag) + 2 < size) {
				out[n++] = ',';
				memcpy(out + n, tag, (size_t)(p - tag));
				n += (size_t)(p - tag);
			}
		}
		if (*p != ',')
			break;
		tag = p + 1;
	}
	out[n] = '\0';
}

static void test_same_series(void)
{
	static const char *const run_only[] = { "status=", NULL };
	static const char *const verdict_only[] = { "check=", "metric=", "verdict=", NULL };
	struct push_buf rb = { 0 }, vb = { 0 };
	char rt[512], vt[512];
	struct results_run run;
	size_t lines = 0;

	check_must(results_run_init(&run), "results_run_init", NULL);
	check_must(results_run_set_str(&run.scenario, verdict.scenario), "set", NULL);
	check_must(results_run_set_str(&run.variant_key, verdict.variant_key), "set", NULL);
	check_must(results_run_set_str(&run.host.hostname, verdict.host), "set", NULL);
	check_must(results_run_set_str(&run.kernel.release, verdict.kernel), "set", NULL);
	check_must(results_run_add_metric(&run, "goodput_bps", 77e6), "add", NULL);
	check_must(push_format_run(&rb, &run, &lines), "push_format_run", NULL);
	check_must(push_format_verdict(&vb, &verdict, &lines), "push_format_verdict", NULL);
	series_tags(rb.data, run_only, rt, sizeof(rt));
	series_tags(vb.data, verdict_only, vt, sizeof(vt));
	CHECK(*rt && !strcmp(rt, vt), "(b) a run and a verdict of one series share its tags: '%s' / '%s'",
	      rt, vt);
	results_run_release(&run);
	push_buf_release(&rb);
	push_buf_release(&vb);
}

static void store_run(struct results *db, const char *kernel, const char *tag)
{
	struct results_run run;
	struct diag d = DIAG_INIT;

	check_must(results_run_init(&run), "results_run_init", NULL);
	check_must(results_run_set_str(&run.scenario, "s"), "set", NULL);
	check_must(results_run_set_str(&run.host.hostname, "box"), "set", NULL);
	check_must(results_run_set_str(&run.kernel.release, kernel), "set", NULL);
	check_must(results_run_add_tag(&run, "nightly", tag), "tag", NULL);
	check_must(results_run_add_metric(&run, "goodput_bps", 1e6), "add", NULL);
	run.started_at_us = 1767225600ULL * 1000000;
	check_must(results_run_store(db, &run, &d), "results_run_store", &d);
	results_run_release(&run);
}

static void test_queue(const char *path, struct results *db)
{
	struct compare_series cs[2] = { 0 }, ts[2] = { 0 };
	struct trend_series tser[2] = { 0 };
	struct compare_result cmp = { .series = cs, .n = 2 };
	struct trend_result tr = { .series = tser, .n = 2, .rows = { .series = ts, .n = 2 } };
	const char *tags[] = { "nightly=n2" };
	struct results_filter tonight = { .tags = tags, .n_tags = 1 };
	struct verdict_points_opts o = { .host = "box", .tonight = &tonight, .at_us = 5000000 };
	struct diag d = DIAG_INIT;
	size_t queued = 0;

	store_run(db, "6.17.0", "n1");
	store_run(db, "6.18.0", "n2");
	for (int i = 0; i < 2; i++) {
		snprintf(cs[i].scenario, sizeof(cs[i].scenario), "s");
		snprintf(cs[i].metric, sizeof(cs[i].metric), i ? "efficiency" : "goodput_bps");
		cs[i].verdict = i ? COMPARE_NO_CHANGE : COMPARE_REGRESSION;
		cs[i].ratio = i ? 1.0 : 0.9;
		cs[i].ci_lo = 0.875;
		cs[i].ci_hi = 0.9375;
		cs[i].n_base = 10;
		cs[i].n_cand = 5;
		ts[i] = cs[i];
		tser[i].new_regime = i == 0;
	}
	check_must(verdict_points_queue(db, &o, &cmp, &tr, &queued, &d), "verdict_points_queue",
		   &d);
	CHECK(queued == 3 && raw_int(path, "SELECT count(*) FROM push_points WHERE kind = 'verdict' "
					   "AND at_us = 5000000") == 3,
	      "(c) 2 compare rows and the 1 new trend regime are queued (%zu)", queued);
	CHECK(raw_int(path, "SELECT count(*) FROM push_points WHERE line LIKE "
			    "'mptcp_lab_verdict,check=trend,host=box,kernel=6.18.0,metric=goodput_bps,"
			    "scenario=s,verdict=regression change=-0.09999%'") == 1,
	      "(c) the trend's point, with tonight's kernel (not the other night's)");
	CHECK(raw_int(path, "SELECT count(*) FROM push_points WHERE line LIKE "
			    "'mptcp_lab_verdict,check=compare,%,verdict=no_change change=0,ci_lo=-0.125,"
			    "ci_hi=-0.0625,%,n_baseline=10,n_candidate=5 5000000000'") == 1,
	      "(c) the no-change row is a point too, its CI relative");
}

static void test_outbox(const char *path, struct results *db)
{
	const char *u1 = "http://a/write", *u2 = "http://b/write";
	struct results_points_pending p = { 0 };
	struct diag d = DIAG_INIT;
	const uint64_t t0 = 1000000000;

	check_must(results_points_pending(db, u1, t0, false, &p, &d), "pending", &d);
	CHECK(p.n == 3 && p.n_waiting == 0 && !strncmp(p.points[0].line, "mptcp_lab_verdict,", 18),
	      "(d) 3 points pending for a new URL");
	check_must(results_points_mark_failed(db, u1, p.points, 1, t0, "refused", &d), "failed", &d);
	results_points_pending_release(&p);
	check_must(results_points_pending(db, u1, t0 + 59000000, false, &p, &d), "pending", &d);
	CHECK(p.n == 2 && p.n_waiting == 1, "(d) a failed point waits 1 min (%zu due, %zu waiting)",
	      p.n, p.n_waiting);
	results_points_pending_release(&p);
	check_must(results_points_pending(db, u1, t0 + 59000000, true, &p, &d), "pending", &d);
	CHECK(p.n == 3, "(d) unless the backoff is ignored (--now)");
	check_must(results_points_mark_failed(db, u1, p.points, 1, t0 + 61000000, "refused", &d),
		   "failed", &d);
	results_points_pending_release(&p);
	CHECK(raw_int(path, "SELECT attempts * 1000 + (next_attempt_at_us - 1061000000) / 1000000 "
			    "FROM push_points_outbox WHERE url = 'http://a/write'") == 2120,
	      "(d) the second failure: 2 attempts, the next after 2 min");
	check_must(results_points_pending(db, u1, t0, true, &p, &d), "pending", &d);
	check_must(results_points_mark_pushed(db, u1, p.points, p.n, t0 + 1, &d), "pushed", &d);
	results_points_pending_release(&p);
	check_must(results_points_pending(db, u1, t0 + 1, true, &p, &d), "pending", &d);
	CHECK(p.n == 0 && p.n_waiting == 0, "(d) delivered: nothing pending for that URL");
	results_points_pending_release(&p);
	check_must(results_points_pending(db, u2, t0 + 1, false, &p, &d), "pending", &d);
	CHECK(p.n == 3, "(d) another URL still gets all 3");
	results_points_pending_release(&p);
}

static void test_refused(const char *path, struct results *db)
{
	const char *lines[] = { "m f=1 1", "m f=2 2\nm f=3 3" };
	struct diag d = DIAG_INIT;
	int ret;

	ret = results_points_add(db, "verdict", 1, lines, 2, &d);
	CHECK(ret == -EINVAL && strstr(diag_str(&d), "not one line") &&
		      raw_int(path, "SELECT count(*) FROM push_points") == 3,
	      "(e) two lines in one are refused, nothing stored: %s", diag_str(&d));
}

int main(void)
{
	const char *path;
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	static char tmpl[] = "/tmp/mpl-test-push-points-XXXXXX";

	check_tmpdir_make(tmpl);
	path = check_tmpdir_file("lab.db");
	test_format();
	test_same_series();
	check_must(results_open(path, &db, &d), "results_open", &d);
	test_queue(path, db);
	test_outbox(path, db);
	test_refused(path, db);
	results_close(db);
	printf("1..%u\n", check_count);
	return 0;
}
