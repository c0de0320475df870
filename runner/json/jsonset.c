/*
 * jsonset.c: "a.b[0].c=VALUE" assignments applied to a jansson tree.
 *
 * The assignment is split and its path parsed completely before the tree
 * is touched, and missing objects are built detached and attached only
 * when the whole assignment is known to succeed, so a failing --set leaves
 * the document as it was. Meaning is checked later by the caller.
 */
#include "jsonset.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSONSET_MAX_SEGS 32
#define JSONSET_MAX_INDEX 1000000

struct seg {
	char *key;	/* object key (decoded), NULL for a bracket index */
	size_t index;	/* bracket index, or the value of an all-digit key */
	bool bracket;	/* written as [N]: array only */
	bool digits;	/* written as .N: array index or object key */
};

struct segs {
	struct seg v[JSONSET_MAX_SEGS];
	size_t n;
};

static void segs_release(struct segs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	s->n = 0;
}

/* A key needs the ["..."] form when the dotted form could not say it. */
static bool key_is_plain(const char *k)
{
	if (!*k)
		return false;
	for (const char *p = k; *p; p++) {
		if (*p == '.' || *p == '[' || *p == ']' || *p == '=' ||
		    *p == '"' || (unsigned char)*p <= ' ')
			return false;
	}
	return true;
}

/* The path as written up to and including segment `upto`, canonical form. */
static void render(const struct segs *s, size_t upto, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i <= upto && i < s->n && len < size; i++) {
		const struct seg *g = &s->v[i];
		int r;

		if (g->bracket) {
			r = snprintf(buf + len, size - len, "[%zu]", g->index);
		} else if (key_is_plain(g->key)) {
			r = snprintf(buf + len, size - len, "%s%s", i ? "." : "",
				     g->key);
		} else {
			json_t *str = json_string(g->key);
			char *q = str ? json_dumps(str, JSON_ENCODE_ANY) : NULL;

			r = snprintf(buf + len, size - len, "[%s]", q ? q : "?");
			free(q);
			json_decref(str);
		}
		if (r < 0)
			return;
		len += (size_t)r;
	}
}

/* Decode the JSON string starting at *pp (which points at '"'); advance
 * *pp past the closing quote. */
static int parse_quoted(const char **pp, char **out, struct diag *d)
{
	const char *start = *pp, *p = start + 1;
	json_error_t jerr;
	json_t *str;

	while (*p && *p != '"') {
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	if (*p != '"')
		return diag_set(d, -EINVAL, "unterminated quoted key %s", start);
	p++;
	str = json_loadb(start, (size_t)(p - start), JSON_DECODE_ANY, &jerr);
	if (!str || !json_is_string(str)) {
		json_decref(str);
		return diag_set(d, -EINVAL, "bad quoted key %.*s: %s", (int)(p - start), start,
				jerr.text);
	}
	*out = strdup(json_string_value(str));
	json_decref(str);
	if (!*out)
		return -ENOMEM;
	*pp = p;
	return 0;
}

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int parse_index(const char *s, size_t n, size_t *index)
{
	size_t v = 0;

	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (size_t)(s[i] - '0');
		if (v > JSONSET_MAX_INDEX)
			return -ERANGE;
	}
	*index = v;
	return 0;
}

static int parse_path(const char *path, size_t len, struct segs *s, struct diag *d)
{
	const char *p = path, *end = path + len;
	int r;

	if (!len)
		return diag_set(d, -EINVAL, "empty path, expected PATH=VALUE");
	while (p < end) {
		struct seg *g;

		if (s->n == JSONSET_MAX_SEGS)
			return diag_set(d, -EINVAL, "path has more than %d parts",
					JSONSET_MAX_SEGS);
		g = &s->v[s->n];
		memset(g, 0, sizeof(*g));
		if (*p == '[') {
			const char *close;

			p++;
			if (p < end && *p == '"') {
				r = parse_quoted(&p, &g->key, d);
				if (r < 0)
					return r;
				s->n++;
				if (p >= end || *p != ']')
					return diag_set(d, -EINVAL,
							"expected ']' after quoted key in '%.*s'",
							(int)len, path);
				p++;
			} else {
				close = memchr(p, ']', (size_t)(end - p));
				if (!close || !all_digits(p, (size_t)(close - p)))
					return diag_set(d, -EINVAL,
							"bad index in '%.*s', expected [N] or [\"key\"]",
							(int)len, path);
				if (parse_index(p, (size_t)(close - p), &g->index) < 0)
					return diag_set(d, -EINVAL, "index too large in '%.*s'",
							(int)len, path);
				g->bracket = true;
				s->n++;
				p = close + 1;
			}
		} else if (*p == '"') {
			r = parse_quoted(&p, &g->key, d);
			if (r < 0)
				return r;
			s->n++;
		} else {
			const char *k = p;

			while (p < end && *p != '.' && *p != '[')
				p++;
			if (p == k)
				return diag_set(d, -EINVAL, "empty key in '%.*s'", (int)len, path);
			g->key = strndup(k, (size_t)(p - k));
			if (!g->key)
				return -ENOMEM;
			s->n++;
			if (all_digits(k, (size_t)(p - k)) &&
			    parse_index(k, (size_t)(p - k), &g->index) == 0)
				g->digits = true;
		}
		if (p < end && *p == '.') {
			p++;
			if (p == end || *p == '.' || *p == '[')
				return diag_set(d, -EINVAL, "empty key in '%.*s'", (int)len, path);
		} else if (p < end && *p != '[') {
			return diag_set(d, -EINVAL, "unexpected '%c' in '%.*s'", *p, (int)len,
					path);
		}
	}
	return 0;
}

/* The '=' that ends the path: the first one outside a quoted key. */
static const char *find_equals(const char *a)
{
	bool quoted = false;

	for (const char *p = a; *p; p++) {
		if (quoted && *p == '\\' && p[1])
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '=')
			return p;
	}
	return NULL;
}

const char *jsonset_type_name(const json_t *v, enum jsonset_type_form form)
{
	static const struct {
		const char *alone, *before_value;
	} names[] = {
		[JSON_OBJECT] = { "an object", "an object" },
		[JSON_ARRAY] = { "an array", "an array" },
		[JSON_STRING] = { "a string", "string" },
		[JSON_INTEGER] = { "a number", "integer" },
		[JSON_REAL] = { "a number", "number" },
		[JSON_TRUE] = { "a boolean", "boolean" },
		[JSON_FALSE] = { "a boolean", "boolean" },
		[JSON_NULL] = { "null", "null" },
	};
	size_t t = (size_t)json_typeof(v);

	if (t >= sizeof(names) / sizeof(names[0]) || !names[t].alone)
		return form == JSONSET_ALONE ? "a value" : "value";
	return form == JSONSET_ALONE ? names[t].alone : names[t].before_value;
}

static json_t *parse_value(const char *value)
{
	json_error_t jerr;
	json_t *v;

	v = json_loads(value, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (v)
		return v;
	return json_string(value);
}

int jsonset_apply(json_t *root, const char *assignment, struct diag *d)
{
	struct segs s = { .n = 0 };
	char where[256];
	json_t *cur = root, *value = NULL, *fresh = NULL, *leaf;
	const char *eq;
	size_t i, first_missing;
	int r;

	eq = assignment ? find_equals(assignment) : NULL;
	if (!eq)
		return diag_set(d, -EINVAL, "missing '=', expected PATH=VALUE");
	r = parse_path(assignment, (size_t)(eq - assignment), &s, d);
	if (r < 0)
		goto out;
	value = parse_value(eq + 1);
	if (!value) {
		r = diag_set(d, -EINVAL, "value '%s' is not valid UTF-8", eq + 1);
		goto out;
	}

	/* Walk the existing part of the tree down to the parent of the last
	 * segment, stopping at the first missing key. */
	first_missing = s.n;
	for (i = 0; i + 1 < s.n; i++) {
		const struct seg *g = &s.v[i];
		json_t *next = NULL;

		render(&s, i > 0 ? i - 1 : 0, where, sizeof(where));
		if (json_is_array(cur) && (g->bracket || g->digits)) {
			if (g->index >= json_array_size(cur)) {
				render(&s, i, where, sizeof(where));
				r = diag_set(d, -EINVAL,
					     "%s: index out of range, array has %zu elements",
					     where, json_array_size(cur));
				goto out;
			}
			next = json_array_get(cur, g->index);
		} else if (json_is_object(cur) && !g->bracket) {
			next = json_object_get(cur, g->key);
			if (!next) {
				first_missing = i;
				break;
			}
		} else {
			r = diag_set(d, -EINVAL, "%s: cannot descend into %s with '%s'",
				     i ? where : "top level", jsonset_type_name(cur, JSONSET_ALONE),
				     g->bracket ? "[N]" : g->key);
			goto out;
		}
		cur = next;
	}

	/* Build the missing objects detached; arrays are never invented. */
	if (first_missing < s.n) {
		json_t *tail;

		for (i = first_missing + 1; i < s.n; i++) {
			if (s.v[i].bracket) {
				render(&s, first_missing, where, sizeof(where));
				r = diag_set(d, -EINVAL,
					     "%s: does not exist, and --set creates objects, not arrays",
					     where);
				goto out;
			}
		}
		leaf = fresh = json_object();
		if (!fresh) {
			r = -ENOMEM;
			goto out;
		}
		for (i = first_missing + 1; i + 1 < s.n; i++) {
			tail = json_object();
			if (!tail || json_object_set_new(leaf, s.v[i].key, tail) < 0) {
				r = -ENOMEM;
				goto out;
			}
			leaf = tail;
		}
		if (json_object_set(leaf, s.v[s.n - 1].key, value) < 0 ||
		    json_object_set(cur, s.v[first_missing].key, fresh) < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = 0;
		goto out;
	}

	/* Everything up to the parent exists: set the last segment. */
	{
		const struct seg *g = &s.v[s.n - 1];

		render(&s, s.n - 1, where, sizeof(where));
		if (json_is_array(cur) && (g->bracket || g->digits)) {
			size_t n = json_array_size(cur);

			if (g->index < n)
				r = json_array_set(cur, g->index, value);
			else if (g->index == n)
				r = json_array_append(cur, value);
			else
				r = diag_set(d, -EINVAL,
					     "%s: index out of range, array has %zu elements",
					     where, n);
		} else if (json_is_object(cur) && !g->bracket) {
			r = json_object_set(cur, g->key, value);
		} else {
			if (s.n > 1)
				render(&s, s.n - 2, where, sizeof(where));
			r = diag_set(d, -EINVAL, "%s: cannot set '%s' in %s",
				     s.n > 1 ? where : "top level", g->bracket ? "[N]" : g->key,
				     jsonset_type_name(cur, JSONSET_ALONE));
		}
		if (r == -1)
			r = -ENOMEM;
	}
out:
	json_decref(fresh);
	json_decref(value);
	segs_release(&s);
	return r;
}
