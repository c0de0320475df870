/*
 * compare_collect.c: the runs of a comparison (compare.c) collected into
 * series, one side after the other, the candidate first: per (scenario,
 * variant_key, metric) and side, each value with its run's group
 * (compare_group_key) and its run's index; each run's explaining metrics
 * (what may tell the clusters of a bimodal series apart); each scenario's
 * traffic mode. A baseline run that the candidate selected too is left
 * out. The series are in an open-addressing table over an FNV-1a hash of
 * their names; the group keys and the explaining metrics' names are
 * interned.
 *
 * It reads the database through results_query() only, and computes no
 * figure and no verdict (compare.c, compare_mix.c).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"

/* ---- collecting ------------------------------------------------------------ */

/* FNV-1a over NUL-terminated strings, each with its NUL so ("ab", "c") and
 * ("a", "bc") differ. */
static uint64_t fnv_strings(const char *const *parts, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		do {
			h ^= *p;
			h *= 0x100000001b3ULL;
		} while (*p++);
	}
	return h;
}

uint64_t compare_series_hash(const char *scenario, const char *variant_key, const char *metric)
{
	const char *parts[3] = { scenario, variant_key, metric };

	return fnv_strings(parts, 3);
}

static void intern_release(struct intern *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->h);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/*
 * Rebuild an open-addressing index (slots hold an element's index + 1,
 * 0 is free) at twice its size, over n elements whose 64-bit hashes are
 * stride bytes apart from hash0: the interned strings' and the series'.
 */
static int slots_rehash(size_t **slots_io, size_t *n_slots_io, const uint64_t *hash0,
			size_t stride, size_t n)
{
	size_t n_slots = *n_slots_io ? 2 * *n_slots_io : 64;
	size_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const uint64_t h = *(const uint64_t *)((const char *)hash0 + i * stride);
		size_t s = h & (n_slots - 1);

		while (slots[s])
			s = (s + 1) & (n_slots - 1);
		slots[s] = i + 1;
	}
	free(*slots_io);
	*slots_io = slots;
	*n_slots_io = n_slots;
	return 0;
}

static int intern_rehash(struct intern *t)
{
	return slots_rehash(&t->slots, &t->n_slots, t->h, sizeof(*t->h), t->n);
}

/* The index of s (added when new): >= 0, or -ENOMEM. */
static int64_t intern_id(struct intern *t, const char *str)
{
	const uint64_t h = fnv_strings(&str, 1);
	size_t s;

	if (2 * (t->n + 1) > t->n_slots && intern_rehash(t) < 0)
		return -ENOMEM;
	for (s = h & (t->n_slots - 1); t->slots[s]; s = (s + 1) & (t->n_slots - 1)) {
		size_t i = t->slots[s] - 1;

		if (t->h[i] == h && !strcmp(t->s[i], str))
			return (int64_t)i;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;
		char **gs = realloc(t->s, cap * sizeof(*gs));
		uint64_t *gh;

		if (!gs)
			return -ENOMEM;
		t->s = gs;
		gh = realloc(t->h, cap * sizeof(*gh));
		if (!gh)
			return -ENOMEM;
		t->h = gh;
		t->cap = cap;
	}
	t->s[t->n] = strdup(str);
	if (!t->s[t->n])
		return -ENOMEM;
	t->h[t->n] = h;
	t->slots[s] = ++t->n;
	return (int64_t)(t->n - 1);
}

void compare_group_table_release(struct group_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct group *g = &t->groups[i];

		free(g->scenario);
		free(g->variant_key);
		free(g->metric);
		for (int s = 0; s < 2; s++) {
			free(g->v[s]);
			free(g->grp[s]);
			free(g->run[s]);
		}
	}
	free(t->groups);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static int group_table_rehash(struct group_table *t)
{
	return slots_rehash(&t->slots, &t->n_slots, t->n ? &t->groups[0].hash : NULL,
			    sizeof(*t->groups), t->n);
}

struct group *compare_group_find(const struct group_table *t, const char *scenario,
				 const char *variant_key, const char *metric)
{
	uint64_t h = compare_series_hash(scenario, variant_key, metric);

	if (!t->n_slots)
		return NULL;
	for (size_t s = h & (t->n_slots - 1); t->slots[s]; s = (s + 1) & (t->n_slots - 1)) {
		struct group *g = &t->groups[t->slots[s] - 1];

		if (g->hash == h && !strcmp(g->scenario, scenario) &&
		    !strcmp(g->variant_key, variant_key) && !strcmp(g->metric, metric))
			return g;
	}
	return NULL;
}

static int group_find_or_add(struct group_table *t, const char *scenario,
			     const char *variant_key, const char *metric, struct group **out)
{
	struct group *g;
	size_t s;

	if (2 * (t->n + 1) > t->n_slots && group_table_rehash(t) < 0)
		return -ENOMEM;
	g = compare_group_find(t, scenario, variant_key, metric);
	if (g) {
		*out = g;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct group *grown = realloc(t->groups, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		t->groups = grown;
		t->cap = cap;
	}
	g = &t->groups[t->n];
	memset(g, 0, sizeof(*g));
	g->hash = compare_series_hash(scenario, variant_key, metric);
	g->scenario = strdup(scenario);
	g->variant_key = strdup(variant_key);
	g->metric = strdup(metric);
	t->n++; /* counted before the check, so release frees what was copied */
	if (!g->scenario || !g->variant_key || !g->metric)
		return -ENOMEM;
	for (s = g->hash & (t->n_slots - 1); t->slots[s]; s = (s + 1) & (t->n_slots - 1))
		;
	t->slots[s] = t->n;
	*out = g;
	return 0;
}

static int group_push(struct group *g, int side, double value, int64_t grp, uint32_t run)
{
	if (g->n[side] == g->cap[side]) {
		size_t cap = g->cap[side] ? 2 * g->cap[side] : 16;
		double *v = realloc(g->v[side], cap * sizeof(*v));
		int64_t *gr;
		uint32_t *ru;

		if (!v)
			return -ENOMEM;
		g->v[side] = v;
		gr = realloc(g->grp[side], cap * sizeof(*gr));
		if (!gr)
			return -ENOMEM;
		g->grp[side] = gr;
		ru = realloc(g->run[side], cap * sizeof(*ru));
		if (!ru)
			return -ENOMEM;
		g->run[side] = ru;
		g->cap[side] = cap;
	}
	g->v[side][g->n[side]] = value;
	g->grp[side][g->n[side]] = grp;
	g->run[side][g->n[side]++] = run;
	return 0;
}

/* Room for one more element of *arr (n used of *cap). 0 or -ENOMEM. */
static int reserve(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t want;
	void *grown;

	if (n < *cap)
		return 0;
	want = *cap ? 2 * *cap : 64;
	grown = realloc(*arr, want * size);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = want;
	return 0;
}

int compare_cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The run's explaining metrics, and its index. */
static int collect_ref(struct collect_ctx *c, const struct results_run *run, uint32_t *idx)
{
	struct run_ref ref = { (uint32_t)c->n_explain, 0 };

	for (size_t i = 0; i < run->n_metrics; i++) {
		const struct results_metric *m = &run->metrics[i];
		int64_t name;

		if (!isfinite(m->value) || !compare_is_explainer(m->name))
			continue;
		name = intern_id(&c->explain_names, m->name);
		if (name < 0 || reserve((void **)&c->explain, &c->cap_explain, c->n_explain,
					sizeof(*c->explain)) < 0)
			return -ENOMEM;
		c->explain[c->n_explain++] = (struct explain_value){ (uint32_t)name, m->value };
		ref.n++;
	}
	if (reserve((void **)&c->refs, &c->cap_refs, c->n_refs, sizeof(*c->refs)) < 0)
		return -ENOMEM;
	*idx = (uint32_t)c->n_refs;
	c->refs[c->n_refs++] = ref;
	return 0;
}

static int collect_mode(struct collect_ctx *c, const struct results_run *run)
{
	const char *scenario = run->scenario ? run->scenario : "";
	enum compare_mode m = compare_mode_of(run);

	for (size_t i = 0; i < c->n_modes; i++) {
		if (!strcmp(c->modes[i].name, scenario)) {
			/* a scenario's runs agree; if not, the richer mode wins */
			if (m > c->modes[i].mode)
				c->modes[i].mode = m;
			return 0;
		}
	}
	if (reserve((void **)&c->modes, &c->cap_modes, c->n_modes, sizeof(*c->modes)) < 0)
		return -ENOMEM;
	c->modes[c->n_modes].name = strdup(scenario);
	if (!c->modes[c->n_modes].name)
		return -ENOMEM;
	c->modes[c->n_modes++].mode = m;
	return 0;
}

enum compare_mode compare_mode_of_scenario(const struct collect_ctx *c, const char *scenario)
{
	for (size_t i = 0; i < c->n_modes; i++)
		if (!strcmp(c->modes[i].name, scenario))
			return c->modes[i].mode;
	return COMPARE_MODE_BULK;
}

bool compare_wanted(const struct collect_ctx *c, const char *name)
{
	if (!strcmp(name, COMPARE_OVER_BOUND) || !strcmp(name, COMPARE_BOUND_US))
		return true;
	for (size_t k = 0; k < c->n_metrics; k++)
		if (!strcmp(c->metrics[k], name))
			return true;
	return false;
}

static int collect_run(const struct results_run *run, void *arg)
{
	struct collect_ctx *c = arg;
	const char *variant_key = run->variant_key ? run->variant_key : "";
	const char *scenario = run->scenario ? run->scenario : "";
	char key[160];
	bool referenced = false;
	int64_t grp;
	uint32_t ref = 0;
	struct group *g;
	int ret;

	if (c->side == 1) {
		if (reserve((void **)&c->cand_ids, &c->cap_cand_ids, c->n_cand_ids,
			    sizeof(*c->cand_ids)) < 0)
			return -ENOMEM;
		c->cand_ids[c->n_cand_ids++] = run->id;
	} else if (bsearch(&run->id, c->cand_ids, c->n_cand_ids, sizeof(*c->cand_ids),
			   compare_cmp_id)) {
		c->excluded++;
		return 0;
	}
	grp = intern_id(&c->groups, compare_group_key(run, key, sizeof(key)));
	if (grp < 0)
		return -ENOMEM;
	ret = collect_mode(c, run);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < run->n_metrics; i++) {
		const struct results_metric *m = &run->metrics[i];

		/* a NaN or an infinity is not a measurement */
		if (!isfinite(m->value) || !compare_wanted(c, m->name))
			continue;
		if (c->side == 0 && c->o->keep_baseline &&
		    !c->o->keep_baseline(c->o->keep_arg, scenario, variant_key, m->name,
					 run->started_at_us))
			continue;
		if (!referenced) {
			ret = collect_ref(c, run, &ref);
			if (ret < 0)
				return ret;
			referenced = true;
		}
		ret = group_find_or_add(c->t, scenario, variant_key, m->name, &g);
		if (ret < 0)
			return ret;
		ret = group_push(g, c->side, m->value, grp, ref);
		if (ret < 0)
			return ret;
		if (strcmp(m->name, COMPARE_OVER_BOUND) && strcmp(m->name, COMPARE_BOUND_US))
			c->values++;
	}
	c->runs++;
	return 0;
}

/* Read one side into the table. A filter that asks for runs other than ok
 * ones selects no measurement: said so, rather than silently overridden. */
int compare_collect_side(struct results *db, const struct results_filter *f, int side,
			 struct collect_ctx *c, struct diag *d)
{
	const char *name = side ? "candidate" : "baseline";
	struct results_filter ok = { 0 };
	int ret;

	if (f)
		ok = *f;
	if (ok.status && strcmp(ok.status, "ok"))
		return diag_set(d, -ENODATA,
				"the %s selects runs with status '%s', but only ok runs are measurements",
				name, ok.status);
	ok.status = "ok";
	ok.metrics_only = true;
	c->side = side;
	c->runs = 0;
	c->values = 0;
	ret = results_query(db, &ok, collect_run, c, d);
	if (ret < 0)
		return diag_prefix(d, "cannot read the %s", name);
	if (!c->runs && c->excluded)
		return diag_set(d, -ENODATA,
				"the %s selection holds no ok run besides the %zu it shares with the candidate",
				name, c->excluded);
	if (!c->runs)
		return diag_set(d, -ENODATA, "the %s selection holds no ok run", name);
	if (!c->values)
		return diag_set(d, -ENODATA,
				"the %s selection holds %zu ok run%s, but none has the metric%s asked for",
				name, c->runs, c->runs == 1 ? "" : "s", c->n_metrics == 1 ? "" : "s");
	return 0;
}

void compare_collect_release(struct collect_ctx *c)
{
	free(c->cand_ids);
	intern_release(&c->groups);
	intern_release(&c->explain_names);
	free(c->refs);
	free(c->explain);
	for (size_t i = 0; i < c->n_modes; i++)
		free(c->modes[i].name);
	free(c->modes);
}
