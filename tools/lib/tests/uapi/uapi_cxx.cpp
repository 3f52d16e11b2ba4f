// SPDX-License-Identifier: GPL-2.0
/*
 * Compile test: the UAPI header alone from C++ (-pedantic -Werror), and
 * every name CONTRACT section 3 promises.  Nothing runs.
 */
#include <linux/iscsi_portal.h>

#include "uapi_names.h"

int uapi_cxx_sizes();

int uapi_cxx_sizes()
{
	UAPI_DECLARE_OBJECTS();

	return UAPI_USE_ALL_NAMES();
}
