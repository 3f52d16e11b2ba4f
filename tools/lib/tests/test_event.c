// SPDX-License-Identifier: GPL-2.0
/*
 * The event reader against a socket pair standing in for the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "iscsiportal.h"
#include "tap.h"

/* A handle on one end of a stream socket pair; *@peer is the other. */
static struct ipl_handle *pair_open(int *peer, bool nonblock)
{
	struct ipl_handle *h;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return NULL;
	if ((nonblock && fcntl(sv[0], F_SETFL, O_NONBLOCK)) ||
	    ipl_open_fd(&h, sv[0])) {
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	*peer = sv[1];
	return h;
}

static void make_events(struct iscsi_portal_event *ev, unsigned int n)
{
	unsigned int i;

	memset(ev, 0, n * sizeof(*ev));
	for (i = 0; i < n; i++) {
		ev[i].seq = 10 + i;
		ev[i].id = 1 + i;
		ev[i].type = ISCSI_PORTAL_EVENT_MODIFY;
		ev[i].old_status = ISCSI_PORTAL_STATUS_ONLINE;
		ev[i].new_status = ISCSI_PORTAL_STATUS_OFFLINE;
	}
}

static bool send_all(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len;
}

/* A pair with the first @queued of @in's @n made-up records written. */
static struct ipl_handle *pair_with(int *peer, bool nonblock,
				    struct iscsi_portal_event *in,
				    unsigned int n, size_t queued)
{
	struct ipl_handle *h = pair_open(peer, nonblock);

	if (!CHECK(h))
		return NULL;
	make_events(in, n);
	if (!CHECK(send_all(*peer, in, queued))) {
		close(*peer);
		ipl_close(h);
		return NULL;
	}
	return h;
}

static void test_read_records(void)
{
	struct iscsi_portal_event in[3], out[8];
	struct ipl_handle *h;
	int peer;

	h = pair_with(&peer, false, in, 3, sizeof(in));
	if (!h)
		return;
	CHECK_INT(ipl_read_events(h, out, 8), 3);
	CHECK(!memcmp(in, out, sizeof(in)));

	/* Fewer slots than queued records: the rest stays for later. */
	CHECK(send_all(peer, in, sizeof(in)));
	CHECK_INT(ipl_read_events(h, out, 2), 2);
	CHECK_UINT(out[1].seq, 11);
	CHECK_INT(ipl_read_events(h, out, 8), 1);
	CHECK_UINT(out[0].seq, 12);

	CHECK_INT(ipl_read_events(h, out, 0), -EINVAL);
	CHECK_INT(ipl_read_events(h, NULL, 1), -EINVAL);
	CHECK_INT(ipl_read_events(NULL, out, 1), -EINVAL);

	close(peer);				/* end of file */
	CHECK_INT(ipl_read_events(h, out, 8), 0);
	ipl_close(h);
}

static void test_partial_record(void)
{
	struct iscsi_portal_event in[1], out[2];
	struct ipl_handle *h;
	int peer;

	h = pair_with(&peer, false, in, 1, sizeof(in) - 12);
	if (!h)
		return;
	CHECK_INT(ipl_read_events(h, out, 2), -EPROTO);
	close(peer);
	ipl_close(h);
}

static void test_nonblocking(void)
{
	struct iscsi_portal_event in[1], out[2];
	struct ipl_handle *h;
	int peer;

	h = pair_with(&peer, true, in, 1, 0);
	if (!h)
		return;
	CHECK_INT(ipl_read_events(h, out, 2), -EAGAIN);
	CHECK(send_all(peer, in, sizeof(in)));
	CHECK_INT(ipl_read_events(h, out, 2), 1);
	CHECK_INT(ipl_read_events(h, out, 2), -EAGAIN);
	close(peer);
	ipl_close(h);
}

static void test_read_error(void)
{
	struct iscsi_portal_event out[1];
	struct ipl_handle *h;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (!CHECK(fd >= 0))
		return;
	if (!CHECK_INT(ipl_open_fd(&h, fd), 0)) {
		close(fd);
		return;
	}
	CHECK_INT(ipl_read_events(h, out, 1), -EBADF);
	ipl_close(h);
}

const struct test event_tests[] = {
	{ "events: whole records, fewer slots, EOF", test_read_records },
	{ "events: a partial record is EPROTO", test_partial_record },
	{ "events: EAGAIN when non-blocking and empty", test_nonblocking },
	{ "events: read errors are passed on", test_read_error },
	{ NULL, NULL },
};
