// SPDX-License-Identifier: GPL-2.0-only
/* Probing this host (suite kvm): the description round-trips and is self-consistent. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pmu/host.h"
#include "pmu/plan.h"

static int kvm_fd = -1;

static void test_probe_round_trip(void **state)
{
	static struct pmu_host h, back;
	struct vmm_err err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	if (kvm_fd < 0)
		skip();
	if (pmu_host_probe(kvm_fd, NULL, &h, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(h.api_version, 12);
	assert_non_null(pmu_host_leaf(&h.kvm, 0, 0));
	assert_non_null(pmu_host_leaf(&h.cpu, 1, 0));
	{
		/* The probe reads the parameter KVM has (x86.c enable_vmware_backdoor, 0444). */
		FILE *p = fopen("/sys/module/kvm/parameters/enable_vmware_backdoor", "r");
		int c = p ? fgetc(p) : EOF;

		if (p)
			fclose(p);
		assert_int_equal(h.vmware_backdoor, c == EOF ? PMU_PARAM_ABSENT :
				 (c == 'Y' || c == '1') ? PMU_PARAM_Y : PMU_PARAM_N);
	}
	f = open_memstream(&text, &len);
	assert_int_equal(pmu_host_write(f, &h), 0);
	fclose(f);
	if (pmu_host_parse(text, &back, &err))
		fail_msg("%s", err.msg);
	free(text);
	assert_memory_equal(&h, &back, sizeof(h));
}

/* Whatever this host is, "off" always plans and auto picks something. */
static void test_probe_plan(void **state)
{
	static struct pmu_host h;
	static struct pmu_plan plan;
	struct pmu_request req;
	struct vmm_err err = { 0 };

	(void)state;
	if (kvm_fd < 0)
		skip();
	assert_int_equal(pmu_host_probe(kvm_fd, NULL, &h, &err), 0);
	pmu_request_init(&req);
	req.mode = PMU_MODE_OFF;
	assert_int_equal(pmu_plan(&h, &req, &plan, &err), 0);
	req.mode = PMU_MODE_AUTO;
	if (pmu_plan(&h, &req, &plan, &err))
		fail_msg("%s", err.msg);
}

static void test_probe_bad_fd(void **state)
{
	static struct pmu_host h;
	struct vmm_err err = { 0 };

	(void)state;
	assert_int_equal(pmu_host_probe(-1, NULL, &h, &err), -EBADF);
	assert_non_null(strstr(err.msg, "KVM_GET_API_VERSION failed: Bad file descriptor"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_round_trip),
		cmocka_unit_test(test_probe_plan),
		cmocka_unit_test(test_probe_bad_fd),
	};

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
