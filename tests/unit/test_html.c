/*
 * test_html: report/html.c. Every markup-significant character is escaped
 * in text and attributes, control characters and invalid UTF-8 cannot
 * slip through, Markdown cells cannot be split or turned into links, a
 * hostile label comes out as inert text, and file names derived from user
 * strings are [a-z0-9_-] with a hash that tells similar names apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "html.h"

static int failures;

#define EXPECT(cond, ...)                                                      \
	do {                                                                   \
		if (cond) {                                                    \
			printf("ok   ");                                       \
		} else {                                                       \
			printf("FAIL ");                                       \
			failures++;                                            \
		}                                                              \
		printf(__VA_ARGS__);                                           \
		putchar('\n');                                                 \
	} while (0)

/* What a writer produced for s, in a malloc'ed string. */
static char *through(int (*fn)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || fn(f, s) < 0 || fclose(f)) {
		fprintf(stderr, "cannot write to memory\n");
		exit(1);
	}
	return buf;
}

static void expect_escape(const char *in, const char *want)
{
	char *got = through(html_text, in);
	char *attr = through(html_attr, in);
	char buf[512];
	size_t n = html_escape(buf, sizeof(buf), in);

	EXPECT(!strcmp(got, want), "html_text(\"%s\") = \"%s\" (want \"%s\")", in, got, want);
	EXPECT(!strcmp(attr, want), "html_attr(\"%s\") = \"%s\"", in, attr);
	EXPECT(!strcmp(buf, want) && n == strlen(want), "html_escape(\"%s\") = \"%s\" (%zu)", in,
	       buf, n);
	free(got);
	free(attr);
}

/* The first '&' of s that does not start an entity, or NULL. */
static const char *bare_amp(const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p == '&' && p[1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789#")] != ';')
			return p;
	return NULL;
}

/* The first control byte of s but a tab, or NULL. */
static const unsigned char *control_byte(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t')
			return p;
	return NULL;
}

/* No byte of out may open markup or end an attribute. */
static void expect_inert(const char *what, const char *out)
{
	const unsigned char *ctl = control_byte(out);

	EXPECT(!strpbrk(out, "<>\"'"), "%s: no < > \" ' left in \"%s\"", what, out);
	EXPECT(!bare_amp(out), "%s: every '&' starts an entity in \"%s\"", what, out);
	EXPECT(!ctl, "%s: no control byte kept (0x%02x)", what, ctl ? *ctl : 0);
}

static void test_escape(void)
{
	char small[8];
	size_t n;

	expect_escape("&", "&amp;");
	expect_escape("<", "&lt;");
	expect_escape(">", "&gt;");
	expect_escape("\"", "&quot;");
	expect_escape("'", "&#39;");
	expect_escape("a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	expect_escape("&amp;", "&amp;amp;");
	expect_escape("line1\nline2\r\x1b[31m", "line1 line2  [31m");
	expect_escape("tab\there", "tab\there");
	expect_escape("caf\xc3\xa9 \xe2\x86\x92", "caf\xc3\xa9 \xe2\x86\x92");
	expect_escape("bad\xff\xc0\xaf" "end", "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "end");
	expect_escape("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	expect_escape("", "");
	expect_escape(NULL, "");

	n = html_escape(small, sizeof(small), "<<<<");
	EXPECT(n == 16 && strlen(small) < sizeof(small) && !strchr(small, '<'),
	       "html_escape truncates safely: \"%s\", needs %zu", small, n);
	EXPECT(!strcmp(small, "&lt;") , "html_escape cuts between entities (\"%s\")", small);
}

static void test_hostile(void)
{
	static const char *const labels[] = {
		"<script>alert(1)</script>",
		"`touch /tmp/mpl-x` $(touch /tmp/mpl-y)",
		"\" onerror=\"alert(1)",
		"' onload='alert(1)",
		"</td></tr></table><img src=x onerror=alert(1)>",
		"<!-- comment --><![CDATA[x]]>",
		"a\nb\r\nc\x7f" "d",
	};

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		char *out = through(html_text, labels[i]);

		expect_inert(labels[i], out);
		free(out);
	}
}

/* out with every entity ("&...;") removed, in place. */
static char *without_entities(char *out)
{
	char *w = out;

	for (const char *p = out; *p; p++) {
		if (*p == '&' && strchr(p, ';')) {
			p = strchr(p, ';');
			continue;
		}
		*w++ = *p;
	}
	*w = '\0';
	return out;
}

static void test_markdown(void)
{
	char *out = through(html_md_text, "a|b `c` *d* _e_ [l](http://x) ![i](y) \\ # ~ <s>");

	EXPECT(strstr(out, "&#124;") != NULL, "markdown: '|' is an entity");
	EXPECT(!strpbrk(without_entities(out), "|`*_[]\\#~!<>"),
	       "markdown: no markup character left outside entities (\"%s\")", out);
	free(out);
	out = through(html_md_text, "x\ny");
	EXPECT(!strchr(out, '\n'), "markdown: a newline cannot end the table row");
	free(out);
}

static int slug_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= HTML_SLUG_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static void test_slug(void)
{
	static const char *const names[] = {
		"plain", "Plain", "../../etc/passwd", "/abs/path", "", "....",
		"`touch /tmp/x`", "$(rm -rf /)", "a b\nc", "\xff\xfe", "<script>",
		"a-very-long-scenario-name-that-goes-on-and-on-and-on-for-ever-and-ever",
	};
	char a[HTML_SLUG_MAX], b[HTML_SLUG_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		html_slug(a, names[i]);
		EXPECT(slug_ok(a), "slug of \"%s\" is \"%s\"", names[i], a);
	}
	html_slug(a, "plain");
	html_slug(b, "Plain");
	EXPECT(strcmp(a, b), "'plain' and 'Plain' get different slugs (%s, %s)", a, b);
	html_slug(a, "a b");
	html_slug(b, "a-b");
	EXPECT(strcmp(a, b), "'a b' and 'a-b' get different slugs (%s, %s)", a, b);
	html_slug(a, "same");
	html_slug(b, "same");
	EXPECT(!strcmp(a, b), "a slug is stable (%s)", a);
}

static void test_page(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	html_page_begin(f, "<script>x</script>");
	html_page_end(f);
	fclose(f);
	EXPECT(!strstr(buf, "<script"), "the page frame escapes its title and has no script");
	EXPECT(!strstr(buf, "http:") && !strstr(buf, "https:") && !strstr(buf, "@import") &&
		       !strstr(buf, "url("),
	       "the page frame fetches nothing");
	EXPECT(strstr(buf, "<meta charset=\"utf-8\">") != NULL, "the page declares UTF-8");
	free(buf);
	EXPECT(!strcmp(compare_verdict_words(COMPARE_REGRESSION)->css, "regression") &&
		       !strcmp(compare_verdict_words(COMPARE_NO_CHANGE)->css, "no-change"),
	       "verdict classes");
}

int main(void)
{
	test_escape();
	test_hostile();
	test_markdown();
	test_slug();
	test_page();
	printf("%s: %d failure%s\n", failures ? "FAIL" : "PASS", failures,
	       failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
