/*
 * escape.c: the XML/HTML escaper (escape.h).
 *
 * A whitelist by construction: every byte is either copied as part of a
 * valid UTF-8 sequence or an ASCII byte its rules leave alone, or
 * replaced. It does not try to guess what a label meant: a hostile label
 * is shown as the characters it contains.
 */
#include <errno.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"

const struct escape_rules escape_html = {
	.ascii = { ESCAPE_HTML_ASCII },
	.utf8 = true,
};

const struct escape_rules escape_xml = {
	.ascii = {
		[0x01 ... 0x08] = "?", [0x0b ... 0x0c] = "?", [0x0e ... 0x1f] = "?",
		[0x7f] = "?", ['\t'] = "&#9;", ['\n'] = "&#10;", ['\r'] = "&#13;",
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
		['\''] = "&apos;",
	},
};

/* Where the escaped pieces go: a stream, or a buffer (len counts the full
 * escape; size drops to 0 once a piece did not fit). */
struct escape_sink {
	FILE *f;
	char *buf;
	size_t size, len;
};

static void escape_put(struct escape_sink *k, const void *p, size_t n)
{
	if (k->f) {
		fwrite(p, 1, n, k->f);
	} else if (k->size && k->len + n < k->size) {
		memcpy(k->buf + k->len, p, n);
		k->buf[k->len + n] = '\0';
	} else {
		k->size = 0;
	}
	k->len += n;
}

static void escape_into(struct escape_sink *k, const char *s, const struct escape_rules *r)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t left = strlen((const char *)p), n;
	const char *e;

	for (; left; p += n, left -= n) {
		n = 1;
		if (*p >= 0x80 && r->utf8) {
			n = utf8_seq_len(p, left);
			if (n) {
				escape_put(k, p, n);
			} else {
				escape_put(k, "\xef\xbf\xbd", 3); /* U+FFFD */
				n = 1;
			}
		} else if (*p < 0x80 && (e = r->ascii[*p])) {
			escape_put(k, e, strlen(e));
		} else {
			escape_put(k, p, 1);
		}
	}
}

int escape_write(FILE *f, const char *s, const struct escape_rules *r)
{
	struct escape_sink k = { .f = f };

	escape_into(&k, s, r);
	return ferror(f) ? -EIO : 0;
}

size_t escape_buf(char *buf, size_t size, const char *s, const struct escape_rules *r)
{
	struct escape_sink k = { .buf = buf, .size = size };

	if (size)
		buf[0] = '\0';
	escape_into(&k, s, r);
	return k.len;
}
