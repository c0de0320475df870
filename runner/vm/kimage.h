/*
 * kimage.h: what a kernel image says about itself, read from the file
 * without booting it: the release string of an x86 bzImage (the setup
 * header's kernel_version pointer), as `uname -r` will print it.
 */
#ifndef MPL_KIMAGE_H
#define MPL_KIMAGE_H

#include <stddef.h>

#include "diag.h"

/* The release ("6.1.0-27-amd64") of the bzImage at path. -EINVAL with
 * the reason when the file is not a bzImage or carries no version. */
int kimage_release(const char *path, char *release, size_t size, struct diag *d);

/* The same from the image's first bytes: its setup code, (setup_sects + 1)
 * * 512 bytes (at most 128 KiB; the version string is often past 0x1000),
 * or the whole file if shorter. For tests and fuzzing. */
int kimage_release_buf(const unsigned char *buf, size_t len, char *release, size_t size,
		       struct diag *d);

#endif
