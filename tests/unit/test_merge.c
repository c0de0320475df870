/*
 * test_merge.c: results_merge() and `mptcp-lab merge` on synthetic runs
 * (no privileges):
 *  (a) two databases made on "two hosts" (different results_host, the same
 *      kernel identity), one run uuid in both: merged into a third, the
 *      counts are 6 + 0 and 6 + 1 present, hosts are 2 and kernels 1
 *      (upserted by value), and a merged run has every child row back
 *      (metrics with a NaN, tags, intervals, mibs, subflows, noise);
 *  (b) merging both again imports nothing and changes no count;
 *  (c) report_compare() across the boxes through `host:` selectors sees
 *      6 runs a side and the 20 % slower box as a regression;
 *  (d) an older source (user_version 1, tables missing) is read as it is
 *      and left unmigrated; a newer one (user_version 99) and a file that
 *      is not a database are refused; `merge` exits 0 and 65 for them;
 *  (e) the line protocol `push` sends for a run: tags sorted, escaped
 *      (',', ' ', '=') and sanitised (variant axis names), empty tags and
 *      NaN fields left out, timestamp in ns, run=1 on every line (a run
 *      without a metric too).
 * Each check prints a line; the first failure exits 1.
 */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "compare.h"
#include "push.h"
#include "results.h"
#include "selector.h"
#include "check.h"

static char tmpdir[] = "/tmp/mpl-test-merge-XXXXXX";
static uint64_t clock_us = 1767225600ULL * 1000000;

/* One complete run of box `host`; uuid NULL: a fresh one. */
static void add_run(struct results *db, const char *host, double goodput, const char *uuid)
{
	static char local[] = "10.0.1.1:40000", remote[] = "10.0.1.2:5201";
	struct telemetry_interval iv = { 0, 1000000, 12500000, 100e6, 3 };
	struct results_subflow sf = { 1, local, remote, 1000, 900, 0, -1, false };
	struct results_run run;
	struct diag d = DIAG_INIT;

	check_must(results_run_init(&run), "results_run_init", NULL);
	if (uuid)
		snprintf(run.uuid, sizeof(run.uuid), "%s", uuid);
	check_must(results_run_set_str(&run.scenario, "fleet"), "set scenario", NULL);
	check_must(results_run_set_str(&run.variant_key, "cc=cubic"), "set variant", NULL);
	check_must(results_run_set_str(&run.variant_json, "{\"cc\":\"cubic\"}"), "set variant", NULL);
	check_must(results_run_set_str(&run.host.hostname, host), "set host", NULL);
	check_must(results_run_set_str(&run.host.cpu_model, "cpu"), "set cpu", NULL);
	run.host.cores = 2;
	check_must(results_run_set_str(&run.kernel.release, "6.18.0"), "set kernel", NULL);
	check_must(results_run_set_str(&run.kernel.version, "#1 SMP"), "set kernel", NULL);
	check_must(results_run_set_str(&run.kernel.boot_mode, "bare-metal"), "set kernel", NULL);
	run.repetition = 1;
	run.started_at_us = clock_us;
	run.finished_at_us = clock_us + 3000000;
	clock_us += 4000000;
	run.status = RESULTS_OK;
	run.load1 = -1;
	check_must(results_run_add_tag(&run, "box", host), "add tag", NULL);
	check_must(results_run_add_metric(&run, "goodput_bps", goodput), "add metric", NULL);
	check_must(results_run_add_metric(&run, "efficiency", NAN), "add metric", NULL);
	check_must(results_run_add_interval(&run, &iv), "add interval", NULL);
	check_must(results_run_add_mib(&run, "client", "MPJoinAckRx", 2), "add mib", NULL);
	check_must(results_run_add_subflow(&run, &sf), "add subflow", NULL);
	check_must(results_run_add_noise(&run, "cpu_freq_mhz", "2400"), "add noise", NULL);
	check_must(results_run_store(db, &run, &d), "store run", &d);
	results_run_release(&run);
}

static struct results *open_db(const char *name, char *path, size_t size)
{
	struct results *db;
	struct diag d = DIAG_INIT;

	snprintf(path, size, "%s/%s", tmpdir, name);
	check_must(results_open(path, &db, &d), "results_open", &d);
	return db;
}

static int64_t sql_int(const char *path, const char *sql)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_open(path, &s) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(s);
	return v;
}

static int sql_exec(const char *path, const char *sql)
{
	sqlite3 *s;
	int rc;

	if (sqlite3_open(path, &s) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(s, sql, NULL, NULL, NULL);
	sqlite3_close(s);
	return rc == SQLITE_OK ? 0 : -1;
}

struct loaded {
	size_t n;
	size_t n_metrics, n_tags, n_intervals, n_mibs, n_subflows, n_noise;
	bool nan_kept;
	char host[32];
};

static int load_one(const struct results_run *run, void *arg)
{
	struct loaded *l = arg;
	const struct results_metric *m = results_run_metric(run, "efficiency");

	l->n++;
	l->n_metrics = run->n_metrics;
	l->n_tags = run->n_tags;
	l->n_intervals = run->n_intervals;
	l->n_mibs = run->n_mibs;
	l->n_subflows = run->n_subflows;
	l->n_noise = run->n_noise;
	l->nan_kept = m && isnan(m->value);
	snprintf(l->host, sizeof(l->host), "%s", run->host.hostname ? run->host.hostname : "");
	return 0;
}

static void select_host(struct selector *sel, const char *arg)
{
	struct diag d = DIAG_INIT;

	memset(sel, 0, sizeof(*sel));
	if (selector_add(sel, arg, &d) < 0) {
		printf("not ok - selector '%s': %s\n", arg, diag_str(&d));
		exit(1);
	}
}

int main(void)
{
	char a_path[256], b_path[256], t_path[256], old_path[256], new_path[256], junk[256];
	struct results *a, *b, *t, *old;
	struct results_merge_counts n;
	struct diag d = DIAG_INIT;
	char shared_uuid[37];
	int ret;

	check_tmpdir_make(tmpdir);

	/* (a) two boxes, one uuid in both */
	a = open_db("a.db", a_path, sizeof(a_path));
	b = open_db("b.db", b_path, sizeof(b_path));
	for (int i = 0; i < 6; i++) {
		add_run(a, "box-a", 100e6 * (1 + 0.002 * (i % 3)), NULL);
		add_run(b, "box-b", 80e6 * (1 + 0.002 * (i % 3)), NULL);
	}
	/* one of a's runs is in b too, uuid included */
	{
		char sql[] = "SELECT uuid FROM runs ORDER BY id LIMIT 1";
		sqlite3 *s;
		sqlite3_stmt *st;

		check_must(sqlite3_open(a_path, &s) == SQLITE_OK ? 0 : -EIO, "sqlite3_open", NULL);
		check_must(sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK ? 0 : -EIO, "prepare",
		     NULL);
		check_must(sqlite3_step(st) == SQLITE_ROW ? 0 : -EIO, "step", NULL);
		snprintf(shared_uuid, sizeof(shared_uuid), "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		sqlite3_close(s);
	}
	add_run(b, "box-a", 100e6, shared_uuid);
	results_close(a);
	results_close(b);

	t = open_db("t.db", t_path, sizeof(t_path));
	check_must(results_merge(t, a_path, &n, &d), "merge a", &d);
	CHECK(n.imported == 6 && n.present == 0, "(a) a: 6 imported, 0 present (%zu, %zu)",
	      n.imported, n.present);
	check_must(results_merge(t, b_path, &n, &d), "merge b", &d);
	CHECK(n.imported == 6 && n.present == 1,
	      "(a) b: 6 imported, the shared uuid present (%zu, %zu)", n.imported, n.present);
	CHECK(sql_int(t_path, "SELECT count(*) FROM runs") == 12, "(a) 12 runs in the target");
	CHECK(sql_int(t_path, "SELECT count(*) FROM hosts") == 2, "(a) 2 hosts (by value)");
	CHECK(sql_int(t_path, "SELECT count(*) FROM kernels") == 1, "(a) 1 kernel (by value)");
	CHECK(sql_int(t_path, "SELECT count(*) FROM push_outbox") == 0,
	      "(a) the push outbox is not merged");
	{
		const char *uuids[] = { shared_uuid };
		struct results_filter f = { .uuids = uuids, .n_uuids = 1 };
		struct loaded l = { 0 };

		check_must(results_query(t, &f, load_one, &l, &d), "query", &d);
		CHECK(l.n == 1 && !strcmp(l.host, "box-a"), "(a) the shared run kept host 'box-a' (%s)",
		      l.host);
		CHECK(l.n_metrics == 2 && l.nan_kept && l.n_tags == 1 && l.n_intervals == 1 &&
			      l.n_mibs == 1 && l.n_subflows == 1 && l.n_noise == 1,
		      "(a) every child row came along (metrics %zu, NaN %d, tags %zu, intervals %zu, "
		      "mibs %zu, subflows %zu, noise %zu)",
		      l.n_metrics, l.nan_kept, l.n_tags, l.n_intervals, l.n_mibs, l.n_subflows,
		      l.n_noise);
	}
	{
		struct results_filter f = { .host = "box-b" };
		struct loaded l = { 0 };

		check_must(results_query(t, &f, load_one, &l, &d), "query", &d);
		CHECK(l.n == 6 && l.n_subflows == 1, "(a) box-b's 6 runs, children loaded");
	}

	/* (b) again: nothing new */
	check_must(results_merge(t, a_path, &n, &d), "merge a again", &d);
	CHECK(n.imported == 0 && n.present == 6, "(b) a again: 0 imported, 6 present");
	check_must(results_merge(t, b_path, &n, &d), "merge b again", &d);
	CHECK(n.imported == 0 && n.present == 7, "(b) b again: 0 imported, 7 present");
	CHECK(sql_int(t_path, "SELECT count(*) FROM runs") == 12 &&
		      sql_int(t_path, "SELECT count(*) FROM metrics") == 24 &&
		      sql_int(t_path, "SELECT count(*) FROM subflows") == 12,
	      "(b) still 12 runs, 24 metrics, 12 subflows");

	/* (c) compare across the boxes */
	{
		const char *metrics[] = { "goodput_bps" };
		struct compare_opts o = { .metrics = metrics, .n_metrics = 1 };
		struct compare_result r = { 0 };
		struct selector base, cand;

		select_host(&base, "host:box-a");
		select_host(&cand, "host:box-b");
		check_must(report_compare(t, &base.filter, &cand.filter, &o, &r, &d), "report_compare", &d);
		CHECK(r.n == 1 && r.series[0].n_base == 6 && r.series[0].n_cand == 6,
		      "(c) compare by host: 6 runs a side (%zu, %zu)", r.n ? r.series[0].n_base : 0,
		      r.n ? r.series[0].n_cand : 0);
		CHECK(r.series[0].verdict == COMPARE_REGRESSION && fabs(r.series[0].ratio - 0.8) < 0.01,
		      "(c) box-b is a 20 %% regression (ratio %.3f, %s)", r.series[0].ratio,
		      compare_verdict_name(r.series[0].verdict));
		compare_result_release(&r);
		selector_release(&base);
		selector_release(&cand);
	}
	results_close(t);

	/* (d) an older source, read as it is */
	old = open_db("old.db", old_path, sizeof(old_path));
	add_run(old, "box-old", 90e6, NULL);
	add_run(old, "box-old", 90e6, NULL);
	results_close(old);
	check_must(sql_exec(old_path, "DROP TABLE push_outbox; DROP TABLE changepoints; DROP TABLE noise; "
				"PRAGMA user_version = 1"),
	     "make an old database", NULL);
	t = open_db("t.db", t_path, sizeof(t_path));
	ret = results_merge(t, old_path, &n, &d);
	CHECK(ret == 0 && n.imported == 2, "(d) an older source merges: %zu imported (%s)",
	      n.imported, ret ? diag_str(&d) : "ok");
	CHECK(sql_int(old_path, "PRAGMA user_version") == 1, "(d) and is not migrated");

	snprintf(new_path, sizeof(new_path), "%s/new.db", tmpdir);
	check_must(sql_exec(new_path, "CREATE TABLE runs (id); CREATE TABLE hosts (id); "
				"CREATE TABLE kernels (id); PRAGMA user_version = 99"),
	     "make a new database", NULL);
	diag_clear(&d);
	ret = results_merge(t, new_path, &n, &d);
	CHECK(ret == -ENOTSUP && strstr(d.msg, "newer"), "(d) a newer source is refused: %s", d.msg);
	snprintf(junk, sizeof(junk), "%s/junk.db", tmpdir);
	{
		FILE *f = fopen(junk, "w");

		fputs("this is not a database, just some text that is long enough to look like a header"
		      " of something else entirely\n", f);
		fclose(f);
	}
	diag_clear(&d);
	ret = results_merge(t, junk, &n, &d);
	CHECK(ret < 0, "(d) a file that is not a database is refused: %s", d.msg);
	CHECK(sql_int(t_path, "SELECT count(*) FROM runs") == 14, "(d) the target has 14 runs");
	results_close(t);

	/* the command */
	{
		static char cmd[] = "merge", opt[] = "--db";
		char t2[256];
		char *argv_ok[] = { cmd, opt, t2, a_path, b_path, NULL };
		char *argv_bad[] = { cmd, opt, t2, new_path, NULL };
		char *argv_usage[] = { cmd, NULL };

		snprintf(t2, sizeof(t2), "%s/t2.db", tmpdir);
		fflush(stdout);
		CHECK(cmd_merge(5, argv_ok) == 0, "(d) merge a b exits 0");
		CHECK(sql_int(t2, "SELECT count(*) FROM runs") == 12, "(d) and t2 has 12 runs");
		CHECK(cmd_merge(4, argv_bad) == 65, "(d) merge of a newer source exits 65");
		CHECK(cmd_merge(1, argv_usage) == 64, "(d) merge without a source exits 64");
	}
	/* (e) the line protocol */
	{
		static const char want[] =
			"mptcp_lab,host=box\\,a\\ b\\=1,kernel=6.18.0,rate_limit=10\\ mbit,scenario=two\\ path,"
			"status=ok,variant=host\\=x\\,rate-limit\\=10\\ mbit,variant_host=x "
			"efficiency=0.983,goodput_bps=75000000,run=1 1767225600000000000\n";
		static const char want_failed[] = "mptcp_lab,scenario=s,status=failed run=1 0\n";
		struct push_buf body = { 0 };
		struct results_run run;
		size_t lines = 0;

		check_must(results_run_init(&run), "results_run_init", NULL);
		check_must(results_run_set_str(&run.scenario, "two path"), "set", NULL);
		check_must(results_run_set_str(&run.variant_key, "host=x,rate-limit=10 mbit"), "set", NULL);
		check_must(results_run_set_str(&run.host.hostname, "box,a b=1"), "set", NULL);
		check_must(results_run_set_str(&run.kernel.release, "6.18.0"), "set", NULL);
		run.started_at_us = 1767225600ULL * 1000000;
		run.status = RESULTS_OK;
		check_must(results_run_add_metric(&run, "efficiency", 0.983), "add", NULL);
		check_must(results_run_add_metric(&run, "goodput_bps", 75e6), "add", NULL);
		check_must(results_run_add_metric(&run, "lost", NAN), "add", NULL);
		check_must(push_format_run(&body, &run, &lines), "push_format_run", NULL);
		CHECK(lines == 1 && body.data && !strcmp(body.data, want), "(e) the line: %s",
		      body.data ? body.data : "(none)");
		results_run_release(&run);
		check_must(results_run_init(&run), "results_run_init", NULL);
		check_must(results_run_set_str(&run.scenario, "s"), "set", NULL);
		run.status = RESULTS_FAILED;
		check_must(push_format_run(&body, &run, &lines), "push_format_run", NULL);
		CHECK(lines == 2 && !strncmp(body.data, want, strlen(want)) &&
			      !strcmp(body.data + strlen(want), want_failed),
		      "(e) a run without metrics still counts: %s", body.data + strlen(want));
		results_run_release(&run);
		push_buf_release(&body);
	}
	printf("1..%u\n", check_count);
	return 0;
}
