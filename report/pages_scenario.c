/*
 * pages_scenario.c: one page per scenario of a report (pages.h): per
 * metric, the nightly median of each variant over time with its 95 % CI
 * band, change points and kernel changes marked; every run of the
 * baseline and of the night as points; the kernels seen; and the newest
 * ok run over time (per subflow when the native engine stored its
 * telemetry, else iperf3's total).
 *
 * It reads the newest run's telemetry from the store and draws through
 * charts.c; it computes no verdict and writes no other page.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pages_int.h"

/* Change points of (scenario, variant, metric) from the trend, as marks. */
static size_t pages_cp_marks(const struct pages *p, const char *scen, const char *metric,
			     struct chart_mark *marks, char (*labels)[PAGES_MARK_LABEL],
			     size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < p->tr.n && n < max; i++) {
		const struct trend_series *t = &p->tr.series[i];

		if (strcmp(t->scenario, scen) || strcmp(t->metric, metric))
			continue;
		for (size_t k = 0; k < t->n_cps && n < max; k++) {
			snprintf(labels[n], sizeof(labels[n]), "change %s %+.1f%%", t->cps[k].label,
				 t->cps[k].change * 100);
			marks[n] = (struct chart_mark){ (double)(t->cps[k].at_us / 1000000),
							labels[n] };
			n++;
		}
	}
	return n;
}

static void pages_trend_chart(struct pages *p, FILE *f, const struct pages_scen *sc,
			      const char *metric)
{
	struct chart_series cs[CHART_SERIES_MAX];
	struct pages_nights nights[CHART_SERIES_MAX];
	struct chart_mark marks[CHART_MARKS_MAX];
	char (*labels)[PAGES_MARK_LABEL] = p->mark_labels;
	char base[HTML_SLUG_MAX + 32], note[DIAG_MSG_MAX], title[256];
	const char *ylabel;
	double scale;
	size_t ns = 0, nm;
	bool ok;

	pages_metric_unit(metric, &ylabel, &scale);
	for (size_t i = 0; i < p->n_series && ns < CHART_SERIES_MAX; i++) {
		struct pages_series *s = &p->series[i];

		if (strcmp(s->scenario, sc->name) || strcmp(s->metric, metric) || !s->n)
			continue;
		if (pages_nights_of(s, p->newest_host, &nights[ns]) < 0)
			continue;
		if (!nights[ns].n) {
			pages_nights_release(&nights[ns]);
			continue;
		}
		for (size_t k = 0; k < nights[ns].n; k++) {
			nights[ns].y[k] *= scale;
			nights[ns].lo[k] *= scale;
			nights[ns].hi[k] *= scale;
		}
		cs[ns] = (struct chart_series){ s->variant[0] ? s->variant : "-", nights[ns].x,
						nights[ns].y, nights[ns].lo, nights[ns].hi,
						nights[ns].n };
		ns++;
	}
	if (!ns)
		return;
	nm = pages_cp_marks(p, sc->name, metric, marks, labels, CHART_MARKS_MAX);
	for (size_t k = 1; k < sc->n_km && nm < CHART_MARKS_MAX; k++)
		marks[nm++] = (struct chart_mark){ (double)(sc->km[k].t_us / 1000000),
						   sc->km[k].release };
	snprintf(title, sizeof(title), "%s: %s per night (median, 95%% CI)", sc->name, metric);
	snprintf(base, sizeof(base), "charts/trend-%s-%s", sc->slug, metric);
	ok = pages_chart(p, &(struct chart_spec){ .kind = CHART_TREND, .title = title,
					         .xlabel = "night", .ylabel = ylabel,
					         .x_is_time = true, .series = cs, .n_series = ns,
					         .marks = marks, .n_marks = nm },
		         base, note, sizeof(note));
	fputs("<h3>", f);
	html_text(f, metric);
	fputs(" over time</h3>\n", f);
	pages_img(f, base, "chart", title, ok, note);
	fprintf(f, "\n<p class=\"note\">Lines: nightly median per variant; band: its 95 %% CI; "
		   "vertical marks: change points and kernel-release changes (%zu).</p>\n", nm);
	for (size_t i = 0; i < ns; i++)
		pages_nights_release(&nights[i]);
}

static void pages_points_chart(struct pages *p, FILE *f, const struct pages_scen *sc,
			       const char *metric)
{
	const char *cats[CHART_SERIES_MAX];
	double *bx = NULL, *by = NULL, *cx = NULL, *cy = NULL;
	size_t nb = 0, nc = 0, ncat = 0, tb = 0, tc = 0;
	char base[HTML_SLUG_MAX + 32], note[DIAG_MSG_MAX], title[256];
	const char *ylabel;
	double scale;
	bool ok;

	pages_metric_unit(metric, &ylabel, &scale);
	for (size_t i = 0; i < p->cmp.n; i++) {
		const struct compare_series *s = &p->cmp.series[i];

		if (PAGES_CS_EQ(s, scenario, sc->name) && PAGES_CS_EQ(s, metric, metric)) {
			tb += s->n_base;
			tc += s->n_cand;
		}
	}
	if (!tb && !tc)
		return;
	bx = malloc(tb * sizeof(double) + 1);
	by = malloc(tb * sizeof(double) + 1);
	cx = malloc(tc * sizeof(double) + 1);
	cy = malloc(tc * sizeof(double) + 1);
	if (!bx || !by || !cx || !cy)
		goto out;
	for (size_t i = 0; i < p->cmp.n && ncat < CHART_SERIES_MAX; i++) {
		const struct compare_series *s = &p->cmp.series[i];

		if (!PAGES_CS_EQ(s, scenario, sc->name) || !PAGES_CS_EQ(s, metric, metric))
			continue;
		for (size_t k = 0; k < s->n_base && s->base_values; k++) {
			bx[nb] = (double)ncat;
			by[nb++] = s->base_values[k] * scale;
		}
		for (size_t k = 0; k < s->n_cand && s->cand_values; k++) {
			cx[nc] = (double)ncat;
			cy[nc++] = s->cand_values[k] * scale;
		}
		cats[ncat++] = s->variant_key[0] ? s->variant_key : "-";
	}
	snprintf(title, sizeof(title), "%s: %s, every run, baseline vs the night", sc->name, metric);
	snprintf(base, sizeof(base), "charts/points-%s-%s", sc->slug, metric);
	ok = pages_chart(p, &(struct chart_spec){
			         .kind = CHART_POINTS, .title = title, .xlabel = "variant",
			         .ylabel = ylabel,
			         .series = (struct chart_series[]){ { "baseline", bx, by, NULL, NULL, nb },
								    { "night", cx, cy, NULL, NULL, nc } },
			         .n_series = 2, .categories = cats, .n_categories = ncat },
		         base, note, sizeof(note));
	fputs("<h3>", f);
	html_text(f, metric);
	fputs(": baseline vs the night</h3>\n", f);
	pages_img(f, base, "chart", title, ok, note);
	fputc('\n', f);
out:
	free(bx);
	free(by);
	free(cx);
	free(cy);
}

struct pages_chosen {
	struct telemetry_interval *iv;
	size_t n;
	struct telemetry_subflow_sample *smp; /* one side's samples (the client's if any) */
	size_t n_smp;
	struct telemetry_pm_event *ev;
	size_t n_ev;
	char variant[256];
};

static int pages_load_chosen(const struct results_run *run, void *arg)
{
	struct pages_chosen *c = arg;
	char role = 'c';
	size_t k = 0;

	snprintf(c->variant, sizeof(c->variant), "%s", run->variant_key ? run->variant_key : "");
	if (run->n_intervals) {
		c->iv = malloc(run->n_intervals * sizeof(*c->iv));
		if (!c->iv)
			return -ENOMEM;
		memcpy(c->iv, run->intervals, run->n_intervals * sizeof(*c->iv));
		c->n = run->n_intervals;
	}
	/* the sender's view: acked bytes, cwnd and RTT are the client's */
	if (run->telem.n_subflows && run->telem.subflows[0].role != 'c') {
		role = run->telem.subflows[0].role;
		for (size_t i = 0; i < run->telem.n_subflows; i++)
			if (run->telem.subflows[i].role == 'c')
				role = 'c';
	}
	if (run->telem.n_subflows) {
		c->smp = malloc(run->telem.n_subflows * sizeof(*c->smp));
		if (!c->smp)
			return -ENOMEM;
		for (size_t i = 0; i < run->telem.n_subflows; i++)
			if (run->telem.subflows[i].role == role)
				c->smp[k++] = run->telem.subflows[i];
		c->n_smp = k;
	}
	if (run->telem.n_events) {
		c->ev = malloc(run->telem.n_events * sizeof(*c->ev));
		if (!c->ev)
			return -ENOMEM;
		memcpy(c->ev, run->telem.events, run->telem.n_events * sizeof(*c->ev));
		c->n_ev = run->telem.n_events;
	}
	return 0;
}

/* Per subflow of the chosen run: throughput (from acked bytes, else the
 * delivery rate), cwnd and smoothed RTT over time. NaN where the kernel
 * did not say. */
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

static int pages_subflows_of(const struct pages_chosen *c, struct pages_subflows *sf)
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

/* The path-manager events as marks on the run's time axis. */
static size_t pages_event_marks(const struct pages_chosen *c, struct chart_mark *marks,
				char (*labels)[PAGES_MARK_LABEL], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_ev && n < max; i++) {
		if (c->ev[i].role != 'c')
			continue;
		snprintf(labels[n], sizeof(labels[n]), "%s", c->ev[i].type);
		marks[n] = (struct chart_mark){ (double)c->ev[i].t_us / 1e6, labels[n] };
		n++;
	}
	return n;
}

static void pages_telemetry_charts(struct pages *p, FILE *f, const struct pages_scen *sc,
				   const struct pages_chosen *ch)
{
	char (*labels)[PAGES_MARK_LABEL] = p->mark_labels;
	struct chart_mark marks[CHART_MARKS_MAX];
	struct chart_series cs[CHART_SERIES_MAX];
	struct pages_subflows sf = { 0 };
	char base[HTML_SLUG_MAX + 32], note[DIAG_MSG_MAX], title[512];
	static const struct {
		const char *what, *ylabel, *file;
		enum chart_kind kind;
	} kinds[] = {
		{ "throughput per subflow", "throughput (Mbit/s)", "run-thr", CHART_STACKED },
		{ "cwnd per subflow", "cwnd (segments)", "run-cwnd", CHART_LINES },
		{ "smoothed RTT per subflow", "RTT (ms)", "run-rtt", CHART_LINES },
	};
	size_t nm;
	bool ok;

	if (pages_subflows_of(ch, &sf) < 0) {
		fputs("<p class=\"note\">Out of memory for the per-subflow charts.</p>\n", f);
		goto out;
	}
	nm = pages_event_marks(ch, marks, labels, CHART_MARKS_MAX);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (size_t i = 0; i < sf.n; i++)
			cs[i] = (struct chart_series){ sf.name[i], sf.t[i],
						       k == 0 ? sf.thr[i] :
						       k == 1 ? sf.cwnd[i] : sf.rtt[i],
						       NULL, NULL, sf.len[i] };
		snprintf(title, sizeof(title), "%s (%s): %s", sc->name,
			 ch->variant[0] ? ch->variant : "-", kinds[k].what);
		snprintf(base, sizeof(base), "charts/%s-%s", kinds[k].file, sc->slug);
		ok = pages_chart(p, &(struct chart_spec){ .kind = kinds[k].kind, .title = title,
						         .xlabel = "time (s)",
						         .ylabel = kinds[k].ylabel, .series = cs,
						         .n_series = sf.n, .marks = marks,
						         .n_marks = nm },
			         base, note, sizeof(note));
		pages_img(f, base, "chart", title, ok, note);
		fputc('\n', f);
	}
	fprintf(f, "<p class=\"note\">%zu subflows, %zu samples; vertical marks: the client's "
		   "path-manager events (%zu). Timed scenario events (link down/up, rate "
		   "changes) are not stored with a run yet.</p>\n",
		sf.n, ch->n_smp, nm);
out:
	pages_subflows_release(&sf);
}

static void pages_run_chart(struct pages *p, struct results *db, FILE *f,
			    const struct pages_scen *sc)
{
	const char *uuids[1] = { sc->newest_uuid };
	struct results_filter flt = { .uuids = uuids, .n_uuids = 1, .with_telemetry = true };
	struct pages_chosen ch = { 0 };
	struct diag d = DIAG_INIT;
	char base[HTML_SLUG_MAX + 32], note[DIAG_MSG_MAX], title[512];
	double *x = NULL, *y = NULL;
	bool ok;

	fputs("<h2>The newest ok run</h2>\n", f);
	if (!sc->newest_uuid[0]) {
		fputs("<p class=\"note\">No ok run of this scenario in the selection.</p>\n", f);
		return;
	}
	fputs("<p>Run <code>", f);
	html_text(f, sc->newest_uuid);
	fputs("</code>.</p>\n", f);
	if (results_query(db, &flt, pages_load_chosen, &ch, &d) < 0) {
		fputs("<p class=\"note\">Cannot read this run: ", f);
		html_text(f, diag_str(&d));
		fputs("</p>\n", f);
		goto out;
	}
	if (ch.n_smp) {
		pages_telemetry_charts(p, f, sc, &ch);
		goto out;
	}
	if (!ch.n) {
		fputs("<p class=\"note\">This run stored no interval samples and no per-subflow "
		      "telemetry.</p>\n",
		      f);
		goto out;
	}
	x = malloc(ch.n * sizeof(double));
	y = malloc(ch.n * sizeof(double));
	if (!x || !y)
		goto out;
	for (size_t i = 0; i < ch.n; i++) {
		x[i] = ch.iv[i].end_us / 1e6;
		y[i] = ch.iv[i].bits_per_second / 1e6;
	}
	snprintf(title, sizeof(title), "%s (%s): throughput over time", sc->name,
		 ch.variant[0] ? ch.variant : "-");
	snprintf(base, sizeof(base), "charts/run-%s", sc->slug);
	ok = pages_chart(p, &(struct chart_spec){
			         .kind = CHART_STACKED, .title = title, .xlabel = "time (s)",
			         .ylabel = "throughput (Mbit/s)",
			         .series = (struct chart_series[]){ { "total (iperf3 intervals)", x, y,
								      NULL, NULL, ch.n } },
			         .n_series = 1 },
		         base, note, sizeof(note));
	pages_img(f, base, "chart", title, ok, note);
	fputs("\n<p class=\"note\">Per-subflow throughput, cwnd and RTT need the lab's own "
	      "per-subflow telemetry (the native engine); this run has iperf3's intervals "
	      "only, drawn as the total throughput. Timed events (link down/up, rate "
	      "changes) are not stored with a run yet, so none is marked.</p>\n",
	      f);
out:
	free(x);
	free(y);
	free(ch.iv);
	free(ch.smp);
	free(ch.ev);
}

int pages_write_scenario(struct pages *p, struct results *db, const struct pages_scen *sc)
{
	char path[PATH_MAX], title[300];
	FILE *f;
	int ret;

	if (xsnprintf(path, sizeof(path), "%s/scenario-%s.html", p->out, sc->slug) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	snprintf(title, sizeof(title), "mptcp-lab: %s", sc->name);
	html_page_begin(f, title);
	fputs("<p><a href=\"index.html\">&larr; all series</a></p>\n<h1>Scenario ", f);
	html_text(f, sc->name);
	fputs("</h1>\n<h2>History</h2>\n", f);
	for (size_t m = 0; m < PAGES_N_METRICS; m++)
		pages_trend_chart(p, f, sc, pages_metrics[m]);
	fputs("<h2>Baseline vs the night</h2>\n", f);
	for (size_t m = 0; m < PAGES_N_METRICS; m++)
		pages_points_chart(p, f, sc, pages_metrics[m]);
	fputs("<h2>Kernels</h2>\n<ul>\n", f);
	for (size_t k = 0; k < sc->n_km; k++) {
		time_t t = (time_t)(sc->km[k].t_us / 1000000);
		struct tm tm;
		char date[32] = "?";

		if (gmtime_r(&t, &tm))
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
		fprintf(f, "<li>%s UTC: <code>", date);
		html_text(f, sc->km[k].release);
		fputs("</code></li>\n", f);
	}
	fputs("</ul>\n", f);
	pages_run_chart(p, db, f, sc);
	html_page_end(f);
	ret = ferror(f) ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}
