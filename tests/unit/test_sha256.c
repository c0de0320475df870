/*
 * test_sha256: common/sha256.c against the FIPS 180-2 appendix B test
 * vectors ("", "abc", the 448-bit and 896-bit messages, one million 'a'),
 * messages around the padding boundaries (55, 56, 63, 64 ... bytes, digests
 * from an independent implementation: Python's hashlib), the same messages
 * fed in every split, and sha256_file_hex on a file and on a missing one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "check.h"

static void check_hex(const char *what, const char *got, const char *want)
{
	check(!strcmp(got, want), what, "got %s, want %s", got, want);
}

static const struct {
	const char *msg;
	const char *hex;
} fips[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

/* byte i = (7 i + 3) mod 256 */
static const struct {
	size_t len;
	const char *hex;
} boundary[] = {
	{ 55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b" },
	{ 56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27" },
	{ 57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73" },
	{ 63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055" },
	{ 64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241" },
	{ 65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e" },
	{ 119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e" },
	{ 120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5" },
	{ 127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07" },
	{ 128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6" },
	{ 1000, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371" },
};

static void digest_hex(struct sha256 *c, char out[SHA256_HEX_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t dg[SHA256_DIGEST_BYTES];

	sha256_final(c, dg);
	for (unsigned i = 0; i < SHA256_DIGEST_BYTES; i++) {
		out[2 * i] = hex[dg[i] >> 4];
		out[2 * i + 1] = hex[dg[i] & 0xf];
	}
	out[64] = '\0';
}

static void test_fips(void)
{
	char got[SHA256_HEX_SIZE], what[80];

	for (size_t i = 0; i < sizeof(fips) / sizeof(fips[0]); i++) {
		sha256_hex(fips[i].msg, strlen(fips[i].msg), got);
		snprintf(what, sizeof(what), "fips vector %zu (%zu bytes)", i, strlen(fips[i].msg));
		check_hex(what, got, fips[i].hex);
	}
}

static void test_million_a(void)
{
	char got[SHA256_HEX_SIZE], chunk[1000];
	struct sha256 c;

	/* In odd-sized pieces so block boundaries fall mid-update. */
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&c);
	for (size_t done = 0; done < 1000000;) {
		size_t n = 1000000 - done < 997 ? 1000000 - done : 997;

		sha256_update(&c, chunk, n);
		done += n;
	}
	digest_hex(&c, got);
	check_hex("one million 'a'", got,
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_boundaries(void)
{
	uint8_t msg[1000];
	char got[SHA256_HEX_SIZE], what[96];
	struct sha256 c;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(boundary) / sizeof(boundary[0]); i++) {
		size_t len = boundary[i].len;

		sha256_hex(msg, len, got);
		snprintf(what, sizeof(what), "%zu bytes in one update", len);
		check_hex(what, got, boundary[i].hex);

		/* Every split point for the short ones, a few for 1000. */
		for (size_t cut = 0; cut <= len; cut += len > 200 ? 61 : 1) {
			sha256_init(&c);
			sha256_update(&c, msg, cut);
			sha256_update(&c, msg + cut, 0);
			sha256_update(&c, msg + cut, len - cut);
			digest_hex(&c, got);
			if (strcmp(got, boundary[i].hex)) {
				snprintf(what, sizeof(what), "%zu bytes split at %zu", len, cut);
				check_hex(what, got, boundary[i].hex);
			}
		}
		snprintf(what, sizeof(what), "%zu bytes in every split", len);
		check(1, what, "-");
	}
}

static void test_file(void)
{
	char path[] = "/tmp/mpl-sha256-XXXXXX", got[SHA256_HEX_SIZE];
	uint8_t big[70000];
	char want[SHA256_HEX_SIZE];
	FILE *f;
	int fd, r;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31 + (i >> 8));
	fd = mkstemp(path);
	check(fd >= 0, "temporary file", "mkstemp failed");
	f = fdopen(fd, "w");
	check(f && fwrite(big, 1, sizeof(big), f) == sizeof(big) && fclose(f) == 0,
	      "write temporary file", "write failed");
	sha256_hex(big, sizeof(big), want);
	r = sha256_file_hex(path, got);
	unlink(path);
	check(r == 0, "sha256_file_hex returns 0", "failed");
	check_hex("sha256_file_hex equals sha256_hex (70000 bytes, several reads)", got, want);

	r = sha256_file_hex("/nonexistent/mpl-sha256", got);
	check(r == -ENOENT && got[0] == '\0', "sha256_file_hex on a missing file: -ENOENT, empty",
	      "wrong return or output");
}

int main(void)
{
	test_fips();
	test_million_a();
	test_boundaries();
	test_file();
	printf("%u cases passed\n", check_count);
	return 0;
}
