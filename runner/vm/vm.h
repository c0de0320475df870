/*
 * vm.h: run one mptcp-lab command inside a kernel booted in qemu, for
 * kernel variants this host does not run (another build, a bisect step, a
 * kernel with netem). The guest sees the host's root read-only over 9p
 * and a scratch directory read-write (guest/guest_proto.h); the command's
 * output is relayed live, its exit status and files come back through the
 * scratch directory. KVM when it really boots the guest, otherwise TCG;
 * the accelerator used is reported because timings across the two are not
 * comparable. The VM never outlives vm_run(): qemu is killed on timeout,
 * on cancel and if this process dies (PR_SET_PDEATHSIG).
 */
#ifndef MPL_VM_H
#define MPL_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

enum vm_accel { VM_ACCEL_AUTO = 0, VM_ACCEL_KVM, VM_ACCEL_TCG };

/* "auto", "kvm", "tcg" and back. */
int vm_accel_parse(const char *s, enum vm_accel *out);
const char *vm_accel_name(enum vm_accel a);

struct vm_opts {
	const char *image;	 /* x86 bzImage */
	const char *modules_dir; /* <root>/lib/modules/<release>; NULL: next to the
				  * image if the layout of `kernel fetch` is found */
	const char *initrd;	 /* an extra initramfs unpacked before ours; may be NULL */
	unsigned memory_mib;	 /* 0: 1024 */
	unsigned cpus;		 /* 0: 2 */
	enum vm_accel accel;
	uint64_t timeout_us;	  /* the whole guest; 0: no limit */
	uint64_t boot_timeout_us; /* until the guest init starts; 0: 15 s KVM, 180 s TCG */
	const volatile int *cancel;
	FILE *relay_out, *relay_err; /* where the command's output goes; NULL: dropped */
	bool verbose;		     /* also relay the guest console (kernel messages) */
	bool timeline;		     /* the caller shows the boot's step timeline
				      * (vm_cli.c; vm_run() records it always) */
	/* Called with the share directory before boot, to put there what
	 * is cheaper made on the host (the guest's database); NULL: none. */
	int (*prepare_share)(const char *share, void *arg, struct diag *d);
	void *prepare_arg;
};

struct vm_result {
	char release[128];	 /* of the image */
	char config[4096];	 /* its kernel config found next to it, "" if none
				  * (the guest records its hash and debug markers) */
	enum vm_accel accel;	 /* what booted it */
	char kvm_failure[256];	 /* why KVM was given up for TCG, "" if it was not */
	int exit_code;		 /* the command's, valid when !signaled */
	int term_signal;
	bool signaled;
	uint64_t boot_us;	 /* qemu started -> guest init started (host clock) */
	uint64_t start_us;	 /* qemu started -> the command was started */
	uint64_t first_out_us;	 /* qemu started -> the command's first output on stdout
				  * (for `run`, its first finished run); 0: none */
	uint64_t total_us;	 /* qemu started -> qemu exited */
	/* qemu started -> the guest kernel's clock 0 (CLOCK_BOOTTIME), from the
	 * init's markers: each says its guest time t=, the host saw it at most a
	 * few ms later (it waits on inotify), so the smallest difference places
	 * the guest's clock on the host's; -1 when no marker was seen. Guest
	 * stamps s (seconds since boot) happened at kernel_start_us + s * 1e6. */
	int64_t kernel_start_us;
	uint64_t qemu_start_wall_us; /* host wall clock when qemu started */
	char scratch[4096];	 /* the shared directory; files the command wrote */
};

/*
 * Boot o->image and run argv (argv[0] an absolute path on the host root,
 * seen at the same path by the guest) in cwd with env (NULL-terminated
 * "K=V", may be NULL). On return r->scratch holds what the command wrote;
 * the caller removes it with vm_scratch_remove(). Errors: -ENOENT/-EINVAL
 * for a bad image or modules, -EOPNOTSUPP when qemu or the guest init is
 * missing, -EIO when the guest did not boot (the diag carries the console's
 * last lines), -ETIMEDOUT, -EINTR.
 */
int vm_run(const struct vm_opts *o, const char *const *argv, const char *const *env,
	   const char *cwd, struct vm_result *r, struct diag *d);
void vm_scratch_remove(struct vm_result *r);

#endif
