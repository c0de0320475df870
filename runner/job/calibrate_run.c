/*
 * calibrate_run.c: calibrate_run() of calibrate_run.h. The plan runs
 * through the functions `run` uses; one run_env (the host probed once) and
 * a fresh invocation id for each invocation, so every invocation is a
 * group of its own as compare and calibrate count them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calibrate_run.h"
#include "lab.h"

int calibrate_run(const struct calibrate_run_opts *o, const struct calibrate_observer *obs,
		  struct calibrate_run *c, struct diag *d)
{
	const struct plan_opts po = { .files = o->files, .n_files = o->n_files, .sets = o->sets,
				      .n_sets = o->n_sets, .reps = o->reps };
	const unsigned k_max = o->invocations ? o->invocations : CALIBRATE_DEFAULT_INVOCATIONS;
	struct run_env env = { .cancel = o->cancel };
	struct results *db = NULL;
	struct results_filter f = { 0 };
	const char *tags[1];
	char tag[48];
	int r;

	memset(c, 0, sizeof(*c));
	if (lab_random_name("", c->id, sizeof(c->id)) < 0)
		return diag_set(d, -EIO, "cannot draw a random id for this calibration");
	r = plan_load(&po, &c->plan, &c->errs);
	if (r < 0)
		return r == -EINVAL ? r : diag_set(d, r, "out of memory");
	r = results_open(o->db_path, &db, d);
	if (r < 0)
		return r;
	r = run_env_init(&env, d);
	if (r < 0) {
		diag_prefix(d, "cannot probe this host");
		goto out;
	}
	snprintf(tag, sizeof(tag), "calibrate=%s", c->id);
	tags[0] = tag;
	env.tags = tags;
	env.n_tags = 1;
	env.sets = o->sets;
	env.n_sets = o->n_sets;
	for (unsigned k = 1; k <= k_max; k++) {
		struct plan_exec x = { .env = &env, .db = db, .obs = obs ? obs->runs : NULL };

		/* each invocation its own group */
		if (k > 1 && lab_random_name("", env.invocation, sizeof(env.invocation)) < 0) {
			r = diag_set(d, -EIO, "cannot draw a random id for invocation %u", k);
			goto out;
		}
		if (obs && obs->invocation)
			obs->invocation(obs->arg, k, k_max, env.invocation);
		r = plan_execute(&x, c->plan.jobs, c->plan.n_jobs, d);
		for (int s = 0; s < 4; s++)
			c->counts[s] += x.counts[s];
		if (r < 0)
			goto out;
		c->invocations = k;
	}
	f.tags = tags;
	f.n_tags = 1;
	r = report_calibrate(db, &f, &o->report, &c->result, d);
out:
	run_env_release(&env);
	results_close(db);
	return r;
}

void calibrate_run_release(struct calibrate_run *c)
{
	plan_release(&c->plan);
	diag_list_release(&c->errs);
	calibrate_result_release(&c->result);
}
