/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seccomp filter of the vCPU threads (docs/security.md): a classic BPF
 * program built from a table of allowed system calls, each optionally with
 * one argument check. Building is pure code; seccomp_install() is the only
 * part that talks to the kernel, and it filters the calling thread only.
 */
#ifndef VMM_VMM_SECCOMP_H
#define VMM_VMM_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "common/err.h"

#define SECCOMP_PROG_MAX	BPF_MAXINSNS
#define SECCOMP_RULE_MAX_VALUES	32

enum seccomp_check {
	SECCOMP_ANY,		/* every call is allowed */
	SECCOMP_ARG_IN,		/* the argument's low 32 bits are one of values[] */
	SECCOMP_ARG_CLEAR,	/* the argument's low 32 bits have no bit of values[0] set */
};

struct seccomp_rule {
	const char *name;	/* for messages and the documentation */
	uint32_t nr;		/* x86-64 system call number */
	enum seccomp_check check;
	unsigned int arg;	/* argument index 0-5, for the checks */
	uint32_t values[SECCOMP_RULE_MAX_VALUES];
	unsigned int nr_values;
};

struct seccomp_prog {
	struct sock_filter insn[SECCOMP_PROG_MAX];
	unsigned short len;
};

/*
 * Build the filter: a call from another architecture than x86-64 or an x32
 * call is refused, then each rule allows its system call, and everything
 * else gets deny_action (a SECCOMP_RET_* value). -EINVAL for a malformed
 * rule, -E2BIG when the program does not fit.
 */
int seccomp_build(const struct seccomp_rule *rules, size_t n, uint32_t deny_action,
		  struct seccomp_prog *prog, struct vmm_err *err);

/* The rules of a vCPU thread's run loop (docs/security.md says why each is there). */
const struct seccomp_rule *seccomp_vcpu_rules(size_t *n);

/* The action for a system call outside the vCPU allow-list. */
#define SECCOMP_VCPU_DENY	SECCOMP_RET_KILL_PROCESS

/*
 * PR_SET_NO_NEW_PRIVS, then the filter, on the calling thread only (no
 * SECCOMP_FILTER_FLAG_TSYNC): other threads keep what they had.
 */
int seccomp_install(const struct seccomp_prog *prog, struct vmm_err *err);

#endif
