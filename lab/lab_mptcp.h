/*
 * lab_mptcp.h: evidence that a run really used MPTCP, taken from the
 * kernel of one namespace.
 *
 *   mib.c         the MPTcpExt MIB counters of /proc/net/netstat (per
 *                 namespace), parsed by name, and their deltas
 *   mptcp_diag.c  the MPTCP sockets of a namespace through sock_diag
 *                 (INET_DIAG_REQ_PROTOCOL = IPPROTO_MPTCP), with the
 *                 struct mptcp_info the kernel attaches to each
 *   pm_events.c   the path manager's events (generic netlink group
 *                 mptcp_pm_events) of a namespace while a run lasts
 *
 * All only read. They never print or exit; failures come back as a
 * negative errno and a struct diag.
 */
#ifndef MPL_LAB_MPTCP_H
#define MPL_LAB_MPTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "telemetry.h"

/* ---- mib.c ----------------------------------------------------------------- */

#define LAB_MIB_NAME_MAX 48
/* 6.18 exports 76 MPTcpExt counters; room for the kernels to come. */
#define LAB_MIB_MAX 160

struct lab_mib {
	unsigned n;
	struct {
		char name[LAB_MIB_NAME_MAX]; /* "MPCapableSYNRX", without "MPTcpExt" */
		uint64_t value;
	} c[LAB_MIB_MAX];
};

/*
 * Read the MPTcpExt counters of the namespace nsfd (-1: the current one)
 * from /proc/thread-self/net/netstat, which shows the namespace of the
 * reading thread. The per-namespace MIB is allocated on the first MPTCP
 * socket, so a fresh namespace reads all zeros, not an error.
 * -ENOENT: the kernel has no MPTcpExt line (no MPTCP).
 */
int lab_mib_read(int nsfd, struct lab_mib *m, struct diag *d);

/*
 * Parse the text of /proc/net/netstat (text need not be NUL-terminated):
 * the "MPTcpExt:" header line and the value line after it, matched BY
 * NAME, never by position. Other lines are ignored.
 * -ENOENT: no MPTcpExt lines; -EINVAL: malformed (no value line, counts
 * differ, a value that is not a decimal u64, a repeated name);
 * -ENAMETOOLONG: a name of LAB_MIB_NAME_MAX bytes or more; -E2BIG: more
 * than LAB_MIB_MAX counters (raise it). m is empty on failure.
 */
int lab_mib_parse(const char *text, size_t len, struct lab_mib *m);

/* The value of counter name, or false if this kernel does not have it. */
bool lab_mib_get(const struct lab_mib *m, const char *name, uint64_t *value);

/* true for the entries that are gauges, not counters (MPCurrEstab: the
 * connections established right now), which can go down. */
bool lab_mib_is_gauge(const char *name);

/*
 * delta = after - before, for every counter present in both, in the order
 * of after. Gauges are left out (read them from after). Counters only
 * grow: a decrease means the two snapshots are not of the same namespace
 * (or the namespace was recreated) and returns -ERANGE. delta may not
 * alias before or after.
 */
int lab_mib_delta(const struct lab_mib *before, const struct lab_mib *after,
		  struct lab_mib *delta);

/* ---- mptcp_diag.c ---------------------------------------------------------- */

/* One MPTCP connection-level socket (an msk), as sock_diag shows it. */
struct lab_mptcp_conn {
	uint32_t token;
	int family;			/* AF_INET, AF_INET6 */
	int state;			/* TCP_ESTABLISHED, ... (<netinet/tcp.h>) */
	char local[64], remote[64];	/* "10.0.1.1:5201", "[fd00::1]:5201" */
	uint8_t subflows_extra;		/* mptcpi_subflows: besides the first */
	uint8_t subflows_total;		/* mptcpi_subflows_total (v6.8+) */
	bool has_total;
	bool fallback;			/* MPTCP_INFO_FLAG_FALLBACK: plain TCP */
	uint64_t bytes_sent, bytes_received, bytes_acked;
	bool has_bytes;			/* the kernel's struct covers them (v6.5+) */
	uint32_t info_bytes;		/* length of the struct mptcp_info returned */
};

/*
 * Dump every MPTCP connection of namespace nsfd (-1: the current one):
 * both families, every state but LISTEN (listeners are not connections).
 * A field of struct mptcp_info is trusted only when the attribute's
 * length covers it. At most max are stored, *n says how many; -ENOSPC if
 * there were more (the first max are still stored). -EOPNOTSUPP when the
 * kernel has no MPTCP sock_diag (CONFIG_INET_MPTCP_DIAG).
 */
int lab_mptcp_conns(int nsfd, struct lab_mptcp_conn *out, unsigned max, unsigned *n,
		    struct diag *d);

/*
 * Fill c from the payload of one INET_DIAG_INFO attribute (a struct
 * mptcp_info of len bytes, as long as the running kernel's); pure, for
 * tests. -EPROTO if len does not even cover the v5.9 fields.
 */
int lab_mptcp_conn_from_info(const void *info, size_t len, struct lab_mptcp_conn *c);

/* Whether the namespace nsfd lets a process open an MPTCP socket
 * (net.mptcp.enabled, CONFIG_MPTCP): a real socket() is tried there. */
bool lab_mptcp_socket_available(int nsfd);

/* ---- pm_events.c (path-manager events) ---------------------------------- */

/*
 * The mptcp_pm_events generic-netlink multicast group of one namespace:
 * what the in-kernel path manager did (connections created and closed,
 * subflows joined, closed or changing priority, addresses announced and
 * removed, listeners). The socket is created inside the namespace, so
 * only that namespace's events arrive. Reading never blocks: it drains
 * what the kernel has queued.
 */

/* Event numbers as in <linux/mptcp.h> (MPTCP_EVENT_*), stable uapi. */
enum lab_pm_event_type {
	LAB_PM_EV_CREATED = 1,
	LAB_PM_EV_ESTABLISHED = 2,
	LAB_PM_EV_CLOSED = 3,
	LAB_PM_EV_ANNOUNCED = 6,
	LAB_PM_EV_REMOVED = 7,
	LAB_PM_EV_SUB_ESTABLISHED = 10,
	LAB_PM_EV_SUB_CLOSED = 11,
	LAB_PM_EV_SUB_PRIORITY = 13,
	LAB_PM_EV_LISTENER_CREATED = 15,
	LAB_PM_EV_LISTENER_CLOSED = 16,
};

/* An event is a struct telemetry_pm_event (common/telemetry.h): the
 * listener fills it, results/ stores it as it is. */

struct lab_pm_events;

/*
 * Join the mptcp_pm_events group inside namespace nsfd (-1: the current
 * one); every event read from h carries role ('c', 's': which end of the
 * transfer the namespace holds). -EOPNOTSUPP when the kernel has no
 * "mptcp_pm" family or no such group.
 */
int lab_pm_events_open(int nsfd, char role, struct lab_pm_events **h, struct diag *d);

/*
 * Hand every event queued on h to fn, without blocking; fn returns < 0 to
 * stop with that value. Returns the number of events handed over, or a
 * negative errno. Messages that are not MPTCP events are skipped.
 */
typedef int (*lab_pm_event_fn)(const struct telemetry_pm_event *ev, void *arg);
int lab_pm_events_read(struct lab_pm_events *h, lab_pm_event_fn fn, void *arg,
		       struct diag *d);

/* How many times the kernel dropped events because the socket's buffer
 * was full (ENOBUFS): events were lost when this is not 0. */
unsigned lab_pm_events_overruns(const struct lab_pm_events *h);

/* Leave the group and free h. Accepts NULL. */
void lab_pm_events_close(struct lab_pm_events *h);

/*
 * Parse one generic-netlink message (nlmsghdr + genlmsghdr + attributes,
 * len bytes) into ev, stamped t_us, its type named by lab_pm_event_name()
 * ("event_<n>" for a number it does not know); the role is left 0. Pure,
 * for tests. -EPROTO when it is not an MPTCP event or is malformed.
 */
int lab_pm_event_parse(const void *msg, size_t len, uint64_t t_us,
		       struct telemetry_pm_event *ev);

/* "created", "sub_established", ... (enum lab_pm_event_type); NULL for a
 * type this code does not know. */
const char *lab_pm_event_name(int type);

#endif
