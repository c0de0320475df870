/*
 * utf8.h: the one UTF-8 decoder of the project, for the places that make
 * stored strings safe for a format (the XML/HTML escaper in escape.c, the
 * gnuplot labels of report/charts.c).
 *
 * It only says how long the valid sequence at a byte is; what to do with
 * an invalid byte (U+FFFD, '?') is the caller's rule. It does not
 * convert, normalise or count characters.
 */
#ifndef MPL_UTF8_H
#define MPL_UTF8_H

#include <stddef.h>

/*
 * Length (1 to 4) of the valid UTF-8 sequence at s, which has len >= 1
 * bytes left, or 0 when the bytes there are not one: a stray continuation
 * byte, a sequence cut short, an overlong form, a surrogate or a code
 * point above U+10FFFF (all of which make XML invalid).
 */
size_t utf8_seq_len(const unsigned char *s, size_t len);

#endif
