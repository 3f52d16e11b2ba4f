/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libiscsiportal: a small C library around /dev/iscsi_portal.
 *
 * Conventions (those of liburing and libbpf):
 *  - every function that can fail returns 0 (or a non-negative count) on
 *    success and a negative errno value on failure; errno itself is not part
 *    of the API (it may be clobbered);
 *  - threads: there is no global mutable state, and a handle holds none
 *    but the role that a successful ipl_watch() or ipl_provider_attach()
 *    records, atomically.  So calls on distinct handles, and calls on one
 *    handle, may run in different threads concurrently: a deferred
 *    ipl_provider_reply() from one thread while ipl_provider_serve() or
 *    ipl_provider_next() waits on the same handle in another is safe.
 *    Two exceptions: ipl_close() must not overlap, nor be followed by, any
 *    other call on its handle; and an ipl_list_iter is state of its own,
 *    used by one thread at a time (distinct iterators on one handle are
 *    fine).  Readers of one handle in several threads each get whole
 *    records, each record to one of them: which one, and so the order
 *    across them, is not defined;
 *  - every reserved or flags input field of the kernel ABI is zeroed by the
 *    library, so callers cannot pass garbage by accident.
 *
 * All symbols are prefixed ipl_ (types) or IPL_ (macros).
 */
#ifndef ISCSIPORTAL_H
#define ISCSIPORTAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/iscsi_portal.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The iSCSI well-known port, used when an address string has none. */
#define IPL_DEFAULT_PORT	3260

/* Large enough for any ipl_addr_format() output, NUL included. */
#define IPL_ADDR_STRLEN		72
/* Large enough for any status or event type name, "unknown(4294967295)". */
#define IPL_NAME_STRLEN		24

/* ---- Handles ---------------------------------------------------------- */

struct ipl_handle;

/* ipl_open() flags.  The device is always opened O_CLOEXEC. */
#define IPL_OPEN_RDONLY		0x0U	/* list, get and watch only */
#define IPL_OPEN_RDWR		0x1U	/* needed by every mutating call */
#define IPL_OPEN_NONBLOCK	0x2U	/* O_NONBLOCK: event reads never block */

/*
 * Open @path (NULL: ISCSI_PORTAL_DEVICE_PATH) and store a new handle in *@hp.
 * Cheap: no ioctl is issued (see ipl_check_version()).
 * Returns 0, -EINVAL for unknown @flags, or the open(2)/malloc errno.
 */
int ipl_open(struct ipl_handle **hp, const char *path, unsigned int flags);
/*
 * Wrap an already open descriptor; the handle owns it from then on.  Its
 * role is unknown to the library: if the descriptor already is a watcher
 * or a provider, the role checks of ipl_read_events(), ipl_provider_next()
 * and ipl_provider_serve() are not made (the calls read whatever read(2)
 * gives); a later ipl_watch() or ipl_provider_attach() through the handle
 * sets the role.
 */
int ipl_open_fd(struct ipl_handle **hp, int fd);
/* Close the descriptor and free the handle.  NULL is a no-op. */
void ipl_close(struct ipl_handle *h);
/* The descriptor, e.g. for poll(2).  Still owned by the handle. */
int ipl_fd(const struct ipl_handle *h);

/* ---- ioctl wrappers (each returns 0 or -errno of CONTRACT section 4) -- */

/*
 * Module API versions (iscsi_portal_version.api_version).  Commands are
 * only ever added, so a module of a later version serves every call of an
 * earlier one.
 */
/* The oldest this library drives: every call of version 1 works on it. */
#define IPL_API_VERSION_MIN		1
/*
 * The first with providers: ipl_provider_*(), ipl_get_provider() and the
 * flags of ipl_set_status_flags().  On an older module they fail with
 * -ENOTTY (the commands are unknown to it) or -EINVAL (a nonzero flags
 * field; read() on an fd that is not a watcher).
 */
#define IPL_API_VERSION_PROVIDERS	2

int ipl_version(struct ipl_handle *h, struct iscsi_portal_version *ver);
/*
 * Query VERSION and check the module speaks an API this library can drive
 * (api_version >= IPL_API_VERSION_MIN).  Compare @ver->api_version with
 * IPL_API_VERSION_PROVIDERS to know whether providers are there.  @ver may
 * be NULL.  Returns 0, -EPROTONOSUPPORT, or the ioctl's error.
 */
int ipl_check_version(struct ipl_handle *h, struct iscsi_portal_version *ver);
/* ADD @addr with initial @status; the new id goes to *@id (may be NULL). */
int ipl_add(struct ipl_handle *h, const struct iscsi_portal_addr *addr,
	    uint32_t status, uint64_t *id);
int ipl_remove(struct ipl_handle *h, uint64_t id);
int ipl_get_info(struct ipl_handle *h, uint64_t id,
		 struct iscsi_portal_info *info);
/* *@flags (may be NULL) receives ISCSI_PORTAL_INFO_BUSY. */
int ipl_get_status(struct ipl_handle *h, uint64_t id, uint32_t *status,
		   uint32_t *flags);
int ipl_set_status(struct ipl_handle *h, uint64_t id, uint32_t status);
/*
 * SET_STATUS with @flags: ISCSI_PORTAL_SET_DROP_SESSIONS, with OFFLINE,
 * asks the portal's provider to also end the sessions that logged in
 * through it.  The flags are passed on for the module to judge: -EINVAL
 * with ONLINE or an unknown flag, -EOPNOTSUPP when the portal has no
 * provider or its provider cannot.  ipl_set_status() is this with 0.
 */
int ipl_set_status_flags(struct ipl_handle *h, uint64_t id, uint32_t status,
			 uint32_t flags);
int ipl_report_status(struct ipl_handle *h, uint64_t id, uint32_t status);
/*
 * One LIST call.  In: list->cursor, list->entries, list->capacity; out:
 * list->cursor (0 = done), list->count, list->table_generation.
 * Returns -EPROTO if the module claims more entries than @capacity.
 */
int ipl_list(struct ipl_handle *h, struct iscsi_portal_list *list);
int ipl_reenumerate(struct ipl_handle *h);
int ipl_refresh(struct ipl_handle *h);
/*
 * Subscribe this handle's descriptor to events (see ipl_read_events()); on
 * success the handle is a watcher: the provider calls that read requests
 * fail on it with -EINVAL.  -EINVAL when @h is a provider (the module's
 * answer).
 */
int ipl_watch(struct ipl_handle *h);

/* ---- LIST iteration ---------------------------------------------------- */

struct ipl_list_iter;

/* Entries fetched per LIST call when the caller lets the library choose. */
#define IPL_LIST_DEFAULT_CAPACITY	256U

/*
 * Create an iterator over the whole table.  @buf with @capacity entries is
 * the page buffer; with @buf NULL the iterator allocates @capacity entries
 * (0: IPL_LIST_DEFAULT_CAPACITY).  @buf non-NULL with @capacity 0 is -EINVAL.
 */
int ipl_list_iter_new(struct ipl_handle *h, struct iscsi_portal_info *buf,
		      uint32_t capacity, struct ipl_list_iter **itp);
void ipl_list_iter_free(struct ipl_list_iter *it);
/* Start the walk again from the first portal. */
void ipl_list_iter_reset(struct ipl_list_iter *it);
/*
 * Store a pointer to the next portal in *@info (valid until the next call).
 * Returns 1 for a portal, 0 at the end of the table, or -errno (-EPROTO when
 * the module's cursor does not move forward).
 */
int ipl_list_iter_next(struct ipl_list_iter *it,
		       const struct iscsi_portal_info **info);
/* table_generation of the page the last returned portal came from. */
uint64_t ipl_list_iter_generation(const struct ipl_list_iter *it);
/* table_generation of the walk's first page (0 before any page). */
uint64_t ipl_list_iter_first_generation(const struct ipl_list_iter *it);
/* True when the pages seen so far carried different table generations. */
bool ipl_list_iter_changed(const struct ipl_list_iter *it);

/*
 * Collect every portal into a malloc'd array (*@entries, free() it; NULL
 * when *@count is 0).  Walks again, a few times at most, until one walk saw
 * a single table_generation.  *@table_generation (may be NULL) is that of
 * the walk's first page: applying every event with a higher seq brings the
 * array up to date even when the table kept changing.
 */
int ipl_list_all(struct ipl_handle *h, struct iscsi_portal_info **entries,
		 size_t *count, uint64_t *table_generation);

/* ---- Events ------------------------------------------------------------ */

/*
 * read(2) up to @max whole records into @ev.  Returns the number of records
 * (0 only at end of file), -EAGAIN on an empty non-blocking descriptor,
 * -EINTR when a signal interrupted the wait, -EINVAL for a NULL @h or @ev,
 * @max 0, a handle made a provider by ipl_provider_attach() (its read(2)
 * gives requests, which have an event's size: nothing is read) or, from
 * the module, one that never called ipl_watch(), -EPROTO for a partial
 * record, or the read(2) error.  A descriptor whose role was set outside
 * the library is not checked (see ipl_open_fd()).
 */
int ipl_read_events(struct ipl_handle *h, struct iscsi_portal_event *ev,
		    size_t max);
/*
 * "arrive", "depart", "modify", "overflow"; any other type is formatted as
 * "unknown(N)" into @buf (IPL_NAME_STRLEN bytes suffice) and @buf returned.
 * Never NULL: with no room it returns "unknown".
 */
const char *ipl_event_type_str(uint32_t type, char *buf, size_t len);

/* ---- Providers (CONTRACT section 8.2; IPL_API_VERSION_PROVIDERS) -------- */

/*
 * A provider is a handle opened IPL_OPEN_RDWR that called
 * ipl_provider_attach().  The portals it ADDs from then on are its own:
 * only it may remove them or report their status, and every SET_STATUS
 * that changes one (and every REENUMERATE and REFRESH) waits in the kernel
 * until the provider answers its request.  Closing the handle fails what
 * is pending with ENXIO and orphans its portals; a provider that later
 * adds the same address adopts the orphan, id and all.
 *
 * The requests arrive on ipl_fd(h): poll(2) reports POLLIN while one is
 * queued.  Either take them one at a time (ipl_provider_next(), then
 * ipl_provider_reply() with the request's cookie) or let
 * ipl_provider_serve() do both around a callback.  A handle is a provider
 * or a watcher (ipl_watch()), never both: the module refuses the other
 * role's WATCH or ATTACH, and the library refuses to read requests on a
 * watcher's handle, and events on a provider's, with -EINVAL (for the role
 * it set itself: see ipl_open_fd()).
 */

/* A provider's name: 1 to IPL_PROVIDER_NAME_LEN - 1 printable ASCII. */
#define IPL_PROVIDER_NAME_LEN	ISCSI_PORTAL_PROVIDER_NAME_LEN

/*
 * Make @h a provider named @name whose requests may wait @timeout_ms for
 * their reply (1-600000; 0: the module parameter provider_timeout_ms); on
 * success ipl_read_events() fails on @h with -EINVAL.
 * Returns 0; -EINVAL when @name is NULL or too long for the ABI, or when
 * the module refuses the name (empty, not printable ASCII) or the timeout,
 * or @h is a watcher; -EEXIST when @h already is a provider; -EBADF/-EPERM
 * (not a writer); -ENOTTY from a module older than
 * IPL_API_VERSION_PROVIDERS.
 */
int ipl_provider_attach(struct ipl_handle *h, const char *name,
			uint32_t timeout_ms);
/*
 * Read one request into *@req, waiting for it unless @h is non-blocking
 * (IPL_OPEN_NONBLOCK).  One record per call, so that poll(2) on ipl_fd()
 * still reports the ones not taken yet.  Returns 0, -EAGAIN when none is
 * queued on a non-blocking handle, -EINTR when a signal interrupted the
 * wait, -EINVAL (a NULL argument; @h a watcher by ipl_watch(), whose
 * read(2) gives events, of a request's size: nothing is read; or, from the
 * module, no provider), -EPROTO for a partial record or end of file, or
 * the read(2) error.  A descriptor whose role was set outside the
 * library is not checked (see ipl_open_fd()).
 */
int ipl_provider_next(struct ipl_handle *h, struct iscsi_portal_request *req);
/*
 * Answer the request @cookie: @result 0 commits the change (for
 * SET_STATUS, the portal takes the new status), a negative errno
 * (-511..-1) fails the caller's call with it and changes nothing.
 * Returns 0; -ENOENT when no request with that cookie waits (already
 * answered, or its caller stopped waiting: the timeout passed), and then
 * the provider reports what it really did (ipl_report_status());
 * -EINVAL for a @result out of range or when @h is no provider (both the
 * module's answer: the call always reaches it).  Safe from another thread
 * while ipl_provider_serve() or ipl_provider_next() waits on @h.
 */
int ipl_provider_reply(struct ipl_handle *h, uint64_t cookie, int result);

/*
 * The provider @h finds the table corrupt: every call but VERSION,
 * REENUMERATE and REFRESH fails with -EUCLEAN until the recovery, in which
 * the providers rebuild the table (their own calls are not refused while a
 * REENUMERATE or REFRESH asks them).  Returns 0, or -EINVAL when @h is no
 * provider.
 */
int ipl_provider_mark_corrupt(struct ipl_handle *h);

/*
 * ipl_provider_serve()'s callback for one request: returns the result to
 * reply with (0, or -1..-511), or IPL_PROVIDER_DEFER to reply later
 * itself with ipl_provider_reply() and the request's cookie, from this
 * thread or another (the threads rule of the Conventions above: the reply
 * may come while ipl_provider_serve() waits on the same handle).  A value
 * below -511 is no errno a call may return (512 and up are the kernel's
 * own): the reply is -EIO.
 */
typedef int (*ipl_provider_fn)(struct ipl_handle *h,
			       const struct iscsi_portal_request *req,
			       void *arg);
/*
 * Called when the kernel refused the reply @result to @req because its
 * caller stopped waiting (ENOENT): the status in the table is the old one,
 * so a provider that made the change after all reports it now.
 */
typedef void (*ipl_provider_late_fn)(struct ipl_handle *h,
				     const struct iscsi_portal_request *req,
				     int result, void *arg);

/* Any positive value of an ipl_provider_fn: no reply now. */
#define IPL_PROVIDER_DEFER	1

/*
 * Serve the requests of provider @h: read them, call @fn(h, req, @arg) for
 * each, in order, and reply with what it returns.  A reply the kernel
 * refuses as late goes to @late (may be NULL: ignored) and serving goes
 * on.  On a non-blocking handle it returns once no request is queued, so
 * it fits a poll(2) loop on ipl_fd(); on a blocking handle it waits for
 * requests and returns only when a signal interrupts the wait (install
 * the handler without SA_RESTART), or on an error.  Every request read is
 * answered (or deferred) before it returns.
 * Returns the number of requests handled (saturating at INT_MAX), or
 * -EINVAL (NULL @h or @fn; @h a watcher by ipl_watch(), nothing read; or,
 * from the module, no provider), -EPROTO, or the first read(2) or reply
 * error other than ENOENT.
 */
int ipl_provider_serve(struct ipl_handle *h, ipl_provider_fn fn,
		       ipl_provider_late_fn late, void *arg);
/*
 * Who owns portal @id.  *@flags (may be NULL) receives
 * ISCSI_PORTAL_INFO_PROVIDER (a provider owns it), ISCSI_PORTAL_INFO_ORPHAN
 * (its provider is gone) or neither; @name (@len bytes, IPL_PROVIDER_NAME_LEN
 * suffice; NULL with @len 0 when only the flags are wanted) the provider's
 * name, "" when none owns it (an orphan's included).  Returns 0, -EINVAL
 * for a NULL @h or @name with @len nonzero, -ENOSPC when @len cannot hold
 * the name (@name untouched), -EPROTO for an unterminated name, or the
 * ioctl's error (-ENOENT, -EIDRM, -EUCLEAN; -ENOTTY from an old module).
 */
int ipl_get_provider(struct ipl_handle *h, uint64_t id, uint32_t *flags,
		     char *name, size_t len);
/*
 * "set_status", "reenumerate", "refresh"; any other type is formatted as
 * "unknown(N)" like ipl_event_type_str().
 */
const char *ipl_request_type_str(uint32_t type, char *buf, size_t len);

/* Large enough for any ipl_info_flags_format() output, NUL included. */
#define IPL_FLAGS_STRLEN	32
/*
 * The ISCSI_PORTAL_INFO_* bits of @flags by name, comma-separated, in bit
 * order: "busy", "provider", "orphan", and the bits without a name as one
 * hexadecimal number ("busy,0x10"); "" for 0.  Returns the length written
 * (NUL excluded), -EINVAL for a NULL @buf, or -ENOSPC when @len is too
 * small (@buf then holds "" when @len is nonzero).
 */
int ipl_info_flags_format(uint32_t flags, char *buf, size_t len);

/* ---- Status names -------------------------------------------------------- */

/* True for the values of CONTRACT section 2. */
bool ipl_status_is_known(uint32_t status);
/*
 * "unknown", "online", "not_ready", "offline", "failed"; any other value is
 * formatted as "unknown(N)" like ipl_event_type_str().
 */
const char *ipl_status_str(uint32_t status, char *buf, size_t len);
/*
 * Parse a status name, case-insensitively: the names above, "not-ready",
 * "unknown(N)" and plain decimal numbers (so any value round-trips and
 * unrecognised ones can still be passed on).  Returns 0 or -EINVAL.
 */
int ipl_status_parse(const char *name, uint32_t *status);

/* ---- Addresses ----------------------------------------------------------- */

/*
 * Check @addr with the module's own validator (CONTRACT section 3; the
 * library is built with drivers/iscsi_portal/addr_check.h): AF_INET or
 * AF_INET6, port 1-65535, IPv4 bytes 4-15 zero, no multicast, no IPv4
 * broadcast, no IPv4-mapped IPv6 address (::ffff:0:0/96), scope_id nonzero
 * exactly for IPv6 link-local (fe80::/10).  Returns 0 or -EINVAL, exactly
 * when the module's ADD would refuse the address with EINVAL.
 */
int ipl_addr_validate(const struct iscsi_portal_addr *addr);
/*
 * Parse "192.0.2.1[:port]", "[2001:db8::1][:port]", "2001:db8::1" (no
 * port) and link-local "[fe80::1%2]:3260" or "fe80::1%eth0".  The port
 * defaults to IPL_DEFAULT_PORT.  The result is validated: what
 * ipl_addr_validate() refuses ("[::ffff:192.0.2.1]:3260" among others) is
 * -EINVAL.  Returns 0, -EINVAL for a malformed or invalid address, or
 * -ENODEV for an unknown interface name.
 */
int ipl_addr_parse(const char *str, struct iscsi_portal_addr *addr);
/*
 * Format as "192.0.2.1:3260" or "[2001:db8::1]:3260" ("[fe80::1%2]:3260":
 * the zone numeric).  Returns the length written (NUL excluded), -EINVAL for
 * an invalid address or -ENOSPC when @len is too small.
 */
int ipl_addr_format(const struct iscsi_portal_addr *addr, char *buf,
		    size_t len);
/* Same portal: family, port, scope_id and address bytes equal. */
bool ipl_addr_equal(const struct iscsi_portal_addr *a,
		    const struct iscsi_portal_addr *b);

/* ---- Errors -------------------------------------------------------------- */

/* VDS HRESULTs of CONTRACT section 4. */
#define IPL_S_OK				0x00000000U
#define IPL_VDS_E_NOT_SUPPORTED			0x80042400U
#define IPL_VDS_E_ANOTHER_CALL_IN_PROGRESS	0x80042404U
#define IPL_VDS_E_OBJECT_NOT_FOUND		0x80042405U
#define IPL_VDS_E_OBJECT_DELETED		0x8004240BU
#define IPL_VDS_E_PROVIDER_CACHE_CORRUPT	0x8004241FU
#define IPL_E_NOTIMPL				0x80004001U
#define IPL_E_POINTER				0x80004003U
#define IPL_E_FAIL				0x80004005U
#define IPL_E_ACCESSDENIED			0x80070005U
#define IPL_E_OUTOFMEMORY			0x8007000EU
#define IPL_E_INVALIDARG			0x80070057U
#define IPL_E_DISK_FULL				0x80070070U	/* ERROR_DISK_FULL */
#define IPL_E_ALREADY_EXISTS			0x800700B7U	/* ERROR_ALREADY_EXISTS */
#define IPL_VDS_E_PROVIDER_FAILURE		0x80042442U
#define IPL_E_TIMEOUT				0x800705B4U	/* ERROR_TIMEOUT */
#define IPL_E_ADDRINUSE				0x80072740U	/* WSAEADDRINUSE */
#define IPL_E_ADDRNOTAVAIL			0x80072741U	/* WSAEADDRNOTAVAIL */

/* Map an errno (positive or negative) to its VDS HRESULT; others: E_FAIL. */
uint32_t ipl_errno_to_hresult(int err);
/*
 * The same for the error of a call that a provider may have answered
 * (SET_STATUS, REENUMERATE, REFRESH): an errno with no row of its own in
 * CONTRACT section 4 is then a provider's own, VDS_E_PROVIDER_FAILURE
 * rather than E_FAIL.  Every errno of section 4 maps as above.
 */
uint32_t ipl_provider_errno_to_hresult(int err);
/* Symbolic name of an HRESULT above, e.g. "VDS_E_OBJECT_DELETED"; never NULL. */
const char *ipl_hresult_name(uint32_t hr);
/*
 * A message for an error of this API (positive or negative errno), e.g.
 * EBUSY: "another call on this portal is in progress".  Never NULL.
 */
const char *ipl_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* ISCSIPORTAL_H */
