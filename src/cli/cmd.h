/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command-line front end: one file per command (cmd_run.c,
 * cmd_selftest.c, cmd_info.c for caps and plan), dispatched from main.c.
 * Each returns the process exit status; only main() exits.
 */
#ifndef VMM_VMM_CMD_H
#define VMM_VMM_CMD_H

#include "common/err.h"
#include "cli/cli.h"
#include "vmm/vmm.h"

int cmd_run(const struct vmm_config *cfg);
int cmd_selftest(const struct vmm_config *cfg);
int cmd_caps(const struct vmm_config *cfg);
int cmd_plan(const struct vmm_config *cfg);

/* Print "vmm: <message>" on stderr and return status. */
int cmd_fail(int status, const struct vmm_err *err);

/* The status for a refused PMU plan (the error's input): 2 for an invalid request, 6 when the host cannot give it. */
int cmd_plan_status(bool input);

/* libvmm's error as the command line reports it. */
struct vmm_err cmd_err(const struct vmm_error *e);

#endif
