/*
 * jcheck.c: reading, parsing and checking JSON input files, shared by the
 * topology, scenario and suite parsers.
 *
 * Every check records a located message in the caller's diag_list and
 * returns false (or NULL), so a parser can go on walking the tree and
 * report all problems in one go. Messages follow one form,
 * "FILE: json.path: what is wrong, expected X, got 'Y'", and JSON paths are
 * written the way --set reads them, so a user can copy a path from an
 * error into an override.
 *
 * This file does not know what the documents mean; it knows the JSON form
 * of the lab's quantities and of a shaping object (lab_shaping), because
 * topologies and scenarios must accept exactly the same keys there.
 */
#include "jcheck.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonset.h"
#include "units.h"

/* ---- phase 1 ------------------------------------------------------------ */

int jcheck_read_file(const char *path, char **bufp, size_t *lenp, struct diag_list *errs)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r = 0;

	*bufp = NULL;
	*lenp = 0;
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		diag_list_add(errs, "%s: cannot open: %s", path, strerror(-r));
		goto out;
	}
	for (;;) {
		size_t got;

		/* One spare byte for the terminating NUL. */
		if (len + 1 >= cap) {
			char *grown;

			if (cap >= JCHECK_FILE_MAX_BYTES) {
				diag_list_add(errs, "%s: too large, expected at most %u bytes",
					      path, JCHECK_FILE_MAX_BYTES);
				r = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			grown = realloc(buf, cap);
			if (!grown) {
				r = -ENOMEM;
				diag_list_add(errs, "%s: cannot read: %s", path, strerror(-r));
				goto out;
			}
			buf = grown;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				r = -EIO;
				diag_list_add(errs, "%s: cannot read: %s", path, strerror(EIO));
				goto out;
			}
			break;
		}
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf) {
			r = -ENOMEM;
			diag_list_add(errs, "%s: cannot read: %s", path, strerror(-r));
			goto out;
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
out:
	if (f)
		fclose(f);
	free(buf);
	return r;
}

json_t *jcheck_parse(struct jcheck *c, const char *buf, size_t len, const char *const *sets,
		     size_t n_sets)
{
	json_error_t jerr;
	json_t *root;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		diag_list_add(c->errs, "%s:%d:%d: %s", c->origin, jerr.line, jerr.column,
			      jerr.text);
		c->n_errors++;
		return NULL;
	}
	for (size_t i = 0; i < n_sets; i++) {
		struct diag d = DIAG_INIT;
		int r = jsonset_apply(root, sets[i], &d);

		if (r == -ENOMEM) {
			diag_list_add(c->errs, "%s: --set '%s': out of memory", c->origin, sets[i]);
			c->n_errors++;
		} else if (r < 0) {
			diag_list_add(c->errs, "%s: --set '%s': %s", c->origin, sets[i], d.msg);
			c->n_errors++;
		}
	}
	return root;
}

/* ---- messages ----------------------------------------------------------- */

void jcheck_bad(struct jcheck *c, const char *path, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_list_add(c->errs, "%s: %s: %s", c->origin, path, msg);
	c->n_errors++;
}

const char *jcheck_shown_str(const char *src, char *buf)
{
	const size_t max = JCHECK_SHOW_MAX;
	size_t n = 0;

	for (; *src && n < max - 4; src++)
		buf[n++] = ((unsigned char)*src < ' ' || *src == 0x7f) ? '?' : *src;
	if (*src) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

const char *jcheck_shown(json_t *v, char *buf)
{
	char *dump;

	if (json_is_string(v))
		return jcheck_shown_str(json_string_value(v), buf);
	dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
	jcheck_shown_str(dump ? dump : "?", buf);
	free(dump);
	return buf;
}

void jcheck_bad_type(struct jcheck *c, const char *path, json_t *v, const char *expected)
{
	char show[JCHECK_SHOW_MAX];

	if (json_is_object(v) || json_is_array(v) || json_is_null(v))
		jcheck_bad(c, path, "wrong type, expected %s, got %s", expected,
			   jsonset_type_name(v, JSONSET_BEFORE_VALUE));
	else
		jcheck_bad(c, path, "wrong type, expected %s, got %s '%s'", expected,
			   jsonset_type_name(v, JSONSET_BEFORE_VALUE), jcheck_shown(v, show));
}

/* ---- JSON paths --------------------------------------------------------- */

static bool plain_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

static bool key_is_plain(const char *k)
{
	if (!*k)
		return false;
	for (const char *p = k; *p; p++)
		if (!plain_char(*p))
			return false;
	return true;
}

/* Paths longer than the buffer end in "..." (messages only). */
const char *jcheck_path(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, JCHECK_PATH_MAX, fmt, ap);
	va_end(ap);
	if (n >= JCHECK_PATH_MAX)
		memcpy(buf + JCHECK_PATH_MAX - 4, "...", 4);
	return buf;
}

const char *jcheck_path_key(char *buf, const char *parent, const char *key)
{
	json_t *s;
	char *q;

	if (key_is_plain(key))
		return jcheck_path(buf, "%s%s%s", parent, *parent ? "." : "", key);
	s = json_string(key);
	q = s ? json_dumps(s, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
	jcheck_path(buf, "%s[%s]", parent, q ? q : "\"?\"");
	free(q);
	json_decref(s);
	return buf;
}

const char *jcheck_path_idx(char *buf, const char *parent, size_t i)
{
	return jcheck_path(buf, "%s[%zu]", parent, i);
}

/* ---- values ------------------------------------------------------------- */

void jcheck_keys(struct jcheck *c, const char *path, json_t *obj, const char *const *allowed)
{
	char list[256], kp[JCHECK_PATH_MAX];
	const char *key;
	json_t *v;
	size_t len = 0;

	list[0] = '\0';
	for (size_t i = 0; allowed[i] && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					allowed[i]);
	json_object_foreach (obj, key, v) {
		bool known = false;

		for (size_t i = 0; allowed[i]; i++)
			if (!strcmp(key, allowed[i]))
				known = true;
		if (!known)
			jcheck_bad(c, jcheck_path_key(kp, path, key),
				   "unknown key (expected one of: %s)", list);
	}
}

bool jcheck_object(struct jcheck *c, const char *path, json_t *v)
{
	if (json_is_object(v))
		return true;
	jcheck_bad_type(c, path, v, "an object");
	return false;
}

bool jcheck_array(struct jcheck *c, const char *path, json_t *v)
{
	if (json_is_array(v))
		return true;
	jcheck_bad_type(c, path, v, "an array");
	return false;
}

json_t *jcheck_required(struct jcheck *c, const char *path, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		jcheck_bad(c, *path ? path : "top level", "missing required key '%s'", key);
	return v;
}

const char *jcheck_string(struct jcheck *c, const char *path, json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	jcheck_bad_type(c, path, v, "a string");
	return NULL;
}

bool jcheck_string_into(struct jcheck *c, const char *path, json_t *v, char *out, size_t size)
{
	char show[JCHECK_SHOW_MAX];
	const char *s = jcheck_string(c, path, v);

	if (!s)
		return false;
	if (strlen(s) >= size) {
		jcheck_bad(c, path, "too long, expected at most %zu bytes, got '%s' (%zu bytes)",
			   size - 1, jcheck_shown(v, show), strlen(s));
		return false;
	}
	strcpy(out, s);
	return true;
}

bool jcheck_name_into(struct jcheck *c, const char *path, json_t *v, char *out, size_t size)
{
	char show[JCHECK_SHOW_MAX];
	bool ok;

	if (!jcheck_string_into(c, path, v, out, size))
		return false;
	ok = out[0] != '\0';
	for (const char *q = out; *q; q++)
		if (!plain_char(*q) && *q != '.')
			ok = false;
	if (!ok) {
		jcheck_bad(c, path,
			   "invalid name, expected 1-%zu letters, digits, '_', '-' and '.', got '%s'",
			   size - 1, jcheck_shown(v, show));
		out[0] = '\0';
	}
	return ok;
}

bool jcheck_uint(struct jcheck *c, const char *path, json_t *v, uint64_t min, uint64_t max,
		 uint64_t *out)
{
	char show[JCHECK_SHOW_MAX];
	json_int_t i;

	if (!json_is_integer(v)) {
		char expected[96];

		snprintf(expected, sizeof(expected), "an integer from %llu to %llu",
			 (unsigned long long)min, (unsigned long long)max);
		jcheck_bad_type(c, path, v, expected);
		return false;
	}
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
		jcheck_bad(c, path, "out of range, expected %llu to %llu, got '%s'",
			   (unsigned long long)min, (unsigned long long)max, jcheck_shown(v, show));
		return false;
	}
	*out = (uint64_t)i;
	return true;
}

bool jcheck_number(struct jcheck *c, const char *path, json_t *v, double min, double max,
		   double *out)
{
	char show[JCHECK_SHOW_MAX], expected[96];
	double d;

	if (!json_is_number(v)) {
		snprintf(expected, sizeof(expected), "a number from %g to %g", min, max);
		jcheck_bad_type(c, path, v, expected);
		return false;
	}
	d = json_number_value(v);
	if (!(d >= min && d <= max)) {
		jcheck_bad(c, path, "out of range, expected %g to %g, got '%s'", min, max,
			   jcheck_shown(v, show));
		return false;
	}
	*out = d;
	return true;
}

/* ---- quantities ----------------------------------------------------------- */

bool jcheck_rate(struct jcheck *c, const char *path, json_t *v, uint64_t *bps)
{
	char show[JCHECK_SHOW_MAX];
	int r = 0;

	if (json_is_string(v)) {
		r = units_parse_rate_bps(json_string_value(v), bps);
	} else if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			r = -ERANGE;
		else
			*bps = (uint64_t)json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		if (!(d >= 0 && d < 1.8e19))
			r = -ERANGE;
		else
			*bps = (uint64_t)llround(d);
	} else {
		jcheck_bad_type(c, path, v, "a rate such as '50mbit' or a number of bit/s");
		return false;
	}
	if (r < 0 || *bps == 0) {
		jcheck_bad(c, path,
			   "bad rate, expected a positive rate such as '50mbit' or a number of bit/s, got '%s'",
			   jcheck_shown(v, show));
		return false;
	}
	return true;
}

bool jcheck_time(struct jcheck *c, const char *path, json_t *v, uint64_t max_us, uint64_t *us)
{
	char show[JCHECK_SHOW_MAX], maxs[32];

	if (!json_is_string(v)) {
		jcheck_bad_type(c, path, v, "a time with its unit such as '10ms'");
		return false;
	}
	if (units_parse_time_us(json_string_value(v), us) < 0) {
		jcheck_bad(c, path,
			   "bad time, expected a time with its unit such as '10ms' or '250us', got '%s'",
			   jcheck_shown(v, show));
		return false;
	}
	if (*us > max_us) {
		jcheck_bad(c, path, "too large, expected at most %s, got '%s'",
			   units_format_time(max_us, maxs, sizeof(maxs)), jcheck_shown(v, show));
		return false;
	}
	return true;
}

bool jcheck_percent(struct jcheck *c, const char *path, json_t *v, double *pct)
{
	char show[JCHECK_SHOW_MAX];
	int r = 0;

	if (json_is_string(v)) {
		r = units_parse_percent(json_string_value(v), pct);
	} else if (json_is_number(v)) {
		*pct = json_number_value(v);
		if (!(*pct >= 0 && *pct <= 100))
			r = -ERANGE;
	} else {
		jcheck_bad_type(c, path, v, "a percentage such as 1.5 or '1.5%'");
		return false;
	}
	if (r == -ERANGE) {
		jcheck_bad(c, path, "out of range, expected 0 to 100 percent, got '%s'",
			   jcheck_shown(v, show));
		return false;
	}
	if (r < 0) {
		jcheck_bad(c, path,
			   "bad percentage, expected a number from 0 to 100 or a string such as '1.5%%', got '%s'",
			   jcheck_shown(v, show));
		return false;
	}
	return true;
}

/* "4gib" for 1 << 32: the largest IEC unit that divides the size. */
static const char *size_shown(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "b", "kib", "mib", "gib", "tib" };
	size_t u = 0;

	while (u + 1 < ARRAY_SIZE(units) && bytes && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, size, "%llu%s", (unsigned long long)bytes, units[u]);
	return buf;
}

bool jcheck_size(struct jcheck *c, const char *path, json_t *v, uint64_t limit_bytes,
		 uint64_t *bytes)
{
	char show[JCHECK_SHOW_MAX], lim[32];
	int r = 0;

	if (json_is_string(v)) {
		r = units_parse_size_bytes(json_string_value(v), bytes);
	} else if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			r = -ERANGE;
		else
			*bytes = (uint64_t)json_integer_value(v);
	} else {
		jcheck_bad_type(c, path, v, "a size such as '64kb' or a number of bytes");
		return false;
	}
	if (r < 0 || *bytes == 0 || *bytes >= limit_bytes) {
		jcheck_bad(c, path,
			   "bad size, expected 1 byte to %s such as '64kb' or a number of bytes, got '%s'",
			   size_shown(limit_bytes, lim, sizeof(lim)), jcheck_shown(v, show));
		return false;
	}
	return true;
}

/* ---- shaping -------------------------------------------------------------- */

enum {
	SH_RATE = 1 << 0,
	SH_DELAY = 1 << 1,
	SH_JITTER = 1 << 2,
	SH_LOSS = 1 << 3,
	SH_REORDER = 1 << 4,
	SH_LIMIT = 1 << 5,
	SH_QUEUE = 1 << 6,
	SH_QDISC = 1 << 7,
};

/* What one shaping object (the base one or a direction) says. */
struct shaping_in {
	struct lab_shaping v;
	unsigned set; /* SH_* given in this object */
};

static void parse_shaping_obj(struct jcheck *c, const char *path, json_t *obj,
			      struct shaping_in *in, bool base)
{
	static const char *const base_keys[] = { "rate",    "delay", "jitter", "loss",
						 "reorder", "limit", "queue",  "qdisc",
						 "up",	    "down",  NULL };
	char p[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX];
	struct lab_shaping *sh = &in->v;
	json_t *v;
	const char *str;
	uint64_t u;

	memset(in, 0, sizeof(*in));
	if (!jcheck_object(c, path, obj))
		return;
	/* A direction takes every key but up/down: the list cut short. */
	if (base) {
		jcheck_keys(c, path, obj, base_keys);
	} else {
		static const char *const dir_keys[] = { "rate",	   "delay", "jitter",
							"loss",	   "reorder", "limit",
							"queue",   "qdisc", NULL };

		jcheck_keys(c, path, obj, dir_keys);
	}
	if ((v = json_object_get(obj, "rate")) &&
	    jcheck_rate(c, jcheck_path_key(p, path, "rate"), v, &sh->rate_bps))
		in->set |= SH_RATE;
	if ((v = json_object_get(obj, "delay")) &&
	    jcheck_time(c, jcheck_path_key(p, path, "delay"), v, JCHECK_DELAY_MAX_US,
			&sh->delay_us))
		in->set |= SH_DELAY;
	if ((v = json_object_get(obj, "jitter")) &&
	    jcheck_time(c, jcheck_path_key(p, path, "jitter"), v, JCHECK_DELAY_MAX_US,
			&sh->jitter_us))
		in->set |= SH_JITTER;
	if ((v = json_object_get(obj, "loss")) &&
	    jcheck_percent(c, jcheck_path_key(p, path, "loss"), v, &sh->loss_pct))
		in->set |= SH_LOSS;
	if ((v = json_object_get(obj, "reorder")) &&
	    jcheck_percent(c, jcheck_path_key(p, path, "reorder"), v, &sh->reorder_pct))
		in->set |= SH_REORDER;
	if ((v = json_object_get(obj, "limit")) &&
	    jcheck_uint(c, jcheck_path_key(p, path, "limit"), v, 1, UINT32_MAX, &u)) {
		sh->limit_pkts = (uint32_t)u;
		in->set |= SH_LIMIT;
	}
	if ((v = json_object_get(obj, "queue")) &&
	    jcheck_size(c, jcheck_path_key(p, path, "queue"), v, 1ull << 32, &sh->queue_bytes))
		in->set |= SH_QUEUE;
	if ((v = json_object_get(obj, "qdisc")) &&
	    (str = jcheck_string(c, jcheck_path_key(p, path, "qdisc"), v))) {
		if (!strcmp(str, "tbf")) {
			sh->rate_qdisc = LAB_RATE_TBF;
			in->set |= SH_QDISC;
		} else if (!strcmp(str, "htb")) {
			sh->rate_qdisc = LAB_RATE_HTB;
			in->set |= SH_QDISC;
		} else {
			jcheck_bad(c, p, "unknown rate qdisc, expected 'tbf' or 'htb', got '%s'",
				   jcheck_shown(v, show));
		}
	}
}

static void overlay(struct lab_shaping *dst, const struct shaping_in *in)
{
	const struct lab_shaping *s = &in->v;

	if (in->set & SH_RATE)
		dst->rate_bps = s->rate_bps;
	if (in->set & SH_DELAY)
		dst->delay_us = s->delay_us;
	if (in->set & SH_JITTER)
		dst->jitter_us = s->jitter_us;
	if (in->set & SH_LOSS)
		dst->loss_pct = s->loss_pct;
	if (in->set & SH_REORDER)
		dst->reorder_pct = s->reorder_pct;
	if (in->set & SH_LIMIT)
		dst->limit_pkts = s->limit_pkts;
	if (in->set & SH_QUEUE)
		dst->queue_bytes = s->queue_bytes;
	if (in->set & SH_QDISC)
		dst->rate_qdisc = s->rate_qdisc;
}

/* Jitter and reorder are netem options relative to a delay: without a
 * delay in the same direction netem ignores them, so say so, at the key
 * that brought them in. */
static void check_needs_delay(struct jcheck *c, const char *path, const struct shaping_in *base,
			      const struct shaping_in *dir, const char *dname,
			      const struct lab_shaping *final, unsigned *reported)
{
	char p[JCHECK_PATH_MAX], dp[JCHECK_PATH_MAX], found[2][32];
	const struct {
		unsigned bit;
		const char *key;
		bool used;
	} needs[] = {
		{ SH_JITTER, "jitter", final->jitter_us > 0 },
		{ SH_REORDER, "reorder", final->reorder_pct > 0 },
	};

	if (final->delay_us)
		return;
	units_format_time(final->jitter_us, found[0], sizeof(found[0]));
	snprintf(found[1], sizeof(found[1]), "%g%%", final->reorder_pct);
	for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
		if (!needs[i].used)
			continue;
		if (dir->set & needs[i].bit) {
			jcheck_path_key(dp, path, dname);
			jcheck_bad(c, jcheck_path_key(p, dp, needs[i].key),
				   "needs a delay in the same direction, expected 'delay' in '%s' or in the shaping, got %s '%s' without delay",
				   dname, needs[i].key, found[i]);
		} else if (base->set & needs[i].bit) {
			/* From the base object: said once, not once per
			 * direction. */
			if (*reported & needs[i].bit)
				continue;
			*reported |= needs[i].bit;
			jcheck_bad(c, jcheck_path_key(p, path, needs[i].key),
				   "needs a delay, expected 'delay' in the shaping or in '%s', got %s '%s' without delay in '%s'",
				   dname, needs[i].key, found[i], dname);
		} else if (!(*reported & (needs[i].bit << 8))) {
			/* Kept from the shaping this object is merged over,
			 * whose delay the object took away: said once. */
			*reported |= needs[i].bit << 8;
			jcheck_bad(c, path,
				   "leaves %s '%s' without delay in '%s', expected a delay or \"%s\": 0 there, got no delay",
				   needs[i].key, found[i], dname, needs[i].key);
		}
	}
}

bool jcheck_shaping(struct jcheck *c, const char *path, json_t *obj, struct lab_shaping *up,
		    struct lab_shaping *down)
{
	struct shaping_in base, in_up = { .set = 0 }, in_down = { .set = 0 };
	unsigned before = c->n_errors, reported = 0;
	char p[JCHECK_PATH_MAX];
	json_t *v;

	parse_shaping_obj(c, path, obj, &base, true);
	if (!json_is_object(obj))
		return false;
	if ((v = json_object_get(obj, "up")))
		parse_shaping_obj(c, jcheck_path_key(p, path, "up"), v, &in_up, false);
	if ((v = json_object_get(obj, "down")))
		parse_shaping_obj(c, jcheck_path_key(p, path, "down"), v, &in_down, false);
	overlay(up, &base);
	overlay(up, &in_up);
	overlay(down, &base);
	overlay(down, &in_down);
	check_needs_delay(c, path, &base, &in_up, "up", up, &reported);
	check_needs_delay(c, path, &base, &in_down, "down", down, &reported);
	return c->n_errors == before;
}
