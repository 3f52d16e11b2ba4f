// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of iscsi-portald (core.c) on a fake configfs tree and a fake
 * table: import, OFFLINE from every TPG with the state file first, ONLINE
 * with attributes and rollback, the real errno of a failed mkdir, drop
 * sessions, held portals across a restart, REFRESH and health.
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

#define T1	"iqn.2003-01.org.example:t1"
#define T2	"iqn.2003-01.org.example:t2"
#define A0	"127.0.0.1:3260"
#define A1	"127.0.0.1:3261"
#define ONLINE	((uint32_t)ISCSI_PORTAL_STATUS_ONLINE)
#define OFFLINE	((uint32_t)ISCSI_PORTAL_STATUS_OFFLINE)
#define FAILED	((uint32_t)ISCSI_PORTAL_STATUS_FAILED)

/* The layout: two portals in T1's TPG, A1 shared with T2. */
static void layout(struct pd *pd)
{
	fake_init(pd);
	fake_np(T1, 1, A0);
	fake_np(T1, 1, A1);
	fake_np(T2, 1, A1);
}

static uint64_t id_of(const char *addr)
{
	struct fake_portal *p = fake_find(addr);

	return p ? p->id : 0;
}

static uint32_t status_of(const char *addr)
{
	struct fake_portal *p = fake_find(addr);

	return p ? p->status : 0xdead;
}

static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	buf[0] = '\0';
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

TEST(import_one_portal_per_address)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	EXPECT_EQ(2U, fk.n);
	EXPECT_EQ(ONLINE, status_of(A0));
	EXPECT_EQ(ONLINE, status_of(A1));
	ASSERT_EQ(2U, pd.nportals);
	EXPECT_EQ(2U, pd_find_id(&pd, id_of(A1))->nlocs);
	/* A second import changes nothing. */
	EXPECT_EQ(0, pd_sync(&pd, false));
	EXPECT_EQ(2U, fk.n);
	fake_fini(&pd);
}

TEST(import_nonlocal_address_is_failed)
{
	struct pd pd;

	fake_init(&pd);
	fake_np(T1, 1, "192.0.2.1:3263");
	fake_np(T1, 1, "0.0.0.0:3264");
	fake_set_local("192.0.2.1:3263", false);
	fake_set_local("0.0.0.0:3264", false);	/* wildcards are local */
	ASSERT_EQ(0, pd_sync(&pd, true));
	EXPECT_EQ(FAILED, status_of("192.0.2.1:3263"));
	EXPECT_EQ(ONLINE, status_of("0.0.0.0:3264"));
	/* The address comes back: ONLINE again. */
	fake_set_local("192.0.2.1:3263", true);
	pd_health(&pd);
	EXPECT_EQ(ONLINE, status_of("192.0.2.1:3263"));
	fake_set_local("192.0.2.1:3263", false);
	pd_health(&pd);
	EXPECT_EQ(FAILED, status_of("192.0.2.1:3263"));
	fake_fini(&pd);
}

TEST(offline_takes_the_np_out_of_every_tpg_state_first)
{
	struct pd pd;
	const char *st;

	layout(&pd);
	fake_set_attr(T2, 1, A1, "iser", "1\n");
	ASSERT_EQ(0, pd_sync(&pd, true));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), ONLINE, OFFLINE, 0));
	EXPECT_FALSE(fake_np_exists(T1, 1, A1));
	EXPECT_FALSE(fake_np_exists(T2, 1, A1));
	EXPECT_TRUE(fake_np_exists(T1, 1, A0));
	EXPECT_EQ(0U, fk.drops);
	st = slurp(fk.state_path);
	EXPECT_NE(NULL, strstr(st, "\"offline\": true"));
	EXPECT_NE(NULL, strstr(st, T2));
	EXPECT_NE(NULL, strstr(st, "\"iser\": \"1\""));
	/* LIO's inotify events come: a held portal is not removed. */
	EXPECT_EQ(0, pd_sync(&pd, false));
	EXPECT_NE(NULL, fake_find(A1));
	EXPECT_EQ(2U, pd.nportals);

	/* ONLINE: back in both, with the attribute as it was. */
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A1));
	EXPECT_TRUE(fake_np_exists(T2, 1, A1));
	EXPECT_STREQ("1", fake_attr(T2, 1, A1, "iser"));
	EXPECT_STREQ("0\n", fake_attr(T1, 1, A1, "iser"));
	EXPECT_EQ(NULL, strstr(slurp(fk.state_path), "\"offline\": true"));
	fake_fini(&pd);
}

/*
 * The attribute files read and written on @ifd since the last call, as
 * "r:a,w:a,w:b," (reads only where the watch asked for IN_ACCESS).
 */
static const char *writes_seen(int ifd)
{
	static char names[256];
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	names[0] = '\0';
	while ((len = read(ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const void *)p;

			p += sizeof(*ev) + ev->len;
			if (!(ev->mask & (IN_ACCESS | IN_MODIFY)) || !ev->len ||
			    strlen(names) > sizeof(names) - 80)
				continue;
			strcat(names, ev->mask & IN_ACCESS ? "r:" : "w:");
			strncat(names, ev->name,
				sizeof(names) - strlen(names) - 4);
			strcat(names, ",");
		}
	}
	return names;
}

/*
 * ONLINE writes only the attributes whose saved value is not what a new
 * np has (iser and cxgbit "0"; fk.writes_ifd sees every write after the
 * mkdir), then watches the np it made (pd.ifd): its own writes do not
 * reach that watch, a later write by hand does.
 */
TEST(online_writes_only_the_attributes_that_differ)
{
	struct pd pd;
	int ifd, wfd;

	layout(&pd);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	wfd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LT(0, ifd);
	ASSERT_LT(0, wfd);
	pd.ifd = ifd;
	fake_set_attr(T2, 1, A1, "iser", "1\n");
	ASSERT_EQ(0, pd_sync(&pd, true));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), ONLINE, OFFLINE, 0));
	fk.writes_ifd = wfd;
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	/*
	 * T1's np: nothing read or written (its values are a new np's);
	 * T2's: iser alone, read (1 is no default) and written.
	 */
	EXPECT_STREQ("r:iser,w:iser,", writes_seen(wfd));
	EXPECT_STREQ("", writes_seen(ifd));
	EXPECT_STREQ("1", fake_attr(T2, 1, A1, "iser"));
	EXPECT_STREQ("0\n", fake_attr(T2, 1, A1, "cxgbit"));
	/* A write by hand on the re-created np reaches the daemon's watch. */
	fake_set_attr(T1, 1, A1, "cxgbit", "1\n");
	EXPECT_STREQ("w:cxgbit,", writes_seen(ifd));
	close(wfd);
	close(ifd);
	fake_fini(&pd);
}

/* Read @ifd once and classify the batch as the daemon's loop does. */
static const char *batch_of(struct pd *pd, int ifd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len = read(ifd, buf, sizeof(buf));
	const char *why = len > 0 ? pd_inotify_batch(pd, buf, len) : NULL;

	pd_expect_clear(pd);
	return why;
}

/*
 * The chain that lets OFFLINE trust the portal's list: an attribute
 * written by hand is an event of the np's watch, the batch calls for an
 * import, and the import puts the value in the list; the daemon's own
 * mkdir and rmdir are echoes that call for none.  An attribute the
 * re-created np does not have is skipped, and ONLINE succeeds.
 */
TEST(attribute_written_by_hand_is_imported_and_saved)
{
	struct pd pd;
	int ifd;

	layout(&pd);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LT(0, ifd);
	pd.ifd = ifd;
	ASSERT_EQ(0, pd_import(&pd, true));
	EXPECT_FALSE(pd.attrs_stale);
	fake_set_attr(T1, 1, A0, "iser", "1\n");
	fake_set_attr(T1, 1, A0, "gone_in_this_lio", "1\n");
	EXPECT_STREQ("an attribute written", batch_of(&pd, ifd));
	ASSERT_EQ(0, pd_import(&pd, false));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A0), ONLINE, OFFLINE, 0));
	EXPECT_NE(NULL, strstr(slurp(fk.state_path), "\"iser\": \"1\""));
	EXPECT_EQ(NULL, batch_of(&pd, ifd));		/* the rmdir's echo */
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A0), OFFLINE, ONLINE, 0));
	EXPECT_EQ(NULL, batch_of(&pd, ifd));		/* the mkdir's */
	EXPECT_STREQ("1", fake_attr(T1, 1, A0, "iser"));
	EXPECT_TRUE(fake_np_exists(T1, 1, A0));
	/* An np made by hand is no echo. */
	fake_np(T2, 1, A0);
	EXPECT_STREQ("a directory made or removed", batch_of(&pd, ifd));
	close(ifd);
	fake_fini(&pd);
}

/*
 * Without its watches (here an fd that is no inotify one: every watch
 * fails) the daemon cannot see an attribute written by hand, so OFFLINE
 * reads the attributes afresh; an import with its watches in place trusts
 * the list again.
 */
TEST(offline_reads_attributes_when_a_watch_failed)
{
	struct pd pd;
	int pipefd[2], ifd;

	layout(&pd);
	ASSERT_EQ(0, pipe(pipefd));
	pd.ifd = pipefd[0];
	EXPECT_EQ(0, pd_import(&pd, true));	/* the table is in line */
	ASSERT_NE(0U, pd.nportals);
	EXPECT_TRUE(pd.attrs_stale);
	fake_set_attr(T2, 1, A1, "iser", "1\n");	/* no event, no import */
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), ONLINE, OFFLINE, 0));
	EXPECT_NE(NULL, strstr(slurp(fk.state_path), "\"iser\": \"1\""));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	EXPECT_STREQ("1", fake_attr(T2, 1, A1, "iser"));
	/* Watches back: the list is trusted again. */
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LT(0, ifd);
	pd.ifd = ifd;
	EXPECT_EQ(0, pd_import(&pd, false));
	EXPECT_FALSE(pd.attrs_stale);
	close(ifd);
	close(pipefd[0]);
	close(pipefd[1]);
	fake_fini(&pd);
}

/*
 * An np back already in one of its TPGs (made by hand) counts as there:
 * ONLINE succeeds; and when ONLINE fails in another TPG, its rollback
 * leaves that np alone (it did not make it).
 */
TEST(online_finds_an_np_back_already)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), ONLINE, OFFLINE, 0));
	fake_np(T1, 1, A1);
	fk.mkdir_fail_at = 2;		/* T1's is EEXIST, T2's fails */
	fk.mkdir_err = -EINVAL;
	EXPECT_EQ(-EINVAL, pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A1));
	EXPECT_FALSE(fake_np_exists(T2, 1, A1));
	EXPECT_TRUE(pd_find_id(&pd, id_of(A1))->held);
	fk.mkdir_fail_at = 0;
	EXPECT_EQ(0, pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A1));
	EXPECT_TRUE(fake_np_exists(T2, 1, A1));
	EXPECT_FALSE(pd_find_id(&pd, id_of(A1))->held);
	fake_fini(&pd);
}

/* A full queue's IN_Q_OVERFLOW (wd -1, no name) calls for an import. */
TEST(inotify_overflow_is_an_import)
{
	struct inotify_event ev = { .wd = -1, .mask = IN_Q_OVERFLOW };
	struct pd pd;

	fake_init(&pd);
	EXPECT_STREQ("events lost, the inotify queue overflowed",
		     pd_inotify_batch(&pd, &ev, sizeof(ev)));
	fake_fini(&pd);
}

/* The watch ONLINE puts on the np it made fails: attributes untrusted. */
TEST(online_watch_failure_makes_attributes_stale)
{
	struct pd pd;
	int pipefd[2], ifd;

	layout(&pd);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LT(0, ifd);
	ASSERT_EQ(0, pipe(pipefd));
	pd.ifd = ifd;
	ASSERT_EQ(0, pd_import(&pd, true));
	ASSERT_FALSE(pd.attrs_stale);
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A0), ONLINE, OFFLINE, 0));
	pd.ifd = pipefd[0];
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A0), OFFLINE, ONLINE, 0));
	EXPECT_TRUE(pd.attrs_stale);
	close(pipefd[0]);
	close(pipefd[1]);
	close(ifd);
	fake_fini(&pd);
}

/*
 * Without its watches the daemon cannot see a TPG made by hand that has
 * the portal's np: OFFLINE walks LIO and takes the np out of that one too,
 * and ONLINE puts it back there.
 */
TEST(offline_with_stale_list_finds_every_tpg)
{
	struct pd pd;
	int pipefd[2];

	layout(&pd);
	ASSERT_EQ(0, pipe(pipefd));
	pd.ifd = pipefd[0];
	ASSERT_EQ(0, pd_import(&pd, true));
	ASSERT_TRUE(pd.attrs_stale);
	fake_np(T2, 2, A0);			/* no event, no import */
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A0), ONLINE, OFFLINE, 0));
	EXPECT_FALSE(fake_np_exists(T1, 1, A0));
	EXPECT_FALSE(fake_np_exists(T2, 2, A0));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A0), OFFLINE, ONLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A0));
	EXPECT_TRUE(fake_np_exists(T2, 2, A0));
	close(pipefd[0]);
	close(pipefd[1]);
	fake_fini(&pd);
}

/*
 * An OFFLINE that fails midway and cannot put back an np it took out
 * keeps the portal held (the state file says so, with every TPG): an
 * ONLINE then puts back what is missing.
 */
TEST(offline_undo_that_cannot_restore_stays_held)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	/* The second rmdir fails, and putting the first np back too. */
	fk.rmdir_fail_at = 2;
	fk.rmdir_err = -EBUSY;
	fk.mkdir_fail_at = 1;
	fk.mkdir_err = -ENOMEM;
	EXPECT_EQ(-EBUSY, pd_set_status(&pd, id_of(A1), ONLINE, OFFLINE, 0));
	/* Which TPG comes first is the walk's (readdir) order. */
	EXPECT_EQ(1, fake_np_exists(T1, 1, A1) + fake_np_exists(T2, 1, A1));
	EXPECT_TRUE(pd_find_id(&pd, id_of(A1))->held);
	EXPECT_NE(NULL, strstr(slurp(fk.state_path), "\"offline\": true"));
	EXPECT_NE(NULL, strstr(slurp(fk.state_path), T2));
	fk.rmdir_fail_at = fk.mkdir_fail_at = 0;
	EXPECT_EQ(0, pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A1));
	EXPECT_TRUE(fake_np_exists(T2, 1, A1));
	EXPECT_FALSE(pd_find_id(&pd, id_of(A1))->held);
	fake_fini(&pd);
}

/*
 * The state directory's fsync fails after the rename (the new file is in
 * place, a crash may bring the old one back).  OFFLINE fails with EIO and
 * says online again (LIO untouched); ONLINE succeeds: a held file coming
 * back would only take the np out again at the next start.
 */
TEST(a_save_that_is_not_durable)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	fk.sync_fail = 1;
	EXPECT_EQ(-EIO, pd_set_status(&pd, id_of(A0), ONLINE, OFFLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A0));
	EXPECT_FALSE(pd_find_id(&pd, id_of(A0))->held);
	EXPECT_EQ(NULL, strstr(slurp(fk.state_path), "\"offline\": true"));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A0), ONLINE, OFFLINE, 0));
	fk.sync_fail = 1;
	EXPECT_EQ(0, pd_set_status(&pd, id_of(A0), OFFLINE, ONLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A0));
	EXPECT_FALSE(pd_find_id(&pd, id_of(A0))->held);
	EXPECT_EQ(NULL, strstr(slurp(fk.state_path), "\"offline\": true"));
	fake_fini(&pd);
}

TEST(offline_failure_midway_restores_and_fails)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	fk.rmdir_fail_at = 2;
	fk.rmdir_err = -EBUSY;
	EXPECT_EQ(-EBUSY, pd_set_status(&pd, id_of(A1), ONLINE, OFFLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A1));
	EXPECT_TRUE(fake_np_exists(T2, 1, A1));
	EXPECT_FALSE(pd_find_id(&pd, id_of(A1))->held);
	EXPECT_EQ(NULL, strstr(slurp(fk.state_path), "\"offline\": true"));
	fake_fini(&pd);
}

TEST(offline_fails_when_the_state_cannot_be_written)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	/* The state directory removed under the daemon: OFFLINE fails. */
	ASSERT_EQ(0, unlink(fk.state_path));
	ASSERT_EQ(0, rmdir(fk.state_dir));
	EXPECT_EQ(-ENOENT, pd_set_status(&pd, id_of(A0), ONLINE, OFFLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A0));
	EXPECT_FALSE(pd_find_id(&pd, id_of(A0))->held);
	/* Made again (a new one at that path): the next save goes there. */
	ASSERT_EQ(0, mkdir(fk.state_dir, 0755));
	EXPECT_EQ(0, pd_set_status(&pd, id_of(A0), ONLINE, OFFLINE, 0));
	EXPECT_FALSE(fake_np_exists(T1, 1, A0));
	EXPECT_NE(NULL, strstr(slurp(fk.state_path), "\"offline\": true"));
	fake_fini(&pd);
}

TEST(online_failure_rolls_back_with_the_real_errno)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), ONLINE, OFFLINE, 0));
	/* LIO's mkdir says EINVAL; the probe bind finds the port in use. */
	fk.mkdir_fail_at = 2;
	fk.mkdir_err = -EINVAL;
	fk.probe_err = -EADDRINUSE;
	EXPECT_EQ(-EADDRINUSE,
		  pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	EXPECT_FALSE(fake_np_exists(T1, 1, A1));
	EXPECT_FALSE(fake_np_exists(T2, 1, A1));
	EXPECT_TRUE(pd_find_id(&pd, id_of(A1))->held);
	EXPECT_NE(NULL, strstr(slurp(fk.state_path), "\"offline\": true"));
	/* A probe that binds: EINVAL stays. */
	fk.mkdirs = 0;
	fk.probe_err = 0;
	EXPECT_EQ(-EINVAL, pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	/* Then it works. */
	fk.mkdir_fail_at = 0;
	EXPECT_EQ(0, pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	EXPECT_TRUE(fake_np_exists(T2, 1, A1));
	fake_fini(&pd);
}

TEST(drop_sessions_after_the_rmdir_and_its_failure)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	EXPECT_EQ(0, pd_set_status(&pd, id_of(A0), ONLINE, OFFLINE,
				   ISCSI_PORTAL_SET_DROP_SESSIONS));
	EXPECT_EQ(1U, fk.drops);
	EXPECT_FALSE(fake_np_exists(T1, 1, A0));
	/* A failure puts the np back and fails the SET. */
	fk.drop_err = -EOPNOTSUPP;
	EXPECT_EQ(-EOPNOTSUPP, pd_set_status(&pd, id_of(A1), ONLINE, OFFLINE,
					     ISCSI_PORTAL_SET_DROP_SESSIONS));
	EXPECT_TRUE(fake_np_exists(T1, 1, A1));
	EXPECT_TRUE(fake_np_exists(T2, 1, A1));
	EXPECT_FALSE(pd_find_id(&pd, id_of(A1))->held);
	fake_fini(&pd);
}

TEST(np_removed_by_hand_removes_its_portal)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	fake_np_rm(T2, 1, A1);
	ASSERT_EQ(0, pd_sync(&pd, false));
	EXPECT_NE(NULL, fake_find(A1));		/* still in T1 */
	fake_np_rm(T1, 1, A1);
	ASSERT_EQ(0, pd_sync(&pd, false));
	EXPECT_EQ(NULL, fake_find(A1));
	EXPECT_EQ(1U, pd.nportals);
	/* A new np by hand: a new portal. */
	fake_np(T2, 1, "[::1]:3262");
	ASSERT_EQ(0, pd_sync(&pd, false));
	EXPECT_EQ(ONLINE, status_of("[::1]:3262"));
	fake_fini(&pd);
}

TEST(busy_table_is_retried)
{
	struct pd pd;

	layout(&pd);
	fk.busy = 1;
	ASSERT_EQ(0, pd_sync(&pd, true));
	EXPECT_TRUE(pd.retry);
	EXPECT_EQ(0U, fk.n);
	fk.busy = 0;
	ASSERT_EQ(0, pd_sync(&pd, false));
	EXPECT_FALSE(pd.retry);
	EXPECT_EQ(2U, fk.n);
	fake_fini(&pd);
}

/* kill -9 while OFFLINE, LIO's configuration restored, a new daemon. */
TEST(held_offline_across_restart_and_restore)
{
	struct pd pd, pd2;
	char why[256];
	uint64_t id;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	id = id_of(A1);
	ASSERT_EQ(0, pd_set_status(&pd, id, ONLINE, OFFLINE, 0));
	/* The daemon dies: its portals are orphans. */
	fake_orphan_all();
	pd_free(&pd);
	/* A boot's restore brings the np back in both targets. */
	fake_np(T1, 1, A1);
	fake_np(T2, 1, A1);

	fake_daemon(&pd2);
	ASSERT_EQ(0, pd_state_load(&pd2, why, sizeof(why)));
	ASSERT_EQ(0, pd_sync(&pd2, true));
	EXPECT_FALSE(fake_np_exists(T1, 1, A1));
	EXPECT_FALSE(fake_np_exists(T2, 1, A1));
	EXPECT_EQ(id, id_of(A1));		/* adopted */
	EXPECT_EQ(OFFLINE, status_of(A1));
	EXPECT_FALSE(fake_find(A1)->orphan);
	EXPECT_EQ(ONLINE, status_of(A0));
	EXPECT_EQ(2U, fk.n);
	/* And ONLINE puts it back in both. */
	EXPECT_EQ(0, pd_set_status(&pd2, id, OFFLINE, ONLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A1));
	EXPECT_TRUE(fake_np_exists(T2, 1, A1));
	fake_fini(&pd2);
}

TEST(restart_removes_own_orphans_whose_np_is_gone)
{
	struct pd pd, pd2;
	char why[256];

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	fake_orphan_all();
	pd_free(&pd);
	fake_np_rm(T1, 1, A0);

	fake_daemon(&pd2);
	ASSERT_EQ(0, pd_state_load(&pd2, why, sizeof(why)));
	ASSERT_EQ(0, pd_sync(&pd2, true));
	EXPECT_EQ(NULL, fake_find(A0));
	EXPECT_EQ(ONLINE, status_of(A1));
	EXPECT_EQ(1U, pd2.nportals);
	fake_fini(&pd2);
}

TEST(refresh_reports_what_lio_has)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A0), ONLINE, OFFLINE, 0));
	fake_find(A0)->status = OFFLINE;	/* the table commits */
	/* A1 gone from one of its TPGs, not yet seen by inotify. */
	fake_np_rm(T2, 1, A1);
	ASSERT_EQ(0, pd_refresh(&pd));
	EXPECT_EQ(FAILED, status_of(A1));
	EXPECT_EQ(OFFLINE, status_of(A0));
	/* The next import takes T2 off its list: ONLINE again. */
	ASSERT_EQ(0, pd_sync(&pd, false));
	EXPECT_EQ(ONLINE, status_of(A1));
	fake_fini(&pd);
}

TEST(set_errors)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	EXPECT_EQ(-ENXIO, pd_set_status(&pd, 999, ONLINE, OFFLINE, 0));
	EXPECT_EQ(-EOPNOTSUPP, pd_set_status(&pd, id_of(A0), ONLINE,
					     ISCSI_PORTAL_STATUS_NOT_READY, 0));
	/* FAILED -> ONLINE of an address that is not local. */
	fake_set_local(A0, false);
	EXPECT_EQ(-EADDRNOTAVAIL,
		  pd_set_status(&pd, id_of(A0), FAILED, ONLINE, 0));
	fake_fini(&pd);
}

TEST(online_skips_a_tpg_that_is_gone)
{
	struct pd pd;
	char path[600];

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), ONLINE, OFFLINE, 0));
	snprintf(path, sizeof(path), "%s/target/iscsi/%s/tpgt_1/np", fk.root,
		 T2);
	ASSERT_EQ(0, rmdir(path));
	snprintf(path, sizeof(path), "%s/target/iscsi/%s/tpgt_1", fk.root, T2);
	ASSERT_EQ(0, rmdir(path));
	EXPECT_EQ(0, pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A1));
	fake_fini(&pd);
}

/* OFFLINE of a portal whose np went by hand, before inotify said so. */
TEST(offline_of_a_portal_gone_by_hand_keeps_its_tpgs)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	fake_np_rm(T1, 1, A0);
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A0), ONLINE, OFFLINE, 0));
	EXPECT_EQ(1U, pd_find_id(&pd, id_of(A0))->nlocs);
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A0), OFFLINE, ONLINE, 0));
	EXPECT_TRUE(fake_np_exists(T1, 1, A0));
	fake_fini(&pd);
}

/* The daemon's own mkdir and rmdir are known, so their echo is no import. */
TEST(own_changes_are_expected_once)
{
	struct pd pd;

	layout(&pd);
	ASSERT_EQ(0, pd_sync(&pd, true));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), ONLINE, OFFLINE, 0));
	EXPECT_TRUE(pd_expected(&pd, A1, false));
	EXPECT_TRUE(pd_expected(&pd, A1, false));
	EXPECT_FALSE(pd_expected(&pd, A1, false));	/* a third: by hand */
	EXPECT_FALSE(pd_expected(&pd, A0, false));
	ASSERT_EQ(0, pd_set_status(&pd, id_of(A1), OFFLINE, ONLINE, 0));
	EXPECT_FALSE(pd_expected(&pd, A1, false));
	EXPECT_TRUE(pd_expected(&pd, A1, true));
	pd_expect_clear(&pd);
	EXPECT_FALSE(pd_expected(&pd, A1, true));
	fake_fini(&pd);
}

TEST_HARNESS_MAIN
