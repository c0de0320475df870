/*
 * qdisc_kind.h: the table of qdisc kinds shared by the lab/qdisc*.c files
 * (and the white-box test tests/unit/test_qdisc_msg.c).
 *
 * Each kind the lab can put on an interface is one struct lab_qdisc_ops in
 * its own file (qdisc_tbf.c, qdisc_htb.c, qdisc_netem.c, qdisc_ingress.c)
 * plus one entry in the table of qdisc.c. A kind knows how to fill the
 * TCA_OPTIONS of its requests, how to read its dumps back, and which values
 * the kernel must report after it was built from a struct lab_shape_params.
 * Where the kinds go on an interface (the placement) is qdisc.c's business,
 * not the kinds'.
 *
 * Nothing here sends anything: lab_nl_talk()/lab_nl_dump() (nl.c) do.
 */
#ifndef MPL_LAB_QDISC_KIND_H
#define MPL_LAB_QDISC_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab_int.h"

struct nlattr;

/* Handles, written the way tc(8) writes them: "1:" is 0x00010000,
 * "10:" is 0x00100000 (tc reads handles in hex). */
#define LAB_QDISC_ROOT_HANDLE 0x00010000U  /* 1:   rate shaper, or netem alone */
#define LAB_QDISC_CLASS_HANDLE 0x00010001U /* 1:1  htb class; tbf's only class */
#define LAB_QDISC_NETEM_HANDLE 0x00100000U /* 10:  netem under the shaper */
#define LAB_QDISC_INGRESS_HANDLE 0xffff0000U /* ffff: */

/* psched ticks, the unit of the 32-bit time fields of tc_tbf_qopt,
 * tc_htb_opt and tc_netem_qopt: 64 ns (PSCHED_SHIFT 6 in the kernel). */
#define LAB_PSCHED_SHIFT 6

/* Ethernet header added to the MTU when sizing buckets and quanta. */
#define LAB_QDISC_L2_HDR_BYTES 14

/* Fields of struct lab_show_qdisc a kind reports and the lab compares. */
enum {
	LAB_QCMP_RATE = 1 << 0,
	LAB_QCMP_LIMIT = 1 << 1,
	LAB_QCMP_DELAY = 1 << 2,
	LAB_QCMP_LOSS = 1 << 3,
};

struct lab_qdisc_ops {
	const char *kind;
	/* Fill the inside of TCA_OPTIONS of RTM_NEWQDISC (the caller opened
	 * the nest). NULL: the kind takes no options. Returns 0 or -errno
	 * and sets d. */
	int (*put_qdisc_opts)(struct nl_msg *msg, const struct lab_shape_params *p,
			      struct diag *d);
	/* Same for the one class the lab creates under the qdisc (htb).
	 * NULL: the lab creates no class of this kind. */
	int (*put_class_opts)(struct nl_msg *msg, const struct lab_shape_params *p,
			      struct diag *d);
	/* Read a dumped qdisc's / class's TCA_OPTIONS into q. NULL: nothing
	 * to read. Unknown or short attributes are ignored. */
	void (*read_qdisc_opts)(struct nlattr *opts, struct lab_show_qdisc *q);
	void (*read_class_opts)(struct nlattr *opts, struct lab_show_qdisc *q);
	/* What a dump must say after building from p; returns the
	 * LAB_QCMP_* fields that are meaningful for this kind. */
	unsigned (*expect)(const struct lab_shape_params *p, struct lab_show_qdisc *want);
};

extern const struct lab_qdisc_ops lab_qdisc_tbf_ops;
extern const struct lab_qdisc_ops lab_qdisc_htb_ops;
extern const struct lab_qdisc_ops lab_qdisc_netem_ops;
extern const struct lab_qdisc_ops lab_qdisc_ingress_ops;

/* The kind called name, or NULL. */
const struct lab_qdisc_ops *lab_qdisc_ops_find(const char *name);

/* Build (not send) the RTM_NEWTCLASS request for the class of kind
 * ("htb") with classid handle under parent. */
int lab_qdisc_build_class(const char *kind, int ifindex, uint32_t handle, uint32_t parent,
			  const struct lab_shape_params *p, struct nl_msg **msg,
			  struct diag *d);

/* Build (not send) the RTM_NEWTFILTER request for the ingress redirect:
 * a u32 match-all filter under ffff: of ifindex with a mirred action that
 * steals every packet and redirects it to the egress of ifb_ifindex. */
#define LAB_QDISC_REDIRECT_PRIO 1
int lab_qdisc_build_redirect(int ifindex, int ifb_ifindex, struct nl_msg **msg,
			     struct diag *d);

/* One step of the placement of a shaping on an egress. */
struct lab_qdisc_step {
	const struct lab_qdisc_ops *ops;
	bool is_class; /* RTM_NEWTCLASS instead of RTM_NEWQDISC */
	uint32_t handle, parent;
};

#define LAB_QDISC_MAX_STEPS 3

/* The steps that put p on an egress, in the order they must be sent:
 *   rate only         tbf 1: root                | htb 1: root, class 1:1
 *   rate + netem      tbf 1: root, netem 10: 1:1 | htb 1: root, class 1:1,
 *                                                  netem 10: parent 1:1
 *   netem only        netem 1: root
 * Returns the number of steps (0: nothing to shape). */
unsigned lab_shape_plan(const struct lab_shape_params *p,
			struct lab_qdisc_step steps[LAB_QDISC_MAX_STEPS]);

/* Shared helpers of the kinds. */

uint32_t lab_psched_ticks(uint64_t ns);
/* Time in ns to send bytes at rate_bytes_ps (rounded down, capped). */
uint64_t lab_qdisc_xmit_ns(uint64_t bytes, uint64_t rate_bytes_ps);
/* pct (0..100) as the u32 probability netem uses (UINT32_MAX = 100 %). */
uint32_t lab_qdisc_prob_u32(double pct);
double lab_qdisc_prob_pct(uint32_t prob);
/* "1:", "1:1", "root", "ingress" into buf (at least 16 bytes). */
const char *lab_qdisc_handle_format(uint32_t handle, char *buf, size_t size);

#endif
