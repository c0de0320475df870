/*
 * telemetry.h: the measurement vocabulary of a run, defined once — what a
 * transfer saw of its sockets sample by sample, what the path manager
 * did, and the per-interval throughput.
 *
 * Who fills and who reads:
 *   struct telemetry_pm_event        filled by lab/pm_events.c (the PM
 *                                    event listener of a namespace)
 *   struct telemetry_subflow_sample  filled by the engines' samplers
 *   struct telemetry_conn_sample     (runner/engine/sockinfo.c, parsed
 *                                    back by the native engine)
 *   struct telemetry_interval        filled by the engines (the ideal of
 *                                    each by the measurement wing)
 *   struct telemetry_timed_event     filled by the measurement wing from
 *                                    the scenario's events as applied
 * and results/ stores and loads all of them as they are; the measurement
 * wing derives metrics from them and hands the arrays over to the run.
 *
 * Why here: lab/ produces the PM events and results/ stores them, and the
 * two must not know each other (lab/ is libnl only, results/ sqlite3
 * only); the engines sit above both. A type that all of them use belongs
 * below all of them, in common/, so nobody copies one struct into another
 * field by field or keeps parallel enums in step with assertions.
 *
 * A field is trusted only when the kernel's answer covered it (its structs
 * grew across kernels): `present` says which fields are real, so "absent"
 * is never confused with zero; results/ stores an absent field as NULL.
 *
 * Arrays of these (struct telemetry, the intervals of a run) grow through
 * array_grow() (array.h) and only through it, so an array can move from
 * the engine that filled it to the run that stores it without a copy.
 *
 * This file holds types and their array helpers: nothing here samples,
 * listens or stores.
 */
#ifndef MPL_TELEMETRY_H
#define MPL_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- one subflow at one instant ------------------------------------------ */

/* Which fields of a struct telemetry_subflow_sample are real. The values
 * are stored in the database ("present" of the samples table): never
 * renumber them. */
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

struct telemetry_subflow_sample {
	uint64_t t_us;		    /* since the transfer started */
	char role;		    /* 'c' client side, 's' server side */
	uint32_t subflow_id;	    /* subflow id (MPTCP_FULL_INFO) or index */
	char local[64], remote[64]; /* "10.1.1.1:40000"; "" when unknown */
	uint32_t present;	    /* enum telemetry_field bits */
	uint64_t bytes_sent, bytes_acked, bytes_received;
	uint32_t cwnd, srtt_us, rttvar_us, total_retrans;
	uint64_t pacing_rate_bps, delivery_rate_bps;
	bool backup;
};

/* ---- one MPTCP connection at one instant ---------------------------------- */

/* Which fields of a struct telemetry_conn_sample are real (stored, as
 * above: never renumber). */
enum telemetry_conn_field {
	TELEM_C_BYTES_RETRANS = 1u << 0,
	TELEM_C_SUBFLOWS_TOTAL = 1u << 1,
	TELEM_C_BYTES_SENT = 1u << 2,
	TELEM_C_BYTES_ACKED = 1u << 3,
	TELEM_C_BYTES_RECEIVED = 1u << 4,
	TELEM_C_FALLBACK = 1u << 5,
};

struct telemetry_conn_sample {
	uint64_t t_us; /* since the transfer started */
	char role;     /* 'c', 's' */
	uint32_t present; /* enum telemetry_conn_field bits */
	uint64_t bytes_retrans, bytes_sent, bytes_acked, bytes_received;
	uint32_t subflows_total;
	bool fallback;
};

/* ---- one path-manager event of one namespace ------------------------------- */

/* Which attributes the kernel sent with an event (each event type carries
 * a different set). Not stored: a loaded event has none of these bits. */
enum telemetry_pm_attr {
	TELEM_PM_TOKEN = 1u << 0,
	TELEM_PM_FAMILY = 1u << 1,
	TELEM_PM_LOC_ID = 1u << 2,
	TELEM_PM_REM_ID = 1u << 3,
	TELEM_PM_SADDR = 1u << 4,
	TELEM_PM_DADDR = 1u << 5,
	TELEM_PM_SPORT = 1u << 6,
	TELEM_PM_DPORT = 1u << 7,
	TELEM_PM_BACKUP = 1u << 8,
	TELEM_PM_ERROR = 1u << 9,
};

#define TELEMETRY_PM_TYPE_MAX 24

/*
 * The stored fields are t_us, role, type, local, remote, token, error and
 * backup; the others (present, family, the ids and ports) describe the
 * kernel's message and are left 0 by a load.
 */
struct telemetry_pm_event {
	/* CLOCK_MONOTONIC µs when the listener read it; the run puts it
	 * on the transfer's time line (since its start) before storing */
	uint64_t t_us;
	char role; /* the namespace: 'c' client, 's' server */
	/* "created", "established", "closed", "announced", "removed",
	 * "sub_established", "sub_closed", "sub_priority",
	 * "listener_created", "listener_closed"; "event_<n>" for a number
	 * the listener does not know */
	char type[TELEMETRY_PM_TYPE_MAX];
	uint32_t present; /* enum telemetry_pm_attr bits */
	uint32_t token;	  /* 0: none (NULL in SQL) */
	int family;	  /* AF_INET, AF_INET6; AF_INET for IPv4-mapped addresses */
	uint8_t loc_id, rem_id;
	/* "10.1.1.1:40000", "[fd00::1]:5201" (::ffff:a.b.c.d shown as
	 * a.b.c.d, as the samples show it); the address alone when the
	 * event has no port; "" when it has no address */
	char local[64], remote[64];
	uint16_t sport, dport; /* host order */
	bool backup;
	int error; /* MPTCP_ATTR_ERROR (the subflow's sk_err); 0: none */
};

/* ---- the throughput of one interval of the transfer --------------------------- */

struct telemetry_interval {
	uint64_t start_us, end_us; /* from the start of the measured part */
	uint64_t bytes;
	double bits_per_second;
	int64_t retransmits; /* -1: unknown */
	/* The goodput the shaped paths allowed over this interval, as the
	 * timed events left them (their time-weighted mean); NaN: unknown
	 * (a path without a rate limit, or not computed) */
	double ideal_bps;
};

/* ---- a timed event of the scenario, as the run applied it -------------------- */

/* What a timed event did to its path. Stored by name ("down", "up",
 * "shaping"): telemetry_timed_action_name(). */
enum telemetry_timed_action {
	TELEM_EV_LINK_DOWN, /* the path's links went down */
	TELEM_EV_LINK_UP,
	TELEM_EV_SHAPING, /* new shaping for the path */
};

const char *telemetry_timed_action_name(enum telemetry_timed_action a);
/* 0, or -EINVAL for a name that is none of the above. */
int telemetry_timed_action_parse(const char *name, enum telemetry_timed_action *out);

/* One direction of a path's shaping after a shaping event; 0 where the
 * shaping has none (rate 0: no rate limit). */
struct telemetry_shaping {
	uint64_t rate_bps, delay_us, jitter_us;
	double loss_pct, reorder_pct;
};

#define TELEMETRY_NAME_MAX 32

struct telemetry_timed_event {
	uint64_t planned_us; /* the scenario's "at": from the start of the transfer */
	/* when the runner applied it, on the run's time line (µs since the
	 * client started, as the samples and PM events); -1: not applied
	 * (the transfer ended first, or the run failed before) */
	int64_t applied_us;
	char path[TELEMETRY_NAME_MAX];
	enum telemetry_timed_action action;
	/* TELEM_EV_SHAPING: the path's whole shaping from then on, client
	 * to server (up) and back (down); zero for the link events */
	struct telemetry_shaping up, down;
};

/* ---- the telemetry of one transfer ------------------------------------------ */

/* The samples of both ends and the PM events of both namespaces, in the
 * order they were taken or read. Every array grows through array_grow()
 * (the telemetry_add_*() below), so whoever holds a struct telemetry may
 * hand it over whole, with a struct copy. */
struct telemetry {
	struct telemetry_subflow_sample *subflows;
	size_t n_subflows;
	struct telemetry_conn_sample *conns;
	size_t n_conns;
	struct telemetry_pm_event *events;
	size_t n_events;
};

/* Append a copy of one element: 0, or -ENOMEM (t is unchanged). */
int telemetry_add_subflow(struct telemetry *t, const struct telemetry_subflow_sample *s);
int telemetry_add_conn(struct telemetry *t, const struct telemetry_conn_sample *c);
int telemetry_add_event(struct telemetry *t, const struct telemetry_pm_event *e);

/* Free the arrays and empty t. Accepts NULL. */
void telemetry_release(struct telemetry *t);

#endif
