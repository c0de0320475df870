/*
 * variant: the matrix of a scenario's variant axes, and how one variant
 * changes the lab before a run.
 *
 * The matrix is the cartesian product of the axes, in the order the
 * scenario declares them. Runs are interleaved by the caller (every variant's
 * repetition 1, then every variant's repetition 2, ...) so drift over time
 * hits every variant alike.
 */
#ifndef MPL_VARIANT_H
#define MPL_VARIANT_H

#include <stddef.h>

#include "lab.h"
#include "scenario.h"

struct variant {
	unsigned n;
	struct {
		char axis[SCENARIO_AXIS_MAX];
		char value[SCENARIO_VALUE_MAX];
	} kv[SCENARIO_MAX_AXES];
	char key[1024]; /* "cc=bbr,scheduler=default": sorted by axis, stable */
};

/* Expand the axes (no axis: one empty variant). *out is malloc'd. */
int variant_expand(const struct scenario *s, struct variant **out, size_t *n);

/* Apply a variant to a copy of the scenario's lab spec: sysctls and MPTCP
 * limits on the client and server nodes, endpoint flags. Returns 0,
 * -EOPNOTSUPP when the variant cannot run on this kernel (why says so:
 * "scheduler 'bpf_rr' is not available (available: default)"), -EINVAL for
 * a value the lab cannot express. */
int variant_apply(const struct variant *v, const struct scenario *s, struct lab_spec *spec,
		  char *why, size_t whylen);

/* The value of an axis in this variant, or NULL. */
const char *variant_value(const struct variant *v, const char *axis);

/* {"cc":"bbr","scheduler":"default"} into buf. */
int variant_json(const struct variant *v, char *buf, size_t size);

#endif
