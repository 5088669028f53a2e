/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 instruction classifier for the software PMU engine: the length of any
 * instruction (legacy/REX/VEX/EVEX/XOP prefixes, the one-byte, 0F, 0F38 and
 * 0F3A maps, ModRM/SIB/displacement/immediate), whether it is a branch in the
 * sense of "branch instructions retired", whether it is conditional, and
 * whether it exits to the VMM. Pure code: bytes in, a classification out.
 */
#ifndef VMM_PMU_SOFT_DECODE_H
#define VMM_PMU_SOFT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_MAX_INSN_LEN 15	/* SDM vol. 2 2.3.11: longer is #GP */

/*
 * Branch kinds. Every kind except X86_BR_NONE counts as a branch instruction
 * retired (SDM table 20-1, event C4H umask 00H: all branch instructions,
 * near and far, taken or not). The grouping also matches the categories of
 * MSR_LBR_SELECT (SDM 18.9.2).
 */
enum x86_branch_kind {
	X86_BR_NONE = 0,
	X86_BR_JCC,		/* 70-7F, 0F 80-8F */
	X86_BR_LOOP,		/* E0-E3: LOOPNE, LOOPE, LOOP, JCXZ/JECXZ/JRCXZ */
	X86_BR_JMP_REL,		/* E9, EB */
	X86_BR_JMP_IND,		/* FF /4 */
	X86_BR_JMP_FAR,		/* EA, FF /5 */
	X86_BR_CALL_REL,	/* E8 */
	X86_BR_CALL_IND,	/* FF /2 */
	X86_BR_CALL_FAR,	/* 9A, FF /3 */
	X86_BR_RET,		/* C3, C2 iw */
	X86_BR_RET_FAR,		/* CB, CA iw */
	X86_BR_INT,		/* CC INT3, CD INT n, CE INTO */
	X86_BR_IRET,		/* CF */
	X86_BR_SYSCALL,		/* 0F 05 */
	X86_BR_SYSRET,		/* 0F 07 */
	X86_BR_SYSENTER,	/* 0F 34 */
	X86_BR_SYSEXIT,		/* 0F 35 */
};

/* Instructions that leave the guest for the VMM (or KVM) when executed. */
enum x86_exit_kind {
	X86_EXIT_NONE = 0,
	X86_EXIT_IO,		/* IN/OUT: E4-E7, EC-EF */
	X86_EXIT_IO_STRING,	/* INS/OUTS: 6C-6F */
	X86_EXIT_RDMSR,		/* 0F 32 */
	X86_EXIT_WRMSR,		/* 0F 30 */
	X86_EXIT_CPUID,		/* 0F A2 */
	X86_EXIT_HLT,		/* F4 */
	X86_EXIT_RDPMC,		/* 0F 33 */
};

enum x86_map {
	X86_MAP_ONE_BYTE,
	X86_MAP_0F,
	X86_MAP_0F38,
	X86_MAP_0F3A,
	X86_MAP_3DNOW,		/* 0F 0F: opcode is the trailing imm8 */
	X86_MAP_VEX,		/* map number in vex_map */
	X86_MAP_EVEX,
	X86_MAP_XOP,
};

/*
 * The fences (NP 0F AE /5, /6, /7 with mod = 11, SDM vol. 2 LFENCE, MFENCE,
 * SFENCE): they change no register and no memory, only ordering.
 */
enum x86_fence {
	X86_FENCE_NONE = 0,
	X86_FENCE_LFENCE,
	X86_FENCE_MFENCE,
	X86_FENCE_SFENCE,
};

struct x86_insn_class {
	unsigned int len;		/* bytes, prefixes included */
	enum x86_branch_kind branch;
	bool is_branch;			/* branch != X86_BR_NONE */
	bool conditional;		/* Jcc, LOOPcc/JCXZ, INTO */
	bool direct;			/* near branch with a relative displacement */
	int64_t rel;			/* that displacement, sign-extended */
	unsigned int opsize;		/* effective operand size in bytes (2, 4, 8) */
	unsigned int addrsize;		/* effective address size in bytes (2, 4, 8) */
	enum x86_exit_kind exit;
	bool rep_string;		/* string instruction with F2/F3: single-step
					   traps after each iteration */
	enum x86_map map;
	unsigned int vex_map;		/* VEX/EVEX/XOP map field */
	uint8_t opcode;			/* last opcode byte */
	enum x86_fence fence;
};

/*
 * Classify the instruction at bytes[0..n). mode is 16, 32 or 64 (the code
 * segment's default size; 64 = long mode). Returns 0 and fills *out,
 * -ENODATA when n is too short for the whole instruction (fetch more bytes
 * and retry), or -EINVAL when the bytes are not a valid instruction in that
 * mode (undefined opcode, longer than 15 bytes, or a bad mode argument).
 */
int x86_classify(const uint8_t *bytes, size_t n, int mode, struct x86_insn_class *out);

/* SDM vol. 2 2.1.1: the legacy prefixes (segment overrides, 66H, 67H, LOCK, REPNE, REP). */
bool x86_is_legacy_prefix(uint8_t c);

/*
 * Target of a direct near branch at rip (out->direct must be true): the
 * fall-through address plus the displacement, wrapped to the operand size
 * (SDM vol. 2, JMP/Jcc: EIP is truncated to 16 bits with a 16-bit operand
 * size, 32 bits outside 64-bit mode).
 */
uint64_t x86_branch_target(const struct x86_insn_class *c, uint64_t rip);

#endif
