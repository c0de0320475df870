/*
 * test_pm_events.c: lab_pm_event_parse() on generic-netlink messages built
 * here the way the kernel builds MPTCP events (mptcp_event_*() in
 * net/mptcp/pm_netlink.c), without privileges:
 *  - sub_established over IPv4: token, family, ids, addresses with their
 *    ports, backup;
 *  - IPv6, and IPv4 peers of a dual-stack socket (::ffff:a.b.c.d) shown
 *    as IPv4, as the samples show them;
 *  - sub_closed with an error; closed with a token only (no address);
 *  - a listener event (6.2+ number, not in the 6.1 header);
 *  - attributes of an unexpected length are left out, not misread;
 *    unknown event numbers have no name and are typed "event_<n>";
 *    truncated input is refused.
 * The event is the struct telemetry_pm_event that results/ stores: its
 * type is already the stored name, its role left to the listener.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/mptcp.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "check.h"
#include "lab_mptcp.h"

#define FAMILY_ID 0x1d /* any generic-netlink family id */

static struct nl_msg *event(int type)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, FAMILY_ID, 0, 0, (uint8_t)type, 1)) {
		printf("FAIL cannot build a message\n");
		exit(1);
	}
	return m;
}

static void put_v4(struct nl_msg *m, int attr, const char *ip)
{
	struct in_addr a;

	inet_pton(AF_INET, ip, &a);
	nla_put(m, attr, 4, &a);
}

static void put_v6(struct nl_msg *m, int attr, const char *ip)
{
	struct in6_addr a;

	inet_pton(AF_INET6, ip, &a);
	nla_put(m, attr, 16, &a);
}

/* An event of type between two IPv6 addresses, with ports (host order). */
static struct nl_msg *event_v6(int type, const char *saddr, uint16_t sport, const char *daddr,
			       uint16_t dport)
{
	struct nl_msg *m = event(type);

	nla_put_u16(m, MPTCP_ATTR_FAMILY, AF_INET6);
	put_v6(m, MPTCP_ATTR_SADDR6, saddr);
	put_v6(m, MPTCP_ATTR_DADDR6, daddr);
	nla_put_u16(m, MPTCP_ATTR_SPORT, htons(sport));
	nla_put_u16(m, MPTCP_ATTR_DPORT, htons(dport));
	return m;
}

static int parse(struct nl_msg *m, struct telemetry_pm_event *ev)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	int r = lab_pm_event_parse(h, h->nlmsg_len, 4242, ev);

	nlmsg_free(m);
	return r;
}

int main(void)
{
	struct telemetry_pm_event ev;
	struct nl_msg *m;

	m = event(MPTCP_EVENT_SUB_ESTABLISHED);
	nla_put_u32(m, MPTCP_ATTR_TOKEN, 0xdeadbeef);
	nla_put_u16(m, MPTCP_ATTR_FAMILY, AF_INET);
	nla_put_u8(m, MPTCP_ATTR_LOC_ID, 2);
	nla_put_u8(m, MPTCP_ATTR_REM_ID, 0);
	put_v4(m, MPTCP_ATTR_SADDR4, "10.2.1.1");
	put_v4(m, MPTCP_ATTR_DADDR4, "10.1.2.2");
	nla_put_u16(m, MPTCP_ATTR_SPORT, htons(40001));
	nla_put_u16(m, MPTCP_ATTR_DPORT, htons(5201));
	nla_put_u8(m, MPTCP_ATTR_BACKUP, 1);
	CHECK(parse(m, &ev) == 0, "parse sub_established (IPv4)");
	CHECK(!strcmp(ev.type, "sub_established") && ev.t_us == 4242 && !ev.role,
	      "type '%s', stamped %llu, no role", ev.type, (unsigned long long)ev.t_us);
	CHECK(ev.token == 0xdeadbeef && ev.family == AF_INET && ev.loc_id == 2 && ev.rem_id == 0 &&
		      ev.backup,
	      "token %#x, family %d, ids %u/%u, backup", ev.token, ev.family, ev.loc_id, ev.rem_id);
	CHECK(!strcmp(ev.local, "10.2.1.1:40001") && !strcmp(ev.remote, "10.1.2.2:5201") &&
		      ev.sport == 40001 && ev.dport == 5201,
	      "addresses with ports in host order: %s -> %s", ev.local, ev.remote);
	CHECK(ev.present == (TELEM_PM_TOKEN | TELEM_PM_FAMILY | TELEM_PM_LOC_ID | TELEM_PM_REM_ID |
			     TELEM_PM_SADDR | TELEM_PM_DADDR | TELEM_PM_SPORT | TELEM_PM_DPORT |
			     TELEM_PM_BACKUP),
	      "present says what came (%#x), not error", ev.present);

	m = event_v6(MPTCP_EVENT_ESTABLISHED, "fd00:1:1::1", 1234, "fd00:1:2::2", 5201);
	nla_put_u32(m, MPTCP_ATTR_TOKEN, 7);
	CHECK(parse(m, &ev) == 0 && !strcmp(ev.local, "[fd00:1:1::1]:1234") &&
		      !strcmp(ev.remote, "[fd00:1:2::2]:5201") && ev.family == AF_INET6,
	      "IPv6: %s -> %s", ev.local, ev.remote);

	m = event_v6(MPTCP_EVENT_CREATED, "::ffff:10.1.2.2", 5201, "::ffff:10.1.1.1", 40000);
	CHECK(parse(m, &ev) == 0 && !strcmp(ev.local, "10.1.2.2:5201") &&
		      !strcmp(ev.remote, "10.1.1.1:40000") && ev.family == AF_INET,
	      "an IPv4 peer of a dual-stack socket is shown as IPv4: %s -> %s", ev.local,
	      ev.remote);

	m = event(MPTCP_EVENT_SUB_CLOSED);
	nla_put_u32(m, MPTCP_ATTR_TOKEN, 9);
	put_v4(m, MPTCP_ATTR_SADDR4, "10.2.1.1");
	nla_put_u8(m, MPTCP_ATTR_ERROR, 110);
	CHECK(parse(m, &ev) == 0 && ev.error == 110 && (ev.present & TELEM_PM_ERROR) &&
		      !strcmp(ev.local, "10.2.1.1") && !ev.remote[0] && ev.family == AF_INET,
	      "sub_closed: error %d, no port -> bare address '%s', no remote", ev.error, ev.local);

	m = event(MPTCP_EVENT_CLOSED);
	nla_put_u32(m, MPTCP_ATTR_TOKEN, 9);
	CHECK(parse(m, &ev) == 0 && ev.present == TELEM_PM_TOKEN && !ev.local[0] &&
		      !strcmp(ev.type, "closed"),
	      "closed: a token and nothing else");

	m = event(LAB_PM_EV_LISTENER_CREATED);
	nla_put_u16(m, MPTCP_ATTR_FAMILY, AF_INET6);
	put_v6(m, MPTCP_ATTR_SADDR6, "::");
	nla_put_u16(m, MPTCP_ATTR_SPORT, htons(5201));
	CHECK(parse(m, &ev) == 0 && !strcmp(ev.type, "listener_created") &&
		      !strcmp(lab_pm_event_name(15), "listener_created") &&
		      !strcmp(ev.local, "[::]:5201"),
	      "listener_created (15, newer than the 6.1 header): %s", ev.local);

	m = event(MPTCP_EVENT_SUB_PRIORITY);
	nla_put_u64(m, MPTCP_ATTR_TOKEN, 5);	/* 8 bytes: not a u32 */
	nla_put(m, MPTCP_ATTR_SADDR4, 3, "abc"); /* not 4 bytes */
	nla_put_u8(m, MPTCP_ATTR_BACKUP, 0);
	CHECK(parse(m, &ev) == 0 && ev.present == TELEM_PM_BACKUP && !ev.token && !ev.local[0],
	      "attributes of a wrong length are left out (present %#x)", ev.present);

	CHECK(!lab_pm_event_name(4) && !lab_pm_event_name(99) && !lab_pm_event_name(-1),
	      "event numbers without a name: NULL");
	m = event(99);
	nla_put_u32(m, MPTCP_ATTR_TOKEN, 3);
	CHECK(parse(m, &ev) == 0 && !strcmp(ev.type, "event_99") && ev.token == 3,
	      "an event this code does not know is kept by its number: '%s'", ev.type);
	m = event(MPTCP_EVENT_CREATED);
	{
		struct nlmsghdr *h = nlmsg_hdr(m);

		CHECK(lab_pm_event_parse(h, 10, 0, &ev) == -EPROTO &&
			      lab_pm_event_parse(h, h->nlmsg_len - 1, 0, &ev) == -EPROTO,
		      "truncated messages are refused");
	}
	nlmsg_free(m);
	m = event(0);
	CHECK(parse(m, &ev) == -EPROTO, "event 0 (unspec) is refused");
	printf("# %u checks passed\n", check_count);
	return 0;
}
