// SPDX-License-Identifier: GPL-2.0-only
/*
 * reset: proves that guest-initiated resets restart the machine cleanly,
 * hundreds of times in one run (a reset storm). On boots 0..N-1 it records
 * the boot in a RAM page outside the image and asks for a reset, rotating
 * through the three ways a PC does it: port 0xcf9 with 0x06 (SYS_RST |
 * RST_CPU) and 0x0e (FULL_RST too), and the 8042 command 0xfe on port 0x64.
 * On boot N it checks:
 * - the boot-info boot counter is N (the VMM counts resets);
 * - the RAM page saw every boot: guest RAM survives a reset, as on real
 *   hardware and as kdump needs;
 * - the image was reloaded (an initialised variable has its initial value);
 * - no interrupt or NMI arrives in a window with interrupts enabled: nothing
 *   from the previous boots is left pending.
 * Command line: resets=N (default 200).
 */
#include "guest.h"

#define MARK_ADDR	0x800000UL	/* 8 MiB: above the image, below the smallest test RAM */
#define MARK_MAGIC	0x7465736572ULL	/* "reset" */

struct mark {
	uint64_t magic;
	uint32_t boots;		/* boots recorded so far */
	uint32_t last;		/* boot count of the last recorded boot */
};

static volatile uint32_t reloaded = 1;	/* .data: 1 in the image, 2 once this boot ran */
static volatile uint32_t stray;

static void count_stray(struct ex_regs *regs)
{
	(void)regs;
	stray++;
	apic_eoi();
}

static uint32_t arg_resets(const struct vmm_bootinfo *bi)
{
	const char *s = guest_args(bi);
	uint32_t n = 0;

	for (; *s; s++) {
		if (strncmp(s, "resets=", 7))
			continue;
		for (s += 7; *s >= '0' && *s <= '9'; s++)
			n = n * 10 + (uint32_t)(*s - '0');
		return n;
	}
	return 200;
}

static void request_reset(uint32_t boot)
{
	switch (boot % 3) {
	case 0: outb(0xcf9, 0x06); break;
	case 1: outb(0x64, 0xfe); break;
	default: outb(0xcf9, 0x0e); break;
	}
	report_abort("boot %u: the reset request returned", boot);
}

/* With interrupts enabled for a while: any vector or NMI counts as stray. */
static void interrupt_window(void)
{
	for (unsigned int v = 32; v < IDT_ENTRIES; v++)
		idt_set_handler(v, count_stray);
	idt_set_handler(NMI_VECTOR, count_stray);
	apic_enable(0xff);
	sti();
	for (volatile uint32_t i = 0; i < 200000; i++)
		pause();
	cli();
}

int main(const struct vmm_bootinfo *bi)
{
	struct mark *m = (struct mark *)MARK_ADDR;
	uint32_t want = arg_resets(bi), boot = bi->boot_count;
	uint32_t image_value = reloaded;

	reloaded = 2;
	if (bi->mem_size <= MARK_ADDR + 4096)
		report_abort("needs more than %lu bytes of RAM", MARK_ADDR + 4096);
	if (boot == 0)
		*m = (struct mark){ .magic = MARK_MAGIC };
	if (m->magic == MARK_MAGIC && (boot == 0 || m->last == boot - 1)) {
		m->boots++;
		m->last = boot;
	}
	if (boot < want)
		request_reset(boot);

	tap_plan(5);
	report_eq(boot, want, "boot counter after %u resets", want);
	report_eq(m->magic, MARK_MAGIC, "RAM outside the image survived the resets");
	report_eq(m->boots, want + 1, "every boot was recorded in RAM, in order");
	report_eq(image_value, 1, "the image was reloaded: .data has its initial value");
	interrupt_window();
	report_eq(stray, 0, "no interrupt or NMI pending after %u resets", want);
	tap_done();
}
