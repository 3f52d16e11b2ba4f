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
 *
 * Without fault injection (no /sys/kernel/debug/failslab) the test FAILS,
 * unless IPFAULT_REQUIRED=0, then it is skipped: non-debug kernels run it
 * that way.  IPFAULT_ITERS (default 2000), IPFAULT_PROBABILITY (percent,
 * default 20) and IPFAULT_SEED tune it; IPFAULT_DRYRUN=1 runs the model and
 * its checks without any injection (a check of the test itself).
 */
#include "fuzz.h"

#define FI_SLAB		"/sys/kernel/debug/failslab"
#define FI_PAGE		"/sys/kernel/debug/fail_page_alloc"
#define FI_MODEL	256

static const char *const fi_dirs[] = { FI_SLAB, FI_PAGE };
static const char *const fi_knobs[] = {
	"probability", "interval", "times", "verbose", "space",
	"ignore-gfp-wait", "task-filter",
};

struct fi_portal {
	uint64_t id;
	struct iscsi_portal_addr addr;
	uint32_t status;
	uint64_t gen;
	bool live;
	bool ours;		/* added by this test: removed at the end */
};

FIXTURE(fault) {
	int fd;
	int mif;		/* /proc/thread-self/make-it-fail */
	bool configured;
	bool dryrun;		/* IPFAULT_DRYRUN=1: the model alone, no injection */
	char saved[2][IP_ARRAY_SIZE(fi_knobs)][64];
	struct fi_portal m[FI_MODEL];
	unsigned int nm;
	uint64_t enomem[16], calls[16];
	const char *slab_flagged;	/* caches marked for the cache filter */
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

/* Mark (or unmark) the caches of @size for failslab's cache filter. */
static int fi_flag_caches(const char *size, bool on)
{
	static const char *const prefixes[] = { "kmalloc-", "kmalloc-cg-" };
	char path[128];
	unsigned int i;
	int flagged = 0, ret;

	for (i = 0; i < IP_ARRAY_SIZE(prefixes); i++) {
		snprintf(path, sizeof(path), FI_SLABS "/%s%s/failslab",
			 prefixes[i], size);
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
	if (self->dryrun) {
		fz_log("IPFAULT_DRYRUN=1: no injection, the model and checks only");
		return;
	}
	self->mif = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, self->mif) TH_LOG("make-it-fail: %s", strerror(errno));
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
		unsigned int i;

		for (i = 0; i < self->nm; i++)
			if (self->m[i].live && self->m[i].ours)
				ip_remove(self->fd, self->m[i].id);
		close(self->fd);
	}
}

static struct fi_portal *fi_pick_live(FIXTURE_DATA(fault) *self, uint64_t r)
{
	unsigned int i, n = 0;

	for (i = 0; i < self->nm; i++)
		if (self->m[i].live && self->m[i].ours)
			n++;
	if (!n)
		return NULL;
	n = (unsigned int)(r % n);
	for (i = 0; i < self->nm; i++)
		if (self->m[i].live && self->m[i].ours && !n--)
			return &self->m[i];
	return NULL;
}

/* The whole table, with injection off, equals the model. */
static int fi_compare(
FIXTURE_DATA(fault) *self, const char *when)
{
	struct iscsi_portal_info *all = NULL;
	struct iscsi_portal_version v;
	unsigned int i, live = 0, bad = 0;
	size_t n = 0, j;

	if (ip_list_all(self->fd, &all, &n, NULL) || ip_version(self->fd, &v)) {
		fz_log("%s: LIST/VERSION failed", when);
		free(all);
		return 1;
	}
	for (i = 0; i < self->nm; i++) {
		struct fi_portal *p = &self->m[i];

		if (!p->live)
			continue;
		live++;
		for (j = 0; j < n; j++)
			if (all[j].id == p->id)
				break;
		if (j == n) {
			fz_log("%s: portal %" PRIu64 " missing from LIST", when, p->id);
			bad++;
			continue;
		}
		if (memcmp(&all[j].addr, &p->addr, sizeof(p->addr)) ||
		    all[j].status != p->status || all[j].generation != p->gen ||
		    all[j].flags) {
			fz_log("%s: portal %" PRIu64 " is %s status %u gen %" PRIu64
			       " flags %#x; model status %u gen %" PRIu64, when,
			       p->id, ip_addr_str(&all[j].addr), all[j].status,
			       (uint64_t)all[j].generation, all[j].flags,
			       p->status, p->gen);
			bad++;
		}
	}
	if (n != live) {
		fz_log("%s: LIST has %zu portals, the model %u", when, n, live);
		bad++;
	}
	if (v.portal_count != n) {
		fz_log("%s: VERSION.portal_count %" PRIu64 ", LIST %zu", when,
		       (uint64_t)v.portal_count, n);
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
 * An ADD with every allocation failing (ADD allocates its portal object
 * each time): ENOMEM, nothing changes (generation, count, the id is not
 * issued), and the same ADD without injection gets exactly that id.
 */
TEST_F(fault, add_with_every_allocation_failing)
{
	struct iscsi_portal_version v0, v1;
	struct iscsi_portal_addr a;
	struct iscsi_portal_add arg;
	unsigned int d;
	__u64 id = 0;

	if (self->dryrun)
		SKIP(return, "IPFAULT_DRYRUN=1: nothing is injected");
	for (d = 0; d < 2; d++)
		ASSERT_EQ(0, fi_write(fi_dirs[d], "probability", "100"));

	/* The last id issued: ADD and REMOVE one, without injection. */
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE,
				   &id, NULL));
	ASSERT_EQ(0, ip_remove(self->fd, id));

	ASSERT_EQ(0, ip_version(self->fd, &v0));
	ip_unique_addr(&a, AF_INET6);
	memset(&arg, 0, sizeof(arg));
	arg.addr = a;
	arg.status = ISCSI_PORTAL_STATUS_OFFLINE;
	ASSERT_EQ(-ENOMEM, fi_ioctl(self, FI_ADD, self->fd, ISCSI_PORTAL_IOC_ADD, &arg));
	ASSERT_EQ(0, ip_version(self->fd, &v1));
	ASSERT_EQ(v0.table_generation, v1.table_generation);
	ASSERT_EQ(v0.portal_count, v1.portal_count);
	ASSERT_EQ(-ENOENT, ip_get_status(self->fd, id + 1, NULL, NULL));

	ASSERT_EQ(0, ip_add(self->fd, &a, ISCSI_PORTAL_STATUS_OFFLINE, &arg.id));
	EXPECT_EQ(id + 1, arg.id);
	EXPECT_EQ(0, ip_remove(self->fd, arg.id));
}

TEST_F_TIMEOUT(fault, every_ioctl, 900)
{
	uint64_t iters = fz_env_u64("IPFAULT_ITERS", 2000), it, rng;
	uint64_t last_id, gen, r;
	struct iscsi_portal_info *all = NULL, page[3];
	struct iscsi_portal_version v;
	struct iscsi_portal_addr a;
	unsigned int i, unexpected = 0;
	size_t n = 0;
	__u64 id;
	int ret;

	rng = fz_env_u64("IPFAULT_SEED", ip_now_ns());
	fz_log("IPFAULT_SEED=%" PRIu64 " IPFAULT_ITERS=%" PRIu64, rng, iters);

	/* The model starts as the table is; the portals of others stay put. */
	ASSERT_EQ(0, ip_list_all(self->fd, &all, &n, NULL));
	ASSERT_GE((size_t)(FI_MODEL / 2), n) TH_LOG("table too big for the model: %zu", n);
	for (i = 0; i < n; i++)
		self->m[self->nm++] = (struct fi_portal){ .id = all[i].id,
			.addr = all[i].addr, .status = all[i].status,
			.gen = all[i].generation, .live = true };
	free(all);
	/* The last id issued: ADD and REMOVE one, without injection. */
	ASSERT_EQ(0, ip_add_unique(self->fd, AF_INET, 1, &id, NULL));
	ASSERT_EQ(0, ip_remove(self->fd, id));
	last_id = id;
	ASSERT_EQ(0, ip_version(self->fd, &v));
	gen = v.table_generation;

	for (it = 0; it < iters && unexpected < 20; it++) {
		enum fi_op op;
		struct fi_portal *p;
		uint64_t expect_gen = gen;
		bool changed = false;

		rng += 0x9e3779b97f4a7c15ull;
		r = ip_mix64(rng);
		op = (enum fi_op)(r % FI_NOPS);
		r >>= 8;
		p = fi_pick_live(self, r >> 8);
		if ((op == FI_REMOVE || op == FI_SET || op == FI_REPORT ||
		     op == FI_GET_INFO || op == FI_GET_STATUS) && !p)
			op = FI_ADD;
		if (op == FI_ADD && self->nm >= FI_MODEL)
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
				       (uint64_t)arg.id, last_id + 1);
				unexpected++;
			}
			last_id = arg.id;
			self->m[self->nm++] = (struct fi_portal){ .id = arg.id,
				.addr = a, .status = st, .live = true, .ours = true };
			changed = true;
			break;
		}
		case FI_REMOVE: {
			struct iscsi_portal_ref ref = { .id = p->id };

			ret = fi_ioctl(self, op, self->fd, ISCSI_PORTAL_IOC_REMOVE, &ref);
			if (!ret) {
				p->live = false;
				changed = true;
			}
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
			if (!ret && sa.status != p->status) {
				p->status = sa.status;
				p->gen++;
				changed = true;
			}
			break;
		}
		case FI_GET_INFO: {
			struct iscsi_portal_info info;

			fill_cc(&info, sizeof(info));
			info.id = p->id;
			ret = fi_ioctl(self, op, self->fd, ISCSI_PORTAL_IOC_GET_INFO, &info);
			if (!ret && (info.status != p->status || info.generation != p->gen ||
				     memcmp(&info.addr, &p->addr, sizeof(a)) || info.flags)) {
				fz_log("GET_INFO %" PRIu64 ": status %u gen %" PRIu64
				       ", model %u gen %" PRIu64, p->id, info.status,
				       (uint64_t)info.generation, p->status, p->gen);
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
				       p->id, sa.status, sa.flags, p->status);
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
			if (!ret) {
				unsigned int live = 0;

				for (i = 0; i < self->nm; i++)
					live += self->m[i].live;
				if (seen != live) {
					fz_log("LIST walk saw %u portals, model %u", seen, live);
					unexpected++;
				}
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
		if (changed)
			expect_gen++;
		ASSERT_EQ(0, ip_version(self->fd, &v));
		if (v.table_generation != expect_gen) {
			fz_log("%s returned %d: table_generation %" PRIu64 ", expected %"
			       PRIu64 "%s", fi_names[op], ret, (uint64_t)v.table_generation,
			       expect_gen, ret == -ENOMEM ? " (ENOMEM changed the table)" : "");
			unexpected++;
			expect_gen = v.table_generation;
		}
		gen = expect_gen;
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
	for (i = 0; i < self->nm; i++) {
		if (!self->m[i].ours)
			continue;
		if (self->m[i].live) {
			EXPECT_EQ(0, ip_remove(self->fd, self->m[i].id));
			self->m[i].live = false;
		}
		EXPECT_EQ(-EIDRM, ip_get_status(self->fd, self->m[i].id, NULL, NULL));
	}
	EXPECT_EQ(0, fi_compare(self, "after cleanup"));
}

TEST_HARNESS_MAIN
