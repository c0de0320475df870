/*
 * jcheck: the pieces every JSON input file's parser shares (topologies,
 * scenarios, suites).
 *
 * Phase 1 (jcheck_read_file, jcheck_parse): the bytes must be JSON without
 * duplicate keys, syntax errors are located as "file:line:col", and the
 * --set overrides are applied to the tree. Phase 2 is the caller's walk
 * over the tree; jansson keeps no positions, so every problem is reported
 * with its JSON path, what was expected and what was found:
 *
 *	FILE: json.path: what is wrong, expected X, got 'Y'
 *
 * and the walk goes on after an error, so the user sees them all at once.
 * The helpers below record such a message and return false (or NULL) when
 * a value is wrong; they never stop the walk.
 *
 * This file knows the JSON shapes of the lab's common quantities (rates,
 * times, sizes, percentages) and the shaping object, but not what a
 * topology or a scenario is.
 */
#ifndef MPL_JCHECK_H
#define MPL_JCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "diag.h"
#include "lab.h"

#define JCHECK_PATH_MAX 192 /* a JSON path in a message; longer ends in "..." */
#define JCHECK_SHOW_MAX 64  /* a found value in a message; longer ends in "..." */
#define JCHECK_FILE_MAX_BYTES (4u << 20)
#define JCHECK_DELAY_MAX_US (10ull * 1000 * 1000) /* delay and jitter of a shaping */

struct jcheck {
	const char *origin; /* the file name every message starts with */
	struct diag_list *errs;
	unsigned n_errors; /* messages recorded through this context */
};

/* ---- phase 1 ------------------------------------------------------------ */

/* Read a whole file of at most JCHECK_FILE_MAX_BYTES into *buf (malloc'd,
 * NUL-terminated, caller frees). 0, or a negative errno with the message
 * ("PATH: cannot open: No such file or directory") in errs. */
int jcheck_read_file(const char *path, char **buf, size_t *len, struct diag_list *errs);

/* Parse buf (JSON_REJECT_DUPLICATES) and apply "PATH=VALUE" overrides
 * (jsonset_apply). Returns the tree, or NULL after a located syntax error
 * ("FILE:LINE:COL: text"). A failing override is recorded
 * ("FILE: --set 'a.b=1': ...") and the others still apply. */
json_t *jcheck_parse(struct jcheck *c, const char *buf, size_t len, const char *const *sets,
		     size_t n_sets);

/* ---- messages ----------------------------------------------------------- */

/* "ORIGIN: PATH: MESSAGE" */
void jcheck_bad(struct jcheck *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "wrong type, expected EXPECTED, got string 'x'" (or "got an array") */
void jcheck_bad_type(struct jcheck *c, const char *path, json_t *v, const char *expected);

/* A found value as it appears between quotes in a message: strings
 * without their JSON quotes, anything else as compact JSON; control bytes
 * replaced, long values cut. buf has JCHECK_SHOW_MAX bytes. */
const char *jcheck_shown(json_t *v, char *buf);
/* The same for a C string (an object key). */
const char *jcheck_shown_str(const char *s, char *buf);

/* ---- JSON paths, in the syntax --set accepts ---------------------------- */

/* Each writes at most JCHECK_PATH_MAX bytes into buf and returns buf. */
const char *jcheck_path(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "parent.key", or parent["key"] when the key is not plain a-z A-Z 0-9 _ -;
 * "key" when parent is empty. */
const char *jcheck_path_key(char *buf, const char *parent, const char *key);
/* "parent[i]" */
const char *jcheck_path_idx(char *buf, const char *parent, size_t i);

/* ---- values ------------------------------------------------------------- */

/* Report every key of obj that is not in allowed (NULL-terminated):
 * "PATH.key: unknown key (expected one of: a, b, c)". */
void jcheck_keys(struct jcheck *c, const char *path, json_t *obj, const char *const *allowed);
bool jcheck_object(struct jcheck *c, const char *path, json_t *v);
bool jcheck_array(struct jcheck *c, const char *path, json_t *v);
/* obj's member key, or NULL after "missing required key 'key'" (path ""
 * is said "top level"). */
json_t *jcheck_required(struct jcheck *c, const char *path, json_t *obj, const char *key);
const char *jcheck_string(struct jcheck *c, const char *path, json_t *v);
/* A string copied into a fixed buffer; too long is an error, never cut. */
bool jcheck_string_into(struct jcheck *c, const char *path, json_t *v, char *out, size_t size);
/* A name: 1..size-1 letters, digits, '_', '-' and '.'. */
bool jcheck_name_into(struct jcheck *c, const char *path, json_t *v, char *out, size_t size);
/* An integer from min to max. */
bool jcheck_uint(struct jcheck *c, const char *path, json_t *v, uint64_t min, uint64_t max,
		 uint64_t *out);
/* A JSON number (integer or real) from min to max. */
bool jcheck_number(struct jcheck *c, const char *path, json_t *v, double min, double max,
		   double *out);

/* ---- quantities (common/units.h) ---------------------------------------- */

/* "50mbit" or a positive number of bit/s. */
bool jcheck_rate(struct jcheck *c, const char *path, json_t *v, uint64_t *bps);
/* "10ms": a string with its unit, at most max_us. */
bool jcheck_time(struct jcheck *c, const char *path, json_t *v, uint64_t max_us, uint64_t *us);
/* 1.5 or "1.5%", 0..100. */
bool jcheck_percent(struct jcheck *c, const char *path, json_t *v, double *pct);
/* "64kb" or a number of bytes, from 1 to below limit_bytes (shown as
 * "4gib" etc. in messages: pass a power-of-two multiple of a unit). */
bool jcheck_size(struct jcheck *c, const char *path, json_t *v, uint64_t limit_bytes,
		 uint64_t *bytes);

/* ---- shaping ------------------------------------------------------------ */

/*
 * A shaping object merged over the shaping of a path's two directions:
 *
 *	{"rate": "50mbit", "delay": "10ms", "jitter": "1ms", "loss": "0.1%",
 *	 "reorder": 1, "limit": 1000, "queue": "64kb", "qdisc": "tbf"|"htb",
 *	 "up": {...same keys...}, "down": {...}}
 *
 * The base keys apply to both directions, "up"/"down" override them for
 * one. A key that is given replaces the value in *up / *down, a key that
 * is not keeps it (so a zeroed pair gives the object's own shaping).
 * Jitter and reorder without a delay in the result are errors. Returns
 * true when no error was found.
 */
bool jcheck_shaping(struct jcheck *c, const char *path, json_t *obj, struct lab_shaping *up,
		    struct lab_shaping *down);

#endif
