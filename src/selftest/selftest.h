/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmm selftest: boot every bundled guest under every PMU mode the host can
 * give, in parallel, and report a guests x modes matrix.
 */
#ifndef VMM_VMM_SELFTEST_H
#define VMM_VMM_SELFTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

enum selftest_mode {
	ST_MODE_OFF,
	ST_MODE_EMULATED,
	ST_MODE_MEDIATED,
	ST_MODE_SOFT_INTEL,
	ST_MODE_SOFT_AMD,
	ST_NR_MODES,
};

#define ST_MAX_ARGS 6

/* A self-test mode: what `vmm run` is given for it, and what the host is asked to plan. */
struct selftest_mode_info {
	const char *name;
	const char *pmu;	/* --pmu=... */
	const char *vendor;	/* --cpu-vendor=..., NULL: none */
};

extern const struct selftest_mode_info selftest_modes[ST_NR_MODES];

struct selftest_guest {
	const char *name;
	const char *file;		/* in the guest directory */
	const char *proves;		/* one line: what it checks */
	const char *args[ST_MAX_ARGS];	/* extra `vmm run` options, NULL-terminated */
	const char *cmdline[ST_MAX_ARGS];	/* the guest's arguments (after "--"), NULL-terminated */
	unsigned int modes;		/* bit per enum selftest_mode it runs in; 0 = every mode */
};

struct selftest_opts {
	unsigned int modes;		/* requested modes (bit per enum selftest_mode) */
	const char *guests;		/* comma-separated names, NULL = all */
	unsigned int jobs;
	const char *json_path;		/* NULL: no JSON */
	bool tap;			/* TAP on stdout instead of the matrix */
	uint64_t timeout_ms;		/* per pair */
	bool progress;			/* show progress lines on stderr */
	bool guest_output;		/* one pair: pass the guest's TAP through */
	bool no_seccomp;		/* pass --no-seccomp to vmm run */
	const char *soft_engine;	/* soft modes: pass --soft-engine=this (NULL: vmm run's default) */
	bool soft_check;		/* soft modes: pass --soft-check */
	const char *soft_interp;	/* soft modes: pass --soft-interp=this (NULL: vmm run's default) */
};

struct selftest_env {
	const char *vmm_path;		/* the vmm executable to run */
	const char *guest_dir;
	/* Why each mode cannot run on this host; empty when it can. */
	char unavailable[ST_NR_MODES][512];
};

extern const struct selftest_guest selftest_guests[];
extern const unsigned int selftest_nr_guests;

const char *selftest_mode_name(enum selftest_mode m);

/* Parse "off,soft,..." ("soft" = both soft models, "all" = every mode) into a mask. */
int selftest_modes_parse(const char *s, unsigned int *mask, struct vmm_err *err);

/* Check --guest names against the catalog. */
int selftest_guests_check(const char *names, struct vmm_err *err);

/*
 * Run the pairs and print the report to out. Returns the exit status:
 * 0 nothing failed, 1 something failed, 77 nothing could run; or -errno.
 */
int selftest_run(const struct selftest_opts *o, const struct selftest_env *env, FILE *out,
		 struct vmm_err *err);

#endif
