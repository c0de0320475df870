/*
 * spawn.c: run an external program from an argv array, never through a
 * shell, optionally inside a network namespace, with a watchdog.
 *
 * The child gets its own process group (so the watchdog can kill whatever
 * the program started), PR_SET_PDEATHSIG(SIGKILL) (so nothing outlives a
 * crashed runner), stdin from /dev/null (or a file the caller names),
 * default signal dispositions (the runner ignores SIGPIPE; a child must
 * not inherit that), and no file descriptors other than 0-2 (stdout and
 * stderr inherited, captured through pipes, or both appended to a log
 * file). The program is looked up in PATH here, not by execvp(), which
 * would hand a file it cannot execute to /bin/sh.
 * Failures between fork() and exec() (setns,
 * exec itself) travel back to the parent through a close-on-exec pipe, so
 * "program not found" is an error of spawn_start(), not an exit code 127.
 *
 * spawn_wait() drives one poll() loop: the capture pipes, a pidfd for the
 * child's exit, the watchdog deadline and the caller's cancel flag (the
 * poll timeout is at most 100 ms so a flag set by a signal handler is seen
 * even when the signal did not interrupt poll()). When the program exits,
 * whatever is left of its process group is killed before the program is
 * reaped, so a background grandchild holding the pipes cannot stall us.
 *
 * Return values of spawn_wait(): 0 when the program ran to its end or was
 * killed by the watchdog (r->timed_out says which; r is filled either way),
 * -EINTR when *cancel became non-zero (r filled too). Callers always call
 * spawn_result_release() after spawn_wait() or spawn_run() returned.
 *
 * This file does not interpret output and does not print.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mtime.h"

#define SPAWN_CAPTURE_DEFAULT (1024 * 1024)
#define SPAWN_TICK_MS 100

extern char **environ;

/* What the child reports when it could not exec. */
struct spawn_child_err {
	int stage; /* SPAWN_STAGE_* */
	int err;   /* errno */
};

enum {
	SPAWN_STAGE_SETUP = 1,
	SPAWN_STAGE_NETNS,
	SPAWN_STAGE_CWD,
	SPAWN_STAGE_EXEC,
};

static int spawn_resolve(const char *prog, char **path_out);

struct spawn_buf {
	char *data;
	size_t len, max;
	int fd; /* -1 once at EOF or not captured */
};

struct spawn_proc {
	pid_t pid;
	int pidfd; /* -1 if pidfd_open is not available */
	char *prog; /* argv[0], for messages */
	uint64_t start_us, timeout_us;
	struct spawn_buf out, err;
};

static void spawn_buf_release(struct spawn_buf *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	free(b->data);
	b->data = NULL;
}

static void spawn_proc_free(struct spawn_proc *p)
{
	if (!p)
		return;
	spawn_buf_release(&p->out);
	spawn_buf_release(&p->err);
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p->prog);
	free(p);
}

/* environ plus add: an entry of add replaces an entry of environ with the
 * same key. Built before fork() because the child may only call
 * async-signal-safe functions. */
static char **spawn_env_build(const char *const *add)
{
	size_t n_env = 0, n_add = 0, n = 0;
	char **env;

	for (char **e = environ; e && *e; e++)
		n_env++;
	for (const char *const *a = add; a && *a; a++)
		n_add++;
	env = calloc(n_env + n_add + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (char **e = environ; e && *e; e++) {
		size_t klen = strcspn(*e, "=");
		bool replaced = false;

		for (const char *const *a = add; a && *a; a++)
			if (!strncmp(*a, *e, klen) && (*a)[klen] == '=')
				replaced = true;
		if (!replaced)
			env[n++] = *e;
	}
	for (const char *const *a = add; a && *a; a++)
		/* execve() takes char *const[] for historical reasons and
		 * never writes through it. */
		env[n++] = (char *)(uintptr_t)*a;
	env[n] = NULL;
	return env;
}

/* Only async-signal-safe calls from here to exec. */
static __attribute__((noreturn)) void
spawn_child(const char *path, const char *const argv[], char **envp,
	    const struct spawn_opts *o,
	    pid_t parent, int devnull, int out_w, int err_w, int report_w)
{
	static const int reset[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				     SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM };
	struct spawn_child_err ce = { SPAWN_STAGE_SETUP, 0 };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (size_t i = 0; i < ARRAY_SIZE(reset); i++)
		sigaction(reset[i], &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		goto fail;
	/* The parent may have died before prctl() took effect. */
	if (getppid() != parent)
		_exit(127);

	if (o->netns_fd >= 0) {
		ce.stage = SPAWN_STAGE_NETNS;
		if (setns(o->netns_fd, CLONE_NEWNET) < 0)
			goto fail;
		ce.stage = SPAWN_STAGE_SETUP;
	}
	if (o->cwd) {
		ce.stage = SPAWN_STAGE_CWD;
		if (chdir(o->cwd) < 0)
			goto fail;
		ce.stage = SPAWN_STAGE_SETUP;
	}

	/* The result of nice() cannot tell an error from a new niceness of
	 * -1; a child that stays at ours runs all the same. */
	if (o->nice)
		(void)!nice(o->nice);
	if (dup2(devnull, STDIN_FILENO) < 0)
		goto fail;
	if (out_w >= 0 && dup2(out_w, STDOUT_FILENO) < 0)
		goto fail;
	if (err_w >= 0 && dup2(err_w, STDERR_FILENO) < 0)
		goto fail;
	/* Everything above 2 closes at exec, including the report pipe,
	 * whose closing tells the parent that exec succeeded. */
	if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) < 0) {
		long max = sysconf(_SC_OPEN_MAX);

		if (max < 0 || max > 65536)
			max = 65536;
		for (int fd = 3; fd < max; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}

	ce.stage = SPAWN_STAGE_EXEC;
	execve(path, (char *const *)(uintptr_t)argv, envp);
fail:
	ce.err = errno;
	/* Nothing more can be done if this write fails: the parent then
	 * sees a plain exit status 127. */
	if (write(report_w, &ce, sizeof(ce)) != (ssize_t)sizeof(ce))
		ce.err = 0;
	_exit(127);
}

static int spawn_pipe(int fds[2], bool wanted)
{
	fds[0] = fds[1] = -1;
	if (!wanted)
		return 0;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static void close_pair(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	fds[0] = fds[1] = -1;
}

int spawn_start(const char *const argv[], const struct spawn_opts *o,
		struct spawn_proc **out, struct diag *d)
{
	static const struct spawn_opts defaults = SPAWN_OPTS_INIT;
	int out_p[2] = { -1, -1 }, err_p[2] = { -1, -1 }, rep_p[2] = { -1, -1 };
	struct spawn_child_err ce;
	struct spawn_proc *p = NULL;
	char **envp = NULL, *path = NULL;
	int devnull = -1, logfd = -1;
	ssize_t got;
	pid_t parent = getpid();
	int r;

	*out = NULL;
	if (!o)
		o = &defaults;
	if (!argv || !argv[0] || !argv[0][0])
		return diag_set(d, -EINVAL, "cannot run a program without a name");

	p = calloc(1, sizeof(*p));
	if (!p)
		return diag_set(d, -ENOMEM, "cannot run '%s': out of memory", argv[0]);
	p->pid = -1;
	p->pidfd = -1;
	p->out.fd = p->err.fd = -1;
	p->timeout_us = o->timeout_us;
	p->out.max = p->err.max = o->capture_max ? o->capture_max : SPAWN_CAPTURE_DEFAULT;
	p->prog = strdup(argv[0]);
	envp = spawn_env_build(o->env_add);
	if (!p->prog || !envp) {
		r = diag_set(d, -ENOMEM, "cannot run '%s': out of memory", argv[0]);
		goto out;
	}

	r = spawn_resolve(argv[0], &path);
	if (r < 0) {
		r = diag_set(d, r, "cannot run '%s': %s", argv[0], strerror(-r));
		goto out;
	}

	devnull = open(o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		r = diag_set(d, -errno, "cannot run '%s': cannot open '%s': %s", argv[0],
			     o->stdin_path ? o->stdin_path : "/dev/null", strerror(errno));
		goto out;
	}
	if (o->output_file) {
		logfd = open(o->output_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (logfd < 0) {
			r = diag_set(d, -errno, "cannot run '%s': cannot open '%s': %s", argv[0],
				     o->output_file, strerror(errno));
			goto out;
		}
	}
	if ((r = spawn_pipe(out_p, o->capture_stdout && !o->output_file)) < 0 ||
	    (r = spawn_pipe(err_p, o->capture_stderr && !o->output_file)) < 0 ||
	    (r = spawn_pipe(rep_p, true)) < 0) {
		r = diag_set(d, r, "cannot run '%s': cannot create a pipe: %s", argv[0],
			     strerror(-r));
		goto out;
	}

	p->start_us = mtime_now_us();
	p->pid = fork();
	if (p->pid < 0) {
		r = diag_set(d, -errno, "cannot run '%s': fork: %s", argv[0], strerror(errno));
		goto out;
	}
	if (p->pid == 0)
		spawn_child(path, argv, envp, o, parent, devnull, logfd >= 0 ? logfd : out_p[1],
			    logfd >= 0 ? logfd : err_p[1], rep_p[1]);

	/* Also from this side, so the group exists before anyone kills it. */
	setpgid(p->pid, p->pid);
	close(rep_p[1]);
	rep_p[1] = -1;
	do
		got = read(rep_p[0], &ce, sizeof(ce));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(ce)) {
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		p->pid = -1;
		if (ce.stage == SPAWN_STAGE_NETNS)
			r = diag_set(d, -ce.err,
				     "cannot run '%s': cannot enter its network namespace: %s",
				     argv[0], strerror(ce.err));
		else if (ce.stage == SPAWN_STAGE_CWD)
			r = diag_set(d, -ce.err, "cannot run '%s' in '%s': %s", argv[0], o->cwd,
				     strerror(ce.err));
		else
			r = diag_set(d, -ce.err, "cannot run '%s': %s", argv[0],
				     strerror(ce.err));
		goto out;
	}

	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	p->out.fd = TAKE_FD(out_p[0]);
	p->err.fd = TAKE_FD(err_p[0]);
	for (int i = 0; i < 2; i++) {
		int fd = i ? p->err.fd : p->out.fd;

		if (fd >= 0)
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	}
	*out = TAKE_PTR(p);
	r = 0;
out:
	close_pair(out_p);
	close_pair(err_p);
	close_pair(rep_p);
	if (devnull >= 0)
		close(devnull);
	if (logfd >= 0)
		close(logfd);
	free(envp);
	free(path);
	spawn_proc_free(p);
	return r;
}

pid_t spawn_pid(const struct spawn_proc *p)
{
	return p ? p->pid : -1;
}

/* Read what is available; keep at most b->max bytes, drop the rest (the
 * child must never block on a full pipe). Returns false at EOF/error. */
static bool spawn_buf_read(struct spawn_buf *b)
{
	char chunk[16384];

	for (;;) {
		ssize_t n = read(b->fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0) {
			close(b->fd);
			b->fd = -1;
			return false;
		}
		if (b->len < b->max) {
			size_t keep = (size_t)n;
			char *nd;

			if (keep > b->max - b->len)
				keep = b->max - b->len;
			nd = realloc(b->data, b->len + keep + 1);
			if (!nd)
				continue; /* keep reading; the capture stays short */
			b->data = nd;
			memcpy(b->data + b->len, chunk, keep);
			b->len += keep;
			b->data[b->len] = '\0';
		}
	}
}

/* Has the child exited? Leaves it unreaped (a zombie keeps its pid and
 * process group id from being reused while we kill the group). */
static bool spawn_exited(const struct spawn_proc *p)
{
	siginfo_t si = { 0 };

	if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return si.si_pid == p->pid;
}

static void spawn_reap(struct spawn_proc *p, struct spawn_result *r)
{
	struct rusage ru = { 0 };
	int status = 0;

	if (p->pid <= 0)
		return;
	kill(-p->pid, SIGKILL); /* what is left of the group; ESRCH is fine */
	while (wait4(p->pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			status = 0;
			memset(&ru, 0, sizeof(ru));
			break;
		}
	}
	p->pid = -1;
	if (!r)
		return;
	r->cpu_us = (uint64_t)ru.ru_utime.tv_sec * USEC_PER_SEC + (uint64_t)ru.ru_utime.tv_usec +
		    (uint64_t)ru.ru_stime.tv_sec * USEC_PER_SEC + (uint64_t)ru.ru_stime.tv_usec;
	if (WIFSIGNALED(status)) {
		r->signaled = true;
		r->term_signal = WTERMSIG(status);
	} else {
		r->exit_code = WEXITSTATUS(status);
	}
}

/* The leader is gone and its group killed: take what the pipes still
 * hold without waiting for an EOF that a process outside the group (one
 * that called setsid) could hold back forever. */
static void spawn_drain(struct spawn_proc *p)
{
	if (p->out.fd >= 0)
		spawn_buf_read(&p->out);
	if (p->err.fd >= 0)
		spawn_buf_read(&p->err);
}

/* One wait step: block up to timeout_ms for output or the child's exit,
 * keeping the pipes drained. 0, or -errno when poll() fails. */
static int spawn_step(struct spawn_proc *p, int timeout_ms)
{
	struct pollfd pfd[3];
	int n = 0;

	if (p->out.fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = p->out.fd, .events = POLLIN };
	if (p->err.fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = p->err.fd, .events = POLLIN };
	if (p->pidfd >= 0)
		pfd[n++] = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
	if (poll(pfd, (nfds_t)n, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	if (p->out.fd >= 0)
		spawn_buf_read(&p->out);
	if (p->err.fd >= 0)
		spawn_buf_read(&p->err);
	return 0;
}

bool spawn_poll(struct spawn_proc *p, int timeout_ms)
{
	if (!p || spawn_exited(p))
		return true;
	spawn_step(p, timeout_ms);
	return spawn_exited(p);
}

int spawn_wait(struct spawn_proc *p, const volatile int *cancel,
	       struct spawn_result *r, struct diag *d)
{
	uint64_t deadline_us = 0;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!p)
		return diag_set(d, -EINVAL, "no process to wait for");
	if (p->timeout_us)
		deadline_us = p->start_us + p->timeout_us;

	for (;;) {
		int timeout_ms = SPAWN_TICK_MS, pr;
		uint64_t now;

		if (cancel && *cancel) {
			ret = diag_set(d, -EINTR, "'%s' interrupted", p->prog);
			break;
		}
		now = mtime_now_us();
		if (deadline_us && now >= deadline_us) {
			kill(-p->pid, SIGKILL);
			r->timed_out = true;
			break;
		}
		if (spawn_exited(p))
			break;
		if (deadline_us && deadline_us - now < (uint64_t)timeout_ms * USEC_PER_MSEC)
			timeout_ms = (int)((deadline_us - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
		pr = spawn_step(p, timeout_ms);
		if (pr < 0) {
			ret = diag_set(d, pr, "cannot wait for '%s': poll: %s", p->prog, strerror(-pr));
			break;
		}
	}

	spawn_reap(p, r);
	spawn_drain(p);
	r->wall_us = mtime_now_us() - p->start_us;
	r->out = TAKE_PTR(p->out.data);
	r->out_len = p->out.len;
	r->err = TAKE_PTR(p->err.data);
	r->err_len = p->err.len;
	spawn_proc_free(p);
	return ret;
}

void spawn_kill(struct spawn_proc *p)
{
	if (!p)
		return;
	spawn_reap(p, NULL);
	spawn_proc_free(p);
}

int spawn_run(const char *const argv[], const struct spawn_opts *o,
	      struct spawn_result *r, struct diag *d)
{
	struct spawn_proc *p;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = spawn_start(argv, o, &p, d);
	if (ret < 0)
		return ret;
	return spawn_wait(p, NULL, r, d);
}

void spawn_result_release(struct spawn_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	r->out_len = r->err_len = 0;
}

/* Find prog the way execvp() would, but without its fallback of handing
 * a file it cannot execute to /bin/sh. Returns 0 and a malloc'd path,
 * -ENOENT, or -EACCES when only non-executable candidates exist. */
static int spawn_resolve(const char *prog, char **path_out)
{
	char dflt[PATH_MAX], *path_copy = NULL, *save = NULL;
	const char *path;
	int ret = -ENOENT;
	struct stat st;

	*path_out = NULL;
	if (!prog || !prog[0])
		return -ENOENT;
	if (strchr(prog, '/')) {
		if (stat(prog, &st) < 0)
			return -errno;
		if (!S_ISREG(st.st_mode) || access(prog, X_OK) < 0)
			return -EACCES;
		*path_out = strdup(prog);
		return *path_out ? 0 : -ENOMEM;
	}

	path = getenv("PATH");
	if (!path || !path[0]) {
		size_t n = confstr(_CS_PATH, dflt, sizeof(dflt));

		if (!n || n > sizeof(dflt))
			return -ENOENT;
		path = dflt;
	}
	path_copy = strdup(path);
	if (!path_copy)
		return -ENOMEM;
	for (char *dir = strtok_r(path_copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		char full[PATH_MAX];

		if (xsnprintf(full, sizeof(full), "%s/%s", dir[0] ? dir : ".", prog) < 0)
			continue;
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (access(full, X_OK) < 0) {
			ret = -EACCES;
			continue;
		}
		*path_out = strdup(full);
		ret = *path_out ? 0 : -ENOMEM;
		break;
	}
	free(path_copy);
	return ret;
}

char *spawn_which(const char *prog)
{
	char *path;

	return spawn_resolve(prog, &path) < 0 ? NULL : path;
}
