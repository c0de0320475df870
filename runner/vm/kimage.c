/*
 * kimage.c: the release string of an x86 bzImage, read from the file's
 * setup header (Documentation/arch/x86/boot.rst) without booting it.
 *
 *   0x1f1  u8    setup_sects     512-byte sectors of real-mode setup (0 = 4)
 *   0x1fe  u16   boot_flag       0xaa55
 *   0x202  u32   header          "HdrS"
 *   0x206  u16   version         boot protocol, >= 0x0200 for kernel_version
 *   0x20e  u16   kernel_version  offset - 0x200 of a NUL-terminated string
 *                                "6.1.0-27-amd64 (debian-kernel@...) #1 SMP ..."
 *
 * The string lies in the setup code, so only the first (setup_sects + 1) *
 * 512 bytes are read (at most 128 KiB). The release is its first word, as
 * `uname -r` prints it. Other architectures and compressed-image formats
 * (vmlinux, EFI zboot) are not understood: they are reported as such.
 */
#include "kimage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KIMAGE_HDRS_OFF 0x202
#define KIMAGE_SETUP_SECTS_OFF 0x1f1
#define KIMAGE_PROTO_OFF 0x206
#define KIMAGE_VERSION_PTR_OFF 0x20e
#define KIMAGE_SETUP_MAX_BYTES ((255 + 1) * 512)

static unsigned kimage_le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* what: "'PATH'" or "the image", for messages. */
static int kimage_parse(const unsigned char *buf, size_t len, const char *what, char *release,
			size_t size, struct diag *d)
{
	size_t setup_bytes, off, end, n;
	unsigned sects, proto;

	if (len < KIMAGE_VERSION_PTR_OFF + 2)
		return diag_set(d, -EINVAL,
				"%s is not an x86 bzImage: %zu bytes, shorter than a setup header",
				what, len);
	if (memcmp(buf + KIMAGE_HDRS_OFF, "HdrS", 4))
		return diag_set(d, -EINVAL, "%s is not an x86 bzImage: no 'HdrS' at 0x202", what);
	proto = kimage_le16(buf + KIMAGE_PROTO_OFF);
	if (proto < 0x0200)
		return diag_set(d, -EINVAL,
				"%s is an x86 bzImage of boot protocol %u.%02u, which has no version string (2.00 or later expected)",
				what, proto >> 8, proto & 0xff);
	off = kimage_le16(buf + KIMAGE_VERSION_PTR_OFF);
	if (!off)
		return diag_set(d, -EINVAL,
				"%s is an x86 bzImage without a version string (kernel_version at 0x20e is 0)",
				what);
	off += 0x200;
	sects = buf[KIMAGE_SETUP_SECTS_OFF] ? buf[KIMAGE_SETUP_SECTS_OFF] : 4;
	setup_bytes = ((size_t)sects + 1) * 512;
	end = len < setup_bytes ? len : setup_bytes;
	if (off >= end)
		return diag_set(d, -EINVAL,
				"%s is not a whole x86 bzImage: its version string at 0x%zx is beyond the %zu bytes of its setup",
				what, off, end);
	n = strnlen((const char *)buf + off, end - off);
	if (n == end - off)
		return diag_set(d, -EINVAL,
				"%s is not a whole x86 bzImage: its version string at 0x%zx has no end",
				what, off);
	n = strcspn((const char *)buf + off, " ");
	if (!n)
		return diag_set(d, -EINVAL, "%s is an x86 bzImage with an empty version string",
				what);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = buf[off + i];

		if (c < 0x21 || c > 0x7e)
			return diag_set(d, -EINVAL,
					"%s is an x86 bzImage whose version string at 0x%zx is not text (byte 0x%02x)",
					what, off, c);
	}
	if (n >= size)
		return diag_set(d, -ENAMETOOLONG,
				"the release of %s is %zu characters long, more than %zu expected", what,
				n, size ? size - 1 : 0);
	memcpy(release, buf + off, n);
	release[n] = '\0';
	return 0;
}

int kimage_release_buf(const unsigned char *buf, size_t len, char *release, size_t size,
		       struct diag *d)
{
	return kimage_parse(buf, len, "the image", release, size, d);
}

int kimage_release(const char *path, char *release, size_t size, struct diag *d)
{
	_cleanup_free_ unsigned char *buf = NULL;
	_cleanup_close_ int fd = -1;
	char what[512];
	size_t len = 0;

	snprintf(what, sizeof(what), "'%s'", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(d, -errno, "cannot read the kernel image '%s': %s", path,
				strerror(errno));
	buf = malloc(KIMAGE_SETUP_MAX_BYTES);
	if (!buf)
		return diag_set(d, -ENOMEM, "cannot read the kernel image '%s': out of memory",
				path);
	while (len < KIMAGE_SETUP_MAX_BYTES) {
		ssize_t got = read(fd, buf + len, KIMAGE_SETUP_MAX_BYTES - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return diag_set(d, -errno, "cannot read the kernel image '%s': %s", path,
					strerror(errno));
		if (!got)
			break;
		len += (size_t)got;
	}
	return kimage_parse(buf, len, what, release, size, d);
}
