/*
 * test_results.c: the SQLite store (results/) without privileges, on
 * temporary databases under /tmp:
 *  - round trip of a fully filled run (every field and child compared) and
 *    of a sparse one (NULL / unknown conventions), host/kernel dedup;
 *  - uuid v4 format and uniqueness; storing a uuid twice is -EEXIST and
 *    leaves every table as it was;
 *  - filters: scenario, tag, variant item ("cc=bbr" never matches
 *    "cc=bbr2"), kernel, host, status, uuids, since/until, bad filters;
 *  - a store failing in the middle (a child violating its primary key)
 *    leaves no partial run, and the connection stays usable;
 *  - migrations: empty file, reopening, a newer user_version refused, a
 *    file that is not a database, directory creation, $MPTCP_LAB_DB;
 *  - BEGIN IMMEDIATE waits for another process's write transaction;
 *  - integrity_check: ok, and -EIO on a damaged file.
 *
 * The tables are counted with sqlite3 directly, as a witness independent
 * of results/. Each check prints a line; the first failure exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mtime.h"
#include "results.h"
#include "sqlite_witness.h"
#include "check.h"

static char tmpdir[] = "/tmp/mpl-test-results-XXXXXX";

static const char *db_path(const char *name)
{
	static char buf[8][256]; /* enough for the paths one test holds */
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static const char *const tables[] = { "hosts",	   "kernels",  "runs", "tags", "metrics",
				      "intervals", "mibs",     "subflows", "noise" };

/* Row counts of every table, as one comparable string. */
static void table_counts(const char *path, char *buf, size_t size)
{
	char sql[64];
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
		off += (size_t)snprintf(buf + off, size - off, "%s=%lld ", tables[i],
					raw_int(path, sql));
	}
}

static int nonzero_children(const char *counts)
{
	return !strstr(counts, "tags=0 ") || !strstr(counts, "metrics=0 ") ||
	       !strstr(counts, "intervals=0 ") || !strstr(counts, "mibs=0 ") ||
	       !strstr(counts, "subflows=0 ") || !strstr(counts, "noise=0 ");
}

static void must(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "FAIL: %s: %s\n", what, strerror(-ret));
		exit(1);
	}
}

static void fill_full(struct results_run *run, const char *scenario, const char *variant_key,
		      uint64_t started_at_us, const char *release)
{
	char local1[] = "10.0.1.1:40000", remote1[] = "10.0.1.2:5201";
	char local2[] = "10.0.2.1:40001", remote2[] = "10.0.2.2:5201";
	struct telemetry_interval iv;
	struct results_subflow sf;
	int i;

	must(results_run_init(run), "results_run_init");
	must(results_run_set_str(&run->scenario, scenario), "set scenario");
	must(results_run_set_str(&run->scenario_hash, "sha256:5c0e"), "set");
	must(results_run_set_str(&run->topology, "two-paths"), "set");
	must(results_run_set_str(&run->topology_hash, "sha256:70b0"), "set");
	must(results_run_set_str(&run->variant_json, "{\"cc\":\"bbr\",\"scheduler\":\"default\"}"),
	     "set");
	must(results_run_set_str(&run->variant_key, variant_key), "set");
	run->repetition = 3;
	run->started_at_us = started_at_us;
	run->finished_at_us = started_at_us + 5123456;
	run->status = RESULTS_INVALID;
	must(results_run_set_str(&run->reason, "fell back to tcp"), "set");
	must(results_run_set_str(&run->engine, "iperf3"), "set");
	must(results_run_set_str(&run->engine_version, "3.12"), "set");
	must(results_run_set_str(&run->mptcp_method, "mptcpize"), "set");
	run->load1 = 0.37;
	must(results_run_set_str(&run->host.hostname, "lab-box-1"), "set");
	must(results_run_set_str(&run->host.cpu_model, "Intel(R) Xeon(R) 'quoted' CPU"), "set");
	must(results_run_set_str(&run->host.governor, "performance"), "set");
	run->host.cores = 2;
	must(results_run_set_str(&run->kernel.release, release), "set");
	must(results_run_set_str(&run->kernel.version, "#1 SMP PREEMPT_DYNAMIC"), "set");
	must(results_run_set_str(&run->kernel.config_hash, "sha256:c0f1"), "set");
	must(results_run_set_str(&run->kernel.debug, "kasan,lockdep"), "set");
	must(results_run_set_str(&run->kernel.boot_mode, "qemu-tcg"), "set");

	must(results_run_add_tag(run, "side", "a"), "add tag");
	must(results_run_add_tag(run, "commit", "v6.18-rc1-42-gdeadbeef"), "add tag");
	must(results_run_add_metric(run, "goodput_bps", 72.8e6), "add metric");
	must(results_run_add_metric(run, "efficiency", 0.953125), "add metric");
	must(results_run_add_metric(run, "delta", -1.5e-9), "add metric");
	for (i = 0; i < 5; i++) {
		iv = (struct telemetry_interval){
			.start_us = (uint64_t)i * 1000000,
			.end_us = (uint64_t)(i + 1) * 1000000,
			.bytes = 9000000 + (uint64_t)i,
			.bits_per_second = 72.0e6 + i * 0.25,
			.retransmits = i == 2 ? -1 : i * 3,
			/* the ideal unknown in one interval */
			.ideal_bps = i == 3 ? (double)NAN : 76.5e6 - i * 0.125,
		};
		must(results_run_add_interval(run, &iv), "add interval");
	}
	run->measure_start_us = 1000071;
	{
		/* a path down (applied), new shaping for another (applied), a
		 * link-up the transfer ended before */
		struct telemetry_timed_event ev[] = {
			{ .planned_us = 3000000, .applied_us = 2987654, .path = "path2",
			  .action = TELEM_EV_LINK_DOWN },
			{ .planned_us = 4000000, .applied_us = 0, .path = "path1",
			  .action = TELEM_EV_SHAPING,
			  .up = { 10000000, 20000, 1000, 0.5, 0 },
			  .down = { 1ULL << 40, 0, 0, 0, 12.25 } },
			{ .planned_us = 6000000, .applied_us = -1, .path = "path2",
			  .action = TELEM_EV_LINK_UP },
		};

		for (size_t k = 0; k < ARRAY_SIZE(ev); k++)
			must(results_run_add_timed_event(run, &ev[k]), "add timed event");
	}
	must(results_run_add_mib(run, "client", "MPJoinAckRx", 1), "add mib");
	must(results_run_add_mib(run, "server", "MPJoinSynRx", 2), "add mib");
	must(results_run_add_mib(run, "client", "MPTCPRetrans", -4), "add mib");
	sf = (struct results_subflow){ .id = 7, .local = local1, .remote = remote1,
				       .bytes_sent = 1ULL << 40,
				       .bytes_acked = (1ULL << 40) - 10, .bytes_received = 12,
				       .retransmits = 5, .backup = false };
	must(results_run_add_subflow(run, &sf), "add subflow");
	sf = (struct results_subflow){ .id = 3, .local = local2, .remote = remote2,
				       .bytes_sent = 1,
				       .bytes_acked = 0, .bytes_received = 0,
				       .retransmits = -1, .backup = true };
	must(results_run_add_subflow(run, &sf), "add subflow");
	must(results_run_add_noise(run, "cpu_freq_mhz", "2400"), "add noise");
	must(results_run_add_noise(run, "steal_pct", "0.1"), "add noise");
}

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static const struct results_kv *kv_find(const struct results_kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_eq(kv[i].key, key))
			return &kv[i];
	return NULL;
}

static const struct results_mib *mib_find(const struct results_run *run, const char *role,
					  const char *counter)
{
	size_t i;

	for (i = 0; i < run->n_mibs; i++)
		if (str_eq(run->mibs[i].netns_role, role) && str_eq(run->mibs[i].counter, counter))
			return &run->mibs[i];
	return NULL;
}

static int dbl_eq(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* NULL when a and b are equal, else the name of the first field that is
 * not. Children whose order the store does not keep (keyed ones) are
 * looked up; intervals and subflows must come back in order. */
static const char *run_diff(const struct results_run *a, const struct results_run *b)
{
	const struct results_kv *kv;
	const struct results_metric *m;
	const struct results_mib *mib;
	size_t i;

#define SAME_STR(f) if (!str_eq(a->f, b->f)) return #f
#define SAME(f) if (a->f != b->f) return #f
	if (strcmp(a->uuid, b->uuid))
		return "uuid";
	SAME_STR(scenario);
	SAME_STR(scenario_hash);
	SAME_STR(topology);
	SAME_STR(topology_hash);
	SAME_STR(variant_json);
	SAME_STR(variant_key);
	SAME(repetition);
	SAME(started_at_us);
	SAME(finished_at_us);
	SAME(status);
	SAME_STR(reason);
	SAME_STR(engine);
	SAME_STR(engine_version);
	SAME_STR(mptcp_method);
	if (!dbl_eq(a->load1, b->load1))
		return "load1";
	SAME_STR(host.hostname);
	SAME_STR(host.cpu_model);
	SAME_STR(host.governor);
	SAME(host.cores);
	SAME_STR(kernel.release);
	SAME_STR(kernel.version);
	SAME_STR(kernel.config_hash);
	SAME_STR(kernel.debug);
	SAME_STR(kernel.boot_mode);
	SAME(id);
	SAME(n_tags);
	for (i = 0; i < a->n_tags; i++) {
		kv = kv_find(b->tags, b->n_tags, a->tags[i].key);
		if (!kv || !str_eq(kv->value, a->tags[i].value))
			return "tags";
	}
	SAME(n_metrics);
	for (i = 0; i < a->n_metrics; i++) {
		m = results_run_metric(b, a->metrics[i].name);
		if (!m || !dbl_eq(m->value, a->metrics[i].value))
			return "metrics";
	}
	SAME(n_intervals);
	for (i = 0; i < a->n_intervals; i++) {
		SAME(intervals[i].start_us);
		SAME(intervals[i].end_us);
		SAME(intervals[i].bytes);
		if (!dbl_eq(a->intervals[i].bits_per_second, b->intervals[i].bits_per_second))
			return "intervals[i].bits_per_second";
		SAME(intervals[i].retransmits);
		if (!dbl_eq(a->intervals[i].ideal_bps, b->intervals[i].ideal_bps))
			return "intervals[i].ideal_bps";
	}
	SAME(measure_start_us);
	SAME(n_timed_events);
	for (i = 0; i < a->n_timed_events; i++) {
		const struct telemetry_timed_event *x = &a->timed_events[i], *y = &b->timed_events[i];

		if (x->planned_us != y->planned_us || x->applied_us != y->applied_us ||
		    strcmp(x->path, y->path) || x->action != y->action ||
		    memcmp(&x->up, &y->up, sizeof(x->up)) || memcmp(&x->down, &y->down, sizeof(x->down)))
			return "timed_events";
	}
	SAME(n_mibs);
	for (i = 0; i < a->n_mibs; i++) {
		mib = mib_find(b, a->mibs[i].netns_role, a->mibs[i].counter);
		if (!mib || mib->delta != a->mibs[i].delta)
			return "mibs";
	}
	SAME(n_subflows);
	for (i = 0; i < a->n_subflows; i++) {
		SAME(subflows[i].id);
		SAME_STR(subflows[i].local);
		SAME_STR(subflows[i].remote);
		SAME(subflows[i].bytes_sent);
		SAME(subflows[i].bytes_acked);
		SAME(subflows[i].bytes_received);
		SAME(subflows[i].retransmits);
		SAME(subflows[i].backup);
	}
	SAME(n_noise);
	for (i = 0; i < a->n_noise; i++) {
		kv = kv_find(b->noise, b->n_noise, a->noise[i].key);
		if (!kv || !str_eq(kv->value, a->noise[i].value))
			return "noise";
	}
#undef SAME
#undef SAME_STR
	return NULL;
}

/* Collects what a query returned. */
struct seen {
	const struct results_run *expect; /* compared when set */
	const char *diff;
	char uuids[8][37];
	size_t n;
	int stop_with; /* return this from the callback (<0 stops) */
};

static int collect(const struct results_run *run, void *arg)
{
	struct seen *s = arg;

	if (s->expect && !s->diff)
		s->diff = run_diff(s->expect, run);
	if (s->n < 8)
		snprintf(s->uuids[s->n], 37, "%s", run->uuid);
	s->n++;
	return s->stop_with;
}

static void test_uuid(void)
{
	static char seen[1000][37];
	struct results_run run;
	int i, j, dup = 0, bad = 0;

	for (i = 0; i < 1000; i++) {
		must(results_run_init(&run), "results_run_init");
		memcpy(seen[i], run.uuid, 37);
		if (strlen(run.uuid) != 36 || run.uuid[14] != '4' ||
		    !strchr("89ab", run.uuid[19]) || run.uuid[8] != '-' || run.uuid[13] != '-' ||
		    run.uuid[18] != '-' || run.uuid[23] != '-' ||
		    strspn(run.uuid, "0123456789abcdef-") != 36)
			bad++;
		results_run_release(&run);
	}
	for (i = 0; i < 1000; i++)
		for (j = i + 1; j < 1000; j++)
			dup += strcmp(seen[i], seen[j]) == 0;
	CHECK(bad == 0, "1000 uuids are lowercase v4 (e.g. %s)", seen[0]);
	CHECK(dup == 0, "1000 uuids are distinct");
	CHECK(run.scenario == NULL && run.n_metrics == 0, "release leaves a zeroed run");
}

/* The child rows a query loaded of one run. */
struct children_seen {
	size_t runs, metrics, tags, others;
};

static int children_count(const struct results_run *run, void *arg)
{
	struct children_seen *c = arg;

	c->runs++;
	c->metrics += run->n_metrics;
	c->tags += run->n_tags;
	c->others += run->n_intervals + run->n_mibs + run->n_subflows + run->n_noise +
		     run->n_timed_events;
	return 0;
}

static void test_round_trip(void)
{
	const char *path = db_path("roundtrip.db");
	struct results_run full, sparse;
	struct results_filter f = { 0 };
	struct diag d = DIAG_INIT;
	struct seen s = { 0 };
	struct results *r;
	const char *uuids[1];
	int ret;

	must(results_open(path, &r, &d), d.msg);
	fill_full(&full, "simult-flows", "cc=bbr,scheduler=default", 1700000000123456ULL,
		  "6.18.0");
	ret = results_run_store(r, &full, &d);
	CHECK(ret == 0 && full.id > 0, "store a fully filled run (id %lld): %s",
	      (long long)full.id, diag_str(&d));

	uuids[0] = full.uuid;
	f.uuids = uuids;
	f.n_uuids = 1;
	s.expect = &full;
	ret = results_query(r, &f, collect, &s, &d);
	CHECK(ret == 0 && s.n == 1, "query it back by uuid (%zu runs): %s", s.n, diag_str(&d));
	CHECK(s.diff == NULL, "every field and child round-trips (first difference: %s)",
	      s.diff ? s.diff : "none");
	{
		struct telemetry_timed_event *ev = NULL;
		size_t n = 0;

		ret = results_timed_events_load(r, full.uuid, &ev, &n, &d);
		CHECK(ret == 0 && n == 3 && ev[0].action == TELEM_EV_LINK_DOWN &&
			      ev[0].applied_us == 2987654 && ev[1].up.rate_bps == 10000000 &&
			      ev[1].down.reorder_pct == 12.25 && ev[2].applied_us == -1,
		      "results_timed_events_load() gives the run's %zu timed events: %s", n,
		      diag_str(&d));
		free(ev);
		ret = results_timed_events_load(r, "00000000-0000-4000-8000-000000000000", &ev,
						&n, &d);
		CHECK(ret == -ENOENT && n == 0 && !ev && strstr(diag_str(&d), "no run"),
		      "results_timed_events_load() of an unknown uuid: %s", diag_str(&d));
	}
	CHECK(raw_int(path, "SELECT count(*) FROM timed_events WHERE up_rate_bps IS NULL") == 2 &&
		      raw_int(path, "SELECT count(*) FROM timed_events WHERE applied_us IS NULL") == 1 &&
		      raw_int(path, "SELECT count(*) FROM intervals WHERE ideal_bps IS NULL") == 1,
	      "sqlite3: link events have no shaping, an event not applied and an unknown ideal "
	      "are NULL");
	{
		struct results_filter mf = f;
		struct children_seen c = { 0 };

		mf.metrics_only = true;
		ret = results_query(r, &mf, children_count, &c, &d);
		CHECK(ret == 0 && c.runs == 1 && c.metrics == full.n_metrics &&
			      c.tags == full.n_tags && c.others == 0 && full.n_tags &&
			      full.n_intervals && full.n_mibs,
		      "metrics_only loads the %zu metrics and %zu tags and no other child row (%zu)",
		      c.metrics, c.tags, c.others);
	}

	/* the unknowns: NULL strings, governor/config_hash NULL, load1 and
	 * retransmits unknown, a NaN metric */
	must(results_run_init(&sparse), "init");
	must(results_run_set_str(&sparse.scenario, "sparse"), "set");
	sparse.status = RESULTS_SKIPPED;
	sparse.started_at_us = 1700000001000000ULL;
	must(results_run_set_str(&sparse.host.hostname, "lab-box-1"), "set");
	must(results_run_set_str(&sparse.host.cpu_model, "Intel(R) Xeon(R) 'quoted' CPU"),
	     "set");
	must(results_run_set_str(&sparse.host.governor, NULL), "set");
	sparse.host.cores = 2;
	must(results_run_set_str(&sparse.kernel.release, "6.18.0"), "set");
	must(results_run_set_str(&sparse.kernel.version, "#1 SMP PREEMPT_DYNAMIC"), "set");
	must(results_run_set_str(&sparse.kernel.debug, ""), "set");
	must(results_run_set_str(&sparse.kernel.boot_mode, "bare-metal"), "set");
	must(results_run_add_metric(&sparse, "efficiency", (double)NAN), "add");
	ret = results_run_store(r, &sparse, &d);
	CHECK(ret == 0, "store a sparse run: %s", diag_str(&d));
	uuids[0] = sparse.uuid;
	memset(&s, 0, sizeof(s));
	s.expect = &sparse;
	ret = results_query(r, &f, collect, &s, &d);
	CHECK(ret == 0 && s.n == 1 && !s.diff, "sparse run round-trips: NULLs, -1, NaN (%s)",
	      s.diff ? s.diff : "same");

	CHECK(raw_int(path, "SELECT count(*) FROM hosts") == 2,
	      "a host differing only in governor is a second host row");
	results_run_release(&sparse);

	/* the same host and kernel again: no new rows */
	results_run_release(&full);
	fill_full(&full, "simult-flows", "cc=bbr,scheduler=default", 1700000002000000ULL,
		  "6.18.0");
	must(results_run_store(r, &full, &d), d.msg);
	CHECK(raw_int(path, "SELECT count(*) FROM hosts") == 2 &&
		      raw_int(path, "SELECT count(*) FROM kernels") == 2,
	      "hosts and kernels are shared between runs (2 hosts, 2 kernels)");
	CHECK(results_run_metric(&full, "efficiency") &&
		      results_run_metric(&full, "efficiency")->value == 0.953125 &&
		      !results_run_metric(&full, "nope"),
	      "results_run_metric finds by name");
	results_run_release(&full);
	results_close(r);
}

static void test_duplicate_uuid(void)
{
	const char *path = db_path("dup.db");
	char before[256], after[256];
	struct results_run a, b;
	struct diag d = DIAG_INIT;
	struct results *r;
	int ret;

	must(results_open(path, &r, &d), d.msg);
	fill_full(&a, "s", "cc=bbr", 1000, "6.18.0");
	must(results_run_store(r, &a, &d), d.msg);
	table_counts(path, before, sizeof(before));

	/* same uuid, and a new host and kernel that must not stay either */
	fill_full(&b, "other", "cc=cubic", 2000, "6.1.0");
	must(results_run_set_str(&b.host.hostname, "another-box"), "set");
	memcpy(b.uuid, a.uuid, sizeof(a.uuid));
	ret = results_run_store(r, &b, &d);
	CHECK(ret == -EEXIST, "storing uuid %s twice is -EEXIST (got %d: %s)", a.uuid, ret,
	      diag_str(&d));
	CHECK(strstr(d.msg, a.uuid) && strstr(d.msg, "already stored"),
	      "the message names the run: %s", d.msg);
	table_counts(path, after, sizeof(after));
	CHECK(strcmp(before, after) == 0, "database unchanged: %s", after);

	diag_clear(&d);
	results_run_release(&b);
	results_run_release(&a);
	results_close(r);
}

/* One small run for the filter tests. */
static void store_small(struct results *r, const char *scenario, const char *variant_key,
			uint64_t started_at_us, const char *release, const char *host,
			enum results_status status, const char *const *tags, char uuid[37])
{
	struct results_run run;
	struct diag d = DIAG_INIT;
	size_t i;

	must(results_run_init(&run), "init");
	must(results_run_set_str(&run.scenario, scenario), "set");
	must(results_run_set_str(&run.variant_key, variant_key), "set");
	run.started_at_us = started_at_us;
	run.status = status;
	must(results_run_set_str(&run.host.hostname, host), "set");
	must(results_run_set_str(&run.kernel.release, release), "set");
	for (i = 0; tags && tags[i]; i += 2)
		must(results_run_add_tag(&run, tags[i], tags[i + 1]), "tag");
	must(results_run_add_metric(&run, "goodput_bps", 1e6), "metric");
	must(results_run_store(r, &run, &d), d.msg);
	memcpy(uuid, run.uuid, 37);
	results_run_release(&run);
}

/* The uuids a filter selects, in order, as "A B C" with the given names. */
static void selection(struct results *r, const struct results_filter *f, char ids[][37],
		      const char *names, size_t n_ids, char *out, size_t size, int *ret,
		      size_t *count)
{
	struct diag d = DIAG_INIT;
	struct seen s = { 0 };
	size_t i, j, off = 0;

	out[0] = '\0';
	*ret = results_query(r, f, collect, &s, &d);
	if (*ret < 0) {
		snprintf(out, size, "error: %s", diag_str(&d));
		return;
	}
	for (i = 0; i < s.n && i < 8; i++)
		for (j = 0; j < n_ids; j++)
			if (strcmp(s.uuids[i], ids[j]) == 0)
				off += (size_t)snprintf(out + off, size - off, "%s%c",
							off ? " " : "", names[j]);
	*ret = results_count(r, f, count, &d);
	if (*ret == 0 && *count != s.n)
		*ret = -EPROTO; /* count and query disagree */
}

static void test_filters(void)
{
	const char *tags_a[] = { "side", "a", NULL };
	const char *tags_b[] = { "side", "b", NULL };
	const char *tags_c[] = { "side", "a", "nightly", "1", NULL };
	const char *one[2], *two[2];
	char ids[4][37], got[64];
	struct results_filter f;
	struct diag d = DIAG_INIT;
	struct results *r;
	const uint64_t t0 = 1700000000000000ULL;
	size_t n;
	int ret;

	must(results_open(db_path("filters.db"), &r, &d), d.msg);
	/* stored out of time order: the query must sort */
	store_small(r, "s2", "cc=cubic,scheduler=default", t0 + 20, "6.18.0", "box1",
		    RESULTS_FAILED, tags_c, ids[2]);
	store_small(r, "s1", "cc=bbr,scheduler=default", t0, "6.18.0", "box1", RESULTS_OK,
		    tags_a, ids[0]);
	store_small(r, "s1", "cc=bbr2,scheduler=default", t0 + 10, "6.1.0", "box2", RESULTS_OK,
		    tags_b, ids[1]);
	store_small(r, "s1", "cc=bbr2,scheduler=default", t0 + 30, "6.1.0", "box2",
		    RESULTS_OK, NULL, ids[3]);

#define SELECT(expect, what, ...)                                              \
	do {                                                                   \
		memset(&f, 0, sizeof(f));                                      \
		__VA_ARGS__;                                                   \
		selection(r, &f, ids, "ABCD", 4, got, sizeof(got), &ret, &n); \
		CHECK(ret == 0 && strcmp(got, expect) == 0,                    \
		      "filter %-42s selects '%s' (count %zu)", what, got, n);   \
	} while (0)

	SELECT("A B C D", "none (ordered by started_at)", (void)0);
	SELECT("A B D", "scenario s1", f.scenario = "s1");
	SELECT("", "scenario s3", f.scenario = "s3");
	one[0] = "side=a";
	SELECT("A C", "tag side=a", f.tags = one; f.n_tags = 1);
	two[0] = "side=a";
	two[1] = "nightly=1";
	SELECT("C", "tags side=a and nightly=1", f.tags = two; f.n_tags = 2);
	one[0] = "side=";
	SELECT("", "tag side= (empty value)", f.tags = one; f.n_tags = 1);
	one[0] = "cc=bbr";
	SELECT("A", "variant cc=bbr (not cc=bbr2)", f.variant_kv = one; f.n_variant_kv = 1);
	one[0] = "cc=bbr2";
	SELECT("B D", "variant cc=bbr2", f.variant_kv = one; f.n_variant_kv = 1);
	one[0] = "c=bbr";
	SELECT("", "variant c=bbr (no item suffix match)", f.variant_kv = one;
	       f.n_variant_kv = 1);
	one[0] = "scheduler=default";
	SELECT("A B C D", "variant scheduler=default (last item)", f.variant_kv = one;
	       f.n_variant_kv = 1);
	two[0] = "scheduler=default";
	two[1] = "cc=cubic";
	SELECT("C", "variant scheduler=default and cc=cubic", f.variant_kv = two;
	       f.n_variant_kv = 2);
	SELECT("B D", "kernel 6.1.0", f.kernel_release = "6.1.0");
	SELECT("A C", "host box1", f.host = "box1");
	SELECT("C", "status failed", f.status = "failed");
	SELECT("B C D", "since t0+10", f.since_us = t0 + 10);
	SELECT("A", "until t0+10 (exclusive)", f.until_us = t0 + 10);
	SELECT("B C", "since t0+10 until t0+30", f.since_us = t0 + 10; f.until_us = t0 + 30);
	one[0] = ids[3];
	one[1] = ids[0];
	SELECT("A D", "uuids of D and A", f.uuids = one; f.n_uuids = 2);
	one[0] = "cc=bbr2";
	SELECT("D", "s1, cc=bbr2, since t0+20, kernel 6.1.0", f.scenario = "s1";
	       f.variant_kv = one; f.n_variant_kv = 1; f.since_us = t0 + 20;
	       f.kernel_release = "6.1.0");
	/* a value that would break pasted SQL is just a value */
	SELECT("", "scenario s1' OR '1'='1", f.scenario = "s1' OR '1'='1");
#undef SELECT

	memset(&f, 0, sizeof(f));
	one[0] = "side";
	f.tags = one;
	f.n_tags = 1;
	ret = results_count(r, &f, &n, &d);
	CHECK(ret == -EINVAL, "tag without '=' is -EINVAL: %s", diag_str(&d));
	diag_clear(&d);
	memset(&f, 0, sizeof(f));
	one[0] = "cc=bbr,scheduler=default";
	f.variant_kv = one;
	f.n_variant_kv = 1;
	ret = results_query(r, &f, collect, &(struct seen){ 0 }, &d);
	CHECK(ret == -EINVAL, "variant item with ',' is -EINVAL: %s", diag_str(&d));
	diag_clear(&d);
	memset(&f, 0, sizeof(f));
	f.status = "good";
	ret = results_count(r, &f, &n, &d);
	CHECK(ret == -EINVAL, "unknown status is -EINVAL: %s", diag_str(&d));
	diag_clear(&d);

	{
		struct seen s = { .stop_with = -ECANCELED };

		ret = results_query(r, NULL, collect, &s, &d);
		CHECK(ret == -ECANCELED && s.n == 1,
		      "a callback returning -ECANCELED stops the query after 1 run (%zu): %s",
		      s.n, diag_str(&d));
		diag_clear(&d);
	}
	results_close(r);
}

static void test_partial_failure(void)
{
	const char *path = db_path("partial.db");
	char before[256], after[256];
	struct results_run run;
	struct diag d = DIAG_INIT;
	struct results *r;
	size_t n;
	int ret;

	must(results_open(path, &r, &d), d.msg);
	fill_full(&run, "s", "cc=bbr", 1000, "6.18.0");
	must(results_run_store(r, &run, &d), d.msg);
	results_run_release(&run);
	table_counts(path, before, sizeof(before));
	CHECK(nonzero_children(before), "one complete run stored: %s", before);

	/* the last child violates its primary key: everything before it
	 * (a new host, the run row, tags, metrics, intervals, mibs,
	 * subflows) must go */
	fill_full(&run, "s", "cc=bbr", 2000, "6.18.0");
	must(results_run_set_str(&run.host.hostname, "fresh-box"), "set");
	must(results_run_add_noise(&run, "cpu_freq_mhz", "1200"), "noise");
	ret = results_run_store(r, &run, &d);
	CHECK(ret == -EINVAL, "a duplicate noise key fails the store (%d): %s", ret,
	      diag_str(&d));
	CHECK(strstr(d.msg, "noise indicator 'cpu_freq_mhz'") && strstr(d.msg, "UNIQUE"),
	      "the message names the child and SQLite's reason");
	CHECK(run.id == 0, "the failed run got no id");
	table_counts(path, after, sizeof(after));
	CHECK(strcmp(before, after) == 0, "no partial run left: %s", after);
	results_run_release(&run);
	diag_clear(&d);

	/* a child in the middle */
	fill_full(&run, "s", "cc=bbr", 3000, "6.18.0");
	must(results_run_add_metric(&run, "goodput_bps", 1.0), "metric");
	ret = results_run_store(r, &run, &d);
	table_counts(path, after, sizeof(after));
	CHECK(ret == -EINVAL && strcmp(before, after) == 0,
	      "a duplicate metric fails the store and leaves nothing: %s", diag_str(&d));
	results_run_release(&run);
	diag_clear(&d);

	/* the connection is not stuck in a transaction */
	fill_full(&run, "s", "cc=bbr", 4000, "6.18.0");
	ret = results_run_store(r, &run, &d);
	CHECK(ret == 0, "the next store works: %s", diag_str(&d));
	ret = results_count(r, NULL, &n, &d);
	CHECK(ret == 0 && n == 2, "2 runs counted (%zu)", n);
	results_run_release(&run);

	/* an invalid run is refused before any SQL */
	must(results_run_init(&run), "init");
	ret = results_run_store(r, &run, &d);
	CHECK(ret == -EINVAL, "a run without a scenario is -EINVAL: %s", diag_str(&d));
	results_run_release(&run);
	results_close(r);
}

static void test_migrations(void)
{
	const char *path = db_path("empty.db");
	const char *nested = db_path("a/b/c/lab.db");
	const char *newer = db_path("newer.db");
	const char *junk = db_path("junk.db");
	const char *envdb = db_path("env/lab.db");
	static const char text[] = "this is not a database, just text, long enough for sqlite "
				   "to read a whole header from it and reject it\n";
	struct results_run run;
	struct diag d = DIAG_INIT;
	struct results *r;
	struct stat st;
	size_t n;
	int fd, ret;

	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0, "create an empty file");
	close(fd);
	ret = results_open(path, &r, &d);
	CHECK(ret == 0, "open migrates an empty file: %s", diag_str(&d));
	fill_full(&run, "s", "cc=bbr", 1000, "6.18.0");
	must(results_run_store(r, &run, &d), d.msg);
	results_run_release(&run);
	results_close(r);
	CHECK(raw_int(path, "PRAGMA user_version") == results_schema_current(),
	      "user_version is the current schema version (%d)", results_schema_current());
	CHECK(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
			    "('hosts', 'kernels', 'runs', 'tags', 'metrics', 'intervals', 'mibs', "
			    "'subflows', 'noise')") == 9,
	      "the 9 tables of version 1 created");
	CHECK(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
			    "AND name NOT LIKE 'sqlite_autoindex%'") == 4,
	      "4 named indexes created");
	CHECK(raw_int(path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode") == 1,
	      "journal mode is WAL");

	ret = results_open(path, &r, &d);
	CHECK(ret == 0, "reopen: %s", diag_str(&d));
	ret = results_count(r, NULL, &n, &d);
	CHECK(ret == 0 && n == 1, "the run is still there after reopening (%zu)", n);
	results_close(r);
	CHECK(raw_int(path, "PRAGMA user_version") == results_schema_current(),
	      "user_version stays the current version");

	ret = results_open(nested, &r, &d);
	CHECK(ret == 0 && stat(nested, &st) == 0, "missing directories are created: %s",
	      diag_str(&d));
	results_close(r);

	CHECK(raw_exec(newer, "CREATE TABLE future (x); PRAGMA user_version = 99") == SQLITE_OK,
	      "make a database with user_version 99");
	ret = results_open(newer, &r, &d);
	CHECK(ret == -ENOTSUP && !r && strstr(d.msg, "99"), "it is refused (%d): %s", ret,
	      diag_str(&d));
	CHECK(raw_int(newer, "PRAGMA user_version") == 99 &&
		      raw_int(newer, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") == 0,
	      "and left untouched");
	diag_clear(&d);

	fd = open(junk, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1,
	      "write a text file");
	close(fd);
	ret = results_open(junk, &r, &d);
	CHECK(ret == -EIO && !r, "a file that is not a database is refused (%d): %s", ret,
	      diag_str(&d));
	diag_clear(&d);

	setenv(RESULTS_DB_ENV, envdb, 1);
	ret = results_open(NULL, &r, &d);
	unsetenv(RESULTS_DB_ENV);
	CHECK(ret == 0 && stat(envdb, &st) == 0, "path NULL uses $%s: %s", RESULTS_DB_ENV,
	      diag_str(&d));
	results_close(r);
}

/* Another process holds the write lock for a while: BEGIN IMMEDIATE with
 * the busy timeout waits for it instead of failing. */
static void test_concurrent_writer(void)
{
	const char *path = db_path("busy.db");
	struct results_run run;
	struct diag d = DIAG_INIT;
	struct results *r;
	uint64_t t0, waited_us;
	int pfd[2], status, ret;
	pid_t pid;
	char c;

	must(results_open(path, &r, &d), d.msg);
	results_close(r);
	CHECK(pipe(pfd) == 0, "pipe");
	pid = fork();
	CHECK(pid >= 0, "fork a second writer");
	if (pid == 0) {
		sqlite3 *db;

		close(pfd[0]);
		if (sqlite3_open(path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		/* holding the lock is the point of this process */
		usleep(300000);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(0);
	}
	close(pfd[1]);
	CHECK(read(pfd[0], &c, 1) == 1, "the other writer holds the write lock");
	close(pfd[0]);
	must(results_open(path, &r, &d), d.msg);
	fill_full(&run, "s", "cc=bbr", 1000, "6.18.0");
	t0 = mtime_now_us();
	ret = results_run_store(r, &run, &d);
	waited_us = mtime_now_us() - t0;
	/* without the busy timeout this is -EBUSY at once; how long it waited
	 * depends on the scheduler, so it is shown, not asserted */
	CHECK(ret == 0, "the store waited for it (%.0f ms) and succeeded: %s", waited_us / 1e3,
	      diag_str(&d));
	results_run_release(&run);
	results_close(r);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the other writer finished cleanly");
}

static void test_integrity(void)
{
	const char *path = db_path("integrity.db");
	static char garbage[4096];
	struct results_run run;
	struct diag d = DIAG_INIT;
	struct results *r;
	int i, fd, ret;

	must(results_open(path, &r, &d), d.msg);
	for (i = 0; i < 200; i++) {
		fill_full(&run, "s", "cc=bbr", 1000 + (uint64_t)i, "6.18.0");
		must(results_run_store(r, &run, &d), d.msg);
		results_run_release(&run);
	}
	ret = results_integrity_check(r, &d);
	CHECK(ret == 0, "integrity_check is ok after 200 runs: %s", diag_str(&d));
	results_close(r); /* the last close checkpoints the WAL into the file */

	memset(garbage, 0x5a, sizeof(garbage));
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, garbage, sizeof(garbage), 10 * 4096) == sizeof(garbage),
	      "overwrite page 11 of the file with garbage");
	close(fd);
	ret = results_open(path, &r, &d);
	if (ret == 0) {
		ret = results_integrity_check(r, &d);
		results_close(r);
	}
	CHECK(ret == -EIO, "the damage is reported (%d): %s", ret, diag_str(&d));
}

/* Telemetry (schema version 4): samples with absent fields, connection
 * samples and path-manager events stored with the run, loaded only when
 * the filter asks, NULL in SQL for what the kernel did not report. */
struct tm_seen {
	size_t n, n_samples, n_conn, n_events;
	struct telemetry_subflow_sample s[3];
	struct telemetry_conn_sample c[2];
	struct telemetry_pm_event e[2];
};

static int tm_collect(const struct results_run *run, void *arg)
{
	struct tm_seen *t = arg;

	t->n++;
	t->n_samples = run->telem.n_subflows;
	t->n_conn = run->telem.n_conns;
	t->n_events = run->telem.n_events;
	for (size_t i = 0; i < run->telem.n_subflows && i < 3; i++)
		t->s[i] = run->telem.subflows[i];
	for (size_t i = 0; i < run->telem.n_conns && i < 2; i++)
		t->c[i] = run->telem.conns[i];
	for (size_t i = 0; i < run->telem.n_events && i < 2; i++)
		t->e[i] = run->telem.events[i];
	return 0;
}

static bool tm_sample_eq(const struct telemetry_subflow_sample *a,
			 const struct telemetry_subflow_sample *b)
{
	return a->t_us == b->t_us && a->role == b->role && a->subflow_id == b->subflow_id &&
	       !strcmp(a->local, b->local) && !strcmp(a->remote, b->remote) &&
	       a->present == b->present && a->bytes_sent == b->bytes_sent &&
	       a->bytes_acked == b->bytes_acked && a->bytes_received == b->bytes_received &&
	       a->cwnd == b->cwnd && a->srtt_us == b->srtt_us && a->rttvar_us == b->rttvar_us &&
	       a->total_retrans == b->total_retrans && a->pacing_rate_bps == b->pacing_rate_bps &&
	       a->delivery_rate_bps == b->delivery_rate_bps && a->backup == b->backup;
}

static bool tm_conn_eq(const struct telemetry_conn_sample *a, const struct telemetry_conn_sample *b)
{
	return a->t_us == b->t_us && a->role == b->role && a->present == b->present &&
	       a->bytes_retrans == b->bytes_retrans && a->bytes_sent == b->bytes_sent &&
	       a->bytes_acked == b->bytes_acked && a->bytes_received == b->bytes_received &&
	       a->subflows_total == b->subflows_total && a->fallback == b->fallback;
}

static bool tm_event_eq(const struct telemetry_pm_event *a, const struct telemetry_pm_event *b)
{
	return a->t_us == b->t_us && a->role == b->role && !strcmp(a->type, b->type) &&
	       !strcmp(a->local, b->local) && !strcmp(a->remote, b->remote) &&
	       a->token == b->token && a->error == b->error && a->backup == b->backup;
}

static void test_telemetry(void)
{
	const char *path = db_path("telemetry.db");
	struct telemetry_subflow_sample full = {
		.t_us = 100000, .role = 'c', .subflow_id = 1, .local = "10.1.1.1:40000",
		.remote = "10.1.2.2:5201", .present = 0x7ff, .bytes_sent = 1ULL << 40,
		.bytes_acked = (1ULL << 40) - 1448, .bytes_received = 17, .cwnd = 42,
		.srtt_us = 2500, .rttvar_us = 300, .total_retrans = 3,
		.pacing_rate_bps = UINT64_MAX, /* the kernel's "unlimited" */
		.delivery_rate_bps = 49000000, .backup = true,
	};
	/* an older kernel: only the byte counters, no addresses */
	struct telemetry_subflow_sample sparse = {
		.t_us = 200000, .role = 's', .subflow_id = 2,
		.present = TELEM_BYTES_SENT | TELEM_BYTES_RECEIVED, .bytes_sent = 5,
		.bytes_received = 6, .cwnd = 99, .backup = true, /* absent: not stored */
	};
	struct telemetry_conn_sample conn = {
		.t_us = 100000, .role = 'c',
		.present = TELEM_C_BYTES_RETRANS | TELEM_C_SUBFLOWS_TOTAL | TELEM_C_BYTES_ACKED |
			   TELEM_C_FALLBACK,
		.bytes_retrans = 2896, .bytes_acked = 123456789, .subflows_total = 2,
		.bytes_sent = 77, /* absent */
	};
	struct telemetry_conn_sample conn0 = { .t_us = 0, .role = 's', .present = 0 };
	struct telemetry_pm_event ev = { .t_us = 12345, .role = 's', .type = "sub_established",
				       .local = "10.2.2.2:5201", .remote = "10.2.1.1:40001",
				       .token = 0xdeadbeef, .error = 0, .backup = false };
	struct telemetry_pm_event ev2 = { .t_us = 4000000, .role = 'c', .type = "sub_closed",
					.local = "10.2.1.1:40001", .remote = "10.2.2.2:5201",
					.token = 0, .error = 110, .backup = true };
	struct results_filter f = { 0 };
	struct results_run run, bad;
	struct diag d = DIAG_INIT;
	struct tm_seen t = { 0 };
	struct results *r;
	const char *uuids[1];
	int ret;

	must(results_open(path, &r, &d), d.msg);
	CHECK(results_schema_current() >= 4 &&
		      raw_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
				    "name IN ('samples', 'conn_samples', 'pm_events')") == 3,
	      "schema version %d has the telemetry tables", results_schema_current());
	fill_full(&run, "telemetry", "cc=cubic", 1700000100000000ULL, "6.18.0");
	must(telemetry_add_subflow(&run.telem, &full), "add sample");
	must(telemetry_add_subflow(&run.telem, &sparse), "add sample");
	for (int i = 0; i < 1000; i++) { /* geometric growth past 8, 16, ... 1024 */
		struct telemetry_subflow_sample x = full;

		x.t_us = 300000 + (uint64_t)i * 100000;
		x.bytes_acked = (uint64_t)i;
		must(telemetry_add_subflow(&run.telem, &x), "add sample");
	}
	must(telemetry_add_conn(&run.telem, &conn), "add conn sample");
	must(telemetry_add_conn(&run.telem, &conn0), "add conn sample");
	must(telemetry_add_event(&run.telem, &ev), "add event");
	must(telemetry_add_event(&run.telem, &ev2), "add event");
	ret = results_run_store(r, &run, &d);
	CHECK(ret == 0, "store a run with 1002 samples, 2 connection samples, 2 events: %s",
	      diag_str(&d));

	CHECK(raw_int(path, "SELECT count(*) FROM samples") == 1002 &&
		      raw_int(path, "SELECT count(*) FROM conn_samples") == 2 &&
		      raw_int(path, "SELECT count(*) FROM pm_events") == 2,
	      "sqlite3 sees 1002 samples, 2 connection samples, 2 events");
	CHECK(raw_int(path, "SELECT count(*) FROM samples WHERE idx = 1 AND role = 'server' AND "
			    "local IS NULL AND remote IS NULL AND bytes_acked IS NULL AND cwnd IS NULL "
			    "AND srtt_us IS NULL AND backup IS NULL AND bytes_sent = 5 AND "
			    "bytes_received = 6") == 1,
	      "absent fields are NULL in SQL, present ones stored");
	CHECK(raw_int(path, "SELECT pacing_rate_bps FROM samples WHERE idx = 0") == -1,
	      "an unlimited pacing rate (u64 ~0) is -1 in SQL");
	CHECK(raw_int(path, "SELECT count(*) FROM conn_samples WHERE idx = 0 AND role = 'client' "
			    "AND bytes_sent IS NULL AND bytes_retrans = 2896 AND fallback = 0") == 1,
	      "connection sample: absent bytes_sent is NULL, retransmitted bytes stored");
	CHECK(raw_int(path, "SELECT count(*) FROM pm_events WHERE (idx = 0 AND error IS NULL AND "
			    "token = 3735928559) OR (idx = 1 AND token IS NULL AND error = 110)") == 2,
	      "events: no token and no error are NULL");

	uuids[0] = run.uuid;
	f.uuids = uuids;
	f.n_uuids = 1;
	ret = results_query(r, &f, tm_collect, &t, &d);
	CHECK(ret == 0 && t.n == 1 && t.n_samples == 0 && t.n_conn == 0 && t.n_events == 0,
	      "a plain query does not load the telemetry (%zu samples)", t.n_samples);
	f.with_pm_events = true;
	memset(&t, 0, sizeof(t));
	ret = results_query(r, &f, tm_collect, &t, &d);
	CHECK(ret == 0 && t.n == 1 && t.n_samples == 0 && t.n_conn == 0 && t.n_events == 2,
	      "with_pm_events loads the events alone (%zu events, %zu samples)", t.n_events,
	      t.n_samples);
	f.with_pm_events = false;
	f.with_telemetry = true;
	memset(&t, 0, sizeof(t));
	ret = results_query(r, &f, tm_collect, &t, &d);
	CHECK(ret == 0 && t.n == 1 && t.n_samples == 1002 && t.n_conn == 2 && t.n_events == 2,
	      "with_telemetry loads it (%zu samples, %zu connection samples, %zu events): %s",
	      t.n_samples, t.n_conn, t.n_events, diag_str(&d));
	CHECK(tm_sample_eq(&t.s[0], &full), "the full sample round-trips field by field");
	sparse.cwnd = 0;
	sparse.backup = false;
	CHECK(tm_sample_eq(&t.s[1], &sparse),
	      "the sparse one too, absent fields 0 with their bit clear (present %#x)",
	      t.s[1].present);
	CHECK(t.s[2].t_us == 300000 && t.s[2].bytes_acked == 0, "samples keep their order");
	conn.bytes_sent = 0;
	CHECK(tm_conn_eq(&t.c[0], &conn) && tm_conn_eq(&t.c[1], &conn0),
	      "connection samples round-trip");
	CHECK(tm_event_eq(&t.e[0], &ev) && tm_event_eq(&t.e[1], &ev2),
	      "events round-trip");

	/* one bad row: nothing of the run is stored */
	fill_full(&bad, "telemetry", "cc=cubic", 1700000200000000ULL, "6.18.0");
	must(telemetry_add_subflow(&bad.telem, &full), "add sample");
	ev.role = 'x';
	must(telemetry_add_event(&bad.telem, &ev), "add event");
	ret = results_run_store(r, &bad, &d);
	CHECK(ret == -EINVAL && strstr(d.msg, "role"), "an event with an unknown role is refused: %s",
	      diag_str(&d));
	diag_clear(&d);
	CHECK(raw_int(path, "SELECT count(*) FROM runs") == 1 &&
		      raw_int(path, "SELECT count(*) FROM samples") == 1002,
	      "and the whole run is rolled back");

	results_run_release(&bad);
	results_run_release(&run);
	CHECK(run.telem.subflows == NULL && run.telem.n_subflows == 0,
	      "release frees the telemetry");
	results_close(r);
}

int main(void)
{
	check_tmpdir_make(tmpdir);
	printf("# sqlite %s, databases in %s\n", sqlite3_libversion(), tmpdir);

	test_uuid();
	test_round_trip();
	test_duplicate_uuid();
	test_filters();
	test_partial_failure();
	test_migrations();
	test_telemetry();
	test_concurrent_writer();
	test_integrity();

	printf("# %u checks passed\n", check_count);
	return 0;
}
