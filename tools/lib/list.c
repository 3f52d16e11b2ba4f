// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Walking the portal table with LIST, one page at a time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iscsiportal.h"

/* ipl_list_all() walks at most this often looking for a stable table. */
#define LIST_ALL_ATTEMPTS	4

struct ipl_list_iter {
	struct ipl_handle *h;
	struct iscsi_portal_info *buf;
	bool own_buf;
	uint32_t capacity;
	uint32_t count;		/* entries in the current page */
	uint32_t pos;		/* next entry of the current page to return */
	uint64_t cursor;	/* what to ask for next */
	bool done;		/* the module answered cursor 0 */
	bool started;		/* at least one page was fetched */
	bool changed;		/* pages carried different generations */
	uint64_t first_gen;
	uint64_t gen;
};

int ipl_list_iter_new(struct ipl_handle *h, struct iscsi_portal_info *buf,
		      uint32_t capacity, struct ipl_list_iter **itp)
{
	struct ipl_list_iter *it;

	if (!h || !itp || (buf && !capacity))
		return -EINVAL;
	if (!capacity)
		capacity = IPL_LIST_DEFAULT_CAPACITY;
	it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->h = h;
	it->capacity = capacity;
	it->buf = buf;
	if (!buf) {
		it->buf = calloc(capacity, sizeof(*it->buf));
		if (!it->buf) {
			free(it);
			return -ENOMEM;
		}
		it->own_buf = true;
	}
	*itp = it;
	return 0;
}

void ipl_list_iter_free(struct ipl_list_iter *it)
{
	if (!it)
		return;
	if (it->own_buf)
		free(it->buf);
	free(it);
}

void ipl_list_iter_reset(struct ipl_list_iter *it)
{
	if (!it)
		return;
	it->count = 0;
	it->pos = 0;
	it->cursor = 0;
	it->done = false;
	it->started = false;
	it->changed = false;
	it->first_gen = 0;
	it->gen = 0;
}

static int fetch_page(struct ipl_list_iter *it)
{
	struct iscsi_portal_list list = {
		.cursor = it->cursor,
		.entries = (uint64_t)(uintptr_t)it->buf,
		.capacity = it->capacity,
	};
	int err;

	err = ipl_list(it->h, &list);
	if (err)
		return err;
	/* The cursor must move forward, or the walk would never end. */
	if (list.cursor && list.cursor <= it->cursor)
		return -EPROTO;

	it->count = list.count;
	it->pos = 0;
	it->cursor = list.cursor;
	it->done = !list.cursor;
	it->gen = list.table_generation;
	if (!it->started) {
		it->started = true;
		it->first_gen = it->gen;
	} else if (it->gen != it->first_gen) {
		it->changed = true;
	}
	return 0;
}

int ipl_list_iter_next(struct ipl_list_iter *it,
		       const struct iscsi_portal_info **info)
{
	if (!it || !info)
		return -EINVAL;
	/* A page may be short, even empty, with the walk not yet done. */
	while (it->pos == it->count) {
		int err;

		if (it->done)
			return 0;
		err = fetch_page(it);
		if (err)
			return err;
	}
	*info = &it->buf[it->pos++];
	return 1;
}

uint64_t ipl_list_iter_generation(const struct ipl_list_iter *it)
{
	return it ? it->gen : 0;
}

uint64_t ipl_list_iter_first_generation(const struct ipl_list_iter *it)
{
	return it ? it->first_gen : 0;
}

bool ipl_list_iter_changed(const struct ipl_list_iter *it)
{
	return it && it->changed;
}

/* Append @info to the growing array *@arr of *@n entries, room for *@cap. */
static int append(struct iscsi_portal_info **arr, size_t *n, size_t *cap,
		  const struct iscsi_portal_info *info)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : IPL_LIST_DEFAULT_CAPACITY;
		struct iscsi_portal_info *tmp;

		if (ncap < *cap || ncap > SIZE_MAX / sizeof(*tmp))
			return -ENOMEM;
		tmp = realloc(*arr, ncap * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		*arr = tmp;
		*cap = ncap;
	}
	(*arr)[(*n)++] = *info;
	return 0;
}

/* One whole walk into *@arr (reused across attempts); *@n entries. */
static int walk(struct ipl_list_iter *it, struct iscsi_portal_info **arr,
		size_t *n, size_t *cap)
{
	const struct iscsi_portal_info *info;
	int ret;

	ipl_list_iter_reset(it);
	*n = 0;
	while ((ret = ipl_list_iter_next(it, &info)) > 0) {
		ret = append(arr, n, cap, info);
		if (ret)
			return ret;
	}
	return ret;
}

int ipl_list_all(struct ipl_handle *h, struct iscsi_portal_info **entries,
		 size_t *count, uint64_t *table_generation)
{
	struct iscsi_portal_info *arr = NULL;
	struct ipl_list_iter *it;
	size_t n = 0, cap = 0;
	int attempt, err;

	if (!entries || !count)
		return -EINVAL;
	err = ipl_list_iter_new(h, NULL, 0, &it);
	if (err)
		return err;
	for (attempt = 0; attempt < LIST_ALL_ATTEMPTS; attempt++) {
		err = walk(it, &arr, &n, &cap);
		if (err || !ipl_list_iter_changed(it))
			break;
	}
	if (!err && table_generation)
		*table_generation = ipl_list_iter_first_generation(it);
	ipl_list_iter_free(it);
	if (err || !n) {
		free(arr);
		arr = NULL;
		n = 0;
	}
	if (!err) {
		*entries = arr;
		*count = n;
	}
	return err;
}
