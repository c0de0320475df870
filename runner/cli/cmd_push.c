/*
 * cmd_push.c: `mptcp-lab push [--db PATH] --url URL [--token-file F]
 * [--insecure] [--batch N] [--now] [--connect-timeout MS] [--timeout MS]`:
 * the options, then push_flush() (push/: the runs, then the nightly
 * verdicts queued as points), then the summary line.
 *
 * Exit: 0 everything delivered, 1 some runs or verdict points kept for
 * later (failed, not tried, or waiting for their backoff), 64 usage, 65 bad input (token
 * file, a URL libcurl rejects as malformed), 70 database or internal
 * errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "commands.h"
#include "exitcodes.h"
#include "push.h"
#include "results.h"

struct push_args {
	const char *db, *url, *token_file;
	struct push_flush_opts opts;
};

static int parse_count(const char *opt, const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		say_error("invalid %s '%s': expected 1-%ld", opt, s, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct push_args *a)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "url", required_argument, NULL, 'u' },
		{ "token-file", required_argument, NULL, 'f' },
		{ "token", required_argument, NULL, 'T' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "batch", required_argument, NULL, 'b' },
		{ "now", no_argument, NULL, 'n' },
		{ "connect-timeout", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{},
	};
	long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case 'u':
			a->url = optarg;
			break;
		case 'f':
			a->token_file = optarg;
			break;
		case 'T':
			say_error("a token is never taken from the command line (ps and shell history "
				  "show it): use --token-file or $" PUSH_TOKEN_ENV);
			return EXIT_USAGE;
		case 'k':
			a->opts.http.insecure = true;
			break;
		case 'n':
			a->opts.now = true;
			break;
		case 'b':
			if (parse_count("--batch", optarg, 100000, &v) < 0)
				return EXIT_USAGE;
			a->opts.batch = (size_t)v;
			break;
		case 'c':
			if (parse_count("--connect-timeout", optarg, 600000, &v) < 0)
				return EXIT_USAGE;
			a->opts.http.connect_timeout_ms = v;
			break;
		case 't':
			if (parse_count("--timeout", optarg, 3600000, &v) < 0)
				return EXIT_USAGE;
			a->opts.http.timeout_ms = v;
			break;
		default:
			return usage_of(argv[0]);
		}
	}
	if (optind < argc) {
		say_error("unexpected argument '%s'", argv[optind]);
		return usage_of(argv[0]);
	}
	if (!a->url || (strncmp(a->url, "http://", 7) && strncmp(a->url, "https://", 8))) {
		say_error("'push' needs --url http://... or https://...");
		return usage_of(argv[0]);
	}
	a->opts.http.url = a->url;
	return 0;
}

int cmd_push(int argc, char **argv)
{
	struct push_args a = { .opts = { .cancel = &mpl_interrupted,
					 .batch_failed = cmdutil_push_failed,
					 .points_failed = cmdutil_points_failed } };
	struct push_summary t = { 0 };
	struct results *db = NULL;
	struct diag d = DIAG_INIT;
	char *token = NULL;
	int ret, rc;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	ret = push_token_read(a.token_file, &token, &d);
	if (ret < 0) {
		if (d.err)
			say_error("%s", diag_str(&d));
		return ret == -ENOMEM ? EXIT_SOFTWARE : EXIT_DATAERR;
	}
	a.opts.http.token = token;
	/* the URL before the database: a malformed URL creates nothing */
	ret = push_url_check(a.url, &d);
	if (ret < 0)
		goto out;
	ret = results_open(a.db, &db, &d);
	if (ret < 0)
		goto out;
	ret = push_flush(db, &a.opts, &t, &d);
out:
	rc = cmdutil_push_outcome(ret, &d, &t, a.url);
	results_close(db);
	push_token_free(token);
	return rc;
}
