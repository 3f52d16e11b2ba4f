// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl(2) interposed for the test binary: the library's calls on fake.fd
 * land here, every other descriptor goes to the real system call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "iscsiportal.h"
#include "fake.h"

struct fake_ioctl fake = { .fd = -1 };

int ioctl(int fd, unsigned long req, ...)
{
	size_t size = _IOC_SIZE(req);
	va_list ap;
	void *arg;
	int err;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd != fake.fd)
		return (int)syscall(SYS_ioctl, fd, req, arg);

	fake.calls++;
	fake.last_req = req;
	fake.last_arg_null = !arg;
	memset(fake.last_arg, 0, sizeof(fake.last_arg));
	if (arg)
		memcpy(fake.last_arg, arg,
		       size < sizeof(fake.last_arg) ? size : sizeof(fake.last_arg));
	err = fake.fail_errno;
	if (!err && fake.handler)
		err = fake.handler(req, arg);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

struct ipl_handle *fake_open_fd(int fd,
				int (*handler)(unsigned long req, void *arg))
{
	struct ipl_handle *h;

	if (fd < 0)
		return NULL;
	if (ipl_open_fd(&h, fd)) {
		close(fd);
		return NULL;
	}
	memset(&fake, 0, sizeof(fake));
	fake.fd = fd;
	fake.handler = handler;
	return h;
}

struct ipl_handle *fake_open(int (*handler)(unsigned long req, void *arg))
{
	return fake_open_fd(open("/dev/null", O_RDWR | O_CLOEXEC), handler);
}

void fake_close(struct ipl_handle *h)
{
	ipl_close(h);
	memset(&fake, 0, sizeof(fake));
	fake.fd = -1;
}
