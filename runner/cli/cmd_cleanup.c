/*
 * cmd_cleanup.c: `mptcp-lab cleanup --stale | NAME...`. Removes what a
 * killed run left behind: labs whose owner is gone and that were not kept
 * by `topo up`, and "mpl-" namespaces nobody registered. Named labs are
 * removed whatever their state. Nothing without the lab's prefix is
 * touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exitcodes.h"
#include "lab.h"

int cmd_cleanup(int argc, char **argv)
{
	struct diag d = DIAG_INIT;
	char **removed = NULL;
	unsigned n = 0;
	int ret = EXIT_OK, r;

	if (argc < 2)
		return usage_of("cleanup");
	if (strcmp(argv[1], "--stale")) {
		for (int i = 1; i < argc; i++) {
			if (argv[i][0] == '-')
				return usage_of("cleanup");
			r = lab_destroy(argv[i], &d);
			if (r < 0) {
				say_error("%s", diag_str(&d));
				diag_clear(&d);
				ret = EXIT_SOFTWARE;
			} else {
				printf("removed lab %s\n", argv[i]);
			}
		}
		return ret;
	}
	if (argc != 2)
		return usage_of("cleanup");
	r = lab_cleanup_stale(&removed, &n, &d);
	for (unsigned i = 0; i < n; i++) {
		printf("removed stale lab %s\n", removed[i]);
		free(removed[i]);
	}
	free(removed);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		return EXIT_SOFTWARE;
	}
	if (!n)
		printf("nothing stale\n");
	return EXIT_OK;
}
