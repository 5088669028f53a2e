// SPDX-License-Identifier: GPL-2.0-only
/*
 * Baseline of the launch benchmark: run an ELF64 guest on bare KVM until it
 * writes the exit port. Usage: launch-baseline IMAGE
 */
#include <stdio.h>

#include "minivm.h"

int main(int argc, char **argv)
{
	struct minivm m;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
		return 99;
	}
	minivm_start(&m, argv[1]);
	for (;;) {
		minivm_run(&m);
		if (m.run->exit_reason == KVM_EXIT_IO && m.run->io.port == 0xf4)
			return minivm_exit_status(&m);
		if (m.run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "unexpected exit %u\n", m.run->exit_reason);
			return 98;
		}
	}
}
