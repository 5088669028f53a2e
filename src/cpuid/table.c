// SPDX-License-Identifier: GPL-2.0-only
#include "cpuid/table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool entry_matches(const struct kvm_cpuid_entry2 *e, uint32_t function, uint32_t index)
{
	if (e->function != function)
		return false;
	return !(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index;
}

const struct kvm_cpuid_entry2 *cpuid_find_const(const struct cpuid_table *t, uint32_t function,
						uint32_t index)
{
	for (unsigned int i = 0; i < t->nent; i++)
		if (entry_matches(&t->ent[i], function, index))
			return &t->ent[i];
	return NULL;
}

struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, uint32_t function, uint32_t index)
{
	return (struct kvm_cpuid_entry2 *)cpuid_find_const(t, function, index);
}

int cpuid_get_or_add(struct cpuid_table *t, uint32_t function, uint32_t index,
		     struct kvm_cpuid_entry2 **out, struct vmm_err *err)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, function, index);

	if (!e) {
		if (t->nent >= CPUID_TABLE_MAX)
			return vmm_errf(err, ENOSPC, "CPUID table full (%u entries) adding leaf 0x%x.%u",
					t->nent, function, index);
		e = &t->ent[t->nent++];
		memset(e, 0, sizeof(*e));
		e->function = function;
		e->index = index;
	}
	*out = e;
	return 0;
}

void cpuid_remove(struct cpuid_table *t, uint32_t function, uint32_t index)
{
	for (unsigned int i = 0; i < t->nent; i++) {
		if (entry_matches(&t->ent[i], function, index)) {
			memmove(&t->ent[i], &t->ent[i + 1], (t->nent - i - 1) * sizeof(t->ent[0]));
			t->nent--;
			return;
		}
	}
}

uint32_t *cpuid_reg_ptr(struct kvm_cpuid_entry2 *e, enum cpuid_reg r)
{
	switch (r) {
	case CPUID_EAX: return &e->eax;
	case CPUID_EBX: return &e->ebx;
	case CPUID_ECX: return &e->ecx;
	default: return &e->edx;
	}
}

uint32_t cpuid_reg_get(const struct kvm_cpuid_entry2 *e, enum cpuid_reg r)
{
	return *cpuid_reg_ptr((struct kvm_cpuid_entry2 *)e, r);
}

int cpuid_set_field(uint32_t *reg, unsigned int hi, unsigned int lo, uint32_t val,
		    const char *name, struct vmm_err *err)
{
	unsigned int w = hi - lo + 1;
	uint32_t mask;

	if (hi < lo || hi > 31)
		return vmm_errf(err, EINVAL, "CPUID field %s: bad bit range [%u:%u]", name, hi, lo);
	mask = w >= 32 ? ~0u : (1u << w) - 1;
	if (val & ~mask)
		return vmm_errf(err, ERANGE, "CPUID field %s [%u:%u]: value %u does not fit in %u bits",
				name, hi, lo, val, w);
	*reg = (*reg & ~(mask << lo)) | (val << lo);
	return 0;
}

unsigned int cpuid_diff(const struct cpuid_table *want, const struct cpuid_table *got,
			char *buf, size_t len)
{
	static const char *const names[] = { "eax", "ebx", "ecx", "edx" };
	unsigned int n = 0;
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int i = 0; i < want->nent; i++) {
		const struct kvm_cpuid_entry2 *w = &want->ent[i];
		const struct kvm_cpuid_entry2 *g = cpuid_find_const(got, w->function, w->index);

		for (int r = CPUID_EAX; r <= CPUID_EDX; r++) {
			uint32_t wv = cpuid_reg_get(w, r), gv = g ? cpuid_reg_get(g, r) : 0;

			if (wv == gv)
				continue;
			n++;
			if (off < len)
				off += (size_t)snprintf(buf + off, len - off, "%sleaf 0x%x.%u %s: set 0x%08x, KVM has 0x%08x%s",
						off ? "; " : "", w->function, w->index, names[r], wv, gv,
						g ? "" : " (entry missing)");
		}
	}
	return n;
}

unsigned int cpuid_diff_fields(const struct cpuid_table *want, const struct cpuid_table *got,
			       const struct cpuid_field *fields, unsigned int n, char *buf, size_t len)
{
	unsigned int diffs = 0;
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		const struct cpuid_field *f = &fields[i];
		const struct kvm_cpuid_entry2 *w = cpuid_find_const(want, f->function, f->index);
		const struct kvm_cpuid_entry2 *g = cpuid_find_const(got, f->function, f->index);
		uint32_t wv = w ? cpuid_reg_get(w, f->reg) & f->mask : 0;
		uint32_t gv = g ? cpuid_reg_get(g, f->reg) & f->mask : 0;

		if (wv == gv)
			continue;
		diffs++;
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s: set 0x%x, KVM has 0x%x",
						off ? "; " : "", f->name, wv, gv);
	}
	return diffs;
}
