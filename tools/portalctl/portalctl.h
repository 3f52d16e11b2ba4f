/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portalctl: shared declarations of the command-line tool.
 */
#ifndef PORTALCTL_H
#define PORTALCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iscsiportal.h"
#include "json.h"

/* Exit statuses. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* an operation failed */
#define EXIT_USAGE	2	/* the command line is wrong */

struct ctx {
	const char *device;	/* NULL: ISCSI_PORTAL_DEVICE_PATH */
	bool json;
	struct ipl_handle *h;
};

#if !defined(PORTALCTL_VERSION) && !defined(__CPPCHECK__)
#error "PORTALCTL_VERSION: the Makefile passes the top-level VERSION file"
#endif

/* save and restore's file (and its directory) when none is given. */
#define PORTALCTL_SAVE_DIR	"/var/lib/iscsi-portal"
#define PORTALCTL_SAVE_FILE	PORTALCTL_SAVE_DIR "/portals.json"
/* The loaded module's version (MODULE_VERSION), for version's check. */
#define PORTALCTL_MODULE_VERSION_FILE	"/sys/module/iscsi_portal/version"

/* "portalctl: " @fmt with @arg, the --help hint; returns EXIT_USAGE. */
int usage_error(const char *fmt, const char *arg);

/* Open the device once, read-only or read-write; 0 or EXIT_FAIL. */
int ctx_open(struct ctx *c, unsigned int flags);
/*
 * "portalctl: OP: message (VDS_NAME 0x...)" on stderr, OP from @fmt;
 * returns EXIT_FAIL.
 */
int op_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Like op_fail(), with @msg (NULL: ipl_strerror()) and @hr in place of the
 * library's text and HRESULT for @err.
 */
int op_fail_as(int err, const char *msg, uint32_t hr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Who owns a portal (CONTRACT section 8), as list and get show it. */
enum owner_kind {
	OWNER_NONE,		/* no provider: the table's alone */
	OWNER_PROVIDER,		/* name says which */
	OWNER_ORPHAN,		/* its provider is gone */
	OWNER_GONE,		/* the portal was removed after the LIST */
};

struct owner {
	enum owner_kind kind;
	char name[IPL_PROVIDER_NAME_LEN];
};

/*
 * The owners of @n portals into a malloc'd *@owners (free() it; NULL when
 * @n is 0): GET_PROVIDER for each portal a provider owns, no call for the
 * others.  Returns 0 or -errno.
 */
int get_owners(struct ipl_handle *h, const struct iscsi_portal_info *infos,
	       size_t n, struct owner **owners);

/* print.c: human tables and JSON. */
void format_addr(const struct iscsi_portal_addr *a, char *buf, size_t len);
void print_info_json(const struct iscsi_portal_info *info,
		     const struct owner *owner);
/* A JSON array of portals, no newline. */
void print_infos_json(const struct iscsi_portal_info *infos,
		      const struct owner *owners, size_t n);
/* A table, or a JSON array and a newline. */
void print_infos(const struct iscsi_portal_info *infos,
		 const struct owner *owners, size_t n, bool json);
void print_version(const struct iscsi_portal_version *ver, bool json);
/* Local time, ISO 8601 with milliseconds: 2024-05-01T12:34:56.789+02:00. */
void format_now(char *buf, size_t len);

/* saverestore.c */
int cmd_save(struct ctx *c, int argc, char **argv);
int cmd_restore(struct ctx *c, int argc, char **argv);

/* watch.c */
int cmd_watch_run(struct ctx *c);

#endif /* PORTALCTL_H */
