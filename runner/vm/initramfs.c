/*
 * initramfs.c: the guest's initramfs, a newc cpio archive the kernel
 * unpacks into its rootfs before running /init, and the kernel modules it
 * must carry so the guest init can mount the host root over 9p.
 *
 * newc ("new ASCII", what the kernel's init/initramfs.c reads): per entry a
 * 110-byte header, "070701" and 13 fields of 8 hex digits
 *
 *   ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor
 *   rdevminor namesize check
 *
 * then the name with its NUL (namesize counts it), padded so the data
 * starts on a 4-byte boundary, then the data, padded to 4 again. An entry
 * named "TRAILER!!!" ends the archive. Names carry no leading '/'. mtime
 * and uid/gid are 0 so the same inputs give the same bytes.
 *
 * Modules come from depmod's files in lib/modules/<release>:
 *   modules.builtin  "kernel/fs/9p/9p.ko" per built-in module
 *   modules.dep      "kernel/fs/9p/9p.ko: kernel/fs/netfs/netfs.ko ..."
 *                    every dependency, transitively, ordered so that the
 *                    last one is loaded first
 * Module names compare with '-' and '_' equal, as kmod does.
 *
 * This file runs nothing and prints nothing; the archive is written to a
 * temporary file next to its destination and renamed, so a reader never
 * sees half an archive.
 */
#include "initramfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"

/* What mounting the host root over 9p/virtio-pci takes, in load order. */
static const char *const initramfs_wanted[] = { "virtio_pci", "9pnet_virtio", "9p" };

void initramfs_modules_release(char **paths, size_t n)
{
	if (!paths)
		return;
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* The module name of a path: basename without ".ko[.xz|.zst|.gz]", '-' as
 * '_'. Returns false when the path is not a module file. */
static bool initramfs_modname(const char *path, size_t path_len, char *name, size_t size)
{
	static const char *const suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	const char *base = path, *p;
	size_t len;

	for (p = path; p < path + path_len; p++)
		if (*p == '/')
			base = p + 1;
	len = (size_t)(path + path_len - base);
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t sl = strlen(suffixes[i]);

		if (len > sl && !memcmp(base + len - sl, suffixes[i], sl)) {
			len -= sl;
			if (len >= size)
				return false;
			for (size_t k = 0; k < len; k++)
				name[k] = base[k] == '-' ? '_' : base[k];
			name[len] = '\0';
			return true;
		}
	}
	return false;
}

static bool initramfs_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if ((*a == '-' ? '_' : *a) != (*b == '-' ? '_' : *b))
			return false;
	return *a == *b;
}

/* The whole of dir/name, NUL-terminated; -ENOENT if it does not exist. */
static int initramfs_slurp(const char *dir, const char *name, char **out, struct diag *d)
{
	char path[PATH_MAX];
	int r;

	*out = NULL;
	if (xsnprintf(path, sizeof(path), "%s/%s", dir, name) < 0)
		return diag_set(d, -ENAMETOOLONG, "the path '%s/%s' is too long", dir, name);
	r = fdio_read_file(path, out, NULL);
	if (r == -ENOENT)
		return r;
	if (r == -ENOMEM)
		return diag_set(d, r, "cannot read '%s': out of memory", path);
	if (r < 0)
		return diag_set(d, r, "cannot read '%s': %s", path, strerror(-r));
	return 0;
}

/* Whether modules.builtin (text, may be NULL) lists the module. */
static bool initramfs_is_builtin(const char *builtin, const char *mod)
{
	char name[256];

	for (const char *line = builtin; line && *line;) {
		size_t len = strcspn(line, "\n");

		if (initramfs_modname(line, len, name, sizeof(name)) &&
		    initramfs_name_eq(name, mod))
			return true;
		line += len;
		if (*line)
			line++;
	}
	return false;
}

/* Append dir/rel (or rel when absolute) unless it is already there. */
static int initramfs_add(const char *dir, const char *rel, size_t rel_len, char ***paths,
			 size_t *n, struct diag *d)
{
	char *path = NULL, **grown;
	int len;

	if (rel[0] == '/')
		len = asprintf(&path, "%.*s", (int)rel_len, rel);
	else
		len = asprintf(&path, "%s/%.*s", dir, (int)rel_len, rel);
	if (len < 0)
		return diag_set(d, -ENOMEM, "cannot list the guest's modules: out of memory");
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp((*paths)[i], path)) {
			free(path);
			return 0;
		}
	}
	grown = realloc(*paths, (*n + 1) * sizeof(*grown));
	if (!grown) {
		free(path);
		return diag_set(d, -ENOMEM, "cannot list the guest's modules: out of memory");
	}
	*paths = grown;
	(*paths)[(*n)++] = path;
	return 0;
}

/* Find mod's line in modules.dep and add its dependencies (last first),
 * then the module itself. -ENOENT without a message when not listed. */
static int initramfs_add_with_deps(const char *dir, const char *dep, const char *mod,
				   char ***paths, size_t *n, struct diag *d)
{
	char name[256];

	for (const char *line = dep; *line;) {
		size_t len = strcspn(line, "\n");
		const char *colon = memchr(line, ':', len);

		if (colon && initramfs_modname(line, (size_t)(colon - line), name, sizeof(name)) &&
		    initramfs_name_eq(name, mod)) {
			const char *deps = colon + 1, *end = line + len;
			/* Walk the dependency words from the right. */
			const char *p = end;
			int r;

			while (p > deps) {
				const char *word_end, *word;

				while (p > deps && (p[-1] == ' ' || p[-1] == '\t'))
					p--;
				word_end = p;
				while (p > deps && p[-1] != ' ' && p[-1] != '\t')
					p--;
				word = p;
				if (word_end > word) {
					r = initramfs_add(dir, word, (size_t)(word_end - word), paths,
							  n, d);
					if (r < 0)
						return r;
				}
			}
			return initramfs_add(dir, line, (size_t)(colon - line), paths, n, d);
		}
		line += len;
		if (*line)
			line++;
	}
	return -ENOENT;
}

int initramfs_modules(const char *modules_dir, char ***paths_out, size_t *n_out,
		      struct diag *d)
{
	char *dep = NULL, *builtin = NULL, **paths = NULL;
	size_t n = 0;
	int r;

	*paths_out = NULL;
	*n_out = 0;
	r = initramfs_slurp(modules_dir, "modules.dep", &dep, d);
	if (r == -ENOENT)
		r = diag_set(d, -ENOENT,
			     "kernel modules in '%s' have no 'modules.dep': run 'depmod -b ROOT RELEASE' on them ('mptcp-lab kernel fetch' does)",
			     modules_dir);
	if (r < 0)
		goto out;
	/* Not made by depmod but shipped with the kernel; a kernel without
	 * the file has nothing built in that we can know of. */
	r = initramfs_slurp(modules_dir, "modules.builtin", &builtin, d);
	if (r < 0 && r != -ENOENT)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(initramfs_wanted); i++) {
		const char *mod = initramfs_wanted[i];

		if (initramfs_is_builtin(builtin, mod))
			continue;
		r = initramfs_add_with_deps(modules_dir, dep, mod, &paths, &n, d);
		if (r == -ENOENT)
			r = diag_set(d, -ENOENT,
				     "kernel modules in '%s' have no '%s' (neither built in nor a module): the guest cannot mount the host root",
				     modules_dir, mod);
		if (r < 0)
			goto out;
	}
	*paths_out = TAKE_PTR(paths);
	*n_out = n;
	r = 0;
out:
	initramfs_modules_release(paths, n);
	free(dep);
	free(builtin);
	return r;
}

/* ---- the archive ---------------------------------------------------------- */

struct initramfs_out {
	FILE *f;
	const char *path; /* the destination, for messages */
	uint32_t ino;
	uint64_t off; /* bytes written, for padding */
};

static int initramfs_put(struct initramfs_out *o, const void *data, size_t len, struct diag *d)
{
	if (len && fwrite(data, 1, len, o->f) != len)
		return diag_set(d, -errno ? -errno : -EIO, "cannot write '%s': %s", o->path,
				strerror(errno ? errno : EIO));
	o->off += len;
	return 0;
}

static int initramfs_pad4(struct initramfs_out *o, struct diag *d)
{
	static const char zeros[4];

	return initramfs_put(o, zeros, (4 - o->off % 4) % 4, d);
}

/* len bytes, then zeros up to the next multiple of 4 (newc aligns every
 * name and every file's data). */
static int initramfs_put_padded(struct initramfs_out *o, const void *data, size_t len,
				struct diag *d)
{
	int r = initramfs_put(o, data, len, d);

	if (r < 0)
		return r;
	return initramfs_pad4(o, d);
}

/* Header and name of one entry; the caller writes size bytes of data and
 * pads. */
static int initramfs_header(struct initramfs_out *o, const char *name, uint32_t mode,
			    uint32_t size, uint32_t rdev_major, uint32_t rdev_minor, struct diag *d)
{
	char hdr[111];
	size_t namesize = strlen(name) + 1;
	int r;

	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ++o->ino, mode,
		 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u, size, 0u, 0u, rdev_major, rdev_minor,
		 (uint32_t)namesize, 0u);
	r = initramfs_put(o, hdr, 110, d);
	if (r < 0)
		return r;
	return initramfs_put_padded(o, name, namesize, d);
}

static int initramfs_entry_data(struct initramfs_out *o, const char *name, uint32_t mode,
				const void *data, size_t size, struct diag *d)
{
	int r;

	if (size > UINT32_MAX)
		return diag_set(d, -EFBIG, "cannot put '%s' in the initramfs: larger than 4 GiB",
				name);
	r = initramfs_header(o, name, mode, (uint32_t)size, 0, 0, d);
	if (r < 0)
		return r;
	return initramfs_put_padded(o, data, size, d);
}

/* An entry holding the bytes of the file at src. */
static int initramfs_entry_file(struct initramfs_out *o, const char *name, uint32_t mode,
				const char *src, struct diag *d)
{
	_cleanup_close_ int fd = -1;
	char buf[65536];
	struct stat st;
	uint64_t left;
	int r;

	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return diag_set(d, -errno, "cannot put '%s' in the initramfs: %s", src,
				strerror(errno));
	if (!S_ISREG(st.st_mode))
		return diag_set(d, -EINVAL, "cannot put '%s' in the initramfs: not a regular file",
				src);
	if ((uint64_t)st.st_size > UINT32_MAX)
		return diag_set(d, -EFBIG, "cannot put '%s' in the initramfs: larger than 4 GiB",
				src);
	r = initramfs_header(o, name, mode, (uint32_t)st.st_size, 0, 0, d);
	if (r < 0)
		return r;
	for (left = (uint64_t)st.st_size; left;) {
		ssize_t got = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return diag_set(d, -errno, "cannot read '%s': %s", src, strerror(errno));
		if (!got)
			return diag_set(d, -EIO, "cannot put '%s' in the initramfs: it shrank while being read",
					src);
		r = initramfs_put(o, buf, (size_t)got, d);
		if (r < 0)
			return r;
		left -= (uint64_t)got;
	}
	return initramfs_pad4(o, d);
}

static const char *initramfs_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The entries, in the order the kernel must create them. */
static int initramfs_entries(struct initramfs_out *o, const char *init_path, char *const *modules,
			     size_t n_modules, struct diag *d)
{
	static const char *const dirs[] = { "dev", "proc", "sys", "newroot", "modules" };
	char name[PATH_MAX], *order = NULL;
	size_t order_len = 0;
	FILE *of = NULL;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		r = initramfs_header(o, dirs[i], S_IFDIR | 0755, 0, 0, 0, d);
		if (r < 0)
			return r;
	}
	/* The kernel opens /dev/console for pid 1's stdio before devtmpfs
	 * is mounted; without this node the init runs with no output. */
	r = initramfs_header(o, "dev/console", S_IFCHR | 0600, 0, 5, 1, d);
	if (r < 0)
		return r;
	r = initramfs_entry_file(o, "init", S_IFREG | 0755, init_path, d);
	if (r < 0)
		return r;

	of = open_memstream(&order, &order_len);
	if (!of)
		return diag_set(d, -ENOMEM, "cannot write '%s': out of memory", o->path);
	for (size_t i = 0; i < n_modules; i++) {
		const char *base = initramfs_basename(modules[i]);

		if (!*base || strchr(base, '\n') || !strcmp(base, "order")) {
			r = diag_set(d, -EINVAL, "cannot put the module '%s' in the initramfs: bad file name",
				     modules[i]);
			goto out;
		}
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(base, initramfs_basename(modules[k]))) {
				r = diag_set(d, -EINVAL,
					     "cannot put both '%s' and '%s' in the initramfs: same file name",
					     modules[k], modules[i]);
				goto out;
			}
		}
		r = xsnprintf(name, sizeof(name), "modules/%s", base);
		if (r < 0) {
			r = diag_set(d, r, "the module path '%s' is too long", modules[i]);
			goto out;
		}
		r = initramfs_entry_file(o, name, S_IFREG | 0644, modules[i], d);
		if (r < 0)
			goto out;
		fprintf(of, "%s\n", base);
	}
	if (fflush(of)) {
		r = diag_set(d, -ENOMEM, "cannot write '%s': out of memory", o->path);
		goto out;
	}
	r = initramfs_entry_data(o, "modules/order", S_IFREG | 0644, order, order_len, d);
	if (r < 0)
		goto out;
	r = initramfs_header(o, "TRAILER!!!", 0, 0, 0, 0, d);
out:
	fclose(of);
	free(order);
	return r;
}

int initramfs_write(const char *out_path, const char *init_path, char *const *modules,
		    size_t n_modules, struct diag *d)
{
	struct initramfs_out o = { .path = out_path };
	char tmp[PATH_MAX];
	int fd, r;

	if (xsnprintf(tmp, sizeof(tmp), "%s.XXXXXX", out_path) < 0)
		return diag_set(d, -ENAMETOOLONG, "the path '%s' is too long", out_path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return diag_set(d, -errno, "cannot create '%s': %s", tmp, strerror(errno));
	o.f = fdopen(fd, "w");
	if (!o.f) {
		r = diag_set(d, -errno, "cannot write '%s': %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	/* mkostemp makes 0600; the archive is no secret and qemu may run as
	 * another user. */
	if (fchmod(fd, 0644) < 0) {
		r = diag_set(d, -errno, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	errno = 0;
	r = initramfs_entries(&o, init_path, modules, n_modules, d);
	if (r < 0)
		goto out;
	r = ferror(o.f) ? -EIO : 0;
	if (fclose(o.f) && !r)
		r = errno ? -errno : -EIO;
	o.f = NULL;
	if (r < 0) {
		r = diag_set(d, r, "cannot write '%s': %s", tmp, strerror(-r));
		goto out;
	}
	if (rename(tmp, out_path) < 0) {
		r = diag_set(d, -errno, "cannot rename '%s' to '%s': %s", tmp, out_path,
			     strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (o.f)
		fclose(o.f);
	if (r < 0)
		unlink(tmp);
	return r;
}
