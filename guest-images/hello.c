// SPDX-License-Identifier: GPL-2.0-only
/*
 * hello: proves that the VMM boots a 64-bit ELF guest as documented in
 * docs/boot.md: RDI points to a valid struct vmm_bootinfo in the boot area,
 * its memory size and vCPU count agree with fw_cfg, its command line is
 * where it says and as long as it says. It also prints the boot info and
 * the CPUID leaves the PMU work depends on, one "# cpuid" line per leaf:
 *
 *	# cpuid 0x0000000a.0: eax=0x07300402 ebx=0x00000000 ecx=0x00000000 edx=0x00000603
 */
#include "guest.h"

/* Leaves printed; those above the maximum basic/extended leaf are skipped. */
static const struct hello_leaf {
	uint32_t leaf, subleaf;
} hello_leaves[] = {
	{ 0x00000000, 0 },	/* max basic leaf, vendor */
	{ 0x00000001, 0 },	/* family/model, PDCM (ECX[15]) */
	{ 0x00000007, 0 },	/* structured extended features */
	{ 0x0000000a, 0 },	/* SDM Vol. 2A CPUID: architectural performance monitoring */
	{ 0x80000001, 0 },	/* APM: PerfCtrExtCore (ECX[23]) */
	{ 0x80000022, 0 },	/* APM: extended performance monitoring (PerfMonV2) */
};

static const char *hello_pmu_mode_name(uint32_t mode)
{
	switch (mode) {
	case VMM_PMU_MODE_OFF:		return "off";
	case VMM_PMU_MODE_EMULATED:	return "emulated";
	case VMM_PMU_MODE_MEDIATED:	return "mediated";
	case VMM_PMU_MODE_SOFT:		return "soft";
	default:			return "unknown";
	}
}

/* The command line, or NULL if the boot info does not point below 4 GiB. */
static const char *hello_cmdline(const struct vmm_bootinfo *bi)
{
	if (bi->magic != VMM_BOOTINFO_MAGIC || !bi->cmdline ||
	    bi->cmdline >= (1ULL << 32))
		return NULL;
	return (const char *)(uintptr_t)bi->cmdline;
}

static void hello_print_bootinfo(const struct vmm_bootinfo *bi)
{
	const char *cmdline = hello_cmdline(bi);

	report_info("bootinfo at %p: magic=%#llx version=%u size=%u", (const void *)bi,
		    (unsigned long long)bi->magic, bi->version, bi->size);
	report_info("memory: %llu bytes (%llu MiB)", (unsigned long long)bi->mem_size,
		    (unsigned long long)(bi->mem_size >> 20));
	report_info("vcpus: %u", bi->nr_cpus);
	report_info("boot count: %u", bi->boot_count);
	report_info("cmdline: %s", cmdline ? cmdline : "(none)");
	report_info("args: %s", guest_args(bi));
	report_info("pmu mode: %u (%s) flags=%#x", bi->pmu_mode,
		    hello_pmu_mode_name(bi->pmu_mode), bi->pmu_flags);
}

static bool hello_leaf_present(uint32_t leaf, uint32_t max_basic, uint32_t max_ext)
{
	if (leaf < 0x80000000)
		return leaf <= max_basic;
	/* The extended range exists only if 0x80000000 reports itself. */
	return max_ext >= 0x80000000 && leaf <= max_ext;
}

static void hello_print_cpuid(void)
{
	uint32_t max_basic = cpuid(0).eax;
	uint32_t max_ext = cpuid(0x80000000).eax;

	report_info("cpuid max basic leaf %#x, max extended leaf %#x", max_basic, max_ext);
	for (size_t i = 0; i < sizeof(hello_leaves) / sizeof(hello_leaves[0]); i++) {
		const struct hello_leaf *l = &hello_leaves[i];
		struct cpuid_regs r;

		if (!hello_leaf_present(l->leaf, max_basic, max_ext))
			continue;
		r = cpuid_count(l->leaf, l->subleaf);
		printf("# cpuid 0x%08x.%x: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n",
		       l->leaf, l->subleaf, r.eax, r.ebx, r.ecx, r.edx);
	}
}

static void hello_check_cmdline(const struct vmm_bootinfo *bi)
{
	const char *cmdline = hello_cmdline(bi);

	if (!cmdline) {
		report(bi->cmdline_len == 0, "no command line pointer, length 0");
		return;
	}
	report_eq(strnlen(cmdline, VMM_BOOT_CMDLINE_MAX), bi->cmdline_len,
		  "command line length matches boot info");
}

int main(const struct vmm_bootinfo *bi)
{
	tap_plan(7);
	hello_print_bootinfo(bi);
	report_eq((uintptr_t)bi, VMM_BOOT_INFO, "boot info is at the documented address");
	report_eq(bi->magic, VMM_BOOTINFO_MAGIC, "boot info magic");
	report_eq(bi->version, VMM_BOOTINFO_VERSION, "boot info version");
	report(bi->size >= sizeof(*bi), "boot info size %u covers version %d fields",
	       bi->size, VMM_BOOTINFO_VERSION);
	report_eq(bi->mem_size, fw_cfg_read_u64(FW_CFG_RAM_SIZE),
		  "memory size matches fw_cfg RAM_SIZE");
	report_eq(bi->nr_cpus, fw_cfg_read_u16(FW_CFG_NB_CPUS),
		  "vCPU count matches fw_cfg NB_CPUS");
	hello_check_cmdline(bi);
	hello_print_cpuid();
	tap_done();
}
