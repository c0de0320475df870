/*
 * stats_sim.c: the rule's operating characteristics by simulation
 * (contract in stats_sim.h).
 *
 * What it does: draws synthetic series from a known truth with the
 * project's xoshiro256** generator, runs them through stats_compare() with
 * the caller's options, and counts verdicts, or walks bisect-run's batches
 * and counts its decisions.
 *
 * What it does not do: no I/O, no state kept; the randomness all comes
 * from the caller's seed (the data from one stream, each comparison's
 * bootstrap from seed and series number). It has no opinion on what the
 * rates should be: the tests and the benchmark do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "stats_sim.h"

/* One side: groups nights of runs runs, ids first_id.., into v and g. */
static void stats_sim_side(struct stats_rng *r, double *v, int64_t *g, size_t groups,
			   size_t runs, double level, double night_sd, double cv, int64_t first_id)
{
	for (size_t k = 0; k < groups; k++) {
		const double e = night_sd > 0 ? night_sd * stats_rng_normal(r) : 0.0;

		for (size_t i = 0; i < runs; i++) {
			v[k * runs + i] = level * (1.0 + e) * (1.0 + cv * stats_rng_normal(r));
			g[k * runs + i] = first_id + (int64_t)k;
		}
	}
}

int stats_sim_compare(const struct stats_sim_design *d, const struct stats_verdict_opts *o,
		      unsigned series, uint64_t seed, struct stats_sim_counts *out)
{
	const size_t gb = d && d->groups_base ? d->groups_base : 1;
	const size_t gc = d && d->groups_cand ? d->groups_cand : 1;
	struct stats_verdict_opts opts;
	double *vb = NULL, *vc = NULL;
	int64_t *ib = NULL, *ic = NULL;
	struct stats_rng r;
	size_t nb, nc;
	int ret = 0;

	if (!d || !out || !d->runs_base || !d->runs_cand)
		return -EINVAL;
	nb = gb * d->runs_base;
	nc = gc * d->runs_cand;
	memset(out, 0, sizeof(*out));
	vb = malloc(nb * sizeof(*vb));
	vc = malloc(nc * sizeof(*vc));
	ib = malloc(nb * sizeof(*ib));
	ic = malloc(nc * sizeof(*ic));
	if (!vb || !vc || !ib || !ic) {
		ret = -ENOMEM;
		goto out;
	}
	opts = o ? *o : (struct stats_verdict_opts){ .higher_is_better = true };
	stats_rng_seed(&r, seed);
	for (unsigned s = 0; s < series; s++) {
		struct stats_comparison c;
		const struct stats_sample B = { vb, gb > 1 || gc > 1 ? ib : NULL, nb };
		const struct stats_sample C = { vc, gb > 1 || gc > 1 ? ic : NULL, nc };

		stats_sim_side(&r, vb, ib, gb, d->runs_base, 100.0, d->night_sd, d->cv, 0);
		stats_sim_side(&r, vc, ic, gc, d->runs_cand, 100.0 * (1.0 + d->shift), d->night_sd,
			       d->cv, (int64_t)gb);
		opts.seed = seed ^ ((uint64_t)s * 0x9e3779b97f4a7c15ull);
		ret = stats_compare(&B, &C, &opts, &c);
		if (ret < 0)
			goto out;
		out->series++;
		out->verdict[c.verdict]++;
	}
out:
	free(vb);
	free(vc);
	free(ib);
	free(ic);
	return ret;
}

int stats_sim_bisect(const struct stats_sim_bisect *b, const struct stats_verdict_opts *o,
		     unsigned series, uint64_t seed, struct stats_sim_bisect_counts *out)
{
	struct stats_verdict_opts opts;
	double *vb = NULL, *vc = NULL;
	int64_t *ids = NULL;
	struct stats_rng r;
	double runs = 0.0;
	int ret = 0;

	if (!b || !out || !b->base_runs || !b->first || b->max < b->first || !b->step)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	vb = malloc(b->base_runs * sizeof(*vb));
	vc = malloc(b->max * sizeof(*vc));
	ids = malloc((b->base_runs > b->max ? b->base_runs : b->max) * sizeof(*ids));
	if (!vb || !vc || !ids) {
		ret = -ENOMEM;
		goto out;
	}
	opts = o ? *o : (struct stats_verdict_opts){ .higher_is_better = true };
	stats_rng_seed(&r, seed);
	for (unsigned s = 0; s < series; s++) {
		size_t n = b->first;
		int decided = 0; /* 1 bad, 2 good */

		stats_sim_side(&r, vb, ids, 1, b->base_runs, 100.0, 0.0, b->cv, 0);
		stats_sim_side(&r, vc, ids, 1, b->max, 100.0 * (1.0 + b->shift), 0.0, b->cv, 0);
		for (;;) {
			const struct stats_sample B = { vb, NULL, b->base_runs }, C = { vc, NULL, n };
			struct stats_comparison c;

			enum stats_bisect_answer a;

			opts.seed = seed ^ ((uint64_t)s * 0x9e3779b97f4a7c15ull) ^ n;
			ret = stats_compare_figures(&B, &C, &opts, &c);
			if (ret < 0)
				goto out;
			a = stats_bisect_decide(&c, c.p, b->effect, &opts, NULL, 0);
			if (a == STATS_BISECT_BAD)
				decided = 1;
			else if (a == STATS_BISECT_GOOD)
				decided = 2;
			if (decided || n >= b->max)
				break;
			n = n + b->step < b->max ? n + b->step : b->max;
		}
		out->series++;
		out->bad += decided == 1;
		out->good += decided == 2;
		out->skip += decided == 0;
		runs += (double)n;
	}
	out->mean_runs = out->series ? runs / out->series : 0.0;
out:
	free(vb);
	free(vc);
	free(ids);
	return ret;
}
