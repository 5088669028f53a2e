// SPDX-License-Identifier: GPL-2.0-only
/*
 * The launch benchmark's baseline: the fewest ioctls that run an ELF64 guest
 * in long mode until it writes the exit port. No irqchip, no devices, no
 * checks beyond what is needed to fail loudly. Usage: launch-baseline IMAGE
 */
#include <elf.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEM_SIZE (128ULL << 20)

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
	int fd = open(path, O_RDONLY);
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

/* Flat GDT at 0x1000, 1 GiB identity-mapped with 2 MiB pages at 0x2000-0x4fff. */
static void long_mode(uint8_t *mem, struct kvm_sregs *s)
{
	uint64_t *gdt = (uint64_t *)(mem + 0x1000), *pml4 = (uint64_t *)(mem + 0x2000);
	uint64_t *pdpt = (uint64_t *)(mem + 0x3000), *pd = (uint64_t *)(mem + 0x4000);
	struct kvm_segment cs = { .base = 0, .limit = 0xffffffff, .selector = 0x8, .type = 11,
				  .present = 1, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment ds = { .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3,
				  .present = 1, .s = 1, .db = 1, .g = 1 };

	gdt[1] = 0x00af9b000000ffffULL;
	gdt[2] = 0x00cf93000000ffffULL;
	pml4[0] = 0x3000 | 3;
	pdpt[0] = 0x4000 | 3;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | 0x83;
	s->cs = cs;
	s->ds = s->es = s->fs = s->gs = s->ss = ds;
	s->gdt.base = 0x1000;
	s->gdt.limit = 23;
	s->cr3 = 0x2000;
	s->cr4 = 1 << 5;			/* PAE */
	s->cr0 = 0x80000001 | (1 << 4);		/* PG | PE | ET */
	s->efer = 0x500;			/* LME | LMA */
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region = { .memory_size = MEM_SIZE };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rflags = 2, .rsp = 0x80000, .rdi = 0x2000 };
	struct kvm_run *run;
	uint8_t *mem;
	int kvm, vm, vcpu;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
		return 99;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	must(kvm >= 0, "/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	must(vm >= 0, "KVM_CREATE_VM");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	must(mem != MAP_FAILED, "mmap");
	region.userspace_addr = (uintptr_t)mem;
	must(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) == 0, "KVM_SET_USER_MEMORY_REGION");
	must(ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) == 0, "KVM_SET_TSS_ADDR");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	must(vcpu >= 0, "KVM_CREATE_VCPU");
	run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE,
		   MAP_SHARED, vcpu, 0);
	must(run != MAP_FAILED, "mmap kvm_run");
	regs.rip = load_elf(mem, argv[1]);
	must(ioctl(vcpu, KVM_GET_SREGS, &sregs) == 0, "KVM_GET_SREGS");
	long_mode(mem, &sregs);
	must(ioctl(vcpu, KVM_SET_SREGS, &sregs) == 0, "KVM_SET_SREGS");
	must(ioctl(vcpu, KVM_SET_REGS, &regs) == 0, "KVM_SET_REGS");
	for (;;) {
		must(ioctl(vcpu, KVM_RUN, 0) == 0, "KVM_RUN");
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0xf4)
			return (((uint8_t *)run)[run->io.data_offset] << 1) | 1;
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "unexpected exit %u\n", run->exit_reason);
			return 98;
		}
	}
}
