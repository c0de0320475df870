/*
 * test_spawn.c: common/spawn.c without privileges: captured output, exit
 * codes, environment additions, a missing program, the watchdog, the
 * cancel flag, capture limits, fd hygiene and the process group.
 *
 * The wall-time bounds below are correctness bounds (a watchdog that does
 * not fire would take 10 s), not performance assertions.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mtime.h"
#include "spawn.h"
#include "check.h"

static void test_echo(void)
{
	const char *argv[] = { "/bin/echo", "hello", "world", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;
	int ret;

	EXPECT(o.netns_fd == -1, "SPAWN_OPTS_INIT must mean 'this namespace'");
	o.capture_stdout = true;
	o.capture_stderr = true;
	ret = spawn_run(argv, &o, &r, &d);
	EXPECT(ret == 0, "ret %d: %s", ret, diag_str(&d));
	EXPECT(!r.signaled && r.exit_code == 0, "exit %d signaled %d", r.exit_code, r.signaled);
	EXPECT(!r.timed_out, "no watchdog was set");
	EXPECT(r.out && r.out_len == 12 && !strcmp(r.out, "hello world\n"), "out '%s' (%zu)",
	      r.out ? r.out : "(null)", r.out_len);
	EXPECT(r.err_len == 0, "stderr '%s'", r.err ? r.err : "");
	spawn_result_release(&r);
}

static void test_exit_codes(void)
{
	const char *t[] = { "true", NULL }, *f[] = { "false", NULL };
	const char *ls[] = { "ls", "/nonexistent/mpl-spawn-test", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;

	EXPECT(spawn_run(t, &o, &r, &d) == 0 && r.exit_code == 0, "true: %d %s", r.exit_code,
	      diag_str(&d));
	spawn_result_release(&r);
	EXPECT(spawn_run(f, &o, &r, &d) == 0 && r.exit_code == 1, "false: %d %s", r.exit_code,
	      diag_str(&d));
	spawn_result_release(&r);

	/* ls reports a missing operand with exit 2 and a message on stderr. */
	o.capture_stderr = true;
	EXPECT(spawn_run(ls, &o, &r, &d) == 0, "ls: %s", diag_str(&d));
	EXPECT(r.exit_code == 2, "ls exit %d", r.exit_code);
	EXPECT(r.err && strstr(r.err, "mpl-spawn-test"), "ls stderr '%s'", r.err ? r.err : "");
	EXPECT(r.out == NULL, "stdout was not captured");
	spawn_result_release(&r);
}

static void test_missing_program(void)
{
	const char *argv[] = { "mpl-no-such-program", "--version", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;
	int ret;

	ret = spawn_run(argv, &o, &r, &d);
	EXPECT(ret == -ENOENT, "ret %d", ret);
	EXPECT(!strcmp(diag_str(&d), "cannot run 'mpl-no-such-program': No such file or directory"),
	      "message '%s'", diag_str(&d));
	spawn_result_release(&r);

	/* A file that is not executable is an error, not a job for /bin/sh
	 * (execvp's fallback). Not executable even for root: no x bit. */
	char tmp[] = "/tmp/mpl-spawn-XXXXXX";
	int fd = mkstemp(tmp);

	EXPECT(fd >= 0 && write(fd, "echo shell\n", 11) == 11 && fchmod(fd, 0644) == 0, "setup");
	close(fd);
	const char *notexec[] = { tmp, NULL };
	diag_clear(&d);
	ret = spawn_run(notexec, &o, &r, &d);
	EXPECT(ret == -EACCES, "not executable: ret %d (%s)", ret, diag_str(&d));
	spawn_result_release(&r);

	/* Executable but no #! line: execve says ENOEXEC; no shell fallback. */
	EXPECT(chmod(tmp, 0755) == 0, "chmod");
	diag_clear(&d);
	o.capture_stdout = true;
	ret = spawn_run(notexec, &o, &r, &d);
	EXPECT(ret == -ENOEXEC, "no #!: ret %d (%s) out '%s'", ret, diag_str(&d),
	      r.out ? r.out : "");
	spawn_result_release(&r);
	unlink(tmp);

	EXPECT(spawn_which("mpl-no-such-program") == NULL, "which finds a missing program");
	char *sh = spawn_which("ls");
	EXPECT(sh && sh[0] == '/' && strstr(sh, "/ls"), "which ls: %s", sh ? sh : "(null)");
	free(sh);
}

static void test_env(void)
{
	const char *argv[] = { "env", NULL };
	const char *add[] = { "MPL_SPAWN_TEST=42", "HOME=/mpl-home", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;

	setenv("HOME", "/original-home", 1);
	o.env_add = add;
	o.capture_stdout = true;
	EXPECT(spawn_run(argv, &o, &r, &d) == 0, "%s", diag_str(&d));
	EXPECT(r.out && strstr(r.out, "MPL_SPAWN_TEST=42\n"), "added variable missing");
	EXPECT(r.out && strstr(r.out, "HOME=/mpl-home\n") && !strstr(r.out, "original-home"),
	      "HOME was not replaced: %s", r.out ? r.out : "");
	EXPECT(r.out && strstr(r.out, "PATH="), "environ not inherited");
	spawn_result_release(&r);
}

static void test_watchdog(void)
{
	const char *argv[] = { "sleep", "10", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;
	uint64_t t0 = mtime_now_us();
	int ret;

	o.timeout_us = 200 * USEC_PER_MSEC;
	ret = spawn_run(argv, &o, &r, &d);
	EXPECT(ret == 0, "ret %d: %s", ret, diag_str(&d));
	EXPECT(r.timed_out, "watchdog did not fire");
	EXPECT(r.signaled && r.term_signal == SIGKILL, "signaled %d sig %d", r.signaled,
	      r.term_signal);
	EXPECT(r.wall_us >= 200 * USEC_PER_MSEC, "killed before the deadline: %llu us",
	      (unsigned long long)r.wall_us);
	EXPECT(mtime_now_us() - t0 < 5 * USEC_PER_SEC, "took %llu us",
	      (unsigned long long)(mtime_now_us() - t0));
	spawn_result_release(&r);
}

/* Not running: no such process, or a zombie. */
static bool pid_dead(pid_t pid)
{
	char path[64], buf[512], *rp;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	return !rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X';
}

/* A background grandchild keeps the stdout pipe open after the program
 * exits: spawn_wait must return when the program exits, not when the
 * grandchild does, and must not leave the grandchild running. */
static void test_grandchild(void)
{
	const char *argv[] = { "sh", "-c", "sleep 10 & echo $!; echo done", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;
	long bg = 0;

	o.capture_stdout = true;
	o.timeout_us = 8 * USEC_PER_SEC;
	EXPECT(spawn_run(argv, &o, &r, &d) == 0, "%s", diag_str(&d));
	EXPECT(!r.timed_out && r.wall_us < 5 * USEC_PER_SEC, "waited for the grandchild: %llu us",
	      (unsigned long long)r.wall_us);
	EXPECT(r.out && strstr(r.out, "done\n"), "output '%s'", r.out ? r.out : "");
	if (r.out)
		bg = strtol(r.out, NULL, 10);
	if (bg > 0) {
		/* SIGKILLed: gone, or a zombie waiting for its new parent. */
		uint64_t until = mtime_now_us() + 2 * USEC_PER_SEC;

		while (!pid_dead((pid_t)bg) && mtime_now_us() < until)
			mtime_sleep_us(10 * USEC_PER_MSEC);
		EXPECT(pid_dead((pid_t)bg), "grandchild %ld still running", bg);
	}
	spawn_result_release(&r);
}

static void test_cancel_and_group(void)
{
	const char *argv[] = { "sleep", "10", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_proc *p = NULL;
	struct spawn_result r;
	struct diag d = DIAG_INIT;
	volatile int cancel = 1;
	uint64_t t0 = mtime_now_us();
	pid_t pid;
	int ret;

	EXPECT(spawn_start(argv, &o, &p, &d) == 0, "%s", diag_str(&d));
	if (!p)
		return;
	pid = spawn_pid(p);
	EXPECT(pid > 0 && getpgid(pid) == pid, "child is not a process group leader");
	ret = spawn_wait(p, &cancel, &r, &d);
	EXPECT(ret == -EINTR, "ret %d", ret);
	EXPECT(!strcmp(diag_str(&d), "'sleep' interrupted"), "message '%s'", diag_str(&d));
	EXPECT(r.signaled && r.term_signal == SIGKILL, "not killed");
	EXPECT(mtime_now_us() - t0 < 5 * USEC_PER_SEC, "cancel took too long");
	spawn_result_release(&r);

	/* spawn_kill on a running process and on NULL. */
	p = NULL;
	EXPECT(spawn_start(argv, &o, &p, &d) == 0, "%s", diag_str(&d));
	pid = spawn_pid(p);
	spawn_kill(p);
	EXPECT(pid > 0 && kill(pid, 0) < 0, "spawn_kill left %d (not reaped?)", (int)pid);
	spawn_kill(NULL);
}

static void test_capture_limit(void)
{
	const char *argv[] = { "head", "-c", "300000", "/dev/zero", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;

	o.capture_stdout = true;
	o.capture_max = 100;
	EXPECT(spawn_run(argv, &o, &r, &d) == 0, "%s", diag_str(&d));
	/* The child was not blocked by a full pipe and exited normally. */
	EXPECT(!r.signaled && r.exit_code == 0, "exit %d", r.exit_code);
	EXPECT(r.out_len == 100, "kept %zu bytes", r.out_len);
	spawn_result_release(&r);
}

/* Only 0-2 reach the child, even when the parent leaks an fd without
 * O_CLOEXEC. */
static void test_fds(void)
{
	const char *argv[] = { "ls", "/proc/self/fd", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;
	int leak = open("/dev/null", O_RDONLY);

	EXPECT(leak >= 0 && dup2(leak, 47) == 47, "setup");
	o.capture_stdout = true;
	EXPECT(spawn_run(argv, &o, &r, &d) == 0, "%s", diag_str(&d));
	/* ls itself opens one fd (3) for the directory it lists. */
	EXPECT(r.out && !strcmp(r.out, "0\n1\n2\n3\n"), "fds in the child: '%s'",
	      r.out ? r.out : "");
	spawn_result_release(&r);
	close(47);
	close(leak);
}

/* output_file: stdout and stderr both appended, in the order written, to a
 * file that is not truncated; no capture; the niceness added. */
static void test_output_file(void)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; echo out2; cut -d' ' -f19 /proc/self/stat",
			       NULL };
	char path[] = "/tmp/mpl-spawn-log-XXXXXX", buf[256] = "", want[64];
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;
	int fd = mkstemp(path), prio = nice(0);
	ssize_t n;

	EXPECT(fd >= 0 && write(fd, "before\n", 7) == 7, "setup");
	o.output_file = path;
	o.capture_stdout = o.capture_stderr = true; /* ignored: the file wins */
	o.nice = 3;
	EXPECT(spawn_run(argv, &o, &r, &d) == 0 && r.exit_code == 0, "%s", diag_str(&d));
	EXPECT(!r.out_len && !r.err_len, "nothing captured: '%s' '%s'", r.out ? r.out : "",
	       r.err ? r.err : "");
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "before\nout\nerr\nout2\n%d\n", prio + 3 > 19 ? 19 : prio + 3);
	EXPECT(!strcmp(buf, want), "the file holds '%s', expected '%s'", buf, want);
	spawn_result_release(&r);
	close(fd);
	unlink(path);

	o.output_file = "/nonexistent-dir/log";
	EXPECT(spawn_run(argv, &o, &r, &d) == -ENOENT && strstr(diag_str(&d), "/nonexistent-dir/log"),
	       "an unopenable log is spawn's error: %s", diag_str(&d));
	spawn_result_release(&r);
}

/* Ignored signals survive exec; the child must start with none. */
static void test_signals(void)
{
	const char *argv[] = { "cat", "/proc/self/status", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r;
	struct diag d = DIAG_INIT;

	o.capture_stdout = true;
	EXPECT(spawn_run(argv, &o, &r, &d) == 0, "%s", diag_str(&d));
	EXPECT(r.out && strstr(r.out, "\nSigIgn:\t0000000000000000\n"), "child ignores signals");
	spawn_result_release(&r);
}

int main(void)
{
	/* The runner ignores SIGPIPE; children must not inherit that. */
	signal(SIGPIPE, SIG_IGN);

	test_echo();
	test_exit_codes();
	test_missing_program();
	test_env();
	test_watchdog();
	test_grandchild();
	test_cancel_and_group();
	test_capture_limit();
	test_fds();
	test_output_file();
	test_signals();
	return check_expect_done("test_spawn: all checks passed");
}
