/*
 * xfer: the native engine's traffic client and server (`mptcp-lab xfer`,
 * spawned by engine_native.c inside the lab's namespaces).
 *
 * One connection on an IPPROTO_MPTCP socket (plain TCP when the namespace
 * cannot open MPTCP sockets, or with --tcp; the summary says which), one
 * process per end. The wire protocol:
 *
 *   client -> server  a 64-byte header (XFER_HDR_BYTES, big-endian): magic
 *                     "MPLXFER\0", version, mode, direction and the
 *                     parameters below; the server takes its orders from it
 *   bulk              each sending end writes its bytes (or writes until
 *                     omit + duration has passed) and then shuts down its
 *                     write side; an end with nothing to send shuts down
 *                     only after it has read the peer's EOF, so the client
 *                     seeing the server's EOF means "everything arrived"
 *                     (completion time); a receiving end reads to EOF
 *   request/response  the client writes request_bytes, the server answers
 *                     with response_bytes, one transaction at a time,
 *                     back to back or started on a fixed schedule (rate);
 *                     the client's half-close ends it
 *
 * Both ends sample their own socket every interval (sockinfo.h) while
 * they move data and write, one JSON object per line:
 *
 *   ready                       (server, once listen() returned; plain text)
 *   {"type":"conn",...}         one per sample: connection counters, plus
 *                               "rx"/"tx", the application bytes so far
 *   {"type":"subflow",...}      one per subflow per sample
 *   {"type":"summary",...}      last line, only after a complete transfer
 *
 * A failed transfer prints no summary (never a partial one): the reason
 * goes to stderr and the exit status is 1. In byte-count mode a receiver
 * that did not get exactly the bytes asked for fails.
 *
 * This file does not spawn anything and does not parse JSON.
 */
#ifndef MPL_XFER_H
#define MPL_XFER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

enum xfer_mode {
	XFER_BULK = 0,
	XFER_RR = 1,
};

enum xfer_direction {
	XFER_UPLOAD = 0,   /* client sends */
	XFER_DOWNLOAD = 1, /* server sends */
	XFER_BOTH = 2,
};

#define XFER_HDR_BYTES 64
#define XFER_VERSION 1
#define XFER_BUFFER_DEFAULT_BYTES (256u << 10) /* one read */
#define XFER_WRITE_DEFAULT_BYTES (128u << 10)  /* one write of a bulk sender */
#define XFER_BUFFER_MAX_BYTES (16u << 20)
#define XFER_RR_SIZE_MAX_BYTES (64u << 20)
#define XFER_INTERVAL_DEFAULT_US 100000ull
#define XFER_INTERVAL_MIN_US 1000ull

/* What the client asks for; it travels to the server in the header. */
struct xfer_params {
	enum xfer_mode mode;
	enum xfer_direction direction; /* bulk */
	uint64_t bytes;	      /* bulk: bytes per sending direction; 0: by time */
	uint64_t duration_us; /* the measured part, after omit */
	uint64_t omit_us;     /* warm-up left out of the figures */
	uint32_t request_bytes, response_bytes; /* rr */
	uint64_t rate_tps;     /* rr: transactions started per second; 0: back to back */
	uint64_t transactions; /* rr: measured transactions; 0: by duration */
};

struct xfer_opts {
	bool server;
	const char *connect; /* client: numeric server address */
	const char *bind;    /* server: listen address; NULL: "::" (dual stack) */
	uint16_t port;
	bool tcp;		     /* plain TCP on purpose */
	uint64_t interval_us;	     /* sampling period; 0: no samples */
	uint64_t timeout_us;	     /* guard on the whole process */
	uint64_t connect_timeout_us; /* client */
	size_t buffer_bytes;	     /* size of one read or write; 0: the defaults above */
	char congestion[16];	     /* "" = the namespace's default */
	struct xfer_params p;	     /* client */
	FILE *out;		     /* the JSON lines */
	const volatile sig_atomic_t *cancel; /* may be NULL */
};

/* Whether p is a request this engine can serve. 0 or -EINVAL with d. */
int xfer_params_check(const struct xfer_params *p, struct diag *d);

/* The header, both ways; decode returns -EBADMSG (with d) for a header
 * that is not ours or asks for something xfer_params_check() refuses. */
void xfer_hdr_encode(const struct xfer_params *p, unsigned char out[XFER_HDR_BYTES]);
int xfer_hdr_decode(const unsigned char in[XFER_HDR_BYTES], struct xfer_params *p,
		    struct diag *d);

/* Nearest-rank percentile (0 < pct <= 100) of n sorted values; 0 if n == 0. */
uint32_t xfer_percentile(const uint32_t *sorted, size_t n, double pct);

/* Run one end: the whole transfer, with samples and the summary written
 * to o->out. 0 after a complete transfer, else a negative errno and d. */
int xfer_run(const struct xfer_opts *o, struct diag *d);

const char *xfer_mode_name(enum xfer_mode m);
const char *xfer_direction_name(enum xfer_direction dir);

#endif
