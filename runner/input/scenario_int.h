/*
 * scenario_int.h: what the files of the scenario parser share
 * (scenario.c, scenario_traffic.c, scenario_axes.c): the context of the
 * walk over one scenario document, and the parts of the walk that live in
 * a file of their own. Not for use outside the scenario parser.
 */
#ifndef MPL_SCENARIO_INT_H
#define MPL_SCENARIO_INT_H

#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "jcheck.h"
#include "scenario.h"

#define SC_TIME_MAX_US (3600ull * 1000 * 1000) /* duration, omit, event times */

struct sctx {
	struct jcheck jc;
	struct scenario *s;
	const char *dir; /* the scenario file's directory; NULL: the current one */
	bool topo_ok;	 /* s->topo holds a valid topology */
	bool traffic_ok;
};

/* s is not empty and made of characters of set only. */
static inline bool all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* A path of the topology by name: its index, or -1 (reported; not when
 * the topology itself failed, which was reported already). */
int scenario_ref_path(struct sctx *c, const char *path, json_t *v);

/* "traffic" (obj NULL: the defaults, 10 s up on the first path); sets
 * c->traffic_ok. After the topology and the paths. */
void scenario_parse_traffic(struct sctx *c, json_t *obj);
/* "events": after the traffic, whose end bounds them. */
void scenario_parse_events(struct sctx *c, json_t *arr);
/* "variants": after the topology, whose client endpoints they may name. */
void scenario_parse_variants(struct sctx *c, json_t *obj);

#endif
