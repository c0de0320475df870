/*
 * flush.c: push_flush() and the token of push.h: what the outbox holds
 * for a URL goes out in batches, and each batch's outcome is recorded in
 * the outbox (delivered, or failed with a backoff).
 *
 * The token is never taken from argv (ps and shell history show it): a
 * file or the environment.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtime.h"
#include "push.h"

int push_token_read(const char *path, char **out, struct diag *d)
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
	if (!f)
		return diag_set(d, -errno, "cannot read token file '%s': %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n > PUSH_TOKEN_MAX) {
		explicit_bzero(buf, sizeof(buf));
		return diag_set(d, -EINVAL, "cannot use token file '%s': longer than %d bytes", path,
				PUSH_TOKEN_MAX);
	}
	s = buf + strspn(buf, " \t\r\n");
	e = s + strcspn(s, "\r\n");
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	if (!*s)
		return diag_set(d, -EINVAL, "cannot use token file '%s': it is empty", path);
	*out = strdup(s);
	explicit_bzero(buf, sizeof(buf));
	return *out ? 0 : -ENOMEM;
}

void push_token_free(char *token)
{
	if (!token)
		return;
	explicit_bzero(token, strlen(token));
	free(token);
}

struct push_batch {
	struct push_buf body;
	size_t lines;
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

static bool push_cancelled(const struct push_flush_opts *o)
{
	return o->cancel && *o->cancel;
}

static int push_batches(struct results *db, const struct push_flush_opts *o,
			const struct results_outbox_pending *p, struct push_summary *t,
			struct diag *d)
{
	size_t batch = o->batch ? o->batch : PUSH_BATCH_DEFAULT, i, n;
	const char *url = o->http.url;
	int ret = 0;

	for (i = 0; i < p->n && !push_cancelled(o); i += n) {
		const char **sel;
		struct results_filter f = { 0 };
		struct push_batch b = { 0 };
		struct diag pd = DIAG_INIT;
		uint64_t now;

		n = p->n - i < batch ? p->n - i : batch;
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
			ret = push_post(&o->http, b.body.data, b.body.len, &pd);
		push_buf_release(&b.body);
		now = mtime_wall_us();
		if (ret == -EINVAL) /* the URL, not the runs: nothing to record */
			return diag_set(d, -EINVAL, "%s", diag_str(&pd));
		if (ret < 0) {
			if (o->batch_failed)
				o->batch_failed(o->arg, diag_str(&pd), n);
			t->failed += n;
			ret = results_outbox_mark_failed(db, url, p->uuids + i, n, now, diag_str(&pd),
							 d);
			if (ret < 0)
				return ret;
			if (push_transport_failure(pd.err)) {
				t->untried = p->n - i - n;
				break;
			}
			continue;
		}
		ret = results_outbox_mark_pushed(db, url, p->uuids + i, n, now, d);
		if (ret < 0)
			return ret;
		t->runs += n;
		t->lines += b.lines;
	}
	if (push_cancelled(o))
		t->untried = p->n - t->runs - t->failed;
	return 0;
}

int push_flush(struct results *db, const struct push_flush_opts *o, struct push_summary *out,
	       struct diag *d)
{
	struct results_outbox_pending p = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = push_url_check(o->http.url, d);
	if (ret < 0)
		return ret;
	ret = results_outbox_pending(db, o->http.url, mtime_wall_us(), o->now, &p, d);
	if (ret < 0)
		goto out;
	out->waiting = p.n_waiting;
	if (p.n) {
		ret = push_global_init(d);
		if (ret < 0)
			goto out;
		ret = push_batches(db, o, &p, out, d);
		push_global_cleanup();
	}
out:
	results_outbox_pending_release(&p);
	return ret;
}
