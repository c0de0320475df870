/*
 * html.h: the pieces of a static HTML report that must be right every
 * time: escaping text for HTML and Markdown, file names derived from user
 * strings, and the page frame (inline CSS, no script, nothing fetched).
 *
 * Every string that reaches a page from the store (scenario names, variant
 * values, tags, reasons) goes through html_text() or html_attr(); every
 * file name built from one goes through html_slug(). What it does not do:
 * read the store, compute verdicts, draw charts (charts.h), decide what a
 * page says (pages.h). The escaping itself is common/escape.h's.
 *
 * The writers return 0, or -EIO when the stream reports an error.
 */
#ifndef MPL_HTML_H
#define MPL_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Longest slug html_slug() writes, NUL included. */
#define HTML_SLUG_MAX 48

/*
 * Write s as HTML text: & < > " ' become entities; control characters
 * other than tab become spaces (a newline in a name must not look like two
 * names), invalid UTF-8 bytes become U+FFFD. Safe in element content and
 * in double- or single-quoted attribute values alike.
 */
int html_text(FILE *f, const char *s);
/* The same, for an attribute value (identical rules, kept apart so a
 * reader sees which context a call writes into). */
int html_attr(FILE *f, const char *s);
/* Escape s into buf (truncated at a character boundary, always
 * NUL-terminated). Returns the length the full escape needs. */
size_t html_escape(char *buf, size_t size, const char *s);

/*
 * Markdown table cell text: HTML-escaped as above (GitHub renders inline
 * HTML), and | ` * _ [ ] \ # ~ also escaped with a backslash or entity, so a
 * label can neither end a cell nor become a link or an image.
 */
int html_md_text(FILE *f, const char *s);

/*
 * A file name for a user string: lowercase [a-z0-9_-] from s (other bytes
 * become '-', runs collapsed, at most 24 characters), then '-' and 8 hex
 * digits of a hash of the whole string, so two names that map to the same
 * letters still get different files. Never empty, never "." or "..".
 */
void html_slug(char buf[HTML_SLUG_MAX], const char *s);

/* The page frame: doctype, meta charset, title (escaped), inline CSS,
 * and "<body>"; html_page_end closes it. */
int html_page_begin(FILE *f, const char *title);
int html_page_end(FILE *f);

#endif
