/*
 * qdisc_netem.c: the "netem" kind: delay, jitter, random loss, reordering.
 *
 * netem's TCA_OPTIONS is not a normal nest: it starts with a bare struct
 * tc_netem_qopt and the attributes follow it (the kernel's sch_netem.c
 * parse_attr() skips NLA_ALIGN(sizeof(qopt)) before nla_parse(); its dump
 * writes the same layout):
 *
 *   TCA_OPTIONS
 *     struct tc_netem_qopt     latency, jitter  psched ticks (capped at
 *                                               2^32-1; the 64-bit
 *                                               attributes below win)
 *                              limit            packets
 *                              loss             u32 probability
 *                              gap              1 when reordering (netem
 *                                               reorders only with a gap)
 *     TCA_NETEM_LATENCY64      s64 ns
 *     TCA_NETEM_JITTER64       s64 ns, only with jitter
 *     TCA_NETEM_REORDER        struct tc_netem_reorder, only with reorder
 *
 * Loss is netem's simple random loss (no TCA_NETEM_LOSS model). It does
 * not decide where netem goes (qdisc.c does) and cannot make netem exist:
 * on a kernel without CONFIG_NET_SCH_NETEM the add fails and qdisc.c says
 * so.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "qdisc_kind.h"

static int64_t netem_ns(uint64_t us)
{
	if (us > (uint64_t)INT64_MAX / 1000)
		return INT64_MAX;
	return (int64_t)(us * 1000);
}

static int netem_put_qdisc_opts(struct nl_msg *msg, const struct lab_shape_params *p,
				struct diag *d)
{
	const struct lab_shaping *sh = &p->sh;
	int64_t latency_ns = netem_ns(sh->delay_us), jitter_ns = netem_ns(sh->jitter_us);
	struct tc_netem_reorder reorder;
	struct tc_netem_qopt qopt;

	if (sh->reorder_pct > 0 && !sh->delay_us)
		return diag_set(d, -EINVAL,
				"qdisc 'netem' cannot reorder without a delay (reorder %.3g%%)",
				sh->reorder_pct);
	if (!p->netem_limit)
		return diag_set(d, -EINVAL, "qdisc 'netem' needs a limit");

	memset(&qopt, 0, sizeof(qopt));
	qopt.latency = lab_psched_ticks((uint64_t)latency_ns);
	qopt.jitter = lab_psched_ticks((uint64_t)jitter_ns);
	qopt.limit = p->netem_limit;
	qopt.loss = lab_qdisc_prob_u32(sh->loss_pct);
	memset(&reorder, 0, sizeof(reorder));
	if (sh->reorder_pct > 0) {
		reorder.probability = lab_qdisc_prob_u32(sh->reorder_pct);
		qopt.gap = 1;
	}

	/* The struct goes inside the nest the caller opened, before any
	 * attribute: nlmsg_append() extends the message (and so the nest)
	 * by NLMSG_ALIGN(sizeof(qopt)) = NLA_ALIGN(sizeof(qopt)). */
	if (nlmsg_append(msg, &qopt, sizeof(qopt), NLMSG_ALIGNTO) < 0 ||
	    nla_put_s64(msg, TCA_NETEM_LATENCY64, latency_ns) < 0 ||
	    (jitter_ns && nla_put_s64(msg, TCA_NETEM_JITTER64, jitter_ns) < 0) ||
	    (reorder.probability &&
	     nla_put(msg, TCA_NETEM_REORDER, sizeof(reorder), &reorder) < 0))
		return diag_set(d, -EMSGSIZE, "cannot build request for qdisc 'netem': message too long");
	return 0;
}

static void netem_read_qdisc_opts(struct nlattr *opts, struct lab_show_qdisc *q)
{
	struct nlattr *tb[TCA_NETEM_MAX + 1];
	int skip = NLA_ALIGN(sizeof(struct tc_netem_qopt));
	struct tc_netem_qopt qopt;

	if (nla_len(opts) < (int)sizeof(qopt))
		return;
	memcpy(&qopt, nla_data(opts), sizeof(qopt));
	q->delay_us = ((uint64_t)qopt.latency << LAB_PSCHED_SHIFT) / 1000;
	q->limit = qopt.limit;
	q->loss_pct = lab_qdisc_prob_pct(qopt.loss);

	if (nla_len(opts) - skip < NLA_HDRLEN)
		return;
	if (nla_parse(tb, TCA_NETEM_MAX, (struct nlattr *)((char *)nla_data(opts) + skip),
		      nla_len(opts) - skip, NULL) < 0)
		return;
	if (tb[TCA_NETEM_LATENCY64] && nla_len(tb[TCA_NETEM_LATENCY64]) >= 8)
		q->delay_us = (uint64_t)nla_get_s64(tb[TCA_NETEM_LATENCY64]) / 1000;
}

static unsigned netem_expect(const struct lab_shape_params *p, struct lab_show_qdisc *want)
{
	want->delay_us = p->sh.delay_us;
	want->loss_pct = lab_qdisc_prob_pct(lab_qdisc_prob_u32(p->sh.loss_pct));
	want->limit = p->netem_limit;
	return LAB_QCMP_DELAY | LAB_QCMP_LOSS | LAB_QCMP_LIMIT;
}

const struct lab_qdisc_ops lab_qdisc_netem_ops = {
	.kind = "netem",
	.put_qdisc_opts = netem_put_qdisc_opts,
	.read_qdisc_opts = netem_read_qdisc_opts,
	.expect = netem_expect,
};
