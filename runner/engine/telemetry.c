/*
 * telemetry.c: the lifecycle of struct telemetry (telemetry.h). The native
 * engine fills the samples, the runner adds path-manager events; both
 * arrays are malloc'd and released here. Nothing here samples or stores.
 */
#include "telemetry.h"

#include <stdlib.h>

void telemetry_release(struct telemetry *t)
{
	if (!t)
		return;
	free(t->subflows);
	free(t->conns);
	free(t->events);
	t->subflows = NULL;
	t->conns = NULL;
	t->events = NULL;
	t->n_subflows = t->n_conns = t->n_events = 0;
}
