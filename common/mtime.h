/* mtime: the project's one time type, microseconds in a uint64_t. */
#ifndef MPL_MTIME_H
#define MPL_MTIME_H

#include <stdint.h>

#define USEC_PER_MSEC 1000ULL
#define USEC_PER_SEC 1000000ULL

/* CLOCK_MONOTONIC in µs: for durations and deadlines. */
uint64_t mtime_now_us(void);
/* CLOCK_REALTIME in µs: for timestamps stored with results. */
uint64_t mtime_wall_us(void);
/* Sleep for at most us microseconds (used by poll loops, never as a wait
 * for a condition on its own). */
void mtime_sleep_us(uint64_t us);

#endif
