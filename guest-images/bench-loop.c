// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-loop: the workload of the soft-PMU benchmark (bench/soft.c), not a
 * test. A loop of 2 instructions per iteration; with count=1 and an Intel
 * soft PMU, PMC0 counts the instructions retired around it. Port 0x80 marks
 * where counting starts (1) and stops (2) for the bare single-step baseline,
 * which passes no boot info: then nothing is programmed. Prints the count.
 * Command line: iterations=N (default 20000) count=0|1 (default 1).
 */
#include "guest.h"

static uint64_t arg(const struct vmm_bootinfo *bi, const char *key, uint64_t dflt)
{
	const char *s = guest_args(bi);
	size_t n = strlen(key);
	uint64_t v = 0;

	for (; *s; s++) {
		if (strncmp(s, key, n) || s[n] != '=')
			continue;
		for (s += n + 1; *s >= '0' && *s <= '9'; s++)
			v = v * 10 + (uint64_t)(*s - '0');
		return v;
	}
	return dflt;
}

int main(const struct vmm_bootinfo *bi)
{
	uint64_t iterations = arg(bi, "iterations", 20000);
	bool count = arg(bi, "count", 1) && bi->magic == VMM_BOOTINFO_MAGIC &&
		     bi->pmu_mode == VMM_PMU_MODE_SOFT;

	if (count) {
		wrmsr(0x38f, 0);				/* GLOBAL_CTRL */
		wrmsr(0xc1, 0);					/* PMC0 */
		wrmsr(0x186, 0xc0 | 3 << 16 | 1 << 22);		/* instructions, USR|OS|EN */
	}
	outb(0x80, 1);
	asm volatile("test %[count], %[count]\n\t"
		     "jz 1f\n\t"
		     "mov $0x38f, %%ecx\n\t"
		     "mov $1, %%eax\n\t"
		     "xor %%edx, %%edx\n\t"
		     "wrmsr\n"
		     "1:\n\t"
		     "dec %[n]\n\t"
		     "jnz 1b\n\t"
		     "test %[count], %[count]\n\t"
		     "jz 2f\n\t"
		     "xor %%eax, %%eax\n\t"
		     "wrmsr\n"
		     "2:"
		     : [n] "+r"(iterations)
		     : [count] "r"((uint64_t)count)
		     : "rax", "rcx", "rdx", "cc", "memory");
	outb(0x80, 2);
	if (count)
		printf("# instructions counted: %llu\n", (unsigned long long)rdmsr(0xc1));
	return 0;
}
