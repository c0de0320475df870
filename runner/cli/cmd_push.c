/*
 * cmd_push.c: `mptcp-lab push [--db PATH] --url URL [--token-file F]
 * [--insecure] [--batch N] [--now] [--connect-timeout MS] [--timeout MS]`.
 *
 * Sends the runs not yet delivered to URL (the outbox, results/outbox.c)
 * as InfluxDB line protocol (report/push.c), N runs per POST, oldest
 * first. A batch is marked delivered only after a 2xx answer; a failed
 * batch is kept with one more attempt and a backoff, and runs still in
 * their backoff are skipped unless --now. After a transport failure
 * (timeout, refused, TLS, auth) the remaining batches are left untried:
 * the next push starts with them.
 *
 * The token comes from --token-file or $MPTCP_LAB_PUSH_TOKEN, never from
 * argv (visible in ps and shell history).
 *
 * Exit: 0 everything delivered, 1 some runs kept for later (failed, not
 * tried, or waiting for their backoff), 64 usage, 65 bad input (token
 * file, a URL libcurl rejects as malformed), 70 database or internal
 * errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "exitcodes.h"
#include "push.h"
#include "results.h"

#define PUSH_BATCH_DEFAULT 500
#define PUSH_TOKEN_MAX 4096

struct push_args {
	const char *db, *url, *token_file;
	struct push_opts opts;
	size_t batch;
	bool now;
};

static uint64_t push_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int parse_count(const char *opt, const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		say_error("invalid %s '%s': expected 1-%ld", opt, s, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct push_args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "url", required_argument, NULL, 'u' },
		{ "token-file", required_argument, NULL, 'f' },
		{ "token", required_argument, NULL, 'T' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "batch", required_argument, NULL, 'b' },
		{ "now", no_argument, NULL, 'n' },
		{ "connect-timeout", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{},
	};
	long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case 'u':
			a->url = optarg;
			break;
		case 'f':
			a->token_file = optarg;
			break;
		case 'T':
			say_error("a token is never taken from the command line (ps and shell history "
				  "show it): use --token-file or $" PUSH_TOKEN_ENV);
			return EXIT_USAGE;
		case 'k':
			a->opts.insecure = true;
			break;
		case 'n':
			a->now = true;
			break;
		case 'b':
			if (parse_count("--batch", optarg, 100000, &v) < 0)
				return EXIT_USAGE;
			a->batch = (size_t)v;
			break;
		case 'c':
			if (parse_count("--connect-timeout", optarg, 600000, &v) < 0)
				return EXIT_USAGE;
			a->opts.connect_timeout_ms = v;
			break;
		case 't':
			if (parse_count("--timeout", optarg, 3600000, &v) < 0)
				return EXIT_USAGE;
			a->opts.timeout_ms = v;
			break;
		default:
			return usage_of(argv[0]);
		}
	}
	if (optind < argc) {
		say_error("unexpected argument '%s'", argv[optind]);
		return usage_of(argv[0]);
	}
	if (!a->url || (strncmp(a->url, "http://", 7) && strncmp(a->url, "https://", 8))) {
		say_error("'push' needs --url http://... or https://...");
		return usage_of(argv[0]);
	}
	a->opts.url = a->url;
	return 0;
}

/* The token from the file (first line, surrounding blanks stripped) or
 * the environment; NULL when neither is given. */
static int push_read_token(const char *path, char **out)
{
	char buf[PUSH_TOKEN_MAX + 2], *s, *e;
	FILE *f;
	size_t n;

	*out = NULL;
	if (!path) {
		s = getenv(PUSH_TOKEN_ENV);
		if (s && *s && !(*out = strdup(s)))
			return -ENOMEM;
		return 0;
	}
	f = fopen(path, "re");
	if (!f) {
		say_error("cannot read token file '%s': %s", path, strerror(errno));
		return -errno;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n > PUSH_TOKEN_MAX) {
		say_error("cannot use token file '%s': longer than %d bytes", path, PUSH_TOKEN_MAX);
		return -EINVAL;
	}
	s = buf + strspn(buf, " \t\r\n");
	e = s + strcspn(s, "\r\n");
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	if (!*s) {
		say_error("cannot use token file '%s': it is empty", path);
		return -EINVAL;
	}
	*out = strdup(s);
	explicit_bzero(buf, sizeof(buf));
	return *out ? 0 : -ENOMEM;
}

struct push_batch {
	struct push_buf body;
	size_t lines;
	int err;
};

static int push_on_run(const struct results_run *run, void *arg)
{
	struct push_batch *b = arg;

	return push_format_run(&b->body, run, &b->lines);
}

/* A failure of the way to the server, not of this batch's lines: the
 * remaining batches would fail the same way. */
static bool push_transport_failure(int err)
{
	return err != -EBADMSG && err != -EMSGSIZE;
}

struct push_totals {
	size_t runs, lines, failed, untried;
};

static int push_batches(struct results *db, struct push_args *a,
			struct results_outbox_pending *p, struct push_totals *t, struct diag *d)
{
	size_t i, n;
	int ret = 0;

	for (i = 0; i < p->n && !mpl_interrupted; i += n) {
		const char **sel;
		struct results_filter f = { 0 };
		struct push_batch b = { 0 };
		struct diag pd = DIAG_INIT;
		uint64_t now;

		n = p->n - i < a->batch ? p->n - i : a->batch;
		sel = calloc(n, sizeof(*sel));
		if (!sel)
			return -ENOMEM;
		for (size_t j = 0; j < n; j++)
			sel[j] = p->uuids[i + j];
		f.uuids = sel;
		f.n_uuids = n;
		ret = results_query(db, &f, push_on_run, &b, d);
		free(sel);
		if (ret < 0) {
			push_buf_release(&b.body);
			return ret;
		}
		if (b.lines)
			ret = push_post(&a->opts, b.body.data, b.body.len, &pd);
		push_buf_release(&b.body);
		now = push_now_us();
		if (ret == -EINVAL) {
			/* the URL, not the runs: nothing to record */
			return diag_set(d, -EINVAL, "%s", diag_str(&pd));
		}
		if (ret < 0) {
			say_error("%s; %zu run%s kept in the outbox", diag_str(&pd), n,
				  n == 1 ? "" : "s");
			t->failed += n;
			ret = results_outbox_mark_failed(db, a->url, p->uuids + i, n, now,
							 diag_str(&pd), d);
			if (ret < 0)
				return ret;
			if (push_transport_failure(pd.err)) {
				t->untried = p->n - i - n;
				break;
			}
			continue;
		}
		ret = results_outbox_mark_pushed(db, a->url, p->uuids + i, n, now, d);
		if (ret < 0)
			return ret;
		t->runs += n;
		t->lines += b.lines;
	}
	if (mpl_interrupted)
		t->untried = p->n - t->runs - t->failed;
	return 0;
}

int cmd_push(int argc, char **argv)
{
	struct push_args a = { .batch = PUSH_BATCH_DEFAULT };
	struct results_outbox_pending p = { 0 };
	struct push_totals t = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	char *token = NULL;
	bool curl_ready = false;
	int ret, rc;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	ret = push_read_token(a.token_file, &token);
	if (ret < 0)
		return ret == -ENOMEM ? EXIT_SOFTWARE : EXIT_DATAERR;
	a.opts.token = token;
	ret = push_url_check(a.url, &d);
	if (ret < 0)
		goto out;
	ret = results_open(a.db, &db, &d);
	if (ret < 0)
		goto out;
	ret = results_outbox_pending(db, a.url, push_now_us(), a.now, &p, &d);
	if (ret < 0)
		goto out;
	if (p.n) {
		ret = push_global_init(&d);
		if (ret < 0)
			goto out;
		curl_ready = true;
		ret = push_batches(db, &a, &p, &t, &d);
		if (ret < 0)
			goto out;
	}
	printf("pushed %zu run%s (%zu line%s) to '%s'", t.runs, t.runs == 1 ? "" : "s", t.lines,
	       t.lines == 1 ? "" : "s", a.url);
	if (t.failed || t.untried)
		printf("; %zu failed, %zu not tried, kept in the outbox", t.failed, t.untried);
	if (p.n_waiting)
		printf("; %zu waiting for their next attempt (--now to push them anyway)",
		       p.n_waiting);
	printf("\n");
out:
	if (ret < 0) {
		if (d.err)
			say_error("%s", diag_str(&d));
		rc = ret == -EINVAL ? EXIT_DATAERR : EXIT_SOFTWARE;
	} else {
		rc = t.failed || t.untried || p.n_waiting ? EXIT_FAIL : EXIT_OK;
	}
	results_outbox_pending_release(&p);
	results_close(db);
	if (curl_ready)
		push_global_cleanup();
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	return rc;
}
