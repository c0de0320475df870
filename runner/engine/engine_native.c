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
 * little earlier, with a message. What the ends wrote is judged after
 * the run by native_output.c (the rules are at its top): a process
 * killed by a signal, exiting non-zero or breaking a rule gives a result
 * with valid = false and the reason. Every process started here is gone
 * when native_run() returns.
 *
 * This file runs the processes and collects their output; it does not
 * parse it, print, or build namespaces (the caller still checks the
 * MPTCP counters).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mtime.h"
#include "native_int.h"
#include "version.h"

#define NATIVE_READY_TIMEOUT_US (2 * USEC_PER_SEC)
#define NATIVE_WATCHDOG_SLACK_US (10 * USEC_PER_SEC)
#define NATIVE_DEFAULT_TIMEOUT_US (120 * USEC_PER_SEC)
#define NATIVE_SELF_GIVE_UP_US (2 * USEC_PER_SEC) /* xfer's own guard fires first */
#define NATIVE_SERVER_EXTRA_US (5 * USEC_PER_SEC)
#define NATIVE_SERVER_GRACE_US (5 * USEC_PER_SEC)
#define NATIVE_TICK_US (40 * USEC_PER_MSEC) /* the hook promises at most 50 ms */
#define NATIVE_PIPE_BYTES (1 << 20)
#define NATIVE_CAPTURE_MAX_BYTES (64u << 10)

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

	interval_us = NATIVE_INTERVAL_US(p);
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
		/* Cut short: SIGKILL also ends a stopped server, which would
		 * otherwise keep the wait below forever. */
		if (!engine_proc_exited(spawn_pid(sv->proc)))
			kill(-spawn_pid(sv->proc), SIGKILL);
	}
	r = native_end_wait(sv, d);
	if (r < 0)
		goto out;
	/* Everything written is in the pipes now. */
	if ((r = native_pipe_drain(cl)) < 0 || (r = native_pipe_drain(sv)) < 0)
		goto out;

	r = native_judge(cl, sv, p, &x, res);
	res->cpu_client_us = cl->sr.cpu_us;
	res->cpu_server_us = sv->sr.cpu_us;
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
