// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmm's run policy (include/vmm/vmm.h, vmm_vm_run()): boot, reset and
 * boot again as the guest and the options ask, the timeout over the whole
 * run, stopping, and the result a program reads.
 */
#include "vmm/api/api_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/clock.h"
#include "interp/interp.h"
#include "vmm/run/vcpu_pmu.h"

#define DEFAULT_MAX_RESETS 100

/* The pump thread: the guest's output to the callback until pump_quit, then what is left. */
static void *pump_thread(void *arg)
{
	struct vmm_vm *v = arg;
	struct pollfd pfd[2] = {
		{ .fd = v->pipe_rd, .events = POLLIN },
		{ .fd = v->pump_quit, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			api_pump_once(v);
		if (pfd[1].revents & POLLIN)
			break;
	}
	while (api_pump_once(v))
		;
	return NULL;
}

VMM_API void vmm_run_options_init(struct vmm_run_options *o)
{
	if (!o)
		return;
	memset(o, 0, sizeof(*o));
	o->max_resets = DEFAULT_MAX_RESETS;
	o->stop_fd = -1;
}

/* vmm_vm_stop() was called: consume it. */
static bool stop_asked(struct vmm_vm *v)
{
	uint64_t n;

	return read(v->stop_efd, &n, sizeof(n)) == (ssize_t)sizeof(n);
}

/* Why this boot should be followed by a reset, or NULL when it ends the run. */
static const char *reset_reason(struct vmm_vm *v, const struct vmm_run_options *o, const struct vm_result *res)
{
	if (res->end == VM_END_RESET || res->end == VM_END_SUSPEND)
		return res->msg;
	if (res->end == VM_END_SHUTDOWN && !o->no_reboot)
		return "guest triple fault";
	if (res->end == VM_END_STOPPED && !stop_asked(v) && o->stop_fd >= 0 && o->stop_fd_reset)
		return o->stop_fd_reset(o->opaque, o->stop_fd);
	return NULL;
}

static enum vmm_end public_end(enum vm_end e)
{
	switch (e) {
	case VM_END_GUEST: return VMM_END_EXIT;
	case VM_END_SHUTDOWN: return VMM_END_TRIPLE_FAULT;
	case VM_END_TIMEOUT: return VMM_END_TIMEOUT;
	case VM_END_STOPPED: return VMM_END_STOPPED;
	default: return VMM_END_ERROR;
	}
}

static int end_status(const struct vmm_result *r, int guest_status)
{
	switch (r->end) {
	case VMM_END_EXIT: return guest_status;
	case VMM_END_TRIPLE_FAULT: return VMM_STATUS_TRIPLE_FAULT;
	case VMM_END_TIMEOUT: return VMM_STATUS_TIMEOUT;
	case VMM_END_STOPPED: return VMM_STATUS_SIGNAL;
	case VMM_END_RESET_LIMIT: return VMM_STATUS_RESET_LIMIT;
	case VMM_END_RESET_VERIFY: return VMM_STATUS_RESET_VERIFY;
	default: return VMM_STATUS_VCPU_ERROR;
	}
}

static void fill_result(struct vmm_vm *v, const struct vm_result *in, struct vmm_result *res)
{
	if (res->end != VMM_END_RESET_LIMIT && res->end != VMM_END_RESET_VERIFY) {
		res->end = public_end(in->end);
		snprintf(res->message, sizeof(res->message), "%s", in->msg);
		snprintf(res->regs, sizeof(res->regs), "%s", in->regs);
		res->vcpu = in->vcpu;
	}
	res->exit_value = res->end == VMM_END_EXIT ? in->status >> 1 : 0;
	res->status = end_status(res, in->status);
	res->resets = v->bp.boot_count;
	res->nr_vcpus = v->vm.nr_vcpus;
	res->soft_missed_user_mode = vm_soft_pmu_missed_user_mode(&v->vm);
	for (unsigned int i = 0; i < v->vm.nr_vcpus && i < VMM_MAX_VCPUS; i++) {
		struct vcpu_pmu_stats s;

		if (!vcpu_pmu_stats(&v->vm.vcpus[i], &s))
			continue;
		res->soft_pmu = 1;
		res->soft[i] = (struct vmm_soft_stats){ .retired = s.retired,
							.executed = s.executed, .pmis = s.pmis,
							.rdpmc_gp = s.rdpmc_gp, .emulated = s.emulated,
							.interpreted = s.interpreted, .handed = s.handed,
							.handed_cpl3 = s.handed_cpl3, .faults = s.faults,
							.irq_stops = s.irq_stops, .checked = s.checked,
							.delivered = s.delivered };
		for (unsigned int k = 0; k < VCPU_PMU_FALLBACK_REASONS && k < VMM_SOFT_FALLBACK_REASONS; k++)
			res->soft[i].fallbacks[k] = s.fallbacks[k];
	}
}

/*
 * Boot, and boot again after every reset: guest RAM stays, the image is
 * reloaded and the boot counter goes up (docs/reset.md). The timeout covers
 * the whole run.
 */
static int run_loop(struct vmm_vm *v, const struct vmm_run_options *o, struct vmm_result *res,
		    struct vmm_err *e)
{
	int64_t deadline = o->timeout_ms ? vmm_mono_ms() + (int64_t)o->timeout_ms : -1;
	struct vm_result vr;
	bool resume = false;
	const char *why;
	int r = 0;

	for (bool first = true;; first = false) {
		int64_t left = deadline < 0 ? -1 : deadline - vmm_mono_ms();

		/* After ACPI S3, wake at the guest's waking vector; with none, boot again as firmware does. */
		r = first ? 0 : resume ? vm_resume(&v->vm, e) : 1;
		if (r > 0)
			r = vm_load(&v->vm, &v->img->img, &v->bp, e);
		if (!r)
			r = vm_run(&v->vm, deadline < 0 ? -1 : (int)(left > 0 ? left : 0), v->wait_fd, &vr, e);
		if (r < 0)
			return r;
		if (vr.end == VM_END_TIMEOUT)	/* vm_run() knew only the time left of this boot */
			snprintf(vr.msg, sizeof(vr.msg), "guest still running after %llu.%03llu s",
				 (unsigned long long)(o->timeout_ms / 1000),
				 (unsigned long long)(o->timeout_ms % 1000));
		why = reset_reason(v, o, &vr);
		if (!why)
			break;
		snprintf(res->reset_reason, sizeof(res->reset_reason), "%.255s", why);
		if (v->bp.boot_count >= o->max_resets) {
			res->end = VMM_END_RESET_LIMIT;
			snprintf(res->message, sizeof(res->message), "the guest reset %u time%s, more than "
				 "max_resets (%llu); last: %.200s", v->bp.boot_count + 1,
				 v->bp.boot_count ? "s" : "", (unsigned long long)o->max_resets, why);
			break;
		}
		if (o->on_reset)
			o->on_reset(o->opaque, v->bp.boot_count + 1, why);
		r = vm_reset(&v->vm, e);
		if (!r && o->verify_reset && vm_verify_reset(&v->vm, e) < 0) {
			res->end = VMM_END_RESET_VERIFY;
			snprintf(res->message, sizeof(res->message), "%s", e->msg);
			memset(e, 0, sizeof(*e));
			break;
		}
		if (r < 0)
			return r;
		resume = vr.end == VM_END_SUSPEND;
		v->bp.boot_count++;
	}
	fill_result(v, &vr, res);
	return 0;
}

static int start_pump(struct vmm_vm *v, struct vmm_error *err)
{
	int r;

	if (!v->serial_cb || v->serial_finished)
		return 0;
	while (read(v->pump_quit, &(uint64_t){ 0 }, sizeof(uint64_t)) > 0)
		;
	r = pthread_create(&v->pump, NULL, pump_thread, v);
	if (r)
		return api_fail(err, r, false, "cannot start the serial output thread");
	v->pump_started = true;
	return 0;
}

static void stop_pump(struct vmm_vm *v)
{
	if (!v->pump_started)
		return;
	if (write(v->pump_quit, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0) {
		/* an eventfd at 1 cannot overflow */
	}
	pthread_join(v->pump, NULL);
	v->pump_started = false;
}

VMM_API int vmm_vm_run(struct vmm_vm *vm, const struct vmm_run_options *opts, struct vmm_result *res,
		       struct vmm_error *err)
{
	struct vmm_run_options defaults;
	struct vmm_err e = { 0 };
	bool idle = false;
	int r;

	if (!vm || !res)
		return api_fail(err, EINVAL, true, "vmm_vm_run: NULL argument");
	if (!opts) {
		vmm_run_options_init(&defaults);
		opts = &defaults;
	}
	if (!atomic_compare_exchange_strong(&vm->running, &idle, true))
		return api_fail(err, EBUSY, true, "vmm_vm_run: the VM is already running");
	if (vm->state != VM_STATE_LOADED) {
		atomic_store(&vm->running, false);
		return vm->state == VM_STATE_RAN ?
		       api_fail(err, EALREADY, true, "vmm_vm_run: this boot has run; vmm_vm_load() the image again") :
		       api_fail(err, ENOEXEC, true, "vmm_vm_run: no image loaded (vmm_vm_load())");
	}
	if (opts->stop_fd >= 0 &&
	    epoll_ctl(vm->wait_fd, EPOLL_CTL_ADD, opts->stop_fd,
		      &(struct epoll_event){ .events = EPOLLIN, .data.fd = opts->stop_fd }) < 0) {
		r = api_fail(err, errno, true, "vmm_vm_run: stop_fd cannot be watched (epoll_ctl)");
		atomic_store(&vm->running, false);
		return r;
	}
	memset(res, 0, sizeof(*res));
	res->vcpu = -1;
	r = start_pump(vm, err);
	if (!r) {
		r = run_loop(vm, opts, res, &e);
		if (r < 0)
			api_give_err(err, &e, r);
	}
	stop_pump(vm);
	if (opts->stop_fd >= 0)
		epoll_ctl(vm->wait_fd, EPOLL_CTL_DEL, opts->stop_fd, NULL);
	vm->state = VM_STATE_RAN;
	atomic_store(&vm->running, false);
	return r;
}

VMM_API void vmm_vm_stop(struct vmm_vm *vm)
{
	if (vm && write(vm->stop_efd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0) {
		/* only EAGAIN at a counter near 2^64: a stop is pending anyway */
	}
}

const char *vmm_soft_fallback_name(unsigned int i)
{
	return i < INTERP_FB_COUNT && i < VMM_SOFT_FALLBACK_REASONS ? interp_fallback_name(i) : NULL;
}
