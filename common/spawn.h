/*
 * spawn: run external programs (iperf3, gnuplot, qemu, ...) as real
 * processes from an argv array, never through a shell, optionally inside a
 * network namespace, with a watchdog. Output is captured into memory.
 */
#ifndef MPL_SPAWN_H
#define MPL_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

struct spawn_opts {
	int netns_fd;		   /* -1: stay in the caller's namespace */
	const char *cwd;	   /* NULL: the caller's working directory */
	const char *stdin_path;	   /* read as stdin; NULL: /dev/null */
	const char *const *env_add; /* NULL-terminated "KEY=VALUE" added to environ */
	uint64_t timeout_us;	   /* 0: no watchdog */
	size_t capture_max;	   /* bytes kept per stream; 0: 1 MiB */
	bool capture_stdout, capture_stderr; /* else inherited */
	/* Non-NULL: stdout and stderr both appended to this file (created
	 * 0644), for a long program's log; the captures are then off. */
	const char *output_file;
	int nice;		   /* added to the child's niceness (0: as ours) */
};

#define SPAWN_OPTS_INIT { .netns_fd = -1 }

struct spawn_result {
	int exit_code;	  /* valid when !signaled */
	int term_signal;  /* valid when signaled */
	bool signaled;
	bool timed_out;	  /* the watchdog killed it */
	char *out, *err;  /* NUL-terminated captures (may be NULL) */
	size_t out_len, err_len;
	uint64_t wall_us;
	/* CPU time (user + system) the kernel accounted to the process and
	 * the children it reaped, from wait4() */
	uint64_t cpu_us;
};

struct spawn_proc;

/* Start argv[0] (searched in PATH) with argv. The child gets its own
 * process group, PR_SET_PDEATHSIG(SIGKILL), and no fds but 0-2. Errors
 * such as "program not found" are reported here, not as exit code 127. */
int spawn_start(const char *const argv[], const struct spawn_opts *o,
		struct spawn_proc **p, struct diag *d);
/* Wait until the process exits or its watchdog fires (then its whole group
 * gets SIGKILL), collecting output. Frees p. If *cancel becomes non-zero
 * the process group is killed and -EINTR returned (cancel may be NULL). */
int spawn_wait(struct spawn_proc *p, const volatile int *cancel,
	       struct spawn_result *r, struct diag *d);
pid_t spawn_pid(const struct spawn_proc *p);
/* Block up to timeout_ms for the process's exit, collecting its output
 * meanwhile; true once it has exited. Does not reap: spawn_wait() or
 * spawn_kill() still must. For callers that watch something else (a log
 * file, a deadline of their own) between steps. */
bool spawn_poll(struct spawn_proc *p, int timeout_ms);
/* Kill the process group and reap it; frees p. Accepts NULL. */
void spawn_kill(struct spawn_proc *p);

/* spawn_start + spawn_wait. */
int spawn_run(const char *const argv[], const struct spawn_opts *o,
	      struct spawn_result *r, struct diag *d);
void spawn_result_release(struct spawn_result *r);

/* Full path of a program found in PATH, or NULL (caller frees). */
char *spawn_which(const char *prog);

#endif
