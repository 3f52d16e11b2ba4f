/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iscsi-portald: the little JSON the state file needs.  A strict parser
 * (RFC 8259, numbers limited to non-negative integers, nesting at most
 * JSON_MAX_DEPTH) into a tree, and a string writer.
 */
#ifndef ISCSI_PORTALD_JSON_H
#define ISCSI_PORTALD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
		 JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;
	uint64_t number;
	char *string;
	size_t n;		/* array and object: members */
	struct json *items;
	char **keys;		/* object: the members' names */
};

/*
 * Parse @len bytes of @text (NUL bytes in it are an error).  Returns 0 and
 * the tree in *@root (json_free() it), or -EUCLEAN with "byte N: reason"
 * in @why.
 */
int json_parse(const char *text, size_t len, struct json *root, char *why,
	       size_t whylen);
void json_free(struct json *v);
/* The member @key of object @v of type @type, or NULL. */
const struct json *json_get(const struct json *v, const char *key,
			    enum json_type type);
/* Write @s as a JSON string (quoted, escaped). */
void json_put_string(FILE *out, const char *s);

#endif /* ISCSI_PORTALD_JSON_H */
