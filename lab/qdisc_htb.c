/*
 * qdisc_htb.c: the "htb" kind as a rate shaper: one qdisc 1: whose
 * default class 1:1 carries the rate (rate = ceil, no borrowing).
 *
 * Requests, as the kernel's sch_htb.c htb_init() / htb_change_class()
 * read them:
 *
 *   RTM_NEWQDISC 1: root
 *     TCA_OPTIONS
 *       TCA_HTB_INIT    struct tc_htb_glob
 *                         version 3 (TC_HTB_PROTOVER), rate2quantum 10,
 *                         defcls 1 (unclassified traffic goes to 1:1)
 *
 *   RTM_NEWTCLASS 1:1 parent 1:
 *     TCA_OPTIONS
 *       TCA_HTB_PARMS   struct tc_htb_opt
 *                         rate, ceil     bytes/s (~0U when 64 bits are
 *                                        needed), linklayer ETHERNET so no
 *                                        TCA_HTB_RTAB/CTAB tables
 *                         buffer,cbuffer burst time in psched ticks (htb
 *                                        has no byte-sized burst attribute)
 *                         quantum        explicit: rate/10 bounded to
 *                                        [frame, 200000], so the kernel
 *                                        neither clamps nor warns
 *       TCA_HTB_RATE64  u64 bytes/s, only when needed
 *       TCA_HTB_CEIL64  u64 bytes/s, only when needed
 *
 * Reading back: htb_dump() has no rate; the class dump (htb_dump_class)
 * has PARMS + RATE64, which qdisc.c feeds to read_class_opts.
 */
#include <errno.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "qdisc_kind.h"

#define HTB_RATE2QUANTUM 10
#define HTB_QUANTUM_MAX_BYTES 200000 /* above this the kernel warns "big" */
#define HTB_DEFAULT_MINOR 1	     /* 1:1 */

static int htb_put_qdisc_opts(struct nl_msg *msg, const struct lab_shape_params *p,
			      struct diag *d)
{
	struct tc_htb_glob glob;

	memset(&glob, 0, sizeof(glob));
	glob.version = TC_HTB_PROTOVER;
	glob.rate2quantum = HTB_RATE2QUANTUM;
	glob.defcls = HTB_DEFAULT_MINOR;
	if (nla_put(msg, TCA_HTB_INIT, sizeof(glob), &glob) < 0)
		return diag_set(d, -EMSGSIZE, "cannot build request for qdisc 'htb': message too long");
	return 0;
}

static uint32_t htb_quantum_bytes(uint64_t rate_bytes_ps, uint32_t mtu)
{
	uint64_t q = rate_bytes_ps / HTB_RATE2QUANTUM;
	uint64_t frame = (uint64_t)mtu + LAB_QDISC_L2_HDR_BYTES;

	if (q < frame)
		q = frame;
	if (q > HTB_QUANTUM_MAX_BYTES)
		q = HTB_QUANTUM_MAX_BYTES;
	return (uint32_t)q;
}

static int htb_put_class_opts(struct nl_msg *msg, const struct lab_shape_params *p,
			      struct diag *d)
{
	uint64_t rate_bytes_ps = p->rate_bps / 8;
	bool rate64 = rate_bytes_ps > UINT32_MAX;
	struct tc_htb_opt opt;

	if (!rate_bytes_ps)
		return diag_set(d, -EINVAL, "class 'htb' needs a rate of at least 8 bit/s, got %llu",
				(unsigned long long)p->rate_bps);
	if (!p->burst_bytes)
		return diag_set(d, -EINVAL, "class 'htb' needs a burst");

	memset(&opt, 0, sizeof(opt));
	opt.rate.rate = rate64 ? ~0U : (uint32_t)rate_bytes_ps;
	opt.rate.linklayer = TC_LINKLAYER_ETHERNET;
	opt.ceil = opt.rate;
	opt.buffer = lab_psched_ticks(lab_qdisc_xmit_ns(p->burst_bytes, rate_bytes_ps));
	opt.cbuffer = opt.buffer;
	opt.quantum = htb_quantum_bytes(rate_bytes_ps, p->mtu);

	if (nla_put(msg, TCA_HTB_PARMS, sizeof(opt), &opt) < 0 ||
	    (rate64 && (nla_put_u64(msg, TCA_HTB_RATE64, rate_bytes_ps) < 0 ||
			nla_put_u64(msg, TCA_HTB_CEIL64, rate_bytes_ps) < 0)))
		return diag_set(d, -EMSGSIZE, "cannot build request for class 'htb': message too long");
	return 0;
}

static void htb_read_class_opts(struct nlattr *opts, struct lab_show_qdisc *q)
{
	struct nlattr *tb[TCA_HTB_MAX + 1];
	struct tc_htb_opt opt;

	if (nla_parse_nested(tb, TCA_HTB_MAX, opts, NULL) < 0)
		return;
	if (tb[TCA_HTB_PARMS] && nla_len(tb[TCA_HTB_PARMS]) >= (int)sizeof(opt)) {
		memcpy(&opt, nla_data(tb[TCA_HTB_PARMS]), sizeof(opt));
		q->rate_bps = (uint64_t)opt.rate.rate * 8;
	}
	if (tb[TCA_HTB_RATE64] && nla_len(tb[TCA_HTB_RATE64]) >= 8)
		q->rate_bps = nla_get_u64(tb[TCA_HTB_RATE64]) * 8;
}

static unsigned htb_expect(const struct lab_shape_params *p, struct lab_show_qdisc *want)
{
	want->rate_bps = p->rate_bps / 8 * 8;
	return LAB_QCMP_RATE;
}

const struct lab_qdisc_ops lab_qdisc_htb_ops = {
	.kind = "htb",
	.put_qdisc_opts = htb_put_qdisc_opts,
	.put_class_opts = htb_put_class_opts,
	.read_class_opts = htb_read_class_opts,
	.expect = htb_expect,
};
