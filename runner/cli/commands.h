/*
 * commands.h: the command table. One file per command (cmd_<name>.c), each
 * exporting one function; main.c dispatches on the exact name and generates
 * the usage text from the table.
 */
#ifndef MPL_COMMANDS_H
#define MPL_COMMANDS_H

struct command {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
	const char *args;		   /* synopsis after the name */
	const char *help;		   /* one line */
	unsigned needs_root : 1;	   /* refuse early without CAP_NET_ADMIN */
};

int cmd_check(int argc, char **argv);
int cmd_topo(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_nightly(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_trend(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_xfer(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_bisect_run(int argc, char **argv);
int cmd_kernels(int argc, char **argv);
int cmd_kernel(int argc, char **argv);
int cmd_ack(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

extern const struct command commands[];
extern const unsigned n_commands;

/* Shared by commands: print "mptcp-lab: <msg>" on stderr. */
void say_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "usage: mptcp-lab <name> <args>" for the command and return 64. */
int usage_of(const char *name);

/* Set by the SIGINT/SIGTERM handler that main() installs; library code
 * polls it through lab_opts.cancel and the like. */
#include <signal.h>
extern volatile sig_atomic_t mpl_interrupted;

#include "version.h"

/* Install signal handlers, check privileges, run the command. */
int command_run(const struct command *c, int argc, char **argv);
#endif
