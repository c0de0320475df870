/*
 * html.c: escaping for HTML and Markdown, safe file names, and the frame
 * of a report page (html.h).
 *
 * The escaping itself is common/escape.c's (one escaper for HTML, XML and
 * these Markdown cells); this file only picks the rules of each context.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "html.h"

/* Markdown cells as GitHub reads them: HTML (it renders inline HTML), and
 * the characters Markdown gives a meaning as numeric references, since a
 * backslash is not honoured inside every Markdown construct and an entity
 * is. */
static const struct escape_rules html_md_rules = {
	.ascii = {
		ESCAPE_HTML_ASCII,
		['|'] = "&#124;", ['`'] = "&#96;", ['*'] = "&#42;", ['_'] = "&#95;",
		['['] = "&#91;", [']'] = "&#93;", ['\\'] = "&#92;", ['#'] = "&#35;",
		['~'] = "&#126;", ['!'] = "&#33;",
	},
	.utf8 = true,
};

int html_text(FILE *f, const char *s)
{
	return escape_write(f, s, &escape_html);
}

int html_attr(FILE *f, const char *s)
{
	return escape_write(f, s, &escape_html);
}

size_t html_escape(char *buf, size_t size, const char *s)
{
	return escape_buf(buf, size, s, &escape_html);
}

int html_md_text(FILE *f, const char *s)
{
	return escape_write(f, s, &html_md_rules);
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
	"body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1400px;"
	"color:#222;background:#fff;padding:0 1em}\n"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}\n"
	"table{border-collapse:collapse;margin:.5em 0}\n"
	"th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:middle}\n"
	"th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums;"
	"white-space:nowrap}\n"
	"table{font-size:.92em}\n"
	".regression{background:#fdd;color:#900;font-weight:bold}\n"
	".improvement{background:#dfd;color:#060}\n"
	".inconclusive{background:#ffc;color:#660}\n"
	".no-change{color:#555}\n"
	".summary span{display:inline-block;margin-right:1em;padding:.2em .6em;border-radius:3px}\n"
	".note{color:#555;font-style:italic}\n"
	"img.chart{max-width:100%;height:auto;border:1px solid #eee}\n"
	"img.spark{width:160px;height:32px}\n"
	".pair{display:flex;flex-wrap:wrap;gap:.5em;align-items:flex-start}\n"
	".pair>a{flex:1 1 420px}\n"
	".pair>div.side{flex:1 1 560px;min-width:0}\n"
	"tr.differs td{background:#fff3e0}\n"
	".weak,.weak td{background:#fff3e0}\n"
	"span.weak,td.weak{color:#a04000;font-weight:bold}td.weak{white-space:nowrap}\n"
	".sure{border-left:4px solid #3b6ea5;padding:.3em .8em;background:#f4f7fb}\n"
	"ul.figs{margin:.2em 0 1em}ul.figs li{margin:.15em 0}\n"
	"h4{margin:1.2em 0 .2em;padding:.1em .4em}\n"
	"table.events td{font-size:.9em}\n"
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
