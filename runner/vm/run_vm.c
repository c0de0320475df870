/*
 * run_vm.c: run_vm() of run_vm.h: the guest's `run` command line, the VM,
 * the import of what the guest stored.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "guest_proto.h"
#include "results.h"
#include "run_vm.h"

#define GUEST_DB GUEST_SCRATCH_DIR "/guest.db"

static int argv_push(const char ***v, size_t *n, const char *s)
{
	const char **g = realloc(*v, (*n + 2) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	*v = g;
	g[(*n)++] = s;
	g[*n] = NULL;
	return 0;
}

/* The guest's argv: this binary's `run` into the guest database, with the
 * options that shape the runs (not those of the VM or of the host's
 * database and report). */
static int guest_argv(const struct run_vm_args *a, const char *self, const char *reps,
		      const char ***out)
{
	const char **v = NULL;
	size_t n = 0;
	int r = 0;

	r |= argv_push(&v, &n, self);
	r |= argv_push(&v, &n, "run");
	r |= argv_push(&v, &n, "--db");
	r |= argv_push(&v, &n, GUEST_DB);
	r |= argv_push(&v, &n, "--timeline");
	r |= argv_push(&v, &n, GUEST_SCRATCH_DIR "/" GUEST_FILE_TIMELINE);
	for (size_t i = 0; i < a->n_sets; i++) {
		r |= argv_push(&v, &n, "--set");
		r |= argv_push(&v, &n, a->sets[i]);
	}
	for (size_t i = 0; i < a->n_tags; i++) {
		r |= argv_push(&v, &n, "--tag");
		r |= argv_push(&v, &n, a->tags[i]);
	}
	if (a->reps) {
		r |= argv_push(&v, &n, "--reps");
		r |= argv_push(&v, &n, reps);
	}
	if (a->shard) {
		r |= argv_push(&v, &n, "--shard");
		r |= argv_push(&v, &n, a->shard);
	}
	if (a->json)
		r |= argv_push(&v, &n, "--json");
	if (a->strict)
		r |= argv_push(&v, &n, "--strict");
	for (size_t i = 0; i < a->n_files; i++)
		r |= argv_push(&v, &n, a->files[i]);
	if (r) {
		free(v);
		return -ENOMEM;
	}
	*out = v;
	return 0;
}

/* The first time each step appears in the guest's timeline. */
static void read_timeline(const char *scratch, struct run_vm_result *out)
{
	char path[PATH_MAX + 64], line[128];
	FILE *f;

	if (xsnprintf(path, sizeof(path), "%s/share/" GUEST_FILE_TIMELINE, scratch) < 0 ||
	    !(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		struct run_vm_step st = { 0 };
		size_t i;
		int at = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "t=%lf %n", &st.guest_s, &at) != 1 || !at || !line[at])
			continue;
		snprintf(st.name, sizeof(st.name), "%s", line + at);
		for (i = 0; i < out->n_steps && strcmp(out->steps[i].name, st.name); i++)
			;
		if (i == out->n_steps && out->n_steps < RUN_VM_STEPS_MAX)
			out->steps[out->n_steps++] = st;
	}
	fclose(f);
}

/* Recover the guest database (a VM stopped mid-run leaves its WAL) and
 * import its runs. */
static int import_runs(const char *guest_db, const char *db_path, size_t *imported,
		       struct diag *d)
{
	struct results_merge_counts counts = { 0 };
	struct results *db = NULL;
	int r;

	*imported = 0;
	r = results_open(guest_db, &db, d);
	if (r < 0)
		return diag_prefix(d, "cannot read the guest's database");
	results_close(db);
	db = NULL;
	r = results_open(db_path, &db, d);
	if (r < 0)
		return r;
	r = results_merge(db, guest_db, &counts, d);
	results_close(db);
	*imported = counts.imported;
	return r;
}

/* The guest's database, created (schema, WAL) on the host before boot: over
 * 9p under TCG its dozen fsyncs cost the guest 0.2-0.35 s before its first
 * run, on the host a few milliseconds. */
static int precreate_guest_db(const char *share, void *arg, struct diag *d)
{
	char path[PATH_MAX + 16];
	struct results *db = NULL;

	(void)arg;
	if (xsnprintf(path, sizeof(path), "%s/guest.db", share) < 0)
		return diag_set(d, -ENAMETOOLONG, "the path '%s/guest.db' is too long", share);
	if (results_open(path, &db, d) < 0)
		return diag_prefix(d, "cannot create the guest's database");
	results_close(db);
	return 0;
}

int run_vm(const struct run_vm_args *a, struct run_vm_result *out, struct diag *d)
{
	char self[PATH_MAX], cwd[PATH_MAX], reps[16];
	const char **argv = NULL;
	struct vm_opts vo = a->vm;
	struct vm_result *res = &out->vm;
	struct stat st;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int r;

	memset(out, 0, sizeof(*out));
	if (n <= 0 || !getcwd(cwd, sizeof(cwd)))
		return diag_set(d, -errno ? -errno : -EIO,
				"cannot find this binary or the working directory: %s",
				strerror(errno ? errno : EIO));
	self[n] = '\0';
	snprintf(reps, sizeof(reps), "%u", a->reps);
	if (guest_argv(a, self, reps, &argv) < 0)
		return diag_set(d, -ENOMEM, "out of memory");
	/* A guest kernel that deadlocks must not hold the command forever. */
	if (!vo.timeout_us)
		vo.timeout_us = RUN_VM_DEFAULT_TIMEOUT_US;
	vo.prepare_share = precreate_guest_db;
	if (vo.relay_out)
		fflush(vo.relay_out);
	r = vm_run(&vo, argv, NULL, cwd, res, d);
	free(argv);
	/* A failed guest's console is the evidence (an oops, a hang): it
	 * stays, with whatever else the scratch holds. */
	if (r < 0 && r != -EINTR && res->scratch[0])
		out->console_kept = true;
	if (res->scratch[0])
		read_timeline(res->scratch, out);
	/* Runs the guest completed are stored whatever happened after them. */
	snprintf(out->guest_db, sizeof(out->guest_db), "%s/share/guest.db", res->scratch);
	if (res->scratch[0] && stat(out->guest_db, &st) == 0 &&
	    import_runs(out->guest_db, a->db_path, &out->imported, &out->import) < 0)
		out->db_kept = true; /* it holds runs not yet imported */
	if (!out->console_kept && !out->db_kept)
		vm_scratch_remove(res);
	return r;
}

int run_vm_exit_code(int r, const struct run_vm_result *res)
{
	if (res->db_kept)
		return EXIT_SOFTWARE;
	if (r == -EINTR)
		return 128 + SIGINT;
	if (r == -EOPNOTSUPP)
		return EXIT_UNAVAILABLE;
	if (r == -EINVAL || r == -ENOENT)
		return EXIT_DATAERR;
	if (r < 0 || res->vm.signaled)
		return EXIT_SOFTWARE;
	return res->vm.exit_code;
}
