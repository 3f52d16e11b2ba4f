// SPDX-License-Identifier: GPL-2.0
/*
 * Address parsing, formatting and validation.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include "iscsiportal.h"
#include "addr_check.h"
#include "harness.h"

struct valid_case {
	const char *in;
	const char *canon;
	uint16_t family;
	uint16_t port;
	uint32_t scope_id;
};

static const struct valid_case valid[] = {
	{ "192.0.2.1:3260", "192.0.2.1:3260", AF_INET, 3260, 0 },
	{ "192.0.2.1", "192.0.2.1:3260", AF_INET, 3260, 0 },
	{ "192.0.2.1:1", "192.0.2.1:1", AF_INET, 1, 0 },
	{ "192.0.2.1:65535", "192.0.2.1:65535", AF_INET, 65535, 0 },
	{ "192.0.2.1:03260", "192.0.2.1:3260", AF_INET, 3260, 0 },
	{ "0.0.0.0", "0.0.0.0:3260", AF_INET, 3260, 0 },
	{ "0.0.0.0:860", "0.0.0.0:860", AF_INET, 860, 0 },
	{ "223.255.255.255", "223.255.255.255:3260", AF_INET, 3260, 0 },
	{ "240.0.0.1", "240.0.0.1:3260", AF_INET, 3260, 0 },
	{ "255.255.255.254", "255.255.255.254:3260", AF_INET, 3260, 0 },
	{ "[2001:db8::1]:3260", "[2001:db8::1]:3260", AF_INET6, 3260, 0 },
	{ "[2001:db8::1]", "[2001:db8::1]:3260", AF_INET6, 3260, 0 },
	{ "2001:db8::1", "[2001:db8::1]:3260", AF_INET6, 3260, 0 },
	{ "[2001:DB8:0:0:0:0:0:1]:860", "[2001:db8::1]:860", AF_INET6, 860, 0 },
	{ "[::]:3260", "[::]:3260", AF_INET6, 3260, 0 },
	{ "::", "[::]:3260", AF_INET6, 3260, 0 },
	{ "[::1]", "[::1]:3260", AF_INET6, 3260, 0 },
	{ "[fec0::1]", "[fec0::1]:3260", AF_INET6, 3260, 0 },
	{ "[fe80::1%2]:3260", "[fe80::1%2]:3260", AF_INET6, 3260, 2 },
	{ "[FE80::1%2]:860", "[fe80::1%2]:860", AF_INET6, 860, 2 },
	{ "[fe80::1%2]", "[fe80::1%2]:3260", AF_INET6, 3260, 2 },
	{ "fe80::1%2", "[fe80::1%2]:3260", AF_INET6, 3260, 2 },
	{ "[febf::1%4294967295]:1", "[febf::1%4294967295]:1", AF_INET6, 1,
	  4294967295U },
};

static const char *const malformed[] = {
	"", " ", " 192.0.2.1", "192.0.2.1 ", "192.0.2.1:3260 ", "\t192.0.2.1",
	"192.0.2.1:0", "[2001:db8::1]:0", "192.0.2.1:65536",
	"192.0.2.1:99999999999999999999", "192.0.2.1:abc", "192.0.2.1:",
	"192.0.2.1:+80", "192.0.2.1:-1", "192.0.2.1:32 60", "192.0.2.1:0x10",
	"192.0.2.1x", "192.0.2.1:3260x", "192.0.2.1:3260:1",
	"[2001:db8::1]:3260x", "[2001:db8::1]x", "[2001:db8::1] ",
	"[2001:db8::1]:", "[2001:db8::1", "[2001:db8::1:3260", "2001:db8::1]",
	"[[2001:db8::1]]", "[2001:db8::1]]", "[]", "[]:3260", ":3260", ":",
	"[1.2.3.4]", "[192.0.2.1]:3260", "1.2.3.4%2", "192.0.2.1%lo:3260",
	"[2001:db8::1%2]", "[2001:db8::1%lo]:3260", "2001:db8::1%2",
	"[::%1]", "[fec0::1%1]",
	"fe80::1", "[fe80::1]:3260", "[fe80::1%]:3260", "[fe80::1%0]",
	"[fe80::1%4294967296]", "[fe80::1% lo]", "fe80::1%lo ",
	"[fe80::1%a/b]", "[fe80::1%2]:0",
	"224.0.0.1", "239.255.255.255:3260", "230.1.2.3", "255.255.255.255",
	"255.255.255.255:3260", "[ff02::1%2]", "[ff05::1]", "ff00::",
	"[::ffff:192.0.2.1]:3260", "::ffff:192.0.2.1",
	"1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4",
	"localhost", "example.com:3260", "::ffff:192.0.2.1:3260x",
};

/* addr: parse every valid form */
TEST(addr_parse_valid)
{
	uint32_t lo = if_nametoindex("lo");
	struct iscsi_portal_addr a;
	char buf[IPL_ADDR_STRLEN];
	bool ok;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(valid); i++) {
		const struct valid_case *c = &valid[i];

		ok = true;
		EXPECT_EQ(0, ipl_addr_parse(c->in, &a)) {
			TH_LOG("input \"%s\"", c->in);
			ok = false;
		}
		if (!ok)
			continue;
		EXPECT_EQ(c->family, a.family);
		EXPECT_EQ(c->port, a.port);
		EXPECT_EQ(c->scope_id, a.scope_id);
		EXPECT_EQ((int)strlen(c->canon),
			  ipl_addr_format(&a, buf, sizeof(buf)));
		EXPECT_STREQ(c->canon, buf);
	}
	/* An interface name zone becomes its index. */
	ok = true;
	EXPECT_NE(0U, lo) ok = false;
	if (ok) {
		EXPECT_EQ(0, ipl_addr_parse("[fe80::1%lo]", &a));
		EXPECT_EQ(lo, a.scope_id);
		EXPECT_EQ(0, ipl_addr_parse("fe80::1%lo", &a));
		EXPECT_EQ(lo, a.scope_id);
	}
}

/* addr: parsed address bytes */
TEST(addr_parse_bytes)
{
	static const uint8_t v4[16] = { 192, 0, 2, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct iscsi_portal_addr a;

	memset(&a, 0xaa, sizeof(a));
	EXPECT_EQ(0, ipl_addr_parse("192.0.2.1:3260", &a));
	EXPECT_EQ(0, memcmp(a.addr, v4, sizeof(v4)));	/* rest zeroed */
	EXPECT_EQ(0, ipl_addr_parse("[2001:db8::1]:3260", &a));
	EXPECT_EQ(0, memcmp(a.addr, v6, sizeof(v6)));
}

/* addr: reject every malformed form with EINVAL */
TEST(addr_parse_malformed)
{
	struct iscsi_portal_addr a, before;
	size_t i;

	memset(&before, 0x5a, sizeof(before));
	for (i = 0; i < ARRAY_SIZE(malformed); i++) {
		a = before;
		EXPECT_EQ(-EINVAL, ipl_addr_parse(malformed[i], &a))
			TH_LOG("input \"%s\"", malformed[i]);
		/* The output is left alone on failure. */
		EXPECT_EQ(0, memcmp(&a, &before, sizeof(a)));
	}
	EXPECT_EQ(-EINVAL, ipl_addr_parse(NULL, &a));
	EXPECT_EQ(-EINVAL, ipl_addr_parse("192.0.2.1", NULL));
}

/* addr: unknown interface zone is ENODEV */
TEST(addr_parse_unknown_zone)
{
	struct iscsi_portal_addr a;

	EXPECT_EQ(-ENODEV, ipl_addr_parse("[fe80::1%nosuchif0]:3260", &a));
	/* A name zone on a non-link-local address is malformed either way. */
	EXPECT_EQ(-EINVAL, ipl_addr_parse("[2001:db8::1%nosuchif0]", &a));
}

/* addr: format/parse round trips */
TEST(addr_round_trip)
{
	struct iscsi_portal_addr a, b;
	char buf[IPL_ADDR_STRLEN], again[IPL_ADDR_STRLEN];
	bool ok;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(valid); i++) {
		ok = true;
		EXPECT_EQ(0, ipl_addr_parse(valid[i].in, &a)) ok = false;
		if (!ok)
			continue;
		EXPECT_LT(0, ipl_addr_format(&a, buf, sizeof(buf)));
		EXPECT_EQ(0, ipl_addr_parse(buf, &b));
		EXPECT_TRUE(ipl_addr_equal(&a, &b));
		EXPECT_LT(0, ipl_addr_format(&b, again, sizeof(again)));
		EXPECT_STREQ(buf, again);
	}
}

/* addr: format errors and buffer sizes */
TEST(addr_format_errors)
{
	struct iscsi_portal_addr a, bad;
	const char *canon = "[2001:db8::1]:3260";
	size_t len = strlen(canon);
	char buf[IPL_ADDR_STRLEN];

	EXPECT_EQ(0, ipl_addr_parse(canon, &a));
	EXPECT_EQ((int)len, ipl_addr_format(&a, buf, len + 1));
	EXPECT_STREQ(canon, buf);
	EXPECT_EQ(-ENOSPC, ipl_addr_format(&a, buf, len));
	EXPECT_STREQ("", buf);
	EXPECT_EQ(-ENOSPC, ipl_addr_format(&a, buf, 0));
	EXPECT_EQ(-EINVAL, ipl_addr_format(&a, NULL, 10));
	EXPECT_EQ(-EINVAL, ipl_addr_format(NULL, buf, sizeof(buf)));
	bad = a;
	bad.port = 0;
	EXPECT_EQ(-EINVAL, ipl_addr_format(&bad, buf, sizeof(buf)));
	/* The longest form fits IPL_ADDR_STRLEN. */
	EXPECT_EQ(0, ipl_addr_parse(
		"[fe80:ffff:ffff:ffff:ffff:ffff:255.255.255.255%4294967295]:65535",
		&a));
	EXPECT_LT(0, ipl_addr_format(&a, buf, sizeof(buf)));
}

static const struct {
	uint16_t family;
	uint16_t port;
	uint32_t scope_id;
	const char *text;	/* NULL: all-zero bytes */
	int want;
} validate_cases[] = {
	{ AF_INET, 3260, 0, "192.0.2.1", 0 },
	{ AF_INET, 0, 0, "192.0.2.1", -EINVAL },		/* port 0 */
	{ AF_INET, 3260, 1, "192.0.2.1", -EINVAL },		/* zone */
	{ AF_INET, 3260, 0, "224.0.0.1", -EINVAL },		/* multicast */
	{ AF_INET, 3260, 0, "239.255.255.255", -EINVAL },
	{ AF_INET, 3260, 0, "255.255.255.255", -EINVAL },	/* broadcast */
	{ AF_INET, 3260, 0, "0.0.0.0", 0 },			/* wildcard */
	{ AF_INET6, 3260, 0, "::", 0 },				/* wildcard */
	{ AF_INET6, 3260, 0, "2001:db8::1", 0 },
	{ AF_INET6, 3260, 5, "2001:db8::1", -EINVAL },		/* zone */
	{ AF_INET6, 3260, 0, "fe80::1", -EINVAL },		/* no zone */
	{ AF_INET6, 3260, 5, "fe80::1", 0 },
	{ AF_INET6, 3260, 0, "febf::1", -EINVAL },	/* still fe80::/10 */
	{ AF_INET6, 3260, 0, "fec0::1", 0 },		/* just outside it */
	{ AF_INET6, 3260, 0, "ff02::1", -EINVAL },		/* multicast */
	{ AF_INET6, 3260, 2, "ff02::1", -EINVAL },
	{ 0, 3260, 0, NULL, -EINVAL },
	{ AF_UNIX, 3260, 0, NULL, -EINVAL },
};

/* addr: validator rules */
TEST(addr_validate)
{
	struct iscsi_portal_addr a;
	bool ok;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(validate_cases); i++) {
		memset(&a, 0, sizeof(a));
		a.family = validate_cases[i].family;
		a.port = validate_cases[i].port;
		a.scope_id = validate_cases[i].scope_id;
		if (validate_cases[i].text) {
			ok = true;
			EXPECT_EQ(1, inet_pton(a.family, validate_cases[i].text,
					       a.addr))
				ok = false;
			if (!ok)
				continue;
		}
		EXPECT_EQ(validate_cases[i].want, ipl_addr_validate(&a))
			TH_LOG("case %zu: %s", i, validate_cases[i].text);
	}
	/* IPv4 with a nonzero byte past addr[3]. */
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.port = 3260;
	a.addr[0] = 192;
	a.addr[4] = 1;
	EXPECT_EQ(-EINVAL, ipl_addr_validate(&a));
	EXPECT_EQ(-EINVAL, ipl_addr_validate(NULL));
}

/* addr: equality */
TEST(addr_equal)
{
	struct iscsi_portal_addr a, b;

	EXPECT_EQ(0, ipl_addr_parse("192.0.2.1:3260", &a));
	EXPECT_EQ(0, ipl_addr_parse("192.0.2.1", &b));
	EXPECT_TRUE(ipl_addr_equal(&a, &b));
	EXPECT_EQ(0, ipl_addr_parse("192.0.2.1:3261", &b));
	EXPECT_FALSE(ipl_addr_equal(&a, &b));
	EXPECT_EQ(0, ipl_addr_parse("192.0.2.2:3260", &b));
	EXPECT_FALSE(ipl_addr_equal(&a, &b));
	EXPECT_EQ(0, ipl_addr_parse("[fe80::1%2]", &a));
	EXPECT_EQ(0, ipl_addr_parse("[fe80::1%3]", &b));
	EXPECT_FALSE(ipl_addr_equal(&a, &b));
	/* Never folds spellings: the (refused) IPv4-mapped one differs. */
	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	a.port = 3260;
	EXPECT_EQ(1, inet_pton(AF_INET6, "::ffff:192.0.2.1", a.addr));
	EXPECT_EQ(0, ipl_addr_parse("192.0.2.1", &b));
	EXPECT_FALSE(ipl_addr_equal(&a, &b));
}

#define V4(p, b0, b1, b2, b3) \
	{ .family = AF_INET, .port = (p), .addr = { b0, b1, b2, b3 } }
#define V6(p, scope, ...) \
	{ .family = AF_INET6, .port = (p), .scope_id = (scope), \
	  .addr = { __VA_ARGS__ } }

/*
 * The kernel's verdicts, written out: what ADD refuses with EINVAL
 * (drivers/iscsi_portal/addr_check.h, CONTRACT section 3 and the
 * decisions in Documentation/iscsi_portal.rst), as structs and, where an
 * address has one, as the text a user would type.  ipl_addr_validate() and
 * ipl_addr_parse() must give the same verdict as the module, case by case;
 * the library once kept its own copy of these rules, which had drifted to
 * accept IPv4-mapped IPv6 addresses.
 */
static const struct verdict_case {
	const char *what;
	struct iscsi_portal_addr a;
	const char *text;	/* parses to exactly @a, or is refused; or NULL */
	int want;		/* 0 or -EINVAL */
} verdicts[] = {
	{ "v4", V4(3260, 192, 0, 2, 1), "192.0.2.1:3260", 0 },
	{ "v4 port 1", V4(1, 192, 0, 2, 1), "192.0.2.1:1", 0 },
	{ "v4 port 65535", V4(65535, 192, 0, 2, 1), "192.0.2.1:65535", 0 },
	{ "v4 loopback", V4(3260, 127, 0, 0, 1), "127.0.0.1", 0 },
	{ "v4 wildcard", V4(3260, 0, 0, 0, 0), "0.0.0.0:3260", 0 },
	{ "v4 last below multicast", V4(3260, 223, 255, 255, 255),
	  "223.255.255.255", 0 },
	{ "v4 class E", V4(3260, 240, 0, 0, 1), "240.0.0.1", 0 },
	{ "v4 last below broadcast", V4(3260, 255, 255, 255, 254),
	  "255.255.255.254", 0 },
	{ "v4 port 0", V4(0, 192, 0, 2, 1), "192.0.2.1:0", -EINVAL },
	{ "v4 multicast first", V4(3260, 224, 0, 0, 0), "224.0.0.0", -EINVAL },
	{ "v4 multicast", V4(3260, 224, 0, 0, 1), "224.0.0.1:3260", -EINVAL },
	{ "v4 multicast last", V4(3260, 239, 255, 255, 255),
	  "239.255.255.255", -EINVAL },
	{ "v4 broadcast", V4(3260, 255, 255, 255, 255),
	  "255.255.255.255:3260", -EINVAL },
	{ "v4 with a scope",
	  { .family = AF_INET, .port = 3260, .scope_id = 1,
	    .addr = { 192, 0, 2, 1 } }, "192.0.2.1%1", -EINVAL },
	{ "v4 nonzero addr[4]",
	  { .family = AF_INET, .port = 3260, .addr = { 192, 0, 2, 1, 1 } },
	  NULL, -EINVAL },
	{ "v4 nonzero addr[15]",
	  { .family = AF_INET, .port = 3260,
	    .addr = { 192, 0, 2, 1, [15] = 0x80 } }, NULL, -EINVAL },
	{ "v6", V6(3260, 0, 0x20, 0x01, 0x0d, 0xb8, [15] = 1),
	  "[2001:db8::1]:3260", 0 },
	{ "v6 port 65535", V6(65535, 0, 0x20, 0x01, 0x0d, 0xb8, [15] = 1),
	  "[2001:db8::1]:65535", 0 },
	{ "v6 loopback", V6(3260, 0, [15] = 1), "[::1]", 0 },
	{ "v6 wildcard", V6(3260, 0, 0), "[::]:3260", 0 },
	{ "v6 IPv4-compatible (not mapped)",
	  V6(3260, 0, [12] = 192, 0, 2, 1), "[::192.0.2.1]:3260", 0 },
	{ "v6 ::fffe:c000:201 (not mapped)",
	  V6(3260, 0, [10] = 0xff, 0xfe, 192, 0, 2, 1),
	  "[::fffe:192.0.2.1]:3260", 0 },
	{ "v6 ::1:ffff:c000:201 (not mapped)",
	  V6(3260, 0, [9] = 1, 0xff, 0xff, 192, 0, 2, 1),
	  "[::1:ffff:192.0.2.1]:3260", 0 },
	{ "v6 NAT64 64:ff9b::c000:201",
	  V6(3260, 0, 0x00, 0x64, 0xff, 0x9b, [12] = 192, 0, 2, 1),
	  "[64:ff9b::192.0.2.1]:3260", 0 },
	{ "v6 link-local with scope", V6(3260, 2, 0xfe, 0x80, [15] = 1),
	  "[fe80::1%2]:3260", 0 },
	{ "v6 link-local, last of fe80::/10, with scope",
	  V6(3260, 7, 0xfe, 0xbf, [15] = 1), "[febf::1%7]", 0 },
	{ "v6 link-local scope ~0",
	  V6(3260, 0xffffffff, 0xfe, 0x80, [15] = 1),
	  "[fe80::1%4294967295]", 0 },
	{ "v6 fec0::1, just outside fe80::/10",
	  V6(3260, 0, 0xfe, 0xc0, [15] = 1), "[fec0::1]", 0 },
	{ "v6 port 0", V6(0, 0, 0x20, 0x01, 0x0d, 0xb8, [15] = 1),
	  "[2001:db8::1]:0", -EINVAL },
	{ "v6 link-local without scope", V6(3260, 0, 0xfe, 0x80, [15] = 1),
	  "[fe80::1]:3260", -EINVAL },
	{ "v6 febf::1 without scope", V6(3260, 0, 0xfe, 0xbf, [15] = 1),
	  "[febf::1]", -EINVAL },
	{ "v6 global with scope",
	  V6(3260, 5, 0x20, 0x01, 0x0d, 0xb8, [15] = 1),
	  "[2001:db8::1%5]:3260", -EINVAL },
	{ "v6 fec0::1 with scope", V6(3260, 1, 0xfe, 0xc0, [15] = 1),
	  "[fec0::1%1]", -EINVAL },
	{ "v6 wildcard with scope", V6(3260, 1, 0), "[::%1]", -EINVAL },
	{ "v6 multicast", V6(3260, 0, 0xff, 0x05, [15] = 1), "[ff05::1]",
	  -EINVAL },
	{ "v6 multicast ff00::", V6(3260, 0, 0xff), "[ff00::]", -EINVAL },
	{ "v6 link-local multicast with scope",
	  V6(3260, 2, 0xff, 0x02, [15] = 1), "[ff02::1%2]:3260", -EINVAL },
	{ "v6 IPv4-mapped",
	  V6(3260, 0, [10] = 0xff, 0xff, 192, 0, 2, 1),
	  "[::ffff:192.0.2.1]:3260", -EINVAL },
	{ "v6 IPv4-mapped, bare", V6(3260, 0, [10] = 0xff, 0xff, 192, 0, 2, 1),
	  "::ffff:192.0.2.1", -EINVAL },
	{ "v6 IPv4-mapped wildcard", V6(3260, 0, [10] = 0xff, 0xff),
	  "[::ffff:0.0.0.0]", -EINVAL },
	{ "v6 IPv4-mapped, hex groups",
	  V6(860, 0, [10] = 0xff, 0xff, 0xc0, 0x00, 0x02, 0x01),
	  "[::FFFF:C000:201]:860", -EINVAL },
	{ "family 0", { .family = 0, .port = 3260, .addr = { 192, 0, 2, 1 } },
	  NULL, -EINVAL },
	{ "family AF_UNIX",
	  { .family = AF_UNIX, .port = 3260, .addr = { 192, 0, 2, 1 } },
	  NULL, -EINVAL },
	{ "family 0xffff",
	  { .family = 0xffff, .port = 3260, .addr = { 192, 0, 2, 1 } },
	  NULL, -EINVAL },
};

/* addr: the table above is the kernel's verdicts */
TEST(addr_verdicts_are_the_kernels)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(verdicts); i++) {
		EXPECT_EQ(!verdicts[i].want,
			  iscsi_portal_addr_valid(&verdicts[i].a))
			TH_LOG("%s", verdicts[i].what);
	}
}

/* addr: ipl_addr_validate() gives the kernel's verdicts */
TEST(addr_validate_verdicts)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(verdicts); i++) {
		EXPECT_EQ(verdicts[i].want, ipl_addr_validate(&verdicts[i].a))
			TH_LOG("%s", verdicts[i].what);
	}
}

/* addr: ipl_addr_parse() gives them too, on the text forms */
TEST(addr_parse_verdicts)
{
	struct iscsi_portal_addr a, before;
	size_t i;

	memset(&before, 0x5a, sizeof(before));
	for (i = 0; i < ARRAY_SIZE(verdicts); i++) {
		const struct verdict_case *c = &verdicts[i];

		if (!c->text)
			continue;
		a = before;
		EXPECT_EQ(c->want, ipl_addr_parse(c->text, &a))
			TH_LOG("%s: \"%s\"", c->what, c->text);
		/* Exactly the struct when valid, untouched when not. */
		EXPECT_EQ(0, memcmp(&a, c->want ? &before : &c->a, sizeof(a)))
			TH_LOG("%s: \"%s\"", c->what, c->text);
	}
}

TEST_HARNESS_MAIN
