/*
 * kconfig_expr.c: Kconfig's dependency expressions evaluated on a
 * .config's values (kconfig_eval of kconfig.h): symbols and y/m/n
 * constants, !, &&, ||, parentheses, and the comparisons = != < > <= >=
 * (numbers numerically, else text); a macro ($(...)) or a syntax this
 * reader does not know cannot be evaluated. And the symbols an expression
 * names with their values, for the explanations (kconfig.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kconfig_int.h"

/* ---- expressions ------------------------------------------------------------------ */

struct kexpr {
	const char *p;
	const struct kconfig_values *v;
	bool bad;
};

static void kexpr_space(struct kexpr *x)
{
	while (*x->p == ' ' || *x->p == '\t')
		x->p++;
}

/* A symbol or constant: its text into buf. false at the end or on a
 * character that cannot start one. */
static bool kexpr_word(struct kexpr *x, char *buf, size_t size)
{
	const char *s;
	size_t n;

	kexpr_space(x);
	s = x->p;
	if (*s == '"' || *s == '\'') {
		const char *e = strchr(s + 1, *s);

		if (!e)
			return false;
		n = (size_t)(e - s - 1);
		snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), s + 1);
		x->p = e + 1;
		return true;
	}
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.");
	if (!n)
		return false;
	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), s);
	x->p = s + n;
	return true;
}

/* The value of a word: y/m/n constants, else the symbol's value ("n"
 * when not set), else the word itself (a number or a string). */
static const char *kexpr_value(const struct kexpr *x, const char *w)
{
	const char *v;

	if (!strcmp(w, "y") || !strcmp(w, "m") || !strcmp(w, "n"))
		return w;
	if (isupper((unsigned char)w[0]) || w[0] == '_') {
		v = kconfig_value(x->v, w);
		return v ? v : "n";
	}
	return w;
}

static int tri_of(const char *val)
{
	return !strcmp(val, "y") ? 2 : !strcmp(val, "m") ? 1 : 0;
}

/* Compare two values as Kconfig does: numbers numerically, else text. */
static int kexpr_cmp(const char *a, const char *b)
{
	char *ea, *eb;
	long long na, nb;
	char ua[1024], ub[1024];

	/* a .config string value carries its quotes */
	if (a[0] == '"')
		snprintf(ua, sizeof(ua), "%.*s", (int)strlen(a) - 2, a + 1), a = ua;
	if (b[0] == '"')
		snprintf(ub, sizeof(ub), "%.*s", (int)strlen(b) - 2, b + 1), b = ub;
	errno = 0;
	na = strtoll(a, &ea, 0);
	nb = strtoll(b, &eb, 0);
	if (*a && *b && !*ea && !*eb && !errno)
		return na < nb ? -1 : na > nb;
	return strcmp(a, b);
}

static int kexpr_or(struct kexpr *x);

static int kexpr_primary(struct kexpr *x)
{
	char a[256], b[256], op[3] = "";
	int c;

	kexpr_space(x);
	if (*x->p == '!') {
		x->p++;
		return 2 - kexpr_primary(x);
	}
	if (*x->p == '(') {
		int r;

		x->p++;
		r = kexpr_or(x);
		kexpr_space(x);
		if (*x->p != ')')
			x->bad = true;
		else
			x->p++;
		return r;
	}
	if (*x->p == '$') {
		x->bad = true; /* a macro: not evaluated here */
		return 0;
	}
	if (!kexpr_word(x, a, sizeof(a))) {
		x->bad = true;
		return 0;
	}
	kexpr_space(x);
	if (x->p[0] == '!' && x->p[1] == '=')
		snprintf(op, sizeof(op), "!=");
	else if ((x->p[0] == '<' || x->p[0] == '>') && x->p[1] == '=')
		snprintf(op, sizeof(op), "%c=", x->p[0]);
	else if (x->p[0] == '=' || x->p[0] == '<' || x->p[0] == '>')
		snprintf(op, sizeof(op), "%c", x->p[0]);
	if (!op[0])
		return tri_of(kexpr_value(x, a));
	x->p += strlen(op);
	if (!kexpr_word(x, b, sizeof(b))) {
		x->bad = true;
		return 0;
	}
	c = kexpr_cmp(kexpr_value(x, a), kexpr_value(x, b));
	if (!strcmp(op, "="))
		return c == 0 ? 2 : 0;
	if (!strcmp(op, "!="))
		return c != 0 ? 2 : 0;
	if (!strcmp(op, "<"))
		return c < 0 ? 2 : 0;
	if (!strcmp(op, ">"))
		return c > 0 ? 2 : 0;
	if (!strcmp(op, "<="))
		return c <= 0 ? 2 : 0;
	return c >= 0 ? 2 : 0;
}

static int kexpr_and(struct kexpr *x)
{
	int r = kexpr_primary(x);

	for (;;) {
		kexpr_space(x);
		if (x->p[0] != '&' || x->p[1] != '&')
			return r;
		x->p += 2;
		{
			int s = kexpr_primary(x);

			r = s < r ? s : r;
		}
	}
}

static int kexpr_or(struct kexpr *x)
{
	int r = kexpr_and(x);

	for (;;) {
		kexpr_space(x);
		if (x->p[0] != '|' || x->p[1] != '|')
			return r;
		x->p += 2;
		{
			int s = kexpr_and(x);

			r = s > r ? s : r;
		}
	}
}

int kconfig_eval(const char *expr, const struct kconfig_values *v)
{
	struct kexpr x = { .p = expr, .v = v };
	int r = kexpr_or(&x);

	kexpr_space(&x);
	if (x.bad || (*x.p && *x.p != '#'))
		return -1;
	return r;
}

/* Whether "SYM=" starts an item of the list "A=y B=n". */
static bool listed(const char *list, const char *sym)
{
	size_t n = strlen(sym);

	for (const char *p = list; (p = strstr(p, sym)); p += n)
		if ((p == list || p[-1] == ' ') && p[n] == '=')
			return true;
	return false;
}

/* "A=y B=n" for the symbols an expression names. */
void kconfig_expr_symbols(const char *expr, const struct kconfig_values *v, char *buf, size_t size)
{
	size_t len = 0;
	const char *p = expr;

	buf[0] = '\0';
	while (*p && len + 1 < size) {
		size_t n;

		if (*p == '"') {
			const char *e = strchr(p + 1, '"');

			p = e ? e + 1 : p + strlen(p);
			continue;
		}
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (n && (isupper((unsigned char)p[0]) || p[0] == '_') &&
		    !(p > expr && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '$' ||
				   p[-1] == '('))) {
			char sym[96];
			const char *val;

			snprintf(sym, sizeof(sym), "%.*s", (int)(n < sizeof(sym) ? n : sizeof(sym) - 1), p);
			if (!listed(buf, sym)) {
				val = kconfig_value(v, sym);
				len += (size_t)snprintf(buf + len, size - len, "%s%s=%s", len ? " " : "",
							sym, val ? val : "n");
			}
			p += n;
			continue;
		}
		p += n ? n : 1;
	}
	if (len >= size)
		buf[size - 1] = '\0';
}
