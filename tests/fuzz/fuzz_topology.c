/*
 * fuzz_topology: libFuzzer target for the topology parser and --set.
 *
 * Input: a topology document, optionally followed by NUL-separated --set
 * assignments ("{...}\0paths.p.shaping.rate=1mbit\0links[0].mtu=9000"), so
 * one corpus covers both parsers. Besides memory errors (ASan/UBSan), it
 * aborts on broken promises of topology.h: failure without a message,
 * success with messages, or counts beyond the spec's arrays.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_spec(const struct lab_spec *s)
{
	if (s->n_nodes > LAB_MAX_NODES || s->n_links > LAB_MAX_LINKS ||
	    s->n_routes > LAB_MAX_ROUTES || s->n_sysctls > LAB_MAX_SYSCTLS ||
	    s->n_limits > LAB_MAX_NODES || s->n_endpoints > LAB_MAX_ENDPOINTS ||
	    s->n_paths > LAB_MAX_PATHS)
		abort();
	for (unsigned i = 0; i < s->n_paths; i++)
		if (!s->paths[i].n_links || s->paths[i].n_links > 4 ||
		    !s->paths[i].name[0])
			abort();
	for (unsigned i = 0; i < s->n_links; i++)
		for (unsigned e = 0; e < 2; e++)
			if (s->links[i].end[e].n_addrs > LAB_MAX_ADDRS ||
			    !s->links[i].end[e].ifname[0] || !s->links[i].end[e].node[0])
				abort();
	if (!s->client[0] || !s->server[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topology t;
	struct fuzz_input in;
	struct diag_list errs = DIAG_LIST_INIT;
	int r;

	if (fuzz_input_split(&in, data, size) < 0)
		return 0;

	r = topology_load_buffer("fuzz.json", in.copy, in.doc_len, in.sets, in.n_sets, &t, &errs);
	if (r == 0 && errs.n)
		abort();
	if (r < 0 && !errs.n)
		abort();
	if (r == 0)
		check_spec(&t.spec);
	for (size_t i = 0; i < errs.n; i++)
		if (strncmp(errs.msgs[i], "fuzz.json", 9))
			abort();
	diag_list_release(&errs);
	fuzz_input_release(&in);
	return 0;
}
