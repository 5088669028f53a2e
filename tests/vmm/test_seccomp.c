// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seccomp filter builder: the programs it builds are run through a small
 * classic-BPF interpreter (the subset seccomp_build() emits) on made-up
 * system calls, and must allow exactly what the rules allow.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include <linux/audit.h>
#include <linux/kvm.h>

#include "vmm/run/seccomp.h"

#define X32_BIT 0x40000000u

/* Runs prog on d; fails the test on an instruction the builder must not emit or a jump out of it. */
static uint32_t bpf_run(const struct seccomp_prog *prog, const struct seccomp_data *d)
{
	uint32_t a = 0;

	for (unsigned int pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->insn[pc];
		unsigned int skip = 0;

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(f->k % 4 == 0 && f->k + 4 <= sizeof(*d));
			memcpy(&a, (const uint8_t *)d + f->k, 4);
			continue;
		case BPF_RET | BPF_K:
			return f->k;
		case BPF_JMP | BPF_JEQ | BPF_K:
			skip = a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			skip = a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			skip = (a & f->k) ? f->jt : f->jf;
			break;
		default:
			fail_msg("instruction %u: unexpected code 0x%x", pc, f->code);
		}
		pc += skip;
		assert_true(pc + 1 < prog->len);
	}
	fail_msg("the program ran off its end");
	return 0;
}

static struct seccomp_data call(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return (struct seccomp_data){ .nr = (int)nr, .arch = AUDIT_ARCH_X86_64, .args = { a0, a1, a2 } };
}

static struct seccomp_prog *vcpu_prog(void)
{
	struct seccomp_prog *p = malloc(sizeof(*p));
	const struct seccomp_rule *rules;
	size_t n;

	assert_non_null(p);
	rules = seccomp_vcpu_rules(&n);
	assert_int_equal(seccomp_build(rules, n, SECCOMP_VCPU_DENY, p, NULL), 0);
	return p;
}

#define ALLOW SECCOMP_RET_ALLOW
#define DENY SECCOMP_VCPU_DENY

static const struct {
	const char *what;
	struct seccomp_data d;
	uint32_t want;
} vcpu_cases[] = {
	{ "write", { .nr = __NR_write, .arch = AUDIT_ARCH_X86_64 }, ALLOW },
	{ "write from the i386 ABI", { .nr = __NR_write, .arch = AUDIT_ARCH_I386 }, DENY },
	{ "write from the x32 ABI", { .nr = (int)(X32_BIT | __NR_write), .arch = AUDIT_ARCH_X86_64 }, DENY },
	{ "ioctl KVM_RUN", { .nr = __NR_ioctl, .arch = AUDIT_ARCH_X86_64, .args = { 7, KVM_RUN } }, ALLOW },
	/* fs/ioctl.c: the request is an unsigned int, the kernel drops the high half. */
	{ "ioctl KVM_RUN with high bits", { .nr = __NR_ioctl, .arch = AUDIT_ARCH_X86_64,
	  .args = { 7, KVM_RUN | 1ull << 32 } }, ALLOW },
	{ "ioctl KVM_SIGNAL_MSI", { .nr = __NR_ioctl, .arch = AUDIT_ARCH_X86_64, .args = { 5, KVM_SIGNAL_MSI } },
	  ALLOW },
	{ "ioctl KVM_GET_DIRTY_LOG", { .nr = __NR_ioctl, .arch = AUDIT_ARCH_X86_64,
	  .args = { 5, KVM_GET_DIRTY_LOG } }, ALLOW },
	{ "ioctl KVM_CREATE_VCPU", { .nr = __NR_ioctl, .arch = AUDIT_ARCH_X86_64, .args = { 5, KVM_CREATE_VCPU } },
	  DENY },
	{ "ioctl KVM_SET_USER_MEMORY_REGION", { .nr = __NR_ioctl, .arch = AUDIT_ARCH_X86_64,
	  .args = { 5, KVM_SET_USER_MEMORY_REGION } }, DENY },
	{ "ioctl TIOCSTI", { .nr = __NR_ioctl, .arch = AUDIT_ARCH_X86_64, .args = { 0, TIOCSTI } }, DENY },
	{ "mmap read/write", { .nr = __NR_mmap, .arch = AUDIT_ARCH_X86_64,
	  .args = { 0, 4096, PROT_READ | PROT_WRITE } }, ALLOW },
	{ "mmap executable", { .nr = __NR_mmap, .arch = AUDIT_ARCH_X86_64,
	  .args = { 0, 4096, PROT_READ | PROT_EXEC } }, DENY },
	{ "mprotect executable", { .nr = __NR_mprotect, .arch = AUDIT_ARCH_X86_64, .args = { 0, 4096, PROT_EXEC } },
	  DENY },
	{ "fcntl F_SETFL", { .nr = __NR_fcntl, .arch = AUDIT_ARCH_X86_64, .args = { 1, F_SETFL } }, ALLOW },
	{ "fcntl F_DUPFD", { .nr = __NR_fcntl, .arch = AUDIT_ARCH_X86_64, .args = { 1, F_DUPFD } }, DENY },
	{ "fcntl F_SETFD", { .nr = __NR_fcntl, .arch = AUDIT_ARCH_X86_64, .args = { 1, F_SETFD } }, DENY },
	{ "exit", { .nr = __NR_exit, .arch = AUDIT_ARCH_X86_64 }, ALLOW },
	{ "openat", { .nr = __NR_openat, .arch = AUDIT_ARCH_X86_64 }, DENY },
	{ "execve", { .nr = __NR_execve, .arch = AUDIT_ARCH_X86_64 }, DENY },
	{ "clone", { .nr = __NR_clone, .arch = AUDIT_ARCH_X86_64 }, DENY },
	{ "socket", { .nr = __NR_socket, .arch = AUDIT_ARCH_X86_64 }, DENY },
	{ "ptrace", { .nr = __NR_ptrace, .arch = AUDIT_ARCH_X86_64 }, DENY },
	{ "seccomp", { .nr = __NR_seccomp, .arch = AUDIT_ARCH_X86_64 }, DENY },
	{ "a number beyond the table", { .nr = 4000, .arch = AUDIT_ARCH_X86_64 }, DENY },
};

static void test_vcpu_cases(void **state)
{
	struct seccomp_prog *p = vcpu_prog();

	(void)state;
	for (size_t i = 0; i < sizeof(vcpu_cases) / sizeof(vcpu_cases[0]); i++) {
		uint32_t got = bpf_run(p, &vcpu_cases[i].d);

		if (got != vcpu_cases[i].want)
			fail_msg("%s: 0x%x, expected 0x%x", vcpu_cases[i].what, got, vcpu_cases[i].want);
	}
	free(p);
}

/* Over every number, with all arguments 0: exactly the rules' calls pass (those with a value list need it). */
static void test_vcpu_every_number(void **state)
{
	struct seccomp_prog *p = vcpu_prog();
	const struct seccomp_rule *rules;
	size_t n;

	(void)state;
	rules = seccomp_vcpu_rules(&n);
	for (uint32_t nr = 0; nr < 1024; nr++) {
		struct seccomp_data d = call(nr, 0, 0, 0);
		uint32_t want = DENY;

		for (size_t i = 0; i < n; i++) {
			if (rules[i].nr != nr)
				continue;
			if (rules[i].check != SECCOMP_ARG_IN)
				want = ALLOW;
			for (unsigned int v = 0; rules[i].check == SECCOMP_ARG_IN && v < rules[i].nr_values; v++)
				if (rules[i].values[v] == 0)
					want = ALLOW;
		}
		if (bpf_run(p, &d) != want)
			fail_msg("system call %u: 0x%x, expected 0x%x", nr, bpf_run(p, &d), want);
	}
	free(p);
}

/* Each value of a list is allowed, its neighbours are not; the argument checked is the rule's. */
static void test_value_lists(void **state)
{
	static const struct seccomp_rule rules[] = {
		{ "a", 10, SECCOMP_ARG_IN, 2, { 3, 5, 0xffffffffu }, 3 },
		{ "b", 11, SECCOMP_ANY, 0, { 0 }, 0 },
		{ "c", 12, SECCOMP_ARG_CLEAR, 5, { 0x6 }, 1 },
	};
	static const struct {
		uint32_t nr;
		uint64_t args[6];
		uint32_t want;
	} cases[] = {
		{ 10, { 0, 0, 3 }, ALLOW }, { 10, { 0, 0, 5 }, ALLOW }, { 10, { 0, 0, 0xffffffffu }, ALLOW },
		{ 10, { 0, 0, 4 }, SECCOMP_RET_ERRNO | EPERM }, { 10, { 3, 3, 0 }, SECCOMP_RET_ERRNO | EPERM },
		{ 11, { 1, 2, 3, 4, 5, 6 }, ALLOW },
		{ 12, { 0, 0, 0, 0, 0, 1 }, ALLOW }, { 12, { 0, 0, 0, 0, 0, 2 }, SECCOMP_RET_ERRNO | EPERM },
		{ 12, { 6, 6, 6, 6, 6, 8 }, ALLOW },
		{ 13, { 0 }, SECCOMP_RET_ERRNO | EPERM },
	};
	struct seccomp_prog *p = malloc(sizeof(*p));

	(void)state;
	assert_int_equal(seccomp_build(rules, 3, SECCOMP_RET_ERRNO | EPERM, p, NULL), 0);
	/* arch check (3) + x32 check (3) + 3 values (3 + 2 x 3) + any (2) + clear (5) + default (1) */
	assert_int_equal(p->len, 3 + 3 + 9 + 2 + 5 + 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seccomp_data d = { .nr = (int)cases[i].nr, .arch = AUDIT_ARCH_X86_64 };

		memcpy(d.args, cases[i].args, sizeof(d.args));
		if (bpf_run(p, &d) != cases[i].want)
			fail_msg("case %zu: 0x%x, expected 0x%x", i, bpf_run(p, &d), cases[i].want);
	}
	free(p);
}

static void test_bad_rules(void **state)
{
	static const struct {
		struct seccomp_rule rule;
		int want;
		const char *msg;
	} cases[] = {
		{ { "x32", X32_BIT | 1, SECCOMP_ANY, 0, { 0 }, 0 }, -EINVAL, "not an x86-64 system call" },
		{ { "arg", 1, SECCOMP_ARG_IN, 6, { 1 }, 1 }, -EINVAL, "argument 6 does not exist" },
		{ { "none", 1, SECCOMP_ARG_IN, 1, { 0 }, 0 }, -EINVAL, "1 to 32 allowed values" },
		{ { "many", 1, SECCOMP_ARG_IN, 1, { 0 }, SECCOMP_RULE_MAX_VALUES + 1 }, -EINVAL, "1 to 32" },
		{ { "masks", 1, SECCOMP_ARG_CLEAR, 1, { 1, 2 }, 2 }, -EINVAL, "one mask" },
	};
	struct seccomp_prog *p = malloc(sizeof(*p));

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmm_err err = { 0 };

		assert_int_equal(seccomp_build(&cases[i].rule, 1, DENY, p, &err), cases[i].want);
		assert_non_null(strstr(err.msg, cases[i].msg));
	}
	free(p);
}

static void test_too_big(void **state)
{
	size_t n = SECCOMP_PROG_MAX / 2;
	struct seccomp_rule *rules = calloc(n, sizeof(*rules));
	struct seccomp_prog *p = malloc(sizeof(*p));
	struct vmm_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < n; i++)
		rules[i] = (struct seccomp_rule){ "r", (uint32_t)i, SECCOMP_ANY, 0, { 0 }, 0 };
	assert_int_equal(seccomp_build(rules, n, DENY, p, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "more than 4096 instructions"));
	/* 7 instructions of prologue and default, 2 per rule. */
	assert_int_equal(seccomp_build(rules, (SECCOMP_PROG_MAX - 7) / 2, DENY, p, NULL), 0);
	free(rules);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcpu_cases),
		cmocka_unit_test(test_vcpu_every_number),
		cmocka_unit_test(test_value_lists),
		cmocka_unit_test(test_bad_rules),
		cmocka_unit_test(test_too_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
