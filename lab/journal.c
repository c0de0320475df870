/* journal.c: the undo journal's storage; lab.c replays it in reverse. */
#include <errno.h>
#include <stdlib.h>

#include "lab_int.h"

int lab_journal_push(struct lab_journal *j, const struct lab_undo *u)
{
	if (j->n == j->cap) {
		unsigned cap = j->cap ? j->cap * 2 : 16;
		struct lab_undo *g = realloc(j->items, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		j->items = g;
		j->cap = cap;
	}
	j->items[j->n++] = *u;
	return 0;
}

void lab_journal_release(struct lab_journal *j)
{
	free(j->items);
	j->items = NULL;
	j->n = j->cap = 0;
}
