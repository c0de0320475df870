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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "compare.h"
#include "exitcodes.h"
#include "progress.h"
#include "results.h"
#include "run.h"
#include "run_vm.h"
#include "scenario.h"
#include "selector.h"
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
/* FNV-1a of scenario name and variant key: which shard a series belongs
 * to. Whole series go to one box, so its runs stay comparable. */
static unsigned shard_of(const char *scenario, const char *key, unsigned count)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = scenario; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (unsigned)(h % count);
}

/* "I/N" with 1 <= I <= N: this box runs shard I of N. */
static int parse_shard(const char *arg, unsigned *index, unsigned *count)
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

static int load_plan(char **files, int n_files, const char **sets, size_t n_sets, unsigned reps,
		     unsigned shard_index, unsigned shard_count, struct plan *p,
		     struct diag_list *errs)
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
		nv = 0;
		for (size_t v = 0; v < p->n_variants[i]; v++)
			if (shard_count <= 1 ||
			    shard_of(s->name, p->variants[i][v].key, shard_count) == shard_index)
				p->variants[i][nv++] = p->variants[i][v];
		p->n_variants[i] = nv;
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

struct run_state {
	struct run_env *env;
	struct results *db;
	struct progress *prog;
	json_t *runs_json;
	size_t *counts;
};

/* Run jobs in order, storing each complete run. -EINTR when interrupted
 * (the run in progress is discarded), another negative errno when a run
 * could not be done or stored (already said). */
static int execute(struct run_state *st, const struct job *jobs, size_t n)
{
	struct diag d = DIAG_INIT;

	for (size_t i = 0; i < n; i++) {
		const struct job *j = &jobs[i];
		struct results_run run;
		char what[1400];
		int r;

		if (mpl_interrupted)
			return -EINTR;
		snprintf(what, sizeof(what), "%s %s rep %u", j->s->name, j->v->key, j->rep);
		progress_begin(st->prog, what);
		diag_clear(&d);
		r = run_one(st->env, j->s, j->v, j->rep, &run, &d);
		if (r == -EINTR)
			return r;
		if (r < 0) {
			progress_clear(st->prog);
			say_error("%s: %s", what, diag_str(&d));
			return r;
		}
		diag_clear(&d);
		r = results_run_store(st->db, &run, &d);
		if (r < 0) {
			progress_clear(st->prog);
			say_error("cannot store run %s: %s", run.uuid, diag_str(&d));
			results_run_release(&run);
			return r;
		}
		st->counts[run.status]++;
		progress_end(st->prog, &run);
		json_array_append_new(st->runs_json, run_summary_json(&run));
		results_run_release(&run);
	}
	return 0;
}

/*
 * --until-decided: compare this invocation's runs with the baseline; while
 * a series is inconclusive, add one interleaved round (every variant of
 * every scenario once more) and compare again, up to max_reps repetitions.
 * *verdict gets the final comparison's exit status (0 no regression, 1).
 */
static int until_decided_loop(struct run_state *st, struct plan *plan, struct selector *baseline,
			      const char *invocation, unsigned max_reps, int *verdict)
{
	struct compare_opts copts = { 0 };
	struct results_filter cand = { 0 };
	const char *tags[1];
	char tag[64];
	unsigned rep = 0;
	int r;

	snprintf(tag, sizeof(tag), "invocation=%s", invocation);
	tags[0] = tag;
	cand.tags = tags;
	cand.n_tags = 1;
	for (size_t i = 0; i < plan->n_scenarios; i++)
		rep = plan->scenarios[i]->repetitions > rep ? plan->scenarios[i]->repetitions : rep;
	for (;;) {
		struct compare_result cmp = { 0 };
		struct diag d = DIAG_INIT;
		struct job *round = NULL;
		size_t n_round = 0;

		r = report_compare(st->db, &baseline->filter, &cand, &copts, &cmp, &d);
		if (r < 0) {
			progress_clear(st->prog);
			say_error("cannot compare with the baseline: %s", diag_str(&d));
			return r;
		}
		if (!cmp.counts[COMPARE_INCONCLUSIVE] || rep >= max_reps) {
			progress_clear(st->prog);
			if (cmp.counts[COMPARE_INCONCLUSIVE])
				printf("still inconclusive after %u repetitions (--max-reps)\n", rep);
			report_write_text(stdout, &cmp, "this run vs the baseline", false);
			*verdict = cmp.counts[COMPARE_REGRESSION] ? EXIT_FAIL : EXIT_OK;
			compare_result_release(&cmp);
			return 0;
		}
		compare_result_release(&cmp);
		rep++;
		for (size_t i = 0; i < plan->n_scenarios; i++) {
			for (size_t v = 0; v < plan->n_variants[i]; v++) {
				if (push_ptr(&round, n_round, sizeof(*round)) < 0) {
					free(round);
					return -ENOMEM;
				}
				round[n_round++] = (struct job){ plan->scenarios[i], &plan->variants[i][v], rep };
			}
		}
		st->prog->total += n_round;
		r = execute(st, round, n_round);
		free(round);
		if (r < 0)
			return r;
	}
}

enum {
	OPT_KERNEL = 1000,
	OPT_MODULES,
	OPT_INITRD,
	OPT_VM_MEMORY,
	OPT_VM_CPUS,
	OPT_ACCEL,
	OPT_VM_TIMEOUT,
	OPT_VM_CONSOLE,
};

/* A whole number in [lo, hi] for option name, or -EINVAL (said). */
static int parse_uint_opt(const char *name, const char *arg, unsigned long lo, unsigned long hi,
			  unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		say_error("--%s must be %lu-%lu, got '%s'", name, lo, hi, arg);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },	 { "reps", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' }, { "tag", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },	 { "strict", no_argument, NULL, 'S' },
		{ "until-decided", no_argument, NULL, 'U' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "max-reps", required_argument, NULL, 'M' },
		{ "shard", required_argument, NULL, 'h' },
		{ "report", required_argument, NULL, 'R' },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "modules", required_argument, NULL, OPT_MODULES },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "vm-memory", required_argument, NULL, OPT_VM_MEMORY },
		{ "vm-cpus", required_argument, NULL, OPT_VM_CPUS },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "vm-timeout", required_argument, NULL, OPT_VM_TIMEOUT },
		{ "vm-console", no_argument, NULL, OPT_VM_CONSOLE },
		{},
	};
	struct vm_opts vm = { 0 };
	const char *shard_arg = NULL;
	const char **sets = NULL, **tags = NULL;
	size_t n_sets = 0, n_tags = 0, counts[4] = { 0 };
	const char *db_path = NULL;
	unsigned reps = 0;
	bool json = false, strict = false, interrupted = false, until_decided = false,
	     has_baseline = false;
	struct selector baseline = { 0 };
	unsigned max_reps = 20, shard_index = 0, shard_count = 1;
	const char *report_dir = NULL;
	int decided = EXIT_OK;
	struct diag sel_err = DIAG_INIT;
	char invocation[32], invocation_tag[48];
	struct run_state st;
	struct diag_list errs = DIAG_LIST_INIT;
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
		case 'U':
			until_decided = true;
			break;
		case 'R':
			report_dir = optarg;
			break;
		case OPT_KERNEL:
			vm.image = optarg;
			break;
		case OPT_MODULES:
			vm.modules_dir = optarg;
			break;
		case OPT_INITRD:
			vm.initrd = optarg;
			break;
		case OPT_VM_MEMORY:
			if (parse_uint_opt("vm-memory", optarg, 256, 65536, &vm.memory_mib) < 0) {
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_VM_CPUS:
			if (parse_uint_opt("vm-cpus", optarg, 1, 64, &vm.cpus) < 0) {
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_VM_TIMEOUT: {
			unsigned s;

			if (parse_uint_opt("vm-timeout", optarg, 1, 7 * 86400, &s) < 0) {
				ret = EXIT_USAGE;
				goto out;
			}
			vm.timeout_us = (uint64_t)s * 1000000ULL;
			break;
		}
		case OPT_ACCEL:
			if (vm_accel_parse(optarg, &vm.accel) < 0) {
				say_error("--accel must be auto, kvm or tcg, got '%s'", optarg);
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_VM_CONSOLE:
			vm.verbose = true;
			break;
		case 'h':
			shard_arg = optarg;
			if (parse_shard(optarg, &shard_index, &shard_count) < 0) {
				say_error("--shard must be I/N with 1 <= I <= N, got '%s'", optarg);
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case 'B':
			if (selector_add(&baseline, optarg, &sel_err) < 0) {
				say_error("--baseline: %s", diag_str(&sel_err));
				ret = EXIT_USAGE;
				goto out;
			}
			has_baseline = true;
			break;
		case 'M': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !*optarg || v < 1 || v > 1000) {
				say_error("--max-reps must be 1-1000, got '%s'", optarg);
				ret = EXIT_USAGE;
				goto out;
			}
			max_reps = (unsigned)v;
			break;
		}
		default:
			ret = usage_of("run");
			goto out;
		}
	}
	if (until_decided != has_baseline) {
		say_error("--until-decided and --baseline go together");
		ret = usage_of("run");
		goto out;
	}
	if (optind >= argc) {
		say_error("'run' needs a scenario or suite file (e.g. scenarios/smoke.json)");
		ret = usage_of("run");
		goto out;
	}
	r = load_plan(argv + optind, argc - optind, sets, n_sets, reps, shard_index, shard_count,
		      &plan, &errs);
	if (r < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		if (r == -EINVAL)
			fprintf(stderr, "mptcp-lab: %zu error(s), nothing was run\n", errs.n);
		ret = r == -EINVAL ? EXIT_DATAERR : EXIT_SOFTWARE;
		goto out;
	}
	if (vm.image) {
		struct run_vm_args va = {
			.vm = vm, .db_path = db_path, .sets = sets, .n_sets = n_sets,
			.tags = tags, .n_tags = n_tags, .reps = reps, .shard = shard_arg,
			.json = json, .strict = strict, .files = argv + optind,
			.n_files = argc - optind,
		};

		if (until_decided || report_dir) {
			say_error("--until-decided and --report are not available with --kernel (use bisect-run, and report on the host database)");
			ret = EXIT_USAGE;
			goto out;
		}
		ret = run_vm(&va);
		goto out;
	}
	if (vm.modules_dir || vm.initrd || vm.memory_mib || vm.cpus || vm.timeout_us || vm.verbose) {
		say_error("--modules, --initrd, --vm-* go with --kernel IMAGE");
		ret = EXIT_USAGE;
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
	/* Every run of this invocation carries its id, so it can be
	 * selected as one candidate (--until-decided, bisect-run). */
	lab_random_name("", invocation, sizeof(invocation));
	snprintf(invocation_tag, sizeof(invocation_tag), "invocation=%s", invocation);
	if (add_str(&tags, &n_tags, invocation_tag) < 0)
		goto out;
	env.tags = tags;
	env.n_tags = n_tags;
	env.sets = sets;
	env.n_sets = n_sets;

	runs_json = json_array();
	if (shard_count > 1 && !json)
		printf("shard %u/%u: %zu runs of this box\n", shard_index + 1, shard_count,
		       plan.n_jobs);
	progress_init(&prog, plan.n_jobs, json);
	st = (struct run_state){ .env = &env, .db = db, .prog = &prog, .runs_json = runs_json,
				 .counts = counts };
	r = execute(&st, plan.jobs, plan.n_jobs);
	if (r < 0 && r != -EINTR)
		goto out;
	interrupted = r == -EINTR;
	if (until_decided && !interrupted) {
		r = until_decided_loop(&st, &plan, &baseline, invocation, max_reps, &decided);
		if (r < 0 && r != -EINTR)
			goto out;
		interrupted = r == -EINTR;
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
	if (report_dir && !interrupted) {
		/* The same report `mptcp-lab report` writes, over this database. */
		char a_report[] = "report", a_out[] = "--out", a_db[] = "--db";
		char *dir = strdup(report_dir), *dbp = db_path ? strdup(db_path) : NULL;
		char *rargv[6] = { a_report, a_out, dir, NULL, NULL, NULL };
		int rargc = 3, rr;

		if (dbp) {
			rargv[rargc++] = a_db;
			rargv[rargc++] = dbp;
		}
		rr = dir ? cmd_report(rargc, rargv) : EXIT_SOFTWARE;
		free(dir);
		free(dbp);
		if (rr != EXIT_OK)
			say_error("the report was not fully written (exit %d)", rr);
	}
	if (interrupted)
		ret = 128 + SIGINT;
	else if (until_decided)
		ret = decided;
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
	selector_release(&baseline);
	diag_list_release(&errs);
	free(sets);
	free(tags);
	return ret;
}
