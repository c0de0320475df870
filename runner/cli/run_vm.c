/*
 * run_vm.c: `mptcp-lab run --kernel IMAGE ...`: the same command, run by
 * this very binary inside a guest booted with IMAGE (vm.h), into a
 * database in the VM's scratch share, then merged into the host database.
 * The guest's runs carry the guest kernel's identity (uname, /proc/version)
 * and its boot mode (qemu-kvm or qemu-tcg), recorded by the guest itself.
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

#include "commands.h"
#include "exitcodes.h"
#include "guest_proto.h"
#include "results.h"
#include "run_vm.h"

#define GUEST_DB GUEST_SCRATCH_DIR "/guest.db"
#define RUN_VM_DEFAULT_TIMEOUT_US (4 * 3600 * 1000000ULL) /* --vm-timeout */

static int push(const char ***v, size_t *n, const char *s)
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

	r |= push(&v, &n, self);
	r |= push(&v, &n, "run");
	r |= push(&v, &n, "--db");
	r |= push(&v, &n, GUEST_DB);
	for (size_t i = 0; i < a->n_sets; i++) {
		r |= push(&v, &n, "--set");
		r |= push(&v, &n, a->sets[i]);
	}
	for (size_t i = 0; i < a->n_tags; i++) {
		r |= push(&v, &n, "--tag");
		r |= push(&v, &n, a->tags[i]);
	}
	if (a->reps) {
		r |= push(&v, &n, "--reps");
		r |= push(&v, &n, reps);
	}
	if (a->shard) {
		r |= push(&v, &n, "--shard");
		r |= push(&v, &n, a->shard);
	}
	if (a->json)
		r |= push(&v, &n, "--json");
	if (a->strict)
		r |= push(&v, &n, "--strict");
	for (int i = 0; i < a->n_files; i++)
		r |= push(&v, &n, a->files[i]);
	if (r) {
		free(v);
		return -ENOMEM;
	}
	*out = v;
	return 0;
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

int run_vm(const struct run_vm_args *a)
{
	char self[PATH_MAX], cwd[PATH_MAX], reps[16], guest_db[PATH_MAX + 64];
	const char **argv = NULL;
	struct vm_opts vo = a->vm;
	struct vm_result res = { 0 };
	struct diag d = DIAG_INIT;
	struct stat st;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t imported = 0;
	bool keep = false;
	int r, ret = EXIT_SOFTWARE;

	if (n <= 0 || !getcwd(cwd, sizeof(cwd))) {
		say_error("cannot find this binary or the working directory: %m");
		return EXIT_SOFTWARE;
	}
	self[n] = '\0';
	snprintf(reps, sizeof(reps), "%u", a->reps);
	if (guest_argv(a, self, reps, &argv) < 0)
		return EXIT_SOFTWARE;
	/* A guest kernel that deadlocks must not hold the command forever. */
	if (!vo.timeout_us)
		vo.timeout_us = RUN_VM_DEFAULT_TIMEOUT_US;
	vo.relay_out = stdout;
	vo.relay_err = stderr;
	vo.cancel = &mpl_interrupted;
	fflush(stdout);
	r = vm_run(&vo, argv, NULL, cwd, &res, &d);
	free(argv);
	if (res.kvm_failure[0])
		fprintf(stderr, "mptcp-lab: KVM did not boot the guest, TCG was used: %s\n",
			res.kvm_failure);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		ret = r == -EINTR	       ? 128 + SIGINT :
		      r == -EOPNOTSUPP	       ? EXIT_UNAVAILABLE :
		      r == -EINVAL || r == -ENOENT ? EXIT_DATAERR :
						 EXIT_SOFTWARE;
		/* A failed guest's console is the evidence (an oops, a hang):
		 * it stays, with whatever else the scratch holds. */
		if (res.scratch[0] && r != -EINTR) {
			fprintf(stderr, "mptcp-lab: the guest console is kept in '%s/console.log'\n",
				res.scratch);
			keep = true;
		}
	}
	/* Runs the guest completed are stored whatever happened after them. */
	snprintf(guest_db, sizeof(guest_db), "%s/share/guest.db", res.scratch);
	if (res.scratch[0] && stat(guest_db, &st) == 0) {
		diag_clear(&d);
		if (import_runs(guest_db, a->db_path, &imported, &d) < 0) {
			say_error("%s", diag_str(&d));
			fprintf(stderr, "mptcp-lab: the guest's database is kept in '%s'\n", guest_db);
			keep = true; /* it holds runs not yet imported */
			ret = EXIT_SOFTWARE;
			goto out;
		}
		if (r < 0 && imported)
			fprintf(stderr, "mptcp-lab: the %zu run(s) the guest completed were imported\n",
				imported);
	}
	if (r < 0)
		goto out;
	fprintf(stderr,
		"mptcp-lab: vm: %s under %s: init at %.1f s, command at %.1f s, first result at %.1f s, VM ended at %.1f s; %zu run(s) imported\n",
		res.release, vm_accel_name(res.accel), res.boot_us / 1e6, res.start_us / 1e6,
		res.first_out_us / 1e6, res.total_us / 1e6, imported);
	if (res.signaled) {
		say_error("the command in the guest was killed by signal %d", res.term_signal);
		ret = EXIT_SOFTWARE;
	} else {
		ret = res.exit_code;
	}
out:
	if (!keep)
		vm_scratch_remove(&res);
	return ret;
}
