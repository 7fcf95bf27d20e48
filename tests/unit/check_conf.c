/* SPDX-License-Identifier: MIT */
/* check_conf.c - unit tests for conf.c: every error message, defaults */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CK_MAX_ASSERT_MEM_PRINT_SIZE	4096
#include <check.h>

#include "conf/conf.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef TOP_SRCDIR_BUILT	/* the source tree, when TOP_SRCDIR is unset */
#define TOP_SRCDIR_BUILT	"."
#endif

/* The smallest valid file, one section per macro, two lines each. */
#define IN	"inside:\n  device: tin0\n"
#define OUT	"outside:\n  device: tout0\n"
#define NAT	"nat:\n  addresses: [203.0.113.1]\n"
#define MIN	IN OUT NAT

/* Lines 1-2 and 3-4: the devices, for cases that add to "nat". */
#define DEVS	IN OUT
/* Lines 1-2 and 3-4: for cases that add to "inside" (from line 5 on). */
#define TAIL	OUT NAT

/**
 * load() - conf_load_mem() on @yaml, named "t.yaml"
 * @c:		the result
 * @out:	set to the error text (free it)
 *
 * Return: what conf_load_mem() returned
 */
static int load(struct config *c, const char *yaml, char **out)
{
	size_t len;
	FILE *f;
	int ret;

	f = open_memstream(out, &len);
	ck_assert_ptr_nonnull(f);
	ret = conf_load_mem(c, "t.yaml", yaml, strlen(yaml), f);
	ck_assert_int_eq(fclose(f), 0);
	return ret;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* A file with one or more errors, and the exact text expected. */
struct bad {
	const char *yaml;
	const char *want;
};

/* check_bad() - load @b: the text must match and the count of lines */
static void check_bad(const struct bad *b)
{
	struct config c;
	char *out = NULL;
	int ret;

	ret = load(&c, b->yaml, &out);
	ck_assert_str_eq(out, b->want);
	ck_assert_int_eq(ret, count_lines(b->want));
	free(out);
}

/* ---------------------------------------------------------------------- */
/* The document */

static const struct bad doc_cases[] = {
	{ "",
	  "t.yaml:1:1: empty file (expected a mapping with the sections inside, outside and nat)\n" },
	{ "# nothing here\n\n",
	  "t.yaml:1:1: empty file (expected a mapping with the sections inside, outside and nat)\n" },
	{ "- inside\n- outside\n",
	  "t.yaml:1:1: expected a mapping at the top level, got a sequence\n" },
	{ "hello\n",
	  "t.yaml:1:1: expected a mapping at the top level, got \"hello\"\n" },
	{ "---\n",
	  "t.yaml:2:1: expected a mapping at the top level, got an empty value\n" },
	{ "inside:\n  device: [tin0\n",
	  "t.yaml:3:1: syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 11)\n" },
	{ "inside:\n  device: tin0\n outside: x\n",
	  "t.yaml:3:2: syntax error: did not find expected key (while parsing a block mapping at line 1, column 1)\n" },
	{ "inside:\n  device: \"tin0\n",
	  "t.yaml:3:1: syntax error: found unexpected end of stream (while scanning a quoted scalar at line 2, column 11)\n" },
	{ "inside: *x\n",
	  "t.yaml:1:9: syntax error: found undefined alias\n" },
	{ MIN "x: \x01\n",
	  "t.yaml:7:4: control characters are not allowed (byte 0x01)\n" },
	{ MIN "---\n" MIN,
	  "t.yaml:7:1: a second YAML document (the file must hold one)\n" },
	{ MIN "...\n---\n",
	  "t.yaml:8:1: a second YAML document (the file must hold one)\n" },
	{ MIN "---\n- [\n",
	  "t.yaml:9:1: syntax error: did not find expected node content (while parsing a flow node at line 9, column 1)\n" },
	/* missing sections: at the top-level mapping */
	{ OUT NAT,
	  "t.yaml:1:1: missing required section \"inside\"\n" },
	{ IN NAT,
	  "t.yaml:1:1: missing required section \"outside\"\n" },
	{ IN OUT,
	  "t.yaml:1:1: missing required section \"nat\"\n" },
	{ "user: nobody\n",
	  "t.yaml:1:1: missing required section \"inside\"\n"
	  "t.yaml:1:1: missing required section \"outside\"\n"
	  "t.yaml:1:1: missing required section \"nat\"\n" },
	{ "# leading comment\n" IN OUT,
	  "t.yaml:2:1: missing required section \"nat\"\n" },
	{ "{}",
	  "t.yaml:1:1: missing required section \"inside\"\n"
	  "t.yaml:1:1: missing required section \"outside\"\n"
	  "t.yaml:1:1: missing required section \"nat\"\n" },
	/* keys at the top level */
	{ MIN "foo: 1\n",
	  "t.yaml:7:1: unknown key \"foo\" (expected: inside, outside, nat, forwards, alg, offload, workers, steering, fair-queues, nice, io-uring, user, control, log)\n" },
	{ MIN "\"a\\tb\": 1\n",
	  "t.yaml:7:1: unknown key \"a\\x09b\" (expected: inside, outside, nat, forwards, alg, offload, workers, steering, fair-queues, nice, io-uring, user, control, log)\n" },
	{ MIN "addresses: [1.1.1.1]\n",
	  "t.yaml:7:1: key \"addresses\" belongs in \"nat\"\n" },
	{ MIN "timeouts: {}\n",
	  "t.yaml:7:1: key \"timeouts\" belongs in \"nat\"\n" },
	{ MIN "level: debug\n",
	  "t.yaml:7:1: key \"level\" belongs in \"log\"\n" },
	{ MIN "device: x\n",
	  "t.yaml:7:1: key \"device\" belongs in \"inside\" or \"outside\"\n" },
	{ MIN "inside:\n  device: x\n",
	  "t.yaml:7:1: duplicate key \"inside\" (first at line 1, column 1)\n" },
	{ MIN "user: a\nuser: b\n",
	  "t.yaml:8:1: duplicate key \"user\" (first at line 7, column 1)\n" },
	{ MIN "? [a]\n: b\n",
	  "t.yaml:7:3: expected a key name, got a sequence\n" },
	/* wrong types of the sections */
	{ "inside:\n" TAIL,
	  "t.yaml:1:8: inside: expected a mapping, got an empty value\n" },
	{ "inside: tin0\n" TAIL,
	  "t.yaml:1:9: inside: expected a mapping, got \"tin0\"\n" },
	{ "inside: [tin0]\n" TAIL,
	  "t.yaml:1:9: inside: expected a mapping, got a sequence\n" },
	{ IN "outside:\n- tout0\n" NAT,
	  "t.yaml:4:1: outside: expected a mapping, got a sequence\n" },
	{ DEVS "nat: [203.0.113.1]\n",
	  "t.yaml:5:6: nat: expected a mapping, got a sequence\n" },
	{ MIN "user: [a]\n",
	  "t.yaml:7:7: user: expected a user name or uid, got a sequence\n" },
	{ MIN "user: {a: b}\n",
	  "t.yaml:7:7: user: expected a user name or uid, got a mapping\n" },
	{ MIN "user:\n",
	  "t.yaml:7:6: user: expected a user name or uid, got an empty value\n" },
	{ MIN "log: debug\n",
	  "t.yaml:7:6: log: expected a mapping, got \"debug\"\n" },
	{ MIN "log: [debug]\n",
	  "t.yaml:7:6: log: expected a mapping, got a sequence\n" },
};

START_TEST(test_doc)
{
	check_bad(&doc_cases[_i]);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* inside and outside */

static const struct bad dev_cases[] = {
	/* missing, unknown and duplicate keys */
	{ "inside:\n  mtu: 1500\n" TAIL,
	  "t.yaml:2:3: inside: missing required key \"device\"\n" },
	{ "inside: {mtu: 1500}\n" TAIL,
	  "t.yaml:1:9: inside: missing required key \"device\"\n" },
	{ IN "outside: {}\n" NAT,
	  "t.yaml:3:10: outside: missing required key \"device\"\n" },
	{ IN "  adress: 192.168.1.10\n" TAIL,
	  "t.yaml:3:3: inside: unknown key \"adress\" (expected: device, netns, create, address, mtu, routes, links, router-address)\n" },
	{ IN OUT "  name: x\n" NAT,
	  "t.yaml:5:3: outside: unknown key \"name\" (expected: device, netns, create, address, mtu, routes, links, proxy-arp)\n" },
	{ IN OUT "  router-address: 192.0.0.9\n" NAT,
	  "t.yaml:5:3: outside: key \"router-address\" belongs in \"inside\"\n" },
	{ IN "  device: tin1\n" TAIL,
	  "t.yaml:3:3: inside: duplicate key \"device\" (first at line 2, column 3)\n" },
	{ IN OUT "  mtu: 1500\n  mtu: 1400\n" NAT,
	  "t.yaml:6:3: outside: duplicate key \"mtu\" (first at line 5, column 3)\n" },
	/* wrong types */
	{ "inside:\n  device: [tin0]\n" TAIL,
	  "t.yaml:2:11: inside.device: expected a device name, got a sequence\n" },
	{ "inside:\n  device:\n" TAIL,
	  "t.yaml:2:10: inside.device: expected a device name, got an empty value\n" },
	{ IN "  netns: {a: b}\n" TAIL,
	  "t.yaml:3:10: inside.netns: expected a namespace name or an absolute path, got a mapping\n" },
	{ IN "  netns: \"\"\n" TAIL,
	  "t.yaml:3:10: inside.netns: expected a namespace name or an absolute path, got an empty value\n" },
	{ IN "  create: [true]\n" TAIL,
	  "t.yaml:3:11: inside.create: expected true or false, got a sequence\n" },
	{ IN "  address: [192.168.1.10]\n" TAIL,
	  "t.yaml:3:12: inside.address: expected an IPv4 address, got a sequence\n" },
	{ IN "  mtu: {}\n" TAIL,
	  "t.yaml:3:8: inside.mtu: expected an integer, got a mapping\n" },
	{ IN "  routes: 0.0.0.0/0\n" TAIL,
	  "t.yaml:3:11: inside.routes: expected a sequence, got \"0.0.0.0/0\"\n" },
	{ IN "  routes: {a: b}\n" TAIL,
	  "t.yaml:3:11: inside.routes: expected a sequence, got a mapping\n" },
	{ IN "  routes: [[0.0.0.0/0]]\n" TAIL,
	  "t.yaml:3:12: inside.routes[0]: expected an IPv4 prefix, got a sequence\n" },
	{ IN "  router-address: [192.0.0.9]\n" TAIL,
	  "t.yaml:3:19: inside.router-address: expected an IPv4 address, got a sequence\n" },
	/* device names */
	{ "inside:\n  device: abcdefghijklmnop\n" TAIL,
	  "t.yaml:2:11: inside.device: \"abcdefghijklmnop\" is longer than 15 characters\n" },
	{ "inside:\n  device: a/b\n" TAIL,
	  "t.yaml:2:11: inside.device: \"a/b\" is not a valid device name (no \"/\", \":\" or white space; not \".\" or \"..\")\n" },
	{ "inside:\n  device: \"a b\"\n" TAIL,
	  "t.yaml:2:11: inside.device: \"a b\" is not a valid device name (no \"/\", \":\" or white space; not \".\" or \"..\")\n" },
	{ "inside:\n  device: \"a:1\"\n" TAIL,
	  "t.yaml:2:11: inside.device: \"a:1\" is not a valid device name (no \"/\", \":\" or white space; not \".\" or \"..\")\n" },
	{ "inside:\n  device: .\n" TAIL,
	  "t.yaml:2:11: inside.device: \".\" is not a valid device name (no \"/\", \":\" or white space; not \".\" or \"..\")\n" },
	{ "inside:\n  device: ..\n" TAIL,
	  "t.yaml:2:11: inside.device: \"..\" is not a valid device name (no \"/\", \":\" or white space; not \".\" or \"..\")\n" },
	{ "inside:\n  device: \"a\\0b\"\n" TAIL,
	  "t.yaml:2:11: inside.device: contains a NUL character\n" },
	/* network namespaces */
	{ IN "  netns: run/netns/lan\n" TAIL,
	  "t.yaml:3:10: inside.netns: \"run/netns/lan\" is a relative path (a path must start with \"/\")\n" },
	{ IN "  netns: \"l a n\"\n" TAIL,
	  "t.yaml:3:10: inside.netns: \"l a n\" is not a valid namespace name (letters, digits, \".\", \"_\" and \"-\"; not \".\" or \"..\")\n" },
	{ IN "  netns: .\n" TAIL,
	  "t.yaml:3:10: inside.netns: \".\" is not a valid namespace name (letters, digits, \".\", \"_\" and \"-\"; not \".\" or \"..\")\n" },
	{ IN "  netns: ..\n" TAIL,
	  "t.yaml:3:10: inside.netns: \"..\" is not a valid namespace name (letters, digits, \".\", \"_\" and \"-\"; not \".\" or \"..\")\n" },
	/* create */
	{ IN "  create: maybe\n" TAIL,
	  "t.yaml:3:11: inside.create: expected true or false, got \"maybe\"\n" },
	{ IN "  create: 1\n" TAIL,
	  "t.yaml:3:11: inside.create: expected true or false, got \"1\"\n" },
	/* addresses */
	{ IN "  address: 1.2.3\n" TAIL,
	  "t.yaml:3:12: inside.address: \"1.2.3\" is not an IPv4 address\n" },
	{ IN "  address: 1.2.3.256\n" TAIL,
	  "t.yaml:3:12: inside.address: \"1.2.3.256\" is not an IPv4 address\n" },
	{ IN "  address: 1.2.3.4.5\n" TAIL,
	  "t.yaml:3:12: inside.address: \"1.2.3.4.5\" is not an IPv4 address\n" },
	{ IN "  address: 01.2.3.4\n" TAIL,
	  "t.yaml:3:12: inside.address: \"01.2.3.4\" is not an IPv4 address\n" },
	{ IN "  address: \"1.2.3.4 \"\n" TAIL,
	  "t.yaml:3:12: inside.address: \"1.2.3.4 \" is not an IPv4 address\n" },
	{ IN "  address: 1.2.3.4/33\n" TAIL,
	  "t.yaml:3:12: inside.address: \"1.2.3.4/33\": the prefix length must be 0 to 32\n" },
	{ IN "  address: 1.2.3.4/\n" TAIL,
	  "t.yaml:3:12: inside.address: \"1.2.3.4/\": the prefix length must be 0 to 32\n" },
	{ IN "  address: 1.2.3.4/08\n" TAIL,
	  "t.yaml:3:12: inside.address: \"1.2.3.4/08\": the prefix length must be 0 to 32\n" },
	{ IN "  address: 1.2.3.4/-1\n" TAIL,
	  "t.yaml:3:12: inside.address: \"1.2.3.4/-1\": the prefix length must be 0 to 32\n" },
	/* mtu: 0, 68 and 65535 are valid */
	{ IN "  mtu: 67\n" TAIL,
	  "t.yaml:3:8: inside.mtu: 67 is below the minimum of 68 (0 leaves the MTU as it is)\n" },
	{ IN "  mtu: 1\n" TAIL,
	  "t.yaml:3:8: inside.mtu: 1 is below the minimum of 68 (0 leaves the MTU as it is)\n" },
	{ IN "  mtu: 65536\n" TAIL,
	  "t.yaml:3:8: inside.mtu: 65536 is above the maximum of 65535\n" },
	{ IN "  mtu: 99999999999999999999999\n" TAIL,
	  "t.yaml:3:8: inside.mtu: 99999999999999999999999 is above the maximum of 65535\n" },
	{ IN "  mtu: 1e3\n" TAIL,
	  "t.yaml:3:8: inside.mtu: expected an integer, got \"1e3\"\n" },
	{ IN "  mtu: 0x10\n" TAIL,
	  "t.yaml:3:8: inside.mtu: expected an integer, got \"0x10\"\n" },
	{ IN "  mtu: -5\n" TAIL,
	  "t.yaml:3:8: inside.mtu: expected an integer, got \"-5\"\n" },
	{ IN "  mtu: +5\n" TAIL,
	  "t.yaml:3:8: inside.mtu: expected an integer, got \"+5\"\n" },
	{ IN "  mtu: \" 1500\"\n" TAIL,
	  "t.yaml:3:8: inside.mtu: expected an integer, got \" 1500\"\n" },
	{ IN "  mtu: \"\"\n" TAIL,
	  "t.yaml:3:8: inside.mtu: expected an integer, got an empty value\n" },
	{ IN "  mtu: 1500.0\n" TAIL,
	  "t.yaml:3:8: inside.mtu: expected an integer, got \"1500.0\"\n" },
	/* routes */
	{ IN "  routes: [10.0.0.1/8]\n" TAIL,
	  "t.yaml:3:12: inside.routes[0]: 10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)\n" },
	{ IN "  routes: [0.0.0.0/0, 1.2.3]\n" TAIL,
	  "t.yaml:3:23: inside.routes[1]: \"1.2.3\" is not an IPv4 address\n" },
	{ IN "  routes: [10.0.0.0/8, 1.2.3.4, 10.0.0.0/8, 1.2.3.4/32]\n" TAIL,
	  "t.yaml:3:33: inside.routes[2]: 10.0.0.0/8 is listed twice (first at line 3, column 12)\n"
	  "t.yaml:3:45: inside.routes[3]: 1.2.3.4 is listed twice (first at line 3, column 24)\n" },
	{ IN "  routes:\n  - 192.168.0.0/16\n  - 192.168.0.0/33\n" TAIL,
	  "t.yaml:5:5: inside.routes[1]: \"192.168.0.0/33\": the prefix length must be 0 to 32\n" },
	/* links */
	{ IN "  links: eth1\n" TAIL,
	  "t.yaml:3:10: inside.links: expected a sequence, got \"eth1\"\n" },
	{ IN "  links: [[eth1]]\n" TAIL,
	  "t.yaml:3:11: inside.links[0]: expected a device name, got a sequence\n" },
	{ IN "  links: [eth1, \"e 2\", abcdefghijklmnop]\n" TAIL,
	  "t.yaml:3:17: inside.links[1]: \"e 2\" is not a valid device name (no \"/\", \":\" or white space; not \".\" or \"..\")\n"
	  "t.yaml:3:24: inside.links[2]: \"abcdefghijklmnop\" is longer than 15 characters\n" },
	{ IN "  links: [eth1, lo]\n" TAIL,
	  "t.yaml:3:17: inside.links[1]: \"lo\" cannot be a link: its rule would catch every packet the router sends itself\n" },
	{ IN "  links: [eth1, eth2, eth1]\n" TAIL,
	  "t.yaml:3:23: inside.links[2]: \"eth1\" is listed twice (first at line 3, column 11)\n" },
	{ IN "  links: [eth1, tin0]\n" TAIL,
	  "t.yaml:3:17: inside.links[1]: tin0 is inside.device (line 2, column 11): a link must be another interface\n" },
	{ IN "  links: [tout0]\n" TAIL,
	  "t.yaml:3:11: inside.links[0]: tout0 is outside.device (line 5, column 11): a link must be another interface\n" },
	{ IN "  links: [tout0]\n  netns: lan\n" TAIL,
	  "" },
	{ IN "  links: [eth1]\n" OUT "  links: [eth2, eth1]\n" NAT,
	  "t.yaml:6:17: outside.links[1]: eth1 is also in inside.links (line 3, column 11), in the same network namespace\n" },
	{ IN "  links: [eth1]\n" OUT "  links: [eth1]\n  netns: wan\n" NAT,
	  "" },
	/* proxy-arp */
	{ IN "  proxy-arp: false\n" TAIL,
	  "t.yaml:3:3: inside: key \"proxy-arp\" belongs in \"outside\"\n" },
	{ IN OUT "  proxy-arp: sometimes\n" NAT,
	  "t.yaml:5:14: outside.proxy-arp: expected true or false, got \"sometimes\"\n" },
	{ MIN "links: [eth1]\n",
	  "t.yaml:7:1: key \"links\" belongs in \"inside\" or \"outside\"\n" },
	/* router-address */
	{ IN "  router-address: 192.0.0.8/32\n" TAIL,
	  "t.yaml:3:19: inside.router-address: expected one IPv4 address without a prefix length, got \"192.0.0.8/32\"\n" },
	{ IN "  router-address: 192.0.0\n" TAIL,
	  "t.yaml:3:19: inside.router-address: \"192.0.0\" is not an IPv4 address\n" },
	{ IN "  router-address: 224.0.0.1\n" TAIL,
	  "t.yaml:3:19: inside.router-address: 224.0.0.1 is in 224.0.0.0/4 (multicast), not a unicast address\n" },
	{ IN "  router-address: 0.0.0.0\n" TAIL,
	  "t.yaml:3:19: inside.router-address: 0.0.0.0 is in 0.0.0.0/8 (this network), not a unicast address\n" },
	{ IN "  router-address: 127.0.0.1\n" TAIL,
	  "t.yaml:3:19: inside.router-address: 127.0.0.1 is in 127.0.0.0/8 (loopback), not a unicast address\n" },
	{ IN "  router-address: 255.255.255.255\n" TAIL,
	  "t.yaml:3:19: inside.router-address: 255.255.255.255 is in 255.255.255.255 (limited broadcast), not a unicast address\n" },
	{ IN "  router-address: 203.0.113.1\n" TAIL,
	  "t.yaml:7:15: nat.addresses[0]: 203.0.113.1 includes inside.router-address 203.0.113.1 (line 3, column 19)\n" },
	{ DEVS "nat:\n  addresses: [198.51.100.1, 192.0.0.8/29]\n",
	  "t.yaml:6:29: nat.addresses[1]: 192.0.0.8/29 includes inside.router-address 192.0.0.8 (the default)\n" },
	{ NAT IN "  router-address: 203.0.113.1\n" OUT,
	  "t.yaml:5:19: inside.router-address: 203.0.113.1 is in the pool (nat.addresses[0]: 203.0.113.1 at line 2, column 15)\n" },
	/* inside.address against the pool and router-address */
	{ IN "  address: 203.0.113.1/24\n" TAIL,
	  "t.yaml:7:15: nat.addresses[0]: 203.0.113.1 includes inside.address 203.0.113.1 (line 3, column 12)\n" },
	{ "nat:\n  addresses: [203.0.113.0/30]\n" IN "  address: 203.0.113.2/24\n" OUT,
	  "t.yaml:5:12: inside.address: 203.0.113.2 is in the pool (nat.addresses[0]: 203.0.113.0/30 at line 2, column 15)\n" },
	{ IN "  address: 192.168.1.1/24\n  router-address: 192.168.1.1\n" TAIL,
	  "t.yaml:4:19: inside.router-address: 192.168.1.1 is also inside.address (line 3, column 12): the router must not use the host's address\n" },
	{ IN "  address: 192.0.0.8/24\n" TAIL,
	  "t.yaml:3:12: inside.address: 192.0.0.8 is also inside.router-address (the default): the router must not use the host's address\n" },
	{ IN "  router-address: 10.0.0.1\n  address: 10.0.0.1/8\n" TAIL,
	  "t.yaml:4:12: inside.address: 10.0.0.1 is also inside.router-address (line 3, column 19): the router must not use the host's address\n" },
	/* the same device twice */
	{ IN "outside:\n  device: tin0\n" NAT,
	  "t.yaml:4:11: outside.device: tin0 is also inside.device, in the same network namespace (line 2, column 11)\n" },
	{ "outside:\n  device: tin0\n" IN NAT,
	  "t.yaml:4:11: inside.device: tin0 is also outside.device, in the same network namespace (line 2, column 11)\n" },
	{ IN "  netns: lan\noutside:\n  device: tin0\n  netns: /run/netns/lan\n" NAT,
	  "t.yaml:5:11: outside.device: tin0 is also inside.device, in the same network namespace (line 2, column 11)\n" },
	/* outside is parsed by the same code */
	{ IN "outside:\n  device: tout0\n  address: 1.2.3.4/33\n  mtu: 67\n" NAT,
	  "t.yaml:5:12: outside.address: \"1.2.3.4/33\": the prefix length must be 0 to 32\n"
	  "t.yaml:6:8: outside.mtu: 67 is below the minimum of 68 (0 leaves the MTU as it is)\n" },
};

START_TEST(test_dev)
{
	check_bad(&dev_cases[_i]);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* nat */

static const struct bad nat_cases[] = {
	{ DEVS "nat:\n  ports: 1-65535\n",
	  "t.yaml:6:3: nat: missing required key \"addresses\"\n" },
	{ DEVS "nat: {}\n",
	  "t.yaml:5:6: nat: missing required key \"addresses\"\n" },
	{ NAT "  address: 1.1.1.1\n" DEVS,
	  "t.yaml:3:3: nat: unknown key \"address\" (expected: addresses, ports, max-sessions, timeouts, allow-short-timeouts, port-holddown, filtering, inbound-refresh, port-parity, max-sessions-per-host, icmp-on-failure, unsolicited-syn, exempt, inside-prefixes, tcp-mss-clamp)\n" },
	{ NAT "  addresses: [203.0.113.2]\n" DEVS,
	  "t.yaml:3:3: nat: duplicate key \"addresses\" (first at line 2, column 3)\n" },
	/* addresses: types */
	{ DEVS "nat:\n  addresses: 203.0.113.1\n",
	  "t.yaml:6:14: nat.addresses: expected a sequence, got \"203.0.113.1\"\n" },
	{ DEVS "nat:\n  addresses: {a: b}\n",
	  "t.yaml:6:14: nat.addresses: expected a sequence, got a mapping\n" },
	{ DEVS "nat:\n  addresses:\n",
	  "t.yaml:6:13: nat.addresses: expected a sequence, got an empty value\n" },
	{ DEVS "nat:\n  addresses: []\n",
	  "t.yaml:6:14: nat.addresses: the pool is empty (expected at least one address)\n" },
	{ DEVS "nat:\n  addresses: [{a: b}]\n",
	  "t.yaml:6:15: nat.addresses[0]: expected an IPv4 prefix, got a mapping\n" },
	/* addresses: values */
	{ DEVS "nat:\n  addresses: [1.2.3]\n",
	  "t.yaml:6:15: nat.addresses[0]: \"1.2.3\" is not an IPv4 address\n" },
	{ DEVS "nat:\n  addresses: [1.2.3.256]\n",
	  "t.yaml:6:15: nat.addresses[0]: \"1.2.3.256\" is not an IPv4 address\n" },
	{ DEVS "nat:\n  addresses: [1.2.3.4/33]\n",
	  "t.yaml:6:15: nat.addresses[0]: \"1.2.3.4/33\": the prefix length must be 0 to 32\n" },
	{ DEVS "nat:\n  addresses: [203.0.113.1/24]\n",
	  "t.yaml:6:15: nat.addresses[0]: 203.0.113.1/24 has host bits set (did you mean 203.0.113.0/24?)\n" },
	{ DEVS "nat:\n  addresses: [203.0.113.1, 203.0.113.1]\n",
	  "t.yaml:6:28: nat.addresses[1]: 203.0.113.1 is listed twice (first at line 6, column 15)\n" },
	{ DEVS "nat:\n  addresses: [203.0.113.0/24, 203.0.113.0/24]\n",
	  "t.yaml:6:31: nat.addresses[1]: 203.0.113.0/24 is listed twice (first at line 6, column 15)\n" },
	{ DEVS "nat:\n  addresses:\n  - 203.0.113.0/30\n  - 203.0.113.2\n",
	  "t.yaml:8:5: nat.addresses[1]: 203.0.113.2 overlaps 203.0.113.0/30 (line 7, column 5)\n" },
	{ DEVS "nat:\n  addresses:\n  - 203.0.113.5\n  - 203.0.113.4/30\n",
	  "t.yaml:8:5: nat.addresses[1]: 203.0.113.4/30 overlaps 203.0.113.5 (line 7, column 5)\n" },
	{ DEVS "nat:\n  addresses: [203.0.113.0/25, 203.0.113.0/24]\n",
	  "t.yaml:6:31: nat.addresses[1]: 203.0.113.0/24 overlaps 203.0.113.0/25 (line 6, column 15)\n" },
	{ DEVS "nat:\n  addresses: [10.0.0.0/21]\n",
	  "t.yaml:6:15: nat.addresses[0]: 10.0.0.0/21 brings the pool to 2048 addresses, more than the maximum of 1024\n" },
	{ DEVS "nat:\n  addresses: [10.0.0.0/22, 10.0.4.1, 10.0.4.2]\n",
	  "t.yaml:6:28: nat.addresses[1]: 10.0.4.1 brings the pool to 1025 addresses, more than the maximum of 1024\n" },
	{ DEVS "nat:\n  addresses: [0.1.2.3]\n",
	  "t.yaml:6:15: nat.addresses[0]: 0.1.2.3 is in 0.0.0.0/8 (this network), not a public address\n" },
	{ DEVS "nat:\n  addresses: [127.0.0.1]\n",
	  "t.yaml:6:15: nat.addresses[0]: 127.0.0.1 is in 127.0.0.0/8 (loopback), not a public address\n" },
	{ DEVS "nat:\n  addresses: [224.0.0.1]\n",
	  "t.yaml:6:15: nat.addresses[0]: 224.0.0.1 is in 224.0.0.0/4 (multicast), not a public address\n" },
	{ DEVS "nat:\n  addresses: [239.255.255.255]\n",
	  "t.yaml:6:15: nat.addresses[0]: 239.255.255.255 is in 224.0.0.0/4 (multicast), not a public address\n" },
	{ DEVS "nat:\n  addresses: [240.0.0.1]\n",
	  "t.yaml:6:15: nat.addresses[0]: 240.0.0.1 is in 240.0.0.0/4 (reserved), not a public address\n" },
	{ DEVS "nat:\n  addresses: [255.255.255.255]\n",
	  "t.yaml:6:15: nat.addresses[0]: 255.255.255.255 is in 255.255.255.255 (limited broadcast), not a public address\n" },
	{ DEVS "nat:\n  addresses: [126.0.0.0/7]\n",
	  "t.yaml:6:15: nat.addresses[0]: 126.0.0.0/7 includes 127.0.0.0/8 (loopback), not a public address\n" },
	/* ports */
	{ DEVS NAT "  ports: 0-10\n",
	  "t.yaml:7:10: nat.ports: \"0-10\": ports must be 1 to 65535\n" },
	{ DEVS NAT "  ports: 0\n",
	  "t.yaml:7:10: nat.ports: \"0\": ports must be 1 to 65535\n" },
	{ DEVS NAT "  ports: 10-5\n",
	  "t.yaml:7:10: nat.ports: \"10-5\" is empty (the first port is above the last)\n" },
	{ DEVS NAT "  ports: 70000\n",
	  "t.yaml:7:10: nat.ports: \"70000\": ports must be 1 to 65535\n" },
	{ DEVS NAT "  ports: 1-65536\n",
	  "t.yaml:7:10: nat.ports: \"1-65536\": ports must be 1 to 65535\n" },
	{ DEVS NAT "  ports: 1 - 2\n",
	  "t.yaml:7:10: nat.ports: expected a port range LO-HI such as 1024-65535, got \"1 - 2\"\n" },
	{ DEVS NAT "  ports: -5\n",
	  "t.yaml:7:10: nat.ports: expected a port range LO-HI such as 1024-65535, got \"-5\"\n" },
	{ DEVS NAT "  ports: 5-\n",
	  "t.yaml:7:10: nat.ports: expected a port range LO-HI such as 1024-65535, got \"5-\"\n" },
	{ DEVS NAT "  ports: 1-2-3\n",
	  "t.yaml:7:10: nat.ports: expected a port range LO-HI such as 1024-65535, got \"1-2-3\"\n" },
	{ DEVS NAT "  ports: [1, 2]\n",
	  "t.yaml:7:10: nat.ports: expected a port range LO-HI, got a sequence\n" },
	/* max-sessions: 1 and 16777216 are valid */
	{ DEVS NAT "  max-sessions: 0\n",
	  "t.yaml:7:17: nat.max-sessions: 0 is below the minimum of 1\n" },
	{ DEVS NAT "  max-sessions: 16777217\n",
	  "t.yaml:7:17: nat.max-sessions: 16777217 is above the maximum of 16777216\n" },
	{ DEVS NAT "  max-sessions: 1e6\n",
	  "t.yaml:7:17: nat.max-sessions: expected an integer, got \"1e6\"\n" },
	{ DEVS NAT "  max-sessions: [1]\n",
	  "t.yaml:7:17: nat.max-sessions: expected an integer, got a sequence\n" },
	/* timeouts: the values at the bounds are in test_bounds */
	{ DEVS NAT "  timeouts: 60\n",
	  "t.yaml:7:13: nat.timeouts: expected a mapping, got \"60\"\n" },
	{ DEVS NAT "  timeouts:\n    tcp: 7440\n",
	  "t.yaml:8:5: nat.timeouts: unknown key \"tcp\" (expected: tcp-established, tcp-transitory, tcp-opening, tcp-closing, udp, icmp, gre, other)\n" },
	{ DEVS NAT "  timeouts:\n    udp: 300\n    udp: 400\n",
	  "t.yaml:9:5: nat.timeouts: duplicate key \"udp\" (first at line 8, column 5)\n" },
	{ DEVS NAT "  timeouts:\n    tcp-established: 7439\n",
	  "t.yaml:8:22: nat.timeouts.tcp-established: 7439 is below the minimum of 7440 seconds (RFC 5382 REQ-5; nat.allow-short-timeouts: true lowers it to 1)\n" },
	{ DEVS NAT "  timeouts:\n    tcp-established: 1000001\n",
	  "t.yaml:8:22: nat.timeouts.tcp-established: 1000001 is above the maximum of 1000000 seconds\n" },
	{ DEVS NAT "  timeouts:\n    tcp-transitory: 0\n",
	  "t.yaml:8:21: nat.timeouts.tcp-transitory: 0 is below the minimum of 1 second\n" },
	{ DEVS NAT "  timeouts:\n    tcp-transitory: 1000001\n",
	  "t.yaml:8:21: nat.timeouts.tcp-transitory: 1000001 is above the maximum of 1000000 seconds\n" },
	{ DEVS NAT "  timeouts:\n    udp: 119\n",
	  "t.yaml:8:10: nat.timeouts.udp: 119 is below the minimum of 120 seconds (RFC 4787 REQ-5; nat.allow-short-timeouts: true lowers it to 1)\n" },
	{ DEVS NAT "  timeouts:\n    udp: 1000001\n",
	  "t.yaml:8:10: nat.timeouts.udp: 1000001 is above the maximum of 1000000 seconds\n" },
	{ DEVS NAT "  timeouts:\n    icmp: 59\n",
	  "t.yaml:8:11: nat.timeouts.icmp: 59 is below the minimum of 60 seconds (RFC 5508 REQ-2; nat.allow-short-timeouts: true lowers it to 1)\n" },
	{ DEVS NAT "  timeouts:\n    icmp: 1000001\n",
	  "t.yaml:8:11: nat.timeouts.icmp: 1000001 is above the maximum of 1000000 seconds\n" },
	{ DEVS NAT "  timeouts:\n    icmp: [60]\n",
	  "t.yaml:8:11: nat.timeouts.icmp: expected an integer, got a sequence\n" },
	{ DEVS NAT "  timeouts:\n    icmp: 1m\n",
	  "t.yaml:8:11: nat.timeouts.icmp: expected an integer, got \"1m\"\n" },
};

START_TEST(test_nat)
{
	check_bad(&nat_cases[_i]);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* nat: the keys of RFC 4787, 5382, 5508 and 6888 behaviours */

#define SHORT_HINT	"nat.allow-short-timeouts: true lowers it to 1"
#define FILTERS	"(expected: endpoint-independent, address-dependent, address-and-port-dependent)"

static const struct bad rfc_cases[] = {
	/* filtering: one behaviour, or a mapping of protocols to one */
	{ DEVS NAT "  filtering: eif\n",
	  "t.yaml:7:14: nat.filtering: \"eif\" is not a filtering behaviour " FILTERS "\n" },
	{ DEVS NAT "  filtering: Endpoint-Independent\n",
	  "t.yaml:7:14: nat.filtering: \"Endpoint-Independent\" is not a filtering behaviour " FILTERS "\n" },
	{ DEVS NAT "  filtering: [endpoint-independent]\n",
	  "t.yaml:7:14: nat.filtering: expected a filtering behaviour or a mapping of tcp, udp and icmp to one, got a sequence\n" },
	{ DEVS NAT "  filtering:\n",
	  "t.yaml:7:13: nat.filtering: expected a filtering behaviour or a mapping of tcp, udp and icmp to one, got an empty value\n" },
	{ DEVS NAT "  filtering: {udp: x}\n",
	  "t.yaml:7:20: nat.filtering.udp: \"x\" is not a filtering behaviour " FILTERS "\n" },
	{ DEVS NAT "  filtering: {tcp: [address-dependent]}\n",
	  "t.yaml:7:20: nat.filtering.tcp: expected a filtering behaviour, got a sequence\n" },
	{ DEVS NAT "  filtering: {sctp: address-dependent}\n",
	  "t.yaml:7:15: nat.filtering: unknown key \"sctp\" (expected: tcp, udp, icmp)\n" },
	{ DEVS NAT "  filtering:\n    udp: address-dependent\n    udp: endpoint-independent\n",
	  "t.yaml:9:5: nat.filtering: duplicate key \"udp\" (first at line 8, column 5)\n" },
	/* the booleans */
	{ DEVS NAT "  allow-short-timeouts: maybe\n",
	  "t.yaml:7:25: nat.allow-short-timeouts: expected true or false, got \"maybe\"\n" },
	{ DEVS NAT "  inbound-refresh: 2\n",
	  "t.yaml:7:20: nat.inbound-refresh: expected true or false, got \"2\"\n" },
	{ DEVS NAT "  port-parity: [true]\n",
	  "t.yaml:7:16: nat.port-parity: expected true or false, got a sequence\n" },
	{ DEVS NAT "  icmp-on-failure:\n",
	  "t.yaml:7:19: nat.icmp-on-failure: expected true or false, got an empty value\n" },
	/* timeouts.other and port-holddown, without allow-short-timeouts */
	{ DEVS NAT "  timeouts:\n    other: 59\n",
	  "t.yaml:8:12: nat.timeouts.other: 59 is below the minimum of 60 seconds (" SHORT_HINT ")\n" },
	{ DEVS NAT "  timeouts:\n    other: 1000001\n",
	  "t.yaml:8:12: nat.timeouts.other: 1000001 is above the maximum of 1000000 seconds\n" },
	{ DEVS NAT "  timeouts:\n    other: 1h\n",
	  "t.yaml:8:12: nat.timeouts.other: expected an integer, got \"1h\"\n" },
	{ DEVS NAT "  port-holddown: 119\n",
	  "t.yaml:7:18: nat.port-holddown: 119 is below the minimum of 120 seconds (RFC 6888 REQ-8; " SHORT_HINT ")\n" },
	{ DEVS NAT "  port-holddown: 0\n",
	  "t.yaml:7:18: nat.port-holddown: 0 is below the minimum of 120 seconds (RFC 6888 REQ-8; " SHORT_HINT ")\n" },
	{ DEVS NAT "  port-holddown: 3601\n",
	  "t.yaml:7:18: nat.port-holddown: 3601 is above the maximum of 3600 seconds\n" },
	{ DEVS NAT "  port-holddown: -1\n",
	  "t.yaml:7:18: nat.port-holddown: expected an integer, got \"-1\"\n" },
	{ DEVS NAT "  timeouts: {udp: 0}\n",
	  "t.yaml:7:19: nat.timeouts.udp: 0 is below the minimum of 120 seconds (RFC 4787 REQ-5; " SHORT_HINT ")\n" },
	/* ... and with it */
	{ DEVS NAT "  allow-short-timeouts: true\n  timeouts: {udp: 0, other: 0}\n  port-holddown: 0\n",
	  "t.yaml:8:19: nat.timeouts.udp: 0 is below the minimum of 1 second\n"
	  "t.yaml:8:29: nat.timeouts.other: 0 is below the minimum of 1 second\n"
	  "t.yaml:9:18: nat.port-holddown: 0 is below the minimum of 1 second\n" },
	{ DEVS NAT "  allow-short-timeouts: true\n  port-holddown: 3601\n",
	  "t.yaml:8:18: nat.port-holddown: 3601 is above the maximum of 3600 seconds\n" },
	{ DEVS NAT "  allow-short-timeouts: true\n  timeouts: {tcp-established: 1000001}\n",
	  "t.yaml:8:31: nat.timeouts.tcp-established: 1000001 is above the maximum of 1000000 seconds\n" },
	/* the minimums stand if allow-short-timeouts is not valid */
	{ DEVS NAT "  allow-short-timeouts: yes please\n  timeouts: {icmp: 1}\n",
	  "t.yaml:7:25: nat.allow-short-timeouts: expected true or false, got \"yes please\"\n"
	  "t.yaml:8:20: nat.timeouts.icmp: 1 is below the minimum of 60 seconds (RFC 5508 REQ-2; " SHORT_HINT ")\n" },
	/* max-sessions-per-host */
	{ DEVS NAT "  max-sessions-per-host: 16777217\n",
	  "t.yaml:7:26: nat.max-sessions-per-host: 16777217 is above the maximum of 16777216\n" },
	{ DEVS NAT "  max-sessions-per-host: none\n",
	  "t.yaml:7:26: nat.max-sessions-per-host: expected an integer, got \"none\"\n" },
	{ DEVS NAT "  max-sessions-per-host: 1000001\n",
	  "t.yaml:7:26: nat.max-sessions-per-host: 1000001 is above nat.max-sessions (1000000, the default)\n" },
	{ DEVS NAT "  max-sessions: 10\n  max-sessions-per-host: 11\n",
	  "t.yaml:8:26: nat.max-sessions-per-host: 11 is above nat.max-sessions (10 at line 7, column 17)\n" },
	{ DEVS NAT "  max-sessions-per-host: 11\n  max-sessions: 10\n",
	  "t.yaml:8:17: nat.max-sessions: 10 is below nat.max-sessions-per-host (11 at line 7, column 26)\n" },
	{ DEVS NAT "  max-sessions-per-host: 11\n  max-sessions: 0\n",
	  "t.yaml:8:17: nat.max-sessions: 0 is below the minimum of 1\n" },
	/* unsolicited-syn */
	{ DEVS NAT "  unsolicited-syn: rst\n",
	  "t.yaml:7:20: nat.unsolicited-syn: expected drop or reject, got \"rst\"\n" },
	{ DEVS NAT "  unsolicited-syn: DROP\n",
	  "t.yaml:7:20: nat.unsolicited-syn: expected drop or reject, got \"DROP\"\n" },
	{ DEVS NAT "  unsolicited-syn: [drop]\n",
	  "t.yaml:7:20: nat.unsolicited-syn: expected drop or reject, got a sequence\n" },
	/* exempt and inside-prefixes */
	{ DEVS NAT "  exempt: 10.0.0.0/8\n",
	  "t.yaml:7:11: nat.exempt: expected a sequence, got \"10.0.0.0/8\"\n" },
	{ DEVS NAT "  exempt: [10.0.0.1/8, 1.2.3, 10.0.0.0/33]\n",
	  "t.yaml:7:12: nat.exempt[0]: 10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)\n"
	  "t.yaml:7:24: nat.exempt[1]: \"1.2.3\" is not an IPv4 address\n"
	  "t.yaml:7:31: nat.exempt[2]: \"10.0.0.0/33\": the prefix length must be 0 to 32\n" },
	{ DEVS NAT "  exempt: [10.0.0.0/8, 10.0.0.0/8]\n",
	  "t.yaml:7:24: nat.exempt[1]: 10.0.0.0/8 is listed twice (first at line 7, column 12)\n" },
	{ DEVS NAT "  exempt: [10.0.0.0/8, 203.0.113.0/24]\n",
	  "t.yaml:7:24: nat.exempt[1]: 203.0.113.0/24 overlaps the pool (nat.addresses[0]: 203.0.113.1 at line 6, column 15)\n" },
	{ DEVS "nat:\n  exempt: [0.0.0.0/0]\n  addresses: [198.51.100.0/30]\n",
	  "t.yaml:7:15: nat.addresses[0]: 198.51.100.0/30 overlaps nat.exempt[0] 0.0.0.0/0 (line 6, column 12)\n" },
	{ DEVS NAT "  inside-prefixes: [203.0.113.1]\n",
	  "t.yaml:7:21: nat.inside-prefixes[0]: 203.0.113.1 is in the pool (nat.addresses[0]: 203.0.113.1 at line 6, column 15)\n" },
	{ DEVS NAT "  inside-prefixes: [192.168.0.0/16, 203.0.0.0/8]\n",
	  "t.yaml:7:37: nat.inside-prefixes[1]: 203.0.0.0/8 overlaps the pool (nat.addresses[0]: 203.0.113.1 at line 6, column 15)\n" },
	{ DEVS NAT "  inside-prefixes: [127.0.0.0/8, 224.0.0.1, 0.1.0.0/16, 255.255.255.255]\n",
	  "t.yaml:7:21: nat.inside-prefixes[0]: 127.0.0.0/8 is in 127.0.0.0/8 (loopback), not an inside source\n"
	  "t.yaml:7:34: nat.inside-prefixes[1]: 224.0.0.1 is in 224.0.0.0/4 (multicast), not an inside source\n"
	  "t.yaml:7:45: nat.inside-prefixes[2]: 0.1.0.0/16 is in 0.0.0.0/8 (this network), not an inside source\n"
	  "t.yaml:7:57: nat.inside-prefixes[3]: 255.255.255.255 is in 255.255.255.255 (limited broadcast), not an inside source\n" },
	{ DEVS NAT "  inside-prefixes: [{a: b}]\n",
	  "t.yaml:7:21: nat.inside-prefixes[0]: expected an IPv4 prefix, got a mapping\n" },
	/* tcp-mss-clamp */
	{ DEVS NAT "  tcp-mss-clamp: 535\n",
	  "t.yaml:7:18: nat.tcp-mss-clamp: 535 is below the minimum of 536\n" },
	{ DEVS NAT "  tcp-mss-clamp: 0\n",
	  "t.yaml:7:18: nat.tcp-mss-clamp: 0 is below the minimum of 536\n" },
	{ DEVS NAT "  tcp-mss-clamp: 65496\n",
	  "t.yaml:7:18: nat.tcp-mss-clamp: 65496 is above the maximum of 65495\n" },
	{ DEVS NAT "  tcp-mss-clamp: on\n",
	  "t.yaml:7:18: nat.tcp-mss-clamp: expected auto, off or an integer, got \"on\"\n" },
	{ DEVS NAT "  tcp-mss-clamp: Auto\n",
	  "t.yaml:7:18: nat.tcp-mss-clamp: expected auto, off or an integer, got \"Auto\"\n" },
	{ DEVS NAT "  tcp-mss-clamp: [1400]\n",
	  "t.yaml:7:18: nat.tcp-mss-clamp: expected auto, off or an integer, got a sequence\n" },
	/* keys put at the top level */
	{ MIN "filtering: address-dependent\n",
	  "t.yaml:7:1: key \"filtering\" belongs in \"nat\"\n" },
	{ MIN "exempt: []\n",
	  "t.yaml:7:1: key \"exempt\" belongs in \"nat\"\n" },
};

START_TEST(test_rfc)
{
	check_bad(&rfc_cases[_i]);
}
END_TEST

/* The values of the new keys, in each of their forms. */
START_TEST(test_rfc_values)
{
	struct config c;
	char *out = NULL;
	unsigned i;

	ck_assert_int_eq(load(&c, DEVS NAT "  filtering: address-and-port-dependent\n"
			      "  tcp-mss-clamp: off\n", &out), 0);
	free(out);
	for (i = 0; i < CONF_L4_N; i++)
		ck_assert_int_eq(c.filtering[i], CONF_FILTER_APD);
	ck_assert_int_eq(c.tcp_mss_clamp, 0);
	ck_assert_int_eq(load(&c, MIN "workers: auto\n", &out), 0);
	free(out);
	ck_assert_uint_eq(c.workers, 0);

	ck_assert_int_eq(load(&c, DEVS NAT "  filtering: {icmp: address-dependent}\n"
			      "  tcp-mss-clamp: auto\n", &out), 0);
	free(out);
	ck_assert_int_eq(c.filtering[CONF_L4_TCP], CONF_FILTER_EI);
	ck_assert_int_eq(c.filtering[CONF_L4_UDP], CONF_FILTER_EI);
	ck_assert_int_eq(c.filtering[CONF_L4_ICMP], CONF_FILTER_AD);
	ck_assert_int_eq(c.tcp_mss_clamp, -1);

	ck_assert_int_eq(load(&c, DEVS NAT "  filtering: {tcp: endpoint-independent, udp: address-dependent, icmp: address-and-port-dependent}\n"
			      "  tcp-mss-clamp: \"1460\"\n", &out), 0);
	free(out);
	ck_assert_int_eq(c.filtering[CONF_L4_TCP], CONF_FILTER_EI);
	ck_assert_int_eq(c.filtering[CONF_L4_UDP], CONF_FILTER_AD);
	ck_assert_int_eq(c.filtering[CONF_L4_ICMP], CONF_FILTER_APD);
	ck_assert_int_eq(c.tcp_mss_clamp, 1460);
}
END_TEST

/*
 * nat.allow-short-timeouts lowers every minimum to 1 s, wherever it is in
 * the file; without it, the same values are errors.
 */
#define SHORT_KEYS							\
	"  timeouts:\n"							\
	"    tcp-established: 1\n"						\
	"    tcp-transitory: 1\n"						\
	"    udp: 1\n"							\
	"    icmp: 1\n"							\
	"    gre: 1\n"							\
	"    other: 1\n"							\
	"  port-holddown: 1\n"

START_TEST(test_short_timeouts)
{
	static const char *const ok[] = {
		DEVS NAT "  allow-short-timeouts: true\n" SHORT_KEYS,
		DEVS NAT SHORT_KEYS "  allow-short-timeouts: yes\n",
		DEVS "nat:\n" SHORT_KEYS "  allow-short-timeouts: on\n"
		"  addresses: [203.0.113.1]\n",
	};
	struct config c;
	char *out = NULL;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		ck_assert_msg(load(&c, ok[i], &out) == 0, "%s", out);
		free(out);
		ck_assert(c.allow_short_timeouts);
		ck_assert_uint_eq(c.tcp_est_s, 1);
		ck_assert_uint_eq(c.tcp_trans_s, 1);
		ck_assert_uint_eq(c.udp_s, 1);
		ck_assert_uint_eq(c.icmp_s, 1);
		ck_assert_uint_eq(c.gre_s, 1);
		ck_assert_uint_eq(c.other_s, 1);
		ck_assert_uint_eq(c.port_holddown_s, 1);
	}

	ck_assert_int_eq(load(&c, DEVS NAT SHORT_KEYS
			      "  allow-short-timeouts: false\n", &out), 6);
	ck_assert_str_eq(out,
		"t.yaml:8:22: nat.timeouts.tcp-established: 1 is below the minimum of 7440 seconds (RFC 5382 REQ-5; " SHORT_HINT ")\n"
		"t.yaml:10:10: nat.timeouts.udp: 1 is below the minimum of 120 seconds (RFC 4787 REQ-5; " SHORT_HINT ")\n"
		"t.yaml:11:11: nat.timeouts.icmp: 1 is below the minimum of 60 seconds (RFC 5508 REQ-2; " SHORT_HINT ")\n"
		"t.yaml:12:10: nat.timeouts.gre: 1 is below the minimum of 60 seconds (" SHORT_HINT ")\n"
		"t.yaml:13:12: nat.timeouts.other: 1 is below the minimum of 60 seconds (" SHORT_HINT ")\n"
		"t.yaml:14:18: nat.port-holddown: 1 is below the minimum of 120 seconds (RFC 6888 REQ-8; " SHORT_HINT ")\n");
	free(out);
}
END_TEST

/* nat.exempt and nat.inside-prefixes: at most CONF_PREFIXES_MAX each */
START_TEST(test_prefixes_max)
{
	static const char *const keys[] = { "exempt", "inside-prefixes" };
	char yaml[16384], want[256], *p, *out = NULL;
	struct config c;
	unsigned i, k;

	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		p = yaml + sprintf(yaml, DEVS NAT "  %s:\n", keys[k]);
		for (i = 0; i < CONF_PREFIXES_MAX; i++)
			p += sprintf(p, "  - 10.%u.0.0/16\n", i);
		ck_assert_int_eq(load(&c, yaml, &out), 0);
		ck_assert_str_eq(out, "");
		free(out);
		ck_assert_uint_eq(k ? c.ninside_prefixes : c.nexempt,
				  CONF_PREFIXES_MAX);
		ck_assert_uint_eq((k ? c.inside_prefixes : c.exempt)[255].addr,
				  ip("10.255.0.0"));

		sprintf(p, "  - 11.0.0.0/8\n");
		ck_assert_int_eq(load(&c, yaml, &out), 1);
		snprintf(want, sizeof(want),
			 "t.yaml:8:3: nat.%s: 257 prefixes, more than the maximum of 256\n",
			 keys[k]);
		ck_assert_str_eq(out, want);
		free(out);
	}
}
END_TEST

/* ---------------------------------------------------------------------- */
/* forwards */

/* Lines 1-6 are the devices and nat, line 7 "forwards:", entries from 8. */
#define FWD	DEVS NAT "forwards:\n"
#define PROTOS	"(expected: tcp, udp, gre, esp, ah, sctp, ipip, ipv6, udplite, or a number 1 to 255)"
#define ENDS	"expected ADDR, ADDR:PORT or ADDR:LO-HI, got "
#define ICMP_NO	"icmp (protocol 1) cannot be forwarded: tunnat answers ICMP queries to its public addresses itself"
#define NOT_HOST	": the router is not an inside host"

static const struct bad fwd_cases[] = {
	/* the sequence and its entries */
	{ DEVS NAT "forwards: {protocol: tcp}\n",
	  "t.yaml:7:11: forwards: expected a sequence, got a mapping\n" },
	{ DEVS NAT "forwards:\n",
	  "t.yaml:7:10: forwards: expected a sequence, got an empty value\n" },
	{ FWD "- tcp 203.0.113.1:80 192.168.1.2:80\n",
	  "t.yaml:8:3: forwards[0]: expected a mapping, got \"tcp 203.0.113.1:80 192.168.1.2:80\"\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80, port: 80}\n",
	  "t.yaml:8:67: forwards[0]: unknown key \"port\" (expected: protocol, public, inside, from)\n" },
	{ FWD "- {protocol: tcp}\n",
	  "t.yaml:8:3: forwards[0]: missing required key \"public\"\n"
	  "t.yaml:8:3: forwards[0]: missing required key \"inside\"\n" },
	{ FWD "- protocol: tcp\n  protocol: udp\n  public: 203.0.113.1:80\n  inside: 192.168.1.2:80\n",
	  "t.yaml:9:3: forwards[0]: duplicate key \"protocol\" (first at line 8, column 3)\n" },
	{ DEVS "nat:\n  addresses: [203.0.113.1]\n  forwards: []\n",
	  "t.yaml:7:3: nat: key \"forwards\" belongs at the top level\n" },
	/* protocol */
	{ FWD "- {protocol: tpc, public: 203.0.113.1:80, inside: 192.168.1.2:80}\n",
	  "t.yaml:8:14: forwards[0].protocol: \"tpc\" is not a protocol " PROTOS "\n" },
	{ FWD "- {protocol: TCP, public: 203.0.113.1:80, inside: 192.168.1.2:80}\n",
	  "t.yaml:8:14: forwards[0].protocol: \"TCP\" is not a protocol " PROTOS "\n" },
	{ FWD "- {protocol: 0, public: 203.0.113.1, inside: 192.168.1.2}\n",
	  "t.yaml:8:14: forwards[0].protocol: 0 is below the minimum of 1\n" },
	{ FWD "- {protocol: 256, public: 203.0.113.1, inside: 192.168.1.2}\n",
	  "t.yaml:8:14: forwards[0].protocol: 256 is above the maximum of 255\n" },
	{ FWD "- {protocol: [tcp], public: 203.0.113.1:80, inside: 192.168.1.2:80}\n",
	  "t.yaml:8:14: forwards[0].protocol: expected a protocol name or number, got a sequence\n" },
	{ FWD "- {protocol: icmp, public: 203.0.113.1, inside: 192.168.1.2}\n",
	  "t.yaml:8:14: forwards[0].protocol: " ICMP_NO "\n" },
	{ FWD "- {protocol: 1, public: 203.0.113.1, inside: 192.168.1.2}\n",
	  "t.yaml:8:14: forwards[0].protocol: " ICMP_NO "\n" },
	/* public and inside: their form */
	{ FWD "- {protocol: tcp, public: \"203.0.113.1:\", inside: 192.168.1.2:80}\n",
	  "t.yaml:8:27: forwards[0].public: " ENDS "\"203.0.113.1:\"\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1/32:80, inside: 192.168.1.2:80}\n",
	  "t.yaml:8:27: forwards[0].public: " ENDS "\"203.0.113.1/32:80\"\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113:80, inside: 192.168.1.2:80}\n",
	  "t.yaml:8:27: forwards[0].public: " ENDS "\"203.0.113:80\"\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:http, inside: 192.168.1.2:80}\n",
	  "t.yaml:8:27: forwards[0].public: " ENDS "\"203.0.113.1:http\"\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80-}\n",
	  "t.yaml:8:51: forwards[0].inside: " ENDS "\"192.168.1.2:80-\"\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: [192.168.1.2]}\n",
	  "t.yaml:8:51: forwards[0].inside: expected ADDR, ADDR:PORT or ADDR:LO-HI, got a sequence\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:0, inside: 192.168.1.2:80}\n",
	  "t.yaml:8:27: forwards[0].public: \"203.0.113.1:0\": ports must be 1 to 65535\n" },
	{ FWD "- {protocol: udp, public: 203.0.113.1:80, inside: 192.168.1.2:65536}\n",
	  "t.yaml:8:51: forwards[0].inside: \"192.168.1.2:65536\": ports must be 1 to 65535\n" },
	{ FWD "- {protocol: udp, public: 203.0.113.1:90-80, inside: 192.168.1.2:80}\n",
	  "t.yaml:8:27: forwards[0].public: \"203.0.113.1:90-80\" is empty (the first port is above the last)\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 127.0.0.1:80}\n",
	  "t.yaml:8:51: forwards[0].inside: 127.0.0.1 is in 127.0.0.0/8 (loopback), not a unicast address\n" },
	{ FWD "- {protocol: esp, public: 203.0.113.1, inside: 239.1.1.1}\n",
	  "t.yaml:8:48: forwards[0].inside: 239.1.1.1 is in 224.0.0.0/4 (multicast), not a unicast address\n" },
	/* ports: for tcp and udp only, and as many on both sides */
	{ FWD "- {protocol: tcp, public: 203.0.113.1, inside: 192.168.1.2:80}\n",
	  "t.yaml:8:27: forwards[0].public: \"203.0.113.1\" has no port (a tcp forward needs ADDR:PORT or ADDR:LO-HI)\n" },
	{ FWD "- {protocol: 17, public: 203.0.113.1:53, inside: 192.168.1.2}\n",
	  "t.yaml:8:50: forwards[0].inside: \"192.168.1.2\" has no port (a udp forward needs ADDR:PORT or ADDR:LO-HI)\n" },
	{ FWD "- {protocol: gre, public: 203.0.113.1:47, inside: 192.168.1.2}\n",
	  "t.yaml:8:27: forwards[0].public: \"203.0.113.1:47\" has a port, but a gre forward takes an address alone\n" },
	{ FWD "- {protocol: 99, public: 203.0.113.1, inside: 192.168.1.2:99}\n",
	  "t.yaml:8:47: forwards[0].inside: \"192.168.1.2:99\" has a port, but a protocol 99 forward takes an address alone\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80-90, inside: 192.168.1.2:8080-8089}\n",
	  "t.yaml:8:54: forwards[0].inside: public range has 11 ports, inside range has 10\n" },
	{ FWD "- {protocol: udp, inside: 192.168.1.2:8080-8081, public: 203.0.113.1:80}\n",
	  "t.yaml:8:58: forwards[0].public: public range has 1 port, inside range has 2\n" },
	/* public: an address of the pool */
	{ FWD "- {protocol: tcp, public: 198.51.100.1:80, inside: 192.168.1.2:80}\n",
	  "t.yaml:8:27: forwards[0].public: 198.51.100.1 is not in nat.addresses\n" },
	{ DEVS "nat:\n  addresses: [203.0.113.8/29]\nforwards:\n"
	  "- {protocol: gre, public: 203.0.113.16, inside: 192.168.1.2}\n",
	  "t.yaml:8:27: forwards[0].public: 203.0.113.16 is not in nat.addresses\n" },
	/* inside: a host of the inside */
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 203.0.113.1:8080}\n",
	  "t.yaml:8:51: forwards[0].inside: 203.0.113.1 is in the pool (nat.addresses[0]: 203.0.113.1 at line 6, column 15)\n" },
	{ DEVS "forwards:\n- {protocol: esp, public: 203.0.113.1, inside: 203.0.113.2}\n"
	  "nat:\n  addresses: [203.0.113.0/30]\n",
	  "t.yaml:8:15: nat.addresses[0]: 203.0.113.0/30 includes forwards[0].inside 203.0.113.2 (line 6, column 48)\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.0.0.8:80}\n",
	  "t.yaml:8:51: forwards[0].inside: 192.0.0.8 is also inside.router-address (the default)" NOT_HOST "\n" },
	{ IN "  router-address: 192.168.1.1\n" OUT NAT "forwards:\n"
	  "- {protocol: udp, public: 203.0.113.1:53, inside: 192.168.1.1:53}\n",
	  "t.yaml:9:51: forwards[0].inside: 192.168.1.1 is also inside.router-address (line 3, column 19)" NOT_HOST "\n" },
	{ OUT NAT "forwards:\n- {protocol: udp, public: 203.0.113.1:53, inside: 192.168.1.1:53}\n"
	  IN "  router-address: 192.168.1.1\n",
	  "t.yaml:9:19: inside.router-address: 192.168.1.1 is also forwards[0].inside (line 6, column 51)" NOT_HOST "\n" },
	{ DEVS NAT "  inside-prefixes: [192.168.1.0/24, 10.0.0.0/8]\nforwards:\n"
	  "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.2.1:80}\n",
	  "t.yaml:9:51: forwards[0].inside: 192.168.2.1 is not in nat.inside-prefixes (line 7, column 20)\n" },
	/* overlaps, reported at the later forward */
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80-90, inside: 192.168.1.2:80-90}\n"
	  "- {protocol: tcp, public: 203.0.113.1:85, inside: 192.168.1.3:85}\n",
	  "t.yaml:9:27: forwards[1].public: tcp 203.0.113.1:85 overlaps forwards[0] (tcp 203.0.113.1:80-90 at line 8, column 27)\n" },
	{ FWD "- {protocol: udp, public: 203.0.113.1:80, inside: 192.168.1.2:80}\n"
	  "- {protocol: udp, public: 203.0.113.1:70-80, inside: 192.168.1.3:70-80}\n",
	  "t.yaml:9:27: forwards[1].public: udp 203.0.113.1:70-80 overlaps forwards[0] (udp 203.0.113.1:80 at line 8, column 27)\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80}\n"
	  "- {protocol: tcp, public: 203.0.113.1:8080, inside: 192.168.1.2:80}\n",
	  "t.yaml:9:53: forwards[1].inside: tcp 192.168.1.2:80 overlaps forwards[0] (tcp 192.168.1.2:80 at line 8, column 51)\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80}\n"
	  "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80}\n",
	  "t.yaml:9:27: forwards[1].public: tcp 203.0.113.1:80 overlaps forwards[0] (tcp 203.0.113.1:80 at line 8, column 27)\n" },
	{ FWD "- {protocol: gre, public: 203.0.113.1, inside: 192.168.1.2}\n"
	  "- {protocol: gre, public: 203.0.113.1, inside: 192.168.1.3}\n",
	  "t.yaml:9:27: forwards[1].public: gre 203.0.113.1 overlaps forwards[0] (gre 203.0.113.1 at line 8, column 27)\n" },
	{ DEVS "nat:\n  addresses: [203.0.113.0/30]\nforwards:\n"
	  "- {protocol: 50, public: 203.0.113.1, inside: 192.168.1.2}\n"
	  "- {protocol: esp, public: 203.0.113.2, inside: 192.168.1.2}\n",
	  "t.yaml:9:48: forwards[1].inside: esp 192.168.1.2 overlaps forwards[0] (esp 192.168.1.2 at line 8, column 47)\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80}\n"
	  "- {protocol: tcp, public: 203.0.113.1:81, inside: 192.168.1.3:81}\n"
	  "- {protocol: tcp, public: 203.0.113.1:80-81, inside: 192.168.1.4:80-81}\n",
	  "t.yaml:10:27: forwards[2].public: tcp 203.0.113.1:80-81 overlaps forwards[0] (tcp 203.0.113.1:80 at line 8, column 27)\n" },
	/* a forward with an error is not compared with the others */
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80-81, inside: 192.168.1.2:80}\n"
	  "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.3:80}\n",
	  "t.yaml:8:54: forwards[0].inside: public range has 2 ports, inside range has 1\n" },
	/* from */
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80, from: 10.0.0.0/8}\n",
	  "t.yaml:8:73: forwards[0].from: expected a sequence, got \"10.0.0.0/8\"\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80, from: [10.0.0.1/8, 10.0.0.0/8, 10.0.0.0/8]}\n",
	  "t.yaml:8:74: forwards[0].from[0]: 10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)\n"
	  "t.yaml:8:98: forwards[0].from[2]: 10.0.0.0/8 is listed twice (first at line 8, column 86)\n" },
	{ FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80, from: [127.0.0.0/8]}\n",
	  "t.yaml:8:74: forwards[0].from[0]: 127.0.0.0/8 is in 127.0.0.0/8 (loopback), not a remote source\n" },
};

START_TEST(test_fwd)
{
	check_bad(&fwd_cases[_i]);
}
END_TEST

/* Forwards that touch but do not overlap, and values at their bounds. */
START_TEST(test_fwd_ok)
{
	static const char *const ok[] = {
		FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80}\n"
		"- {protocol: udp, public: 203.0.113.1:80, inside: 192.168.1.2:80}\n",
		FWD "- {protocol: tcp, public: 203.0.113.1:80-89, inside: 192.168.1.2:80-89}\n"
		"- {protocol: tcp, public: 203.0.113.1:90-99, inside: 192.168.1.2:90-99}\n",
		FWD "- {protocol: gre, public: 203.0.113.1, inside: 192.168.1.2}\n"
		"- {protocol: esp, public: 203.0.113.1, inside: 192.168.1.2}\n"
		"- {protocol: ah, public: 203.0.113.1, inside: 192.168.1.2}\n"
		"- {protocol: sctp, public: 203.0.113.1, inside: 192.168.1.2}\n"
		"- {protocol: ipip, public: 203.0.113.1, inside: 192.168.1.2}\n"
		"- {protocol: ipv6, public: 203.0.113.1, inside: 192.168.1.2}\n"
		"- {protocol: udplite, public: 203.0.113.1, inside: 192.168.1.2}\n"
		"- {protocol: 255, public: 203.0.113.1, inside: 192.168.1.2}\n"
		"- {protocol: 2, public: 203.0.113.1, inside: 192.168.1.2}\n",
		FWD "- {protocol: tcp, public: 203.0.113.1:1, inside: 192.168.1.2:65535}\n"
		"- {protocol: tcp, public: 203.0.113.1:65535, inside: 192.168.1.2:1}\n",
		FWD "- {protocol: tcp, public: 203.0.113.1:1-65535, inside: 192.168.1.2:1-65535}\n",
		FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80, from: []}\n",
		FWD "- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80, from: [0.0.0.0/0]}\n",
		DEVS NAT "forwards: []\n",
		IN "  address: 192.168.1.10/24\n" OUT NAT "forwards:\n"
		"- {protocol: tcp, public: 203.0.113.1:22, inside: 192.168.1.10:22}\n",
		DEVS NAT "  inside-prefixes: [192.168.1.0/24]\nforwards:\n"
		"- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.255:80}\n",
		"forwards:\n- {protocol: tcp, public: 203.0.113.1:80, inside: 192.168.1.2:80}\n"
		DEVS NAT,
	};
	struct config c;
	char *out = NULL;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		ck_assert_msg(load(&c, ok[i], &out) == 0, "case %u: %s", i,
			      out);
		ck_assert_str_eq(out, "");
		free(out);
	}
	ck_assert_uint_eq(c.nforwards, 1);
	ck_assert_uint_eq(c.forwards[0].pub_addr, ip("203.0.113.1"));
	ck_assert_uint_eq(c.forwards[0].in_addr, ip("192.168.1.2"));
}
END_TEST

/* At most CONF_FORWARDS_MAX forwards, CONF_FROM_MAX prefixes in a from */
START_TEST(test_fwd_max)
{
	static char yaml[CONF_FORWARDS_MAX * 80 + 256];
	struct config c;
	char *p, *out = NULL;
	unsigned i;

	p = yaml + sprintf(yaml, FWD);
	for (i = 0; i < CONF_FORWARDS_MAX; i++)
		p += sprintf(p, "- {protocol: udp, public: 203.0.113.1:%u, inside: 192.168.1.2:%u}\n",
			     i + 1, i + 1);
	ck_assert_int_eq(load(&c, yaml, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_uint_eq(c.nforwards, CONF_FORWARDS_MAX);
	ck_assert_uint_eq(c.forwards[CONF_FORWARDS_MAX - 1].pub_lo,
			  CONF_FORWARDS_MAX);

	sprintf(p, "- {protocol: udp, public: 203.0.113.1:5000, inside: 192.168.1.2:5000}\n");
	ck_assert_int_eq(load(&c, yaml, &out), 1);
	ck_assert_str_eq(out, "t.yaml:8:1: forwards: 1025 entries, more than the maximum of 1024\n");
	free(out);

	p = yaml + sprintf(yaml, FWD "- protocol: tcp\n"
			   "  public: 203.0.113.1:80\n"
			   "  inside: 192.168.1.2:80\n"
			   "  from:\n");
	for (i = 0; i < CONF_FROM_MAX; i++)
		p += sprintf(p, "  - 10.%u.0.0/16\n", i);
	ck_assert_int_eq(load(&c, yaml, &out), 0);
	free(out);
	ck_assert_uint_eq(c.forwards[0].nfrom, CONF_FROM_MAX);
	ck_assert_uint_eq(c.forwards[0].from[CONF_FROM_MAX - 1].addr,
			  ip("10.31.0.0"));

	sprintf(p, "  - 11.0.0.0/8\n");
	ck_assert_int_eq(load(&c, yaml, &out), 1);
	ck_assert_str_eq(out, "t.yaml:12:3: forwards[0].from: 33 prefixes, more than the maximum of 32\n");
	free(out);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* user and log */

static const struct bad misc_cases[] = {
	{ MIN "user: -x\n",
	  "t.yaml:7:7: user: \"-x\" is not a valid user name (letters, digits, \".\", \"_\" and \"-\"; not starting with \"-\")\n" },
	{ MIN "user: a b\n",
	  "t.yaml:7:7: user: \"a b\" is not a valid user name (letters, digits, \".\", \"_\" and \"-\"; not starting with \"-\")\n" },
	{ MIN "user: r\xc3\xa9my\n",
	  "t.yaml:7:7: user: \"r\xc3\xa9my\" is not a valid user name (letters, digits, \".\", \"_\" and \"-\"; not starting with \"-\")\n" },
	{ MIN "user: 4294967295\n",
	  "t.yaml:7:7: user: 4294967295 is not a valid uid (the maximum is 4294967294)\n" },
	{ MIN "log:\n  lvl: debug\n",
	  "t.yaml:8:3: log: unknown key \"lvl\" (expected: level, target, mappings, destinations, mappings-file)\n" },
	{ MIN "log:\n  level: debug\n  level: info\n",
	  "t.yaml:9:3: log: duplicate key \"level\" (first at line 8, column 3)\n" },
	{ MIN "log:\n  level: verbose\n",
	  "t.yaml:8:10: log.level: \"verbose\" is not a log level (expected: error, warning, info, debug)\n" },
	{ MIN "log:\n  level: INFO\n",
	  "t.yaml:8:10: log.level: \"INFO\" is not a log level (expected: error, warning, info, debug)\n" },
	{ MIN "log:\n  level: {a: b}\n",
	  "t.yaml:8:10: log.level: expected a log level, got a mapping\n" },
	{ MIN "log:\n  target: journal\n",
	  "t.yaml:8:11: log.target: \"journal\" is not a log target (expected: stderr, syslog)\n" },
	{ MIN "log:\n  mappings: often\n",
	  "t.yaml:8:13: log.mappings: expected true or false, got \"often\"\n" },
	{ MIN "log:\n  mappings-file: map.log\n",
	  "t.yaml:8:18: log.mappings-file: \"map.log\" is not an absolute path (it must start with \"/\")\n" },
	{ MIN "log:\n  mappings-file: [/a]\n",
	  "t.yaml:8:18: log.mappings-file: expected an absolute path, got a sequence\n" },
	{ MIN "target: syslog\n",
	  "t.yaml:7:1: key \"target\" belongs in \"log\"\n" },
	{ MIN "control: maybe\n",
	  "t.yaml:7:10: control: expected true or false, got \"maybe\"\n" },
	{ MIN "control: [on]\n",
	  "t.yaml:7:10: control: expected a mapping, got a sequence\n" },
	{ MIN "control:\n  port: 1\n",
	  "t.yaml:8:3: control: unknown key \"port\" (expected: enabled, socket, group)\n" },
	{ MIN "control:\n  socket: tunnat.sock\n",
	  "t.yaml:8:11: control.socket: \"tunnat.sock\" is not an absolute path (it must start with \"/\")\n" },
	{ MIN "control:\n  socket: /run/tunnat/0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123.sock\n",
	  "t.yaml:8:11: control.socket: the path is longer than 107 bytes\n" },
	{ MIN "control:\n  group: -x\n",
	  "t.yaml:8:10: control.group: \"-x\" is not a valid group name (letters, digits, \".\", \"_\" and \"-\"; not starting with \"-\")\n" },
	{ MIN "control:\n  group: 4294967295\n",
	  "t.yaml:8:10: control.group: 4294967295 is not a valid gid (the maximum is 4294967294)\n" },
	{ MIN "control:\n  group: {}\n",
	  "t.yaml:8:10: control.group: expected a group name or gid, got a mapping\n" },
	{ MIN "socket: /x\n",
	  "t.yaml:7:1: key \"socket\" belongs in \"control\"\n" },
	{ MIN "alg:\n  pptp: sometimes\n",
	  "t.yaml:8:9: alg.pptp: expected true or false, got \"sometimes\"\n" },
};

/* "control: off" and "alg: {pptp: on}": a section with an enabled key
 * given as a boolean alone */
START_TEST(test_switch)
{
	struct config c;
	char *out = NULL;

	ck_assert_int_eq(load(&c, MIN "control: off\nalg: {pptp: on}\n", &out),
			 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert(!c.control);
	ck_assert_str_eq(c.control_socket, "/run/tunnat.sock");
	ck_assert(c.pptp.enabled);
	ck_assert_uint_eq(c.pptp.ports[0], 1723);

	ck_assert_int_eq(load(&c, MIN "control: {}\n", &out), 0);
	free(out);
	ck_assert(c.control);
	ck_assert_int_eq(load(&c, MIN "control: YES\n", &out), 0);
	free(out);
	ck_assert(c.control);

	/* given twice, as a boolean and as its key */
	ck_assert_int_eq(load(&c, MIN "control: off\ncontrol:\n  enabled: on\n",
			      &out), 1);
	ck_assert_str_eq(out, "t.yaml:8:1: duplicate key \"control\" (first at line 7, column 1)\n");
	free(out);
}
END_TEST

/* alg.pptp and nat.timeouts.gre */
static const struct bad alg_cases[] = {
	{ MIN "alg: 1\n",
	  "t.yaml:7:6: alg: expected a mapping, got \"1\"\n" },
	{ MIN "alg:\n  ftp: {}\n",
	  "t.yaml:8:3: alg: unknown key \"ftp\" (expected: pptp)\n" },
	{ MIN "alg:\n  enabled: true\n",
	  "t.yaml:8:3: alg: key \"enabled\" belongs in \"alg.pptp\"\n" },
	{ MIN "pptp: {}\n",
	  "t.yaml:7:1: key \"pptp\" belongs in \"alg\"\n" },
	{ MIN "alg:\n  pptp: [1]\n",
	  "t.yaml:8:9: alg.pptp: expected a mapping, got a sequence\n" },
	{ MIN "alg:\n  pptp:\n    enable: true\n",
	  "t.yaml:9:5: alg.pptp: unknown key \"enable\" (expected: enabled, ports, max-connections, max-connections-per-host, max-calls-per-connection, max-calls-per-host, max-calls-per-server)\n" },
	{ MIN "alg:\n  pptp:\n    enabled: sometimes\n",
	  "t.yaml:9:14: alg.pptp.enabled: expected true or false, got \"sometimes\"\n" },
	{ MIN "alg:\n  pptp:\n    ports: 1723\n",
	  "t.yaml:9:12: alg.pptp.ports: expected a sequence, got \"1723\"\n" },
	{ MIN "alg:\n  pptp:\n    ports: []\n",
	  "t.yaml:9:12: alg.pptp.ports: the list is empty\n" },
	{ MIN "alg:\n  pptp:\n    ports: [1723, 0]\n",
	  "t.yaml:9:19: alg.pptp.ports: 0 is below the minimum of 1\n" },
	{ MIN "alg:\n  pptp:\n    ports: [65536]\n",
	  "t.yaml:9:13: alg.pptp.ports: 65536 is above the maximum of 65535\n" },
	{ MIN "alg:\n  pptp:\n    ports: [1723, 1723]\n",
	  "t.yaml:9:19: alg.pptp.ports: port 1723 is listed twice\n" },
	{ MIN "alg:\n  pptp:\n    ports: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n",
	  "t.yaml:9:37: alg.pptp.ports: more than 8 ports\n" },
	{ MIN "alg:\n  pptp:\n    max-connections: 0\n",
	  "t.yaml:9:22: alg.pptp.max-connections: 0 is below the minimum of 1\n" },
	{ MIN "alg:\n  pptp:\n    max-connections: 1000001\n",
	  "t.yaml:9:22: alg.pptp.max-connections: 1000001 is above the maximum of 1000000\n" },
	{ MIN "alg:\n  pptp:\n    max-calls-per-connection: 256\n",
	  "t.yaml:9:31: alg.pptp.max-calls-per-connection: 256 is above the maximum of 255\n" },
	{ MIN "alg:\n  pptp:\n    max-connections-per-host: 0\n",
	  "t.yaml:9:31: alg.pptp.max-connections-per-host: 0 is below the minimum of 1\n" },
	{ MIN "alg:\n  pptp:\n    max-calls-per-host: 0\n",
	  "t.yaml:9:25: alg.pptp.max-calls-per-host: 0 is below the minimum of 1\n" },
	{ MIN "alg:\n  pptp:\n    max-calls-per-server: x\n",
	  "t.yaml:9:27: alg.pptp.max-calls-per-server: expected an integer, got \"x\"\n" },
	{ MIN "offload: on\n",
	  "t.yaml:7:10: offload: expected auto or off, got \"on\"\n" },
	{ MIN "offload: [auto]\n",
	  "t.yaml:7:10: offload: expected auto or off, got a sequence\n" },
	{ MIN "workers: 0\n",
	  "t.yaml:7:10: workers: 0 is below the minimum of 1\n" },
	{ MIN "workers: 65\n",
	  "t.yaml:7:10: workers: 65 is above the maximum of 64\n" },
	{ MIN "fair-queues: 0\n",
	  "t.yaml:7:14: fair-queues: 0 is below the minimum of 1\n" },
	{ MIN "fair-queues: 5\n",
	  "t.yaml:7:14: fair-queues: 5 is above the maximum of 4\n" },
	{ MIN "nice: -21\n",
	  "t.yaml:7:7: nice: -21 is below the minimum of -20\n" },
	{ MIN "nice: 20\n",
	  "t.yaml:7:7: nice: 20 is above the maximum of 19\n" },
	{ MIN "nice: -x\n",
	  "t.yaml:7:7: nice: expected an integer, got \"-x\"\n" },
	{ MIN "nice: 99999999999999999999\n",
	  "t.yaml:7:7: nice: 99999999999999999999 is above the maximum of 19\n" },
	{ MIN "workers: two\n",
	  "t.yaml:7:10: workers: expected auto or an integer, got \"two\"\n" },
	{ MIN "workers: [2]\n",
	  "t.yaml:7:10: workers: expected auto or an integer, got a sequence\n" },
	{ DEVS NAT "  timeouts:\n    gre: 59\n",
	  "t.yaml:8:10: nat.timeouts.gre: 59 is below the minimum of 60 seconds (nat.allow-short-timeouts: true lowers it to 1)\n" },
	{ DEVS NAT "  timeouts:\n    gre: 1000001\n",
	  "t.yaml:8:10: nat.timeouts.gre: 1000001 is above the maximum of 1000000 seconds\n" },
};

START_TEST(test_alg)
{
	check_bad(&alg_cases[_i]);
}
END_TEST

START_TEST(test_misc)
{
	check_bad(&misc_cases[_i]);
}
END_TEST

/* A long value is cut in the message, at a character boundary. */
START_TEST(test_long_values)
{
	char yaml[1024], want[1024], name[257], *out = NULL;
	struct config c;

	memset(name, 'u', 256);
	name[256] = '\0';
	snprintf(yaml, sizeof(yaml), MIN "user: %s\n", name);
	ck_assert_int_eq(load(&c, yaml, &out), 1);
	ck_assert_str_eq(out, "t.yaml:7:7: user: the name is longer than 255 characters\n");
	free(out);

	/* 255 characters is the longest name */
	snprintf(yaml, sizeof(yaml), MIN "user: %s\n", name + 1);
	ck_assert_int_eq(load(&c, yaml, &out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(c.user, name + 1);
	free(out);

	snprintf(yaml, sizeof(yaml), IN "  netns: %s\n" TAIL, name);
	ck_assert_int_eq(load(&c, yaml, &out), 1);
	ck_assert_str_eq(out, "t.yaml:3:10: inside.netns: the name is longer than 255 characters\n");
	free(out);

	snprintf(yaml, sizeof(yaml), IN "  netns: %s\n" TAIL, name + 1);
	ck_assert_int_eq(load(&c, yaml, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_str_eq(c.inside.netns + strlen("/run/netns/"), name + 1);

	/* a value is cut before a character that straddles byte 60 */
	snprintf(yaml, sizeof(yaml), MIN "user: \"%.59s\xc3\xa9%.40s\"\n",
		 name, name);
	ck_assert_int_eq(load(&c, yaml, &out), 1);
	snprintf(want, sizeof(want),
		 "t.yaml:7:7: user: \"%.59s...\" is not a valid user name (letters, digits, \".\", \"_\" and \"-\"; not starting with \"-\")\n",
		 name);
	ck_assert_str_eq(out, want);
	free(out);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Values at their bounds are accepted */

START_TEST(test_bounds)
{
	static const char *const ok[] = {
		IN "  mtu: 0\n" TAIL,
		IN "  mtu: 68\n" TAIL,
		IN "  mtu: 65535\n" TAIL,
		IN "  routes: []\n" TAIL,
		IN "  create: YES\n" TAIL,
		IN "  create: Off\n" TAIL,
		IN "  create: \"on\"\n" TAIL,
		IN "  address: 0.0.0.0/0\n" TAIL,
		"inside:\n  device: abcdefghijklmno\n" TAIL,
		DEVS NAT "  ports: 1\n",
		DEVS NAT "  ports: 65535\n",
		DEVS NAT "  ports: 65535-65535\n",
		DEVS NAT "  ports: 1-65535\n",
		DEVS NAT "  max-sessions: 1\n",
		DEVS NAT "  max-sessions: 16777216\n",
		DEVS NAT "  timeouts: {tcp-established: 7440, tcp-transitory: 1, udp: 120, icmp: 60}\n",
		DEVS NAT "  timeouts: {tcp-established: 1000000, tcp-transitory: 1000000, udp: 1000000, icmp: 1000000}\n",
		DEVS NAT "  timeouts: {gre: 60, other: 60}\n",
		DEVS NAT "  timeouts: {gre: 1000000, other: 1000000}\n",
		DEVS NAT "  port-holddown: 120\n",
		DEVS NAT "  port-holddown: 3600\n",
		DEVS NAT "  max-sessions-per-host: 0\n",
		DEVS NAT "  max-sessions-per-host: 1000000\n",
		DEVS NAT "  max-sessions: 16777216\n  max-sessions-per-host: 16777216\n",
		DEVS NAT "  tcp-mss-clamp: 536\n",
		DEVS NAT "  tcp-mss-clamp: 65495\n",
		DEVS NAT "  filtering: {}\n",
		DEVS NAT "  exempt: []\n  inside-prefixes: []\n",
		DEVS NAT "  inside-prefixes: [0.0.0.0/1]\n",
		DEVS NAT "  exempt: [0.0.0.0/1]\n",
		DEVS NAT "  allow-short-timeouts: false\n  port-holddown: 120\n",
		DEVS "nat:\n  addresses: [10.0.0.0/22]\n",
		DEVS "nat:\n  addresses: [10.0.0.0/23, 10.0.2.0/24, 10.0.3.0/25, 10.0.3.128/25]\n",
		DEVS "nat:\n  addresses: [1.0.0.0, 126.255.255.255, 128.0.0.0, 223.255.255.255]\n",
		MIN "user: 4294967294\n",
		MIN "user: 0\n",
		MIN "user: a.b_c-d\n",
		MIN "user: \"nobody\"\n",
		MIN "log: {}\n",
	};
	struct config c;
	char *out = NULL;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		ck_assert_msg(load(&c, ok[i], &out) == 0, "case %u: %s", i,
			      out);
		ck_assert_str_eq(out, "");
		free(out);
	}
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Routes: at most CONF_ROUTES_MAX */

/* CONF_LINKS_MAX links are fine; one more is reported, the first kept. */
START_TEST(test_links_max)
{
	char yaml[4096], *p, *out = NULL;
	struct config c;
	unsigned i;

	p = yaml + sprintf(yaml, IN "  links:\n");
	for (i = 0; i < CONF_LINKS_MAX; i++)
		p += sprintf(p, "  - eth%u\n", i);
	strcpy(p, TAIL);
	ck_assert_int_eq(load(&c, yaml, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_uint_eq(c.inside.nlinks, CONF_LINKS_MAX);
	ck_assert_str_eq(c.inside.links[CONF_LINKS_MAX - 1], "eth15");

	p += sprintf(p, "  - eth%u\n", i);
	strcpy(p, TAIL);
	ck_assert_int_eq(load(&c, yaml, &out), 1);
	ck_assert_str_eq(out, "t.yaml:4:3: inside.links: 17 links, more than the maximum of 16\n");
	free(out);
}
END_TEST

START_TEST(test_routes_max)
{
	char yaml[4096], *p, *out = NULL;
	struct config c;
	unsigned i;

	p = yaml + sprintf(yaml, IN "  routes:\n");
	for (i = 0; i < CONF_ROUTES_MAX; i++)
		p += sprintf(p, "  - 10.%u.0.0/16\n", i);
	strcpy(p, TAIL);
	ck_assert_int_eq(load(&c, yaml, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_uint_eq(c.inside.nroutes, CONF_ROUTES_MAX);
	ck_assert_uint_eq(c.inside.routes[63].addr, ip("10.63.0.0"));
	ck_assert_uint_eq(c.inside.routes[63].len, 16);

	p += sprintf(p, "  - 10.%u.0.0/16\n", i);
	strcpy(p, TAIL);
	ck_assert_int_eq(load(&c, yaml, &out), 1);
	ck_assert_str_eq(out, "t.yaml:4:3: inside.routes: 65 routes, more than the maximum of 64\n");
	free(out);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Namespaces: a name or a path; the same device only in different ones */

START_TEST(test_netns)
{
	struct config c;
	char *out = NULL;

	ck_assert_int_eq(load(&c, IN "  netns: lan\n"
			      OUT "  netns: /proc/1/ns/net\n" NAT, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_str_eq(c.inside.netns, "/run/netns/lan");
	ck_assert_str_eq(c.outside.netns, "/proc/1/ns/net");

	ck_assert_int_eq(load(&c, IN "  netns: a.B_9-z\n" TAIL, &out), 0);
	free(out);
	ck_assert_str_eq(c.inside.netns, "/run/netns/a.B_9-z");

	/* the same name is fine in two namespaces, or one and the default */
	ck_assert_int_eq(load(&c, IN "  netns: lan\noutside:\n  device: tin0\n"
			      "  netns: wan\n" NAT, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_str_eq(c.inside.name, "tin0");
	ck_assert_str_eq(c.outside.name, "tin0");

	ck_assert_int_eq(load(&c, IN "  netns: lan\noutside:\n  device: tin0\n"
			      NAT, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_str_eq(c.outside.netns, "");
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Several errors: all reported, in file order, whatever their kind */

START_TEST(test_many_errors)
{
	static const char yaml[] =
		"nat:\n"					/* 1 */
		"  addresses: [203.0.113.0/30, 203.0.113.2]\n"
		"  ports: 10-5\n"
		"  timeouts: {udp: 60, icmp: 59, tcp: 1}\n"
		"outside:\n"					/* 5 */
		"  device: tin0\n"
		"  router-address: 192.0.0.9\n"
		"inside:\n"
		"  device: tin0\n"
		"  mtu: 67\n"					/* 10 */
		"  adress: 1.2.3.4\n"
		"  router-address: 203.0.113.1\n"
		"  create: maybe\n"
		"user: -root\n"
		"log: {level: loud}\n"				/* 15 */
		"extra: 1\n";
	static const char want[] =
		"t.yaml:2:31: nat.addresses[1]: 203.0.113.2 overlaps 203.0.113.0/30 (line 2, column 15)\n"
		"t.yaml:3:10: nat.ports: \"10-5\" is empty (the first port is above the last)\n"
		"t.yaml:4:19: nat.timeouts.udp: 60 is below the minimum of 120 seconds (RFC 4787 REQ-5; nat.allow-short-timeouts: true lowers it to 1)\n"
		"t.yaml:4:29: nat.timeouts.icmp: 59 is below the minimum of 60 seconds (RFC 5508 REQ-2; nat.allow-short-timeouts: true lowers it to 1)\n"
		"t.yaml:4:33: nat.timeouts: unknown key \"tcp\" (expected: tcp-established, tcp-transitory, tcp-opening, tcp-closing, udp, icmp, gre, other)\n"
		"t.yaml:7:3: outside: key \"router-address\" belongs in \"inside\"\n"
		"t.yaml:9:11: inside.device: tin0 is also outside.device, in the same network namespace (line 6, column 11)\n"
		"t.yaml:10:8: inside.mtu: 67 is below the minimum of 68 (0 leaves the MTU as it is)\n"
		"t.yaml:11:3: inside: unknown key \"adress\" (expected: device, netns, create, address, mtu, routes, links, router-address)\n"
		"t.yaml:12:19: inside.router-address: 203.0.113.1 is in the pool (nat.addresses[0]: 203.0.113.0/30 at line 2, column 15)\n"
		"t.yaml:13:11: inside.create: expected true or false, got \"maybe\"\n"
		"t.yaml:14:7: user: \"-root\" is not a valid user name (letters, digits, \".\", \"_\" and \"-\"; not starting with \"-\")\n"
		"t.yaml:15:14: log.level: \"loud\" is not a log level (expected: error, warning, info, debug)\n"
		"t.yaml:16:1: unknown key \"extra\" (expected: inside, outside, nat, forwards, alg, offload, workers, steering, fair-queues, nice, io-uring, user, control, log)\n";
	struct config c;
	char *out = NULL;

	ck_assert_int_eq(load(&c, yaml, &out), 14);
	ck_assert_str_eq(out, want);
	free(out);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Valid files */

/* expect_defaults() - what conf_defaults() must set, field by field */
static void expect_defaults(const struct config *c)
{
	const struct conf_dev *d[2] = { &c->inside, &c->outside };
	unsigned i, j;

	for (i = 0; i < 2; i++) {
		ck_assert_str_eq(d[i]->name, "");
		ck_assert_str_eq(d[i]->netns, "");
		ck_assert(d[i]->create);
		ck_assert(!d[i]->has_address);
		ck_assert_uint_eq(d[i]->address.addr, 0);
		ck_assert_uint_eq(d[i]->address.len, 0);
		ck_assert_uint_eq(d[i]->mtu, 0);
		ck_assert_uint_eq(d[i]->nlinks, 0);
		for (j = 0; j < CONF_LINKS_MAX; j++)
			ck_assert_str_eq(d[i]->links[j], "");
		ck_assert_uint_eq(d[i]->nroutes, 0);
		for (j = 0; j < CONF_ROUTES_MAX; j++) {
			ck_assert_uint_eq(d[i]->routes[j].addr, 0);
			ck_assert_uint_eq(d[i]->routes[j].len, 0);
		}
	}
	ck_assert_uint_eq(c->router_addr, ip("192.0.0.8"));
	ck_assert(c->proxy_arp);
	ck_assert_uint_eq(c->naddrs, 0);
	for (j = 0; j < CONF_POOL_MAX; j++)
		ck_assert_uint_eq(c->addrs[j], 0);
	ck_assert_uint_eq(c->port_lo, 1);
	ck_assert_uint_eq(c->port_hi, 65535);
	ck_assert_uint_eq(c->max_sessions, 1000000);
	ck_assert_uint_eq(c->tcp_est_s, 7440);
	ck_assert_uint_eq(c->tcp_trans_s, 240);
	ck_assert_uint_eq(c->tcp_open_s, 240);
	ck_assert_uint_eq(c->tcp_close_s, 240);
	ck_assert_uint_eq(c->udp_s, 300);
	ck_assert_uint_eq(c->icmp_s, 60);
	ck_assert_uint_eq(c->gre_s, 300);
	ck_assert_uint_eq(c->other_s, 600);
	for (j = 0; j < CONF_L4_N; j++)
		ck_assert_int_eq(c->filtering[j], CONF_FILTER_EI);
	ck_assert(!c->allow_short_timeouts);
	ck_assert(!c->inbound_refresh);
	ck_assert_uint_eq(c->port_holddown_s, 120);
	ck_assert(c->port_parity);
	ck_assert_uint_eq(c->max_sessions_per_host, 16384);
	ck_assert(c->icmp_on_failure);
	ck_assert_int_eq(c->unsolicited_syn, CONF_SYN_DROP);
	ck_assert_uint_eq(c->nexempt, 0);
	ck_assert_uint_eq(c->ninside_prefixes, 0);
	for (j = 0; j < CONF_PREFIXES_MAX; j++) {
		ck_assert_uint_eq(c->exempt[j].addr, 0);
		ck_assert_uint_eq(c->inside_prefixes[j].addr, 0);
	}
	ck_assert_int_eq(c->tcp_mss_clamp, -1);
	ck_assert_uint_eq(c->nforwards, 0);
	for (j = 0; j < CONF_FORWARDS_MAX; j++) {
		ck_assert_uint_eq(c->forwards[j].proto, 0);
		ck_assert_uint_eq(c->forwards[j].pub_addr, 0);
		ck_assert_uint_eq(c->forwards[j].nfrom, 0);
	}
	ck_assert(!c->pptp.enabled);
	ck_assert_uint_eq(c->pptp.nports, 1);
	ck_assert_uint_eq(c->pptp.ports[0], 1723);
	for (j = 1; j < CONF_ALG_PORTS_MAX; j++)
		ck_assert_uint_eq(c->pptp.ports[j], 0);
	ck_assert_uint_eq(c->pptp.max_connections, 1024);
	ck_assert_uint_eq(c->pptp.max_connections_per_host, 16);
	ck_assert_uint_eq(c->pptp.max_calls_per_connection, 16);
	ck_assert_uint_eq(c->pptp.max_calls_per_host, 64);
	ck_assert_uint_eq(c->pptp.max_calls_per_server, 1024);
	ck_assert(c->offload);
	ck_assert_uint_eq(c->workers, 1);
	ck_assert(c->steering);
	ck_assert_uint_eq(c->fair_queues, 4);
	ck_assert_int_eq(c->nice, -10);
	ck_assert(!c->io_uring);
	ck_assert_str_eq(c->user, "nobody");
	ck_assert(c->control);
	ck_assert_str_eq(c->control_socket, "/run/tunnat.sock");
	ck_assert_str_eq(c->control_group, "");
	ck_assert_int_eq(c->log_level, LVL_INFO);
	ck_assert_int_eq(c->log_target, LOG_TO_STDERR);
	ck_assert(!c->log_mappings);
	ck_assert_str_eq(c->log_mappings_file, "");
}

START_TEST(test_defaults)
{
	struct config c;

	memset(&c, 0xa5, sizeof(c));
	conf_defaults(&c);
	expect_defaults(&c);
}
END_TEST

START_TEST(test_minimal)
{
	struct config c, want;
	char *out = NULL;

	memset(&c, 0xa5, sizeof(c));
	ck_assert_int_eq(load(&c, MIN, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_str_eq(c.inside.name, "tin0");
	ck_assert_str_eq(c.outside.name, "tout0");
	ck_assert_uint_eq(c.naddrs, 1);
	ck_assert_uint_eq(c.addrs[0], ip("203.0.113.1"));

	/* everything else is the default, to the last byte */
	conf_defaults(&want);
	strcpy(want.inside.name, "tin0");
	strcpy(want.outside.name, "tout0");
	want.naddrs = 1;
	want.addrs[0] = ip("203.0.113.1");
	ck_assert_mem_eq(&c, &want, sizeof(c));

	c.inside.name[0] = c.outside.name[0] = '\0';
	c.naddrs = 0;
	c.addrs[0] = 0;
	expect_defaults(&c);
}
END_TEST

static const char full_yaml[] =
	"# every key\n"
	"inside:\n"
	"  device: tin0\n"
	"  netns: lan\n"
	"  create: false\n"
	"  address: 192.168.1.10/24\n"
	"  mtu: 1500\n"
	"  routes: [0.0.0.0/0]\n"
	"  links: [eth1, lan2]\n"
	"  router-address: 192.0.0.9\n"
	"outside:\n"
	"  device: tout0\n"
	"  netns: /var/run/netns/wan\n"
	"  create: yes\n"
	"  address: 198.51.100.1/24\n"
	"  mtu: 9000\n"
	"  routes:\n"
	"  - 203.0.113.1/32\n"
	"  - 203.0.113.8/29\n"
	"  - 198.51.100.77\n"
	"  links:\n"
	"  - eth1\n"
	"  proxy-arp: no\n"
	"nat:\n"
	"  addresses:\n"
	"  - 203.0.113.1\n"
	"  - 203.0.113.8/30\n"
	"  - 198.51.100.0/31\n"
	"  ports: 1024-65535\n"
	"  max-sessions: 4096\n"
	"  timeouts:\n"
	"    tcp-established: 86400\n"
	"    tcp-transitory: 30\n"
	"    tcp-opening: 20\n"
	"    udp: 120\n"
	"    icmp: 90\n"
	"    gre: 600\n"
	"    other: 30\n"
	"  allow-short-timeouts: true\n"
	"  port-holddown: 10\n"
	"  filtering: {tcp: address-dependent, udp: address-and-port-dependent}\n"
	"  inbound-refresh: true\n"
	"  port-parity: false\n"
	"  max-sessions-per-host: 100\n"
	"  icmp-on-failure: false\n"
	"  unsolicited-syn: reject\n"
	"  exempt: [10.0.0.0/8, 172.16.0.1]\n"
	"  inside-prefixes:\n"
	"  - 192.168.1.0/24\n"
	"  - 192.168.2.0/23\n"
	"  tcp-mss-clamp: 1400\n"
	"forwards:\n"
	"- protocol: tcp\n"
	"  public: 203.0.113.1:8080-8081\n"
	"  inside: 192.168.1.20:80-81\n"
	"  from: [198.51.100.0/24, 192.0.2.7]\n"
	"- {protocol: udp, public: \"203.0.113.9:53\", inside: \"192.168.1.20:53\"}\n"
	"- {protocol: gre, public: 203.0.113.10, inside: 192.168.1.21}\n"
	"- {protocol: 99, public: 203.0.113.10, inside: 192.168.1.22}\n"
	"- {protocol: 6, public: 203.0.113.1:1723, inside: 192.168.1.23:1723}\n"
	"alg:\n"
	"  pptp:\n"
	"    enabled: true\n"
	"    ports: [1723, 1724]\n"
	"    max-connections: 10\n"
	"    max-connections-per-host: 5\n"
	"    max-calls-per-connection: 2\n"
	"    max-calls-per-host: 3\n"
	"    max-calls-per-server: 4\n"
	"offload: off\n"
	"workers: 3\n"
	"steering: off\n"
	"fair-queues: 2\n"
	"nice: 5\n"
	"io-uring: auto\n"
	"user: tunnat\n"
	"control:\n"
	"  enabled: false\n"
	"  socket: /run/tunnat/ctl.sock\n"
	"  group: adm\n"
	"log:\n"
	"  level: debug\n"
	"  target: syslog\n"
	"  mappings: true\n"
	"  mappings-file: \"/var/log/tunnat/map #1.log\"\n";

/* check_full() - @c holds full_yaml */
static void check_full(const struct config *c)
{
	static const char *const pool[] = {
		"203.0.113.1", "203.0.113.8", "203.0.113.9", "203.0.113.10",
		"203.0.113.11", "198.51.100.0", "198.51.100.1",
	};
	unsigned i;

	ck_assert_str_eq(c->inside.name, "tin0");
	ck_assert_str_eq(c->inside.netns, "/run/netns/lan");
	ck_assert(!c->inside.create);
	ck_assert(c->inside.has_address);
	ck_assert_uint_eq(c->inside.address.addr, ip("192.168.1.10"));
	ck_assert_uint_eq(c->inside.address.len, 24);
	ck_assert_uint_eq(c->inside.mtu, 1500);
	ck_assert_uint_eq(c->inside.nroutes, 1);
	ck_assert_uint_eq(c->inside.routes[0].addr, 0);
	ck_assert_uint_eq(c->inside.routes[0].len, 0);
	ck_assert_uint_eq(c->inside.nlinks, 2);
	ck_assert_str_eq(c->inside.links[0], "eth1");
	ck_assert_str_eq(c->inside.links[1], "lan2");
	ck_assert_uint_eq(c->router_addr, ip("192.0.0.9"));

	ck_assert_str_eq(c->outside.name, "tout0");
	ck_assert_str_eq(c->outside.netns, "/var/run/netns/wan");
	ck_assert(c->outside.create);
	ck_assert(c->outside.has_address);
	ck_assert_uint_eq(c->outside.address.addr, ip("198.51.100.1"));
	ck_assert_uint_eq(c->outside.address.len, 24);
	ck_assert_uint_eq(c->outside.mtu, 9000);
	ck_assert_uint_eq(c->outside.nroutes, 3);
	ck_assert_uint_eq(c->outside.routes[0].addr, ip("203.0.113.1"));
	ck_assert_uint_eq(c->outside.routes[0].len, 32);
	ck_assert_uint_eq(c->outside.routes[1].addr, ip("203.0.113.8"));
	ck_assert_uint_eq(c->outside.routes[1].len, 29);
	ck_assert_uint_eq(c->outside.routes[2].addr, ip("198.51.100.77"));
	ck_assert_uint_eq(c->outside.routes[2].len, 32);
	ck_assert_uint_eq(c->outside.nlinks, 1);
	ck_assert_str_eq(c->outside.links[0], "eth1");
	ck_assert(!c->proxy_arp);

	ck_assert_uint_eq(c->naddrs, ARRAY_SIZE(pool));
	for (i = 0; i < ARRAY_SIZE(pool); i++)
		ck_assert_uint_eq(c->addrs[i], ip(pool[i]));
	ck_assert_uint_eq(c->port_lo, 1024);
	ck_assert_uint_eq(c->port_hi, 65535);
	ck_assert_uint_eq(c->max_sessions, 4096);
	ck_assert_uint_eq(c->tcp_est_s, 86400);
	ck_assert_uint_eq(c->tcp_trans_s, 30);
	ck_assert_uint_eq(c->tcp_open_s, 20);
	ck_assert_uint_eq(c->tcp_close_s, 30);	/* not given: transitory's */
	ck_assert_uint_eq(c->udp_s, 120);
	ck_assert_uint_eq(c->icmp_s, 90);
	ck_assert_uint_eq(c->gre_s, 600);
	ck_assert_uint_eq(c->other_s, 30);
	ck_assert(c->allow_short_timeouts);
	ck_assert_uint_eq(c->port_holddown_s, 10);
	ck_assert_int_eq(c->filtering[CONF_L4_TCP], CONF_FILTER_AD);
	ck_assert_int_eq(c->filtering[CONF_L4_UDP], CONF_FILTER_APD);
	ck_assert_int_eq(c->filtering[CONF_L4_ICMP], CONF_FILTER_EI);
	ck_assert(c->inbound_refresh);
	ck_assert(!c->port_parity);
	ck_assert_uint_eq(c->max_sessions_per_host, 100);
	ck_assert(!c->icmp_on_failure);
	ck_assert_int_eq(c->unsolicited_syn, CONF_SYN_REJECT);
	ck_assert_uint_eq(c->nexempt, 2);
	ck_assert_uint_eq(c->exempt[0].addr, ip("10.0.0.0"));
	ck_assert_uint_eq(c->exempt[0].len, 8);
	ck_assert_uint_eq(c->exempt[1].addr, ip("172.16.0.1"));
	ck_assert_uint_eq(c->exempt[1].len, 32);
	ck_assert_uint_eq(c->ninside_prefixes, 2);
	ck_assert_uint_eq(c->inside_prefixes[0].addr, ip("192.168.1.0"));
	ck_assert_uint_eq(c->inside_prefixes[0].len, 24);
	ck_assert_uint_eq(c->inside_prefixes[1].addr, ip("192.168.2.0"));
	ck_assert_uint_eq(c->inside_prefixes[1].len, 23);
	ck_assert_int_eq(c->tcp_mss_clamp, 1400);

	ck_assert_uint_eq(c->nforwards, 5);
	ck_assert_uint_eq(c->forwards[0].proto, IPPROTO_TCP);
	ck_assert_uint_eq(c->forwards[0].pub_addr, ip("203.0.113.1"));
	ck_assert_uint_eq(c->forwards[0].pub_lo, 8080);
	ck_assert_uint_eq(c->forwards[0].pub_hi, 8081);
	ck_assert_uint_eq(c->forwards[0].in_addr, ip("192.168.1.20"));
	ck_assert_uint_eq(c->forwards[0].in_lo, 80);
	ck_assert_uint_eq(c->forwards[0].nfrom, 2);
	ck_assert_uint_eq(c->forwards[0].from[0].addr, ip("198.51.100.0"));
	ck_assert_uint_eq(c->forwards[0].from[0].len, 24);
	ck_assert_uint_eq(c->forwards[0].from[1].addr, ip("192.0.2.7"));
	ck_assert_uint_eq(c->forwards[0].from[1].len, 32);
	ck_assert_uint_eq(c->forwards[1].proto, IPPROTO_UDP);
	ck_assert_uint_eq(c->forwards[1].pub_addr, ip("203.0.113.9"));
	ck_assert_uint_eq(c->forwards[1].pub_lo, 53);
	ck_assert_uint_eq(c->forwards[1].pub_hi, 53);
	ck_assert_uint_eq(c->forwards[1].in_addr, ip("192.168.1.20"));
	ck_assert_uint_eq(c->forwards[1].in_lo, 53);
	ck_assert_uint_eq(c->forwards[1].nfrom, 0);
	ck_assert_uint_eq(c->forwards[2].proto, IPPROTO_GRE);
	ck_assert_uint_eq(c->forwards[2].pub_addr, ip("203.0.113.10"));
	ck_assert_uint_eq(c->forwards[2].pub_lo, 0);
	ck_assert_uint_eq(c->forwards[2].pub_hi, 0);
	ck_assert_uint_eq(c->forwards[2].in_addr, ip("192.168.1.21"));
	ck_assert_uint_eq(c->forwards[2].in_lo, 0);
	ck_assert_uint_eq(c->forwards[3].proto, 99);
	ck_assert_uint_eq(c->forwards[3].pub_addr, ip("203.0.113.10"));
	ck_assert_uint_eq(c->forwards[3].in_addr, ip("192.168.1.22"));
	ck_assert_uint_eq(c->forwards[4].proto, IPPROTO_TCP);
	ck_assert_uint_eq(c->forwards[4].pub_lo, 1723);
	ck_assert_uint_eq(c->forwards[4].in_lo, 1723);
	ck_assert(c->pptp.enabled);
	ck_assert_uint_eq(c->pptp.nports, 2);
	ck_assert_uint_eq(c->pptp.ports[0], 1723);
	ck_assert_uint_eq(c->pptp.ports[1], 1724);
	ck_assert_uint_eq(c->pptp.max_connections, 10);
	ck_assert_uint_eq(c->pptp.max_connections_per_host, 5);
	ck_assert_uint_eq(c->pptp.max_calls_per_connection, 2);
	ck_assert_uint_eq(c->pptp.max_calls_per_host, 3);
	ck_assert_uint_eq(c->pptp.max_calls_per_server, 4);
	ck_assert(!c->offload);
	ck_assert_uint_eq(c->workers, 3);
	ck_assert(!c->steering);
	ck_assert_uint_eq(c->fair_queues, 2);
	ck_assert_int_eq(c->nice, 5);
	ck_assert(c->io_uring);
	ck_assert_str_eq(c->user, "tunnat");
	ck_assert(!c->control);
	ck_assert_str_eq(c->control_socket, "/run/tunnat/ctl.sock");
	ck_assert_str_eq(c->control_group, "adm");
	ck_assert_int_eq(c->log_level, LVL_DEBUG);
	ck_assert_int_eq(c->log_target, LOG_TO_SYSLOG);
	ck_assert(c->log_mappings);
	ck_assert_str_eq(c->log_mappings_file, "/var/log/tunnat/map #1.log");
}

START_TEST(test_full)
{
	struct config c;
	char *out = NULL;

	ck_assert_int_eq(load(&c, full_yaml, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	check_full(&c);
}
END_TEST

/* The same file in flow style, with quotes, an alias and a tag. */
START_TEST(test_flow_style)
{
	static const char yaml[] =
		"{inside: {device: \"tin0\", mtu: '1500', routes: &r [10.0.0.0/8]},\n"
		" outside: {device: tout0, routes: *r},\n"
		" nat: {addresses: [!!str 203.0.113.1], ports: 1024},\n"
		" log: {level: warning}}\n";
	struct config c;
	char *out = NULL;

	ck_assert_int_eq(load(&c, yaml, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_str_eq(c.inside.name, "tin0");
	ck_assert_uint_eq(c.inside.mtu, 1500);
	ck_assert_uint_eq(c.outside.nroutes, 1);
	ck_assert_uint_eq(c.outside.routes[0].addr, ip("10.0.0.0"));
	ck_assert_uint_eq(c.outside.routes[0].len, 8);
	ck_assert_uint_eq(c.port_lo, 1024);
	ck_assert_uint_eq(c.port_hi, 1024);
	ck_assert_int_eq(c.log_level, LVL_WARNING);
}
END_TEST

/* A whole /22 is expanded in order, network and broadcast included. */
START_TEST(test_pool_expand)
{
	struct config c;
	char *out = NULL;
	unsigned i;

	ck_assert_int_eq(load(&c, DEVS "nat:\n  addresses: [10.0.4.0/22]\n",
			      &out), 0);
	free(out);
	ck_assert_uint_eq(c.naddrs, CONF_POOL_MAX);
	for (i = 0; i < CONF_POOL_MAX; i++)
		ck_assert_uint_eq(c.addrs[i], htonl(0x0a000400u + i));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* conf_load() */

START_TEST(test_load_missing)
{
	struct config c;
	char *out = NULL;
	size_t len;
	FILE *f;

	f = open_memstream(&out, &len);
	ck_assert_int_eq(conf_load(&c, "/nonexistent/tunnat.yaml", f),
			 -ENOENT);
	fclose(f);
	ck_assert_str_eq(out, "/nonexistent/tunnat.yaml: cannot read: No such file or directory\n");
	free(out);

	f = open_memstream(&out, &len);
	ck_assert_int_eq(conf_load(&c, "/", f), -EISDIR);
	fclose(f);
	ck_assert_str_eq(out, "/: cannot read: Is a directory\n");
	free(out);
}
END_TEST

/* conf_load() gives what conf_load_mem() gives for the same bytes. */
START_TEST(test_load_file)
{
	char path[] = "/tmp/check_conf.XXXXXX", *out = NULL, want[256];
	struct config c;
	size_t len;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, full_yaml, strlen(full_yaml)),
			 (int)strlen(full_yaml));
	f = open_memstream(&out, &len);
	ck_assert_int_eq(conf_load(&c, path, f), 0);
	fclose(f);
	ck_assert_str_eq(out, "");
	free(out);
	check_full(&c);

	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(pwrite(fd, "inside: [\n", 10, 0), 10);
	f = open_memstream(&out, &len);
	ck_assert_int_eq(conf_load(&c, path, f), 1);
	fclose(f);
	snprintf(want, sizeof(want),
		 "%s:2:1: syntax error: did not find expected node content (while parsing a flow node at line 2, column 1)\n",
		 path);
	ck_assert_str_eq(out, want);
	free(out);

	ck_assert_int_eq(ftruncate(fd, 0), 0);
	f = open_memstream(&out, &len);
	ck_assert_int_eq(conf_load(&c, path, f), 1);
	fclose(f);
	snprintf(want, sizeof(want),
		 "%s:1:1: empty file (expected a mapping with the sections inside, outside and nat)\n",
		 path);
	ck_assert_str_eq(out, want);
	free(out);

	close(fd);
	unlink(path);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* conf_print() */

/* print() - conf_print() of @c, as a string (free it) */
static char *print(const struct config *c)
{
	char *text = NULL;
	size_t len;
	FILE *f;

	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(conf_print(f, c), 0);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

/**
 * round_trip() - load @yaml, print it, load what was printed: the two
 * configurations must be the same to the last byte
 *
 * Return: the printed text (free it)
 */
static char *round_trip(const char *yaml)
{
	static struct config c, d;
	char *out = NULL, *text;
	size_t i;

	memset(&c, 0xa5, sizeof(c));
	memset(&d, 0x5a, sizeof(d));
	ck_assert_int_eq(load(&c, yaml, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	text = print(&c);
	ck_assert_msg(load(&d, text, &out) == 0, "%s\nreads back as:\n%s",
		      text, out);
	free(out);
	for (i = 0; i < sizeof(c); i++)
		if (((unsigned char *)&c)[i] != ((unsigned char *)&d)[i])
			break;
	ck_assert_msg(i == sizeof(c),
		      "byte %zu of struct config differs, read back from:\n%s",
		      i, text);
	return text;
}

/**
 * printed() - the value written for key @name in @text, a conf_print()
 * output: what follows "key: " on its line, or "" for a key written as
 * "# key: none"; NULL if it is not there
 * @buf:	4096 bytes
 */
static const char *printed(const char *text, const char *name, char *buf)
{
	char path[8][64];
	const char *line, *end;
	unsigned depth;

	for (line = text; *line; line = *end ? end + 1 : end) {
		const char *k = line, *colon;
		char full[512] = "";
		unsigned i;
		bool none;

		end = strchrnul(line, '\n');
		while (*k == ' ')
			k++;
		depth = (unsigned)(k - line) / 2;
		none = !strncmp(k, "# ", 2);
		if (none)
			k += 2;
		colon = strchr(k, ':');
		if (*k == '-' || *k == '#' || !colon || colon > end ||
		    depth >= 8)
			continue;
		snprintf(path[depth], sizeof(path[0]), "%.*s",
			 (int)(colon - k), k);
		for (i = 0; i <= depth; i++)
			snprintf(full + strlen(full),
				 sizeof(full) - strlen(full), "%s%s",
				 i ? "." : "", path[i]);
		if (strcmp(full, name))
			continue;
		if (none)
			return strcpy(buf, "");
		snprintf(buf, 4096, "%.*s", (int)(end - colon - 1), colon + 1);
		return buf + (buf[0] == ' ');
	}
	return NULL;
}

/* Every key is written; those left out of the file, as their default. */
START_TEST(test_print_minimal)
{
	const struct conf_key *k;
	char buf[4096], *text;
	const char *v;
	size_t n, i;

	text = round_trip(MIN);
	k = conf_keys(&n);
	for (i = 0; i < n; i++) {
		if (k[i].field)		/* in each entry; there are none */
			continue;
		v = printed(text, k[i].name, buf);
		ck_assert_msg(v != NULL, "%s is not written:\n%s", k[i].name,
			      text);
		if (k[i].def)
			ck_assert_msg(!strcmp(v, k[i].def),
				      "%s is written as \"%s\", its default is \"%s\"",
				      k[i].name, v, k[i].def);
	}
	ck_assert_str_eq(printed(text, "inside.device", buf), "\"tin0\"");
	ck_assert_str_eq(printed(text, "outside.device", buf), "\"tout0\"");
	ck_assert_str_eq(printed(text, "nat.addresses", buf),
			 "[203.0.113.1]");
	free(text);
}
END_TEST

/* A table smaller than the default share per host: the share is the
 * table, printed so, and what is printed loads again (fuzz_conf found it
 * printed as 16384, which loading refused as above nat.max-sessions). */
START_TEST(test_print_small_table)
{
	static struct config c;
	char buf[64], *text, *out = NULL;

	ck_assert_int_eq(load(&c, MIN "  max-sessions: 101\n", &out), 0);
	free(out);
	ck_assert_uint_eq(c.max_sessions_per_host, 101);
	text = round_trip(MIN "  max-sessions: 101\n");
	ck_assert_str_eq(printed(text, "nat.max-sessions-per-host", buf),
			 "101");
	free(text);
}
END_TEST

/* Every key at a value other than its default reads back the same. */
START_TEST(test_print_full)
{
	const struct conf_key *k;
	char buf[4096], *text;
	size_t n, i;

	text = round_trip(full_yaml);
	k = conf_keys(&n);
	for (i = 0; i < n; i++)
		ck_assert_msg(k[i].field ||
			      printed(text, k[i].name, buf) != NULL,
			      "%s is not written:\n%s", k[i].name, text);
	ck_assert_str_eq(printed(text, "inside.netns", buf),
			 "\"/run/netns/lan\"");
	ck_assert_str_eq(printed(text, "nat.addresses", buf),
			 "[203.0.113.1, 203.0.113.8/30, 198.51.100.0/31]");
	ck_assert_str_eq(printed(text, "outside.routes", buf),
			 "[203.0.113.1, 203.0.113.8/29, 198.51.100.77]");
	ck_assert_str_eq(printed(text, "alg.pptp.ports", buf), "[1723, 1724]");
	ck_assert_str_eq(printed(text, "nat.filtering", buf),
			 "{tcp: address-dependent, udp: address-and-port-dependent, icmp: endpoint-independent}");
	ck_assert_ptr_nonnull(strstr(text,
		"forwards:\n"
		"  - protocol: tcp\n"
		"    public: 203.0.113.1:8080-8081\n"
		"    inside: 192.168.1.20:80-81\n"
		"    from: [198.51.100.0/24, 192.0.2.7]\n"
		"  - protocol: udp\n"
		"    public: 203.0.113.9:53\n"
		"    inside: 192.168.1.20:53\n"
		"    from: []\n"
		"  - protocol: gre\n"
		"    public: 203.0.113.10\n"
		"    inside: 192.168.1.21\n"
		"    from: []\n"
		"  - protocol: 99\n"
		"    public: 203.0.113.10\n"
		"    inside: 192.168.1.22\n"
		"    from: []\n"
		"  - protocol: tcp\n"
		"    public: 203.0.113.1:1723\n"
		"    inside: 192.168.1.23:1723\n"
		"    from: []\n"
		"alg:\n"));
	ck_assert_str_eq(printed(text, "offload", buf), "off");
	ck_assert_str_eq(printed(text, "log.level", buf), "debug");
	ck_assert_str_eq(printed(text, "control.enabled", buf), "false");
	ck_assert_str_eq(printed(text, "control.socket", buf),
			 "/run/tunnat/ctl.sock");
	ck_assert_str_eq(printed(text, "control.group", buf), "adm");
	ck_assert_str_eq(printed(text, "log.target", buf), "syslog");
	ck_assert_str_eq(printed(text, "log.mappings-file", buf),
			 "\"/var/log/tunnat/map #1.log\"");
	free(text);
}
END_TEST

/* Values that need care: quoting, and a pool that is not in order. */
START_TEST(test_print_values)
{
	char buf[4096], *text;

	text = round_trip("inside:\n  device: \"#t[0]\\\\,\\\"*\"\n"
			  "  netns: \"/tmp/a b: c#d\\\" \\\\x\"\n"
			  "  address: 10.1.2.3/8\n"
			  OUT
			  "nat:\n  addresses: [203.0.113.3, 203.0.113.2, "
			  "10.0.0.0/26, 10.0.0.64/26, 10.0.1.128/25, "
			  "10.0.1.0/25, 198.51.100.1, 198.51.100.0]\n"
			  "user: \"0\"\n");
	ck_assert_str_eq(printed(text, "inside.device", buf),
			 "\"#t[0]\\\\,\\\"*\"");
	ck_assert_str_eq(printed(text, "inside.netns", buf),
			 "\"/tmp/a b: c#d\\\" \\\\x\"");
	ck_assert_str_eq(printed(text, "inside.address", buf), "10.1.2.3/8");
	ck_assert_str_eq(printed(text, "outside.address", buf), "");
	ck_assert_str_eq(printed(text, "nat.addresses", buf),
			 "[203.0.113.3, 203.0.113.2, 10.0.0.0/25, "
			 "10.0.1.128/25, 10.0.1.0/25, 198.51.100.1, "
			 "198.51.100.0]");
	ck_assert_str_eq(printed(text, "user", buf), "0");
	free(text);

	text = round_trip(DEVS "nat:\n  addresses: [10.0.4.0/22]\n");
	ck_assert_str_eq(printed(text, "nat.addresses", buf), "[10.0.4.0/22]");
	free(text);
	text = round_trip(DEVS "nat:\n  addresses: [10.0.4.1, 10.0.4.2, "
			  "10.0.4.3, 10.0.4.4, 10.0.4.5, 10.0.4.6]\n");
	ck_assert_str_eq(printed(text, "nat.addresses", buf),
			 "[10.0.4.1, 10.0.4.2/31, 10.0.4.4/31, 10.0.4.6]");
	free(text);
}
END_TEST

/* A value that has no name (a struct built by hand) is written as a number. */
START_TEST(test_print_unnamed)
{
	struct config c;
	char buf[4096], *text;

	conf_defaults(&c);
	c.log_level = (enum log_level)7;
	c.filtering[CONF_L4_UDP] = (enum conf_filter)9;
	text = print(&c);
	ck_assert_str_eq(printed(text, "log.level", buf), "7");
	ck_assert_str_eq(printed(text, "nat.filtering", buf),
			 "{tcp: endpoint-independent, udp: 9, icmp: endpoint-independent}");
	free(text);
}
END_TEST

/* A write that fails is reported. */
START_TEST(test_print_error)
{
	struct config c;
	FILE *f;

	conf_defaults(&c);
	f = fopen("/dev/full", "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(conf_print(f, &c), -ENOSPC);
	fclose(f);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* The table of keys */

/*
 * Every row is complete, named once, and no key is also a section; a
 * field (of each entry of a sequence) is named after its key, which is a
 * row that is not a field.
 */
START_TEST(test_table)
{
	const struct conf_key *k;
	size_t n, i, j;

	k = conf_keys(&n);
	ck_assert_uint_ge(n, 30);
	for (i = 0; i < n; i++) {
		size_t len = strlen(k[i].name);

		ck_assert_msg(len && k[i].name[0] != '.' &&
			      k[i].name[len - 1] != '.' &&
			      strspn(k[i].name, "abcdefghijklmnopqrstuvwxyz.-")
			      == len, "row %zu: name \"%s\"", i, k[i].name);
		ck_assert_msg(*k[i].type && *k[i].range && *k[i].doc,
			      "%s: type, range and doc", k[i].name);
		ck_assert_ptr_nonnull(k[i].spec);
		for (j = 0; j < n; j++) {
			if (j == i)
				continue;
			ck_assert_msg(strcmp(k[i].name, k[j].name),
				      "%s: twice", k[i].name);
			ck_assert_msg(k[j].field ||
				      strncmp(k[j].name, k[i].name, len) ||
				      k[j].name[len] != '.',
				      "%s is a key and a section", k[i].name);
		}
		if (k[i].field) {
			const char *dot = strrchr(k[i].name, '.');

			ck_assert_ptr_nonnull(dot);
			for (j = 0; j < n; j++)
				if (!k[j].field &&
				    strlen(k[j].name) == (size_t)(dot - k[i].name) &&
				    !strncmp(k[j].name, k[i].name,
					     (size_t)(dot - k[i].name)))
					break;
			ck_assert_msg(j < n, "field %s has no key", k[i].name);
		}
	}
}
END_TEST

/*
 * The manual page documents exactly the keys of the table.  In the
 * DESCRIPTION of tunnat.yaml(5), each ".SS" heading names one or more
 * top-level sections ("inside and outside"), and each key is a tagged
 * paragraph, ".TP" then ".B name"; the keys of a subsection (or the
 * fields of each entry of a sequence) are tagged paragraphs between
 * ".RS" and ".RE" right after their parent's.  A key named like its
 * heading ("offload" under ".SS offload") is a top-level key.  Each key
 * says when a change to it applies, on a line "Reload: ..." of its own
 * paragraph.
 */
#define MAN_ITEMS_MAX	256
#define MAN_DEPTH_MAX	8
#define MAN_NAME_MAX	96

/**
 * struct man_item - one tagged paragraph of the key sections
 * @name:	the key it documents, once per section of its heading
 * @n:		how many names
 * @line:	its line in the page
 * @reload:	its paragraph has a "Reload:" line
 */
struct man_item {
	char name[2][MAN_NAME_MAX];
	unsigned n;
	unsigned line;
	bool reload;
};

/* man_page() - the path of tunnat.yaml(5) in the source tree */
static const char *man_page(char *buf, size_t size)
{
	const char *top = getenv("TOP_SRCDIR");

	snprintf(buf, size, "%s/man/tunnat.yaml.5",
		 top && *top ? top : TOP_SRCDIR_BUILT);
	return buf;
}

/* man_word() - @s is one word of a key name, roff escapes removed */
static bool man_word(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s && *s != '\n'; s++) {
		if (*s == '\\')
			continue;
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-", *s) ||
		    n + 1 >= size)
			return false;
		out[n++] = *s;
	}
	out[n] = '\0';
	return n > 0;
}

/* man_join() - "@a.@b" into @out, or @b if @a is NULL */
static void man_join(char *out, const char *a, const char *b)
{
	ck_assert_uint_lt((a ? strlen(a) + 1 : 0) + strlen(b), MAN_NAME_MAX);
	out[0] = '\0';
	if (a) {
		strcat(out, a);
		strcat(out, ".");
	}
	strcat(out, b);
}

/* man_items() - the tagged paragraphs of the key sections of @path */
static unsigned man_items(const char *path, struct man_item *it)
{
	char line[1024], pre[2][MAN_NAME_MAX], word[MAN_NAME_MAX];
	int stack[MAN_DEPTH_MAX], last = -1;
	unsigned n = 0, npre = 0, depth = 0, ln = 0, k;
	bool desc = false, tag = false;
	FILE *f = fopen(path, "r");

	ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		ln++;
		if (!strncmp(line, ".SH ", 4)) {
			desc = !strcmp(line, ".SH DESCRIPTION\n");
			npre = depth = 0;
			continue;
		}
		if (!desc)
			continue;
		if (!strncmp(line, ".SS ", 4)) {
			char *w, *save = NULL;

			npre = depth = 0;
			last = -1;
			for (w = strtok_r(line + 4, " \"\n", &save); w;
			     w = strtok_r(NULL, " \"\n", &save)) {
				if (!strcmp(w, "and"))
					continue;
				ck_assert_msg(npre < 2 && man_word(w, pre[npre],
						sizeof(pre[0])),
					      "line %u: heading", ln);
				npre++;
			}
			continue;
		}
		if (!npre)
			continue;
		if (!strcmp(line, ".TP\n")) {
			tag = true;
			continue;
		}
		if (!strncmp(line, ".RS", 3)) {
			ck_assert_uint_lt(depth, MAN_DEPTH_MAX);
			stack[depth] = last >= 0 ? last :
				       depth ? stack[depth - 1] : -1;
			depth++;
			continue;
		}
		if (!strncmp(line, ".RE", 3)) {
			ck_assert_msg(depth > 0, "line %u: .RE", ln);
			depth--;
			continue;
		}
		if (!strncmp(line, "Reload: ", 8) && last >= 0)
			it[last].reload = true;
		if (!tag)
			continue;
		tag = false;
		if (strncmp(line, ".B ", 3) || !man_word(line + 3, word,
							 sizeof(word)))
			continue;
		ck_assert_uint_lt(n, MAN_ITEMS_MAX);
		it[n].n = npre;
		it[n].reload = false;
		it[n].line = ln;
		for (k = 0; k < npre; k++) {
			int up = depth ? stack[depth - 1] : -1;

			if (up >= 0)
				man_join(it[n].name[k], it[up].name[k], word);
			else if (!strcmp(word, pre[k]))
				man_join(it[n].name[k], NULL, word);
			else
				man_join(it[n].name[k], pre[k], word);
		}
		last = (int)n++;
	}
	fclose(f);
	return n;
}

/* is_section() - some key of the table is under @name */
static bool is_section(const struct conf_key *k, size_t nk, const char *name)
{
	size_t len = strlen(name), i;

	for (i = 0; i < nk; i++)
		if (!strncmp(k[i].name, name, len) && k[i].name[len] == '.')
			return true;
	return false;
}

START_TEST(test_man_page)
{
	static struct man_item it[MAN_ITEMS_MAX];
	const struct conf_key *k;
	unsigned n, i, j;
	char path[4096];
	size_t nk, r;
	bool found;

	n = man_items(man_page(path, sizeof(path)), it);
	ck_assert_uint_gt(n, 0);
	k = conf_keys(&nk);
	for (r = 0; r < nk; r++) {
		for (i = 0, found = false; i < n && !found; i++)
			for (j = 0; j < it[i].n && !found; j++)
				found = !strcmp(it[i].name[j], k[r].name);
		ck_assert_msg(found, "%s: key %s is not documented", path,
			      k[r].name);
		ck_assert_msg(k[r].field || it[i - 1].reload,
			      "%s:%u: key %s has no \"Reload:\" line", path,
			      it[i - 1].line, k[r].name);
	}
	for (i = 0; i < n; i++) {
		for (j = 0, found = false; j < it[i].n; j++) {
			for (r = 0; r < nk; r++)
				found |= !strcmp(it[i].name[j], k[r].name);
			found |= is_section(k, nk, it[i].name[j]);
		}
		ck_assert_msg(found, "%s:%u: %s is not a key", path,
			      it[i].line, it[i].name[0]);
	}
}
END_TEST

START_TEST(test_log_level)
{
	ck_assert_int_eq(conf_log_level_parse("error"), LVL_ERROR);
	ck_assert_int_eq(conf_log_level_parse("warning"), LVL_WARNING);
	ck_assert_int_eq(conf_log_level_parse("info"), LVL_INFO);
	ck_assert_int_eq(conf_log_level_parse("debug"), LVL_DEBUG);
	ck_assert_int_eq(conf_log_level_parse("warn"), -1);
	ck_assert_int_eq(conf_log_level_parse(""), -1);
	ck_assert_str_eq(conf_log_level_str(LVL_ERROR), "error");
	ck_assert_str_eq(conf_log_level_str(LVL_WARNING), "warning");
	ck_assert_str_eq(conf_log_level_str(LVL_INFO), "info");
	ck_assert_str_eq(conf_log_level_str(LVL_DEBUG), "debug");
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc;

	tc = tcase_create("document");
	tcase_add_loop_test(tc, test_doc, 0, ARRAY_SIZE(doc_cases));
	tcase_add_test(tc, test_many_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("devices");
	tcase_add_loop_test(tc, test_dev, 0, ARRAY_SIZE(dev_cases));
	tcase_add_test(tc, test_routes_max);
	tcase_add_test(tc, test_links_max);
	tcase_add_test(tc, test_netns);
	suite_add_tcase(s, tc);

	tc = tcase_create("nat");
	tcase_add_loop_test(tc, test_nat, 0, ARRAY_SIZE(nat_cases));
	tcase_add_test(tc, test_pool_expand);
	suite_add_tcase(s, tc);

	tc = tcase_create("nat_rfc");
	tcase_add_loop_test(tc, test_rfc, 0, ARRAY_SIZE(rfc_cases));
	tcase_add_test(tc, test_rfc_values);
	tcase_add_test(tc, test_short_timeouts);
	tcase_add_test(tc, test_prefixes_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("forwards");
	tcase_add_loop_test(tc, test_fwd, 0, ARRAY_SIZE(fwd_cases));
	tcase_add_test(tc, test_fwd_ok);
	tcase_add_test(tc, test_fwd_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("alg");
	tcase_add_loop_test(tc, test_alg, 0, ARRAY_SIZE(alg_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("user_log");
	tcase_add_loop_test(tc, test_misc, 0, ARRAY_SIZE(misc_cases));
	tcase_add_test(tc, test_switch);
	tcase_add_test(tc, test_long_values);
	tcase_add_test(tc, test_log_level);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid");
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_flow_style);
	suite_add_tcase(s, tc);

	tc = tcase_create("print");
	tcase_add_test(tc, test_print_minimal);
	tcase_add_test(tc, test_print_small_table);
	tcase_add_test(tc, test_print_full);
	tcase_add_test(tc, test_print_values);
	tcase_add_test(tc, test_print_unnamed);
	tcase_add_test(tc, test_print_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_man_page);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, test_load_missing);
	tcase_add_test(tc, test_load_file);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
