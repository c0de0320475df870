/*
 * test_sockinfo: the MPTCP telemetry parsers against the short answers of
 * older kernels, where a field the kernel did not return must be ABSENT
 * (its present bit clear), never zero:
 *   - struct mptcp_info of 5.16 (48 bytes: no bytes_*), 6.5 (80: no
 *     subflows_total), too short to be MPTCP at all;
 *   - struct tcp_info elements cut before tcpi_delivery_rate and before
 *     tcpi_pacing_rate, and the kernel's element stride (6.1: 232 bytes)
 *     used to find the second element, not ours;
 *   - MPTCP_FULL_INFO with fewer subflows than the array holds, with more
 *     than it holds, without struct mptcp_info, with short subflow_info;
 *   - MPTCP_TCPINFO with a total larger than what was copied;
 *   - address formatting (v4, v6, v4-mapped).
 * Then, when this host can open MPTCP sockets, one live read of a loopback
 * connection (the real getsockopt path), and the xfer helpers the native
 * engine shares with it: the request header and the percentiles.
 *
 * Last, the native engine (engine_native.c) that consumes all this,
 * without privileges: against a fake `xfer` (a shell script named by
 * MPL_BIN, which the engine runs when the program is not mptcp-lab) that
 * prints good, malformed, truncated or lying output, and against the real
 * mptcp-lab on loopback (bulk with a byte count, rr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "engine.h"
#include "mtime.h"
#include "sockinfo.h"
#include "xfer.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define HAS(present, bit) (((present) & (bit)) != 0)

static struct mpl_mptcp_info full_mptcp_info(void)
{
	struct mpl_mptcp_info mi;

	/* Every byte non-zero, so an absent field read by mistake shows. */
	memset(&mi, 0x5a, sizeof(mi));
	mi.mptcpi_flags = 0;
	mi.mptcpi_bytes_retrans = 7;
	mi.mptcpi_bytes_sent = 1000;
	mi.mptcpi_bytes_received = 2000;
	mi.mptcpi_bytes_acked = 900;
	mi.mptcpi_subflows_total = 2;
	return mi;
}

static struct sockinfo_tcp_info full_tcp_info(uint32_t seed)
{
	struct sockinfo_tcp_info ti;

	memset(&ti, 0x5a, sizeof(ti));
	ti.tcpi_rtt = 1000 + seed;
	ti.tcpi_rttvar = 100 + seed;
	ti.tcpi_snd_cwnd = 10 + seed;
	ti.tcpi_total_retrans = 3 + seed;
	ti.tcpi_pacing_rate = 1000000 + seed;	/* bytes/s */
	ti.tcpi_bytes_acked = 50000 + seed;
	ti.tcpi_bytes_received = 60000 + seed;
	ti.tcpi_delivery_rate = 2000000 + seed; /* bytes/s */
	ti.tcpi_bytes_sent = 70000 + seed;
	return ti;
}

static void test_mptcp_info(void)
{
	struct mpl_mptcp_info mi = full_mptcp_info();
	struct telemetry_conn_sample c;

	memset(&c, 0, sizeof(c));
	CHECK(sockinfo_parse_mptcp_info(&mi, sizeof(mi), &c) == 0, "newest mptcp_info parses");
	CHECK(HAS(c.present, TELEM_C_BYTES_SENT) && c.bytes_sent == 1000 &&
		      HAS(c.present, TELEM_C_BYTES_ACKED) && c.bytes_acked == 900 &&
		      HAS(c.present, TELEM_C_BYTES_RECEIVED) && c.bytes_received == 2000 &&
		      HAS(c.present, TELEM_C_BYTES_RETRANS) && c.bytes_retrans == 7,
	      "newest mptcp_info: bytes_* present with their values");
	CHECK(HAS(c.present, TELEM_C_SUBFLOWS_TOTAL) && c.subflows_total == 2,
	      "newest mptcp_info: subflows_total present (2)");
	CHECK(HAS(c.present, TELEM_C_FALLBACK) && !c.fallback, "newest mptcp_info: not a fallback");

	/* 5.16: 48 bytes, ends with csum_enabled (and padding). */
	memset(&c, 0, sizeof(c));
	CHECK(sockinfo_parse_mptcp_info(&mi, 48, &c) == 0, "5.16-sized mptcp_info parses");
	CHECK(!HAS(c.present, TELEM_C_BYTES_SENT) && !HAS(c.present, TELEM_C_BYTES_ACKED) &&
		      !HAS(c.present, TELEM_C_BYTES_RECEIVED) &&
		      !HAS(c.present, TELEM_C_BYTES_RETRANS),
	      "5.16-sized mptcp_info: bytes_* ABSENT, not zero (present 0x%x)", c.present);
	CHECK(!HAS(c.present, TELEM_C_SUBFLOWS_TOTAL),
	      "5.16-sized mptcp_info: subflows_total absent");
	CHECK(HAS(c.present, TELEM_C_FALLBACK), "5.16-sized mptcp_info: the flags are there");

	/* 6.5-6.7: 80 bytes, bytes_* but no subflows_total. */
	memset(&c, 0, sizeof(c));
	CHECK(sockinfo_parse_mptcp_info(&mi, 80, &c) == 0 && HAS(c.present, TELEM_C_BYTES_ACKED) &&
		      c.bytes_acked == 900 && !HAS(c.present, TELEM_C_SUBFLOWS_TOTAL),
	      "6.5-sized mptcp_info: bytes_acked present, subflows_total absent");

	/* A length that ends inside a field leaves that field out. */
	memset(&c, 0, sizeof(c));
	CHECK(sockinfo_parse_mptcp_info(&mi, 79, &c) == 0 && !HAS(c.present, TELEM_C_BYTES_ACKED) &&
		      HAS(c.present, TELEM_C_BYTES_RECEIVED),
	      "mptcp_info cut inside bytes_acked: bytes_acked absent, bytes_received present");

	memset(&c, 0, sizeof(c));
	CHECK(sockinfo_parse_mptcp_info(&mi, 11, &c) == -EPROTO && !c.present,
	      "mptcp_info shorter than mptcpi_flags is refused (-EPROTO), nothing present");

	mi.mptcpi_flags = SOCKINFO_INFO_FLAG_FALLBACK;
	memset(&c, 0, sizeof(c));
	CHECK(sockinfo_parse_mptcp_info(&mi, sizeof(mi), &c) == 0 && c.fallback,
	      "the fallback flag is read");
}

static void test_tcp_info(void)
{
	struct sockinfo_tcp_info ti = full_tcp_info(0);
	struct telemetry_subflow_sample s;
	const uint32_t all = TELEM_BYTES_SENT | TELEM_BYTES_ACKED | TELEM_BYTES_RECEIVED |
			     TELEM_CWND | TELEM_SRTT | TELEM_RTTVAR | TELEM_RETRANS |
			     TELEM_PACING_RATE | TELEM_DELIVERY_RATE;

	memset(&s, 0, sizeof(s));
	sockinfo_parse_tcp_info(&ti, sizeof(ti), &s);
	CHECK((s.present & all) == all, "full tcp_info: every field present (0x%x)", s.present);
	CHECK(s.srtt_us == 1000 && s.rttvar_us == 100 && s.cwnd == 10 && s.total_retrans == 3 &&
		      s.bytes_acked == 50000 && s.bytes_received == 60000 && s.bytes_sent == 70000,
	      "full tcp_info: values copied");
	CHECK(s.pacing_rate_bps == 8000000 && s.delivery_rate_bps == 16000000,
	      "rates turned from bytes/s into bits/s");
	CHECK(!HAS(s.present, TELEM_BACKUP) && !HAS(s.present, TELEM_ADDRS),
	      "tcp_info sets neither backup nor addresses");

	/* 4.6-4.8: ends before tcpi_delivery_rate. */
	memset(&s, 0, sizeof(s));
	sockinfo_parse_tcp_info(&ti, offsetof(struct sockinfo_tcp_info, tcpi_delivery_rate), &s);
	CHECK(!HAS(s.present, TELEM_DELIVERY_RATE) && !HAS(s.present, TELEM_BYTES_SENT),
	      "tcp_info shorter than tcpi_delivery_rate: delivery rate and bytes_sent ABSENT");
	CHECK(HAS(s.present, TELEM_BYTES_ACKED) && HAS(s.present, TELEM_PACING_RATE) &&
		      HAS(s.present, TELEM_SRTT) && s.bytes_acked == 50000,
	      "tcp_info shorter than tcpi_delivery_rate: bytes_acked, pacing, srtt present");

	/* Cut in the middle of tcpi_delivery_rate. */
	memset(&s, 0, sizeof(s));
	sockinfo_parse_tcp_info(&ti, offsetof(struct sockinfo_tcp_info, tcpi_delivery_rate) + 4,
				&s);
	CHECK(!HAS(s.present, TELEM_DELIVERY_RATE),
	      "tcp_info cut inside tcpi_delivery_rate: delivery rate absent");

	/* Before 3.15: no pacing rate, no byte counters. */
	memset(&s, 0, sizeof(s));
	sockinfo_parse_tcp_info(&ti, offsetof(struct sockinfo_tcp_info, tcpi_pacing_rate), &s);
	CHECK(!HAS(s.present, TELEM_PACING_RATE) && !HAS(s.present, TELEM_BYTES_ACKED) &&
		      !HAS(s.present, TELEM_BYTES_RECEIVED) && HAS(s.present, TELEM_SRTT) &&
		      HAS(s.present, TELEM_RETRANS),
	      "pre-3.15 tcp_info: pacing and byte counters absent, rtt and retrans present");

	memset(&s, 0, sizeof(s));
	sockinfo_parse_tcp_info(&ti, 0, &s);
	CHECK(s.present == 0, "empty tcp_info: nothing present");

	ti.tcpi_pacing_rate = UINT64_MAX;
	memset(&s, 0, sizeof(s));
	sockinfo_parse_tcp_info(&ti, sizeof(ti), &s);
	CHECK(!HAS(s.present, TELEM_PACING_RATE), "unlimited pacing rate (~0) is absent");
}

static void put_sin(struct sockaddr_storage *ss, const char *addr, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin->sin_addr);
}

static void put_sin6(struct sockaddr_storage *ss, const char *addr, uint16_t port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	inet_pton(AF_INET6, addr, &sin6->sin6_addr);
}

static void test_addrs(void)
{
	struct sockinfo_subflow_addrs a;
	struct telemetry_subflow_sample s;

	put_sin(&a.ss_local, "10.1.1.1", 40000);
	put_sin(&a.ss_remote, "10.1.2.2", 5201);
	memset(&s, 0, sizeof(s));
	sockinfo_parse_subflow_addrs(&a, sizeof(a), &s);
	CHECK(HAS(s.present, TELEM_ADDRS) && !strcmp(s.local, "10.1.1.1:40000") &&
		      !strcmp(s.remote, "10.1.2.2:5201"),
	      "IPv4 addresses: '%s' -> '%s'", s.local, s.remote);

	put_sin6(&a.ss_local, "fd00:1:1::1", 40000);
	put_sin6(&a.ss_remote, "::ffff:10.2.2.2", 5201);
	memset(&s, 0, sizeof(s));
	sockinfo_parse_subflow_addrs(&a, sizeof(a), &s);
	CHECK(!strcmp(s.local, "[fd00:1:1::1]:40000") && !strcmp(s.remote, "10.2.2.2:5201"),
	      "IPv6 in brackets, v4-mapped shown as IPv4: '%s' -> '%s'", s.local, s.remote);

	memset(&s, 0, sizeof(s));
	sockinfo_parse_subflow_addrs(&a, sizeof(a) - 1, &s);
	CHECK(!HAS(s.present, TELEM_ADDRS) && !s.local[0],
	      "addresses cut short: absent, not empty strings marked present");

	memset(&a, 0, sizeof(a));
	memset(&s, 0, sizeof(s));
	sockinfo_parse_subflow_addrs(&a, sizeof(a), &s);
	CHECK(!HAS(s.present, TELEM_ADDRS), "unknown address family: absent");
}

/* A full-info answer as a kernel with element strides ti_stride and
 * sf_stride would write it: n_written elements, num_subflows total. */
struct fake_full {
	struct sockinfo_full_info hdr;
	unsigned char sf[SOCKINFO_MAX_SUBFLOWS * sizeof(struct sockinfo_subflow_info)];
	unsigned char ti[SOCKINFO_MAX_SUBFLOWS * sizeof(struct sockinfo_tcp_info)];
};

static void fake_full_fill(struct fake_full *f, uint32_t num_subflows, uint32_t arrays,
			   uint32_t n_written, uint32_t ti_stride, uint32_t sf_stride)
{
	memset(f, 0x77, sizeof(*f)); /* garbage past what the kernel writes */
	memset(&f->hdr, 0, SOCKINFO_FULL_INFO_HDR_BYTES);
	f->hdr.mptcp_info = full_mptcp_info();
	f->hdr.size_tcpinfo_kernel = 248;
	f->hdr.size_tcpinfo_user = ti_stride;
	f->hdr.size_sfinfo_kernel = sizeof(struct sockinfo_subflow_info);
	f->hdr.size_sfinfo_user = sf_stride;
	f->hdr.num_subflows = num_subflows;
	f->hdr.size_arrays_user = arrays;
	for (uint32_t i = 0; i < n_written; i++) {
		struct sockinfo_tcp_info ti = full_tcp_info(i);
		struct sockinfo_subflow_info sfi;

		memset(&sfi, 0, sizeof(sfi));
		sfi.id = 1 + 2 * i; /* kernel ids are not positions */
		put_sin(&sfi.addrs.ss_local, i ? "10.2.1.1" : "10.1.1.1", (uint16_t)(40000 + i));
		put_sin(&sfi.addrs.ss_remote, i ? "10.2.2.2" : "10.1.2.2", 5201);
		memcpy(f->sf + i * sf_stride, &sfi, sf_stride);
		memcpy(f->ti + i * ti_stride, &ti, ti_stride);
	}
}

static void test_full_info(void)
{
	static struct fake_full f;
	static struct sockinfo_snapshot s;
	const size_t full_len = sizeof(struct sockinfo_full_info);
	const uint32_t sfsz = sizeof(struct sockinfo_subflow_info);

	/* 2 subflows, room for 16, a 6.1-style 232-byte tcp_info stride. */
	fake_full_fill(&f, 2, SOCKINFO_MAX_SUBFLOWS, 2, 232, sfsz);
	memset(&s, 0, sizeof(s));
	CHECK(sockinfo_parse_full(&f.hdr, full_len, f.sf, sizeof(f.sf), f.ti, sizeof(f.ti), &s) ==
		      0,
	      "full info parses");
	CHECK(s.source == SOCKINFO_FULL_INFO && s.mptcp, "full info: source and mptcp");
	CHECK(s.n_subflows == 2, "fewer subflows than the array: 2 reported, not %d",
	      SOCKINFO_MAX_SUBFLOWS);
	CHECK(s.sf[2].present == 0 && s.sf[2].subflow_id == 0,
	      "full info: the entry past num_subflows is untouched");
	CHECK(s.conn.subflows_total == 2 && HAS(s.conn.present, TELEM_C_SUBFLOWS_TOTAL),
	      "full info: subflows_total from num_subflows");
	CHECK(s.sf[0].subflow_id == 1 && s.sf[1].subflow_id == 3,
	      "full info: kernel subflow ids (1, 3)");
	CHECK(s.sf[1].srtt_us == 1001 && s.sf[1].cwnd == 11 && s.sf[1].bytes_acked == 50001,
	      "second element found with the kernel's 232-byte stride (srtt %u)", s.sf[1].srtt_us);
	CHECK(HAS(s.sf[1].present, TELEM_DELIVERY_RATE) && HAS(s.sf[1].present, TELEM_BYTES_SENT) &&
		      s.sf[1].bytes_sent == 70001,
	      "232-byte (6.1) tcp_info: delivery rate and bytes_sent present");
	CHECK(!strcmp(s.sf[1].local, "10.2.1.1:40001") && !strcmp(s.sf[1].remote, "10.2.2.2:5201"),
	      "full info: addresses of the second subflow");
	CHECK(s.tcp_info_bytes == 232 && s.mptcp_info_bytes == sizeof(struct mpl_mptcp_info),
	      "full info: element and struct sizes recorded");

	/* More subflows than the array could hold. */
	fake_full_fill(&f, 5, 2, 2, sizeof(struct sockinfo_tcp_info), sfsz);
	memset(&s, 0, sizeof(s));
	CHECK(sockinfo_parse_full(&f.hdr, full_len, f.sf, sizeof(f.sf), f.ti, sizeof(f.ti), &s) ==
			      0 &&
		      s.n_subflows == 2 && s.conn.subflows_total == 5,
	      "5 subflows, array of 2: 2 detailed, total 5");

	/* Without struct mptcp_info (optlen = the header only). */
	fake_full_fill(&f, 1, SOCKINFO_MAX_SUBFLOWS, 1, sizeof(struct sockinfo_tcp_info), sfsz);
	memset(&s, 0, sizeof(s));
	CHECK(sockinfo_parse_full(&f.hdr, SOCKINFO_FULL_INFO_HDR_BYTES, f.sf, sizeof(f.sf), f.ti,
				  sizeof(f.ti), &s) == 0 &&
		      s.conn.present == TELEM_C_SUBFLOWS_TOTAL && s.n_subflows == 1,
	      "full info without mptcp_info: only the subflow count (present 0x%x)",
	      s.conn.present);
	memset(&s, 0, sizeof(s));
	CHECK(sockinfo_parse_full(&f.hdr, SOCKINFO_FULL_INFO_HDR_BYTES - 1, f.sf, sizeof(f.sf),
				  f.ti, sizeof(f.ti), &s) == -EPROTO,
	      "full info shorter than its header is refused");

	/* A 5.16-sized mptcp_info inside the full info. */
	memset(&s, 0, sizeof(s));
	CHECK(sockinfo_parse_full(&f.hdr, SOCKINFO_FULL_INFO_HDR_BYTES + 48, f.sf, sizeof(f.sf),
				  f.ti, sizeof(f.ti), &s) == 0 &&
		      !HAS(s.conn.present, TELEM_C_BYTES_ACKED) &&
		      HAS(s.conn.present, TELEM_C_FALLBACK),
	      "full info with a 48-byte mptcp_info: bytes_acked absent");

	/* subflow_info of only the id: no addresses. */
	fake_full_fill(&f, 2, SOCKINFO_MAX_SUBFLOWS, 2, sizeof(struct sockinfo_tcp_info), 4);
	memset(&s, 0, sizeof(s));
	CHECK(sockinfo_parse_full(&f.hdr, full_len, f.sf, sizeof(f.sf), f.ti, sizeof(f.ti), &s) ==
			      0 &&
		      s.sf[1].subflow_id == 3 && !HAS(s.sf[1].present, TELEM_ADDRS) &&
		      HAS(s.sf[1].present, TELEM_BYTES_SENT),
	      "4-byte subflow_info: ids, no addresses; full tcp_info: bytes_sent present");

	/* tcp_info stride 0 (size_tcpinfo_user = 0): no tcp fields at all. */
	fake_full_fill(&f, 2, SOCKINFO_MAX_SUBFLOWS, 2, sizeof(struct sockinfo_tcp_info), sfsz);
	f.hdr.size_tcpinfo_user = 0;
	memset(&s, 0, sizeof(s));
	CHECK(sockinfo_parse_full(&f.hdr, full_len, f.sf, sizeof(f.sf), f.ti, sizeof(f.ti), &s) ==
			      0 &&
		      s.n_subflows == 2 && s.sf[0].present == TELEM_ADDRS,
	      "no tcp_info asked: subflows with addresses only");
}

static void test_split(void)
{
	static unsigned char buf[sizeof(struct sockinfo_subflow_data) +
				 4 * sizeof(struct sockinfo_tcp_info)];
	static struct sockinfo_snapshot s;
	/* Elements as long as a 4.6-4.8 struct tcp_info (160 bytes). */
	const uint32_t stride = offsetof(struct sockinfo_tcp_info, tcpi_delivery_rate);
	struct sockinfo_subflow_data sd = { .size_subflow_data = sizeof(sd), .num_subflows = 3,
					    .size_kernel = stride, .size_user = stride };
	uint32_t total = 0;
	size_t optlen = sizeof(sd) + 2 * stride;

	memset(buf, 0x77, sizeof(buf));
	memcpy(buf, &sd, sizeof(sd));
	for (uint32_t i = 0; i < 2; i++) {
		struct sockinfo_tcp_info ti = full_tcp_info(i);

		memcpy(buf + sizeof(sd) + i * stride, &ti, stride);
	}
	memset(&s, 0, sizeof(s));
	CHECK(sockinfo_parse_subflow_data(buf, optlen, false, &s, &total) == 2 && total == 3 &&
		      s.n_subflows == 2,
	      "MPTCP_TCPINFO: 2 of 3 subflows copied, total 3");
	CHECK(s.sf[1].srtt_us == 1001 && s.sf[1].subflow_id == 2 && s.sf[1].bytes_acked == 50001,
	      "MPTCP_TCPINFO: second element found with the kernel's %u-byte stride", stride);
	CHECK(!HAS(s.sf[1].present, TELEM_BYTES_SENT) &&
		      !HAS(s.sf[1].present, TELEM_DELIVERY_RATE) &&
		      HAS(s.sf[1].present, TELEM_PACING_RATE),
	      "MPTCP_TCPINFO elements shorter than tcpi_delivery_rate: delivery rate and "
	      "bytes_sent absent, pacing present");
	CHECK(sockinfo_parse_subflow_data(buf, sizeof(sd) - 1, false, &s, &total) == -EPROTO,
	      "MPTCP_TCPINFO shorter than its header is refused");
}

/* The real getsockopt() path on a loopback MPTCP connection. */
static void test_live(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	static struct sockinfo_reader rd;
	static struct sockinfo_snapshot s;
	struct diag d = DIAG_INIT;
	int l, c, a, r;

	l = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	if (l < 0) {
		check_skip_part("live read: cannot open an MPTCP socket here: %s", strerror(errno));
		return;
	}
	check_must(bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0, "bind", NULL);
	check_must(listen(l, 1) < 0 ? -errno : 0, "listen", NULL);
	check_must(getsockname(l, (struct sockaddr *)&sa, &salen) < 0 ? -errno : 0, "getsockname",
		   NULL);
	c = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	check_must(c < 0 ? -errno : 0, "socket", NULL);
	check_must(connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0, "connect",
		   NULL);
	a = accept(l, NULL, NULL);
	check_must(a < 0 ? -errno : 0, "accept", NULL);
	check_must(send(c, "x", 1, 0) == 1 ? 0 : -EIO, "send", NULL);
	{
		char byte;

		/* Once it is read, the server's counters have it. */
		check_must(recv(a, &byte, 1, 0) == 1 ? 0 : -EIO, "recv", NULL);
	}

	r = sockinfo_read(&rd, c, &s, &d);
	CHECK(r == 0, "live read of a loopback MPTCP connection: %s", r ? diag_str(&d) : "ok");
	printf("# live: source %s, mptcp_info %u bytes, tcp_info %u bytes, %u subflow(s)\n",
	       sockinfo_source_name(s.source), s.mptcp_info_bytes, s.tcp_info_bytes, s.n_subflows);
	CHECK(s.source != SOCKINFO_NONE && s.n_subflows >= 1 && HAS(s.sf[0].present, TELEM_SRTT),
	      "live: at least one subflow with an srtt");
	if (s.source != SOCKINFO_TCP_INFO)
		CHECK(s.mptcp && HAS(s.sf[0].present, TELEM_ADDRS) &&
			      strstr(s.sf[0].remote, "127.0.0.1"),
		      "live: MPTCP, subflow towards '%s'", s.sf[0].remote);
	/* The path of kernels before 6.5: MPTCP_INFO + MPTCP_TCPINFO +
	 * MPTCP_SUBFLOW_ADDRS, forced by telling the reader FULL_INFO is
	 * missing. */
	if (s.source == SOCKINFO_FULL_INFO) {
		memset(&rd, 0, sizeof(rd));
		rd.no_full_info = true;
		r = sockinfo_read(&rd, a, &s, &d);
		CHECK(r == 0 && s.source == SOCKINFO_SPLIT && s.mptcp && s.n_subflows == 1 &&
			      HAS(s.sf[0].present, TELEM_ADDRS) &&
			      HAS(s.sf[0].present, TELEM_BYTES_RECEIVED) &&
			      s.sf[0].bytes_received >= 1 &&
			      HAS(s.conn.present, TELEM_C_SUBFLOWS_TOTAL),
		      "live split read (server side): 1 subflow from '%s', %llu bytes received",
		      s.sf[0].remote, (unsigned long long)s.sf[0].bytes_received);
	}
	close(a);
	close(c);
	close(l);
}

static void test_xfer_helpers(void)
{
	struct xfer_params p = { .mode = XFER_RR, .direction = XFER_UPLOAD, .duration_us = 5000000,
				 .omit_us = 1000000, .request_bytes = 100, .response_bytes = 20000,
				 .rate_tps = 500 },
			   q;
	unsigned char hdr[XFER_HDR_BYTES];
	struct diag d = DIAG_INIT;
	uint32_t v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	xfer_hdr_encode(&p, hdr);
	CHECK(xfer_hdr_decode(hdr, &q, &d) == 0 && !memcmp(&p, &q, sizeof(p)),
	      "xfer header round trip");
	hdr[0] = 'X';
	CHECK(xfer_hdr_decode(hdr, &q, &d) == -EBADMSG, "xfer header with a bad magic refused");
	p.mode = XFER_BULK;
	p.request_bytes = p.response_bytes = 0;
	p.rate_tps = 0;
	p.bytes = 1; /* and a duration: both */
	xfer_hdr_encode(&p, hdr);
	diag_clear(&d);
	CHECK(xfer_hdr_decode(hdr, &q, &d) == -EBADMSG, "bulk with bytes and duration refused: %s",
	      diag_str(&d));
	CHECK(xfer_percentile(v, 10, 50) == 5 && xfer_percentile(v, 10, 90) == 9 &&
		      xfer_percentile(v, 10, 99) == 10 && xfer_percentile(v, 10, 100) == 10 &&
		      xfer_percentile(v, 1, 99) == 1 && xfer_percentile(v, 0, 50) == 0,
	      "nearest-rank percentiles");
}


/* ---- the native engine ------------------------------------------------------ */

/* A fake `mptcp-lab xfer`: writes what FAKE_MODE says to --output. */
static const char fake_xfer[] =
	"#!/bin/bash\n"
	"role=$2 out=\n"
	"while [ $# -gt 0 ]; do [ \"$1\" = --output ] && out=$2; shift; done\n"
	"exec >\"$out\"\n"
	"S='{\"type\":\"summary\",\"version\":1,\"mode\":\"bulk\",\"direction\":\"upload\","
	"\"proto\":\"mptcp\",\"mptcp\":true,\"sockinfo\":\"full_info\",\"cc\":\"cubic\","
	"\"requested_bytes\":1000,\"bytes_sent\":0,\"duration_us\":1000,\"measured_us\":1000,"
	"\"wall_us\":3000,\"cpu_us\":30,\"samples\":1,\"sample_errors\":0'\n"
	"C='{\"type\":\"conn\",\"t_us\":50000,\"mono_us\":1050000,\"source\":\"full_info\","
	"\"mptcp\":true,\"subflows_total\":2,\"fallback\":false,\"bytes_acked\":1064'\n"
	"F='{\"type\":\"subflow\",\"t_us\":50000,\"mono_us\":1050000,\"local\":\"10.1.1.1:1\","
	"\"remote\":\"10.1.2.2:5201\",\"bytes_acked\":532,\"total_retrans\":2'\n"
	"if [ $role = server ]; then\n"
	"  case $FAKE_MODE in\n"
	"  noready) echo 'mptcp-lab: xfer server: cannot bind port 1: Address in use' >&2; exit "
	"1;;\n"
	"  short) B=999;; tcp) P=tcp;; esac\n"
	"  echo ready\n"
	"  echo \"$C,\\\"role\\\":\\\"s\\\",\\\"rx\\\":1000,\\\"tx\\\":0}\"\n"
	"  echo \"$F,\\\"role\\\":\\\"s\\\",\\\"id\\\":1}\"\n"
	"  echo \"$F,\\\"role\\\":\\\"s\\\",\\\"id\\\":2}\"\n"
	"  echo "
	"\"${S/\\\"proto\\\":\\\"mptcp\\\"/"
	"\\\"proto\\\":\\\"${P:-mptcp}\\\"},\\\"role\\\":\\\"s\\\",\\\"bytes\\\":${B:-1000},"
	"\\\"measured_bytes\\\":${B:-1000},\\\"goodput_bps\\\":8000000,\\\"start_mono_us\\\":"
	"1000100"
	"${P:+,\\\"mptcp_unavailable\\\":\\\"cannot create an MPTCP socket: Protocol not "
	"available\\\"}}\"\n"
	"  exit 0\n"
	"fi\n"
	"case $FAKE_MODE in\n"
	"exit3) echo 'mptcp-lab: xfer client: cannot connect to 10.0.0.1 port 1: Connection "
	"refused' >&2; exit 3;;\n"
	"hang) exec sleep 30;;\n"
	"garbage) echo '{not json'; exit 0;;\n"
	"esac\n"
	"echo \"$C,\\\"role\\\":\\\"c\\\",\\\"rx\\\":0,\\\"tx\\\":1000}\"\n"
	"echo \"$F,\\\"role\\\":\\\"c\\\",\\\"id\\\":1}\"\n"
	"echo \"$F,\\\"role\\\":\\\"c\\\",\\\"id\\\":2}\"\n"
	"[ $FAKE_MODE = nosummary ] && exit 0\n"
	"L=\"$S,\\\"role\\\":\\\"c\\\",\\\"bytes\\\":0,\\\"measured_bytes\\\":0,\\\"goodput_"
	"bps\\\":0,"
	"\\\"start_mono_us\\\":1000000,\\\"completion_us\\\":2000}\"\n"
	"[ $FAKE_MODE = trunc ] && { printf '%s' \"$L\"; exit 0; }\n"
	"[ $FAKE_MODE = twice ] && echo \"$L\"\n"
	"echo \"$L\"\n";

struct tick_log {
	unsigned calls;
	uint64_t last_us, max_gap_us;
	uint64_t gaps_us[512]; /* the first ones; a run of the tests has ~60 */
	unsigned n_gaps;
	int abort_at; /* return -ECANCELED on this call (0: never) */
};

static int on_tick(uint64_t elapsed_us, void *arg)
{
	struct tick_log *t = arg;
	uint64_t gap_us = elapsed_us - t->last_us;

	if (t->calls && gap_us > t->max_gap_us)
		t->max_gap_us = gap_us;
	if (t->calls && t->n_gaps < ARRAY_SIZE(t->gaps_us))
		t->gaps_us[t->n_gaps++] = gap_us;
	t->last_us = elapsed_us;
	if (++t->calls == (unsigned)t->abort_at)
		return -ECANCELED;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t tick_median_gap_us(struct tick_log *t)
{
	if (!t->n_gaps)
		return UINT64_MAX;
	qsort(t->gaps_us, t->n_gaps, sizeof(t->gaps_us[0]), cmp_u64);
	return t->gaps_us[t->n_gaps / 2];
}

static int fake_run(const char *mode, const struct engine_params *p, struct engine_result *res,
		    struct diag *d, struct tick_log *tl)
{
	struct engine_target t = { .client_netns_fd = -1, .server_netns_fd = -1,
				   .server_addr = "127.0.0.1", .port = 1 };
	struct engine_hooks h = { .tick = on_tick, .arg = tl };

	setenv("FAKE_MODE", mode, 1);
	diag_clear(d);
	return engine_native.run(&t, p, &h, res, d);
}

static void test_engine_fake(void)
{
	static char dir_tmpl[] = "/tmp/mpl-test-native.XXXXXX";
	const char *fake;
	struct engine_params p = { .direction = ENGINE_UPLOAD,
				   .bytes = 1000,
				   .timeout_us = 20000000 };
	struct engine_result res;
	struct diag d = DIAG_INIT;
	struct tick_log tl = { 0 };
	static const struct {
		const char *mode, *reason;
	} bad[] = {
		{ "trunc", "truncated" },
		{ "garbage", "not a JSON object" },
		{ "nosummary", "no summary" },
		{ "twice", "after the summary" },
		{ "short", "byte count not met: the receiver got 999 of 1000" },
		{ "exit3", "exited with status 3: xfer client: cannot connect" },
		{ "tcp", "used plain TCP: cannot create an MPTCP socket" },
	};
	uint64_t t0;
	FILE *f;
	int r;

	check_tmpdir_make(dir_tmpl);
	fake = check_tmpdir_file("fake-xfer");
	f = fopen(fake, "w");
	check_must(f ? 0 : -errno, "create the fake xfer", NULL);
	fputs(fake_xfer, f);
	fclose(f);
	chmod(fake, 0755);
	setenv("MPL_BIN", fake, 1);

	r = fake_run("ok", &p, &res, &d, &tl);
	CHECK(r == 0 && res.valid, "engine on good output: valid (%s%s)", res.reason, diag_str(&d));
	CHECK(res.goodput_bps == 8e6 && res.goodput_up_bps == 8e6 && res.bytes == 1000 &&
		      res.completion_us == 2000 && res.retransmits == 4,
	      "engine: goodput %.0f, bytes %llu, completion %llu us, retransmits %lld",
	      res.goodput_bps, (unsigned long long)res.bytes,
	      (unsigned long long)res.completion_us, (long long)res.retransmits);
	CHECK(res.telem.n_conns == 2 && res.telem.n_subflows == 4 &&
		      res.telem_start_us == 1000000 && res.telem.subflows[0].t_us == 50000 &&
		      res.telem.subflows[0].role == 'c' && res.telem.subflows[3].role == 's' &&
		      HAS(res.telem.subflows[1].present, TELEM_ADDRS) &&
		      !HAS(res.telem.subflows[1].present, TELEM_BYTES_SENT) &&
		      res.telem.conns[0].subflows_total == 2,
	      "engine: telemetry of both ends on the client's time line, absent fields absent");
	CHECK(!strcmp(res.mptcp_method, "native") && !strcmp(res.cc_sender, "cubic") &&
		      res.cpu_client_pct == 1.0,
	      "engine: method '%s', cc '%s', client cpu %.2f %%", res.mptcp_method, res.cc_sender,
	      res.cpu_client_pct);
	engine_result_release(&res);
	CHECK(res.telem.subflows == NULL && res.telem.n_subflows == 0,
	      "engine_result_release() releases the telemetry");

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		r = fake_run(bad[i].mode, &p, &res, &d, &tl);
		CHECK(r == 0 && !res.valid && strstr(res.reason, bad[i].reason) &&
			      res.telem.n_subflows == 0,
		      "engine on '%s' output: invalid, '%s'", bad[i].mode, res.reason);
		engine_result_release(&res);
	}

	r = fake_run("noready", &p, &res, &d, &tl);
	CHECK(r == -EIO && strstr(diag_str(&d), "exited before listening") &&
		      strstr(diag_str(&d), "Address in use"),
	      "server that never gets ready: %d, '%s'", r, diag_str(&d));
	engine_result_release(&res);

	memset(&tl, 0, sizeof(tl));
	p.timeout_us = 500000;
	t0 = mtime_now_us();
	r = fake_run("hang", &p, &res, &d, &tl);
	CHECK(r == 0 && !res.valid && strstr(res.reason, "watchdog"),
	      "hanging client: '%s' after %.1f s", res.reason, (double)(mtime_now_us() - t0) / 1e6);
	/*
	 * The engine ticks every 40 ms (NATIVE_TICK_US) and promises a tick
	 * at least every 50 ms (engine.h): that is its own pacing. When a
	 * tick really runs also depends on when the scheduler wakes the
	 * engine. Measured on this 2-core box (2026-12-06), this case, ~60
	 * gaps a run:
	 *   - shared with other builds (load average 4-9), 220 runs: the
	 *     median gap of a run 40.1 ms; the longest gap of a run: median
	 *     44 ms, 90th percentile 47 ms, worst 129 ms; 8 % of the runs
	 *     had a gap over 50 ms;
	 *   - the other core busy-looping too, 280 runs: the median gap of a
	 *     run 40.1-40.2 ms; the longest: median 44 ms, p90 48-55 ms,
	 *     worst 145 ms; 6-13 % of the runs over 50 ms;
	 *   - both cores busy-looping too, 100 runs: the median of all gaps
	 *     43.5 ms; the longest of a run: median 59 ms, p90 74 ms, worst
	 *     142 ms.
	 * So the promise is checked on the median gap (<= 50 ms; measured
	 * 40.1-43.5 ms), which a loaded scheduler hardly moves, and the
	 * longest gap against a bound with room for the worst wake-up seen,
	 * 250 ms (1.7 x 145): it still catches a wait that stops ticking
	 * (this run lasts ~2.5 s), and a pace of 100 ms fails the median.
	 */
	{
		uint64_t median_us = tick_median_gap_us(&tl);

		CHECK(tl.calls > 10 && median_us <= 50000 && tl.max_gap_us <= 250000,
		      "tick hook: %u calls, median gap %llu us (promised <= 50 ms), longest %llu us "
		      "(<= 250 ms on a loaded machine)",
		      tl.calls, (unsigned long long)median_us, (unsigned long long)tl.max_gap_us);
	}
	engine_result_release(&res);

	memset(&tl, 0, sizeof(tl));
	tl.abort_at = 3;
	r = fake_run("hang", &p, &res, &d, &tl);
	CHECK(r == -ECANCELED && strstr(diag_str(&d), "tick hook"),
	      "a tick hook's error aborts the run: '%s'", diag_str(&d));
	engine_result_release(&res);

	p.streams = 2;
	r = fake_run("ok", &p, &res, &d, &tl);
	CHECK(r == -EOPNOTSUPP, "two streams refused: '%s'", diag_str(&d));
	p.streams = 1;
	p.mode = ENGINE_RR;
	r = fake_run("ok", &p, &res, &d, &tl);
	CHECK(r == -EINVAL, "rr with a byte count refused: '%s'", diag_str(&d));
	unsetenv("MPL_BIN");
}

/* A free TCP port on loopback (bound, then released). */
static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	check_must(fd < 0 ? -errno : 0, "socket", NULL);
	check_must(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0, "bind", NULL);
	check_must(getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ? -errno : 0, "getsockname",
		   NULL);
	close(fd);
	return ntohs(sa.sin_port);
}

static void test_engine_loopback(void)
{
	char self[PATH_MAX], bin[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct engine_target t = { .client_netns_fd = -1, .server_netns_fd = -1,
				   .server_addr = "127.0.0.1" };
	struct engine_params p = { .direction = ENGINE_UPLOAD, .bytes = 16u << 20,
				   .sample_interval_us = 10000 };
	struct engine_result res;
	struct diag d = DIAG_INIT;
	bool roles[2] = { false, false };
	int r, fd;

	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	if (fd < 0) {
		check_skip_part("native engine on loopback: cannot open an MPTCP socket here: %s",
				strerror(errno));
		return;
	}
	close(fd);
	check_must(n > 0 ? 0 : -errno, "readlink /proc/self/exe", NULL);
	self[n] = '\0';
	/* build/tests/unit/test_sockinfo -> build/mptcp-lab */
	snprintf(bin, sizeof(bin), "%s/../../mptcp-lab", dirname(self));
	if (access(bin, X_OK) < 0) {
		check_skip_part("native engine on loopback: '%s' is not built", bin);
		return;
	}
	setenv("MPL_BIN", bin, 1);

	t.port = free_port();
	r = engine_native.run(&t, &p, NULL, &res, &d);
	CHECK(r == 0 && res.valid, "native bulk 16 MiB on loopback: %s%s", res.reason,
	      r ? diag_str(&d) : "");
	for (size_t i = 0; i < res.telem.n_conns; i++)
		roles[res.telem.conns[i].role == 's'] = true;
	CHECK(res.bytes == p.bytes && res.completion_us > 0 && res.goodput_bps > 0 && roles[0] &&
		      roles[1],
	      "loopback bulk: %llu bytes, %.0f Mbit/s, completion %llu us, samples of both ends",
	      (unsigned long long)res.bytes, res.goodput_bps / 1e6,
	      (unsigned long long)res.completion_us);
	engine_result_release(&res);

	memset(&p, 0, sizeof(p));
	p.mode = ENGINE_RR;
	p.rr_transactions = 300;
	p.rr_request_bytes = 64;
	p.rr_response_bytes = 4096;
	t.port = free_port();
	r = engine_native.run(&t, &p, NULL, &res, &d);
	CHECK(r == 0 && res.valid && res.rr.transactions == 300 && res.rr.tps > 0 &&
		      res.rr.p50_us <= res.rr.p90_us && res.rr.p90_us <= res.rr.p99_us &&
		      res.rr.p99_us <= res.rr.max_us,
	      "loopback rr: %llu transactions, %.0f/s, p50 %llu p90 %llu p99 %llu max %llu us %s%s",
	      (unsigned long long)res.rr.transactions, res.rr.tps,
	      (unsigned long long)res.rr.p50_us, (unsigned long long)res.rr.p90_us,
	      (unsigned long long)res.rr.p99_us, (unsigned long long)res.rr.max_us, res.reason,
	      r ? diag_str(&d) : "");
	engine_result_release(&res);
	unsetenv("MPL_BIN");
}

int main(void)
{
	test_mptcp_info();
	test_tcp_info();
	test_addrs();
	test_full_info();
	test_split();
	test_live();
	test_xfer_helpers();
	test_engine_fake();
	test_engine_loopback();
	return check_done();
}
