/*
 * lab_int.h: interfaces shared by the files of lab/ (not installed, not
 * used outside lab/ except by white-box unit tests).
 *
 *   nl.c       sockets per namespace, extended ACK, request/ack and dumps
 *   netns.c    named namespaces compatible with `ip netns`, enter/leave,
 *              killing what runs inside, waiting until they are gone
 *   link.c     veth, ifb, up/down, MTU, addresses, routes (+ read back)
 *   sysctl.c   per-namespace sysctls (+ read back)
 *   qdisc*.c   tbf, htb, netem, ingress + u32/mirred to ifb (a vtable of
 *              kinds), shaping placement, read back
 *   mptcp_pm.c the mptcp_pm generic-netlink family
 *   journal.c  the undo journal
 *   registry.c /run/mptcp-lab/NAME.lab: who owns a lab
 *   probe.c    capability probes in a scratch namespace
 *   lab.c      lab_up()/lab_down(): the order of the steps
 *   show.c     lab_show(): the lab from the kernel's point of view
 */
#ifndef MPL_LAB_INT_H
#define MPL_LAB_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "lab.h"

struct nl_sock;
struct nl_msg;

/* ---- nl.c ------------------------------------------------------------------ */

/* Netlink sockets opened inside one namespace (a socket stays bound to the
 * namespace it was created in, so the process itself stays where it is). */
struct lab_nl {
	struct nl_sock *route; /* NETLINK_ROUTE */
	struct nl_sock *genl;  /* NETLINK_GENERIC, opened on first use */
	int netns_fd;	       /* not owned */
	int pm_family;	       /* mptcp_pm family id, 0 = not resolved yet */
	char netns[64];	       /* for messages */
};

/* Open the route socket inside netns_fd (-1: the current namespace).
 * NETLINK_EXT_ACK is enabled on every socket. */
int lab_nl_open(struct lab_nl *nl, int netns_fd, const char *netns_name,
		struct diag *d);
void lab_nl_close(struct lab_nl *nl);
/* Open the generic-netlink socket and resolve "mptcp_pm" (cached). */
int lab_nl_genl(struct lab_nl *nl, struct diag *d);

/* Send msg with NLM_F_ACK and wait for the answer. On failure set d to
 * "<what>: <strerror> (kernel: <extack text>)" where what comes from
 * fmt. Always frees msg. Returns 0 or a negative errno. */
int lab_nl_talk(struct nl_sock *sk, struct nl_msg *msg, struct diag *d,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Send a dump request (msg must carry NLM_F_DUMP) and call cb for every
 * reply message; cb returns NL_OK / NL_SKIP / NL_STOP or a negative errno
 * to abort. Always frees msg. */
typedef int (*lab_nl_cb)(struct nl_msg *msg, void *arg);
int lab_nl_dump(struct nl_sock *sk, struct nl_msg *msg, lab_nl_cb cb, void *arg,
		struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Same as lab_nl_dump for a request without NLM_F_DUMP that answers with
 * one message (e.g. GET_LIMITS). */
int lab_nl_get(struct nl_sock *sk, struct nl_msg *msg, lab_nl_cb cb, void *arg,
	       struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Map a libnl error (-NLE_*) to a negative errno. */
int lab_nl_errno(int nle);

/* ---- netns.c --------------------------------------------------------------- */

#define LAB_NETNS_DIR "/run/netns"

/* Create /run/netns/<name> like `ip netns add`; returns an O_CLOEXEC fd to
 * the new namespace in *fd. -EEXIST if the name is taken. Loopback is not
 * brought up here. */
int lab_netns_create(const char *name, int *fd, struct diag *d);
/* Open an existing named namespace. */
int lab_netns_open(const char *name, int *fd, struct diag *d);
/* Kill every process whose network namespace is this one (SIGKILL), wait
 * until they are gone (bounded), unmount and unlink the name. Idempotent:
 * a missing name is not an error. */
int lab_netns_delete(const char *name, struct diag *d);
/* The same for several namespaces at once (one scan of /proc). */
int lab_netns_delete_set(const char *const *names, unsigned n, struct diag *d);
/* Pids of processes in the namespace named name (caller frees *pids). */
int lab_netns_pids(const char *name, pid_t **pids, unsigned *n);
/* Run fn(arg) with the calling thread inside nsfd, then come back. */
int lab_netns_run(int nsfd, int (*fn)(void *arg), void *arg, struct diag *d);
/* Names in /run/netns starting with prefix (caller frees each + array). */
int lab_netns_list(const char *prefix, char ***names, unsigned *n);

/* ---- link.c ---------------------------------------------------------------- */

/* Create a veth pair, both ends up: name_a inside nl_a's namespace,
 * name_b inside nl_b's. Ifindexes > 0 in *ifindex_a / *ifindex_b are
 * requested from the kernel; <= 0 asks the kernel's choice, returned. */
int lab_link_add_veth(struct lab_nl *nl_a, const char *name_a, struct lab_nl *nl_b,
		      const char *name_b, int *ifindex_b, uint32_t mtu,
		      int *ifindex_a, struct diag *d);
int lab_link_add_ifb(struct lab_nl *nl, const char *name, int *ifindex,
		     struct diag *d);
/* The highest ifindex in the namespace: 1 in a fresh one (lo), more where
 * the kernel adds fallback tunnels such as sit0 to every namespace. */
int lab_link_max_ifindex(struct lab_nl *nl, int *max, struct diag *d);
int lab_link_ifindex(struct lab_nl *nl, const char *name, int *ifindex,
		     struct diag *d);
int lab_link_set_up(struct lab_nl *nl, int ifindex, const char *name,
		    struct diag *d);
int lab_link_set_state(struct lab_nl *nl, int ifindex, const char *name, bool up,
		       struct diag *d);
int lab_link_del(struct lab_nl *nl, int ifindex, struct diag *d);
int lab_addr_add(struct lab_nl *nl, int ifindex, const char *ifname,
		 const struct lab_addr *a, struct diag *d);
int lab_route_add(struct lab_nl *nl, const struct lab_route_spec *r,
		  int oif, struct diag *d);

/* ---- sysctl.c -------------------------------------------------------------- */

/* Read a sysctl of the namespace nsfd ("net.ipv4.ip_forward"), trailing
 * newline removed. */
int lab_sysctl_get(int nsfd, const char *key, char *val, size_t size,
		   struct diag *d);
/* Write, then read back and compare (whitespace-normalised). The old value
 * is stored in old (if not NULL) for the journal. */
int lab_sysctl_set(int nsfd, const char *key, const char *val, char *old,
		   size_t old_size, struct diag *d);

/* ---- qdisc*.c -------------------------------------------------------------- */

/* A new tc message (RTM_NEWQDISC, RTM_DELQDISC, RTM_GETTCLASS, ...) with
 * its struct tcmsg filled in; NULL when out of memory. qdisc.c; also
 * used by the capability probe. */
struct nl_msg *lab_tc_msg_new(int type, int flags, int ifindex, uint32_t handle,
			      uint32_t parent, uint32_t info);

/* Parameters derived for one shaped interface (also used by the tests that
 * check the netlink requests). */
struct lab_shape_params {
	uint64_t rate_bps;
	uint32_t burst_bytes;	/* tbf/htb bucket */
	uint32_t queue_bytes;	/* tbf limit */
	uint32_t mtu;
	struct lab_shaping sh;	/* the input, delay/loss for netem */
	uint32_t netem_limit;	/* packets */
};

/* Derive burst, queue and netem limit from the shaping and the MTU. */
void lab_shape_derive(const struct lab_shaping *sh, uint32_t mtu,
		      struct lab_shape_params *p);

/* Put the shaping on the egress of ifindex: rate shaper (tbf or htb) at
 * the root and netem as its child when delay/jitter/loss/reorder are set,
 * or netem alone. Reads the result back and compares. */
int lab_shape_egress(struct lab_nl *nl, int ifindex, const char *ifname,
		     const struct lab_shaping *sh, uint32_t mtu, struct diag *d);

/* Ingress shaping through ifb: create ifb_name, add the ingress qdisc on
 * ifindex, a u32 match-all filter with mirred egress redirect to the ifb,
 * and shape the ifb's egress with lab_shape_egress(). */
int lab_shape_ingress(struct lab_nl *nl, int ifindex, const char *ifname,
		      const char *ifb_name, const struct lab_shaping *sh,
		      uint32_t mtu, struct diag *d);

/* Delete the root (egress) and ingress qdiscs of ifindex (missing ones are
 * fine). */
int lab_qdisc_clear(struct lab_nl *nl, int ifindex, struct diag *d);

/* Build (not send) the RTM_NEWQDISC request for one qdisc kind; used by
 * lab_shape_egress and by unit tests. kind: "tbf", "htb", "netem". */
int lab_qdisc_build(const char *kind, int ifindex, uint32_t handle,
		    uint32_t parent, const struct lab_shape_params *p,
		    struct nl_msg **msg, struct diag *d);

/* Dump the qdiscs of ifindex. */
int lab_qdisc_dump(struct lab_nl *nl, int ifindex, struct lab_show_qdisc *out,
		   unsigned max, unsigned *n, struct diag *d);

/* ---- mptcp_pm.c ------------------------------------------------------------ */

int lab_pm_flush(struct lab_nl *nl, struct diag *d);
int lab_pm_set_limits(struct lab_nl *nl, uint32_t subflows,
		      uint32_t add_addr_accepted, struct diag *d);
int lab_pm_get_limits(struct lab_nl *nl, uint32_t *subflows,
		      uint32_t *add_addr_accepted, struct diag *d);
/* ifindex 0: no device. */
int lab_pm_add_endpoint(struct lab_nl *nl, const struct lab_endpoint_spec *e,
			int ifindex, struct diag *d);
int lab_pm_dump_endpoints(struct lab_nl *nl, struct lab_show_endpoint *out,
			  unsigned max, unsigned *n, struct diag *d);

/* ---- mptcp_diag.c ---------------------------------------------------------- */

/* Open and close an IPPROTO_MPTCP socket inside nsfd (nsfd < 0: here):
 * 0, or the negative errno of socket(); d is set only when nsfd cannot be
 * entered. */
int lab_mptcp_socket_try(int nsfd, struct diag *d);

/* ---- spec.c --------------------------------------------------------------- */

/* Where one direction of a path is shaped: the forwarding node's egress
 * towards the receiver, or the receiver's ingress on a direct link. */
int lab_path_placement(const struct lab_spec *s, const struct lab_path_spec *p, bool up,
		       const struct lab_iface_spec **iface, bool *ingress);

/* ---- show.c --------------------------------------------------------------- */

int lab_show_read_node(struct lab_nl *nl, const char *netns, bool with_qdiscs,
		       struct lab_show_node *out, struct diag *d);

/* ---- journal.c ------------------------------------------------------------- */

/*
 * Links, addresses, routes, qdiscs and endpoints live inside a lab
 * namespace and go with it; deleting them one by one would only add an RCU
 * grace period per device. The journal records what outlives its
 * container: the namespaces themselves and the registry entry (and, in
 * later kinds, anything a lab changes outside its own namespaces).
 */
enum lab_undo_kind {
	LAB_UNDO_NETNS,	   /* delete namespace `name` (kill its processes first) */
	LAB_UNDO_REGISTRY, /* remove the registry entry of lab `name` */
};

struct lab_undo {
	enum lab_undo_kind kind;
	char name[64];
};

struct lab_journal {
	struct lab_undo *items;
	unsigned n, cap;
};

int lab_journal_push(struct lab_journal *j, const struct lab_undo *u);
void lab_journal_release(struct lab_journal *j);

/* ---- registry.c ------------------------------------------------------------ */

struct lab_registry_entry {
	char name[LAB_NAME_MAX];
	pid_t owner;
	unsigned long long owner_start; /* /proc/<pid>/stat field 22 */
	bool persistent;
};

int lab_registry_create(const char *name, bool persistent, struct diag *d);
int lab_registry_set_persistent(const char *name, bool persistent,
				struct diag *d);
int lab_registry_read(const char *name, struct lab_registry_entry *e);
int lab_registry_remove(const char *name);
int lab_registry_list(struct lab_registry_entry **e, unsigned *n);
bool lab_registry_owner_alive(const struct lab_registry_entry *e);

#endif
