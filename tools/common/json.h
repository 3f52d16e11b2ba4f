/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one JSON reader and string writer of the tools: portalctl's save
 * file and iscsi-portald's state file.  Not part of libiscsiportal: each
 * tool builds json.c in.
 *
 * The reader is strict RFC 8259 (no NUL byte, no duplicate key, no
 * "\u0000", at most JSON_MAX_DEPTH arrays and objects in one another) and
 * makes a tree of values, each with the line and column (1-based, in
 * bytes; a UTF-8 byte order mark, which it skips, is not counted) where it
 * starts, so that a caller can refuse a value that is well-formed but
 * wrong by where it is.  What a number may be (an integer, in a range) is
 * the caller's to check: json_uint().
 */
#ifndef TOOLS_COMMON_JSON_H
#define TOOLS_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	64

enum json_type {
	JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value {
	enum json_type type;
	unsigned int line, col;
	bool boolean;
	/* JSON_NUMBER */
	double number;
	bool integer;		/* no fraction, no exponent, |value| < 2^64 */
	bool negative;
	uint64_t magnitude;	/* |value|, when integer */
	char *str;		/* JSON_STRING, NUL-terminated (no NUL inside) */
	/* JSON_ARRAY and JSON_OBJECT: n items (and keys for an object). */
	struct json_value **items;
	char **keys;
	size_t n, cap;
};

struct json_error {
	unsigned int line, col;
	char msg[160];
};

/*
 * Parse @len bytes of @text as one JSON value into *@out (json_free() it).
 * Returns 0, -EINVAL with *@err saying where and what (a text that ends
 * too early says "truncated?"), or -ENOMEM.
 */
int json_parse(const char *text, size_t len, struct json_value **out,
	       struct json_error *err);
void json_free(struct json_value *v);
/* The member @key of object @obj (of any type), or NULL. */
const struct json_value *json_get(const struct json_value *obj,
				  const char *key);
/* The member @key of object @obj when it is of @type, else NULL. */
const struct json_value *json_get_as(const struct json_value *obj,
				     const char *key, enum json_type type);
/* Is @v a non-negative integer?  Then its value is in *@out. */
bool json_uint(const struct json_value *v, uint64_t *out);
/* "a string", "an object", ... for messages. */
const char *json_type_name(enum json_type type);
/* Write @s as a JSON string: quoted, '"', '\' and controls escaped. */
void json_put_string(FILE *out, const char *s);

#endif /* TOOLS_COMMON_JSON_H */
