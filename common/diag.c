/*
 * diag.c: error context carried from where a failure happens to main(), one
 * message (struct diag) or every message of an input (struct diag_list).
 * Nothing here prints.
 */
#include "diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"

int diag_vset(struct diag *d, int err, const char *fmt, va_list ap)
{
	if (!d)
		return err;
	if (d->err)
		return err; /* keep the first, most specific message */
	d->err = err;
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	return err;
}

int diag_set(struct diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vset(d, err, fmt, ap);
	va_end(ap);
	return err;
}

int diag_prefix(struct diag *d, const char *fmt, ...)
{
	char head[DIAG_MSG_MAX], both[2 * DIAG_MSG_MAX + 2];
	size_t n;
	va_list ap;

	if (!d)
		return 0;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	snprintf(both, sizeof(both), "%s: %s", head, diag_str(d));
	n = strlen(both);
	if (n >= sizeof(d->msg))
		n = sizeof(d->msg) - 1; /* cut at the limit */
	memcpy(d->msg, both, n);
	d->msg[n] = '\0';
	return d->err;
}

void diag_clear(struct diag *d)
{
	if (!d)
		return;
	d->err = 0;
	d->msg[0] = '\0';
}

int diag_list_add(struct diag_list *l, const char *fmt, ...)
{
	char **grown;
	char *msg;
	va_list ap;
	int n;

	if (!l)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	grown = array_grow(l->msgs, l->n, sizeof(*grown));
	if (!grown) {
		free(msg);
		return -ENOMEM;
	}
	l->msgs = grown;
	l->msgs[l->n++] = msg;
	return 0;
}

void diag_list_release(struct diag_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->msgs[i]);
	free(l->msgs);
	l->msgs = NULL;
	l->n = 0;
}

const char *diag_str(const struct diag *d)
{
	if (!d)
		return "";
	if (d->msg[0])
		return d->msg;
	return d->err ? strerror(-d->err) : "";
}

void freep(void *p)
{
	free(*(void **)p);
}

void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int xsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}
