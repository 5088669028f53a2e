// SPDX-License-Identifier: GPL-2.0-only
// The public header compiles as C++ and its functions link with C linkage.
#include <vmm/vmm.h>

int main()
{
	struct vmm_vm_config cfg;

	vmm_vm_config_init(&cfg);
	return vmm_api_version() == VMM_API_VERSION && cfg.nr_vcpus == 1 ? 0 : 1;
}
