/*
 * test_common: the pieces of common/ every module grows or reports with,
 * array_grow() (array.h) and the error list of diag.h (struct diag_list).
 *
 * array_grow keeps no capacity: it is implied by the count (8, 16, 32,
 * ...), so the tests walk an array across those boundaries and check that
 * what was stored survives every move, that each new element arrives
 * zeroed, and that a size that would overflow is refused without touching
 * the array. Prints one line per case and exits 1 on the first failure.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "check.h"
#include "diag.h"

/* An element with padding-free fields of several sizes, so "zeroed"
 * means every byte. */
struct elem {
	uint64_t value;
	uint32_t index;
	char tag[12];
};

static bool all_zero(const void *p, size_t size)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < size; i++)
		if (b[i])
			return false;
	return true;
}

static void test_grow_keeps_contents(void)
{
	struct elem *arr = NULL;
	size_t n = 0;

	for (; n < 100; n++) {
		struct elem *g = array_grow(arr, n, sizeof(*arr));
		size_t cap = n < 8 ? 8 : 2 * n;
		bool boundary = n == 0 || (n >= 8 && !(n & (n - 1)));

		if (!g)
			check_failf("grow to 100", "NULL at n = %zu", n);
		arr = g;
		if (!all_zero(&arr[n], sizeof(arr[n])))
			check_failf("grow to 100", "element %zu is not zeroed", n);
		/* A move happens only at 0, 8, 16, 32, 64, with room for the
		 * doubled count. */
		if (boundary && malloc_usable_size(arr) < cap * sizeof(*arr))
			check_failf("grow to 100", "at n = %zu room for %zu bytes, expected %zu",
				    n, malloc_usable_size(arr), cap * sizeof(*arr));
		for (size_t i = 0; i < n; i++)
			if (arr[i].value != 1000 + i || arr[i].index != i ||
			    strcmp(arr[i].tag, "kept"))
				check_failf("grow to 100", "element %zu changed when growing at n = %zu",
					    i, n);
		arr[n].value = 1000 + n;
		arr[n].index = (uint32_t)n;
		snprintf(arr[n].tag, sizeof(arr[n].tag), "kept");
	}
	check_pass("grow to 100 across 8, 16, 32 and 64: contents kept, new elements zeroed");
	free(arr);
}

static void test_grow_overflow(void)
{
	int *arr = array_grow(NULL, 0, sizeof(*arr));
	/* A count that is a power of two, so array_grow must reallocate, and
	 * whose doubled size in bytes does not fit a size_t. The array does
	 * not really hold that many elements: array_grow must refuse before
	 * it touches anything. */
	size_t huge = (size_t)1 << (sizeof(size_t) * 8 - 2);

	if (!arr)
		check_failf("overflow", "cannot allocate the first element");
	for (size_t n = 1; n < 8; n++) {
		int *g = array_grow(arr, n, sizeof(*arr));

		if (!g)
			check_failf("overflow", "cannot grow to %zu", n + 1);
		arr = g;
	}
	for (int i = 0; i < 8; i++)
		arr[i] = 7 * i;
	check(array_grow(arr, huge, sizeof(*arr)) == NULL, "overflow of the doubled count",
	      "a size that overflows was not refused");
	for (int i = 0; i < 8; i++)
		if (arr[i] != 7 * i)
			check_failf("overflow leaves the array intact", "element %d is %d", i, arr[i]);
	check_pass("overflow leaves the array intact");
	check(array_grow(NULL, 0, SIZE_MAX / 4) == NULL, "overflow of the first allocation",
	      "8 elements of SIZE_MAX / 4 bytes were not refused");
	check(array_grow(NULL, 0, 0) == NULL, "zero-sized elements", "not refused");
	free(arr);
}

static void test_diag_list(void)
{
	struct diag_list l = DIAG_LIST_INIT;
	char want[64];

	for (int i = 0; i < 40; i++)
		if (diag_list_add(&l, "f.json: links[%d]: %s", i, "wrong") < 0)
			check_failf("diag_list_add", "failed at message %d", i);
	check(l.n == 40, "diag_list keeps every message", "n = %zu", l.n);
	for (size_t i = 0; i < l.n; i++) {
		snprintf(want, sizeof(want), "f.json: links[%zu]: wrong", i);
		if (strcmp(l.msgs[i], want))
			check_failf("diag_list keeps the order", "message %zu is '%s'", i,
				    l.msgs[i]);
	}
	check_pass("diag_list keeps the order");
	diag_list_release(&l);
	check(l.n == 0 && l.msgs == NULL, "diag_list_release empties the list", "n = %zu", l.n);
	check(diag_list_add(&l, "again") == 0 && l.n == 1 && !strcmp(l.msgs[0], "again"),
	      "a released list can be used again", "n = %zu", l.n);
	diag_list_release(&l);
	diag_list_release(NULL);
	check(diag_list_add(NULL, "nowhere") == 0, "adding to no list is a no-op", "failed");
}

int main(void)
{
	test_grow_keeps_contents();
	test_grow_overflow();
	test_diag_list();
	printf("%u cases passed\n", check_count);
	return 0;
}
