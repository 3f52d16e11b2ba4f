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
#include "harness.h"

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
static struct ipl_handle *pair_with(struct __test_metadata *_metadata,
				    int *peer, bool nonblock,
				    struct iscsi_portal_event *in,
				    unsigned int n, size_t queued)
{
	struct ipl_handle *h = pair_open(peer, nonblock);
	bool ok = true;

	EXPECT_NE(NULL, h) ok = false;
	if (!ok)
		return NULL;
	make_events(in, n);
	EXPECT_TRUE(send_all(*peer, in, queued)) ok = false;
	if (!ok) {
		close(*peer);
		ipl_close(h);
		return NULL;
	}
	return h;
}

/* events: whole records, fewer slots, EOF */
TEST(events_read_records)
{
	struct iscsi_portal_event in[3], out[8];
	struct ipl_handle *h;
	int peer;

	h = pair_with(_metadata, &peer, false, in, 3, sizeof(in));
	if (!h)
		return;
	EXPECT_EQ(3, ipl_read_events(h, out, 8));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));

	/* Fewer slots than queued records: the rest stays for later. */
	EXPECT_TRUE(send_all(peer, in, sizeof(in)));
	EXPECT_EQ(2, ipl_read_events(h, out, 2));
	EXPECT_EQ(11U, out[1].seq);
	EXPECT_EQ(1, ipl_read_events(h, out, 8));
	EXPECT_EQ(12U, out[0].seq);

	EXPECT_EQ(-EINVAL, ipl_read_events(h, out, 0));
	EXPECT_EQ(-EINVAL, ipl_read_events(h, NULL, 1));
	EXPECT_EQ(-EINVAL, ipl_read_events(NULL, out, 1));

	close(peer);				/* end of file */
	EXPECT_EQ(0, ipl_read_events(h, out, 8));
	ipl_close(h);
}

/* events: a partial record is EPROTO */
TEST(events_partial_record)
{
	struct iscsi_portal_event in[1], out[2];
	struct ipl_handle *h;
	int peer;

	h = pair_with(_metadata, &peer, false, in, 1, sizeof(in) - 12);
	if (!h)
		return;
	EXPECT_EQ(-EPROTO, ipl_read_events(h, out, 2));
	close(peer);
	ipl_close(h);
}

/* events: EAGAIN when non-blocking and empty */
TEST(events_nonblocking)
{
	struct iscsi_portal_event in[1], out[2];
	struct ipl_handle *h;
	int peer;

	h = pair_with(_metadata, &peer, true, in, 1, 0);
	if (!h)
		return;
	EXPECT_EQ(-EAGAIN, ipl_read_events(h, out, 2));
	EXPECT_TRUE(send_all(peer, in, sizeof(in)));
	EXPECT_EQ(1, ipl_read_events(h, out, 2));
	EXPECT_EQ(-EAGAIN, ipl_read_events(h, out, 2));
	close(peer);
	ipl_close(h);
}

/* events: read errors are passed on */
TEST(events_read_error)
{
	struct iscsi_portal_event out[1];
	struct ipl_handle *h;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ipl_open_fd(&h, fd))
		close(fd);
	EXPECT_EQ(-EBADF, ipl_read_events(h, out, 1));
	ipl_close(h);
}

TEST_HARNESS_MAIN
