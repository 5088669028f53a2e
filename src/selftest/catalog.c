// SPDX-License-Identifier: GPL-2.0-only
/* The bundled guests the self-test runs, and the PMU modes it runs them in. */
#include <errno.h>
#include <string.h>

#include "selftest/selftest.h"

#define ALL_MODES 0u
#define SOFT_INTEL (1u << ST_MODE_SOFT_INTEL)
#define SOFT_AMD (1u << ST_MODE_SOFT_AMD)
#define OFF_ONLY (1u << ST_MODE_OFF)
/* Shape options that KVM-backed modes can give on Intel hosts too. */
#define INTEL_CAPABLE (1u << ST_MODE_SOFT_INTEL | 1u << ST_MODE_EMULATED | 1u << ST_MODE_MEDIATED)

const struct selftest_guest selftest_guests[] = {
	{ "hello", "hello.elf", "boot info, fw_cfg and CPUID leaves as the guest sees them", { NULL }, { NULL },
	  ALL_MODES },
	{ "libcheck", "libcheck.elf", "the guest library: #GP recovery, printf, IDT overrides", { NULL }, { NULL },
	  ALL_MODES },
	{ "badio", "badio.elf", "unhandled ports and MMIO read all-ones and the VM survives", { NULL }, { NULL },
	  ALL_MODES },
	{ "smp", "smp.elf", "three vCPUs: APs start with INIT-SIPI-SIPI, count on their own PMU, and start "
	  "again after a reset", { "--cpus=3", "--verify-reset", NULL }, { NULL }, ALL_MODES },
	{ "reset", "reset.elf", "100 guest resets through 0xcf9 and 0x64: RAM kept, image reloaded, no stray "
	  "interrupt; every PMU MSR back to RESET", { "--verify-reset", "--max-resets=100", NULL },
	  { "resets=100", NULL }, ALL_MODES },
	{ "pmu-enum", "pmu-enum.elf", "CPUID 0AH/80000022H/PDCM/PERFCTR_CORE agree; MSRs beyond the enumeration "
	  "and reserved bits #GP; RESET values; with no PMU every PMU MSR and RDPMC #GP", { NULL }, { NULL },
	  ALL_MODES },
	{ "pmu-count", "pmu-count.elf", "every available event on every GP counter and its fixed twin, exact "
	  "over counted blocks with I/O, MSR and CPUID; disabled counters still; RDPMC == RDMSR; sign "
	  "extension and full-width writes; USR/OS", { NULL }, { NULL }, ALL_MODES },
	{ "pmu-insn", "pmu-insn.elf", "each kind of instruction retires once: ALU, memory, locked, fences, "
	  "PAUSE, CLFLUSH, RDTSC, CPUID, MOV SS, POPF, MOV CR, WBINVD, REP STOS, branches, LOOP to itself",
	  { NULL }, { NULL }, ALL_MODES },
	{ "pmu-amd-legacy", "pmu-count.elf", "counting on AMD's legacy layout: 4 K7 counters, no PERFCTR_CORE",
	  { "--pmu-version=1", "--pmu-gp=4", NULL }, { NULL }, SOFT_AMD },
	{ "pmu-amd", "pmu-amd.elf", "AMD: K7 MSRs alias the first four core counters; PerfMonV2 GLOBAL_CTL "
	  "gates counting, STATUS_SET/CLR", { NULL }, { NULL }, ALL_MODES },
	{ "pmu-rdpmc", "pmu-rdpmc.elf", "RDPMC at any time: preloaded and stopped GP and fixed counters, right "
	  "after the stopping WRMSR, at CPL 3 with CR4.PCE, after LIDT; #GP for bad indexes and without PCE",
	  { NULL }, { NULL }, ALL_MODES },
	{ "pmu-emul", "pmu-emul.elf", "x87, POPCNT, STAC/CLAC that the host cannot run: the VMM executes them, "
	  "with the right results, and each counts once in a counted block", { NULL }, { NULL },
	  SOFT_INTEL | SOFT_AMD },
	{ "pmu-overflow", "pmu-overflow.elf", "overflow at exactly the expected instruction, GLOBAL_STATUS, PMI "
	  "through LVTPC as NMI and as a vector with the mask bit set, clearing through OVF_CTRL/STATUS_CLR",
	  { NULL }, { NULL }, ALL_MODES },
	{ "pmu-v4", "pmu-v4.elf", "version 4: GLOBAL_STATUS_SET/RESET, CTR_FRZ, GLOBAL_INUSE", { NULL }, { NULL },
	  ALL_MODES },
	{ "pmu-v5", "pmu-v4.elf", "version 5 fixed-counter bitmask with a hole: counters 0 and 2 count, 1 #GPs",
	  { "--pmu-version=5", "--pmu-fixed-mask=0x5", NULL }, { NULL }, SOFT_INTEL },
	{ "pmu-lbr", "pmu-lbr.elf", "LBR FROM/TO of taken branches, LBR_SELECT; streamlined freeze on PMI "
	  "(LBR_FRZ, CTR_FRZ) and unfreezing", { "--pmu-lbr=on", NULL }, { NULL }, SOFT_INTEL },
	{ "pmu-lbr-legacy", "pmu-lbr.elf", "legacy freeze on PMI (version 3): DEBUGCTL.LBR and GLOBAL_CTRL "
	  "cleared", { "--pmu-lbr=on", "--pmu-version=3", NULL }, { NULL }, SOFT_INTEL },
	{ "pmu-filter-deny", "pmu-filter.elf", "event filter, deny list: the denied event and fixed counter "
	  "stay at zero, the others count", { "--pmu-filter=deny:0xc4,fixed=0x2", NULL }, { "filter=deny", NULL },
	  INTEL_CAPABLE },
	{ "pmu-filter-allow", "pmu-filter.elf", "event filter, allow list: only the allowed event and fixed "
	  "counter count", { "--pmu-filter=allow:0xc0,fixed=0x1", NULL }, { "filter=allow", NULL },
	  INTEL_CAPABLE },
	{ "pmu-reset", "pmu-reset.elf", "seed 000: counters left overflowing with PMIs across a reset are all "
	  "back at RESET and nothing fires afterwards", { "--verify-reset", NULL }, { NULL }, ALL_MODES },
	/* Misbehaving guests: each misbehaves on boot 0, resets, and checks on boot 1 (docs/guests.md). */
	{ "hostile-mmio", "hostile.elf", "unmapped MMIO at every size, rep movs/stos/lods, lock add/or, xchg, "
	  "cmpxchg, xadd, across the end of RAM: reads all-ones, then a verified reset",
	  { "--verify-reset", NULL }, { "do=mmio", NULL }, ALL_MODES },
#define HOSTILE_PORTS(n) \
	{ "hostile-ports-" #n, "hostile.elf", "every port in slice " #n " of 8 of 0-0xffff, 8/16/32-bit out and in " \
	  "(the VMM's devices skipped): unclaimed ports read all-ones, then a verified reset", \
	  { "--verify-reset", NULL }, { "do=ports", "part=" #n, "parts=8", NULL }, OFF_ONLY }
	HOSTILE_PORTS(0), HOSTILE_PORTS(1), HOSTILE_PORTS(2), HOSTILE_PORTS(3),
	HOSTILE_PORTS(4), HOSTILE_PORTS(5), HOSTILE_PORTS(6), HOSTILE_PORTS(7),
#undef HOSTILE_PORTS
	{ "hostile-msrs-0000", "hostile.elf", "random values into every MSR 0-0x1fff (#GP-safe, the guest's own "
	  "skipped), PMU MSRs left dirty, then a verified reset", { "--verify-reset", NULL },
	  { "do=msrs", "part=0", "parts=3", NULL }, ALL_MODES },
	{ "hostile-msrs-c000", "hostile.elf", "random values into every MSR 0xc0000000-0xc0001fff (EFER, STAR, "
	  "segment bases skipped), PMU MSRs left dirty, then a verified reset", { "--verify-reset", NULL },
	  { "do=msrs", "part=1", "parts=3", NULL }, ALL_MODES },
	{ "hostile-msrs-c001", "hostile.elf", "random values into every MSR 0xc0010000-0xc0011fff, PMU MSRs left "
	  "dirty, then a verified reset", { "--verify-reset", NULL }, { "do=msrs", "part=2", "parts=3", NULL },
	  ALL_MODES },
	{ "hostile-triple", "hostile.elf", "a triple fault resets the machine, which boots again and works",
	  { "--verify-reset", NULL }, { "do=triple", NULL }, ALL_MODES },
	{ "hostile-smp-spin", "hostile.elf", "APs spinning with interrupts off through a reset and at the end: "
	  "the VMM stops them, restarts them, and ends the VM", { "--cpus=3", "--verify-reset", NULL },
	  { "do=smp-spin", NULL }, ALL_MODES },
};

const unsigned int selftest_nr_guests = sizeof(selftest_guests) / sizeof(selftest_guests[0]);

const struct selftest_mode_info selftest_modes[ST_NR_MODES] = {
	[ST_MODE_OFF] = { "off", "off", NULL },
	[ST_MODE_EMULATED] = { "emulated", "emulated", NULL },
	[ST_MODE_MEDIATED] = { "mediated", "mediated", NULL },
	[ST_MODE_SOFT_INTEL] = { "soft-intel", "soft", "intel" },
	[ST_MODE_SOFT_AMD] = { "soft-amd", "soft", "amd" },
};

const char *selftest_mode_name(enum selftest_mode m)
{
	return m < ST_NR_MODES ? selftest_modes[m].name : "?";
}

static int mode_word(const char *w, size_t n, unsigned int *mask)
{
	if (n == 3 && !strncmp(w, "all", 3)) {
		*mask |= (1u << ST_NR_MODES) - 1;
		return 0;
	}
	if (n == 4 && !strncmp(w, "soft", 4)) {
		*mask |= 1u << ST_MODE_SOFT_INTEL | 1u << ST_MODE_SOFT_AMD;
		return 0;
	}
	for (unsigned int m = 0; m < ST_NR_MODES; m++) {
		if (strlen(selftest_modes[m].name) == n && !strncmp(w, selftest_modes[m].name, n)) {
			*mask |= 1u << m;
			return 0;
		}
	}
	return -EINVAL;
}

int selftest_modes_parse(const char *s, unsigned int *mask, struct vmm_err *err)
{
	*mask = 0;
	while (*s) {
		size_t n = strcspn(s, ",");

		if (!n || mode_word(s, n, mask) < 0)
			return vmm_err_input(err, EINVAL, "--pmu: unknown mode '%.*s' (modes: off, emulated, "
					"mediated, soft-intel, soft-amd, soft, all)", (int)n, s);
		s += n + (s[n] == ',');
	}
	if (!*mask)
		return vmm_err_input(err, EINVAL, "--pmu needs at least one mode");
	return 0;
}

static const struct selftest_guest *find_guest(const char *name, size_t n)
{
	for (unsigned int i = 0; i < selftest_nr_guests; i++)
		if (strlen(selftest_guests[i].name) == n && !strncmp(selftest_guests[i].name, name, n))
			return &selftest_guests[i];
	return NULL;
}

int selftest_guests_check(const char *names, struct vmm_err *err)
{
	const char *s = names;

	while (*s) {
		size_t n = strcspn(s, ",");

		if (!find_guest(s, n))
			return vmm_err_input(err, EINVAL, "--guest: no bundled guest '%.*s' (vmm selftest --list "
					"shows them)", (int)n, s);
		s += n + (s[n] == ',');
	}
	return 0;
}
