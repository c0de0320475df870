/*
 * kconfig_map.c: the string map of kconfig_int.h, which holds a .config's
 * values (kconfig.c) and a tree's entries by symbol (kconfig_tree.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kconfig_int.h"

/* ---- a string map ------------------------------------------------------- */

static uint64_t kmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct kmap_slot *kmap_slot(const struct kmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = kmap_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (!m->slots[i].key || !strcmp(m->slots[i].key, key))
			return &m->slots[i];
}

void *kconfig_kmap_get(const struct kmap *m, const char *key)
{
	struct kmap_slot *s = kmap_slot(m, key);

	return s && s->key ? s->val : NULL;
}

/* Set key (copied) to val; the old value, if any, in *old. */
int kconfig_kmap_put(struct kmap *m, const char *key, void *val, void **old)
{
	struct kmap_slot *s;

	if (old)
		*old = NULL;
	if ((m->n + 1) * 2 > m->cap) {
		struct kmap bigger = { .cap = m->cap ? m->cap * 2 : 1024 };

		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (!bigger.slots)
			return -ENOMEM;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].key)
				*kmap_slot(&bigger, m->slots[i].key) = m->slots[i];
		bigger.n = m->n;
		free(m->slots);
		*m = bigger;
	}
	s = kmap_slot(m, key);
	if (s->key) {
		if (old)
			*old = s->val;
		s->val = val;
		return 0;
	}
	s->key = strdup(key);
	if (!s->key)
		return -ENOMEM;
	s->val = val;
	m->n++;
	return 0;
}

void kconfig_kmap_release(struct kmap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		free(m->slots[i].key);
		if (free_val)
			free_val(m->slots[i].val);
	}
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
