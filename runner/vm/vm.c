/*
 * vm.c: boot a kernel in qemu and run one command in it (see vm.h).
 *
 * Layout of the scratch directory (host side):
 *   <scratch>/console.log   the guest's serial console (qemu -serial file:)
 *   <scratch>/initrd.img    our initramfs, after the user's --initrd if any
 *   <scratch>/share/        the 9p share GUEST_TAG_SCRATCH: argv, env, cwd in;
 *                           stdout, stderr, status and the command's files out
 * Only share/ is visible to the guest (besides the read-only host root).
 *
 * Boot failures are told apart from command failures by the init's console
 * markers: no GUEST_MARK_STARTED means the kernel, its modules or the
 * accelerator failed; the console's last lines say which.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest_proto.h"
#include "initramfs.h"
#include "kimage.h"
#include "mtime.h"
#include "spawn.h"
#include "vm.h"

#define VM_POLL_MS 100
#define VM_TAIL_LINES 25
/* Until the guest init starts, under either accelerator (a debug kernel
 * under TCG is slow). */
#define VM_BOOT_TIMEOUT_US (180 * USEC_PER_SEC)
/* A kernel under KVM prints its banner within a second or two: a console
 * still empty after this means KVM does not run this guest at all (some
 * nested or PVM hosts open /dev/kvm and never run a Linux guest). */
#define VM_KVM_SILENT_US (15 * USEC_PER_SEC)
/* After the init said it is done, the reset should end qemu at once. */
#define VM_DONE_GRACE_US (10 * USEC_PER_SEC)

int vm_accel_parse(const char *s, enum vm_accel *out)
{
	if (!strcmp(s, "auto"))
		*out = VM_ACCEL_AUTO;
	else if (!strcmp(s, "kvm"))
		*out = VM_ACCEL_KVM;
	else if (!strcmp(s, "tcg"))
		*out = VM_ACCEL_TCG;
	else
		return -EINVAL;
	return 0;
}

const char *vm_accel_name(enum vm_accel a)
{
	switch (a) {
	case VM_ACCEL_KVM:
		return "kvm";
	case VM_ACCEL_TCG:
		return "tcg";
	default:
		return "auto";
	}
}

/* ---- files ------------------------------------------------------------------ */

static int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = data;
	int r = 0;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

/* NUL-terminated strings, one after the other. */
static int write_strings(const char *path, const char *const *v)
{
	size_t len = 0, off = 0;
	char *buf;
	int r;

	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; v && v[i]; i++) {
		size_t n = strlen(v[i]) + 1;

		memcpy(buf + off, v[i], n);
		off += n;
	}
	r = write_file(path, buf, len);
	free(buf);
	return r;
}

/* Append the file at src to the open fd. */
static int append_file(int fd, const char *src)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int r = 0;

	if (in < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				r = w < 0 ? -errno : -EIO;
				goto out;
			}
			off += w;
		}
	}
out:
	close(in);
	return r;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void vm_scratch_remove(struct vm_result *r)
{
	if (!r || !r->scratch[0])
		return;
	nftw(r->scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	r->scratch[0] = '\0';
}

/* The last n lines of a file, for error messages ("" if unreadable). */
static void tail_lines(const char *path, unsigned n, char *out, size_t size)
{
	char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t len;
	const char *start;

	out[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > (off_t)sizeof(buf) - 1)
		lseek(fd, end - (off_t)sizeof(buf) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	start = buf + len;
	for (unsigned lines = 0; start > buf; start--)
		if (start[-1] == '\n' && ++lines == n)
			break;
	for (size_t o = 0; *start && o + 1 < size; start++)
		if (*start != '\r') {
			out[o++] = *start;
			out[o] = '\0';
		}
}

/* ---- what to boot ------------------------------------------------------------ */

/* mpl-guest-init next to this binary (a build tree), else installed. */
static int find_guest_init(char *out, size_t size, struct diag *d)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (xsnprintf(out, size, "%s/mpl-guest-init", self) == 0 &&
			    access(out, X_OK) == 0)
				return 0;
		}
	}
	if (xsnprintf(out, size, "%s/mpl-guest-init", MPL_LIBEXECDIR) == 0 && access(out, X_OK) == 0)
		return 0;
	return diag_set(d, -EOPNOTSUPP,
			"cannot find the guest init 'mpl-guest-init' next to this binary or in '%s'",
			MPL_LIBEXECDIR);
}

/*
 * The modules directory and its root (what kmod's -d takes). Given, it
 * must be <root>/lib/modules/<release> for the image's release; not given,
 * `kernel fetch`'s layout <root>/boot/vmlinuz-<release> is tried.
 */
static int resolve_modules(const struct vm_opts *o, const char *release, char *dir,
			   size_t dir_size, char *root, size_t root_size, struct diag *d)
{
	char suffix[200], guess[PATH_MAX], *slash;
	struct stat st;
	size_t len, slen;

	dir[0] = root[0] = '\0';
	if (xsnprintf(suffix, sizeof(suffix), "/lib/modules/%s", release) < 0)
		return diag_set(d, -EINVAL, "kernel release '%s' is too long", release);
	if (!o->modules_dir) {
		if (xsnprintf(guess, sizeof(guess), "%s", o->image) < 0)
			return 0;
		slash = strrchr(guess, '/');
		if (!slash)
			return 0;
		*slash = '\0';
		slash = strrchr(guess, '/');
		if (!slash || strcmp(slash, "/boot"))
			return 0;
		*slash = '\0';
		if (xsnprintf(dir, dir_size, "%s%s", guess, suffix) < 0 || stat(dir, &st) < 0 ||
		    !S_ISDIR(st.st_mode)) {
			dir[0] = '\0';
			return 0;
		}
	} else {
		char real[PATH_MAX];

		if (!realpath(o->modules_dir, real))
			return diag_set(d, -errno, "cannot use modules directory '%s': %m",
					o->modules_dir);
		if (xsnprintf(dir, dir_size, "%s", real) < 0)
			return diag_set(d, -ENAMETOOLONG, "modules directory '%s' is too long", real);
	}
	len = strlen(dir);
	slen = strlen(suffix);
	if (len <= slen || strcmp(dir + len - slen, suffix))
		return diag_set(d, -EINVAL,
				"modules directory '%s' is not <root>%s: the modules must be for the image's release '%s' (as 'make modules_install INSTALL_MOD_PATH=<root>' or 'mptcp-lab kernel fetch' lay them out)",
				dir, suffix, release);
	if (xsnprintf(root, root_size, "%.*s", (int)(len - slen), dir) < 0)
		return diag_set(d, -ENAMETOOLONG, "modules directory '%s' is too long", dir);
	if (!root[0] || strpbrk(root, " \t\"") || strpbrk(dir, " \t\""))
		return diag_set(d, -EINVAL,
				"modules directory '%s' must be absolute and free of spaces and quotes (it goes on the kernel command line)",
				dir);
	return 0;
}

/* Our initramfs, after the user's: the kernel unpacks both, ours last, so
 * our /init is the one that runs. */
static int build_initrd(const struct vm_opts *o, const char *init, const char *modules_dir,
			const char *path, struct diag *d)
{
	char ours[PATH_MAX + 16], **mods = NULL;
	size_t n_mods = 0;
	int fd, r;

	if (modules_dir) {
		r = initramfs_modules(modules_dir, &mods, &n_mods, d);
		if (r < 0)
			return r;
	}
	if (!o->initrd) {
		r = initramfs_write(path, init, mods, n_mods, d);
		initramfs_modules_release(mods, n_mods);
		return r;
	}
	if (xsnprintf(ours, sizeof(ours), "%s.ours", path) < 0) {
		initramfs_modules_release(mods, n_mods);
		return diag_set(d, -ENAMETOOLONG, "path '%s' is too long", path);
	}
	r = initramfs_write(ours, init, mods, n_mods, d);
	initramfs_modules_release(mods, n_mods);
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = diag_set(d, -errno, "cannot create '%s': %m", path);
		goto out;
	}
	r = append_file(fd, o->initrd);
	if (r < 0) {
		diag_set(d, r, "cannot read initramfs '%s': %s", o->initrd, strerror(-r));
	} else {
		/* newc archives start on a 4-byte boundary */
		off_t end = lseek(fd, 0, SEEK_END);
		static const char zeros[4];

		if (end > 0 && end % 4 && write(fd, zeros, (size_t)(4 - end % 4)) < 0)
			r = diag_set(d, -errno, "cannot write '%s': %m", path);
		if (!r) {
			r = append_file(fd, ours);
			if (r < 0)
				diag_set(d, r, "cannot write '%s': %s", path, strerror(-r));
		}
	}
	close(fd);
out:
	unlink(ours);
	return r;
}

/* ---- one boot ------------------------------------------------------------------ */

/* Bytes of a growing file not yet seen. */
struct follow {
	char path[PATH_MAX + 32];
	off_t off;
	char line[1024]; /* the console's partial line */
	size_t line_len;
};

static size_t follow_read(struct follow *f, char *buf, size_t size)
{
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, buf, size, f->off);
	close(fd);
	if (n <= 0)
		return 0;
	f->off += n;
	return (size_t)n;
}

/* Copy what the command wrote since the last call; true if anything. */
static bool relay(struct follow *f, FILE *to)
{
	char buf[16384];
	bool any = false;
	size_t n;

	while ((n = follow_read(f, buf, sizeof(buf))) > 0) {
		any = true;
		if (to) {
			fwrite(buf, 1, n, to);
			fflush(to);
		}
	}
	return any;
}

enum boot_state { BOOT_WAITING, BOOT_STARTED, BOOT_RUNNING, BOOT_DONE };

struct boot {
	struct follow console, out, err;
	enum boot_state state;
	char error[512]; /* the init's GUEST_MARK_ERROR text */
	uint64_t t0_us, started_us, running_us, first_out_us, done_us;
	bool console_any; /* the kernel printed something */
	int64_t kernel_start_us; /* see vm_result; -1 until a marker's t= is seen */
};

/* A marker seen at seen_us (since qemu started) says its guest time t=:
 * the guest's clock 0 was at most seen_us - t (the host sees a line after
 * it was written), so the smallest such difference is the best bound. */
static void marker_time(struct boot *b, const char *line, uint64_t seen_us)
{
	const char *t = strstr(line, " t=");
	double s;
	int64_t start;

	if (!t || sscanf(t + 3, "%lf", &s) != 1 || s < 0)
		return;
	start = (int64_t)seen_us - (int64_t)(s * 1e6);
	if (b->kernel_start_us < 0 || start < b->kernel_start_us)
		b->kernel_start_us = start;
}

static void console_line(struct boot *b, const char *line, const struct vm_opts *o)
{
	const char *m;

	if (o->verbose && o->relay_err)
		fprintf(o->relay_err, "guest: %s\n", line);
	if ((m = strstr(line, GUEST_MARK_ERROR))) {
		snprintf(b->error, sizeof(b->error), "%s", m + strlen(GUEST_MARK_ERROR) + 1);
	} else if (strstr(line, GUEST_MARK_STARTED) && b->state < BOOT_STARTED) {
		b->state = BOOT_STARTED;
		b->started_us = mtime_now_us() - b->t0_us;
		marker_time(b, line, b->started_us);
	} else if (strstr(line, GUEST_MARK_RUNNING) && b->state < BOOT_RUNNING) {
		b->state = BOOT_RUNNING;
		b->running_us = mtime_now_us() - b->t0_us;
		marker_time(b, line, b->running_us);
	} else if (strstr(line, GUEST_MARK_DONE) && b->state < BOOT_DONE) {
		b->state = BOOT_DONE;
		b->done_us = mtime_now_us() - b->t0_us;
		marker_time(b, line, b->done_us);
	}
}

static void console_scan(struct boot *b, const struct vm_opts *o)
{
	char buf[8192];
	size_t n;

	while ((n = follow_read(&b->console, buf, sizeof(buf))) > 0) {
		b->console_any = true;
		for (size_t i = 0; i < n; i++) {
			struct follow *c = &b->console;

			if (buf[i] == '\r')
				continue;
			if (buf[i] != '\n' && c->line_len + 1 < sizeof(c->line)) {
				c->line[c->line_len++] = buf[i];
				continue;
			}
			c->line[c->line_len] = '\0';
			console_line(b, c->line, o);
			c->line_len = 0;
		}
	}
}

struct boot_args {
	const struct vm_opts *o;
	const char *initrd, *append_fmt_init, *modroot, *share, *scratch;
	char console[PATH_MAX + 32];
};

/* Wake up when qemu writes the console or the guest writes into the share
 * (inotify on both directories), or after VM_POLL_MS; then look at qemu.
 * Without inotify, every VM_POLL_MS. True once qemu has exited. */
static bool wait_step(int ifd, struct spawn_proc *p)
{
	struct pollfd pfd = { .fd = ifd, .events = POLLIN };
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	if (ifd < 0)
		return spawn_poll(p, VM_POLL_MS);
	if (poll(&pfd, 1, VM_POLL_MS) > 0)
		while (read(ifd, buf, sizeof(buf)) > 0)
			;
	return spawn_poll(p, 0);
}

/* boot_once() after qemu started: follow the console and the command's
 * output until qemu exits, the guest is stopped, or it fails. */
static int boot_follow(const struct boot_args *a, enum vm_accel accel, struct boot *b, int ifd,
		       struct spawn_proc *p, struct vm_result *res, struct diag *d)
{
	const struct vm_opts *o = a->o;
	uint64_t boot_timeout_us = o->boot_timeout_us ? o->boot_timeout_us : VM_BOOT_TIMEOUT_US;
	struct spawn_result sr = { 0 };
	char tail[4096];
	int r;

	for (;;) {
		bool exited = wait_step(ifd, p);
		uint64_t now = mtime_now_us() - b->t0_us;

		console_scan(b, o);
		if (relay(&b->out, o->relay_out) && !b->first_out_us)
			b->first_out_us = now;
		relay(&b->err, o->relay_err);
		if (exited)
			break;
		if (o->cancel && *o->cancel) {
			spawn_kill(p);
			return diag_set(d, -EINTR, "interrupted: the VM was stopped");
		}
		if (accel == VM_ACCEL_KVM && !b->console_any && now > VM_KVM_SILENT_US) {
			spawn_kill(p);
			return diag_set(d, -EAGAIN,
					"the guest printed nothing on its console within %.0f s under KVM",
					(double)VM_KVM_SILENT_US / USEC_PER_SEC);
		}
		if (b->state < BOOT_STARTED && now > boot_timeout_us) {
			spawn_kill(p);
			tail_lines(a->console, VM_TAIL_LINES, tail, sizeof(tail));
			return diag_set(d, -ETIMEDOUT,
					"the guest (%s) did not start its init within %.0f s; console ends with:\n%s",
					vm_accel_name(accel), (double)boot_timeout_us / USEC_PER_SEC,
					tail[0] ? tail : "(nothing)");
		}
		if (b->state == BOOT_DONE && now > b->done_us + VM_DONE_GRACE_US) {
			/* the init wrote the status; the reset did not end qemu */
			spawn_kill(p);
			p = NULL;
			break;
		}
		if (o->timeout_us && now > o->timeout_us) {
			spawn_kill(p);
			return diag_set(d, -ETIMEDOUT, "the guest ran longer than --vm-timeout %.0f s and was stopped",
					(double)o->timeout_us / USEC_PER_SEC);
		}
	}
	if (p)
		spawn_wait(p, NULL, &sr, NULL);
	res->total_us = mtime_now_us() - b->t0_us;
	res->boot_us = b->started_us;
	res->start_us = b->running_us;
	res->first_out_us = b->first_out_us;
	res->kernel_start_us = b->kernel_start_us;
	if (b->state < BOOT_STARTED) {
		char qerr[1024];

		snprintf(qerr, sizeof(qerr), "%s", sr.err ? sr.err : "");
		qerr[strcspn(qerr, "\n")] = '\0';
		tail_lines(a->console, VM_TAIL_LINES, tail, sizeof(tail));
		/* Only a guest that never printed can be the accelerator's
		 * fault; a kernel that printed and stopped failed on its own. */
		r = b->console_any ? -EIO : -EAGAIN;
		if (qerr[0] && !b->console_any)
			diag_set(d, r, "qemu (%s) failed: %s", vm_accel_name(accel), qerr);
		else
			diag_set(d, r, "the guest (%s) stopped before its init started; console ends with:\n%s",
				 vm_accel_name(accel), tail[0] ? tail : "(nothing)");
		spawn_result_release(&sr);
		return r;
	}
	spawn_result_release(&sr);
	if (b->error[0])
		return diag_set(d, -EIO, "the guest init failed: %s", b->error);
	return 0;
}

/*
 * Boot once with accel. 0 when the guest init started and the VM ended
 * (the status file tells how the command did); -EAGAIN when the guest never
 * started (boot failure, accelerator that does not work), with the reason
 * in d; -ETIMEDOUT, -EINTR, or another error.
 */
static int boot_once(const struct boot_args *a, enum vm_accel accel, struct vm_result *res,
		     struct diag *d)
{
	const struct vm_opts *o = a->o;
	char append[PATH_MAX * 2 + 256], mem[16], cpus[16], serial[PATH_MAX + 48];
	static const char root9p[] = "local,path=/,mount_tag=" GUEST_TAG_ROOT
				     ",security_model=none,readonly=on,multidevs=remap";
	char share9p[PATH_MAX + 128];
	const char *argv[40];
	struct spawn_opts so = SPAWN_OPTS_INIT;
	struct spawn_proc *p = NULL;
	struct boot b = { .kernel_start_us = -1 };
	int n = 0, r, ifd;

	unlink(a->console);
	snprintf(b.console.path, sizeof(b.console.path), "%s", a->console);
	snprintf(b.out.path, sizeof(b.out.path), "%s/" GUEST_FILE_STDOUT, a->share);
	snprintf(b.err.path, sizeof(b.err.path), "%s/" GUEST_FILE_STDERR, a->share);

	if (xsnprintf(append, sizeof(append),
		      "console=ttyS0 rdinit=/init panic=-1 oops=panic softlockup_panic=1 loglevel=5 " GUEST_PARAM_ACCEL
		      "%s " GUEST_PARAM_INIT "%s%s%s",
		      vm_accel_name(accel), a->append_fmt_init, a->modroot ? " " GUEST_PARAM_MODROOT : "",
		      a->modroot ? a->modroot : "") < 0 ||
	    xsnprintf(serial, sizeof(serial), "file:%s", a->console) < 0 ||
	    xsnprintf(share9p, sizeof(share9p),
		      "local,path=%s,mount_tag=" GUEST_TAG_SCRATCH ",security_model=none,multidevs=remap",
		      a->share) < 0)
		return diag_set(d, -ENAMETOOLONG, "the VM's paths are too long");
	snprintf(mem, sizeof(mem), "%u", o->memory_mib ? o->memory_mib : 1024);
	snprintf(cpus, sizeof(cpus), "%u", o->cpus ? o->cpus : 2);

	argv[n++] = "qemu-system-x86_64";
	argv[n++] = "-nodefaults";
	argv[n++] = "-no-user-config";
	argv[n++] = "-name";
	argv[n++] = "mptcp-lab-guest";
	argv[n++] = "-accel";
	argv[n++] = accel == VM_ACCEL_KVM ? "kvm" : "tcg,thread=multi";
	argv[n++] = "-cpu";
	argv[n++] = accel == VM_ACCEL_KVM ? "host" : "max";
	argv[n++] = "-smp";
	argv[n++] = cpus;
	argv[n++] = "-m";
	argv[n++] = mem;
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-monitor";
	argv[n++] = "none";
	argv[n++] = "-serial";
	argv[n++] = serial;
	argv[n++] = "-no-reboot";
	argv[n++] = "-kernel";
	argv[n++] = o->image;
	argv[n++] = "-initrd";
	argv[n++] = a->initrd;
	argv[n++] = "-append";
	argv[n++] = append;
	argv[n++] = "-virtfs";
	argv[n++] = root9p;
	argv[n++] = "-virtfs";
	argv[n++] = share9p;
	argv[n] = NULL;

	so.capture_stderr = true;
	so.capture_stdout = true;
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd >= 0 && (inotify_add_watch(ifd, a->scratch, IN_MODIFY | IN_CREATE) < 0 ||
			 inotify_add_watch(ifd, a->share, IN_MODIFY | IN_CREATE) < 0)) {
		close(ifd);
		ifd = -1;
	}
	r = spawn_start(argv, &so, &p, d);
	if (r < 0) {
		if (ifd >= 0)
			close(ifd);
		return r;
	}
	b.t0_us = mtime_now_us();
	res->qemu_start_wall_us = mtime_wall_us();
	r = boot_follow(a, accel, &b, ifd, p, res, d);
	if (ifd >= 0)
		close(ifd);
	return r;
}

/*
 * The image's kernel config, where the two usual layouts keep it: next to
 * it as config-<release> (Debian packages, `kernel fetch`, /boot), or at
 * the top of the kernel tree it was built in (arch/x86/boot/bzImage ->
 * .config three levels up). "" when neither exists.
 */
static void find_config(const char *image, const char *release, char *out, size_t size)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	out[0] = '\0';
	if (!realpath(image, dir))
		return;
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (xsnprintf(out, size, "%s/config-%s", dir, release) == 0 && stat(out, &st) == 0 &&
	    S_ISREG(st.st_mode))
		return;
	for (int up = 0; up < 3 && (slash = strrchr(dir, '/')); up++)
		*slash = '\0';
	if (xsnprintf(out, size, "%s/.config", dir) == 0 && stat(out, &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		char makefile[PATH_MAX + 16];

		snprintf(makefile, sizeof(makefile), "%s/Makefile", dir);
		if (stat(makefile, &st) == 0)
			return;
	}
	out[0] = '\0';
}

static bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The status file: "exit N" or "signal N". */
static int read_status(const char *share, const char *console, struct vm_result *r,
		       struct diag *d)
{
	char path[PATH_MAX + 32], line[600] = "", tail[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" GUEST_FILE_STATUS, share);
	f = fopen(path, "re");
	if (!f) {
		/* the kernel died under the command (an oops, a panic) */
		tail_lines(console, VM_TAIL_LINES, tail, sizeof(tail));
		return diag_set(d, -EIO,
				"the guest ended without reporting the command's status; console ends with:\n%s",
				tail[0] ? tail : "(nothing)");
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "exit %d", &r->exit_code) == 1)
		return 0;
	if (sscanf(line, "signal %d", &r->term_signal) == 1) {
		r->signaled = true;
		return 0;
	}
	if (!strncmp(line, "error ", 6))
		return diag_set(d, -EIO, "the guest init failed: %s", line + 6);
	return diag_set(d, -EIO, "the guest's status file says '%s', expected 'exit N' or 'signal N'",
			line);
}

int vm_run(const struct vm_opts *o, const char *const *argv, const char *const *env,
	   const char *cwd, struct vm_result *r, struct diag *d)
{
	char init[PATH_MAX], modules_dir[PATH_MAX], modroot[PATH_MAX], share[PATH_MAX + 16];
	char path[PATH_MAX + 32], initrd[PATH_MAX + 32];
	const char *tmp = getenv("TMPDIR");
	struct boot_args a = { .o = o };
	enum vm_accel accel = o->accel;
	char *qemu;
	int ret;

	memset(r, 0, sizeof(*r));
	r->kernel_start_us = -1;
	ret = kimage_release(o->image, r->release, sizeof(r->release), d);
	if (ret < 0)
		return ret;
	qemu = spawn_which("qemu-system-x86_64");
	if (!qemu)
		return diag_set(d, -EOPNOTSUPP,
				"qemu-system-x86_64 is not installed (Debian package qemu-system-x86)");
	free(qemu);
	ret = find_guest_init(init, sizeof(init), d);
	if (ret < 0)
		return ret;
	if (strpbrk(init, " \t\""))
		return diag_set(d, -EINVAL, "the guest init's path '%s' has spaces or quotes", init);
	ret = resolve_modules(o, r->release, modules_dir, sizeof(modules_dir), modroot,
			      sizeof(modroot), d);
	if (ret < 0)
		return ret;

	if (xsnprintf(r->scratch, sizeof(r->scratch), "%s/mptcp-lab-vm.XXXXXX",
		      tmp && *tmp ? tmp : "/tmp") < 0 || !mkdtemp(r->scratch)) {
		r->scratch[0] = '\0';
		return diag_set(d, -errno ? -errno : -ENAMETOOLONG,
				"cannot create the VM's scratch directory: %m");
	}
	snprintf(share, sizeof(share), "%s/share", r->scratch);
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", r->scratch);
	if (mkdir(share, 0755) < 0) {
		ret = diag_set(d, -errno, "cannot create '%s': %m", share);
		goto fail;
	}
	ret = build_initrd(o, init, modules_dir[0] ? modules_dir : NULL, initrd, d);
	if (ret < 0)
		goto fail;
	find_config(o->image, r->release, r->config, sizeof(r->config));
	snprintf(path, sizeof(path), "%s/" GUEST_FILE_ARGV, share);
	ret = write_strings(path, argv);
	if (!ret) {
		const char **all = NULL;
		char config_var[sizeof(r->config) + 32];
		size_t n = 0;

		while (env && env[n])
			n++;
		all = calloc(n + 2, sizeof(*all));
		if (!all) {
			ret = -ENOMEM;
		} else {
			if (n)
				memcpy(all, env, n * sizeof(*all));
			if (r->config[0]) {
				snprintf(config_var, sizeof(config_var), GUEST_ENV_CONFIG "=%s", r->config);
				all[n] = config_var;
			}
			snprintf(path, sizeof(path), "%s/" GUEST_FILE_ENV, share);
			ret = write_strings(path, all);
			free(all);
		}
	}
	if (!ret) {
		snprintf(path, sizeof(path), "%s/" GUEST_FILE_CWD, share);
		ret = write_file(path, cwd, strlen(cwd));
	}
	if (ret < 0) {
		diag_set(d, ret, "cannot write the guest's command into '%s': %s", share,
			 strerror(-ret));
		goto fail;
	}
	if (o->prepare_share) {
		ret = o->prepare_share(share, o->prepare_arg, d);
		if (ret < 0)
			goto fail;
	}

	a.initrd = initrd;
	a.append_fmt_init = init;
	a.modroot = modroot[0] ? modroot : NULL;
	a.share = share;
	a.scratch = r->scratch;
	snprintf(a.console, sizeof(a.console), "%s/console.log", r->scratch);

	if (accel == VM_ACCEL_AUTO)
		accel = kvm_usable() ? VM_ACCEL_KVM : VM_ACCEL_TCG;
	ret = boot_once(&a, accel, r, d);
	if (ret == -EAGAIN && accel == VM_ACCEL_KVM && o->accel == VM_ACCEL_AUTO) {
		/* /dev/kvm can open and still not run a guest: try TCG. */
		snprintf(r->kvm_failure, sizeof(r->kvm_failure), "%s", diag_str(d));
		r->kvm_failure[strcspn(r->kvm_failure, "\n")] = '\0';
		diag_clear(d);
		accel = VM_ACCEL_TCG;
		ret = boot_once(&a, accel, r, d);
	}
	r->accel = accel;
	if (ret == -EAGAIN) {
		diag_prefix(d, "cannot boot '%s' (%s)", o->image, r->release);
		ret = -EIO;
	}
	if (ret < 0)
		return ret; /* the scratch stays: its console.log tells more */
	return read_status(share, a.console, r, d);
fail:
	vm_scratch_remove(r);
	return ret;
}
