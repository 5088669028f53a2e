// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit dispatch over made-up kvm_run contents, with the real devices on the
 * bus: what each exit reason turns into, and what each device answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/clock.h"
#include "vmm/bootinfo.h"
#include "vmm/run/exit.h"
#include "vmm/hw/debug_exit.h"
#include "vmm/hw/fw_cfg.h"
#include "vmm/hw/serial.h"

#define RUN_SIZE 4096
#define DATA_OFF 2048

struct fixture {
	union {
		struct kvm_run run;
		uint8_t raw[RUN_SIZE];
	} u;
	struct io_bus bus;
	struct serial serial;
	struct fw_cfg fw_cfg;
	int pipe[2];		/* serial output */
	struct exit_ctx ctx;
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	assert_int_equal(pipe2(f->pipe, O_CLOEXEC), 0);
	io_bus_init(&f->bus, NULL);
	assert_int_equal(serial_init(&f->serial, f->pipe[1], NULL), 0);
	fw_cfg_init(&f->fw_cfg, 64ULL << 20, 2);
	assert_int_equal(serial_register(&f->serial, &f->bus, VMM_PORT_SERIAL, NULL), 0);
	assert_int_equal(debug_exit_register(&f->bus, VMM_PORT_EXIT, NULL), 0);
	assert_int_equal(fw_cfg_register(&f->fw_cfg, &f->bus, VMM_PORT_FWCFG_SEL, NULL), 0);
	f->ctx.bus = &f->bus;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	serial_destroy(&f->serial);
	close(f->pipe[0]);
	close(f->pipe[1]);
	io_bus_destroy(&f->bus);
	test_free(f);
	return 0;
}

static void pio(struct fixture *f, uint16_t port, uint8_t dir, uint8_t size, uint32_t count,
		const void *data, struct exit_outcome *out)
{
	memset(&f->u, 0, sizeof(f->u));
	f->u.run.exit_reason = KVM_EXIT_IO;
	f->u.run.io.direction = dir;
	f->u.run.io.size = size;
	f->u.run.io.port = port;
	f->u.run.io.count = count;
	f->u.run.io.data_offset = DATA_OFF;
	if (data)
		memcpy(f->u.raw + DATA_OFF, data, (size_t)size * count);
	exit_dispatch(&f->ctx, &f->u.run, out);
}

/* Port I/O: (port, direction, size, value written) -> (outcome, value read back). */
static const struct pio_case {
	const char *name;
	uint16_t port;
	uint8_t dir, size;
	uint32_t value;
	enum exit_kind kind;
	int status;
	uint32_t read;		/* expected data for reads */
} pio_cases[] = {
	{ "exit 0 -> status 1", 0xf4, KVM_EXIT_IO_OUT, 1, 0, EXIT_GUEST_STATUS, 1, 0 },
	{ "exit 5 byte -> 11", 0xf4, KVM_EXIT_IO_OUT, 1, 5, EXIT_GUEST_STATUS, 11, 0 },
	{ "exit 38 dword -> 77", 0xf4, KVM_EXIT_IO_OUT, 4, 38, EXIT_GUEST_STATUS, 77, 0 },
	{ "exit 0x81 keeps low 8 bits of status", 0xf4, KVM_EXIT_IO_OUT, 1, 0x81, EXIT_GUEST_STATUS, 3, 0 },
	{ "exit port read is all-ones", 0xf4, KVM_EXIT_IO_IN, 1, 0, EXIT_CONTINUE, 0, 0xff },
	{ "LSR reads THRE|TEMT", 0x3fd, KVM_EXIT_IO_IN, 1, 0, EXIT_CONTINUE, 0, 0x60 },
	{ "IIR: no interrupt pending", 0x3fa, KVM_EXIT_IO_IN, 1, 0, EXIT_CONTINUE, 0, 0x01 },
	{ "RBR reads 0: nothing received", 0x3f8, KVM_EXIT_IO_IN, 1, 0, EXIT_CONTINUE, 0, 0 },
	{ "unhandled port byte read", 0x80, KVM_EXIT_IO_IN, 1, 0, EXIT_CONTINUE, 0, 0xff },
	{ "unhandled port dword read", 0xcfc, KVM_EXIT_IO_IN, 4, 0, EXIT_CONTINUE, 0, 0xffffffff },
	{ "unhandled port write dropped", 0x1234, KVM_EXIT_IO_OUT, 2, 0xbeef, EXIT_CONTINUE, 0, 0 },
	{ "fw_cfg selector write", 0x510, KVM_EXIT_IO_OUT, 2, FW_CFG_NB_CPUS, EXIT_CONTINUE, 0, 0 },
	{ "fw_cfg data write ignored", 0x511, KVM_EXIT_IO_OUT, 1, 7, EXIT_CONTINUE, 0, 0 },
};

static void test_pio_table(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(pio_cases) / sizeof(pio_cases[0]); i++) {
		const struct pio_case *c = &pio_cases[i];
		struct exit_outcome out;
		uint32_t v = c->value, got = 0;

		print_message("# %s\n", c->name);
		pio(f, c->port, c->dir, c->size, 1, &v, &out);
		assert_int_equal(out.kind, c->kind);
		if (c->kind == EXIT_GUEST_STATUS)
			assert_int_equal(out.status, c->status);
		if (c->dir == KVM_EXIT_IO_IN) {
			memcpy(&got, f->u.raw + DATA_OFF, c->size);
			assert_int_equal(got, c->read);
		}
	}
}

static void test_serial_output_and_string_io(void **state)
{
	struct fixture *f = *state;
	struct exit_outcome out;
	char buf[16] = { 0 };

	/* rep outsb of "hi\n": one exit with count 3. */
	pio(f, 0x3f8, KVM_EXIT_IO_OUT, 1, 3, "hi\n", &out);
	assert_int_equal(out.kind, EXIT_CONTINUE);
	assert_int_equal(read(f->pipe[0], buf, sizeof(buf)), 3);
	assert_string_equal(buf, "hi\n");
}

static void test_serial_buffers_until_newline(void **state)
{
	struct fixture *f = *state;
	struct exit_outcome out;
	char buf[16] = { 0 };

	pio(f, 0x3f8, KVM_EXIT_IO_OUT, 1, 1, "a", &out);
	assert_int_equal(f->serial.len, 1);
	serial_flush(&f->serial);
	assert_int_equal(read(f->pipe[0], buf, sizeof(buf)), 1);
	assert_string_equal(buf, "a");
}

/*
 * A reader that never reads: the vCPU is never blocked. Once the pipe and
 * the UART's buffer are full, LSR says the transmitter is busy and bytes
 * written anyway are counted as lost; when the reader catches up, LSR is
 * ready again and the output resumes in order. The caller's pipe stays
 * blocking: the UART writes through a handle of its own.
 */
static void test_serial_never_blocks_on_a_full_pipe(void **state)
{
	struct fixture *f = *state;
	struct exit_outcome out;
	uint64_t sent = 0, lost = 0;
	static char got[1 << 20];
	size_t total = 0;
	ssize_t n;

	alarm(10);	/* a blocked write would hang here */
	for (unsigned int i = 0; i < 300000; i++) {
		uint8_t c = (uint8_t)('a' + i % 26);

		pio(f, 0x3fd, KVM_EXIT_IO_IN, 1, 1, NULL, &out);
		if (!(f->u.raw[DATA_OFF] & 0x20)) {
			lost++;
			continue;	/* a polite guest waits for THRE; count what it would not send */
		}
		pio(f, 0x3f8, KVM_EXIT_IO_OUT, 1, 1, &c, &out);
		assert_int_equal(out.kind, EXIT_CONTINUE);
		sent++;
	}
	assert_true(lost > 0);
	assert_int_equal(f->serial.dropped, 0);
	/* An impolite guest writes while LSR says busy: those bytes are lost and counted. */
	pio(f, 0x3f8, KVM_EXIT_IO_OUT, 1, 3, "XYZ", &out);
	assert_int_equal(f->serial.dropped, 3);
	assert_false(fcntl(f->pipe[1], F_GETFL) & O_NONBLOCK);
	/* The reader catches up: everything sent arrives in order. */
	assert_int_equal(fcntl(f->pipe[0], F_SETFL, O_NONBLOCK), 0);
	for (;;) {
		n = read(f->pipe[0], got + total, sizeof(got) - total);
		if (n <= 0) {
			serial_flush(&f->serial);
			n = read(f->pipe[0], got + total, sizeof(got) - total);
			if (n <= 0)
				break;
		}
		total += (size_t)n;
	}
	assert_int_equal(total, sent);
	for (size_t i = 0; i < total; i++)
		assert_int_equal(got[i], 'a' + i % 26);
	pio(f, 0x3fd, KVM_EXIT_IO_IN, 1, 1, NULL, &out);
	assert_int_equal(f->u.raw[DATA_OFF], 0x60);
	alarm(0);
}

/* serial_drain() waits for a slow reader but gives up at its timeout, and empties the buffer when it reads. */
static void test_serial_drain_gives_up_at_timeout(void **state)
{
	struct fixture *f = *state;
	struct exit_outcome out;
	int64_t t0;
	size_t left;

	/* Past the push threshold, the pipe is full: bytes stay in the UART's buffer. */
	while (f->serial.len < 8192)
		pio(f, 0x3f8, KVM_EXIT_IO_OUT, 1, 1, "q", &out);
	t0 = vmm_mono_ms();
	left = serial_drain(&f->serial, -1, 50);
	assert_true(vmm_mono_ms() - t0 >= 50);
	assert_int_equal(left, f->serial.len);
	assert_true(left >= 8192);
	/* A stop fd that is readable ends the wait at once. */
	assert_int_equal(serial_drain(&f->serial, f->pipe[0], -1), left);
}

static void test_serial_dlab_and_scratch(void **state)
{
	struct fixture *f = *state;
	struct exit_outcome out;
	uint8_t v;

	v = 0x80;			/* LCR.DLAB */
	pio(f, 0x3fb, KVM_EXIT_IO_OUT, 1, 1, &v, &out);
	v = 0x0c;			/* divisor 12: 9600 baud, must not transmit */
	pio(f, 0x3f8, KVM_EXIT_IO_OUT, 1, 1, &v, &out);
	assert_int_equal(f->serial.len, 0);
	pio(f, 0x3f8, KVM_EXIT_IO_IN, 1, 1, NULL, &out);
	assert_int_equal(f->u.raw[DATA_OFF], 0x0c);
	v = 0x03;			/* 8N1, DLAB off */
	pio(f, 0x3fb, KVM_EXIT_IO_OUT, 1, 1, &v, &out);
	v = 0x5a;
	pio(f, 0x3ff, KVM_EXIT_IO_OUT, 1, 1, &v, &out);
	pio(f, 0x3ff, KVM_EXIT_IO_IN, 1, 1, NULL, &out);
	assert_int_equal(f->u.raw[DATA_OFF], 0x5a);
}

/* fw_cfg items as a guest reads them: select, then byte reads. */
static const struct fwcfg_case {
	uint16_t key;
	unsigned int len;
	uint64_t value;
} fwcfg_cases[] = {
	{ FW_CFG_SIGNATURE, 4, 0x554d4551 },	/* "QEMU" */
	{ FW_CFG_ID, 4, 1 },
	{ FW_CFG_RAM_SIZE, 8, 64ULL << 20 },
	{ FW_CFG_NB_CPUS, 2, 2 },
	{ FW_CFG_MAX_CPUS, 2, 2 },
	{ 0x1234, 4, 0 },			/* unknown item reads empty */
};

static void test_fw_cfg_items(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(fwcfg_cases) / sizeof(fwcfg_cases[0]); i++) {
		const struct fwcfg_case *c = &fwcfg_cases[i];
		struct exit_outcome out;
		uint64_t got = 0;

		pio(f, 0x510, KVM_EXIT_IO_OUT, 2, 1, &c->key, &out);
		for (unsigned int b = 0; b < c->len; b++) {
			pio(f, 0x511, KVM_EXIT_IO_IN, 1, 1, NULL, &out);
			got |= (uint64_t)f->u.raw[DATA_OFF] << (8 * b);
		}
		assert_int_equal(got, c->value);
		/* Past the end reads 0. */
		pio(f, 0x511, KVM_EXIT_IO_IN, 1, 1, NULL, &out);
		assert_int_equal(f->u.raw[DATA_OFF], 0);
	}
}

static void test_mmio_unhandled(void **state)
{
	struct fixture *f = *state;
	struct exit_outcome out;

	memset(&f->u, 0, sizeof(f->u));
	f->u.run.exit_reason = KVM_EXIT_MMIO;
	f->u.run.mmio.phys_addr = 0xd0000000;
	f->u.run.mmio.len = 4;
	exit_dispatch(&f->ctx, &f->u.run, &out);
	assert_int_equal(out.kind, EXIT_CONTINUE);
	assert_memory_equal(f->u.run.mmio.data, "\xff\xff\xff\xff\0\0\0\0", 8);
	assert_int_equal(f->bus.nr_unhandled, 1);

	f->u.run.mmio.is_write = 1;
	exit_dispatch(&f->ctx, &f->u.run, &out);
	assert_int_equal(out.kind, EXIT_CONTINUE);
	assert_int_equal(f->bus.nr_unhandled, 2);
}

/* Exit reasons that end the run, and the words their messages must carry. */
static const struct reason_case {
	uint32_t reason;
	uint32_t sub;
	enum exit_kind kind;
	const char *msg;
} reason_cases[] = {
	{ KVM_EXIT_SHUTDOWN, 0, EXIT_SHUTDOWN, "triple fault" },
	{ KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_EMULATION, EXIT_ERROR, "emulation failed" },
	{ KVM_EXIT_INTERNAL_ERROR, 3, EXIT_ERROR, "suberror 3" },
	{ KVM_EXIT_FAIL_ENTRY, 0x21, EXIT_ERROR, "hardware reason 0x21" },
	{ KVM_EXIT_HLT, 0, EXIT_ERROR, "halted" },
	{ KVM_EXIT_SYSTEM_EVENT, KVM_SYSTEM_EVENT_RESET, EXIT_RESET, "reset" },
	{ KVM_EXIT_SYSTEM_EVENT, KVM_SYSTEM_EVENT_CRASH, EXIT_ERROR, "crash" },
	{ KVM_EXIT_INTR, 0, EXIT_INTERRUPTED, "" },
	{ KVM_EXIT_DEBUG, 0, EXIT_DEBUG, "" },
	{ 999, 0, EXIT_ERROR, "unexpected exit reason 999" },
	{ KVM_EXIT_HYPERCALL, 0, EXIT_ERROR, "HYPERCALL" },
};

static void test_exit_reasons(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(reason_cases) / sizeof(reason_cases[0]); i++) {
		const struct reason_case *c = &reason_cases[i];
		struct exit_outcome out;

		memset(&f->u, 0, sizeof(f->u));
		f->u.run.exit_reason = c->reason;
		switch (c->reason) {
		case KVM_EXIT_INTERNAL_ERROR: f->u.run.internal.suberror = c->sub; break;
		case KVM_EXIT_FAIL_ENTRY: f->u.run.fail_entry.hardware_entry_failure_reason = c->sub; break;
		case KVM_EXIT_SYSTEM_EVENT: f->u.run.system_event.type = c->sub; break;
		default: break;
		}
		exit_dispatch(&f->ctx, &f->u.run, &out);
		assert_int_equal(out.kind, c->kind);
		assert_non_null(strstr(out.msg, c->msg));
	}
}

static int fake_rdmsr(void *opaque, uint32_t index, uint64_t *val)
{
	(void)opaque;
	if (index != 0xc1)
		return -1;
	*val = 0x1234;
	return 0;
}

static int fake_wrmsr(void *opaque, uint32_t index, uint64_t val)
{
	*(uint64_t *)opaque = val;
	return index == 0xc1 ? 0 : -1;
}

static void msr_exit(struct fixture *f, uint32_t reason, uint32_t index, uint64_t data,
		     struct exit_outcome *out)
{
	memset(&f->u, 0, sizeof(f->u));
	f->u.run.exit_reason = reason;
	f->u.run.msr.index = index;
	f->u.run.msr.data = data;
	f->u.run.msr.reason = KVM_MSR_EXIT_REASON_FILTER;
	exit_dispatch(&f->ctx, &f->u.run, out);
}

static void test_msr_exits(void **state)
{
	struct fixture *f = *state;
	uint64_t written = 0;
	const struct exit_msr_ops ops = { fake_rdmsr, fake_wrmsr, &written };
	struct exit_outcome out;

	/* No MSR handler: every filtered access injects #GP. */
	msr_exit(f, KVM_EXIT_X86_RDMSR, 0xc1, 0, &out);
	assert_int_equal(out.kind, EXIT_CONTINUE);
	assert_int_equal(f->u.run.msr.error, 1);

	f->ctx.msr = &ops;
	msr_exit(f, KVM_EXIT_X86_RDMSR, 0xc1, 0, &out);
	assert_int_equal(f->u.run.msr.error, 0);
	assert_int_equal(f->u.run.msr.data, 0x1234);
	msr_exit(f, KVM_EXIT_X86_RDMSR, 0xc2, 0, &out);
	assert_int_equal(f->u.run.msr.error, 1);
	msr_exit(f, KVM_EXIT_X86_WRMSR, 0xc1, 0xabcd, &out);
	assert_int_equal(f->u.run.msr.error, 0);
	assert_int_equal(written, 0xabcd);
	msr_exit(f, KVM_EXIT_X86_WRMSR, 0xc2, 1, &out);
	assert_int_equal(f->u.run.msr.error, 1);
	f->ctx.msr = NULL;
}

static void noop_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	(void)opaque; (void)a; (void)out;
}

static void test_bus_registration(void **state)
{
	struct fixture *f = *state;
	struct vmm_err err = { 0 };

	/* Overlaps the serial port's 8 registers. */
	assert_int_equal(io_bus_register(&f->bus, IO_PIO, 0x3fc, 2, "x", noop_io, NULL, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "overlaps serial"));
	/* The same address in the other space is fine. */
	assert_int_equal(io_bus_register(&f->bus, IO_MMIO, 0x3f8, 8, "m", noop_io, NULL, &err), 0);
	assert_int_equal(io_bus_register(&f->bus, IO_PIO, 0, 0, "z", noop_io, NULL, &err), -EINVAL);
	assert_int_equal(io_bus_register(&f->bus, IO_MMIO, UINT64_MAX, 2, "w", noop_io, NULL, &err),
			 -EINVAL);
}

static void test_unhandled_logged_once(void **state)
{
	struct fixture *f = *state;
	struct exit_outcome out;
	char *text = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&text, &len);

	f->bus.log = log;
	for (int i = 0; i < 3; i++)
		pio(f, 0x80, KVM_EXIT_IO_IN, 1, 1, NULL, &out);
	pio(f, 0x81, KVM_EXIT_IO_OUT, 1, 1, "\x42", &out);
	fclose(log);
	f->bus.log = NULL;
	assert_int_equal(f->bus.nr_unhandled, 4);
	assert_non_null(strstr(text, "unhandled port read at 0x80"));
	assert_null(strstr(strstr(text, "0x80") + 1, "at 0x80,"));	/* once */
	assert_non_null(strstr(text, "unhandled port write at 0x81, size 1, value 0x42"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pio_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_output_and_string_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_buffers_until_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_never_blocks_on_a_full_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_drain_gives_up_at_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_dlab_and_scratch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fw_cfg_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_unhandled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msr_exits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bus_registration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unhandled_logged_once, setup, teardown),
	};

	return cmocka_run_group_tests_name("exit", tests, NULL, NULL);
}
