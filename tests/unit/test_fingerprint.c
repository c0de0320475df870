/*
 * test_fingerprint: runner/measure/fingerprint.c.
 *
 * On this host: every field of the host and kernel fingerprint is filled
 * and sane (cores >= 1 and equal to sysconf, release equal to uname, the
 * config hash 64 hex digits when a config is readable, boot_mode one of
 * the documented forms) and the noise sample is plausible.
 * Pure helpers: debug markers from a fake /proc/kallsyms, config and
 * command line; the boot-mode classification from what a guest can see.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fingerprint.h"
#include "sha256.h"
#include "check.h"

static bool is_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void test_host(void)
{
	struct results_host h;
	struct diag d = DIAG_INIT;
	int r = fingerprint_host(&h, &d);

	check(r == 0, "fingerprint_host", "%s", diag_str(&d));
	printf("     hostname '%s' cpu '%s' cores %d governor %s\n", h.hostname, h.cpu_model,
	       h.cores, h.governor ? h.governor : "(none)");
	check(h.hostname && h.hostname[0], "hostname non-empty", "empty");
	check(h.cpu_model && h.cpu_model[0] && !strchr(h.cpu_model, '\n'),
	      "cpu model non-empty, one line", "'%s'", h.cpu_model ? h.cpu_model : "(null)");
	check(h.cores >= 1 && h.cores == (int)sysconf(_SC_NPROCESSORS_ONLN),
	      "cores >= 1 and online CPUs", "%d", h.cores);
	check(!h.governor || (h.governor[0] && !strchr(h.governor, '\n')),
	      "governor NULL or one word", "'%s'", h.governor);
	free(h.hostname);
	free(h.cpu_model);
	free(h.governor);
}

static void test_kernel(void)
{
	struct results_kernel k;
	struct diag d = DIAG_INIT;
	struct utsname u;
	char hash[SHA256_HEX_SIZE];
	int r = fingerprint_kernel(&k, &d);

	check(r == 0, "fingerprint_kernel", "%s", diag_str(&d));
	printf("     release '%s' config %s debug '%s' boot_mode '%s'\n     version '%s'\n",
	       k.release, k.config_hash ? k.config_hash : "(none)", k.debug, k.boot_mode,
	       k.version);
	uname(&u);
	check(k.release && !strcmp(k.release, u.release), "release equals uname -r", "'%s'",
	      k.release);
	check(k.version && !strncmp(k.version, "Linux version ", 14) &&
		      strstr(k.version, u.release) && !strchr(k.version, '\n'),
	      "version is /proc/version, one line, names the release", "'%s'", k.version);
	if (sha256_file_hex("/proc/config.gz", hash) == 0)
		check(k.config_hash && !strcmp(k.config_hash, hash),
		      "config hash is SHA-256 of /proc/config.gz", "%s", k.config_hash);
	else
		check(!k.config_hash || is_hex64(k.config_hash), "config hash NULL or 64 hex",
		      "%s", k.config_hash);
	check(k.debug != NULL, "debug markers recorded ('' when none)", "NULL");
	check(k.boot_mode && (!strcmp(k.boot_mode, "bare-metal") ||
			      !strcmp(k.boot_mode, "qemu-kvm") ||
			      !strcmp(k.boot_mode, "qemu-tcg") || !strncmp(k.boot_mode, "vm:", 3)),
	      "boot mode is one of the documented forms", "'%s'", k.boot_mode);
	free(k.release);
	free(k.version);
	free(k.config_hash);
	free(k.debug);
	free(k.boot_mode);
}

static void test_noise(void)
{
	struct fingerprint_noise n;
	int r = fingerprint_noise(&n);

	check(r == 0, "fingerprint_noise", "r %d", r);
	printf("     load1 %.2f load5 %.2f psi_cpu_some_avg10 %.2f cpu_mhz %ld mem_available %llu kB "
	       "running %u\n",
	       n.load1, n.load5, n.psi_cpu_some_avg10, n.cpu_mhz,
	       (unsigned long long)n.mem_available_kb, n.running_procs);
	check(n.load1 >= 0 && n.load5 >= 0, "load averages >= 0", "%f %f", n.load1, n.load5);
	check(n.running_procs >= 1, "at least this process is running", "%u", n.running_procs);
	check(n.mem_available_kb > 0, "MemAvailable read", "0");
	check(n.psi_cpu_some_avg10 == -1 ||
		      (n.psi_cpu_some_avg10 >= 0 && n.psi_cpu_some_avg10 <= 100),
	      "PSI avg10 is -1 or a percentage", "%f", n.psi_cpu_some_avg10);
	check(n.cpu_mhz == -1 || n.cpu_mhz > 0, "cpu MHz is -1 or positive", "%ld", n.cpu_mhz);
}

static const char kallsyms_plain[] =
	"0000000000000000 A fixed_percpu_data\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81001000 T do_one_initcall\n"
	"ffffffff81a00000 t kasan_report_something_else\n" /* not a marker */
	"ffffffff81a00010 T my_lockdep_init\n"		  /* not a marker */
	"ffffffffc0001000 t mptcp_diag_dump\t[mptcp_diag]\n";

static const char kallsyms_debug[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff82000000 T kasan_report\n"
	"ffffffff83000000 T lockdep_init\n"
	"ffffffff84000000 t kmemleak_init\n"
	"ffffffffc0002000 t __kcsan_check_access\t[somemod]\n"
	"ffffffff85000000 T _debug_pagealloc_enabled\n"; /* compiled in: not a marker */

static void test_debug_markers(void)
{
	char out[160];
	unsigned m;

	m = fingerprint_debug_scan(kallsyms_plain, strlen(kallsyms_plain), NULL, 0, NULL);
	fingerprint_debug_join(m, out, sizeof(out));
	check(m == 0 && !strcmp(out, ""), "plain kernel: no markers", "'%s'", out);

	m = fingerprint_debug_scan(kallsyms_debug, strlen(kallsyms_debug), NULL, 0, NULL);
	fingerprint_debug_join(m, out, sizeof(out));
	check(!strcmp(out, "kasan,lockdep,kmemleak,kcsan"), "debug kallsyms: four markers, in order",
	      "'%s'", out);

	/* Without the trailing newline the last line still counts. */
	m = fingerprint_debug_scan("1 T kmemleak_alloc", 18, NULL, 0, NULL);
	check(m == FINGERPRINT_DEBUG_KMEMLEAK, "last line without newline", "%x", m);
	m = fingerprint_debug_kallsyms_line("0000000000000000 T kasan_init", 29);
	check(m == FINGERPRINT_DEBUG_KASAN, "zeroed addresses (not root) still name symbols",
	      "%x", m);
	m = fingerprint_debug_kallsyms_line("garbage", 7);
	check(m == 0, "a line without a third field", "%x", m);

	{
		static const char cfg[] = "# CONFIG_KASAN is not set\nCONFIG_LOCKDEP=y\n"
					  "CONFIG_PROVE_LOCKING=y\nCONFIG_DEBUG_KMEMLEAK=n\n"
					  "CONFIG_KCSAN_WEAK_MEMORY=y\nCONFIG_KMSAN=y\n"
					  "CONFIG_DEBUG_PAGEALLOC=y\n";

		m = fingerprint_debug_scan(NULL, 0, cfg, strlen(cfg), NULL);
		fingerprint_debug_join(m, out, sizeof(out));
		check(!strcmp(out, "lockdep,kmsan"),
		      "config: '=y' only, whole names, pagealloc needs enabling", "'%s'", out);
	}
	m = fingerprint_debug_scan(NULL, 0, NULL, 0, "root=/dev/vda debug_pagealloc=on quiet");
	fingerprint_debug_join(m, out, sizeof(out));
	check(!strcmp(out, "debug_pagealloc"), "command line debug_pagealloc=on", "'%s'", out);
	m = fingerprint_debug_cmdline("nodebug_pagealloc=on debug_pagealloc=off");
	check(m == 0, "debug_pagealloc=off and look-alikes are not markers", "%x", m);
	m = fingerprint_debug_config_line("CONFIG_DEBUG_PAGEALLOC_ENABLE_DEFAULT=y", 39);
	check(m == FINGERPRINT_DEBUG_PAGEALLOC, "pagealloc enabled by default", "%x", m);

	check(fingerprint_debug_join(0x3f, out, 8) == -ENAMETOOLONG && out[0] == '\0',
	      "join into a short buffer", "'%s'", out);
	check(fingerprint_debug_join(0x3f, out, sizeof(out)) == 0 &&
		      !strcmp(out, "kasan,lockdep,kmemleak,kcsan,kmsan,debug_pagealloc"),
	      "all markers", "'%s'", out);
}

static void test_boot_mode(void)
{
	static const struct {
		const char *vendor;
		bool hv;
		const char *sig, *want;
	} cases[] = {
		{ NULL, false, NULL, "bare-metal" },
		{ "Dell Inc.", false, "", "bare-metal" },
		{ "Microsoft Corporation", false, NULL, "bare-metal" }, /* a Surface */
		{ "QEMU", true, "KVMKVMKVM", "qemu-kvm" },
		{ "QEMU", true, "TCGTCGTCGTCG", "qemu-tcg" },
		{ "QEMU", false, NULL, "vm:QEMU" }, /* TCG without the flag */
		{ "QEMU", true, "", "vm:QEMU" },
		{ NULL, true, "KVMKVMKVM", "vm:KVM" }, /* Firecracker: no DMI */
		{ "Amazon EC2", true, "KVMKVMKVM", "vm:KVM" },
		{ "Amazon EC2", false, NULL, "bare-metal" }, /* a .metal instance */
		{ "Microsoft Corporation", true, "Microsoft Hv", "vm:Hyper-V" },
		{ "VMware, Inc.", true, "VMwareVMware", "vm:VMware" },
		{ "innotek GmbH", false, NULL, "vm:innotek GmbH" },
		{ "", true, NULL, "vm:unknown" },
		{ "Acme", true, "weirdsig", "vm:Acme" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[160];
		int r;

		r = fingerprint_boot_mode(cases[i].vendor, cases[i].hv, cases[i].sig, out,
					  sizeof(out));
		snprintf(what, sizeof(what), "boot mode of vendor '%s' hv %d sig '%s': %s",
			 cases[i].vendor ? cases[i].vendor : "(none)", cases[i].hv,
			 cases[i].sig ? cases[i].sig : "(none)", cases[i].want);
		check(r == 0 && !strcmp(out, cases[i].want), what, "got '%s'", out);
	}
	check(fingerprint_boot_mode("QEMU", false, NULL, out, 4) == -ENAMETOOLONG,
	      "boot mode into a short buffer", "wrong");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_debug_markers();
	test_boot_mode();
	test_host();
	test_kernel();
	test_noise();
	printf("%u cases passed\n", check_count);
	return 0;
}
