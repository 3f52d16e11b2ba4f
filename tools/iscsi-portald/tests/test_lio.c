// SPDX-License-Identifier: GPL-2.0
/*
 * lio.c: np names as LIO writes them, the configfs walk, attribute files
 * and the inotify watches, on a fake tree.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "fakefs.h"
#include "iscsiportal.h"

TEST(np_names)
{
	static const char *const good[] = {
		"127.0.0.1:3260", "0.0.0.0:3261", "[::1]:3260", "[::]:3260",
		"[2001:db8::1]:65535", "192.0.2.1:1",
	};
	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:x", "[::1]", "[::1]:",
		"::1:3260", "127.0.0.1:3260:1", "127.0.0.1:0", "127.0.0.1:65536",
		"224.0.0.1:3260", "[::ffff:127.0.0.1]:3260", "a/b:3260", "..",
		"discovery_auth",
	};
	struct iscsi_portal_addr a;
	char buf[IPL_ADDR_STRLEN];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		EXPECT_EQ(0, lio_np_parse(good[i], &a)) TH_LOG("%s", good[i]);
		EXPECT_LT(0, lio_np_format(&a, buf, sizeof(buf)));
		EXPECT_STREQ(good[i], buf);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, lio_np_parse(bad[i], &a)) TH_LOG("%s", bad[i]);
	}
}

TEST(wildcards)
{
	struct iscsi_portal_addr a;

	ASSERT_EQ(0, lio_np_parse("0.0.0.0:3260", &a));
	EXPECT_TRUE(lio_addr_is_wildcard(&a));
	ASSERT_EQ(0, lio_np_parse("[::]:3260", &a));
	EXPECT_TRUE(lio_addr_is_wildcard(&a));
	ASSERT_EQ(0, lio_np_parse("127.0.0.1:3260", &a));
	EXPECT_FALSE(lio_addr_is_wildcard(&a));
}

TEST(scan_walks_every_tpg)
{
	struct pd pd;
	struct np_found *f;
	size_t n;
	char path[600];

	fake_init(&pd);
	/* Nothing at all: no np, no error. */
	ASSERT_EQ(0, lio_scan(fk.root, &f, &n));
	EXPECT_EQ(0U, n);
	free(f);
	fake_np("iqn.a", 1, "127.0.0.1:3260");
	fake_np("iqn.a", 2, "[::1]:3260");
	fake_np("iqn.b", 7, "127.0.0.1:3260");
	fake_np("iqn.b", 7, "not-an-address");
	fake_set_attr("iqn.b", 7, "127.0.0.1:3260", "iser", "1\n");
	/* What LIO has besides: discovery_auth, lio_version, statistics. */
	snprintf(path, sizeof(path), "%s/target/iscsi/discovery_auth", fk.root);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/target/iscsi/iqn.a/fabric_statistics",
		 fk.root);
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, lio_scan(fk.root, &f, &n));
	ASSERT_EQ(3U, n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f[i].loc.target, "iqn.b"))
			continue;
		EXPECT_EQ(7U, f[i].loc.tpgt);
		EXPECT_EQ(2U, f[i].loc.nattrs);
		for (size_t j = 0; j < f[i].loc.nattrs; j++)
			EXPECT_STREQ(strcmp(f[i].loc.attrs[j].name, "iser") ?
				     "0" : "1", f[i].loc.attrs[j].value);
	}
	free(f);
	fake_fini(&pd);
}

TEST(paths)
{
	struct np_loc loc = { .target = "iqn.x", .tpgt = 3,
			      .name = "127.0.0.1:3260" };
	char buf[64];

	ASSERT_EQ(0, lio_np_path("/cfs", &loc, buf, sizeof(buf)));
	EXPECT_STREQ("/cfs/target/iscsi/iqn.x/tpgt_3/np/127.0.0.1:3260", buf);
	ASSERT_EQ(0, lio_tpg_path("/cfs", &loc, buf, sizeof(buf)));
	EXPECT_STREQ("/cfs/target/iscsi/iqn.x/tpgt_3", buf);
	EXPECT_EQ(-ENAMETOOLONG, lio_np_path("/cfs", &loc, buf, 20));
}

TEST(write_attr)
{
	struct pd pd;
	char path[600];

	fake_init(&pd);
	fake_np("iqn.a", 1, "127.0.0.1:3260");
	snprintf(path, sizeof(path), "%s/target/iscsi/iqn.a/tpgt_1/np/127.0.0.1:3260",
		 fk.root);
	EXPECT_EQ(0, lio_write_attr(path, "iser", "1"));
	EXPECT_STREQ("1", fake_attr("iqn.a", 1, "127.0.0.1:3260", "iser"));
	EXPECT_EQ(-ENOENT, lio_write_attr(path, "nope/x", "1"));
	fake_fini(&pd);
}

/* The watches see a target, a TPG and an np appear, then the np go. */
TEST(watches_follow_the_tree)
{
	struct pd pd;
	char path[600], buf[4096];
	struct pollfd p;
	int ifd;

	fake_init(&pd);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LE(0, ifd);
	ASSERT_EQ(0, lio_watch(ifd, fk.root));
	snprintf(path, sizeof(path), "%s/target", fk.root);
	ASSERT_EQ(0, mkdir(path, 0755));
	p = (struct pollfd){ .fd = ifd, .events = POLLIN };
	EXPECT_EQ(1, poll(&p, 1, 1000));
	while (read(ifd, buf, sizeof(buf)) > 0)
		;
	fake_np("iqn.a", 1, "127.0.0.1:3260");
	ASSERT_EQ(0, lio_watch(ifd, fk.root));
	while (read(ifd, buf, sizeof(buf)) > 0)
		;
	fake_np("iqn.a", 1, "127.0.0.1:3261");
	EXPECT_EQ(1, poll(&p, 1, 1000));
	while (read(ifd, buf, sizeof(buf)) > 0)
		;
	fake_np_rm("iqn.a", 1, "127.0.0.1:3260");
	EXPECT_EQ(1, poll(&p, 1, 1000));
	close(ifd);
	fake_fini(&pd);
}

/* lio_watch() watches each np for writes of its attributes. */
TEST(watches_see_attribute_writes)
{
	struct pd pd;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev = (const void *)buf;
	ssize_t len;
	int ifd;

	fake_init(&pd);
	fake_np("iqn.a", 1, "127.0.0.1:3260");
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LE(0, ifd);
	ASSERT_EQ(0, lio_watch(ifd, fk.root));
	EXPECT_EQ(-1, read(ifd, buf, sizeof(buf)));
	fake_set_attr("iqn.a", 1, "127.0.0.1:3260", "iser", "1\n");
	len = read(ifd, buf, sizeof(buf));
	ASSERT_LT((ssize_t)sizeof(*ev), len);
	EXPECT_EQ((uint32_t)IN_MODIFY, ev->mask & IN_MODIFY);
	EXPECT_STREQ("iser", ev->name);
	close(ifd);
	fake_fini(&pd);
}

TEST_HARNESS_MAIN
