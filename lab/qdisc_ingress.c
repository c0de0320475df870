/*
 * qdisc_ingress.c: shaping what an interface receives, through an ifb.
 *
 * The kernel cannot delay or rate-limit on ingress, so the lab does what
 * tc-netem(8) recommends: every packet arriving on the interface is
 * redirected to the egress of an ifb device, and the shaping sits on the
 * ifb's egress like on any other interface:
 *
 *     veth (rx) --ingress ffff:--u32 match-all--mirred redirect--> ifb (tx)
 *                                                                  |
 *                             tbf/htb 1: [+ netem 10:] ------------'
 *                                                                  |
 *     stack <----------------- ifb hands the packet back ----------'
 *
 * Here: the "ingress" kind (no options), the filter request, its read-back
 * and lab_shape_ingress(). The filter request, as cls_u32.c u32_change()
 * and act_mirred.c tcf_mirred_init() read it:
 *
 *   RTM_NEWTFILTER parent ffff: info = prio 1 << 16 | htons(ETH_P_ALL)
 *     TCA_KIND            "u32"
 *     TCA_OPTIONS
 *       TCA_U32_SEL       struct tc_u32_sel + 1 struct tc_u32_key
 *                           flags TC_U32_TERMINAL (without it a match
 *                           would go on to the next hash table and never
 *                           run the action), key mask 0 val 0 off 0: all
 *       TCA_U32_ACT
 *         1               (action order)
 *           TCA_ACT_KIND      "mirred"
 *           TCA_ACT_OPTIONS
 *             TCA_MIRRED_PARMS  struct tc_mirred: eaction TCA_EGRESS_REDIR,
 *                               action TC_ACT_STOLEN, ifindex = the ifb
 *
 * The ifb itself is created by link.c; undoing is the caller's journal
 * (deleting the namespace deletes the ifb, the qdiscs and the filter).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "qdisc_kind.h"

static unsigned ingress_expect(const struct lab_shape_params *p, struct lab_show_qdisc *want)
{
	return 0;
}

const struct lab_qdisc_ops lab_qdisc_ingress_ops = {
	.kind = "ingress",
	.expect = ingress_expect,
};

int lab_qdisc_build_redirect(int ifindex, int ifb_ifindex, struct nl_msg **msg,
			     struct diag *d)
{
	unsigned char sel_buf[sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key)];
	struct tc_u32_sel sel;
	struct tc_u32_key key;
	struct nlattr *opts, *acts, *act, *act_opts;
	struct tc_mirred mirred;
	struct nl_msg *m;
	int r = -EMSGSIZE;

	*msg = NULL;
	m = lab_tc_msg_new(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex,
			   0, LAB_QDISC_INGRESS_HANDLE,
			   TC_H_MAKE((uint32_t)LAB_QDISC_REDIRECT_PRIO << 16, htons(ETH_P_ALL)));
	if (!m)
		return diag_set(d, -ENOMEM, "cannot build request for filter 'u32': out of memory");

	/* The selector is followed by its keys in one attribute (struct
	 * tc_u32_sel ends in the flexible array keys[]). One key, mask 0
	 * val 0 at offset 0, matches every packet. */
	memset(&sel, 0, sizeof(sel));
	sel.flags = TC_U32_TERMINAL;
	sel.nkeys = 1;
	memset(&key, 0, sizeof(key));
	memcpy(sel_buf, &sel, sizeof(sel));
	memcpy(sel_buf + sizeof(sel), &key, sizeof(key));
	memset(&mirred, 0, sizeof(mirred));
	mirred.eaction = TCA_EGRESS_REDIR;
	mirred.action = TC_ACT_STOLEN;
	mirred.ifindex = (uint32_t)ifb_ifindex;

	if (nla_put_string(m, TCA_KIND, "u32") < 0)
		goto out;
	opts = nla_nest_start(m, TCA_OPTIONS);
	if (!opts || nla_put(m, TCA_U32_SEL, sizeof(sel_buf), sel_buf) < 0)
		goto out;
	acts = nla_nest_start(m, TCA_U32_ACT);
	if (!acts)
		goto out;
	act = nla_nest_start(m, 1);
	if (!act || nla_put_string(m, TCA_ACT_KIND, "mirred") < 0)
		goto out;
	act_opts = nla_nest_start(m, TCA_ACT_OPTIONS);
	if (!act_opts || nla_put(m, TCA_MIRRED_PARMS, sizeof(mirred), &mirred) < 0)
		goto out;
	if (nla_nest_end(m, act_opts) < 0 || nla_nest_end(m, act) < 0 ||
	    nla_nest_end(m, acts) < 0 || nla_nest_end(m, opts) < 0)
		goto out;
	*msg = TAKE_PTR(m);
	r = 0;
out:
	nlmsg_free(m);
	if (r < 0)
		return diag_set(d, r, "cannot build request for filter 'u32': message too long");
	return 0;
}

/* ---- read back ------------------------------------------------------------ */

struct redirect_seen {
	int ifindex, ifb_ifindex;
	bool found;
};

static bool action_redirects_to(struct nlattr *act, int ifb_ifindex)
{
	struct nlattr *tb[TCA_ACT_MAX + 1], *mtb[TCA_MIRRED_MAX + 1];
	struct tc_mirred mirred;

	if (nla_parse_nested(tb, TCA_ACT_MAX, act, NULL) < 0 || !tb[TCA_ACT_KIND] ||
	    strcmp(nla_get_string(tb[TCA_ACT_KIND]), "mirred") || !tb[TCA_ACT_OPTIONS])
		return false;
	if (nla_parse_nested(mtb, TCA_MIRRED_MAX, tb[TCA_ACT_OPTIONS], NULL) < 0 ||
	    !mtb[TCA_MIRRED_PARMS] || nla_len(mtb[TCA_MIRRED_PARMS]) < (int)sizeof(mirred))
		return false;
	memcpy(&mirred, nla_data(mtb[TCA_MIRRED_PARMS]), sizeof(mirred));
	return mirred.eaction == TCA_EGRESS_REDIR && mirred.action == TC_ACT_STOLEN &&
	       mirred.ifindex == (uint32_t)ifb_ifindex;
}

static int on_filter(struct nl_msg *msg, void *arg)
{
	struct redirect_seen *s = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[TCA_MAX + 1], *utb[TCA_U32_MAX + 1], *act;
	struct tcmsg *t;
	int rem;

	if (nlh->nlmsg_type != RTM_NEWTFILTER || !nlmsg_valid_hdr(nlh, sizeof(*t)))
		return NL_SKIP;
	t = nlmsg_data(nlh);
	if (t->tcm_ifindex != s->ifindex)
		return NL_SKIP;
	if (nlmsg_parse(nlh, sizeof(*t), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND] ||
	    strcmp(nla_get_string(tb[TCA_KIND]), "u32") || !tb[TCA_OPTIONS])
		return NL_SKIP;
	if (nla_parse_nested(utb, TCA_U32_MAX, tb[TCA_OPTIONS], NULL) < 0 || !utb[TCA_U32_ACT])
		return NL_SKIP;
	nla_for_each_nested(act, utb[TCA_U32_ACT], rem) {
		if (action_redirects_to(act, s->ifb_ifindex))
			s->found = true;
	}
	return NL_OK;
}

static int redirect_check(struct lab_nl *nl, int ifindex, const char *ifname, int ifb_ifindex,
			  const char *ifb_name, struct diag *d)
{
	struct redirect_seen s = { .ifindex = ifindex, .ifb_ifindex = ifb_ifindex };
	struct nl_msg *msg;
	int r;

	msg = lab_tc_msg_new(RTM_GETTFILTER, 0, ifindex, 0, LAB_QDISC_INGRESS_HANDLE, 0);
	if (!msg)
		return diag_set(d, -ENOMEM, "cannot build filter dump request: out of memory");
	r = lab_nl_dump(nl->route, msg, on_filter, &s, d,
			"cannot dump ingress filters of '%s' in netns '%s'", ifname, nl->netns);
	if (r < 0)
		return r;
	if (!s.found)
		return diag_set(d, -EPROTO,
				"ingress of '%s' in netns '%s' reads back without the redirect to '%s'",
				ifname, nl->netns, ifb_name);
	return 0;
}

/* ---- the whole ingress path ------------------------------------------------ */

static int ingress_qdisc_add(struct lab_nl *nl, int ifindex, const char *ifname,
			     struct diag *d)
{
	struct diag tmp = DIAG_INIT;
	struct nl_msg *msg;
	int r;

	/* Start from an empty ingress: an old one would keep old filters. */
	msg = lab_tc_msg_new(RTM_DELQDISC, 0, ifindex, 0, TC_H_INGRESS, 0);
	if (!msg)
		return diag_set(d, -ENOMEM, "cannot build request: out of memory");
	r = lab_nl_talk(nl->route, msg, &tmp, "cannot delete qdisc 'ingress' on '%s' in netns '%s'",
			ifname, nl->netns);
	if (r < 0 && r != -ENOENT && r != -EINVAL)
		return diag_set(d, r, "%s", tmp.msg);

	r = lab_qdisc_build("ingress", ifindex, LAB_QDISC_INGRESS_HANDLE, TC_H_INGRESS, NULL,
			    &msg, d);
	if (r < 0)
		return r;
	return lab_nl_talk(nl->route, msg, d, "cannot add qdisc 'ingress' on '%s' in netns '%s'",
			   ifname, nl->netns);
}

int lab_shape_ingress(struct lab_nl *nl, int ifindex, const char *ifname,
		      const char *ifb_name, const struct lab_shaping *sh, uint32_t mtu,
		      struct diag *d)
{
	struct nl_msg *msg;
	int ifb_ifindex, r;

	r = lab_link_add_ifb(nl, ifb_name, &ifb_ifindex, d);
	if (r < 0)
		return r;
	r = lab_link_set_up(nl, ifb_ifindex, ifb_name, d);
	if (r < 0)
		return r;
	/* Shape the ifb first, so no packet is redirected to an unshaped
	 * device while the lab is being built. */
	r = lab_shape_egress(nl, ifb_ifindex, ifb_name, sh, mtu, d);
	if (r < 0)
		return r;
	r = ingress_qdisc_add(nl, ifindex, ifname, d);
	if (r < 0)
		return r;
	r = lab_qdisc_build_redirect(ifindex, ifb_ifindex, &msg, d);
	if (r < 0)
		return r;
	r = lab_nl_talk(nl->route, msg, d,
			"cannot add filter 'u32' redirecting '%s' to '%s' in netns '%s'", ifname,
			ifb_name, nl->netns);
	if (r < 0)
		return r;
	return redirect_check(nl, ifindex, ifname, ifb_ifindex, ifb_name, d);
}
