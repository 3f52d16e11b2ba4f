// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi-portald: a strict JSON parser for the state file, recursive
 * descent over the text, and the string writer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct parser {
	const char *s;
	size_t len, pos;
	int depth;
	char *why;
	size_t whylen;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return -EUCLEAN;
	ps->failed = true;
	n = snprintf(ps->why, ps->whylen, "byte %zu: ", ps->pos);
	if (n >= 0 && (size_t)n < ps->whylen) {
		va_start(ap, fmt);
		vsnprintf(ps->why + n, ps->whylen - n, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}

static int fail_end(struct parser *ps)
{
	return fail(ps, "unexpected end of the text (truncated?)");
}

static void skip_ws(struct parser *ps)
{
	while (ps->pos < ps->len && strchr(" \t\r\n", ps->s[ps->pos]) &&
	       ps->s[ps->pos])
		ps->pos++;
}

static int parse_value(struct parser *ps, struct json *v);

static int literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if (ps->len - ps->pos < n)
		return strncmp(ps->s + ps->pos, word, ps->len - ps->pos) ?
		       fail(ps, "unexpected character") : fail_end(ps);
	if (strncmp(ps->s + ps->pos, word, n))
		return fail(ps, "unexpected character");
	ps->pos += n;
	return 0;
}

static int hex4(struct parser *ps, unsigned int *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++) {
		char c;

		if (ps->pos >= ps->len)
			return fail_end(ps);
		c = ps->s[ps->pos++];
		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*cp |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*cp |= c - 'A' + 10;
		else
			return fail(ps, "bad \\u escape");
	}
	return 0;
}

static size_t utf8_put(char *out, unsigned int cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* At the opening quote; the string (its escapes decoded) into *@out. */
static int parse_string(struct parser *ps, char **out)
{
	/* Decoded, a string is never longer than its text. */
	char *buf = malloc(ps->len - ps->pos + 1);
	size_t n = 0;
	int err;

	if (!buf)
		return -ENOMEM;
	ps->pos++;
	for (;;) {
		unsigned char c;

		if (ps->pos >= ps->len) {
			err = fail_end(ps);
			goto out;
		}
		c = (unsigned char)ps->s[ps->pos++];
		if (c == '"')
			break;
		if (c < 0x20) {
			ps->pos--;
			err = fail(ps, "control character in a string");
			goto out;
		}
		if (c != '\\') {
			buf[n++] = (char)c;
			continue;
		}
		if (ps->pos >= ps->len) {
			err = fail_end(ps);
			goto out;
		}
		c = (unsigned char)ps->s[ps->pos++];
		switch (c) {
		case '"': case '\\': case '/':
			buf[n++] = (char)c;
			break;
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'u': {
			unsigned int cp, lo;

			err = hex4(ps, &cp);
			if (err)
				goto out;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				err = fail(ps, "lone low surrogate");
				goto out;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				err = literal(ps, "\\u");
				if (!err)
					err = hex4(ps, &lo);
				if (!err && (lo < 0xdc00 || lo > 0xdfff))
					err = fail(ps, "bad surrogate pair");
				if (err)
					goto out;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			if (!cp) {
				err = fail(ps, "\\u0000 in a string");
				goto out;
			}
			n += utf8_put(buf + n, cp);
			break;
		}
		default:
			ps->pos--;
			err = fail(ps, "bad escape");
			goto out;
		}
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
out:
	free(buf);
	return err;
}

static int parse_number(struct parser *ps, struct json *v)
{
	uint64_t n = 0;
	size_t start = ps->pos;

	if (ps->s[ps->pos] == '-')
		return fail(ps, "negative numbers are not used here");
	while (ps->pos < ps->len && ps->s[ps->pos] >= '0' &&
	       ps->s[ps->pos] <= '9') {
		unsigned int d = ps->s[ps->pos] - '0';

		if (n > (UINT64_MAX - d) / 10)
			return fail(ps, "number too large");
		n = n * 10 + d;
		ps->pos++;
	}
	if (ps->pos - start > 1 && ps->s[start] == '0')
		return fail(ps, "leading zero");
	if (ps->pos < ps->len && strchr(".eE", ps->s[ps->pos]) &&
	    ps->s[ps->pos])
		return fail(ps, "only integers are used here");
	v->type = JSON_NUMBER;
	v->number = n;
	return 0;
}

static int grow(struct json *v, size_t *cap)
{
	struct json *items;

	if (v->n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 4;
	items = realloc(v->items, *cap * sizeof(*items));
	if (!items)
		return -ENOMEM;
	v->items = items;
	if (v->type == JSON_OBJECT) {
		char **keys = realloc(v->keys, *cap * sizeof(*keys));

		if (!keys)
			return -ENOMEM;
		v->keys = keys;
	}
	return 0;
}

/* At '[' or '{'. */
static int parse_container(struct parser *ps, struct json *v, bool object)
{
	char close = object ? '}' : ']';
	size_t cap = 0;
	int err;

	if (++ps->depth > JSON_MAX_DEPTH)
		return fail(ps, "nested too deeply");
	v->type = object ? JSON_OBJECT : JSON_ARRAY;
	ps->pos++;
	skip_ws(ps);
	if (ps->pos < ps->len && ps->s[ps->pos] == close) {
		ps->pos++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		char *key = NULL;

		skip_ws(ps);
		if (object) {
			if (ps->pos >= ps->len)
				return fail_end(ps);
			if (ps->s[ps->pos] != '"')
				return fail(ps, "expected a member name");
			err = parse_string(ps, &key);
			if (err)
				return err;
			for (size_t i = 0; i < v->n; i++) {
				if (!strcmp(v->keys[i], key)) {
					free(key);
					return fail(ps, "duplicate member name");
				}
			}
			skip_ws(ps);
			if (ps->pos >= ps->len) {
				free(key);
				return fail_end(ps);
			}
			if (ps->s[ps->pos] != ':') {
				free(key);
				return fail(ps, "expected ':'");
			}
			ps->pos++;
		}
		err = grow(v, &cap);
		if (err) {
			free(key);
			return err;
		}
		memset(&v->items[v->n], 0, sizeof(v->items[0]));
		if (object)
			v->keys[v->n] = key;
		v->n++;
		err = parse_value(ps, &v->items[v->n - 1]);
		if (err)
			return err;
		skip_ws(ps);
		if (ps->pos >= ps->len)
			return fail_end(ps);
		if (ps->s[ps->pos] == close) {
			ps->pos++;
			ps->depth--;
			return 0;
		}
		if (ps->s[ps->pos] != ',')
			return fail(ps, object ? "expected ',' or '}'" :
				    "expected ',' or ']'");
		ps->pos++;
	}
}

static int parse_value(struct parser *ps, struct json *v)
{
	char c;

	skip_ws(ps);
	if (ps->pos >= ps->len)
		return fail_end(ps);
	c = ps->s[ps->pos];
	switch (c) {
	case '{':
		return parse_container(ps, v, true);
	case '[':
		return parse_container(ps, v, false);
	case '"':
		v->type = JSON_STRING;
		return parse_string(ps, &v->string);
	case 't':
		v->type = JSON_BOOL;
		v->boolean = true;
		return literal(ps, "true");
	case 'f':
		v->type = JSON_BOOL;
		return literal(ps, "false");
	case 'n':
		return literal(ps, "null");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return parse_number(ps, v);
		return fail(ps, "unexpected character");
	}
}

int json_parse(const char *text, size_t len, struct json *root, char *why,
	       size_t whylen)
{
	struct parser ps = {
		.s = text, .len = len, .why = why, .whylen = whylen,
	};
	int err;

	memset(root, 0, sizeof(*root));
	if (whylen)
		why[0] = '\0';
	if (memchr(text, '\0', len)) {
		ps.pos = (const char *)memchr(text, '\0', len) - text;
		err = fail(&ps, "NUL byte");
	} else {
		err = parse_value(&ps, root);
	}
	if (!err) {
		skip_ws(&ps);
		if (ps.pos != len)
			err = fail(&ps, "text after the end");
	}
	if (err == -ENOMEM && !ps.failed)
		snprintf(why, whylen, "out of memory");
	if (err)
		json_free(root);
	return err;
}

void json_free(struct json *v)
{
	for (size_t i = 0; i < v->n; i++) {
		json_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->string);
	memset(v, 0, sizeof(*v));
}

const struct json *json_get(const struct json *v, const char *key,
			    enum json_type type)
{
	if (v->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return v->items[i].type == type ? &v->items[i] : NULL;
	return NULL;
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
