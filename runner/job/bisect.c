/*
 * bisect.c: the pure decisions of bisect-run (bisect.h): the --build
 * splitter, the exit-code mapping and the batch arithmetic. No I/O here;
 * cmd_bisect.c does the talking.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bisect.h"
#include "diag.h"
#include "exitcodes.h"
#include "units.h"

void bisect_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

static int push_word(char ***argv, size_t *n, const char *word, size_t len)
{
	char **g = realloc(*argv, (*n + 2) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	*argv = g;
	g[*n] = strndup(word, len);
	if (!g[*n])
		return -ENOMEM;
	g[++*n] = NULL;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int bisect_split_command(const char *cmd, char ***argv_out, size_t *argc_out, struct diag *d)
{
	size_t len = strlen(cmd), n = 0, w;
	char **argv = NULL, *word = NULL;
	const char *p = cmd;
	int ret = 0;

	/* a word is never longer than the command */
	word = malloc(len + 1);
	if (!word)
		return -ENOMEM;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		w = 0;
		while (*p && !is_blank(*p)) {
			if (*p == '\'') {
				const char *close = strchr(p + 1, '\'');

				if (!close) {
					ret = diag_set(d, -EINVAL, "unterminated ' in '%s'", cmd);
					goto out;
				}
				memcpy(word + w, p + 1, (size_t)(close - p - 1));
				w += (size_t)(close - p - 1);
				p = close + 1;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1])
						p++;
					word[w++] = *p;
				}
				if (!*p) {
					ret = diag_set(d, -EINVAL, "unterminated \" in '%s'", cmd);
					goto out;
				}
				p++;
			} else if (*p == '\\') {
				if (!p[1]) {
					ret = diag_set(d, -EINVAL, "trailing backslash in '%s'",
						       cmd);
					goto out;
				}
				word[w++] = p[1];
				p += 2;
			} else {
				word[w++] = *p++;
			}
		}
		ret = push_word(&argv, &n, word, w);
		if (ret < 0)
			goto out;
	}
	if (!n) {
		ret = diag_set(d, -EINVAL, "the command is empty");
		goto out;
	}
	*argv_out = TAKE_PTR(argv);
	*argc_out = n;
out:
	free(word);
	bisect_argv_free(argv);
	return ret;
}

int bisect_parse_seconds(const char *s, uint64_t *us)
{
	char *end;
	unsigned long long v;

	if (!*s)
		return -EINVAL;
	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtoull(s, &end, 10);
		if (!*end) {
			if (errno || !v || v > UINT64_MAX / 1000000)
				return -EINVAL;
			*us = v * 1000000ULL;
			return 0;
		}
	}
	if (units_parse_time_us(s, us) < 0 || !*us)
		return -EINVAL;
	return 0;
}

int bisect_exit_for_wait(int wstatus, char *why, size_t size)
{
	*why = '\0';
	if (WIFSIGNALED(wstatus)) {
		snprintf(why, size, "the measuring process was killed by signal %d (%s)",
			 WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
		return BISECT_SKIP;
	}
	if (!WIFEXITED(wstatus)) {
		snprintf(why, size, "the measuring process ended in an unknown way (status 0x%x)",
			 (unsigned)wstatus);
		return BISECT_SKIP;
	}
	switch (WEXITSTATUS(wstatus)) {
	case BISECT_GOOD:
	case BISECT_BAD:
	case BISECT_SKIP:
		return WEXITSTATUS(wstatus);
	default:
		snprintf(why, size, "the measuring process exited %d, which git would not read as a verdict",
			 WEXITSTATUS(wstatus));
		return BISECT_SKIP;
	}
}

const char *bisect_run_failure(int run_exit)
{
	switch (run_exit) {
	case EXIT_OK:
	case EXIT_FAIL:
		return NULL;
	case EXIT_USAGE:
		return "'run' refused its command line (exit 64)";
	case EXIT_DATAERR:
		return "'run' refused its input: the scenario, its topology, or a --kernel image or modules (exit 65, said above)";
	case EXIT_UNAVAILABLE:
		return "a capability is missing: a kernel feature the scenario needs, or a tool such as qemu (exit 69, said above)";
	case EXIT_SOFTWARE:
		return "the runner failed: lab, tool or database (exit 70)";
	case 128 + 2: /* SIGINT */
		return "the runs were interrupted (exit 130)";
	default:
		return "'run' ended with an unexpected exit code";
	}
}

bool bisect_batch_usable(size_t ok, size_t total)
{
	return ok > 0 && 2 * ok >= total;
}

enum bisect_step bisect_decide(const size_t answers[3], unsigned reps_done, unsigned max_reps)
{
	if (!answers[STATS_BISECT_GOOD] && !answers[STATS_BISECT_BAD] &&
	    !answers[STATS_BISECT_UNSURE])
		return BISECT_STEP_NOTHING;
	if (answers[STATS_BISECT_BAD])
		return BISECT_STEP_BAD;
	if (answers[STATS_BISECT_UNSURE])
		return reps_done < max_reps ? BISECT_STEP_MORE : BISECT_STEP_UNDECIDED;
	return BISECT_STEP_GOOD;
}

unsigned bisect_next_batch(unsigned reps_done, unsigned first_reps, unsigned max_reps)
{
	unsigned want = reps_done ? 2 : first_reps;

	if (reps_done >= max_reps)
		return 0;
	return want > max_reps - reps_done ? max_reps - reps_done : want;
}
