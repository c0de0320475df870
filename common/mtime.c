#include "mtime.h"

#include <errno.h>
#include <time.h>

static uint64_t ts_us(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t mtime_now_us(void)
{
	return ts_us(CLOCK_MONOTONIC);
}

uint64_t mtime_wall_us(void)
{
	return ts_us(CLOCK_REALTIME);
}

void mtime_sleep_us(uint64_t us)
{
	struct timespec ts = { (time_t)(us / USEC_PER_SEC), (long)(us % USEC_PER_SEC) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
