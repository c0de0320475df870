/*
 * kconfig_int.h: what the files of kconfig.h share: the string map
 * (kconfig_map.c) that holds a .config's values and a tree's entries, the
 * symbols an expression names (kconfig_expr.c), and a tree's Kconfig files
 * as read (kconfig_tree.c) and explained (kconfig.c). Not for use outside
 * runner/vm/kconfig*.c.
 */
#ifndef MPL_KCONFIG_INT_H
#define MPL_KCONFIG_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "kconfig.h"

/* ---- a string map (kconfig_map.c) ---------------------------------------- */

/* One slot of a struct kmap: key NULL when the slot is free. */
struct kmap_slot {
	char *key;
	void *val;
};

/* Strings (copied) to values, by open addressing (FNV-1a, linear
 * probing); grown to keep it at most half full. */
struct kmap {
	struct kmap_slot *slots;
	size_t cap, n; /* cap a power of two */
};

/* The value of key, or NULL. */
void *kconfig_kmap_get(const struct kmap *m, const char *key);
/* Set key (copied) to val; the old value, if any, in *old. -ENOMEM. */
int kconfig_kmap_put(struct kmap *m, const char *key, void *val, void **old);
/* Free the keys, the values with free_val (unless NULL) and the slots;
 * m is left empty. */
void kconfig_kmap_release(struct kmap *m, void (*free_val)(void *));

/* ---- expressions (kconfig_expr.c) ----------------------------------------- */

/* "A=y B=n" for the symbols an expression names, their values in v, into
 * buf (always NUL-terminated). */
void kconfig_expr_symbols(const char *expr, const struct kconfig_values *v, char *buf, size_t size);

/* ---- the Kconfig files (kconfig_tree.c) ----------------------------------- */

/* The blocks around entries: `if EXPR`, `menu`, `choice`. */
enum kblock_kind { KBLOCK_IF, KBLOCK_MENU, KBLOCK_CHOICE };

/* An `if`, `menu` or `choice` block with its condition (the if's
 * expression, the menu's or choice's `depends on`s). Blocks form a
 * persistent stack: each points at the block it is inside. */
struct kblock {
	enum kblock_kind kind;
	char *title;   /* menu's prompt, "" otherwise */
	char **deps;   /* the if's expression, the menu's/choice's depends on */
	size_t n_deps;
	char where[300];
	struct kblock *parent;
};

/* A config/menuconfig entry: where, the innermost block open there, its
 * own `depends on`s, its prompt and the prompt's `if`. A symbol defined
 * more than once has a chain of them. */
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

/* A `select` or `imply`: by selects target, under cond. */
struct kselect {
	char *target, *by, *cond; /* cond NULL: unconditional */
	bool imply;
	char where[300];
};

/* A tree's Kconfig files as read (kconfig.h): the entries by symbol,
 * every block (to free them), every select and imply. */
struct kconfig_tree {
	char srctree[PATH_MAX], srcarch[32];
	struct kmap defs;	/* sym -> struct kdef chain */
	struct kblock **blocks; /* all, for freeing */
	size_t n_blocks;
	struct kselect *selects;
	size_t n_selects;
	size_t n_files;
};

#endif
