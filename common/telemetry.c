/*
 * telemetry.c: the arrays of struct telemetry (telemetry.h), grown and
 * freed here and nowhere else, and the names of the timed events'
 * actions. Nothing here samples or stores.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "telemetry.h"

int telemetry_add_subflow(struct telemetry *t, const struct telemetry_subflow_sample *s)
{
	struct telemetry_subflow_sample *p = array_grow(t->subflows, t->n_subflows, sizeof(*p));

	if (!p)
		return -ENOMEM;
	t->subflows = p;
	p[t->n_subflows++] = *s;
	return 0;
}

int telemetry_add_conn(struct telemetry *t, const struct telemetry_conn_sample *c)
{
	struct telemetry_conn_sample *p = array_grow(t->conns, t->n_conns, sizeof(*p));

	if (!p)
		return -ENOMEM;
	t->conns = p;
	p[t->n_conns++] = *c;
	return 0;
}

int telemetry_add_event(struct telemetry *t, const struct telemetry_pm_event *e)
{
	struct telemetry_pm_event *p = array_grow(t->events, t->n_events, sizeof(*p));

	if (!p)
		return -ENOMEM;
	t->events = p;
	p[t->n_events++] = *e;
	return 0;
}

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

const char *telemetry_timed_action_name(enum telemetry_timed_action a)
{
	switch (a) {
	case TELEM_EV_LINK_DOWN:
		return "down";
	case TELEM_EV_LINK_UP:
		return "up";
	case TELEM_EV_SHAPING:
		return "shaping";
	}
	return "?";
}

int telemetry_timed_action_parse(const char *name, enum telemetry_timed_action *out)
{
	static const enum telemetry_timed_action all[] = { TELEM_EV_LINK_DOWN, TELEM_EV_LINK_UP,
							   TELEM_EV_SHAPING };

	for (size_t i = 0; name && i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(name, telemetry_timed_action_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	return -EINVAL;
}
