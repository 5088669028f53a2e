/* Replaced by the PMU host probe and planner. */
int vmm_pmu_placeholder(void);
int vmm_pmu_placeholder(void) { return 0; }
