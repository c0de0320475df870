/*
 * engine_native.c: the native traffic engine ("engine": "native").
 *
 * One run = one `mptcp-lab xfer server` in the server namespace and one
 * `mptcp-lab xfer client` in the client namespace, both this very binary
 * (/proc/self/exe) spawned with an argv array (spawn.h):
 *
 *   server netns:  mptcp-lab xfer server --port P --interval I --timeout T
 *                            --output /proc/<us>/fd/<pipe> [--congestion CC]
 *   client netns:  mptcp-lab xfer client --connect ADDR --port P --mode M
 *                            --direction D (--bytes N | --duration Xus) --omit Xus
 *                            [--request --response --rate --transactions]
 *                            --interval I --timeout T --output ... [--congestion CC]
 *
 * Output: each end writes its JSON lines (xfer.h) into a pipe of ours,
 * opened by the child through /proc/<our pid>/fd/<write end>. The pipe is
 * read while the transfer runs (it is enlarged to 1 MiB, and drained at
 * every wake-up, at least every 40 ms), so no writer ever blocks for
 * long; we keep the write end open ourselves so the read end never
 * reports a hang-up before the child has opened it.
 *
 * Readiness: the server writes "ready" once listen() returned; we poll
 * the pipe (and the server's pidfd) for it, up to 2 s. No sleeping.
 *
 * Trust: a watchdog (duration + omit + 10 s, or timeout_us) kills a
 * client that hangs; the xfer processes also give up on their own a
 * little earlier, with a message. A client or server killed by a signal,
 * exiting non-zero, or whose output breaks a rule below gives a result
 * with valid = false and the reason:
 *   - every line is "ready" (server, first line only) or one JSON object
 *     with a known "type"; the text ends with a newline (not truncated);
 *   - exactly one summary per end, the last line, with every figure the
 *     mode needs, non-negative, of the mode and direction asked;
 *   - in byte-count mode each receiving end got exactly the bytes asked;
 *   - rr percentiles are ordered (p50 <= p90 <= p99 <= max);
 *   - both ends used MPTCP sockets (plain TCP only when a namespace
 *     could not open them, which makes the run invalid here).
 * Every process started here is gone when native_run() returns.
 *
 * This file does not print and does not build namespaces; the caller
 * still checks the MPTCP counters.
 */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "array.h"
#include "mtime.h"
#include "spawn.h"
#include "version.h"
#include "xfer.h"

#define NATIVE_READY_TIMEOUT_US (2 * USEC_PER_SEC)
#define NATIVE_WATCHDOG_SLACK_US (10 * USEC_PER_SEC)
#define NATIVE_DEFAULT_TIMEOUT_US (120 * USEC_PER_SEC)
#define NATIVE_SELF_GIVE_UP_US (2 * USEC_PER_SEC) /* xfer's own guard fires first */
#define NATIVE_SERVER_EXTRA_US (5 * USEC_PER_SEC)
#define NATIVE_SERVER_GRACE_US (5 * USEC_PER_SEC)
#define NATIVE_TICK_US (40 * USEC_PER_MSEC) /* the hook promises at most 50 ms */
#define NATIVE_PIPE_BYTES (1 << 20)
#define NATIVE_OUTPUT_MAX_BYTES (64u << 20)
#define NATIVE_CAPTURE_MAX_BYTES (64u << 10)

/* One end: its process, its output pipe, and what its output said. */
struct native_end {
	char role;	  /* 'c' / 's' */
	const char *name; /* "client" / "server" */
	int rfd, wfd;
	char path[64]; /* /proc/<pid>/fd/<wfd> */
	char *text;
	size_t len, cap;
	bool overflow;
	struct spawn_proc *proc;
	int pidfd;
	struct spawn_result sr;
	bool waited;

	/* From the summary. */
	bool has_summary;
	uint64_t bytes, bytes_sent, measured_bytes, measured_us, completion_us;
	uint64_t start_mono_us, wall_us, cpu_us;
	double goodput_bps;
	struct engine_rr rr;
	bool proto_mptcp;
	char cc[ENGINE_CC_MAX];
	char no_mptcp[160];

	/* "rx" of each conn sample, for the intervals. */
	struct native_rx {
		uint64_t t_us, rx;
	} *rx; /* array_grow() */
	size_t n_rx;
};

/* The binary that has the xfer command: this one when it is mptcp-lab
 * (the usual case), else $MPL_BIN (tests that link the runner). */
static int native_binary(char *out, size_t size, struct diag *d)
{
	char exe[PATH_MAX];
	const char *env = getenv("MPL_BIN"), *base;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		base = strrchr(exe, '/');
		base = base ? base + 1 : exe;
		if (!strncmp(base, "mptcp-lab", 9) && (!base[9] || base[9] == ' '))
			return xsnprintf(out, size, "/proc/self/exe");
	}
	if (env && env[0] && access(env, X_OK) == 0)
		return xsnprintf(out, size, "%s", env);
	return diag_set(d, -ENOENT,
			"the native engine runs 'mptcp-lab xfer', but this program is '%s' "
			"(set MPL_BIN to mptcp-lab)",
			n > 0 ? exe : "?");
}

static int native_probe(struct engine_probe *out, struct diag *d)
{
	char bin[PATH_MAX];
	int r;

	memset(out, 0, sizeof(*out));
	r = native_binary(bin, sizeof(bin), d);
	if (r < 0)
		return r;
	snprintf(out->tool_version, sizeof(out->tool_version), "mptcp-lab %s", mpl_version());
	snprintf(out->mptcp_method, sizeof(out->mptcp_method), "native");
	return 0;
}

/* ---- pipes and processes --------------------------------------------------- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int native_pipe_open(struct native_end *e, struct diag *d)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return diag_set(d, -errno, "cannot create a pipe for the xfer %s: %s", e->name,
				strerror(errno));
	e->rfd = fds[0];
	e->wfd = fds[1];
	fcntl(e->rfd, F_SETFL, fcntl(e->rfd, F_GETFL) | O_NONBLOCK);
	/* Room for minutes of samples; the default 64 KiB is enough too,
	 * we read it at least every 40 ms. Failure is harmless. */
	fcntl(e->rfd, F_SETPIPE_SZ, NATIVE_PIPE_BYTES);
	return xsnprintf(e->path, sizeof(e->path), "/proc/%d/fd/%d", (int)getpid(), e->wfd);
}

/* Read what the pipe holds now. */
static int native_pipe_drain(struct native_end *e)
{
	for (;;) {
		ssize_t n;

		if (e->cap - e->len < 65536) {
			char *nb;
			size_t cap = e->cap ? e->cap * 2 : 262144;

			if (e->cap >= NATIVE_OUTPUT_MAX_BYTES) {
				/* Keep reading so the child never blocks; what
				 * is over the limit is lost and the run invalid. */
				char sink[65536];

				n = read(e->rfd, sink, sizeof(sink));
				if (n > 0) {
					e->overflow = true;
					continue;
				}
				break;
			}
			nb = realloc(e->text, cap + 1);
			if (!nb)
				return -ENOMEM;
			e->text = nb;
			e->cap = cap;
		}
		n = read(e->rfd, e->text + e->len, e->cap - e->len);
		if (n > 0) {
			e->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break; /* EAGAIN: empty for now (we hold a writer: never EOF) */
	}
	if (e->text)
		e->text[e->len] = '\0';
	return 0;
}

/* Wait up to timeout_ms for output on any of the ends' pipes or for the
 * exit of `watch`, then drain the pipes. */
static int native_poll(struct native_end *ends, size_t n_ends, const struct native_end *watch,
		       int timeout_ms)
{
	struct pollfd pfd[3];
	nfds_t n = 0;
	int r;

	for (size_t i = 0; i < n_ends && n < 2; i++)
		pfd[n++] = (struct pollfd){ .fd = ends[i].rfd, .events = POLLIN };
	if (watch && watch->pidfd >= 0)
		pfd[n++] = (struct pollfd){ .fd = watch->pidfd, .events = POLLIN };
	else if (timeout_ms > 5)
		timeout_ms = 5; /* no pidfd (kernel < 5.3): look at the process often */
	if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	for (size_t i = 0; i < n_ends; i++) {
		r = native_pipe_drain(&ends[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static void native_end_release(struct native_end *e)
{
	spawn_kill(e->proc);
	e->proc = NULL;
	close_fd(&e->pidfd);
	close_fd(&e->rfd);
	close_fd(&e->wfd);
	spawn_result_release(&e->sr);
	free(e->text);
	free(e->rx);
	e->text = NULL;
	e->rx = NULL;
}

/* Wait for the end of a process (it has exited or is to be killed) and
 * keep its status and stderr. */
static int native_end_wait(struct native_end *e, struct diag *d)
{
	int r;

	if (!e->proc)
		return 0;
	r = spawn_wait(e->proc, NULL, &e->sr, d);
	e->proc = NULL;
	e->waited = true;
	return r;
}

/* The message an xfer process left on stderr ("mptcp-lab: xfer client:
 * cannot connect ..."), its last line, without the program prefix. */
static void native_complaint(const struct native_end *e, char *out, size_t size)
{
	const char *err = e->sr.err, *line, *end;
	size_t n;

	out[0] = '\0';
	if (!err || !e->sr.err_len)
		return;
	end = err + e->sr.err_len;
	while (end > err && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	line = end;
	while (line > err && line[-1] != '\n')
		line--;
	if (!strncmp(line, "mptcp-lab: ", 11))
		line += 11;
	n = (size_t)(end - line);
	snprintf(out, size, "%.*s", (int)n, line);
}

/* ---- parameters --------------------------------------------------------------- */

static int native_check_params(const struct engine_target *t, const struct engine_params *p,
			       struct diag *d)
{
	if (!t->server_addr || !t->server_addr[0])
		return diag_set(d, -EINVAL, "the native engine needs a server address");
	if (!t->port)
		return diag_set(d, -EINVAL, "the native engine needs a port other than 0");
	if (p->streams > 1)
		return diag_set(d, -EOPNOTSUPP,
				"the native engine runs one MPTCP connection, not %u streams",
				p->streams);
	if (p->direction != ENGINE_UPLOAD && p->direction != ENGINE_DOWNLOAD &&
	    p->direction != ENGINE_BOTH)
		return diag_set(d, -EINVAL, "unknown direction %d", (int)p->direction);
	if (p->mode != ENGINE_BULK && p->mode != ENGINE_RR)
		return diag_set(d, -EINVAL, "unknown traffic mode %d", (int)p->mode);
	if (p->sample_interval_us && p->sample_interval_us < XFER_INTERVAL_MIN_US)
		return diag_set(d, -EINVAL, "sample interval of %llu us is below 1 ms",
				(unsigned long long)p->sample_interval_us);
	return 0;
}

/* The request as xfer takes it. Everything is passed on, so what does
 * not fit the mode (a byte count in rr, a rate in bulk) is refused by
 * xfer_params_check() instead of silently ignored. */
static struct xfer_params native_xfer_params(const struct engine_params *p)
{
	struct xfer_params x = { 0 };
	bool rr = p->mode == ENGINE_RR;

	x.mode = rr ? XFER_RR : XFER_BULK;
	x.direction = p->direction == ENGINE_DOWNLOAD ? XFER_DOWNLOAD :
		      p->direction == ENGINE_BOTH     ? XFER_BOTH :
							XFER_UPLOAD;
	x.bytes = p->bytes;
	x.duration_us = p->duration_us;
	x.omit_us = p->omit_us;
	x.request_bytes = p->rr_request_bytes ? p->rr_request_bytes : rr ? 1 : 0;
	x.response_bytes = p->rr_response_bytes ? p->rr_response_bytes : rr ? 1 : 0;
	x.rate_tps = p->rr_rate_tps;
	x.transactions = p->rr_transactions;
	return x;
}

/* ---- parsing the output --------------------------------------------------------- */

/* 1 present and valid, 0 absent, -1 present but not an integer in
 * [0, max]. */
static int get_u64(json_t *o, const char *key, uint64_t max, uint64_t *v)
{
	json_t *x = json_object_get(o, key);
	json_int_t i;

	if (!x)
		return 0;
	if (!json_is_integer(x))
		return -1;
	i = json_integer_value(x);
	if (i < 0 || (uint64_t)i > max)
		return -1;
	*v = (uint64_t)i;
	return 1;
}

static int get_num(json_t *o, const char *key, double *v)
{
	json_t *x = json_object_get(o, key);

	if (!x)
		return 0;
	if (!json_is_number(x))
		return -1;
	*v = json_number_value(x);
	return isfinite(*v) && *v >= 0 ? 1 : -1;
}

static int get_str(json_t *o, const char *key, char *out, size_t size)
{
	json_t *x = json_object_get(o, key);

	if (!x)
		return 0;
	if (!json_is_string(x) || json_string_length(x) >= size)
		return -1;
	snprintf(out, size, "%s", json_string_value(x));
	return 1;
}

static int get_bool(json_t *o, const char *key, bool *v)
{
	json_t *x = json_object_get(o, key);

	if (!x)
		return 0;
	if (!json_is_boolean(x))
		return -1;
	*v = json_is_true(x);
	return 1;
}

/* Parser state shared by both ends' lines. */
struct native_parse {
	struct engine_result *res;
	char why[200];
};

#define BAD(ps, ...) (snprintf((ps)->why, sizeof((ps)->why), __VA_ARGS__), -EBADMSG)

static int native_parse_conn(struct native_parse *ps, struct native_end *e, json_t *o,
			     uint64_t mono_us)
{
	struct telemetry_conn_sample c = { .t_us = mono_us, .role = e->role };
	struct native_rx *rxs;
	uint64_t v, rx = 0, tx = 0;
	bool b;
	int k;

	if (get_u64(o, "rx", UINT64_MAX, &rx) != 1 || get_u64(o, "tx", UINT64_MAX, &tx) != 1)
		return BAD(ps, "conn sample without rx/tx");
	if ((k = get_u64(o, "subflows_total", UINT32_MAX, &v)) < 0)
		return BAD(ps, "bad subflows_total");
	if (k) {
		c.subflows_total = (uint32_t)v;
		c.present |= TELEM_C_SUBFLOWS_TOTAL;
	}
	if ((k = get_bool(o, "fallback", &b)) < 0)
		return BAD(ps, "bad fallback");
	if (k) {
		c.fallback = b;
		c.present |= TELEM_C_FALLBACK;
	}
	static const struct {
		const char *key;
		size_t off;
		uint32_t bit;
	} u64s[] = {
		{ "bytes_retrans", offsetof(struct telemetry_conn_sample, bytes_retrans),
		  TELEM_C_BYTES_RETRANS },
		{ "bytes_sent", offsetof(struct telemetry_conn_sample, bytes_sent),
		  TELEM_C_BYTES_SENT },
		{ "bytes_acked", offsetof(struct telemetry_conn_sample, bytes_acked),
		  TELEM_C_BYTES_ACKED },
		{ "bytes_received", offsetof(struct telemetry_conn_sample, bytes_received),
		  TELEM_C_BYTES_RECEIVED },
	};
	for (size_t i = 0; i < ARRAY_SIZE(u64s); i++) {
		if ((k = get_u64(o, u64s[i].key, UINT64_MAX, &v)) < 0)
			return BAD(ps, "bad %s in a conn sample", u64s[i].key);
		if (k) {
			memcpy((char *)&c + u64s[i].off, &v, sizeof(v));
			c.present |= u64s[i].bit;
		}
	}
	rxs = array_grow(e->rx, e->n_rx, sizeof(*rxs));
	if (!rxs)
		return -ENOMEM;
	e->rx = rxs;
	e->rx[e->n_rx++] = (struct native_rx){ .t_us = mono_us, .rx = rx };
	return telemetry_add_conn(&ps->res->telem, &c);
}

static int native_parse_subflow(struct native_parse *ps, struct native_end *e, json_t *o,
				uint64_t mono_us)
{
	struct telemetry_subflow_sample s = { .t_us = mono_us, .role = e->role };
	uint64_t v;
	bool b;
	int k, kl, kr;

	if (get_u64(o, "id", UINT32_MAX, &v) != 1)
		return BAD(ps, "subflow sample without an id");
	s.subflow_id = (uint32_t)v;
	kl = get_str(o, "local", s.local, sizeof(s.local));
	kr = get_str(o, "remote", s.remote, sizeof(s.remote));
	if (kl < 0 || kr < 0 || kl != kr)
		return BAD(ps, "bad addresses in a subflow sample");
	if (kl)
		s.present |= TELEM_ADDRS;
	if ((k = get_bool(o, "backup", &b)) < 0)
		return BAD(ps, "bad backup flag");
	if (k) {
		s.backup = b;
		s.present |= TELEM_BACKUP;
	}
	static const struct {
		const char *key;
		size_t off;
		bool wide;
		uint32_t bit;
	} fields[] = {
		{ "bytes_sent", offsetof(struct telemetry_subflow_sample, bytes_sent), true,
		  TELEM_BYTES_SENT },
		{ "bytes_acked", offsetof(struct telemetry_subflow_sample, bytes_acked), true,
		  TELEM_BYTES_ACKED },
		{ "bytes_received", offsetof(struct telemetry_subflow_sample, bytes_received), true,
		  TELEM_BYTES_RECEIVED },
		{ "cwnd", offsetof(struct telemetry_subflow_sample, cwnd), false, TELEM_CWND },
		{ "srtt_us", offsetof(struct telemetry_subflow_sample, srtt_us), false,
		  TELEM_SRTT },
		{ "rttvar_us", offsetof(struct telemetry_subflow_sample, rttvar_us), false,
		  TELEM_RTTVAR },
		{ "total_retrans", offsetof(struct telemetry_subflow_sample, total_retrans), false,
		  TELEM_RETRANS },
		{ "pacing_rate_bps", offsetof(struct telemetry_subflow_sample, pacing_rate_bps),
		  true, TELEM_PACING_RATE },
		{ "delivery_rate_bps", offsetof(struct telemetry_subflow_sample, delivery_rate_bps),
		  true, TELEM_DELIVERY_RATE },
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if ((k = get_u64(o, fields[i].key, fields[i].wide ? UINT64_MAX : UINT32_MAX, &v)) <
		    0)
			return BAD(ps, "bad %s in a subflow sample", fields[i].key);
		if (!k)
			continue;
		if (fields[i].wide) {
			memcpy((char *)&s + fields[i].off, &v, sizeof(v));
		} else {
			uint32_t v32 = (uint32_t)v;

			memcpy((char *)&s + fields[i].off, &v32, sizeof(v32));
		}
		s.present |= fields[i].bit;
	}
	return telemetry_add_subflow(&ps->res->telem, &s);
}

static int native_parse_summary(struct native_parse *ps, struct native_end *e, json_t *o,
				const struct xfer_params *x)
{
	char mode[8] = "", dir[12] = "", proto[8] = "";
	uint64_t version = 0, req = 0;
	bool mptcp = false;

	if (get_u64(o, "version", 1000, &version) != 1 || version != XFER_VERSION)
		return BAD(ps, "summary of an unknown xfer version");
	if (get_str(o, "mode", mode, sizeof(mode)) != 1 || strcmp(mode, xfer_mode_name(x->mode)))
		return BAD(ps, "summary of mode '%s', asked '%s'", mode, xfer_mode_name(x->mode));
	if (get_str(o, "direction", dir, sizeof(dir)) != 1 ||
	    strcmp(dir, xfer_direction_name(x->direction)))
		return BAD(ps, "summary of direction '%s', asked '%s'", dir,
			   xfer_direction_name(x->direction));
	if (get_u64(o, "requested_bytes", UINT64_MAX, &req) != 1 || req != x->bytes)
		return BAD(ps, "summary for %llu bytes, asked %llu", (unsigned long long)req,
			   (unsigned long long)x->bytes);
	if (get_u64(o, "bytes", UINT64_MAX, &e->bytes) != 1 ||
	    get_u64(o, "bytes_sent", UINT64_MAX, &e->bytes_sent) != 1 ||
	    get_u64(o, "measured_bytes", UINT64_MAX, &e->measured_bytes) != 1 ||
	    get_u64(o, "measured_us", UINT64_MAX, &e->measured_us) != 1 ||
	    get_num(o, "goodput_bps", &e->goodput_bps) != 1 ||
	    get_u64(o, "start_mono_us", UINT64_MAX, &e->start_mono_us) != 1 ||
	    get_u64(o, "wall_us", UINT64_MAX, &e->wall_us) != 1 ||
	    get_u64(o, "cpu_us", UINT64_MAX, &e->cpu_us) != 1)
		return BAD(ps, "summary without its figures (bytes, measured_*, goodput_bps, ...)");
	if (e->measured_bytes > e->bytes)
		return BAD(ps, "summary measures %llu of %llu bytes",
			   (unsigned long long)e->measured_bytes, (unsigned long long)e->bytes);
	if (get_str(o, "proto", proto, sizeof(proto)) != 1 ||
	    (strcmp(proto, "mptcp") && strcmp(proto, "tcp")) || get_bool(o, "mptcp", &mptcp) != 1)
		return BAD(ps, "summary without proto/mptcp");
	e->proto_mptcp = !strcmp(proto, "mptcp");
	if (get_str(o, "cc", e->cc, sizeof(e->cc)) < 0 ||
	    get_str(o, "mptcp_unavailable", e->no_mptcp, sizeof(e->no_mptcp)) < 0)
		return BAD(ps, "summary with a bad cc or mptcp_unavailable");
	if (e->role == 'c' && x->mode == XFER_BULK &&
	    get_u64(o, "completion_us", UINT64_MAX, &e->completion_us) != 1)
		return BAD(ps, "client summary without completion_us");
	if (x->mode == XFER_RR) {
		if (get_u64(o, "n", UINT64_MAX, &e->rr.transactions) != 1 ||
		    get_num(o, "tps", &e->rr.tps) != 1)
			return BAD(ps, "rr summary without n/tps");
		if (e->role == 'c') {
			if (get_u64(o, "p50_us", UINT32_MAX, &e->rr.p50_us) != 1 ||
			    get_u64(o, "p90_us", UINT32_MAX, &e->rr.p90_us) != 1 ||
			    get_u64(o, "p99_us", UINT32_MAX, &e->rr.p99_us) != 1 ||
			    get_u64(o, "max_us", UINT32_MAX, &e->rr.max_us) != 1)
				return BAD(ps, "rr summary without its percentiles");
			if (!(e->rr.p50_us <= e->rr.p90_us && e->rr.p90_us <= e->rr.p99_us &&
			      e->rr.p99_us <= e->rr.max_us))
				return BAD(ps, "rr percentiles out of order (p50 %llu, p90 %llu, "
					       "p99 %llu, max %llu us)",
					   (unsigned long long)e->rr.p50_us,
					   (unsigned long long)e->rr.p90_us,
					   (unsigned long long)e->rr.p99_us,
					   (unsigned long long)e->rr.max_us);
			if (!e->rr.transactions)
				return BAD(ps, "no transaction was measured");
		}
	}
	e->has_summary = true;
	return 0;
}

/* Parse one end's whole output. 0 (e and ps->res filled), -EBADMSG with
 * ps->why, -ENOMEM. */
static int native_parse_end(struct native_parse *ps, struct native_end *e,
			    const struct xfer_params *x)
{
	const char *p = e->text ? e->text : "", *end = p + e->len;
	unsigned line_no = 0;
	int r = 0;

	if (e->overflow)
		return BAD(ps, "more than %u MiB of output", NATIVE_OUTPUT_MAX_BYTES >> 20);
	if (e->len && end[-1] != '\n')
		return BAD(ps, "output truncated (no newline at its end)");
	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p);
		json_error_t jerr;
		json_t *o;
		char type[16] = "", role[2] = "";
		uint64_t mono_us = 0;

		line_no++;
		if (e->role == 's' && line_no == 1) {
			if (n != 5 || memcmp(p, "ready", 5))
				return BAD(ps, "first line is not 'ready'");
			p = nl + 1;
			continue;
		}
		if (e->has_summary)
			return BAD(ps, "line %u after the summary", line_no);
		o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
		if (!o || !json_is_object(o)) {
			json_decref(o);
			return BAD(ps, "line %u is not a JSON object: %s", line_no,
				   o ? "not an object" : jerr.text);
		}
		if (get_str(o, "type", type, sizeof(type)) != 1 ||
		    get_str(o, "role", role, sizeof(role)) != 1 || role[0] != e->role) {
			json_decref(o);
			return BAD(ps, "line %u has no type or a role other than '%c'", line_no,
				   e->role);
		}
		if (!strcmp(type, "conn") || !strcmp(type, "subflow")) {
			if (get_u64(o, "mono_us", UINT64_MAX, &mono_us) != 1)
				r = BAD(ps, "line %u: sample without mono_us", line_no);
			else if (!strcmp(type, "conn"))
				r = native_parse_conn(ps, e, o, mono_us);
			else
				r = native_parse_subflow(ps, e, o, mono_us);
		} else if (!strcmp(type, "summary")) {
			r = native_parse_summary(ps, e, o, x);
		} else {
			r = BAD(ps, "line %u of unknown type '%s'", line_no, type);
		}
		json_decref(o);
		p = nl + 1;
	}
	if (r < 0)
		return r;
	if (!e->has_summary)
		return BAD(ps, "no summary (output ends after %u lines)", line_no);
	return 0;
}

/* Samples carry CLOCK_MONOTONIC times: count them from start_us. */
static void native_rebase(struct telemetry *t, uint64_t start_us)
{
	for (size_t i = 0; i < t->n_subflows; i++)
		t->subflows[i].t_us =
			t->subflows[i].t_us > start_us ? t->subflows[i].t_us - start_us : 0;
	for (size_t i = 0; i < t->n_conns; i++)
		t->conns[i].t_us = t->conns[i].t_us > start_us ? t->conns[i].t_us - start_us : 0;
}

/* Intervals from the receiver's "rx" counters between samples, from the
 * end of the warm-up (as iperf3 counts them). */
static int native_intervals(struct engine_result *res, const struct native_end *rx_end,
			    uint64_t omit_us)
{
	uint64_t from_us = rx_end->start_mono_us + omit_us;

	for (size_t i = 1; i < rx_end->n_rx; i++) {
		const struct native_rx *a = &rx_end->rx[i - 1], *b = &rx_end->rx[i];
		struct telemetry_interval *iv;

		if (b->t_us <= from_us || b->t_us <= a->t_us || b->rx < a->rx)
			continue;
		iv = array_grow(res->intervals, res->n_intervals, sizeof(*iv));
		if (!iv)
			return -ENOMEM;
		res->intervals = iv;
		iv = &res->intervals[res->n_intervals++];
		iv->start_us = a->t_us > from_us ? a->t_us - from_us : 0;
		iv->end_us = b->t_us - from_us;
		iv->bytes = b->rx - a->rx;
		iv->bits_per_second = (double)iv->bytes * 8e6 / (double)(b->t_us - a->t_us);
		iv->retransmits = -1;
	}
	return 0;
}

/* Sum of the last total_retrans of each subflow on the sending end(s). */
static int64_t native_retransmits(const struct telemetry *t, bool client_sends,
				  bool server_sends)
{
	int64_t sum = -1;

	for (size_t i = 0; i < t->n_subflows; i++) {
		const struct telemetry_subflow_sample *s = &t->subflows[i];
		bool later = false;

		if (!(s->present & TELEM_RETRANS) || (s->role == 'c' && !client_sends) ||
		    (s->role == 's' && !server_sends))
			continue;
		for (size_t k = i + 1; k < t->n_subflows && !later; k++)
			later = t->subflows[k].role == s->role &&
				t->subflows[k].subflow_id == s->subflow_id;
		if (later)
			continue;
		sum = (sum < 0 ? 0 : sum) + s->total_retrans;
	}
	return sum;
}

static int native_judge(struct native_end *cl, struct native_end *sv,
			const struct engine_params *p, const struct xfer_params *x,
			struct engine_result *res)
{
	struct native_parse ps = { .res = res };
	struct native_end *ends[2] = { cl, sv };
	bool up = x->direction != XFER_DOWNLOAD, down = x->direction != XFER_UPLOAD;
	char why[200];
	int r;

	/* The client first: its failure is the reason given. */
	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		const struct native_end *e = ends[i];

		if (e->sr.signaled)
			return engine_result_invalid(res, "xfer %s was killed by signal %d (%s)",
						     e->name, e->sr.term_signal,
						     strsignal(e->sr.term_signal));
		if (e->sr.exit_code) {
			native_complaint(e, why, sizeof(why));
			return engine_result_invalid(res, "xfer %s exited with status %d: %s",
						     e->name, e->sr.exit_code,
						     why[0] ? why : "no message");
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		r = native_parse_end(&ps, ends[i], x);
		if (r == -EBADMSG)
			return engine_result_invalid(res, "xfer %s output rejected: %s",
						     ends[i]->name, ps.why);
		if (r < 0)
			return r;
	}
	if (!cl->proto_mptcp || !sv->proto_mptcp) {
		const struct native_end *e = !cl->proto_mptcp ? cl : sv;

		return engine_result_invalid(res, "xfer %s used plain TCP: %s", e->name,
					     e->no_mptcp[0] ? e->no_mptcp : "asked to");
	}
	if (x->mode == XFER_BULK && x->bytes &&
	    ((up && sv->bytes != x->bytes) || (down && cl->bytes != x->bytes)))
		return engine_result_invalid(
			res, "byte count not met: the receiver got %llu of %llu bytes",
			(unsigned long long)(up && sv->bytes != x->bytes ? sv->bytes : cl->bytes),
			(unsigned long long)x->bytes);

	res->valid = true;
	res->reason[0] = '\0';
	res->telem_start_us = cl->start_mono_us;
	native_rebase(&res->telem, cl->start_mono_us);
	res->cpu_client_pct = cl->wall_us ? (double)cl->cpu_us * 100.0 / (double)cl->wall_us : -1;
	res->cpu_server_pct = sv->wall_us ? (double)sv->cpu_us * 100.0 / (double)sv->wall_us : -1;
	if (x->mode == XFER_RR) {
		res->rr = cl->rr;
		res->bytes = cl->bytes + sv->bytes;
		res->seconds = (double)cl->wall_us / 1e6;
		snprintf(res->cc_sender, sizeof(res->cc_sender), "%s", cl->cc);
		snprintf(res->cc_receiver, sizeof(res->cc_receiver), "%s", sv->cc);
		return 0;
	}
	if (up) {
		res->goodput_up_bps = sv->goodput_bps;
		res->bytes += sv->measured_bytes;
		res->seconds = (double)sv->measured_us / 1e6;
	}
	if (down) {
		res->goodput_down_bps = cl->goodput_bps;
		res->bytes += cl->measured_bytes;
		if ((double)cl->measured_us / 1e6 > res->seconds)
			res->seconds = (double)cl->measured_us / 1e6;
	}
	res->goodput_bps = res->goodput_up_bps + res->goodput_down_bps;
	if (x->bytes)
		res->completion_us = cl->completion_us;
	res->retransmits = native_retransmits(&res->telem, up, down);
	snprintf(res->cc_sender, sizeof(res->cc_sender), "%s", up ? cl->cc : sv->cc);
	snprintf(res->cc_receiver, sizeof(res->cc_receiver), "%s", up ? sv->cc : cl->cc);
	/* One series of intervals: of the upload, or of the download alone. */
	r = native_intervals(res, up ? sv : cl, p->omit_us);
	return r;
}

/* ---- the run ------------------------------------------------------------------------ */

#define U64S 24

static int native_run(const struct engine_target *t, const struct engine_params *p,
		      const struct engine_hooks *h, struct engine_result *res, struct diag *d)
{
	struct native_end ends[2] = {
		{ .role = 'c', .name = "client", .rfd = -1, .wfd = -1, .pidfd = -1 },
		{ .role = 's', .name = "server", .rfd = -1, .wfd = -1, .pidfd = -1 },
	};
	struct native_end *cl = &ends[0], *sv = &ends[1];
	struct spawn_opts so = SPAWN_OPTS_INIT, co = SPAWN_OPTS_INIT;
	struct xfer_params x;
	struct diag xd = DIAG_INIT;
	char bin[PATH_MAX], port[8], interval[U64S], stimeout[U64S], ctimeout[U64S];
	char amount[U64S], omit[U64S], req[U64S], resp[U64S], rate[U64S], count[U64S];
	const char *sargv[20], *cargv[40];
	uint64_t timeout_us, interval_us, start_us, now_us, next_tick_us;
	bool timed_out = false;
	int n, r;

	memset(res, 0, sizeof(*res));
	res->retransmits = -1;
	res->cpu_client_pct = res->cpu_server_pct = -1;
	r = native_check_params(t, p, d);
	if (r < 0)
		return r;
	x = native_xfer_params(p);
	r = xfer_params_check(&x, &xd);
	if (r < 0)
		return diag_set(d, r, "the native engine cannot run this: %s", diag_str(&xd));
	r = native_binary(bin, sizeof(bin), d);
	if (r < 0)
		return r;
	snprintf(res->tool_version, sizeof(res->tool_version), "mptcp-lab %s", mpl_version());
	snprintf(res->mptcp_method, sizeof(res->mptcp_method), "native");

	interval_us = p->sample_interval_us ? p->sample_interval_us : XFER_INTERVAL_DEFAULT_US;
	if (p->timeout_us)
		timeout_us = p->timeout_us;
	else if (p->duration_us)
		timeout_us = p->duration_us + p->omit_us + NATIVE_WATCHDOG_SLACK_US;
	else
		timeout_us = NATIVE_DEFAULT_TIMEOUT_US;

	if ((r = native_pipe_open(cl, d)) < 0 || (r = native_pipe_open(sv, d)) < 0)
		goto out;

	snprintf(port, sizeof(port), "%u", t->port);
	snprintf(interval, sizeof(interval), "%lluus", (unsigned long long)interval_us);
	snprintf(stimeout, sizeof(stimeout), "%lluus",
		 (unsigned long long)(timeout_us + NATIVE_SERVER_EXTRA_US));
	snprintf(ctimeout, sizeof(ctimeout), "%lluus", (unsigned long long)timeout_us);

	/* Server. */
	n = 0;
	sargv[n++] = bin;
	sargv[n++] = "xfer";
	sargv[n++] = "server";
	sargv[n++] = "--port";
	sargv[n++] = port;
	sargv[n++] = "--interval";
	sargv[n++] = interval;
	sargv[n++] = "--timeout";
	sargv[n++] = stimeout;
	sargv[n++] = "--output";
	sargv[n++] = sv->path;
	if (p->congestion[0]) {
		sargv[n++] = "--congestion";
		sargv[n++] = p->congestion;
	}
	sargv[n] = NULL;
	so.netns_fd = t->server_netns_fd;
	so.capture_stdout = so.capture_stderr = true;
	so.capture_max = NATIVE_CAPTURE_MAX_BYTES;
	r = spawn_start(sargv, &so, &sv->proc, d);
	if (r < 0) {
		diag_prefix(d, "cannot start the xfer server");
		goto out;
	}
	sv->pidfd = engine_proc_pidfd(spawn_pid(sv->proc));

	/* Ready: its first line, or its exit. */
	{
		uint64_t deadline_us = mtime_now_us() + NATIVE_READY_TIMEOUT_US;

		for (;;) {
			/* Exited? Asked before the last look at the pipe, so
			 * what it wrote before exiting is seen. */
			bool gone = engine_proc_exited(spawn_pid(sv->proc));

			r = native_pipe_drain(sv);
			if (r < 0) {
				r = diag_set(d, r, "cannot read the xfer server's output: %s",
					     strerror(-r));
				goto out;
			}
			if (sv->len >= 6 && !memcmp(sv->text, "ready\n", 6))
				break;
			if (sv->len && memcmp(sv->text, "ready\n", sv->len < 6 ? sv->len : 6)) {
				r = diag_set(d, -EPROTO,
					     "xfer server printed something other than 'ready'");
				goto out;
			}
			if (gone) {
				char why[200];

				native_end_wait(sv, NULL);
				native_complaint(sv, why, sizeof(why));
				r = diag_set(d, -EIO,
					     "xfer server exited before listening on port %u: %s",
					     t->port, why[0] ? why : "no message");
				goto out;
			}
			if (h && h->cancel && *h->cancel) {
				r = diag_set(d, -EINTR, "native run interrupted");
				goto out;
			}
			now_us = mtime_now_us();
			if (now_us >= deadline_us) {
				r = diag_set(
					d, -ETIMEDOUT,
					"xfer server was not listening on port %u after %.1f s",
					t->port, (double)NATIVE_READY_TIMEOUT_US / 1e6);
				goto out;
			}
			r = native_poll(
				sv, 1, sv,
				(int)((deadline_us - now_us + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
			if (r < 0) {
				r = diag_set(d, r, "cannot read the xfer server's output: %s",
					     strerror(-r));
				goto out;
			}
		}
	}

	/* Client. */
	n = 0;
	cargv[n++] = bin;
	cargv[n++] = "xfer";
	cargv[n++] = "client";
	cargv[n++] = "--connect";
	cargv[n++] = t->server_addr;
	cargv[n++] = "--port";
	cargv[n++] = port;
	cargv[n++] = "--mode";
	cargv[n++] = xfer_mode_name(x.mode);
	cargv[n++] = "--direction";
	cargv[n++] = xfer_direction_name(x.direction);
	if (x.bytes) {
		snprintf(amount, sizeof(amount), "%llu", (unsigned long long)x.bytes);
		cargv[n++] = "--bytes";
		cargv[n++] = amount;
	}
	if (x.duration_us) {
		snprintf(amount, sizeof(amount), "%lluus", (unsigned long long)x.duration_us);
		cargv[n++] = "--duration";
		cargv[n++] = amount;
	}
	snprintf(omit, sizeof(omit), "%lluus", (unsigned long long)x.omit_us);
	cargv[n++] = "--omit";
	cargv[n++] = omit;
	if (x.mode == XFER_RR) {
		snprintf(req, sizeof(req), "%u", x.request_bytes);
		snprintf(resp, sizeof(resp), "%u", x.response_bytes);
		snprintf(rate, sizeof(rate), "%llu", (unsigned long long)x.rate_tps);
		cargv[n++] = "--request";
		cargv[n++] = req;
		cargv[n++] = "--response";
		cargv[n++] = resp;
		cargv[n++] = "--rate";
		cargv[n++] = rate;
		if (x.transactions) {
			snprintf(count, sizeof(count), "%llu", (unsigned long long)x.transactions);
			cargv[n++] = "--transactions";
			cargv[n++] = count;
		}
	}
	cargv[n++] = "--interval";
	cargv[n++] = interval;
	cargv[n++] = "--timeout";
	cargv[n++] = ctimeout;
	cargv[n++] = "--output";
	cargv[n++] = cl->path;
	if (p->congestion[0]) {
		cargv[n++] = "--congestion";
		cargv[n++] = p->congestion;
	}
	cargv[n] = NULL;
	co.netns_fd = t->client_netns_fd;
	co.capture_stdout = co.capture_stderr = true;
	co.capture_max = NATIVE_CAPTURE_MAX_BYTES;
	start_us = mtime_now_us();
	r = spawn_start(cargv, &co, &cl->proc, d);
	if (r < 0) {
		diag_prefix(d, "cannot start the xfer client");
		goto out;
	}
	cl->pidfd = engine_proc_pidfd(spawn_pid(cl->proc));

	/* Ticks are paced from the start of the previous one; the client's
	 * own --timeout fires before this watchdog, with a message. */
	next_tick_us = start_us;
	for (;;) {
		uint64_t wait_us, limit_us = timeout_us + NATIVE_SELF_GIVE_UP_US;

		r = engine_hooks_step(h, start_us, &next_tick_us, NATIVE_TICK_US, "native run", d);
		if (r < 0)
			goto out;
		now_us = mtime_now_us();
		if (engine_proc_exited(spawn_pid(cl->proc)))
			break;
		if (now_us - start_us >= limit_us) {
			timed_out = true;
			break;
		}
		wait_us = next_tick_us > now_us ? next_tick_us - now_us : 0;
		if (wait_us > limit_us - (now_us - start_us))
			wait_us = limit_us - (now_us - start_us);
		r = native_poll(ends, 2, cl, (int)((wait_us + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
		if (r < 0) {
			r = diag_set(d, r, "cannot read the xfer output: %s", strerror(-r));
			goto out;
		}
	}
	res->transfer_us = mtime_now_us() - start_us;
	if (timed_out) {
		spawn_kill(cl->proc);
		cl->proc = NULL;
		r = engine_result_invalid(res,
					  "xfer client was killed by the watchdog after %.1f s",
					  (double)res->transfer_us / 1e6);
		goto out;
	}
	r = native_end_wait(cl, d);
	if (r < 0)
		goto out;

	/* After a good client the server ends right away: both directions
	 * are closed by now. A server that does not is cut short and judged
	 * by its exit. After a failed client it may still wait for a
	 * connection or a header: no grace, the client's failure is the
	 * reason given. */
	{
		uint64_t until_us =
			mtime_now_us() +
			(cl->sr.signaled || cl->sr.exit_code ? 0 : NATIVE_SERVER_GRACE_US);

		while (!engine_proc_exited(spawn_pid(sv->proc)) && mtime_now_us() < until_us &&
		       !(h && h->cancel && *h->cancel)) {
			r = native_poll(ends, 2, sv, (int)(NATIVE_TICK_US / USEC_PER_MSEC));
			if (r < 0) {
				r = diag_set(d, r, "cannot read the xfer output: %s", strerror(-r));
				goto out;
			}
		}
	}
	r = native_end_wait(sv, d);
	if (r < 0)
		goto out;
	/* Everything written is in the pipes now. */
	if ((r = native_pipe_drain(cl)) < 0 || (r = native_pipe_drain(sv)) < 0)
		goto out;

	r = native_judge(cl, sv, p, &x, res);
	if (r < 0) {
		r = diag_set(d, r, "cannot read the xfer output: %s", strerror(-r));
		goto out;
	}
	if (!res->valid) {
		/* Samples of a run that is not trusted are not kept. */
		telemetry_release(&res->telem);
		free(res->intervals);
		res->intervals = NULL;
		res->n_intervals = 0;
	}
out:
	native_end_release(cl);
	native_end_release(sv);
	return r;
}

const struct engine_ops engine_native = {
	.name = "native",
	.probe = native_probe,
	.run = native_run,
};
