/*
 * sockinfo: what the kernel says about one MPTCP connection and each of its
 * subflows, read with getsockopt() from the connection's own socket.
 *
 *   MPTCP_FULL_INFO (SOL_MPTCP 284, opt 4, v6.5+): one atomic snapshot of
 *       struct mptcp_info plus two arrays (subflow id + addresses, and one
 *       struct tcp_info per subflow);
 *   otherwise MPTCP_INFO (1) + MPTCP_TCPINFO (2) + MPTCP_SUBFLOW_ADDRS (3)
 *       (v5.16+): three calls that can race with subflow churn, matched by
 *       position in the kernel's subflow list;
 *   otherwise (plain TCP, or an MPTCP socket that fell back to TCP)
 *       TCP_INFO on the socket itself: one "subflow".
 *
 * The structs grew across kernels, so nothing is trusted by size: the
 * buffers are zeroed, and a field is PRESENT only when offsetof + sizeof
 * is within the length the kernel returned for that struct (optlen for
 * struct mptcp_info, size_user / size_*_user for each array element).
 * The kernel also steps through its arrays with that returned element
 * size, not ours, so elements are located with it. Absent fields have
 * their `present` bit clear; they are never reported as zero.
 *
 * The local struct copies below are the newest uapi layouts (Debian 12's
 * <linux/mptcp.h> is from 6.1); they are named sockinfo_* so they never
 * clash with the system headers. The parse functions are pure (buffer +
 * returned length in, samples out) so tests can feed them the short
 * answers of older kernels.
 *
 * This file does not print and does not open sockets.
 */
#ifndef MPL_SOCKINFO_H
#define MPL_SOCKINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "diag.h"
#include "mptcp_uapi.h"
#include "telemetry.h"

#define SOCKINFO_SOL_MPTCP 284
#define SOCKINFO_MPTCP_INFO 1
#define SOCKINFO_MPTCP_TCPINFO 2
#define SOCKINFO_MPTCP_SUBFLOW_ADDRS 3
#define SOCKINFO_MPTCP_FULL_INFO 4

#define SOCKINFO_INFO_FLAG_FALLBACK (1u << 0)

/* struct mptcp_info: struct mpl_mptcp_info in common/mptcp_uapi.h. */

/* struct tcp_info, uapi as of 6.18 (AccECN counters at the end). The two
 * bitfield bytes of the original are one opaque byte each here: nothing
 * reads them. */
struct sockinfo_tcp_info {
	uint8_t tcpi_state;
	uint8_t tcpi_ca_state;
	uint8_t tcpi_retransmits;
	uint8_t tcpi_probes;
	uint8_t tcpi_backoff;
	uint8_t tcpi_options;
	uint8_t tcpi_wscale;	   /* snd_wscale:4, rcv_wscale:4 */
	uint8_t tcpi_rate_flags;   /* delivery_rate_app_limited:1, fastopen_client_fail:2 */
	uint32_t tcpi_rto;
	uint32_t tcpi_ato;
	uint32_t tcpi_snd_mss;
	uint32_t tcpi_rcv_mss;
	uint32_t tcpi_unacked;
	uint32_t tcpi_sacked;
	uint32_t tcpi_lost;
	uint32_t tcpi_retrans;
	uint32_t tcpi_fackets;
	uint32_t tcpi_last_data_sent;
	uint32_t tcpi_last_ack_sent;
	uint32_t tcpi_last_data_recv;
	uint32_t tcpi_last_ack_recv;
	uint32_t tcpi_pmtu;
	uint32_t tcpi_rcv_ssthresh;
	uint32_t tcpi_rtt;    /* smoothed RTT, µs */
	uint32_t tcpi_rttvar; /* µs */
	uint32_t tcpi_snd_ssthresh;
	uint32_t tcpi_snd_cwnd;
	uint32_t tcpi_advmss;
	uint32_t tcpi_reordering;
	uint32_t tcpi_rcv_rtt;
	uint32_t tcpi_rcv_space;
	uint32_t tcpi_total_retrans;
	uint64_t tcpi_pacing_rate; /* bytes/s (3.15+) */
	uint64_t tcpi_max_pacing_rate;
	uint64_t tcpi_bytes_acked;    /* 4.1+ */
	uint64_t tcpi_bytes_received; /* 4.1+ */
	uint32_t tcpi_segs_out;
	uint32_t tcpi_segs_in;
	uint32_t tcpi_notsent_bytes;
	uint32_t tcpi_min_rtt;
	uint32_t tcpi_data_segs_in;
	uint32_t tcpi_data_segs_out;
	uint64_t tcpi_delivery_rate; /* bytes/s (4.9+) */
	uint64_t tcpi_busy_time;
	uint64_t tcpi_rwnd_limited;
	uint64_t tcpi_sndbuf_limited;
	uint32_t tcpi_delivered;
	uint32_t tcpi_delivered_ce;
	uint64_t tcpi_bytes_sent; /* 4.19+ */
	uint64_t tcpi_bytes_retrans;
	uint32_t tcpi_dsack_dups;
	uint32_t tcpi_reord_seen;
	uint32_t tcpi_rcv_ooopack;
	uint32_t tcpi_snd_wnd;
	uint32_t tcpi_rcv_wnd;
	uint32_t tcpi_rehash;
	uint16_t tcpi_total_rto;
	uint16_t tcpi_total_rto_recoveries;
	uint32_t tcpi_total_rto_time;
	uint32_t tcpi_received_ce;
	uint32_t tcpi_delivered_e1_bytes;
	uint32_t tcpi_delivered_e0_bytes;
	uint32_t tcpi_delivered_ce_bytes;
	uint32_t tcpi_received_e1_bytes;
	uint32_t tcpi_received_e0_bytes;
	uint32_t tcpi_received_ce_bytes;
	uint32_t tcpi_ecn_flags; /* ecn_mode:2, accecn_opt_seen:2, accecn_fail_mode:4, ... */
};

/* Header of the MPTCP_TCPINFO and MPTCP_SUBFLOW_ADDRS answers; the array
 * follows at size_subflow_data. */
struct sockinfo_subflow_data {
	uint32_t size_subflow_data; /* sizeof(this) in userspace */
	uint32_t num_subflows;	    /* must be 0; the kernel sets the total */
	uint32_t size_kernel;	    /* must be 0; the kernel's element size */
	uint32_t size_user;	    /* element size asked; the kernel writes back
				     * the size it used (min of both) */
} __attribute__((aligned(8)));

/* The uapi has unions of the sockaddr kinds; __kernel_sockaddr_storage
 * and sockaddr_storage have the same size (128) and alignment. */
struct sockinfo_subflow_addrs {
	struct sockaddr_storage ss_local;
	struct sockaddr_storage ss_remote;
};

struct sockinfo_subflow_info {
	uint32_t id; /* the kernel's subflow id: 1 for the first, never reused */
	struct sockinfo_subflow_addrs addrs;
};

struct sockinfo_full_info {
	uint32_t size_tcpinfo_kernel; /* must be 0, set by the kernel */
	uint32_t size_tcpinfo_user;   /* in: asked; out: the stride used */
	uint32_t size_sfinfo_kernel;  /* must be 0, set by the kernel */
	uint32_t size_sfinfo_user;    /* in: asked; out: the stride used */
	uint32_t num_subflows;	      /* must be 0; out: the real count */
	uint32_t size_arrays_user;    /* capacity of both arrays */
	uint64_t subflow_info __attribute__((aligned(8))); /* user pointer */
	uint64_t tcp_info __attribute__((aligned(8)));	   /* user pointer */
	struct mpl_mptcp_info mptcp_info;
};

/* MIN_FULL_INFO_OPTLEN_SIZE: the kernel refuses a shorter optlen. */
#define SOCKINFO_FULL_INFO_HDR_BYTES 40

/* More subflows than this are counted (subflows_total) but not detailed. */
#define SOCKINFO_MAX_SUBFLOWS 16

enum sockinfo_source {
	SOCKINFO_NONE = 0,
	SOCKINFO_FULL_INFO,  /* MPTCP_FULL_INFO */
	SOCKINFO_SPLIT,	     /* MPTCP_INFO + MPTCP_TCPINFO + MPTCP_SUBFLOW_ADDRS */
	SOCKINFO_TCP_INFO,   /* plain TCP or fallback: TCP_INFO */
};

const char *sockinfo_source_name(enum sockinfo_source s);

/* One reading of one connection. Timestamps (t_us) and roles are left 0:
 * the caller sets them. */
struct sockinfo_snapshot {
	enum sockinfo_source source;
	bool mptcp; /* an MPTCP connection that did not fall back */
	struct telemetry_conn_sample conn;
	unsigned n_subflows; /* entries of sf[] filled */
	struct telemetry_subflow_sample sf[SOCKINFO_MAX_SUBFLOWS];
	/* tcpi_state of each entry (0: not reported), for
	 * sockinfo_drop_disconnected() */
	uint8_t tcp_state[SOCKINFO_MAX_SUBFLOWS];
	unsigned n_disconnected; /* entries it left out */
	uint32_t mptcp_info_bytes; /* length of struct mptcp_info returned */
	uint32_t tcp_info_bytes;   /* length of each struct tcp_info returned */
};

/* Reading state of one socket: remembers which options this kernel lacks
 * so it does not ask again, and holds the arrays the kernel fills. */
struct sockinfo_reader {
	bool no_full_info; /* MPTCP_FULL_INFO unsupported (kernel < 6.5) */
	bool no_split;	   /* MPTCP_TCPINFO unsupported (kernel < 5.16) */
	struct sockinfo_subflow_info sfi[SOCKINFO_MAX_SUBFLOWS];
	struct sockinfo_tcp_info ti[SOCKINFO_MAX_SUBFLOWS];
	/* MPTCP_TCPINFO / MPTCP_SUBFLOW_ADDRS answers: header + array (a
	 * struct tcp_info is the larger element). */
	unsigned char split_buf[sizeof(struct sockinfo_subflow_data) +
				SOCKINFO_MAX_SUBFLOWS * sizeof(struct sockinfo_tcp_info)]
		__attribute__((aligned(8)));
};

/*
 * Read fd's telemetry into s, choosing the best interface this kernel
 * and socket offer (see the top of this file). 0, or a negative errno
 * with the reason in d when not even TCP_INFO can be read.
 */
int sockinfo_read(struct sockinfo_reader *rd, int fd, struct sockinfo_snapshot *s,
		  struct diag *d);

/* ---- pure parsers (for tests) ------------------------------------------- */

/* A struct mptcp_info of len bytes: fills bytes_retrans, bytes_sent,
 * bytes_acked, bytes_received, subflows_total and fallback of c, setting
 * their TELEM_C_* bits only when len covers them. -EPROTO when len does
 * not even reach mptcpi_flags (not an answer of any MPTCP kernel). */
int sockinfo_parse_mptcp_info(const void *buf, size_t len, struct telemetry_conn_sample *c);

/* One struct tcp_info of len bytes into s (TELEM_* bits for what len
 * covers). Rates are turned from bytes/s into bits/s; a pacing rate of
 * ~0 (unlimited) is absent. */
void sockinfo_parse_tcp_info(const void *buf, size_t len, struct telemetry_subflow_sample *s);

/* One struct mptcp_subflow_addrs of len bytes: local and remote as
 * "10.0.0.1:5201" / "[fd00::1]:5201" (v4-mapped shown as IPv4), with
 * TELEM_ADDRS when both are covered and of a known family. */
void sockinfo_parse_subflow_addrs(const void *buf, size_t len,
				  struct telemetry_subflow_sample *s);

/*
 * An MPTCP_FULL_INFO answer: hdr is the struct sockinfo_full_info buffer,
 * optlen what getsockopt() returned in optlen; sfinfo / tcpinfo the two
 * arrays of sfinfo_len / tcpinfo_len bytes that were passed in it. The
 * number of entries is min(num_subflows, size_arrays_user, what fits),
 * each located with the returned strides. -EPROTO when optlen is shorter
 * than the fixed header.
 */
int sockinfo_parse_full(const void *hdr, size_t optlen, const void *sfinfo, size_t sfinfo_len,
			const void *tcpinfo, size_t tcpinfo_len, struct sockinfo_snapshot *s);

/*
 * An MPTCP_TCPINFO answer (buf, optlen as returned) into s->sf[]: sets
 * the tcp_info fields of the first entries, and *total to the kernel's
 * subflow count (which may exceed what was filled). With addrs = true the
 * same layout is read as an MPTCP_SUBFLOW_ADDRS answer and only the
 * addresses are set. Returns the number of elements filled, or -EPROTO.
 */
int sockinfo_parse_subflow_data(const void *buf, size_t optlen, bool addrs,
				struct sockinfo_snapshot *s, uint32_t *total);

/*
 * Leave out of s->sf[] the entries that are no subflow of the connection
 * any more: the kernel keeps the connection's first subflow in its list
 * after that subflow closed, disconnected (tcp_disconnect(): local address
 * the wildcard, remote port 0, every counter reset to 0), so a reading
 * after it closed (a path cut, the end of a transfer) shows a phantom
 * subflow "0.0.0.0:<port> -> <addr>:0" with nothing sent. An entry goes
 * when its addresses say so, or, without addresses, when it is closed
 * (TCP_CLOSE) with all its byte counters 0. subflows_total counts the
 * ones left; n_disconnected the ones that went. Called by the parsers of
 * MPTCP_FULL_INFO and by sockinfo_read() after the split reads.
 */
void sockinfo_drop_disconnected(struct sockinfo_snapshot *s);

/* "10.0.0.1:5201", "[fd00::1]:5201" ("" for an unknown family). */
void sockinfo_format_addr(const struct sockaddr_storage *ss, char *out, size_t size);

#endif
