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

/* Path of Debian's mptcpize LD_PRELOAD library (libmptcpwrap.so) that
 * loads into iperf3, or -ENOENT. For the traffic engine, which must say
 * in the run record how iperf3 was made to use MPTCP. */
int probe_tools_mptcpize_lib(char *path, size_t size, struct diag *d);

#endif
