// SPDX-License-Identifier: GPL-2.0
/*
 * portalctl: list iSCSI portals and get and set their status through
 * /dev/iscsi_portal.  See portalctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portalctl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct command {
	const char *name;
	int (*run)(struct ctx *c, int argc, char **argv);
};

static const char usage_text[] =
"Usage: portalctl [--device PATH] [--json] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  version                     module API version, portal count, table state\n"
"  list                        every portal, with its provider\n"
"  get ID                      one portal\n"
"  add ADDR [--status STATUS]  add a portal (status default: online)\n"
"  remove ID                   remove a portal\n"
"  set ID online|offline       set a portal's status\n"
"      [--drop-sessions]       with offline: its provider also ends the\n"
"                              sessions that logged in through it\n"
"  report ID STATUS            report a status, as a provider does\n"
"  reenumerate                 rebuild the table from its providers\n"
"  refresh                     re-read every status (after reenumerate)\n"
"  watch                       print changes as they happen, until interrupted\n"
"  save [FILE]                 write the portals that have no provider, with\n"
"                              their statuses, to FILE (JSON; default\n"
"                              " PORTALCTL_SAVE_FILE "; - for stdout)\n"
"  restore [--missing-ok] [FILE]\n"
"                              add the portals of FILE that are not in the\n"
"                              table yet, each with its saved status\n"
"  help                        this text\n"
"\n"
"Options:\n"
"  -d, --device PATH  the device (default " ISCSI_PORTAL_DEVICE_PATH ")\n"
"  -j, --json         JSON output\n"
"  -h, --help         this text\n"
"  -V, --version      portalctl's version and the loaded module's\n"
"\n"
"ADDR: 192.0.2.1[:3260], [2001:db8::1][:3260], [fe80::1%eth0]:3260.\n"
"STATUS: unknown, online, not_ready, offline, failed or a number.\n"
"Exit status: 0 success, 1 the operation failed, 2 usage error.\n";

int usage_error(const char *fmt, const char *arg)
{
	fputs("portalctl: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'portalctl --help'.\n", stderr);
	return EXIT_USAGE;
}

static int vop_fail(int err, const char *msg, uint32_t hr, const char *fmt,
		    va_list ap)
{
	fputs("portalctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s (%s 0x%08X)\n", msg ? msg : ipl_strerror(err),
		ipl_hresult_name(hr), hr);
	return EXIT_FAIL;
}

int op_fail(int err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vop_fail(err, NULL, ipl_errno_to_hresult(err), fmt, ap);
	va_end(ap);
	return ret;
}

int op_fail_as(int err, const char *msg, uint32_t hr, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vop_fail(err, msg, hr, fmt, ap);
	va_end(ap);
	return ret;
}

int get_owners(struct ipl_handle *h, const struct iscsi_portal_info *infos,
	       size_t n, struct owner **owners)
{
	struct owner *o;
	uint32_t flags;
	size_t i;
	int err;

	*owners = NULL;
	if (!n)
		return 0;
	o = calloc(n, sizeof(*o));
	if (!o)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (infos[i].flags & ISCSI_PORTAL_INFO_ORPHAN)
			o[i].kind = OWNER_ORPHAN;
		if (!(infos[i].flags & ISCSI_PORTAL_INFO_PROVIDER))
			continue;
		err = ipl_get_provider(h, infos[i].id, &flags, o[i].name,
				       sizeof(o[i].name));
		if (err == -EIDRM || err == -ENOENT) {
			o[i].kind = OWNER_GONE;
			continue;
		}
		if (err) {
			free(o);
			return err;
		}
		/* Its provider may have gone since the LIST. */
		if (o[i].name[0])
			o[i].kind = OWNER_PROVIDER;
		else if (flags & ISCSI_PORTAL_INFO_ORPHAN)
			o[i].kind = OWNER_ORPHAN;
	}
	*owners = o;
	return 0;
}

int ctx_open(struct ctx *c, unsigned int flags)
{
	const char *path = c->device ? c->device : ISCSI_PORTAL_DEVICE_PATH;
	const char *hint = "";
	int err;

	err = ipl_open(&c->h, path, flags);
	if (!err)
		return 0;
	if (err == -ENOENT || err == -ENXIO || err == -ENODEV)
		hint = " (is the iscsi_portal module loaded?)";
	else if (err == -EACCES)
		hint = " (need root, or access to the device)";
	fprintf(stderr, "portalctl: open %s: %s%s\n", path, strerror(-err),
		hint);
	return EXIT_FAIL;
}

static int parse_id(const char *s, uint64_t *id)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return usage_error("invalid portal id '%s'", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return usage_error("invalid portal id '%s'", s);
	*id = v;
	return 0;
}

static int parse_status(const char *s, uint32_t *status)
{
	if (ipl_status_parse(s, status))
		return usage_error("invalid status '%s'", s);
	return 0;
}

/* Exactly @want arguments after the command name. */
static int want_args(int argc, char **argv, int want)
{
	if (argc - 1 < want)
		return usage_error("%s: missing argument", argv[0]);
	if (argc - 1 > want)
		return usage_error("%s: too many arguments", argv[0]);
	return 0;
}

/* Exactly @want arguments, the first a portal id. */
static int parse_id_args(int argc, char **argv, int want, uint64_t *id)
{
	int ret = want_args(argc, argv, want);

	return ret ? ret : parse_id(argv[1], id);
}

/* Check there are exactly @want arguments, then open the device. */
static int begin(struct ctx *c, int argc, char **argv, int want,
		 unsigned int flags)
{
	int ret = want_args(argc, argv, want);

	return ret ? ret : ctx_open(c, flags);
}

/*
 * The loaded module's version into @buf: 1, 0 when no module is loaded,
 * -1 when the loaded one has none (built before it had MODULE_VERSION).
 */
static int module_version(char *buf, size_t len)
{
	FILE *f = fopen(PORTALCTL_MODULE_VERSION_FILE, "re");
	int ok;

	if (!f) {
		if (access("/sys/module/iscsi_portal", F_OK))
			return 0;
		return -1;
	}
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 1;
}

/*
 * The module and the tool are built from one version of the sources: say
 * so when the loaded module is another one (a DKMS build of an older or
 * newer package, say).  Every call still works while the module's
 * api_version is one the library drives (IPL_API_VERSION_MIN or later).
 */
static void warn_version_mismatch(void)
{
	char mod[64];
	int got = module_version(mod, sizeof(mod));

	if (got > 0 && !strcmp(mod, PORTALCTL_VERSION))
		return;
	if (got > 0)
		fprintf(stderr, "portalctl: warning: the loaded iscsi_portal module is version %s, "
			"portalctl is version %s: install matching packages, or reload the module\n",
			mod, PORTALCTL_VERSION);
	else if (got < 0)
		fprintf(stderr, "portalctl: warning: the loaded iscsi_portal module has no version "
			"(older than portalctl %s?): install matching packages, or reload the module\n",
			PORTALCTL_VERSION);
}

static int cmd_version(struct ctx *c, int argc, char **argv)
{
	struct iscsi_portal_version ver;
	int ret = begin(c, argc, argv, 0, IPL_OPEN_RDONLY);

	if (ret)
		return ret;
	ret = ipl_version(c->h, &ver);
	if (ret)
		return op_fail(ret, "version");
	print_version(&ver, c->json);
	warn_version_mismatch();
	return EXIT_OK;
}

/* --version: no device needed. */
static int print_tool_version(void)
{
	char mod[64];
	int got = module_version(mod, sizeof(mod));

	printf("portalctl %s\n", PORTALCTL_VERSION);
	if (got > 0)
		printf("module %s%s\n", mod,
		       strcmp(mod, PORTALCTL_VERSION) ? " (differs)" : "");
	else
		printf("module %s\n", got < 0 ? "loaded, no version" :
		       "not loaded");
	return EXIT_OK;
}

static int cmd_list(struct ctx *c, int argc, char **argv)
{
	struct iscsi_portal_info *infos;
	struct owner *owners;
	size_t n;
	int ret = begin(c, argc, argv, 0, IPL_OPEN_RDONLY);

	if (ret)
		return ret;
	ret = ipl_list_all(c->h, &infos, &n, NULL);
	if (ret)
		return op_fail(ret, "list");
	ret = get_owners(c->h, infos, n, &owners);
	if (ret) {
		free(infos);
		return op_fail(ret, "list");
	}
	print_infos(infos, owners, n, c->json);
	free(owners);
	free(infos);
	return EXIT_OK;
}

static int cmd_get(struct ctx *c, int argc, char **argv)
{
	struct iscsi_portal_info info;
	struct owner *owner;
	uint64_t id;
	int ret;

	ret = parse_id_args(argc, argv, 1, &id);
	if (ret || (ret = ctx_open(c, IPL_OPEN_RDONLY)))
		return ret;
	ret = ipl_get_info(c->h, id, &info);
	if (!ret)
		ret = get_owners(c->h, &info, 1, &owner);
	if (ret)
		return op_fail(ret, "get %llu", (unsigned long long)id);
	if (c->json) {
		print_info_json(&info, owner);
		putchar('\n');
	} else {
		print_infos(&info, owner, 1, false);
	}
	free(owner);
	return EXIT_OK;
}

/* add ADDR [--status STATUS | --status=STATUS], in any order. */
static int parse_add(int argc, char **argv, const char **addr_str,
		     uint32_t *status)
{
	static const char opt[] = "--status";
	const char *status_str = NULL;
	int i;

	*addr_str = NULL;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, opt)) {
			if (++i == argc)
				return usage_error("add: %s needs a value",
						   opt);
			status_str = argv[i];
		} else if (!strncmp(a, opt, sizeof(opt) - 1) &&
			   a[sizeof(opt) - 1] == '=') {
			status_str = a + sizeof(opt);
		} else if (a[0] == '-' && a[1]) {
			return usage_error("add: unknown option '%s'", a);
		} else if (*addr_str) {
			return usage_error("add: unexpected argument '%s'", a);
		} else {
			*addr_str = a;
		}
	}
	if (!*addr_str)
		return usage_error("%s: missing argument", argv[0]);
	*status = ISCSI_PORTAL_STATUS_ONLINE;
	return status_str ? parse_status(status_str, status) : 0;
}

static void print_added(const struct ctx *c, uint64_t id, const char *addr,
			uint32_t status)
{
	char name[IPL_NAME_STRLEN];
	const char *sname = ipl_status_str(status, name, sizeof(name));

	if (!c->json) {
		printf("added %llu %s %s\n", (unsigned long long)id, addr,
		       sname);
		return;
	}
	printf("{\"id\":%llu,\"address\":", (unsigned long long)id);
	json_put_string(stdout, addr);
	printf(",\"status\":");
	json_put_string(stdout, sname);
	printf(",\"status_value\":%u}\n", status);
}

static int cmd_add(struct ctx *c, int argc, char **argv)
{
	struct iscsi_portal_addr addr;
	char text[IPL_ADDR_STRLEN];
	const char *addr_str;
	uint32_t status;
	uint64_t id;
	int ret;

	ret = parse_add(argc, argv, &addr_str, &status);
	if (ret)
		return ret;
	ret = ipl_addr_parse(addr_str, &addr);
	if (ret == -ENODEV)
		return usage_error("add: no such interface in '%s'", addr_str);
	if (ret)
		return usage_error("add: invalid address '%s'", addr_str);
	ret = ctx_open(c, IPL_OPEN_RDWR);
	if (ret)
		return ret;
	format_addr(&addr, text, sizeof(text));
	ret = ipl_add(c->h, &addr, status, &id);
	if (ret)
		return op_fail(ret, "add %s", text);
	print_added(c, id, text, status);
	return EXIT_OK;
}

/*
 * The text for EPERM from REMOVE or REPORT_STATUS of portal @id: when a
 * provider owns it, that is why (only the provider may), whatever the
 * caller's capabilities.  NULL: the library's text.
 */
static const char *eperm_text(struct ctx *c, int err, uint64_t id,
			      char *buf, size_t len)
{
	char name[IPL_PROVIDER_NAME_LEN];

	if (err != -EPERM ||
	    ipl_get_provider(c->h, id, NULL, name, sizeof(name)) || !name[0])
		return NULL;
	snprintf(buf, len, "permission denied: provider '%s' owns the portal "
		 "(only it may remove it or report its status)", name);
	return buf;
}

static int cmd_remove(struct ctx *c, int argc, char **argv)
{
	char text[128];
	uint64_t id;
	int ret;

	ret = parse_id_args(argc, argv, 1, &id);
	if (ret || (ret = ctx_open(c, IPL_OPEN_RDWR)))
		return ret;
	ret = ipl_remove(c->h, id);
	if (ret)
		return op_fail_as(ret, eperm_text(c, ret, id, text, sizeof(text)),
				  ipl_errno_to_hresult(ret), "remove %llu",
				  (unsigned long long)id);
	return EXIT_OK;
}

/* Drop every @opt from @argv (after the command name); the new argc. */
static int take_option(int argc, char **argv, const char *opt, bool *seen)
{
	int i, n = 1;

	*seen = false;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], opt))
			*seen = true;
		else
			argv[n++] = argv[i];
	}
	return n;
}

/* ID STATUS, any status passed on for the module to judge. */
static int parse_status_args(struct ctx *c, int argc, char **argv,
			     uint64_t *id, uint32_t *status)
{
	int ret = parse_id_args(argc, argv, 2, id);

	if (ret || (ret = parse_status(argv[2], status)))
		return ret;
	return ctx_open(c, IPL_OPEN_RDWR);
}

/* set ID STATUS [--drop-sessions], the option anywhere after "set". */
static int cmd_set(struct ctx *c, int argc, char **argv)
{
	char name[IPL_NAME_STRLEN];
	const char *text = NULL;
	uint32_t status;
	uint64_t id;
	bool drop;
	int ret;

	argc = take_option(argc, argv, "--drop-sessions", &drop);
	ret = parse_status_args(c, argc, argv, &id, &status);
	if (ret)
		return ret;
	ret = ipl_set_status_flags(c->h, id, status,
				   drop ? ISCSI_PORTAL_SET_DROP_SESSIONS : 0);
	if (!ret)
		return EXIT_OK;
	/* The library's texts for these speak of the status alone. */
	if (drop && status == ISCSI_PORTAL_STATUS_OFFLINE &&
	    ret == -EOPNOTSUPP)
		text = "the portal has no provider, or its provider cannot end sessions";
	else if (drop && status != ISCSI_PORTAL_STATUS_OFFLINE &&
		 ret == -EINVAL)
		text = "--drop-sessions goes with offline only";
	/* A provider may have answered: its own errno is a provider failure. */
	return op_fail_as(ret, text, ipl_provider_errno_to_hresult(ret),
			  "set %llu %s%s", (unsigned long long)id,
			  ipl_status_str(status, name, sizeof(name)),
			  drop ? " --drop-sessions" : "");
}

static int cmd_report(struct ctx *c, int argc, char **argv)
{
	char name[IPL_NAME_STRLEN], text[128];
	uint32_t status;
	uint64_t id;
	int ret;

	ret = parse_status_args(c, argc, argv, &id, &status);
	if (ret)
		return ret;
	ret = ipl_report_status(c->h, id, status);
	if (ret)
		return op_fail_as(ret, eperm_text(c, ret, id, text, sizeof(text)),
				  ipl_errno_to_hresult(ret), "report %llu %s",
				  (unsigned long long)id,
				  ipl_status_str(status, name, sizeof(name)));
	return EXIT_OK;
}

/* reenumerate and refresh: table-wide, no argument. */
static int table_cmd(struct ctx *c, int argc, char **argv,
		     int (*fn)(struct ipl_handle *))
{
	int ret = begin(c, argc, argv, 0, IPL_OPEN_RDWR);

	if (ret)
		return ret;
	ret = fn(c->h);
	if (!ret)
		return EXIT_OK;
	/* The providers answer these too. */
	return op_fail_as(ret, NULL, ipl_provider_errno_to_hresult(ret), "%s",
			  argv[0]);
}

static int cmd_reenumerate(struct ctx *c, int argc, char **argv)
{
	return table_cmd(c, argc, argv, ipl_reenumerate);
}

static int cmd_refresh(struct ctx *c, int argc, char **argv)
{
	return table_cmd(c, argc, argv, ipl_refresh);
}

static int cmd_watch(struct ctx *c, int argc, char **argv)
{
	int ret = begin(c, argc, argv, 0, IPL_OPEN_RDONLY | IPL_OPEN_NONBLOCK);

	return ret ? ret : cmd_watch_run(c);
}

static int cmd_help(struct ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	fputs(usage_text, stdout);
	return EXIT_OK;
}

static const struct command commands[] = {
	{ "version", cmd_version },
	{ "list", cmd_list },
	{ "get", cmd_get },
	{ "add", cmd_add },
	{ "remove", cmd_remove },
	{ "set", cmd_set },
	{ "report", cmd_report },
	{ "reenumerate", cmd_reenumerate },
	{ "refresh", cmd_refresh },
	{ "watch", cmd_watch },
	{ "save", cmd_save },
	{ "restore", cmd_restore },
	{ "help", cmd_help },
};

/* Global options, up to the command name; returns 0 or an exit status. */
static int parse_globals(int argc, char **argv, struct ctx *c, bool *help,
			 bool *version)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0;
	/* '+': stop at the command, whose own arguments may look like options. */
	while ((opt = getopt_long(argc, argv, "+:d:jhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			c->device = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			*help = true;
			break;
		case 'V':
			*version = true;
			break;
		case ':':
			return usage_error("option '%s' needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	return 0;
}

static int finish(int ret)
{
	/* Output that never reached its destination is a failure too. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "portalctl: write error: %s\n",
			strerror(errno));
		return EXIT_FAIL;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct ctx c = { NULL, false, NULL };
	bool help = false, version = false;
	size_t i;
	int ret;

	ret = parse_globals(argc, argv, &c, &help, &version);
	if (ret)
		return ret;
	if (help)
		return finish(cmd_help(&c, 0, NULL));
	if (version)
		return finish(print_tool_version());
	if (optind == argc)
		return usage_error("%s", "missing command");
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			ret = commands[i].run(&c, argc - optind, argv + optind);
			ipl_close(c.h);
			return finish(ret);
		}
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
