/*
 * iperf3_json.c: `iperf3 -J` output -> struct iperf3_report, or the reason
 * it cannot be trusted.
 *
 * jansson reads the text with flags 0: anything after the first JSON value
 * (a report printed twice) is an error, and so is NaN, which is not JSON.
 * Duplicate keys are not rejected because iperf3 3.12 itself writes some
 * (esnet/iperf#1491); none of the keys read here is among them.
 *
 * The walk reads only what a measurement needs and checks each value it
 * reads: type, finiteness, sign. The first failure ends the walk; its
 * message names the JSON path ('end.sum_received.bytes').
 *
 * This file does not run iperf3, does not print and keeps no state.
 */
#include "array.h"
#include "iperf3_json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonset.h"

/* A duration more than this far from the asked one means iperf3 did not
 * run the test that was asked for (it was cut short, or ran another). */
#define IPERF3_DURATION_TOLERANCE 0.10
/* iperf3 caps -P at 128 and a test at 86400 s: a report with more
 * intervals than this is not one of its reports. */
#define IPERF3_INTERVALS_MAX (1u << 20)
/* Largest double below 2^64, the range of the byte counters. */
#define IPERF3_BYTES_MAX 18446744073709549568.0
#define IPERF3_QUOTE_MAX 160

struct pctx {
	char *why;
	size_t whylen;
};

static int bad(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct pctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why && c->whylen) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* A copy of s fit for a one-line message: control characters become '?',
 * long text is cut with "...". */
static void quote_text(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++)
		dst[n++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	dst[n] = '\0';
	if (*s && size > 4)
		memcpy(dst + size - 4, "...", 4);
}

static int get_object(struct pctx *c, json_t *parent, const char *key, const char *path,
		      json_t **out)
{
	json_t *v = json_object_get(parent, key);

	if (!v)
		return bad(c, "iperf3 report is incomplete: missing '%s'", path);
	if (!json_is_object(v))
		return bad(c, "'%s' must be an object, got %s", path,
			   jsonset_type_name(v, JSONSET_ALONE));
	*out = v;
	return 0;
}

/* A finite number >= 0. */
static int get_number(struct pctx *c, json_t *obj, const char *key, const char *path,
		      double *out)
{
	json_t *v = json_object_get(obj, key);
	double x;

	if (!v)
		return bad(c, "iperf3 report is incomplete: missing '%s.%s'", path, key);
	if (!json_is_number(v))
		return bad(c, "'%s.%s' must be a number, got %s", path, key,
			   jsonset_type_name(v, JSONSET_ALONE));
	x = json_number_value(v);
	if (!isfinite(x))
		return bad(c, "'%s.%s' is not a finite number", path, key);
	if (x < 0)
		return bad(c, "'%s.%s' must not be negative, got %g", path, key, x);
	*out = x;
	return 0;
}

/* Like get_number() but absent is fine: *out = dflt. */
static int get_number_opt(struct pctx *c, json_t *obj, const char *key, const char *path,
			  double dflt, double *out)
{
	if (!json_object_get(obj, key)) {
		*out = dflt;
		return 0;
	}
	return get_number(c, obj, key, path, out);
}

/* A byte or packet counter: an integer, or a real that is one (cJSON
 * prints large values as %g). */
static int get_count(struct pctx *c, json_t *obj, const char *key, const char *path,
		     uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	double x;
	int r;

	if (v && json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0)
			return bad(c, "'%s.%s' must not be negative, got %lld", path, key,
				   (long long)i);
		*out = (uint64_t)i;
		return 0;
	}
	r = get_number(c, obj, key, path, &x);
	if (r < 0)
		return r;
	if (x > IPERF3_BYTES_MAX || x != floor(x))
		return bad(c, "'%s.%s' must be a whole number below 2^64, got %g", path, key, x);
	*out = (uint64_t)x;
	return 0;
}

static int get_string_opt(struct pctx *c, json_t *obj, const char *key, const char *path,
			  char *dst, size_t size)
{
	json_t *v = json_object_get(obj, key);

	dst[0] = '\0';
	if (!v)
		return 0;
	if (!json_is_string(v))
		return bad(c, "'%s.%s' must be a string, got %s", path, key,
			   jsonset_type_name(v, JSONSET_ALONE));
	quote_text(dst, size, json_string_value(v));
	return 0;
}

static int parse_sum(struct pctx *c, json_t *end, const char *key, struct iperf3_sum *s)
{
	char path[64];
	json_t *o;
	int r;

	snprintf(path, sizeof(path), "end.%s", key);
	r = get_object(c, end, key, path, &o);
	if (r < 0)
		return r;
	if ((r = get_number(c, o, "seconds", path, &s->seconds)) < 0 ||
	    (r = get_count(c, o, "bytes", path, &s->bytes)) < 0 ||
	    (r = get_number(c, o, "bits_per_second", path, &s->bits_per_second)) < 0)
		return r;
	s->retransmits = -1;
	if (json_object_get(o, "retransmits")) {
		uint64_t n;

		r = get_count(c, o, "retransmits", path, &n);
		if (r < 0)
			return r;
		s->retransmits = n > INT64_MAX ? INT64_MAX : (int64_t)n;
	}
	if (s->bits_per_second == 0 && s->bytes > 0)
		return bad(c, "'%s' says 0 bit/s for %llu bytes", path,
			   (unsigned long long)s->bytes);
	return 0;
}

static int check_duration(struct pctx *c, const struct iperf3_expect *exp, const char *path,
			  double seconds)
{
	double want = exp ? exp->duration_s : 0;

	if (want <= 0)
		return 0;
	if (fabs(seconds - want) > IPERF3_DURATION_TOLERANCE * want)
		return bad(c, "iperf3 measured %.2f s in '%s', expected %.2f s (more than %.0f %% off)",
			   seconds, path, want, IPERF3_DURATION_TOLERANCE * 100);
	return 0;
}

static int parse_start(struct pctx *c, json_t *root, const struct iperf3_expect *exp,
		       struct iperf3_report *rep)
{
	json_t *start, *ts, *v;
	int r;

	r = get_object(c, root, "start", "start", &start);
	if (r < 0)
		return r;
	v = json_object_get(start, "version");
	if (!v)
		return bad(c, "iperf3 report is incomplete: missing 'start.version'");
	if (!json_is_string(v))
		return bad(c, "'start.version' must be a string, got %s",
			   jsonset_type_name(v, JSONSET_ALONE));
	quote_text(rep->version, sizeof(rep->version), json_string_value(v));

	r = get_object(c, start, "test_start", "start.test_start", &ts);
	if (r < 0)
		return r;
	v = json_object_get(ts, "protocol");
	if (!v || !json_is_string(v))
		return bad(c, "'start.test_start.protocol' must be a string");
	if (strcmp(json_string_value(v), "TCP")) {
		char proto[IPERF3_QUOTE_MAX];

		quote_text(proto, sizeof(proto), json_string_value(v));
		return bad(c, "iperf3 ran a '%s' test, expected 'TCP'", proto);
	}
	v = json_object_get(ts, "num_streams");
	if (!v || !json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 1024)
		return bad(c, "'start.test_start.num_streams' must be an integer from 1 to 1024");
	rep->streams = (unsigned)json_integer_value(v);
	if (exp && exp->streams && rep->streams != exp->streams)
		return bad(c, "iperf3 ran %u stream%s, expected %u", rep->streams,
			   rep->streams == 1 ? "" : "s", exp->streams);

	v = json_object_get(ts, "reverse");
	if (v) {
		if (!json_is_integer(v) && !json_is_boolean(v))
			return bad(c, "'start.test_start.reverse' must be 0 or 1, got %s",
				   jsonset_type_name(v, JSONSET_ALONE));
		rep->reverse = json_is_integer(v) ? json_integer_value(v) != 0 : json_is_true(v);
	}
	return 0;
}

static int parse_end(struct pctx *c, json_t *root, const struct iperf3_expect *exp,
		     struct iperf3_report *rep)
{
	enum engine_direction want = exp ? exp->direction : ENGINE_UPLOAD;
	json_t *end, *cpu;
	int r;

	r = get_object(c, root, "end", "end", &end);
	if (r < 0)
		return r;
	if ((r = parse_sum(c, end, "sum_sent", &rep->sent)) < 0 ||
	    (r = parse_sum(c, end, "sum_received", &rep->received)) < 0)
		return r;

	rep->bidir = json_object_get(end, "sum_received_bidir_reverse") ||
		     json_object_get(end, "sum_sent_bidir_reverse");
	if (exp) {
		if (want == ENGINE_BOTH && !rep->bidir)
			return bad(c, "iperf3 report is incomplete: missing "
				      "'end.sum_received_bidir_reverse' of a --bidir test");
		if (want != ENGINE_BOTH && rep->bidir)
			return bad(c, "iperf3 ran a bidirectional test, expected %s",
				   engine_direction_name(want));
		if (want != ENGINE_BOTH && rep->reverse != (want == ENGINE_DOWNLOAD))
			return bad(c, "iperf3 ran %s test, expected %s",
				   rep->reverse ? "a reverse (-R)" : "an upload",
				   engine_direction_name(want));
	}
	if (rep->bidir &&
	    ((r = parse_sum(c, end, "sum_sent_bidir_reverse", &rep->sent_reverse)) < 0 ||
	     (r = parse_sum(c, end, "sum_received_bidir_reverse", &rep->received_reverse)) < 0))
		return r;

	if ((r = check_duration(c, exp, "end.sum_received.seconds", rep->received.seconds)) < 0)
		return r;
	if (rep->bidir &&
	    (r = check_duration(c, exp, "end.sum_received_bidir_reverse.seconds",
				rep->received_reverse.seconds)) < 0)
		return r;

	rep->cpu_host_pct = rep->cpu_remote_pct = -1;
	cpu = json_object_get(end, "cpu_utilization_percent");
	if (cpu) {
		const char *path = "end.cpu_utilization_percent";

		if (!json_is_object(cpu))
			return bad(c, "'%s' must be an object, got %s", path,
				   jsonset_type_name(cpu, JSONSET_ALONE));
		if ((r = get_number_opt(c, cpu, "host_total", path, -1, &rep->cpu_host_pct)) < 0 ||
		    (r = get_number_opt(c, cpu, "remote_total", path, -1,
					&rep->cpu_remote_pct)) < 0)
			return r;
	}
	if ((r = get_string_opt(c, end, "sender_tcp_congestion", "end", rep->sender_cc,
				sizeof(rep->sender_cc))) < 0 ||
	    (r = get_string_opt(c, end, "receiver_tcp_congestion", "end", rep->receiver_cc,
				sizeof(rep->receiver_cc))) < 0)
		return r;
	return 0;
}

static int seconds_to_us(struct pctx *c, json_t *o, const char *key, const char *path,
			 uint64_t *out)
{
	double s;
	int r = get_number(c, o, key, path, &s);

	if (r < 0)
		return r;
	if (s > 1e9) /* iperf3 tests last at most a day */
		return bad(c, "'%s.%s' is out of range, got %g", path, key, s);
	*out = (uint64_t)llround(s * 1e6);
	return 0;
}

static int parse_interval_sum(struct pctx *c, json_t *iv, const char *key, const char *path,
			      struct telemetry_interval *out, bool *omitted)
{
	json_t *o = json_object_get(iv, key), *om;
	uint64_t n;
	int r;

	if (!o)
		return bad(c, "iperf3 report is incomplete: missing '%s'", path);
	if (!json_is_object(o))
		return bad(c, "'%s' must be an object, got %s", path,
			   jsonset_type_name(o, JSONSET_ALONE));
	if ((r = seconds_to_us(c, o, "start", path, &out->start_us)) < 0 ||
	    (r = seconds_to_us(c, o, "end", path, &out->end_us)) < 0 ||
	    (r = get_count(c, o, "bytes", path, &out->bytes)) < 0 ||
	    (r = get_number(c, o, "bits_per_second", path, &out->bits_per_second)) < 0)
		return r;
	if (out->end_us < out->start_us)
		return bad(c, "'%s' ends before it starts", path);
	if (out->bits_per_second == 0 && out->bytes > 0)
		return bad(c, "'%s' says 0 bit/s for %llu bytes", path,
			   (unsigned long long)out->bytes);
	out->retransmits = -1;
	if (json_object_get(o, "retransmits")) {
		r = get_count(c, o, "retransmits", path, &n);
		if (r < 0)
			return r;
		out->retransmits = n > INT64_MAX ? INT64_MAX : (int64_t)n;
	}
	om = json_object_get(o, "omitted");
	if (om && !json_is_boolean(om))
		return bad(c, "'%s.omitted' must be a boolean, got %s", path,
			   jsonset_type_name(om, JSONSET_ALONE));
	*omitted = om && json_is_true(om);
	return 0;
}

static int parse_intervals(struct pctx *c, json_t *root, struct iperf3_report *rep)
{
	json_t *arr = json_object_get(root, "intervals"), *iv;
	size_t i;
	int r;

	if (!arr)
		return bad(c, "iperf3 report is incomplete: missing 'intervals'");
	if (!json_is_array(arr))
		return bad(c, "'intervals' must be an array, got %s",
			   jsonset_type_name(arr, JSONSET_ALONE));
	if (json_array_size(arr) > IPERF3_INTERVALS_MAX)
		return bad(c, "'intervals' has %zu entries, more than iperf3 writes",
			   json_array_size(arr));
	if (!json_array_size(arr))
		return 0;
	json_array_foreach(arr, i, iv) {
		/* the ideal is the measurement wing's to say */
		struct telemetry_interval s = { .ideal_bps = (double)NAN },
					  back = { .ideal_bps = (double)NAN }, *grown;
		bool omitted = false, back_omitted = false;
		char path[64];

		if (!json_is_object(iv))
			return bad(c, "'intervals[%zu]' must be an object, got %s", i,
				   jsonset_type_name(iv, JSONSET_ALONE));
		snprintf(path, sizeof(path), "intervals[%zu].sum", i);
		r = parse_interval_sum(c, iv, "sum", path, &s, &omitted);
		if (r < 0)
			return r;
		if (rep->bidir) {
			snprintf(path, sizeof(path), "intervals[%zu].sum_bidir_reverse", i);
			r = parse_interval_sum(c, iv, "sum_bidir_reverse", path, &back,
					       &back_omitted);
			if (r < 0)
				return r;
			s.bytes += back.bytes;
			s.bits_per_second += back.bits_per_second;
			if (s.retransmits < 0 || back.retransmits < 0)
				s.retransmits = -1;
			else
				s.retransmits += back.retransmits;
		}
		if (omitted || back_omitted)
			continue;
		/* grown like every telemetry array: the run that takes it
		 * over may append */
		grown = array_grow(rep->intervals, rep->n_intervals, sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		rep->intervals = grown;
		grown[rep->n_intervals++] = s;
	}
	return 0;
}

/* jansson's complaint, said in terms of what usually causes it. */
static int bad_syntax(struct pctx *c, const json_error_t *je)
{
	switch (json_error_code(je)) {
	case json_error_out_of_memory:
		return -ENOMEM;
	case json_error_premature_end_of_input:
		return bad(c, "iperf3 output ends in the middle of its JSON report (truncated) "
			      "at line %d, column %d: %s",
			   je->line, je->column, je->text);
	case json_error_end_of_input_expected:
		return bad(c, "iperf3 output has more after its JSON report (printed twice?) "
			      "at line %d, column %d: %s",
			   je->line, je->column, je->text);
	default:
		return bad(c, "iperf3 output is not valid JSON at line %d, column %d: %s",
			   je->line, je->column, je->text);
	}
}

static bool blank(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
			return false;
	return true;
}

int iperf3_json_parse(const char *buf, size_t len, const struct iperf3_expect *exp,
		      struct iperf3_report *rep, char *why, size_t whylen)
{
	struct pctx c = { why, whylen };
	json_error_t je;
	json_t *root = NULL, *err;
	int r;

	memset(rep, 0, sizeof(*rep));
	rep->retransmits = -1;
	rep->cpu_host_pct = rep->cpu_remote_pct = -1;
	if (why && whylen)
		why[0] = '\0';

	if (!buf || blank(buf, len))
		return bad(&c, "iperf3 printed no JSON report");
	root = json_loadb(buf, len, 0, &je);
	if (!root)
		return bad_syntax(&c, &je);
	if (!json_is_object(root)) {
		r = bad(&c, "iperf3 output must be a JSON object, got %s",
			jsonset_type_name(root, JSONSET_ALONE));
		goto out;
	}

	/* iperf3 keeps start/end (often empty) next to its error, so this
	 * comes before any check of those. */
	err = json_object_get(root, "error");
	if (err) {
		char text[IPERF3_QUOTE_MAX];

		if (json_is_string(err))
			quote_text(text, sizeof(text), json_string_value(err));
		else
			snprintf(text, sizeof(text), "(%s)", jsonset_type_name(err, JSONSET_ALONE));
		r = bad(&c, "iperf3 reported an error: '%s'", text);
		goto out;
	}

	if ((r = parse_start(&c, root, exp, rep)) < 0 || (r = parse_end(&c, root, exp, rep)) < 0 ||
	    (r = parse_intervals(&c, root, rep)) < 0)
		goto out;

	rep->goodput_bps = rep->received.bits_per_second;
	rep->bytes = rep->received.bytes;
	rep->seconds = rep->received.seconds;
	rep->retransmits = rep->sent.retransmits;
	if (rep->bidir) {
		rep->goodput_bps += rep->received_reverse.bits_per_second;
		rep->bytes += rep->received_reverse.bytes;
		rep->seconds = fmax(rep->seconds, rep->received_reverse.seconds);
		if (rep->retransmits >= 0 && rep->sent_reverse.retransmits >= 0)
			rep->retransmits += rep->sent_reverse.retransmits;
		else
			rep->retransmits = -1;
	}
	r = 0;
out:
	json_decref(root);
	if (r < 0) {
		iperf3_report_release(rep);
		memset(rep, 0, sizeof(*rep));
		rep->retransmits = -1;
		rep->cpu_host_pct = rep->cpu_remote_pct = -1;
		if (r == -ENOMEM && why && whylen)
			snprintf(why, whylen, "out of memory parsing the iperf3 report");
	}
	return r;
}

void iperf3_report_release(struct iperf3_report *rep)
{
	if (!rep)
		return;
	free(rep->intervals);
	rep->intervals = NULL;
	rep->n_intervals = 0;
}
