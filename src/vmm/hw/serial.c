// SPDX-License-Identifier: GPL-2.0-only
/*
 * 8250-compatible UART (COM1). Registers (offset from base, DLAB = LCR bit 7):
 * 0 THR/RBR (DLL when DLAB), 1 IER (DLM when DLAB), 2 IIR/FCR, 3 LCR, 4 MCR,
 * 5 LSR, 6 MSR, 7 SCR. No byte is ever received.
 *
 * Transmitted bytes go into a bounded buffer that is written out with
 * non-blocking writes at each newline, when it fills, and whenever the guest
 * reads LSR. While the buffer is full, LSR reads THRE and TEMT clear (the
 * transmitter is busy), as a real UART does when the line is slower than
 * the guest; polled drivers wait for THRE, so a reader that does not keep up
 * slows the guest down instead of blocking the VMM. A byte written while the
 * buffer is full is lost (an overrun) and counted in s->dropped.
 */
#include "vmm/hw/serial.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"

#define UART_LCR_DLAB	0x80
#define UART_LSR_IDLE	0x60	/* THRE | TEMT */
#define UART_IIR_NONE	0x01	/* no interrupt pending */
#define UART_MSR_IDLE	0xb0	/* DCD | DSR | CTS */
#define SERIAL_PUSH_AT	4096	/* write out once this much is buffered, even without a newline */

/*
 * A handle on out_fd whose writes never block. O_NONBLOCK is a flag of the
 * open file description, which the caller (and other processes) share, so
 * it is not set on out_fd itself: a pipe, FIFO or terminal is opened again
 * through /proc/self/fd, which makes a new description of the same file.
 */
static int serial_open_out(struct serial *s, int out_fd, struct vmm_err *err)
{
	char path[32];
	struct stat st;
	int flags, fd;

	if (fstat(out_fd, &st) < 0)
		return vmm_errf(err, errno, "guest serial output (fd %d): %s", out_fd, strerror(errno));
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return 0;	/* writes to files complete; O_NONBLOCK means nothing there */
	if (S_ISSOCK(st.st_mode)) {
		s->out_socket = true;
		return 0;
	}
	flags = fcntl(out_fd, F_GETFL);
	if (flags >= 0 && (flags & O_NONBLOCK))
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", out_fd);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENXIO) {
		/* fifo(7): a non-blocking open for writing fails with ENXIO when nobody reads. */
		s->write_errno = EPIPE;
		return 0;
	}
	if (fd < 0)
		return vmm_errf(err, errno, "guest serial output (fd %d): cannot open %s for non-blocking "
				"writes: %s; is /proc mounted? (or use --serial FILE)", out_fd, path,
				strerror(errno));
	s->own_fd = fd;
	s->out_fd = fd;
	return 0;
}

int serial_init(struct serial *s, int out_fd, struct vmm_err *err)
{
	memset(s, 0, sizeof(*s));
	s->out_fd = out_fd;
	s->own_fd = -1;
	return out_fd >= 0 ? serial_open_out(s, out_fd, err) : 0;
}

void serial_reset(struct serial *s)
{
	s->ier = s->lcr = s->mcr = s->scr = s->dll = s->dlm = 0;
}

/* The output failed for good (EPIPE: nobody reads any more): keep the error, discard from now on. */
static void serial_fail(struct serial *s, int e)
{
	if (!s->write_errno)
		s->write_errno = e;
	s->dropped += s->len;
	s->head = s->len = 0;
}

/* One non-blocking write of the buffer's first contiguous run; false when nothing more can go now. */
static bool serial_push_once(struct serial *s)
{
	size_t run = s->head + s->len <= sizeof(s->buf) ? s->len : sizeof(s->buf) - s->head;
	ssize_t n;

	if (s->out_socket)
		n = send(s->out_fd, s->buf + s->head, run, MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		n = write(s->out_fd, s->buf + s->head, run);
	if (n < 0 && errno == EINTR)
		return true;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return false;
	if (n <= 0) {
		serial_fail(s, n < 0 ? errno : EIO);
		return false;
	}
	s->head = (s->head + (size_t)n) % sizeof(s->buf);
	s->len -= (size_t)n;
	if (!s->len)
		s->head = 0;
	return true;
}

void serial_flush(struct serial *s)
{
	if (s->out_fd < 0 || s->write_errno) {
		s->dropped += s->out_fd < 0 ? 0 : s->len;
		s->head = s->len = 0;
		return;
	}
	while (s->len && serial_push_once(s))
		;
}

size_t serial_drain(struct serial *s, int stop_fd, int timeout_ms)
{
	int64_t deadline = timeout_ms >= 0 ? vmm_mono_ms() + timeout_ms : -1;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = s->out_fd, .events = POLLOUT },
			{ .fd = stop_fd, .events = POLLIN },
		};
		int wait = -1;

		serial_flush(s);
		if (!s->len)
			return 0;
		if (deadline >= 0) {
			int64_t left = deadline - vmm_mono_ms();

			if (left <= 0)
				return s->len;
			wait = left > 1000000 ? 1000000 : (int)left;
		}
		if (poll(pfd, stop_fd >= 0 ? 2 : 1, wait) < 0 && errno != EINTR)
			return s->len;
		if (stop_fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP)))
			return s->len;
		if (pfd[0].revents & (POLLERR | POLLNVAL))
			serial_flush(s);	/* the write says what went wrong */
	}
}

void serial_destroy(struct serial *s)
{
	serial_flush(s);
	s->dropped += s->len;
	s->head = s->len = 0;
	if (s->own_fd >= 0)
		close(s->own_fd);
	s->own_fd = -1;
	s->out_fd = -1;
}

static void serial_transmit(struct serial *s, uint8_t c)
{
	if (s->out_fd < 0)
		return;
	if (s->len == sizeof(s->buf))
		serial_flush(s);
	if (s->len == sizeof(s->buf)) {
		s->dropped++;	/* the guest did not wait for THRE */
		return;
	}
	s->buf[(s->head + s->len++) % sizeof(s->buf)] = (char)c;
	if (c == '\n' || s->len >= SERIAL_PUSH_AT)
		serial_flush(s);
}

static uint8_t serial_lsr(struct serial *s)
{
	if (s->len == sizeof(s->buf))
		serial_flush(s);
	return s->len == sizeof(s->buf) ? 0 : UART_LSR_IDLE;
}

static uint8_t serial_read(struct serial *s, unsigned int reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case 0: return dlab ? s->dll : 0;
	case 1: return dlab ? s->dlm : s->ier;
	case 2: return UART_IIR_NONE;
	case 3: return s->lcr;
	case 4: return s->mcr;
	case 5: return serial_lsr(s);
	case 6: return UART_MSR_IDLE;
	default: return s->scr;
	}
}

static void serial_write(struct serial *s, unsigned int reg, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case 0:
		if (dlab)
			s->dll = v;
		else
			serial_transmit(s, v);
		break;
	case 1:
		if (dlab)
			s->dlm = v;
		else
			s->ier = v & 0x0f;
		break;
	case 2: break;	/* FCR: FIFOs are irrelevant to an instantaneous UART */
	case 3: s->lcr = v; break;
	case 4: s->mcr = v & 0x1f; break;
	case 7: s->scr = v; break;
	default: break;	/* LSR and MSR are read-only */
	}
}

static void serial_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct serial *s = opaque;

	(void)out;
	/* Wider accesses touch consecutive registers, as on an ISA bus. */
	for (unsigned int i = 0; i < a->size; i++) {
		unsigned int reg = (unsigned int)((a->offset + i) & 7);

		if (a->write)
			serial_write(s, reg, a->data[i]);
		else
			a->data[i] = serial_read(s, reg);
	}
}

int serial_register(struct serial *s, struct io_bus *bus, uint16_t base, struct vmm_err *err)
{
	return io_bus_register(bus, IO_PIO, base, 8, "serial", serial_io, s, err);
}
