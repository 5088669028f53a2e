// SPDX-License-Identifier: GPL-2.0-only
#include "cli/cli.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "vmm/bootinfo.h"
#include "vmm/vmm.h"

enum cli_type {
	CLI_FLAG,	/* bool, no argument */
	CLI_COUNT,	/* int, incremented per use */
	CLI_UINT,	/* uint64_t in [min, max], decimal or 0x hex */
	CLI_SIZE,	/* uint64_t bytes: N[K|M|G], plain N means MiB */
	CLI_SECONDS,	/* uint64_t milliseconds from decimal seconds ("2", "0.5") */
	CLI_STRING,	/* const char * */
	CLI_PMU,	/* kept for vmm_plan() under the option's name */
	CLI_PMU_FLAG,	/* the same, with no argument */
};

struct cli_option {
	const char *name;
	char short_name;
	enum cli_type type;
	size_t offset;
	const char *metavar;
	const char *help;
	uint64_t min, max;
};

#define OPT(field) offsetof(struct vmm_config, field)

#define OPT_HELP { "help", 'h', CLI_FLAG, OPT(help), NULL, "show this help", 0, 0 }
#define OPT_VERBOSE { "verbose", 'v', CLI_COUNT, OPT(verbose), NULL, \
	"log VMM diagnostics to stderr (unhandled I/O, CPUID changes, the PMU plan)", 0, 0 }

/* The PMU request options shared by run and plan (syntax: docs/pmu-modes.md). */
#define PMU_OPTIONS \
	{ "pmu", 0, CLI_PMU, 0, "MODE", "off, emulated, mediated, soft or auto (default auto)", 0, 0 }, \
	{ "pmu-version", 0, CLI_PMU, 0, "N", "architectural perfmon version (CPUID.0AH.EAX[7:0])", 0, 0 }, \
	{ "pmu-gp", 0, CLI_PMU, 0, "N", "general-purpose counters (AMD: core counters)", 0, 0 }, \
	{ "pmu-fixed", 0, CLI_PMU, 0, "N", "fixed counters 0..N-1", 0, 0 }, \
	{ "pmu-fixed-mask", 0, CLI_PMU, 0, "MASK", "fixed counters as a bitmask (version 5 enumeration)", 0, 0 }, \
	{ "pmu-width", 0, CLI_PMU, 0, "BITS", "counter width", 0, 0 }, \
	{ "pmu-events", 0, CLI_PMU, 0, "LIST", "available architectural events", 0, 0 }, \
	{ "pmu-lbr", 0, CLI_PMU, 0, "on|off|DEPTH", "last branch records", 0, 0 }, \
	{ "pmu-filter", 0, CLI_PMU, 0, "allow|deny:EV[/UMASK],...[,fixed=MASK]", \
	  "event filter with KVM's semantics (soft mode: applied by the software PMU)", 0, 0 }, \
	{ "pmu-cpus", 0, CLI_PMU, 0, "core|atom|common|LIST", "host CPUs for vCPUs on hosts with several PMUs", 0, 0 }, \
	{ "cpu-vendor", 0, CLI_PMU, 0, "intel|amd", "PMU vendor the soft PMU models", 0, 0 }, \
	{ "soft-engine", 0, CLI_PMU, 0, "interp|step", "how the soft PMU follows the guest while it counts: " \
	  "execute it in the VMM's interpreter (default) or single-step it through KVM", 0, 0 }, \
	{ "soft-check", 0, CLI_PMU_FLAG, 0, NULL, "check every instruction the interpreter executes at CPL 0 " \
	  "against a KVM single-step of it (registers; RAM written, with one vCPU); stop at the first " \
	  "difference (a single-step each)", 0, 0 }, \
	{ "soft-interp", 0, CLI_PMU, 0, "counting|always", "when the interpreter engine interprets the guest: " \
	  "while a counter counts (default) or also while nothing counts", 0, 0 }

static const struct cli_option run_options[] = {
	{ "mem", 'm', CLI_SIZE, OPT(mem_size), "SIZE",
	  "guest RAM: N[K|M|G], plain N is MiB (default 128M)", VMM_MIN_MEM, VMM_MAX_MEM },
	{ "cpus", 'c', CLI_UINT, OPT(cpus), "N", "number of vCPUs, each in its own thread (default 1)",
	  1, VMM_MAX_VCPUS },
	{ "timeout", 't', CLI_SECONDS, OPT(timeout_ms), "SECONDS",
	  "end a guest still running after SECONDS (exit status 124)", 1, 86400ULL * 1000 },
	{ "serial", 0, CLI_STRING, OPT(serial_path), "FILE",
	  "write the guest's serial output to FILE instead of stdout", 0, 0 },
	{ "initrd", 0, CLI_STRING, OPT(initrd_path), "FILE",
	  "multiboot module for the guest (multiboot images only)", 0, 0 },
	{ "load-addr", 0, CLI_UINT, OPT(load_addr), "ADDR",
	  "guest-physical load address of a raw image (default 0x100000)", VMM_BOOT_AREA_END,
	  VMM_MAX_MEM - 1 },
	{ "irqchip", 0, CLI_STRING, OPT(irqchip), "split|full",
	  "interrupt controllers in KVM: LAPICs only (default), or LAPICs, IOAPIC and PIC", 0, 0 },
	{ "no-reboot", 0, CLI_FLAG, OPT(no_reboot), NULL,
	  "end the VM on a triple fault (status 8) instead of resetting it", 0, 0 },
	{ "max-resets", 0, CLI_UINT, OPT(max_resets), "N",
	  "end the VM when it resets more than N times (status 12; default 100)", 0, 1000000 },
	{ "verify-reset", 0, CLI_FLAG, OPT(verify_reset), NULL,
	  "after every reset, check each PMU MSR against a fresh vCPU (status 14 if not)", 0, 0 },
	{ "no-seccomp", 0, CLI_FLAG, OPT(no_seccomp), NULL,
	  "run the vCPU threads without their seccomp system call filter", 0, 0 },
	PMU_OPTIONS,
	OPT_VERBOSE,
	OPT_HELP,
};

static const struct cli_option selftest_options[] = {
	{ "pmu", 0, CLI_STRING, OPT(modes), "MODES",
	  "modes to run: off,emulated,mediated,soft-intel,soft-amd (soft = both, all; default all)", 0, 0 },
	{ "guest", 'g', CLI_STRING, OPT(guests), "NAMES", "comma-separated guests to run (default all)", 0, 0 },
	{ "jobs", 'j', CLI_UINT, OPT(jobs), "N", "pairs to run at once (default: online CPUs)", 1, 256 },
	{ "timeout", 't', CLI_SECONDS, OPT(timeout_ms), "SECONDS", "per guest and mode (default 60)", 1,
	  3600ULL * 1000 },
	{ "json", 0, CLI_STRING, OPT(json_path), "FILE", "also write the results as JSON to FILE", 0, 0 },
	{ "tap", 0, CLI_FLAG, OPT(tap), NULL, "print TAP, one test point per guest and mode", 0, 0 },
	{ "guest-output", 0, CLI_FLAG, OPT(guest_output), NULL,
	  "with one guest and one mode: pass the guest's own TAP through", 0, 0 },
	{ "list", 'l', CLI_FLAG, OPT(list), NULL, "list the bundled guests and what each proves", 0, 0 },
	{ "no-seccomp", 0, CLI_FLAG, OPT(no_seccomp), NULL, "pass --no-seccomp to every vmm run", 0, 0 },
	{ "soft-engine", 0, CLI_PMU, 0, "step|interp", "pass --soft-engine to every soft-mode vmm run", 0, 0 },
	{ "soft-check", 0, CLI_PMU_FLAG, 0, NULL, "pass --soft-check to every soft-mode vmm run", 0, 0 },
	{ "soft-interp", 0, CLI_PMU, 0, "counting|always", "pass --soft-interp to every soft-mode vmm run", 0, 0 },
	{ "guest-dir", 0, CLI_STRING, OPT(guest_dir), "DIR", "where the guest images are (default: found "
	  "beside vmm)", 0, 0 },
	OPT_HELP,
};

static const struct cli_option caps_options[] = {
	{ "json", 0, CLI_FLAG, OPT(json), NULL, "print JSON", 0, 0 },
	{ "save", 0, CLI_STRING, OPT(save_path), "FILE", "write the host description to FILE (for vmm plan)",
	  0, 0 },
	OPT_HELP,
};

static const struct cli_option plan_options[] = {
	{ "host", 0, CLI_STRING, OPT(host_path), "FILE", "a recorded host description (vmm caps --save)", 0, 0 },
	{ "json", 0, CLI_FLAG, OPT(json), NULL, "print JSON", 0, 0 },
	PMU_OPTIONS,
	OPT_HELP,
};

#define TABLE(t) t, sizeof(t) / sizeof(t[0])

static const struct cli_command {
	const char *name;
	enum vmm_command cmd;
	const struct cli_option *opts;
	size_t nr_opts;
	const char *usage;
	const char *summary;
} commands[] = {
	{ "run", CMD_RUN, TABLE(run_options), "vmm run [options] IMAGE [-- GUEST ARGS]",
	  "boot IMAGE (ELF64, multiboot v1 or raw binary, recognised by content) on KVM;\n"
	  "the guest's serial port goes to stdout, the VMM's own messages to stderr" },
	{ "selftest", CMD_SELFTEST, TABLE(selftest_options), "vmm selftest [options]",
	  "boot every bundled guest under every PMU mode this host can give, report a matrix" },
	{ "caps", CMD_CAPS, TABLE(caps_options), "vmm caps [--json] [--save FILE]",
	  "what this host offers and what each PMU mode would give a guest, with reasons" },
	{ "plan", CMD_PLAN, TABLE(plan_options), "vmm plan --host FILE [--pmu=MODE ...] [--json]",
	  "the guest PMU a recorded host would give (CPUID, KVM caps, pass-through), without KVM" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cli_defaults(struct vmm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = 128ULL << 20;
	cfg->cpus = 1;
	cfg->load_addr = 0x100000;
	cfg->max_resets = 100;
	cfg->pmu_mode = "auto";
}

/* A number too large for 64 bits is out of range: UINT64_MAX fails every option's range check. */
static int parse_u64(const char *s, uint64_t *v)
{
	int r = num_parse_u64(s, v);

	if (r == -ERANGE)
		*v = UINT64_MAX;
	return r == -ERANGE ? 0 : r;
}

/* N[K|M|G][iB|B]; plain N is MiB. */
static int parse_size(const char *s, uint64_t *v)
{
	int r = num_parse_size(s, 20, v);

	if (r == -ERANGE)
		*v = UINT64_MAX;
	return r == -ERANGE ? 0 : r;
}

/*
 * Decimal seconds with up to three fractional digits, to milliseconds. A
 * value too large for milliseconds in 64 bits saturates at UINT64_MAX, so
 * the caller's range check refuses it rather than a wrapped value passing.
 */
static int parse_seconds(const char *s, uint64_t *ms)
{
	uint64_t whole = 0, frac = 0;
	unsigned int digits = 0;
	bool huge = false;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++)
		if (!huge && (__builtin_mul_overflow(whole, 10, &whole) ||
			      __builtin_add_overflow(whole, (uint64_t)(*p - '0'), &whole)))
			huge = true;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (uint64_t)(*p - '0');
	}
	if (*p)
		return -EINVAL;
	for (; digits < 3; digits++)
		frac *= 10;
	if (huge || __builtin_mul_overflow(whole, 1000, &whole) || __builtin_add_overflow(whole, frac, ms))
		*ms = UINT64_MAX;
	return 0;
}

static const char *type_expects(enum cli_type t)
{
	switch (t) {
	case CLI_UINT: return "a number (decimal or 0x hex)";
	case CLI_SIZE: return "a size such as 64M, 1G or 131072K";
	case CLI_SECONDS: return "seconds, such as 10 or 0.5";
	default: return "a value";
	}
}

/*
 * A PMU option, kept for vmm_plan() and checked now, with everything before
 * it, so that a bad value is a usage error before any file is opened.
 */
static int cli_store_pmu(const struct cli_option *o, const char *val, struct vmm_config *cfg,
			 struct vmm_err *err)
{
	struct vmm_error e = { 0 };

	if (cfg->nr_pmu == CLI_PMU_OPTIONS_MAX)
		return vmm_errf(err, E2BIG, "more than %d PMU options", CLI_PMU_OPTIONS_MAX);
	cfg->pmu[cfg->nr_pmu] = (struct vmm_pmu_option){ .name = o->name, .value = val };
	if (vmm_pmu_options_check(NULL, cfg->pmu, cfg->nr_pmu + 1, &e) < 0)
		return vmm_errf(err, e.code, "%s", e.message);
	if (!strcmp(o->name, "pmu"))
		cfg->pmu_mode = val;
	cfg->nr_pmu++;
	return 0;
}

static int cli_store(const struct cli_option *o, const char *val, struct vmm_config *cfg,
		     struct vmm_err *err)
{
	char *field = (char *)cfg + o->offset;
	uint64_t v = 0;
	int r = 0;

	switch (o->type) {
	case CLI_FLAG:
		*(bool *)field = true;
		return 0;
	case CLI_COUNT:
		(*(int *)field)++;
		return 0;
	case CLI_PMU:
		return cli_store_pmu(o, val, cfg, err);
	case CLI_PMU_FLAG:
		return cli_store_pmu(o, "on", cfg, err);
	case CLI_STRING:
		if (!*val)
			return vmm_errf(err, EINVAL, "--%s needs a non-empty %s", o->name, o->metavar);
		*(const char **)field = val;
		return 0;
	case CLI_UINT: r = parse_u64(val, &v); break;
	case CLI_SIZE: r = parse_size(val, &v); break;
	case CLI_SECONDS: r = parse_seconds(val, &v); break;
	}
	if (r < 0)
		return vmm_errf(err, EINVAL, "--%s: '%s' is not %s", o->name, val, type_expects(o->type));
	if (v < o->min || v > o->max) {
		if (o->type == CLI_SIZE)
			return vmm_errf(err, ERANGE, "--%s: %s is out of range (%llu MiB to %llu MiB)",
					o->name, val, (unsigned long long)(o->min >> 20),
					(unsigned long long)(o->max >> 20));
		if (o->type == CLI_SECONDS)
			return vmm_errf(err, ERANGE, "--%s: %s is out of range (0.001 to %llu seconds)",
					o->name, val, (unsigned long long)(o->max / 1000));
		return vmm_errf(err, ERANGE, "--%s: %s is out of range (%llu to %llu)", o->name, val,
				(unsigned long long)o->min, (unsigned long long)o->max);
	}
	*(uint64_t *)field = v;
	return 0;
}

static const struct cli_option *find_long(const struct cli_command *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->nr_opts; i++)
		if (strlen(c->opts[i].name) == len && !strncmp(c->opts[i].name, name, len))
			return &c->opts[i];
	return NULL;
}

static const struct cli_option *find_short(const struct cli_command *c, char ch)
{
	for (size_t i = 0; i < c->nr_opts; i++)
		if (c->opts[i].short_name == ch)
			return &c->opts[i];
	return NULL;
}

static bool takes_arg(const struct cli_option *o)
{
	return o->type != CLI_FLAG && o->type != CLI_COUNT && o->type != CLI_PMU_FLAG;
}

/* One option at argv[*i]; advances *i past its argument. */
static int cli_option(const struct cli_command *c, int argc, char *const argv[], int *i,
		      struct vmm_config *cfg, struct vmm_err *err)
{
	const char *arg = argv[*i], *val = NULL, *eq;
	const struct cli_option *o;

	if (arg[1] == '-') {
		eq = strchr(arg + 2, '=');
		o = find_long(c, arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
		if (!o)
			return vmm_errf(err, EINVAL, "unknown option '%.*s' (see vmm %s --help)",
					eq ? (int)(eq - arg) : (int)strlen(arg), arg, c->name);
		if (eq && !takes_arg(o))
			return vmm_errf(err, EINVAL, "--%s takes no value", o->name);
		val = eq ? eq + 1 : NULL;
	} else {
		o = find_short(c, arg[1]);
		if (!o && arg[2])
			return vmm_errf(err, EINVAL, "unknown option '%s' (see vmm %s --help)", arg, c->name);
		if (!o)
			return vmm_errf(err, EINVAL, "unknown option '%s' (see vmm %s --help)", arg, c->name);
		if (arg[2] && takes_arg(o))	/* -j4 */
			val = arg + 2;
		else if (arg[2])
			return vmm_errf(err, EINVAL, "unknown option '%s' (see vmm %s --help)", arg, c->name);
	}
	if (takes_arg(o) && !val) {
		if (*i + 1 >= argc)
			return vmm_errf(err, EINVAL, "--%s needs a value (%s)", o->name, o->metavar);
		val = argv[++*i];
	}
	return cli_store(o, val, cfg, err);
}

static int cli_join_args(int argc, char *const argv[], int first, struct vmm_config *cfg,
			 struct vmm_err *err)
{
	size_t off = 0;

	for (int i = first; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (off + n + (off ? 1 : 0) >= sizeof(cfg->cmdline))
			return vmm_errf(err, E2BIG, "guest command line is longer than %zu bytes",
					sizeof(cfg->cmdline) - 1);
		if (off)
			cfg->cmdline[off++] = ' ';
		memcpy(cfg->cmdline + off, argv[i], n + 1);
		off += n;
	}
	return 0;
}

/* Options and operands of one command; only run takes an IMAGE and "--" guest arguments. */
static int cli_parse_command(const struct cli_command *c, int argc, char *const argv[],
			     struct vmm_config *cfg, struct vmm_err *err)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (!strcmp(a, "--") && c->cmd == CMD_RUN)
			return cli_join_args(argc, argv, i + 1, cfg, err);
		if (a[0] == '-' && a[1] && strcmp(a, "--")) {
			r = cli_option(c, argc, argv, &i, cfg, err);
			if (r < 0)
				return r;
			continue;
		}
		if (c->cmd != CMD_RUN)
			return vmm_errf(err, EINVAL, "vmm %s takes no argument '%s' (see vmm %s --help)",
					c->name, a, c->name);
		if (cfg->image)
			return vmm_errf(err, EINVAL, "more than one image given ('%s' and '%s'); guest "
					"arguments go after '--'", cfg->image, a);
		cfg->image = a;
	}
	return 0;
}

int cli_parse(int argc, char *const argv[], struct vmm_config *cfg, struct vmm_err *err)
{
	const char *cmd;

	cli_defaults(cfg);
	if (argc < 2)
		return vmm_errf(err, EINVAL, "no command given (try vmm --help)");
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		cfg->cmd = CMD_HELP;
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		cfg->cmd = CMD_VERSION;
		return 0;
	}
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		if (!strcmp(cmd, commands[i].name)) {
			cfg->cmd = commands[i].cmd;
			return cli_parse_command(&commands[i], argc, argv, cfg, err);
		}
	}
	return vmm_errf(err, EINVAL, "unknown command '%s' (commands: run, selftest, caps, plan; "
			"try vmm --help)", cmd);
}

int cli_validate(struct vmm_config *cfg, struct vmm_err *err)
{
	if (cfg->help)
		return 0;
	if (cfg->cmd == CMD_PLAN && !cfg->host_path)
		return vmm_errf(err, EINVAL, "vmm plan needs --host FILE (record one with vmm caps --save FILE)");
	if (cfg->cmd != CMD_RUN)
		return 0;
	if (cfg->irqchip && strcmp(cfg->irqchip, "split") && strcmp(cfg->irqchip, "full"))
		return vmm_errf(err, EINVAL, "--irqchip: '%s' is not split or full", cfg->irqchip);
	cfg->irqchip_full = cfg->irqchip && !strcmp(cfg->irqchip, "full");
	if (!cfg->image)
		return vmm_errf(err, EINVAL, "vmm run needs an IMAGE (see vmm run --help)");
	if (cfg->mem_size % 4096)
		return vmm_errf(err, EINVAL, "--mem must be a multiple of 4 KiB");
	if (cfg->load_addr >= cfg->mem_size)
		return vmm_errf(err, ERANGE, "--load-addr 0x%llx is beyond guest RAM (%llu MiB)",
				(unsigned long long)cfg->load_addr,
				(unsigned long long)(cfg->mem_size >> 20));
	return 0;
}

static void usage_options(FILE *f, const struct cli_option *opts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cli_option *o = &opts[i];
		char shortname[8] = "    ", left[64];

		if (o->short_name)
			snprintf(shortname, sizeof(shortname), "-%c, ", o->short_name);
		snprintf(left, sizeof(left), "%s--%s%s%s", shortname, o->name, o->metavar ? "=" : "",
			 o->metavar ? o->metavar : "");
		if (strlen(left) > 26)	/* a long metavar: the help goes on the next line */
			fprintf(f, "  %s\n  %-26s %s\n", left, "", o->help);
		else
			fprintf(f, "  %-26s %s\n", left, o->help);
	}
}

static const struct cli_command *find_command(enum vmm_command cmd)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (commands[i].cmd == cmd)
			return &commands[i];
	return NULL;
}

static void usage_statuses(FILE *f)
{
	fprintf(f, "\nExit status of vmm run:\n"
		"  (V << 1) | 1  the guest wrote V to the exit port 0x%x (odd: 1 = V 0, 77 = V 38)\n"
		"  %-3d          success (commands other than run); guest powered off\n"
		"  %-3d          bad command line, or a PMU shape the mode cannot have\n"
		"  %-3d          image or input file unreadable or malformed\n"
		"  %-3d          KVM missing or lacking a feature, the PMU mode unavailable here, or an ioctl failed\n"
		"  %-3d          guest triple fault with --no-reboot (registers dumped on stderr)\n"
		"  %-3d          KVM could not run the guest (internal error, failed entry)\n"
		"  %-3d          the guest reset more often than --max-resets\n"
		"  %-3d          --verify-reset found PMU state a reset left behind\n"
		"  %-3d          --timeout expired\n"
		"  %-3d          stopped by SIGINT or SIGTERM\n"
		"vmm selftest: 0 nothing failed, 1 something failed, 77 nothing could run.\n",
		VMM_PORT_EXIT, VMM_STATUS_OK, VMM_STATUS_USAGE, VMM_STATUS_IMAGE, VMM_STATUS_HOST,
		VMM_STATUS_TRIPLE_FAULT, VMM_STATUS_VCPU_ERROR, VMM_STATUS_RESET_LIMIT, VMM_STATUS_RESET_VERIFY,
		VMM_STATUS_TIMEOUT, VMM_STATUS_SIGNAL);
	fputs("SIGHUP resets the guest (vmm run); SIGINT and SIGTERM stop it.\n", f);
	fputs("A vCPU thread making a system call outside its seccomp filter kills vmm with SIGSYS "
	      "(see --no-seccomp).\n", f);
}

void cli_usage(FILE *f, enum vmm_command cmd)
{
	const struct cli_command *c = find_command(cmd);

	if (c) {
		fprintf(f, "Usage: %s\n\n%s.\n\nOptions:\n", c->usage, c->summary);
		usage_options(f, c->opts, c->nr_opts);
		if (cmd == CMD_RUN || cmd == CMD_SELFTEST)
			usage_statuses(f);
		return;
	}
	fputs("vmm: a minimal VMM on /dev/kvm for PMU virtualization\n\nUsage:\n", f);
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %s\n      %s\n", commands[i].usage, commands[i].summary);
	fputs("  vmm --help | --version\n\n'vmm COMMAND --help' lists the options of COMMAND.\n", f);
	usage_statuses(f);
}
