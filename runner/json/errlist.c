#include "errlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void errlist_add(struct errlist *e, const char *fmt, ...)
{
	char **grown;
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	grown = realloc(e->msgs, (e->n + 1) * sizeof(*grown));
	if (!grown) {
		free(msg);
		return;
	}
	e->msgs = grown;
	e->msgs[e->n++] = msg;
}

void errlist_release(struct errlist *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	e->msgs = NULL;
	e->n = 0;
}
