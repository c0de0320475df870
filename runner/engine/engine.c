/*
 * engine.c: the table of traffic engines and what they share.
 *
 * Adding an engine: write engine_<name>.c exporting a struct engine_ops,
 * declare it in engine.h and list it below. Nothing here runs traffic.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "mtime.h"

const struct engine_ops *const engine_table[] = {
	&engine_iperf3,
	&engine_native,
	NULL,
};

const struct engine_ops *engine_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; engine_table[i]; i++)
		if (!strcmp(engine_table[i]->name, name))
			return engine_table[i];
	return NULL;
}

const char *engine_direction_name(enum engine_direction dir)
{
	switch (dir) {
	case ENGINE_UPLOAD:
		return "upload";
	case ENGINE_DOWNLOAD:
		return "download";
	case ENGINE_BOTH:
		return "both";
	}
	return "?";
}

void engine_result_release(struct engine_result *res)
{
	if (!res)
		return;
	free(res->intervals);
	res->intervals = NULL;
	res->n_intervals = 0;
	telemetry_release(&res->telem);
}

int engine_result_invalid(struct engine_result *res, const char *fmt, ...)
{
	va_list ap;

	res->valid = false;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	return 0;
}

int engine_hooks_step(const struct engine_hooks *h, uint64_t start_us, uint64_t *next_tick_us,
		      uint64_t period_us, const char *what, struct diag *d)
{
	uint64_t now_us;
	int r;

	if (h && h->cancel && *h->cancel)
		return diag_set(d, -EINTR, "%s interrupted", what);
	now_us = mtime_now_us();
	if (now_us < *next_tick_us)
		return 0;
	*next_tick_us = now_us + period_us;
	if (h && h->tick && (r = h->tick(now_us - start_us, h->arg)) < 0)
		return diag_set(d, r, "%s aborted by its tick hook: %s", what, strerror(-r));
	return 0;
}

int engine_proc_pidfd(pid_t pid)
{
	return pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
}

bool engine_proc_exited(pid_t pid)
{
	siginfo_t si = { 0 };

	if (pid <= 0)
		return true;
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return si.si_pid == pid;
}
