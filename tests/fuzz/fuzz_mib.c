/*
 * fuzz_mib: libFuzzer target for lab_mib_parse(), the /proc/net/netstat
 * parser, and lab_mib_delta() on what it returns.
 *
 * The input is the text as is, not NUL-terminated (the parser must not
 * read past len; ASan sees it because the copy is exactly len bytes).
 * Besides memory errors it aborts on broken promises of lab_mptcp.h: an
 * empty result after a failure, more than LAB_MIB_MAX counters, names that
 * are empty, unterminated, blank-containing or repeated, a delta of a
 * snapshot with itself that is not all zeros.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lab_mptcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lab_mib m, delta;
	char *copy = malloc(size ? size : 1);
	uint64_t v;
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	r = lab_mib_parse(copy, size, &m);
	free(copy);
	if (r < 0) {
		if (m.n != 0)
			abort();
		return 0;
	}
	if (m.n > LAB_MIB_MAX)
		abort();
	for (unsigned i = 0; i < m.n; i++) {
		size_t len = strnlen(m.c[i].name, LAB_MIB_NAME_MAX);

		if (!len || len == LAB_MIB_NAME_MAX || strpbrk(m.c[i].name, " \t\r\n"))
			abort();
		if (!lab_mib_get(&m, m.c[i].name, &v))
			abort();
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(m.c[i].name, m.c[j].name))
				abort();
	}
	if (lab_mib_delta(&m, &m, &delta) < 0)
		abort();
	for (unsigned i = 0; i < delta.n; i++)
		if (delta.c[i].value)
			abort();
	return 0;
}
