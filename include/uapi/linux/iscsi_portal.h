/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iscsi_portal: per-portal iSCSI status with the semantics of the Windows
 * Virtual Disk Service call IVdsIscsiPortal::SetStatus.
 *
 * The ABI of /dev/iscsi_portal.  Every structure has fixed-width fields,
 * natural alignment, no implicit padding and a size that is a multiple of 8,
 * so 32-bit and 64-bit callers share one layout; user pointers are __u64.
 * Every input flags/reserved field must be zero (EINVAL otherwise) so that it
 * can gain a meaning later.  New behaviour gets a new command number.
 */
#ifndef _UAPI_LINUX_ISCSI_PORTAL_H
#define _UAPI_LINUX_ISCSI_PORTAL_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * 1: the table, its events.  2: providers (PROVIDER_ATTACH, PROVIDER_REPLY,
 * GET_PROVIDER, PROVIDER_CORRUPT, ISCSI_PORTAL_SET_DROP_SESSIONS, the
 * PROVIDER and ORPHAN info flags).
 */
#define ISCSI_PORTAL_API_VERSION	2
#define ISCSI_PORTAL_DEVICE_PATH	"/dev/iscsi_portal"

/* Status values: they match VDS_ISCSI_PORTAL_STATUS.  3 and > 5 are unused. */
#define ISCSI_PORTAL_STATUS_UNKNOWN	0
#define ISCSI_PORTAL_STATUS_ONLINE	1
#define ISCSI_PORTAL_STATUS_NOT_READY	2
#define ISCSI_PORTAL_STATUS_OFFLINE	4
#define ISCSI_PORTAL_STATUS_FAILED	5

/*
 * A portal address.  family is AF_INET (2) or AF_INET6 (10); port is in host
 * byte order (1-65535); addr is in network byte order, IPv4 in addr[0..3]
 * with the rest zero; scope_id is nonzero for an IPv6 link-local address and
 * zero for every other address.
 */
struct iscsi_portal_addr {
	__u16 family;
	__u16 port;
	__u32 scope_id;
	__u8 addr[16];
};

/* iscsi_portal_info.flags and iscsi_portal_status_arg.flags (output) */
#define ISCSI_PORTAL_INFO_BUSY		(1U << 0)	/* a mutating call runs */
#define ISCSI_PORTAL_INFO_PROVIDER	(1U << 1)	/* a provider owns it */
#define ISCSI_PORTAL_INFO_ORPHAN	(1U << 2)	/* its provider is gone */

struct iscsi_portal_info {
	__u64 id;			/* in */
	struct iscsi_portal_addr addr;	/* out */
	__u32 status;			/* out */
	__u32 flags;			/* out: ISCSI_PORTAL_INFO_* */
	__u64 generation;		/* out: committed status changes */
};

/* iscsi_portal_version.flags */
#define ISCSI_PORTAL_TABLE_CORRUPT	(1U << 0)

struct iscsi_portal_version {
	__u32 api_version;		/* out: ISCSI_PORTAL_API_VERSION */
	__u32 flags;			/* out: ISCSI_PORTAL_TABLE_CORRUPT */
	__u64 portal_count;		/* out */
	__u64 table_generation;		/* out */
	__u64 reserved[2];		/* out: zero */
};

struct iscsi_portal_add {
	struct iscsi_portal_addr addr;	/* in */
	__u32 status;			/* in: initial status, any of the above */
	__u32 flags;			/* in: must be zero */
	__u64 id;			/* out: the new portal's id */
};

struct iscsi_portal_ref {
	__u64 id;			/* in */
};

struct iscsi_portal_status_arg {
	__u64 id;			/* in */
	__u32 status;			/* SET/REPORT: in; GET: out */
	__u32 flags;			/* SET: in; REPORT: in, 0; GET: out */
};

/*
 * iscsi_portal_status_arg.flags of SET_STATUS: with OFFLINE, the provider
 * also ends the sessions that logged in through the portal.
 */
#define ISCSI_PORTAL_SET_DROP_SESSIONS	(1U << 0)

struct iscsi_portal_list {
	__u64 cursor;			/* in: first id; out: next id, 0 = done */
	__u64 entries;			/* in: user pointer to capacity infos */
	__u32 capacity;			/* in: nonzero */
	__u32 count;			/* out: infos filled, ascending id */
	__u64 table_generation;		/* out: sampled before the walk */
};

/* iscsi_portal_event.type: the VDS_NF_PORTAL_* values */
#define ISCSI_PORTAL_EVENT_ARRIVE	123
#define ISCSI_PORTAL_EVENT_DEPART	124
#define ISCSI_PORTAL_EVENT_MODIFY	125
#define ISCSI_PORTAL_EVENT_OVERFLOW	0xFFFF

struct iscsi_portal_event {
	__u64 seq;			/* table_generation the change produced */
	__u64 id;
	__u32 type;
	__u32 old_status;
	__u32 new_status;
	__u32 flags;			/* zero */
};

/*
 * Providers (API version 2).  A writer fd becomes a provider with
 * PROVIDER_ATTACH; the portals it ADDs from then on are its own, and only it
 * may REMOVE them or REPORT their status.  The requests of the table reach
 * it through read(), as whole struct iscsi_portal_request records (poll()
 * reports POLLIN while one waits); it answers each with PROVIDER_REPLY.  An
 * fd is a provider or a watcher, never both.
 */
#define ISCSI_PORTAL_PROVIDER_NAME_LEN	32

/*
 * timeout_ms: how long a request may wait for its reply, 1-600000, or 0
 * for the module parameter provider_timeout_ms.  name: 1-31 printable
 * ASCII characters, then NUL.
 */
struct iscsi_portal_provider_attach {
	__u32 flags;			/* in: zero */
	__u32 timeout_ms;		/* in */
	char name[ISCSI_PORTAL_PROVIDER_NAME_LEN];	/* in */
};

/* iscsi_portal_request.type */
#define ISCSI_PORTAL_REQ_SET_STATUS	1	/* id, old/new_status, flags */
#define ISCSI_PORTAL_REQ_REENUMERATE	2
#define ISCSI_PORTAL_REQ_REFRESH	3

struct iscsi_portal_request {
	__u64 cookie;			/* quote it in the reply */
	__u32 type;			/* ISCSI_PORTAL_REQ_* */
	__u32 flags;			/* SET_STATUS: ISCSI_PORTAL_SET_* */
	__u64 id;			/* SET_STATUS: the portal */
	__u32 old_status;		/* SET_STATUS */
	__u32 new_status;		/* SET_STATUS */
};

struct iscsi_portal_reply {
	__u64 cookie;			/* in: of the request */
	__s32 result;			/* in: 0, or a negative errno (-511..-1) */
	__u32 flags;			/* in: zero */
};

/* GET_PROVIDER: who owns a portal; name is "" when no provider does. */
struct iscsi_portal_provider_info {
	__u64 id;			/* in: a portal */
	__u32 flags;			/* out: INFO_PROVIDER, INFO_ORPHAN */
	__u32 reserved;			/* out: zero */
	char name[ISCSI_PORTAL_PROVIDER_NAME_LEN];	/* out */
};

/*
 * Magic 0xD7: no entry in Documentation/userspace-api/ioctl/ioctl-number.rst
 * (the neighbours are 0xCF cifs and 0xDB mwave) and no _IO*(0xD7, ...) user
 * under include/uapi as of Linux 6.12; sequence numbers 0x00-0x1F reserved
 * for this driver.
 */
#define ISCSI_PORTAL_IOC_MAGIC		0xD7

#define ISCSI_PORTAL_IOC_VERSION \
	_IOR(ISCSI_PORTAL_IOC_MAGIC, 0x00, struct iscsi_portal_version)
#define ISCSI_PORTAL_IOC_ADD \
	_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x01, struct iscsi_portal_add)
#define ISCSI_PORTAL_IOC_REMOVE \
	_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x02, struct iscsi_portal_ref)
#define ISCSI_PORTAL_IOC_GET_INFO \
	_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x03, struct iscsi_portal_info)
#define ISCSI_PORTAL_IOC_GET_STATUS \
	_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x04, struct iscsi_portal_status_arg)
#define ISCSI_PORTAL_IOC_SET_STATUS \
	_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x05, struct iscsi_portal_status_arg)
#define ISCSI_PORTAL_IOC_REPORT_STATUS \
	_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x06, struct iscsi_portal_status_arg)
#define ISCSI_PORTAL_IOC_LIST \
	_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x07, struct iscsi_portal_list)
#define ISCSI_PORTAL_IOC_REENUMERATE	_IO(ISCSI_PORTAL_IOC_MAGIC, 0x08)
#define ISCSI_PORTAL_IOC_REFRESH	_IO(ISCSI_PORTAL_IOC_MAGIC, 0x09)
#define ISCSI_PORTAL_IOC_WATCH		_IO(ISCSI_PORTAL_IOC_MAGIC, 0x0A)
#define ISCSI_PORTAL_IOC_PROVIDER_ATTACH \
	_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x0B, struct iscsi_portal_provider_attach)
#define ISCSI_PORTAL_IOC_PROVIDER_REPLY \
	_IOW(ISCSI_PORTAL_IOC_MAGIC, 0x0C, struct iscsi_portal_reply)
#define ISCSI_PORTAL_IOC_GET_PROVIDER \
	_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x0D, struct iscsi_portal_provider_info)
/* A provider fd finds the table corrupt (EINVAL on another writer fd). */
#define ISCSI_PORTAL_IOC_PROVIDER_CORRUPT _IO(ISCSI_PORTAL_IOC_MAGIC, 0x0E)

/*
 * Static size checks, valid C99 and C++: a named bit-field of width zero
 * does not compile.  The layout above is the ABI and must never change.
 */
struct __iscsi_portal_abi_check {
	unsigned int addr : sizeof(struct iscsi_portal_addr) == 24;
	unsigned int info : sizeof(struct iscsi_portal_info) == 48;
	unsigned int version : sizeof(struct iscsi_portal_version) == 40;
	unsigned int add : sizeof(struct iscsi_portal_add) == 40;
	unsigned int ref : sizeof(struct iscsi_portal_ref) == 8;
	unsigned int status_arg : sizeof(struct iscsi_portal_status_arg) == 16;
	unsigned int list : sizeof(struct iscsi_portal_list) == 32;
	unsigned int event : sizeof(struct iscsi_portal_event) == 32;
	unsigned int attach : sizeof(struct iscsi_portal_provider_attach) == 40;
	unsigned int request : sizeof(struct iscsi_portal_request) == 32;
	unsigned int reply : sizeof(struct iscsi_portal_reply) == 16;
	unsigned int provider_info :
		sizeof(struct iscsi_portal_provider_info) == 48;
};

#endif /* _UAPI_LINUX_ISCSI_PORTAL_H */
