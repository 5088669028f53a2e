/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command line: one declarative option table fills struct vmm_config;
 * validation is a separate step. Pure code: no I/O but the help text, which
 * is written to a FILE the caller gives.
 */
#ifndef VMM_VMM_CLI_H
#define VMM_VMM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"
#include "vmm/vmm.h"

enum vmm_command {
	CMD_NONE,
	CMD_HELP,
	CMD_VERSION,
	CMD_RUN,
	CMD_SELFTEST,
	CMD_CAPS,
	CMD_PLAN,
};

#define CLI_CMDLINE_MAX 3840	/* VMM_BOOT_CMDLINE_MAX */
#define CLI_PMU_OPTIONS_MAX 64	/* PMU options given on one command line */

struct vmm_config {
	enum vmm_command cmd;
	const char *image;
	uint64_t mem_size;		/* bytes */
	uint64_t cpus;
	uint64_t timeout_ms;		/* 0: no timeout */
	const char *serial_path;	/* NULL: stdout */
	const char *initrd_path;
	uint64_t load_addr;
	int verbose;
	bool no_reboot;			/* a triple fault ends the VM instead of resetting it */
	uint64_t max_resets;
	bool verify_reset;
	bool no_seccomp;		/* run, selftest: vCPU threads without their seccomp filter */
	const char *irqchip;		/* --irqchip=split|full */
	bool irqchip_full;		/* validated from irqchip */
	bool help;
	char cmdline[CLI_CMDLINE_MAX];	/* guest arguments after "--", joined by spaces */
	/* run, plan: --pmu=MODE and the shape options, in order, for vmm_plan() (checked when parsed) */
	struct vmm_pmu_option pmu[CLI_PMU_OPTIONS_MAX];
	size_t nr_pmu;
	const char *pmu_mode;		/* the last --pmu=MODE, "auto" when none */

	/* selftest */
	const char *modes;		/* --pmu=MODES, NULL = every mode */
	const char *guests;		/* --guest=NAMES, NULL = every guest */
	uint64_t jobs;			/* -j N, 0 = number of online CPUs */
	const char *json_path;		/* --json=FILE */
	bool tap, list, guest_output;
	const char *guest_dir;

	/* caps, plan */
	bool json;
	const char *save_path;		/* caps --save=FILE */
	const char *host_path;		/* plan --host=FILE */
};

/* Fill cfg with defaults, then parse argv. Errors name the option and what it accepts. */
int cli_parse(int argc, char *const argv[], struct vmm_config *cfg, struct vmm_err *err);

/* Check the combination of options (after cli_parse). */
int cli_validate(struct vmm_config *cfg, struct vmm_err *err);

/* Help for one command (CMD_NONE: the overview with every command). */
void cli_usage(FILE *f, enum vmm_command cmd);

#endif
