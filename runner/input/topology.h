/*
 * topology: topologies/NAME.json -> struct lab_spec.
 *
 * Two phases. Syntax: jansson with JSON_REJECT_DUPLICATES, errors located
 * as "file:line:col: ...". Semantics: every problem is collected with its
 * JSON path, the expected and the found value
 * ("file: links[2].a.ifname: must be at most 15 bytes, got 'averyveryverylongname'"),
 * and all of them are reported in one go. Nothing is created by parsing.
 * The format is documented in topologies/README.md.
 */
#ifndef MPL_TOPOLOGY_H
#define MPL_TOPOLOGY_H

#include <stddef.h>

#include "diag.h"
#include "lab.h"

struct topology {
	char name[64];
	char description[256];
	char client[LAB_NAME_MAX]; /* node that runs traffic clients */
	char server[LAB_NAME_MAX]; /* node that runs traffic servers */
	struct lab_spec spec;	   /* spec.name is left empty */
};

/* Parse a file, applying "PATH=VALUE" overrides (see jsonset_apply) to the
 * JSON tree before the semantic phase. Returns 0, or -EINVAL with every
 * error in errs (-ENOENT etc. for an unreadable file, also in errs). */
int topology_load_file(const char *path, const char *const *sets, size_t n_sets,
		       struct topology *t, struct diag_list *errs);
/* Same from memory; origin names the source in messages. */
int topology_load_buffer(const char *origin, const char *buf, size_t len,
			 const char *const *sets, size_t n_sets,
			 struct topology *t, struct diag_list *errs);

#endif
