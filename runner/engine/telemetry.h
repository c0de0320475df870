/*
 * telemetry.h: what the native engine samples from its own MPTCP sockets
 * while it moves data, and what the runner does with it. Shared by the
 * engine (which fills it) and the runner (which derives metrics and
 * stores it).
 *
 * A field is trusted only when the kernel's answer covered it (the
 * structs grew across kernels): `present` says which fields are real, so
 * "absent" is never confused with zero.
 */
#ifndef MPL_TELEMETRY_H
#define MPL_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum telemetry_field {
	TELEM_BYTES_SENT = 1u << 0,
	TELEM_BYTES_ACKED = 1u << 1,
	TELEM_BYTES_RECEIVED = 1u << 2,
	TELEM_CWND = 1u << 3,
	TELEM_SRTT = 1u << 4,
	TELEM_RTTVAR = 1u << 5,
	TELEM_RETRANS = 1u << 6,
	TELEM_PACING_RATE = 1u << 7,
	TELEM_DELIVERY_RATE = 1u << 8,
	TELEM_BACKUP = 1u << 9,
	TELEM_ADDRS = 1u << 10,
};

/* One subflow at one instant. */
struct telemetry_subflow_sample {
	uint64_t t_us;	   /* since the transfer started */
	char role;	   /* 'c' client side, 's' server side */
	uint32_t id;	   /* subflow id (MPTCP_FULL_INFO) or index */
	char local[64], remote[64]; /* "10.1.1.1:40000" */
	uint32_t present;  /* enum telemetry_field bits */
	uint64_t bytes_sent, bytes_acked, bytes_received;
	uint32_t cwnd, srtt_us, rttvar_us, total_retrans;
	uint64_t pacing_rate_bps, delivery_rate_bps;
	bool backup;
};

enum telemetry_conn_field {
	TELEM_C_BYTES_RETRANS = 1u << 0,
	TELEM_C_SUBFLOWS_TOTAL = 1u << 1,
	TELEM_C_BYTES_SENT = 1u << 2,
	TELEM_C_BYTES_ACKED = 1u << 3,
	TELEM_C_BYTES_RECEIVED = 1u << 4,
	TELEM_C_FALLBACK = 1u << 5,
};

/* One MPTCP connection at one instant. */
struct telemetry_conn_sample {
	uint64_t t_us;
	char role;
	uint32_t present; /* enum telemetry_conn_field bits */
	uint64_t bytes_retrans, bytes_sent, bytes_acked, bytes_received;
	uint32_t subflows_total;
	bool fallback;
};

/* A path-manager event seen in a namespace (mptcp_pm_events). */
struct telemetry_pm_event {
	uint64_t t_us;	  /* since the transfer started (may be < 0 as 0) */
	char role;	  /* namespace: 'c' or 's' */
	char type[24];	  /* "created", "established", "closed", "sub_established",
			   * "sub_closed", "sub_priority", "announced", "removed", ... */
	char local[64], remote[64];
	uint32_t token;
	int error;	  /* MPTCP_ATTR_ERROR, 0 if none */
	bool backup;
};

struct telemetry {
	struct telemetry_subflow_sample *subflows;
	size_t n_subflows;
	struct telemetry_conn_sample *conns;
	size_t n_conns;
	struct telemetry_pm_event *events;
	size_t n_events;
};

void telemetry_release(struct telemetry *t);

#endif
