/*
 * pages_compare.c: the comparison report (report_compare_pages_write in
 * pages.h): two kernels, two schedulers or two variants, as `compare`
 * judged them, in pages a maintainer reads before the numbers:
 *
 *   index.html              the two selections, the verdict counts, how
 *                           sure the lab is, and one row per series: its
 *                           verdict, change and CI, medians, runs, noise,
 *                           the smallest change it can detect, and the MIB
 *                           counters whose deltas differ
 *   compare-<slug>.html     per scenario: per metric the runs of both sides
 *                           as combined CDFs and points; per series what
 *                           compare says; per variant the median run of
 *                           each side, per-subflow charts side by side on
 *                           shared axes with their events; and the MPTCP
 *                           MIB counters per run of both sides, those that
 *                           maintainers read first (OFOQueue, DuplicateData,
 *                           MPTCPRetrans, join failures) always, any other
 *                           whose deltas differ (Mann-Whitney, Holm over
 *                           the counters of the variant, p < 0.01)
 *
 * The runs are read again for what compare does not keep: which run is
 * each side's median, and the MIB deltas. Like compare, only ok runs
 * count, and a run both selections hold is the candidate's.
 *
 * It prints nothing; the verdicts are the caller's compare_result.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "mtime.h"
#include "pages_int.h"
#include "stats.h"

/* Holm-adjusted p below which a counter's deltas differ. */
#define CPG_ALPHA 0.01

struct cpg_run {
	char uuid[37];
	double goodput; /* NaN: none */
	size_t mib_off, n_mib;
};

struct cpg_mib {
	uint32_t name; /* into cpg.mib_names */
	int64_t delta;
};

/* One MIB counter of one role, over the runs of a group. */
struct cpg_row {
	char role[16];
	char counter[144];
	bool watched;
	double mean[2], p, p_adj;
	size_t n[2];
};

struct cpg_group {
	char *scenario, *variant;
	struct cpg_run *runs[2];
	size_t n[2];
	struct cpg_row *rows; /* cpg_mib_rows() */
	size_t n_rows;
	bool rows_done;
};

struct cpg {
	struct pages_out out;
	const struct report_compare_pages_opts *o;
	struct cpg_group *groups;
	size_t n_groups;
	char **mib_names; /* "client OFOQueue" */
	size_t n_mib_names;
	struct cpg_mib *mibs;
	size_t n_mibs;
	int64_t *cand_ids;
	size_t n_cand_ids;
	int side;
	size_t n_runs[2];
	int err;
};

static int cpg_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static struct cpg_group *cpg_group_get(struct cpg *c, const char *scen, const char *var)
{
	struct cpg_group *g;

	for (size_t i = c->n_groups; i-- > 0;)
		if (!strcmp(c->groups[i].scenario, scen) && !strcmp(c->groups[i].variant, var))
			return &c->groups[i];
	g = array_grow(c->groups, c->n_groups, sizeof(*g));
	if (!g)
		return NULL;
	c->groups = g;
	g = &c->groups[c->n_groups++];
	g->scenario = strdup(scen);
	g->variant = strdup(var);
	return g->scenario && g->variant ? g : NULL;
}

static int64_t cpg_mib_name(struct cpg *c, const char *role, const char *counter)
{
	char name[160], **g;

	snprintf(name, sizeof(name), "%s %s", role, counter);
	for (size_t i = 0; i < c->n_mib_names; i++)
		if (!strcmp(c->mib_names[i], name))
			return (int64_t)i;
	g = array_grow(c->mib_names, c->n_mib_names, sizeof(*g));
	if (!g)
		return -ENOMEM;
	c->mib_names = g;
	g[c->n_mib_names] = strdup(name);
	if (!g[c->n_mib_names])
		return -ENOMEM;
	return (int64_t)c->n_mib_names++;
}

static int cpg_collect(const struct results_run *run, void *arg)
{
	struct cpg *c = arg;
	const struct results_metric *gp = results_run_metric(run, "goodput_bps");
	struct cpg_group *g;
	struct cpg_run *r;

	if (c->side == 1) {
		int64_t *ids = array_grow(c->cand_ids, c->n_cand_ids, sizeof(*ids));

		if (!ids)
			return -ENOMEM;
		c->cand_ids = ids;
		ids[c->n_cand_ids++] = run->id;
	} else if (bsearch(&run->id, c->cand_ids, c->n_cand_ids, sizeof(*c->cand_ids),
			   cpg_id_cmp)) {
		return 0; /* the candidate's, as in compare */
	}
	c->n_runs[c->side]++;
	g = cpg_group_get(c, run->scenario ? run->scenario : "",
			  run->variant_key ? run->variant_key : "");
	if (!g)
		return -ENOMEM;
	r = array_grow(g->runs[c->side], g->n[c->side], sizeof(*r));
	if (!r)
		return -ENOMEM;
	g->runs[c->side] = r;
	r = &r[g->n[c->side]++];
	memcpy(r->uuid, run->uuid, sizeof(r->uuid));
	r->goodput = gp && isfinite(gp->value) ? gp->value : (double)NAN;
	r->mib_off = c->n_mibs;
	for (size_t i = 0; i < run->n_mibs; i++) {
		const struct results_mib *m = &run->mibs[i];
		int64_t name = cpg_mib_name(c, m->netns_role ? m->netns_role : "?",
					    m->counter ? m->counter : "?");
		struct cpg_mib *mb;

		if (name < 0)
			return (int)name;
		mb = array_grow(c->mibs, c->n_mibs, sizeof(*mb));
		if (!mb)
			return -ENOMEM;
		c->mibs = mb;
		c->mibs[c->n_mibs++] = (struct cpg_mib){ (uint32_t)name, m->delta };
	}
	r->n_mib = c->n_mibs - r->mib_off;
	return 0;
}

static int cpg_read(struct cpg *c, struct results *db, struct diag *d)
{
	const struct results_filter *side[2] = { c->o->baseline, c->o->candidate };

	for (int k = 1; k >= 0; k--) {
		struct results_filter f = { 0 };
		int r;

		if (side[k])
			f = *side[k];
		f.status = "ok";
		c->side = k;
		r = results_query(db, &f, cpg_collect, c, d);
		if (r < 0)
			return r;
		if (k == 1)
			qsort(c->cand_ids, c->n_cand_ids, sizeof(*c->cand_ids), cpg_id_cmp);
	}
	return 0;
}

static void cpg_release(struct cpg *c)
{
	for (size_t i = 0; i < c->n_groups; i++) {
		free(c->groups[i].scenario);
		free(c->groups[i].variant);
		free(c->groups[i].runs[0]);
		free(c->groups[i].runs[1]);
		free(c->groups[i].rows);
	}
	free(c->groups);
	for (size_t i = 0; i < c->n_mib_names; i++)
		free(c->mib_names[i]);
	free(c->mib_names);
	free(c->mibs);
	free(c->cand_ids);
	pages_out_close(&c->out);
}

/* ---- the MIB counters -------------------------------------------------------- */

/* What maintainers read first; "join failures" is the sum of the MPJoin
 * counters that count a failed or refused join. */
static const char *const cpg_watched[] = { "OFOQueue", "DuplicateData", "MPTCPRetrans",
					   "join failures" };

static bool cpg_join_failure(const char *counter)
{
	if (strncmp(counter, "MPJoin", 6))
		return false;
	return strstr(counter, "Failure") || strstr(counter, "NoTokenFound") ||
	       strstr(counter, "Rejected") ||
	       (strlen(counter) > 3 && !strcmp(counter + strlen(counter) - 3, "Err"));
}

/* One counter ("client OFOQueue", or "client join failures") per run of
 * one side: the run's delta, 0 when the run counted others but not it;
 * runs without any counter (not measured) are left out. */
static size_t cpg_values(const struct cpg *c, const struct cpg_group *g, int side,
			 const char *role, const char *counter, double *out)
{
	bool sum = !strcmp(counter, "join failures");
	size_t n = 0, rl = strlen(role);

	for (size_t i = 0; i < g->n[side]; i++) {
		const struct cpg_run *r = &g->runs[side][i];
		double v = 0;

		if (!r->n_mib)
			continue;
		for (size_t k = 0; k < r->n_mib; k++) {
			const char *name = c->mib_names[c->mibs[r->mib_off + k].name];

			if (strncmp(name, role, rl) || name[rl] != ' ')
				continue;
			if (sum ? cpg_join_failure(name + rl + 1) : !strcmp(name + rl + 1, counter))
				v += (double)c->mibs[r->mib_off + k].delta;
		}
		out[n++] = v;
	}
	return n;
}

static int cpg_row_cmp(const void *a, const void *b)
{
	const struct cpg_row *x = a, *y = b;

	if (x->watched != y->watched)
		return x->watched ? -1 : 1;
	if (!x->watched && x->p_adj != y->p_adj)
		return x->p_adj < y->p_adj ? -1 : 1;
	return strcmp(x->counter, y->counter) ?: strcmp(x->role, y->role);
}

/* The counters of g (once): per role the watched ones, then every other
 * counter its runs have, each with both sides' means and its p, adjusted
 * over all of them (Holm), watched first, then by p. */
static int cpg_mib_rows(const struct cpg *c, struct cpg_group *g)
{
	size_t cap = g->n[0] + g->n[1] + 1, n_rows = 0;
	struct cpg_row *rows = NULL;
	double *v[2] = { NULL, NULL }, *p = NULL, *adj = NULL;
	bool *seen = NULL;
	int ret = -ENOMEM;

	if (g->rows_done)
		return 0;
	v[0] = malloc(cap * sizeof(double));
	v[1] = malloc(cap * sizeof(double));
	seen = calloc(c->n_mib_names + 1, sizeof(*seen));
	if (!v[0] || !v[1] || !seen)
		goto out;
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < g->n[s]; i++)
			for (size_t k = 0; k < g->runs[s][i].n_mib; k++)
				seen[c->mibs[g->runs[s][i].mib_off + k].name] = true;
	rows = calloc(c->n_mib_names + 2 * ARRAY_SIZE(cpg_watched) + 1, sizeof(*rows));
	if (!rows)
		goto out;
	for (int role = 0; role < 2; role++) {
		const char *rn = role ? "server" : "client";
		bool any = false;

		for (size_t i = 0; i < c->n_mib_names; i++)
			any |= seen[i] && !strncmp(c->mib_names[i], rn, strlen(rn));
		if (!any)
			continue;
		for (size_t w = 0; w < ARRAY_SIZE(cpg_watched); w++) {
			snprintf(rows[n_rows].role, sizeof(rows[n_rows].role), "%s", rn);
			snprintf(rows[n_rows].counter, sizeof(rows[n_rows].counter), "%s",
				 cpg_watched[w]);
			rows[n_rows++].watched = true;
		}
	}
	for (size_t i = 0; i < c->n_mib_names; i++) {
		const char *sp = strchr(c->mib_names[i], ' ');
		bool watched = false;

		if (!seen[i] || !sp)
			continue;
		for (size_t w = 0; w < ARRAY_SIZE(cpg_watched); w++)
			watched |= !strcmp(sp + 1, cpg_watched[w]);
		if (watched)
			continue;
		snprintf(rows[n_rows].role, sizeof(rows[n_rows].role), "%.*s",
			 (int)(sp - c->mib_names[i]), c->mib_names[i]);
		snprintf(rows[n_rows].counter, sizeof(rows[n_rows].counter), "%s", sp + 1);
		n_rows++;
	}
	p = calloc(n_rows + 1, sizeof(*p));
	adj = calloc(n_rows + 1, sizeof(*adj));
	if (!p || !adj)
		goto out;
	for (size_t i = 0; i < n_rows; i++) {
		struct cpg_row *r = &rows[i];
		double u, pv;

		for (int s = 0; s < 2; s++) {
			r->n[s] = cpg_values(c, g, s, r->role, r->counter, v[s]);
			r->mean[s] = 0;
			for (size_t k = 0; k < r->n[s]; k++)
				r->mean[s] += v[s][k] / (double)r->n[s];
		}
		/* all values tied (p NaN), or a side without runs: nothing differs */
		p[i] = 1;
		if (r->n[0] && r->n[1] && stats_mann_whitney(v[0], r->n[0], v[1], r->n[1], &u, &pv) == 0 &&
		    isfinite(pv))
			p[i] = pv;
		r->p = p[i];
	}
	stats_holm(p, n_rows, adj);
	for (size_t i = 0; i < n_rows; i++)
		rows[i].p_adj = adj[i];
	qsort(rows, n_rows, sizeof(*rows), cpg_row_cmp);
	g->rows = TAKE_PTR(rows);
	g->n_rows = n_rows;
	g->rows_done = true;
	ret = 0;
out:
	free(v[0]);
	free(v[1]);
	free(p);
	free(adj);
	free(rows);
	free(seen);
	return ret;
}

static void cpg_mib_table(const struct cpg *c, FILE *f, struct cpg_group *g)
{
	size_t shown = 0;

	if (cpg_mib_rows(c, g) < 0) {
		fputs("<p class=\"note\">Out of memory for the MIB counters.</p>\n", f);
		return;
	}
	if (!g->n_rows) {
		fputs("<p class=\"note\">No MPTCP MIB counters stored with these runs.</p>\n", f);
		return;
	}
	fputs("<table class=\"mib\">\n<tr><th>MIB counter</th><th>baseline, mean per run</th>"
	      "<th>candidate, mean per run</th><th>change</th><th>p (Holm)</th></tr>\n",
	      f);
	for (size_t i = 0; i < g->n_rows; i++) {
		const struct cpg_row *r = &g->rows[i];
		bool differs = r->p_adj < CPG_ALPHA;

		if (!r->watched && !differs)
			continue;
		shown++;
		fprintf(f, "<tr%s><td>", differs ? " class=\"differs\"" : "");
		html_text(f, r->role);
		fputs(" <code>", f);
		html_text(f, r->counter);
		fprintf(f, "</code></td><td class=\"num\">%.4g</td><td class=\"num\">%.4g</td>"
			   "<td class=\"num\">",
			r->mean[0], r->mean[1]);
		if (!r->n[0] || !r->n[1])
			fputs("-", f);
		else if (r->mean[0] > 0)
			fprintf(f, "%+.0f %%", (r->mean[1] / r->mean[0] - 1) * 100);
		else
			fputs(r->mean[1] > 0 ? "from 0" : "0", f);
		fprintf(f, "</td><td class=\"num\">%.2g%s</td></tr>\n", r->p_adj,
			differs ? " <b>differs</b>" : "");
	}
	fputs("</table>\n", f);
	fprintf(f, "<p class=\"note\">Deltas of the MPTcpExt counters over each run (client and "
		   "server namespaces), %zu and %zu runs. Always shown: OFOQueue, DuplicateData, "
		   "MPTCPRetrans and join failures (MPJoin counters of failed or refused joins, "
		   "summed); any other counter only when its deltas differ (Mann-Whitney, Holm over "
		   "the %zu counters, p &lt; %g): %zu shown.</p>\n",
		g->n[0], g->n[1], g->n_rows, CPG_ALPHA, shown);
}

/* The counters of g whose deltas differ, for the index: "-" when none. */
static void cpg_mib_differ(const struct cpg *c, FILE *f, struct cpg_group *g)
{
	size_t n = 0;

	if (cpg_mib_rows(c, g) < 0) {
		fputs("?", f);
		return;
	}
	for (size_t i = 0; i < g->n_rows; i++) {
		if (!(g->rows[i].p_adj < CPG_ALPHA))
			continue;
		fputs(n++ ? ", " : "", f);
		html_text(f, g->rows[i].role);
		fputs(" <code>", f);
		html_text(f, g->rows[i].counter);
		fputs("</code>", f);
	}
	if (!n)
		fputs("-", f);
}

/* ---- the median runs ----------------------------------------------------------- */

static int cpg_run_cmp(const void *a, const void *b)
{
	const struct cpg_run *x = a, *y = b;

	if (isnan(x->goodput) || isnan(y->goodput))
		return isnan(x->goodput) - isnan(y->goodput);
	return (x->goodput > y->goodput) - (x->goodput < y->goodput);
}

/* The run of a side at the median of its goodput (the lower middle). */
static const struct cpg_run *cpg_median_run(struct cpg_group *g, int side)
{
	size_t n = 0;

	if (!g->n[side])
		return NULL;
	qsort(g->runs[side], g->n[side], sizeof(*g->runs[side]), cpg_run_cmp);
	for (size_t i = 0; i < g->n[side]; i++)
		n += !isnan(g->runs[side][i].goodput);
	return &g->runs[side][n ? (n - 1) / 2 : (g->n[side] - 1) / 2];
}

static void cpg_median_runs(struct cpg *c, struct results *db, FILE *f, struct cpg_group *g,
			    const char *scen_slug)
{
	static const char *const side_name[2] = { "baseline", "candidate" };
	struct pages_run run[2];
	bool have[2] = { false, false };
	double y_max = 0, x_max = 0;
	char slug[HTML_SLUG_MAX * 2 + 16], vslug[HTML_SLUG_MAX], title[512];

	html_slug(vslug, g->variant);
	for (int s = 0; s < 2; s++) {
		const struct cpg_run *r = cpg_median_run(g, s);
		struct diag d = DIAG_INIT;
		double y, x;

		if (!r)
			continue;
		if (pages_run_load(db, r->uuid, &run[s], &d) < 0) {
			fprintf(f, "<p class=\"note\">Cannot read the %s's median run: ", side_name[s]);
			html_text(f, diag_str(&d));
			fputs("</p>\n", f);
			continue;
		}
		have[s] = true;
		pages_run_extent(&run[s], &y, &x);
		y_max = fmax(y_max, y);
		x_max = fmax(x_max, x);
	}
	fputs("<div class=\"pair\">\n", f);
	for (int s = 0; s < 2; s++) {
		fprintf(f, "<div class=\"side\"><h4>%s: ", side_name[s]);
		if (!have[s]) {
			fputs("no run</h4></div>\n", f);
			continue;
		}
		fputs("<code>", f);
		html_text(f, run[s].uuid);
		fputs("</code></h4>\n", f);
		snprintf(title, sizeof(title), "%s %s (%s)", g->scenario,
			 g->variant[0] ? g->variant : "-", side_name[s]);
		snprintf(slug, sizeof(slug), "%s-%s-%s", scen_slug, vslug, s ? "cand" : "base");
		pages_run_section(&c->out, f, &run[s],
				  &(struct pages_run_charts){ .title = title, .slug = slug,
							       .x_max = x_max > 0 ? x_max * 1.02 : 0,
							       .y_max = y_max > 0 ? y_max * 1.05 : 0,
							       .width_px = 580 });
		fputs("</div>\n", f);
		pages_run_release(&run[s]);
	}
	fputs("</div>\n", f);
}

/* ---- the pages ---------------------------------------------------------------- */

struct cpg_scen {
	const char *name;
	char slug[HTML_SLUG_MAX];
};

static int cpg_scenario_page(struct cpg *c, struct results *db, const struct cpg_scen *sc,
			     struct pages_doc *doc)
{
	const struct compare_result *cmp = c->o->cmp;
	FILE *f;
	int ret;

	ret = pages_scenario_open(doc, "compare", sc->slug, sc->name, "mptcp-lab comparison",
				  ": baseline vs candidate");
	if (ret < 0)
		return ret;
	f = doc->f;
	fputs("<h2>The runs</h2>\n", f);
	for (size_t i = 0; i < cmp->n; i++) {
		const struct compare_series *cs = &cmp->series[i];
		struct pages_runs_set set = { .scenario = sc->name, .slug = sc->slug,
					      .metric = cs->metric,
					      .side_name = { "baseline", "candidate" } };
		bool first = true;

		if (!PAGES_CS_EQ(cs, scenario, sc->name))
			continue;
		for (size_t k = 0; k < i && first; k++)
			first = !PAGES_CS_EQ(&cmp->series[k], scenario, sc->name) ||
				strcmp(cmp->series[k].metric, cs->metric);
		if (!first)
			continue;
		pages_runs_set_of(&set, cmp);
		pages_runs_section(&c->out, f, &set);
	}
	fputs("<h2>Verdicts</h2>\n", f);
	pages_series_figs(f, cmp, sc->name);
	for (size_t i = 0; i < c->n_groups; i++) {
		struct cpg_group *g = &c->groups[i];

		if (strcmp(g->scenario, sc->name) || !g->n[0] || !g->n[1])
			continue;
		fputs("<h2>", f);
		html_text(f, g->variant[0] ? g->variant : "-");
		fputs(": the median run of each side</h2>\n", f);
		fputs("<p class=\"note\">Each side's run at the median of its goodput, drawn on the "
		      "same axes.</p>\n",
		      f);
		cpg_median_runs(c, db, f, g, sc->slug);
		fputs("<h3>MPTCP MIB counters</h3>\n", f);
		cpg_mib_table(c, f, g);
	}
	return ferror(f) ? -EIO : 0;
}

static int cpg_index(struct cpg *c, const struct cpg_scen *scen, size_t n_scen,
		     struct pages_doc *doc)
{
	const struct compare_result *cmp = c->o->cmp;
	char t[16];
	FILE *f;
	int ret;

	ret = pages_doc_open(doc, "index.html", "mptcp-lab comparison");
	if (ret < 0)
		return ret;
	f = doc->f;
	fputs("<h1>mptcp-lab comparison</h1>\n<p>Baseline <code>", f);
	html_text(f, c->o->baseline_text ? c->o->baseline_text : "-");
	fprintf(f, "</code> (%zu ok runs), candidate <code>", c->n_runs[0]);
	html_text(f, c->o->candidate_text ? c->o->candidate_text : "-");
	fprintf(f, "</code> (%zu ok runs).</p>\n", c->n_runs[1]);
	pages_counts_html(f, cmp->counts);
	pages_sure_line(f, cmp, "these repetitions");
	pages_fmt_pct(PAGES_TARGET_CHANGE, t, sizeof(t));
	fprintf(f, "<h2>Series</h2>\n<table>\n<tr><th>scenario</th><th>variant</th><th>metric</th>"
		   "<th>verdict</th><th>change [95 %% CI]</th><th>median baseline &rarr; "
		   "candidate</th><th>runs</th><th>noise within</th><th>between</th><th>smallest "
		   "detectable change</th><th>detects %s</th><th>MIB counters that differ</th></tr>\n",
		t);
	for (size_t i = 0; i < cmp->n; i++) {
		const struct compare_series *cs = &cmp->series[i];
		const struct cpg_scen *sc = NULL;
		struct cpg_group *g = NULL;
		struct pages_figs fg;

		for (size_t s = 0; s < n_scen && !sc; s++)
			if (PAGES_CS_EQ(cs, scenario, scen[s].name))
				sc = &scen[s];
		for (size_t s = 0; s < c->n_groups && !g; s++)
			if (PAGES_CS_EQ(cs, scenario, c->groups[s].scenario) &&
			    PAGES_CS_EQ(cs, variant_key, c->groups[s].variant))
				g = &c->groups[s];
		pages_figs_of(cs, &fg);
		pages_row_cells(f, "compare", sc ? sc->slug : "x", sc ? sc->name : cs->scenario,
				cs->variant_key, cs->metric, cs);
		fprintf(f, "<td class=\"num\">%zu / %zu</td>", cs->n_base, cs->n_cand);
		pages_health_cells(f, &fg);
		fputs("<td>", f);
		/* once per scenario and variant: on its first metric's row */
		if (g && (i == 0 || !PAGES_CS_EQ(&cmp->series[i - 1], scenario, g->scenario) ||
			  !PAGES_CS_EQ(&cmp->series[i - 1], variant_key, g->variant)))
			cpg_mib_differ(c, f, g);
		else
			fputs(g ? "&#8243;" : "-", f);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p class=\"note\">Hover a verdict for its reason; each scenario's page has "
	      "the runs, the figures and the median run of each side.</p>\n<h2>Scenarios</h2>\n<ul>\n",
	      f);
	for (size_t i = 0; i < n_scen; i++) {
		fprintf(f, "<li><a href=\"compare-%s.html\">", scen[i].slug);
		html_text(f, scen[i].name);
		fputs("</a></li>\n", f);
	}
	fputs("</ul>\n", f);
	return ferror(f) ? -EIO : 0;
}

int report_compare_pages_write(struct results *db, const struct report_compare_pages_opts *o,
			       const struct report_pages_observer *obs,
			       struct report_pages_stats *st, struct diag *d)
{
	struct report_pages_stats unused;
	struct cpg c = { .o = o };
	struct cpg_scen *scen = NULL;
	struct pages_doc *docs = NULL;
	size_t n_scen = 0;
	uint64_t t0, t_pages;
	int r;

	if (!st)
		st = &unused;
	memset(st, 0, sizeof(*st));
	if (!o->out_dir || !*o->out_dir || !o->cmp)
		return diag_set(d, -EINVAL, "cannot write the comparison report: no directory or no "
					    "comparison");
	c.out.png = o->png;
	t0 = mtime_now_us();
	r = cpg_read(&c, db, d);
	st->query_us = mtime_now_us() - t0;
	if (r < 0) {
		r = diag_prefix(d, "cannot read the runs of the comparison");
		goto out;
	}
	st->n_runs = c.n_runs[0] + c.n_runs[1];
	st->n_series = o->cmp->n;
	st->n_regressions = o->cmp->counts[COMPARE_REGRESSION];

	t_pages = mtime_now_us();
	for (size_t i = 0; i < o->cmp->n; i++) {
		const struct compare_series *cs = &o->cmp->series[i];
		struct cpg_scen *g;
		bool known = false;

		for (size_t k = 0; k < n_scen && !known; k++)
			known = PAGES_CS_EQ(cs, scenario, scen[k].name);
		if (known)
			continue;
		g = array_grow(scen, n_scen, sizeof(*g));
		if (!g) {
			r = diag_set(d, -ENOMEM, "cannot write the comparison report: out of memory");
			goto out;
		}
		scen = g;
		/* the full name, from the runs: compare cuts long names */
		g[n_scen].name = cs->scenario;
		for (size_t k = 0; k < c.n_groups; k++)
			if (PAGES_CS_EQ(cs, scenario, c.groups[k].scenario))
				g[n_scen].name = c.groups[k].scenario;
		html_slug(g[n_scen].slug, g[n_scen].name);
		n_scen++;
	}
	st->n_scenarios = n_scen;
	r = pages_out_open(&c.out, o->out_dir, obs, d);
	if (r < 0)
		goto out;
	docs = calloc(n_scen + 1, sizeof(*docs));
	if (!docs) {
		r = diag_set(d, -ENOMEM, "cannot write the comparison report: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_scen && r == 0; i++) {
		r = cpg_scenario_page(&c, db, &scen[i], &docs[i]);
		if (r < 0)
			diag_set(d, r, "cannot write the comparison page of '%s': %s", scen[i].name,
				 strerror(-r));
	}
	if (r == 0) {
		r = cpg_index(&c, scen, n_scen, &docs[n_scen]);
		if (r < 0)
			diag_set(d, r, "cannot write the comparison report: %s", strerror(-r));
	}
	if (r == 0)
		r = pages_draw(&c.out, d);
	for (size_t i = 0; i <= n_scen && r == 0; i++) {
		r = pages_doc_finish(&docs[i], NULL, &c.out);
		if (r < 0)
			diag_set(d, r, "cannot write '%s/%s': %s", o->out_dir, docs[i].name,
				 strerror(-r));
	}
	st->n_charts = chart_batch_count(c.out.batch);
	for (size_t i = 0; i < st->n_charts; i++)
		st->n_charts_failed += chart_batch_status(c.out.batch, i, NULL) != 0;
	st->n_gnuplots = chart_batch_procs(c.out.batch);
	st->charts_us = c.out.chart_us;
	st->pages_us = mtime_now_us() - t_pages - c.out.chart_us;
out:
	for (size_t i = 0; docs && i <= n_scen; i++)
		pages_doc_release(&docs[i]);
	free(docs);
	free(scen);
	cpg_release(&c);
	return r;
}
