/* SPDX-License-Identifier: GPL-2.0-only */
/* The monotonic clock in milliseconds, for timeouts and durations, and in nanoseconds for guest timers. */
#ifndef VMM_COMMON_CLOCK_H
#define VMM_COMMON_CLOCK_H

#include <stdint.h>

int64_t vmm_mono_ms(void);
int64_t vmm_mono_ns(void);
/* The wall clock (CLOCK_REALTIME), nanoseconds since the Unix epoch. */
int64_t vmm_wall_ns(void);

#endif
