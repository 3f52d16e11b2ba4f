/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - what ioctl_fuzz.c and fault_inject.c share: the kernel's
 * kselftest_harness.h, the selftests' common.h, errno sets and logging.
 */
#ifndef ISCSI_PORTAL_FUZZ_H
#define ISCSI_PORTAL_FUZZ_H

/*
 * The harness (Linux 6.12) defines functions with parameters it does not
 * use, and TEST_F()'s wrapper keeps a local (child) across setjmp(), which
 * -Wextra -Werror rejects once a test body is inlined into it at -O2.
 * Those two come from the harness' macros; nothing else is silenced.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"

#include "kselftest_harness.h"
#include "common.h"

#include <stdarg.h>
#include <sys/mman.h>

/*
 * A set of errnos (all of CONTRACT section 4 are below 128) plus bit 0 for
 * success.  unsigned __int128 is a GCC extension; the build is gnu11.
 */
typedef unsigned __int128 fz_emask;
#define EM(e)		((fz_emask)1 << (e))
#define EM_OK		EM(0)

static inline bool fz_in(fz_emask m, int err)
{
	return err >= 0 && err < 128 && (m & EM(err));
}

/* "EINVAL" for the errnos this project uses, else the number. */
static inline const char *fz_errname(int err, char *buf, size_t len)
{
	static const struct { int e; const char *n; } names[] = {
		{ 0, "OK" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ EINTR, "EINTR" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" },
		{ ENOSPC, "ENOSPC" }, { EIDRM, "EIDRM" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EUCLEAN, "EUCLEAN" },
		{ ERANGE, "ERANGE" }, { EIO, "EIO" }, { ENOSYS, "ENOSYS" },
	};
	size_t i;

	for (i = 0; i < IP_ARRAY_SIZE(names); i++)
		if (names[i].e == err)
			return names[i].n;
	snprintf(buf, len, "errno%d", err);
	return buf;
}

/* printf() as a TAP diagnostic ("# ..."), flushed: tests end in _exit(). */
static inline void __attribute__((format(printf, 1, 2)))
fz_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("# %s\n", line);
	fflush(stdout);
}

/* An environment variable as an unsigned number, or @def. */
static inline uint64_t fz_env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);
	char *end;
	uint64_t v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end) {
		fz_log("ignoring %s=%s (not a number)", name, s);
		return def;
	}
	return v;
}

/* Is debugfs of the module there (the knobs can be used)? */
static inline bool fz_have_debugfs(void)
{
	return access(IP_DEBUGFS_DIR "/" IP_KNOB_SET_DELAY, W_OK) == 0;
}

#endif /* ISCSI_PORTAL_FUZZ_H */
