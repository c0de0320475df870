/*
 * mpl-guest-init.c: the first process of an mptcp-lab VM guest, and the
 * guest kernel's modprobe helper (see guest_proto.h for the contract).
 *
 * As pid 1 in the initramfs it mounts /dev, /proc and /sys, loads the
 * modules of /modules/order, mounts the host root (9p, read-only) at
 * /newroot with the usual API filesystems inside and the scratch share
 * (9p, read-write) at GUEST_SCRATCH_DIR, chroots there, runs the command
 * the host wrote into the scratch share with its output going back there,
 * reaps every process until the command ends, writes the status file and
 * powers the VM off. Every failure is printed as GUEST_MARK_ERROR and ends
 * the VM too: it never hangs and never returns from main (pid 1 exiting
 * panics the kernel).
 *
 * It also installs itself (mpl.init=PATH, its own path inside the host
 * root) as /proc/sys/kernel/modprobe (unless the kernel has no module
 * support: CONFIG_MODULES=n, as in the lab's own kernels). The kernel runs it as
 * `PATH -q -- MODULE` to autoload a module (netem, veth, ...); with
 * mpl.modroot=DIR on the kernel command line it execs the host's kmod
 * modprobe with `-d DIR`, so the modules come from the guest kernel's
 * tree; without, it refuses (the host's /lib/modules is not the guest's).
 * The chroot happens in pid 1 itself on purpose: pid 1 shares its fs_struct
 * with kthreadd, so the usermode helper sees the same root.
 *
 * Plain libc, linked statically: it runs before any shared library is
 * reachable. It does not configure networking, nor parse what the command
 * prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_proto.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

#define NEWROOT "/newroot"
#define GUEST_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define NINEP_OPTS "trans=virtio,version=9p2000.L,msize=512000"
#define FILE_MAX_BYTES (1 << 20)

/* Where the scratch share is mounted ("" before), for the status file. */
static char scratch[300];

static double boot_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One console line, in one write() so lines of the kernel and ours do not
 * interleave mid-line. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDOUT_FILENO, line, (size_t)n) < 0)
		return;
}

/* Write text to dir/name and make it durable; 0 or -errno. */
static int write_status(const char *text)
{
	char path[sizeof(scratch) + 16];
	int fd, r = 0;

	if (!scratch[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/" GUEST_FILE_STATUS, scratch);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0 || fsync(fd) < 0)
		r = -errno;
	close(fd);
	/* 9p may not implement fsync on a directory; the file's own fsync
	 * is what the host needs. */
	fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return r;
}

static void __attribute__((noreturn)) power_off(void)
{
	sync();
	if (scratch[0])
		umount2(scratch, MNT_DETACH);
	/* A reset, not a power-off: the host runs qemu with -no-reboot, so
	 * a reset ends it on every machine, while a power-off without a
	 * power-off driver (no ACPI) only halts the CPU and qemu would stay.
	 * Were both to fail, exiting panics, and panic=-1 resets too. */
	reboot(RB_AUTOBOOT);
	_exit(1);
}

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	char msg[1024], status[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say(GUEST_MARK_ERROR " %s", msg);
	snprintf(status, sizeof(status), "error %s", msg);
	write_status(status);
	power_off();
}

/* The whole file, NUL-terminated (*len without it); NULL with errno. */
static char *read_file(const char *path, size_t *len)
{
	char *buf = malloc(FILE_MAX_BYTES + 1);
	size_t n = 0;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t got = read(fd, buf + n, FILE_MAX_BYTES - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || (n += (size_t)got) == FILE_MAX_BYTES)
			break;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The value of the kernel parameter key ("mpl.x=") in /proc/cmdline, in
 * out (empty if absent). A value may be in double quotes. */
static void cmdline_get(const char *key, char *out, size_t size)
{
	char *cmd = read_file("/proc/cmdline", NULL);
	size_t klen = strlen(key);

	out[0] = '\0';
	for (char *p = cmd; p && *p;) {
		char *end;

		p += strspn(p, " \t\n");
		if (!strncmp(p, key, klen)) {
			p += klen;
			if (*p == '"')
				end = strchr(++p, '"');
			else
				end = p + strcspn(p, " \t\n");
			if (!end)
				end = p + strlen(p);
			snprintf(out, size, "%.*s", (int)(end - p), p);
			break;
		}
		/* Skip the word, quotes included. */
		for (bool q = false; *p && (q || !strchr(" \t\n", *p)); p++)
			if (*p == '"')
				q = !q;
	}
	free(cmd);
}

/* As the kernel's modprobe helper: the host's modprobe on the guest
 * kernel's module tree. Returns only when exec failed. */
static int modprobe_helper(int argc, char **argv)
{
	static const char *const progs[] = { "/usr/sbin/modprobe", "/sbin/modprobe" };
	static char arg0[] = "modprobe", opt_d[] = "-d";
	char modroot[512];
	char **args = calloc((size_t)argc + 3, sizeof(*args));
	int n = 0;

	if (!args)
		return 1;
	cmdline_get(GUEST_PARAM_MODROOT, modroot, sizeof(modroot));
	if (!modroot[0]) {
		/* The host's /lib/modules is for the host's kernel (or, in a
		 * bisection, for another commit's build of the same release):
		 * loading from it would be wrong, so nothing is loaded. */
		fprintf(stderr, "mpl-guest-init: no modules for this kernel ('%s' must be built in, or pass --modules)\n",
			argv[argc - 1]);
		free(args);
		return 1;
	}
	args[n++] = arg0;
	args[n++] = opt_d;
	args[n++] = modroot;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		execv(progs[i], args);
	fprintf(stderr, "mpl-guest-init: cannot run modprobe for '%s': %s\n", argv[argc - 1],
		strerror(errno));
	return 1;
}

static void mount_or_fail(const char *src, const char *dst, const char *type,
			  unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		fail("cannot mount %s on '%s': %s", type, dst, strerror(errno));
}

static void load_modules(void)
{
	char *order = read_file("/modules/order", NULL);

	if (!order)
		return; /* everything needed is built in */
	for (char *name = strtok(order, "\n"); name; name = strtok(NULL, "\n")) {
		char path[512];
		size_t len = strlen(name);
		int flags = 0, fd;

		if ((len > 3 && (!strcmp(name + len - 3, ".xz") || !strcmp(name + len - 3, ".gz"))) ||
		    (len > 4 && !strcmp(name + len - 4, ".zst")))
			flags = MODULE_INIT_COMPRESSED_FILE;
		snprintf(path, sizeof(path), "/modules/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("cannot open the module '%s': %s", path, strerror(errno));
		if (syscall(SYS_finit_module, fd, "", flags) < 0 && errno != EEXIST)
			fail("cannot load the module '%s': %s (%s)", name, strerror(errno),
			     flags && (errno == EINVAL || errno == EOPNOTSUPP) ?
				     "this kernel cannot load compressed modules itself (CONFIG_MODULE_DECOMPRESS): install them uncompressed" :
			     errno == ENOEXEC || errno == EINVAL ?
				     "built for another kernel? --modules must match the image" :
				     "see the kernel's messages above");
		close(fd);
	}
	free(order);
}

/* 9p share tag at dst, with the cache mode ("loose" for the read-only
 * root; "mmap" for the scratch share: SQLite's WAL index is a shared
 * mapping, which 9p without a cache refuses, and mmap mode still writes
 * through). The device may still be probing right after the module
 * loads: "no channels" is ENOENT, retried for up to 5 s. */
static void mount_9p(const char *tag, const char *dst, unsigned long flags, const char *cache)
{
	char opts[128];
	int err = 0;

	for (int i = 0; i < 100; i++) {
		if (cache)
			snprintf(opts, sizeof(opts), "%s,cache=%s", NINEP_OPTS, cache);
		else
			snprintf(opts, sizeof(opts), "%s", NINEP_OPTS);
		if (!mount(tag, dst, "9p", flags, opts))
			return;
		err = errno;
		if (err == ENOENT) {
			usleep(50 * 1000);
			continue;
		}
		/* The cache= grammar changed over the years; caching is an
		 * optimisation, so try without it once. */
		if (!cache)
			break;
		cache = NULL;
	}
	if (err == ENODEV)
		fail("cannot mount the 9p share '%s' on '%s': %s (the kernel has no 9p over virtio: build CONFIG_NET_9P_VIRTIO and CONFIG_9P_FS in, or pass --modules)",
		     tag, dst, strerror(err));
	if (err == ENOENT)
		fail("cannot mount the 9p share '%s' on '%s': %s (no virtio device with that tag: is virtio-pci built in or among the modules?)",
		     tag, dst, strerror(err));
	fail("cannot mount the 9p share '%s' on '%s': %s", tag, dst, strerror(err));
}

static void mount_newroot(void)
{
	static const struct {
		const char *dir, *type, *data;
	} api[] = {
		{ "/proc", "proc", NULL },	      { "/sys", "sysfs", NULL },
		{ "/dev", "devtmpfs", NULL },	      { "/dev/pts", "devpts", "ptmxmode=0666" },
		{ "/dev/shm", "tmpfs", "mode=1777" }, { "/run", "tmpfs", "mode=0755" },
	};
	char dst[300];

	mount_9p(GUEST_TAG_ROOT, NEWROOT, MS_RDONLY, "loose");
	for (size_t i = 0; i < sizeof(api) / sizeof(api[0]); i++) {
		snprintf(dst, sizeof(dst), NEWROOT "%s", api[i].dir);
		/* pts and shm live in the fresh devtmpfs. */
		if (mkdir(dst, 0755) < 0 && errno != EEXIST)
			fail("cannot create '%s': %s", dst, strerror(errno));
		mount_or_fail(api[i].type, dst, api[i].type, MS_NOSUID, api[i].data);
	}
	/* The host's /tmp stays visible (read-only, like the rest: scenarios
	 * and working directories may live there); temporary files go to a
	 * directory of the guest's /run, named by TMPDIR. */
	snprintf(dst, sizeof(dst), NEWROOT "%s", GUEST_TMP_DIR);
	if ((mkdir(dst, 01777) < 0 && errno != EEXIST) || chmod(dst, 01777) < 0)
		fail("cannot create '%s': %s", dst, strerror(errno));
	snprintf(dst, sizeof(dst), NEWROOT "%s", GUEST_SCRATCH_DIR);
	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		fail("cannot create '%s': %s", dst, strerror(errno));
	mount_9p(GUEST_TAG_SCRATCH, dst, 0, "mmap");
	snprintf(scratch, sizeof(scratch), "%s", dst);
	/* Useful, not needed: the lab probes for what it uses. */
	mount("cgroup2", NEWROOT "/sys/fs/cgroup", "cgroup2", 0, NULL);
	mount("bpf", NEWROOT "/sys/fs/bpf", "bpf", 0, NULL);
}

/* The guest runs on the host's hardware: it takes the host's name (from
 * the shared root), so its runs group with the host's and the boot mode
 * tells them apart. Best effort: a nameless guest still measures. */
static void take_host_name(void)
{
	char *name = read_file(NEWROOT "/etc/hostname", NULL);

	if (!name)
		return;
	name[strcspn(name, " \t\r\n")] = '\0';
	if (*name && sethostname(name, strlen(name)) < 0)
		say("mpl-guest-init: warning: cannot set the host name '%s': %s", name, strerror(errno));
	free(name);
}

/* Always, with or without a module root: without one the helper refuses,
 * rather than the kernel running the host's modprobe on the host's tree.
 * A kernel without module support has no helper to install. */
static void install_modprobe_helper(void)
{
	char init[512], inside[600];
	int fd;

	cmdline_get(GUEST_PARAM_INIT, init, sizeof(init));
	if (init[0] != '/')
		fail("the kernel command line needs '" GUEST_PARAM_INIT "<absolute path>' (the modprobe helper)");
	snprintf(inside, sizeof(inside), NEWROOT "%s", init);
	if (access(inside, X_OK) < 0)
		fail("cannot use '%s' as the modprobe helper: %s", init, strerror(errno));
	fd = open("/proc/sys/kernel/modprobe", O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		char modroot[8];

		/* CONFIG_MODULES=n (a lab kernel: everything built in): there
		 * is nothing to load, so no helper to install; what the lab
		 * needs is built in or missing, and `check` and the runs say
		 * which. Modules given with --modules could never be loaded. */
		cmdline_get(GUEST_PARAM_MODROOT, modroot, sizeof(modroot));
		if (modroot[0])
			fail("this kernel cannot load modules (CONFIG_MODULES is not set): drop --modules");
		say("mpl-guest-init: no module support in this kernel (CONFIG_MODULES=n): everything must be built in");
		return;
	}
	if (fd < 0 || write(fd, init, strlen(init)) < 0)
		fail("cannot set /proc/sys/kernel/modprobe: %s", strerror(errno));
	close(fd);
}

/* NUL-separated strings of the file, appended to list (size max). */
static size_t split_nul(char *buf, size_t len, char **list, size_t n, size_t max)
{
	for (size_t off = 0; off < len && n < max; off += strlen(buf + off) + 1)
		if (buf[off])
			list[n++] = buf + off;
	return n;
}

static bool env_has(char **env, size_t n, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < n; i++)
		if (!strncmp(env[i], key, klen) && env[i][klen] == '=')
			return true;
	return false;
}

/* Start the command; returns its pid. */
static pid_t start_command(void)
{
	static char *argv[1024], *env[1024 + 8];
	static char accel[64], accel_var[80], cwd_path[PATH_MAX];
	static char mpl_guest_var[] = "MPL_GUEST=1", path_var[] = "PATH=" GUEST_PATH,
		    home_var[] = "HOME=" GUEST_TMP_DIR, tmpdir_var[] = "TMPDIR=" GUEST_TMP_DIR;
	char path[300], *args, *envs, *cwd;
	size_t len, n_env = 0;
	int report[2], err = 0;
	pid_t pid;

	cmdline_get(GUEST_PARAM_ACCEL, accel, sizeof(accel));
	snprintf(path, sizeof(path), GUEST_SCRATCH_DIR "/" GUEST_FILE_CWD);
	cwd = read_file(path, NULL);
	if (!cwd)
		fail("cannot read '%s': %s (the host writes it before boot)", path, strerror(errno));
	cwd[strcspn(cwd, "\n")] = '\0';
	snprintf(cwd_path, sizeof(cwd_path), "%s", cwd);
	if (chdir(cwd_path) < 0)
		fail("cannot enter the working directory '%s': %s", cwd_path, strerror(errno));
	snprintf(path, sizeof(path), GUEST_SCRATCH_DIR "/" GUEST_FILE_ARGV);
	args = read_file(path, &len);
	if (!args)
		fail("cannot read '%s': %s (the host writes it before boot)", path, strerror(errno));
	if (!split_nul(args, len, argv, 0, 1023) || argv[0][0] != '/')
		fail("'%s' holds no command with an absolute path", path);
	snprintf(path, sizeof(path), GUEST_SCRATCH_DIR "/" GUEST_FILE_ENV);
	envs = read_file(path, &len);
	if (envs) {
		char *kept[1024];
		size_t n = split_nul(envs, len, kept, 0, 1024);

		/* The file's PATH and HOME win; MPL_GUEST and the accel are ours. */
		for (size_t i = 0; i < n; i++)
			if (strncmp(kept[i], "MPL_GUEST=", 10) &&
			    strncmp(kept[i], GUEST_ENV_ACCEL "=", strlen(GUEST_ENV_ACCEL) + 1))
				env[n_env++] = kept[i];
	}
	env[n_env++] = mpl_guest_var;
	if (accel[0]) {
		snprintf(accel_var, sizeof(accel_var), GUEST_ENV_ACCEL "=%s", accel);
		env[n_env++] = accel_var;
	}
	if (!env_has(env, n_env, "PATH"))
		env[n_env++] = path_var;
	if (!env_has(env, n_env, "HOME"))
		env[n_env++] = home_var;
	if (!env_has(env, n_env, "TMPDIR"))
		env[n_env++] = tmpdir_var;
	env[n_env] = NULL;

	/* exec's errno comes back through a close-on-exec pipe. */
	if (pipe2(report, O_CLOEXEC) < 0)
		fail("cannot create a pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("cannot fork: %s", strerror(errno));
	if (pid == 0) {
		static const struct {
			const char *path;
			int flags, fd;
		} io[] = {
			{ "/dev/null", O_RDONLY, STDIN_FILENO },
			/* O_DSYNC: where 9p goes through netfs (6.12, not
			 * 6.1), the scratch share's cache=mmap keeps plain
			 * writes in the page cache until writeback (30 s,
			 * dirty_expire_centisecs) or close, so the host would
			 * learn of each finished run only then. Write-through,
			 * each line reaches the host when the run is stored. */
			{ GUEST_SCRATCH_DIR "/" GUEST_FILE_STDOUT,
			  O_WRONLY | O_CREAT | O_TRUNC | O_DSYNC, STDOUT_FILENO },
			{ GUEST_SCRATCH_DIR "/" GUEST_FILE_STDERR,
			  O_WRONLY | O_CREAT | O_TRUNC | O_DSYNC, STDERR_FILENO },
		};

		setsid();
		for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++) {
			int fd = open(io[i].path, io[i].flags, 0644);

			if (fd < 0 || dup2(fd, io[i].fd) < 0)
				goto child_fail;
			if (fd != io[i].fd)
				close(fd);
		}
		execve(argv[0], argv, env);
child_fail:
		err = errno;
		if (write(report[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(report[1]);
	if (read(report[0], &err, sizeof(err)) == (ssize_t)sizeof(err)) {
		waitpid(pid, NULL, 0);
		fail("cannot run '%s': %s", argv[0], strerror(err));
	}
	close(report[0]);
	say(GUEST_MARK_RUNNING " t=%.3f argv0=%s", boot_s(), argv[0]);
	return pid;
}

int main(int argc, char **argv)
{
	char status[64];
	struct utsname u;
	pid_t cmd, pid;
	int ws = 0;

	if (getpid() != 1) {
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "--"))
				return modprobe_helper(argc, argv);
		fprintf(stderr, "mpl-guest-init: the first process of an mptcp-lab VM guest (or its modprobe helper: ARGS -- MODULE); nothing to do here\n");
		return 64;
	}
	mount_or_fail("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL);
	mount_or_fail("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_fail("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	uname(&u);
	say(GUEST_MARK_STARTED " t=%.3f kernel=%s", boot_s(), u.release);

	load_modules();
	mount_newroot();
	install_modprobe_helper();
	take_host_name();
	if (chroot(NEWROOT) < 0 || chdir("/") < 0)
		fail("cannot enter the host root: %s", strerror(errno));
	snprintf(scratch, sizeof(scratch), "%s", GUEST_SCRATCH_DIR);

	cmd = start_command();
	/* Init reaps every orphan, until the command itself ends. */
	while ((pid = wait(&ws)) != cmd)
		if (pid < 0 && errno != EINTR)
			fail("cannot wait for the command: %s", strerror(errno));
	if (WIFSIGNALED(ws))
		snprintf(status, sizeof(status), "signal %d", WTERMSIG(ws));
	else
		snprintf(status, sizeof(status), "exit %d", WEXITSTATUS(ws));

	/* Whatever the command left running must not write after the status
	 * file says it is over. */
	kill(-1, SIGKILL);
	/* Bounded: a process stuck in D state on 9p must not hold the VM. */
	for (double end = boot_s() + 2; boot_s() < end;) {
		pid = waitpid(-1, NULL, WNOHANG);
		if (pid < 0 && errno == ECHILD)
			break;
		if (pid <= 0)
			usleep(10 * 1000);
	}
	ws = write_status(status);
	if (ws < 0)
		say(GUEST_MARK_ERROR " cannot write the status file: %s", strerror(-ws));
	say(GUEST_MARK_DONE " t=%.3f status=%s", boot_s(), status);
	power_off();
}
