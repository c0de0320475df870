/*
 * line.c: runs and verdicts as InfluxDB line protocol (see push.h for
 * the lines). One writer for both measurements, so they escape and name
 * their tags alike.
 *
 * Escaping follows the line-protocol spec: in the measurement, commas and
 * spaces; in tag keys, tag values and field keys, commas, equals signs and
 * spaces (and backslashes before them); newlines, which would end the
 * line, become spaces. Tag keys are sorted, as InfluxDB recommends.
 *
 * This file neither sends nor decides what to push.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "push.h"

void push_buf_release(struct push_buf *b)
{
	if (!b)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int push_buf_reserve(struct push_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return 0;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int push_buf_add(struct push_buf *b, const char *s, size_t n)
{
	if (push_buf_reserve(b, n) < 0)
		return -ENOMEM;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static int __attribute__((format(printf, 2, 3))) push_buf_printf(struct push_buf *b,
								  const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || push_buf_reserve(b, (size_t)n) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* s[0..n) escaped for a tag key, tag value or field key. */
static int push_escape(struct push_buf *b, const char *s, size_t n)
{
	int ret = 0;

	for (size_t i = 0; i < n && ret == 0; i++) {
		char c = s[i];

		if (c == '\n' || c == '\r')
			c = ' ';
		if (c == ',' || c == '=' || c == ' ' || c == '\\')
			ret = push_buf_add(b, "\\", 1);
		if (ret == 0)
			ret = push_buf_add(b, &c, 1);
	}
	return ret;
}

struct push_tag {
	char key[64];
	const char *value;
	size_t value_len;
};

struct push_field {
	const char *name;
	double value;
};

/* The most tags a line has: the fixed ones and the variant's axes. */
#define PUSH_TAGS_MAX 32

static int push_tag_cmp(const void *a, const void *b)
{
	return strcmp(((const struct push_tag *)a)->key, ((const struct push_tag *)b)->key);
}

/* The tag keys of the two measurements; a variant axis never takes one. */
static bool push_reserved(const char *key)
{
	static const char *const fixed[] = { "host",   "kernel", "scenario", "status",
					     "variant", "metric", "verdict",  "check" };

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (!strcmp(key, fixed[i]))
			return true;
	return false;
}

/* An axis name reduced to [A-Za-z0-9_], prefixed when it would shadow a
 * fixed tag. */
static void push_axis_name(char *out, size_t size, const char *s, size_t n)
{
	char name[48]; /* + "variant_" fits a push_tag key */
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < sizeof(name); i++) {
		unsigned char c = (unsigned char)s[i];

		name[j++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					    (c >= '0' && c <= '9') || c == '_' ?
				    (char)c :
				    '_';
	}
	name[j] = '\0';
	snprintf(out, size, "%s%s", push_reserved(name) || !j ? "variant_" : "", name);
}

static void push_tag_set(struct push_tag *t, const char *key, const char *value)
{
	snprintf(t->key, sizeof(t->key), "%s", key);
	t->value = value;
	t->value_len = value ? strlen(value) : 0;
}

/* The tags a run and a verdict share: host, kernel, scenario, the whole
 * variant key as "variant" and each of its axes as its own tag. */
static size_t push_series_tags(struct push_tag *tags, const char *host, const char *kernel,
			       const char *scenario, const char *variant_key)
{
	size_t n = 0;
	const char *p;

	push_tag_set(&tags[n++], "host", host);
	push_tag_set(&tags[n++], "kernel", kernel);
	push_tag_set(&tags[n++], "scenario", scenario);
	push_tag_set(&tags[n++], "variant", variant_key);
	/* variant_key is "a=x,b=y" with sorted keys; room is kept for the
	 * tags of the measurement itself */
	for (p = variant_key; p && *p && n < PUSH_TAGS_MAX - 4;) {
		const char *end = strchr(p, ','), *eq;

		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq && eq > p) {
			push_axis_name(tags[n].key, sizeof(tags[n].key), p, (size_t)(eq - p));
			tags[n].value = eq + 1;
			tags[n].value_len = (size_t)(end - eq - 1);
			n++;
		}
		p = *end ? end + 1 : end;
	}
	return n;
}

/* The shortest of %.15g and %.17g that reads back as the same double:
 * 0.983 stays 0.983, and no value is rounded on the way. */
static int push_value(struct push_buf *b, double v)
{
	char s[32];

	snprintf(s, sizeof(s), "%.15g", v);
	if (strtod(s, NULL) != v)
		snprintf(s, sizeof(s), "%.17g", v);
	return push_buf_printf(b, "=%s", s);
}

/*
 * One line: measurement, the tags sorted (empty values left out: the
 * protocol has none), the finite fields, the timestamp in ns. A line needs
 * a field: with no finite one nothing is written. *lines += 1 for a line.
 */
static int push_line(struct push_buf *b, const char *measurement, struct push_tag *tags,
		     size_t n_tags, const struct push_field *fields, size_t n_fields,
		     uint64_t at_us, size_t *lines)
{
	size_t finite = 0, start = b->len;
	int ret;

	for (size_t i = 0; i < n_fields; i++)
		finite += isfinite(fields[i].value);
	if (!finite)
		return 0;
	qsort(tags, n_tags, sizeof(tags[0]), push_tag_cmp);
	ret = push_buf_add(b, measurement, strlen(measurement));
	for (size_t i = 0; i < n_tags && ret == 0; i++) {
		if (!tags[i].value_len)
			continue;
		ret = push_buf_add(b, ",", 1);
		if (ret == 0)
			ret = push_escape(b, tags[i].key, strlen(tags[i].key));
		if (ret == 0)
			ret = push_buf_add(b, "=", 1);
		if (ret == 0)
			ret = push_escape(b, tags[i].value, tags[i].value_len);
	}
	finite = 0;
	for (size_t i = 0; i < n_fields && ret == 0; i++) {
		if (!isfinite(fields[i].value))
			continue;
		ret = push_buf_add(b, finite++ ? "," : " ", 1);
		if (ret == 0)
			ret = push_escape(b, fields[i].name, strlen(fields[i].name));
		if (ret == 0)
			ret = push_value(b, fields[i].value);
	}
	if (ret == 0)
		ret = push_buf_printf(b, " %llu\n", (unsigned long long)at_us * 1000ULL);
	if (ret < 0) {
		b->len = start; /* no half line */
		if (b->data)
			b->data[start] = '\0';
		return ret;
	}
	(*lines)++;
	return 0;
}

int push_format_run(struct push_buf *b, const struct results_run *run, size_t *lines)
{
	struct push_tag tags[PUSH_TAGS_MAX];
	struct push_field *fields;
	size_t n, n_fields = 0;
	bool has_run = false;
	int ret;

	fields = calloc(run->n_metrics + 1, sizeof(*fields));
	if (!fields)
		return -ENOMEM;
	for (size_t i = 0; i < run->n_metrics; i++) {
		fields[n_fields++] = (struct push_field){ run->metrics[i].name,
							  run->metrics[i].value };
		has_run |= !strcmp(run->metrics[i].name, PUSH_RUN_FIELD);
	}
	/* every run counts, a failed one without a figure too */
	if (!has_run)
		fields[n_fields++] = (struct push_field){ PUSH_RUN_FIELD, 1 };
	n = push_series_tags(tags, run->host.hostname, run->kernel.release, run->scenario,
			     run->variant_key);
	push_tag_set(&tags[n++], "status", results_status_name(run->status));
	ret = push_line(b, PUSH_MEASUREMENT, tags, n, fields, n_fields, run->started_at_us, lines);
	free(fields);
	return ret;
}

int push_format_verdict(struct push_buf *b, const struct push_verdict *v, size_t *lines)
{
	const struct push_field fields[] = {
		{ "change", v->change },
		{ "ci_lo", v->ci_lo },
		{ "ci_hi", v->ci_hi },
		{ "p", v->p },
		{ "p_adjusted", v->p_adjusted },
		{ "floor", v->floor },
		{ "median_baseline", v->median_baseline },
		{ "median_candidate", v->median_candidate },
		{ "n_baseline", (double)v->n_baseline },
		{ "n_candidate", (double)v->n_candidate },
	};
	struct push_tag tags[PUSH_TAGS_MAX];
	size_t n;

	n = push_series_tags(tags, v->host, v->kernel, v->scenario, v->variant_key);
	push_tag_set(&tags[n++], "metric", v->metric);
	push_tag_set(&tags[n++], "verdict", v->verdict);
	push_tag_set(&tags[n++], "check", v->check);
	return push_line(b, PUSH_VERDICT_MEASUREMENT, tags, n, fields, ARRAY_SIZE(fields),
			 v->at_us, lines);
}
