/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compile test: the UAPI header alone, strict C99 (-pedantic -Werror), and
 * every name CONTRACT section 3 promises.  Nothing runs.
 */
#include <linux/iscsi_portal.h>

#include "uapi_names.h"

int uapi_c99_sizes(void);

int uapi_c99_sizes(void)
{
	UAPI_DECLARE_OBJECTS();

	return UAPI_USE_ALL_NAMES();
}
