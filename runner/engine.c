/*
 * engine.c: the table of traffic engines and what they share.
 *
 * Adding an engine: write engine_<name>.c exporting a struct engine_ops,
 * declare it in engine.h and list it below. Nothing here runs traffic.
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

const struct engine_ops *const engine_table[] = {
	&engine_iperf3,
	&engine_native,
	NULL,
};

const struct engine_ops *engine_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; engine_table[i]; i++)
		if (!strcmp(engine_table[i]->name, name))
			return engine_table[i];
	return NULL;
}

const char *engine_direction_name(enum engine_direction dir)
{
	switch (dir) {
	case ENGINE_UPLOAD:
		return "upload";
	case ENGINE_DOWNLOAD:
		return "download";
	case ENGINE_BOTH:
		return "both";
	}
	return "?";
}

void engine_result_release(struct engine_result *res)
{
	if (!res)
		return;
	free(res->intervals);
	res->intervals = NULL;
	res->n_intervals = 0;
	telemetry_release(&res->telem);
}
