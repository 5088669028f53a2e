// SPDX-License-Identifier: GPL-2.0-only
#include "kvm_guest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

static int fail(struct kvm_guest *g, const char *what, const char *hint)
{
	snprintf(g->err, sizeof(g->err), "%s failed: %s%s%s", what, strerror(errno),
		 hint ? "; " : "", hint ? hint : "");
	return -1;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int set_cpuid(struct kvm_guest *g)
{
	unsigned int n = 256;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	int r;

	if (!c)
		return fail(g, "calloc", NULL);
	c->nent = n;
	if (ioctl(g->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		free(c);
		return fail(g, "KVM_GET_SUPPORTED_CPUID", NULL);
	}
	r = ioctl(g->vcpu, KVM_SET_CPUID2, c);
	free(c);
	return r < 0 ? fail(g, "KVM_SET_CPUID2", NULL) : 0;
}

static int set_msrs(struct kvm_guest *g)
{
	static const struct { uint32_t index; uint64_t data; } v[] = {
		{ 0xc0000081, G_STAR }, { 0xc0000082, G_LSTAR }, { 0xc0000083, G_CSTAR },
		{ 0xc0000084, G_SFMASK }, { 0xc0000102, G_KERNEL_GS }, { 0x174, G_SYSENTER_CS },
		{ 0x175, G_SYSENTER_ESP }, { 0x176, G_SYSENTER_EIP },
	};
	const unsigned int n = sizeof(v) / sizeof(v[0]);
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(m->entries[0]));
	int r;

	if (!m)
		return fail(g, "calloc", NULL);
	m->nmsrs = n;
	for (unsigned int i = 0; i < n; i++) {
		m->entries[i].index = v[i].index;
		m->entries[i].data = v[i].data;
	}
	r = ioctl(g->vcpu, KVM_SET_MSRS, m);
	free(m);
	if (r < 0)
		return fail(g, "KVM_SET_MSRS", NULL);
	if ((unsigned int)r != n) {
		errno = EINVAL;
		return fail(g, "KVM_SET_MSRS (not every system-call MSR was accepted)", NULL);
	}
	return 0;
}

int guest_open(struct kvm_guest *g, bool *skip)
{
	struct kvm_userspace_memory_region region = { 0 };
	int sz;

	memset(g, 0, sizeof(*g));
	g->kvm = g->vm = g->vcpu = -1;
	*skip = false;
	g->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (g->kvm < 0) {
		*skip = true;
		return fail(g, "open /dev/kvm", "the differential test needs KVM");
	}
	g->vm = ioctl(g->kvm, KVM_CREATE_VM, 0);
	if (g->vm < 0)
		return fail(g, "KVM_CREATE_VM", NULL);
	g->mem = mmap(NULL, G_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED) {
		g->mem = NULL;
		return fail(g, "mmap of guest RAM", NULL);
	}
	region.memory_size = G_RAM_SIZE;
	region.userspace_addr = (uintptr_t)g->mem;
	if (ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail(g, "KVM_SET_USER_MEMORY_REGION", NULL);
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	if (g->vcpu < 0)
		return fail(g, "KVM_CREATE_VCPU", NULL);
	sz = ioctl(g->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < 0)
		return fail(g, "KVM_GET_VCPU_MMAP_SIZE", NULL);
	g->run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	if (g->run == MAP_FAILED) {
		g->run = NULL;
		return fail(g, "mmap of kvm_run", NULL);
	}
	if (set_cpuid(g) || set_msrs(g))
		return -1;
	if (sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL) < 0)
		return fail(g, "sigaction", NULL);
	guest_tables(g);
	return 0;
}

void guest_close(struct kvm_guest *g)
{
	if (g->mem)
		munmap(g->mem, G_RAM_SIZE);
	if (g->vcpu >= 0)
		close(g->vcpu);
	if (g->vm >= 0)
		close(g->vm);
	if (g->kvm >= 0)
		close(g->kvm);
}

static void put64(struct kvm_guest *g, uint64_t a, uint64_t v)
{
	memcpy(g->mem + a, &v, 8);
}

void guest_tables(struct kvm_guest *g)
{
	/*
	 * Identity map [0, 4 MiB) with user, writable 2 MiB pages; PD[4] stays
	 * not present. The accessed and dirty bits are preset: KVM's shadow
	 * paging does not see this rewrite from user space, and would not set
	 * them again through a still-valid shadow entry.
	 */
	memset(g->mem + G_PML4, 0, 0x3000);
	put64(g, G_PML4, G_PDPT | 0x27);
	put64(g, G_PDPT, G_PD | 0x27);
	put64(g, G_PD, 0x000000 | 0xe7);
	put64(g, G_PD + 8, 0x200000 | 0xe7);
	/* GDT: null, code0, data0, data3, code3, TSS (16 bytes). */
	memset(g->mem + G_GDT, 0, 0x100);
	put64(g, G_GDT + 0x08, 0x00af9b000000ffffULL);
	put64(g, G_GDT + 0x10, 0x00cf93000000ffffULL);
	put64(g, G_GDT + 0x18, 0x00cff3000000ffffULL);
	put64(g, G_GDT + 0x20, 0x00affb000000ffffULL);
	put64(g, G_GDT + 0x28, 0x0000890000000067ULL | ((uint64_t)G_TSS << 16));
	/* TSS: RSP0 for exceptions from CPL 3, IST1 for #DF. */
	memset(g->mem + G_TSS, 0, 0x68);
	put64(g, G_TSS + 4, G_KSTACK);
	put64(g, G_TSS + 0x24, G_DFSTACK);
	/* IDT: 32 interrupt gates, DPL 0, to the HLT stubs. */
	memset(g->mem + G_STUBS, 0xf4, 0x100);
	for (unsigned int v = 0; v < 32; v++) {
		uint64_t off = G_STUBS + v;
		uint64_t lo = (off & 0xffff) | ((uint64_t)SEL_CODE0 << 16) | (0x8eULL << 40) |
			      ((off >> 16 & 0xffff) << 48);

		if (v == 8)
			lo |= 1ULL << 32;	/* IST1 */
		put64(g, G_IDT + v * 16, lo);
		put64(g, G_IDT + v * 16 + 8, off >> 32);
	}
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, uint8_t dpl, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->dpl = dpl;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

void guest_sregs(struct kvm_sregs *s, unsigned int cpl)
{
	memset(s, 0, sizeof(*s));
	seg(&s->cs, cpl ? SEL_CODE3 : SEL_CODE0, 11, (uint8_t)cpl, true);
	seg(&s->ds, cpl ? SEL_DATA3 : SEL_DATA0, 3, (uint8_t)cpl, false);
	s->es = s->ss = s->fs = s->gs = s->ds;
	s->fs.base = 0x100000;
	s->gs.base = 0x180000;
	s->tr.selector = SEL_TSS;
	s->tr.base = G_TSS;
	s->tr.limit = 0x67;
	s->tr.type = 11;
	s->tr.present = 1;
	s->ldt.unusable = 1;
	s->ldt.type = 2;
	s->ldt.present = 1;
	s->gdt.base = G_GDT;
	s->gdt.limit = 0x2f;
	s->idt.base = G_IDT;
	s->idt.limit = 32 * 16 - 1;
	s->cr0 = 0x80050033;		/* PG AM WP NE ET MP PE */
	s->cr3 = G_PML4;
	s->cr4 = 0x20;			/* PAE */
	s->efer = 0xd01;		/* NXE LMA LME SCE */
}

/* A guest that does not stop within 200 ms is interrupted: KVM_RUN fails with EINTR. */
static int arm(bool on)
{
	struct itimerval t = { { 0, 0 }, { 0, on ? 200000 : 0 } };

	return setitimer(ITIMER_REAL, &t, NULL);
}

enum guest_exit guest_run(struct kvm_guest *g, struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	int r;

	if (ioctl(g->vcpu, KVM_SET_SREGS, sregs) < 0)
		return fail(g, "KVM_SET_SREGS", NULL), GUEST_ERROR;
	if (ioctl(g->vcpu, KVM_SET_REGS, regs) < 0)
		return fail(g, "KVM_SET_REGS", NULL), GUEST_ERROR;
	if (arm(true) < 0)
		return fail(g, "setitimer", NULL), GUEST_ERROR;
	r = ioctl(g->vcpu, KVM_RUN, 0);
	if (r < 0 && errno == EINTR) {
		arm(false);
		g->run->exit_reason = KVM_EXIT_INTR;
		ioctl(g->vcpu, KVM_GET_REGS, regs);
		return GUEST_OTHER;
	}
	arm(false);
	if (r < 0)
		return fail(g, "KVM_RUN", NULL), GUEST_ERROR;
	if (ioctl(g->vcpu, KVM_GET_REGS, regs) < 0)
		return fail(g, "KVM_GET_REGS", NULL), GUEST_ERROR;
	if (ioctl(g->vcpu, KVM_GET_SREGS, sregs) < 0)
		return fail(g, "KVM_GET_SREGS", NULL), GUEST_ERROR;
	return g->run->exit_reason == KVM_EXIT_HLT ? GUEST_HLT : GUEST_OTHER;
}
