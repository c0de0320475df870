/*
 * native_output.c: what the two xfer processes of a native run wrote,
 * read after the run: each end's JSON lines (xfer.h) parsed into the
 * run's telemetry (common/telemetry.h) and that end's summary, the rules a
 * trusted output follows, and the engine's result computed from it.
 *
 * A client or server killed by a signal, exiting non-zero, or whose
 * output breaks a rule below gives a result with valid = false and the
 * reason:
 *   - every line is "ready" (server, first line only) or one JSON object
 *     with a known "type"; the text ends with a newline (not truncated);
 *   - exactly one summary per end, the last line, with every figure the
 *     mode needs, non-negative, of the mode and direction asked;
 *   - in byte-count mode each receiving end got exactly the bytes asked;
 *   - rr percentiles are ordered (p50 <= p90 <= p99 <= max);
 *   - both ends used MPTCP sockets (plain TCP only when a namespace
 *     could not open them, which makes the run invalid here).
 *
 * Samples carry CLOCK_MONOTONIC times ("mono_us"), the same clock in every
 * namespace: they are put on one time line counted from the client's
 * start. This file does not spawn, read pipes or print.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "array.h"
#include "native_int.h"

/* ---- what an end said on stderr ------------------------------------------------ */

void native_complaint(const struct native_end *e, char *out, size_t size)
{
	const char *err = e->sr.err, *line, *end;
	size_t n;

	out[0] = '\0';
	if (!err || !e->sr.err_len)
		return;
	end = err + e->sr.err_len;
	while (end > err && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	line = end;
	while (line > err && line[-1] != '\n')
		line--;
	if (!strncmp(line, "mptcp-lab: ", 11))
		line += 11;
	n = (size_t)(end - line);
	snprintf(out, size, "%.*s", (int)n, line);
}

/* ---- parsing the output --------------------------------------------------------- */

/* 1 present and valid, 0 absent, -1 present but not an integer in
 * [0, max]. */
static int get_u64(json_t *o, const char *key, uint64_t max, uint64_t *v)
{
	json_t *x = json_object_get(o, key);
	json_int_t i;

	if (!x)
		return 0;
	if (!json_is_integer(x))
		return -1;
	i = json_integer_value(x);
	if (i < 0 || (uint64_t)i > max)
		return -1;
	*v = (uint64_t)i;
	return 1;
}

static int get_num(json_t *o, const char *key, double *v)
{
	json_t *x = json_object_get(o, key);

	if (!x)
		return 0;
	if (!json_is_number(x))
		return -1;
	*v = json_number_value(x);
	return isfinite(*v) && *v >= 0 ? 1 : -1;
}

static int get_str(json_t *o, const char *key, char *out, size_t size)
{
	json_t *x = json_object_get(o, key);

	if (!x)
		return 0;
	if (!json_is_string(x) || json_string_length(x) >= size)
		return -1;
	snprintf(out, size, "%s", json_string_value(x));
	return 1;
}

static int get_bool(json_t *o, const char *key, bool *v)
{
	json_t *x = json_object_get(o, key);

	if (!x)
		return 0;
	if (!json_is_boolean(x))
		return -1;
	*v = json_is_true(x);
	return 1;
}

/* Parser state shared by both ends' lines. */
struct native_parse {
	struct engine_result *res;
	char why[200];
};

#define BAD(ps, ...) (snprintf((ps)->why, sizeof((ps)->why), __VA_ARGS__), -EBADMSG)

static int native_parse_conn(struct native_parse *ps, struct native_end *e, json_t *o,
			     uint64_t mono_us)
{
	struct telemetry_conn_sample c = { .t_us = mono_us, .role = e->role };
	struct native_rx *rxs;
	uint64_t v, rx = 0, tx = 0;
	bool b;
	int k;

	if (get_u64(o, "rx", UINT64_MAX, &rx) != 1 || get_u64(o, "tx", UINT64_MAX, &tx) != 1)
		return BAD(ps, "conn sample without rx/tx");
	if ((k = get_u64(o, "subflows_total", UINT32_MAX, &v)) < 0)
		return BAD(ps, "bad subflows_total");
	if (k) {
		c.subflows_total = (uint32_t)v;
		c.present |= TELEM_C_SUBFLOWS_TOTAL;
	}
	if ((k = get_bool(o, "fallback", &b)) < 0)
		return BAD(ps, "bad fallback");
	if (k) {
		c.fallback = b;
		c.present |= TELEM_C_FALLBACK;
	}
	static const struct {
		const char *key;
		size_t off;
		uint32_t bit;
	} u64s[] = {
		{ "bytes_retrans", offsetof(struct telemetry_conn_sample, bytes_retrans),
		  TELEM_C_BYTES_RETRANS },
		{ "bytes_sent", offsetof(struct telemetry_conn_sample, bytes_sent),
		  TELEM_C_BYTES_SENT },
		{ "bytes_acked", offsetof(struct telemetry_conn_sample, bytes_acked),
		  TELEM_C_BYTES_ACKED },
		{ "bytes_received", offsetof(struct telemetry_conn_sample, bytes_received),
		  TELEM_C_BYTES_RECEIVED },
	};
	for (size_t i = 0; i < ARRAY_SIZE(u64s); i++) {
		if ((k = get_u64(o, u64s[i].key, UINT64_MAX, &v)) < 0)
			return BAD(ps, "bad %s in a conn sample", u64s[i].key);
		if (k) {
			memcpy((char *)&c + u64s[i].off, &v, sizeof(v));
			c.present |= u64s[i].bit;
		}
	}
	rxs = array_grow(e->rx, e->n_rx, sizeof(*rxs));
	if (!rxs)
		return -ENOMEM;
	e->rx = rxs;
	e->rx[e->n_rx++] = (struct native_rx){ .t_us = mono_us, .rx = rx };
	return telemetry_add_conn(&ps->res->telem, &c);
}

static int native_parse_subflow(struct native_parse *ps, struct native_end *e, json_t *o,
				uint64_t mono_us)
{
	struct telemetry_subflow_sample s = { .t_us = mono_us, .role = e->role };
	uint64_t v;
	bool b;
	int k, kl, kr;

	if (get_u64(o, "id", UINT32_MAX, &v) != 1)
		return BAD(ps, "subflow sample without an id");
	s.subflow_id = (uint32_t)v;
	kl = get_str(o, "local", s.local, sizeof(s.local));
	kr = get_str(o, "remote", s.remote, sizeof(s.remote));
	if (kl < 0 || kr < 0 || kl != kr)
		return BAD(ps, "bad addresses in a subflow sample");
	if (kl)
		s.present |= TELEM_ADDRS;
	if ((k = get_bool(o, "backup", &b)) < 0)
		return BAD(ps, "bad backup flag");
	if (k) {
		s.backup = b;
		s.present |= TELEM_BACKUP;
	}
	static const struct {
		const char *key;
		size_t off;
		bool wide;
		uint32_t bit;
	} fields[] = {
		{ "bytes_sent", offsetof(struct telemetry_subflow_sample, bytes_sent), true,
		  TELEM_BYTES_SENT },
		{ "bytes_acked", offsetof(struct telemetry_subflow_sample, bytes_acked), true,
		  TELEM_BYTES_ACKED },
		{ "bytes_received", offsetof(struct telemetry_subflow_sample, bytes_received), true,
		  TELEM_BYTES_RECEIVED },
		{ "cwnd", offsetof(struct telemetry_subflow_sample, cwnd), false, TELEM_CWND },
		{ "srtt_us", offsetof(struct telemetry_subflow_sample, srtt_us), false,
		  TELEM_SRTT },
		{ "rttvar_us", offsetof(struct telemetry_subflow_sample, rttvar_us), false,
		  TELEM_RTTVAR },
		{ "total_retrans", offsetof(struct telemetry_subflow_sample, total_retrans), false,
		  TELEM_RETRANS },
		{ "pacing_rate_bps", offsetof(struct telemetry_subflow_sample, pacing_rate_bps),
		  true, TELEM_PACING_RATE },
		{ "delivery_rate_bps", offsetof(struct telemetry_subflow_sample, delivery_rate_bps),
		  true, TELEM_DELIVERY_RATE },
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if ((k = get_u64(o, fields[i].key, fields[i].wide ? UINT64_MAX : UINT32_MAX, &v)) <
		    0)
			return BAD(ps, "bad %s in a subflow sample", fields[i].key);
		if (!k)
			continue;
		if (fields[i].wide) {
			memcpy((char *)&s + fields[i].off, &v, sizeof(v));
		} else {
			uint32_t v32 = (uint32_t)v;

			memcpy((char *)&s + fields[i].off, &v32, sizeof(v32));
		}
		s.present |= fields[i].bit;
	}
	return telemetry_add_subflow(&ps->res->telem, &s);
}

static int native_parse_summary(struct native_parse *ps, struct native_end *e, json_t *o,
				const struct xfer_params *x)
{
	char mode[8] = "", dir[12] = "", proto[8] = "";
	uint64_t version = 0, req = 0;
	bool mptcp = false;

	if (get_u64(o, "version", 1000, &version) != 1 || version != XFER_VERSION)
		return BAD(ps, "summary of an unknown xfer version");
	if (get_str(o, "mode", mode, sizeof(mode)) != 1 || strcmp(mode, xfer_mode_name(x->mode)))
		return BAD(ps, "summary of mode '%s', asked '%s'", mode, xfer_mode_name(x->mode));
	if (get_str(o, "direction", dir, sizeof(dir)) != 1 ||
	    strcmp(dir, xfer_direction_name(x->direction)))
		return BAD(ps, "summary of direction '%s', asked '%s'", dir,
			   xfer_direction_name(x->direction));
	if (get_u64(o, "requested_bytes", UINT64_MAX, &req) != 1 || req != x->bytes)
		return BAD(ps, "summary for %llu bytes, asked %llu", (unsigned long long)req,
			   (unsigned long long)x->bytes);
	if (get_u64(o, "bytes", UINT64_MAX, &e->bytes) != 1 ||
	    get_u64(o, "bytes_sent", UINT64_MAX, &e->bytes_sent) != 1 ||
	    get_u64(o, "measured_bytes", UINT64_MAX, &e->measured_bytes) != 1 ||
	    get_u64(o, "measured_us", UINT64_MAX, &e->measured_us) != 1 ||
	    get_num(o, "goodput_bps", &e->goodput_bps) != 1 ||
	    get_u64(o, "start_mono_us", UINT64_MAX, &e->start_mono_us) != 1 ||
	    get_u64(o, "wall_us", UINT64_MAX, &e->wall_us) != 1 ||
	    get_u64(o, "cpu_us", UINT64_MAX, &e->cpu_us) != 1 ||
	    get_u64(o, "measure_mono_us", UINT64_MAX, &e->measure_mono_us) != 1 ||
	    get_u64(o, "omit_bytes", UINT64_MAX, &e->omit_bytes) != 1 ||
	    get_u64(o, "last_rx_mono_us", UINT64_MAX, &e->last_rx_mono_us) != 1)
		return BAD(ps, "summary without its figures (bytes, measured_*, goodput_bps, ...)");
	if (e->omit_bytes > e->bytes ||
	    (e->bytes && (!e->measure_mono_us || e->last_rx_mono_us < e->measure_mono_us)))
		return BAD(ps, "summary with a measured part out of order (from %llu us after %llu "
			       "bytes, last byte at %llu us)",
			   (unsigned long long)e->measure_mono_us, (unsigned long long)e->omit_bytes,
			   (unsigned long long)e->last_rx_mono_us);
	if (e->measured_bytes > e->bytes)
		return BAD(ps, "summary measures %llu of %llu bytes",
			   (unsigned long long)e->measured_bytes, (unsigned long long)e->bytes);
	if (get_str(o, "proto", proto, sizeof(proto)) != 1 ||
	    (strcmp(proto, "mptcp") && strcmp(proto, "tcp")) || get_bool(o, "mptcp", &mptcp) != 1)
		return BAD(ps, "summary without proto/mptcp");
	e->proto_mptcp = !strcmp(proto, "mptcp");
	if (get_str(o, "cc", e->cc, sizeof(e->cc)) < 0 ||
	    get_str(o, "mptcp_unavailable", e->no_mptcp, sizeof(e->no_mptcp)) < 0)
		return BAD(ps, "summary with a bad cc or mptcp_unavailable");
	if (e->role == 'c' && x->mode == XFER_BULK &&
	    get_u64(o, "completion_us", UINT64_MAX, &e->completion_us) != 1)
		return BAD(ps, "client summary without completion_us");
	if (x->mode == XFER_RR) {
		if (get_u64(o, "n", UINT64_MAX, &e->rr.transactions) != 1 ||
		    get_num(o, "tps", &e->rr.tps) != 1)
			return BAD(ps, "rr summary without n/tps");
		if (e->role == 'c') {
			if (get_u64(o, "p50_us", UINT32_MAX, &e->rr.p50_us) != 1 ||
			    get_u64(o, "p90_us", UINT32_MAX, &e->rr.p90_us) != 1 ||
			    get_u64(o, "p99_us", UINT32_MAX, &e->rr.p99_us) != 1 ||
			    get_u64(o, "max_us", UINT32_MAX, &e->rr.max_us) != 1)
				return BAD(ps, "rr summary without its percentiles");
			if (!(e->rr.p50_us <= e->rr.p90_us && e->rr.p90_us <= e->rr.p99_us &&
			      e->rr.p99_us <= e->rr.max_us))
				return BAD(ps, "rr percentiles out of order (p50 %llu, p90 %llu, "
					       "p99 %llu, max %llu us)",
					   (unsigned long long)e->rr.p50_us,
					   (unsigned long long)e->rr.p90_us,
					   (unsigned long long)e->rr.p99_us,
					   (unsigned long long)e->rr.max_us);
			if (!e->rr.transactions)
				return BAD(ps, "no transaction was measured");
		}
	}
	e->has_summary = true;
	return 0;
}

/* Parse one end's whole output. 0 (e and ps->res filled), -EBADMSG with
 * ps->why, -ENOMEM. */
static int native_parse_end(struct native_parse *ps, struct native_end *e,
			    const struct xfer_params *x)
{
	const char *p = e->text ? e->text : "", *end = p + e->len;
	unsigned line_no = 0;
	int r = 0;

	if (e->overflow)
		return BAD(ps, "more than %u MiB of output", NATIVE_OUTPUT_MAX_BYTES >> 20);
	if (e->len && end[-1] != '\n')
		return BAD(ps, "output truncated (no newline at its end)");
	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p);
		json_error_t jerr;
		json_t *o;
		char type[16] = "", role[2] = "";
		uint64_t mono_us = 0;

		line_no++;
		if (e->role == 's' && line_no == 1) {
			if (n != 5 || memcmp(p, "ready", 5))
				return BAD(ps, "first line is not 'ready'");
			p = nl + 1;
			continue;
		}
		if (e->has_summary)
			return BAD(ps, "line %u after the summary", line_no);
		o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
		if (!o || !json_is_object(o)) {
			json_decref(o);
			return BAD(ps, "line %u is not a JSON object: %s", line_no,
				   o ? "not an object" : jerr.text);
		}
		if (get_str(o, "type", type, sizeof(type)) != 1 ||
		    get_str(o, "role", role, sizeof(role)) != 1 || role[0] != e->role) {
			json_decref(o);
			return BAD(ps, "line %u has no type or a role other than '%c'", line_no,
				   e->role);
		}
		if (!strcmp(type, "conn") || !strcmp(type, "subflow")) {
			if (get_u64(o, "mono_us", UINT64_MAX, &mono_us) != 1)
				r = BAD(ps, "line %u: sample without mono_us", line_no);
			else if (!strcmp(type, "conn"))
				r = native_parse_conn(ps, e, o, mono_us);
			else
				r = native_parse_subflow(ps, e, o, mono_us);
		} else if (!strcmp(type, "summary")) {
			r = native_parse_summary(ps, e, o, x);
		} else {
			r = BAD(ps, "line %u of unknown type '%s'", line_no, type);
		}
		json_decref(o);
		p = nl + 1;
	}
	if (r < 0)
		return r;
	if (!e->has_summary)
		return BAD(ps, "no summary (output ends after %u lines)", line_no);
	return 0;
}

/* Samples carry CLOCK_MONOTONIC times: count them from start_us. */
static void native_rebase(struct telemetry *t, uint64_t start_us)
{
	for (size_t i = 0; i < t->n_subflows; i++)
		t->subflows[i].t_us =
			t->subflows[i].t_us > start_us ? t->subflows[i].t_us - start_us : 0;
	for (size_t i = 0; i < t->n_conns; i++)
		t->conns[i].t_us = t->conns[i].t_us > start_us ? t->conns[i].t_us - start_us : 0;
}

/*
 * Intervals of the receiving end, over the measured part alone (the
 * warm-up is never in one, and every interval has its real span, so its
 * bits per second are its bytes over its span). The points are the
 * receiver's byte count over time: where the measured part began (the
 * summary's measure_mono_us and omit_bytes), each "rx" of a sample after
 * it, and the last byte. A point less than half a sample period after
 * the one before is left out, so no interval is a sliver (a sample taken
 * 71 us after the warm-up ended, say): the interval around it is longer
 * instead. Times count from the start of the measured part.
 */
int native_intervals(struct engine_result *res, const struct native_end *rx_end,
		     uint64_t period_us)
{
	const uint64_t from_us = rx_end->measure_mono_us, last_us = rx_end->last_rx_mono_us;
	struct native_rx *pts = NULL, end = { last_us, rx_end->bytes };
	size_t n = 0;
	int r = 0;

	if (!from_us || last_us <= from_us)
		return 0; /* nothing received, or one instant */
	pts = malloc((rx_end->n_rx + 2) * sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	pts[n++] = (struct native_rx){ from_us, rx_end->omit_bytes };
	for (size_t i = 0; i < rx_end->n_rx; i++) {
		const struct native_rx *b = &rx_end->rx[i];

		if (b->t_us <= pts[n - 1].t_us || b->t_us >= last_us ||
		    b->t_us - pts[n - 1].t_us < period_us / 2 || b->rx < pts[n - 1].rx ||
		    b->rx > end.rx)
			continue;
		pts[n++] = *b;
	}
	/* the last byte ends the last interval; one that would be a sliver
	 * takes the place of the sample before it */
	if (n > 1 && last_us - pts[n - 1].t_us < period_us / 2)
		n--;
	pts[n++] = end;
	for (size_t i = 1; i < n; i++) {
		struct telemetry_interval *iv = array_grow(res->intervals, res->n_intervals,
							   sizeof(*iv));

		if (!iv) {
			r = -ENOMEM;
			break;
		}
		res->intervals = iv;
		iv = &res->intervals[res->n_intervals++];
		iv->start_us = pts[i - 1].t_us - from_us;
		iv->end_us = pts[i].t_us - from_us;
		iv->bytes = pts[i].rx - pts[i - 1].rx;
		iv->bits_per_second = (double)iv->bytes * 8e6 / (double)(iv->end_us - iv->start_us);
		iv->retransmits = -1;
		iv->ideal_bps = (double)NAN; /* the measurement wing's to say */
	}
	free(pts);
	return r;
}

/* Sum of the last total_retrans of each subflow on the sending end(s). */
static int64_t native_retransmits(const struct telemetry *t, bool client_sends,
				  bool server_sends)
{
	int64_t sum = -1;

	for (size_t i = 0; i < t->n_subflows; i++) {
		const struct telemetry_subflow_sample *s = &t->subflows[i];
		bool later = false;

		if (!(s->present & TELEM_RETRANS) || (s->role == 'c' && !client_sends) ||
		    (s->role == 's' && !server_sends))
			continue;
		for (size_t k = i + 1; k < t->n_subflows && !later; k++)
			later = t->subflows[k].role == s->role &&
				t->subflows[k].subflow_id == s->subflow_id;
		if (later)
			continue;
		sum = (sum < 0 ? 0 : sum) + s->total_retrans;
	}
	return sum;
}

int native_judge(struct native_end *cl, struct native_end *sv, const struct engine_params *p,
		 const struct xfer_params *x, struct engine_result *res)
{
	struct native_parse ps = { .res = res };
	struct native_end *ends[2] = { cl, sv }, *rx_end;
	bool up = x->direction != XFER_DOWNLOAD, down = x->direction != XFER_UPLOAD;
	char why[200];
	int r;

	/* The client first: its failure is the reason given. */
	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		const struct native_end *e = ends[i];

		if (e->sr.signaled)
			return engine_result_invalid(res, "xfer %s was killed by signal %d (%s)",
						     e->name, e->sr.term_signal,
						     strsignal(e->sr.term_signal));
		if (e->sr.exit_code) {
			native_complaint(e, why, sizeof(why));
			return engine_result_invalid(res, "xfer %s exited with status %d: %s",
						     e->name, e->sr.exit_code,
						     why[0] ? why : "no message");
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		r = native_parse_end(&ps, ends[i], x);
		if (r == -EBADMSG)
			return engine_result_invalid(res, "xfer %s output rejected: %s",
						     ends[i]->name, ps.why);
		if (r < 0)
			return r;
	}
	if (!cl->proto_mptcp || !sv->proto_mptcp) {
		const struct native_end *e = !cl->proto_mptcp ? cl : sv;

		return engine_result_invalid(res, "fallback to TCP: xfer %s used plain TCP: %s",
					     e->name, e->no_mptcp[0] ? e->no_mptcp : "asked to");
	}
	if (x->mode == XFER_BULK && x->bytes &&
	    ((up && sv->bytes != x->bytes) || (down && cl->bytes != x->bytes)))
		return engine_result_invalid(
			res, "byte count not met: the receiver got %llu of %llu bytes",
			(unsigned long long)(up && sv->bytes != x->bytes ? sv->bytes : cl->bytes),
			(unsigned long long)x->bytes);

	res->valid = true;
	res->reason[0] = '\0';
	res->telem_start_us = cl->start_mono_us;
	native_rebase(&res->telem, cl->start_mono_us);
	res->cpu_client_pct = cl->wall_us ? (double)cl->cpu_us * 100.0 / (double)cl->wall_us : -1;
	res->cpu_server_pct = sv->wall_us ? (double)sv->cpu_us * 100.0 / (double)sv->wall_us : -1;
	if (x->mode == XFER_RR) {
		res->rr = cl->rr;
		res->bytes = cl->bytes + sv->bytes;
		res->seconds = (double)cl->wall_us / 1e6;
		snprintf(res->cc_sender, sizeof(res->cc_sender), "%s", cl->cc);
		snprintf(res->cc_receiver, sizeof(res->cc_receiver), "%s", sv->cc);
		return 0;
	}
	if (up) {
		res->goodput_up_bps = sv->goodput_bps;
		res->bytes += sv->measured_bytes;
		res->seconds = (double)sv->measured_us / 1e6;
	}
	if (down) {
		res->goodput_down_bps = cl->goodput_bps;
		res->bytes += cl->measured_bytes;
		if ((double)cl->measured_us / 1e6 > res->seconds)
			res->seconds = (double)cl->measured_us / 1e6;
	}
	res->goodput_bps = res->goodput_up_bps + res->goodput_down_bps;
	if (x->bytes)
		res->completion_us = cl->completion_us;
	res->retransmits = native_retransmits(&res->telem, up, down);
	snprintf(res->cc_sender, sizeof(res->cc_sender), "%s", up ? cl->cc : sv->cc);
	snprintf(res->cc_receiver, sizeof(res->cc_receiver), "%s", up ? sv->cc : cl->cc);
	/* One series of intervals: of the upload, or of the download alone. */
	rx_end = up ? sv : cl;
	if (rx_end->measure_mono_us >= cl->start_mono_us)
		res->measure_start_us = rx_end->measure_mono_us - cl->start_mono_us;
	return native_intervals(res, rx_end, NATIVE_INTERVAL_US(p));
}
