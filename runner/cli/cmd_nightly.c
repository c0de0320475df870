/*
 * cmd_nightly.c: `mptcp-lab nightly`, one command for a lab box's CI job:
 * the options, then nightly_run() (runner/job/nightly.h: run the suite,
 * compare, trend, write the summaries and the report, push), then what
 * each step did.
 *
 * Exit: 0, or 1 when a new regression was reported tonight (a known one,
 * reported on an earlier night and not acknowledged, is listed as still
 * open and does not fail the job), or the code `run` would give for what
 * stopped the runs (130 interrupted, 65 bad input, 70 internal).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmdutil.h"
#include "commands.h"
#include "exitcodes.h"
#include "nightly.h"
#include "progress.h"
#include "selector.h"

struct nightly_args {
	struct nightly_opts o;
	struct selector baseline;
	bool has_baseline;
	const char **sets;
	size_t n_sets;
};

/* What the job says while it works. */
struct nightly_view {
	const struct nightly_args *a;
	struct progress prog;
};

static void view_counts(const struct nightly *n, bool interrupted)
{
	printf("%zu ok, %zu invalid, %zu failed, %zu skipped%s\n", n->counts[RESULTS_OK],
	       n->counts[RESULTS_INVALID], n->counts[RESULTS_FAILED], n->counts[RESULTS_SKIPPED],
	       interrupted ? " (interrupted: the run in progress was discarded)" : "");
}

/* The baselines that restarted at a change point, or hold nights out. */
static void view_baselines(const struct nightly *n)
{
	for (size_t i = 0; i < n->judged.n_bases; i++) {
		const struct nightly_baseline *b = &n->judged.bases[i];
		char since[16], held[16];
		time_t t = (time_t)(b->since_us / 1000000), h = (time_t)(b->held_out_us / 1000000);
		struct tm tm;

		if (!b->regime && !b->held_out_us)
			continue;
		strftime(since, sizeof(since), "%Y-%m-%d", gmtime_r(&t, &tm));
		strftime(held, sizeof(held), "%Y-%m-%d", gmtime_r(&h, &tm));
		printf("baseline of %s %s %s: since %s%s%s%s\n", b->scenario,
		       b->variant_key[0] ? b->variant_key : "-", b->metric, since,
		       b->regime ? " (the change point that started its regime)" : "",
		       b->held_out_us ? ", without the nights from " : "",
		       b->held_out_us ? held : "");
	}
}

static void view_regression(const struct nightly_regression *g, const char *what)
{
	printf("%-12s #%lld %s %s %s: %+.2f %% since %s (kernel %s -> %s), first reported %s%s%s\n",
	       what, (long long)g->id, g->scenario, g->variant_key[0] ? g->variant_key : "-",
	       g->metric, g->change * 100, g->since, g->kernel_before[0] ? g->kernel_before : "?",
	       g->kernel_after[0] ? g->kernel_after : "?", g->first_reported,
	       g->ack_note[0] ? ": " : "", g->ack_note);
}

/* New regressions (they fail the job), then the known ones still open. */
static void view_regressions(const struct nightly *n)
{
	const struct nightly_judgement *j = &n->judged;
	size_t known = 0;

	printf("\n== regressions: %zu new tonight, %zu open on this host\n", j->n_new, j->n_open);
	for (size_t i = 0; i < j->n_regs; i++)
		if (j->regs[i].state == NIGHTLY_NEW)
			view_regression(&j->regs[i], "NEW");
	for (size_t i = 0; i < j->n_open; i++)
		if (j->open[i].state != NIGHTLY_NEW) {
			view_regression(&j->open[i], "still open");
			known++;
		}
	for (size_t i = 0; i < j->n_regs; i++)
		if (j->regs[i].state == NIGHTLY_ACKED)
			view_regression(&j->regs[i], "acknowledged");
	if (j->n_open)
		printf("acknowledge one with: mptcp-lab ack ID --note TEXT (mptcp-lab ack --list shows them)\n");
	if (!j->n_new && known)
		printf("no new regression tonight: the %zu open one%s %s known and do%s not fail the job\n",
		       known, known == 1 ? "" : "s", known == 1 ? "is" : "are", known == 1 ? "es" : "");
}

static void view_step(void *arg, enum nightly_step step, const struct nightly *n)
{
	struct nightly_view *v = arg;
	int rc;

	switch (step) {
	case NIGHTLY_BEGIN:
		printf("== nightly %s (%s): running %s\n", n->id, n->night, n->suite);
		break;
	case NIGHTLY_PLANNED:
		if (n->o->shard_count > 1)
			printf("shard %u/%u: %zu runs of this box\n", n->o->shard_index + 1,
			       n->o->shard_count, n->plan.n_jobs);
		break;
	case NIGHTLY_RAN:
		progress_clear(&v->prog);
		view_counts(n, false);
		break;
	case NIGHTLY_COMPARED:
		printf("\n== compare: tonight vs %s\n", v->a->has_baseline ? "the pinned baseline" :
		       "each series' current regime on this host (at most 28 nights)");
		if (n->judged.nothing_to_compare)
			printf("nothing to compare with yet (%s)\n", n->judged.nothing_why);
		else
			report_write_text(stdout, &n->judged.cmp, "tonight vs history", false);
		view_baselines(n);
		break;
	case NIGHTLY_TRENDED:
		printf("\n== trend: this host's history\n");
		report_write_text(stdout, &n->judged.tr.rows, "history of this host", false);
		break;
	case NIGHTLY_JUDGED:
		view_regressions(n);
		break;
	case NIGHTLY_REPORTING:
		printf("\n== report into %s\n", n->report_dir);
		break;
	case NIGHTLY_REPORTED:
		/* a report that cannot be drawn (no gnuplot) is said, and does
		 * not change the verdict */
		rc = cmdutil_report_outcome(n->report_err, &n->report_diag, &n->report, n->report_dir);
		if (rc != EXIT_OK)
			say_error("the report was not fully written (exit %d)", rc);
		break;
	case NIGHTLY_PUSHING:
		printf("\n== push to %s\n", n->o->push_url);
		break;
	case NIGHTLY_PUSHED:
		/* a failure keeps the runs for the next night and does not fail
		 * the job */
		rc = cmdutil_push_outcome(n->push_err, &n->push_diag, &n->pushed, n->o->push_url);
		if (rc != EXIT_OK)
			say_error("push did not deliver everything (exit %d); the outbox keeps the rest for the next push",
				  rc);
		break;
	}
	fflush(stdout);
}

static int parse_count(const char *name, const char *arg, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*end || !*arg || v < 1 || v > 1000) {
		say_error("--%s must be 1-1000, got '%s'", name, arg);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

static int nightly_option(int c, char *arg, void *ctx)
{
	struct nightly_args *a = ctx;

	switch (c) {
	case 'S':
		a->o.suite = arg;
		return 0;
	case 'd':
		a->o.db_path = arg;
		return 0;
	case 'o':
		a->o.out_dir = arg;
		return 0;
	case 'b':
		a->has_baseline = true;
		return cmdutil_select(&a->baseline, arg, "--baseline");
	case 'h':
		if (plan_parse_shard(arg, &a->o.shard_index, &a->o.shard_count) < 0) {
			say_error("--shard must be I/N with 1 <= I <= N, got '%s'", arg);
			return EXIT_USAGE;
		}
		return 0;
	case 'p':
		a->o.push_url = arg;
		return 0;
	case 't':
		a->o.token_file = arg;
		return 0;
	case 'r':
		return parse_count("reps", arg, &a->o.reps) < 0 ? EXIT_USAGE : 0;
	case 's':
		return cmdutil_add_arg(&a->sets, &a->n_sets, arg);
	default:
		return usage_of("nightly");
	}
}

int cmd_nightly(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "suite", required_argument, NULL, 'S' }, { "db", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },   { "baseline", required_argument, NULL, 'b' },
		{ "shard", required_argument, NULL, 'h' }, { "reps", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' },   { "push", required_argument, NULL, 'p' },
		{ "token-file", required_argument, NULL, 't' }, {},
	};
	struct nightly_args a = { .o = { .cancel = &mpl_interrupted } };
	struct nightly_view view = { .a = &a };
	struct plan_observer runs;
	const struct nightly_observer obs = { .runs = &runs, .step = view_step,
					      .report = &cmdutil_report_observer,
					      .push_failed = cmdutil_push_failed, .arg = &view };
	struct nightly n;
	struct diag d = DIAG_INIT;
	int r, ret;

	ret = cmdutil_parse_options(argc, argv, "nightly", opts, nightly_option, &a);
	if (ret)
		goto out;
	if (optind != argc) {
		say_error("'nightly' takes no positional arguments (the suite is --suite FILE)");
		ret = usage_of("nightly");
		goto out;
	}
	a.o.baseline = a.has_baseline ? &a.baseline.filter : NULL;
	a.o.sets = a.sets;
	a.o.n_sets = a.n_sets;
	progress_init(&view.prog, 0, false);
	progress_observe(&view.prog, &runs);
	r = nightly_run(&a.o, &obs, &n, &d);
	progress_clear(&view.prog);
	if (r == -EINVAL) {
		for (size_t i = 0; i < n.errs.n; i++)
			fprintf(stderr, "%s\n", n.errs.msgs[i]);
		fprintf(stderr, "mptcp-lab: %zu error(s), nothing was run\n", n.errs.n);
		ret = EXIT_DATAERR;
	} else if (r == -EINTR) {
		view_counts(&n, true);
		ret = 128 + SIGINT;
	} else if (r < 0) {
		say_error("%s", diag_str(&d));
		ret = EXIT_SOFTWARE;
	} else {
		printf("\nsummary, JUnit and KTAP: %s/{compare,trend}.{md,junit.xml,ktap}, %s/regressions.md\n",
		       n.out_dir, n.out_dir);
		printf("report: %s/report/index.html (Markdown: %s/report/report.md)\n", n.out_dir,
		       n.out_dir);
		ret = n.regressed ? EXIT_FAIL : EXIT_OK;
	}
	nightly_release(&n);
out:
	selector_release(&a.baseline);
	free(a.sets);
	return ret;
}
