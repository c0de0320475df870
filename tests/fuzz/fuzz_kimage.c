/*
 * fuzz_kimage: libFuzzer target for kimage_release_buf(), the x86 setup
 * header reader. The input is the image's first bytes, exactly len of them
 * (ASan sees any read past the end). Besides memory errors it aborts on
 * broken promises of kimage.h: a success must give a non-empty printable
 * release without blanks that fits the buffer, a failure a negative errno
 * and a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *copy = malloc(size ? size : 1);
	struct diag d = DIAG_INIT;
	char rel[32];
	size_t n;
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	memset(rel, 0x7f, sizeof(rel));
	r = kimage_release_buf(copy, size, rel, sizeof(rel), &d);
	free(copy);
	if (r < 0) {
		if (!d.msg[0] || d.err != r)
			abort();
		return 0;
	}
	if (r != 0)
		abort();
	n = strnlen(rel, sizeof(rel));
	if (!n || n == sizeof(rel))
		abort();
	for (size_t i = 0; i < n; i++)
		if (rel[i] <= ' ' || rel[i] > '~')
			abort();
	return 0;
}
