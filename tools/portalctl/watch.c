// SPDX-License-Identifier: GPL-2.0
/*
 * portalctl watch: one line per committed change, until SIGINT or SIGTERM.
 *
 * The walk: WATCH first, then LIST, so that no change falls between the
 * two; events whose seq is not above the LIST's table_generation are
 * already in it and skipped.  Addresses come from that LIST and from
 * GET_INFO on ARRIVE; a DEPART uses the remembered one.  On OVERFLOW the
 * same resynchronisation runs again and the whole table is printed.
 */
#define _GNU_SOURCE	/* ppoll() */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portalctl.h"

#define EVENT_BATCH	64

struct known {
	uint64_t id;
	struct iscsi_portal_addr addr;
};

struct watch {
	struct ctx *c;
	struct known *known;	/* ascending id */
	size_t n, cap;
	uint64_t since;		/* events up to this seq are in the table */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Index of @id in w->known, or where it would go. */
static size_t find(const struct watch *w, uint64_t id)
{
	size_t lo = 0, hi = w->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->known[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct known *lookup(const struct watch *w, uint64_t id)
{
	size_t i = find(w, id);

	return i < w->n && w->known[i].id == id ? &w->known[i] : NULL;
}

static int remember(struct watch *w, uint64_t id,
		    const struct iscsi_portal_addr *addr)
{
	size_t i = find(w, id);

	if (i < w->n && w->known[i].id == id) {
		w->known[i].addr = *addr;
		return 0;
	}
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 64;
		struct known *tmp = reallocarray(w->known, ncap, sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		w->known = tmp;
		w->cap = ncap;
	}
	memmove(&w->known[i + 1], &w->known[i],
		(w->n - i) * sizeof(w->known[0]));
	w->known[i].id = id;
	w->known[i].addr = *addr;
	w->n++;
	return 0;
}

static void forget(struct watch *w, uint64_t id)
{
	size_t i = find(w, id);

	if (i < w->n && w->known[i].id == id) {
		memmove(&w->known[i], &w->known[i + 1],
			(w->n - i - 1) * sizeof(w->known[0]));
		w->n--;
	}
}

/* LIST again; remember every address; print the table if @show. */
static int resync(struct watch *w, bool show, const char *when)
{
	struct iscsi_portal_info *infos;
	struct owner *owners = NULL;
	size_t n, i;
	int err;

	err = ipl_list_all(w->c->h, &infos, &n, &w->since);
	if (err)
		return op_fail(err, "watch: list");
	if (show) {
		err = get_owners(w->c->h, infos, n, &owners);
		if (err) {
			free(infos);
			return op_fail(err, "watch: list");
		}
	}
	w->n = 0;
	for (i = 0; i < n && !err; i++)
		err = remember(w, infos[i].id, &infos[i].addr);
	if (!err && show && w->c->json) {
		printf("{\"time\":\"%s\",\"event\":\"overflow\","
		       "\"event_value\":%u,\"table_generation\":%llu,"
		       "\"portals\":", when, (unsigned int)ISCSI_PORTAL_EVENT_OVERFLOW,
		       (unsigned long long)w->since);
		print_infos_json(infos, owners, n);
		puts("}");
	} else if (!err && show) {
		printf("%s  overflow: events were lost; the table at generation %llu:\n",
		       when, (unsigned long long)w->since);
		print_infos(infos, owners, n, false);
	}
	free(owners);
	free(infos);
	return err ? op_fail(err, "watch") : EXIT_OK;
}

/* The address of @id: remembered, else asked for (and remembered). */
static void address_of(struct watch *w, uint64_t id, char *buf, size_t len)
{
	const struct known *k = lookup(w, id);
	struct iscsi_portal_info info;

	if (!k && !ipl_get_info(w->c->h, id, &info) &&
	    !remember(w, id, &info.addr))
		k = lookup(w, id);
	if (k)
		format_addr(&k->addr, buf, len);
	else
		snprintf(buf, len, "-");	/* gone before we could ask */
}

static void print_event(const struct watch *w,
			const struct iscsi_portal_event *ev, const char *when,
			const char *addr)
{
	char tbuf[IPL_NAME_STRLEN], obuf[IPL_NAME_STRLEN];
	char nbuf[IPL_NAME_STRLEN];
	/* The names come back as the return value; the buffers are scratch. */
	const char *type = ipl_event_type_str(ev->type, tbuf, sizeof(tbuf));
	const char *olds = ipl_status_str(ev->old_status, obuf, sizeof(obuf));
	const char *news = ipl_status_str(ev->new_status, nbuf, sizeof(nbuf));
	if (!w->c->json) {
		printf("%s  %llu  %s  %s  %s -> %s\n", when,
		       (unsigned long long)ev->id, addr, type, olds, news);
		return;
	}
	printf("{\"time\":\"%s\",\"seq\":%llu,\"id\":%llu,\"address\":",
	       when, (unsigned long long)ev->seq, (unsigned long long)ev->id);
	json_put_string(stdout, addr);
	printf(",\"event\":\"%s\",\"event_value\":%u,\"old_status\":\"%s\","
	       "\"old_status_value\":%u,\"new_status\":\"%s\","
	       "\"new_status_value\":%u}\n", type, ev->type, olds,
	       ev->old_status, news, ev->new_status);
}

static int handle_event(struct watch *w, const struct iscsi_portal_event *ev)
{
	char when[64], addr[IPL_ADDR_STRLEN];

	format_now(when, sizeof(when));
	if (ev->type == ISCSI_PORTAL_EVENT_OVERFLOW)
		return resync(w, true, when);
	if (ev->seq <= w->since)
		return EXIT_OK;		/* already in the last LIST */
	address_of(w, ev->id, addr, sizeof(addr));
	print_event(w, ev, when, addr);
	if (ev->type == ISCSI_PORTAL_EVENT_DEPART)
		forget(w, ev->id);
	return EXIT_OK;
}

/* Read and print what is queued; EXIT_OK once the queue is empty. */
static int drain(struct watch *w)
{
	struct iscsi_portal_event ev[EVENT_BATCH];
	int i, ret;

	for (;;) {
		int n = ipl_read_events(w->c->h, ev, EVENT_BATCH);
		if (n == -EAGAIN || n == -EINTR)
			return EXIT_OK;
		if (n < 0)
			return op_fail(n, "watch: read");
		if (n == 0) {
			fprintf(stderr, "portalctl: watch: the device closed the stream\n");
			return EXIT_FAIL;
		}
		for (i = 0; i < n; i++) {
			ret = handle_event(w, &ev[i]);
			if (ret)
				return ret;
		}
		if (fflush(stdout)) {
			perror("portalctl: watch: write");
			return EXIT_FAIL;
		}
	}
}

/*
 * SIGINT and SIGTERM stay blocked except inside ppoll(), so a signal can
 * never slip in between the stop check and the wait.
 */
static int setup_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, waitmask) ||
	    sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) {
		perror("portalctl: watch: signals");
		return EXIT_FAIL;
	}
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	return EXIT_OK;
}

static int watch_loop(struct watch *w, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = ipl_fd(w->c->h), .events = POLLIN };
	int ret;

	while (!stop) {
		if (ppoll(&pfd, 1, NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			perror("portalctl: watch: poll");
			return EXIT_FAIL;
		}
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "portalctl: watch: the device reported an error\n");
			return EXIT_FAIL;
		}
		ret = drain(w);
		if (ret)
			return ret;
	}
	return EXIT_OK;
}

int cmd_watch_run(struct ctx *c)
{
	struct watch w = { .c = c };
	sigset_t waitmask;
	int ret;

	ret = setup_signals(&waitmask);
	if (ret)
		return ret;
	ret = ipl_watch(c->h);
	if (ret)
		return op_fail(ret, "watch");
	ret = resync(&w, false, NULL);
	if (!ret) {
		fflush(stdout);
		ret = watch_loop(&w, &waitmask);
	}
	free(w.known);
	return ret;
}
