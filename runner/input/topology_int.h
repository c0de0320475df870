/*
 * topology_int.h: what the files of the topology parser share
 * (topology.c, topology_nodes.c): the context of the walk over one
 * topology document and the lookups in the spec built so far. Not for use
 * outside the topology parser.
 */
#ifndef MPL_TOPOLOGY_INT_H
#define MPL_TOPOLOGY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "jcheck.h"
#include "lab.h"
#include "topology.h"

struct tctx {
	struct jcheck jc; /* origin, errors */
	struct topology *t;
	bool client_ok, server_ok;
};

/* The index of node name in s->nodes, or -1. */
int topology_node_index(const struct lab_spec *s, const char *name);
/* The interface ifname of node, or NULL. */
const struct lab_iface_spec *topology_find_iface(const struct lab_spec *s, const char *node,
						 const char *ifname);
/* "eth0, eth1": the interfaces of node, for messages ("(none)"). */
const char *topology_iface_list(const struct lab_spec *s, const char *node, char *buf,
				size_t size);
bool topology_addr_same(const struct lab_addr *a, const struct lab_addr *b);

/* The nodes' own settings ("sysctls", "forwarding", "mptcp"), after the
 * links, whose interfaces and addresses they refer to. */
void topology_parse_node_options(struct tctx *c, json_t *nodes);

#endif
