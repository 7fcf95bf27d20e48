/* SPDX-License-Identifier: MIT */
/* check_maplog.c - unit tests for io/maplog.c: the line of each event, and
 * the file it goes to (appended, reopened after a rename) */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "io/maplog.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static uint32_t ip(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* 2026-11-27T12:34:56.789Z */
#define WHEN	1795782896789ull

static const struct {
	enum nat_event_type type;
	uint8_t proto;
	const char *want;
} lines[] = {
	{ NAT_EV_MAPPING_UP, IPPROTO_UDP,
	  "2026-11-27T12:34:56.789Z mapping-up udp inside=192.168.1.10:5000 public=203.0.113.1:6000" },
	{ NAT_EV_MAPPING_DOWN, IPPROTO_TCP,
	  "2026-11-27T12:34:56.789Z mapping-down tcp inside=192.168.1.10:5000 public=203.0.113.1:6000" },
	{ NAT_EV_SESSION_UP, IPPROTO_TCP,
	  "2026-11-27T12:34:56.789Z session-up tcp inside=192.168.1.10:5000 public=203.0.113.1:6000 remote=198.51.100.1:53" },
	{ NAT_EV_SESSION_DOWN, IPPROTO_UDP,
	  "2026-11-27T12:34:56.789Z session-down udp inside=192.168.1.10:5000 public=203.0.113.1:6000 remote=198.51.100.1:53" },
	/* ICMP: the query ID as a port, none for the remote */
	{ NAT_EV_SESSION_UP, IPPROTO_ICMP,
	  "2026-11-27T12:34:56.789Z session-up icmp inside=192.168.1.10:5000 public=203.0.113.1:6000 remote=198.51.100.1" },
	/* a protocol without ports */
	{ NAT_EV_SESSION_UP, 50,
	  "2026-11-27T12:34:56.789Z session-up 50 inside=192.168.1.10 public=203.0.113.1 remote=198.51.100.1" },
	{ NAT_EV_CALL_UP, 0,
	  "2026-11-27T12:34:56.789Z call-up gre inside=192.168.1.10 inside_call_id=1 public=203.0.113.1 public_call_id=161 remote=198.51.100.1 remote_call_id=256" },
	{ NAT_EV_CALL_DOWN, 0,
	  "2026-11-27T12:34:56.789Z call-down gre inside=192.168.1.10 inside_call_id=1 public=203.0.113.1 public_call_id=161 remote=198.51.100.1 remote_call_id=256" },
	/* not the mapping log's */
	{ NAT_EV_CALL_REFUSED, 0, "" },
	{ NAT_EV_ALG_RESET, 0, "" },
	{ NAT_EV_SERVER_REFUSED, 0, "" },
};

static struct nat_event event(enum nat_event_type type, uint8_t proto)
{
	return (struct nat_event){
		.type = type, .proto = proto, .alg = "pptp",
		.in_addr = ip("192.168.1.10"), .pub_addr = ip("203.0.113.1"),
		.rem_addr = ip("198.51.100.1"),
		.in_port = 5000, .pub_port = 6000, .rem_port = 53,
		.in_id = 1, .pub_id = 161, .rem_id = 256,
	};
}

START_TEST(test_line)
{
	struct nat_event ev = event(lines[_i].type, lines[_i].proto);
	char buf[MAPLOG_LINE_MAX];
	size_t n = maplog_format(buf, &ev, WHEN, true);

	ck_assert_uint_eq(n, strlen(lines[_i].want));
	if (n)
		ck_assert_str_eq(buf, lines[_i].want);
}
END_TEST

/* RFC 6888 REQ-12: without log.destinations, a call line names no remote */
START_TEST(test_call_without_destination)
{
	struct nat_event ev = event(NAT_EV_CALL_UP, 0);
	char buf[MAPLOG_LINE_MAX];

	ck_assert_uint_gt(maplog_format(buf, &ev, WHEN, false), 0);
	ck_assert_str_eq(buf, "2026-11-27T12:34:56.789Z call-up gre inside=192.168.1.10 inside_call_id=1 public=203.0.113.1 public_call_id=161");
}
END_TEST

START_TEST(test_longest_line)
{
	struct nat_event ev = event(NAT_EV_SESSION_DOWN, IPPROTO_UDP);
	char buf[MAPLOG_LINE_MAX];

	ev.in_addr = ev.pub_addr = ev.rem_addr = 0xffffffff;
	ev.in_port = ev.pub_port = ev.rem_port = 65535;
	ck_assert_uint_gt(maplog_format(buf, &ev, UINT64_MAX / 1000000, true), 0);
	ev.type = NAT_EV_CALL_DOWN;
	ev.in_id = ev.pub_id = ev.rem_id = 65535;
	ck_assert_uint_gt(maplog_format(buf, &ev, WHEN, true), 0);
}
END_TEST

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

static unsigned count_lines(const char *s, const char *word)
{
	unsigned n = 0;
	const char *p;

	for (p = s; (p = strstr(p, word)); p++)
		n++;
	return n;
}

START_TEST(test_file)
{
	char dir[] = "/tmp/check_maplog.XXXXXX", path[64], moved[64];
	struct nat_event up = event(NAT_EV_SESSION_UP, IPPROTO_UDP);
	struct nat_event down = event(NAT_EV_SESSION_DOWN, IPPROTO_UDP);
	uint64_t written, lost;
	char *text;
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/map.log", dir);
	snprintf(moved, sizeof(moved), "%s/map.log.1", dir);
	ck_assert_int_eq(maplog_set(true, true, path, getuid(), getgid()), 0);
	ck_assert(maplog_enabled());
	/* more than the buffer holds: written as it fills */
	for (i = 0; i < 1000; i++)
		maplog_event(&up);
	maplog_event(&down);
	maplog_flush();
	text = slurp(path);
	ck_assert_uint_eq(count_lines(text, " session-up udp "), 1000);
	ck_assert_uint_eq(count_lines(text, " session-down udp "), 1);
	ck_assert_uint_eq(count_lines(text, "\n"), 1001);
	free(text);
	maplog_counts(&written, &lost);
	ck_assert_uint_eq(written, 1001);
	ck_assert_uint_eq(lost, 0);

	/* logrotate moves it; a reopen starts a new file */
	ck_assert_int_eq(rename(path, moved), 0);
	maplog_event(&up);
	ck_assert_int_eq(maplog_reopen(), 0);	/* flushes to the old one */
	maplog_event(&down);
	maplog_flush();
	text = slurp(moved);
	ck_assert_uint_eq(count_lines(text, "\n"), 1002);
	free(text);
	text = slurp(path);
	ck_assert_uint_eq(count_lines(text, " session-down udp "), 1);
	ck_assert_uint_eq(count_lines(text, "\n"), 1);
	free(text);

	/* off: nothing more is written */
	ck_assert_int_eq(maplog_set(false, false, NULL, 0, 0), 0);
	maplog_event(&up);
	maplog_flush();
	text = slurp(path);
	ck_assert_uint_eq(count_lines(text, "\n"), 1);
	free(text);
	/* a file that cannot be opened changes nothing */
	ck_assert_int_lt(maplog_set(true, true, "/nonexistent/dir/map.log", 0, 0), 0);
	ck_assert(!maplog_enabled());
	unlink(path);
	unlink(moved);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("maplog");
	TCase *tc = tcase_create("maplog");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_line, 0, ARRAY_SIZE(lines));
	tcase_add_test(tc, test_longest_line);
	tcase_add_test(tc, test_call_without_destination);
	tcase_add_test(tc, test_file);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
