/*
 * errlist: every error found in an input file, collected so the user sees
 * them all in one go ("file:line:col: ..." or "file: json.path: ...").
 */
#ifndef MPL_ERRLIST_H
#define MPL_ERRLIST_H

#include <stddef.h>

struct errlist {
	char **msgs;
	size_t n;
};

void errlist_add(struct errlist *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void errlist_release(struct errlist *e);

#endif
