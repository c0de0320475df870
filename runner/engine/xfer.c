/*
 * xfer.c: the native engine's client and server (protocol and output in
 * xfer.h): the socket, the connection, moving the bytes of a bulk or
 * request/response transfer, and sampling the socket on time. The header
 * and the parameters are xfer_wire.c's, the JSON lines xfer_lines.c's.
 *
 * I/O: one non-blocking socket per process driven by ppoll(), so that the
 * same thread can move data in both directions and sample the socket on
 * time without locks. Data moves with plain send()/recv() of a buffer
 * written once and never touched again: no per-byte work but the
 * kernel's one copy each way. MSG_ZEROCOPY is not used: MPTCP sockets
 * refuse SO_ZEROCOPY (EOPNOTSUPP on 6.18), without which the flag is
 * ignored. splice() is not used either: there is no file to splice from,
 * and a pipe in between costs a copy of its own.
 *
 * Sizes, measured where the harness is the bottleneck (an unshaped
 * two-path lab, 2 cores; bench/bench_engines and bench/README.md): a
 * sender writes 128 KiB at a time, 4 writes per turn of the wait loop,
 * then polls again. With BBR (the namespaces' default on the lab's host)
 * that is what keeps level with iperf3: 256 KiB writes until the socket
 * was full gave 0.85x iperf3 on a quiet host and under half of it with
 * other load on the CPUs; CUBIC does best with larger writes, but clears
 * iperf3 by far with these too. Reads take up to 256 KiB, until the
 * socket is empty (up to 64 in a row).
 *
 * Time: CLOCK_MONOTONIC (mtime.h), the same clock in every namespace of
 * the host, so the engine can put both ends' samples on one time line
 * ("mono_us"). "t_us" counts from this end's start: the client's is just
 * before it writes the header, the server's when the header has arrived.
 *
 * This file prints only to o->out (the "ready" line; the rest through
 * xfer_lines.c) and never exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "mtime.h"
#include "xfer_int.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define XFER_READ_BURST 64 /* recvs before looking at the clock again */
#define XFER_WRITE_BURST 4 /* sends before going back to the wait loop */

/* ---- sampling ---------------------------------------------------------------- */

static void xfer_sample(struct xfer_run *r, uint64_t now_us)
{
	struct diag d = DIAG_INIT;

	if (sockinfo_read(r->rd, r->fd, &r->snap, &d) < 0) {
		if (!r->sample_errors++)
			snprintf(r->sample_err, sizeof(r->sample_err), "%s", diag_str(&d));
		return;
	}
	r->snap_valid = true;
	r->n_samples++;
	xfer_emit_sample(r, now_us);
}

static void xfer_maybe_sample(struct xfer_run *r, uint64_t now_us)
{
	if (!r->next_sample_us || now_us < r->next_sample_us)
		return;
	xfer_sample(r, now_us);
	/* On the grid from the start; a late sample does not shift the
	 * following ones, and missed slots are skipped, not made up. */
	r->next_sample_us += r->o->interval_us;
	if (r->next_sample_us <= now_us)
		r->next_sample_us = now_us + r->o->interval_us -
				    (now_us - r->start_us) % r->o->interval_us;
}

/* ---- waiting -------------------------------------------------------------------- */

static int xfer_check_alive(struct xfer_run *r, uint64_t now_us, struct diag *d)
{
	if (r->o->cancel && *r->o->cancel)
		return diag_set(d, -EINTR, "interrupted");
	if (now_us >= r->guard_us)
		return diag_set(d, -ETIMEDOUT, "gave up after %.1f s (--timeout)",
				(double)r->o->timeout_us / 1e6);
	return 0;
}

/*
 * Wait until the socket reports one of events (or an error/hang-up), or
 * until until_us (0: no limit but the guard), sampling on the way.
 * Returns the revents, 0 when until_us passed, or a negative errno.
 */
static int xfer_wait(struct xfer_run *r, short events, uint64_t until_us, struct diag *d)
{
	for (;;) {
		struct pollfd pfd = { .fd = r->fd, .events = events };
		uint64_t now_us = mtime_now_us(), wake_us;
		struct timespec ts;
		int n, err;

		err = xfer_check_alive(r, now_us, d);
		if (err < 0)
			return err;
		xfer_maybe_sample(r, now_us);
		if (until_us && now_us >= until_us)
			return 0;
		wake_us = r->guard_us;
		if (until_us && until_us < wake_us)
			wake_us = until_us;
		if (r->next_sample_us && r->next_sample_us < wake_us)
			wake_us = r->next_sample_us;
		now_us = mtime_now_us();
		wake_us = wake_us > now_us ? wake_us - now_us : 0;
		ts.tv_sec = (time_t)(wake_us / USEC_PER_SEC);
		ts.tv_nsec = (long)(wake_us % USEC_PER_SEC) * 1000;
		n = ppoll(&pfd, 1, &ts, NULL);
		if (n < 0 && errno != EINTR)
			return diag_set(d, -errno, "cannot wait on the socket: %s",
					strerror(errno));
		if (n > 0)
			return pfd.revents;
	}
}

/* ---- moving bytes ---------------------------------------------------------------- */

static int xfer_sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static void xfer_account_rx(struct xfer_run *r, size_t n, uint64_t now_us)
{
	if (!r->rx_first_us) {
		r->rx_first_us = now_us;
		r->omit_at_us = now_us + r->p.omit_us;
	}
	if (now_us < r->omit_at_us)
		r->rx_omit_bytes += n;
	r->rx_last_us = now_us;
	r->rx_bytes += n;
}

/* Read what is there (bulk). *eof at the peer's EOF; data where none is
 * due, or more than asked, is a protocol error. */
static int xfer_bulk_read(struct xfer_run *r, bool expect_data, bool *eof, struct diag *d)
{
	for (int k = 0; k < XFER_READ_BURST; k++) {
		ssize_t n = recv(r->fd, r->buf, r->buf_len, MSG_DONTWAIT);

		if (n > 0) {
			if (!expect_data)
				return diag_set(d, -EPROTO, "the peer sent data in a %s transfer",
						xfer_direction_name(r->p.direction));
			xfer_account_rx(r, (size_t)n, mtime_now_us());
			if (r->p.bytes && r->rx_bytes > r->p.bytes)
				return diag_set(d, -EPROTO,
						"received more than the %llu bytes asked",
						(unsigned long long)r->p.bytes);
			continue;
		}
		if (n == 0) {
			*eof = true;
			return 0;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return diag_set(d, -errno, "cannot receive after %llu bytes: %s",
					(unsigned long long)r->rx_bytes, strerror(errno));
	}
	return 0;
}

/* Write a few buffers, or until the socket is full, the byte count is
 * reached, the deadline or the next sample is due. */
static int xfer_bulk_write(struct xfer_run *r, uint64_t deadline_us, struct diag *d)
{
	for (int k = 0; k < XFER_WRITE_BURST; k++) {
		size_t want = r->write_len;
		uint64_t now_us;
		ssize_t n;

		if (r->p.bytes) {
			if (r->tx_bytes >= r->p.bytes)
				return 0;
			if (r->p.bytes - r->tx_bytes < want)
				want = (size_t)(r->p.bytes - r->tx_bytes);
		}
		n = send(r->fd, r->buf, want, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			r->tx_bytes += (uint64_t)n;
			now_us = mtime_now_us();
			if ((deadline_us && now_us >= deadline_us) ||
			    (r->next_sample_us && now_us >= r->next_sample_us))
				return 0;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return diag_set(d, n < 0 ? -errno : -EIO, "cannot send after %llu bytes: %s",
				(unsigned long long)r->tx_bytes,
				n < 0 ? strerror(errno) : "send returned 0");
	}
	return 0;
}

static int xfer_shutdown(struct xfer_run *r, struct diag *d)
{
	if (shutdown(r->fd, SHUT_WR) < 0)
		return diag_set(d, -errno, "cannot shut down the connection: %s", strerror(errno));
	return 0;
}

static int xfer_bulk(struct xfer_run *r, struct diag *d)
{
	const struct xfer_params *p = &r->p;
	bool client = r->role == 'c';
	bool sends = client ? p->direction != XFER_DOWNLOAD : p->direction != XFER_UPLOAD;
	bool receives = client ? p->direction != XFER_UPLOAD : p->direction != XFER_DOWNLOAD;
	uint64_t deadline_us = p->bytes ? 0 : r->start_us + p->omit_us + p->duration_us;
	bool tx_done = !sends, shut = false, eof = false;
	int rev, err;

	for (;;) {
		short ev = 0;

		if (!tx_done && ((p->bytes && r->tx_bytes >= p->bytes) ||
				 (deadline_us && mtime_now_us() >= deadline_us)))
			tx_done = true;
		/* A sender closes when done; an end with nothing to send
		 * closes after the peer's EOF, which tells the peer that
		 * everything arrived. */
		if (tx_done && !shut && (sends || eof)) {
			err = xfer_shutdown(r, d);
			if (err < 0)
				return err;
			shut = true;
		}
		if (shut && eof)
			break;
		if (!tx_done)
			ev |= POLLOUT;
		if (!eof)
			ev |= POLLIN;
		rev = xfer_wait(r, ev, tx_done ? 0 : deadline_us, d);
		if (rev < 0)
			return rev;
		if (rev & (POLLIN | POLLHUP | POLLERR)) {
			err = xfer_bulk_read(r, receives, &eof, d);
			if (err < 0)
				return err;
		}
		if ((rev & POLLERR) && !(rev & POLLIN)) {
			int e = xfer_sock_error(r->fd);

			if (e)
				return diag_set(d, -e, "connection failed: %s", strerror(e));
		}
		if ((rev & POLLOUT) && !tx_done) {
			err = xfer_bulk_write(r, deadline_us, d);
			if (err < 0)
				return err;
		}
	}
	if (p->bytes && receives && r->rx_bytes != p->bytes)
		return diag_set(d, -EPROTO, "received %llu of the %llu bytes asked",
				(unsigned long long)r->rx_bytes, (unsigned long long)p->bytes);
	return 0;
}

/* Write exactly n bytes (rr), sampling while the socket is full. */
static int xfer_write_all(struct xfer_run *r, uint64_t n, struct diag *d)
{
	while (n) {
		size_t want = n < r->buf_len ? (size_t)n : r->buf_len;
		ssize_t k = send(r->fd, r->buf, want, MSG_DONTWAIT | MSG_NOSIGNAL);
		int rev;

		if (k > 0) {
			n -= (uint64_t)k;
			r->tx_bytes += (uint64_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return diag_set(d, k < 0 ? -errno : -EIO, "cannot send: %s",
					k < 0 ? strerror(errno) : "send returned 0");
		rev = xfer_wait(r, POLLOUT, 0, d);
		if (rev < 0)
			return rev;
	}
	return 0;
}

/* Read exactly n bytes (rr). With eof_ok, an EOF before the first byte
 * sets *eof and returns 0; any other EOF is an error. */
static int xfer_read_exact(struct xfer_run *r, uint64_t n, bool eof_ok, bool *eof,
			   const char *what, struct diag *d)
{
	uint64_t got = 0;

	while (got < n) {
		size_t want = n - got < r->buf_len ? (size_t)(n - got) : r->buf_len;
		ssize_t k = recv(r->fd, r->buf, want, MSG_DONTWAIT);
		int rev;

		if (k > 0) {
			got += (uint64_t)k;
			xfer_account_rx(r, (size_t)k, mtime_now_us());
			continue;
		}
		if (k == 0) {
			if (!got && eof_ok) {
				*eof = true;
				return 0;
			}
			return diag_set(d, -EPROTO,
					"connection closed after %llu of %llu bytes of a %s",
					(unsigned long long)got, (unsigned long long)n, what);
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return diag_set(d, -errno, "cannot receive a %s: %s", what,
					strerror(errno));
		rev = xfer_wait(r, POLLIN, 0, d);
		if (rev < 0)
			return rev;
	}
	return 0;
}

static int xfer_rr_record(struct xfer_run *r, uint32_t lat_us, struct diag *d)
{
	uint32_t *lat;

	if (r->n_lat >= XFER_RR_MAX_SAMPLES)
		return diag_set(d, -E2BIG, "more than %u transactions to keep",
				XFER_RR_MAX_SAMPLES);
	lat = array_grow(r->lat_us, r->n_lat, sizeof(*lat));
	if (!lat)
		return diag_set(d, -ENOMEM, "out of memory for latencies");
	r->lat_us = lat;
	r->lat_us[r->n_lat++] = lat_us;
	return 0;
}

static int xfer_rr_client(struct xfer_run *r, struct diag *d)
{
	const struct xfer_params *p = &r->p;
	uint64_t measure_from_us = r->start_us + p->omit_us;
	uint64_t end_us = p->duration_us ? measure_from_us + p->duration_us : 0;
	uint64_t period_ns = p->rate_tps ? 1000000000ull / p->rate_tps : 0;
	bool eof = false;
	int err;

	for (uint64_t k = 0;; k++) {
		uint64_t now_us = mtime_now_us(), sent_us, done_us;

		if ((end_us && now_us >= end_us) ||
		    (p->transactions && r->n_lat >= p->transactions))
			break;
		if (period_ns) {
			uint64_t due_us = r->start_us + k * period_ns / 1000;

			if (end_us && due_us >= end_us)
				break;
			if (now_us < due_us) {
				/* Only errors and hang-ups wake this wait. */
				int rev = xfer_wait(r, 0, due_us, d);

				if (rev < 0)
					return rev;
				if (rev & (POLLERR | POLLHUP))
					return diag_set(d, -EPIPE,
							"the server closed the connection");
			} else if (now_us - due_us > period_ns / 1000) {
				r->rr_late++; /* more than one period behind schedule */
			}
		}
		sent_us = mtime_now_us();
		err = xfer_write_all(r, p->request_bytes, d);
		if (err >= 0)
			err = xfer_read_exact(r, p->response_bytes, false, &eof, "response", d);
		if (err < 0)
			return err;
		done_us = mtime_now_us();
		r->rr_done++;
		if (sent_us < measure_from_us)
			continue;
		if (!r->rr_first_us)
			r->rr_first_us = sent_us;
		r->rr_last_us = done_us;
		err = xfer_rr_record(
			r,
			(uint32_t)(done_us - sent_us > UINT32_MAX ? UINT32_MAX : done_us - sent_us),
			d);
		if (err < 0)
			return err;
	}
	err = xfer_shutdown(r, d);
	if (err < 0)
		return err;
	err = xfer_read_exact(r, 1, true, &eof, "closing", d);
	if (err < 0)
		return err;
	if (!eof)
		return diag_set(d, -EPROTO, "the server sent data after the last response");
	return 0;
}

static int xfer_rr_server(struct xfer_run *r, struct diag *d)
{
	const struct xfer_params *p = &r->p;
	int err;

	for (;;) {
		bool eof = false;
		uint64_t t_us;

		err = xfer_read_exact(r, p->request_bytes, true, &eof, "request", d);
		if (err < 0)
			return err;
		if (eof)
			break;
		t_us = mtime_now_us();
		if (!r->rr_first_us)
			r->rr_first_us = t_us;
		err = xfer_write_all(r, p->response_bytes, d);
		if (err < 0)
			return err;
		r->rr_last_us = mtime_now_us();
		r->rr_done++;
	}
	return xfer_shutdown(r, d);
}

/* ---- sockets -------------------------------------------------------------------- */

/* An MPTCP socket, or TCP when asked or when this namespace cannot open
 * MPTCP ones (CONFIG_MPTCP off, net.mptcp.enabled = 0): mptcp.dev asks
 * applications to fall back like that, and the summary says it. */
static int xfer_socket(struct xfer_run *r, int family, struct diag *d)
{
	int fd;

	if (!r->o->tcp) {
		fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_MPTCP);
		if (fd >= 0) {
			r->mptcp_socket = true;
			return fd;
		}
		if (errno != EPROTONOSUPPORT && errno != ENOPROTOOPT && errno != EINVAL &&
		    errno != EAFNOSUPPORT && errno != EPERM)
			return diag_set(d, -errno, "cannot create an MPTCP socket: %s",
					strerror(errno));
		snprintf(r->no_mptcp, sizeof(r->no_mptcp), "cannot create an MPTCP socket: %s",
			 strerror(errno));
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
	if (fd < 0)
		return diag_set(d, -errno, "cannot create a TCP socket: %s", strerror(errno));
	return fd;
}

static int xfer_set_cc(int fd, const char *cc, struct diag *d)
{
	if (!cc[0])
		return 0;
	if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)) < 0)
		return diag_set(d, -errno, "cannot use congestion control '%s': %s", cc,
				strerror(errno));
	return 0;
}

static int xfer_resolve(const char *addr, uint16_t port, struct addrinfo **ai, struct diag *d)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	char ports[8];
	int r;

	snprintf(ports, sizeof(ports), "%u", port);
	r = getaddrinfo(addr, ports, &hints, ai);
	if (r)
		return diag_set(d, -EINVAL, "bad address '%s': %s", addr, gai_strerror(r));
	return 0;
}

static int xfer_connect(struct xfer_run *r, struct diag *d)
{
	struct addrinfo *ai = NULL;
	uint64_t until_us;
	int err, rev;

	err = xfer_resolve(r->o->connect, r->o->port, &ai, d);
	if (err < 0)
		return err;
	r->fd = xfer_socket(r, ai->ai_family, d);
	if (r->fd < 0) {
		err = r->fd;
		goto out;
	}
	err = xfer_set_cc(r->fd, r->o->congestion, d);
	if (err < 0)
		goto out;
	if (connect(r->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		err = 0;
		goto out;
	}
	if (errno != EINPROGRESS) {
		err = diag_set(d, -errno, "cannot connect to '%s' port %u: %s", r->o->connect,
			       r->o->port, strerror(errno));
		goto out;
	}
	until_us = mtime_now_us() + r->o->connect_timeout_us;
	rev = xfer_wait(r, POLLOUT, until_us, d);
	if (rev < 0) {
		err = rev;
		goto out;
	}
	if (!rev) {
		err = diag_set(d, -ETIMEDOUT, "cannot connect to '%s' port %u within %.1f s",
			       r->o->connect, r->o->port, (double)r->o->connect_timeout_us / 1e6);
		goto out;
	}
	err = xfer_sock_error(r->fd);
	if (err) {
		err = diag_set(d, -err, "cannot connect to '%s' port %u: %s", r->o->connect,
			       r->o->port, strerror(err));
		goto out;
	}
	err = 0;
out:
	freeaddrinfo(ai);
	return err;
}

/* Listen, say "ready", accept one connection. The listener stays open
 * (in *lfd) for the whole transfer: MP_JOIN SYNs of the extra subflows
 * need a listening socket on the port. */
static int xfer_accept(struct xfer_run *r, int *lfd, struct diag *d)
{
	struct addrinfo *ai = NULL;
	int one = 1, zero = 0, err, fd;

	err = xfer_resolve(r->o->bind ? r->o->bind : "::", r->o->port, &ai, d);
	if (err < 0)
		return err;
	fd = xfer_socket(r, ai->ai_family, d);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	*lfd = fd;
	/* Dual stack: IPv4 clients arrive as v4-mapped addresses. */
	if ((ai->ai_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		err = diag_set(d, -errno, "cannot set socket options: %s", strerror(errno));
		goto out;
	}
	err = xfer_set_cc(fd, r->o->congestion, d);
	if (err < 0)
		goto out;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		err = diag_set(d, -errno, "cannot bind port %u: %s", r->o->port, strerror(errno));
		goto out;
	}
	if (listen(fd, 4) < 0) {
		err = diag_set(d, -errno, "cannot listen: %s", strerror(errno));
		goto out;
	}
	fputs("ready\n", r->o->out);
	fflush(r->o->out);

	/* Wait on the listener: xfer_wait polls r->fd, which is it for now
	 * (no sampling before there is a connection). */
	r->fd = fd;
	for (;;) {
		int rev = xfer_wait(r, POLLIN, 0, d), c;

		if (rev < 0) {
			err = rev;
			break;
		}
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c >= 0) {
			int proto = 0;
			socklen_t plen = sizeof(proto);

			r->fd = c;
			/* An MPTCP listener hands out a plain TCP socket when
			 * the client did not ask for MPTCP (mptcp.dev). */
			if (r->mptcp_socket &&
			    getsockopt(c, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) == 0 &&
			    proto != IPPROTO_MPTCP) {
				r->mptcp_socket = false;
				snprintf(r->no_mptcp, sizeof(r->no_mptcp),
					 "the client did not ask for MPTCP");
			}
			err = xfer_set_cc(c, r->o->congestion, d);
			break;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED) {
			err = diag_set(d, -errno, "cannot accept: %s", strerror(errno));
			break;
		}
	}
	if (err < 0 && r->fd == fd)
		r->fd = -1;
out:
	freeaddrinfo(ai);
	return err;
}

/* ---- one end ------------------------------------------------------------------------ */

static int xfer_start_clock(struct xfer_run *r)
{
	r->start_us = mtime_now_us();
	if (r->o->interval_us)
		r->next_sample_us = r->start_us + r->o->interval_us;
	return getrusage(RUSAGE_SELF, &r->ru_start);
}

static int xfer_client_run(struct xfer_run *r, struct diag *d)
{
	unsigned char hdr[XFER_HDR_BYTES];
	int err;

	err = xfer_connect(r, d);
	if (err < 0)
		return err;
	xfer_start_clock(r);
	xfer_hdr_encode(&r->p, hdr);
	/* Straight from the header buffer: the data buffer is larger. */
	for (size_t off = 0; off < sizeof(hdr);) {
		ssize_t n = send(r->fd, hdr + off, sizeof(hdr) - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		int rev;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return diag_set(d, -errno, "cannot send the request header: %s",
					strerror(errno));
		rev = xfer_wait(r, POLLOUT, 0, d);
		if (rev < 0)
			return rev;
	}
	return r->p.mode == XFER_RR ? xfer_rr_client(r, d) : xfer_bulk(r, d);
}

static int xfer_server_run(struct xfer_run *r, struct diag *d)
{
	unsigned char hdr[XFER_HDR_BYTES];
	size_t got = 0;
	int lfd = -1, err;

	err = xfer_accept(r, &lfd, d);
	if (err < 0)
		goto out;
	while (got < sizeof(hdr)) {
		ssize_t n = recv(r->fd, hdr + got, sizeof(hdr) - got, MSG_DONTWAIT);
		int rev;

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0) {
			err = diag_set(d, -EPROTO, "the client closed after %zu of %d header bytes",
				       got, XFER_HDR_BYTES);
			goto out;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			err = diag_set(d, -errno, "cannot receive the request header: %s",
				       strerror(errno));
			goto out;
		}
		rev = xfer_wait(r, POLLIN, 0, d);
		if (rev < 0) {
			err = rev;
			goto out;
		}
	}
	err = xfer_hdr_decode(hdr, &r->p, d);
	if (err < 0)
		goto out;
	xfer_start_clock(r);
	err = r->p.mode == XFER_RR ? xfer_rr_server(r, d) : xfer_bulk(r, d);
out:
	if (lfd >= 0)
		close(lfd);
	return err;
}

int xfer_run(const struct xfer_opts *o, struct diag *d)
{
	struct xfer_run r = { .o = o, .fd = -1 };
	int err;

	if (!o->server) {
		err = xfer_params_check(&o->p, d);
		if (err < 0)
			return err;
		r.p = o->p;
	}
	r.role = o->server ? 's' : 'c';
	r.guard_us = mtime_now_us() + o->timeout_us;
	r.buf_len = o->buffer_bytes ? o->buffer_bytes : XFER_BUFFER_DEFAULT_BYTES;
	r.write_len = o->buffer_bytes ? o->buffer_bytes : XFER_WRITE_DEFAULT_BYTES;
	r.buf = aligned_alloc(4096, (r.buf_len + 4095) / 4096 * 4096);
	r.rd = calloc(1, sizeof(*r.rd));
	if (!r.buf || !r.rd) {
		err = diag_set(d, -ENOMEM, "out of memory for buffers");
		goto out;
	}
	/* Touch the pages once, so the transfer never faults them in. */
	memset(r.buf, 'm', r.buf_len);

	err = o->server ? xfer_server_run(&r, d) : xfer_client_run(&r, d);
	if (err < 0)
		goto out;
	/* The last sample sees the final counters: both directions are
	 * done, and the subflows still exist until close(). */
	{
		uint64_t end_us = mtime_now_us();

		/* Without samples, one reading still tells the summary
		 * whether the connection was MPTCP. */
		if (o->interval_us)
			xfer_sample(&r, end_us);
		else if (sockinfo_read(r.rd, r.fd, &r.snap, NULL) == 0)
			r.snap_valid = true;
		xfer_emit_summary(&r, end_us);
	}
	if (ferror(o->out))
		err = diag_set(d, -EIO, "cannot write the output");
out:
	if (r.fd >= 0)
		close(r.fd);
	free(r.buf);
	free(r.rd);
	free(r.lat_us);
	return err;
}
