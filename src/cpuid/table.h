/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A CPUID table: the entries KVM reports in KVM_GET_SUPPORTED_CPUID and
 * the VMM sets with KVM_SET_CPUID2. Pure data, no file descriptors.
 */
#ifndef VMM_CPUID_TABLE_H
#define VMM_CPUID_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "common/err.h"

#define CPUID_TABLE_MAX 256

struct cpuid_table {
	unsigned int nent;
	struct kvm_cpuid_entry2 ent[CPUID_TABLE_MAX];
};

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

/* The entry for (function, index), or NULL. index is ignored for leaves
 * that KVM does not mark KVM_CPUID_FLAG_SIGNIFCANT_INDEX. */
struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, uint32_t function, uint32_t index);
const struct kvm_cpuid_entry2 *cpuid_find_const(const struct cpuid_table *t, uint32_t function,
						uint32_t index);

/* The entry for (function, index), added zeroed if missing. -ENOSPC when full. */
int cpuid_get_or_add(struct cpuid_table *t, uint32_t function, uint32_t index,
		     struct kvm_cpuid_entry2 **out, struct vmm_err *err);

/* Remove (function, index) if present. */
void cpuid_remove(struct cpuid_table *t, uint32_t function, uint32_t index);

uint32_t *cpuid_reg_ptr(struct kvm_cpuid_entry2 *e, enum cpuid_reg r);
uint32_t cpuid_reg_get(const struct kvm_cpuid_entry2 *e, enum cpuid_reg r);

/* Extract bits [hi:lo] of v. */
static inline uint32_t cpuid_bits(uint32_t v, unsigned int hi, unsigned int lo)
{
	uint32_t w = hi - lo + 1;

	return w >= 32 ? v : (v >> lo) & ((1u << w) - 1);
}

/*
 * Checked field write: set bits [hi:lo] of *reg to val. A value that does not
 * fit the field is an error (-ERANGE) naming the field, and *reg is unchanged.
 */
int cpuid_set_field(uint32_t *reg, unsigned int hi, unsigned int lo, uint32_t val,
		    const char *name, struct vmm_err *err);

static inline void cpuid_set_bit(uint32_t *reg, unsigned int bit, bool on)
{
	if (on)
		*reg |= 1u << bit;
	else
		*reg &= ~(1u << bit);
}

/* Fields that differ between two tables, one line each, "0xa.0 eax: 0x... -> 0x..."
 * written to buf. Returns the number of differing registers. */
unsigned int cpuid_diff(const struct cpuid_table *want, const struct cpuid_table *got,
			char *buf, size_t len);

/* One CPUID field: the bits of mask in register reg of leaf (function, index). */
struct cpuid_field {
	uint32_t function, index;
	enum cpuid_reg reg;
	uint32_t mask;
	const char *name;
};

/* Like cpuid_diff(), over the listed fields only. */
unsigned int cpuid_diff_fields(const struct cpuid_table *want, const struct cpuid_table *got,
			       const struct cpuid_field *fields, unsigned int n, char *buf, size_t len);

#endif
