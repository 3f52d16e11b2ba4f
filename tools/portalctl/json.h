/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portalctl's JSON reader (json.c): a tree of values, each with the line
 * and column (1-based, in bytes) where it starts.
 */
#ifndef PORTALCTL_JSON_H
#define PORTALCTL_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_type {
	JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value {
	enum json_type type;
	unsigned int line, col;
	bool boolean;
	double number;
	bool integer;		/* a number written without fraction or exponent */
	long long i;		/* its value, when integer */
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
 * Returns 0, -EINVAL with *@err saying where and what, or -ENOMEM.
 */
int json_parse(const char *text, size_t len, struct json_value **out,
	       struct json_error *err);
void json_free(struct json_value *v);
/* The member @key of object @obj, or NULL. */
const struct json_value *json_get(const struct json_value *obj,
				  const char *key);
/* "a string", "an object", ... for messages. */
const char *json_type_name(enum json_type type);

#endif /* PORTALCTL_JSON_H */
