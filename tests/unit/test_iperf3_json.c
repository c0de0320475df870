/*
 * test_iperf3_json.c: runner/iperf3_json.c against real iperf3 3.12
 * reports and reports broken the ways iperf3 breaks them.
 *
 * tests/fixtures/iperf3/good-*.json were written by iperf3 over loopback
 * (see the README there); bad-*.json and error-*.json are derived from
 * them or produced by a failing iperf3. A good report must give exactly
 * the figures its file holds; a bad one must be rejected with a reason
 * that names the problem. The engine's probe is run against fake iperf3
 * scripts (with and without --mptcp in their help). No privileges needed:
 * the engine's runs need namespaces and are covered by the netns tests.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "iperf3_json.h"
#include "check.h"

/* Same double up to printing precision (cJSON writes 15-17 digits). */
static int close_to(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b));
}

static char *load(const char *name, size_t *len)
{
	const char *src = getenv("MPL_SOURCE_DIR");
	char path[4096];
	char *buf = NULL;
	long size;
	FILE *f;

	if (src && src[0]) {
		snprintf(path, sizeof(path), "%s/tests/fixtures/iperf3/%s", src, name);
	} else {
		/* Run by hand: the fixtures are next to this file's folder. */
		const char *slash = strrchr(__FILE__, '/');
		int dirlen = slash ? (int)(slash - __FILE__) : 1;

		snprintf(path, sizeof(path), "%.*s/../fixtures/iperf3/%s", dirlen,
			 slash ? __FILE__ : ".", name);
	}
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "FAIL cannot open fixture '%s'\n", path);
		check_failures++;
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size + 1);
		if (buf && fread(buf, 1, (size_t)size, f) == (size_t)size) {
			buf[size] = '\0';
			*len = (size_t)size;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	EXPECT(buf, "cannot read fixture '%s'", path);
	return buf;
}

/* Parse a fixture; returns the parser's return value, fills rep/why. */
static int parse_file(const char *name, const struct iperf3_expect *exp,
		      struct iperf3_report *rep, char *why, size_t whylen)
{
	size_t len = 0;
	char *buf = load(name, &len);
	int r;

	if (!buf) {
		memset(rep, 0, sizeof(*rep));
		snprintf(why, whylen, "(no fixture)");
		return -ENOENT;
	}
	r = iperf3_json_parse(buf, len, exp, rep, why, whylen);
	free(buf);
	return r;
}

static void expect_reject_buf(const char *label, const char *buf, size_t len,
			      const struct iperf3_expect *exp, const char *needle)
{
	struct iperf3_report rep;
	char why[256] = "unset";
	int r = iperf3_json_parse(buf, len, exp, &rep, why, sizeof(why));

	EXPECT(r == -EBADMSG, "%s: ret %d, why '%s'", label, r, why);
	EXPECT(strstr(why, needle), "%s: reason '%s' lacks '%s'", label, why, needle);
	EXPECT(!rep.intervals && rep.n_intervals == 0 && rep.goodput_bps == 0,
	      "%s: a rejected report must leave rep empty", label);
	iperf3_report_release(&rep);
}

static void expect_reject(const char *name, const struct iperf3_expect *exp, const char *needle)
{
	size_t len = 0;
	char *buf = load(name, &len);

	if (buf)
		expect_reject_buf(name, buf, len, exp, needle);
	free(buf);
}

/* The same text with the first occurrence of from replaced by to. */
static char *patched(const char *name, const char *from, const char *to, size_t *len)
{
	size_t flen = strlen(from), tlen = strlen(to), blen = 0;
	char *buf = load(name, &blen), *at, *out;

	if (!buf)
		return NULL;
	at = strstr(buf, from);
	EXPECT(at, "'%s' not found in %s", from, name);
	if (!at) {
		free(buf);
		return NULL;
	}
	out = malloc(blen - flen + tlen + 1);
	if (out) {
		size_t pre = (size_t)(at - buf);

		memcpy(out, buf, pre);
		memcpy(out + pre, to, tlen);
		memcpy(out + pre + tlen, at + flen, blen - pre - flen + 1);
		*len = blen - flen + tlen;
	}
	free(buf);
	return out;
}

static void expect_reject_patched(const char *name, const char *from, const char *to,
				  const struct iperf3_expect *exp, const char *needle)
{
	size_t len = 0;
	char *buf = patched(name, from, to, &len), label[160];

	snprintf(label, sizeof(label), "%s with '%s' -> '%s'", name, from, to);
	if (buf)
		expect_reject_buf(label, buf, len, exp, needle);
	free(buf);
}

static void test_good_upload(void)
{
	const struct iperf3_expect exp = { ENGINE_UPLOAD, 1.0, 2 };
	struct iperf3_report rep;
	char why[256] = "";
	int r = parse_file("good-upload.json", &exp, &rep, why, sizeof(why));

	EXPECT(r == 0, "ret %d: %s", r, why);
	EXPECT(!strcmp(rep.version, "iperf 3.12"), "version '%s'", rep.version);
	EXPECT(rep.streams == 2 && !rep.reverse && !rep.bidir, "streams %u", rep.streams);
	/* Receiver side: end.sum_received, not sum_sent (23844558859). */
	EXPECT(close_to(rep.goodput_bps, 23908110459.68901), "goodput %f", rep.goodput_bps);
	EXPECT(rep.bytes == 2990145536ULL, "bytes %llu", (unsigned long long)rep.bytes);
	EXPECT(close_to(rep.seconds, 1.000546), "seconds %f", rep.seconds);
	EXPECT(rep.retransmits == 0, "retransmits %lld", (long long)rep.retransmits);
	EXPECT(rep.sent.bytes == 2983198720ULL && rep.received.retransmits == -1,
	      "sent %llu, received retransmits %lld", (unsigned long long)rep.sent.bytes,
	      (long long)rep.received.retransmits);
	EXPECT(close_to(rep.cpu_host_pct, 41.803517137349786) &&
		      close_to(rep.cpu_remote_pct, 45.03512376147326),
	      "cpu %f %f", rep.cpu_host_pct, rep.cpu_remote_pct);
	EXPECT(!strcmp(rep.sender_cc, "bbr") && !strcmp(rep.receiver_cc, "bbr"), "cc '%s' '%s'",
	      rep.sender_cc, rep.receiver_cc);
	/* Two intervals, the first omitted (-O 1). */
	EXPECT(rep.n_intervals == 1, "n_intervals %zu", rep.n_intervals);
	if (rep.n_intervals == 1) {
		const struct telemetry_interval *iv = &rep.intervals[0];

		EXPECT(iv->start_us == 36 && iv->end_us == 1000882, "interval %llu-%llu",
		      (unsigned long long)iv->start_us, (unsigned long long)iv->end_us);
		EXPECT(iv->bytes == 2983198720ULL && iv->retransmits == 0, "interval bytes %llu",
		      (unsigned long long)iv->bytes);
		EXPECT(close_to(iv->bits_per_second, 23843700510.004345), "interval bps %f",
		      iv->bits_per_second);
	}
	iperf3_report_release(&rep);
	EXPECT(!rep.intervals && !rep.n_intervals, "release must clear");
	iperf3_report_release(&rep); /* twice is fine */

	/* Nothing expected: parses too. */
	r = parse_file("good-upload.json", NULL, &rep, why, sizeof(why));
	EXPECT(r == 0, "no expectation: ret %d: %s", r, why);
	iperf3_report_release(&rep);
}

static void test_good_download(void)
{
	/* -R -P 2 -O 1: iperf 3.12 repeats keys in 'start' (#1491). */
	const struct iperf3_expect exp = { ENGINE_DOWNLOAD, 1.0, 2 };
	struct iperf3_report rep;
	char why[256] = "";
	int r = parse_file("good-download.json", &exp, &rep, why, sizeof(why));

	EXPECT(r == 0, "ret %d: %s", r, why);
	EXPECT(rep.reverse && !rep.bidir, "reverse %d bidir %d", rep.reverse, rep.bidir);
	/* The client received: still end.sum_received. */
	EXPECT(close_to(rep.goodput_bps, 15179025760.618256), "goodput %f", rep.goodput_bps);
	EXPECT(rep.bytes == 1897332683ULL, "bytes %llu", (unsigned long long)rep.bytes);
	/* The server sent; the client's report carries its retransmits. */
	EXPECT(rep.retransmits == 11, "retransmits %lld", (long long)rep.retransmits);
	EXPECT(close_to(rep.cpu_host_pct, 59.7238258024017), "cpu %f", rep.cpu_host_pct);
	EXPECT(rep.n_intervals == 1, "n_intervals %zu", rep.n_intervals);
	if (rep.n_intervals == 1) {
		EXPECT(rep.intervals[0].start_us == 14 && rep.intervals[0].end_us == 999976,
		      "interval %llu-%llu", (unsigned long long)rep.intervals[0].start_us,
		      (unsigned long long)rep.intervals[0].end_us);
		/* The receiving client has no retransmit count. */
		EXPECT(rep.intervals[0].retransmits == -1, "interval retransmits %lld",
		      (long long)rep.intervals[0].retransmits);
	}
	iperf3_report_release(&rep);
}

static void test_good_bidir(void)
{
	const struct iperf3_expect exp = { ENGINE_BOTH, 1.0, 1 };
	struct iperf3_report rep;
	char why[256] = "";
	int r = parse_file("good-bidir.json", &exp, &rep, why, sizeof(why));

	EXPECT(r == 0, "ret %d: %s", r, why);
	EXPECT(rep.bidir, "bidir not seen");
	EXPECT(close_to(rep.received.bits_per_second, 13171090792.447855) &&
		      close_to(rep.received_reverse.bits_per_second, 10303208891.180569),
	      "received %f / %f", rep.received.bits_per_second,
	      rep.received_reverse.bits_per_second);
	EXPECT(close_to(rep.goodput_bps, 13171090792.447855 + 10303208891.180569), "goodput %f",
	      rep.goodput_bps);
	EXPECT(rep.bytes == 1647575040ULL + 1288830976ULL, "bytes %llu",
	      (unsigned long long)rep.bytes);
	EXPECT(rep.retransmits == 0 + 1, "retransmits %lld", (long long)rep.retransmits);
	EXPECT(rep.n_intervals == 1, "n_intervals %zu", rep.n_intervals);
	if (rep.n_intervals == 1) {
		EXPECT(rep.intervals[0].bytes == 1647575040ULL + 1288830976ULL,
		      "interval bytes %llu", (unsigned long long)rep.intervals[0].bytes);
		/* Only one direction's sender is the client. */
		EXPECT(rep.intervals[0].retransmits == -1, "interval retransmits %lld",
		      (long long)rep.intervals[0].retransmits);
	}
	iperf3_report_release(&rep);
}

static void test_good_bytes(void)
{
	/* -n 200M: no duration to check. */
	const struct iperf3_expect exp = { ENGINE_UPLOAD, 0, 1 };
	struct iperf3_report rep;
	char why[256] = "";
	int r = parse_file("good-bytes.json", &exp, &rep, why, sizeof(why));

	EXPECT(r == 0, "ret %d: %s", r, why);
	EXPECT(rep.bytes == 203161600ULL && close_to(rep.seconds, 0.069555), "bytes %llu s %f",
	      (unsigned long long)rep.bytes, rep.seconds);
	iperf3_report_release(&rep);
}

/* What the engine itself runs: mptcpize, 50 + 30 Mbit/s tbf paths
 * between two namespaces, -t 3 -O 1 -P 2. */
static void test_good_mptcpize(void)
{
	const struct iperf3_expect exp = { ENGINE_UPLOAD, 3.0, 2 };
	struct iperf3_report rep;
	char why[256] = "";
	int r = parse_file("good-mptcpize-upload.json", &exp, &rep, why, sizeof(why));

	EXPECT(r == 0, "ret %d: %s", r, why);
	EXPECT(close_to(rep.goodput_bps, 76169032.7932492), "goodput %f", rep.goodput_bps);
	EXPECT(rep.bytes == 28671176ULL && rep.retransmits == 108, "bytes %llu retransmits %lld",
	      (unsigned long long)rep.bytes, (long long)rep.retransmits);
	EXPECT(rep.n_intervals == 3, "n_intervals %zu", rep.n_intervals);
	if (rep.n_intervals == 3)
		EXPECT(rep.intervals[2].start_us == 2000076 && rep.intervals[2].end_us == 3000032 &&
			      rep.intervals[2].bytes == 8803392ULL,
		      "last interval %llu-%llu %llu B",
		      (unsigned long long)rep.intervals[2].start_us,
		      (unsigned long long)rep.intervals[2].end_us,
		      (unsigned long long)rep.intervals[2].bytes);
	iperf3_report_release(&rep);
}

static void test_broken_outputs(void)
{
	const struct iperf3_expect up = { ENGINE_UPLOAD, 1.0, 2 };
	const struct iperf3_expect up5 = { ENGINE_UPLOAD, 5.0, 2 };

	expect_reject("bad-truncated.json", &up, "truncated");
	expect_reject("bad-truncated.json", &up, "line ");
	expect_reject("bad-twice.json", &up, "printed twice");
	/* good-upload.json has 213 lines: the second copy starts on 214. */
	expect_reject("bad-twice.json", &up, "line 214, column 1");
	expect_reject("bad-nan.json", &up, "not valid JSON at line 199");
	expect_reject("error-refused.json", &up,
		      "iperf3 reported an error: "
		      "'unable to connect to server: Connection refused'");
	expect_reject("bad-missing-end.json", &up, "missing 'end'");
	expect_reject("good-upload.json", &up5, "measured 1.00 s in 'end.sum_received.seconds', "
						"expected 5.00 s");
	expect_reject("bad-zero-bps.json", &up,
		      "'end.sum_received' says 0 bit/s for 2990145536 bytes");
}

static void test_expectations(void)
{
	const struct iperf3_expect up4 = { ENGINE_UPLOAD, 1.0, 4 };
	const struct iperf3_expect down = { ENGINE_DOWNLOAD, 1.0, 2 };
	const struct iperf3_expect up = { ENGINE_UPLOAD, 1.0, 2 };
	const struct iperf3_expect up1 = { ENGINE_UPLOAD, 1.0, 1 };
	const struct iperf3_expect both = { ENGINE_BOTH, 1.0, 2 };
	const struct iperf3_expect bytes1s = { ENGINE_UPLOAD, 1.0, 1 };

	expect_reject("good-upload.json", &up4, "iperf3 ran 2 streams, expected 4");
	expect_reject("good-upload.json", &down, "expected download");
	expect_reject("good-download.json", &up, "reverse (-R)");
	expect_reject("good-bidir.json", &up1, "bidirectional");
	expect_reject("good-upload.json", &both, "sum_received_bidir_reverse");
	/* -n ran 0.07 s: checked against a duration it must fail. */
	expect_reject("good-bytes.json", &bytes1s, "expected 1.00 s");
	/* 1.09 s for 1 s is within 10 %, 1.11 s is not. */
	{
		const struct iperf3_expect d = { ENGINE_UPLOAD, 0.92, 2 };
		struct iperf3_report rep;
		char why[256] = "";

		EXPECT(parse_file("good-upload.json", &d, &rep, why, sizeof(why)) == 0,
		      "1.0005 s vs 0.92 s must pass: %s", why);
		iperf3_report_release(&rep);
	}
	expect_reject("good-upload.json", &(struct iperf3_expect){ ENGINE_UPLOAD, 0.90, 2 },
		      "expected 0.90 s");
}

static void test_values(void)
{
	const struct iperf3_expect up = { ENGINE_UPLOAD, 1.0, 2 };

	expect_reject_patched("good-upload.json", "\"protocol\":\t\"TCP\"",
			      "\"protocol\":\t\"UDP\"", &up, "iperf3 ran a 'UDP' test");
	expect_reject_patched("good-upload.json", "\"bytes\":\t2990145536", "\"bytes\":\t-5", &up,
			      "'end.sum_received.bytes' must not be negative");
	expect_reject_patched("good-upload.json", "\"bytes\":\t2990145536", "\"bytes\":\t1e999",
			      &up, "not valid JSON");
	expect_reject_patched("good-upload.json", "\"bytes\":\t2990145536", "\"bytes\":\t2.5",
			      &up, "whole number");
	expect_reject_patched("good-upload.json", "\"bytes\":\t2990145536", "\"bytes\":\t\"many\"",
			      &up, "'end.sum_received.bytes' must be a number, got a string");
	expect_reject_patched("good-upload.json", "\"seconds\":\t1.000546", "\"seconds\":\t-1",
			      &up, "must not be negative");
	expect_reject_patched("good-upload.json", "\"sum_sent\":", "\"sum_sent_x\":", &up,
			      "missing 'end.sum_sent'");
	expect_reject_patched("good-upload.json", "\"test_start\":", "\"test_x\":", &up,
			      "missing 'start.test_start'");
	expect_reject_patched("good-upload.json", "\"version\":", "\"versio\":", &up,
			      "missing 'start.version'");
	expect_reject_patched("good-upload.json", "\"host_total\":\t41", "\"host_total\":\t-41",
			      &up, "cpu_utilization_percent.host_total' must not be negative");
	expect_reject_patched("good-upload.json", "\"intervals\":", "\"intervalz\":", &up,
			      "missing 'intervals'");
	/* Four tabs: the interval's sum, not one of its streams. */
	expect_reject_patched("good-upload.json", "\n\t\t\t\t\"omitted\":\tfalse",
			      "\n\t\t\t\t\"omitted\":\t0", &up,
			      "'intervals[1].sum.omitted' must be a boolean");
	/* The warm-up interval counts once it is not marked omitted. */
	{
		size_t len = 0;
		char *buf = patched("good-upload.json", "\n\t\t\t\t\"omitted\":\ttrue",
				    "\n\t\t\t\t\"omitted\":\tfalse", &len);
		struct iperf3_report rep;
		char why[256] = "";

		if (buf) {
			EXPECT(iperf3_json_parse(buf, len, &up, &rep, why, sizeof(why)) == 0 &&
				      rep.n_intervals == 2 &&
				      rep.intervals[0].bytes == 2204631040ULL &&
				      rep.intervals[0].retransmits == 23,
			      "not omitted: %s, %zu intervals", why, rep.n_intervals);
			iperf3_report_release(&rep);
		}
		free(buf);
	}
	/* A large byte count printed as %g by cJSON is still a count. */
	{
		size_t len = 0;
		char *buf = patched("good-upload.json", "\"bytes\":\t2990145536",
				    "\"bytes\":\t2.990145536e+09", &len);
		struct iperf3_report rep;
		char why[256] = "";

		if (buf) {
			EXPECT(iperf3_json_parse(buf, len, &up, &rep, why, sizeof(why)) == 0 &&
				      rep.bytes == 2990145536ULL,
			      "real byte count: %s", why);
			iperf3_report_release(&rep);
		}
		free(buf);
	}

	expect_reject_buf("empty", "", 0, &up, "no JSON report");
	expect_reject_buf("blank", " \n\t", 3, &up, "no JSON report");
	expect_reject_buf("array", "[1, 2]", 6, &up, "must be a JSON object, got an array");
	expect_reject_buf("text", "iperf3: error - unable to connect", 33, &up, "not valid JSON");
	expect_reject_buf("error object", "{\"error\": {\"x\": 1}}", 19, &up,
			  "iperf3 reported an error: '(an object)'");
	expect_reject_buf("error newline", "{\"error\": \"a\\nb\"}", 17, &up,
			  "iperf3 reported an error: 'a?b'");
	expect_reject_buf("nul", "{\"a\": \"\\u0000\"}", 15, &up, "not valid JSON");
}

/* Only len bytes are read: what follows is not the parser's business. */
static void test_length(void)
{
	const struct iperf3_expect up = { ENGINE_UPLOAD, 1.0, 2 };
	size_t len = 0;
	char *buf = load("good-upload.json", &len), *big;
	struct iperf3_report rep;
	char why[256] = "";

	if (!buf)
		return;
	big = malloc(len + 16);
	if (big) {
		memcpy(big, buf, len);
		memcpy(big + len, "{\"garbage\": 1}", 15);
		EXPECT(iperf3_json_parse(big, len, &up, &rep, why, sizeof(why)) == 0, "%s", why);
		iperf3_report_release(&rep);
		expect_reject_buf("with garbage", big, len + 14, &up, "printed twice");
	}
	free(big);
	free(buf);
}

static void test_engine_table(void)
{
	const struct engine_ops *e = engine_find("iperf3");
	struct engine_result res = { 0 };

	EXPECT(e && e->probe && e->run && !strcmp(e->name, "iperf3"), "iperf3 engine missing");
	EXPECT(!engine_find("nope") && !engine_find(NULL), "unknown engine found");
	EXPECT(!strcmp(engine_direction_name(ENGINE_BOTH), "both"), "direction name");
	engine_result_release(&res);
	engine_result_release(NULL);
}

/* In a child (the probe caches its answer per process): PATH holds only
 * a fake iperf3 whose help does or does not mention --mptcp. */
static void probe_with_fake(const char *help, const char *want_method, const char *want_version)
{
	char dir[] = "/tmp/mpl-test-iperf3-XXXXXX", path[256];
	int status = 0;
	pid_t pid;
	FILE *f;

	if (!mkdtemp(dir)) {
		EXPECT(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/iperf3", dir);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "#!/bin/sh\ncase \"$1\" in\n"
			   "--help) printf '%%s\\n' '%s';;\n"
			   "--version) echo '%s (cJSON 1.7.15)'; echo 'Linux test';;\n"
			   "esac\n",
			help, want_version);
		fclose(f);
		chmod(path, 0755);
	}
	pid = fork();
	if (pid == 0) {
		const struct engine_ops *e = engine_find("iperf3");
		struct engine_probe pr;
		struct diag d = DIAG_INIT;
		int r;

		setenv("PATH", dir, 1);
		r = e->probe(&pr, &d);
		if (!want_method)
			_exit(r == -EOPNOTSUPP && strstr(diag_str(&d), "apt-get install mptcpize")
				      ? 0
				      : 1);
		if (r != 0 || strcmp(pr.mptcp_method, want_method) ||
		    strcmp(pr.tool_version, want_version)) {
			fprintf(stderr, "probe: %d '%s' '%s' %s\n", r, pr.mptcp_method,
				pr.tool_version, diag_str(&d));
			_exit(1);
		}
		_exit(0);
	}
	EXPECT(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0,
	      "probe with help '%s': expected method '%s'", help,
	      want_method ? want_method : "(none)");
	unlink(path);
	rmdir(dir);
}

static void test_probe(void)
{
	glob_t g;
	bool have_lib = glob("/usr/lib/*/mptcpize/libmptcpwrap.so*", 0, NULL, &g) == 0;

	if (have_lib)
		globfree(&g);
	probe_with_fake("  -m, --mptcp               use MPTCP rather than plain TCP", "-m",
			"iperf 3.19.1");
	probe_with_fake("  -M, --set-mss   #         set TCP/SCTP maximum segment size",
			have_lib ? "mptcpize" : NULL, "iperf 3.12");
}

int main(void)
{
	test_good_upload();
	test_good_download();
	test_good_bidir();
	test_good_bytes();
	test_good_mptcpize();
	test_broken_outputs();
	test_expectations();
	test_values();
	test_length();
	test_engine_table();
	test_probe();
	return check_expect_done("ok");
}
