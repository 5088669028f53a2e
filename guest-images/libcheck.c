// SPDX-License-Identifier: GPL-2.0-only
/*
 * libcheck: proves that the guest library works before other guests rely
 * on it: faulting MSR and RDPMC accesses are caught and reported instead of
 * killing the guest, printf formats as C says, per-vector IDT handlers run
 * and can resume past the faulting instruction (#UD; #BP with "int3" on the
 * command line), NMIs reach their handler,
 * the serial line status is what the VMM promises, and the LAPIC helpers
 * reach the in-kernel LAPIC.
 */
#include "guest.h"
#include "common/x86.h"

/* No architecture defines this MSR index and KVM does not emulate it. */
#define LIBCHECK_UNDEFINED_MSR	0x00001337
/* SDM Vol. 3A 2.2.1 / APM 3.1.7: EFER bit 2 is reserved, writing 1 is a #GP. */
#define LIBCHECK_EFER_RESERVED	(1ULL << 2)
/* RDPMC ECX[29:0] far beyond any counter (SDM Vol. 2B RDPMC: #GP). */
#define LIBCHECK_BAD_PMC	0x3fffffff

static void libcheck_msr(void)
{
	uint64_t val = 0x5a5a, efer, after;
	int vec;

	vec = rdmsr_safe(LIBCHECK_UNDEFINED_MSR, &val);
	report_eq(vec, GP_VECTOR, "rdmsr of undefined MSR %#x raises #GP", LIBCHECK_UNDEFINED_MSR);
	report_eq(val, 0, "rdmsr_safe zeroes the value on a fault");
	vec = wrmsr_safe(LIBCHECK_UNDEFINED_MSR, 1);
	report_eq(vec, GP_VECTOR, "wrmsr of undefined MSR %#x raises #GP", LIBCHECK_UNDEFINED_MSR);

	vec = rdmsr_safe(MSR_EFER, &efer);
	report(vec == 0 && (efer & EFER_LMA), "rdmsr_safe(EFER) = %#llx, LMA set",
	       (unsigned long long)efer);
	vec = wrmsr_safe(MSR_EFER, efer | LIBCHECK_EFER_RESERVED);
	report_eq(vec, GP_VECTOR, "wrmsr of a reserved EFER bit raises #GP");
	rdmsr_safe(MSR_EFER, &after);
	report_eq(after, efer, "EFER unchanged by the refused write");

	vec = rdpmc_safe(LIBCHECK_BAD_PMC, &val);
	report_eq(vec, GP_VECTOR, "rdpmc of counter %#x raises #GP", LIBCHECK_BAD_PMC);
}

static void libcheck_fmt_case(const char *expect, const char *fmt_text,
			      const char *got)
{
	report_streq(got, expect, "printf %s", fmt_text);
}

/* One case: format into buf, compare with the C-specified text. */
#define LIBCHECK_FMT(expect, ...)					\
	do {								\
		char buf_[64];						\
		snprintf(buf_, sizeof(buf_), __VA_ARGS__);		\
		libcheck_fmt_case(expect, #__VA_ARGS__, buf_);		\
	} while (0)

static void libcheck_printf(void)
{
	char small[4];
	int n;

	LIBCHECK_FMT("-42 0 7", "%d %i %u", -42, 0, 7u);
	LIBCHECK_FMT("4294967295", "%u", 4294967295u);
	LIBCHECK_FMT("deadbeef BEEF", "%x %X", 0xdeadbeefu, 0xbeefu);
	LIBCHECK_FMT("123456789abcdef0", "%lx", 0x123456789abcdef0UL);
	LIBCHECK_FMT("ffffffffffffffff", "%llx", ~0ULL);
	LIBCHECK_FMT("18446744073709551615", "%llu", ~0ULL);
	LIBCHECK_FMT("-9223372036854775808", "%lld", -9223372036854775807LL - 1);
	LIBCHECK_FMT("00001234|    1234|1234    |", "%08x|%8x|%-8x|", 0x1234u, 0x1234u, 0x1234u);
	LIBCHECK_FMT("000000002badb002", "%016llx", 0x2badb002ULL);
	LIBCHECK_FMT("0xff 0x1000", "%#x %p", 0xffu, (void *)0x1000);
	LIBCHECK_FMT("[  tap|ok|x]", "[%5s|%c%c|%.1s]", "tap", 'o', 'k', "xyz");
	LIBCHECK_FMT("100%", "%d%%", 100);

	n = snprintf(small, sizeof(small), "%d", 12345);
	report(n == 5 && strcmp(small, "123") == 0,
	       "snprintf truncates to \"%s\" and returns the full length %d", small, n);
}

struct libcheck_trap {
	unsigned int count;
	uint64_t last_vector;
};

/* Handlers cannot take an argument, so they record into this one place. */
static struct libcheck_trap libcheck_traps;

/* Whether the space-separated list s contains word. */
static bool libcheck_has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	while (s && *s) {
		while (*s == ' ')
			s++;
		if (strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == '\0'))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

static void libcheck_count_handler(struct ex_regs *regs)
{
	libcheck_traps.count++;
	libcheck_traps.last_vector = regs->vector;
}

/* ud2 is a fault: RIP points at it, so skip its two bytes to carry on. */
static void libcheck_skip_ud2(struct ex_regs *regs)
{
	libcheck_count_handler(regs);
	regs->rip += 2;
}

static void libcheck_idt_ud(void)
{
	idt_handler_fn old;

	libcheck_traps = (struct libcheck_trap){ 0 };
	old = idt_set_handler(UD_VECTOR, libcheck_skip_ud2);
	for (int i = 0; i < 3; i++)
		asm volatile("ud2" : : : "memory");
	idt_set_handler(UD_VECTOR, old);
	report(libcheck_traps.count == 3 && libcheck_traps.last_vector == UD_VECTOR,
	       "#UD override ran %u times and resumed after ud2", libcheck_traps.count);
}

/*
 * INT3 and INT n are software interrupts the host must emulate on some
 * KVM flavours (kvm_pvm reports "instruction emulation failed" and the VM
 * dies), so this case only runs when the command line asks for it.
 */
static void libcheck_idt_int3(const char *cmdline)
{
	idt_handler_fn old;

	if (!libcheck_has_word(cmdline, "int3")) {
		report_skip("int3 override", "not every host emulates INT3; "
			    "pass \"int3\" on the command line to run it");
		return;
	}
	libcheck_traps = (struct libcheck_trap){ 0 };
	old = idt_set_handler(BP_VECTOR, libcheck_count_handler);
	for (int i = 0; i < 3; i++)
		asm volatile("int3" : : : "memory");
	idt_set_handler(BP_VECTOR, old);
	report(libcheck_traps.count == 3 && libcheck_traps.last_vector == BP_VECTOR,
	       "int3 override ran %u times", libcheck_traps.count);
}

static bool libcheck_apic_present(void)
{
	/* An unbacked MMIO page reads all-ones; a LAPIC version never does. */
	return apic_read(APIC_LVR) != 0xffffffff;
}

/* Sends an NMI to this CPU by APIC ID (SDM Vol. 3A 11.6.1, ICR). */
static void libcheck_self_nmi(void)
{
	apic_write(APIC_ICR2, apic_id() << 24);
	apic_write(APIC_ICR, APIC_DM_NMI);
}

static void libcheck_apic(void)
{
	const uint32_t lvtpc = APIC_LVT_MASKED | APIC_DM_NMI;
	idt_handler_fn old;

	if (!libcheck_apic_present()) {
		report_skip("LVTPC write reads back", "no LAPIC at %#lx", APIC_DEFAULT_BASE);
		report_skip("NMI handler override", "no LAPIC at %#lx", APIC_DEFAULT_BASE);
		return;
	}
	apic_enable(0xff);
	apic_set_lvtpc(lvtpc);
	report_eq(apic_get_lvtpc(), lvtpc, "LVTPC write reads back");
	apic_set_lvtpc(APIC_LVT_MASKED);

	libcheck_traps = (struct libcheck_trap){ 0 };
	old = idt_set_handler(NMI_VECTOR, libcheck_count_handler);
	libcheck_self_nmi();
	/* Delivery is asynchronous; bound the wait so a lost NMI fails. */
	for (int i = 0; i < 1000 && !libcheck_traps.count; i++)
		asm volatile("pause" : : : "memory");
	idt_set_handler(NMI_VECTOR, old);
	report(libcheck_traps.count == 1 && libcheck_traps.last_vector == NMI_VECTOR,
	       "NMI handler override ran %u time(s)", libcheck_traps.count);
}

int main(const struct vmm_bootinfo *bi)
{
	const char *cmdline = guest_args(bi);

	libcheck_msr();
	libcheck_printf();
	libcheck_idt_ud();
	libcheck_idt_int3(cmdline);
	report_eq(inb(VMM_PORT_SERIAL + UART_LSR), 0x60, "serial line status reads 0x60");
	libcheck_apic();
	tap_done();
}
