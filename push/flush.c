/*
 * flush.c: push_flush(), push_queue_verdicts() and the token of push.h:
 * what the outboxes hold for a URL (runs, then queued points) goes out in
 * batches, and each batch's outcome is recorded in its outbox (delivered,
 * or failed with a backoff).
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

/*
 * One outbox as push_batches() walks it: its due items (runs or points),
 * the body of items [i, i + n), and the outcome recorded (error NULL:
 * delivered).
 */
struct push_outbox {
	size_t n;
	int (*body)(struct results *db, const struct push_outbox *ob, size_t i, size_t n,
		    struct push_batch *b, struct diag *d);
	int (*mark)(struct results *db, const char *url, const struct push_outbox *ob, size_t i,
		    size_t n, uint64_t now_us, const char *error, struct diag *d);
	void (*failed)(void *arg, const char *why, size_t n); /* o's callback, may be NULL */
	const struct results_outbox_pending *runs;
	const struct results_points_pending *points;
};

struct push_counts {
	size_t done, lines, failed, untried;
};

static int push_runs_body(struct results *db, const struct push_outbox *ob, size_t i, size_t n,
			  struct push_batch *b, struct diag *d)
{
	struct results_filter f = { 0 };
	const char **sel;
	int ret;

	sel = calloc(n, sizeof(*sel));
	if (!sel)
		return -ENOMEM;
	for (size_t j = 0; j < n; j++)
		sel[j] = ob->runs->uuids[i + j];
	f.uuids = sel;
	f.n_uuids = n;
	ret = results_query(db, &f, push_on_run, b, d);
	free(sel);
	return ret;
}

static int push_runs_mark(struct results *db, const char *url, const struct push_outbox *ob,
			  size_t i, size_t n, uint64_t now_us, const char *error, struct diag *d)
{
	return error ? results_outbox_mark_failed(db, url, ob->runs->uuids + i, n, now_us, error,
						  d) :
		       results_outbox_mark_pushed(db, url, ob->runs->uuids + i, n, now_us, d);
}

static int push_points_body(struct results *db, const struct push_outbox *ob, size_t i,
			    size_t n, struct push_batch *b, struct diag *d)
{
	int ret = 0;

	(void)db;
	(void)d;
	for (size_t j = i; j < i + n && ret == 0; j++) {
		const char *line = ob->points->points[j].line;

		ret = push_buf_add(&b->body, line, strlen(line));
		if (ret == 0)
			ret = push_buf_add(&b->body, "\n", 1);
		b->lines++;
	}
	return ret;
}

static int push_points_mark(struct results *db, const char *url, const struct push_outbox *ob,
			    size_t i, size_t n, uint64_t now_us, const char *error,
			    struct diag *d)
{
	return error ? results_points_mark_failed(db, url, ob->points->points + i, n, now_us,
						  error, d) :
		       results_points_mark_pushed(db, url, ob->points->points + i, n, now_us, d);
}

/*
 * Send ob's items, o->batch per POST, and record each batch's outcome.
 * 1 when the way to the server failed (or the push was cancelled) and the
 * rest was left untried, 0 when every batch was tried, <0 on an error.
 */
static int push_batches(struct results *db, const struct push_flush_opts *o,
			const struct push_outbox *ob, struct push_counts *t, struct diag *d)
{
	size_t batch = o->batch ? o->batch : PUSH_BATCH_DEFAULT, i, n;
	const char *url = o->http.url;
	int ret = 0;

	for (i = 0; i < ob->n && !push_cancelled(o); i += n) {
		struct push_batch b = { 0 };
		struct diag pd = DIAG_INIT;
		uint64_t now;

		n = ob->n - i < batch ? ob->n - i : batch;
		ret = ob->body(db, ob, i, n, &b, d);
		if (ret < 0) {
			push_buf_release(&b.body);
			return ret;
		}
		if (b.lines)
			ret = push_post(&o->http, b.body.data, b.body.len, &pd);
		push_buf_release(&b.body);
		now = mtime_wall_us();
		if (ret == -EINVAL) /* the URL, not the items: nothing to record */
			return diag_set(d, -EINVAL, "%s", diag_str(&pd));
		if (ret < 0) {
			if (ob->failed)
				ob->failed(o->arg, diag_str(&pd), n);
			t->failed += n;
			ret = ob->mark(db, url, ob, i, n, now, diag_str(&pd), d);
			if (ret < 0)
				return ret;
			if (push_transport_failure(pd.err)) {
				t->untried = ob->n - i - n;
				return 1;
			}
			continue;
		}
		ret = ob->mark(db, url, ob, i, n, now, NULL, d);
		if (ret < 0)
			return ret;
		t->done += n;
		t->lines += b.lines;
	}
	if (push_cancelled(o)) {
		t->untried = ob->n - t->done - t->failed;
		return 1;
	}
	return 0;
}

int push_flush(struct results *db, const struct push_flush_opts *o, struct push_summary *out,
	       struct diag *d)
{
	struct results_outbox_pending runs = { 0 };
	struct results_points_pending points = { 0 };
	struct push_outbox ob_runs = { 0, push_runs_body, push_runs_mark, o->batch_failed, &runs,
				       NULL };
	struct push_outbox ob_points = { 0, push_points_body, push_points_mark, o->points_failed,
					 NULL, &points };
	struct push_counts tr = { 0 }, tp = { 0 };
	uint64_t now = mtime_wall_us();
	int ret;

	memset(out, 0, sizeof(*out));
	ret = push_url_check(o->http.url, d);
	if (ret < 0)
		return ret;
	ret = results_outbox_pending(db, o->http.url, now, o->now, &runs, d);
	if (ret == 0)
		ret = results_points_pending(db, o->http.url, now, o->now, &points, d);
	if (ret < 0)
		goto out;
	ob_runs.n = runs.n;
	ob_points.n = points.n;
	out->waiting = runs.n_waiting;
	out->points_waiting = points.n_waiting;
	if (runs.n || points.n) {
		ret = push_global_init(d);
		if (ret < 0)
			goto out;
		ret = push_batches(db, o, &ob_runs, &tr, d);
		if (ret == 0)
			ret = push_batches(db, o, &ob_points, &tp, d);
		else if (ret > 0) /* the server is out of reach: the points wait too */
			tp.untried = points.n;
		push_global_cleanup();
		if (ret > 0)
			ret = 0;
	}
	out->runs = tr.done;
	out->lines = tr.lines;
	out->failed = tr.failed;
	out->untried = tr.untried;
	out->points = tp.done;
	out->points_failed = tp.failed;
	out->points_untried = tp.untried;
out:
	results_outbox_pending_release(&runs);
	results_points_pending_release(&points);
	return ret;
}

/* ---- queueing verdicts ------------------------------------------------- */

int push_queue_verdicts(struct results *db, const struct push_verdict *v, size_t n,
			struct diag *d)
{
	struct push_buf b = { 0 };
	const char **lines;
	size_t n_lines = 0;
	int ret = 0;

	if (!n)
		return 0;
	lines = calloc(n, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	/* one buffer, then cut into lines: the buffer may move while it grows */
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = push_format_verdict(&b, &v[i], &n_lines);
	for (size_t i = 0, off = 0; ret == 0 && i < n_lines; i++) {
		char *nl = strchr(b.data + off, '\n');

		*nl = '\0';
		lines[i] = b.data + off;
		off = (size_t)(nl - b.data) + 1;
	}
	if (ret == 0)
		ret = results_points_add(db, PUSH_POINT_VERDICT, v[0].at_us, lines, n_lines, d);
	else
		ret = diag_set(d, ret, "cannot format the verdicts: %s", strerror(-ret));
	free(lines);
	push_buf_release(&b);
	return ret;
}
