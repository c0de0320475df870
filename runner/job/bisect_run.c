/*
 * bisect_run.c: bisect_run() of bisect_run.h: check the baseline, build,
 * measure in batches, compare, decide. The pure decisions (how many runs
 * next, what a verdict means to git) are bisect.c's.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "bisect_run.h"
#include "lab.h"
#include "mtime.h"
#include "spawn.h"

/* The size of the regression being bisected, per series (--bad). */
struct bisect_effect {
	char variant_key[256], metric[48];
	double effect;
};

/* What this step measured, for the log lines. */
struct bisect_state {
	const struct bisect_params *p;
	const struct bisect_observer *obs;
	struct bisect_outcome *out;
	struct results *db;
	struct plan plan;      /* the scenario, once */
	struct run_env env;    /* this host's, when measuring here */
	bool env_ready;
	const char *tags[2];   /* commit=<id>, bisect=<id> */
	char tag_commit[80], tag_bisect[48];
	char id[32];	       /* bisect=<id> */
	char commit[72];       /* a SHA-256 object name has 64 digits */
	char short_commit[16];
	const char *name;      /* the scenario's */
	unsigned reps_done, batch;
	size_t seen[4];	       /* runs of this step by status, so far */
	char base_mode[64];    /* the baseline's boot mode */
	struct vm_opts vm;     /* with --tree: the built image booted */
	char image[PATH_MAX + 32];
	const struct vm_opts *p_vm; /* the VM of the batches, or NULL: here */
	struct bisect_effect *effects; /* measured on --bad */
	size_t n_effects;
	struct compare_opts copts;     /* how every comparison is made */
};

static void say(const struct bisect_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct bisect_state *st, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (!st->obs || !st->obs->say)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	st->obs->say(st->obs->arg, line);
}

/* Record why this commit is skipped; returns BISECT_SKIP. */
static int skip(struct bisect_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int skip(struct bisect_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->out->why, sizeof(st->out->why), fmt, ap);
	va_end(ap);
	st->out->code = BISECT_SKIP;
	return BISECT_SKIP;
}

static bool cancelled(const struct bisect_state *st)
{
	return st->p->cancel && *st->p->cancel;
}

static int skip_interrupted(struct bisect_state *st)
{
	st->out->interrupted = true;
	return skip(st, "interrupted; the run in progress was discarded");
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
	if (st->p->commit) {
		snprintf(st->commit, sizeof(st->commit), "%s", st->p->commit);
	} else {
		so.capture_stdout = so.capture_stderr = true;
		so.timeout_us = 10 * 1000000ULL;
		so.cwd = st->p->tree; /* NULL: here, where git bisect runs us */
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

/* The build command: 0 when it built, else BISECT_SKIP. Its output goes
 * where ours goes. */
static int build(struct bisect_state *st)
{
	const struct bisect_params *p = st->p;
	struct spawn_opts so = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	struct spawn_proc *proc = NULL;
	struct diag d = DIAG_INIT;
	char **argv = NULL, secs[32];
	size_t argc;
	uint64_t t0 = mtime_now_us();
	int ret, rc;

	rc = bisect_split_command(p->build, &argv, &argc, &d);
	if (rc < 0)
		return skip(st, "cannot use --build: %s", diag_str(&d));
	say(st, "commit %s: building: %s", st->short_commit, p->build);
	so.timeout_us = p->build_timeout_us;
	fflush(stdout);
	fflush(stderr);
	rc = spawn_start((const char *const *)argv, &so, &proc, &d);
	if (rc < 0) {
		ret = skip(st, "the build did not start: %s", diag_str(&d));
		goto out;
	}
	rc = spawn_wait(proc, (const volatile int *)p->cancel, &r, &d);
	snprintf(secs, sizeof(secs), "%.1f", (double)(mtime_now_us() - t0) / 1e6);
	if (rc == -EINTR || cancelled(st)) {
		ret = skip_interrupted(st);
	} else if (rc < 0) {
		ret = skip(st, "the build could not be waited for: %s", diag_str(&d));
	} else if (r.timed_out) {
		ret = skip(st, "the build timed out after %llu s (--build-timeout) and was killed",
			   (unsigned long long)(p->build_timeout_us / 1000000));
	} else if (r.signaled) {
		ret = skip(st, "the build was killed by signal %d (%s) after %s s", r.term_signal,
			   strsignal(r.term_signal), secs);
	} else if (r.exit_code) {
		ret = skip(st, "the build failed (exit %d) after %s s", r.exit_code, secs);
	} else {
		say(st, "commit %s: built in %s s", st->short_commit, secs);
		ret = 0;
	}
out:
	spawn_result_release(&r);
	bisect_argv_free(argv);
	return ret;
}

/* --tree: a lab kernel of this commit, the image of the VM batches. 0 when
 * it built, else BISECT_SKIP with make's own last words in the log. */
static int build_kernel(struct bisect_state *st)
{
	const struct bisect_params *p = st->p;
	struct kernel_build_opts ko = {
		.tree = p->tree, .out = p->kbuild_out, .nice = p->build_nice,
		.timeout_us = p->build_timeout_us, .cancel = (const volatile int *)p->cancel,
	};
	struct kernel_built k;
	struct diag d = DIAG_INIT;
	int r;

	say(st, "commit %s: building a lab kernel of '%s'", st->short_commit, p->tree);
	r = kernel_build(&ko, st->obs ? st->obs->kbuild : NULL, &k, &d);
	if (r == -EINTR || cancelled(st))
		return skip_interrupted(st);
	if (r < 0) {
		for (char *line = k.n_lost ? k.lost : k.log_tail; line && *line;) {
			size_t len = strcspn(line, "\n");

			say(st, "commit %s:   %.*s", st->short_commit, (int)len, line);
			line += len + (line[len] ? 1 : 0);
		}
		if (k.log_tail[0] || k.n_lost)
			say(st, "commit %s: (%s)", st->short_commit,
			    k.n_lost ? "the options above did not survive" : "the last lines of the build's log");
		return skip(st, "the kernel build failed: %s", diag_str(&d));
	}
	say(st, "commit %s: built %s in %.1f s (configure %.1f s%s, compile %.1f s, %u objects compiled): %s",
	    st->short_commit, k.release, k.config_seconds + k.build_seconds, k.config_seconds,
	    k.config_changed ? "" : ", configuration unchanged", k.build_seconds, k.compiled, k.image);
	snprintf(st->image, sizeof(st->image), "%s", k.image);
	st->vm = p->vm ? *p->vm : (struct vm_opts){ 0 };
	st->vm.image = st->image;
	st->p_vm = &st->vm;
	return 0;
}

/* One batch of reps runs in a VM: 0, or BISECT_SKIP. */
static int batch_in_vm(struct bisect_state *st, unsigned reps)
{
	const struct bisect_params *p = st->p;
	struct run_vm_args va = {
		.vm = *st->p_vm, .db_path = p->db_path, .sets = p->sets, .n_sets = p->n_sets,
		.tags = st->tags, .n_tags = 2, .reps = reps, .files = &p->scenario, .n_files = 1,
	};
	struct run_vm_result res;
	struct diag d = DIAG_INIT;
	const char *why;
	int r;

	va.vm.cancel = (const volatile int *)p->cancel;
	r = run_vm(&va, &res, &d);
	if (st->obs && st->obs->vm_outcome)
		st->obs->vm_outcome(st->obs->arg, r, &res, &d);
	if (cancelled(st))
		return skip_interrupted(st);
	why = bisect_run_failure(run_vm_exit_code(r, &res));
	return why ? skip(st, "batch %u: %s", st->batch, why) : 0;
}

/* One batch of reps runs on this host: 0, or BISECT_SKIP. */
static int batch_here(struct bisect_state *st, unsigned reps)
{
	struct plan_exec x = { .env = &st->env, .db = st->db,
			       .obs = st->obs ? st->obs->runs : NULL };
	struct plan_job *jobs = NULL;
	struct diag d = DIAG_INIT;
	size_t n = 0;
	int r;

	if (!st->env_ready) {
		st->env.cancel = st->p->cancel;
		r = run_env_init(&st->env, &d);
		if (r < 0)
			return skip(st, "batch %u: cannot probe this host: %s", st->batch,
				    diag_str(&d));
		st->env.tags = st->tags;
		st->env.n_tags = 2;
		st->env.sets = st->p->sets;
		st->env.n_sets = st->p->n_sets;
		st->env_ready = true;
	}
	if (plan_rounds(&st->plan, st->reps_done + 1, reps, &jobs, &n) < 0)
		return skip(st, "out of memory");
	r = plan_execute(&x, jobs, n, &d);
	free(jobs);
	if (r == -EINTR || cancelled(st))
		return skip_interrupted(st);
	if (r < 0)
		return skip(st, "batch %u: the runner failed: %s", st->batch, diag_str(&d));
	return 0;
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

/* The runs of this step: after a batch, the new ones are checked. */
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
		return skip(st, "cannot read this commit's runs back: %s", diag_str(&d));
	ok = t.counts[RESULTS_OK] - st->seen[RESULTS_OK];
	for (int i = 0; i < 4; i++) {
		all += t.counts[i] - st->seen[i];
		st->seen[i] = t.counts[i];
	}
	*ok_total = t.counts[RESULTS_OK];
	if (!all)
		return skip(st, "batch %u stored no run", st->batch);
	if (st->base_mode[0]) {
		struct boot_modes m = { 0 };
		char list[300];

		r = results_query(st->db, cand, collect_mode, &m, &d);
		if (r < 0)
			return skip(st, "cannot read this commit's runs back: %s", diag_str(&d));
		if (m.n != 1 || m.more || strcmp(m.mode[0], st->base_mode)) {
			modes_join(&m, list, sizeof(list));
			return skip(st, "the baseline was measured under %s, this commit under %s: their timings are not comparable (measure the baseline the way the bisection boots, e.g. both with --kernel --accel tcg)",
				    st->base_mode, list);
		}
	}
	if (!bisect_batch_usable(ok, all))
		return skip(st, "only %zu of the %zu runs of batch %u are ok (%s)", ok, all, st->batch,
			    t.reasons[0] ? t.reasons : "no reason stored");
	if (ok < all)
		say(st, "commit %s: batch %u: %zu of %zu runs ok, the others are left out (%s)",
		    st->short_commit, st->batch, ok, all, t.reasons);
	return 0;
}

/* The size of the regression bisected for series s: --effect, or what
 * --bad measured for it; 0 when unknown (the compare rule). */
static double effect_for(const struct bisect_state *st, const struct compare_series *s)
{
	if (st->p->effect > 0)
		return st->p->effect;
	for (size_t i = 0; i < st->n_effects; i++)
		if (!strcmp(st->effects[i].variant_key, s->variant_key) &&
		    !strcmp(st->effects[i].metric, s->metric))
			return st->effects[i].effect;
	return 0.0;
}

/* One series' answer, and its line: figures, answer, what happens next. */
struct bisect_series {
	const struct compare_series *s;
	enum stats_bisect_answer answer;
	char why[512];
};

static void log_series(const struct bisect_state *st, const struct bisect_series *b, size_t n,
		       unsigned batch_reps, enum bisect_step step, unsigned next)
{
	bool several_variants = false;

	for (size_t i = 1; i < n; i++)
		if (strcmp(b[i].s->variant_key, b[0].s->variant_key))
			several_variants = true;
	for (size_t i = 0; i < n; i++) {
		const struct compare_series *s = b[i].s;
		char med_c[32], med_b[32], then[64] = "";

		compare_value_short(s->metric, s->median_cand, med_c, sizeof(med_c));
		compare_value_short(s->metric, s->median_base, med_b, sizeof(med_b));
		if (b[i].answer == STATS_BISECT_UNSURE && step == BISECT_STEP_MORE)
			snprintf(then, sizeof(then), ", adding %u", next);
		say(st, "commit %s: batch %u (%u run%s): %s%s%s median %s vs baseline %s (%+.2f %%, %g %% CI %+.2f..%+.2f %%, p=%.2g, %zu vs %zu ok runs) -> %s%s",
		    st->short_commit, st->batch, batch_reps, batch_reps == 1 ? "" : "s",
		    several_variants ? s->variant_key : "", several_variants ? " " : "", s->metric,
		    med_c, med_b, (s->ratio - 1) * 100, s->st.level * 100, (s->ci_lo - 1) * 100,
		    (s->ci_hi - 1) * 100, s->p_adjusted, s->n_cand, s->n_base,
		    stats_bisect_answer_name(b[i].answer), then);
		if (b[i].answer == STATS_BISECT_UNSURE)
			say(st, "commit %s:   (%s)", st->short_commit, b[i].why);
	}
}

/* The first series with answer a, for the final line (the step was
 * decided from these answers, so there is one; else the first series). */
static const struct bisect_series *first_with(const struct bisect_series *b, size_t n,
					      enum stats_bisect_answer a)
{
	for (size_t i = 0; i < n; i++)
		if (b[i].answer == a)
			return &b[i];
	return b;
}

static int decide(struct bisect_state *st, const struct bisect_series *b, size_t n, unsigned reps,
		  size_t ok_total, enum bisect_step step)
{
	const struct bisect_series *s;

	log_series(st, b, n, reps, step,
		   bisect_next_batch(st->reps_done, st->p->reps, st->p->max_reps));
	switch (step) {
	case BISECT_STEP_MORE:
		return -EAGAIN;
	case BISECT_STEP_BAD:
		s = first_with(b, n, STATS_BISECT_BAD);
		say(st, "BAD (exit 1): commit %s: %s %s: %s (%zu runs measured)", st->short_commit,
		    st->name, s->s->metric, s->why, ok_total);
		return st->out->code = BISECT_BAD;
	case BISECT_STEP_GOOD:
		s = &b[0];
		if (s->s->verdict == COMPARE_IMPROVEMENT)
			say(st, "GOOD (exit 0): commit %s: %s %s is faster than the baseline (%s); bisecting a slowdown, faster counts as good",
			    st->short_commit, st->name, s->s->metric, s->why);
		else
			say(st, "GOOD (exit 0): commit %s: %s %s: %s (%zu runs measured)",
			    st->short_commit, st->name, s->s->metric, s->why, ok_total);
		return st->out->code = BISECT_GOOD;
	case BISECT_STEP_UNDECIDED:
		s = first_with(b, n, STATS_BISECT_UNSURE);
		return skip(st, "commit %s: %s %s still unsure after %u repetitions (--max-reps): %s",
			    st->short_commit, st->name, s->s->metric, st->reps_done, s->why);
	case BISECT_STEP_NOTHING:
	default:
		return skip(st, "commit %s: no series of %s in common with the baseline (metric or variant names differ?)",
			    st->short_commit, st->name);
	}
}

/* Each primary series' answer, and the step they add up to. 0 or
 * -ENOMEM. */
static int answer_all(struct bisect_state *st, struct compare_result *cmp,
		      struct bisect_series **out, size_t *n_out, enum bisect_step *step)
{
	struct bisect_series *b = calloc(cmp->n ? cmp->n : 1, sizeof(*b));
	size_t answers[3] = { 0 }, n = 0;

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < cmp->n; i++) {
		struct compare_series *s = &cmp->series[i];

		/* a derived metric follows the one it comes from */
		if (s->role != COMPARE_PRIMARY)
			continue;
		b[n].s = s;
		b[n].answer = compare_bisect_decide(s, &st->copts, effect_for(st, s), b[n].why,
						    sizeof(b[n].why));
		answers[b[n++].answer]++;
	}
	*out = b;
	*n_out = n;
	*step = bisect_decide(answers, st->reps_done, st->p->max_reps);
	return 0;
}

static int measure(struct bisect_state *st, const struct results_filter *base)
{
	const struct bisect_params *p = st->p;
	struct results_filter cand = { .scenario = st->name };
	const char *tags[1] = { st->tag_bisect };
	unsigned reps;

	cand.tags = tags;
	cand.n_tags = 1;
	while ((reps = bisect_next_batch(st->reps_done, p->reps, p->max_reps))) {
		struct compare_result cmp = { 0 };
		struct bisect_series *b = NULL;
		struct diag d = DIAG_INIT;
		enum bisect_step step;
		size_t ok_total = 0, n = 0;
		int rc;

		st->batch++;
		say(st, "commit %s: batch %u: %u run%s of %s (%u of at most %u)", st->short_commit,
		    st->batch, reps, reps == 1 ? "" : "s", st->name, st->reps_done + reps,
		    p->max_reps);
		rc = st->p_vm ? batch_in_vm(st, reps) : batch_here(st, reps);
		if (rc)
			return rc;
		st->reps_done += reps;
		rc = check_batch(st, &cand, &ok_total);
		if (rc)
			return rc;
		rc = report_compare(st->db, base, &cand, &st->copts, &cmp, &d);
		if (rc < 0) {
			compare_result_release(&cmp);
			return skip(st, "cannot compare with the baseline: %s", diag_str(&d));
		}
		if (answer_all(st, &cmp, &b, &n, &step) < 0) {
			compare_result_release(&cmp);
			return skip(st, "out of memory");
		}
		rc = decide(st, b, n, reps, ok_total, step);
		free(b);
		compare_result_release(&cmp);
		if (rc != -EAGAIN)
			return rc;
	}
	return skip(st, "no repetitions left to run (--max-reps %u)", p->max_reps);
}

/*
 * --bad: the size of the regression being bisected, measured on the bad
 * endpoint's stored runs against the baseline, per series. Every series
 * must measure as a regression there: bisecting one that does not would
 * call every commit good. 0, or BISECT_SKIP.
 */
static int measure_effect(struct bisect_state *st, const struct results_filter *base)
{
	struct results_filter bad = *st->p->bad;
	struct compare_opts o = st->copts;
	struct compare_result cmp = { 0 };
	struct diag d = DIAG_INIT;
	int ret = 0;

	if (bad.scenario && strcmp(bad.scenario, st->name))
		return skip(st, "--bad selects scenario '%s' but the scenario is '%s'", bad.scenario,
			    st->name);
	bad.scenario = st->name;
	o.level = COMPARE_DEFAULT_LEVEL; /* whether it regressed: the compare rule */
	if (report_compare(st->db, base, &bad, &o, &cmp, &d) < 0) {
		ret = skip(st, "cannot measure the bad endpoint (--bad): %s", diag_str(&d));
		goto out;
	}
	st->effects = calloc(cmp.n ? cmp.n : 1, sizeof(*st->effects));
	if (!st->effects) {
		ret = skip(st, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cmp.n; i++) {
		const struct compare_series *s = &cmp.series[i];
		struct bisect_effect *e;

		if (s->role != COMPARE_PRIMARY)
			continue;
		if (s->verdict != COMPARE_REGRESSION) {
			ret = skip(st, "the bad endpoint (--bad) does not measure as a regression of %s %s against the baseline: %s",
				   s->variant_key[0] ? s->variant_key : st->name, s->metric, s->reason);
			goto out;
		}
		e = &st->effects[st->n_effects++];
		snprintf(e->variant_key, sizeof(e->variant_key), "%s", s->variant_key);
		snprintf(e->metric, sizeof(e->metric), "%s", s->metric);
		e->effect = fabs(s->ratio - 1);
		say(st, "commit %s: the bad endpoint: %s%s%s %+.2f %% (%zu runs) against the baseline: bisecting a %.2f %% regression, good above %+.2f %%, bad below",
		    st->short_commit, s->variant_key, s->variant_key[0] ? " " : "", s->metric,
		    (s->ratio - 1) * 100, s->n_cand, e->effect * 100,
		    -fmax(e->effect / 2, COMPARE_DEFAULT_FLOOR_MIN) * 100);
	}
out:
	compare_result_release(&cmp);
	return ret;
}

/* The baseline must hold enough good runs of this very scenario, all of
 * one boot mode. 0, or BISECT_SKIP. */
static int check_baseline(struct bisect_state *st, struct results_filter *base)
{
	const struct bisect_params *p = st->p;
	struct boot_modes m = { 0 };
	struct diag d = DIAG_INIT;
	size_t n_base = 0;
	char list[300];

	if (base->scenario && strcmp(base->scenario, st->name))
		return skip(st, "--baseline selects scenario '%s' but the scenario is '%s'",
			    base->scenario, st->name);
	base->scenario = st->name;
	base->status = "ok";
	if (results_count(st->db, base, &n_base, &d) < 0)
		return skip(st, "cannot count the baseline's runs: %s", diag_str(&d));
	if (n_base < BISECT_MIN_BASELINE)
		return skip(st, "the baseline holds %zu ok run%s of '%s', it needs at least %d: on the good build, store them with 'mptcp-lab run%s%s --reps 10 --tag commit=<good> %s'",
			    n_base, n_base == 1 ? "" : "s", st->name, BISECT_MIN_BASELINE,
			    p->db_path ? " --db " : "", p->db_path ? p->db_path : "", p->scenario);
	if (results_query(st->db, base, collect_mode, &m, &d) < 0)
		return skip(st, "cannot read the baseline's runs: %s", diag_str(&d));
	if (m.n != 1 || m.more) {
		modes_join(&m, list, sizeof(list));
		return skip(st, "the baseline mixes boot modes (%s%s): narrow it with boot:MODE", list,
			    m.more ? ", ..." : "");
	}
	snprintf(st->base_mode, sizeof(st->base_mode), "%s", m.mode[0]);
	base->status = NULL; /* compare keeps only ok runs itself */
	say(st, "commit %s: bisect=%s, baseline: %zu ok runs of %s", st->short_commit, st->id,
	    n_base, st->name);
	return 0;
}

int bisect_run(const struct bisect_params *p, const struct bisect_observer *obs,
	       struct bisect_outcome *out)
{
	static const char *const default_metrics[] = { "goodput_bps" };
	struct bisect_params prm = *p;
	struct bisect_state st = { .p = &prm, .obs = obs, .out = out };
	struct results_filter base = *p->baseline;
	struct plan_opts po = { .files = &p->scenario, .n_files = 1, .sets = p->sets,
				.n_sets = p->n_sets, .reps = 1 };
	struct diag d = DIAG_INIT;
	char a[16], b[16];
	int r;

	memset(out, 0, sizeof(*out));
	if (!prm.reps)
		prm.reps = 5;
	if (!prm.max_reps)
		prm.max_reps = 15;
	st.copts.metrics = p->n_metrics ? p->metrics : default_metrics;
	st.copts.n_metrics = p->n_metrics ? p->n_metrics : 1;
	st.copts.level = p->level > 0 ? p->level :
			 p->effect > 0 || p->bad ? BISECT_DEFAULT_LEVEL :
						   COMPARE_DEFAULT_LEVEL;
	/* 48 random bits: the id selects this step's runs among every
	 * bisection a long-lived database has seen */
	if (lab_random_name("", a, sizeof(a)) < 0 || lab_random_name("", b, sizeof(b)) < 0)
		return skip(&st, "cannot draw a random id for this invocation");
	snprintf(st.id, sizeof(st.id), "%s%s", a, b);
	find_commit(&st);
	snprintf(st.tag_commit, sizeof(st.tag_commit), "commit=%s", st.commit);
	snprintf(st.tag_bisect, sizeof(st.tag_bisect), "bisect=%s", st.id);
	st.tags[0] = st.tag_commit;
	st.tags[1] = st.tag_bisect;

	r = plan_load(&po, &st.plan, &out->errs);
	if (r < 0) {
		if (r == -ENOMEM)
			skip(&st, "out of memory");
		else
			skip(&st, "cannot use scenario '%s' (%zu error%s above)", p->scenario,
			     out->errs.n, out->errs.n == 1 ? "" : "s");
		goto out;
	}
	if (st.plan.n_scenarios != 1) {
		skip(&st, "'%s' holds %zu scenarios: bisect-run measures one", p->scenario,
		     st.plan.n_scenarios);
		goto out;
	}
	st.name = st.plan.scenarios[0]->name;

	if (results_open(p->db_path, &st.db, &d) < 0) {
		skip(&st, "%s", diag_str(&d));
		goto out;
	}
	if (check_baseline(&st, &base))
		goto out;
	st.p_vm = p->vm;
	if (p->bad && measure_effect(&st, &base))
		goto out;
	if (p->effect > 0)
		say(&st, "commit %s: bisecting a %.2f %% regression (--effect): good above %+.2f %%, bad below",
		    st.short_commit, p->effect * 100, -fmax(p->effect / 2, COMPARE_DEFAULT_FLOOR_MIN) * 100);
	else if (!p->bad)
		say(&st, "commit %s: the regression's size is not given (--effect or --bad): good needs evidence of no change within the noise floor",
		    st.short_commit);
	if (p->build && build(&st))
		goto out;
	if (p->tree && build_kernel(&st))
		goto out;
	if (cancelled(&st)) {
		skip_interrupted(&st);
		goto out;
	}
	measure(&st, &base);
out:
	if (st.env_ready)
		run_env_release(&st.env);
	free(st.effects);
	results_close(st.db);
	plan_release(&st.plan);
	return out->code;
}

void bisect_outcome_release(struct bisect_outcome *out)
{
	diag_list_release(&out->errs);
}
