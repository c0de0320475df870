/* progress.c: per-run lines and an overall bar with ETA (see progress.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mtime.h"
#include "progress.h"

void progress_init(struct progress *p, size_t total, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->total = total;
	p->started_us = mtime_now_us();
	p->quiet = quiet;
	p->tty = !quiet && isatty(STDERR_FILENO) && isatty(STDOUT_FILENO);
}

void progress_clear(struct progress *p)
{
	if (p->tty)
		fputs("\r\033[K", stderr);
}

static void bar(struct progress *p, const char *what)
{
	char eta[32] = "--:--";
	unsigned width = 24, filled = p->total ? (unsigned)(width * p->done / p->total) : 0;

	if (!p->tty)
		return;
	if (p->done) {
		uint64_t per = (mtime_now_us() - p->started_us) / p->done;
		uint64_t left_s = per * (p->total - p->done) / USEC_PER_SEC;

		snprintf(eta, sizeof(eta), "%llu:%02llu", (unsigned long long)(left_s / 60),
			 (unsigned long long)(left_s % 60));
	}
	fputs("\r\033[K[", stderr);
	for (unsigned i = 0; i < width; i++)
		fputc(i < filled ? '#' : '.', stderr);
	fprintf(stderr, "] %zu/%zu ETA %s  %s", p->done, p->total, eta, what ? what : "");
	fflush(stderr);
}

void progress_begin(struct progress *p, const char *what)
{
	bar(p, what);
}

void progress_end(struct progress *p, const struct results_run *run)
{
	const struct results_metric *g = results_run_metric(run, "goodput_bps");
	const struct results_metric *e = results_run_metric(run, "efficiency");
	const char *colour = "", *reset = "";

	p->done++;
	if (p->quiet)
		return;
	progress_clear(p);
	if (p->tty) {
		colour = run->status == RESULTS_OK ? "\033[32m" :
			 run->status == RESULTS_SKIPPED ? "\033[33m" : "\033[31m";
		reset = "\033[0m";
	}
	printf("[%*zu/%zu] %s %s rep %d: %s%s%s", (int)snprintf(NULL, 0, "%zu", p->total), p->done,
	       p->total, run->scenario, run->variant_key && run->variant_key[0] ? run->variant_key : "-",
	       run->repetition, colour, results_status_name(run->status), reset);
	if (g)
		printf(" %.2f Mbit/s", g->value / 1e6);
	if (e)
		printf(" efficiency %.3f", e->value);
	printf(" (%.1f s)", (double)(run->finished_at_us - run->started_at_us) / 1e6);
	if (run->reason)
		printf(": %s", run->reason);
	putchar('\n');
	fflush(stdout);
	bar(p, NULL);
}

void progress_on_batch(void *arg, size_t n)
{
	struct progress *p = arg;

	p->total += n;
}

void progress_on_begin(void *arg, const struct plan_job *j)
{
	char what[1400];

	snprintf(what, sizeof(what), "%s %s rep %u", j->s->name, j->v->key, j->rep);
	progress_begin(arg, what);
}

void progress_on_end(void *arg, const struct results_run *run)
{
	progress_end(arg, run);
}

void progress_observe(struct progress *p, struct plan_observer *obs)
{
	*obs = (struct plan_observer){ .batch = progress_on_batch, .run_begin = progress_on_begin,
				       .run_end = progress_on_end, .arg = p };
}
