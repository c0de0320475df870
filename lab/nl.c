/*
 * nl.c: netlink sockets bound to one namespace, and the two ways the lab
 * talks through them: a request answered by an ACK (or by one message),
 * and a dump. Both surface the kernel's extended-ACK text, which libnl
 * neither requests nor shows: NETLINK_EXT_ACK is enabled on every socket
 * and an error callback picks NLMSGERR_ATTR_MSG out of the error message,
 * the way iproute2's lib/libnetlink.c does.
 *
 * It does not build messages (link.c, qdisc*.c, mptcp_pm.c do) and does
 * not know what a lab is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/mptcp.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "lab_int.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int lab_nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_INVAL:
	case NLE_RANGE:
		return -EINVAL;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TRUNC:
	case NLE_PARSE_ERR:
	case NLE_MSG_TOOSHORT:
		return -EPROTO;
	default:
		return -EIO;
	}
}

static int enable_ext_ack(struct nl_sock *sk)
{
	int one = 1, fd = nl_socket_get_fd(sk);

	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
		return -errno;
	/* The request need not be echoed back in error messages. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

struct nl_in_ns {
	struct nl_sock *sk;
	int proto;
	int err;
};

static int connect_here(void *arg)
{
	struct nl_in_ns *c = arg;

	c->err = nl_connect(c->sk, c->proto);
	return c->err < 0 ? lab_nl_errno(c->err) : 0;
}

/* A socket created while the thread is inside the namespace stays bound to
 * that namespace after the thread returns. */
static int socket_in(int netns_fd, int proto, const char *netns, struct nl_sock **out,
		     struct diag *d)
{
	struct nl_in_ns c = { .proto = proto };
	int r;

	c.sk = nl_socket_alloc();
	if (!c.sk)
		return diag_set(d, -ENOMEM, "cannot allocate a netlink socket");
	if (netns_fd >= 0)
		r = lab_netns_run(netns_fd, connect_here, &c, d);
	else
		r = connect_here(&c);
	if (r < 0) {
		nl_socket_free(c.sk);
		return diag_set(d, r, "cannot open a netlink socket in netns '%s': %s", netns,
				nl_geterror(c.err));
	}
	r = enable_ext_ack(c.sk);
	if (r < 0) {
		nl_socket_free(c.sk);
		return diag_set(d, r, "cannot enable extended ACK on a netlink socket: %s",
				strerror(-r));
	}
	*out = c.sk;
	return 0;
}

int lab_nl_open(struct lab_nl *nl, int netns_fd, const char *netns_name, struct diag *d)
{
	memset(nl, 0, sizeof(*nl));
	nl->netns_fd = netns_fd;
	snprintf(nl->netns, sizeof(nl->netns), "%s", netns_name ? netns_name : "(current)");
	return socket_in(netns_fd, NETLINK_ROUTE, nl->netns, &nl->route, d);
}

void lab_nl_close(struct lab_nl *nl)
{
	if (!nl)
		return;
	if (nl->route)
		nl_socket_free(nl->route);
	if (nl->genl)
		nl_socket_free(nl->genl);
	nl->route = nl->genl = NULL;
	nl->pm_family = 0;
}

int lab_nl_genl(struct lab_nl *nl, struct diag *d)
{
	int r;

	if (nl->genl && nl->pm_family > 0)
		return 0;
	if (!nl->genl) {
		r = socket_in(nl->netns_fd, NETLINK_GENERIC, nl->netns, &nl->genl, d);
		if (r < 0)
			return r;
	}
	r = genl_ctrl_resolve(nl->genl, MPTCP_PM_NAME);
	if (r < 0)
		return diag_set(d, -EOPNOTSUPP,
				"generic netlink family '%s' is not available in netns '%s': %s",
				MPTCP_PM_NAME, nl->netns, nl_geterror(r));
	nl->pm_family = r;
	return 0;
}

/* ---- request / answer -------------------------------------------------------- */

struct talk {
	int err;	 /* negative errno from NLMSG_ERROR */
	bool done;
	char extack[256];
	lab_nl_cb cb;
	void *arg;
	int cb_err;	 /* negative value returned by cb */
};

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct talk *t = arg;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	size_t off = sizeof(*e);
	struct nlattr *a;
	int len, rem;

	(void)who;
	t->err = e->error;
	t->done = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0)
		return NL_STOP;
	a = (struct nlattr *)((char *)e + off);
	nla_for_each_attr(a, a, len, rem) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0)
			snprintf(t->extack, sizeof(t->extack), "%.*s", nla_len(a),
				 (const char *)nla_data(a));
	}
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;
	int r;

	if (!t->cb)
		return NL_OK;
	r = t->cb(msg, t->arg);
	if (r < 0) {
		t->cb_err = r;
		return NL_STOP;
	}
	return r;
}

static int exchange(struct nl_sock *sk, struct nl_msg *msg, lab_nl_cb cb, void *arg,
		    bool want_ack, struct diag *d, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));

static int exchange(struct nl_sock *sk, struct nl_msg *msg, lab_nl_cb cb, void *arg,
		    bool want_ack, struct diag *d, const char *fmt, va_list ap)
{
	struct talk t = { .cb = cb, .arg = arg };
	struct nl_cb *c = NULL, *base;
	char what[512];
	int r;

	vsnprintf(what, sizeof(what), fmt, ap);
	if (want_ack)
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	base = nl_socket_get_cb(sk); /* takes a reference */
	c = nl_cb_clone(base);
	nl_cb_put(base);
	if (!c) {
		nlmsg_free(msg);
		return diag_set(d, -ENOMEM, "%s: out of memory", what);
	}
	nl_cb_err(c, NL_CB_CUSTOM, on_error, &t);
	nl_cb_set(c, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &t);
	nl_cb_set(c, NL_CB_FINISH, NL_CB_CUSTOM, on_ack, &t);
	nl_cb_set(c, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);

	r = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (r < 0) {
		nl_cb_put(c);
		return diag_set(d, lab_nl_errno(r), "%s: %s", what, nl_geterror(r));
	}
	while (!t.done && !t.err && !t.cb_err) {
		r = nl_recvmsgs(sk, c);
		if (r < 0 && !t.err && !t.cb_err) {
			nl_cb_put(c);
			return diag_set(d, lab_nl_errno(r), "%s: %s", what, nl_geterror(r));
		}
	}
	nl_cb_put(c);
	if (t.cb_err)
		return t.cb_err;
	if (t.err) {
		if (t.extack[0])
			return diag_set(d, t.err, "%s: %s (kernel: %s)", what, strerror(-t.err),
					t.extack);
		return diag_set(d, t.err, "%s: %s", what, strerror(-t.err));
	}
	return 0;
}

int lab_nl_talk(struct nl_sock *sk, struct nl_msg *msg, struct diag *d, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = exchange(sk, msg, NULL, NULL, true, d, fmt, ap);
	va_end(ap);
	return r;
}

int lab_nl_dump(struct nl_sock *sk, struct nl_msg *msg, lab_nl_cb cb, void *arg,
		struct diag *d, const char *fmt, ...)
{
	va_list ap;
	int r;

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_DUMP;
	va_start(ap, fmt);
	r = exchange(sk, msg, cb, arg, false, d, fmt, ap);
	va_end(ap);
	return r;
}

int lab_nl_get(struct nl_sock *sk, struct nl_msg *msg, lab_nl_cb cb, void *arg,
	       struct diag *d, const char *fmt, ...)
{
	va_list ap;
	int r;

	/* With NLM_F_ACK the answer is the message, then the ACK. */
	va_start(ap, fmt);
	r = exchange(sk, msg, cb, arg, true, d, fmt, ap);
	va_end(ap);
	return r;
}
