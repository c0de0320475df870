/*
 * test_initramfs: runner/vm/initramfs.c.
 *
 * Module resolution on a fixture lib/modules/<release> made here (a
 * modules.dep in depmod's format, a modules.builtin, fake .ko files):
 * dependencies come first and last-listed-first, nothing twice, a built-in
 * module is skipped (its name spelt with '-'), a missing module and a
 * missing modules.dep are -ENOENT with the documented messages.
 *
 * The archive is read back by the small newc reader below (an independent
 * reading of the format: magic, 13 hex fields, 4-byte alignment of name
 * and data, the trailer) and checked entry by entry: names, modes, device
 * numbers, sizes, bytes, the order file. A failed write leaves neither the
 * destination nor a temporary file. The modules of each kernel fetched
 * into $MPL_KERNEL_DIR (check_kernel_dir()) are resolved too (real depmod
 * output); without one, that part is skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "initramfs.h"
#include "check.h"

static const char modules_dep[] =
	"kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko\n"
	"kernel/net/9p/9pnet.ko:\n"
	"kernel/net/9p/9pnet_fd.ko: kernel/net/9p/9pnet.ko\n"
	"kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
	"kernel/fs/netfs/netfs.ko:\n"
	"kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko\n"
	"kernel/drivers/virtio/virtio.ko:\n"
	"kernel/drivers/virtio/virtio_ring.ko:\n"
	"kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
	"kernel/net/sched/sch_netem.ko:\n";

/* virtio_pci is built in here, spelt the other way. */
static const char modules_builtin[] = "kernel/drivers/virtio/virtio-pci.ko\nkernel/fs/ext4/ext4.ko\n";

/* Expected, in load order. */
static const char *const want_order[] = { "virtio.ko",	   "virtio_ring.ko", "9pnet.ko",
					  "9pnet_virtio.ko", "netfs.ko",      "fscache.ko",
					  "9p.ko" };

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		check_failf("fixture", "cannot write '%s': %s", path, strerror(errno));
}

static void mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

/* A fixture module dir: dep and builtin (NULL: absent), fake modules with
 * distinct sizes (3 bytes for 9p.ko up to 7 + 13 for sch_netem). */
static const char *make_modules_dir(const char *name, const char *dep, const char *builtin)
{
	static const char *const files[] = {
		"kernel/fs/9p/9p.ko",		   "kernel/net/9p/9pnet.ko",
		"kernel/net/9p/9pnet_fd.ko",	   "kernel/net/9p/9pnet_virtio.ko",
		"kernel/fs/netfs/netfs.ko",	   "kernel/fs/fscache/fscache.ko",
		"kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_ring.ko",
		"kernel/drivers/virtio/virtio_pci.ko", "kernel/net/sched/sch_netem.ko",
	};
	static char dir[1024];
	char path[4096], body[64];

	snprintf(dir, sizeof(dir), "%s", check_tmpdir_file(name));
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		*strrchr(path, '/') = '\0';
		mkdirs(path);
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		memset(body, 'a' + (int)i, sizeof(body));
		write_file(path, body, 3 + i);
	}
	if (dep) {
		snprintf(path, sizeof(path), "%s/modules.dep", dir);
		write_file(path, dep, strlen(dep));
	}
	if (builtin) {
		snprintf(path, sizeof(path), "%s/modules.builtin", dir);
		write_file(path, builtin, strlen(builtin));
	}
	return dir;
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void resolve(void)
{
	const char *dir = make_modules_dir("mods", modules_dep, modules_builtin);
	struct diag d = DIAG_INIT;
	char **paths = NULL;
	size_t n = 0;
	int r;

	r = initramfs_modules(dir, &paths, &n, &d);
	check(r == 0, "resolve the fixture's modules", "got %d (%s)", r, diag_str(&d));
	check(n == ARRAY_SIZE(want_order), "module count: deps once each, virtio_pci built in",
	      "got %zu, want %zu", n, ARRAY_SIZE(want_order));
	for (size_t i = 0; i < n; i++) {
		char want[4096];

		check(!strcmp(base_of(paths[i]), want_order[i]), want_order[i],
		      "position %zu is '%s'", i, paths[i]);
		snprintf(want, sizeof(want), "%s/", dir);
		check(!strncmp(paths[i], want, strlen(want)) && paths[i][0] == '/',
		      "absolute path under the modules dir", "'%s'", paths[i]);
	}
	initramfs_modules_release(paths, n);

	/* Nothing built in: virtio_pci and its (already listed) deps. */
	dir = make_modules_dir("mods-nobuiltin", modules_dep, NULL);
	r = initramfs_modules(dir, &paths, &n, &d);
	check(r == 0 && n == 8 && !strcmp(base_of(paths[2]), "virtio_pci.ko"),
	      "no modules.builtin: virtio_pci after its deps, deps not repeated", "got %d, n %zu",
	      r, n);
	initramfs_modules_release(paths, n);

	/* All three built in: nothing to carry. */
	dir = make_modules_dir("mods-allbuiltin", modules_dep,
			       "kernel/drivers/virtio/virtio_pci.ko\nkernel/net/9p/9pnet_virtio.ko\nkernel/fs/9p/9p.ko\n");
	r = initramfs_modules(dir, &paths, &n, &d);
	check(r == 0 && n == 0 && !paths, "all built in: no modules", "got %d, n %zu", r, n);

	dir = make_modules_dir("mods-no9p", "kernel/net/9p/9pnet.ko:\n", modules_builtin);
	r = initramfs_modules(dir, &paths, &n, &d);
	check(r == -ENOENT && strstr(d.msg, "have no '9pnet_virtio' (neither built in nor a module): the guest cannot mount the host root") &&
		      strstr(d.msg, dir) && !paths && !n,
	      "missing module", "got %d '%s'", r, d.msg);
	diag_clear(&d);

	dir = make_modules_dir("mods-nodep", NULL, modules_builtin);
	r = initramfs_modules(dir, &paths, &n, &d);
	check(r == -ENOENT && strstr(d.msg, "no 'modules.dep'") && strstr(d.msg, "depmod"),
	      "missing modules.dep", "got %d '%s'", r, d.msg);
	diag_clear(&d);
}

/* ---- a tiny newc reader ---------------------------------------------------- */

struct entry {
	char name[256];
	uint32_t mode, nlink, size, rdev_major, rdev_minor;
	const unsigned char *data;
};

static uint32_t hex8(const unsigned char *p)
{
	char buf[9];

	memcpy(buf, p, 8);
	buf[8] = '\0';
	if (strspn(buf, "0123456789abcdefABCDEF") != 8)
		check_failf("newc", "field '%s' is not 8 hex digits", buf);
	return (uint32_t)strtoul(buf, NULL, 16);
}

/* Parse buf into entries (the trailer excluded); fails the test on any
 * violation of the format. */
static size_t read_newc(const unsigned char *buf, size_t len, struct entry *e, size_t max)
{
	size_t off = 0, n = 0;

	for (;;) {
		uint32_t f[13], namesize;

		if (off % 4 || off + 110 > len)
			check_failf("newc", "header at %zu misplaced or past the end (%zu)", off, len);
		if (memcmp(buf + off, "070701", 6))
			check_failf("newc", "no magic at %zu", off);
		for (int i = 0; i < 13; i++)
			f[i] = hex8(buf + off + 6 + 8 * i);
		namesize = f[11];
		if (!namesize || namesize > 255 || off + 110 + namesize > len ||
		    buf[off + 110 + namesize - 1])
			check_failf("newc", "bad name at %zu", off);
		if (n == max)
			check_failf("newc", "too many entries");
		memcpy(e[n].name, buf + off + 110, namesize);
		off += 110 + namesize;
		off = (off + 3) & ~(size_t)3;
		if (!strcmp(e[n].name, "TRAILER!!!")) {
			if (off != len)
				check_failf("newc", "%zu bytes after the trailer", len - off);
			return n;
		}
		e[n].mode = f[1];
		e[n].nlink = f[4];
		e[n].size = f[6];
		e[n].rdev_major = f[9];
		e[n].rdev_minor = f[10];
		if (f[2] || f[3])
			check_failf("newc", "'%s' is not owned by root", e[n].name);
		if (off + e[n].size > len)
			check_failf("newc", "data of '%s' past the end", e[n].name);
		e[n].data = buf + off;
		off += e[n].size;
		off = (off + 3) & ~(size_t)3;
		n++;
	}
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	unsigned char *buf;
	long size;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		check_failf("read back", "'%s': %s", path, strerror(errno));
	buf = malloc((size_t)size + 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
		check_failf("read back", "'%s'", path);
	fclose(f);
	*len = (size_t)size;
	return buf;
}

static size_t files_in(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *dh = opendir(dir);

	while (dh && (de = readdir(dh)))
		n += de->d_name[0] != '.';
	if (dh)
		closedir(dh);
	return n;
}

static void archive(void)
{
	const char *dir = make_modules_dir("mods-archive", modules_dep, modules_builtin);
	const char *init = check_tmpdir_file("init-binary");
	char out[4096], outdir[1024], order[512] = "", init_bytes[1001];
	static struct entry e[64];
	struct diag d = DIAG_INIT;
	unsigned char *buf;
	char **paths = NULL;
	size_t n = 0, len, ne;
	int r;

	for (size_t i = 0; i < sizeof(init_bytes); i++)
		init_bytes[i] = (char)(i * 7);
	write_file(init, init_bytes, sizeof(init_bytes));
	snprintf(outdir, sizeof(outdir), "%s", check_tmpdir_file("out"));
	mkdir(outdir, 0755);
	snprintf(out, sizeof(out), "%s/initramfs.cpio", outdir);

	check_must(initramfs_modules(dir, &paths, &n, &d), "resolve", &d);
	r = initramfs_write(out, init, paths, n, &d);
	check(r == 0, "write the archive", "got %d (%s)", r, diag_str(&d));
	check(files_in(outdir) == 1, "no temporary file left", "%zu files", files_in(outdir));

	buf = slurp(out, &len);
	ne = read_newc(buf, len, e, ARRAY_SIZE(e));
	check(ne == 6 + 1 + n + 1, "entry count", "got %zu, want %zu", ne, 6 + 1 + n + 1);
	{
		static const char *const dirs[] = { "dev", "proc", "sys", "newroot", "modules" };

		for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
			check(!strcmp(e[i].name, dirs[i]) && e[i].mode == (S_IFDIR | 0755) &&
				      !e[i].size && e[i].nlink == 2,
			      dirs[i], "entry %zu is '%s' mode %o size %u", i, e[i].name, e[i].mode,
			      e[i].size);
	}
	check(!strcmp(e[5].name, "dev/console") && e[5].mode == (S_IFCHR | 0600) &&
		      e[5].rdev_major == 5 && e[5].rdev_minor == 1 && !e[5].size,
	      "dev/console c 5 1", "'%s' mode %o rdev %u:%u", e[5].name, e[5].mode, e[5].rdev_major,
	      e[5].rdev_minor);
	check(!strcmp(e[6].name, "init") && e[6].mode == (S_IFREG | 0755) &&
		      e[6].size == sizeof(init_bytes) && !memcmp(e[6].data, init_bytes, sizeof(init_bytes)),
	      "init: mode 0755 and the file's bytes (size 1001, padded)", "'%s' mode %o size %u",
	      e[6].name, e[6].mode, e[6].size);
	for (size_t i = 0; i < n; i++) {
		struct entry *m = &e[7 + i];
		char want[256];
		struct stat st;

		snprintf(want, sizeof(want), "modules/%s", want_order[i]);
		stat(paths[i], &st);
		check(!strcmp(m->name, want) && m->mode == (S_IFREG | 0644) &&
			      m->size == (uint32_t)st.st_size && m->data[0] == m->data[m->size - 1],
		      want, "'%s' mode %o size %u (file %lld)", m->name, m->mode, m->size,
		      (long long)st.st_size);
		strcat(order, want_order[i]);
		strcat(order, "\n");
	}
	check(!strcmp(e[7 + n].name, "modules/order") && e[7 + n].mode == (S_IFREG | 0644) &&
		      e[7 + n].size == strlen(order) && !memcmp(e[7 + n].data, order, strlen(order)),
	      "modules/order lists the modules in load order", "'%s' size %u", e[7 + n].name,
	      e[7 + n].size);
	free(buf);

	/* No modules: an empty order file. */
	r = initramfs_write(out, init, NULL, 0, &d);
	buf = slurp(out, &len);
	ne = read_newc(buf, len, e, ARRAY_SIZE(e));
	check(r == 0 && ne == 8 && !strcmp(e[7].name, "modules/order") && !e[7].size,
	      "no modules: empty order file", "got %d, %zu entries", r, ne);
	free(buf);

	/* Failures leave the old archive alone and no temporary file. */
	r = initramfs_write(out, check_tmpdir_file("no-such-init"), paths, n, &d);
	free(slurp(out, &len));
	check(r == -ENOENT && strstr(d.msg, "no-such-init") && files_in(outdir) == 1 && len > 0,
	      "missing init: error, old archive kept, no temporary file", "got %d '%s', %zu files", r,
	      d.msg, files_in(outdir));
	diag_clear(&d);
	{
		char *dup[] = { paths[0], paths[0] };

		r = initramfs_write(out, init, dup, 2, &d);
		check(r == -EINVAL && strstr(d.msg, "same file name") && files_in(outdir) == 1,
		      "two modules of one file name", "got %d '%s'", r, d.msg);
		diag_clear(&d);
	}
	snprintf(out, sizeof(out), "%s/no-such-dir/initramfs.cpio", outdir);
	r = initramfs_write(out, init, paths, n, &d);
	check(r == -ENOENT && strstr(d.msg, "cannot create"), "unwritable destination", "got %d '%s'",
	      r, d.msg);
	initramfs_modules_release(paths, n);
}

/* Real depmod output, when a kernel tree is given. */
static void real_kernels(void)
{
	const char *kdir = check_kernel_dir();
	char pattern[4096];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/*/lib/modules/*", kdir);
	if (glob(pattern, GLOB_ONLYDIR, NULL, &g)) {
		check_skip_part("real kernels: none under '%s' (mptcp-lab kernel fetch --dir %s, "
				"or set MPL_KERNEL_DIR)", kdir, kdir);
		return;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct diag d = DIAG_INIT;
		char **paths = NULL;
		size_t n = 0;
		int r = initramfs_modules(g.gl_pathv[i], &paths, &n, &d);

		check(r == 0, g.gl_pathv[i], "%s", diag_str(&d));
		for (size_t k = 0; k < n; k++)
			printf("       %zu %s\n", k + 1, base_of(paths[k]));
		initramfs_modules_release(paths, n);
	}
	globfree(&g);
}

int main(void)
{
	static char tmpl[] = "/tmp/mpl-test-initramfs-XXXXXX";

	check_tmpdir_make(tmpl);
	resolve();
	archive();
	real_kernels();
	return check_done();
}
