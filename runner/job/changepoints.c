/* changepoints.c: changepoints_store() of changepoints.h. */
#include "changepoints.h"
#include "mtime.h"

int changepoints_store(struct results *db, struct trend_result *r, uint64_t now_us,
		       struct diag *d)
{
	if (!now_us)
		now_us = mtime_wall_us();
	for (size_t i = 0; i < r->n; i++) {
		const struct trend_series *s = &r->series[i];

		for (size_t k = 0; k < s->n_cps; k++) {
			const struct results_changepoint row = {
				.scenario = s->scenario,
				.variant_key = s->variant_key,
				.metric = s->metric,
				.at_us = s->cps[k].at_us,
				.label = s->cps[k].label,
				.median_before = s->cps[k].median_before,
				.median_after = s->cps[k].median_after,
				.p = s->cps[k].p,
				.detected_at_us = now_us,
			};
			int ret = results_changepoint_store(db, &row, d);

			if (ret < 0)
				return ret;
			r->n_stored++;
		}
	}
	return 0;
}
