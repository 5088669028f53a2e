/* SPDX-License-Identifier: GPL-2.0-only */
/* Loading recorded host descriptions from tests/hosts (directory in $VMM_HOSTS_DIR). */
#ifndef VMM_TESTS_HOSTFILE_H
#define VMM_TESTS_HOSTFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmu/host.h"

static const char *const all_hosts[] = {
	"spr-mediated", "spr-mediated-off", "spr-emulated", "zen4-mediated", "zen2-emulated",
	"adl-hybrid", "adl-hybrid-linux-6.0", "skx-linux-5.15", "dev-amd-no-pmu",
};
#define NR_HOSTS (sizeof(all_hosts) / sizeof(all_hosts[0]))

/* The file's text (caller frees), or NULL. */
static inline char *hostfile_read(const char *name)
{
	const char *dir = getenv("VMM_HOSTS_DIR");
	char path[512];
	char *buf;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.host", dir ? dir : "tests/hosts", name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Parse a recorded host; returns 0 or -errno with err filled. */
static inline int hostfile_load(const char *name, struct pmu_host *h, struct vmm_err *err)
{
	char *text = hostfile_read(name);
	int r;

	if (!text)
		return vmm_errf(err, 2, "cannot read host file %s.host (VMM_HOSTS_DIR=%s)", name,
				getenv("VMM_HOSTS_DIR") ? getenv("VMM_HOSTS_DIR") : "unset");
	r = pmu_host_parse(text, h, err);
	free(text);
	return r;
}

#endif
