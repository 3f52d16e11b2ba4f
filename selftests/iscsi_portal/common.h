/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h - helpers shared by the iscsi_portal kselftests and fuzzers
 * (defined in common.c, which every test program links).
 *
 * Everything here is independent of kselftest_harness.h (so a test may
 * include the two in any order, and helpers can run in threads or forked
 * children where ASSERT_*() must not be used).  Conventions:
 *
 *  - Every helper that performs a system call returns 0 (or a non-negative
 *    result) on success and a negative errno on failure, never -1 + errno.
 *    Tests compare with ASSERT_EQ(-EINVAL, ...).
 *  - Portal addresses added by tests come only from the documentation
 *    ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32
 *    (ip_unique_addr()); the few fixed addresses a test needs on purpose
 *    (wildcards, fe80::/10 link-local) are built explicitly by that test.
 *  - Tests share one module instance: never assume an empty table, always
 *    use unique addresses and compare counts relatively.
 *  - Global state (debugfs knobs, corrupt mark, loaded module parameters)
 *    is restored with ip_restore_globals() / ip_module_ensure_default() in
 *    a fixture teardown, so it happens even when an ASSERT fails.
 *
 * Builds as C (gnu11), 64-bit and 32-bit (-m32, for the compat test).
 */
#ifndef ISCSI_PORTAL_SELFTEST_COMMON_H
#define ISCSI_PORTAL_SELFTEST_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <linux/capability.h>

#include <linux/iscsi_portal.h>

/* Paths and names the suite relies on. */
#define IP_DEV			ISCSI_PORTAL_DEVICE_PATH
#define IP_DEBUGFS_DIR		"/sys/kernel/debug/iscsi_portal"
#define IP_KNOB_SET_DELAY	"set_delay_ms"	/* u32 ms, holds SET_STATUS */
#define IP_KNOB_TABLE_DELAY	"table_delay_ms" /* u32 ms, REENUMERATE/REFRESH */
#define IP_KNOB_CORRUPT		"corrupt"	/* "0\n"/"1\n"; write "1" */
#define IP_MODULE_NAME		"iscsi_portal"
#define IP_SYSFS_MODULE		"/sys/module/iscsi_portal"
#define IP_KO_ENV		"ISCSI_PORTAL_KO"
#define IP_KO_DEFAULT		"/lib/iscsi_portal/iscsi_portal.ko"

/* Defaults of the module parameters (CONTRACT section 4). */
#define IP_DEFAULT_MAX_PORTALS		65536
#define IP_DEFAULT_EVENT_QUEUE_LEN	4096
#define IP_DEFAULT_MAX_WATCHERS		256
#define IP_DEFAULT_PROVIDER_TIMEOUT_MS	30000

/*
 * How long set_delay_ms / table_delay_ms hold a call's window open in the
 * busy tests.  No verdict is taken from a clock: a test checks that the
 * holder is still inside its window (its portal BUSY, or its thread asleep
 * in the delay) after the calls it makes there, so the window only has to
 * outlast them; the longer, the slower a host may be.
 */
#define IP_WINDOW_MS		3000
/* A bound on waiting for an observable state: a guard against a hang. */
#define IP_HANG_MS		10000

#define IP_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Short names for the statuses and event types, for tables of expectations. */
#define S_UNKNOWN	ISCSI_PORTAL_STATUS_UNKNOWN
#define S_ONLINE	ISCSI_PORTAL_STATUS_ONLINE
#define S_NOT_READY	ISCSI_PORTAL_STATUS_NOT_READY
#define S_OFFLINE	ISCSI_PORTAL_STATUS_OFFLINE
#define S_FAILED	ISCSI_PORTAL_STATUS_FAILED
#define T_ARRIVE	ISCSI_PORTAL_EVENT_ARRIVE
#define T_DEPART	ISCSI_PORTAL_EVENT_DEPART
#define T_MODIFY	ISCSI_PORTAL_EVENT_MODIFY
#define T_OVERFLOW	ISCSI_PORTAL_EVENT_OVERFLOW

/* The statuses of CONTRACT section 2, and some values that are not. */
extern const __u32 ip_valid_statuses[5];
extern const __u32 ip_invalid_statuses[5];

/* --- Generic helpers ------------------------------------------------- */

/* Pre-fill an output struct so a field the kernel forgot shows up as 0xcc. */
void fill_cc(void *p, size_t n);
/* CLOCK_MONOTONIC in nanoseconds / milliseconds. */
uint64_t ip_now_ns(void);
uint64_t ip_now_ms(void);
void ip_sleep_ms(unsigned int ms);
/* A user pointer as the ABI wants it (__u64), in 32 and 64-bit builds. */
__u64 ip_ptr(const void *p);

/* --- Device and ioctls (0 or a result on success, else -errno) ------- */

int ip_open(int flags);
int ip_ioctl(int fd, unsigned long cmd, void *arg);
int ip_version(int fd, struct iscsi_portal_version *v);
int ip_add(int fd, const struct iscsi_portal_addr *a, __u32 status, __u64 *id);
int ip_remove(int fd, __u64 id);
int ip_get_info(int fd, __u64 id, struct iscsi_portal_info *info);
int ip_get_status(int fd, __u64 id, __u32 *status, __u32 *flags);
int ip_set_status(int fd, __u64 id, __u32 status);
int ip_report_status(int fd, __u64 id, __u32 status);
const char *ip_id_calls_fail(int fd, __u64 id, int err, int *got);
int ip_list(int fd, __u64 cursor, struct iscsi_portal_info *entries,
	    __u32 cap, struct iscsi_portal_list *list);
/* The first portal LIST gives from @cursor, past empty pages. */
int ip_list_first(int fd, __u64 cursor, struct iscsi_portal_info *first);
/* VERSION's counters; the process aborts if VERSION fails (see common.c). */
__u64 ip_table_gen(int fd);
__u64 ip_portal_count(int fd);
int ip_list_all(int fd, struct iscsi_portal_info **out, size_t *n,
		__u64 *first_gen);
int ip_find_addr(int fd, const struct iscsi_portal_addr *a, __u64 *id);

/* --- Addresses ------------------------------------------------------- */

void ip_addr4(struct iscsi_portal_addr *a, __u8 b0, __u8 b1, __u8 b2,
	      __u8 b3, __u16 port);
void ip_addr6(struct iscsi_portal_addr *a, const char *text, __u16 port,
	      __u32 scope_id);
const char *ip_addr_str(const struct iscsi_portal_addr *a);
uint64_t ip_mix64(uint64_t x);
uint64_t ip_unique64(void);
void ip_unique_addr(struct iscsi_portal_addr *a, int family);
int ip_add_unique(int fd, int family, __u32 status, __u64 *id,
		  struct iscsi_portal_addr *addr);

/* --- sysfs and debugfs files, the module's debugfs knobs ------------- */

int ip_file_read(const char *path, char *buf, size_t len);
int ip_file_write(const char *path, const char *data, size_t len);
int ip_parse_u64(const char *buf, uint64_t *val);
int ip_knob_read(const char *name, char *buf, size_t len);
int ip_knob_read_u64(const char *name, uint64_t *val);
int ip_knob_write(const char *name, const char *data, size_t len);
int ip_knob_write_u32(const char *name, uint32_t val);
int ip_is_corrupt(int fd);
int ip_mark_corrupt(void);
int ip_ioctl_retry_busy(int fd, unsigned long cmd, unsigned int ms);
int ip_recover(int fd);
int ip_restore_globals(void);

/* --- Threads of this process as /proc shows them --------------------- */

pid_t ip_gettid(void);
char ip_task_state(pid_t tid);
int ip_task_wchan(pid_t tid, char *buf, size_t len);
int ip_task_syscall(pid_t tid, long *nr, unsigned long *arg0);
bool ip_task_in_delay(pid_t tid);
int ip_wait_blocked_in(pid_t tid, const long *nrs, size_t n, long arg0,
		       const int *done);

/* --- A call made by another thread (to hold a busy window open) ------ */

struct ip_async {
	pthread_t thread;
	pid_t tid;		/* the thread's id, once it runs (atomic) */
	int fd;
	unsigned long cmd;
	void *arg;
	int ret;		/* 0 or -errno once done */
	int done;		/* set (atomically) when the call returned */
	bool started;
};

int ip_async_start(struct ip_async *a, int fd, unsigned long cmd, void *arg);
bool ip_async_done(struct ip_async *a);
int ip_async_join(struct ip_async *a);
bool ip_async_held(struct ip_async *a);
int ip_wait_busy(int fd, __u64 id, struct ip_async *holder);
int ip_wait_held(struct ip_async *a);
int ip_start_table_call(struct ip_async *a, int fd, unsigned long cmd);

/* --- Module load / unload (finit_module / delete_module) ------------- */

bool ip_module_loaded(void);
const char *ip_ko_path(void);
int ip_module_load(const char *params);
int ip_delete_module(unsigned int flags);
int ip_module_unload(void);
int ip_module_reload(const char *params);
int ip_param_read(const char *name, uint64_t *val);
int ip_module_ensure_default(void);

/* --- The test provider module (test_provider/, its debugfs) -------- */

#define IP_TP_MODULE_NAME	"test_iscsi_portal_provider"
#define IP_TP_NAME		"test_provider"	/* its provider name */
#define IP_TP_DIR		"/sys/kernel/debug/test_iscsi_portal_provider"
#define IP_TP_KO_ENV		"ISCSI_PORTAL_TEST_KO"
#define IP_TP_KO_DEFAULT	"/lib/iscsi_portal/test_iscsi_portal_provider.ko"

struct ip_tp_calls {
	uint64_t set, reenumerate, refresh;
};

const char *ip_tp_ko_path(void);
bool ip_tp_loaded(void);
int ip_tp_load(void);
int ip_tp_unload(void);
int ip_tp_cmd(const char *cmd, __u64 *id);
int ip_tp_add(const struct iscsi_portal_addr *a, __u32 status, __u64 *id);
int ip_tp_add_unique(int family, __u32 status, __u64 *id,
		     struct iscsi_portal_addr *addr);
int ip_tp_remove(__u64 id);
int ip_tp_report(__u64 id, __u32 status);
int ip_tp_read(const char *file, char *buf, size_t len);
int ip_tp_write(const char *file, const char *val);
int ip_tp_write_int(const char *file, long long val);
int ip_tp_calls(struct ip_tp_calls *c);
int ip_tp_last_set(__u64 v[4]);
int ip_tp_events(struct iscsi_portal_event *ev, size_t max, size_t *n);
int ip_tp_reset(void);
int ip_module_refcnt(const char *module, long *refcnt);

/* --- Userspace providers (API 2) ------------------------------------- */

int ip_watcher(void);
int ip_drain_events(int fd, struct iscsi_portal_event *ev, size_t max);
int ip_attach(int fd, const char *name, __u32 timeout_ms);
int ip_reply(int fd, __u64 cookie, __s32 result);
int ip_read_reqs(int fd, struct iscsi_portal_request *r, size_t max);
int ip_get_provider(int fd, __u64 id, struct iscsi_portal_provider_info *pi);
int ip_set_status_flags(int fd, __u64 id, __u32 status, __u32 flags);
int ip_task_syscall2(const char *task, long *nr, unsigned long *arg0,
		     unsigned long *arg1);
int ip_wait_in_ioctl(const char *task, unsigned long cmd, const int *done);
int ip_wait_thread_in_ioctl(pid_t tid, unsigned long cmd, const int *done);
int ip_wait_pid_in_ioctl(pid_t pid, unsigned long cmd);

/* --- Capabilities (raw capget/capset: no libcap dependency) ---------- */

struct ip_caps {
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
};

int ip_caps_get(struct ip_caps *c);
int ip_caps_set(struct ip_caps *c);
bool ip_cap_effective(int cap);
int ip_cap_drop(int cap, bool permitted);
int ip_cap_raise(int cap);
int ip_caps_drop_all(void);

#endif /* ISCSI_PORTAL_SELFTEST_COMMON_H */
