/*
 * push.h: runs and verdicts as InfluxDB line protocol, sent over HTTP(S)
 * (libcurl).
 *
 * One line per run:
 *
 *   mptcp_lab,cc=bbr,host=H,kernel=K,scenario=S,status=ok,variant=cc\=bbr \
 *       goodput_bps=7.5e+07,efficiency=0.97,run=1 <started_at in ns>
 *
 * Tags: host (hostname), kernel (release), scenario, variant (the whole
 * variant key), one tag per variant axis (names reduced to [A-Za-z0-9_];
 * an axis named like a fixed tag of either measurement gets a "variant_"
 * prefix) and status; empty values are left out, as the protocol wants.
 * Fields: every finite metric of the run, and run=1 so that every run
 * counts, one without a figure too. InfluxDB 1.x/2.x, VictoriaMetrics and
 * Telegraf all read this.
 *
 * One line per verdict of the nightly job on a series:
 *
 *   mptcp_lab_verdict,cc=bbr,check=compare,host=H,kernel=K,metric=goodput_bps,
 *       scenario=S,variant=cc\=bbr,verdict=regression change=-0.031,ci_lo=-0.04,
 *       ci_hi=-0.022,p=0.0004,p_adjusted=0.0012,floor=0.01,median_baseline=...,
 *       median_candidate=...,n_baseline=28,n_candidate=6 <when it was given, ns>
 *
 * change, ci_lo and ci_hi are relative (median ratio - 1 and its CI);
 * fields that are not finite are left out.
 *
 * The module: line.c formats, client.c POSTs (libcurl, linked PRIVATE to
 * mpl_push and used nowhere else), flush.c sends what the store's outboxes
 * (results/outbox.c) say is not yet delivered and records the outcome,
 * and queues the verdicts as points. Nothing here prints.
 */
#ifndef MPL_PUSH_H
#define MPL_PUSH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "results.h"

#define PUSH_MEASUREMENT "mptcp_lab"
#define PUSH_VERDICT_MEASUREMENT "mptcp_lab_verdict"
#define PUSH_RUN_FIELD "run" /* 1 on every run's line */
#define PUSH_POINT_VERDICT "verdict" /* the kind of a queued verdict point */
#define PUSH_TOKEN_ENV "MPTCP_LAB_PUSH_TOKEN"
#define PUSH_CONNECT_TIMEOUT_MS_DEFAULT 5000
#define PUSH_TIMEOUT_MS_DEFAULT 30000
#define PUSH_BATCH_DEFAULT 500
#define PUSH_TOKEN_MAX 4096

/* A growing text buffer for the request body. */
struct push_buf {
	char *data;
	size_t len, cap;
};
void push_buf_release(struct push_buf *b);
/* Append s[0..n); 0 or -ENOMEM. */
int push_buf_add(struct push_buf *b, const char *s, size_t n);

/* Append the run's line (if it has a finite metric); *lines += 1 then. */
int push_format_run(struct push_buf *b, const struct results_run *run, size_t *lines);

/* One verdict on one series, as the nightly job gives it. */
struct push_verdict {
	const char *host, *kernel; /* kernel NULL or "": left out */
	const char *scenario, *variant_key, *metric;
	const char *verdict; /* compare_verdict_name(): "regression", ... */
	const char *check;   /* "compare" (tonight against the history), "trend" */
	double change, ci_lo, ci_hi; /* relative: median ratio - 1, its 95 % CI */
	double p, p_adjusted, floor;
	double median_baseline, median_candidate;
	size_t n_baseline, n_candidate;
	uint64_t at_us;
};

/* Append the verdict's line; *lines += 1. */
int push_format_verdict(struct push_buf *b, const struct push_verdict *v, size_t *lines);

/*
 * Queue the verdicts as points of db's outbox (results_points_add, one
 * transaction), so that every later push to any URL sends them, with the
 * retries the runs get. 0, or a negative errno with d set.
 */
int push_queue_verdicts(struct results *db, const struct push_verdict *v, size_t n,
			struct diag *d);

struct push_opts {
	const char *url;
	/* "Token x" and "Bearer x" are sent as they are, a bare token as
	 * "Token <token>" (InfluxDB 2); NULL: no Authorization */
	const char *token;
	bool insecure; /* no TLS peer/host verification */
	long connect_timeout_ms, timeout_ms; /* 0: the defaults above */
};

/* -EINVAL (reason in d) when libcurl cannot parse url as http(s). */
int push_url_check(const char *url, struct diag *d);

/* Once per process, before the first push_post(). */
int push_global_init(struct diag *d);
void push_global_cleanup(void);

/*
 * POST body to o->url. 0 on a 2xx answer; otherwise a negative errno and
 * the reason in d: -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH (cannot
 * resolve), -EPROTO (TLS), -EINVAL (bad URL), -EACCES (401/403),
 * -EBADMSG (400, the server rejected the lines), -ENOENT (404),
 * -EMSGSIZE (413), -EAGAIN (429, 5xx), -EIO otherwise.
 */
int push_post(const struct push_opts *o, const char *body, size_t len, struct diag *d);

/*
 * The token for --token-file PATH (its first line, surrounding blanks
 * stripped), or with path NULL from $MPTCP_LAB_PUSH_TOKEN; *out is NULL
 * when neither gives one. 0, -ENOMEM, or a negative errno with the reason
 * in d (unreadable, empty or too long a file). Free with push_token_free.
 */
int push_token_read(const char *path, char **out, struct diag *d);
void push_token_free(char *token);

struct push_flush_opts {
	struct push_opts http;
	size_t batch;	/* runs per POST; 0: PUSH_BATCH_DEFAULT */
	bool now;	/* also the runs still waiting for their backoff */
	const volatile sig_atomic_t *cancel; /* may be NULL */
	/* A batch that failed: its runs stay in the outbox. May be NULL. */
	void (*batch_failed)(void *arg, const char *why, size_t runs);
	/* The same for a batch of queued points (verdicts). May be NULL. */
	void (*points_failed)(void *arg, const char *why, size_t points);
	void *arg;
};

struct push_summary {
	size_t runs, lines;	/* delivered */
	size_t failed, untried;	/* kept in the outbox for the next push */
	size_t waiting;		/* skipped: their backoff has not expired */
	/* the same for the queued points (verdicts) */
	size_t points, points_failed, points_untried, points_waiting;
};

/*
 * Send the runs of db that o->http.url has not yet received, oldest
 * first, o->batch per POST, then the queued points (verdicts) the same
 * way. A batch is marked delivered only after a 2xx
 * answer; a failed one is kept with one more attempt and a backoff, and
 * after a failure of the way to the server (timeout, refused, TLS, auth)
 * the remaining batches are left untried. Returns 0 with *out filled
 * (whatever was delivered), -EINVAL when the URL is rejected (nothing
 * recorded), or another negative errno for a database failure; d says
 * why.
 */
int push_flush(struct results *db, const struct push_flush_opts *o, struct push_summary *out,
	       struct diag *d);

#endif
