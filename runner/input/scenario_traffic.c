/*
 * scenario_traffic.c: the "traffic" and "events" keys of a scenario, the
 * two that are about time.
 *
 * The traffic says what the engine sends (engine, direction, duration or
 * bytes, streams, the path whose server address is the target, request/
 * response); a scenario without it runs 10 s of upload on the first path.
 * The timed events (a path's links down or up, new shaping) happen during
 * that traffic: they are checked against its end, against each other (in
 * time order, down before up) and against the shaping in force when they
 * happen, which each shaping event changes for the ones after it.
 *
 * Part of the walk of scenario.c (struct sctx, scenario_int.h); this file
 * does not run anything, and does not know how an engine or the lab will
 * carry the events out.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "engine.h"
#include "jcheck.h"
#include "scenario_int.h"
#include "units.h"

#define SC_DEFAULT_DURATION_US (10ull * 1000 * 1000)
#define SC_STREAMS_MAX 128
#define SC_BYTES_LIMIT (1ull << 40)
#define USEC_PER_SEC 1000000ull

/* Does the server end of the path's last link have an address of family? */
static bool server_has_family(const struct topology *t, const struct lab_path_spec *p,
			      int family)
{
	const struct lab_spec *spec = &t->spec;

	for (unsigned i = 0; i < spec->n_links; i++) {
		if (strcmp(spec->links[i].name, p->links[p->n_links - 1]))
			continue;
		for (unsigned e = 0; e < 2; e++) {
			const struct lab_iface_spec *f = &spec->links[i].end[e];

			if (strcmp(f->node, t->server))
				continue;
			for (unsigned k = 0; k < f->n_addrs; k++)
				if (f->addrs[k].family == family)
					return true;
		}
	}
	return false;
}

/* iperf3 reads -t and -O as whole seconds. */
static void check_whole_seconds(struct sctx *c, const char *path, json_t *v, uint64_t us)
{
	char show[JCHECK_SHOW_MAX];

	if (us % USEC_PER_SEC)
		jcheck_bad(&c->jc, path,
			   "not whole seconds, expected e.g. '%llus' (engine iperf3 takes whole seconds), got '%s'",
			   (unsigned long long)(us / USEC_PER_SEC + 1), jcheck_shown(v, show));
}

void scenario_parse_traffic(struct sctx *c, json_t *obj)
{
	static const char *const keys[] = { "engine",	"direction", "duration", "bytes",
					    "omit",	"streams",   "path",	 "family",
					    "mode",	"request",   "response", "rate",
					    "transactions", "sample_interval", NULL };
	struct scenario_traffic *tr = &c->s->traffic;
	char show[JCHECK_SHOW_MAX];
	const char *str;
	json_t *v, *dur, *bytes;
	bool iperf3 = false;
	int path_i = -1;
	uint64_t u;

	/* Defaults, so a scenario without "traffic" runs 10 s up. */
	snprintf(tr->engine, sizeof(tr->engine), "native");
	tr->direction = SCENARIO_UPLOAD;
	tr->duration_us = SC_DEFAULT_DURATION_US;
	tr->streams = 1;
	tr->family = AF_INET;
	if (c->topo_ok && c->s->topo.spec.n_paths) {
		snprintf(tr->path, sizeof(tr->path), "%s", c->s->topo.spec.paths[0].name);
		path_i = 0;
	}
	c->traffic_ok = true;
	if (!obj)
		return;
	if (!jcheck_object(&c->jc, "traffic", obj)) {
		c->traffic_ok = false;
		return;
	}
	jcheck_keys(&c->jc, "traffic", obj, keys);

	if ((v = json_object_get(obj, "engine")) && (str = jcheck_string(&c->jc, "traffic.engine", v))) {
		if (engine_find(str)) {
			snprintf(tr->engine, sizeof(tr->engine), "%s", str);
			iperf3 = !strcmp(str, "iperf3");
		} else {
			char names[128] = "";

			for (size_t i = 0; engine_table[i]; i++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s'%s'",
					 i ? ", " : "", engine_table[i]->name);
			jcheck_bad(&c->jc, "traffic.engine",
				   "unknown engine, expected one of %s, got '%s'", names,
				   jcheck_shown(v, show));
		}
	}
	if ((v = json_object_get(obj, "direction")) &&
	    (str = jcheck_string(&c->jc, "traffic.direction", v))) {
		if (!strcmp(str, "upload"))
			tr->direction = SCENARIO_UPLOAD;
		else if (!strcmp(str, "download"))
			tr->direction = SCENARIO_DOWNLOAD;
		else if (!strcmp(str, "both"))
			tr->direction = SCENARIO_BOTH;
		else
			jcheck_bad(&c->jc, "traffic.direction",
				   "unknown direction, expected 'upload', 'download' or 'both', got '%s'",
				   jcheck_shown(v, show));
	}

	dur = json_object_get(obj, "duration");
	bytes = json_object_get(obj, "bytes");
	if (dur && bytes) {
		char show2[JCHECK_SHOW_MAX];

		jcheck_bad(&c->jc, "traffic",
			   "both 'duration' and 'bytes', expected exactly one of them, got '%s' and '%s'",
			   jcheck_shown(dur, show), jcheck_shown(bytes, show2));
		c->traffic_ok = false;
	}
	if (dur) {
		if (!jcheck_time(&c->jc, "traffic.duration", dur, SC_TIME_MAX_US, &tr->duration_us)) {
			c->traffic_ok = false;
		} else if (!tr->duration_us) {
			jcheck_bad(&c->jc, "traffic.duration",
				   "too short, expected a positive time such as '10s', got '%s'",
				   jcheck_shown(dur, show));
			c->traffic_ok = false;
		} else if (iperf3) {
			check_whole_seconds(c, "traffic.duration", dur, tr->duration_us);
		}
	}
	if (bytes && !dur) {
		tr->duration_us = 0;
		if (!jcheck_size(&c->jc, "traffic.bytes", bytes, SC_BYTES_LIMIT, &tr->bytes))
			c->traffic_ok = false;
	}
	if ((v = json_object_get(obj, "omit"))) {
		if (!jcheck_time(&c->jc, "traffic.omit", v, SC_TIME_MAX_US, &tr->omit_us))
			c->traffic_ok = false;
		else if (iperf3)
			check_whole_seconds(c, "traffic.omit", v, tr->omit_us);
	}
	if ((v = json_object_get(obj, "streams")) &&
	    jcheck_uint(&c->jc, "traffic.streams", v, 1, SC_STREAMS_MAX, &u)) {
		tr->streams = (unsigned)u;
		if (u > 1 && !iperf3)
			jcheck_bad(&c->jc, "traffic.streams",
				   "engine '%s' runs one MPTCP connection, expected 1 (or engine 'iperf3'), got %llu",
				   tr->engine, (unsigned long long)u);
	}
	if ((v = json_object_get(obj, "family")) &&
	    (str = jcheck_string(&c->jc, "traffic.family", v))) {
		if (!strcmp(str, "inet"))
			tr->family = AF_INET;
		else if (!strcmp(str, "inet6"))
			tr->family = AF_INET6;
		else
			jcheck_bad(&c->jc, "traffic.family",
				   "unknown family, expected 'inet' or 'inet6', got '%s'",
				   jcheck_shown(v, show));
	}
	if ((v = json_object_get(obj, "mode")) && (str = jcheck_string(&c->jc, "traffic.mode", v))) {
		if (!strcmp(str, "rr"))
			tr->rr = true;
		else if (strcmp(str, "bulk"))
			jcheck_bad(&c->jc, "traffic.mode",
				   "unknown mode, expected 'bulk' or 'rr', got '%s'", jcheck_shown(v, show));
	}
	if (tr->rr && iperf3)
		jcheck_bad(&c->jc, "traffic.mode",
			   "request/response needs engine 'native', got engine '%s'", tr->engine);
	if (tr->rr && bytes)
		jcheck_bad(&c->jc, "traffic.bytes",
			   "request/response takes 'transactions' or 'duration', not 'bytes'");
	if ((v = json_object_get(obj, "request")))
		jcheck_size(&c->jc, "traffic.request", v, 64 << 20, &tr->request_bytes);
	if ((v = json_object_get(obj, "response")))
		jcheck_size(&c->jc, "traffic.response", v, 64 << 20, &tr->response_bytes);
	if ((v = json_object_get(obj, "rate")))
		jcheck_uint(&c->jc, "traffic.rate", v, 0, 10000000, &tr->rate_tps);
	if ((v = json_object_get(obj, "transactions")))
		jcheck_uint(&c->jc, "traffic.transactions", v, 1, 100000000, &tr->transactions);
	if ((v = json_object_get(obj, "sample_interval")))
		jcheck_time(&c->jc, "traffic.sample_interval", v, 10 * USEC_PER_SEC,
			    &tr->sample_interval_us);
	if (!tr->rr && (json_object_get(obj, "request") || json_object_get(obj, "response") ||
			json_object_get(obj, "rate") || json_object_get(obj, "transactions")))
		jcheck_bad(&c->jc, "traffic",
			   "'request', 'response', 'rate' and 'transactions' need \"mode\": \"rr\"");
	if ((v = json_object_get(obj, "path"))) {
		path_i = scenario_ref_path(c, "traffic.path", v);
		if (path_i >= 0)
			snprintf(tr->path, sizeof(tr->path), "%s", json_string_value(v));
	}
	/* The target is the server's address on the path: it must exist. */
	if (path_i >= 0 &&
	    !server_has_family(&c->s->topo, &c->s->topo.spec.paths[path_i], tr->family))
		jcheck_bad(&c->jc, json_object_get(obj, "family") ? "traffic.family" : "traffic",
			   "no %s address of server '%s' on path '%s', expected a family the path carries, got '%s'",
			   tr->family == AF_INET6 ? "IPv6" : "IPv4", c->s->topo.server,
			   tr->path, tr->family == AF_INET6 ? "inet6" : "inet");
}

void scenario_parse_events(struct sctx *c, json_t *arr)
{
	static const char *const keys[] = { "at", "path", "action", "shaping", NULL };
	struct scenario *s = c->s;
	struct lab_shaping cur_up[LAB_MAX_PATHS], cur_down[LAB_MAX_PATHS];
	int down_at[LAB_MAX_PATHS]; /* index of the event that took it down, or -1 */
	char p[JCHECK_PATH_MAX], kp[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX], t1[32], t2[32];
	uint64_t prev_at = 0, end_us = s->traffic.omit_us + s->traffic.duration_us;
	int prev_i = -1;
	bool timeline_ok = true; /* every link event so far is understood */
	json_t *ev, *v;
	size_t i;

	if (!jcheck_array(&c->jc, "events", arr))
		return;
	if (json_array_size(arr) > SCENARIO_MAX_EVENTS)
		jcheck_bad(&c->jc, "events", "too many events, expected at most %d, got %zu",
			   SCENARIO_MAX_EVENTS, json_array_size(arr));
	/* Each shaping event is merged over the shaping in force when it
	 * happens: the scenario's, changed by the earlier events. */
	for (unsigned k = 0; k < s->topo.spec.n_paths && k < LAB_MAX_PATHS; k++) {
		cur_up[k] = s->topo.spec.paths[k].up;
		cur_down[k] = s->topo.spec.paths[k].down;
		down_at[k] = -1;
	}
	json_array_foreach (arr, i, ev) {
		struct scenario_event *e;
		struct lab_shaping scratch_up = { 0 }, scratch_down = { 0 };
		const char *action;
		json_t *sh;
		int pi = -1;
		bool at_ok = false, action_ok = false;

		if (i >= SCENARIO_MAX_EVENTS)
			break;
		jcheck_path_idx(p, "events", i);
		e = &s->events[s->n_events];
		memset(e, 0, sizeof(*e));
		if (!jcheck_object(&c->jc, p, ev))
			continue;
		jcheck_keys(&c->jc, p, ev, keys);
		if ((v = jcheck_required(&c->jc, p, ev, "at")) &&
		    jcheck_time(&c->jc, jcheck_path_key(kp, p, "at"), v, SC_TIME_MAX_US, &e->at_us)) {
			at_ok = true;
			if (prev_i >= 0 && e->at_us < prev_at) {
				jcheck_bad(&c->jc, kp,
					   "out of order, expected events sorted by time, at least '%s' of events[%d], got '%s'",
					   units_format_time(prev_at, t1, sizeof(t1)), prev_i,
					   jcheck_shown(v, show));
			} else if (c->traffic_ok && s->traffic.duration_us && e->at_us >= end_us) {
				jcheck_bad(&c->jc, kp,
					   "after the end of the traffic, expected less than '%s' (omit + duration), got '%s'",
					   units_format_time(end_us, t2, sizeof(t2)),
					   jcheck_shown(v, show));
			}
			prev_at = e->at_us;
			prev_i = (int)i;
		}
		if ((v = jcheck_required(&c->jc, p, ev, "path"))) {
			pi = scenario_ref_path(c, jcheck_path_key(kp, p, "path"), v);
			if (pi >= 0)
				snprintf(e->path, sizeof(e->path), "%s", json_string_value(v));
		}
		sh = json_object_get(ev, "shaping");
		if ((v = jcheck_required(&c->jc, p, ev, "action")) &&
		    (action = jcheck_string(&c->jc, jcheck_path_key(kp, p, "action"), v))) {
			action_ok = true;
			if (!strcmp(action, "down")) {
				e->action = SCENARIO_EV_LINK_DOWN;
			} else if (!strcmp(action, "up")) {
				e->action = SCENARIO_EV_LINK_UP;
			} else if (!strcmp(action, "shaping")) {
				e->action = SCENARIO_EV_SHAPING;
			} else {
				jcheck_bad(&c->jc, kp,
					   "unknown action, expected 'down', 'up' or 'shaping', got '%s'",
					   jcheck_shown(v, show));
				action_ok = false;
			}
		}
		if (!action_ok || (pi < 0 && c->topo_ok))
			timeline_ok = false;
		if (action_ok && e->action != SCENARIO_EV_SHAPING) {
			if (sh)
				jcheck_bad(&c->jc, jcheck_path_key(kp, p, "shaping"),
					   "only for action 'shaping', expected no shaping, got it with '%s'",
					   e->action == SCENARIO_EV_LINK_UP ? "up" : "down");
			/* A path goes down, then up: anything else is a
			 * mistake in the timeline. Not checked once an
			 * event was not understood, so that one error does
			 * not bring others that only follow from it. */
			bool track = timeline_ok && pi >= 0;

			if (track && e->action == SCENARIO_EV_LINK_DOWN && down_at[pi] >= 0)
				jcheck_bad(&c->jc, jcheck_path_key(kp, p, "action"),
					   "path '%s' is down already (events[%d]), expected 'up' first, got 'down'",
					   e->path, down_at[pi]);
			else if (track && e->action == SCENARIO_EV_LINK_UP && down_at[pi] < 0)
				jcheck_bad(&c->jc, jcheck_path_key(kp, p, "action"),
					   "path '%s' is not down, expected a 'down' event for it before, got 'up'",
					   e->path);
			if (track)
				down_at[pi] = e->action == SCENARIO_EV_LINK_DOWN ? (int)i : -1;
		} else if (action_ok) {
			jcheck_path_key(kp, p, "shaping");
			if (!sh) {
				jcheck_required(&c->jc, p, ev, "shaping");
			} else if (json_is_object(sh) && json_object_size(sh) == 0) {
				jcheck_bad(&c->jc, kp, "empty, expected at least one shaping key such as 'rate'");
			} else if (pi >= 0) {
				e->up = cur_up[pi];
				e->down = cur_down[pi];
				if (jcheck_shaping(&c->jc, kp, sh, &e->up, &e->down)) {
					cur_up[pi] = e->up;
					cur_down[pi] = e->down;
				}
			} else {
				jcheck_shaping(&c->jc, kp, sh, &scratch_up, &scratch_down);
			}
		}
		if (at_ok && action_ok && pi >= 0)
			s->n_events++;
	}
}
