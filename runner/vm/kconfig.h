/*
 * kconfig.h: the parts of a kernel's configuration that `kernel build`
 * needs, read in C: a .config's values, config fragments (what the lab
 * wants), merging a fragment into a .config, and the tree's Kconfig files,
 * to say why an option did not survive `make olddefconfig`.
 *
 *   .config      CONFIG_X=y|m|<number>|"<string>", "# CONFIG_X is not set"
 *   fragment     the same lines, comments and blank lines; anything else is
 *                an error located as file:line
 *   Kconfig      config/menuconfig entries with their `depends on`, prompts
 *                and `select`s, inside `if`, `menu ... depends on` and
 *                `choice ... depends on` blocks, across `source`d files
 *
 * The Kconfig reader is not Kconfig: it does not compute values (kconfig's
 * own conf does that, through make); it reads the dependency text and
 * evaluates it on the values conf chose, so an error can say "depends on
 * NET_ACT_MIRRED || NFT_FWD_NETDEV, which is n (NET_ACT_MIRRED=n
 * NFT_FWD_NETDEV=n)". Expressions with macros ($(...)) are shown, not
 * evaluated. Nothing here prints.
 */
#ifndef MPL_KCONFIG_H
#define MPL_KCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* ---- a .config ---------------------------------------------------------- */

struct kconfig_values;

/* Read a .config. -ENOENT/-EACCES..., with d set. */
int kconfig_values_load(const char *path, struct kconfig_values **out, struct diag *d);
/* The value as the file writes it ("y", "m", "250", "\"str\""), or NULL
 * when the symbol is not set ("# ... is not set" or absent). */
const char *kconfig_value(const struct kconfig_values *v, const char *sym);
void kconfig_values_free(struct kconfig_values *v);

/* ---- fragments ------------------------------------------------------------ */

/* One line of a fragment: the symbol without CONFIG_, and its value as a
 * .config writes it, "n" for "# CONFIG_X is not set". */
struct kconfig_want {
	char sym[96];
	char value[256];
	char where[300]; /* "file:line" */
};

/* Append the settings of the fragment at path to *wants (a later line for
 * the same symbol replaces the earlier one, here and across fragments).
 * -EINVAL with every bad line in errs as "file:line: ..."; -ENOENT etc.
 * when it cannot be read. */
int kconfig_fragment_load(const char *path, struct kconfig_want **wants, size_t *n,
			  struct diag_list *errs);

/* Whether got (NULL: not set) is what want asks for. An "m" that became
 * "y" counts when the kernel has no module support (modules false). */
bool kconfig_want_met(const struct kconfig_want *w, const char *got, bool modules);

/* Write base with every symbol of wants replaced (or added) to out, as
 * scripts/kconfig/merge_config.sh does before olddefconfig. */
int kconfig_merge(const char *base, const struct kconfig_want *wants, size_t n, const char *out,
		  struct diag *d);

/* ---- the Kconfig files ----------------------------------------------------- */

struct kconfig_tree;

/* Read srctree/Kconfig and every file it sources ($(SRCARCH) is srcarch,
 * e.g. "x86"). -ENOENT when srctree/Kconfig is missing. */
int kconfig_tree_load(const char *srctree, const char *srcarch, struct kconfig_tree **out,
		      struct diag *d);
void kconfig_tree_free(struct kconfig_tree *t);
/* Whether the Kconfig files define sym (config or menuconfig). */
bool kconfig_tree_defines(const struct kconfig_tree *t, const char *sym);
/* Files read. */
size_t kconfig_tree_files(const struct kconfig_tree *t);

/*
 * Why sym is not w->value in v: one line per reason, each starting with
 * indent, into buf (always NUL-terminated; cut if too small):
 *   - not defined by this tree's Kconfig;
 *   - a `depends on`, an enclosing `if`, `menu` or `choice` condition, or a
 *     prompt's `if`, that is n (or only m where y is wanted), with the
 *     values of the symbols it names;
 *   - wanted n: the `select`s that force it (with their conditions);
 *   - when every condition holds: that it has no prompt (only a default or
 *     a select sets it), or that Kconfig gives no reason.
 */
void kconfig_explain(const struct kconfig_tree *t, const struct kconfig_values *v,
		     const struct kconfig_want *w, const char *indent, char *buf, size_t size);

/* The tristate value (0 n, 1 m, 2 y) of a Kconfig expression on v; -1 when
 * it cannot be evaluated (a macro, a syntax this reader does not know). */
int kconfig_eval(const char *expr, const struct kconfig_values *v);

#endif
