// SPDX-License-Identifier: GPL-2.0
/*
 * tools/common/json.c, the tools' one JSON reader and writer (portalctl's
 * save file, this daemon's state file): what it accepts, what it refuses,
 * and where it says the fault is.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "json.h"

static int parse(const char *s, struct json_value **v, struct json_error *e)
{
	return json_parse(s, strlen(s), v, e);
}

TEST(accepts)
{
	static const char *const good[] = {
		"{}", "[]", " { \"a\" : [1, 2, {\"b\": null}], \"c\": true } ",
		"\"x\"", "0", "-0", "-1", "1.5", "1e3", "-2.5E-3",
		"18446744073709551615", "18446744073709551616",
		"[false, \"\\u00e9\\n\"]", "\"\\ud83d\\ude00\"",
		"\xef\xbb\xbf{}",
	};
	struct json_error e;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct json_value *v;

		EXPECT_EQ(0, parse(good[i], &v, &e))
			TH_LOG("%s: %u:%u %s", good[i], e.line, e.col, e.msg);
		json_free(v);
	}
}

TEST(refuses)
{
	static const char *const badv[] = {
		"", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,", "[1,]",
		"{\"a\":1}x", "{\"a\":1,\"a\":2}", "01", "1.", ".5", "1e", "+1",
		"-", "\"abc", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"",
		"\"\\u0000\"", "\"\\u12g4\"", "\"a\tb\"", "tru", "nul", "{1:2}",
		"'a'", "[1 2]", "{\"a\" 1}",
	};
	struct json_error e;

	for (size_t i = 0; i < sizeof(badv) / sizeof(badv[0]); i++) {
		struct json_value *v = (void *)1;

		EXPECT_EQ(-EINVAL, parse(badv[i], &v, &e)) TH_LOG("%s", badv[i]);
		EXPECT_EQ(NULL, v);
		EXPECT_NE(0U, strlen(e.msg));
		EXPECT_NE(0U, e.line);
		EXPECT_NE(0U, e.col);
	}
}

/*
 * JSON_MAX_DEPTH arrays in one another parse, one more does not, whether
 * the innermost holds a value or nothing.
 */
TEST(nesting_bounded)
{
	char text[2 * (JSON_MAX_DEPTH + 1) + 2];
	struct json_value *v;
	struct json_error e;

	for (int depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
		for (int empty = 0; empty <= 1; empty++) {
			char *t = text;

			memset(t, '[', depth);
			t += depth;
			if (!empty)
				*t++ = '1';
			memset(t, ']', depth);
			t[depth] = '\0';
			EXPECT_EQ(depth > JSON_MAX_DEPTH ? -EINVAL : 0,
				  parse(text, &v, &e))
				TH_LOG("depth %d, %s", depth, empty ? "empty" : "1");
			json_free(v);
			if (depth > JSON_MAX_DEPTH) {
				EXPECT_NE(NULL, strstr(e.msg, "nested"));
				EXPECT_EQ((unsigned int)depth, e.col);
			}
		}
	}
}

/* A bad escape is reported at its backslash; strings with escapes decode. */
TEST(escapes_decode_and_faults_point_at_them)
{
	static const struct {
		const char *text;
		unsigned int col;
	} bad[] = {
		{ "\"\\udc00\"", 2 }, { "\"ab\\u0000\"", 4 },
		{ "[\"x\\ud800y\"]", 4 }, { "\"\\ud800\\u0041\"", 2 },
	};
	struct json_value *v;
	struct json_error e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, parse(bad[i].text, &v, &e)) TH_LOG("%s", bad[i].text);
		EXPECT_EQ(bad[i].col, e.col) TH_LOG("%s: %s", bad[i].text, e.msg);
	}
	ASSERT_EQ(0, parse("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"a\\\\\", \"\\u00e9\\ud83d\\ude00\"]",
			   &v, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(3U, v->n);
	EXPECT_STREQ("\"\\/\b\f\n\r\t", v->items[0]->str);
	EXPECT_STREQ("a\\", v->items[1]->str);
	EXPECT_STREQ("\xc3\xa9\xf0\x9f\x98\x80", v->items[2]->str);
	json_free(v);
}

TEST(truncated_says_so_and_where)
{
	struct json_value *v;
	struct json_error e;

	EXPECT_EQ(-EINVAL, parse("{\"version\": 1,\n \"portals\": [", &v, &e));
	EXPECT_NE(NULL, strstr(e.msg, "truncated")) TH_LOG("%s", e.msg);
	EXPECT_EQ(2U, e.line);
	EXPECT_EQ(14U, e.col);
	EXPECT_EQ(-EINVAL, parse("{\"a\": \"unterminat", &v, &e));
	EXPECT_NE(NULL, strstr(e.msg, "truncated")) TH_LOG("%s", e.msg);
}

TEST(error_position_is_the_fault)
{
	struct json_value *v;
	struct json_error e;

	EXPECT_EQ(-EINVAL, parse("{\n  \"a\": 1,\n  \"a\": 2\n}", &v, &e));
	EXPECT_NE(NULL, strstr(e.msg, "duplicate key \"a\"")) TH_LOG("%s", e.msg);
	EXPECT_EQ(3U, e.line);
	EXPECT_EQ(3U, e.col);
	EXPECT_EQ(-EINVAL, parse("[1,\n\t x]", &v, &e));
	EXPECT_STREQ("expected a value, found 'x'", e.msg);
	EXPECT_EQ(2U, e.line);
	EXPECT_EQ(3U, e.col);
}

TEST(nul_byte_refused)
{
	struct json_value *v;
	struct json_error e;

	EXPECT_EQ(-EINVAL, json_parse("{}\0", 3, &v, &e));
	EXPECT_NE(NULL, strstr(e.msg, "NUL")) TH_LOG("%s", e.msg);
	EXPECT_EQ(3U, e.col);
	EXPECT_EQ(-EINVAL, json_parse("\"a\0b\"", 5, &v, &e));
	EXPECT_NE(NULL, strstr(e.msg, "NUL")) TH_LOG("%s", e.msg);
	EXPECT_EQ(3U, e.col);
}

TEST(tree_get_and_positions)
{
	struct json_value *v;
	struct json_error e;
	const struct json_value *a, *n;

	ASSERT_EQ(0, parse("{\"n\": 7,\n \"s\": \"q\\\"\\\\\", \"a\": [true]}",
			   &v, &e));
	n = json_get(v, "n");
	ASSERT_NE(NULL, n);
	EXPECT_TRUE(n->type == JSON_NUMBER);
	EXPECT_EQ(1U, n->line);
	EXPECT_EQ(7U, n->col);
	EXPECT_STREQ("q\"\\", json_get_as(v, "s", JSON_STRING)->str);
	EXPECT_EQ(2U, json_get(v, "s")->line);
	EXPECT_EQ(7U, json_get(v, "s")->col);
	EXPECT_EQ(NULL, json_get_as(v, "n", JSON_STRING));
	EXPECT_EQ(NULL, json_get(v, "zz"));
	EXPECT_EQ(NULL, json_get(json_get(v, "n"), "n"));
	a = json_get_as(v, "a", JSON_ARRAY);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(1U, a->n);
	EXPECT_TRUE(a->items[0]->type == JSON_BOOL);
	EXPECT_TRUE(a->items[0]->boolean);
	json_free(v);
}

/* What json_uint() takes: integers from 0 to UINT64_MAX, nothing else. */
TEST(uint_only_non_negative_integers)
{
	static const struct {
		const char *text;
		bool ok;
		uint64_t value;
	} cases[] = {
		{ "0", true, 0 }, { "7", true, 7 },
		{ "18446744073709551615", true, UINT64_MAX },
		{ "18446744073709551616", false, 0 }, { "-1", false, 0 },
		{ "-0", false, 0 }, { "1.0", false, 0 }, { "1e2", false, 0 },
		{ "\"1\"", false, 0 }, { "true", false, 0 },
	};
	struct json_error e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_value *v;
		uint64_t got = 42;

		ASSERT_EQ(0, parse(cases[i].text, &v, &e)) TH_LOG("%s", e.msg);
		EXPECT_EQ(cases[i].ok, json_uint(v, &got)) TH_LOG("%s", cases[i].text);
		EXPECT_EQ(cases[i].ok ? cases[i].value : 42, got)
			TH_LOG("%s", cases[i].text);
		json_free(v);
	}
	EXPECT_FALSE(json_uint(NULL, NULL));
}

TEST(writer_round_trips)
{
	static const char s[] = "a\"b\\c\n\x01 \xc3\xa9/";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_value *v;
	struct json_error e;

	ASSERT_NE(NULL, f);
	json_put_string(f, s);
	fclose(f);
	EXPECT_STREQ("\"a\\\"b\\\\c\\u000a\\u0001 \xc3\xa9/\"", buf);
	ASSERT_EQ(0, json_parse(buf, len, &v, &e)) TH_LOG("%s", e.msg);
	EXPECT_STREQ(s, v->str);
	json_free(v);
	free(buf);
}

/*
 * Every truncation and every one-byte change of a state file: the reader
 * either takes the text or refuses it with a message and a position
 * inside it, and frees what it built (run under ASan or valgrind to see a
 * leak or a bad access; here a crash fails the test).
 */
TEST(mutations_parse_or_refuse)
{
	static const char doc[] =
		"{\n  \"version\": 1,\n  \"portals\": [\n"
		"    { \"address\": \"[fe80::1%lo]:3261\", \"id\": 2, \"offline\": true,\n"
		"      \"nps\": [ { \"target\": \"iqn.2003-01.org.example:t\\u00e9\", "
		"\"tpgt\": 1, \"name\": \"x\",\n"
		"                 \"attributes\": { \"iser\": \"0\" } } ] },\n"
		"    { \"address\": \"127.0.0.1:3260\", \"id\": 1e0, \"offline\": false }\n"
		"  ]\n}\n";
	static const char repl[] = "\0\"\\{}[],:0-.ex \n\xff";
	size_t len = sizeof(doc) - 1;
	unsigned int taken = 0, refused = 0;
	char text[sizeof(doc)];

	for (size_t at = 0; at <= len; at++) {
		for (size_t r = 0; r <= sizeof(repl) - 1; r++) {
			struct json_value *v;
			struct json_error e;
			unsigned int lines;
			size_t n = len;
			int ret;

			memcpy(text, doc, len);
			if (r == sizeof(repl) - 1)
				n = at;			/* truncated at @at */
			else if (at < len)
				text[at] = repl[r];	/* one byte changed */
			else
				continue;
			lines = 1;
			for (size_t i = 0; i < n; i++)
				lines += text[i] == '\n';
			ret = json_parse(text, n, &v, &e);
			if (!ret) {
				ASSERT_NE(NULL, v);
				taken++;
				json_free(v);
				continue;
			}
			ASSERT_EQ(-EINVAL, ret) TH_LOG("at %zu, byte %zu", at, r);
			ASSERT_EQ(NULL, v);
			ASSERT_NE(0U, strlen(e.msg));
			ASSERT_GE(e.line, 1U);
			ASSERT_LE(e.line, lines);
			ASSERT_GE(e.col, 1U);
			refused++;
		}
	}
	/* Both outcomes happen: the doc parses, most damage does not. */
	EXPECT_GT(taken, 0U);
	EXPECT_GT(refused, taken);
}

TEST_HARNESS_MAIN
