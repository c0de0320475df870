/* commands.c: the command table, signal handling and shared CLI helpers. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "exitcodes.h"

volatile sig_atomic_t mpl_interrupted;

const struct command commands[] = {
	{ "check", cmd_check, "[--json] [--strict]",
	  "probe the kernel and tools for what the lab needs", 1 },
	{ "topo", cmd_topo,
	  "up FILE [--name NAME] [--set PATH=VALUE]... [--hold] | down NAME | list [--json] | show NAME [--json]",
	  "bring a topology up or down, list and inspect labs", 1 },
	{ "run", cmd_run,
	  "[--db PATH] [--reps N] [--set PATH=VALUE]... [--tag KEY=VALUE]... [--json] [--strict]\n"
	  "    [--until-decided --baseline SELECTOR... [--max-reps N]] [--shard I/N] [--report DIR]\n"
	  "    [--timeline FILE] [--kernel IMAGE [--modules DIR] [--initrd FILE] [--vm-memory MIB]\n"
	  "     [--vm-cpus N] [--accel auto|kvm|tcg] [--vm-timeout S] [--vm-console] [--vm-timeline]]\n"
	  "    SCENARIO|SUITE...",
	  "run scenarios: variants x repetitions, interleaved, each on a fresh lab, stored in SQLite", 1 },
	{ "nightly", cmd_nightly,
	  "[--suite FILE] [--db PATH] [--out DIR] [--baseline SELECTOR...] [--shard I/N] [--reps N]\n"
	  "    [--set PATH=VALUE]... [--push URL [--token-file F]]",
	  "the CI job: run the suite, compare with the history, trend, write summary, JUnit and KTAP", 1 },
	{ "bisect-run", cmd_bisect_run,
	  "[--db PATH] --baseline SELECTOR... [--bad SELECTOR... | --effect PCT] [--level L]\n"
	  "    [--tree DIR [--out DIR] [--build-nice N] | --build CMD] [--build-timeout S] [--timeout S]\n"
	  "    [--reps N] [--max-reps N] [--metric M] [--commit ID] [--set PATH=VALUE]...\n"
	  "    [--kernel IMAGE [--modules DIR]] [--accel auto|kvm|tcg] ... SCENARIO",
	  "the command of 'git bisect run': exit 0 good, 1 bad (a regression), 125 skip", 0 },
	{ "kernels", cmd_kernels, "[--db PATH] [--json] [SELECTOR...]",
	  "list the kernels measured in the database, with boot mode, hosts and run counts", 0 },
	{ "kernel", cmd_kernel,
	  "build --tree DIR [--out DIR] [--jobs N] [--fragment FILE]... [--base tinyconfig|defconfig|FILE]\n"
	  "    [--config-only] [--nice N] | fetch [--dir DIR] [ABI|PACKAGE] | list [--dir DIR]",
	  "build a lab kernel from a source tree, or fetch a Debian kernel package, to boot with 'run --kernel'",
	  0 },
	{ "runs", cmd_runs, "[--db PATH] [SELECTOR...]", "list stored runs", 0 },
	{ "export", cmd_export, "[--db PATH] --format json|csv [--samples] [SELECTOR...]",
	  "export stored runs (JSON contract in README)", 0 },
	{ "compare", cmd_compare,
	  "[--db PATH] --baseline SELECTOR... --candidate SELECTOR... [--metric M]...\n"
	  "    [--format text|json|markdown|junit|ktap] [--output FILE] [--alpha A]\n"
	  "    [--correction holm|bh|none] [--floor PCT] [--level L] [--unit auto|runs|groups]\n"
	  "    [--fail-on-inconclusive] [--report DIR [--png]]",
	  "regression verdicts between two selections of runs (exit 1 on a regression)", 0 },
	{ "trend", cmd_trend,
	  "[--db PATH] [--by night|kernel] [--metric M]...\n"
	  "    [--format text|json|markdown|junit|ktap] [--output FILE] [--min-size N]\n"
	  "    [--floor PCT] [--no-store] [SELECTOR...]",
	  "change points over each series' nightly history; exit 1 when the newest regime regressed", 0 },
	{ "calibrate", cmd_calibrate,
	  "[--db PATH] [--reps N] [--invocations K] [--change PCT] [--metric M]... [--set PATH=VALUE]...\n"
	  "    [--json] SCENARIO|SUITE... | --from SELECTOR...",
	  "each series' noise within and between invocations, and the smallest change it can detect", 0 },
	{ "ack", cmd_ack,
	  "[--db PATH] ID... --note TEXT [--by NAME] | --list [--all] [--host NAME] [--json] |\n"
	  "    --undo ID...",
	  "acknowledge a regression nightly reported (it is then no longer open), list them, reopen one", 0 },
	{ "merge", cmd_merge, "[--db TARGET] SOURCE.db...",
	  "import other lab boxes' runs (de-duplicated by uuid, host and kernel kept)", 0 },
	{ "push", cmd_push,
	  "[--db PATH] --url URL [--token-file F] [--insecure] [--batch N] [--now]\n"
	  "    [--connect-timeout MS] [--timeout MS]",
	  "send runs' metrics to a time-series database (InfluxDB line protocol), durable outbox", 0 },
	{ "report", cmd_report,
	  "[--db PATH] --out DIR [--baseline SELECTOR... | --baseline-nights N] [--png] [--timing]\n"
	  "    [SELECTOR...]",
	  "write the static HTML report (charts by gnuplot) and report.md of the newest night", 0 },
	{ "cleanup", cmd_cleanup, "--stale | NAME...",
	  "remove what crashed runs left behind (only the lab's own namespaces)", 1 },
	{ "xfer", cmd_xfer, "server|client --port P [...] (see runner/cmd_xfer.c)",
	  "internal: the native engine's traffic server and client, spawned by 'run'", 0 },
};
const unsigned n_commands = sizeof(commands) / sizeof(commands[0]);

void say_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* what was said before comes first, even in a pipe */
	fputs("mptcp-lab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_of(const char *name)
{
	for (unsigned i = 0; i < n_commands; i++)
		if (!strcmp(commands[i].name, name))
			fprintf(stderr, "usage: mptcp-lab %s %s\n", name, commands[i].args);
	return EXIT_USAGE;
}

int exit_code_for(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case -EINVAL:
	case -EBADMSG:
		return EXIT_DATAERR;
	case -EOPNOTSUPP:
	case -ENOPROTOOPT:
	case -EPROTONOSUPPORT:
	case -ENOSYS:
		return EXIT_UNAVAILABLE;
	default:
		return EXIT_SOFTWARE;
	}
}

static void on_signal(int sig)
{
	(void)sig;
	mpl_interrupted = 1;
}

int command_run(const struct command *c, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: mptcp-lab %s %s\n  %s\n", c->name, c->args, c->help);
			return EXIT_OK;
		}
	if (c->needs_root && geteuid() != 0) {
		say_error("'%s' needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN to create network namespaces)",
			  c->name);
		return EXIT_UNAVAILABLE;
	}
	/* No SA_RESTART: a blocking wait returns EINTR and the command
	 * unwinds through its undo journal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return c->fn(argc, argv);
}
