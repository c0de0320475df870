/*
 * results.h: the SQLite store. Everything a run measured, with enough
 * context (host, kernel, variant, tool versions, tags) to compare it with
 * any other run later.
 *
 * One transaction per run: results_run_store() writes a complete run or
 * nothing (BEGIN IMMEDIATE ... COMMIT, busy timeout), so a crash, a timeout
 * or Ctrl-C never leaves half a run behind. WAL journal; schema migrations
 * through PRAGMA user_version. sqlite3 is used here and nowhere else;
 * callers see plain C structs.
 */
#ifndef MPL_RESULTS_H
#define MPL_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "telemetry.h"

#define RESULTS_DEFAULT_DB "results/lab.db"
#define RESULTS_DB_ENV "MPTCP_LAB_DB"

struct results;

/* Open (creating and migrating as needed). path NULL: $MPTCP_LAB_DB, else
 * RESULTS_DEFAULT_DB; its directory is created if missing. */
int results_open(const char *path, struct results **out, struct diag *d);
void results_close(struct results *r);
/* The schema version this build creates and migrates to (PRAGMA
 * user_version of a database it has opened). */
int results_schema_current(void);
/* PRAGMA integrity_check == "ok": 0, else -EIO with the first complaint. */
int results_integrity_check(struct results *r, struct diag *d);

enum results_status {
	RESULTS_OK = 0,
	RESULTS_FAILED,	 /* the lab or the tool failed */
	RESULTS_SKIPPED, /* a capability was missing: reason says which */
	RESULTS_INVALID, /* measured, but not trustworthy: fallback, bad output */
};
const char *results_status_name(enum results_status s);
int results_status_parse(const char *s, enum results_status *out);

struct results_kv {
	char *key, *value;
};

struct results_metric {
	char *name; /* "goodput_bps", "efficiency", "retransmits", ... */
	double value;
};

struct results_mib {
	char *netns_role; /* "client", "server" */
	char *counter;	  /* "MPJoinAckRx" ... */
	int64_t delta;
};

struct results_subflow {
	uint32_t id;
	char *local, *remote; /* "10.0.1.1:5201" */
	uint64_t bytes_sent, bytes_acked, bytes_received;
	int64_t retransmits; /* -1: unknown */
	bool backup;
};

struct results_host {
	char *hostname, *cpu_model, *governor; /* governor may be NULL */
	int cores;
};

struct results_kernel {
	char *release;	   /* uname -r */
	char *version;	   /* /proc/version */
	char *config_hash; /* of /proc/config.gz or /boot/config-<release>; may be NULL */
	char *debug;	   /* "kasan,lockdep" markers, "" if none */
	char *boot_mode;   /* "bare-metal", "qemu-kvm", "qemu-tcg" */
};

struct results_run {
	char uuid[37];
	char *scenario, *scenario_hash;
	char *topology, *topology_hash;
	char *variant_json; /* {"cc":"bbr","scheduler":"default"} */
	char *variant_key;  /* stable: "cc=bbr,scheduler=default" (sorted keys) */
	int repetition;	    /* 1-based */
	uint64_t started_at_us, finished_at_us; /* wall clock, µs since the epoch */
	enum results_status status;
	char *reason;	      /* NULL when ok */
	char *engine;	      /* "iperf3", "native" */
	char *engine_version; /* "3.12" */
	char *mptcp_method;   /* "-m", "mptcpize", "native" */
	double load1;	      /* host load average before the run; <0 unknown */
	struct results_host host;
	struct results_kernel kernel;

	struct results_kv *tags;
	size_t n_tags;
	struct results_metric *metrics;
	size_t n_metrics;
	/* common/telemetry.h; malloc'd, so an engine's array can be
	 * handed over as it is */
	struct telemetry_interval *intervals;
	size_t n_intervals;
	struct results_mib *mibs;
	size_t n_mibs;
	struct results_subflow *subflows;
	size_t n_subflows;
	struct results_kv *noise; /* other noise indicators: "cpu_freq_mhz", ... */
	size_t n_noise;

	int64_t id; /* database row id, set when stored or loaded */

	/* The scenario's timed events as the run applied them (schema
	 * version 6; common/telemetry.h), in the scenario's order; loaded
	 * with every run (a few rows). results_run_add_timed_event(). */
	struct telemetry_timed_event *timed_events;
	size_t n_timed_events;
	/* Where the intervals' 0 lies on the run's time line (the samples',
	 * the PM events' and the timed events'): µs after the client
	 * started; -1: unknown (runs stored before schema version 6). */
	int64_t measure_start_us;

	/* The samples of the native engine and the path-manager events
	 * (common/telemetry.h; schema version 4, results/telemetry.c), stored
	 * as they are with the run; loaded only when the filter asks. Added
	 * to with telemetry_add_*(), freed by results_run_release(). */
	struct telemetry telem;
};

/* Helpers to fill a run (all strings are copied; -ENOMEM on failure). */
int results_run_init(struct results_run *run); /* zero + fresh random uuid v4 */
int results_run_set_str(char **field, const char *value);
int results_run_add_tag(struct results_run *run, const char *key, const char *value);
int results_run_add_metric(struct results_run *run, const char *name, double value);
int results_run_add_interval(struct results_run *run, const struct telemetry_interval *iv);
int results_run_add_mib(struct results_run *run, const char *role, const char *counter,
			int64_t delta);
int results_run_add_subflow(struct results_run *run, const struct results_subflow *sf);
int results_run_add_noise(struct results_run *run, const char *key, const char *value);
int results_run_add_timed_event(struct results_run *run, const struct telemetry_timed_event *e);
const struct results_metric *results_run_metric(const struct results_run *run, const char *name);
void results_run_release(struct results_run *run);

/* Store a complete run in one transaction. -EEXIST if the uuid is there. */
int results_run_store(struct results *r, struct results_run *run, struct diag *d);

/*
 * Selection of runs. Each field narrows the selection; NULL/0 = any.
 * Strings match exactly, tags as key=value (all must match).
 */
struct results_filter {
	const char *scenario;
	const char *kernel_release;
	const char *boot_mode; /* "bare-metal", "qemu-tcg", ... */
	const char *host;
	const char *status; /* "ok", ... */
	const char **variant_kv; /* "cc=bbr" items matched inside variant_key */
	size_t n_variant_kv;
	const char **tags; /* "side=a" */
	size_t n_tags;
	const char **uuids;
	size_t n_uuids;
	uint64_t since_us, until_us; /* started_at within [since, until) */
	/* also load the telemetry: samples, connection samples and PM
	 * events (big: off unless a caller needs them) */
	bool with_telemetry;
	/* also load the PM events alone (tens of rows per run) */
	bool with_pm_events;
	/* load only the run's row, tags and metrics: no intervals, MIB
	 * deltas, subflows, noise or timed events (what statistics and the
	 * report's history read, at a third of the cost; the tags name the
	 * night a run belongs to) */
	bool metrics_only;
};

/* Call fn for every selected run, oldest first, fully loaded (metrics,
 * tags, intervals, mibs, subflows, noise, timed events; only tags and
 * metrics with f->metrics_only; the telemetry too when f->with_telemetry,
 * the PM events alone with f->with_pm_events). fn returns <0 to stop with
 * that error.
 * The run is released after fn returns. */
typedef int (*results_run_fn)(const struct results_run *run, void *arg);
int results_query(struct results *r, const struct results_filter *f, results_run_fn fn,
		  void *arg, struct diag *d);
/* Count only. */
int results_count(struct results *r, const struct results_filter *f, size_t *n,
		  struct diag *d);

/* The timed events of the run with this uuid (what results_query() loads
 * into run->timed_events), in *out (free() it) and *n: for a caller that
 * has the uuid and wants nothing else of the run. -ENOENT (with d) when
 * no run has that uuid; a run without events gives 0 and *n = 0. */
int results_timed_events_load(struct results *r, const char *uuid,
			      struct telemetry_timed_event **out, size_t *n, struct diag *d);

/* ---- change points (schema version 2; results/changepoints.c, used by
 * report/trend.c) ------------------------------------------------------ */

/*
 * One change point of a series' history: a new regime starts at at_us (the
 * time of the first point of that regime), labelled with its night
 * (YYYY-MM-DD, UTC) or kernel release. A series is (scenario, variant_key,
 * metric); variant_key NULL is stored as "". The strings a query passes
 * are valid during the callback only.
 */
struct results_changepoint {
	const char *scenario, *variant_key, *metric;
	uint64_t at_us;
	const char *label;
	double median_before, median_after; /* of the two regimes' points */
	double p;			     /* NaN: unknown, stored as NULL */
	uint64_t detected_at_us;	     /* when it was first detected */
	int64_t id;			     /* set by a query */
};

/*
 * Store a change point, keyed by (scenario, variant_key, metric, at_us).
 * Storing the same detection again updates the figures in place (same
 * row, same id) and keeps the earliest detected_at_us, so re-running a
 * trend over the same history changes nothing.
 */
int results_changepoint_store(struct results *r, const struct results_changepoint *cp,
			      struct diag *d);

/* Call fn for every stored change point of scenario (NULL: any), ordered
 * by scenario, variant_key, metric, at_us. fn returns <0 to stop with that
 * error. */
typedef int (*results_changepoint_fn)(const struct results_changepoint *cp, void *arg);
int results_changepoints_query(struct results *r, const char *scenario,
			       results_changepoint_fn fn, void *arg, struct diag *d);

/* ---- regressions nightly reported, and their acknowledgements (schema
 * version 5; results/regressions.c, used by runner/job/nightly.c and the
 * ack command) ------------------------------------------------------------ */

/*
 * One regression of a series (scenario, variant_key, metric) on a host.
 * since_us is 00:00 UTC of the night its regime started (since_label that
 * night, "YYYY-MM-DD"); kernel_before / kernel_after the releases either
 * side of it. Open until acked (acked_at_us 0). Strings a query passes
 * are valid during the callback only; NULL where unknown.
 */
struct results_regression {
	int64_t id; /* set by add and by a query */
	const char *host, *scenario, *variant_key, *metric;
	uint64_t since_us;
	const char *since_label;
	uint64_t first_reported_us;
	const char *first_nightly; /* the nightly=<id> that first reported it */
	uint64_t last_seen_us;
	double change;		   /* relative, when last seen (NaN: unknown) */
	double median_before, median_after;
	const char *kernel_before, *kernel_after;
	uint64_t acked_at_us;	   /* 0: open */
	const char *ack_note, *ack_by;
};

/* Add a regression (its id in g->id). */
int results_regression_add(struct results *r, struct results_regression *g, struct diag *d);
/* Seen again: last_seen_us, change and the medians; and, when since_us
 * is not 0, where it started (a change point placed it): since_us,
 * since_label and the kernels either side. -ENOENT: no such id. */
int results_regression_update(struct results *r, const struct results_regression *g,
			      struct diag *d);
/* Acknowledge (note and by may be NULL; acking again replaces them) or
 * reopen. -ENOENT: no such id. */
int results_regression_ack(struct results *r, int64_t id, uint64_t now_us, const char *note,
			   const char *by, struct diag *d);
int results_regression_unack(struct results *r, int64_t id, struct diag *d);

/* Call fn for every regression of host (NULL: any), open ones only when
 * open_only, or the one with id (0: any), oldest first. */
typedef int (*results_regression_fn)(const struct results_regression *g, void *arg);
int results_regressions_query(struct results *r, const char *host, bool open_only, int64_t id,
			      results_regression_fn fn, void *arg, struct diag *d);

/* ---- the lab fleet: merge and the push outbox (results/merge.c,
 * results/outbox.c; used by merge and push/) -- */

struct results_merge_counts {
	size_t imported; /* runs copied (with every child row) */
	size_t present;	 /* runs whose uuid the target already had */
};

/*
 * Import every run of the database at source_path that r does not have
 * (by uuid), with its host and kernel identity (upserted by value) and
 * every child row, in one transaction. The source is opened read-only and
 * never migrated; a source with a newer schema is refused (-ENOTSUP), one
 * that is not a results database too (-EINVAL).
 */
int results_merge(struct results *r, const char *source_path, struct results_merge_counts *out,
		  struct diag *d);

/*
 * The push outbox: per (run, url), whether the run was delivered and, if
 * not, how many attempts failed and when the next one is due. A run with
 * no row has never been tried. Several URLs each get every run.
 */
struct results_outbox_pending {
	char (*uuids)[37]; /* due runs, oldest first */
	size_t n;
	size_t n_waiting; /* undelivered runs still inside their backoff */
};

/* Runs not yet delivered to url; with ignore_backoff those waiting for
 * their next attempt are due too. */
int results_outbox_pending(struct results *r, const char *url, uint64_t now_us,
			   bool ignore_backoff, struct results_outbox_pending *out,
			   struct diag *d);
void results_outbox_pending_release(struct results_outbox_pending *p);

/* After a 2xx: mark the runs delivered to url (one transaction). */
int results_outbox_mark_pushed(struct results *r, const char *url, char (*uuids)[37], size_t n,
			       uint64_t now_us, struct diag *d);
/* After a failure: one more attempt, the next not before now plus a
 * backoff doubling from 1 min up to 6 h; error is kept for `push`'s
 * report. */
int results_outbox_mark_failed(struct results *r, const char *url, char (*uuids)[37], size_t n,
			       uint64_t now_us, const char *error, struct diag *d);
/* The backoff after `attempts` failed attempts, in µs. */
uint64_t results_outbox_backoff_us(int64_t attempts);

/*
 * Points for the time-series database that are not runs (the nightly
 * job's verdicts; schema version 5): each one line of InfluxDB line
 * protocol, formatted by push/ when the point was made and sent as it is.
 * Their outbox follows the runs' rules: every url gets every point, a
 * point is delivered only after a 2xx, a failure backs off as
 * results_outbox_backoff_us() says.
 */
struct results_point {
	int64_t id;
	char *line; /* without its newline */
};

/* Queue n lines of one kind ("verdict") with their timestamp, in one
 * transaction (all or none); -EINVAL when a line is empty or holds a
 * newline. */
int results_points_add(struct results *r, const char *kind, uint64_t at_us,
		       const char *const *lines, size_t n, struct diag *d);

struct results_points_pending {
	struct results_point *points; /* due points, oldest first */
	size_t n;
	size_t n_waiting; /* undelivered points still inside their backoff */
};
int results_points_pending(struct results *r, const char *url, uint64_t now_us,
			   bool ignore_backoff, struct results_points_pending *out,
			   struct diag *d);
void results_points_pending_release(struct results_points_pending *p);
int results_points_mark_pushed(struct results *r, const char *url,
			       const struct results_point *points, size_t n, uint64_t now_us,
			       struct diag *d);
int results_points_mark_failed(struct results *r, const char *url,
			       const struct results_point *points, size_t n, uint64_t now_us,
			       const char *error, struct diag *d);

/* ---- the kernels of the database (results/kernels.c, used by
 * the kernels command) ------------------------------------------------- */

/*
 * One kernel identity (release, version, config_hash, debug, boot_mode:
 * the columns of a kernels row) and the runs made on it within a filter.
 * A release booted bare-metal and the same release under qemu are two
 * kernels: their timings are not comparable.
 */
struct results_kernel_summary {
	struct results_kernel kernel; /* config_hash NULL when unknown */
	size_t n_runs, n_ok;
	char **hosts;		      /* sorted, distinct */
	size_t n_hosts;
	uint64_t first_us, last_us;   /* started_at of the first and last run */
};

struct results_kernel_list {
	struct results_kernel_summary *k; /* by release, then boot_mode, version */
	size_t n;
};

/* The kernels of the runs f selects (NULL: every run); a kernel without a
 * selected run is not listed. */
int results_kernels(struct results *r, const struct results_filter *f,
		    struct results_kernel_list *out, struct diag *d);
void results_kernel_list_release(struct results_kernel_list *l);

#endif
