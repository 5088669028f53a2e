// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-host-dump: probe this host and print its description in the
 * tests/hosts format (or, with --caps, what each PMU mode would give).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pmu/host.h"

int main(int argc, char **argv)
{
	struct pmu_host h;
	struct vmm_err err = { 0 };
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int r;

	if (fd < 0) {
		fprintf(stderr, "pmu-host-dump: /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	r = pmu_host_probe(fd, NULL, &h, &err);
	close(fd);
	if (r) {
		fprintf(stderr, "pmu-host-dump: %s\n", err.msg);
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "--caps"))
		return pmu_host_print_caps(stdout, &h, argc > 2 && !strcmp(argv[2], "--json")) ? 1 : 0;
	return pmu_host_write(stdout, &h) ? 1 : 0;
}
