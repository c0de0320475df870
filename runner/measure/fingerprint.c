/*
 * fingerprint.c: the identity of the host and of the kernel a run measured,
 * and how busy the host was.
 *
 * Everything comes from files the kernel exports (/proc, /sys) and, on
 * x86, the CPUID hypervisor leaf; no program is run. Debug kernels are
 * recognised the way MPTCP's simult_flows.sh does it, by symbols in
 * /proc/kallsyms (kasan_init, lockdep_init, kmemleak_init, ...), plus the
 * config text when /boot/config-<release> is there and the command line
 * for debug_pagealloc (compiled in, it costs nothing until switched on).
 * /proc/config.gz is hashed as raw bytes, never decompressed: the hash
 * identifies a build, and the kallsyms markers do not need the text.
 *
 * It never decides what the findings mean for a verdict (report/ does) and
 * prints nothing.
 */
#include "fingerprint.h"
#include "guest_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define FINGERPRINT_CPUID 1
#endif

#include "fdio.h"
#include "sha256.h"

#define CPUINFO_PATH "/proc/cpuinfo"
#define KALLSYMS_PATH "/proc/kallsyms"
#define CONFIG_GZ_PATH "/proc/config.gz"
#define GOVERNOR_PATH "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"
#define CUR_FREQ_PATH "/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq"
#define SYS_VENDOR_PATH "/sys/class/dmi/id/sys_vendor"

/* ---- small file helpers ------------------------------------------------------ */

/* Read a small file into buf (NUL-terminated, trailing whitespace removed).
 * 0 or a negative errno. */
static int read_small(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;
	int r;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	r = fdio_read_full(fd, buf, size - 1, &used);
	buf[r < 0 ? 0 : used] = '\0';
	if (r < 0)
		return r;
	while (used && (buf[used - 1] == '\n' || buf[used - 1] == ' ' || buf[used - 1] == '\t'))
		buf[--used] = '\0';
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* "model name\t: Intel(R) ..." -> key "model name", value "Intel(R) ...".
 * Modifies line; false if it has no colon. */
static bool split_key_value(char *line, char **key, char **value)
{
	char *colon = strchr(line, ':'), *end;

	if (!colon)
		return false;
	end = colon;
	while (end > line && is_blank(end[-1]))
		end--;
	*end = '\0';
	*key = line;
	for (colon++; *colon && is_blank(*colon); colon++)
		;
	end = colon + strlen(colon);
	while (end > colon && is_blank(end[-1]))
		end--;
	*end = '\0';
	*value = colon;
	return true;
}

/* Does the blank-separated list contain word? */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		bool start = p == list || is_blank(p[-1]);
		bool end = p[n] == '\0' || is_blank(p[n]);

		if (start && end)
			return true;
		p += n;
	}
	return false;
}

/* What the host's CPU says of itself in /proc/cpuinfo: the first value of
 * each key (the first processor's block). */
struct cpuinfo {
	char *model;	/* malloc'd, NULL if no key matched */
	bool hypervisor;
	long mhz;	/* -1 if absent */
};

static int cpuinfo_read(struct cpuinfo *ci)
{
	/* "model name" on x86 and recent arm64; the others for older arm,
	 * powerpc ("cpu") and mips ("cpu model"). */
	static const char *const model_keys[] = { "model name", "Model", "Hardware", "cpu model",
						  "cpu" };
	unsigned model_rank = ARRAY_SIZE(model_keys);
	FILE *f = fopen(CPUINFO_PATH, "re");
	char *line = NULL, *key, *value;
	bool flags_seen = false;
	size_t cap = 0;
	int r = 0;

	memset(ci, 0, sizeof(*ci));
	ci->mhz = -1;
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (!split_key_value(line, &key, &value))
			continue;
		if (!flags_seen && !strcmp(key, "flags")) {
			flags_seen = true;
			ci->hypervisor = has_word(value, "hypervisor");
		} else if (ci->mhz < 0 && !strcmp(key, "cpu MHz")) {
			ci->mhz = strtol(value, NULL, 10);
		}
		for (unsigned i = 0; i < model_rank; i++) {
			if (strcmp(key, model_keys[i]) || !value[0])
				continue;
			free(ci->model);
			ci->model = strdup(value);
			if (!ci->model) {
				r = -ENOMEM;
				goto out;
			}
			model_rank = i;
			break;
		}
	}
out:
	free(line);
	fclose(f);
	if (r < 0) {
		free(ci->model);
		ci->model = NULL;
	}
	return r;
}

/* ---- host ---------------------------------------------------------------- */

int fingerprint_host(struct results_host *h, struct diag *d)
{
	struct results_host out = { 0 };
	struct cpuinfo ci;
	char host[256], gov[64];
	long cores;
	int r;

	memset(h, 0, sizeof(*h));
	if (gethostname(host, sizeof(host)) < 0)
		return diag_set(d, -errno, "cannot read the host name: %m");
	host[sizeof(host) - 1] = '\0';
	r = cpuinfo_read(&ci);
	if (r < 0)
		return diag_set(d, r, "cannot read '%s': %s", CPUINFO_PATH, strerror(-r));
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1) {
		free(ci.model);
		return diag_set(d, -EIO, "cannot count the online CPUs: %m");
	}

	out.cores = (int)cores;
	out.hostname = strdup(host);
	out.cpu_model = ci.model ? ci.model : strdup("unknown");
	ci.model = NULL;
	/* No cpufreq (most VMs): governor stays NULL, as results.h allows. */
	if (read_small(GOVERNOR_PATH, gov, sizeof(gov)) == 0 && gov[0]) {
		out.governor = strdup(gov);
		if (!out.governor)
			goto nomem;
	}
	if (!out.hostname || !out.cpu_model)
		goto nomem;
	*h = out;
	return 0;
nomem:
	free(out.hostname);
	free(out.cpu_model);
	free(out.governor);
	return diag_set(d, -ENOMEM, "cannot record the host: out of memory");
}

/* ---- debug markers ------------------------------------------------------- */

static const struct debug_marker {
	unsigned bit;
	const char *name;
	const char *symbols[3]; /* any one in /proc/kallsyms */
	const char *configs[3]; /* any one "=y" in the config */
} debug_markers[] = {
	{ FINGERPRINT_DEBUG_KASAN, "kasan", { "kasan_init", "kasan_report" }, { "CONFIG_KASAN" } },
	/* prove_locking is not a symbol, simult_flows.sh looks for it anyway */
	{ FINGERPRINT_DEBUG_LOCKDEP, "lockdep", { "lockdep_init", "prove_locking" },
	  { "CONFIG_LOCKDEP", "CONFIG_PROVE_LOCKING" } },
	{ FINGERPRINT_DEBUG_KMEMLEAK, "kmemleak", { "kmemleak_init", "kmemleak_alloc" },
	  { "CONFIG_DEBUG_KMEMLEAK" } },
	{ FINGERPRINT_DEBUG_KCSAN, "kcsan", { "kcsan_init", "__kcsan_check_access" },
	  { "CONFIG_KCSAN" } },
	{ FINGERPRINT_DEBUG_KMSAN, "kmsan", { "kmsan_init_runtime", "__msan_warning" },
	  { "CONFIG_KMSAN" } },
	/* Compiled in, debug_pagealloc is off unless enabled by default or on
	 * the command line: its symbols prove nothing. */
	{ FINGERPRINT_DEBUG_PAGEALLOC, "debug_pagealloc", { NULL },
	  { "CONFIG_DEBUG_PAGEALLOC_ENABLE_DEFAULT" } },
};

unsigned fingerprint_debug_kallsyms_line(const char *line, size_t len)
{
	const char *p = line, *end = line + len, *name;
	size_t name_len;
	unsigned mask = 0;
	int field;

	/* "address type name [module]": the name is the third field. */
	for (field = 0; field < 2; field++) {
		while (p < end && !is_blank(*p))
			p++;
		while (p < end && is_blank(*p))
			p++;
	}
	name = p;
	while (p < end && !is_blank(*p))
		p++;
	name_len = (size_t)(p - name);
	if (!name_len)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(debug_markers); i++)
		for (size_t s = 0; s < ARRAY_SIZE(debug_markers[i].symbols); s++) {
			const char *sym = debug_markers[i].symbols[s];

			if (sym && strlen(sym) == name_len && !memcmp(sym, name, name_len))
				mask |= debug_markers[i].bit;
		}
	return mask;
}

unsigned fingerprint_debug_config_line(const char *line, size_t len)
{
	unsigned mask = 0;

	for (size_t i = 0; i < ARRAY_SIZE(debug_markers); i++)
		for (size_t c = 0; c < ARRAY_SIZE(debug_markers[i].configs); c++) {
			const char *cfg = debug_markers[i].configs[c];
			size_t n;

			if (!cfg)
				continue;
			n = strlen(cfg);
			if (len >= n + 2 && !memcmp(line, cfg, n) && line[n] == '=' &&
			    line[n + 1] == 'y' && (len == n + 2 || is_blank(line[n + 2])))
				mask |= debug_markers[i].bit;
		}
	return mask;
}

unsigned fingerprint_debug_cmdline(const char *cmdline)
{
	if (!cmdline)
		return 0;
	if (has_word(cmdline, "debug_pagealloc=on") || has_word(cmdline, "debug_pagealloc=1"))
		return FINGERPRINT_DEBUG_PAGEALLOC;
	return 0;
}

static unsigned scan_lines(const char *text, size_t len,
			   unsigned (*match)(const char *line, size_t len))
{
	const char *p = text, *end = text + len, *nl;
	unsigned mask = 0;

	while (p && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		mask |= match(p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
	}
	return mask;
}

unsigned fingerprint_debug_scan(const char *kallsyms, size_t kallsyms_len, const char *config,
				size_t config_len, const char *cmdline)
{
	unsigned mask = fingerprint_debug_cmdline(cmdline);

	if (kallsyms)
		mask |= scan_lines(kallsyms, kallsyms_len, fingerprint_debug_kallsyms_line);
	if (config)
		mask |= scan_lines(config, config_len, fingerprint_debug_config_line);
	return mask;
}

int fingerprint_debug_join(unsigned mask, char *out, size_t size)
{
	size_t used = 0;

	if (!size)
		return -ENAMETOOLONG;
	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(debug_markers); i++) {
		int w;

		if (!(mask & debug_markers[i].bit))
			continue;
		w = snprintf(out + used, size - used, "%s%s", used ? "," : "",
			     debug_markers[i].name);
		if (w < 0 || (size_t)w >= size - used) {
			out[0] = '\0';
			return -ENAMETOOLONG;
		}
		used += (size_t)w;
	}
	return 0;
}

/* Stream a (possibly large) file line by line through match. */
static int scan_file(const char *path, unsigned (*match)(const char *line, size_t len),
		     unsigned *mask)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return -errno;
	while ((n = getline(&line, &cap, f)) > 0)
		*mask |= match(line, (size_t)n);
	free(line);
	fclose(f);
	return 0;
}

/* ---- boot mode ------------------------------------------------------------ */

static const struct {
	const char *signature; /* CPUID 0x40000000 EBX ECX EDX, NULs cut */
	const char *name;
} hv_names[] = {
	{ "KVMKVMKVM", "KVM" },
	{ "TCGTCGTCGTCG", "TCG" },
	{ "Microsoft Hv", "Hyper-V" },
	{ "VMwareVMware", "VMware" },
	{ "XenVMMXenVMM", "Xen" },
	{ "bhyve bhyve ", "bhyve" },
	{ "VBoxVBoxVBox", "VirtualBox" },
	{ "ACRNACRNACRN", "ACRN" },
};

/* DMI vendors that only virtual machines report (Microsoft and Amazon also
 * sell bare metal: for them the hypervisor flag decides). */
static const char *const vm_vendors[] = {
	"QEMU", "innotek GmbH", "VMware, Inc.", "Xen", "BHYVE",
	"Parallels Software International Inc.",
};

int fingerprint_boot_mode(const char *sys_vendor, bool hypervisor_flag, const char *hv_signature,
			  char *out, size_t size)
{
	const char *hv = NULL, *what;
	bool vm_vendor = false;

	if (sys_vendor && !sys_vendor[0])
		sys_vendor = NULL;
	for (size_t i = 0; hv_signature && i < ARRAY_SIZE(hv_names); i++)
		if (!strcmp(hv_signature, hv_names[i].signature))
			hv = hv_names[i].name;
	for (size_t i = 0; sys_vendor && i < ARRAY_SIZE(vm_vendors); i++)
		if (!strcmp(sys_vendor, vm_vendors[i]))
			vm_vendor = true;

	if (sys_vendor && !strcmp(sys_vendor, "QEMU") && hv && !strcmp(hv, "KVM"))
		return xsnprintf(out, size, "qemu-kvm");
	if (sys_vendor && !strcmp(sys_vendor, "QEMU") && hv && !strcmp(hv, "TCG"))
		return xsnprintf(out, size, "qemu-tcg");
	if (!hypervisor_flag && !vm_vendor)
		return xsnprintf(out, size, "bare-metal");
	what = hv ? hv : sys_vendor ? sys_vendor : "unknown";
	return xsnprintf(out, size, "vm:%s", what);
}

/* The CPUID hypervisor signature, "" when there is none. Only asked when
 * the hypervisor flag is set: on bare metal leaf 0x40000000 is not
 * defined and returns whatever the highest basic leaf holds. */
static void hv_signature(bool hypervisor_flag, char out[13])
{
	out[0] = '\0';
#ifdef FINGERPRINT_CPUID
	if (hypervisor_flag) {
		unsigned eax, ebx, ecx, edx;

		__cpuid(0x40000000, eax, ebx, ecx, edx);
		memcpy(out, &ebx, 4);
		memcpy(out + 4, &ecx, 4);
		memcpy(out + 8, &edx, 4);
		out[12] = '\0';
		for (unsigned i = 0; out[i]; i++)
			if (out[i] < 0x20 || out[i] > 0x7e) {
				out[0] = '\0';
				break;
			}
	}
#else
	(void)hypervisor_flag;
#endif
}

/* ---- kernel -------------------------------------------------------------- */

static void kernel_release(struct results_kernel *k)
{
	free(k->release);
	free(k->version);
	free(k->config_hash);
	free(k->debug);
	free(k->boot_mode);
	memset(k, 0, sizeof(*k));
}

int fingerprint_kernel(struct results_kernel *k, struct diag *d)
{
	struct results_kernel out = { 0 };
	char version[1024], hash[SHA256_HEX_SIZE], path[320], cmdline[4096];
	char vendor[128], signature[13], debug[160], mode[160];
	const char *accel;
	struct cpuinfo ci;
	struct utsname u;
	unsigned mask = 0;
	int r;

	memset(k, 0, sizeof(*k));
	if (uname(&u) < 0)
		return diag_set(d, -errno, "cannot read the kernel release: %m");
	r = read_small("/proc/version", version, sizeof(version));
	if (r < 0)
		return diag_set(d, r, "cannot read '/proc/version': %s", strerror(-r));
	/* A guest's config is not on the host root it sees: the host names
	 * the file it found next to the image (vm.c). */
	if (getenv(GUEST_ENV_CONFIG) && getenv(GUEST_ENV_CONFIG)[0] == '/') {
		if (xsnprintf(path, sizeof(path), "%s", getenv(GUEST_ENV_CONFIG)) < 0)
			return diag_set(d, -ENAMETOOLONG, "%s is too long", GUEST_ENV_CONFIG);
	} else if (xsnprintf(path, sizeof(path), "/boot/config-%s", u.release) < 0) {
		return diag_set(d, -ENAMETOOLONG, "kernel release '%s' is too long", u.release);
	}

	out.release = strdup(u.release);
	out.version = strdup(version);
	if (!out.release || !out.version)
		goto nomem;
	if (sha256_file_hex(CONFIG_GZ_PATH, hash) == 0 || sha256_file_hex(path, hash) == 0) {
		out.config_hash = strdup(hash);
		if (!out.config_hash)
			goto nomem;
	}

	/* Each source is optional: kallsyms can be hidden, the config absent. */
	scan_file(KALLSYMS_PATH, fingerprint_debug_kallsyms_line, &mask);
	scan_file(path, fingerprint_debug_config_line, &mask);
	if (read_small("/proc/cmdline", cmdline, sizeof(cmdline)) == 0)
		mask |= fingerprint_debug_cmdline(cmdline);
	r = fingerprint_debug_join(mask, debug, sizeof(debug));
	if (r < 0) {
		kernel_release(&out);
		return diag_set(d, r, "cannot record the kernel's debug markers");
	}
	out.debug = strdup(debug);
	if (!out.debug)
		goto nomem;

	r = cpuinfo_read(&ci);
	if (r < 0) {
		kernel_release(&out);
		return diag_set(d, r, "cannot read '%s': %s", CPUINFO_PATH, strerror(-r));
	}
	free(ci.model);
	hv_signature(ci.hypervisor, signature);
	if (read_small(SYS_VENDOR_PATH, vendor, sizeof(vendor)) < 0)
		vendor[0] = '\0';
	r = fingerprint_boot_mode(vendor, ci.hypervisor, signature, mode, sizeof(mode));
	if (r < 0) {
		kernel_release(&out);
		return diag_set(d, r, "cannot record the boot mode of vendor '%s'", vendor);
	}
	/* Our own guest init says which accelerator booted it: CPUID does
	 * not tell TCG from KVM on every qemu version. */
	accel = getenv(GUEST_ENV_ACCEL);
	if (accel && (!strcmp(accel, "kvm") || !strcmp(accel, "tcg")))
		snprintf(mode, sizeof(mode), "qemu-%s", accel);
	out.boot_mode = strdup(mode);
	if (!out.boot_mode)
		goto nomem;
	*k = out;
	return 0;
nomem:
	kernel_release(&out);
	return diag_set(d, -ENOMEM, "cannot record the kernel: out of memory");
}

/* ---- noise ----------------------------------------------------------------- */

/* "some avg10=16.37 avg60=13.24 ...": the avg10 of the "some" line. */
static double psi_some_avg10(const char *text)
{
	const char *p = strstr(text, "some ");

	if (!p || (p != text && p[-1] != '\n'))
		return -1;
	p = strstr(p, "avg10=");
	if (!p)
		return -1;
	return strtod(p + strlen("avg10="), NULL);
}

static int meminfo_available_kb(uint64_t *kb)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char *line = NULL, *key, *value;
	size_t cap = 0;
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (!split_key_value(line, &key, &value) || strcmp(key, "MemAvailable"))
			continue;
		*kb = strtoull(value, NULL, 10); /* "1234 kB" */
		r = 0;
		break;
	}
	free(line);
	fclose(f);
	return r;
}

int fingerprint_noise(struct fingerprint_noise *n)
{
	char buf[512];
	unsigned running, total;
	struct cpuinfo ci;
	int r;

	memset(n, 0, sizeof(*n));
	n->psi_cpu_some_avg10 = -1;
	n->cpu_mhz = -1;

	r = read_small("/proc/loadavg", buf, sizeof(buf));
	if (r < 0)
		return r;
	/* "1.78 0.93 0.42 4/102 1584" */
	if (sscanf(buf, "%lf %lf %*f %u/%u", &n->load1, &n->load5, &running, &total) != 4)
		return -EPROTO;
	n->running_procs = running;
	r = meminfo_available_kb(&n->mem_available_kb);
	if (r < 0)
		return r;

	if (read_small("/proc/pressure/cpu", buf, sizeof(buf)) == 0)
		n->psi_cpu_some_avg10 = psi_some_avg10(buf);
	if (read_small(CUR_FREQ_PATH, buf, sizeof(buf)) == 0 && buf[0])
		n->cpu_mhz = strtol(buf, NULL, 10) / 1000; /* kHz */
	else if (cpuinfo_read(&ci) == 0) {
		free(ci.model);
		n->cpu_mhz = ci.mhz;
	}
	return 0;
}
