// SPDX-License-Identifier: GPL-2.0-only
/*
 * hostile: a guest that misbehaves on purpose, to prove that the VMM
 * survives it with a defined outcome. The command line says what to do:
 *
 *   do=mmio      unmapped MMIO at every size (1, 2, 4, 8 and 16 bytes), with
 *                rep movs/stos, lock add, xchg and cmpxchg, and one access
 *                straddling the end of RAM: reads are all-ones, writes dropped
 *   do=ports     every port 0-0xffff at every size, out then in, except the
 *                VMM's own devices: unclaimed ports read all-ones (part=N
 *                parts=M: the Nth of M equal slices, for time)
 *   do=msrs      a random value written to every MSR in 0-0x1fff,
 *                0xc0000000-0xc0001fff and 0xc0010000-0xc0011fff, #GP-safe,
 *                the old value written back; the MSRs that would destroy the
 *                guest itself are skipped and listed; the PMU MSRs are then
 *                left dirty, for --verify-reset (part=N parts=3: one range)
 *   do=triple    a triple fault (empty IDT, ud2)
 *   do=smp-spin  the APs spin with interrupts off while the BSP resets the
 *                machine; after the reset they are started and spin again
 *                while the BSP ends the VM
 * On boot 0 each records what it saw in RAM outside the image and resets
 * the machine (port 0xcf9; do=triple by its triple fault); on boot 1 the
 * guest reports it as TAP and checks that the machine still works.
 *
 *   do=hlt       HLT with interrupts off, forever: only --timeout, a signal or
 *                a reset (SIGHUP) ends it; every boot says its boot count
 *   do=flood     serial output, forever, as fast as the guest can write it:
 *                rep outsb of 4 KiB at a time (KVM hands the VMM up to a page of
 *                string I/O per exit)
 */
#include <stdarg.h>

#include "guest.h"
#include "smp.h"

#define MARK_ADDR	0x800000UL	/* 8 MiB: above the image, below the smallest test RAM */
#define MARK_MAGIC	0x656c6974736f68ULL	/* "hostile" */
#define MAX_NOTES	8

struct mark {
	uint64_t magic;
	uint64_t checks, failures;	/* accesses with a defined answer, and those that got another */
	uint64_t count[4];		/* per misbehaviour, see report_boot0() */
	char notes[MAX_NOTES][96];	/* the first failures */
};

static struct mark *mark = (struct mark *)MARK_ADDR;

static void note(const char *fmt, ...) TAP_PRINTF(1, 2);

static void note(const char *fmt, ...)
{
	va_list ap;

	if (mark->failures >= MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(mark->notes[mark->failures], sizeof(mark->notes[0]), fmt, ap);
	va_end(ap);
}

static void expect(uint64_t got, uint64_t want, const char *what, uint64_t where, unsigned int size)
{
	mark->checks++;
	if (got == want)
		return;
	note("%s at %#lx, %u bytes: %#lx, expected %#lx", what, where, size, got, want);
	mark->failures++;
}

static const char *arg(const struct vmm_bootinfo *bi, const char *key)
{
	const char *s = (const char *)(uintptr_t)bi->cmdline;
	size_t n = strlen(key);

	for (; *s; s++)
		if ((s == (const char *)(uintptr_t)bi->cmdline || s[-1] == ' ') && !strncmp(s, key, n) &&
		    s[n] == '=')
			return s + n + 1;
	return "";
}

static uint32_t arg_num(const struct vmm_bootinfo *bi, const char *key, uint32_t dflt)
{
	const char *s = arg(bi, key);
	uint32_t n = 0;

	if (*s < '0' || *s > '9')
		return dflt;
	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (uint32_t)(*s - '0');
	return n;
}

/* part=N parts=M: which slice of the work this run does. */
struct slice {
	uint32_t part, parts;
};

static struct slice arg_slice(const struct vmm_bootinfo *bi)
{
	struct slice sl = { arg_num(bi, "part", 0), arg_num(bi, "parts", 1) };

	if (!sl.parts || sl.part >= sl.parts)
		report_abort("part=%u parts=%u: need part < parts", sl.part, sl.parts);
	return sl;
}

static bool is(const char *val, const char *word)
{
	size_t n = strlen(word);

	return !strncmp(val, word, n) && (val[n] == '\0' || val[n] == ' ');
}

/* ---- MMIO ---- */

static void mmio_sizes(uintptr_t a)
{
	uint64_t v;

	asm volatile("movb $0x5a, (%1)\n\tmovzbq (%1), %0" : "=r"(v) : "r"(a) : "memory");
	expect(v, 0xff, "MMIO byte read", a, 1);
	asm volatile("movw $0x1234, (%1)\n\tmovzwq (%1), %0" : "=r"(v) : "r"(a + 2) : "memory");
	expect(v, 0xffff, "MMIO word read", a + 2, 2);
	asm volatile("movl $0x12345678, (%1)\n\tmovl (%1), %k0" : "=r"(v) : "r"(a + 4) : "memory");
	expect(v, 0xffffffff, "MMIO dword read", a + 4, 4);
	asm volatile("movq %2, (%1)\n\tmovq (%1), %0" : "=&r"(v) : "r"(a + 8), "r"(0x0123456789abcdefULL)
		     : "memory");
	expect(v, ~0ULL, "MMIO qword read", a + 8, 8);
	/* Misaligned, across an 8-byte boundary. */
	asm volatile("movq (%1), %0" : "=r"(v) : "r"(a + 0x13) : "memory");
	expect(v, ~0ULL, "MMIO misaligned qword read", a + 0x13, 8);
}

/*
 * 16 bytes in one SSE instruction: KVM splits it into fragments of at most 8
 * (kvm_run->mmio.data). XMM0 needs no clobber: with -mgeneral-regs-only the
 * compiler never keeps anything in it (and cannot be told it is clobbered).
 */
static void mmio_sse(uintptr_t a)
{
	uint64_t out[2] = { 0, 0 }, in[2] = { 0x1111, 0x2222 };

	asm volatile("movdqu (%1), %%xmm0\n\tmovdqu %%xmm0, (%0)\n\t"
		     "movdqu (%0), %%xmm0\n\tmovdqu %%xmm0, (%2)"
		     : : "r"(a + 0x20), "r"(in), "r"(out) : "memory");
	expect(out[0], ~0ULL, "MMIO 16-byte read, low half", a + 0x20, 16);
	expect(out[1], ~0ULL, "MMIO 16-byte read, high half", a + 0x20, 16);
}

static void mmio_strings(uintptr_t a)
{
	uint64_t buf[4] = { 1, 2, 3, 4 };
	uintptr_t d = a + 0x40, s = (uintptr_t)buf, c = sizeof(buf);

	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(c) : : "memory");	/* RAM to MMIO */
	d = (uintptr_t)buf, s = a + 0x40, c = 4;
	asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(c) : : "memory");	/* MMIO to RAM */
	for (int i = 0; i < 4; i++)
		expect(buf[i], ~0ULL, "rep movsq from MMIO", a + 0x40 + 8 * (uintptr_t)i, 8);
	d = a + 0x60, c = 8;
	asm volatile("rep stosl" : "+D"(d), "+c"(c) : "a"(0xdeadbeef) : "memory");
	s = a + 0x60, c = 4;
	{
		uint32_t last;

		asm volatile("rep lodsl" : "+S"(s), "+c"(c), "=a"(last) : : "memory");
		expect(last, 0xffffffff, "rep lodsl from MMIO", a + 0x60, 4);
	}
}

static void mmio_atomics(uintptr_t a)
{
	uint64_t v = 0x55;
	uint32_t old = 0;

	asm volatile("lock addl $1, (%0)" : : "r"(a + 0x80) : "memory");
	asm volatile("lock orq $1, (%0)" : : "r"(a + 0x88) : "memory");
	asm volatile("xchgq %0, (%1)" : "+r"(v) : "r"(a + 0x90) : "memory");
	expect(v, ~0ULL, "xchg with MMIO", a + 0x90, 8);
	/* Compares 0 with all-ones: fails, and loads the all-ones into EAX. */
	asm volatile("lock cmpxchgl %2, (%1)" : "+a"(old) : "r"(a + 0x98), "r"(7u) : "memory");
	expect(old, 0xffffffff, "lock cmpxchg with MMIO", a + 0x98, 4);
	asm volatile("lock xaddl %0, (%1)" : "+r"(old) : "r"(a + 0xa0) : "memory");
	expect(old, 0xffffffff, "lock xadd with MMIO", a + 0xa0, 4);
}

/* An 8-byte read of which the low half is the last RAM bytes and the high half is beyond RAM. */
static void mmio_straddle(uint64_t mem_size)
{
	volatile uint32_t *last = (volatile uint32_t *)(uintptr_t)(mem_size - 4);
	uint64_t v;

	*last = 0x600df00d;
	asm volatile("movq (%1), %0" : "=r"(v) : "r"(mem_size - 4) : "memory");
	expect(v, 0xffffffff600df00dULL, "read across the end of RAM", mem_size - 4, 8);
	asm volatile("movq %1, (%0)" : : "r"(mem_size - 4), "r"(0x1122334455667788ULL) : "memory");
	expect(*last, 0x55667788, "RAM half of a write across the end of RAM", mem_size - 4, 4);
}

static void do_mmio(const struct vmm_bootinfo *bi)
{
	/*
	 * Nothing is mapped at any of these, with either irqchip: the IOAPIC of
	 * --irqchip=full (0xfec00000), the LAPIC (0xfee00000) and KVM's pages at
	 * 0xfffbc000 are avoided.
	 */
	const uintptr_t where[] = { bi->mem_size, 0xd0000000, 0xfebff000, 0xfec80000, 0xfed00000, 0xffff0000 };

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		if (where[i] < bi->mem_size && i)
			continue;
		mmio_sizes(where[i]);
		mmio_sse(where[i]);
		mmio_strings(where[i]);
		mmio_atomics(where[i]);
		mark->count[0]++;
	}
	mmio_straddle(bi->mem_size);
}

/* ---- ports ---- */

/* The VMM's devices (docs/cli.md): their ports are not for sweeping. */
static const struct { uint16_t base, len; } devices[] = {
	{ 0x3f8, 8 }, { VMM_PORT_EXIT, 4 }, { VMM_PORT_FWCFG_SEL, 2 }, { 0xcf9, 1 }, { 0x64, 1 },
	{ 0x70, 2 },		/* CMOS RTC */
	{ 0xe0, 12 },		/* pc-testdev: scratch, flush, scratch byte-wise */
	{ 0x600, 6 },		/* ACPI PM1 event and control blocks */
	{ 0x608, 4 },		/* ACPI PM timer */
	{ 0x2000, 24 },		/* pc-testdev IRQ lines */
};

static bool is_device(uint32_t port, unsigned int size)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (port < (uint32_t)devices[i].base + devices[i].len && devices[i].base < port + size)
			return true;
	return false;
}

static void port_slice(struct slice sl, uint32_t *lo, uint32_t *hi)
{
	*lo = sl.part * 0x10000 / sl.parts;
	*hi = (sl.part + 1) * 0x10000 / sl.parts;
}

static void do_ports(struct slice sl)
{
	uint32_t lo, hi;

	port_slice(sl, &lo, &hi);
	for (uint32_t port = lo; port < hi; port++) {
		for (unsigned int size = 1; size <= 4; size *= 2) {
			uint32_t v;

			if (is_device(port, size)) {
				mark->count[1]++;
				continue;
			}
			if (size == 1) {
				outb((uint16_t)port, 0xa5);
				v = inb((uint16_t)port);
			} else if (size == 2) {
				outw((uint16_t)port, 0xa55a);
				v = inw((uint16_t)port);
			} else {
				outl((uint16_t)port, 0xdeadbeef);
				v = inl((uint16_t)port);
			}
			expect(v, size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1, "port read", port, size);
			mark->count[0]++;
		}
	}
}

/* ---- MSRs ---- */

/*
 * Writing these would take the guest down with it, not the VMM: paging and
 * long mode (EFER), the LAPIC it needs (APIC base), its segment bases and
 * system-call entry points.
 */
static const struct { uint32_t msr; const char *name; } keep[] = {
	{ 0x1b, "APIC_BASE" }, { 0x174, "SYSENTER_CS" }, { 0x175, "SYSENTER_ESP" }, { 0x176, "SYSENTER_EIP" },
	{ 0xc0000080, "EFER" }, { 0xc0000081, "STAR" }, { 0xc0000082, "LSTAR" }, { 0xc0000083, "CSTAR" },
	{ 0xc0000084, "SFMASK" }, { 0xc0000100, "FS_BASE" }, { 0xc0000101, "GS_BASE" },
	{ 0xc0000102, "KERNEL_GS_BASE" },
};

/* The PMU MSRs of both vendors, left with random values before the reset. */
static const struct { uint32_t first, n; } pmu_msrs[] = {
	{ 0xc1, 8 }, { 0x186, 8 }, { 0x309, 4 }, { 0x38d, 4 }, { 0x4c1, 8 },
	{ 0xc0010000, 8 }, { 0xc0010200, 12 }, { 0xc0000300, 4 },
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64* (Marsaglia; Vigna's multiplier) */
static uint64_t random64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static bool kept(uint32_t msr)
{
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (keep[i].msr == msr)
			return true;
	return false;
}

static void msr_range(uint32_t first, uint32_t n)
{
	for (uint32_t msr = first; msr < first + n; msr++) {
		uint64_t old, v = random64();
		int rd;

		if (kept(msr)) {
			mark->count[3]++;
			continue;
		}
		rd = rdmsr_safe(msr, &old);
		if (wrmsr_safe(msr, v) == 0)
			mark->count[1]++;
		else
			mark->count[2]++;
		if (rd == 0)
			wrmsr_safe(msr, old);
		mark->count[0]++;
	}
}

static const uint32_t msr_ranges[] = { 0, 0xc0000000, 0xc0010000 };

#define HOSTILE_MSR_RANGE_LEN	0x2000
#define NR_MSR_RANGES	(sizeof(msr_ranges) / sizeof(msr_ranges[0]))

static bool msr_range_in(struct slice sl, size_t i)
{
	return i % sl.parts == sl.part;
}

static void do_msrs(struct slice sl)
{
	for (size_t i = 0; i < NR_MSR_RANGES; i++)
		if (msr_range_in(sl, i))
			msr_range(msr_ranges[i], HOSTILE_MSR_RANGE_LEN);
	for (size_t i = 0; i < sizeof(pmu_msrs) / sizeof(pmu_msrs[0]); i++)
		for (uint32_t m = pmu_msrs[i].first; m < pmu_msrs[i].first + pmu_msrs[i].n; m++)
			wrmsr_safe(m, random64());
}

/* ---- triple fault, spinning APs ---- */

static void do_triple(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };

	asm volatile("lidt %0\n\tud2" : : "m"(empty_idt) : "memory");
}

static volatile uint32_t spinning;

static void ap_spin(unsigned int index)
{
	(void)index;
	__atomic_add_fetch(&spinning, 1, __ATOMIC_SEQ_CST);
	smp_ap_ready();
	asm volatile("cli\n1:\tjmp 1b" : : : "memory");
}

static unsigned int start_spinners(const struct vmm_bootinfo *bi)
{
	unsigned int aps = bi->nr_cpus - 1 > SMP_MAX_APS ? SMP_MAX_APS : bi->nr_cpus - 1;

	spinning = 0;
	return smp_start_aps(aps, ap_spin);
}

/* ---- serial flood ---- */

static char flood_buf[4096];

static __attribute__((noreturn)) void do_flood(void)
{
	static const char line[] = "flood: the quick brown fox jumps over the lazy dog 0123456789\n";

	for (size_t i = 0; i < sizeof(flood_buf); i++)
		flood_buf[i] = line[i % (sizeof(line) - 1)];
	for (;;) {
		uintptr_t src = (uintptr_t)flood_buf, n = sizeof(flood_buf);

		asm volatile("rep outsb" : "+S"(src), "+c"(n) : "d"((uint16_t)0x3f8) : "memory");
	}
}

/* ---- boot 1: what boot 0 saw ---- */

static void report_health(const struct vmm_bootinfo *bi)
{
	char sig[5] = "";

	fw_cfg_read(FW_CFG_SIGNATURE, sig, 4);
	report_streq(sig, "QEMU", "after the reset: fw_cfg answers");
	report_eq(fw_cfg_read_u64(FW_CFG_RAM_SIZE), bi->mem_size, "after the reset: fw_cfg RAM size is the boot info's");
	report_eq(inb(0x3fd) & 0x60, 0x60, "after the reset: the serial port is ready");
}

static void report_failures(const char *what)
{
	report_eq(mark->failures, 0, "%s: %lu accesses with a defined answer got it", what, mark->checks);
	for (uint64_t i = 0; i < mark->failures && i < MAX_NOTES; i++)
		report_info("%s", mark->notes[i]);
}

static void report_boot0(const struct vmm_bootinfo *bi, const char *what)
{
	if (is(what, "mmio")) {
		report(mark->count[0] >= 5, "MMIO at %lu unmapped places, every size and string and locked form",
		       mark->count[0]);
		report_failures("unmapped MMIO");
	} else if (is(what, "ports")) {
		uint32_t lo, hi;

		port_slice(arg_slice(bi), &lo, &hi);
		report_eq(mark->count[0] + mark->count[1], 3 * (hi - lo), "every port %#x-%#x at 1, 2 and 4 bytes: "
			  "%lu accesses, %lu on the VMM's devices skipped", lo, hi - 1, mark->count[0], mark->count[1]);
		report_failures("unclaimed ports");
	} else if (is(what, "msrs")) {
		uint32_t want = 0;

		for (size_t i = 0; i < NR_MSR_RANGES; i++)
			if (msr_range_in(arg_slice(bi), i)) {
				want += HOSTILE_MSR_RANGE_LEN;
				report_info("MSRs %#x-%#x", msr_ranges[i], msr_ranges[i] + HOSTILE_MSR_RANGE_LEN - 1);
			}
		report_eq(mark->count[0] + mark->count[3], want, "%lu MSRs written (%lu accepted, %lu #GP), "
			  "%lu skipped", mark->count[0], mark->count[1], mark->count[2], mark->count[3]);
		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			report_info("skipped %#x %s: the guest needs it", keep[i].msr, keep[i].name);
	} else if (is(what, "smp-spin")) {
		report_eq(mark->count[0], bi->nr_cpus - 1, "boot 0: %lu APs started and spun through the reset",
			  mark->count[0]);
		report_eq(start_spinners(bi), bi->nr_cpus - 1, "boot 1: the APs start again after the reset");
		report_eq(spinning, bi->nr_cpus - 1, "boot 1: every AP spins with interrupts off");
	} else {
		report(true, "boot 0 triple-faulted and the machine was reset");
	}
}

int main(const struct vmm_bootinfo *bi)
{
	const char *what = arg(bi, "do");

	if (is(what, "hlt")) {
		report_info("boot %u: halting with interrupts off", bi->boot_count);
		guest_halt();
	}
	if (is(what, "flood"))
		do_flood();
	if (!is(what, "mmio") && !is(what, "ports") && !is(what, "msrs") && !is(what, "triple") &&
	    !is(what, "smp-spin"))
		report_abort("do=%s: not one of mmio, ports, msrs, triple, smp-spin, hlt, flood", what);
	if (bi->mem_size <= MARK_ADDR + sizeof(*mark))
		report_abort("needs more than %lu bytes of RAM", MARK_ADDR + sizeof(*mark));
	if (is(what, "smp-spin") && bi->nr_cpus < 2) {
		report_skip("spinning APs", "one vCPU (run with --cpus=2 or more)");
		tap_done();
	}
	if (bi->boot_count == 0) {
		memset(mark, 0, sizeof(*mark));
		mark->magic = MARK_MAGIC;
		if (is(what, "mmio"))
			do_mmio(bi);
		else if (is(what, "ports"))
			do_ports(arg_slice(bi));
		else if (is(what, "msrs"))
			do_msrs(arg_slice(bi));
		else if (is(what, "smp-spin"))
			mark->count[0] = start_spinners(bi);
		else
			do_triple();
		outb(0xcf9, 0x06);
		report_abort("the reset request returned");
	}
	report_eq(bi->boot_count, 1, "one reset after do=%s", what);
	report_eq(mark->magic, MARK_MAGIC, "boot 0 left its results in RAM");
	report_boot0(bi, what);
	report_health(bi);
	tap_done();
}
