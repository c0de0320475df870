/*
 * test_native_output: the interval series the native engine makes of what
 * its receiving end wrote (native_output.c), from synthetic xfer output
 * judged by native_judge() as after a real run:
 *   - with a warm-up, no interval holds a byte of it: the intervals add up
 *     to the measured bytes and span exactly the measured time, so their
 *     mean is the run's goodput;
 *   - every interval's bits per second are its bytes over its own span;
 *   - a sample a few µs after the warm-up ended (the 71 µs first interval
 *     of the issue) does not make a sliver of an interval: the first one
 *     is at least half a sample period long;
 *   - without a warm-up the series starts at the first byte; a last byte
 *     just after a sample makes no sliver at the end either;
 *   - a summary whose measured part is out of order is refused.
 * The figures are built from a chosen receive rate, so every expected
 * value is computed here, not copied from a run.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "native_int.h"

#define T0 5000000000ull /* the client's start on CLOCK_MONOTONIC */
#define PERIOD 100000ull /* sample interval */

struct text {
	char *s;
	size_t len;
};

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char line[1024];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t->s = realloc(t->s, t->len + (size_t)n + 1);
	if (!t->s)
		exit(1);
	memcpy(t->s + t->len, line, (size_t)n + 1);
	t->len += (size_t)n;
}

/* A receiver getting rate bytes/s from first_us on (mono), sampling on
 * the grid start + k * PERIOD from its start, with the warm-up ending at
 * omit_at_us (0: none) and the last byte at last_us. */
struct recv_model {
	uint64_t start_us, first_us, omit_at_us, last_us;
	double rate;
};

static uint64_t rx_at(const struct recv_model *m, uint64_t t)
{
	if (t < m->first_us)
		return 0;
	if (t > m->last_us)
		t = m->last_us;
	return (uint64_t)((double)(t - m->first_us) * m->rate / 1e6);
}

static const char summary_fmt[] =
	"{\"type\":\"summary\",\"role\":\"%c\",\"version\":1,\"mode\":\"bulk\","
	"\"direction\":\"upload\",\"proto\":\"mptcp\",\"mptcp\":true,\"sockinfo\":\"full_info\","
	"\"cc\":\"cubic\",\"requested_bytes\":0,\"bytes\":%llu,\"bytes_sent\":%llu,"
	"\"duration_us\":%llu,\"measured_bytes\":%llu,\"measured_us\":%llu,\"goodput_bps\":%.0f,"
	"\"start_mono_us\":%llu,\"wall_us\":%llu,\"cpu_us\":100,\"samples\":1,\"sample_errors\":0,"
	"\"measure_mono_us\":%llu,\"omit_bytes\":%llu,\"last_rx_mono_us\":%llu%s}\n";

/* The server's output for model m, the client's for an upload of it. */
static void outputs(const struct recv_model *m, struct text *sv, struct text *cl)
{
	uint64_t bytes = rx_at(m, m->last_us), from = m->omit_at_us ? m->omit_at_us : m->first_us;
	uint64_t omit_bytes = m->omit_at_us ? rx_at(m, m->omit_at_us) : 0;
	uint64_t end_us = m->last_us + 300, meas_us = m->last_us - from;

	add(sv, "ready\n");
	for (uint64_t t = m->start_us + PERIOD; t < end_us; t += PERIOD)
		add(sv, "{\"type\":\"conn\",\"role\":\"s\",\"t_us\":%llu,\"mono_us\":%llu,\"rx\":%llu,"
			"\"tx\":0}\n",
		    (unsigned long long)(t - m->start_us), (unsigned long long)t,
		    (unsigned long long)rx_at(m, t));
	/* the last sample, after the transfer */
	add(sv, "{\"type\":\"conn\",\"role\":\"s\",\"t_us\":%llu,\"mono_us\":%llu,\"rx\":%llu,"
		"\"tx\":0}\n",
	    (unsigned long long)(end_us - m->start_us), (unsigned long long)end_us,
	    (unsigned long long)bytes);
	add(sv, summary_fmt, 's', (unsigned long long)bytes, 0ull,
	    (unsigned long long)(m->last_us - m->first_us), (unsigned long long)(bytes - omit_bytes),
	    (unsigned long long)meas_us, (double)(bytes - omit_bytes) * 8e6 / (double)meas_us,
	    (unsigned long long)m->start_us, (unsigned long long)(end_us - m->start_us),
	    (unsigned long long)from, (unsigned long long)omit_bytes,
	    (unsigned long long)m->last_us, "");
	add(cl, summary_fmt, 'c', 0ull, (unsigned long long)bytes, 0ull, 0ull, 0ull, 0.0,
	    (unsigned long long)T0, (unsigned long long)(end_us - T0), 0ull, 0ull, 0ull,
	    ",\"completion_us\":1");
}

static void judge(const struct recv_model *m, uint64_t omit_us, struct engine_result *res)
{
	struct text sv = { 0 }, cl = { 0 };
	struct native_end c = { .role = 'c', .name = "client" }, s = { .role = 's', .name = "server" };
	struct engine_params p = { .direction = ENGINE_UPLOAD, .duration_us = 1, .omit_us = omit_us,
				   .sample_interval_us = PERIOD };
	struct xfer_params x = { .mode = XFER_BULK, .direction = XFER_UPLOAD, .duration_us = 1,
				 .omit_us = omit_us };

	outputs(m, &sv, &cl);
	c.text = cl.s;
	c.len = cl.len;
	s.text = sv.s;
	s.len = sv.len;
	memset(res, 0, sizeof(*res));
	check_must(native_judge(&c, &s, &p, &x, res), "native_judge", NULL);
	free(c.rx);
	free(s.rx);
	free(cl.s);
	free(sv.s);
}

/* The rules every series must follow; what names the case. */
static void check_series(const char *what, const struct engine_result *res, uint64_t meas_bytes,
			 uint64_t meas_us)
{
	uint64_t bytes = 0, span = 0, prev_end = 0;

	checkf(res->valid && res->n_intervals > 0, "%s: valid, %zu intervals (%s)", what,
	       res->n_intervals, res->reason);
	for (size_t i = 0; i < res->n_intervals; i++) {
		const struct telemetry_interval *iv = &res->intervals[i];
		double want = (double)iv->bytes * 8e6 / (double)(iv->end_us - iv->start_us);

		if (iv->start_us != prev_end || iv->end_us <= iv->start_us ||
		    fabs(iv->bits_per_second - want) > 1e-6 * want)
			check_failf(what, "interval %zu [%llu, %llu] us, %llu bytes, %.0f bit/s", i,
				    (unsigned long long)iv->start_us, (unsigned long long)iv->end_us,
				    (unsigned long long)iv->bytes, iv->bits_per_second);
		if (iv->end_us - iv->start_us < PERIOD / 2)
			check_failf(what, "interval %zu is a sliver of %llu us", i,
				    (unsigned long long)(iv->end_us - iv->start_us));
		bytes += iv->bytes;
		span += iv->end_us - iv->start_us;
		prev_end = iv->end_us;
	}
	checkf(res->intervals[0].start_us == 0 && bytes == meas_bytes && span == meas_us,
	       "%s: contiguous from 0, each its bytes over its span, %llu bytes over %llu us "
	       "(the measured part: %llu over %llu)",
	       what, (unsigned long long)bytes, (unsigned long long)span,
	       (unsigned long long)meas_bytes, (unsigned long long)meas_us);
}

int main(void)
{
	struct engine_result res;
	/* 1 s of warm-up from the first byte, then 4 s at 100 MB/s; the
	 * server's clock starts 20 ms after the client's, and a sample falls
	 * 71 µs after the warm-up ended. */
	struct recv_model m = { .start_us = T0 + 20000 };

	m.omit_at_us = m.start_us + 10 * PERIOD - 71;
	m.first_us = m.omit_at_us - 1000000;
	m.last_us = m.omit_at_us + 4000000 + 12345;
	m.rate = 100e6;
	judge(&m, 1000000, &res);
	check_series("warm-up of 1 s, a sample 71 us after it", &res,
		     rx_at(&m, m.last_us) - rx_at(&m, m.omit_at_us), m.last_us - m.omit_at_us);
	{
		/* the sample 71 µs after is left out: the first interval runs
		 * to the next one, with the bytes of that span alone */
		uint64_t next = m.start_us + 11 * PERIOD;

		checkf(res.intervals[0].end_us == next - m.omit_at_us &&
			       res.intervals[0].bytes == rx_at(&m, next) - rx_at(&m, m.omit_at_us),
		       "the first interval is [0, %llu] us with %llu bytes: none of the warm-up's "
		       "%llu",
		       (unsigned long long)res.intervals[0].end_us,
		       (unsigned long long)res.intervals[0].bytes,
		       (unsigned long long)rx_at(&m, m.omit_at_us));
	}
	checkf(res.measure_start_us == m.omit_at_us - T0,
	       "the intervals' 0 is where the measured part began, %llu us after the client's "
	       "start",
	       (unsigned long long)res.measure_start_us);
	{
		double mean = 0, span = 0;

		for (size_t i = 0; i < res.n_intervals; i++) {
			double d = (double)(res.intervals[i].end_us - res.intervals[i].start_us);

			mean += res.intervals[i].bits_per_second * d;
			span += d;
		}
		mean /= span;
		checkf(fabs(mean - res.goodput_bps) <= 1e-6 * res.goodput_bps,
		       "the time-weighted mean of the intervals is the goodput (%.0f vs %.0f bit/s)",
		       mean, res.goodput_bps);
	}
	engine_result_release(&res);

	/* No warm-up: the series starts at the first byte, which came 3 ms
	 * after the server's start; the last byte 2 µs after a sample. */
	m = (struct recv_model){ .start_us = T0 + 15000, .rate = 50e6 };
	m.first_us = m.start_us + 3000;
	m.last_us = m.start_us + 30 * PERIOD + 2;
	judge(&m, 0, &res);
	check_series("no warm-up, the last byte 2 us after a sample", &res, rx_at(&m, m.last_us),
		     m.last_us - m.first_us);
	engine_result_release(&res);

	/* A summary that says the measured part ended before it began. */
	{
		struct text sv = { 0 }, cl = { 0 };
		struct native_end c = { .role = 'c', .name = "client" },
				  s = { .role = 's', .name = "server" };
		struct engine_params p = { .direction = ENGINE_UPLOAD, .duration_us = 1 };
		struct xfer_params x = { .mode = XFER_BULK, .direction = XFER_UPLOAD,
					 .duration_us = 1 };

		add(&sv, "ready\n");
		add(&sv, summary_fmt, 's', 1000ull, 0ull, 10ull, 1000ull, 10ull, 8e8,
		    (unsigned long long)T0, 20ull, (unsigned long long)T0 + 50,
		    0ull, (unsigned long long)T0 + 40, "");
		add(&cl, summary_fmt, 'c', 0ull, 1000ull, 0ull, 0ull, 0ull, 0.0,
		    (unsigned long long)T0, 20ull, 0ull, 0ull, 0ull, ",\"completion_us\":1");
		c.text = cl.s;
		c.len = cl.len;
		s.text = sv.s;
		s.len = sv.len;
		memset(&res, 0, sizeof(res));
		check_must(native_judge(&c, &s, &p, &x, &res), "native_judge", NULL);
		checkf(!res.valid && strstr(res.reason, "out of order"),
		       "a measured part that ends before it begins is refused: '%s'", res.reason);
		engine_result_release(&res);
		free(c.rx);
		free(s.rx);
		free(cl.s);
		free(sv.s);
	}
	printf("# %u checks passed\n", check_count);
	return 0;
}
