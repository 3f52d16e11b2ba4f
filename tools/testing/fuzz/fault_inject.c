// SPDX-License-Identifier: GPL-2.0
/*
 * fault_inject - every ioctl of /dev/iscsi_portal under injected allocation
 * failures (failslab and fail_page_alloc), for a debug kernel with
 * CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and
 * CONFIG_FAULT_INJECTION_DEBUG_FS.
 *
 * Failures are limited to this task (task-filter=Y) and to the ioctl calls
 * themselves (/proc/thread-self/make-it-fail is 1 only around them, never
 * around open() or close()).  Every call must return 0 or ENOMEM, nothing
 * else; a model follows the table (a successful ADD adds, REMOVE removes,
 * SET/REPORT set; an ENOMEM changes nothing, which VERSION's
 * table_generation proves after each one) and, with injection off, LIST
 * must match it exactly.  An ADD after failed ones gets exactly the next id.
 * The model is the selftests' one (selftests/iscsi_portal/model.h).
 *
 * ADD allocates its portal object (kmalloc, under 96 bytes) and, for some
 * ids, xarray nodes (radix_tree_node); the rhashtable of addresses may
 * allocate when it grows.  Three tests fail those: every allocation at once,
 * each allocation point in turn (/proc/thread-self/fail-nth), and each kind
 * through failslab's cache filter, the allocations before it succeeding.
 *
 * Without fault injection (no /sys/kernel/debug/failslab) the test FAILS,
 * unless IPFAULT_REQUIRED=0, then it is skipped: non-debug kernels run it
 * that way.  IPFAULT_ITERS (default 2000), IPFAULT_PROBABILITY (percent,
 * default 20) and IPFAULT_SEED tune it; IPFAULT_DRYRUN=1 runs the model and
 * its checks without any injection (a check of the test itself).
 */
#include "fuzz.h"
#include "model.h"

#define FI_SLAB		"/sys/kernel/debug/failslab"
#define FI_PAGE		"/sys/kernel/debug/fail_page_alloc"
#define FI_MODEL	256	/* every_ioctl: the portals it knows, at most */
#define FI_MODEL_CAP	4096	/* the model: all portals of a test */
#define FI_NTH		"/proc/thread-self/fail-nth"

static const char *const fi_dirs[] = { FI_SLAB, FI_PAGE };
static const char *const fi_knobs[] = {
	"probability", "interval", "times", "verbose", "space",
	"ignore-gfp-wait", "task-filter",
};

FIXTURE(fault) {
	int fd;
	int mif;		/* /proc/thread-self/make-it-fail */
	bool configured;
	bool dryrun;		/* IPFAULT_DRYRUN=1: the model alone, no injection */
	int nth;		/* /proc/thread-self/fail-nth */
	char saved[2][IP_ARRAY_SIZE(fi_knobs)][64];
	/* The table: the portals listed at setup, then those added here. */
	struct ipm_table m;
	uint64_t enomem[16], calls[16];
	const char *const *slab_flagged;	/* caches marked for the cache filter */
	char saved_filter[16];		/* failslab/cache-filter, when read */
};

/* A fault-injection knob, read with trailing white space trimmed. */
static int fi_read(const char *dir, const char *knob, char *buf, size_t len)
{
	char path[256];
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	n = ip_file_read(path, buf, len);
	if (n < 0)
		return n;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int fi_write(const char *dir, const char *knob, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	return ip_file_write(path, val, strlen(val));
}

/* Injection for this thread on or off. */
static void fi_fail(FIXTURE_DATA(fault) *self, bool on)
{
	if (self->dryrun)
		return;
	if (write(self->mif, on ? "1" : "0", 1) != 1) {
		fz_log("make-it-fail: %s", strerror(errno));
		abort();
	}
}

#define FI_SLABS	"/sys/kernel/slab"

/*
 * Mark (or unmark) the slab caches named in @caches (NULL-terminated; the
 * ones this kernel lacks are skipped) for failslab's cache filter.
 * Returns how many were marked.
 */
static int fi_flag_caches(const char *const *caches, bool on)
{
	char path[128];
	int flagged = 0, ret;

	for (; *caches; caches++) {
		snprintf(path, sizeof(path), FI_SLABS "/%s/failslab", *caches);
		if (access(path, F_OK))
			continue;
		ret = ip_file_write(path, on ? "1" : "0", 1);
		if (ret) {
			/* A cache merged with others cannot be marked alone. */
			fz_log("cannot write %s: %s", path, strerror(-ret));
			continue;
		}
		flagged++;
	}
	return flagged;
}

enum fi_op { FI_ADD, FI_REMOVE, FI_SET, FI_REPORT, FI_GET_INFO, FI_GET_STATUS,
	     FI_LIST, FI_WATCH, FI_VERSION, FI_REENUM, FI_REFRESH, FI_NOPS };
static const char *const fi_names[FI_NOPS] = {
	"ADD", "REMOVE", "SET_STATUS", "REPORT_STATUS", "GET_INFO",
	"GET_STATUS", "LIST", "WATCH", "VERSION", "REENUMERATE", "REFRESH",
};

/* One ioctl with injection on; 0 or -errno, counted. */
static int fi_ioctl(FIXTURE_DATA(fault) *self, enum fi_op op, int fd,
		    unsigned long cmd, void *arg)
{
	int ret;

	fi_fail(self, true);
	ret = ioctl(fd, cmd, arg);
	ret = ret < 0 ? -errno : ret;
	fi_fail(self, false);
	self->calls[op]++;
	if (ret == -ENOMEM)
		self->enomem[op]++;
	return ret;
}

/* The model of the table as LIST shows it now. 0 or -errno. */
static int fi_model_start(FIXTURE_DATA(fault) *self)
{
	struct iscsi_portal_info *all = NULL;
	__u64 gen = 0;
	size_t n = 0;
	int ret;

	ret = ip_list_all(self->fd, &all, &n, &gen);
	if (!ret)
		ret = ipm_init(&self->m, FI_MODEL_CAP, false, gen);
	if (!ret)
		ret = ipm_load(&self->m, all, n, gen);
	free(all);
	return ret;
}

FIXTURE_SETUP(fault)
{
	const char *req = getenv("IPFAULT_REQUIRED");
	uint64_t prob = fz_env_u64("IPFAULT_PROBABILITY", 20);
	char val[32];
	unsigned int d, k;
	struct stat st;
	int missing;

	self->fd = -1;
	self->mif = -1;
	self->nth = -1;
	self->dryrun = fz_env_u64("IPFAULT_DRYRUN", 0) == 1;
	missing = !self->dryrun && (stat(FI_SLAB, &st) || stat(FI_PAGE, &st) ||
		  stat("/proc/thread-self/make-it-fail", &st));
	if (missing && req && !strcmp(req, "0"))
		SKIP(return, "no fault injection in this kernel (%s missing; "
		     "IPFAULT_REQUIRED=0)", FI_SLAB);
	ASSERT_EQ(0, missing) TH_LOG("fault injection is required but this kernel "
			"lacks it: %s, %s or /proc/thread-self/make-it-fail is missing "
			"(needs CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB, "
			"CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS and "
			"debugfs mounted); set IPFAULT_REQUIRED=0 to skip instead",
			FI_SLAB, FI_PAGE);
	self->fd = ip_open(O_RDWR);
	if (self->fd == -ENOENT)
		SKIP(return, "%s missing: module not loaded", IP_DEV);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ip_restore_globals());
	/* The model starts as the table is: others' portals stay put. */
	ASSERT_EQ(0, fi_model_start(self));
	if (self->dryrun) {
		fz_log("IPFAULT_DRYRUN=1: no injection, the model and checks only");
		return;
	}
	self->mif = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, self->mif) TH_LOG("make-it-fail: %s", strerror(errno));
	self->nth = open(FI_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nth) TH_LOG("%s: %s", FI_NTH, strerror(errno));
	/* Output buffers must not fault in under injection. */
	mlockall(MCL_CURRENT | MCL_FUTURE);

	for (d = 0; d < 2; d++) {
		for (k = 0; k < IP_ARRAY_SIZE(fi_knobs); k++) {
			int ret = fi_read(fi_dirs[d], fi_knobs[k], self->saved[d][k],
					  sizeof(self->saved[d][k]));

			if (ret)
				fz_log("cannot read %s/%s: %s", fi_dirs[d],
				       fi_knobs[k], strerror(-ret));
			ASSERT_EQ(0, ret);
		}
	}
	self->configured = true;
	if (prob > 100)
		prob = 100;
	snprintf(val, sizeof(val), "%" PRIu64, prob);
	for (d = 0; d < 2; d++) {
		ASSERT_EQ(0, fi_write(fi_dirs[d], "task-filter", "Y"));
		ASSERT_EQ(0, fi_write(fi_dirs[d], "probability", val));
		ASSERT_EQ(0, fi_write(fi_dirs[d], "interval", "1"));
		ASSERT_EQ(0, fi_write(fi_dirs[d], "times", "-1"));
		ASSERT_EQ(0, fi_write(fi_dirs[d], "verbose", "0"));
		ASSERT_EQ(0, fi_write(fi_dirs[d], "space", "0"));
		ASSERT_EQ(0, fi_write(fi_dirs[d], "ignore-gfp-wait", "N"));
	}
	fz_log("failslab and fail_page_alloc: probability %s%%, task-filter Y", val);
}

FIXTURE_TEARDOWN(fault)
{
	unsigned int d, k;

	if (self->mif >= 0) {
		fi_fail(self, false);
		close(self->mif);
	}
	if (self->nth >= 0) {
		if (pwrite(self->nth, "0", 1, 0) != 1)
			fz_log("could not disarm %s", FI_NTH);
		close(self->nth);
	}
	if (self->slab_flagged)
		fi_flag_caches(self->slab_flagged, false);
	if (self->saved_filter[0] &&
	    fi_write(FI_SLAB, "cache-filter", self->saved_filter))
		fz_log("could not restore %s/cache-filter", FI_SLAB);
	if (self->configured)
		for (d = 0; d < 2; d++)
			for (k = 0; k < IP_ARRAY_SIZE(fi_knobs); k++)
				if (fi_write(fi_dirs[d], fi_knobs[k], self->saved[d][k]))
					fz_log("could not restore %s/%s", fi_dirs[d],
					       fi_knobs[k]);
	if (self->fd >= 0) {
		size_t i;

		for (i = 0; i < self->m.n; i++)
			if (self->m.p[i].live && !self->m.p[i].from_list)
				ip_remove(self->fd, self->m.p[i].id);
		close(self->fd);
	}
	ipm_free(&self->m);
}

/* One of the live portals this test added, chosen by @r; NULL if none. */
static struct ipm_portal *fi_pick_live(FIXTURE_DATA(fault) *self, uint64_t r)
{
	size_t i, n = 0;

	for (i = 0; i < self->m.n; i++)
		if (self->m.p[i].live && !self->m.p[i].from_list)
			n++;
	if (!n)
		return NULL;
	n = (size_t)(r % n);
	for (i = 0; i < self->m.n; i++)
		if (self->m.p[i].live && !self->m.p[i].from_list && !n--)
			return &self->m.p[i];
	return NULL;
}

/* The whole table, with injection off, equals the model. */
static int fi_compare(FIXTURE_DATA(fault) *self, const char *when)
{
	struct iscsi_portal_info *all = NULL;
	struct iscsi_portal_version v;
	unsigned int bad = 0;
	size_t n = 0, where = 0;
	const char *why;

	if (ip_list_all(self->fd, &all, &n, NULL) || ip_version(self->fd, &v)) {
		fz_log("%s: LIST/VERSION failed", when);
		free(all);
		return 1;
	}
	why = ipm_check_list(&self->m, all, n, &where);
	if (why) {
		if (where < n)
			fz_log("%s: LIST entry %zu, portal %" PRIu64 " (%s status %u gen %"
			       PRIu64 " flags %#x): %s", when, where,
			       (uint64_t)all[where].id, ip_addr_str(&all[where].addr),
			       all[where].status, (uint64_t)all[where].generation,
			       all[where].flags, why);
		else
			fz_log("%s: LIST has %zu portals, the model %zu: %s", when, n,
			       self->m.nlive, why);
		bad++;
	}
	if (v.portal_count != n) {
		fz_log("%s: VERSION.portal_count %" PRIu64 ", LIST %zu", when,
		       (uint64_t)v.portal_count, n);
		bad++;
	}
	if (v.table_generation != self->m.gen) {
		fz_log("%s: VERSION.table_generation %" PRIu64 ", the model's %" PRIu64,
		       when, (uint64_t)v.table_generation, (uint64_t)self->m.gen);
		bad++;
	}
	if (v.flags & ISCSI_PORTAL_TABLE_CORRUPT) {
		fz_log("%s: table marked corrupt", when);
		bad++;
	}
	free(all);
	return (int)bad;
}

/*
 * ADD and REMOVE a fresh portal without injection (through the model):
 * *@last_id is then the last id issued.
 */
static void fi_probe_last_id(struct __test_metadata *_metadata,
			     FIXTURE_DATA(fault) *self, __u64 *last_id)
{
	struct iscsi_portal_addr a;
	__u64 id = 0;

	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
				   &id, &a));
	ASSERT_EQ(1, ipm_add(&self->m, id, &a, ISCSI_PORTAL_STATUS_ONLINE, NULL));
	ASSERT_EQ(0, ip_remove(self->fd, id));
	ASSERT_EQ(1, ipm_remove(&self->m, id, NULL));
	*last_id = id;
}

/*
 * An ADD of @a as id @id failed with ENOMEM: nothing changed.  The
 * generation and count are the model's, and the id was not issued.
 */
static void fi_expect_unchanged(struct __test_metadata *_metadata,
				FIXTURE_DATA(fault) *self, __u64 id,
				const char *what)
{
	struct iscsi_portal_version v;

	ASSERT_EQ(0, ip_version(self->fd, &v));
	EXPECT_EQ(self->m.gen, v.table_generation)
		TH_LOG("%s: the failed ADD moved the table generation", what);
	EXPECT_EQ((__u64)self->m.nlive, v.portal_count)
		TH_LOG("%s: the failed ADD changed the portal count", what);
	EXPECT_EQ(-ENOENT, ip_get_status(self->fd, id, NULL, NULL))
		TH_LOG("%s: the failed ADD issued id %llu", what,
		       (unsigned long long)id);
}

/*
 * An ADD of @a with @status returned id @id: it is the next id (*@last_id
 * + 1), and the portal is there whole: in the model, in GET_INFO, in the
 * address hash (the same address again is EEXIST).  *@last_id moves on.
 */
static void fi_expect_added(struct __test_metadata *_metadata,
			    FIXTURE_DATA(fault) *self, __u64 id,
			    const struct iscsi_portal_addr *a, __u32 status,
			    __u64 *last_id, const char *what)
{
	struct iscsi_portal_version v;
	struct iscsi_portal_info info;
	const char *why;

	EXPECT_EQ(*last_id + 1, id) TH_LOG("%s: ADD got id %llu, not the next one",
					   what, (unsigned long long)id);
	*last_id = id;
	ASSERT_EQ(1, ipm_add(&self->m, id, a, status, NULL));
	ASSERT_EQ(0, ip_version(self->fd, &v));
	EXPECT_EQ(self->m.gen, v.table_generation) TH_LOG("%s", what);
	EXPECT_EQ((__u64)self->m.nlive, v.portal_count) TH_LOG("%s", what);
	ASSERT_EQ(0, ip_get_info(self->fd, id, &info));
	why = ipm_check_info(&self->m, &info);
	EXPECT_EQ(NULL, why) TH_LOG("%s: GET_INFO of the new portal: %s", what, why);
	EXPECT_EQ(-EEXIST, ip_add(self->fd, a, status, NULL))
		TH_LOG("%s: the address of the new portal is not known", what);
}

/* REMOVE @id, without injection, through the model. */
static void fi_remove(struct __test_metadata *_metadata,
		      FIXTURE_DATA(fault) *self, __u64 id)
{
	ASSERT_EQ(0, ip_remove(self->fd, id));
	ASSERT_EQ(1, ipm_remove(&self->m, id, NULL));
}

/*
 * An ADD with every allocation failing (ADD allocates its portal object
 * each time): ENOMEM, nothing changes (generation, count, the id is not
 * issued), and the same ADD without injection gets exactly that id.
 */
TEST_F(fault, add_with_every_allocation_failing)
{
	struct iscsi_portal_addr a;
	struct iscsi_portal_add arg;
	unsigned int d;
	__u64 last_id = 0;

	if (self->dryrun)
		SKIP(return, "IPFAULT_DRYRUN=1: nothing is injected");
	for (d = 0; d < 2; d++)
		ASSERT_EQ(0, fi_write(fi_dirs[d], "probability", "100"));

	fi_probe_last_id(_metadata, self, &last_id);
	ip_unique_addr(&a, AF_INET6);
	memset(&arg, 0, sizeof(arg));
	arg.addr = a;
	arg.status = ISCSI_PORTAL_STATUS_OFFLINE;
	ASSERT_EQ(-ENOMEM, fi_ioctl(self, FI_ADD, self->fd, ISCSI_PORTAL_IOC_ADD, &arg));
	fi_expect_unchanged(_metadata, self, last_id + 1, "every allocation failing");

	ASSERT_EQ(0, ip_add(self->fd, &a, ISCSI_PORTAL_STATUS_OFFLINE, &arg.id));
	fi_expect_added(_metadata, self, arg.id, &a, ISCSI_PORTAL_STATUS_OFFLINE,
			&last_id, "after the failure");
	fi_remove(_metadata, self, arg.id);
}

/* Arm /proc/thread-self/fail-nth: the @n-th fault point from now fails. */
static void fi_nth_arm(FIXTURE_DATA(fault) *self, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(self->nth, buf, (size_t)len, 0) != len) {
		fz_log("%s: %s", FI_NTH, strerror(errno));
		abort();
	}
}

/* Disarm it; true if the armed fault was injected (the count reached 0). */
static bool fi_nth_disarm(FIXTURE_DATA(fault) *self)
{
	char buf[16];
	ssize_t n = pread(self->nth, buf, sizeof(buf) - 1, 0);

	if (n <= 0) {
		fz_log("%s: %s", FI_NTH, n ? strerror(errno) : "empty");
		abort();
	}
	buf[n] = '\0';
	fi_nth_arm(self, 0);
	return strtoul(buf, NULL, 10) == 0;
}

#define FI_NTH_ROUNDS	160	/* ADDs of consecutive ids: some need nodes */
#define FI_NTH_MAX	200	/* fault points of one ADD, at most */

/*
 * Each allocation point of ADD, one at a time: for N = 1, 2, ... the N-th
 * fault point (slab or page allocation) of the ADD fails, until an ADD
 * has fewer than N.  Each ADD then either fails with ENOMEM and changes
 * nothing, or (a failure it recovered from, or none) succeeds whole and
 * with the next id; then the next id is enumerated the same way, over
 * enough consecutive ids to need new xarray nodes.
 */
TEST_F_TIMEOUT(fault, add_fails_cleanly_at_each_allocation, 600)
{
	struct iscsi_portal_add arg;
	unsigned int round, nth, points = 0, enomem = 0, absorbed = 0;
	__u64 last_id = 0;
	bool injected;
	int ret;

	if (self->dryrun)
		SKIP(return, "IPFAULT_DRYRUN=1: nothing is injected");
	fi_probe_last_id(_metadata, self, &last_id);
	for (round = 0; round < FI_NTH_ROUNDS; round++) {
		for (nth = 1; nth <= FI_NTH_MAX; nth++) {
			char what[64];

			snprintf(what, sizeof(what), "round %u, fault point %u",
				 round, nth);
			memset(&arg, 0, sizeof(arg));
			ip_unique_addr(&arg.addr, round % 2 ? AF_INET6 : AF_INET);
			arg.status = ip_valid_statuses[round % 5];
			fi_nth_arm(self, nth);
			ret = ioctl(self->fd, ISCSI_PORTAL_IOC_ADD, &arg);
			ret = ret < 0 ? -errno : 0;
			injected = fi_nth_disarm(self);
			if (ret == -EEXIST && !injected)
				continue;	/* a rare address collision */
			ASSERT_TRUE(ret == 0 || ret == -ENOMEM)
				TH_LOG("%s: ADD returned %s under fault injection",
				       what, strerror(-ret));
			if (ret == -ENOMEM) {
				ASSERT_TRUE(injected)
					TH_LOG("%s: ENOMEM, yet no fault was injected", what);
				enomem++;
				fi_expect_unchanged(_metadata, self, last_id + 1, what);
				continue;
			}
			fi_expect_added(_metadata, self, arg.id, &arg.addr,
					arg.status, &last_id, what);
			fi_remove(_metadata, self, arg.id);
			if (!injected) {
				points += nth - 1;
				break;		/* every point of this ADD done */
			}
			absorbed++;
		}
		ASSERT_GE((unsigned int)FI_NTH_MAX, nth)
			TH_LOG("an ADD with over %d fault points?", FI_NTH_MAX);
	}
	fz_log("%u ADDs enumerated: %u fault points, %u ENOMEM, %u recovered from",
	       FI_NTH_ROUNDS, points, enomem, absorbed);
	EXPECT_LT(0u, enomem) TH_LOG("no ADD failed: was anything injected?");
	EXPECT_EQ(0, fi_compare(self, "after the enumeration"));
}

/*
 * The kinds of allocation of a new ADD, each failed alone through
 * failslab's cache filter (the caches named, those this kernel has), the
 * allocations before it succeeding; @within: the ADDs of consecutive ids
 * among which one must allocate it.
 */
static const struct fi_kind {
	const char *what;
	unsigned int within;
	const char *const caches[16];
} fi_kinds[] = {
	{ "portal object", 1, {
		"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64",
		"kmalloc-96", "kmalloc-cg-8", "kmalloc-cg-16", "kmalloc-cg-32",
		"kmalloc-cg-64", "kmalloc-cg-96", NULL } },
	{ "xarray node", 200, { "radix_tree_node", NULL } },
};

/*
 * ADDs with every allocation from the caches of @k failing: each either
 * succeeds (it needed none: whole, the next id) or fails with ENOMEM,
 * changing nothing; the same ADD without injection then gets that id.
 * One of the first @k->within ADDs must fail.
 */
static void fi_add_kind_fails(struct __test_metadata *_metadata,
			      FIXTURE_DATA(fault) *self,
			      const struct fi_kind *k)
{
	struct iscsi_portal_add arg;
	unsigned int i;
	__u64 last_id = 0;
	int ret;

	ASSERT_EQ(0, fi_read(FI_SLAB, "cache-filter", self->saved_filter,
			     sizeof(self->saved_filter)));
	ASSERT_EQ(0, fi_write(FI_PAGE, "probability", "0"));
	fi_probe_last_id(_metadata, self, &last_id);

	ASSERT_EQ(0, fi_write(FI_SLAB, "probability", "100"));
	ASSERT_EQ(0, fi_write(FI_SLAB, "times", "-1"));
	ASSERT_EQ(0, fi_write(FI_SLAB, "cache-filter", "Y"));
	self->slab_flagged = k->caches;
	ASSERT_LT(0, fi_flag_caches(k->caches, true))
		TH_LOG("no slab cache of the %s can be marked for failslab", k->what);

	for (i = 0; i < k->within; i++) {
		memset(&arg, 0, sizeof(arg));
		ip_unique_addr(&arg.addr, i % 2 ? AF_INET6 : AF_INET);
		arg.status = ISCSI_PORTAL_STATUS_OFFLINE;
		ret = fi_ioctl(self, FI_ADD, self->fd, ISCSI_PORTAL_IOC_ADD, &arg);
		if (ret == -EEXIST)
			continue;	/* a rare address collision */
		if (ret != -ENOMEM) {
			ASSERT_EQ(0, ret) TH_LOG("ADD with its %s failing", k->what);
			fi_expect_added(_metadata, self, arg.id, &arg.addr,
					arg.status, &last_id, k->what);
			fi_remove(_metadata, self, arg.id);
			continue;
		}
		fi_expect_unchanged(_metadata, self, last_id + 1, k->what);
		/* The same ADD, without injection, gets that id. */
		ASSERT_EQ(0, ip_add(self->fd, &arg.addr, arg.status, &arg.id));
		fi_expect_added(_metadata, self, arg.id, &arg.addr, arg.status,
				&last_id, k->what);
		fi_remove(_metadata, self, arg.id);
		break;
	}
	fi_flag_caches(k->caches, false);
	self->slab_flagged = NULL;
	ASSERT_EQ(0, fi_write(FI_SLAB, "cache-filter", "N"));
	ASSERT_GT(k->within, i)
		TH_LOG("none of %u ADDs failed with every %s allocation failing",
		       k->within, k->what);
	EXPECT_EQ(0, fi_compare(self, k->what));
}

TEST_F(fault, add_fails_when_its_portal_object_cannot_be_allocated)
{
	if (self->dryrun)
		SKIP(return, "IPFAULT_DRYRUN=1: nothing is injected");
	fi_add_kind_fails(_metadata, self, &fi_kinds[0]);
}

TEST_F(fault, add_fails_when_an_xarray_node_cannot_be_allocated)
{
	if (self->dryrun)
		SKIP(return, "IPFAULT_DRYRUN=1: nothing is injected");
	fi_add_kind_fails(_metadata, self, &fi_kinds[1]);
}

TEST_F_TIMEOUT(fault, every_ioctl, 900)
{
	uint64_t iters = fz_env_u64("IPFAULT_ITERS", 2000), it, rng, r;
	struct iscsi_portal_info page[3];
	struct iscsi_portal_version v;
	struct iscsi_portal_addr a;
	unsigned int i, unexpected = 0;
	__u64 last_id;
	size_t j;
	int ret;

	rng = fz_env_u64("IPFAULT_SEED", ip_now_ns());
	fz_log("IPFAULT_SEED=%" PRIu64 " IPFAULT_ITERS=%" PRIu64, rng, iters);

	/* The model started as the table was; the portals of others stay put. */
	ASSERT_GE((size_t)(FI_MODEL / 2), self->m.n)
		TH_LOG("table too big for the model: %zu", self->m.n);
	/* The last id issued: ADD and REMOVE one, without injection. */
	fi_probe_last_id(_metadata, self, &last_id);

	for (it = 0; it < iters && unexpected < 20; it++) {
		enum fi_op op;
		struct ipm_portal *p;

		rng += 0x9e3779b97f4a7c15ull;
		r = ip_mix64(rng);
		op = (enum fi_op)(r % FI_NOPS);
		r >>= 8;
		p = fi_pick_live(self, r >> 8);
		if ((op == FI_REMOVE || op == FI_SET || op == FI_REPORT ||
		     op == FI_GET_INFO || op == FI_GET_STATUS) && !p)
			op = FI_ADD;
		if (op == FI_ADD && self->m.n >= FI_MODEL)
			op = p ? FI_REMOVE : FI_VERSION;

		switch (op) {
		case FI_ADD: {
			struct iscsi_portal_add arg;
			uint32_t st = ip_valid_statuses[r % 5];

			ip_unique_addr(&a, r & 0x100 ? AF_INET6 : AF_INET);
			memset(&arg, 0, sizeof(arg));
			arg.addr = a;
			arg.status = st;
			ret = fi_ioctl(self, op, self->fd, ISCSI_PORTAL_IOC_ADD, &arg);
			if (ret == -EEXIST)	/* a rare address collision */
				continue;
			if (ret)
				break;
			if (arg.id != last_id + 1) {
				fz_log("ADD returned id %" PRIu64 ", expected %" PRIu64
				       " (an ENOMEM consumed an id?)",
				       (uint64_t)arg.id, (uint64_t)last_id + 1);
				unexpected++;
			}
			last_id = arg.id;
			if (ipm_add(&self->m, arg.id, &a, st, NULL) != 1) {
				fz_log("ADD returned id %" PRIu64 ", which the model refuses",
				       (uint64_t)arg.id);
				unexpected++;
			}
			break;
		}
		case FI_REMOVE: {
			struct iscsi_portal_ref ref = { .id = p->id };

			ret = fi_ioctl(self, op, self->fd, ISCSI_PORTAL_IOC_REMOVE, &ref);
			if (!ret)
				ipm_remove(&self->m, p->id, NULL);
			break;
		}
		case FI_SET:
		case FI_REPORT: {
			struct iscsi_portal_status_arg sa = { .id = p->id };

			sa.status = op == FI_SET ? (r & 0x200 ? 1 : 4) :
				ip_valid_statuses[(r >> 10) % 5];
			ret = fi_ioctl(self, op, self->fd, op == FI_SET ?
				       ISCSI_PORTAL_IOC_SET_STATUS :
				       ISCSI_PORTAL_IOC_REPORT_STATUS, &sa);
			if (!ret)
				ipm_set_status(&self->m, p->id, sa.status, NULL);
			break;
		}
		case FI_GET_INFO: {
			struct iscsi_portal_info info;
			const char *why;

			fill_cc(&info, sizeof(info));
			info.id = p->id;
			ret = fi_ioctl(self, op, self->fd, ISCSI_PORTAL_IOC_GET_INFO, &info);
			why = ret ? NULL : ipm_check_info(&self->m, &info);
			if (why) {
				fz_log("GET_INFO %" PRIu64 ": status %u gen %" PRIu64
				       ", model %u gen %" PRIu64 ": %s", (uint64_t)p->id,
				       info.status, (uint64_t)info.generation, p->status,
				       (uint64_t)p->gen, why);
				unexpected++;
			}
			break;
		}
		case FI_GET_STATUS: {
			struct iscsi_portal_status_arg sa;

			fill_cc(&sa, sizeof(sa));
			sa.id = p->id;
			ret = fi_ioctl(self, op, self->fd, ISCSI_PORTAL_IOC_GET_STATUS, &sa);
			if (!ret && (sa.status != p->status || sa.flags)) {
				fz_log("GET_STATUS %" PRIu64 ": status %u flags %#x, model %u",
				       (uint64_t)p->id, sa.status, sa.flags, p->status);
				unexpected++;
			}
			break;
		}
		case FI_LIST: {
			/* A whole walk, 3 per page; a failed page is asked again. */
			struct iscsi_portal_list l;
			__u64 cursor = 0;
			unsigned int pages = 0, tries = 0, seen = 0;

			do {
				memset(&l, 0, sizeof(l));
				l.cursor = cursor;
				l.entries = ip_ptr(page);
				l.capacity = 3;
				ret = fi_ioctl(self, op, self->fd, ISCSI_PORTAL_IOC_LIST, &l);
				if (ret == -ENOMEM && ++tries < 100)
					continue;
				if (ret)
					break;
				pages++;
				seen += l.count;
				cursor = l.cursor;
			} while (cursor && pages < 1000);
			if (!ret && seen != self->m.nlive) {
				fz_log("LIST walk saw %u portals, model %zu", seen,
				       self->m.nlive);
				unexpected++;
			}
			break;
		}
		case FI_WATCH: {
			int wfd = ip_open(O_RDONLY);	/* never under injection */

			ASSERT_LE(0, wfd);
			ret = fi_ioctl(self, op, wfd, ISCSI_PORTAL_IOC_WATCH, NULL);
			close(wfd);
			break;
		}
		case FI_VERSION:
			ret = fi_ioctl(self, op, self->fd, ISCSI_PORTAL_IOC_VERSION, &v);
			break;
		case FI_REENUM:
			ret = fi_ioctl(self, op, self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL);
			break;
		default:
			ret = fi_ioctl(self, op, self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL);
			break;
		}
		if (ret && ret != -ENOMEM) {
			fz_log("%s returned %s under fault injection (only 0 or ENOMEM "
			       "allowed)", fi_names[op], strerror(-ret));
			unexpected++;
		}
		/* What happened is what the model says: VERSION, injection off. */
		ASSERT_EQ(0, ip_version(self->fd, &v));
		if (v.table_generation != self->m.gen) {
			fz_log("%s returned %d: table_generation %" PRIu64 ", expected %"
			       PRIu64 "%s", fi_names[op], ret, (uint64_t)v.table_generation,
			       (uint64_t)self->m.gen,
			       ret == -ENOMEM ? " (ENOMEM changed the table)" : "");
			unexpected++;
			self->m.gen = v.table_generation;
		}
		if (it % 250 == 249 && fi_compare(self, "checkpoint"))
			unexpected++;
	}

	{
		char line[600];
		size_t len = 0;
		uint64_t total = 0, fails = 0;

		for (i = 0; i < FI_NOPS; i++) {
			total += self->calls[i];
			fails += self->enomem[i];
			len += (size_t)snprintf(line + len, sizeof(line) - len,
				" %s=%" PRIu64 "/%" PRIu64, fi_names[i],
				self->enomem[i], self->calls[i]);
		}
		fz_log("%" PRIu64 " iterations, %" PRIu64 " ioctls, %" PRIu64
		       " ENOMEM; ENOMEM/calls:%s", it, total, fails, line);
		/* WATCH allocates on every call. */
		if (!self->dryrun)
			EXPECT_LT(0ull, (unsigned long long)self->enomem[FI_WATCH])
			TH_LOG("no WATCH failed: was anything injected?");
	}
	EXPECT_EQ(0u, unexpected);
	EXPECT_EQ(0, fi_compare(self, "final"));

	/* Clean up (no injection): ours go, and stay EIDRM. */
	for (j = 0; j < self->m.n; j++) {
		struct ipm_portal *p = &self->m.p[j];

		if (p->from_list)
			continue;
		if (p->live) {
			EXPECT_EQ(0, ip_remove(self->fd, p->id));
			ipm_remove(&self->m, p->id, NULL);
		}
		EXPECT_EQ(-EIDRM, ip_get_status(self->fd, p->id, NULL, NULL));
	}
	EXPECT_EQ(0, fi_compare(self, "after cleanup"));
}

TEST_HARNESS_MAIN
