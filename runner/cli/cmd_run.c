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
#include <time.h>

#include "cmdutil.h"
#include "commands.h"
#include "compare.h"
#include "exitcodes.h"
#include "progress.h"
#include "results.h"
#include "run.h"
#include "plan.h"
#include "run_vm.h"
#include "vm_cli.h"
#include "scenario.h"
#include "selector.h"
#include "variant.h"

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

/* --timeline FILE: one line per step, "t=<s> <step>", the seconds on
 * CLOCK_BOOTTIME (in a VM guest: since its kernel started, the clock of
 * the guest init's markers, so the host can place the steps on its own
 * time line). */
struct run_timeline {
	FILE *f;
};

static void timeline_step(void *arg, const char *what)
{
	struct run_timeline *tl = arg;
	struct timespec ts;

	if (!tl->f || clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return;
	fprintf(tl->f, "t=%.3f %s\n", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, what);
	fflush(tl->f);
}

/* What `run` shows while it works: the progress lines and bar, and the
 * --json summary. */
struct run_view {
	struct progress *prog;
	json_t *runs_json;
	struct run_timeline *timeline;
};

static void run_view_begin(void *arg, const struct plan_job *j)
{
	struct run_view *v = arg;

	progress_on_begin(v->prog, j);
}

static void run_view_end(void *arg, const struct results_run *run)
{
	struct run_view *v = arg;

	timeline_step(v->timeline, "stored");
	progress_end(v->prog, run);
	json_array_append_new(v->runs_json, run_summary_json(run));
}

static void run_view_batch(void *arg, size_t n)
{
	struct run_view *v = arg;

	progress_on_batch(v->prog, n);
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
		{ "timeline", required_argument, NULL, 'T' },
		VM_CLI_OPTIONS,
		{},
	};
	struct vm_opts vm = { 0 };
	const char *shard_arg = NULL;
	const char **sets = NULL, **tags = NULL;
	size_t n_sets = 0, n_tags = 0;
	const char *db_path = NULL;
	unsigned reps = 0;
	bool json = false, strict = false, interrupted = false, until_decided = false,
	     has_baseline = false;
	struct selector baseline = { 0 };
	unsigned max_reps = 20, shard_index = 0, shard_count = 1;
	const char *report_dir = NULL;
	int decided = EXIT_OK;
	struct diag sel_err = DIAG_INIT;
	struct plan_opts popts;
	struct plan_exec x = { 0 };
	struct run_view view;
	const struct plan_observer obs = { .batch = run_view_batch, .run_begin = run_view_begin,
					   .run_end = run_view_end, .arg = &view };
	struct diag_list errs = { 0 };
	struct plan plan = { 0 };
	struct results *db = NULL;
	struct run_env env = { .cancel = &mpl_interrupted };
	struct diag d = DIAG_INIT;
	struct progress prog;
	json_t *runs_json = NULL;
	struct run_timeline timeline = { 0 };
	const struct run_steps steps = { .step = timeline_step, .arg = &timeline };
	const char *timeline_path = NULL;
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
			if (cmdutil_add_arg(&sets, &n_sets, optarg))
				goto out;
			break;
		case 't':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				say_error("--tag must be KEY=VALUE, got '%s'", optarg);
				ret = EXIT_USAGE;
				goto out;
			}
			if (cmdutil_add_arg(&tags, &n_tags, optarg))
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
		case 'T':
			timeline_path = optarg;
			break;
		case VM_OPT_KERNEL ... VM_OPT_CONSOLE:
			if (vm_cli_option(c, optarg, &vm) < 0) {
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case 'h':
			shard_arg = optarg;
			if (plan_parse_shard(optarg, &shard_index, &shard_count) < 0) {
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
	popts = (struct plan_opts){ .files = (const char *const *)argv + optind,
				    .n_files = (size_t)(argc - optind), .sets = sets,
				    .n_sets = n_sets, .reps = reps, .shard_index = shard_index,
				    .shard_count = shard_count };
	r = plan_load(&popts, &plan, &errs);
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
			.json = json, .strict = strict,
			.files = (const char *const *)argv + optind,
			.n_files = (size_t)(argc - optind),
		};
		struct run_vm_result res;

		if (until_decided || report_dir) {
			say_error("--until-decided and --report are not available with --kernel (use bisect-run, and report on the host database)");
			ret = EXIT_USAGE;
			goto out;
		}
		va.vm.relay_out = stdout;
		va.vm.relay_err = stderr;
		va.vm.cancel = &mpl_interrupted;
		r = run_vm(&va, &res, &d);
		ret = vm_cli_outcome(r, &res, &d, vm.timeline);
		goto out;
	}
	if (vm_cli_check(&vm) < 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (timeline_path) {
		timeline.f = fopen(timeline_path, "ae");
		if (!timeline.f) {
			say_error("cannot open the timeline '%s': %m", timeline_path);
			ret = EXIT_USAGE;
			goto out;
		}
		timeline_step(&timeline, "started");
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
	timeline_step(&timeline, "probes done");
	env.steps = &steps;
	env.tags = tags;
	env.n_tags = n_tags;
	env.sets = sets;
	env.n_sets = n_sets;

	runs_json = json_array();
	if (shard_count > 1 && !json)
		printf("shard %u/%u: %zu runs of this box\n", shard_index + 1, shard_count,
		       plan.n_jobs);
	progress_init(&prog, 0, json);
	view = (struct run_view){ .prog = &prog, .runs_json = runs_json, .timeline = &timeline };
	x = (struct plan_exec){ .env = &env, .db = db, .obs = &obs };
	r = plan_execute(&x, plan.jobs, plan.n_jobs, &d);
	if (r < 0 && r != -EINTR) {
		progress_clear(&prog);
		say_error("%s", diag_str(&d));
		goto out;
	}
	interrupted = r == -EINTR;
	if (until_decided && !interrupted) {
		struct plan_decision dec;

		r = plan_until_decided(&x, &plan, &baseline.filter, max_reps, &dec, &d);
		progress_clear(&prog);
		if (r < 0 && r != -EINTR) {
			say_error("%s", diag_str(&d));
			goto out;
		}
		interrupted = r == -EINTR;
		if (r == 0) {
			if (dec.hopeless && dec.needed)
				printf("still inconclusive after %u repetitions: about %zu runs a side would decide, beyond --max-reps %u\n",
				       dec.reps, dec.needed, max_reps);
			else if (dec.hopeless)
				printf("still inconclusive after %u repetitions: the change sits on the floor, no number of runs decides it\n",
				       dec.reps);
			else if (dec.capped)
				printf("still inconclusive after %u repetitions (--max-reps)\n", dec.reps);
			report_write_text(stdout, &dec.cmp, "this run vs the baseline", false);
			decided = dec.cmp.counts[COMPARE_REGRESSION] || dec.cmp.mix_to_worse ?
					  EXIT_FAIL :
					  EXIT_OK;
			compare_result_release(&dec.cmp);
		}
	}
	progress_clear(&prog);
	interrupted |= mpl_interrupted != 0;
	if (json) {
		json_t *sum = json_pack("{s:O, s:{s:i, s:i, s:i, s:i}, s:b}", "runs", runs_json,
					"counts", "ok", (int)x.counts[RESULTS_OK], "failed",
					(int)x.counts[RESULTS_FAILED], "skipped",
					(int)x.counts[RESULTS_SKIPPED], "invalid",
					(int)x.counts[RESULTS_INVALID], "interrupted", interrupted);

		json_dumpf(sum, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(sum);
	} else {
		printf("%zu ok, %zu invalid, %zu failed, %zu skipped%s\n", x.counts[RESULTS_OK],
		       x.counts[RESULTS_INVALID], x.counts[RESULTS_FAILED], x.counts[RESULTS_SKIPPED],
		       interrupted ? " (interrupted: the run in progress was discarded)" : "");
	}
	if (report_dir && !interrupted) {
		/* The same report `mptcp-lab report --out DIR` writes, over this
		 * database. */
		struct report_pages_stats rst;
		struct diag rd = DIAG_INIT;
		int rr;

		r = report_pages_write(db, &(struct report_pages_opts){ .out_dir = report_dir },
				       &cmdutil_report_observer, &rst, &rd);
		rr = cmdutil_report_outcome(r, &rd, &rst, report_dir);
		if (rr != EXIT_OK)
			say_error("the report was not fully written (exit %d)", rr);
	}
	if (interrupted)
		ret = 128 + SIGINT;
	else if (until_decided)
		ret = decided;
	else if (x.counts[RESULTS_INVALID] || x.counts[RESULTS_FAILED])
		ret = EXIT_FAIL;
	else if (strict && x.counts[RESULTS_SKIPPED])
		ret = EXIT_UNAVAILABLE;
	else
		ret = EXIT_OK;
out:
	if (timeline.f)
		fclose(timeline.f);
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
