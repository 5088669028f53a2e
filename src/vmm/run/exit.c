// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/run/exit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *exit_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_NMI] = "NMI",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "(unknown)";
}

static void outcome_error(struct exit_outcome *out, enum exit_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void outcome_error(struct exit_outcome *out, enum exit_kind kind, const char *fmt, ...)
{
	va_list ap;

	out->kind = kind;
	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof(out->msg), fmt, ap);
	va_end(ap);
}

/* KVM_EXIT_IO: count accesses of size bytes at data_offset (string I/O has count > 1). */
static void exit_pio(const struct exit_ctx *ctx, struct kvm_run *run, struct exit_outcome *out)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	for (uint32_t i = 0; i < run->io.count && out->kind == EXIT_CONTINUE; i++) {
		struct io_access a = {
			.space = IO_PIO,
			.addr = run->io.port,
			.size = run->io.size,
			.write = run->io.direction == KVM_EXIT_IO_OUT,
			.data = data + (size_t)i * run->io.size,
		};

		io_bus_access(ctx->bus, &a, out);
	}
}

static void exit_mmio(const struct exit_ctx *ctx, struct kvm_run *run, struct exit_outcome *out)
{
	struct io_access a = {
		.space = IO_MMIO,
		.addr = run->mmio.phys_addr,
		.size = run->mmio.len > 8 ? 8 : run->mmio.len,
		.write = run->mmio.is_write,
		.data = run->mmio.data,
	};

	io_bus_access(ctx->bus, &a, out);
}

/* KVM_EXIT_X86_RDMSR/WRMSR: msr.error != 0 makes KVM inject #GP (api.rst 5). */
static void exit_msr(const struct exit_ctx *ctx, struct kvm_run *run, bool write)
{
	uint64_t val = run->msr.data;
	int r = -1;

	if (ctx->msr && write && ctx->msr->wrmsr)
		r = ctx->msr->wrmsr(ctx->msr->opaque, run->msr.index, val);
	else if (ctx->msr && !write && ctx->msr->rdmsr)
		r = ctx->msr->rdmsr(ctx->msr->opaque, run->msr.index, &val);
	run->msr.data = val;
	run->msr.error = r < 0 ? 1 : 0;
}

static void exit_internal_error(struct kvm_run *run, struct exit_outcome *out)
{
	char extra[128] = "";
	size_t off = 0;

	for (uint32_t i = 0; i < run->internal.ndata && i < 4; i++)
		off += (size_t)snprintf(extra + off, sizeof(extra) - off, " 0x%llx",
					(unsigned long long)run->internal.data[i]);
	outcome_error(out, EXIT_ERROR, "KVM internal error, suberror %u%s%s%s",
		      run->internal.suberror,
		      run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
		      " (instruction emulation failed)" : "",
		      off ? ", data" : "", extra);
}

static void exit_system_event(struct kvm_run *run, struct exit_outcome *out)
{
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_RESET:
		out->kind = EXIT_RESET;
		snprintf(out->msg, sizeof(out->msg), "guest requested a reset");
		break;
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		out->kind = EXIT_GUEST_STATUS;
		out->status = 0;
		break;
	default:
		outcome_error(out, EXIT_ERROR, "guest system event %u (crash)", run->system_event.type);
		break;
	}
}

void exit_dispatch(const struct exit_ctx *ctx, struct kvm_run *run, struct exit_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = EXIT_CONTINUE;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		exit_pio(ctx, run, out);
		break;
	case KVM_EXIT_MMIO:
		exit_mmio(ctx, run, out);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		exit_msr(ctx, run, run->exit_reason == KVM_EXIT_X86_WRMSR);
		break;
	case KVM_EXIT_INTR:
		out->kind = EXIT_INTERRUPTED;
		break;
	case KVM_EXIT_DEBUG:
		out->kind = EXIT_DEBUG;
		break;
	case KVM_EXIT_SHUTDOWN:
		outcome_error(out, EXIT_SHUTDOWN, "guest triple fault (KVM_EXIT_SHUTDOWN)");
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		exit_system_event(run, out);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		exit_internal_error(run, out);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		outcome_error(out, EXIT_ERROR, "VM entry failed, hardware reason 0x%llx on CPU %u",
			      (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			      run->fail_entry.cpu);
		break;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; vmm always has one. */
		outcome_error(out, EXIT_ERROR, "guest halted with no in-kernel LAPIC to wake it");
		break;
	default:
		outcome_error(out, EXIT_ERROR, "unexpected exit reason %u (%s)", run->exit_reason,
			      exit_reason_name(run->exit_reason));
		break;
	}
}
