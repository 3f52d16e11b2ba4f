// SPDX-License-Identifier: GPL-2.0
/*
 * fakedev.so: an LD_PRELOAD stand-in for the module, so portalctl's exact
 * output can be checked on a host.  It answers every ioctl of magic
 * ISCSI_PORTAL_IOC_MAGIC (on any descriptor: run portalctl with --device
 * /dev/null) from a table given in the environment, and leaves every other
 * ioctl to the C library.  It is not a model of the module: mutating
 * calls change nothing, they are logged and fail as told.
 *
 *	FAKEDEV_TABLE	portals, ';'-separated, each ID,ADDR,STATUS,FLAGS,GEN,NAME
 *			(FLAGS the info flags in decimal, NAME the provider's)
 *	FAKEDEV_API	api_version of VERSION (default 2)
 *	FAKEDEV_ERR	CMD=ERRNO[,CMD=ERRNO...]: the call fails with it
 *			(CMD: SET_STATUS, REPORT_STATUS, REMOVE, REENUMERATE,
 *			REFRESH, GET_PROVIDER, GET_INFO, LIST)
 *	FAKEDEV_LOG	a file each mutating call appends a line to:
 *			"SET_STATUS id status flags", "REMOVE id", ...
 *	FAKEDEV_STATE	a file that holds the table between runs (FAKEDEV_TABLE's
 *			format): read at the first ioctl, written back after
 *			every ADD, which then really adds (EEXIST for an
 *			address that is there, ids after the highest), and
 *			every SET_STATUS that succeeds
 *	FAKEDEV_ADD_ERR	ADDR=ERRNO[,ADDR=ERRNO...]: the ADD of that address
 *			(as ipl_addr_format() writes it) fails with it
 *	FAKEDEV_MODVER	the loaded module's version that portalctl reads
 *			from /sys/module/iscsi_portal/version ("-": a module
 *			with no version); unset, the host's own files
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "iscsiportal.h"

#define MAX_PORTALS	32

struct portal {
	struct iscsi_portal_info info;
	char name[ISCSI_PORTAL_PROVIDER_NAME_LEN];
};

static struct portal table[MAX_PORTALS];
static size_t count;
static int loaded;

static char state_buf[8192];

/* FAKEDEV_STATE's text, when the file exists. */
static const char *state_spec(void)
{
	const char *path = getenv("FAKEDEV_STATE");
	FILE *f;
	size_t n;

	if (!path)
		return NULL;
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(state_buf, 1, sizeof(state_buf) - 1, f);
	fclose(f);
	state_buf[n] = '\0';
	state_buf[strcspn(state_buf, "\n")] = '\0';
	return state_buf;
}

static void save_state(void)
{
	const char *path = getenv("FAKEDEV_STATE");
	char addr[IPL_ADDR_STRLEN];
	size_t i;
	FILE *f;

	if (!path || !(f = fopen(path, "w")))
		return;
	for (i = 0; i < count; i++) {
		const struct iscsi_portal_info *in = &table[i].info;

		ipl_addr_format(&in->addr, addr, sizeof(addr));
		fprintf(f, "%s%llu,%s,%u,%u,%llu%s%s", i ? ";" : "",
			(unsigned long long)in->id, addr, in->status, in->flags,
			(unsigned long long)in->generation,
			table[i].name[0] ? "," : "", table[i].name);
	}
	fputc('\n', f);
	fclose(f);
}

static void load(void)
{
	const char *spec = state_spec();
	char *copy, *save = NULL, *ent;

	if (loaded)
		return;
	loaded = 1;
	if (!spec)
		spec = getenv("FAKEDEV_TABLE");
	if (!spec || !*spec)
		return;
	copy = strdup(spec);
	for (ent = strtok_r(copy, ";", &save); ent && count < MAX_PORTALS;
	     ent = strtok_r(NULL, ";", &save)) {
		struct portal *p = &table[count];
		char addr[IPL_ADDR_STRLEN];
		char name[ISCSI_PORTAL_PROVIDER_NAME_LEN] = "";
		unsigned long long id, gen;
		unsigned int status, flags;

		if (sscanf(ent, "%llu,%71[^,],%u,%u,%llu,%31s", &id, addr,
			   &status, &flags, &gen, name) < 5 ||
		    ipl_addr_parse(addr, &p->info.addr)) {
			fprintf(stderr, "fakedev: bad entry '%s'\n", ent);
			abort();
		}
		p->info.id = id;
		p->info.status = status;
		p->info.flags = flags;
		p->info.generation = gen;
		memcpy(p->name, name, sizeof(p->name));
		count++;
	}
	free(copy);
}

/* The errno FAKEDEV_ERR gives @cmd, or 0. */
static int told_err(const char *cmd)
{
	const char *e = getenv("FAKEDEV_ERR");
	size_t len = strlen(cmd);

	while (e && *e) {
		if (!strncmp(e, cmd, len) && e[len] == '=')
			return atoi(e + len + 1);
		e = strchr(e, ',');
		if (e)
			e++;
	}
	return 0;
}

static void log_call(const char *fmt, ...)
{
	const char *path = getenv("FAKEDEV_LOG");
	va_list ap;
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* The errno FAKEDEV_ADD_ERR gives the ADD of @addr, or 0. */
static int add_err(const struct iscsi_portal_addr *addr)
{
	const char *e = getenv("FAKEDEV_ADD_ERR");
	char text[IPL_ADDR_STRLEN];
	size_t len;

	if (ipl_addr_format(addr, text, sizeof(text)) < 0)
		return 0;
	len = strlen(text);
	while (e && *e) {
		if (!strncmp(e, text, len) && e[len] == '=')
			return atoi(e + len + 1);
		e = strchr(e, ',');
		if (e)
			e++;
	}
	return 0;
}

/* ADD: into the table when FAKEDEV_STATE keeps it, else only logged. */
static int add(struct iscsi_portal_add *a)
{
	char text[IPL_ADDR_STRLEN];
	uint64_t id = 0;
	size_t i;
	int err;

	if (ipl_addr_format(&a->addr, text, sizeof(text)) < 0)
		return EINVAL;
	log_call("ADD %s %u", text, a->status);
	if ((err = told_err("ADD")) || (err = add_err(&a->addr)))
		return err;
	for (i = 0; i < count; i++) {
		if (ipl_addr_equal(&table[i].info.addr, &a->addr))
			return EEXIST;
		if (table[i].info.id > id)
			id = table[i].info.id;
	}
	if (!getenv("FAKEDEV_STATE") || count == MAX_PORTALS)
		return getenv("FAKEDEV_STATE") ? ENOSPC : 0;
	memset(&table[count], 0, sizeof(table[count]));
	table[count].info.id = a->id = id + 1;
	table[count].info.addr = a->addr;
	table[count].info.status = a->status;
	count++;
	save_state();
	return 0;
}

static struct portal *find(uint64_t id)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (table[i].info.id == id)
			return &table[i];
	return NULL;
}

static int answer(unsigned long req, void *arg)
{
	struct iscsi_portal_version *ver = arg;
	struct iscsi_portal_list *l = arg;
	struct iscsi_portal_info *info = arg;
	struct iscsi_portal_provider_info *pi = arg;
	struct iscsi_portal_status_arg *st = arg;
	struct iscsi_portal_ref *ref = arg;
	struct portal *p;
	size_t i;
	int err;

	switch (req) {
	case ISCSI_PORTAL_IOC_ADD:
		return add(arg);
	case ISCSI_PORTAL_IOC_VERSION:
		memset(ver, 0, sizeof(*ver));
		ver->api_version = getenv("FAKEDEV_API") ?
				   (uint32_t)atoi(getenv("FAKEDEV_API")) : 2;
		ver->portal_count = count;
		ver->table_generation = 10;
		return 0;
	case ISCSI_PORTAL_IOC_LIST:
		if ((err = told_err("LIST")))
			return err;
		/* The table is in ascending id order. */
		l->count = 0;
		l->table_generation = 10;
		for (i = 0; i < count && table[i].info.id < l->cursor; i++)
			;
		for (; i < count && l->count < l->capacity; i++)
			((struct iscsi_portal_info *)(uintptr_t)
			 l->entries)[l->count++] = table[i].info;
		l->cursor = i < count ? table[i].info.id : 0;
		return 0;
	case ISCSI_PORTAL_IOC_GET_INFO:
		if ((err = told_err("GET_INFO")))
			return err;
		p = find(info->id);
		if (!p)
			return ENOENT;
		*info = p->info;
		return 0;
	case ISCSI_PORTAL_IOC_GET_PROVIDER:
		if ((err = told_err("GET_PROVIDER")))
			return err;
		p = find(pi->id);
		if (!p)
			return ENOENT;
		pi->flags = p->info.flags & (ISCSI_PORTAL_INFO_PROVIDER |
					     ISCSI_PORTAL_INFO_ORPHAN);
		memcpy(pi->name, p->name, sizeof(pi->name));
		return 0;
	case ISCSI_PORTAL_IOC_SET_STATUS:
	case ISCSI_PORTAL_IOC_REPORT_STATUS: {
		const char *cmd = req == ISCSI_PORTAL_IOC_SET_STATUS ?
				  "SET_STATUS" : "REPORT_STATUS";

		log_call("%s %llu %u %u", cmd, (unsigned long long)st->id,
		     st->status, st->flags);
		err = told_err(cmd);
		p = find(st->id);
		if (!err && p && getenv("FAKEDEV_STATE") &&
		    p->info.status != st->status) {
			p->info.status = st->status;
			p->info.generation++;
			save_state();
		}
		return err;
	}
	case ISCSI_PORTAL_IOC_REMOVE:
		log_call("REMOVE %llu", (unsigned long long)ref->id);
		return told_err("REMOVE");
	case ISCSI_PORTAL_IOC_REENUMERATE:
		log_call("REENUMERATE");
		return told_err("REENUMERATE");
	case ISCSI_PORTAL_IOC_REFRESH:
		log_call("REFRESH");
		return told_err("REFRESH");
	}
	return ENOTTY;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;
	int err;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (_IOC_TYPE(req) != ISCSI_PORTAL_IOC_MAGIC) {
		if (!real)
			real = (int (*)(int, unsigned long, ...))
				dlsym(RTLD_NEXT, "ioctl");
		return real(fd, req, arg);
	}
	load();
	err = answer(req, arg);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* /sys/module/iscsi_portal as FAKEDEV_MODVER says. */
#define MODULE_DIR	"/sys/module/iscsi_portal"

FILE *fopen(const char *path, const char *mode)
{
	static FILE *(*real)(const char *, const char *);
	const char *ver = getenv("FAKEDEV_MODVER");

	if (ver && !strcmp(path, MODULE_DIR "/version")) {
		static char text[64];

		if (!strcmp(ver, "-")) {
			errno = ENOENT;
			return NULL;
		}
		snprintf(text, sizeof(text), "%s\n", ver);
		return fmemopen(text, strlen(text), "r");
	}
	if (!real)
		real = (FILE *(*)(const char *, const char *))
			dlsym(RTLD_NEXT, "fopen");
	return real(path, mode);
}

int access(const char *path, int mode)
{
	static int (*real)(const char *, int);

	if (getenv("FAKEDEV_MODVER") && !strcmp(path, MODULE_DIR))
		return 0;
	if (!real)
		real = (int (*)(const char *, int))dlsym(RTLD_NEXT, "access");
	return real(path, mode);
}
