/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared between the library's source files; not exported (the
 * version script hides them in the shared library, the ipl__ prefix keeps
 * them out of the way in the static one).
 */
#ifndef ISCSIPORTAL_INTERNAL_H
#define ISCSIPORTAL_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse exactly @len decimal digits at @s (no sign, no space, at least one
 * digit) as a value no larger than @max.  Returns 0 or -EINVAL.
 */
int ipl__parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out);

/*
 * Return the name of @value from @names (@count entries, NULL where a value
 * has no name), else format "unknown(N)" into @buf and return it ("unknown"
 * when @buf cannot hold it).
 */
const char *ipl__name_or_unknown(const char *const *names, size_t count,
				 uint32_t value, char *buf, size_t len);

/*
 * The role a handle's descriptor took through the library: the module makes
 * an fd a watcher (WATCH) or a provider (PROVIDER_ATTACH), never both, but
 * read(2) serves both, and an event record has the size of a request
 * record, so only the library can tell a reader of the wrong kind.
 */
enum ipl__role {
	/*
	 * No role taken through this handle: none yet (ipl_open()), or one
	 * the library cannot know (an fd given to ipl_open_fd(), set by
	 * someone else).  Nothing is checked: the module judges.
	 */
	IPL__ROLE_UNKNOWN = 0,
	IPL__ROLE_WATCHER,		/* ipl_watch() succeeded */
	IPL__ROLE_PROVIDER,		/* ipl_provider_attach() succeeded */
};

/*
 * A handle: the descriptor, fixed from ipl_open_fd() to ipl_close(), and
 * the role, written only by a successful ipl_watch() or
 * ipl_provider_attach() and read by the calls of one role.  The role is
 * accessed atomically, so that calls on one handle may run in several
 * threads at once (iscsiportal.h: Conventions); there is no other mutable
 * state.
 */
struct ipl_handle {
	int fd;
	int role;			/* enum ipl__role */
};

static inline void ipl__set_role(struct ipl_handle *h, enum ipl__role role)
{
	__atomic_store_n(&h->role, (int)role, __ATOMIC_RELAXED);
}

/*
 * 0 when a call of role @want may go on @h: -EINVAL for a NULL @h or when
 * @h took the other role through the library; an unknown role passes.
 */
static inline int ipl__check_role(const struct ipl_handle *h,
				  enum ipl__role want)
{
	int role;

	if (!h)
		return -EINVAL;
	role = __atomic_load_n(&h->role, __ATOMIC_RELAXED);
	return role == IPL__ROLE_UNKNOWN || role == (int)want ? 0 : -EINVAL;
}

/* ioctl(2) on the handle's descriptor: 0, or -errno (-EINVAL for NULL @h). */
int ipl__ioctl(struct ipl_handle *h, unsigned long req, void *arg);

#endif /* ISCSIPORTAL_INTERNAL_H */
