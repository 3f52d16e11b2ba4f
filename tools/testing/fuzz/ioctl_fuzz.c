// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz - a seeded fuzzer of /dev/iscsi_portal.
 *
 *   ioctl_fuzz [--seed N] [--calls N] [--seconds S] [--threads T] [harness options]
 *
 * or the environment: IPFUZZ_SEED, IPFUZZ_CALLS, IPFUZZ_SECONDS,
 * IPFUZZ_THREADS (the options win).  Defaults: a seed from the clock,
 * printed at start, 10,000,000 calls and 20 seconds in all (whichever
 * ends first), 4 threads.  With the same seed on a freshly loaded module
 * the single-threaded phase repeats call for call (ids come from the
 * module, so an older table changes them); the threaded phase repeats each
 * thread's choices, not the interleaving.  A failure line names the seed,
 * thread, call number, fd mode, pointer kind and the argument bytes.
 *
 * Tests (kselftest harness, TAP):
 *  fuzz.single_thread   30% of the budget, one thread
 *  fuzz.threads         60% of the budget, T threads racing on shared ids
 *  fuzz.add_efault      ADD whose struct is read-only: EFAULT, and no trace
 *  fuzz.final_consistency  single-threaded exact model, cleanup, table check
 *
 * Providers (API 2): each thread has one more fd that may PROVIDER_ATTACH
 * (a timeout of 1-50 ms); its ADDs make portals of that provider, it
 * reads the requests now and then and answers 0, an errno of its own
 * (EIO, EADDRINUSE, ENETDOWN, EHOSTDOWN), an invalid result (EINVAL) or
 * nothing (the caller's ETIMEDOUT), and it is closed now and then (its
 * portals become orphans, pending requests ENXIO).  ATTACH with one
 * invalid field, REPLY on any fd and GET_PROVIDER are fuzzed too.  The
 * ids a provider's ADD returned are known: only they may give EPERM,
 * ENXIO, a provider's errno or the PROVIDER/ORPHAN flags.
 *
 * Every result is checked against the errnos CONTRACT section 4 allows for
 * that call, narrowed by what the fuzzer knows for certain (a read-only fd
 * gets EBADF for a writer call; an unmapped or kernel pointer gets EFAULT;
 * a bad status or flags EINVAL; SET of a provider status EOPNOTSUPP; id 0
 * ENOENT; an id this process removed EIDRM; readers never EBUSY...).  Any
 * other result is a failure, printed with the call that produced it.
 *
 * The fuzzer only adds addresses it can recognise (198.18.0.0/15 and
 * 2001:db8:f022::/48, plus random ones whose ADD reported their id) and
 * removes all of them at the end.
 */
#include "fuzz.h"
#include "addr_check.h"
#include "model.h"

#include <limits.h>
#include <poll.h>

/* ----------------------------------------------------------------------
 * Configuration and state shared by the harness' forked test processes
 */

enum fz_cmd {
	C_VERSION, C_ADD, C_REMOVE, C_GET_INFO, C_GET_STATUS, C_SET, C_REPORT,
	C_LIST, C_REENUM, C_REFRESH, C_WATCH, C_GET_PROV, C_ATTACH, C_REPLY,
	C_BADCMD, C_READ, C_POLL, C_OPEN, C_KNOB, C_SERVE, C_PCLOSE, C_NCMD
};

/* What a provider's portal adds to SET (and REENUMERATE/REFRESH). */
#define EM_PROV	(EM(ENXIO) | EM(ETIMEDOUT) | EM(EIO) | EM(EADDRINUSE) | \
		 EM(ENETDOWN) | EM(EHOSTDOWN))
static const int fz_prov_errs[] = { EIO, EADDRINUSE, ENETDOWN, EHOSTDOWN };

static const struct fz_cmd_desc {
	const char *name;
	unsigned int cmd;
	size_t size;		/* argument struct, 0: none */
	bool writer;
	fz_emask base;		/* CONTRACT section 4: what it may return */
} fz_cmds[C_NCMD] = {
	[C_VERSION] = { "VERSION", ISCSI_PORTAL_IOC_VERSION,
		sizeof(struct iscsi_portal_version), false, EM_OK | EM(EFAULT) },
	[C_ADD] = { "ADD", ISCSI_PORTAL_IOC_ADD, sizeof(struct iscsi_portal_add),
		true, EM_OK | EM(EBADF) | EM(EPERM) | EM(EFAULT) | EM(EINVAL) |
		EM(EUCLEAN) | EM(EEXIST) | EM(ENOSPC) | EM(EBUSY) | EM(ENOMEM) },
	[C_REMOVE] = { "REMOVE", ISCSI_PORTAL_IOC_REMOVE,
		sizeof(struct iscsi_portal_ref), true, EM_OK | EM(EBADF) |
		EM(EPERM) | EM(EFAULT) | EM(EUCLEAN) | EM(ENOENT) | EM(EIDRM) |
		EM(EBUSY) },
	[C_GET_INFO] = { "GET_INFO", ISCSI_PORTAL_IOC_GET_INFO,
		sizeof(struct iscsi_portal_info), false, EM_OK | EM(EFAULT) |
		EM(EUCLEAN) | EM(ENOENT) | EM(EIDRM) },
	[C_GET_STATUS] = { "GET_STATUS", ISCSI_PORTAL_IOC_GET_STATUS,
		sizeof(struct iscsi_portal_status_arg), false, EM_OK |
		EM(EFAULT) | EM(EUCLEAN) | EM(ENOENT) | EM(EIDRM) },
	[C_SET] = { "SET_STATUS", ISCSI_PORTAL_IOC_SET_STATUS,
		sizeof(struct iscsi_portal_status_arg), true, EM_OK | EM(EBADF) |
		EM(EPERM) | EM(EFAULT) | EM(EINVAL) | EM(EOPNOTSUPP) |
		EM(EUCLEAN) | EM(ENOENT) | EM(EIDRM) | EM(EBUSY) },
	[C_REPORT] = { "REPORT_STATUS", ISCSI_PORTAL_IOC_REPORT_STATUS,
		sizeof(struct iscsi_portal_status_arg), true, EM_OK | EM(EBADF) |
		EM(EPERM) | EM(EFAULT) | EM(EINVAL) | EM(EUCLEAN) |
		EM(ENOENT) | EM(EIDRM) | EM(EBUSY) },
	[C_LIST] = { "LIST", ISCSI_PORTAL_IOC_LIST,
		sizeof(struct iscsi_portal_list), false, EM_OK | EM(EFAULT) |
		EM(EINVAL) | EM(EUCLEAN) },
	[C_REENUM] = { "REENUMERATE", ISCSI_PORTAL_IOC_REENUMERATE, 0, true,
		EM_OK | EM(EBADF) | EM(EPERM) | EM(EBUSY) },
	[C_REFRESH] = { "REFRESH", ISCSI_PORTAL_IOC_REFRESH, 0, true,
		EM_OK | EM(EBADF) | EM(EPERM) | EM(EBUSY) | EM(EUCLEAN) },
	[C_WATCH] = { "WATCH", ISCSI_PORTAL_IOC_WATCH, 0, false,
		EM_OK | EM(EBADF) | EM(ENOMEM) | EM(ENOSPC) },
	[C_GET_PROV] = { "GET_PROVIDER", ISCSI_PORTAL_IOC_GET_PROVIDER,
		sizeof(struct iscsi_portal_provider_info), false, EM_OK |
		EM(EFAULT) | EM(EUCLEAN) | EM(ENOENT) | EM(EIDRM) },
	[C_ATTACH] = { "PROVIDER_ATTACH", ISCSI_PORTAL_IOC_PROVIDER_ATTACH,
		sizeof(struct iscsi_portal_provider_attach), true, EM_OK |
		EM(EBADF) | EM(EPERM) | EM(EFAULT) | EM(EINVAL) | EM(EEXIST) |
		EM(ENOMEM) },
	[C_REPLY] = { "PROVIDER_REPLY", ISCSI_PORTAL_IOC_PROVIDER_REPLY,
		sizeof(struct iscsi_portal_reply), true, EM_OK | EM(EBADF) |
		EM(EPERM) | EM(EFAULT) | EM(EINVAL) | EM(ENOENT) },
	[C_BADCMD] = { "bad-command", 0, 0, false, EM(ENOTTY) },
	[C_READ] = { "read", 0, 0, false, 0 },
	[C_POLL] = { "poll", 0, 0, false, 0 },
	[C_OPEN] = { "open", 0, 0, false, 0 },
	[C_KNOB] = { "debugfs-knob", 0, 0, false, 0 },
	[C_SERVE] = { "provider-read", 0, 0, false, 0 },
	[C_PCLOSE] = { "provider-close", 0, 0, false, 0 },
};

#define FZ_IDMAP_BITS	(1u << 24)	/* ids tracked exactly: 16M */
#define FZ_POOL		64		/* ids all threads race on */
#define FZ_MAX_FAIL_LOG	40
#define FZ_MAX_THREADS	64

struct fz_shared {
	uint64_t seed, calls, seconds;
	unsigned int threads;
	uint64_t max_watchers;			/* the module parameter */
	unsigned int running;			/* threads of the phase running */
	uint64_t failures;			/* atomic */
	uint64_t max_id;			/* atomic max of ids seen */
	uint64_t corrupt_marks, recoveries;	/* atomic */
	int knobs_touched;			/* atomic */
	uint64_t count[C_NCMD][128];		/* atomic: [cmd][errno] */
	uint64_t pool[FZ_POOL];			/* atomic; 0 = free */
	uint8_t issued[FZ_IDMAP_BITS / 8];	/* ADD returned the id */
	uint8_t removed[FZ_IDMAP_BITS / 8];	/* REMOVE of it returned 0 */
	uint8_t provd[FZ_IDMAP_BITS / 8];	/* a provider's ADD returned it */
	int providers;				/* atomic: one was attached */
};

static struct fz_shared *fz;

static void __attribute__((constructor)) fz_shared_init(void)
{
	void *p = mmap(NULL, sizeof(*fz), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap shared state");
		exit(KSFT_FAIL);
	}
	fz = p;
}

static bool fz_bit_test(const uint8_t *map, uint64_t id)
{
	if (id >= FZ_IDMAP_BITS)
		return false;
	return __atomic_load_n(&map[id / 8], __ATOMIC_ACQUIRE) & (1u << (id % 8));
}

/* Sets the bit; returns whether it was set already. */
static bool fz_bit_set(uint8_t *map, uint64_t id)
{
	uint8_t old;

	if (id >= FZ_IDMAP_BITS)
		return false;
	old = __atomic_fetch_or(&map[id / 8], (uint8_t)(1u << (id % 8)),
				__ATOMIC_ACQ_REL);
	return old & (1u << (id % 8));
}

static void fz_note_id(uint64_t id)
{
	uint64_t cur = __atomic_load_n(&fz->max_id, __ATOMIC_RELAXED);

	while (id > cur && !__atomic_compare_exchange_n(&fz->max_id, &cur, id,
			false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* ----------------------------------------------------------------------
 * Per-thread state, memory to point at
 */

#define PG		4096u
#define FZ_LIST_CAP	1024u	/* entries before the guard page */
#define FZ_READ_RECS	1024u	/* event records before the guard page */

enum fz_ptr {
	P_GOOD, P_MISALIGNED, P_RO, P_STRADDLE,
	/* fully inaccessible from here on */
	P_NULL, P_HOLE, P_PROTNONE, P_LOW, P_KTEXT, P_KDIRECT, P_NONCANON,
	P_TOP, P_NKINDS
};

static const char *const fz_ptr_names[P_NKINDS] = {
	"good", "misaligned", "read-only", "straddling", "NULL", "munmapped",
	"PROT_NONE", "0x1000", "0xffffffff81000000", "0xffff888000000000",
	"0x8000000000000000", "0xfffffffffffffff8",
};

static void *fz_hole, *fz_protnone;	/* per process */

#define FZ_SLOTS	6

struct fz_slot {
	int fd;
	int flags;
	bool watching;
	bool have_seq;
	bool last_overflow;
	uint64_t last_seq;
};

struct fz_thread {
	unsigned int idx;
	uint64_t rng;
	uint64_t budget, calls;
	uint64_t deadline_ns;
	bool single;		/* the only thread: some extra certainty */
	uint64_t last_add_id;
	uint8_t *arg;		/* RW page, guard page after it */
	uint8_t *edge;		/* = arg + PG: the guard */
	uint8_t *ro;		/* a page kept PROT_READ */
	struct iscsi_portal_info *entries;	/* FZ_LIST_CAP, then a guard */
	struct iscsi_portal_event *events;	/* FZ_READ_RECS, then a guard */
	struct fz_slot slot[FZ_SLOTS];
	struct fz_slot prov;	/* O_RDWR|O_NONBLOCK; a provider when pattached */
	bool pattached;
	unsigned int pnames;	/* providers attached by this thread */
	char what[512];		/* the current call, for failure reports */
};

static uint64_t fz_rand(struct fz_thread *t)
{
	t->rng += 0x9e3779b97f4a7c15ull;
	return ip_mix64(t->rng);
}

static uint64_t fz_below(struct fz_thread *t, uint64_t n)
{
	return n ? fz_rand(t) % n : 0;
}

static bool fz_chance(struct fz_thread *t, unsigned int num, unsigned int den)
{
	return fz_below(t, den) < num;
}

static void *fz_map(size_t pages, size_t guard_pages)
{
	uint8_t *p = mmap(NULL, (pages + guard_pages) * PG,
			  PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, pages * PG);
	if (guard_pages && mprotect(p + pages * PG, guard_pages * PG, PROT_NONE)) {
		munmap(p, (pages + guard_pages) * PG);
		return NULL;
	}
	return p;
}

/* The process-wide bad pages: one unmapped hole, one PROT_NONE page. */
static int fz_process_init(void)
{
	uint8_t *p;

	if (fz_hole)
		return 0;
	/* Three pages, the middle one unmapped: a hole nothing else fills. */
	p = fz_map(3, 0);
	if (!p)
		return -ENOMEM;
	if (munmap(p + PG, PG))
		return -errno;
	fz_hole = p + PG;
	fz_protnone = fz_map(0, 1);
	return fz_protnone ? 0 : -ENOMEM;
}

static int fz_open_slot(struct fz_thread *t, int i, int flags)
{
	struct fz_slot *s = &t->slot[i];
	int fd = ip_open(flags);

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (fd < 0)
		return fd;
	s->fd = fd;
	s->flags = flags;
	return 0;
}

static bool fz_readable(int flags)
{
	return (flags & O_ACCMODE) != O_WRONLY;
}

static bool fz_writable(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY;
}

/*
 * May a WATCH on @s get ENOSPC?  Only when it is not watching yet and the
 * fds of the threads running now (nothing else watches while the fuzzer
 * runs) could hold every one of the module's max_watchers slots.
 */
static bool fz_watch_may_be_full(const struct fz_slot *s)
{
	return !s->watching &&
	       (uint64_t)fz->running * FZ_SLOTS >= fz->max_watchers;
}

static const char *fz_mode(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_RDONLY: return flags & O_NONBLOCK ? "O_RDONLY|O_NONBLOCK" : "O_RDONLY";
	case O_WRONLY: return flags & O_NONBLOCK ? "O_WRONLY|O_NONBLOCK" : "O_WRONLY";
	}
	return flags & O_NONBLOCK ? "O_RDWR|O_NONBLOCK" : "O_RDWR";
}

static int fz_thread_init(struct fz_thread *t, unsigned int idx, uint64_t seed)
{
	static const int modes[FZ_SLOTS] = {
		O_RDWR, O_RDONLY, O_WRONLY, O_RDONLY | O_NONBLOCK,
		O_RDWR | O_NONBLOCK, O_RDWR,
	};
	int i, ret;

	memset(t, 0, sizeof(*t));
	t->idx = idx;
	t->rng = ip_mix64(seed ^ ((uint64_t)(idx + 1) << 48));
	t->arg = fz_map(1, 1);
	t->ro = fz_map(1, 0);
	t->entries = fz_map(FZ_LIST_CAP * sizeof(*t->entries) / PG, 1);
	t->events = fz_map(FZ_READ_RECS * sizeof(*t->events) / PG, 1);
	if (!t->arg || !t->ro || !t->entries || !t->events)
		return -ENOMEM;
	t->edge = t->arg + PG;
	if (mprotect(t->ro, PG, PROT_READ))
		return -errno;
	for (i = 0; i < FZ_SLOTS; i++) {
		ret = fz_open_slot(t, i, modes[i]);
		if (ret)
			return ret;
	}
	ret = ip_open(O_RDWR | O_NONBLOCK);
	if (ret < 0)
		return ret;
	t->prov.fd = ret;
	t->prov.flags = O_RDWR | O_NONBLOCK;
	/* Two watchers from the start; more come and go. */
	for (i = 3; i < 5; i++) {
		if (ip_ioctl(t->slot[i].fd, ISCSI_PORTAL_IOC_WATCH, NULL) == 0)
			t->slot[i].watching = true;
	}
	return 0;
}

static void fz_thread_fini(struct fz_thread *t)
{
	int i;

	for (i = 0; i < FZ_SLOTS; i++)
		if (t->slot[i].fd >= 0)
			close(t->slot[i].fd);
	if (t->prov.fd > 0)
		close(t->prov.fd);
	if (t->arg)
		munmap(t->arg, 2 * PG);
	if (t->ro)
		munmap(t->ro, PG);
	if (t->entries)
		munmap(t->entries, FZ_LIST_CAP * sizeof(*t->entries) + PG);
	if (t->events)
		munmap(t->events, FZ_READ_RECS * sizeof(*t->events) + PG);
}

/* ----------------------------------------------------------------------
 * Results
 */

static void fz_count(enum fz_cmd c, int err)
{
	__atomic_add_fetch(&fz->count[c][err >= 0 && err < 128 ? err : 127], 1,
			   __ATOMIC_RELAXED);
}

static void __attribute__((format(printf, 2, 3)))
fz_fail(struct fz_thread *t, const char *fmt, ...)
{
	uint64_t n = __atomic_add_fetch(&fz->failures, 1, __ATOMIC_RELAXED);
	char msg[512];
	va_list ap;

	if (n > FZ_MAX_FAIL_LOG) {
		if (n == FZ_MAX_FAIL_LOG + 1)
			fz_log("FAIL: more failures, not shown");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fz_log("FAIL [seed %" PRIu64 " thread %u call %" PRIu64 "] %s: %s",
	       fz->seed, t ? t->idx : 0, t ? t->calls : 0, msg,
	       t ? t->what : "");
}

/* Check one result against the allowed set; counts it. */
static void fz_check(struct fz_thread *t, enum fz_cmd c, int err,
		     fz_emask allowed)
{
	char b1[24];

	fz_count(c, err);
	if (!fz_in(allowed, err)) {
		char set[256] = "";
		size_t len = 0;
		int e;

		for (e = 0; e < 128 && len < sizeof(set) - 16; e++) {
			char b2[24];

			if (allowed & EM(e))
				len += (size_t)snprintf(set + len, sizeof(set) - len,
					"%s%s", len ? "," : "",
					fz_errname(e, b2, sizeof(b2)));
		}
		fz_fail(t, "%s returned %s, allowed {%s}", fz_cmds[c].name,
			fz_errname(err, b1, sizeof(b1)), set);
	}
}

static void fz_hex(char *buf, size_t len, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off + 3 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%02x", b[i]);
}

/* ----------------------------------------------------------------------
 * Arguments
 */

static bool fz_addr_fuzzrange(const struct iscsi_portal_addr *a)
{
	if (a->family == AF_INET)
		return a->addr[0] == 198 && (a->addr[1] & 0xfe) == 18;
	if (a->family == AF_INET6)
		return a->addr[0] == 0x20 && a->addr[1] == 0x01 &&
		       a->addr[2] == 0x0d && a->addr[3] == 0xb8 &&
		       a->addr[4] == 0xf0 && a->addr[5] == 0x22;
	return false;
}

static void fz_flip_bits(struct fz_thread *t, void *p, size_t n)
{
	unsigned int flips = 1 + (unsigned int)fz_below(t, 3);
	uint8_t *b = p;

	while (flips--) {
		uint64_t bit = fz_below(t, n * 8);

		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static void fz_gen_addr(struct fz_thread *t, struct iscsi_portal_addr *a)
{
	uint64_t r = fz_rand(t), r2 = fz_rand(t);

	memset(a, 0, sizeof(*a));
	a->port = (uint16_t)(1 + fz_below(t, 65535));
	switch (fz_below(t, 12)) {
	case 0: case 1: case 2: case 3: case 4:
		a->family = AF_INET;
		a->addr[0] = 198;
		a->addr[1] = (uint8_t)(18 | (r & 1));
		a->addr[2] = (uint8_t)(r >> 8);
		a->addr[3] = (uint8_t)(r >> 16);
		break;
	case 5: case 6: case 7:
		a->family = AF_INET6;
		a->addr[0] = 0x20; a->addr[1] = 0x01;
		a->addr[2] = 0x0d; a->addr[3] = 0xb8;
		a->addr[4] = 0xf0; a->addr[5] = 0x22;
		memcpy(&a->addr[6], &r, 8);
		memcpy(&a->addr[14], &r2, 2);
		break;
	case 8:		/* link-local, with or without a scope */
		a->family = AF_INET6;
		a->addr[0] = 0xfe;
		a->addr[1] = (uint8_t)(0x80 | (r & 0x3f));
		memcpy(&a->addr[8], &r2, 8);
		a->scope_id = fz_chance(t, 3, 4) ? (uint32_t)(1 + (r >> 40) % 64) : 0;
		break;
	case 9:		/* multicast, broadcast, mapped, wildcard (port 1..3) */
		switch (r % 5) {
		case 0: a->family = AF_INET; a->addr[0] = (uint8_t)(224 + (r2 % 16)); break;
		case 1: a->family = AF_INET; memset(a->addr, 0xff, 4); break;
		case 2: a->family = AF_INET6; a->addr[0] = 0xff; a->addr[1] = 0x02; break;
		case 3: a->family = AF_INET6; a->addr[10] = a->addr[11] = 0xff;
			a->addr[12] = 198; a->addr[13] = 18; break;
		default:
			a->family = r2 & 1 ? AF_INET : AF_INET6;
			a->port = (uint16_t)(1 + (r2 >> 8) % 3);
			break;
		}
		break;
	default:	/* anything */
		a->family = (uint16_t)(r & 1 ? (r & 2 ? AF_INET : AF_INET6) : r >> 48);
		a->scope_id = fz_chance(t, 1, 2) ? 0 : (uint32_t)r2;
		memcpy(a->addr, &r2, 8);
		r = fz_rand(t);
		memcpy(a->addr + 8, &r, 8);
		if (fz_chance(t, 1, 4))
			a->port = 0;
		break;
	}
}

static uint32_t fz_gen_status(struct fz_thread *t)
{
	switch (fz_below(t, 10)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		return (fz_below(t, 2) ? ISCSI_PORTAL_STATUS_ONLINE :
			ISCSI_PORTAL_STATUS_OFFLINE);
	case 6: case 7:
		return ip_valid_statuses[fz_below(t, IP_ARRAY_SIZE(ip_valid_statuses))];
	case 8:
		return ip_invalid_statuses[fz_below(t, IP_ARRAY_SIZE(ip_invalid_statuses))];
	}
	return (uint32_t)fz_rand(t);
}

static uint32_t fz_gen_flags(struct fz_thread *t)
{
	if (fz_chance(t, 9, 10))
		return 0;
	return fz_chance(t, 1, 2) ? 1u << fz_below(t, 32) : (uint32_t)fz_rand(t);
}

static bool fz_status_valid(uint32_t s)
{
	return s == 0 || s == 1 || s == 2 || s == 4 || s == 5;
}

/* An id to use, and whether the fuzzer knows it can never be live. */
enum fz_idkind { ID_MAYBE, ID_NEVER, ID_REMOVED };

static uint64_t fz_gen_id(struct fz_thread *t, enum fz_idkind *kind)
{
	uint64_t max = __atomic_load_n(&fz->max_id, __ATOMIC_RELAXED), id;
	unsigned int i;

	*kind = ID_MAYBE;
	switch (fz_below(t, 20)) {
	case 0:
		*kind = ID_NEVER;
		return 0;
	case 1:
		*kind = ID_NEVER;
		return UINT64_MAX - fz_below(t, 2);
	case 2:
		*kind = ID_NEVER;
		return (1ull << 62) + fz_below(t, 1ull << 62);
	case 3: case 4:		/* near the live range, maybe not issued */
		return max + fz_below(t, 8) - (max > 3 ? 3 : max);
	case 5: case 6:		/* one this process removed */
		for (i = 0; i < 16 && max; i++) {
			id = 1 + fz_below(t, max);
			if (fz_bit_test(fz->removed, id))
				break;
		}
		if (i < 16 && max) {
			*kind = ID_REMOVED;
			return id;
		}
		return max;
	case 7:
		return fz_rand(t) >> fz_below(t, 64);
	}
	for (i = 0; i < 4; i++) {
		id = __atomic_load_n(&fz->pool[fz_below(t, FZ_POOL)], __ATOMIC_RELAXED);
		if (id)
			return id;
	}
	return max;
}

/*
 * What is certain about @id, checked before the call: 0 and ids >= 2^62
 * are never issued; an id whose REMOVE returned 0 stays EIDRM.
 */
static enum fz_idkind fz_classify(uint64_t id)
{
	if (!id || id >= (1ull << 62))
		return ID_NEVER;
	if (fz_bit_test(fz->removed, id))
		return ID_REMOVED;
	return ID_MAYBE;
}

static bool fz_ptr_dead(enum fz_ptr k)
{
	return k >= P_NULL;
}

static enum fz_ptr fz_gen_ptrkind(struct fz_thread *t)
{
	unsigned int r = (unsigned int)fz_below(t, 100);

	if (r < 70)
		return P_GOOD;
	if (r < 78)
		return P_MISALIGNED;
	if (r < 84)
		return P_RO;
	if (r < 90)
		return P_STRADDLE;
	return (enum fz_ptr)(P_NULL + fz_below(t, P_NKINDS - P_NULL));
}

/* The fully inaccessible pointers. */
static void *fz_bad_ptr(enum fz_ptr k)
{
	switch (k) {
	case P_HOLE: return fz_hole;
	case P_PROTNONE: return fz_protnone;
	case P_LOW: return (void *)(uintptr_t)0x1000;
	case P_KTEXT: return (void *)(uintptr_t)0xffffffff81000000ull;
	case P_KDIRECT: return (void *)(uintptr_t)0xffff888000000000ull;
	case P_NONCANON: return (void *)(uintptr_t)0x8000000000000000ull;
	case P_TOP: return (void *)(uintptr_t)0xfffffffffffffff8ull;
	default: return NULL;
	}
}

static bool fz_have_cap(void)
{
	static int cached = -1;

	if (cached < 0)
		cached = ip_cap_effective(CAP_NET_ADMIN);
	return cached;
}

/*
 * Put @size bytes of @data where a pointer of kind @k points (as far as it
 * is accessible) and return that pointer.  *@acc: bytes accessible there.
 */
static void *fz_place(struct fz_thread *t, enum fz_ptr k, const void *data,
		      size_t size, size_t *acc)
{
	uint8_t *p;
	size_t n;

	*acc = 0;
	switch (k) {
	case P_GOOD:
		p = t->arg;
		break;
	case P_MISALIGNED:
		p = t->arg + 1 + fz_below(t, 7);
		break;
	case P_RO:
		p = t->ro + 8 * fz_below(t, 64) + (fz_chance(t, 1, 4) ? 4 : 0);
		if (mprotect(t->ro, PG, PROT_READ | PROT_WRITE) == 0) {
			memcpy(p, data, size);
			mprotect(t->ro, PG, PROT_READ);
		}
		*acc = size;
		return p;
	case P_STRADDLE:
		n = size > 1 ? 1 + fz_below(t, size - 1) : 1;
		p = t->edge - n;
		memcpy(p, data, n < size ? n : size);
		*acc = n;
		return p;
	default:
		return fz_bad_ptr(k);
	}
	memcpy(p, data, size);
	*acc = size;
	return p;
}

/* ----------------------------------------------------------------------
 * Output validation
 */

/*
 * May @id be a provider's portal (or an orphan)?  Yes if a provider's ADD
 * returned it, and for an id no ADD of the fuzzer returned (yet): another
 * thread's provider may be adding it right now (its bit is set first), or
 * it is not the fuzzer's at all.  The fuzzer's own others are exact.
 */
static bool fz_may_be_prov(const struct fz_thread *t, uint64_t id)
{
	(void)t;
	return fz_bit_test(fz->provd, id) || !fz_bit_test(fz->issued, id);
}

/* The info flags @id may show. */
static uint32_t fz_info_flags(const struct fz_thread *t, uint64_t id)
{
	return ISCSI_PORTAL_INFO_BUSY | (fz_may_be_prov(t, id) ?
		ISCSI_PORTAL_INFO_PROVIDER | ISCSI_PORTAL_INFO_ORPHAN : 0);
}

static void fz_check_info(struct fz_thread *t, const struct iscsi_portal_info *in,
			  uint64_t want_id, const char *what)
{
	if (want_id && in->id != want_id)
		fz_fail(t, "%s: id %" PRIu64 " returned for %" PRIu64, what,
			(uint64_t)in->id, want_id);
	if (!fz_status_valid(in->status))
		fz_fail(t, "%s: id %" PRIu64 " has status %u", what,
			(uint64_t)in->id, in->status);
	if ((in->flags & ~fz_info_flags(t, in->id)) ||
	    ((in->flags & ISCSI_PORTAL_INFO_PROVIDER) &&
	     (in->flags & ISCSI_PORTAL_INFO_ORPHAN)))
		fz_fail(t, "%s: id %" PRIu64 " has flags %#x", what,
			(uint64_t)in->id, in->flags);
	if (!iscsi_portal_addr_valid(&in->addr))
		fz_fail(t, "%s: id %" PRIu64 " has an invalid address %s", what,
			(uint64_t)in->id, ip_addr_str(&in->addr));
}

static void fz_check_event(struct fz_thread *t, struct fz_slot *s,
			   const struct iscsi_portal_event *ev)
{
	bool ok;

	switch (ev->type) {
	case ISCSI_PORTAL_EVENT_ARRIVE:
		ok = ev->old_status == 0 && fz_status_valid(ev->new_status) && ev->id;
		break;
	case ISCSI_PORTAL_EVENT_DEPART:
		ok = ev->new_status == 0 && fz_status_valid(ev->old_status) && ev->id;
		break;
	case ISCSI_PORTAL_EVENT_MODIFY:
		/* Orphaning is a MODIFY even from UNKNOWN: the flags changed. */
		ok = fz_status_valid(ev->old_status) && ev->id &&
		     fz_status_valid(ev->new_status) &&
		     (ev->old_status != ev->new_status ||
		      (ev->new_status == ISCSI_PORTAL_STATUS_UNKNOWN &&
		       fz_may_be_prov(t, ev->id)));
		break;
	case ISCSI_PORTAL_EVENT_OVERFLOW:
		ok = !ev->id && !ev->old_status && !ev->new_status;
		break;
	default:
		ok = false;
	}
	if (!ok || ev->flags)
		fz_fail(t, "bad event record seq %" PRIu64 " id %" PRIu64
			" type %u old %u new %u flags %#x", (uint64_t)ev->seq,
			(uint64_t)ev->id, ev->type, ev->old_status,
			ev->new_status, ev->flags);
	if (s->have_seq) {
		if (s->last_overflow || ev->type == ISCSI_PORTAL_EVENT_OVERFLOW)
			ok = ev->seq > s->last_seq;
		else
			ok = ev->seq == s->last_seq + 1;
		if (!ok)
			fz_fail(t, "event seq %" PRIu64 " (type %u) after %" PRIu64
				"%s on fd %d", (uint64_t)ev->seq, ev->type,
				s->last_seq, s->last_overflow ? " (OVERFLOW)" : "",
				s->fd);
	}
	s->have_seq = true;
	s->last_seq = ev->seq;
	s->last_overflow = ev->type == ISCSI_PORTAL_EVENT_OVERFLOW;
}

/* ----------------------------------------------------------------------
 * The operations
 */

static struct fz_slot *fz_pick_slot(struct fz_thread *t)
{
	unsigned int r = (unsigned int)fz_below(t, 10);

	/* Now and then the provider fd, once it is one. */
	if (t->pattached && fz_chance(t, 1, 6))
		return &t->prov;
	/* Mostly the O_RDWR one; every mode regularly. */
	return &t->slot[r < 5 ? 0 : r - 4 < FZ_SLOTS ? r - 4 : 0];
}

/* A valid ioctl with a random or mutated-valid argument. */
static void fz_op_ioctl(struct fz_thread *t, enum fz_cmd c)
{
	const struct fz_cmd_desc *d = &fz_cmds[c];
	struct fz_slot *s = fz_pick_slot(t);
	enum fz_ptr pk = d->size ? fz_gen_ptrkind(t) : P_GOOD;
	enum fz_idkind idk = ID_MAYBE;
	union {
		struct iscsi_portal_version ver;
		struct iscsi_portal_add add;
		struct iscsi_portal_ref ref;
		struct iscsi_portal_info info;
		struct iscsi_portal_status_arg st;
		struct iscsi_portal_list list;
		struct iscsi_portal_provider_info prov;
		uint8_t raw[64];
	} a, out;
	enum fz_ptr ek = P_GOOD;	/* LIST entries */
	fz_emask allowed = d->base;
	bool content_known = true, writer_ok, pv = false;
	bool is_prov = s == &t->prov;
	void *p, *entries = NULL;
	size_t acc = 0;
	uint64_t id = 0;
	char hex[160];
	int ret;

	memset(&a, 0, sizeof(a));
	if (fz_chance(t, 1, 40)) {
		/* Pure garbage. */
		uint64_t r[8];
		unsigned int i;

		for (i = 0; i < 8; i++)
			r[i] = fz_rand(t);
		memcpy(&a, r, sizeof(a));
		content_known = false;
	} else {
		switch (c) {
		case C_ADD:
			fz_gen_addr(t, &a.add.addr);
			a.add.status = fz_chance(t, 9, 10) ?
				ip_valid_statuses[fz_below(t, 5)] : fz_gen_status(t);
			a.add.flags = fz_gen_flags(t);
			a.add.id = fz_chance(t, 1, 2) ? 0 : fz_rand(t);
			break;
		case C_REMOVE:
			a.ref.id = id = fz_gen_id(t, &idk);
			break;
		case C_GET_INFO:
			fill_cc(&a.info, sizeof(a.info));
			a.info.id = id = fz_gen_id(t, &idk);
			break;
		case C_GET_STATUS:
			fill_cc(&a.st, sizeof(a.st));
			a.st.id = id = fz_gen_id(t, &idk);
			break;
		case C_GET_PROV:
			fill_cc(&a.prov, sizeof(a.prov));
			a.prov.id = id = fz_gen_id(t, &idk);
			break;
		case C_SET:
		case C_REPORT:
			a.st.id = id = fz_gen_id(t, &idk);
			a.st.status = fz_gen_status(t);
			a.st.flags = fz_gen_flags(t);
			break;
		case C_LIST: {
			static const uint32_t caps[] = { 0, 1, 2, 3, 16, 17, 64, 1023,
				1024, 1025, 4096, 0x7fffffff, 0xffffffff };
			a.list.cursor = fz_chance(t, 1, 2) ? 0 : fz_gen_id(t, &idk);
			idk = ID_MAYBE;
			a.list.capacity = fz_chance(t, 3, 4) ?
				caps[fz_below(t, IP_ARRAY_SIZE(caps))] : (uint32_t)fz_rand(t);
			ek = fz_chance(t, 4, 5) ? P_GOOD : fz_gen_ptrkind(t);
			if (ek == P_GOOD) {
				/* Never more than fits before the guard page. */
				entries = t->entries + FZ_LIST_CAP -
					(a.list.capacity < FZ_LIST_CAP ? a.list.capacity : FZ_LIST_CAP);
			} else if (ek == P_MISALIGNED) {
				entries = (uint8_t *)t->entries + 1 + fz_below(t, 47);
				ek = P_STRADDLE;	/* may run into the guard */
			} else if (ek == P_RO) {
				entries = t->ro;
			} else if (ek == P_STRADDLE) {
				entries = (uint8_t *)(t->entries + FZ_LIST_CAP) -
					1 - fz_below(t, 47);
			} else {
				entries = fz_bad_ptr(ek);
			}
			a.list.entries = ip_ptr(entries);
			a.list.count = (uint32_t)fz_rand(t);
			a.list.table_generation = fz_rand(t);
			break;
		}
		default:	/* VERSION */
			fill_cc(&a.ver, sizeof(a.ver));
			break;
		}
		if (fz_chance(t, 1, 12) && d->size) {
			fz_flip_bits(t, &a, d->size);
			content_known = false;
		}
	}
	/*
	 * LIST entries is where the kernel writes: a flipped or random pointer
	 * could land in this process' own memory (the shared state, a stack)
	 * and corrupt the fuzzer.  Bits flip everywhere else; entries is
	 * always one of the pointers chosen above, or a dead one.
	 */
	if (c == C_LIST) {
		if (!entries) {
			ek = (enum fz_ptr)(P_NULL + fz_below(t, P_NKINDS - P_NULL));
			entries = fz_bad_ptr(ek);
		}
		a.list.entries = ip_ptr(entries);
	}
	/* A read-only ADD could not report its id: keep to 4 addresses. */
	if (c == C_ADD && pk == P_RO) {
		memset(&a, 0, sizeof(a));
		ip_addr4(&a.add.addr, 198, 19, 255, (uint8_t)(1 + fz_below(t, 4)), 3260);
		a.add.status = ISCSI_PORTAL_STATUS_ONLINE;
		content_known = true;
	}
	/* What the kernel will see (bits may have flipped). */
	if (c == C_REMOVE || c == C_GET_INFO || c == C_GET_STATUS ||
	    c == C_SET || c == C_REPORT || c == C_GET_PROV) {
		id = a.ref.id;
		idk = fz_classify(id);
		pv = fz_may_be_prov(t, id);
	}

	p = d->size ? fz_place(t, pk, &a, d->size, &acc) : NULL;
	fz_hex(hex, sizeof(hex), &a, d->size);
	snprintf(t->what, sizeof(t->what), "%s fd %s arg %s %p [%s]%s%s",
		 d->name, fz_mode(s->flags), fz_ptr_names[pk], p, hex,
		 c == C_LIST ? " entries " : "",
		 c == C_LIST ? fz_ptr_names[ek] : "");

	ret = ip_ioctl(s->fd, d->cmd, p);
	t->calls++;

	/* --- What may it return? (CONTRACT 4, first row wins) --- */
	writer_ok = fz_writable(s->flags);
	if (d->writer && !writer_ok) {
		allowed = EM(EBADF);
		goto check;
	}
	allowed &= ~(EM(EBADF) | EM(EPERM));
	if (d->writer && !fz_have_cap()) {
		allowed = EM(EPERM);
		goto check;
	}
	/* A provider's portal: REMOVE and REPORT are its own (API 2). */
	if (pv && (c == C_REMOVE || c == C_REPORT))
		allowed |= EM(EPERM) | (c == C_REPORT ? EM(ENXIO) : 0);
	if (pv && c == C_SET)
		allowed |= EM_PROV;
	if ((c == C_REENUM || c == C_REFRESH) &&
	    __atomic_load_n(&fz->providers, __ATOMIC_ACQUIRE))
		allowed |= EM_PROV;
	if (c == C_WATCH && is_prov) {
		allowed = EM(EINVAL);	/* a provider is never a watcher */
		goto check;
	}
	if (c == C_WATCH) {
		allowed = fz_readable(s->flags) ? EM_OK | EM(ENOMEM) |
			  (fz_watch_may_be_full(s) ? EM(ENOSPC) : 0) : EM(EBADF);
		goto check;
	}
	if (!d->size)
		goto check;
	if (fz_ptr_dead(pk)) {
		allowed = EM(EFAULT);
		goto check;
	}
	switch (pk) {
	case P_GOOD:
	case P_MISALIGNED:
		/* LIST: a flipped entries pointer or capacity may fault. */
		if (c != C_LIST || (ek == P_GOOD && content_known))
			allowed &= ~EM(EFAULT);
		break;
	case P_RO:
		if (c == C_VERSION) {
			allowed = EM(EFAULT);
			goto check;
		}
		if (c == C_REMOVE || c == C_SET || c == C_REPORT) {
			allowed &= ~EM(EFAULT);
			break;
		}
		/* An in/out argument that cannot be written: EFAULT first. */
		allowed = EM(EFAULT);
		goto check;
	default:	/* P_STRADDLE */
		/* Part of the argument is not there: EFAULT first. */
		allowed = EM(EFAULT);
		goto check;
	}
	if (!content_known)
		goto check;

	switch (c) {
	case C_ADD:
		/* The validator the module builds (drivers/.../addr_check.h). */
		if (a.add.flags || !fz_status_valid(a.add.status) ||
		    !iscsi_portal_addr_valid(&a.add.addr)) {
			allowed = EM(EINVAL);
			goto check;
		}
		allowed &= ~EM(EINVAL);
		break;
	case C_SET:
	case C_REPORT: {
		/*
		 * The argument's errors, EINVAL and EOPNOTSUPP, rank alike
		 * (CONTRACT 4): either, when both apply.  SET's one flag,
		 * DROP_SESSIONS (API 2), goes with OFFLINE only.
		 */
		uint32_t other = c == C_SET ? ISCSI_PORTAL_SET_DROP_SESSIONS : 0;
		bool on_off = a.st.status == ISCSI_PORTAL_STATUS_ONLINE ||
			      a.st.status == ISCSI_PORTAL_STATUS_OFFLINE;
		fz_emask arg = 0;

		if ((a.st.flags & ~other) || !fz_status_valid(a.st.status) ||
		    (a.st.flags && a.st.status == ISCSI_PORTAL_STATUS_ONLINE))
			arg |= EM(EINVAL);
		if (c == C_SET && fz_status_valid(a.st.status) && !on_off)
			arg |= EM(EOPNOTSUPP);
		if (arg) {
			allowed = arg;
			goto check;
		}
		allowed &= ~(EM(EINVAL) | EM(EOPNOTSUPP));
		/*
		 * DROP_SESSIONS asks the portal's provider, once the id is
		 * found: EOPNOTSUPP for a portal of none.
		 */
		if (a.st.flags && !pv)
			allowed = (allowed & (EM(EUCLEAN) | EM(ENOENT) | EM(EIDRM))) |
				  EM(EOPNOTSUPP);
	}
		/* fall through */
	case C_REMOVE:
	case C_GET_INFO:
	case C_GET_STATUS:
	case C_GET_PROV:
		if (idk == ID_NEVER)
			allowed &= EM(ENOENT) | EM(EUCLEAN);
		else if (idk == ID_REMOVED)
			allowed &= EM(EIDRM) | EM(EUCLEAN);
		break;
	case C_LIST:
		if (!a.list.capacity) {
			allowed = EM(EINVAL);
			goto check;
		}
		allowed &= ~EM(EINVAL);
		break;
	default:
		break;
	}

check:
	fz_check(t, c, ret < 0 ? -ret : 0, allowed);
	if (ret)
		return;
	if (c == C_WATCH && !s->watching) {
		s->watching = true;
		s->have_seq = false;
	}

	/* --- Success: is the output sane? --- */
	if (pk == P_GOOD || pk == P_MISALIGNED)
		memcpy(&out, p, d->size);
	else
		memcpy(&out, &a, sizeof(out));
	switch (c) {
	case C_VERSION:
		if (out.ver.api_version != ISCSI_PORTAL_API_VERSION ||
		    (out.ver.flags & ~ISCSI_PORTAL_TABLE_CORRUPT) ||
		    out.ver.reserved[0] || out.ver.reserved[1])
			fz_fail(t, "VERSION returned api %u flags %#x reserved %" PRIx64
				" %" PRIx64, out.ver.api_version, out.ver.flags,
				(uint64_t)out.ver.reserved[0],
				(uint64_t)out.ver.reserved[1]);
		break;
	case C_ADD: {
		uint64_t nid = out.add.id, slot;
		unsigned int i;

		/*
		 * A provider's ADD of an orphan's address adopts it: the id
		 * comes back, the orphan's, which a provider's ADD returned
		 * before.  Its bit is set before the id is published.
		 */
		if (is_prov && nid && fz_bit_test(fz->issued, nid)) {
			if (!fz_bit_test(fz->provd, nid))
				fz_fail(t, "a provider's ADD returned id %" PRIu64
					", which was no provider's", nid);
			if (fz_bit_test(fz->removed, nid))
				fz_fail(t, "a provider's ADD adopted the removed id %"
					PRIu64, nid);
			break;
		}
		if (is_prov)
			fz_bit_set(fz->provd, nid);
		if (!nid || nid <= t->last_add_id)
			fz_fail(t, "ADD returned id %" PRIu64 " after this thread's %"
				PRIu64, nid, t->last_add_id);
		if (fz_bit_set(fz->issued, nid))
			fz_fail(t, "ADD returned id %" PRIu64 " a second time", nid);
		/*
		 * Alone, a removed id must never come back.  With threads,
		 * another one may guess the new id (max + small) and REMOVE
		 * it before this ADD returns: not a reuse.
		 */
		if (t->single && fz_bit_test(fz->removed, nid))
			fz_fail(t, "ADD reused the removed id %" PRIu64, nid);
		t->last_add_id = nid;
		fz_note_id(nid);
		for (i = 0; i < 8; i++) {
			uint64_t zero = 0;

			slot = fz_below(t, FZ_POOL);
			if (__atomic_compare_exchange_n(&fz->pool[slot], &zero, nid,
					false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		}
		break;
	}
	case C_REMOVE: {
		unsigned int i;

		id = out.ref.id;
		if (fz_bit_set(fz->removed, id))
			fz_fail(t, "REMOVE of id %" PRIu64 " succeeded twice", id);
		for (i = 0; i < FZ_POOL; i++) {
			uint64_t cur = id;

			__atomic_compare_exchange_n(&fz->pool[i], &cur, 0, false,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED);
		}
		break;
	}
	case C_GET_INFO:
		fz_check_info(t, &out.info, id, "GET_INFO");
		break;
	case C_GET_PROV: {
		size_t len = strnlen(out.prov.name, sizeof(out.prov.name)), i;
		bool pad = true;

		for (i = len; i < sizeof(out.prov.name); i++)
			pad &= !out.prov.name[i];
		if (out.prov.id != id || out.prov.reserved || !pad ||
		    (out.prov.flags & ~(ISCSI_PORTAL_INFO_PROVIDER |
					ISCSI_PORTAL_INFO_ORPHAN)) ||
		    (out.prov.flags && !pv) ||
		    ((out.prov.flags & ISCSI_PORTAL_INFO_PROVIDER) &&
		     (out.prov.flags & ISCSI_PORTAL_INFO_ORPHAN)) ||
		    (len && !pv))
			fz_fail(t, "GET_PROVIDER returned id %" PRIu64 " flags %#x "
				"reserved %#x name \"%.32s\" (%zu, padded %d)",
				(uint64_t)out.prov.id, out.prov.flags,
				out.prov.reserved, out.prov.name, len, pad);
		break;
	}
	case C_GET_STATUS:
		if (out.st.id != id || !fz_status_valid(out.st.status) ||
		    (out.st.flags & ~fz_info_flags(t, id)))
			fz_fail(t, "GET_STATUS returned id %" PRIu64 " status %u flags %#x",
				(uint64_t)out.st.id, out.st.status, out.st.flags);
		break;
	case C_LIST: {
		uint32_t n = out.list.count, i;
		uint64_t first = a.list.cursor ? a.list.cursor : 1, prev = 0;
		struct iscsi_portal_info e;

		if (!content_known)
			break;
		if (n > a.list.capacity)
			fz_fail(t, "LIST count %u > capacity %u", n, a.list.capacity);
		if (ek != P_GOOD || n > FZ_LIST_CAP)
			break;
		for (i = 0; i < n; i++) {
			memcpy(&e, (struct iscsi_portal_info *)entries + i, sizeof(e));
			if (e.id < first || e.id <= prev)
				fz_fail(t, "LIST entry %u: id %" PRIu64 " after %" PRIu64
					" (cursor %" PRIu64 ")", i, (uint64_t)e.id,
					prev, first);
			fz_check_info(t, &e, 0, "LIST");
			prev = e.id;
		}
		if (out.list.cursor && n && out.list.cursor <= prev)
			fz_fail(t, "LIST cursor %" PRIu64 " not after the last id %" PRIu64,
				(uint64_t)out.list.cursor, prev);
		break;
	}
	default:
		break;
	}
}

/* Random command numbers: unknown ones must be ENOTTY, nothing else. */
static bool fz_vfs_type(unsigned int type)
{
	/* Types do_vfs_ioctl() serves itself (FIONBIO, FIFREEZE, FICLONE...). */
	return type == 0x00 || type == 0x15 || type == 'T' || type == 'X' ||
	       type == 'f' || type == 0x94;
}

static bool fz_known_cmd(unsigned int cmd)
{
	/* The providers' commands (API 2): fuzzed by their own operations. */
	static const unsigned int providers[] = {
		ISCSI_PORTAL_IOC_PROVIDER_ATTACH, ISCSI_PORTAL_IOC_PROVIDER_REPLY,
		ISCSI_PORTAL_IOC_GET_PROVIDER,
	};
	unsigned int i;
	int c;

	for (c = 0; c <= C_WATCH; c++)
		if (fz_cmds[c].cmd == cmd)
			return true;
	for (i = 0; i < IP_ARRAY_SIZE(providers); i++)
		if (providers[i] == cmd)
			return true;
	return false;
}

static void fz_op_badcmd(struct fz_thread *t)
{
	struct fz_slot *s = fz_pick_slot(t);
	enum fz_ptr pk = fz_gen_ptrkind(t);
	unsigned int cmd, base;
	size_t acc;
	uint8_t junk[64];
	void *p;
	int ret, tries = 0;

	memset(junk, 0, sizeof(junk));
	do {
		switch (fz_below(t, 4)) {
		case 0:	/* our magic, random nr/size/dir */
			cmd = _IOC((unsigned int)fz_below(t, 4), ISCSI_PORTAL_IOC_MAGIC,
				   (unsigned int)fz_below(t, 256),
				   (unsigned int)fz_below(t, 1u << _IOC_SIZEBITS));
			break;
		case 1:	/* a valid command, another size */
			base = fz_cmds[fz_below(t, C_WATCH + 1)].cmd;
			cmd = _IOC(_IOC_DIR(base), _IOC_TYPE(base), _IOC_NR(base),
				   fz_chance(t, 1, 2) ? _IOC_SIZE(base) ^ (1u << fz_below(t, 14)) :
				   (unsigned int)fz_below(t, 1u << _IOC_SIZEBITS));
			break;
		case 2:	/* a valid command, another direction */
			base = fz_cmds[fz_below(t, C_WATCH + 1)].cmd;
			cmd = _IOC((_IOC_DIR(base) + 1 + (unsigned int)fz_below(t, 3)) & 3,
				   _IOC_TYPE(base), _IOC_NR(base), _IOC_SIZE(base));
			break;
		default: /* anything */
			cmd = (unsigned int)fz_rand(t);
			break;
		}
	} while ((fz_known_cmd(cmd) || fz_vfs_type(_IOC_TYPE(cmd))) && ++tries < 100);
	if (tries >= 100)
		return;
	p = fz_place(t, pk, junk, sizeof(junk), &acc);
	snprintf(t->what, sizeof(t->what), "ioctl %#x fd %s arg %s %p", cmd,
		 fz_mode(s->flags), fz_ptr_names[pk], p);
	ret = ip_ioctl(s->fd, cmd, p);
	t->calls++;
	fz_check(t, C_BADCMD, ret < 0 ? -ret : 0, EM(ENOTTY));
}

static void fz_op_watch(struct fz_thread *t)
{
	int i = (int)fz_below(t, FZ_SLOTS);
	struct fz_slot *s = &t->slot[i];
	int ret = ip_ioctl(s->fd, ISCSI_PORTAL_IOC_WATCH, NULL);

	snprintf(t->what, sizeof(t->what), "WATCH fd %s%s", fz_mode(s->flags),
		 s->watching ? " (again)" : "");
	t->calls++;
	fz_check(t, C_WATCH, -ret, fz_readable(s->flags) ? EM_OK | EM(ENOMEM) |
		 (fz_watch_may_be_full(s) ? EM(ENOSPC) : 0) : EM(EBADF));
	if (!ret && !s->watching) {
		s->watching = true;
		s->have_seq = false;
	}
}

static void fz_op_read(struct fz_thread *t)
{
	static const size_t sizes[] = { 0, 1, 31, 32, 33, 63, 64, 96, 512, 4096,
		32768, 65536 * 2 + 32, SIZE_MAX, (size_t)SSIZE_MAX + 1, 1u << 20 };
	struct fz_slot *s = &t->slot[fz_below(t, FZ_SLOTS)];
	enum fz_ptr pk = fz_chance(t, 3, 4) ? P_GOOD : fz_gen_ptrkind(t);
	size_t size = fz_chance(t, 4, 5) ? sizes[fz_below(t, IP_ARRAY_SIZE(sizes))] :
		(size_t)fz_below(t, 8192);
	fz_emask allowed;
	uint8_t *p;
	ssize_t n;
	size_t room, i;
	int err;

	/* A blocking read only when it cannot block: ready, and only we read. */
	if (s->watching && !(s->flags & O_NONBLOCK)) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

		if (poll(&pfd, 1, 0) != 1)
			return;
	}
	switch (pk) {
	case P_GOOD:
		room = FZ_READ_RECS * sizeof(*t->events);
		p = (uint8_t *)t->events;
		if (size <= room)
			p += room - size;	/* ends at the guard */
		break;
	case P_MISALIGNED:
		p = (uint8_t *)t->events + 1 + fz_below(t, 31);
		room = FZ_READ_RECS * sizeof(*t->events) - (size_t)(p - (uint8_t *)t->events);
		break;
	case P_STRADDLE:
		p = (uint8_t *)(t->events + FZ_READ_RECS) - 1 - fz_below(t, 100);
		room = (size_t)((uint8_t *)(t->events + FZ_READ_RECS) - p);
		break;
	case P_RO:
		p = t->ro;
		room = 0;
		break;
	default:
		p = fz_bad_ptr(pk);
		room = 0;
		break;
	}
	snprintf(t->what, sizeof(t->what), "read fd %s%s size %zu buf %s %p",
		 fz_mode(s->flags), s->watching ? " (watching)" : "", size,
		 fz_ptr_names[pk], (void *)p);
	n = read(s->fd, p, size);
	err = n < 0 ? errno : 0;
	t->calls++;

	if (!fz_readable(s->flags)) {
		allowed = EM(EBADF);
	} else if (!s->watching) {
		/* The driver's EINVAL, unless access_ok() failed first. */
		allowed = EM(EINVAL) | EM(EFAULT);
		if (pk <= P_LOW && size <= (1u << 20))
			allowed = EM(EINVAL);
	} else {
		allowed = EM_OK | EM(EINVAL) | EM(EFAULT) | EM(EINTR) |
			  ((s->flags & O_NONBLOCK) ? EM(EAGAIN) : 0);
		if (size < sizeof(struct iscsi_portal_event) && size)
			allowed &= EM(EINVAL) | EM(EFAULT);
		if (size == 0)	/* access_ok(kernel address, 0) fails */
			allowed = EM(EINVAL) | EM_OK | EM(EFAULT);
		if ((pk == P_GOOD || pk == P_MISALIGNED) && size <= room &&
		    size < (size_t)SSIZE_MAX)
			allowed &= ~EM(EFAULT);
	}
	fz_check(t, C_READ, err, allowed);
	if (n <= 0)
		return;
	if (n % (ssize_t)sizeof(struct iscsi_portal_event) || (size_t)n > size ||
	    (size_t)n > room) {
		fz_fail(t, "read returned %zd", n);
		s->have_seq = false;
		return;
	}
	for (i = 0; i < (size_t)n / sizeof(struct iscsi_portal_event); i++) {
		struct iscsi_portal_event ev;

		memcpy(&ev, p + i * sizeof(ev), sizeof(ev));
		fz_check_event(t, s, &ev);
	}
}

static void fz_op_poll(struct fz_thread *t)
{
	struct pollfd pfd[FZ_SLOTS];
	int i, ret, timeout = fz_chance(t, 1, 20) ? 1 : 0;

	for (i = 0; i < FZ_SLOTS; i++) {
		pfd[i].fd = t->slot[i].fd;
		pfd[i].events = (short)(fz_chance(t, 1, 2) ? POLLIN | POLLRDNORM :
					POLLIN | POLLOUT | POLLPRI);
		pfd[i].revents = 0;
	}
	snprintf(t->what, sizeof(t->what), "poll %d fds timeout %d", FZ_SLOTS, timeout);
	ret = poll(pfd, FZ_SLOTS, timeout);
	t->calls++;
	fz_check(t, C_POLL, ret < 0 ? errno : 0, EM_OK | EM(EINTR));
	if (ret < 0)
		return;
	for (i = 0; i < FZ_SLOTS; i++) {
		short bad = (short)~(POLLIN | POLLRDNORM);

		if (!t->slot[i].watching)
			bad = (short)~0;
		if (pfd[i].revents & bad)
			fz_fail(t, "poll: fd %s%s revents %#x",
				fz_mode(t->slot[i].flags),
				t->slot[i].watching ? " (watching)" : "",
				(unsigned int)pfd[i].revents);
	}
}

static void fz_op_reopen(struct fz_thread *t)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR,
		O_RDONLY | O_NONBLOCK, O_RDWR | O_NONBLOCK };
	int i = (int)fz_below(t, FZ_SLOTS);
	int mode = modes[fz_below(t, IP_ARRAY_SIZE(modes))], ret;

	/* Slot 0 stays O_RDWR: most calls need a writer. */
	if (i == 0)
		mode = O_RDWR;
	close(t->slot[i].fd);
	ret = fz_open_slot(t, i, mode);
	snprintf(t->what, sizeof(t->what), "open %s", fz_mode(mode));
	t->calls++;
	fz_check(t, C_OPEN, -ret, EM_OK);
	if (ret)	/* keep going with a valid fd */
		fz_open_slot(t, i, mode);
}

/* REENUMERATE then REFRESH, the recovery of a corrupt table. */
static void fz_op_recover(struct fz_thread *t)
{
	int ret;

	snprintf(t->what, sizeof(t->what), "REENUMERATE (recovery)");
	ret = ip_ioctl(t->slot[0].fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL);
	t->calls++;
	fz_check(t, C_REENUM, -ret, (fz_cmds[C_REENUM].base & ~(EM(EBADF) | EM(EPERM))) |
		 (__atomic_load_n(&fz->providers, __ATOMIC_ACQUIRE) ? EM_PROV : 0));
	if (ret)
		return;
	snprintf(t->what, sizeof(t->what), "REFRESH (recovery)");
	ret = ip_ioctl(t->slot[0].fd, ISCSI_PORTAL_IOC_REFRESH, NULL);
	t->calls++;
	fz_check(t, C_REFRESH, -ret, (fz_cmds[C_REFRESH].base & ~(EM(EBADF) | EM(EPERM))) |
		 (__atomic_load_n(&fz->providers, __ATOMIC_ACQUIRE) ? EM_PROV : 0));
	if (!ret)
		__atomic_add_fetch(&fz->recoveries, 1, __ATOMIC_RELAXED);
}

static void fz_op_knob(struct fz_thread *t)
{
	int ret;

	if (!fz_have_debugfs())
		return;
	__atomic_store_n(&fz->knobs_touched, 1, __ATOMIC_RELAXED);
	if (fz_chance(t, 1, 8)) {
		snprintf(t->what, sizeof(t->what), "write 1 to corrupt");
		ret = ip_mark_corrupt();
		if (!ret)
			__atomic_add_fetch(&fz->corrupt_marks, 1, __ATOMIC_RELAXED);
	} else {
		uint32_t ms = (uint32_t)fz_below(t, 3);

		snprintf(t->what, sizeof(t->what), "write %u to set_delay_ms", ms);
		ret = ip_knob_write_u32(IP_KNOB_SET_DELAY, ms);
	}
	t->calls++;
	fz_check(t, C_KNOB, -ret, EM_OK);
}

/*
 * PROVIDER_ATTACH: a valid one on the thread's provider fd (EEXIST once it
 * is one), or one invalid field on any fd (EINVAL; EBADF read-only or
 * write-only, since a provider reads its requests), or a
 * valid one on a watcher (EINVAL).  Never a valid one on another slot: it
 * would stop reading events.
 */
static void fz_op_attach(struct fz_thread *t)
{
	struct iscsi_portal_provider_attach at;
	struct fz_slot *s = &t->prov;
	unsigned int bad = (unsigned int)fz_below(t, 10);
	enum fz_ptr pk = fz_chance(t, 9, 10) ? P_GOOD : fz_gen_ptrkind(t);
	fz_emask allowed;
	size_t acc;
	void *p;
	int ret;

	memset(&at, 0, sizeof(at));
	at.timeout_ms = 1 + (uint32_t)fz_below(t, 50);
	snprintf(at.name, sizeof(at.name), "fz%u-%u", t->idx, t->pnames);
	if (bad < 4) {
		s = &t->slot[fz_below(t, FZ_SLOTS)];
		if (!s->watching || fz_chance(t, 1, 2))
			bad = 4 + (unsigned int)fz_below(t, 4);
	}
	switch (bad) {
	case 4: at.flags = 1u << fz_below(t, 32); break;
	case 5: at.timeout_ms = 600001 + (uint32_t)fz_below(t, 1u << 31); break;
	case 6: memset(at.name, fz_chance(t, 1, 2) ? 0 : 'n', sizeof(at.name)); break;
	case 7: at.name[fz_below(t, strlen(at.name))] = (char)(fz_chance(t, 1, 2) ?
			1 + fz_below(t, 31) : 127 + fz_below(t, 129));
		break;
	default: break;		/* 0-3 on a watcher, 8-9: valid */
	}
	p = fz_place(t, pk, &at, sizeof(at), &acc);
	snprintf(t->what, sizeof(t->what), "PROVIDER_ATTACH fd %s%s%s flags %#x "
		 "timeout %u name[0..7] %02x%02x%02x%02x%02x%02x%02x%02x arg %s",
		 fz_mode(s->flags), s == &t->prov ? " (provider fd)" : "",
		 s->watching ? " (watching)" : "", at.flags, at.timeout_ms,
		 (uint8_t)at.name[0], (uint8_t)at.name[1], (uint8_t)at.name[2],
		 (uint8_t)at.name[3], (uint8_t)at.name[4], (uint8_t)at.name[5],
		 (uint8_t)at.name[6], (uint8_t)at.name[7], fz_ptr_names[pk]);
	ret = ip_ioctl(s->fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, p);
	t->calls++;
	if (!fz_writable(s->flags))
		allowed = EM(EBADF);
	else if (!fz_have_cap())
		allowed = EM(EPERM);
	else if (!fz_readable(s->flags))	/* a provider reads its requests */
		allowed = EM(EBADF);
	else if (fz_ptr_dead(pk) || pk == P_STRADDLE)
		allowed = EM(EFAULT);
	else if ((bad >= 4 && bad < 8) || s->watching)
		allowed = EM(EINVAL);
	else
		allowed = t->pattached ? EM(EEXIST) : EM_OK | EM(ENOMEM);
	fz_check(t, C_ATTACH, -ret, allowed);
	if (!ret && s == &t->prov) {
		t->pattached = true;
		t->pnames++;
		__atomic_store_n(&fz->providers, 1, __ATOMIC_RELEASE);
	}
}

/*
 * PROVIDER_REPLY: on a fd that is no provider EINVAL (EBADF read-only);
 * on the provider fd a random cookie (ENOENT, or 0 if a request of that
 * cookie waits), or an invalid field (EINVAL).
 */
static void fz_op_reply(struct fz_thread *t)
{
	struct iscsi_portal_reply r;
	struct fz_slot *s = fz_chance(t, 1, 2) ? &t->prov : &t->slot[fz_below(t, FZ_SLOTS)];
	enum fz_ptr pk = fz_chance(t, 9, 10) ? P_GOOD : fz_gen_ptrkind(t);
	bool prov = s == &t->prov && t->pattached, bad = false;
	fz_emask allowed;
	size_t acc;
	void *p;
	int ret;

	memset(&r, 0, sizeof(r));
	r.cookie = fz_chance(t, 1, 2) ? fz_below(t, 64) : fz_rand(t);
	/* 512 and up are the kernel's own errnos: no reply may carry one. */
	r.result = fz_chance(t, 1, 2) ? 0 : -(int32_t)(1 + fz_below(t, 511));
	switch (fz_below(t, 6)) {
	case 0: r.flags = 1u << fz_below(t, 32); bad = true; break;
	case 1: r.result = (int32_t)(1 + fz_below(t, INT32_MAX)); bad = true; break;
	case 2: r.result = (int32_t)(-512 - (int64_t)fz_below(t, 1u << 30)); bad = true; break;
	default: break;
	}
	p = fz_place(t, pk, &r, sizeof(r), &acc);
	snprintf(t->what, sizeof(t->what), "PROVIDER_REPLY fd %s%s cookie %" PRIu64
		 " result %d flags %#x arg %s", fz_mode(s->flags),
		 prov ? " (provider)" : "", (uint64_t)r.cookie, r.result, r.flags,
		 fz_ptr_names[pk]);
	ret = ip_ioctl(s->fd, ISCSI_PORTAL_IOC_PROVIDER_REPLY, p);
	t->calls++;
	if (!fz_writable(s->flags))
		allowed = EM(EBADF);
	else if (!fz_have_cap())
		allowed = EM(EPERM);
	else if (fz_ptr_dead(pk) || pk == P_STRADDLE)
		allowed = EM(EFAULT);
	else if (!prov || bad)
		allowed = EM(EINVAL);
	else
		allowed = EM_OK | EM(ENOENT);
	fz_check(t, C_REPLY, -ret, allowed);
}

/* Answer (or not) what waits on the provider fd. */
static void fz_op_serve(struct fz_thread *t)
{
	struct iscsi_portal_request req[8];
	struct pollfd pfd = { .fd = t->prov.fd, .events = POLLIN };
	int n, i, ret, pr;

	if (!t->pattached)
		return;
	pr = poll(&pfd, 1, 0);
	if (pr < 0 || (pfd.revents & ~(POLLIN | POLLRDNORM)))
		fz_fail(t, "poll of the provider fd: %d revents %#x", pr,
			(unsigned int)pfd.revents);
	snprintf(t->what, sizeof(t->what), "read of the provider fd (poll %d)", pr);
	n = ip_read_reqs(t->prov.fd, req, 1 + fz_below(t, 8));
	t->calls++;
	/* POLLIN, then another thread's caller may have timed out: EAGAIN */
	fz_check(t, C_SERVE, n < 0 ? -n : 0, EM_OK | EM(EAGAIN));
	for (i = 0; i < n; i++) {
		const struct iscsi_portal_request *q = &req[i];
		bool ok;
		int32_t res;

		if (q->type == ISCSI_PORTAL_REQ_SET_STATUS)
			ok = q->id && !(q->flags & ~ISCSI_PORTAL_SET_DROP_SESSIONS) &&
			     fz_status_valid(q->old_status) &&
			     (q->new_status == ISCSI_PORTAL_STATUS_ONLINE ||
			      q->new_status == ISCSI_PORTAL_STATUS_OFFLINE) &&
			     q->old_status != q->new_status &&
			     (!q->flags || q->new_status == ISCSI_PORTAL_STATUS_OFFLINE) &&
			     fz_may_be_prov(t, q->id);
		else
			ok = (q->type == ISCSI_PORTAL_REQ_REENUMERATE ||
			      q->type == ISCSI_PORTAL_REQ_REFRESH) &&
			     !q->id && !q->flags && !q->old_status && !q->new_status;
		if (!ok || !q->cookie)
			fz_fail(t, "bad request: cookie %" PRIu64 " type %u flags %#x id %"
				PRIu64 " %u -> %u", (uint64_t)q->cookie, q->type,
				q->flags, (uint64_t)q->id, q->old_status,
				q->new_status);
		switch (fz_below(t, 20)) {
		case 0: case 1: case 2:		/* no answer: it times out */
			continue;
		case 3: case 4: case 5:
			res = -fz_prov_errs[fz_below(t, IP_ARRAY_SIZE(fz_prov_errs))];
			break;
		case 6:				/* invalid first */
			ret = ip_reply(t->prov.fd, q->cookie, 1 + (int32_t)fz_below(t, 100));
			fz_check(t, C_REPLY, -ret, EM(EINVAL));
			res = 0;
			break;
		default:
			res = 0;
			break;
		}
		snprintf(t->what, sizeof(t->what), "PROVIDER_REPLY cookie %" PRIu64
			 " result %d (type %u)", (uint64_t)q->cookie, res, q->type);
		/* ENOENT: the caller stopped waiting (its short timeout) */
		ret = ip_reply(t->prov.fd, q->cookie, res);
		t->calls++;
		fz_check(t, C_REPLY, -ret, EM_OK | EM(ENOENT));
		if (fz_chance(t, 1, 10)) {
			ret = ip_reply(t->prov.fd, q->cookie, 0);
			fz_check(t, C_REPLY, -ret, EM(ENOENT));
		}
	}
}

/* The provider goes: its portals become orphans, its requests ENXIO. */
static void fz_op_pclose(struct fz_thread *t)
{
	int fd;

	if (!t->pattached)
		return;
	snprintf(t->what, sizeof(t->what), "close of the provider fd");
	close(t->prov.fd);
	t->pattached = false;
	fd = ip_open(O_RDWR | O_NONBLOCK);
	t->calls++;
	fz_check(t, C_PCLOSE, fd < 0 ? -fd : 0, EM_OK);
	t->prov.fd = fd < 0 ? ip_open(O_RDWR | O_NONBLOCK) : fd;
}

static bool fz_corrupt_now(struct fz_thread *t)
{
	struct iscsi_portal_version v;

	return !ip_version(t->slot[0].fd, &v) && (v.flags & ISCSI_PORTAL_TABLE_CORRUPT);
}

static void fz_step(struct fz_thread *t)
{
	unsigned int r = (unsigned int)fz_below(t, 1000);

	/* A provider answers often, or its callers time out. */
	if (t->pattached && fz_chance(t, 1, 8)) {
		fz_op_serve(t);
		return;
	}
	if (r < 110)
		fz_op_ioctl(t, C_GET_INFO);
	else if (r < 200)
		fz_op_ioctl(t, C_GET_STATUS);
	else if (r < 330)
		fz_op_ioctl(t, C_SET);
	else if (r < 430)
		fz_op_ioctl(t, C_REPORT);
	else if (r < 530)
		fz_op_ioctl(t, C_ADD);
	else if (r < 620)
		fz_op_ioctl(t, C_REMOVE);
	else if (r < 690)
		fz_op_ioctl(t, C_LIST);
	else if (r < 720)
		fz_op_ioctl(t, C_VERSION);
	else if (r < 800)
		fz_op_badcmd(t);
	else if (r < 870)
		fz_op_read(t);
	else if (r < 900)
		fz_op_poll(t);
	else if (r < 915)
		fz_op_watch(t);
	else if (r < 925)
		fz_op_reopen(t);
	else if (r < 935)
		fz_op_ioctl(t, C_REENUM);
	else if (r < 945)
		fz_op_ioctl(t, C_REFRESH);
	else if (r < 950)
		fz_op_ioctl(t, C_WATCH);
	else if (r < 955 && t->idx == 0 && fz_chance(t, 1, 4))
		fz_op_knob(t);
	else if (r < 975 && fz_chance(t, 1, 4) && fz_corrupt_now(t))
		fz_op_recover(t);
	else if (r >= 975 && r < 983)
		fz_op_attach(t);
	else if (r >= 983 && r < 988)
		fz_op_reply(t);
	else if (r >= 988 && r < 995)
		fz_op_ioctl(t, C_GET_PROV);
	else if (r == 995 && fz_chance(t, 1, 4))
		fz_op_pclose(t);
	else
		fz_op_ioctl(t, (enum fz_cmd)fz_below(t, C_WATCH + 1));
}

static void *fz_thread_main(void *arg)
{
	struct fz_thread *t = arg;

	while (t->calls < t->budget && ip_now_ns() < t->deadline_ns)
		fz_step(t);
	return NULL;
}

/* ----------------------------------------------------------------------
 * Cleanup and table checks (single-threaded)
 */

static void fz_print_counts(const char *title)
{
	uint64_t total = 0;
	int c, e;

	for (c = 0; c < C_NCMD; c++)
		for (e = 0; e < 128; e++)
			total += fz->count[c][e];
	fz_log("%s: %" PRIu64 " calls", title, total);
	for (c = 0; c < C_NCMD; c++) {
		char line[900];
		size_t len = 0;
		uint64_t sum = 0;

		for (e = 0; e < 128; e++)
			sum += fz->count[c][e];
		if (!sum)
			continue;
		len += (size_t)snprintf(line, sizeof(line), "  %-14s %10" PRIu64 ":",
					fz_cmds[c].name, sum);
		for (e = 0; e < 128 && len < sizeof(line) - 40; e++) {
			char b[24];

			if (fz->count[c][e])
				len += (size_t)snprintf(line + len, sizeof(line) - len,
					" %s=%" PRIu64, fz_errname(e, b, sizeof(b)),
					fz->count[c][e]);
		}
		fz_log("%s", line);
	}
}

static void fz_print_phase(const char *phase, uint64_t calls, uint64_t t0)
{
	fz_log("%s: %" PRIu64 " calls in %.1f s, %" PRIu64 " failures so far, "
	       "max id %" PRIu64 ", corrupt marks %" PRIu64 ", recoveries %" PRIu64,
	       phase, calls, (double)(ip_now_ns() - t0) / 1e9,
	       __atomic_load_n(&fz->failures, __ATOMIC_RELAXED),
	       __atomic_load_n(&fz->max_id, __ATOMIC_RELAXED),
	       fz->corrupt_marks, fz->recoveries);
}

/* Knobs back to 0, corruption cleared. 0 or -errno. */
static int fz_restore(int fd)
{
	int ret = 0, c;

	if (fz_have_debugfs()) {
		ret = ip_knob_write_u32(IP_KNOB_SET_DELAY, 0);
		if (ret)
			return ret;
	}
	c = ip_is_corrupt(fd);
	if (c < 0)
		return c;
	if (c)
		ret = ip_recover(fd);
	return ret;
}

/* A call that must not be EBUSY by now; a delayed SET may still run. */
static int fz_remove_retry(int fd, uint64_t id)
{
	uint64_t end = ip_now_ms() + 3000;
	int ret;

	do {
		ret = ip_remove(fd, id);
		if (ret != -EBUSY)
			return ret;
		ip_sleep_ms(5);
	} while (ip_now_ms() < end);
	return ret;
}

/*
 * Remove every portal the fuzzer added: the ids ADD reported, and every
 * portal with a fuzz-range address.  Returns how many failed.
 */
static unsigned int fz_cleanup(int fd)
{
	uint64_t max = __atomic_load_n(&fz->max_id, __ATOMIC_RELAXED), id;
	struct iscsi_portal_info *all = NULL;
	unsigned int bad = 0;
	size_t n = 0, i;
	int ret;

	if (max >= FZ_IDMAP_BITS)
		max = FZ_IDMAP_BITS - 1;
	for (id = 1; id <= max; id++) {
		if (!fz_bit_test(fz->issued, id) || fz_bit_test(fz->removed, id))
			continue;
		ret = fz_remove_retry(fd, id);
		if (ret && ret != -EIDRM) {
			fz_fail(NULL, "cleanup: REMOVE %" PRIu64 " (issued, never removed): %d",
				id, ret);
			bad++;
			continue;
		}
		if (ret == -EIDRM) {
			fz_fail(NULL, "cleanup: id %" PRIu64 " ADD returned and nobody "
				"removed is gone (EIDRM)", id);
			bad++;
		}
		fz_bit_set(fz->removed, id);
	}
	ret = ip_list_all(fd, &all, &n, NULL);
	if (ret) {
		fz_fail(NULL, "cleanup: LIST walk failed: %d", ret);
		return bad + 1;
	}
	for (i = 0; i < n; i++) {
		if (!fz_addr_fuzzrange(&all[i].addr))
			continue;
		/* Only a read-only-argument ADD leaves one of these. */
		ret = fz_remove_retry(fd, all[i].id);
		if (ret) {
			fz_fail(NULL, "cleanup: REMOVE %" PRIu64 " (%s): %d",
				(uint64_t)all[i].id, ip_addr_str(&all[i].addr), ret);
			bad++;
		} else {
			fz_bit_set(fz->removed, all[i].id);
		}
	}
	free(all);
	return bad;
}

/*
 * The table as a whole: VERSION.portal_count equals the LIST walk, ids
 * strictly ascending, every portal answers GET_INFO with identical
 * contents, nothing the fuzzer removed is listed (and those ids are
 * EIDRM), nothing of the fuzz ranges is left, and not corrupt.
 */
static unsigned int fz_table_check(int fd, const char *when)
{
	uint64_t max = __atomic_load_n(&fz->max_id, __ATOMIC_RELAXED), id, prev = 0;
	struct iscsi_portal_info *all = NULL, info;
	struct iscsi_portal_version v1, v2;
	unsigned int bad = 0, checked = 0;
	size_t n = 0, i;
	int ret;

	if (ip_version(fd, &v1) || ip_list_all(fd, &all, &n, NULL) ||
	    ip_version(fd, &v2)) {
		fz_fail(NULL, "%s: VERSION/LIST failed", when);
		free(all);
		return 1;
	}
	if (v1.table_generation != v2.table_generation)
		fz_log("%s: note: the table changed during the walk", when);
	else if (v1.portal_count != n) {
		fz_fail(NULL, "%s: VERSION.portal_count %" PRIu64 " but LIST walked %zu",
			when, (uint64_t)v1.portal_count, n);
		bad++;
	}
	if (v2.flags & ISCSI_PORTAL_TABLE_CORRUPT) {
		fz_fail(NULL, "%s: table still marked corrupt", when);
		bad++;
	}
	for (i = 0; i < n; i++) {
		if (all[i].id <= prev) {
			fz_fail(NULL, "%s: LIST id %" PRIu64 " after %" PRIu64, when,
				(uint64_t)all[i].id, prev);
			bad++;
		}
		prev = all[i].id;
		ret = ip_get_info(fd, all[i].id, &info);
		if (ret || memcmp(&info, &all[i], sizeof(info))) {
			fz_fail(NULL, "%s: GET_INFO %" PRIu64 " = %d, differs from LIST "
				"(status %u/%u gen %" PRIu64 "/%" PRIu64 " flags %#x/%#x)",
				when, (uint64_t)all[i].id, ret, info.status,
				all[i].status, (uint64_t)info.generation,
				(uint64_t)all[i].generation, info.flags, all[i].flags);
			bad++;
		}
		if (fz_bit_test(fz->removed, all[i].id)) {
			fz_fail(NULL, "%s: removed id %" PRIu64 " is listed", when,
				(uint64_t)all[i].id);
			bad++;
		}
		if (fz_addr_fuzzrange(&all[i].addr)) {
			fz_fail(NULL, "%s: fuzz portal %" PRIu64 " %s left over", when,
				(uint64_t)all[i].id, ip_addr_str(&all[i].addr));
			bad++;
		}
	}
	free(all);
	/* Removed ids stay EIDRM; sample at most 20000 of them. */
	if (max >= FZ_IDMAP_BITS)
		max = FZ_IDMAP_BITS - 1;
	for (id = 1; id <= max && checked < 20000; id++) {
		if (!fz_bit_test(fz->removed, id))
			continue;
		checked++;
		ret = ip_get_info(fd, id, &info);
		if (ret != -EIDRM) {
			fz_fail(NULL, "%s: removed id %" PRIu64 ": GET_INFO = %d, not EIDRM",
				when, id, ret);
			bad++;
			if (bad > 20)
				break;
		}
	}
	fz_log("%s: %zu portals listed, %u removed ids are EIDRM-checked", when, n,
	       checked);
	return bad;
}

/* ----------------------------------------------------------------------
 * Tests
 */

FIXTURE(fuzz) {
	int fd;
};

FIXTURE_SETUP(fuzz)
{
	int ret = fz_process_init();

	ASSERT_EQ(0, ret);
	self->fd = ip_open(O_RDWR);
	if (self->fd == -ENOENT)
		SKIP(return, "%s missing: module not loaded", IP_DEV);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", IP_DEV, strerror(-self->fd));
	ASSERT_EQ(0, ip_param_read("max_watchers", &fz->max_watchers));
}

FIXTURE_TEARDOWN(fuzz)
{
	if (self->fd >= 0) {
		if (fz_restore(self->fd))
			fz_log("teardown: could not restore the knobs/corrupt mark");
		close(self->fd);
	}
}

/* Run @nthreads fuzz threads over @calls calls / @ms milliseconds. */
static uint64_t fz_run(unsigned int nthreads, uint64_t calls, uint64_t ms,
		       uint64_t seed_tweak)
{
	struct fz_thread *th = calloc(nthreads, sizeof(*th));
	pthread_t *tid = calloc(nthreads, sizeof(*tid));
	uint64_t deadline = ip_now_ns() + ms * 1000000ull, total = 0;
	unsigned int i, started = 0;
	int ret;

	if (!th || !tid) {
		fz_fail(NULL, "out of memory");
		free(th);
		free(tid);
		return 0;
	}
	fz->running = nthreads;
	for (i = 0; i < nthreads; i++) {
		ret = fz_thread_init(&th[i], i, fz->seed ^ seed_tweak);
		if (ret) {
			fz_fail(NULL, "thread %u setup: %s", i, strerror(-ret));
			break;
		}
		th[i].budget = calls / nthreads + (i < calls % nthreads);
		th[i].deadline_ns = deadline;
		th[i].single = nthreads == 1;
	}
	if (i == nthreads) {
		if (nthreads == 1) {
			fz_thread_main(&th[0]);
			started = 0;
		} else {
			for (started = 0; started < nthreads; started++)
				if (pthread_create(&tid[started], NULL, fz_thread_main,
						   &th[started]))
					break;
			for (i = 0; i < started; i++)
				pthread_join(tid[i], NULL);
		}
	}
	for (i = 0; i < nthreads; i++) {
		total += th[i].calls;
		fz_thread_fini(&th[i]);
	}
	fz->running = 0;
	free(th);
	free(tid);
	return total;
}

#define FZ_TIMEOUT	3600	/* the harness' limit; --seconds stays below */

TEST_F_TIMEOUT(fuzz, single_thread, FZ_TIMEOUT)
{
	uint64_t f0 = fz->failures, t0 = ip_now_ns(), n;

	n = fz_run(1, fz->calls * 3 / 10 + 1, fz->seconds * 300 + 1, 0x51);
	fz_print_phase("single_thread", n, t0);
	ASSERT_EQ(0, fz_restore(self->fd));
	EXPECT_LT(0ull, (unsigned long long)n) TH_LOG("no call was made");
	EXPECT_EQ(f0, fz->failures);
}

TEST_F_TIMEOUT(fuzz, threads, FZ_TIMEOUT)
{
	uint64_t f0 = fz->failures, t0 = ip_now_ns(), n;

	n = fz_run(fz->threads, fz->calls * 6 / 10 + 1, fz->seconds * 600 + 1, 0x7a);
	fz_print_phase("threads", n, t0);
	ASSERT_EQ(0, fz_restore(self->fd));
	EXPECT_LT(0ull, (unsigned long long)n) TH_LOG("no call was made");
	EXPECT_EQ(f0, fz->failures);
}

/*
 * An ADD whose argument is read-only cannot report the new id.  CONTRACT
 * section 4 ranks EFAULT before every other error of the call: the caller
 * gets EFAULT, and no portal may have been added behind its back (else it
 * can neither use nor remove it by id, and a retry gets EEXIST).
 */
TEST_F(fuzz, add_efault)
{
	struct iscsi_portal_add *ro;
	struct iscsi_portal_addr a;
	__u64 id = 0;
	int ret, found;

	ASSERT_EQ(0, fz_restore(self->fd));
	ro = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ip_addr4(&a, 198, 19, 254, (uint8_t)(1 + ip_unique64() % 254),
		 (uint16_t)(1024 + ip_unique64() % 60000));
	memset(ro, 0, sizeof(*ro));
	ro->addr = a;
	ro->status = ISCSI_PORTAL_STATUS_ONLINE;
	ASSERT_EQ(0, mprotect(ro, PG, PROT_READ));
	ret = ip_ioctl(self->fd, ISCSI_PORTAL_IOC_ADD, ro);
	EXPECT_EQ(-EFAULT, ret);
	found = ip_find_addr(self->fd, &a, &id);
	if (found == 0) {
		fz_log("BUG: ADD returned %d for a read-only argument but added %s as id %"
		       PRIu64 "; reproduce: struct iscsi_portal_add in a PROT_READ page",
		       ret, ip_addr_str(&a), (uint64_t)id);
		EXPECT_EQ(0, ip_remove(self->fd, id));
		if (id < FZ_IDMAP_BITS)
			fz_bit_set(fz->removed, id);
		fz_note_id(id);
	}
	EXPECT_EQ(-ENOENT, found) TH_LOG("ADD committed a portal and returned EFAULT");
	munmap(ro, PG);
}

/*
 * final_consistency: FZ_MODEL slots, each the id of a portal of the model
 * (model.h) or 0; the records the model says the calls produced go to
 * @exp (the first @cap of them).
 */
#define FZ_MODEL	48
#define FZ_FINAL_OPS	1500

static void fz_expect(struct iscsi_portal_event *exp, unsigned int *nexp,
		      unsigned int cap, const struct iscsi_portal_event *rec)
{
	if (*nexp < cap)
		exp[*nexp] = *rec;
	(*nexp)++;
}

/*
 * final_consistency: the result @ret of a SET or REPORT of @st on @id.
 * What the model says of the id (live: 0, removed: EIDRM), and, if it
 * took it, the MODIFY record when the status changed.
 */
static void fz_status_result(struct __test_metadata *_metadata,
			     struct ipm_table *m, struct iscsi_portal_event *exp,
			     unsigned int *nexp, uint64_t id, uint32_t st,
			     int ret)
{
	struct iscsi_portal_event rec;

	EXPECT_EQ(ipm_id_errno(m, id), ret);
	if (!ret && ipm_set_status(m, id, st, &rec) == 1)
		fz_expect(exp, nexp, 4096, &rec);
}

/*
 * Single-threaded, nothing else running: every result and every field is
 * known.  Then corruption and recovery, then the event log, then cleanup
 * and the table check.
 */
TEST_F_TIMEOUT(fuzz, final_consistency, FZ_TIMEOUT)
{
	uint64_t slot[FZ_MODEL];
	struct iscsi_portal_event *exp = calloc(4096, sizeof(*exp));
	struct iscsi_portal_event *got = calloc(4096, sizeof(*got));
	struct iscsi_portal_event rec;
	struct iscsi_portal_version v;
	struct iscsi_portal_info info;
	struct ipm_table m;
	struct fz_thread t;
	uint64_t last_id = 0, queue_len = 0;
	unsigned int nexp = 0, i, ops, bad = 0, cap = 4000;
	const char *why;
	int wfd, ret;
	ssize_t n;

	ASSERT_NE(NULL, exp);
	ASSERT_NE(NULL, got);
	memset(&t, 0, sizeof(t));
	t.rng = ip_mix64(fz->seed ^ 0xf1);
	ASSERT_EQ(0, fz_restore(self->fd));
	ASSERT_EQ(0u, fz_cleanup(self->fd));
	if (!ip_param_read("event_queue_len", &queue_len) && queue_len < cap)
		cap = (unsigned int)queue_len;

	wfd = ip_open(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, wfd);
	ASSERT_EQ(0, ip_ioctl(wfd, ISCSI_PORTAL_IOC_WATCH, NULL));
	ASSERT_EQ(0, ip_version(self->fd, &v));
	ASSERT_EQ(0, ipm_init(&m, FZ_FINAL_OPS + FZ_MODEL, false,
			      v.table_generation));

	memset(slot, 0, sizeof(slot));
	for (ops = 0; ops < FZ_FINAL_OPS && nexp + 2 < cap; ops++) {
		uint64_t *id = &slot[fz_below(&t, FZ_MODEL)];
		bool live = *id && !ipm_id_errno(&m, *id);
		uint32_t st;

		switch (fz_below(&t, 6)) {
		case 0:	/* ADD (or REMOVE when live) */
			if (!live) {
				struct iscsi_portal_addr a;
				__u64 nid = 0;

				do
					fz_gen_addr(&t, &a);
				while (!fz_addr_fuzzrange(&a));
				st = ip_valid_statuses[fz_below(&t, 5)];
				ret = ip_add(self->fd, &a, st, &nid);
				if (ret == -EEXIST)
					break;	/* another model slot has it */
				EXPECT_EQ(0, ret);
				if (ret)
					break;
				if (last_id && nid != last_id + 1) {
					fz_fail(NULL, "final: ADD returned id %" PRIu64
						", expected %" PRIu64, (uint64_t)nid, last_id + 1);
				}
				last_id = nid;
				fz_note_id(nid);
				fz_bit_set(fz->issued, nid);
				ret = ipm_add(&m, nid, &a, st, &rec);
				EXPECT_EQ(1, ret) TH_LOG("final: the model refuses ADD %s -> %"
							 PRIu64, ip_addr_str(&a), (uint64_t)nid);
				if (ret == 1)
					fz_expect(exp, &nexp, 4096, &rec);
				*id = nid;
				/* The same address again: EEXIST. */
				EXPECT_EQ(-EEXIST, ip_add(self->fd, &a, 1, NULL));
				break;
			}
			/* fall through */
		case 1:	/* REMOVE */
			if (!*id)
				break;
			ret = ip_remove(self->fd, *id);
			EXPECT_EQ(ipm_id_errno(&m, *id), ret);
			if (live) {
				fz_bit_set(fz->removed, *id);
				if (ipm_remove(&m, *id, &rec) == 1)
					fz_expect(exp, &nexp, 4096, &rec);
			}
			break;
		case 2:	/* SET */
			if (!*id)
				break;
			st = fz_chance(&t, 1, 2) ? ISCSI_PORTAL_STATUS_ONLINE :
				ISCSI_PORTAL_STATUS_OFFLINE;
			ret = ip_set_status(self->fd, *id, st);
			fz_status_result(_metadata, &m, exp, &nexp, *id, st, ret);
			break;
		case 3:	/* REPORT */
			if (!*id)
				break;
			st = ip_valid_statuses[fz_below(&t, 5)];
			ret = ip_report_status(self->fd, *id, st);
			fz_status_result(_metadata, &m, exp, &nexp, *id, st, ret);
			break;
		default: /* GET_INFO, GET_STATUS */
			if (!*id)
				break;
			ret = ip_get_info(self->fd, *id, &info);
			if (!live) {
				EXPECT_EQ(-EIDRM, ret);
				EXPECT_EQ(-EIDRM, ip_get_status(self->fd, *id, NULL, NULL));
				break;
			}
			EXPECT_EQ(0, ret);
			why = ret ? NULL : ipm_check_info(&m, &info);
			if (!ret && info.id != *id)
				why = "another id";
			if (why) {
				const struct ipm_portal *p = ipm_find(&m, *id);

				fz_fail(NULL, "final: GET_INFO %" PRIu64 ": status %u gen %"
					PRIu64 " flags %#x, model status %u gen %" PRIu64
					": %s", *id, info.status, (uint64_t)info.generation,
					info.flags, p->status, (uint64_t)p->gen, why);
			}
			break;
		}
	}
	fz_log("final: %u model operations, %u events expected", ops, nexp);

	/* Corruption: every table call EUCLEAN, REFRESH alone refused. */
	if (fz_have_debugfs()) {
		uint64_t live_id = 0;

		for (i = 0; i < FZ_MODEL; i++)
			if (slot[i] && !ipm_id_errno(&m, slot[i]))
				live_id = slot[i];
		ASSERT_EQ(0, ip_mark_corrupt());
		ASSERT_EQ(1, ip_is_corrupt(self->fd));
		if (live_id) {
			EXPECT_EQ(-EUCLEAN, ip_get_info(self->fd, live_id, &info));
			EXPECT_EQ(-EUCLEAN, ip_set_status(self->fd, live_id, 1));
			EXPECT_EQ(-EUCLEAN, ip_remove(self->fd, live_id));
		}
		EXPECT_EQ(-EUCLEAN, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
		EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REENUMERATE, NULL));
		EXPECT_EQ(0, ip_ioctl(self->fd, ISCSI_PORTAL_IOC_REFRESH, NULL));
		EXPECT_EQ(0, ip_is_corrupt(self->fd));
	}
	/* Statuses survived; the model still holds exactly, for every id. */
	for (i = 0; i < m.n; i++) {
		const struct ipm_portal *p = &m.p[i];

		ret = ip_get_info(self->fd, p->id, &info);
		if (!p->live) {
			EXPECT_EQ(-EIDRM, ret);
			continue;
		}
		EXPECT_EQ(0, ret);
		EXPECT_EQ(p->status, info.status);
		EXPECT_EQ(p->gen, info.generation);
	}
	ASSERT_EQ(0, ip_version(self->fd, &v));
	EXPECT_EQ(m.gen, v.table_generation) TH_LOG("the model's table generation");

	/* The event log is exactly the model's committed changes. */
	{
		unsigned int ngot = 0;

		while (ngot < 4096) {
			n = read(wfd, got + ngot, (4096 - ngot) * sizeof(*got));
			if (n <= 0)
				break;
			ngot += (unsigned int)(n / (ssize_t)sizeof(*got));
		}
		EXPECT_EQ(nexp, ngot);
		for (i = 0; i < ngot && i < nexp && bad < 5; i++) {
			if (memcmp(&got[i], &exp[i], sizeof(got[i]))) {
				fz_fail(NULL, "final: event %u is seq %" PRIu64 " id %" PRIu64
					" type %u %u->%u, expected seq %" PRIu64 " id %"
					PRIu64 " type %u %u->%u", i, (uint64_t)got[i].seq,
					(uint64_t)got[i].id, got[i].type, got[i].old_status,
					got[i].new_status, (uint64_t)exp[i].seq,
					(uint64_t)exp[i].id, exp[i].type,
					exp[i].old_status, exp[i].new_status);
				bad++;
			}
		}
	}
	close(wfd);

	/* Cleanup, then the whole table. */
	for (i = 0; i < m.n; i++)
		if (m.p[i].live && !ip_remove(self->fd, m.p[i].id)) {
			fz_bit_set(fz->removed, m.p[i].id);
			ipm_remove(&m, m.p[i].id, NULL);
		}
	EXPECT_EQ(0u, fz_cleanup(self->fd));
	EXPECT_EQ(0u, fz_table_check(self->fd, "final"));
	if (fz_have_debugfs()) {
		uint64_t delay = 1;

		EXPECT_EQ(0, ip_knob_read_u64(IP_KNOB_SET_DELAY, &delay));
		EXPECT_EQ(0ull, (unsigned long long)delay);
	}
	fz_print_counts("all phases");
	fz_log("failures: %" PRIu64 " (seed %" PRIu64 ")", fz->failures, fz->seed);
	EXPECT_EQ(0ull, (unsigned long long)fz->failures);
	ipm_free(&m);
	free(exp);
	free(got);
}

/* ----------------------------------------------------------------------
 * main: our options, then the harness'
 */

static void fz_usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--calls N] [--seconds S] [--threads T] "
		"[harness options]\n"
		"  environment: IPFUZZ_SEED, IPFUZZ_CALLS, IPFUZZ_SECONDS, IPFUZZ_THREADS\n"
		"  defaults: seed from the clock, 10000000 calls, 20 s, 4 threads\n",
		argv0);
}

int main(int argc, char **argv)
{
	char **hargv = calloc((size_t)argc + 1, sizeof(*hargv));
	int i, hargc = 0;
	struct timespec ts;

	if (!hargv)
		return KSFT_FAIL;
	clock_gettime(CLOCK_REALTIME, &ts);
	fz->seed = fz_env_u64("IPFUZZ_SEED",
			      ip_mix64((uint64_t)ts.tv_sec * 1000000000ull +
				       (uint64_t)ts.tv_nsec) >> 16);
	fz->calls = fz_env_u64("IPFUZZ_CALLS", 10000000);
	fz->seconds = fz_env_u64("IPFUZZ_SECONDS", 20);
	fz->threads = (unsigned int)fz_env_u64("IPFUZZ_THREADS", 4);

	hargv[hargc++] = argv[0];
	for (i = 1; i < argc; i++) {
		static const char *const opts[] = { "--seed", "--calls",
			"--seconds", "--threads" };
		uint64_t *dst[] = { &fz->seed, &fz->calls, &fz->seconds, NULL };
		unsigned int o;
		char *end;
		uint64_t val;

		for (o = 0; o < IP_ARRAY_SIZE(opts); o++)
			if (!strcmp(argv[i], opts[o]))
				break;
		if (o == IP_ARRAY_SIZE(opts)) {
			if (!strcmp(argv[i], "--help")) {
				fz_usage(argv[0]);
				return KSFT_SKIP;
			}
			hargv[hargc++] = argv[i];
			continue;
		}
		if (i + 1 >= argc) {
			fz_usage(argv[0]);
			return KSFT_FAIL;
		}
		errno = 0;
		val = strtoull(argv[++i], &end, 0);
		if (errno || *end) {
			fz_usage(argv[0]);
			return KSFT_FAIL;
		}
		if (dst[o])
			*dst[o] = val;
		else
			fz->threads = (unsigned int)val;
	}
	if (fz->threads < 1)
		fz->threads = 1;
	if (fz->threads > FZ_MAX_THREADS)
		fz->threads = FZ_MAX_THREADS;
	if (fz->seconds > FZ_TIMEOUT - 300) {
		fprintf(stderr, "--seconds capped at %d (the harness timeout)\n",
			FZ_TIMEOUT - 300);
		fz->seconds = FZ_TIMEOUT - 300;
	}
	if (!fz->calls)
		fz->calls = 1;
	/* The seed line comes before TAP; "# " keeps it a comment. */
	printf("# ioctl_fuzz: --seed %" PRIu64 " --calls %" PRIu64 " --seconds %" PRIu64
	       " --threads %u\n", fz->seed, fz->calls, fz->seconds, fz->threads);
	fflush(stdout);
	hargv[hargc] = NULL;
	return test_harness_run(hargc, hargv);
}
