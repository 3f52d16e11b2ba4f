// SPDX-License-Identifier: GPL-2.0
/*
 * common.c - the helpers of common.h, linked into every selftest and
 * fuzzer program (64-bit, and 32-bit for the compat test).
 */
#include "common.h"

/* The statuses of CONTRACT section 2, and some values that are not. */
const __u32 ip_valid_statuses[5] = {
	ISCSI_PORTAL_STATUS_UNKNOWN, ISCSI_PORTAL_STATUS_ONLINE,
	ISCSI_PORTAL_STATUS_NOT_READY, ISCSI_PORTAL_STATUS_OFFLINE,
	ISCSI_PORTAL_STATUS_FAILED,
};
const __u32 ip_invalid_statuses[5] = { 3, 6, 7, 0x80000000u, 0xffffffffu };

/* ---------------------------------------------------------------------
 * Generic helpers
 */

/* Pre-fill an output struct so a field the kernel forgot shows up as 0xcc. */
void fill_cc(void *p, size_t n)
{
	memset(p, 0xcc, n);
}

/* Monotonic clock in nanoseconds / milliseconds. */
uint64_t ip_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t ip_now_ms(void)
{
	return ip_now_ns() / 1000000ull;
}

void ip_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A user pointer as the ABI wants it (__u64), in 32 and 64-bit builds. */
__u64 ip_ptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

/* ---------------------------------------------------------------------
 * Device and ioctls
 */

/*
 * Open /dev/iscsi_portal with @flags (O_RDONLY, O_WRONLY, O_RDWR; O_CLOEXEC
 * is added).  Returns the fd or -errno.  ENOENT is retried for up to a
 * second, since the node is recreated after a module reload.
 */
int ip_open(int flags)
{
	int i, fd;

	for (i = 0; i < 100; i++) {
		fd = open(IP_DEV, flags | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT)
			return -errno;
		ip_sleep_ms(10);
	}
	return -ENOENT;
}

/* ioctl() returning its result or -errno. */
int ip_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int ip_version(int fd, struct iscsi_portal_version *v)
{
	return ip_ioctl(fd, ISCSI_PORTAL_IOC_VERSION, v);
}

/* ADD @a with initial @status; on success stores the new id in *@id. */
int ip_add(int fd, const struct iscsi_portal_addr *a,
			 __u32 status, __u64 *id)
{
	struct iscsi_portal_add arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.addr = *a;
	arg.status = status;
	ret = ip_ioctl(fd, ISCSI_PORTAL_IOC_ADD, &arg);
	if (!ret && id)
		*id = arg.id;
	return ret;
}

int ip_remove(int fd, __u64 id)
{
	struct iscsi_portal_ref ref = { .id = id };

	return ip_ioctl(fd, ISCSI_PORTAL_IOC_REMOVE, &ref);
}

/* GET_INFO: @info is pre-filled with 0xcc, then its id set to @id. */
int ip_get_info(int fd, __u64 id, struct iscsi_portal_info *info)
{
	fill_cc(info, sizeof(*info));
	info->id = id;
	return ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_INFO, info);
}

/* GET_STATUS; @status and @flags may be NULL. */
int ip_get_status(int fd, __u64 id, __u32 *status, __u32 *flags)
{
	struct iscsi_portal_status_arg arg;
	int ret;

	fill_cc(&arg, sizeof(arg));
	arg.id = id;
	ret = ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_STATUS, &arg);
	if (!ret && status)
		*status = arg.status;
	if (!ret && flags)
		*flags = arg.flags;
	return ret;
}

int ip_set_status(int fd, __u64 id, __u32 status)
{
	struct iscsi_portal_status_arg arg = { .id = id, .status = status };

	return ip_ioctl(fd, ISCSI_PORTAL_IOC_SET_STATUS, &arg);
}

int ip_report_status(int fd, __u64 id, __u32 status)
{
	struct iscsi_portal_status_arg arg = { .id = id, .status = status };

	return ip_ioctl(fd, ISCSI_PORTAL_IOC_REPORT_STATUS, &arg);
}

/*
 * The id-taking calls on @id (GET_INFO, GET_STATUS, SET_STATUS to ONLINE
 * and to OFFLINE, REPORT_STATUS, REMOVE) must each fail with @err.
 * Returns NULL, or the name of the first that did not, with its result in
 * *@got.
 */
const char *ip_id_calls_fail(int fd, __u64 id, int err, int *got)
{
	struct iscsi_portal_info info;

	*got = ip_get_info(fd, id, &info);
	if (*got != err)
		return "GET_INFO";
	*got = ip_get_status(fd, id, NULL, NULL);
	if (*got != err)
		return "GET_STATUS";
	*got = ip_set_status(fd, id, ISCSI_PORTAL_STATUS_ONLINE);
	if (*got != err)
		return "SET_STATUS ONLINE";
	*got = ip_set_status(fd, id, ISCSI_PORTAL_STATUS_OFFLINE);
	if (*got != err)
		return "SET_STATUS OFFLINE";
	*got = ip_report_status(fd, id, ISCSI_PORTAL_STATUS_FAILED);
	if (*got != err)
		return "REPORT_STATUS";
	*got = ip_remove(fd, id);
	if (*got != err)
		return "REMOVE";
	return NULL;
}

/*
 * One LIST call: @cap entries at @entries from @cursor.  On success *@list
 * holds the kernel's output (cursor, count, table_generation).
 */
int ip_list(int fd, __u64 cursor, struct iscsi_portal_info *entries,
			  __u32 cap, struct iscsi_portal_list *list)
{
	fill_cc(list, sizeof(*list));
	list->cursor = cursor;
	list->entries = ip_ptr(entries);
	list->capacity = cap;
	return ip_ioctl(fd, ISCSI_PORTAL_IOC_LIST, list);
}

/*
 * LIST from @cursor until a page has an entry or the walk ends (the kernel
 * may return an empty page with a cursor to go on).  0 with the first
 * entry in *@first; -ENOENT when the walk ended with none, -ELOOP when a
 * cursor did not move on, -EOVERFLOW for more entries than asked, or
 * LIST's error.
 */
int ip_list_first(int fd, __u64 cursor, struct iscsi_portal_info *first)
{
	struct iscsi_portal_info page[8];
	struct iscsi_portal_list l;
	int ret;

	for (;;) {
		ret = ip_list(fd, cursor, page, IP_ARRAY_SIZE(page), &l);
		if (ret)
			return ret;
		if (l.count > IP_ARRAY_SIZE(page))
			return -EOVERFLOW;
		if (l.count) {
			*first = page[0];
			return 0;
		}
		if (!l.cursor)
			return -ENOENT;
		if (l.cursor <= cursor)
			return -ELOOP;
		cursor = l.cursor;
	}
}

/*
 * VERSION of @fd for ip_table_gen() and ip_portal_count().  VERSION cannot
 * fail on an open fd of the device; if it does, a "nothing changed" check
 * built on these would compare two made-up values, so the process aborts
 * instead: the test (or the thread's test) dies by SIGABRT and fails.
 */
static void ip_version_or_abort(int fd, struct iscsi_portal_version *v,
				const char *who)
{
	int ret;

	memset(v, 0, sizeof(*v));
	ret = ip_version(fd, v);
	if (ret) {
		fprintf(stderr, "# %s: VERSION on fd %d failed: %s\n", who, fd,
			strerror(-ret));
		abort();
	}
}

/* Table generation and portal count; abort if VERSION fails. */
__u64 ip_table_gen(int fd)
{
	struct iscsi_portal_version v;

	ip_version_or_abort(fd, &v, "ip_table_gen");
	return v.table_generation;
}

__u64 ip_portal_count(int fd)
{
	struct iscsi_portal_version v;

	ip_version_or_abort(fd, &v, "ip_portal_count");
	return v.portal_count;
}

/*
 * Walk the whole table with LIST (capacity 64).  On success *@out is a
 * malloc()ed array of *@n infos in the order returned (the caller frees it)
 * and, if @first_gen is not NULL, the table_generation of the first page.
 * Fails with -EPROTO if the kernel makes no progress or goes backwards.
 */
int ip_list_all(int fd, struct iscsi_portal_info **out,
			      size_t *n, __u64 *first_gen)
{
	struct iscsi_portal_info page[64];
	struct iscsi_portal_list l;
	struct iscsi_portal_info *all = NULL, *tmp;
	size_t len = 0, alloc = 0;
	__u64 cursor = 0;
	bool first = true;
	int ret;

	do {
		__u64 in = cursor;

		ret = ip_list(fd, cursor, page, IP_ARRAY_SIZE(page), &l);
		if (ret)
			goto err;
		if (first && first_gen)
			*first_gen = l.table_generation;
		first = false;
		if (l.count > IP_ARRAY_SIZE(page) ||
		    (l.cursor && l.cursor <= in) ||
		    (l.count && l.cursor && l.cursor <= page[l.count - 1].id)) {
			ret = -EPROTO;
			goto err;
		}
		if (len + l.count > alloc) {
			alloc = (len + l.count) * 2 + 64;
			tmp = realloc(all, alloc * sizeof(*all));
			if (!tmp) {
				ret = -ENOMEM;
				goto err;
			}
			all = tmp;
		}
		memcpy(all + len, page, l.count * sizeof(*page));
		len += l.count;
		cursor = l.cursor;
	} while (cursor);
	*out = all;
	*n = len;
	return 0;
err:
	free(all);
	return ret;
}

/* Find the portal with address @a: 0 and its id, or -ENOENT. */
int ip_find_addr(int fd, const struct iscsi_portal_addr *a,
			       __u64 *id)
{
	struct iscsi_portal_info *all;
	size_t n, i;
	int ret = ip_list_all(fd, &all, &n, NULL);

	if (ret)
		return ret;
	ret = -ENOENT;
	for (i = 0; i < n; i++) {
		if (!memcmp(&all[i].addr, a, sizeof(*a))) {
			if (id)
				*id = all[i].id;
			ret = 0;
			break;
		}
	}
	free(all);
	return ret;
}

/* ---------------------------------------------------------------------
 * Addresses
 */

void ip_addr4(struct iscsi_portal_addr *a, __u8 b0, __u8 b1,
			    __u8 b2, __u8 b3, __u16 port)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->port = port;
	a->addr[0] = b0;
	a->addr[1] = b1;
	a->addr[2] = b2;
	a->addr[3] = b3;
}

/* @text is an IPv6 literal ("2001:db8::1"); aborts on a typo in a test. */
void ip_addr6(struct iscsi_portal_addr *a, const char *text,
			    __u16 port, __u32 scope_id)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->port = port;
	a->scope_id = scope_id;
	if (inet_pton(AF_INET6, text, a->addr) != 1) {
		fprintf(stderr, "# bad IPv6 literal in test: %s\n", text);
		abort();
	}
}

/* Human-readable form for test logs (static buffer: not thread-safe). */
const char *ip_addr_str(const struct iscsi_portal_addr *a)
{
	static char buf[96];
	char host[INET6_ADDRSTRLEN] = "?";

	if (a->family == AF_INET)
		inet_ntop(AF_INET, a->addr, host, sizeof(host));
	else if (a->family == AF_INET6)
		inet_ntop(AF_INET6, a->addr, host, sizeof(host));
	snprintf(buf, sizeof(buf), "family=%u %s port=%u scope=%u",
		 a->family, host, a->port, a->scope_id);
	return buf;
}

/* splitmix64: a tiny PRNG for unique addresses. */
uint64_t ip_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * A fresh pseudo-random 64-bit value per call; the state is reseeded from
 * pid and clock whenever the pid changes (each harness test is a forked
 * process), so different tests and binaries draw different sequences.
 */
uint64_t ip_unique64(void)
{
	static __thread uint64_t state;
	static __thread pid_t owner;
	pid_t pid = getpid();

	if (owner != pid) {
		owner = pid;
		state = ip_now_ns() ^ ((uint64_t)pid << 40) ^
			(uint64_t)(uintptr_t)&state;
	}
	state += 0x9e3779b97f4a7c15ull;
	return ip_mix64(state);
}

/*
 * A documentation-range address very unlikely to be in the table:
 * AF_INET: 192.0.2.x, 198.51.100.x or 203.0.113.x (x in 1..254), port
 * 1024..65535; AF_INET6: 2001:db8:<96 random bits>, port 1024..65535.
 * ip_add_unique() retries on EEXIST, so a rare collision is harmless.
 */
void ip_unique_addr(struct iscsi_portal_addr *a, int family)
{
	static const __u8 nets[3][3] = {
		{ 192, 0, 2 }, { 198, 51, 100 }, { 203, 0, 113 },
	};
	uint64_t r = ip_unique64();
	__u16 port = (__u16)(1024 + (r % (65536 - 1024)));

	r /= (65536 - 1024);
	if (family == AF_INET) {
		const __u8 *net = nets[r % 3];

		r /= 3;
		ip_addr4(a, net[0], net[1], net[2], (__u8)(1 + r % 254), port);
	} else {
		uint64_t r2 = ip_unique64();

		memset(a, 0, sizeof(*a));
		a->family = AF_INET6;
		a->port = port;
		a->addr[0] = 0x20;
		a->addr[1] = 0x01;
		a->addr[2] = 0x0d;
		a->addr[3] = 0xb8;
		memcpy(&a->addr[4], &r2, 8);
		r2 = ip_unique64();
		memcpy(&a->addr[12], &r2, 4);
	}
}

/*
 * ADD a fresh unique address of @family (AF_INET or AF_INET6) with initial
 * @status.  Stores the id in *@id and, if @addr is not NULL, the address.
 * Returns 0 or -errno (EEXIST is retried with another address).
 */
int ip_add_unique(int fd, int family, __u32 status, __u64 *id,
				struct iscsi_portal_addr *addr)
{
	struct iscsi_portal_addr a;
	int i, ret = -EEXIST;

	for (i = 0; i < 32 && ret == -EEXIST; i++) {
		ip_unique_addr(&a, family);
		ret = ip_add(fd, &a, status, id);
	}
	if (!ret && addr)
		*addr = a;
	return ret;
}

/* ---------------------------------------------------------------------
 * debugfs knobs (/sys/kernel/debug/iscsi_portal/<name>)
 */

/*
 * Read a sysfs/debugfs file into @buf (NUL-terminated) with one read().
 * Returns the bytes read or -errno.
 */
int ip_file_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return (int)n;
}

/*
 * write() @len bytes of @data to a sysfs/debugfs file in one call.
 * Returns 0, -errno of open()/write(), or -EIO on a short write.
 */
int ip_file_write(const char *path, const char *data, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	if (n < 0)
		n = -errno;
	else if ((size_t)n != len)
		n = -EIO;
	else
		n = 0;
	close(fd);
	return (int)n;
}

/* Parse a number read from such a file: 0, or -EPROTO if it is not one. */
int ip_parse_u64(const char *buf, uint64_t *val)
{
	char *end;

	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf)
		return -EPROTO;
	return 0;
}

static void ip_knob_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", IP_DEBUGFS_DIR, name);
}

/* Read a knob into @buf (NUL-terminated). Returns bytes read or -errno. */
int ip_knob_read(const char *name, char *buf, size_t len)
{
	char path[256];

	ip_knob_path(path, sizeof(path), name);
	return ip_file_read(path, buf, len);
}

int ip_knob_read_u64(const char *name, uint64_t *val)
{
	char buf[64];
	int ret = ip_knob_read(name, buf, sizeof(buf));

	return ret < 0 ? ret : ip_parse_u64(buf, val);
}

/* write() @len bytes of @data to a knob in one call (see ip_file_write()). */
int ip_knob_write(const char *name, const char *data, size_t len)
{
	char path[256];

	ip_knob_path(path, sizeof(path), name);
	return ip_file_write(path, data, len);
}

int ip_knob_write_u32(const char *name, uint32_t val)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u\n", val);

	return ip_knob_write(name, buf, (size_t)len);
}

/* 1 if the table is marked corrupt, 0 if not, -errno on failure. */
int ip_is_corrupt(int fd)
{
	struct iscsi_portal_version v;
	int ret = ip_version(fd, &v);

	if (ret)
		return ret;
	return !!(v.flags & ISCSI_PORTAL_TABLE_CORRUPT);
}

int ip_mark_corrupt(void)
{
	return ip_knob_write(IP_KNOB_CORRUPT, "1", 1);
}

/*
 * Issue @cmd (a table-wide ioctl), retrying EBUSY for up to @ms
 * milliseconds (a held call of an aborted test may still be running).
 */
int ip_ioctl_retry_busy(int fd, unsigned long cmd, unsigned int ms)
{
	uint64_t end = ip_now_ms() + ms;
	int ret;

	for (;;) {
		ret = ip_ioctl(fd, cmd, NULL);
		if (ret != -EBUSY || ip_now_ms() > end)
			return ret;
		ip_sleep_ms(20);
	}
}

/* Clear a corrupt mark the VDS way: REENUMERATE then REFRESH. */
int ip_recover(int fd)
{
	int ret = ip_ioctl_retry_busy(fd, ISCSI_PORTAL_IOC_REENUMERATE, 5000);

	if (ret)
		return ret;
	return ip_ioctl_retry_busy(fd, ISCSI_PORTAL_IOC_REFRESH, 5000);
}

/*
 * Put the module's global test state back to defaults: both delay knobs 0
 * and, if the table is marked corrupt, recover it.  For fixture teardowns;
 * returns 0 or the first -errno.
 */
int ip_restore_globals(void)
{
	int ret, ret2, fd;

	ret = ip_knob_write_u32(IP_KNOB_SET_DELAY, 0);
	ret2 = ip_knob_write_u32(IP_KNOB_TABLE_DELAY, 0);
	if (!ret)
		ret = ret2;
	fd = ip_open(O_RDWR);
	if (fd < 0)
		return ret ? ret : fd;
	ret2 = ip_is_corrupt(fd);
	if (ret2 > 0)
		ret2 = ip_recover(fd);
	if (!ret)
		ret = ret2;
	close(fd);
	return ret;
}

/* ---------------------------------------------------------------------
 * Threads of this process as /proc shows them
 */

pid_t ip_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static int ip_task_file(pid_t tid, const char *name, char *buf, size_t len)
{
	char path[64];
	int n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", (int)tid, name);
	n = ip_file_read(path, buf, len);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

/*
 * The state letter of thread @tid of this process (R, S, D...) from
 * /proc/self/task/<tid>/stat, or 0 if it cannot be read.
 */
char ip_task_state(pid_t tid)
{
	char buf[512], *p;

	if (ip_task_file(tid, "stat", buf, sizeof(buf)) < 0)
		return 0;
	/* "tid (comm) S ...": comm may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * The kernel function thread @tid sleeps in (/proc/self/task/<tid>/wchan,
 * "0" while it runs), into @buf.  Returns its length or -errno.
 */
int ip_task_wchan(pid_t tid, char *buf, size_t len)
{
	return ip_task_file(tid, "wchan", buf, len);
}

/*
 * The system call thread @tid is blocked in and its first argument, from
 * /proc/self/task/<tid>/syscall.  Returns 0, -EAGAIN while the thread runs
 * or is outside a system call, or -errno.
 */
int ip_task_syscall(pid_t tid, long *nr, unsigned long *arg0)
{
	char buf[256];
	int n = ip_task_file(tid, "syscall", buf, sizeof(buf));

	if (n < 0)
		return n;
	if (sscanf(buf, "%ld %lx", nr, arg0) != 2 || *nr < 0)
		return -EAGAIN;
	return 0;
}

/*
 * Is thread @tid asleep (state D or S) in a kernel function whose name
 * holds "sleep"?  That is where set_delay_ms and table_delay_ms hold a
 * call's window open (msleep()), and nowhere else a call of the module
 * sleeps: a holder seen there is inside its window.
 */
bool ip_task_in_delay(pid_t tid)
{
	char wchan[128];
	char st = ip_task_state(tid);

	if (st != 'D' && st != 'S')
		return false;
	if (ip_task_wchan(tid, wchan, sizeof(wchan)) <= 0 ||
	    !strstr(wchan, "sleep"))
		return false;
	/* Still asleep: the wchan is not that of a later sleep. */
	return ip_task_state(tid) == st;
}

/*
 * Wait until thread @tid is blocked in one of the @n system calls @nrs
 * (with first argument @arg0, unless @arg0 is -1), sleeping interruptibly
 * (state S), or until *@done (atomic) is set.  Returns 0 when blocked,
 * -ESRCH when *@done was set first, -ETIMEDOUT after IP_HANG_MS (a guard
 * against a hang, not a verdict).
 */
int ip_wait_blocked_in(pid_t tid, const long *nrs, size_t n, long arg0,
		       const int *done)
{
	uint64_t end = ip_now_ms() + IP_HANG_MS;
	unsigned long a0;
	long nr;
	size_t i;

	do {
		if (done && __atomic_load_n(done, __ATOMIC_ACQUIRE))
			return -ESRCH;
		if (ip_task_state(tid) == 'S' && !ip_task_syscall(tid, &nr, &a0) &&
		    (arg0 == -1 || a0 == (unsigned long)arg0)) {
			for (i = 0; i < n; i++)
				if (nrs[i] == nr)
					break;
			/* Asleep before and after reading where. */
			if (i < n && ip_task_state(tid) == 'S')
				return 0;
		}
		usleep(500);
	} while (ip_now_ms() <= end);
	return -ETIMEDOUT;
}

/* ---------------------------------------------------------------------
 * A call made by another thread (to hold a busy window open)
 */

static void *ip_async_fn(void *p)
{
	struct ip_async *a = p;

	__atomic_store_n(&a->tid, ip_gettid(), __ATOMIC_RELEASE);
	a->ret = ip_ioctl(a->fd, a->cmd, a->arg);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Start ioctl(@fd, @cmd, @arg) in a new thread; returns once the thread
 * runs (its id in @a->tid).  Returns 0 or -errno.
 */
int ip_async_start(struct ip_async *a, int fd, unsigned long cmd, void *arg)
{
	int ret;

	memset(a, 0, sizeof(*a));
	a->fd = fd;
	a->cmd = cmd;
	a->arg = arg;
	a->ret = -EINPROGRESS;
	ret = pthread_create(&a->thread, NULL, ip_async_fn, a);
	if (ret)
		return -ret;
	a->started = true;
	while (!__atomic_load_n(&a->tid, __ATOMIC_ACQUIRE))
		usleep(100);
	return 0;
}

bool ip_async_done(struct ip_async *a)
{
	return __atomic_load_n(&a->done, __ATOMIC_ACQUIRE);
}

/* Wait for the call; returns its result (0 or -errno). Idempotent. */
int ip_async_join(struct ip_async *a)
{
	if (a->started) {
		pthread_join(a->thread, NULL);
		a->started = false;
	}
	return a->ret;
}

/*
 * Is the call of @a inside the window set_delay_ms or table_delay_ms
 * holds open?  Not returned, and asleep in the delay.
 */
bool ip_async_held(struct ip_async *a)
{
	return !ip_async_done(a) && ip_task_in_delay(a->tid);
}

/*
 * Wait until portal @id shows ISCSI_PORTAL_INFO_BUSY in GET_INFO (the SET
 * of @holder is inside its window).  0; -ESRCH if @holder returned first;
 * -ETIMEDOUT after IP_HANG_MS (a guard, not a verdict).
 */
int ip_wait_busy(int fd, __u64 id, struct ip_async *holder)
{
	struct iscsi_portal_info info;
	uint64_t end = ip_now_ms() + IP_HANG_MS;

	do {
		if (!ip_get_info(fd, id, &info) &&
		    (info.flags & ISCSI_PORTAL_INFO_BUSY))
			return 0;
		if (ip_async_done(holder))
			return -ESRCH;
		usleep(200);
	} while (ip_now_ms() <= end);
	return -ETIMEDOUT;
}

/*
 * Wait until the call of @a is asleep in the delay that holds its window
 * open (ip_async_held()).  0; the call's result if it returned instead
 * (-EPROTO if that was success); -ETIMEDOUT after IP_HANG_MS (a guard).
 */
int ip_wait_held(struct ip_async *a)
{
	uint64_t end = ip_now_ms() + IP_HANG_MS;
	int ret;

	do {
		if (ip_async_held(a))
			return 0;
		if (ip_async_done(a)) {
			ret = ip_async_join(a);
			return ret ? ret : -EPROTO;
		}
		usleep(200);
	} while (ip_now_ms() <= end);
	return -ETIMEDOUT;
}

/*
 * Start table-wide call @cmd (REENUMERATE/REFRESH, held open by
 * table_delay_ms) in @a and wait until it is inside its window, as
 * ip_wait_held() does.
 */
int ip_start_table_call(struct ip_async *a, int fd, unsigned long cmd)
{
	int ret = ip_async_start(a, fd, cmd, NULL);

	return ret ? ret : ip_wait_held(a);
}

/* ---------------------------------------------------------------------
 * Module load / unload (finit_module / delete_module)
 */

bool ip_module_loaded(void)
{
	struct stat st;

	return stat(IP_SYSFS_MODULE, &st) == 0;
}

const char *ip_ko_path(void)
{
	const char *p = getenv(IP_KO_ENV);

	return p && *p ? p : IP_KO_DEFAULT;
}

/* finit_module() the module file with parameter string @params. */
int ip_module_load(const char *params)
{
	int fd, ret;

	fd = open(ip_ko_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = (int)syscall(SYS_finit_module, fd, params ? params : "", 0);
	ret = ret < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* delete_module("iscsi_portal", @flags) as is: 0 or -errno. */
int ip_delete_module(unsigned int flags)
{
	long ret = syscall(SYS_delete_module, IP_MODULE_NAME, flags);

	return ret < 0 ? -errno : 0;
}

/*
 * Unload, retrying EAGAIN for up to 2 s (an fd just closed by another
 * process may take a moment to be released).
 */
int ip_module_unload(void)
{
	uint64_t end = ip_now_ms() + 2000;
	int ret;

	for (;;) {
		ret = ip_delete_module(O_NONBLOCK);
		if (ret != -EAGAIN || ip_now_ms() > end)
			return ret;
		ip_sleep_ms(20);
	}
}

/* Unload (if loaded) and load again with @params. All fds must be closed. */
int ip_module_reload(const char *params)
{
	int ret;

	if (ip_module_loaded()) {
		ret = ip_module_unload();
		if (ret)
			return ret;
	}
	return ip_module_load(params);
}

/* Read /sys/module/iscsi_portal/parameters/@name as a number. */
int ip_param_read(const char *name, uint64_t *val)
{
	char path[256], buf[64];
	int ret;

	snprintf(path, sizeof(path), "%s/parameters/%s", IP_SYSFS_MODULE, name);
	ret = ip_file_read(path, buf, sizeof(buf));
	return ret < 0 ? ret : ip_parse_u64(buf, val);
}

/*
 * Make sure the module is loaded with default parameters (reload it if it
 * is missing or was loaded with others).  For module-test teardowns; every
 * fd of the caller must be closed.
 */
int ip_module_ensure_default(void)
{
	uint64_t mp = 0, eq = 0, mw = 0, pt = 0;
	int ret;

	if (ip_module_loaded() &&
	    !ip_param_read("max_portals", &mp) && mp == IP_DEFAULT_MAX_PORTALS &&
	    !ip_param_read("event_queue_len", &eq) &&
	    eq == IP_DEFAULT_EVENT_QUEUE_LEN &&
	    !ip_param_read("max_watchers", &mw) && mw == IP_DEFAULT_MAX_WATCHERS &&
	    !ip_param_read("provider_timeout_ms", &pt) &&
	    pt == IP_DEFAULT_PROVIDER_TIMEOUT_MS)
		return 0;
	/* The test provider module holds iscsi_portal while it is loaded. */
	if (ip_tp_loaded()) {
		ret = ip_tp_unload();
		if (ret)
			return ret;
	}
	return ip_module_reload("");
}

/* ---------------------------------------------------------------------
 * The test provider module (test_provider/test_iscsi_portal_provider.c)
 */

const char *ip_tp_ko_path(void)
{
	const char *p = getenv(IP_TP_KO_ENV);

	return p && *p ? p : IP_TP_KO_DEFAULT;
}

bool ip_tp_loaded(void)
{
	struct stat st;

	return stat("/sys/module/" IP_TP_MODULE_NAME, &st) == 0;
}

/* finit_module() the test provider: it registers as IP_TP_NAME. */
int ip_tp_load(void)
{
	int fd, ret;

	fd = open(ip_tp_ko_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = (int)syscall(SYS_finit_module, fd, "", 0);
	ret = ret < 0 ? -errno : 0;
	close(fd);
	return ret;
}

int ip_tp_unload(void)
{
	long ret = syscall(SYS_delete_module, IP_TP_MODULE_NAME, O_NONBLOCK);

	return ret < 0 ? -errno : 0;
}

int ip_tp_read(const char *file, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", IP_TP_DIR, file);
	return ip_file_read(path, buf, len);
}

int ip_tp_write(const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", IP_TP_DIR, file);
	return ip_file_write(path, val, strlen(val));
}

int ip_tp_write_int(const char *file, long long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld\n", val);
	return ip_tp_write(file, buf);
}

/*
 * Run one command of the test provider ("add ...", "remove ID", "report ID
 * STATUS", "register", "unregister") and read its result: 0 (and *@id for
 * an add, if @id) or the -errno the in-kernel call returned; -EPROTO if the
 * result cannot be parsed, or the errno of the debugfs access.
 */
int ip_tp_cmd(const char *cmd, __u64 *id)
{
	unsigned long long v = 0;
	char buf[64];
	int ret, err, n;

	ret = ip_tp_write("cmd", cmd);
	if (ret)
		return ret;
	ret = ip_tp_read("cmd", buf, sizeof(buf));
	if (ret < 0)
		return ret;
	n = sscanf(buf, "%d %llu", &err, &v);
	if (n < 1 || err > 0)
		return -EPROTO;
	if (!err && id)
		*id = v;
	return err;
}

int ip_tp_add(const struct iscsi_portal_addr *a, __u32 status, __u64 *id)
{
	char host[INET6_ADDRSTRLEN], cmd[128];

	if (!inet_ntop(a->family, a->addr, host, sizeof(host)))
		return -EINVAL;
	snprintf(cmd, sizeof(cmd), "add %s %u %u %u", host, a->port, status,
		 a->scope_id);
	return ip_tp_cmd(cmd, id);
}

/* A portal of the test provider at a fresh documentation address. */
int ip_tp_add_unique(int family, __u32 status, __u64 *id,
		     struct iscsi_portal_addr *addr)
{
	struct iscsi_portal_addr a;
	int ret;

	ip_unique_addr(&a, family);
	ret = ip_tp_add(&a, status, id);
	if (!ret && addr)
		*addr = a;
	return ret;
}

int ip_tp_remove(__u64 id)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "remove %llu", (unsigned long long)id);
	return ip_tp_cmd(cmd, NULL);
}

int ip_tp_report(__u64 id, __u32 status)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "report %llu %u", (unsigned long long)id,
		 status);
	return ip_tp_cmd(cmd, NULL);
}

int ip_tp_calls(struct ip_tp_calls *c)
{
	unsigned long long s, e, r;
	char buf[128];
	int ret = ip_tp_read("calls", buf, sizeof(buf));

	if (ret < 0)
		return ret;
	if (sscanf(buf, "set %llu reenumerate %llu refresh %llu", &s, &e, &r) != 3)
		return -EPROTO;
	c->set = s;
	c->reenumerate = e;
	c->refresh = r;
	return 0;
}

/* "ID OLD NEW FLAGS" of the last set_status call. */
int ip_tp_last_set(__u64 v[4])
{
	unsigned long long a, b, c, d;
	char buf[128];
	int ret = ip_tp_read("last_set", buf, sizeof(buf));

	if (ret < 0)
		return ret;
	if (sscanf(buf, "%llu %llu %llu %llu", &a, &b, &c, &d) != 4)
		return -EPROTO;
	v[0] = a;
	v[1] = b;
	v[2] = c;
	v[3] = d;
	return 0;
}

/* The notifier's log (up to @max records, *@n of them), flags zero. */
int ip_tp_events(struct iscsi_portal_event *ev, size_t max, size_t *n)
{
	unsigned long long seq, id;
	unsigned int type, o, nw;
	size_t cap = 4096 * 80;
	char *buf, *line, *save;
	int ret, fd;
	ssize_t got, r;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	fd = open(IP_TP_DIR "/events", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	got = 0;
	while ((r = read(fd, buf + got, cap - 1 - (size_t)got)) > 0)
		got += r;
	ret = r < 0 ? -errno : 0;
	close(fd);
	buf[got] = '\0';
	*n = 0;
	for (line = strtok_r(buf, "\n", &save); !ret && line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%llu %llu %u %u %u", &seq, &id, &type, &o,
			   &nw) != 5) {
			ret = -EPROTO;
			break;
		}
		if (*n == max) {
			ret = -ENOSPC;
			break;
		}
		memset(&ev[*n], 0, sizeof(ev[*n]));
		ev[*n].seq = seq;
		ev[*n].id = id;
		ev[*n].type = type;
		ev[*n].old_status = o;
		ev[*n].new_status = nw;
		(*n)++;
	}
	free(buf);
	return ret;
}

/*
 * Put the test provider back as loaded: every op answers 0 at once, no
 * command inside reenumerate, the event log empty, registered.
 */
int ip_tp_reset(void)
{
	int ret = 0;

	ret |= ip_tp_write_int("set_result", 0);
	ret |= ip_tp_write_int("set_sleep_ms", 0);
	ret |= ip_tp_write_int("reenum_result", 0);
	ret |= ip_tp_write_int("refresh_result", 0);
	ret |= ip_tp_write("reenum_cmd", "\n");
	ret |= ip_tp_write("events", "\n");
	if (ret)
		return -EIO;
	ret = ip_tp_cmd("register", NULL);
	return ret == -EEXIST ? 0 : ret;
}

/* /sys/module/@module/refcnt. */
int ip_module_refcnt(const char *module, long *refcnt)
{
	char path[128], buf[32];
	int ret;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", module);
	ret = ip_file_read(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	return sscanf(buf, "%ld", refcnt) == 1 ? 0 : -EPROTO;
}

/* ---------------------------------------------------------------------
 * Userspace providers
 */

/* An O_RDONLY | O_NONBLOCK fd that WATCHes: the fd, or -errno. */
int ip_watcher(void)
{
	int fd = ip_open(O_RDONLY | O_NONBLOCK), ret;

	if (fd < 0)
		return fd;
	ret = ip_ioctl(fd, ISCSI_PORTAL_IOC_WATCH, NULL);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Read every record queued on the O_NONBLOCK watcher @fd into @ev (room
 * for @max).  Returns how many, -ENOSPC if more than @max, or -errno.
 */
int ip_drain_events(int fd, struct iscsi_portal_event *ev, size_t max)
{
	size_t n = 0;
	ssize_t r;

	for (;;) {
		if (n == max) {
			struct iscsi_portal_event extra;

			r = read(fd, &extra, sizeof(extra));
			return r < 0 && errno == EAGAIN ? (int)n : -ENOSPC;
		}
		r = read(fd, &ev[n], (max - n) * sizeof(*ev));
		if (r < 0)
			return errno == EAGAIN ? (int)n : -errno;
		if (r == 0 || r % sizeof(*ev))
			return -EPROTO;
		n += (size_t)r / sizeof(*ev);
	}
}

/* PROVIDER_ATTACH @fd as provider @name (copied into a zeroed name). */
int ip_attach(int fd, const char *name, __u32 timeout_ms)
{
	struct iscsi_portal_provider_attach at;

	memset(&at, 0, sizeof(at));
	at.timeout_ms = timeout_ms;
	strncpy(at.name, name, sizeof(at.name) - 1);
	return ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at);
}

int ip_reply(int fd, __u64 cookie, __s32 result)
{
	struct iscsi_portal_reply r;

	memset(&r, 0, sizeof(r));
	r.cookie = cookie;
	r.result = result;
	return ip_ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_REPLY, &r);
}

/*
 * read() up to @max request records (the buffer 0xcc-filled first).
 * Returns how many, -EPROTO for a size that is not a whole number of
 * records, or -errno.
 */
int ip_read_reqs(int fd, struct iscsi_portal_request *r, size_t max)
{
	ssize_t n;

	fill_cc(r, max * sizeof(*r));
	n = read(fd, r, max * sizeof(*r));
	if (n < 0)
		return -errno;
	if (n % sizeof(*r))
		return -EPROTO;
	return (int)(n / sizeof(*r));
}

/* GET_PROVIDER of @id, the output 0xcc-filled first. */
int ip_get_provider(int fd, __u64 id, struct iscsi_portal_provider_info *pi)
{
	fill_cc(pi, sizeof(*pi));
	pi->id = id;
	return ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_PROVIDER, pi);
}

int ip_set_status_flags(int fd, __u64 id, __u32 status, __u32 flags)
{
	struct iscsi_portal_status_arg st;

	memset(&st, 0, sizeof(st));
	st.id = id;
	st.status = status;
	st.flags = flags;
	return ip_ioctl(fd, ISCSI_PORTAL_IOC_SET_STATUS, &st);
}

/*
 * The system call of task @task ("/proc/PID" or "/proc/self/task/TID")
 * and its first two arguments.  0, -EAGAIN outside a system call, -errno.
 */
int ip_task_syscall2(const char *task, long *nr, unsigned long *arg0,
		     unsigned long *arg1)
{
	char path[96], buf[256];
	int n;

	snprintf(path, sizeof(path), "%s/syscall", task);
	n = ip_file_read(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (sscanf(buf, "%ld %lx %lx", nr, arg0, arg1) != 3 || *nr < 0)
		return -EAGAIN;
	return 0;
}

static char ip_proc_state(const char *task)
{
	char path[96], buf[512], *p;

	snprintf(path, sizeof(path), "%s/stat", task);
	if (ip_file_read(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Wait until @task sleeps (S or D) inside ioctl(_, @cmd, _), seen so twice
 * with its system call read in between, or *@done (atomic, may be NULL)
 * is set.  A SET on a userspace provider's portal that sleeps there waits
 * for the provider's reply (its request is queued), since no other sleep
 * of that call lasts (set_delay_ms must be 0).  0, -ESRCH (done first),
 * or -ETIMEDOUT after IP_HANG_MS: a guard against a hang, not a verdict.
 */
int ip_wait_in_ioctl(const char *task, unsigned long cmd, const int *done)
{
	uint64_t end = ip_now_ms() + IP_HANG_MS;
	unsigned long a0, a1;
	char st;
	long nr;

	do {
		if (done && __atomic_load_n(done, __ATOMIC_ACQUIRE))
			return -ESRCH;
		st = ip_proc_state(task);
		if ((st == 'S' || st == 'D') &&
		    !ip_task_syscall2(task, &nr, &a0, &a1) &&
		    nr == SYS_ioctl && (unsigned int)a1 == (unsigned int)cmd &&
		    ip_proc_state(task) == st)
			return 0;
		if (!st)
			return -ESRCH;
		usleep(300);
	} while (ip_now_ms() <= end);
	return -ETIMEDOUT;
}

int ip_wait_thread_in_ioctl(pid_t tid, unsigned long cmd, const int *done)
{
	char task[64];

	snprintf(task, sizeof(task), "/proc/self/task/%d", (int)tid);
	return ip_wait_in_ioctl(task, cmd, done);
}

int ip_wait_pid_in_ioctl(pid_t pid, unsigned long cmd)
{
	char task[64];

	snprintf(task, sizeof(task), "/proc/%d", (int)pid);
	return ip_wait_in_ioctl(task, cmd, NULL);
}

/* ---------------------------------------------------------------------
 * Capabilities (raw capget/capset: no libcap dependency)
 */

int ip_caps_get(struct ip_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->hdr.version = _LINUX_CAPABILITY_VERSION_3;
	c->hdr.pid = 0;
	return syscall(SYS_capget, &c->hdr, c->data) ? -errno : 0;
}

int ip_caps_set(struct ip_caps *c)
{
	c->hdr.version = _LINUX_CAPABILITY_VERSION_3;
	c->hdr.pid = 0;
	return syscall(SYS_capset, &c->hdr, c->data) ? -errno : 0;
}

/* Is @cap in the effective set of the calling thread? */
bool ip_cap_effective(int cap)
{
	struct ip_caps c;

	if (ip_caps_get(&c))
		return false;
	return c.data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

/*
 * Drop @cap from the effective set and, if @permitted, from the permitted
 * and inheritable sets too (then it can never come back).
 */
int ip_cap_drop(int cap, bool permitted)
{
	struct ip_caps c;
	int ret = ip_caps_get(&c);

	if (ret)
		return ret;
	c.data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	if (permitted) {
		c.data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
		c.data[CAP_TO_INDEX(cap)].inheritable &= ~CAP_TO_MASK(cap);
	}
	return ip_caps_set(&c);
}

/* Raise @cap back into the effective set (it must still be permitted). */
int ip_cap_raise(int cap)
{
	struct ip_caps c;
	int ret = ip_caps_get(&c);

	if (ret)
		return ret;
	c.data[CAP_TO_INDEX(cap)].effective |= CAP_TO_MASK(cap);
	return ip_caps_set(&c);
}

/* Drop every capability from every set (uid stays what it is). */
int ip_caps_drop_all(void)
{
	struct ip_caps c;

	memset(&c, 0, sizeof(c));
	return ip_caps_set(&c);
}
