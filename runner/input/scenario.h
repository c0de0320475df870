/*
 * scenario: scenarios/NAME.json and suites -> what `mptcp-lab run` does.
 *
 * A scenario names a topology, overrides its shaping per path, describes
 * the traffic, the variant axes to sweep, the repetitions, what a valid
 * run must show, and timed events. Parsed in two phases like topologies
 * (file:line:col for syntax, JSON paths for semantics, every error at
 * once). The format is documented in scenarios/README.md.
 */
#ifndef MPL_SCENARIO_H
#define MPL_SCENARIO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "lab.h"
#include "topology.h"

#define SCENARIO_MAX_AXES 8
#define SCENARIO_MAX_VALUES 8
#define SCENARIO_MAX_EVENTS 16
#define SCENARIO_MAX_REQUIRES 8
#define SCENARIO_AXIS_MAX 96
#define SCENARIO_VALUE_MAX 64

/*
 * Variant axes. The name says what a value changes; the runner applies
 * it to the lab before the run and reads it back:
 *   "scheduler"              net.mptcp.scheduler on client and server
 *   "cc"                     net.ipv4.tcp_congestion_control on client and server
 *   "path_manager"           net.mptcp.path_manager ("kernel", "userspace")
 *   "limits.subflows", "limits.add_addr_accepted"   MPTCP limits of client and server
 *   "endpoint.<id>.flags"    flags of the client endpoint with that id ("subflow,backup")
 *   "sysctl.<key>"           any net.mptcp.* or net.ipv4.tcp_* sysctl on client and server
 *   "bpf_scheduler"          a BPF scheduler object file registered with bpftool struct_ops
 */
struct scenario_axis {
	char name[SCENARIO_AXIS_MAX];
	char values[SCENARIO_MAX_VALUES][SCENARIO_VALUE_MAX];
	unsigned n_values;
};

enum scenario_direction { SCENARIO_UPLOAD, SCENARIO_DOWNLOAD, SCENARIO_BOTH };

struct scenario_traffic {
	char engine[16];	/* "iperf3" (default), "native" */
	enum scenario_direction direction;
	uint64_t duration_us;	/* one of duration and bytes is set */
	uint64_t bytes;
	uint64_t omit_us;	/* warm-up left out of the measurement */
	unsigned streams;	/* default 1 */
	char path[LAB_NAME_MAX]; /* the server address of this path is the target (default: first path) */
	int family;		/* AF_INET (default) or AF_INET6 */
	/* Request/response (native engine only): fixed-size requests and
	 * responses, back to back or at a fixed rate. */
	bool rr;
	uint64_t request_bytes, response_bytes; /* at most 64 MiB; default 1 */
	uint64_t rate_tps;	     /* transactions per second; 0: back to back */
	uint64_t transactions;	     /* 0: for the duration */
	uint64_t sample_interval_us; /* telemetry period; 0: the engine's (100 ms) */
};

enum scenario_event_action {
	SCENARIO_EV_LINK_DOWN, /* the path's links go down */
	SCENARIO_EV_LINK_UP,
	SCENARIO_EV_SHAPING,   /* new shaping for the path (rate, delay, loss ...) */
};

struct scenario_event {
	uint64_t at_us; /* from the start of the transfer */
	char path[LAB_NAME_MAX];
	enum scenario_event_action action;
	struct lab_shaping up, down; /* SHAPING: the path's new shaping (full, not a delta) */
};

struct scenario_expect {
	unsigned subflows;	/* subflows that must have joined (0: one per path) */
	double min_efficiency;	/* 0: no bound */
	double max_efficiency;	/* 0: no bound */
	/*
	 * A completion-time bound for a byte-count transfer (0: none): every
	 * run is marked over or under it (metrics over_bound and
	 * completion_bound_us), and compare reports P(exceed). Given as a
	 * time, or by name: "simult_flows" is the kernel selftest's
	 * size x 8 x 10 / ((r1 + r2) x 9) ms + 400 ms + completion_slack,
	 * computed here from the bytes and the paths' rates.
	 */
	uint64_t completion_max_us;
	char completion_formula[16]; /* "simult_flows", "" for a time */
	uint64_t completion_slack_us; /* the formula's slack (default 50 ms) */
};

struct scenario {
	char name[64];
	char description[256];
	char file[PATH_MAX];
	char sha256[65];	    /* of the scenario file's bytes */
	char topology_file[PATH_MAX];
	char topology_sha256[65];
	struct topology topo;	    /* with the scenario's shaping overrides applied */
	struct scenario_traffic traffic;
	struct scenario_axis axes[SCENARIO_MAX_AXES];
	unsigned n_axes;
	unsigned repetitions;	    /* default 5 */
	struct scenario_expect expect;
	struct scenario_event events[SCENARIO_MAX_EVENTS];
	unsigned n_events;
	/* capabilities (names of lab_probe/check) the scenario needs; netem
	 * is added automatically when any shaping needs it */
	char requires[SCENARIO_MAX_REQUIRES][32];
	unsigned n_requires;
};

/* Parse a scenario. The topology is found relative to the scenario file's
 * directory as ../topologies/NAME.json, then MPL_DATADIR/topologies.
 * sets are "PATH=VALUE" overrides of the scenario document. */
int scenario_load_file(const char *path, const char *const *sets, size_t n_sets,
		       struct scenario *s, struct diag_list *errs);
int scenario_load_buffer(const char *origin, const char *buf, size_t len,
			 const char *const *sets, size_t n_sets, struct scenario *s,
			 struct diag_list *errs);

/* Whether the scenario requires capability name (given or derived). */
bool scenario_requires(const struct scenario *s, const char *name);

/* A suite: {"name": ..., "scenarios": ["smoke.json", ...]} (paths relative
 * to the suite file). A scenario file given where a suite is expected is a
 * suite of one. *files is malloc'd (caller frees each and the array). */
int suite_load_file(const char *path, char ***files, size_t *n_files, char *name,
		    size_t name_size, struct diag_list *errs);

#endif
