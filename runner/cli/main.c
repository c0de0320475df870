/*
 * main.c: mptcp-lab's entry point. Dispatches to one command of the table
 * in commands.c; nothing below runner/ prints or exits.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "exitcodes.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: mptcp-lab <command> [<args>]\n\ncommands:\n");
	for (unsigned i = 0; i < n_commands; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'mptcp-lab <command> --help' shows a command's arguments.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("mptcp-lab %s\n", mpl_version());
		return EXIT_OK;
	}
	for (unsigned i = 0; i < n_commands; i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		return command_run(&commands[i], argc - 1, argv + 1);
	}
	say_error("'%s' is not a command; see 'mptcp-lab --help'", argv[1]);
	return EXIT_USAGE;
}
