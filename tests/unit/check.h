/*
 * check.h: the checks every unit test uses, header-only (each test is one
 * translation unit, so the counters below are per program).
 *
 * Three families, one per output style the tests print:
 *  - named cases, "ok   <name>" / "FAIL <name>: <why>": check(), checkf(),
 *    check_pass(), check_failf();
 *  - TAP-like numbered lines, "ok <n> - <msg>": CHECK(), fatal; REQUIRE(),
 *    fatal and silent unless it fails;
 *  - quiet soft checks that only count failures: EXPECT(), for tests that
 *    want every broken case in one run (main() ends with check_expect_done()).
 * Every fatal check exits 1 (never abort), so atexit() handlers still run:
 * the scratch directory below is removed that way, and test_mib removes its
 * live namespace that way.
 *
 * Honest skips: check_skip() ends a test that cannot run here with 77
 * (CTest's SKIP_RETURN_CODE), check_skip_part() notes a part that cannot
 * and check_done() then returns 77; with MPL_STRICT=1 (scripts/
 * run-tests.sh --strict) both are failures that name what is missing.
 *
 * Plus a scratch directory under /tmp removed at exit (kept with
 * MPL_TEST_KEEP=1), check_must() for set-up calls that are not themselves
 * under test, and what the input parsers' tests (topology, scenario)
 * share: broken documents derived from a valid one, and the diag_list a
 * failed load leaves.
 *
 * Not here: anything specific to one module under test.
 */
#ifndef MPL_TESTS_CHECK_H
#define MPL_TESTS_CHECK_H

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h" /* diag_list, ARRAY_SIZE() */

/* Passed fatal checks (all families), and failed EXPECT()s. */
static unsigned check_count __attribute__((unused));
static unsigned check_failures __attribute__((unused));

static inline void __attribute__((noreturn)) check_vfailf(const char *what, const char *fmt,
							  va_list ap)
{
	printf("FAIL %s: ", what);
	vprintf(fmt, ap);
	printf("\n");
	exit(1);
}

/* Print "FAIL <what>: <message>" and exit 1. */
static inline void __attribute__((format(printf, 2, 3), noreturn))
check_failf(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vfailf(what, fmt, ap);
}

/* Count one passed case and print "ok   <what>". */
static inline void check_pass(const char *what)
{
	check_count++;
	printf("ok   %s\n", what);
}

/* A named case: passes, or fails with the formatted reason. */
static inline void __attribute__((format(printf, 3, 4)))
check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (!ok) {
		va_start(ap, fmt);
		check_vfailf(what, fmt, ap);
	}
	check_pass(what);
}

/* A case whose message is its name: "ok   <msg>" or "FAIL <msg>", exit 1. */
static inline void __attribute__((format(printf, 2, 3))) checkf(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		exit(1);
	check_count++;
}

/* "FAIL file:line: cond: msg" on stderr, stdout flushed first so the two
 * streams interleave. */
static inline void check_vreport_at(const char *file, int line, const char *cond,
				    const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "FAIL %s:%d: %s: ", file, line, cond);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* CHECK() and REQUIRE(): count; on failure report and exit 1; else print
 * "ok <n> - <msg>" unless quiet. */
static inline void __attribute__((format(printf, 6, 7)))
check_at(bool ok, bool quiet, const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	check_count++;
	va_start(ap, fmt);
	if (!ok) {
		check_vreport_at(file, line, cond, fmt, ap);
		exit(1);
	}
	if (!quiet) {
		printf("ok %u - ", check_count);
		vprintf(fmt, ap);
		putchar('\n');
		fflush(stdout);
	}
	va_end(ap);
}

/* EXPECT(): on failure report and count, and go on. */
static inline void __attribute__((format(printf, 5, 6)))
check_expect_at(bool ok, const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	check_vreport_at(file, line, cond, fmt, ap);
	va_end(ap);
	check_failures++;
}

/* The condition is evaluated before the message's arguments, which may
 * read what it computed; text is the condition as written. */
#define CHECK_AT_(cond, text, quiet, ...)                                      \
	do {                                                                   \
		bool check_ok_ = (cond);                                       \
		check_at(check_ok_, quiet, __FILE__, __LINE__, text, __VA_ARGS__); \
	} while (0)

/* Fatal, numbered: "ok <n> - <msg>", or "FAIL file:line: cond: msg" on
 * stderr and exit 1. */
#define CHECK(cond, ...) CHECK_AT_(cond, #cond, false, __VA_ARGS__)

/* Fatal and quiet: counted, and only a failure prints, so msg says what
 * went wrong ("'%s' has no PNG signature"). */
#define REQUIRE(cond, ...) CHECK_AT_(cond, #cond, true, __VA_ARGS__)

/* Soft: print "FAIL file:line: cond: msg" on stderr, count, go on. */
#define EXPECT(cond, ...)                                                      \
	do {                                                                   \
		bool check_ok_ = (cond);                                       \
		check_expect_at(check_ok_, __FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

/* End of an EXPECT() test: main()'s exit code, after the summary line. */
static inline int check_expect_done(const char *ok_line)
{
	if (check_failures) {
		fprintf(stderr, "%u check(s) failed\n", check_failures);
		return 1;
	}
	printf("%s\n", ok_line);
	return 0;
}

/* ---- skips ------------------------------------------------------------------ */

/* Parts of the test that could not run here (check_skip_part()). */
static unsigned check_skipped_parts __attribute__((unused));

/* MPL_STRICT=1 (scripts/run-tests.sh --strict): a skip is a failure, so CI
 * that expects every feature does not pass on a machine that lacks one. */
static inline bool check_strict(void)
{
	const char *s = getenv("MPL_STRICT");

	return s && !strcmp(s, "1");
}

static inline void check_vskip(const char *what, const char *fmt, va_list ap)
{
	printf("%s%s: ", check_strict() ? "FAIL (strict mode, would skip) " : "SKIP ", what);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

/* The rest of the test cannot run here: exit 77 (CTest's SKIP_RETURN_CODE)
 * with the reason, or 1 in strict mode. A failed EXPECT() still fails. */
static inline void __attribute__((format(printf, 1, 2), noreturn)) check_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vskip("the rest", fmt, ap);
	va_end(ap);
	exit(check_failures || check_strict() ? 1 : 77);
}

/* One part of the test cannot run here: say why and go on with the
 * others; check_done() then ends the test as skipped. In strict mode the
 * test fails here. */
static inline void __attribute__((format(printf, 1, 2))) check_skip_part(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vskip("a part", fmt, ap);
	va_end(ap);
	if (check_strict())
		exit(1);
	check_skipped_parts++;
}

/* main()'s return: 1 if an EXPECT() failed, 77 if a part was skipped, else
 * 0, after a line with the counts. */
static inline int check_done(void)
{
	printf("# %u checks passed, %u failed, %u part(s) skipped\n", check_count, check_failures,
	       check_skipped_parts);
	if (check_failures)
		return 1;
	return check_skipped_parts ? 77 : 0;
}

/* Where the suite keeps real kernels: $MPL_KERNEL_DIR, else the cache
 * that scripts/run-tests.sh and tests/vm/vm_netem.sh fetch into. */
static inline const char *check_kernel_dir(void)
{
	const char *k = getenv("MPL_KERNEL_DIR");

	return k && k[0] ? k : "/var/tmp/mptcp-lab-kernels";
}

/* A set-up step that must work: exit 1 with the diag (or errno) if not. */
static inline void check_must(int ret, const char *what, const struct diag *d)
{
	if (ret < 0) {
		fprintf(stderr, "FAIL: %s: %s\n", what, d ? diag_str(d) : strerror(-ret));
		exit(1);
	}
}

/* ---- scratch directory ---------------------------------------------------- */

static char *check_tmpdir_path __attribute__((unused));

static inline int check_tmpdir_rm_entry(const char *path, const struct stat *st, int flag,
					struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void check_tmpdir_remove(void)
{
	if (!check_tmpdir_path)
		return;
	if (getenv("MPL_TEST_KEEP"))
		printf("# MPL_TEST_KEEP: %s is kept\n", check_tmpdir_path);
	else
		nftw(check_tmpdir_path, check_tmpdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdtemp(tmpl) and remove the tree at exit; tmpl ("...XXXXXX") must be
 * static, it becomes the directory's name. Exits 1 if it cannot be made. */
static inline const char *check_tmpdir_make(char *tmpl)
{
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		exit(1);
	}
	check_tmpdir_path = tmpl;
	atexit(check_tmpdir_remove);
	return tmpl;
}

/* "<tmpdir>/<name>"; four rotating buffers, so a call may use a few. */
static inline const char *check_tmpdir_file(const char *name)
{
	static char buf[4][256];
	static unsigned next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", check_tmpdir_path, name);
	return p;
}

/* ---- parser errors ---------------------------------------------------------- */

/* base with the first occurrence of each `from` replaced by its `to`
 * (edits: from, to pairs); malloc'd. A `from` not in base is a bug of the
 * test, and fails it as such. */
static inline char *check_edited(const char *name, const char *base, const char *const *edits,
				 size_t n_edits)
{
	char *doc = strdup(base);

	if (!doc)
		check_failf(name, "out of memory");
	for (size_t i = 0; i + 1 < n_edits; i += 2) {
		const char *from = edits[i], *to = edits[i + 1];
		char *at = strstr(doc, from), *grown;
		size_t head, tail;

		if (!at)
			check_failf(name, "test bug: '%s' not in the base document", from);
		head = (size_t)(at - doc);
		tail = strlen(at + strlen(from));
		grown = malloc(head + strlen(to) + tail + 1);
		if (!grown)
			check_failf(name, "out of memory");
		memcpy(grown, doc, head);
		memcpy(grown + head, to, strlen(to));
		memcpy(grown + head + strlen(to), at + strlen(from), tail + 1);
		free(doc);
		doc = grown;
	}
	return doc;
}

/* Print the messages, indented, under a failing case. */
static inline void check_errs_dump(const struct diag_list *e)
{
	for (size_t i = 0; i < e->n; i++)
		printf("       | %s\n", e->msgs[i]);
}

/* Whether one message holds every substring of subs (NULL-terminated). */
static inline bool check_errs_have(const struct diag_list *e, const char *const *subs)
{
	for (size_t i = 0; i < e->n; i++) {
		bool all = true;

		for (size_t k = 0; subs[k] && all; k++)
			all = strstr(e->msgs[i], subs[k]) != NULL;
		if (all)
			return true;
	}
	return false;
}

/* A load (returned r, messages e) must have failed with -EINVAL and one
 * message holding every substring of want (NULL-terminated; the first
 * three are shown when none does). */
static inline void check_errs_want(const char *name, int r, const struct diag_list *e,
				   const char *const *want)
{
	if (r != -EINVAL) {
		check_errs_dump(e);
		check_failf(name, "expected -EINVAL, got %d", r);
	}
	if (!check_errs_have(e, want)) {
		check_errs_dump(e);
		check_failf(name, "no message contains all of: '%s', '%s', '%s'", want[0],
			    want[1] ? want[1] : "", want[1] && want[2] ? want[2] : "");
	}
}

/* A broken document: the base with edits applied must fail to load with
 * one message holding every substring of want. */
struct check_bad_case {
	const char *name;
	const char *edits[6]; /* from, to pairs; NULL after the last */
	const char *want[4];  /* NULL-terminated */
};

/* Loads doc and requires the failure (the test's expect_error()). */
typedef size_t (*check_expect_fn)(const char *name, const char *doc, const char *const *sets,
				  size_t n_sets, const char *const *want);

/* Every case, derived from base, through expect. */
static inline void check_bad_cases(const char *base, const struct check_bad_case *cases,
				   size_t n_cases, check_expect_fn expect)
{
	for (size_t i = 0; i < n_cases; i++) {
		const struct check_bad_case *c = &cases[i];
		size_t n_edits = 0;
		char *doc;

		while (n_edits < ARRAY_SIZE(c->edits) && c->edits[n_edits])
			n_edits++;
		doc = check_edited(c->name, base, c->edits, n_edits);
		expect(c->name, doc, NULL, 0, c->want);
		free(doc);
	}
}

#endif
