/*
 * cmd_kernels.c: `mptcp-lab kernels`, the kernels the database holds runs
 * of: one row per kernel identity (release, version, config, debug
 * markers, boot mode), with its hosts, its runs and ok runs, and the dates
 * of its first and last run. The selectors are those of `runs`
 * (selector.h); `kernel:RELEASE` matches the release exactly, as uname -r
 * prints it, and is what `compare --baseline kernel:...` takes.
 *
 * Text for people, --json for scripts:
 *   {"kernels": [{"release", "version", "boot_mode", "config_hash",
 *     "debug", "hosts": [...], "runs", "ok", "first_started_at",
 *     "last_started_at"}]}
 * Dates are UTC (ISO 8601 in JSON, the day in the table).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "exitcodes.h"
#include "results.h"
#include "selector.h"

/* The day (the table), or the ISO 8601 time (JSON), in UTC. */
static void utc(uint64_t us, bool day_only, char *buf, size_t size)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (day_only)
		strftime(buf, size, "%Y-%m-%d", &tm);
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* "a, b" or "a, b +3": the table keeps its width. */
static void hosts_cell(const struct results_kernel_summary *k, char *buf, size_t size)
{
	size_t len = 0, i;

	*buf = '\0';
	for (i = 0; i < k->n_hosts; i++) {
		size_t need = strlen(k->hosts[i]) + (i ? 2 : 0);

		if (i && len + need > 24)
			break;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
					k->hosts[i]);
		if (len >= size)
			return;
	}
	if (i < k->n_hosts)
		snprintf(buf + len, size - len, " +%zu", k->n_hosts - i);
}

/* Another row with the same release and boot mode (sorted next to it). */
static bool has_twin(const struct results_kernel_list *l, size_t i)
{
	const struct results_kernel *k = &l->k[i].kernel;

	for (size_t j = i ? i - 1 : i + 1; j <= i + 1 && j < l->n; j += 2) {
		const struct results_kernel *o = &l->k[j].kernel;

		if (!strcmp(or_dash(k->release), or_dash(o->release)) &&
		    !strcmp(or_dash(k->boot_mode), or_dash(o->boot_mode)))
			return true;
	}
	return false;
}

static void write_text(const struct results_kernel_list *l)
{
	printf("%-32s  %-12s  %-24s  %5s  %5s  %-10s  %s\n", "RELEASE", "BOOT MODE", "HOSTS",
	       "RUNS", "OK", "FIRST", "LAST");
	for (size_t i = 0; i < l->n; i++) {
		const struct results_kernel_summary *k = &l->k[i];
		char hosts[256], first[16], last[16];

		hosts_cell(k, hosts, sizeof(hosts));
		utc(k->first_us, true, first, sizeof(first));
		utc(k->last_us, true, last, sizeof(last));
		printf("%-32s  %-12s  %-24s  %5zu  %5zu  %-10s  %s\n", or_dash(k->kernel.release),
		       or_dash(k->kernel.boot_mode), hosts, k->n_runs, k->n_ok, first, last);
		/* Two builds of one release differ by version string or config:
		 * say which, so the rows can be told apart. */
		if (k->kernel.debug && *k->kernel.debug)
			printf("%-32s  debug: %s\n", "", k->kernel.debug);
		if (has_twin(l, i))
			printf("%-32s  version: %s, config %.12s\n", "", or_dash(k->kernel.version),
			       or_dash(k->kernel.config_hash));
	}
}

static json_t *nullable(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int write_json(const struct results_kernel_list *l)
{
	json_t *arr = json_array(), *doc;
	int ret = -ENOMEM;

	if (!arr)
		return ret;
	for (size_t i = 0; i < l->n; i++) {
		const struct results_kernel_summary *k = &l->k[i];
		json_t *hosts = json_array(), *o;
		char first[32], last[32];

		for (size_t h = 0; hosts && h < k->n_hosts; h++)
			json_array_append_new(hosts, json_string(k->hosts[h]));
		utc(k->first_us, false, first, sizeof(first));
		utc(k->last_us, false, last, sizeof(last));
		o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:s, s:s}", "release",
			      nullable(k->kernel.release), "version", nullable(k->kernel.version),
			      "boot_mode", nullable(k->kernel.boot_mode), "config_hash",
			      nullable(k->kernel.config_hash), "debug", nullable(k->kernel.debug),
			      "hosts", hosts ? hosts : json_null(), "runs", (json_int_t)k->n_runs, "ok",
			      (json_int_t)k->n_ok, "first_started_at", first, "last_started_at", last);
		if (!o || json_array_append_new(arr, o) < 0)
			goto out;
	}
	doc = json_pack("{s:o}", "kernels", arr);
	arr = NULL;
	if (!doc)
		goto out;
	ret = json_dumpf(doc, stdout, JSON_INDENT(2)) < 0 ? -EIO : 0;
	putchar('\n');
	json_decref(doc);
out:
	json_decref(arr);
	return ret;
}

int cmd_kernels(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{},
	};
	struct results_kernel_list l = { NULL, 0 };
	struct selector sel = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	const char *db_path = NULL;
	bool json = false;
	struct diag sel_err = DIAG_INIT;
	int c, r, ret = EXIT_SOFTWARE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			ret = usage_of("kernels");
			goto out;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (selector_add(&sel, argv[i], &sel_err) < 0) {
			say_error("%s", diag_str(&sel_err));
			ret = usage_of("kernels");
			goto out;
		}
	}
	r = results_open(db_path, &db, &d);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		goto out;
	}
	r = results_kernels(db, &sel.filter, &l, &d);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		goto out;
	}
	if (json) {
		r = write_json(&l);
		if (r < 0) {
			say_error("cannot write the kernels as JSON: %s", strerror(-r));
			goto out;
		}
	} else if (!l.n) {
		printf(optind < argc ? "no run matches these selectors, so no kernel to list\n" :
				       "no runs stored yet, so no kernel to list (measure with 'mptcp-lab run SCENARIO')\n");
	} else {
		write_text(&l);
	}
	ret = EXIT_OK;
out:
	results_kernel_list_release(&l);
	results_close(db);
	selector_release(&sel);
	return ret;
}
