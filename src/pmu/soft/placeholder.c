/* Replaced by the software PMU model. */
int vmm_softpmu_placeholder(void);
int vmm_softpmu_placeholder(void) { return 0; }
