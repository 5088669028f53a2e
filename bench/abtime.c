// SPDX-License-Identifier: GPL-2.0-only
/*
 * A/B timing on a shared, noisy machine: runs command A and command B
 * alternately RUNS times each, timing every process from fork to exit and
 * reading its peak RSS, and prints both medians and the ratios B/A.
 * Alternating in one invocation keeps drift from favouring either side.
 *
 * Usage: abtime NAME RUNS STATUS TARGET LABEL-A LABEL-B :: A-ARGV... :: B-ARGV...
 *   ("::" separates the commands, which may contain "--" themselves)
 *   STATUS: the exit status both commands must end with
 *   TARGET: the time ratio B/A the project aims for (printed, not enforced)
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sample {
	double ms;
	double rss_kib;
};

static int run_once(char *const argv[], int want, struct sample *s)
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
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	s->rss_kib = (double)ru.ru_maxrss;
	return WIFEXITED(status) && WEXITSTATUS(status) == want ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const struct sample *s, int n, size_t field)
{
	double v[n], m;

	for (int i = 0; i < n; i++)
		v[i] = *(const double *)((const char *)&s[i] + field);
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return m;
}

int main(int argc, char **argv)
{
	char **a, **b;
	int runs, want, sep = 0;
	double target;

	if (argc < 10 || strcmp(argv[7], "::")) {
		fprintf(stderr, "usage: %s NAME RUNS STATUS TARGET LABEL-A LABEL-B :: A... :: B...\n", argv[0]);
		return 2;
	}
	runs = atoi(argv[2]);
	want = atoi(argv[3]);
	target = atof(argv[4]);
	a = &argv[8];
	for (int i = 8; i < argc && !sep; i++)
		if (!strcmp(argv[i], "::"))
			sep = i;
	if (runs < 1 || !sep || sep + 1 >= argc) {
		fprintf(stderr, "abtime: bad arguments\n");
		return 2;
	}
	argv[sep] = NULL;
	b = &argv[sep + 1];

	struct sample sa[runs], sb[runs];

	for (int i = 0; i < runs; i++) {
		if (run_once(a, want, &sa[i]) < 0 || run_once(b, want, &sb[i]) < 0) {
			fprintf(stderr, "abtime: run %d: a command did not end with status %d\n", i, want);
			return 1;
		}
	}
	double ta = median(sa, runs, offsetof(struct sample, ms)), tb = median(sb, runs, offsetof(struct sample, ms));
	double ra = median(sa, runs, offsetof(struct sample, rss_kib));
	double rb = median(sb, runs, offsetof(struct sample, rss_kib));

	printf("%s: %d alternating runs each\n", argv[1], runs);
	printf("  %-12s median %9.2f ms  peak RSS %7.0f KiB\n", argv[5], ta, ra);
	printf("  %-12s median %9.2f ms  peak RSS %7.0f KiB\n", argv[6], tb, rb);
	printf("  ratio %s/%s: time %.3fx (target <= %.2fx: %s), RSS %.2fx\n", argv[6], argv[5], tb / ta,
	       target, tb / ta <= target ? "met" : "NOT met", rb / ra);
	return 0;
}
