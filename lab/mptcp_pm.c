/*
 * mptcp_pm.c: the in-kernel MPTCP path manager of one namespace, through
 * the "mptcp_pm" generic-netlink family (MPTCP_PM_VER 1): flush the
 * endpoints, set and read the limits, add an endpoint, dump the endpoints.
 *
 * Every request goes through lab_nl_talk()/lab_nl_get()/lab_nl_dump(), so a
 * refused endpoint reads "cannot add endpoint '10.0.2.1' ...: Invalid
 * argument (kernel: flags mustn't have both signal and fullmesh)". The dump
 * reports what the kernel holds, including flags this file has no name for
 * (the caller compares it with what it asked for).
 *
 * It does not decide which endpoints a lab needs (lab.c does), and it does
 * not speak the userspace path-manager commands (ANNOUNCE, SUBFLOW_CREATE).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/mptcp.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>

#include "lab_int.h"

/* Newer than the uapi headers of some build hosts (Debian 12 has 6.1). */
#ifndef MPTCP_PM_ADDR_FLAG_IMPLICIT
#define MPTCP_PM_ADDR_FLAG_IMPLICIT (1 << 4)
#endif
#define LAB_PM_FLAG_LAMINAR (1 << 5) /* v6.18 */

_Static_assert(LAB_PM_FLAG_SIGNAL == MPTCP_PM_ADDR_FLAG_SIGNAL &&
		       LAB_PM_FLAG_SUBFLOW == MPTCP_PM_ADDR_FLAG_SUBFLOW &&
		       LAB_PM_FLAG_BACKUP == MPTCP_PM_ADDR_FLAG_BACKUP &&
		       LAB_PM_FLAG_FULLMESH == MPTCP_PM_ADDR_FLAG_FULLMESH,
	       "lab.h endpoint flags must be the kernel's bits");

/* Names of the flag bits, in bit order. The first four can be asked for;
 * the kernel sets "implicit" itself, and "laminar" is reported but not yet
 * part of the spec. */
static const struct {
	uint32_t bit;
	const char *name;
	bool settable;
} pm_flag_names[] = {
	{ LAB_PM_FLAG_SIGNAL, "signal", true },
	{ LAB_PM_FLAG_SUBFLOW, "subflow", true },
	{ LAB_PM_FLAG_BACKUP, "backup", true },
	{ LAB_PM_FLAG_FULLMESH, "fullmesh", true },
	{ MPTCP_PM_ADDR_FLAG_IMPLICIT, "implicit", false },
	{ LAB_PM_FLAG_LAMINAR, "laminar", false },
};

const char *lab_pm_flags_format(uint32_t flags, char *buf, size_t size)
{
	size_t len = 0;

	if (!size)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(pm_flag_names); i++) {
		if (!(flags & pm_flag_names[i].bit))
			continue;
		flags &= ~pm_flag_names[i].bit;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
					len ? "," : "", pm_flag_names[i].name);
	}
	/* Bits from a newer kernel stay visible instead of vanishing, as
	 * iproute2's "rawflags" does. */
	if (flags)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s0x%x",
					len ? "," : "", flags);
	return buf;
}

/* One name ("backup") or a comma-separated list ("signal,backup"); *flag
 * receives the bits. Only flags a user may set are accepted. */
int lab_pm_flags_parse(const char *word, uint32_t *flag)
{
	uint32_t bits = 0;
	const char *p = word;

	if (!word || !word[0])
		return -EINVAL;
	for (;;) {
		size_t n = strcspn(p, ",");
		bool known = false;

		for (size_t i = 0; i < ARRAY_SIZE(pm_flag_names); i++) {
			if (!pm_flag_names[i].settable || strlen(pm_flag_names[i].name) != n ||
			    strncmp(p, pm_flag_names[i].name, n))
				continue;
			bits |= pm_flag_names[i].bit;
			known = true;
		}
		if (!known)
			return -EINVAL;
		if (!p[n])
			break;
		p += n + 1;
	}
	*flag = bits;
	return 0;
}

/* Length checks for the answers read here; anything shorter is a
 * malformed answer rather than a read past the attribute. */
static struct nla_policy pm_addr_policy[MPTCP_PM_ADDR_ATTR_MAX + 1] = {
	[MPTCP_PM_ADDR_ATTR_FAMILY] = { .type = NLA_U16 },
	[MPTCP_PM_ADDR_ATTR_ID] = { .type = NLA_U8 },
	[MPTCP_PM_ADDR_ATTR_ADDR4] = { .minlen = 4 },
	[MPTCP_PM_ADDR_ATTR_ADDR6] = { .minlen = 16 },
	[MPTCP_PM_ADDR_ATTR_PORT] = { .type = NLA_U16 },
	[MPTCP_PM_ADDR_ATTR_FLAGS] = { .type = NLA_U32 },
	[MPTCP_PM_ADDR_ATTR_IF_IDX] = { .type = NLA_U32 },
};

static struct nla_policy pm_limits_policy[MPTCP_PM_ATTR_MAX + 1] = {
	[MPTCP_PM_ATTR_RCV_ADD_ADDRS] = { .type = NLA_U32 },
	[MPTCP_PM_ATTR_SUBFLOWS] = { .type = NLA_U32 },
};

/* A genl request of the mptcp_pm family, header only. */
static int pm_msg(struct lab_nl *nl, uint8_t cmd, int nlflags, struct nl_msg **out,
		  struct diag *d)
{
	struct nl_msg *msg;
	int r;

	*out = NULL;
	r = lab_nl_genl(nl, d);
	if (r < 0)
		return r;
	msg = nlmsg_alloc();
	if (!msg)
		return diag_set(d, -ENOMEM, "out of memory");
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->pm_family, 0, nlflags, cmd,
			 MPTCP_PM_VER)) {
		nlmsg_free(msg);
		return diag_set(d, -EMSGSIZE, "cannot build an mptcp_pm request");
	}
	*out = msg;
	return 0;
}

/*
 * MPTCP_PM_CMD_FLUSH_ADDRS
 *   (no attributes)
 *
 * Removes every endpoint of the namespace; the limits stay.
 */
int lab_pm_flush(struct lab_nl *nl, struct diag *d)
{
	struct nl_msg *msg;
	int r = pm_msg(nl, MPTCP_PM_CMD_FLUSH_ADDRS, 0, &msg, d);

	if (r < 0)
		return r;
	return lab_nl_talk(nl->genl, msg, d, "cannot flush MPTCP endpoints in netns '%s'",
			   nl->netns);
}

/*
 * MPTCP_PM_CMD_SET_LIMITS
 *   ├─ MPTCP_PM_ATTR_RCV_ADD_ADDRS  u32  ADD_ADDRs accepted per connection
 *   └─ MPTCP_PM_ATTR_SUBFLOWS       u32  extra subflows per connection
 */
int lab_pm_set_limits(struct lab_nl *nl, uint32_t subflows, uint32_t add_addr_accepted,
		      struct diag *d)
{
	struct nl_msg *msg;
	int r = pm_msg(nl, MPTCP_PM_CMD_SET_LIMITS, 0, &msg, d);

	if (r < 0)
		return r;
	if (nla_put_u32(msg, MPTCP_PM_ATTR_RCV_ADD_ADDRS, add_addr_accepted) < 0 ||
	    nla_put_u32(msg, MPTCP_PM_ATTR_SUBFLOWS, subflows) < 0) {
		nlmsg_free(msg);
		return diag_set(d, -EMSGSIZE, "cannot build the MPTCP limits request");
	}
	return lab_nl_talk(nl->genl, msg, d,
			   "cannot set MPTCP limits (subflows %u, add_addr_accepted %u) in netns '%s'",
			   subflows, add_addr_accepted, nl->netns);
}

struct pm_limits_reply {
	bool seen;
	uint32_t subflows, add_addr_accepted;
};

static int pm_limits_cb(struct nl_msg *msg, void *arg)
{
	struct pm_limits_reply *rep = arg;
	struct nlattr *tb[MPTCP_PM_ATTR_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, MPTCP_PM_ATTR_MAX, pm_limits_policy) < 0)
		return NL_SKIP;
	if (!tb[MPTCP_PM_ATTR_SUBFLOWS] || !tb[MPTCP_PM_ATTR_RCV_ADD_ADDRS])
		return NL_SKIP;
	rep->subflows = nla_get_u32(tb[MPTCP_PM_ATTR_SUBFLOWS]);
	rep->add_addr_accepted = nla_get_u32(tb[MPTCP_PM_ATTR_RCV_ADD_ADDRS]);
	rep->seen = true;
	return NL_OK;
}

/*
 * MPTCP_PM_CMD_GET_LIMITS
 *   (no attributes)
 * answer:
 *   ├─ MPTCP_PM_ATTR_RCV_ADD_ADDRS  u32
 *   └─ MPTCP_PM_ATTR_SUBFLOWS       u32
 */
int lab_pm_get_limits(struct lab_nl *nl, uint32_t *subflows, uint32_t *add_addr_accepted,
		      struct diag *d)
{
	struct pm_limits_reply rep = { 0 };
	struct nl_msg *msg;
	int r = pm_msg(nl, MPTCP_PM_CMD_GET_LIMITS, 0, &msg, d);

	if (r < 0)
		return r;
	r = lab_nl_get(nl->genl, msg, pm_limits_cb, &rep, d,
		       "cannot read MPTCP limits in netns '%s'", nl->netns);
	if (r < 0)
		return r;
	if (!rep.seen)
		return diag_set(d, -EPROTO, "cannot read MPTCP limits in netns '%s': no answer",
				nl->netns);
	*subflows = rep.subflows;
	*add_addr_accepted = rep.add_addr_accepted;
	return 0;
}

/*
 * MPTCP_PM_CMD_ADD_ADDR
 *   └─ MPTCP_PM_ATTR_ADDR (nested)
 *        ├─ MPTCP_PM_ADDR_ATTR_FAMILY  u16     AF_INET / AF_INET6
 *        ├─ MPTCP_PM_ADDR_ATTR_ADDR4   be32    or
 *        ├─ MPTCP_PM_ADDR_ATTR_ADDR6   16 B
 *        ├─ MPTCP_PM_ADDR_ATTR_ID      u8      only when chosen (1..255)
 *        ├─ MPTCP_PM_ADDR_ATTR_FLAGS   u32     MPTCP_PM_ADDR_FLAG_*
 *        ├─ MPTCP_PM_ADDR_ATTR_PORT    u16     host order; only with signal
 *        └─ MPTCP_PM_ADDR_ATTR_IF_IDX  s32     the device, when known
 *
 * The kernel checks the combination (signal + fullmesh, port without
 * signal, duplicate id or address) and says why in the extended ACK.
 */
int lab_pm_add_endpoint(struct lab_nl *nl, const struct lab_endpoint_spec *e, int ifindex,
			struct diag *d)
{
	char addr[INET6_ADDRSTRLEN + 8], flags[64];
	struct nlattr *nest;
	struct nl_msg *msg;
	int r;

	lab_addr_format(&e->addr, false, addr, sizeof(addr));
	if (e->addr.family != AF_INET && e->addr.family != AF_INET6)
		return diag_set(d, -EINVAL, "cannot add endpoint '%s' in netns '%s': no address",
				addr, nl->netns);
	r = pm_msg(nl, MPTCP_PM_CMD_ADD_ADDR, 0, &msg, d);
	if (r < 0)
		return r;

	nest = nla_nest_start(msg, MPTCP_PM_ATTR_ADDR | NLA_F_NESTED);
	if (!nest)
		goto too_big;
	if (nla_put_u16(msg, MPTCP_PM_ADDR_ATTR_FAMILY, (uint16_t)e->addr.family) < 0)
		goto too_big;
	if (e->addr.family == AF_INET)
		r = nla_put(msg, MPTCP_PM_ADDR_ATTR_ADDR4, 4, e->addr.bytes);
	else
		r = nla_put(msg, MPTCP_PM_ADDR_ATTR_ADDR6, 16, e->addr.bytes);
	if (r < 0)
		goto too_big;
	if (e->id && nla_put_u8(msg, MPTCP_PM_ADDR_ATTR_ID, e->id) < 0)
		goto too_big;
	if (e->flags && nla_put_u32(msg, MPTCP_PM_ADDR_ATTR_FLAGS, e->flags) < 0)
		goto too_big;
	if (e->port && nla_put_u16(msg, MPTCP_PM_ADDR_ATTR_PORT, e->port) < 0)
		goto too_big;
	if (ifindex > 0 && nla_put_s32(msg, MPTCP_PM_ADDR_ATTR_IF_IDX, ifindex) < 0)
		goto too_big;
	nla_nest_end(msg, nest);

	lab_pm_flags_format(e->flags, flags, sizeof(flags));
	return lab_nl_talk(nl->genl, msg, d,
			   "cannot add endpoint '%s' (id %u, flags '%s', dev '%s') in netns '%s'",
			   addr, e->id, flags, e->dev[0] ? e->dev : "-", nl->netns);
too_big:
	nlmsg_free(msg);
	return diag_set(d, -EMSGSIZE, "cannot build the request for endpoint '%s'", addr);
}

struct pm_dump {
	struct lab_show_endpoint *out;
	int *ifindex; /* parallel to out */
	unsigned max, n, total;
	struct diag *d;
	const char *netns;
};

static int pm_parse_addr(struct nlattr *nest, struct lab_show_endpoint *ep, int *ifindex)
{
	struct nlattr *ta[MPTCP_PM_ADDR_ATTR_MAX + 1];

	if (nla_parse_nested(ta, MPTCP_PM_ADDR_ATTR_MAX, nest, pm_addr_policy) < 0)
		return -EPROTO;
	memset(ep, 0, sizeof(*ep));
	*ifindex = 0;
	if (ta[MPTCP_PM_ADDR_ATTR_ID])
		ep->id = nla_get_u8(ta[MPTCP_PM_ADDR_ATTR_ID]);
	if (ta[MPTCP_PM_ADDR_ATTR_FLAGS])
		ep->flags = nla_get_u32(ta[MPTCP_PM_ADDR_ATTR_FLAGS]);
	if (ta[MPTCP_PM_ADDR_ATTR_IF_IDX])
		*ifindex = (int)nla_get_u32(ta[MPTCP_PM_ADDR_ATTR_IF_IDX]);
	if (ta[MPTCP_PM_ADDR_ATTR_ADDR4]) {
		ep->addr.family = AF_INET;
		ep->addr.prefixlen = 32;
		memcpy(ep->addr.bytes, nla_data(ta[MPTCP_PM_ADDR_ATTR_ADDR4]), 4);
	} else if (ta[MPTCP_PM_ADDR_ATTR_ADDR6]) {
		ep->addr.family = AF_INET6;
		ep->addr.prefixlen = 128;
		memcpy(ep->addr.bytes, nla_data(ta[MPTCP_PM_ADDR_ATTR_ADDR6]), 16);
	}
	return 0;
}

static int pm_dump_cb(struct nl_msg *msg, void *arg)
{
	struct pm_dump *dump = arg;
	struct nlattr *tb[MPTCP_PM_ATTR_MAX + 1];
	struct lab_show_endpoint ep;
	int ifindex;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, MPTCP_PM_ATTR_MAX, NULL) < 0 ||
	    !tb[MPTCP_PM_ATTR_ADDR] || pm_parse_addr(tb[MPTCP_PM_ATTR_ADDR], &ep, &ifindex) < 0)
		return diag_set(dump->d, -EPROTO,
				"cannot read MPTCP endpoints in netns '%s': malformed answer",
				dump->netns);
	dump->total++;
	if (dump->n < dump->max) {
		dump->out[dump->n] = ep;
		dump->ifindex[dump->n] = ifindex;
		dump->n++;
	}
	return NL_OK;
}

/* The dump names the device by ifindex; lab_show_endpoint wants its name,
 * which only this namespace's route socket can give. A device that is gone
 * (the endpoint outlives it) shows as "if<N>", which matches no name. */
static int pm_ifname(struct lab_nl *nl, int ifindex, char *name, struct diag *d)
{
	struct rtnl_link *link = NULL;
	int r = rtnl_link_get_kernel(nl->route, ifindex, NULL, &link);

	if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) {
		snprintf(name, LAB_IFNAMSIZ, "if%d", ifindex);
		return 0;
	}
	if (r < 0)
		return diag_set(d, lab_nl_errno(r),
				"cannot find link %d of an MPTCP endpoint in netns '%s': %s", ifindex,
				nl->netns, nl_geterror(r));
	snprintf(name, LAB_IFNAMSIZ, "%s", rtnl_link_get_name(link) ? rtnl_link_get_name(link) : "");
	rtnl_link_put(link);
	return 0;
}

/*
 * MPTCP_PM_CMD_GET_ADDR, NLM_F_DUMP
 *   (no attributes)
 * one answer per endpoint:
 *   └─ MPTCP_PM_ATTR_ADDR (nested)
 *        ├─ MPTCP_PM_ADDR_ATTR_FAMILY  u16
 *        ├─ MPTCP_PM_ADDR_ATTR_ID      u8
 *        ├─ MPTCP_PM_ADDR_ATTR_ADDR4 / ADDR6
 *        ├─ MPTCP_PM_ADDR_ATTR_FLAGS   u32
 *        ├─ MPTCP_PM_ADDR_ATTR_PORT    u16   (if set)
 *        └─ MPTCP_PM_ADDR_ATTR_IF_IDX  s32   (if set)
 */
int lab_pm_dump_endpoints(struct lab_nl *nl, struct lab_show_endpoint *out, unsigned max,
			  unsigned *n, struct diag *d)
{
	_cleanup_free_ int *ifindex = calloc(max ? max : 1, sizeof(*ifindex));
	struct pm_dump dump = {
		.out = out,
		.ifindex = ifindex,
		.max = max,
		.d = d,
		.netns = nl->netns,
	};
	struct nl_msg *msg;
	int r;

	*n = 0;
	if (!ifindex)
		return diag_set(d, -ENOMEM, "out of memory");
	r = pm_msg(nl, MPTCP_PM_CMD_GET_ADDR, NLM_F_DUMP, &msg, d);
	if (r < 0)
		return r;
	r = lab_nl_dump(nl->genl, msg, pm_dump_cb, &dump, d,
			"cannot read MPTCP endpoints in netns '%s'", nl->netns);
	if (r < 0)
		return r;
	if (dump.total > dump.n)
		return diag_set(d, -E2BIG, "netns '%s' has %u MPTCP endpoints, more than %u",
				nl->netns, dump.total, max);
	for (unsigned i = 0; i < dump.n; i++) {
		if (ifindex[i] <= 0)
			continue;
		r = pm_ifname(nl, ifindex[i], out[i].dev, d);
		if (r < 0)
			return r;
	}
	*n = dump.n;
	return 0;
}
