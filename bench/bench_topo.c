/*
 * bench_topo: how long the lab takes to build and tear down a topology
 * through netlink, next to the same topology built by an ip/tc script.
 *
 *   bench_topo [-n ITERATIONS] [--topology FILE] [--script FILE]
 *
 * Each iteration runs, back to back (interleaved, so drift in the machine
 * hits both sides alike):
 *   - lab: topology_load_file() + lab_up() timed as "up", lab_down() timed
 *     as "down" (lab_down waits until the namespaces are gone);
 *   - script: `bash SCRIPT NAME`, which builds the same namespaces, links,
 *     addresses, routes, sysctls, qdiscs and MPTCP state, deletes the
 *     namespaces and waits until they are gone. It prints its own
 *     CLOCK_REALTIME marks (t_up_us, t_down_us); "up" runs from the spawn
 *     to t_up_us (bash start-up included, as a user of a script pays it),
 *     "down" from t_up_us to t_down_us, "total" is the spawn's wall time.
 *
 * It prints a table of p10 / median / p90 for up, down and total, and the
 * speed-up (script median / lab median). Paths default to the source tree
 * (MPL_SOURCE_DIR, else the current directory). Needs root.
 *
 * It does not check what was built (the netns tests do) and does not
 * store results.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "exitcodes.h"
#include "lab.h"
#include "mtime.h"
#include "spawn.h"
#include "topology.h"

#define BENCH_DEFAULT_ITERATIONS 20
#define BENCH_SCRIPT_TIMEOUT_US (60 * USEC_PER_SEC)

enum { BENCH_UP, BENCH_DOWN, BENCH_TOTAL, BENCH_N_PHASES };
static const char *const bench_phase_names[BENCH_N_PHASES] = { "up", "down", "total" };

struct bench_series {
	uint64_t *us[BENCH_N_PHASES];
	unsigned n;
};

static volatile sig_atomic_t bench_cancel;

static void bench_on_signal(int sig)
{
	(void)sig;
	bench_cancel = 1;
}

static int bench_series_init(struct bench_series *s, unsigned cap)
{
	for (int p = 0; p < BENCH_N_PHASES; p++) {
		s->us[p] = calloc(cap, sizeof(uint64_t));
		if (!s->us[p])
			return -ENOMEM;
	}
	s->n = 0;
	return 0;
}

static void bench_series_release(struct bench_series *s)
{
	for (int p = 0; p < BENCH_N_PHASES; p++) {
		free(s->us[p]);
		s->us[p] = NULL;
	}
}

static int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Quantile q (0..1) with linear interpolation between order statistics
 * (R's type 7), in milliseconds. v is sorted in place. */
static double bench_quantile_ms(uint64_t *v, unsigned n, double q)
{
	double h, lo;
	unsigned i;

	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), bench_cmp_u64);
	h = (n - 1) * q;
	i = (unsigned)floor(h);
	lo = (double)v[i];
	if (i + 1 < n)
		lo += (h - i) * ((double)v[i + 1] - (double)v[i]);
	return lo / 1000.0;
}

/* One netlink iteration: parse + lab_up, then lab_down. */
static int bench_lab_once(const char *topo_path, const char *name, uint64_t *up_us,
			  uint64_t *down_us, struct diag *d)
{
	struct lab_opts opts = { .cancel = &bench_cancel };
	struct diag_list errs = DIAG_LIST_INIT;
	struct topology *t;
	struct lab *lab = NULL;
	struct diag dd = DIAG_INIT;
	uint64_t t0, t1, t2;
	int r, rd;

	/* struct topology embeds a whole lab_spec: too big for the stack. */
	t = calloc(1, sizeof(*t));
	if (!t)
		return diag_set(d, -ENOMEM, "cannot allocate a topology");
	t0 = mtime_now_us();
	r = topology_load_file(topo_path, NULL, 0, t, &errs);
	if (r < 0) {
		diag_set(d, r, "cannot load '%s': %s", topo_path,
			 errs.n ? errs.msgs[0] : "unknown error");
		goto out;
	}
	snprintf(t->spec.name, sizeof(t->spec.name), "%s", name);
	r = lab_up(&t->spec, &opts, &lab, d);
	t1 = mtime_now_us();
	rd = lab_down(lab, &dd);
	t2 = mtime_now_us();
	if (r < 0)
		goto out;
	if (rd < 0) {
		r = diag_set(d, rd, "%s", diag_str(&dd));
		goto out;
	}
	*up_us = t1 - t0;
	*down_us = t2 - t1;
out:
	diag_list_release(&errs);
	free(t);
	return r;
}

/* Find "KEY=NUMBER" on a line of the script's output. */
static int bench_find_mark(const char *out, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);
	const char *p = out;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			char *end;

			errno = 0;
			*v = strtoull(p + klen + 1, &end, 10);
			if (!errno && end != p + klen + 1)
				return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

/* One script iteration: `bash SCRIPT NAME`, up and down in one process. */
static int bench_script_once(const char *script, const char *name, uint64_t *up_us,
			     uint64_t *down_us, uint64_t *total_us, struct diag *d)
{
	const char *argv[] = { "bash", script, name, NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result res = { 0 };
	struct spawn_proc *p = NULL;
	uint64_t start_wall_us, t_up, t_down;
	int r;

	o.timeout_us = BENCH_SCRIPT_TIMEOUT_US;
	o.capture_stdout = true;
	o.capture_stderr = true;
	start_wall_us = mtime_wall_us();
	r = spawn_start(argv, &o, &p, d);
	if (r < 0)
		return r;
	r = spawn_wait(p, &bench_cancel, &res, d);
	if (r < 0)
		goto out;
	if (res.timed_out || res.signaled || res.exit_code) {
		r = diag_set(d, -EIO, "script '%s' failed (exit %d%s): %s", script,
			     res.exit_code, res.timed_out ? ", timed out" : "",
			     res.err ? res.err : "");
		goto out;
	}
	if (!res.out || bench_find_mark(res.out, "t_up_us", &t_up) ||
	    bench_find_mark(res.out, "t_down_us", &t_down) || t_up < start_wall_us ||
	    t_down < t_up) {
		r = diag_set(d, -EPROTO, "script '%s' printed no valid t_up_us/t_down_us",
			     script);
		goto out;
	}
	*up_us = t_up - start_wall_us;
	*down_us = t_down - t_up;
	*total_us = res.wall_us;
out:
	spawn_result_release(&res);
	return r;
}

static void bench_print(const struct bench_series *lab, const struct bench_series *sh,
			const char *topo_path)
{
	double med_lab[BENCH_N_PHASES], med_sh[BENCH_N_PHASES];

	printf("topology %s, %u iterations each, interleaved (times in ms)\n\n", topo_path,
	       lab->n);
	printf("%-6s | %-26s | %-26s | %s\n", "", "netlink (lab_up/lab_down)",
	       "ip/tc script", "speed-up");
	printf("%-6s | %8s %8s %8s | %8s %8s %8s | %s\n", "phase", "p10", "median", "p90",
	       "p10", "median", "p90", "(median)");
	for (int p = 0; p < BENCH_N_PHASES; p++) {
		double l10 = bench_quantile_ms(lab->us[p], lab->n, 0.10);
		double s10 = bench_quantile_ms(sh->us[p], sh->n, 0.10);

		med_lab[p] = bench_quantile_ms(lab->us[p], lab->n, 0.50);
		med_sh[p] = bench_quantile_ms(sh->us[p], sh->n, 0.50);
		printf("%-6s | %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f | %.1fx\n",
		       bench_phase_names[p], l10, med_lab[p],
		       bench_quantile_ms(lab->us[p], lab->n, 0.90), s10, med_sh[p],
		       bench_quantile_ms(sh->us[p], sh->n, 0.90),
		       med_lab[p] > 0 ? med_sh[p] / med_lab[p] : 0.0);
	}
}

static int bench_usage(void)
{
	fprintf(stderr, "usage: bench_topo [-n ITERATIONS] [--topology FILE] [--script FILE]\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "topology", required_argument, NULL, 't' },
		{ "script", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_series lab = { 0 }, sh = { 0 };
	const char *src = getenv("MPL_SOURCE_DIR");
	char topo_path[4096], script_path[4096];
	unsigned long iterations = BENCH_DEFAULT_ITERATIONS;
	struct sigaction sa = { .sa_handler = bench_on_signal };
	struct diag d = DIAG_INIT;
	int c, rc = EXIT_SOFTWARE;
	char *end;

	if (!src || !*src)
		src = ".";
	snprintf(topo_path, sizeof(topo_path), "%s/topologies/two-path.json", src);
	snprintf(script_path, sizeof(script_path), "%s/bench/topo_2path.sh", src);
	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			iterations = strtoul(optarg, &end, 10);
			if (errno || *end || !iterations || iterations > 100000)
				return bench_usage();
			break;
		case 't':
			snprintf(topo_path, sizeof(topo_path), "%s", optarg);
			break;
		case 's':
			snprintf(script_path, sizeof(script_path), "%s", optarg);
			break;
		default:
			return bench_usage();
		}
	}
	if (optind != argc)
		return bench_usage();
	if (geteuid() != 0) {
		fprintf(stderr, "bench_topo: needs root (it builds network namespaces)\n");
		return EXIT_UNAVAILABLE;
	}
	if (access(topo_path, R_OK) || access(script_path, R_OK)) {
		fprintf(stderr, "bench_topo: cannot read '%s' or '%s' (set MPL_SOURCE_DIR)\n",
			topo_path, script_path);
		return EXIT_USAGE;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (bench_series_init(&lab, (unsigned)iterations) ||
	    bench_series_init(&sh, (unsigned)iterations)) {
		fprintf(stderr, "bench_topo: out of memory\n");
		goto out;
	}

	for (unsigned long i = 0; i < iterations && !bench_cancel; i++) {
		char name[LAB_NAME_MAX];
		uint64_t up = 0, down = 0, total = 0;
		unsigned k;

		/* Fresh names each time: nothing depends on the previous
		 * iteration's namespaces being fully released. */
		snprintf(name, sizeof(name), "bl%x%lx", (unsigned)getpid() & 0xfffff, i);
		if (bench_lab_once(topo_path, name, &up, &down, &d) < 0) {
			fprintf(stderr, "bench_topo: lab iteration %lu: %s\n", i, diag_str(&d));
			goto out;
		}
		k = lab.n++;
		lab.us[BENCH_UP][k] = up;
		lab.us[BENCH_DOWN][k] = down;
		lab.us[BENCH_TOTAL][k] = up + down;

		snprintf(name, sizeof(name), "bs%x%lx", (unsigned)getpid() & 0xfffff, i);
		if (bench_script_once(script_path, name, &up, &down, &total, &d) < 0) {
			fprintf(stderr, "bench_topo: script iteration %lu: %s\n", i,
				diag_str(&d));
			goto out;
		}
		k = sh.n++;
		sh.us[BENCH_UP][k] = up;
		sh.us[BENCH_DOWN][k] = down;
		sh.us[BENCH_TOTAL][k] = total;
	}
	if (bench_cancel) {
		fprintf(stderr, "bench_topo: interrupted\n");
		goto out;
	}
	bench_print(&lab, &sh, topo_path);
	rc = EXIT_OK;
out:
	bench_series_release(&lab);
	bench_series_release(&sh);
	return rc;
}
