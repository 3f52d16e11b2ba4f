/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iscsi-portald: the LIO bridge of CONTRACT section 8.3.  A userspace
 * provider of /dev/iscsi_portal whose portals are LIO's network portals
 * (the np directories of configfs), taken out of and put back into every
 * TPG that has them.  See iscsi-portald(8).
 *
 * The pieces:
 *   core.c      the portals and the rules: import, OFFLINE, ONLINE, REFRESH,
 *               health; it touches the world only through struct pd_ops
 *   lio.c       configfs: np names, the walk, attributes, inotify watches
 *   state.c     the durable state file (json.c parses it)
 *   net.c       bind probes, SOCK_DESTROY over sock_diag, rtnetlink
 *   table.c     struct pd_ops on libiscsiportal and the real system calls
 *   main.c      options, the event loop (requests through libiscsiportal's
 *               ipl_provider_serve()), signals, readiness, logging setup
 */
#ifndef ISCSI_PORTALD_H
#define ISCSI_PORTALD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <linux/iscsi_portal.h>

#define PD_NAME			"iscsi-portald"
#define PD_STATE_VERSION	1
#define PD_STATE_FILE		"state.json"

/* Exit statuses (iscsi-portald(8)). */
#define PD_EXIT_OK		0
#define PD_EXIT_FAIL		1	/* device, attach, configfs, netlink */
#define PD_EXIT_USAGE		2
#define PD_EXIT_STATE		3	/* the state file is refused */

/* Sizes of the names LIO uses (a target IQN is at most 223 bytes). */
#define PD_TARGET_LEN		256
#define PD_NP_NAME_LEN		256
#define PD_ATTR_NAME_LEN	64
#define PD_ATTR_VALUE_LEN	128
#define PD_MAX_ATTRS		16

/* ---- log.c ---------------------------------------------------------------- */

void pd_log_init(bool to_stderr, bool debug);
void pd_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- lio.c: one np of one TPG ------------------------------------------- */

struct np_attr {
	char name[PD_ATTR_NAME_LEN];
	char value[PD_ATTR_VALUE_LEN];	/* the file's text, final \n dropped */
};

/* Where an np is: <configfs>/target/iscsi/<target>/tpgt_<tpgt>/np/<name>. */
struct np_loc {
	char target[PD_TARGET_LEN];
	unsigned int tpgt;
	char name[PD_NP_NAME_LEN];
	size_t nattrs;
	struct np_attr attrs[PD_MAX_ATTRS];
};

/* One np found by the walk, with its address. */
struct np_found {
	struct np_loc loc;
	struct iscsi_portal_addr addr;
};

/*
 * Parse an np directory name as LIO names them, "192.0.2.1:3260" or
 * "[2001:db8::1]:3260" (the port is required).  Returns 0 or -EINVAL.
 */
int lio_np_parse(const char *name, struct iscsi_portal_addr *addr);
/* The np name LIO would give @addr (ipl_addr_format()'s). */
int lio_np_format(const struct iscsi_portal_addr *addr, char *buf, size_t len);
/* True for 0.0.0.0 and ::. */
bool lio_addr_is_wildcard(const struct iscsi_portal_addr *addr);
/* A target name that is one path component: not empty, ".", "..", no '/'. */
bool lio_name_ok(const char *name);

/* Paths of a TPG and of an np in it; -ENAMETOOLONG when @len is short. */
int lio_tpg_path(const char *cfs, const struct np_loc *loc, char *buf,
		 size_t len);
int lio_np_path(const char *cfs, const struct np_loc *loc, char *buf,
		size_t len);
/*
 * Walk <cfs>/target/iscsi: every np of every TPG of every target, with its
 * attributes, into a malloc'd array.  A missing target/iscsi is no np.
 * An np name that is not an address is skipped with a warning.
 */
int lio_scan(const char *cfs, struct np_found **out, size_t *n);
/* Read the attribute files of the np directory @path into @loc. */
int lio_read_attrs(const char *path, struct np_loc *loc);
/* Read one, its final \n dropped: 0 or -errno. */
int lio_read_attr(const char *path, const char *name, char *value,
		  size_t len);
/* True when @a has the value LIO gives it in a new np. */
bool lio_attr_is_default(const struct np_attr *a);
/* Write one attribute file. */
int lio_write_attr(const char *path, const char *name, const char *value);
/*
 * Watch (inotify) <cfs>, <cfs>/target, target/iscsi, each target, each
 * TPG, its np directory and each np in it (for writes of its attribute
 * files), so that targetcli's changes are seen live.  Adding a watch twice
 * is harmless: call it again after every change.  Returns 0, or the first
 * failure's -errno (-ENOSPC: max_user_watches), said once in the log.
 */
int lio_watch(int ifd, const char *cfs);
/*
 * Watch the np directory @path for writes of its attributes (the daemon's
 * own mkdir calls it).  @ifd -1: nothing.  0 or -errno, logged.
 */
int lio_watch_np(int ifd, const char *path);

/* ---- The daemon's portals (core.c) -------------------------------------- */

struct portal {
	struct iscsi_portal_addr addr;
	uint64_t id;		/* 0 until the table has it */
	uint64_t old_id;	/* the id of the state file: an orphan's */
	bool held;		/* taken offline by the daemon */
	bool seen;		/* found by the current walk */
	bool missing;		/* REFRESH: gone from one of its TPGs */
	uint32_t reported;	/* the status the table has */
	/* held: where it was taken from (to re-create); else where it is */
	struct np_loc *locs;
	size_t nlocs;
};

/*
 * What the rules need of the world, so that the host tests can stand in
 * for the device, LIO and the network.  Each returns 0 or -errno.
 */
struct pd_ops {
	/* The table (the provider's own ADD, REMOVE, REPORT, GET_INFO). */
	int (*add)(void *ctx, const struct iscsi_portal_addr *addr,
		   uint32_t status, uint64_t *id);
	int (*remove)(void *ctx, uint64_t id);
	int (*report)(void *ctx, uint64_t id, uint32_t status);
	int (*get_info)(void *ctx, uint64_t id, struct iscsi_portal_info *info);
	/* configfs: the only calls that change LIO. */
	int (*mkdir)(void *ctx, const char *path);
	int (*rmdir)(void *ctx, const char *path);
	/* The network (net.c). */
	bool (*addr_local)(void *ctx, const struct iscsi_portal_addr *addr);
	int (*bind_probe)(void *ctx, const struct iscsi_portal_addr *addr);
	int (*drop_sessions)(void *ctx, const struct iscsi_portal_addr *addr);
	/* The state directory's fsync after a rename (state.c). */
	int (*sync_dir)(void *ctx, int dfd);
};

struct pd {
	const char *cfs;		/* configfs mount */
	const char *state_path;		/* the state file */
	int ifd;			/* inotify (lio_watch()'s), or -1 */
	/*
	 * A watch or the last import failed: the portals' lists may miss a
	 * change (an attribute written), so OFFLINE reads the attributes
	 * afresh.  Cleared by an import with every watch in place.
	 */
	bool attrs_stale;
	const struct pd_ops *ops;
	void *ctx;
	struct portal **portals;
	size_t nportals;
	bool retry;			/* a table call was EBUSY: try again */
	/*
	 * The np directories the daemon itself made or removed since the
	 * last inotify batch: their events need no import.
	 */
	struct pd_expect {
		char name[PD_NP_NAME_LEN];
		bool create;
	} expect[32];
	size_t nexpect;
};

/* Free every portal. */
void pd_free(struct pd *pd);
struct portal *pd_find_id(struct pd *pd, uint64_t id);
struct portal *pd_find_addr(struct pd *pd, const struct iscsi_portal_addr *a);
/*
 * Import: make the table match LIO (CONTRACT 8.3): one portal per
 * distinct np address, a portal held offline taken out again where its np
 * came back, portals in no TPG removed.  @initial also removes this
 * daemon's orphans (from the state file) whose np is gone.  At start, on
 * REENUMERATE, SIGHUP and every configfs change.  Returns 0 or -errno (a
 * configfs walk or state file failure); EBUSY from the table sets retry.
 */
int pd_sync(struct pd *pd, bool initial);
/*
 * pd_sync() after lio_watch() on pd->ifd: what every import but the tests'
 * does.  A failure of either sets attrs_stale, and of the walk also retry.
 */
int pd_import(struct pd *pd, bool initial);
/* The largest inotify event: its header and a name of NAME_MAX. */
#define PD_INOTIFY_EVENT_MAX	(16 + 255 + 1)
/*
 * One read(2) of the inotify fd, @len bytes at @buf: why it calls for an
 * import ("an attribute written", "a directory made or removed", "events
 * lost, the inotify queue overflowed": the first event's reason), or NULL
 * when every event was the echo of the daemon's own mkdir or rmdir, which
 * it consumes.
 */
const char *pd_inotify_batch(struct pd *pd, const void *buf, size_t len);
/* A SET_STATUS request: its reply. */
int pd_set_status(struct pd *pd, uint64_t id, uint32_t old_status,
		  uint32_t new_status, uint32_t flags);
/*
 * An inotify event of an np directory @name (created or deleted): true
 * when it is the echo of the daemon's own mkdir or rmdir, consumed.
 */
bool pd_expected(struct pd *pd, const char *name, bool create);
/* The inotify batch is over: forget the echoes that did not come. */
void pd_expect_clear(struct pd *pd);
/* A REFRESH request: report every portal's status as LIO has it. */
int pd_refresh(struct pd *pd);
/*
 * Health: report FAILED each portal whose address is not local (wildcards
 * excepted), ONLINE again when it is.  After address events and requests.
 */
void pd_health(struct pd *pd);

/* ---- state.c ------------------------------------------------------------- */

/*
 * Load the state file into @pd's portals (held ones with their nps, the
 * others with their ids).  A missing file is an empty state.  A corrupt,
 * truncated or unknown-version file is refused: -EUCLEAN (-EPROTO for a
 * version), with the reason in @why: "line L, column C: what", where the
 * JSON reader (tools/common/json.c) or the check of a value found it.
 */
int pd_state_load(struct pd *pd, char *why, size_t whylen);
/*
 * Write the state durably: temp file, fdatasync, rename, fsync the
 * directory (opened by its path at each save).  Returns 0, -errno (the
 * old file is untouched), or PD_STATE_NOT_DURABLE: the new file is in
 * place, but its directory's fsync failed (logged), so a crash may bring
 * the old one back.
 */
#define PD_STATE_NOT_DURABLE	1
int pd_state_save(const struct pd *pd);
/* The state as JSON text (malloc'd), and its parser; for the tests too. */
char *pd_state_format(const struct pd *pd);
int pd_state_parse(struct pd *pd, const char *text, size_t len, char *why,
		   size_t whylen);

/* ---- net.c ----------------------------------------------------------------- */

/*
 * True when @addr is local: the host could bind it without IP_FREEBIND
 * (an address of an interface, or 127.0.0.0/8).  From the list that
 * net_rtnl_open() reads and net_rtnl_drain() keeps; before that, a bind.
 */
bool net_addr_local(const struct iscsi_portal_addr *addr);
/*
 * Bind @addr the way LIO does (SO_REUSEADDR, IP_FREEBIND): 0 when LIO's
 * bind could succeed, else the -errno it would see (-EADDRINUSE).
 */
int net_bind_probe(const struct iscsi_portal_addr *addr);
/*
 * SOCK_DESTROY every TCP connection whose local address is @addr (for a
 * wildcard: its port on any address).  Returns the number destroyed or
 * -errno.
 */
int net_drop_sessions(const struct iscsi_portal_addr *addr);
/* An rtnetlink socket on the IPv4 and IPv6 address groups; reads the list. */
int net_rtnl_open(void);
/* Drain it into the list: true when it changed (or events were lost). */
bool net_rtnl_drain(int fd);

/* ---- table.c --------------------------------------------------------------- */

struct ipl_handle;
/* The real operations: the table through @h (the ctx), LIO, the network. */
extern const struct pd_ops pd_real_ops;

#endif /* ISCSI_PORTALD_H */
