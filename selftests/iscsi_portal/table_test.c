// SPDX-License-Identifier: GPL-2.0
/*
 * table_test - the id table across its internal boundaries
 * (Documentation/iscsi_portal.rst, "The id table").
 *
 * The module keeps a portal at the place its id names: 256 portals to a
 * chunk, 128 chunks (32768 ids) to a mid, the mids in a top array that
 * grows with the ids.  A chunk whose ids were all issued and all removed is
 * pruned, and so is a mid without chunks.  These tests walk the ids across
 * chunk and mid boundaries, prune pieces and check that nothing a user sees
 * changes: a removed id stays EIDRM for every call whether or not its piece
 * is gone, a never-issued id stays ENOENT, survivors keep their address,
 * status and generation, LIST skips what is gone, ids stay consecutive.
 * On the debug kernel (KASAN, PROVE_RCU) the racing readers also prove that
 * pruned pieces are freed only after the readers are done with them.
 */
#include "harness.h"

#define MAX_SURVIVORS	16

/* ADD a unique IPv4 portal that must get the id @want. */
static int add_expect(int fd, __u32 status, __u64 want,
		      struct iscsi_portal_addr *addr)
{
	__u64 id = 0;
	int ret = ip_add_unique(fd, AF_INET, status, &id, addr);

	if (ret)
		return ret;
	return id == want ? 0 : -EPROTO;
}

/* Every id-taking call on @id fails with EIDRM. */
static void expect_removed(struct __test_metadata *_metadata, int fd, __u64 id)
{
	const char *call;
	int got = 0;

	call = ip_id_calls_fail(fd, id, -EIDRM, &got);
	EXPECT_EQ(NULL, call) TH_LOG("%s of removed id %llu returned %d", call,
				     (unsigned long long)id, got);
}

/* The ids LIST returns from @from on, in order, at most @max. */
static int list_ids(int fd, __u64 from, __u64 *ids, size_t max, size_t *n)
{
	struct iscsi_portal_info *all;
	size_t len, i;
	int ret = ip_list_all(fd, &all, &len, NULL);

	if (ret)
		return ret;
	*n = 0;
	for (i = 0; i < len; i++) {
		if (all[i].id < from)
			continue;
		if (*n == max) {
			free(all);
			return -E2BIG;
		}
		ids[(*n)++] = all[i].id;
	}
	free(all);
	return 0;
}

/*
 * The next id the table will issue, found by adding and removing one
 * portal (that id is then EIDRM).
 */
static __u64 probe_next_id(int fd)
{
	__u64 id;

	if (ip_add_unique(fd, AF_INET, S_ONLINE, &id, NULL) || ip_remove(fd, id))
		return 0;
	return id + 1;
}

/*
 * Ids filling three whole chunks and some, all removed: every one of them
 * is EIDRM for every call (their chunks are pruned), the first id not
 * issued is ENOENT, and the next ADD gets exactly that id, in a fresh
 * chunk, and is listed alone.  debugfs shows the chunks come and go.
 */
TEST(pruned_chunks_stay_eidrm)
{
	const int n = 3 * IP_CHUNK_IDS + 5;
	__u64 first, id, listed[4];
	struct ip_table_shape s0, s1, s2;
	size_t nl;
	int fd, i;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	first = probe_next_id(fd);
	ASSERT_NE(0ull, first);
	ASSERT_EQ(0, ip_table_shape(&s0));

	for (i = 0; i < n; i++)
		ASSERT_EQ(0, add_expect(fd, S_ONLINE, first + i, NULL));
	ASSERT_EQ(0, ip_table_shape(&s1));
	ASSERT_LE(s0.chunks + 3, s1.chunks);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, ip_remove(fd, first + i));
	/* Left: at most the chunk of the last id, whose ids are not all issued. */
	ASSERT_EQ(0, ip_table_shape(&s2));
	ASSERT_GE(s0.chunks + 1, s2.chunks);
	for (i = 0; i < n; i++)
		expect_removed(_metadata, fd, first + i);
	expect_removed(_metadata, fd, first - 1);
	ASSERT_EQ(-ENOENT, ip_get_status(fd, first + n, NULL, NULL));
	ASSERT_EQ(0, list_ids(fd, first - 1, listed, IP_ARRAY_SIZE(listed), &nl));
	ASSERT_EQ(0u, nl);

	ASSERT_EQ(0, add_expect(fd, S_OFFLINE, first + n, NULL));
	id = first + n;
	ASSERT_EQ(0, list_ids(fd, first - 1, listed, IP_ARRAY_SIZE(listed), &nl));
	ASSERT_EQ(1u, nl);
	ASSERT_EQ(id, listed[0]);
	ASSERT_EQ(0, ip_remove(fd, id));
	close(fd);
}

/*
 * Survivors scattered over chunks whose other portals are removed keep
 * their address, status and generation; LIST returns exactly them, in
 * order, across the holes; they still change and go normally.
 */
TEST(survivors_across_removed_neighbours)
{
	const int n = 5 * IP_CHUNK_IDS;
	struct iscsi_portal_addr addr[MAX_SURVIVORS];
	__u64 first, sid[MAX_SURVIVORS] = { 0 }, listed[MAX_SURVIVORS + 1];
	struct iscsi_portal_info info;
	int fd, i, k = 0;
	size_t nl;
	__u32 st;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	first = probe_next_id(fd);
	ASSERT_NE(0ull, first);

	/* Survivors: the last id of chunk 0, the first of chunk 2, ... */
	for (i = 0; i < n; i++) {
		__u64 id = first + i;
		bool keep = (id % IP_CHUNK_IDS == IP_CHUNK_IDS - 1 && i < IP_CHUNK_IDS) ||
			    i % 97 == 42;

		if (keep) {
			ASSERT_GT(MAX_SURVIVORS, k);
			ASSERT_EQ(0, add_expect(fd, S_OFFLINE, id, &addr[k]));
			ASSERT_EQ(0, ip_set_status(fd, id, S_ONLINE));
			sid[k++] = id;
		} else {
			ASSERT_EQ(0, add_expect(fd, S_ONLINE, id, NULL));
		}
	}
	ASSERT_LE(3, k);
	for (i = 0; i < n; i++) {
		bool keep = false;
		int j;

		for (j = 0; j < k; j++)
			keep |= sid[j] == first + i;
		if (!keep)
			ASSERT_EQ(0, ip_remove(fd, first + i));
	}

	ASSERT_EQ(0, list_ids(fd, first, listed, IP_ARRAY_SIZE(listed), &nl));
	ASSERT_EQ((size_t)k, nl);
	for (i = 0; i < k; i++) {
		ASSERT_EQ(sid[i], listed[i]);
		ASSERT_EQ(0, ip_get_info(fd, sid[i], &info));
		ASSERT_EQ(sid[i], info.id);
		ASSERT_EQ(0, memcmp(&addr[i], &info.addr, sizeof(addr[i])));
		ASSERT_EQ((__u32)S_ONLINE, info.status);
		ASSERT_EQ(1ull, info.generation);
		ASSERT_EQ(0u, info.flags);
		ASSERT_EQ(0, ip_set_status(fd, sid[i], S_OFFLINE));
		ASSERT_EQ(0, ip_get_status(fd, sid[i], &st, NULL));
		ASSERT_EQ((__u32)S_OFFLINE, st);
	}
	/* The removed neighbours, before and after each survivor. */
	for (i = 0; i < k; i++) {
		if (sid[i] > first && (i == 0 || sid[i - 1] != sid[i] - 1))
			expect_removed(_metadata, fd, sid[i] - 1);
		if (sid[i] + 1 < first + n && (i == k - 1 || sid[i + 1] != sid[i] + 1))
			expect_removed(_metadata, fd, sid[i] + 1);
	}
	for (i = 0; i < k; i++) {
		ASSERT_EQ(0, ip_remove(fd, sid[i]));
		expect_removed(_metadata, fd, sid[i]);
	}
	close(fd);
}

struct reader {
	pthread_t thread;
	int fd;
	__u64 lo;			/* the first churned id */
	const __u64 *hi;		/* latest id issued by the churner */
	const int *stop;
	uint64_t calls, hits, eidrm;
	const char *bad_op;
	__u64 bad_id, bad_hi;
	int bad_ret;
};

/*
 * Random GET_STATUS, GET_INFO and LIST pages over the churned ids while
 * the pieces holding them are pruned: a churned id is found or EIDRM,
 * never anything else; an id above the latest one issued (read before
 * the call) may only be ENOENT or, if issued meanwhile, found or EIDRM.
 */
static void *reader_fn(void *arg)
{
	struct reader *r = arg;
	uint64_t rnd = ip_unique64();
	struct iscsi_portal_info info, page[8];
	struct iscsi_portal_list l;

	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED)) {
		__u64 hi = __atomic_load_n(r->hi, __ATOMIC_ACQUIRE), id;
		int ret, k = r->calls % 3;

		/* lo .. hi + 2 (hi is lo - 1 before the first churned ADD) */
		rnd = ip_mix64(rnd + r->calls);
		id = r->lo + rnd % (hi + 3 - r->lo);
		if (k == 0) {
			ret = ip_get_status(r->fd, id, NULL, NULL);
		} else if (k == 1) {
			ret = ip_get_info(r->fd, id, &info);
			if (!ret && info.id != id)
				ret = -EPROTO;
		} else {
			ret = ip_list(r->fd, id, page, IP_ARRAY_SIZE(page), &l);
			if (!ret && l.count > 1 && page[0].id >= page[1].id)
				ret = -EPROTO;
			if (!ret && l.count && page[0].id < id)
				ret = -EPROTO;
			if (ret) {
				r->bad_op = "LIST";
				r->bad_ret = ret;
				r->bad_id = id;
				break;
			}
			r->calls++;
			continue;
		}
		r->calls++;
		r->hits += ret == 0;
		r->eidrm += ret == -EIDRM;
		if (ret == 0 || ret == -EIDRM)
			continue;
		if (ret == -ENOENT && id > hi)
			continue;
		r->bad_op = k ? "GET_INFO" : "GET_STATUS";
		r->bad_ret = ret;
		r->bad_id = id;
		r->bad_hi = hi;
		break;
	}
	return NULL;
}

/*
 * Churn one address (ADD, REMOVE) past two mid boundaries while two long
 * lived portals stay and two readers hammer the churned ids: the top array
 * grows, a whole mid and its chunks are pruned under the readers.  The
 * keepers are untouched, ids stay consecutive, every churned id is EIDRM
 * at the end, LIST from the first churned id returns nothing, VERSION's
 * count is back where it was, and debugfs shows the pruned pieces gone
 * and the top array long enough for the last id.
 */
FIXTURE(churn) {
	int unused;
};

FIXTURE_SETUP(churn)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(churn)
{
}

TEST_F_TIMEOUT(churn, across_mids_under_readers, 170)
{
	struct iscsi_portal_addr kaddr[2];
	__u64 hi;
	int stop = 0;
	struct reader r[2];
	struct iscsi_portal_info info;
	__u64 first, keep[2], id, end, count0, listed[2];
	struct ip_table_shape s0, s1;
	size_t nl;
	int fd, i;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	count0 = ip_portal_count(fd);
	first = probe_next_id(fd);
	ASSERT_NE(0ull, first);
	ASSERT_EQ(0, ip_table_shape(&s0));
	ASSERT_EQ(0, add_expect(fd, S_ONLINE, first, &kaddr[0]));
	ASSERT_EQ(0, add_expect(fd, S_OFFLINE, first + 1, &kaddr[1]));
	keep[0] = first;
	keep[1] = first + 1;
	/* Past the end of the mid after the keepers' one. */
	end = (first / IP_MID_IDS + 2) * IP_MID_IDS + IP_CHUNK_IDS;
	hi = first + 1;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 2; i++) {
		r[i].fd = ip_open(O_RDONLY);
		ASSERT_LE(0, r[i].fd);
		r[i].lo = first + 2;
		r[i].hi = &hi;
		r[i].stop = &stop;
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, reader_fn, &r[i]));
	}

	for (id = first + 2; id < end; id++) {
		int ret = add_expect(fd, S_ONLINE, id, NULL);

		if (!ret) {
			__atomic_store_n(&hi, id, __ATOMIC_RELEASE);
			ret = ip_remove(fd, id);
		}
		if (ret) {
			TH_LOG("churn at id %llu: %s", (unsigned long long)id,
			       strerror(-ret));
			break;
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++) {
		pthread_join(r[i].thread, NULL);
		close(r[i].fd);
		if (r[i].bad_op) {
			TH_LOG("%s of id %llu (latest %llu): %s", r[i].bad_op,
			       (unsigned long long)r[i].bad_id,
			       (unsigned long long)r[i].bad_hi,
			       strerror(-r[i].bad_ret));
		}
		EXPECT_EQ(NULL, r[i].bad_op);
		TH_LOG("reader %d: %llu calls, %llu found, %llu EIDRM", i,
		       (unsigned long long)r[i].calls,
		       (unsigned long long)r[i].hits,
		       (unsigned long long)r[i].eidrm);
	}
	ASSERT_EQ(end, id);

	/*
	 * Left: the keepers' chunks and mids (new only where a keeper starts
	 * one) and the mid of the last id, whose ids are not all issued; the
	 * last id ends a chunk, so its chunk is gone.
	 */
	ASSERT_EQ(0, ip_table_shape(&s1));
	ASSERT_GE(s0.chunks + (first % IP_CHUNK_IDS == 0) +
		  ((first + 1) % IP_CHUNK_IDS == 0), s1.chunks);
	ASSERT_GE(s0.mids + 1 + (first % IP_MID_IDS == 0) +
		  ((first + 1) % IP_MID_IDS == 0), s1.mids);
	ASSERT_LE((end - 1) / IP_MID_IDS + 1, s1.top);

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, ip_get_info(fd, keep[i], &info));
		ASSERT_EQ(0, memcmp(&kaddr[i], &info.addr, sizeof(info.addr)));
		ASSERT_EQ((__u32)(i ? S_OFFLINE : S_ONLINE), info.status);
		ASSERT_EQ(0ull, info.generation);
	}
	for (id = first + 2; id < end; id += 61)
		expect_removed(_metadata, fd, id);
	expect_removed(_metadata, fd, end - 1);
	ASSERT_EQ(-ENOENT, ip_get_status(fd, end, NULL, NULL));
	ASSERT_EQ(0, list_ids(fd, first, listed, IP_ARRAY_SIZE(listed), &nl));
	ASSERT_EQ(2u, nl);
	ASSERT_EQ(keep[0], listed[0]);
	ASSERT_EQ(keep[1], listed[1]);
	ASSERT_EQ(0, list_ids(fd, first + 2, listed, IP_ARRAY_SIZE(listed), &nl));
	ASSERT_EQ(0u, nl);

	/* The next ADD lands after the churn, in a fresh mid. */
	ASSERT_EQ(0, add_expect(fd, S_ONLINE, end, NULL));
	ASSERT_EQ(0, ip_remove(fd, end));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, ip_remove(fd, keep[i]));
	ASSERT_EQ(count0, ip_portal_count(fd));
	close(fd);
}

TEST_HARNESS_MAIN
