/*
 * test_units: common/units.c, the parsers of rates, times, sizes and
 * percentages (tc(8) semantics: "mbit" is bits, "mbps" is BYTES per
 * second) and their printers. Prints one line per case and exits 1 on the
 * first failure.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "check.h"

/* A case named by what is parsed or printed and its input: "<what> '<in>'". */
static void check_in(int ok, const char *what, const char *in, const char *detail)
{
	char name[200];

	snprintf(name, sizeof(name), "%s '%s'", what, in);
	check(ok, name, "%s", detail);
}

struct u64_case {
	const char *in;
	int ret;	  /* expected return */
	uint64_t want;	  /* value when ret == 0 */
};

static void run_u64(const char *what, int (*parse)(const char *, uint64_t *),
		    const struct u64_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0xdeadbeef;
		char detail[160];
		int r = parse(cases[i].in, &v);

		snprintf(detail, sizeof(detail), "returned %d value %llu, expected %d value %llu",
			 r, (unsigned long long)v, cases[i].ret,
			 (unsigned long long)cases[i].want);
		check_in(r == cases[i].ret && (r < 0 || v == cases[i].want), what,
		      cases[i].in, detail);
	}
}

static const struct u64_case rates[] = {
	{ "50mbit", 0, 50000000 },
	{ "1mbps", 0, 8000000 }, /* tc: bps = bytes per second */
	{ "1kbps", 0, 8000 },
	{ "1gbps", 0, 8000000000ull },
	{ "8bps", 0, 64 },
	{ "100", 0, 100 },	 /* bare number: bit/s */
	{ "100bit", 0, 100 },
	{ "1kbit", 0, 1000 },
	{ "1kibit", 0, 1024 },
	{ "1mibit", 0, 1048576 },
	{ "1.5gbit", 0, 1500000000 },
	{ "2tbit", 0, 2000000000000ull },
	{ "50Mbit", 0, 50000000 }, /* tc ignores case */
	{ "0.5kbit", 0, 500 },
	{ "0", 0, 0 },		 /* a zero rate is the caller's business */
	{ "", -EINVAL, 0 },
	{ "fast", -EINVAL, 0 },
	{ "mbit", -EINVAL, 0 },
	{ "50mbitx", -EINVAL, 0 },	/* trailing garbage */
	{ "50 mbit", -EINVAL, 0 },
	{ " 50mbit", -EINVAL, 0 },
	{ "50mbit ", -EINVAL, 0 },
	{ "-1mbit", -EINVAL, 0 },
	{ "+1mbit", -EINVAL, 0 },
	{ "1e6", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ ".", -EINVAL, 0 },
	{ "1..5mbit", -EINVAL, 0 },
	{ "inf", -EINVAL, 0 },
	{ "nan", -EINVAL, 0 },
	{ "50mb", -EINVAL, 0 },	/* a size unit, not a rate */
	{ "99999999999tbit", -ERANGE, 0 },
};

static const struct u64_case times[] = {
	{ "10ms", 0, 10000 },
	{ "250us", 0, 250 },
	{ "1s", 0, 1000000 },
	{ "1.5ms", 0, 1500 },
	{ "2sec", 0, 2000000 },
	{ "5msec", 0, 5000 },
	{ "1min", 0, 60000000 },
	{ "0ms", 0, 0 },
	{ "10", -EINVAL, 0 },	  /* the unit is never guessed */
	{ "10m", -EINVAL, 0 },
	{ "ms", -EINVAL, 0 },
	{ "10msx", -EINVAL, 0 },
	{ "-5ms", -EINVAL, 0 },
	{ "10 ms", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
};

static const struct u64_case sizes[] = {
	{ "100", 0, 100 },
	{ "100b", 0, 100 },
	{ "64kb", 0, 64000 },
	{ "64k", 0, 64000 },
	{ "1kib", 0, 1024 },
	{ "1mb", 0, 1000000 },
	{ "2mib", 0, 2097152 },
	{ "1gib", 0, 1073741824 },
	{ "1.5kb", 0, 1500 },
	{ "1kk", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "kb", -EINVAL, 0 },
	{ "64kbit", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
};

static void test_percent(void)
{
	static const struct {
		const char *in;
		int ret;
		double want;
	} cases[] = {
		{ "1.5%", 0, 1.5 },  { "1.5", 0, 1.5 },	  { "100", 0, 100 },
		{ "0", 0, 0 },	     { "100%", 0, 100 },  { "0.01%", 0, 0.01 },
		{ "101", -ERANGE, 0 }, { "120%", -ERANGE, 0 }, { "%", -EINVAL, 0 },
		{ "1.5%%", -EINVAL, 0 }, { "-1%", -EINVAL, 0 }, { "1.5 %", -EINVAL, 0 },
		{ "", -EINVAL, 0 },  { "five", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		double v = -1;
		char detail[128];
		int r = units_parse_percent(cases[i].in, &v);

		snprintf(detail, sizeof(detail), "returned %d value %g, expected %d value %g",
			 r, v, cases[i].ret, cases[i].want);
		check_in(r == cases[i].ret && (r < 0 || v == cases[i].want), "percent",
		      cases[i].in, detail);
	}
}

static void test_format(void)
{
	static const struct {
		uint64_t v;
		const char *want;
	} rate_out[] = {
		{ 50000000, "50mbit" }, { 1500000000, "1.5gbit" }, { 800, "800bit" },
		{ 8000, "8kbit" },	{ 2000000000000ull, "2tbit" },
	}, time_out[] = {
		{ 10000, "10ms" }, { 1500000, "1.5s" }, { 250, "250us" }, { 0, "0us" },
	};
	char buf[32], in[32];

	for (size_t i = 0; i < ARRAY_SIZE(rate_out); i++) {
		uint64_t back = 0;

		snprintf(in, sizeof(in), "%llu", (unsigned long long)rate_out[i].v);
		units_format_rate(rate_out[i].v, buf, sizeof(buf));
		check_in(!strcmp(buf, rate_out[i].want), "format rate", in, buf);
		/* What is printed parses back to the same value. */
		check_in(units_parse_rate_bps(buf, &back) == 0 && back == rate_out[i].v,
		      "rate round trip", buf, "different value");
	}
	for (size_t i = 0; i < ARRAY_SIZE(time_out); i++) {
		snprintf(in, sizeof(in), "%llu", (unsigned long long)time_out[i].v);
		units_format_time(time_out[i].v, buf, sizeof(buf));
		check_in(!strcmp(buf, time_out[i].want), "format time", in, buf);
	}
}

int main(void)
{
	run_u64("rate", units_parse_rate_bps, rates, ARRAY_SIZE(rates));
	run_u64("time", units_parse_time_us, times, ARRAY_SIZE(times));
	run_u64("size", units_parse_size_bytes, sizes, ARRAY_SIZE(sizes));
	test_percent();
	test_format();
	printf("%u cases passed\n", check_count);
	return 0;
}
