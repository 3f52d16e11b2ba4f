// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test - concurrent mutating and reading calls on a shared set of
 * portals, checked against the event stream (CONTRACT section 4).
 *
 * Worker threads run random SET_STATUS, REPORT_STATUS, REMOVE, ADD (the
 * same 64 addresses over and over), GET_INFO, GET_STATUS and LIST calls on
 * a shared set of 64 portal slots, each bracketed by two VERSION calls
 * (before, after).  A watcher fd, opened first, gives the authoritative
 * commit order.  Afterwards, single-threaded:
 *
 *  - the records have consecutive seqs from the generation at WATCH to the
 *    final one, no OVERFLOW (the run makes fewer changes than the queue
 *    holds), and replay strictly (each MODIFY/DEPART's old status is the
 *    status the replay has) from the LIST taken at WATCH;
 *  - the replayed table equals the final LIST (ids, statuses, per-portal
 *    generations = number of MODIFY records, addresses), and VERSION's
 *    portal_count equals the LIST length;
 *  - every successful ADD/REMOVE has exactly one ARRIVE/DEPART with a seq
 *    inside its (before, after] window, every MODIFY record is claimed by
 *    exactly one successful SET/REPORT to that status whose window holds
 *    it, and every successful SET/REPORT without a record was a no-op (the
 *    portal had that status within its window);
 *  - failures are only the errnos the situation allows (EBUSY: the portal
 *    was alive; EIDRM: it was removed; EEXIST: the address was in use;
 *    ENOENT: only for ids never issued), and readers never fail with EBUSY;
 *  - every (status, generation) pair a reader saw (GET_INFO, LIST) is one
 *    the event stream says the portal had, during the reader's window:
 *    never a torn mix.
 *
 * The window bounds are exact for the module's commit protocol: a change
 * is stored and its generation bumped inside one commit section, so a
 * commit lies inside its call's (before, after] window, and a reader may
 * see a state whose generation bump is not visible yet (hence after + 1).
 */
#define _GNU_SOURCE
#include <poll.h>

#include "harness.h"
#include "model.h"

#define NSLOTS		64
#define NWORKERS	4
#define OPS_PER_WORKER	900	/* 64 + 4 * 900 changes at most < 4096 */
#define MAX_RECORDS	8192
#define MAX_OBS		60000
#define LIST_PAGE	16
#define BOGUS_ID	(1ull << 62)	/* never issued */

/* ---------------------------------------------------------------------
 * What the threads record
 */

enum op_kind {
	OP_SET, OP_REPORT, OP_REMOVE, OP_ADD, OP_GET_INFO, OP_GET_STATUS,
	OP_LIST, OP_BOGUS,
};

static const char *const op_names[] = {
	"SET", "REPORT", "REMOVE", "ADD", "GET_INFO", "GET_STATUS", "LIST",
	"BOGUS",
};

struct oplog {
	enum op_kind kind;
	int ret;		/* 0 or -errno */
	int slot;
	__u64 id;
	__u32 status;		/* SET/REPORT/ADD: requested; GET_STATUS: seen */
	__u64 before, after;	/* VERSION.table_generation around the call */
};

/* A (status, generation) pair a reader saw. */
struct obs {
	__u64 id;
	__u32 status;
	__u64 gen;
	__u64 before, after;
};

struct slot {
	struct iscsi_portal_addr addr;
	__u64 id;		/* latest id added at addr (atomic) */
};

struct worker {
	pthread_t thread;
	int idx;
	int fd;
	uint64_t rnd;
	struct oplog *log;
	int nlog, maxlog;
	struct obs *obs;
	int nobs;
	int bad_list_order;	/* LIST pages not in ascending id order */
	int sys_errors;		/* VERSION failed: cannot happen */
};

struct events {
	pthread_t thread;
	int fd;
	struct iscsi_portal_event *rec;
	int n;
	int err;		/* first unexpected -errno / -ENOSPC */
};

static struct slot slots[NSLOTS];
static int stop_flag;
static pthread_barrier_t start_barrier;

static uint64_t xrand(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	return ip_mix64(*s);
}

static __u64 slot_id(int s)
{
	return __atomic_load_n(&slots[s].id, __ATOMIC_ACQUIRE);
}

static void add_obs(struct worker *w, const struct iscsi_portal_info *info,
		    __u64 before, __u64 after)
{
	struct obs *o;

	if (w->nobs >= MAX_OBS)
		return;
	o = &w->obs[w->nobs++];
	o->id = info->id;
	o->status = info->status;
	o->gen = info->generation;
	o->before = before;
	o->after = after;
}

static int gen_of(int fd, __u64 *gen)
{
	struct iscsi_portal_version v;
	int ret = ip_version(fd, &v);

	*gen = v.table_generation;
	return ret;
}

/* One random call, logged. */
static void one_op(struct worker *w)
{
	uint64_t r = xrand(&w->rnd);
	struct iscsi_portal_info info, page[LIST_PAGE];
	struct iscsi_portal_list l;
	struct oplog *op = &w->log[w->nlog++];
	unsigned int pct = r % 100;
	__u32 i;

	r /= 100;
	memset(op, 0, sizeof(*op));
	op->slot = (int)(r % NSLOTS);
	r /= NSLOTS;
	op->id = slot_id(op->slot);

	if (pct < 24)
		op->kind = OP_SET;
	else if (pct < 42)
		op->kind = OP_REPORT;
	else if (pct < 50)
		op->kind = OP_REMOVE;
	else if (pct < 62)
		op->kind = OP_ADD;
	else if (pct < 77)
		op->kind = OP_GET_INFO;
	else if (pct < 87)
		op->kind = OP_GET_STATUS;
	else if (pct < 95)
		op->kind = OP_LIST;
	else
		op->kind = OP_BOGUS;

	if (gen_of(w->fd, &op->before))
		w->sys_errors++;
	switch (op->kind) {
	case OP_SET:
		op->status = r % 2 ? S_ONLINE : S_OFFLINE;
		op->ret = ip_set_status(w->fd, op->id, op->status);
		break;
	case OP_REPORT:
		op->status = ip_valid_statuses[r % IP_ARRAY_SIZE(ip_valid_statuses)];
		op->ret = ip_report_status(w->fd, op->id, op->status);
		break;
	case OP_REMOVE:
		op->ret = ip_remove(w->fd, op->id);
		break;
	case OP_ADD:
		op->status = ip_valid_statuses[r % IP_ARRAY_SIZE(ip_valid_statuses)];
		op->ret = ip_add(w->fd, &slots[op->slot].addr, op->status,
				 &op->id);
		if (!op->ret)
			__atomic_store_n(&slots[op->slot].id, op->id,
					 __ATOMIC_RELEASE);
		break;
	case OP_GET_INFO:
		op->ret = ip_get_info(w->fd, op->id, &info);
		break;
	case OP_GET_STATUS:
		op->ret = ip_get_status(w->fd, op->id, &op->status, NULL);
		break;
	case OP_LIST:
		/* One page from just below this slot's portal. */
		op->ret = ip_list(w->fd, op->id > 4 ? op->id - 4 : 0, page,
				  LIST_PAGE, &l);
		break;
	case OP_BOGUS:
		op->id = BOGUS_ID + (r % 1000);
		op->ret = r % 2 ? ip_set_status(w->fd, op->id, S_ONLINE) :
				  ip_get_info(w->fd, op->id, &info);
		break;
	}
	if (gen_of(w->fd, &op->after))
		w->sys_errors++;

	if (op->kind == OP_GET_INFO && !op->ret) {
		if (info.id != op->id)
			w->bad_list_order++;
		add_obs(w, &info, op->before, op->after);
	}
	if (op->kind == OP_LIST && !op->ret) {
		if (l.count > LIST_PAGE)
			w->bad_list_order++;
		for (i = 0; i < l.count && i < LIST_PAGE; i++) {
			if (i && page[i].id <= page[i - 1].id)
				w->bad_list_order++;
			add_obs(w, &page[i], op->before, op->after);
		}
	}
}

static void *worker_fn(void *p)
{
	struct worker *w = p;

	pthread_barrier_wait(&start_barrier);
	while (w->nlog < w->maxlog)
		one_op(w);
	return NULL;
}

/* A reader hammering GET_INFO until stop_flag: torn-state detection. */
static void *reader_fn(void *p)
{
	struct worker *w = p;
	struct iscsi_portal_info info;

	pthread_barrier_wait(&start_barrier);
	while (!__atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE)) {
		struct oplog *op = &w->log[w->nlog];
		uint64_t r = xrand(&w->rnd);

		memset(op, 0, sizeof(*op));
		op->kind = OP_GET_INFO;
		op->slot = (int)(r % NSLOTS);
		op->id = slot_id(op->slot);
		if (gen_of(w->fd, &op->before))
			w->sys_errors++;
		op->ret = ip_get_info(w->fd, op->id, &info);
		if (gen_of(w->fd, &op->after))
			w->sys_errors++;
		if (!op->ret)
			add_obs(w, &info, op->before, op->after);
		/* Keep errors (all of them) and a sample of successes. */
		if ((op->ret || w->nlog < w->maxlog / 2) && w->nlog < w->maxlog)
			w->nlog++;
	}
	return NULL;
}

/* Drain the watcher until stop_flag and then EAGAIN. */
static void *events_fn(void *p)
{
	struct events *e = p;
	struct pollfd pfd = { .fd = e->fd, .events = POLLIN };
	ssize_t n;
	bool stopping;

	for (;;) {
		stopping = __atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE);
		if (e->n >= MAX_RECORDS) {
			e->err = -ENOSPC;
			return NULL;
		}
		n = read(e->fd, e->rec + e->n,
			 (size_t)(MAX_RECORDS - e->n) * sizeof(*e->rec));
		if (n < 0 && errno == EAGAIN) {
			if (stopping)
				return NULL;
			poll(&pfd, 1, 20);
			continue;
		}
		if (n <= 0 || n % (ssize_t)sizeof(*e->rec)) {
			e->err = n < 0 ? -errno : -EPROTO;
			return NULL;
		}
		e->n += (int)(n / (ssize_t)sizeof(*e->rec));
	}
}

/*
 * The portals as the event stream tells them are a history model
 * (model.h); what only this test knows of each, by ipm_index().
 */
struct owner {
	int slot;		/* -1: not one of ours */
	int added_by;		/* successful ADDs that claimed the ARRIVE */
	int removed_by;		/* successful REMOVEs that claimed the DEPART */
};

/* ---------------------------------------------------------------------
 * The test
 */

FIXTURE(stress) {
	int wr;
	int watch;
	struct worker workers[NWORKERS + 1];	/* the last one: GET_INFO reader */
	struct oplog *main_log;			/* the initial ADDs */
	int nmain;
	struct events ev;
	struct ipm_table pt;
	struct owner *own;
};

FIXTURE_VARIANT(stress) {
	unsigned int set_delay_ms;	/* debugfs set_delay_ms during the run */
};

/* Calls as fast as they come: short busy windows. */
FIXTURE_VARIANT_ADD(stress, no_delay) {
	.set_delay_ms = 0,
};

/* Every SET holds its portal busy for >= 1 ms: many EBUSY collisions. */
FIXTURE_VARIANT_ADD(stress, set_delay_1ms) {
	.set_delay_ms = 1,
};

FIXTURE_SETUP(stress)
{
	uint64_t qlen = 0;
	int i;

	memset(self, 0, sizeof(*self));
	self->wr = self->watch = -1;
	/* Defaults: no SET delay, not corrupt, event_queue_len 4096. */
	ASSERT_EQ(0, ip_module_ensure_default());
	ASSERT_EQ(0, ip_restore_globals());
	ASSERT_EQ(0, ip_param_read("event_queue_len", &qlen));
	ASSERT_LT((uint64_t)(NSLOTS + NWORKERS * OPS_PER_WORKER), qlen);
	ASSERT_EQ(0, ip_knob_write_u32(IP_KNOB_SET_DELAY, variant->set_delay_ms));

	for (i = 0; i <= NWORKERS; i++) {
		struct worker *w = &self->workers[i];

		w->idx = i;
		w->fd = -1;
		w->rnd = ip_unique64();
		w->maxlog = i < NWORKERS ? OPS_PER_WORKER : 20000;
		w->log = calloc((size_t)w->maxlog + 1, sizeof(*w->log));
		w->obs = calloc(MAX_OBS, sizeof(*w->obs));
		ASSERT_NE(NULL, w->log);
		ASSERT_NE(NULL, w->obs);
	}
	self->main_log = calloc(NSLOTS, sizeof(*self->main_log));
	self->ev.rec = calloc(MAX_RECORDS, sizeof(*self->ev.rec));
	ASSERT_NE(NULL, self->main_log);
	ASSERT_NE(NULL, self->ev.rec);
}

FIXTURE_TEARDOWN(stress)
{
	int i;

	for (i = 0; i <= NWORKERS; i++)
		if (self->workers[i].fd >= 0)
			close(self->workers[i].fd);
	if (self->watch >= 0)
		close(self->watch);
	if (self->wr >= 0)
		close(self->wr);
	ipm_free(&self->pt);
	free(self->own);
	EXPECT_EQ(0, ip_restore_globals());
}

/* Report one failed check with the call it concerns. */
#define OP_FAIL(op, why) do {						\
	TH_LOG("%s id %llu status %u -> %d (%s), window (%llu, %llu]: %s", \
	       op_names[(op)->kind], (unsigned long long)(op)->id,	\
	       (op)->status, (op)->ret, strerror(-(op)->ret),		\
	       (unsigned long long)(op)->before,			\
	       (unsigned long long)(op)->after, why);			\
	ASSERT_TRUE(0);							\
} while (0)

/* Is @ret one of the errnos (0-terminated list, negative) allowed? */
static bool ret_in(int ret, const int *allowed)
{
	for (; *allowed; allowed++)
		if (ret == *allowed)
			return true;
	return !ret;
}

TEST_F_TIMEOUT(stress, model_of_concurrent_calls, 150)
{
	static const int mut_errs[] = { -EBUSY, -EIDRM, 0 };
	static const int get_errs[] = { -EIDRM, 0 };
	static const int add_errs[] = { -EEXIST, 0 };
	struct iscsi_portal_info *t0 = NULL, *fin = NULL;
	struct iscsi_portal_version ver;
	size_t n0, nfin, i;
	__u64 g0, gend, gfin;
	uint64_t base, t_start, t_ms;
	int ret, k, s, nw, total_ops = 0;
	struct oplog ***calls;
	int counts[OP_BOGUS + 1][6];
	int *ncalls;

	self->wr = ip_open(O_RDWR);
	ASSERT_LE(0, self->wr);
	self->watch = ip_open(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->watch);
	ASSERT_EQ(0, ip_ioctl(self->watch, ISCSI_PORTAL_IOC_WATCH, NULL));

	/* The table at WATCH (nothing else writes while the suite runs). */
	ASSERT_EQ(0, ip_list_all(self->wr, &t0, &n0, &g0));
	ASSERT_EQ(g0, ip_table_gen(self->wr));

	/* 64 fresh addresses: 2001:db8:<random 64 bits>::<slot>, port 3260. */
	base = ip_unique64();
	for (s = 0; s < NSLOTS; s++) {
		struct iscsi_portal_addr *a = &slots[s].addr;

		memset(a, 0, sizeof(*a));
		a->family = AF_INET6;
		a->port = 3260;
		a->addr[0] = 0x20;
		a->addr[1] = 0x01;
		a->addr[2] = 0x0d;
		a->addr[3] = 0xb8;
		memcpy(&a->addr[4], &base, sizeof(base));
		a->addr[15] = (__u8)(s + 1);
	}
	/* Start every slot with a portal; these ADDs are in the stream too. */
	for (s = 0; s < NSLOTS; s++) {
		struct oplog *op = &self->main_log[self->nmain++];

		op->kind = OP_ADD;
		op->slot = s;
		op->status = s % 2 ? S_ONLINE : S_OFFLINE;
		op->before = ip_table_gen(self->wr);
		op->ret = ip_add(self->wr, &slots[s].addr, op->status, &op->id);
		op->after = ip_table_gen(self->wr);
		ASSERT_EQ(0, op->ret);
		slots[s].id = op->id;
	}

	/* Go: workers, the GET_INFO reader, the event drainer. */
	ASSERT_EQ(0, pthread_barrier_init(&start_barrier, NULL, NWORKERS + 2));
	self->ev.fd = self->watch;
	ASSERT_EQ(0, pthread_create(&self->ev.thread, NULL, events_fn, &self->ev));
	for (k = 0; k <= NWORKERS; k++) {
		struct worker *w = &self->workers[k];

		w->fd = ip_open(k == NWORKERS ? O_RDONLY : O_RDWR);
		ASSERT_LE(0, w->fd);
		ASSERT_EQ(0, pthread_create(&w->thread, NULL,
					    k == NWORKERS ? reader_fn : worker_fn,
					    w));
	}
	t_start = ip_now_ms();
	pthread_barrier_wait(&start_barrier);
	for (k = 0; k < NWORKERS; k++)
		pthread_join(self->workers[k].thread, NULL);
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	pthread_join(self->workers[NWORKERS].thread, NULL);
	pthread_join(self->ev.thread, NULL);
	t_ms = ip_now_ms() - t_start;
	pthread_barrier_destroy(&start_barrier);

	/* The final state. */
	ASSERT_EQ(0, ip_version(self->wr, &ver));
	gend = ver.table_generation;
	ASSERT_EQ(0, ip_list_all(self->wr, &fin, &nfin, &gfin));
	ASSERT_EQ(gend, gfin);
	ASSERT_EQ(gend, ip_table_gen(self->wr));
	ASSERT_EQ((__u64)nfin, ver.portal_count);

	for (k = 0; k <= NWORKERS; k++) {
		ASSERT_EQ(0, self->workers[k].sys_errors);
		ASSERT_EQ(0, self->workers[k].bad_list_order);
		total_ops += self->workers[k].nlog;
	}
	ASSERT_EQ(0, self->ev.err);
	TH_LOG("%d calls logged, %d records, %llu ms", total_ops, self->ev.n,
	       (unsigned long long)t_ms);

	/* What happened, by call and result. */
	memset(counts, 0, sizeof(counts));
	for (nw = 0; nw <= NWORKERS; nw++) {
		for (k = 0; k < self->workers[nw].nlog; k++) {
			struct oplog *op = &self->workers[nw].log[k];

			counts[op->kind][0]++;
			counts[op->kind][1] += !op->ret;
			counts[op->kind][2] += op->ret == -EBUSY;
			counts[op->kind][3] += op->ret == -EIDRM;
			counts[op->kind][4] += op->ret == -EEXIST;
			counts[op->kind][5] += op->ret == -ENOENT;
		}
	}
	for (k = 0; k <= OP_BOGUS; k++) {
		TH_LOG("%-10s %5d calls: %5d ok %5d EBUSY %5d EIDRM %5d EEXIST %5d ENOENT",
		       op_names[k], counts[k][0], counts[k][1], counts[k][2],
		       counts[k][3], counts[k][4], counts[k][5]);
	}
	/* The run did race: stale ids, re-ADDs of live addresses... */
	ASSERT_LT(0, counts[OP_SET][3] + counts[OP_REPORT][3] +
		     counts[OP_REMOVE][3] + counts[OP_GET_INFO][3]);
	ASSERT_LT(0, counts[OP_ADD][4]);
	ASSERT_LT(0, counts[OP_ADD][1]);
	ASSERT_LT(0, counts[OP_REMOVE][1]);
	/* ...and, with SETs held open, collided on busy portals. */
	if (variant->set_delay_ms) {
		ASSERT_LT(0, counts[OP_SET][2] + counts[OP_REPORT][2] +
			     counts[OP_REMOVE][2]);
	}

	/* 1. The stream: consecutive seqs, whole, no OVERFLOW. */
	ASSERT_EQ(gend - g0, (__u64)self->ev.n);
	for (k = 0; k < self->ev.n; k++) {
		const struct iscsi_portal_event *e = &self->ev.rec[k];

		ASSERT_EQ(g0 + 1 + (__u64)k, e->seq);
		ASSERT_NE((__u32)T_OVERFLOW, e->type);
		ASSERT_EQ((__u32)0, e->flags);
	}

	/* 2. Replay it from the LIST taken at WATCH. */
	ASSERT_EQ(0, ipm_init(&self->pt, n0 + (size_t)self->ev.n + 64, true, g0));
	ASSERT_EQ(0, ipm_load(&self->pt, t0, n0, g0));
	self->own = calloc(self->pt.cap, sizeof(*self->own));
	ASSERT_NE(NULL, self->own);
	for (i = 0; i < self->pt.cap; i++)
		self->own[i].slot = -1;
	for (k = 0; k < self->ev.n; k++) {
		const struct iscsi_portal_event *e = &self->ev.rec[k];
		const char *why = ipm_apply(&self->pt, e);

		if (why) {
			TH_LOG("record seq %llu id %llu type %u %u->%u: %s",
			       (unsigned long long)e->seq,
			       (unsigned long long)e->id, e->type,
			       e->old_status, e->new_status, why);
		}
		ASSERT_EQ(NULL, why);
	}

	/* 3. Successful ADDs claim their ARRIVE (and give it an address). */
	for (nw = -1; nw <= NWORKERS; nw++) {
		struct oplog *log = nw < 0 ? self->main_log : self->workers[nw].log;
		int n = nw < 0 ? self->nmain : self->workers[nw].nlog;

		for (k = 0; k < n; k++) {
			struct oplog *op = &log[k];
			struct ipm_portal *p;
			struct owner *o;

			if (op->kind != OP_ADD || op->ret)
				continue;
			p = ipm_find(&self->pt, op->id);
			if (!p || !p->arrive_seq)
				OP_FAIL(op, "no ARRIVE record");
			o = &self->own[ipm_index(&self->pt, p)];
			if (o->added_by++)
				OP_FAIL(op, "two ADDs returned this id");
			if (p->arrive_seq <= op->before || p->arrive_seq > op->after)
				OP_FAIL(op, "ARRIVE outside the call's window");
			if (p->hist[0].status != op->status)
				OP_FAIL(op, "ARRIVE with another status");
			o->slot = op->slot;
			/* The ADD tells the address: the final LIST must show it. */
			p->addr = slots[op->slot].addr;
			p->has_addr = true;
		}
	}

	/* 4. Every other call, against the replayed history. */
	calls = calloc(self->pt.cap, sizeof(*calls));
	ncalls = calloc(self->pt.cap, sizeof(*ncalls));
	ASSERT_NE(NULL, calls);
	ASSERT_NE(NULL, ncalls);
	for (nw = 0; nw <= NWORKERS; nw++) {
		struct worker *w = &self->workers[nw];

		for (k = 0; k < w->nlog; k++) {
			struct oplog *op = &w->log[k];
			struct ipm_portal *p = NULL;
			struct owner *o = NULL;
			bool ok = true;

			if (op->kind != OP_BOGUS && op->kind != OP_LIST) {
				p = ipm_find(&self->pt, op->id);
				o = p ? &self->own[ipm_index(&self->pt, p)] : NULL;
				if (!p || o->slot < 0)
					OP_FAIL(op, "id not from one of our ADDs");
			}
			switch (op->kind) {
			case OP_SET:
			case OP_REPORT:
			case OP_REMOVE:
				ok = ret_in(op->ret, mut_errs);
				break;
			case OP_ADD:
				ok = ret_in(op->ret, add_errs);
				break;
			case OP_GET_INFO:
			case OP_GET_STATUS:
				ok = ret_in(op->ret, get_errs);
				break;
			case OP_LIST:
				ok = !op->ret;
				break;
			case OP_BOGUS:
				ok = op->ret == -ENOENT;
				break;
			}
			if (!ok)
				OP_FAIL(op, "errno not allowed for this call");
			if (op->kind == OP_BOGUS || op->kind == OP_LIST)
				continue;

			if (op->ret == -EIDRM && !p->depart_seq)
				OP_FAIL(op, "EIDRM for a portal never removed");
			if (op->ret == -EBUSY && p->depart_seq &&
			    p->depart_seq <= op->before)
				OP_FAIL(op, "EBUSY for a portal removed before the call");
			if (op->ret == -EEXIST) {
				/* Some portal at this address outlived 'before'. */
				bool found = false;
				size_t j;

				for (j = 0; j < self->pt.n && !found; j++) {
					struct ipm_portal *q = &self->pt.p[j];

					found = self->own[j].slot == op->slot &&
						(!q->depart_seq ||
						 q->depart_seq > op->before);
				}
				if (!found)
					OP_FAIL(op, "EEXIST with the address free");
			}
			if (op->ret)
				continue;

			switch (op->kind) {
			case OP_REMOVE:
				if (o->removed_by++)
					OP_FAIL(op, "two REMOVEs succeeded");
				if (!p->depart_seq || p->depart_seq <= op->before ||
				    p->depart_seq > op->after)
					OP_FAIL(op, "no DEPART inside the call's window");
				break;
			case OP_SET:
			case OP_REPORT: {
				size_t idx = ipm_index(&self->pt, p);

				if (p->depart_seq && p->depart_seq <= op->before)
					OP_FAIL(op, "succeeded on a removed portal");
				if (!(ncalls[idx] & (ncalls[idx] - 1))) {
					struct oplog **nc = realloc(calls[idx],
						(size_t)(ncalls[idx] ? 2 * ncalls[idx] : 1) *
						sizeof(*nc));

					ASSERT_NE(NULL, nc);
					calls[idx] = nc;
				}
				calls[idx][ncalls[idx]++] = op;
				break;
			}
			case OP_GET_STATUS:
				if (!ipm_had_status(p, op->status, op->before,
						    op->after + 1))
					OP_FAIL(op, "GET_STATUS saw a status the portal did not have");
				break;
			case OP_GET_INFO:
				if (p->depart_seq && p->depart_seq <= op->before)
					OP_FAIL(op, "GET_INFO succeeded on a removed portal");
				break;
			default:
				break;
			}
		}
	}
	/* Every DEPART was claimed by exactly one successful REMOVE. */
	for (i = 0; i < self->pt.n; i++) {
		struct ipm_portal *p = &self->pt.p[i];

		if (p->depart_seq) {
			ASSERT_EQ(1, self->own[i].removed_by);
		}
		if (p->arrive_seq) {
			ASSERT_EQ(1, self->own[i].added_by);
		}
	}

	/*
	 * 5. MODIFY records <-> successful SET/REPORT calls: each record to
	 * the unclaimed call with that status whose window holds it and ends
	 * first; calls left over were no-ops.
	 */
	for (i = 0; i < self->pt.n; i++) {
		struct ipm_portal *p = &self->pt.p[i];
		unsigned int h;
		int c;

		for (h = 1; h < p->nhist; h++) {
			struct oplog *best = NULL;
			__u64 seq = p->hist[h].seq;

			for (c = 0; c < ncalls[i]; c++) {
				struct oplog *op = calls[i][c];

				if (op->slot < 0 || op->status != p->hist[h].status ||
				    op->before >= seq || op->after < seq)
					continue;
				if (!best || op->after < best->after)
					best = op;
			}
			if (!best) {
				TH_LOG("MODIFY seq %llu of id %llu to %u: no successful call made it",
				       (unsigned long long)seq,
				       (unsigned long long)p->id, p->hist[h].status);
				ASSERT_TRUE(0);
			}
			best->slot = -1 - best->slot;	/* claimed */
		}
		for (c = 0; c < ncalls[i]; c++) {
			struct oplog *op = calls[i][c];

			if (op->slot < 0) {
				op->slot = -1 - op->slot;
				continue;
			}
			if (!ipm_had_status(p, op->status, op->before, op->after + 1))
				OP_FAIL(op, "succeeded, changed nothing, yet the portal never had that status");
		}
		free(calls[i]);
	}
	free(calls);
	free(ncalls);

	/* 6. Every (status, generation) a reader saw was a real state. */
	for (nw = 0; nw <= NWORKERS; nw++) {
		struct worker *w = &self->workers[nw];

		for (k = 0; k < w->nobs; k++) {
			struct obs *o = &w->obs[k];
			struct ipm_portal *p = ipm_find(&self->pt, o->id);
			const char *why = p ? ipm_check_pair(p, o->status, o->gen,
							     o->before, o->after + 1) :
					      "unknown id";

			if (why) {
				TH_LOG("reader saw id %llu status %u generation %llu in window [%llu, %llu]: %s",
				       (unsigned long long)o->id, o->status,
				       (unsigned long long)o->gen,
				       (unsigned long long)o->before,
				       (unsigned long long)o->after + 1, why);
			}
			ASSERT_EQ(NULL, why);
		}
	}

	/* 7. The replayed table is the final LIST. */
	{
		size_t where = 0;
		const char *why = ipm_check_list(&self->pt, fin, nfin, &where);

		if (why) {
			TH_LOG("final LIST entry %zu of %zu (id %llu): %s", where,
			       nfin, where < nfin ?
			       (unsigned long long)fin[where].id : 0ull, why);
		}
		ASSERT_EQ(NULL, why);
	}
	for (i = 0; i < nfin; i++) {
		struct ipm_portal *p = ipm_find(&self->pt, fin[i].id);
		int slot;

		ASSERT_NE(NULL, p);
		slot = self->own[ipm_index(&self->pt, p)].slot;
		ASSERT_TRUE(p->live);
		ASSERT_EQ(p->status, fin[i].status);
		ASSERT_EQ(p->base_gen + (__u64)p->nmodify, fin[i].generation);
		if (slot >= 0) {
			ASSERT_EQ(0, memcmp(&slots[slot].addr, &fin[i].addr,
					    sizeof(fin[i].addr)));
		} else {
			ASSERT_TRUE(p->from_list);
			ASSERT_EQ(0, memcmp(&p->addr, &fin[i].addr,
					    sizeof(fin[i].addr)));
		}
		/* Portals born in the run: generation = MODIFY records. */
		if (p->arrive_seq) {
			ASSERT_EQ((__u64)p->nmodify, fin[i].generation);
		}
	}
	ASSERT_EQ(nfin, self->pt.nlive);

	/* 8. Leave the table as we found it. */
	for (s = 0; s < NSLOTS; s++) {
		ret = ip_remove(self->wr, slot_id(s));
		ASSERT_TRUE(ret == 0 || ret == -EIDRM);
	}
	ASSERT_EQ(n0, (size_t)ip_portal_count(self->wr));
	free(t0);
	free(fin);
}

/* ---------------------------------------------------------------------
 * REMOVE racing SET/REPORT/GET on the same ids
 */

#define RACE_ROUNDS	40
#define RACE_IDS	8
#define RACE_OPS	200	/* per hammer thread and round at most */

struct race {
	pthread_t thread;
	int fd;
	bool remover;
	__u64 ids[RACE_IDS];
	int bad_ret;		/* first errno outside the allowed set */
	const char *bad_op;
	int removed;		/* remover: successful REMOVEs */
	int eidrm;		/* hammers: EIDRM seen */
	uint64_t rnd;
};

static pthread_barrier_t race_barrier;

static void race_bad(struct race *r, const char *op, int ret)
{
	if (!r->bad_op) {
		r->bad_op = op;
		r->bad_ret = ret;
	}
}

static void *race_fn(void *p)
{
	struct race *r = p;
	struct iscsi_portal_info info;
	int i, ret, n;

	pthread_barrier_wait(&race_barrier);
	if (r->remover) {
		for (i = 0; i < RACE_IDS; i++) {
			do {
				ret = ip_remove(r->fd, r->ids[i]);
			} while (ret == -EBUSY);
			if (ret)
				race_bad(r, "REMOVE", ret);
			else
				r->removed++;
		}
		return NULL;
	}
	for (n = 0; n < RACE_OPS; n++) {
		uint64_t x = xrand(&r->rnd);
		__u64 id = r->ids[x % RACE_IDS];

		x /= RACE_IDS;
		switch (x % 4) {
		case 0:
			ret = ip_set_status(r->fd, id, x & 4 ? S_ONLINE : S_OFFLINE);
			if (ret && ret != -EBUSY && ret != -EIDRM)
				race_bad(r, "SET", ret);
			break;
		case 1:
			ret = ip_report_status(r->fd, id, x & 4 ? S_ONLINE :
					       S_FAILED);
			if (ret && ret != -EBUSY && ret != -EIDRM)
				race_bad(r, "REPORT", ret);
			break;
		case 2:
			ret = ip_get_info(r->fd, id, &info);
			if (ret && ret != -EIDRM)
				race_bad(r, "GET_INFO", ret);
			if (!ret && info.id != id)
				race_bad(r, "GET_INFO id", -EPROTO);
			break;
		default:
			ret = ip_get_status(r->fd, id, NULL, NULL);
			if (ret && ret != -EIDRM)
				race_bad(r, "GET_STATUS", ret);
			break;
		}
		r->eidrm += ret == -EIDRM;
	}
	return NULL;
}

/*
 * One thread removes 8 portals while two others hammer SET, REPORT,
 * GET_INFO and GET_STATUS on the same ids: only success, EBUSY (mutating
 * calls) and EIDRM ever come back; afterwards every call on those ids is
 * EIDRM, and the stream has exactly one DEPART per id and nothing after.
 */
TEST(remove_races_set_and_get)
{
	struct iscsi_portal_event *rec;
	struct race r[3];
	int wr, w, round, i, j, n, eidrm = 0;

	rec = calloc(4096, sizeof(*rec));
	ASSERT_NE(NULL, rec);
	wr = ip_open(O_RDWR);
	ASSERT_LE(0, wr);
	w = ip_open(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, ip_ioctl(w, ISCSI_PORTAL_IOC_WATCH, NULL));
	memset(r, 0, sizeof(r));
	for (i = 0; i < 3; i++) {
		r[i].fd = ip_open(O_RDWR);
		ASSERT_LE(0, r[i].fd);
		r[i].remover = i == 0;
		r[i].rnd = ip_unique64();
	}

	for (round = 0; round < RACE_ROUNDS; round++) {
		for (j = 0; j < RACE_IDS; j++) {
			ASSERT_EQ(0, ip_add_unique(wr, j % 2 ? AF_INET : AF_INET6,
						   S_ONLINE, &r[0].ids[j], NULL));
		}
		for (i = 1; i < 3; i++)
			memcpy(r[i].ids, r[0].ids, sizeof(r[0].ids));
		r[0].removed = 0;
		ASSERT_EQ(0, pthread_barrier_init(&race_barrier, NULL, 3));
		for (i = 0; i < 3; i++) {
			ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, race_fn,
						    &r[i]));
		}
		for (i = 0; i < 3; i++)
			pthread_join(r[i].thread, NULL);
		pthread_barrier_destroy(&race_barrier);
		for (i = 0; i < 3; i++) {
			if (r[i].bad_op) {
				TH_LOG("round %d: %s returned %d (%s)", round,
				       r[i].bad_op, r[i].bad_ret,
				       strerror(-r[i].bad_ret));
			}
			ASSERT_EQ(NULL, r[i].bad_op);
		}
		ASSERT_EQ(RACE_IDS, r[0].removed);

		/* Gone for good, for every kind of call. */
		for (j = 0; j < RACE_IDS; j++) {
			const char *call;
			int got = 0;

			call = ip_id_calls_fail(wr, r[0].ids[j], -EIDRM, &got);
			ASSERT_EQ(NULL, call)
				TH_LOG("%s of id %llu returned %d", call,
				       (unsigned long long)r[0].ids[j], got);
		}

		/* The stream: per id, ARRIVE, MODIFYs, one DEPART, then nothing. */
		fill_cc(rec, 4096 * sizeof(*rec));
		n = (int)read(w, rec, 4096 * sizeof(*rec));
		ASSERT_LT(0, n);
		ASSERT_EQ(0, n % (int)sizeof(*rec));
		n /= (int)sizeof(*rec);
		ASSERT_GT(4096, n);
		for (j = 0; j < RACE_IDS; j++) {
			int arrive = 0, depart = 0;

			for (i = 0; i < n; i++) {
				if (i) {
					ASSERT_EQ(rec[i - 1].seq + 1, rec[i].seq);
				}
				ASSERT_NE((__u32)T_OVERFLOW, rec[i].type);
				if (rec[i].id != r[0].ids[j])
					continue;
				ASSERT_EQ(0, depart);	/* nothing after DEPART */
				if (rec[i].type == T_ARRIVE) {
					ASSERT_EQ(0, arrive++);
				}
				if (rec[i].type == T_DEPART)
					depart++;
			}
			ASSERT_EQ(1, arrive);
			ASSERT_EQ(1, depart);
		}
		ASSERT_EQ(-1, read(w, rec, sizeof(*rec)));
		ASSERT_EQ(EAGAIN, errno);
	}
	for (i = 1; i < 3; i++)
		eidrm += r[i].eidrm;
	TH_LOG("%d EIDRM seen by the hammers over %d rounds", eidrm,
	       RACE_ROUNDS);
	/* Not vacuous: the hammers did call on ids the remover had removed. */
	EXPECT_LT(0, eidrm);
	for (i = 0; i < 3; i++)
		close(r[i].fd);
	close(w);
	close(wr);
	free(rec);
}

TEST_HARNESS_MAIN
