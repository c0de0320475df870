/*
 * mptcp_xfer: a small MPTCP (or plain TCP) bulk-transfer client and server
 * for the netns tests. It is a test witness, not the lab's traffic engine.
 *
 *   mptcp_xfer server --port P [--tcp] [--once] [--timeout S]
 *   mptcp_xfer client --connect ADDR --port P (--bytes N | --duration-ms MS)
 *                     [--tcp] [--timeout S]
 *
 * The server listens on [::] (dual stack), prints "ready" once listen()
 * has returned so scripts wait for the real condition instead of sleeping,
 * and for every connection counts the bytes received from the first byte
 * to EOF. The client sends, half-closes, and waits for the server's EOF so
 * its duration covers delivery, not just queueing into the send buffer.
 * Each side ends a connection with ONE JSON line on stdout:
 *
 *   {"role":"client","bytes":N,"duration_us":D,"goodput_bps":G,
 *    "mptcp":true|false,"subflows":S}
 *
 * "mptcp" says whether the socket really is MPTCP (MPTCP_INFO works and the
 * fallback flag is clear); "subflows" is the total number of subflows read
 * just before the sender half-closes (the receiver reads it at EOF).
 *
 * It does not shape, bind to devices, or measure per-subflow data; an
 * alarm() guard makes sure it never hangs a test.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "mtime.h"
#include "units.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#define XFER_SOL_MPTCP 284
#define XFER_MPTCP_INFO 1
#define XFER_MPTCP_FULL_INFO 4
#define XFER_INFO_FLAG_FALLBACK (1u << 0)

/*
 * Local copies of the uapi structures: Debian 12's <linux/mptcp.h> is from
 * 6.1 and lacks mptcpi_subflows_total and MPTCP_FULL_INFO. Fields are used
 * only when the optlen the kernel returns covers them, so a shorter kernel
 * struct is fine.
 */
struct xfer_mptcp_info {
	uint8_t subflows; /* additional subflows, not the total */
	uint8_t add_addr_signal;
	uint8_t add_addr_accepted;
	uint8_t subflows_max;
	uint8_t add_addr_signal_max;
	uint8_t add_addr_accepted_max;
	uint32_t flags;
	uint32_t token;
	uint64_t write_seq;
	uint64_t snd_una;
	uint64_t rcv_nxt;
	uint8_t local_addr_used;
	uint8_t local_addr_max;
	uint8_t csum_enabled;
	uint32_t retransmits;
	uint64_t bytes_retrans;
	uint64_t bytes_sent;
	uint64_t bytes_received;
	uint64_t bytes_acked;
	uint8_t subflows_total; /* since 6.8 */
	uint8_t reserved[3];
	uint32_t last_data_sent;
	uint32_t last_data_recv;
	uint32_t last_ack_recv;
};

struct xfer_mptcp_full_info {
	uint32_t size_tcpinfo_kernel;
	uint32_t size_tcpinfo_user;
	uint32_t size_sfinfo_kernel;
	uint32_t size_sfinfo_user;
	uint32_t num_subflows;
	uint32_t size_arrays_user;
	uint64_t subflow_info __attribute__((aligned(8)));
	uint64_t tcp_info __attribute__((aligned(8)));
	struct xfer_mptcp_info mptcp_info;
};

#define XFER_FIELD_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

#define XFER_BUF_BYTES (64 * 1024)
#define XFER_DEFAULT_TIMEOUT_S 60

struct xfer_opts {
	bool server, tcp, once;
	const char *connect;
	uint16_t port;
	uint64_t bytes;
	uint64_t duration_ms;
	unsigned timeout_s;
};

struct xfer_stats {
	uint64_t bytes;
	uint64_t duration_us;
	bool mptcp;
	unsigned subflows;
};

static void xfer_on_alarm(int sig)
{
	static const char msg[] = "mptcp_xfer: timed out\n";
	ssize_t r;

	(void)sig;
	r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	_exit(3);
}

static int xfer_usage(void)
{
	fprintf(stderr,
		"usage: mptcp_xfer server --port P [--tcp] [--once] [--timeout S]\n"
		"       mptcp_xfer client --connect ADDR --port P (--bytes N | --duration-ms MS)\n"
		"                         [--tcp] [--timeout S]\n");
	return 64;
}

/*
 * Whether fd is a real MPTCP connection and how many subflows it has.
 * mptcpi_subflows_total counts the initial subflow; older kernels only
 * have mptcpi_subflows (the extra ones), and MPTCP_FULL_INFO's num_subflows
 * is the fallback in between.
 */
static void xfer_mptcp_read(int fd, bool tcp, struct xfer_stats *st)
{
	struct xfer_mptcp_info info;
	struct xfer_mptcp_full_info full;
	socklen_t len = sizeof(info);

	st->mptcp = false;
	st->subflows = 1;
	if (tcp)
		return;
	memset(&info, 0, sizeof(info));
	if (getsockopt(fd, XFER_SOL_MPTCP, XFER_MPTCP_INFO, &info, &len) < 0)
		return; /* EOPNOTSUPP/ENOPROTOOPT: fell back to TCP */
	if (len < XFER_FIELD_END(struct xfer_mptcp_info, flags) ||
	    (info.flags & XFER_INFO_FLAG_FALLBACK))
		return;
	st->mptcp = true;
	if (len >= XFER_FIELD_END(struct xfer_mptcp_info, subflows_total) &&
	    info.subflows_total) {
		st->subflows = info.subflows_total;
		return;
	}
	/* The kernel insists on zeroed *_kernel fields and num_subflows. */
	memset(&full, 0, sizeof(full));
	len = sizeof(full);
	if (getsockopt(fd, XFER_SOL_MPTCP, XFER_MPTCP_FULL_INFO, &full, &len) == 0 &&
	    len >= XFER_FIELD_END(struct xfer_mptcp_full_info, num_subflows) &&
	    full.num_subflows) {
		st->subflows = full.num_subflows;
		return;
	}
	st->subflows = (unsigned)info.subflows + 1;
}

static void xfer_print(const char *role, const struct xfer_stats *st)
{
	uint64_t goodput_bps = 0;

	if (st->duration_us)
		goodput_bps = (uint64_t)((double)st->bytes * 8.0 * 1e6 /
					 (double)st->duration_us);
	printf("{\"role\":\"%s\",\"bytes\":%llu,\"duration_us\":%llu,"
	       "\"goodput_bps\":%llu,\"mptcp\":%s,\"subflows\":%u}\n",
	       role, (unsigned long long)st->bytes,
	       (unsigned long long)st->duration_us,
	       (unsigned long long)goodput_bps, st->mptcp ? "true" : "false",
	       st->subflows);
	fflush(stdout);
}

/* Receive until EOF; time runs from the first byte, not from accept(),
 * so connection set-up and an idle client do not dilute the goodput. */
static int xfer_serve_one(int fd, const struct xfer_opts *o)
{
	static char buf[XFER_BUF_BYTES];
	struct xfer_stats st = { 0 };
	uint64_t first_us = 0;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "mptcp_xfer: cannot receive: %s\n", strerror(errno));
			return -errno;
		}
		if (n == 0)
			break;
		if (!first_us)
			first_us = mtime_now_us();
		st.bytes += (uint64_t)n;
	}
	st.duration_us = first_us ? mtime_now_us() - first_us : 0;
	xfer_mptcp_read(fd, o->tcp, &st);
	xfer_print("server", &st);
	return 0;
}

static int xfer_server(const struct xfer_opts *o)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int one = 1, zero = 0, fd, c, r = 0;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, o->tcp ? IPPROTO_TCP : IPPROTO_MPTCP);
	if (fd < 0) {
		fprintf(stderr, "mptcp_xfer: cannot create %s socket: %s\n",
			o->tcp ? "TCP" : "MPTCP", strerror(errno));
		return 1;
	}
	/* Dual stack: IPv4 clients arrive as v4-mapped addresses. */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		fprintf(stderr, "mptcp_xfer: cannot set socket options: %s\n", strerror(errno));
		goto fail;
	}
	sa.sin6_port = htons(o->port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "mptcp_xfer: cannot bind port %u: %s\n", o->port, strerror(errno));
		goto fail;
	}
	if (listen(fd, 16) < 0) {
		fprintf(stderr, "mptcp_xfer: cannot listen: %s\n", strerror(errno));
		goto fail;
	}
	printf("ready\n");
	fflush(stdout);
	do {
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0 && errno == EINTR)
			continue;
		if (c < 0) {
			fprintf(stderr, "mptcp_xfer: cannot accept: %s\n", strerror(errno));
			goto fail;
		}
		r = xfer_serve_one(c, o);
		close(c);
	} while (!o->once);
	close(fd);
	return r < 0 ? 1 : 0;
fail:
	close(fd);
	return 1;
}

static int xfer_connect(const struct xfer_opts *o)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char port[8];
	int fd = -1, r;

	snprintf(port, sizeof(port), "%u", o->port);
	r = getaddrinfo(o->connect, port, &hints, &ai);
	if (r) {
		fprintf(stderr, "mptcp_xfer: bad address '%s': %s\n", o->connect, gai_strerror(r));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC,
		    o->tcp ? IPPROTO_TCP : IPPROTO_MPTCP);
	if (fd < 0) {
		r = -errno;
		fprintf(stderr, "mptcp_xfer: cannot create %s socket: %s\n",
			o->tcp ? "TCP" : "MPTCP", strerror(errno));
		goto out;
	}
	while (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno == EINTR)
			continue;
		r = -errno;
		fprintf(stderr, "mptcp_xfer: cannot connect to '%s' port %u: %s\n",
			o->connect, o->port, strerror(errno));
		close(fd);
		fd = -1;
		goto out;
	}
	r = fd;
out:
	freeaddrinfo(ai);
	return r;
}

static int xfer_client(const struct xfer_opts *o)
{
	static char buf[XFER_BUF_BYTES];
	struct xfer_stats st = { 0 };
	uint64_t start_us, deadline_us = 0;
	ssize_t n;
	int fd;

	memset(buf, 'x', sizeof(buf));
	fd = xfer_connect(o);
	if (fd < 0)
		return 1;
	start_us = mtime_now_us();
	if (o->duration_ms)
		deadline_us = start_us + o->duration_ms * USEC_PER_MSEC;
	for (;;) {
		size_t want = sizeof(buf);

		if (deadline_us) {
			if (mtime_now_us() >= deadline_us)
				break;
		} else {
			if (st.bytes >= o->bytes)
				break;
			if (o->bytes - st.bytes < want)
				want = (size_t)(o->bytes - st.bytes);
		}
		n = send(fd, buf, want, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "mptcp_xfer: cannot send: %s\n", strerror(errno));
			goto fail;
		}
		st.bytes += (uint64_t)n;
	}
	/* Before the half-close: DATA_FIN starts tearing subflows down. */
	xfer_mptcp_read(fd, o->tcp, &st);
	if (shutdown(fd, SHUT_WR) < 0) {
		fprintf(stderr, "mptcp_xfer: cannot shut down: %s\n", strerror(errno));
		goto fail;
	}
	/* The server closes after it has read everything: wait for that. */
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
	}
	if (n < 0) {
		fprintf(stderr, "mptcp_xfer: cannot wait for the server: %s\n", strerror(errno));
		goto fail;
	}
	st.duration_us = mtime_now_us() - start_us;
	close(fd);
	xfer_print("client", &st);
	return 0;
fail:
	close(fd);
	return 1;
}

static int xfer_parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (*end || errno || *v > max)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "connect", required_argument, NULL, 'c' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "tcp", no_argument, NULL, 'T' },
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct xfer_opts o = { .timeout_s = XFER_DEFAULT_TIMEOUT_S };
	unsigned long long v;
	bool have_port = false;
	int c;

	if (argc < 2)
		return xfer_usage();
	if (!strcmp(argv[1], "server"))
		o.server = true;
	else if (strcmp(argv[1], "client"))
		return xfer_usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (xfer_parse_uint(optarg, 65535, &v) || !v)
				return xfer_usage();
			o.port = (uint16_t)v;
			have_port = true;
			break;
		case 'c':
			o.connect = optarg;
			break;
		case 'b':
			if (units_parse_size_bytes(optarg, &o.bytes) || !o.bytes)
				return xfer_usage();
			break;
		case 'd':
			if (xfer_parse_uint(optarg, UINT32_MAX, &v) || !v)
				return xfer_usage();
			o.duration_ms = v;
			break;
		case 't':
			if (xfer_parse_uint(optarg, 86400, &v) || !v)
				return xfer_usage();
			o.timeout_s = (unsigned)v;
			break;
		case 'T':
			o.tcp = true;
			break;
		case 'o':
			o.once = true;
			break;
		default:
			return xfer_usage();
		}
	}
	if (optind != argc || !have_port)
		return xfer_usage();
	if (o.server && (o.connect || o.bytes || o.duration_ms))
		return xfer_usage();
	if (!o.server && (!o.connect || o.once || !o.bytes == !o.duration_ms))
		return xfer_usage();

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, xfer_on_alarm);
	alarm(o.timeout_s);
	return o.server ? xfer_server(&o) : xfer_client(&o);
}
