/*
 * mpl_queue_verdicts: a nightly job's verdict step on a database of
 * synthetic runs, for the dashboard test (tests/cli/grafana_vm.sh): the
 * comparison of one night's runs with the host's earlier runs and the
 * host's trend, as `nightly` makes them (report_compare, report_trend
 * with the defaults), then verdict_points_queue() — the very function
 * `nightly` calls — so `mptcp-lab push` sends the points.
 *
 * usage: mpl_queue_verdicts DB HOST NIGHT_TAG UNTIL_US AT_US
 *   the candidate is the runs tagged NIGHT_TAG (key=value), the baseline
 *   HOST's runs started before UNTIL_US, the trend HOST's whole history;
 *   the points are stamped AT_US.
 * Prints how many points were queued; exit 0, or 1 with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "compare.h"
#include "results.h"
#include "trend.h"
#include "verdict_points.h"

int main(int argc, char **argv)
{
	struct results *db = NULL;
	struct compare_result cmp = { 0 };
	struct trend_result tr = { 0 };
	struct diag d = DIAG_INIT;
	const char *tags[1];
	struct results_filter base = { 0 }, cand = { .tags = tags, .n_tags = 1 }, hist = { 0 };
	struct verdict_points_opts o = { 0 };
	size_t queued = 0;
	int ret;

	if (argc != 6) {
		fprintf(stderr, "usage: mpl_queue_verdicts DB HOST NIGHT_TAG UNTIL_US AT_US\n");
		return 1;
	}
	tags[0] = argv[3];
	base.host = hist.host = argv[2];
	base.until_us = strtoull(argv[4], NULL, 10);
	o.host = argv[2];
	o.tonight = &cand;
	o.at_us = strtoull(argv[5], NULL, 10);
	ret = results_open(argv[1], &db, &d);
	if (ret == 0)
		ret = report_compare(db, &base, &cand, NULL, &cmp, &d);
	if (ret == 0)
		ret = report_trend(db, &hist, &(struct trend_opts){ 0 }, &tr, &d);
	if (ret == 0)
		ret = verdict_points_queue(db, &o, &cmp, &tr, &queued, &d);
	if (ret < 0)
		fprintf(stderr, "mpl_queue_verdicts: %s\n", d.err ? diag_str(&d) : "out of memory");
	else
		printf("%zu\n", queued);
	compare_result_release(&cmp);
	trend_result_release(&tr);
	results_close(db);
	return ret < 0;
}
