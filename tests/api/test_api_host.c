// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmm's host calls without /dev/kvm, through the shared library and the
 * public header only: a recorded host opened from its file, planned on,
 * printed and written back; the PMU request checked without a host; the
 * exit statuses' values (docs/cli.md).
 *   test-api-host HOSTS-DIR
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* open_memstream */
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <vmm/vmm.h>

static const char *hosts_dir;

static struct vmm *open_host(const char *name)
{
	struct vmm_error err = { 0 };
	struct vmm *v = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", hosts_dir, name);
	if (vmm_open_host_file(path, &v, &err) < 0)
		fail_msg("vmm_open_host_file(%s): %s", path, err.message);
	return v;
}

/* What each recorded host gives each mode: the plan's mode, or the refusal's errno. */
static void test_plan_on_recorded_hosts(void **state)
{
	static const struct {
		const char *host, *mode;
		const char *vendor;	/* cpu-vendor, NULL: none */
		const char *gp;		/* pmu-gp, NULL: none */
		const char *want_mode;	/* NULL: refused with want_errno */
		int want_errno;
	} cases[] = {
		{ "zen2-emulated.host", "emulated", NULL, NULL, "emulated", 0 },
		{ "zen2-emulated.host", "mediated", NULL, NULL, NULL, ENOTSUP },
		{ "zen2-emulated.host", "auto", NULL, NULL, "emulated", 0 },
		{ "zen2-emulated.host", "emulated", NULL, "99", NULL, EINVAL },	/* 4 or 6 counters on AMD */
		{ "zen4-mediated.host", "mediated", NULL, NULL, "mediated", 0 },
		{ "spr-mediated.host", "soft", "amd", NULL, "soft", 0 },
		{ "dev-amd-no-pmu.host", "emulated", NULL, NULL, NULL, ENOTSUP },
		{ "dev-amd-no-pmu.host", "auto", NULL, NULL, "soft", 0 },
		{ "dev-amd-no-pmu.host", "off", NULL, NULL, "off", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmm_pmu_option opts[2];
		struct vmm_error err = { 0 };
		struct vmm_plan *plan = NULL;
		struct vmm *v = open_host(cases[i].host);
		size_t n = 0;
		int r;

		if (cases[i].vendor)
			opts[n++] = (struct vmm_pmu_option){ "cpu-vendor", cases[i].vendor };
		if (cases[i].gp)
			opts[n++] = (struct vmm_pmu_option){ "pmu-gp", cases[i].gp };
		r = vmm_plan(v, cases[i].mode, opts, n, &plan, &err);
		if (cases[i].want_mode) {
			if (r < 0)
				fail_msg("case %zu: %s on %s refused: %s", i, cases[i].mode, cases[i].host, err.message);
			assert_string_equal(vmm_plan_mode(plan), cases[i].want_mode);
		} else {
			if (r != -cases[i].want_errno || err.code != cases[i].want_errno || !err.message[0])
				fail_msg("case %zu: %s on %s: got %d '%s', want -%d with a reason", i, cases[i].mode,
					 cases[i].host, r, err.message, cases[i].want_errno);
			assert_null(plan);
			/* An invalid request is the caller's fault; a host that cannot give it is not. */
			assert_int_equal(err.input, cases[i].want_errno != ENOTSUP);
		}
		vmm_plan_free(plan);
		vmm_close(v);
	}
}

/* The name, the caps text and the description written back, which reads as the same host. */
static void test_host_print_and_write(void **state)
{
	struct vmm_error err = { 0 };
	struct vmm *v = open_host("zen2-emulated.host"), *again = NULL;
	char *text = NULL, *caps = NULL, *caps_again = NULL, path[] = "/tmp/test-api-host-XXXXXX";
	size_t len = 0, caps_len = 0, caps_again_len = 0;
	FILE *f;
	int fd;

	(void)state;
	assert_string_equal(vmm_host_name(v), "zen2-emulated");
	f = open_memstream(&caps, &caps_len);
	assert_int_equal(vmm_host_print(v, f, 1, &err), 0);
	fclose(f);
	assert_true(caps_len > 2 && caps[0] == '{');
	f = open_memstream(&text, &len);
	assert_int_equal(vmm_host_write(v, f, &err), 0);
	fclose(f);
	assert_non_null(strstr(text, "name zen2-emulated\n"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	if (vmm_open_host_file(path, &again, &err) < 0)
		fail_msg("the written description does not read back: %s", err.message);
	unlink(path);
	f = open_memstream(&caps_again, &caps_again_len);
	assert_int_equal(vmm_host_print(again, f, 1, &err), 0);
	fclose(f);
	assert_string_equal(caps_again, caps);
	free(text);
	free(caps);
	free(caps_again);
	vmm_close(again);
	vmm_close(v);
}

/* A recorded host plans but cannot run a VM; NULL arguments are errors, not crashes. */
static void test_host_file_errors(void **state)
{
	struct vmm_error err = { 0 };
	struct vmm *v = open_host("zen2-emulated.host"), *none = (struct vmm *)&err;
	struct vmm_vm_config cfg;
	struct vmm_vm *vm = (struct vmm_vm *)&err;
	char path[] = "/tmp/test-api-host-XXXXXX";
	int fd;

	(void)state;
	vmm_vm_config_init(&cfg);
	assert_int_equal(vmm_vm_create(v, &cfg, &vm, &err), -ENODEV);
	assert_null(vm);
	assert_non_null(strstr(err.message, "recorded host"));
	vmm_close(v);

	assert_int_equal(vmm_open_host_file("/nonexistent/host", &none, &err), -ENOENT);
	assert_null(none);
	assert_true(err.input);
	assert_non_null(strstr(err.message, "/nonexistent/host"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "frobnicate 1\n", 13), 13);
	close(fd);
	assert_true(vmm_open_host_file(path, &none, &err) < 0);
	unlink(path);
	assert_null(none);
	assert_true(err.input);
	assert_non_null(strstr(err.message, path));

	assert_int_equal(vmm_open_host_file(NULL, &none, &err), -EINVAL);
	assert_int_equal(vmm_host_print(NULL, stdout, 0, &err), -EINVAL);
	assert_int_equal(vmm_host_write(NULL, stdout, &err), -EINVAL);
	assert_null(vmm_host_name(NULL));
}

/* The request alone: what vmm_plan() would refuse as invalid, and nothing else. */
static void test_pmu_options_check(void **state)
{
	static const struct {
		const char *mode;
		struct vmm_pmu_option opt;	/* name NULL: none */
		int want;
		const char *msg;
	} cases[] = {
		{ NULL, { NULL, NULL }, 0, NULL },
		{ "soft", { "pmu-gp", "4" }, 0, NULL },
		{ "mediated", { "pmu-gp", "200" }, 0, NULL },	/* a host may refuse it, the syntax is fine */
		{ "emulated", { "pmu", "soft" }, 0, NULL },
		{ "bogus", { NULL, NULL }, -EINVAL, "--pmu=bogus: mode must be" },
		{ NULL, { "pmu-gp", "x" }, -EINVAL, "--pmu-gp=x: expected a number" },
		{ NULL, { "pmu-gp", "256" }, -EINVAL, "--pmu-gp=256: expected a number from 0 to 255" },
		{ NULL, { "pmu-filter", "maybe:1" }, -EINVAL, "must start with allow: or deny:" },
		{ NULL, { "pmu-frob", "1" }, -ENOENT, "unknown PMU option --pmu-frob" },
		{ NULL, { "pmu-gp", NULL }, -EINVAL, "without a name or a value" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmm_error err = { 0 };
		size_t n = cases[i].opt.name ? 1 : 0;
		int r = vmm_pmu_options_check(cases[i].mode, &cases[i].opt, n, &err);

		if (r != cases[i].want || (cases[i].msg && !strstr(err.message, cases[i].msg)) ||
		    (r < 0 && (!err.input || err.code != -r)))
			fail_msg("case %zu: got %d '%s' (input %d), want %d '%s'", i, r, err.message, err.input,
				 cases[i].want, cases[i].msg ? cases[i].msg : "");
	}
	assert_int_equal(vmm_pmu_options_check(NULL, NULL, 1, NULL), -EINVAL);
}

/* The statuses vmm exits with are the documented ones (docs/cli.md), and even. */
static void test_statuses(void **state)
{
	static const int statuses[] = { VMM_STATUS_OK, VMM_STATUS_USAGE, VMM_STATUS_IMAGE, VMM_STATUS_HOST,
		VMM_STATUS_TRIPLE_FAULT, VMM_STATUS_VCPU_ERROR, VMM_STATUS_RESET_LIMIT,
		VMM_STATUS_RESET_VERIFY, VMM_STATUS_TIMEOUT, VMM_STATUS_SIGNAL };
	static const int documented[] = { 0, 2, 4, 6, 8, 10, 12, 14, 124, 130 };

	(void)state;
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		assert_int_equal(statuses[i], documented[i]);
		assert_int_equal(statuses[i] & 1, 0);
	}
	assert_int_equal(vmm_api_version(), VMM_API_VERSION);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_on_recorded_hosts),
		cmocka_unit_test(test_host_print_and_write),
		cmocka_unit_test(test_host_file_errors),
		cmocka_unit_test(test_pmu_options_check),
		cmocka_unit_test(test_statuses),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test-api-host HOSTS-DIR\n");
		return 2;
	}
	hosts_dir = argv[1];
	return cmocka_run_group_tests_name("api-host", tests, NULL, NULL);
}
