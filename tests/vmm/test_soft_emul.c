// SPDX-License-Identifier: GPL-2.0-only
/*
 * The engine's emulator of instructions the host cannot run: POPCNT, CLAC,
 * STAC, FWAIT and scalar x87 code, on made-up register state and a small
 * memory, and every case it must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/softpmu/emul.h"

#define MEM_BASE	0x1000ULL
#define MEM_SIZE	256
#define RAX 0
#define RCX 1
#define RBX 3
#define RSI 6
#define RDI 7
#define R8 8
#define RF_AC (1ULL << 18)
#define RF_ZF (1ULL << 6)

static uint8_t mem[MEM_SIZE];

static int mread(void *ctx, uint64_t a, void *buf, size_t len)
{
	(void)ctx;
	if (a < MEM_BASE || a + len > MEM_BASE + MEM_SIZE)
		return -EFAULT;
	memcpy(buf, mem + (a - MEM_BASE), len);
	return 0;
}

static int mwrite(void *ctx, uint64_t a, const void *buf, size_t len)
{
	(void)ctx;
	if (a < MEM_BASE || a + len > MEM_BASE + MEM_SIZE)
		return -EFAULT;
	memcpy(mem + (a - MEM_BASE), buf, len);
	return 0;
}

static const struct emul_mem mops = { mread, mwrite, NULL };

static void cpu_init(struct emul_cpu *c)
{
	memset(c, 0, sizeof(*c));
	c->rip = 0x100000;
	c->rflags = 0x2 | 0x8d5;	/* every arithmetic flag set */
	c->cr0 = 0x80000033;		/* PG, NE, ET, MP, PE */
	c->fpu.fcw = 0x37f;		/* FNINIT: all masked, extended precision, nearest */
}

static void put_double(uint64_t a, double d)
{
	memcpy(mem + (a - MEM_BASE), &d, 8);
}

static double get_double(uint64_t a)
{
	double d;

	memcpy(&d, mem + (a - MEM_BASE), 8);
	return d;
}

static long double st(const struct emul_cpu *c, unsigned int i)
{
	long double v = 0;

	memcpy(&v, c->fpu.fpr[i], 10);
	return v;
}

static void test_popcnt(void **state)
{
	static const struct {
		const char *name;
		uint8_t b[8];
		size_t len;
		unsigned int dst;
		uint64_t before, src_rbx, expect;
		bool zf;
	} t[] = {
		{ "popcnt rax, rbx", { 0xf3, 0x48, 0x0f, 0xb8, 0xc3 }, 5, RAX, ~0ULL, 0xff00ff0000000001ULL, 17, false },
		{ "popcnt eax, ebx zero-extends", { 0xf3, 0x0f, 0xb8, 0xc3 }, 4, RAX, ~0ULL, 0xffffffff000000f0ULL, 4,
		  false },
		{ "popcnt ax, bx keeps the upper bits", { 0x66, 0xf3, 0x0f, 0xb8, 0xc3 }, 5, RAX, ~0ULL, 0xffff0007ULL,
		  0xffffffffffff0003ULL, false },
		{ "popcnt of zero sets ZF", { 0xf3, 0x48, 0x0f, 0xb8, 0xc3 }, 5, RAX, 5, 0, 0, true },
		{ "66 after F3 is still a 16-bit popcnt", { 0xf3, 0x66, 0x0f, 0xb8, 0xc3 }, 5, RAX, 0, 0x10001ULL, 1,
		  false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct emul_cpu c;

		print_message("# %s\n", t[i].name);
		cpu_init(&c);
		c.gpr[t[i].dst] = t[i].before;
		c.gpr[RBX] = t[i].src_rbx;
		assert_int_equal(soft_emulate(t[i].b, t[i].len, &c, &mops), (int)t[i].len);
		assert_int_equal(c.gpr[t[i].dst], t[i].expect);
		assert_int_equal(c.rip, 0x100000 + t[i].len);
		assert_int_equal(c.rflags, 0x2 | (t[i].zf ? RF_ZF : 0));
	}
}

static void test_popcnt_memory(void **state)
{
	/* popcnt r8, [rsi + rdi*2 + 8] */
	static const uint8_t sib[] = { 0xf3, 0x4c, 0x0f, 0xb8, 0x44, 0x7e, 0x08 };
	/* popcnt ecx, [rip + 0x10] at rip 0x1000: operand at 0x1000 + 8 + 0x10 */
	static const uint8_t riprel[] = { 0xf3, 0x0f, 0xb8, 0x0d, 0x10, 0x00, 0x00, 0x00 };
	/* popcnt rax, fs:[rsi] */
	static const uint8_t fs[] = { 0x64, 0xf3, 0x48, 0x0f, 0xb8, 0x06 };
	struct emul_cpu c;
	uint64_t v = 0x0f0f;

	(void)state;
	cpu_init(&c);
	memcpy(mem + 0x28, &v, 8);
	c.gpr[RSI] = MEM_BASE + 0x10;
	c.gpr[RDI] = 0x8;
	assert_int_equal(soft_emulate(sib, sizeof(sib), &c, &mops), (int)sizeof(sib));
	assert_int_equal(c.gpr[R8], 8);

	cpu_init(&c);
	c.rip = MEM_BASE;
	memcpy(mem + 0x18, &(uint32_t){ 0x7 }, 4);
	assert_int_equal(soft_emulate(riprel, sizeof(riprel), &c, &mops), (int)sizeof(riprel));
	assert_int_equal(c.gpr[RCX], 3);

	cpu_init(&c);
	c.fs_base = MEM_BASE;
	c.gpr[RSI] = 0x28;
	assert_int_equal(soft_emulate(fs, sizeof(fs), &c, &mops), (int)sizeof(fs));
	assert_int_equal(c.gpr[RAX], 8);

	/* an operand outside memory: -EFAULT, nothing changed */
	cpu_init(&c);
	c.gpr[RSI] = 0x900000;
	assert_int_equal(soft_emulate(sib, sizeof(sib), &c, &mops), -EFAULT);
	assert_int_equal(c.rip, 0x100000);
	assert_int_equal(c.gpr[R8], 0);
}

static void test_ac_fwait(void **state)
{
	static const uint8_t clac[] = { 0x0f, 0x01, 0xca }, stac[] = { 0x0f, 0x01, 0xcb }, fwait[] = { 0x9b };
	struct emul_cpu c;

	(void)state;
	cpu_init(&c);
	assert_int_equal(soft_emulate(stac, 3, &c, &mops), 3);
	assert_true(c.rflags & RF_AC);
	assert_int_equal(soft_emulate(clac, 3, &c, &mops), 3);
	assert_false(c.rflags & RF_AC);
	assert_int_equal(c.rip, 0x100006);
	c.cpl = 3;				/* #UD at CPL > 0 */
	assert_int_equal(soft_emulate(stac, 3, &c, &mops), -ENOTSUP);
	cpu_init(&c);
	assert_int_equal(soft_emulate(fwait, 1, &c, &mops), 1);
	assert_int_equal(c.rip, 0x100001);
	c.cr0 |= 0x8;				/* TS with MP: #NM */
	assert_int_equal(soft_emulate(fwait, 1, &c, &mops), -ENOTSUP);
	cpu_init(&c);
	c.fpu.fsw = 0x81;			/* a pending unmasked exception: #MF */
	assert_int_equal(soft_emulate(fwait, 1, &c, &mops), -ENOTSUP);
}

/* The x87 code of x += x / y + y / x on two doubles at [rbp-0x18] and [rbp-0x20], as compilers emit it. */
static const uint8_t x87_code[] = {
	0xdd, 0x45, 0xe8,	/* fld qword [rbp-0x18]  (x) */
	0xdd, 0x45, 0xe0,	/* fld qword [rbp-0x20]  (y) */
	0xdd, 0x45, 0xe0,	/* fld y */
	0xdd, 0x45, 0xe8,	/* fld x */
	0xdd, 0x45, 0xe8,	/* fld x */
	0xd9, 0xcc,		/* fxch st(4) */
	0xde, 0xfb,		/* fdivp st(3), st */
	0xde, 0xf1,		/* fdivrp st(1), st */
	0xde, 0xc1,		/* faddp st(1), st */
	0xde, 0xc1,		/* faddp */
	0xdd, 0x5d, 0xe8,	/* fstp qword [rbp-0x18] */
};

static void test_x87_sequence(void **state)
{
	volatile long double lx = 1212121212.0L, ly = 121212.0L;
	double expect = (double)(lx + (ly / lx + lx / ly));
	uint64_t rbp = MEM_BASE + 0x40;
	struct emul_cpu c;
	size_t pos = 0;

	(void)state;
	cpu_init(&c);
	c.gpr[5] = rbp;
	put_double(rbp - 0x18, 1212121212.0);
	put_double(rbp - 0x20, 121212.0);
	while (pos < sizeof(x87_code)) {
		int r = soft_emulate(x87_code + pos, sizeof(x87_code) - pos, &c, &mops);

		assert_true(r > 0);
		pos += (size_t)r;
	}
	assert_int_equal(c.rip, 0x100000 + sizeof(x87_code));
	assert_true(get_double(rbp - 0x18) == expect);
	assert_int_equal(c.fpu.ftwx, 0);			/* everything popped */
	assert_int_equal((c.fpu.fsw >> 11) & 7, 0);		/* TOP back at 0 */
	assert_true(c.fpu.fsw & 0x20);				/* PE: the divisions are inexact */
	assert_int_equal(c.fpu.last_ip, 0x100000 + sizeof(x87_code) - 3);
	assert_int_equal(c.fpu.last_opcode, 0x55d);		/* DD 5D: (opcode & 7) << 8 | ModRM */
	assert_int_equal(c.fpu.last_dp, rbp - 0x18);
	assert_true(c.fpu_changed);
}

static void test_x87_stack(void **state)
{
	static const uint8_t fld1[] = { 0xd9, 0xe8 }, fldz[] = { 0xd9, 0xee }, fld_st1[] = { 0xd9, 0xc1 };
	static const uint8_t fstp_st2[] = { 0xdd, 0xda }, fsts[] = { 0xd9, 0x16 }, flds[] = { 0xd9, 0x06 };
	static const uint8_t fadds[] = { 0xd8, 0x06 }, fsubrl[] = { 0xdc, 0x2e };
	struct emul_cpu c;
	float f;

	(void)state;
	cpu_init(&c);
	assert_int_equal(soft_emulate(fld1, 2, &c, &mops), 2);
	assert_int_equal((c.fpu.fsw >> 11) & 7, 7);
	assert_int_equal(c.fpu.ftwx, 0x80);
	assert_true(st(&c, 0) == 1.0L);
	assert_int_equal(soft_emulate(fldz, 2, &c, &mops), 2);
	assert_int_equal(soft_emulate(fld_st1, 2, &c, &mops), 2);	/* ST0 = 1, ST1 = 0, ST2 = 1 */
	assert_true(st(&c, 0) == 1.0L && st(&c, 1) == 0.0L && st(&c, 2) == 1.0L);
	assert_int_equal(c.fpu.ftwx, 0xe0);
	assert_int_equal(soft_emulate(fstp_st2, 2, &c, &mops), 2);	/* ST2 = ST0, pop */
	assert_true(st(&c, 0) == 0.0L && st(&c, 1) == 1.0L);
	assert_int_equal(c.fpu.ftwx, 0xc0);

	c.gpr[RSI] = MEM_BASE;
	f = 2.5f;
	memcpy(mem, &f, 4);
	assert_int_equal(soft_emulate(flds, 2, &c, &mops), 2);		/* ST0 = 2.5 */
	assert_int_equal(soft_emulate(fadds, 2, &c, &mops), 2);		/* ST0 = 5 */
	assert_true(st(&c, 0) == 5.0L);
	put_double(MEM_BASE, 12.0);
	assert_int_equal(soft_emulate(fsubrl, 2, &c, &mops), 2);	/* ST0 = 12 - 5 */
	assert_true(st(&c, 0) == 7.0L);
	c.gpr[RSI] = MEM_BASE + 8;
	assert_int_equal(soft_emulate(fsts, 2, &c, &mops), 2);
	memcpy(&f, mem + 8, 4);
	assert_true(f == 7.0f);
	assert_int_equal(c.fpu.ftwx, 0xe0);				/* FST does not pop */
}

static void test_refused(void **state)
{
	static const struct {
		const char *name;
		uint8_t b[4];
		size_t len;
		uint64_t cr0_or;
		uint16_t fcw, fsw;
		uint8_t ftwx;
	} t[] = {
		{ "fld1 with CR0.TS (#NM)", { 0xd9, 0xe8 }, 2, 0x8, 0x37f, 0, 0 },
		{ "fld1 with CR0.EM (#NM)", { 0xd9, 0xe8 }, 2, 0x4, 0x37f, 0, 0 },
		{ "fld1 with IE unmasked", { 0xd9, 0xe8 }, 2, 0, 0x37e, 0, 0 },
		{ "fld1 with a pending exception", { 0xd9, 0xe8 }, 2, 0, 0x37f, 0x81, 0 },
		{ "fld1 onto a full stack", { 0xd9, 0xe8 }, 2, 0, 0x37f, 0, 0xff },
		{ "faddp on an empty stack", { 0xde, 0xc1 }, 2, 0, 0x37f, 0, 0 },
		{ "fcom (not covered)", { 0xd8, 0xd1 }, 2, 0, 0x37f, 0, 0xff },
		{ "fsin (not covered)", { 0xd9, 0xfe }, 2, 0, 0x37f, 0, 0xff },
		{ "lock popcnt", { 0xf0, 0xf3, 0x0f, 0xb8 }, 4, 0, 0x37f, 0, 0 },
		{ "popcnt without F3 (not popcnt)", { 0x0f, 0xb8, 0xc3 }, 3, 0, 0x37f, 0, 0 },
		{ "nop", { 0x90 }, 1, 0, 0x37f, 0, 0 },
		{ "cut short", { 0xf3, 0x0f, 0xb8 }, 3, 0, 0x37f, 0, 0 },
		{ "67 address size", { 0x67, 0xd9, 0x06 }, 3, 0, 0x37f, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct emul_cpu c, before;

		print_message("# %s\n", t[i].name);
		cpu_init(&c);
		c.cr0 |= t[i].cr0_or;
		c.fpu.fcw = t[i].fcw;
		c.fpu.fsw = t[i].fsw;
		c.fpu.ftwx = t[i].ftwx;
		before = c;
		assert_int_equal(soft_emulate(t[i].b, t[i].len, &c, &mops), -ENOTSUP);
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

/* A 64-bit gate at MEM_BASE + 16 * vector (IDT at MEM_BASE), handler 0x200000, selector 0x08. */
static void put_gate(unsigned int vector, uint8_t type_attr, uint8_t ist, uint16_t sel)
{
	uint8_t *g = mem + 16 * vector;
	uint64_t h = 0x200000;

	memset(g, 0, 16);
	g[0] = (uint8_t)h;
	g[1] = (uint8_t)(h >> 8);
	g[2] = (uint8_t)sel;
	g[3] = (uint8_t)(sel >> 8);
	g[4] = ist;
	g[5] = type_attr;
	g[6] = (uint8_t)(h >> 16);
	g[7] = (uint8_t)(h >> 24);
}

static void int_cpu(struct emul_cpu *c)
{
	cpu_init(c);
	c->cs = 0x08;
	c->ss = 0x10;
	c->idt_base = MEM_BASE;
	c->idt_limit = 16 * 8 - 1;		/* vectors 0-7 */
	c->gpr[4] = MEM_BASE + 0xc8;		/* RSP, not 16-byte aligned */
	c->rflags = 0x246 | (1ULL << 8);	/* IF, ZF, PF, TF */
}

static void test_int(void **state)
{
	static const uint8_t int5[] = { 0xcd, 0x05 }, int3[] = { 0xcc };
	uint64_t frame[5];
	struct emul_cpu c;

	(void)state;
	memset(mem, 0, sizeof(mem));
	put_gate(5, 0x8e, 0, 0x08);		/* present interrupt gate, DPL 0 */
	int_cpu(&c);
	assert_int_equal(soft_emulate(int5, 2, &c, &mops), 2);
	assert_int_equal(c.rip, 0x200000);
	assert_int_equal(c.gpr[4], MEM_BASE + 0xc0 - 40);	/* aligned down to 16, 5 words */
	memcpy(frame, mem + 0xc0 - 40, sizeof(frame));
	assert_int_equal(frame[0], 0x100002);			/* return RIP: after the INT */
	assert_int_equal(frame[1], 0x08);
	assert_int_equal(frame[2], 0x346);			/* RFLAGS as they were */
	assert_int_equal(frame[3], MEM_BASE + 0xc8);		/* the old RSP */
	assert_int_equal(frame[4], 0x10);
	assert_int_equal(c.rflags, 0x46);			/* TF and IF cleared */

	put_gate(3, 0xef, 0, 0x08);		/* trap gate, DPL 3: IF stays */
	int_cpu(&c);
	assert_int_equal(soft_emulate(int3, 1, &c, &mops), 1);
	assert_int_equal(c.rflags, 0x246);
	memcpy(frame, mem + 0xc0 - 40, sizeof(frame));
	assert_int_equal(frame[0], 0x100001);

	/* IST 2: the stack from TSS offset 44 (TSS at MEM_BASE + 0x80) */
	put_gate(5, 0x8e, 2, 0x08);
	int_cpu(&c);
	c.tr_base = MEM_BASE + 0x80;
	c.tr_limit = 0x67;
	memcpy(mem + 0x80 + 44, &(uint64_t){ MEM_BASE + 0xf8 }, 8);
	assert_int_equal(soft_emulate(int5, 2, &c, &mops), 2);
	assert_int_equal(c.gpr[4], MEM_BASE + 0xf0 - 40);
	memcpy(frame, mem + 0xf0 - 40, sizeof(frame));
	assert_int_equal(frame[3], MEM_BASE + 0xc8);
}

static void test_int_refused(void **state)
{
	static const struct {
		const char *name;
		unsigned int vector;
		uint8_t type_attr;
		uint16_t sel;
		unsigned int cpl;
	} t[] = {
		{ "gate not present", 5, 0x0e, 0x08, 0 },
		{ "gate DPL 0 at CPL 3 (#GP)", 5, 0x8e, 0x08, 3 },
		{ "another code segment", 5, 0x8e, 0x18, 0 },
		{ "a call gate type", 5, 0x8c, 0x08, 0 },
		{ "beyond the IDT limit", 9, 0x8e, 0x08, 0 },
	};
	const uint8_t b[2][2] = { { 0xcd, 0x05 }, { 0xcd, 0x09 } };

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct emul_cpu c, before;

		print_message("# %s\n", t[i].name);
		memset(mem, 0, sizeof(mem));
		if (t[i].vector < 8)
			put_gate(t[i].vector, t[i].type_attr, 0, t[i].sel);
		int_cpu(&c);
		c.cpl = t[i].cpl;
		before = c;
		assert_int_equal(soft_emulate(b[t[i].vector == 9], 2, &c, &mops), -ENOTSUP);
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_popcnt),
		cmocka_unit_test(test_popcnt_memory),
		cmocka_unit_test(test_ac_fwait),
		cmocka_unit_test(test_x87_sequence),
		cmocka_unit_test(test_x87_stack),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_int_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
