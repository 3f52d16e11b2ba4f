// SPDX-License-Identifier: GPL-2.0
/*
 * portalctl save [FILE] and portalctl restore [--missing-ok] [FILE]: the
 * portals that have no provider (a provider's portals are its own to bring
 * back), with their statuses, as versioned JSON.
 *
 *	{
 *	  "format": "iscsi-portal-portals",
 *	  "version": 1,
 *	  "portals": [
 *	    {"address": "192.0.2.10:3260", "status": "online"},
 *	    {"address": "[fe80::1%eth0]:3260", "status": "offline"}
 *	  ]
 *	}
 *
 * save writes atomically: a temporary file in the same directory, fsync,
 * rename over FILE, fsync of the directory; FILE is never seen half
 * written.  restore reads and checks the whole file before it changes
 * anything (a malformed one is refused with its line and column), then
 * ADDs each portal that is not in the table yet with its status in one
 * call (all or nothing per portal) and keeps one that is (not an error),
 * so a second restore of the same file changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "portalctl.h"

#define SAVE_FORMAT	"iscsi-portal-portals"
#define SAVE_VERSION	1

/* Only the portals the table alone owns. */
#define OWNED_FLAGS	(ISCSI_PORTAL_INFO_PROVIDER | ISCSI_PORTAL_INFO_ORPHAN)

static int file_fail(const char *op, const char *path, const char *step,
		     int err)
{
	fprintf(stderr, "portalctl: %s %s: %s%s%s\n", op, path, step,
		*step ? ": " : "", strerror(err));
	return EXIT_FAIL;
}

/*
 * The address as save writes it: a link-local one with its interface's
 * name rather than its index, which may differ after a reboot.
 */
static void save_addr(const struct iscsi_portal_addr *a, char *buf,
		      size_t len)
{
	char name[IF_NAMESIZE], *pct, *rest;

	format_addr(a, buf, len);
	if (!a->scope_id || !if_indextoname(a->scope_id, name))
		return;
	pct = strchr(buf, '%');
	rest = pct ? strchr(pct, ']') : NULL;
	if (!rest || strlen(buf) - (size_t)(rest - pct) + 1 + strlen(name) >= len)
		return;
	memmove(pct + 1 + strlen(name), rest, strlen(rest) + 1);
	memcpy(pct + 1, name, strlen(name));
}

/* The JSON text of the portals of @infos that have no provider. */
static char *save_text(const struct iscsi_portal_info *infos, size_t n,
		       size_t *len, size_t *saved)
{
	char addr[IPL_ADDR_STRLEN + IF_NAMESIZE], name[IPL_NAME_STRLEN];
	FILE *f;
	char *buf = NULL;
	size_t i;

	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	fprintf(f, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n"
		"  \"portals\": [", SAVE_FORMAT, SAVE_VERSION);
	*saved = 0;
	for (i = 0; i < n; i++) {
		if (infos[i].flags & OWNED_FLAGS)
			continue;
		save_addr(&infos[i].addr, addr, sizeof(addr));
		/* Addresses and status names need no escaping. */
		fprintf(f, "%s\n    {\"address\": \"%s\", \"status\": \"%s\"}",
			*saved ? "," : "", addr,
			ipl_status_str(infos[i].status, name, sizeof(name)));
		(*saved)++;
	}
	fprintf(f, "%s]\n}\n", *saved ? "\n  " : "");
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* @path's directory, into @dir. */
static void dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/*
 * Replace @path by @buf atomically: temporary file, fsync, rename, fsync
 * of the directory.  On failure @path is as it was; 0 or EXIT_FAIL.
 */
static int write_atomic(const char *path, const char *buf, size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *step;
	int fd, dfd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    (int)sizeof(tmp))
		return file_fail("save", path, "", ENAMETOOLONG);
	fd = mkstemp(tmp);
	if (fd < 0)
		return file_fail("save", path, "create a temporary file", errno);
	step = "write";
	err = -write_all(fd, buf, len);
	if (!err && fchmod(fd, 0644)) {
		step = "chmod";
		err = errno;
	}
	if (!err && fsync(fd)) {
		step = "fsync";
		err = errno;
	}
	if (close(fd) && !err) {
		step = "close";
		err = errno;
	}
	if (!err && rename(tmp, path)) {
		step = "rename";
		err = errno;
	}
	if (err) {
		unlink(tmp);
		return file_fail("save", path, step, err);
	}
	/* The rename itself is durable once the directory is synced. */
	dir_of(path, dir, sizeof(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd)) {
		err = errno;
		if (dfd >= 0)
			close(dfd);
		return file_fail("save", path, "fsync of its directory", err);
	}
	close(dfd);
	return 0;
}

/* mkdir -p @dir, mode 0755; 0 or -errno. */
static int mkdir_parents(const char *dir)
{
	char buf[PATH_MAX], *p, was;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; ; p++) {
		if (*p && *p != '/')
			continue;
		was = *p;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = was;
		if (!was)
			return 0;
	}
}

int cmd_save(struct ctx *c, int argc, char **argv)
{
	const char *path = PORTALCTL_SAVE_FILE;
	struct iscsi_portal_info *infos = NULL;
	size_t n = 0, len = 0, saved = 0;
	char *text;
	int ret;

	if (argc > 2)
		return usage_error("%s: too many arguments", argv[0]);
	if (argc == 2)
		path = argv[1];
	ret = ctx_open(c, IPL_OPEN_RDONLY);
	if (ret)
		return ret;
	ret = ipl_list_all(c->h, &infos, &n, NULL);
	if (ret)
		return op_fail(ret, "save");
	text = save_text(infos, n, &len, &saved);
	free(infos);
	if (!text)
		return op_fail(-ENOMEM, "save");
	if (!strcmp(path, "-")) {
		fwrite(text, 1, len, stdout);
		free(text);
		return EXIT_OK;
	}
	/* The default directory is created (the systemd unit does too). */
	if (!strcmp(path, PORTALCTL_SAVE_FILE) &&
	    (ret = mkdir_parents(PORTALCTL_SAVE_DIR))) {
		ret = file_fail("save", path, "mkdir " PORTALCTL_SAVE_DIR, -ret);
		free(text);
		return ret;
	}
	ret = write_atomic(path, text, len);
	free(text);
	if (ret)
		return ret;
	if (c->json) {
		printf("{\"file\":");
		json_put_string(stdout, path);
		printf(",\"saved\":%zu}\n", saved);
	} else {
		printf("saved %zu portal%s to %s\n", saved, saved == 1 ? "" : "s",
		       path);
	}
	return EXIT_OK;
}

/* ---- restore ------------------------------------------------------------ */

struct entry {
	struct iscsi_portal_addr addr;
	uint32_t status;
	/* Out: what restore did. */
	enum { R_ADDED, R_KEPT, R_FAILED } result;
	uint64_t id;
	uint32_t cur_status;	/* R_KEPT: the status the table has */
	int err;
};

/* The whole of @path ("-": stdin) into a malloc'd buffer; 0 or -errno. */
static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t cap = 0, n = 0, r;
	char *b = NULL, *nb;
	int err = 0;

	if (!f)
		return -errno;
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(b, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			b = nb;
		}
		r = fread(b + n, 1, cap - n, f);
		n += r;
	} while (r);
	if (!err && ferror(f))
		err = -EIO;
	if (f != stdin)
		fclose(f);
	if (err) {
		free(b);
		return err;
	}
	*buf = b;
	*len = n;
	return 0;
}

static int refuse(const char *path, const struct json_value *v,
		  const char *fmt, const char *arg)
{
	fprintf(stderr, "portalctl: restore %s: line %u, column %u: ", path,
		v->line, v->col);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/* @obj's member @key, of @type: 0, or EXIT_FAIL with a message. */
static int member(const char *path, const struct json_value *obj,
		  const char *key, enum json_type type,
		  const struct json_value **out)
{
	const struct json_value *v = json_get(obj, key);
	char msg[96];

	*out = v;
	if (!v) {
		snprintf(msg, sizeof(msg), "%s", key);
		return refuse(path, obj, "this object has no \"%s\"", msg);
	}
	if (v->type != type) {
		snprintf(msg, sizeof(msg), "\"%s\" must be %s, not %s", key,
			 json_type_name(type), json_type_name(v->type));
		return refuse(path, v, "%s", msg);
	}
	return 0;
}

/* The portals of the parsed file @root into *@ents; 0 or EXIT_FAIL. */
static int check_file(const char *path, const struct json_value *root,
		      struct entry **ents, size_t *count)
{
	const struct json_value *v, *list, *a, *s;
	struct entry *e;
	uint64_t version;
	size_t i, j;
	char num[32];

	if (root->type != JSON_OBJECT)
		return refuse(path, root, "expected an object, found %s",
			      json_type_name(root->type));
	if (member(path, root, "format", JSON_STRING, &v))
		return EXIT_FAIL;
	if (strcmp(v->str, SAVE_FORMAT))
		return refuse(path, v, "\"format\" is not \"" SAVE_FORMAT
			      "\": not a file of portalctl save%s", "");
	if (member(path, root, "version", JSON_NUMBER, &v))
		return EXIT_FAIL;
	if (!v->integer)
		return refuse(path, v, "\"version\" must be an integer%s", "");
	if (!json_uint(v, &version) || version != SAVE_VERSION) {
		snprintf(num, sizeof(num), "%g", v->number);
		return refuse(path, v, "version %s: this portalctl reads version 1 only",
			      num);
	}
	if (member(path, root, "portals", JSON_ARRAY, &list))
		return EXIT_FAIL;
	e = calloc(list->n ? list->n : 1, sizeof(*e));
	if (!e)
		return op_fail(-ENOMEM, "restore %s", path);
	for (i = 0; i < list->n; i++) {
		const struct json_value *p = list->items[i];
		int err;

		if (p->type != JSON_OBJECT) {
			refuse(path, p, "a portal must be an object, not %s",
			       json_type_name(p->type));
			goto fail;
		}
		if (member(path, p, "address", JSON_STRING, &a) ||
		    member(path, p, "status", JSON_STRING, &s))
			goto fail;
		err = ipl_addr_parse(a->str, &e[i].addr);
		if (err) {
			refuse(path, a, err == -ENODEV ?
			       "no such interface in \"%s\"" :
			       "invalid portal address \"%s\"", a->str);
			goto fail;
		}
		if (ipl_status_parse(s->str, &e[i].status) ||
		    !ipl_status_is_known(e[i].status)) {
			refuse(path, s, "invalid status \"%s\"", s->str);
			goto fail;
		}
		for (j = 0; j < i; j++) {
			if (ipl_addr_equal(&e[j].addr, &e[i].addr)) {
				refuse(path, a, "portal \"%s\" is already in the file",
				       a->str);
				goto fail;
			}
		}
	}
	*ents = e;
	*count = list->n;
	return 0;
fail:
	free(e);
	return EXIT_FAIL;
}

static const struct iscsi_portal_info *
find_portal(const struct iscsi_portal_info *infos, size_t n,
	    const struct iscsi_portal_addr *addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ipl_addr_equal(&infos[i].addr, addr))
			return &infos[i];
	return NULL;
}

/* Restore one portal: ADD it with its status unless it is there. */
static void restore_one(struct ctx *c, struct entry *e,
			const struct iscsi_portal_info *infos, size_t n)
{
	const struct iscsi_portal_info *cur = find_portal(infos, n, &e->addr);
	struct iscsi_portal_info *now;
	size_t m;

	if (!cur) {
		e->err = ipl_add(c->h, &e->addr, e->status, &e->id);
		if (!e->err) {
			e->result = R_ADDED;
			return;
		}
		if (e->err != -EEXIST) {
			e->result = R_FAILED;
			return;
		}
		/* Added by someone else since the LIST: kept all the same. */
		e->err = 0;
		if (!ipl_list_all(c->h, &now, &m, NULL)) {
			cur = find_portal(now, m, &e->addr);
			if (cur) {
				e->id = cur->id;
				e->cur_status = cur->status;
			}
			free(now);
		}
		e->result = R_KEPT;
		return;
	}
	e->result = R_KEPT;
	e->id = cur->id;
	e->cur_status = cur->status;
}

static void report_json(const char *path, const struct entry *e, size_t n,
			const size_t *sum)
{
	char addr[IPL_ADDR_STRLEN], name[IPL_NAME_STRLEN];
	static const char *const result[] = { "added", "kept", "failed" };
	size_t i;

	printf("{\"file\":");
	json_put_string(stdout, path);
	printf(",\"added\":%zu,\"kept\":%zu,\"failed\":%zu,\"portals\":[",
	       sum[R_ADDED], sum[R_KEPT], sum[R_FAILED]);
	for (i = 0; i < n; i++) {
		uint32_t st = e[i].result == R_KEPT ? e[i].cur_status :
			      e[i].status;

		format_addr(&e[i].addr, addr, sizeof(addr));
		printf("%s{\"address\":", i ? "," : "");
		json_put_string(stdout, addr);
		printf(",\"result\":\"%s\"", result[e[i].result]);
		if (e[i].result != R_FAILED)
			printf(",\"id\":%llu", (unsigned long long)e[i].id);
		printf(",\"status\":\"%s\",\"status_value\":%u",
		       ipl_status_str(st, name, sizeof(name)), st);
		if (e[i].result == R_FAILED) {
			printf(",\"errno\":%d,\"error\":", -e[i].err);
			json_put_string(stdout, ipl_strerror(e[i].err));
			printf(",\"hresult\":\"0x%08X\"",
			       ipl_errno_to_hresult(e[i].err));
		}
		putchar('}');
	}
	printf("]}\n");
}

int cmd_restore(struct ctx *c, int argc, char **argv)
{
	char addr[IPL_ADDR_STRLEN], name[IPL_NAME_STRLEN];
	const char *path = PORTALCTL_SAVE_FILE;
	struct iscsi_portal_info *infos = NULL;
	struct json_value *root = NULL;
	struct json_error jerr;
	struct entry *e = NULL;
	size_t sum[3] = { 0, 0, 0 };
	size_t n = 0, m = 0, i, len = 0;
	bool missing_ok = false, have_path = false;
	char *text = NULL;
	int ret, a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--missing-ok"))
			missing_ok = true;
		else if (argv[a][0] == '-' && argv[a][1])
			return usage_error("restore: unknown option '%s'",
					   argv[a]);
		else if (have_path)
			return usage_error("%s: too many arguments", argv[0]);
		else
			path = argv[a], have_path = true;
	}
	ret = read_file(path, &text, &len);
	if (ret == -ENOENT && missing_ok) {
		if (c->json)
			printf("{\"file\":null,\"added\":0,\"kept\":0,\"failed\":0,\"portals\":[]}\n");
		else
			printf("nothing to restore: %s does not exist\n", path);
		return EXIT_OK;
	}
	if (ret)
		return file_fail("restore", path, "", -ret);
	ret = json_parse(text, len, &root, &jerr);
	free(text);
	if (ret == -EINVAL) {
		fprintf(stderr, "portalctl: restore %s: line %u, column %u: %s\n",
			path, jerr.line, jerr.col, jerr.msg);
		return EXIT_FAIL;
	}
	if (ret)
		return op_fail(ret, "restore %s", path);
	ret = check_file(path, root, &e, &n);
	json_free(root);
	if (ret)
		return ret;
	/* Nothing changes before the whole file has been read and checked. */
	ret = ctx_open(c, IPL_OPEN_RDWR);
	if (!ret) {
		ret = ipl_list_all(c->h, &infos, &m, NULL);
		if (ret)
			ret = op_fail(ret, "restore %s", path);
	}
	if (ret) {
		free(e);
		return ret;
	}
	for (i = 0; i < n; i++) {
		restore_one(c, &e[i], infos, m);
		sum[e[i].result]++;
		format_addr(&e[i].addr, addr, sizeof(addr));
		if (e[i].result == R_FAILED)
			op_fail(e[i].err, "restore %s", addr);
		if (c->json)
			continue;
		switch (e[i].result) {
		case R_ADDED:
			printf("added %llu %s %s\n", (unsigned long long)e[i].id,
			       addr, ipl_status_str(e[i].status, name,
						    sizeof(name)));
			break;
		case R_KEPT:
			printf("kept %llu %s %s (already a portal)\n",
			       (unsigned long long)e[i].id, addr,
			       ipl_status_str(e[i].cur_status, name,
					      sizeof(name)));
			break;
		case R_FAILED:
			printf("failed %s %s: %s\n", addr,
			       ipl_status_str(e[i].status, name, sizeof(name)),
			       ipl_strerror(e[i].err));
			break;
		}
	}
	free(infos);
	if (c->json)
		report_json(path, e, n, sum);
	else
		printf("restored %s: %zu added, %zu kept, %zu failed\n", path,
		       sum[R_ADDED], sum[R_KEPT], sum[R_FAILED]);
	free(e);
	return sum[R_FAILED] ? EXIT_FAIL : EXIT_OK;
}
