/* vm_view.c: vm_view_outcome() of vm_view.h. */
#include <stdio.h>

#include "commands.h"
#include "vm_view.h"

int vm_view_outcome(int r, const struct run_vm_result *res, const struct diag *d)
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
	if (vm->signaled)
		say_error("the command in the guest was killed by signal %d", vm->term_signal);
	return run_vm_exit_code(r, res);
}
