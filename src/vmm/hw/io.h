/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The I/O bus: one registry for port I/O and MMIO regions, one handler
 * signature for both. Unhandled accesses read all-ones, writes are dropped,
 * and each unhandled address is logged once when verbose.
 */
#ifndef VMM_VMM_IO_H
#define VMM_VMM_IO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

enum io_space { IO_PIO, IO_MMIO };

struct io_access {
	enum io_space space;
	uint64_t addr;		/* absolute port or guest-physical address */
	uint64_t offset;	/* addr - region base */
	unsigned int size;	/* 1, 2, 4 or 8 bytes */
	bool write;
	uint8_t *data;		/* size bytes, little-endian; handlers fill it on reads */
};

/* What a vCPU does after an exit. */
enum exit_kind {
	EXIT_CONTINUE,		/* re-enter the guest */
	EXIT_GUEST_STATUS,	/* guest asked to end the VM with status */
	EXIT_RESET,		/* guest asked for a reset */
	EXIT_SHUTDOWN,		/* triple fault */
	EXIT_ERROR,		/* KVM could not run the guest (internal error, entry failure, ...) */
	EXIT_INTERRUPTED,	/* KVM_RUN returned EINTR: the VMM asked the vCPU to stop */
	EXIT_DEBUG,		/* single-step or breakpoint exit, for the caller to handle */
	EXIT_SUSPEND,		/* guest entered ACPI S3: resume it through the FACS waking vector */
};

struct exit_outcome {
	enum exit_kind kind;
	int status;		/* EXIT_GUEST_STATUS: the process exit status */
	char msg[256];		/* EXIT_ERROR / EXIT_SHUTDOWN: what happened */
};

typedef void (*io_handler_fn)(void *opaque, struct io_access *a, struct exit_outcome *out);

struct io_region {
	enum io_space space;
	uint64_t base, len;
	const char *name;
	io_handler_fn fn;
	void *opaque;
};

#define IO_MAX_REGIONS 32
#define IO_MAX_SEEN 256

struct io_bus {
	pthread_mutex_t lock;		/* serialises handlers across vCPUs */
	unsigned int nr_regions;
	struct io_region regions[IO_MAX_REGIONS];
	FILE *log;			/* unhandled-access log, NULL = silent */
	unsigned int nr_seen;		/* unhandled addresses already logged */
	struct { enum io_space space; uint64_t addr; } seen[IO_MAX_SEEN];
	uint64_t nr_unhandled;		/* count of unhandled accesses */
};

void io_bus_init(struct io_bus *bus, FILE *log);
void io_bus_destroy(struct io_bus *bus);

/* Register [base, base+len) in space; overlapping an existing region is -EEXIST. */
int io_bus_register(struct io_bus *bus, enum io_space space, uint64_t base, uint64_t len,
		    const char *name, io_handler_fn fn, void *opaque, struct vmm_err *err);

/* Dispatch one access (under the bus lock). */
void io_bus_access(struct io_bus *bus, struct io_access *a, struct exit_outcome *out);

/* Little-endian value of an access's data, and the reverse. */
uint64_t io_data_get(const struct io_access *a);
void io_data_set(struct io_access *a, uint64_t v);

#endif
