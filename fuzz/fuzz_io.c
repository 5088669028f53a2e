// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device dispatch (src/vmm/hw/io.c) with the unhandled-access log on (what
 * vmm run -v does), over the VMM's devices (serial, debug exit, fw_cfg, the
 * reset ports) and a RAM-like MMIO device of the harness. The input: a
 * sequence of operations, each a flags byte (space, direction, size, address
 * base, sweep), a 16-bit address and 8 data bytes: one access, or a sweep of
 * 1 + data[0] % 64 accesses data[1] + 1 apart (at most MAX_ACCESSES in all), so
 * that more than IO_MAX_SEEN distinct unhandled addresses are in reach. Checked after every access:
 *   - a handled access reaches its own device at offset addr - base, inside it;
 *   - an unhandled read returns all-ones, every unhandled access is counted,
 *     and the log has one line per distinct unhandled address up to
 *     IO_MAX_SEEN, then one line saying it stops;
 *   - the outcome is one of the exit kinds, with a status or a reset only
 *     from the debug-exit and reset devices.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "vmm/bootinfo.h"
#include "vmm/hw/debug_exit.h"
#include "vmm/hw/fw_cfg.h"
#include "vmm/hw/reset.h"
#include "vmm/hw/serial.h"
#include "vmm/hw/io.h"

#define RAM_BASE 0xd0000000ULL
#define RAM_LEN 0x100
#define MAX_OPS 256
#define MAX_ACCESSES 512

struct ram_dev {
	uint8_t bytes[RAM_LEN];
	unsigned int calls;
};

static void ram_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct ram_dev *d = opaque;

	(void)out;
	FUZZ_CHECK(a->space == IO_MMIO && a->addr - RAM_BASE == a->offset && a->offset < RAM_LEN,
		   "the RAM device got an access at 0x%llx, offset 0x%llx", (unsigned long long)a->addr,
		   (unsigned long long)a->offset);
	d->calls++;
	for (unsigned int i = 0; i < a->size && a->offset + i < RAM_LEN; i++) {
		if (a->write)
			d->bytes[a->offset + i] = a->data[i];
		else
			a->data[i] = d->bytes[a->offset + i];
	}
}

/* The distinct unhandled addresses so far, the first IO_MAX_SEEN + 1 of them (a hash set). */
#define SEEN_SLOTS 1024		/* a power of two, well above IO_MAX_SEEN + 1 */

struct seen {
	unsigned int n;
	struct { bool used; enum io_space space; uint64_t addr; } slot[SEEN_SLOTS];
};

/* Add addr unless it is there (or IO_MAX_SEEN + 1 are). */
static void seen_add(struct seen *s, enum io_space space, uint64_t addr)
{
	unsigned int h = (unsigned int)((addr * 0x9e3779b97f4a7c15ULL + space) >> 54) & (SEEN_SLOTS - 1);

	for (; s->slot[h].used; h = (h + 1) & (SEEN_SLOTS - 1))
		if (s->slot[h].space == space && s->slot[h].addr == addr)
			return;
	if (s->n <= IO_MAX_SEEN) {
		s->slot[h].used = true;
		s->slot[h].space = space;
		s->slot[h].addr = addr;
		s->n++;
	}
}

static const struct io_region *region_of(const struct io_bus *bus, enum io_space space, uint64_t addr)
{
	for (unsigned int i = 0; i < bus->nr_regions; i++)
		if (bus->regions[i].space == space && addr >= bus->regions[i].base &&
		    addr - bus->regions[i].base < bus->regions[i].len)
			return &bus->regions[i];
	return NULL;
}

static unsigned int count_lines(const char *s, size_t len)
{
	unsigned int n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

struct state {
	struct io_bus *bus;
	struct ram_dev *ram;
	struct seen *seen;
	uint64_t unhandled;
};

static void access_one(struct state *t, uint8_t fl, uint64_t addr, const uint8_t *data)
{
	static const unsigned int sizes[4] = { 1, 2, 4, 8 };
	uint8_t buf[8];
	struct exit_outcome out = { .kind = EXIT_CONTINUE };
	struct io_access a = {
		.space = fl & 1 ? IO_MMIO : IO_PIO,
		.addr = addr,
		.write = fl & 2,
		.size = sizes[(fl >> 2) & 3],
		.data = buf,
	};
	const struct io_region *r;
	unsigned int calls = t->ram->calls;

	memcpy(buf, data, sizeof(buf));
	if (a.space == IO_PIO) {
		a.addr &= 0xffff;	/* 16-bit ports, */
		if (a.size == 8)
			a.size = 4;	/* at most 4 bytes wide */
	}
	r = region_of(t->bus, a.space, a.addr);
	io_bus_access(t->bus, &a, &out);
	FUZZ_CHECK(out.kind >= EXIT_CONTINUE && out.kind <= EXIT_DEBUG, "exit kind %d", out.kind);
	if (!r) {
		t->unhandled++;
		seen_add(t->seen, a.space, a.addr);
		FUZZ_CHECK(out.kind == EXIT_CONTINUE, "an unhandled access ended with kind %d", out.kind);
		if (!a.write)
			for (unsigned int i = 0; i < a.size; i++)
				FUZZ_CHECK(buf[i] == 0xff, "unhandled read byte %u is 0x%02x", i, buf[i]);
	} else {
		FUZZ_CHECK(a.offset == a.addr - r->base, "offset 0x%llx for 0x%llx in %s",
			   (unsigned long long)a.offset, (unsigned long long)a.addr, r->name);
		FUZZ_CHECK(t->ram->calls == calls + (r->fn == ram_io), "the access reached another device");
		FUZZ_CHECK(out.kind == EXIT_CONTINUE ||
			   (out.kind == EXIT_GUEST_STATUS && !strcmp(r->name, "debug-exit")) ||
			   (out.kind == EXIT_RESET && r->fn != ram_io && strcmp(r->name, "serial") &&
			    strcmp(r->name, "fw_cfg")),
			   "%s ended the access with kind %d", r->name, out.kind);
	}
	FUZZ_CHECK(t->bus->nr_unhandled == t->unhandled, "%llu unhandled counted, %llu made",
		   (unsigned long long)t->bus->nr_unhandled, (unsigned long long)t->unhandled);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t mmio_bases[4] = { 0, RAM_BASE, 0xfec00000ULL, 0xfee00000ULL };
	static struct io_bus bus;
	static struct seen seen;
	static struct ram_dev ram;
	struct fuzz_in in = { data, size };
	struct serial serial;
	struct fw_cfg fw;
	struct reset_dev rst = { 0 };
	struct vmm_err err = { 0 };
	char *log = NULL;
	size_t log_len = 0;
	FILE *f = open_memstream(&log, &log_len);
	unsigned int expect, accesses = 0;
	struct state t = { .bus = &bus, .ram = &ram, .seen = &seen };

	FUZZ_CHECK(f, "open_memstream failed");
	memset(&ram, 0, sizeof(ram));
	memset(&seen, 0, sizeof(seen));
	io_bus_init(&bus, f);
	FUZZ_CHECK(!serial_init(&serial, -1, &err), "serial_init: %s", err.msg);
	fw_cfg_init(&fw, 128ULL << 20, 1);
	FUZZ_CHECK(!serial_register(&serial, &bus, VMM_PORT_SERIAL, &err) &&
		   !debug_exit_register(&bus, VMM_PORT_EXIT, &err) &&
		   !fw_cfg_register(&fw, &bus, VMM_PORT_FWCFG_SEL, &err) &&
		   !reset_register(&rst, &bus, &err) &&
		   !io_bus_register(&bus, IO_MMIO, RAM_BASE, RAM_LEN, "fuzz-ram", ram_io, &ram, &err),
		   "registering the devices: %s", err.msg);
	FUZZ_CHECK(io_bus_register(&bus, IO_PIO, VMM_PORT_SERIAL + 7, 2, "overlap", ram_io, &ram, &err) == -EEXIST,
		   "an overlapping device was registered");

	for (unsigned int op = 0; op < MAX_OPS && in.n; op++) {
		uint8_t fl = fuzz_u8(&in), buf[8];
		uint64_t addr = fuzz_u16(&in), count = 1, stride = 0;

		for (int i = 0; i < 8; i++)
			buf[i] = fuzz_u8(&in);
		if (fl & 0x80) {	/* a sweep, as a guest probing ports or a region does */
			count = 1 + buf[0] % 64;
			stride = 1 + buf[1];
		}
		if (fl & 1)
			addr += mmio_bases[(fl >> 4) & 3];
		for (uint64_t k = 0; k < count && accesses < MAX_ACCESSES; k++, accesses++)
			access_one(&t, fl, addr + k * stride, buf);
	}
	serial_flush(&serial);
	serial_destroy(&serial);
	io_bus_destroy(&bus);
	FUZZ_CHECK(!fclose(f), "writing the log failed");
	expect = seen.n;	/* one line each, or IO_MAX_SEEN and the one that stops logging */
	FUZZ_CHECK(count_lines(log, log_len) == expect, "%u log lines for %u distinct unhandled addresses",
		   count_lines(log, log_len), seen.n);
	free(log);
	return 0;
}
