/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared between the library's source files; not exported (the
 * version script hides them in the shared library, the ipl__ prefix keeps
 * them out of the way in the static one).
 */
#ifndef ISCSIPORTAL_INTERNAL_H
#define ISCSIPORTAL_INTERNAL_H

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

struct ipl_handle;

/* ioctl(2) on the handle's descriptor: 0, or -errno (-EINVAL for NULL @h). */
int ipl__ioctl(struct ipl_handle *h, unsigned long req, void *arg);

#endif /* ISCSIPORTAL_INTERNAL_H */
