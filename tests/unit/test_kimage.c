/*
 * test_kimage: runner/vm/kimage.c on synthetic x86 setup headers (a valid
 * one, then each field broken in turn: no "HdrS", a buffer shorter than
 * the header, an old boot protocol, a zero or out-of-setup version
 * pointer, an unterminated or non-text string, a release longer than the
 * caller's buffer), the file API on the same bytes and on a missing file,
 * and every real image found as /boot/vmlinuz-<release> or under
 * $MPL_KERNEL_DIR/<release>/boot/ (check_kernel_dir(); named by Debian
 * after their release, an independent witness), skipped when there is
 * none.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kimage.h"
#include "check.h"

#define IMG_BYTES 0x3000
#define VERSION_OFF 0xc00 /* inside the setup of 7 + 1 sectors */

static unsigned char img[IMG_BYTES];

static void make_image(const char *version)
{
	memset(img, 0, sizeof(img));
	img[0x1f1] = 7; /* setup_sects: 4 KiB of setup */
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f; /* protocol 2.15 */
	img[0x207] = 0x02;
	img[0x20e] = (VERSION_OFF - 0x200) & 0xff;
	img[0x20f] = (VERSION_OFF - 0x200) >> 8;
	memcpy(img + VERSION_OFF, version, strlen(version) + 1);
}

/* The parse must fail with err and a message holding want. */
static void expect_fail(const char *what, size_t len, size_t size, int err, const char *want)
{
	struct diag d = DIAG_INIT;
	char rel[64];
	int r = kimage_release_buf(img, len, rel, size, &d);

	check(r == err && strstr(diag_str(&d), want), what, "got %d '%s', want %d with '%s'", r,
	      diag_str(&d), err, want);
}

static void synthetic(void)
{
	struct diag d = DIAG_INIT;
	char rel[64];
	int r;

	make_image("6.1.0-27-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC");
	r = kimage_release_buf(img, sizeof(img), rel, sizeof(rel), &d);
	check(r == 0 && !strcmp(rel, "6.1.0-27-amd64"), "release of a synthetic bzImage",
	      "got %d '%s' (%s)", r, rel, diag_str(&d));
	/* Exactly as long as the buffer allows: 14 characters + NUL. */
	r = kimage_release_buf(img, sizeof(img), rel, 15, &d);
	check(r == 0 && !strcmp(rel, "6.1.0-27-amd64"), "release filling the buffer exactly",
	      "got %d", r);
	expect_fail("release one byte too long for the buffer", sizeof(img), 14, -ENAMETOOLONG,
		    "14 characters long");
	/* Shorter than the setup: the string must still be inside the bytes. */
	expect_fail("image cut before the version string", VERSION_OFF + 4, 64, -EINVAL,
		    "has no end");
	expect_fail("image shorter than a setup header", 0x100, 64, -EINVAL,
		    "shorter than a setup header");

	make_image("6.1.0-27-amd64");
	r = kimage_release_buf(img, sizeof(img), rel, sizeof(rel), &d);
	check(r == 0 && !strcmp(rel, "6.1.0-27-amd64"), "version string of one word", "got %d", r);

	img[0x202] = 'h';
	expect_fail("no HdrS", sizeof(img), 64, -EINVAL,
		    "the image is not an x86 bzImage: no 'HdrS' at 0x202");

	make_image("6.1.0");
	img[0x207] = 0x01;
	expect_fail("boot protocol 1.x", sizeof(img), 64, -EINVAL, "boot protocol 1.15");

	make_image("6.1.0");
	img[0x20e] = img[0x20f] = 0;
	expect_fail("zero version pointer", sizeof(img), 64, -EINVAL, "kernel_version at 0x20e is 0");

	make_image("6.1.0");
	img[0x1f1] = 1; /* setup of 1 KiB: the string at 0xc00 is outside */
	expect_fail("version pointer beyond the setup", sizeof(img), 64, -EINVAL,
		    "beyond the 1024 bytes of its setup");

	make_image("6.1.0");
	img[0x20f] = 0xff; /* 0xffxx + 0x200: past any buffer */
	expect_fail("version pointer beyond the file", sizeof(img), 64, -EINVAL, "beyond");

	make_image("6.1.0");
	memset(img + VERSION_OFF, 'x', 0x1000 - VERSION_OFF); /* no NUL to the setup's end */
	expect_fail("unterminated version string", sizeof(img), 64, -EINVAL, "has no end");

	make_image("6.1\x01-27");
	expect_fail("control byte in the release", sizeof(img), 64, -EINVAL, "not text (byte 0x01)");

	make_image(" 6.1.0");
	expect_fail("empty release", sizeof(img), 64, -EINVAL, "empty version string");
}

static void files(void)
{
	static char tmpl[] = "/tmp/mpl-test-kimage-XXXXXX";
	struct diag d = DIAG_INIT;
	const char *path;
	char rel[64];
	FILE *f;
	int r;

	check_tmpdir_make(tmpl);
	path = check_tmpdir_file("vmlinuz");
	make_image("6.1.0-47-amd64 (debian-kernel@lists.debian.org) #1 SMP");
	f = fopen(path, "w");
	if (!f || fwrite(img, 1, sizeof(img), f) != sizeof(img) || fclose(f))
		check_failf("write the image", "%s", strerror(errno));
	r = kimage_release(path, rel, sizeof(rel), &d);
	check(r == 0 && !strcmp(rel, "6.1.0-47-amd64"), "release of an image file", "got %d '%s' (%s)",
	      r, rel, diag_str(&d));

	img[0x203] = 'X';
	f = fopen(path, "w");
	if (!f || fwrite(img, 1, 0x400, f) != 0x400 || fclose(f))
		check_failf("write the image", "%s", strerror(errno));
	r = kimage_release(path, rel, sizeof(rel), &d);
	check(r == -EINVAL && strstr(d.msg, "is not an x86 bzImage: no 'HdrS' at 0x202") &&
		      strstr(d.msg, path),
	      "a file that is no bzImage is named", "got %d '%s'", r, d.msg);
	diag_clear(&d);

	r = kimage_release(check_tmpdir_file("missing"), rel, sizeof(rel), &d);
	check(r == -ENOENT && strstr(d.msg, "cannot read the kernel image"), "a missing file",
	      "got %d '%s'", r, d.msg);
}

/* Images named vmlinuz-<release>: the header must say the same release. */
static unsigned real_images(const char *pattern)
{
	unsigned n = 0;
	glob_t g;

	if (glob(pattern, 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *want = strstr(g.gl_pathv[i], "vmlinuz-") + strlen("vmlinuz-");
		struct diag d = DIAG_INIT;
		char rel[256];
		int r = kimage_release(g.gl_pathv[i], rel, sizeof(rel), &d);

		check(r == 0 && !strcmp(rel, want), g.gl_pathv[i], "got %d '%s' (%s), want '%s'", r,
		      r ? "" : rel, diag_str(&d), want);
		n++;
	}
	globfree(&g);
	return n;
}

int main(void)
{
	const char *kdir = check_kernel_dir();
	char pattern[4096];
	unsigned n;

	synthetic();
	files();
	n = real_images("/boot/vmlinuz-*");
	snprintf(pattern, sizeof(pattern), "%s/*/boot/vmlinuz-*", kdir);
	n += real_images(pattern);
	if (!n)
		check_skip_part("real images: none in /boot or '%s' (mptcp-lab kernel fetch --dir %s, "
				"or set MPL_KERNEL_DIR)", kdir, kdir);
	return check_done();
}
