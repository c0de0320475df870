/*
 * units: parse and print the quantities of the lab's input files.
 *
 * Rates follow tc(8): "bit" units are bits per second (kbit, mbit, gbit,
 * tbit, and the IEC kibit, mibit, gibit), "bps" units are BYTES per second
 * (kbps, mbps, gbps) exactly as tc reads them. A bare number is bit/s.
 * Times: us, ms, s (a bare number is rejected: the unit is never guessed).
 * Sizes: b, k/kb (1000), kib (1024), m/mb, mib, g/gb, gib; a bare number is
 * bytes. Percentages: "1.5%" or a bare number, 0..100.
 *
 * Every parser returns 0 or -EINVAL (malformed) / -ERANGE (overflow) and
 * never accepts trailing garbage.
 */
#ifndef MPL_UNITS_H
#define MPL_UNITS_H

#include <stddef.h>
#include <stdint.h>

int units_parse_rate_bps(const char *s, uint64_t *bps);
int units_parse_time_us(const char *s, uint64_t *us);
int units_parse_size_bytes(const char *s, uint64_t *bytes);
int units_parse_percent(const char *s, double *pct);

/* "50mbit", "1.5gbit", "800bit"; returns buf. */
const char *units_format_rate(uint64_t bps, char *buf, size_t size);
/* "10ms", "1.5s", "250us"; returns buf. */
const char *units_format_time(uint64_t us, char *buf, size_t size);

#endif
