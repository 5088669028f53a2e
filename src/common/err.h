/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Error reporting for library code: functions return 0 or -errno and, when
 * given a struct vmm_err, fill it with a message that says what failed and,
 * where possible, what the user can do about it. Only main() prints and exits.
 */
#ifndef VMM_COMMON_ERR_H
#define VMM_COMMON_ERR_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whose fault an error is, the one classification the exit statuses follow
 * (docs/cli.md, "Exit statuses"): input is set by the code that found the
 * user's input (an option, a PMU request, an image or input file) at fault,
 * and clear for everything else (KVM, the host, resources). It is never
 * inferred from the errno value: the same E2BIG is a too-long command line
 * from boot_prepare() and a host limit from KVM_GET_SUPPORTED_CPUID.
 */
struct vmm_err {
	int code;		/* positive errno value, 0 when no error */
	bool input;		/* the user's input (image, option) is at fault, not the host */
	char msg[512];
};

/*
 * Record an error that is not the input's fault (input cleared) and return
 * -code. err may be NULL. code must be a positive errno value (EINVAL,
 * ENOENT, ...).
 */
int vmm_errf(struct vmm_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same for an error in the user's input (input set). */
int vmm_err_input(struct vmm_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Record a failed ioctl: "<name> failed: <strerror(code)>" followed by the
 * optional hint; a host error whatever the errno. Returns -code.
 */
int vmm_err_ioctl(struct vmm_err *err, const char *name, int code, const char *hint);

/* Prefix an existing message with context ("loading foo.elf: ..."). */
void vmm_err_prefix(struct vmm_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
