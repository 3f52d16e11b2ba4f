// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_test - the /dev/iscsi_portal ioctl ABI (CONTRACT sections 2-4):
 * command encoding, bad pointers, reserved fields, address validation,
 * statuses and generations, id lifetime, LIST paging, error precedence.
 *
 * Runs as root with the module loaded; shares the table with every other
 * test, so it only looks at the portals it adds (unique documentation-range
 * addresses) and compares counts and generations relatively.
 */
#include <poll.h>
#include <sys/mman.h>

#include "harness.h"

#define U64_MAX_ (~(__u64)0)

/* A mapping whose pages fault on any access (stays mapped: never reused). */
static void *noaccess_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A page holding a copy of @src, then made read-only. */
static void *readonly_copy(const void *src, size_t len)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, 4096, PROT_READ)) {
		munmap(p, 4096);
		return NULL;
	}
	return p;
}

/*
 * Two pages, the second PROT_NONE; returns a pointer @len / 2 bytes before
 * the boundary, so a struct of @len bytes straddles into the hole.
 */
static void *straddling(size_t len)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + 4096, 4096, PROT_NONE))
		return NULL;
	memset(p, 0, 4096);
	return p + 4096 - len / 2;
}

/*
 * ADD a fixed (non-random) address, first removing a leftover copy from an
 * aborted earlier run, so the ADD itself must succeed.
 */
static int add_fixed(int fd, const struct iscsi_portal_addr *a, __u32 status,
		     __u64 *id)
{
	__u64 old;

	if (!ip_find_addr(fd, a, &old))
		ip_remove(fd, old);
	return ip_add(fd, a, status, id);
}

/* Snapshot of the table-wide counters, to prove a failed call changed nothing. */
struct snap {
	__u64 count, gen;
};

static struct snap snap(int fd)
{
	struct iscsi_portal_version v;
	struct snap s = { U64_MAX_, U64_MAX_ };

	if (!ip_version(fd, &v)) {
		s.count = v.portal_count;
		s.gen = v.table_generation;
	}
	return s;
}

#define EXPECT_UNCHANGED(fd, before) do { \
	struct snap __now = snap(fd); \
	EXPECT_EQ((before).count, __now.count) \
		TH_LOG("portal_count changed by a failed call"); \
	EXPECT_EQ((before).gen, __now.gen) \
		TH_LOG("table_generation changed by a failed call"); \
} while (0)

/* ------------------------------------------------------------------ */

TEST(version_fills_every_field)
{
	struct iscsi_portal_version v;
	struct iscsi_portal_info *all = NULL;
	size_t n = 0;
	__u64 list_gen = 0;
	int fd = ip_open(O_RDWR);

	ASSERT_LE(0, fd) TH_LOG("open %s: %s", IP_DEV, strerror(-fd));
	fill_cc(&v, sizeof(v));
	ASSERT_EQ(0, ip_version(fd, &v));
	EXPECT_EQ((__u32)ISCSI_PORTAL_API_VERSION, v.api_version);
	EXPECT_EQ(0U, v.flags) TH_LOG("table unexpectedly marked corrupt");
	EXPECT_EQ((__u64)0, v.reserved[0]);
	EXPECT_EQ((__u64)0, v.reserved[1]);

	/* Nothing changes in between: count and generation agree with LIST. */
	ASSERT_EQ(0, ip_list_all(fd, &all, &n, &list_gen));
	EXPECT_EQ((__u64)n, v.portal_count);
	EXPECT_EQ(v.table_generation, list_gen);
	free(all);
	close(fd);
}

TEST(unknown_commands_enotty)
{
	static const unsigned long cmds[] = {
		_IO(ISCSI_PORTAL_IOC_MAGIC, 0x1F),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x1F, struct iscsi_portal_info),
		_IO(ISCSI_PORTAL_IOC_MAGIC, 0x20),
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0xFF, __u64),
		/* other magics with our numbers and sizes */
		_IOR(0xD8, 0x00, struct iscsi_portal_version),
		_IOR(0xD6, 0x00, struct iscsi_portal_version),
		_IOWR(0x00, 0x01, struct iscsi_portal_add),
		/* known numbers, wrong direction or size */
		_IO(ISCSI_PORTAL_IOC_MAGIC, 0x00),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x00, struct iscsi_portal_version),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x00, struct iscsi_portal_version),
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x00, __u64),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x01, struct iscsi_portal_info),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x01, struct iscsi_portal_add),
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x02, struct iscsi_portal_ref),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x02, struct iscsi_portal_status_arg),
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x03, struct iscsi_portal_info),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x03, struct iscsi_portal_status_arg),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x04, struct iscsi_portal_info),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x05, struct iscsi_portal_ref),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x05, struct iscsi_portal_status_arg),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x06, struct iscsi_portal_status_arg),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x07, struct iscsi_portal_info),
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x07, struct iscsi_portal_list),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x08, __u64),
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x09, __u64),
		/* WATCH is _IO: any size or direction is another command */
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x0A, __u64),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x0A, __u32),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x0A, struct iscsi_portal_ref),
		/* PROVIDER_ATTACH is _IOW, 40 bytes */
		_IO(ISCSI_PORTAL_IOC_MAGIC, 0x0B),
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x0B, struct iscsi_portal_provider_attach),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x0B, struct iscsi_portal_provider_attach),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x0B, struct iscsi_portal_reply),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x0B, struct iscsi_portal_provider_info),
		/* PROVIDER_REPLY is _IOW, 16 bytes */
		_IO(ISCSI_PORTAL_IOC_MAGIC, 0x0C),
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x0C, struct iscsi_portal_reply),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x0C, struct iscsi_portal_reply),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x0C, struct iscsi_portal_ref),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x0C, struct iscsi_portal_provider_attach),
		/* GET_PROVIDER is _IOWR, 48 bytes */
		_IO(ISCSI_PORTAL_IOC_MAGIC, 0x0D),
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x0D, struct iscsi_portal_provider_info),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x0D, struct iscsi_portal_provider_info),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x0D, struct iscsi_portal_version),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x0D, struct iscsi_portal_status_arg),
		/* PROVIDER_CORRUPT is _IO */
		_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x0E, __u64),
		_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x0E, __u64),
		_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x0E, struct iscsi_portal_reply),
		/* generic ones that reach the driver */
		0, 0x5401 /* TCGETS */, 0x541B /* FIONREAD */,
	};
	__u64 buf[64];
	struct snap before;
	unsigned int i;
	int rd, rw;

	rd = ip_open(O_RDONLY);
	ASSERT_LE(0, rd);
	rw = ip_open(O_RDWR);
	ASSERT_LE(0, rw);
	before = snap(rw);

	for (i = 0; i < IP_ARRAY_SIZE(cmds); i++) {
		/* ENOTTY wins over EBADF and EFAULT... */
		EXPECT_EQ(-ENOTTY, ip_ioctl(rd, cmds[i], NULL))
			TH_LOG("cmd %#lx on O_RDONLY fd, NULL arg", cmds[i]);
		/* ...and is what a valid-looking buffer gets too. */
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(-ENOTTY, ip_ioctl(rw, cmds[i], buf))
			TH_LOG("cmd %#lx on O_RDWR fd, zeroed buffer", cmds[i]);
	}
	EXPECT_UNCHANGED(rw, before);
	close(rd);
	close(rw);
}

/*
 * PROVIDER_REPLY on a provider fd whose request waits: a reply that cannot
 * be read (NULL, a PROT_NONE page, a struct whose cookie is readable
 * but whose result runs into a hole) is EFAULT and answers nothing: the
 * SET still waits, and the real reply is then taken and is the SET's.
 */
static void reply_efault_keeps_the_request(struct __test_metadata *_metadata,
					   int fd, void *hole)
{
	struct iscsi_portal_status_arg arg;
	struct iscsi_portal_request req;
	struct iscsi_portal_reply *half;
	struct iscsi_portal_info info;
	struct pollfd pf;
	struct ip_async a;
	int pfd;
	__u64 p;

	pfd = ip_open(O_RDWR);
	ASSERT_LE(0, pfd);
	pf.fd = pfd;
	pf.events = POLLIN;
	/* the longest timeout: the SET waits until answered or pfd closes */
	ASSERT_EQ(0, ip_attach(pfd, "ioctl_efault", 600000));
	ASSERT_EQ(0, ip_add_unique(pfd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &p, NULL));
	memset(&arg, 0, sizeof(arg));
	arg.id = p;
	arg.status = ISCSI_PORTAL_STATUS_OFFLINE;
	ASSERT_EQ(0, ip_async_start(&a, fd, ISCSI_PORTAL_IOC_SET_STATUS, &arg));
	/* IP_HANG_MS: a guard against a hang, not a verdict */
	ASSERT_EQ(1, poll(&pf, 1, IP_HANG_MS)) TH_LOG("the SET asked nothing");
	ASSERT_EQ(1, ip_read_reqs(pfd, &req, 1));
	ASSERT_EQ(p, req.id);

	half = straddling(sizeof(*half));
	ASSERT_NE(NULL, half);
	memcpy(half, &req.cookie, sizeof(req.cookie));
	EXPECT_EQ(-EFAULT, ip_ioctl(pfd, ISCSI_PORTAL_IOC_PROVIDER_REPLY, NULL));
	EXPECT_EQ(-EFAULT, ip_ioctl(pfd, ISCSI_PORTAL_IOC_PROVIDER_REPLY, hole));
	EXPECT_EQ(-EFAULT, ip_ioctl(pfd, ISCSI_PORTAL_IOC_PROVIDER_REPLY, half))
		TH_LOG("the cookie readable, the result not");
	EXPECT_FALSE(ip_async_done(&a)) TH_LOG("a reply that faulted ended the SET");
	EXPECT_EQ(0, ip_reply(pfd, req.cookie, 0))
		TH_LOG("a reply that faulted took the request");
	EXPECT_EQ(0, ip_async_join(&a));
	ASSERT_EQ(0, ip_get_info(fd, p, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, info.status);
	EXPECT_EQ(0, ip_remove(pfd, p));
	close(pfd);
}

TEST(bad_pointers_efault)
{
	static const unsigned long cmds[] = {
		ISCSI_PORTAL_IOC_VERSION, ISCSI_PORTAL_IOC_ADD,
		ISCSI_PORTAL_IOC_REMOVE, ISCSI_PORTAL_IOC_GET_INFO,
		ISCSI_PORTAL_IOC_GET_STATUS, ISCSI_PORTAL_IOC_SET_STATUS,
		ISCSI_PORTAL_IOC_REPORT_STATUS, ISCSI_PORTAL_IOC_LIST,
		ISCSI_PORTAL_IOC_GET_PROVIDER,
		/* on a writer that is no provider: EFAULT before its EINVAL */
		ISCSI_PORTAL_IOC_PROVIDER_REPLY,
	};
	struct iscsi_portal_provider_attach at;
	void *hole = noaccess_page();
	struct snap before;
	unsigned int i;
	__u64 id;
	int fd, afd;

	ASSERT_NE(NULL, hole);
	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	before = snap(fd);

	for (i = 0; i < IP_ARRAY_SIZE(cmds); i++) {
		size_t size = _IOC_SIZE(cmds[i]);
		void *half = straddling(size);

		EXPECT_EQ(-EFAULT, ip_ioctl(fd, cmds[i], NULL))
			TH_LOG("cmd %#lx with NULL", cmds[i]);
		EXPECT_EQ(-EFAULT, ip_ioctl(fd, cmds[i], hole))
			TH_LOG("cmd %#lx with a PROT_NONE page", cmds[i]);
		ASSERT_NE(NULL, half);
		/* half of the struct readable, with the valid id in it */
		if (size > sizeof(__u64))
			memcpy(half, &id, sizeof(id));
		EXPECT_EQ(-EFAULT, ip_ioctl(fd, cmds[i], half))
			TH_LOG("cmd %#lx with a struct running into a hole", cmds[i]);
	}
	/* the fd is still no provider */
	EXPECT_EQ(-EINVAL, ip_reply(fd, 1, 0));
	EXPECT_UNCHANGED(fd, before);

	/*
	 * PROVIDER_ATTACH on an fd of its own (one that succeeded would make
	 * it a provider): the readable half of the struct is a valid ATTACH
	 * (flags 0, timeout 0, a name), so only the fault can refuse it.
	 */
	afd = ip_open(O_RDWR);
	ASSERT_LE(0, afd);
	memset(&at, 0, sizeof(at));
	strcpy(at.name, "efault");
	{
		void *half = straddling(sizeof(at));

		ASSERT_NE(NULL, half);
		memcpy(half, &at, sizeof(at) / 2);
		EXPECT_EQ(-EFAULT, ip_ioctl(afd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, NULL));
		EXPECT_EQ(-EFAULT, ip_ioctl(afd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, hole));
		EXPECT_EQ(-EFAULT, ip_ioctl(afd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, half))
			TH_LOG("a valid ATTACH whose name runs into a hole");
	}
	/* none of them attached: REPLY says "no provider", ATTACH still works */
	EXPECT_EQ(-EINVAL, ip_reply(afd, 1, 0)) TH_LOG("a faulted ATTACH attached");
	EXPECT_EQ(0, ip_ioctl(afd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at));
	EXPECT_EQ(-ENOENT, ip_reply(afd, 1, 0)) TH_LOG("now a provider");
	close(afd);

	reply_efault_keeps_the_request(_metadata, fd, hole);
	EXPECT_EQ(0, ip_remove(fd, id));
	close(fd);
}

TEST(readonly_output_efault)
{
	struct iscsi_portal_provider_info pi;
	struct iscsi_portal_version v;
	struct iscsi_portal_info info;
	struct iscsi_portal_status_arg st;
	struct iscsi_portal_list l;
	struct iscsi_portal_info *entries;
	void *ro;
	__u64 id;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET6, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));

	memset(&v, 0, sizeof(v));
	ro = readonly_copy(&v, sizeof(v));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_VERSION, ro));

	memset(&info, 0, sizeof(info));
	info.id = id;
	ro = readonly_copy(&info, sizeof(info));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_INFO, ro));

	memset(&st, 0, sizeof(st));
	st.id = id;
	ro = readonly_copy(&st, sizeof(st));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_STATUS, ro));

	memset(&pi, 0, sizeof(pi));
	pi.id = id;
	ro = readonly_copy(&pi, sizeof(pi));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_PROVIDER, ro));
	/* ...and the same struct writable works: the fault was the verdict */
	EXPECT_EQ(0, ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_PROVIDER, &pi));

	/* LIST struct read-only: the cursor/count cannot be written back */
	memset(&info, 0, sizeof(info));
	memset(&l, 0, sizeof(l));
	l.cursor = id;
	l.entries = ip_ptr(&info);
	l.capacity = 1;
	ro = readonly_copy(&l, sizeof(l));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_LIST, ro));

	/* LIST entries read-only */
	entries = readonly_copy(&info, sizeof(info));
	ASSERT_NE(NULL, entries);
	EXPECT_EQ(-EFAULT, ip_list(fd, id, entries, 1, &l));

	EXPECT_EQ(0, ip_remove(fd, id));
	close(fd);
}

/*
 * A bad pointer fails the whole call: an ADD whose struct can be read but
 * not written back (the id is output) must not leave a portal behind that
 * the caller never learnt the id of.
 */
TEST(add_readonly_struct_efault_no_effect)
{
	struct iscsi_portal_add add;
	struct snap before;
	void *ro;
	__u64 leaked;
	int fd, found;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	memset(&add, 0, sizeof(add));
	ip_unique_addr(&add.addr, AF_INET6);
	add.status = ISCSI_PORTAL_STATUS_ONLINE;
	ro = readonly_copy(&add, sizeof(add));
	ASSERT_NE(NULL, ro);
	before = snap(fd);

	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_ADD, ro));
	found = ip_find_addr(fd, &add.addr, &leaked);
	EXPECT_EQ(-ENOENT, found)
		TH_LOG("ADD returned EFAULT but added portal %llu (%s)",
		       (unsigned long long)leaked, ip_addr_str(&add.addr));
	EXPECT_UNCHANGED(fd, before);
	if (!found)
		ip_remove(fd, leaked);
	close(fd);
}

/*
 * Precedence: EFAULT comes before ENOENT/EIDRM/EEXIST, so an output struct
 * that cannot be written fails with EFAULT even when the id or address is
 * also wrong.
 */
TEST(readonly_output_efault_precedence)
{
	struct iscsi_portal_provider_info pi;
	struct iscsi_portal_info info;
	struct iscsi_portal_status_arg st;
	struct iscsi_portal_add add;
	struct snap before;
	__u64 gone, id;
	void *ro;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &gone, NULL));
	ASSERT_EQ(0, ip_remove(fd, gone));
	memset(&add, 0, sizeof(add));
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, &add.addr));
	before = snap(fd);

	memset(&info, 0, sizeof(info));
	ro = readonly_copy(&info, sizeof(info));	/* id 0 */
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_INFO, ro)) TH_LOG("id 0");
	info.id = gone;
	ro = readonly_copy(&info, sizeof(info));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_INFO, ro)) TH_LOG("removed id");
	memset(&st, 0, sizeof(st));
	st.id = gone;
	ro = readonly_copy(&st, sizeof(st));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_STATUS, ro)) TH_LOG("removed id");
	memset(&pi, 0, sizeof(pi));
	pi.id = gone;
	ro = readonly_copy(&pi, sizeof(pi));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_PROVIDER, ro)) TH_LOG("removed id");
	EXPECT_EQ(-EIDRM, ip_get_provider(fd, gone, &pi)) TH_LOG("writable: the id's error");
	/* ADD of an existing address, struct not writable */
	ro = readonly_copy(&add, sizeof(add));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, ip_ioctl(fd, ISCSI_PORTAL_IOC_ADD, ro)) TH_LOG("existing address");
	EXPECT_UNCHANGED(fd, before);
	EXPECT_EQ(0, ip_remove(fd, id));
	close(fd);
}

TEST(add_flags_reserved)
{
	struct iscsi_portal_add add;
	struct snap before;
	int fd, bit;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	before = snap(fd);
	for (bit = 0; bit < 32; bit++) {
		memset(&add, 0, sizeof(add));
		ip_unique_addr(&add.addr, bit & 1 ? AF_INET6 : AF_INET);
		add.status = ISCSI_PORTAL_STATUS_ONLINE;
		add.flags = 1U << bit;
		EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_ADD, &add))
			TH_LOG("ADD flags=%#x", add.flags);
	}
	memset(&add, 0, sizeof(add));
	ip_unique_addr(&add.addr, AF_INET);
	add.flags = 0xffffffff;
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_ADD, &add));
	EXPECT_UNCHANGED(fd, before);
	close(fd);
}

TEST(set_report_flags_reserved)
{
	struct iscsi_portal_status_arg arg;
	struct iscsi_portal_info info;
	struct snap before;
	__u64 id;
	int fd, bit;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	before = snap(fd);
	for (bit = 0; bit < 32; bit++) {
		memset(&arg, 0, sizeof(arg));
		arg.id = id;
		arg.status = ISCSI_PORTAL_STATUS_OFFLINE;
		arg.flags = 1U << bit;
		/*
		 * SET's one flag, DROP_SESSIONS (API 2), asks the portal's
		 * provider; this portal has none: EOPNOTSUPP (CONTRACT 8.2).
		 */
		EXPECT_EQ(arg.flags == ISCSI_PORTAL_SET_DROP_SESSIONS ? -EOPNOTSUPP :
			  -EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_SET_STATUS, &arg))
			TH_LOG("SET flags=%#x", arg.flags);
		EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_REPORT_STATUS, &arg))
			TH_LOG("REPORT flags=%#x", arg.flags);
	}
	/* DROP_SESSIONS goes with OFFLINE only. */
	memset(&arg, 0, sizeof(arg));
	arg.id = id;
	arg.status = ISCSI_PORTAL_STATUS_ONLINE;
	arg.flags = ISCSI_PORTAL_SET_DROP_SESSIONS;
	EXPECT_EQ(-EINVAL, ip_ioctl(fd, ISCSI_PORTAL_IOC_SET_STATUS, &arg));
	EXPECT_UNCHANGED(fd, before);
	ASSERT_EQ(0, ip_get_info(fd, id, &info));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_ONLINE, info.status);
	EXPECT_EQ((__u64)0, info.generation);
	EXPECT_EQ(0, ip_remove(fd, id));
	close(fd);
}

TEST(add_ignores_id_input)
{
	struct iscsi_portal_add add;
	struct iscsi_portal_info info;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	fill_cc(&add, sizeof(add));
	ip_unique_addr(&add.addr, AF_INET);
	add.status = ISCSI_PORTAL_STATUS_OFFLINE;
	add.flags = 0;
	ASSERT_EQ(0, ip_ioctl(fd, ISCSI_PORTAL_IOC_ADD, &add));
	EXPECT_NE((__u64)0xccccccccccccccccull, add.id) TH_LOG("ADD did not write id");
	EXPECT_LE((__u64)1, add.id);
	ASSERT_EQ(0, ip_get_info(fd, add.id, &info));
	EXPECT_EQ(0, memcmp(&add.addr, &info.addr, sizeof(info.addr)));
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, info.status);
	EXPECT_EQ(0, ip_remove(fd, add.id));
	close(fd);
}

TEST(get_info_fills_every_field)
{
	struct iscsi_portal_addr addrs[3];
	static const __u32 statuses[3] = {
		ISCSI_PORTAL_STATUS_OFFLINE, ISCSI_PORTAL_STATUS_FAILED,
		ISCSI_PORTAL_STATUS_NOT_READY,
	};
	struct iscsi_portal_info info;
	__u64 ids[3];
	int fd, i;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ip_unique_addr(&addrs[0], AF_INET);
	ip_unique_addr(&addrs[1], AF_INET6);
	ip_addr6(&addrs[2], "fe80::d0c:5e1f:7e57", 3260, 0x7e57);
	ASSERT_EQ(0, ip_add(fd, &addrs[0], statuses[0], &ids[0]));
	ASSERT_EQ(0, ip_add(fd, &addrs[1], statuses[1], &ids[1]));
	ASSERT_EQ(0, add_fixed(fd, &addrs[2], statuses[2], &ids[2]));

	for (i = 0; i < 3; i++) {
		/* every output field, and the addr, pre-filled with 0xcc */
		ASSERT_EQ(0, ip_get_info(fd, ids[i], &info));
		EXPECT_EQ(ids[i], info.id);
		EXPECT_EQ(0, memcmp(&addrs[i], &info.addr, sizeof(info.addr)))
			TH_LOG("added %s", ip_addr_str(&addrs[i]));
		EXPECT_EQ(statuses[i], info.status);
		EXPECT_EQ(0U, info.flags);
		EXPECT_EQ((__u64)0, info.generation);
		EXPECT_EQ(0, ip_remove(fd, ids[i]));
	}
	close(fd);
}

TEST(get_status_fills_every_field)
{
	struct iscsi_portal_status_arg arg;
	unsigned int i;
	__u64 id;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	for (i = 0; i < IP_ARRAY_SIZE(ip_valid_statuses); i++) {
		ASSERT_EQ(0, ip_add_unique(fd, AF_INET6, ip_valid_statuses[i], &id, NULL));
		fill_cc(&arg, sizeof(arg));	/* status and flags are output */
		arg.id = id;
		ASSERT_EQ(0, ip_ioctl(fd, ISCSI_PORTAL_IOC_GET_STATUS, &arg));
		EXPECT_EQ(id, arg.id);
		EXPECT_EQ(ip_valid_statuses[i], arg.status);
		EXPECT_EQ(0U, arg.flags);
		EXPECT_EQ(0, ip_remove(fd, id));
	}
	close(fd);
}

struct addr_case {
	const char *name;
	struct iscsi_portal_addr a;
};

#define V4(b0, b1, b2, b3, p) { .family = AF_INET, .port = (p), \
	.addr = { b0, b1, b2, b3 } }
#define V6(p, s, ...) { .family = AF_INET6, .port = (p), .scope_id = (s), \
	.addr = { __VA_ARGS__ } }

TEST(add_invalid_addresses)
{
	static const struct addr_case cases[] = {
		{ "family 0", { .family = 0, .port = 3260, .addr = { 192, 0, 2, 1 } } },
		{ "family 1 (AF_UNIX)", { .family = 1, .port = 3260, .addr = { 192, 0, 2, 1 } } },
		{ "family 3", { .family = 3, .port = 3260, .addr = { 192, 0, 2, 1 } } },
		{ "family 11", { .family = 11, .port = 3260, .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } },
		{ "family 0xffff", { .family = 0xffff, .port = 3260, .addr = { 192, 0, 2, 1 } } },
		{ "v4 port 0", V4(192, 0, 2, 77, 0) },
		{ "v6 port 0", V6(0, 0, 0x20, 0x01, 0x0d, 0xb8, [15] = 0x77) },
		{ "v4 addr[4] set", { .family = AF_INET, .port = 3260, .addr = { 192, 0, 2, 1, 1 } } },
		{ "v4 addr[15] set", { .family = AF_INET, .port = 3260, .addr = { 192, 0, 2, 1, [15] = 1 } } },
		{ "v4 addr[8] set", { .family = AF_INET, .port = 3260, .addr = { 198, 51, 100, 1, [8] = 0x80 } } },
		{ "v4 scope_id 1", { .family = AF_INET, .port = 3260, .scope_id = 1, .addr = { 192, 0, 2, 1 } } },
		{ "v4 scope_id ~0", { .family = AF_INET, .port = 3260, .scope_id = 0xffffffff, .addr = { 192, 0, 2, 1 } } },
		{ "v4 224.0.0.1", V4(224, 0, 0, 1, 3260) },
		{ "v4 224.0.0.0", V4(224, 0, 0, 0, 3260) },
		{ "v4 230.1.2.3", V4(230, 1, 2, 3, 3260) },
		{ "v4 239.255.255.255", V4(239, 255, 255, 255, 3260) },
		{ "v4 255.255.255.255", V4(255, 255, 255, 255, 3260) },
		{ "v6 ff02::1", V6(3260, 0, 0xff, 0x02, [15] = 1) },
		{ "v6 ff0e::1", V6(3260, 0, 0xff, 0x0e, [15] = 1) },
		{ "v6 ff00::", V6(3260, 0, 0xff) },
		{ "v6 ff02::1 scope 1", V6(3260, 1, 0xff, 0x02, [15] = 1) },
		{ "v6 fe80::1 scope 0", V6(3260, 0, 0xfe, 0x80, [15] = 1) },
		{ "v6 febf::1 scope 0", V6(3260, 0, 0xfe, 0xbf, [15] = 1) },
		{ "v6 2001:db8::1 scope 5", V6(3260, 5, 0x20, 0x01, 0x0d, 0xb8, [15] = 1) },
		{ "v6 :: scope 1", V6(3260, 1) },
		{ "v6 ::ffff:192.0.2.1", V6(3260, 0, [10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1) },
		{ "v6 ::ffff:0.0.0.0", V6(3260, 0, [10] = 0xff, [11] = 0xff) },
	};
	struct snap before;
	unsigned int i;
	__u64 id;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	before = snap(fd);
	for (i = 0; i < IP_ARRAY_SIZE(cases); i++) {
		id = 0xcccccccc;
		EXPECT_EQ(-EINVAL, ip_add(fd, &cases[i].a, ISCSI_PORTAL_STATUS_ONLINE, &id))
			TH_LOG("%s was accepted (id %llu)", cases[i].name,
			       (unsigned long long)id);
	}
	EXPECT_UNCHANGED(fd, before);
	close(fd);
}

TEST(add_valid_addresses)
{
	static const struct addr_case cases[] = {
		{ "v4 203.0.113.255:65535", V4(203, 0, 113, 255, 65535) },
		{ "v4 192.0.2.0:1", V4(192, 0, 2, 0, 1) },
		{ "v4 0.0.0.0:3260 wildcard", V4(0, 0, 0, 0, 3260) },
		{ "v6 [::]:3260 wildcard", V6(3260, 0) },
		{ "v6 2001:db8:ffff:...:ffff", V6(65535, 0, 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff) },
		{ "v6 fe80::1 scope 1", V6(3260, 1, 0xfe, 0x80, [15] = 1) },
		{ "v6 fe80::1 scope 2", V6(3260, 2, 0xfe, 0x80, [15] = 1) },
		{ "v6 fe80::1 scope ~0", V6(3260, 0xffffffff, 0xfe, 0x80, [15] = 1) },
		{ "v6 febf:ffff::1 scope 3", V6(3260, 3, 0xfe, 0xbf, 0xff, 0xff, [15] = 1) },
	};
	struct iscsi_portal_info info;
	__u64 ids[IP_ARRAY_SIZE(cases)];
	struct snap before, after;
	unsigned int i;
	int fd, ret;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	/* leftovers of an aborted run would make the ADDs EEXIST */
	for (i = 0; i < IP_ARRAY_SIZE(cases); i++)
		if (!ip_find_addr(fd, &cases[i].a, &ids[i]))
			ip_remove(fd, ids[i]);
	before = snap(fd);
	for (i = 0; i < IP_ARRAY_SIZE(cases); i++) {
		ids[i] = 0;
		ret = ip_add(fd, &cases[i].a, ISCSI_PORTAL_STATUS_ONLINE, &ids[i]);
		EXPECT_EQ(0, ret) TH_LOG("%s rejected", cases[i].name);
		if (ret)
			continue;
		ASSERT_EQ(0, ip_get_info(fd, ids[i], &info));
		EXPECT_EQ(0, memcmp(&cases[i].a, &info.addr, sizeof(info.addr)))
			TH_LOG("%s came back as %s", cases[i].name,
			       ip_addr_str(&info.addr));
	}
	after = snap(fd);
	/* the three fe80::1 scopes are three distinct portals */
	EXPECT_EQ(before.count + IP_ARRAY_SIZE(cases), after.count);
	EXPECT_EQ(before.gen + IP_ARRAY_SIZE(cases), after.gen);
	for (i = 0; i < IP_ARRAY_SIZE(cases); i++)
		if (ids[i]) {
			EXPECT_EQ(0, ip_remove(fd, ids[i]));
		}
	close(fd);
}

TEST(add_duplicate_eexist)
{
	struct iscsi_portal_addr a4, a6, other, ll;
	__u64 id4, id6, id_other, id_ll1, id_ll2, dummy;
	struct snap before;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id4, &a4));
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET6, ISCSI_PORTAL_STATUS_OFFLINE, &id6, &a6));
	ip_addr6(&ll, "fe80::dead:beef:1", 3260, 1);
	ASSERT_EQ(0, add_fixed(fd, &ll, ISCSI_PORTAL_STATUS_ONLINE, &id_ll1));

	before = snap(fd);
	EXPECT_EQ(-EEXIST, ip_add(fd, &a4, ISCSI_PORTAL_STATUS_ONLINE, &dummy));
	EXPECT_EQ(-EEXIST, ip_add(fd, &a4, ISCSI_PORTAL_STATUS_FAILED, &dummy))
		TH_LOG("same address with another status is the same portal");
	EXPECT_EQ(-EEXIST, ip_add(fd, &a6, ISCSI_PORTAL_STATUS_OFFLINE, &dummy));
	EXPECT_EQ(-EEXIST, ip_add(fd, &ll, ISCSI_PORTAL_STATUS_UNKNOWN, &dummy));
	EXPECT_UNCHANGED(fd, before);

	/* another port: another portal */
	other = a4;
	other.port = a4.port == 65535 ? 1024 : a4.port + 1;
	if (!ip_find_addr(fd, &other, &dummy))
		ip_remove(fd, dummy);
	EXPECT_EQ(0, ip_add(fd, &other, ISCSI_PORTAL_STATUS_ONLINE, &id_other));
	/* link-local with another scope_id: another portal */
	ll.scope_id = 2;
	ASSERT_EQ(0, add_fixed(fd, &ll, ISCSI_PORTAL_STATUS_ONLINE, &id_ll2));
	EXPECT_NE(id_ll1, id_ll2);
	EXPECT_EQ(-EEXIST, ip_add(fd, &ll, ISCSI_PORTAL_STATUS_ONLINE, &dummy));

	EXPECT_EQ(0, ip_remove(fd, id4));
	EXPECT_EQ(0, ip_remove(fd, id6));
	EXPECT_EQ(0, ip_remove(fd, id_other));
	EXPECT_EQ(0, ip_remove(fd, id_ll1));
	EXPECT_EQ(0, ip_remove(fd, id_ll2));
	close(fd);
}

TEST(add_initial_status)
{
	struct iscsi_portal_info info;
	struct snap before;
	unsigned int i;
	__u32 st;
	__u64 id;
	int fd, fam;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	for (fam = 0; fam < 2; fam++) {
		for (i = 0; i < IP_ARRAY_SIZE(ip_valid_statuses); i++) {
			ASSERT_EQ(0, ip_add_unique(fd, fam ? AF_INET6 : AF_INET,
						   ip_valid_statuses[i], &id, NULL))
				TH_LOG("initial status %u", ip_valid_statuses[i]);
			ASSERT_EQ(0, ip_get_info(fd, id, &info));
			EXPECT_EQ(ip_valid_statuses[i], info.status);
			EXPECT_EQ((__u64)0, info.generation);
			ASSERT_EQ(0, ip_get_status(fd, id, &st, NULL));
			EXPECT_EQ(ip_valid_statuses[i], st);
			EXPECT_EQ(0, ip_remove(fd, id));
		}
	}
	before = snap(fd);
	for (i = 0; i < IP_ARRAY_SIZE(ip_invalid_statuses); i++) {
		EXPECT_EQ(-EINVAL, ip_add_unique(fd, AF_INET, ip_invalid_statuses[i], &id, NULL))
			TH_LOG("initial status %#x", ip_invalid_statuses[i]);
	}
	EXPECT_UNCHANGED(fd, before);
	close(fd);
}

/* All five id-taking calls on @id fail with @err and change nothing. */
static void check_id_calls(struct __test_metadata *_metadata, int fd, __u64 id,
			   int err)
{
	struct snap before = snap(fd);
	const char *call;
	int got = 0;

	call = ip_id_calls_fail(fd, id, err, &got);
	EXPECT_EQ(NULL, call) TH_LOG("%s of id %llu returned %d, expected %d", call,
				     (unsigned long long)id, got, err);
	EXPECT_UNCHANGED(fd, before);
}

TEST(ids_increase_never_reused)
{
	struct iscsi_portal_addr addr_b;
	__u64 a, b, c, d, e, f;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &a, NULL));
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET6, ISCSI_PORTAL_STATUS_ONLINE, &b, &addr_b));
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &c, NULL));
	EXPECT_LE((__u64)1, a);
	EXPECT_LT(a, b);
	EXPECT_LT(b, c);

	ASSERT_EQ(0, ip_remove(fd, b));
	check_id_calls(_metadata, fd, b, -EIDRM);

	/* still removed after more ids have been issued */
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &d, NULL));
	EXPECT_LT(c, d);
	check_id_calls(_metadata, fd, b, -EIDRM);

	/* the same address again is a new portal with a new, bigger id */
	ASSERT_EQ(0, ip_add(fd, &addr_b, ISCSI_PORTAL_STATUS_ONLINE, &e));
	EXPECT_LT(d, e);
	check_id_calls(_metadata, fd, b, -EIDRM);

	/* never issued: 0 and anything above the last id */
	check_id_calls(_metadata, fd, 0, -ENOENT);
	check_id_calls(_metadata, fd, e + 1000, -ENOENT);
	check_id_calls(_metadata, fd, 1ull << 63, -ENOENT);
	check_id_calls(_metadata, fd, U64_MAX_, -ENOENT);

	/* ...and e + 1000 was not consumed by those probes */
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &f, NULL));
	EXPECT_LT(e, f);
	EXPECT_GT(e + 1000, f);

	EXPECT_EQ(0, ip_remove(fd, a));
	EXPECT_EQ(0, ip_remove(fd, c));
	EXPECT_EQ(0, ip_remove(fd, d));
	EXPECT_EQ(0, ip_remove(fd, e));
	EXPECT_EQ(0, ip_remove(fd, f));
	check_id_calls(_metadata, fd, a, -EIDRM);
	check_id_calls(_metadata, fd, f, -EIDRM);
	close(fd);
}

TEST(add_remove_generation)
{
	struct snap s0, s1, s2;
	__u64 id;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	s0 = snap(fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	s1 = snap(fd);
	EXPECT_EQ(s0.count + 1, s1.count);
	EXPECT_EQ(s0.gen + 1, s1.gen);
	ASSERT_EQ(0, ip_remove(fd, id));
	s2 = snap(fd);
	EXPECT_EQ(s0.count, s2.count);
	EXPECT_EQ(s0.gen + 2, s2.gen);
	close(fd);
}

/* status and generation of @id, and the table generation */
#define EXPECT_PORTAL(fd, id, st, gen, tgen) do { \
	struct iscsi_portal_info __i; \
	ASSERT_EQ(0, ip_get_info(fd, id, &__i)); \
	EXPECT_EQ((__u32)(st), __i.status); \
	EXPECT_EQ((__u64)(gen), __i.generation); \
	EXPECT_EQ(0U, __i.flags); \
	EXPECT_EQ((__u64)(tgen), ip_table_gen(fd)); \
} while (0)

TEST(set_status)
{
	unsigned int i;
	__u64 id, tg;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	tg = ip_table_gen(fd);

	/* same status: success, nothing changes */
	EXPECT_EQ(0, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_ONLINE));
	EXPECT_PORTAL(fd, id, ISCSI_PORTAL_STATUS_ONLINE, 0, tg);
	/* a real change bumps both generations by exactly one */
	EXPECT_EQ(0, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_OFFLINE));
	EXPECT_PORTAL(fd, id, ISCSI_PORTAL_STATUS_OFFLINE, 1, tg + 1);
	EXPECT_EQ(0, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_OFFLINE));
	EXPECT_PORTAL(fd, id, ISCSI_PORTAL_STATUS_OFFLINE, 1, tg + 1);
	EXPECT_EQ(0, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_ONLINE));
	EXPECT_PORTAL(fd, id, ISCSI_PORTAL_STATUS_ONLINE, 2, tg + 2);

	/* provider-only statuses */
	EXPECT_EQ(-EOPNOTSUPP, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_UNKNOWN));
	EXPECT_EQ(-EOPNOTSUPP, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_NOT_READY));
	EXPECT_EQ(-EOPNOTSUPP, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_FAILED));
	for (i = 0; i < IP_ARRAY_SIZE(ip_invalid_statuses); i++) {
		EXPECT_EQ(-EINVAL, ip_set_status(fd, id, ip_invalid_statuses[i]))
			TH_LOG("SET status %#x", ip_invalid_statuses[i]);
	}
	EXPECT_PORTAL(fd, id, ISCSI_PORTAL_STATUS_ONLINE, 2, tg + 2);

	/* SET works from a provider-reported status too */
	EXPECT_EQ(0, ip_report_status(fd, id, ISCSI_PORTAL_STATUS_FAILED));
	EXPECT_PORTAL(fd, id, ISCSI_PORTAL_STATUS_FAILED, 3, tg + 3);
	EXPECT_EQ(0, ip_set_status(fd, id, ISCSI_PORTAL_STATUS_OFFLINE));
	EXPECT_PORTAL(fd, id, ISCSI_PORTAL_STATUS_OFFLINE, 4, tg + 4);

	EXPECT_EQ(0, ip_remove(fd, id));
	close(fd);
}

TEST(report_status)
{
	static const __u32 seq[] = {
		ISCSI_PORTAL_STATUS_ONLINE, ISCSI_PORTAL_STATUS_NOT_READY,
		ISCSI_PORTAL_STATUS_NOT_READY, ISCSI_PORTAL_STATUS_OFFLINE,
		ISCSI_PORTAL_STATUS_FAILED, ISCSI_PORTAL_STATUS_UNKNOWN,
		ISCSI_PORTAL_STATUS_UNKNOWN, ISCSI_PORTAL_STATUS_FAILED,
		ISCSI_PORTAL_STATUS_ONLINE, ISCSI_PORTAL_STATUS_ONLINE,
	};
	__u32 cur = ISCSI_PORTAL_STATUS_UNKNOWN;
	__u64 id, tg, gen = 0;
	unsigned int i;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET6, cur, &id, NULL));
	tg = ip_table_gen(fd);
	for (i = 0; i < IP_ARRAY_SIZE(seq); i++) {
		EXPECT_EQ(0, ip_report_status(fd, id, seq[i]))
			TH_LOG("REPORT %u -> %u", cur, seq[i]);
		if (seq[i] != cur) {
			gen++;
			tg++;
		}
		cur = seq[i];
		EXPECT_PORTAL(fd, id, cur, gen, tg);
	}
	for (i = 0; i < IP_ARRAY_SIZE(ip_invalid_statuses); i++) {
		EXPECT_EQ(-EINVAL, ip_report_status(fd, id, ip_invalid_statuses[i]))
			TH_LOG("REPORT status %#x", ip_invalid_statuses[i]);
	}
	EXPECT_PORTAL(fd, id, cur, gen, tg);
	EXPECT_EQ(0, ip_remove(fd, id));
	close(fd);
}

TEST(error_precedence)
{
	struct iscsi_portal_addr a;
	struct iscsi_portal_add add;
	struct iscsi_portal_status_arg arg;
	struct iscsi_portal_list l;
	struct iscsi_portal_info info;
	struct snap before;
	__u64 id, gone, dummy;
	int rw, rd;

	rw = ip_open(O_RDWR);
	ASSERT_LE(0, rw);
	rd = ip_open(O_RDONLY);
	ASSERT_LE(0, rd);
	ASSERT_EQ(0, ip_add_unique(rw, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, &a));
	ASSERT_EQ(0, ip_add_unique(rw, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &gone, NULL));
	ASSERT_EQ(0, ip_remove(rw, gone));
	before = snap(rw);

	/* ENOTTY before EBADF before EFAULT */
	EXPECT_EQ(-ENOTTY, ip_ioctl(rd, _IO(ISCSI_PORTAL_IOC_MAGIC, 0x1F), NULL));
	EXPECT_EQ(-EBADF, ip_ioctl(rd, ISCSI_PORTAL_IOC_ADD, NULL));
	EXPECT_EQ(-EBADF, ip_ioctl(rd, ISCSI_PORTAL_IOC_REMOVE, NULL));
	EXPECT_EQ(-EBADF, ip_ioctl(rd, ISCSI_PORTAL_IOC_SET_STATUS, NULL));
	EXPECT_EQ(-EBADF, ip_ioctl(rd, ISCSI_PORTAL_IOC_REPORT_STATUS, NULL));
	/* EBADF before EINVAL, EEXIST, EIDRM */
	memset(&add, 0, sizeof(add));
	add.addr = a;
	add.flags = 1;
	EXPECT_EQ(-EBADF, ip_ioctl(rd, ISCSI_PORTAL_IOC_ADD, &add));
	EXPECT_EQ(-EBADF, ip_add(rd, &a, ISCSI_PORTAL_STATUS_ONLINE, &dummy));
	EXPECT_EQ(-EBADF, ip_remove(rd, gone));
	EXPECT_EQ(-EBADF, ip_set_status(rd, gone, 3));
	EXPECT_EQ(-EBADF, ip_report_status(rd, 0, ISCSI_PORTAL_STATUS_ONLINE));

	/* EINVAL/EOPNOTSUPP (the argument) before ENOENT/EIDRM */
	EXPECT_EQ(-EINVAL, ip_set_status(rw, gone, 3));
	EXPECT_EQ(-EINVAL, ip_set_status(rw, gone, 0xffffffff));
	EXPECT_EQ(-EOPNOTSUPP, ip_set_status(rw, gone, ISCSI_PORTAL_STATUS_NOT_READY));
	EXPECT_EQ(-EINVAL, ip_set_status(rw, 0, 6));
	EXPECT_EQ(-EOPNOTSUPP, ip_set_status(rw, 0, ISCSI_PORTAL_STATUS_FAILED));
	EXPECT_EQ(-EOPNOTSUPP, ip_set_status(rw, U64_MAX_, ISCSI_PORTAL_STATUS_UNKNOWN));
	EXPECT_EQ(-EINVAL, ip_report_status(rw, gone, 6));
	EXPECT_EQ(-EINVAL, ip_report_status(rw, U64_MAX_, 3));
	memset(&arg, 0, sizeof(arg));
	arg.id = gone;
	arg.status = ISCSI_PORTAL_STATUS_ONLINE;
	arg.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, ip_ioctl(rw, ISCSI_PORTAL_IOC_SET_STATUS, &arg));
	EXPECT_EQ(-EINVAL, ip_ioctl(rw, ISCSI_PORTAL_IOC_REPORT_STATUS, &arg));
	arg.id = 0;
	EXPECT_EQ(-EINVAL, ip_ioctl(rw, ISCSI_PORTAL_IOC_SET_STATUS, &arg));
	EXPECT_EQ(-EINVAL, ip_ioctl(rw, ISCSI_PORTAL_IOC_REPORT_STATUS, &arg));

	/* EINVAL before EEXIST: a bad field on an existing address */
	EXPECT_EQ(-EINVAL, ip_ioctl(rw, ISCSI_PORTAL_IOC_ADD, &add));
	EXPECT_EQ(-EINVAL, ip_add(rw, &a, 3, &dummy));

	/* LIST: EFAULT before EINVAL before anything else */
	EXPECT_EQ(-EFAULT, ip_ioctl(rw, ISCSI_PORTAL_IOC_LIST, NULL));
	EXPECT_EQ(-EINVAL, ip_list(rw, 0, NULL, 0, &l));
	EXPECT_EQ(-EINVAL, ip_list(rw, gone, &info, 0, &l));

	EXPECT_UNCHANGED(rw, before);
	EXPECT_EQ(0, ip_remove(rw, id));
	close(rd);
	close(rw);
}

/* ------------------------------------------------------------------ */
/* LIST */

TEST(list_capacity_zero)
{
	struct iscsi_portal_info info;
	struct iscsi_portal_list l;
	int fd = ip_open(O_RDONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, ip_list(fd, 0, NULL, 0, &l));
	EXPECT_EQ(-EINVAL, ip_list(fd, 0, &info, 0, &l));
	EXPECT_EQ(-EINVAL, ip_list(fd, 1, &info, 0, &l));
	close(fd);
}

TEST(list_bad_entries_efault)
{
	struct iscsi_portal_list l;
	void *hole = noaccess_page();
	__u64 id;
	int fd;

	ASSERT_NE(NULL, hole);
	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	/* a portal at the cursor, so the kernel has something to copy */
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	EXPECT_EQ(-EFAULT, ip_list(fd, id, NULL, 1, &l));
	EXPECT_EQ(-EFAULT, ip_list(fd, id, NULL, 64, &l));
	EXPECT_EQ(-EFAULT, ip_list(fd, id, hole, 1, &l));
	EXPECT_EQ(-EFAULT, ip_list(fd, 0, hole, 16, &l));
	EXPECT_EQ(0, ip_remove(fd, id));
	close(fd);
}

TEST(list_past_the_end)
{
	struct iscsi_portal_info info[4];
	struct iscsi_portal_list l;
	__u64 id;
	int fd = ip_open(O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET6, ISCSI_PORTAL_STATUS_ONLINE, &id, NULL));
	ASSERT_EQ(0, ip_list(fd, U64_MAX_, info, 4, &l));
	EXPECT_EQ(0U, l.count);
	EXPECT_EQ((__u64)0, l.cursor);
	EXPECT_EQ(ip_table_gen(fd), l.table_generation);
	ASSERT_EQ(0, ip_list(fd, id + 1000000, info, 4, &l));
	EXPECT_EQ(0U, l.count);
	EXPECT_EQ((__u64)0, l.cursor);
	EXPECT_EQ(0, ip_remove(fd, id));
	close(fd);
}

/* The first portal LIST gives from @cursor, past empty pages. */
static void first_listed(struct __test_metadata *_metadata, int fd,
			 __u64 cursor, struct iscsi_portal_info *first)
{
	ASSERT_EQ(0, ip_list_first(fd, cursor, first))
		TH_LOG("nothing listed from %llu", (unsigned long long)cursor);
}

TEST(list_cursor_semantics)
{
	struct iscsi_portal_info info[8], first;
	struct iscsi_portal_list l;
	__u64 a, b, gap, c;
	int fd;

	fd = ip_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_ONLINE, &a, NULL));
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_OFFLINE, &b, NULL));
	/* ids are consecutive: remove one between b and c to leave a gap */
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET6, ISCSI_PORTAL_STATUS_ONLINE, &gap, NULL));
	ASSERT_EQ(0, ip_add_unique(fd, AF_INET, ISCSI_PORTAL_STATUS_FAILED, &c, NULL));
	ASSERT_EQ(0, ip_remove(fd, gap));
	ASSERT_LT(b, gap);
	ASSERT_LT(gap, c);

	/* starting at b: the first entry returned is b itself */
	first_listed(_metadata, fd, b, &first);
	EXPECT_EQ(b, first.id);
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_OFFLINE, first.status);

	/* a cursor between two ids (a removed one) starts at the next one */
	first_listed(_metadata, fd, gap, &first);
	EXPECT_EQ(c, first.id) TH_LOG("LIST from the removed id %llu",
				      (unsigned long long)gap);
	EXPECT_EQ((__u32)ISCSI_PORTAL_STATUS_FAILED, first.status);
	/* ...and so does the id right after b, whatever it is */
	first_listed(_metadata, fd, b + 1, &first);
	EXPECT_EQ(c, first.id);

	/* capacity 1 from a: count <= 1, cursor out beyond a */
	ASSERT_EQ(0, ip_list(fd, a, info, 1, &l));
	ASSERT_GE(1U, l.count);
	if (l.count) {
		EXPECT_EQ(a, info[0].id);
	}
	EXPECT_LT(a, l.cursor) TH_LOG("cursor out must move past a (%llu)",
				       (unsigned long long)l.cursor);
	EXPECT_GE(b, l.cursor) TH_LOG("cursor out skipped b");

	EXPECT_EQ(0, ip_remove(fd, a));
	EXPECT_EQ(0, ip_remove(fd, b));
	EXPECT_EQ(0, ip_remove(fd, c));
	close(fd);
}

/*
 * Paging over several hundred portals added by the test, with small
 * capacities, against a model of what was added.
 */
#define NPORTALS 500

FIXTURE(list_many) {
	int fd;
	int n;			/* portals added (and in the model) */
	__u64 ids[NPORTALS];	/* ascending, as issued */
	struct iscsi_portal_addr addr[NPORTALS];
	__u32 status[NPORTALS];
	bool removed[NPORTALS];
};

FIXTURE_VARIANT(list_many) {
	__u32 capacity;
};

FIXTURE_VARIANT_ADD(list_many, cap1) { .capacity = 1 };
FIXTURE_VARIANT_ADD(list_many, cap3) { .capacity = 3 };
FIXTURE_VARIANT_ADD(list_many, cap7) { .capacity = 7 };
FIXTURE_VARIANT_ADD(list_many, cap64) { .capacity = 64 };

FIXTURE_SETUP(list_many)
{
	int i;

	self->n = 0;
	self->fd = ip_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < NPORTALS; i++) {
		__u32 st = ip_valid_statuses[i % IP_ARRAY_SIZE(ip_valid_statuses)];

		ASSERT_EQ(0, ip_add_unique(self->fd, i % 3 ? AF_INET6 : AF_INET, st,
					   &self->ids[i], &self->addr[i]));
		self->status[i] = st;
		self->removed[i] = false;
		self->n = i + 1;
		if (i) {
			ASSERT_LT(self->ids[i - 1], self->ids[i]);
		}
	}
}

FIXTURE_TEARDOWN(list_many)
{
	int i;

	for (i = 0; i < self->n; i++)
		if (!self->removed[i])
			ip_remove(self->fd, self->ids[i]);
	close(self->fd);
}

/* index of @id in the model, or -1 */
static int model_find(FIXTURE_DATA(list_many) *self, __u64 id)
{
	int lo = 0, hi = self->n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (self->ids[mid] == id)
			return mid;
		if (self->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * Walk from @start with @cap per call until cursor 0.  Checks every page
 * (count <= cap, ascending ids >= cursor, cursor progress, one
 * table_generation for the whole walk) and that the model's portals from
 * @start on come back exactly, in order, no duplicates, no gaps.
 */
static void walk_and_check(struct __test_metadata *_metadata,
			   FIXTURE_DATA(list_many) *self, __u64 start, __u32 cap)
{
	struct iscsi_portal_info *page;
	struct iscsi_portal_list l;
	__u64 cursor = start, last_id = 0, gen = 0, gen_before;
	int next = 0, pages = 0, k;
	bool first = true;
	unsigned int i;

	page = calloc(cap, sizeof(*page));
	ASSERT_NE(NULL, page);
	while (next < self->n && (self->ids[next] < start || self->removed[next]))
		next++;
	gen_before = ip_table_gen(self->fd);

	do {
		ASSERT_GT(200000, ++pages) TH_LOG("walk does not end");
		fill_cc(page, cap * sizeof(*page));
		ASSERT_EQ(0, ip_list(self->fd, cursor, page, cap, &l));
		ASSERT_GE(cap, l.count);
		if (first)
			gen = l.table_generation;
		first = false;
		EXPECT_EQ(gen, l.table_generation)
			TH_LOG("table_generation changed between pages of a quiet walk");
		for (i = 0; i < l.count; i++) {
			ASSERT_LE(cursor, page[i].id) TH_LOG("entry below the cursor");
			ASSERT_LT(last_id, page[i].id) TH_LOG("not ascending / duplicate");
			last_id = page[i].id;
			k = model_find(self, page[i].id);
			if (k < 0)
				continue;	/* someone else's portal */
			ASSERT_FALSE(self->removed[k])
				TH_LOG("removed portal %llu listed", (unsigned long long)page[i].id);
			ASSERT_EQ(self->ids[next], page[i].id)
				TH_LOG("gap: expected id %llu", (unsigned long long)self->ids[next]);
			EXPECT_EQ(0, memcmp(&self->addr[k], &page[i].addr, sizeof(page[i].addr)));
			EXPECT_EQ(self->status[k], page[i].status);
			EXPECT_EQ(0U, page[i].flags);
			EXPECT_EQ((__u64)0, page[i].generation);
			next++;
			while (next < self->n && self->removed[next])
				next++;
		}
		if (l.cursor) {
			ASSERT_LT(cursor, l.cursor) TH_LOG("cursor did not advance");
			if (l.count) {
				ASSERT_LT(last_id, l.cursor) TH_LOG("cursor out not past the page");
			}
		}
		cursor = l.cursor;
	} while (cursor);
	EXPECT_EQ(self->n, next) TH_LOG("walk ended before the model's last portal");
	EXPECT_EQ(gen_before, gen) TH_LOG("LIST generation differs from VERSION's");
	EXPECT_EQ(gen_before, ip_table_gen(self->fd));
	free(page);
}

TEST_F_TIMEOUT(list_many, walk_from_start, 120)
{
	walk_and_check(_metadata, self, 0, variant->capacity);
}

TEST_F_TIMEOUT(list_many, walk_from_middle, 120)
{
	walk_and_check(_metadata, self, self->ids[NPORTALS / 2], variant->capacity);
}

TEST_F_TIMEOUT(list_many, walk_after_removals, 120)
{
	int i;

	for (i = 0; i < self->n; i += 3) {
		ASSERT_EQ(0, ip_remove(self->fd, self->ids[i]));
		self->removed[i] = true;
	}
	walk_and_check(_metadata, self, self->ids[0], variant->capacity);
	walk_and_check(_metadata, self, 0, variant->capacity);
}

TEST_F(list_many, generation_per_page)
{
	struct iscsi_portal_info *page;
	struct iscsi_portal_list l;
	__u64 tg;
	__u32 cap = variant->capacity;

	page = calloc(cap, sizeof(*page));
	ASSERT_NE(NULL, page);
	tg = ip_table_gen(self->fd);
	ASSERT_EQ(0, ip_list(self->fd, self->ids[0], page, cap, &l));
	EXPECT_EQ(tg, l.table_generation);
	ASSERT_NE((__u64)0, l.cursor);

	/* one committed change between pages shows in the next page */
	ASSERT_EQ(0, ip_report_status(self->fd, self->ids[1],
				      self->status[1] == ISCSI_PORTAL_STATUS_FAILED ?
				      ISCSI_PORTAL_STATUS_ONLINE : ISCSI_PORTAL_STATUS_FAILED));
	self->status[1] = self->status[1] == ISCSI_PORTAL_STATUS_FAILED ?
			  ISCSI_PORTAL_STATUS_ONLINE : ISCSI_PORTAL_STATUS_FAILED;
	ASSERT_EQ(0, ip_list(self->fd, l.cursor, page, cap, &l));
	EXPECT_EQ(tg + 1, l.table_generation);
	EXPECT_EQ(tg + 1, ip_table_gen(self->fd));
	free(page);
}

TEST_HARNESS_MAIN
