// SPDX-License-Identifier: GPL-2.0-only
#include "minivm.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEM_SIZE (128ULL << 20)
#define GDT 0x1000
#define PML4 0x3000
#define PDPT 0x4000
#define PD 0x5000
#define BOOTINFO 0x2000		/* left zero: a guest reading it sees PMU mode "off" */

static void must(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(99);
	}
}

static uint64_t load_elf(uint8_t *mem, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *f;
	Elf64_Ehdr *eh;

	must(fd >= 0 && fstat(fd, &st) == 0, path);
	f = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	must(f != MAP_FAILED, "mmap image");
	eh = (Elf64_Ehdr *)f;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(f + eh->e_phoff + (size_t)i * eh->e_phentsize);

		if (ph->p_type == PT_LOAD && ph->p_paddr + ph->p_memsz <= MEM_SIZE)
			memcpy(mem + ph->p_paddr, f + ph->p_offset, ph->p_filesz);
	}
	close(fd);
	return eh->e_entry;
}

/* Flat GDT, the low 1 GiB identity-mapped with 2 MiB pages. */
static void long_mode(uint8_t *mem, struct kvm_sregs *s)
{
	uint64_t *gdt = (uint64_t *)(mem + GDT), *pml4 = (uint64_t *)(mem + PML4);
	uint64_t *pdpt = (uint64_t *)(mem + PDPT), *pd = (uint64_t *)(mem + PD);
	struct kvm_segment cs = { .base = 0, .limit = 0xffffffff, .selector = 0x8, .type = 11,
				  .present = 1, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment ds = { .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3,
				  .present = 1, .s = 1, .db = 1, .g = 1 };

	gdt[1] = 0x00af9b000000ffffULL;
	gdt[2] = 0x00cf93000000ffffULL;
	pml4[0] = PDPT | 3;
	pdpt[0] = PD | 3;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | 0x83;
	s->cs = cs;
	s->ds = s->es = s->fs = s->gs = s->ss = ds;
	s->gdt.base = GDT;
	s->gdt.limit = 23;
	s->cr3 = PML4;
	s->cr4 = 1 << 5;			/* PAE */
	s->cr0 = 0x80000001 | (1 << 4);		/* PG | PE | ET */
	s->efer = 0x500;			/* LME | LMA */
}

void minivm_start(struct minivm *m, const char *elf)
{
	struct kvm_userspace_memory_region region = { .memory_size = MEM_SIZE };
	struct kvm_regs regs = { .rflags = 2, .rsp = 0x80000, .rdi = BOOTINFO };
	struct kvm_sregs sregs;

	m->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	must(m->kvm >= 0, "/dev/kvm");
	m->vm = ioctl(m->kvm, KVM_CREATE_VM, 0);
	must(m->vm >= 0, "KVM_CREATE_VM");
	m->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		      -1, 0);
	must(m->mem != MAP_FAILED, "mmap");
	region.userspace_addr = (uintptr_t)m->mem;
	must(ioctl(m->vm, KVM_SET_USER_MEMORY_REGION, &region) == 0, "KVM_SET_USER_MEMORY_REGION");
	must(ioctl(m->vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) == 0, "KVM_SET_TSS_ADDR");
	m->vcpu = ioctl(m->vm, KVM_CREATE_VCPU, 0);
	must(m->vcpu >= 0, "KVM_CREATE_VCPU");
	m->run = mmap(NULL, (size_t)ioctl(m->kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE,
		      MAP_SHARED, m->vcpu, 0);
	must(m->run != MAP_FAILED, "mmap kvm_run");
	regs.rip = load_elf(m->mem, elf);
	must(ioctl(m->vcpu, KVM_GET_SREGS, &sregs) == 0, "KVM_GET_SREGS");
	long_mode(m->mem, &sregs);
	must(ioctl(m->vcpu, KVM_SET_SREGS, &sregs) == 0, "KVM_SET_SREGS");
	must(ioctl(m->vcpu, KVM_SET_REGS, &regs) == 0, "KVM_SET_REGS");
}

void minivm_run(struct minivm *m)
{
	must(ioctl(m->vcpu, KVM_RUN, 0) == 0, "KVM_RUN");
}

int minivm_exit_status(const struct minivm *m)
{
	return (((const uint8_t *)m->run)[m->run->io.data_offset] << 1) | 1;
}
