/*
 * cmd_bisect.c: `mptcp-lab bisect-run`, the command of `git bisect run`:
 * its options, then bisect_run() (runner/job/bisect_run.h: check the
 * baseline, build (a lab kernel of --tree, or --build's command), measure
 * until decided, compare) in a forked child.
 *
 * git counts every exit code from 1 to 127 except 125 as bad, and aborts
 * the bisection on anything >= 128; a usage error (64) would condemn a good
 * commit. So the work runs in a forked child and the parent only waits,
 * forwarding SIGINT/SIGTERM/SIGHUP, and maps whatever the child did that is
 * not 0, 1 or 125 (a crash, an exit(70) somewhere) to 125 with the reason.
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
#include "bisect_run.h"
#include "cmdutil.h"
#include "commands.h"
#include "exitcodes.h"
#include "lab.h"
#include "progress.h"
#include "selector.h"
#include "units.h"
#include "vm_cli.h"

/* After --timeout, how long the parent lets the child unwind (tear its lab
 * down) before it kills it. */
#define BISECT_GRACE_S 60

struct bisect_opts {
	const char *db, *build, *commit, *scenario;
	const char *tree, *kbuild_out; /* --tree DIR [--out DIR] */
	int build_nice;
	struct selector baseline, bad;
	bool has_baseline, has_bad;
	double effect, level;
	uint64_t build_timeout_us, timeout_us;
	unsigned reps, max_reps;
	const char **metrics;
	size_t n_metrics;
	const char **sets; /* "PATH=VALUE" for run --set */
	size_t n_sets;
	struct vm_opts vm; /* vm.image: measure in a VM */
};

static volatile sig_atomic_t bisect_timed_out;
static volatile pid_t bisect_child;
static volatile sig_atomic_t bisect_parent_deadline;

static void opts_release(struct bisect_opts *o)
{
	selector_release(&o->baseline);
	selector_release(&o->bad);
	free(o->metrics);
	free(o->sets);
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
	OPT_TREE,
	OPT_OUT,
	OPT_BUILD_NICE,
	OPT_BAD,
	OPT_EFFECT,
	OPT_LEVEL,
};

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
		{ "tree", required_argument, NULL, OPT_TREE },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "build-nice", required_argument, NULL, OPT_BUILD_NICE },
		{ "bad", required_argument, NULL, OPT_BAD },
		{ "effect", required_argument, NULL, OPT_EFFECT },
		{ "level", required_argument, NULL, OPT_LEVEL },
		VM_CLI_OPTIONS,
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
		case OPT_BAD:
			if (selector_add(&o->bad, optarg, &sel_err) < 0) {
				say_error("--bad: %s", diag_str(&sel_err));
				return -EINVAL;
			}
			o->has_bad = true;
			break;
		case OPT_EFFECT: {
			double pct;

			if (units_parse_percent(optarg, &pct) < 0 || !(pct > 0) || !(pct < 100)) {
				say_error("--effect must be the size of the regression being bisected, a percentage above 0 and below 100 (3 or 3%%), got '%s'",
					  optarg);
				return -EINVAL;
			}
			o->effect = pct / 100;
			break;
		}
		case OPT_LEVEL: {
			char *end;

			errno = 0;
			o->level = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->level > 0 && o->level < 1)) {
				say_error("--level must be the decision CI's level between 0 and 1 (0.90), got '%s'",
					  optarg);
				return -EINVAL;
			}
			break;
		}
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
			if (cmdutil_add_arg(&o->metrics, &o->n_metrics, optarg))
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
			if (cmdutil_add_arg(&o->sets, &o->n_sets, optarg))
				return -ENOMEM;
			break;
		case OPT_TREE:
			if (!*optarg) {
				say_error("--tree needs a kernel source tree");
				return -EINVAL;
			}
			o->tree = optarg;
			break;
		case OPT_OUT:
			o->kbuild_out = optarg;
			break;
		case OPT_BUILD_NICE: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || !*optarg || v < 0 || v > 19) {
				say_error("--build-nice must be 0-19, got '%s'", optarg);
				return -EINVAL;
			}
			o->build_nice = (int)v;
			break;
		}
		case VM_OPT_KERNEL ... VM_OPT_CONSOLE:
			if (vm_cli_option(c, optarg, &o->vm) < 0)
				return -EINVAL;
			break;
		default:
			return -EINVAL; /* getopt said what */
		}
	}
	if (o->tree && (o->vm.image || o->build)) {
		say_error("--tree builds and boots the kernel itself: it goes without --kernel and --build");
		return -EINVAL;
	}
	if ((o->kbuild_out || o->build_nice) && !o->tree) {
		say_error("--out and --build-nice go with --tree DIR");
		return -EINVAL;
	}
	if (o->build_nice && o->build) {
		say_error("--build-nice goes with --tree (run --build's command under nice(1) instead)");
		return -EINVAL;
	}
	/* --tree implies --kernel (the image it builds) and its companions */
	if (!o->tree && vm_cli_check(&o->vm) < 0)
		return -EINVAL;
	if (!o->has_baseline) {
		say_error("'bisect-run' needs --baseline SELECTOR (e.g. tag:commit=<good>) naming the stored good runs");
		return -EINVAL;
	}
	if (o->has_bad && o->effect > 0) {
		say_error("--bad and --effect both give the regression's size: give one");
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

/* What the child says while it works: the bisect log, the runs' progress,
 * a VM's outcome. */
static void view_say(void *arg, const char *line)
{
	(void)arg;
	say("%s", line);
}

static void view_vm(void *arg, int r, const struct run_vm_result *res, const struct diag *d)
{
	const struct vm_opts *vm = arg;

	vm_cli_outcome(r, res, d, vm->timeline);
	fflush(stderr);
}

/* Each batch is counted on its own: [1/5] .. [5/5], then [1/2] .. */
static void view_batch(void *arg, size_t n)
{
	progress_init(arg, n, false);
}

static int bisect_work(const struct bisect_opts *o)
{
	struct progress prog;
	const struct plan_observer runs = { .batch = view_batch, .run_begin = progress_on_begin,
					    .run_end = progress_on_end, .arg = &prog };
	struct vm_cli_build kbuild;
	const struct bisect_observer obs = { .say = view_say, .vm_outcome = view_vm,
					     .runs = &runs, .kbuild = &kbuild.obs,
					     .arg = (void *)(uintptr_t)&o->vm };
	struct bisect_params p = {
		.db_path = o->db, .scenario = o->scenario, .baseline = &o->baseline.filter,
		.build = o->build, .tree = o->tree, .kbuild_out = o->kbuild_out,
		.build_nice = o->build_nice, .build_timeout_us = o->build_timeout_us, .commit = o->commit,
		.reps = o->reps, .max_reps = o->max_reps, .metrics = o->metrics,
		.n_metrics = o->n_metrics, .sets = o->sets, .n_sets = o->n_sets,
		.effect = o->effect, .bad = o->has_bad ? &o->bad.filter : NULL, .level = o->level,
		.vm = o->vm.image || o->tree ? &o->vm : NULL, .cancel = &mpl_interrupted,
	};
	struct sigaction sa = { .sa_handler = on_alarm };
	struct bisect_outcome out;
	int ret;

	if (o->timeout_us) {
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		alarm((unsigned)((o->timeout_us + 999999) / 1000000));
	}
	progress_init(&prog, 0, false);
	vm_cli_build_init(&kbuild, "bisect-run: ");
	ret = bisect_run(&p, &obs, &out);
	vm_cli_build_done(&kbuild);
	alarm(0);
	progress_clear(&prog);
	for (size_t i = 0; i < out.errs.n; i++)
		fprintf(stderr, "%s\n", out.errs.msgs[i]);
	fflush(stderr);
	if (ret == BISECT_SKIP) {
		if (out.interrupted && bisect_timed_out)
			skip("timed out after %llu s (--timeout); the run in progress was discarded",
			     (unsigned long long)(o->timeout_us / 1000000));
		else
			skip("%s", out.why);
	}
	bisect_outcome_release(&out);
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

/* The measuring process tears its labs down itself, also when it is
 * interrupted or times out; whatever it could not (it was killed, or its
 * teardown failed) is removed here, and said, so no commit's verdict
 * leaves a namespace behind. Only labs that process built are touched. */
static void reap_labs(pid_t pid)
{
	struct diag d = DIAG_INIT;
	char **removed = NULL;
	unsigned n = 0;

	if (lab_cleanup_owner(pid, &removed, &n, &d) < 0)
		say_error("cannot remove the labs the measuring process left: %s", diag_str(&d));
	for (unsigned i = 0; i < n; i++) {
		say("removed lab '%s', which the measuring process left behind", removed[i]);
		free(removed[i]);
	}
	free(removed);
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
	reap_labs(pid);
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
