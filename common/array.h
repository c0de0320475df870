/*
 * array.h: the one way this project grows an array by one element.
 *
 * An array grown only through array_grow() needs no capacity field: the
 * capacity is implied by the count (8, then doubling), so the realloc
 * happens when n is 0 or a power of two of at least 8, and appending is
 * amortised O(1).
 *
 *	struct thing *g = array_grow(a->items, a->n, sizeof(*g));
 *	if (!g)
 *		return -ENOMEM;
 *	a->items = g;
 *	a->items[a->n++] = item;
 */
#ifndef MPL_ARRAY_H
#define MPL_ARRAY_H

#include <stddef.h>

/* Room for element n of arr, which holds n elements of elem bytes: the
 * (possibly moved) array with element n zeroed, or NULL when out of
 * memory or the size overflows (arr is then unchanged and still owned by
 * the caller). */
void *array_grow(void *arr, size_t n, size_t elem);

#endif
