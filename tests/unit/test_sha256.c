/* tests/unit/test_sha256.c: SHA-256 against the FIPS 180-4 / NIST example vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "src/base/sha256.h"

static void
hex_of(const void *data, size_t len, char out[65])
{
	struct sha256 s;
	uint8_t d[32];

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, d);
	sha256_hex(d, out);
}

static void
test_abc(void **state)
{
	char hex[65];

	hex_of("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_empty(void **state)
{
	char hex[65];

	hex_of(NULL, 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_448_bits(void **state)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];

	hex_of(m, strlen(m), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_896_bits(void **state)
{
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char hex[65];

	hex_of(m, strlen(m), hex);
	assert_string_equal(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a', fed in uneven pieces so every buffering path runs. */
static void
test_million_a(void **state)
{
	static const size_t pieces[] = {1, 63, 64, 65, 127, 1000, 4096};
	char chunk[4096];
	struct sha256 s;
	uint8_t d[32];
	char hex[65];
	size_t left = 1000000;

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	for (size_t i = 0; left > 0; i++) {
		size_t n = pieces[i % (sizeof(pieces) / sizeof(pieces[0]))];

		if (n > left)
			n = left;
		sha256_update(&s, chunk, n);
		left -= n;
	}
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the padding boundary (55, 56, 64 bytes) must agree with a one-shot digest. */
static void
test_padding_boundaries(void **state)
{
	char buf[130];

	memset(buf, 'x', sizeof(buf));
	for (size_t len = 50; len < sizeof(buf); len++) {
		char one[65], two[65];
		struct sha256 s;
		uint8_t d[32];

		hex_of(buf, len, one);
		sha256_init(&s);
		for (size_t i = 0; i < len; i++)
			sha256_update(&s, buf + i, 1);
		sha256_final(&s, d);
		sha256_hex(d, two);
		assert_string_equal(one, two);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_448_bits),
		cmocka_unit_test(test_896_bits),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_padding_boundaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
