/*
 * diag: one error convention for the whole project.
 *
 * Functions that can fail return 0 or a negative errno. The layer that knows
 * what went wrong fills a struct diag once, with a message in git's grammar:
 * what failed first, lowercase, no final period, names in quotes, the
 * kernel's reason last. diag_set() returns the error code so a failure reads
 *
 *	return diag_set(d, -EEXIST, "cannot add veth '%s' in netns '%s'", a, ns);
 *
 * Callers higher up may add context with diag_prefix(). Nothing here prints.
 *
 * An input file's checks want every problem at once, not the first: they
 * collect located messages ("file:line:col: ..." or "file: json.path: ...")
 * in a struct diag_list, return -EINVAL, and the command line prints the
 * list.
 */
#ifndef MPL_DIAG_H
#define MPL_DIAG_H

#include <stdarg.h>
#include <stddef.h>

#define DIAG_MSG_MAX 1024

struct diag {
	int err;		/* 0 or a negative errno */
	char msg[DIAG_MSG_MAX]; /* empty when err == 0 */
};

#define DIAG_INIT { 0, "" }

/* Record a failure unless one is already recorded (the first, deepest
 * message wins). Returns err so callers can `return diag_set(...)`.
 * d may be NULL. */
int diag_set(struct diag *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int diag_vset(struct diag *d, int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Prepend "<context>: " to an existing message; returns d->err. */
int diag_prefix(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void diag_clear(struct diag *d);

/* Every error found in one input, in the order found. */
struct diag_list {
	char **msgs;
	size_t n;
};

#define DIAG_LIST_INIT { NULL, 0 }

/* Append a message. 0, or -ENOMEM (the message is then lost; the caller's
 * own error count still says the input was wrong). l may be NULL. */
int diag_list_add(struct diag_list *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void diag_list_release(struct diag_list *l);

/* Message for d: d->msg, or strerror(-d->err) when no message was set. */
const char *diag_str(const struct diag *d);

/* Cleanup helpers in the style of systemd's _cleanup_. */
#define _cleanup_(f) __attribute__((cleanup(f)))
void freep(void *p);
void closep(int *fd);
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Move ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                                                            \
	({                                                                     \
		__typeof__(p) _ptr_ = (p);                                     \
		(p) = NULL;                                                    \
		_ptr_;                                                         \
	})
#define TAKE_FD(fd)                                                            \
	({                                                                     \
		int _fd_ = (fd);                                               \
		(fd) = -1;                                                     \
		_fd_;                                                          \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* snprintf that reports truncation as -ENAMETOOLONG instead of silently
 * cutting a name or a path short. */
int xsnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
