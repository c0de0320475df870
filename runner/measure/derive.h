/*
 * derive: metrics computed from a run's telemetry and its topology, after
 * the transfer. Pure: the inputs are plain structs (the engine's samples,
 * the path-manager events, the lab's spec), nothing is read from the
 * kernel or the database, so tests/unit/test_derive.c feeds it synthetic
 * telemetry.
 *
 * What it derives (metric names as stored):
 *   share.<path>         the path's part of the sender's acked bytes, from
 *                        each subflow's last sample (0..1)
 *   subflows_joined_us   when the last expected subflow had joined: the
 *                        (N-1)th MPTCP_EVENT_SUB_ESTABLISHED of every
 *                        connection, else the first sample with N subflows
 *   bytes_retrans        the connection's reinjected bytes (sender side)
 *   completion_us, completion_ratio   byte-count transfers: the time, and
 *                        the time over the ideal bytes * 8 / ideal goodput
 *   latency_p50_us, latency_p90_us, latency_p99_us, latency_max_us, tps,
 *   transactions         request/response runs (the engine's figures)
 *   recover_us           after the first link-down then link-up of a path:
 *                        from the link-up until that path's subflows get
 *                        acked bytes again
 * and the ideal goodput over time (derive_ideal_*, below), from which the
 * measurement wing takes the run's ideal and each interval's.
 * and the per-subflow totals (results_run.subflows) as the client saw
 * each subflow at its last sample.
 *
 * A subflow belongs to the path whose links carry its client-side address
 * (the server's address may be reached over another path: a subflow from
 * the client's second interface to the server's first address travels the
 * second path); the server-side address is the fallback.
 */
#ifndef MPL_DERIVE_H
#define MPL_DERIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "lab.h"
#include "results.h"
#include "telemetry.h"

struct derive_input {
	const struct telemetry *telem; /* may be NULL or empty */
	const struct lab_spec *spec;   /* the lab as built (paths, links, addresses) */
	const char *client_node, *server_node;
	bool client_sends, server_sends; /* upload, download, or both */
	unsigned expected_subflows;	 /* per connection; 0 counts as 1 */

	uint64_t bytes;		  /* byte-count transfer; 0: by duration */
	uint64_t completion_us;	  /* the engine's, 0: unknown */
	double ideal_goodput_bps; /* 0: the paths are not all rate-limited */

	struct engine_rr rr; /* the engine's; transactions 0: not request/response */

	/* the scenario's timed events as applied (applied_us on the
	 * telemetry's time line; -1: not applied), in time order */
	const struct telemetry_timed_event *events;
	size_t n_events;
};

/* One subflow over the whole run, as one side saw it at its last sample. */
struct derive_subflow {
	char role;
	uint32_t id;
	char local[64], remote[64];
	int path; /* index in spec->paths, -1: on no path */
	uint32_t present;
	uint64_t first_t_us, last_t_us;
	uint64_t bytes_sent, bytes_acked, bytes_received;
	int64_t retransmits; /* -1: unknown */
	bool backup;
};

struct derive_result {
	unsigned n_paths;
	uint64_t path_acked[LAB_MAX_PATHS]; /* sender's acked bytes per path */
	uint64_t unmapped_acked;	    /* on subflows of no known path */
	double share[LAB_MAX_PATHS];	    /* NaN: unknown */

	double subflows_joined_us; /* NaN: never (or no data) */
	bool joined_from_events;
	double bytes_retrans;	   /* NaN: unknown */
	double completion_us, completion_ratio;
	double recover_us;	   /* NaN: no outage, or no recovery seen */
	char recover_path[LAB_NAME_MAX];

	struct derive_subflow *subflows; /* every distinct subflow of both sides */
	size_t n_subflows;
};

/* ---- the ideal goodput, event by event ---------------------------------------- */

/*
 * What the shaped paths allow: for each path that is up, its rate in each
 * direction the traffic uses times the payload share of a full-size
 * packet, (MTU - IP header - 32) / (MTU + 14) (the TCP header with the
 * timestamp option; the Ethernet header the shaper counts), MTU the
 * smallest of the path's links. A path that is down allows nothing; a
 * path that is up with no rate limit in a direction used makes the ideal
 * unknown (NaN).
 *
 * Over a run the ideal is a step function of time: one step at 0 with
 * the lab as built, one more at each timed event applied (a link down or
 * up, new shaping). The ideal of a span is its time-weighted mean: "the
 * time integral of what the shaped paths allow" over the span, divided by
 * the span. rate-change (path 1 from 50 to 10 Mbit/s at 3 s of 8, path 2
 * 30 Mbit/s) allows 76.5 Mbit/s for 3 s and 38.3 for 5: 52.6 on average.
 */
struct derive_ideal_step {
	uint64_t at_us; /* from here on, on the run's time line */
	double bps;	/* NaN: unknown */
};

/* The steps (*steps malloc'd; free()) for traffic in direction up and/or
 * down over spec with IP family family (AF_INET, AF_INET6), as the
 * applied events (applied_us >= 0) change it. -ENOMEM only. */
int derive_ideal_steps(const struct lab_spec *spec, bool up, bool down, int family,
		       const struct telemetry_timed_event *events, size_t n_events,
		       struct derive_ideal_step **steps, size_t *n_steps);

/* The time-weighted mean of the steps over [from_us, to_us]; the value
 * at from_us when to_us <= from_us; NaN when a step in the span is
 * unknown or there is no step. */
double derive_ideal_mean(const struct derive_ideal_step *steps, size_t n, uint64_t from_us,
			 uint64_t to_us);

/* Which path carries a subflow with these "addr:port" ends: an index in
 * spec->paths, or -1. */
int derive_path_of(const struct lab_spec *spec, const char *client_node,
		   const char *server_node, const char *local, const char *remote);

/* Compute everything; out is released with derive_result_release().
 * -ENOMEM only. */
int derive_run(const struct derive_input *in, struct derive_result *out);
void derive_result_release(struct derive_result *r);

/* Add out's metrics (the known ones) to run, and the client's view of
 * each subflow (the server's when the client sampled nothing) to
 * run->subflows. -ENOMEM only. */
int derive_store(const struct derive_input *in, const struct derive_result *r,
		 struct results_run *run);

#endif
