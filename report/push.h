/*
 * push.h: runs as InfluxDB line protocol, sent over HTTP(S) (libcurl).
 *
 * One line per run:
 *
 *   mptcp_lab,host=H,kernel=K,scenario=S,<axis>=<value>...,status=ok \
 *       goodput_bps=7.5e+07,efficiency=0.97 <started_at in ns>
 *
 * Tags: host (hostname), kernel (release), scenario, one tag per variant
 * axis (from variant_key; names reduced to [A-Za-z0-9_], an axis named
 * like a fixed tag gets a "variant_" prefix) and status; empty values are
 * left out, as the protocol wants. Fields: every finite metric of the run;
 * a run without one has no line. InfluxDB 1.x/2.x, VictoriaMetrics and
 * Telegraf all read this.
 *
 * libcurl is linked PRIVATE to mpl_report and used only in push.c.
 * Nothing here touches the outbox (results/outbox.c) nor prints.
 */
#ifndef MPL_PUSH_H
#define MPL_PUSH_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "results.h"

#define PUSH_MEASUREMENT "mptcp_lab"
#define PUSH_TOKEN_ENV "MPTCP_LAB_PUSH_TOKEN"
#define PUSH_CONNECT_TIMEOUT_MS_DEFAULT 5000
#define PUSH_TIMEOUT_MS_DEFAULT 30000

/* A growing text buffer for the request body. */
struct push_buf {
	char *data;
	size_t len, cap;
};
void push_buf_release(struct push_buf *b);

/* Append the run's line (if it has a finite metric); *lines += 1 then. */
int push_format_run(struct push_buf *b, const struct results_run *run, size_t *lines);

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

#endif
