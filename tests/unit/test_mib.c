/*
 * test_mib: lab/mib.c and lab/mptcp_diag.c.
 *
 * Without privileges: /proc/net/netstat texts in the format of a 6.18
 * kernel (TcpExt and IpExt lines copied from one, then MPTcpExt), of an
 * older kernel that lacks half of the counters and of a newer one that
 * inserted a counter in the middle, so a parser that goes by position
 * reads wrong values; deltas, gauges and decreases; malformed input; the
 * struct mptcp_info length rules of every kernel wave.
 *
 * As root, a live check: a throwaway namespace "mpl-mibtest<pid>" (always
 * deleted, also on failure), an MPTCP connection over its loopback,
 * MPCapableSYNRX delta >= 1, and lab_mptcp_conns() seeing both ends of
 * the connection, not fallen back to TCP, while it is open, with ss -M
 * (iproute2) as an independent witness of the sockets and their tokens;
 * then a second connection that joins a subflow from 127.0.0.2, so both
 * ends must report two subflows in total (MPJoinSynRx/MPJoinAckRx >= 1). Not
 * root, no MPTCP in this kernel or no ss(8): exit 77 after the part that
 * could run (a failure with MPL_STRICT=1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lab_int.h"
#include "lab_mptcp.h"
#include "mtime.h"
#include "spawn.h"
#include "check.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* ---- netstat texts ---------------------------------------------------------- */

/* Verbatim from a 6.18 kernel's /proc/net/netstat: lines that must be
 * ignored, although TcpExt has 135 columns and many zeros. */
static const char tcpext_ipext[] =
	"TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled "
	"RcvPruned OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled "
	"PAWSActive PAWSEstab BeyondWindow TSEcrRejected PAWSOldAck PAWSTimewait DelayedACKs "
	"DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks "
	"TCPHPAcks TCPRenoRecovery TCPSackRecovery TCPSACKReneging TCPSACKReorder TCPRenoReorder "
	"TCPTSReorder TCPFullUndo TCPPartialUndo TCPDSACKUndo TCPLossUndo TCPLostRetransmit "
	"TCPRenoFailures TCPSackFailures TCPLossFailures TCPFastRetrans TCPSlowStartRetrans "
	"TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail TCPSackRecoveryFail "
	"TCPRcvCollapsed TCPBacklogCoalesce TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv "
	"TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout "
	"TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures TCPMemoryPressuresChrono "
	"TCPSACKDiscard TCPDSACKIgnoredOld TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound "
	"TCPMD5Unexpected TCPMD5Failure TCPSackShifted TCPSackMerged TCPSackShiftFallback "
	"TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop IPReversePathFilter "
	"TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce "
	"TCPOFOQueue TCPOFODrop TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive "
	"TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail "
	"TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole "
	"TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking TCPFromZeroWindowAdv "
	"TCPToZeroWindowAdv TCPWantZeroWindowAdv TCPSynRetrans TCPOrigDataSent "
	"TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd "
	"TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2 "
	"TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPMTUPFail "
	"TCPMTUPSuccess TCPDelivered TCPDeliveredCE TCPAckCompressed TCPZeroWindowDrop "
	"TCPRcvQDrop TCPWqueueTooBig TCPFastOpenPassiveAltKey TcpTimeoutRehash "
	"TcpDuplicateDataRehash TCPDSACKRecvSegs TCPDSACKIgnoredDubious TCPMigrateReqSuccess "
	"TCPMigrateReqFailure TCPPLBRehash TCPAORequired TCPAOBad TCPAOKeyNotFound TCPAOGood "
	"TCPAODroppedIcmps\n"
	"TcpExt: 0 0 0 0 0 0 0 0 0 0 21 0 0 0 0 0 0 0 0 2 0 64 0 0 12838 91366 11144 0 23 0 20 0 "
	"8 3 8 12 0 0 0 0 0 33 0 2 49 0 0 0 0 97011 65 0 65 0 1 5 0 0 0 0 0 0 0 0 36 0 0 0 0 2 13"
	" 30 0 0 0 0 0 0 0 0 0 103620 43 0 0 0 0 0 0 0 0 0 0 0 2 0 1 6335 6335 30019 0 302846 0 0"
	" 0 0 0 0 0 0 0 0 0 0 0 0 302935 0 0 0 0 0 0 2 0 71 0 0 0 0 0 0 0 0 0\n"
	"IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts "
	"InOctets OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets "
	"InCsumErrors InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps\n"
	"IpExt: 0 0 0 0 0 0 18190634302 18135982213 0 0 0 0 0 406941 0 0 0 0\n";

/* The MPTcpExt names of 6.18, in its order. */
static const char *const names_618[] = {
	"MPCapableSYNRX", "MPCapableSYNTX", "MPCapableSYNACKRX", "MPCapableACKRX",
	"MPCapableFallbackACK", "MPCapableFallbackSYNACK", "MPCapableSYNTXDrop",
	"MPCapableSYNTXDisabled", "MPCapableEndpAttempt", "MPFallbackTokenInit", "MPTCPRetrans",
	"MPJoinNoTokenFound", "MPJoinSynRx", "MPJoinSynBackupRx", "MPJoinSynAckRx",
	"MPJoinSynAckBackupRx", "MPJoinSynAckHMacFailure", "MPJoinAckRx", "MPJoinAckHMacFailure",
	"MPJoinRejected", "MPJoinSynTx", "MPJoinSynTxCreatSkErr", "MPJoinSynTxBindErr",
	"MPJoinSynTxConnectErr", "DSSNotMatching", "DSSCorruptionFallback", "DSSCorruptionReset",
	"InfiniteMapTx", "InfiniteMapRx", "DSSNoMatchTCP", "DataCsumErr", "OFOQueueTail",
	"OFOQueue", "OFOMerge", "NoDSSInWindow", "DuplicateData", "AddAddr", "AddAddrTx",
	"AddAddrTxDrop", "EchoAdd", "EchoAddTx", "EchoAddTxDrop", "PortAdd", "AddAddrDrop",
	"MPJoinPortSynRx", "MPJoinPortSynAckRx", "MPJoinPortAckRx", "MismatchPortSynRx",
	"MismatchPortAckRx", "RmAddr", "RmAddrDrop", "RmAddrTx", "RmAddrTxDrop", "RmSubflow",
	"MPPrioTx", "MPPrioRx", "MPFailTx", "MPFailRx", "MPFastcloseTx", "MPFastcloseRx",
	"MPRstTx", "MPRstRx", "SubflowStale", "SubflowRecover", "SndWndShared", "RcvWndShared",
	"RcvWndConflictUpdate", "RcvWndConflict", "MPCurrEstab", "Blackhole",
	"MPCapableDataFallback", "MD5SigFallback", "DssFallback", "SimultConnectFallback",
	"FallbackFailed", "WinProbe",
};

/* A 5.17-era list: no SYNTX/SYNACKRX split, no join TX counters, no gauge. */
static const char *const names_old[] = {
	"MPCapableSYNRX", "MPCapableACKRX", "MPCapableFallbackACK", "MPCapableFallbackSYNACK",
	"MPFallbackTokenInit", "MPTCPRetrans", "MPJoinNoTokenFound", "MPJoinSynRx",
	"MPJoinSynAckRx", "MPJoinSynAckHMacFailure", "MPJoinAckRx", "MPJoinAckHMacFailure",
	"DSSNotMatching", "InfiniteMapRx", "DSSNoMatchTCP", "DataCsumErr", "OFOQueueTail",
	"OFOQueue", "OFOMerge", "NoDSSInWindow", "DuplicateData", "AddAddr", "EchoAdd",
	"PortAdd", "AddAddrDrop", "MPJoinPortSynRx", "MPJoinPortSynAckRx", "MPJoinPortAckRx",
	"MismatchPortSynRx", "MismatchPortAckRx", "RmAddr", "RmAddrDrop", "RmSubflow",
	"MPPrioTx", "MPPrioRx", "MPFailTx", "MPFailRx", "MPFastcloseTx", "MPFastcloseRx",
	"MPRstTx", "MPRstRx", "RcvPruned", "SubflowStale", "SubflowRecover",
};

#define N_618 (sizeof(names_618) / sizeof(names_618[0]))
#define N_OLD (sizeof(names_old) / sizeof(names_old[0]))

/* Append the MPTcpExt pair for names[] with value(i) to buf, after the
 * TcpExt/IpExt lines, the way the kernel orders them. */
static size_t build(char *buf, size_t size, const char *const *names, size_t n,
		    uint64_t (*value)(size_t i, const char *name))
{
	size_t used = (size_t)snprintf(buf, size, "%s", tcpext_ipext);

	used += (size_t)snprintf(buf + used, size - used, "MPTcpExt:");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, size - used, " %s", names[i]);
	used += (size_t)snprintf(buf + used, size - used, "\nMPTcpExt:");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, size - used, " %llu",
					 (unsigned long long)value(i, names[i]));
	used += (size_t)snprintf(buf + used, size - used, "\n");
	if (used >= size) {
		printf("FAIL test buffer too small\n");
		exit(1);
	}
	return used;
}

/* A value that depends on the name only, so a positional parser fails. */
static uint64_t value_by_name(size_t i, const char *name)
{
	uint64_t h = 1469598103934665603ull;

	(void)i;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 1099511628211ull;
	return h % 100000;
}

static uint64_t value_later(size_t i, const char *name)
{
	/* Every counter grew by its index; the gauge went down. */
	if (!strcmp(name, "MPCurrEstab"))
		return 0;
	return value_by_name(i, name) + i;
}

static uint64_t value_zero(size_t i, const char *name)
{
	(void)i;
	(void)name;
	return 0;
}

static char text_a[16384], text_b[16384];

static void test_parse_618(void)
{
	static struct lab_mib m;
	size_t len = build(text_a, sizeof(text_a), names_618, N_618, value_by_name);
	const char *wrong = NULL;
	uint64_t v;
	int r;

	r = lab_mib_parse(text_a, len, &m);
	check(r == 0 && m.n == N_618, "6.18 text: 76 counters", "r %d n %u", r, m.n);
	for (size_t i = 0; i < N_618 && !wrong; i++)
		if (!lab_mib_get(&m, names_618[i], &v) || v != value_by_name(i, names_618[i]))
			wrong = names_618[i];
	check(!wrong, "6.18 text: every value by name", "'%s' is wrong", wrong);
	check(!lab_mib_get(&m, "TW", &v) && !lab_mib_get(&m, "InOctets", &v),
	      "TcpExt/IpExt names are not MPTCP counters", "found one");
	check(!lab_mib_get(&m, "MPTcpExt", &v) && !lab_mib_get(&m, "MPTcpExt:", &v),
	      "the line prefix is not a counter", "found one");
	check(!strcmp(m.c[0].name, "MPCapableSYNRX"), "names have no prefix", "'%s'",
	      m.c[0].name);
}

static void test_parse_versions(void)
{
	static struct lab_mib m;
	/* 6.18 with a made-up counter inserted after the first one: every
	 * later column moves one to the right. */
	const char *newer[N_618 + 1], *wrong = NULL;
	size_t len;
	uint64_t v;
	int r;

	len = build(text_a, sizeof(text_a), names_old, N_OLD, value_by_name);
	r = lab_mib_parse(text_a, len, &m);
	check(r == 0 && m.n == N_OLD, "older kernel: 44 counters", "r %d n %u", r, m.n);
	check(!lab_mib_get(&m, "MPCapableSYNTX", &v), "older kernel: MPCapableSYNTX absent",
	      "present");
	check(!lab_mib_get(&m, "MPCurrEstab", &v), "older kernel: MPCurrEstab absent", "present");
	check(lab_mib_get(&m, "MPJoinAckRx", &v) && v == value_by_name(0, "MPJoinAckRx"),
	      "older kernel: MPJoinAckRx by name", "wrong value");

	newer[0] = names_618[0];
	newer[1] = "MPFutureCounterRx";
	for (size_t i = 1; i < N_618; i++)
		newer[i + 1] = names_618[i];
	len = build(text_a, sizeof(text_a), newer, N_618 + 1, value_by_name);
	r = lab_mib_parse(text_a, len, &m);
	check(r == 0 && m.n == N_618 + 1, "newer kernel: 77 counters", "r %d n %u", r, m.n);
	for (size_t i = 0; i < N_618 && !wrong; i++)
		if (!lab_mib_get(&m, names_618[i], &v) || v != value_by_name(0, names_618[i]))
			wrong = names_618[i];
	check(!wrong, "newer kernel: every 6.18 value by name", "'%s' is wrong", wrong);
	check(lab_mib_get(&m, "MPFutureCounterRx", &v) && v == value_by_name(0, "MPFutureCounterRx"),
	      "newer kernel: inserted counter read, later columns still right", "wrong");
}

static void test_delta(void)
{
	static struct lab_mib before, after, delta, old;
	const char *wrong = NULL;
	size_t len;
	uint64_t v;
	int r;

	len = build(text_a, sizeof(text_a), names_618, N_618, value_by_name);
	check(lab_mib_parse(text_a, len, &before) == 0, "delta: before", "parse");
	len = build(text_b, sizeof(text_b), names_618, N_618, value_later);
	check(lab_mib_parse(text_b, len, &after) == 0, "delta: after", "parse");
	r = lab_mib_delta(&before, &after, &delta);
	check(r == 0, "delta of growing counters, gauge went down", "r %d", r);
	check(delta.n == N_618 - 1, "delta leaves the gauge out", "n %u", delta.n);
	check(!lab_mib_get(&delta, "MPCurrEstab", &v), "no MPCurrEstab in the delta", "present");
	check(lab_mib_is_gauge("MPCurrEstab") && !lab_mib_is_gauge("MPCapableSYNRX"),
	      "MPCurrEstab is the gauge", "wrong");
	for (size_t i = 0; i < N_618 && !wrong; i++) {
		if (!strcmp(names_618[i], "MPCurrEstab"))
			continue;
		if (!lab_mib_get(&delta, names_618[i], &v) || v != i)
			wrong = names_618[i];
	}
	check(!wrong, "delta = after - before for every counter", "'%s' is wrong", wrong);

	/* Counters of different kernels: only the common names. */
	len = build(text_a, sizeof(text_a), names_old, N_OLD, value_zero);
	check(lab_mib_parse(text_a, len, &old) == 0, "delta: older kernel", "parse");
	r = lab_mib_delta(&old, &after, &delta);
	check(r == 0 && delta.n == N_OLD - 1, /* RcvPruned is not in 6.18's MPTcpExt */
	      "delta over names present in both", "r %d n %u", r, delta.n);
	check(!lab_mib_get(&delta, "MPCapableSYNTX", &v) && !lab_mib_get(&delta, "RcvPruned", &v),
	      "names present in one only are left out", "present");

	/* A counter that went down. */
	r = lab_mib_delta(&after, &before, &delta);
	check(r == -ERANGE && delta.n == 0, "a decrease is -ERANGE", "r %d n %u", r, delta.n);
	r = lab_mib_delta(&after, &after, &delta);
	check(r == 0 && delta.n == N_618 - 1, "delta with itself", "r %d", r);
	wrong = NULL;
	for (unsigned i = 0; i < delta.n && !wrong; i++)
		if (delta.c[i].value)
			wrong = delta.c[i].name;
	check(!wrong, "delta with itself is zero for every counter", "'%s' is not", wrong);
}

static int parse_str(const char *s, struct lab_mib *m)
{
	return lab_mib_parse(s, strlen(s), m);
}

static void test_malformed(void)
{
	static struct lab_mib m;
	static char big[16384];
	char name[64];
	uint64_t v;
	size_t used;
	int r;

	check(parse_str(tcpext_ipext, &m) == -ENOENT && m.n == 0,
	      "no MPTcpExt line: -ENOENT", "wrong");
	check(parse_str("", &m) == -ENOENT, "empty text: -ENOENT", "wrong");
	check(parse_str("MPTcpExt: A B\n", &m) == -EINVAL && m.n == 0,
	      "header without values: -EINVAL", "wrong");
	check(parse_str("MPTcpExt: A B\nMPTcpExt: 1\n", &m) == -EINVAL, "fewer values: -EINVAL",
	      "wrong");
	check(parse_str("MPTcpExt: A B\nMPTcpExt: 1 2 3\n", &m) == -EINVAL,
	      "more values: -EINVAL", "wrong");
	check(parse_str("MPTcpExt: A B\nMPTcpExt: 1 2a\n", &m) == -EINVAL,
	      "non-digit value: -EINVAL", "wrong");
	check(parse_str("MPTcpExt: A B\nMPTcpExt: 1 -2\n", &m) == -EINVAL,
	      "negative value: -EINVAL", "wrong");
	check(parse_str("MPTcpExt: A\nMPTcpExt: 18446744073709551616\n", &m) == -EINVAL,
	      "2^64: -EINVAL", "wrong");
	r = parse_str("MPTcpExt: A\nMPTcpExt: 18446744073709551615\n", &m);
	check(r == 0 && lab_mib_get(&m, "A", &v) && v == UINT64_MAX, "2^64-1 is a value",
	      "r %d", r);
	check(parse_str("MPTcpExt: A A\nMPTcpExt: 1 2\n", &m) == -EINVAL,
	      "repeated name: -EINVAL", "wrong");
	check(parse_str("MPTcpExt: A\nMPTcpExt: 1\nMPTcpExt: 2\n", &m) == -EINVAL,
	      "a third MPTcpExt line: -EINVAL", "wrong");
	r = parse_str("IpExt: X\nIpExt: 1\nMPTcpExt:  A\t B \r\nMPTcpExt: 7  8\r\nFoo: 1", &m);
	check(r == 0 && m.n == 2 && lab_mib_get(&m, "B", &v) && v == 8,
	      "extra blanks, CRLF, no final newline", "r %d n %u", r, m.n);
	check(parse_str("MPTcpExt:\nMPTcpExt:\n", &m) == 0 && m.n == 0, "no counters at all",
	      "wrong");
	check(parse_str("MPTCPExt: A\nMPTCPExt: 1\n", &m) == -ENOENT,
	      "prefix is case-sensitive", "wrong");

	/* The length bounds the text, which need not be NUL-terminated: cut
	 * in the middle of the value line, the second value is missing. */
	r = lab_mib_parse("MPTcpExt: A B\nMPTcpExt: 1 2\n", 25, &m);
	check(r == -EINVAL, "text bounded by len, not by NUL", "r %d", r);
	r = lab_mib_parse("MPTcpExt: A B\nMPTcpExt: 1 2\nMPTcpExt: junk", 27, &m);
	check(r == 0 && m.n == 2, "bytes after len are not read", "r %d", r);

	memset(name, 'N', sizeof(name));
	name[LAB_MIB_NAME_MAX - 1] = '\0';
	snprintf(big, sizeof(big), "MPTcpExt: %s\nMPTcpExt: 1\n", name);
	check(parse_str(big, &m) == 0, "47-byte name fits", "wrong");
	name[LAB_MIB_NAME_MAX - 1] = 'N';
	name[LAB_MIB_NAME_MAX] = '\0';
	snprintf(big, sizeof(big), "MPTcpExt: %s\nMPTcpExt: 1\n", name);
	check(parse_str(big, &m) == -ENAMETOOLONG, "48-byte name: -ENAMETOOLONG", "wrong");

	used = (size_t)snprintf(big, sizeof(big), "MPTcpExt:");
	for (unsigned i = 0; i <= LAB_MIB_MAX; i++)
		used += (size_t)snprintf(big + used, sizeof(big) - used, " C%u", i);
	used += (size_t)snprintf(big + used, sizeof(big) - used, "\nMPTcpExt:");
	for (unsigned i = 0; i <= LAB_MIB_MAX; i++)
		used += (size_t)snprintf(big + used, sizeof(big) - used, " %u", i);
	check(lab_mib_parse(big, used, &m) == -E2BIG && m.n == 0, "161 counters: -E2BIG",
	      "wrong");
}

/* struct mptcp_info sizes of the kernel waves (sizeof, with padding). */
static void test_info_lengths(void)
{
	static const struct {
		size_t len;
		int ret;
		bool bytes, total;
		const char *what;
	} cases[] = {
		{ 15, -EPROTO, false, false, "15 bytes: no token" },
		{ 16, 0, false, false, "16 bytes: up to the token" },
		{ 40, 0, false, false, "v5.9: 40 bytes" },
		{ 48, 0, false, false, "v5.14: 48 bytes" },
		{ 72, 0, false, false, "v6.5 minus bytes_acked: 72 bytes" },
		{ 80, 0, true, false, "v6.5: 80 bytes" },
		{ 88, 0, true, true, "v6.8: 88 bytes" },
		{ 96, 0, true, true, "v6.10: 96 bytes" },
		{ 128, 0, true, true, "a future 128 bytes" },
	};
	uint8_t info[128];
	struct lab_mptcp_conn c;
	uint32_t flags = 1, token = 0xa1b2c3d4;
	uint64_t sent = 1000, acked = 900, recv = 77;

	memset(info, 0, sizeof(info));
	info[0] = 1;	/* mptcpi_subflows */
	memcpy(info + 8, &flags, 4);
	memcpy(info + 12, &token, 4);
	memcpy(info + 56, &sent, 8);
	memcpy(info + 64, &recv, 8);
	memcpy(info + 72, &acked, 8);
	info[80] = 2;	/* mptcpi_subflows_total */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		memset(&c, 0xff, sizeof(c));
		r = lab_mptcp_conn_from_info(info, cases[i].len, &c);
		if (cases[i].ret) {
			check(r == cases[i].ret, cases[i].what, "r %d", r);
			continue;
		}
		check(r == 0 && c.token == token && c.fallback && c.subflows_extra == 1 &&
			      c.has_bytes == cases[i].bytes && c.has_total == cases[i].total &&
			      c.subflows_total == (cases[i].total ? 2 : 0) &&
			      c.bytes_acked == (cases[i].bytes ? 900 : 0) &&
			      c.bytes_received == (cases[i].bytes ? 77 : 0) &&
			      c.info_bytes == cases[i].len,
		      cases[i].what, "r %d has_bytes %d has_total %d total %u acked %llu", r,
		      c.has_bytes, c.has_total, c.subflows_total, (unsigned long long)c.bytes_acked);
	}
}

/* ---- live, as root ------------------------------------------------------------ */

static char live_ns[64];
static int live_fds[3] = { -1, -1, -1 };

static void live_cleanup(void)
{
	struct diag d = DIAG_INIT;

	for (int i = 0; i < 3; i++)
		if (live_fds[i] >= 0)
			close(live_fds[i]);
	if (live_ns[0] && lab_netns_delete(live_ns, &d) < 0)
		printf("FAIL cannot delete namespace '%s': %s\n", live_ns, diag_str(&d));
	live_ns[0] = '\0';
}

struct live_conn {
	uint16_t port;
	int err;
};

/* In the namespace: listener, client and accepted socket, a byte each way
 * so both ends are fully established. */
static int live_connect(void *arg)
{
	struct live_conn *lc = arg;
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 5 };
	socklen_t alen = sizeof(a);
	char byte = 'x';

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	live_fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (live_fds[0] < 0)
		return lc->err = -errno;
	if (bind(live_fds[0], (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(live_fds[0], 4) < 0 ||
	    getsockname(live_fds[0], (struct sockaddr *)&a, &alen) < 0)
		return lc->err = -errno;
	lc->port = ntohs(a.sin_port);
	live_fds[1] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (live_fds[1] < 0)
		return lc->err = -errno;
	setsockopt(live_fds[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(live_fds[1], (struct sockaddr *)&a, sizeof(a)) < 0)
		return lc->err = -errno;
	live_fds[2] = accept4(live_fds[0], NULL, NULL, SOCK_CLOEXEC);
	if (live_fds[2] < 0)
		return lc->err = -errno;
	setsockopt(live_fds[2], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(live_fds[1], &byte, 1, 0) != 1 || recv(live_fds[2], &byte, 1, 0) != 1 ||
	    send(live_fds[2], &byte, 1, 0) != 1 || recv(live_fds[1], &byte, 1, 0) != 1)
		return lc->err = -errno;
	return 0;
}

/* ss(8) from iproute2 as an independent witness: it must list the same
 * established MPTCP sockets, with the same tokens. */
static void witness_ss(int nsfd, const struct lab_mptcp_conn *conns, unsigned n)
{
	const char *argv[] = { "ss", "-MHni", "state", "established", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result res;
	struct diag d = DIAG_INIT;
	char *ss = spawn_which("ss"), token[32];
	unsigned lines = 0;
	int r;

	if (!ss) {
		check_skip_part("live: ss (iproute2) is not installed: the witness of the sockets");
		return;
	}
	free(ss);
	o.netns_fd = nsfd;
	o.capture_stdout = true;
	o.capture_stderr = true;
	o.timeout_us = 10 * 1000000ull;
	r = spawn_run(argv, &o, &res, &d);
	check(r == 0 && !res.signaled && res.exit_code == 0, "live: ss -M runs", "%s",
	      r ? diag_str(&d) : (res.err ? res.err : "exit status"));
	printf("     ss -MHni state established:\n%s", res.out ? res.out : "");
	for (const char *p = res.out; p && *p; p++)
		if (*p == '\n')
			lines++;
	/* Without -i, one line per socket; -i adds one info line to each. */
	check(lines == 2 * n, "live: ss lists as many MPTCP sockets", "%u lines for %u sockets",
	      lines, n);
	for (unsigned i = 0; i < n; i++) {
		snprintf(token, sizeof(token), "token:%x", conns[i].token);
		check(res.out && strstr(res.out, token) && strstr(res.out, conns[i].local),
		      "live: ss shows the same token and address", "%s %s", token, conns[i].local);
	}
	spawn_result_release(&res);
}

/* A second connection with a subflow endpoint 127.0.0.2: the client joins
 * a second subflow, and both ends must then count two subflows in total,
 * one beside the initial one. The server uses the endpoint too, towards
 * the client's port where nothing listens; that attempt fails, and limit 2
 * keeps it from using up the budget the client's join needs. */
static void test_live_join(int nsfd, const struct lab_mib *before)
{
	static struct lab_mib after, delta;
	struct lab_endpoint_spec e = { 0 };
	struct lab_mptcp_conn conns[8];
	struct live_conn lc = { 0 };
	struct diag d = DIAG_INIT;
	struct lab_nl nl = { 0 };
	uint64_t deadline, v = 0;
	unsigned n = 0, joined;
	int r;

	r = lab_nl_open(&nl, nsfd, live_ns, &d);
	if (r == 0)
		r = lab_pm_set_limits(&nl, 2, 0, &d);
	if (r == 0 && lab_addr_parse("127.0.0.2", &e.addr) < 0)
		r = diag_set(&d, -EINVAL, "bad address");
	e.flags = LAB_PM_FLAG_SUBFLOW;
	snprintf(e.dev, sizeof(e.dev), "lo");
	if (r == 0)
		r = lab_pm_add_endpoint(&nl, &e, 1, &d);
	lab_nl_close(&nl);
	check(r == 0, "join: limits and subflow endpoint 127.0.0.2", "%s", diag_str(&d));

	r = lab_netns_run(nsfd, live_connect, &lc, &d);
	check(r == 0, "join: second MPTCP connection", "%s",
	      lc.err ? strerror(-lc.err) : diag_str(&d));
	/* The join is the path manager's work, after the handshake: wait for
	 * it to show, bounded. */
	deadline = mtime_now_us() + 5 * USEC_PER_SEC;
	for (;;) {
		r = lab_mptcp_conns(nsfd, conns, 8, &n, &d);
		check(r == 0, "join: lab_mptcp_conns", "%s", diag_str(&d));
		joined = 0;
		for (unsigned i = 0; i < n; i++)
			if (conns[i].has_total && conns[i].subflows_total == 2)
				joined++;
		if (joined == 2 || mtime_now_us() > deadline)
			break;
		mtime_sleep_us(10 * USEC_PER_MSEC);
	}
	for (unsigned i = 0; i < n; i++)
		printf("     conn %u: %s -> %s fallback %d subflows_extra %u subflows_total %u "
		       "has_total %d\n",
		       i, conns[i].local, conns[i].remote, conns[i].fallback,
		       conns[i].subflows_extra, conns[i].subflows_total, conns[i].has_total);
	/* The first connection's sockets may still be closing and show up
	 * too (n 3): what counts is that both ends of this one joined. */
	check(joined == 2, "join: both ends count two subflows", "n %u joined %u", n,
	      joined);
	for (unsigned i = 0; i < n; i++)
		check(conns[i].subflows_extra == 1 && !conns[i].fallback,
		      "join: mptcpi_subflows counts the extra one only", "extra %u",
		      conns[i].subflows_extra);

	r = lab_mib_read(nsfd, &after, &d);
	check(r == 0 && lab_mib_delta(before, &after, &delta) == 0, "join: MIB delta", "%s",
	      diag_str(&d));
	check(lab_mib_get(&delta, "MPJoinSynRx", &v) && v >= 1, "join: MPJoinSynRx delta >= 1",
	      "%llu", (unsigned long long)v);
	check(lab_mib_get(&delta, "MPJoinAckRx", &v) && v >= 1, "join: MPJoinAckRx delta >= 1",
	      "%llu", (unsigned long long)v);
	for (int i = 0; i < 3; i++) {
		close(live_fds[i]);
		live_fds[i] = -1;
	}
}

static void test_live(void)
{
	static struct lab_mib before, after, delta;
	struct lab_mptcp_conn conns[8];
	struct lab_nl nl = { 0 };
	struct diag d = DIAG_INIT;
	struct live_conn lc = { 0 };
	char want[32], name[sizeof(live_ns)];
	uint64_t v = 0, fb = 0;
	unsigned n = 0, server = 0, client = 0;
	int nsfd = -1, ifindex, r;

	snprintf(live_ns, sizeof(live_ns), "mpl-mibtest%d", (int)getpid());
	atexit(live_cleanup);
	r = lab_netns_create(live_ns, &nsfd, &d);
	check(r == 0, "live: create namespace", "%s", diag_str(&d));
	r = lab_nl_open(&nl, nsfd, live_ns, &d);
	if (r == 0)
		r = lab_link_ifindex(&nl, "lo", &ifindex, &d);
	if (r == 0)
		r = lab_link_set_up(&nl, ifindex, "lo", &d);
	lab_nl_close(&nl);
	check(r == 0, "live: loopback up", "%s", diag_str(&d));

	r = lab_mib_read(nsfd, &before, &d);
	if (r == -ENOENT)
		check_skip("live: %s", diag_str(&d));
	check(r == 0 && before.n > 0, "live: read MIB of the fresh namespace", "%s", diag_str(&d));
	check(lab_mib_get(&before, "MPCapableSYNRX", &v) && v == 0,
	      "live: fresh namespace counts zero", "MPCapableSYNRX %llu", (unsigned long long)v);

	r = lab_netns_run(nsfd, live_connect, &lc, &d);
	if (lc.err == -EPROTONOSUPPORT || lc.err == -EINVAL || lc.err == -ENOPROTOOPT)
		check_skip("live: no MPTCP sockets: %s", strerror(-lc.err));
	check(r == 0, "live: MPTCP connection over loopback", "%s",
	      lc.err ? strerror(-lc.err) : diag_str(&d));

	r = lab_mptcp_conns(nsfd, conns, 8, &n, &d);
	if (r == -EOPNOTSUPP)
		check_skip("live: %s", diag_str(&d));
	check(r == 0, "live: lab_mptcp_conns", "%s", diag_str(&d));
	snprintf(want, sizeof(want), "127.0.0.1:%u", lc.port);
	for (unsigned i = 0; i < n; i++) {
		printf("     conn %u: token %08x family %d state %d %s -> %s fallback %d "
		       "subflows_extra %u subflows_total %u has_total %d has_bytes %d sent %llu "
		       "received %llu acked %llu info_bytes %u\n",
		       i, conns[i].token, conns[i].family, conns[i].state, conns[i].local,
		       conns[i].remote, conns[i].fallback, conns[i].subflows_extra,
		       conns[i].subflows_total, conns[i].has_total, conns[i].has_bytes,
		       (unsigned long long)conns[i].bytes_sent,
		       (unsigned long long)conns[i].bytes_received,
		       (unsigned long long)conns[i].bytes_acked, conns[i].info_bytes);
		if (!strcmp(conns[i].local, want))
			server++;
		if (!strcmp(conns[i].remote, want))
			client++;
		check(!conns[i].fallback && conns[i].token && conns[i].state == TCP_ESTABLISHED,
		      "live: connection is MPTCP, established, has a token", "conn %u", i);
		if (conns[i].has_total)
			check(conns[i].subflows_total == 1 && conns[i].subflows_extra == 0,
			      "live: one subflow in total", "total %u extra %u",
			      conns[i].subflows_total, conns[i].subflows_extra);
		if (conns[i].has_bytes)
			check(conns[i].bytes_sent >= 1 && conns[i].bytes_received >= 1,
			      "live: one byte each way counted", "sent %llu received %llu",
			      (unsigned long long)conns[i].bytes_sent,
			      (unsigned long long)conns[i].bytes_received);
	}
	check(n == 2 && server == 1 && client == 1,
	      "live: both ends seen, the listener is not", "n %u server %u client %u", n,
	      server, client);
	witness_ss(nsfd, conns, n);

	r = lab_mptcp_conns(nsfd, conns, 1, &n, &d);
	check(r == -ENOSPC && n == 1, "live: room for one of two: -ENOSPC, one stored", "r %d n %u",
	      r, n);

	for (int i = 0; i < 3; i++) {
		close(live_fds[i]);
		live_fds[i] = -1;
	}
	r = lab_mib_read(nsfd, &after, &d);
	check(r == 0, "live: read MIB after", "%s", diag_str(&d));
	r = lab_mib_delta(&before, &after, &delta);
	check(r == 0, "live: delta", "r %d", r);
	check(lab_mib_get(&delta, "MPCapableSYNRX", &v) && v >= 1, "live: MPCapableSYNRX delta >= 1",
	      "%llu", (unsigned long long)v);
	if (lab_mib_get(&delta, "MPCapableFallbackACK", &fb))
		check(fb == 0, "live: MPCapableFallbackACK delta 0", "%llu", (unsigned long long)fb);
	for (unsigned i = 0; i < delta.n; i++)
		if (delta.c[i].value)
			printf("     delta %s %llu\n", delta.c[i].name,
			       (unsigned long long)delta.c[i].value);

	test_live_join(nsfd, &after);

	close(nsfd);
	snprintf(name, sizeof(name), "%s", live_ns);
	live_cleanup();
	r = lab_netns_open(name, &nsfd, &d);
	if (r == 0)
		close(nsfd);
	check(r == -ENOENT, "live: namespace deleted", "open returned %d", r);
}

int main(void)
{
	static struct lab_mib here;
	struct diag d = DIAG_INIT;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_parse_618();
	test_parse_versions();
	test_delta();
	test_malformed();
	test_info_lengths();

	/* Reading the current namespace needs no privileges. */
	r = lab_mib_read(-1, &here, &d);
	if (r == -ENOENT)
		check_skip("live: %s", diag_str(&d));
	check(r == 0 && here.n > 0 && lab_mib_get(&here, "MPCapableSYNRX", NULL),
	      "read this namespace's counters", "%s", diag_str(&d));

	if (geteuid() != 0)
		check_skip("live: needs root (a throwaway namespace)");
	test_live();
	return check_done();
}
