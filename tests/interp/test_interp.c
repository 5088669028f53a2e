// SPDX-License-Identifier: GPL-2.0-only
/*
 * Table-driven tests of interp_step(): each row is the instruction bytes, the
 * registers, flags and one memory quadword before, and the status, registers,
 * flags, memory and fault after. The machine is 64-bit mode at CPL 0 (or 3)
 * with 4-level paging identity-mapping [0, 2 MiB) by one 2 MiB page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "interp/interp.h"
#include "flat64.h"

#define RAM (4u << 20)
#define CODE 0x10000
#define DATA 0x20000
#define STACK 0x30800

static uint8_t ram[RAM];

/* A register and its value; reg is INTERP_xxx + 1 so that a zeroed entry ends the list. */
struct rv {
	int reg;
	uint64_t val;
};
#define R(r, v) { INTERP_##r + 1, (v) }

struct row {
	const char *name;
	const char *bytes;
	unsigned int len;
	struct rv in[5];
	uint64_t fl_in;
	uint64_t mem_in;		/* at DATA */
	enum interp_status status;
	struct rv out[5];
	uint64_t fl_out;		/* the whole RFLAGS after */
	uint64_t mem_out;		/* at DATA after */
	uint64_t rip_out;		/* 0: the next instruction */
	uint8_t vector;
	uint32_t error;
	unsigned int cpl;
	unsigned int mode;		/* 0: 64-bit; M32, M16: compatibility mode; REAL; PM32, PAE32, PAE32NX */
};

#define M32 32
#define M16 16
#define REAL 1
#define PM32 2
#define PAE32 3
#define PAE32NX 4

#define B(s) s, sizeof(s) - 1

static void machine(struct interp_cpu *c, unsigned int cpl)
{
	memset(ram, 0, 0x4000);
	memcpy(ram + 0x1000, &(uint64_t){ 0x2000 | 7 }, 8);
	memcpy(ram + 0x2000, &(uint64_t){ 0x3000 | 7 }, 8);
	memcpy(ram + 0x3000, &(uint64_t){ 0x87 }, 8);
	flat64_cpu(c, 0x1000, CODE, STACK);
	for (unsigned int s = 0; s < 6; s++)
		c->seg[s].dpl = (uint8_t)cpl;
}

static const struct row rows[] = {
	/* ALU */
	{ "add rax, rbx", B("\x48\x01\xd8"), { R(RAX, 1), R(RBX, 2) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 3) }, 0x6, 0, 0, 0, 0, 0 },
	{ "add eax, ebx zero-extends, CF ZF PF AF", B("\x01\xd8"), { R(RAX, 0xffffffffffffffffULL), R(RBX, 1) },
	  0x2, 0, INTERP_RETIRED, { R(RAX, 0) }, 0x57, 0, 0, 0, 0, 0 },
	{ "add al, 0x7f overflows", B("\x04\x7f"), { R(RAX, 0x1) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0x80) }, 0x892, 0, 0, 0, 0, 0 },
	{ "adc uses CF", B("\x48\x11\xd8"), { R(RAX, 1), R(RBX, 1) }, 0x3, 0, INTERP_RETIRED,
	  { R(RAX, 3) }, 0x6, 0, 0, 0, 0, 0 },
	{ "sub borrow sets CF SF", B("\x48\x29\xd8"), { R(RAX, 1), R(RBX, 2) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, ~0ULL) }, 0x97, 0, 0, 0, 0, 0 },
	{ "sbb with CF", B("\x48\x19\xd8"), { R(RAX, 5), R(RBX, 2) }, 0x3, 0, INTERP_RETIRED,
	  { R(RAX, 2) }, 0x2, 0, 0, 0, 0, 0 },
	{ "cmp leaves the operand", B("\x48\x39\xd8"), { R(RAX, 7), R(RBX, 7) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 7) }, 0x46, 0, 0, 0, 0, 0 },
	{ "xor clears CF OF", B("\x31\xc0"), { R(RAX, 0x1234) }, 0x8d7, 0, INTERP_RETIRED,
	  { R(RAX, 0) }, 0x46, 0, 0, 0, 0, 0 },
	{ "and byte [rbx], imm8", B("\x80\x23\x0f"), { R(RBX, DATA) }, 0x2, 0x12345678f3ULL, INTERP_RETIRED,
	  { R(RBX, DATA) }, 0x6, 0x1234567803ULL, 0, 0, 0, 0 },
	{ "or qword [rbx], imm8 sign-extended", B("\x48\x83\x0b\x80"), { R(RBX, DATA) }, 0x2, 1,
	  INTERP_RETIRED, { R(RBX, DATA) }, 0x86, 0xffffffffffffff81ULL, 0, 0, 0, 0 },
	{ "lock add [rbx], eax", B("\xf0\x01\x03"), { R(RBX, DATA), R(RAX, 5) }, 0x2, 0xfffffffe, INTERP_RETIRED,
	  { R(RAX, 5) }, 0x17, 0x3, 0, 0, 0, 0 },
	{ "lock on a register operand is #UD: falls back", B("\xf0\x01\xc3"), { R(RBX, 1) }, 0x2, 0,
	  INTERP_FALLBACK, { R(RBX, 1) }, 0x2, 0, CODE, 0, 0, 0 },
	/* INC/DEC/NEG/NOT */
	{ "inc keeps CF", B("\x48\xff\xc0"), { R(RAX, 0x7fffffffffffffffULL) }, 0x3, 0, INTERP_RETIRED,
	  { R(RAX, 0x8000000000000000ULL) }, 0x897, 0, 0, 0, 0, 0 },
	{ "dec to zero", B("\xff\xc9"), { R(RCX, 1) }, 0x2, 0, INTERP_RETIRED, { R(RCX, 0) }, 0x46, 0, 0, 0, 0, 0 },
	{ "neg 0 clears CF", B("\x48\xf7\xd8"), { R(RAX, 0) }, 0x3, 0, INTERP_RETIRED, { R(RAX, 0) }, 0x46, 0,
	  0, 0, 0, 0 },
	{ "neg 1", B("\x48\xf7\xd8"), { R(RAX, 1) }, 0x2, 0, INTERP_RETIRED, { R(RAX, ~0ULL) }, 0x97, 0, 0, 0,
	  0, 0 },
	{ "not changes no flag", B("\xf7\xd0"), { R(RAX, 0xff00ff00ff00ff00ULL) }, 0x8d7, 0, INTERP_RETIRED,
	  { R(RAX, 0x00ff00ff) }, 0x8d7, 0, 0, 0, 0, 0 },
	/* shifts */
	{ "shl by 1 into CF and OF", B("\xd0\xe0"), { R(RAX, 0x80) }, 0x2, 0, INTERP_RETIRED, { R(RAX, 0) },
	  0x857, 0, 0, 0, 0, 0 },
	{ "shl count 0 keeps flags", B("\x48\xd3\xe0"), { R(RAX, 5), R(RCX, 0x40) }, 0x8d7, 0, INTERP_RETIRED,
	  { R(RAX, 5) }, 0x8d7, 0, 0, 0, 0, 0 },
	{ "shr 4", B("\x48\xc1\xe8\x04"), { R(RAX, 0x18) }, 0x2, 0, INTERP_RETIRED, { R(RAX, 1) }, 0x13, 0, 0,
	  0, 0, 0 },
	{ "sar keeps the sign", B("\x48\xc1\xf8\x3f"), { R(RAX, 0x8000000000000000ULL) }, 0x2, 0,
	  INTERP_RETIRED, { R(RAX, ~0ULL) }, 0x96, 0, 0, 0, 0, 0 },
	{ "rol 8-bit by 9", B("\xc0\xc0\x09"), { R(RAX, 0x81) }, 0x2, 0, INTERP_RETIRED, { R(RAX, 0x03) }, 0x803,
	  0, 0, 0, 0, 0 },
	{ "rcr through CF", B("\xd0\xd8"), { R(RAX, 0x01) }, 0x3, 0, INTERP_RETIRED, { R(RAX, 0x80) }, 0x803, 0,
	  0, 0, 0, 0 },
	{ "shld 4", B("\x48\x0f\xa4\xd8\x04"), { R(RAX, 0x1), R(RBX, 0xf000000000000000ULL) }, 0x2, 0,
	  INTERP_RETIRED, { R(RAX, 0x1f) }, 0x12, 0, 0, 0, 0, 0 },
	{ "shrd cl", B("\x0f\xad\xd8"), { R(RAX, 0x10), R(RBX, 0x3), R(RCX, 4) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0x30000001) }, 0x12, 0, 0, 0, 0, 0 },
	/* multiply, divide */
	{ "mul rbx", B("\x48\xf7\xe3"), { R(RAX, 1ULL << 63), R(RBX, 4) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0), R(RDX, 2) }, 0x803, 0, 0, 0, 0, 0 },
	{ "imul r, r/m, imm8", B("\x6b\xc3\xfe"), { R(RBX, 3) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0xfffffffa) }, 0x2, 0, 0, 0, 0, 0 },
	{ "div by zero is #DE", B("\x48\xf7\xf3"), { R(RAX, 1), R(RBX, 0) }, 0x2, 0, INTERP_FAULT,
	  { R(RAX, 1) }, 0x2, 0, CODE, 0, 0, 0 },
	{ "div overflow is #DE", B("\xf6\xf3"), { R(RAX, 0x1000), R(RBX, 2) }, 0x2, 0, INTERP_FAULT,
	  { R(RAX, 0x1000) }, 0x2, 0, CODE, 0, 0, 0 },
	{ "idiv -7 / 2", B("\x48\xf7\xfb"), { R(RAX, (uint64_t)-7), R(RDX, ~0ULL), R(RBX, 2) }, 0x2, 0,
	  INTERP_RETIRED, { R(RAX, (uint64_t)-3), R(RDX, (uint64_t)-1) }, 0x12, 0, 0, 0, 0, 0 },
	/* moves */
	{ "mov [rbx+8], eax", B("\x89\x43\xf8"), { R(RBX, DATA + 8), R(RAX, 0x11223344) }, 0x2, ~0ULL,
	  INTERP_RETIRED, { R(RAX, 0x11223344) }, 0x2, 0xffffffff11223344ULL, 0, 0, 0, 0 },
	{ "mov rip-relative load", B("\x48\x8b\x05\xf9\xff\x00\x00"), { R(RAX, 0) }, 0x2, 0x55aa, INTERP_RETIRED,
	  { R(RAX, 0x55aa) }, 0x2, 0x55aa, 0, 0, 0, 0 },
	{ "movsx rax, byte", B("\x48\x0f\xbe\xc3"), { R(RBX, 0x80) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0xffffffffffffff80ULL) }, 0x2, 0, 0, 0, 0, 0 },
	{ "movzx eax, word", B("\x0f\xb7\xc3"), { R(RAX, ~0ULL), R(RBX, 0x18001) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0x8001) }, 0x2, 0, 0, 0, 0, 0 },
	{ "movsxd", B("\x48\x63\xc3"), { R(RBX, 0x80000000) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0xffffffff80000000ULL) }, 0x2, 0, 0, 0, 0, 0 },
	{ "mov ah, bl without REX", B("\x88\xdc"), { R(RAX, 0x1111), R(RBX, 0x22) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0x2211) }, 0x2, 0, 0, 0, 0, 0 },
	{ "mov spl with REX", B("\x40\x88\xdc"), { R(RBX, 0x22) }, 0x2, 0, INTERP_RETIRED,
	  { R(RSP, (STACK & ~0xffULL) | 0x22) }, 0x2, 0, 0, 0, 0, 0 },
	{ "lea with SIB", B("\x48\x8d\x44\x8b\x10"), { R(RBX, 0x1000), R(RCX, 3) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0x101c) }, 0x2, 0, 0, 0, 0, 0 },
	{ "cmovz not taken still zero-extends", B("\x0f\x44\xc3"), { R(RAX, ~0ULL), R(RBX, 1) }, 0x2, 0,
	  INTERP_RETIRED, { R(RAX, 0xffffffff) }, 0x2, 0, 0, 0, 0, 0 },
	{ "setnz", B("\x0f\x95\xc0"), { R(RAX, 0xff00) }, 0x2, 0, INTERP_RETIRED, { R(RAX, 0xff01) }, 0x2, 0, 0,
	  0, 0, 0 },
	{ "xchg [rbx], rax", B("\x48\x87\x03"), { R(RBX, DATA), R(RAX, 9) }, 0x2, 4, INTERP_RETIRED,
	  { R(RAX, 4) }, 0x2, 9, 0, 0, 0, 0 },
	{ "cmpxchg equal", B("\x48\x0f\xb1\x0b"), { R(RBX, DATA), R(RAX, 4), R(RCX, 7) }, 0x2, 4,
	  INTERP_RETIRED, { R(RAX, 4) }, 0x46, 7, 0, 0, 0, 0 },
	{ "cmpxchg not equal loads rax", B("\x48\x0f\xb1\x0b"), { R(RBX, DATA), R(RAX, 5), R(RCX, 7) }, 0x2, 4,
	  INTERP_RETIRED, { R(RAX, 4) }, 0x2, 4, 0, 0, 0, 0 },
	{ "lock xadd", B("\xf0\x48\x0f\xc1\x03"), { R(RBX, DATA), R(RAX, 2) }, 0x2, 40, INTERP_RETIRED,
	  { R(RAX, 40) }, 0x2, 42, 0, 0, 0, 0 },
	{ "bts [rbx], reg offset 65", B("\x48\x0f\xab\x03"), { R(RBX, DATA - 8), R(RAX, 65) }, 0x2, 0,
	  INTERP_RETIRED, { R(RAX, 65) }, 0x2, 2, 0, 0, 0, 0 },
	{ "bt imm sets CF", B("\x0f\xba\xe0\x1f"), { R(RAX, 0x80000000) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0x80000000) }, 0x3, 0, 0, 0, 0, 0 },
	{ "bsf", B("\x48\x0f\xbc\xc3"), { R(RBX, 0x80) }, 0x2, 0, INTERP_RETIRED, { R(RAX, 7) }, 0x2, 0, 0, 0, 0, 0 },
	{ "bsr of 0 sets ZF, keeps dest", B("\x0f\xbd\xc3"), { R(RAX, 0x1234), R(RBX, 0) }, 0x2, 0,
	  INTERP_RETIRED, { R(RAX, 0x1234) }, 0x42, 0, 0, 0, 0, 0 },
	{ "cqo", B("\x48\x99"), { R(RAX, 1ULL << 63), R(RDX, 5) }, 0x2, 0, INTERP_RETIRED, { R(RDX, ~0ULL) }, 0x2,
	  0, 0, 0, 0, 0 },
	{ "cwde", B("\x98"), { R(RAX, 0xffff8000) }, 0x2, 0, INTERP_RETIRED, { R(RAX, 0xffff8000) }, 0x2, 0, 0, 0,
	  0, 0 },
	{ "bswap", B("\x0f\xc8"), { R(RAX, 0x11223344) }, 0x2, 0, INTERP_RETIRED, { R(RAX, 0x44332211) }, 0x2, 0,
	  0, 0, 0, 0 },
	/* stack */
	{ "push rbx", B("\x53"), { R(RBX, 0xabc) }, 0x2, 0, INTERP_RETIRED, { R(RSP, STACK - 8) }, 0x2, 0, 0, 0,
	  0, 0 },
	{ "push imm8 sign-extends", B("\x6a\xff"), { R(RAX, 0) }, 0x2, 0, INTERP_RETIRED, { R(RSP, STACK - 8) },
	  0x2, 0, 0, 0, 0, 0 },
	{ "pushf pop rax", B("\x9c"), { R(RAX, 0) }, 0x10046, 0, INTERP_RETIRED, { R(RSP, STACK - 8) }, 0x46,
	  0, 0, 0, 0, 0 },
	{ "popf at CPL 3 keeps IOPL and IF", B("\x9d"), { R(RSP, 0x31000) }, 0x202, 0, INTERP_RETIRED,
	  { R(RSP, 0x31008) }, 0x202, 0, 0, 0, 0, 3 },
	{ "cli at CPL 3, IOPL 0 is #GP(0)", B("\xfa"), { R(RAX, 0) }, 0x202, 0, INTERP_FAULT, { R(RAX, 0) },
	  0x202, 0, CODE, 13, 0, 3 },
	{ "cli at CPL 3 with IOPL 3", B("\xfa"), { R(RAX, 0) }, 0x3202, 0, INTERP_RETIRED, { R(RAX, 0) }, 0x3002,
	  0, 0, 0, 0, 3 },
	{ "popf at CPL 3 with IOPL 3 changes IF, not IOPL", B("\x9d"), { R(RSP, 0x31000) }, 0x3202, 0,
	  INTERP_RETIRED, { R(RSP, 0x31008) }, 0x3002, 0, 0, 0, 0, 3 },
	{ "popf at CPL 0 sets every writable flag, clears RF", B("\x9d"), { R(RSP, 0x31000) }, 0x10002, 0,
	  INTERP_RETIRED, { R(RSP, 0x31008) }, 0x247fd7, 0, 0, 0, 0, 0 },
	{ "sti sets IF", B("\xfb"), { R(RAX, 0) }, 0x2, 0, INTERP_RETIRED, { R(RAX, 0) }, 0x202, 0, 0, 0, 0, 0 },
	/* branches */
	{ "jz taken", B("\x74\x10"), { R(RAX, 0) }, 0x42, 0, INTERP_RETIRED, { R(RAX, 0) }, 0x42, 0,
	  CODE + 0x12, 0, 0, 0 },
	{ "jz not taken", B("\x74\x10"), { R(RAX, 0) }, 0x2, 0, INTERP_RETIRED, { R(RAX, 0) }, 0x2, 0, 0, 0, 0, 0 },
	{ "call rel32 pushes", B("\xe8\x00\x01\x00\x00"), { R(RAX, 0) }, 0x2, 0, INTERP_RETIRED,
	  { R(RSP, STACK - 8) }, 0x2, 0, CODE + 0x105, 0, 0, 0 },
	{ "jmp to a non-canonical target is #GP(0)", B("\xff\xe0"), { R(RAX, 0x0000800000000000ULL) }, 0x2, 0,
	  INTERP_FAULT, { R(RAX, 0x0000800000000000ULL) }, 0x2, 0, CODE, 13, 0, 0 },
	{ "loop decrements rcx", B("\xe2\xfe"), { R(RCX, 2) }, 0x2, 0, INTERP_RETIRED, { R(RCX, 1) }, 0x2, 0, CODE,
	  0, 0, 0 },
	{ "jrcxz not taken", B("\xe3\x10"), { R(RCX, 1) }, 0x2, 0, INTERP_RETIRED, { R(RCX, 1) }, 0x2, 0, 0, 0, 0, 0 },
	{ "enter 16, 0", B("\xc8\x10\x00\x00"), { R(RBP, 0x1234) }, 0x2, 0, INTERP_RETIRED,
	  { R(RBP, STACK - 8), R(RSP, STACK - 24) }, 0x2, 0, 0, 0, 0, 0 },
	{ "enter 16, 3 copies two frame pointers", B("\xc8\x10\x00\x03"), { R(RBP, STACK + 0x40) }, 0x2, 0,
	  INTERP_RETIRED, { R(RBP, STACK - 8), R(RSP, STACK - 48) }, 0x2, 0, 0, 0, 0, 0 },
	{ "pop [rbx]", B("\x8f\x03"), { R(RBX, DATA) }, 0x2, 5, INTERP_RETIRED, { R(RSP, STACK + 8) }, 0x2,
	  0, 0, 0, 0, 0 },
	/* strings */
	{ "rep stosb", B("\xf3\xaa"), { R(RDI, DATA), R(RCX, 3), R(RAX, 0x41) }, 0x2, 0, INTERP_RETIRED,
	  { R(RDI, DATA + 3), R(RCX, 0) }, 0x2, 0x414141, 0, 0, 0, 0 },
	{ "std; lodsd goes down", B("\xad"), { R(RSI, DATA), R(RAX, ~0ULL) }, 0x402, 0x12345678, INTERP_RETIRED,
	  { R(RSI, DATA - 4), R(RAX, 0x12345678) }, 0x402, 0x12345678, 0, 0, 0, 0 },
	{ "repe cmpsb stops on a difference", B("\xf3\xa6"), { R(RSI, DATA), R(RDI, DATA + 4), R(RCX, 8) }, 0x2,
	  0x0000000100000000ULL, INTERP_RETIRED, { R(RSI, DATA + 1), R(RCX, 7) }, 0x97, 0x0000000100000000ULL,
	  0, 0, 0, 0 },
	{ "lock rep stosb is #UD: falls back before any iteration", B("\xf0\xf3\xaa"),
	  { R(RDI, DATA), R(RCX, 3), R(RAX, 0x41) }, 0x2, 0, INTERP_FALLBACK, { R(RCX, 3) }, 0x2, 0, CODE, 0, 0, 0 },
	/* other modes */
	{ "32-bit code: add zero-extends", B("\x01\xd8"), { R(RAX, 0xffffffff00000001ULL), R(RBX, 1) }, 0x2, 0,
	  INTERP_RETIRED, { R(RAX, 2) }, 0x2, 0, 0, 0, 0, 0, M32 },
	{ "32-bit code: 40 is INC", B("\x40"), { R(RAX, 0x7fffffff) }, 0x2, 0, INTERP_RETIRED,
	  { R(RAX, 0x80000000) }, 0x896, 0, 0, 0, 0, 0, M32 },
	{ "32-bit code: push ebx", B("\x53"), { R(RBX, 0x11) }, 0x2, 0, INTERP_RETIRED, { R(RSP, STACK - 4) },
	  0x2, 0, 0, 0, 0, 0, M32 },
	{ "32-bit code: disp32 is absolute", B("\x8b\x05\x00\x00\x02\x00"), { R(RAX, 0) }, 0x2, 0x77,
	  INTERP_RETIRED, { R(RAX, 0x77) }, 0x2, 0x77, 0, 0, 0, 0, M32 },
	{ "16-bit code: mov ax, [bx+si+2]", B("\x8b\x40\x02"), { R(RAX, ~0ULL), R(RBX, 0x0ffe), R(RSI, 0) }, 0x2,
	  0x1234, INTERP_RETIRED, { R(RAX, 0xffffffffffff1234ULL) }, 0x2, 0x1234, 0, 0, 0, 0, M16 },
	{ "16-bit code: [bp+di] is SS-relative", B("\x8b\x03"), { R(RAX, 0), R(RBP, 0x0800), R(RDI, 0x0800) }, 0x2,
	  0x1234, INTERP_RETIRED, { R(RAX, 0x2007) }, 0x2, 0x1234, 0, 0, 0, 0, M16 },
	{ "16-bit code: 66 b8 is a 32-bit immediate", B("\x66\xb8\x78\x56\x34\x12"), { R(RAX, ~0ULL) }, 0x2, 0,
	  INTERP_RETIRED, { R(RAX, 0x12345678) }, 0x2, 0, 0, 0, 0, 0, M16 },
	{ "16-bit code: call rel16 pushes IP", B("\xe8\x00\x01"), { R(RAX, 0) }, 0x2, 0, INTERP_RETIRED,
	  { R(RSP, STACK - 2) }, 0x2, 0, 0x103, 0, 0, 0, M16 },
	{ "real mode: mov ax, [bx] through DS.base", B("\x8b\x07"), { R(RBX, 0x1000) }, 0x2, 0x4321,
	  INTERP_RETIRED, { R(RAX, 0x4321) }, 0x2, 0x4321, 0, 0, 0, 0, REAL },
	{ "real mode: a word at offset 0xffff is #GP without error code", B("\x8b\x07"), { R(RBX, 0xffff) }, 0x2, 0,
	  INTERP_FAULT, { R(RBX, 0xffff) }, 0x2, 0, 0, 13, 0, 0, REAL },
	{ "32-bit paging: 4 MiB page", B("\x8b\x03"), { R(RBX, DATA) }, 0x2, 0x99, INTERP_RETIRED, { R(RAX, 0x99) },
	  0x2, 0x99, 0, 0, 0, 0, PM32 },
	{ "PAE: write to a read-only page with WP is #PF(P|W)", B("\x89\x03"), { R(RBX, DATA) }, 0x2, 0,
	  INTERP_FAULT, { R(RBX, DATA) }, 0x2, 0, CODE, 14, 3, 0, PAE32 },
	{ "PAE: fetch from an NX page is #PF(P|I)", B("\x90"), { R(RAX, 0) }, 0x2, 0, INTERP_FAULT, { R(RAX, 0) },
	  0x2, 0, CODE, 14, 0x11, 0, PAE32NX },
	{ "PAE: read from a read-only page", B("\x8b\x03"), { R(RBX, DATA) }, 0x2, 0x5a, INTERP_RETIRED,
	  { R(RAX, 0x5a) }, 0x2, 0x5a, 0, 0, 0, 0, PAE32 },
	/* faults and fall back */
	{ "load from an unmapped page is #PF", B("\x8b\x03"), { R(RBX, 0x400000) }, 0x2, 0, INTERP_FAULT,
	  { R(RBX, 0x400000) }, 0x2, 0, CODE, 14, 0, 0 },
	{ "user write to a supervisor stack is #PF", B("\x53"), { R(RBX, 0) }, 0x2, 0, INTERP_FAULT, { R(RBX, 0) },
	  0x2, 0, CODE, 14, 7, 3 },
	{ "non-canonical load is #GP(0)", B("\x8b\x03"), { R(RBX, 0x0000800000000000ULL) }, 0x2, 0, INTERP_FAULT,
	  { R(RAX, 0) }, 0x2, 0, CODE, 13, 0, 0 },
	{ "out falls back", B("\xe6\xf4"), { R(RAX, 0) }, 0x2, 0, INTERP_FALLBACK, { R(RAX, 0) }, 0x2, 0, CODE,
	  0, 0, 0 },
	{ "cpuid falls back", B("\x0f\xa2"), { R(RAX, 0) }, 0x2, 0, INTERP_FALLBACK, { R(RAX, 0) }, 0x2, 0, CODE,
	  0, 0, 0 },
	{ "x87 falls back", B("\xd9\xe8"), { R(RAX, 0) }, 0x2, 0, INTERP_FALLBACK, { R(RAX, 0) }, 0x2, 0, CODE,
	  0, 0, 0 },
	{ "load beyond RAM falls back (MMIO)", B("\x8b\x03"), { R(RBX, 0x1ffff0) }, 0x2, 0, INTERP_FALLBACK,
	  { R(RBX, 0x1ffff0) }, 0x2, 0, CODE, 0, 0, 0 },
};

/* 16-bit code runs with CS.base = CODE and IP 0, so that IP fits 16 bits. */
static uint64_t c_rip0(unsigned int mode)
{
	return mode == M16 || mode == REAL ? 0 : CODE;
}

/*
 * Other modes than 64-bit: compatibility mode with a 32/16-bit CS; real
 * mode; 32-bit protected mode with 32-bit paging (one 4 MiB page, PSE) or
 * with PAE (PDPT at 0x5000, PD at 0x6000, 4 KiB pages at 0x7000: DATA
 * read-only, CODE NX in PAE32NX).
 */
static void set_mode(struct interp_cpu *c, unsigned int mode)
{
	if (!mode)
		return;
	c->seg[INTERP_CS].l = false;
	c->seg[INTERP_CS].db = mode != M16 && mode != REAL;
	if (mode == M16 || mode == REAL) {
		c->seg[INTERP_CS].base = CODE;
		c->seg[INTERP_DS].base = DATA - 0x1000;
		c->rip = 0;
	}
	if (mode == REAL) {
		c->cr0 = 0x10;
		c->cr4 = 0;
		c->efer = 0;
		for (unsigned int i = 0; i < 6; i++)
			c->seg[i].limit = 0xffff, c->seg[i].db = false;
		c->seg[INTERP_SS].base = 0x20000;
		c->gpr[INTERP_RSP] = 0x800;
	} else if (mode == PM32) {
		memcpy(ram + 0x5000, &(uint32_t){ 0x83 }, 4);	/* PDE[0]: 4 MiB page at 0, RW, supervisor */
		c->cr0 = 0x80010033;
		c->cr3 = 0x5000;
		c->cr4 = 0x10;
		c->efer = 0;
	} else if (mode == PAE32 || mode == PAE32NX) {
		memcpy(ram + 0x5000, &(uint64_t){ 0x6001 }, 8);
		memcpy(ram + 0x6000, &(uint64_t){ 0x7003 }, 8);
		for (uint64_t p = 0; p < 512; p++) {
			uint64_t e = (p << 12) | 3;

			if ((p << 12) == DATA)
				e = DATA | 1;				/* read-only */
			if ((p << 12) == CODE && mode == PAE32NX)
				e |= 1ULL << 63;			/* NX */
			memcpy(ram + 0x7000 + p * 8, &e, 8);
		}
		c->cr0 = 0x80010033;
		c->cr3 = 0x5000;
		c->cr4 = 0x20;
		c->efer = 0x800;
	}
}

static int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	print_error("\n");
	return 1;
}

static int run_row(const struct row *r)
{
	struct interp_mem m = { ram, RAM, 0 };
	struct interp_cpu c, before;
	struct interp_result res;
	uint64_t mem;

	machine(&c, r->cpl);
	if (r->cpl == 3) {
		/* 4 KiB pages, all user but the stack page 0x30000 (and the one below). */
		memcpy(ram + 0x3000, &(uint64_t){ 0x4000 | 7 }, 8);
		for (uint64_t p = 0; p < 512; p++) {
			uint64_t e = (p << 12) | ((p << 12) == (STACK & ~0xfffULL) - 0x1000 ||
						  (p << 12) == (STACK & ~0xfffULL) ? 3 : 7);

			memcpy(ram + 0x4000 + p * 8, &e, 8);
		}
	}
	set_mode(&c, r->mode);
	if (!strcmp(r->name, "popf at CPL 0 sets every writable flag, clears RF"))
		memcpy(ram + 0x31000, &(uint64_t){ 0xffffffffffffffffULL }, 8);
	else
		memset(ram + 0x31000, 0, 8);
	if (!strcmp(r->name, "load beyond RAM falls back (MMIO)"))
		m.ram_size = 0x1ffff2;
	memcpy(ram + CODE, r->bytes, r->len);
	memcpy(ram + DATA, &r->mem_in, 8);
	for (unsigned int i = 0; i < 5 && r->in[i].reg; i++)
		c.gpr[r->in[i].reg - 1] = r->in[i].val;
	c.rflags = r->fl_in;
	before = c;
	if (interp_step(&c, &m, &res) != r->status)
		return bad("%s: status %d, want %d (fall back: %s)", r->name, res.status, r->status,
			 interp_fallback_name(res.reason));
	if (r->status == INTERP_FAULT && (res.vector != r->vector || res.error != r->error))
		return bad("%s: vector %u error %#x, want %u %#x", r->name, res.vector, res.error, r->vector,
			 r->error);
	if (r->status == INTERP_FAULT || r->status == INTERP_FALLBACK) {
		if (memcmp(&c, &before, sizeof(c)))
			return bad("%s: the state changed", r->name);
		return 0;
	}
	for (unsigned int i = 0; i < 5 && r->out[i].reg; i++)
		if (c.gpr[r->out[i].reg - 1] != r->out[i].val)
			return bad("%s: register %d = %#llx, want %#llx", r->name, r->out[i].reg - 1,
				 (unsigned long long)c.gpr[r->out[i].reg - 1], (unsigned long long)r->out[i].val);
	if (c.rflags != r->fl_out)
		return bad("%s: rflags %#llx, want %#llx", r->name, (unsigned long long)c.rflags,
			 (unsigned long long)r->fl_out);
	memcpy(&mem, ram + DATA, 8);
	if (mem != r->mem_out)
		return bad("%s: memory %#llx, want %#llx", r->name, (unsigned long long)mem,
			 (unsigned long long)r->mem_out);
	if (c.rip != (r->rip_out ? r->rip_out : c_rip0(r->mode) + r->len))
		return bad("%s: rip %#llx", r->name, (unsigned long long)c.rip);
	return 0;
}

static void test_rows(void **state)
{
	unsigned int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		failed += run_row(&rows[i]);
	if (failed)
		fail_msg("%u of %zu rows failed", failed, sizeof(rows) / sizeof(rows[0]));
}

static enum interp_status step(struct interp_cpu *c, const char *bytes, unsigned int len, uint64_t at,
				struct interp_result *res)
{
	struct interp_mem m = { ram, RAM, 0 };

	memcpy(ram + at, bytes, len);
	c->rip = at;
	return interp_step(c, &m, res);
}

/* What the PMU model is told: the classifier's view, taken, and the STI shadow. */
static void test_retire_facts(void **state)
{
	struct interp_cpu c;
	struct interp_result res;

	(void)state;
	machine(&c, 0);
	c.rflags = 0x42;					/* ZF */
	assert_int_equal(step(&c, "\x74\x10", 2, CODE, &res), INTERP_RETIRED);
	assert_int_equal(res.cls.branch, X86_BR_JCC);
	assert_true(res.cls.is_branch && res.cls.conditional && res.taken);
	assert_int_equal(res.cls.len, 2);
	c.rflags = 0x2;
	assert_int_equal(step(&c, "\x74\x10", 2, CODE, &res), INTERP_RETIRED);
	assert_false(res.taken);
	assert_int_equal(step(&c, "\xc3", 1, CODE, &res), INTERP_RETIRED);	/* RET pops 0 */
	assert_int_equal(res.cls.branch, X86_BR_RET);
	assert_true(res.taken);
	machine(&c, 0);
	assert_int_equal(step(&c, "\x48\x01\xd8", 3, CODE, &res), INTERP_RETIRED);
	assert_false(res.cls.is_branch || res.taken || res.irq_shadow);
	assert_int_equal(step(&c, "\xfb", 1, CODE, &res), INTERP_RETIRED);	/* STI with IF = 0 */
	assert_true(res.irq_shadow);
	assert_int_equal(step(&c, "\xfb", 1, CODE, &res), INTERP_RETIRED);	/* IF already set */
	assert_false(res.irq_shadow);
	assert_int_equal(step(&c, "\xe6\xf4", 2, CODE, &res), INTERP_FALLBACK);
	assert_int_equal(res.reason, INTERP_FB_PRIVILEGED);
	assert_int_equal(res.cls.exit, X86_EXIT_IO);
}

/* An instruction that reaches an unmapped page faults with CR2 at that page, and only then. */
static void test_fetch_across_pages(void **state)
{
	struct interp_cpu c;
	struct interp_result res;
	uint64_t pt;

	(void)state;
	machine(&c, 0);
	/* 4 KiB pages for [0, 2 MiB), page 0x11000 not present. */
	memcpy(ram + 0x3000, &(uint64_t){ 0x4000 | 7 }, 8);
	for (uint64_t p = 0; p < 512; p++) {
		pt = (p << 12) | ((p << 12) == 0x11000 ? 0 : 7);
		memcpy(ram + 0x4000 + p * 8, &pt, 8);
	}
	/* A 1-byte NOP right before the boundary retires. */
	assert_int_equal(step(&c, "\x90", 1, 0x10fff, &res), INTERP_RETIRED);
	assert_int_equal(c.rip, 0x11000);
	/* mov eax, imm32 spanning the boundary: #PF on the fetch of the second page. */
	assert_int_equal(step(&c, "\xb8\x01", 2, 0x10ffe, &res), INTERP_FAULT);
	assert_int_equal(res.vector, 14);
	assert_int_equal(res.error, 0x10);	/* not present, fetch (NXE) */
	assert_int_equal(res.cr2, 0x11000);
	assert_int_equal(c.rip, 0x10ffe);
}

/* REP: a fault in a later iteration stops after the iterations before it; a long REP is chunked. */
static void test_rep_iterations(void **state)
{
	struct interp_cpu c;
	struct interp_result res;

	(void)state;
	machine(&c, 0);
	/* rep stosb from 0x1ffffe with RCX = 4: two bytes, then 0x200000 is not mapped. */
	c.gpr[INTERP_RDI] = 0x1ffffe;
	c.gpr[INTERP_RCX] = 4;
	c.gpr[INTERP_RAX] = 0x5a;
	assert_int_equal(step(&c, "\xf3\xaa", 2, CODE, &res), INTERP_INCOMPLETE);
	assert_int_equal(c.rip, CODE);
	assert_int_equal(c.gpr[INTERP_RCX], 2);
	assert_int_equal(c.gpr[INTERP_RDI], 0x200000);
	assert_int_equal(ram[0x1ffffe], 0x5a);
	assert_int_equal(ram[0x1fffff], 0x5a);
	/* The next step faults at the third iteration and changes nothing. */
	assert_int_equal(step(&c, "\xf3\xaa", 2, CODE, &res), INTERP_FAULT);
	assert_int_equal(res.vector, 14);
	assert_int_equal(res.cr2, 0x200000);
	assert_int_equal(c.gpr[INTERP_RCX], 2);
	/* A REP longer than INTERP_REP_CHUNK continues at the same RIP. */
	c.gpr[INTERP_RDI] = DATA;
	c.gpr[INTERP_RCX] = INTERP_REP_CHUNK + 3;
	assert_int_equal(step(&c, "\xf3\xaa", 2, CODE, &res), INTERP_INCOMPLETE);
	assert_int_equal(c.gpr[INTERP_RCX], 3);
	assert_int_equal(c.rip, CODE);
	assert_int_equal(step(&c, "\xf3\xaa", 2, CODE, &res), INTERP_RETIRED);
	assert_int_equal(c.gpr[INTERP_RCX], 0);
	assert_int_equal(c.gpr[INTERP_RDI], DATA + INTERP_REP_CHUNK + 3);
	assert_int_equal(c.rip, CODE + 2);
}

/*
 * REP MOVS and STOS run many iterations at once within a page: the result
 * is what iterating one element at a time gives, overlap included.
 */
static void test_rep_bulk(void **state)
{
	static const uint64_t pattern = 0x0123456789abcdefULL;
	struct interp_cpu c;
	struct interp_result res;

	(void)state;
	/* rep movsb with the destination one byte ahead: the first byte is repeated. */
	machine(&c, 0);
	memset(ram + DATA, 0, 64);
	ram[DATA] = 0x11;
	ram[DATA + 1] = 0x22;
	c.gpr[INTERP_RSI] = DATA;
	c.gpr[INTERP_RDI] = DATA + 1;
	c.gpr[INTERP_RCX] = 8;
	assert_int_equal(step(&c, "\xf3\xa4", 2, CODE, &res), INTERP_RETIRED);
	for (unsigned int i = 0; i <= 8; i++)
		assert_int_equal(ram[DATA + i], 0x11);
	assert_int_equal(ram[DATA + 9], 0);
	assert_int_equal(c.gpr[INTERP_RSI], DATA + 8);
	assert_int_equal(c.gpr[INTERP_RDI], DATA + 9);
	assert_int_equal(c.gpr[INTERP_RCX], 0);
	/* rep stosq across a page boundary: two quadwords before it, three after. */
	machine(&c, 0);
	memset(ram + DATA, 0, 0x2000);
	c.gpr[INTERP_RDI] = DATA + 0x1000 - 16;
	c.gpr[INTERP_RCX] = 5;
	c.gpr[INTERP_RAX] = pattern;
	assert_int_equal(step(&c, "\xf3\x48\xab", 3, CODE, &res), INTERP_RETIRED);
	for (unsigned int i = 0; i < 5; i++)
		assert_memory_equal(ram + DATA + 0x1000 - 16 + 8 * i, &pattern, 8);
	assert_int_equal(ram[DATA + 0x1000 + 24], 0);
	assert_int_equal(c.gpr[INTERP_RDI], DATA + 0x1000 + 24);
	/* rep movsd of 1500 dwords between non-overlapping buffers, crossing pages on both sides. */
	machine(&c, 0);
	for (unsigned int i = 0; i < 6000; i++)
		ram[DATA + 0x10 + i] = (uint8_t)(i * 7);
	memset(ram + DATA + 0x4000, 0, 0x2000);
	c.gpr[INTERP_RSI] = DATA + 0x10;
	c.gpr[INTERP_RDI] = DATA + 0x4008;
	c.gpr[INTERP_RCX] = 1500;
	assert_int_equal(step(&c, "\xf3\xa5", 2, CODE, &res), INTERP_RETIRED);
	assert_memory_equal(ram + DATA + 0x4008, ram + DATA + 0x10, 6000);
	assert_int_equal(ram[DATA + 0x4008 + 6000], 0);
	assert_int_equal(c.gpr[INTERP_RSI], DATA + 0x10 + 6000);
	assert_int_equal(c.gpr[INTERP_RDI], DATA + 0x4008 + 6000);
	/* With DF set, one at a time downwards: the same bytes. */
	machine(&c, 0);
	memset(ram + DATA, 0, 16);
	c.gpr[INTERP_RDI] = DATA + 7;
	c.gpr[INTERP_RCX] = 8;
	c.gpr[INTERP_RAX] = 0x5a;
	c.rflags |= 0x400;
	assert_int_equal(step(&c, "\xf3\xaa", 2, CODE, &res), INTERP_RETIRED);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(ram[DATA + i], 0x5a);
	assert_int_equal(c.gpr[INTERP_RDI], DATA - 1);
}

/* A fault leaves RAM untouched: PUSH then fault is not possible, but CALL to a bad target is. */
static void test_no_partial_write(void **state)
{
	struct interp_cpu c;
	struct interp_result res;
	uint64_t before, after;

	(void)state;
	machine(&c, 0);
	memcpy(&before, ram + STACK - 8, 8);
	c.gpr[INTERP_RAX] = 0x0000800000000000ULL;	/* non-canonical */
	assert_int_equal(step(&c, "\xff\xd0", 2, CODE, &res), INTERP_FAULT);	/* call rax */
	assert_int_equal(res.vector, 13);
	memcpy(&after, ram + STACK - 8, 8);
	assert_true(before == after);
	assert_int_equal(c.gpr[INTERP_RSP], STACK);
	/* movsq into an unmapped destination: the source read happened, nothing is written. */
	c.gpr[INTERP_RSI] = DATA;
	c.gpr[INTERP_RDI] = 0x200000;
	assert_int_equal(step(&c, "\x48\xa5", 2, CODE, &res), INTERP_FAULT);
	assert_int_equal(c.gpr[INTERP_RSI], DATA);
}

/*
 * LOCK on guest RAM is atomic against other vCPUs: two threads, each an
 * interpreted vCPU, run LOCK ADD and LOCK XADD on one dword while a third
 * updates it with host atomics; no update may be lost.
 */
#define LOCK_ROUNDS 200000

struct locker {
	uint64_t rip;
	uint64_t rax;
	unsigned int retired, fallbacks;
};

static void *lock_thread(void *arg)
{
	struct locker *l = arg;
	struct interp_mem m = { ram, RAM, 0 };

	for (unsigned int i = 0; i < LOCK_ROUNDS; i++) {
		struct interp_cpu c;
		struct interp_result res;

		memset(&c, 0, sizeof(c));
		for (unsigned int s = 0; s < 6; s++) {
			c.seg[s].limit = 0xffffffff;
			c.seg[s].type = 3;
			c.seg[s].present = c.seg[s].s = c.seg[s].db = c.seg[s].g = true;
		}
		c.seg[INTERP_CS].type = 11;
		c.seg[INTERP_CS].l = true;
		c.seg[INTERP_CS].db = false;
		c.cr0 = 0x80050033;
		c.cr3 = 0x1000;
		c.cr4 = 0x20;
		c.efer = 0xd00;
		c.rip = l->rip;
		c.gpr[INTERP_RBX] = DATA;
		c.gpr[INTERP_RAX] = l->rax;
		c.rflags = 2;
		/*
		 * A fall back (the compare-and-swap lost 64 races in a row) changed
		 * nothing: the engine would let KVM run it; here it runs again.
		 */
		while (interp_step(&c, &m, &res) == INTERP_FALLBACK && l->fallbacks < LOCK_ROUNDS)
			l->fallbacks++;
		if (res.status == INTERP_RETIRED)
			l->retired++;
	}
	return NULL;
}

static void *host_thread(void *arg)
{
	uint32_t *p = arg;

	for (unsigned int i = 0; i < LOCK_ROUNDS; i++)
		__atomic_fetch_add(p, 4, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_lock_atomic(void **state)
{
	struct interp_cpu c;
	struct locker a = { CODE, 1, 0, 0 };
	struct locker b = { CODE + 0x100, 2, 0, 0 };
	pthread_t ta, tb, th;
	uint32_t v;

	(void)state;
	machine(&c, 0);
	memcpy(ram + CODE, "\xf0\x01\x03", 3);		/* lock add [rbx], eax */
	memcpy(ram + CODE + 0x100, "\xf0\x0f\xc1\x03", 4);	/* lock xadd [rbx], eax */
	memset(ram + DATA, 0, 8);
	assert_int_equal(pthread_create(&ta, NULL, lock_thread, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, lock_thread, &b), 0);
	assert_int_equal(pthread_create(&th, NULL, host_thread, ram + DATA), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_join(th, NULL);
	assert_int_equal(a.retired, LOCK_ROUNDS);
	assert_int_equal(b.retired, LOCK_ROUNDS);
	memcpy(&v, ram + DATA, 4);
	assert_int_equal(v, LOCK_ROUNDS * (1 + 2 + 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_lock_atomic),
		cmocka_unit_test(test_retire_facts),
		cmocka_unit_test(test_fetch_across_pages),
		cmocka_unit_test(test_rep_iterations),
		cmocka_unit_test(test_rep_bulk),
		cmocka_unit_test(test_no_partial_write),
	};

	return cmocka_run_group_tests_name("interp", tests, NULL, NULL);
}
