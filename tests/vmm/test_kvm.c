// SPDX-License-Identifier: GPL-2.0-only
/* kvm_open()'s messages for a device that is missing, forbidden, or not KVM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/kvm/kvm.h"

static const struct open_case {
	const char *path;
	int code;
	const char *msg;
} cases[] = {
	{ "/nonexistent/kvm", ENOENT, "KVM is not available: /nonexistent/kvm: No such file or directory (is the kvm "
	  "module loaded" },
	{ "/dev/null", ENOTTY, "KVM_GET_API_VERSION failed: Inappropriate ioctl for device" },
	/* A sysfs file that even root cannot open for writing. */
	{ "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", EACCES, "no permission to open" },
};

static void test_open_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct open_case *c = &cases[i];
		struct vmm_err err = { 0 };
		struct kvm kvm;
		int fd = open(c->path, O_RDONLY | O_CLOEXEC);

		if (c->code != ENOENT && fd < 0) {
			print_message("# %s is not here: case skipped\n", c->path);
			continue;
		}
		if (fd >= 0)
			close(fd);
		assert_int_equal(kvm_open(&kvm, c->path, &err), -c->code);
		if (!strstr(err.msg, c->msg))
			fail_msg("%s: '%s' lacks '%s'", c->path, err.msg, c->msg);
		assert_int_equal(kvm.fd, -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests_name("kvm", tests, NULL, NULL);
}
