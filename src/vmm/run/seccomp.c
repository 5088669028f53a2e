// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/run/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/kvm.h>

/* The x32 ABI shares AUDIT_ARCH_X86_64 and sets this bit in the number (asm/unistd.h). */
#define X32_SYSCALL_BIT 0x40000000u

#define DATA_NR		(uint32_t)offsetof(struct seccomp_data, nr)
#define DATA_ARCH	(uint32_t)offsetof(struct seccomp_data, arch)
/* Little-endian: the low 32 bits of args[i] come first. */
#define DATA_ARG_LO(i)	(uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i))

struct builder {
	struct seccomp_prog *prog;
	bool full;
};

static void emit(struct builder *b, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (b->prog->len >= SECCOMP_PROG_MAX) {
		b->full = true;
		return;
	}
	b->prog->insn[b->prog->len++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

static void emit_load(struct builder *b, uint32_t off)
{
	emit(b, BPF_LD | BPF_W | BPF_ABS, 0, 0, off);
}

static void emit_ret(struct builder *b, uint32_t action)
{
	emit(b, BPF_RET | BPF_K, 0, 0, action);
}

static int check_rule(const struct seccomp_rule *r, struct vmm_err *err)
{
	if (r->nr >= X32_SYSCALL_BIT)
		return vmm_errf(err, EINVAL, "seccomp rule %s: %u is not an x86-64 system call number",
				r->name, r->nr);
	if (r->check == SECCOMP_ANY)
		return 0;
	if (r->arg > 5)
		return vmm_errf(err, EINVAL, "seccomp rule %s: argument %u does not exist (0-5)", r->name,
				r->arg);
	if (r->check == SECCOMP_ARG_CLEAR && r->nr_values != 1)
		return vmm_errf(err, EINVAL, "seccomp rule %s: a bit check takes one mask", r->name);
	if (r->check == SECCOMP_ARG_IN && (!r->nr_values || r->nr_values > SECCOMP_RULE_MAX_VALUES))
		return vmm_errf(err, EINVAL, "seccomp rule %s: 1 to %d allowed values", r->name,
				SECCOMP_RULE_MAX_VALUES);
	if (r->check != SECCOMP_ARG_IN && r->check != SECCOMP_ARG_CLEAR)
		return vmm_errf(err, EINVAL, "seccomp rule %s: unknown check %d", r->name, (int)r->check);
	return 0;
}

/*
 * One rule, entered with the system call number in the accumulator; falls
 * through (accumulator unchanged) when the number is not the rule's.
 *   ANY:        jeq nr ? next : skip 1;  ret ALLOW
 *   ARG_IN:     jeq nr ? next : skip 2n+2;  ld arg;  n x (jeq v ? next : skip 1;  ret ALLOW);  ret DENY
 *   ARG_CLEAR:  jeq nr ? next : skip 4;  ld arg;  jset mask ? skip 1 : next;  ret ALLOW;  ret DENY
 */
static void emit_rule(struct builder *b, const struct seccomp_rule *r, uint32_t deny)
{
	const uint16_t jeq = BPF_JMP | BPF_JEQ | BPF_K;

	switch (r->check) {
	case SECCOMP_ANY:
		emit(b, jeq, 0, 1, r->nr);
		emit_ret(b, SECCOMP_RET_ALLOW);
		break;
	case SECCOMP_ARG_IN:
		emit(b, jeq, 0, (uint8_t)(2 * r->nr_values + 2), r->nr);
		emit_load(b, DATA_ARG_LO(r->arg));
		for (unsigned int i = 0; i < r->nr_values; i++) {
			emit(b, jeq, 0, 1, r->values[i]);
			emit_ret(b, SECCOMP_RET_ALLOW);
		}
		emit_ret(b, deny);
		break;
	case SECCOMP_ARG_CLEAR:
		emit(b, jeq, 0, 4, r->nr);
		emit_load(b, DATA_ARG_LO(r->arg));
		emit(b, BPF_JMP | BPF_JSET | BPF_K, 1, 0, r->values[0]);
		emit_ret(b, SECCOMP_RET_ALLOW);
		emit_ret(b, deny);
		break;
	}
}

int seccomp_build(const struct seccomp_rule *rules, size_t n, uint32_t deny_action,
		  struct seccomp_prog *prog, struct vmm_err *err)
{
	struct builder b = { .prog = prog };

	prog->len = 0;
	for (size_t i = 0; i < n; i++) {
		int r = check_rule(&rules[i], err);

		if (r < 0)
			return r;
	}
	/* seccomp_filter.rst: check the architecture first, the numbers differ per ABI. */
	emit_load(&b, DATA_ARCH);
	emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
	emit_ret(&b, deny_action);
	emit_load(&b, DATA_NR);
	emit(&b, BPF_JMP | BPF_JGE | BPF_K, 0, 1, X32_SYSCALL_BIT);
	emit_ret(&b, deny_action);
	for (size_t i = 0; i < n; i++)
		emit_rule(&b, &rules[i], deny_action);
	emit_ret(&b, deny_action);
	if (b.full)
		return vmm_errf(err, E2BIG, "the seccomp filter needs more than %d instructions",
				SECCOMP_PROG_MAX);
	return 0;
}

#define ANY(sys) { #sys, __NR_##sys, SECCOMP_ANY, 0, { 0 }, 0 }
#define ARG_IN(sys, a, ...) { #sys, __NR_##sys, SECCOMP_ARG_IN, a, { __VA_ARGS__ }, \
	sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t) }
#define ARG_CLEAR(sys, a, mask) { #sys, __NR_##sys, SECCOMP_ARG_CLEAR, a, { mask }, 1 }

/*
 * Exactly what the run loop (vcpu.c, exit.c, the devices in hw/ and the soft
 * PMU engine) does on a vCPU thread, found by tracing the guest suite in every
 * mode; docs/security.md gives the reason for each. ioctl request numbers are
 * unsigned int in the kernel (fs/ioctl.c, SYSCALL_DEFINE3(ioctl)), so their
 * low 32 bits are all that counts.
 */
static const struct seccomp_rule vcpu_rules[] = {
	ARG_IN(ioctl, 1, KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
	       KVM_GET_FPU, KVM_SET_FPU, KVM_GET_MSRS, KVM_GET_TSC_KHZ, KVM_SET_GUEST_DEBUG,
	       KVM_GET_LAPIC, KVM_SET_LAPIC, KVM_SIGNAL_MSI, KVM_IRQ_LINE, KVM_GET_VCPU_EVENTS,
	       KVM_SET_VCPU_EVENTS, KVM_SET_MP_STATE, KVM_GET_DIRTY_LOG),
	ANY(write),
	ANY(sendto),
	ANY(futex),
	ANY(rt_sigreturn),
	ANY(poll),
	ANY(ppoll),
	ARG_IN(fcntl, 1, F_GETFL, F_SETFL),
	ARG_CLEAR(mmap, 2, PROT_EXEC),
	ARG_CLEAR(mprotect, 2, PROT_EXEC),
	ANY(munmap),
	ANY(madvise),
	ANY(brk),
	ANY(clock_gettime),
	ANY(clock_nanosleep),
	ANY(rt_sigprocmask),
	ANY(exit),
#ifdef VMM_SANITIZER_RUNTIME
	/* AddressSanitizer's allocator and thread teardown; see docs/security.md. */
	ANY(sigaltstack),
	ANY(getpid),
	ANY(gettid),
	ANY(sched_yield),
#endif
};

const struct seccomp_rule *seccomp_vcpu_rules(size_t *n)
{
	*n = sizeof(vcpu_rules) / sizeof(vcpu_rules[0]);
	return vcpu_rules;
}

int seccomp_install(const struct seccomp_prog *prog, struct vmm_err *err)
{
	struct sock_fprog fprog = { .len = prog->len, .filter = (struct sock_filter *)prog->insn };

	/* Without CAP_SYS_ADMIN a filter needs no_new_privs (seccomp(2)); it is per thread too. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return vmm_errf(err, errno, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
		return vmm_errf(err, errno, "seccomp(SECCOMP_SET_MODE_FILTER): %s (a kernel without "
				"seccomp filters or SECCOMP_RET_KILL_PROCESS, Linux < 4.14? --no-seccomp runs "
				"without the filter)", strerror(errno));
	return 0;
}
