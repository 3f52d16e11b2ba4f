// SPDX-License-Identifier: GPL-2.0
/*
 * errno -> HRESULT, HRESULT names and ipl_strerror().
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "iscsiportal.h"
#include "tap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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
};

static void test_hresult_rows(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		CHECK_UINT(ipl_errno_to_hresult(rows[i].err), rows[i].hr);
		CHECK_UINT(ipl_errno_to_hresult(-rows[i].err), rows[i].hr);
		CHECK_STR(ipl_hresult_name(rows[i].hr), rows[i].name);
	}
}

static void test_hresult_others(void)
{
	static const int others[] = { E2BIG, EAGAIN, EINTR, EIO, ENODEV,
				      EPROTO, 4095, INT_MAX, INT_MIN };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(others); i++)
		CHECK_UINT(ipl_errno_to_hresult(others[i]), 0x80004005);
	CHECK_STR(ipl_hresult_name(0x80004005), "E_FAIL");
	CHECK_STR(ipl_hresult_name(0x12345678), "unknown HRESULT");
	/* The macros of the header agree with the table. */
	CHECK_UINT(IPL_VDS_E_OBJECT_DELETED, 0x8004240B);
	CHECK_UINT(IPL_E_ALREADY_EXISTS, 0x800700B7);
}

static void test_strerror(void)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *m = ipl_strerror(rows[i].err);

		if (!CHECK(strstr(m, rows[i].msg_part)))
			tap_note("errno %d: \"%s\"", rows[i].err, m);
		CHECK_STR(ipl_strerror(-rows[i].err), m);
		/* Specific to each errno: no two rows share a message. */
		for (j = 0; j < i; j++)
			CHECK(strcmp(m, ipl_strerror(rows[j].err)));
	}
	CHECK_STR(ipl_strerror(-EBUSY),
		  "another call on this portal is in progress");
	/* Others fall back to the C library's text, or a generic one. */
	CHECK_STR(ipl_strerror(EIO), "Input/output error");
	CHECK_STR(ipl_strerror(-EIO), "Input/output error");
	CHECK_STR(ipl_strerror(100000), "unexpected error");
	CHECK_STR(ipl_strerror(INT_MIN), "unexpected error");
	CHECK(strstr(ipl_strerror(EPROTONOSUPPORT), "version") != NULL);
	CHECK(strstr(ipl_strerror(-EPROTO), "module") != NULL);
}

const struct test errors_tests[] = {
	{ "errors: errno -> HRESULT for every contract row", test_hresult_rows },
	{ "errors: other errnos are E_FAIL", test_hresult_others },
	{ "errors: strerror messages", test_strerror },
	{ NULL, NULL },
};
