/*
 * mib.c: the MPTcpExt MIB counters of one namespace, and their deltas.
 *
 * /proc/net/netstat holds pairs of lines, a header and the values:
 *
 *	MPTcpExt: MPCapableSYNRX MPCapableSYNTX ... WinProbe
 *	MPTcpExt: 3 3 ... 0
 *
 * The list grows with every kernel release and entries have been inserted
 * in the middle, so counters are matched by name, never by column, and a
 * missing name means "this kernel does not count that", not zero.
 *
 * The file shows the namespace of the reading thread, so the thread
 * enters the namespace (lab_netns_run) and reads
 * /proc/thread-self/net/netstat; /proc/self would show the namespace of
 * the process's main thread.
 *
 * It does not interpret the counters (which deltas prove what is the
 * runner's business) and does not read the other MIB lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab_int.h"
#include "lab_mptcp.h"

#define MIB_PATH "/proc/thread-self/net/netstat"
#define MIB_PREFIX "MPTcpExt:"
#define MIB_READ_MAX (1u << 20) /* 6.18 writes about 8 KiB */

/* A line of text without its newline: [p, end). */
struct mib_line {
	const char *p, *end;
};

/* Next line of [*pos, end); false at the end of the text. */
static bool next_line(const char **pos, const char *end, struct mib_line *l)
{
	const char *nl;

	if (*pos >= end)
		return false;
	l->p = *pos;
	nl = memchr(*pos, '\n', (size_t)(end - *pos));
	l->end = nl ? nl : end;
	*pos = nl ? nl + 1 : end;
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Next blank-separated token of [*pos, end); false when none is left. */
static bool next_token(const char **pos, const char *end, const char **tok, size_t *len)
{
	const char *p = *pos;

	while (p < end && is_space(*p))
		p++;
	if (p >= end)
		return false;
	*tok = p;
	while (p < end && !is_space(*p))
		p++;
	*len = (size_t)(p - *tok);
	*pos = p;
	return true;
}

static bool line_has_prefix(const struct mib_line *l)
{
	size_t n = strlen(MIB_PREFIX);

	return (size_t)(l->end - l->p) >= n && !memcmp(l->p, MIB_PREFIX, n);
}

/* A decimal u64 with no sign, no spaces, no overflow. */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned digit;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		digit = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return -EINVAL;
		v = v * 10 + digit;
	}
	*out = v;
	return 0;
}

static int find_index(const struct lab_mib *m, const char *name)
{
	unsigned i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->c[i].name, name))
			return (int)i;
	return -1;
}

static int parse_names(const struct mib_line *l, struct lab_mib *m)
{
	const char *pos = l->p + strlen(MIB_PREFIX), *tok;
	size_t len;

	while (next_token(&pos, l->end, &tok, &len)) {
		if (m->n >= LAB_MIB_MAX)
			return -E2BIG;
		if (len >= LAB_MIB_NAME_MAX)
			return -ENAMETOOLONG;
		if (memchr(tok, '\0', len))
			return -EINVAL;
		memcpy(m->c[m->n].name, tok, len);
		m->c[m->n].name[len] = '\0';
		if (find_index(m, m->c[m->n].name) >= 0)
			return -EINVAL;
		m->c[m->n].value = 0;
		m->n++;
	}
	return 0;
}

static int parse_values(const struct mib_line *l, struct lab_mib *m)
{
	const char *pos = l->p + strlen(MIB_PREFIX), *tok;
	unsigned i = 0;
	size_t len;
	int r;

	while (next_token(&pos, l->end, &tok, &len)) {
		if (i >= m->n)
			return -EINVAL;
		r = parse_u64(tok, len, &m->c[i].value);
		if (r < 0)
			return r;
		i++;
	}
	return i == m->n ? 0 : -EINVAL;
}

int lab_mib_parse(const char *text, size_t len, struct lab_mib *m)
{
	const char *pos = text, *end = text + len;
	struct mib_line l;
	bool header = false, values = false;
	int r = -ENOENT;

	m->n = 0;
	while (next_line(&pos, end, &l)) {
		if (!line_has_prefix(&l))
			continue;
		if (values) { /* the kernel writes one pair, never more */
			r = -EINVAL;
			goto out;
		}
		if (!header) {
			r = parse_names(&l, m);
			if (r < 0)
				goto out;
			header = true;
			r = -EINVAL; /* until the value line is seen */
			continue;
		}
		r = parse_values(&l, m);
		if (r < 0)
			goto out;
		values = true;
	}
out:
	if (r < 0)
		m->n = 0;
	return r;
}

bool lab_mib_get(const struct lab_mib *m, const char *name, uint64_t *value)
{
	int i = find_index(m, name);

	if (i < 0)
		return false;
	if (value)
		*value = m->c[i].value;
	return true;
}

bool lab_mib_is_gauge(const char *name)
{
	static const char *const gauges[] = {
		"MPCurrEstab", /* v6.7: incremented and decremented */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(gauges); i++)
		if (!strcmp(name, gauges[i]))
			return true;
	return false;
}

int lab_mib_delta(const struct lab_mib *before, const struct lab_mib *after,
		  struct lab_mib *delta)
{
	unsigned i;

	delta->n = 0;
	for (i = 0; i < after->n; i++) {
		uint64_t old;

		if (lab_mib_is_gauge(after->c[i].name) ||
		    !lab_mib_get(before, after->c[i].name, &old))
			continue;
		if (after->c[i].value < old) {
			delta->n = 0;
			return -ERANGE;
		}
		memcpy(delta->c[delta->n].name, after->c[i].name, LAB_MIB_NAME_MAX);
		delta->c[delta->n].value = after->c[i].value - old;
		delta->n++;
	}
	return 0;
}

/* ---- reading inside a namespace -------------------------------------------- */

struct mib_read {
	struct lab_mib *m;
	struct diag *d;
};

static int read_all(int fd, char **text, size_t *len)
{
	size_t cap = 16384, used = 0;
	char *buf = malloc(cap), *bigger;
	ssize_t got;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (used == cap) {
			if (cap >= MIB_READ_MAX) {
				free(buf);
				return -EFBIG;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
		got = read(fd, buf + used, cap - used);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -errno;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	*text = buf;
	*len = used;
	return 0;
}

/* Runs with the thread inside the namespace. */
static int mib_read_here(void *arg)
{
	struct mib_read *c = arg;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	fd = open(MIB_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(c->d, -errno, "cannot open '%s': %m", MIB_PATH);
	r = read_all(fd, &text, &len);
	if (r < 0)
		return diag_set(c->d, r, "cannot read '%s': %s", MIB_PATH, strerror(-r));
	r = lab_mib_parse(text, len, c->m);
	if (r == -ENOENT)
		return diag_set(c->d, r, "no MPTcpExt counters in '%s' (kernel without MPTCP?)",
				MIB_PATH);
	if (r < 0)
		return diag_set(c->d, r, "cannot parse the MPTcpExt counters of '%s': %s",
				MIB_PATH, strerror(-r));
	return 0;
}

int lab_mib_read(int nsfd, struct lab_mib *m, struct diag *d)
{
	struct mib_read c = { .m = m, .d = d };

	m->n = 0;
	if (nsfd < 0)
		return mib_read_here(&c);
	return lab_netns_run(nsfd, mib_read_here, &c, d);
}
