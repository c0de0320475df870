/*
 * kconfig_tree.c: the reader of a tree's Kconfig files (kconfig.h), which
 * kconfig.c's explanations read.
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
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "fdio.h"
#include "kconfig_int.h"

#define KCONFIG_SOURCE_DEPTH 32

/* ---- the Kconfig files ----------------------------------------------------------------- */

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
	old = kconfig_kmap_get(&rd->t->defs, sym);
	if (old) {
		while (old->next)
			old = old->next;
		old->next = k;
	} else if (kconfig_kmap_put(&rd->t->defs, sym, k, &prev) < 0) {
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
	kconfig_kmap_release(&t->defs, kdef_free);
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
	return t && kconfig_kmap_get(&t->defs, sym);
}

size_t kconfig_tree_files(const struct kconfig_tree *t)
{
	return t ? t->n_files : 0;
}
