/*
 * nightly_judge.c: nightly_judge() of nightly.h - tonight's runs against
 * each series' current regime, the trend over the host's history, and
 * which regressions are new and which are known (the rules are in
 * nightly.h).
 *
 *	trend over the nights before tonight  -> each series' regime start
 *	regressions of this host (the store)  -> placed by its change points,
 *	                                         held out while being confirmed
 *	report_compare(keep = the regime)      -> tonight's verdicts
 *	trend over the history with tonight    -> change points (stored), the
 *	                                         newest regimes' verdicts
 *	match each regression with a record   -> new (recorded) or known
 *
 * It prints nothing and runs nothing: nightly_run() calls it after the
 * suite ran, and a test or a benchmark can call it on stored runs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "changepoints.h"
#include "nightly.h"

#define NIGHTLY_DAY_US (86400ULL * 1000000ULL)

const char *nightly_state_name(enum nightly_state s)
{
	return s == NIGHTLY_ACKED ? "acknowledged" : s == NIGHTLY_KNOWN ? "known" : "new";
}

static uint64_t night_of(uint64_t us)
{
	return us / NIGHTLY_DAY_US * NIGHTLY_DAY_US;
}

static void night_label(uint64_t us, char *buf, size_t size)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d", &tm))
		snprintf(buf, size, "?");
}

/* A regression of this host, as recorded (strings copied). */
struct record {
	int64_t id;
	char scenario[64], variant_key[256], metric[48];
	uint64_t since_us, first_us, acked_us;
	char since[16], first[16];
	char kernel_before[64], kernel_after[64];
	char note[256];
	double change, median_before, median_after;
	bool added, dirty, seen;
};

struct judge {
	struct results *db;
	const struct nightly_judge_opts *o;
	struct nightly_judgement *j;
	unsigned nights;
	size_t min_size;
	struct trend_result hist; /* the nights before tonight */
	struct record *recs;
	size_t n_recs, cap_recs;
	/* each baseline's regime start (0: none), beside j->bases */
	uint64_t *regime_us;
};

static bool same_series(const char *s1, const char *v1, const char *m1, const char *s2,
			const char *v2, const char *m2)
{
	return !strcmp(m1, m2) && !strcmp(s1, s2) && !strcmp(v1, v2);
}

static struct record *record_new(struct judge *g)
{
	if (g->n_recs == g->cap_recs) {
		size_t cap = g->cap_recs ? 2 * g->cap_recs : 16;
		struct record *grown = realloc(g->recs, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		g->recs = grown;
		g->cap_recs = cap;
	}
	memset(&g->recs[g->n_recs], 0, sizeof(g->recs[0]));
	return &g->recs[g->n_recs++];
}

static int record_load(const struct results_regression *r, void *arg)
{
	struct judge *g = arg;
	struct record *c = record_new(g);

	if (!c)
		return -ENOMEM;
	c->id = r->id;
	snprintf(c->scenario, sizeof(c->scenario), "%s", r->scenario);
	snprintf(c->variant_key, sizeof(c->variant_key), "%s", r->variant_key);
	snprintf(c->metric, sizeof(c->metric), "%s", r->metric);
	c->since_us = r->since_us;
	c->first_us = r->first_reported_us;
	c->acked_us = r->acked_at_us;
	snprintf(c->since, sizeof(c->since), "%s", r->since_label);
	night_label(r->first_reported_us, c->first, sizeof(c->first));
	snprintf(c->kernel_before, sizeof(c->kernel_before), "%s",
		 r->kernel_before ? r->kernel_before : "");
	snprintf(c->kernel_after, sizeof(c->kernel_after), "%s",
		 r->kernel_after ? r->kernel_after : "");
	snprintf(c->note, sizeof(c->note), "%s", r->ack_note ? r->ack_note : "");
	c->change = r->change;
	c->median_before = r->median_before;
	c->median_after = r->median_after;
	return 0;
}

/* The newest record of a series that began after after_us. */
static struct record *record_find(struct judge *g, const char *scenario, const char *variant_key,
				  const char *metric, uint64_t after_us)
{
	struct record *best = NULL;

	for (size_t i = 0; i < g->n_recs; i++) {
		struct record *c = &g->recs[i];

		if (c->since_us > after_us &&
		    same_series(c->scenario, c->variant_key, c->metric, scenario, variant_key, metric) &&
		    (!best || c->since_us > best->since_us))
			best = c;
	}
	return best;
}

static bool worse(const struct trend_series *s, const struct trend_changepoint *cp)
{
	return s->higher_is_better ? cp->change < 0 : cp->change > 0;
}

/*
 * Change points place the regressions they explain: a record of the
 * series that began after the previous regime's start and at most
 * min_size nights after the change point (it was reported on one of the
 * nights the trend needed to see it) started at the change point.
 */
static void reconcile(struct judge *g, const struct trend_result *tr)
{
	for (size_t i = 0; i < tr->n; i++) {
		const struct trend_series *s = &tr->series[i];

		for (size_t k = 0; k < s->n_cps; k++) {
			const struct trend_changepoint *cp = &s->cps[k];
			const uint64_t prev = k ? s->cps[k - 1].at_us : 0;

			if (!worse(s, cp))
				continue;
			for (size_t r = 0; r < g->n_recs; r++) {
				struct record *c = &g->recs[r];

				if (c->since_us <= prev || c->since_us == cp->at_us ||
				    c->since_us > cp->at_us + g->min_size * NIGHTLY_DAY_US ||
				    !same_series(c->scenario, c->variant_key, c->metric, s->scenario,
						 s->variant_key, s->metric))
					continue;
				c->since_us = cp->at_us;
				night_label(cp->at_us, c->since, sizeof(c->since));
				snprintf(c->kernel_before, sizeof(c->kernel_before), "%s",
					 cp->index ? s->points[cp->index - 1].kernel : "");
				snprintf(c->kernel_after, sizeof(c->kernel_after), "%s",
					 s->points[cp->index].kernel);
				c->dirty = true;
			}
		}
	}
}

/* Each series' baseline: its window, its regime, the nights held out. */
static int baselines(struct judge *g)
{
	const uint64_t now = g->o->now_us;
	const uint64_t window = now > g->nights * NIGHTLY_DAY_US ?
					night_of(now) - g->nights * NIGHTLY_DAY_US :
					0;
	struct nightly_judgement *j = g->j;

	j->bases = calloc(g->hist.n ? g->hist.n : 1, sizeof(*j->bases));
	g->regime_us = calloc(g->hist.n ? g->hist.n : 1, sizeof(*g->regime_us));
	if (!j->bases || !g->regime_us)
		return -ENOMEM;
	for (size_t i = 0; i < g->hist.n; i++) {
		const struct trend_series *s = &g->hist.series[i];
		struct nightly_baseline *b = &j->bases[j->n_bases++];
		const uint64_t regime = s->n_cps ? s->cps[s->n_cps - 1].at_us : 0;

		snprintf(b->scenario, sizeof(b->scenario), "%s", s->scenario);
		snprintf(b->variant_key, sizeof(b->variant_key), "%s", s->variant_key);
		snprintf(b->metric, sizeof(b->metric), "%s", s->metric);
		b->since_us = regime > window ? regime : window;
		b->regime = regime > window;
		g->regime_us[i] = regime;
		for (size_t r = 0; r < g->n_recs; r++) {
			const struct record *c = &g->recs[r];

			if (c->since_us > regime &&
			    now < c->since_us + 2 * g->min_size * NIGHTLY_DAY_US &&
			    same_series(c->scenario, c->variant_key, c->metric, s->scenario,
					s->variant_key, s->metric) &&
			    (!b->held_out_us || c->since_us < b->held_out_us))
				b->held_out_us = c->since_us;
		}
	}
	return 0;
}

static const struct nightly_baseline *base_of(const struct judge *g, const char *scenario,
					      const char *variant_key, const char *metric,
					      uint64_t *regime)
{
	for (size_t i = 0; i < g->j->n_bases; i++) {
		const struct nightly_baseline *b = &g->j->bases[i];

		if (same_series(b->scenario, b->variant_key, b->metric, scenario, variant_key, metric)) {
			if (regime)
				*regime = g->regime_us[i];
			return b;
		}
	}
	if (regime)
		*regime = 0;
	return NULL;
}

static bool keep_baseline(void *arg, const char *scenario, const char *variant_key,
			  const char *metric, uint64_t started_at_us)
{
	const struct judge *g = arg;
	const struct nightly_baseline *b = base_of(g, scenario, variant_key, metric, NULL);
	const uint64_t now = g->o->now_us;

	if (!b) /* no history of this series before tonight: the window */
		return now <= g->nights * NIGHTLY_DAY_US ||
		       started_at_us >= night_of(now) - g->nights * NIGHTLY_DAY_US;
	return started_at_us >= b->since_us && !(b->held_out_us && started_at_us >= b->held_out_us);
}

/* Tonight against the baseline; "nothing to compare with yet" is not an
 * error. */
static int judge_compare(struct judge *g, struct diag *d)
{
	const struct nightly_judge_opts *o = g->o;
	struct nightly_judgement *j = g->j;
	struct results_filter base = { .host = o->host }, cand = { .host = o->host };
	struct compare_opts co = { 0 };
	struct diag cd = DIAG_INIT;
	const char *tags[1];
	char tag[64];
	int r;

	snprintf(tag, sizeof(tag), "nightly=%s", o->nightly_id);
	tags[0] = tag;
	cand.tags = tags;
	cand.n_tags = 1;
	if (o->baseline) {
		base = *o->baseline;
	} else {
		base.until_us = o->now_us;
		co.keep_baseline = keep_baseline;
		co.keep_arg = g;
	}
	r = report_compare(g->db, &base, &cand, &co, &j->cmp, &cd);
	if (r == -ENOENT || r == -ENODATA || (r >= 0 && !j->cmp.n)) {
		j->nothing_to_compare = true;
		snprintf(j->nothing_why, sizeof(j->nothing_why), "%s",
			 r < 0 ? diag_str(&cd) : "no common series");
		compare_result_release(&j->cmp);
		memset(&j->cmp, 0, sizeof(j->cmp));
		return 0;
	}
	if (r < 0)
		return diag_set(d, r, "compare: %s", diag_str(&cd));
	return 0;
}

static const struct trend_series *trend_find(const struct trend_result *tr, const char *scenario,
					     const char *variant_key, const char *metric)
{
	for (size_t i = 0; i < tr->n; i++)
		if (same_series(tr->series[i].scenario, tr->series[i].variant_key,
				tr->series[i].metric, scenario, variant_key, metric))
			return &tr->series[i];
	return NULL;
}

static bool listed(const struct nightly_judgement *j, const char *scenario,
		   const char *variant_key, const char *metric)
{
	for (size_t i = 0; i < j->n_regs; i++)
		if (same_series(j->regs[i].scenario, j->regs[i].variant_key, j->regs[i].metric,
				scenario, variant_key, metric))
			return true;
	return false;
}

/* A note cut short by a long kernel release still starts right. */
static void known_note(const struct record *c, char *buf, size_t size)
{
	if (c->acked_us)
		xsnprintf(buf, size, "acknowledged regression #%lld since %s%s%s", (long long)c->id,
			 c->since, c->note[0] ? ": " : "", c->note);
	else
		xsnprintf(buf, size, "known regression #%lld since %s (%s -> %s), first reported %s, open",
			 (long long)c->id, c->since, c->kernel_before[0] ? c->kernel_before : "?",
			 c->kernel_after[0] ? c->kernel_after : "?", c->first);
}

/* Tonight's regression of a series: its record found (known) or made (new). */
static int classify(struct judge *g, const char *scenario, const char *variant_key,
		    const char *metric, uint64_t after_us, uint64_t since_us, const char *since,
		    const char *kernel_before, const char *kernel_after, double change,
		    double median_before, double median_after, const char *source, char *known,
		    size_t known_size)
{
	struct nightly_judgement *j = g->j;
	struct nightly_regression *n = &j->regs[j->n_regs];
	struct record *c = record_find(g, scenario, variant_key, metric, after_us);

	if (c) {
		known_note(c, known, known_size);
	} else {
		c = record_new(g);
		if (!c)
			return -ENOMEM;
		snprintf(c->scenario, sizeof(c->scenario), "%s", scenario);
		snprintf(c->variant_key, sizeof(c->variant_key), "%s", variant_key);
		snprintf(c->metric, sizeof(c->metric), "%s", metric);
		c->since_us = since_us;
		snprintf(c->since, sizeof(c->since), "%s", since);
		c->first_us = g->o->now_us;
		night_label(g->o->now_us, c->first, sizeof(c->first));
		snprintf(c->kernel_before, sizeof(c->kernel_before), "%s", kernel_before);
		snprintf(c->kernel_after, sizeof(c->kernel_after), "%s", kernel_after);
		c->added = true;
		j->n_new++;
	}
	c->seen = true;
	c->change = change;
	c->median_before = median_before;
	c->median_after = median_after;
	memset(n, 0, sizeof(*n));
	n->state = c->added ? NIGHTLY_NEW : c->acked_us ? NIGHTLY_ACKED : NIGHTLY_KNOWN;
	snprintf(n->scenario, sizeof(n->scenario), "%s", scenario);
	snprintf(n->variant_key, sizeof(n->variant_key), "%s", variant_key);
	snprintf(n->metric, sizeof(n->metric), "%s", metric);
	n->change = change;
	n->source = source;
	n->id = c->id; /* a new one's id is known once stored */
	j->n_regs++;
	return 0;
}

static void kernel_of_last(const struct trend_series *s, char *buf, size_t size, size_t back)
{
	snprintf(buf, size, "%s",
		 s && s->n_points > back ? s->points[s->n_points - 1 - back].kernel : "");
}

/* Tonight's comparison: a regression (or a mix shifted toward the worse
 * cluster) is the one recorded since the current regime started. */
static int classify_compare(struct judge *g)
{
	struct nightly_judgement *j = g->j;
	char tonight[16];

	night_label(g->o->now_us, tonight, sizeof(tonight));
	for (size_t i = 0; i < j->cmp.n; i++) {
		struct compare_series *s = &j->cmp.series[i];
		const bool regressed = s->verdict == COMPARE_REGRESSION;
		const struct trend_series *h = trend_find(&g->hist, s->scenario, s->variant_key,
							  s->metric);
		const struct trend_series *t = trend_find(&j->tr, s->scenario, s->variant_key,
							  s->metric);
		char before[64], after[64];
		uint64_t regime;
		int r;

		/* a derived metric is its source's regression, not one of its own */
		if ((!regressed && s->mix_verdict != COMPARE_MIX_TO_WORSE) ||
		    s->role != COMPARE_PRIMARY)
			continue;
		base_of(g, s->scenario, s->variant_key, s->metric, &regime);
		kernel_of_last(h, before, sizeof(before), 0);
		kernel_of_last(t, after, sizeof(after), 0);
		r = classify(g, s->scenario, s->variant_key, s->metric, regime,
			     night_of(g->o->now_us), tonight, before, after, s->ratio - 1,
			     s->median_base, s->median_cand, regressed ? "compare" : "mix shift",
			     s->known, sizeof(s->known));
		if (r < 0)
			return r;
	}
	return 0;
}

/* The trend series a trend series is derived from (efficiency from
 * goodput, ...), NULL for a primary one. */
static const struct trend_series *trend_source(const struct trend_result *tr,
					       const struct trend_series *s)
{
	static const enum compare_mode modes[] = { COMPARE_MODE_BULK, COMPARE_MODE_BYTES };

	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		const char *from = compare_derived_from(s->metric, modes[m]);
		const struct trend_series *src =
			from ? trend_find(tr, s->scenario, s->variant_key, from) : NULL;

		if (src)
			return src;
	}
	return NULL;
}

/* The history's newest regime, worse than the one before: the regression
 * recorded since the previous regime started. */
static int classify_trend(struct judge *g)
{
	struct nightly_judgement *j = g->j;

	for (size_t i = 0; i < j->tr.n; i++) {
		const struct trend_series *s = &j->tr.series[i];
		const struct trend_changepoint *cp;
		struct compare_series *row = &j->tr.rows.series[i];
		uint64_t prev;
		int r;

		if (s->verdict != COMPARE_REGRESSION || !s->n_cps || trend_source(&j->tr, s))
			continue;
		cp = &s->cps[s->n_cps - 1];
		prev = s->n_cps > 1 ? s->cps[s->n_cps - 2].at_us : 0;
		if (listed(j, s->scenario, s->variant_key, s->metric)) {
			struct record *c = record_find(g, s->scenario, s->variant_key, s->metric, prev);

			if (c)
				known_note(c, row->known, sizeof(row->known));
			continue;
		}
		r = classify(g, s->scenario, s->variant_key, s->metric, prev, cp->at_us, cp->label,
			     cp->index ? s->points[cp->index - 1].kernel : "",
			     s->points[cp->index].kernel, cp->change, cp->median_before,
			     cp->median_after, "trend", row->known, sizeof(row->known));
		if (r < 0)
			return r;
		if (j->regs[j->n_regs - 1].state == NIGHTLY_NEW)
			row->known[0] = '\0';
	}
	return 0;
}

static const struct compare_series *row_of(const struct compare_result *rows,
					   const char *scenario, const char *variant_key,
					   const char *metric)
{
	for (size_t i = 0; i < rows->n; i++)
		if (same_series(rows->series[i].scenario, rows->series[i].variant_key,
				rows->series[i].metric, scenario, variant_key, metric))
			return &rows->series[i];
	return NULL;
}

/* A derived row is known when the row it derives from is. */
static void derived_known(struct nightly_judgement *j)
{
	for (size_t i = 0; i < j->cmp.n; i++) {
		struct compare_series *s = &j->cmp.series[i];
		const struct compare_series *src;

		if (s->role != COMPARE_DERIVED || s->known[0])
			continue;
		src = row_of(&j->cmp, s->scenario, s->variant_key, s->derived_from);
		if (src && src != s && src->known[0])
			memcpy(s->known, src->known, sizeof(s->known));
	}
	for (size_t i = 0; i < j->tr.n; i++) {
		const struct trend_series *src = trend_source(&j->tr, &j->tr.series[i]);
		const struct compare_series *src_row =
			src ? row_of(&j->tr.rows, src->scenario, src->variant_key, src->metric) : NULL;
		struct compare_series *row = &j->tr.rows.series[i];

		if (src_row && src_row != row && src_row->known[0] && !row->known[0])
			memcpy(row->known, src_row->known, sizeof(row->known));
	}
}

/* The records as they now are: new ones added, the others refreshed. */
static int persist(struct judge *g, struct diag *d)
{
	for (size_t i = 0; i < g->n_recs; i++) {
		struct record *c = &g->recs[i];
		struct results_regression r = {
			.id = c->id,
			.host = g->o->host,
			.scenario = c->scenario,
			.variant_key = c->variant_key,
			.metric = c->metric,
			.since_us = c->since_us,
			.since_label = c->since,
			.first_reported_us = c->first_us,
			.first_nightly = g->o->nightly_id,
			.last_seen_us = g->o->now_us,
			.change = c->change,
			.median_before = c->median_before,
			.median_after = c->median_after,
			.kernel_before = c->kernel_before[0] ? c->kernel_before : NULL,
			.kernel_after = c->kernel_after[0] ? c->kernel_after : NULL,
		};
		int ret = 0;

		if (c->added) {
			ret = results_regression_add(g->db, &r, d);
			c->id = r.id;
		} else if (c->seen || c->dirty) {
			/* placed by a change point, not seen tonight: its last night stays */
			if (!c->seen)
				r.last_seen_us = 0;
			ret = results_regression_update(g->db, &r, d);
		}
		if (ret < 0)
			return diag_prefix(d, "cannot keep the regressions");
	}
	return 0;
}

/* The ids of the new ones, the kernels and nights every entry shows, and
 * the list of what is still open. */
static int finish(struct judge *g)
{
	struct nightly_judgement *j = g->j;
	size_t k = 0;

	for (size_t i = 0; i < j->n_regs; i++) {
		struct nightly_regression *n = &j->regs[i];
		struct record *c = NULL;

		for (size_t r = 0; r < g->n_recs && !c; r++)
			if (g->recs[r].seen &&
			    same_series(g->recs[r].scenario, g->recs[r].variant_key, g->recs[r].metric,
					n->scenario, n->variant_key, n->metric))
				c = &g->recs[r];
		if (!c)
			continue;
		n->id = c->id;
		snprintf(n->since, sizeof(n->since), "%s", c->since);
		snprintf(n->first_reported, sizeof(n->first_reported), "%s", c->first);
		snprintf(n->kernel_before, sizeof(n->kernel_before), "%s", c->kernel_before);
		snprintf(n->kernel_after, sizeof(n->kernel_after), "%s", c->kernel_after);
		snprintf(n->ack_note, sizeof(n->ack_note), "%s", c->note);
	}
	/* new first, then known, then acknowledged; stable */
	for (int state = NIGHTLY_NEW; state <= NIGHTLY_ACKED; state++)
		for (size_t i = k; i < j->n_regs; i++)
			if (j->regs[i].state == (enum nightly_state)state) {
				struct nightly_regression t = j->regs[i];

				memmove(&j->regs[k + 1], &j->regs[k], (i - k) * sizeof(t));
				j->regs[k++] = t;
			}
	j->open = calloc(g->n_recs ? g->n_recs : 1, sizeof(*j->open));
	if (!j->open)
		return -ENOMEM;
	for (size_t r = 0; r < g->n_recs; r++) {
		const struct record *c = &g->recs[r];
		struct nightly_regression *n;

		if (c->acked_us)
			continue;
		n = &j->open[j->n_open++];
		n->id = c->id;
		n->state = c->added ? NIGHTLY_NEW : NIGHTLY_KNOWN;
		snprintf(n->scenario, sizeof(n->scenario), "%s", c->scenario);
		snprintf(n->variant_key, sizeof(n->variant_key), "%s", c->variant_key);
		snprintf(n->metric, sizeof(n->metric), "%s", c->metric);
		snprintf(n->since, sizeof(n->since), "%s", c->since);
		snprintf(n->first_reported, sizeof(n->first_reported), "%s", c->first);
		snprintf(n->kernel_before, sizeof(n->kernel_before), "%s", c->kernel_before);
		snprintf(n->kernel_after, sizeof(n->kernel_after), "%s", c->kernel_after);
		n->change = c->change;
		n->source = c->seen ? "tonight" : "not seen tonight";
	}
	return 0;
}

int nightly_judge(struct results *db, const struct nightly_judge_opts *o,
		  struct nightly_judgement *j, struct diag *d)
{
	struct judge g = { .db = db, .o = o, .j = j };
	struct results_filter hist = { .host = o->host, .until_us = o->now_us };
	struct results_filter all = { .host = o->host };
	int r;

	memset(j, 0, sizeof(*j));
	g.nights = o->baseline_nights ? o->baseline_nights : NIGHTLY_DEFAULT_BASELINE_NIGHTS;
	g.min_size = TREND_DEFAULT_MIN_SIZE;
	r = report_trend(db, &hist, &(struct trend_opts){ 0 }, &g.hist, d);
	if (r < 0) {
		diag_prefix(d, "trend of the nights before tonight");
		goto out;
	}
	r = results_regressions_query(db, o->host, false, 0, record_load, &g, d);
	if (r < 0)
		goto out;
	reconcile(&g, &g.hist);
	r = baselines(&g);
	if (r == 0)
		r = judge_compare(&g, d);
	if (r < 0)
		goto out;
	r = report_trend(db, &all, &(struct trend_opts){ 0 }, &j->tr, d);
	if (r < 0) {
		diag_prefix(d, "trend");
		goto out;
	}
	if (o->store) {
		r = changepoints_store(db, &j->tr, 0, d);
		if (r < 0) {
			diag_prefix(d, "trend");
			goto out;
		}
	}
	reconcile(&g, &j->tr);
	j->regs = calloc(j->cmp.n + j->tr.n + 1, sizeof(*j->regs));
	if (!j->regs) {
		r = -ENOMEM;
		goto out;
	}
	r = classify_compare(&g);
	if (r == 0)
		r = classify_trend(&g);
	if (r == 0)
		derived_known(j);
	if (r == 0 && o->store)
		r = persist(&g, d);
	if (r == 0)
		r = finish(&g);
out:
	if (r == -ENOMEM)
		diag_set(d, r, "cannot judge the night: out of memory");
	trend_result_release(&g.hist);
	free(g.recs);
	free(g.regime_us);
	return r;
}

void nightly_judgement_release(struct nightly_judgement *j)
{
	compare_result_release(&j->cmp);
	trend_result_release(&j->tr);
	free(j->regs);
	free(j->open);
	free(j->bases);
	memset(j, 0, sizeof(*j));
}
