/*
 * lab_probe.h: what the running kernel can do for the lab, probed for real
 * (a qdisc kind is added in a scratch namespace, a socket option is asked
 * of a real MPTCP connection), never inferred from a version number.
 */
#ifndef MPL_LAB_PROBE_H
#define MPL_LAB_PROBE_H

#include <stdbool.h>

#include "diag.h"

struct lab_cap {
	char name[32];	    /* "mptcp", "qdisc.netem", "sockopt.mptcp_full_info", ... */
	bool available;
	char detail[256];   /* value when available ("default"), reason when not */
};

/* Probe every kernel capability. *caps is allocated (caller frees). The
 * scratch namespace is named "mpl-probe<pid>" and always removed. */
int lab_probe(struct lab_cap **caps, unsigned *n, struct diag *d);

/* Find one capability by name in a probe result, or NULL. */
const struct lab_cap *lab_cap_find(const struct lab_cap *caps, unsigned n,
				   const char *name);

#endif
