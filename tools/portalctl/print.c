// SPDX-License-Identifier: GPL-2.0
/*
 * portalctl output: aligned tables for people, JSON for programs.
 * JSON keys are stable; numbers are numbers; statuses come as a name plus
 * the numeric value, so an unrecognised status stays readable and exact.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "portalctl.h"

enum { COL_ID, COL_ADDR, COL_STATUS, COL_FLAGS, COL_GEN, COL_PROVIDER,
       NCOLS };

static const char *const col_names[NCOLS] = {
	"ID", "ADDRESS", "STATUS", "FLAGS", "GENERATION", "PROVIDER",
};

struct row {
	char cell[NCOLS][IPL_ADDR_STRLEN];
};

void format_addr(const struct iscsi_portal_addr *a, char *buf, size_t len)
{
	/* The module only stores valid addresses; show anything else raw. */
	if (ipl_addr_format(a, buf, len) < 0)
		snprintf(buf, len, "invalid(family=%u,port=%u)", a->family,
			 a->port);
}

/* The PROVIDER cell: the provider's name, "none", "orphan" or "-". */
static const char *owner_cell(const struct owner *owner)
{
	switch (owner->kind) {
	case OWNER_PROVIDER:
		return owner->name;
	case OWNER_ORPHAN:
		return "orphan";
	case OWNER_GONE:
		return "-";
	case OWNER_NONE:
		break;
	}
	return "none";
}

static void fill_row(struct row *r, const struct iscsi_portal_info *info,
		     const struct owner *owner)
{
	char name[IPL_NAME_STRLEN], flags[IPL_FLAGS_STRLEN];

	memset(r, 0, sizeof(*r));
	snprintf(r->cell[COL_ID], sizeof(r->cell[COL_ID]), "%llu",
		 (unsigned long long)info->id);
	format_addr(&info->addr, r->cell[COL_ADDR], sizeof(r->cell[COL_ADDR]));
	snprintf(r->cell[COL_STATUS], sizeof(r->cell[COL_STATUS]), "%s",
		 ipl_status_str(info->status, name, sizeof(name)));
	if (ipl_info_flags_format(info->flags, flags, sizeof(flags)) <= 0)
		snprintf(flags, sizeof(flags), "-");
	snprintf(r->cell[COL_FLAGS], sizeof(r->cell[COL_FLAGS]), "%s", flags);
	snprintf(r->cell[COL_GEN], sizeof(r->cell[COL_GEN]), "%llu",
		 (unsigned long long)info->generation);
	snprintf(r->cell[COL_PROVIDER], sizeof(r->cell[COL_PROVIDER]), "%s",
		 owner_cell(owner));
}

static void print_cells(const char *const *cells, const size_t *width)
{
	int i;

	for (i = 0; i < NCOLS; i++) {
		if (i == NCOLS - 1)
			printf("%s\n", cells[i]);
		else
			printf("%-*s  ", (int)width[i], cells[i]);
	}
}

/* The table, one row per portal, each column as wide as its widest cell. */
static void print_table(const struct iscsi_portal_info *infos,
			const struct owner *owners, size_t n)
{
	size_t width[NCOLS], i;
	const char *cells[NCOLS];
	struct row r;
	int c;

	for (c = 0; c < NCOLS; c++)
		width[c] = strlen(col_names[c]);
	for (i = 0; i < n; i++) {
		fill_row(&r, &infos[i], &owners[i]);
		for (c = 0; c < NCOLS; c++)
			if (strlen(r.cell[c]) > width[c])
				width[c] = strlen(r.cell[c]);
	}
	print_cells(col_names, width);
	for (i = 0; i < n; i++) {
		fill_row(&r, &infos[i], &owners[i]);
		for (c = 0; c < NCOLS; c++)
			cells[c] = r.cell[c];
		print_cells(cells, width);
	}
}

void print_info_json(const struct iscsi_portal_info *info,
		     const struct owner *owner)
{
	char addr[IPL_ADDR_STRLEN], name[IPL_NAME_STRLEN];
	const char *family = info->addr.family == AF_INET ? "ipv4" :
			     info->addr.family == AF_INET6 ? "ipv6" : "unknown";

	format_addr(&info->addr, addr, sizeof(addr));
	printf("{\"id\":%llu,\"address\":", (unsigned long long)info->id);
	json_put_string(stdout, addr);
	printf(",\"family\":\"%s\",\"port\":%u,\"scope_id\":%u,\"status\":",
	       family, info->addr.port, info->addr.scope_id);
	json_put_string(stdout,
			ipl_status_str(info->status, name, sizeof(name)));
	printf(",\"status_value\":%u,\"busy\":%s,\"flags\":%u,"
	       "\"generation\":%llu,\"provider\":", info->status,
	       info->flags & ISCSI_PORTAL_INFO_BUSY ? "true" : "false",
	       info->flags, (unsigned long long)info->generation);
	/* A name, or null: a provider may well be called "none". */
	if (owner->kind == OWNER_PROVIDER)
		json_put_string(stdout, owner->name);
	else
		fputs("null", stdout);
	printf(",\"orphan\":%s}",
	       owner->kind == OWNER_ORPHAN ? "true" : "false");
}

void print_infos_json(const struct iscsi_portal_info *infos,
		      const struct owner *owners, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		if (i)
			putchar(',');
		print_info_json(&infos[i], &owners[i]);
	}
	putchar(']');
}

void print_infos(const struct iscsi_portal_info *infos,
		 const struct owner *owners, size_t n, bool json)
{
	if (!json) {
		print_table(infos, owners, n);
		return;
	}
	print_infos_json(infos, owners, n);
	putchar('\n');
}

void print_version(const struct iscsi_portal_version *ver, bool json)
{
	bool corrupt = ver->flags & ISCSI_PORTAL_TABLE_CORRUPT;

	if (json) {
		printf("{\"api_version\":%u,\"library_api_version\":%u,"
		       "\"flags\":%u,\"corrupt\":%s,\"portal_count\":%llu,"
		       "\"table_generation\":%llu}\n", ver->api_version,
		       (unsigned int)ISCSI_PORTAL_API_VERSION, ver->flags,
		       corrupt ? "true" : "false",
		       (unsigned long long)ver->portal_count,
		       (unsigned long long)ver->table_generation);
		return;
	}
	printf("api_version          %u\n", ver->api_version);
	printf("library_api_version  %u\n", (unsigned int)ISCSI_PORTAL_API_VERSION);
	printf("table                %s\n", corrupt ? "corrupt" : "ok");
	printf("portal_count         %llu\n",
	       (unsigned long long)ver->portal_count);
	printf("table_generation     %llu\n",
	       (unsigned long long)ver->table_generation);
}

void format_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char date[32];
	long off;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (!localtime_r(&ts.tv_sec, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, len, "%lld.%03ld", (long long)ts.tv_sec,
			 ts.tv_nsec / 1000000);
		return;
	}
	off = tm.tm_gmtoff / 60;
	snprintf(buf, len, "%s.%03ld%c%02ld:%02ld", date, ts.tv_nsec / 1000000,
		 off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
		 (off < 0 ? -off : off) % 60);
}
