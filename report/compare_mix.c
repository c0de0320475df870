/*
 * compare_mix.c: what a series' distribution says besides its location
 * (compare.c): whether one side's runs form two clusters, how the share
 * of runs in each moved (the mix-shift p adjusted over the family's
 * bimodal series, and a verdict on the shift), and which stored metric
 * tells the clusters apart; and for completion_us with its bound, the
 * share of runs over the bound on each side (Clopper-Pearson) and
 * Fisher's exact test between them.
 *
 * It reads the series as collected (compare_collect.c) and fills the
 * compare_series of compare.h; it does not print.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"
#include "stats.h"
#include "stats_dist.h"

/* ---- distributions: the mix and what tells its clusters apart ------------ */

/* Of the runs' explaining metrics, the one whose values differ most
 * between the clusters (by |AUC - 0.5|, at least 0.2). */
static int mix_explain(const struct collect_ctx *c, const struct group *g,
		       struct compare_mix *mx)
{
	size_t n = g->n[0] + g->n[1], names = c->explain_names.n;
	double *x0 = malloc((n ? n : 1) * sizeof(*x0)), *x1 = malloc((n ? n : 1) * sizeof(*x1));
	double best = 0.0;
	int ret = 0;

	mx->by[0] = '\0';
	mx->by_median[0] = mx->by_median[1] = mx->by_auc = (double)NAN;
	if (!x0 || !x1) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t name = 0; name < names; name++) {
		size_t n0 = 0, n1 = 0;
		double u, p, auc;

		for (int side = 0; side < 2; side++) {
			for (size_t i = 0; i < g->n[side]; i++) {
				const struct run_ref *ref = &c->refs[g->run[side][i]];

				for (uint32_t k = 0; k < ref->n; k++) {
					const struct explain_value *e = &c->explain[ref->off + k];

					if (e->name != name)
						continue;
					if (g->v[side][i] < mx->threshold)
						x0[n0++] = e->v;
					else
						x1[n1++] = e->v;
				}
			}
		}
		if (n0 < 2 || n1 < 2 || stats_mann_whitney(x1, n1, x0, n0, &u, &p) < 0)
			continue;
		auc = u / ((double)n0 * (double)n1);
		if (fabs(auc - 0.5) >= 0.2 && fabs(auc - 0.5) > best) {
			best = fabs(auc - 0.5);
			compare_copy_name(mx->by, sizeof(mx->by), c->explain_names.s[name]);
			mx->by_median[0] = stats_median(x0, n0);
			mx->by_median[1] = stats_median(x1, n1);
			mx->by_auc = auc;
		}
	}
out:
	free(x0);
	free(x1);
	return ret;
}

/*
 * Whether one side's runs on their own form two clusters. The pooled fit
 * alone would call a plain change of location bimodal (each side one
 * cluster, the two clusters being the two sides): that is the location
 * test's business, not a mix.
 */
static int mix_within_a_side(const struct group *g, bool *yes)
{
	*yes = false;
	for (int side = 0; side < 2 && !*yes; side++) {
		struct stats_mixture m;
		int ret;

		if (g->n[side] < STATS_MIXTURE_MIN_N)
			continue;
		ret = stats_mixture_fit(g->v[side], g->n[side], &m);
		if (ret < 0)
			return ret;
		*yes = m.bimodal;
	}
	return 0;
}

int compare_mix_figures(const struct collect_ctx *c, const struct group *g,
			struct compare_series *s)
{
	const struct stats_mix_shift *ms = &s->st.mix;
	struct compare_mix *mx = &s->mix;
	int ret;

	s->bimodal = ms->mix.bimodal && isfinite(ms->p);
	if (s->bimodal) {
		ret = mix_within_a_side(g, &s->bimodal);
		if (ret < 0)
			return ret;
	}
	if (!s->bimodal)
		return 0;
	for (int k = 0; k < 2; k++) {
		mx->centre[k] = ms->mix.centre[k];
		mx->sd[k] = ms->mix.sd[k];
		mx->count[0][k] = ms->count[0][k];
		mx->count[1][k] = ms->count[1][k];
	}
	mx->threshold = ms->mix.threshold;
	mx->share_base = ms->share_a;
	mx->share_cand = ms->share_b;
	mx->p = ms->p;
	mx->p_adjusted = (double)NAN;
	mx->worse = s->higher_is_better ? 0 : 1;
	return mix_explain(c, g, mx);
}

/* The family's bimodal series: their mix-shift p adjusted together, and a
 * verdict on each shift. A shift counts only where the clusters' centres
 * differ by more than the series' floor (a mix of two near-equal clusters
 * is no slowdown). */
static bool in_mix_family(const struct compare_series *s)
{
	return s->bimodal && compare_in_family(s);
}

static double mix_p(const struct compare_series *s)
{
	return s->mix.p;
}

int compare_mix_decide(const struct compare_opts *o, struct compare_result *r)
{
	struct family f;

	if (compare_family_adjust(o, r, in_mix_family, mix_p, &f) < 0)
		return -ENOMEM;
	for (size_t k = 0; k < f.m; k++) {
		struct compare_series *s = &r->series[f.idx[k]];
		struct compare_mix *mx = &s->mix;
		const double gap = mx->centre[0] != 0 ? fabs(mx->centre[1] / mx->centre[0] - 1) : 0;
		const double worse_base = mx->worse ? mx->share_base : 1 - mx->share_base;
		const double worse_cand = mx->worse ? mx->share_cand : 1 - mx->share_cand;

		mx->p_adjusted = f.adj[k];
		if (f.adj[k] < o->alpha && gap > s->floor)
			s->mix_verdict = worse_cand > worse_base ? COMPARE_MIX_TO_WORSE :
								   COMPARE_MIX_TO_BETTER;
		else
			s->mix_verdict = COMPARE_MIX_SAME;
		r->mix_to_worse += s->mix_verdict == COMPARE_MIX_TO_WORSE;
	}
	compare_family_release(&f);
	return 0;
}

/* ---- bounds ------------------------------------------------------------------- */

int compare_bound_figures(const struct collect_ctx *c, const struct compare_series *s,
			  const struct compare_opts *o, struct compare_bound *b, bool *has)
{
	const struct group *over = compare_group_find(c->t, s->scenario, s->variant_key,
						      COMPARE_OVER_BOUND);
	const struct group *bound = compare_group_find(c->t, s->scenario, s->variant_key,
						       COMPARE_BOUND_US);
	uint64_t t[2][2];
	int ret;

	*has = false;
	if (strcmp(s->metric, "completion_us") || !compare_on_both(over))
		return 0;
	memset(b, 0, sizeof(*b));
	b->n_base = over->n[0];
	b->n_cand = over->n[1];
	for (size_t i = 0; i < over->n[0]; i++)
		b->over_base += over->v[0][i] > 0.5;
	for (size_t i = 0; i < over->n[1]; i++)
		b->over_cand += over->v[1][i] > 0.5;
	b->bound_us = (double)NAN;
	if (bound && bound->n[1])
		b->bound_us = stats_median(bound->v[1], bound->n[1]);
	b->p_base = (double)b->over_base / (double)b->n_base;
	b->p_cand = (double)b->over_cand / (double)b->n_cand;
	ret = stats_clopper_pearson(b->over_base, b->n_base, o->level, &b->p_base_lo,
				    &b->p_base_hi);
	if (ret == 0)
		ret = stats_clopper_pearson(b->over_cand, b->n_cand, o->level, &b->p_cand_lo,
					    &b->p_cand_hi);
	t[0][0] = b->over_base;
	t[0][1] = b->n_base - b->over_base;
	t[1][0] = b->over_cand;
	t[1][1] = b->n_cand - b->over_cand;
	if (ret == 0)
		ret = stats_fisher_exact(t, &b->p, NULL);
	if (ret < 0)
		return ret;
	*has = true;
	return 0;
}
