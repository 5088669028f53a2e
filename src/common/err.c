// SPDX-License-Identifier: GPL-2.0-only
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int err_record(struct vmm_err *err, int code, bool input, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		err->input = input;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return -code;
}

int vmm_errf(struct vmm_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_record(err, code, false, fmt, ap);
	va_end(ap);
	return r;
}

int vmm_err_input(struct vmm_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_record(err, code, true, fmt, ap);
	va_end(ap);
	return r;
}

int vmm_err_ioctl(struct vmm_err *err, const char *name, int code, const char *hint)
{
	if (hint && *hint)
		return vmm_errf(err, code, "%s failed: %s (%s)", name, strerror(code), hint);
	return vmm_errf(err, code, "%s failed: %s", name, strerror(code));
}

void vmm_err_prefix(struct vmm_err *err, const char *fmt, ...)
{
	char prefix[256];
	size_t plen, room = sizeof(err->msg);
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	if (plen + 3 > room)
		plen = room - 3;
	/* Shift the old message right by "prefix: ", keeping it NUL-terminated. */
	memmove(err->msg + plen + 2, err->msg, room - plen - 2);
	err->msg[room - 1] = '\0';
	memcpy(err->msg, prefix, plen);
	err->msg[plen] = ':';
	err->msg[plen + 1] = ' ';
}
