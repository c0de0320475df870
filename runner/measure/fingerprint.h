/*
 * fingerprint: who measured. The host (CPU, cores, frequency governor),
 * the kernel (release, build string, config hash, debug instrumentation,
 * bare metal or VM) and how busy the host was around a run.
 *
 * A run is only comparable with another when these match, so they are
 * stored with every run (results_host, results_kernel, results_run.noise).
 * Nothing here prints.
 */
#ifndef MPL_FINGERPRINT_H
#define MPL_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "results.h"

/* hostname, /proc/cpuinfo "model name", online cores (sysconf), cpufreq
 * governor of cpu0 (NULL when the host has no cpufreq, as in most VMs).
 * Strings are malloc'd (results_run_release frees them). On failure h is
 * left empty. */
int fingerprint_host(struct results_host *h, struct diag *d);

/*
 * uname release, /proc/version, SHA-256 of /proc/config.gz (its raw bytes)
 * or else of /boot/config-<release> (NULL if neither is readable), debug
 * instrumentation found in /proc/kallsyms, the config text and the command
 * line ("kasan,lockdep", "" if none), and boot_mode: "bare-metal",
 * "qemu-kvm", "qemu-tcg" or "vm:<what>" as far as the guest can tell (the
 * runner overrides it when it boots the VM itself). On failure k is left
 * empty.
 */
int fingerprint_kernel(struct results_kernel *k, struct diag *d);

/* How busy the host is right now: sampled before (and after) a run. */
struct fingerprint_noise {
	double load1, load5;		/* /proc/loadavg */
	double psi_cpu_some_avg10;	/* /proc/pressure/cpu, -1 if absent */
	long cpu_mhz;			/* cpufreq of cpu0, else /proc/cpuinfo; -1 */
	uint64_t mem_available_kb;	/* /proc/meminfo MemAvailable */
	unsigned running_procs;		/* runnable entities, this reader included */
};

/* 0, or a negative errno when /proc/loadavg or /proc/meminfo cannot be
 * read; the optional fields are -1 when absent. */
int fingerprint_noise(struct fingerprint_noise *n);

/* ---- pure helpers (exposed for unit tests) ------------------------------- */

/* Bits of the debug markers, in the order they are printed. */
enum fingerprint_debug {
	FINGERPRINT_DEBUG_KASAN = 1u << 0,
	FINGERPRINT_DEBUG_LOCKDEP = 1u << 1,
	FINGERPRINT_DEBUG_KMEMLEAK = 1u << 2,
	FINGERPRINT_DEBUG_KCSAN = 1u << 3,
	FINGERPRINT_DEBUG_KMSAN = 1u << 4,
	FINGERPRINT_DEBUG_PAGEALLOC = 1u << 5,
};

/* Markers in one /proc/kallsyms line ("ffffffff8123 T kasan_report"). */
unsigned fingerprint_debug_kallsyms_line(const char *line, size_t len);
/* Markers in one kernel config line ("CONFIG_KASAN=y"). */
unsigned fingerprint_debug_config_line(const char *line, size_t len);
/* Markers in a kernel command line ("debug_pagealloc=on"). */
unsigned fingerprint_debug_cmdline(const char *cmdline);
/* Markers of whole texts; any may be NULL. */
unsigned fingerprint_debug_scan(const char *kallsyms, size_t kallsyms_len,
				const char *config, size_t config_len, const char *cmdline);
/* "kasan,lockdep" ("" for 0); -ENAMETOOLONG if size is too small. */
int fingerprint_debug_join(unsigned mask, char *out, size_t size);

/*
 * boot_mode from what a guest can see: the DMI sys_vendor (NULL if
 * absent), the "hypervisor" CPU flag, and the CPUID hypervisor signature
 * (leaf 0x40000000, "KVMKVMKVM", "TCGTCGTCGTCG"; NULL or "" if none).
 */
int fingerprint_boot_mode(const char *sys_vendor, bool hypervisor_flag,
			  const char *hv_signature, char *out, size_t size);

#endif
