/*
 * test_bisect: the pure decisions of bisect-run (runner/job/bisect.c): the
 * --build splitter (words, quotes, escapes, errors), the mapping of the
 * worker's wait status to 0/1/125 only, what a `run` exit code means, when
 * a batch is usable, the verdict -> step rule and the batch sizes.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bisect.h"
#include "check.h"

/* cmd splits into exactly the words of want (NULL-terminated). */
static void split_ok(const char *cmd, const char *const *want)
{
	struct diag d = DIAG_INIT;
	char **argv = NULL;
	size_t argc = 0, n = 0;
	int r;

	while (want[n])
		n++;
	r = bisect_split_command(cmd, &argv, &argc, &d);
	CHECK(r == 0, "split [%s]: %s", cmd, r ? diag_str(&d) : "ok");
	CHECK(argc == n, "split [%s]: %zu words (want %zu)", cmd, argc, n);
	for (size_t i = 0; i < n; i++)
		CHECK(!strcmp(argv[i], want[i]), "split [%s]: word %zu is [%s]", cmd, i, argv[i]);
	CHECK(argv[n] == NULL, "split [%s]: argv is NULL-terminated", cmd);
	bisect_argv_free(argv);
}

static void split_bad(const char *cmd, const char *why)
{
	struct diag d = DIAG_INIT;
	char **argv = NULL;
	size_t argc = 0;
	int r = bisect_split_command(cmd, &argv, &argc, &d);

	CHECK(r == -EINVAL && strstr(d.msg, why) && !argv, "split [%s] is refused: %s", cmd, d.msg);
}

/* The wait status of a real child that exits code / dies of sig. */
static int status_of(int code, int sig)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		if (sig) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		_exit(code);
	}
	waitpid(pid, &st, 0);
	return st;
}

int main(void)
{
	char why[256];
	uint64_t us;

	split_ok("make -j8 bzImage", (const char *const[]){ "make", "-j8", "bzImage", NULL });
	split_ok("  make\t-C  linux \n", (const char *const[]){ "make", "-C", "linux", NULL });
	split_ok("sh -c 'make && make modules_install'",
		 (const char *const[]){ "sh", "-c", "make && make modules_install", NULL });
	split_ok("echo \"a \\\"quoted\\\" word\" x",
		 (const char *const[]){ "echo", "a \"quoted\" word", "x", NULL });
	split_ok("a\\ b c", (const char *const[]){ "a b", "c", NULL });
	split_ok("pre'fix 'mid\"dle\"end", (const char *const[]){ "prefix middleend", NULL });
	split_ok("x '' \"\"", (const char *const[]){ "x", "", "", NULL });
	split_ok("'\\n' $HOME a|b >out",
		 (const char *const[]){ "\\n", "$HOME", "a|b", ">out", NULL });
	split_bad("", "empty");
	split_bad("   \t", "empty");
	split_bad("make 'oops", "unterminated '");
	split_bad("make \"oops", "unterminated \"");
	split_bad("make oops\\", "trailing backslash");

	CHECK(bisect_parse_seconds("30", &us) == 0 && us == 30000000ULL, "'30' is 30 s");
	CHECK(bisect_parse_seconds("90s", &us) == 0 && us == 90000000ULL, "'90s' is 90 s");
	CHECK(bisect_parse_seconds("1500ms", &us) == 0 && us == 1500000ULL, "'1500ms'");
	CHECK(bisect_parse_seconds("0", &us) < 0, "0 s is refused");
	CHECK(bisect_parse_seconds("-3", &us) < 0, "-3 is refused");
	CHECK(bisect_parse_seconds("3x", &us) < 0, "'3x' is refused");
	CHECK(bisect_parse_seconds("", &us) < 0, "'' is refused");

	/* Only 0, 1 and 125 pass; everything else becomes 125 with a reason. */
	CHECK(bisect_exit_for_wait(status_of(0, 0), why, sizeof(why)) == 0 && !*why, "exit 0 -> 0");
	CHECK(bisect_exit_for_wait(status_of(1, 0), why, sizeof(why)) == 1 && !*why, "exit 1 -> 1");
	CHECK(bisect_exit_for_wait(status_of(125, 0), why, sizeof(why)) == 125 && !*why,
	      "exit 125 -> 125");
	{
		char bad[300] = "";

		for (int code = 2; code < 256 && !bad[0]; code++) {
			if (code == 125)
				continue;
			if (bisect_exit_for_wait(status_of(code, 0), why, sizeof(why)) != 125 ||
			    !strstr(why, "exited"))
				snprintf(bad, sizeof(bad), ": not exit %d ('%s')", code, why);
		}
		CHECK(!bad[0], "every other exit code 2..255 -> 125 with a reason%s", bad);
	}
	CHECK(bisect_exit_for_wait(status_of(0, SIGSEGV), why, sizeof(why)) == 125 &&
		      strstr(why, "signal 11"),
	      "death by SIGSEGV -> 125 (%s)", why);
	CHECK(bisect_exit_for_wait(status_of(0, SIGKILL), why, sizeof(why)) == 125 &&
		      strstr(why, "signal 9"),
	      "death by SIGKILL -> 125 (%s)", why);

	CHECK(!bisect_run_failure(0) && !bisect_run_failure(1), "run 0 and 1 were measured");
	CHECK(bisect_run_failure(64) && bisect_run_failure(65) && bisect_run_failure(69) &&
		      bisect_run_failure(70) && bisect_run_failure(130) && bisect_run_failure(2),
	      "run 64, 65, 69, 70, 130 and anything else are skips");
	CHECK(strstr(bisect_run_failure(65), "refused its input"), "65 says the input was refused");

	CHECK(!bisect_batch_usable(0, 5), "no ok run: unusable");
	CHECK(!bisect_batch_usable(2, 5), "2 of 5 ok: unusable");
	CHECK(bisect_batch_usable(3, 5), "3 of 5 ok: usable");
	CHECK(bisect_batch_usable(1, 2), "1 of 2 ok: usable (half)");
	CHECK(!bisect_batch_usable(0, 0), "no run at all: unusable");

	{
		size_t c[3] = { 0 };

		CHECK(bisect_decide(c, 5, 15) == BISECT_STEP_NOTHING, "no series: nothing");
		c[STATS_BISECT_GOOD] = 2;
		CHECK(bisect_decide(c, 5, 15) == BISECT_STEP_GOOD, "every series good: good");
		c[STATS_BISECT_UNSURE] = 1;
		CHECK(bisect_decide(c, 5, 15) == BISECT_STEP_MORE, "one unsure: more");
		CHECK(bisect_decide(c, 15, 15) == BISECT_STEP_UNDECIDED,
		      "unsure at max: undecided");
		c[STATS_BISECT_BAD] = 1;
		CHECK(bisect_decide(c, 5, 15) == BISECT_STEP_BAD, "one bad series wins: bad");
	}

	CHECK(bisect_next_batch(0, 5, 15) == 5, "first batch: --reps");
	CHECK(bisect_next_batch(5, 5, 15) == 2, "then 2 more");
	CHECK(bisect_next_batch(13, 5, 15) == 2, "13 -> 15");
	CHECK(bisect_next_batch(14, 5, 15) == 1, "never beyond --max-reps");
	CHECK(bisect_next_batch(15, 5, 15) == 0, "at --max-reps: none");
	CHECK(bisect_next_batch(0, 10, 6) == 6, "--reps above --max-reps is capped");
	printf("%u checks passed\n", check_count);
	return 0;
}
