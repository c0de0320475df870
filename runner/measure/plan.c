/*
 * plan.c: loading, expanding, sharding, executing and deciding a plan of
 * runs (plan.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "plan.h"

void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n_scenarios; i++) {
		free(p->scenarios[i]);
		free(p->variants[i]);
	}
	free(p->scenarios);
	free(p->variants);
	free(p->n_variants);
	free(p->jobs);
	memset(p, 0, sizeof(*p));
}

/* FNV-1a of scenario name and variant key: which shard a series belongs
 * to. Whole series go to one box, so its runs stay comparable. */
static unsigned plan_shard_of(const char *scenario, const char *key, unsigned count)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = scenario; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (unsigned)(h % count);
}

int plan_parse_shard(const char *arg, unsigned *index, unsigned *count)
{
	char *end;
	unsigned long i = strtoul(arg, &end, 10), n;

	if (end == arg || *end != '/')
		return -EINVAL;
	arg = end + 1;
	n = strtoul(arg, &end, 10);
	if (end == arg || *end || n < 1 || n > 1000 || i < 1 || i > n)
		return -EINVAL;
	*index = (unsigned)i - 1;
	*count = (unsigned)n;
	return 0;
}

/* One more scenario slot (with its variant list) at the end of p. */
static int plan_add_scenario(struct plan *p, struct scenario *s)
{
	struct scenario **sc = array_grow(p->scenarios, p->n_scenarios, sizeof(*sc));
	struct variant **va;
	size_t *nv;

	if (!sc)
		return -ENOMEM;
	p->scenarios = sc;
	va = array_grow(p->variants, p->n_scenarios, sizeof(*va));
	if (!va)
		return -ENOMEM;
	p->variants = va;
	nv = array_grow(p->n_variants, p->n_scenarios, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	p->n_variants = nv;
	p->scenarios[p->n_scenarios++] = s;
	return 0;
}

static int plan_add_job(struct plan_job **jobs, size_t *n, struct plan_job job)
{
	struct plan_job *g = array_grow(*jobs, *n, sizeof(*g));

	if (!g)
		return -ENOMEM;
	*jobs = g;
	g[(*n)++] = job;
	return 0;
}

int plan_load(const struct plan_opts *o, struct plan *p, struct diag_list *errs)
{
	int bad = 0;

	memset(p, 0, sizeof(*p));
	for (size_t f = 0; f < o->n_files; f++) {
		char **list = NULL, suite[64];
		size_t n_list = 0;

		if (suite_load_file(o->files[f], &list, &n_list, suite, sizeof(suite), errs) < 0) {
			bad = 1;
			continue;
		}
		for (size_t i = 0; i < n_list; i++) {
			struct scenario *s = calloc(1, sizeof(*s));

			if (!s || plan_add_scenario(p, s) < 0) {
				free(s);
				for (; i < n_list; i++)
					free(list[i]);
				free(list);
				return -ENOMEM;
			}
			if (scenario_load_file(list[i], o->sets, o->n_sets, s, errs) < 0)
				bad = 1;
			else if (o->reps)
				s->repetitions = o->reps;
			free(list[i]);
		}
		free(list);
	}
	if (bad)
		return -EINVAL;
	for (size_t i = 0; i < p->n_scenarios; i++) {
		const struct scenario *s = p->scenarios[i];
		size_t nv = 0;

		if (variant_expand(s, &p->variants[i], &p->n_variants[i]) < 0)
			return -ENOMEM;
		for (size_t v = 0; v < p->n_variants[i]; v++)
			if (o->shard_count <= 1 ||
			    plan_shard_of(s->name, p->variants[i][v].key, o->shard_count) ==
				    o->shard_index)
				p->variants[i][nv++] = p->variants[i][v];
		p->n_variants[i] = nv;
		for (unsigned rep = 1; rep <= s->repetitions; rep++)
			for (size_t v = 0; v < nv; v++)
				if (plan_add_job(&p->jobs, &p->n_jobs,
						 (struct plan_job){ s, &p->variants[i][v], rep }) < 0)
					return -ENOMEM;
	}
	return 0;
}

int plan_rounds(const struct plan *p, unsigned first_rep, unsigned n_reps,
		struct plan_job **jobs, size_t *n)
{
	*jobs = NULL;
	*n = 0;
	for (unsigned rep = first_rep; rep < first_rep + n_reps; rep++)
		for (size_t i = 0; i < p->n_scenarios; i++)
			for (size_t v = 0; v < p->n_variants[i]; v++)
				if (plan_add_job(jobs, n, (struct plan_job){ p->scenarios[i],
									     &p->variants[i][v],
									     rep }) < 0) {
					free(*jobs);
					*jobs = NULL;
					*n = 0;
					return -ENOMEM;
				}
	return 0;
}

static bool plan_cancelled(const struct plan_exec *x)
{
	return x->env->cancel && *x->env->cancel;
}

int plan_execute(struct plan_exec *x, const struct plan_job *jobs, size_t n, struct diag *d)
{
	const struct plan_observer *obs = x->obs;

	if (obs && obs->batch)
		obs->batch(obs->arg, n);
	for (size_t i = 0; i < n; i++) {
		const struct plan_job *j = &jobs[i];
		struct results_run run;
		int r;

		if (plan_cancelled(x))
			return -EINTR;
		if (obs && obs->run_begin)
			obs->run_begin(obs->arg, j);
		r = run_one(x->env, j->s, j->v, j->rep, &run, d);
		if (r == -EINTR)
			return r;
		if (r < 0)
			return diag_prefix(d, "%s %s rep %u", j->s->name, j->v->key, j->rep);
		r = results_run_store(x->db, &run, d);
		if (r < 0) {
			diag_prefix(d, "cannot store run %s", run.uuid);
			results_run_release(&run);
			return r;
		}
		x->counts[run.status]++;
		if (obs && obs->run_end)
			obs->run_end(obs->arg, &run);
		results_run_release(&run);
	}
	return 0;
}

/*
 * Whether no inconclusive series of the family can be decided within
 * max_reps runs: each one's estimate of the runs a side that would decide
 * it (stats_verdict.h: to_decide, which assumes both sides grow; here only
 * the candidate does, so the estimate is a floor) is above max_reps, or
 * its change sits on the floor where no number of runs decides. *needed
 * is the smallest such estimate (0: on the floor).
 */
static bool plan_out_of_reach(const struct compare_result *r, unsigned max_reps, size_t *needed)
{
	size_t least = SIZE_MAX;

	for (size_t i = 0; i < r->n; i++) {
		const struct compare_series *s = &r->series[i];

		if (s->role != COMPARE_PRIMARY || s->verdict != COMPARE_INCONCLUSIVE)
			continue;
		if (!s->has_stats || !s->st.eligible)
			return false; /* too few runs yet: more will help */
		if (s->st.to_decide && s->st.to_decide <= max_reps)
			return false;
		if (s->st.to_decide < least)
			least = s->st.to_decide;
	}
	*needed = least == SIZE_MAX ? 0 : least;
	return true;
}

int plan_until_decided(struct plan_exec *x, const struct plan *p,
		       const struct results_filter *baseline, unsigned max_reps,
		       struct plan_decision *out, struct diag *d)
{
	struct compare_opts copts = { 0 };
	struct results_filter cand = { 0 };
	const char *tags[1];
	char tag[64];
	unsigned rep = 0;
	int r;

	memset(out, 0, sizeof(*out));
	snprintf(tag, sizeof(tag), "invocation=%s", x->env->invocation);
	tags[0] = tag;
	cand.tags = tags;
	cand.n_tags = 1;
	for (size_t i = 0; i < p->n_scenarios; i++)
		rep = p->scenarios[i]->repetitions > rep ? p->scenarios[i]->repetitions : rep;
	for (;;) {
		struct plan_job *round = NULL;
		size_t n_round = 0;

		r = report_compare(x->db, baseline, &cand, &copts, &out->cmp, d);
		if (r < 0)
			return diag_prefix(d, "cannot compare with the baseline");
		out->reps = rep;
		/* the family's series decide: a derived one follows its source */
		if (!compare_primary_inconclusive(&out->cmp) || rep >= max_reps) {
			out->capped = compare_primary_inconclusive(&out->cmp) > 0;
			return 0;
		}
		if (plan_out_of_reach(&out->cmp, max_reps, &out->needed)) {
			out->capped = out->hopeless = true;
			return 0;
		}
		compare_result_release(&out->cmp);
		rep++;
		if (plan_rounds(p, rep, 1, &round, &n_round) < 0)
			return diag_set(d, -ENOMEM, "out of memory");
		r = plan_execute(x, round, n_round, d);
		free(round);
		if (r < 0)
			return r;
	}
}
