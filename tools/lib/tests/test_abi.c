// SPDX-License-Identifier: GPL-2.0
/*
 * The shared library's version nodes, looked up the way the dynamic
 * linker resolves a program built against an older release: every
 * function of release 1 stays in node LIBISCSIPORTAL_1, the provider
 * calls are in LIBISCSIPORTAL_2 and in no earlier node.  The lists are
 * the ABI: a name only ever joins the newest node.
 */
#define _GNU_SOURCE	/* dlvsym() */
#include <dlfcn.h>
#include <string.h>

#include "iscsiportal.h"
#include "harness.h"

static const char *const node1[] = {
	"ipl_open", "ipl_open_fd", "ipl_close", "ipl_fd", "ipl_version",
	"ipl_check_version", "ipl_add", "ipl_remove", "ipl_get_info",
	"ipl_get_status", "ipl_set_status", "ipl_report_status", "ipl_list",
	"ipl_reenumerate", "ipl_refresh", "ipl_watch", "ipl_list_iter_new",
	"ipl_list_iter_free", "ipl_list_iter_reset", "ipl_list_iter_next",
	"ipl_list_iter_generation", "ipl_list_iter_first_generation",
	"ipl_list_iter_changed", "ipl_list_all", "ipl_read_events",
	"ipl_event_type_str", "ipl_status_is_known", "ipl_status_str",
	"ipl_status_parse", "ipl_addr_validate", "ipl_addr_parse",
	"ipl_addr_format", "ipl_addr_equal", "ipl_errno_to_hresult",
	"ipl_hresult_name", "ipl_strerror",
};

static const char *const node2[] = {
	"ipl_set_status_flags", "ipl_provider_attach", "ipl_provider_next",
	"ipl_provider_reply", "ipl_provider_serve", "ipl_get_provider",
	"ipl_request_type_str", "ipl_info_flags_format",
	"ipl_provider_errno_to_hresult", "ipl_provider_mark_corrupt",
};

/* The library this program was linked with. */
static void *library(void)
{
	return dlopen("libiscsiportal.so.1", RTLD_NOW | RTLD_NOLOAD);
}

/* abi: every release-1 function is in node LIBISCSIPORTAL_1 */
TEST(abi_node1)
{
	void *lib = library();
	size_t i;

	ASSERT_NE(NULL, lib) TH_LOG("%s", dlerror());
	for (i = 0; i < ARRAY_SIZE(node1); i++) {
		EXPECT_NE(NULL, dlvsym(lib, node1[i], "LIBISCSIPORTAL_1"))
			TH_LOG("%s@LIBISCSIPORTAL_1", node1[i]);
		EXPECT_NULL(dlvsym(lib, node1[i], "LIBISCSIPORTAL_2"))
			TH_LOG("%s@LIBISCSIPORTAL_2", node1[i]);
	}
	dlclose(lib);
}

/* abi: the provider calls are in node LIBISCSIPORTAL_2, not in 1 */
TEST(abi_node2)
{
	void *lib = library();
	size_t i;

	ASSERT_NE(NULL, lib) TH_LOG("%s", dlerror());
	for (i = 0; i < ARRAY_SIZE(node2); i++) {
		EXPECT_NE(NULL, dlvsym(lib, node2[i], "LIBISCSIPORTAL_2"))
			TH_LOG("%s@LIBISCSIPORTAL_2", node2[i]);
		EXPECT_NULL(dlvsym(lib, node2[i], "LIBISCSIPORTAL_1"))
			TH_LOG("%s@LIBISCSIPORTAL_1", node2[i]);
	}
	dlclose(lib);
}

/* abi: the versioned symbols are the functions this program calls */
TEST(abi_same_functions)
{
	void *lib = library();

	ASSERT_NE(NULL, lib) TH_LOG("%s", dlerror());
	EXPECT_EQ((void *)ipl_open, dlvsym(lib, "ipl_open", "LIBISCSIPORTAL_1"));
	EXPECT_EQ((void *)ipl_provider_serve,
		  dlvsym(lib, "ipl_provider_serve", "LIBISCSIPORTAL_2"));
	/* Nothing unversioned or internal is exported. */
	EXPECT_NULL(dlsym(lib, "ipl__ioctl"));
	EXPECT_NULL(dlsym(lib, "ipl__parse_decimal"));
	dlclose(lib);
}

TEST_HARNESS_MAIN
