// SPDX-License-Identifier: GPL-2.0
/*
 * churn_test - portals added and removed in a loop while reader threads
 * GET_INFO, GET_STATUS, GET_PROVIDER and LIST them: the readers run under
 * RCU against portals being freed (kfree_rcu()), so a portal freed too
 * early is a use-after-free KASAN reports on the debug kernel, and a
 * reader that sees freed or recycled memory reads an address or status
 * the portal never had.
 *
 * One writer (this test's thread) adds and removes; a third of the
 * portals belong to a userspace provider (their removal, and its
 * orphaning at the end, walks the provider paths) and some change status.
 * Everything the writer did successfully goes into the model (model.h),
 * and so does every record a watcher read: at the end the watcher's
 * stream must fit the model record by record, and the table (LIST) must
 * equal it.  A reader checks what it sees against what the writer
 * published (an id's address, set before the id is published), never
 * against a clock: an issued id is found with its own address or is
 * EIDRM, never ENOENT and never another address.
 */
#include "harness.h"
#include "model.h"

#define CHURN_OPS	6000
#define CHURN_SLOTS	64
#define CHURN_READERS	3
#define CHURN_MAXID	(CHURN_OPS + 16)

struct churn {
	int fd, pfd;
	__u64 base;			/* ids below are not ours */
	__u64 published;		/* atomic: highest id whose addr is set */
	struct iscsi_portal_addr *addr;	/* by id - base */
	int stop;			/* atomic */
	uint64_t bad;			/* atomic: reader failures */
	uint64_t reads;			/* atomic */
	char why[256];
	pthread_mutex_t why_lock;
};

static void churn_bad(struct churn *c, const char *fmt, unsigned long long id,
		      int ret)
{
	if (__atomic_fetch_add(&c->bad, 1, __ATOMIC_SEQ_CST) == 0) {
		pthread_mutex_lock(&c->why_lock);
		snprintf(c->why, sizeof(c->why), fmt, id, ret);
		pthread_mutex_unlock(&c->why_lock);
	}
}

static bool status_valid(__u32 s)
{
	return s == S_UNKNOWN || s == S_ONLINE || s == S_NOT_READY ||
	       s == S_OFFLINE || s == S_FAILED;
}

static void check_info(struct churn *c, const struct iscsi_portal_info *i)
{
	if (i->id <= c->base ||
	    i->id > __atomic_load_n(&c->published, __ATOMIC_ACQUIRE))
		return;
	if (memcmp(&i->addr, &c->addr[i->id - c->base], sizeof(i->addr)))
		churn_bad(c, "portal %llu: an address it never had (%d)", i->id, 0);
	if (!status_valid(i->status) ||
	    (i->flags & ~(ISCSI_PORTAL_INFO_BUSY | ISCSI_PORTAL_INFO_PROVIDER |
			  ISCSI_PORTAL_INFO_ORPHAN)))
		churn_bad(c, "portal %llu: status or flags garbage (%d)", i->id,
			  (int)i->status);
}

static void *reader_fn(void *p)
{
	struct churn *c = p;
	struct iscsi_portal_info page[16], info;
	struct iscsi_portal_provider_info pi;
	struct iscsi_portal_list l;
	uint64_t x = ip_unique64() | 1;
	__u64 top, id, cursor;
	__u32 st, fl;
	int fd, ret;
	__u32 i;

	fd = ip_open(O_RDONLY);
	if (fd < 0) {
		churn_bad(c, "reader open %llu: %d", 0, fd);
		return NULL;
	}
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		top = __atomic_load_n(&c->published, __ATOMIC_ACQUIRE);
		x = ip_mix64(x);
		if (top > c->base) {
			id = c->base + 1 + x % (top - c->base);
			switch ((x >> 32) % 3) {
			case 0:
				ret = ip_get_info(fd, id, &info);
				if (!ret)
					check_info(c, &info);
				break;
			case 1:
				ret = ip_get_status(fd, id, &st, &fl);
				if (!ret && !status_valid(st))
					churn_bad(c, "GET_STATUS %llu: status %d", id, (int)st);
				break;
			default:
				ret = ip_get_provider(fd, id, &pi);
				if (!ret && (pi.reserved || pi.id != id ||
					     pi.name[sizeof(pi.name) - 1]))
					churn_bad(c, "GET_PROVIDER %llu: garbage (%d)", id, 0);
				break;
			}
			if (ret && ret != -EIDRM)
				churn_bad(c, "a call on issued id %llu: %d", id, ret);
		}
		cursor = c->base + 1;
		do {
			ret = ip_list(fd, cursor, page, 16, &l);
			if (ret) {
				churn_bad(c, "LIST from %llu: %d", cursor, ret);
				break;
			}
			for (i = 0; i < l.count; i++)
				check_info(c, &page[i]);
			cursor = l.cursor;
		} while (cursor && !__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE));
		__atomic_add_fetch(&c->reads, 1, __ATOMIC_RELAXED);
	}
	close(fd);
	return NULL;
}

FIXTURE(churn) {
	int unused;
};

FIXTURE_SETUP(churn)
{
	ASSERT_EQ(0, ip_restore_globals());
}

FIXTURE_TEARDOWN(churn)
{
}

TEST_F_TIMEOUT(churn, add_remove_under_readers, 170)
{
	struct iscsi_portal_info *fin, *fin0;
	struct iscsi_portal_event *ev;
	struct ipm_table m, m2;
	pthread_t rd[CHURN_READERS];
	__u64 slot[CHURN_SLOTS] = { 0 }, id, g0;
	bool owned[CHURN_SLOTS] = { false };
	uint64_t x = ip_unique64() | 1;
	struct churn c;
	size_t nfin, nfin0, where, nlive0;
	__u64 gend;
	int w, i, n = 0, ret, ops, got;
	const char *why;

	memset(&c, 0, sizeof(c));
	pthread_mutex_init(&c.why_lock, NULL);
	c.fd = ip_open(O_RDWR);
	ASSERT_LE(0, c.fd);
	c.pfd = ip_open(O_RDWR);
	ASSERT_LE(0, c.pfd);
	ASSERT_EQ(0, ip_attach(c.pfd, "churn", 0));
	c.addr = calloc(CHURN_MAXID + 1, sizeof(*c.addr));
	ev = calloc(2 * CHURN_OPS, sizeof(*ev));
	ASSERT_NE(NULL, c.addr);
	ASSERT_NE(NULL, ev);
	/* a big enough queue for every record of the run */
	w = ip_watcher();
	ASSERT_LE(0, w);

	ASSERT_EQ(0, ip_list_all(c.fd, &fin0, &nfin0, &g0));
	ASSERT_EQ(0, ipm_init(&m, nfin0 + CHURN_MAXID, false, g0));
	ASSERT_EQ(0, ipm_load(&m, fin0, nfin0, g0));
	nlive0 = m.nlive;
	/* ids are never reused: ours are above every id issued so far */
	{
		struct iscsi_portal_addr a;

		ASSERT_EQ(0, ip_add_unique(c.fd, AF_INET, S_ONLINE, &id, &a));
		ASSERT_EQ(1, ipm_add(&m, id, &a, S_ONLINE, NULL));
		ASSERT_EQ(0, ip_remove(c.fd, id));
		ASSERT_EQ(1, ipm_remove(&m, id, NULL));
		c.base = id;
	}
	c.published = c.base;
	for (i = 0; i < CHURN_READERS; i++)
		ASSERT_EQ(0, pthread_create(&rd[i], NULL, reader_fn, &c));

	for (ops = 0; ops < CHURN_OPS; ops++) {
		int s;

		/* the watcher's queue holds 4096 records: read as we go */
		if (!(ops % 512)) {
			got = ip_drain_events(w, ev + n, 2 * CHURN_OPS - (size_t)n);
			ASSERT_LE(0, got);
			n += got;
		}
		x = ip_mix64(x + (uint64_t)ops);
		s = (int)(x % CHURN_SLOTS);
		if (!slot[s]) {
			struct iscsi_portal_addr a;
			int fd = (x >> 8) % 3 ? c.fd : c.pfd;
			__u32 st = ip_valid_statuses[(x >> 16) % 5];

			id = 0;
			ret = ip_add_unique(fd, (x >> 24) & 1 ? AF_INET6 : AF_INET,
					    st, &id, &a);
			ASSERT_EQ(0, ret) TH_LOG("ADD #%d", ops);
			ASSERT_GE((__u64)CHURN_MAXID + c.base, id);
			c.addr[id - c.base] = a;
			__atomic_store_n(&c.published, id, __ATOMIC_RELEASE);
			ASSERT_EQ(1, ipm_add(&m, id, &a, st, NULL));
			slot[s] = id;
			owned[s] = fd == c.pfd;
		} else if ((x >> 40) % 4 == 0) {
			__u32 st = ip_valid_statuses[(x >> 44) % 5];
			int fd = owned[s] ? c.pfd : c.fd;

			ASSERT_EQ(0, ip_report_status(fd, slot[s], st)) TH_LOG("REPORT #%d", ops);
			ASSERT_LE(0, ipm_set_status(&m, slot[s], st, NULL));
		} else {
			ret = ip_remove(owned[s] ? c.pfd : c.fd, slot[s]);
			ASSERT_EQ(0, ret) TH_LOG("REMOVE #%d of %llu", ops,
						 (unsigned long long)slot[s]);
			ASSERT_EQ(1, ipm_remove(&m, slot[s], NULL));
			slot[s] = 0;
		}
	}
	/* the provider's portals go with it (so every flag is clear at the end) */
	for (i = 0; i < CHURN_SLOTS; i++) {
		if (!slot[i] || !owned[i])
			continue;
		ASSERT_EQ(0, ip_remove(c.pfd, slot[i]));
		ASSERT_EQ(1, ipm_remove(&m, slot[i], NULL));
		slot[i] = 0;
	}
	close(c.pfd);

	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < CHURN_READERS; i++)
		pthread_join(rd[i], NULL);
	EXPECT_EQ(0U, c.bad) TH_LOG("%llu reader failures, the first: %s",
				    (unsigned long long)c.bad, c.why);
	EXPECT_LT(0U, c.reads);

	/* the watcher's stream fits a model of the start, record by record */
	got = ip_drain_events(w, ev + n, 2 * CHURN_OPS - (size_t)n);
	ASSERT_LE(0, got);
	n += got;
	ASSERT_LT(0, n);
	ASSERT_EQ(0, ipm_init(&m2, nlive0 + CHURN_MAXID + 1, false, g0));
	ASSERT_EQ(0, ipm_load(&m2, fin0, nfin0, g0));
	for (i = 0; i < n; i++) {
		why = ipm_apply(&m2, &ev[i]);
		ASSERT_EQ(NULL, why) TH_LOG("record %d (seq %llu, id %llu, type %u): %s",
					    i, (unsigned long long)ev[i].seq,
					    (unsigned long long)ev[i].id, ev[i].type, why);
	}
	EXPECT_EQ(m.gen, m2.gen) TH_LOG("the watcher missed records at the end");

	/* and the table is the model: every portal, its status and generation */
	ASSERT_EQ(0, ip_list_all(c.fd, &fin, &nfin, &gend));
	EXPECT_EQ(m.gen, gend);
	why = ipm_check_list(&m, fin, nfin, &where);
	EXPECT_EQ(NULL, why) TH_LOG("LIST entry %zu: %s", where, why);
	why = ipm_check_list(&m2, fin, nfin, &where);
	EXPECT_EQ(NULL, why) TH_LOG("LIST entry %zu against the watcher's model: %s",
				    where, why);
	free(fin);
	free(fin0);

	for (i = 0; i < CHURN_SLOTS; i++)
		if (slot[i])
			EXPECT_EQ(0, ip_remove(c.fd, slot[i]));
	ipm_free(&m);
	ipm_free(&m2);
	close(w);
	close(c.fd);
	free(ev);
	free(c.addr);
}

TEST_HARNESS_MAIN
