// SPDX-License-Identifier: GPL-2.0-only
/* Host description: text format round trip, parse errors, CPU lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostfile.h"

/* Every recorded host parses, and writing then parsing it gives the same struct. */
static void test_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < NR_HOSTS; i++) {
		static struct pmu_host a, b;
		struct vmm_err err = { 0 };
		char *text = NULL;
		size_t len = 0;
		FILE *f;

		if (hostfile_load(all_hosts[i], &a, &err))
			fail_msg("%s: %s", all_hosts[i], err.msg);
		f = open_memstream(&text, &len);
		assert_int_equal(pmu_host_write(f, &a), 0);
		fclose(f);
		if (pmu_host_parse(text, &b, &err))
			fail_msg("%s re-parse: %s", all_hosts[i], err.msg);
		free(text);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

/*
 * Line ends: "\r\n" and stray extra "\r" before it are not part of a value, so
 * a host read from such a file writes out a text that reads back the same.
 */
static void test_crlf_values(void **state)
{
	static const struct {
		const char *text, *name, *comment, *kernel;
	} cases[] = {
		{ "name a\r\ncomment b c\r\nkernel 6.1\r\n", "a", "b c", "6.1" },
		{ "name a\r\r\ncomment b c\r\r\nkernel 6.1\r\r\r\n", "a", "b c", "6.1" },
		{ "comment b c \r\r\nkernel  6.1\r", "", "b c ", "6.1" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct pmu_host a, b;
		struct vmm_err err = { 0 };
		char *text = NULL;
		size_t len = 0;
		FILE *f;

		if (pmu_host_parse(cases[i].text, &a, &err))
			fail_msg("case %zu: %s", i, err.msg);
		assert_string_equal(a.name, cases[i].name);
		assert_string_equal(a.comment, cases[i].comment);
		assert_string_equal(a.kernel, cases[i].kernel);
		f = open_memstream(&text, &len);
		assert_int_equal(pmu_host_write(f, &a), 0);
		fclose(f);
		if (pmu_host_parse(text, &b, &err))
			fail_msg("case %zu re-parse: %s", i, err.msg);
		free(text);
		assert_string_equal(b.comment, a.comment);
		assert_string_equal(b.kernel, a.kernel);
	}
}

/*
 * A control character inside a value (a carriage return not at the line's
 * end, say) is refused: written out at a value's end it would be taken for
 * part of the line end when read back.
 */
static void test_control_characters_refused(void **state)
{
	static const char *const texts[] = {
		"name a\r \n", "comment b\rc\n", "kernel \r6.1\n", "name a\x01\n", "comment x\x7f\n",
		"kernel 6.1\x1b[0m\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		static struct pmu_host h;
		struct vmm_err err = { 0 };

		if (!pmu_host_parse(texts[i], &h, &err))
			fail_msg("text %zu parsed", i);
		if (!strstr(err.msg, "control character"))
			fail_msg("text %zu: %s", i, err.msg);
	}
}

/* The largest api a host file may carry survives writing and parsing again. */
static void test_api_round_trip(void **state)
{
	static struct pmu_host a, b;
	struct vmm_err err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(pmu_host_parse("name big\napi 2147483647\n", &a, &err), 0);
	assert_int_equal(a.api_version, 2147483647);
	f = open_memstream(&text, &len);
	assert_int_equal(pmu_host_write(f, &a), 0);
	fclose(f);
	assert_non_null(strstr(text, "api 2147483647\n"));
	assert_int_equal(pmu_host_parse(text, &b, &err), 0);
	free(text);
	assert_memory_equal(&a, &b, sizeof(a));
}

/* Facts the recorded hosts must keep (they drive the planner tests). */
static void test_recorded_facts(void **state)
{
	static const struct {
		const char *host;
		enum pmu_vendor vendor;
		bool hybrid;
		unsigned int hw_version, hw_gp, hw_fixed_mask, kvm_version;
		unsigned int hw_amd_counters;
		bool hw_perfmon_v2;
		/*
		 * KVM's leaf 1 PDCM and its IA32_PERF_CAPABILITIES: PDCM is cleared
		 * only when !enable_pmu (vmx.c vmx_set_cpu_caps); the MSR is
		 * FW_WRITES plus the host's PEBS bits without PEBS_BASELINE when
		 * vmx_pebs_supported(), never with the mediated vPMU on
		 * (vmx.c vmx_get_perf_capabilities, capabilities.h).
		 */
		bool kvm_pdcm;
		uint64_t kvm_perf_caps;
	} cases[] = {
		{ "spr-mediated", PMU_VENDOR_INTEL, false, 5, 8, 0xf, 2, 0, false, true, 0x2000 },
		{ "spr-mediated-off", PMU_VENDOR_INTEL, false, 5, 8, 0xf, 2, 0, false, true, 0x24c0 },
		{ "spr-emulated", PMU_VENDOR_INTEL, false, 5, 8, 0xf, 2, 0, false, true, 0x24c0 },
		{ "adl-hybrid", PMU_VENDOR_INTEL, true, 5, 6, 0x7, 0, 0, false, false, 0 },
		{ "adl-hybrid-linux-6.0", PMU_VENDOR_INTEL, true, 5, 6, 0x7, 2, 0, false, true, 0x2000 },
		{ "skx-linux-5.15", PMU_VENDOR_INTEL, false, 4, 4, 0x7, 2, 0, false, true, 0x2005 },
		{ "zen4-mediated", PMU_VENDOR_AMD, false, 0, 0, 0, 0, 6, true, false, 0 },
		{ "zen2-emulated", PMU_VENDOR_AMD, false, 0, 0, 0, 0, 6, false, false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct pmu_host h;
		struct vmm_err err = { 0 };
		struct pmu_shape hw, kvm;

		if (hostfile_load(cases[i].host, &h, &err))
			fail_msg("%s: %s", cases[i].host, err.msg);
		pmu_host_shape(&h, PMU_HOST_CPU, &hw);
		pmu_host_shape(&h, PMU_HOST_KVM, &kvm);
		assert_int_equal(h.vendor, cases[i].vendor);
		assert_int_equal(pmu_host_is_hybrid(&h), cases[i].hybrid);
		assert_int_equal(hw.version, cases[i].hw_version);
		assert_int_equal(hw.nr_gp, cases[i].hw_gp);
		assert_int_equal(hw.fixed_mask, cases[i].hw_fixed_mask);
		assert_int_equal(kvm.version, cases[i].kvm_version);
		assert_int_equal(hw.amd_nr_counters, cases[i].hw_amd_counters);
		assert_int_equal(hw.perfmon_v2, cases[i].hw_perfmon_v2);
		if (kvm.pdcm != cases[i].kvm_pdcm || h.perf_caps != cases[i].kvm_perf_caps)
			fail_msg("%s: KVM PDCM %d, PERF_CAPABILITIES 0x%llx; want %d, 0x%llx", cases[i].host,
				 kvm.pdcm, (unsigned long long)h.perf_caps, cases[i].kvm_pdcm,
				 (unsigned long long)cases[i].kvm_perf_caps);
	}
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "name a\nfoo bar\n", "line 2: unknown key 'foo'" },
		{ "cap pmu_capability x\n", "line 1: cap pmu_capability: 'x' is not a number" },
		{ "cap nosuch 1\n", "line 1: unknown cap 'nosuch'" },
		{ "# c\n\nparam kvm.enable_pmu maybe\n", "line 3: param kvm.enable_pmu: value must be Y, N or absent" },
		{ "param kvm.other Y\n", "unknown param 'kvm.other'" },
		{ "vendor via\n", "line 1: vendor must be 'intel' or 'amd'" },
		{ "cpuid 0xa 0 eax=1 ebx=2 ecx=3\n", "line 1: expected edx=<number>, got 'end of line'" },
		{ "cpuid 0xa 0 eax=1 ebx=2 ecx=3 edx=4\ncpuid 0xa 0 eax=1 ebx=2 ecx=3 edx=4\n",
		  "line 2: leaf 0xa.0 given twice" },
		{ "cpuid 0xa 0 eax=1 ebx=2 ecx=3 edx=4 x\n", "line 1: trailing text" },
		{ "nmi_watchdog 2\n", "line 1: nmi_watchdog must be 0, 1 or absent" },
		{ "msr tsc 0\n", "line 1: unknown msr 'tsc'" },
		{ "msr perf_capabilities zz\n", "not a number" },
		{ "pmu cpu_core 0-x\n", "line 1: CPU list '0-x'" },
		{ "pmu cpu\n", "line 1: 'pmu' needs a name and a CPU list" },
		{ "api\n", "line 1: 'api' needs one number" },
		{ "api 2147483648\n", "line 1: api 2147483648 is out of range (0 to 2147483647)" },
		{ "api 0xffffffff\n", "line 1: api 0xffffffff is out of range" },
		{ "name\n", "line 1: 'name' needs one word" },
		/* Numbers as on the command line (common/num.h): no sign, no octal. */
		{ "cap pmu_capability +1\n", "line 1: cap pmu_capability: '+1' is not a number" },
		{ "cap pmu_capability 010\n", "line 1: cap pmu_capability: '010' is not a number" },
		{ "msr perf_capabilities -1\n", "line 1: msr perf_capabilities: '-1' is not a number" },
		{ "cpuid 0xa 0 eax=+1 ebx=2 ecx=3 edx=4\n", "line 1: expected eax=<number>, got 'eax=+1'" },
		{ "cpuid 0xa 0 eax=0x ebx=2 ecx=3 edx=4\n", "line 1: expected eax=<number>, got 'eax=0x'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct pmu_host h;
		struct vmm_err err = { 0 };

		assert_int_equal(pmu_host_parse(cases[i].text, &h, &err), -22);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("case %zu: '%s' does not contain '%s'", i, err.msg, cases[i].want);
	}
}

/* kvm.enable_vmware_backdoor: parsed, written back, absent when a file lacks it. */
static void test_vmware_backdoor_param(void **state)
{
	static const struct {
		const char *text;
		enum pmu_param want;
		const char *line;
	} cases[] = {
		{ "param kvm.enable_vmware_backdoor Y\n", PMU_PARAM_Y, "param kvm.enable_vmware_backdoor Y\n" },
		{ "param kvm.enable_vmware_backdoor N\n", PMU_PARAM_N, "param kvm.enable_vmware_backdoor N\n" },
		{ "name old\n", PMU_PARAM_ABSENT, "param kvm.enable_vmware_backdoor absent\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct pmu_host h;
		struct vmm_err err = { 0 };
		char *text = NULL;
		size_t len = 0;
		FILE *f;

		assert_int_equal(pmu_host_parse(cases[i].text, &h, &err), 0);
		assert_int_equal(h.vmware_backdoor, cases[i].want);
		f = open_memstream(&text, &len);
		assert_int_equal(pmu_host_write(f, &h), 0);
		fclose(f);
		if (!strstr(text, cases[i].line))
			fail_msg("case %zu: '%s' not written", i, cases[i].line);
		free(text);
	}
}

static void test_cpulist(void **state)
{
	static const struct {
		const char *s;
		int ret;
		unsigned int count;
		unsigned int has, hasnt;
	} cases[] = {
		{ "0-15", 0, 16, 15, 16 },
		{ "16-23", 0, 8, 16, 15 },
		{ "0,2,4-5", 0, 4, 4, 3 },
		{ "7", 0, 1, 7, 6 },
		{ "3-1", -22, 0, 0, 0 },
		{ "a", -22, 0, 0, 0 },
		{ "1,", 0, 1, 1, 0 },
		{ "0-2000", -22, 0, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pmu_cpuset s;
		struct vmm_err err = { 0 };

		assert_int_equal(pmu_cpulist_parse(cases[i].s, &s, &err), cases[i].ret);
		if (cases[i].ret)
			continue;
		assert_int_equal(pmu_cpuset_count(&s), cases[i].count);
		assert_true(s.w[cases[i].has / 64] >> (cases[i].has % 64) & 1);
		assert_false(s.w[cases[i].hasnt / 64] >> (cases[i].hasnt % 64) & 1);
	}
}

static void test_subset(void **state)
{
	struct pmu_cpuset core, atom, some;

	(void)state;
	assert_int_equal(pmu_cpulist_parse("0-15", &core, NULL), 0);
	assert_int_equal(pmu_cpulist_parse("16-23", &atom, NULL), 0);
	assert_int_equal(pmu_cpulist_parse("2,4-6", &some, NULL), 0);
	assert_true(pmu_cpuset_subset(&some, &core));
	assert_false(pmu_cpuset_subset(&some, &atom));
	assert_false(pmu_cpuset_subset(&core, &some));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_crlf_values),
		cmocka_unit_test(test_control_characters_refused),
		cmocka_unit_test(test_recorded_facts),
		cmocka_unit_test(test_api_round_trip),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_vmware_backdoor_param),
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_subset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
