/*
 * bench_engines: the two traffic engines side by side where the harness
 * itself is the bottleneck: goodput, and CPU seconds per GiB of the
 * client and the server process.
 *
 *   bench_engines [-n ROUNDS] [-d SECONDS] [--cc NAME]... [--setup two-path|direct]...
 *
 * Setups (both unshaped, so nothing but the hosts' CPUs limits the rate):
 *   two-path  topologies/two-path.json with the paths' shaping removed:
 *             client, two routers, server; one MPTCP connection with two
 *             subflows, forwarded through the routers;
 *   direct    one veth pair between client and server (built from the
 *             topology below), one subflow.
 *
 * Every transfer is what a run does (runner/measure/run.c): a fresh lab
 * (lab_up), the engine of engine.h with the same parameters (an upload
 * of SECONDS, no warm-up, one connection, the default sample interval,
 * the congestion control NAME set on the sockets), then lab_down. Each
 * setup is measured with each --cc given, by default CUBIC (what smoke
 * pins) and "" (the namespaces' default, what the other shipped scenarios
 * run with: BBR on this host, under which MPTCP on an unshaped veth is
 * paced well below what the CPUs allow). For every setup, ROUNDS rounds of one iperf3 and one
 * native transfer, the order alternating from round to round (ABBA), so
 * drift of the machine hits both engines alike. The MPTCP counters of the
 * server's namespace witness that MPTCP was used and how many subflows
 * joined.
 *
 * Figures per transfer:
 *   goodput     the receiver's, as each engine reports it
 *   CPU-s/GiB   user + system time of the whole client (server) process,
 *               as the kernel accounted it when the engine reaped it
 *               (wait4), over the bytes the receiver got; softirq work
 *               the kernel does elsewhere (ksoftirqd) is in neither
 * and per setup and engine the median with the range, and the ratios
 * native / iperf3 of the medians.
 *
 * Needs root, iperf3 (and mptcpize when iperf3 has no -m), and the
 * mptcp-lab binary for the native engine: $MPL_BIN, else ../mptcp-lab
 * next to this program. Paths default to the source tree
 * (MPL_SOURCE_DIR, else the current directory). Runs under
 * `flock /tmp/mpl-quiet.lock` on a shared machine.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"
#include "engine.h"
#include "exitcodes.h"
#include "lab.h"
#include "lab_mptcp.h"
#include "mtime.h"
#include "run.h"
#include "topology.h"

#define BENCH_DEFAULT_ROUNDS 5
#define BENCH_DEFAULT_SECONDS 4
#define BENCH_MAX_ROUNDS 100
#define BENCH_PORT 5201
#define GIB (1024.0 * 1024.0 * 1024.0)

/* One veth pair, client to server, nothing else. */
static const char bench_direct_json[] =
	"{\"name\": \"direct\", \"client\": \"client\", \"server\": \"server\",\n"
	" \"nodes\": {\"client\": {\"mptcp\": {\"limits\": {\"subflows\": 0, "
	"\"add_addr_accepted\": 0}}},\n"
	"           \"server\": {\"mptcp\": {\"limits\": {\"subflows\": 0, "
	"\"add_addr_accepted\": 0}}}},\n"
	" \"links\": [{\"name\": \"c-s\",\n"
	"   \"a\": {\"node\": \"client\", \"ifname\": \"eth1\", \"addresses\": "
	"[\"10.9.1.1/24\"]},\n"
	"   \"b\": {\"node\": \"server\", \"ifname\": \"eth1\", \"addresses\": "
	"[\"10.9.1.2/24\"]}}],\n"
	" \"paths\": {\"direct\": {\"links\": [\"c-s\"]}}}\n";

enum { ENG_IPERF3, ENG_NATIVE, ENG_N };

struct bench_sample {
	bool ok;
	double goodput_bps;
	double cpu_client_s_gib, cpu_server_s_gib;
	uint64_t joins;
	char why[256];
};

struct bench_setup {
	const char *name, *which;
	const char *cc; /* "": the namespaces' default */
	char cc_shown[40];
	struct topology topo;
	struct bench_sample s[ENG_N][BENCH_MAX_ROUNDS];
};

static volatile sig_atomic_t bench_cancel;

static void bench_on_signal(int sig)
{
	(void)sig;
	bench_cancel = 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static uint64_t bench_mib(const struct lab_mib *m, const char *name)
{
	uint64_t v = 0;

	lab_mib_get(m, name, &v);
	return v;
}

/* One transfer on a fresh lab. */
static int bench_one(struct bench_setup *su, const struct engine_ops *eng, uint64_t duration_us,
		     struct bench_sample *out)
{
	struct lab_opts lo = { .cancel = &bench_cancel };
	struct lab_spec *spec = malloc(sizeof(*spec));
	struct lab *lab = NULL;
	struct diag d = DIAG_INIT, dd = DIAG_INIT;
	struct engine_target t = { .port = BENCH_PORT };
	struct engine_params p = { .direction = ENGINE_UPLOAD, .duration_us = duration_us,
				   .streams = 1 };
	struct engine_hooks h = { .cancel = &bench_cancel };
	struct engine_result res = { 0 };
	struct lab_mib before = { 0 }, after = { 0 };
	struct lab_addr server;
	char addr[64];
	int r, sfd;

	memset(out, 0, sizeof(*out));
	snprintf(p.congestion, sizeof(p.congestion), "%s", su->cc);
	if (!spec)
		return -ENOMEM;
	*spec = su->topo.spec;
	snprintf(spec->client, sizeof(spec->client), "%s", su->topo.client);
	snprintf(spec->server, sizeof(spec->server), "%s", su->topo.server);
	r = lab_random_name("be", spec->name, sizeof(spec->name));
	if (r >= 0)
		r = run_server_addr(&su->topo, "", AF_INET, &server);
	if (r >= 0)
		lab_addr_format(&server, false, addr, sizeof(addr));
	if (r < 0) {
		snprintf(out->why, sizeof(out->why), "no server address or lab name");
		goto out;
	}
	r = lab_up(spec, &lo, &lab, &d);
	if (r < 0) {
		snprintf(out->why, sizeof(out->why), "%s", diag_str(&d));
		goto out;
	}
	t.client_netns_fd = lab_netns_fd(lab, su->topo.client);
	sfd = t.server_netns_fd = lab_netns_fd(lab, su->topo.server);
	t.server_addr = addr;
	if (lab_mib_read(sfd, &before, &d) < 0) {
		r = -EIO;
		snprintf(out->why, sizeof(out->why), "%s", diag_str(&d));
		goto out;
	}
	r = eng->run(&t, &p, &h, &res, &d);
	if (r < 0) {
		snprintf(out->why, sizeof(out->why), "%s", diag_str(&d));
		goto out;
	}
	if (!res.valid) {
		snprintf(out->why, sizeof(out->why), "%s", res.reason);
		goto out;
	}
	if (su->cc[0] && res.cc_sender[0] && strcmp(res.cc_sender, su->cc)) {
		snprintf(out->why, sizeof(out->why), "the sender used '%s', not '%s'", res.cc_sender,
			 su->cc);
		goto out;
	}
	if (lab_mib_read(sfd, &after, &d) < 0) {
		snprintf(out->why, sizeof(out->why), "%s", diag_str(&d));
		goto out;
	}
	/* counters appear with the namespace's first MPTCP socket */
	if (!bench_mib(&after, "MPCapableSYNRX") ||
	    bench_mib(&after, "MPCapableSYNRX") == bench_mib(&before, "MPCapableSYNRX")) {
		snprintf(out->why, sizeof(out->why), "the server received no MP_CAPABLE SYN");
		goto out;
	}
	out->joins = bench_mib(&after, "MPJoinAckRx") - bench_mib(&before, "MPJoinAckRx");
	if (!res.bytes || !res.cpu_client_us || !res.cpu_server_us) {
		snprintf(out->why, sizeof(out->why), "no bytes or no CPU time (%llu, %llu, %llu)",
			 (unsigned long long)res.bytes, (unsigned long long)res.cpu_client_us,
			 (unsigned long long)res.cpu_server_us);
		goto out;
	}
	out->ok = true;
	out->goodput_bps = res.goodput_bps;
	out->cpu_client_s_gib = (double)res.cpu_client_us / 1e6 / ((double)res.bytes / GIB);
	out->cpu_server_s_gib = (double)res.cpu_server_us / 1e6 / ((double)res.bytes / GIB);
out:
	engine_result_release(&res);
	if (lab_down(lab, &dd) < 0 && r >= 0) {
		fprintf(stderr, "bench_engines: cannot tear down the lab: %s\n", diag_str(&dd));
		r = -EIO;
	}
	free(spec);
	return r == -EINTR ? r : 0;
}

struct bench_stat {
	size_t n;
	double med, min, max;
};

static struct bench_stat bench_stat_of(const struct bench_sample *s, size_t n, size_t off)
{
	double v[BENCH_MAX_ROUNDS];
	struct bench_stat st = { 0 };

	for (size_t i = 0; i < n; i++)
		if (s[i].ok)
			memcpy(&v[st.n++], (const char *)&s[i] + off, sizeof(double));
	if (!st.n)
		return (struct bench_stat){ 0, NAN, NAN, NAN };
	qsort(v, st.n, sizeof(double), cmp_double);
	st.min = v[0];
	st.max = v[st.n - 1];
	st.med = st.n % 2 ? v[st.n / 2] : (v[st.n / 2 - 1] + v[st.n / 2]) / 2;
	return st;
}

static void bench_print(const struct bench_setup *su, unsigned rounds)
{
	static const char *const names[ENG_N] = { "iperf3", "native" };
	struct bench_stat g[ENG_N], c[ENG_N], s[ENG_N];

	printf("\n%s, %s\n", su->name, su->cc_shown);
	printf("  engine   ok   goodput Gbit/s median [min-max]   client CPU-s/GiB [min-max]   "
	       "server CPU-s/GiB [min-max]\n");
	for (int e = 0; e < ENG_N; e++) {
		g[e] = bench_stat_of(su->s[e], rounds, offsetof(struct bench_sample, goodput_bps));
		c[e] = bench_stat_of(su->s[e], rounds,
				     offsetof(struct bench_sample, cpu_client_s_gib));
		s[e] = bench_stat_of(su->s[e], rounds,
				     offsetof(struct bench_sample, cpu_server_s_gib));
		printf("  %-7s %2zu/%-2u %6.2f [%5.2f-%5.2f]            %5.3f [%5.3f-%5.3f]        "
		       "%5.3f [%5.3f-%5.3f]\n",
		       names[e], g[e].n, rounds, g[e].med / 1e9, g[e].min / 1e9, g[e].max / 1e9,
		       c[e].med, c[e].min, c[e].max, s[e].med, s[e].min, s[e].max);
	}
	printf("  native/iperf3 (medians): goodput %.3fx, client CPU per GiB %.3fx, server CPU per "
	       "GiB %.3fx\n",
	       g[ENG_NATIVE].med / g[ENG_IPERF3].med, c[ENG_NATIVE].med / c[ENG_IPERF3].med,
	       s[ENG_NATIVE].med / s[ENG_IPERF3].med);
}

/* The native engine runs `mptcp-lab xfer`: this program is not it. */
static void bench_find_mptcp_lab(const char *argv0)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n;
	char *slash;

	(void)argv0;
	if (getenv("MPL_BIN"))
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/../mptcp-lab", self);
	if (access(path, X_OK) == 0)
		setenv("MPL_BIN", path, 1);
}

static int bench_load(struct bench_setup *su, const char *which, const char *srcdir)
{
	struct diag_list errs = { 0 };
	char path[PATH_MAX];
	int r;

	if (!strcmp(which, "two-path")) {
		snprintf(path, sizeof(path), "%s/topologies/two-path.json", srcdir);
		r = topology_load_file(path, NULL, 0, &su->topo, &errs);
		for (unsigned i = 0; r >= 0 && i < su->topo.spec.n_paths; i++) {
			memset(&su->topo.spec.paths[i].up, 0, sizeof(su->topo.spec.paths[i].up));
			memset(&su->topo.spec.paths[i].down, 0,
			       sizeof(su->topo.spec.paths[i].down));
		}
		su->name = "two-path, unshaped (2 subflows through 2 routers)";
	} else if (!strcmp(which, "direct")) {
		r = topology_load_buffer("direct", bench_direct_json, strlen(bench_direct_json),
					 NULL, 0, &su->topo, &errs);
		su->name = "direct veth pair, unshaped (1 subflow)";
	} else {
		fprintf(stderr, "bench_engines: unknown setup '%s' (two-path, direct)\n", which);
		return -EINVAL;
	}
	if (r < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "bench_engines: %s\n", errs.msgs[i]);
		diag_list_release(&errs);
		return r;
	}
	diag_list_release(&errs);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "setup", required_argument, NULL, 's' },
		{ "cc", required_argument, NULL, 'c' },
		{},
	};
	const char *srcdir = getenv("MPL_SOURCE_DIR") ? getenv("MPL_SOURCE_DIR") : ".";
	const char *which[4], *ccs[4];
	size_t n_ccs = 0, n_setups;
	const struct engine_ops *eng[ENG_N] = { &engine_iperf3, &engine_native };
	struct bench_setup *setups = NULL;
	size_t n_which = 0;
	unsigned rounds = BENCH_DEFAULT_ROUNDS, seconds = BENCH_DEFAULT_SECONDS;
	struct sigaction sa = { .sa_handler = bench_on_signal };
	int c, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "n:d:s:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (n_ccs < 4)
				ccs[n_ccs++] = optarg;
			break;
		case 'n':
			rounds = (unsigned)atoi(optarg);
			break;
		case 'd':
			seconds = (unsigned)atoi(optarg);
			break;
		case 's':
			if (n_which < 4)
				which[n_which++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_engines [-n ROUNDS] [-d SECONDS] [--cc NAME]... "
					"[--setup two-path|direct]...\n");
			return EXIT_USAGE;
		}
	}
	if (!rounds || rounds > BENCH_MAX_ROUNDS || !seconds || seconds > 600) {
		fprintf(stderr, "bench_engines: 1-%d rounds of 1-600 s\n", BENCH_MAX_ROUNDS);
		return EXIT_USAGE;
	}
	if (!n_which) {
		which[n_which++] = "two-path";
		which[n_which++] = "direct";
	}
	if (!n_ccs) {
		ccs[n_ccs++] = "cubic";
		ccs[n_ccs++] = ""; /* what the shipped scenarios run with */
	}
	n_setups = n_which * n_ccs;
	if (geteuid() != 0) {
		fprintf(stderr, "bench_engines: needs root (network namespaces)\n");
		return EXIT_UNAVAILABLE;
	}
	bench_find_mptcp_lab(argv[0]);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setups = calloc(n_setups, sizeof(*setups));
	if (!setups)
		return EXIT_SOFTWARE;
	for (size_t k = 0; k < n_setups; k++) {
		struct bench_setup *su = &setups[k];

		su->which = which[k / n_ccs];
		su->cc = ccs[k % n_ccs];
		snprintf(su->cc_shown, sizeof(su->cc_shown), "%s",
			 su->cc[0] ? su->cc : "namespace default cc");
		if (bench_load(su, su->which, srcdir) < 0) {
			free(setups);
			return EXIT_DATAERR;
		}
	}

	printf("bench_engines: %u round(s) per setup of one %u s upload per engine, interleaved "
	       "(ABBA), a fresh lab per transfer\n",
	       rounds, seconds);
	printf("%-10s %-10s %-7s %5s  %9s  %12s  %12s  %5s\n", "setup", "cc", "engine", "round",
	       "Gbit/s", "cli CPU-s/GiB", "srv CPU-s/GiB", "joins");
	for (size_t k = 0; k < n_setups && !bench_cancel; k++) {
		for (unsigned i = 0; i < rounds && !bench_cancel; i++) {
			for (int j = 0; j < ENG_N && !bench_cancel; j++) {
				int e = (i % 2) ? ENG_N - 1 - j : j;
				struct bench_sample *s = &setups[k].s[e][i];

				if (bench_one(&setups[k], eng[e], (uint64_t)seconds * USEC_PER_SEC,
					      s) == -EINTR)
					break;
				if (s->ok)
					printf("%-10s %-10s %-7s %5u  %9.2f  %12.3f  %12.3f  %5llu\n",
					       setups[k].which,
					       setups[k].cc[0] ? setups[k].cc : "default",
					       eng[e]->name, i + 1, s->goodput_bps / 1e9,
					       s->cpu_client_s_gib, s->cpu_server_s_gib,
					       (unsigned long long)s->joins);
				else
					printf("%-10s %-10s %-7s %5u  failed: %s\n",
					       setups[k].which,
					       setups[k].cc[0] ? setups[k].cc : "default",
					       eng[e]->name, i + 1, s->why);
				fflush(stdout);
			}
		}
	}
	if (bench_cancel) {
		fprintf(stderr, "bench_engines: interrupted\n");
		ret = 130; /* as mptcp-lab exits after Ctrl-C */
	}
	for (size_t k = 0; k < n_setups; k++)
		bench_print(&setups[k], rounds);
	free(setups);
	return ret;
}
