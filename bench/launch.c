// SPDX-License-Identifier: GPL-2.0-only
/*
 * Launch-to-exit benchmark: runs `vmm run GUEST` and `launch-baseline GUEST`
 * alternately N times each, timing every process from fork to exit and
 * reading its peak RSS, then prints both medians and their ratios. Alternating
 * in one invocation keeps a noisy, shared machine from favouring either side.
 *
 * Usage: launch VMM BASELINE GUEST [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sample {
	double ms;
	long rss_kib;
};

static int run_once(char *const argv[], struct sample *s)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	s->rss_kib = ru.ru_maxrss;
	/* The guest writes 0 to the exit port: status 1. */
	return WIFEXITED(status) && WEXITSTATUS(status) == 1 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(struct sample *s, int n, int rss)
{
	double *v = malloc(sizeof(*v) * (size_t)n), m;

	for (int i = 0; i < n; i++)
		v[i] = rss ? (double)s[i].rss_kib : s[i].ms;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return m;
}

int main(int argc, char **argv)
{
	int n = argc > 4 ? atoi(argv[4]) : 30;
	char *vmm_argv[] = { argv[1], "run", argv[3], NULL };
	char *base_argv[] = { argv[2], argv[3], NULL };
	struct sample *vs, *bs;
	double vt, bt, vr, br;

	if (argc < 4 || n < 1) {
		fprintf(stderr, "usage: %s VMM BASELINE GUEST [N]\n", argv[0]);
		return 2;
	}
	vs = calloc((size_t)n, sizeof(*vs));
	bs = calloc((size_t)n, sizeof(*bs));
	for (int i = 0; i < n; i++) {
		if (run_once(base_argv, &bs[i]) < 0 || run_once(vmm_argv, &vs[i]) < 0) {
			fprintf(stderr, "launch: run %d failed (a guest did not exit with status 1)\n", i);
			return 1;
		}
	}
	vt = median(vs, n, 0);
	bt = median(bs, n, 0);
	vr = median(vs, n, 1);
	br = median(bs, n, 1);
	printf("launch-to-exit, %d alternating runs each\n", n);
	printf("  baseline  median %7.2f ms  peak RSS %6.0f KiB\n", bt, br);
	printf("  vmm       median %7.2f ms  peak RSS %6.0f KiB\n", vt, vr);
	printf("  ratio     time %.2fx  RSS %.2fx  (target: time <= 1.30x)\n", vt / bt, vr / br);
	free(vs);
	free(bs);
	return 0;
}
