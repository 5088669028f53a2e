/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the pure benchmarks (interp-speed, softpmu-speed) share: the
 * thread's CPU clock, a fixed reference loop of host arithmetic that each
 * measurement alternates with, so that its figure is also a ratio a loaded
 * machine moves less, and the median of the runs.
 */
#ifndef VMM_BENCH_REFTIME_H
#define VMM_BENCH_REFTIME_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* The thread's CPU time: a run that loses the CPU to another process on a shared host does not count that time. */
static inline double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* ns per reference unit: per_unit dependent multiply-adds the compiler cannot fold. */
static inline double run_ref(unsigned int units, unsigned int per_unit)
{
	volatile uint64_t sink;
	uint64_t v = 1;
	double t0 = now_ns();

	for (unsigned int i = 0; i < units; i++) {
		for (unsigned int k = 0; k < per_unit; k++)
			v = v * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(v));
	}
	sink = v;
	(void)sink;
	return (now_ns() - t0) / (double)units;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n), n > 0 (v is sorted on the way). */
static inline double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

#endif
