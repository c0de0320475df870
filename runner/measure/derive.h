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

/* A link event as it was applied, on the transfer's time line. */
struct derive_link_event {
	char path[LAB_NAME_MAX];
	bool up;
	uint64_t at_us;
};

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

	const struct derive_link_event *events;
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
