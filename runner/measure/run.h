/*
 * run: one measurement, from a fresh lab to a complete struct
 * results_run, and the context shared by the runs of one command.
 *
 *   capabilities? -> variant applies? -> lab up -> MIB counters before ->
 *   traffic (timed events, a mid-run look at the MPTCP sockets) -> MIB
 *   counters after -> was MPTCP really used, did the subflows join? ->
 *   metrics -> lab down
 *
 * A run is `ok` only if the traffic tool's output was trustworthy, MPTCP
 * did not fall back to TCP and the expected subflows joined; otherwise it
 * is `invalid` (or `skipped` for a missing capability, `failed` when the
 * lab or the tool failed), always with the reason.
 */
#ifndef MPL_RUN_H
#define MPL_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "lab_probe.h"
#include "results.h"
#include "scenario.h"
#include "variant.h"

/* The steps of a run as they happen, for a caller's timeline (`run
 * --timeline`): "lab up" once the lab is built, "transfer over" once the
 * engine returned. */
struct run_steps {
	void (*step)(void *arg, const char *what);
	void *arg;
};

struct run_env {
	struct lab_cap *caps; /* kernel and tool capabilities, probed once */
	unsigned n_caps;
	struct results_host host;
	struct results_kernel kernel;
	const char *const *tags; /* "key=value" stored with every run */
	size_t n_tags;
	/* Drawn by run_env_init: every run made with this env is also
	 * tagged invocation=<id>, so one invocation's runs can be selected
	 * as one candidate (until-decided, bisect-run). */
	char invocation[32];
	const char *const *sets; /* --set overrides, stored with every run (the
				  * scenario hash is of the file alone) */
	size_t n_sets;
	const volatile sig_atomic_t *cancel;
	const struct run_steps *steps; /* may be NULL */
};

int run_env_init(struct run_env *env, struct diag *d);
void run_env_release(struct run_env *env);

/* Run once. Returns 0 with *run filled (any status), -EINTR when
 * cancelled (nothing to store: *run is released), or another negative
 * errno for an internal error. */
int run_one(struct run_env *env, const struct scenario *s, const struct variant *v,
	    unsigned repetition, struct results_run *run, struct diag *d);

/* The goodput the shaped paths allow as built, before any timed event:
 * the sum over paths of the rate in the traffic's direction(s) times the
 * payload share of a full frame, (MTU - IP header - TCP header with
 * timestamps) / (MTU + 14) (derive.h). 0 when a path is not rate-limited.
 * What a run's timeout is sized from; its efficiency follows the events
 * (run_ideal()). */
double run_ideal_goodput_bps(const struct scenario *s, const struct lab_spec *spec);

/* The scenario's timed events into run->timed_events, in its order, as
 * they were applied: applied_us[i] on the run's time line for the first
 * n_applied events, the others not applied (-1). -ENOMEM only. */
int run_timed_events(const struct scenario *s, const uint64_t *applied_us, size_t n_applied,
		     struct results_run *run);

/*
 * The ideal goodput of a run whose measured part began at measure_from_us
 * on the run's time line and lasted measure_us: the time-weighted mean of
 * what the shaped paths allowed, step by step as run->timed_events changed
 * them (derive.h), into *ideal_bps (NaN when a path in use is not
 * rate-limited); and each of run->intervals' own ideal over its span.
 * -ENOMEM only.
 */
int run_ideal(const struct scenario *s, struct results_run *run, uint64_t measure_from_us,
	      uint64_t measure_us, double *ideal_bps);

/* The server address a scenario's traffic goes to. */
int run_target_addr(const struct scenario *s, struct lab_addr *addr);
/* The same for a topology: the server's address of this family on the
 * last link of the path ("" or NULL: the first path). -ENOENT: none. */
int run_server_addr(const struct topology *t, const char *path, int family,
		    struct lab_addr *addr);

#endif
