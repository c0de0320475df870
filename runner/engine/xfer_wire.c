/*
 * xfer_wire.c: what the xfer client and server agree on before any data
 * moves (xfer.h): the names of the modes and directions, which requests
 * can be served, and the 64-byte header that carries the request from the
 * client to the server, both ways. Pure: no sockets, no output.
 */
#include <errno.h>
#include <string.h>

#include "mtime.h"
#include "xfer_int.h"

#define XFER_MAGIC "MPLXFER"

const char *xfer_mode_name(enum xfer_mode m)
{
	return m == XFER_RR ? "rr" : "bulk";
}

const char *xfer_direction_name(enum xfer_direction dir)
{
	switch (dir) {
	case XFER_UPLOAD:
		return "upload";
	case XFER_DOWNLOAD:
		return "download";
	case XFER_BOTH:
		return "both";
	}
	return "?";
}

int xfer_params_check(const struct xfer_params *p, struct diag *d)
{
	if (p->mode != XFER_BULK && p->mode != XFER_RR)
		return diag_set(d, -EINVAL, "unknown mode %d", (int)p->mode);
	if (p->direction != XFER_UPLOAD && p->direction != XFER_DOWNLOAD &&
	    p->direction != XFER_BOTH)
		return diag_set(d, -EINVAL, "unknown direction %d", (int)p->direction);
	if (p->duration_us > 86400 * USEC_PER_SEC || p->omit_us > 86400 * USEC_PER_SEC)
		return diag_set(d, -EINVAL, "a transfer lasts at most a day");
	if (p->mode == XFER_BULK) {
		if (!p->bytes == !p->duration_us)
			return diag_set(d, -EINVAL,
					"bulk needs a byte count or a duration, not %s",
					p->bytes ? "both" : "neither");
		if (p->request_bytes || p->response_bytes || p->rate_tps || p->transactions)
			return diag_set(d, -EINVAL,
					"request, response, rate and transactions are for rr mode");
		return 0;
	}
	if (p->bytes)
		return diag_set(d, -EINVAL, "rr mode takes transactions or a duration, not bytes");
	if (!p->transactions == !p->duration_us)
		return diag_set(d, -EINVAL, "rr needs a transaction count or a duration, not %s",
				p->transactions ? "both" : "neither");
	if (!p->request_bytes || !p->response_bytes || p->request_bytes > XFER_RR_SIZE_MAX_BYTES ||
	    p->response_bytes > XFER_RR_SIZE_MAX_BYTES)
		return diag_set(d, -EINVAL, "request and response sizes must be 1 to %u bytes",
				XFER_RR_SIZE_MAX_BYTES);
	if (p->rate_tps > 10000000)
		return diag_set(d, -EINVAL, "rate of %llu transactions/s is beyond any link",
				(unsigned long long)p->rate_tps);
	if (p->transactions > XFER_RR_MAX_SAMPLES)
		return diag_set(d, -EINVAL, "at most %u transactions", XFER_RR_MAX_SAMPLES);
	return 0;
}

static void put_be16(unsigned char *b, uint16_t v)
{
	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
}

static void put_be32(unsigned char *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put_be64(unsigned char *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint16_t get_be16(const unsigned char *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static uint32_t get_be32(const unsigned char *b)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = (v << 8) | b[i];
	return v;
}

static uint64_t get_be64(const unsigned char *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}

/*
 *   0 magic "MPLXFER\0"   8 u16 version  10 u8 mode  11 u8 direction
 *  12 u32 reserved (0)   16 u64 bytes   24 u64 duration_us  32 u64 omit_us
 *  40 u32 request_bytes  44 u32 response_bytes  48 u64 rate_tps
 *  56 u64 transactions   (64)
 */
void xfer_hdr_encode(const struct xfer_params *p, unsigned char out[XFER_HDR_BYTES])
{
	memset(out, 0, XFER_HDR_BYTES);
	memcpy(out, XFER_MAGIC, sizeof(XFER_MAGIC));
	put_be16(out + 8, XFER_VERSION);
	out[10] = (unsigned char)p->mode;
	out[11] = (unsigned char)p->direction;
	put_be64(out + 16, p->bytes);
	put_be64(out + 24, p->duration_us);
	put_be64(out + 32, p->omit_us);
	put_be32(out + 40, p->request_bytes);
	put_be32(out + 44, p->response_bytes);
	put_be64(out + 48, p->rate_tps);
	put_be64(out + 56, p->transactions);
}

int xfer_hdr_decode(const unsigned char in[XFER_HDR_BYTES], struct xfer_params *p,
		    struct diag *d)
{
	struct diag dd = DIAG_INIT;

	memset(p, 0, sizeof(*p));
	if (memcmp(in, XFER_MAGIC, sizeof(XFER_MAGIC)))
		return diag_set(d, -EBADMSG, "the peer is not an mptcp-lab xfer client");
	if (get_be16(in + 8) != XFER_VERSION)
		return diag_set(d, -EBADMSG, "the client speaks xfer version %u, this is %u",
				get_be16(in + 8), XFER_VERSION);
	if (get_be32(in + 12))
		return diag_set(d, -EBADMSG, "reserved header bits are set");
	p->mode = (enum xfer_mode)in[10];
	p->direction = (enum xfer_direction)in[11];
	p->bytes = get_be64(in + 16);
	p->duration_us = get_be64(in + 24);
	p->omit_us = get_be64(in + 32);
	p->request_bytes = get_be32(in + 40);
	p->response_bytes = get_be32(in + 44);
	p->rate_tps = get_be64(in + 48);
	p->transactions = get_be64(in + 56);
	if (xfer_params_check(p, &dd) < 0)
		return diag_set(d, -EBADMSG, "bad request from the client: %s", diag_str(&dd));
	return 0;
}
