/*
 * sha256.c: SHA-256 as specified by FIPS 180-4, sections 4.1.2 (functions),
 * 4.2.2 (constants), 5.1.1 (padding), 5.3.3 (initial value) and 6.2.2
 * (the compression). Portable C, byte order handled explicitly, no
 * hardware acceleration: the project hashes kilobytes, not gigabytes.
 *
 * It does not do HMAC or any other construction on top of the hash.
 */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "fdio.h"

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One 512-bit block (FIPS 180-4 6.2.2). */
static void sha256_block(uint32_t h[8], const uint8_t *block)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;
	unsigned t;

	for (t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	for (t = 16; t < 64; t++) {
		uint32_t s0 = ror32(w[t - 15], 7) ^ ror32(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = ror32(w[t - 2], 17) ^ ror32(w[t - 2], 19) ^ (w[t - 2] >> 10);

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], hh = h[7];
	for (t = 0; t < 64; t++) {
		uint32_t S1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = hh + S1 + ch + sha256_k[t] + w[t];
		uint32_t S0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = S0 + maj;

		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void sha256_init(struct sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->state, iv, sizeof(iv));
	c->total_bytes = 0;
	c->buf_bytes = 0;
}

void sha256_update(struct sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->total_bytes += len;
	if (c->buf_bytes) {
		size_t take = SHA256_BLOCK_BYTES - c->buf_bytes;

		if (take > len)
			take = len;
		memcpy(c->buf + c->buf_bytes, p, take);
		c->buf_bytes += take;
		p += take;
		len -= take;
		if (c->buf_bytes < SHA256_BLOCK_BYTES)
			return;
		sha256_block(c->state, c->buf);
		c->buf_bytes = 0;
	}
	for (; len >= SHA256_BLOCK_BYTES; p += SHA256_BLOCK_BYTES, len -= SHA256_BLOCK_BYTES)
		sha256_block(c->state, p);
	if (len) {
		memcpy(c->buf, p, len);
		c->buf_bytes = len;
	}
}

void sha256_final(struct sha256 *c, uint8_t digest[SHA256_DIGEST_BYTES])
{
	uint64_t bits = c->total_bytes * 8;
	unsigned i;

	/* Padding (5.1.1): a 1 bit, zeros up to 56 mod 64, the length in bits
	 * as a big-endian 64-bit number. */
	c->buf[c->buf_bytes++] = 0x80;
	if (c->buf_bytes > SHA256_BLOCK_BYTES - 8) {
		memset(c->buf + c->buf_bytes, 0, SHA256_BLOCK_BYTES - c->buf_bytes);
		sha256_block(c->state, c->buf);
		c->buf_bytes = 0;
	}
	memset(c->buf + c->buf_bytes, 0, SHA256_BLOCK_BYTES - 8 - c->buf_bytes);
	store_be32(c->buf + 56, (uint32_t)(bits >> 32));
	store_be32(c->buf + 60, (uint32_t)bits);
	sha256_block(c->state, c->buf);
	for (i = 0; i < 8; i++)
		store_be32(digest + 4 * i, c->state[i]);
	c->buf_bytes = 0;
}

static void to_hex(const uint8_t digest[SHA256_DIGEST_BYTES], char out[SHA256_HEX_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < SHA256_DIGEST_BYTES; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 0xf];
	}
	out[2 * SHA256_DIGEST_BYTES] = '\0';
}

void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_SIZE])
{
	uint8_t digest[SHA256_DIGEST_BYTES];
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, digest);
	to_hex(digest, out);
}

int sha256_file_hex(const char *path, char out[SHA256_HEX_SIZE])
{
	_cleanup_close_ int fd = -1;
	uint8_t digest[SHA256_DIGEST_BYTES];
	uint8_t buf[16384];
	struct sha256 c;
	ssize_t got;

	out[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	sha256_init(&c);
	while ((got = fdio_read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&c, buf, (size_t)got);
	if (got < 0)
		return (int)got;
	sha256_final(&c, digest);
	to_hex(digest, out);
	return 0;
}
