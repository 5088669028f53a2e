// SPDX-License-Identifier: GPL-2.0-only
/*
 * Baseline of the soft-PMU counting benchmark: a bare single-step loop. The
 * guest (bench-loop) writes 1 to port 0x80 where counting would start and
 * 2 where it would stop; in between this program single-steps it with
 * KVM_GUESTDBG_SINGLESTEP and does nothing per step but count it. It prints
 * the number of steps on stderr. Usage: step-baseline IMAGE
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "minivm.h"

static void single_step(const struct minivm *m, int on)
{
	struct kvm_guest_debug dbg = { .control = on ? KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP : 0 };

	if (ioctl(m->vcpu, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
		perror("KVM_SET_GUEST_DEBUG");
		exit(99);
	}
}

int main(int argc, char **argv)
{
	unsigned long steps = 0;
	struct minivm m;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
		return 99;
	}
	minivm_start(&m, argv[1]);
	for (;;) {
		minivm_run(&m);
		switch (m.run->exit_reason) {
		case KVM_EXIT_DEBUG:
			steps++;
			break;
		case KVM_EXIT_IO:
			if (m.run->io.port == 0xf4) {
				fprintf(stderr, "steps: %lu\n", steps);
				return minivm_exit_status(&m);
			}
			if (m.run->io.port == 0x80)
				single_step(&m, ((uint8_t *)m.run)[m.run->io.data_offset] == 1);
			break;
		default:
			fprintf(stderr, "unexpected exit %u\n", m.run->exit_reason);
			return 98;
		}
	}
}
