// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/kvm/vcpu_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm/kvm.h"
#include "common/x86.h"

static void drop_entry(struct kvm_msrs *m, unsigned int i)
{
	memmove(&m->entries[i], &m->entries[i + 1], (m->nmsrs - i - 1) * sizeof(m->entries[0]));
}

/* KVM_GET_MSR_INDEX_LIST, sized for one call; E2BIG tells the size when it is not. */
static struct kvm_msr_list *msr_index_list(int kvm_fd, struct vmm_err *err)
{
	unsigned int n = 512;

	for (int tries = 0; tries < 2; tries++) {
		struct kvm_msr_list *list = calloc(1, sizeof(*list) + n * sizeof(list->indices[0]));
		int r;

		if (!list) {
			vmm_errf(err, ENOMEM, "out of memory for the MSR list");
			return NULL;
		}
		list->nmsrs = n;
		r = kvm_ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, list);
		if (!r)
			return list;
		n = list->nmsrs;	/* KVM wrote the size it needs */
		free(list);
		if (r != -E2BIG) {
			vmm_err_ioctl(err, "KVM_GET_MSR_INDEX_LIST", -r, NULL);
			return NULL;
		}
	}
	vmm_errf(err, E2BIG, "KVM_GET_MSR_INDEX_LIST keeps growing");
	return NULL;
}

/*
 * The MSRs of the index list, read now. KVM_GET_MSRS stops at the first MSR
 * it cannot read: that one is dropped and the rest read again. (Writing them
 * back at a reset drops the ones KVM refuses the same way.)
 */
static int save_msrs(int kvm_fd, int vcpu_fd, struct vcpu_state *st, struct vmm_err *err)
{
	struct kvm_msr_list *list = msr_index_list(kvm_fd, err);
	struct kvm_msrs *m;
	unsigned int n = 0;
	int r;

	if (!list)
		return -(err ? err->code : EIO);
	m = calloc(1, sizeof(*m) + list->nmsrs * sizeof(m->entries[0]));
	if (!m) {
		free(list);
		return vmm_errf(err, ENOMEM, "out of memory for MSRs");
	}
	/* Time goes on across a reset here, as in QEMU: the TSC is not restored. */
	for (unsigned int i = 0; i < list->nmsrs; i++)
		if (list->indices[i] != MSR_IA32_TSC && list->indices[i] != MSR_IA32_TSC_ADJUST)
			m->entries[n++].index = list->indices[i];
	free(list);
	for (;;) {
		m->nmsrs = n;
		r = kvm_ioctl(vcpu_fd, KVM_GET_MSRS, m);
		if (r < 0) {
			free(m);
			return vmm_err_ioctl(err, "KVM_GET_MSRS", -r, NULL);
		}
		if ((unsigned int)r == n)
			break;
		drop_entry(m, (unsigned int)r);
		n--;
	}
	st->msrs = m;
	return 0;
}

int vcpu_state_save(int kvm_fd, int vcpu_fd, struct vcpu_state *st, struct vmm_err *err)
{
	static const struct { unsigned long req; const char *name; size_t off; } gets[] = {
		{ KVM_GET_REGS, "KVM_GET_REGS", offsetof(struct vcpu_state, regs) },
		{ KVM_GET_SREGS, "KVM_GET_SREGS", offsetof(struct vcpu_state, sregs) },
		{ KVM_GET_DEBUGREGS, "KVM_GET_DEBUGREGS", offsetof(struct vcpu_state, debugregs) },
		{ KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS", offsetof(struct vcpu_state, events) },
		{ KVM_GET_MP_STATE, "KVM_GET_MP_STATE", offsetof(struct vcpu_state, mp_state) },
		{ KVM_GET_LAPIC, "KVM_GET_LAPIC", offsetof(struct vcpu_state, lapic) },
	};
	int r;

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < sizeof(gets) / sizeof(gets[0]); i++) {
		r = kvm_ioctl(vcpu_fd, gets[i].req, (char *)st + gets[i].off);
		if (r < 0)
			return vmm_err_ioctl(err, gets[i].name, -r, NULL);
	}
	st->has_xsave = kvm_check_cap(kvm_fd, KVM_CAP_XSAVE) > 0;
	r = kvm_ioctl(vcpu_fd, st->has_xsave ? KVM_GET_XSAVE : KVM_GET_FPU,
		      st->has_xsave ? (void *)&st->xsave : (void *)&st->fpu);
	if (r < 0)
		return vmm_err_ioctl(err, st->has_xsave ? "KVM_GET_XSAVE" : "KVM_GET_FPU", -r, NULL);
	st->has_xcrs = kvm_check_cap(kvm_fd, KVM_CAP_XCRS) > 0;
	if (st->has_xcrs && (r = kvm_ioctl(vcpu_fd, KVM_GET_XCRS, &st->xcrs)) < 0)
		return vmm_err_ioctl(err, "KVM_GET_XCRS", -r, NULL);
	return save_msrs(kvm_fd, vcpu_fd, st, err);
}

/*
 * KVM_SET_MSRS stops at the first MSR it refuses: such an MSR cannot be
 * reset from userspace and is dropped from the list for good (the others
 * are written again). Any other failure is an error.
 */
static int restore_msrs(int vcpu_fd, struct kvm_msrs *m, struct vmm_err *err)
{
	for (;;) {
		int r = kvm_ioctl(vcpu_fd, KVM_SET_MSRS, m);

		if (r < 0)
			return vmm_err_ioctl(err, "KVM_SET_MSRS", -r, "restoring the vCPU's RESET MSRs");
		if ((unsigned int)r == m->nmsrs)
			return 0;
		drop_entry(m, (unsigned int)r);
		m->nmsrs--;
	}
}

int vcpu_state_restore(int vcpu_fd, const struct vcpu_state *st, struct vmm_err *err)
{
	/* MP state and LAPIC last: the LAPIC reset undoes anything pending (SDM vol. 3 11.4.7.1). */
	const struct { unsigned long req; const char *name; const void *arg; bool use; } sets[] = {
		{ KVM_SET_SREGS, "KVM_SET_SREGS", &st->sregs, true },
		{ KVM_SET_REGS, "KVM_SET_REGS", &st->regs, true },
		{ KVM_SET_XSAVE, "KVM_SET_XSAVE", &st->xsave, st->has_xsave },
		{ KVM_SET_FPU, "KVM_SET_FPU", &st->fpu, !st->has_xsave },
		{ KVM_SET_XCRS, "KVM_SET_XCRS", &st->xcrs, st->has_xcrs },
		{ KVM_SET_DEBUGREGS, "KVM_SET_DEBUGREGS", &st->debugregs, true },
		{ KVM_SET_VCPU_EVENTS, "KVM_SET_VCPU_EVENTS", &st->events, true },
		{ KVM_SET_LAPIC, "KVM_SET_LAPIC", &st->lapic, true },
		{ KVM_SET_MP_STATE, "KVM_SET_MP_STATE", &st->mp_state, true },
	};
	int r;

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		if (!sets[i].use)
			continue;
		r = kvm_ioctl(vcpu_fd, sets[i].req, (void *)sets[i].arg);
		if (r < 0)
			return vmm_err_ioctl(err, sets[i].name, -r, NULL);
	}
	return restore_msrs(vcpu_fd, st->msrs, err);
}

void vcpu_state_free(struct vcpu_state *st)
{
	free(st->msrs);
	st->msrs = NULL;
}
