/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exit statuses of the vmm process. A guest that writes V to the exit
 * device ends with (V << 1) | 1, an odd number; the VMM's own statuses are
 * even so the two never collide. Documented in `vmm --help` and docs/cli.md.
 */
#ifndef VMM_VMM_STATUS_H
#define VMM_VMM_STATUS_H

#define VMM_STATUS_OK		0	/* command succeeded; guest powered off */
#define VMM_STATUS_USAGE	2	/* bad command line */
#define VMM_STATUS_IMAGE	4	/* image or input file unreadable or malformed */
#define VMM_STATUS_HOST		6	/* KVM missing, lacks a feature, or an ioctl failed */
#define VMM_STATUS_TRIPLE_FAULT	8	/* guest triple-faulted (KVM_EXIT_SHUTDOWN) */
#define VMM_STATUS_VCPU_ERROR	10	/* KVM could not run the guest: internal error, failed entry */
#define VMM_STATUS_RESET_LIMIT	12	/* the guest reset more often than --max-resets */
#define VMM_STATUS_RESET_VERIFY	14	/* --verify-reset found PMU state a reset left behind */
#define VMM_STATUS_TIMEOUT	124	/* --timeout expired */
#define VMM_STATUS_SIGNAL	130	/* stopped by SIGINT or SIGTERM */

#endif
