/*
 * probe.c: what this kernel can do for the lab, found out by doing it.
 *
 * Everything happens in a scratch namespace "mpl-probe<pid>": a qdisc kind
 * is available when the kernel accepts one on a veth there, a u32 filter
 * and a mirred action when the kernel accepts them on its ingress, the
 * MPTCP socket options when a real MPTCP connection over that namespace's
 * loopback answers them, mptcp_diag when an inet_diag dump of IPPROTO_MPTCP
 * does. Nothing is inferred from a version number (a distribution kernel
 * may lack netem, a development kernel may have a BPF scheduler API), and
 * a failure's detail is the kernel's own reason. The namespace is removed
 * on every path out.
 *
 * lab_probe() fails only when probing itself is impossible (no namespace,
 * no netlink socket); a missing feature is a result, not an error.
 * Programs (iperf3, qemu, ...) are probed by runner/measure/probe_tools.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/btf.h>
#include <linux/if_ether.h>
#include <linux/inet_diag.h>
#include <linux/mptcp.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "lab_int.h"
#include "lab_probe.h"

#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
/* MPTCP_FULL_INFO arrived in v6.5 uapi; build hosts may have older
 * headers. Only the fixed head matters here: with no arrays requested the
 * kernel fills the head and the mptcp_info that follows it. */
#ifndef MPTCP_FULL_INFO
#define MPTCP_FULL_INFO 4
#endif
struct probe_full_info_head {
	uint32_t size_tcpinfo_kernel, size_tcpinfo_user;
	uint32_t size_sfinfo_kernel, size_sfinfo_user;
	uint32_t num_subflows, size_arrays_user;
	uint64_t subflow_info, tcp_info;
};

#define PROBE_VETH "mpl-p0"
#define PROBE_VETH_PEER "mpl-p1"
#define PROBE_IFB "mpl-ifb0"
#define PROBE_BTF "/sys/kernel/btf/vmlinux"
#define PROBE_IO_TIMEOUT_S 2
/* Bigger than any struct mptcp_info / mptcp_full_info the kernel has:
 * the kernel copies min(optlen, its size) and reports that length. */
#define PROBE_SOCKOPT_BUF 1024

/* The capabilities, in the order they are reported. */
enum probe_cap {
	CAP_MPTCP,
	CAP_PM_GENL,
	CAP_SCHEDULERS,
	CAP_PATH_MANAGERS,
	CAP_DIAG,
	CAP_MPTCP_INFO,
	CAP_MPTCP_FULL_INFO,
	CAP_VETH,
	CAP_IFB,
	CAP_TBF,
	CAP_HTB,
	CAP_NETEM,
	CAP_INGRESS,
	CAP_FQ,
	CAP_FQ_CODEL,
	CAP_U32,
	CAP_MIRRED,
	CAP_STRUCT_OPS,
	CAP_COUNT
};

static const char *const probe_cap_names[CAP_COUNT] = {
	[CAP_MPTCP] = "mptcp",
	[CAP_PM_GENL] = "mptcp.pm_genl",
	[CAP_SCHEDULERS] = "mptcp.schedulers",
	[CAP_PATH_MANAGERS] = "mptcp.path_managers",
	[CAP_DIAG] = "mptcp.diag",
	[CAP_MPTCP_INFO] = "sockopt.mptcp_info",
	[CAP_MPTCP_FULL_INFO] = "sockopt.mptcp_full_info",
	[CAP_VETH] = "link.veth",
	[CAP_IFB] = "link.ifb",
	[CAP_TBF] = "qdisc.tbf",
	[CAP_HTB] = "qdisc.htb",
	[CAP_NETEM] = "qdisc.netem",
	[CAP_INGRESS] = "qdisc.ingress",
	[CAP_FQ] = "qdisc.fq",
	[CAP_FQ_CODEL] = "qdisc.fq_codel",
	[CAP_U32] = "filter.u32",
	[CAP_MIRRED] = "action.mirred",
	[CAP_STRUCT_OPS] = "bpf.struct_ops",
};

struct probe {
	struct lab_cap *caps; /* CAP_COUNT entries */
	char netns[32];
	int nsfd;
	struct lab_nl nl;
	int veth, ifb, lo; /* ifindexes, 0 if missing */
};

static void __attribute__((format(printf, 4, 5)))
cap_set(struct probe *p, enum probe_cap c, bool available, const char *fmt, ...)
{
	struct lab_cap *cap = &p->caps[c];
	va_list ap;

	cap->available = available;
	va_start(ap, fmt);
	vsnprintf(cap->detail, sizeof(cap->detail), fmt, ap);
	va_end(ap);
}

/* Not available, and the detail is the failure's own message. */
static void cap_fail(struct probe *p, enum probe_cap c, const struct diag *d)
{
	cap_set(p, c, false, "%s", diag_str(d));
}

const struct lab_cap *lab_cap_find(const struct lab_cap *caps, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(caps[i].name, name))
			return &caps[i];
	return NULL;
}

/* ---- MPTCP sysctls and the path-manager family ----------------------------- */

static void probe_mptcp(struct probe *p)
{
	struct diag d = DIAG_INIT;
	char val[LAB_SYSCTL_VAL_MAX];
	int r;

	if (lab_sysctl_get(p->nsfd, "net.mptcp.enabled", val, sizeof(val), &d) < 0) {
		cap_set(p, CAP_MPTCP, false, "no net.mptcp.enabled sysctl: kernel without MPTCP (%s)",
			diag_str(&d));
		return;
	}
	if (strcmp(val, "1")) {
		cap_set(p, CAP_MPTCP, false, "net.mptcp.enabled is '%s' in a new namespace", val);
		return;
	}
	r = lab_mptcp_socket_try(p->nsfd, &d);
	if (r < 0) {
		cap_set(p, CAP_MPTCP, false, "cannot open an IPPROTO_MPTCP socket: %s",
			d.err ? diag_str(&d) : strerror(-r));
		return;
	}
	cap_set(p, CAP_MPTCP, true, "enabled");
}

static void probe_pm_genl(struct probe *p)
{
	struct diag d = DIAG_INIT;
	uint32_t subflows, accepted;

	/* Resolving the family is not enough: ask it something. */
	if (lab_pm_get_limits(&p->nl, &subflows, &accepted, &d) < 0) {
		cap_fail(p, CAP_PM_GENL, &d);
		return;
	}
	cap_set(p, CAP_PM_GENL, true, "limits subflows %u add_addr_accepted %u", subflows,
		accepted);
}

static void probe_mptcp_sysctls(struct probe *p)
{
	struct diag d = DIAG_INIT;
	char val[LAB_SYSCTL_VAL_MAX];

	if (!lab_sysctl_get(p->nsfd, "net.mptcp.available_schedulers", val, sizeof(val), &d))
		cap_set(p, CAP_SCHEDULERS, true, "%s", val);
	else if (diag_clear(&d),
		 !lab_sysctl_get(p->nsfd, "net.mptcp.scheduler", val, sizeof(val), &d))
		/* A kernel with a scheduler knob but no list of choices. */
		cap_set(p, CAP_SCHEDULERS, true, "%s (net.mptcp.scheduler)", val);
	else
		cap_set(p, CAP_SCHEDULERS, false,
			"no net.mptcp.available_schedulers or net.mptcp.scheduler sysctl");

	diag_clear(&d);
	if (!lab_sysctl_get(p->nsfd, "net.mptcp.available_path_managers", val, sizeof(val), &d))
		cap_set(p, CAP_PATH_MANAGERS, true, "%s", val);
	else if (diag_clear(&d), !lab_sysctl_get(p->nsfd, "net.mptcp.pm_type", val, sizeof(val), &d))
		cap_set(p, CAP_PATH_MANAGERS, true, "kernel userspace (pm_type)");
	else
		cap_set(p, CAP_PATH_MANAGERS, false,
			"no net.mptcp.available_path_managers or net.mptcp.pm_type sysctl: in-kernel path manager only");
}

/* ---- links ------------------------------------------------------------------ */

static void probe_links(struct probe *p)
{
	struct diag d = DIAG_INIT;
	int ifindex = 0, peer = 0;

	/* Both ends in the scratch namespace. */
	if (lab_link_add_veth(&p->nl, PROBE_VETH, &p->nl, PROBE_VETH_PEER, &peer, 0, &ifindex,
			      &d) < 0) {
		cap_fail(p, CAP_VETH, &d);
	} else {
		p->veth = ifindex;
		cap_set(p, CAP_VETH, true, "created");
	}
	diag_clear(&d);
	if (lab_link_add_ifb(&p->nl, PROBE_IFB, &ifindex, &d) < 0) {
		cap_fail(p, CAP_IFB, &d);
	} else {
		p->ifb = ifindex;
		cap_set(p, CAP_IFB, true, "created");
	}
}

/* ---- qdiscs ----------------------------------------------------------------- */

static struct nl_msg *probe_tc_msg(int type, int flags, int ifindex, uint32_t parent,
				   uint32_t handle, uint32_t info, const char *kind)
{
	struct nl_msg *msg = lab_tc_msg_new(type, flags, ifindex, handle, parent, info);

	if (msg && kind && nla_put_string(msg, TCA_KIND, kind) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * tbf, the smallest valid configuration (1 Mbit/s, 10 kB bucket and queue):
 *   TCA_OPTIONS (nested)
 *     ├─ TCA_TBF_PARMS  struct tc_tbf_qopt { rate 125000 B/s, limit, buffer }
 *     └─ TCA_TBF_BURST  u32 bytes
 */
static int probe_opts_tbf(struct nl_msg *msg)
{
	struct tc_tbf_qopt q = { .limit = 10000 };
	struct nlattr *o = nla_nest_start(msg, TCA_OPTIONS);

	q.rate.rate = 125000;
	/* buffer is in psched ticks (64 ns): the bucket drains in 80 ms. */
	q.buffer = (uint32_t)(80ULL * 1000 * 1000 / 64);
	if (!o || nla_put(msg, TCA_TBF_PARMS, sizeof(q), &q) < 0 ||
	    nla_put_u32(msg, TCA_TBF_BURST, 10000) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, o);
	return 0;
}

/*
 * htb, a root with no classes:
 *   TCA_OPTIONS (nested)
 *     └─ TCA_HTB_INIT  struct tc_htb_glob { version 3, rate2quantum 10 }
 */
static int probe_opts_htb(struct nl_msg *msg)
{
	struct tc_htb_glob g = { .version = TC_HTB_PROTOVER, .rate2quantum = 10 };
	struct nlattr *o = nla_nest_start(msg, TCA_OPTIONS);

	if (!o || nla_put(msg, TCA_HTB_INIT, sizeof(g), &g) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, o);
	return 0;
}

/*
 * netem keeps its historical layout, a bare struct instead of a nest:
 *   TCA_OPTIONS  struct tc_netem_qopt { limit 1000 }
 */
static int probe_opts_netem(struct nl_msg *msg)
{
	struct tc_netem_qopt q = { .limit = 1000 };

	return nla_put(msg, TCA_OPTIONS, sizeof(q), &q) < 0 ? -EMSGSIZE : 0;
}

/* fq, fq_codel and ingress take no options: their defaults are valid. */
static const struct probe_qdisc {
	enum probe_cap cap;
	const char *kind;
	int (*opts)(struct nl_msg *msg);
} probe_qdiscs[] = {
	{ CAP_TBF, "tbf", probe_opts_tbf },
	{ CAP_HTB, "htb", probe_opts_htb },
	{ CAP_NETEM, "netem", probe_opts_netem },
	{ CAP_FQ, "fq", NULL },
	{ CAP_FQ_CODEL, "fq_codel", NULL },
};

static int probe_qdisc_add(struct probe *p, int ifindex, const char *ifname,
			   const struct probe_qdisc *q, struct diag *d)
{
	struct nl_msg *msg = probe_tc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex,
					  TC_H_ROOT, TC_H_MAKE(1U << 16, 0), 0, q->kind);

	if (!msg || (q->opts && q->opts(msg) < 0)) {
		nlmsg_free(msg);
		return diag_set(d, -ENOMEM, "cannot build the request for qdisc '%s'", q->kind);
	}
	return lab_nl_talk(p->nl.route, msg, d, "cannot add qdisc '%s' on '%s'", q->kind,
			   ifname);
}

static int probe_qdisc_del_root(struct probe *p, int ifindex, struct diag *d)
{
	struct nl_msg *msg = probe_tc_msg(RTM_DELQDISC, 0, ifindex, TC_H_ROOT, 0, 0, NULL);

	if (!msg)
		return diag_set(d, -ENOMEM, "out of memory");
	return lab_nl_talk(p->nl.route, msg, d, "cannot delete the root qdisc");
}

static void probe_qdisc_kinds(struct probe *p, int ifindex, const char *ifname)
{
	for (size_t i = 0; i < ARRAY_SIZE(probe_qdiscs); i++) {
		const struct probe_qdisc *q = &probe_qdiscs[i];
		struct diag d = DIAG_INIT;

		if (probe_qdisc_add(p, ifindex, ifname, q, &d) < 0) {
			cap_fail(p, q->cap, &d);
			continue;
		}
		cap_set(p, q->cap, true, "accepted on %s", ifname);
		/* Leave the root free for the next kind. */
		diag_clear(&d);
		if (probe_qdisc_del_root(p, ifindex, &d) < 0)
			cap_set(p, q->cap, true, "accepted on %s, but %s", ifname, diag_str(&d));
	}
}

/*
 * ingress:
 *   tcmsg { parent TC_H_INGRESS, handle ffff:0 }, TCA_KIND "ingress"
 */
static int probe_ingress(struct probe *p, int ifindex, const char *ifname)
{
	struct diag d = DIAG_INIT;
	struct nl_msg *msg = probe_tc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex,
					  TC_H_INGRESS, TC_H_MAKE(TC_H_INGRESS, 0), 0, "ingress");
	int r;

	if (!msg) {
		cap_set(p, CAP_INGRESS, false, "out of memory");
		return -ENOMEM;
	}
	r = lab_nl_talk(p->nl.route, msg, &d, "cannot add qdisc 'ingress' on '%s'", ifname);
	if (r < 0)
		cap_fail(p, CAP_INGRESS, &d);
	else
		cap_set(p, CAP_INGRESS, true, "accepted on %s", ifname);
	return r;
}

/*
 * A match-all u32 filter on the ingress qdisc, optionally redirecting to
 * another device (the lab's ingress->ifb shaping):
 *   tcmsg { parent ffff:0, info prio<<16 | ETH_P_ALL }
 *   TCA_KIND "u32"
 *   TCA_OPTIONS (nested)
 *     ├─ TCA_U32_SEL  struct tc_u32_sel { TERMINAL, 1 key: mask 0 } + key
 *     └─ TCA_U32_ACT (nested)                     only with redirect_to
 *          └─ 1 (nested)
 *               ├─ TCA_ACT_KIND "mirred"
 *               └─ TCA_ACT_OPTIONS (nested)
 *                    └─ TCA_MIRRED_PARMS  struct tc_mirred {
 *                                           STOLEN, EGRESS_REDIR, ifindex }
 */
static int probe_u32(struct probe *p, int ifindex, const char *ifname, uint16_t prio,
		     int redirect_to, struct diag *d)
{
	char sel[sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key)] = { 0 };
	struct tc_u32_sel *s = (struct tc_u32_sel *)sel;
	struct nlattr *opts, *acts, *act, *aopts;
	struct nl_msg *msg;

	s->flags = TC_U32_TERMINAL;
	s->nkeys = 1; /* mask 0, value 0, offset 0: matches every packet */
	msg = probe_tc_msg(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex,
			   TC_H_MAKE(TC_H_INGRESS, 0), 0,
			   TC_H_MAKE((uint32_t)prio << 16, htons(ETH_P_ALL)), "u32");
	if (!msg)
		goto nomem;
	opts = nla_nest_start(msg, TCA_OPTIONS);
	if (!opts || nla_put(msg, TCA_U32_SEL, sizeof(sel), sel) < 0)
		goto nomem;
	if (redirect_to > 0) {
		struct tc_mirred m = {
			.action = TC_ACT_STOLEN,
			.eaction = TCA_EGRESS_REDIR,
			.ifindex = (uint32_t)redirect_to,
		};

		acts = nla_nest_start(msg, TCA_U32_ACT);
		act = acts ? nla_nest_start(msg, 1) : NULL;
		if (!act || nla_put_string(msg, TCA_ACT_KIND, "mirred") < 0)
			goto nomem;
		aopts = nla_nest_start(msg, TCA_ACT_OPTIONS);
		if (!aopts || nla_put(msg, TCA_MIRRED_PARMS, sizeof(m), &m) < 0)
			goto nomem;
		nla_nest_end(msg, aopts);
		nla_nest_end(msg, act);
		nla_nest_end(msg, acts);
	}
	nla_nest_end(msg, opts);
	if (redirect_to > 0)
		return lab_nl_talk(p->nl.route, msg, d,
				   "cannot add a u32 filter with a mirred redirect on '%s'", ifname);
	return lab_nl_talk(p->nl.route, msg, d, "cannot add a u32 filter on '%s'", ifname);
nomem:
	nlmsg_free(msg);
	return diag_set(d, -ENOMEM, "cannot build the u32 filter request");
}

static void probe_tc(struct probe *p)
{
	struct diag d = DIAG_INIT;
	const char *ifname = p->veth ? PROBE_VETH : "lo";
	int ifindex = p->veth ? p->veth : p->lo;
	int target = p->ifb ? p->ifb : p->lo;

	probe_qdisc_kinds(p, ifindex, ifname);
	if (probe_ingress(p, ifindex, ifname) < 0) {
		cap_set(p, CAP_U32, false, "not tried: needs the ingress qdisc");
		cap_set(p, CAP_MIRRED, false, "not tried: needs the ingress qdisc");
		return;
	}
	if (probe_u32(p, ifindex, ifname, 1, 0, &d) < 0) {
		cap_fail(p, CAP_U32, &d);
		cap_set(p, CAP_MIRRED, false, "not tried: needs the u32 filter");
		return;
	}
	cap_set(p, CAP_U32, true, "accepted on %s ingress", ifname);
	diag_clear(&d);
	if (probe_u32(p, ifindex, ifname, 2, target, &d) < 0)
		cap_fail(p, CAP_MIRRED, &d);
	else
		cap_set(p, CAP_MIRRED, true, "redirect %s ingress to %s accepted", ifname,
			p->ifb ? PROBE_IFB : "lo");
}

/* ---- a real MPTCP connection ------------------------------------------------ */

struct probe_conn {
	struct probe *p;
	struct diag d; /* why the connection could not be made */
};

static int probe_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = PROBE_IO_TIMEOUT_S };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

/* getsockopt(SOL_MPTCP, opt) on a connected MPTCP socket; the detail is
 * the length the kernel filled, i.e. how much of the struct it knows. */
static int probe_sockopt(struct probe *p, enum probe_cap c, int fd, int opt,
			 const char *optname, const char *hint)
{
	_Alignas(8) unsigned char buf[PROBE_SOCKOPT_BUF] = { 0 };
	socklen_t len = sizeof(buf);

	/* All zero is what MPTCP_FULL_INFO wants: *_kernel fields and
	 * num_subflows 0, and size_arrays_user 0 asks for no arrays. */
	if (getsockopt(fd, SOL_MPTCP, opt, buf, &len) < 0) {
		int e = errno;

		cap_set(p, c, false, "getsockopt(SOL_MPTCP, %s): %s%s", optname, strerror(e),
			e == EOPNOTSUPP || e == ENOPROTOOPT ? hint : "");
		return -e;
	}
	cap_set(p, c, true, "optlen %u", (unsigned)len);
	return 0;
}

static int probe_diag_cb(struct nl_msg *msg, void *arg)
{
	unsigned *count = arg;

	if (nlmsg_hdr(msg)->nlmsg_type == SOCK_DIAG_BY_FAMILY)
		(*count)++;
	return NL_OK;
}

/*
 * SOCK_DIAG_BY_FAMILY, NLM_F_DUMP
 *   struct inet_diag_req_v2 { AF_INET, IPPROTO_TCP, all states }
 *   └─ INET_DIAG_REQ_PROTOCOL  u32 IPPROTO_MPTCP  (262 does not fit the
 *                                                  u8 sdiag_protocol)
 */
static void probe_mptcp_diag(struct probe *p)
{
	struct inet_diag_req_v2 req = {
		.sdiag_family = AF_INET,
		.sdiag_protocol = IPPROTO_TCP,
		.idiag_states = ~0U,
	};
	struct nl_sock *sk = nl_socket_alloc();
	struct diag d = DIAG_INIT;
	struct nl_msg *msg = NULL;
	unsigned count = 0;
	int one = 1, r;

	if (!sk) {
		cap_set(p, CAP_DIAG, false, "out of memory");
		return;
	}
	/* We are inside the scratch namespace: the socket belongs to it. */
	r = nl_connect(sk, NETLINK_SOCK_DIAG);
	if (r < 0) {
		cap_set(p, CAP_DIAG, false, "cannot open a NETLINK_SOCK_DIAG socket: %s",
			nl_geterror(r));
		goto out;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	msg = nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST);
	if (!msg || nlmsg_append(msg, &req, sizeof(req), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, INET_DIAG_REQ_PROTOCOL, IPPROTO_MPTCP) < 0) {
		nlmsg_free(msg);
		cap_set(p, CAP_DIAG, false, "cannot build the inet_diag request");
		goto out;
	}
	r = lab_nl_dump(sk, msg, probe_diag_cb, &count, &d,
			"inet_diag dump of IPPROTO_MPTCP sockets");
	if (r < 0)
		cap_fail(p, CAP_DIAG, &d);
	else if (!count)
		cap_set(p, CAP_DIAG, false,
			"inet_diag dump of IPPROTO_MPTCP answered no socket while 3 exist");
	else
		cap_set(p, CAP_DIAG, true, "%u MPTCP sockets listed", count);
out:
	nl_socket_free(sk);
}

/* Runs inside the scratch namespace: listener, client, accepted socket
 * over 127.0.0.1, one byte each way, then the probes that need them. */
static int probe_conn_run(void *arg)
{
	struct probe_conn *c = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sa);
	int lfd = -1, cfd = -1, sfd = -1, r = 0;
	char byte = 'x';

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (lfd < 0) {
		r = diag_set(&c->d, -errno, "cannot open an MPTCP socket: %m");
		goto out;
	}
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &slen) < 0) {
		r = diag_set(&c->d, -errno, "cannot listen on 127.0.0.1: %m");
		goto out;
	}
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (cfd < 0 || probe_timeouts(cfd) < 0 || probe_timeouts(lfd) < 0) {
		r = diag_set(&c->d, -errno, "cannot open an MPTCP socket: %m");
		goto out;
	}
	if (connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = diag_set(&c->d, -errno, "cannot connect to 127.0.0.1:%u: %m",
			     ntohs(sa.sin_port));
		goto out;
	}
	sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (sfd < 0) {
		r = diag_set(&c->d, -errno, "cannot accept on 127.0.0.1:%u: %m", ntohs(sa.sin_port));
		goto out;
	}
	errno = 0;
	if (probe_timeouts(sfd) < 0 || write(cfd, &byte, 1) != 1 || read(sfd, &byte, 1) != 1 ||
	    write(sfd, &byte, 1) != 1 || read(cfd, &byte, 1) != 1) {
		r = diag_set(&c->d, errno ? -errno : -EIO,
			     "cannot exchange data over an MPTCP connection: %m");
		goto out;
	}

	/* The kernel answers EOPNOTSUPP both for an option it does not know
	 * and for a connection that fell back to TCP; MPTCP_INFO working
	 * rules out the fallback for MPTCP_FULL_INFO. */
	if (probe_sockopt(c->p, CAP_MPTCP_INFO, cfd, MPTCP_INFO, "MPTCP_INFO",
			  " (unknown to this kernel, or the connection fell back to TCP)") < 0)
		probe_sockopt(c->p, CAP_MPTCP_FULL_INFO, cfd, MPTCP_FULL_INFO, "MPTCP_FULL_INFO",
			      " (unknown to this kernel, or the connection fell back to TCP)");
	else
		probe_sockopt(c->p, CAP_MPTCP_FULL_INFO, cfd, MPTCP_FULL_INFO, "MPTCP_FULL_INFO",
			      " (unknown to this kernel)");
	probe_mptcp_diag(c->p);
out:
	if (sfd >= 0)
		close(sfd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	return r;
}

static void probe_connection(struct probe *p)
{
	struct probe_conn c = { .p = p, .d = DIAG_INIT };
	int r = 0;

	if (!p->caps[CAP_MPTCP].available) {
		r = diag_set(&c.d, -EOPNOTSUPP, "not tried: no MPTCP");
	} else if (!p->lo) {
		r = diag_set(&c.d, -ENODEV, "not tried: no loopback device in the namespace");
	} else {
		r = lab_link_set_up(&p->nl, p->lo, "lo", &c.d);
		if (!r)
			r = lab_netns_run(p->nsfd, probe_conn_run, &c, &c.d);
	}
	if (r < 0) {
		cap_fail(p, CAP_MPTCP_INFO, &c.d);
		cap_fail(p, CAP_MPTCP_FULL_INFO, &c.d);
		cap_fail(p, CAP_DIAG, &c.d);
	}
}

/* ---- BPF struct_ops for MPTCP schedulers ------------------------------------- */

/* Bytes that follow a struct btf_type of this kind, or -1 if unknown. */
static long btf_extra(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return (long)sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * (long)sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * (long)sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * (long)sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * (long)sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return (long)vlen * (long)sizeof(struct btf_enum64);
	default:
		return -1;
	}
}

enum { BTF_SCHED_OPS = 1, BTF_STRUCT_OPS_VALUE = 2, BTF_BPF_SCHED_OPS = 4 };

/* Which of the MPTCP scheduler struct types vmlinux BTF describes. */
static int btf_find_sched_types(const unsigned char *buf, size_t size, unsigned *found)
{
	static const struct {
		const char *name;
		unsigned bit;
	} want[] = {
		{ "mptcp_sched_ops", BTF_SCHED_OPS },
		/* The value type every registered struct_ops gets
		 * (bpf_struct_ops_tcp_congestion_ops for TCP CC). */
		{ "bpf_struct_ops_mptcp_sched_ops", BTF_STRUCT_OPS_VALUE },
		{ "bpf_mptcp_sched_ops", BTF_BPF_SCHED_OPS },
	};
	struct btf_header h;
	size_t pos, end;
	const char *strs;

	*found = 0;
	if (size < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != BTF_MAGIC || h.hdr_len > size ||
	    (size_t)h.hdr_len + h.str_off + h.str_len > size ||
	    (size_t)h.hdr_len + h.type_off + h.type_len > size || !h.str_len)
		return -EBADMSG;
	strs = (const char *)buf + h.hdr_len + h.str_off;
	pos = (size_t)h.hdr_len + h.type_off;
	end = pos + h.type_len;
	while (pos + sizeof(struct btf_type) <= end) {
		struct btf_type t;
		long extra;

		memcpy(&t, buf + pos, sizeof(t));
		extra = btf_extra(BTF_INFO_KIND(t.info), BTF_INFO_VLEN(t.info));
		if (extra < 0)
			return -EPROTO; /* a kind newer than this file */
		pos += sizeof(t) + (size_t)extra;
		if (BTF_INFO_KIND(t.info) != BTF_KIND_STRUCT || t.name_off >= h.str_len ||
		    !memchr(strs + t.name_off, '\0', h.str_len - t.name_off))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(want); i++)
			if (!strcmp(strs + t.name_off, want[i].name))
				*found |= want[i].bit;
	}
	return 0;
}

static int read_file(const char *path, unsigned char **out, size_t *size)
{
	size_t cap = 1 << 22, len = 0;
	unsigned char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0 || !buf) {
		r = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			unsigned char *g = realloc(buf, cap * 2);

			if (!g) {
				r = -ENOMEM;
				goto out;
			}
			buf = g;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	*out = TAKE_PTR(buf);
	*size = len;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

static void probe_struct_ops(struct probe *p)
{
	unsigned char *btf = NULL;
	unsigned found = 0;
	size_t size = 0;
	int r = read_file(PROBE_BTF, &btf, &size);

	if (r < 0) {
		cap_set(p, CAP_STRUCT_OPS, false, "no kernel BTF: cannot read '%s': %s", PROBE_BTF,
			strerror(-r));
		return;
	}
	r = btf_find_sched_types(btf, size, &found);
	free(btf);
	if (r < 0)
		cap_set(p, CAP_STRUCT_OPS, false, "cannot parse '%s': %s", PROBE_BTF,
			r == -EPROTO ? "unknown BTF kind" : "malformed");
	else if (found & BTF_STRUCT_OPS_VALUE)
		cap_set(p, CAP_STRUCT_OPS, true,
			"vmlinux BTF has 'bpf_struct_ops_mptcp_sched_ops': BPF schedulers can be registered");
	else if (found & BTF_BPF_SCHED_OPS)
		cap_set(p, CAP_STRUCT_OPS, true, "vmlinux BTF has 'bpf_mptcp_sched_ops'");
	else if (found & BTF_SCHED_OPS)
		cap_set(p, CAP_STRUCT_OPS, false,
			"vmlinux BTF has 'mptcp_sched_ops' but no 'bpf_struct_ops_mptcp_sched_ops': no BPF scheduler struct_ops in this kernel");
	else
		cap_set(p, CAP_STRUCT_OPS, false, "vmlinux BTF has no 'mptcp_sched_ops'");
}

/* ---- the whole probe -------------------------------------------------------- */

int lab_probe(struct lab_cap **caps_out, unsigned *n_out, struct diag *d)
{
	struct probe p = { .nsfd = -1 };
	bool nl_open = false;
	int r;

	*caps_out = NULL;
	*n_out = 0;
	p.caps = calloc(CAP_COUNT, sizeof(*p.caps));
	if (!p.caps)
		return diag_set(d, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < CAP_COUNT; i++) {
		snprintf(p.caps[i].name, sizeof(p.caps[i].name), "%s", probe_cap_names[i]);
		snprintf(p.caps[i].detail, sizeof(p.caps[i].detail), "not probed");
	}
	probe_struct_ops(&p);

	r = xsnprintf(p.netns, sizeof(p.netns), LAB_NETNS_PREFIX "probe%d", (int)getpid());
	if (r < 0) {
		diag_set(d, r, "cannot name the probe namespace");
		goto out;
	}
	r = lab_netns_create(p.netns, &p.nsfd, d);
	if (r == -EEXIST) {
		/* Left by a crashed process that had our pid: ours by name. */
		diag_clear(d);
		r = lab_netns_delete(p.netns, d);
		if (!r)
			r = lab_netns_create(p.netns, &p.nsfd, d);
	}
	if (r < 0) {
		diag_prefix(d, "cannot probe the kernel");
		goto out;
	}
	r = lab_nl_open(&p.nl, p.nsfd, p.netns, d);
	if (r < 0) {
		diag_prefix(d, "cannot probe the kernel");
		goto out;
	}
	nl_open = true;
	{
		struct diag ld = DIAG_INIT;

		if (lab_link_ifindex(&p.nl, "lo", &p.lo, &ld) < 0)
			p.lo = 0;
	}

	probe_mptcp(&p);
	probe_pm_genl(&p);
	probe_mptcp_sysctls(&p);
	probe_connection(&p);
	probe_links(&p);
	probe_tc(&p);
out:
	if (nl_open)
		lab_nl_close(&p.nl);
	if (p.nsfd >= 0) {
		struct diag dd = DIAG_INIT;

		close(p.nsfd);
		if (lab_netns_delete(p.netns, &dd) < 0 && !r)
			r = diag_set(d, dd.err, "cannot remove the probe namespace: %s",
				     diag_str(&dd));
	}
	if (r < 0) {
		free(p.caps);
		return r;
	}
	*caps_out = p.caps;
	*n_out = CAP_COUNT;
	return 0;
}
