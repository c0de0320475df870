/*
 * native_int.h: what the two files of the native engine share and nobody
 * else sees. engine_native.c runs the two xfer processes and collects
 * what they write; native_output.c reads what they wrote and judges it.
 */
#ifndef MPL_NATIVE_INT_H
#define MPL_NATIVE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "spawn.h"
#include "xfer.h"

/* What one end may write before the run is refused as invalid. */
#define NATIVE_OUTPUT_MAX_BYTES (64u << 20)

/* One end: its process, its output pipe, and what its output said. */
struct native_end {
	char role;	  /* 'c' / 's' */
	const char *name; /* "client" / "server" */
	int rfd, wfd;
	char path[64]; /* /proc/<pid>/fd/<wfd> */
	char *text;
	size_t len, cap;
	bool overflow;
	struct spawn_proc *proc;
	int pidfd;
	struct spawn_result sr;
	bool waited;

	/* From the summary. */
	bool has_summary;
	uint64_t bytes, bytes_sent, measured_bytes, measured_us, completion_us;
	uint64_t start_mono_us, wall_us, cpu_us;
	/* the measured part as this end received it: where it began, the
	 * bytes before it, the last byte (CLOCK_MONOTONIC; 0: nothing) */
	uint64_t measure_mono_us, omit_bytes, last_rx_mono_us;
	double goodput_bps;
	struct engine_rr rr;
	bool proto_mptcp;
	char cc[ENGINE_CC_MAX];
	char no_mptcp[160];

	/* "rx" of each conn sample, for the intervals. */
	struct native_rx {
		uint64_t t_us, rx;
	} *rx; /* array_grow() */
	size_t n_rx;
};

/* The message an xfer process left on stderr ("mptcp-lab: xfer client:
 * cannot connect ..."), its last line, without the program prefix. */
void native_complaint(const struct native_end *e, char *out, size_t size);

/*
 * Judge a finished run by what both ends wrote and how they exited (the
 * rules at the top of native_output.c), and fill res: 0 with res->valid
 * saying whether it can be trusted, or -ENOMEM.
 */
int native_judge(struct native_end *cl, struct native_end *sv, const struct engine_params *p,
		 const struct xfer_params *x, struct engine_result *res);

/* The intervals of the measured part from the receiving end's samples
 * (the rules at the function); 0 or -ENOMEM. */
int native_intervals(struct engine_result *res, const struct native_end *rx_end,
		     uint64_t period_us);

/* The sample interval the engine asks for when p says nothing. */
#define NATIVE_INTERVAL_US(p) ((p)->sample_interval_us ? (p)->sample_interval_us : XFER_INTERVAL_DEFAULT_US)

#endif
