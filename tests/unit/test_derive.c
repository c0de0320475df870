/*
 * test_derive.c: the derived metrics of runner/measure/derive.c on synthetic
 * telemetry over the shipped two-path topology (path1 50 Mbit/s via r1,
 * path2 30 Mbit/s via r2):
 *  - which path a subflow is on, from its client-side address first (a
 *    subflow from the client's path-2 address to the server's path-1
 *    address travels path 2), IPv6, the server side as a fallback;
 *  - per-path shares from the sender's last acked bytes, closed subflows
 *    included, fields the kernel did not report left out (not zero);
 *  - when the subflows joined, from PM events, else from the samples;
 *  - reinjected bytes, completion time against the ideal, rr figures;
 *  - recovery after a link outage: from the link-up to the first sample
 *    with more acked bytes on the path, a re-joined subflow included;
 *  - what derive_store() writes into a run.
 * Expected values are computed from the synthetic inputs, not copied.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "derive.h"
#include "topology.h"

static struct topology topo;

static void load_topology(void)
{
	const char *src = getenv("MPL_SOURCE_DIR");
	struct diag_list errs = DIAG_LIST_INIT;
	char path[4096];

	snprintf(path, sizeof(path), "%s/topologies/two-path.json", src ? src : ".");
	if (topology_load_file(path, NULL, 0, &topo, &errs) < 0) {
		printf("FAIL cannot load '%s'\n", path);
		exit(1);
	}
	diag_list_release(&errs);
}

/* ---- building telemetry ---------------------------------------------------- */

struct tm_builder {
	struct telemetry t;
};

static void add_sample(struct tm_builder *b, uint64_t t_us, char role, uint32_t id,
		       const char *local, const char *remote, uint32_t present, uint64_t sent,
		       uint64_t acked, uint64_t received)
{
	struct telemetry_subflow_sample s = {
		.t_us = t_us, .role = role, .subflow_id = id, .present = present | TELEM_ADDRS,
		.bytes_sent = sent, .bytes_acked = acked, .bytes_received = received,
	};

	snprintf(s.local, sizeof(s.local), "%s", local);
	snprintf(s.remote, sizeof(s.remote), "%s", remote);
	if (telemetry_add_subflow(&b->t, &s) < 0)
		exit(1);
}

static void add_conn(struct tm_builder *b, uint64_t t_us, char role, uint32_t present,
		     uint64_t retrans, uint64_t acked)
{
	struct telemetry_conn_sample c = { .t_us = t_us, .role = role, .present = present,
					   .bytes_retrans = retrans, .bytes_acked = acked };

	if (telemetry_add_conn(&b->t, &c) < 0)
		exit(1);
}

static void add_event(struct tm_builder *b, uint64_t t_us, char role, const char *type,
		      uint32_t token)
{
	struct telemetry_pm_event e = { .t_us = t_us, .role = role, .token = token };

	snprintf(e.type, sizeof(e.type), "%s", type);
	if (telemetry_add_event(&b->t, &e) < 0)
		exit(1);
}

static struct derive_input input(const struct telemetry *t)
{
	return (struct derive_input){
		.telem = t,
		.spec = &topo.spec,
		.client_node = topo.client,
		.server_node = topo.server,
		.client_sends = true,
		.expected_subflows = 2,
	};
}

#define C1 "10.1.1.1:40000" /* client, path 1 */
#define S1 "10.1.2.2:5201"  /* server, path 1 */
#define C2 "10.2.1.1:40001" /* client, path 2 (to the server's path-1 address) */
#define C2B "10.2.1.1:40002" /* the same address after a re-join */
#define ALL_BYTES (TELEM_BYTES_SENT | TELEM_BYTES_ACKED | TELEM_BYTES_RECEIVED)

static void must_init(struct results_run *run)
{
	if (results_run_init(run) < 0) {
		printf("FAIL results_run_init\n");
		exit(1);
	}
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-9 * (fabs(b) + 1);
}

/* ---- cases ------------------------------------------------------------------------ */

static void test_paths(void)
{
	const struct lab_spec *sp = &topo.spec;
	const char *c = topo.client, *s = topo.server;

	CHECK(sp->n_paths == 2 && !strcmp(sp->paths[0].name, "path1") &&
		      !strcmp(sp->paths[1].name, "path2"),
	      "two-path has path1 and path2");
	CHECK(derive_path_of(sp, c, s, C1, S1) == 0, "client 10.1.1.1 -> path1");
	CHECK(derive_path_of(sp, c, s, C2, S1) == 1,
	      "client 10.2.1.1 to the server's path-1 address -> path2 (the client's side decides)");
	CHECK(derive_path_of(sp, c, s, S1, C2) == 1, "the server's view of it -> path2 too");
	CHECK(derive_path_of(sp, c, s, "[fd00:2:1::1]:40000", "[fd00:1:2::2]:5201") == 1,
	      "IPv6 with brackets and port -> path2");
	CHECK(derive_path_of(sp, c, s, "192.0.2.1:1", "10.2.2.2:5201") == 1,
	      "an unknown local address: the server's address decides (path2)");
	CHECK(derive_path_of(sp, c, s, "fd00:1:1::1", "") == 0, "a bare IPv6 address -> path1");
	CHECK(derive_path_of(sp, c, s, "192.0.2.1:1", "198.51.100.1:2") == -1 &&
		      derive_path_of(sp, c, s, "", "garbage") == -1,
	      "addresses on no link -> -1");
}

/* An upload over both paths, 5 s, sampled every 100 ms on both sides:
 * path1 carries 5/8 of the bytes, path2 3/8. The server's samples only
 * have received bytes. */
static void build_upload(struct tm_builder *b, double rate1_bps, double rate2_bps)
{
	for (uint64_t t = 100000; t <= 5000000; t += 100000) {
		uint64_t a1 = (uint64_t)(rate1_bps / 8 * (double)t / 1e6);
		uint64_t a2 = t >= 200000 ? (uint64_t)(rate2_bps / 8 * (double)(t - 100000) / 1e6) : 0;

		add_sample(b, t, 'c', 1, C1, S1, ALL_BYTES | TELEM_RETRANS, a1 + 1448, a1, 0);
		if (t >= 200000)
			add_sample(b, t, 'c', 2, C2, S1, ALL_BYTES | TELEM_RETRANS, a2 + 1448, a2, 0);
		add_sample(b, t + 3, 's', 1, S1, C1, TELEM_BYTES_RECEIVED, 0, 0, a1);
		if (t >= 200000)
			add_sample(b, t + 3, 's', 2, S1, C2, TELEM_BYTES_RECEIVED, 0, 0, a2);
		add_conn(b, t, 'c', TELEM_C_BYTES_RETRANS | TELEM_C_BYTES_ACKED, t / 100000 * 10,
			 a1 + a2);
		add_conn(b, t + 3, 's', TELEM_C_BYTES_RETRANS, 999999, 0);
	}
}

static void test_shares(void)
{
	struct tm_builder b = { 0 };
	struct derive_input in;
	struct derive_result r;
	uint64_t a1 = 0, a2 = 0;

	build_upload(&b, 50e6, 30e6);
	in = input(&b.t);
	CHECK(derive_run(&in, &r) == 0, "derive an upload");
	for (size_t i = 0; i < b.t.n_subflows; i++) {
		if (b.t.subflows[i].role == 'c' && b.t.subflows[i].subflow_id == 1)
			a1 = b.t.subflows[i].bytes_acked;
		if (b.t.subflows[i].role == 'c' && b.t.subflows[i].subflow_id == 2)
			a2 = b.t.subflows[i].bytes_acked;
	}
	CHECK(r.n_subflows == 4, "4 distinct subflows: 2 per side (%zu)", r.n_subflows);
	CHECK(r.path_acked[0] == a1 && r.path_acked[1] == a2 && r.unmapped_acked == 0,
	      "acked bytes per path are each subflow's last sample (%llu, %llu)",
	      (unsigned long long)r.path_acked[0], (unsigned long long)r.path_acked[1]);
	CHECK(near(r.share[0], (double)a1 / (double)(a1 + a2)) &&
		      near(r.share[1], (double)a2 / (double)(a1 + a2)),
	      "shares %.4f / %.4f", r.share[0], r.share[1]);
	CHECK(fabs(r.share[0] - 0.625) < 0.01, "path1 carries about 50/80 of the bytes (%.4f)",
	      r.share[0]);
	CHECK(near(r.bytes_retrans, 500), "bytes_retrans from the client's last snapshot: %.0f",
	      r.bytes_retrans);
	CHECK(!r.joined_from_events && near(r.subflows_joined_us, 200000),
	      "no events: joined at the first sample with 2 subflows (%.0f us)",
	      r.subflows_joined_us);
	CHECK(isnan(r.recover_us) && isnan(r.completion_us), "no outage, no byte count: unknown");
	derive_result_release(&r);

	/* the download direction: the server is the sender */
	in.client_sends = false;
	in.server_sends = true;
	CHECK(derive_run(&in, &r) == 0 && isnan(r.share[0]) && near(r.bytes_retrans, 999999),
	      "a download reads the server's samples: it acked nothing, so no share; its retrans");
	derive_result_release(&r);
	telemetry_release(&b.t);
}

/* A subflow that closes half way still counts; samples without
 * bytes_acked (an old kernel) count for nothing, not for zero. */
static void test_absent_and_closed(void)
{
	struct tm_builder b = { 0 };
	struct derive_input in;
	struct derive_result r;
	struct results_run run;

	add_sample(&b, 100000, 'c', 1, C1, S1, ALL_BYTES, 1000, 1000, 0);
	add_sample(&b, 100000, 'c', 2, C2, S1, ALL_BYTES | TELEM_RETRANS, 3000, 3000, 0);
	add_sample(&b, 200000, 'c', 1, C1, S1, ALL_BYTES, 5000, 5000, 0);
	/* subflow 2 is gone after 100 ms; subflow 3 never reports acked bytes */
	add_sample(&b, 200000, 'c', 3, "10.1.1.1:40003", S1, TELEM_BYTES_SENT, 7777, 0, 0);
	in = input(&b.t);
	CHECK(derive_run(&in, &r) == 0 && r.path_acked[0] == 5000 && r.path_acked[1] == 3000,
	      "a closed subflow keeps its last acked bytes (path1 %llu, path2 %llu)",
	      (unsigned long long)r.path_acked[0], (unsigned long long)r.path_acked[1]);
	CHECK(near(r.share[0], 5000.0 / 8000) && isnan(r.bytes_retrans),
	      "a subflow without bytes_acked is left out (share %.3f), no conn samples: no retrans",
	      r.share[0]);
	CHECK(r.subflows[0].retransmits == -1 && r.subflows[1].retransmits == 0 &&
		      !(r.subflows[2].present & TELEM_BYTES_ACKED),
	      "retransmits unknown (-1) where the kernel did not say, 0 where it said 0");

	must_init(&run);
	CHECK(derive_store(&in, &r, &run) == 0 && run.n_subflows == 3,
	      "3 subflows stored (%zu)", run.n_subflows);
	CHECK(run.subflows[2].bytes_sent == 7777 && run.subflows[2].bytes_acked == 0 &&
		      !strcmp(run.subflows[2].local, "10.1.1.1:40003") &&
		      run.subflows[0].retransmits == -1,
	      "stored with its addresses and what was known");
	results_run_release(&run);
	derive_result_release(&r);
	telemetry_release(&b.t);
}

static void test_joined_events(void)
{
	struct tm_builder b = { 0 };
	struct derive_input in;
	struct derive_result r;

	build_upload(&b, 50e6, 30e6);
	add_event(&b, 0, 's', "listener_created", 0);
	add_event(&b, 1200, 'c', "created", 0xa);
	add_event(&b, 1500, 's', "created", 0xb);
	add_event(&b, 2100, 'c', "established", 0xa);
	add_event(&b, 2300, 's', "established", 0xb);
	add_event(&b, 41000, 's', "sub_established", 0xb);
	add_event(&b, 43000, 'c', "sub_established", 0xa);
	in = input(&b.t);
	CHECK(derive_run(&in, &r) == 0 && r.joined_from_events &&
		      near(r.subflows_joined_us, 43000),
	      "joined when the client saw its sub_established (%.0f us)", r.subflows_joined_us);
	derive_result_release(&r);

	in.expected_subflows = 3;
	CHECK(derive_run(&in, &r) == 0 && isnan(r.subflows_joined_us),
	      "3 expected, 2 ever seen: never joined");
	derive_result_release(&r);

	in.expected_subflows = 1;
	CHECK(derive_run(&in, &r) == 0 && near(r.subflows_joined_us, 2100),
	      "1 expected: the connection's established event (%.0f us)", r.subflows_joined_us);
	derive_result_release(&r);

	/* a second connection on the client that never got its extra subflow:
	 * the client's events cannot say, the server's can */
	add_event(&b, 3000, 'c', "established", 0xc);
	in.expected_subflows = 2;
	CHECK(derive_run(&in, &r) == 0 && r.joined_from_events && near(r.subflows_joined_us, 41000),
	      "a client connection short of subflows: the server's events decide (%.0f us)",
	      r.subflows_joined_us);
	derive_result_release(&r);
	telemetry_release(&b.t);
}

static void test_completion_and_rr(void)
{
	struct tm_builder b = { 0 };
	struct derive_input in = input(&b.t);
	/* Each rr figure of the engine and the metric it is stored as. */
	const struct {
		const char *metric;
		uint64_t value;
	} rr[] = {
		{ "transactions", 12345 }, { "latency_p50_us", 400 }, { "latency_p90_us", 650 },
		{ "latency_p99_us", 900 }, { "latency_max_us", 4100 },
	};
	struct derive_result r;
	struct results_run run;
	const struct results_metric *m;
	double ideal_us;

	in.bytes = 16 << 20;
	in.completion_us = 2900000;
	in.ideal_goodput_bps = 76.8e6;
	ideal_us = (double)in.bytes * 8 / in.ideal_goodput_bps * 1e6;
	CHECK(derive_run(&in, &r) == 0 && near(r.completion_us, 2900000) &&
		      near(r.completion_ratio, 2900000 / ideal_us),
	      "16 MiB in 2.9 s over 76.8 Mbit/s: ratio %.4f", r.completion_ratio);
	in.rr = (struct engine_rr){ .transactions = 12345, .tps = 2469.0, .p50_us = 400,
				    .p90_us = 650, .p99_us = 900, .max_us = 4100 };
	must_init(&run);
	CHECK(derive_store(&in, &r, &run) == 0, "store");
	m = results_run_metric(&run, "completion_ratio");
	CHECK(m && near(m->value, r.completion_ratio) && results_run_metric(&run, "completion_us"),
	      "completion_us and completion_ratio stored");
	for (size_t i = 0; i < ARRAY_SIZE(rr); i++) {
		m = results_run_metric(&run, rr[i].metric);
		CHECK(m && m->value == (double)rr[i].value, "rr: %s stored (%.0f)", rr[i].metric,
		      m ? m->value : -1.0);
	}
	m = results_run_metric(&run, "tps");
	CHECK(m && m->value == 2469.0, "rr: tps stored");
	CHECK(!results_run_metric(&run, "share.path1") && !results_run_metric(&run, "recover_us") &&
		      !results_run_metric(&run, "subflows_joined_us") && run.n_subflows == 0,
	      "no telemetry: no share, recovery, join time or subflows (nothing made up)");
	results_run_release(&run);
	derive_result_release(&r);

	in.completion_us = 0;
	CHECK(derive_run(&in, &r) == 0 && isnan(r.completion_us), "no completion time: unknown");
	derive_result_release(&r);
}

/*
 * Path 2 is cut at 2 s and back at 4 s. Path 2's subflow gets nothing
 * acked during the outage (its sent bytes still grow: retransmissions),
 * path 1 takes everything; after the link-up the subflow resumes at
 * resume_us. With rejoin, the old subflow is gone and a new one (new
 * port) carries path 2's bytes.
 */
static void build_failover(struct tm_builder *b, uint64_t resume_us, bool rejoin)
{
	uint64_t a1 = 0, a2 = 0, s2 = 0;

	for (uint64_t t = 100000; t <= 7000000; t += 100000) {
		bool outage = t > 2000000 && t < resume_us;

		a1 += outage ? 10000000 / 10 : 6250000 / 10;
		if (!outage)
			a2 += 3750000 / 10;
		s2 += 3750000 / 10;
		add_sample(b, t, 'c', 1, C1, S1, ALL_BYTES, a1, a1, 0);
		if (!rejoin || t <= 2000000)
			add_sample(b, t, 'c', 2, C2, S1, ALL_BYTES, s2, rejoin ? 750000 : a2, 0);
		else if (t >= resume_us)
			add_sample(b, t, 'c', 3, C2B, S1, ALL_BYTES, a2 - 750000, a2 - 750000, 0);
	}
}

static void test_recover(void)
{
	struct derive_link_event ev[] = {
		{ "path2", false, 2000000 },
		{ "path2", true, 4000000 },
	};
	struct tm_builder b = { 0 };
	struct derive_input in;
	struct derive_result r;
	struct results_run run;

	build_failover(&b, 4500000, false);
	in = input(&b.t);
	in.events = ev;
	in.n_events = 2;
	CHECK(derive_run(&in, &r) == 0 && near(r.recover_us, 500000) &&
		      !strcmp(r.recover_path, "path2"),
	      "path2 carries traffic again 500 ms after the link-up (%.0f us)", r.recover_us);
	must_init(&run);
	CHECK(derive_store(&in, &r, &run) == 0 && results_run_metric(&run, "recover_us") &&
		      results_run_metric(&run, "recover_us")->value == 500000,
	      "recover_us stored");
	results_run_release(&run);
	derive_result_release(&r);
	telemetry_release(&b.t);

	memset(&b, 0, sizeof(b));
	build_failover(&b, 5300000, true);
	in.telem = &b.t;
	CHECK(derive_run(&in, &r) == 0 && near(r.recover_us, 1300000),
	      "a subflow that re-joined after the link-up counts from its first acked bytes "
	      "(%.0f us)", r.recover_us);
	derive_result_release(&r);
	telemetry_release(&b.t);

	memset(&b, 0, sizeof(b));
	build_failover(&b, 99000000, false);
	in.telem = &b.t;
	must_init(&run);
	CHECK(derive_run(&in, &r) == 0 && isnan(r.recover_us) &&
		      derive_store(&in, &r, &run) == 0 && !results_run_metric(&run, "recover_us"),
	      "never back within the run: no recover_us (not 0)");
	results_run_release(&run);
	derive_result_release(&r);

	in.n_events = 1; /* down only */
	CHECK(derive_run(&in, &r) == 0 && isnan(r.recover_us), "no link-up: nothing to recover");
	derive_result_release(&r);
	telemetry_release(&b.t);
}

static void test_store_upload(void)
{
	struct tm_builder b = { 0 };
	struct derive_input in;
	struct derive_result r;
	struct results_run run;
	const struct results_metric *p1, *p2;

	build_upload(&b, 50e6, 30e6);
	in = input(&b.t);
	must_init(&run);
	CHECK(derive_run(&in, &r) == 0 && derive_store(&in, &r, &run) == 0, "derive and store");
	p1 = results_run_metric(&run, "share.path1");
	p2 = results_run_metric(&run, "share.path2");
	CHECK(p1 && p2 && near(p1->value + p2->value, 1), "share.path1 + share.path2 = 1 (%.4f + %.4f)",
	      p1 ? p1->value : -1, p2 ? p2->value : -1);
	CHECK(results_run_metric(&run, "subflows_joined_us") &&
		      results_run_metric(&run, "bytes_retrans"),
	      "subflows_joined_us and bytes_retrans stored");
	CHECK(run.n_subflows == 2 && !strcmp(run.subflows[0].local, C1) &&
		      !strcmp(run.subflows[1].local, C2) && run.subflows[1].id == 2,
	      "the client's 2 subflows stored, not the server's view of them");
	CHECK(run.subflows[0].bytes_acked == r.path_acked[0] &&
		      run.subflows[1].bytes_acked == r.path_acked[1],
	      "their acked bytes are the per-path totals");
	results_run_release(&run);
	derive_result_release(&r);
	telemetry_release(&b.t);
}

int main(void)
{
	load_topology();
	test_paths();
	test_shares();
	test_absent_and_closed();
	test_joined_events();
	test_completion_and_rr();
	test_recover();
	test_store_upload();
	printf("# %u checks passed\n", check_count);
	return 0;
}
