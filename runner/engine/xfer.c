/*
 * xfer.c: the native engine's client and server (protocol and output in
 * xfer.h).
 *
 * I/O: one non-blocking socket per process driven by ppoll(), so that the
 * same thread can move data in both directions and sample the socket on
 * time without locks. Data moves with plain send()/recv() of a large
 * buffer (256 KiB by default), written once and never touched again: no
 * per-byte work but the kernel's one copy each way. MSG_ZEROCOPY is not
 * used: MPTCP sockets refuse SO_ZEROCOPY (EOPNOTSUPP on 6.18), without
 * which the flag is ignored. splice() is not used either: there is no
 * file to splice from, and a pipe in between costs a copy of its own.
 * Measured on an unshaped veth, this reaches 60+ Gbit/s with CUBIC on 2
 * cores, above iperf3 3.12 on the same path.
 *
 * Time: CLOCK_MONOTONIC (mtime.h), the same clock in every namespace of
 * the host, so the engine can put both ends' samples on one time line
 * ("mono_us"). "t_us" counts from this end's start: the client's is just
 * before it writes the header, the server's when the header has arrived.
 *
 * Figures (summary):
 *   bytes, bytes_sent    application payload received / sent (no header)
 *   duration_us          first to last byte received
 *   measured_*           the same after the warm-up (omit), which starts
 *                        at the first byte received
 *   goodput_bps          measured_bytes * 8 / measured_us
 *   completion_us        client, bulk: from writing the header until both
 *                        directions are done (the server's EOF says the
 *                        last byte arrived): the transfer plus one RTT
 *   rr                   client: latency of each measured transaction
 *                        from its first byte written to the last byte of
 *                        the response read; percentiles by nearest rank
 *
 * This file prints only to o->out and never exits.
 */
#include "xfer.h"

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

#include "mtime.h"
#include "sockinfo.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define XFER_MAGIC "MPLXFER"
#define XFER_IO_BURST 64 /* sends or recvs before looking at the clock again */
#define XFER_RR_MAX_SAMPLES (1u << 24)
#define XFER_ERR_MAX 160

struct xfer_run {
	const struct xfer_opts *o;
	struct xfer_params p;
	char role; /* 'c' or 's' */
	int fd;
	bool mptcp_socket;		/* opened as IPPROTO_MPTCP */
	char no_mptcp[XFER_ERR_MAX];	/* why not, when it should have been */
	struct sockinfo_reader *rd;
	struct sockinfo_snapshot snap;
	bool snap_valid;
	unsigned long sample_errors;
	char sample_err[XFER_ERR_MAX];
	unsigned long n_samples;

	uint64_t start_us, guard_us, next_sample_us;
	uint64_t tx_bytes, rx_bytes;
	uint64_t rx_first_us, rx_last_us, omit_at_us, rx_omit_bytes;
	struct rusage ru_start;

	char *buf;
	size_t buf_len;

	/* rr */
	uint32_t *lat_us;
	size_t n_lat, cap_lat;
	uint64_t rr_first_us, rr_last_us, rr_done;
	unsigned long rr_late;
};

const char *xfer_mode_name(enum xfer_mode m)
{
	return m == XFER_RR ? "rr" : "bulk";
}

const char *xfer_direction_name(enum xfer_direction dir)
{
	switch (dir) {
	case XFER_UPLOAD:
		return "upload";
	case XFER_DOWNLOAD:
		return "download";
	case XFER_BOTH:
		return "both";
	}
	return "?";
}

/* ---- parameters and header ------------------------------------------------- */

int xfer_params_check(const struct xfer_params *p, struct diag *d)
{
	if (p->mode != XFER_BULK && p->mode != XFER_RR)
		return diag_set(d, -EINVAL, "unknown mode %d", (int)p->mode);
	if (p->direction != XFER_UPLOAD && p->direction != XFER_DOWNLOAD &&
	    p->direction != XFER_BOTH)
		return diag_set(d, -EINVAL, "unknown direction %d", (int)p->direction);
	if (p->duration_us > 86400 * USEC_PER_SEC || p->omit_us > 86400 * USEC_PER_SEC)
		return diag_set(d, -EINVAL, "a transfer lasts at most a day");
	if (p->mode == XFER_BULK) {
		if (!p->bytes == !p->duration_us)
			return diag_set(d, -EINVAL,
					"bulk needs a byte count or a duration, not %s",
					p->bytes ? "both" : "neither");
		if (p->request_bytes || p->response_bytes || p->rate_tps || p->transactions)
			return diag_set(d, -EINVAL,
					"request, response, rate and transactions are for rr mode");
		return 0;
	}
	if (p->bytes)
		return diag_set(d, -EINVAL, "rr mode takes transactions or a duration, not bytes");
	if (!p->transactions == !p->duration_us)
		return diag_set(d, -EINVAL, "rr needs a transaction count or a duration, not %s",
				p->transactions ? "both" : "neither");
	if (!p->request_bytes || !p->response_bytes || p->request_bytes > XFER_RR_SIZE_MAX_BYTES ||
	    p->response_bytes > XFER_RR_SIZE_MAX_BYTES)
		return diag_set(d, -EINVAL, "request and response sizes must be 1 to %u bytes",
				XFER_RR_SIZE_MAX_BYTES);
	if (p->rate_tps > 10000000)
		return diag_set(d, -EINVAL, "rate of %llu transactions/s is beyond any link",
				(unsigned long long)p->rate_tps);
	if (p->transactions > XFER_RR_MAX_SAMPLES)
		return diag_set(d, -EINVAL, "at most %u transactions", XFER_RR_MAX_SAMPLES);
	return 0;
}

static void put_be16(unsigned char *b, uint16_t v)
{
	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
}

static void put_be32(unsigned char *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put_be64(unsigned char *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint16_t get_be16(const unsigned char *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static uint32_t get_be32(const unsigned char *b)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = (v << 8) | b[i];
	return v;
}

static uint64_t get_be64(const unsigned char *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}

/*
 *   0 magic "MPLXFER\0"   8 u16 version  10 u8 mode  11 u8 direction
 *  12 u32 reserved (0)   16 u64 bytes   24 u64 duration_us  32 u64 omit_us
 *  40 u32 request_bytes  44 u32 response_bytes  48 u64 rate_tps
 *  56 u64 transactions   (64)
 */
void xfer_hdr_encode(const struct xfer_params *p, unsigned char out[XFER_HDR_BYTES])
{
	memset(out, 0, XFER_HDR_BYTES);
	memcpy(out, XFER_MAGIC, sizeof(XFER_MAGIC));
	put_be16(out + 8, XFER_VERSION);
	out[10] = (unsigned char)p->mode;
	out[11] = (unsigned char)p->direction;
	put_be64(out + 16, p->bytes);
	put_be64(out + 24, p->duration_us);
	put_be64(out + 32, p->omit_us);
	put_be32(out + 40, p->request_bytes);
	put_be32(out + 44, p->response_bytes);
	put_be64(out + 48, p->rate_tps);
	put_be64(out + 56, p->transactions);
}

int xfer_hdr_decode(const unsigned char in[XFER_HDR_BYTES], struct xfer_params *p,
		    struct diag *d)
{
	struct diag dd = DIAG_INIT;

	memset(p, 0, sizeof(*p));
	if (memcmp(in, XFER_MAGIC, sizeof(XFER_MAGIC)))
		return diag_set(d, -EBADMSG, "the peer is not an mptcp-lab xfer client");
	if (get_be16(in + 8) != XFER_VERSION)
		return diag_set(d, -EBADMSG, "the client speaks xfer version %u, this is %u",
				get_be16(in + 8), XFER_VERSION);
	if (get_be32(in + 12))
		return diag_set(d, -EBADMSG, "reserved header bits are set");
	p->mode = (enum xfer_mode)in[10];
	p->direction = (enum xfer_direction)in[11];
	p->bytes = get_be64(in + 16);
	p->duration_us = get_be64(in + 24);
	p->omit_us = get_be64(in + 32);
	p->request_bytes = get_be32(in + 40);
	p->response_bytes = get_be32(in + 44);
	p->rate_tps = get_be64(in + 48);
	p->transactions = get_be64(in + 56);
	if (xfer_params_check(p, &dd) < 0)
		return diag_set(d, -EBADMSG, "bad request from the client: %s", diag_str(&dd));
	return 0;
}

uint32_t xfer_percentile(const uint32_t *sorted, size_t n, double pct)
{
	double rank;
	size_t i;

	if (!n)
		return 0;
	rank = pct / 100.0 * (double)n;
	i = (size_t)rank;
	if ((double)i < rank)
		i++; /* ceil */
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return sorted[i - 1];
}

/* ---- output ------------------------------------------------------------------- */

/* A JSON string body: our own strings are plain, but error texts come
 * from strerror() and the kernel; escape what JSON needs. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void xfer_emit_sample(struct xfer_run *r, uint64_t now_us)
{
	const struct sockinfo_snapshot *s = &r->snap;
	const struct telemetry_conn_sample *c = &s->conn;
	FILE *f = r->o->out;
	unsigned long long t = (unsigned long long)(now_us - r->start_us);

	fprintf(f,
		"{\"type\":\"conn\",\"role\":\"%c\",\"t_us\":%llu,\"mono_us\":%llu,"
		"\"rx\":%llu,\"tx\":%llu,\"source\":\"%s\",\"mptcp\":%s",
		r->role, t, (unsigned long long)now_us, (unsigned long long)r->rx_bytes,
		(unsigned long long)r->tx_bytes, sockinfo_source_name(s->source),
		s->mptcp ? "true" : "false");
	if (c->present & TELEM_C_SUBFLOWS_TOTAL)
		fprintf(f, ",\"subflows_total\":%u", c->subflows_total);
	if (c->present & TELEM_C_FALLBACK)
		fprintf(f, ",\"fallback\":%s", c->fallback ? "true" : "false");
	if (c->present & TELEM_C_BYTES_RETRANS)
		fprintf(f, ",\"bytes_retrans\":%llu", (unsigned long long)c->bytes_retrans);
	if (c->present & TELEM_C_BYTES_SENT)
		fprintf(f, ",\"bytes_sent\":%llu", (unsigned long long)c->bytes_sent);
	if (c->present & TELEM_C_BYTES_ACKED)
		fprintf(f, ",\"bytes_acked\":%llu", (unsigned long long)c->bytes_acked);
	if (c->present & TELEM_C_BYTES_RECEIVED)
		fprintf(f, ",\"bytes_received\":%llu", (unsigned long long)c->bytes_received);
	fputs("}\n", f);

	for (unsigned i = 0; i < s->n_subflows; i++) {
		const struct telemetry_subflow_sample *sf = &s->sf[i];

		fprintf(f,
			"{\"type\":\"subflow\",\"role\":\"%c\",\"t_us\":%llu,\"mono_us\":%llu,"
			"\"id\":%u",
			r->role, t, (unsigned long long)now_us, sf->subflow_id);
		if (sf->present & TELEM_ADDRS)
			fprintf(f, ",\"local\":\"%s\",\"remote\":\"%s\"", sf->local, sf->remote);
		if (sf->present & TELEM_BYTES_SENT)
			fprintf(f, ",\"bytes_sent\":%llu", (unsigned long long)sf->bytes_sent);
		if (sf->present & TELEM_BYTES_ACKED)
			fprintf(f, ",\"bytes_acked\":%llu", (unsigned long long)sf->bytes_acked);
		if (sf->present & TELEM_BYTES_RECEIVED)
			fprintf(f, ",\"bytes_received\":%llu",
				(unsigned long long)sf->bytes_received);
		if (sf->present & TELEM_CWND)
			fprintf(f, ",\"cwnd\":%u", sf->cwnd);
		if (sf->present & TELEM_SRTT)
			fprintf(f, ",\"srtt_us\":%u", sf->srtt_us);
		if (sf->present & TELEM_RTTVAR)
			fprintf(f, ",\"rttvar_us\":%u", sf->rttvar_us);
		if (sf->present & TELEM_RETRANS)
			fprintf(f, ",\"total_retrans\":%u", sf->total_retrans);
		if (sf->present & TELEM_PACING_RATE)
			fprintf(f, ",\"pacing_rate_bps\":%llu",
				(unsigned long long)sf->pacing_rate_bps);
		if (sf->present & TELEM_DELIVERY_RATE)
			fprintf(f, ",\"delivery_rate_bps\":%llu",
				(unsigned long long)sf->delivery_rate_bps);
		if (sf->present & TELEM_BACKUP)
			fprintf(f, ",\"backup\":%s", sf->backup ? "true" : "false");
		fputs("}\n", f);
	}
	fflush(f);
}

/* Read the socket's telemetry now and write it out. A failed reading is
 * counted, not fatal: the transfer is still a measurement. */
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
	for (int k = 0; k < XFER_IO_BURST; k++) {
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

/* Write until the socket is full, the byte count is reached, the deadline
 * or the next sample is due. */
static int xfer_bulk_write(struct xfer_run *r, uint64_t deadline_us, struct diag *d)
{
	for (int k = 0; k < XFER_IO_BURST; k++) {
		size_t want = r->buf_len;
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
	if (r->n_lat == r->cap_lat) {
		size_t cap = r->cap_lat ? r->cap_lat * 2 : 4096;
		uint32_t *nl;

		if (cap > XFER_RR_MAX_SAMPLES)
			cap = XFER_RR_MAX_SAMPLES;
		if (cap <= r->n_lat)
			return diag_set(d, -E2BIG, "more than %u transactions to keep",
					XFER_RR_MAX_SAMPLES);
		nl = realloc(r->lat_us, cap * sizeof(*nl));
		if (!nl)
			return diag_set(d, -ENOMEM, "out of memory for latencies");
		r->lat_us = nl;
		r->cap_lat = cap;
	}
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

/* ---- the summary ------------------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t tv_us(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * USEC_PER_SEC + (uint64_t)tv.tv_usec;
}

static void xfer_emit_summary(struct xfer_run *r, uint64_t end_us)
{
	const struct xfer_params *p = &r->p;
	FILE *f = r->o->out;
	uint64_t dur_us = r->rx_first_us ? r->rx_last_us - r->rx_first_us : 0;
	uint64_t meas_bytes = r->rx_bytes - r->rx_omit_bytes, meas_us;
	double goodput = 0;
	char cc[32] = "";
	socklen_t cclen = sizeof(cc) - 1;
	struct rusage ru;
	uint64_t cpu_us = 0;

	if (p->omit_us)
		meas_us = r->rx_last_us > r->omit_at_us ? r->rx_last_us - r->omit_at_us : 0;
	else
		meas_us = dur_us;
	if (meas_us)
		goodput = (double)meas_bytes * 8.0 * 1e6 / (double)meas_us;
	if (getsockopt(r->fd, IPPROTO_TCP, TCP_CONGESTION, cc, &cclen) < 0)
		cc[0] = '\0';
	cc[sizeof(cc) - 1] = '\0';
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu_us = tv_us(ru.ru_utime) + tv_us(ru.ru_stime) - tv_us(r->ru_start.ru_utime) -
			 tv_us(r->ru_start.ru_stime);

	fprintf(f,
		"{\"type\":\"summary\",\"role\":\"%c\",\"version\":%d,\"mode\":\"%s\","
		"\"direction\":\"%s\",\"proto\":\"%s\",\"mptcp\":%s,\"sockinfo\":\"%s\",",
		r->role, XFER_VERSION, xfer_mode_name(p->mode), xfer_direction_name(p->direction),
		r->mptcp_socket ? "mptcp" : "tcp",
		r->snap_valid && r->snap.mptcp ? "true" : "false",
		sockinfo_source_name(r->snap_valid ? r->snap.source : SOCKINFO_NONE));
	fputs("\"cc\":", f);
	json_str(f, cc);
	fprintf(f,
		",\"requested_bytes\":%llu,\"bytes\":%llu,\"bytes_sent\":%llu,"
		"\"duration_us\":%llu,\"measured_bytes\":%llu,\"measured_us\":%llu,"
		"\"goodput_bps\":%.0f,\"start_mono_us\":%llu,\"wall_us\":%llu,\"cpu_us\":%llu,"
		"\"samples\":%lu,\"sample_errors\":%lu",
		(unsigned long long)p->bytes, (unsigned long long)r->rx_bytes,
		(unsigned long long)r->tx_bytes, (unsigned long long)dur_us,
		(unsigned long long)meas_bytes, (unsigned long long)meas_us, goodput,
		(unsigned long long)r->start_us, (unsigned long long)(end_us - r->start_us),
		(unsigned long long)cpu_us, r->n_samples, r->sample_errors);
	if (r->role == 'c' && p->mode == XFER_BULK)
		fprintf(f, ",\"completion_us\":%llu", (unsigned long long)(end_us - r->start_us));
	if (p->mode == XFER_RR) {
		uint64_t span_us =
			r->rr_last_us > r->rr_first_us ? r->rr_last_us - r->rr_first_us : 0;
		uint64_t n = r->role == 'c' ? r->n_lat : r->rr_done;

		fprintf(f,
			",\"request_bytes\":%u,\"response_bytes\":%u,\"rate_tps\":%llu,\"n\":%llu,"
			"\"tps\":%.3f",
			p->request_bytes, p->response_bytes, (unsigned long long)p->rate_tps,
			(unsigned long long)n, span_us ? (double)n * 1e6 / (double)span_us : 0.0);
		if (r->role == 'c') {
			qsort(r->lat_us, r->n_lat, sizeof(*r->lat_us), cmp_u32);
			fprintf(f,
				",\"p50_us\":%u,\"p90_us\":%u,\"p99_us\":%u,\"max_us\":%u,"
				"\"min_us\":%u,\"late\":%lu",
				xfer_percentile(r->lat_us, r->n_lat, 50),
				xfer_percentile(r->lat_us, r->n_lat, 90),
				xfer_percentile(r->lat_us, r->n_lat, 99),
				r->n_lat ? r->lat_us[r->n_lat - 1] : 0, r->n_lat ? r->lat_us[0] : 0,
				r->rr_late);
		}
	}
	if (r->no_mptcp[0]) {
		fputs(",\"mptcp_unavailable\":", f);
		json_str(f, r->no_mptcp);
	}
	if (r->sample_err[0]) {
		fputs(",\"sample_error\":", f);
		json_str(f, r->sample_err);
	}
	fputs("}\n", f);
	fflush(f);
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
