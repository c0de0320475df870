/*
 * qdisc.c: shaping an interface's egress with qdiscs, and reading the
 * qdiscs back.
 *
 * It owns the table of qdisc kinds (one struct lab_qdisc_ops per kind, each
 * in its own qdisc_<kind>.c), the sizes derived from a struct lab_shaping
 * (bucket, queue, netem limit), the placement of the kinds on an egress,
 * the generic part of every request (struct tcmsg, TCA_KIND, the
 * TCA_OPTIONS nest), the dumps, and the comparison of what the kernel
 * reports with what was asked.
 *
 * It does not know the options of any kind (the kind files do), does not
 * shape ingress (qdisc_ingress.c redirects it to an ifb and calls
 * lab_shape_egress() there), does not journal anything (lab.c does), and
 * never prints.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "qdisc_kind.h"

/* Adding a kind: one qdisc_<kind>.c with its ops, one line here. */
static const struct lab_qdisc_ops *const lab_qdisc_kinds[] = {
	&lab_qdisc_tbf_ops,
	&lab_qdisc_htb_ops,
	&lab_qdisc_netem_ops,
	&lab_qdisc_ingress_ops,
};

#define SHAPE_DEFAULT_MTU 1500
/* The bucket holds 4 ms at the rate: one jiffy at HZ=250, the coarsest
 * timer a tbf/htb may have to wait for (tc-tbf(8): burst >= rate/HZ), so
 * the shaper never caps below its rate between two timer ticks. */
#define SHAPE_BURST_US 4000
#define SHAPE_BURST_MIN_FRAMES 2
/* Queue = rate x max(RTT, 20 ms) + bucket: one bandwidth-delay product of
 * buffer, and never less than 20 ms of it for short paths. */
#define SHAPE_QUEUE_MIN_RTT_US 20000
#define NETEM_MIN_LIMIT_PKTS 1000 /* netem's own default */
#define NETEM_SLACK_PKTS 100
/* netem without a rate still has to hold everything in flight during the
 * delay; size it for the rate an unshaped veth reaches here (13-16 Gbit/s
 * measured), rounded down: its default of 1000 packets would tail-drop
 * silently above ~240 Mbit/s with 50 ms of delay. */
#define NETEM_UNSHAPED_BPS 10000000000ULL

#define US_PER_S 1000000ULL
#define NS_PER_S 1000000000ULL

/* ---- helpers shared by the kinds -------------------------------------------- */

const struct lab_qdisc_ops *lab_qdisc_ops_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(lab_qdisc_kinds); i++)
		if (!strcmp(lab_qdisc_kinds[i]->kind, name))
			return lab_qdisc_kinds[i];
	return NULL;
}

static uint32_t cap_u32(unsigned __int128 v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

uint32_t lab_psched_ticks(uint64_t ns)
{
	return cap_u32(ns >> LAB_PSCHED_SHIFT);
}

uint64_t lab_qdisc_xmit_ns(uint64_t bytes, uint64_t rate_bytes_ps)
{
	unsigned __int128 ns;

	if (!rate_bytes_ps)
		return UINT64_MAX;
	ns = (unsigned __int128)bytes * NS_PER_S / rate_bytes_ps;
	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

uint32_t lab_qdisc_prob_u32(double pct)
{
	if (!(pct > 0))
		return 0;
	if (pct >= 100)
		return UINT32_MAX;
	return (uint32_t)(pct / 100 * (double)UINT32_MAX + 0.5);
}

double lab_qdisc_prob_pct(uint32_t prob)
{
	return (double)prob * 100 / (double)UINT32_MAX;
}

const char *lab_qdisc_handle_format(uint32_t handle, char *buf, size_t size)
{
	if (handle == TC_H_ROOT)
		snprintf(buf, size, "root");
	else if (handle == TC_H_INGRESS)
		snprintf(buf, size, "ingress");
	else if (handle == TC_H_UNSPEC)
		snprintf(buf, size, "none");
	else if (TC_H_MIN(handle))
		snprintf(buf, size, "%x:%x", TC_H_MAJ(handle) >> 16, TC_H_MIN(handle));
	else
		snprintf(buf, size, "%x:", TC_H_MAJ(handle) >> 16);
	return buf;
}

struct nl_msg *lab_tc_msg_new(int type, int flags, int ifindex, uint32_t handle,
			      uint32_t parent, uint32_t info)
{
	struct tcmsg t = {
		.tcm_family = AF_UNSPEC,
		.tcm_ifindex = ifindex,
		.tcm_handle = handle,
		.tcm_parent = parent,
		.tcm_info = info,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (msg && nlmsg_append(msg, &t, sizeof(t), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* ---- what to build ------------------------------------------------------------ */

bool lab_shaping_needs_netem(const struct lab_shaping *s)
{
	return s && (s->delay_us || s->jitter_us || s->loss_pct > 0 || s->reorder_pct > 0);
}

void lab_shape_derive(const struct lab_shaping *sh, uint32_t mtu, struct lab_shape_params *p)
{
	uint64_t rate_bytes_ps = sh->rate_bps / 8, rtt_us = 2 * sh->delay_us;
	uint64_t frame = (uint64_t)(mtu ? mtu : SHAPE_DEFAULT_MTU) + LAB_QDISC_L2_HDR_BYTES;
	uint64_t netem_bps = sh->rate_bps ? sh->rate_bps : NETEM_UNSHAPED_BPS;
	unsigned __int128 v;

	memset(p, 0, sizeof(*p));
	p->sh = *sh;
	p->rate_bps = sh->rate_bps;
	p->mtu = mtu ? mtu : SHAPE_DEFAULT_MTU;

	if (rate_bytes_ps) {
		v = (unsigned __int128)rate_bytes_ps * SHAPE_BURST_US / US_PER_S;
		if (v < SHAPE_BURST_MIN_FRAMES * frame)
			v = SHAPE_BURST_MIN_FRAMES * frame;
		p->burst_bytes = cap_u32(v);

		if (sh->queue_bytes) {
			p->queue_bytes = cap_u32(sh->queue_bytes);
		} else {
			if (rtt_us < SHAPE_QUEUE_MIN_RTT_US)
				rtt_us = SHAPE_QUEUE_MIN_RTT_US;
			v = (unsigned __int128)rate_bytes_ps * rtt_us / US_PER_S + p->burst_bytes;
			p->queue_bytes = cap_u32(v);
		}
	}

	if (sh->limit_pkts) {
		p->netem_limit = sh->limit_pkts;
	} else {
		/* Twice what is in flight during delay + jitter, in MTU-sized
		 * packets, plus slack; never below netem's default. */
		v = (unsigned __int128)2 * netem_bps * (sh->delay_us + sh->jitter_us) /
			    (8ULL * p->mtu * US_PER_S) +
		    NETEM_SLACK_PKTS;
		p->netem_limit = v < NETEM_MIN_LIMIT_PKTS ? NETEM_MIN_LIMIT_PKTS : cap_u32(v);
	}
}

unsigned lab_shape_plan(const struct lab_shape_params *p,
			struct lab_qdisc_step steps[LAB_QDISC_MAX_STEPS])
{
	bool netem = lab_shaping_needs_netem(&p->sh);
	unsigned n = 0;

	if (p->rate_bps) {
		const struct lab_qdisc_ops *ops =
			p->sh.rate_qdisc == LAB_RATE_HTB ? &lab_qdisc_htb_ops : &lab_qdisc_tbf_ops;

		steps[n++] = (struct lab_qdisc_step){ ops, false, LAB_QDISC_ROOT_HANDLE, TC_H_ROOT };
		if (ops->put_class_opts)
			steps[n++] = (struct lab_qdisc_step){ ops, true, LAB_QDISC_CLASS_HANDLE,
							      LAB_QDISC_ROOT_HANDLE };
		if (netem)
			steps[n++] = (struct lab_qdisc_step){ &lab_qdisc_netem_ops, false,
							      LAB_QDISC_NETEM_HANDLE,
							      LAB_QDISC_CLASS_HANDLE };
	} else if (netem) {
		steps[n++] = (struct lab_qdisc_step){ &lab_qdisc_netem_ops, false,
						      LAB_QDISC_ROOT_HANDLE, TC_H_ROOT };
	}
	return n;
}

/* ---- requests ------------------------------------------------------------------ */

/*
 * RTM_NEWQDISC / RTM_NEWTCLASS, NLM_F_CREATE | flags
 *   struct tcmsg        ifindex, handle, parent
 *   TCA_KIND            "tbf" | "htb" | "netem" | "ingress"
 *   TCA_OPTIONS         filled by the kind (absent when it has none)
 */
static int build(const char *kind, bool is_class, int ifindex, uint32_t handle,
		 uint32_t parent, const struct lab_shape_params *p, struct nl_msg **msg,
		 struct diag *d)
{
	const struct lab_qdisc_ops *ops = lab_qdisc_ops_find(kind);
	const char *what = is_class ? "class" : "qdisc";
	int (*put)(struct nl_msg *, const struct lab_shape_params *, struct diag *);
	struct nl_msg *m = NULL;
	struct nlattr *opts;
	int r;

	*msg = NULL;
	if (!ops)
		return diag_set(d, -EINVAL, "unknown %s kind '%s'", what, kind ? kind : "(null)");
	put = is_class ? ops->put_class_opts : ops->put_qdisc_opts;
	if (is_class && !put)
		return diag_set(d, -EINVAL, "qdisc '%s' has no class the lab can add", kind);
	if (put && !p)
		return diag_set(d, -EINVAL, "%s '%s' needs parameters", what, kind);

	/* Qdiscs: REPLACE, so a default leaf (htb's pfifo under 1:1, tbf's
	 * bfifo) is swapped for ours; the kernel wants that flag to graft
	 * over any qdisc that has a handle. Classes: the qdisc is new, so an
	 * existing class would be a bug. */
	m = lab_tc_msg_new(is_class ? RTM_NEWTCLASS : RTM_NEWQDISC,
			   NLM_F_CREATE | (is_class ? NLM_F_EXCL : NLM_F_REPLACE), ifindex, handle,
			   parent, 0);
	if (!m)
		return diag_set(d, -ENOMEM, "cannot build request for %s '%s': out of memory",
				what, kind);
	r = -EMSGSIZE;
	if (nla_put_string(m, TCA_KIND, ops->kind) < 0)
		goto out;
	if (put) {
		opts = nla_nest_start(m, TCA_OPTIONS);
		if (!opts)
			goto out;
		r = put(m, p, d);
		if (r < 0)
			goto out;
		r = -EMSGSIZE;
		if (nla_nest_end(m, opts) < 0)
			goto out;
	}
	*msg = TAKE_PTR(m);
	r = 0;
out:
	nlmsg_free(m);
	if (r < 0)
		return diag_set(d, r, "cannot build request for %s '%s': message too long", what,
				kind);
	return 0;
}

int lab_qdisc_build(const char *kind, int ifindex, uint32_t handle, uint32_t parent,
		    const struct lab_shape_params *p, struct nl_msg **msg, struct diag *d)
{
	return build(kind, false, ifindex, handle, parent, p, msg, d);
}

int lab_qdisc_build_class(const char *kind, int ifindex, uint32_t handle, uint32_t parent,
			  const struct lab_shape_params *p, struct nl_msg **msg,
			  struct diag *d)
{
	return build(kind, true, ifindex, handle, parent, p, msg, d);
}

/* ---- deleting ------------------------------------------------------------------ */

/* Delete the qdisc at parent (TC_H_ROOT or TC_H_INGRESS). "Nothing there"
 * is not an error: ENOENT (no qdisc, or the default one with handle 0),
 * EINVAL (no such parent), ENODEV (the device went away with its
 * qdiscs). */
static int qdisc_del(struct lab_nl *nl, int ifindex, uint32_t parent, struct diag *d)
{
	struct diag tmp = DIAG_INIT;
	struct nl_msg *msg;
	char where[16];
	int r;

	msg = lab_tc_msg_new(RTM_DELQDISC, 0, ifindex, 0, parent, 0);
	if (!msg)
		return diag_set(d, -ENOMEM, "cannot build request to delete a qdisc: out of memory");
	r = lab_nl_talk(nl->route, msg, &tmp, "cannot delete the %s qdisc of ifindex %d in netns '%s'",
			lab_qdisc_handle_format(parent, where, sizeof(where)), ifindex, nl->netns);
	if (r == -ENOENT || r == -EINVAL || r == -ENODEV)
		return 0;
	if (r < 0)
		return diag_set(d, r, "%s", tmp.msg);
	return 0;
}

int lab_qdisc_clear(struct lab_nl *nl, int ifindex, struct diag *d)
{
	int r = qdisc_del(nl, ifindex, TC_H_ROOT, d);
	int r2 = qdisc_del(nl, ifindex, TC_H_INGRESS, d);

	return r < 0 ? r : r2;
}

/* ---- dumps ---------------------------------------------------------------------- */

struct qdisc_dump {
	int ifindex;
	struct lab_show_qdisc *out;
	unsigned max, n;
	bool overflow;
};

static int on_qdisc(struct nl_msg *msg, void *arg)
{
	struct qdisc_dump *s = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[TCA_MAX + 1];
	const struct lab_qdisc_ops *ops;
	struct lab_show_qdisc *q;
	struct tcmsg *t;

	if (nlh->nlmsg_type != RTM_NEWQDISC || !nlmsg_valid_hdr(nlh, sizeof(*t)))
		return NL_SKIP;
	t = nlmsg_data(nlh);
	/* The kernel dumps the qdiscs of every device of the namespace. */
	if (t->tcm_ifindex != s->ifindex)
		return NL_SKIP;
	if (nlmsg_parse(nlh, sizeof(*t), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND])
		return NL_SKIP;
	if (s->n == s->max) {
		s->overflow = true;
		return NL_SKIP;
	}
	q = &s->out[s->n++];
	memset(q, 0, sizeof(*q));
	snprintf(q->kind, sizeof(q->kind), "%s", nla_get_string(tb[TCA_KIND]));
	q->handle = t->tcm_handle;
	q->parent = t->tcm_parent;
	ops = lab_qdisc_ops_find(q->kind);
	if (ops && ops->read_qdisc_opts && tb[TCA_OPTIONS])
		ops->read_qdisc_opts(tb[TCA_OPTIONS], q);
	return NL_OK;
}

/* Classes carry the rate of classful shapers (htb): the top-level class
 * of a qdisc gives that qdisc's rate. */
static int on_class(struct nl_msg *msg, void *arg)
{
	struct qdisc_dump *s = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[TCA_MAX + 1];
	const struct lab_qdisc_ops *ops;
	struct tcmsg *t;
	unsigned i;

	if (nlh->nlmsg_type != RTM_NEWTCLASS || !nlmsg_valid_hdr(nlh, sizeof(*t)))
		return NL_SKIP;
	t = nlmsg_data(nlh);
	if (t->tcm_ifindex != s->ifindex ||
	    nlmsg_parse(nlh, sizeof(*t), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND] ||
	    !tb[TCA_OPTIONS])
		return NL_SKIP;
	ops = lab_qdisc_ops_find(nla_get_string(tb[TCA_KIND]));
	if (!ops || !ops->read_class_opts)
		return NL_SKIP;
	for (i = 0; i < s->n; i++) {
		struct lab_show_qdisc *q = &s->out[i];

		if (q->handle == TC_H_MAJ(t->tcm_handle) && !strcmp(q->kind, ops->kind) &&
		    (t->tcm_parent == TC_H_ROOT || t->tcm_parent == q->handle) && !q->rate_bps)
			ops->read_class_opts(tb[TCA_OPTIONS], q);
	}
	return NL_OK;
}

int lab_qdisc_dump(struct lab_nl *nl, int ifindex, struct lab_show_qdisc *out, unsigned max,
		   unsigned *n, struct diag *d)
{
	struct qdisc_dump s = { .ifindex = ifindex, .out = out, .max = max };
	bool classes = false;
	struct nl_msg *msg;
	unsigned i;
	int r;

	*n = 0;
	msg = lab_tc_msg_new(RTM_GETQDISC, 0, ifindex, 0, 0, 0);
	if (!msg)
		return diag_set(d, -ENOMEM, "cannot build qdisc dump request: out of memory");
	r = lab_nl_dump(nl->route, msg, on_qdisc, &s, d,
			"cannot dump the qdiscs of ifindex %d in netns '%s'", ifindex, nl->netns);
	*n = s.n;
	if (r < 0)
		return r;

	for (i = 0; i < s.n; i++) {
		const struct lab_qdisc_ops *ops = lab_qdisc_ops_find(out[i].kind);

		classes |= ops && ops->read_class_opts;
	}
	if (classes) {
		msg = lab_tc_msg_new(RTM_GETTCLASS, 0, ifindex, 0, 0, 0);
		if (!msg)
			return diag_set(d, -ENOMEM, "cannot build class dump request: out of memory");
		r = lab_nl_dump(nl->route, msg, on_class, &s, d,
				"cannot dump the classes of ifindex %d in netns '%s'", ifindex,
				nl->netns);
		if (r < 0)
			return r;
	}
	/* What fitted is in out; the caller still learns it is not all. */
	if (s.overflow)
		return diag_set(d, -ENOSPC, "ifindex %d in netns '%s' has more than %u qdiscs",
				ifindex, nl->netns, max);
	return 0;
}

/* ---- egress shaping ----------------------------------------------------------- */

static int step_send(struct lab_nl *nl, int ifindex, const char *ifname,
		     const struct lab_qdisc_step *st, const struct lab_shape_params *p,
		     struct diag *d)
{
	struct diag tmp = DIAG_INIT;
	struct nl_msg *msg;
	char h[16];
	int r;

	r = build(st->ops->kind, st->is_class, ifindex, st->handle, st->parent, p, &msg, d);
	if (r < 0)
		return r;
	if (st->is_class)
		r = lab_nl_talk(nl->route, msg, &tmp, "cannot add class '%s' %s on '%s' in netns '%s'",
				st->ops->kind, lab_qdisc_handle_format(st->handle, h, sizeof(h)),
				ifname, nl->netns);
	else
		r = lab_nl_talk(nl->route, msg, &tmp, "cannot add qdisc '%s' on '%s' in netns '%s'",
				st->ops->kind, ifname, nl->netns);
	if (r == 0)
		return 0;
	/* An unknown kind is ENOENT ("Specified qdisc kind is unknown");
	 * our own parent was just created, so for netem it means the kernel
	 * was built without it. */
	if (st->ops == &lab_qdisc_netem_ops && (r == -ENOENT || r == -EOPNOTSUPP))
		return diag_set(d, -EOPNOTSUPP,
				"cannot add qdisc 'netem' on '%s' in netns '%s': qdisc 'netem' is not "
				"available in this kernel (CONFIG_NET_SCH_NETEM)",
				ifname, nl->netns);
	return diag_set(d, r, "%s", tmp.msg);
}

static int step_verify(struct lab_nl *nl, const char *ifname, const struct lab_qdisc_step *st,
		       const struct lab_shape_params *p, const struct lab_show_qdisc *got,
		       unsigned n, struct diag *d)
{
	struct lab_show_qdisc want;
	const struct lab_show_qdisc *q = NULL;
	char h[16], par[16];
	unsigned i, fields;

	lab_qdisc_handle_format(st->handle, h, sizeof(h));
	lab_qdisc_handle_format(st->parent, par, sizeof(par));
	for (i = 0; i < n && !q; i++)
		if (got[i].handle == st->handle && got[i].parent == st->parent)
			q = &got[i];
	if (!q)
		return diag_set(d, -EPROTO,
				"qdisc '%s' %s (parent %s) is missing on '%s' in netns '%s' after adding it",
				st->ops->kind, h, par, ifname, nl->netns);
	if (strcmp(q->kind, st->ops->kind))
		return diag_set(d, -EPROTO,
				"qdisc %s on '%s' in netns '%s' reads back as '%s', asked for '%s'", h,
				ifname, nl->netns, q->kind, st->ops->kind);

	memset(&want, 0, sizeof(want));
	fields = st->ops->expect(p, &want);
	if ((fields & LAB_QCMP_RATE) && q->rate_bps != want.rate_bps)
		return diag_set(d, -EPROTO,
				"qdisc '%s' %s on '%s' in netns '%s' reads back rate %llu bit/s, asked for %llu bit/s",
				q->kind, h, ifname, nl->netns, (unsigned long long)q->rate_bps,
				(unsigned long long)want.rate_bps);
	if ((fields & LAB_QCMP_LIMIT) && q->limit != want.limit)
		return diag_set(d, -EPROTO,
				"qdisc '%s' %s on '%s' in netns '%s' reads back limit %u, asked for %u",
				q->kind, h, ifname, nl->netns, q->limit, want.limit);
	if ((fields & LAB_QCMP_DELAY) && q->delay_us != want.delay_us)
		return diag_set(d, -EPROTO,
				"qdisc '%s' %s on '%s' in netns '%s' reads back delay %llu us, asked for %llu us",
				q->kind, h, ifname, nl->netns, (unsigned long long)q->delay_us,
				(unsigned long long)want.delay_us);
	if ((fields & LAB_QCMP_LOSS) &&
	    (q->loss_pct - want.loss_pct > 1e-6 || want.loss_pct - q->loss_pct > 1e-6))
		return diag_set(d, -EPROTO,
				"qdisc '%s' %s on '%s' in netns '%s' reads back loss %.6f%%, asked for %.6f%%",
				q->kind, h, ifname, nl->netns, q->loss_pct, want.loss_pct);
	return 0;
}

int lab_shape_egress(struct lab_nl *nl, int ifindex, const char *ifname,
		     const struct lab_shaping *sh, uint32_t mtu, struct diag *d)
{
	struct lab_qdisc_step steps[LAB_QDISC_MAX_STEPS];
	struct lab_show_qdisc got[8];
	struct lab_shape_params p;
	struct diag tmp = DIAG_INIT;
	unsigned i, n, n_got;
	int r;

	lab_shape_derive(sh, mtu, &p);
	n = lab_shape_plan(&p, steps);
	if (!n)
		return 0;

	/* Start from the default root: a root left by an earlier shaping
	 * cannot be replaced by another kind or changed in place (htb has
	 * no change operation). */
	r = qdisc_del(nl, ifindex, TC_H_ROOT, d);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++) {
		r = step_send(nl, ifindex, ifname, &steps[i], &p, d);
		if (r < 0)
			goto out;
	}

	r = lab_qdisc_dump(nl, ifindex, got, ARRAY_SIZE(got), &n_got, d);
	if (r < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (steps[i].is_class)
			continue; /* read into its qdisc by the dump */
		r = step_verify(nl, ifname, &steps[i], &p, got, n_got, d);
		if (r < 0)
			goto out;
	}
out:
	/* Leave the interface as it was found rather than half shaped. */
	if (r < 0)
		qdisc_del(nl, ifindex, TC_H_ROOT, &tmp);
	return r;
}
