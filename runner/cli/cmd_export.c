/*
 * cmd_export.c: `mptcp-lab export` and `mptcp-lab runs`.
 *
 * export --format json writes the contract of the README:
 *   {"runs": [{uuid, scenario, topology, variant{...}, repetition,
 *              kernel{release, version, config_hash, debug, boot_mode},
 *              host{hostname, cpu_model, cores, governor}, started_at,
 *              finished_at, status, reason, engine{name, version,
 *              mptcp_method}, metrics{...}, subflows[...], mib{role:
 *              {counter: delta}}, intervals[...], measure_start_us,
 *              events[...], noise{...}, tags{...}, pm_events[...]}]}
 * streamed run by run, so the size of the database does not matter.
 * With --samples each run also has samples{subflows[...],
 * connections[...]}, the native engine's telemetry (big: thousands of
 * rows per run). A field the kernel did not report is null there.
 * export --format csv writes one row per run, with a column per metric.
 * runs lists the selection as an aligned table, with a run's timed events
 * on a line of their own below it.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmdutil.h"
#include "commands.h"
#include "exitcodes.h"
#include "results.h"
#include "selector.h"

struct common_args {
	const char *db;
	const char *format;
	bool samples; /* export: the telemetry samples too */
	struct selector sel;
};

struct common_parse {
	struct common_args *a;
	bool want_format; /* export; runs has neither --format nor --samples */
	const char *cmd;
};

static int common_option(int c, char *arg, void *ctx)
{
	struct common_parse *p = ctx;

	switch (c) {
	case 'd':
		p->a->db = arg;
		break;
	case 'f':
		if (!p->want_format)
			return usage_of(p->cmd);
		p->a->format = arg;
		break;
	case 's':
		if (!p->want_format)
			return usage_of(p->cmd);
		p->a->samples = true;
		break;
	}
	return 0;
}

static int parse_args(int argc, char **argv, bool want_format, struct common_args *a,
		      const char *cmd)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "samples", no_argument, NULL, 's' },
		{},
	};
	struct common_parse p = { a, want_format, cmd };
	int ret = cmdutil_parse_options(argc, argv, cmd, opts, common_option, &p);

	if (ret)
		return ret;
	if (want_format && (!a->format || (strcmp(a->format, "json") && strcmp(a->format, "csv")))) {
		say_error("'%s' needs --format json or --format csv", cmd);
		return usage_of(cmd);
	}
	if (a->samples && strcmp(a->format, "json")) {
		say_error("'%s --samples' needs --format json", cmd);
		return usage_of(cmd);
	}
	return cmdutil_select_operands(argc, argv, optind, &a->sel);
}

static void iso_time(uint64_t us, char *buf, size_t size)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char *role_name(char role)
{
	return role == 's' ? "server" : "client";
}

/* A counter the kernel reported, or null. u64 values above INT64_MAX
 * (an unlimited pacing rate is ~0) are null too: JSON readers cannot
 * hold them. */
static json_t *u64_if(uint32_t present, uint32_t bit, uint64_t v)
{
	if (!(present & bit) || v > INT64_MAX)
		return json_null();
	return json_integer((json_int_t)v);
}

static json_t *pm_events_json(const struct results_run *run)
{
	json_t *a = json_array();

	for (size_t i = 0; i < run->telem.n_events; i++) {
		const struct telemetry_pm_event *e = &run->telem.events[i];

		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:b}",
			"t_us", (json_int_t)e->t_us, "role", role_name(e->role), "type", e->type,
			"local", e->local[0] ? json_string(e->local) : json_null(),
			"remote", e->remote[0] ? json_string(e->remote) : json_null(),
			"token", e->token ? json_integer(e->token) : json_null(),
			"error", e->error ? json_integer(e->error) : json_null(),
			"backup", e->backup));
	}
	return a;
}

/* null for an unknown (NaN) figure */
static json_t *real_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *shaping_json(const struct telemetry_shaping *sh)
{
	return json_pack("{s:I, s:I, s:I, s:f, s:f}", "rate_bps", (json_int_t)sh->rate_bps,
			 "delay_us", (json_int_t)sh->delay_us, "jitter_us",
			 (json_int_t)sh->jitter_us, "loss_pct", sh->loss_pct, "reorder_pct",
			 sh->reorder_pct);
}

/* The scenario's timed events as the run applied them. */
static json_t *timed_events_json(const struct results_run *run)
{
	json_t *a = json_array();

	for (size_t i = 0; i < run->n_timed_events; i++) {
		const struct telemetry_timed_event *e = &run->timed_events[i];

		json_array_append_new(
			a, json_pack("{s:I, s:o, s:s, s:s, s:o}", "planned_us",
				     (json_int_t)e->planned_us, "applied_us",
				     e->applied_us >= 0 ? json_integer(e->applied_us) : json_null(),
				     "path", e->path, "action",
				     telemetry_timed_action_name(e->action), "shaping",
				     e->action == TELEM_EV_SHAPING ?
					     json_pack("{s:o, s:o}", "up", shaping_json(&e->up),
						       "down", shaping_json(&e->down)) :
					     json_null()));
	}
	return a;
}

static json_t *samples_json(const struct results_run *run)
{
	json_t *sf = json_array(), *conns = json_array();

	for (size_t i = 0; i < run->telem.n_subflows; i++) {
		const struct telemetry_subflow_sample *x = &run->telem.subflows[i];
		uint32_t p = x->present;
		json_t *o = json_pack("{s:I, s:s, s:I, s:o, s:o}", "t_us", (json_int_t)x->t_us,
				      "role", role_name(x->role), "id", (json_int_t)x->subflow_id,
				      "local", x->local[0] ? json_string(x->local) : json_null(),
				      "remote", x->remote[0] ? json_string(x->remote) : json_null());

		json_object_set_new(o, "bytes_sent", u64_if(p, TELEM_BYTES_SENT, x->bytes_sent));
		json_object_set_new(o, "bytes_acked", u64_if(p, TELEM_BYTES_ACKED, x->bytes_acked));
		json_object_set_new(o, "bytes_received",
				    u64_if(p, TELEM_BYTES_RECEIVED, x->bytes_received));
		json_object_set_new(o, "cwnd", u64_if(p, TELEM_CWND, x->cwnd));
		json_object_set_new(o, "srtt_us", u64_if(p, TELEM_SRTT, x->srtt_us));
		json_object_set_new(o, "rttvar_us", u64_if(p, TELEM_RTTVAR, x->rttvar_us));
		json_object_set_new(o, "retransmits", u64_if(p, TELEM_RETRANS, x->total_retrans));
		json_object_set_new(o, "pacing_rate_bps",
				    u64_if(p, TELEM_PACING_RATE, x->pacing_rate_bps));
		json_object_set_new(o, "delivery_rate_bps",
				    u64_if(p, TELEM_DELIVERY_RATE, x->delivery_rate_bps));
		json_object_set_new(o, "backup",
				    p & TELEM_BACKUP ? json_boolean(x->backup) : json_null());
		json_array_append_new(sf, o);
	}
	for (size_t i = 0; i < run->telem.n_conns; i++) {
		const struct telemetry_conn_sample *x = &run->telem.conns[i];
		uint32_t p = x->present;
		json_t *o = json_pack("{s:I, s:s}", "t_us", (json_int_t)x->t_us, "role",
				      role_name(x->role));

		json_object_set_new(o, "bytes_retrans",
				    u64_if(p, TELEM_C_BYTES_RETRANS, x->bytes_retrans));
		json_object_set_new(o, "bytes_sent", u64_if(p, TELEM_C_BYTES_SENT, x->bytes_sent));
		json_object_set_new(o, "bytes_acked", u64_if(p, TELEM_C_BYTES_ACKED, x->bytes_acked));
		json_object_set_new(o, "bytes_received",
				    u64_if(p, TELEM_C_BYTES_RECEIVED, x->bytes_received));
		json_object_set_new(o, "subflows_total",
				    u64_if(p, TELEM_C_SUBFLOWS_TOTAL, x->subflows_total));
		json_object_set_new(o, "fallback",
				    p & TELEM_C_FALLBACK ? json_boolean(x->fallback) : json_null());
		json_array_append_new(conns, o);
	}
	return json_pack("{s:o, s:o}", "subflows", sf, "connections", conns);
}

static json_t *run_json(const struct results_run *run, bool samples)
{
	json_t *o = json_object(), *metrics = json_object(), *tags = json_object();
	json_t *subflows = json_array(), *mib = json_object(), *iv = json_array(), *noise = json_object();
	json_t *variant = run->variant_json ? json_loads(run->variant_json, 0, NULL) : NULL;
	char started[32], finished[32];

	iso_time(run->started_at_us, started, sizeof(started));
	iso_time(run->finished_at_us, finished, sizeof(finished));
	for (size_t i = 0; i < run->n_metrics; i++)
		json_object_set_new(metrics, run->metrics[i].name, json_real(run->metrics[i].value));
	for (size_t i = 0; i < run->n_tags; i++)
		json_object_set_new(tags, run->tags[i].key, json_string(run->tags[i].value));
	for (size_t i = 0; i < run->n_noise; i++)
		json_object_set_new(noise, run->noise[i].key, json_string(run->noise[i].value));
	for (size_t i = 0; i < run->n_subflows; i++) {
		const struct results_subflow *s = &run->subflows[i];

		json_array_append_new(subflows,
			json_pack("{s:I, s:o, s:o, s:I, s:I, s:I, s:o, s:b}", "id", (json_int_t)s->id,
				  "local", str_or_null(s->local), "remote", str_or_null(s->remote),
				  "bytes_sent", (json_int_t)s->bytes_sent, "bytes_acked",
				  (json_int_t)s->bytes_acked, "bytes_received",
				  (json_int_t)s->bytes_received, "retransmits",
				  s->retransmits >= 0 ? json_integer(s->retransmits) : json_null(),
				  "backup", s->backup));
	}
	for (size_t i = 0; i < run->n_mibs; i++) {
		json_t *role = json_object_get(mib, run->mibs[i].netns_role);

		if (!role) {
			role = json_object();
			json_object_set_new(mib, run->mibs[i].netns_role, role);
		}
		json_object_set_new(role, run->mibs[i].counter, json_integer(run->mibs[i].delta));
	}
	for (size_t i = 0; i < run->n_intervals; i++) {
		const struct telemetry_interval *x = &run->intervals[i];

		json_array_append_new(iv, json_pack("{s:I, s:I, s:I, s:f, s:o, s:o}", "start_us",
						    (json_int_t)x->start_us, "end_us",
						    (json_int_t)x->end_us, "bytes", (json_int_t)x->bytes,
						    "bits_per_second", x->bits_per_second, "retransmits",
						    x->retransmits >= 0 ? json_integer(x->retransmits) :
									  json_null(),
						    "ideal_bps", real_or_null(x->ideal_bps)));
	}
	json_object_set_new(o, "uuid", json_string(run->uuid));
	json_object_set_new(o, "scenario", str_or_null(run->scenario));
	json_object_set_new(o, "scenario_hash", str_or_null(run->scenario_hash));
	json_object_set_new(o, "topology", str_or_null(run->topology));
	json_object_set_new(o, "topology_hash", str_or_null(run->topology_hash));
	json_object_set_new(o, "variant", variant ? variant : json_object());
	json_object_set_new(o, "variant_key", str_or_null(run->variant_key));
	json_object_set_new(o, "repetition", json_integer(run->repetition));
	json_object_set_new(o, "kernel", json_pack("{s:o, s:o, s:o, s:o, s:o}",
		"release", str_or_null(run->kernel.release), "version", str_or_null(run->kernel.version),
		"config_hash", str_or_null(run->kernel.config_hash), "debug", str_or_null(run->kernel.debug),
		"boot_mode", str_or_null(run->kernel.boot_mode)));
	json_object_set_new(o, "host", json_pack("{s:o, s:o, s:i, s:o}",
		"hostname", str_or_null(run->host.hostname), "cpu_model", str_or_null(run->host.cpu_model),
		"cores", run->host.cores, "governor", str_or_null(run->host.governor)));
	json_object_set_new(o, "started_at", json_string(started));
	json_object_set_new(o, "finished_at", json_string(finished));
	json_object_set_new(o, "status", json_string(results_status_name(run->status)));
	json_object_set_new(o, "reason", str_or_null(run->reason));
	json_object_set_new(o, "engine", json_pack("{s:o, s:o, s:o}", "name", str_or_null(run->engine),
		"version", str_or_null(run->engine_version), "mptcp_method", str_or_null(run->mptcp_method)));
	json_object_set_new(o, "load1", run->load1 >= 0 ? json_real(run->load1) : json_null());
	json_object_set_new(o, "metrics", metrics);
	json_object_set_new(o, "subflows", subflows);
	json_object_set_new(o, "mib", mib);
	json_object_set_new(o, "intervals", iv);
	json_object_set_new(o, "measure_start_us", run->measure_start_us >= 0 ?
						   json_integer(run->measure_start_us) :
						   json_null());
	json_object_set_new(o, "events", timed_events_json(run));
	json_object_set_new(o, "noise", noise);
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "pm_events", pm_events_json(run));
	if (samples)
		json_object_set_new(o, "samples", samples_json(run));
	return o;
}

struct json_out {
	size_t n;
	bool samples;
};

static int emit_json(const struct results_run *run, void *arg)
{
	struct json_out *j = arg;
	json_t *o = run_json(run, j->samples);
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (!s)
		return -ENOMEM;
	printf("%s\n    %s", j->n ? "," : "", s);
	free(s);
	j->n++;
	return ferror(stdout) ? -EIO : 0;
}

/* ---- CSV --------------------------------------------------------------------- */

struct names {
	char **v;
	size_t n;
};

static int collect_metric_names(const struct results_run *run, void *arg)
{
	struct names *ns = arg;

	for (size_t i = 0; i < run->n_metrics; i++) {
		size_t k;
		char **g;

		for (k = 0; k < ns->n && strcmp(ns->v[k], run->metrics[i].name); k++)
			;
		if (k < ns->n)
			continue;
		g = realloc(ns->v, (ns->n + 1) * sizeof(*g));
		if (!g)
			return -ENOMEM;
		ns->v = g;
		g[ns->n] = strdup(run->metrics[i].name);
		if (!g[ns->n])
			return -ENOMEM;
		ns->n++;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* RFC 4180: quote a field that holds a comma, a quote or a line break. */
static void csv_field(const char *s, bool last)
{
	if (!s)
		s = "";
	if (strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	putchar(last ? '\n' : ',');
}

static int emit_csv(const struct results_run *run, void *arg)
{
	const struct names *ns = arg;
	char started[32], num[64];

	iso_time(run->started_at_us, started, sizeof(started));
	csv_field(run->uuid, false);
	csv_field(run->scenario, false);
	csv_field(run->variant_key, false);
	snprintf(num, sizeof(num), "%d", run->repetition);
	csv_field(num, false);
	csv_field(started, false);
	csv_field(run->kernel.release, false);
	csv_field(run->host.hostname, false);
	csv_field(results_status_name(run->status), false);
	csv_field(run->reason, ns->n == 0);
	for (size_t i = 0; i < ns->n; i++) {
		const struct results_metric *m = results_run_metric(run, ns->v[i]);

		if (m)
			snprintf(num, sizeof(num), "%.17g", m->value);
		else
			num[0] = '\0';
		csv_field(num, i + 1 == ns->n);
	}
	return ferror(stdout) ? -EIO : 0;
}

int cmd_export(int argc, char **argv)
{
	struct common_args a = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	struct names ns = { 0 };
	int r, ret;

	ret = parse_args(argc, argv, true, &a, "export");
	if (!ret)
		ret = cmdutil_open_db(a.db, &db);
	if (ret)
		goto out;
	ret = EXIT_SOFTWARE;
	if (!strcmp(a.format, "json")) {
		struct json_out j = { .samples = a.samples };

		/* the PM events always (a few per run), the samples on request */
		a.sel.filter.with_pm_events = true;
		a.sel.filter.with_telemetry = a.samples;
		printf("{\"runs\": [");
		r = results_query(db, &a.sel.filter, emit_json, &j, &d);
		printf("%s]}\n", j.n ? "\n" : "");
	} else {
		r = results_query(db, &a.sel.filter, collect_metric_names, &ns, &d);
		if (r >= 0) {
			qsort(ns.v, ns.n, sizeof(*ns.v), cmp_str);
			printf("uuid,scenario,variant,repetition,started_at,kernel,host,status,reason");
			for (size_t i = 0; i < ns.n; i++)
				printf(",%s", ns.v[i]);
			putchar('\n');
			r = results_query(db, &a.sel.filter, emit_csv, &ns, &d);
		}
	}
	if (r < 0) {
		say_error("%s", diag_str(&d));
		goto out;
	}
	ret = fflush(stdout) ? EXIT_SOFTWARE : EXIT_OK;
out:
	for (size_t i = 0; i < ns.n; i++)
		free(ns.v[i]);
	free(ns.v);
	results_close(db);
	selector_release(&a.sel);
	return ret;
}

static int emit_row(const struct results_run *run, void *arg)
{
	const struct results_metric *g = results_run_metric(run, "goodput_bps");
	const struct results_metric *e = results_run_metric(run, "efficiency");
	char started[32], gs[16] = "-", es[16] = "-";

	(void)arg;
	iso_time(run->started_at_us, started, sizeof(started));
	if (g)
		snprintf(gs, sizeof(gs), "%.2f", g->value / 1e6);
	if (e)
		snprintf(es, sizeof(es), "%.3f", e->value);
	printf("%-8.8s  %-20s  %-16s  %-24s  %3d  %-7s  %9s  %6s  %s\n", run->uuid, started,
	       run->scenario ? run->scenario : "", run->variant_key && run->variant_key[0] ?
	       run->variant_key : "-", run->repetition, results_status_name(run->status), gs, es,
	       run->reason ? run->reason : "");
	/* "events: path2 down at 2.995 s (3 s planned), path1 10/10 Mbit/s at ..." */
	for (size_t i = 0; i < run->n_timed_events; i++) {
		const struct telemetry_timed_event *ev = &run->timed_events[i];
		char what[64];

		if (ev->action == TELEM_EV_SHAPING)
			snprintf(what, sizeof(what), "shaping %g/%g Mbit/s", ev->up.rate_bps / 1e6,
				 ev->down.rate_bps / 1e6);
		else
			snprintf(what, sizeof(what), "%s", telemetry_timed_action_name(ev->action));
		printf("%s%s %s ", i ? ", " : "          events: ", ev->path, what);
		if (ev->applied_us >= 0)
			printf("at %.3f s (%g s planned)", (double)ev->applied_us / 1e6,
			       (double)ev->planned_us / 1e6);
		else
			printf("not applied (%g s planned)", (double)ev->planned_us / 1e6);
		if (i + 1 == run->n_timed_events)
			putchar('\n');
	}
	return ferror(stdout) ? -EIO : 0;
}

int cmd_runs(int argc, char **argv)
{
	struct common_args a = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	int r, ret;

	ret = parse_args(argc, argv, false, &a, "runs");
	if (!ret)
		ret = cmdutil_open_db(a.db, &db);
	if (ret)
		goto out;
	ret = EXIT_SOFTWARE;
	printf("%-8s  %-20s  %-16s  %-24s  %3s  %-7s  %9s  %6s  %s\n", "RUN", "STARTED (UTC)",
	       "SCENARIO", "VARIANT", "REP", "STATUS", "MBIT/S", "EFF", "REASON");
	r = results_query(db, &a.sel.filter, emit_row, NULL, &d);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		goto out;
	}
	ret = EXIT_OK;
out:
	results_close(db);
	selector_release(&a.sel);
	return ret;
}
