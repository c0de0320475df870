/*
 * probe_tools.c: which programs the lab can run, and which version, by
 * running them (`iperf3 --version`, never a look at a package database),
 * and whether KVM runs a guest, by running one: a test guest through the
 * KVM ioctls, then qemu the way `run --kernel` starts it, with Linux
 * when an image of the running kernel is at hand.
 *
 * Output is validated before it is believed: a version must be found where
 * the program prints it and start with a digit. The mptcpize library is
 * taken only if it really preloads into iperf3. The KVM guest runs in a
 * forked child under a deadline, so a wedged KVM_RUN costs 5 s, not the
 * whole check.
 *
 * It prints nothing; cmd_check.c does.
 */
#include "probe_tools.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <linux/kvm.h>
#define PROBE_KVM_X86 1
#endif

#include "mtime.h"
#include "spawn.h"

#define TOOL_TIMEOUT_US (10 * USEC_PER_SEC)
#define KVM_TIMEOUT_US (5 * USEC_PER_SEC)
/* Linux under KVM prints its banner within a second or two. */
#define KVM_LINUX_TIMEOUT_US (10 * USEC_PER_SEC)
/* A qemu that set its vCPU up and still runs after this is running it. */
#define KVM_LINUX_SETTLE_US (2 * USEC_PER_SEC)

enum tool_cap {
	TCAP_IPERF3,
	TCAP_IPERF3_MPTCP,
	TCAP_GNUPLOT,
	TCAP_QEMU,
	TCAP_KVM,
	TCAP_BPFTOOL,
	TCAP_COUNT
};

static const char *const tool_cap_names[TCAP_COUNT] = {
	[TCAP_IPERF3] = "tool.iperf3",
	[TCAP_IPERF3_MPTCP] = "iperf3.mptcp",
	[TCAP_GNUPLOT] = "tool.gnuplot",
	[TCAP_QEMU] = "tool.qemu",
	[TCAP_KVM] = "kvm",
	[TCAP_BPFTOOL] = "tool.bpftool",
};

static void __attribute__((format(printf, 3, 4)))
cap_set(struct lab_cap *cap, bool available, const char *fmt, ...)
{
	va_list ap;

	cap->available = available;
	va_start(ap, fmt);
	vsnprintf(cap->detail, sizeof(cap->detail), fmt, ap);
	va_end(ap);
}

/* First line of s (or "" if none), for messages. */
static const char *first_line(const char *s, char *buf, size_t size)
{
	size_t n;

	if (!s)
		s = "";
	n = strcspn(s, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* ---- "<prog> --version" ------------------------------------------------------ */

struct tool_version {
	const char *argv[3];
	const char *marker; /* the version follows this text */
	bool whole_line;    /* keep the rest of the line, not one word */
};

/*
 * Run the program and find its version: the word (or rest of the line)
 * after marker, which must start with a digit. Fills cap either way;
 * returns 0 when the program ran and its version was found.
 */
static int tool_version(const struct tool_version *t, struct lab_cap *cap, char *version,
			size_t size)
{
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	struct diag d = DIAG_INIT;
	char line[128];
	const char *at;
	size_t n;
	int ret;

	o.timeout_us = TOOL_TIMEOUT_US;
	o.capture_stdout = o.capture_stderr = true;
	o.capture_max = 64 * 1024;
	ret = spawn_run(t->argv, &o, &r, &d);
	if (ret < 0) {
		cap_set(cap, false, "%s", diag_str(&d));
		goto out;
	}
	ret = -EPROTO;
	if (r.timed_out) {
		cap_set(cap, false, "'%s %s' did not finish within %llu s", t->argv[0], t->argv[1],
			(unsigned long long)(TOOL_TIMEOUT_US / USEC_PER_SEC));
		goto out;
	}
	if (r.signaled || r.exit_code) {
		cap_set(cap, false, "'%s %s' %s %d: %s", t->argv[0], t->argv[1],
			r.signaled ? "was killed by signal" : "exited with",
			r.signaled ? r.term_signal : r.exit_code,
			first_line(r.err_len ? r.err : r.out, line, sizeof(line)));
		goto out;
	}
	at = r.out ? strstr(r.out, t->marker) : NULL;
	if (at)
		at += strlen(t->marker);
	if (!at || *at < '0' || *at > '9') {
		cap_set(cap, false, "cannot find a version in the output of '%s %s': '%s'",
			t->argv[0], t->argv[1], first_line(r.out, line, sizeof(line)));
		goto out;
	}
	n = t->whole_line ? strcspn(at, "\n") : strcspn(at, " \t\n(");
	while (n && (at[n - 1] == ' ' || at[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(version, at, n);
	version[n] = '\0';
	cap_set(cap, true, "%s", version);
	ret = 0;
out:
	spawn_result_release(&r);
	return ret;
}

/* ---- iperf3 and MPTCP ----------------------------------------------------- */

/* "3.12" -> 3, 12; anything else -> false. */
static bool parse_major_minor(const char *v, unsigned *major, unsigned *minor)
{
	return sscanf(v, "%u.%u", major, minor) == 2;
}

/* iperf3 >= 3.19 has -m/--mptcp; believe it only if --help says so. */
static bool iperf3_has_mptcp_flag(void)
{
	const char *argv[] = { "iperf3", "--help", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	bool yes;

	o.timeout_us = TOOL_TIMEOUT_US;
	o.capture_stdout = o.capture_stderr = true;
	yes = !spawn_run(argv, &o, &r, NULL) && !r.timed_out && r.out && strstr(r.out, "--mptcp");
	spawn_result_release(&r);
	return yes;
}

/* Does lib preload cleanly into iperf3? ld.so complains on stderr (wrong
 * ELF class, missing dependency) and then runs the program anyway. */
static bool preloads_into_iperf3(const char *lib)
{
	const char *argv[] = { "iperf3", "--version", NULL };
	char env[PATH_MAX + 16];
	const char *env_add[] = { env, NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	bool ok;

	if (xsnprintf(env, sizeof(env), "LD_PRELOAD=%s", lib) < 0)
		return false;
	o.env_add = env_add;
	o.timeout_us = TOOL_TIMEOUT_US;
	o.capture_stdout = o.capture_stderr = true;
	ok = !spawn_run(argv, &o, &r, NULL) && !r.timed_out && !r.signaled && !r.exit_code &&
	     !(r.err && strstr(r.err, "LD_PRELOAD"));
	spawn_result_release(&r);
	return ok;
}

int probe_tools_mptcpize_lib(char *path, size_t size, struct diag *d)
{
	/* Debian puts it in the multiarch libdir's mptcpize/; upstream
	 * mptcpd installs under $libdir/mptcpize too. */
	static const char *const patterns[] = {
		"/usr/lib/*/mptcpize/libmptcpwrap.so.0*",
		"/usr/lib64/mptcpize/libmptcpwrap.so.0*",
		"/usr/lib/mptcpize/libmptcpwrap.so.0*",
		"/usr/local/lib/*/mptcpize/libmptcpwrap.so.0*",
		"/usr/local/lib64/mptcpize/libmptcpwrap.so.0*",
		"/usr/local/lib/mptcpize/libmptcpwrap.so.0*",
	};
	bool found_any = false;

	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
		glob_t g;

		if (glob(patterns[i], 0, NULL, &g))
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++) {
			char real[PATH_MAX];
			struct stat st;

			if (!realpath(g.gl_pathv[j], real) || stat(real, &st) < 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			found_any = true;
			if (!preloads_into_iperf3(real))
				continue;
			if (xsnprintf(path, size, "%s", real) < 0)
				continue;
			globfree(&g);
			return 0;
		}
		globfree(&g);
	}
	if (found_any)
		return diag_set(d, -ENOENT,
				"the mptcpize library (libmptcpwrap.so) does not preload into iperf3");
	return diag_set(d, -ENOENT,
			"no mptcpize library (libmptcpwrap.so): install Debian's 'mptcpize' package");
}

static void probe_iperf3(struct lab_cap *tool, struct lab_cap *mptcp)
{
	static const struct tool_version t = { { "iperf3", "--version", NULL }, "iperf " };
	char version[64], lib[PATH_MAX];
	unsigned major, minor;
	struct diag d = DIAG_INIT;

	if (tool_version(&t, tool, version, sizeof(version)) < 0) {
		cap_set(mptcp, false, "no usable iperf3");
		return;
	}
	if (parse_major_minor(version, &major, &minor) &&
	    (major > 3 || (major == 3 && minor >= 19)) && iperf3_has_mptcp_flag()) {
		cap_set(mptcp, true, "-m");
		return;
	}
	if (probe_tools_mptcpize_lib(lib, sizeof(lib), &d) < 0) {
		cap_set(mptcp, false, "iperf3 %s has no --mptcp (3.19+) and %s", version,
			diag_str(&d));
		return;
	}
	cap_set(mptcp, true, "mptcpize");
}

/* ---- KVM --------------------------------------------------------------------- */

/* What the child tells the parent. */
struct kvm_report {
	int ok;
	char why[200];
};

#ifdef PROBE_KVM_X86
static int kvm_fail(struct kvm_report *rep, const char *what)
{
	snprintf(rep->why, sizeof(rep->why), "%s: %s", what, strerror(errno));
	return -1;
}

/*
 * The smallest real guest: one page at guest-physical 0x1000 holding
 *	mov ax, 42	(b8 2a 00)
 *	hlt		(f4)
 * run in real mode from cs:ip = 0:0x1000. It must exit with
 * KVM_EXIT_HLT having left 42 in rax. Runs in a child that exits right
 * after, which releases the fds and mappings.
 */
static int kvm_run_guest(struct kvm_report *rep)
{
	static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0xf4 };
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	struct kvm_run *run;
	unsigned char *mem;
	int kvm, vm, vcpu, api;
	long run_size;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return kvm_fail(rep, "cannot open '/dev/kvm'");
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		snprintf(rep->why, sizeof(rep->why), "KVM API version %d, expected %d", api,
			 KVM_API_VERSION);
		return -1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return kvm_fail(rep, "KVM_CREATE_VM");
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return kvm_fail(rep, "cannot map guest memory");
	memcpy(mem, code, sizeof(code));
	region.slot = 0;
	region.guest_phys_addr = 0x1000;
	region.memory_size = 0x1000;
	region.userspace_addr = (uint64_t)(uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return kvm_fail(rep, "KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return kvm_fail(rep, "KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (long)sizeof(*run))
		return kvm_fail(rep, "KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return kvm_fail(rep, "cannot map the vcpu's kvm_run");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return kvm_fail(rep, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return kvm_fail(rep, "KVM_SET_SREGS");
	regs.rip = 0x1000;
	regs.rflags = 0x2; /* bit 1 is reserved and must be set */
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return kvm_fail(rep, "KVM_SET_REGS");
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return kvm_fail(rep, "KVM_RUN");
	if (run->exit_reason != KVM_EXIT_HLT) {
		snprintf(rep->why, sizeof(rep->why),
			 "KVM_RUN exited with reason %u, expected KVM_EXIT_HLT (%u)",
			 run->exit_reason, KVM_EXIT_HLT);
		return -1;
	}
	if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0)
		return kvm_fail(rep, "KVM_GET_REGS");
	if ((regs.rax & 0xffff) != 42) {
		snprintf(rep->why, sizeof(rep->why), "the guest halted with ax %llu, expected 42",
			 (unsigned long long)(regs.rax & 0xffff));
		return -1;
	}
	rep->ok = 1;
	return 0;
}
#endif

/* The vendor module behind /dev/kvm, for the detail (hardware-assisted
 * kvm_intel/kvm_amd and software kvm_pvm time guests differently). */
static const char *kvm_module(void)
{
	static const char *const mods[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };

	for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
		char p[64];
		struct stat st;

		snprintf(p, sizeof(p), "/sys/module/%s", mods[i]);
		if (!stat(p, &st))
			return mods[i];
	}
	return NULL;
}

/* qemu's own words: the first line that says "error", else the first
 * line that says anything. */
static void qemu_error_line(const char *s, char *buf, size_t size)
{
	const char *pick = NULL;

	for (const char *p = s ? s : ""; *p;) {
		size_t n = strcspn(p, "\r\n");

		if (n && (!pick || (!memmem(pick, strcspn(pick, "\r\n"), "error", 5) &&
				    memmem(p, n, "error", 5))))
			pick = p;
		p += n;
		p += strspn(p, "\r\n");
	}
	pick = pick ? pick : "";
	snprintf(buf, size, "%.*s", (int)strcspn(pick, "\r\n"), pick);
}

/* An image of the running kernel to boot: /boot/vmlinuz-<release>. */
static bool kvm_linux_image(char *path, size_t size)
{
	struct utsname u;

	return uname(&u) == 0 && !xsnprintf(path, size, "/boot/vmlinuz-%s", u.release) &&
	       access(path, R_OK) == 0;
}

/*
 * A test guest ran to hlt; does qemu run Linux under this KVM the way
 * `run --kernel --accel kvm` starts it (-accel kvm -cpu host)? Some hosts
 * open /dev/kvm and run the test guest, and qemu still fails the moment it
 * sets the vCPU up (here: "failed to set MSR 0x10a"), or Linux never
 * prints. With the running kernel's image, it is booted (no root: it
 * panics after its banner, qemu exits on -no-reboot) and its console read;
 * without one, qemu starts a bare KVM guest and must still run after
 * KVM_LINUX_SETTLE_US. cap says which, and why not.
 */
static void probe_kvm_linux(struct lab_cap *cap, const char *mod)
{
	char image[PATH_MAX], words[256];
	const char *argv[24];
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	struct spawn_proc *p = NULL;
	struct diag d = DIAG_INIT;
	bool linux_image = kvm_linux_image(image, sizeof(image));
	uint64_t t0, limit = linux_image ? KVM_LINUX_TIMEOUT_US : KVM_LINUX_SETTLE_US;
	int n = 0;

	argv[n++] = "qemu-system-x86_64";
	argv[n++] = "-nodefaults";
	argv[n++] = "-no-user-config";
	argv[n++] = "-accel";
	argv[n++] = "kvm";
	argv[n++] = "-cpu";
	argv[n++] = "host";
	argv[n++] = "-m";
	argv[n++] = "256";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-monitor";
	argv[n++] = "none";
	argv[n++] = "-serial";
	argv[n++] = "stdio";
	argv[n++] = "-no-reboot";
	if (linux_image) {
		argv[n++] = "-kernel";
		argv[n++] = image;
		argv[n++] = "-append";
		argv[n++] = "console=ttyS0 panic=-1 loglevel=4";
	}
	argv[n] = NULL;
	o.capture_stdout = o.capture_stderr = true;
	o.capture_max = 256 * 1024;
	if (spawn_start(argv, &o, &p, &d) < 0) {
		cap_set(cap, false, "a test guest ran to hlt%s%s%s, but whether Linux boots under it is not known: %s",
			mod ? " (" : "", mod ? mod : "", mod ? ")" : "", diag_str(&d));
		return;
	}
	t0 = mtime_now_us();
	while (!spawn_poll(p, 100) && mtime_now_us() - t0 < limit)
		;
	if (mtime_now_us() - t0 >= limit && !linux_image) {
		/* still running: qemu set the vCPU up and runs the guest */
		spawn_kill(p);
		cap_set(cap, true,
			"a test guest ran to hlt%s%s%s and qemu runs a KVM guest (-cpu host); no /boot image of this kernel to try Linux itself; a Linux guest that does not start under it is booted again under TCG (run --kernel --accel auto)",
			mod ? " (" : "", mod ? mod : "", mod ? ")" : "");
		return;
	}
	if (mtime_now_us() - t0 >= limit)
		kill(-spawn_pid(p), SIGKILL);
	spawn_wait(p, NULL, &r, &d);
	if (r.out && strstr(r.out, "Linux version")) {
		cap_set(cap, true,
			"a test guest ran to hlt%s%s%s and Linux (%s) boots under it: its banner came on the console",
			mod ? " (" : "", mod ? mod : "", mod ? ")" : "", image);
	} else if (r.err && r.err[0] && !(r.out && r.out[0])) {
		qemu_error_line(r.err, words, sizeof(words));
		cap_set(cap, false,
			"a test guest runs to hlt%s%s%s, but Linux does not boot under this KVM: qemu (-accel kvm -cpu host, as run --kernel starts it) fails before the guest runs: '%s'; run --kernel uses TCG",
			mod ? " (" : "", mod ? mod : "", mod ? ")" : "", words);
	} else {
		cap_set(cap, false,
			"a test guest runs to hlt%s%s%s, but Linux does not boot under this KVM: %s printed nothing on its console within %llu s; run --kernel uses TCG",
			mod ? " (" : "", mod ? mod : "", mod ? ")" : "", image,
			(unsigned long long)(limit / USEC_PER_SEC));
	}
	spawn_result_release(&r);
}

static void probe_kvm(struct lab_cap *cap)
{
#ifdef PROBE_KVM_X86
	struct kvm_report rep = { 0 };
	int p[2], status = 0;
	uint64_t deadline;
	const char *mod;
	ssize_t got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		cap_set(cap, false, "cannot create a pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0) {
		cap_set(cap, false, "cannot fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		kvm_run_guest(&rep);
		if (write(p[1], &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	deadline = mtime_now_us() + KVM_TIMEOUT_US;
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		uint64_t now = mtime_now_us();
		int pr;

		if (now >= deadline)
			break;
		pr = poll(&pfd, 1, (int)((deadline - now) / USEC_PER_MSEC) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr > 0)
			got = read(p[0], &rep, sizeof(rep));
		break;
	}
	close(p[0]);
	if (got != (ssize_t)sizeof(rep))
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	mod = kvm_module();
	if (got != (ssize_t)sizeof(rep))
		cap_set(cap, false, "the test guest did not halt within %llu s",
			(unsigned long long)(KVM_TIMEOUT_US / USEC_PER_SEC));
	else if (!rep.ok)
		cap_set(cap, false, "%s", rep.why);
	else
		probe_kvm_linux(cap, mod);
#else
	cap_set(cap, false, "the KVM probe knows only x86 guests");
#endif
}

/* ---- all of them ------------------------------------------------------------- */

static const struct tool_version tool_gnuplot = { { "gnuplot", "--version", NULL }, "gnuplot ",
						  true };
static const struct tool_version tool_qemu = { { "qemu-system-x86_64", "--version", NULL },
					       "QEMU emulator version " };
static const struct tool_version tool_bpftool = { { "bpftool", "--version", NULL },
						  "bpftool v" };

/* Probe cap (one of tool_cap_names) now. */
static void probe_one(enum tool_cap i, struct lab_cap *caps)
{
	char version[128];

	switch (i) {
	case TCAP_IPERF3:
	case TCAP_IPERF3_MPTCP:
		probe_iperf3(&caps[TCAP_IPERF3], &caps[TCAP_IPERF3_MPTCP]);
		break;
	case TCAP_GNUPLOT:
		tool_version(&tool_gnuplot, &caps[i], version, sizeof(version));
		break;
	case TCAP_QEMU:
		tool_version(&tool_qemu, &caps[i], version, sizeof(version));
		break;
	case TCAP_KVM:
		probe_kvm(&caps[i]);
		break;
	case TCAP_BPFTOOL:
		tool_version(&tool_bpftool, &caps[i], version, sizeof(version));
		break;
	default:
		break;
	}
}

static int probe_tools_with(struct lab_cap **caps_out, unsigned *n_out, bool all, struct diag *d)
{
	struct lab_cap *caps = calloc(TCAP_COUNT, sizeof(*caps));

	*caps_out = NULL;
	*n_out = 0;
	if (!caps)
		return diag_set(d, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < TCAP_COUNT; i++)
		snprintf(caps[i].name, sizeof(caps[i].name), "%s", tool_cap_names[i]);
	probe_one(TCAP_IPERF3, caps);
	probe_one(TCAP_BPFTOOL, caps);
	for (enum tool_cap i = TCAP_GNUPLOT; i <= TCAP_KVM; i++) {
		if (all)
			probe_one(i, caps);
		else
			cap_set(&caps[i], false, "%s", PROBE_TOOLS_DEFERRED);
	}
	*caps_out = caps;
	*n_out = TCAP_COUNT;
	return 0;
}

int probe_tools(struct lab_cap **caps_out, unsigned *n_out, struct diag *d)
{
	return probe_tools_with(caps_out, n_out, true, d);
}

int probe_tools_for_runs(struct lab_cap **caps_out, unsigned *n_out, struct diag *d)
{
	return probe_tools_with(caps_out, n_out, false, d);
}

void probe_tools_resolve(struct lab_cap *cap)
{
	if (!cap || strcmp(cap->detail, PROBE_TOOLS_DEFERRED))
		return;
	for (enum tool_cap i = TCAP_GNUPLOT; i <= TCAP_KVM; i++) {
		if (!strcmp(cap->name, tool_cap_names[i])) {
			struct lab_cap caps[TCAP_COUNT] = { 0 };

			caps[i] = *cap;
			probe_one(i, caps);
			*cap = caps[i];
			return;
		}
	}
}
