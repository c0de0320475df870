/*
 * cmd_nightly.c: `mptcp-lab nightly`, one command for a lab box's CI job.
 *
 *   run the suite (tagged night=<date> and nightly=<id>)
 *     -> compare the new runs with the history (the previous nights on this
 *        host, or a pinned --baseline)
 *     -> trend every series over this host's history
 *     -> write the summary (Markdown), JUnit and KTAP of both into --out,
 *        and the HTML report into --out/report
 *     -> push to a time-series database when --push URL is given
 *     -> exit 0, or 1 when a series regressed (compare, or the newest regime
 *        of a trend), or the run's own failure code (interrupted, bad input)
 *
 * The suite runs through cmd_run() itself, so `nightly` and `run` can never
 * disagree on how runs are made and stored.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmdutil.h"
#include "commands.h"
#include "compare.h"
#include "exitcodes.h"
#include "lab.h"
#include "mtime.h"
#include "results.h"
#include "selector.h"
#include "trend.h"

#define NIGHTLY_DEFAULT_SUITE "scenarios/nightly.json"

struct nightly {
	const char *suite, *db, *out, *push_url, *token_file;
	const char *shard, *reps;
	struct selector baseline;
	bool has_baseline;
	const char **sets;
	size_t n_sets;
	char id[32], night[16];
	uint64_t started_us;
};

static int write_outputs(const char *dir, const char *stem, const struct compare_result *r,
			 const char *title)
{
	static const struct {
		const char *ext;
		int kind;
	} outs[] = { { "md", 0 }, { "junit.xml", 1 }, { "ktap", 2 } };

	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		char path[PATH_MAX];
		FILE *f;
		int r2;

		if (xsnprintf(path, sizeof(path), "%s/%s.%s", dir, stem, outs[i].ext) < 0)
			return -ENAMETOOLONG;
		f = fopen(path, "we");
		if (!f)
			return -errno;
		r2 = outs[i].kind == 0 ? report_write_markdown(f, r, title) :
		     outs[i].kind == 1 ? report_write_junit(f, r, title) :
					 report_write_ktap(f, r, title);
		if (fclose(f) != 0 && r2 >= 0)
			r2 = -errno;
		if (r2 < 0)
			return r2;
	}
	return 0;
}

/* Commands take a writable argv, as main() hands it over: give them
 * copies. */
static int call_argv(int (*cmd)(int, char **), int argc, const char *const *argv)
{
	char *copy[64] = { 0 };
	int r = EXIT_SOFTWARE, i;

	for (i = 0; i < argc; i++)
		if (!(copy[i] = strdup(argv[i])))
			goto out;
	r = cmd(argc, copy);
out:
	for (i = 0; i < argc; i++)
		free(copy[i]);
	return r;
}

/* Run the suite with cmd_run(): the same options a user would give. */
static int run_suite(struct nightly *n)
{
	char tag_night[48], tag_id[48];
	const char *argv[64];
	int argc = 0;

	snprintf(tag_night, sizeof(tag_night), "night=%s", n->night);
	snprintf(tag_id, sizeof(tag_id), "nightly=%s", n->id);
	argv[argc++] = "run";
	if (n->db) {
		argv[argc++] = "--db";
		argv[argc++] = n->db;
	}
	argv[argc++] = "--tag";
	argv[argc++] = tag_night;
	argv[argc++] = "--tag";
	argv[argc++] = tag_id;
	if (n->shard) {
		argv[argc++] = "--shard";
		argv[argc++] = n->shard;
	}
	if (n->reps) {
		argv[argc++] = "--reps";
		argv[argc++] = n->reps;
	}
	for (size_t i = 0; i < n->n_sets && argc < 60; i += 1) {
		argv[argc++] = "--set";
		argv[argc++] = n->sets[i];
	}
	argv[argc++] = n->suite;
	argv[argc] = NULL;
	return call_argv(cmd_run, argc, argv);
}

/* The HTML report and report.md of the newest night, with cmd_report(). A
 * report that cannot be drawn (no gnuplot) is said, and does not change
 * the verdict. */
static void write_report(const struct nightly *n)
{
	char dir[PATH_MAX];
	const char *argv[8];
	int argc = 0, r;

	if (xsnprintf(dir, sizeof(dir), "%s/report", n->out) < 0)
		return;
	argv[argc++] = "report";
	if (n->db) {
		argv[argc++] = "--db";
		argv[argc++] = n->db;
	}
	argv[argc++] = "--out";
	argv[argc++] = dir;
	argv[argc] = NULL;
	printf("\n== report into %s\n", dir);
	fflush(stdout);
	r = call_argv(cmd_report, argc, argv);
	if (r != EXIT_OK)
		fprintf(stderr, "mptcp-lab: the report was not fully written (exit %d)\n", r);
}

/* Push what the outbox holds (tonight's runs and anything an earlier push
 * could not deliver) with cmd_push(): a failure keeps them for the next
 * night and does not fail the job. */
static void push_runs(const struct nightly *n)
{
	const char *argv[12];
	int argc = 0, r;

	argv[argc++] = "push";
	if (n->db) {
		argv[argc++] = "--db";
		argv[argc++] = n->db;
	}
	argv[argc++] = "--url";
	argv[argc++] = n->push_url;
	if (n->token_file) {
		argv[argc++] = "--token-file";
		argv[argc++] = n->token_file;
	}
	argv[argc] = NULL;
	printf("\n== push to %s\n", n->push_url);
	fflush(stdout);
	r = call_argv(cmd_push, argc, argv);
	if (r != EXIT_OK)
		fprintf(stderr, "mptcp-lab: push did not deliver everything (exit %d); the outbox keeps the rest for the next push\n",
			r);
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
	struct nightly n = { .suite = NIGHTLY_DEFAULT_SUITE, .out = "results/nightly" };
	struct compare_result cmp = { 0 };
	struct trend_result tr = { 0 };
	struct results_filter cand = { 0 }, hist = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	struct diag sel_err = DIAG_INIT;
	char hostname[256] = "", tag[48];
	const char *tags[1];
	time_t now = time(NULL);
	struct tm tm;
	int c, r, ret = EXIT_SOFTWARE, run_rc;
	bool regressed = false;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			n.suite = optarg;
			break;
		case 'd':
			n.db = optarg;
			break;
		case 'o':
			n.out = optarg;
			break;
		case 'b':
			if (selector_add(&n.baseline, optarg, &sel_err) < 0) {
				say_error("--baseline: %s", diag_str(&sel_err));
				ret = EXIT_USAGE;
				goto out;
			}
			n.has_baseline = true;
			break;
		case 'h':
			n.shard = optarg;
			break;
		case 'p':
			n.push_url = optarg;
			break;
		case 't':
			n.token_file = optarg;
			break;
		case 'r':
			n.reps = optarg;
			break;
		case 's': {
			const char **g = realloc(n.sets, (n.n_sets + 1) * sizeof(*g));

			if (!g)
				goto out;
			n.sets = g;
			n.sets[n.n_sets++] = optarg;
			break;
		}
		default:
			ret = usage_of("nightly");
			goto out;
		}
	}
	if (optind != argc) {
		say_error("'nightly' takes no positional arguments (the suite is --suite FILE)");
		ret = usage_of("nightly");
		goto out;
	}
	gmtime_r(&now, &tm);
	strftime(n.night, sizeof(n.night), "%Y-%m-%d", &tm);
	lab_random_name("", n.id, sizeof(n.id));
	n.started_us = mtime_wall_us();
	gethostname(hostname, sizeof(hostname) - 1);
	if (mkdir(n.out, 0755) < 0 && errno != EEXIST) {
		say_error("cannot create '%s': %m", n.out);
		goto out;
	}

	printf("== nightly %s (%s): running %s\n", n.id, n.night, n.suite);
	fflush(stdout);
	run_rc = run_suite(&n);
	if (run_rc != EXIT_OK && run_rc != EXIT_FAIL) {
		ret = run_rc; /* interrupted, bad input, missing capability, internal */
		goto out;
	}

	r = results_open(n.db, &db, &d);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		goto out;
	}
	snprintf(tag, sizeof(tag), "nightly=%s", n.id);
	tags[0] = tag;
	cand.tags = tags;
	cand.n_tags = 1;
	/* History: this host's runs before tonight (or the pinned baseline). */
	hist.host = hostname;
	if (!n.has_baseline) {
		n.baseline.filter.host = hostname;
		n.baseline.filter.until_us = n.started_us;
	}

	printf("\n== compare: tonight vs %s\n", n.has_baseline ? "the pinned baseline" :
			"the previous nights on this host");
	r = report_compare(db, &n.baseline.filter, &cand, NULL, &cmp, &d);
	if (r == -ENOENT || r == -ENODATA || (r >= 0 && !cmp.n)) {
		printf("nothing to compare with yet (%s)\n", r < 0 ? diag_str(&d) : "no common series");
		diag_clear(&d);
		cmp = (struct compare_result){ 0 };
	} else if (r < 0) {
		say_error("compare: %s", diag_str(&d));
		goto out;
	} else {
		report_write_text(stdout, &cmp, "tonight vs history", false);
		regressed |= cmp.counts[COMPARE_REGRESSION] > 0;
	}
	r = write_outputs(n.out, "compare", &cmp, "mptcp-lab nightly: compare");
	if (r < 0) {
		say_error("cannot write the comparison into '%s': %s", n.out, strerror(-r));
		goto out;
	}

	printf("\n== trend: this host's history\n");
	r = report_trend(db, &hist, &(struct trend_opts){ 0 }, &tr, &d);
	if (r == 0)
		r = cmdutil_trend_store(db, &tr, 0, &d);
	if (r < 0) {
		say_error("trend: %s", diag_str(&d));
		goto out;
	}
	report_write_text(stdout, &tr.rows, "history of this host", false);
	regressed |= tr.rows.counts[COMPARE_REGRESSION] > 0;
	r = write_outputs(n.out, "trend", &tr.rows, "mptcp-lab nightly: trend");
	if (r < 0) {
		say_error("cannot write the trend into '%s': %s", n.out, strerror(-r));
		goto out;
	}
	write_report(&n);
	if (n.push_url)
		push_runs(&n);
	printf("\nsummary, JUnit and KTAP: %s/{compare,trend}.{md,junit.xml,ktap}\n", n.out);
	printf("report: %s/report/index.html (Markdown: %s/report/report.md)\n", n.out, n.out);
	ret = regressed ? EXIT_FAIL : EXIT_OK;
out:
	compare_result_release(&cmp);
	trend_result_release(&tr);
	results_close(db);
	selector_release(&n.baseline);
	free(n.sets);
	return ret;
}
