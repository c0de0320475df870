/*
 * html.c: escaping for HTML and Markdown, safe file names, and the frame
 * of a report page (html.h).
 *
 * The escaping is a whitelist by construction: every byte is either
 * copied as part of a valid UTF-8 sequence that is not markup-significant,
 * or replaced. It does not try to pretty-print or to guess what a label
 * meant: a hostile label is shown as the characters it contains.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

/* Length of the valid UTF-8 sequence at s, or 0 (overlong forms,
 * surrogates and code points above U+10FFFF are invalid). */
static size_t html_utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* The replacement for one byte of ASCII, or NULL to copy it. */
static const char *html_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\t':
		return NULL;
	default:
		return c < 0x20 || c == 0x7f ? " " : NULL;
	}
}

/* Calls out(piece, len) for every piece of the escaped form of s. */
struct html_sink {
	char *buf;
	size_t size, len; /* len: the full escape's length */
	FILE *f;
	const char *md_extra; /* Markdown: characters to backslash-escape */
};

static void html_put(struct html_sink *k, const char *p, size_t n)
{
	if (k->f) {
		fwrite(p, 1, n, k->f);
	} else if (k->size && k->len + n < k->size) {
		memcpy(k->buf + k->len, p, n);
		k->buf[k->len + n] = '\0';
	} else if (k->size) {
		/* full: stop copying, keep the count */
		k->size = 0;
	}
	k->len += n;
}

static void html_escape_into(struct html_sink *k, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	const char *e;
	size_t n;

	while (*p) {
		n = html_utf8_len(p);
		if (n == 0) {
			html_put(k, "\xef\xbf\xbd", 3); /* U+FFFD */
			p++;
			continue;
		}
		if (n > 1) {
			html_put(k, (const char *)p, n);
			p += n;
			continue;
		}
		e = html_entity(*p);
		if (e) {
			html_put(k, e, strlen(e));
		} else if (k->md_extra && strchr(k->md_extra, *p)) {
			char esc[8];

			/* numeric entities: a backslash is not honoured inside
			 * every Markdown construct, an entity is */
			snprintf(esc, sizeof(esc), "&#%d;", *p);
			html_put(k, esc, strlen(esc));
		} else {
			html_put(k, (const char *)p, 1);
		}
		p++;
	}
}

int html_text(FILE *f, const char *s)
{
	struct html_sink k = { .f = f };

	html_escape_into(&k, s);
	return ferror(f) ? -EIO : 0;
}

int html_attr(FILE *f, const char *s)
{
	return html_text(f, s);
}

size_t html_escape(char *buf, size_t size, const char *s)
{
	struct html_sink k = { .buf = buf, .size = size };

	if (size)
		buf[0] = '\0';
	html_escape_into(&k, s);
	return k.len;
}

int html_md_text(FILE *f, const char *s)
{
	struct html_sink k = { .f = f, .md_extra = "|`*_[]\\#~!" };

	html_escape_into(&k, s);
	return ferror(f) ? -EIO : 0;
}

void html_slug(char buf[HTML_SLUG_MAX], const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t n = 0;
	bool dash = false;

	for (const unsigned char *q = p; *q; q++)
		h = (h ^ *q) * 16777619u;
	for (; *p && n < 24; p++) {
		unsigned char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
			buf[n++] = (char)c;
			dash = false;
		} else if (!dash && n) {
			buf[n++] = '-';
			dash = true;
		}
	}
	while (n && buf[n - 1] == '-')
		n--;
	if (!n)
		buf[n++] = 'x';
	snprintf(buf + n, HTML_SLUG_MAX - n, "-%08x", h);
}

/* Plain, readable, printable; colours carry the verdicts. No web font, no
 * script, no external resource of any kind. */
static const char html_css[] =
	"body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1200px;"
	"color:#222;background:#fff;padding:0 1em}\n"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}\n"
	"table{border-collapse:collapse;margin:.5em 0}\n"
	"th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:middle}\n"
	"th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	".regression{background:#fdd;color:#900;font-weight:bold}\n"
	".improvement{background:#dfd;color:#060}\n"
	".inconclusive{background:#ffc;color:#660}\n"
	".no-change{color:#555}\n"
	".summary span{display:inline-block;margin-right:1em;padding:.2em .6em;border-radius:3px}\n"
	".note{color:#555;font-style:italic}\n"
	"img.chart{max-width:100%;height:auto;border:1px solid #eee}\n"
	"img.spark{width:120px;height:24px}\n"
	"code{background:#f6f6f6;padding:0 .2em}\n";

int html_page_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>",
	      f);
	html_text(f, title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_css);
	return ferror(f) ? -EIO : 0;
}

int html_page_end(FILE *f)
{
	fputs("</body>\n</html>\n", f);
	return ferror(f) ? -EIO : 0;
}

const char *html_verdict_class(enum compare_verdict v)
{
	switch (v) {
	case COMPARE_REGRESSION:
		return "regression";
	case COMPARE_IMPROVEMENT:
		return "improvement";
	case COMPARE_INCONCLUSIVE:
		return "inconclusive";
	default:
		return "no-change";
	}
}
