/*
 * compare_int.h: what the files of the comparison (compare.h) share: the
 * runs as collected into series (compare_collect.c), the family of series
 * whose p are adjusted together (compare.c), and the figures of the mix
 * and of the bounds (compare_mix.c). Not for use outside report/compare*.c.
 */
#ifndef MPL_COMPARE_INT_H
#define MPL_COMPARE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "diag.h"
#include "results.h"

/* The bound marks, collected with every comparison's metrics: attached to
 * completion_us, never series of their own. */
#define COMPARE_OVER_BOUND "over_bound"
#define COMPARE_BOUND_US "completion_bound_us"

/* ---- the collection (compare_collect.c) ------------------------------------ */

/* Interned strings with an open-addressing index: slots hold index + 1. */
struct intern {
	char **s;
	uint64_t *h;
	size_t n, cap;
	size_t *slots, n_slots;
};

/* One (scenario, variant_key, metric) with each side's values, their
 * groups and their runs, in the order the runs were stored. */
struct group {
	char *scenario, *variant_key, *metric;
	uint64_t hash;
	double *v[2];
	int64_t *grp[2];
	uint32_t *run[2];
	size_t n[2], cap[2];
};

/* The series, in the order first seen, with an open-addressing index:
 * slots hold index + 1 (compare_series_hash). */
struct group_table {
	struct group *groups;
	size_t n, cap;
	size_t *slots;
	size_t n_slots; /* a power of two, at least twice n */
};

/* A stored run as the mixture's explanation needs it: its explaining
 * metrics, as (name id, value) pairs in explain[off .. off + n). */
struct run_ref {
	uint32_t off, n;
};

/* One explaining metric of a run (struct run_ref). */
struct explain_value {
	uint32_t name; /* index into collect_ctx.explain_names */
	double v;
};

/* A scenario's traffic mode, from any of its runs. */
struct scenario_mode {
	char *name;
	enum compare_mode mode;
};

/* What the collection gathers over both sides, and what it was asked:
 * the series table, the metrics, the options of the comparison. */
struct collect_ctx {
	struct group_table *t;
	const char *const *metrics;
	size_t n_metrics;
	const struct compare_opts *o;
	int side; /* 0 baseline, 1 candidate */
	size_t runs;
	size_t values;
	/* the candidate's run ids, sorted once it is read: the baseline
	 * leaves them out, so no run is compared with itself */
	int64_t *cand_ids;
	size_t n_cand_ids, cap_cand_ids;
	size_t excluded; /* baseline runs left out for being candidates */
	struct intern groups;	     /* group keys -> ids */
	struct intern explain_names; /* explaining metric names -> ids */
	struct run_ref *refs;
	size_t n_refs, cap_refs;
	struct explain_value *explain;
	size_t n_explain, cap_explain;
	struct scenario_mode *modes;
	size_t n_modes, cap_modes;
};

/* FNV-1a of a series' names: its slot in the table, and its bootstrap
 * seed (with the comparison's seed). */
uint64_t compare_series_hash(const char *scenario, const char *variant_key, const char *metric);
/* The series of (scenario, variant_key, metric), or NULL. */
struct group *compare_group_find(const struct group_table *t, const char *scenario,
				 const char *variant_key, const char *metric);
void compare_group_table_release(struct group_table *t);
/* Orders run ids (int64_t), for qsort and bsearch. */
int compare_cmp_id(const void *a, const void *b);
/* A scenario's traffic mode as its runs said it: bulk if none did. */
enum compare_mode compare_mode_of_scenario(const struct collect_ctx *c, const char *scenario);
/* Whether the comparison collects the metric name: one asked for, or a
 * bound mark. */
bool compare_wanted(const struct collect_ctx *c, const char *name);
/* Read one side (0 baseline, 1 candidate: first) into c->t. 0, or a
 * negative errno with the diag set. */
int compare_collect_side(struct results *db, const struct results_filter *f, int side,
			 struct collect_ctx *c, struct diag *d);
void compare_collect_release(struct collect_ctx *c);

/* ---- the comparison (compare.c) --------------------------------------------- */

/* Whether a stored metric may tell the clusters of a bimodal series apart. */
bool compare_is_explainer(const char *name);
/* Copy a name into a fixed field, cut with "..." when too long. */
void compare_copy_name(char *dst, size_t size, const char *src);
/* Whether the series has values on both sides. */
bool compare_on_both(const struct group *g);

/* A family of series: their indexes in the result and adjusted p. */
struct family {
	size_t *idx;
	double *adj;
	size_t m;
};

/* The series for which in() holds, their p_of() adjusted together. */
int compare_family_adjust(const struct compare_opts *o, const struct compare_result *r,
			  bool (*in)(const struct compare_series *),
			  double (*p_of)(const struct compare_series *), struct family *f);
void compare_family_release(struct family *f);
/* Whether a series is in the family: primary, and able to get a verdict. */
bool compare_in_family(const struct compare_series *s);

/* ---- the mix and the bounds (compare_mix.c) --------------------------------- */

/* In a worker thread (as the location figures): whether the series is
 * bimodal, its clusters and what tells them apart. 0 or a negative errno. */
int compare_mix_figures(const struct collect_ctx *c, const struct group *g,
			struct compare_series *s);
/* The family's bimodal series: the mix-shift p adjusted, a verdict on
 * each shift. 0 or -ENOMEM. */
int compare_mix_decide(const struct compare_opts *o, struct compare_result *r);
/* In a worker thread: for completion_us with the bound marks on both
 * sides, the share of runs over the bound per side and Fisher's exact
 * test; *has says whether b was filled. 0 or a negative errno. */
int compare_bound_figures(const struct collect_ctx *c, const struct compare_series *s,
			  const struct compare_opts *o, struct compare_bound *b, bool *has);

#endif
