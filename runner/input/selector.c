/* selector.c: parse the selection syntax of selector.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "selector.h"

/* The arrays below are grown only here, through array_grow (capacity
 * implied by the count). */
static char *own(struct selector *sel, const char *s, size_t len)
{
	char **g = array_grow(sel->owned, sel->n_owned, sizeof(*g));
	char *copy;

	if (!g)
		return NULL;
	sel->owned = g;
	copy = strndup(s, len);
	if (copy)
		sel->owned[sel->n_owned++] = copy;
	return copy;
}

static int push(const char ***list, size_t *n, const char *item)
{
	const char **g = array_grow(*list, *n, sizeof(*g));

	if (!g)
		return -ENOMEM;
	*list = g;
	g[(*n)++] = item;
	return 0;
}

int selector_parse_date(const char *s, uint64_t *us)
{
	struct tm tm = { 0 };
	const char *end;
	time_t t;

	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || *end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (!end || *end)
			return -EINVAL;
	}
	t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*us = (uint64_t)t * 1000000ULL;
	return 0;
}

static int add_one(struct selector *sel, const char *item, size_t len, struct diag *d)
{
	static const char *const forms = "scenario:, kernel:, boot:, host:, status:, variant:K=V, tag:K=V, run:UUID, since:DATE, until:DATE";
	struct results_filter *f = &sel->filter;
	const char *colon = memchr(item, ':', len);
	size_t klen;
	char *value;
	int r = 0;

	if (!colon || colon == item || colon + 1 == item + len)
		return diag_set(d, -EINVAL, "selector '%.*s' must look like FORM:VALUE (one of %s)",
				(int)len, item, forms);
	klen = (size_t)(colon - item);
	value = own(sel, colon + 1, len - klen - 1);
	if (!value)
		return -ENOMEM;
#define IS(k) (klen == strlen(k) && !strncmp(item, k, klen))
	if (IS("scenario")) {
		f->scenario = value;
	} else if (IS("kernel")) {
		f->kernel_release = value;
	} else if (IS("boot")) {
		f->boot_mode = value;
	} else if (IS("host")) {
		f->host = value;
	} else if (IS("status")) {
		enum results_status st;

		if (results_status_parse(value, &st) < 0)
			return diag_set(d, -EINVAL,
					"selector 'status:%s': expected ok, failed, skipped or invalid",
					value);
		f->status = value;
	} else if (IS("variant") || IS("tag")) {
		if (!strchr(value, '=') || value[0] == '=')
			return diag_set(d, -EINVAL, "selector '%.*s': expected KEY=VALUE after ':'",
					(int)len, item);
		r = IS("tag") ? push(&f->tags, &f->n_tags, value) :
				push(&f->variant_kv, &f->n_variant_kv, value);
	} else if (IS("run")) {
		r = push(&f->uuids, &f->n_uuids, value);
	} else if (IS("since") || IS("until")) {
		uint64_t us;

		if (selector_parse_date(value, &us) < 0)
			return diag_set(d, -EINVAL,
					"selector '%.*s': expected a date YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC), got '%s'",
					(int)len, item, value);
		if (IS("since"))
			f->since_us = us;
		else
			f->until_us = us;
	} else {
		return diag_set(d, -EINVAL, "unknown selector '%.*s' (expected one of %s)",
				(int)klen, item, forms);
	}
#undef IS
	return r;
}

int selector_add(struct selector *sel, const char *arg, struct diag *d)
{
	const char *p = arg;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int r;

		r = add_one(sel, p, len, d);
		if (r < 0)
			return r;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

void selector_release(struct selector *sel)
{
	for (size_t i = 0; i < sel->n_owned; i++)
		free(sel->owned[i]);
	free(sel->owned);
	free(sel->filter.variant_kv);
	free(sel->filter.tags);
	free(sel->filter.uuids);
	memset(sel, 0, sizeof(*sel));
}
