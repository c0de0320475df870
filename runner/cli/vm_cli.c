/* vm_cli.c: the VM options and outcome of vm_cli.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"

#include "commands.h"
#include "vm_cli.h"

/* A whole number in [lo, hi] for option name, or -EINVAL (said). */
static int vm_cli_uint(const char *name, const char *arg, unsigned long lo, unsigned long hi,
		       unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		say_error("--%s must be %lu-%lu, got '%s'", name, lo, hi, arg);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

int vm_cli_option(int c, const char *arg, struct vm_opts *vm)
{
	unsigned s;

	switch (c) {
	case VM_OPT_KERNEL:
		vm->image = arg;
		return 0;
	case VM_OPT_MODULES:
		vm->modules_dir = arg;
		return 0;
	case VM_OPT_INITRD:
		vm->initrd = arg;
		return 0;
	case VM_OPT_MEMORY:
		return vm_cli_uint("vm-memory", arg, 256, 65536, &vm->memory_mib);
	case VM_OPT_CPUS:
		return vm_cli_uint("vm-cpus", arg, 1, 64, &vm->cpus);
	case VM_OPT_TIMEOUT:
		if (vm_cli_uint("vm-timeout", arg, 1, 7 * 86400, &s) < 0)
			return -EINVAL;
		vm->timeout_us = (uint64_t)s * 1000000ULL;
		return 0;
	case VM_OPT_ACCEL:
		if (vm_accel_parse(arg, &vm->accel) < 0) {
			say_error("--accel must be auto, kvm or tcg, got '%s'", arg);
			return -EINVAL;
		}
		return 0;
	case VM_OPT_CONSOLE:
		vm->verbose = true;
		return 0;
	case VM_OPT_TIMELINE:
		vm->timeline = true;
		return 0;
	default:
		return -EINVAL;
	}
}

int vm_cli_check(const struct vm_opts *vm)
{
	if (!vm->image && (vm->modules_dir || vm->initrd || vm->memory_mib || vm->cpus ||
			   vm->timeout_us || vm->verbose || vm->timeline)) {
		say_error("--modules, --initrd, --vm-* go with --kernel IMAGE");
		return -EINVAL;
	}
	return 0;
}

/* The steps of one boot on the host's time line: qemu's start is 0; the
 * host saw the init's markers and the command's first output; the guest's
 * own steps (its clock, since its boot) are placed with kernel_start_us. */
static void vm_cli_timeline(const struct run_vm_result *res)
{
	const struct vm_result *vm = &res->vm;
	static const struct {
		const char *step, *label;
	} guest[] = {
		{ "started", "run started" },
		{ "probes done", "probes done" },
		{ "lab up", "first lab up" },
		{ "transfer over", "first transfer over" },
		{ "stored", "first result stored" },
	};
	const double k = (double)vm->kernel_start_us / 1e6;

	fprintf(stderr, "mptcp-lab: vm timeline: qemu started: 0.00 s\n");
	if (vm->kernel_start_us >= 0)
		fprintf(stderr, "mptcp-lab: vm timeline: kernel started: %.2f s\n", k);
	fprintf(stderr, "mptcp-lab: vm timeline: guest init started: %.2f s\n", vm->boot_us / 1e6);
	fprintf(stderr, "mptcp-lab: vm timeline: command started: %.2f s\n", vm->start_us / 1e6);
	for (size_t g = 0; g < ARRAY_SIZE(guest) && vm->kernel_start_us >= 0; g++)
		for (size_t i = 0; i < res->n_steps; i++)
			if (!strcmp(res->steps[i].name, guest[g].step))
				fprintf(stderr, "mptcp-lab: vm timeline: %s: %.2f s\n", guest[g].label,
					k + res->steps[i].guest_s);
	if (vm->first_out_us)
		fprintf(stderr, "mptcp-lab: vm timeline: host learned of it: %.2f s\n",
			vm->first_out_us / 1e6);
	fprintf(stderr, "mptcp-lab: vm timeline: VM ended: %.2f s\n", vm->total_us / 1e6);
}

int vm_cli_outcome(int r, const struct run_vm_result *res, const struct diag *d, bool timeline)
{
	const struct vm_result *vm = &res->vm;

	if (vm->kvm_failure[0])
		fprintf(stderr, "mptcp-lab: KVM did not boot the guest, TCG was used: %s\n",
			vm->kvm_failure);
	if (r < 0) {
		say_error("%s", diag_str(d));
		if (res->console_kept)
			fprintf(stderr, "mptcp-lab: the guest console is kept in '%s/console.log'\n",
				vm->scratch);
	}
	if (res->db_kept) {
		say_error("%s", diag_str(&res->import));
		fprintf(stderr, "mptcp-lab: the guest's database is kept in '%s'\n", res->guest_db);
		return run_vm_exit_code(r, res);
	}
	if (r < 0) {
		if (res->imported)
			fprintf(stderr, "mptcp-lab: the %zu run(s) the guest completed were imported\n",
				res->imported);
		return run_vm_exit_code(r, res);
	}
	fprintf(stderr,
		"mptcp-lab: vm: %s under %s: init at %.1f s, command at %.1f s, first result at %.1f s, VM ended at %.1f s; %zu run(s) imported\n",
		vm->release, vm_accel_name(vm->accel), vm->boot_us / 1e6, vm->start_us / 1e6,
		vm->first_out_us / 1e6, vm->total_us / 1e6, res->imported);
	if (timeline)
		vm_cli_timeline(res);
	if (vm->signaled)
		say_error("the command in the guest was killed by signal %d", vm->term_signal);
	return run_vm_exit_code(r, res);
}

/* ---- kernel builds --------------------------------------------------------------- */

static void vm_cli_build_say(void *arg, const char *line)
{
	struct vm_cli_build *v = arg;

	vm_cli_build_done(v);
	printf("%s%s\n", v->prefix, line);
	fflush(stdout);
}

static void vm_cli_build_progress(void *arg, const struct kernel_build_progress *p)
{
	struct vm_cli_build *v = arg;
	unsigned s = (unsigned)p->seconds;

	if (!v->tty || p->phase != KERNEL_BUILD_COMPILE)
		return;
	fprintf(stderr, "\r\033[K  %u:%02u  %u compiled  %.60s", s / 60, s % 60, p->compiled,
		p->last ? p->last : "");
	fflush(stderr);
	v->drawn = true;
}

void vm_cli_build_init(struct vm_cli_build *v, const char *prefix)
{
	v->obs = (struct kernel_build_observer){ .say = vm_cli_build_say,
						 .progress = vm_cli_build_progress, .arg = v };
	v->prefix = prefix;
	v->tty = isatty(STDERR_FILENO);
	v->drawn = false;
}

void vm_cli_build_done(struct vm_cli_build *v)
{
	if (!v->drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	v->drawn = false;
}

int vm_cli_build_outcome(int r, const struct kernel_built *k, const struct diag *d)
{
	if (r >= 0)
		return EXIT_OK;
	say_error("%s", diag_str(d));
	if (k->n_lost)
		fprintf(stderr, "%s\n", k->lost);
	if (k->log_tail[0])
		fprintf(stderr, "mptcp-lab: the log '%s' ends with:\n%s\n", k->log, k->log_tail);
	if (k->hint)
		fprintf(stderr, "hint: %s\n", k->hint);
	fflush(stderr);
	return r == -EBADMSG	 ? EXIT_DATAERR :
	       r == -EOPNOTSUPP ? EXIT_UNAVAILABLE :
	       r == -EINTR	 ? 128 + SIGINT :
				   EXIT_SOFTWARE;
}
