/*
 * pages_run.c: the charts of one run (pages_int.h), for the scenario
 * pages of a night report and the two sides of a comparison report: per
 * subflow its throughput (stacked), cwnd and smoothed RTT over time when
 * the native engine stored its telemetry, else iperf3's total throughput;
 * the run's events marked on every chart; and the tables of its events
 * under the charts.
 *
 * Two kinds of event, two kinds of mark. The scenario's timed events
 * (a link down or up, new shaping) are few and are what the reader
 * looks for: an orange line each where the runner applied it, labelled
 * from the top with what it did ("path2 down"), and a table of each
 * event's planned and applied time, path, action and shaping.
 *
 * Path-manager events come in bursts (a connection's subflows are set up
 * within milliseconds), and one label per event piles up into an
 * unreadable block at t = 0. Events closer together than 2 % of the time
 * axis are one group: one mark with the group's number at the bottom of
 * the chart, and the table lists what each group holds.
 *
 * It reads the run through results_query and draws through pages_out.c;
 * it computes no statistic.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "pages_int.h"

/* Events closer than this share of the time axis are one mark. */
#define PAGES_EVENT_GROUP_SHARE 0.02

static int pages_run_collect(const struct results_run *r, void *arg)
{
	struct pages_run *run = arg;
	char role = 'c';
	size_t k = 0;

	memcpy(run->uuid, r->uuid, sizeof(run->uuid));
	snprintf(run->variant, sizeof(run->variant), "%s", r->variant_key ? r->variant_key : "");
	if (r->n_intervals) {
		run->iv = malloc(r->n_intervals * sizeof(*run->iv));
		if (!run->iv)
			return -ENOMEM;
		memcpy(run->iv, r->intervals, r->n_intervals * sizeof(*run->iv));
		run->n_iv = r->n_intervals;
	}
	/* the sender's view: acked bytes, cwnd and RTT are the client's */
	if (r->telem.n_subflows && r->telem.subflows[0].role != 'c') {
		role = r->telem.subflows[0].role;
		for (size_t i = 0; i < r->telem.n_subflows; i++)
			if (r->telem.subflows[i].role == 'c')
				role = 'c';
	}
	if (r->telem.n_subflows) {
		run->smp = malloc(r->telem.n_subflows * sizeof(*run->smp));
		if (!run->smp)
			return -ENOMEM;
		for (size_t i = 0; i < r->telem.n_subflows; i++)
			if (r->telem.subflows[i].role == role)
				run->smp[k++] = r->telem.subflows[i];
		run->n_smp = k;
	}
	if (r->telem.n_events) {
		run->ev = malloc(r->telem.n_events * sizeof(*run->ev));
		if (!run->ev)
			return -ENOMEM;
		memcpy(run->ev, r->telem.events, r->telem.n_events * sizeof(*run->ev));
		run->n_ev = r->telem.n_events;
	}
	run->measure_start_us = r->measure_start_us;
	/* a run query loads its timed events (results_timed_events_load()
	 * reads the same rows) */
	if (r->n_timed_events) {
		run->tev = malloc(r->n_timed_events * sizeof(*run->tev));
		if (!run->tev)
			return -ENOMEM;
		memcpy(run->tev, r->timed_events, r->n_timed_events * sizeof(*run->tev));
		run->n_tev = r->n_timed_events;
	}
	return 0;
}

void pages_run_release(struct pages_run *run)
{
	free(run->iv);
	free(run->smp);
	free(run->ev);
	free(run->tev);
	memset(run, 0, sizeof(*run));
}

/* Where the intervals' 0 lies on the run's time line, in s. */
static double pages_iv_offset(const struct pages_run *run)
{
	return run->measure_start_us > 0 ? (double)run->measure_start_us / 1e6 : 0;
}

int pages_run_load(struct results *db, const char *uuid, struct pages_run *run, struct diag *d)
{
	const char *uuids[1] = { uuid };
	struct results_filter flt = { .uuids = uuids, .n_uuids = 1, .with_telemetry = true };
	int r;

	memset(run, 0, sizeof(*run));
	r = results_query(db, &flt, pages_run_collect, run, d);
	if (r < 0) {
		pages_run_release(run);
		return r;
	}
	if (!run->uuid[0])
		return diag_set(d, -ENOENT, "run '%s' is not in the store", uuid);
	return 0;
}

/* Per subflow of the run: throughput (from acked bytes, else the delivery
 * rate), cwnd and smoothed RTT over time. NaN where the kernel did not
 * say. */
struct pages_subflows {
	size_t n;
	uint32_t id[CHART_SERIES_MAX];
	char name[CHART_SERIES_MAX][160];
	double *t[CHART_SERIES_MAX], *thr[CHART_SERIES_MAX], *cwnd[CHART_SERIES_MAX],
		*rtt[CHART_SERIES_MAX];
	size_t len[CHART_SERIES_MAX];
};

static void pages_subflows_release(struct pages_subflows *sf)
{
	for (size_t i = 0; i < sf->n; i++) {
		free(sf->t[i]);
		free(sf->thr[i]);
		free(sf->cwnd[i]);
		free(sf->rtt[i]);
	}
	sf->n = 0;
}

static int pages_subflows_of(const struct pages_run *c, struct pages_subflows *sf)
{
	for (size_t i = 0; i < c->n_smp; i++) {
		const struct telemetry_subflow_sample *x = &c->smp[i];
		size_t k;

		for (k = 0; k < sf->n && sf->id[k] != x->subflow_id; k++)
			;
		if (k == sf->n) {
			if (sf->n == CHART_SERIES_MAX)
				continue;
			sf->id[k] = x->subflow_id;
			snprintf(sf->name[k], sizeof(sf->name[k]), "subflow %" PRIu32 "%s%s%s%s",
				 x->subflow_id, x->local[0] ? " " : "", x->local,
				 x->remote[0] ? " -> " : "", x->remote);
			sf->t[k] = malloc(c->n_smp * sizeof(double));
			sf->thr[k] = malloc(c->n_smp * sizeof(double));
			sf->cwnd[k] = malloc(c->n_smp * sizeof(double));
			sf->rtt[k] = malloc(c->n_smp * sizeof(double));
			sf->n++;
			if (!sf->t[k] || !sf->thr[k] || !sf->cwnd[k] || !sf->rtt[k])
				return -ENOMEM;
		}
	}
	for (size_t k = 0; k < sf->n; k++) {
		const struct telemetry_subflow_sample *prev = NULL;
		size_t n = 0;

		for (size_t i = 0; i < c->n_smp; i++) {
			const struct telemetry_subflow_sample *x = &c->smp[i];
			double thr = NAN;

			if (x->subflow_id != sf->id[k])
				continue;
			if (prev && (x->present & prev->present & TELEM_BYTES_ACKED) &&
			    x->t_us > prev->t_us && x->bytes_acked >= prev->bytes_acked)
				thr = (double)(x->bytes_acked - prev->bytes_acked) * 8 /
				      (double)(x->t_us - prev->t_us); /* bit/µs = Mbit/s */
			else if (x->present & TELEM_DELIVERY_RATE)
				thr = (double)x->delivery_rate_bps / 1e6;
			else if (!prev)
				thr = 0;
			sf->t[k][n] = (double)x->t_us / 1e6;
			sf->thr[k][n] = thr;
			sf->cwnd[k][n] = x->present & TELEM_CWND ? (double)x->cwnd : (double)NAN;
			sf->rtt[k][n] = x->present & TELEM_SRTT ? x->srtt_us / 1e3 : (double)NAN;
			n++;
			prev = x;
		}
		sf->len[k] = n;
	}
	return 0;
}

static int pages_ev_cmp(const void *a, const void *b)
{
	const struct telemetry_pm_event *x = a, *y = b;

	return (x->t_us > y->t_us) - (x->t_us < y->t_us);
}

/* The run's time axis in s: its last sample or interval (0 when empty). */
static double pages_run_span(const struct pages_run *run)
{
	double span = 0;

	for (size_t i = 0; i < run->n_smp; i++)
		span = fmax(span, (double)run->smp[i].t_us / 1e6);
	for (size_t i = 0; i < run->n_iv; i++)
		span = fmax(span, (double)run->iv[i].end_us / 1e6 + pages_iv_offset(run));
	return span;
}

static int pages_tv_cmp(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

void pages_run_extent(const struct pages_run *run, double *y_max, double *x_max)
{
	struct pages_subflows sf = { 0 };
	double y = 0, (*tv)[2] = NULL;
	size_t n = 0;

	*x_max = pages_run_span(run);
	for (size_t i = 0; i < run->n_iv; i++)
		if (isfinite(run->iv[i].bits_per_second))
			y = fmax(y, run->iv[i].bits_per_second / 1e6);
	/* stacked: the sum over the subflows sampled at one instant (the
	 * sampler reads every subflow at the same t) */
	if (run->n_smp && pages_subflows_of(run, &sf) == 0 &&
	    (tv = malloc(run->n_smp * sizeof(*tv)))) {
		for (size_t i = 0; i < sf.n; i++)
			for (size_t k = 0; k < sf.len[i]; k++)
				if (isfinite(sf.thr[i][k])) {
					tv[n][0] = sf.t[i][k];
					tv[n++][1] = sf.thr[i][k];
				}
		qsort(tv, n, sizeof(*tv), pages_tv_cmp);
		for (size_t i = 0; i < n;) {
			double sum = 0, t = tv[i][0];

			for (; i < n && tv[i][0] == t; i++)
				sum += tv[i][1];
			y = fmax(y, sum);
		}
	}
	free(tv);
	pages_subflows_release(&sf);
	*y_max = y;
}

/* The events in groups: group[i] is the group (from 1) of the i-th event
 * in time order; marks one per group, labelled with its number. */
static size_t pages_event_groups(struct telemetry_pm_event *ev, size_t n, double span_s,
				 size_t *group, struct chart_mark *marks,
				 char (*labels)[PAGES_MARK_LABEL], size_t max)
{
	double gap = fmax(span_s, 1e-3) * PAGES_EVENT_GROUP_SHARE;
	double start = 0;
	size_t g = 0;

	qsort(ev, n, sizeof(*ev), pages_ev_cmp);
	for (size_t i = 0; i < n; i++) {
		double t = (double)ev[i].t_us / 1e6;

		if ((g == 0 || t - start > gap) && g < max) {
			start = t;
			g++;
			snprintf(labels[g - 1], PAGES_MARK_LABEL, "%zu", g);
			marks[g - 1] = (struct chart_mark){ t, labels[g - 1], CHART_MARK_PM };
		}
		group[i] = g;
	}
	return g;
}

/* What a timed event did, short, for its mark: "path2 down",
 * "path1 10 Mbit/s". */
static void pages_timed_label(const struct telemetry_timed_event *e, char *buf, size_t size)
{
	if (e->action != TELEM_EV_SHAPING)
		snprintf(buf, size, "%s %s", e->path, telemetry_timed_action_name(e->action));
	else if (e->up.rate_bps && e->down.rate_bps && e->up.rate_bps != e->down.rate_bps)
		snprintf(buf, size, "%s %g/%g Mbit/s", e->path, (double)e->up.rate_bps / 1e6,
			 (double)e->down.rate_bps / 1e6);
	else if (e->up.rate_bps || e->down.rate_bps)
		snprintf(buf, size, "%s %g Mbit/s", e->path,
			 (double)(e->up.rate_bps ? e->up.rate_bps : e->down.rate_bps) / 1e6);
	else
		snprintf(buf, size, "%s shaping", e->path);
}

/* One mark per applied timed event, after the n marks already there;
 * the new count. */
static size_t pages_timed_marks(const struct pages_run *run, struct chart_mark *marks, size_t n,
				char (*labels)[PAGES_MARK_LABEL], size_t max)
{
	for (size_t i = 0; i < run->n_tev && n < max; i++) {
		const struct telemetry_timed_event *e = &run->tev[i];

		if (e->applied_us < 0)
			continue;
		pages_timed_label(e, labels[n], PAGES_MARK_LABEL);
		marks[n] = (struct chart_mark){ (double)e->applied_us / 1e6, labels[n],
						CHART_MARK_EVENT };
		n++;
	}
	return n;
}

/* One direction of a shaping event, in words; "-" when it has none. */
static void pages_shaping_text(FILE *f, const struct telemetry_shaping *s)
{
	const char *sep = "";

	if (!s->rate_bps && !s->delay_us && !s->jitter_us && !(s->loss_pct > 0) &&
	    !(s->reorder_pct > 0)) {
		fputs("unshaped", f);
		return;
	}
	if (s->rate_bps) {
		fprintf(f, "%g Mbit/s", (double)s->rate_bps / 1e6);
		sep = ", ";
	}
	if (s->delay_us) {
		fprintf(f, "%s%g ms delay", sep, (double)s->delay_us / 1e3);
		sep = ", ";
	}
	if (s->jitter_us) {
		fprintf(f, "%s%g ms jitter", sep, (double)s->jitter_us / 1e3);
		sep = ", ";
	}
	if (s->loss_pct > 0) {
		fprintf(f, "%s%g %% loss", sep, s->loss_pct);
		sep = ", ";
	}
	if (s->reorder_pct > 0)
		fprintf(f, "%s%g %% reordered", sep, s->reorder_pct);
}

static void pages_timed_table(FILE *f, const struct pages_run *run)
{
	fputs("<table class=\"events timed\">\n<tr><th>timed event</th><th>planned (s)</th>"
	      "<th>applied (s)</th><th>path</th><th>action</th><th>shaping from then on</th></tr>\n",
	      f);
	for (size_t i = 0; i < run->n_tev; i++) {
		const struct telemetry_timed_event *e = &run->tev[i];
		char label[PAGES_MARK_LABEL];

		pages_timed_label(e, label, sizeof(label));
		fputs("<tr><td>", f);
		html_text(f, label);
		fprintf(f, "</td><td class=\"num\">%.3f</td>", (double)e->planned_us / 1e6);
		if (e->applied_us >= 0)
			fprintf(f, "<td class=\"num\">%.3f</td>", (double)e->applied_us / 1e6);
		else
			fputs("<td class=\"weak\">not applied</td>", f);
		fputs("<td>", f);
		html_text(f, e->path);
		fputs("</td><td>", f);
		html_text(f, telemetry_timed_action_name(e->action));
		fputs("</td><td>", f);
		if (e->action == TELEM_EV_SHAPING) {
			fputs("up: ", f);
			pages_shaping_text(f, &e->up);
			fputs("; down: ", f);
			pages_shaping_text(f, &e->down);
		} else {
			fputs("-", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void pages_events_table(FILE *f, const struct telemetry_pm_event *ev, size_t n,
			       const size_t *group)
{
	size_t g = 0;
	uint64_t first = 0;

	fputs("<table class=\"events\">\n<tr><th>mark</th><th>t (s)</th><th>path-manager events"
	      "</th></tr>\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		if (group[i] != g) {
			if (g)
				fputs("</td></tr>\n", f);
			g = group[i];
			first = ev[i].t_us;
			fprintf(f, "<tr><td class=\"num\">%zu</td><td class=\"num\">%.3f</td><td>", g,
				(double)first / 1e6);
		} else {
			fputs("<br>", f);
		}
		fputs(ev[i].role == 's' ? "server: " : "client: ", f);
		html_text(f, ev[i].type);
		if (ev[i].local[0] || ev[i].remote[0]) {
			fputs(" <code>", f);
			html_text(f, ev[i].local);
			fputs(" &rarr; ", f);
			html_text(f, ev[i].remote);
			fputs("</code>", f);
		}
		if (ev[i].backup)
			fputs(" (backup)", f);
		if (ev[i].error)
			fprintf(f, " error %d", ev[i].error);
		if (ev[i].t_us > first)
			fprintf(f, " <span class=\"note\">+%.1f ms</span>",
				(double)(ev[i].t_us - first) / 1e3);
	}
	if (g)
		fputs("</td></tr>\n", f);
	fputs("</table>\n", f);
}

/* What the marks of a run's charts are, after its chart note. */
static void pages_marks_note(FILE *f, const struct pages_run *run, size_t n_ev)
{
	size_t applied = 0;

	for (size_t i = 0; i < run->n_tev; i++)
		applied += run->tev[i].applied_us >= 0;
	if (applied)
		fprintf(f, " Orange lines: the scenario's %zu timed event%s, where the runner "
			   "applied %s (first table below).", applied, applied == 1 ? "" : "s",
			applied == 1 ? "it" : "them");
	if (n_ev)
		fputs(" Blue dotted marks, numbered at the bottom: the path-manager events, "
		      "grouped as in the last table below.", f);
}

void pages_run_section(struct pages_out *o, FILE *f, const struct pages_run *run,
		       const struct pages_run_charts *rc)
{
	static const struct {
		const char *what, *ylabel, *file;
		enum chart_kind kind;
	} kinds[] = {
		{ "throughput per subflow", "throughput (Mbit/s)", "run-thr", CHART_STACKED },
		{ "cwnd per subflow", "cwnd (segments)", "run-cwnd", CHART_LINES },
		{ "smoothed RTT per subflow", "RTT (ms)", "run-rtt", CHART_LINES },
	};
	struct chart_mark marks[CHART_MARKS_MAX];
	struct chart_series cs[CHART_SERIES_MAX];
	struct pages_subflows sf = { 0 };
	char (*labels)[PAGES_MARK_LABEL] = NULL;
	struct telemetry_pm_event *ev = NULL;
	size_t *group = NULL, nm = 0, n_ev = run->n_ev;
	char base[HTML_SLUG_MAX + 48], title[512];
	double span = pages_run_span(run);
	unsigned w = rc->width_px ? rc->width_px : 800;
	int chart;

	if (n_ev) {
		ev = malloc(n_ev * sizeof(*ev));
		group = malloc(n_ev * sizeof(*group));
		labels = malloc(CHART_MARKS_MAX * sizeof(*labels));
		if (!ev || !group || !labels) {
			n_ev = 0;
		} else {
			memcpy(ev, run->ev, n_ev * sizeof(*ev));
			nm = pages_event_groups(ev, n_ev, span, group, marks, labels,
						CHART_MARKS_MAX);
		}
	}
	if (run->n_tev && (labels || (labels = malloc(CHART_MARKS_MAX * sizeof(*labels)))))
		nm = pages_timed_marks(run, marks, nm, labels, CHART_MARKS_MAX);
	if (run->n_smp) {
		if (pages_subflows_of(run, &sf) < 0) {
			fputs("<p class=\"note\">Out of memory for the per-subflow charts.</p>\n", f);
			goto out;
		}
		for (size_t k = 0; k < (rc->throughput_only ? 1 : ARRAY_SIZE(kinds)); k++) {
			for (size_t i = 0; i < sf.n; i++)
				cs[i] = (struct chart_series){ sf.name[i], sf.t[i],
							       k == 0 ? sf.thr[i] :
							       k == 1 ? sf.cwnd[i] : sf.rtt[i],
							       NULL, NULL, sf.len[i], 0, false };
			snprintf(title, sizeof(title), "%s: %s", rc->title, kinds[k].what);
			snprintf(base, sizeof(base), "charts/%s-%s", kinds[k].file, rc->slug);
			chart = pages_chart(o, &(struct chart_spec){
						    .kind = kinds[k].kind, .title = title,
						    .xlabel = "time (s)", .ylabel = kinds[k].ylabel,
						    .series = cs, .n_series = sf.n, .marks = marks,
						    .n_marks = nm, .width_px = w,
						    .x_max = rc->x_max,
						    .y_max = k == 0 ? rc->y_max : 0 },
					    base);
			pages_figure(f, chart, base, "chart", title);
			fputc('\n', f);
		}
		fprintf(f, "<p class=\"note\">%zu subflows, %zu samples; time from the client's "
			   "start.", sf.n, run->n_smp);
		pages_marks_note(f, run, n_ev);
		fputs("</p>\n", f);
	} else if (run->n_iv) {
		/* each interval a step over its own span, start to end */
		size_t n = 2 * run->n_iv;
		double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));

		if (!x || !y) {
			free(x);
			free(y);
			fputs("<p class=\"note\">Out of memory for the throughput chart.</p>\n", f);
			goto out;
		}
		for (size_t i = 0; i < run->n_iv; i++) {
			x[2 * i] = run->iv[i].start_us / 1e6 + pages_iv_offset(run);
			x[2 * i + 1] = run->iv[i].end_us / 1e6 + pages_iv_offset(run);
			y[2 * i] = y[2 * i + 1] = run->iv[i].bits_per_second / 1e6;
		}
		snprintf(title, sizeof(title), "%s: throughput over time", rc->title);
		snprintf(base, sizeof(base), "charts/run-%s", rc->slug);
		chart = pages_chart(o, &(struct chart_spec){
					    .kind = CHART_STACKED, .title = title, .xlabel = "time (s)",
					    .ylabel = "throughput (Mbit/s)",
					    .series = (struct chart_series[]){ { "total (iperf3 intervals)",
										 x, y, NULL, NULL, n, 0,
										 false } },
					    .n_series = 1, .marks = marks, .n_marks = nm,
					    .width_px = w, .x_max = rc->x_max, .y_max = rc->y_max },
				    base);
		free(x);
		free(y);
		pages_figure(f, chart, base, "chart", title);
		fputs("\n<p class=\"note\">Per-subflow throughput, cwnd and RTT need the lab's own "
		      "per-subflow telemetry (the native engine); this run has iperf3's intervals "
		      "only, drawn as the total throughput, time from the client's start.",
		      f);
		pages_marks_note(f, run, n_ev);
		fputs("</p>\n", f);
	} else {
		fputs("<p class=\"note\">This run stored no interval samples and no per-subflow "
		      "telemetry.</p>\n",
		      f);
	}
	if (run->n_tev)
		pages_timed_table(f, run);
	if (n_ev)
		pages_events_table(f, ev, n_ev, group);
out:
	pages_subflows_release(&sf);
	free(ev);
	free(group);
	free(labels);
}
