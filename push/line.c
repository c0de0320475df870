/*
 * line.c: runs as InfluxDB line protocol (see push.h for the line).
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

static int push_buf_add(struct push_buf *b, const char *s, size_t n)
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

static int push_tag_cmp(const void *a, const void *b)
{
	return strcmp(((const struct push_tag *)a)->key, ((const struct push_tag *)b)->key);
}

static bool push_reserved(const char *key)
{
	return !strcmp(key, "host") || !strcmp(key, "kernel") || !strcmp(key, "scenario") ||
	       !strcmp(key, "status");
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

int push_format_run(struct push_buf *b, const struct results_run *run, size_t *lines)
{
	struct push_tag tags[32];
	size_t n = 0, fields = 0, start = b->len;
	const char *p;
	int ret = 0;

	for (size_t i = 0; i < run->n_metrics; i++)
		fields += isfinite(run->metrics[i].value);
	if (!fields)
		return 0; /* a line needs a field: a failed run has no figure to chart */
	push_tag_set(&tags[n++], "host", run->host.hostname);
	push_tag_set(&tags[n++], "kernel", run->kernel.release);
	push_tag_set(&tags[n++], "scenario", run->scenario);
	push_tag_set(&tags[n++], "status", results_status_name(run->status));
	/* variant_key is "a=x,b=y" with sorted keys */
	for (p = run->variant_key; p && *p && n < ARRAY_SIZE(tags);) {
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
	qsort(tags, n, sizeof(tags[0]), push_tag_cmp);

	ret = push_buf_add(b, PUSH_MEASUREMENT, strlen(PUSH_MEASUREMENT));
	for (size_t i = 0; i < n && ret == 0; i++) {
		if (!tags[i].value_len)
			continue; /* the protocol has no empty tag values */
		ret = push_buf_add(b, ",", 1);
		if (ret == 0)
			ret = push_escape(b, tags[i].key, strlen(tags[i].key));
		if (ret == 0)
			ret = push_buf_add(b, "=", 1);
		if (ret == 0)
			ret = push_escape(b, tags[i].value, tags[i].value_len);
	}
	fields = 0;
	for (size_t i = 0; i < run->n_metrics && ret == 0; i++) {
		const struct results_metric *m = &run->metrics[i];

		if (!isfinite(m->value))
			continue;
		ret = push_buf_add(b, fields++ ? "," : " ", 1);
		if (ret == 0)
			ret = push_escape(b, m->name, strlen(m->name));
		if (ret == 0)
			ret = push_value(b, m->value);
	}
	if (ret == 0)
		ret = push_buf_printf(b, " %llu\n", (unsigned long long)run->started_at_us * 1000ULL);
	if (ret < 0) {
		b->len = start; /* no half line */
		if (b->data)
			b->data[start] = '\0';
		return ret;
	}
	(*lines)++;
	return 0;
}

