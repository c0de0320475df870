/* units.c: strict parsers for rates, times, sizes and percentages. */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *name;
	double factor;
};

/* Split "12.5mbit" into 12.5 and "mbit". Rejects empty numbers, signs,
 * hex, inf/nan and whitespace. */
static int split_number(const char *s, double *val, const char **suffix)
{
	const char *p = s;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (p == s || (p == s + 1 && *s == '.'))
		return -EINVAL;
	errno = 0;
	*val = strtod(s, &end);
	if (end != p) /* "1e6", "0x10": strtod read past the digits */
		return -EINVAL;
	if (errno == ERANGE || !isfinite(*val))
		return -ERANGE;
	*suffix = p;
	return 0;
}

static int scale(const char *s, const struct unit *units, size_t n, int need_unit,
		 double *out)
{
	const char *suffix;
	double v;
	int r;

	r = split_number(s, &v, &suffix);
	if (r < 0)
		return r;
	if (!*suffix) {
		if (need_unit)
			return -EINVAL;
		*out = v;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcasecmp(suffix, units[i].name)) {
			*out = v * units[i].factor;
			return 0;
		}
	}
	return -EINVAL;
}

static int to_u64(double v, uint64_t *out)
{
	if (v < 0 || v >= 18446744073709551616.0)
		return -ERANGE;
	*out = (uint64_t)llround(v);
	return 0;
}

int units_parse_rate_bps(const char *s, uint64_t *bps)
{
	static const struct unit u[] = {
		{ "bit", 1 },		{ "kbit", 1e3 },	{ "mbit", 1e6 },
		{ "gbit", 1e9 },	{ "tbit", 1e12 },	{ "kibit", 1024.0 },
		{ "mibit", 1048576.0 }, { "gibit", 1073741824.0 },
		{ "bps", 8 },		{ "kbps", 8e3 },	{ "mbps", 8e6 },
		{ "gbps", 8e9 },
	};
	double v;
	int r = scale(s, u, sizeof(u) / sizeof(u[0]), 0, &v);

	return r < 0 ? r : to_u64(v, bps);
}

int units_parse_time_us(const char *s, uint64_t *us)
{
	static const struct unit u[] = {
		{ "us", 1 }, { "usec", 1 }, { "ms", 1e3 }, { "msec", 1e3 },
		{ "s", 1e6 }, { "sec", 1e6 }, { "min", 60e6 },
	};
	double v;
	int r = scale(s, u, sizeof(u) / sizeof(u[0]), 1, &v);

	return r < 0 ? r : to_u64(v, us);
}

int units_parse_size_bytes(const char *s, uint64_t *bytes)
{
	static const struct unit u[] = {
		{ "b", 1 },	     { "k", 1e3 },	    { "kb", 1e3 },
		{ "kib", 1024.0 },   { "m", 1e6 },	    { "mb", 1e6 },
		{ "mib", 1048576.0 }, { "g", 1e9 },	    { "gb", 1e9 },
		{ "gib", 1073741824.0 },
	};
	double v;
	int r = scale(s, u, sizeof(u) / sizeof(u[0]), 0, &v);

	return r < 0 ? r : to_u64(v, bytes);
}

int units_parse_percent(const char *s, double *pct)
{
	static const struct unit u[] = { { "%", 1 } };
	double v;
	int r = scale(s, u, 1, 0, &v);

	if (r < 0)
		return r;
	if (v < 0 || v > 100)
		return -ERANGE;
	*pct = v;
	return 0;
}

const char *units_format_rate(uint64_t bps, char *buf, size_t size)
{
	static const struct unit u[] = {
		{ "tbit", 1e12 }, { "gbit", 1e9 }, { "mbit", 1e6 }, { "kbit", 1e3 },
	};

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if ((double)bps >= u[i].factor) {
			snprintf(buf, size, "%.4g%s", (double)bps / u[i].factor, u[i].name);
			return buf;
		}
	}
	snprintf(buf, size, "%llubit", (unsigned long long)bps);
	return buf;
}

const char *units_format_time(uint64_t us, char *buf, size_t size)
{
	if (us >= 1000000)
		snprintf(buf, size, "%.4gs", (double)us / 1e6);
	else if (us >= 1000)
		snprintf(buf, size, "%.4gms", (double)us / 1e3);
	else
		snprintf(buf, size, "%lluus", (unsigned long long)us);
	return buf;
}
