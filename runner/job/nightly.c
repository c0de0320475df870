/*
 * nightly.c: nightly_run() of nightly.h. The suite runs through the same
 * plan functions `run` uses, so `nightly` and `run` can never disagree on
 * how runs are made and stored; the night is judged by nightly_judge()
 * (nightly_judge.c), which a test can call on stored runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "mtime.h"
#include "nightly.h"
#include "verdict_points.h"

static void nightly_step(const struct nightly_observer *obs, enum nightly_step step,
			 const struct nightly *n)
{
	if (obs && obs->step)
		obs->step(obs->arg, step, n);
}

/* The Markdown, JUnit and KTAP of r as dir/stem.{md,junit.xml,ktap}. */
static int nightly_outputs(const char *dir, const char *stem, const struct compare_result *r,
			   const char *title, struct diag *d)
{
	static const struct {
		const char *ext;
		int (*write)(FILE *f, const struct compare_result *r, const char *title);
	} outs[] = {
		{ "md", report_write_markdown },
		{ "junit.xml", report_write_junit },
		{ "ktap", report_write_ktap },
	};

	for (size_t i = 0; i < ARRAY_SIZE(outs); i++) {
		char path[PATH_MAX];
		FILE *f;
		int r2;

		if (xsnprintf(path, sizeof(path), "%s/%s.%s", dir, stem, outs[i].ext) < 0)
			return diag_set(d, -ENAMETOOLONG, "the path '%s/%s.%s' is too long", dir, stem,
					outs[i].ext);
		f = fopen(path, "we");
		if (!f)
			return diag_set(d, -errno, "cannot write '%s': %s", path, strerror(errno));
		r2 = outs[i].write(f, r, title);
		if (fclose(f) != 0 && r2 >= 0)
			r2 = -errno;
		if (r2 < 0)
			return diag_set(d, r2, "cannot write '%s': %s", path, strerror(-r2));
	}
	return 0;
}

/* Run the suite, tagged. 0, -EINVAL (input errors in n->errs), -EINTR,
 * or another negative errno with d set. */
static int nightly_runs(struct nightly *n, struct results *db, const struct nightly_observer *obs,
			struct diag *d)
{
	const struct nightly_opts *o = n->o;
	struct plan_opts po = { .files = &n->suite, .n_files = 1, .sets = o->sets, .n_sets = o->n_sets,
				.reps = o->reps, .shard_index = o->shard_index,
				.shard_count = o->shard_count };
	struct run_env env = { .cancel = o->cancel };
	struct plan_exec x = { .env = &env, .db = db, .obs = obs ? obs->runs : NULL };
	char tag_night[48], tag_id[48];
	const char *tags[2] = { tag_night, tag_id };
	int r;

	r = plan_load(&po, &n->plan, &n->errs);
	if (r < 0)
		return r == -EINVAL ? r : diag_set(d, r, "out of memory");
	nightly_step(obs, NIGHTLY_PLANNED, n);
	r = run_env_init(&env, d);
	if (r < 0) {
		diag_prefix(d, "cannot probe this host");
		goto out;
	}
	snprintf(tag_night, sizeof(tag_night), "night=%s", n->night);
	snprintf(tag_id, sizeof(tag_id), "nightly=%s", n->id);
	env.tags = tags;
	env.n_tags = 2;
	env.sets = o->sets;
	env.n_sets = o->n_sets;
	r = plan_execute(&x, n->plan.jobs, n->plan.n_jobs, d);
	memcpy(n->counts, x.counts, sizeof(n->counts));
	if (r == 0)
		nightly_step(obs, NIGHTLY_RAN, n);
out:
	run_env_release(&env);
	return r;
}

/* regressions.md: tonight's new and known regressions, and every one of
 * this host still open, with the command that acknowledges it. */
static int nightly_regressions_md(const char *dir, const struct nightly *n, struct diag *d)
{
	const struct nightly_judgement *j = &n->judged;
	char path[PATH_MAX];
	FILE *f;
	int r = 0;

	if (xsnprintf(path, sizeof(path), "%s/regressions.md", dir) < 0)
		return diag_set(d, -ENAMETOOLONG, "the path '%s/regressions.md' is too long", dir);
	f = fopen(path, "we");
	if (!f)
		return diag_set(d, -errno, "cannot write '%s': %s", path, strerror(errno));
	fprintf(f, "%s **%zu new regression%s** on %s (night %s), %zu still open\n\n",
		j->n_new ? ":x:" : ":white_check_mark:", j->n_new, j->n_new == 1 ? "" : "s",
		n->hostname, n->night, j->n_open);
	if (j->n_open) {
		fputs("| # | state | scenario | variant | metric | since | kernels | change | first reported |\n"
		      "|---:|---|---|---|---|---|---|---:|---|\n",
		      f);
		for (size_t i = 0; i < j->n_open; i++) {
			const struct nightly_regression *g = &j->open[i];

			fprintf(f, "| %lld | %s | %s | %s | %s | %s | %s -> %s | %+.2f %% | %s |\n",
				(long long)g->id, nightly_state_name(g->state), g->scenario,
				g->variant_key[0] ? g->variant_key : "-", g->metric, g->since,
				g->kernel_before[0] ? g->kernel_before : "?",
				g->kernel_after[0] ? g->kernel_after : "?", g->change * 100,
				g->first_reported);
		}
		fputs("\nAcknowledge one (it is then no longer listed as open): "
		      "`mptcp-lab ack ID --note TEXT`.\n",
		      f);
	}
	if (fclose(f) != 0)
		r = diag_set(d, -errno, "cannot write '%s': %s", path, strerror(errno));
	return r;
}

/* Tonight's verdicts, queued for every push to come (verdict_points.h):
 * with --push they go out tonight, else with the next `push`. */
static int nightly_queue_verdicts(const struct nightly *n, struct results *db, struct diag *d)
{
	const char *tags[1];
	char tag[48];

	snprintf(tag, sizeof(tag), "nightly=%s", n->id);
	tags[0] = tag;
	return verdict_points_queue(db,
				    &(struct verdict_points_opts){
					    .host = n->hostname,
					    .tonight = &(struct results_filter){ .tags = tags,
										 .n_tags = 1 },
					    .at_us = mtime_wall_us() },
				    n->judged.nothing_to_compare ? NULL : &n->judged.cmp,
				    &n->judged.tr, NULL, d);
}

static void nightly_report(struct nightly *n, struct results *db,
			   const struct nightly_observer *obs)
{
	/* tonight's runs are those since the job started: a second job on
	 * the same day is judged against the first */
	const struct report_pages_opts ro = { .out_dir = n->report_dir,
					      .night_start_us = n->started_us };

	if (xsnprintf(n->report_dir, sizeof(n->report_dir), "%s/report", n->out_dir) < 0) {
		n->report_err = diag_set(&n->report_diag, -ENAMETOOLONG, "the report path is too long");
		return;
	}
	nightly_step(obs, NIGHTLY_REPORTING, n);
	n->report_err = report_pages_write(db, &ro, obs ? obs->report : NULL, &n->report,
					   &n->report_diag);
	nightly_step(obs, NIGHTLY_REPORTED, n);
}

static void nightly_push(struct nightly *n, struct results *db,
			 const struct nightly_observer *obs)
{
	const struct nightly_opts *o = n->o;
	struct push_flush_opts po = { .http = { .url = o->push_url }, .cancel = o->cancel,
				      .batch_failed = obs ? obs->push_failed : NULL,
				      .arg = obs ? obs->arg : NULL };
	char *token = NULL;

	nightly_step(obs, NIGHTLY_PUSHING, n);
	n->push_err = push_token_read(o->token_file, &token, &n->push_diag);
	if (n->push_err == 0) {
		po.http.token = token;
		n->push_err = push_flush(db, &po, &n->pushed, &n->push_diag);
	}
	push_token_free(token);
	nightly_step(obs, NIGHTLY_PUSHED, n);
}

int nightly_run(const struct nightly_opts *o, const struct nightly_observer *obs,
		struct nightly *n, struct diag *d)
{
	struct results *db = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int r;

	memset(n, 0, sizeof(*n));
	n->o = o;
	n->suite = o->suite ? o->suite : NIGHTLY_DEFAULT_SUITE;
	n->out_dir = o->out_dir ? o->out_dir : NIGHTLY_DEFAULT_OUT;
	gmtime_r(&now, &tm);
	strftime(n->night, sizeof(n->night), "%Y-%m-%d", &tm);
	if (lab_random_name("", n->id, sizeof(n->id)) < 0)
		return diag_set(d, -EIO, "cannot draw a random id for this night");
	n->started_us = mtime_wall_us();
	gethostname(n->hostname, sizeof(n->hostname) - 1);
	if (mkdir(n->out_dir, 0755) < 0 && errno != EEXIST)
		return diag_set(d, -errno, "cannot create '%s': %s", n->out_dir, strerror(errno));
	nightly_step(obs, NIGHTLY_BEGIN, n);

	r = results_open(o->db_path, &db, d);
	if (r < 0)
		return r;
	r = nightly_runs(n, db, obs, d);
	if (r < 0)
		goto out;

	r = nightly_judge(db,
			  &(struct nightly_judge_opts){ .host = n->hostname, .nightly_id = n->id,
							.now_us = n->started_us, .baseline = o->baseline,
							.store = true },
			  &n->judged, d);
	if (r < 0)
		goto out;
	n->regressed = n->judged.n_new > 0;
	nightly_step(obs, NIGHTLY_COMPARED, n);
	nightly_step(obs, NIGHTLY_TRENDED, n);
	nightly_step(obs, NIGHTLY_JUDGED, n);
	r = nightly_outputs(n->out_dir, "compare", &n->judged.cmp, "mptcp-lab nightly: compare", d);
	if (r == 0)
		r = nightly_outputs(n->out_dir, "trend", &n->judged.tr.rows,
				    "mptcp-lab nightly: trend", d);
	if (r == 0)
		r = nightly_regressions_md(n->out_dir, n, d);
	if (r < 0) {
		diag_prefix(d, "cannot write the summaries into '%s'", n->out_dir);
		goto out;
	}

	r = nightly_queue_verdicts(n, db, d);
	if (r < 0)
		goto out;

	nightly_report(n, db, obs);
	if (o->push_url)
		nightly_push(n, db, obs);
out:
	results_close(db);
	return r;
}

void nightly_release(struct nightly *n)
{
	plan_release(&n->plan);
	diag_list_release(&n->errs);
	nightly_judgement_release(&n->judged);
}
