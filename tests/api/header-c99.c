// SPDX-License-Identifier: GPL-2.0-only
/* The public header alone, in strict C99: nothing from the internal headers is needed. */
#include <vmm/vmm.h>

int main(void)
{
	struct vmm_run_options o;

	vmm_run_options_init(&o);
	return vmm_api_version() == VMM_API_VERSION && o.stop_fd == -1 ? 0 : 1;
}
