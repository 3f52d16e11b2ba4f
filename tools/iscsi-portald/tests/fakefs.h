/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-ins for the world of iscsi-portald's rules (struct pd_ops): a table
 * that records ADD/REMOVE/REPORT and adopts orphans like the module, a
 * configfs tree in a temporary directory whose np mkdir creates the
 * attribute files and whose rmdir drops them (as configfs does), failures
 * on demand, and an address list for "is it local".  Not a model of LIO:
 * the LIO-touching code itself (table.c, net.c) is left to the VM tests.
 */
#ifndef FAKEFS_H
#define FAKEFS_H

#include "portald.h"

#define FAKE_MAX	64

struct fake_portal {
	uint64_t id;
	struct iscsi_portal_addr addr;
	uint32_t status;
	bool orphan, removed;
};

struct fake {
	char root[256];			/* the fake configfs */
	char state_dir[256];
	char state_path[300];
	struct fake_portal table[FAKE_MAX];
	size_t n;
	uint64_t next_id;
	unsigned int reports;		/* REPORT calls */
	int busy;			/* table calls fail EBUSY while > 0 */
	/* The Nth mkdir/rmdir from now (1 = the next) fails with err. */
	int mkdir_fail_at, mkdir_err, rmdir_fail_at, rmdir_err;
	unsigned int mkdirs, rmdirs;
	/* > 0: an inotify fd that each np mkdir watches for reads and writes */
	int writes_ifd;
	int probe_err;			/* what the bind probe says */
	int drop_err;			/* drop_sessions: < 0 fails */
	int sync_fail;			/* the next N directory fsyncs fail */
	unsigned int drops;
	struct iscsi_portal_addr nonlocal[8];	/* not local */
	size_t nnonlocal;
};

extern struct fake fk;
extern const struct pd_ops fake_ops;

/* A fresh fake: temp dirs, an empty table; @pd set up on it. */
void fake_init(struct pd *pd);
/* @pd as a new daemon on the same fake configfs and state (a restart). */
void fake_daemon(struct pd *pd);
/* Remove the temp dirs; free @pd. */
void fake_fini(struct pd *pd);
/* mkdir -p the TPG and the np (with iser and cxgbit "0") in the fake tree. */
void fake_np(const char *target, unsigned int tpgt, const char *np);
/* rmdir it by hand, as targetcli would. */
void fake_np_rm(const char *target, unsigned int tpgt, const char *np);
bool fake_np_exists(const char *target, unsigned int tpgt, const char *np);
/* The content of an np's attribute file ("" when missing). */
const char *fake_attr(const char *target, unsigned int tpgt, const char *np,
		      const char *attr);
void fake_set_attr(const char *target, unsigned int tpgt, const char *np,
		   const char *attr, const char *value);
/* The table's entry of an address, or NULL. */
struct fake_portal *fake_find(const char *addr);
/* The module closing the provider fd: every portal an orphan. */
void fake_orphan_all(void);
/* Mark an address (not) local. */
void fake_set_local(const char *addr, bool local);

#endif /* FAKEFS_H */
