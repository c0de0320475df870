/*
 * kconfig.c: .config values, fragments, merging (kconfig.h), and the
 * explanation of a lost option from a tree's Kconfig files as read by
 * kconfig_tree.c, its conditions evaluated by kconfig_expr.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "fdio.h"
#include "kconfig_int.h"

/* ---- lines --------------------------------------------------------------- */

/* A .config or fragment line: CONFIG_X=VALUE or "# CONFIG_X is not set".
 * 1 with sym and value ("n" for not set), 0 for a comment or a blank line,
 * -EINVAL for anything else (why says what). */
static int parse_setting(const char *line, char *sym, size_t sym_size, char *value,
			 size_t val_size, const char **why)
{
	const char *p = line, *e;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\n')
		return 0;
	if (*p == '#') {
		p++;
		while (*p == ' ')
			p++;
		if (strncmp(p, "CONFIG_", 7))
			return 0;
		e = p + 7;
		n = strspn(e, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
		if (!n || strncmp(e + n, " is not set", 11))
			return 0; /* a comment that mentions an option */
		e += n + 11;
		while (*e == ' ' || *e == '\t' || *e == '\r' || *e == '\n')
			e++;
		if (*e) {
			*why = "text after 'is not set'";
			return -EINVAL;
		}
		if (n >= sym_size) {
			*why = "the option's name is too long";
			return -EINVAL;
		}
		memcpy(sym, p + 7, n);
		sym[n] = '\0';
		snprintf(value, val_size, "n");
		return 1;
	}
	if (strncmp(p, "CONFIG_", 7)) {
		*why = "expected 'CONFIG_<NAME>=<value>', '# CONFIG_<NAME> is not set' or a comment";
		return -EINVAL;
	}
	p += 7;
	n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	if (!n || p[n] != '=') {
		*why = "expected 'CONFIG_<NAME>=<value>'";
		return -EINVAL;
	}
	if (n >= sym_size) {
		*why = "the option's name is too long";
		return -EINVAL;
	}
	memcpy(sym, p, n);
	sym[n] = '\0';
	p += n + 1;
	e = p + strcspn(p, "\r\n");
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	n = (size_t)(e - p);
	if (!n) {
		*why = "no value after '='";
		return -EINVAL;
	}
	if (n >= val_size) {
		*why = "the value is too long";
		return -EINVAL;
	}
	if (p[0] == '"' ? (n < 2 || p[n - 1] != '"') : strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.x") != n) {
		*why = "a value is y, m, n, a number or a \"quoted string\"";
		return -EINVAL;
	}
	memcpy(value, p, n);
	value[n] = '\0';
	return 1;
}

/* ---- .config ------------------------------------------------------------------ */

struct kconfig_values {
	struct kmap map; /* sym -> malloc'd value; "n" never stored */
};

int kconfig_values_load(const char *path, struct kconfig_values **out, struct diag *d)
{
	struct kconfig_values *v = calloc(1, sizeof(*v));
	char *buf = NULL, *line, *save = NULL;
	int r;

	*out = NULL;
	if (!v)
		return diag_set(d, -ENOMEM, "out of memory");
	r = fdio_read_file(path, &buf, NULL);
	if (r < 0) {
		free(v);
		return diag_set(d, r, "cannot read '%s': %s", path, strerror(-r));
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char sym[96], value[1024];
		const char *why;
		char *copy;
		void *old;

		if (parse_setting(line, sym, sizeof(sym), value, sizeof(value), &why) != 1 ||
		    !strcmp(value, "n"))
			continue;
		copy = strdup(value);
		if (!copy || kconfig_kmap_put(&v->map, sym, copy, &old) < 0) {
			free(copy);
			free(buf);
			kconfig_values_free(v);
			return diag_set(d, -ENOMEM, "out of memory");
		}
		free(old);
	}
	free(buf);
	*out = v;
	return 0;
}

const char *kconfig_value(const struct kconfig_values *v, const char *sym)
{
	return v ? kconfig_kmap_get(&v->map, sym) : NULL;
}

void kconfig_values_free(struct kconfig_values *v)
{
	if (!v)
		return;
	kconfig_kmap_release(&v->map, free);
	free(v);
}

/* ---- fragments ----------------------------------------------------------------- */

int kconfig_fragment_load(const char *path, struct kconfig_want **wants, size_t *n,
			  struct diag_list *errs)
{
	char *buf = NULL, *line;
	unsigned lineno = 0;
	size_t bad = 0;
	int r;

	r = fdio_read_file(path, &buf, NULL);
	if (r < 0) {
		diag_list_add(errs, "%s: cannot read the fragment: %s", path, strerror(-r));
		return r;
	}
	for (line = buf; *line;) {
		size_t len = strcspn(line, "\n");
		char save = line[len];
		struct kconfig_want w = { 0 };
		const char *why = NULL;
		size_t i;

		line[len] = '\0';
		lineno++;
		r = parse_setting(line, w.sym, sizeof(w.sym), w.value, sizeof(w.value), &why);
		if (r < 0) {
			diag_list_add(errs, "%s:%u: %s, got '%.80s'", path, lineno, why, line);
			bad++;
		} else if (r == 1) {
			snprintf(w.where, sizeof(w.where), "%s:%u", path, lineno);
			for (i = 0; i < *n && strcmp((*wants)[i].sym, w.sym); i++)
				;
			if (i == *n) {
				struct kconfig_want *g = array_grow(*wants, *n, sizeof(*g));

				if (!g) {
					free(buf);
					return -ENOMEM;
				}
				*wants = g;
				(*n)++;
			}
			(*wants)[i] = w;
		}
		line[len] = save;
		line += len + (save ? 1 : 0);
	}
	free(buf);
	return bad ? -EINVAL : 0;
}

bool kconfig_want_met(const struct kconfig_want *w, const char *got, bool modules)
{
	if (!strcmp(w->value, "n"))
		return !got;
	if (!got)
		return false;
	if (!strcmp(w->value, "m") && !strcmp(got, "y") && !modules)
		return true;
	return !strcmp(w->value, got);
}

int kconfig_merge(const char *base, const struct kconfig_want *wants, size_t n, const char *out,
		  struct diag *d)
{
	char *buf = NULL, *line, tmp[PATH_MAX + 8];
	FILE *f;
	int r;

	r = fdio_read_file(base, &buf, NULL);
	if (r < 0)
		return diag_set(d, r, "cannot read '%s': %s", base, strerror(-r));
	if (xsnprintf(tmp, sizeof(tmp), "%s.tmp", out) < 0) {
		free(buf);
		return diag_set(d, -ENAMETOOLONG, "the path '%s' is too long", out);
	}
	f = fopen(tmp, "we");
	if (!f) {
		r = -errno;
		free(buf);
		return diag_set(d, r, "cannot create '%s': %s", tmp, strerror(-r));
	}
	for (line = buf; *line;) {
		size_t len = strcspn(line, "\n");
		char save = line[len], sym[96], value[1024];
		const char *why;
		bool replaced = false;

		line[len] = '\0';
		if (parse_setting(line, sym, sizeof(sym), value, sizeof(value), &why) == 1)
			for (size_t i = 0; i < n && !replaced; i++)
				replaced = !strcmp(wants[i].sym, sym);
		if (!replaced)
			fprintf(f, "%s\n", line);
		line[len] = save;
		line += len + (save ? 1 : 0);
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(wants[i].value, "n"))
			fprintf(f, "# CONFIG_%s is not set\n", wants[i].sym);
		else
			fprintf(f, "CONFIG_%s=%s\n", wants[i].sym, wants[i].value);
	}
	free(buf);
	if (fflush(f) || ferror(f)) {
		r = -(errno ? errno : EIO);
		fclose(f);
		unlink(tmp);
		return diag_set(d, r, "cannot write '%s': %s", tmp, strerror(-r));
	}
	fclose(f);
	if (rename(tmp, out) < 0) {
		r = -errno;
		unlink(tmp);
		return diag_set(d, r, "cannot rename '%s' to '%s': %s", tmp, out, strerror(-r));
	}
	return 0;
}

/* ---- explaining ------------------------------------------------------------------------ */

struct kout {
	char *buf;
	size_t size, len;
	const char *indent;
};

static void __attribute__((format(printf, 2, 3))) say(struct kout *o, const char *fmt, ...)
{
	va_list ap;

	if (o->len + 1 >= o->size)
		return;
	o->len += (size_t)snprintf(o->buf + o->len, o->size - o->len, "%s%s", o->len ? "\n" : "",
				   o->indent);
	if (o->len >= o->size) {
		o->len = o->size - 1;
		return;
	}
	va_start(ap, fmt);
	o->len += (size_t)vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (o->len >= o->size)
		o->len = o->size - 1;
}

static const char *tri_name(int t)
{
	return t == 2 ? "y" : t == 1 ? "m" : t == 0 ? "n" : "?";
}

/* One condition: said when it keeps the option below need (2 for y, 1 for
 * m) or cannot be evaluated. Returns true when said. */
static bool explain_cond(struct kout *o, const struct kconfig_values *v, const char *what,
			 const char *expr, const char *where, int need)
{
	char syms[512];
	int t = kconfig_eval(expr, v);

	if (t >= need)
		return false;
	kconfig_expr_symbols(expr, v, syms, sizeof(syms));
	if (t < 0)
		say(o, "%s %s (%s): cannot be evaluated here%s%s", what, expr, where, syms[0] ? "; " : "",
		    syms);
	else
		say(o, "%s %s (%s) is %s%s%s", what, expr, where, tri_name(t), syms[0] ? ": " : "",
		    syms);
	return true;
}

static bool explain_blocks(struct kout *o, const struct kconfig_values *v, const struct kblock *b,
			   int need)
{
	bool any = false;

	for (; b; b = b->parent) {
		for (size_t i = 0; i < b->n_deps; i++) {
			char what[200];

			if (b->kind == KBLOCK_IF)
				snprintf(what, sizeof(what), "inside 'if':");
			else if (b->kind == KBLOCK_MENU)
				snprintf(what, sizeof(what), "inside menu %.120s, which depends on", b->title);
			else
				snprintf(what, sizeof(what), "inside a choice, which depends on");
			any |= explain_cond(o, v, what, b->deps[i], b->where, need);
		}
	}
	return any;
}

static const struct kblock *choice_of(const struct kdef *k)
{
	for (const struct kblock *b = k->block; b; b = b->parent)
		if (b->kind == KBLOCK_CHOICE)
			return b;
	return NULL;
}

/* A member of a choice whose dependencies hold: the member chosen instead. */
static bool explain_choice(struct kout *o, const struct kconfig_tree *t,
			   const struct kconfig_values *v, const struct kdef *k)
{
	const struct kblock *c = choice_of(k);
	char chosen[512] = "";
	size_t len = 0;

	if (!c)
		return false;
	for (size_t i = 0; i < t->defs.cap; i++) {
		const struct kdef *m = t->defs.slots[i].key ? t->defs.slots[i].val : NULL;
		const char *val;

		if (!m || m == k || choice_of(m) != c || !(val = kconfig_value(v, m->sym)) ||
		    strcmp(val, "y") || len + 1 >= sizeof(chosen))
			continue;
		len += (size_t)snprintf(chosen + len, sizeof(chosen) - len, "%s%s=y", len ? " " : "",
					m->sym);
	}
	if (len >= sizeof(chosen))
		chosen[sizeof(chosen) - 1] = '\0';
	say(o, "it is one member of a choice (%s) where %s was chosen", c->where,
	    chosen[0] ? chosen : "another member");
	return true;
}

void kconfig_explain(const struct kconfig_tree *t, const struct kconfig_values *v,
		     const struct kconfig_want *w, const char *indent, char *buf, size_t size)
{
	struct kout o = { .buf = buf, .size = size, .indent = indent };
	const struct kdef *k = t ? kconfig_kmap_get(&t->defs, w->sym) : NULL;
	int need = !strcmp(w->value, "m") ? 1 : 2;
	bool any = false, prompt = false;

	buf[0] = '\0';
	if (!size)
		return;
	if (!k) {
		say(&o, "CONFIG_%s is not an option of this tree: no 'config %s' in its Kconfig files",
		    w->sym, w->sym);
		return;
	}
	if (!strcmp(w->value, "n")) {
		for (size_t i = 0; i < t->n_selects; i++) {
			const struct kselect *s = &t->selects[i];
			const char *by = kconfig_value(v, s->by);

			if (strcmp(s->target, w->sym) || !by || s->imply)
				continue;
			if (s->cond && kconfig_eval(s->cond, v) == 0)
				continue;
			say(&o, "selected by %s=%s (%s)%s%s", s->by, by, s->where, s->cond ? " if " : "",
			    s->cond ? s->cond : "");
			any = true;
		}
		for (; k && !any; k = k->next)
			if (!k->has_prompt) {
				say(&o, "it has no prompt (%s): its default sets it", k->where);
				any = true;
			}
		if (!any)
			say(&o, "Kconfig gives no reason (another option's default or a choice may set it)");
		return;
	}
	for (; k; k = k->next) {
		prompt |= k->has_prompt;
		any |= explain_blocks(&o, v, k->block, need);
		for (size_t i = 0; i < k->n_deps; i++)
			any |= explain_cond(&o, v, "depends on", k->deps[i], k->where, need);
		if (k->prompt_if)
			any |= explain_cond(&o, v, "its prompt needs", k->prompt_if, k->where, need);
	}
	if (any)
		return;
	k = kconfig_kmap_get(&t->defs, w->sym);
	if (explain_choice(&o, t, v, k))
		return;
	if (!prompt)
		say(&o, "its dependencies hold, but it has no prompt (%s): only a 'select' or its default sets it",
		    k->where);
	else if (!strcmp(w->value, "m") && !kconfig_value(v, "MODULES"))
		say(&o, "'m' needs module support (CONFIG_MODULES is not set)");
	else
		say(&o, "its dependencies hold (%s); Kconfig gives no reason (a range, a choice, or a value of the wrong type?)",
		    k->where);
}
