// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * errno -> VDS HRESULT (CONTRACT section 4) and messages for this API.
 */
#define _GNU_SOURCE	/* strerrordesc_np() */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "iscsiportal.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct err_row {
	int err;
	uint32_t hr;
	const char *hr_name;
	const char *msg;
};

/* One row per errno of the contract; the first row of an HRESULT names it. */
static const struct err_row err_rows[] = {
	{ 0, IPL_S_OK, "S_OK", "success" },
	{ EOPNOTSUPP, IPL_VDS_E_NOT_SUPPORTED, "VDS_E_NOT_SUPPORTED",
	  "this status can only be reported by a provider, not set" },
	{ EINVAL, IPL_E_INVALIDARG, "E_INVALIDARG",
	  "invalid argument (status, address or reserved field)" },
	{ EIDRM, IPL_VDS_E_OBJECT_DELETED, "VDS_E_OBJECT_DELETED",
	  "the portal has been removed" },
	{ ENOENT, IPL_VDS_E_OBJECT_NOT_FOUND, "VDS_E_OBJECT_NOT_FOUND",
	  "no such portal" },
	{ EBUSY, IPL_VDS_E_ANOTHER_CALL_IN_PROGRESS,
	  "VDS_E_ANOTHER_CALL_IN_PROGRESS",
	  "another call on this portal is in progress" },
	{ EUCLEAN, IPL_VDS_E_PROVIDER_CACHE_CORRUPT,
	  "VDS_E_PROVIDER_CACHE_CORRUPT",
	  "the portal table is marked corrupt (reenumerate, then refresh)" },
	{ ENOMEM, IPL_E_OUTOFMEMORY, "E_OUTOFMEMORY", "out of memory" },
	{ EEXIST, IPL_E_ALREADY_EXISTS,
	  "HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)",
	  "the address is already a portal" },
	{ ENOSPC, IPL_E_DISK_FULL, "HRESULT_FROM_WIN32(ERROR_DISK_FULL)",
	  "the portal table is full" },
	{ EPERM, IPL_E_ACCESSDENIED, "E_ACCESSDENIED",
	  "permission denied (CAP_NET_ADMIN is needed)" },
	{ EBADF, IPL_E_ACCESSDENIED, "E_ACCESSDENIED",
	  "the device is not open for writing" },
	{ EFAULT, IPL_E_POINTER, "E_POINTER", "bad user pointer" },
	{ ENOTTY, IPL_E_NOTIMPL, "E_NOTIMPL",
	  "the module does not know this command" },
	/* Section 8: providers. */
	{ ENXIO, IPL_VDS_E_PROVIDER_FAILURE, "VDS_E_PROVIDER_FAILURE",
	  "the portal's provider is gone (orphan), or a provider failed" },
	{ ETIMEDOUT, IPL_E_TIMEOUT, "HRESULT_FROM_WIN32(ERROR_TIMEOUT)",
	  "the portal's provider did not answer in time" },
	{ EADDRINUSE, IPL_E_ADDRINUSE, "HRESULT_FROM_WIN32(WSAEADDRINUSE)",
	  "the portal's address and port are in use" },
	{ EADDRNOTAVAIL, IPL_E_ADDRNOTAVAIL,
	  "HRESULT_FROM_WIN32(WSAEADDRNOTAVAIL)",
	  "the portal's address is not configured on this host" },
	/*
	 * Library-side errors: no row of their own in the contract.  Keep
	 * them last: LIBRARY_ROWS counts them.
	 */
	{ EPROTO, IPL_E_FAIL, "E_FAIL",
	  "the module answered something this library cannot use" },
	{ EPROTONOSUPPORT, IPL_E_FAIL, "E_FAIL",
	  "the module speaks an API version this library does not support" },
};

/* The last rows of err_rows, the library's own errors. */
#define LIBRARY_ROWS	2

/* Accept -EBUSY as well as EBUSY; INT_MIN has no positive twin. */
static int abs_errno(int err)
{
	if (err == INT_MIN)
		return INT_MAX;
	return err < 0 ? -err : err;
}

static const struct err_row *find_errno(int err)
{
	size_t i;

	err = abs_errno(err);
	for (i = 0; i < ARRAY_SIZE(err_rows); i++)
		if (err_rows[i].err == err)
			return &err_rows[i];
	return NULL;
}

uint32_t ipl_errno_to_hresult(int err)
{
	const struct err_row *row = find_errno(err);

	return row ? row->hr : IPL_E_FAIL;
}

uint32_t ipl_provider_errno_to_hresult(int err)
{
	const struct err_row *row = find_errno(err);

	/*
	 * The library's own errors never come out of these calls: a
	 * provider that returns EPROTO means its own protocol error.
	 */
	if (!row || row >= &err_rows[ARRAY_SIZE(err_rows) - LIBRARY_ROWS])
		return IPL_VDS_E_PROVIDER_FAILURE;
	return row->hr;
}

const char *ipl_hresult_name(uint32_t hr)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(err_rows); i++)
		if (err_rows[i].hr == hr)
			return err_rows[i].hr_name;
	return "unknown HRESULT";
}

/* The C library's thread-safe text for @err, where it has one. */
static const char *libc_desc(int err)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
	return strerrordesc_np(err);	/* a static string or NULL */
#else
	(void)err;
	return NULL;
#endif
}

const char *ipl_strerror(int err)
{
	const struct err_row *row = find_errno(err);
	const char *desc;

	if (row)
		return row->msg;
	desc = libc_desc(abs_errno(err));
	return desc ? desc : "unexpected error";
}
