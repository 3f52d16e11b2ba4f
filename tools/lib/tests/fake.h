/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for ioctl(2) on one descriptor, so the library's wrappers can
 * be checked on a host without the module: it records what the library
 * passed and answers with canned replies.  It is not a model of the module.
 */
#ifndef FAKE_H
#define FAKE_H

#include <stdbool.h>
#include <stddef.h>

struct ipl_handle;

struct fake_ioctl {
	int fd;				/* the descriptor answered; -1: none */
	unsigned int calls;
	unsigned long last_req;
	bool last_arg_null;
	unsigned char last_arg[64];	/* the argument as the library sent it */
	int fail_errno;			/* nonzero: every call fails with it */
	/* Called after recording; returns 0 or an errno. */
	int (*handler)(unsigned long req, void *arg);
};

extern struct fake_ioctl fake;

/* A handle on /dev/null whose ioctls go to the fake; NULL on failure. */
struct ipl_handle *fake_open(int (*handler)(unsigned long req, void *arg));
/*
 * The same on @fd (closed on failure), e.g. one end of a socket pair whose
 * other end plays the module's read() side.
 */
struct ipl_handle *fake_open_fd(int fd,
				int (*handler)(unsigned long req, void *arg));
/* Close it and stop answering. */
void fake_close(struct ipl_handle *h);

#endif /* FAKE_H */
