/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every name of CONTRACT section 3, and those of the providers' ABI
 * (section 8.2, API version 2) that the library uses, in an expression
 * (after UAPI_DECLARE_OBJECTS()) that is valid C99 and C++, so a missing
 * or misspelt name fails the build.
 */
#ifndef UAPI_NAMES_H
#define UAPI_NAMES_H

#define UAPI_SIZE(type) ((int)sizeof(struct type))

/* Objects only looked at by sizeof, so that members can be named. */
#define UAPI_DECLARE_OBJECTS()						\
	struct iscsi_portal_addr uapi_addr;				\
	struct iscsi_portal_info uapi_info;				\
	struct iscsi_portal_version uapi_version;			\
	struct iscsi_portal_add uapi_add;				\
	struct iscsi_portal_ref uapi_ref;				\
	struct iscsi_portal_status_arg uapi_status_arg;			\
	struct iscsi_portal_list uapi_list;				\
	struct iscsi_portal_event uapi_event;				\
	struct iscsi_portal_provider_attach uapi_attach;		\
	struct iscsi_portal_request uapi_request;			\
	struct iscsi_portal_reply uapi_reply;				\
	struct iscsi_portal_provider_info uapi_provider_info

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
	(int)sizeof(uapi_addr.family) +		\
	(int)sizeof(uapi_addr.port) +		\
	(int)sizeof(uapi_addr.scope_id) +	\
	(int)sizeof(uapi_addr.addr) +		\
	(int)sizeof(uapi_info.id) +		\
	(int)sizeof(uapi_info.addr) +		\
	(int)sizeof(uapi_info.status) +		\
	(int)sizeof(uapi_info.flags) +		\
	(int)sizeof(uapi_info.generation) +	\
	(int)sizeof(uapi_version.api_version) +	\
	(int)sizeof(uapi_version.flags) +	\
	(int)sizeof(uapi_version.portal_count) +	\
	(int)sizeof(uapi_version.table_generation) + \
	(int)sizeof(uapi_version.reserved) +	\
	(int)sizeof(uapi_add.addr) +		\
	(int)sizeof(uapi_add.status) +		\
	(int)sizeof(uapi_add.flags) +		\
	(int)sizeof(uapi_add.id) +		\
	(int)sizeof(uapi_ref.id) +		\
	(int)sizeof(uapi_status_arg.id) +	\
	(int)sizeof(uapi_status_arg.status) +	\
	(int)sizeof(uapi_status_arg.flags) +	\
	(int)sizeof(uapi_list.cursor) +		\
	(int)sizeof(uapi_list.entries) +		\
	(int)sizeof(uapi_list.capacity) +	\
	(int)sizeof(uapi_list.count) +		\
	(int)sizeof(uapi_list.table_generation) + \
	(int)sizeof(uapi_event.seq) +		\
	(int)sizeof(uapi_event.id) +		\
	(int)sizeof(uapi_event.type) +		\
	(int)sizeof(uapi_event.old_status) +	\
	(int)sizeof(uapi_event.new_status) +	\
	(int)sizeof(uapi_event.flags) +		\
	UAPI_USE_PROVIDER_NAMES())

#define UAPI_USE_PROVIDER_NAMES() (					\
	(int)ISCSI_PORTAL_INFO_PROVIDER + (int)ISCSI_PORTAL_INFO_ORPHAN +	\
	(int)ISCSI_PORTAL_SET_DROP_SESSIONS +				\
	ISCSI_PORTAL_PROVIDER_NAME_LEN +				\
	ISCSI_PORTAL_REQ_SET_STATUS + ISCSI_PORTAL_REQ_REENUMERATE +	\
	ISCSI_PORTAL_REQ_REFRESH +					\
	(int)(ISCSI_PORTAL_IOC_PROVIDER_ATTACH & 0xff) +		\
	(int)(ISCSI_PORTAL_IOC_PROVIDER_REPLY & 0xff) +			\
	(int)(ISCSI_PORTAL_IOC_GET_PROVIDER & 0xff) +			\
	UAPI_SIZE(iscsi_portal_provider_attach) +			\
	UAPI_SIZE(iscsi_portal_request) + UAPI_SIZE(iscsi_portal_reply) + \
	UAPI_SIZE(iscsi_portal_provider_info) +				\
	(int)sizeof(uapi_attach.flags) +	\
	(int)sizeof(uapi_attach.timeout_ms) +	\
	(int)sizeof(uapi_attach.name) +		\
	(int)sizeof(uapi_request.cookie) +	\
	(int)sizeof(uapi_request.type) +	\
	(int)sizeof(uapi_request.flags) +	\
	(int)sizeof(uapi_request.id) +		\
	(int)sizeof(uapi_request.old_status) +	\
	(int)sizeof(uapi_request.new_status) +	\
	(int)sizeof(uapi_reply.cookie) +	\
	(int)sizeof(uapi_reply.result) +	\
	(int)sizeof(uapi_reply.flags) +		\
	(int)sizeof(uapi_provider_info.id) +	\
	(int)sizeof(uapi_provider_info.flags) +	\
	(int)sizeof(uapi_provider_info.reserved) + \
	(int)sizeof(uapi_provider_info.name))

#endif /* UAPI_NAMES_H */
