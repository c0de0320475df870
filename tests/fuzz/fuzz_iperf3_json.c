/*
 * fuzz_iperf3_json: libFuzzer target for runner/iperf3_json.c.
 *
 * Input: whatever an iperf3 client may have written (seeds: the fixtures
 * of tests/fixtures/iperf3). Each input is parsed with every expectation
 * the engine can pass (none, upload, download, bidir, byte-count mode) so
 * the checks after the syntax are reached too. Besides memory errors
 * (ASan/UBSan), it aborts on broken promises of iperf3_json.h: a
 * rejection without a reason, a rejection that leaves data in the report,
 * an accepted report with negative or non-finite figures, or intervals
 * that end before they start.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iperf3_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *buf, size_t len, const struct iperf3_expect *exp)
{
	struct iperf3_report rep;
	char why[256];
	int r = iperf3_json_parse(buf, len, exp, &rep, why, sizeof(why));

	if (r < 0) {
		if ((r != -EBADMSG && r != -ENOMEM) || !why[0])
			abort();
		if (rep.intervals || rep.n_intervals || rep.goodput_bps != 0 || rep.bytes)
			abort();
	} else {
		if (r != 0 || !isfinite(rep.goodput_bps) || rep.goodput_bps < 0 ||
		    !isfinite(rep.seconds) || rep.seconds < 0 || rep.retransmits < -1 ||
		    rep.streams < 1 || (rep.n_intervals && !rep.intervals))
			abort();
		if (exp && exp->streams && rep.streams != exp->streams)
			abort();
		if (exp && exp->duration_s > 0 &&
		    fabs(rep.seconds - exp->duration_s) > 0.1 * exp->duration_s + 1e-9)
			abort();
		for (size_t i = 0; i < rep.n_intervals; i++)
			if (rep.intervals[i].end_us < rep.intervals[i].start_us ||
			    !isfinite(rep.intervals[i].bits_per_second) ||
			    rep.intervals[i].bits_per_second < 0 ||
			    rep.intervals[i].retransmits < -1)
				abort();
	}
	iperf3_report_release(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct iperf3_expect exps[] = {
		{ ENGINE_UPLOAD, 1.0, 2 },
		{ ENGINE_DOWNLOAD, 1.0, 2 },
		{ ENGINE_BOTH, 1.0, 1 },
		{ ENGINE_UPLOAD, 0, 0 },
	};
	const char *buf = (const char *)data;

	check(buf, size, NULL);
	for (size_t i = 0; i < sizeof(exps) / sizeof(exps[0]); i++)
		check(buf, size, &exps[i]);
	return 0;
}
