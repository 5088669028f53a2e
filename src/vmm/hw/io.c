// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/hw/io.h"

#include <errno.h>
#include <string.h>

void io_bus_init(struct io_bus *bus, FILE *log)
{
	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->lock, NULL);
	bus->log = log;
}

void io_bus_destroy(struct io_bus *bus)
{
	pthread_mutex_destroy(&bus->lock);
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int io_bus_register(struct io_bus *bus, enum io_space space, uint64_t base, uint64_t len,
		    const char *name, io_handler_fn fn, void *opaque, struct vmm_err *err)
{
	if (!len || base + len < base)
		return vmm_errf(err, EINVAL, "device %s: bad range 0x%llx+0x%llx", name,
				(unsigned long long)base, (unsigned long long)len);
	for (unsigned int i = 0; i < bus->nr_regions; i++) {
		const struct io_region *r = &bus->regions[i];

		if (r->space == space && ranges_overlap(r->base, r->len, base, len))
			return vmm_errf(err, EEXIST, "device %s at 0x%llx overlaps %s at 0x%llx", name,
					(unsigned long long)base, r->name, (unsigned long long)r->base);
	}
	if (bus->nr_regions >= IO_MAX_REGIONS)
		return vmm_errf(err, ENOSPC, "too many devices registering %s", name);
	bus->regions[bus->nr_regions++] = (struct io_region){
		.space = space, .base = base, .len = len, .name = name, .fn = fn, .opaque = opaque,
	};
	return 0;
}

static const struct io_region *io_bus_find(const struct io_bus *bus, enum io_space space, uint64_t addr)
{
	for (unsigned int i = 0; i < bus->nr_regions; i++) {
		const struct io_region *r = &bus->regions[i];

		if (r->space == space && addr >= r->base && addr - r->base < r->len)
			return r;
	}
	return NULL;
}

/*
 * Log an unhandled address the first time it is seen. The set is bounded:
 * once IO_MAX_SEEN addresses are in it, one line says so and nothing more is
 * logged (nr_seen then stays at IO_MAX_SEEN + 1 and is never an index).
 */
static void io_bus_log_unhandled(struct io_bus *bus, const struct io_access *a)
{
	bus->nr_unhandled++;
	if (!bus->log || bus->nr_seen > IO_MAX_SEEN)
		return;
	for (unsigned int i = 0; i < bus->nr_seen && i < IO_MAX_SEEN; i++)
		if (bus->seen[i].space == a->space && bus->seen[i].addr == a->addr)
			return;
	if (bus->nr_seen == IO_MAX_SEEN) {
		fprintf(bus->log, "vmm: more than %d unhandled addresses; no longer logging them\n",
			IO_MAX_SEEN);
		bus->nr_seen++;
		return;
	}
	bus->seen[bus->nr_seen].space = a->space;
	bus->seen[bus->nr_seen].addr = a->addr;
	bus->nr_seen++;
	if (a->write)
		fprintf(bus->log, "vmm: unhandled %s write at 0x%llx, size %u, value 0x%llx (dropped)\n",
			a->space == IO_PIO ? "port" : "MMIO", (unsigned long long)a->addr, a->size,
			(unsigned long long)io_data_get(a));
	else
		fprintf(bus->log, "vmm: unhandled %s read at 0x%llx, size %u (reads all-ones)\n",
			a->space == IO_PIO ? "port" : "MMIO", (unsigned long long)a->addr, a->size);
}

void io_bus_access(struct io_bus *bus, struct io_access *a, struct exit_outcome *out)
{
	const struct io_region *r;

	pthread_mutex_lock(&bus->lock);
	r = io_bus_find(bus, a->space, a->addr);
	if (r) {
		a->offset = a->addr - r->base;
		r->fn(r->opaque, a, out);
	} else {
		if (!a->write)
			memset(a->data, 0xff, a->size);
		io_bus_log_unhandled(bus, a);
	}
	pthread_mutex_unlock(&bus->lock);
}

uint64_t io_data_get(const struct io_access *a)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < a->size && i < 8; i++)
		v |= (uint64_t)a->data[i] << (8 * i);
	return v;
}

void io_data_set(struct io_access *a, uint64_t v)
{
	for (unsigned int i = 0; i < a->size && i < 8; i++)
		a->data[i] = (uint8_t)(v >> (8 * i));
}
