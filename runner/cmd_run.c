/*
 * cmd_run.c: `mptcp-lab run`, the main job. Loads suites and scenarios
 * (all errors at once, exit 65), expands each scenario's variants,
 * interleaves the repetitions (A1 B1 A2 B2 ...) so drift hits every variant
 * alike, runs each on a fresh lab and stores each complete run in one
 * transaction. Ctrl-C discards the run in progress, tears its lab down and
 * keeps everything stored before it.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exitcodes.h"
#include "progress.h"
#include "results.h"
#include "run.h"
#include "scenario.h"
#include "variant.h"

struct job {
	const struct scenario *s;
	const struct variant *v;
	unsigned rep;
};

struct plan {
	struct scenario **scenarios;
	size_t n_scenarios;
	struct variant **variants; /* per scenario */
	size_t *n_variants;
	struct job *jobs;
	size_t n_jobs;
};

static void plan_release(struct plan *p)
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

static int push_ptr(void *arr, size_t n, size_t elem)
{
	void **a = arr;
	void *g = realloc(*a, (n + 1) * elem);

	if (!g)
		return -ENOMEM;
	*a = g;
	return 0;
}

/* Load every scenario of every file (suites expand to their scenarios). */
static int load_plan(char **files, int n_files, const char **sets, size_t n_sets, unsigned reps,
		     struct plan *p, struct errlist *errs)
{
	int bad = 0;

	for (int f = 0; f < n_files; f++) {
		char **list = NULL, suite[64];
		size_t n_list = 0;

		if (suite_load_file(files[f], &list, &n_list, suite, sizeof(suite), errs) < 0) {
			bad = 1;
			continue;
		}
		for (size_t i = 0; i < n_list; i++) {
			struct scenario *s = calloc(1, sizeof(*s));

			if (!s || push_ptr(&p->scenarios, p->n_scenarios, sizeof(*p->scenarios)) < 0 ||
			    push_ptr(&p->variants, p->n_scenarios, sizeof(*p->variants)) < 0 ||
			    push_ptr(&p->n_variants, p->n_scenarios, sizeof(*p->n_variants)) < 0) {
				free(s);
				return -ENOMEM;
			}
			p->scenarios[p->n_scenarios] = s;
			p->variants[p->n_scenarios] = NULL;
			p->n_variants[p->n_scenarios] = 0;
			p->n_scenarios++;
			if (scenario_load_file(list[i], sets, n_sets, s, errs) < 0)
				bad = 1;
			else if (reps)
				s->repetitions = reps;
			free(list[i]);
		}
		free(list);
	}
	if (bad)
		return -EINVAL;
	for (size_t i = 0; i < p->n_scenarios; i++) {
		const struct scenario *s = p->scenarios[i];
		size_t nv;

		if (variant_expand(s, &p->variants[i], &p->n_variants[i]) < 0)
			return -ENOMEM;
		nv = p->n_variants[i];
		for (unsigned rep = 1; rep <= s->repetitions; rep++)
			for (size_t v = 0; v < nv; v++) {
				if (push_ptr(&p->jobs, p->n_jobs, sizeof(*p->jobs)) < 0)
					return -ENOMEM;
				p->jobs[p->n_jobs++] = (struct job){ s, &p->variants[i][v], rep };
			}
	}
	return 0;
}

static json_t *run_summary_json(const struct results_run *run)
{
	const struct results_metric *g = results_run_metric(run, "goodput_bps");
	const struct results_metric *e = results_run_metric(run, "efficiency");

	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:s?, s:o, s:o}", "uuid", run->uuid,
			 "scenario", run->scenario, "variant", run->variant_key ? run->variant_key : "",
			 "repetition", run->repetition, "status", results_status_name(run->status),
			 "reason", run->reason, "goodput_bps", g ? json_real(g->value) : json_null(),
			 "efficiency", e ? json_real(e->value) : json_null());
}

static int add_str(const char ***arr, size_t *n, const char *s)
{
	const char **g = realloc(*arr, (*n + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	*arr = g;
	g[(*n)++] = s;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },	 { "reps", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' }, { "tag", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },	 { "strict", no_argument, NULL, 'S' },
		{},
	};
	const char **sets = NULL, **tags = NULL;
	size_t n_sets = 0, n_tags = 0, counts[4] = { 0 };
	const char *db_path = NULL;
	unsigned reps = 0;
	bool json = false, strict = false, interrupted = false;
	struct errlist errs = { 0 };
	struct plan plan = { 0 };
	struct results *db = NULL;
	struct run_env env = { .cancel = &mpl_interrupted };
	struct diag d = DIAG_INIT;
	struct progress prog;
	json_t *runs_json = NULL;
	int c, r, ret = EXIT_SOFTWARE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'r': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !*optarg || v < 1 || v > 1000) {
				say_error("--reps must be 1-1000, got '%s'", optarg);
				ret = EXIT_USAGE;
				goto out;
			}
			reps = (unsigned)v;
			break;
		}
		case 's':
			if (add_str(&sets, &n_sets, optarg) < 0)
				goto out;
			break;
		case 't':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				say_error("--tag must be KEY=VALUE, got '%s'", optarg);
				ret = EXIT_USAGE;
				goto out;
			}
			if (add_str(&tags, &n_tags, optarg) < 0)
				goto out;
			break;
		case 'j':
			json = true;
			break;
		case 'S':
			strict = true;
			break;
		default:
			ret = usage_of("run");
			goto out;
		}
	}
	if (optind >= argc) {
		say_error("'run' needs a scenario or suite file (e.g. scenarios/smoke.json)");
		ret = usage_of("run");
		goto out;
	}
	r = load_plan(argv + optind, argc - optind, sets, n_sets, reps, &plan, &errs);
	if (r < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		if (r == -EINVAL)
			fprintf(stderr, "mptcp-lab: %zu error(s), nothing was run\n", errs.n);
		ret = r == -EINVAL ? EXIT_DATAERR : EXIT_SOFTWARE;
		goto out;
	}
	r = results_open(db_path, &db, &d);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		goto out;
	}
	r = run_env_init(&env, &d);
	if (r < 0) {
		say_error("cannot probe this host: %s", diag_str(&d));
		goto out;
	}
	env.tags = tags;
	env.n_tags = n_tags;
	env.sets = sets;
	env.n_sets = n_sets;

	runs_json = json_array();
	progress_init(&prog, plan.n_jobs, json);
	for (size_t i = 0; i < plan.n_jobs && !mpl_interrupted; i++) {
		const struct job *j = &plan.jobs[i];
		struct results_run run;
		char what[1400];

		snprintf(what, sizeof(what), "%s %s rep %u", j->s->name, j->v->key, j->rep);
		progress_begin(&prog, what);
		diag_clear(&d);
		r = run_one(&env, j->s, j->v, j->rep, &run, &d);
		if (r == -EINTR) {
			interrupted = true;
			break;
		}
		if (r < 0) {
			progress_clear(&prog);
			say_error("%s: %s", what, diag_str(&d));
			goto out;
		}
		diag_clear(&d);
		r = results_run_store(db, &run, &d);
		if (r < 0) {
			progress_clear(&prog);
			say_error("cannot store run %s: %s", run.uuid, diag_str(&d));
			results_run_release(&run);
			goto out;
		}
		counts[run.status]++;
		progress_end(&prog, &run);
		json_array_append_new(runs_json, run_summary_json(&run));
		results_run_release(&run);
	}
	progress_clear(&prog);
	interrupted |= mpl_interrupted != 0;
	if (json) {
		json_t *sum = json_pack("{s:O, s:{s:i, s:i, s:i, s:i}, s:b}", "runs", runs_json,
					"counts", "ok", (int)counts[RESULTS_OK], "failed",
					(int)counts[RESULTS_FAILED], "skipped",
					(int)counts[RESULTS_SKIPPED], "invalid",
					(int)counts[RESULTS_INVALID], "interrupted", interrupted);

		json_dumpf(sum, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(sum);
	} else {
		printf("%zu ok, %zu invalid, %zu failed, %zu skipped%s\n", counts[RESULTS_OK],
		       counts[RESULTS_INVALID], counts[RESULTS_FAILED], counts[RESULTS_SKIPPED],
		       interrupted ? " (interrupted: the run in progress was discarded)" : "");
	}
	if (interrupted)
		ret = 128 + SIGINT;
	else if (counts[RESULTS_INVALID] || counts[RESULTS_FAILED])
		ret = EXIT_FAIL;
	else if (strict && counts[RESULTS_SKIPPED])
		ret = EXIT_UNAVAILABLE;
	else
		ret = EXIT_OK;
out:
	json_decref(runs_json);
	run_env_release(&env);
	results_close(db);
	plan_release(&plan);
	errlist_release(&errs);
	free(sets);
	free(tags);
	return ret;
}
