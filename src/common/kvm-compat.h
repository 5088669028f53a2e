/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM uAPI constants newer than the Linux 6.1 headers that Debian 12 ships.
 * Values are from include/uapi/linux/kvm.h of the kernel version named
 * beside each; they are part of the stable uAPI and never change.
 */
#ifndef VMM_COMMON_KVM_COMPAT_H
#define VMM_COMMON_KVM_COMPAT_H

#include <linux/kvm.h>

/* Linux 6.3 */
#ifndef KVM_CAP_PMU_EVENT_MASKED_EVENTS
#define KVM_CAP_PMU_EVENT_MASKED_EVENTS 226
#endif
#ifndef KVM_PMU_EVENT_FLAG_MASKED_EVENTS
#define KVM_PMU_EVENT_FLAG_MASKED_EVENTS (1u << 0)
#endif

/* Linux 6.10 */
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif

/* Linux 5.18 (present in 6.1, kept for older headers) */
#ifndef KVM_CAP_PMU_CAPABILITY
#define KVM_CAP_PMU_CAPABILITY 212
#endif
#ifndef KVM_PMU_CAP_DISABLE
#define KVM_PMU_CAP_DISABLE (1u << 0)
#endif

#endif
