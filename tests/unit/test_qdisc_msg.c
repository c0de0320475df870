/*
 * test_qdisc_msg: the netlink requests lab/qdisc*.c builds, taken apart
 * again the way the kernel reads them. No root, no sockets.
 *
 * For known shapings (50 Mbit/s, 20 ms delay, 2 ms jitter, 1.5 % loss,
 * 10 % reorder; 40 Gbit/s to need the 64-bit rate attributes; a few
 * sizes for the derived limits) it builds every request with
 * lab_qdisc_build() and friends, parses it with nlmsg_parse()/nla_parse()
 * (netem: skipping the bare struct tc_netem_qopt as sch_netem.c's
 * parse_attr() does) and checks each field against a value worked out by
 * hand in the comments. It also feeds the requests to the kinds' read-back
 * functions, whose input (the kernel's dump) has the same layout.
 *
 * Prints one line per check; exits 1 at the first failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "lab_int.h"
#include "qdisc_kind.h"

#define IFINDEX 7
#define IFB_IFINDEX 9

static unsigned checks;

static void pass(const char *what, const char *got)
{
	checks++;
	printf("ok   %-52s %s\n", what, got);
}

static void fail(int line, const char *what, const char *got, const char *want)
{
	printf("FAIL %s (line %d): got %s, want %s\n", what, line, got, want);
	exit(1);
}

static void check_u64(int line, const char *what, uint64_t got, uint64_t want)
{
	char g[32], w[32];

	snprintf(g, sizeof(g), "%" PRIu64, got);
	snprintf(w, sizeof(w), "%" PRIu64, want);
	if (got != want)
		fail(line, what, g, w);
	pass(what, g);
}

static void check_range(int line, const char *what, uint64_t got, uint64_t lo, uint64_t hi)
{
	char g[32], w[64];

	snprintf(g, sizeof(g), "%" PRIu64, got);
	snprintf(w, sizeof(w), "%" PRIu64 "..%" PRIu64, lo, hi);
	if (got < lo || got > hi)
		fail(line, what, g, w);
	pass(what, g);
}

static void check_true(int line, const char *what, int cond)
{
	if (!cond)
		fail(line, what, "false", "true");
	pass(what, "true");
}

static void check_near(int line, const char *what, double got, double want, double tol)
{
	char g[48], w[48];

	snprintf(g, sizeof(g), "%.9f", got);
	snprintf(w, sizeof(w), "%.9f", want);
	if (got - want > tol || want - got > tol)
		fail(line, what, g, w);
	pass(what, g);
}

static void check_str_attr(int line, const char *what, struct nlattr *a, const char *want)
{
	char g[64];

	if (!a)
		fail(line, what, "(absent)", want);
	/* A string attribute must carry its NUL: the kernel's nla_strcmp
	 * compares len bytes. */
	snprintf(g, sizeof(g), "%.*s", nla_len(a), (const char *)nla_data(a));
	if (nla_len(a) != (int)strlen(want) + 1 || strcmp(g, want))
		fail(line, what, g, want);
	pass(what, g);
}

#define U64(what, got, want) check_u64(__LINE__, what, (uint64_t)(got), (uint64_t)(want))
#define RANGE(what, got, lo, hi) check_range(__LINE__, what, (uint64_t)(got), lo, hi)
#define TRUE(what, cond) check_true(__LINE__, what, (cond) ? 1 : 0)
#define NEAR(what, got, want, tol) check_near(__LINE__, what, got, want, tol)
#define STR(what, a, want) check_str_attr(__LINE__, what, a, want)

/* A parsed request: header, tcmsg and top-level attributes. */
struct req {
	struct nl_msg *msg;
	struct nlmsghdr *nlh;
	struct tcmsg *t;
	struct nlattr *tb[TCA_MAX + 1];
};

static void req_parse(int line, struct req *r, struct nl_msg *msg, int type, int flags)
{
	memset(r, 0, sizeof(*r));
	if (!msg)
		fail(line, "message built", "NULL", "a message");
	r->msg = msg;
	r->nlh = nlmsg_hdr(msg);
	check_u64(line, "  nlmsg_type", r->nlh->nlmsg_type, (uint64_t)type);
	check_u64(line, "  nlmsg_flags", r->nlh->nlmsg_flags, (uint64_t)flags);
	check_true(line, "  nlmsg_len covers struct tcmsg", nlmsg_valid_hdr(r->nlh, sizeof(*r->t)));
	r->t = nlmsg_data(r->nlh);
	check_true(line, "  nlmsg_parse(TCA_MAX)",
		   nlmsg_parse(r->nlh, sizeof(*r->t), r->tb, TCA_MAX, NULL) == 0);
	check_u64(line, "  tcm_family", r->t->tcm_family, AF_UNSPEC);
}

static void req_free(struct req *r)
{
	nlmsg_free(r->msg);
	r->msg = NULL;
}

/* lab_qdisc_build() of kind as the root qdisc (handle 1:) for sh, derived
 * for an mtu of 1500 into p. */
static int build_root(const char *kind, const struct lab_shaping *sh, struct lab_shape_params *p,
		      struct nl_msg **msg, struct diag *d)
{
	lab_shape_derive(sh, 1500, p);
	return lab_qdisc_build(kind, IFINDEX, 0x00010000, TC_H_ROOT, p, msg, d);
}

/* The reference shaping: 50 Mbit/s, 20 ms delay, 2 ms jitter, 1.5 % loss,
 * 10 % reorder. */
#define SHAPING_50M                                                            \
	{ .rate_bps = 50000000, .delay_us = 20000, .jitter_us = 2000, .loss_pct = 1.5,   \
	  .reorder_pct = 10 }

static struct lab_shaping shaping_50m(void)
{
	return (struct lab_shaping)SHAPING_50M;
}

static void test_derive(void)
{
	/* Each want worked out by hand from the rules in lab/qdisc.c: burst =
	 * rate x 4 ms, at least 2 frames of mtu + 14; queue = rate x RTT
	 * (2 x delay, at least 20 ms) + burst; netem limit = 2 x rate (10
	 * Gbit/s when unshaped) x (delay + jitter) / (8 x mtu) + 100, at
	 * least 1000. */
	static const struct {
		const char *name;
		struct lab_shaping sh;
		uint32_t mtu;
		uint64_t mtu_want, burst, queue, netem_limit;
	} cases[] = {
		/* 6 250 000 B/s x 4 ms = 25 000 (> 2 x 1514); x 40 ms =
		 * 250 000, + 25 000; 2 x 50e6 x 22 ms / 12 000 = 183 + 100 */
		{ "50M", SHAPING_50M, 1500, 1500, 25000, 275000, 1000 },
		/* mtu 0: 1500; 125 000 B/s x 4 ms = 500 < 2 x 1514 = 3 028;
		 * no delay: x 20 ms = 2 500, + 3 028; no delay: 100 */
		{ "1M, mtu 0", { .rate_bps = 1000000 }, 0, 1500, 3028, 5528, 1000 },
		/* 125e6 B/s x 4 ms = 500 000; x 100 ms = 12.5e6, + 500 000;
		 * 2 x 1e9 x 50 ms / 12 000 = 8 333 + 100 */
		{ "1G 50ms", { .rate_bps = 1000000000, .delay_us = 50000 }, 1500, 1500, 500000,
		  13000000, 8433 },
		/* no rate, no tbf: 0, 0; 2 x 1e10 x 10 ms / 12 000 = 16 666
		 * + 100 */
		{ "netem only 10ms", { .delay_us = 10000 }, 1500, 1500, 0, 0, 16766 },
		/* 5e9 B/s x 4 ms = 20e6 (64-bit rate); the given queue_bytes
		 * and limit_pkts are kept */
		{ "40G, given queue and limit",
		  { .rate_bps = 40000000000ULL, .queue_bytes = 123456, .limit_pkts = 4321,
		    .delay_us = 1 },
		  9000, 9000, 20000000, 123456, 4321 },
	};
	struct lab_shape_params p;
	struct lab_shaping sh;
	char what[96];

	printf("# lab_shape_derive\n");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct lab_shaping *in = &cases[i].sh;

		lab_shape_derive(in, cases[i].mtu, &p);
		snprintf(what, sizeof(what), "%s: rate_bps", cases[i].name);
		U64(what, p.rate_bps, in->rate_bps);
		snprintf(what, sizeof(what), "%s: mtu", cases[i].name);
		U64(what, p.mtu, cases[i].mtu_want);
		snprintf(what, sizeof(what), "%s: burst_bytes", cases[i].name);
		U64(what, p.burst_bytes, cases[i].burst);
		snprintf(what, sizeof(what), "%s: queue_bytes", cases[i].name);
		U64(what, p.queue_bytes, cases[i].queue);
		snprintf(what, sizeof(what), "%s: netem_limit", cases[i].name);
		U64(what, p.netem_limit, cases[i].netem_limit);
		snprintf(what, sizeof(what), "%s: params keep the shaping", cases[i].name);
		TRUE(what, p.sh.rate_bps == in->rate_bps && p.sh.delay_us == in->delay_us &&
				   p.sh.jitter_us == in->jitter_us && p.sh.loss_pct == in->loss_pct &&
				   p.sh.reorder_pct == in->reorder_pct &&
				   p.sh.limit_pkts == in->limit_pkts &&
				   p.sh.queue_bytes == in->queue_bytes &&
				   p.sh.rate_qdisc == in->rate_qdisc);
	}

	memset(&sh, 0, sizeof(sh));
	sh.rate_bps = 10000000;
	TRUE("rate only does not need netem", !lab_shaping_needs_netem(&sh));
	sh.loss_pct = 0.1;
	TRUE("loss needs netem", lab_shaping_needs_netem(&sh));
	sh.loss_pct = 0;
	sh.jitter_us = 1;
	TRUE("jitter needs netem", lab_shaping_needs_netem(&sh));
}

static void test_plan(void)
{
	struct lab_qdisc_step s[LAB_QDISC_MAX_STEPS];
	struct lab_shape_params p;
	struct lab_shaping sh;
	unsigned n;

	printf("# lab_shape_plan (placement)\n");
	memset(&sh, 0, sizeof(sh));
	sh.rate_bps = 50000000;
	lab_shape_derive(&sh, 1500, &p);
	n = lab_shape_plan(&p, s);
	U64("rate only, tbf: 1 step", n, 1);
	TRUE("  tbf 1: at root", s[0].ops == &lab_qdisc_tbf_ops && !s[0].is_class &&
				     s[0].handle == 0x00010000 && s[0].parent == TC_H_ROOT);

	sh = shaping_50m();
	sh.rate_qdisc = LAB_RATE_HTB;
	lab_shape_derive(&sh, 1500, &p);
	n = lab_shape_plan(&p, s);
	U64("rate + netem, htb: 3 steps", n, 3);
	TRUE("  htb 1: at root", s[0].ops == &lab_qdisc_htb_ops && !s[0].is_class &&
				     s[0].handle == 0x00010000 && s[0].parent == TC_H_ROOT);
	TRUE("  class htb 1:1 under 1:", s[1].ops == &lab_qdisc_htb_ops && s[1].is_class &&
					     s[1].handle == 0x00010001 &&
					     s[1].parent == 0x00010000);
	TRUE("  netem 10: under 1:1", s[2].ops == &lab_qdisc_netem_ops && !s[2].is_class &&
					  s[2].handle == 0x00100000 && s[2].parent == 0x00010001);

	sh.rate_qdisc = LAB_RATE_TBF;
	lab_shape_derive(&sh, 1500, &p);
	n = lab_shape_plan(&p, s);
	U64("rate + netem, tbf: 2 steps", n, 2);
	TRUE("  tbf 1: at root, netem 10: under 1:1",
	     s[0].ops == &lab_qdisc_tbf_ops && s[0].parent == TC_H_ROOT &&
		     s[1].ops == &lab_qdisc_netem_ops && s[1].handle == 0x00100000 &&
		     s[1].parent == 0x00010001);

	sh.rate_bps = 0;
	lab_shape_derive(&sh, 1500, &p);
	n = lab_shape_plan(&p, s);
	U64("netem only: 1 step", n, 1);
	TRUE("  netem 1: at root", s[0].ops == &lab_qdisc_netem_ops &&
				       s[0].handle == 0x00010000 && s[0].parent == TC_H_ROOT);

	memset(&sh, 0, sizeof(sh));
	lab_shape_derive(&sh, 1500, &p);
	U64("nothing set: 0 steps", lab_shape_plan(&p, s), 0);
}

static void test_netem(void)
{
	struct tc_netem_qopt qopt;
	struct tc_netem_reorder reorder;
	struct nlattr *ntb[TCA_NETEM_MAX + 1], *opts;
	struct lab_shaping sh = shaping_50m();
	struct lab_shape_params p;
	struct lab_show_qdisc back;
	struct diag d = DIAG_INIT;
	struct nl_msg *msg;
	struct req r;
	int skip = NLA_ALIGN(sizeof(qopt)), i;

	printf("# netem 10: parent 1:1 (20 ms, 2 ms jitter, 1.5 %% loss, 10 %% reorder)\n");
	lab_shape_derive(&sh, 1500, &p);
	U64("lab_qdisc_build(netem) returns 0",
	    -lab_qdisc_build("netem", IFINDEX, 0x00100000, 0x00010001, &p, &msg, &d), 0);
	req_parse(__LINE__, &r, msg, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE);
	U64("tcm_ifindex", r.t->tcm_ifindex, IFINDEX);
	U64("tcm_handle 10:", r.t->tcm_handle, 0x00100000);
	U64("tcm_parent 1:1", r.t->tcm_parent, 0x00010001);
	STR("TCA_KIND", r.tb[TCA_KIND], "netem");
	opts = r.tb[TCA_OPTIONS];
	TRUE("TCA_OPTIONS present", opts != NULL);
	TRUE("TCA_OPTIONS holds the qopt", nla_len(opts) >= skip);

	memcpy(&qopt, nla_data(opts), sizeof(qopt));
	/* 20 ms = 20e6 ns / 64 ns per tick */
	U64("qopt.latency (ticks)", qopt.latency, 312500);
	U64("qopt.jitter (ticks)", qopt.jitter, 31250);
	U64("qopt.limit (packets)", qopt.limit, 1000);
	/* 0.015 x 4294967295 = 64424509.4 */
	U64("qopt.loss (probability)", qopt.loss, 64424509);
	U64("qopt.gap (1: reorder on)", qopt.gap, 1);
	U64("qopt.duplicate", qopt.duplicate, 0);

	/* What sch_netem.c parse_attr() does: attributes after the struct. */
	TRUE("nla_parse after NLA_ALIGN(sizeof(qopt))",
	     nla_parse(ntb, TCA_NETEM_MAX, (struct nlattr *)((char *)nla_data(opts) + skip),
		       nla_len(opts) - skip, NULL) == 0);
	TRUE("TCA_NETEM_LATENCY64 is 8 bytes",
	     ntb[TCA_NETEM_LATENCY64] && nla_len(ntb[TCA_NETEM_LATENCY64]) == 8);
	U64("TCA_NETEM_LATENCY64 (ns)", nla_get_s64(ntb[TCA_NETEM_LATENCY64]), 20000000);
	TRUE("TCA_NETEM_JITTER64 is 8 bytes",
	     ntb[TCA_NETEM_JITTER64] && nla_len(ntb[TCA_NETEM_JITTER64]) == 8);
	U64("TCA_NETEM_JITTER64 (ns)", nla_get_s64(ntb[TCA_NETEM_JITTER64]), 2000000);
	TRUE("TCA_NETEM_REORDER has its struct",
	     ntb[TCA_NETEM_REORDER] &&
		     nla_len(ntb[TCA_NETEM_REORDER]) == (int)sizeof(reorder));
	memcpy(&reorder, nla_data(ntb[TCA_NETEM_REORDER]), sizeof(reorder));
	/* 0.1 x 4294967295 = 429496729.5: either rounding is right */
	RANGE("reorder.probability", reorder.probability, 429496729, 429496730);
	U64("reorder.correlation", reorder.correlation, 0);
	for (i = 0; i <= TCA_NETEM_MAX; i++)
		if (ntb[i] && i != TCA_NETEM_LATENCY64 && i != TCA_NETEM_JITTER64 &&
		    i != TCA_NETEM_REORDER)
			fail(__LINE__, "no other netem attribute", "present", "absent");
	pass("no other netem attribute (no loss model, no rate)", "none");

	memset(&back, 0, sizeof(back));
	lab_qdisc_netem_ops.read_qdisc_opts(opts, &back);
	U64("read back: delay_us", back.delay_us, 20000);
	U64("read back: limit", back.limit, 1000);
	NEAR("read back: loss_pct", back.loss_pct, 1.5, 1e-6);
	req_free(&r);

	printf("# netem without jitter or reorder, 0.01 %% loss\n");
	sh = (struct lab_shaping){ .delay_us = 5000, .loss_pct = 0.01 };
	U64("lab_qdisc_build(netem) returns 0", -build_root("netem", &sh, &p, &msg, &d), 0);
	req_parse(__LINE__, &r, msg, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE);
	U64("tcm_parent root", r.t->tcm_parent, TC_H_ROOT);
	opts = r.tb[TCA_OPTIONS];
	memcpy(&qopt, nla_data(opts), sizeof(qopt));
	U64("qopt.gap (no reorder)", qopt.gap, 0);
	/* 0.0001 x 4294967295 = 429496.7 */
	U64("qopt.loss", qopt.loss, 429497);
	/* 2 x 10 Gbit/s x 5 ms / 12 000 = 8 333 + 100 */
	U64("qopt.limit", qopt.limit, 8433);
	nla_parse(ntb, TCA_NETEM_MAX, (struct nlattr *)((char *)nla_data(opts) + skip),
		  nla_len(opts) - skip, NULL);
	U64("TCA_NETEM_LATENCY64 (ns)", nla_get_s64(ntb[TCA_NETEM_LATENCY64]), 5000000);
	TRUE("no TCA_NETEM_JITTER64", !ntb[TCA_NETEM_JITTER64]);
	TRUE("no TCA_NETEM_REORDER", !ntb[TCA_NETEM_REORDER]);
	req_free(&r);

	printf("# netem refusals\n");
	sh = (struct lab_shaping){ .reorder_pct = 5 };
	U64("reorder without delay is -EINVAL", -build_root("netem", &sh, &p, &msg, &d), EINVAL);
	TRUE("  and says why", strstr(d.msg, "reorder") != NULL);
	TRUE("  and returns no message", msg == NULL);
}

static void check_tbf(struct req *r, uint64_t rate_bytes_ps, uint32_t burst, uint32_t limit,
		      uint32_t buffer_ticks)
{
	struct nlattr *tb[TCA_TBF_MAX + 1];
	struct tc_tbf_qopt q;

	STR("TCA_KIND", r->tb[TCA_KIND], "tbf");
	U64("tcm_handle 1:", r->t->tcm_handle, 0x00010000);
	U64("tcm_parent root", r->t->tcm_parent, TC_H_ROOT);
	TRUE("nla_parse_nested(TCA_OPTIONS)",
	     r->tb[TCA_OPTIONS] && nla_parse_nested(tb, TCA_TBF_MAX, r->tb[TCA_OPTIONS], NULL) == 0);
	TRUE("TCA_TBF_PARMS has its struct",
	     tb[TCA_TBF_PARMS] && nla_len(tb[TCA_TBF_PARMS]) == (int)sizeof(q));
	memcpy(&q, nla_data(tb[TCA_TBF_PARMS]), sizeof(q));
	U64("rate.linklayer = TC_LINKLAYER_ETHERNET", q.rate.linklayer, TC_LINKLAYER_ETHERNET);
	U64("rate.rate (bytes/s, ~0U when 64-bit)", q.rate.rate,
	    rate_bytes_ps > UINT32_MAX ? UINT32_MAX : rate_bytes_ps);
	U64("limit (bytes)", q.limit, limit);
	U64("buffer (ticks)", q.buffer, buffer_ticks);
	U64("peakrate.rate", q.peakrate.rate, 0);
	U64("mtu", q.mtu, 0);
	if (rate_bytes_ps > UINT32_MAX) {
		TRUE("TCA_TBF_RATE64 present", tb[TCA_TBF_RATE64] != NULL);
		U64("TCA_TBF_RATE64 (bytes/s)", nla_get_u64(tb[TCA_TBF_RATE64]), rate_bytes_ps);
	} else {
		TRUE("no TCA_TBF_RATE64", !tb[TCA_TBF_RATE64]);
	}
	TRUE("TCA_TBF_BURST present", tb[TCA_TBF_BURST] != NULL);
	U64("TCA_TBF_BURST (bytes)", nla_get_u32(tb[TCA_TBF_BURST]), burst);
	TRUE("no rate tables, no peak rate",
	     !tb[TCA_TBF_RTAB] && !tb[TCA_TBF_PTAB] && !tb[TCA_TBF_PRATE64] && !tb[TCA_TBF_PBURST]);
}

static void test_tbf(void)
{
	struct lab_shaping sh = shaping_50m();
	struct lab_shape_params p;
	struct lab_show_qdisc back;
	struct diag d = DIAG_INIT;
	struct nl_msg *msg;
	struct req r;

	printf("# tbf 1: root at 50 Mbit/s\n");
	U64("lab_qdisc_build(tbf) returns 0", -build_root("tbf", &sh, &p, &msg, &d), 0);
	req_parse(__LINE__, &r, msg, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE);
	/* 25 000 B at 6.25e6 B/s = 4 ms = 62 500 ticks */
	check_tbf(&r, 6250000, 25000, 275000, 62500);
	memset(&back, 0, sizeof(back));
	lab_qdisc_tbf_ops.read_qdisc_opts(r.tb[TCA_OPTIONS], &back);
	U64("read back: rate_bps", back.rate_bps, 50000000);
	U64("read back: limit", back.limit, 275000);
	req_free(&r);

	printf("# tbf 1: root at 40 Gbit/s (RATE64)\n");
	sh = (struct lab_shaping){ .rate_bps = 40000000000ULL };
	U64("lab_qdisc_build(tbf) returns 0", -build_root("tbf", &sh, &p, &msg, &d), 0);
	req_parse(__LINE__, &r, msg, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE);
	/* 5e9 B/s: burst 20e6 B (4 ms = 62 500 ticks), limit 5e9 x 20 ms + burst */
	check_tbf(&r, 5000000000ULL, 20000000, 120000000, 62500);
	memset(&back, 0, sizeof(back));
	lab_qdisc_tbf_ops.read_qdisc_opts(r.tb[TCA_OPTIONS], &back);
	U64("read back: rate_bps from RATE64", back.rate_bps, 40000000000ULL);
	req_free(&r);

	printf("# tbf refusals\n");
	sh = (struct lab_shaping){ .rate_bps = 4 };
	U64("rate below 1 byte/s is -EINVAL", -build_root("tbf", &sh, &p, &msg, &d), EINVAL);
	diag_clear(&d);
	U64("unknown kind is -EINVAL",
	    -lab_qdisc_build("fq_codel", IFINDEX, 0x00010000, TC_H_ROOT, &p, &msg, &d), EINVAL);
	TRUE("  and names it", strstr(d.msg, "'fq_codel'") != NULL);
	diag_clear(&d);
	U64("a tbf class is -EINVAL",
	    -lab_qdisc_build_class("tbf", IFINDEX, 0x00010001, 0x00010000, &p, &msg, &d), EINVAL);
}

static void check_htb_class(struct req *r, uint64_t rate_bytes_ps, uint32_t buffer_ticks,
			    uint32_t quantum)
{
	struct nlattr *tb[TCA_HTB_MAX + 1];
	struct tc_htb_opt o;
	uint64_t rate32 = rate_bytes_ps > UINT32_MAX ? UINT32_MAX : rate_bytes_ps;

	STR("TCA_KIND", r->tb[TCA_KIND], "htb");
	U64("tcm_handle 1:1", r->t->tcm_handle, 0x00010001);
	U64("tcm_parent 1:", r->t->tcm_parent, 0x00010000);
	TRUE("nla_parse_nested(TCA_OPTIONS)",
	     r->tb[TCA_OPTIONS] && nla_parse_nested(tb, TCA_HTB_MAX, r->tb[TCA_OPTIONS], NULL) == 0);
	TRUE("TCA_HTB_PARMS has its struct",
	     tb[TCA_HTB_PARMS] && nla_len(tb[TCA_HTB_PARMS]) == (int)sizeof(o));
	memcpy(&o, nla_data(tb[TCA_HTB_PARMS]), sizeof(o));
	U64("rate.rate", o.rate.rate, rate32);
	U64("ceil.rate = rate", o.ceil.rate, rate32);
	U64("rate.linklayer", o.rate.linklayer, TC_LINKLAYER_ETHERNET);
	U64("ceil.linklayer", o.ceil.linklayer, TC_LINKLAYER_ETHERNET);
	U64("buffer (ticks)", o.buffer, buffer_ticks);
	U64("cbuffer (ticks)", o.cbuffer, buffer_ticks);
	U64("quantum (bytes)", o.quantum, quantum);
	if (rate_bytes_ps > UINT32_MAX) {
		TRUE("TCA_HTB_RATE64 and CEIL64 present", tb[TCA_HTB_RATE64] && tb[TCA_HTB_CEIL64]);
		U64("TCA_HTB_RATE64", nla_get_u64(tb[TCA_HTB_RATE64]), rate_bytes_ps);
		U64("TCA_HTB_CEIL64", nla_get_u64(tb[TCA_HTB_CEIL64]), rate_bytes_ps);
	} else {
		TRUE("no TCA_HTB_RATE64 / CEIL64", !tb[TCA_HTB_RATE64] && !tb[TCA_HTB_CEIL64]);
	}
	TRUE("no rate tables", !tb[TCA_HTB_RTAB] && !tb[TCA_HTB_CTAB]);
}

static void test_htb(void)
{
	struct nlattr *tb[TCA_HTB_MAX + 1];
	struct lab_shaping sh = shaping_50m();
	struct lab_shape_params p;
	struct lab_show_qdisc back;
	struct diag d = DIAG_INIT;
	struct tc_htb_glob g;
	struct nl_msg *msg;
	struct req r;

	printf("# htb 1: root\n");
	sh.rate_qdisc = LAB_RATE_HTB;
	U64("lab_qdisc_build(htb) returns 0", -build_root("htb", &sh, &p, &msg, &d), 0);
	req_parse(__LINE__, &r, msg, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE);
	STR("TCA_KIND", r.tb[TCA_KIND], "htb");
	U64("tcm_handle 1:", r.t->tcm_handle, 0x00010000);
	U64("tcm_parent root", r.t->tcm_parent, TC_H_ROOT);
	TRUE("nla_parse_nested(TCA_OPTIONS)",
	     r.tb[TCA_OPTIONS] && nla_parse_nested(tb, TCA_HTB_MAX, r.tb[TCA_OPTIONS], NULL) == 0);
	TRUE("TCA_HTB_INIT has its struct",
	     tb[TCA_HTB_INIT] && nla_len(tb[TCA_HTB_INIT]) == (int)sizeof(g));
	memcpy(&g, nla_data(tb[TCA_HTB_INIT]), sizeof(g));
	U64("glob.version", g.version, 3);
	U64("glob.rate2quantum", g.rate2quantum, 10);
	U64("glob.defcls", g.defcls, 1);
	req_free(&r);

	printf("# htb class 1:1 at 50 Mbit/s\n");
	U64("lab_qdisc_build_class(htb) returns 0",
	    -lab_qdisc_build_class("htb", IFINDEX, 0x00010001, 0x00010000, &p, &msg, &d), 0);
	req_parse(__LINE__, &r, msg, RTM_NEWTCLASS, NLM_F_CREATE | NLM_F_EXCL);
	/* quantum: 6.25e6 / 10 = 625 000, capped at 200 000 */
	check_htb_class(&r, 6250000, 62500, 200000);
	memset(&back, 0, sizeof(back));
	lab_qdisc_htb_ops.read_class_opts(r.tb[TCA_OPTIONS], &back);
	U64("read back: rate_bps", back.rate_bps, 50000000);
	req_free(&r);

	printf("# htb class 1:1 at 10 Mbit/s\n");
	memset(&sh, 0, sizeof(sh));
	sh.rate_bps = 10000000;
	lab_shape_derive(&sh, 1500, &p);
	U64("lab_qdisc_build_class(htb) returns 0",
	    -lab_qdisc_build_class("htb", IFINDEX, 0x00010001, 0x00010000, &p, &msg, &d), 0);
	req_parse(__LINE__, &r, msg, RTM_NEWTCLASS, NLM_F_CREATE | NLM_F_EXCL);
	/* 1.25e6 B/s: burst 5 000 B = 4 ms = 62 500 ticks; quantum 125 000 */
	check_htb_class(&r, 1250000, 62500, 125000);
	req_free(&r);

	printf("# htb class 1:1 at 40 Gbit/s (RATE64/CEIL64)\n");
	sh.rate_bps = 40000000000ULL;
	lab_shape_derive(&sh, 1500, &p);
	U64("lab_qdisc_build_class(htb) returns 0",
	    -lab_qdisc_build_class("htb", IFINDEX, 0x00010001, 0x00010000, &p, &msg, &d), 0);
	req_parse(__LINE__, &r, msg, RTM_NEWTCLASS, NLM_F_CREATE | NLM_F_EXCL);
	check_htb_class(&r, 5000000000ULL, 62500, 200000);
	memset(&back, 0, sizeof(back));
	lab_qdisc_htb_ops.read_class_opts(r.tb[TCA_OPTIONS], &back);
	U64("read back: rate_bps from RATE64", back.rate_bps, 40000000000ULL);
	req_free(&r);
}

static void test_ingress(void)
{
	struct nlattr *utb[TCA_U32_MAX + 1], *atb[TCA_ACT_MAX + 1], *mtb[TCA_MIRRED_MAX + 1];
	struct nlattr *act;
	struct tc_u32_sel sel;
	struct tc_u32_key key;
	struct tc_mirred m;
	struct diag d = DIAG_INIT;
	struct nl_msg *msg;
	struct req r;
	int rem, n_acts = 0;

	printf("# ingress ffff:\n");
	U64("lab_qdisc_build(ingress) returns 0",
	    -lab_qdisc_build("ingress", IFINDEX, 0xffff0000, TC_H_INGRESS, NULL, &msg, &d), 0);
	req_parse(__LINE__, &r, msg, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE);
	STR("TCA_KIND", r.tb[TCA_KIND], "ingress");
	U64("tcm_handle ffff:", r.t->tcm_handle, 0xffff0000);
	U64("tcm_parent TC_H_INGRESS", r.t->tcm_parent, TC_H_INGRESS);
	TRUE("no TCA_OPTIONS", !r.tb[TCA_OPTIONS]);
	req_free(&r);

	printf("# u32 match-all + mirred redirect to the ifb\n");
	U64("lab_qdisc_build_redirect returns 0",
	    -lab_qdisc_build_redirect(IFINDEX, IFB_IFINDEX, &msg, &d), 0);
	req_parse(__LINE__, &r, msg, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL);
	STR("TCA_KIND", r.tb[TCA_KIND], "u32");
	U64("tcm_ifindex", r.t->tcm_ifindex, IFINDEX);
	U64("tcm_parent ffff:", r.t->tcm_parent, 0xffff0000);
	U64("tcm_info prio", TC_H_MAJ(r.t->tcm_info) >> 16, LAB_QDISC_REDIRECT_PRIO);
	U64("tcm_info protocol ETH_P_ALL", ntohs((uint16_t)TC_H_MIN(r.t->tcm_info)), ETH_P_ALL);
	TRUE("nla_parse_nested(TCA_OPTIONS)",
	     r.tb[TCA_OPTIONS] && nla_parse_nested(utb, TCA_U32_MAX, r.tb[TCA_OPTIONS], NULL) == 0);
	TRUE("TCA_U32_SEL = selector + 1 key",
	     utb[TCA_U32_SEL] && nla_len(utb[TCA_U32_SEL]) == (int)(sizeof(sel) + sizeof(key)));
	memcpy(&sel, nla_data(utb[TCA_U32_SEL]), sizeof(sel));
	memcpy(&key, (char *)nla_data(utb[TCA_U32_SEL]) + sizeof(sel), sizeof(key));
	U64("sel.flags = TC_U32_TERMINAL", sel.flags, TC_U32_TERMINAL);
	U64("sel.nkeys", sel.nkeys, 1);
	U64("key.mask", key.mask, 0);
	U64("key.val", key.val, 0);
	U64("key.off", key.off, 0);
	TRUE("TCA_U32_ACT present", utb[TCA_U32_ACT] != NULL);
	nla_for_each_nested(act, utb[TCA_U32_ACT], rem) {
		n_acts++;
		U64("action order", nla_type(act), 1);
		TRUE("nla_parse_nested(action)",
		     nla_parse_nested(atb, TCA_ACT_MAX, act, NULL) == 0);
		STR("TCA_ACT_KIND", atb[TCA_ACT_KIND], "mirred");
		TRUE("nla_parse_nested(TCA_ACT_OPTIONS)",
		     atb[TCA_ACT_OPTIONS] &&
			     nla_parse_nested(mtb, TCA_MIRRED_MAX, atb[TCA_ACT_OPTIONS], NULL) == 0);
		TRUE("TCA_MIRRED_PARMS has its struct",
		     mtb[TCA_MIRRED_PARMS] && nla_len(mtb[TCA_MIRRED_PARMS]) == (int)sizeof(m));
		memcpy(&m, nla_data(mtb[TCA_MIRRED_PARMS]), sizeof(m));
		U64("mirred.eaction = TCA_EGRESS_REDIR", m.eaction, TCA_EGRESS_REDIR);
		U64("mirred.action = TC_ACT_STOLEN", m.action, TC_ACT_STOLEN);
		U64("mirred.ifindex = the ifb", m.ifindex, IFB_IFINDEX);
	}
	U64("exactly one action", n_acts, 1);
	req_free(&r);
}

int main(void)
{
	test_derive();
	test_plan();
	test_netem();
	test_tbf();
	test_htb();
	test_ingress();
	printf("all %u checks passed\n", checks);
	return 0;
}
