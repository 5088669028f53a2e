// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command line (src/cli/cli.c). The input: one byte choosing what the
 * rest is, then NUL-separated arguments.
 *   even: the whole argv after "vmm" (a command and its options);
 *   1 mod 4: "vmm run --timeout=REST IMAGE";  3 mod 4: "vmm run --mem=REST IMAGE".
 * cli_parse and cli_validate succeed or fail with a message; an accepted
 * configuration holds only values within its options' ranges and strings from
 * argv, the PMU options kept as given and valid for vmm_plan(); the two
 * number forms, when accepted, equal their exact value (no wrap-around);
 * the help for the command prints.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "cli/cli.h"
#include "vmm/run/vm.h"

#define MAX_ARGS 64

static bool from_argv(const char *s, int argc, char *const argv[])
{
	if (!s)
		return true;
	for (int i = 0; i < argc; i++)
		if (s >= argv[i] && s <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

/* Decimal seconds with a fraction, exactly, in milliseconds; -1 when not of that form. */
static __int128 exact_ms(const char *s)
{
	__int128 whole = 0, frac = 0;
	int digits = 0;

	s += strspn(s, " \t\n\v\f\r");	/* white space and '+' are tolerated (strtoull) */
	s += *s == '+';
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((whole = whole * 10 + (*s - '0')) > (__int128)1 << 100)
			return -1;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*s - '0');
	for (; digits < 3; digits++)
		frac *= 10;
	return whole * 1000 + frac;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/*
 * N[K|M|G][iB|B] (plain N: MiB; N decimal or 0x hex, hex digits taken
 * greedily) in bytes, exactly; -1 when not of that form.
 */
static __int128 exact_size(const char *s)
{
	__int128 v = 0;
	int shift = 20;

	s += strspn(s, " \t\n\v\f\r");
	s += *s == '+';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && hex_digit(s[2]) >= 0) {
		for (s += 2; hex_digit(*s) >= 0; s++)
			if ((v = v * 16 + hex_digit(*s)) > (__int128)1 << 100)
				return -1;
	} else {
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++)
			if ((v = v * 10 + (*s - '0')) > (__int128)1 << 100)
				return -1;
	}
	if (*s == 'k' || *s == 'K')
		shift = 10;
	else if (*s == 'g' || *s == 'G')
		shift = 30;
	return v << shift;
}

static void check_config(const struct vmm_config *c, int argc, char *const argv[])
{
	FUZZ_CHECK(c->cmd >= CMD_NONE && c->cmd <= CMD_PLAN, "command %d", c->cmd);
	FUZZ_CHECK(c->mem_size >= VM_MIN_MEM && c->mem_size <= VM_MAX_MEM, "mem %llu",
		   (unsigned long long)c->mem_size);
	FUZZ_CHECK(c->cpus >= 1 && c->cpus <= VM_MAX_VCPUS, "cpus %llu", (unsigned long long)c->cpus);
	FUZZ_CHECK(c->timeout_ms <= 86400ULL * 1000, "timeout %llu ms", (unsigned long long)c->timeout_ms);
	FUZZ_CHECK(c->jobs <= 256, "jobs %llu", (unsigned long long)c->jobs);
	FUZZ_CHECK(c->max_resets <= 1000000, "max resets %llu", (unsigned long long)c->max_resets);
	FUZZ_CHECK(c->load_addr <= VM_MAX_MEM - 1, "load address 0x%llx", (unsigned long long)c->load_addr);
	FUZZ_CHECK(c->verbose >= 0 && c->verbose <= argc, "verbose %d", c->verbose);
	FUZZ_CHECK(memchr(c->cmdline, '\0', sizeof(c->cmdline)), "guest command line not terminated");
	FUZZ_CHECK(from_argv(c->image, argc, argv) && from_argv(c->serial_path, argc, argv) &&
		   from_argv(c->initrd_path, argc, argv) && from_argv(c->irqchip, argc, argv) &&
		   from_argv(c->modes, argc, argv) && from_argv(c->guests, argc, argv) &&
		   from_argv(c->json_path, argc, argv) && from_argv(c->guest_dir, argc, argv) &&
		   from_argv(c->save_path, argc, argv) && from_argv(c->host_path, argc, argv),
		   "a string option does not point into argv");
	/*
	 * The PMU options kept for vmm_plan(): as given (a flag, --soft-check,
	 * as "on"), each already checked, the mode the last --pmu.
	 */
	FUZZ_CHECK(c->nr_pmu <= CLI_PMU_OPTIONS_MAX, "%zu PMU options", c->nr_pmu);
	for (size_t i = 0; i < c->nr_pmu; i++)
		FUZZ_CHECK(c->pmu[i].name && c->pmu[i].value &&
			   (from_argv(c->pmu[i].value, argc, argv) ||
			    (!strcmp(c->pmu[i].name, "soft-check") && !strcmp(c->pmu[i].value, "on"))),
			   "PMU option %zu is not a name and a value from argv", i);
	FUZZ_CHECK(!strcmp(c->pmu_mode, "auto") || from_argv(c->pmu_mode, argc, argv), "PMU mode '%s'",
		   c->pmu_mode);
	FUZZ_CHECK(vmm_pmu_options_check(NULL, c->pmu, c->nr_pmu, NULL) == 0,
		   "cli_parse kept a PMU request vmm_plan() refuses as invalid");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t form = fuzz_u8(&in);
	static struct vmm_config cfg;
	char *argv[MAX_ARGS + 1];
	struct vmm_err err = { 0 };
	int argc = 0, r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	argv[argc++] = strdup("vmm");
	if (form & 1) {
		const char *opt = form & 2 ? "--mem=" : "--timeout=";
		char *a = malloc(strlen(opt) + in.n + 1);

		FUZZ_CHECK(a, "out of memory");
		strcpy(a, opt);
		memcpy(a + strlen(opt), in.p, in.n);
		a[strlen(opt) + in.n] = '\0';
		argv[argc++] = strdup("run");
		argv[argc++] = a;
		argv[argc++] = strdup("image");
	} else {
		/* Each argument in its own allocation of its exact size. */
		while (in.n && argc < MAX_ARGS) {
			const uint8_t *nul = memchr(in.p, '\0', in.n);
			size_t n = nul ? (size_t)(nul - in.p) : in.n;

			argv[argc] = malloc(n + 1);
			FUZZ_CHECK(argv[argc], "out of memory");
			memcpy(argv[argc], in.p, n);
			argv[argc++][n] = '\0';
			in.p += n + (nul ? 1 : 0);
			in.n -= n + (nul ? 1 : 0);
		}
	}
	argv[argc] = NULL;

	r = cli_parse(argc, argv, &cfg, &err);
	if (r) {
		FUZZ_CHECK(r < 0 && err.code == -r && err.msg[0], "cli_parse %d without a message", r);
		goto out;
	}
	check_config(&cfg, argc, argv);
	if (form & 1 && strchr(argv[2], '=')[1] != '\0') {
		const char *val = strchr(argv[2], '=') + 1;

		if (form & 2)
			FUZZ_CHECK(exact_size(val) == (__int128)cfg.mem_size, "--mem=%s gave %llu bytes", val,
				   (unsigned long long)cfg.mem_size);
		else
			FUZZ_CHECK(exact_ms(val) == (__int128)cfg.timeout_ms, "--timeout=%s gave %llu ms",
				   val, (unsigned long long)cfg.timeout_ms);
	}
	r = cli_validate(&cfg, &err);
	if (r) {
		FUZZ_CHECK(r < 0 && err.code == -r && err.msg[0], "cli_validate %d without a message", r);
		goto out;
	}
	if (cfg.cmd == CMD_RUN && !cfg.help)
		FUZZ_CHECK(cfg.image && cfg.mem_size % 4096 == 0 && cfg.load_addr < cfg.mem_size,
			   "cli_validate accepted a run without an image or with bad memory");
	f = open_memstream(&buf, &len);
	FUZZ_CHECK(f, "open_memstream failed");
	cli_usage(f, cfg.cmd);
	FUZZ_CHECK(!fclose(f) && len, "no help for command %d", cfg.cmd);
	free(buf);
out:
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
