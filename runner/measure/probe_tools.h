/*
 * probe_tools: capabilities that need programs or devices rather than the
 * network stack (lab_probe() covers those): iperf3 and how to make it use
 * MPTCP, gnuplot, qemu, bpftool, and whether KVM really runs a guest.
 * Results use struct lab_cap, so `check` reports both lists alike.
 */
#ifndef MPL_PROBE_TOOLS_H
#define MPL_PROBE_TOOLS_H

#include <stddef.h>

#include "diag.h"
#include "lab_probe.h"

/* Probe every tool; *caps is allocated (caller frees). A missing program
 * is a result with its reason in detail; only running out of memory
 * fails. Capabilities: tool.iperf3 (detail: version, "3.12"),
 * iperf3.mptcp ("-m" when iperf3 has --mptcp, else "mptcpize" when the
 * mptcpize LD_PRELOAD library loads into iperf3), tool.gnuplot,
 * tool.qemu, kvm, tool.bpftool. */
int probe_tools(struct lab_cap **caps, unsigned *n, struct diag *d);

/* What runs use, probed now: iperf3, its MPTCP method, bpftool. The
 * capabilities runs rarely need (tool.gnuplot, tool.qemu, kvm: cold, in a
 * TCG guest, 0.5-1.5 s each before the first run) are in the list too,
 * unavailable with the detail PROBE_TOOLS_DEFERRED, until
 * probe_tools_resolve() probes one (when a scenario requires it). */
int probe_tools_for_runs(struct lab_cap **caps, unsigned *n, struct diag *d);
#define PROBE_TOOLS_DEFERRED "not probed yet"
/* Probe cap now if probe_tools_for_runs() deferred it; else nothing. */
void probe_tools_resolve(struct lab_cap *cap);

/* Path of Debian's mptcpize LD_PRELOAD library (libmptcpwrap.so) that
 * loads into iperf3, or -ENOENT. For the traffic engine, which must say
 * in the run record how iperf3 was made to use MPTCP. */
int probe_tools_mptcpize_lib(char *path, size_t size, struct diag *d);

#endif
