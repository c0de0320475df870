/*
 * sockinfo.c: read MPTCP connection and subflow telemetry from a socket
 * (sockinfo.h says which options, and the rules for short answers).
 *
 * The parsers never look past the length the kernel returned, and step
 * through arrays with the element size the kernel says it used. This file
 * does not print, does not keep global state and does not know what a
 * transfer is: it turns one getsockopt() answer into samples.
 */
#include "sockinfo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* Whether a buffer of len bytes holds all of type.field. */
#define SOCKINFO_HAS(type, field, len)                                         \
	(offsetof(type, field) + sizeof(((type *)0)->field) <= (size_t)(len))

/* Read one field of a struct from an unaligned byte buffer. */
#define SOCKINFO_GET(type, field, buf, out)                                    \
	memcpy(&(out), (const unsigned char *)(buf) + offsetof(type, field),   \
	       sizeof(((type *)0)->field))

_Static_assert(sizeof(struct sockinfo_subflow_data) == 16, "mptcp_subflow_data is 16 bytes");
_Static_assert(offsetof(struct sockinfo_full_info, mptcp_info) == SOCKINFO_FULL_INFO_HDR_BYTES,
	       "mptcp_full_info header is 40 bytes");
_Static_assert(offsetof(struct mpl_mptcp_info, mptcpi_flags) == 8, "mptcpi_flags at 8");
_Static_assert(offsetof(struct mpl_mptcp_info, mptcpi_retransmits) == 44,
	       "mptcpi_retransmits at 44");
_Static_assert(offsetof(struct mpl_mptcp_info, mptcpi_bytes_acked) == 72,
	       "mptcpi_bytes_acked at 72");
_Static_assert(offsetof(struct mpl_mptcp_info, mptcpi_subflows_total) == 80,
	       "mptcpi_subflows_total at 80");
_Static_assert(sizeof(struct mpl_mptcp_info) == 96, "mptcp_info is 96 bytes");
_Static_assert(offsetof(struct sockinfo_tcp_info, tcpi_rtt) == 68, "tcpi_rtt at 68");
_Static_assert(offsetof(struct sockinfo_tcp_info, tcpi_pacing_rate) == 104,
	       "tcpi_pacing_rate at 104");
_Static_assert(offsetof(struct sockinfo_tcp_info, tcpi_delivery_rate) == 160,
	       "tcpi_delivery_rate at 160");
_Static_assert(offsetof(struct sockinfo_tcp_info, tcpi_bytes_sent) == 200,
	       "tcpi_bytes_sent at 200");
_Static_assert(offsetof(struct sockinfo_tcp_info, tcpi_total_rto_time) == 244,
	       "tcpi_total_rto_time at 244");
_Static_assert(sizeof(struct sockinfo_tcp_info) == 280, "tcp_info is 280 bytes in 6.18");
_Static_assert(sizeof(struct sockinfo_subflow_addrs) == 256, "mptcp_subflow_addrs is 256 bytes");
_Static_assert(offsetof(struct sockinfo_subflow_info, addrs) == 8, "addrs at 8");

const char *sockinfo_source_name(enum sockinfo_source s)
{
	switch (s) {
	case SOCKINFO_NONE:
		return "none";
	case SOCKINFO_FULL_INFO:
		return "full_info";
	case SOCKINFO_SPLIT:
		return "split";
	case SOCKINFO_TCP_INFO:
		return "tcp_info";
	}
	return "?";
}

/* ---- parsers ------------------------------------------------------------- */

int sockinfo_parse_mptcp_info(const void *buf, size_t len, struct telemetry_conn_sample *c)
{
	typedef struct mpl_mptcp_info T;
	uint32_t flags;

	if (!SOCKINFO_HAS(T, mptcpi_flags, len))
		return -EPROTO;
	SOCKINFO_GET(T, mptcpi_flags, buf, flags);
	c->fallback = flags & SOCKINFO_INFO_FLAG_FALLBACK;
	c->present |= TELEM_C_FALLBACK;
	if (SOCKINFO_HAS(T, mptcpi_bytes_retrans, len)) {
		SOCKINFO_GET(T, mptcpi_bytes_retrans, buf, c->bytes_retrans);
		c->present |= TELEM_C_BYTES_RETRANS;
	}
	if (SOCKINFO_HAS(T, mptcpi_bytes_sent, len)) {
		SOCKINFO_GET(T, mptcpi_bytes_sent, buf, c->bytes_sent);
		c->present |= TELEM_C_BYTES_SENT;
	}
	if (SOCKINFO_HAS(T, mptcpi_bytes_received, len)) {
		SOCKINFO_GET(T, mptcpi_bytes_received, buf, c->bytes_received);
		c->present |= TELEM_C_BYTES_RECEIVED;
	}
	if (SOCKINFO_HAS(T, mptcpi_bytes_acked, len)) {
		SOCKINFO_GET(T, mptcpi_bytes_acked, buf, c->bytes_acked);
		c->present |= TELEM_C_BYTES_ACKED;
	}
	if (SOCKINFO_HAS(T, mptcpi_subflows_total, len)) {
		uint8_t total;

		SOCKINFO_GET(T, mptcpi_subflows_total, buf, total);
		c->subflows_total = total;
		c->present |= TELEM_C_SUBFLOWS_TOTAL;
	}
	return 0;
}

void sockinfo_parse_tcp_info(const void *buf, size_t len, struct telemetry_subflow_sample *s)
{
	typedef struct sockinfo_tcp_info T;
	uint64_t v64;

	if (SOCKINFO_HAS(T, tcpi_rtt, len)) {
		SOCKINFO_GET(T, tcpi_rtt, buf, s->srtt_us);
		s->present |= TELEM_SRTT;
	}
	if (SOCKINFO_HAS(T, tcpi_rttvar, len)) {
		SOCKINFO_GET(T, tcpi_rttvar, buf, s->rttvar_us);
		s->present |= TELEM_RTTVAR;
	}
	if (SOCKINFO_HAS(T, tcpi_snd_cwnd, len)) {
		SOCKINFO_GET(T, tcpi_snd_cwnd, buf, s->cwnd);
		s->present |= TELEM_CWND;
	}
	if (SOCKINFO_HAS(T, tcpi_total_retrans, len)) {
		SOCKINFO_GET(T, tcpi_total_retrans, buf, s->total_retrans);
		s->present |= TELEM_RETRANS;
	}
	if (SOCKINFO_HAS(T, tcpi_pacing_rate, len)) {
		SOCKINFO_GET(T, tcpi_pacing_rate, buf, v64);
		/* ~0: no pacing limit, which is not a rate. */
		if (v64 != UINT64_MAX && v64 <= UINT64_MAX / 8) {
			s->pacing_rate_bps = v64 * 8;
			s->present |= TELEM_PACING_RATE;
		}
	}
	if (SOCKINFO_HAS(T, tcpi_bytes_acked, len)) {
		SOCKINFO_GET(T, tcpi_bytes_acked, buf, s->bytes_acked);
		s->present |= TELEM_BYTES_ACKED;
	}
	if (SOCKINFO_HAS(T, tcpi_bytes_received, len)) {
		SOCKINFO_GET(T, tcpi_bytes_received, buf, s->bytes_received);
		s->present |= TELEM_BYTES_RECEIVED;
	}
	if (SOCKINFO_HAS(T, tcpi_delivery_rate, len)) {
		SOCKINFO_GET(T, tcpi_delivery_rate, buf, v64);
		if (v64 <= UINT64_MAX / 8) {
			s->delivery_rate_bps = v64 * 8;
			s->present |= TELEM_DELIVERY_RATE;
		}
	}
	if (SOCKINFO_HAS(T, tcpi_bytes_sent, len)) {
		SOCKINFO_GET(T, tcpi_bytes_sent, buf, s->bytes_sent);
		s->present |= TELEM_BYTES_SENT;
	}
}

/* tcpi_state of one struct tcp_info of len bytes, 0 when not covered. */
static uint8_t sockinfo_tcp_state(const void *buf, size_t len)
{
	uint8_t state = 0;

	if (SOCKINFO_HAS(struct sockinfo_tcp_info, tcpi_state, len))
		SOCKINFO_GET(struct sockinfo_tcp_info, tcpi_state, buf, state);
	return state;
}

/* The disconnected look of an address pair: "0.0.0.0:<p>" / "[::]:<p>"
 * locally, or port 0 remotely. */
static bool sockinfo_addrs_disconnected(const struct telemetry_subflow_sample *sf)
{
	const char *colon = strrchr(sf->remote, ':');

	return !strncmp(sf->local, "0.0.0.0:", 8) || !strncmp(sf->local, "[::]:", 5) ||
	       (colon && !strcmp(colon, ":0"));
}

void sockinfo_drop_disconnected(struct sockinfo_snapshot *s)
{
	unsigned k = 0;

	for (unsigned i = 0; i < s->n_subflows; i++) {
		const struct telemetry_subflow_sample *sf = &s->sf[i];
		bool gone;

		if (sf->present & TELEM_ADDRS)
			gone = sockinfo_addrs_disconnected(sf);
		else
			gone = s->tcp_state[i] == TCP_CLOSE && !sf->bytes_sent &&
			       !sf->bytes_acked && !sf->bytes_received;
		if (gone) {
			s->n_disconnected++;
			continue;
		}
		if (k != i) {
			s->sf[k] = s->sf[i];
			s->tcp_state[k] = s->tcp_state[i];
		}
		k++;
	}
	if (k == s->n_subflows)
		return;
	if ((s->conn.present & TELEM_C_SUBFLOWS_TOTAL) && s->conn.subflows_total >= s->n_subflows - k)
		s->conn.subflows_total -= s->n_subflows - k;
	s->n_subflows = k;
}

void sockinfo_format_addr(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		if (inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host)))
			snprintf(out, size, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		/* A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d;
		 * show them as the IPv4 addresses the topology names. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			if (inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host, sizeof(host)))
				snprintf(out, size, "%s:%u", host, ntohs(sin6->sin6_port));
		} else if (inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host))) {
			snprintf(out, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
		}
	}
}

void sockinfo_parse_subflow_addrs(const void *buf, size_t len,
				  struct telemetry_subflow_sample *s)
{
	struct sockaddr_storage local, remote;

	if (!SOCKINFO_HAS(struct sockinfo_subflow_addrs, ss_local, len) ||
	    !SOCKINFO_HAS(struct sockinfo_subflow_addrs, ss_remote, len))
		return;
	SOCKINFO_GET(struct sockinfo_subflow_addrs, ss_local, buf, local);
	SOCKINFO_GET(struct sockinfo_subflow_addrs, ss_remote, buf, remote);
	sockinfo_format_addr(&local, s->local, sizeof(s->local));
	sockinfo_format_addr(&remote, s->remote, sizeof(s->remote));
	if (s->local[0] && s->remote[0])
		s->present |= TELEM_ADDRS;
	else
		s->local[0] = s->remote[0] = '\0';
}

int sockinfo_parse_full(const void *hdr, size_t optlen, const void *sfinfo, size_t sfinfo_len,
			const void *tcpinfo, size_t tcpinfo_len, struct sockinfo_snapshot *s)
{
	struct sockinfo_full_info fi;
	size_t sf_stride, ti_stride;
	unsigned n;
	int r;

	if (optlen < SOCKINFO_FULL_INFO_HDR_BYTES)
		return -EPROTO;
	memset(&fi, 0, sizeof(fi));
	memcpy(&fi, hdr, SOCKINFO_FULL_INFO_HDR_BYTES);
	s->source = SOCKINFO_FULL_INFO;
	if (optlen > SOCKINFO_FULL_INFO_HDR_BYTES) {
		size_t ilen = optlen - SOCKINFO_FULL_INFO_HDR_BYTES;

		if (ilen > sizeof(struct mpl_mptcp_info))
			ilen = sizeof(struct mpl_mptcp_info);
		r = sockinfo_parse_mptcp_info((const unsigned char *)hdr +
						      SOCKINFO_FULL_INFO_HDR_BYTES,
					      ilen, &s->conn);
		if (r < 0)
			return r;
		s->mptcp_info_bytes = (uint32_t)ilen;
	}
	/* num_subflows is the kernel's real count, even when the arrays
	 * were too short to detail them all. */
	s->conn.subflows_total = fi.num_subflows;
	s->conn.present |= TELEM_C_SUBFLOWS_TOTAL;
	s->mptcp = !(s->conn.present & TELEM_C_FALLBACK) || !s->conn.fallback;

	n = fi.num_subflows;
	if (n > fi.size_arrays_user)
		n = fi.size_arrays_user;
	if (n > SOCKINFO_MAX_SUBFLOWS)
		n = SOCKINFO_MAX_SUBFLOWS;
	sf_stride = fi.size_sfinfo_user;
	ti_stride = fi.size_tcpinfo_user;
	s->tcp_info_bytes = (uint32_t)ti_stride;
	for (unsigned i = 0; i < n; i++) {
		struct telemetry_subflow_sample *sf = &s->sf[i];

		memset(sf, 0, sizeof(*sf));
		s->tcp_state[i] = 0;
		sf->subflow_id = i + 1;
		if (sfinfo && sf_stride && (i + 1) * sf_stride <= sfinfo_len) {
			const unsigned char *el = (const unsigned char *)sfinfo + i * sf_stride;

			if (SOCKINFO_HAS(struct sockinfo_subflow_info, id, sf_stride))
				SOCKINFO_GET(struct sockinfo_subflow_info, id, el, sf->subflow_id);
			if (sf_stride > offsetof(struct sockinfo_subflow_info, addrs))
				sockinfo_parse_subflow_addrs(
					el + offsetof(struct sockinfo_subflow_info, addrs),
					sf_stride - offsetof(struct sockinfo_subflow_info, addrs),
					sf);
		}
		if (tcpinfo && ti_stride && (i + 1) * ti_stride <= tcpinfo_len) {
			const unsigned char *el = (const unsigned char *)tcpinfo + i * ti_stride;

			sockinfo_parse_tcp_info(el, ti_stride, sf);
			s->tcp_state[i] = sockinfo_tcp_state(el, ti_stride);
		}
	}
	s->n_subflows = n;
	sockinfo_drop_disconnected(s);
	return 0;
}

int sockinfo_parse_subflow_data(const void *buf, size_t optlen, bool addrs,
				struct sockinfo_snapshot *s, uint32_t *total)
{
	struct sockinfo_subflow_data sd;
	size_t stride, room;
	unsigned n;

	if (optlen < sizeof(sd))
		return -EPROTO;
	memcpy(&sd, buf, sizeof(sd));
	if (sd.size_subflow_data < sizeof(sd) || sd.size_subflow_data > optlen)
		return -EPROTO;
	*total = sd.num_subflows;
	stride = sd.size_user;
	room = optlen - sd.size_subflow_data;
	n = stride ? (unsigned)(room / stride) : 0;
	if (n > sd.num_subflows)
		n = sd.num_subflows;
	if (n > SOCKINFO_MAX_SUBFLOWS)
		n = SOCKINFO_MAX_SUBFLOWS;
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *el =
			(const unsigned char *)buf + sd.size_subflow_data + i * stride;
		struct telemetry_subflow_sample *sf = &s->sf[i];

		if (addrs) {
			sockinfo_parse_subflow_addrs(el, stride, sf);
		} else {
			/* No ids in this interface: the position in the
			 * kernel's list, from 1 like the kernel's ids. */
			memset(sf, 0, sizeof(*sf));
			sf->subflow_id = i + 1;
			sockinfo_parse_tcp_info(el, stride, sf);
			s->tcp_state[i] = sockinfo_tcp_state(el, stride);
		}
	}
	if (!addrs) {
		s->n_subflows = n;
		s->tcp_info_bytes = (uint32_t)stride;
	}
	return (int)n;
}

/* ---- reading a socket --------------------------------------------------- */

static bool sockinfo_unsupported(int err)
{
	return err == EOPNOTSUPP || err == ENOPROTOOPT;
}

static int sockinfo_read_full(struct sockinfo_reader *rd, int fd, struct sockinfo_snapshot *s)
{
	struct sockinfo_full_info fi;
	socklen_t len = sizeof(fi);

	/* The kernel insists on zeroed *_kernel fields and num_subflows. */
	memset(&fi, 0, sizeof(fi));
	memset(rd->sfi, 0, sizeof(rd->sfi));
	memset(rd->ti, 0, sizeof(rd->ti));
	fi.size_tcpinfo_user = sizeof(rd->ti[0]);
	fi.size_sfinfo_user = sizeof(rd->sfi[0]);
	fi.size_arrays_user = SOCKINFO_MAX_SUBFLOWS;
	fi.subflow_info = (uint64_t)(uintptr_t)rd->sfi;
	fi.tcp_info = (uint64_t)(uintptr_t)rd->ti;
	if (getsockopt(fd, SOCKINFO_SOL_MPTCP, SOCKINFO_MPTCP_FULL_INFO, &fi, &len) < 0)
		return -errno;
	return sockinfo_parse_full(&fi, len, rd->sfi, sizeof(rd->sfi), rd->ti, sizeof(rd->ti), s);
}

/* One MPTCP_TCPINFO or MPTCP_SUBFLOW_ADDRS call and its parse. */
static int sockinfo_read_subflow_data(struct sockinfo_reader *rd, int fd, bool addrs,
				      struct sockinfo_snapshot *s, uint32_t *total)
{
	struct sockinfo_subflow_data sd = { 0 };
	size_t elem =
		addrs ? sizeof(struct sockinfo_subflow_addrs) : sizeof(struct sockinfo_tcp_info);
	socklen_t len = (socklen_t)(sizeof(sd) + SOCKINFO_MAX_SUBFLOWS * elem);

	memset(rd->split_buf, 0, sizeof(rd->split_buf));
	sd.size_subflow_data = sizeof(sd);
	sd.size_user = (uint32_t)elem;
	memcpy(rd->split_buf, &sd, sizeof(sd));
	if (getsockopt(fd, SOCKINFO_SOL_MPTCP,
		       addrs ? SOCKINFO_MPTCP_SUBFLOW_ADDRS : SOCKINFO_MPTCP_TCPINFO, rd->split_buf,
		       &len) < 0)
		return -errno;
	return sockinfo_parse_subflow_data(rd->split_buf, len, addrs, s, total);
}

/* Plain TCP, or an MPTCP socket that fell back: the socket is its one
 * subflow. */
static int sockinfo_read_tcp(int fd, struct sockinfo_snapshot *s, struct diag *d)
{
	struct sockinfo_tcp_info ti;
	struct sockaddr_storage local, remote;
	socklen_t len = sizeof(ti), llen = sizeof(local), rlen = sizeof(remote);
	struct telemetry_subflow_sample *sf = &s->sf[0];
	int proto = 0;
	socklen_t plen = sizeof(proto);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return diag_set(d, -errno, "cannot read TCP_INFO: %s", strerror(errno));
	s->source = SOCKINFO_TCP_INFO;
	memset(sf, 0, sizeof(*sf));
	sockinfo_parse_tcp_info(&ti, len, sf);
	s->tcp_info_bytes = len;
	memset(&local, 0, sizeof(local));
	memset(&remote, 0, sizeof(remote));
	if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0 &&
	    getpeername(fd, (struct sockaddr *)&remote, &rlen) == 0) {
		sockinfo_format_addr(&local, sf->local, sizeof(sf->local));
		sockinfo_format_addr(&remote, sf->remote, sizeof(sf->remote));
		if (sf->local[0] && sf->remote[0])
			sf->present |= TELEM_ADDRS;
	}
	s->n_subflows = 1;
	s->conn.subflows_total = 1;
	s->conn.present |= TELEM_C_SUBFLOWS_TOTAL;
	/* "Fallback" only means something for a socket opened as MPTCP. */
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) == 0 &&
	    proto == IPPROTO_MPTCP) {
		s->conn.fallback = true;
		s->conn.present |= TELEM_C_FALLBACK;
	}
	s->mptcp = false;
	return 0;
}

int sockinfo_read(struct sockinfo_reader *rd, int fd, struct sockinfo_snapshot *s,
		  struct diag *d)
{
	struct mpl_mptcp_info info;
	socklen_t len = sizeof(info);
	uint32_t total_ti = 0, total_addrs = 0;
	int r, full_err = 0;

	memset(s, 0, sizeof(*s));
	if (!rd->no_full_info) {
		r = sockinfo_read_full(rd, fd, s);
		if (r == 0)
			return 0;
		if (r == -EPROTO)
			return diag_set(d, r, "MPTCP_FULL_INFO answer too short to parse");
		if (!sockinfo_unsupported(-r))
			return diag_set(d, r, "cannot read MPTCP_FULL_INFO: %s", strerror(-r));
		full_err = r;
		memset(s, 0, sizeof(*s));
	}

	memset(&info, 0, sizeof(info));
	if (getsockopt(fd, SOCKINFO_SOL_MPTCP, SOCKINFO_MPTCP_INFO, &info, &len) < 0) {
		/* Not MPTCP, or fell back (MPTCP_INFO refuses then): TCP. */
		if (sockinfo_unsupported(errno))
			return sockinfo_read_tcp(fd, s, d);
		return diag_set(d, -errno, "cannot read MPTCP_INFO: %s", strerror(errno));
	}
	/* MPTCP_INFO works where MPTCP_FULL_INFO did not: this kernel
	 * predates it (< 6.5); do not ask again. */
	if (full_err)
		rd->no_full_info = true;
	r = sockinfo_parse_mptcp_info(&info, len, &s->conn);
	if (r < 0)
		return diag_set(d, r, "MPTCP_INFO answer of %u bytes too short to parse",
				(unsigned)len);
	s->mptcp_info_bytes = len;
	if (s->conn.fallback) {
		struct telemetry_conn_sample conn = s->conn;

		r = sockinfo_read_tcp(fd, s, d);
		s->conn.present |= conn.present & ~TELEM_C_SUBFLOWS_TOTAL;
		s->conn.bytes_retrans = conn.bytes_retrans;
		s->conn.bytes_sent = conn.bytes_sent;
		s->conn.bytes_acked = conn.bytes_acked;
		s->conn.bytes_received = conn.bytes_received;
		s->conn.fallback = true;
		s->mptcp_info_bytes = len;
		return r;
	}
	s->source = SOCKINFO_SPLIT;
	s->mptcp = true;
	if (rd->no_split)
		return 0;
	r = sockinfo_read_subflow_data(rd, fd, false, s, &total_ti);
	if (r < 0 && sockinfo_unsupported(-r)) {
		rd->no_split = true;
		return 0;
	}
	if (r < 0)
		return diag_set(d, r, "cannot read MPTCP_TCPINFO: %s", strerror(-r));
	if (!(s->conn.present & TELEM_C_SUBFLOWS_TOTAL)) {
		s->conn.subflows_total = total_ti;
		s->conn.present |= TELEM_C_SUBFLOWS_TOTAL;
	}
	r = sockinfo_read_subflow_data(rd, fd, true, s, &total_addrs);
	/* Two calls: a subflow that came or went in between shifts the
	 * positions, and the addresses would describe other subflows. */
	if (r >= 0 && total_addrs != total_ti)
		for (unsigned i = 0; i < s->n_subflows; i++) {
			s->sf[i].present &= ~(uint32_t)TELEM_ADDRS;
			s->sf[i].local[0] = s->sf[i].remote[0] = '\0';
		}
	sockinfo_drop_disconnected(s);
	return 0;
}
