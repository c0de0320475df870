/*
 * run.c: one measurement (see run.h for the sequence and the statuses).
 * The lab is built fresh for every run and always torn down before
 * run_one() returns; nothing is stored here (cmd_run.c stores a complete
 * run in one transaction, or nothing when interrupted).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "derive.h"
#include "engine.h"
#include "fingerprint.h"
#include "lab_mptcp.h"
#include "mtime.h"
#include "probe_tools.h"
#include "run.h"

int run_env_init(struct run_env *env, struct diag *d)
{
	struct lab_cap *kcaps = NULL, *tcaps = NULL;
	unsigned nk = 0, nt = 0;
	int r;

	r = lab_probe(&kcaps, &nk, d);
	if (r < 0)
		return r;
	r = probe_tools_for_runs(&tcaps, &nt, d);
	if (r < 0) {
		free(kcaps);
		return r;
	}
	env->caps = calloc(nk + nt + 1, sizeof(*env->caps));
	if (!env->caps) {
		free(kcaps);
		free(tcaps);
		return diag_set(d, -ENOMEM, "out of memory");
	}
	memcpy(env->caps, kcaps, nk * sizeof(*kcaps));
	memcpy(env->caps + nk, tcaps, nt * sizeof(*tcaps));
	env->n_caps = nk + nt;
	free(kcaps);
	free(tcaps);
	r = fingerprint_host(&env->host, d);
	if (r >= 0)
		r = fingerprint_kernel(&env->kernel, d);
	if (r >= 0 && lab_random_name("", env->invocation, sizeof(env->invocation)) < 0)
		r = diag_set(d, -EIO, "cannot draw a random id for this invocation");
	return r;
}

void run_env_release(struct run_env *env)
{
	struct results_run tmp = { 0 };

	free(env->caps);
	env->caps = NULL;
	/* results_run_release frees host and kernel strings. */
	tmp.host = env->host;
	tmp.kernel = env->kernel;
	results_run_release(&tmp);
	memset(&env->host, 0, sizeof(env->host));
	memset(&env->kernel, 0, sizeof(env->kernel));
}

static const struct lab_path_spec *find_path(const struct lab_spec *spec, const char *name)
{
	for (unsigned i = 0; i < spec->n_paths; i++)
		if (!name || !name[0] || !strcmp(spec->paths[i].name, name))
			return &spec->paths[i];
	return NULL;
}

double run_ideal_goodput_bps(const struct scenario *s, const struct lab_spec *spec)
{
	struct derive_ideal_step *steps = NULL;
	size_t n = 0;
	double ideal = 0;

	if (derive_ideal_steps(spec, s->traffic.direction != SCENARIO_DOWNLOAD,
			       s->traffic.direction != SCENARIO_UPLOAD, s->traffic.family, NULL, 0,
			       &steps, &n) == 0 && n)
		ideal = steps[0].bps;
	free(steps);
	return isnan(ideal) ? 0 : ideal;
}

static void run_shaping(const struct lab_shaping *from, struct telemetry_shaping *to)
{
	*to = (struct telemetry_shaping){ from->rate_bps, from->delay_us, from->jitter_us,
					  from->loss_pct, from->reorder_pct };
}

int run_timed_events(const struct scenario *s, const uint64_t *applied_us, size_t n_applied,
		     struct results_run *run)
{
	_Static_assert(LAB_NAME_MAX <= TELEMETRY_NAME_MAX, "a path name fits an event's");

	for (unsigned i = 0; i < s->n_events; i++) {
		const struct scenario_event *e = &s->events[i];
		struct telemetry_timed_event te = {
			.planned_us = e->at_us,
			.applied_us = i < n_applied ? (int64_t)applied_us[i] : -1,
		};

		snprintf(te.path, sizeof(te.path), "%s", e->path);
		switch (e->action) {
		case SCENARIO_EV_LINK_DOWN:
			te.action = TELEM_EV_LINK_DOWN;
			break;
		case SCENARIO_EV_LINK_UP:
			te.action = TELEM_EV_LINK_UP;
			break;
		case SCENARIO_EV_SHAPING:
			te.action = TELEM_EV_SHAPING;
			run_shaping(&e->up, &te.up);
			run_shaping(&e->down, &te.down);
			break;
		}
		if (results_run_add_timed_event(run, &te) < 0)
			return -ENOMEM;
	}
	return 0;
}

int run_ideal(const struct scenario *s, struct results_run *run, uint64_t measure_from_us,
	      uint64_t measure_us, double *ideal_bps)
{
	struct derive_ideal_step *steps;
	size_t n;
	int r;

	r = derive_ideal_steps(&s->topo.spec, s->traffic.direction != SCENARIO_DOWNLOAD,
			       s->traffic.direction != SCENARIO_UPLOAD, s->traffic.family,
			       run->timed_events, run->n_timed_events, &steps, &n);
	if (r < 0)
		return r;
	*ideal_bps = derive_ideal_mean(steps, n, measure_from_us, measure_from_us + measure_us);
	for (size_t i = 0; i < run->n_intervals; i++) {
		struct telemetry_interval *iv = &run->intervals[i];

		iv->ideal_bps = derive_ideal_mean(steps, n, measure_from_us + iv->start_us,
						  measure_from_us + iv->end_us);
	}
	free(steps);
	return 0;
}

int run_server_addr(const struct topology *t, const char *path, int family,
		    struct lab_addr *addr)
{
	const struct lab_spec *spec = &t->spec;
	const struct lab_path_spec *p = find_path(spec, path);

	if (!p)
		return -ENOENT;
	/* The server's address on the path's last link. */
	for (unsigned i = 0; i < spec->n_links; i++) {
		if (strcmp(spec->links[i].name, p->links[p->n_links - 1]))
			continue;
		for (int e = 0; e < 2; e++) {
			const struct lab_iface_spec *f = &spec->links[i].end[e];

			if (strcmp(f->node, t->server))
				continue;
			for (unsigned k = 0; k < f->n_addrs; k++)
				if (f->addrs[k].family == family) {
					*addr = f->addrs[k];
					return 0;
				}
		}
	}
	return -ENOENT;
}

int run_target_addr(const struct scenario *s, struct lab_addr *addr)
{
	return run_server_addr(&s->topo, s->traffic.path,
			       s->traffic.family ? s->traffic.family : AF_INET, addr);
}

static void run_step(const struct run_env *env, const char *what)
{
	if (env->steps && env->steps->step)
		env->steps->step(env->steps->arg, what);
}

/* The capability, probed now if it was left for when a run needs it. */
static const struct lab_cap *cap(const struct run_env *env, const char *name)
{
	const struct lab_cap *found = lab_cap_find(env->caps, env->n_caps, name);

	if (!found)
		return NULL;
	probe_tools_resolve(&env->caps[found - env->caps]);
	return found;
}

/* ---- timed events and the mid-run look at the sockets ------------------------ */

/* Path-manager events of one namespace while the run lasts. */
struct pm_listener {
	struct lab_pm_events *h; /* NULL: not available (why in noise) */
};

struct tick_state {
	struct lab *lab;
	const struct scenario *s;
	unsigned next_event;
	uint64_t applied_us[SCENARIO_MAX_EVENTS]; /* when each timed event was applied */
	uint64_t look_at_us;
	bool looked;
	int client_fd;
	unsigned subflows_seen; /* most subflows of one MPTCP connection */
	bool fallback_seen;
	struct diag *d;
	char event_log[512];

	/* telemetry: PM events as read, on CLOCK_MONOTONIC; the engine's
	 * start on the same clock, from the first tick (elapsed counts from
	 * the client's start) */
	struct pm_listener pm[2];
	struct telemetry pm_seen; /* events only; t_us still monotonic here */
	char pm_error[DIAG_MSG_MAX]; /* the first failure reading events */
	uint64_t start_mono_us;
};

static void look_at_sockets(struct tick_state *t)
{
	struct lab_mptcp_conn conns[16];
	unsigned n = 0;

	if (lab_mptcp_conns(t->client_fd, conns, 16, &n, NULL) < 0)
		return;
	for (unsigned i = 0; i < n; i++) {
		unsigned total = conns[i].has_total ? conns[i].subflows_total :
						      conns[i].subflows_extra + 1u;

		if (total > t->subflows_seen)
			t->subflows_seen = total;
		t->fallback_seen |= conns[i].fallback;
	}
}

/* ---- path-manager events ------------------------------------------------------- */

static int pm_collect(const struct telemetry_pm_event *ev, void *arg)
{
	struct tick_state *t = arg;

	return telemetry_add_event(&t->pm_seen, ev);
}

/* Read what both namespaces queued. A failure is kept for the run's
 * noise, never fatal: the events are evidence, not the measurement. */
static void pm_drain(struct tick_state *t)
{
	for (int i = 0; i < 2; i++) {
		struct diag d = DIAG_INIT;

		if (!t->pm[i].h)
			continue;
		if (lab_pm_events_read(t->pm[i].h, pm_collect, t, &d) < 0 && !t->pm_error[0])
			snprintf(t->pm_error, sizeof(t->pm_error), "%s", diag_str(&d));
	}
}

static void pm_open(struct tick_state *t, int cfd, int sfd)
{
	int fds[2] = { cfd, sfd };

	for (int i = 0; i < 2; i++) {
		struct diag d = DIAG_INIT;

		if (lab_pm_events_open(fds[i], i ? 's' : 'c', &t->pm[i].h, &d) < 0 &&
		    !t->pm_error[0])
			snprintf(t->pm_error, sizeof(t->pm_error), "%s", diag_str(&d));
	}
}

static void pm_close(struct tick_state *t)
{
	for (int i = 0; i < 2; i++) {
		lab_pm_events_close(t->pm[i].h);
		t->pm[i].h = NULL;
	}
	telemetry_release(&t->pm_seen);
}

static int on_tick(uint64_t elapsed_us, void *arg)
{
	struct tick_state *t = arg;
	int r = 0;

	if (!t->start_mono_us) {
		uint64_t now = mtime_now_us();

		t->start_mono_us = now > elapsed_us ? now - elapsed_us : 1;
	}
	pm_drain(t);
	while (t->next_event < t->s->n_events && t->s->events[t->next_event].at_us <= elapsed_us) {
		const struct scenario_event *e = &t->s->events[t->next_event];
		size_t len = strlen(t->event_log);

		t->applied_us[t->next_event++] = elapsed_us;

		switch (e->action) {
		case SCENARIO_EV_LINK_DOWN:
		case SCENARIO_EV_LINK_UP:
			r = lab_path_set_link(t->lab, e->path, e->action == SCENARIO_EV_LINK_UP, t->d);
			break;
		case SCENARIO_EV_SHAPING:
			r = lab_path_set_shaping(t->lab, e->path, &e->up, &e->down, t->d);
			break;
		}
		if (r < 0)
			return r;
		snprintf(t->event_log + len, sizeof(t->event_log) - len, "%s%s@%.3fs",
			 len ? "," : "", e->path, (double)elapsed_us / 1e6);
	}
	/* Look at the MPTCP sockets once the subflows had time to join. */
	if (!t->looked && elapsed_us >= t->look_at_us) {
		look_at_sockets(t);
		t->looked = true;
	}
	return 0;
}

/* ---- MPTCP evidence --------------------------------------------------------- */

static uint64_t mib(const struct lab_mib *m, const char *name)
{
	uint64_t v = 0;

	lab_mib_get(m, name, &v);
	return v;
}

static int store_mibs(struct results_run *run, const char *role, const struct lab_mib *delta)
{
	for (unsigned i = 0; i < delta->n; i++) {
		int r;

		if (!delta->c[i].value)
			continue;
		r = results_run_add_mib(run, role, delta->c[i].name, (int64_t)delta->c[i].value);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Decide from the counters whether MPTCP was used and the subflows
 * joined; why gets the reason when not. */
static bool mptcp_evidence(const struct lab_mib *client, const struct lab_mib *server,
			   unsigned expected, const struct tick_state *t, char *why, size_t whylen)
{
	uint64_t syn_rx = mib(server, "MPCapableSYNRX");
	uint64_t fb = mib(server, "MPCapableFallbackACK") + mib(client, "MPCapableFallbackSYNACK");
	uint64_t joins = mib(server, "MPJoinAckRx") + mib(client, "MPJoinAckRx");

	if (!syn_rx) {
		snprintf(why, whylen,
			 "fallback to TCP: the server received no MP_CAPABLE SYN (MPTcpExtMPCapableSYNRX did not move)");
		return false;
	}
	if (fb || t->fallback_seen) {
		snprintf(why, whylen, "fallback to TCP: %llu connection(s) fell back%s",
			 (unsigned long long)fb, t->fallback_seen ? " (seen on the socket)" : "");
		return false;
	}
	if (expected > 1 && joins < expected - 1) {
		snprintf(why, whylen, "only %llu of %u extra subflows joined (MPJoinAckRx)",
			 (unsigned long long)joins, expected - 1);
		return false;
	}
	if (expected > 1 && t->looked && t->subflows_seen && t->subflows_seen < expected) {
		snprintf(why, whylen, "the connection had %u subflows, expected %u", t->subflows_seen,
			 expected);
		return false;
	}
	return true;
}

/* ---- one run -------------------------------------------------------------------- */

static int fill_identity(const struct run_env *env, const struct scenario *s,
			 const struct variant *v, unsigned repetition, struct results_run *run)
{
	char json[1024];
	struct fingerprint_noise noise;
	int r = 0;

	run->repetition = (int)repetition;
	run->started_at_us = mtime_wall_us();
	if (variant_json(v, json, sizeof(json)) < 0)
		return -ENOMEM;
	r |= results_run_set_str(&run->scenario, s->name);
	r |= results_run_set_str(&run->scenario_hash, s->sha256);
	r |= results_run_set_str(&run->topology, s->topo.name);
	r |= results_run_set_str(&run->topology_hash, s->topology_sha256);
	r |= results_run_set_str(&run->variant_json, json);
	r |= results_run_set_str(&run->variant_key, v->key);
	r |= results_run_set_str(&run->engine, s->traffic.engine[0] ? s->traffic.engine : "native");
	r |= results_run_set_str(&run->host.hostname, env->host.hostname);
	r |= results_run_set_str(&run->host.cpu_model, env->host.cpu_model);
	if (env->host.governor)
		r |= results_run_set_str(&run->host.governor, env->host.governor);
	run->host.cores = env->host.cores;
	r |= results_run_set_str(&run->kernel.release, env->kernel.release);
	r |= results_run_set_str(&run->kernel.version, env->kernel.version);
	if (env->kernel.config_hash)
		r |= results_run_set_str(&run->kernel.config_hash, env->kernel.config_hash);
	r |= results_run_set_str(&run->kernel.debug, env->kernel.debug ? env->kernel.debug : "");
	r |= results_run_set_str(&run->kernel.boot_mode, env->kernel.boot_mode);
	for (size_t i = 0; i < env->n_tags && !r; i++) {
		const char *eq = strchr(env->tags[i], '=');
		char key[128];

		if (!eq)
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - env->tags[i]), env->tags[i]);
		r |= results_run_add_tag(run, key, eq + 1);
	}
	if (env->invocation[0] && !r)
		r |= results_run_add_tag(run, "invocation", env->invocation);
	for (size_t i = 0; i < env->n_sets && !r; i++) {
		char key[32];

		snprintf(key, sizeof(key), "set.%zu", i + 1);
		r |= results_run_add_noise(run, key, env->sets[i]);
	}
	run->load1 = -1;
	if (fingerprint_noise(&noise) == 0) {
		char buf[64];

		run->load1 = noise.load1;
		snprintf(buf, sizeof(buf), "%.2f", noise.load5);
		r |= results_run_add_noise(run, "load5", buf);
		if (noise.psi_cpu_some_avg10 >= 0) {
			snprintf(buf, sizeof(buf), "%.2f", noise.psi_cpu_some_avg10);
			r |= results_run_add_noise(run, "psi_cpu_some_avg10", buf);
		}
		if (noise.cpu_mhz > 0) {
			snprintf(buf, sizeof(buf), "%ld", noise.cpu_mhz);
			r |= results_run_add_noise(run, "cpu_mhz", buf);
		}
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)noise.mem_available_kb);
		r |= results_run_add_noise(run, "mem_available_kb", buf);
		snprintf(buf, sizeof(buf), "%u", noise.running_procs);
		r |= results_run_add_noise(run, "running_procs", buf);
	}
	return r ? -ENOMEM : 0;
}

static int finish(struct results_run *run, enum results_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int finish(struct results_run *run, enum results_status status, const char *fmt, ...)
{
	char buf[DIAG_MSG_MAX];
	va_list ap;

	run->status = status;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		if (results_run_set_str(&run->reason, buf) < 0)
			return -ENOMEM;
	}
	return 0;
}

static unsigned expected_subflows(const struct scenario *s)
{
	return s->expect.subflows ? s->expect.subflows : s->topo.spec.n_paths;
}

static enum engine_direction engine_dir(enum scenario_direction d)
{
	return d == SCENARIO_DOWNLOAD ? ENGINE_DOWNLOAD : d == SCENARIO_BOTH ? ENGINE_BOTH :
									    ENGINE_UPLOAD;
}

/* ---- telemetry ------------------------------------------------------------------- */

/*
 * Put the PM events on the engine's time line and hand the telemetry over
 * to the run as it is: the engine's samples (iperf3 takes none) and the
 * events. The engine's samples count from res->telem_start_us
 * (CLOCK_MONOTONIC); an engine without samples says nothing, and the first
 * tick tells when its client started. An event read before that start is
 * at 0. The engines leave telem.events empty (engine.h): the events are
 * the listeners'.
 */
/* The start of the run's time line on CLOCK_MONOTONIC: the engine's
 * client start when it says (native), else the first tick's. */
static uint64_t time_base(const struct tick_state *t, const struct engine_result *res,
			  uint64_t called_us)
{
	return res->telem_start_us ? res->telem_start_us :
	       t->start_mono_us ? t->start_mono_us : called_us;
}

/* The scenario's timed events, with when each was applied on the run's
 * time line (an event applied before the client started is at 0, as PM
 * events are). */
static int store_timed_events(const struct scenario *s, const struct tick_state *t,
			      const struct engine_result *res, uint64_t called_us,
			      struct results_run *run)
{
	uint64_t base = time_base(t, res, called_us), applied[SCENARIO_MAX_EVENTS];

	for (unsigned i = 0; i < t->next_event; i++) {
		uint64_t mono = t->start_mono_us + t->applied_us[i];

		applied[i] = mono > base ? mono - base : 0;
	}
	return run_timed_events(s, applied, t->next_event, run);
}

static int store_telemetry(struct tick_state *t, struct engine_result *res, uint64_t called_us,
			   struct results_run *run)
{
	uint64_t base = time_base(t, res, called_us);
	unsigned lost = lab_pm_events_overruns(t->pm[0].h) + lab_pm_events_overruns(t->pm[1].h);
	int r = 0;

	for (size_t i = 0; i < t->pm_seen.n_events; i++) {
		struct telemetry_pm_event *e = &t->pm_seen.events[i];

		e->t_us = e->t_us > base ? e->t_us - base : 0;
	}
	free(res->telem.events); /* the engines leave it empty (engine.h) */
	res->telem.events = TAKE_PTR(t->pm_seen.events);
	res->telem.n_events = t->pm_seen.n_events;
	t->pm_seen.n_events = 0;
	telemetry_release(&run->telem);
	run->telem = res->telem;
	res->telem = (struct telemetry){ 0 };

	if (t->pm_error[0])
		r = results_run_add_noise(run, "pm_events", t->pm_error);
	if (!r && lost) {
		char buf[64];

		snprintf(buf, sizeof(buf), "%u overrun(s): events lost", lost);
		r = results_run_add_noise(run, "pm_events", buf);
	}
	return r;
}

/* Derived metrics and per-subflow totals (derive.h), for an engine that
 * sampled its sockets. */
static int store_derived(const struct scenario *s, const struct engine_result *res,
			 double ideal_bps, struct results_run *run)
{
	struct derive_input in = {
		.telem = &run->telem, /* the engine's, handed over */
		.spec = &s->topo.spec,
		.client_node = s->topo.client,
		.server_node = s->topo.server,
		.client_sends = s->traffic.direction != SCENARIO_DOWNLOAD,
		.server_sends = s->traffic.direction != SCENARIO_UPLOAD,
		.expected_subflows = expected_subflows(s),
		.bytes = s->traffic.bytes,
		.completion_us = res->completion_us,
		.ideal_goodput_bps = isnan(ideal_bps) ? 0 : ideal_bps,
		.rr = res->rr,
		/* as they were applied, not as planned */
		.events = run->timed_events,
		.n_events = run->n_timed_events,
	};
	struct derive_result dr;
	int r;

	r = derive_run(&in, &dr);
	if (r >= 0)
		r = derive_store(&in, &dr, run);
	derive_result_release(&dr);
	return r;
}

/* A scenario with a completion-time bound: the run over or under it, as
 * metrics, so compare can count P(exceed) (a measurement, never a reason
 * to call the run invalid: an overrun is what a regression looks like). */
static int mark_bound(const struct scenario *s, struct results_run *run)
{
	const struct results_metric *m = results_run_metric(run, "completion_us");

	if (!s->expect.completion_max_us || !m || !isfinite(m->value))
		return 0;
	if (results_run_add_metric(run, "completion_bound_us", (double)s->expect.completion_max_us) <
		    0 ||
	    results_run_add_metric(run, "over_bound",
				   m->value > (double)s->expect.completion_max_us ? 1.0 : 0.0) < 0)
		return -ENOMEM;
	return 0;
}

static int measure_with(struct run_env *env, const struct scenario *s, const struct variant *v,
			struct lab *lab, struct results_run *run, struct tick_state *t,
			struct diag *d)
{
	const struct engine_ops *engine = engine_find(run->engine);
	struct engine_target target = { 0 };
	struct engine_params params = { 0 };
	struct engine_result res = { 0 };
	struct engine_hooks hooks = { .cancel = env->cancel, .tick = on_tick, .arg = t };
	struct lab_mib cb, ca, sb, sa, cdelta, sdelta;
	struct lab_addr addr;
	char addr_s[64], why[512];
	int cfd = lab_netns_fd(lab, s->topo.client), sfd = lab_netns_fd(lab, s->topo.server);
	uint64_t called_us;
	double ideal;
	int r;

	if (!engine)
		return finish(run, RESULTS_FAILED, "unknown traffic engine '%s'", run->engine);
	if (run_target_addr(s, &addr) < 0)
		return finish(run, RESULTS_FAILED, "the server has no %s address on path '%s'",
			      s->traffic.family == AF_INET6 ? "IPv6" : "IPv4", s->traffic.path);
	lab_addr_format(&addr, false, addr_s, sizeof(addr_s));
	target.client_netns_fd = cfd;
	target.server_netns_fd = sfd;
	target.server_addr = addr_s;
	target.port = 5201;
	params.direction = engine_dir(s->traffic.direction);
	params.duration_us = s->traffic.duration_us;
	params.bytes = s->traffic.bytes;
	params.omit_us = s->traffic.omit_us;
	params.streams = s->traffic.streams ? s->traffic.streams : 1;
	params.mode = s->traffic.rr ? ENGINE_RR : ENGINE_BULK;
	params.rr_request_bytes = (uint32_t)s->traffic.request_bytes;
	params.rr_response_bytes = (uint32_t)s->traffic.response_bytes;
	params.rr_rate_tps = s->traffic.rate_tps;
	params.rr_transactions = s->traffic.transactions;
	params.sample_interval_us = s->traffic.sample_interval_us;
	if (variant_value(v, "cc"))
		snprintf(params.congestion, sizeof(params.congestion), "%s", variant_value(v, "cc"));
	if (s->traffic.bytes) {
		/* A byte count has no duration: allow three times the ideal
		 * transfer time, plus the start-up. */
		double ideal_bps = run_ideal_goodput_bps(s, &s->topo.spec);

		params.timeout_us = ideal_bps > 0 ?
			(uint64_t)((double)s->traffic.bytes * 8 / ideal_bps * 3e6) + 10 * USEC_PER_SEC :
			120 * USEC_PER_SEC;
	}
	t->client_fd = cfd;
	t->look_at_us = s->traffic.omit_us + (s->traffic.duration_us ? s->traffic.duration_us / 2 :
								       USEC_PER_SEC);

	r = lab_mib_read(cfd, &cb, d);
	if (r >= 0)
		r = lab_mib_read(sfd, &sb, d);
	if (r < 0)
		return finish(run, RESULTS_FAILED, "%s", diag_str(d));

	/* The PM listeners join before the engine starts, so the
	 * connection's first events are not missed. */
	pm_open(t, cfd, sfd);
	called_us = mtime_now_us();
	r = engine->run(&target, &params, &hooks, &res, d);
	run_step(env, "transfer over");
	pm_drain(t);
	if (r == -EINTR) {
		engine_result_release(&res);
		return r;
	}
	if (store_timed_events(s, t, &res, called_us, run) < 0) {
		engine_result_release(&res);
		return -ENOMEM;
	}
	if (r < 0) {
		engine_result_release(&res);
		return finish(run, RESULTS_FAILED, "%s", diag_str(d));
	}
	results_run_set_str(&run->engine_version, res.tool_version);
	results_run_set_str(&run->mptcp_method, res.mptcp_method);
	if (t->event_log[0])
		results_run_add_noise(run, "events_applied", t->event_log);
	if (res.cc_sender[0])
		results_run_add_noise(run, "cc_sender", res.cc_sender);
	if (res.cc_receiver[0])
		results_run_add_noise(run, "cc_receiver", res.cc_receiver);

	r = lab_mib_read(cfd, &ca, d);
	if (r >= 0)
		r = lab_mib_read(sfd, &sa, d);
	/* Counters appear with a namespace's first MPTCP socket: a missing
	 * "before" means all zero. */
	if (r >= 0)
		r = cb.n ? lab_mib_delta(&cb, &ca, &cdelta) : (cdelta = ca, 0);
	if (r >= 0)
		r = sb.n ? lab_mib_delta(&sb, &sa, &sdelta) : (sdelta = sa, 0);
	if (r < 0) {
		engine_result_release(&res);
		return finish(run, RESULTS_FAILED, "cannot read MPTCP counters: %s", diag_str(d));
	}
	if (store_mibs(run, "client", &cdelta) < 0 || store_mibs(run, "server", &sdelta) < 0 ||
	    store_telemetry(t, &res, called_us, run) < 0) {
		engine_result_release(&res);
		return -ENOMEM;
	}

	if (!res.valid) {
		r = finish(run, RESULTS_INVALID, "%s", res.reason);
		engine_result_release(&res);
		return r;
	}
	/* The tool says which congestion control the sender used: a cc
	 * variant that did not take effect measured something else. */
	if (params.congestion[0] && res.cc_sender[0] && strcmp(res.cc_sender, params.congestion)) {
		r = finish(run, RESULTS_INVALID, "congestion control '%s' asked, the sender used '%s'",
			   params.congestion, res.cc_sender);
		engine_result_release(&res);
		return r;
	}
	/* the run takes the engine's intervals as they are, with where they
	 * start and the ideal of each */
	free(run->intervals);
	run->intervals = TAKE_PTR(res.intervals);
	run->n_intervals = res.n_intervals;
	res.n_intervals = 0;
	run->measure_start_us = run->n_intervals ? (int64_t)res.measure_start_us : -1;
	if (run_ideal(s, run, res.measure_start_us, (uint64_t)(res.seconds * 1e6), &ideal) < 0) {
		engine_result_release(&res);
		return -ENOMEM;
	}
	/* Request/response runs are about latency: their goodput is whatever
	 * the request rate makes it, so it is no figure of the paths. */
	if (!s->traffic.rr)
		results_run_add_metric(run, "goodput_bps", res.goodput_bps);
	results_run_add_metric(run, "bytes", (double)res.bytes);
	results_run_add_metric(run, "duration_s", res.seconds);
	results_run_add_metric(run, "transfer_us", (double)res.transfer_us);
	if (res.retransmits >= 0)
		results_run_add_metric(run, "retransmits", (double)res.retransmits);
	if (res.cpu_client_pct >= 0)
		results_run_add_metric(run, "cpu_client_pct", res.cpu_client_pct);
	if (res.cpu_server_pct >= 0)
		results_run_add_metric(run, "cpu_server_pct", res.cpu_server_pct);
	if (t->looked && t->subflows_seen)
		results_run_add_metric(run, "subflows_seen", t->subflows_seen);
	results_run_add_metric(run, "mptcp_joins",
			       (double)(mib(&sdelta, "MPJoinAckRx") + mib(&cdelta, "MPJoinAckRx")));
	/* what the paths allowed over the measured part, event by event */
	if (ideal > 0 && !s->traffic.rr) {
		double eff = res.goodput_bps / ideal;

		results_run_add_metric(run, "ideal_goodput_bps", ideal);
		results_run_add_metric(run, "efficiency", eff);
		if ((s->expect.min_efficiency > 0 && eff < s->expect.min_efficiency) ||
		    (s->expect.max_efficiency > 0 && eff > s->expect.max_efficiency)) {
			char buf[160];

			/* A slow run is a measurement, not an invalid one: a
			 * regression looks exactly like this. Flag it. */
			snprintf(buf, sizeof(buf), "efficiency %.3f outside [%.2f, %.2f]", eff,
				 s->expect.min_efficiency, s->expect.max_efficiency);
			results_run_add_noise(run, "expectation", buf);
		}
	}
	/* Only an engine that sampled its sockets (or timed its transfer or
	 * transactions itself) has something to derive from: iperf3 runs get
	 * the PM events alone. */
	if ((run->telem.n_subflows || run->telem.n_conns || res.rr.transactions ||
	     res.completion_us) &&
	    store_derived(s, &res, ideal, run) < 0) {
		engine_result_release(&res);
		return -ENOMEM;
	}
	if (mark_bound(s, run) < 0) {
		engine_result_release(&res);
		return -ENOMEM;
	}
	engine_result_release(&res);

	if (!mptcp_evidence(&cdelta, &sdelta, expected_subflows(s), t, why, sizeof(why)))
		return finish(run, RESULTS_INVALID, "%s", why);
	return finish(run, RESULTS_OK, NULL);
}

/* The engine's run with the PM-event listeners around it: whatever
 * measure_with() returns, they are closed here. */
static int measure(struct run_env *env, const struct scenario *s, const struct variant *v,
		   struct lab *lab, struct results_run *run, struct diag *d)
{
	struct tick_state t = { .lab = lab, .s = s, .d = d };
	int r;

	r = measure_with(env, s, v, lab, run, &t, d);
	pm_close(&t);
	return r;
}

int run_one(struct run_env *env, const struct scenario *s, const struct variant *v,
	    unsigned repetition, struct results_run *run, struct diag *d)
{
	struct lab_opts lo = { .cancel = env->cancel };
	struct lab_spec *spec = NULL;
	struct lab *lab = NULL;
	struct diag dd = DIAG_INIT;
	char why[512];
	int r;

	r = results_run_init(run);
	if (r < 0)
		return diag_set(d, r, "out of memory");
	r = fill_identity(env, s, v, repetition, run);
	if (r < 0)
		goto fail;

	for (unsigned i = 0; i < s->n_requires; i++) {
		const struct lab_cap *c = cap(env, s->requires[i]);

		if (!c || !c->available) {
			r = finish(run, RESULTS_SKIPPED, "missing capability '%s': %s", s->requires[i],
				   c ? c->detail : "not probed");
			goto done;
		}
	}
	spec = malloc(sizeof(*spec));
	if (!spec) {
		r = -ENOMEM;
		goto fail;
	}
	*spec = s->topo.spec;
	r = variant_apply(v, s, spec, why, sizeof(why));
	if (r == -EOPNOTSUPP) {
		r = finish(run, RESULTS_SKIPPED, "%s", why);
		goto done;
	}
	if (r < 0) {
		r = finish(run, RESULTS_FAILED, "%s", why);
		goto done;
	}
	r = lab_random_name("run-", spec->name, sizeof(spec->name));
	if (r < 0)
		goto fail;
	snprintf(spec->client, sizeof(spec->client), "%s", s->topo.client);
	snprintf(spec->server, sizeof(spec->server), "%s", s->topo.server);

	r = lab_up(spec, &lo, &lab, d);
	if (r >= 0)
		run_step(env, "lab up");
	if (r == -EINTR)
		goto fail;
	if (r == -EOPNOTSUPP) {
		r = finish(run, RESULTS_SKIPPED, "%s", diag_str(d));
		goto done;
	}
	if (r < 0) {
		r = finish(run, RESULTS_FAILED, "%s", diag_str(d));
		goto done;
	}
	r = measure(env, s, v, lab, run, d);
	if (r < 0)
		goto fail;
done:
	if (lab_down(lab, &dd) < 0 && r >= 0 && run->status == RESULTS_OK)
		r = finish(run, RESULTS_FAILED, "cannot tear down the lab: %s", diag_str(&dd));
	lab = NULL;
	run->finished_at_us = mtime_wall_us();
	free(spec);
	return r;
fail:
	free(spec);
	results_run_release(run);
	if (r == -EINTR)
		diag_set(d, -EINTR, "interrupted");
	/* A lab that could not be torn down is said, not lost behind the
	 * first error: its owner's supervisor may still remove it. */
	if (lab_down(lab, &dd) < 0)
		diag_prefix(d, "the lab was not torn down (%s); before that", diag_str(&dd));
	return r;
}
