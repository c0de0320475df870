/*
 * kconfig.c: .config values, fragments, merging, and the reader of a
 * tree's Kconfig files that explains a lost option (kconfig.h).
 *
 * The Kconfig reader keeps, for every config/menuconfig entry, where it is
 * (file:line), whether it has a prompt (and the prompt's `if`), its own
 * `depends on` lines and the chain of blocks around it (`if EXPR`,
 * `menu` with its `depends on`, `choice` with its `depends on`); and, for
 * every `select` and `imply`, who selects what under which condition.
 * Blocks form a persistent stack: each entry points at the innermost block
 * open when it was read, each block at its parent, so nothing is copied.
 * `source`d files are read where the `source` line is, inside the blocks
 * open there. Help texts are skipped by indentation, as Kconfig's lexer
 * does.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "fdio.h"
#include "kconfig.h"

#define KCONFIG_SOURCE_DEPTH 32

/* ---- a string map ------------------------------------------------------- */

struct kmap_slot {
	char *key;
	void *val;
};

struct kmap {
	struct kmap_slot *slots;
	size_t cap, n; /* cap a power of two */
};

static uint64_t kmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct kmap_slot *kmap_slot(const struct kmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = kmap_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (!m->slots[i].key || !strcmp(m->slots[i].key, key))
			return &m->slots[i];
}

static void *kmap_get(const struct kmap *m, const char *key)
{
	struct kmap_slot *s = kmap_slot(m, key);

	return s && s->key ? s->val : NULL;
}

/* Set key (copied) to val; the old value, if any, in *old. */
static int kmap_put(struct kmap *m, const char *key, void *val, void **old)
{
	struct kmap_slot *s;

	if (old)
		*old = NULL;
	if ((m->n + 1) * 2 > m->cap) {
		struct kmap bigger = { .cap = m->cap ? m->cap * 2 : 1024 };

		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (!bigger.slots)
			return -ENOMEM;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].key)
				*kmap_slot(&bigger, m->slots[i].key) = m->slots[i];
		bigger.n = m->n;
		free(m->slots);
		*m = bigger;
	}
	s = kmap_slot(m, key);
	if (s->key) {
		if (old)
			*old = s->val;
		s->val = val;
		return 0;
	}
	s->key = strdup(key);
	if (!s->key)
		return -ENOMEM;
	s->val = val;
	m->n++;
	return 0;
}

static void kmap_release(struct kmap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		free(m->slots[i].key);
		if (free_val)
			free_val(m->slots[i].val);
	}
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

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
		if (!copy || kmap_put(&v->map, sym, copy, &old) < 0) {
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
	return v ? kmap_get(&v->map, sym) : NULL;
}

void kconfig_values_free(struct kconfig_values *v)
{
	if (!v)
		return;
	kmap_release(&v->map, free);
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

/* ---- expressions ------------------------------------------------------------------ */

struct kexpr {
	const char *p;
	const struct kconfig_values *v;
	bool bad;
};

static void kexpr_space(struct kexpr *x)
{
	while (*x->p == ' ' || *x->p == '\t')
		x->p++;
}

/* A symbol or constant: its text into buf. false at the end or on a
 * character that cannot start one. */
static bool kexpr_word(struct kexpr *x, char *buf, size_t size)
{
	const char *s;
	size_t n;

	kexpr_space(x);
	s = x->p;
	if (*s == '"' || *s == '\'') {
		const char *e = strchr(s + 1, *s);

		if (!e)
			return false;
		n = (size_t)(e - s - 1);
		snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), s + 1);
		x->p = e + 1;
		return true;
	}
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.");
	if (!n)
		return false;
	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), s);
	x->p = s + n;
	return true;
}

/* The value of a word: y/m/n constants, else the symbol's value ("n"
 * when not set), else the word itself (a number or a string). */
static const char *kexpr_value(const struct kexpr *x, const char *w)
{
	const char *v;

	if (!strcmp(w, "y") || !strcmp(w, "m") || !strcmp(w, "n"))
		return w;
	if (isupper((unsigned char)w[0]) || w[0] == '_') {
		v = kconfig_value(x->v, w);
		return v ? v : "n";
	}
	return w;
}

static int tri_of(const char *val)
{
	return !strcmp(val, "y") ? 2 : !strcmp(val, "m") ? 1 : 0;
}

/* Compare two values as Kconfig does: numbers numerically, else text. */
static int kexpr_cmp(const char *a, const char *b)
{
	char *ea, *eb;
	long long na, nb;
	char ua[1024], ub[1024];

	/* a .config string value carries its quotes */
	if (a[0] == '"')
		snprintf(ua, sizeof(ua), "%.*s", (int)strlen(a) - 2, a + 1), a = ua;
	if (b[0] == '"')
		snprintf(ub, sizeof(ub), "%.*s", (int)strlen(b) - 2, b + 1), b = ub;
	errno = 0;
	na = strtoll(a, &ea, 0);
	nb = strtoll(b, &eb, 0);
	if (*a && *b && !*ea && !*eb && !errno)
		return na < nb ? -1 : na > nb;
	return strcmp(a, b);
}

static int kexpr_or(struct kexpr *x);

static int kexpr_primary(struct kexpr *x)
{
	char a[256], b[256], op[3] = "";
	int c;

	kexpr_space(x);
	if (*x->p == '!') {
		x->p++;
		return 2 - kexpr_primary(x);
	}
	if (*x->p == '(') {
		int r;

		x->p++;
		r = kexpr_or(x);
		kexpr_space(x);
		if (*x->p != ')')
			x->bad = true;
		else
			x->p++;
		return r;
	}
	if (*x->p == '$') {
		x->bad = true; /* a macro: not evaluated here */
		return 0;
	}
	if (!kexpr_word(x, a, sizeof(a))) {
		x->bad = true;
		return 0;
	}
	kexpr_space(x);
	if (x->p[0] == '!' && x->p[1] == '=')
		snprintf(op, sizeof(op), "!=");
	else if ((x->p[0] == '<' || x->p[0] == '>') && x->p[1] == '=')
		snprintf(op, sizeof(op), "%c=", x->p[0]);
	else if (x->p[0] == '=' || x->p[0] == '<' || x->p[0] == '>')
		snprintf(op, sizeof(op), "%c", x->p[0]);
	if (!op[0])
		return tri_of(kexpr_value(x, a));
	x->p += strlen(op);
	if (!kexpr_word(x, b, sizeof(b))) {
		x->bad = true;
		return 0;
	}
	c = kexpr_cmp(kexpr_value(x, a), kexpr_value(x, b));
	if (!strcmp(op, "="))
		return c == 0 ? 2 : 0;
	if (!strcmp(op, "!="))
		return c != 0 ? 2 : 0;
	if (!strcmp(op, "<"))
		return c < 0 ? 2 : 0;
	if (!strcmp(op, ">"))
		return c > 0 ? 2 : 0;
	if (!strcmp(op, "<="))
		return c <= 0 ? 2 : 0;
	return c >= 0 ? 2 : 0;
}

static int kexpr_and(struct kexpr *x)
{
	int r = kexpr_primary(x);

	for (;;) {
		kexpr_space(x);
		if (x->p[0] != '&' || x->p[1] != '&')
			return r;
		x->p += 2;
		{
			int s = kexpr_primary(x);

			r = s < r ? s : r;
		}
	}
}

static int kexpr_or(struct kexpr *x)
{
	int r = kexpr_and(x);

	for (;;) {
		kexpr_space(x);
		if (x->p[0] != '|' || x->p[1] != '|')
			return r;
		x->p += 2;
		{
			int s = kexpr_and(x);

			r = s > r ? s : r;
		}
	}
}

int kconfig_eval(const char *expr, const struct kconfig_values *v)
{
	struct kexpr x = { .p = expr, .v = v };
	int r = kexpr_or(&x);

	kexpr_space(&x);
	if (x.bad || (*x.p && *x.p != '#'))
		return -1;
	return r;
}

/* Whether "SYM=" starts an item of the list "A=y B=n". */
static bool listed(const char *list, const char *sym)
{
	size_t n = strlen(sym);

	for (const char *p = list; (p = strstr(p, sym)); p += n)
		if ((p == list || p[-1] == ' ') && p[n] == '=')
			return true;
	return false;
}

/* "A=y B=n" for the symbols an expression names. */
static void expr_symbols(const char *expr, const struct kconfig_values *v, char *buf, size_t size)
{
	size_t len = 0;
	const char *p = expr;

	buf[0] = '\0';
	while (*p && len + 1 < size) {
		size_t n;

		if (*p == '"') {
			const char *e = strchr(p + 1, '"');

			p = e ? e + 1 : p + strlen(p);
			continue;
		}
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (n && (isupper((unsigned char)p[0]) || p[0] == '_') &&
		    !(p > expr && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '$' ||
				   p[-1] == '('))) {
			char sym[96];
			const char *val;

			snprintf(sym, sizeof(sym), "%.*s", (int)(n < sizeof(sym) ? n : sizeof(sym) - 1), p);
			if (!listed(buf, sym)) {
				val = kconfig_value(v, sym);
				len += (size_t)snprintf(buf + len, size - len, "%s%s=%s", len ? " " : "",
							sym, val ? val : "n");
			}
			p += n;
			continue;
		}
		p += n ? n : 1;
	}
	if (len >= size)
		buf[size - 1] = '\0';
}

/* ---- the Kconfig files ----------------------------------------------------------------- */

enum kblock_kind { KBLOCK_IF, KBLOCK_MENU, KBLOCK_CHOICE };

struct kblock {
	enum kblock_kind kind;
	char *title;   /* menu's prompt, "" otherwise */
	char **deps;   /* the if's expression, the menu's/choice's depends on */
	size_t n_deps;
	char where[300];
	struct kblock *parent;
};

struct kdef {
	char *sym;
	char where[300];
	struct kblock *block; /* innermost block open at the definition */
	char **deps;	      /* its own depends on */
	size_t n_deps;
	bool has_prompt;
	char *prompt_if;      /* the condition of its prompt, or NULL */
	struct kdef *next;    /* the next definition of the same symbol */
};

struct kselect {
	char *target, *by, *cond; /* cond NULL: unconditional */
	bool imply;
	char where[300];
};

struct kconfig_tree {
	char srctree[PATH_MAX], srcarch[32];
	struct kmap defs;	/* sym -> struct kdef chain */
	struct kblock **blocks; /* all, for freeing */
	size_t n_blocks;
	struct kselect *selects;
	size_t n_selects;
	size_t n_files;
};

/* What the reader is in while reading. */
struct kreader {
	struct kconfig_tree *t;
	struct kblock *top;	/* innermost open block */
	struct kdef *entry;	/* the config entry being read, or NULL */
	struct kblock *block_entry; /* a menu/choice whose depends on follow */
	bool in_other;		/* a comment/mainmenu/etc.: its attributes ignored */
	int depth;
	struct diag *d;
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* The first word of s ("depends", "config"...) and the rest. */
static const char *word_rest(char *s, char *word, size_t size)
{
	size_t n = strcspn(s, " \t");

	snprintf(word, size, "%.*s", (int)(n < size ? n : size - 1), s);
	s += n;
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Drop a trailing comment that is not inside quotes. */
static void strip_comment(char *s)
{
	bool q = false;

	for (; *s; s++) {
		if (*s == '"')
			q = !q;
		else if (*s == '#' && !q) {
			*s = '\0';
			return;
		}
	}
}

static int push_str(char ***v, size_t *n, const char *s)
{
	char **g = array_grow(*v, *n, sizeof(*g));

	if (!g)
		return -ENOMEM;
	*v = g;
	g[*n] = strdup(s);
	if (!g[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int block_push(struct kreader *rd, enum kblock_kind kind, const char *title,
		      const char *expr, const char *where)
{
	struct kconfig_tree *t = rd->t;
	struct kblock *b = calloc(1, sizeof(*b)), **g;

	if (!b)
		return -ENOMEM;
	b->kind = kind;
	b->title = strdup(title ? title : "");
	snprintf(b->where, sizeof(b->where), "%s", where);
	b->parent = rd->top;
	g = array_grow(t->blocks, t->n_blocks, sizeof(*g));
	if (!b->title || !g || (expr && push_str(&b->deps, &b->n_deps, expr) < 0)) {
		free(b->title);
		free(b);
		return -ENOMEM;
	}
	t->blocks = g;
	t->blocks[t->n_blocks++] = b;
	rd->top = b;
	return 0;
}

static void block_pop(struct kreader *rd, enum kblock_kind kind)
{
	/* tolerant: pop to the nearest block of that kind */
	for (struct kblock *b = rd->top; b; b = b->parent) {
		if (b->kind == kind) {
			rd->top = b->parent;
			return;
		}
	}
}

static int def_add(struct kreader *rd, const char *sym, const char *where)
{
	struct kdef *k = calloc(1, sizeof(*k)), *old;
	void *prev;

	if (!k)
		return -ENOMEM;
	k->sym = strdup(sym);
	snprintf(k->where, sizeof(k->where), "%s", where);
	k->block = rd->top;
	if (!k->sym) {
		free(k);
		return -ENOMEM;
	}
	old = kmap_get(&rd->t->defs, sym);
	if (old) {
		while (old->next)
			old = old->next;
		old->next = k;
	} else if (kmap_put(&rd->t->defs, sym, k, &prev) < 0) {
		free(k->sym);
		free(k);
		return -ENOMEM;
	}
	rd->entry = k;
	return 0;
}

static int select_add(struct kreader *rd, const char *rest, bool imply, const char *where)
{
	struct kselect s = { .imply = imply }, *g;
	char target[96];
	const char *cond;
	size_t n = strcspn(rest, " \t");

	snprintf(target, sizeof(target), "%.*s", (int)(n < sizeof(target) ? n : sizeof(target) - 1),
		 rest);
	cond = strstr(rest + n, " if ");
	s.target = strdup(target);
	s.by = strdup(rd->entry->sym);
	s.cond = cond ? strdup(trim((char *)(uintptr_t)cond + 4)) : NULL;
	snprintf(s.where, sizeof(s.where), "%s", where);
	g = array_grow(rd->t->selects, rd->t->n_selects, sizeof(*g));
	if (!s.target || !s.by || (cond && !s.cond) || !g) {
		free(s.target);
		free(s.by);
		free(s.cond);
		return -ENOMEM;
	}
	rd->t->selects = g;
	g[rd->t->n_selects++] = s;
	return 0;
}

/* The condition after a prompt string: `bool "text" if EXPR`. */
static const char *prompt_condition(const char *s)
{
	bool q = false;

	for (; *s; s++) {
		if (*s == '"')
			q = !q;
		else if (!q && !strncmp(s, " if ", 4))
			return s + 4;
	}
	return NULL;
}

static int read_file(struct kreader *rd, const char *rel);

/* `source "path"`: $(SRCARCH) replaced; other macros are skipped. */
static int do_source(struct kreader *rd, const char *arg)
{
	char path[PATH_MAX], full[2 * PATH_MAX + 2];
	const char *p = arg;
	size_t len = 0;
	struct stat st;

	if (*p == '"')
		p++;
	while (*p && *p != '"' && len + 1 < sizeof(path)) {
		if (!strncmp(p, "$(SRCARCH)", 10)) {
			len += (size_t)snprintf(path + len, sizeof(path) - len, "%s", rd->t->srcarch);
			p += 10;
			continue;
		}
		if (p[0] == '$' && p[1] == '(')
			return 0; /* another architecture's or a macro's file */
		path[len++] = *p++;
	}
	path[len] = '\0';
	if (strpbrk(path, "*?[")) {
		/* osource "arch/.../Kconfig*": not used by x86 */
		return 0;
	}
	snprintf(full, sizeof(full), "%s/%s", rd->t->srctree, path);
	/* osource: the file may be missing; a plain source of a file the
	 * tree lacks is the tree's problem, and olddefconfig says it */
	if (stat(full, &st) < 0)
		return 0;
	if (rd->depth >= KCONFIG_SOURCE_DEPTH)
		return diag_set(rd->d, -ELOOP, "Kconfig files source each other deeper than %d at '%s'",
				KCONFIG_SOURCE_DEPTH, path);
	return read_file(rd, path);
}

/* One logical line (continuations joined) at where. */
static int read_line(struct kreader *rd, char *line, const char *where)
{
	char kw[32];
	const char *rest;
	char *s = trim(line);

	if (!*s || *s == '#')
		return 0;
	rest = word_rest(s, kw, sizeof(kw));
	if (!strcmp(kw, "config") || !strcmp(kw, "menuconfig")) {
		char sym[96];

		snprintf(sym, sizeof(sym), "%.*s", (int)strcspn(rest, " \t#"), rest);
		rd->block_entry = NULL;
		rd->in_other = false;
		return def_add(rd, sym, where);
	}
	if (!strcmp(kw, "source") || !strcmp(kw, "osource") || !strcmp(kw, "rsource") ||
	    !strcmp(kw, "orsource")) {
		rd->entry = NULL;
		rd->block_entry = NULL;
		return do_source(rd, rest);
	}
	if (!strcmp(kw, "if")) {
		rd->entry = NULL;
		rd->block_entry = NULL;
		strip_comment((char *)(uintptr_t)rest);
		return block_push(rd, KBLOCK_IF, NULL, trim((char *)(uintptr_t)rest), where);
	}
	if (!strcmp(kw, "menu") || !strcmp(kw, "choice")) {
		int r = block_push(rd, kw[0] == 'm' ? KBLOCK_MENU : KBLOCK_CHOICE, rest, NULL, where);

		rd->entry = NULL;
		rd->block_entry = rd->top;
		return r;
	}
	if (!strcmp(kw, "endif") || !strcmp(kw, "endmenu") || !strcmp(kw, "endchoice")) {
		block_pop(rd, kw[3] == 'i' ? KBLOCK_IF : kw[3] == 'm' ? KBLOCK_MENU : KBLOCK_CHOICE);
		rd->entry = NULL;
		rd->block_entry = NULL;
		return 0;
	}
	if (!strcmp(kw, "comment") || !strcmp(kw, "mainmenu")) {
		rd->entry = NULL;
		rd->block_entry = NULL;
		rd->in_other = true;
		return 0;
	}
	if (!strcmp(kw, "depends")) {
		char *expr = (char *)(uintptr_t)rest;

		if (strncmp(expr, "on", 2) || (expr[2] != ' ' && expr[2] != '\t'))
			return 0;
		expr = trim(expr + 2);
		strip_comment(expr);
		expr = trim(expr);
		if (rd->entry)
			return push_str(&rd->entry->deps, &rd->entry->n_deps, expr);
		if (rd->block_entry)
			return push_str(&rd->block_entry->deps, &rd->block_entry->n_deps, expr);
		return 0;
	}
	if (!rd->entry)
		return 0;
	if (!strcmp(kw, "select") || !strcmp(kw, "imply")) {
		strip_comment((char *)(uintptr_t)rest);
		return select_add(rd, trim((char *)(uintptr_t)rest), kw[0] == 'i', where);
	}
	if (!strcmp(kw, "prompt") ||
	    ((!strcmp(kw, "bool") || !strcmp(kw, "tristate") || !strcmp(kw, "int") ||
	      !strcmp(kw, "hex") || !strcmp(kw, "string")) &&
	     rest[0] == '"')) {
		const char *cond = prompt_condition(rest);

		rd->entry->has_prompt = true;
		if (cond) {
			char *c = strdup(cond);

			if (!c)
				return -ENOMEM;
			strip_comment(c);
			free(rd->entry->prompt_if);
			rd->entry->prompt_if = c;
		}
	}
	return 0;
}

/* Columns of the leading white space, tabs to the next multiple of 8. */
static unsigned indent_of(const char *s)
{
	unsigned col = 0;

	for (; *s == ' ' || *s == '\t'; s++)
		col = *s == '\t' ? (col + 8) & ~7u : col + 1;
	return col;
}

static int read_file(struct kreader *rd, const char *rel)
{
	char full[2 * PATH_MAX + 2], where[300], *buf = NULL, *p, *logical = NULL;
	unsigned lineno = 0, start_line = 0, help_indent = 0;
	size_t llen = 0;
	bool in_help = false, help_started = false;
	int r;

	snprintf(full, sizeof(full), "%s/%s", rd->t->srctree, rel);
	r = fdio_read_file(full, &buf, NULL);
	if (r < 0)
		return diag_set(rd->d, r, "cannot read '%s': %s", full, strerror(-r));
	rd->t->n_files++;
	rd->depth++;
	rd->entry = NULL;
	rd->block_entry = NULL;
	for (p = buf; *p && r >= 0;) {
		size_t len = strcspn(p, "\n");
		char save = p[len];
		char *line = p;
		bool cont;

		line[len] = '\0';
		lineno++;
		p += len + (save ? 1 : 0);
		if (in_help) {
			const char *t = line + strspn(line, " \t\r");

			if (!*t)
				continue;
			if (!help_started) {
				help_started = true;
				help_indent = indent_of(line);
				continue;
			}
			if (indent_of(line) >= help_indent)
				continue;
			in_help = false;
		}
		/* a logical line: continuations joined */
		cont = len && line[len - 1] == '\\';
		if (cont)
			line[len - 1] = ' ';
		{
			char *g = realloc(logical, llen + len + 2);

			if (!g) {
				r = -ENOMEM;
				break;
			}
			logical = g;
			if (!llen)
				start_line = lineno;
			memcpy(logical + llen, line, len);
			llen += len;
			logical[llen] = '\0';
		}
		if (cont)
			continue;
		{
			char *s = trim(logical), kw[32];

			word_rest(s, kw, sizeof(kw));
			if (!strcmp(kw, "help") || !strcmp(kw, "---help---")) {
				in_help = true;
				help_started = false;
			} else {
				snprintf(where, sizeof(where), "%s:%u", rel, start_line);
				r = read_line(rd, logical, where);
			}
		}
		llen = 0;
	}
	free(logical);
	free(buf);
	rd->depth--;
	rd->entry = NULL;
	rd->block_entry = NULL;
	if (r == -ENOMEM)
		return diag_set(rd->d, -ENOMEM, "out of memory");
	return r < 0 ? r : 0;
}

static void kdef_free(void *p)
{
	struct kdef *k = p;

	while (k) {
		struct kdef *next = k->next;

		free(k->sym);
		for (size_t i = 0; i < k->n_deps; i++)
			free(k->deps[i]);
		free(k->deps);
		free(k->prompt_if);
		free(k);
		k = next;
	}
}

void kconfig_tree_free(struct kconfig_tree *t)
{
	if (!t)
		return;
	kmap_release(&t->defs, kdef_free);
	for (size_t i = 0; i < t->n_blocks; i++) {
		for (size_t k = 0; k < t->blocks[i]->n_deps; k++)
			free(t->blocks[i]->deps[k]);
		free(t->blocks[i]->deps);
		free(t->blocks[i]->title);
		free(t->blocks[i]);
	}
	free(t->blocks);
	for (size_t i = 0; i < t->n_selects; i++) {
		free(t->selects[i].target);
		free(t->selects[i].by);
		free(t->selects[i].cond);
	}
	free(t->selects);
	free(t);
}

int kconfig_tree_load(const char *srctree, const char *srcarch, struct kconfig_tree **out,
		      struct diag *d)
{
	struct kconfig_tree *t = calloc(1, sizeof(*t));
	struct kreader rd = { .t = t, .d = d };
	char top[PATH_MAX + 16];
	struct stat st;
	int r;

	*out = NULL;
	if (!t)
		return diag_set(d, -ENOMEM, "out of memory");
	if (xsnprintf(t->srctree, sizeof(t->srctree), "%s", srctree) < 0 ||
	    xsnprintf(t->srcarch, sizeof(t->srcarch), "%s", srcarch) < 0) {
		free(t);
		return diag_set(d, -ENAMETOOLONG, "the path '%s' is too long", srctree);
	}
	snprintf(top, sizeof(top), "%s/Kconfig", srctree);
	if (stat(top, &st) < 0) {
		r = -errno;
		free(t);
		return diag_set(d, r, "'%s' has no Kconfig: %s", srctree, strerror(-r));
	}
	r = read_file(&rd, "Kconfig");
	if (r < 0) {
		kconfig_tree_free(t);
		return r;
	}
	*out = t;
	return 0;
}

bool kconfig_tree_defines(const struct kconfig_tree *t, const char *sym)
{
	return t && kmap_get(&t->defs, sym);
}

size_t kconfig_tree_files(const struct kconfig_tree *t)
{
	return t ? t->n_files : 0;
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
	expr_symbols(expr, v, syms, sizeof(syms));
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
	const struct kdef *k = t ? kmap_get(&t->defs, w->sym) : NULL;
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
	k = kmap_get(&t->defs, w->sym);
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
