/*
 * xfer_int.h: what the files of the xfer client and server share and
 * nobody else sees: the state of one end while it runs (xfer.c) and the
 * JSON lines it writes (xfer_lines.c). The wire header and the parameters
 * are xfer_wire.c's, through xfer.h.
 */
#ifndef MPL_XFER_INT_H
#define MPL_XFER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "sockinfo.h"
#include "xfer.h"

#define XFER_RR_MAX_SAMPLES (1u << 24)
#define XFER_ERR_MAX 160

/* One end while it runs. */
struct xfer_run {
	const struct xfer_opts *o;
	struct xfer_params p;
	char role; /* 'c' or 's' */
	int fd;
	bool mptcp_socket;		/* opened as IPPROTO_MPTCP */
	char no_mptcp[XFER_ERR_MAX];	/* why not, when it should have been */
	struct sockinfo_reader *rd;
	struct sockinfo_snapshot snap;
	bool snap_valid;
	unsigned long sample_errors;
	char sample_err[XFER_ERR_MAX];
	unsigned long n_samples;

	uint64_t start_us, guard_us, next_sample_us;
	uint64_t tx_bytes, rx_bytes;
	uint64_t rx_first_us, rx_last_us, omit_at_us, rx_omit_bytes;
	struct rusage ru_start;

	char *buf;
	size_t buf_len;	  /* one read */
	size_t write_len; /* one write of bulk data, <= buf_len */

	/* rr */
	uint32_t *lat_us; /* array_grow() */
	size_t n_lat;
	uint64_t rr_first_us, rr_last_us, rr_done;
	unsigned long rr_late;
};

/* One line of samples: the connection ("conn") and each subflow
 * ("subflow") of r->snap, taken at now_us. */
void xfer_emit_sample(struct xfer_run *r, uint64_t now_us);

/* The last line, after a complete transfer that ended at end_us. Sorts
 * r->lat_us. */
void xfer_emit_summary(struct xfer_run *r, uint64_t end_us);

#endif
