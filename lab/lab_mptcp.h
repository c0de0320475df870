/*
 * lab_mptcp.h: evidence that a run really used MPTCP, taken from the
 * kernel of one namespace.
 *
 *   mib.c         the MPTcpExt MIB counters of /proc/net/netstat (per
 *                 namespace), parsed by name, and their deltas
 *   mptcp_diag.c  the MPTCP sockets of a namespace through sock_diag
 *                 (INET_DIAG_REQ_PROTOCOL = IPPROTO_MPTCP), with the
 *                 struct mptcp_info the kernel attaches to each
 *
 * Both only read. They never print or exit; failures come back as a
 * negative errno and a struct diag.
 */
#ifndef MPL_LAB_MPTCP_H
#define MPL_LAB_MPTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

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

#endif
