/*
 * xfer_lines.c: the JSON lines one end of an xfer transfer writes to
 * o->out (xfer.h): a "conn" line and one "subflow" line per subflow for
 * every sample, and the "summary" line with the figures of the whole
 * transfer. Written with fprintf, one object per line, flushed after each
 * sample, so the engine reading the pipe sees whole lines while the
 * transfer runs.
 *
 * Figures (summary):
 *   bytes, bytes_sent    application payload received / sent (no header)
 *   duration_us          first to last byte received
 *   measured_*           the same after the warm-up (omit), which starts
 *                        at the first byte received
 *   goodput_bps          measured_bytes * 8 / measured_us
 *   measure_mono_us,     where the measured part began (CLOCK_MONOTONIC)
 *   omit_bytes           and the bytes received before it: with the "rx"
 *                        of the samples and last_rx_mono_us (the last
 *                        byte), the receiver's byte count over time on
 *                        the measured part alone; 0 when nothing arrived
 *   completion_us        client, bulk: from writing the header until both
 *                        directions are done (the server's EOF says the
 *                        last byte arrived): the transfer plus one RTT
 *   rr                   client: latency of each measured transaction
 *                        from its first byte written to the last byte of
 *                        the response read; percentiles by nearest rank
 *
 * This file writes only to o->out; it does not sample, move data or
 * parse.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "mtime.h"
#include "xfer_int.h"

/* ---- samples ------------------------------------------------------------------ */

/* A JSON string body: our own strings are plain, but error texts come
 * from strerror() and the kernel; escape what JSON needs. */
static void xfer_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void xfer_emit_sample(struct xfer_run *r, uint64_t now_us)
{
	const struct sockinfo_snapshot *s = &r->snap;
	const struct telemetry_conn_sample *c = &s->conn;
	FILE *f = r->o->out;
	unsigned long long t = (unsigned long long)(now_us - r->start_us);

	fprintf(f,
		"{\"type\":\"conn\",\"role\":\"%c\",\"t_us\":%llu,\"mono_us\":%llu,"
		"\"rx\":%llu,\"tx\":%llu,\"source\":\"%s\",\"mptcp\":%s",
		r->role, t, (unsigned long long)now_us, (unsigned long long)r->rx_bytes,
		(unsigned long long)r->tx_bytes, sockinfo_source_name(s->source),
		s->mptcp ? "true" : "false");
	if (c->present & TELEM_C_SUBFLOWS_TOTAL)
		fprintf(f, ",\"subflows_total\":%u", c->subflows_total);
	if (c->present & TELEM_C_FALLBACK)
		fprintf(f, ",\"fallback\":%s", c->fallback ? "true" : "false");
	if (c->present & TELEM_C_BYTES_RETRANS)
		fprintf(f, ",\"bytes_retrans\":%llu", (unsigned long long)c->bytes_retrans);
	if (c->present & TELEM_C_BYTES_SENT)
		fprintf(f, ",\"bytes_sent\":%llu", (unsigned long long)c->bytes_sent);
	if (c->present & TELEM_C_BYTES_ACKED)
		fprintf(f, ",\"bytes_acked\":%llu", (unsigned long long)c->bytes_acked);
	if (c->present & TELEM_C_BYTES_RECEIVED)
		fprintf(f, ",\"bytes_received\":%llu", (unsigned long long)c->bytes_received);
	fputs("}\n", f);

	for (unsigned i = 0; i < s->n_subflows; i++) {
		const struct telemetry_subflow_sample *sf = &s->sf[i];

		fprintf(f,
			"{\"type\":\"subflow\",\"role\":\"%c\",\"t_us\":%llu,\"mono_us\":%llu,"
			"\"id\":%u",
			r->role, t, (unsigned long long)now_us, sf->subflow_id);
		if (sf->present & TELEM_ADDRS)
			fprintf(f, ",\"local\":\"%s\",\"remote\":\"%s\"", sf->local, sf->remote);
		if (sf->present & TELEM_BYTES_SENT)
			fprintf(f, ",\"bytes_sent\":%llu", (unsigned long long)sf->bytes_sent);
		if (sf->present & TELEM_BYTES_ACKED)
			fprintf(f, ",\"bytes_acked\":%llu", (unsigned long long)sf->bytes_acked);
		if (sf->present & TELEM_BYTES_RECEIVED)
			fprintf(f, ",\"bytes_received\":%llu",
				(unsigned long long)sf->bytes_received);
		if (sf->present & TELEM_CWND)
			fprintf(f, ",\"cwnd\":%u", sf->cwnd);
		if (sf->present & TELEM_SRTT)
			fprintf(f, ",\"srtt_us\":%u", sf->srtt_us);
		if (sf->present & TELEM_RTTVAR)
			fprintf(f, ",\"rttvar_us\":%u", sf->rttvar_us);
		if (sf->present & TELEM_RETRANS)
			fprintf(f, ",\"total_retrans\":%u", sf->total_retrans);
		if (sf->present & TELEM_PACING_RATE)
			fprintf(f, ",\"pacing_rate_bps\":%llu",
				(unsigned long long)sf->pacing_rate_bps);
		if (sf->present & TELEM_DELIVERY_RATE)
			fprintf(f, ",\"delivery_rate_bps\":%llu",
				(unsigned long long)sf->delivery_rate_bps);
		if (sf->present & TELEM_BACKUP)
			fprintf(f, ",\"backup\":%s", sf->backup ? "true" : "false");
		fputs("}\n", f);
	}
	fflush(f);
}

/* Read the socket's telemetry now and write it out. A failed reading is
 * counted, not fatal: the transfer is still a measurement. */
/* ---- the summary ------------------------------------------------------------------ */

uint32_t xfer_percentile(const uint32_t *sorted, size_t n, double pct)
{
	double rank;
	size_t i;

	if (!n)
		return 0;
	rank = pct / 100.0 * (double)n;
	i = (size_t)rank;
	if ((double)i < rank)
		i++; /* ceil */
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return sorted[i - 1];
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t tv_us(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * USEC_PER_SEC + (uint64_t)tv.tv_usec;
}

void xfer_emit_summary(struct xfer_run *r, uint64_t end_us)
{
	const struct xfer_params *p = &r->p;
	FILE *f = r->o->out;
	uint64_t dur_us = r->rx_first_us ? r->rx_last_us - r->rx_first_us : 0;
	uint64_t meas_bytes = r->rx_bytes - r->rx_omit_bytes, meas_us;
	double goodput = 0;
	char cc[32] = "";
	socklen_t cclen = sizeof(cc) - 1;
	struct rusage ru;
	uint64_t cpu_us = 0;

	if (p->omit_us)
		meas_us = r->rx_last_us > r->omit_at_us ? r->rx_last_us - r->omit_at_us : 0;
	else
		meas_us = dur_us;
	if (meas_us)
		goodput = (double)meas_bytes * 8.0 * 1e6 / (double)meas_us;
	if (getsockopt(r->fd, IPPROTO_TCP, TCP_CONGESTION, cc, &cclen) < 0)
		cc[0] = '\0';
	cc[sizeof(cc) - 1] = '\0';
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu_us = tv_us(ru.ru_utime) + tv_us(ru.ru_stime) - tv_us(r->ru_start.ru_utime) -
			 tv_us(r->ru_start.ru_stime);

	fprintf(f,
		"{\"type\":\"summary\",\"role\":\"%c\",\"version\":%d,\"mode\":\"%s\","
		"\"direction\":\"%s\",\"proto\":\"%s\",\"mptcp\":%s,\"sockinfo\":\"%s\",",
		r->role, XFER_VERSION, xfer_mode_name(p->mode), xfer_direction_name(p->direction),
		r->mptcp_socket ? "mptcp" : "tcp",
		r->snap_valid && r->snap.mptcp ? "true" : "false",
		sockinfo_source_name(r->snap_valid ? r->snap.source : SOCKINFO_NONE));
	fputs("\"cc\":", f);
	xfer_json_str(f, cc);
	fprintf(f,
		",\"requested_bytes\":%llu,\"bytes\":%llu,\"bytes_sent\":%llu,"
		"\"duration_us\":%llu,\"measured_bytes\":%llu,\"measured_us\":%llu,"
		"\"goodput_bps\":%.0f,\"start_mono_us\":%llu,\"wall_us\":%llu,\"cpu_us\":%llu,"
		"\"samples\":%lu,\"sample_errors\":%lu,\"measure_mono_us\":%llu,"
		"\"omit_bytes\":%llu,\"last_rx_mono_us\":%llu",
		(unsigned long long)p->bytes, (unsigned long long)r->rx_bytes,
		(unsigned long long)r->tx_bytes, (unsigned long long)dur_us,
		(unsigned long long)meas_bytes, (unsigned long long)meas_us, goodput,
		(unsigned long long)r->start_us, (unsigned long long)(end_us - r->start_us),
		(unsigned long long)cpu_us, r->n_samples, r->sample_errors,
		(unsigned long long)r->omit_at_us, (unsigned long long)r->rx_omit_bytes,
		(unsigned long long)r->rx_last_us);
	if (r->role == 'c' && p->mode == XFER_BULK)
		fprintf(f, ",\"completion_us\":%llu", (unsigned long long)(end_us - r->start_us));
	if (p->mode == XFER_RR) {
		uint64_t span_us =
			r->rr_last_us > r->rr_first_us ? r->rr_last_us - r->rr_first_us : 0;
		uint64_t n = r->role == 'c' ? r->n_lat : r->rr_done;

		fprintf(f,
			",\"request_bytes\":%u,\"response_bytes\":%u,\"rate_tps\":%llu,\"n\":%llu,"
			"\"tps\":%.3f",
			p->request_bytes, p->response_bytes, (unsigned long long)p->rate_tps,
			(unsigned long long)n, span_us ? (double)n * 1e6 / (double)span_us : 0.0);
		if (r->role == 'c') {
			qsort(r->lat_us, r->n_lat, sizeof(*r->lat_us), cmp_u32);
			fprintf(f,
				",\"p50_us\":%u,\"p90_us\":%u,\"p99_us\":%u,\"max_us\":%u,"
				"\"min_us\":%u,\"late\":%lu",
				xfer_percentile(r->lat_us, r->n_lat, 50),
				xfer_percentile(r->lat_us, r->n_lat, 90),
				xfer_percentile(r->lat_us, r->n_lat, 99),
				r->n_lat ? r->lat_us[r->n_lat - 1] : 0, r->n_lat ? r->lat_us[0] : 0,
				r->rr_late);
		}
	}
	if (r->no_mptcp[0]) {
		fputs(",\"mptcp_unavailable\":", f);
		xfer_json_str(f, r->no_mptcp);
	}
	if (r->sample_err[0]) {
		fputs(",\"sample_error\":", f);
		xfer_json_str(f, r->sample_err);
	}
	fputs("}\n", f);
	fflush(f);
}
