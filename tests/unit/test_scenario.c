/*
 * test_scenario: the scenario and suite parsers (no privileges).
 *
 * Every shipped scenario and suite must parse, with the figures their
 * topologies and descriptions promise; every broken input must give a
 * message that says where (file:line:col for syntax, the JSON path for
 * meaning) and what was found; several errors in one file must all be
 * reported; --set must change the scenario and be checked like the file.
 * Files are found through MPL_SOURCE_DIR (the test changes into it, so a
 * scenario from memory finds topologies/). Prints one line per case and
 * exits 1 on the first failure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scenario.h"
#include "sha256.h"
#include "check.h"

static struct scenario sc; /* large: one static instance */

/* A valid scenario the broken cases are derived from: shaping merged over
 * topologies/two-path.json, a variant axis, and a down / shaping / up
 * timeline within omit + duration = 10 s. */
static const char mini[] =
	"{\n"
	"  \"name\": \"mini\",\n"
	"  \"description\": \"the base of the broken cases\",\n"
	"  \"topology\": \"two-path\",\n"
	"  \"paths\": {\"path2\": {\"delay\": \"5ms\", \"up\": {\"rate\": \"20mbit\"}}},\n"
	"  \"traffic\": {\"engine\": \"iperf3\", \"direction\": \"upload\", \"duration\": \"9s\", \"omit\": \"1s\", \"streams\": 2},\n"
	"  \"variants\": {\"cc\": [\"cubic\", \"reno\"], \"limits.subflows\": [1, 2]},\n"
	"  \"repetitions\": 3,\n"
	"  \"expect\": {\"subflows\": 2, \"min_efficiency\": 0.5, \"max_efficiency\": 1.02},\n"
	"  \"events\": [\n"
	"    {\"at\": \"3s\", \"path\": \"path2\", \"action\": \"down\"},\n"
	"    {\"at\": \"5s\", \"path\": \"path1\", \"action\": \"shaping\", \"shaping\": {\"loss\": \"1%\"}},\n"
	"    {\"at\": \"5s\", \"path\": \"path1\", \"action\": \"shaping\", \"shaping\": {\"down\": {\"rate\": \"10mbit\"}}},\n"
	"    {\"at\": \"6s\", \"path\": \"path2\", \"action\": \"up\"}\n"
	"  ],\n"
	"  \"requires\": [\"mptcp\"]\n"
	"}\n";

/* Every message must be located: "bad.json:" then a line or a path. */
static void check_located(const char *name, const struct diag_list *e, const char *origin)
{
	size_t ol = strlen(origin);

	for (size_t i = 0; i < e->n; i++) {
		const char *m = e->msgs[i];

		/* Errors of the topology file name that file instead. */
		if (!strncmp(m, "topologies/", 11))
			continue;
		if (strncmp(m, origin, ol) || m[ol] != ':' ||
		    (m[ol + 1] != ' ' && (m[ol + 1] < '0' || m[ol + 1] > '9')))
			check_failf(name, "message is not located in '%s': %s", origin, m);
	}
}

/* Load doc and require failure with one message holding every substring
 * of want (NULL-terminated). Returns the number of messages. */
static size_t expect_error(const char *name, const char *doc, const char *const *sets,
			   size_t n_sets, const char *const *want)
{
	struct diag_list e = DIAG_LIST_INIT;
	size_t n;
	int r;

	r = scenario_load_buffer("bad.json", doc, strlen(doc), sets, n_sets, &sc, &e);
	check_errs_want(name, r, &e, want);
	check_located(name, &e, "bad.json");
	if (sc.name[0] || sc.topo.spec.n_paths || sc.n_events)
		check_failf(name, "scenario not cleared after failure");
	for (size_t i = 0; i < e.n; i++)
		printf("       > %s\n", e.msgs[i]);
	n = e.n;
	diag_list_release(&e);
	check_pass(name);
	return n;
}

static const struct lab_path_spec *path_of(const struct scenario *s, const char *name)
{
	for (unsigned i = 0; i < s->topo.spec.n_paths; i++)
		if (!strcmp(s->topo.spec.paths[i].name, name))
			return &s->topo.spec.paths[i];
	return NULL;
}

static void test_base_parses(void)
{
	const char *name = "base document parses, shaping merged";
	const struct lab_path_spec *p1, *p2;
	const struct scenario_event *ev;
	struct diag_list e = DIAG_LIST_INIT;
	char want[SHA256_HEX_SIZE];
	int r;

	r = scenario_load_buffer("mini.json", mini, strlen(mini), NULL, 0, &sc, &e);
	if (r) {
		check_errs_dump(&e);
		check_failf(name, "got %d", r);
	}
	if (strcmp(sc.name, "mini") || strcmp(sc.topo.name, "two-path") ||
	    strcmp(sc.topology_file, "topologies/two-path.json"))
		check_failf(name, "name '%s', topology '%s' from '%s'", sc.name, sc.topo.name,
		     sc.topology_file);
	sha256_hex(mini, strlen(mini), want);
	if (strcmp(sc.sha256, want) || strlen(sc.topology_sha256) != 64)
		check_failf(name, "hashes wrong: '%s', '%s'", sc.sha256, sc.topology_sha256);
	p1 = path_of(&sc, "path1");
	p2 = path_of(&sc, "path2");
	if (!p1 || !p2)
		check_failf(name, "paths missing");
	/* Given keys replace, others stay: path2 keeps its 30mbit down. */
	if (p2->up.rate_bps != 20000000 || p2->down.rate_bps != 30000000 ||
	    p2->up.delay_us != 5000 || p2->down.delay_us != 5000 || p1->up.rate_bps != 50000000 ||
	    p1->up.delay_us)
		check_failf(name, "merge wrong: path2 up %llu/%llu us, down %llu",
		     (unsigned long long)p2->up.rate_bps, (unsigned long long)p2->up.delay_us,
		     (unsigned long long)p2->down.rate_bps);
	if (strcmp(sc.traffic.engine, "iperf3") || sc.traffic.direction != SCENARIO_UPLOAD ||
	    sc.traffic.duration_us != 9000000 || sc.traffic.omit_us != 1000000 ||
	    sc.traffic.bytes || sc.traffic.streams != 2 || strcmp(sc.traffic.path, "path1") ||
	    sc.traffic.family != AF_INET)
		check_failf(name, "traffic wrong");
	if (sc.n_axes != 2 || strcmp(sc.axes[0].name, "cc") || sc.axes[0].n_values != 2 ||
	    strcmp(sc.axes[0].values[1], "reno") || strcmp(sc.axes[1].name, "limits.subflows") ||
	    strcmp(sc.axes[1].values[0], "1"))
		check_failf(name, "variants wrong");
	if (sc.repetitions != 3 || sc.expect.subflows != 2 || sc.expect.min_efficiency != 0.5 ||
	    sc.expect.max_efficiency != 1.02)
		check_failf(name, "repetitions or expect wrong");
	if (sc.n_events != 4)
		check_failf(name, "%u events", sc.n_events);
	/* Shaping events are stored full, merged over what is in force. */
	ev = &sc.events[1];
	if (ev->action != SCENARIO_EV_SHAPING || strcmp(ev->path, "path1") ||
	    ev->up.rate_bps != 50000000 || ev->up.loss_pct != 1.0 || ev->down.loss_pct != 1.0)
		check_failf(name, "first shaping event not full");
	ev = &sc.events[2];
	if (ev->down.rate_bps != 10000000 || ev->up.rate_bps != 50000000 ||
	    ev->down.loss_pct != 1.0)
		check_failf(name, "second shaping event not merged over the first");
	if (sc.events[0].action != SCENARIO_EV_LINK_DOWN ||
	    sc.events[3].action != SCENARIO_EV_LINK_UP ||
	    sc.events[3].at_us != 6000000)
		check_failf(name, "link events wrong");
	/* The delay on path2 needs netem; no direct link, so no ifb. */
	if (sc.n_requires != 2 || strcmp(sc.requires[0], "mptcp") ||
	    strcmp(sc.requires[1], "qdisc.netem"))
		check_failf(name, "requires: %u, expected mptcp and qdisc.netem", sc.n_requires);
	if (e.n)
		check_failf(name, "success with %zu messages", e.n);
	check_pass(name);
}

static const struct check_bad_case bad_cases[] = {
	{ "syntax error is located",
	  { "\"repetitions\": 3,", "\"repetitions\": 3" },
	  { "bad.json:9:", "'}' expected" } },
	{ "duplicate key is located",
	  { "\"repetitions\": 3,", "\"repetitions\": 3, \"repetitions\": 4," },
	  { "bad.json:8:", "duplicate object key" } },
	{ "unknown key",
	  { "\"repetitions\": 3", "\"repetition\": 3" },
	  { "bad.json: repetition: unknown key (expected one of: name, description, topology",
	    "requires)" } },
	{ "unknown topology",
	  { "\"two-path\"", "\"four-path\"" },
	  { "bad.json: topology: unknown topology", "three-path, two-path", "got 'four-path'" } },
	{ "topology file missing",
	  { "\"two-path\"", "\"nowhere/two-path.json\"" },
	  { "bad.json: topology: cannot read 'nowhere/two-path.json'", "No such file" } },
	{ "unknown path in paths",
	  { "\"path2\": {\"delay\"", "\"path9\": {\"delay\"" },
	  { "bad.json: paths.path9: unknown path", "path1, path2", "got 'path9'" } },
	{ "bad shaping in paths",
	  { "\"delay\": \"5ms\"", "\"delay\": \"5\"" },
	  { "bad.json: paths.path2.delay: bad time", "got '5'" } },
	{ "unknown shaping key in paths",
	  { "\"delay\": \"5ms\"", "\"latency\": \"5ms\"" },
	  { "bad.json: paths.path2.latency: unknown key", "rate, delay, jitter" } },
	{ "duration and bytes",
	  { "\"duration\": \"9s\"", "\"duration\": \"9s\", \"bytes\": \"1mb\"" },
	  { "bad.json: traffic: both 'duration' and 'bytes', expected exactly one",
	    "got '9s' and '1mb'" } },
	{ "duration not whole seconds for iperf3",
	  { "\"duration\": \"9s\"", "\"duration\": \"9500ms\"" },
	  { "bad.json: traffic.duration: not whole seconds", "got '9500ms'" } },
	{ "unknown direction",
	  { "\"upload\"", "\"sideways\"" },
	  { "bad.json: traffic.direction: unknown direction", "got 'sideways'" } },
	{ "more than one stream with the default engine (native)",
	  { "\"engine\": \"iperf3\", ", "" },
	  { "bad.json: traffic.streams: engine 'native' runs one MPTCP connection",
	    "(or engine 'iperf3'), got 2" } },
	{ "streams out of range",
	  { "\"streams\": 2", "\"streams\": 129" },
	  { "bad.json: traffic.streams: out of range, expected 1 to 128, got '129'" } },
	{ "traffic path unknown",
	  { "\"streams\": 2", "\"streams\": 2, \"path\": \"wifi\"" },
	  { "bad.json: traffic.path: unknown path", "got 'wifi'" } },
	{ "bad axis name",
	  { "\"cc\": [", "\"colour\": [" },
	  { "bad.json: variants.colour: unknown variant axis", "scheduler, cc", "got 'colour'" } },
	{ "sysctl axis outside mptcp and tcp",
	  { "\"cc\": [", "\"sysctl.net.core.rmem_max\": [" },
	  { "bad.json: variants[\"sysctl.net.core.rmem_max\"]: unknown variant axis" } },
	{ "endpoint axis with an unknown id",
	  { "\"cc\": [\"cubic\", \"reno\"]", "\"endpoint.7.flags\": [\"backup\"]" },
	  { "bad.json: variants[\"endpoint.7.flags\"]: no endpoint with id 7 on client 'client'",
	    "ids: 2, 12" } },
	{ "same sysctl on two axes",
	  { "\"limits.subflows\": [1, 2]", "\"sysctl.net.ipv4.tcp_congestion_control\": [\"bbr\"]" },
	  { "bad.json: variants[\"sysctl.net.ipv4.tcp_congestion_control\"]: sets 'net.ipv4.tcp_congestion_control' like axis 'cc'" } },
	{ "empty axis",
	  { "[\"cubic\", \"reno\"]", "[]" },
	  { "bad.json: variants.cc: expected 1 to 8 values, got 0" } },
	{ "limit value out of range",
	  { "[1, 2]", "[1, 9]" },
	  { "bad.json: variants[\"limits.subflows\"][1]: out of range", "got '9'" } },
	{ "duplicate axis value",
	  { "[\"cubic\", \"reno\"]", "[\"cubic\", \"cubic\"]" },
	  { "bad.json: variants.cc[1]: duplicate value", "got 'cubic'" } },
	{ "events out of order",
	  { "\"at\": \"6s\"", "\"at\": \"2s\"" },
	  { "bad.json: events[3].at: out of order", "'5s' of events[2]", "got '2s'" } },
	{ "event past the duration",
	  { "\"at\": \"6s\"", "\"at\": \"12s\"" },
	  { "bad.json: events[3].at: after the end of the traffic", "'10s' (omit + duration)",
	    "got '12s'" } },
	{ "event on an unknown path",
	  { "\"path\": \"path2\", \"action\": \"down\"", "\"path\": \"path7\", \"action\": \"down\"" },
	  { "bad.json: events[0].path: unknown path", "got 'path7'" } },
	{ "event up without down",
	  { "\"action\": \"down\"", "\"action\": \"shaping\", \"shaping\": {\"rate\": \"1mbit\"}" },
	  { "bad.json: events[3].action: path 'path2' is not down", "got 'up'" } },
	{ "unknown event action",
	  { "\"action\": \"down\"", "\"action\": \"cut\"" },
	  { "bad.json: events[0].action: unknown action", "got 'cut'" } },
	{ "shaping with a link event",
	  { "\"action\": \"down\"", "\"action\": \"down\", \"shaping\": {\"rate\": \"1mbit\"}" },
	  { "bad.json: events[0].shaping: only for action 'shaping'" } },
	{ "bad shaping in an event",
	  { "{\"loss\": \"1%\"}", "{\"loss\": \"120%\"}" },
	  { "bad.json: events[1].shaping.loss: out of range", "got '120%'" } },
	{ "event shaping takes the delay jitter needs",
	  { "\"delay\": \"5ms\"", "\"delay\": \"5ms\", \"jitter\": \"1ms\"",
	    "\"action\": \"up\"", "\"action\": \"shaping\", \"shaping\": {\"delay\": \"0ms\"}" },
	  { "bad.json: events[3].shaping: leaves jitter '1ms' without delay" } },
	{ "min_efficiency above max_efficiency",
	  { "\"min_efficiency\": 0.5", "\"min_efficiency\": 1.5" },
	  { "bad.json: expect.min_efficiency: greater than max_efficiency", "'1.02'",
	    "got '1.5'" } },
	{ "efficiency above 2",
	  { "\"max_efficiency\": 1.02", "\"max_efficiency\": 3" },
	  { "bad.json: expect.max_efficiency: out of range, expected 0 to 2, got '3'" } },
	{ "a completion bound on a transfer by duration",
	  { "\"max_efficiency\": 1.02", "\"max_efficiency\": 1.02, \"completion_max\": \"12s\"" },
	  { "bad.json: expect.completion_max: bounds a byte-count transfer, expected traffic.bytes" } },
	{ "the selftest's formula on a transfer by duration",
	  { "\"max_efficiency\": 1.02",
	    "\"max_efficiency\": 1.02, \"completion_max\": \"simult_flows\"" },
	  { "bad.json: expect.completion_max: the formula bounds a byte-count transfer",
	    "got 'simult_flows'" } },
	{ "a completion bound that is a number",
	  { "\"max_efficiency\": 1.02", "\"max_efficiency\": 1.02, \"completion_max\": 12" },
	  { "bad.json: expect.completion_max: expected a time (\"11.9s\") or the name of a formula (simult_flows), got '12'" } },
	{ "a slack without the formula",
	  { "\"max_efficiency\": 1.02", "\"max_efficiency\": 1.02, \"completion_slack\": \"1s\"" },
	  { "bad.json: expect.completion_slack: a slack for the formula" } },
	{ "repetitions 0",
	  { "\"repetitions\": 3", "\"repetitions\": 0" },
	  { "bad.json: repetitions: out of range, expected 1 to 1000, got '0'" } },
	{ "unknown capability",
	  { "[\"mptcp\"]", "[\"netem\"]" },
	  { "bad.json: requires[0]: unknown capability", "got 'netem'" } },
	{ "missing name",
	  { "\"name\": \"mini\",", "" },
	  { "bad.json: top level: missing required key 'name'" } },
	{ "invalid name",
	  { "\"name\": \"mini\"", "\"name\": \"mini scenario\"" },
	  { "bad.json: name: invalid name", "got 'mini scenario'" } },
};

static void test_bad_inputs(void)
{
	static const char *const not_object[] = {
		"bad.json: top level: wrong type, expected an object, got an array", NULL
	};

	expect_error("not an object", "[1, 2]", NULL, 0, not_object);
	check_bad_cases(mini, bad_cases, ARRAY_SIZE(bad_cases), expect_error);
}

static void test_many_errors(void)
{
	static const char *const edits[] = {
		"\"repetitions\": 3", "\"repetition\": 3",
		"\"path2\": {\"delay\"", "\"path9\": {\"delay\"",
		"\"cc\": [", "\"colour\": [",
		"\"min_efficiency\": 0.5", "\"min_efficiency\": 1.5",
		"\"at\": \"6s\"", "\"at\": \"12s\"",
	};
	static const char *const wants[][2] = {
		{ "bad.json: repetition: unknown key", NULL },
		{ "bad.json: paths.path9: unknown path", NULL },
		{ "bad.json: variants.colour: unknown variant axis", NULL },
		{ "bad.json: expect.min_efficiency: greater", NULL },
		{ "bad.json: events[3].at: after the end", NULL },
	};
	const char *name = "five errors in one file, all reported";
	struct diag_list e = DIAG_LIST_INIT;
	char *doc = check_edited(name, mini, edits, ARRAY_SIZE(edits));
	int r;

	r = scenario_load_buffer("bad.json", doc, strlen(doc), NULL, 0, &sc, &e);
	free(doc);
	check_errs_dump(&e);
	if (r != -EINVAL || e.n != 5)
		check_failf(name, "expected -EINVAL and 5 messages, got %d and %zu", r, e.n);
	for (size_t i = 0; i < ARRAY_SIZE(wants); i++)
		if (!check_errs_have(&e, wants[i]))
			check_failf(name, "missing '%s'", wants[i][0]);
	diag_list_release(&e);
	check_pass(name);
}

static void load_ok(const char *name, const char *file, const char *const *sets, size_t n_sets)
{
	struct diag_list e = DIAG_LIST_INIT;
	int r = scenario_load_file(file, sets, n_sets, &sc, &e);

	if (r) {
		check_errs_dump(&e);
		check_failf(name, "'%s' does not parse: %d", file, r);
	}
	if (e.n)
		check_failf(name, "success with %zu messages", e.n);
}

static void test_sets(void)
{
	const char *name = "--set paths.path1.rate=20mbit and traffic.duration=3s";
	const char *sets[] = { "paths.path1.rate=20mbit", "traffic.duration=3s" };
	const struct lab_path_spec *p1, *p2;
	char want[SHA256_HEX_SIZE];

	load_ok(name, "scenarios/two-path-bulk.json", sets, ARRAY_SIZE(sets));
	p1 = path_of(&sc, "path1");
	p2 = path_of(&sc, "path2");
	if (!p1 || !p2 || p1->up.rate_bps != 20000000 || p1->down.rate_bps != 20000000 ||
	    p2->up.rate_bps != 30000000)
		check_failf(name, "rates not overridden (path1 up %llu)",
		     p1 ? (unsigned long long)p1->up.rate_bps : 0ull);
	if (sc.traffic.duration_us != 3000000 || sc.traffic.omit_us != 1000000)
		check_failf(name, "duration %llu us", (unsigned long long)sc.traffic.duration_us);
	/* The hash is the file's, overrides or not. */
	if (sha256_file_hex("scenarios/two-path-bulk.json", want) || strcmp(want, sc.sha256))
		check_failf(name, "sha256 is not the file's");
	check_pass(name);

	{
		const char *s1[] = { "traffic.duration=3s" };
		const char *w1[] = { "bad.json: events[1].at: after the end of the traffic",
				     "'4s' (omit + duration)", NULL };
		const char *s2[] = { "paths.path1.rate=0" };
		const char *w2[] = { "bad.json: paths.path1.rate: bad rate", "got '0'", NULL };
		const char *s3[] = { "traffic.duration" };
		const char *w3[] = { "bad.json: --set 'traffic.duration': missing '='", NULL };
		const char *s4[] = { "paths.wifi.rate=1mbit" };
		const char *w4[] = { "bad.json: paths.wifi: unknown path", NULL };

		expect_error("--set checked like the file: events past a shorter duration", mini,
			     s1, 1, w1);
		expect_error("--set bad value", mini, s2, 1, w2);
		expect_error("--set without '='", mini, s3, 1, w3);
		expect_error("--set unknown path", mini, s4, 1, w4);
	}
}

static void test_shipped(void)
{
	unsigned n_files = 0, n_suites = 0;
	struct dirent *de;
	DIR *dh;

	dh = opendir("scenarios");
	if (!dh)
		check_failf("shipped scenarios", "cannot open 'scenarios': %s", strerror(errno));
	while ((de = readdir(dh))) {
		size_t len = strlen(de->d_name);
		char path[512], **files = NULL, suite[64], want[SHA256_HEX_SIZE];
		struct diag_list e = DIAG_LIST_INIT;
		size_t n = 0;
		int r;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "scenarios/%s", de->d_name);
		/* Every file is a suite: a scenario is a suite of one. */
		r = suite_load_file(path, &files, &n, suite, sizeof(suite), &e);
		if (r) {
			check_errs_dump(&e);
			check_failf(de->d_name, "not a suite: %d", r);
		}
		if (strncmp(de->d_name, suite, strlen(suite)) || de->d_name[strlen(suite)] != '.')
			check_failf(de->d_name, "name '%s' does not match the file name", suite);
		if (n > 1)
			n_suites++;
		for (size_t i = 0; i < n; i++) {
			load_ok(de->d_name, files[i], NULL, 0);
			/* the lab's own engine, with per-subflow telemetry */
			if (strcmp(sc.traffic.engine, "native"))
				check_failf(files[i], "engine '%s', expected 'native'",
					    sc.traffic.engine);
			if (n == 1 && (strcmp(files[i], path) || strcmp(sc.name, suite)))
				check_failf(de->d_name, "suite of one is '%s' named '%s'", files[i], sc.name);
			if (sha256_file_hex(files[i], want) || strcmp(want, sc.sha256))
				check_failf(files[i], "sha256 is not the file's");
			if (sha256_file_hex(sc.topology_file, want) ||
			    strcmp(want, sc.topology_sha256))
				check_failf(files[i], "topology sha256 is not the file's");
			free(files[i]);
		}
		free(files);
		if (n == 1)
			printf("       > %s: topology %s, %u paths, %u axes, %u events, %u reps, requires %u\n",
			       de->d_name, sc.topo.name, sc.topo.spec.n_paths, sc.n_axes,
			       sc.n_events, sc.repetitions, sc.n_requires);
		else
			printf("       > %s: suite '%s' of %zu scenarios\n", de->d_name, suite, n);
		n_files++;
		check_pass(de->d_name);
	}
	closedir(dh);
	if (n_files < 10 || n_suites < 1)
		check_failf("shipped scenarios", "found %u files and %u suites, expected at least 10 and 1",
		     n_files, n_suites);
}

static void test_figures(void)
{
	const struct lab_path_spec *p1, *p2;

	load_ok("smoke figures", "scenarios/smoke.json", NULL, 0);
	p1 = path_of(&sc, "path1");
	p2 = path_of(&sc, "path2");
	if (sc.topo.spec.n_paths != 2 || !p1 || !p2 || p1->up.rate_bps != 50000000 ||
	    p2->up.rate_bps != 30000000)
		check_failf("smoke figures", "expected 2 paths of 50 and 30 Mbit/s up");
	if (scenario_requires(&sc, "qdisc.netem") || scenario_requires(&sc, "link.ifb"))
		check_failf("smoke figures", "smoke must run without netem and ifb");
	check_pass("smoke figures");

	load_ok("long-fat figures", "scenarios/long-fat.json", NULL, 0);
	if (!scenario_requires(&sc, "qdisc.netem"))
		check_failf("long-fat figures", "requires lacks qdisc.netem");
	check_pass("long-fat figures");

	load_ok("simult-flows figures", "scenarios/simult-flows.json", NULL, 0);
	if (!scenario_requires(&sc, "qdisc.netem") || sc.traffic.bytes != 16u << 20 ||
	    sc.traffic.duration_us)
		check_failf("simult-flows figures", "expected 16 MiB and qdisc.netem");
	check_pass("simult-flows figures");

	/* the selftest's bound: 1000 * size * 8 * 10 / ((r1 + r2) * 1e6 * 9) ms
	 * (integer) + 400 ms + 50 ms slack; 16 MiB over 20 Mbit/s: 7456 ms */
	if (sc.expect.completion_max_us != 7906000 ||
	    strcmp(sc.expect.completion_formula, "simult_flows") ||
	    sc.expect.completion_slack_us != 50000)
		check_failf("simult-flows bound", "expected 7456 + 400 + 50 ms, got %llu us",
			    (unsigned long long)sc.expect.completion_max_us);
	check_pass("simult-flows bound: 7906 ms, the selftest's formula");
	load_ok("simult-flows-tbf figures", "scenarios/simult-flows-tbf.json", NULL, 0);
	p1 = path_of(&sc, "path1");
	p2 = path_of(&sc, "path2");
	if (scenario_requires(&sc, "qdisc.netem") || sc.expect.completion_max_us != 7906000 || !p1 ||
	    !p2 || p1->up.rate_bps != 15000000 || p2->up.rate_bps != 5000000 || p1->up.delay_us ||
	    p2->up.delay_us)
		check_failf("simult-flows-tbf figures",
			    "expected 15 + 5 Mbit/s, no netem, the same 7906 ms bound");
	check_pass("simult-flows-tbf: 15 + 5 Mbit/s on tbf alone, bound 7906 ms");
	{
		const char *sets[] = { "paths.path1.rate=25mbit", "expect.completion_slack=600ms" };

		/* 16 MiB over 30 Mbit/s: 4971 ms, + 400 + 600 */
		load_ok("simult-flows-tbf with --set", "scenarios/simult-flows-tbf.json", sets, 2);
		if (sc.expect.completion_max_us != 5971000)
			check_failf("bound from the --set rates",
				    "expected 4971 + 400 + 600 ms, got %llu us",
				    (unsigned long long)sc.expect.completion_max_us);
		check_pass("the bound follows --set rates and slack: 5971 ms");
		sets[0] = "expect.completion_max=11.9s";
		load_ok("a bound as a time", "scenarios/simult-flows-tbf.json", sets, 1);
		if (sc.expect.completion_max_us != 11900000 || sc.expect.completion_formula[0])
			check_failf("a bound as a time", "got %llu us",
				    (unsigned long long)sc.expect.completion_max_us);
		check_pass("a bound as a time: 11.9 s");
	}

	load_ok("asymmetric figures", "scenarios/asymmetric.json", NULL, 0);
	p2 = path_of(&sc, "lte");
	if (!scenario_requires(&sc, "link.ifb") || scenario_requires(&sc, "qdisc.netem") || !p2 ||
	    p2->n_links != 1 || sc.traffic.direction != SCENARIO_BOTH)
		check_failf("asymmetric figures", "expected link.ifb for the direct 'lte' path, no netem");
	check_pass("asymmetric figures");

	load_ok("failover figures", "scenarios/failover.json", NULL, 0);
	if (sc.n_events != 2 || sc.events[0].at_us > sc.events[1].at_us ||
	    sc.events[0].action != SCENARIO_EV_LINK_DOWN ||
	    sc.events[1].action != SCENARIO_EV_LINK_UP || strcmp(sc.events[0].path, "path2") ||
	    sc.events[1].at_us >= sc.traffic.omit_us + sc.traffic.duration_us)
		check_failf("failover figures", "expected path2 down then up, sorted, within the traffic");
	check_pass("failover figures");

	load_ok("rate-change figures", "scenarios/rate-change.json", NULL, 0);
	if (sc.n_events != 1 || sc.events[0].action != SCENARIO_EV_SHAPING ||
	    sc.events[0].up.rate_bps != 10000000 || sc.events[0].down.rate_bps != 10000000)
		check_failf("rate-change figures", "expected path1 at 10 Mbit/s both ways");
	check_pass("rate-change figures");

	load_ok("backup-path figures", "scenarios/backup-path.json", NULL, 0);
	if (sc.n_axes != 1 || strcmp(sc.axes[0].name, "endpoint.2.flags") ||
	    sc.axes[0].n_values != 2 || strcmp(sc.axes[0].values[1], "subflow,backup"))
		check_failf("backup-path figures", "expected the endpoint.2.flags axis");
	check_pass("backup-path figures");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		check_failf("suites", "cannot write '%s'", path);
}

static void test_suites(void)
{
	char dir[] = "/tmp/mpl-test-scenario.XXXXXX", path[4200], text[4600], cwd[4096];
	char **files = NULL, name[64];
	struct diag_list e = DIAG_LIST_INIT;
	size_t n = 0;
	int r;

	if (!mkdtemp(dir) || !getcwd(cwd, sizeof(cwd)))
		check_failf("suites", "cannot make a scratch directory");

	/* A missing file is named with the suite's JSON path. */
	snprintf(path, sizeof(path), "%s/suite.json", dir);
	snprintf(text, sizeof(text),
		 "{\"name\": \"s\", \"scenarios\": [\"%s/scenarios/smoke.json\", \"x.json\"]}", cwd);
	write_file(path, text);
	r = suite_load_file(path, &files, &n, name, sizeof(name), &e);
	check_errs_dump(&e);
	if (r != -EINVAL || e.n != 1 || files || n ||
	    !strstr(e.msgs[0], "suite.json: scenarios[1]: cannot read 'x.json': No such file or directory"))
		check_failf("suite with a missing file", "got %d and %zu messages", r, e.n);
	diag_list_release(&e);
	check_pass("suite with a missing file");

	/* Relative entries are relative to the suite's directory. */
	snprintf(path, sizeof(path), "%s/scenarios/nightly.json", cwd);
	r = suite_load_file(path, &files, &n, name, sizeof(name), &e);
	if (r || n != 10 || strcmp(name, "nightly") || !strstr(files[0], "/scenarios/smoke.json"))
		check_failf("suite entries relative to the suite", "got %d, %zu files", r, n);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	check_pass("suite entries relative to the suite");

	snprintf(path, sizeof(path), "%s/neither.json", dir);
	write_file(path, "{\"name\": \"x\"}");
	r = suite_load_file(path, &files, &n, name, sizeof(name), &e);
	check_errs_dump(&e);
	if (r != -EINVAL || e.n != 1 || !strstr(e.msgs[0], "neither.json: top level: neither a suite nor a scenario"))
		check_failf("neither a suite nor a scenario", "got %d", r);
	diag_list_release(&e);
	check_pass("neither a suite nor a scenario");

	snprintf(path, sizeof(path), "%s/broken.json", dir);
	write_file(path, "{\"name\": \"x\",\n \"scenarios\": [\"a.json\" \"b.json\"]}");
	r = suite_load_file(path, &files, &n, name, sizeof(name), &e);
	check_errs_dump(&e);
	if (r != -EINVAL || e.n != 1 || !strstr(e.msgs[0], "broken.json:2:"))
		check_failf("suite syntax error is located", "got %d", r);
	diag_list_release(&e);
	check_pass("suite syntax error is located");

	r = scenario_load_file("/nonexistent/x.json", NULL, 0, &sc, &e);
	if (r != -ENOENT || e.n != 1 || !strstr(e.msgs[0], "/nonexistent/x.json: cannot open"))
		check_failf("missing scenario file", "got %d, %zu messages", r, e.n);
	diag_list_release(&e);
	check_pass("missing scenario file");

	/* A scenario outside the tree finds a topology given as a path,
	 * relative to its own directory. */
	snprintf(path, sizeof(path), "%s/sub.json", dir);
	snprintf(text, sizeof(text),
		 "{\"name\": \"sub\", \"topology\": \"%s/topologies/three-path.json\", \"paths\": {\"path3\": {\"rate\": \"5mbit\"}}}",
		 cwd);
	write_file(path, text);
	load_ok("topology given as a path", path, NULL, 0);
	if (strcmp(sc.topo.name, "three-path") || sc.topo.spec.paths[2].up.rate_bps != 5000000 ||
	    sc.traffic.duration_us != 10000000 || sc.repetitions != 5)
		check_failf("topology given as a path", "wrong topology or defaults");
	check_pass("topology given as a path");

	/* A direct link without shaping, IPv4 only, next to the scenarios. */
	snprintf(path, sizeof(path), "%s/direct.json", dir);
	write_file(path,
		   "{\"name\": \"direct\", \"client\": \"c\", \"server\": \"s\", \"nodes\": {\"c\": {}, \"s\": {}},\n"
		   " \"links\": [{\"name\": \"l\", \"a\": {\"node\": \"c\", \"ifname\": \"e0\", \"addresses\": [\"10.9.0.1/24\"]},\n"
		   "                             \"b\": {\"node\": \"s\", \"ifname\": \"e0\", \"addresses\": [\"10.9.0.2/24\"]}}],\n"
		   " \"paths\": {\"p\": {\"links\": [\"l\"]}}}\n");
	snprintf(path, sizeof(path), "%s/plain.json", dir);
	write_file(path, "{\"name\": \"plain\", \"topology\": \"direct.json\"}");
	load_ok("unshaped direct link needs no ifb", path, NULL, 0);
	if (sc.n_requires || strcmp(sc.traffic.path, "p"))
		check_failf("unshaped direct link needs no ifb", "%u requires", sc.n_requires);
	check_pass("unshaped direct link needs no ifb");
	{
		const char *sets[] = { "paths.p.rate=10mbit" };

		load_ok("a shaped direct link needs ifb", path, sets, 1);
		if (sc.n_requires != 1 || strcmp(sc.requires[0], "link.ifb"))
			check_failf("a shaped direct link needs ifb", "%u requires", sc.n_requires);
		check_pass("a shaped direct link needs ifb");
	}
	{
		const char *sets[] = {
			"events[0]={\"at\": \"1s\", \"path\": \"p\", \"action\": \"shaping\", \"shaping\": {\"delay\": \"10ms\"}}"
		};
		const char *what = "event shaping adds netem and ifb";

		/* --set appends to an existing array, never creates one. */
		write_file(path, "{\"name\": \"plain\", \"topology\": \"direct.json\", \"events\": []}");
		load_ok(what, path, sets, 1);
		if (sc.n_requires != 2 || !scenario_requires(&sc, "qdisc.netem") ||
		    !scenario_requires(&sc, "link.ifb") ||
		    sc.events[0].up.delay_us != 10000 || sc.events[0].up.rate_bps)
			check_failf(what, "%u requires", sc.n_requires);
		check_pass(what);
	}
	{
		static const struct {
			const char *name, *set, *want;
		} cases[] = {
			{ "efficiency needs rates", "expect.min_efficiency=0.5",
			  "plain.json: expect.min_efficiency: needs a rate on every path in the traffic's direction, expected a rate for 'p' up" },
			{ "family the path lacks", "traffic.family=inet6",
			  "plain.json: traffic.family: no IPv6 address of server 's' on path 'p'" },
		};

		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			r = scenario_load_file(path, &cases[i].set, 1, &sc, &e);
			check_errs_dump(&e);
			if (r != -EINVAL || e.n != 1 || !strstr(e.msgs[0], cases[i].want))
				check_failf(cases[i].name, "got %d and %zu messages", r, e.n);
			diag_list_release(&e);
			check_pass(cases[i].name);
		}
	}
	{
		const char *what = "broken topology is reported with its file";

		snprintf(path, sizeof(path), "%s/direct.json", dir);
		write_file(path, "{\"name\": \"direct\", \"client\": \"c\"}");
		snprintf(path, sizeof(path), "%s/plain.json", dir);
		r = scenario_load_file(path, NULL, 0, &sc, &e);
		check_errs_dump(&e);
		if (r != -EINVAL || e.n < 2 || !strstr(e.msgs[0], "direct.json: ") ||
		    !strstr(e.msgs[e.n - 1], "plain.json: topology: cannot use topology"))
			check_failf(what, "got %d and %zu messages", r, e.n);
		diag_list_release(&e);
		check_pass(what);
	}

	snprintf(path, sizeof(path), "%s/direct.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/plain.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/suite.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/neither.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/broken.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub.json", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const char *src = getenv("MPL_SOURCE_DIR");

	if (!src)
		check_skip("MPL_SOURCE_DIR is not set: cannot find scenarios/");
	if (chdir(src) < 0)
		check_failf("setup", "cannot change into '%s': %s", src, strerror(errno));
	test_base_parses();
	test_bad_inputs();
	test_many_errors();
	test_sets();
	test_shipped();
	test_figures();
	test_suites();
	printf("%u cases passed\n", check_count);
	return 0;
}
