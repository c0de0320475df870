/*
 * engine: traffic engines behind one vtable.
 *
 * An engine moves data between a client and a server that live in two
 * network namespaces of a lab and reports what the receiver got: iperf3
 * (engine_iperf3.c, its report parsed by iperf3_json.c) and the native
 * MPTCP engine (engine_native.c running two `mptcp-lab xfer` processes,
 * native_output.c reading what they wrote; xfer*.c the processes
 * themselves, sockinfo.c their socket telemetry). Another engine is one
 * more file and one more entry in the table of engine.c.
 *
 * Contract of run():
 *   - returns < 0 only when the measurement could not be attempted or was
 *     stopped by the caller: a program that cannot be spawned, MPTCP not
 *     possible with this tool (-EOPNOTSUPP), *hooks->cancel set (-EINTR),
 *     or the negative value a tick hook returned. d says why.
 *   - returns 0 when the transfer was attempted. res->valid then says
 *     whether its figures can be trusted; when they cannot, res->reason
 *     says why ("iperf3 client was killed by the watchdog after 13.0 s").
 *   - every process it started is gone when it returns, on every path.
 *
 * This header knows nothing about iperf3 or the results store: the
 * intervals and the telemetry are the types of common/telemetry.h, which
 * results/ stores as they are, so the caller hands them over.
 */
#ifndef MPL_ENGINE_H
#define MPL_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "telemetry.h"

enum engine_direction {
	ENGINE_UPLOAD,	 /* client sends */
	ENGINE_DOWNLOAD, /* server sends (iperf3 -R) */
	ENGINE_BOTH,	 /* both at once (iperf3 --bidir) */
};

const char *engine_direction_name(enum engine_direction dir);

/* What the transfer is: a bulk transfer, or fixed-size request/response
 * transactions (the native engine; an engine that cannot do ENGINE_RR
 * must refuse it with -EOPNOTSUPP). */
enum engine_mode {
	ENGINE_BULK = 0,
	ENGINE_RR,
};

struct engine_target {
	int client_netns_fd, server_netns_fd; /* -1: the caller's namespace */
	const char *server_addr;	      /* an address of the server netns */
	uint16_t port;
};

struct engine_params {
	enum engine_direction direction;
	uint64_t duration_us; /* one of duration_us and bytes is set */
	uint64_t bytes;
	uint64_t omit_us;     /* warm-up left out of the figures */
	unsigned streams;     /* parallel connections; 0 means 1 */
	uint64_t timeout_us;  /* watchdog for the whole transfer; 0: derived
			       * as duration + omit + 10 s */
	/* TCP congestion control of the transfer's sockets ("" = the
	 * namespace's default). Set per socket: a namespace may only make
	 * the host's allowed algorithms its default. */
	char congestion[16];

	/* Native engine. mode ENGINE_RR runs for duration_us or for
	 * rr_transactions (one of the two); bytes is for bulk only. */
	enum engine_mode mode;
	uint32_t rr_request_bytes, rr_response_bytes; /* 0: 1 byte each */
	uint64_t rr_rate_tps;	  /* transactions started per second; 0: back to back */
	uint64_t rr_transactions; /* measured transactions; 0: by duration */
	uint64_t sample_interval_us; /* telemetry period; 0: 100 ms */
};

struct engine_hooks {
	const volatile sig_atomic_t *cancel; /* may be NULL */
	/* Called at least every 50 ms while the client runs, with the time
	 * since the client started; a negative return aborts the run, and
	 * run() returns that value. May be NULL. */
	int (*tick)(uint64_t elapsed_us, void *arg);
	void *arg;
};

/* The figures of a request/response transfer: measured transactions,
 * transactions per second, and latency percentiles by nearest rank. */
struct engine_rr {
	uint64_t transactions; /* 0: not a request/response transfer */
	double tps;
	uint64_t p50_us, p90_us, p99_us, max_us;
};

#define ENGINE_VERSION_MAX 64
#define ENGINE_METHOD_MAX 16
#define ENGINE_CC_MAX 32

struct engine_result {
	bool valid;
	char reason[256]; /* why !valid; empty when valid */

	char tool_version[ENGINE_VERSION_MAX]; /* "iperf 3.12" */
	char mptcp_method[ENGINE_METHOD_MAX];  /* "-m", "mptcpize" */

	/* Receiver side. With ENGINE_BOTH goodput_bps and bytes add up both
	 * directions and goodput_up_bps/goodput_down_bps tell them apart;
	 * otherwise one of the two equals goodput_bps and the other is 0. */
	double goodput_bps, goodput_up_bps, goodput_down_bps;
	uint64_t bytes;
	double seconds;	     /* measured time the receiver reported */
	int64_t retransmits; /* sender side; -1: unknown */
	double cpu_client_pct, cpu_server_pct; /* -1: unknown */
	/* CPU time (user + system) the kernel accounted to the client and
	 * server processes over their whole life, read when they were
	 * reaped; 0: unknown (killed, or not reaped by the engine). The
	 * tools' own figures above cover the transfer alone. */
	uint64_t cpu_client_us, cpu_server_us;
	/* What the kernel used, to check a congestion-control variant was
	 * really in effect ("" when the tool did not say). */
	char cc_sender[ENGINE_CC_MAX], cc_receiver[ENGINE_CC_MAX];

	/* malloc'd; engine_result_release() */
	struct telemetry_interval *intervals;
	size_t n_intervals;
	/* Where the intervals' 0 lies: when the measured part began, µs
	 * after the client started (telem_start_us for the native engine,
	 * whose receiver says so; iperf3 does not say, so its omit) */
	uint64_t measure_start_us;

	uint64_t transfer_us; /* wall time of the client process */

	/* Bulk with a byte count (native): from the client's first byte
	 * until it knew the last one had arrived (one RTT more than the
	 * transfer itself); 0 otherwise. */
	uint64_t completion_us;

	struct engine_rr rr; /* request/response (native) */

	/* Per-subflow and per-connection samples of both ends (native),
	 * t_us counted from telem_start_us, the client's start on
	 * CLOCK_MONOTONIC (mtime_now_us()), so the caller can put other
	 * events on the same time line: the engines leave telem.events
	 * empty for the caller's PM events. Released by
	 * engine_result_release(). */
	struct telemetry telem;
	uint64_t telem_start_us;
};

void engine_result_release(struct engine_result *res);

/* A transfer that was attempted but cannot be trusted: res->valid false
 * and the reason in res->reason. Returns 0, what run() then returns. */
int engine_result_invalid(struct engine_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The part of an engine's wait loop that serves the hooks: -EINTR when
 * cancelled, the hook's error when the tick aborts, else 0; the tick runs
 * when *next_tick_us has passed, and the next one is period_us later.
 * what names the engine in messages ("iperf3 run"). */
int engine_hooks_step(const struct engine_hooks *h, uint64_t start_us, uint64_t *next_tick_us,
		      uint64_t period_us, const char *what, struct diag *d);

/* The engines' processes are spawn.h's, but their wait loops also watch
 * pipes and sockets of their own: these look at a child without reaping
 * it (WNOWAIT), so spawn_wait()/spawn_kill() still own the reaping. A
 * pidfd (-1 before Linux 5.3) lets poll() wake on the exit. */
int engine_proc_pidfd(pid_t pid);
bool engine_proc_exited(pid_t pid);

/* What an engine can tell without moving data. */
struct engine_probe {
	char tool_version[ENGINE_VERSION_MAX];
	char mptcp_method[ENGINE_METHOD_MAX];
};

struct engine_ops {
	const char *name;
	/* 0, or -ENOENT (tool missing), -EOPNOTSUPP (no way to do MPTCP),
	 * with the reason in d. */
	int (*probe)(struct engine_probe *out, struct diag *d);
	int (*run)(const struct engine_target *t, const struct engine_params *p,
		   const struct engine_hooks *h, struct engine_result *res,
		   struct diag *d);
};

/* NULL when no engine has that name. */
const struct engine_ops *engine_find(const char *name);
/* The table, NULL-terminated, for listings ("check", usage). */
extern const struct engine_ops *const engine_table[];

extern const struct engine_ops engine_iperf3;
extern const struct engine_ops engine_native;

#endif
