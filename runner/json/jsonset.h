/*
 * jsonset: command-line overrides of a parsed JSON document.
 *
 * "PATH=VALUE" assignments as given to --set, applied to a jansson tree
 * before its semantic check, so an override is validated exactly like the
 * file it changes. Used for topologies and scenarios.
 *
 * PATH is a list of object keys and array indexes:
 *
 *	paths.path1.shaping.rate=20mbit
 *	links[2].mtu=9000            (same as links.2.mtu=9000)
 *	nodes.client.sysctls["net.ipv4.tcp_rmem"]="4096 131072 6291456"
 *
 * A key that contains '.', '[' or '=' is written as ["..."] (a JSON
 * string, so \" and \\ work). Missing objects on the way are created;
 * arrays are never created, and an index may name an existing element or
 * the one just past the end (append). VALUE is parsed as JSON when it
 * parses (20, 1.5, true, null, {"rate": "1mbit"}, "quoted") and taken as
 * a plain string otherwise (20mbit, 10ms, eth1).
 *
 * This file does not know what the keys mean: that is the caller's
 * semantic phase.
 */
#ifndef MPL_JSONSET_H
#define MPL_JSONSET_H

#include <stddef.h>

#include <jansson.h>

#include "diag.h"

/* Apply one assignment to root (an object). Returns 0, or -EINVAL with a
 * message naming the path in d ("links[3]: index out of range, array has
 * 2 elements"), or -ENOMEM. root is unchanged on failure. */
int jsonset_apply(json_t *root, const char *assignment, struct diag *d);

/*
 * What a value is, for messages; the one mapping of JSON types to words,
 * used by --set, the input files' checks and iperf3_json.c.
 *
 * JSONSET_ALONE, when the word stands for the value ("got an array",
 * "must be a number, got a string"): "an object", "an array", "a string",
 * "a number", "a boolean" or "null".
 * JSONSET_BEFORE_VALUE, when the value is shown after the word ("got
 * string 'yes'", "got integer 5"): "string", "integer", "number" or
 * "boolean" (objects, arrays and null, never shown, are said as alone).
 */
enum jsonset_type_form {
	JSONSET_ALONE,
	JSONSET_BEFORE_VALUE,
};

const char *jsonset_type_name(const json_t *v, enum jsonset_type_form form);

#endif
