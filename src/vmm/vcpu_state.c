// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/vcpu_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm.h"

#define MSR_IA32_TSC		0x10	/* time goes on across a reset here, as in QEMU */
#define MSR_IA32_TSC_ADJUST	0x3b

/* KVM_GET_MSR_INDEX_LIST: E2BIG tells the size. */
static struct kvm_msr_list *msr_index_list(int kvm_fd, struct vmm_err *err)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	int r = kvm_ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe);

	if (r < 0 && r != -E2BIG) {
		vmm_err_ioctl(err, "KVM_GET_MSR_INDEX_LIST", -r, NULL);
		return NULL;
	}
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	if (!list) {
		vmm_errf(err, ENOMEM, "out of memory for the MSR list");
		return NULL;
	}
	list->nmsrs = probe.nmsrs;
	r = kvm_ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, list);
	if (r < 0) {
		vmm_err_ioctl(err, "KVM_GET_MSR_INDEX_LIST", -r, NULL);
		free(list);
		return NULL;
	}
	return list;
}

/*
 * The MSRs of the index list, read now. KVM_GET_MSRS stops at the first MSR
 * it cannot read and KVM_SET_MSRS at the first it refuses: both are dropped,
 * so that what is kept can be written back in one call.
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
	for (unsigned int i = 0; i < list->nmsrs; i++)
		if (list->indices[i] != MSR_IA32_TSC && list->indices[i] != MSR_IA32_TSC_ADJUST)
			m->entries[n++].index = list->indices[i];
	free(list);
	for (unsigned int pass = 0; pass < 2; pass++) {
		for (;;) {
			m->nmsrs = n;
			r = kvm_ioctl(vcpu_fd, pass ? KVM_SET_MSRS : KVM_GET_MSRS, m);
			if (r < 0) {
				free(m);
				return vmm_err_ioctl(err, pass ? "KVM_SET_MSRS" : "KVM_GET_MSRS", -r, NULL);
			}
			if ((unsigned int)r == n)
				break;
			memmove(&m->entries[r], &m->entries[r + 1], (n - (unsigned int)r - 1) * sizeof(m->entries[0]));
			n--;
		}
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
	r = kvm_ioctl(vcpu_fd, KVM_SET_MSRS, st->msrs);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_SET_MSRS", -r, "restoring the vCPU's RESET MSRs");
	if ((unsigned int)r != st->msrs->nmsrs)
		return vmm_errf(err, EINVAL, "KVM_SET_MSRS restored %d of %u RESET MSRs: KVM refused MSR 0x%x",
				r, st->msrs->nmsrs, st->msrs->entries[r].index);
	return 0;
}

void vcpu_state_free(struct vcpu_state *st)
{
	free(st->msrs);
	st->msrs = NULL;
}
