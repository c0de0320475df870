/*
 * sha256: SHA-256 (FIPS 180-4), for content hashes of scenario and
 * topology files and of kernel configs. Not constant-time and not meant
 * for secrets: it identifies content, it does not protect it.
 */
#ifndef MPL_SHA256_H
#define MPL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_BYTES 32
#define SHA256_BLOCK_BYTES 64
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_BYTES + 1)

struct sha256 {
	uint32_t state[8];
	uint64_t total_bytes;		     /* message length so far */
	uint8_t buf[SHA256_BLOCK_BYTES];     /* a partial block */
	size_t buf_bytes;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Write the digest; c must be re-initialised before it is used again. */
void sha256_final(struct sha256 *c, uint8_t digest[SHA256_DIGEST_BYTES]);

/* Lowercase hex of the digest of data, NUL-terminated. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_SIZE]);
/* Lowercase hex of the digest of a file's bytes. 0 or a negative errno
 * (out is left empty on failure). */
int sha256_file_hex(const char *path, char out[SHA256_HEX_SIZE]);

#endif
