/*
 * lab.h: the public face of lab/, which builds and tears down the network.
 *
 * lab/ turns a struct lab_spec (plain C, filled by runner/ from a topology
 * file) into network namespaces, veth pairs, addresses, routes, sysctls,
 * qdiscs and MPTCP path-manager state, all through libnl, and reads every
 * setting back. Everything it creates is pushed onto an undo journal and
 * removed in reverse order by lab_down(), whatever went wrong before.
 *
 * It never prints, exits, parses JSON or touches SQL: failures come back as
 * a negative errno plus a struct diag that names the object and carries the
 * kernel's extended-ACK text.
 *
 * Naming: a lab called NAME owns the namespaces "mpl-NAME-<node>" and a
 * registry file /run/mptcp-lab/NAME.lab; nothing else on the host is
 * touched. Interfaces live only inside the lab's namespaces.
 */
#ifndef MPL_LAB_H
#define MPL_LAB_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

#define LAB_NAME_MAX 17 /* lab and node names: 1..16 of [a-z0-9_-] */
#define LAB_IFNAMSIZ 16 /* IFNAMSIZ: 15 bytes + NUL */
#define LAB_NETNS_PREFIX "mpl-"
#define LAB_RUN_DIR "/run/mptcp-lab"

#define LAB_MAX_NODES 16
#define LAB_MAX_LINKS 32
#define LAB_MAX_ADDRS 4 /* per interface */
#define LAB_MAX_ROUTES 64
#define LAB_MAX_SYSCTLS 64
#define LAB_MAX_ENDPOINTS 16
#define LAB_MAX_PATHS 8
#define LAB_SYSCTL_KEY_MAX 96
#define LAB_SYSCTL_VAL_MAX 64

/* ---- addresses ---------------------------------------------------------- */

struct lab_addr {
	int family; /* AF_INET, AF_INET6, or 0 for "none" */
	uint8_t bytes[16];
	uint8_t prefixlen; /* host addresses: 32/128 unless given */
};

/* "10.0.1.1/24", "fd00::1/64", "10.0.1.1" (prefix = full length),
 * "default" (family must then be given by the caller: not accepted here).
 * Returns 0 or -EINVAL. */
int lab_addr_parse(const char *s, struct lab_addr *a);
/* "10.0.1.1/24" (with_prefix) or "10.0.1.1". */
const char *lab_addr_format(const struct lab_addr *a, bool with_prefix, char *buf,
			    size_t size);
bool lab_addr_equal(const struct lab_addr *a, const struct lab_addr *b);

/* ---- the specification --------------------------------------------------- */

/* Shaping for one direction of a path. Zero means "not set". */
struct lab_shaping {
	uint64_t rate_bps;    /* 0: no rate limit */
	uint64_t delay_us;    /* one-way delay added in this direction */
	uint64_t jitter_us;
	double loss_pct;      /* 0..100 */
	double reorder_pct;   /* 0..100, needs delay */
	uint32_t limit_pkts;  /* netem queue; 0: derived from rate × delay */
	uint64_t queue_bytes; /* rate shaper queue; 0: derived from the BDP */
	enum lab_rate_qdisc { LAB_RATE_TBF = 0, LAB_RATE_HTB } rate_qdisc;
};

bool lab_shaping_needs_netem(const struct lab_shaping *s);

struct lab_iface_spec {
	char node[LAB_NAME_MAX];
	char ifname[LAB_IFNAMSIZ];
	struct lab_addr addrs[LAB_MAX_ADDRS];
	unsigned n_addrs;
};

struct lab_link_spec {
	char name[LAB_NAME_MAX];
	struct lab_iface_spec end[2];
	uint32_t mtu; /* 0: kernel default */
};

struct lab_route_spec {
	char node[LAB_NAME_MAX];
	struct lab_addr dst; /* prefixlen 0 = default route of dst.family */
	struct lab_addr via; /* family 0: directly connected */
	char dev[LAB_IFNAMSIZ];
	uint32_t metric;
};

struct lab_sysctl_spec {
	char node[LAB_NAME_MAX];
	char key[LAB_SYSCTL_KEY_MAX]; /* dotted: "net.ipv4.ip_forward" */
	char value[LAB_SYSCTL_VAL_MAX];
};

enum {
	LAB_PM_FLAG_SIGNAL = 1 << 0,
	LAB_PM_FLAG_SUBFLOW = 1 << 1,
	LAB_PM_FLAG_BACKUP = 1 << 2,
	LAB_PM_FLAG_FULLMESH = 1 << 3,
};

struct lab_endpoint_spec {
	char node[LAB_NAME_MAX];
	struct lab_addr addr; /* prefixlen ignored */
	uint8_t id;	      /* 1..255; 0: let the kernel choose */
	char dev[LAB_IFNAMSIZ];
	uint32_t flags; /* LAB_PM_FLAG_* */
	uint16_t port;	/* 0: none */
};

struct lab_limits_spec {
	char node[LAB_NAME_MAX];
	uint32_t subflows;
	uint32_t add_addr_accepted;
};

/*
 * A path is an ordered chain of links from the client side to the server
 * side. lab_up() places its shaping "in the network": with a router on the
 * path, on the router's egress towards the server (up) and towards the
 * client (down); on a direct link, on the receiver's ingress through ifb.
 * Never on a sender's own egress.
 */
struct lab_path_spec {
	char name[LAB_NAME_MAX];
	char links[4][LAB_NAME_MAX]; /* link names, client side first */
	unsigned n_links;
	struct lab_shaping up;	 /* client -> server */
	struct lab_shaping down; /* server -> client */
};

struct lab_spec {
	char name[LAB_NAME_MAX]; /* the lab (run-scoped) name */
	char client[LAB_NAME_MAX]; /* node on the client side of the paths */
	char server[LAB_NAME_MAX]; /* node on the server side of the paths */
	char nodes[LAB_MAX_NODES][LAB_NAME_MAX];
	unsigned n_nodes;
	struct lab_link_spec links[LAB_MAX_LINKS];
	unsigned n_links;
	struct lab_route_spec routes[LAB_MAX_ROUTES];
	unsigned n_routes;
	struct lab_sysctl_spec sysctls[LAB_MAX_SYSCTLS];
	unsigned n_sysctls;
	struct lab_limits_spec limits[LAB_MAX_NODES];
	unsigned n_limits;
	struct lab_endpoint_spec endpoints[LAB_MAX_ENDPOINTS];
	unsigned n_endpoints;
	struct lab_path_spec paths[LAB_MAX_PATHS];
	unsigned n_paths;
};

/* Check a spec for things only lab/ knows (names, cross references,
 * placement of shaping). Returns 0 or -EINVAL with the first problem. */
int lab_spec_validate(const struct lab_spec *spec, struct diag *d);

/* 1..16 characters of [a-z0-9_-], starting with a letter or digit. */
bool lab_name_valid(const char *name);
/* Interface name acceptable to the kernel (1..15 bytes, no '/', ':' or
 * whitespace, not "." or ".."). */
bool lab_ifname_valid(const char *name);

/* ---- building and tearing down ------------------------------------------ */

struct lab;

struct lab_opts {
	/* Checked between steps; when it becomes non-zero lab_up() stops and
	 * returns -EINTR (the caller then calls lab_down()). May be NULL. */
	const volatile sig_atomic_t *cancel;
	/* Test hook: fail with -ECANCELED right before step N (1-based). */
	unsigned fail_at_step;
	/* Test hook: add this many links (ifb, named mplfb<k>) to every new
	 * namespace before the lab numbers its own, the way a kernel with
	 * sit, ip6_tunnel, ipip or gre adds its fallback devices. */
	unsigned test_fallback_links;
};

/* Build the lab. Until lab_detach() it belongs to the calling process:
 * if that process dies, `cleanup --stale` may remove it. On failure *out still holds the half-built lab (or NULL
 * if nothing was created) and the caller must call lab_down() on it. */
int lab_up(const struct lab_spec *spec, const struct lab_opts *opts,
	   struct lab **out, struct diag *d);

/* Replay the undo journal in reverse order, kill what is left in the
 * namespaces, delete them and wait until they are gone; frees lab.
 * Accepts NULL. Keeps going after errors and reports the first one. */
int lab_down(struct lab *lab, struct diag *d);

/* Forget the journal without undoing it (the lab is kept for "topo up");
 * the registry records it as persistent. Frees lab. */
void lab_detach(struct lab *lab);

/* Timed events while a lab runs. A link event acts on the path's first
 * link, on the end away from the client, so the client sees its carrier
 * go (a cut cable, not an administrative change on the host under test). */
int lab_path_set_link(struct lab *lab, const char *path, bool up, struct diag *d);
/* Replace a path's shaping (full new shaping for each direction; a zero
 * struct removes it). Placement as in lab_up(). */
int lab_path_set_shaping(struct lab *lab, const char *path, const struct lab_shaping *up,
			 const struct lab_shaping *down, struct diag *d);

/* Steps lab_up() has completed; test hooks use it. */
unsigned lab_steps(const struct lab *lab);

const char *lab_name(const struct lab *lab);
/* A run-scoped lab name: prefix + 6 random hex digits. */
int lab_random_name(const char *prefix, char *buf, size_t size);
/* "mpl-<lab>-<node>" into buf. */
int lab_netns_name(const char *lab, const char *node, char *buf, size_t size);
/* Open fd of a node's netns (owned by lab, do not close), or -ENOENT. */
int lab_netns_fd(const struct lab *lab, const char *node);

/* ---- labs on the host ----------------------------------------------------- */

struct lab_info {
	char name[LAB_NAME_MAX];
	pid_t owner;	   /* process that built it */
	bool owner_alive;  /* owner still running (pid + start time match) */
	bool persistent;   /* kept by "topo up" */
	unsigned n_netns;  /* namespaces present with its prefix */
	char nodes[LAB_MAX_NODES][LAB_NAME_MAX];
	unsigned n_nodes;
};

/* Labs known to the registry plus orphan "mpl-*" namespaces. */
int lab_list(struct lab_info **infos, unsigned *n, struct diag *d);

/* Remove a lab by name: kill its processes, delete its namespaces, wait,
 * drop its registry entry. -ENOENT when there is no such lab. */
int lab_destroy(const char *name, struct diag *d);

/* Remove every lab whose owner is dead and that is not persistent, and
 * every "mpl-*" namespace without a registry entry. Touches nothing else.
 * Names of removed labs are returned (caller frees). */
int lab_cleanup_stale(char ***removed, unsigned *n_removed, struct diag *d);
/* The same for the labs built by one process that has ended (a supervisor
 * reaping a worker that could not tear its lab down): labs of another
 * process, or of a process still running, are never touched. */
int lab_cleanup_owner(pid_t owner, char ***removed, unsigned *n_removed, struct diag *d);

/* ---- what the kernel says the lab is -------------------------------------- */

struct lab_show_qdisc {
	char kind[16];
	uint32_t handle, parent;
	uint64_t rate_bps;	/* tbf/htb rate, 0 if none */
	uint64_t delay_us;	/* netem */
	double loss_pct;	/* netem */
	uint32_t limit;		/* bytes (tbf) or packets (netem) */
};

struct lab_show_iface {
	char ifname[LAB_IFNAMSIZ];
	char kind[16]; /* "veth", "ifb", "loopback" ... */
	int ifindex;
	bool up;
	uint32_t mtu;
	struct lab_addr addrs[8];
	unsigned n_addrs;
	struct lab_show_qdisc qdiscs[8];
	unsigned n_qdiscs;
};

struct lab_show_route {
	struct lab_addr dst, via;
	char dev[LAB_IFNAMSIZ];
	uint32_t metric;
};

struct lab_show_endpoint {
	uint8_t id;
	struct lab_addr addr;
	char dev[LAB_IFNAMSIZ];
	uint32_t flags;
};

struct lab_show_node {
	char node[LAB_NAME_MAX];
	char netns[64];
	struct lab_show_iface ifaces[16];
	unsigned n_ifaces;
	struct lab_show_route routes[32];
	unsigned n_routes;
	struct lab_show_endpoint endpoints[LAB_MAX_ENDPOINTS];
	unsigned n_endpoints;
	bool has_limits;
	uint32_t limit_subflows, limit_add_addr_accepted;
	unsigned n_pids; /* processes running in the namespace */
};

/* Read a lab back from the kernel, namespace by namespace. *nodes is
 * allocated (caller frees). */
int lab_show(const char *name, struct lab_show_node **nodes, unsigned *n,
	     struct diag *d);

/* Flags for lab_pm_flags_format(): "signal,subflow". */
const char *lab_pm_flags_format(uint32_t flags, char *buf, size_t size);
int lab_pm_flags_parse(const char *word, uint32_t *flag);

#endif
