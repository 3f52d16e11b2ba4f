// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi-portald: options, start-up, and the event loop: one poll() over
 * the provider fd (requests), inotify on configfs (targetcli's changes),
 * rtnetlink (address changes), a signalfd and a timerfd (a table call
 * that was EBUSY is tried again).  Requests go first: LIO is never walked
 * while a request waits.  See iscsi-portald(8).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "iscsiportal.h"
#include "portald.h"

#define RETRY_MS	200

struct opts {
	bool foreground, debug, version;
	const char *state_dir, *configfs, *device, *pidfile;
	unsigned int timeout_ms;
};

static const char usage_text[] =
"Usage: iscsi-portald [OPTIONS]\n"
"The LIO bridge of /dev/iscsi_portal: each LIO network portal (np) is a\n"
"portal of the table, and setting a portal offline or online takes its np\n"
"out of, or back into, every TPG that has it.\n"
"\n"
"  -f, --foreground      stay in the foreground, log to stderr\n"
"  -s, --state-dir DIR   the state directory (default /var/lib/iscsi-portal)\n"
"  -c, --configfs DIR    configfs (default /sys/kernel/config)\n"
"  -d, --device PATH     the device (default " ISCSI_PORTAL_DEVICE_PATH ")\n"
"  -p, --pidfile FILE    write the pid there once ready\n"
"  -t, --timeout MS      the provider timeout (default: the module's)\n"
"  -v, --verbose         debug messages too\n"
"  -V, --version         the version, of this program and of the module\n"
"  -h, --help            this text\n"
"\n"
"Exit status: 0 stopped by SIGTERM or SIGINT, 1 failure, 2 usage error,\n"
"3 the state file is refused (corrupt, truncated or another version).\n";

/*
 * The one version of module, library and tools; the loaded module's
 * (sysfs) and its API version (the device), when there is one.
 */
static void print_version(const char *device)
{
	struct iscsi_portal_version ver;
	struct ipl_handle *h;
	char mod[64] = "";
	FILE *f;
	int err;

	printf(PD_NAME " %s\n", PD_VERSION);
	f = fopen("/sys/module/iscsi_portal/version", "re");
	if (f) {
		if (fgets(mod, sizeof(mod), f))
			mod[strcspn(mod, "\n")] = '\0';
		fclose(f);
	}
	err = ipl_open(&h, device, 0);
	if (!err) {
		err = ipl_check_version(h, &ver);
		ipl_close(h);
	}
	if (err == -ENOENT)
		printf("module: not loaded (no %s)\n", device);
	else if (err)
		printf("module: %s: %s\n", device, strerror(-err));
	else
		printf("module %s, API version %u%s\n",
		       mod[0] ? mod : "(no version)", ver.api_version,
		       mod[0] && strcmp(mod, PD_VERSION) ? " (differs)" : "");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "configfs", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){
		.state_dir = "/var/lib/iscsi-portal",
		.configfs = "/sys/kernel/config",
		.device = ISCSI_PORTAL_DEVICE_PATH,
	};
	while ((c = getopt_long(argc, argv, "fs:c:d:p:t:vVh", longopts,
				NULL)) != -1) {
		char *end;
		unsigned long v;

		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 's':
			o->state_dir = optarg;
			break;
		case 'c':
			o->configfs = optarg;
			break;
		case 'd':
			o->device = optarg;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 't':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v < 1 || v > 600000) {
				fprintf(stderr, PD_NAME ": --timeout: 1 to 600000 ms\n");
				return PD_EXIT_USAGE;
			}
			o->timeout_ms = (unsigned int)v;
			break;
		case 'v':
			o->debug = true;
			break;
		case 'V':
			o->version = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(PD_EXIT_OK);
		default:
			fputs("Try 'iscsi-portald --help'.\n", stderr);
			return PD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PD_NAME ": unexpected argument '%s'\nTry 'iscsi-portald --help'.\n",
			argv[optind]);
		return PD_EXIT_USAGE;
	}
	if (o->version) {
		print_version(o->device);	/* of the --device given */
		exit(PD_EXIT_OK);
	}
	return 0;
}

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    (len = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   offsetof(struct sockaddr_un, sun_path) + len) < 0)
		pd_log(LOG_WARNING, "NOTIFY_SOCKET: %s", strerror(errno));
	close(fd);
}

/*
 * Into the background; the parent waits on @ready_fd's other end for the
 * child's exit status (0: ready) so that its own says whether the daemon
 * came up.
 */
static int daemonize(int *ready_fd)
{
	int pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid) {
		unsigned char st = PD_EXIT_FAIL;

		close(pipefd[1]);
		if (read(pipefd[0], &st, 1) != 1)
			st = PD_EXIT_FAIL;
		_exit(st);
	}
	close(pipefd[0]);
	setsid();
	if (chdir("/"))
		return -errno;
	*ready_fd = pipefd[1];
	return 0;
}

static void tell_parent(int *ready_fd, unsigned char st)
{
	int fd;

	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, &st, 1) != 1)
		pd_log(LOG_WARNING, "telling the parent: %s", strerror(errno));
	close(*ready_fd);
	*ready_fd = -1;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) ? -errno : 0;
}

/*
 * @path against the working directory, in @buf, since daemonize() changes
 * to /; an absolute one as it is (a symlink stays one, followed at each
 * use).  NULL when the result is too long or there is no working
 * directory.
 */
static const char *absolute(const char *path, char *buf, size_t len)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return path;
	if (!getcwd(cwd, sizeof(cwd)) ||
	    snprintf(buf, len, "%s/%s", cwd, path) >= (int)len)
		return NULL;
	return buf;
}

static int absolute_paths(struct opts *o)
{
	static char dir[PATH_MAX], cfs[PATH_MAX], dev[PATH_MAX], pid[PATH_MAX];
	const struct {
		const char **path, *option;
		char *buf;
	} v[] = {
		{ &o->state_dir, "--state-dir", dir },
		{ &o->configfs, "--configfs", cfs },
		{ &o->device, "--device", dev },
		{ &o->pidfile, "--pidfile", pid },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const char *abs;

		if (!*v[i].path)
			continue;	/* no --pidfile */
		errno = 0;
		abs = absolute(*v[i].path, v[i].buf, PATH_MAX);
		if (!abs) {
			pd_log(LOG_ERR, "%s %s: %s", v[i].option, *v[i].path,
			       errno == ERANGE || !errno ? "name too long" :
			       strerror(errno));
			return PD_EXIT_USAGE;
		}
		*v[i].path = abs;
	}
	return 0;
}

struct daemon {
	struct pd pd;
	struct ipl_handle *h;
	int prov, ifd, rtnl, sfd, tfd;
	bool quit;
};

static void arm_retry(struct daemon *d)
{
	struct itimerspec its = {
		.it_value.tv_nsec = RETRY_MS * 1000000L,
	};

	if (d->pd.retry)
		timerfd_settime(d->tfd, 0, &its, NULL);
}

/*
 * configfs changed (inotify): import, unless every event was the echo of
 * the daemon's own mkdir or rmdir.  Also before each SET, so that the
 * portal's list of TPGs is current.
 */
static void on_configfs(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	/* Whatever is left after a read this short fits no buffer of ours. */
	const ssize_t short_read = sizeof(buf) - PD_INOTIFY_EVENT_MAX;
	const char *why = NULL, *w;
	ssize_t len;

	/* Read again only after a full buffer: poll() tells of the rest. */
	while ((len = read(d->ifd, buf, sizeof(buf))) > 0) {
		w = pd_inotify_batch(&d->pd, buf, len);
		why = why ?: w;
		if (len < short_read)
			break;
	}
	pd_expect_clear(&d->pd);
	if (why) {
		pd_log(LOG_DEBUG, "configfs changed (%s): importing", why);
		pd_import(&d->pd, false);
	}
}

/* One request of the table, its result the reply (ipl_provider_serve()). */
static int on_request(struct ipl_handle *h,
		      const struct iscsi_portal_request *req, void *arg)
{
	struct daemon *d = arg;

	(void)h;
	switch (req->type) {
	case ISCSI_PORTAL_REQ_SET_STATUS:
		on_configfs(d);
		return pd_set_status(&d->pd, req->id, req->old_status,
				     req->new_status, req->flags);
	case ISCSI_PORTAL_REQ_REENUMERATE:
		return pd_import(&d->pd, false);
	case ISCSI_PORTAL_REQ_REFRESH:
		return pd_refresh(&d->pd);
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * A reply too late (the caller gave up): the table kept the old status;
 * the health pass after serve() then reports what LIO really has.
 */
static void on_late(struct ipl_handle *h,
		    const struct iscsi_portal_request *req, int result,
		    void *arg)
{
	struct daemon *d = arg;
	struct portal *p;

	(void)h;
	pd_log(LOG_WARNING, "the reply %d to request %llu came too late",
	       result, (unsigned long long)req->cookie);
	p = req->type == ISCSI_PORTAL_REQ_SET_STATUS ?
	    pd_find_id(&d->pd, req->id) : NULL;
	if (p)
		p->reported = req->old_status;
}

/* Every request waiting, then the reports they call for. */
static int serve(struct daemon *d)
{
	int n = ipl_provider_serve(d->h, on_request, on_late, d);

	pd_health(&d->pd);
	return n < 0 ? n : 0;
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			pd_log(LOG_INFO, "SIGHUP: importing LIO's portals again");
			pd_import(&d->pd, false);
		} else {
			pd_log(LOG_INFO, "signal %u: detaching",
			       si.ssi_signo);
			d->quit = true;
		}
	}
}

static int loop(struct daemon *d)
{
	while (!d->quit) {
		struct pollfd fds[] = {
			{ .fd = d->prov, .events = POLLIN },
			{ .fd = d->sfd, .events = POLLIN },
			{ .fd = d->ifd, .events = POLLIN },
			{ .fd = d->rtnl, .events = POLLIN },
			{ .fd = d->tfd, .events = POLLIN },
		};
		uint64_t ticks;
		int err;

		if (poll(fds, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			pd_log(LOG_ERR, "poll: %s", strerror(errno));
			return PD_EXIT_FAIL;
		}
		if (fds[0].revents) {
			err = serve(d);
			if (err < 0) {
				pd_log(LOG_ERR, "provider: %s", strerror(-err));
				return PD_EXIT_FAIL;
			}
		}
		if (fds[1].revents)
			on_signal(d);
		else if (fds[2].revents)
			on_configfs(d);
		else if (fds[3].revents && net_rtnl_drain(d->rtnl))
			pd_health(&d->pd);
		else if (fds[4].revents &&
			 read(d->tfd, &ticks, sizeof(ticks)) > 0)
			pd_import(&d->pd, false);
		arm_retry(d);
	}
	return PD_EXIT_OK;
}

static int open_fds(struct daemon *d, const struct opts *o)
{
	struct iscsi_portal_version ver;
	sigset_t mask;
	int err;

	err = ipl_open(&d->h, o->device, IPL_OPEN_RDWR | IPL_OPEN_NONBLOCK);
	if (err) {
		pd_log(LOG_ERR, "%s: %s", o->device, strerror(-err));
		return err;
	}
	err = ipl_check_version(d->h, &ver);
	if (!err && ver.api_version < IPL_API_VERSION_PROVIDERS)
		err = -EPROTONOSUPPORT;
	if (err) {
		pd_log(LOG_ERR, "%s: the module has no providers (API version 2): %s",
		       o->device, strerror(-err));
		return err;
	}
	d->prov = ipl_fd(d->h);
	err = ipl_provider_attach(d->h, PD_NAME, o->timeout_ms);
	if (err) {
		pd_log(LOG_ERR, "attaching as provider: %s", strerror(-err));
		return err;
	}
	d->rtnl = net_rtnl_open();
	if (d->rtnl < 0) {
		pd_log(LOG_ERR, "rtnetlink: %s", strerror(-d->rtnl));
		return d->rtnl;
	}
	d->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->ifd < 0 || d->tfd < 0 || d->sfd < 0) {
		err = -errno;
		pd_log(LOG_ERR, "inotify, timerfd, signalfd: %s",
		       strerror(-err));
		return err;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = { .pd.ifd = -1, .prov = -1, .ifd = -1, .rtnl = -1,
			    .sfd = -1, .tfd = -1 };
	char state_path[PATH_MAX], why[256];
	int ready_fd = -1, rc;
	struct opts o;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	pd_log_init(o.foreground, o.debug);
	rc = absolute_paths(&o);
	if (rc)
		return rc;
	if (snprintf(state_path, sizeof(state_path), "%s/" PD_STATE_FILE,
		     o.state_dir) >= (int)sizeof(state_path)) {
		pd_log(LOG_ERR, "--state-dir: name too long");
		return PD_EXIT_USAGE;
	}
	d.pd.cfs = o.configfs;
	d.pd.state_path = state_path;
	d.pd.ops = &pd_real_ops;

	/* The state file first: refused, nothing else is touched. */
	rc = pd_state_load(&d.pd, why, sizeof(why));
	if (rc) {
		pd_log(LOG_ERR, "state file %s refused: %s; LIO left untouched (move the file away to start afresh)",
		       state_path, why);
		return rc == -EUCLEAN || rc == -EPROTO ? PD_EXIT_STATE :
		       PD_EXIT_FAIL;
	}
	if (mkdir(o.state_dir, 0755) && errno != EEXIST) {
		pd_log(LOG_ERR, "%s: %s", o.state_dir, strerror(errno));
		return PD_EXIT_FAIL;
	}
	if (!o.foreground && daemonize(&ready_fd)) {
		pd_log(LOG_ERR, "fork: %s", strerror(errno));
		return PD_EXIT_FAIL;
	}
	rc = PD_EXIT_FAIL;
	if (open_fds(&d, &o))
		goto out;
	d.pd.ctx = d.h;
	d.pd.ifd = d.ifd;
	if (pd_import(&d.pd, true))
		goto out;
	if (o.pidfile && write_pidfile(o.pidfile)) {
		pd_log(LOG_ERR, "%s: %s", o.pidfile, strerror(errno));
		goto out;
	}
	pd_log(LOG_INFO, "ready: %zu portal(s), configfs %s, state %s",
	       d.pd.nportals, o.configfs, state_path);
	notify("READY=1");
	tell_parent(&ready_fd, PD_EXIT_OK);
	arm_retry(&d);
	rc = loop(&d);
	notify("STOPPING=1");
	if (o.pidfile)
		unlink(o.pidfile);
out:
	tell_parent(&ready_fd, (unsigned char)rc);
	/* Closing the provider fd orphans the portals; LIO is left as it is. */
	ipl_close(d.h);
	pd_free(&d.pd);
	return rc;
}
