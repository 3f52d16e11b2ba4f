// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the cost of every /dev/iscsi_portal call against the floor (an
 * unknown ioctl on the same fd) and against the configfs/sysfs attribute
 * a target stack exposes today.  CONTRACT.md section 9.
 *
 * This is a benchmark, not a test: it exits 0 whatever the figures are and
 * non-zero only when it could not measure (a call failed, a file is
 * missing).  It expects the module freshly loaded with an empty table and
 * max_portals >= 1000004, runs as root, and adds ~1,000,000 portals.
 *
 *   bench [--json FILE] [--attr PATH] [--reps N] [--rep-ms MS]
 *         [--portals N] [--list-portals N] [--perf PERF]
 *         [--portald IPORTALD [--portalctl PORTALCTL] [--lio-pairs N]]
 *
 * It also needs max_watchers >= 64: SET_STATUS is timed with 64 idle
 * watchers and with one that never reads, against SET_STATUS with none.
 * And it forks four processes that live through the one-portal figures:
 * two userspace providers (API version 2) and two pipe echoes, one of
 * each on CPU 0 and on CPU 1, for SET_STATUS through a provider against a
 * pipe round trip.
 *
 * Method: every figure is the median of --reps (>= 5) repetitions of a
 * timed loop (CLOCK_MONOTONIC around the whole loop, divided by the number
 * of calls); each loop is calibrated after a warm-up to last about --rep-ms.
 * The one-portal figures are measured interleaved (rep 1 of every call,
 * then rep 2, ...) so that drift hits them alike.  The main thread is
 * pinned to CPU 0; the two-thread figure pins one reader to each of CPU 0
 * and 1, each with an fd of its own and a portal of its own, and compares
 * their aggregate rate over a window of --rep-ms with the rate of one
 * reader on CPU 0 ("two readers on two CPUs" below).
 *
 * --perf PERF (make bench PERF=1): before the timed figures of GET_STATUS
 * and SET_STATUS with one portal, of GET_STATUS with 1M portals and one id
 * and with 1M portals and random ids, run that loop for as long as
 * "PERF record -a" samples the CPU clock, and print where the samples
 * fell: by symbol, and by instruction inside the module.  Not part of the
 * figures.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/iscsi_portal.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define MAX_REPS	64
#define DEF_ATTR	"/sys/kernel/config/target/iscsi/" \
			"iqn.2003-01.org.example.bench:t1/tpgt_1/enable"
/* An ioctl number no command uses: the floor (ENOTTY). */
#define NULL_IOC	_IOWR(ISCSI_PORTAL_IOC_MAGIC, 0x7f, \
			      struct iscsi_portal_status_arg)
#define LIST_PAGE	256
/*
 * A run is flagged when the null ioctl's median inside a phase is above
 * NOISY times its fastest repetition (then most repetitions were slowed,
 * and a median no longer hides them), or its median moved by more than
 * NOISY between the one-portal and the 1M-portal phases.
 */
#define NOISY		1.10

static int reps = 7;
static double rep_ms = 300;
static long n_portals = 1000000;
static long n_list = 100000;
static const char *attr_path = DEF_ATTR;
static const char *json_path;
static const char *perf_path;

static int dev_fd;
/* Time the loop being timed spent on work that is not its calls. */
static double untimed_ns;

static void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	exit(1);
}

/* die() for a failure that no call reported: no errno. */
#define die_plain(...)	(errno = 0, die(__VA_ARGS__))

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(cpu %d)", cpu);
}

/* --- statistics ----------------------------------------------------------- */

struct fig {
	double med, min, max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct fig summarize(const double *v, int n)
{
	double s[MAX_REPS];
	struct fig f;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	f.min = s[0];
	f.max = s[n - 1];
	f.med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return f;
}

/* A parameter of the loaded module. */
static long read_param(const char *name)
{
	char path[128];
	long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/iscsi_portal/parameters/%s",
		 name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &v) != 1 || v < 1)
		die("read %s", path);
	fclose(f);
	return v;
}

/* --- the calls ------------------------------------------------------------ */

static uint64_t portal_a, portal_b;

static void add_portal(int fd, uint32_t ip, uint64_t *id)
{
	struct iscsi_portal_add a;

	memset(&a, 0, sizeof(a));
	a.addr.family = AF_INET;
	a.addr.port = 3260;
	a.addr.addr[0] = ip >> 24;
	a.addr.addr[1] = ip >> 16;
	a.addr.addr[2] = ip >> 8;
	a.addr.addr[3] = ip;
	a.status = ISCSI_PORTAL_STATUS_ONLINE;
	if (ioctl(fd, ISCSI_PORTAL_IOC_ADD, &a))
		die("ADD %u.%u.%u.%u:3260", ip >> 24, (ip >> 16) & 255,
		    (ip >> 8) & 255, ip & 255);
	*id = a.id;
}

static void loop_version(long n)
{
	struct iscsi_portal_version v;

	for (long i = 0; i < n; i++)
		if (ioctl(dev_fd, ISCSI_PORTAL_IOC_VERSION, &v))
			die("VERSION");
}

static void get_status_loop(int fd, uint64_t id, long n)
{
	struct iscsi_portal_status_arg arg = { .id = id };

	for (long i = 0; i < n; i++)
		if (ioctl(fd, ISCSI_PORTAL_IOC_GET_STATUS, &arg))
			die("GET_STATUS %" PRIu64, id);
}

/* The floor; also the control of the two-reader figure. */
static void null_loop(int fd, uint64_t id, long n)
{
	struct iscsi_portal_status_arg arg = { .id = id };

	for (long i = 0; i < n; i++)
		if (ioctl(fd, NULL_IOC, &arg) != -1 || errno != ENOTTY)
			die("null ioctl did not fail with ENOTTY");
}

static void loop_null(long n)
{
	null_loop(dev_fd, portal_a, n);
}

static void loop_get_status(long n)
{
	get_status_loop(dev_fd, portal_a, n);
}

static void loop_get_info(long n)
{
	struct iscsi_portal_info info = { .id = portal_a };

	for (long i = 0; i < n; i++) {
		info.id = portal_a;
		if (ioctl(dev_fd, ISCSI_PORTAL_IOC_GET_INFO, &info))
			die("GET_INFO");
	}
}

/* Alternating ONLINE/OFFLINE: every call is a real, committed change. */
static void loop_set_status(long n)
{
	static uint32_t next = ISCSI_PORTAL_STATUS_OFFLINE;
	struct iscsi_portal_status_arg arg = { .id = portal_a };

	for (long i = 0; i < n; i++) {
		arg.status = next;
		arg.flags = 0;
		if (ioctl(dev_fd, ISCSI_PORTAL_IOC_SET_STATUS, &arg))
			die("SET_STATUS");
		next = next == ISCSI_PORTAL_STATUS_OFFLINE ?
		       ISCSI_PORTAL_STATUS_ONLINE : ISCSI_PORTAL_STATUS_OFFLINE;
	}
}

/*
 * SET_STATUS with watchers, interleaved with set_status_ns (no watcher):
 * with 64 idle watchers, whose queues are drained every half queue with
 * the clock stopped, so that every SET queues a record to each of them;
 * and with one watcher that never reads, overflowed before the clock
 * starts, so that every SET finds its queue full (the figure
 * events_test's unread_watcher_does_not_slow_writers used to time).  A
 * figure's watchers exist only for its own repetitions.
 */
#define N_IDLE		64

static int watchers[N_IDLE];
static int n_watchers;
static long want_overflows;	/* OVERFLOW records they must hold at the end */
static long queue_len;		/* the module's event_queue_len */
static long queued;		/* SETs since the last drain */

static void watch(int n, long overflows)
{
	for (n_watchers = 0; n_watchers < n; n_watchers++) {
		int w = open(ISCSI_PORTAL_DEVICE_PATH, O_RDONLY | O_NONBLOCK);

		if (w < 0 || ioctl(w, ISCSI_PORTAL_IOC_WATCH))
			die("WATCH (watcher %d; max_watchers too low?)",
			    n_watchers + 1);
		watchers[n_watchers] = w;
	}
	want_overflows = overflows;
	queued = 0;
}

/* Read every watcher's queue empty; the number of OVERFLOW records. */
static long drain(void)
{
	struct iscsi_portal_event ev[256];
	long overflows = 0;
	ssize_t got;

	for (int i = 0; i < n_watchers; i++) {
		while ((got = read(watchers[i], ev, sizeof(ev))) > 0)
			for (size_t k = 0; k < got / sizeof(ev[0]); k++)
				overflows += ev[k].type ==
					     ISCSI_PORTAL_EVENT_OVERFLOW;
		if (!got || errno != EAGAIN)
			die("read a watcher");
	}
	queued = 0;
	return overflows;
}

static void unwatch(void)
{
	long overflows = drain();

	if (overflows != want_overflows)
		die_plain("%d watchers held %ld OVERFLOW records, want %ld",
			  n_watchers, overflows, want_overflows);
	while (n_watchers)
		close(watchers[--n_watchers]);
}

static void watch_idle(void)
{
	watch(N_IDLE, 0);
}

static void watch_unread(void)
{
	watch(1, 1);
	loop_set_status(queue_len + 1);
}

static void loop_set_idle_watchers(long n)
{
	long half = queue_len > 1 ? queue_len / 2 : 1;

	while (n) {
		long k = half - queued < n ? half - queued : n;
		double t0;

		loop_set_status(k);
		queued += k;
		n -= k;
		if (queued == half) {
			t0 = now_ns();
			if (drain())
				die_plain("an idle watcher overflowed");
			untimed_ns += now_ns() - t0;
		}
	}
}

/* The way tools read target state today: open, read, close. */
static char attr_value[64];
static size_t attr_len;

static void loop_attr_read(long n)
{
	char buf[64];

	for (long i = 0; i < n; i++) {
		int fd = open(attr_path, O_RDONLY);

		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
			die("read %s", attr_path);
		close(fd);
	}
}

/* ... and write it: the same value, open, write, close. */
static void loop_attr_write(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(attr_path, O_WRONLY);

		if (fd < 0 || write(fd, attr_value, attr_len) != (ssize_t)attr_len)
			die("write '%.*s' to %s", (int)attr_len, attr_value,
			    attr_path);
		close(fd);
	}
}

/* --- asking another process ----------------------------------------------- */

/*
 * SET_STATUS of a portal whose provider is another process, against the
 * least it can cost to ask another process at all: a pipe round trip.
 * The other processes are forked once, before the one-portal figures, and
 * sleep in read() until asked.  Each is pinned, like this one: the peer of
 * the figure on CPU 0 with us, the peer of its control on CPU 1.
 *
 * A provider is an fd of its own that called PROVIDER_ATTACH and ADDed its
 * portal; its process reads one request at a time and answers each with
 * result 0 at once.  The SETs alternate ONLINE and OFFLINE, so every one
 * is a change and reaches the provider.  An echo reads a byte from one
 * pipe and writes it back on another; the round trip is our write and our
 * read of the byte that comes back.
 */
enum { PEER_CPU0, PEER_CPU1, N_PEERS };

struct provider {
	pid_t pid;
	uint64_t id;		/* its portal */
	uint32_t next;		/* the status the next SET asks for */
};

struct echo {
	pid_t pid;
	int to, from;		/* our ends of its two pipes */
};

static struct provider providers[N_PEERS];
static struct echo echoes[N_PEERS];

/* A peer cannot report through die(): it must not flush our stdio. */
static void peer_fail(const char *what)
{
	fprintf(stderr, "bench: peer %d: %s: %s\n", (int)getpid(), what,
		strerror(errno));
	_exit(1);
}

/*
 * Fork a peer pinned to @cpu that keeps fds @a and @b (or -1) and closes
 * every other one of ours, so that the fds of a peer stopped later do not
 * stay open in it.  It dies with us.  Returns 0 in the peer.
 */
static pid_t peer_fork(int cpu, int a, int b)
{
	int keep[2] = { a < b ? a : b, a < b ? b : a };
	unsigned int from = 3;
	cpu_set_t set;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid)
		return pid;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		peer_fail("PR_SET_PDEATHSIG");
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		peer_fail("sched_setaffinity");
	for (int i = 0; i < 2; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned int)keep[i] > from &&
		    close_range(from, keep[i] - 1, 0))
			peer_fail("close_range");
		from = keep[i] + 1;
	}
	if (close_range(from, ~0U, 0))
		peer_fail("close_range");
	return 0;
}

static void provider_main(int fd, uint64_t id)
{
	struct iscsi_portal_request req;
	struct iscsi_portal_reply rep = { .result = 0 };
	ssize_t got;

	for (;;) {
		got = read(fd, &req, sizeof(req));
		if (got < 0 && errno == EINTR)
			continue;
		if (got != sizeof(req))
			peer_fail("read a request");
		if (req.type != ISCSI_PORTAL_REQ_SET_STATUS || req.id != id) {
			errno = EPROTO;
			peer_fail("not a SET_STATUS of our portal");
		}
		rep.cookie = req.cookie;
		if (ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_REPLY, &rep))
			peer_fail("PROVIDER_REPLY");
	}
}

static void provider_start(struct provider *pv, int cpu)
{
	struct iscsi_portal_provider_attach at = { .flags = 0, .timeout_ms = 0 };
	int fd = open(ISCSI_PORTAL_DEVICE_PATH, O_RDWR);

	snprintf(at.name, sizeof(at.name), "bench-cpu%d", cpu);
	if (fd < 0 || ioctl(fd, ISCSI_PORTAL_IOC_PROVIDER_ATTACH, &at))
		die("PROVIDER_ATTACH %s", at.name);
	add_portal(fd, 0xc0000203 + cpu, &pv->id);	/* 192.0.2.3, .4 */
	pv->next = ISCSI_PORTAL_STATUS_OFFLINE;
	pv->pid = peer_fork(cpu, fd, -1);
	if (!pv->pid)
		provider_main(fd, pv->id);
	close(fd);	/* the peer's is the provider's last reference */
}

static void echo_main(int in, int out)
{
	char c;
	ssize_t got;

	for (;;) {
		got = read(in, &c, 1);
		if (!got)
			_exit(0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != 1 || write(out, &c, 1) != 1)
			peer_fail("echo");
	}
}

static void echo_start(struct echo *e, int cpu)
{
	int to[2], from[2];

	if (pipe(to) || pipe(from))
		die("pipe");
	e->pid = peer_fork(cpu, to[0], from[1]);
	if (!e->pid)
		echo_main(to[0], from[1]);
	close(to[0]);
	close(from[1]);
	e->to = to[1];
	e->from = from[0];
}

static void peers_start(void)
{
	for (int cpu = 0; cpu < N_PEERS; cpu++) {
		provider_start(&providers[cpu], cpu);
		echo_start(&echoes[cpu], cpu);
	}
}

/* Reap @pid, which must end by @sig (0: exit with status 0). */
static void reap(pid_t pid, int sig, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid %s", what);
	if (sig ? !WIFSIGNALED(status) || WTERMSIG(status) != sig :
		  !WIFEXITED(status) || WEXITSTATUS(status))
		die_plain("%s ended with status %#x", what, status);
}

/*
 * Stop the peers: an echo at the end of its pipe, a provider by SIGTERM
 * in its read() (its fd closes and its portal becomes an orphan).
 */
static void peers_stop(void)
{
	for (int cpu = 0; cpu < N_PEERS; cpu++) {
		close(echoes[cpu].to);
		reap(echoes[cpu].pid, 0, "echo");
		close(echoes[cpu].from);
		if (kill(providers[cpu].pid, SIGTERM))
			die("kill provider");
		reap(providers[cpu].pid, SIGTERM, "provider");
	}
}

static void provider_set_loop(struct provider *pv, long n)
{
	struct iscsi_portal_status_arg arg = { .id = pv->id };

	for (long i = 0; i < n; i++) {
		arg.status = pv->next;
		arg.flags = 0;
		if (ioctl(dev_fd, ISCSI_PORTAL_IOC_SET_STATUS, &arg))
			die("SET_STATUS through a provider");
		pv->next = pv->next == ISCSI_PORTAL_STATUS_OFFLINE ?
			   ISCSI_PORTAL_STATUS_ONLINE :
			   ISCSI_PORTAL_STATUS_OFFLINE;
	}
}

static void pipe_rtt_loop(const struct echo *e, long n)
{
	char c = 0;

	for (long i = 0; i < n; i++)
		if (write(e->to, &c, 1) != 1 || read(e->from, &c, 1) != 1)
			die("pipe round trip");
}

static void loop_provider_set(long n)
{
	provider_set_loop(&providers[PEER_CPU0], n);
}

static void loop_pipe_rtt(long n)
{
	pipe_rtt_loop(&echoes[PEER_CPU0], n);
}

static void loop_provider_set_2cpu(long n)
{
	provider_set_loop(&providers[PEER_CPU1], n);
}

static void loop_pipe_rtt_2cpu(long n)
{
	pipe_rtt_loop(&echoes[PEER_CPU1], n);
}

/* 1,000,000 portals: GET_STATUS of random ids, drawn before timing. */
static uint64_t *rand_ids;
static long n_rand;

static uint64_t first_1m;

/* Controls at 1M portals: one id over and over, and ascending ids. */
static void loop_get_status_same(long n)
{
	get_status_loop(dev_fd, first_1m + n_portals / 2, n);
}

static void loop_get_status_seq(long n)
{
	struct iscsi_portal_status_arg arg;
	static long pos;

	for (long i = 0; i < n; i++) {
		arg.id = first_1m + pos;
		if (++pos == n_portals)
			pos = 0;
		if (ioctl(dev_fd, ISCSI_PORTAL_IOC_GET_STATUS, &arg))
			die("GET_STATUS %" PRIu64, arg.id);
	}
}

/*
 * The random ids folded into the first @mask + 1 portals (a power of two;
 * all of them with mask ~0): controls with a smaller window show how a
 * random lookup's cost grows with the memory it reaches (under TCG, with
 * the data pages missing from QEMU's software TLB).  A mask, not a
 * division, so the loop adds next to nothing to the call it times.
 */
static void get_status_rand_loop(long n, uint64_t mask)
{
	struct iscsi_portal_status_arg arg;
	static long pos;

	for (long i = 0; i < n; i++) {
		arg.id = first_1m + ((rand_ids[pos] - first_1m) & mask);
		if (++pos == n_rand)
			pos = 0;
		if (ioctl(dev_fd, ISCSI_PORTAL_IOC_GET_STATUS, &arg))
			die("GET_STATUS %" PRIu64, arg.id);
	}
}

static void loop_get_status_rand(long n)
{
	get_status_rand_loop(n, ~0ULL);
}

static void loop_get_status_rand_16k(long n)
{
	get_status_rand_loop(n, 16384 - 1);
}

static void loop_get_status_rand_128k(long n)
{
	get_status_rand_loop(n, 131072 - 1);
}

/* --- LIO through iscsi-portald (--portald) -------------------------------- */

/*
 * CONTRACT section 9: OFFLINE then ONLINE of a LIO portal through
 * portalctl and the bridge (iscsi-portald, a userspace provider, started
 * here and pinned to our CPU like the provider peers) against the same np
 * rmdir and mkdir done directly, as commands (coreutils' rmdir and mkdir:
 * a process each, as portalctl is); the same through the device's ioctl
 * against the two system calls, which leaves only the daemon's own cost;
 * and how long a portal's FAILED takes to reach a watcher after its
 * address is deleted.
 *
 * The nps: 127.0.0.1:3260 in t1's tpgt_1 only (the figure),
 * 127.0.0.1:3262 in the tpgt_1 of t1 and t2 (the np shared by two
 * targets, a control), and 192.0.2.1:3263 in t1, whose address is on no
 * interface at first (FAILED).  vm-bench.sh makes the two targets.  The
 * direct pairs (and the replica pairs: the daemon's system calls of a
 * pair, made here) are done with the daemon stopped (SIGSTOP), so that it
 * does not import each of them (their inotify events wait for SIGCONT,
 * and after them the np is back, so the import changes nothing); an
 * untimed pair through the daemon after SIGCONT absorbs that import.
 * Every call is timed on its own: each repetition gives the mean of
 * --lio-pairs pairs, and of each half.
 */
#define LIO_T1		"/sys/kernel/config/target/iscsi/iqn.2003-01.org.example.bench:t1/tpgt_1"
#define LIO_T2		"/sys/kernel/config/target/iscsi/iqn.2003-01.org.example.bench:t2/tpgt_1"
#define NP_SINGLE	"127.0.0.1:3260"
#define NP_SHARED	"127.0.0.1:3262"
#define NP_FAILED	"192.0.2.1:3263"
#define FAILED_IP	0xc0000201	/* 192.0.2.1 */
#define PORTALD_DIR	"/tmp/portald"
#define PORTALD_PID	"/tmp/portald.pid"
#define PORTALD_LOG	"/tmp/portald.log"
#define REPLICA_DIR	"/tmp/replica"
/* coreutils' (run.sh stages them; busybox's applets are in /bin). */
#define RMDIR_CMD	"/usr/lib/bench/rmdir"
#define MKDIR_CMD	"/usr/lib/bench/mkdir"

static struct iscsi_portal_info *list_buf;	/* LIST_PAGE entries */
static void shell(const char *cmd);
static const char *portald_path;
static const char *portalctl_path = "/bin/portalctl";
static int lio_pairs = 16;
static int ctl_pairs = 4;
static pid_t portald_pid;
static uint64_t id_single, id_shared, id_failed;

static const char *const nps_single[] = { LIO_T1 "/np/" NP_SINGLE, NULL };
static const char *const nps_shared[] = { LIO_T1 "/np/" NP_SHARED,
					  LIO_T2 "/np/" NP_SHARED, NULL };

/* A figure of this phase: a mean per repetition, and of its two halves. */
struct lio_fig {
	const char *key, *what;
	double v[MAX_REPS], a[MAX_REPS], b[MAX_REPS];
	struct fig f, fa, fb;
};

enum { L_CTL, L_CMD, L_PAIR, L_DIRECT, L_SH_PAIR, L_SH_DIRECT, L_REPLICA,
       L_STATE, N_LIO };
static struct lio_fig lio[N_LIO] = {
	[L_CTL] = { "lio_portalctl_pair_ns", "portalctl set ID offline + online through iscsi-portald (a process each)" },
	[L_CMD] = { "lio_command_pair_ns", "rmdir + mkdir of the same np as commands (coreutils, a process each)" },
	[L_PAIR] = { "lio_offline_online_ns", "SET OFFLINE + SET ONLINE through iscsi-portald, np of one TPG (halves: OFFLINE, ONLINE)" },
	[L_DIRECT] = { "lio_direct_rmdir_mkdir_ns", "rmdir + mkdir of the same np on configfs (halves: rmdir, mkdir)" },
	[L_SH_PAIR] = { "lio_shared_offline_online_ns", "control: the same through iscsi-portald, np shared by two targets" },
	[L_SH_DIRECT] = { "lio_shared_direct_ns", "control: rmdir + mkdir of the shared np in both TPGs" },
	[L_REPLICA] = { "(lio replica pair)", "the daemon's system calls of a pair, rmdir and mkdir included, done here (no round trip)" },
	[L_STATE] = { "(lio replica: state save)", "the daemon's state save done here: open dir, openat, write, fdatasync, close, renameat, fsync dir, close (/tmp)" },
};

#define N_FAIL_REPS	MAX_REPS
static double fail_v[N_FAIL_REPS], back_v[N_FAIL_REPS];
static struct fig fail_f, back_f;

static void lio_mkdir(const char *path)
{
	if (mkdir(path, 0755))
		die("mkdir %s", path);
}

static void lio_rmdir(const char *path)
{
	if (rmdir(path))
		die("rmdir %s", path);
}

/* The portal of @ip:@port in the table (the daemon's), or 0. */
static uint64_t find_portal(uint32_t ip, uint16_t port)
{
	const struct iscsi_portal_info *info = list_buf;
	struct iscsi_portal_list l;
	const uint8_t want[4] = { ip >> 24, ip >> 16, ip >> 8, ip };

	memset(&l, 0, sizeof(l));
	l.entries = (uintptr_t)list_buf;
	do {
		l.capacity = LIST_PAGE;
		if (ioctl(dev_fd, ISCSI_PORTAL_IOC_LIST, &l))
			die("LIST");
		for (unsigned int i = 0; i < l.count; i++)
			if (info[i].addr.family == AF_INET &&
			    info[i].addr.port == port &&
			    !memcmp(info[i].addr.addr, want, 4))
				return info[i].id;
	} while (l.cursor);
	return 0;
}

static void portald_start(void)
{
	struct stat st;
	int fd;

	unlink(PORTALD_PID);
	fflush(NULL);
	portald_pid = fork();
	if (portald_pid < 0)
		die("fork");
	if (!portald_pid) {
		fd = open(PORTALD_LOG, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			peer_fail(PORTALD_LOG);
		setsid();
		execl(portald_path, "iscsi-portald", "--foreground",
		      "--state-dir", PORTALD_DIR, "--pidfile", PORTALD_PID,
		      (char *)NULL);
		peer_fail(portald_path);
	}
	for (int i = 0; i < 300 && stat(PORTALD_PID, &st); i++)
		usleep(100000);
	if (stat(PORTALD_PID, &st))
		die("%s not ready in 30 s (see %s)", portald_path, PORTALD_LOG);
	id_single = find_portal(0x7f000001, 3260);
	id_shared = find_portal(0x7f000001, 3262);
	id_failed = find_portal(FAILED_IP, 3263);
	if (!id_single || !id_shared || !id_failed)
		die_plain("iscsi-portald imported no portal for an np of the bench");
}

static void portald_stop(void)
{
	if (kill(portald_pid, SIGTERM))
		die("kill iscsi-portald");
	reap(portald_pid, 0, "iscsi-portald");
}

static void set_status(uint64_t id, uint32_t status)
{
	struct iscsi_portal_status_arg arg = { .id = id, .status = status };

	if (ioctl(dev_fd, ISCSI_PORTAL_IOC_SET_STATUS, &arg))
		die("SET_STATUS %" PRIu64 " %u through iscsi-portald", id,
		    status);
}

/*
 * @n pairs of @half (false: its first call, true: its second) on @arg
 * into @f's repetition @r, each call timed on its own.
 */
static void time_pairs(struct lio_fig *f, int r, int n,
		       void (*half)(const void *arg, bool second),
		       const void *arg)
{
	double a = 0, b = 0, t0, t1, t2;

	for (int i = 0; i < n; i++) {
		t0 = now_ns();
		half(arg, false);
		t1 = now_ns();
		half(arg, true);
		t2 = now_ns();
		a += t1 - t0;
		b += t2 - t1;
	}
	f->a[r] = a / n;
	f->b[r] = b / n;
	f->v[r] = (a + b) / n;
}

/* Through the daemon: SET OFFLINE, then ONLINE, of the portal *@arg. */
static void daemon_half(const void *arg, bool second)
{
	set_status(*(const uint64_t *)arg, second ? ISCSI_PORTAL_STATUS_ONLINE :
			ISCSI_PORTAL_STATUS_OFFLINE);
}

static void daemon_pairs(struct lio_fig *f, int r, uint64_t id, int n)
{
	time_pairs(f, r, n, daemon_half, &id);
}

/* Directly: rmdir, then mkdir, of each np of the NULL-ended @arg. */
static void direct_half(const void *arg, bool second)
{
	for (const char *const *np = arg; *np; np++) {
		if (second)
			lio_mkdir(*np);
		else
			lio_rmdir(*np);
	}
}

/* Run @argv (argv[0] a path), wait, fail unless it exits 0. */
static void run_cmd(char *const argv[])
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		execv(argv[0], argv);
		_exit(127);
	}
	reap(pid, 0, argv[0]);
}

static void portalctl_set(uint64_t id, const char *status)
{
	char ids[24];
	char *const argv[] = { (char *)portalctl_path, "set", ids,
			       (char *)status, NULL };

	snprintf(ids, sizeof(ids), "%" PRIu64, id);
	run_cmd(argv);
}

/* portalctl set ID offline, then online, of the portal *@arg. */
static void portalctl_half(const void *arg, bool second)
{
	portalctl_set(*(const uint64_t *)arg, second ? "online" : "offline");
}

/* The same np out and back by commands, as a user would do it directly. */
static void command_half(const void *arg, bool second)
{
	char *const rm[] = { RMDIR_CMD, (char *)arg, NULL };
	char *const mk[] = { MKDIR_CMD, (char *)arg, NULL };

	run_cmd(second ? mk : rm);
}

/* What pd_state_save() does, on a state file of the same size. */
static void replica_state_save(void)
{
	static const char text[] =
		"{\n  \"version\": 1,\n  \"portals\": [\n"
		"    { \"address\": \"127.0.0.1:3260\", \"id\": 1, \"offline\": true,\n"
		"      \"nps\": [\n        { \"target\": \"iqn.2003-01.org.example.bench:t1\", \"tpgt\": 1, \"name\": \"127.0.0.1:3260\",\n"
		"          \"attributes\": { \"cxgbit\": \"0\", \"iser\": \"0\" } }\n      ] },\n"
		"    { \"address\": \"127.0.0.1:3262\", \"id\": 2, \"offline\": false },\n"
		"    { \"address\": \"192.0.2.1:3263\", \"id\": 3, \"offline\": false }\n  ]\n}\n";
	int dfd = open(REPLICA_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;

	if (dfd < 0)
		die("open " REPLICA_DIR);
	fd = openat(dfd, "state.json.tmp",
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, sizeof(text) - 1) != sizeof(text) - 1 ||
	    fdatasync(fd) || close(fd) ||
	    renameat(dfd, "state.json.tmp", dfd, "state.json") || fsync(dfd) ||
	    close(dfd))
		die("replica state save");
}

/*
 * A pair with every system call the daemon makes for it (strace of
 * trace_portald()), done here: OFFLINE reads its inotify fd, saves the
 * state, removes the np and logs; ONLINE reads the inotify fd (its
 * rmdir's echo), makes the np, watches it, saves and logs.
 */
struct replica {
	int ifd, log;
};

static void replica_half(const void *arg, bool second)
{
	static const char line[] = "iscsi-portald: info: set portal 3 (127.0.0.1:3260) offline: done\n";
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct replica *rp = arg;
	/* "online: done" is a byte shorter than "offline: done". */
	size_t len = sizeof(line) - (second ? 2 : 1);

	if (read(rp->ifd, buf, sizeof(buf)) < 0 && errno != EAGAIN)
		die("replica inotify read");
	if (second) {
		lio_mkdir(nps_single[0]);
		if (inotify_add_watch(rp->ifd, nps_single[0],
				      IN_MODIFY | IN_ONLYDIR) < 0)
			die("inotify_add_watch %s", nps_single[0]);
		replica_state_save();
	} else {
		replica_state_save();
		lio_rmdir(nps_single[0]);
	}
	if (write(rp->log, line, len) != (ssize_t)len)
		die("replica log");
}

static void replica_pairs(int r, int n)
{
	struct replica rp = {
		.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC),
		.log = open(REPLICA_DIR "/log",
			    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644),
	};

	if (rp.log < 0 || rp.ifd < 0 ||
	    inotify_add_watch(rp.ifd, LIO_T1 "/np", IN_CREATE | IN_DELETE |
			      IN_ONLYDIR) < 0)
		die(REPLICA_DIR "/log, inotify");
	time_pairs(&lio[L_REPLICA], r, n, replica_half, &rp);
	close(rp.log);
	close(rp.ifd);
}

static void replica_rep(int r, int n)
{
	double t0;

	t0 = now_ns();
	for (int i = 0; i < n; i++)
		replica_state_save();
	lio[L_STATE].v[r] = (now_ns() - t0) / n;
	lio[L_STATE].a[r] = lio[L_STATE].b[r] = lio[L_STATE].v[r];
}

/* RTM_NEWADDR or RTM_DELADDR of 192.0.2.1/32 on lo, what ip addr does. */
static void lo_addr(int nl, int type)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
		struct rtattr rta;
		uint32_t addr;
	} req;
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} ack;
	ssize_t got;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			    (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = 32;
	req.ifa.ifa_scope = RT_SCOPE_HOST;
	req.ifa.ifa_index = if_nametoindex("lo");
	req.rta.rta_type = IFA_LOCAL;
	req.rta.rta_len = RTA_LENGTH(sizeof(req.addr));
	req.addr = htonl(FAILED_IP);
	if (!req.ifa.ifa_index)
		die("if_nametoindex lo");
	if (send(nl, &req, sizeof(req), 0) != sizeof(req))
		die("rtnetlink send");
	got = recv(nl, &ack, sizeof(ack), 0);
	if (got < (ssize_t)sizeof(ack) || ack.h.nlmsg_type != NLMSG_ERROR)
		die("rtnetlink ack");
	if (ack.e.error) {
		errno = -ack.e.error;
		die("%s 192.0.2.1/32 dev lo",
		    type == RTM_NEWADDR ? "ip addr add" : "ip addr del");
	}
}

/* Block on watcher @w until the MODIFY of @id to @status: the time then. */
static double wait_modify(int w, uint64_t id, uint32_t status)
{
	struct iscsi_portal_event ev[64];
	struct pollfd p = { .fd = w, .events = POLLIN };
	ssize_t got;

	for (;;) {
		int rc = poll(&p, 1, 20000);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			die_plain("no MODIFY of portal %" PRIu64 " to %u in 20 s",
				  id, status);
		got = read(w, ev, sizeof(ev));
		if (got < 0 && errno == EAGAIN)
			continue;
		if (got <= 0)
			die("read the watcher");
		for (size_t k = 0; k < got / sizeof(ev[0]); k++)
			if (ev[k].type == ISCSI_PORTAL_EVENT_MODIFY &&
			    ev[k].id == id && ev[k].new_status == status)
				return now_ns();
	}
}

static void failed_latency(void)
{
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int w = open(ISCSI_PORTAL_DEVICE_PATH, O_RDONLY | O_NONBLOCK);
	struct iscsi_portal_status_arg arg = { .id = id_failed };
	double t0;

	if (nl < 0)
		die("rtnetlink socket");
	if (w < 0 || ioctl(w, ISCSI_PORTAL_IOC_WATCH))
		die("WATCH");
	if (ioctl(dev_fd, ISCSI_PORTAL_IOC_GET_STATUS, &arg))
		die("GET_STATUS");
	if (arg.status != ISCSI_PORTAL_STATUS_FAILED)
		die_plain("portal %s is %u, not FAILED, with its address on no interface",
			  NP_FAILED, arg.status);
	for (int r = 0; r < reps; r++) {
		t0 = now_ns();
		lo_addr(nl, RTM_NEWADDR);
		back_v[r] = wait_modify(w, id_failed, ISCSI_PORTAL_STATUS_ONLINE) - t0;
		usleep(50000);
		t0 = now_ns();
		lo_addr(nl, RTM_DELADDR);
		fail_v[r] = wait_modify(w, id_failed, ISCSI_PORTAL_STATUS_FAILED) - t0;
		usleep(50000);
	}
	fail_f = summarize(fail_v, reps);
	back_f = summarize(back_v, reps);
	close(w);
	close(nl);
}

/*
 * Diagnosis, not a figure (with strace in the VM): the daemon's system
 * calls during two pairs, each with its time (strace -T), printed.
 */
#define STRACE		"/usr/bin/strace"
#define TRACE_OUT	"/tmp/portald.strace"

static void trace_portald(void)
{
	char pid[16];
	pid_t st;

	snprintf(pid, sizeof(pid), "%d", (int)portald_pid);
	fflush(NULL);
	st = fork();
	if (st < 0)
		die("fork");
	if (!st) {
		execl(STRACE, "strace", "-q", "-T", "-r", "-o", TRACE_OUT,
		      "-p", pid, (char *)NULL);
		_exit(127);
	}
	sleep(2);
	daemon_pairs(&lio[L_SH_PAIR], MAX_REPS - 1, id_single, 2);
	sleep(1);
	if (kill(st, SIGINT))
		die("kill strace");
	waitpid(st, NULL, 0);
	printf("\nstrace -T -r of iscsi-portald during two pairs (diagnosis):\n");
	shell("cat " TRACE_OUT);
}

static void time_lio(void)
{
	static const char *const mine[] = {
		LIO_T1 "/np/" NP_SINGLE, LIO_T1 "/np/" NP_SHARED,
		LIO_T2 "/np/" NP_SHARED, LIO_T1 "/np/" NP_FAILED,
	};

	printf("bench: LIO through %s: %d pairs per repetition...\n",
	       portald_path, lio_pairs);
	fflush(stdout);
	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
		lio_mkdir(mine[i]);
	if (mkdir(REPLICA_DIR, 0755) && errno != EEXIST)
		die("mkdir " REPLICA_DIR);
	portald_start();

	/* Warm-up: a repetition of each, untimed (rep 0 overwritten). */
	daemon_pairs(&lio[L_PAIR], 0, id_single, 2);
	daemon_pairs(&lio[L_SH_PAIR], 0, id_shared, 2);
	for (int r = 0; r < reps; r++) {
		daemon_pairs(&lio[L_PAIR], r, id_single, lio_pairs);
		if (kill(portald_pid, SIGSTOP))
			die("SIGSTOP iscsi-portald");
		time_pairs(&lio[L_DIRECT], r, lio_pairs, direct_half,
			   nps_single);
		time_pairs(&lio[L_SH_DIRECT], r, lio_pairs, direct_half,
			   nps_shared);
		replica_pairs(r, lio_pairs);
		time_pairs(&lio[L_CMD], r, ctl_pairs, command_half,
			   nps_single[0]);
		if (kill(portald_pid, SIGCONT))
			die("SIGCONT iscsi-portald");
		daemon_pairs(&lio[L_SH_PAIR], r, id_shared, 1);	/* the import */
		daemon_pairs(&lio[L_SH_PAIR], r, id_shared, lio_pairs);
		time_pairs(&lio[L_CTL], r, ctl_pairs, portalctl_half,
			   &id_single);
		replica_rep(r, lio_pairs);
	}
	for (int i = 0; i < N_LIO; i++) {
		lio[i].f = summarize(lio[i].v, reps);
		lio[i].fa = summarize(lio[i].a, reps);
		lio[i].fb = summarize(lio[i].b, reps);
	}
	failed_latency();
	if (!access(STRACE, X_OK))
		trace_portald();
	portald_stop();
	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
		lio_rmdir(mine[i]);
}

/* --- profiles (--perf) ---------------------------------------------------- */

/* Run @cmd with /bin/sh; its output goes to ours. */
static void shell(const char *cmd)
{
	int status = system(cmd);

	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("'%s' failed (status %d)", cmd, status);
}

/*
 * Sample the whole machine with perf for PROFILE_S seconds while @loop
 * runs on this thread, then print the 12 hottest symbols and the 12
 * hottest instructions of the module (its samples by their dso, whatever
 * its functions' prefix).
 */
#define PROFILE_S	"2"

static void profile(const char *name, void (*loop)(long))
{
	char data[64], cmd[512];
	int status;
	pid_t pid;

	snprintf(data, sizeof(data), "/tmp/perf-%s.data", name);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		execl(perf_path, "perf", "record", "-q", "--no-buildid",
		      "-e", "cpu-clock", "-c", "20000", "-a", "-o", data,
		      "--", "sleep", PROFILE_S, (char *)NULL);
		_exit(127);
	}
	do {
		loop(1000);
	} while (!waitpid(pid, &status, WNOHANG));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("%s record failed (status %d)", perf_path, status);

	printf("\nprofile %s (perf samples by symbol, then iscsi_portal by instruction):\n",
	       name);
	snprintf(cmd, sizeof(cmd),
		 "%s script -i %s -F ip,sym 2>/dev/null | awk '{ print $2 }' | sort | uniq -c | sort -rn | head -n 12",
		 perf_path, data);
	shell(cmd);
	snprintf(cmd, sizeof(cmd),
		 "%s script -i %s -F ip,sym,symoff,dso 2>/dev/null | grep -F iscsi_portal | sort | uniq -c | sort -rn | head -n 12",
		 perf_path, data);
	shell(cmd);
	unlink(data);
}

/* --- timing --------------------------------------------------------------- */

struct bench {
	const char *key;
	const char *what;
	void (*loop)(long n);
	void (*setup)(void);	/* before each repetition, if set */
	void (*teardown)(void);	/* and after it */
	long n;			/* calls per repetition */
	double v[MAX_REPS];	/* ns per call */
	struct fig f;
};

static double time_loop(void (*loop)(long), long n)
{
	double t0;

	untimed_ns = 0;
	t0 = now_ns();
	loop(n);
	return (now_ns() - t0 - untimed_ns) / n;
}

/* One repetition of @b, between its setup and teardown. */
static double time_rep(struct bench *b, long n)
{
	double ns;

	if (b->setup)
		b->setup();
	ns = time_loop(b->loop, n);
	if (b->teardown)
		b->teardown();
	return ns;
}

/* Warm up, then pick the calls per repetition so one lasts ~rep_ms. */
static void calibrate(struct bench *b)
{
	long n = 1000;
	double ns;

	time_rep(b, n);
	for (;;) {
		ns = time_rep(b, n) * n;
		if (ns >= rep_ms * 1e6 / 10 || n >= 100000000L)
			break;
		n *= 4;
	}
	b->n = (long)(n * (rep_ms * 1e6 / ns));
	if (b->n < 1000)
		b->n = 1000;
	time_rep(b, b->n / 10);	/* warm-up at the final size */
}

/* Repetition r of each bench in turn. */
static void run_interleaved(struct bench *bs, int nb)
{
	for (int i = 0; i < nb; i++)
		calibrate(&bs[i]);
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < nb; i++)
			bs[i].v[r] = time_rep(&bs[i], bs[i].n);
	for (int i = 0; i < nb; i++)
		bs[i].f = summarize(bs[i].v, reps);
}

/* --- two readers on two CPUs ---------------------------------------------- */

/*
 * Aggregate throughput is measured the way will-it-scale does it: every
 * reader calls in batches until the main thread, after rep_ms, tells them
 * to stop, and counts its calls; each reader's rate is its calls over its
 * own loop time, and the aggregate is the sum of the rates.  The readers
 * all run for the whole window, so a reader that a busy host slows down
 * lowers the aggregate by what it lost and no more.  The older method, a
 * fixed number of calls per reader and the wall time until the last one
 * finishes, is kept as a control: there a slowed reader leaves the other
 * CPU idle at the end and the figure measures the host's worst CPU.
 */
#define READER_BATCH	256

/*
 * The readers are two threads made once and kept for every repetition of
 * every two-reader figure, so the reader on CPU 0 is the same thread, with
 * the same stacks, alone and in pairs.  The main thread starts a round
 * with the call, the fds and the readers that take part; the others sleep
 * through it.  The figures (GET with an fd per reader, GET with a shared
 * fd, the null ioctl) are interleaved repetition by repetition, like the
 * one-portal figures, so that drift hits a figure and its control alike.
 */
struct team;

struct reader {
	pthread_t thread;
	int cpu;
	int own_fd;			/* opened for this reader */
	uint64_t id;			/* its portal */
	struct team *team;
	long calls;			/* calls made in the last round */
	double ns;			/* its own loop time in that round */
};

struct team {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* a round starts, a reader is done */
	unsigned int round;		/* bumped to start one */
	unsigned int active;		/* mask of the readers that take part */
	int running;			/* of those, not done yet */
	bool quit;
	void (*fn)(int fd, uint64_t id, long n);
	bool shared_fd;			/* both on dev_fd, not their own */
	long n;				/* calls each, or 0: until stop */
	int stop;			/* ends a timed round (atomic) */
	struct reader rd[2];
};

static struct team team = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct team *t = r->team;
	void (*fn)(int fd, uint64_t id, long n);
	unsigned int seen = 0;
	double t0;
	long n;
	int fd;

	pin(r->cpu);
	for (;;) {
		pthread_mutex_lock(&t->lock);
		while (t->round == seen && !t->quit)
			pthread_cond_wait(&t->cond, &t->lock);
		seen = t->round;
		if (t->quit) {
			pthread_mutex_unlock(&t->lock);
			return NULL;
		}
		if (!(t->active & 1U << (r - t->rd))) {
			pthread_mutex_unlock(&t->lock);
			continue;
		}
		fn = t->fn;
		fd = t->shared_fd ? dev_fd : r->own_fd;
		n = t->n;
		pthread_mutex_unlock(&t->lock);

		t0 = now_ns();
		r->calls = 0;
		if (n) {
			fn(fd, r->id, n);
			r->calls = n;
		} else {
			while (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
				fn(fd, r->id, READER_BATCH);
				r->calls += READER_BATCH;
			}
		}
		r->ns = now_ns() - t0;

		pthread_mutex_lock(&t->lock);
		if (!--t->running)
			pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
	}
}

static void team_start(void)
{
	for (int i = 0; i < 2; i++) {
		struct reader *r = &team.rd[i];

		*r = (struct reader){ .cpu = i, .id = i ? portal_b : portal_a,
				      .team = &team };
		r->own_fd = open(ISCSI_PORTAL_DEVICE_PATH, O_RDONLY);
		if (r->own_fd < 0)
			die("open %s", ISCSI_PORTAL_DEVICE_PATH);
		if (pthread_create(&r->thread, NULL, reader_main, r))
			die("pthread_create");
	}
}

static void team_stop(void)
{
	pthread_mutex_lock(&team.lock);
	team.quit = true;
	pthread_cond_broadcast(&team.cond);
	pthread_mutex_unlock(&team.lock);
	for (int i = 0; i < 2; i++) {
		pthread_join(team.rd[i].thread, NULL);
		close(team.rd[i].own_fd);
	}
}

/* Masks of readers for run_readers(). */
#define CPU0		1U
#define CPU1		2U
#define BOTH		(CPU0 | CPU1)

/*
 * One round: the readers in @mask call @fn, each @n times or, with @n 0,
 * until rep_ms have passed.  Returns the wall time from the start to the
 * last reader's end.
 */
static double run_readers(void (*fn)(int fd, uint64_t id, long n),
			  bool shared_fd, unsigned int mask, long n)
{
	struct timespec window = {
		.tv_sec = (time_t)(rep_ms / 1000),
		.tv_nsec = (long)((rep_ms - 1000 * (long)(rep_ms / 1000)) * 1e6),
	};
	double t0;

	pthread_mutex_lock(&team.lock);
	team.active = mask;
	team.running = __builtin_popcount(mask);
	team.fn = fn;
	team.shared_fd = shared_fd;
	team.n = n;
	__atomic_store_n(&team.stop, 0, __ATOMIC_RELAXED);
	team.round++;
	t0 = now_ns();
	pthread_cond_broadcast(&team.cond);
	pthread_mutex_unlock(&team.lock);
	if (!n) {
		while (nanosleep(&window, &window))
			;
		__atomic_store_n(&team.stop, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_lock(&team.lock);
	while (team.running)
		pthread_cond_wait(&team.cond, &team.lock);
	pthread_mutex_unlock(&team.lock);
	return now_ns() - t0;
}

/* A reader's rate in its last round, calls per second. */
static double reader_rate(const struct reader *r)
{
	return r->calls / r->ns * 1e9;
}

/* A two-reader figure. */
struct pair_bench {
	void (*fn)(int fd, uint64_t id, long n);
	bool shared_fd;
	long fixed_n;		/* calls each for the fixed-work control, or 0 */
	double s[MAX_REPS], ns1[MAX_REPS], ns1b[MAX_REPS], ns2[2][MAX_REPS];
	double fx[MAX_REPS];
	struct fig f;		/* aggregate 2-reader rate over 1 reader's */
	struct fig ns1_f;	/* ns per call, one reader on CPU 0 */
	struct fig ns1b_f;	/* control: the reader on CPU 1 alone */
	struct fig ns2_f[2];	/* ns per call of each of two readers */
	struct fig fixed_f;	/* control: fixed work, 2 * T1 / T2 */
};

/*
 * Repetition r of each figure in turn: the aggregate throughput of 2
 * readers, one on CPU 0 and one on CPU 1, distinct portals, over that of
 * the reader on CPU 0 alone, each for a window of rep_ms.  With fixed_n,
 * also the fixed-work control: T1 the time of one reader doing fixed_n
 * calls, T2 the wall time of two doing as many each.
 */
static void run_pairs(struct pair_bench *pb, int npb)
{
	team_start();
	for (int i = 0; i < npb; i++)	/* warm-up */
		run_readers(pb[i].fn, pb[i].shared_fd, BOTH, 20 * READER_BATCH);
	for (int r = 0; r < reps; r++) {
		for (int i = 0; i < npb; i++) {
			struct pair_bench *b = &pb[i];
			double rate1;

			run_readers(b->fn, b->shared_fd, CPU1, 0);
			b->ns1b[r] = 1e9 / reader_rate(&team.rd[1]);
			run_readers(b->fn, b->shared_fd, CPU0, 0);
			rate1 = reader_rate(&team.rd[0]);
			b->ns1[r] = 1e9 / rate1;
			run_readers(b->fn, b->shared_fd, BOTH, 0);
			b->s[r] = (reader_rate(&team.rd[0]) +
				   reader_rate(&team.rd[1])) / rate1;
			for (int k = 0; k < 2; k++)
				b->ns2[k][r] = 1e9 / reader_rate(&team.rd[k]);
			if (b->fixed_n)
				b->fx[r] = 2 * run_readers(b->fn, b->shared_fd, CPU0,
							   b->fixed_n) /
					   run_readers(b->fn, b->shared_fd, BOTH,
						       b->fixed_n);
		}
	}
	team_stop();
	for (int i = 0; i < npb; i++) {
		struct pair_bench *b = &pb[i];

		b->f = summarize(b->s, reps);
		b->ns1_f = summarize(b->ns1, reps);
		b->ns1b_f = summarize(b->ns1b, reps);
		for (int k = 0; k < 2; k++)
			b->ns2_f[k] = summarize(b->ns2[k], reps);
		if (b->fixed_n)
			b->fixed_f = summarize(b->fx, reps);
	}
}

/* --- memory ------------------------------------------------------------- */

static const char *const mem_keys[] = {
	"MemFree", "MemAvailable", "Slab", "SReclaimable", "SUnreclaim",
	"VmallocUsed", "PageTables", "KernelStack", "Percpu", "AnonPages",
	"Cached",
};
#define N_MEM (sizeof(mem_keys) / sizeof(mem_keys[0]))

static void read_meminfo(long long *kb)
{
	char line[256], key[64];
	long long v;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo");
	for (size_t i = 0; i < N_MEM; i++)
		kb[i] = -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %lld", key, &v) != 2)
			continue;
		for (size_t i = 0; i < N_MEM; i++)
			if (!strcmp(key, mem_keys[i]))
				kb[i] = v;
	}
	fclose(f);
	for (size_t i = 0; i < N_MEM; i++)
		if (kb[i] < 0)
			die("/proc/meminfo has no %s", mem_keys[i]);
}

static void settle(void)
{
	int fd;

	/* RCU frees and other deferred work, then drop caches. */
	sleep(3);
	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0 || write(fd, "3", 1) != 1)
		die("/proc/sys/vm/drop_caches");
	close(fd);
	sleep(1);
}

static long long mem_delta[N_MEM];
static double bytes_per_portal;
static double add_ns;

static long long delta_of(const char *key)
{
	for (size_t i = 0; i < N_MEM; i++)
		if (!strcmp(key, mem_keys[i]))
			return mem_delta[i];
	return 0;
}

/*
 * Adds n_portals portals (10.0.0.1 ...), measures the kernel memory they
 * take and draws the random ids of the 1M-portal figures.
 */
static void add_million(void)
{
	long long before[N_MEM], after[N_MEM], kernel_kb;
	uint64_t id = 0, x = 0x9e3779b97f4a7c15ULL;
	double t0;

	printf("bench: adding %ld portals...\n", n_portals);
	fflush(stdout);
	settle();
	read_meminfo(before);
	t0 = now_ns();
	for (long i = 0; i < n_portals; i++) {
		add_portal(dev_fd, (10U << 24) + 1 + (uint32_t)i, &id);
		if (i == 0)
			first_1m = id;
	}
	add_ns = (now_ns() - t0) / n_portals;
	settle();
	read_meminfo(after);
	for (size_t i = 0; i < N_MEM; i++)
		mem_delta[i] = after[i] - before[i];
	kernel_kb = delta_of("SReclaimable") + delta_of("SUnreclaim") +
		    delta_of("VmallocUsed") + delta_of("PageTables") +
		    delta_of("KernelStack") + delta_of("Percpu");
	bytes_per_portal = kernel_kb * 1024.0 / n_portals;

	if (id - first_1m + 1 != (uint64_t)n_portals)
		die_plain("ids %" PRIu64 "..%" PRIu64 " are not consecutive",
			  first_1m, id);
	for (long i = 0; i < n_rand; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		rand_ids[i] = first_1m + x % n_portals;
	}
}

/* --- LIST ----------------------------------------------------------------- */

/* Walk the first n_list portals in pages of LIST_PAGE. */
static void loop_list(long walks)
{
	for (long w = 0; w < walks; w++) {
		struct iscsi_portal_list l;
		long listed = 0;

		memset(&l, 0, sizeof(l));
		l.entries = (uintptr_t)list_buf;
		do {
			long want = n_list - listed;

			l.capacity = want < LIST_PAGE ? want : LIST_PAGE;
			if (ioctl(dev_fd, ISCSI_PORTAL_IOC_LIST, &l))
				die("LIST");
			listed += l.count;
		} while (l.cursor && listed < n_list);
		if (listed != n_list)
			die("LIST walked %ld portals, want %ld", listed, n_list);
	}
}

/* --- the figures ---------------------------------------------------------- */

/* A figure: its key (in the JSON too), what it times, its loop. */
#define FIG(k, w, l)	{ .key = k, .what = w, .loop = l }

/* One portal (and a second for the other reader), interleaved. */
enum { NULL_I, VERSION_I, GET_I, INFO_I, SET_I, SET64_I, UNREAD_I, PROV_I,
       PIPE_I, PROV2_I, PIPE2_I, AREAD_I, AWRITE_I, N_SMALL };
static struct bench small[N_SMALL] = {
	[NULL_I] = FIG("null_ioctl_ns", "unknown ioctl (ENOTTY): the floor", loop_null),
	[VERSION_I] = FIG("version_ns", "VERSION", loop_version),
	[GET_I] = FIG("get_status_ns", "GET_STATUS, 1 portal", loop_get_status),
	[INFO_I] = FIG("get_info_ns", "GET_INFO, 1 portal", loop_get_info),
	[SET_I] = FIG("set_status_ns", "SET_STATUS ONLINE<->OFFLINE", loop_set_status),
	[SET64_I] = { .key = "set_64_watchers_ns",
		      .what = "SET_STATUS, 64 idle watchers (drained untimed)",
		      .loop = loop_set_idle_watchers,
		      .setup = watch_idle, .teardown = unwatch },
	[UNREAD_I] = { .key = "set_unread_watcher_ns",
		       .what = "SET_STATUS, 1 watcher that never reads (overflowed)",
		       .loop = loop_set_status,
		       .setup = watch_unread, .teardown = unwatch },
	[PROV_I] = FIG("provider_set_ns", "SET_STATUS through a provider process on our CPU, answering 0", loop_provider_set),
	[PIPE_I] = FIG("pipe_rtt_ns", "pipe round trip: a byte to a process on our CPU and back", loop_pipe_rtt),
	[PROV2_I] = FIG("provider_set_2cpu_ns", "control: SET_STATUS through a provider process on CPU 1", loop_provider_set_2cpu),
	[PIPE2_I] = FIG("pipe_rtt_2cpu_ns", "control: pipe round trip to a process on CPU 1", loop_pipe_rtt_2cpu),
	[AREAD_I] = FIG("attr_read_ns", "LIO tpgt_1/enable: open+read+close", loop_attr_read),
	[AWRITE_I] = FIG("attr_write_ns", "LIO tpgt_1/enable: open+write+close (same value)", loop_attr_write),
};

/* 1M portals, interleaved: the figure, its controls, the host's canary. */
static struct bench big[] = {
	FIG("get_status_ns_1m", "GET_STATUS, 1M portals, random ids", loop_get_status_rand),
	FIG("(1m, one id)", "control: GET_STATUS, 1M portals, the same id", loop_get_status_same),
	FIG("(1m, ascending)", "control: GET_STATUS, 1M portals, ascending ids", loop_get_status_seq),
	FIG("(1m, random in 16k)", "control: random ids among the first 16,384 portals", loop_get_status_rand_16k),
	FIG("(1m, random in 128k)", "control: random ids among the first 131,072 portals", loop_get_status_rand_128k),
	FIG("(1m, null ioctl)", "control: the null ioctl again, for the host's drift", loop_null),
};
#define N_BIG		((int)(sizeof(big) / sizeof(big[0])))
#define CANARY		(&big[N_BIG - 1])

static struct bench list =
	FIG("list_per_portal_ns", "LIST 100k portals, pages of 256, per portal", loop_list);

enum { PAIR_GET, PAIR_SHARED, PAIR_NULL, N_PAIRS };
static struct pair_bench pairs[N_PAIRS] = {
	[PAIR_GET] = { .fn = get_status_loop },
	[PAIR_SHARED] = { .fn = get_status_loop, .shared_fd = true },
	[PAIR_NULL] = { .fn = null_loop },
};

/*
 * LIST from the start: the four small portals (the providers' two orphans
 * by now), then the new ones.
 */
static void time_list(void)
{
	list.n = 1;
	loop_list(1);	/* warm-up */
	for (int r = 0; r < reps; r++)
		list.v[r] = time_loop(loop_list, 1) / n_list;
	list.f = summarize(list.v, reps);
}

/* --- output --------------------------------------------------------------- */

/* A figure's row; @n 0 for a timed window (rep_ms) instead of a count. */
static void row(const char *key, const char *what, struct fig f, long n)
{
	char calls[24] = "timed";

	if (n)
		snprintf(calls, sizeof(calls), "%ld", n);
	printf("  %-22s %12.1f %12.1f %12.1f  %9s  %s\n", key, f.med, f.min,
	       f.max, calls, what);
}

/*
 * The ns per call of each reader of a two-reader figure, alone and in
 * the pair; @name and @what say which figure.
 */
static void reader_rows(const char *name, const char *what,
			const struct pair_bench *b)
{
	static const char *const keys[] = {
		"1 thread", "CPU 1 alone", "2 threads: 0", "2 threads: 1",
	};
	static const char *const whos[] = {
		"reader on CPU 0 alone", "reader on CPU 1 alone",
		"reader on CPU 0 while CPU 1 reads too",
		"reader on CPU 1 while CPU 0 reads too",
	};
	const struct fig figs[] = { b->ns1_f, b->ns1b_f, b->ns2_f[0], b->ns2_f[1] };
	char key[32], line[128];

	for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++) {
		snprintf(key, sizeof(key), "(%s, %s)", name, keys[i]);
		snprintf(line, sizeof(line), "%s, %s", what, whos[i]);
		row(key, line, figs[i], 0);
	}
}

static void speedup_row(const char *key, struct fig f, const char *what)
{
	printf("  %-22s %12.3f %12.3f %12.3f  (%s)\n", key, f.med, f.min,
	       f.max, what);
}

static void print_lio(void)
{
	printf("\n  LIO through iscsi-portald (ns per pair or call; medians over %d repetitions\n"
	       "  of %d pairs, %d through portalctl; halves: first call, second call):\n",
	       reps, lio_pairs, ctl_pairs);
	for (int i = 0; i < N_LIO; i++) {
		row(lio[i].key, lio[i].what, lio[i].f,
		    i <= L_CMD ? ctl_pairs : lio_pairs);
		if (i <= L_REPLICA)
			printf("  %-22s %12.1f %12.1f  (halves' medians)\n", "",
			       lio[i].fa.med, lio[i].fb.med);
	}
	row("lio_failed_latency_ns", "RTM_DELADDR of the portal's address to its FAILED MODIFY read by a watcher",
	    fail_f, reps);
	row("(lio online latency)", "control: RTM_NEWADDR to the ONLINE MODIFY", back_f,
	    reps);
}

static void print_figures(void)
{
	printf("\n%-24s %12s %12s %12s  %9s  %s\n", "  figure (ns per call)",
	       "median", "min", "max", "calls/rep", "what");
	for (int i = 0; i < N_SMALL; i++)
		row(small[i].key, small[i].what, small[i].f, small[i].n);
	for (int i = 0; i < N_BIG; i++)
		row(big[i].key, big[i].what, big[i].f, big[i].n);
	row(list.key, list.what, list.f, n_list);
	reader_rows("get", "GET_STATUS, own fd and portal", &pairs[PAIR_GET]);
	reader_rows("null", "control: the null ioctl", &pairs[PAIR_NULL]);

	printf("\n  %-22s %12s %12s %12s  (aggregate calls/s of 2 readers over 1, ~%.0f ms windows)\n",
	       "speedup", "median", "min", "max", rep_ms);
	speedup_row("get_status_2t_speedup", pairs[PAIR_GET].f, "fd per reader");
	speedup_row("(shared fd)", pairs[PAIR_SHARED].f,
		    "one shared fd; informational");
	speedup_row("(null ioctl)", pairs[PAIR_NULL].f,
		    "control: the null ioctl, fd per reader");
	speedup_row("(get, fixed work)", pairs[PAIR_GET].fixed_f,
		    "control: n calls each, 2 * T1 / wall time of both");
	speedup_row("(null, fixed work)", pairs[PAIR_NULL].fixed_f,
		    "control: the same for the null ioctl");

	printf("\n  memory around adding %ld portals (kB delta, /proc/meminfo, caches dropped):\n",
	       n_portals);
	for (size_t i = 0; i < N_MEM; i++)
		printf("    %-14s %+10lld kB  %8.1f B/portal\n", mem_keys[i],
		       mem_delta[i], mem_delta[i] * 1024.0 / n_portals);
	printf("  bytes_per_portal = (SReclaimable+SUnreclaim+VmallocUsed+PageTables+KernelStack+Percpu)/%ld = %.1f\n",
	       n_portals, bytes_per_portal);
	printf("  (ADD: %.0f ns per call while filling the table)\n", add_ns);
	if (portald_path)
		print_lio();
}

/*
 * A ratio and its section 9 bound: at most (op '<'), at least ('>'), or
 * none (0: reported only).
 */
struct ratio {
	const char *key;
	double v;
	char op;
	double bound;
};

#define N_RATIOS	15
/* The last two are the LIO phase's, with --portald only. */
static int n_ratios = N_RATIOS;

static void ratios_of(struct ratio *r)
{
	const double null = small[NULL_I].f.med, get = small[GET_I].f.med,
		     set = small[SET_I].f.med;
	const struct ratio all[N_RATIOS] = {
		{ "get_vs_null", get / null, '<', 1.5 },
		{ "set_vs_null", set / null, '<', 1.7 },
		{ "attr_read_vs_get", small[AREAD_I].f.med / get, '>', 10 },
		{ "attr_write_vs_set", small[AWRITE_I].f.med / set, '>', 10 },
		{ "scale_1m_vs_1", big[0].f.med / get, '<', 2.0 },
		{ "bytes_per_portal", bytes_per_portal, '<', 256 },
		{ "get_status_2t_speedup", pairs[PAIR_GET].f.med, '>', 1.7 },
		{ "set_64_watchers_vs_none", small[SET64_I].f.med / set, 0, 0 },
		{ "set_unread_watcher_vs_none", small[UNREAD_I].f.med / set, 0, 0 },
		{ "provider_set_vs_pipe",
		  small[PROV_I].f.med / small[PIPE_I].f.med, '<', 1.5 },
		{ "provider_set_vs_pipe_2cpu",
		  small[PROV2_I].f.med / small[PIPE2_I].f.med, 0, 0 },
		{ "lio_offline_online_vs_direct",
		  lio[L_CTL].f.med / lio[L_CMD].f.med, '<', 1.2 },
		{ "lio_offline_vs_rmdir_cmd",
		  lio[L_CTL].fa.med / lio[L_CMD].fa.med, 0, 0 },
		{ "lio_set_pair_vs_syscalls",
		  lio[L_PAIR].f.med / lio[L_DIRECT].f.med, 0, 0 },
		{ "lio_shared_vs_direct",
		  lio[L_SH_PAIR].f.med / lio[L_SH_DIRECT].f.med, 0, 0 },
	};

	if (!portald_path)
		n_ratios = N_RATIOS - 4;

	memcpy(r, all, sizeof(all));
}

static void print_ratios(const struct ratio *r)
{
	printf("\n  ratios (section 9 targets):\n");
	for (int i = 0; i < n_ratios; i++, r++) {
		bool ok = r->op == '<' ? r->v <= r->bound : r->v >= r->bound;

		if (r->op)
			printf("  %-26s %8.3f   target %s %-6g  %s\n", r->key,
			       r->v, r->op == '<' ? "<=" : ">=", r->bound,
			       ok ? "met" : "MISSED");
		else
			printf("  %-26s %8.3f   reported, no target\n", r->key,
			       r->v);
	}
}

/*
 * The null ioctl does the same work every time: how far its median is
 * from its fastest repetition in a phase, and how far it moved between
 * phases, say whether the host let the run alone.
 */
static void check_host(void)
{
	const struct fig *f0 = &small[NULL_I].f, *f1 = &pairs[PAIR_NULL].ns1_f,
			 *f2 = &CANARY->f;
	double slow[3] = { f0->med / f0->min, f1->med / f1->min,
			   f2->med / f2->min };
	double drift = f2->med / f0->med;

	printf("\n  host: the null ioctl's median over its fastest repetition: %.2f with one\n"
	       "  portal, %.2f alone in the two-reader phase, %.2f with 1M portals; its\n"
	       "  median with 1M portals over the one with one portal: %.2f.\n",
	       slow[0], slow[1], slow[2], drift);
	if (slow[0] > NOISY || slow[1] > NOISY || slow[2] > NOISY ||
	    drift > NOISY || drift < 1 / NOISY)
		printf("  The host disturbed this run (a figure beyond %.2f): its ratios mean\n"
		       "  little; run it again.\n", NOISY);
	printf("  Absolute times under TCG (software emulation) are far above native;"
	       " compare the ratios.\n");
}

static void write_json(const struct ratio *r)
{
	FILE *j = fopen(json_path, "w");

	if (!j)
		die("%s", json_path);
	fprintf(j, "{\n");
	for (int i = 0; i < N_SMALL; i++)
		fprintf(j, "  \"%s\": %.1f,\n", small[i].key, small[i].f.med);
	fprintf(j, "  \"list_per_portal_ns\": %.2f,\n", list.f.med);
	fprintf(j, "  \"get_status_ns_1m\": %.1f,\n", big[0].f.med);
	if (portald_path) {
		for (int i = 0; i < N_LIO; i++)
			if (lio[i].key[0] != '(')
				fprintf(j, "  \"%s\": %.1f,\n", lio[i].key,
					lio[i].f.med);
		fprintf(j, "  \"lio_failed_latency_ns\": %.1f,\n", fail_f.med);
		fprintf(j, "  \"lio_online_latency_ns\": %.1f,\n", back_f.med);
	}
	for (int i = 0; i < n_ratios; i++)
		fprintf(j, "  \"%s\": %.3f%s\n", r[i].key, r[i].v,
			i + 1 < n_ratios ? "," : "");
	fprintf(j, "}\n");
	if (fclose(j))
		die("%s", json_path);
}

/* --- main ----------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: bench [--json FILE] [--attr PATH] [--reps N] [--rep-ms MS]\n"
		"             [--portals N] [--list-portals N] [--perf PERF]\n"
		"             [--portald PATH [--portalctl PATH] [--lio-pairs N]]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(a, "--json"))
			json_path = v;
		else if (!strcmp(a, "--attr"))
			attr_path = v;
		else if (!strcmp(a, "--reps"))
			reps = atoi(v);
		else if (!strcmp(a, "--rep-ms"))
			rep_ms = atof(v);
		else if (!strcmp(a, "--portals"))
			n_portals = atol(v);
		else if (!strcmp(a, "--list-portals"))
			n_list = atol(v);
		else if (!strcmp(a, "--perf"))
			perf_path = v;
		else if (!strcmp(a, "--portald"))
			portald_path = v;
		else if (!strcmp(a, "--portalctl"))
			portalctl_path = v;
		else if (!strcmp(a, "--lio-pairs"))
			lio_pairs = atoi(v);
		else
			usage();
	}
	if (reps < 5 || reps > MAX_REPS || rep_ms <= 0 || n_portals < 1 ||
	    n_list < 1 || n_list > n_portals || lio_pairs < 1)
		usage();
}

/* The device, the attribute, the parameters, and our own memory. */
static void prepare(void)
{
	int fd;

	pin(0);
	dev_fd = open(ISCSI_PORTAL_DEVICE_PATH, O_RDWR);
	if (dev_fd < 0)
		die("open %s", ISCSI_PORTAL_DEVICE_PATH);

	/* The attribute's current value, written back unchanged. */
	fd = open(attr_path, O_RDONLY);
	if (fd < 0)
		die("open %s", attr_path);
	attr_len = read(fd, attr_value, sizeof(attr_value) - 1);
	if ((ssize_t)attr_len <= 0)
		die("read %s", attr_path);
	close(fd);

	queue_len = read_param("event_queue_len");

	/* Everything this process needs, allocated and touched up front. */
	n_rand = n_portals < 1000000 ? n_portals : 1000000;
	rand_ids = malloc(n_rand * sizeof(*rand_ids));
	list_buf = calloc(LIST_PAGE, sizeof(*list_buf));
	if (!rand_ids || !list_buf)
		die("malloc");
	memset(rand_ids, 0, n_rand * sizeof(*rand_ids));
	if (mlockall(MCL_CURRENT))
		fprintf(stderr, "bench: mlockall failed (%s); continuing\n",
			strerror(errno));
}

int main(int argc, char **argv)
{
	struct ratio ratios[N_RATIOS];

	parse_args(argc, argv);
	prepare();
	printf("bench: %d repetitions per figure, ~%.0f ms each; median min max\n",
	       reps, rep_ms);
	fflush(stdout);

	/* LIO through the bridge, before the table fills. */
	if (portald_path)
		time_lio();

	/* One portal (and a second for the other reader). */
	add_portal(dev_fd, 0xc0000201, &portal_a);	/* 192.0.2.1 */
	add_portal(dev_fd, 0xc0000202, &portal_b);	/* 192.0.2.2 */
	peers_start();
	if (perf_path) {
		profile("get-1-portal", loop_get_status);
		profile("set-1-portal", loop_set_status);
		profile("provider-set", loop_provider_set);
		profile("pipe-rtt", loop_pipe_rtt);
	}
	run_interleaved(small, N_SMALL);
	peers_stop();
	pairs[PAIR_GET].fixed_n = small[GET_I].n;
	pairs[PAIR_NULL].fixed_n = small[NULL_I].n;
	run_pairs(pairs, N_PAIRS);

	/* A million portals. */
	add_million();
	if (perf_path) {
		profile("get-1m-one-id", loop_get_status_same);
		profile("get-1m-random", loop_get_status_rand);
	}
	run_interleaved(big, N_BIG);
	time_list();

	ratios_of(ratios);
	print_figures();
	print_ratios(ratios);
	check_host();
	fflush(stdout);
	if (json_path)
		write_json(ratios);
	return 0;
}
