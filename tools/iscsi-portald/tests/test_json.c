// SPDX-License-Identifier: GPL-2.0
/*
 * json.c: what it accepts, what it refuses and says why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "json.h"

static int parse(const char *s, struct json *v, char *why)
{
	return json_parse(s, strlen(s), v, why, 128);
}

TEST(accepts)
{
	static const char *const good[] = {
		"{}", "[]", " { \"a\" : [1, 2, {\"b\": null}], \"c\": true } ",
		"\"x\"", "0", "18446744073709551615", "[false, \"\\u00e9\\n\"]",
		"\"\\ud83d\\ude00\"",
	};
	char why[128];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct json v;

		EXPECT_EQ(0, parse(good[i], &v, why)) TH_LOG("%s: %s", good[i], why);
		json_free(&v);
	}
}

TEST(refuses)
{
	static const char *const badv[] = {
		"", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,", "[1,]",
		"{\"a\":1}x", "{\"a\":1,\"a\":2}", "01", "1.5", "-1", "1e3",
		"18446744073709551616", "\"abc", "\"\\x\"", "\"\\ud800\"",
		"\"\\u0000\"", "\"a\tb\"", "tru", "nul", "[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]",
		"{1:2}", "'a'",
	};
	char why[128];

	for (size_t i = 0; i < sizeof(badv) / sizeof(badv[0]); i++) {
		struct json v;

		EXPECT_EQ(-EUCLEAN, parse(badv[i], &v, why)) TH_LOG("%s", badv[i]);
		EXPECT_NE(0U, strlen(why));
	}
}

TEST(truncated_says_so)
{
	struct json v;
	char why[128];

	EXPECT_EQ(-EUCLEAN, parse("{\"version\": 1, \"portals\": [", &v, why));
	EXPECT_NE(NULL, strstr(why, "truncated"));
	EXPECT_NE(NULL, strstr(why, "byte 27"));
}

TEST(nul_byte_refused)
{
	struct json v;
	char why[128];

	EXPECT_EQ(-EUCLEAN, json_parse("{}\0", 3, &v, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "NUL"));
}

TEST(tree_and_get)
{
	struct json v;
	char why[128];
	const struct json *a;

	ASSERT_EQ(0, parse("{\"n\": 7, \"s\": \"q\\\"\\\\\", \"a\": [true]}",
			   &v, why));
	EXPECT_EQ(7U, json_get(&v, "n", JSON_NUMBER)->number);
	EXPECT_STREQ("q\"\\", json_get(&v, "s", JSON_STRING)->string);
	EXPECT_EQ(NULL, json_get(&v, "n", JSON_STRING));
	EXPECT_EQ(NULL, json_get(&v, "zz", JSON_NUMBER));
	a = json_get(&v, "a", JSON_ARRAY);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(1U, a->n);
	EXPECT_TRUE(a->items[0].boolean);
	json_free(&v);
}

TEST(writer_round_trips)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json v;
	char why[128];

	ASSERT_NE(NULL, f);
	json_put_string(f, "a\"b\\c\n\x01 \xc3\xa9");
	fclose(f);
	ASSERT_EQ(0, json_parse(buf, len, &v, why, sizeof(why)));
	EXPECT_STREQ("a\"b\\c\n\x01 \xc3\xa9", v.string);
	json_free(&v);
	free(buf);
}

TEST_HARNESS_MAIN
