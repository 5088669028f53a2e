// SPDX-License-Identifier: GPL-2.0-only
/* Option parsing and validation: accepted forms, values, and the errors for bad ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/cli.h"

#define MAX_ARGS 12

struct good_case {
	const char *argv[MAX_ARGS];
	enum vmm_command cmd;
	const char *image;
	uint64_t mem, cpus, timeout_ms, load_addr;
	int verbose;
	const char *cmdline;
	const char *serial, *initrd;
};

static const struct good_case good[] = {
	{ { "vmm", "run", "g.elf" }, CMD_RUN, "g.elf", 128 << 20, 1, 0, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "--mem=64", "g.elf" }, CMD_RUN, "g.elf", 64 << 20, 1, 0, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "-m", "1G", "g.elf" }, CMD_RUN, "g.elf", 1ULL << 30, 1, 0, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "--mem", "65536K", "g" }, CMD_RUN, "g", 64 << 20, 1, 0, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "--mem=256MiB", "g" }, CMD_RUN, "g", 256 << 20, 1, 0, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "g", "--cpus=2" }, CMD_RUN, "g", 128 << 20, 2, 0, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "-t", "0.5", "g" }, CMD_RUN, "g", 128 << 20, 1, 500, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "--timeout=3", "g" }, CMD_RUN, "g", 128 << 20, 1, 3000, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "--cpus=0x4", "--mem=0x40M", "g" }, CMD_RUN, "g", 64 << 20, 4, 0, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "--cpus=10", "--mem=65536KiB", "g" }, CMD_RUN, "g", 64 << 20, 10, 0, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "--timeout=86400", "g" }, CMD_RUN, "g", 128 << 20, 1, 86400000, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "--timeout=0.0015", "g" }, CMD_RUN, "g", 128 << 20, 1, 1, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "run", "--load-addr=0x200000", "g" }, CMD_RUN, "g", 128 << 20, 1, 0, 0x200000, 0, "", NULL, NULL },
	{ { "vmm", "run", "-v", "-v", "g" }, CMD_RUN, "g", 128 << 20, 1, 0, 0x100000, 2, "", NULL, NULL },
	{ { "vmm", "run", "g", "--", "a", "--b", "c d" }, CMD_RUN, "g", 128 << 20, 1, 0, 0x100000, 0,
	  "a --b c d", NULL, NULL },
	{ { "vmm", "run", "--serial", "out.txt", "--initrd=m.bin", "g" }, CMD_RUN, "g", 128 << 20, 1, 0,
	  0x100000, 0, "", "out.txt", "m.bin" },
	{ { "vmm", "--version" }, CMD_VERSION, NULL, 128 << 20, 1, 0, 0x100000, 0, "", NULL, NULL },
	{ { "vmm", "--help" }, CMD_HELP, NULL, 128 << 20, 1, 0, 0x100000, 0, "", NULL, NULL },
};

static int count_args(const char *const *argv)
{
	int n = 0;

	while (n < MAX_ARGS && argv[n])
		n++;
	return n;
}

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good_case *c = &good[i];
		struct vmm_config cfg;
		struct vmm_err err = { 0 };
		int r = cli_parse(count_args(c->argv), (char *const *)c->argv, &cfg, &err);

		if (r)
			fail_msg("case %zu: %s", i, err.msg);
		assert_int_equal(cli_validate(&cfg, &err), 0);
		assert_int_equal(cfg.cmd, c->cmd);
		if (c->image)
			assert_string_equal(cfg.image, c->image);
		else
			assert_null(cfg.image);
		assert_int_equal(cfg.mem_size, c->mem);
		assert_int_equal(cfg.cpus, c->cpus);
		assert_int_equal(cfg.timeout_ms, c->timeout_ms);
		assert_int_equal(cfg.load_addr, c->load_addr);
		assert_int_equal(cfg.verbose, c->verbose);
		assert_string_equal(cfg.cmdline, c->cmdline);
		if (c->serial)
			assert_string_equal(cfg.serial_path, c->serial);
		if (c->initrd)
			assert_string_equal(cfg.initrd_path, c->initrd);
	}
}

struct bad_case {
	const char *argv[MAX_ARGS];
	int code;
	const char *msg;	/* substring the error must contain */
};

static const struct bad_case bad[] = {
	{ { "vmm" }, EINVAL, "no command" },
	{ { "vmm", "boot", "g" }, EINVAL, "unknown command 'boot'" },
	{ { "vmm", "run" }, EINVAL, "needs an IMAGE" },
	{ { "vmm", "run", "--frobnicate", "g" }, EINVAL, "unknown option '--frobnicate'" },
	{ { "vmm", "run", "--frob=1", "g" }, EINVAL, "unknown option '--frob'" },
	{ { "vmm", "run", "-x", "g" }, EINVAL, "unknown option '-x'" },
	{ { "vmm", "run", "--mem=lots", "g" }, EINVAL, "--mem: 'lots' is not a size" },
	{ { "vmm", "run", "--mem=-5", "g" }, EINVAL, "--mem: '-5'" },
	{ { "vmm", "run", "--mem=1M", "g" }, ERANGE, "--mem: 1M is out of range (2 MiB to 3072 MiB)" },
	{ { "vmm", "run", "--mem=4G", "g" }, ERANGE, "out of range" },
	{ { "vmm", "run", "--mem=99999999999999999999G", "g" }, ERANGE, "--mem: 99999999999999999999G is out of range" },
	/* One strict number syntax: no white space, no sign, no octal. */
	{ { "vmm", "run", "--cpus", " -18446744073709551614", "g" }, EINVAL, "is not a number" },
	{ { "vmm", "run", "--cpus", " 2", "g" }, EINVAL, "is not a number" },
	{ { "vmm", "run", "--cpus", "+2", "g" }, EINVAL, "is not a number" },
	{ { "vmm", "run", "--cpus", "010", "g" }, EINVAL, "--cpus: '010' is not a number" },
	{ { "vmm", "run", "--cpus", "18446744073709551617", "g" }, ERANGE, "out of range (1 to 64)" },
	{ { "vmm", "run", "--mem", " -18446744073709551614", "g" }, EINVAL, "is not a size" },
	{ { "vmm", "run", "--mem", "\t64M", "g" }, EINVAL, "is not a size" },
	{ { "vmm", "run", "--mem", "064M", "g" }, EINVAL, "is not a size" },
	{ { "vmm", "run", "--mem", "64Mi", "g" }, EINVAL, "is not a size" },
	{ { "vmm", "run", "--pmu-gp", " -18446744073709551614", "g" }, EINVAL, "--pmu-gp= -18446744073709551614: expected a number" },
	{ { "vmm", "run", "--pmu-gp", "+3", "g" }, EINVAL, "--pmu-gp=+3: expected a number" },
	{ { "vmm", "run", "--pmu-version", "010", "g" }, EINVAL, "--pmu-version=010: expected a number" },
	{ { "vmm", "run", "--max-resets", "0x", "g" }, EINVAL, "is not a number" },
	{ { "vmm", "run", "--mem=4097K", "g" }, EINVAL, "multiple of 4 KiB" },
	{ { "vmm", "run", "--cpus=0", "g" }, ERANGE, "--cpus: 0 is out of range (1 to 64)" },
	{ { "vmm", "run", "--cpus=two", "g" }, EINVAL, "--cpus: 'two' is not a number" },
	{ { "vmm", "run", "--cpus" }, EINVAL, "--cpus needs" },
	{ { "vmm", "run", "--timeout=0", "g" }, ERANGE, "--timeout: 0 is out of range" },
	{ { "vmm", "run", "--timeout=1s", "g" }, EINVAL, "is not seconds" },
	{ { "vmm", "run", "--timeout=.5", "g" }, EINVAL, "is not seconds" },
	/* Seconds that overflow milliseconds are out of range, never wrapped (this one used to give 4.4 s). */
	{ { "vmm", "run", "--timeout", "18446744073709556", "g" }, ERANGE,
	  "--timeout: 18446744073709556 is out of range (0.001 to 86400 seconds)" },
	{ { "vmm", "run", "--timeout=18446744073709551616", "g" }, ERANGE, "(0.001 to 86400 seconds)" },
	{ { "vmm", "run", "--timeout=99999999999999999999999999.5", "g" }, ERANGE, "(0.001 to 86400 seconds)" },
	{ { "vmm", "run", "--timeout=86400.001", "g" }, ERANGE, "(0.001 to 86400 seconds)" },
	{ { "vmm", "selftest", "-t", "18446744073709556" }, ERANGE, "-timeout: 18446744073709556 is out of range "
	  "(0.001 to 3600 seconds)" },
	{ { "vmm", "selftest", "-t", "3600.001" }, ERANGE, "(0.001 to 3600 seconds)" },
	{ { "vmm", "run", "--load-addr=0x1000", "g" }, ERANGE, "--load-addr: 0x1000 is out of range" },
	{ { "vmm", "run", "--mem=16M", "--load-addr=0x2000000", "g" }, ERANGE, "beyond guest RAM" },
	{ { "vmm", "run", "--verbose=1", "g" }, EINVAL, "--verbose takes no value" },
	{ { "vmm", "run", "--serial=", "g" }, EINVAL, "--serial needs a non-empty FILE" },
	{ { "vmm", "run", "a", "b" }, EINVAL, "more than one image" },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad_case *c = &bad[i];
		struct vmm_config cfg;
		struct vmm_err err = { 0 };
		int r = cli_parse(count_args(c->argv), (char *const *)c->argv, &cfg, &err);

		if (!r)
			r = cli_validate(&cfg, &err);
		if (r != -c->code || !strstr(err.msg, c->msg))
			fail_msg("case %zu: got %d '%s', want %d containing '%s'", i, r, err.msg,
				 -c->code, c->msg);
	}
}

static void test_long_cmdline(void **state)
{
	static char big[CLI_CMDLINE_MAX + 10];
	const char *argv[] = { "vmm", "run", "g", "--", big };
	struct vmm_config cfg;
	struct vmm_err err = { 0 };

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	assert_int_equal(cli_parse(5, (char *const *)argv, &cfg, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "guest command line is longer"));
}

static void test_usage_lists_every_status(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	cli_usage(f, CMD_RUN);
	fclose(f);
	for (const char *const *w = (const char *const[]){ "--mem=SIZE", "--cpus=N", "--timeout=SECONDS",
		"--serial=FILE", "--initrd=FILE", "--load-addr=ADDR", "124", "130", "triple fault", NULL };
	     *w; w++)
		if (!strstr(text, *w))
			fail_msg("help lacks '%s'", *w);
	free(text);
}

/* The seccomp filter is on unless --no-seccomp says otherwise, for run and selftest. */
static void test_no_seccomp(void **state)
{
	static const struct {
		const char *argv[MAX_ARGS];
		bool no_seccomp;
	} cases[] = {
		{ { "vmm", "run", "g" }, false },
		{ { "vmm", "run", "--no-seccomp", "g" }, true },
		{ { "vmm", "selftest" }, false },
		{ { "vmm", "selftest", "--no-seccomp" }, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmm_config cfg;
		struct vmm_err err = { 0 };

		assert_int_equal(cli_parse(count_args(cases[i].argv), (char *const *)cases[i].argv, &cfg, &err), 0);
		assert_int_equal(cli_validate(&cfg, &err), 0);
		assert_int_equal(cfg.no_seccomp, cases[i].no_seccomp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_long_cmdline),
		cmocka_unit_test(test_usage_lists_every_status),
		cmocka_unit_test(test_no_seccomp),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
