/*
 * engine_iperf3.c: the iperf3 traffic engine.
 *
 * One run = one fresh one-off server and one client, each spawned inside
 * its namespace with an argv array (spawn.h):
 *
 *   server netns:  iperf3 -s -1 -p PORT -J --idle-timeout N --logfile S [-m]
 *   client netns:  iperf3 -c ADDR -p PORT -J -t SECS|-n BYTES -O OMIT -P N
 *                         --connect-timeout 3000 [-R|--bidir] --logfile C [-m]
 *
 * MPTCP: iperf3 >= 3.19 has -m/--mptcp (both ends need it: the server must
 * listen with MPTCP too). Older releases (Debian 12 ships 3.12) run with
 * LD_PRELOAD of the mptcpize library, which turns their TCP sockets into
 * MPTCP ones, again for both ends. Which one is decided once per process.
 *
 * The server is not bound with -B: MPTCP joins may arrive on any address
 * of the server namespace. It counts as ready when it owns a socket in
 * state LISTEN on PORT: /proc/<server pid>/net/tcp{,6} show the namespace
 * of that process, polled every millisecond for up to 2 s (no
 * sleep-and-hope; a server that exits meanwhile is reported with its own
 * error, or with what we saw: the port held by another process).
 *
 * Output goes through --logfile into a memfd of ours, opened by iperf3 as
 * /proc/<our pid>/fd/<n>, not through the capture pipes: iperf3 -J writes
 * its whole report at the end, and a report larger than a pipe would
 * block the client while we are not reading (we poll the process, not the
 * pipe, to call the tick hook every 40 ms). A memfd leaves nothing on
 * disk, even if we are killed.
 *
 * Trust: a watchdog (duration + omit + 10 s unless given) kills a client
 * that hangs (esnet/iperf#1862) with SIGKILL at once: whatever it would
 * write after a hang is not trusted anyway, and since 3.19 a SIGTERM-ed
 * iperf3 exits 0. A client killed by a signal, exiting non-zero, or whose
 * report fails iperf3_json_parse() gives a result with valid = false and
 * the reason. Only the client's report is read: it holds both sides'
 * sums. After a good run the server gets 5 s to end by itself and is
 * killed otherwise (esnet/iperf#1735); every process started here is gone
 * when iperf3_run() returns.
 *
 * This file does not print, does not build namespaces and does not look
 * at MPTCP counters: the caller checks that MPTCP was really used.
 */
#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab_mptcp.h"
#include "iperf3_json.h"
#include "mtime.h"
#include "spawn.h"

#define IPERF3_PROG "iperf3"
#define IPERF3_CONNECT_TIMEOUT_MS 3000
#define IPERF3_MAX_STREAMS 128 /* iperf3's own limit for -P */
#define IPERF3_WATCHDOG_SLACK_US (10 * USEC_PER_SEC)
#define IPERF3_READY_TIMEOUT_US (2 * USEC_PER_SEC)
#define IPERF3_READY_POLL_MS 1
#define IPERF3_READY_FOREIGN_US (100 * USEC_PER_MSEC)
#define IPERF3_TICK_US (40 * USEC_PER_MSEC) /* the hook promises at most 50 ms */
#define IPERF3_POLL_MS 40
#define IPERF3_SERVER_GRACE_US (5 * USEC_PER_SEC)
#define IPERF3_PROBE_TIMEOUT_US (5 * USEC_PER_SEC)
#define IPERF3_REPORT_MAX_BYTES (64u << 20)
#define IPERF3_CAPTURE_MAX_BYTES (64u << 10)

/* Debian's mptcpize package; other layouts are found by globbing. */
#define IPERF3_MPTCPIZE_LIB "/usr/lib/x86_64-linux-gnu/mptcpize/libmptcpwrap.so.0.0.1"
#define IPERF3_MPTCPIZE_GLOB "/usr/lib/*/mptcpize/libmptcpwrap.so*"

/* How this host's iperf3 does MPTCP, decided on first use. The runner is
 * single-threaded; nothing else here has state. */
struct iperf3_method {
	bool known;
	bool has_mptcp_opt;	   /* pass -m */
	char preload_env[PATH_MAX + 16]; /* "LD_PRELOAD=..." with mptcpize */
	char name[ENGINE_METHOD_MAX];
	char version[ENGINE_VERSION_MAX];
};

static struct iperf3_method iperf3_method_cache;

/* ---- deciding the MPTCP method ------------------------------------------- */

static bool first_match(const char *pattern, char *out, size_t size)
{
	glob_t g;
	bool found = false;

	if (glob(pattern, 0, NULL, &g) != 0)
		return false;
	for (size_t i = 0; i < g.gl_pathc && !found; i++) {
		if (access(g.gl_pathv[i], R_OK) == 0 &&
		    xsnprintf(out, size, "%s", g.gl_pathv[i]) == 0)
			found = true;
	}
	globfree(&g);
	return found;
}

/* "iperf 3.12 (cJSON 1.7.15)\n..." -> "iperf 3.12" */
static void version_from(const char *text, char *out, size_t size)
{
	size_t n = text ? strcspn(text, "(\n") : 0;

	while (n && text[n - 1] == ' ')
		n--;
	if (n >= size)
		n = size - 1;
	if (text)
		memcpy(out, text, n);
	out[n] = '\0';
}

static int iperf3_capture(const char *arg, struct spawn_result *res, struct diag *d)
{
	const char *argv[] = { IPERF3_PROG, arg, NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	int r;

	o.capture_stdout = o.capture_stderr = true;
	o.timeout_us = IPERF3_PROBE_TIMEOUT_US;
	r = spawn_run(argv, &o, res, d);
	if (r < 0)
		return r;
	if (res->timed_out)
		return diag_set(d, -ETIMEDOUT, "'iperf3 %s' did not finish within %llu s", arg,
				(unsigned long long)(IPERF3_PROBE_TIMEOUT_US / USEC_PER_SEC));
	return 0;
}

static int iperf3_method_get(const struct iperf3_method **out, struct diag *d)
{
	struct iperf3_method m = { 0 };
	struct spawn_result help = { 0 }, ver = { 0 };
	char lib[PATH_MAX];
	int r;

	if (iperf3_method_cache.known) {
		*out = &iperf3_method_cache;
		return 0;
	}
	r = iperf3_capture("--help", &help, d);
	if (r < 0)
		goto out;
	r = iperf3_capture("--version", &ver, d);
	if (r < 0)
		goto out;
	version_from(ver.out, m.version, sizeof(m.version));

	/* Read the help, not the version: distributions backport. */
	if ((help.out && strstr(help.out, "--mptcp")) ||
	    (help.err && strstr(help.err, "--mptcp"))) {
		m.has_mptcp_opt = true;
		snprintf(m.name, sizeof(m.name), "-m");
	} else if ((access(IPERF3_MPTCPIZE_LIB, R_OK) == 0 &&
		    xsnprintf(lib, sizeof(lib), "%s", IPERF3_MPTCPIZE_LIB) == 0) ||
		   first_match(IPERF3_MPTCPIZE_GLOB, lib, sizeof(lib))) {
		snprintf(m.preload_env, sizeof(m.preload_env), "LD_PRELOAD=%s", lib);
		snprintf(m.name, sizeof(m.name), "mptcpize");
	} else {
		r = diag_set(d, -EOPNOTSUPP,
			     "iperf3 cannot do MPTCP here: no --mptcp (iperf3 < 3.19) and no "
			     "mptcpize library (apt-get install mptcpize)");
		goto out;
	}
	m.known = true;
	iperf3_method_cache = m;
	*out = &iperf3_method_cache;
	r = 0;
out:
	spawn_result_release(&help);
	spawn_result_release(&ver);
	return r;
}

static int iperf3_probe(struct engine_probe *out, struct diag *d)
{
	const struct iperf3_method *m;
	int r;

	memset(out, 0, sizeof(*out));
	r = iperf3_method_get(&m, d);
	if (r < 0)
		return r;
	snprintf(out->tool_version, sizeof(out->tool_version), "%s", m->version);
	snprintf(out->mptcp_method, sizeof(out->mptcp_method), "%s", m->name);
	return 0;
}

/* ---- waiting on processes ------------------------------------------------- */

/* Block for at most timeout_ms or until the process exits (not reaped). */
static bool proc_wait_ms(pid_t pid, int pidfd, int timeout_ms)
{
	if (pidfd >= 0) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

		if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
			mtime_sleep_us((uint64_t)timeout_ms * USEC_PER_MSEC);
	} else {
		/* No pidfd (kernel < 5.3): a short poll interval instead. */
		mtime_sleep_us((uint64_t)(timeout_ms < 1 ? 1 : timeout_ms) * USEC_PER_MSEC);
	}
	return engine_proc_exited(pid);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- the server's listening socket ----------------------------------------- */

/* Inodes of the TCP sockets in state LISTEN (0A) on port in an open
 * /proc/<pid>/net/tcp{,6}, read again from its start, appended to
 * ino[*n..max). */
static void proc_net_listeners(FILE *f, uint16_t port, unsigned long *ino, size_t *n,
			       size_t max)
{
	char line[512];

	if (!f)
		return;
	rewind(f); /* a seq_file: reading from 0 again gives the current table */
	while (*n < max && fgets(line, sizeof(line), f)) {
		unsigned int lport, state;
		unsigned long inode;

		/* "  0: 00000000:14B0 00000000:0000 0A 00000000:00000000 00:00000000
		 *  00000000  0  0 116860 ..."; the header line does not match. */
		if (sscanf(line,
			   " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x"
			   " %*x:%*x %*x:%*x %*x %*u %*u %lu",
			   &lport, &state, &inode) == 3 &&
		    lport == port && state == 0x0A)
			ino[(*n)++] = inode;
	}
}

/* Does pid hold a socket fd with one of these inodes? */
static bool proc_owns_socket(pid_t pid, const unsigned long *ino, size_t n)
{
	char dir[64], link[PATH_MAX], target[64];
	bool owns = false;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return false;
	while (!owns && (e = readdir(d))) {
		unsigned long inode;
		ssize_t len;

		if (e->d_name[0] == '.' ||
		    xsnprintf(link, sizeof(link), "%s/%s", dir, e->d_name) < 0)
			continue;
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (sscanf(target, "socket:[%lu]", &inode) != 1)
			continue;
		for (size_t i = 0; i < n; i++)
			if (ino[i] == inode)
				owns = true;
	}
	closedir(d);
	return owns;
}

/*
 * Wait until the server listens on port in its namespace: 0, -ECHILD when
 * it exited first (no message: the caller has its report; *foreign says
 * whether another socket listened on that port meanwhile), -ETIMEDOUT.
 *
 * The listener must be the server's own socket (its inode is one of the
 * server's fds), so a stray listener of another process on that port is
 * not taken for it: the server then fails to bind and exits, which is
 * reported. Kernels before 6.7 show an MPTCP listener through its
 * in-kernel subflow socket, whose inode no fd has; a listener that stays
 * while the server stays alive for IPERF3_READY_FOREIGN_US is taken as
 * that (a failed bind makes iperf3 exit within a few ms of its start).
 */
static int iperf3_wait_listening(pid_t pid, int pidfd, uint16_t port, bool *foreign,
				 struct diag *d)
{
	uint64_t now_us = mtime_now_us(), seen_us = 0;
	uint64_t deadline_us = now_us + IPERF3_READY_TIMEOUT_US;
	FILE *tcp = NULL, *tcp6 = NULL;
	char path[64];
	int r;

	/* Opened once, while the server lives: the open file holds the
	 * namespace, so the tables stay readable after the server died (a
	 * zombie has no /proc/<pid>/net) and tell who held the port. */
	*foreign = false;
	snprintf(path, sizeof(path), "/proc/%d/net/tcp", (int)pid);
	tcp = fopen(path, "re");
	snprintf(path, sizeof(path), "/proc/%d/net/tcp6", (int)pid);
	tcp6 = fopen(path, "re");
	for (;;) {
		unsigned long ino[8];
		size_t n = 0;

		proc_net_listeners(tcp, port, ino, &n, ARRAY_SIZE(ino));
		proc_net_listeners(tcp6, port, ino, &n, ARRAY_SIZE(ino));
		if (n && proc_owns_socket(pid, ino, n)) {
			r = 0;
			break;
		}
		*foreign = n > 0;
		if (engine_proc_exited(pid)) {
			r = -ECHILD;
			break;
		}
		now_us = mtime_now_us();
		if (n && !seen_us)
			seen_us = now_us;
		if (n && now_us - seen_us >= IPERF3_READY_FOREIGN_US) {
			r = 0;
			break;
		}
		if (now_us >= deadline_us) {
			r = diag_set(d, -ETIMEDOUT,
				     "iperf3 server was not listening on port %u after %.1f s",
				     port, (double)IPERF3_READY_TIMEOUT_US / 1e6);
			break;
		}
		proc_wait_ms(pid, pidfd, IPERF3_READY_POLL_MS);
	}
	if (tcp)
		fclose(tcp);
	if (tcp6)
		fclose(tcp6);
	return r;
}

/* ---- report files ------------------------------------------------------------ */

struct iperf3_log {
	int fd;
	char path[64]; /* what iperf3 opens */
};

static int iperf3_log_open(struct iperf3_log *l, const char *name, struct diag *d)
{
	char memfd_name[32];

	snprintf(memfd_name, sizeof(memfd_name), "mpl-iperf3-%s", name);
	l->fd = memfd_create(memfd_name, MFD_CLOEXEC);
	if (l->fd < 0)
		return diag_set(d, -errno, "cannot create a memfd for the iperf3 %s report: %s",
				name, strerror(errno));
	return xsnprintf(l->path, sizeof(l->path), "/proc/%d/fd/%d", (int)getpid(), l->fd);
}

/* The whole file, NUL-terminated (malloc'd), at most
 * IPERF3_REPORT_MAX_BYTES. */
static int iperf3_log_read(const struct iperf3_log *l, char **out, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;

	*out = NULL;
	*len = 0;
	for (;;) {
		ssize_t got;

		if (cap - n < 4096) {
			char *nb;

			if (cap >= IPERF3_REPORT_MAX_BYTES)
				break;
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		got = pread(l->fd, buf + n, cap - n, (off_t)n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* The error a server reported in its own JSON, or its stderr. */
static void iperf3_server_complaint(const struct iperf3_log *log, const struct spawn_result *sr,
				    char *out, size_t size)
{
	struct iperf3_report rep = { 0 };
	char *text = NULL;
	size_t len = 0;

	out[0] = '\0';
	if (iperf3_log_read(log, &text, &len) == 0 && len)
		iperf3_json_parse(text, len, NULL, &rep, out, size);
	iperf3_report_release(&rep);
	free(text);
	if (!out[0] && sr && sr->err && sr->err_len) {
		size_t n = strcspn(sr->err, "\n");

		snprintf(out, size, "%.*s", (int)n, sr->err);
	}
}

/* ---- the run ------------------------------------------------------------------ */

static int iperf3_check_params(const struct engine_target *t, const struct engine_params *p,
			       struct diag *d)
{
	if (!t->server_addr || !t->server_addr[0])
		return diag_set(d, -EINVAL, "iperf3 needs a server address");
	if (!t->port)
		return diag_set(d, -EINVAL, "iperf3 needs a port other than 0");
	if (!p->duration_us == !p->bytes)
		return diag_set(d, -EINVAL, "iperf3 needs a duration or a byte count, not %s",
				p->bytes ? "both" : "neither");
	/* iperf3 3.12 parses -t and -O with atoi(). */
	if (p->duration_us % USEC_PER_SEC || p->omit_us % USEC_PER_SEC)
		return diag_set(d, -EINVAL,
				"iperf3 takes whole seconds, got duration %.3f s and omit %.3f s",
				(double)p->duration_us / 1e6, (double)p->omit_us / 1e6);
	if (p->duration_us / USEC_PER_SEC > 86400 || p->omit_us / USEC_PER_SEC > 86400)
		return diag_set(d, -EINVAL, "iperf3 tests last at most a day");
	if (p->streams > IPERF3_MAX_STREAMS)
		return diag_set(d, -EINVAL, "iperf3 runs at most %d streams, got %u",
				IPERF3_MAX_STREAMS, p->streams);
	if (p->direction != ENGINE_UPLOAD && p->direction != ENGINE_DOWNLOAD &&
	    p->direction != ENGINE_BOTH)
		return diag_set(d, -EINVAL, "unknown direction %d", (int)p->direction);
	return 0;
}

/* Fill res from a trusted report; the intervals move over. */
static void iperf3_fill(struct engine_result *res, struct iperf3_report *rep,
			enum engine_direction dir)
{
	res->valid = true;
	res->reason[0] = '\0';
	snprintf(res->tool_version, sizeof(res->tool_version), "%s", rep->version);
	res->goodput_bps = rep->goodput_bps;
	switch (dir) {
	case ENGINE_UPLOAD:
		res->goodput_up_bps = rep->goodput_bps;
		break;
	case ENGINE_DOWNLOAD:
		res->goodput_down_bps = rep->goodput_bps;
		break;
	case ENGINE_BOTH:
		res->goodput_up_bps = rep->received.bits_per_second;
		res->goodput_down_bps = rep->received_reverse.bits_per_second;
		break;
	}
	res->bytes = rep->bytes;
	res->seconds = rep->seconds;
	res->retransmits = rep->retransmits;
	res->cpu_client_pct = rep->cpu_host_pct;
	res->cpu_server_pct = rep->cpu_remote_pct;
	snprintf(res->cc_sender, sizeof(res->cc_sender), "%s", rep->sender_cc);
	snprintf(res->cc_receiver, sizeof(res->cc_receiver), "%s", rep->receiver_cc);
	res->intervals = TAKE_PTR(rep->intervals);
	res->n_intervals = rep->n_intervals;
	rep->n_intervals = 0;
}

/* Judge the finished client: its exit, then its report. */
static int iperf3_judge(const struct iperf3_log *log, const struct spawn_result *cr,
			const struct engine_params *p, struct engine_result *res)
{
	struct iperf3_expect exp = {
		.direction = p->direction,
		.duration_s = (double)p->duration_us / 1e6,
		.streams = p->streams ? p->streams : 1,
	};
	struct iperf3_report rep;
	char why[200], *text = NULL;
	size_t len = 0;
	int r;

	if (cr->signaled)
		return engine_result_invalid(res, "iperf3 client was killed by signal %d (%s)",
					     cr->term_signal, strsignal(cr->term_signal));
	r = iperf3_log_read(log, &text, &len);
	if (r < 0)
		return engine_result_invalid(res, "cannot read the iperf3 client report: %s",
					     strerror(-r));
	r = iperf3_json_parse(text, len, &exp, &rep, why, sizeof(why));
	free(text);
	if (r == -ENOMEM) {
		iperf3_report_release(&rep);
		return r;
	}
	if (r < 0) {
		iperf3_report_release(&rep);
		if (cr->exit_code)
			return engine_result_invalid(res, "iperf3 client exited with status %d: %s",
						     cr->exit_code, why);
		return engine_result_invalid(res, "%s", why);
	}
	if (cr->exit_code) {
		iperf3_report_release(&rep);
		return engine_result_invalid(
			res, "iperf3 client exited with status %d after a complete report",
			cr->exit_code);
	}
	iperf3_fill(res, &rep, p->direction);
	/* iperf3 does not say when its measured part began: its intervals
	 * start after the omitted ones, about omit after the client started. */
	res->measure_start_us = p->omit_us;
	iperf3_report_release(&rep);
	return 0;
}

static int iperf3_run(const struct engine_target *t, const struct engine_params *p,
		      const struct engine_hooks *h, struct engine_result *res, struct diag *d)
{
	const struct iperf3_method *m;
	struct iperf3_log slog = { .fd = -1 }, clog = { .fd = -1 };
	struct spawn_proc *server = NULL, *client = NULL;
	struct spawn_result sr = { 0 }, cr = { 0 };
	struct spawn_opts so = SPAWN_OPTS_INIT, co = SPAWN_OPTS_INIT;
	const char *env[2] = { NULL, NULL };
	char port[8], idle[24], amount[24], omit[24], streams[16], timeout_ms[16];
	const char *sargv[16], *cargv[24];
	bool server_mptcp;
	uint64_t timeout_us, start_us, now_us, next_tick_us;
	int spidfd = -1, cpidfd = -1, n, r;
	bool timed_out = false, foreign = false;

	memset(res, 0, sizeof(*res));
	res->retransmits = -1;
	res->cpu_client_pct = res->cpu_server_pct = -1;
	r = iperf3_check_params(t, p, d);
	if (r < 0)
		return r;
	r = iperf3_method_get(&m, d);
	if (r < 0)
		return r;
	snprintf(res->tool_version, sizeof(res->tool_version), "%s", m->version);
	snprintf(res->mptcp_method, sizeof(res->mptcp_method), "%s", m->name);
	if (m->preload_env[0])
		env[0] = m->preload_env;

	timeout_us = p->timeout_us ? p->timeout_us
				   : p->duration_us + p->omit_us + IPERF3_WATCHDOG_SLACK_US;

	if ((r = iperf3_log_open(&slog, "server", d)) < 0 ||
	    (r = iperf3_log_open(&clog, "client", d)) < 0)
		goto out;

	/* Server. Its idle timeout only matters if the client never comes;
	 * a whole watchdog period keeps it out of the way of a slow start. */
	snprintf(port, sizeof(port), "%u", t->port);
	snprintf(idle, sizeof(idle), "%llu",
		 (unsigned long long)((timeout_us + USEC_PER_SEC - 1) / USEC_PER_SEC));
	n = 0;
	sargv[n++] = IPERF3_PROG;
	sargv[n++] = "-s";
	sargv[n++] = "-1";
	sargv[n++] = "-p";
	sargv[n++] = port;
	sargv[n++] = "-J";
	sargv[n++] = "--idle-timeout";
	sargv[n++] = idle;
	sargv[n++] = "--logfile";
	sargv[n++] = slog.path;
	/* A server whose namespace cannot open MPTCP sockets listens on
	 * plain TCP, as mptcp.dev asks of applications: the client's MPTCP
	 * connection then falls back, which the caller detects and reports,
	 * instead of a server that cannot start at all. */
	server_mptcp = lab_mptcp_socket_available(t->server_netns_fd);
	if (m->has_mptcp_opt && server_mptcp)
		sargv[n++] = "-m";
	sargv[n] = NULL;

	so.netns_fd = t->server_netns_fd;
	so.env_add = env[0] && server_mptcp ? env : NULL;
	so.capture_stdout = so.capture_stderr = true;
	so.capture_max = IPERF3_CAPTURE_MAX_BYTES;
	r = spawn_start(sargv, &so, &server, d);
	if (r < 0) {
		diag_prefix(d, "cannot start the iperf3 server");
		goto out;
	}
	spidfd = engine_proc_pidfd(spawn_pid(server));
	r = iperf3_wait_listening(spawn_pid(server), spidfd, t->port, &foreign, d);
	if (r == -ECHILD) {
		char why[200];

		spawn_wait(server, NULL, &sr, NULL);
		server = NULL;
		iperf3_server_complaint(&slog, &sr, why, sizeof(why));
		/* iperf3 3.12 may crash on its error path with --logfile before
		 * writing its complaint: say what we saw ourselves. */
		if (!why[0] && foreign)
			snprintf(why, sizeof(why), "port %u is in use in the server namespace",
				 t->port);
		else if (!why[0] && sr.signaled)
			snprintf(why, sizeof(why), "killed by signal %d (%s)", sr.term_signal,
				 strsignal(sr.term_signal));
		else if (!why[0])
			snprintf(why, sizeof(why), "exit status %d", sr.exit_code);
		r = diag_set(d, -EIO, "iperf3 server exited before listening on port %u: %s",
			     t->port, why);
	}
	if (r < 0)
		goto out;
	if (h && h->cancel && *h->cancel) {
		r = diag_set(d, -EINTR, "iperf3 run interrupted");
		goto out;
	}

	/* Client. */
	n = 0;
	cargv[n++] = IPERF3_PROG;
	cargv[n++] = "-c";
	cargv[n++] = t->server_addr;
	cargv[n++] = "-p";
	cargv[n++] = port;
	cargv[n++] = "-J";
	if (p->duration_us) {
		snprintf(amount, sizeof(amount), "%llu",
			 (unsigned long long)(p->duration_us / USEC_PER_SEC));
		cargv[n++] = "-t";
	} else {
		snprintf(amount, sizeof(amount), "%llu", (unsigned long long)p->bytes);
		cargv[n++] = "-n";
	}
	cargv[n++] = amount;
	snprintf(omit, sizeof(omit), "%llu", (unsigned long long)(p->omit_us / USEC_PER_SEC));
	cargv[n++] = "-O";
	cargv[n++] = omit;
	snprintf(streams, sizeof(streams), "%u", p->streams ? p->streams : 1);
	cargv[n++] = "-P";
	cargv[n++] = streams;
	snprintf(timeout_ms, sizeof(timeout_ms), "%d", IPERF3_CONNECT_TIMEOUT_MS);
	cargv[n++] = "--connect-timeout";
	cargv[n++] = timeout_ms;
	if (p->congestion[0]) {
		cargv[n++] = "-C";
		cargv[n++] = p->congestion;
	}
	if (p->direction == ENGINE_DOWNLOAD)
		cargv[n++] = "-R";
	else if (p->direction == ENGINE_BOTH)
		cargv[n++] = "--bidir";
	cargv[n++] = "--logfile";
	cargv[n++] = clog.path;
	if (m->has_mptcp_opt)
		cargv[n++] = "-m";
	cargv[n] = NULL;

	co.netns_fd = t->client_netns_fd;
	co.env_add = so.env_add;
	co.capture_stdout = co.capture_stderr = true;
	co.capture_max = IPERF3_CAPTURE_MAX_BYTES;
	start_us = mtime_now_us();
	r = spawn_start(cargv, &co, &client, d);
	if (r < 0) {
		diag_prefix(d, "cannot start the iperf3 client");
		goto out;
	}
	cpidfd = engine_proc_pidfd(spawn_pid(client));

	/* Ticks are paced from the start of the previous one, so a slow hook
	 * does not stretch the interval between two calls. */
	next_tick_us = start_us;
	for (;;) {
		uint64_t wait_us;

		r = engine_hooks_step(h, start_us, &next_tick_us, IPERF3_TICK_US, "iperf3 run", d);
		if (r < 0)
			goto out;
		now_us = mtime_now_us();
		if (now_us - start_us >= timeout_us) {
			timed_out = true;
			break;
		}
		wait_us = next_tick_us > now_us ? next_tick_us - now_us : 0;
		if (wait_us > timeout_us - (now_us - start_us))
			wait_us = timeout_us - (now_us - start_us);
		if (proc_wait_ms(spawn_pid(client), cpidfd,
				 (int)((wait_us + USEC_PER_MSEC - 1) / USEC_PER_MSEC)))
			break;
	}
	res->transfer_us = mtime_now_us() - start_us;

	if (timed_out) {
		spawn_kill(client);
		client = NULL;
		r = engine_result_invalid(res,
					  "iperf3 client was killed by the watchdog after %.1f s",
					  (double)res->transfer_us / 1e6);
		goto out;
	}
	r = spawn_wait(client, NULL, &cr, d);
	client = NULL;
	if (r < 0)
		goto out;
	res->cpu_client_us = cr.cpu_us;

	r = iperf3_judge(&clog, &cr, p, res);
	if (r < 0) {
		r = diag_set(d, r, "cannot read the iperf3 report: %s", strerror(-r));
		goto out;
	}

	/* After a good run the one-off server is on its way out: let it end
	 * on its own, so its port is free when we return. It cannot change
	 * the client's report any more, so a hang here is cut short, not an
	 * error. After a bad run it may still wait for a client: no grace. */
	if (res->valid) {
		uint64_t until_us = mtime_now_us() + IPERF3_SERVER_GRACE_US;

		bool gone;

		while (!(gone = proc_wait_ms(spawn_pid(server), spidfd, IPERF3_POLL_MS)) &&
		       mtime_now_us() < until_us && !(h && h->cancel && *h->cancel))
			;
		/* Reaped here, not killed, so its CPU time is known. */
		if (gone && spawn_wait(server, NULL, &sr, NULL) == 0)
			res->cpu_server_us = sr.cpu_us;
		if (gone)
			server = NULL;
	}
out:
	spawn_kill(client);
	spawn_kill(server);
	spawn_result_release(&cr);
	spawn_result_release(&sr);
	close_fd(&cpidfd);
	close_fd(&spidfd);
	close_fd(&clog.fd);
	close_fd(&slog.fd);
	return r;
}

const struct engine_ops engine_iperf3 = {
	.name = "iperf3",
	.probe = iperf3_probe,
	.run = iperf3_run,
};
