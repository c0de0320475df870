/*
 * test_compare.c: report_compare() and its writers on synthetic runs
 * stored in a temporary database (no privileges), through the rule of
 * stats_verdict.h:
 *  (a) two samples of one distribution, 40 runs a side at 0.3 % noise:
 *      no change (the CI inside the 0.5 % minimum floor), exit 0;
 *      efficiency is derived from goodput: reported, not in the family;
 *  (b) a candidate 5 % slower with 1 % noise, 10 runs a side: regression,
 *      ratio and CI around 0.95, and `compare` exits 1 with JSON that says
 *      so, with the rule's figures (floor source, noise, minimum
 *      detectable change, groups, role);
 *  (c) 3 runs a side: inconclusive, "need 5";
 *  (d) a lower-is-better metric that rises: regression (and goodput that
 *      rises: improvement);
 *  (e) three series each separated completely at 5 v 5 (raw p = 0.0079):
 *      Holm makes them inconclusive, Benjamini-Hochberg keeps them
 *      regressions; p_adjusted is checked against Holm computed here by
 *      hand; a change whose CI straddles the floor is inconclusive, a
 *      regression with a lower --floor, no change with a higher one;
 *  (f) the writers: JUnit is well-formed XML (a small checker here, and
 *      xmllint as a witness when installed) with one <failure> naming the
 *      series, a hostile variant name <&"'> escaped; KTAP has "not ok" for
 *      the regression and "# SKIP" for the inconclusive one, every name on
 *      one line; Markdown escapes '|';
 *  (g) the command's exit codes: 65 for an empty selection, for no series
 *      on both sides, for one selection twice and for a missing database
 *      (not created), 64 for usage errors; a baseline that also selects
 *      the candidate's runs leaves them out;
 *  (h) the floor formula through compare: max(0.5 %, sigma_within), with
 *      sigma_within computed here from its definition (c(n) 1.4826
 *      MAD / median per side, pooled by n - 1), and --floor raising the
 *      minimum;
 *  (i) the CI level through compare: over 150 stored series with a known
 *      -3 % change, the 95 % CIs cover it at 95 % and the 80 % CIs at 80 %
 *      (Clopper-Pearson 99 % bounds that tell the two apart);
 *  (j) the night as the unit: a baseline over 4 nights (nightly= tags) with
 *      night-to-night drift is tested by t on the night medians, its floor
 *      includes the between-night spread;
 *  (k) a byte-count scenario: completion_us is the primary metric,
 *      goodput and efficiency derived; P(exceed the bound) per side with
 *      its Clopper-Pearson interval and Fisher's p (scipy's figures);
 *  (l) two clusters whose mix shifts toward the slower one, told apart by
 *      retransmits: a mix-shift verdict, exit 1.
 *
 * Values are drawn with the seeded generator of stats.h: every run of this
 * test sees the same numbers. Each check prints a line; the first failure
 * exits 1.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "compare.h"
#include "format.h"
#include "results.h"
#include "spawn.h"
#include "stats.h"
#include "stats_dist.h"
#include "check.h"

/* in memory when /dev/shm is there: a few thousand runs, each one
 * committed with a sync */
static char tmpdir[64] = "/tmp/mpl-test-compare-XXXXXX";
static char db_file[256];

static struct stats_rng rng;
static uint64_t clock_us = 1790000000000000ULL;
/* the group tag of the next runs ("nightly=n1"), NULL: none (one date) */
static const char *group_tag;
static const char *scenario_name = "syn";

struct extra {
	const char *name;
	double value;
};

/* Store one run of scenario "syn" tagged case=<c>, side=<side>, started
 * on the test clock (runs 4 s apart), with metric = value and the extra
 * metrics. duration_us 0 leaves finished_at_us unset, reason NULL leaves
 * the reason unset. */
static void add_run_x(struct results *db, const char *c, const char *side,
		      const char *variant_key, int repetition, uint64_t duration_us,
		      enum results_status status, const char *reason, const char *metric,
		      double value, const struct extra *x, size_t nx)
{
	struct diag d = DIAG_INIT;
	struct results_run run;

	check_must(results_run_init(&run), "results_run_init", NULL);
	check_must(results_run_set_str(&run.scenario, scenario_name), "set scenario", NULL);
	check_must(results_run_set_str(&run.variant_key, variant_key), "set variant", NULL);
	run.repetition = repetition;
	run.started_at_us = clock_us;
	if (duration_us)
		run.finished_at_us = clock_us + duration_us;
	clock_us += 4000000;
	run.status = status;
	if (reason)
		check_must(results_run_set_str(&run.reason, reason), "set reason", NULL);
	check_must(results_run_add_tag(&run, "case", c), "add tag", NULL);
	check_must(results_run_add_tag(&run, "side", side), "add tag", NULL);
	check_must(results_run_add_metric(&run, metric, value), "add metric", NULL);
	for (size_t i = 0; i < nx; i++)
		check_must(results_run_add_metric(&run, x[i].name, x[i].value), "add metric", NULL);
	if (group_tag) {
		char key[32];
		const char *eq = strchr(group_tag, '=');

		snprintf(key, sizeof(key), "%.*s", (int)(eq - group_tag), group_tag);
		check_must(results_run_add_tag(&run, key, eq + 1), "add tag", NULL);
	}
	check_must(results_run_store(db, &run, &d), "store run", &d);
	results_run_release(&run);
}

static void add_run(struct results *db, const char *c, const char *side, const char *variant_key,
		    int repetition, uint64_t duration_us, enum results_status status,
		    const char *reason, const char *metric, double value)
{
	add_run_x(db, c, side, variant_key, repetition, duration_us, status, reason, metric, value,
		  NULL, 0);
}

/* Store n ok runs with metric = center x (1 + noise x N(0,1)). */
static void add_runs(struct results *db, const char *c, const char *side, const char *variant_key,
		     const char *metric, size_t n, double center, double noise)
{
	for (size_t i = 0; i < n; i++)
		add_run(db, c, side, variant_key, (int)i + 1, 3000000, RESULTS_OK, NULL, metric,
			center * (1 + noise * stats_rng_normal(&rng)));
}

/* Store ok runs with the given values exactly. */
static void add_values(struct results *db, const char *c, const char *side,
		       const char *variant_key, const char *metric, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		add_run(db, c, side, variant_key, (int)i + 1, 0, RESULTS_OK, NULL, metric, v[i]);
}

/* A run that failed: it must never count as a measurement. */
static void add_failed(struct results *db, const char *c, const char *side, const char *metric,
		       double value)
{
	add_run(db, c, side, "", 0, 0, RESULTS_FAILED, "iperf3 died", metric, value);
}

struct sides {
	const char *tags_a[2], *tags_b[2];
	struct results_filter a, b;
};

static void sides_init(struct sides *s, const char *c)
{
	static char bufs[8][64];
	static int next;
	char *ca = bufs[next++ % 8];

	snprintf(ca, 64, "case=%s", c);
	s->tags_a[0] = ca;
	s->tags_a[1] = "side=a";
	s->tags_b[0] = ca;
	s->tags_b[1] = "side=b";
	memset(&s->a, 0, sizeof(s->a));
	memset(&s->b, 0, sizeof(s->b));
	s->a.tags = s->tags_a;
	s->a.n_tags = 2;
	s->b.tags = s->tags_b;
	s->b.n_tags = 2;
}

static void compare_case(struct results *db, const char *c, const struct compare_opts *o,
			 struct compare_result *r)
{
	struct diag d = DIAG_INIT;
	struct sides s;

	sides_init(&s, c);
	check_must(report_compare(db, &s.a, &s.b, o, r, &d), "report_compare", &d);
}

static const struct compare_series *find(const struct compare_result *r, const char *variant,
					 const char *metric)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->series[i].variant_key, variant) && !strcmp(r->series[i].metric, metric))
			return &r->series[i];
	return NULL;
}

/* Run `mptcp-lab compare` with args (NULL-terminated) on copies, as main()
 * would hand them over; returns its exit code. */
static int run_cli_argv(const char *const *args)
{
	char *argv[32];
	int argc = 0, ret;

	for (; args[argc] && argc < 31; argc++) {
		argv[argc] = strdup(args[argc]);
		if (!argv[argc]) {
			fprintf(stderr, "FAIL: out of memory\n");
			exit(1);
		}
	}
	argv[argc] = NULL;
	fflush(stdout);
	ret = cmd_compare(argc, argv);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return ret;
}

/* `mptcp-lab compare` between the case's two sides, with extra arguments. */
static int run_cli(const char *c, const char *const *extra)
{
	char base[80], cand[80];
	const char *args[32] = { "compare", "--db", db_file, "--baseline", base, "--candidate", cand };
	int argc = 7;

	snprintf(base, sizeof(base), "tag:case=%s,tag:side=a", c);
	snprintf(cand, sizeof(cand), "tag:case=%s,tag:side=b", c);
	for (; extra && *extra && argc < 31; extra++)
		args[argc++] = *extra;
	args[argc] = NULL;
	return run_cli_argv(args);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* r in format through report_write_compare() (title as the heading, no
 * colour) into tmpdir/name, read back; path gets the file's path. */
static char *written(const struct compare_result *r, enum report_format format, const char *title,
		     const char *what, const char *name, char *path, size_t size)
{
	const struct compare_about about = { .title = title };
	FILE *f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	CHECK(f && report_write_compare(f, format, false, r, &about) == 0 && fclose(f) == 0,
	      "(f) %s written", what);
	return slurp(path);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/*
 * A small XML well-formedness check, enough for what the JUnit writer
 * emits: balanced and properly nested elements, attribute values in
 * quotes without '<' or a raw '&' not starting an entity, text without a
 * raw '<' or '&'. Returns NULL when well formed, else what is wrong.
 */
static const char *xml_check(const char *s)
{
	static char why[160];
	char stack[16][64];
	int depth = 0, roots = 0;

	if (!strncmp(s, "<?xml", 5)) {
		s = strstr(s, "?>");
		if (!s)
			return "unterminated XML declaration";
		s += 2;
	}
	while (*s) {
		if (*s == '&') {
			if (strncmp(s, "&amp;", 5) && strncmp(s, "&lt;", 4) && strncmp(s, "&gt;", 4) &&
			    strncmp(s, "&quot;", 6) && strncmp(s, "&apos;", 6) && strncmp(s, "&#", 2))
				return "a raw '&' in text";
			s++;
			continue;
		}
		if (*s != '<') {
			if (*s == '>')
				return "a raw '>' in text";
			s++;
			continue;
		}
		if (s[1] == '/') {
			size_t n = strcspn(s + 2, ">");

			if (!depth || n != strlen(stack[depth - 1]) ||
			    strncmp(s + 2, stack[depth - 1], n)) {
				snprintf(why, sizeof(why), "closing tag '%.*s' does not match",
					 (int)n, s + 2);
				return why;
			}
			depth--;
			s += n + 3;
			continue;
		}
		{
			size_t n = strcspn(s + 1, " \t\n/>");
			const char *p = s + 1 + n;

			if (!n || n >= 64)
				return "bad element name";
			if (depth == 16)
				return "too deep";
			if (!depth && roots++)
				return "more than one root element";
			memcpy(stack[depth], s + 1, n);
			stack[depth][n] = '\0';
			for (;;) {
				while (*p == ' ' || *p == '\n' || *p == '\t')
					p++;
				if (*p == '>' || (p[0] == '/' && p[1] == '>'))
					break;
				/* name="value" */
				p += strcspn(p, "=>");
				if (*p != '=' || p[1] != '"')
					return "attribute without a quoted value";
				p += 2;
				for (; *p && *p != '"'; p++) {
					if (*p == '<')
						return "a raw '<' in an attribute";
					if (*p == '&' && strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) &&
					    strncmp(p, "&gt;", 4) && strncmp(p, "&quot;", 6) &&
					    strncmp(p, "&apos;", 6) && strncmp(p, "&#", 2))
						return "a raw '&' in an attribute";
				}
				if (!*p)
					return "unterminated attribute";
				p++;
			}
			if (*p == '/') {
				s = p + 2;
			} else {
				depth++;
				s = p + 1;
			}
		}
	}
	return depth ? "unclosed element" : roots == 1 ? NULL : "no root element";
}

/* xmllint as an independent witness, when installed: 1 ok, 0 not, -1 absent. */
static int xmllint_ok(const char *path)
{
	char *lint = spawn_which("xmllint");
	const char *argv[] = { "xmllint", "--noout", path, NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	struct diag d = DIAG_INIT;
	int ok;

	if (!lint)
		return -1;
	free(lint);
	o.capture_stderr = true;
	o.timeout_us = 10000000;
	if (spawn_run(argv, &o, &r, &d) < 0) {
		fprintf(stderr, "xmllint: %s\n", diag_str(&d));
		return 0;
	}
	ok = !r.signaled && r.exit_code == 0;
	if (!ok)
		fprintf(stderr, "xmllint: %s\n", r.err ? r.err : "");
	spawn_result_release(&r);
	return ok;
}

static double holm_by_hand(const double *p, size_t m, size_t i)
{
	/* adjusted p_i = max over the p_j <= p_i (in sorted order) of (m - rank_j) p_j */
	double best = 0;

	for (size_t j = 0; j < m; j++) {
		size_t rank = 0; /* how many are smaller (ties by index) */

		for (size_t k = 0; k < m; k++)
			rank += p[k] < p[j] || (p[k] == p[j] && k < j);
		if (p[j] < p[i] || (p[j] == p[i] && j <= i))
			best = fmax(best, (double)(m - rank) * p[j]);
	}
	return fmin(best, 1.0);
}

static void test_higher_is_better(void)
{
	CHECK(compare_higher_is_better("goodput_bps"), "goodput_bps: higher is better");
	CHECK(compare_higher_is_better("efficiency"), "efficiency: higher is better");
	CHECK(compare_higher_is_better("ideal_goodput_bps"), "*_bps: higher is better");
	CHECK(compare_higher_is_better("tps"), "tps: higher is better");
	CHECK(!compare_higher_is_better("retransmits"), "retransmits: lower is better");
	CHECK(!compare_higher_is_better("completion_time_ms"), "completion_time*: lower is better");
	CHECK(!compare_higher_is_better("rpc_latency_p99"), "*latency*: lower is better");
	CHECK(!compare_higher_is_better("transfer_us"), "*_us: lower is better");
	CHECK(!compare_higher_is_better("duration_s"), "duration_s: lower is better");
	CHECK(compare_higher_is_better("mystery"), "unknown metric: higher is better");
}


/* ---- (h) .. (l) ------------------------------------------------------------ */

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n), by sorting a copy (not stats.c's selection). */
static double median_of(const double *v, size_t n)
{
	double *c = malloc(n * sizeof(*c)), m;

	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_dbl);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/* sigma_within of one group of n > 20 runs, from stats_hier.h's
 * definition: c(n) x 1.4826 x MAD / |median|, c(n) = n / (n - 0.8). */
static double sigma_within_of(const double *v, size_t n)
{
	double med = median_of(v, n), *dev = malloc(n * sizeof(*dev)), mad;

	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(v[i] - med);
	mad = median_of(dev, n);
	free(dev);
	return (double)n / ((double)n - 0.8) * 1.4826 * mad / fabs(med);
}

static void test_floor_formula(struct results *db)
{
	double a[30], b[30], sw, expect;
	struct compare_opts o = { 0 };
	struct compare_result r = { 0 };
	const struct compare_series *s;

	for (size_t i = 0; i < 30; i++) {
		a[i] = 72.8e6 * (1 + 0.02 * stats_rng_normal(&rng));
		b[i] = 72.8e6 * (1 + 0.02 * stats_rng_normal(&rng));
	}
	add_values(db, "h", "a", "", "goodput_bps", a, 30);
	add_values(db, "h", "b", "", "goodput_bps", b, 30);
	/* pooled by their residual degrees of freedom: 29 each */
	sw = (29 * sigma_within_of(a, 30) + 29 * sigma_within_of(b, 30)) / 58;
	expect = fmax(COMPARE_DEFAULT_FLOOR_MIN, sw);
	compare_case(db, "h", NULL, &r);
	s = find(&r, "", "goodput_bps");
	CHECK(s && fabs(s->floor - expect) < 1e-12 * expect &&
		      fabs(s->st.noise.sigma_within - sw) < 1e-12 * sw &&
		      s->st.floor_source == STATS_FLOOR_WITHIN,
	      "(h) 2 %% noise: floor %.6f = max(0.5 %%, sigma_within %.6f) as computed here",
	      s ? s->floor : (double)NAN, sw);
	CHECK(expect > 0.015 && expect < 0.025, "(h) ... which is about the 2 %% noise (%.4f)",
	      expect);
	compare_result_release(&r);
	o.floor_min = 0.05;
	compare_case(db, "h", &o, &r);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->floor == 0.05 && s->st.floor_source == STATS_FLOOR_MIN,
	      "(h) a 5 %% minimum rules over the 2 %% noise (%.4f)", s ? s->floor : (double)NAN);
	compare_result_release(&r);
	{
		const char *extra[] = { "--floor", "5", "--format", "json", "--output", NULL, NULL };
		char path[300];
		json_error_t je;
		json_t *j, *se;

		snprintf(path, sizeof(path), "%s/h.json", tmpdir);
		extra[5] = path;
		CHECK(run_cli("h", extra) == 0, "(h) compare --floor 5 exits 0");
		j = json_load_file(path, 0, &je);
		se = json_array_get(json_object_get(j, "series"), 0);
		CHECK(j && json_real_value(json_object_get(se, "floor")) == 0.05 &&
			      !strcmp(json_string_value(json_object_get(se, "floor_source")), "minimum") &&
			      json_real_value(json_object_get(j, "floor_min")) == 0.05,
		      "(h) --floor is the minimum: floor 0.05, source minimum");
		json_decref(j);
	}
}

/* The share of n series whose CI covers truth, at level. */
static unsigned covered(struct results *db, double level, double truth, unsigned n)
{
	struct compare_opts o = { .level = level };
	struct compare_result r = { 0 };
	unsigned k = 0;

	compare_case(db, "i", &o, &r);
	CHECK(r.n == n, "(i) %u series", n);
	for (size_t i = 0; i < r.n; i++)
		k += r.series[i].ci_lo <= truth && truth <= r.series[i].ci_hi;
	CHECK(fabs(r.series[0].st.level - level) < 1e-15, "(i) the series carry level %g", level);
	compare_result_release(&r);
	return k;
}

static void test_ci_level(struct results *db)
{
	const unsigned n = 200;
	double lo, hi;
	unsigned k;

	for (unsigned i = 0; i < n; i++) {
		char v[16];

		snprintf(v, sizeof(v), "v=%03u", i);
		add_runs(db, "i", "a", v, "goodput_bps", 12, 100.0, 0.01);
		add_runs(db, "i", "b", v, "goodput_bps", 12, 97.0, 0.01);
	}
	/* A percentile bootstrap of medians over-covers a little at these
	 * sizes (the medians of 12 runs take few values): test_verdict has
	 * 80 % CIs covering up to 86 %. What must not happen is one level
	 * passing for the other. */
	k = covered(db, 0.95, 0.97, n);
	check_must(stats_clopper_pearson(k, n, 0.99, &lo, &hi), "clopper-pearson", NULL);
	CHECK(hi >= 0.95 && lo > 0.88,
	      "(i) level 0.95: %u/%u CIs cover the true -3 %% (99 %% CP %.3f .. %.3f: 0.95, not 0.80)",
	      k, n, lo, hi);
	k = covered(db, 0.80, 0.97, n);
	check_must(stats_clopper_pearson(k, n, 0.99, &lo, &hi), "clopper-pearson", NULL);
	CHECK(lo <= 0.86 && hi < 0.95,
	      "(i) level 0.80: %u/%u CIs cover it (99 %% CP %.3f .. %.3f: about 0.80, not 0.95)", k, n,
	      lo, hi);
}

static void test_nights(struct results *db)
{
	static const double night[] = { 0.015, -0.01, 0.005, -0.02 };
	static const char *const tags[] = { "nightly=n1", "nightly=n2", "nightly=n3", "nightly=n4" };
	struct compare_result r = { 0 };
	const struct compare_series *s;

	for (size_t k = 0; k < 4; k++) {
		group_tag = tags[k];
		add_runs(db, "j", "a", "", "goodput_bps", 6, 72.8e6 * (1 + night[k]), 0.003);
	}
	group_tag = "nightly=n5";
	add_runs(db, "j", "b", "", "goodput_bps", 6, 72.8e6 * 0.99, 0.003);
	group_tag = NULL;
	compare_case(db, "j", NULL, &r);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->st.test == STATS_TEST_GROUP_T && s->st.base.n_groups == 4 &&
		      s->st.cand.n_groups == 1 && s->st.df == 3,
	      "(j) 4 nights against 1: t on the night medians, df 3 (%s)", s ? s->reason : "");
	CHECK(s->st.floor_source == STATS_FLOOR_BETWEEN && s->st.noise.sigma_between > 0.008 &&
		      s->floor > 0.01,
	      "(j) the floor holds the nights' spread: %.2f %% (%s)", s->floor * 100,
	      s->st.floor_why);
	CHECK(s->verdict != COMPARE_REGRESSION,
	      "(j) -1 %% inside the nights' drift is not a regression (%s)", s->reason);
	compare_result_release(&r);
}

static void test_bound(struct results *db)
{
	const double bound = 11.9e6, ideal = 13.4e6;
	struct compare_result r = { 0 };
	const struct compare_series *s;

	scenario_name = "bytes-syn";
	for (int side = 0; side < 2; side++) {
		const unsigned over = side ? 12 : 3;

		for (unsigned i = 0; i < 20; i++) {
			const double t = i < over ? 12.0e6 + 5e3 * i : 11.0e6 + 4e4 * i;
			const double goodput = 16.0 * 1048576 * 8 / (t / 1e6);
			const struct extra x[] = {
				{ "goodput_bps", goodput },
				{ "efficiency", goodput / ideal },
				{ "over_bound", t > bound },
				{ "completion_bound_us", bound },
			};

			add_run_x(db, "k", side ? "b" : "a", "", (int)i + 1, 0, RESULTS_OK, NULL,
				  "completion_us", t, x, ARRAY_SIZE(x));
		}
	}
	scenario_name = "syn";
	compare_case(db, "k", NULL, &r);
	CHECK(r.n == 3 && r.n_family == 1, "(k) 3 series, 1 in the family (got %zu, %zu)", r.n,
	      r.n_family);
	s = find(&r, "", "completion_us");
	CHECK(s && s->role == COMPARE_PRIMARY && s->mode == COMPARE_MODE_BYTES && !s->higher_is_better,
	      "(k) completion_us is the primary metric of a byte-count scenario");
	CHECK(s->has_bound && s->bound.over_base == 3 && s->bound.n_base == 20 &&
		      s->bound.over_cand == 12 && s->bound.n_cand == 20 &&
		      s->bound.bound_us == bound,
	      "(k) over the bound: 3/20 and 12/20");
	CHECK(fabs(s->bound.p_base_lo - 0.032070937185463715) < 1e-9 &&
		      fabs(s->bound.p_base_hi - 0.37892682654531396) < 1e-9 &&
		      fabs(s->bound.p_cand_lo - 0.3605425873074897) < 1e-9 &&
		      fabs(s->bound.p_cand_hi - 0.8088099392746928) < 1e-9,
	      "(k) Clopper-Pearson 95 %% as scipy.stats.beta.ppf: [%.6f, %.6f] and [%.6f, %.6f]",
	      s->bound.p_base_lo, s->bound.p_base_hi, s->bound.p_cand_lo, s->bound.p_cand_hi);
	CHECK(fabs(s->bound.p - 0.007911693673651405) < 1e-9,
	      "(k) Fisher's exact p %.8f as scipy.stats.fisher_exact (0.0079117)", s->bound.p);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->role == COMPARE_DERIVED && !strcmp(s->derived_from, "completion_us"),
	      "(k) goodput is derived from the completion time");
	s = find(&r, "", "efficiency");
	CHECK(s && s->role == COMPARE_DERIVED && !strcmp(s->derived_from, "completion_us"),
	      "(k) efficiency too");
	compare_result_release(&r);
}

static void test_mix(struct results *db)
{
	struct compare_result r = { 0 };
	const struct compare_series *s;

	scenario_name = "mix-syn";
	for (int side = 0; side < 2; side++) {
		const unsigned slow = side ? 16 : 4;

		for (unsigned i = 0; i < 40; i++) {
			const bool is_slow = i < slow;
			const double v = (is_slow ? 72e6 : 85e6) * (1 + 0.004 * stats_rng_normal(&rng));
			const struct extra x[] = {
				{ "retransmits", (is_slow ? 8000 : 1300) + 200 * stats_rng_normal(&rng) },
				{ "share.path1", 0.6 + 0.01 * stats_rng_normal(&rng) },
			};

			add_run_x(db, "l", side ? "b" : "a", "", (int)i + 1, 0, RESULTS_OK, NULL,
				  "goodput_bps", v, x, ARRAY_SIZE(x));
		}
	}
	scenario_name = "syn";
	compare_case(db, "l", NULL, &r);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->bimodal && s->mix.count[0][0] == 4 && s->mix.count[1][0] == 16,
	      "(l) two clusters: 4 and 16 slow runs found");
	CHECK(s->mix.p < 0.01 && s->mix_verdict == COMPARE_MIX_TO_WORSE && r.mix_to_worse == 1,
	      "(l) the mix shifted toward the slow cluster: p %.2g, %s", s->mix.p,
	      compare_mix_name(s->mix_verdict));
	CHECK(!strcmp(s->mix.by, "retransmits") && s->mix.by_median[0] > 7000 &&
		      s->mix.by_median[1] < 2000,
	      "(l) told apart by retransmits (%s: %.0f vs %.0f)", s->mix.by, s->mix.by_median[0],
	      s->mix.by_median[1]);
	compare_result_release(&r);
	CHECK(run_cli("l", NULL) == 1, "(l) compare exits 1 on a shift toward the worse cluster");
}

int main(void)
{
	static const double sep_base[] = { 100, 101, 102, 103, 104 };
	static const double sep_cand[] = { 94, 95, 96, 97, 98 };
	struct compare_opts o = { 0 };
	struct compare_result r = { 0 };
	const struct compare_series *s;
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	char path[300], *text;
	int ret;

	if (access("/dev/shm", W_OK) == 0)
		snprintf(tmpdir, sizeof(tmpdir), "/dev/shm/mpl-test-compare-XXXXXX");
	check_tmpdir_make(tmpdir);
	snprintf(db_file, sizeof(db_file), "%s/lab.db", tmpdir);
	check_must(results_open(db_file, &db, &d), "results_open", &d);
	stats_rng_seed(&rng, 20261125);

	test_higher_is_better();

	/* (a) the same distribution on both sides: enough runs for the CI to
	 * fit inside the 0.5 % minimum floor */
	add_runs(db, "a", "a", "", "goodput_bps", 40, 72.8e6, 0.003);
	add_runs(db, "a", "b", "", "goodput_bps", 40, 72.8e6, 0.003);
	add_runs(db, "a", "a", "", "efficiency", 40, 0.95, 0.003);
	add_runs(db, "a", "b", "", "efficiency", 40, 0.95, 0.003);
	add_failed(db, "a", "b", "goodput_bps", 1e6); /* a failed run: ignored */
	compare_case(db, "a", NULL, &r);
	CHECK(r.n == 2, "(a) two series (goodput_bps, efficiency) on both sides, got %zu", r.n);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_NO_CHANGE, "(a) goodput: no change (%s: %s)",
	      s ? compare_verdict_name(s->verdict) : "missing", s ? s->reason : "");
	CHECK(s->n_base == 40 && s->n_cand == 40, "(a) the failed run is not a measurement (n %zu/%zu)",
	      s->n_base, s->n_cand);
	CHECK(s->ci_lo <= 1 && s->ci_hi >= 1 && s->ci_lo < s->ratio && s->ratio < s->ci_hi &&
		      s->ci_lo > 1 - s->floor && s->ci_hi < 1 + s->floor,
	      "(a) the CI [%.4f, %.4f] holds 1 and the ratio %.4f, inside +-floor", s->ci_lo,
	      s->ci_hi, s->ratio);
	CHECK(s->floor == COMPARE_DEFAULT_FLOOR_MIN && s->st.floor_source == STATS_FLOOR_MIN,
	      "(a) 0.3 %% noise: the floor is the 0.5 %% minimum (%.4f)", s->floor);
	CHECK(s->role == COMPARE_PRIMARY && s->mode == COMPARE_MODE_BULK && s->st.eligible,
	      "(a) goodput is the primary metric of a bulk scenario");
	s = find(&r, "", "efficiency");
	CHECK(s && s->verdict == COMPARE_NO_CHANGE, "(a) efficiency: no change (%s)",
	      s ? s->reason : "missing");
	CHECK(s->role == COMPARE_DERIVED && !strcmp(s->derived_from, "goodput_bps") &&
		      r.n_family == 1 && strstr(s->reason, "with the factor of goodput_bps"),
	      "(a) efficiency is derived from goodput, out of the family (family %zu): %s",
	      r.n_family, s->reason);
	CHECK(r.counts[COMPARE_NO_CHANGE] == 2, "(a) counts: 2 no change");
	compare_result_release(&r);
	CHECK(run_cli("a", NULL) == 0, "(a) compare exits 0");

	/* (b) 5 % slower, 1 % noise, 10 runs a side */
	add_runs(db, "b", "a", "", "goodput_bps", 10, 72.8e6, 0.01);
	add_runs(db, "b", "b", "", "goodput_bps", 10, 72.8e6 * 0.95, 0.01);
	compare_case(db, "b", NULL, &r);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_REGRESSION, "(b) regression (%s)", s ? s->reason : "missing");
	CHECK(fabs(s->ratio - 0.95) < 0.02, "(b) ratio %.4f is about 0.95 (3.5 SE of the ratio)", s->ratio);
	CHECK(s->ci_lo < s->ratio && s->ratio < s->ci_hi && s->ci_hi < 1,
	      "(b) the CI [%.4f, %.4f] holds the ratio and not 1", s->ci_lo, s->ci_hi);
	CHECK(s->p < 0.001 && s->p_adjusted == s->p, "(b) p %.2g, adjusted alone: the same", s->p);
	CHECK(strstr(s->reason, "floor") && strstr(s->reason, "Holm"),
	      "(b) the reason has the figures: %s", s->reason);
	CHECK(r.series[0].verdict == COMPARE_REGRESSION && r.counts[COMPARE_REGRESSION] == 1,
	      "(b) the regression comes first, counted");
	compare_result_release(&r);
	{
		const char *extra[] = { "--format", "json", "--output", NULL, NULL };
		json_t *j, *se;
		json_error_t je;

		snprintf(path, sizeof(path), "%s/b.json", tmpdir);
		extra[3] = path;
		CHECK(run_cli("b", extra) == 1, "(b) compare exits 1");
		j = json_load_file(path, 0, &je);
		CHECK(j != NULL, "(b) the JSON output parses (%s)", j ? "ok" : je.text);
		se = json_array_get(json_object_get(j, "series"), 0);
		CHECK(!strcmp(json_string_value(json_object_get(se, "verdict")), "regression") &&
			      json_integer_value(json_object_get(json_object_get(j, "counts"),
								 "regression")) == 1 &&
			      json_array_size(json_object_get(se, "ci95")) == 2 &&
			      json_is_true(json_object_get(se, "higher_is_better")) &&
			      !strcmp(json_string_value(json_object_get(j, "baseline")),
				      "tag:case=b,tag:side=a"),
		      "(b) JSON: verdict, counts, ci95, higher_is_better, baseline");
		CHECK(json_is_real(json_object_get(se, "min_detectable_change")) &&
			      json_real_value(json_object_get(se, "min_detectable_change")) < 0.05 &&
			      !strcmp(json_string_value(json_object_get(se, "floor_source")), "within") &&
			      json_is_real(json_object_get(json_object_get(se, "noise"), "within")) &&
			      json_real_value(json_object_get(json_object_get(se, "noise"), "between")) == 0 &&
			      json_integer_value(json_object_get(se, "groups_baseline")) == 1 &&
			      !strcmp(json_string_value(json_object_get(se, "test")), "mann_whitney") &&
			      !strcmp(json_string_value(json_object_get(se, "role")), "primary") &&
			      json_is_true(json_object_get(se, "in_family")) &&
			      json_real_value(json_object_get(se, "level")) == 0.95 &&
			      json_is_false(json_object_get(se, "bimodal")) &&
			      json_is_null(json_object_get(se, "bound")) &&
			      json_is_real(json_object_get(se, "p_shape")) &&
			      json_is_real(json_object_get(se, "p10_change")) &&
			      json_real_value(json_object_get(j, "floor_min")) == 0.005,
		      "(b) JSON: the rule's figures (min_detectable_change %.4f, floor_source, noise, groups, test, role, level, shape)",
		      json_real_value(json_object_get(se, "min_detectable_change")));
		json_decref(j);
	}

	/* (c) 3 runs a side */
	add_runs(db, "c", "a", "", "goodput_bps", 3, 72.8e6, 0.01);
	add_runs(db, "c", "b", "", "goodput_bps", 3, 72.8e6 * 0.9, 0.01);
	compare_case(db, "c", NULL, &r);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_INCONCLUSIVE && strstr(s->reason, "need 5"),
	      "(c) inconclusive: %s", s ? s->reason : "missing");
	CHECK(isnan(s->p_adjusted), "(c) too few runs: out of the correction family");
	compare_result_release(&r);
	add_runs(db, "c2", "a", "", "goodput_bps", 10, 72.8e6, 0.01);
	add_runs(db, "c2", "b", "", "goodput_bps", 3, 72.8e6, 0.01);
	compare_case(db, "c2", NULL, &r);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_INCONCLUSIVE &&
		      !strcmp(s->reason, "only 3 runs on the candidate side, need 5"),
	      "(c) one side short: '%s'", s ? s->reason : "missing");
	compare_result_release(&r);
	{
		const char *extra[] = { "--fail-on-inconclusive", NULL };

		CHECK(run_cli("c", NULL) == 0, "(c) compare exits 0 on inconclusive");
		CHECK(run_cli("c", extra) == 1, "(c) ... and 1 with --fail-on-inconclusive");
	}

	/* (d) lower is better: completion time up 6 %; goodput up 6 % */
	add_runs(db, "d", "a", "", "completion_time_us", 8, 4.0e6, 0.01);
	add_runs(db, "d", "b", "", "completion_time_us", 8, 4.0e6 * 1.06, 0.01);
	add_runs(db, "d", "a", "", "goodput_bps", 8, 72.8e6, 0.01);
	add_runs(db, "d", "b", "", "goodput_bps", 8, 72.8e6 * 1.06, 0.01);
	{
		const char *metrics[] = { "completion_time_us", "goodput_bps" };

		o = (struct compare_opts){ .metrics = metrics, .n_metrics = 2 };
		compare_case(db, "d", &o, &r);
	}
	s = find(&r, "", "completion_time_us");
	CHECK(s && !s->higher_is_better && s->ratio > 1.04 && s->verdict == COMPARE_REGRESSION,
	      "(d) completion time +%.1f %%: regression (%s)", s ? (s->ratio - 1) * 100 : 0,
	      s ? s->reason : "missing");
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_IMPROVEMENT, "(d) goodput +6 %%: improvement (%s)",
	      s ? s->reason : "missing");
	CHECK(r.series[0].verdict == COMPARE_REGRESSION && r.series[1].verdict == COMPARE_IMPROVEMENT,
	      "(d) sorted: regression, then improvement");
	CHECK(r.counts[COMPARE_REGRESSION] == 1 && r.counts[COMPARE_IMPROVEMENT] == 1,
	      "(d) counts: 1 regression, 1 improvement");
	compare_result_release(&r);

	/* (e) Holm over several series */
	add_values(db, "e", "a", "v=1", "goodput_bps", sep_base, 5);
	add_values(db, "e", "b", "v=1", "goodput_bps", sep_cand, 5);
	add_values(db, "e", "a", "v=2", "goodput_bps", sep_base, 5);
	add_values(db, "e", "b", "v=2", "goodput_bps", sep_cand, 5);
	add_values(db, "e", "a", "v=3", "goodput_bps", sep_base, 5);
	add_values(db, "e", "b", "v=3", "goodput_bps", sep_cand, 5);
	add_runs(db, "e", "a", "v=4", "goodput_bps", 40, 72.8e6, 0.003);
	add_runs(db, "e", "b", "v=4", "goodput_bps", 40, 72.8e6, 0.003);
	add_runs(db, "e", "a", "v=5", "goodput_bps", 10, 72.8e6, 0.002);
	add_runs(db, "e", "b", "v=5", "goodput_bps", 10, 72.8e6 * 1.1, 0.002);
	compare_case(db, "e", NULL, &r);
	CHECK(r.n == 5, "(e) five series");
	{
		double p[5], adj;

		for (size_t i = 0; i < 5; i++)
			p[i] = r.series[i].p;
		for (size_t i = 0; i < 5; i++) {
			adj = holm_by_hand(p, 5, i);
			CHECK(fabs(r.series[i].p_adjusted - adj) < 1e-12,
			      "(e) %s: p %.4g, Holm %.4g as computed by hand (%.4g)",
			      r.series[i].variant_key, p[i], r.series[i].p_adjusted, adj);
		}
	}
	s = find(&r, "v=1", "goodput_bps");
	CHECK(s && fabs(s->p - 2.0 / 252) < 1e-9, "(e) 5 v 5 fully separated: exact p = 2/252 (%.5f)",
	      s ? s->p : (double)NAN);
	CHECK(s->p < 0.01 && s->p_adjusted > 0.01 && s->verdict == COMPARE_INCONCLUSIVE &&
		      strstr(s->reason, "beyond the") && strstr(s->reason, "after Holm") &&
		      strstr(s->reason, "would decide"),
	      "(e) significant alone, not after Holm: %s", s->reason);
	s = find(&r, "v=5", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_IMPROVEMENT, "(e) v=5 +10 %%: improvement after Holm (%s)",
	      s ? s->reason : "missing");
	s = find(&r, "v=4", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_NO_CHANGE, "(e) v=4: no change (%s)",
	      s ? s->reason : "missing");
	CHECK(r.counts[COMPARE_INCONCLUSIVE] == 3, "(e) counts: 3 inconclusive");
	compare_result_release(&r);
	o = (struct compare_opts){ .correction = COMPARE_BH };
	compare_case(db, "e", &o, &r);
	s = find(&r, "v=1", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_REGRESSION && strstr(s->reason, "Benjamini-Hochberg"),
	      "(e) Benjamini-Hochberg keeps it: %s", s ? s->reason : "missing");
	compare_result_release(&r);
	{
		const char *bh[] = { "--correction", "bh", NULL };

		CHECK(run_cli("e", NULL) == 0, "(e) compare (Holm) exits 0: nothing regressed");
		CHECK(run_cli("e", bh) == 1, "(e) compare --correction bh exits 1");
	}
	/* a CI that straddles the floor: 0.5 % slower with 0.1 % noise */
	add_runs(db, "e2", "a", "", "goodput_bps", 10, 72.8e6, 0.001);
	add_runs(db, "e2", "b", "", "goodput_bps", 10, 72.8e6 * 0.995, 0.001);
	compare_case(db, "e2", NULL, &r);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_INCONCLUSIVE && s->p < 0.001 &&
		      strstr(s->reason, "reaches across the 0.50 % floor"),
	      "(e) significant, CI across the floor: %s", s ? s->reason : "missing");
	compare_result_release(&r);
	o = (struct compare_opts){ .floor_min = 0.003 };
	compare_case(db, "e2", &o, &r);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_REGRESSION, "(e) ... a regression with a 0.3 %% floor (%s)",
	      s ? s->reason : "missing");
	compare_result_release(&r);
	o = (struct compare_opts){ .floor_min = 0.008 };
	compare_case(db, "e2", &o, &r);
	s = find(&r, "", "goodput_bps");
	CHECK(s && s->verdict == COMPARE_NO_CHANGE,
	      "(e) ... and no change with a 0.8 %% floor: significant, but the whole CI inside (%s)",
	      s ? s->reason : "missing");
	compare_result_release(&r);

	/* (f) the writers, on one comparison with every verdict and a hostile name */
	add_runs(db, "f", "a", "", "goodput_bps", 10, 72.8e6, 0.01);
	add_runs(db, "f", "b", "", "goodput_bps", 10, 72.8e6 * 0.95, 0.01);
	add_runs(db, "f", "a", "cc=x<&\">'y|z", "goodput_bps", 3, 72.8e6, 0.01);
	add_runs(db, "f", "b", "cc=x<&\">'y|z", "goodput_bps", 3, 72.8e6, 0.01);
	add_runs(db, "f", "a", "cc=line\nbreak#hash", "goodput_bps", 40, 72.8e6, 0.003);
	add_runs(db, "f", "b", "cc=line\nbreak#hash", "goodput_bps", 40, 72.8e6, 0.003);
	compare_case(db, "f", NULL, &r);
	CHECK(r.n == 3 && r.counts[COMPARE_REGRESSION] == 1 && r.counts[COMPARE_INCONCLUSIVE] == 1 &&
		      r.counts[COMPARE_NO_CHANGE] == 1,
	      "(f) one regression, one inconclusive, one no change");
	{
		const char *why;
		int lint;

		text = written(&r, REPORT_FMT_JUNIT, "suite \"<f>\"", "JUnit", "f.xml", path,
			       sizeof(path));
		CHECK(text != NULL, "(f) JUnit read back");
		why = xml_check(text);
		CHECK(!why, "(f) JUnit is well-formed XML (%s)", why ? why : "checked here");
		lint = xmllint_ok(path);
		if (lint < 0)
			check_skip_part("(f) xmllint is not installed (Debian package libxml2-utils)");
		else
			CHECK(lint == 1, "(f) xmllint accepts it");
		CHECK(count(text, "<testcase ") == 3 && count(text, "<failure ") == 1 &&
			      count(text, "<skipped ") == 1,
		      "(f) JUnit: 3 test cases, 1 failure, 1 skipped");
		CHECK(strstr(text, "tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""),
		      "(f) JUnit: the suite's counts");
		CHECK(strstr(text, "<testcase classname=\"syn\" name=\"goodput_bps\">\n    <failure "),
		      "(f) JUnit: the failure is in test case syn / goodput_bps");
		CHECK(strstr(text, "message=\"syn goodput_bps regressed: -"),
		      "(f) JUnit: the failure message names the series and the change");
		CHECK(strstr(text, "cc=x&lt;&amp;&quot;&gt;&apos;y|z goodput_bps") &&
			      !strstr(text, "x<&"),
		      "(f) JUnit: the hostile variant name is escaped");
		CHECK(strstr(text, "cc=line&#10;break#hash"), "(f) JUnit: a line break is a reference");
		CHECK(strstr(text, "<skipped message=\"only 3 baseline and 3 candidate runs, need 5 per side\"/>"),
		      "(f) JUnit: skipped with the reason");
		free(text);

		text = written(&r, REPORT_FMT_KTAP, "compare", "KTAP", "f.ktap", path, sizeof(path));
		CHECK(!strncmp(text, "KTAP version 1\n1..3\n", 20), "(f) KTAP: version and plan");
		CHECK(strstr(text, "\nnot ok 1 syn goodput_bps\n# goodput_bps: "),
		      "(f) KTAP: not ok for the regression, with a diagnostic");
		CHECK(strstr(text, "\nok 2 syn cc=x<&\">'y|z goodput_bps # SKIP only 3 baseline"),
		      "(f) KTAP: # SKIP with the reason for the inconclusive one");
		CHECK(strstr(text, "\nok 3 syn cc=line_break_hash goodput_bps\n"),
		      "(f) KTAP: a name with a line break and '#' on one line");
		CHECK(count(text, "\nok ") + count(text, "\nnot ok ") == 3, "(f) KTAP: 3 results");
		CHECK(strstr(text, "# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0\n"),
		      "(f) KTAP: kselftest totals");
		free(text);

		text = written(&r, REPORT_FMT_MARKDOWN, "a | b", "Markdown", "f.md", path,
			       sizeof(path));
		CHECK(strstr(text, "1 regression, 1 inconclusive, 0 improvements, 1 no change"),
		      "(f) Markdown: the summary line counts");
		CHECK(strstr(text, "cc=x&lt;&amp;\"&gt;'y\\|z") && count(text, "\n| ") == 4,
		      "(f) Markdown: '|' and HTML escaped, a header and 3 rows");
		free(text);

		text = written(&r, REPORT_FMT_TEXT, "title", "text", "f.txt", path, sizeof(path));
		CHECK(strstr(text, "\nREGRESSION    syn") && !strchr(text, '\033') &&
			      strstr(text, "3 series: 1 regression"),
		      "(f) text: regression first, no colour, a count line");
		fputs(text, stdout);
		free(text);
	}
	compare_result_release(&r);

	/* (g) what the command refuses */
	{
		const char *empty[] = { "compare", "--db", db_file, "--baseline", "tag:side=nobody",
				  "--candidate", "tag:case=b", NULL };
		const char *disjoint[] = { "compare", "--db", db_file, "--baseline", "tag:case=b",
					   "--candidate", "tag:case=e", NULL };
		const char *nocand[] = { "compare", "--db", db_file, "--baseline", "tag:case=b", NULL };
		const char *badsel[] = { "compare", "--db", db_file, "--baseline", "tag:case",
				   "--candidate", "tag:case=b", NULL };
		const char *badfloor[] = { "compare", "--db", db_file, "--baseline", "tag:case=b",
				     "--candidate", "tag:case=b", "--floor", "0", NULL };
		const char *failed[] = { "compare", "--db", db_file, "--baseline", "status:failed",
				   "--candidate", "tag:case=b", NULL };
		const char *overlap[] = { "compare", "--db", db_file, "--baseline", "tag:case=b",
					  "--candidate", "tag:side=b,tag:case=b", NULL };
		const char *aa[] = { "compare", "--db", db_file, "--baseline", "tag:case=b",
				     "--candidate", "tag:case=b", NULL };
		const char *nodb[] = { "compare", "--db", "/nonexistent/mpl/lab.db", "--baseline",
				       "tag:case=b", "--candidate", "tag:case=b", NULL };

		CHECK(run_cli_argv(empty) == 65, "(g) an empty selection: exit 65");
		CHECK(run_cli_argv(disjoint) == 65, "(g) no series on both sides: exit 65");
		CHECK(run_cli_argv(failed) == 65, "(g) a selection of failed runs: exit 65");
		CHECK(run_cli_argv(overlap) == 1,
		      "(g) a baseline that holds the candidate's runs too: they count for the candidate only (regression, exit 1)");
		CHECK(run_cli_argv(aa) == 65, "(g) the same selection on both sides: exit 65");
		CHECK(run_cli_argv(nodb) == 65 && access("/nonexistent/mpl", F_OK) != 0,
		      "(g) no database at --db: exit 65, nothing created");
		CHECK(run_cli_argv(nocand) == 64, "(g) no --candidate: exit 64");
		CHECK(run_cli_argv(badsel) == 64, "(g) a malformed selector: exit 64");
		CHECK(run_cli_argv(badfloor) == 64, "(g) --floor 0: exit 64");
	}
	{
		struct sides sd;

		sides_init(&sd, "b");
		sd.b.tags = (const char *[]){ "case=nothing" };
		sd.b.n_tags = 1;
		ret = report_compare(db, &sd.a, &sd.b, NULL, &r, &d);
		CHECK(ret == -ENODATA && strstr(diag_str(&d), "candidate selection holds no ok run"),
		      "(g) report_compare: %s", diag_str(&d));
		/* baseline: every run of case b; candidate: its side b */
		sides_init(&sd, "b");
		sd.a.n_tags = 1; /* case=b only */
		diag_clear(&d);
		ret = report_compare(db, &sd.a, &sd.b, NULL, &r, &d);
		s = ret < 0 ? NULL : find(&r, "", "goodput_bps");
		CHECK(s && s->n_base == 10 && s->n_cand == 10 && s->verdict == COMPARE_REGRESSION,
		      "(g) overlapping sides: the baseline is its selection minus the candidate (n %zu/%zu)",
		      s ? s->n_base : 0, s ? s->n_cand : 0);
		compare_result_release(&r);
		sides_init(&sd, "b");
		sd.a = sd.b;
		diag_clear(&d);
		ret = report_compare(db, &sd.a, &sd.b, NULL, &r, &d);
		CHECK(ret == -ENODATA && strstr(diag_str(&d), "besides the 10 it shares with the candidate"),
		      "(g) the same selection twice: %s", diag_str(&d));
	}

	test_floor_formula(db);
	test_ci_level(db);
	test_nights(db);
	test_bound(db);
	test_mix(db);

	results_close(db);
	return check_done();
}
