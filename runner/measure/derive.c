/*
 * derive.c: metrics from a run's telemetry and topology (see derive.h for
 * what and why). Everything here is a pure function of its inputs: no
 * clock, no kernel, no database, no printing.
 *
 * A subflow is identified by (side, id, local, remote): the id alone is
 * reused by the fallback path of the sampler (a position in the kernel's
 * list), and a subflow that closes and re-joins gets new ports. Each
 * field keeps the last value a sample reported for it, so a field an old
 * kernel never filled stays absent instead of becoming 0.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "derive.h"
#include "array.h"

/* ---- addresses to paths ------------------------------------------------------ */

/* The address of "10.1.1.1:40000", "[fd00::1]:5201", "10.1.1.1" or
 * "fd00::1". */
static int derive_addr(const char *s, struct lab_addr *a)
{
	char buf[64];
	const char *colon;

	if (!s || !s[0])
		return -EINVAL;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || (size_t)(end - s - 1) >= sizeof(buf))
			return -EINVAL;
		snprintf(buf, sizeof(buf), "%.*s", (int)(end - s - 1), s + 1);
	} else if ((colon = strchr(s, ':')) && !strchr(colon + 1, ':')) {
		snprintf(buf, sizeof(buf), "%.*s", (int)(colon - s), s); /* a.b.c.d:port */
	} else {
		snprintf(buf, sizeof(buf), "%s", s);
	}
	return lab_addr_parse(buf, a);
}

/* The link that has an interface with this address, and that interface's
 * node; -1 when no link has it. */
static int derive_owner(const struct lab_spec *spec, const char *s, const char **node)
{
	struct lab_addr a;

	if (derive_addr(s, &a) < 0)
		return -1;
	for (unsigned i = 0; i < spec->n_links; i++)
		for (int e = 0; e < 2; e++) {
			const struct lab_iface_spec *f = &spec->links[i].end[e];

			for (unsigned k = 0; k < f->n_addrs; k++)
				if (lab_addr_equal(&f->addrs[k], &a)) {
					*node = f->node;
					return (int)i;
				}
		}
	return -1;
}

static int derive_path_of_link(const struct lab_spec *spec, int link)
{
	if (link < 0)
		return -1;
	for (unsigned p = 0; p < spec->n_paths; p++)
		for (unsigned k = 0; k < spec->paths[p].n_links; k++)
			if (!strcmp(spec->paths[p].links[k], spec->links[link].name))
				return (int)p;
	return -1;
}

int derive_path_of(const struct lab_spec *spec, const char *client_node,
		   const char *server_node, const char *local, const char *remote)
{
	const char *ln = "", *rn = "";
	int ll = derive_owner(spec, local, &ln), rl = derive_owner(spec, remote, &rn);
	int lp = derive_path_of_link(spec, ll), rp = derive_path_of_link(spec, rl);

	/* The client's interface decides: its routes pick the path. */
	if (lp >= 0 && client_node && !strcmp(ln, client_node))
		return lp;
	if (rp >= 0 && client_node && !strcmp(rn, client_node))
		return rp;
	if (lp >= 0 && server_node && !strcmp(ln, server_node))
		return lp;
	if (rp >= 0 && server_node && !strcmp(rn, server_node))
		return rp;
	return lp >= 0 ? lp : rp;
}

/* ---- subflows over the run --------------------------------------------------- */

static bool derive_same(const struct derive_subflow *d, const struct telemetry_subflow_sample *s)
{
	return d->role == s->role && d->id == s->subflow_id && !strcmp(d->local, s->local) &&
	       !strcmp(d->remote, s->remote);
}

static int derive_find(const struct derive_result *r, const struct telemetry_subflow_sample *s)
{
	/* newest first: a subflow's samples come together in time */
	for (size_t i = r->n_subflows; i-- > 0;)
		if (derive_same(&r->subflows[i], s))
			return (int)i;
	return -1;
}

static void derive_update(struct derive_subflow *d, const struct telemetry_subflow_sample *s)
{
	if (s->t_us < d->last_t_us)
		return; /* an older sample never overwrites a newer one */
	d->last_t_us = s->t_us;
	d->present |= s->present;
	if (s->present & TELEM_BYTES_SENT)
		d->bytes_sent = s->bytes_sent;
	if (s->present & TELEM_BYTES_ACKED)
		d->bytes_acked = s->bytes_acked;
	if (s->present & TELEM_BYTES_RECEIVED)
		d->bytes_received = s->bytes_received;
	if (s->present & TELEM_RETRANS)
		d->retransmits = s->total_retrans;
	if (s->present & TELEM_BACKUP)
		d->backup = s->backup;
}

static int derive_subflows(const struct derive_input *in, struct derive_result *r)
{
	const struct telemetry *t = in->telem;

	for (size_t i = 0; i < t->n_subflows; i++) {
		const struct telemetry_subflow_sample *s = &t->subflows[i];
		int k = derive_find(r, s);

		if (k < 0) {
			struct derive_subflow *d;

			d = array_grow(r->subflows, r->n_subflows, sizeof(*d));
			if (!d)
				return -ENOMEM;
			r->subflows = d;
			d = &r->subflows[r->n_subflows];
			d->role = s->role;
			d->id = s->subflow_id;
			snprintf(d->local, sizeof(d->local), "%s", s->local);
			snprintf(d->remote, sizeof(d->remote), "%s", s->remote);
			d->path = derive_path_of(in->spec, in->client_node, in->server_node, s->local,
						 s->remote);
			d->first_t_us = d->last_t_us = s->t_us;
			d->retransmits = -1;
			k = (int)r->n_subflows++;
		}
		derive_update(&r->subflows[k], s);
	}
	return 0;
}

static bool derive_sender(const struct derive_input *in, char role)
{
	return (role == 'c' && in->client_sends) || (role == 's' && in->server_sends);
}

static void derive_shares(const struct derive_input *in, struct derive_result *r)
{
	uint64_t total = 0;

	for (size_t i = 0; i < r->n_subflows; i++) {
		const struct derive_subflow *d = &r->subflows[i];

		if (!derive_sender(in, d->role) || !(d->present & TELEM_BYTES_ACKED))
			continue;
		if (d->path >= 0 && (unsigned)d->path < r->n_paths)
			r->path_acked[d->path] += d->bytes_acked;
		else
			r->unmapped_acked += d->bytes_acked;
		total += d->bytes_acked;
	}
	for (unsigned p = 0; p < r->n_paths; p++)
		r->share[p] = total ? (double)r->path_acked[p] / (double)total : (double)NAN;
}

/* ---- when the subflows joined ----------------------------------------------- */

/* From the events of one side: every connection (token) needs need
 * sub_established events (0: its own established event). NaN when a
 * connection of that side lacks them, or the side saw none. */
static double derive_joined_events(const struct telemetry *t, char role, unsigned need)
{
	double joined = (double)NAN;

	for (size_t i = 0; i < t->n_events; i++) {
		const struct telemetry_pm_event *e = &t->events[i];
		unsigned seen = 0;
		double at = (double)NAN;

		if (e->role != role || !e->token || strcmp(e->type, "established"))
			continue;
		if (!need)
			at = (double)e->t_us;
		for (size_t k = 0; k < t->n_events && need && isnan(at); k++) {
			const struct telemetry_pm_event *x = &t->events[k];

			if (x->role == role && x->token == e->token &&
			    !strcmp(x->type, "sub_established") && ++seen == need)
				at = (double)x->t_us;
		}
		if (isnan(at))
			return (double)NAN; /* this connection never got them all */
		if (isnan(joined) || at > joined)
			joined = at;
	}
	return joined;
}

/* From the samples: the first instant one side sampled need subflows. */
static double derive_joined_samples(const struct telemetry *t, unsigned need)
{
	double first = (double)NAN;

	for (size_t i = 0; i < t->n_subflows;) {
		const struct telemetry_subflow_sample *s = &t->subflows[i];
		size_t j = i;

		/* one snapshot: the samples of one side at one instant */
		while (j < t->n_subflows && t->subflows[j].t_us == s->t_us &&
		       t->subflows[j].role == s->role)
			j++;
		if (j - i >= need && (isnan(first) || (double)s->t_us < first))
			first = (double)s->t_us;
		i = j;
	}
	return first;
}

static void derive_joined(const struct derive_input *in, struct derive_result *r)
{
	const struct telemetry *t = in->telem;
	unsigned n = in->expected_subflows ? in->expected_subflows : 1;
	double at = derive_joined_events(t, 'c', n - 1);

	if (isnan(at))
		at = derive_joined_events(t, 's', n - 1);
	r->joined_from_events = !isnan(at);
	if (isnan(at))
		at = derive_joined_samples(t, n);
	r->subflows_joined_us = at;
}

/* ---- reinjections ------------------------------------------------------------ */

/* Per sending side, its last snapshot that has bytes_retrans (every
 * connection sampled at that instant), added up. */
static void derive_retrans(const struct derive_input *in, struct derive_result *r)
{
	const struct telemetry *t = in->telem;
	double total = (double)NAN;

	for (int side = 0; side < 2; side++) {
		char role = side ? 's' : 'c';
		bool found = false;
		uint64_t last = 0, sum = 0;

		if (!derive_sender(in, role))
			continue;
		for (size_t i = 0; i < t->n_conns; i++) {
			const struct telemetry_conn_sample *c = &t->conns[i];

			if (c->role != role || !(c->present & TELEM_C_BYTES_RETRANS))
				continue;
			if (!found || c->t_us > last) {
				found = true;
				last = c->t_us;
				sum = 0;
			}
			if (c->t_us == last)
				sum += c->bytes_retrans;
		}
		if (found)
			total = (isnan(total) ? 0 : total) + (double)sum;
	}
	r->bytes_retrans = total;
}

/* ---- recovery after a link outage ------------------------------------------ */

struct derive_order {
	uint64_t t_us;
	size_t i;
};

static int derive_cmp_order(const void *a, const void *b)
{
	const struct derive_order *x = a, *y = b;

	if (x->t_us != y->t_us)
		return x->t_us < y->t_us ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int derive_path_index(const struct lab_spec *spec, const char *name)
{
	for (unsigned p = 0; p < spec->n_paths; p++)
		if (!strcmp(spec->paths[p].name, name))
			return (int)p;
	return -1;
}

static int derive_recover(const struct derive_input *in, struct derive_result *r)
{
	const struct telemetry *t = in->telem;
	const struct telemetry_timed_event *down = NULL, *up = NULL;
	struct derive_order *order = NULL;
	uint64_t *last = NULL, up_us;
	size_t n = 0;
	int path, ret = 0;

	r->recover_us = (double)NAN;
	for (size_t i = 0; i < in->n_events && !up; i++) {
		const struct telemetry_timed_event *e = &in->events[i];

		if (e->applied_us < 0)
			continue;
		if (!down && e->action == TELEM_EV_LINK_DOWN)
			down = e;
		else if (down && e->action == TELEM_EV_LINK_UP && !strcmp(e->path, down->path) &&
			 e->applied_us >= down->applied_us)
			up = e;
	}
	if (!up)
		return 0;
	up_us = (uint64_t)up->applied_us;
	snprintf(r->recover_path, sizeof(r->recover_path), "%.*s", (int)sizeof(r->recover_path) - 1,
		 up->path);
	path = derive_path_index(in->spec, up->path);
	if (path < 0 || !t->n_subflows)
		return 0;

	/* the sending side's samples in time order */
	order = calloc(t->n_subflows, sizeof(*order));
	last = calloc(r->n_subflows ? r->n_subflows : 1, sizeof(*last));
	if (!order || !last) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->n_subflows; i++)
		if (derive_sender(in, t->subflows[i].role) &&
		    (t->subflows[i].present & TELEM_BYTES_ACKED))
			order[n++] = (struct derive_order){ t->subflows[i].t_us, i };
	qsort(order, n, sizeof(*order), derive_cmp_order);
	for (size_t j = 0; j < n; j++) {
		const struct telemetry_subflow_sample *s = &t->subflows[order[j].i];
		int k = derive_find(r, s);

		if (k < 0 || r->subflows[k].path != path)
			continue;
		/* a subflow first seen after the link-up starts from 0 */
		if (s->t_us > up_us && s->bytes_acked > last[k]) {
			r->recover_us = (double)(s->t_us - up_us);
			break;
		}
		last[k] = s->bytes_acked;
	}
out:
	free(order);
	free(last);
	return ret;
}

/* ---- the ideal goodput, event by event ---------------------------------------- */

/* The payload share of a full-size packet on path p. */
static double derive_path_share(const struct lab_spec *spec, const struct lab_path_spec *p,
				int family)
{
	/* IP header + TCP header with the timestamp option. */
	unsigned hdr = (family == AF_INET6 ? 40 : 20) + 32;
	uint32_t mtu = 0;

	for (unsigned k = 0; k < p->n_links; k++)
		for (unsigned i = 0; i < spec->n_links; i++)
			if (!strcmp(spec->links[i].name, p->links[k])) {
				uint32_t m = spec->links[i].mtu ? spec->links[i].mtu : 1500;

				mtu = !mtu || m < mtu ? m : mtu;
			}
	if (!mtu)
		mtu = 1500;
	return (double)(mtu - hdr) / (double)(mtu + 14);
}

/* What the paths allow in their state now. */
struct derive_path_state {
	uint64_t up_bps, down_bps;
	bool link_up;
};

static double derive_ideal_now(const struct lab_spec *spec, const struct derive_path_state *st,
			       bool up, bool down, int family)
{
	double ideal = 0;

	for (unsigned i = 0; i < spec->n_paths && i < LAB_MAX_PATHS; i++) {
		double share = derive_path_share(spec, &spec->paths[i], family);

		if (!st[i].link_up)
			continue;
		if ((up && !st[i].up_bps) || (down && !st[i].down_bps))
			return (double)NAN; /* runs at veth speed: no ideal */
		if (up)
			ideal += (double)st[i].up_bps * share;
		if (down)
			ideal += (double)st[i].down_bps * share;
	}
	return ideal;
}

static int derive_cmp_applied(const void *a, const void *b)
{
	const struct telemetry_timed_event *x = *(const struct telemetry_timed_event *const *)a;
	const struct telemetry_timed_event *y = *(const struct telemetry_timed_event *const *)b;

	if (x->applied_us != y->applied_us)
		return x->applied_us < y->applied_us ? -1 : 1;
	return x < y ? -1 : x > y;
}

int derive_ideal_steps(const struct lab_spec *spec, bool up, bool down, int family,
		       const struct telemetry_timed_event *events, size_t n_events,
		       struct derive_ideal_step **steps, size_t *n_steps)
{
	struct derive_path_state st[LAB_MAX_PATHS];
	const struct telemetry_timed_event **order;
	struct derive_ideal_step *out;
	size_t n = 0, k = 0;

	*steps = NULL;
	*n_steps = 0;
	out = calloc(n_events + 1, sizeof(*out));
	order = calloc(n_events ? n_events : 1, sizeof(*order));
	if (!out || !order) {
		free(out);
		free(order);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < spec->n_paths && i < LAB_MAX_PATHS; i++)
		st[i] = (struct derive_path_state){ spec->paths[i].up.rate_bps,
						    spec->paths[i].down.rate_bps, true };
	out[n++] = (struct derive_ideal_step){ 0, derive_ideal_now(spec, st, up, down, family) };
	/* in the order they were applied (the scenario's, normally) */
	for (size_t i = 0; i < n_events; i++)
		if (events[i].applied_us >= 0)
			order[k++] = &events[i];
	qsort(order, k, sizeof(*order), derive_cmp_applied);
	for (size_t i = 0; i < k; i++) {
		const struct telemetry_timed_event *e = order[i];
		int p = derive_path_index(spec, e->path);

		if (p < 0 || p >= LAB_MAX_PATHS)
			continue;
		switch (e->action) {
		case TELEM_EV_LINK_DOWN:
		case TELEM_EV_LINK_UP:
			st[p].link_up = e->action == TELEM_EV_LINK_UP;
			break;
		case TELEM_EV_SHAPING:
			st[p].up_bps = e->up.rate_bps;
			st[p].down_bps = e->down.rate_bps;
			break;
		}
		/* events at the same instant make one step */
		if (out[n - 1].at_us == (uint64_t)e->applied_us)
			n--;
		out[n++] = (struct derive_ideal_step){ (uint64_t)e->applied_us,
						       derive_ideal_now(spec, st, up, down, family) };
	}
	free(order);
	*steps = out;
	*n_steps = n;
	return 0;
}

double derive_ideal_mean(const struct derive_ideal_step *steps, size_t n, uint64_t from_us,
			 uint64_t to_us)
{
	double sum = 0;

	if (!n)
		return (double)NAN;
	if (to_us <= from_us) {
		size_t i = 0;

		while (i + 1 < n && steps[i + 1].at_us <= from_us)
			i++;
		return steps[i].bps;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t a = i ? steps[i].at_us : 0, b = i + 1 < n ? steps[i + 1].at_us : UINT64_MAX;

		/* the part of [from, to] in [a, b) */
		if (a < from_us)
			a = from_us;
		if (b > to_us)
			b = to_us;
		if (b <= a)
			continue;
		if (isnan(steps[i].bps))
			return (double)NAN;
		sum += steps[i].bps * (double)(b - a);
	}
	return sum / (double)(to_us - from_us);
}

/* ---- the whole run ------------------------------------------------------------- */

int derive_run(const struct derive_input *in, struct derive_result *out)
{
	static const struct telemetry none;
	struct derive_input tmp = *in;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!tmp.telem)
		tmp.telem = &none;
	out->n_paths = in->spec->n_paths < LAB_MAX_PATHS ? in->spec->n_paths : LAB_MAX_PATHS;
	out->bytes_retrans = out->completion_us = out->completion_ratio = (double)NAN;
	out->subflows_joined_us = out->recover_us = (double)NAN;

	ret = derive_subflows(&tmp, out);
	if (ret < 0)
		goto fail;
	derive_shares(&tmp, out);
	derive_joined(&tmp, out);
	derive_retrans(&tmp, out);
	ret = derive_recover(&tmp, out);
	if (ret < 0)
		goto fail;
	if (in->bytes && in->completion_us) {
		out->completion_us = (double)in->completion_us;
		if (in->ideal_goodput_bps > 0)
			out->completion_ratio = (double)in->completion_us /
						((double)in->bytes * 8 / in->ideal_goodput_bps * 1e6);
	}
	return 0;
fail:
	derive_result_release(out);
	return ret;
}

void derive_result_release(struct derive_result *r)
{
	if (!r)
		return;
	free(r->subflows);
	r->subflows = NULL;
	r->n_subflows = 0;
}

static int derive_metric(struct results_run *run, const char *name, double v)
{
	if (isnan(v))
		return 0;
	return results_run_add_metric(run, name, v);
}

int derive_store(const struct derive_input *in, const struct derive_result *r,
		 struct results_run *run)
{
	char name[64];
	char view = 'c';
	int ret = 0;

	for (unsigned p = 0; p < r->n_paths && !ret; p++) {
		snprintf(name, sizeof(name), "share.%s", in->spec->paths[p].name);
		ret = derive_metric(run, name, r->share[p]);
	}
	if (!ret)
		ret = derive_metric(run, "subflows_joined_us", r->subflows_joined_us);
	if (!ret)
		ret = derive_metric(run, "bytes_retrans", r->bytes_retrans);
	if (!ret)
		ret = derive_metric(run, "completion_us", r->completion_us);
	if (!ret)
		ret = derive_metric(run, "completion_ratio", r->completion_ratio);
	if (!ret)
		ret = derive_metric(run, "recover_us", r->recover_us);
	if (!ret && in->rr.transactions) {
		ret |= results_run_add_metric(run, "transactions", (double)in->rr.transactions);
		ret |= results_run_add_metric(run, "tps", in->rr.tps);
		ret |= results_run_add_metric(run, "latency_p50_us", (double)in->rr.p50_us);
		ret |= results_run_add_metric(run, "latency_p90_us", (double)in->rr.p90_us);
		ret |= results_run_add_metric(run, "latency_p99_us", (double)in->rr.p99_us);
		ret |= results_run_add_metric(run, "latency_max_us", (double)in->rr.max_us);
	}
	if (ret)
		return -ENOMEM;

	/* One row per subflow: the client's view holds the bytes of both
	 * directions; the server's only when the client sampled nothing. */
	view = 's';
	for (size_t i = 0; i < r->n_subflows; i++)
		if (r->subflows[i].role == 'c')
			view = 'c';
	for (size_t i = 0; i < r->n_subflows; i++) {
		const struct derive_subflow *d = &r->subflows[i];
		struct results_subflow sf = {
			.id = d->id,
			/* copied by results_run_add_subflow(); "" is unknown */
			.local = d->local[0] ? (char *)(uintptr_t)d->local : NULL,
			.remote = d->remote[0] ? (char *)(uintptr_t)d->remote : NULL,
			.bytes_sent = d->bytes_sent,
			.bytes_acked = d->bytes_acked,
			.bytes_received = d->bytes_received,
			.retransmits = d->retransmits,
			.backup = d->backup,
		};

		if (d->role != view)
			continue;
		if (results_run_add_subflow(run, &sf) < 0)
			return -ENOMEM;
	}
	return 0;
}
