/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every name of CONTRACT section 3, used in an expression that is valid C99
 * and C++, so a missing or misspelt name fails the build.
 */
#ifndef UAPI_NAMES_H
#define UAPI_NAMES_H

#define UAPI_SIZE(type) ((int)sizeof(struct type))

#define UAPI_USE_ALL_NAMES() (						\
	ISCSI_PORTAL_API_VERSION + (int)sizeof(ISCSI_PORTAL_DEVICE_PATH) +	\
	ISCSI_PORTAL_STATUS_UNKNOWN + ISCSI_PORTAL_STATUS_ONLINE +	\
	ISCSI_PORTAL_STATUS_NOT_READY + ISCSI_PORTAL_STATUS_OFFLINE +	\
	ISCSI_PORTAL_STATUS_FAILED +					\
	(int)ISCSI_PORTAL_INFO_BUSY + (int)ISCSI_PORTAL_TABLE_CORRUPT +	\
	ISCSI_PORTAL_EVENT_ARRIVE + ISCSI_PORTAL_EVENT_DEPART +		\
	ISCSI_PORTAL_EVENT_MODIFY + ISCSI_PORTAL_EVENT_OVERFLOW +	\
	(int)(ISCSI_PORTAL_IOC_VERSION & 0xff) +			\
	(int)(ISCSI_PORTAL_IOC_ADD & 0xff) +				\
	(int)(ISCSI_PORTAL_IOC_REMOVE & 0xff) +				\
	(int)(ISCSI_PORTAL_IOC_GET_INFO & 0xff) +			\
	(int)(ISCSI_PORTAL_IOC_GET_STATUS & 0xff) +			\
	(int)(ISCSI_PORTAL_IOC_SET_STATUS & 0xff) +			\
	(int)(ISCSI_PORTAL_IOC_REPORT_STATUS & 0xff) +			\
	(int)(ISCSI_PORTAL_IOC_LIST & 0xff) +				\
	(int)(ISCSI_PORTAL_IOC_REENUMERATE & 0xff) +			\
	(int)(ISCSI_PORTAL_IOC_REFRESH & 0xff) +			\
	(int)(ISCSI_PORTAL_IOC_WATCH & 0xff) +				\
	UAPI_SIZE(iscsi_portal_addr) + UAPI_SIZE(iscsi_portal_info) +	\
	UAPI_SIZE(iscsi_portal_version) + UAPI_SIZE(iscsi_portal_add) +	\
	UAPI_SIZE(iscsi_portal_ref) + UAPI_SIZE(iscsi_portal_status_arg) + \
	UAPI_SIZE(iscsi_portal_list) + UAPI_SIZE(iscsi_portal_event) +	\
	(int)sizeof(((struct iscsi_portal_addr *)0)->family) +		\
	(int)sizeof(((struct iscsi_portal_addr *)0)->port) +		\
	(int)sizeof(((struct iscsi_portal_addr *)0)->scope_id) +	\
	(int)sizeof(((struct iscsi_portal_addr *)0)->addr) +		\
	(int)sizeof(((struct iscsi_portal_info *)0)->id) +		\
	(int)sizeof(((struct iscsi_portal_info *)0)->addr) +		\
	(int)sizeof(((struct iscsi_portal_info *)0)->status) +		\
	(int)sizeof(((struct iscsi_portal_info *)0)->flags) +		\
	(int)sizeof(((struct iscsi_portal_info *)0)->generation) +	\
	(int)sizeof(((struct iscsi_portal_version *)0)->api_version) +	\
	(int)sizeof(((struct iscsi_portal_version *)0)->flags) +	\
	(int)sizeof(((struct iscsi_portal_version *)0)->portal_count) +	\
	(int)sizeof(((struct iscsi_portal_version *)0)->table_generation) + \
	(int)sizeof(((struct iscsi_portal_version *)0)->reserved) +	\
	(int)sizeof(((struct iscsi_portal_add *)0)->addr) +		\
	(int)sizeof(((struct iscsi_portal_add *)0)->status) +		\
	(int)sizeof(((struct iscsi_portal_add *)0)->flags) +		\
	(int)sizeof(((struct iscsi_portal_add *)0)->id) +		\
	(int)sizeof(((struct iscsi_portal_ref *)0)->id) +		\
	(int)sizeof(((struct iscsi_portal_status_arg *)0)->id) +	\
	(int)sizeof(((struct iscsi_portal_status_arg *)0)->status) +	\
	(int)sizeof(((struct iscsi_portal_status_arg *)0)->flags) +	\
	(int)sizeof(((struct iscsi_portal_list *)0)->cursor) +		\
	(int)sizeof(((struct iscsi_portal_list *)0)->entries) +		\
	(int)sizeof(((struct iscsi_portal_list *)0)->capacity) +	\
	(int)sizeof(((struct iscsi_portal_list *)0)->count) +		\
	(int)sizeof(((struct iscsi_portal_list *)0)->table_generation) + \
	(int)sizeof(((struct iscsi_portal_event *)0)->seq) +		\
	(int)sizeof(((struct iscsi_portal_event *)0)->id) +		\
	(int)sizeof(((struct iscsi_portal_event *)0)->type) +		\
	(int)sizeof(((struct iscsi_portal_event *)0)->old_status) +	\
	(int)sizeof(((struct iscsi_portal_event *)0)->new_status) +	\
	(int)sizeof(((struct iscsi_portal_event *)0)->flags))

#endif /* UAPI_NAMES_H */
