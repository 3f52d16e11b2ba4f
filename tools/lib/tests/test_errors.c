// SPDX-License-Identifier: GPL-2.0
/*
 * errno -> HRESULT, HRESULT names and ipl_strerror().
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "iscsiportal.h"
#include "harness.h"

/* CONTRACT section 4, row by row. */
static const struct {
	int err;
	uint32_t hr;
	const char *name;
	const char *msg_part;	/* a word the message must contain */
} rows[] = {
	{ 0, 0x00000000, "S_OK", "success" },
	{ EOPNOTSUPP, 0x80042400, "VDS_E_NOT_SUPPORTED", "provider" },
	{ EINVAL, 0x80070057, "E_INVALIDARG", "invalid" },
	{ EIDRM, 0x8004240B, "VDS_E_OBJECT_DELETED", "removed" },
	{ ENOENT, 0x80042405, "VDS_E_OBJECT_NOT_FOUND", "no such portal" },
	{ EBUSY, 0x80042404, "VDS_E_ANOTHER_CALL_IN_PROGRESS",
	  "another call on this portal is in progress" },
	{ EUCLEAN, 0x8004241F, "VDS_E_PROVIDER_CACHE_CORRUPT", "corrupt" },
	{ ENOMEM, 0x8007000E, "E_OUTOFMEMORY", "memory" },
	{ EEXIST, 0x800700B7, "HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)",
	  "already" },
	{ ENOSPC, 0x80070070, "HRESULT_FROM_WIN32(ERROR_DISK_FULL)", "full" },
	{ EPERM, 0x80070005, "E_ACCESSDENIED", "CAP_NET_ADMIN" },
	{ EBADF, 0x80070005, "E_ACCESSDENIED", "writing" },
	{ EFAULT, 0x80004003, "E_POINTER", "pointer" },
	{ ENOTTY, 0x80004001, "E_NOTIMPL", "command" },
	{ ENXIO, 0x80042442, "VDS_E_PROVIDER_FAILURE", "orphan" },
	{ ETIMEDOUT, 0x800705B4, "HRESULT_FROM_WIN32(ERROR_TIMEOUT)",
	  "in time" },
	{ EADDRINUSE, 0x80072740, "HRESULT_FROM_WIN32(WSAEADDRINUSE)",
	  "in use" },
	{ EADDRNOTAVAIL, 0x80072741, "HRESULT_FROM_WIN32(WSAEADDRNOTAVAIL)",
	  "not configured" },
};

/* errors: errno -> HRESULT for every contract row */
TEST(errors_hresult_rows)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		EXPECT_EQ(rows[i].hr, ipl_errno_to_hresult(rows[i].err));
		EXPECT_EQ(rows[i].hr, ipl_errno_to_hresult(-rows[i].err));
		EXPECT_STREQ(rows[i].name, ipl_hresult_name(rows[i].hr));
	}
}

/* errors: other errnos are E_FAIL */
TEST(errors_hresult_others)
{
	static const int others[] = { E2BIG, EAGAIN, EINTR, EIO, ENODEV,
				      EHOSTUNREACH, EPROTO, 4095, INT_MAX,
				      INT_MIN };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(others); i++) {
		EXPECT_EQ(0x80004005U, ipl_errno_to_hresult(others[i]));
	}
	EXPECT_STREQ("E_FAIL", ipl_hresult_name(0x80004005));
	EXPECT_STREQ("unknown HRESULT", ipl_hresult_name(0x12345678));
	/* The macros of the header agree with the table. */
	EXPECT_EQ(0x8004240BU, IPL_VDS_E_OBJECT_DELETED);
	EXPECT_EQ(0x800700B7U, IPL_E_ALREADY_EXISTS);
	EXPECT_EQ(0x80042442U, IPL_VDS_E_PROVIDER_FAILURE);
	EXPECT_EQ(0x800705B4U, IPL_E_TIMEOUT);
	EXPECT_EQ(0x80072740U, IPL_E_ADDRINUSE);
	EXPECT_EQ(0x80072741U, IPL_E_ADDRNOTAVAIL);
}

/* errors: a call a provider answered maps every row the same way */
TEST(errors_provider_rows)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		EXPECT_EQ(rows[i].hr, ipl_provider_errno_to_hresult(rows[i].err))
			TH_LOG("errno %d", rows[i].err);
		EXPECT_EQ(rows[i].hr,
			  ipl_provider_errno_to_hresult(-rows[i].err));
	}
}

/* errors: a provider's own errno is VDS_E_PROVIDER_FAILURE */
TEST(errors_provider_others)
{
	static const int others[] = { E2BIG, EAGAIN, EINTR, EIO, ENODEV,
				      EHOSTUNREACH, ECONNREFUSED, EPROTO,
				      EPROTONOSUPPORT, 4095, INT_MAX, INT_MIN };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(others); i++) {
		EXPECT_EQ(0x80042442U, ipl_provider_errno_to_hresult(others[i]))
			TH_LOG("errno %d", others[i]);
		EXPECT_EQ(0x80042442U,
			  ipl_provider_errno_to_hresult(-others[i]));
		/* Without the provider's context they stay E_FAIL. */
		EXPECT_EQ(0x80004005U, ipl_errno_to_hresult(others[i]));
	}
	EXPECT_STREQ("VDS_E_PROVIDER_FAILURE", ipl_hresult_name(0x80042442));
}

/* errors: strerror messages */
TEST(errors_strerror)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *m = ipl_strerror(rows[i].err);

		EXPECT_NE(NULL, strstr(m, rows[i].msg_part))
			TH_LOG("errno %d: \"%s\"", rows[i].err, m);
		EXPECT_STREQ(m, ipl_strerror(-rows[i].err));
		/* Specific to each errno: no two rows share a message. */
		for (j = 0; j < i; j++) {
			EXPECT_STRNE(m, ipl_strerror(rows[j].err));
		}
	}
	EXPECT_STREQ("another call on this portal is in progress",
		     ipl_strerror(-EBUSY));
	/* Others fall back to the C library's text, or a generic one. */
	EXPECT_STREQ("Input/output error", ipl_strerror(EIO));
	EXPECT_STREQ("Input/output error", ipl_strerror(-EIO));
	EXPECT_STREQ("unexpected error", ipl_strerror(100000));
	EXPECT_STREQ("unexpected error", ipl_strerror(INT_MIN));
	EXPECT_NE(NULL, strstr(ipl_strerror(EPROTONOSUPPORT), "version"));
	EXPECT_NE(NULL, strstr(ipl_strerror(-EPROTO), "module"));
}

TEST_HARNESS_MAIN
