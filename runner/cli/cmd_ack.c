/*
 * cmd_ack.c: `mptcp-lab ack`, the regressions `nightly` reported (the
 * regressions table of results.h): acknowledge one with a note, list the
 * open ones (or all), reopen one.
 *
 *   mptcp-lab ack [--db PATH] ID... --note TEXT [--by NAME]
 *   mptcp-lab ack [--db PATH] --list [--all] [--host NAME] [--json]
 *   mptcp-lab ack [--db PATH] --undo ID...
 *
 * An acknowledged regression is no longer listed as open by nightly, and
 * a regression it matches is shown as acknowledged, not as a new one;
 * acknowledging does not hide it from `compare` or `trend`, which judge
 * the runs and nothing else.
 *
 * --json: {"regressions": [{id, state: "open"|"acknowledged", host,
 * scenario, variant, metric, since, kernel_before, kernel_after, change,
 * median_before, median_after, first_reported, first_nightly, last_seen,
 * acked_at, note, by}]} (times in UTC, ISO 8601; null where unknown).
 *
 * Exit: 0; 64 usage; 65 no database there, or no regression with that id
 * (the others given are still acknowledged); 70 a store failure.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmdutil.h"
#include "commands.h"
#include "exitcodes.h"
#include "mtime.h"
#include "results.h"

enum { OPT_LIST = 256, OPT_ALL, OPT_UNDO, OPT_JSON, OPT_HOST, OPT_BY };

struct ack_args {
	const char *db, *note, *by, *host;
	bool list, all, undo, json;
};

static int ack_option(int c, char *arg, void *ctx)
{
	struct ack_args *a = ctx;

	switch (c) {
	case 'd':
		a->db = arg;
		break;
	case 'n':
		a->note = arg;
		break;
	case OPT_BY:
		a->by = arg;
		break;
	case OPT_HOST:
		a->host = arg;
		break;
	case OPT_LIST:
		a->list = true;
		break;
	case OPT_ALL:
		a->all = true;
		break;
	case OPT_UNDO:
		a->undo = true;
		break;
	case OPT_JSON:
		a->json = true;
		break;
	}
	return 0;
}

/* The time in UTC: the day (a table), or ISO 8601 (JSON). */
static void utc(uint64_t us, bool day_only, char *buf, size_t size)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (!us || !gmtime_r(&t, &tm))
		snprintf(buf, size, "-");
	else
		strftime(buf, size, day_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *time_or_null(uint64_t us)
{
	char buf[32];

	if (!us)
		return json_null();
	utc(us, false, buf, sizeof(buf));
	return json_string(buf);
}

static int list_json(const struct results_regression *g, void *arg)
{
	json_t *arr = arg, *o = json_object();

	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "id", json_integer(g->id));
	json_object_set_new(o, "state", json_string(g->acked_at_us ? "acknowledged" : "open"));
	json_object_set_new(o, "host", json_string(g->host));
	json_object_set_new(o, "scenario", json_string(g->scenario));
	json_object_set_new(o, "variant", json_string(g->variant_key));
	json_object_set_new(o, "metric", json_string(g->metric));
	json_object_set_new(o, "since", json_string(g->since_label));
	json_object_set_new(o, "kernel_before", str_or_null(g->kernel_before));
	json_object_set_new(o, "kernel_after", str_or_null(g->kernel_after));
	json_object_set_new(o, "change", num_or_null(g->change));
	json_object_set_new(o, "median_before", num_or_null(g->median_before));
	json_object_set_new(o, "median_after", num_or_null(g->median_after));
	json_object_set_new(o, "first_reported", time_or_null(g->first_reported_us));
	json_object_set_new(o, "first_nightly", str_or_null(g->first_nightly));
	json_object_set_new(o, "last_seen", time_or_null(g->last_seen_us));
	json_object_set_new(o, "acked_at", time_or_null(g->acked_at_us));
	json_object_set_new(o, "note", str_or_null(g->ack_note));
	json_object_set_new(o, "by", str_or_null(g->ack_by));
	return json_array_append_new(arr, o) < 0 ? -ENOMEM : 0;
}

struct list_text {
	size_t n;
};

static int list_text(const struct results_regression *g, void *arg)
{
	struct list_text *t = arg;
	char first[16], last[16];

	if (!t->n++)
		printf("%-5s %-12s %-12s %-20s %-16s %-12s %-10s %-28s %8s %-10s %-10s %s\n", "ID",
		       "STATE", "HOST", "SCENARIO", "VARIANT", "METRIC", "SINCE", "KERNELS", "CHANGE",
		       "FIRST", "LAST", "NOTE");
	utc(g->first_reported_us, true, first, sizeof(first));
	utc(g->last_seen_us, true, last, sizeof(last));
	printf("%-5lld %-12s %-12s %-20s %-16s %-12s %-10s %-13s -> %-11s %+7.2f%% %-10s %-10s %s\n",
	       (long long)g->id, g->acked_at_us ? "acknowledged" : "open", g->host, g->scenario,
	       g->variant_key[0] ? g->variant_key : "-", g->metric, g->since_label,
	       g->kernel_before ? g->kernel_before : "?", g->kernel_after ? g->kernel_after : "?",
	       isfinite(g->change) ? g->change * 100 : 0.0, first, last,
	       g->ack_note ? g->ack_note : "");
	return 0;
}

static int ack_list(struct results *db, const struct ack_args *a)
{
	struct diag d = DIAG_INIT;
	int r;

	if (a->json) {
		json_t *arr = json_array(), *doc;

		r = results_regressions_query(db, a->host, !a->all, 0, list_json, arr, &d);
		if (r < 0) {
			json_decref(arr);
			say_error("cannot list the regressions: %s", diag_str(&d));
			return EXIT_SOFTWARE;
		}
		doc = json_pack("{s:o}", "regressions", arr);
		json_dumpf(doc, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(doc);
		return EXIT_OK;
	} else {
		struct list_text t = { 0 };

		r = results_regressions_query(db, a->host, !a->all, 0, list_text, &t, &d);
		if (r < 0) {
			say_error("cannot list the regressions: %s", diag_str(&d));
			return EXIT_SOFTWARE;
		}
		if (!t.n)
			printf("no %sregression%s\n", a->all ? "" : "open ",
			       a->host ? " on that host" : "");
		return EXIT_OK;
	}
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 1)
		return -EINVAL;
	*id = v;
	return 0;
}

int cmd_ack(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "note", required_argument, NULL, 'n' },
		{ "by", required_argument, NULL, OPT_BY },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "undo", no_argument, NULL, OPT_UNDO },
		{ "json", no_argument, NULL, OPT_JSON },
		{},
	};
	struct ack_args a = { 0 };
	struct results *db = NULL;
	int ret, first;

	ret = cmdutil_parse_options(argc, argv, "ack", opts, ack_option, &a);
	if (ret)
		return ret;
	first = optind;
	if (a.list ? first != argc || a.undo || a.note :
		     first == argc || (a.all || a.json || a.host)) {
		say_error(a.list ? "'ack --list' takes no ID and no --note or --undo" :
				   "'ack' needs the ID of a regression (see 'mptcp-lab ack --list'); --all, --json and --host go with --list");
		return usage_of("ack");
	}
	if (!a.list && !a.undo && (!a.note || !*a.note)) {
		say_error("'ack' needs --note TEXT: why the regression is acknowledged (a fix is on its way, expected, noise...)");
		return usage_of("ack");
	}
	if (a.undo && a.note) {
		say_error("'ack --undo' reopens a regression and takes no --note");
		return usage_of("ack");
	}
	for (int i = first; i < argc; i++) {
		int64_t id;

		if (parse_id(argv[i], &id) < 0) {
			say_error("'%s' is not the ID of a regression (a positive number, as 'mptcp-lab ack --list' shows)",
				  argv[i]);
			return EXIT_USAGE;
		}
	}
	ret = cmdutil_open_existing_db(a.db, a.list ? "list the regressions" :
					      "acknowledge a regression", &db);
	if (ret)
		return ret;
	if (a.list) {
		ret = ack_list(db, &a);
		goto out;
	}
	if (!a.by)
		a.by = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
	ret = EXIT_OK;
	for (int i = first; i < argc; i++) {
		struct diag d = DIAG_INIT;
		int64_t id;
		int r;

		parse_id(argv[i], &id);
		r = a.undo ? results_regression_unack(db, id, &d) :
			     results_regression_ack(db, id, mtime_wall_us(), a.note, a.by, &d);
		if (r == -ENOENT) {
			say_error("%s", diag_str(&d));
			ret = EXIT_DATAERR;
		} else if (r < 0) {
			say_error("%s", diag_str(&d));
			ret = EXIT_SOFTWARE;
			break;
		} else {
			printf("regression %lld %s\n", (long long)id,
			       a.undo ? "reopened" : "acknowledged");
		}
	}
out:
	results_close(db);
	return ret;
}
