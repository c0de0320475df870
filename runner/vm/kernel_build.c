/*
 * kernel_build.c: kernel_build() of kernel_build.h.
 *
 * The output directory (make's O=) keeps one tree's build between calls:
 *
 *   OUT/.config              the configuration built; replaced only when a
 *                            new one differs, so make's dependency tracking
 *                            (include/config/, .*.cmd) sees no change when
 *                            there is none
 *   OUT/.config.mpl-base     the base (tinyconfig, defconfig, a file)
 *   OUT/.config.mpl-new      base + fragments, after olddefconfig
 *   OUT/mptcp-lab-build.log  every make of the last build, in order
 *   OUT/arch/x86/boot/bzImage
 *
 * The merge of the fragments is done here (kconfig.c), the rest by the
 * tree's own make, always with KCONFIG_CONFIG naming the file it works on.
 * While make compiles, the log is read as it grows for the progress
 * (objects compiled, the last line).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kconfig.h"
#include "kernel_build.h"
#include "kernel_fetch.h"
#include "kimage.h"
#include "mtime.h"
#include "sha256.h"
#include "spawn.h"

#define KB_POLL_MS 200
#define KB_TAIL_LINES 25
#define KB_SRCARCH "x86"

struct kb {
	const struct kernel_build_opts *o;
	const struct kernel_build_observer *obs;
	struct kernel_built *out;
	struct diag *d;
	uint64_t t0_us;
	char base[PATH_MAX + 32], merged[PATH_MAX + 32];
	char kconfig_env[PATH_MAX + 64];
	char jobs[32];
};

static void say(const struct kb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct kb *b, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (!b->obs || !b->obs->say)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	b->obs->say(b->obs->arg, line);
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

const char *kernel_build_fragment_dir(void)
{
	static const char *const dirs[] = {
#ifdef MPL_SOURCE_DIR
		MPL_SOURCE_DIR "/runner/vm/kconfig",
#endif
#ifdef MPL_DATADIR
		MPL_DATADIR "/kernel",
#endif
	};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char path[PATH_MAX];

		if (dirs[i][0] == '/' &&
		    !xsnprintf(path, sizeof(path), "%s/" KERNEL_BUILD_FRAGMENT, dirs[i]) &&
		    is_file(path))
			return dirs[i];
	}
	return NULL;
}

int kernel_build_default_out(const char *tree, char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char real[PATH_MAX], hex[SHA256_HEX_SIZE], cache[PATH_MAX];
	const char *name;

	if (!realpath(tree, real))
		return -errno;
	if (xdg && xdg[0] == '/')
		snprintf(cache, sizeof(cache), "%s", xdg);
	else if (home && home[0] == '/')
		snprintf(cache, sizeof(cache), "%s/.cache", home);
	else
		return -ENOENT;
	sha256_hex(real, strlen(real), hex);
	name = strrchr(real, '/');
	name = name && name[1] ? name + 1 : "root";
	return xsnprintf(buf, size, "%s/mptcp-lab/kbuild/%s-%.8s", cache, name, hex);
}

bool kernel_build_tree_has_bpf_sched(const char *tree)
{
	char dir[PATH_MAX + 16];
	struct dirent *e;
	bool found = false;
	DIR *dh;

	if (xsnprintf(dir, sizeof(dir), "%s/net/mptcp", tree) < 0 || !(dh = opendir(dir)))
		return false;
	while (!found && (e = readdir(dh))) {
		char path[PATH_MAX * 2], line[4096];
		size_t len = strlen(e->d_name);
		FILE *f;

		if (len < 3 || strcmp(e->d_name + len - 2, ".c"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, "struct bpf_struct_ops bpf_mptcp_sched_ops") != NULL;
		fclose(f);
	}
	closedir(dh);
	return found;
}

/* ---- the log --------------------------------------------------------------------- */

/* Append a line of ours to the log. */
static void log_note(const struct kb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_note(const struct kb *b, const char *fmt, ...)
{
	FILE *f = fopen(b->out->log, "ae");
	va_list ap;

	if (!f)
		return;
	fputs("### mptcp-lab: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* The last n lines of the log from offset from on. */
static void log_tail(const char *path, off_t from, unsigned n, char *out, size_t size)
{
	char buf[16384];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end, start;
	ssize_t len;
	const char *p;

	out[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	start = end - (off_t)sizeof(buf) + 1;
	if (start < from)
		start = from;
	if (start < 0)
		start = 0;
	len = pread(fd, buf, sizeof(buf) - 1, start);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	p = buf + len;
	for (unsigned lines = 0; p > buf; p--)
		if (p[-1] == '\n' && ++lines == n)
			break;
	/* the end matters most: cut the beginning */
	len = (ssize_t)strlen(p);
	if ((size_t)len >= size)
		p += (size_t)len - (size - 1);
	memcpy(out, p, strlen(p) + 1);
}

/* What make printed since the last call: objects compiled, its last line. */
struct log_follow {
	off_t off;
	char partial[512];
	size_t partial_len;
	char last[512];
	unsigned compiled;
};

static void follow_line(struct log_follow *f, const char *line)
{
	if (!strncmp(line, "  CC ", 5) || !strncmp(line, "  AS ", 5))
		f->compiled++;
	/* make's own "Entering directory" lines say nothing of progress */
	if (line[0] && strncmp(line, "### mptcp-lab", 13) && strncmp(line, "make", 4))
		snprintf(f->last, sizeof(f->last), "%s", line);
}

static void follow_read(struct log_follow *f, const char *path)
{
	char buf[16384];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = pread(fd, buf, sizeof(buf), f->off)) > 0) {
		f->off += n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (f->partial_len + 1 < sizeof(f->partial))
					f->partial[f->partial_len++] = buf[i];
				continue;
			}
			f->partial[f->partial_len] = '\0';
			follow_line(f, f->partial);
			f->partial_len = 0;
		}
	}
	close(fd);
}

/* ---- make ----------------------------------------------------------------------- */

/*
 * make -C tree O=out [-j N] target..., output appended to the log, with
 * KCONFIG_CONFIG=config. 0, or -EIO/-ETIMEDOUT/-EINTR/-EOPNOTSUPP with d
 * set and the log's tail in the result. phase/follow: report progress.
 */
static int make(struct kb *b, const char *what, const char *config, bool parallel,
		const char *const *targets, enum kernel_build_phase phase, unsigned *compiled)
{
	const struct kernel_build_opts *o = b->o;
	char dir_arg[PATH_MAX + 8], out_arg[PATH_MAX + 8], secs[32];
	const char *argv[16], *env[2];
	struct spawn_opts so = SPAWN_OPTS_INIT;
	struct spawn_result r = { 0 };
	struct spawn_proc *p = NULL;
	struct log_follow f = { 0 };
	struct stat st;
	uint64_t t0 = mtime_now_us(), last_progress = 0;
	size_t n = 0;
	int ret = 0;

	snprintf(dir_arg, sizeof(dir_arg), "-C%s", b->out->tree);
	snprintf(out_arg, sizeof(out_arg), "O=%s", b->out->out);
	argv[n++] = "make";
	argv[n++] = dir_arg;
	argv[n++] = out_arg;
	if (parallel)
		argv[n++] = b->jobs;
	for (size_t i = 0; targets[i] && n + 1 < ARRAY_SIZE(argv); i++)
		argv[n++] = targets[i];
	argv[n] = NULL;
	snprintf(b->kconfig_env, sizeof(b->kconfig_env), "KCONFIG_CONFIG=%s", config);
	env[0] = b->kconfig_env;
	env[1] = NULL;
	so.env_add = env;
	so.output_file = b->out->log;
	so.nice = o->nice;
	if (o->timeout_us) {
		uint64_t spent = mtime_now_us() - b->t0_us;

		if (spent >= o->timeout_us)
			return diag_set(b->d, -ETIMEDOUT, "the kernel build ran out of time (%.0f s) before %s",
					(double)o->timeout_us / 1e6, what);
		so.timeout_us = o->timeout_us - spent;
	}
	log_note(b, "%s: make -C %s %s%s%s", what, b->out->tree, out_arg, parallel ? " " : "",
		 parallel ? b->jobs : "");
	if (stat(b->out->log, &st) == 0)
		f.off = st.st_size;
	ret = spawn_start(argv, &so, &p, b->d);
	if (ret == -ENOENT || ret == -EACCES)
		return diag_set(b->d, -EOPNOTSUPP, "cannot run 'make': %s (Debian package 'make')",
				strerror(-ret));
	if (ret < 0)
		return ret;
	for (;;) {
		bool exited = spawn_poll(p, KB_POLL_MS);
		uint64_t now = mtime_now_us();

		follow_read(&f, b->out->log);
		if (compiled)
			*compiled = f.compiled;
		if (b->obs && b->obs->progress && (exited || now - last_progress >= 200000)) {
			struct kernel_build_progress pr = { .phase = phase, .compiled = f.compiled,
							    .last = f.last,
							    .seconds = (double)(now - t0) / 1e6 };

			b->obs->progress(b->obs->arg, &pr);
			last_progress = now;
		}
		if (exited)
			break;
		if (o->cancel && *o->cancel) {
			spawn_kill(p);
			log_note(b, "%s: interrupted", what);
			return diag_set(b->d, -EINTR, "interrupted while %s", what);
		}
		if (so.timeout_us && now - t0 >= so.timeout_us) {
			spawn_kill(p);
			log_note(b, "%s: timed out", what);
			log_tail(b->out->log, 0, KB_TAIL_LINES, b->out->log_tail, sizeof(b->out->log_tail));
			return diag_set(b->d, -ETIMEDOUT,
					"the kernel build ran out of time (%.0f s) while %s; its log is '%s'",
					(double)o->timeout_us / 1e6, what, b->out->log);
		}
	}
	spawn_wait(p, NULL, &r, NULL);
	follow_read(&f, b->out->log);
	if (compiled)
		*compiled = f.compiled;
	snprintf(secs, sizeof(secs), "%.1f", (double)(mtime_now_us() - t0) / 1e6);
	if (r.signaled || r.exit_code) {
		log_tail(b->out->log, 0, KB_TAIL_LINES, b->out->log_tail, sizeof(b->out->log_tail));
		if (r.signaled)
			ret = diag_set(b->d, -EIO, "%s failed: make was killed by signal %d after %s s; its log is '%s'",
				       what, r.term_signal, secs, b->out->log);
		else
			ret = diag_set(b->d, -EIO, "%s failed: make exited with %d after %s s; its log is '%s'",
				       what, r.exit_code, secs, b->out->log);
	} else {
		log_note(b, "%s: done in %s s", what, secs);
	}
	spawn_result_release(&r);
	return ret;
}

/* ---- configure and check ------------------------------------------------------- */

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "re"), *out;
	size_t n;
	int r = 0;

	if (!in)
		return -errno;
	out = fopen(to, "we");
	if (!out) {
		r = -errno;
		fclose(in);
		return r;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			r = -EIO;
	if (ferror(in))
		r = -EIO;
	fclose(in);
	if (fclose(out) && !r)
		r = -errno;
	return r;
}

static bool same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "re"), *fb = fopen(b, "re");
	bool same = fa && fb;

	while (same) {
		char x[8192], y[8192];
		size_t na = fread(x, 1, sizeof(x), fa), nb = fread(y, 1, sizeof(y), fb);

		if (na != nb || memcmp(x, y, na))
			same = false;
		else if (!na)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* The fragments: the lab's, the BPF one when the tree offers BPF
 * schedulers, the caller's. */
static int load_wants(struct kb *b, struct kconfig_want **wants, size_t *n, char *names,
		      size_t names_size)
{
	const char *dir = kernel_build_fragment_dir();
	struct diag_list errs = DIAG_LIST_INIT;
	char path[PATH_MAX + 64];
	size_t len = 0;
	int bad = 0, r;

	names[0] = '\0';
	if (!dir)
		return diag_set(b->d, -EOPNOTSUPP,
				"cannot find the lab's kernel fragment '" KERNEL_BUILD_FRAGMENT
				"' (share/mptcp-lab/kernel of the installation)");
	for (size_t i = 0; i < 2 + b->o->n_fragments; i++) {
		const char *frag = path;

		if (i == 0)
			snprintf(path, sizeof(path), "%s/" KERNEL_BUILD_FRAGMENT, dir);
		else if (i == 1 && !b->out->bpf_sched)
			continue;
		else if (i == 1)
			snprintf(path, sizeof(path), "%s/" KERNEL_BUILD_BPF_FRAGMENT, dir);
		else
			frag = b->o->fragments[i - 2];
		r = kconfig_fragment_load(frag, wants, n, &errs);
		if (r == -ENOMEM) {
			diag_list_release(&errs);
			return diag_set(b->d, -ENOMEM, "out of memory");
		}
		bad |= r < 0;
		{
			const char *base = strrchr(frag, '/');

			len += (size_t)snprintf(names + len, len < names_size ? names_size - len : 0,
						" + %s", i < 2 && base ? base + 1 : frag);
		}
	}
	if (bad) {
		char msg[DIAG_MSG_MAX];
		size_t m = 0;

		msg[0] = '\0';
		for (size_t i = 0; i < errs.n && m + 1 < sizeof(msg); i++)
			m += (size_t)snprintf(msg + m, sizeof(msg) - m, "%s%s", i ? "\n" : "", errs.msgs[i]);
		diag_list_release(&errs);
		return diag_set(b->d, -EBADMSG, "%s", msg);
	}
	diag_list_release(&errs);
	return 0;
}

/* Which wanted options olddefconfig dropped, explained. */
static int check_wants(struct kb *b, const struct kconfig_want *w, size_t n)
{
	struct kernel_built *out = b->out;
	struct kconfig_values *v = NULL;
	struct kconfig_tree *t = NULL;
	struct diag kd = DIAG_INIT;
	size_t len = 0;
	bool modules;
	int r;

	r = kconfig_values_load(b->merged, &v, b->d);
	if (r < 0)
		return r;
	modules = kconfig_value(v, "MODULES") != NULL;
	for (size_t i = 0; i < n; i++) {
		const char *got = kconfig_value(v, w[i].sym);
		char why[2048];

		if (kconfig_want_met(&w[i], got, modules))
			continue;
		if (!t && kconfig_tree_load(out->tree, KB_SRCARCH, &t, &kd) < 0)
			snprintf(why, sizeof(why), "    (cannot read the tree's Kconfig: %s)", diag_str(&kd));
		else
			kconfig_explain(t, v, &w[i], "    ", why, sizeof(why));
		out->n_lost++;
		if (len < sizeof(out->lost))
			len += (size_t)snprintf(out->lost + len, sizeof(out->lost) - len,
						"%sCONFIG_%s: wanted %s, got %s (%s)\n%s", len ? "\n" : "",
						w[i].sym, w[i].value, got ? got : "n", w[i].where, why);
		if (strstr(why, "PAHOLE_VERSION"))
			out->hint = "BTF needs pahole: install the Debian package 'dwarves'";
	}
	kconfig_tree_free(t);
	kconfig_values_free(v);
	if (out->n_lost)
		return diag_set(b->d, -EBADMSG,
				"%zu option%s of the fragments did not survive 'make olddefconfig' in '%s' (its result: '%s')",
				out->n_lost, out->n_lost == 1 ? "" : "s", out->tree, b->merged);
	return 0;
}

/* What conf leaves besides the file it writes: a backup of each (.old). */
static void remove_scratch(const struct kb *b, bool keep_merged)
{
	char old[PATH_MAX + 48];

	unlink(b->base);
	snprintf(old, sizeof(old), "%s.old", b->base);
	unlink(old);
	snprintf(old, sizeof(old), "%s.old", b->merged);
	unlink(old);
	if (!keep_merged)
		unlink(b->merged);
}

static int configure(struct kb *b)
{
	const struct kernel_build_opts *o = b->o;
	struct kernel_built *out = b->out;
	struct kconfig_want *wants = NULL;
	const char *base = o->base ? o->base : "tinyconfig";
	char names[1024];
	size_t n = 0;
	int r;

	r = load_wants(b, &wants, &n, names, sizeof(names));
	if (r < 0)
		goto out;
	out->n_wanted = n;
	say(b, "configuring '%s' in '%s': %s%s, olddefconfig", out->tree, out->out, base, names);
	if (!strcmp(base, "tinyconfig") || !strcmp(base, "defconfig")) {
		const char *const targets[] = { base, NULL };

		unlink(b->base);
		r = make(b, base, b->base, false, targets, KERNEL_BUILD_CONFIGURE, NULL);
		if (r < 0)
			goto out;
	} else {
		r = copy_file(base, b->base);
		if (r < 0) {
			r = diag_set(b->d, -EBADMSG, "cannot read the base config '%s': %s", base,
				     strerror(-r));
			goto out;
		}
	}
	r = kconfig_merge(b->base, wants, n, b->merged, b->d);
	if (r < 0)
		goto out;
	{
		const char *const targets[] = { "olddefconfig", NULL };

		r = make(b, "olddefconfig", b->merged, false, targets, KERNEL_BUILD_CONFIGURE, NULL);
		if (r < 0)
			goto out;
	}
	r = check_wants(b, wants, n);
	if (r < 0)
		goto out;
	/* Only a different configuration replaces the last one: an identical
	 * .config with a new mtime would make make re-check everything. */
	if (is_file(out->config) && same_file(out->config, b->merged)) {
		out->config_changed = false;
	} else if (rename(b->merged, out->config) < 0) {
		r = diag_set(b->d, -errno, "cannot rename '%s' to '%s': %s", b->merged, out->config,
			     strerror(errno));
		goto out;
	} else {
		out->config_changed = true;
	}
out:
	/* the result of olddefconfig stays when options were lost */
	remove_scratch(b, b->out->n_lost);
	free(wants);
	return r;
}

/* ---- the whole build ----------------------------------------------------------- */

/* The tree: a directory with a kernel's top Makefile and Kconfig, not
 * configured in place (kbuild refuses O= then). */
static int check_tree(struct kb *b)
{
	const char *tree = b->o->tree;
	char path[PATH_MAX + 32];
	static const char *const needed[] = { "Makefile", "Kconfig", "arch/" KB_SRCARCH "/Kconfig" };

	if (!tree || !tree[0])
		return diag_set(b->d, -EBADMSG, "no kernel tree given");
	if (!realpath(tree, b->out->tree))
		return diag_set(b->d, -EBADMSG, "cannot use the kernel tree '%s': %s", tree,
				strerror(errno));
	if (!kernel_is_dir(b->out->tree))
		return diag_set(b->d, -EBADMSG, "'%s' is not a directory, not a kernel tree", tree);
	for (size_t i = 0; i < ARRAY_SIZE(needed); i++) {
		snprintf(path, sizeof(path), "%s/%s", b->out->tree, needed[i]);
		if (!is_file(path))
			return diag_set(b->d, -EBADMSG,
					"'%s' is not a kernel tree: it has no '%s' (x86 kernels are built)",
					tree, needed[i]);
	}
	snprintf(path, sizeof(path), "%s/.config", b->out->tree);
	if (is_file(path) || (snprintf(path, sizeof(path), "%s/include/config", b->out->tree),
			      kernel_is_dir(path))) {
		b->out->hint = "run 'make mrproper' in the tree (it removes the in-tree configuration and build)";
		return diag_set(b->d, -EBADMSG,
				"the kernel tree '%s' has been configured in place ('%s'): a build out of tree needs a clean source tree",
				tree, path);
	}
	return 0;
}

/* The output directory: made if needed; not another tree's build. */
static int prepare_out(struct kb *b)
{
	const struct kernel_build_opts *o = b->o;
	struct kernel_built *out = b->out;
	char src[PATH_MAX + 16], real[PATH_MAX];
	int r;

	if (o->out) {
		r = kernel_mkdirs(o->out);
		if (r < 0 || !realpath(o->out, out->out))
			return diag_set(b->d, r < 0 ? r : -errno, "cannot use the output directory '%s': %s",
					o->out, strerror(r < 0 ? -r : errno));
	} else {
		r = kernel_build_default_out(out->tree, out->out, sizeof(out->out));
		if (r < 0)
			return diag_set(b->d, -EBADMSG,
					"no output directory: give --out, or set HOME or XDG_CACHE_HOME");
		r = kernel_mkdirs(out->out);
		if (r < 0)
			return diag_set(b->d, r, "cannot create the output directory '%s': %s", out->out,
					strerror(-r));
	}
	if (!strcmp(out->out, out->tree))
		return diag_set(b->d, -EBADMSG,
				"the output directory is the tree itself: the lab builds out of tree");
	/* kbuild links O/source to the tree it builds */
	snprintf(src, sizeof(src), "%s/source", out->out);
	if (realpath(src, real) && strcmp(real, out->tree)) {
		out->hint = "give each tree its own --out directory";
		return diag_set(b->d, -EBADMSG, "the output directory '%s' holds the build of another tree ('%s')",
				out->out, real);
	}
	if (xsnprintf(out->log, sizeof(out->log), "%s/" KERNEL_BUILD_LOG, out->out) < 0 ||
	    xsnprintf(out->config, sizeof(out->config), "%s/.config", out->out) < 0 ||
	    xsnprintf(b->base, sizeof(b->base), "%s/.config.mpl-base", out->out) < 0 ||
	    xsnprintf(b->merged, sizeof(b->merged), "%s/.config.mpl-new", out->out) < 0)
		return diag_set(b->d, -ENAMETOOLONG, "the output directory's path '%s' is too long",
				out->out);
	return 0;
}

int kernel_build(const struct kernel_build_opts *o, const struct kernel_build_observer *obs,
		 struct kernel_built *out, struct diag *d)
{
	struct kb b = { .o = o, .obs = obs, .out = out, .d = d, .t0_us = mtime_now_us() };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t t;
	char *make_path;
	FILE *log;
	int r;

	memset(out, 0, sizeof(*out));
	r = check_tree(&b);
	if (r < 0)
		return r;
	make_path = spawn_which("make");
	if (!make_path)
		return diag_set(d, -EOPNOTSUPP, "cannot build a kernel: 'make' is not installed (Debian package 'make')");
	free(make_path);
	r = prepare_out(&b);
	if (r < 0)
		return r;
	out->bpf_sched = kernel_build_tree_has_bpf_sched(out->tree);
	snprintf(b.jobs, sizeof(b.jobs), "-j%u", o->jobs ? o->jobs : cpus > 0 ? (unsigned)cpus : 1);
	log = fopen(out->log, "we");
	if (!log)
		return diag_set(d, -errno, "cannot create the build log '%s': %s", out->log,
				strerror(errno));
	{
		time_t now = time(NULL);
		char when[64];

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
		fprintf(log, "### mptcp-lab kernel build of '%s' into '%s', %s\n", out->tree, out->out,
			when);
	}
	fclose(log);

	t = mtime_now_us();
	r = configure(&b);
	out->config_seconds = (double)(mtime_now_us() - t) / 1e6;
	if (r < 0 || o->config_only)
		return r;

	say(&b, "building bzImage (make %s%s), log in '%s'", b.jobs,
	    out->config_changed ? "" : ", configuration unchanged", out->log);
	t = mtime_now_us();
	{
		const char *const targets[] = { "bzImage", NULL };

		snprintf(b.merged, sizeof(b.merged), "%s", out->config);
		r = make(&b, "make bzImage", out->config, true, targets, KERNEL_BUILD_COMPILE,
			 &out->compiled);
	}
	out->build_seconds = (double)(mtime_now_us() - t) / 1e6;
	if (r < 0)
		return r;
	if (xsnprintf(out->image, sizeof(out->image), "%s/arch/x86/boot/bzImage", out->out) < 0)
		return diag_set(d, -ENAMETOOLONG, "the output directory's path is too long");
	{
		struct diag kd = DIAG_INIT;

		if (kimage_release(out->image, out->release, sizeof(out->release), &kd) < 0)
			return diag_set(d, -EIO, "make built no usable image: %s", diag_str(&kd));
	}
	return 0;
}
