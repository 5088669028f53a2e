// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86_classify over hand-assembled encodings. Every length in the table was
 * cross-checked with `objdump -w -D -b binary -m i386:x86-64 -M intel64`
 * (i386 / i8086 for the 32- and 16-bit rows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "pmu/soft/decode.h"

struct dec_case {
	int mode;
	enum x86_branch_kind kind;
	bool conditional;
	enum x86_exit_kind exit;
	bool rep_string;
	int64_t rel;
	uint8_t bytes[X86_MAX_INSN_LEN];
	size_t n;
};

#define D(m, k, c, e, r, rl, ...) \
	{ .mode = (m), .kind = (k), .conditional = (c), .exit = (e), .rep_string = (r), \
	  .rel = (rl), .bytes = { __VA_ARGS__ }, .n = sizeof((uint8_t[]){ __VA_ARGS__ }) }

static const struct dec_case dec_cases[] = {
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x90),
	D(64, X86_BR_RET, false, X86_EXIT_NONE, false, 0, 0xc3),
	D(64, X86_BR_RET, false, X86_EXIT_NONE, false, 0, 0xc2, 0x08, 0x00),
	D(64, X86_BR_RET_FAR, false, X86_EXIT_NONE, false, 0, 0xcb),
	D(64, X86_BR_RET_FAR, false, X86_EXIT_NONE, false, 0, 0xca, 0x04, 0x00),
	D(64, X86_BR_INT, false, X86_EXIT_NONE, false, 0, 0xcc),
	D(64, X86_BR_INT, false, X86_EXIT_NONE, false, 0, 0xcd, 0x80),
	D(64, X86_BR_IRET, false, X86_EXIT_NONE, false, 0, 0xcf),
	D(64, X86_BR_IRET, false, X86_EXIT_NONE, false, 0, 0x48, 0xcf),
	D(64, X86_BR_JCC, true, X86_EXIT_NONE, false, 5, 0x74, 0x05),
	D(64, X86_BR_JCC, true, X86_EXIT_NONE, false, 256, 0x0f, 0x84, 0x00, 0x01, 0x00, 0x00),
	D(64, X86_BR_JCC, true, X86_EXIT_NONE, false, 256, 0x66, 0x0f, 0x84, 0x00, 0x01, 0x00, 0x00),
	D(64, X86_BR_JMP_REL, false, X86_EXIT_NONE, false, -2, 0xeb, 0xfe),
	D(64, X86_BR_JMP_REL, false, X86_EXIT_NONE, false, 16, 0xe9, 0x10, 0x00, 0x00, 0x00),
	D(64, X86_BR_CALL_REL, false, X86_EXIT_NONE, false, -16, 0xe8, 0xf0, 0xff, 0xff, 0xff),
	D(64, X86_BR_CALL_IND, false, X86_EXIT_NONE, false, 0, 0xff, 0xd0),
	D(64, X86_BR_CALL_IND, false, X86_EXIT_NONE, false, 0, 0xff, 0x10),
	D(64, X86_BR_CALL_IND, false, X86_EXIT_NONE, false, 0, 0xff, 0x50, 0x08),
	D(64, X86_BR_CALL_IND, false, X86_EXIT_NONE, false, 0, 0xff, 0x14, 0x25, 0x00, 0x10, 0x00, 0x00),
	D(64, X86_BR_CALL_FAR, false, X86_EXIT_NONE, false, 0, 0xff, 0x1c, 0x24),
	D(64, X86_BR_JMP_IND, false, X86_EXIT_NONE, false, 0, 0xff, 0xe0),
	D(64, X86_BR_JMP_IND, false, X86_EXIT_NONE, false, 0, 0xff, 0x24, 0xc5, 0x00, 0x00, 0x00, 0x00),
	D(64, X86_BR_JMP_IND, false, X86_EXIT_NONE, false, 0, 0xff, 0x25, 0x00, 0x00, 0x00, 0x00),
	D(64, X86_BR_JMP_FAR, false, X86_EXIT_NONE, false, 0, 0xff, 0x2c, 0x24),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xff, 0x70, 0x08),
	D(64, X86_BR_LOOP, true, X86_EXIT_NONE, false, -2, 0xe0, 0xfe),
	D(64, X86_BR_LOOP, true, X86_EXIT_NONE, false, -2, 0xe1, 0xfe),
	D(64, X86_BR_LOOP, true, X86_EXIT_NONE, false, -2, 0xe2, 0xfe),
	D(64, X86_BR_LOOP, true, X86_EXIT_NONE, false, -2, 0xe3, 0xfe),
	D(64, X86_BR_LOOP, true, X86_EXIT_NONE, false, -2, 0x67, 0xe3, 0xfe),
	D(64, X86_BR_SYSCALL, false, X86_EXIT_NONE, false, 0, 0x0f, 0x05),
	D(64, X86_BR_SYSRET, false, X86_EXIT_NONE, false, 0, 0x0f, 0x07),
	D(64, X86_BR_SYSRET, false, X86_EXIT_NONE, false, 0, 0x48, 0x0f, 0x07),
	D(64, X86_BR_SYSENTER, false, X86_EXIT_NONE, false, 0, 0x0f, 0x34),
	D(64, X86_BR_SYSEXIT, false, X86_EXIT_NONE, false, 0, 0x0f, 0x35),
	D(64, X86_BR_NONE, false, X86_EXIT_IO, false, 0, 0xe4, 0x60),
	D(64, X86_BR_NONE, false, X86_EXIT_IO, false, 0, 0xe6, 0x80),
	D(64, X86_BR_NONE, false, X86_EXIT_IO, false, 0, 0xec),
	D(64, X86_BR_NONE, false, X86_EXIT_IO, false, 0, 0xef),
	D(64, X86_BR_NONE, false, X86_EXIT_IO_STRING, false, 0, 0x6c),
	D(64, X86_BR_NONE, false, X86_EXIT_IO_STRING, true, 0, 0xf3, 0x6e),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, true, 0, 0xf3, 0xa4),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, true, 0, 0xf3, 0x48, 0xab),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xa4),
	D(64, X86_BR_NONE, false, X86_EXIT_WRMSR, false, 0, 0x0f, 0x30),
	D(64, X86_BR_NONE, false, X86_EXIT_RDMSR, false, 0, 0x0f, 0x32),
	D(64, X86_BR_NONE, false, X86_EXIT_RDPMC, false, 0, 0x0f, 0x33),
	D(64, X86_BR_NONE, false, X86_EXIT_CPUID, false, 0, 0x0f, 0xa2),
	D(64, X86_BR_NONE, false, X86_EXIT_HLT, false, 0, 0xf4),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xb8, 0x44, 0x33, 0x22, 0x11),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0xb8, 0x22, 0x11),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x41, 0xb0, 0x11),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x48, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x67, 0xa1, 0x44, 0x33, 0x22, 0x11),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8b, 0x44, 0x24, 0x08),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8b, 0x04, 0x8d, 0x00, 0x00, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8b, 0x45, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x48, 0x81, 0xc4, 0x00, 0x01, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x48, 0x83, 0xec, 0x08),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0x81, 0xc1, 0x34, 0x12),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x80, 0x3d, 0x00, 0x00, 0x00, 0x00, 0x01),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc7, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x48, 0xc7, 0x44, 0x24, 0x08, 0xff, 0xff, 0xff, 0xff),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0xc7, 0x00, 0x34, 0x12),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xf6, 0xc1, 0x01),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xf7, 0xc1, 0x01, 0x00, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0xf7, 0xc1, 0x01, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xf6, 0xd0),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xf7, 0x18),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x69, 0xc0, 0x00, 0x01, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x6b, 0xc0, 0x10),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x68, 0x00, 0x10, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x6a, 0x01),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc8, 0x10, 0x00, 0x01),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x20, 0xc0),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x22, 0xd8),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x20, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x01, 0xd9),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x01, 0xf8),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x01, 0x38),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0xae, 0xf0),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xf3, 0x0f, 0x1e, 0xfa),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x1f, 0x44, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0xba, 0xe0, 0x03),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0xa4, 0xc2, 0x04),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0xc2, 0xc1, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0x0f, 0x38, 0x00, 0xc1),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0x0f, 0x3a, 0x63, 0x0c, 0x25, 0x00, 0x00, 0x00, 0x00, 0x07),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x38, 0xf0, 0x06),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x0b),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xf3, 0x0f, 0xb8, 0xc1),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0xc7, 0xf0),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc5, 0xf8, 0x77),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc5, 0xfc, 0x77),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc5, 0xf9, 0x6f, 0x07),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc4, 0xe2, 0x79, 0x18, 0x07),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc4, 0xe3, 0x7d, 0x18, 0xc1, 0x01),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc4, 0xe3, 0x79, 0x4a, 0xc1, 0x20),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc5, 0xf9, 0x70, 0xc1, 0x1b),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc5, 0xf1, 0x73, 0xd0, 0x04),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x62, 0xf1, 0xfd, 0x48, 0x6f, 0x44, 0x24, 0x01),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x62, 0xf3, 0x7d, 0x48, 0x1e, 0xc1, 0x05),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x62, 0xf5, 0x7c, 0x48, 0x58, 0xc1),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xd9, 0xc0),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xdd, 0x1c, 0x24),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xf0, 0x48, 0x0f, 0xb1, 0x0f),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x0f, 0xc1, 0xb4),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8f, 0xc0),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8f, 0x04, 0x24),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8f, 0xe9, 0x78, 0x80, 0xc1),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8f, 0xe8, 0x78, 0xc0, 0xc1, 0x01),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8f, 0xea, 0x78, 0x10, 0xc0, 0x01, 0x00, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0x0f, 0x78, 0xc0, 0x04, 0x08),
	D(64, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xf2, 0x0f, 0x78, 0xc1, 0x04, 0x08),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x90),
	D(32, X86_BR_CALL_REL, false, X86_EXIT_NONE, false, 0, 0xe8, 0x00, 0x00, 0x00, 0x00),
	D(32, X86_BR_CALL_REL, false, X86_EXIT_NONE, false, 0, 0x66, 0xe8, 0x00, 0x00),
	D(32, X86_BR_CALL_FAR, false, X86_EXIT_NONE, false, 0, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00),
	D(32, X86_BR_CALL_FAR, false, X86_EXIT_NONE, false, 0, 0x66, 0x9a, 0x00, 0x00, 0x08, 0x00),
	D(32, X86_BR_JMP_FAR, false, X86_EXIT_NONE, false, 0, 0xea, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00),
	D(32, X86_BR_CALL_FAR, false, X86_EXIT_NONE, false, 0, 0xff, 0x1d, 0x00, 0x00, 0x00, 0x00),
	D(32, X86_BR_JMP_FAR, false, X86_EXIT_NONE, false, 0, 0xff, 0x2d, 0x00, 0x00, 0x00, 0x00),
	D(32, X86_BR_INT, true, X86_EXIT_NONE, false, 0, 0xce),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x40),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x4f),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc4, 0x00),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc5, 0x00),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc4, 0xe2, 0x79, 0x18, 0x07),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xc5, 0xf9, 0x6f, 0x07),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x62, 0x00),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xa1, 0x00, 0x10, 0x00, 0x00),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x67, 0xa1, 0x00, 0x10),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x67, 0x8b, 0x46, 0x04),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x67, 0x8b, 0x06, 0x34, 0x12),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x67, 0x8b, 0x00),
	D(32, X86_BR_JCC, true, X86_EXIT_NONE, false, 256, 0x0f, 0x84, 0x00, 0x01, 0x00, 0x00),
	D(32, X86_BR_JCC, true, X86_EXIT_NONE, false, 256, 0x66, 0x0f, 0x84, 0x00, 0x01),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xd4, 0x0a),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x06),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x61),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xb8, 0x44, 0x33, 0x22, 0x11),
	D(32, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0xb8, 0x22, 0x11),
	D(32, X86_BR_LOOP, true, X86_EXIT_NONE, false, -2, 0xe3, 0xfe),
	D(32, X86_BR_SYSENTER, false, X86_EXIT_NONE, false, 0, 0x0f, 0x34),
	D(16, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x90),
	D(16, X86_BR_CALL_REL, false, X86_EXIT_NONE, false, 0, 0xe8, 0x00, 0x00),
	D(16, X86_BR_CALL_REL, false, X86_EXIT_NONE, false, 0, 0x66, 0xe8, 0x00, 0x00, 0x00, 0x00),
	D(16, X86_BR_JMP_REL, false, X86_EXIT_NONE, false, -2, 0xe9, 0xfe, 0xff),
	D(16, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xb8, 0x34, 0x12),
	D(16, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0xb8, 0x78, 0x56, 0x34, 0x12),
	D(16, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8b, 0x46, 0x04),
	D(16, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8b, 0x06, 0x34, 0x12),
	D(16, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x8b, 0x87, 0x34, 0x12),
	D(16, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x66, 0x67, 0x8b, 0x04, 0x24),
	D(16, X86_BR_JMP_FAR, false, X86_EXIT_NONE, false, 0, 0xea, 0x00, 0x00, 0x00, 0xf0),
	D(16, X86_BR_JMP_FAR, false, X86_EXIT_NONE, false, 0, 0x66, 0xea, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00),
	D(16, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0xa1, 0x00, 0x10),
	D(16, X86_BR_INT, false, X86_EXIT_NONE, false, 0, 0xcd, 0x10),
	D(16, X86_BR_IRET, false, X86_EXIT_NONE, false, 0, 0xcf),
	D(16, X86_BR_JCC, true, X86_EXIT_NONE, false, -2, 0x0f, 0x84, 0xfe, 0xff),
	D(16, X86_BR_NONE, false, X86_EXIT_NONE, true, 0, 0xf3, 0xa5),
	D(16, X86_BR_NONE, false, X86_EXIT_IO, false, 0, 0xe4, 0x71),
	D(16, X86_BR_NONE, false, X86_EXIT_NONE, false, 0, 0x0f, 0x01, 0x16, 0x00, 0x10),
};

#define NCASES (sizeof(dec_cases) / sizeof(dec_cases[0]))

static bool kind_is_direct(enum x86_branch_kind k)
{
	return k == X86_BR_JCC || k == X86_BR_LOOP || k == X86_BR_JMP_REL || k == X86_BR_CALL_REL;
}

static void test_classify_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct dec_case *t = &dec_cases[i];
		struct x86_insn_class c;

		print_message("# case %zu: mode %d, first byte %02x\n", i, t->mode, t->bytes[0]);
		assert_int_equal(x86_classify(t->bytes, t->n, t->mode, &c), 0);
		assert_int_equal(c.len, t->n);
		assert_int_equal(c.branch, t->kind);
		assert_int_equal(c.is_branch, t->kind != X86_BR_NONE);
		assert_int_equal(c.conditional, t->conditional);
		assert_int_equal(c.exit, t->exit);
		assert_int_equal(c.rep_string, t->rep_string);
		assert_int_equal(c.direct, kind_is_direct(t->kind));
		if (c.direct)
			assert_int_equal(c.rel, t->rel);
	}
}

/* Any shorter buffer asks for more bytes; longer ones do not change the length. */
static void test_truncated_and_padded(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct dec_case *t = &dec_cases[i];
		uint8_t buf[32];
		struct x86_insn_class c;

		for (size_t n = 0; n < t->n; n++)
			assert_int_equal(x86_classify(t->bytes, n, t->mode, &c), -ENODATA);
		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, t->bytes, t->n);
		assert_int_equal(x86_classify(buf, sizeof(buf), t->mode, &c), 0);
		assert_int_equal(c.len, t->n);
	}
}

struct bad_case {
	int mode;
	uint8_t bytes[16];
	size_t n;
	int err;
};

#define B(m, e, ...) \
	{ .mode = (m), .err = (e), .bytes = { __VA_ARGS__ }, .n = sizeof((uint8_t[]){ __VA_ARGS__ }) }

static const struct bad_case bad_cases[] = {
	B(64, -EINVAL, 0x06),				/* PUSH ES: #UD in 64-bit mode */
	B(64, -EINVAL, 0xce),				/* INTO */
	B(64, -EINVAL, 0x9a, 0, 0, 0, 0, 8, 0),		/* CALLF ptr */
	B(64, -EINVAL, 0xea, 0, 0, 0, 0, 8, 0),		/* JMPF ptr */
	B(64, -EINVAL, 0xd4, 0x0a),			/* AAM */
	B(64, -EINVAL, 0x62, 0x00, 0x00, 0x00, 0x00),	/* EVEX map 0 */
	B(64, -EINVAL, 0x0f, 0x04),			/* undefined */
	B(64, -EINVAL, 0x0f, 0x0a),
	B(64, -EINVAL, 0x0f, 0xa6, 0xc0),
	B(64, -EINVAL, 0xff, 0x38),			/* FF /7 */
	B(64, -EINVAL, 0xff, 0xd8),			/* CALLF with a register */
	B(64, -EINVAL, 0xff, 0xe8),			/* JMPF with a register */
	B(64, -EINVAL, 0xf0, 0xc5, 0xf8, 0x77),	/* LOCK before VEX */
	B(64, -EINVAL, 0x66, 0xc4, 0xe2, 0x79, 0x18, 0x07),
	B(64, -EINVAL, 0xc4, 0xe0, 0x79, 0x18, 0x07),	/* VEX map 0 */
	B(64, -EINVAL, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x66, 0x90),		/* 16 bytes */
	B(64, -EINVAL, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x48, 0xb8, 1, 2, 3),				/* MOV imm64 past 15 bytes */
	B(8, -EINVAL, 0x90),				/* bad mode */
	B(64, -ENODATA, 0x48),				/* REX, then nothing */
	B(64, -ENODATA, 0x66, 0x0f),
	B(32, -ENODATA, 0xc4),				/* LES or VEX: can't tell yet */
};

static void test_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct x86_insn_class c;

		print_message("# bad case %zu\n", i);
		assert_int_equal(x86_classify(bad_cases[i].bytes, bad_cases[i].n,
					      bad_cases[i].mode, &c), bad_cases[i].err);
	}
}

/* Exactly 15 bytes is still an instruction. */
static void test_fifteen_bytes(void **state)
{
	static const uint8_t insn[] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x26, 0x48, 0x81, 0x84,
					0x88, 0x00, 0x01, 0x00, 0x00, 0x7f };
	uint8_t buf[15 + 4];
	struct x86_insn_class c;

	(void)state;
	memcpy(buf, insn, sizeof(insn));
	memset(buf + sizeof(insn), 0, 4);
	/* 66*5 26 REX.W 81 /0 SIB disp32 imm32: the imm32 does not fit */
	assert_int_equal(x86_classify(buf, sizeof(buf), 64, &c), -EINVAL);
	/* the same with an 8-bit immediate (83 /0) is exactly 15 */
	buf[7] = 0x83;
	assert_int_equal(x86_classify(buf, sizeof(buf), 64, &c), 0);
	assert_int_equal(c.len, 15);
	{
		static const uint8_t fifteen[] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f,
						   0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 };
		assert_int_equal(x86_classify(fifteen, sizeof(fifteen), 64, &c), 0);
		assert_int_equal(c.len, 15);
	}
}

struct target_case {
	int mode;
	uint64_t rip;
	uint8_t bytes[8];
	size_t n;
	uint64_t target;
};

#define T(m, r, t, ...) \
	{ .mode = (m), .rip = (r), .target = (t), .bytes = { __VA_ARGS__ }, \
	  .n = sizeof((uint8_t[]){ __VA_ARGS__ }) }

static const struct target_case target_cases[] = {
	T(64, 0x1000, 0xff5, 0xe8, 0xf0, 0xff, 0xff, 0xff),
	T(64, 0xffffffff00000000ull, 0xffffffff00000007ull, 0x74, 0x05),
	T(64, 0x7ffffffffff0ull, 0x800000000000ull + 0xa, 0xe9, 0x15, 0x00, 0x00, 0x00),
	T(64, 0x2000, 0x2000 + 7 + 0x100, 0x66, 0x0f, 0x84, 0x00, 0x01, 0x00, 0x00),
	T(32, 0xfffffffe, 0xfffffffe, 0xeb, 0xfe),
	T(32, 0xfffffff0, 0x5, 0xe9, 0x10, 0x00, 0x00, 0x00),
	T(32, 0x12345, 0x2349, 0x66, 0xe8, 0x00, 0x00),
	T(16, 0xfffe, 0xffff, 0xe9, 0xfe, 0xff),
	T(16, 0x100, 0x100 + 2 - 0x80, 0xe2, 0x80),
};

static void test_targets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(target_cases) / sizeof(target_cases[0]); i++) {
		const struct target_case *t = &target_cases[i];
		struct x86_insn_class c;

		print_message("# target case %zu\n", i);
		assert_int_equal(x86_classify(t->bytes, t->n, t->mode, &c), 0);
		assert_true(c.direct);
		assert_int_equal(x86_branch_target(&c, t->rip), t->target);
	}
}

/* Fences (NP 0F AE /5-/7, mod = 11) and the address size of each row. */
struct fence_case {
	int mode;
	enum x86_fence fence;
	unsigned int len, addrsize;
	uint8_t bytes[X86_MAX_INSN_LEN];
	size_t n;
};

#define F(m, f, l, a, ...) \
	{ .mode = (m), .fence = (f), .len = (l), .addrsize = (a), .bytes = { __VA_ARGS__ }, \
	  .n = sizeof((uint8_t[]){ __VA_ARGS__ }) }

static const struct fence_case fence_cases[] = {
	F(64, X86_FENCE_LFENCE, 3, 8, 0x0f, 0xae, 0xe8),
	F(64, X86_FENCE_MFENCE, 3, 8, 0x0f, 0xae, 0xf0),
	F(64, X86_FENCE_SFENCE, 3, 8, 0x0f, 0xae, 0xf8),
	F(64, X86_FENCE_MFENCE, 3, 8, 0x0f, 0xae, 0xf7),		/* any rm */
	F(64, X86_FENCE_LFENCE, 4, 8, 0x41, 0x0f, 0xae, 0xe8),	/* REX.B: still LFENCE */
	F(32, X86_FENCE_MFENCE, 3, 4, 0x0f, 0xae, 0xf0),
	F(16, X86_FENCE_SFENCE, 3, 2, 0x0f, 0xae, 0xf8),
	F(64, X86_FENCE_NONE, 3, 8, 0x0f, 0xae, 0x38),		/* CLFLUSH (%rax) */
	F(64, X86_FENCE_NONE, 3, 8, 0x0f, 0xae, 0x30),		/* XSAVEOPT (%rax) */
	F(64, X86_FENCE_NONE, 3, 8, 0x0f, 0xae, 0x28),		/* XRSTOR (%rax) */
	F(64, X86_FENCE_NONE, 4, 8, 0x66, 0x0f, 0xae, 0xf0),	/* TPAUSE %eax */
	F(64, X86_FENCE_NONE, 4, 8, 0xf2, 0x0f, 0xae, 0xf0),	/* UMWAIT %eax */
	F(64, X86_FENCE_NONE, 4, 8, 0xf3, 0x0f, 0xae, 0xe8),	/* INCSSPD %eax */
	F(64, X86_FENCE_NONE, 4, 8, 0x66, 0x0f, 0xae, 0x38),	/* CLFLUSHOPT (%rax) */
	F(64, X86_FENCE_NONE, 3, 8, 0x0f, 0xae, 0xe0),		/* /4 mod 11: not a fence */
	F(64, X86_FENCE_NONE, 4, 8, 0xf0, 0x0f, 0xae, 0xf0),	/* LOCK MFENCE: #UD, stepped */
	F(64, X86_FENCE_NONE, 2, 8, 0xe2, 0xfe),			/* LOOP rel8 */
	F(64, X86_FENCE_NONE, 3, 4, 0x67, 0xe2, 0xfd),		/* LOOP with ECX */
	F(32, X86_FENCE_NONE, 3, 2, 0x67, 0xe2, 0xfd),		/* LOOP with CX */
	F(16, X86_FENCE_NONE, 3, 4, 0x67, 0xe2, 0xfd),		/* LOOP with ECX */
};

static void test_fences_and_addrsize(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fence_cases) / sizeof(fence_cases[0]); i++) {
		const struct fence_case *t = &fence_cases[i];
		struct x86_insn_class c;

		print_message("# fence case %zu\n", i);
		assert_int_equal(x86_classify(t->bytes, t->n, t->mode, &c), 0);
		assert_int_equal(c.fence, t->fence);
		assert_int_equal(c.len, t->len);
		assert_int_equal(c.addrsize, t->addrsize);
		assert_false(c.is_branch && c.fence != X86_FENCE_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fences_and_addrsize),
		cmocka_unit_test(test_classify_table),
		cmocka_unit_test(test_truncated_and_padded),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_fifteen_bytes),
		cmocka_unit_test(test_targets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
