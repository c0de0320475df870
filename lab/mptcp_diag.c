/*
 * mptcp_diag.c: the MPTCP connections of a namespace, through sock_diag.
 *
 * The request is the one `ss -M` sends: SOCK_DIAG_BY_FAMILY with a
 * struct inet_diag_req_v2 whose u8 sdiag_protocol cannot hold
 * IPPROTO_MPTCP (262), so it is 0 and the protocol travels in the
 * INET_DIAG_REQ_PROTOCOL attribute. sock_diag routes by family, so there
 * is one dump for AF_INET and one for AF_INET6:
 *
 *	nlmsghdr  SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP
 *	inet_diag_req_v2 { family, protocol 0, ext INET_DIAG_INFO,
 *	                   states: all but LISTEN }
 *	`- INET_DIAG_REQ_PROTOCOL  u32 IPPROTO_MPTCP
 *
 * Every answer is a struct inet_diag_msg (addresses, ports, state) plus an
 * INET_DIAG_INFO attribute carrying struct mptcp_info as long as the
 * running kernel knows it. A field is believed only if that length covers
 * it, as mptcp.dev asks of MPTCP_INFO readers.
 *
 * It does not look at subflows (plain TCP sockets with the "mptcp" ULP)
 * and does not open MPTCP sockets itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/mptcp.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "lab_int.h"
#include "mptcp_uapi.h"
#include "lab_mptcp.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* struct mptcp_info: the newest layout is common/mptcp_uapi.h. */


#define INFO_COVERS(len, field)                                                \
	(offsetof(struct mpl_mptcp_info, field) +                              \
		 sizeof(((struct mpl_mptcp_info *)NULL)->field) <=             \
	 (len))

int lab_mptcp_conn_from_info(const void *info, size_t len, struct lab_mptcp_conn *c)
{
	struct mpl_mptcp_info mi;

	if (!INFO_COVERS(len, mptcpi_token))
		return -EPROTO;
	/* The attribute need not be 8-byte aligned: copy before reading. */
	memset(&mi, 0, sizeof(mi));
	memcpy(&mi, info, len < sizeof(mi) ? len : sizeof(mi));

	c->info_bytes = (uint32_t)len;
	c->token = mi.mptcpi_token;
	c->fallback = mi.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK;
	c->subflows_extra = mi.mptcpi_subflows;
	c->has_total = INFO_COVERS(len, mptcpi_subflows_total);
	c->subflows_total = c->has_total ? mi.mptcpi_subflows_total : 0;
	c->has_bytes = INFO_COVERS(len, mptcpi_bytes_acked);
	c->bytes_sent = c->has_bytes ? mi.mptcpi_bytes_sent : 0;
	c->bytes_received = c->has_bytes ? mi.mptcpi_bytes_received : 0;
	c->bytes_acked = c->has_bytes ? mi.mptcpi_bytes_acked : 0;
	return 0;
}

/* "10.0.1.1:5201" or "[fd00::1]:5201". */
static int format_endpoint(int family, const uint32_t addr[4], uint16_t port_be,
			   char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, ip, sizeof(ip)))
		return -EAFNOSUPPORT;
	if (family == AF_INET6)
		return xsnprintf(buf, size, "[%s]:%u", ip, ntohs(port_be));
	return xsnprintf(buf, size, "%s:%u", ip, ntohs(port_be));
}

struct conns_dump {
	struct lab_mptcp_conn *out;
	unsigned max, stored, seen;
	struct diag *d;
};

static int on_conn(struct nl_msg *msg, void *arg)
{
	struct conns_dump *cd = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const struct inet_diag_msg *r;
	struct lab_mptcp_conn c;
	struct nlattr *a, *info = NULL;
	int rem, err;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return NL_SKIP;
	if (nlmsg_datalen(nlh) < (int)sizeof(*r))
		return diag_set(cd->d, -EPROTO,
				"cannot read an MPTCP socket: short sock_diag answer");
	r = nlmsg_data(nlh);
	nla_for_each_attr(a, nlmsg_attrdata(nlh, sizeof(*r)), nlmsg_attrlen(nlh, sizeof(*r)), rem) {
		if (nla_type(a) == INET_DIAG_INFO)
			info = a;
	}
	cd->seen++;
	if (cd->stored >= cd->max)
		return NL_OK; /* keep reading so the dump ends cleanly */

	memset(&c, 0, sizeof(c));
	c.family = r->idiag_family;
	c.state = r->idiag_state;
	err = format_endpoint(c.family, r->id.idiag_src, r->id.idiag_sport, c.local,
			      sizeof(c.local));
	if (!err)
		err = format_endpoint(c.family, r->id.idiag_dst, r->id.idiag_dport, c.remote,
				      sizeof(c.remote));
	if (err < 0)
		return diag_set(cd->d, -EPROTO,
				"cannot read an MPTCP socket: address family %u", c.family);
	if (!info)
		return diag_set(cd->d, -EPROTO,
				"MPTCP socket %s -> %s came without INET_DIAG_INFO", c.local,
				c.remote);
	err = lab_mptcp_conn_from_info(nla_data(info), (size_t)nla_len(info), &c);
	if (err < 0)
		return diag_set(cd->d, err,
				"MPTCP socket %s -> %s: struct mptcp_info of %d bytes is too short",
				c.local, c.remote, nla_len(info));
	cd->out[cd->stored++] = c;
	return NL_OK;
}

struct diag_connect {
	struct nl_sock *sk;
	int err; /* -NLE_* */
};

static int connect_here(void *arg)
{
	struct diag_connect *c = arg;

	c->err = nl_connect(c->sk, NETLINK_SOCK_DIAG);
	return c->err < 0 ? lab_nl_errno(c->err) : 0;
}

/* A NETLINK_SOCK_DIAG socket bound to nsfd: a socket stays in the namespace
 * it was created in. */
static int diag_socket(int nsfd, struct nl_sock **out, struct diag *d)
{
	struct diag_connect c = { 0 };
	int one = 1, r;

	c.sk = nl_socket_alloc();
	if (!c.sk)
		return diag_set(d, -ENOMEM, "cannot allocate a netlink socket");
	r = nsfd >= 0 ? lab_netns_run(nsfd, connect_here, &c, d) : connect_here(&c);
	if (r < 0) {
		nl_socket_free(c.sk);
		return diag_set(d, r, "cannot open a sock_diag netlink socket: %s",
				c.err ? nl_geterror(c.err) : strerror(-r));
	}
	/* Only for the kernel's reason in error answers; not fatal. */
	setsockopt(nl_socket_get_fd(c.sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	*out = c.sk;
	return 0;
}

static int dump_family(struct nl_sock *sk, int family, struct conns_dump *cd, struct diag *d)
{
	struct inet_diag_req_v2 req;
	struct nl_msg *msg;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = (uint8_t)family;
	req.sdiag_protocol = 0; /* a u8: IPPROTO_MPTCP goes in the attribute */
	req.idiag_ext = 1 << (INET_DIAG_INFO - 1);
	req.idiag_states = ~0u & ~(1u << TCP_LISTEN);

	msg = nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST);
	if (!msg)
		return diag_set(d, -ENOMEM, "cannot build a sock_diag request");
	if (nlmsg_append(msg, &req, sizeof(req), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, INET_DIAG_REQ_PROTOCOL, IPPROTO_MPTCP) < 0) {
		nlmsg_free(msg);
		return diag_set(d, -ENOMEM, "cannot build a sock_diag request");
	}
	return lab_nl_dump(sk, msg, on_conn, cd, d, "cannot dump the %s MPTCP sockets",
			   family == AF_INET ? "IPv4" : "IPv6");
}

int lab_mptcp_conns(int nsfd, struct lab_mptcp_conn *out, unsigned max, unsigned *n,
		    struct diag *d)
{
	struct conns_dump cd = { .out = out, .max = max };
	struct diag tmp = DIAG_INIT;
	struct nl_sock *sk = NULL;
	int r;

	*n = 0;
	r = diag_socket(nsfd, &sk, d);
	if (r < 0)
		return r;

	/* Without CONFIG_INET_MPTCP_DIAG the kernel finds no handler for the
	 * protocol and answers ENOENT. */
	cd.d = &tmp;
	r = dump_family(sk, AF_INET, &cd, &tmp);
	if (r == -ENOENT) {
		r = diag_set(d, -EOPNOTSUPP,
			     "MPTCP sock_diag is not available (CONFIG_INET_MPTCP_DIAG): %s",
			     diag_str(&tmp));
		goto out;
	}
	if (r < 0) {
		r = diag_set(d, r, "%s", diag_str(&tmp));
		goto out;
	}
	/* A kernel without IPv6 has no AF_INET6 sock_diag handler: nothing to
	 * dump then, not a failure. */
	r = dump_family(sk, AF_INET6, &cd, &tmp);
	if (r == -ENOENT)
		r = 0;
	if (r < 0) {
		r = diag_set(d, r, "%s", diag_str(&tmp));
		goto out;
	}
	if (cd.seen > cd.stored)
		r = diag_set(d, -ENOSPC, "%u MPTCP sockets, room for %u", cd.seen, max);
out:
	*n = cd.stored;
	nl_socket_free(sk);
	return r;
}

static int try_mptcp_socket(void *arg)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);

	(void)arg;
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int lab_mptcp_socket_try(int nsfd, struct diag *d)
{
	if (nsfd < 0)
		return try_mptcp_socket(NULL);
	return lab_netns_run(nsfd, try_mptcp_socket, NULL, d);
}

bool lab_mptcp_socket_available(int nsfd)
{
	return lab_mptcp_socket_try(nsfd, NULL) == 0;
}
