/*
 * pm_events.c: listen to what the MPTCP path manager of one namespace
 * does, through the "mptcp_pm_events" multicast group of the "mptcp_pm"
 * generic-netlink family (`ip mptcp monitor` reads the same).
 *
 * The socket is connected while the thread is inside the namespace, so it
 * belongs to that namespace and only its events arrive (the kernel sends
 * them with genlmsg_multicast_netns). It joins the group, then turns
 * non-blocking and stops checking sequence numbers (multicast messages
 * carry none of ours), so a read drains what is queued and returns.
 *
 * One event is one message:
 *
 *	nlmsghdr    type = the family id of "mptcp_pm"
 *	genlmsghdr  cmd = MPTCP_EVENT_* (1 created ... 16 listener closed)
 *	|- MPTCP_ATTR_TOKEN    u32         |- MPTCP_ATTR_SPORT   be16
 *	|- MPTCP_ATTR_FAMILY   u16         |- MPTCP_ATTR_DPORT   be16
 *	|- MPTCP_ATTR_LOC_ID   u8          |- MPTCP_ATTR_BACKUP  u8
 *	|- MPTCP_ATTR_REM_ID   u8          |- MPTCP_ATTR_ERROR   u8 (sk_err)
 *	|- MPTCP_ATTR_SADDR4/6 be32 / in6_addr
 *	`- MPTCP_ATTR_DADDR4/6 be32 / in6_addr
 *
 * Each event type carries a different subset; `present` says which. The
 * integer attributes are read by their length, not by the type the header
 * announces, so a kernel that widens one is still read right.
 *
 * Events are struct telemetry_pm_event (common/telemetry.h), filled here
 * with the role the caller gave the listener; the run puts them on its
 * time line and results/ stores them as they are. It does not print, keep
 * events, or know about runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/mptcp.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "lab_int.h"
#include "lab_mptcp.h"
#include "mtime.h"

/* Debian 12's <linux/mptcp.h> is from 6.1 and stops at SUB_PRIORITY (13):
 * the listener events came with 6.2. Values from the kernel's uapi. */
#ifndef MPTCP_EVENT_LISTENER_CREATED
#define MPTCP_EVENT_LISTENER_CREATED 15
#define MPTCP_EVENT_LISTENER_CLOSED 16
#endif

/* Attributes up to MPTCP_ATTR_SERVER_SIDE (18) exist in 6.1; newer ones
 * are skipped by the parser, which ignores types above its maximum. */
#define PM_EV_ATTR_MAX 32

/* Events come in bursts of a few per connection; 1 MiB holds thousands. */
#define PM_EV_RCVBUF (1 << 20)

struct lab_pm_events {
	struct nl_sock *sk;
	int family;
	char role; /* stamped on every event read */
	unsigned overruns;
};

static const char *const pm_event_names[] = {
	[MPTCP_EVENT_CREATED] = "created",
	[MPTCP_EVENT_ESTABLISHED] = "established",
	[MPTCP_EVENT_CLOSED] = "closed",
	[MPTCP_EVENT_ANNOUNCED] = "announced",
	[MPTCP_EVENT_REMOVED] = "removed",
	[MPTCP_EVENT_SUB_ESTABLISHED] = "sub_established",
	[MPTCP_EVENT_SUB_CLOSED] = "sub_closed",
	[MPTCP_EVENT_SUB_PRIORITY] = "sub_priority",
	[MPTCP_EVENT_LISTENER_CREATED] = "listener_created",
	[MPTCP_EVENT_LISTENER_CLOSED] = "listener_closed",
};

const char *lab_pm_event_name(int type)
{
	if (type < 0 || (size_t)type >= ARRAY_SIZE(pm_event_names))
		return NULL;
	return pm_event_names[type];
}

/* An unsigned integer attribute of 1, 2 or 4 bytes, in host order (be:
 * the attribute is in network order). false for any other length. */
static bool pm_attr_uint(struct nlattr *a, bool be, uint32_t *out)
{
	switch (nla_len(a)) {
	case 1:
		*out = nla_get_u8(a);
		return true;
	case 2:
		*out = be ? ntohs(nla_get_u16(a)) : nla_get_u16(a);
		return true;
	case 4:
		*out = be ? ntohl(nla_get_u32(a)) : nla_get_u32(a);
		return true;
	}
	return false;
}

/* The text of an address attribute of the given family. A dual-stack
 * listener's subflows carry IPv4 peers as ::ffff:a.b.c.d: they are shown
 * as the IPv4 addresses the topology names (as the samples show them),
 * and *mapped says so. */
static bool pm_attr_addr(struct nlattr *a, int family, char ip[INET6_ADDRSTRLEN], bool *mapped)
{
	size_t want = family == AF_INET ? 4 : 16;
	const struct in6_addr *a6 = nla_data(a);

	if ((size_t)nla_len(a) != want)
		return false;
	if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(a6)) {
		*mapped = true;
		return inet_ntop(AF_INET, &a6->s6_addr[12], ip, INET6_ADDRSTRLEN) != NULL;
	}
	return inet_ntop(family, nla_data(a), ip, INET6_ADDRSTRLEN) != NULL;
}

/* "addr", or with a port "addr:port" / "[addr6]:port" as sock_diag and
 * the engines' samples write it, so the strings compare. */
static void pm_format(char *buf, size_t size, const char *ip, int family, bool has_port,
		      uint16_t port)
{
	if (!ip[0])
		return;
	if (!has_port)
		snprintf(buf, size, "%s", ip);
	else if (family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", ip, port);
	else
		snprintf(buf, size, "%s:%u", ip, port);
}

int lab_pm_event_parse(const void *msg, size_t len, uint64_t t_us,
		       struct telemetry_pm_event *ev)
{
	/* libnl's parsers take non-const pointers but only read */
	struct nlmsghdr *nlh = (struct nlmsghdr *)(uintptr_t)msg;
	struct nlattr *tb[PM_EV_ATTR_MAX + 1];
	char saddr[INET6_ADDRSTRLEN] = "", daddr[INET6_ADDRSTRLEN] = "";
	bool mapped = false;
	struct genlmsghdr *gh;
	const char *name;
	uint32_t v;

	memset(ev, 0, sizeof(*ev));
	if (len < NLMSG_HDRLEN || nlh->nlmsg_len > len || !genlmsg_valid_hdr(nlh, 0))
		return -EPROTO;
	if (genlmsg_parse(nlh, 0, tb, PM_EV_ATTR_MAX, NULL) < 0)
		return -EPROTO;
	gh = genlmsg_hdr(nlh);
	if (gh->cmd == MPTCP_EVENT_UNSPEC)
		return -EPROTO;
	ev->t_us = t_us;
	name = lab_pm_event_name(gh->cmd);
	if (name)
		snprintf(ev->type, sizeof(ev->type), "%s", name);
	else
		snprintf(ev->type, sizeof(ev->type), "event_%d", (int)gh->cmd);

	if (tb[MPTCP_ATTR_TOKEN] && pm_attr_uint(tb[MPTCP_ATTR_TOKEN], false, &ev->token))
		ev->present |= TELEM_PM_TOKEN;
	if (tb[MPTCP_ATTR_FAMILY] && pm_attr_uint(tb[MPTCP_ATTR_FAMILY], false, &v)) {
		ev->family = (int)v;
		ev->present |= TELEM_PM_FAMILY;
	}
	if (tb[MPTCP_ATTR_LOC_ID] && pm_attr_uint(tb[MPTCP_ATTR_LOC_ID], false, &v)) {
		ev->loc_id = (uint8_t)v;
		ev->present |= TELEM_PM_LOC_ID;
	}
	if (tb[MPTCP_ATTR_REM_ID] && pm_attr_uint(tb[MPTCP_ATTR_REM_ID], false, &v)) {
		ev->rem_id = (uint8_t)v;
		ev->present |= TELEM_PM_REM_ID;
	}
	if (tb[MPTCP_ATTR_BACKUP] && pm_attr_uint(tb[MPTCP_ATTR_BACKUP], false, &v)) {
		ev->backup = v != 0;
		ev->present |= TELEM_PM_BACKUP;
	}
	if (tb[MPTCP_ATTR_ERROR] && pm_attr_uint(tb[MPTCP_ATTR_ERROR], false, &v)) {
		ev->error = (int)v;
		ev->present |= TELEM_PM_ERROR;
	}
	if (tb[MPTCP_ATTR_SPORT] && pm_attr_uint(tb[MPTCP_ATTR_SPORT], true, &v)) {
		ev->sport = (uint16_t)v;
		ev->present |= TELEM_PM_SPORT;
	}
	if (tb[MPTCP_ATTR_DPORT] && pm_attr_uint(tb[MPTCP_ATTR_DPORT], true, &v)) {
		ev->dport = (uint16_t)v;
		ev->present |= TELEM_PM_DPORT;
	}
	/* The address attribute tells the family when FAMILY is missing. */
	if (tb[MPTCP_ATTR_SADDR4] && pm_attr_addr(tb[MPTCP_ATTR_SADDR4], AF_INET, saddr, &mapped)) {
		ev->present |= TELEM_PM_SADDR;
		if (!ev->family)
			ev->family = AF_INET;
	} else if (tb[MPTCP_ATTR_SADDR6] &&
		   pm_attr_addr(tb[MPTCP_ATTR_SADDR6], AF_INET6, saddr, &mapped)) {
		ev->present |= TELEM_PM_SADDR;
		if (!ev->family)
			ev->family = AF_INET6;
	}
	if (tb[MPTCP_ATTR_DADDR4] && pm_attr_addr(tb[MPTCP_ATTR_DADDR4], AF_INET, daddr, &mapped)) {
		ev->present |= TELEM_PM_DADDR;
		if (!ev->family)
			ev->family = AF_INET;
	} else if (tb[MPTCP_ATTR_DADDR6] &&
		   pm_attr_addr(tb[MPTCP_ATTR_DADDR6], AF_INET6, daddr, &mapped)) {
		ev->present |= TELEM_PM_DADDR;
		if (!ev->family)
			ev->family = AF_INET6;
	}
	/* an IPv4 connection on an IPv6 socket is an IPv4 connection */
	if (mapped)
		ev->family = AF_INET;
	pm_format(ev->local, sizeof(ev->local), saddr, ev->family,
		  ev->present & TELEM_PM_SPORT, ev->sport);
	pm_format(ev->remote, sizeof(ev->remote), daddr, ev->family,
		  ev->present & TELEM_PM_DPORT, ev->dport);
	return 0;
}

/* ---- the socket -------------------------------------------------------------- */

struct pm_connect {
	struct nl_sock *sk;
	int err; /* libnl's -NLE_* */
};

static int pm_connect_here(void *arg)
{
	struct pm_connect *c = arg;

	c->err = nl_connect(c->sk, NETLINK_GENERIC);
	return c->err < 0 ? lab_nl_errno(c->err) : 0;
}

int lab_pm_events_open(int nsfd, char role, struct lab_pm_events **out, struct diag *d)
{
	struct pm_connect c = { 0 };
	struct lab_pm_events *h;
	int r, grp;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return diag_set(d, -ENOMEM, "out of memory");
	h->role = role;
	c.sk = h->sk = nl_socket_alloc();
	if (!h->sk) {
		r = diag_set(d, -ENOMEM, "cannot allocate a netlink socket");
		goto out;
	}
	r = nsfd >= 0 ? lab_netns_run(nsfd, pm_connect_here, &c, d) : pm_connect_here(&c);
	if (r < 0) {
		r = diag_set(d, r, "cannot open a generic netlink socket for MPTCP events: %s",
			     c.err < 0 ? nl_geterror(c.err) : strerror(-r));
		goto out;
	}
	/* Resolving talks request/answer: before the socket turns
	 * non-blocking and stops checking sequence numbers. */
	h->family = genl_ctrl_resolve(h->sk, MPTCP_PM_NAME);
	if (h->family < 0) {
		r = diag_set(d, -EOPNOTSUPP, "generic netlink family '%s' is not available: %s",
			     MPTCP_PM_NAME, nl_geterror(h->family));
		goto out;
	}
	grp = genl_ctrl_resolve_grp(h->sk, MPTCP_PM_NAME, MPTCP_PM_EV_GRP_NAME);
	if (grp < 0) {
		r = diag_set(d, -EOPNOTSUPP,
			     "multicast group '%s' of generic netlink family '%s' is not available: %s",
			     MPTCP_PM_EV_GRP_NAME, MPTCP_PM_NAME, nl_geterror(grp));
		goto out;
	}
	r = nl_socket_add_membership(h->sk, grp);
	if (r < 0) {
		r = diag_set(d, lab_nl_errno(r), "cannot join multicast group '%s': %s",
			     MPTCP_PM_EV_GRP_NAME, nl_geterror(r));
		goto out;
	}
	nl_socket_disable_seq_check(h->sk);
	r = nl_socket_set_nonblocking(h->sk);
	if (r < 0) {
		r = diag_set(d, lab_nl_errno(r), "cannot make the MPTCP event socket non-blocking: %s",
			     nl_geterror(r));
		goto out;
	}
	/* A bigger buffer only makes overruns rarer; they are still counted. */
	nl_socket_set_buffer_size(h->sk, PM_EV_RCVBUF, 0);
	*out = TAKE_PTR(h);
	r = 0;
out:
	lab_pm_events_close(h);
	return r;
}

int lab_pm_events_read(struct lab_pm_events *h, lab_pm_event_fn fn, void *arg, struct diag *d)
{
	struct sockaddr_nl who;
	unsigned char *buf = NULL;
	bool overrun_last = false;
	int n, count = 0, r = 0;

	for (;;) {
		struct nlmsghdr *nlh;
		uint64_t now;
		int left;

		n = nl_recv(h->sk, &who, &buf, NULL);
		if (n == -NLE_AGAIN || n == 0)
			break;
		if (n == -NLE_NOMEM && !overrun_last) {
			/* ENOBUFS: the kernel dropped events for this socket.
			 * The error is reported once, then the queue reads on. */
			h->overruns++;
			overrun_last = true;
			continue;
		}
		if (n < 0) {
			r = diag_set(d, lab_nl_errno(n), "cannot read MPTCP path-manager events: %s",
				     nl_geterror(n));
			break;
		}
		overrun_last = false;
		now = mtime_now_us();
		left = n;
		for (nlh = (struct nlmsghdr *)buf; nlmsg_ok(nlh, left); nlh = nlmsg_next(nlh, &left)) {
			struct telemetry_pm_event ev;

			if (nlh->nlmsg_type != h->family)
				continue; /* NLMSG_NOOP, NLMSG_ERROR, ... */
			if (lab_pm_event_parse(nlh, nlh->nlmsg_len, now, &ev) < 0)
				continue;
			ev.role = h->role;
			count++;
			r = fn ? fn(&ev, arg) : 0;
			if (r < 0)
				break;
		}
		free(buf);
		buf = NULL;
		if (r < 0)
			break;
	}
	free(buf);
	return r < 0 ? r : count;
}

unsigned lab_pm_events_overruns(const struct lab_pm_events *h)
{
	return h ? h->overruns : 0;
}

void lab_pm_events_close(struct lab_pm_events *h)
{
	if (!h)
		return;
	if (h->sk)
		nl_socket_free(h->sk); /* closing the socket leaves the group */
	free(h);
}
