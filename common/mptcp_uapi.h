/*
 * mptcp_uapi.h: the newest layout of the kernel's struct mptcp_info
 * (include/uapi/linux/mptcp.h, 2026). Debian 12's header is from 6.1 and
 * lacks the later fields; both lab/ (sock_diag) and runner/ (getsockopt)
 * read the struct, and trust a field only when the length the kernel
 * returned covers offsetof(field) + sizeof(field).
 */
#ifndef MPL_MPTCP_UAPI_H
#define MPL_MPTCP_UAPI_H

#include <stddef.h>
#include <stdint.h>

#include <linux/mptcp.h>

struct mpl_mptcp_info {
	uint8_t mptcpi_subflows; /* extra subflows, beside the initial one (v5.9) */
	uint8_t mptcpi_add_addr_signal;
	uint8_t mptcpi_add_addr_accepted;
	uint8_t mptcpi_subflows_max;
	uint8_t mptcpi_add_addr_signal_max;
	uint8_t mptcpi_add_addr_accepted_max;
	uint8_t hole16[2];
	uint32_t mptcpi_flags;
	uint32_t mptcpi_token;
	uint64_t mptcpi_write_seq;
	uint64_t mptcpi_snd_una;
	uint64_t mptcpi_rcv_nxt;
	uint8_t mptcpi_local_addr_used; /* v5.12 */
	uint8_t mptcpi_local_addr_max;
	uint8_t mptcpi_csum_enabled; /* v5.14 */
	uint8_t hole8;
	uint32_t mptcpi_retransmits; /* v6.5 */
	uint64_t mptcpi_bytes_retrans;
	uint64_t mptcpi_bytes_sent;
	uint64_t mptcpi_bytes_received;
	uint64_t mptcpi_bytes_acked;
	uint8_t mptcpi_subflows_total; /* v6.8: the total, initial subflow included */
	uint8_t mptcpi_endp_laminar_max; /* v6.18 */
	uint8_t mptcpi_endp_fullmesh_max;
	uint8_t reserved;
	uint32_t mptcpi_last_data_sent; /* v6.10 */
	uint32_t mptcpi_last_data_recv;
	uint32_t mptcpi_last_ack_recv;
};

/* The copy must agree with the system header where both exist. */
_Static_assert(offsetof(struct mpl_mptcp_info, mptcpi_flags) ==
		       offsetof(struct mptcp_info, mptcpi_flags),
	       "struct mptcp_info layout");
_Static_assert(offsetof(struct mpl_mptcp_info, mptcpi_csum_enabled) ==
		       offsetof(struct mptcp_info, mptcpi_csum_enabled),
	       "struct mptcp_info layout");
_Static_assert(offsetof(struct mpl_mptcp_info, mptcpi_bytes_acked) == 72,
	       "struct mptcp_info layout");
_Static_assert(sizeof(struct mpl_mptcp_info) == 96, "struct mptcp_info layout");

/* Whether a returned length covers a field. */
#define MPL_MPTCP_INFO_HAS(len, field)                                                     \
	((size_t)(len) >= offsetof(struct mpl_mptcp_info, field) +                         \
				  sizeof(((struct mpl_mptcp_info *)0)->field))

#endif
