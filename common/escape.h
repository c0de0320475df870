/*
 * escape.h: the one XML/HTML escaper of the project. Every string from the
 * store that reaches an HTML page, a Markdown table read by GitHub or a
 * JUnit XML file is written through escape_write() or escape_buf(), with
 * the rules of the context it goes into.
 *
 * A context's rules are data: the replacement of each ASCII byte (NULL to
 * copy it) and whether bytes above 0x7f must form valid UTF-8 (else each
 * invalid byte becomes U+FFFD). escape_html and escape_xml are the two
 * markup contexts; a module with a context of its own (Markdown cells,
 * KTAP names) defines its table beside its writer.
 *
 * What it does not do: decide which context a string is in, quote
 * attribute values, or cut strings to a length (escape_buf only stops at
 * the buffer's end, on a piece boundary).
 */
#ifndef MPL_ESCAPE_H
#define MPL_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct escape_rules {
	const char *ascii[128]; /* replacement of each ASCII byte; NULL: the byte itself */
	bool utf8;		/* invalid UTF-8 as U+FFFD; false: bytes >= 0x80 as they are */
};

/*
 * The entities every markup context needs; a table that adds its own
 * entries starts with ESCAPE_HTML_ASCII (GCC's designated ranges).
 */
#define ESCAPE_HTML_ASCII                                                      \
	[0x01 ... 0x08] = " ", [0x0a ... 0x1f] = " ", [0x7f] = " ",            \
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",     \
	['\''] = "&#39;"

/*
 * HTML text and attribute values (double- or single-quoted alike):
 * & < > " ' as entities; control characters other than tab as spaces (a
 * newline in a name must not look like two names); invalid UTF-8 as
 * U+FFFD.
 */
extern const struct escape_rules escape_html;

/*
 * XML text and attribute values (JUnit): & < > " ' as entities; tab, line
 * feed and carriage return as character references (an attribute value
 * keeps them then); the other control characters, which XML 1.0 forbids,
 * as '?'; other bytes as they are.
 */
extern const struct escape_rules escape_xml;

/* Write s (NULL: "") escaped by r. 0, or -EIO when the stream reports an
 * error. */
int escape_write(FILE *f, const char *s, const struct escape_rules *r);

/*
 * Escape s into buf, always NUL-terminated when size > 0: pieces (an
 * entity, a character) are copied whole until one does not fit, then
 * nothing more. Returns the length the full escape needs.
 */
size_t escape_buf(char *buf, size_t size, const char *s, const struct escape_rules *r);

#endif
