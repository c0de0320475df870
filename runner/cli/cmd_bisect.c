/*
 * cmd_bisect.c: `mptcp-lab bisect-run`, the command of `git bisect run`.
 *
 *   [--build CMD]  build this commit (no shell; its log on the terminal)
 *   measure        `run` the scenario in batches: --reps first, then 2 more
 *                  while the comparison is inconclusive, up to --max-reps;
 *                  every run stored, tagged commit=<id> and bisect=<id>
 *   compare        with the stored good baseline (report_compare: the
 *                  statistics of `compare`)
 *   exit           0 good (no change, or faster), 1 bad (a regression),
 *                  125 skip (build failed, inconclusive at --max-reps, runs
 *                  not ok, no baseline, timeout, interrupted, bad input)
 *
 * git counts every exit code from 1 to 127 except 125 as bad, and aborts
 * the bisection on anything >= 128; a usage error (64) would condemn a good
 * commit. So the work runs in a forked child and the parent only waits,
 * forwarding SIGINT/SIGTERM/SIGHUP, and maps whatever the child did that is
 * not 0, 1 or 125 (a crash, an exit(70) somewhere) to 125 with the reason.
 *
 * What this file does not do: statistics (report/compare.c), running a
 * scenario (cmd_run.c, called in-process as `run` would be), booting a
 * kernel (`run --kernel`, passed through).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bisect.h"
#include "commands.h"
#include "compare.h"
#include "diag.h"
#include "exitcodes.h"
#include "lab.h"
#include "mtime.h"
#include "results.h"
#include "scenario.h"
#include "selector.h"
#include "spawn.h"

/* A good baseline needs this many ok runs: Mann-Whitney U reaches p < 0.01
 * only with 5 runs per side. */
#define BISECT_MIN_BASELINE 5
/* After --timeout, how long the parent lets the child unwind (tear its lab
 * down) before it kills it. */
#define BISECT_GRACE_S 60

struct bisect_opts {
	const char *db, *build, *commit, *scenario;
	struct selector baseline;
	bool has_baseline;
	uint64_t build_timeout_us, timeout_us;
	unsigned reps, max_reps;
	const char **metrics;
	size_t n_metrics;
	const char **sets; /* "PATH=VALUE" for run --set */
	size_t n_sets;
	const char **vm; /* "--kernel", "IMAGE", ...: passed to run as they came */
	size_t n_vm;
};

/* What this invocation measured, for the log lines. */
struct bisect_state {
	const struct bisect_opts *o;
	struct results *db;
	char id[32];	  /* bisect=<id> */
	char commit[72];  /* commit=<commit>: a SHA-256 object name has 64 digits */
	char short_commit[16];
	struct scenario *s;
	unsigned reps_done, batch;
	size_t seen[4];	 /* runs of this invocation by status, so far */
	char base_mode[64]; /* the baseline's boot mode (bare-metal, qemu-tcg, ...) */
};

static volatile sig_atomic_t bisect_timed_out;
static volatile pid_t bisect_child;
static volatile sig_atomic_t bisect_parent_deadline;

static int add_str(const char ***arr, size_t *n, const char *s)
{
	const char **g = realloc(*arr, (*n + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	*arr = g;
	g[(*n)++] = s;
	return 0;
}

static void opts_release(struct bisect_opts *o)
{
	selector_release(&o->baseline);
	free(o->metrics);
	free(o->sets);
	free(o->vm);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("bisect-run: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* The last words, the one line a bisect log must show. */
static int skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int skip(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bisect-run: SKIP (exit 125): ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return BISECT_SKIP;
}

/* ---- options ------------------------------------------------------------ */

enum {
	OPT_DB = 1000,
	OPT_BASELINE,
	OPT_BUILD,
	OPT_BUILD_TIMEOUT,
	OPT_TIMEOUT,
	OPT_REPS,
	OPT_MAX_REPS,
	OPT_METRIC,
	OPT_COMMIT,
	OPT_SET,
	/* the VM options, passed through to run in this order */
	OPT_VM_KERNEL,
	OPT_VM_MODULES,
	OPT_VM_INITRD,
	OPT_VM_MEMORY,
	OPT_VM_CPUS,
	OPT_VM_ACCEL,
	OPT_VM_TIMEOUT,
};

static const char *const vm_flags[] = { "--kernel", "--modules",  "--initrd",    "--vm-memory",
					"--vm-cpus", "--accel", "--vm-timeout" };

static int parse_count(const char *name, const char *arg, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*end || !*arg || *arg == '-' || v < 1 || v > 1000) {
		say_error("%s must be 1-1000, got '%s'", name, arg);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

/* 0, or -EINVAL after the reason was said. */
static int parse_opts(int argc, char **argv, struct bisect_opts *o)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "build", required_argument, NULL, OPT_BUILD },
		{ "build-timeout", required_argument, NULL, OPT_BUILD_TIMEOUT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "reps", required_argument, NULL, OPT_REPS },
		{ "max-reps", required_argument, NULL, OPT_MAX_REPS },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "commit", required_argument, NULL, OPT_COMMIT },
		{ "set", required_argument, NULL, OPT_SET },
		{ "kernel", required_argument, NULL, OPT_VM_KERNEL },
		{ "modules", required_argument, NULL, OPT_VM_MODULES },
		{ "initrd", required_argument, NULL, OPT_VM_INITRD },
		{ "vm-memory", required_argument, NULL, OPT_VM_MEMORY },
		{ "vm-cpus", required_argument, NULL, OPT_VM_CPUS },
		{ "accel", required_argument, NULL, OPT_VM_ACCEL },
		{ "vm-timeout", required_argument, NULL, OPT_VM_TIMEOUT },
		{},
	};
	struct diag sel_err = DIAG_INIT;
	int c;

	o->reps = 5;
	o->max_reps = 15;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_BASELINE:
			if (selector_add(&o->baseline, optarg, &sel_err) < 0) {
				say_error("--baseline: %s", diag_str(&sel_err));
				return -EINVAL;
			}
			o->has_baseline = true;
			break;
		case OPT_BUILD:
			o->build = optarg;
			break;
		case OPT_BUILD_TIMEOUT:
		case OPT_TIMEOUT:
			if (bisect_parse_seconds(optarg, c == OPT_TIMEOUT ? &o->timeout_us :
									    &o->build_timeout_us) < 0) {
				say_error("--%s must be a positive number of seconds (30, 90s, 1500ms), got '%s'",
					  c == OPT_TIMEOUT ? "timeout" : "build-timeout", optarg);
				return -EINVAL;
			}
			break;
		case OPT_REPS:
			if (parse_count("--reps", optarg, &o->reps) < 0)
				return -EINVAL;
			break;
		case OPT_MAX_REPS:
			if (parse_count("--max-reps", optarg, &o->max_reps) < 0)
				return -EINVAL;
			break;
		case OPT_METRIC:
			if (add_str(&o->metrics, &o->n_metrics, optarg) < 0)
				return -ENOMEM;
			break;
		case OPT_COMMIT:
			if (!*optarg || strlen(optarg) > 64) {
				say_error("--commit must be 1-64 characters, got '%s'", optarg);
				return -EINVAL;
			}
			o->commit = optarg;
			break;
		case OPT_SET:
			if (add_str(&o->sets, &o->n_sets, optarg) < 0)
				return -ENOMEM;
			break;
		case OPT_VM_KERNEL ... OPT_VM_TIMEOUT:
			/* as run takes them; run checks the values */
			if (add_str(&o->vm, &o->n_vm, vm_flags[c - OPT_VM_KERNEL]) < 0 ||
			    add_str(&o->vm, &o->n_vm, optarg) < 0)
				return -ENOMEM;
			break;
		default:
			return -EINVAL; /* getopt said what */
		}
	}
	if (!o->has_baseline) {
		say_error("'bisect-run' needs --baseline SELECTOR (e.g. tag:commit=<good>) naming the stored good runs");
		return -EINVAL;
	}
	if (o->max_reps < BISECT_MIN_BASELINE || o->max_reps < o->reps) {
		say_error("--max-reps %u must be at least 5 (compare needs 5 runs a side) and at least --reps %u",
			  o->max_reps, o->reps);
		return -EINVAL;
	}
	if (optind != argc - 1) {
		say_error("'bisect-run' needs exactly one scenario file, got %d", argc - optind);
		return -EINVAL;
	}
	o->scenario = argv[optind];
	return 0;
}

/* ---- the child: build, measure, compare ----------------------------------- */

static void on_alarm(int sig)
{
	(void)sig;
	bisect_timed_out = 1;
	mpl_interrupted = 1;
}

/* Why the invocation stops when mpl_interrupted is set. */
static int skip_interrupted(const struct bisect_opts *o)
{
	if (bisect_timed_out)
		return skip("timed out after %llu s (--timeout); the run in progress was discarded",
			    (unsigned long long)(o->timeout_us / 1000000));
	return skip("interrupted; the run in progress was discarded");
}

/* --commit, else `git rev-parse HEAD` in the current directory, else
 * "unknown". */
static void find_commit(struct bisect_state *st)
{
	static const char *const argv[] = { "git", "rev-parse", "HEAD", NULL };
	struct spawn_opts so = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	struct diag d = DIAG_INIT;

	snprintf(st->commit, sizeof(st->commit), "unknown");
	if (st->o->commit) {
		snprintf(st->commit, sizeof(st->commit), "%s", st->o->commit);
	} else {
		so.capture_stdout = so.capture_stderr = true;
		so.timeout_us = 10 * 1000000ULL;
		if (spawn_run(argv, &so, &r, &d) == 0 && !r.signaled && !r.exit_code && r.out) {
			size_t n = strspn(r.out, "0123456789abcdef");

			if (n >= 7 && n < sizeof(st->commit))
				snprintf(st->commit, sizeof(st->commit), "%.*s", (int)n, r.out);
		}
		spawn_result_release(&r);
	}
	/* a full hash is shortened as git shows it; a name (--commit v6.1)
	 * is kept as given */
	if ((strlen(st->commit) == 40 || strlen(st->commit) == 64) &&
	    strspn(st->commit, "0123456789abcdef") == strlen(st->commit))
		snprintf(st->short_commit, sizeof(st->short_commit), "%.7s", st->commit);
	else
		snprintf(st->short_commit, sizeof(st->short_commit), "%.15s", st->commit);
}

/* --build CMD: 0 when it built, else BISECT_SKIP after saying why. */
static int build(const struct bisect_state *st)
{
	const struct bisect_opts *o = st->o;
	struct spawn_opts so = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	struct spawn_proc *p = NULL;
	struct diag d = DIAG_INIT;
	char **argv = NULL, secs[32];
	size_t argc;
	uint64_t t0 = mtime_now_us();
	int ret, rc;

	rc = bisect_split_command(o->build, &argv, &argc, &d);
	if (rc < 0)
		return skip("cannot use --build: %s", diag_str(&d));
	say("commit %s: building: %s", st->short_commit, o->build);
	so.timeout_us = o->build_timeout_us;
	fflush(stdout);
	fflush(stderr);
	rc = spawn_start((const char *const *)argv, &so, &p, &d);
	if (rc < 0) {
		ret = skip("the build did not start: %s", diag_str(&d));
		goto out;
	}
	rc = spawn_wait(p, (const volatile int *)&mpl_interrupted, &r, &d);
	snprintf(secs, sizeof(secs), "%.1f", (double)(mtime_now_us() - t0) / 1e6);
	if (rc == -EINTR || mpl_interrupted) {
		ret = skip_interrupted(o);
	} else if (rc < 0) {
		ret = skip("the build could not be waited for: %s", diag_str(&d));
	} else if (r.timed_out) {
		ret = skip("the build timed out after %llu s (--build-timeout) and was killed",
			   (unsigned long long)(o->build_timeout_us / 1000000));
	} else if (r.signaled) {
		ret = skip("the build was killed by signal %d (%s) after %s s", r.term_signal,
			   strsignal(r.term_signal), secs);
	} else if (r.exit_code) {
		ret = skip("the build failed (exit %d) after %s s", r.exit_code, secs);
	} else {
		say("commit %s: built in %s s", st->short_commit, secs);
		ret = 0;
	}
out:
	spawn_result_release(&r);
	bisect_argv_free(argv);
	return ret;
}

/* Commands take a writable argv, as main() hands it over. */
static int call_run(const char *const *argv, size_t argc)
{
	char **copy = calloc(argc + 1, sizeof(*copy));
	int r = EXIT_SOFTWARE;
	size_t i;

	if (!copy)
		return r;
	for (i = 0; i < argc; i++)
		if (!(copy[i] = strdup(argv[i])))
			goto out;
	r = cmd_run((int)argc, copy);
out:
	for (i = 0; i < argc; i++)
		free(copy[i]);
	free(copy);
	return r;
}

/* One batch of reps runs through cmd_run(), tagged. Its exit code. */
static int run_batch(const struct bisect_state *st, unsigned reps)
{
	const struct bisect_opts *o = st->o;
	char reps_s[16], tag_commit[80], tag_bisect[48];
	const char **argv = NULL;
	size_t argc = 0;
	int ok = 0, rc;

	snprintf(reps_s, sizeof(reps_s), "%u", reps);
	snprintf(tag_commit, sizeof(tag_commit), "commit=%s", st->commit);
	snprintf(tag_bisect, sizeof(tag_bisect), "bisect=%s", st->id);
	ok |= add_str(&argv, &argc, "run");
	if (o->db) {
		ok |= add_str(&argv, &argc, "--db");
		ok |= add_str(&argv, &argc, o->db);
	}
	ok |= add_str(&argv, &argc, "--reps");
	ok |= add_str(&argv, &argc, reps_s);
	ok |= add_str(&argv, &argc, "--tag");
	ok |= add_str(&argv, &argc, tag_commit);
	ok |= add_str(&argv, &argc, "--tag");
	ok |= add_str(&argv, &argc, tag_bisect);
	for (size_t i = 0; i < o->n_sets; i++) {
		ok |= add_str(&argv, &argc, "--set");
		ok |= add_str(&argv, &argc, o->sets[i]);
	}
	for (size_t i = 0; i < o->n_vm; i++)
		ok |= add_str(&argv, &argc, o->vm[i]);
	ok |= add_str(&argv, &argc, o->scenario);
	ok |= add_str(&argv, &argc, NULL);
	rc = ok < 0 ? EXIT_SOFTWARE : call_run(argv, argc - 1);
	free(argv);
	fflush(stdout);
	fflush(stderr);
	return rc;
}

struct tally {
	size_t counts[4];
	size_t n, from; /* runs seen; reasons are kept from run index from on */
	char reasons[512];
};

static int tally_run(const struct results_run *run, void *arg)
{
	struct tally *t = arg;
	size_t len = strlen(t->reasons);

	t->counts[run->status]++;
	if (t->n++ >= t->from && run->status != RESULTS_OK && run->reason &&
	    !strstr(t->reasons, run->reason) && len + strlen(run->reason) + 16 < sizeof(t->reasons))
		snprintf(t->reasons + len, sizeof(t->reasons) - len, "%s%s: %s", len ? "; " : "",
			 results_status_name(run->status), run->reason);
	return 0;
}

/* The boot modes of a selection's runs: timings of bare metal, KVM and
 * TCG are not comparable, so a baseline and a candidate must share one. */
struct boot_modes {
	char mode[4][64];
	size_t n;
	bool more; /* a fifth one */
};

static int collect_mode(const struct results_run *run, void *arg)
{
	struct boot_modes *m = arg;
	const char *mode = run->kernel.boot_mode ? run->kernel.boot_mode : "unknown";

	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->mode[i], mode))
			return 0;
	if (m->n < 4)
		snprintf(m->mode[m->n++], sizeof(m->mode[0]), "%s", mode);
	else
		m->more = true;
	return 0;
}

static void modes_join(const struct boot_modes *m, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", m->mode[i]);
}

/* The runs of this invocation: after a batch, the new ones are checked. */
static int check_batch(struct bisect_state *st, const struct results_filter *cand,
		       size_t *ok_total)
{
	struct tally t = { .from = 0 };
	struct diag d = DIAG_INIT;
	size_t ok, all = 0, seen_all = 0;
	int r;

	for (int i = 0; i < 4; i++)
		seen_all += st->seen[i];
	t.from = seen_all;
	r = results_query(st->db, cand, tally_run, &t, &d);
	if (r < 0)
		return skip("cannot read this commit's runs back: %s", diag_str(&d));
	ok = t.counts[RESULTS_OK] - st->seen[RESULTS_OK];
	for (int i = 0; i < 4; i++) {
		all += t.counts[i] - st->seen[i];
		st->seen[i] = t.counts[i];
	}
	*ok_total = t.counts[RESULTS_OK];
	if (!all)
		return skip("batch %u stored no run", st->batch);
	if (st->base_mode[0]) {
		struct boot_modes m = { 0 };
		char list[300];

		r = results_query(st->db, cand, collect_mode, &m, &d);
		if (r < 0)
			return skip("cannot read this commit's runs back: %s", diag_str(&d));
		if (m.n != 1 || m.more || strcmp(m.mode[0], st->base_mode)) {
			modes_join(&m, list, sizeof(list));
			return skip("the baseline was measured under %s, this commit under %s: their timings are not comparable (measure the baseline the way the bisection boots, e.g. both with --kernel --accel tcg)",
				    st->base_mode, list);
		}
	}
	if (!bisect_batch_usable(ok, all))
		return skip("only %zu of the %zu runs of batch %u are ok (%s)", ok, all, st->batch,
			    t.reasons[0] ? t.reasons : "no reason stored");
	if (ok < all)
		say("commit %s: batch %u: %zu of %zu runs ok, the others are left out (%s)",
		    st->short_commit, st->batch, ok, all, t.reasons);
	return 0;
}

static const char *verdict_words(enum compare_verdict v)
{
	switch (v) {
	case COMPARE_REGRESSION:
		return "regression";
	case COMPARE_IMPROVEMENT:
		return "improvement";
	case COMPARE_INCONCLUSIVE:
		return "inconclusive";
	default:
		return "no change";
	}
}

/* One line per series: figures, verdict and what happens next. */
static void log_series(const struct bisect_state *st, const struct compare_result *cmp,
		       unsigned batch_reps, enum bisect_step step, unsigned next)
{
	bool several_variants = false;

	for (size_t i = 1; i < cmp->n; i++)
		if (strcmp(cmp->series[i].variant_key, cmp->series[0].variant_key))
			several_variants = true;
	for (size_t i = 0; i < cmp->n; i++) {
		const struct compare_series *s = &cmp->series[i];
		char med_c[32], med_b[32], then[64] = "";

		compare_value_short(s->metric, s->median_cand, med_c, sizeof(med_c));
		compare_value_short(s->metric, s->median_base, med_b, sizeof(med_b));
		if (s->verdict == COMPARE_INCONCLUSIVE && step == BISECT_STEP_MORE)
			snprintf(then, sizeof(then), ", adding %u", next);
		say("commit %s: batch %u (%u run%s): %s%s%s median %s vs baseline %s (%+.1f %%, CI %+.1f..%+.1f %%, p=%.2g, %zu vs %zu ok runs) -> %s%s",
		    st->short_commit, st->batch, batch_reps, batch_reps == 1 ? "" : "s",
		    several_variants ? s->variant_key : "", several_variants ? " " : "", s->metric,
		    med_c, med_b, (s->ratio - 1) * 100, (s->ci_lo - 1) * 100, (s->ci_hi - 1) * 100,
		    s->p_adjusted, s->n_cand, s->n_base, verdict_words(s->verdict), then);
		if (s->verdict == COMPARE_INCONCLUSIVE)
			say("commit %s:   (%s)", st->short_commit, s->reason);
	}
}

/* The first series with verdict v, for the final line. */
static const struct compare_series *first_with(const struct compare_result *cmp,
					       enum compare_verdict v)
{
	for (size_t i = 0; i < cmp->n; i++)
		if (cmp->series[i].verdict == v)
			return &cmp->series[i];
	return NULL;
}

static int measure(struct bisect_state *st, const struct results_filter *base)
{
	const struct bisect_opts *o = st->o;
	static const char *const default_metrics[] = { "goodput_bps" };
	struct compare_opts copts = { 0 };
	struct results_filter cand = { .scenario = st->s->name };
	char tag[48];
	const char *tags[1] = { tag };
	unsigned reps;

	snprintf(tag, sizeof(tag), "bisect=%s", st->id);
	cand.tags = tags;
	cand.n_tags = 1;
	copts.metrics = o->n_metrics ? o->metrics : default_metrics;
	copts.n_metrics = o->n_metrics ? o->n_metrics : 1;
	while ((reps = bisect_next_batch(st->reps_done, o->reps, o->max_reps))) {
		struct compare_result cmp = { 0 };
		struct diag d = DIAG_INIT;
		const struct compare_series *s;
		const char *why;
		enum bisect_step step;
		size_t ok_total = 0;
		int rc;

		st->batch++;
		say("commit %s: batch %u: %u run%s of %s (%u of at most %u)", st->short_commit,
		    st->batch, reps, reps == 1 ? "" : "s", st->s->name, st->reps_done + reps,
		    o->max_reps);
		rc = run_batch(st, reps);
		if (mpl_interrupted)
			return skip_interrupted(o);
		why = bisect_run_failure(rc);
		if (why)
			return skip("batch %u: %s", st->batch, why);
		st->reps_done += reps;
		rc = check_batch(st, &cand, &ok_total);
		if (rc)
			return rc;
		rc = report_compare(st->db, base, &cand, &copts, &cmp, &d);
		if (rc < 0) {
			compare_result_release(&cmp);
			return skip("cannot compare with the baseline: %s", diag_str(&d));
		}
		step = bisect_decide(cmp.counts, st->reps_done, o->max_reps);
		log_series(st, &cmp, reps, step,
			   bisect_next_batch(st->reps_done, o->reps, o->max_reps));
		switch (step) {
		case BISECT_STEP_MORE:
			compare_result_release(&cmp);
			continue;
		case BISECT_STEP_BAD:
			s = first_with(&cmp, COMPARE_REGRESSION);
			say("BAD (exit 1): commit %s: %s %s: %s (%zu runs measured)", st->short_commit,
			    st->s->name, s->metric, s->reason, ok_total);
			compare_result_release(&cmp);
			return BISECT_BAD;
		case BISECT_STEP_GOOD:
			s = first_with(&cmp, COMPARE_IMPROVEMENT);
			if (s)
				say("GOOD (exit 0): commit %s: %s %s is faster than the baseline (%s); bisecting a slowdown, faster counts as good",
				    st->short_commit, st->s->name, s->metric, s->reason);
			else
				say("GOOD (exit 0): commit %s: %s: no change (%s) (%zu runs measured)",
				    st->short_commit, st->s->name, cmp.series[0].reason, ok_total);
			compare_result_release(&cmp);
			return BISECT_GOOD;
		case BISECT_STEP_UNDECIDED:
			s = first_with(&cmp, COMPARE_INCONCLUSIVE);
			rc = skip("commit %s: %s %s still inconclusive after %u repetitions (--max-reps): %s",
				  st->short_commit, st->s->name, s->metric, st->reps_done, s->reason);
			compare_result_release(&cmp);
			return rc;
		case BISECT_STEP_NOTHING:
			compare_result_release(&cmp);
			return skip("commit %s: no series of %s in common with the baseline (metric or variant names differ?)",
				    st->short_commit, st->s->name);
		}
	}
	return skip("no repetitions left to run (--max-reps %u)", o->max_reps);
}

static int bisect_work(const struct bisect_opts *o)
{
	struct bisect_state st = { .o = o };
	struct results_filter base = o->baseline.filter;
	struct sigaction sa = { .sa_handler = on_alarm };
	struct diag_list errs = DIAG_LIST_INIT;
	struct diag d = DIAG_INIT;
	size_t n_base = 0;
	int ret;

	if (o->timeout_us) {
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		alarm((unsigned)((o->timeout_us + 999999) / 1000000));
	}
	/* 48 random bits: the id selects this invocation's runs among every
	 * bisection a long-lived database has seen */
	{
		char a[16], b[16];

		if (lab_random_name("", a, sizeof(a)) < 0 || lab_random_name("", b, sizeof(b)) < 0)
			return skip("cannot draw a random id for this invocation");
		snprintf(st.id, sizeof(st.id), "%s%s", a, b);
	}
	find_commit(&st);

	st.s = calloc(1, sizeof(*st.s));
	if (!st.s)
		return skip("out of memory");
	if (scenario_load_file(o->scenario, o->sets, o->n_sets, st.s, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fflush(stderr);
		ret = skip("cannot use scenario '%s' (%zu error%s above)", o->scenario, errs.n,
			   errs.n == 1 ? "" : "s");
		goto out;
	}

	ret = results_open(o->db, &st.db, &d);
	if (ret < 0) {
		ret = skip("%s", diag_str(&d));
		goto out;
	}
	/* The baseline must hold enough good runs of this very scenario. */
	if (base.scenario && strcmp(base.scenario, st.s->name)) {
		ret = skip("--baseline selects scenario '%s' but the scenario is '%s'", base.scenario,
			   st.s->name);
		goto out;
	}
	base.scenario = st.s->name;
	base.status = "ok";
	ret = results_count(st.db, &base, &n_base, &d);
	if (ret < 0) {
		ret = skip("cannot count the baseline's runs: %s", diag_str(&d));
		goto out;
	}
	if (n_base < BISECT_MIN_BASELINE) {
		ret = skip("the baseline holds %zu ok run%s of '%s', it needs at least %d: on the good build, store them with 'mptcp-lab run%s%s --reps 10 --tag commit=<good> %s'",
			   n_base, n_base == 1 ? "" : "s", st.s->name, BISECT_MIN_BASELINE,
			   o->db ? " --db " : "", o->db ? o->db : "", o->scenario);
		goto out;
	}
	{
		struct boot_modes m = { 0 };
		char list[300];

		ret = results_query(st.db, &base, collect_mode, &m, &d);
		if (ret < 0) {
			ret = skip("cannot read the baseline's runs: %s", diag_str(&d));
			goto out;
		}
		if (m.n != 1 || m.more) {
			modes_join(&m, list, sizeof(list));
			ret = skip("the baseline mixes boot modes (%s%s): narrow it with boot:MODE", list,
				   m.more ? ", ..." : "");
			goto out;
		}
		snprintf(st.base_mode, sizeof(st.base_mode), "%s", m.mode[0]);
	}
	base.status = NULL; /* compare keeps only ok runs itself */
	say("commit %s: bisect=%s, baseline: %zu ok runs of %s", st.short_commit, st.id, n_base,
	    st.s->name);

	if (o->build) {
		ret = build(&st);
		if (ret)
			goto out;
	}
	if (mpl_interrupted) {
		ret = skip_interrupted(o);
		goto out;
	}
	ret = measure(&st, &base);
out:
	alarm(0);
	results_close(st.db);
	free(st.s);
	diag_list_release(&errs);
	return ret;
}

/* ---- the parent: wait, forward signals, map everything to 0/1/125 ---------- */

static void forward_signal(int sig)
{
	if (bisect_child > 0)
		kill(bisect_child, sig);
}

static void on_parent_alarm(int sig)
{
	(void)sig;
	bisect_parent_deadline = 1;
}

static int wait_child(pid_t pid, const struct bisect_opts *o)
{
	struct sigaction fwd = { .sa_handler = forward_signal };
	struct sigaction alrm = { .sa_handler = on_parent_alarm };
	char why[256];
	int status, code;

	sigemptyset(&fwd.sa_mask);
	sigemptyset(&alrm.sa_mask);
	sigaction(SIGINT, &fwd, NULL);
	sigaction(SIGTERM, &fwd, NULL);
	sigaction(SIGHUP, &fwd, NULL);
	sigaction(SIGALRM, &alrm, NULL);
	if (o->timeout_us)
		alarm((unsigned)(o->timeout_us / 1000000) + BISECT_GRACE_S);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return skip("cannot wait for the measuring process: %s", strerror(errno));
		if (bisect_parent_deadline) {
			bisect_parent_deadline = 0;
			kill(pid, SIGKILL);
			say_error("the measuring process did not stop within %d s of the timeout: killed it ('mptcp-lab cleanup --stale' removes the labs it left; a VM's scratch directory mptcp-lab-vm.* may stay in $TMPDIR)",
				  BISECT_GRACE_S);
		}
	}
	alarm(0);
	code = bisect_exit_for_wait(status, why, sizeof(why));
	if (*why)
		return skip("%s", why);
	return code;
}

int cmd_bisect_run(int argc, char **argv)
{
	struct bisect_opts o = { 0 };
	pid_t pid;
	int ret;

	if (parse_opts(argc, argv, &o) < 0) {
		usage_of("bisect-run");
		ret = skip("bad command line (a usage error must not count as a bad commit)");
		goto out;
	}
	if (geteuid() != 0) {
		ret = skip("'bisect-run' needs root (network namespaces)");
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ret = skip("cannot fork the measuring process: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* The measuring process (and through it the lab and any VM)
		 * must not outlive bisect-run, even if that is SIGKILLed. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() == 1)
			_exit(BISECT_SKIP);
		ret = bisect_work(&o);
		fflush(stdout);
		fflush(stderr);
		_exit(ret);
	}
	bisect_child = pid;
	ret = wait_child(pid, &o);
out:
	opts_release(&o);
	return ret;
}
