/*
 * cmd_merge.c: `mptcp-lab merge [--db TARGET] SOURCE.db...`: import the
 * runs of other lab boxes' databases into this one (results_merge()),
 * de-duplicated by run uuid, host and kernel identity kept. Each source
 * is its own transaction: a bad source is reported and the others are
 * still merged.
 *
 * Prints one line per source: "merged 'a.db': 12 imported, 3 already
 * present". Exit 0 when every source merged, 65 when a source was refused
 * (not a results database, a newer schema, unreadable), 70 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "exitcodes.h"
#include "results.h"

static int merge_exit_code(int err)
{
	switch (err) {
	case -ENOTSUP: /* a newer schema: bad input here, not a missing capability */
	case -EINVAL:
	case -ENOENT:
	case -EACCES:
		return EXIT_DATAERR;
	default:
		return exit_code_for(err);
	}
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{},
	};
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	const char *target = NULL;
	size_t imported = 0, present = 0;
	int c, ret, rc = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			target = optarg;
			break;
		default:
			return usage_of(argv[0]);
		}
	}
	if (optind >= argc) {
		say_error("'merge' needs at least one source database");
		return usage_of(argv[0]);
	}
	ret = results_open(target, &db, &d);
	if (ret < 0) {
		say_error("%s", diag_str(&d));
		return exit_code_for(ret);
	}
	for (int i = optind; i < argc && !mpl_interrupted; i++) {
		struct results_merge_counts n;

		diag_clear(&d);
		ret = results_merge(db, argv[i], &n, &d);
		if (ret < 0) {
			say_error("%s", diag_str(&d));
			/* the worst outcome decides: internal errors over bad input */
			if (rc != EXIT_SOFTWARE)
				rc = merge_exit_code(ret);
			continue;
		}
		imported += n.imported;
		present += n.present;
		printf("merged '%s': %zu imported, %zu already present\n", argv[i], n.imported,
		       n.present);
	}
	if (argc - optind > 1)
		printf("total: %zu imported, %zu already present\n", imported, present);
	if (mpl_interrupted && rc == EXIT_OK)
		rc = EXIT_SOFTWARE;
	results_close(db);
	return rc;
}
