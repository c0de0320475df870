/* array.c: array_grow() of array.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

void *array_grow(void *arr, size_t n, size_t elem)
{
	size_t want;
	char *p = arr;

	if (!elem)
		return NULL;
	if (!p || !n || (n >= 8 && !(n & (n - 1)))) {
		want = n < 8 ? 8 : 2 * n;
		if (want > SIZE_MAX / elem)
			return NULL;
		p = realloc(arr, want * elem);
		if (!p)
			return NULL;
	}
	memset(p + n * elem, 0, elem);
	return p;
}
