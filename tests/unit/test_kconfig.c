/*
 * test_kconfig: runner/vm/kconfig*.c on a small synthetic kernel tree
 * written here, shaped like the real one: a top Kconfig that sources
 * files through $(SRCARCH), `if` blocks, a menu and a choice with their
 * `depends on`, continuation lines, help texts that mention `depends on`,
 * `if` and `endif` (which must not count), a prompt with `if`, selects.
 *
 *   - .config values: y/m/numbers/strings read, "is not set" and absent
 *     both unset;
 *   - fragments: every bad line reported as file:line, a later line for a
 *     symbol replacing the earlier one;
 *   - merging: the fragment's symbols replace the base's lines, others
 *     kept;
 *   - expressions: tristate logic (&& min, || max, ! 2-x), comparisons of
 *     numbers and strings, against values worked out by hand;
 *   - explanations: each lost option's reason names the unmet condition,
 *     where it is, and the values of its symbols; a select that forces an
 *     unwanted option; an option the tree does not define; one with no
 *     prompt.
 * The real tree (linux-source-6.12) is the CLI test's (tests/cli/
 * kernel_build.sh), with make's own olddefconfig.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "kconfig.h"

static char tmpl[] = "/tmp/mpl-kconfig-XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512], dir[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpl, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(tmpl) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		check_failf(rel, "cannot write the fixture");
}

static void make_tree(void)
{
	put("Kconfig", "# SPDX-License-Identifier: GPL-2.0\n"
		       "mainmenu \"Linux/$(ARCH) Kernel Configuration\"\n"
		       "source \"init/Kconfig\"\n"
		       "source \"net/Kconfig\"\n"
		       "source \"arch/$(SRCARCH)/Kconfig\"\n"
		       "source \"arch/$(HEADER_ARCH)/um/Kconfig\"\n");
	put("init/Kconfig", "config MODULES\n"
			    "\tbool \"Enable loadable module support\"\n"
			    "\thelp\n"
			    "\t  Modules. This text says depends on FOO and\n"
			    "\n"
			    "\t  if BAR, endif, config FAKE: none of it counts.\n"
			    "\n"
			    "menuconfig NAMESPACES\n"
			    "\tbool \"Namespaces support\" if EXPERT\n"
			    "\tdefault y if !EXPERT\n"
			    "\n"
			    "if NAMESPACES\n"
			    "config NET_NS\n"
			    "\tbool \"Network namespace\"\n"
			    "\tdepends on NET\n"
			    "\tdefault y\n"
			    "endif # NAMESPACES\n"
			    "\n"
			    "config EXPERT\n"
			    "\tbool \"Configure standard kernel features (expert users)\"\n"
			    "\tselect DEBUG_KERNEL\n"
			    "\n"
			    "config DEBUG_KERNEL\n"
			    "\tbool \"Kernel debugging\"\n"
			    "\n"
			    "config HZ_CHOICE_DEP\n"
			    "\tbool\n"
			    "\tdefault y\n"
			    "choice\n"
			    "\tprompt \"Timer frequency\"\n"
			    "\tdepends on HZ_CHOICE_DEP && \\\n"
			    "\t\tNET\n"
			    "config HZ_250\n"
			    "\tbool \"250 HZ\"\n"
			    "config HZ_1000\n"
			    "\tbool \"1000 HZ\"\n"
			    "endchoice\n"
			    "\n"
			    "config NR_CPUS\n"
			    "\tint \"Maximum number of CPUs\" if SMP\n"
			    "\trange 2 512 if SMP\n"
			    "\n"
			    "config SMP\n"
			    "\tbool \"SMP\"\n");
	put("net/Kconfig", "menuconfig NET\n"
			   "\tbool \"Networking support\"\n"
			   "\n"
			   "if NET\n"
			   "menu \"Queueing\"\n"
			   "\tdepends on NET_SCHED\n"
			   "config NET_SCH_NETEM\n"
			   "\ttristate \"Network emulator (NETEM)\"\n"
			   "endmenu\n"
			   "config NET_SCHED\n"
			   "\tbool \"QoS and/or fair queueing\"\n"
			   "config NET_CLS_ACT\n"
			   "\tbool \"Actions\"\n"
			   "config NET_ACT_MIRRED\n"
			   "\ttristate \"Redirecting and Mirroring\"\n"
			   "\tdepends on NET_CLS_ACT\n"
			   "config NFT_FWD_NETDEV\n"
			   "\ttristate \"Netfilter forward\"\n"
			   "config IFB\n"
			   "\ttristate \"Intermediate Functional Block support\"\n"
			   "\tdepends on NET_ACT_MIRRED || NFT_FWD_NETDEV\n"
			   "config IPV6\n"
			   "\ttristate \"The IPv6 protocol\"\n"
			   "\tdefault y\n"
			   "config IPV6_SIT\n"
			   "\ttristate \"IPv6: IPv6-in-IPv4 tunnel (SIT driver)\"\n"
			   "\tdepends on IPV6\n"
			   "\tdefault y\n"
			   "config MPTCP\n"
			   "\tbool \"MPTCP: Multipath TCP\"\n"
			   "\tdepends on INET\n"
			   "config INET\n"
			   "\tbool \"TCP/IP networking\"\n"
			   "config NET_CORE_HIDDEN\n"
			   "\tbool\n"
			   "\tdefault n\n"
			   "config TUNNEL_USER\n"
			   "\tbool \"A tunnel user\"\n"
			   "\tselect IPV6_SIT if IPV6\n"
			   "config VERSION_GATED\n"
			   "\tbool \"Needs a new enough pahole\"\n"
			   "\tdepends on PAHOLE_VERSION >= 116 && CC_NAME != \"clang\"\n"
			   "config MACRO_GATED\n"
			   "\tbool \"Needs a compiler flag\"\n"
			   "\tdepends on $(cc-option,-fzero-call-used-regs=used-gpr)\n"
			   "endif # NET\n");
	put("arch/x86/Kconfig", "config X86_ONLY\n"
				"\tbool \"x86 only\"\n"
				"\tdepends on SMP\n");
	put("arch/arm64/Kconfig", "config ARM64_ONLY\n\tbool \"arm64 only\"\n");
}

static const char dotconfig[] = "#\n# Automatically generated file; DO NOT EDIT.\n#\n"
				"CONFIG_NET=y\n"
				"CONFIG_INET=y\n"
				"# CONFIG_NAMESPACES is not set\n"
				"# CONFIG_NET_SCHED is not set\n"
				"CONFIG_NET_CLS_ACT=y\n"
				"CONFIG_NET_ACT_MIRRED=m\n"
				"CONFIG_IPV6=y\n"
				"CONFIG_IPV6_SIT=y\n"
				"CONFIG_TUNNEL_USER=y\n"
				"CONFIG_HZ_CHOICE_DEP=y\n"
				"CONFIG_HZ_250=y\n"
				"CONFIG_NR_CPUS=1\n"
				"CONFIG_PAHOLE_VERSION=125\n"
				"CONFIG_CC_NAME=\"gcc\"\n"
				"CONFIG_DEFAULT_HOSTNAME=\"(none)\"\n";

static void test_values(const struct kconfig_values *v)
{
	static const char *const cases[][2] = {
		{ "NET", "y" },		  { "NET_ACT_MIRRED", "m" }, { "NR_CPUS", "1" },
		{ "CC_NAME", "\"gcc\"" }, { "NAMESPACES", NULL },    { "NOT_THERE", NULL },
		{ "DEFAULT_HOSTNAME", "\"(none)\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = kconfig_value(v, cases[i][0]), *want = cases[i][1];

		checkf(want ? got && !strcmp(got, want) : !got, ".config: %s is %s", cases[i][0],
		       want ? want : "not set");
	}
}

static void test_eval(const struct kconfig_values *v)
{
	static const struct {
		const char *expr;
		int want;
	} cases[] = {
		{ "NET", 2 },
		{ "NET_ACT_MIRRED", 1 },
		{ "NAMESPACES", 0 },
		{ "!NET_ACT_MIRRED", 1 },
		{ "NET && NET_ACT_MIRRED", 1 },
		{ "NET_ACT_MIRRED || NET", 2 },
		{ "NAMESPACES || NET_ACT_MIRRED", 1 },
		{ "!(NET && NAMESPACES)", 2 },
		{ "NET_ACT_MIRRED || NFT_FWD_NETDEV", 1 },
		{ "NET_SCHED || (INET && !IPV6)", 0 },
		{ "PAHOLE_VERSION >= 116", 2 },
		{ "PAHOLE_VERSION < 116", 0 },
		{ "NR_CPUS = 1", 2 },
		{ "NR_CPUS != 1", 0 },
		{ "CC_NAME != \"clang\"", 2 },
		{ "CC_NAME = \"gcc\"", 2 },
		{ "IPV6 = y", 2 },
		{ "NET_ACT_MIRRED = m", 2 },
		{ "NAMESPACES = n", 2 },
		{ "m", 1 },
		{ "y && !n", 2 },
		{ "$(cc-option,-foo)", -1 },
		{ "NET &&", -1 },
		{ "(NET", -1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int got = kconfig_eval(cases[i].expr, v);

		checkf(got == cases[i].want, "eval '%s' = %d (want %d)", cases[i].expr, got,
		       cases[i].want);
	}
}

static void test_fragment(void)
{
	struct kconfig_want *w = NULL;
	struct diag_list errs = DIAG_LIST_INIT;
	size_t n = 0;
	int r;

	put("good.config", "# the lab\nCONFIG_NET=y\n\n# CONFIG_IPV6_SIT is not set\nCONFIG_NR_CPUS=8\n"
			   "CONFIG_CMDLINE=\"console=ttyS0\"\nCONFIG_NET=m\n");
	r = kconfig_fragment_load(check_tmpdir_file("good.config"), &w, &n, &errs);
	check(r == 0 && !errs.n && n == 4, "a good fragment loads", "r %d, %zu errors, %zu settings",
	      r, errs.n, n);
	check(!strcmp(w[0].sym, "NET") && !strcmp(w[0].value, "m") && strstr(w[0].where, ":7"),
	      "a later line for a symbol replaces the earlier", "NET=%s at %s", w[0].value,
	      w[0].where);
	check(!strcmp(w[1].sym, "IPV6_SIT") && !strcmp(w[1].value, "n"),
	      "'is not set' is the value n", "%s=%s", w[1].sym, w[1].value);
	check(!strcmp(w[3].value, "\"console=ttyS0\""), "a quoted string is kept with its quotes",
	      "%s", w[3].value);

	put("bad.config", "CONFIG_NET=y\nNET=y\nCONFIG_IFB\nCONFIG_VETH=\nCONFIG_X=\"open\n"
			  "CONFIG_Y=a b\n# a comment about CONFIG_Z\nCONFIG_MPTCP=y\n");
	r = kconfig_fragment_load(check_tmpdir_file("bad.config"), &w, &n, &errs);
	check(r == -EINVAL && errs.n == 5, "every bad line of a fragment is an error",
	      "r %d, %zu errors", r, errs.n);
	check(strstr(errs.msgs[0], "bad.config:2: ") && strstr(errs.msgs[0], "'NET=y'") &&
		      strstr(errs.msgs[1], ":3: ") && strstr(errs.msgs[2], ":4: no value") &&
		      strstr(errs.msgs[3], ":5: ") && strstr(errs.msgs[4], ":6: "),
	      "errors are located file:line and quote the line", "%s | %s | %s | %s | %s",
	      errs.msgs[0], errs.msgs[1], errs.msgs[2], errs.msgs[3], errs.msgs[4]);
	diag_list_release(&errs);
	r = kconfig_fragment_load(check_tmpdir_file("missing.config"), &w, &n, &errs);
	check(r == -ENOENT && errs.n == 1 && strstr(errs.msgs[0], "missing.config"),
	      "a missing fragment is named", "r %d: %s", r, errs.n ? errs.msgs[0] : "");
	diag_list_release(&errs);
	free(w);
}

static void test_merge(void)
{
	struct kconfig_want w[] = {
		{ "NAMESPACES", "y", "" }, { "IPV6_SIT", "n", "" }, { "VETH", "y", "" },
	};
	struct kconfig_values *v = NULL;
	struct diag d = DIAG_INIT;

	put("base.config", dotconfig);
	check_must(kconfig_merge(check_tmpdir_file("base.config"), w, ARRAY_SIZE(w),
				 check_tmpdir_file("merged.config"), &d),
		   "merge", &d);
	check_must(kconfig_values_load(check_tmpdir_file("merged.config"), &v, &d), "read", &d);
	checkf(kconfig_value(v, "NAMESPACES") && !kconfig_value(v, "IPV6_SIT") &&
		       kconfig_value(v, "VETH") && !strcmp(kconfig_value(v, "NET_ACT_MIRRED"), "m") &&
		       !strcmp(kconfig_value(v, "NR_CPUS"), "1"),
	       "merge: the fragment's symbols replaced or added, the others kept");
	kconfig_values_free(v);
}

/* explain w on v: its text must hold every needle. */
static void expect_explained(const struct kconfig_tree *t, const struct kconfig_values *v,
			     const char *sym, const char *value, const char *const *needles)
{
	struct kconfig_want w = { 0 };
	char buf[2048];
	bool ok = true;

	snprintf(w.sym, sizeof(w.sym), "%s", sym);
	snprintf(w.value, sizeof(w.value), "%s", value);
	kconfig_explain(t, v, &w, "    ", buf, sizeof(buf));
	for (size_t i = 0; needles[i]; i++)
		ok &= strstr(buf, needles[i]) != NULL;
	check(ok, sym, "wanted %s; explanation:\n%s", value, buf);
	printf("#   %s=%s:\n%s\n", sym, value, buf);
}

static void test_explain(const struct kconfig_values *v)
{
	struct kconfig_tree *t = NULL;
	struct diag d = DIAG_INIT;

	check_must(kconfig_tree_load(tmpl, "x86", &t, &d), "load the tree", &d);
	checkf(kconfig_tree_files(t) == 4, "the tree: 4 files read (arm64's and a macro's not)");
	checkf(kconfig_tree_defines(t, "X86_ONLY") && !kconfig_tree_defines(t, "ARM64_ONLY"),
	       "$(SRCARCH) is x86");
	checkf(!kconfig_tree_defines(t, "FAKE") && !kconfig_tree_defines(t, "FOO"),
	       "help texts are skipped");

	expect_explained(t, v, "NET_NS", "y",
			 (const char *const[]){ "inside 'if': NAMESPACES (init/Kconfig:12) is n",
						"NAMESPACES=n", NULL });
	expect_explained(t, v, "NET_SCH_NETEM", "y",
			 (const char *const[]){ "inside menu \"Queueing\", which depends on NET_SCHED",
						"(net/Kconfig:5) is n: NET_SCHED=n", NULL });
	expect_explained(t, v, "IFB", "y",
			 (const char *const[]){
				 "depends on NET_ACT_MIRRED || NFT_FWD_NETDEV (net/Kconfig:19) is m",
				 "NET_ACT_MIRRED=m NFT_FWD_NETDEV=n", NULL });
	expect_explained(t, v, "HZ_1000", "y",
			 (const char *const[]){ "one member of a choice (init/Kconfig:", "where HZ_250=y was chosen",
						NULL });
	expect_explained(t, v, "NR_CPUS", "8",
			 (const char *const[]){ "its prompt needs SMP", "SMP=n", NULL });
	expect_explained(t, v, "IPV6_SIT", "n",
			 (const char *const[]){ "selected by TUNNEL_USER=y (net/Kconfig:39) if IPV6",
						NULL });
	expect_explained(t, v, "VETH", "y",
			 (const char *const[]){ "CONFIG_VETH is not an option of this tree", NULL });
	expect_explained(t, v, "NET_CORE_HIDDEN", "y",
			 (const char *const[]){ "has no prompt (net/Kconfig:34)", NULL });
	expect_explained(t, v, "MACRO_GATED", "y",
			 (const char *const[]){ "cannot be evaluated here", NULL });
	expect_explained(t, v, "VERSION_GATED", "y",
			 (const char *const[]){ "Kconfig gives no reason", NULL });
	expect_explained(t, v, "MPTCP", "y",
			 (const char *const[]){ "Kconfig gives no reason", NULL });
	kconfig_tree_free(t);
}

int main(void)
{
	struct kconfig_values *v = NULL;
	struct diag d = DIAG_INIT;

	check_tmpdir_make(tmpl);
	make_tree();
	put(".config", dotconfig);
	check_must(kconfig_values_load(check_tmpdir_file(".config"), &v, &d), "read .config", &d);
	test_values(v);
	test_eval(v);
	test_fragment();
	test_merge();
	test_explain(v);
	kconfig_values_free(v);
	return check_done();
}
