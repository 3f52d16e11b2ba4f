// SPDX-License-Identifier: GPL-2.0
/*
 * state.c: the state file round-trips; a truncated, corrupt or
 * other-version file is refused, and the daemon exits 3 naming the file
 * before it touches anything.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"
#include "fakefs.h"
#include "iscsiportal.h"

#define T1	"iqn.2003-01.org.example:t1"

/* A held portal in two TPGs, and one online. */
static void two_portals(struct pd *pd)
{
	struct iscsi_portal_addr a;

	fake_init(pd);
	fake_np(T1, 1, "127.0.0.1:3260");
	fake_np(T1, 1, "[::1]:3261");
	fake_np(T1 "x", 2, "[::1]:3261");
	fake_set_attr(T1, 1, "[::1]:3261", "iser", "1\n");
	if (pd_sync(pd, true) || ipl_addr_parse("[::1]:3261", &a) ||
	    pd_set_status(pd, pd_find_addr(pd, &a)->id,
			  ISCSI_PORTAL_STATUS_ONLINE,
			  ISCSI_PORTAL_STATUS_OFFLINE, 0))
		abort();
}

TEST(round_trip)
{
	struct pd pd, back = { 0 };
	char *text, *again;
	char why[256];

	two_portals(&pd);
	text = pd_state_format(&pd);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, pd_state_parse(&back, text, strlen(text), why,
				    sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(2U, back.nportals);
	for (size_t i = 0; i < 2; i++) {
		const struct portal *p = pd.portals[i], *q = back.portals[i];

		EXPECT_TRUE(ipl_addr_equal(&p->addr, &q->addr));
		EXPECT_EQ(p->id, q->old_id);
		EXPECT_EQ(p->held, q->held);
		if (!q->held)
			continue;
		ASSERT_EQ(2U, q->nlocs);
		for (size_t j = 0; j < 2; j++) {
			EXPECT_STREQ(p->locs[j].target, q->locs[j].target);
			EXPECT_EQ(p->locs[j].tpgt, q->locs[j].tpgt);
			EXPECT_STREQ("[::1]:3261", q->locs[j].name);
			EXPECT_EQ(2U, q->locs[j].nattrs);
		}
	}
	/* Formatting what was parsed gives the same text (ids come along). */
	back.portals[0]->id = back.portals[0]->old_id;
	back.portals[1]->id = back.portals[1]->old_id;
	again = pd_state_format(&back);
	EXPECT_STREQ(text, again);
	free(again);
	free(text);
	pd_free(&back);
	fake_fini(&pd);
}

TEST(every_truncation_refused)
{
	struct pd pd;
	char *text;
	size_t len, end;
	char why[256];

	two_portals(&pd);
	text = pd_state_format(&pd);
	ASSERT_NE(NULL, text);
	len = strlen(text);
	end = strrchr(text, '}') - text;
	for (size_t n = 0; n <= end; n++) {
		struct pd back = { 0 };

		EXPECT_NE(0, pd_state_parse(&back, text, n, why, sizeof(why)))
			TH_LOG("prefix of %zu bytes accepted", n);
		EXPECT_EQ(0U, back.nportals);
	}
	(void)len;
	free(text);
	fake_fini(&pd);
}

TEST(corrupt_refused)
{
	static const char *const bad[] = {
		"[]",
		"{\"portals\": []}",
		"{\"version\": 1}",
		"{\"version\": 1, \"portals\": {}}",
		"{\"version\": 1, \"portals\": [{\"address\": \"x\", \"id\": 1, \"offline\": false}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"offline\": false}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": 1, \"offline\": true}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": 1, \"offline\": false},"
		" {\"address\": \"127.0.0.1:3260\", \"id\": 2, \"offline\": false}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": 1, \"offline\": true,"
		" \"nps\": [{\"target\": \"../x\", \"tpgt\": 1, \"name\": \"127.0.0.1:3260\", \"attributes\": {}}]}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": 1, \"offline\": true,"
		" \"nps\": [{\"target\": \"t\", \"tpgt\": 1, \"name\": \"127.0.0.2:3260\", \"attributes\": {}}]}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": 1, \"offline\": true,"
		" \"nps\": [{\"target\": \"t\", \"tpgt\": 70000, \"name\": \"127.0.0.1:3260\", \"attributes\": {}}]}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": 1, \"offline\": true,"
		" \"nps\": [{\"target\": \"t\", \"tpgt\": 1, \"name\": \"127.0.0.1:3260\", \"attributes\": {\"iser\": 1}}]}]}",
		/* Numbers the JSON reader takes, the state file does not. */
		"{\"version\": 1.0, \"portals\": []}",
		"{\"version\": \"1\", \"portals\": []}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": -1, \"offline\": false}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": 1.5, \"offline\": false}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": 18446744073709551616, \"offline\": false}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": 1, \"offline\": true,"
		" \"nps\": [{\"target\": \"t\", \"tpgt\": \"1\", \"name\": \"127.0.0.1:3260\", \"attributes\": {}}]}]}",
		"{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:3260\", \"id\": 1, \"offline\": true,"
		" \"nps\": [{\"target\": \"t\", \"tpgt\": -1, \"name\": \"127.0.0.1:3260\", \"attributes\": {}}]}]}",
	};
	char why[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pd back = { 0 };

		EXPECT_EQ(-EUCLEAN, pd_state_parse(&back, bad[i], strlen(bad[i]),
						   why, sizeof(why)))
			TH_LOG("accepted: %s", bad[i]);
		EXPECT_EQ(0U, back.nportals);
	}
}

/* A refusal names the line and column of the value at fault. */
TEST(refusal_says_where)
{
	static const char text[] =
		"{\"version\": 1, \"portals\": [\n"
		"  {\"address\": \"127.0.0.1:3260\", \"id\": 1, \"offline\": true,\n"
		"   \"nps\": [{\"target\": \"t\", \"tpgt\": 70000,\n"
		"            \"name\": \"127.0.0.1:3260\", \"attributes\": {}}]}]}";
	struct pd back = { 0 };
	char why[256];

	EXPECT_EQ(-EUCLEAN, pd_state_parse(&back, text, strlen(text), why,
					   sizeof(why)));
	EXPECT_STREQ("line 3, column 36: tpgt is not an integer 0-65535", why);
	EXPECT_EQ(0U, back.nportals);
}

TEST(other_version_refused)
{
	static const char text[] = "{\"version\": 2, \"portals\": []}";
	struct pd back = { 0 };
	char why[256];

	EXPECT_EQ(-EPROTO, pd_state_parse(&back, text, strlen(text), why,
					  sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "version 2"));
}

TEST(unknown_members_ignored)
{
	static const char text[] =
		"{\"version\": 1, \"comment\": \"x\", \"portals\": [{\"address\": "
		"\"127.0.0.1:3260\", \"id\": 4, \"offline\": false, \"new\": [1]}]}";
	struct pd back = { 0 };
	char why[256];

	ASSERT_EQ(0, pd_state_parse(&back, text, strlen(text), why,
				    sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(4U, back.portals[0]->old_id);
	pd_free(&back);
}

TEST(missing_file_is_empty_state_empty_file_refused)
{
	struct pd pd;
	char why[256];
	FILE *f;

	fake_init(&pd);
	EXPECT_EQ(0, pd_state_load(&pd, why, sizeof(why)));
	EXPECT_EQ(0U, pd.nportals);
	f = fopen(fk.state_path, "w");
	ASSERT_NE(NULL, f);
	fclose(f);
	EXPECT_EQ(-EUCLEAN, pd_state_load(&pd, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "truncated"));
	fake_fini(&pd);
}

TEST(save_is_atomic_and_leaves_no_temp)
{
	struct pd pd;
	char tmp[400];
	FILE *f;

	two_portals(&pd);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fk.state_path);
	f = fopen(tmp, "r");
	EXPECT_EQ(NULL, f);
	if (f)
		fclose(f);
	f = fopen(fk.state_path, "r");
	ASSERT_NE(NULL, f);
	fclose(f);
	fake_fini(&pd);
}

/* The daemon itself: exit 3, the file named, the device never opened. */
TEST(daemon_refuses_a_corrupt_state_file)
{
	struct pd pd;
	char cmd[1200], out[600];
	FILE *f;
	int st;

	fake_init(&pd);
	fake_np(T1, 1, "127.0.0.1:3260");
	f = fopen(fk.state_path, "w");
	ASSERT_NE(NULL, f);
	fputs("{\"version\": 1, \"portals\": [{\"address\": \"127.0.0.1:32", f);
	fclose(f);
	snprintf(out, sizeof(out), "%s/log", fk.state_dir);
	snprintf(cmd, sizeof(cmd),
		 "./iscsi-portald --foreground --state-dir %s --configfs %s "
		 "--device /nonexistent 2>%s", fk.state_dir, fk.root, out);
	st = system(cmd);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(PD_EXIT_STATE, WEXITSTATUS(st));
	f = fopen(out, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(cmd, sizeof(cmd), f));
	fclose(f);
	EXPECT_NE(NULL, strstr(cmd, fk.state_path)) TH_LOG("%s", cmd);
	EXPECT_NE(NULL, strstr(cmd, "truncated")) TH_LOG("%s", cmd);
	EXPECT_TRUE(fake_np_exists(T1, 1, "127.0.0.1:3260"));
	unlink(out);
	fake_fini(&pd);
}

TEST(daemon_usage_and_missing_device)
{
	struct pd pd;
	char cmd[1200];
	int st;

	fake_init(&pd);
	st = system("./iscsi-portald --bogus 2>/dev/null");
	EXPECT_EQ(PD_EXIT_USAGE, WEXITSTATUS(st));
	snprintf(cmd, sizeof(cmd),
		 "./iscsi-portald -f --state-dir %s --configfs %s "
		 "--device /nonexistent 2>/dev/null", fk.state_dir, fk.root);
	st = system(cmd);
	EXPECT_EQ(PD_EXIT_FAIL, WEXITSTATUS(st));
	fake_fini(&pd);
}

TEST_HARNESS_MAIN
