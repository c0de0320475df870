/*
 * fuzz_scenario: libFuzzer target for the scenario parser and --set.
 *
 * Input: a scenario document, optionally followed by NUL-separated --set
 * assignments ("{...}\0traffic.duration=3s\0paths.path1.rate=1mbit"), as
 * fuzz_topology does. Topology names resolve against ./topologies, so the
 * target first changes into the source tree (MPL_SOURCE_DIR from the
 * environment, else the compile definition, else the tree this file is
 * in): the shipped scenarios in the corpus then load their real
 * topologies and the fuzzer reaches the semantic checks behind them.
 *
 * Besides memory errors (ASan/UBSan) it aborts on broken promises of
 * scenario.h: failure without a message, success with messages, messages
 * that are not located in the input (or, for the topology's own errors,
 * not followed by the scenario's "topology:" message), and a parsed
 * scenario outside its bounds (counts, sorted events, one of duration and
 * bytes, references to paths that exist, netem required when needed).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_input.h"
#include "scenario.h"

#define FUZZ_ORIGIN "fuzz.json"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef MPL_SOURCE_DIR
static char fuzz_src_dir[4096];
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *src = getenv("MPL_SOURCE_DIR");

	(void)argc;
	(void)argv;
	if (!src) {
#ifdef MPL_SOURCE_DIR
		src = MPL_SOURCE_DIR;
#else
		/* This file is <src>/tests/fuzz/fuzz_scenario.c. */
		const char *file = __FILE__, *tail = "/tests/fuzz/fuzz_scenario.c";
		size_t fl = strlen(file), tl = strlen(tail);

		if (fl > tl && !strcmp(file + fl - tl, tail)) {
			snprintf(fuzz_src_dir, sizeof(fuzz_src_dir), "%.*s", (int)(fl - tl), file);
			src = fuzz_src_dir;
		}
#endif
	}
	if (!src || chdir(src) < 0) {
		fprintf(stderr, "fuzz_scenario: cannot change into the source tree '%s' (set MPL_SOURCE_DIR)\n",
			src ? src : "?");
		abort();
	}
	return 0;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static bool has_path(const struct scenario *s, const char *name)
{
	for (unsigned i = 0; i < s->topo.spec.n_paths; i++)
		if (!strcmp(s->topo.spec.paths[i].name, name))
			return true;
	return false;
}

static void check_scenario(const struct scenario *s)
{
	const struct scenario_traffic *t = &s->traffic;
	uint64_t combos = 1;
	bool netem = false;

	if (!s->name[0] || !terminated(s->name, sizeof(s->name)) ||
	    !terminated(s->description, sizeof(s->description)) || !s->topology_file[0] ||
	    strlen(s->sha256) != 64 || strlen(s->topology_sha256) != 64)
		abort();
	if (s->n_axes > SCENARIO_MAX_AXES || s->n_events > SCENARIO_MAX_EVENTS ||
	    s->n_requires > SCENARIO_MAX_REQUIRES || s->topo.spec.n_paths == 0 ||
	    s->topo.spec.n_paths > LAB_MAX_PATHS)
		abort();
	for (unsigned a = 0; a < s->n_axes; a++) {
		if (!s->axes[a].name[0] || s->axes[a].n_values == 0 ||
		    s->axes[a].n_values > SCENARIO_MAX_VALUES)
			abort();
		for (unsigned v = 0; v < s->axes[a].n_values; v++)
			if (!s->axes[a].values[v][0] ||
			    !terminated(s->axes[a].values[v], SCENARIO_VALUE_MAX))
				abort();
		combos *= s->axes[a].n_values;
	}
	if (combos > 256)
		abort();
	if (!t->duration_us == !t->bytes || t->streams < 1 || t->streams > 128 ||
	    !has_path(s, t->path) || (t->family != AF_INET && t->family != AF_INET6) ||
	    (strcmp(t->engine, "iperf3") && strcmp(t->engine, "native")))
		abort();
	if (s->repetitions < 1 || s->repetitions > 1000 || s->expect.subflows > 8 ||
	    (s->expect.max_efficiency > 0 && s->expect.min_efficiency > s->expect.max_efficiency))
		abort();
	for (unsigned i = 0; i < s->n_events; i++) {
		const struct scenario_event *e = &s->events[i];

		if (!has_path(s, e->path) || (i && e->at_us < s->events[i - 1].at_us) ||
		    (t->duration_us && e->at_us >= t->omit_us + t->duration_us))
			abort();
		if (e->action == SCENARIO_EV_SHAPING)
			netem |= lab_shaping_needs_netem(&e->up) ||
				 lab_shaping_needs_netem(&e->down);
	}
	for (unsigned i = 0; i < s->topo.spec.n_paths; i++)
		netem |= lab_shaping_needs_netem(&s->topo.spec.paths[i].up) ||
			 lab_shaping_needs_netem(&s->topo.spec.paths[i].down);
	if (netem && !scenario_requires(s, "qdisc.netem"))
		abort();
	for (unsigned i = 0; i < s->n_requires; i++)
		if (!s->requires[i][0] || !terminated(s->requires[i], sizeof(s->requires[i])))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scenario s;
	struct fuzz_input in;
	struct diag_list errs = DIAG_LIST_INIT;
	bool foreign = false, topo_msg = false;
	int r;

	if (fuzz_input_split(&in, data, size) < 0)
		return 0;

	r = scenario_load_buffer(FUZZ_ORIGIN, in.copy, in.doc_len, in.sets, in.n_sets, &s, &errs);
	if (r == 0 && errs.n)
		abort();
	if (r < 0 && !errs.n)
		abort();
	if (r == 0)
		check_scenario(&s);
	else if (s.name[0] || s.n_events || s.topo.spec.n_paths)
		abort(); /* cleared after a failure */
	for (size_t i = 0; i < errs.n; i++) {
		if (strncmp(errs.msgs[i], FUZZ_ORIGIN, strlen(FUZZ_ORIGIN)))
			foreign = true;
		else if (!strncmp(errs.msgs[i], FUZZ_ORIGIN ": topology: ",
				  strlen(FUZZ_ORIGIN ": topology: ")))
			topo_msg = true;
	}
	/* The topology's errors name the topology file; the scenario then
	 * says which topology failed. */
	if (foreign && !topo_msg)
		abort();
	diag_list_release(&errs);
	fuzz_input_release(&in);
	return 0;
}
