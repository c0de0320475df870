/*
 * iperf3_json: parse and validate the output of `iperf3 -c ... -J`.
 *
 * iperf3's JSON is trusted only after it passed every check below; a
 * report that fails one is not a measurement. What is rejected, and why
 * (see notes §1.1 and §3.3):
 *   - text that is not exactly one JSON object: a truncated report (the
 *     client was killed), a report printed twice (3.16/3.17), "-nan"
 *     (older releases); the reason gives line:column;
 *   - an "error" key: iperf3 reports its failures inside the JSON and
 *     releases before 3.14 still exit 0;
 *   - missing start, start.test_start, end, end.sum_sent, end.sum_received
 *     (and the *_bidir_reverse sums for --bidir);
 *   - numbers that are negative or not finite, a zero rate with bytes > 0;
 *   - a protocol other than TCP, a stream count or a direction other than
 *     asked, a measured time more than 10 % away from the asked duration.
 * Duplicate keys are accepted (jansson keeps the last one): iperf3 3.12
 * repeats sock_bufsize & co. in start with -P > 1 -R (esnet/iperf#1491).
 *
 * This file does not run iperf3 and does not print.
 */
#ifndef MPL_IPERF3_JSON_H
#define MPL_IPERF3_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* What the run asked for; the report must match it. */
struct iperf3_expect {
	enum engine_direction direction; /* -R: DOWNLOAD, --bidir: BOTH */
	double duration_s; /* -t; 0: do not check (byte-count mode) */
	unsigned streams;  /* -P; 0: do not check */
};

/* One end.sum_* object. */
struct iperf3_sum {
	double seconds;
	uint64_t bytes;
	double bits_per_second;
	int64_t retransmits; /* -1: absent (receiver sums have none) */
};

#define IPERF3_VERSION_MAX 32
#define IPERF3_CC_MAX 32

struct iperf3_report {
	char version[IPERF3_VERSION_MAX]; /* start.version, "iperf 3.12" */
	unsigned streams;		  /* start.test_start.num_streams */
	bool reverse, bidir;

	/* end.sum_sent / end.sum_received: the direction of the test (the
	 * client's data, or the server's with -R). */
	struct iperf3_sum sent, received;
	/* --bidir only: end.sum_sent_bidir_reverse and
	 * end.sum_received_bidir_reverse, the server's data. */
	struct iperf3_sum sent_reverse, received_reverse;

	/* Summary, receiver side (the client is the receiver with -R, and
	 * its end.sum_received is still the receiver's figure). With --bidir
	 * the two directions add up. */
	double goodput_bps;
	uint64_t bytes;
	double seconds;
	int64_t retransmits; /* sender side; -1: not reported */

	/* end.cpu_utilization_percent: host is the client, remote the
	 * server; -1 when absent. */
	double cpu_host_pct, cpu_remote_pct;

	/* end.sender_tcp_congestion / receiver_tcp_congestion ("" when
	 * absent: iperf3 reports them only when it knows them). */
	char sender_cc[IPERF3_CC_MAX], receiver_cc[IPERF3_CC_MAX];

	/* intervals[].sum (plus sum_bidir_reverse with --bidir), omitted
	 * warm-up intervals left out; times are from the end of the warm-up
	 * as iperf3 counts them. malloc'd. */
	struct telemetry_interval *intervals;
	size_t n_intervals;
};

/* Parse buf[0..len) (need not be NUL-terminated). Returns 0 and fills rep
 * when the report is trustworthy; -EBADMSG with the reason in why when it
 * is not (rep is then empty); -ENOMEM. exp may be NULL (nothing expected).
 * Call iperf3_report_release() after either outcome. */
int iperf3_json_parse(const char *buf, size_t len, const struct iperf3_expect *exp,
		      struct iperf3_report *rep, char *why, size_t whylen);

void iperf3_report_release(struct iperf3_report *rep);

#endif
