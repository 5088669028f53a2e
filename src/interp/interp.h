/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An x86 instruction interpreter for the software PMU: it executes one guest
 * instruction against a copy of the vCPU's registers and the guest's RAM,
 * and says whether it retired (with what the PMU model needs to know), raised
 * a fault, or must be left to KVM ("fall back"). Pure code: no file
 * descriptors, no global state. On a fault or a fall back nothing has been
 * changed: the instruction is computed and checked first, then committed.
 */
#ifndef VMM_INTERP_INTERP_H
#define VMM_INTERP_INTERP_H

#include <stdbool.h>
#include <stdint.h>

#include "pmu/soft/decode.h"

enum interp_gpr {
	INTERP_RAX, INTERP_RCX, INTERP_RDX, INTERP_RBX,
	INTERP_RSP, INTERP_RBP, INTERP_RSI, INTERP_RDI,
	INTERP_R8, INTERP_R9, INTERP_R10, INTERP_R11,
	INTERP_R12, INTERP_R13, INTERP_R14, INTERP_R15,
};

/* Segment registers in the order of the ModRM sreg field (SDM vol. 2 table 3-1). */
enum interp_sreg { INTERP_ES, INTERP_CS, INTERP_SS, INTERP_DS, INTERP_FS, INTERP_GS };

/* A segment register with its hidden part (the fields of struct kvm_segment). */
struct interp_seg {
	uint64_t base;
	uint32_t limit;			/* byte granular (G already applied) */
	uint16_t sel;
	uint8_t type;			/* descriptor type, bits 3:0 */
	uint8_t dpl;
	bool present, s, db, l, g, unusable;
};

/* GDTR, IDTR (SDM vol. 3 2.4). */
struct interp_dtable {
	uint64_t base;
	uint16_t limit;
};

struct interp_cpu {
	uint64_t gpr[16];
	uint64_t rip, rflags;
	struct interp_seg seg[6];
	uint64_t cr0, cr2, cr3, cr4, efer;
	/* System state for event delivery and the system instructions (KVM_GET_SREGS, KVM_GET_MSRS). */
	struct interp_dtable gdtr, idtr;
	struct interp_seg tr, ldtr;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	bool nmi_masked;		/* NMIs blocked: set by NMI delivery, cleared by IRET */
	bool amd;			/* the guest's vendor is AMD (SYSRET, SYSENTER, SYSCALL differ) */
};

/*
 * Guest physical memory: one flat RAM buffer at guest-physical 0. An access
 * outside it (MMIO, unbacked) makes the instruction fall back before any
 * side effect. maxphyaddr (0: not checked) feeds the reserved-bit checks of
 * the page walk.
 */
struct interp_mem {
	uint8_t *ram;
	uint64_t ram_size;
	unsigned int maxphyaddr;
	struct interp_tlb *tlb;		/* NULL: every access walks the page tables */
	/*
	 * NULL, or a bitmap of RAM's 4 KiB pages (bit gpa >> 12 of word
	 * gpa >> 18): each commit sets the bit of every page it may have
	 * written (stores, a locked operand, the paging entries whose
	 * accessed and dirty bits it sets). Never cleared here.
	 */
	uint64_t *written;
};

/* Set the bits of the pages of [gpa, gpa + len) in a bitmap of interp_mem.written's layout (none beyond ram_size). */
void interp_mark_pages(uint64_t *bitmap, uint64_t ram_size, uint64_t gpa, uint64_t len);

/*
 * A software TLB: the translations of earlier instructions, kept across
 * interp_step() calls (SDM vol. 3 4.10: a processor may cache a
 * translation until INVLPG or a CR3 load invalidates it). An entry is made
 * when an instruction commits, after the accessed (and, for a write, dirty)
 * bits of its walk are set, and is used only for the same page, the same
 * kind of access (write, user, fetch, implicit, RFLAGS.AC) and the same
 * CR0, CR3, CR4, EFER and RAM; any other value of these empties it. It is
 * also emptied when an instruction of the interpreter writes to a
 * page-table page that an entry was walked through, and when interp_step()
 * falls back (KVM runs the instruction: INVLPG, MOV CR3, WRMSR...). The
 * caller calls interp_tlb_flush() whenever the guest ran or its state was
 * loaded outside the interpreter. Zero-initialised is empty.
 * It also keeps the last instructions decoded, by RIP (struct
 * interp_insn_entry): the classifier's result (x86_classify()) and the
 * prefixes and opcode the interpreter decoded, with the host address of
 * the bytes. An entry is used only for the same RIP, code size, CS base,
 * CPL and TLB generation (so the same translation, still valid), and only
 * when the bytes in guest RAM are still the same: never stale, also under
 * self-modifying code.
 */
#define INTERP_TLB_ENTRIES 256
#define INTERP_TLB_PT_PAGES 16

struct interp_tlb_entry {
	uint64_t vpn;			/* linear address >> 12 */
	uint64_t gpa;			/* guest-physical address of the 4 KiB page */
	uint32_t gen;			/* valid when it equals interp_tlb.gen */
	uint16_t key;			/* the access kind */
};

#define INTERP_TLB_INSNS 256

struct interp_insn_entry {
	uint64_t rip, cs_base;
	const uint8_t *p[2];		/* the bytes in RAM: n0 at p[0], the rest at p[1] */
	uint32_t gen;			/* interp_tlb.gen when made; 0: empty */
	uint8_t n0, mode, cpl;
	struct x86_insn_class cls;
	uint8_t b[16];			/* X86_MAX_INSN_LEN, and zero after cls.len */
	/* The interpreter's decoding of the prefixes and the opcode (src/interp/operand.c dec_prefixes()). */
	uint8_t pos, osz, asz, rex, op;
	int8_t seg;
	bool lock, rep, repne, p66, map0f;
};

struct interp_tlb {
	uint32_t gen;			/* 0: never used */
	uint64_t cr0, cr3, cr4, efer;	/* what every entry was made under */
	const uint8_t *ram;
	uint64_t ram_size;
	unsigned int maxphyaddr;
	unsigned int npt;
	uint64_t pt[INTERP_TLB_PT_PAGES];	/* page-table pages walked for the entries */
	struct interp_tlb_entry e[INTERP_TLB_ENTRIES];
	struct interp_insn_entry insn[INTERP_TLB_INSNS];
};

/* Forget every translation. */
void interp_tlb_flush(struct interp_tlb *t);

enum interp_status {
	INTERP_RETIRED,		/* the instruction completed; the state is updated */
	INTERP_FAULT,		/* an exception to deliver; the state is unchanged */
	INTERP_FALLBACK,	/* not for the interpreter; the state is unchanged */
	INTERP_INCOMPLETE,	/* a REP string instruction did some iterations and
				   will continue at the same RIP (not retired yet) */
};

enum interp_fallback {
	INTERP_FB_NONE = 0,
	INTERP_FB_UNIMPLEMENTED,	/* an opcode or form the interpreter lacks */
	INTERP_FB_UNDEFINED,		/* the classifier rejects the bytes (KVM raises #UD) */
	INTERP_FB_PRIVILEGED,		/* port I/O, MSR, CPUID, CR, HLT, ...: the VMM's or KVM's job */
	INTERP_FB_FPU,			/* x87 / SSE / AVX state */
	INTERP_FB_MMIO,			/* a guest-physical address outside RAM */
	INTERP_FB_MODE,			/* a CPU mode the interpreter does not run (VM86, SMM...) */
	INTERP_FB_FETCH,		/* the instruction bytes are not in RAM */
	INTERP_FB_SPLIT_LOCK,		/* a locked operand across a page or a cache line */
	INTERP_FB_CONTENDED,		/* a locked update lost its race 64 times in a row */
	INTERP_FB_DELIVERY,		/* event delivery the interpreter does not do: a task
					   gate, a call gate, a triple fault, a descriptor or
					   table outside RAM; hand the original event to KVM */
};
#define INTERP_FB_COUNT (INTERP_FB_DELIVERY + 1)

struct interp_result {
	enum interp_status status;
	struct x86_insn_class cls;	/* the classifier's view of the instruction (all but FETCH/UNDEFINED) */
	bool taken;			/* a branch that went to its target */
	bool irq_shadow;		/* STI that set IF, MOV SS, POP SS: blocking for one instruction */
	/* INTERP_FAULT */
	uint8_t vector;
	bool has_error;
	uint32_t error;
	uint64_t cr2;			/* #PF: the faulting linear address (not yet in cpu->cr2) */
	/* INTERP_FALLBACK */
	enum interp_fallback reason;
	uint64_t gpa;			/* INTERP_FB_MMIO: the address */
};

/* Upper bound of REP iterations one interp_step() runs before INTERP_INCOMPLETE. */
#define INTERP_REP_CHUNK 4096

#define X86_DE 0
#define X86_DB 1
#define X86_NMI 2
#define X86_BP 3
#define X86_OF 4
#define X86_UD 6
#define X86_DF 8
#define X86_TS 10
#define X86_NP 11
#define X86_SS 12
#define X86_GP 13
#define X86_PF 14
#define X86_AC 17

/*
 * Execute the instruction at cpu->rip. On INTERP_RETIRED and
 * INTERP_INCOMPLETE *cpu (and guest RAM) holds the new state; on
 * INTERP_FAULT and INTERP_FALLBACK neither has changed (for a REP string
 * instruction, the iterations before the one that faulted are done, as on
 * hardware). Returns the status, also stored in res->status.
 */
enum interp_status interp_step(struct interp_cpu *cpu, const struct interp_mem *mem,
			       struct interp_result *res);

/* An event to deliver through the guest's IDT. */
enum interp_event_kind {
	INTERP_EV_EXCEPTION,	/* a fault or trap raised by an instruction (#PF: cr2) */
	INTERP_EV_EXTINT,	/* an external (PIC, LAPIC) interrupt */
	INTERP_EV_NMI,		/* a non-maskable interrupt (vector 2) */
	INTERP_EV_SOFTINT,	/* INT n: the gate's DPL is checked against CPL */
};

struct interp_event {
	enum interp_event_kind kind;
	uint8_t vector;
	bool has_error;
	uint32_t error;
	uint64_t cr2;
};

/*
 * Deliver *ev through the guest's IVT (real mode) or IDT (protected mode,
 * long mode) as the processor does (SDM vol. 3 6.12-6.15), with the pushed
 * frame taking cpu->rip as the return address (the faulting instruction for
 * a fault, the next one for a trap or an interrupt). An exception raised by
 * the delivery itself is delivered in turn, with the double-fault rules of
 * SDM vol. 3 6.15 (interrupt 8). On INTERP_RETIRED *cpu is at the handler,
 * the frame is in guest RAM and res->vector is the vector finally
 * delivered (with res->error; res->cr2 for a #PF); an NMI sets
 * cpu->nmi_masked. On INTERP_FALLBACK (res->reason INTERP_FB_DELIVERY: a
 * task gate, a triple fault, a table outside RAM, virtual-8086 mode)
 * nothing changed: let KVM inject ev. INTERP_FAULT comes only for
 * INTERP_EV_SOFTINT: its delivery raised res->vector, a fault of the INT
 * instruction (nothing changed). RFLAGS.IF and the interrupt shadow are
 * not checked here: see interp_irq_allowed().
 */
enum interp_status interp_deliver(struct interp_cpu *cpu, const struct interp_mem *mem,
				  const struct interp_event *ev, struct interp_result *res);

/* An external interrupt can be taken now: RFLAGS.IF = 1 and no interrupt shadow (SDM vol. 3 6.8.3). */
bool interp_irq_allowed(const struct interp_cpu *cpu, bool shadow);

/*
 * An NMI can be taken now: not blocked by an earlier NMI (until IRET) nor
 * by an interrupt shadow (SDM vol. 3 6.7.1, 6.8.3; some processors let an
 * NMI through an STI shadow: it is held for one instruction here, which is
 * always allowed).
 */
bool interp_nmi_allowed(const struct interp_cpu *cpu, bool shadow);

/* Current privilege level: 0 in real mode, 3 in virtual-8086 mode, else SS.DPL (SDM vol. 3 5.5). */
unsigned int interp_cpl(const struct interp_cpu *cpu);
/* The same rule from the only state it reads (for callers that hold KVM's registers). */
unsigned int interp_cpl_from(uint64_t cr0, uint64_t rflags, unsigned int ss_dpl);

/* Code size of the current mode: 16, 32 or 64 (long mode with CS.L). */
int interp_code_size(const struct interp_cpu *cpu);
int interp_code_size_from(uint64_t efer, bool cs_l, bool cs_db);

/* A short name of a fall-back reason, for messages. */
const char *interp_fallback_name(enum interp_fallback r);

#endif
