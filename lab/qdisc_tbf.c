/*
 * qdisc_tbf.c: the "tbf" kind (token bucket filter) as a rate shaper.
 *
 * Request, as the kernel's sch_tbf.c tbf_change() reads it:
 *
 *   TCA_OPTIONS
 *     TCA_TBF_PARMS   struct tc_tbf_qopt
 *                       rate.rate       bytes/s, ~0U when it needs 64 bits
 *                       rate.linklayer  TC_LINKLAYER_ETHERNET: the kernel
 *                                       computes lengths itself, so no
 *                                       TCA_TBF_RTAB rate table is sent
 *                       buffer          burst time in psched ticks (kept
 *                                       for old readers; TCA_TBF_BURST wins)
 *                       limit           queue in bytes (child bfifo)
 *     TCA_TBF_RATE64  u64 bytes/s, only when it does not fit 32 bits
 *     TCA_TBF_BURST   u32 bucket size in bytes
 *
 * No peak rate (peakrate.rate = 0, no PTAB/PRATE64/PBURST). Reading back:
 * tbf_dump() reports PARMS (limit, rate capped at 32 bits) and RATE64 when
 * the rate is 2^32 bytes/s or more. It does not size the bucket: qdisc.c's
 * lab_shape_derive() does.
 */
#include <errno.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "qdisc_kind.h"

static int tbf_put_qdisc_opts(struct nl_msg *msg, const struct lab_shape_params *p,
			      struct diag *d)
{
	uint64_t rate_bytes_ps = p->rate_bps / 8;
	struct tc_tbf_qopt qopt;
	bool rate64 = rate_bytes_ps > UINT32_MAX;

	if (!rate_bytes_ps)
		return diag_set(d, -EINVAL, "qdisc 'tbf' needs a rate of at least 8 bit/s, got %llu",
				(unsigned long long)p->rate_bps);
	if (!p->burst_bytes || !p->queue_bytes)
		return diag_set(d, -EINVAL, "qdisc 'tbf' needs a burst and a limit (got %u and %u bytes)",
				p->burst_bytes, p->queue_bytes);

	memset(&qopt, 0, sizeof(qopt));
	qopt.rate.rate = rate64 ? ~0U : (uint32_t)rate_bytes_ps;
	qopt.rate.linklayer = TC_LINKLAYER_ETHERNET;
	qopt.buffer = lab_psched_ticks(lab_qdisc_xmit_ns(p->burst_bytes, rate_bytes_ps));
	qopt.limit = p->queue_bytes;

	if (nla_put(msg, TCA_TBF_PARMS, sizeof(qopt), &qopt) < 0 ||
	    (rate64 && nla_put_u64(msg, TCA_TBF_RATE64, rate_bytes_ps) < 0) ||
	    nla_put_u32(msg, TCA_TBF_BURST, p->burst_bytes) < 0)
		return diag_set(d, -EMSGSIZE, "cannot build request for qdisc 'tbf': message too long");
	return 0;
}

static void tbf_read_qdisc_opts(struct nlattr *opts, struct lab_show_qdisc *q)
{
	struct nlattr *tb[TCA_TBF_MAX + 1];
	struct tc_tbf_qopt qopt;

	if (nla_parse_nested(tb, TCA_TBF_MAX, opts, NULL) < 0)
		return;
	if (tb[TCA_TBF_PARMS] && nla_len(tb[TCA_TBF_PARMS]) >= (int)sizeof(qopt)) {
		memcpy(&qopt, nla_data(tb[TCA_TBF_PARMS]), sizeof(qopt));
		q->rate_bps = (uint64_t)qopt.rate.rate * 8;
		q->limit = qopt.limit;
	}
	if (tb[TCA_TBF_RATE64] && nla_len(tb[TCA_TBF_RATE64]) >= 8)
		q->rate_bps = nla_get_u64(tb[TCA_TBF_RATE64]) * 8;
}

static unsigned tbf_expect(const struct lab_shape_params *p, struct lab_show_qdisc *want)
{
	want->rate_bps = p->rate_bps / 8 * 8; /* the kernel keeps bytes/s */
	want->limit = p->queue_bytes;
	return LAB_QCMP_RATE | LAB_QCMP_LIMIT;
}

const struct lab_qdisc_ops lab_qdisc_tbf_ops = {
	.kind = "tbf",
	.put_qdisc_opts = tbf_put_qdisc_opts,
	.read_qdisc_opts = tbf_read_qdisc_opts,
	.expect = tbf_expect,
};
