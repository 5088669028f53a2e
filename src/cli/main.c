// SPDX-License-Identifier: GPL-2.0-only
/* vmm: the command-line front end. The only place that exits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "vmm/vmm.h"

#ifndef VMM_VERSION
#define VMM_VERSION "unknown"
#endif

int cmd_fail(int status, const struct vmm_err *err)
{
	fprintf(stderr, "vmm: %s\n", err->msg);
	return status;
}

struct vmm_err cmd_err(const struct vmm_error *e)
{
	struct vmm_err r = { .code = e->code, .input = e->input != 0 };

	snprintf(r.msg, sizeof(r.msg), "%s", e->message);
	return r;
}

/*
 * A plan refused because the request itself is invalid (a value out of the
 * mode's range, contradicting options) is a usage error; one refused because
 * this host cannot give it is a host error. The planner says which (input).
 */
int cmd_plan_status(bool input)
{
	return input ? VMM_STATUS_USAGE : VMM_STATUS_HOST;
}

/*
 * Started with fd 0, 1 or 2 closed (vmm run IMAGE >&-), the next open() would
 * make /dev/kvm, an eventfd or the image "stdout". Put /dev/null there first.
 */
static int open_std_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		n = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
		if (n != fd) {	/* open() takes the lowest free fd: fd itself */
			if (n >= 0)
				close(n);
			return -1;
		}
	}
	return 0;
}

/*
 * vmm never gains privileges by executing a program, nor do the vmm run
 * children of vmm selftest, which inherit this (docs/security.md).
 */
static int no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		return 0;
	fprintf(stderr, "vmm: prctl(PR_SET_NO_NEW_PRIVS): %s\n", strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	struct vmm_config cfg;
	struct vmm_err err = { 0 };

	if (open_std_fds() < 0)
		return VMM_STATUS_HOST;	/* no /dev/null: nowhere to say so either */
	/*
	 * A reader that goes away (vmm run IMAGE | head) is an EPIPE to handle
	 * where the write is, not a signal that kills vmm and loses the guest's
	 * status (docs/cli.md, Guest output).
	 */
	signal(SIGPIPE, SIG_IGN);
	if (cli_parse(argc, argv, &cfg, &err) < 0 || cli_validate(&cfg, &err) < 0) {
		fprintf(stderr, "vmm: %s\n", err.msg);
		return VMM_STATUS_USAGE;
	}
	switch (cfg.cmd) {
	case CMD_VERSION:
		printf("vmm %s\n", VMM_VERSION);
		return VMM_STATUS_OK;
	case CMD_RUN:
		if (cfg.help) {
			cli_usage(stdout, CMD_RUN);
			return VMM_STATUS_OK;
		}
		return no_new_privs() < 0 ? VMM_STATUS_HOST : cmd_run(&cfg);
	case CMD_SELFTEST:
	case CMD_CAPS:
	case CMD_PLAN:
		if (cfg.help) {
			cli_usage(stdout, cfg.cmd);
			return VMM_STATUS_OK;
		}
		if (cfg.cmd == CMD_SELFTEST && no_new_privs() < 0)
			return VMM_STATUS_HOST;
		return cfg.cmd == CMD_SELFTEST ? cmd_selftest(&cfg) :
		       cfg.cmd == CMD_CAPS ? cmd_caps(&cfg) : cmd_plan(&cfg);
	default:
		cli_usage(stdout, CMD_NONE);
		return VMM_STATUS_OK;
	}
}
