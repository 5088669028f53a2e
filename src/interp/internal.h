/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the interpreter shared by its files: the decoded instruction,
 * the working context of one interp_step() (a copy of the registers plus the
 * pending memory writes), operand and memory helpers, and the flag arithmetic.
 */
#ifndef VMM_INTERP_INTERNAL_H
#define VMM_INTERP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "interp/interp.h"
#include "interp/gva.h"
#include "common/x86.h"

/* RFLAGS bits (SDM vol. 1 3.4.3, vol. 3 2.3). */
#define FL_CF (1ULL << 0)
#define FL_FIXED (1ULL << 1)
#define FL_PF (1ULL << 2)
#define FL_AF (1ULL << 4)
#define FL_ZF (1ULL << 6)
#define FL_SF (1ULL << 7)
#define FL_TF (1ULL << 8)
#define FL_IF (1ULL << 9)
#define FL_DF (1ULL << 10)
#define FL_OF (1ULL << 11)
#define FL_IOPL (3ULL << 12)
#define FL_NT (1ULL << 14)
#define FL_RF (1ULL << 16)
#define FL_VM (1ULL << 17)
#define FL_AC (1ULL << 18)
#define FL_VIF (1ULL << 19)
#define FL_VIP (1ULL << 20)
#define FL_ID (1ULL << 21)
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* Internal returns: 0, or the instruction ends here with res filled. */
#define IE_FAULT (-1)
#define IE_FALLBACK (-2)
#define IE_RETRY (-3)		/* a locked update lost a race: run the instruction again */

#define TRY(e) do { int try_r_ = (e); if (try_r_) return try_r_; } while (0)

struct insn {
	uint8_t b[X86_MAX_INSN_LEN];
	unsigned int len;		/* the classifier's length */
	unsigned int pos;		/* decode cursor */
	int mode;			/* 16, 32, 64 */
	unsigned int osz, asz;		/* operand and address size in bytes */
	int seg;			/* segment override, or -1 */
	bool lock, rep, repne, p66;
	uint8_t rex;			/* 0 without REX */
	bool map0f;
	uint8_t op;
	/* ModRM */
	bool has_modrm;
	unsigned int mod, reg, rm;	/* reg and (register form) rm extended by REX */
	bool is_mem;
	int eseg;			/* segment of the memory operand */
	uint64_t ea;			/* its offset, wrapped to the address size */
};

/* A pending write: up to 8 bytes at host addresses p[0] (n0 bytes) and p[1]. */
struct pending_write {
	uint8_t *p[2];
	unsigned int n0, len;
	uint8_t data[8];
};

/* A translated guest access. */
struct xlat {
	uint8_t *p[2];
	unsigned int n0, len;
};

#define MAX_WRITES 8
#define MAX_WALKS 24

struct ictx {
	/* Set by init_ctx(), or before use. */
	struct interp_cpu *c;		/* the caller's state, changed in place; undo restores it */
	const struct interp_mem *mem;
	struct gva_ctx g;
	struct interp_result *res;
	unsigned int cpl;
	unsigned int cpl0;		/* the CPL before the instruction */
	uint32_t gen0;			/* the TLB's generation before the instruction */
	struct xlat fetched;		/* where its bytes are (fetch()) */
	/* Cleared for each instruction (init_ctx()), from here to undo. */
	struct insn in;
	unsigned int nwr;		/* entries used in wr[] */
	unsigned int nwalk;		/* entries used in walk[], walk_write[] */
	/* LOCK-prefixed (or implicitly locked) read-modify-write of one operand */
	bool locked;
	uint8_t *lock_p;
	unsigned int lock_size;
	uint64_t lock_old, lock_new;
	bool lock_pending;
	bool lock_read;			/* the locked operand was read (lock_old) */
	bool lock_ok;			/* the opcode accepts LOCK with this operand */
	bool rmw;			/* the r/m operand is read and written: read with write intent */
	bool branched;			/* RIP was set by the instruction */
	bool incomplete;		/* REP stopped before its end */
	bool keep_rf;			/* IRET loaded RF from the stack: not cleared at completion */
	bool sys;			/* more than the GPRs, RIP and RFLAGS may change
					   (sys.c, deliver.c, seg_load()): undo is whole (sys_begin()) */
	struct interp_insn_entry *fill;	/* the decoded-instruction entry to make when it commits */
	/* Not cleared: only the first nwr / nwalk entries are valid. */
	struct interp_cpu undo;		/* the state before the instruction: up to RFLAGS, all when sys */
	struct pending_write wr[MAX_WRITES];
	struct gva_walk walk[MAX_WALKS];
	bool walk_write[MAX_WALKS];
	uint64_t walk_va[MAX_WALKS];	/* the linear address and access kind of each walk, for the TLB */
	uint16_t walk_key[MAX_WALKS];
};

/* The small helpers of every instruction, inline. */
static inline uint64_t mem_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static inline uint64_t sext(uint64_t v, unsigned int size)
{
	unsigned int sh = 64 - size * 8;

	return size >= 8 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}

/* Registers: byte registers 4-7 without REX are AH..BH (SDM vol. 2 3.4.1.1 for the zero extension). */
static inline uint64_t reg_get(const struct ictx *x, unsigned int r, unsigned int size)
{
	if (size == 1 && !x->in.rex && r >= 4 && r < 8)
		return (x->c->gpr[r - 4] >> 8) & 0xff;
	return x->c->gpr[r] & mem_mask(size);
}

static inline void reg_set(struct ictx *x, unsigned int r, unsigned int size, uint64_t v)
{
	uint64_t *g;

	if (size == 1 && !x->in.rex && r >= 4 && r < 8) {
		g = &x->c->gpr[r - 4];
		*g = (*g & ~0xff00ULL) | ((v & 0xff) << 8);
		return;
	}
	g = &x->c->gpr[r];
	if (size >= 4)
		*g = v & mem_mask(size);	/* a 32-bit result zero-extends (SDM vol. 1 3.4.1.1) */
	else
		*g = (*g & ~mem_mask(size)) | (v & mem_mask(size));
}

/* interp.c */
int ie_fault(struct ictx *x, uint8_t vector, bool has_error, uint32_t error);
int ie_fallback(struct ictx *x, enum interp_fallback reason);
void init_ctx(struct ictx *x, struct interp_cpu *cpu, const struct interp_mem *mem, struct interp_result *res);
/* Before an instruction changes more than the GPRs, RIP and RFLAGS: keep all of the state to undo. */
void sys_begin(struct ictx *x);
/* The instruction does not complete: the state as it was before it (or its last REP iteration). */
void rollback(struct ictx *x);

/* tlb.c: the software TLB (interp.h) */
void tlb_sync(struct interp_tlb *t, const struct gva_ctx *g);
bool tlb_lookup(const struct interp_tlb *t, uint64_t va, uint16_t key, uint64_t *gpa);
void tlb_insert(struct interp_tlb *t, uint64_t va, uint16_t key, const struct gva_walk *w);
void tlb_written(struct interp_tlb *t, uint64_t gpa, unsigned int len);

/* mem.c: segmentation, paging, RAM and the pending writes */
int mem_linear(struct ictx *x, int seg, uint64_t off, unsigned int size, bool write, uint64_t *lin);
int mem_xlat(struct ictx *x, uint64_t lin, unsigned int len, unsigned int access, struct xlat *t);
int mem_read(struct ictx *x, int seg, uint64_t off, unsigned int size, uint64_t *v);
int mem_read_x(struct ictx *x, int seg, uint64_t off, unsigned int size, uint64_t *v, struct xlat *t);
int mem_write(struct ictx *x, int seg, uint64_t off, unsigned int size, uint64_t v);
int mem_write_x(struct ictx *x, int seg, uint64_t off, unsigned int size, struct xlat *t);
int mem_fetch(struct ictx *x, uint8_t *buf, unsigned int *n, bool need_all, struct xlat *t);
int mem_commit(struct ictx *x);
/* The pages of [gpa, gpa + len) in interp_mem.written (which must be there): for writes made without mem_commit(). */
void mark_written(const struct interp_mem *m, uint64_t gpa, uint64_t len);
/* Linear-address accesses without segmentation (descriptor tables, TSS, event frames). */
int mem_read_lin(struct ictx *x, uint64_t lin, unsigned int size, unsigned int access, uint64_t *v);
int mem_write_lin(struct ictx *x, uint64_t lin, unsigned int size, unsigned int access, uint64_t v);
bool mem_canonical(const struct ictx *x, uint64_t a);

/* operand.c: prefixes, ModRM, registers, operands, stack */
int dec_prefixes(struct ictx *x);
int dec_modrm(struct ictx *x);
int dec_imm(struct ictx *x, unsigned int size, uint64_t *v);	/* sign-extended */
int rm_read(struct ictx *x, unsigned int size, uint64_t *v);
int rm_read_rmw(struct ictx *x, unsigned int size, uint64_t *v);
int rm_write(struct ictx *x, unsigned int size, uint64_t v);
int push(struct ictx *x, unsigned int size, uint64_t v);
int pop(struct ictx *x, unsigned int size, uint64_t *v);
unsigned int stack_size(const struct ictx *x);
int set_rip(struct ictx *x, uint64_t target, unsigned int size);

/* flags.c: results and RFLAGS of the arithmetic (SDM vol. 2 per instruction) */
enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
uint64_t alu(enum alu_op op, uint64_t a, uint64_t b, unsigned int size, uint64_t *fl);
uint64_t alu_incdec(bool dec, uint64_t a, unsigned int size, uint64_t *fl);
uint64_t alu_neg(uint64_t a, unsigned int size, uint64_t *fl);
uint64_t alu_shift(unsigned int op, uint64_t a, unsigned int count, unsigned int size, uint64_t *fl);
uint64_t alu_shxd(bool right, uint64_t a, uint64_t b, unsigned int count, unsigned int size,
		  uint64_t *fl);
void flags_szp(uint64_t r, unsigned int size, uint64_t *fl);
bool cond(unsigned int cc, uint64_t fl);

/* desc.c: segment descriptors (SDM vol. 3 3.4.5, 5.2-5.8) */
struct desc {
	struct interp_seg seg;		/* the hidden part it loads (sel as given) */
	uint64_t lo, hi;		/* the raw descriptor (hi: the upper 8 bytes of a 16-byte one) */
	uint64_t lin;			/* its linear address, for the accessed bit */
};
int desc_read(struct ictx *x, uint16_t sel, bool wide, uint8_t vector, uint32_t ext, struct desc *d);
int desc_set_accessed(struct ictx *x, struct desc *d);
int desc_load_code(struct ictx *x, uint16_t sel, unsigned int rpl, struct desc *d);
int seg_load(struct ictx *x, int sreg, uint16_t sel);
void seg_flat(struct interp_seg *s, uint16_t sel, bool code, unsigned int dpl, bool l64);
void seg_null(struct interp_seg *s, uint16_t sel, unsigned int dpl);
bool seg_is_code(const struct interp_seg *s);
bool seg_is_writable_data(const struct interp_seg *s);

/* deliver.c: event delivery through the IVT/IDT */
struct event {
	uint8_t vector;
	bool has_error;
	uint32_t error;
	bool soft;			/* INT n, INT3, INTO: gate DPL checked, EXT = 0 */
	bool fault;			/* fault class: RF set in the pushed RFLAGS */
	uint64_t ret_rip;		/* the RIP pushed */
};
int deliver_event(struct ictx *x, const struct event *e);

/* sys.c: INT n, IRET, SYSCALL..., far branches */
int exec_int(struct ictx *x);
int exec_iret(struct ictx *x);
int exec_far(struct ictx *x, unsigned int kind, uint64_t off, uint16_t sel);
int exec_sys0f(struct ictx *x);
int exec_sreg(struct ictx *x);

/* exec.c, exec0f.c, string.c */
int exec_one_byte(struct ictx *x);
int exec_0f(struct ictx *x);
int exec_string(struct ictx *x);
int exec_muldiv(struct ictx *x, unsigned int sub, unsigned int size, uint64_t src);
int lockable(struct ictx *x);
int near_branch(struct ictx *x, uint64_t target, bool call);
unsigned int branch_size(const struct ictx *x);
int commit_iteration(struct ictx *x);

#endif
