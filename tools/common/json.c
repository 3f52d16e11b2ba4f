// SPDX-License-Identifier: GPL-2.0
/*
 * The tools' JSON reader (RFC 8259) and string writer; see json.h.  The
 * reader is a recursive descent over the whole text into a tree.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct parser {
	const char *s, *end;
	unsigned int line, col;
	struct json_error *err;
};

static int error_at(struct parser *p, unsigned int line, unsigned int col,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int error_at(struct parser *p, unsigned int line, unsigned int col,
		    const char *fmt, ...)
{
	va_list ap;

	p->err->line = line;
	p->err->col = col;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define error_here(p, ...) error_at(p, (p)->line, (p)->col, __VA_ARGS__)

static void advance(struct parser *p)
{
	if (*p->s == '\n') {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
	p->s++;
}

static void skip_ws(struct parser *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' ||
				 *p->s == '\n' || *p->s == '\r'))
		advance(p);
}

/* What is at the cursor, for messages. */
static const char *what(const struct parser *p, char *buf, size_t len)
{
	unsigned char c;

	if (p->s >= p->end)
		return "end of file (truncated?)";
	c = (unsigned char)*p->s;
	if (!c)
		return "a NUL byte";
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", c);
	return buf;
}

static int unexpected(struct parser *p, const char *wanted)
{
	char buf[16];

	return error_here(p, "expected %s, found %s", wanted,
			  what(p, buf, sizeof(buf)));
}

static struct json_value *new_value(struct parser *p, enum json_type type)
{
	struct json_value *v = calloc(1, sizeof(*v));

	if (v) {
		v->type = type;
		v->line = p->line;
		v->col = p->col;
	}
	return v;
}

static int append(struct json_value *v, struct json_value *item, char *key)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4;
		struct json_value **items = realloc(v->items,
						    cap * sizeof(*items));
		char **keys = NULL;

		if (!items)
			return -ENOMEM;
		v->items = items;
		if (v->type == JSON_OBJECT) {
			keys = realloc(v->keys, cap * sizeof(*keys));
			if (!keys)
				return -ENOMEM;
			v->keys = keys;
		}
		v->cap = cap;
	}
	v->items[v->n] = item;
	if (v->type == JSON_OBJECT)
		v->keys[v->n] = key;
	v->n++;
	return 0;
}

static int hex4(struct parser *p, unsigned int *u)
{
	int i;

	*u = 0;
	for (i = 0; i < 4; i++) {
		char c = p->s < p->end ? *p->s : 0;

		*u <<= 4;
		if (c >= '0' && c <= '9')
			*u |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*u |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*u |= (unsigned int)(c - 'A' + 10);
		else
			return unexpected(p, "a hexadecimal digit");
		advance(p);
	}
	return 0;
}

static void put_utf8(char *out, size_t *n, unsigned int u)
{
	if (u < 0x80) {
		out[(*n)++] = (char)u;
	} else if (u < 0x800) {
		out[(*n)++] = (char)(0xc0 | (u >> 6));
		out[(*n)++] = (char)(0x80 | (u & 0x3f));
	} else if (u < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (u >> 12));
		out[(*n)++] = (char)(0x80 | ((u >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (u & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | (u >> 18));
		out[(*n)++] = (char)(0x80 | ((u >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((u >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (u & 0x3f));
	}
}

/* A string at the cursor (on its '"') into a malloc'd *@out. */
static int parse_string(struct parser *p, char **out)
{
	const char *q = p->s + 1;
	char *buf;
	size_t n = 0;
	int ret;

	/*
	 * Decoded, a string is never longer than its text: find where that
	 * ends (the first quote no backslash escapes, or the end of the
	 * text), so that a buffer is not the size of the rest of the file.
	 */
	while (q < p->end && *q != '"')
		q += *q == '\\' && q + 1 < p->end ? 2 : 1;
	buf = malloc((size_t)(q - p->s));
	if (!buf)
		return -ENOMEM;
	advance(p);
	for (;;) {
		unsigned int line, col, u, lo;
		unsigned char c;

		if (p->s >= p->end) {
			ret = error_here(p, "unterminated string (truncated?)");
			goto fail;
		}
		c = (unsigned char)*p->s;
		if (c == '"') {
			advance(p);
			break;
		}
		if (c < 0x20) {
			ret = c ? error_here(p, "control character 0x%02x in a string",
					     c) :
				  error_here(p, "a NUL byte in a string");
			goto fail;
		}
		if (c != '\\') {
			buf[n++] = (char)c;
			advance(p);
			continue;
		}
		/* An escape's fault is reported where the escape starts. */
		line = p->line;
		col = p->col;
		advance(p);
		c = p->s < p->end ? (unsigned char)*p->s : 0;
		switch (c) {
		case '"': case '\\': case '/':
			buf[n++] = (char)c;
			break;
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'u':
			advance(p);
			ret = hex4(p, &u);
			if (ret)
				goto fail;
			if (u >= 0xdc00 && u <= 0xdfff) {
				ret = error_at(p, line, col,
					       "lone low surrogate \\u%04x", u);
				goto fail;
			}
			if (u >= 0xd800 && u <= 0xdbff) {
				if (p->end - p->s < 2 || p->s[0] != '\\' ||
				    p->s[1] != 'u') {
					ret = error_at(p, line, col,
						       "high surrogate \\u%04x without its low half",
						       u);
					goto fail;
				}
				advance(p);
				advance(p);
				ret = hex4(p, &lo);
				if (ret)
					goto fail;
				if (lo < 0xdc00 || lo > 0xdfff) {
					ret = error_at(p, line, col,
						       "high surrogate \\u%04x without its low half",
						       u);
					goto fail;
				}
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (!u) {
				ret = error_at(p, line, col, "\\u0000 in a string");
				goto fail;
			}
			put_utf8(buf, &n, u);
			continue;
		default:
			ret = unexpected(p, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
			goto fail;
		}
		advance(p);
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
fail:
	free(buf);
	return ret;
}

static int digits(struct parser *p)
{
	if (p->s >= p->end || *p->s < '0' || *p->s > '9')
		return unexpected(p, "a digit");
	while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
		advance(p);
	return 0;
}

/* The integer part's digits (valid, RFC 8259) into v->magnitude. */
static void set_magnitude(struct json_value *v, const char *s, const char *end)
{
	uint64_t m = 0;

	for (; s < end; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (m > (UINT64_MAX - d) / 10) {
			v->integer = false;
			return;
		}
		m = m * 10 + d;
	}
	v->magnitude = m;
}

static int parse_number(struct parser *p, struct json_value *v)
{
	const char *start = p->s, *int_start, *int_end;
	char text[64];
	size_t len;
	int ret;

	v->integer = true;
	if (*p->s == '-') {
		v->negative = true;
		advance(p);
	}
	int_start = p->s;
	if (p->s < p->end && *p->s == '0') {
		advance(p);
	} else if ((ret = digits(p))) {
		return ret;
	}
	int_end = p->s;
	if (p->s < p->end && *p->s == '.') {
		advance(p);
		v->integer = false;
		if ((ret = digits(p)))
			return ret;
	}
	if (p->s < p->end && (*p->s == 'e' || *p->s == 'E')) {
		advance(p);
		v->integer = false;
		if (p->s < p->end && (*p->s == '+' || *p->s == '-'))
			advance(p);
		if ((ret = digits(p)))
			return ret;
	}
	len = (size_t)(p->s - start);
	if (len >= sizeof(text))
		return error_at(p, v->line, v->col, "number too long");
	memcpy(text, start, len);
	text[len] = '\0';
	v->number = strtod(text, NULL);
	if (v->integer)
		set_magnitude(v, int_start, int_end);
	return 0;
}

static int parse_word(struct parser *p, const char *word)
{
	size_t len = strlen(word);

	if ((size_t)(p->end - p->s) < len || memcmp(p->s, word, len))
		return unexpected(p, "a value");
	while (len--)
		advance(p);
	return 0;
}

static int parse_value(struct parser *p, int depth, struct json_value **out);

static int parse_members(struct parser *p, int depth, struct json_value *v)
{
	bool object = v->type == JSON_OBJECT;
	char close = object ? '}' : ']';
	int ret;

	advance(p);
	skip_ws(p);
	if (p->s < p->end && *p->s == close) {
		advance(p);
		return 0;
	}
	for (;;) {
		struct json_value *item;
		unsigned int kline, kcol;
		char *key = NULL;
		size_t i;

		skip_ws(p);
		if (object) {
			if (p->s >= p->end || *p->s != '"')
				return unexpected(p, "a key (a string)");
			kline = p->line;
			kcol = p->col;
			ret = parse_string(p, &key);
			if (ret)
				return ret;
			for (i = 0; i < v->n; i++) {
				if (!strcmp(v->keys[i], key)) {
					ret = error_at(p, kline, kcol,
						       "duplicate key \"%s\"", key);
					free(key);
					return ret;
				}
			}
			skip_ws(p);
			if (p->s >= p->end || *p->s != ':') {
				free(key);
				return unexpected(p, "':'");
			}
			advance(p);
		}
		ret = parse_value(p, depth + 1, &item);
		if (ret) {
			free(key);
			return ret;
		}
		ret = append(v, item, key);
		if (ret) {
			json_free(item);
			free(key);
			return ret;
		}
		skip_ws(p);
		if (p->s < p->end && *p->s == ',') {
			advance(p);
			continue;
		}
		if (p->s < p->end && *p->s == close) {
			advance(p);
			return 0;
		}
		return unexpected(p, object ? "',' or '}'" : "',' or ']'");
	}
}

/* A value at @depth: the number of arrays and objects it is inside. */
static int parse_value(struct parser *p, int depth, struct json_value **out)
{
	struct json_value *v;
	int ret;

	*out = NULL;
	skip_ws(p);
	if (p->s < p->end && (*p->s == '[' || *p->s == '{') &&
	    depth >= JSON_MAX_DEPTH)
		return error_here(p, "arrays and objects nested more than %d deep",
				  JSON_MAX_DEPTH);
	if (p->s >= p->end)
		return unexpected(p, "a value");
	switch (*p->s) {
	case '{':
		v = new_value(p, JSON_OBJECT);
		break;
	case '[':
		v = new_value(p, JSON_ARRAY);
		break;
	case '"':
		v = new_value(p, JSON_STRING);
		break;
	case 't': case 'f':
		v = new_value(p, JSON_BOOL);
		break;
	case 'n':
		v = new_value(p, JSON_NULL);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		v = new_value(p, JSON_NUMBER);
		break;
	default:
		return unexpected(p, "a value");
	}
	if (!v)
		return -ENOMEM;
	switch (v->type) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		ret = parse_members(p, depth, v);
		break;
	case JSON_STRING:
		ret = parse_string(p, &v->str);
		break;
	case JSON_BOOL:
		v->boolean = *p->s == 't';
		ret = parse_word(p, v->boolean ? "true" : "false");
		break;
	case JSON_NULL:
		ret = parse_word(p, "null");
		break;
	default:
		ret = parse_number(p, v);
		break;
	}
	if (ret) {
		json_free(v);
		return ret;
	}
	*out = v;
	return 0;
}

int json_parse(const char *text, size_t len, struct json_value **out,
	       struct json_error *err)
{
	struct parser p = { text, text + len, 1, 1, err };
	struct json_value *v;
	int ret;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	/* A UTF-8 byte order mark is tolerated, as RFC 8259 allows. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		p.s += 3;
	ret = parse_value(&p, 0, &v);
	if (ret)
		return ret;
	skip_ws(&p);
	if (p.s < p.end) {
		json_free(v);
		return unexpected(&p, "end of file after the value");
	}
	*out = v;
	return 0;
}

void json_free(struct json_value *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		json_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

const struct json_value *json_get(const struct json_value *obj,
				  const char *key)
{
	size_t i;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->items[i];
	return NULL;
}

const struct json_value *json_get_as(const struct json_value *obj,
				     const char *key, enum json_type type)
{
	const struct json_value *v = json_get(obj, key);

	return v && v->type == type ? v : NULL;
}

bool json_uint(const struct json_value *v, uint64_t *out)
{
	if (!v || v->type != JSON_NUMBER || !v->integer || v->negative)
		return false;
	*out = v->magnitude;
	return true;
}

const char *json_type_name(enum json_type type)
{
	switch (type) {
	case JSON_NULL: return "null";
	case JSON_BOOL: return "a boolean";
	case JSON_NUMBER: return "a number";
	case JSON_STRING: return "a string";
	case JSON_ARRAY: return "an array";
	case JSON_OBJECT: return "an object";
	}
	return "a value";
}

void json_put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}
