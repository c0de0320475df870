/*
 * verdict_points.c: verdict_points_queue() of verdict_points.h: compare
 * rows turned into struct push_verdict, then push_queue_verdicts().
 *
 * The kernel tag is the release tonight's runs were made on when they
 * agree on one (a nightly runs on one kernel); otherwise it is left out
 * rather than naming one of several.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "push.h"
#include "verdict_points.h"

static void verdict_points_fill(struct push_verdict *v, const struct compare_series *s,
				const char *check)
{
	v->scenario = s->scenario;
	v->variant_key = s->variant_key;
	v->metric = s->metric;
	v->verdict = compare_verdict_name(s->verdict);
	v->check = check;
	v->change = s->ratio - 1;
	v->ci_lo = s->ci_lo - 1;
	v->ci_hi = s->ci_hi - 1;
	v->p = s->p;
	v->p_adjusted = s->p_adjusted;
	v->floor = s->floor;
	v->median_baseline = s->median_base;
	v->median_candidate = s->median_cand;
	v->n_baseline = s->n_base;
	v->n_candidate = s->n_cand;
}

int verdict_points_queue(struct results *db, const struct verdict_points_opts *o,
			 const struct compare_result *cmp, const struct trend_result *tr,
			 size_t *queued, struct diag *d)
{
	struct results_kernel_list kernels = { 0 };
	size_t n = 0, cap = (cmp ? cmp->n : 0) + (tr ? tr->n : 0);
	struct push_verdict *v;
	const char *kernel = NULL;
	int ret;

	if (queued)
		*queued = 0;
	if (!cap)
		return 0;
	if (o->tonight) {
		ret = results_kernels(db, o->tonight, &kernels, d);
		if (ret < 0)
			return diag_prefix(d, "cannot tell tonight's kernel");
		for (size_t i = 0; i < kernels.n; i++) {
			const char *rel = kernels.k[i].kernel.release;

			if (!kernel)
				kernel = rel;
			else if (strcmp(kernel, rel)) {
				kernel = NULL;
				break;
			}
		}
	}
	v = calloc(cap, sizeof(*v));
	if (!v) {
		results_kernel_list_release(&kernels);
		return -ENOMEM;
	}
	for (size_t i = 0; cmp && i < cmp->n; i++)
		verdict_points_fill(&v[n++], &cmp->series[i], "compare");
	for (size_t i = 0; tr && i < tr->n; i++)
		if (tr->series[i].new_regime)
			verdict_points_fill(&v[n++], &tr->rows.series[i], "trend");
	for (size_t i = 0; i < n; i++) {
		v[i].host = o->host;
		v[i].kernel = kernel;
		v[i].at_us = o->at_us;
	}
	ret = push_queue_verdicts(db, v, n, d);
	if (ret == 0 && queued)
		*queued = n;
	free(v);
	results_kernel_list_release(&kernels);
	return ret;
}
