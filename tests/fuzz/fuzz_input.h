/*
 * fuzz_input.h: how the input-file fuzzers (fuzz_topology, fuzz_scenario)
 * read what libFuzzer gives them: a JSON document, optionally followed by
 * NUL-separated --set assignments ("{...}\0a.b=1\0c[0].d=x"), so one corpus
 * covers both parsers. Header-only, one target per program.
 *
 * Not here: what each target checks of its parser.
 */
#ifndef MPL_FUZZ_INPUT_H
#define MPL_FUZZ_INPUT_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_SETS 8

struct fuzz_input {
	char *copy;	/* the input, NUL-terminated */
	size_t doc_len; /* the document: copy's first string */
	const char *sets[FUZZ_MAX_SETS]; /* the --set strings after it */
	size_t n_sets;
};

/* Split data into in; -ENOMEM when out of memory. */
static inline int fuzz_input_split(struct fuzz_input *in, const uint8_t *data, size_t size)
{
	char *p, *end;

	in->copy = malloc(size + 1);
	if (!in->copy)
		return -ENOMEM;
	memcpy(in->copy, data, size);
	in->copy[size] = '\0';
	end = in->copy + size;
	in->doc_len = strnlen(in->copy, size);
	in->n_sets = 0;
	for (p = in->copy + in->doc_len; p < end && in->n_sets < FUZZ_MAX_SETS;) {
		p++; /* skip the NUL */
		in->sets[in->n_sets++] = p;
		p += strlen(p);
	}
	return 0;
}

static inline void fuzz_input_release(struct fuzz_input *in)
{
	free(in->copy);
	in->copy = NULL;
}

#endif
