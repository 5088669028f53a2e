// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmm's public API on /dev/kvm, through the shared library and the
 * installed header only: every way a run ends, every error a caller can
 * provoke, and many VMs in a row costing no fds and no memory.
 *   test-api GUEST-DIR
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem, pipe2 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>

#include <vmm/vmm.h>

static const char *guest_dir;

static struct vmm *open_vmm(void)
{
	struct vmm_error err = { 0 };
	struct vmm *v = NULL;

	if (vmm_open(NULL, &v, &err) < 0)
		fail_msg("vmm_open: %s", err.message);
	return v;
}

static struct vmm_image *image(const char *name)
{
	struct vmm_error err = { 0 };
	struct vmm_image *img = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", guest_dir, name);
	if (vmm_image_open_file(path, NULL, &img, &err) < 0)
		fail_msg("%s: %s", path, err.message);
	return img;
}

/* A VM with img loaded (cmdline may be NULL), serial output dropped. */
static struct vmm_vm *vm_with(struct vmm *v, const struct vmm_plan *plan, unsigned int cpus,
			      const struct vmm_image *img, const char *cmdline)
{
	struct vmm_error err = { 0 };
	struct vmm_vm_config cfg;
	struct vmm_boot boot = { .cmdline = cmdline };
	struct vmm_vm *vm = NULL;

	vmm_vm_config_init(&cfg);
	cfg.pmu = plan;
	cfg.nr_vcpus = cpus;
	if (vmm_vm_create(v, &cfg, &vm, &err) < 0)
		fail_msg("vmm_vm_create: %s", err.message);
	if (vmm_vm_load(vm, img, &boot, &err) < 0)
		fail_msg("vmm_vm_load: %s", err.message);
	return vm;
}

static void run_ok(struct vmm_vm *vm, const struct vmm_run_options *o, struct vmm_result *res)
{
	struct vmm_error err = { 0 };

	if (vmm_vm_run(vm, o, res, &err) < 0)
		fail_msg("vmm_vm_run: %s", err.message);
}

static void test_version(void **state)
{
	(void)state;
	assert_int_equal(vmm_api_version(), VMM_API_VERSION);
	assert_non_null(strchr(vmm_version(), '.'));
}

/* The guest's own exit value, not only the encoded status: 0 from hello, 1 from a guest that bails out. */
static void test_exit_value(void **state)
{
	struct vmm *v = open_vmm();
	struct vmm_image *hello = image("hello.elf"), *hostile = image("hostile.elf");
	struct vmm_result res;
	struct vmm_vm *vm = vm_with(v, NULL, 1, hello, NULL);

	(void)state;
	run_ok(vm, NULL, &res);
	assert_int_equal(res.end, VMM_END_EXIT);
	assert_int_equal(res.exit_value, 0);
	assert_int_equal(res.status, 1);
	assert_int_equal(res.vcpu, 0);
	vmm_vm_destroy(vm);
	vm = vm_with(v, NULL, 1, hostile, "do=bogus");
	run_ok(vm, NULL, &res);
	assert_int_equal(res.end, VMM_END_EXIT);
	assert_int_equal(res.exit_value, 1);
	assert_int_equal(res.status, 3);
	vmm_vm_destroy(vm);
	vmm_image_free(hello);
	vmm_image_free(hostile);
	vmm_close(v);
}

static void test_triple_fault_no_reboot(void **state)
{
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("triple-fault.elf");
	struct vmm_vm *vm = vm_with(v, NULL, 1, img, NULL);
	struct vmm_run_options o;
	struct vmm_result res;

	(void)state;
	vmm_run_options_init(&o);
	o.no_reboot = 1;
	run_ok(vm, &o, &res);
	assert_int_equal(res.end, VMM_END_TRIPLE_FAULT);
	assert_int_equal(res.status, 8);
	assert_int_equal(res.resets, 0);
	assert_non_null(strstr(res.regs, "rip="));
	vmm_vm_destroy(vm);
	vmm_image_free(img);
	vmm_close(v);
}

struct resets {
	unsigned int calls, last;
};

static void count_reset(void *opaque, unsigned int n, const char *why)
{
	struct resets *r = opaque;

	assert_non_null(strstr(why, "triple fault"));
	r->calls++;
	r->last = n;
}

/* Each triple fault resets the guest until max_resets; in soft mode with every reset verified. */
static void test_max_resets(void **state)
{
	struct vmm_error err = { 0 };
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("triple-fault.elf");
	struct vmm_plan *plan = NULL;
	struct vmm_run_options o;
	struct vmm_result res;
	struct resets count = { 0 };
	struct vmm_vm *vm;

	(void)state;
	if (vmm_plan(v, "soft", NULL, 0, &plan, &err) < 0)
		fail_msg("vmm_plan: %s", err.message);
	vm = vm_with(v, plan, 2, img, NULL);
	vmm_run_options_init(&o);
	o.max_resets = 3;
	o.verify_reset = 1;
	o.on_reset = count_reset;
	o.opaque = &count;
	run_ok(vm, &o, &res);
	assert_int_equal(res.end, VMM_END_RESET_LIMIT);
	assert_int_equal(res.status, 12);
	assert_int_equal(res.resets, 3);
	assert_int_equal(count.calls, 3);
	assert_int_equal(count.last, 3);
	assert_non_null(strstr(res.reset_reason, "triple fault"));
	vmm_vm_destroy(vm);
	vmm_plan_free(plan);
	vmm_image_free(img);
	vmm_close(v);
}

/* Both soft-PMU engines count the same loop alike; only the interpreter's statistics say it ran. */
static void test_soft_engines(void **state)
{
	static const struct vmm_pmu_option step[] = { { "cpu-vendor", "intel" }, { "soft-engine", "step" } };
	static const struct vmm_pmu_option interp[] = { { "cpu-vendor", "intel" }, { "soft-engine", "interp" } };
	static const struct vmm_pmu_option bad[] = { { "soft-engine", "fast" } };
	struct vmm_error err = { 0 };
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("bench-loop.elf");
	struct vmm_plan *plan = NULL;
	struct vmm_result res[2];

	(void)state;
	assert_true(vmm_plan(v, "soft", bad, 1, &plan, &err) < 0);
	assert_true(err.input);
	for (int i = 0; i < 2; i++) {
		struct vmm_vm *vm;

		if (vmm_plan(v, "soft", i ? interp : step, 2, &plan, &err) < 0)
			fail_msg("vmm_plan: %s", err.message);
		vm = vm_with(v, plan, 1, img, "iterations=5000 count=1");
		run_ok(vm, NULL, &res[i]);
		assert_int_equal(res[i].end, VMM_END_EXIT);
		assert_int_equal(res[i].exit_value, 0);
		assert_true(res[i].soft_pmu);
		vmm_vm_destroy(vm);
		vmm_plan_free(plan);
	}
	/* 10 000 loop instructions and the four around them, and nothing else counted differently. */
	assert_true(res[0].soft[0].retired >= 10004);
	assert_int_equal(res[0].soft[0].retired, res[1].soft[0].retired);
	assert_int_equal(res[0].soft[0].interpreted, 0);
	assert_true(res[1].soft[0].interpreted >= 10000);
	assert_true(res[1].soft[0].handed > 0);
	assert_non_null(vmm_soft_fallback_name(0));
	assert_null(vmm_soft_fallback_name(VMM_SOFT_FALLBACK_REASONS));
	vmm_image_free(img);
	vmm_close(v);
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void test_timeout(void **state)
{
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("spin.elf");
	struct vmm_vm *vm = vm_with(v, NULL, 2, img, NULL);
	struct vmm_run_options o;
	struct vmm_result res;
	int64_t t0 = now_ms();

	(void)state;
	vmm_run_options_init(&o);
	o.timeout_ms = 300;
	run_ok(vm, &o, &res);
	assert_int_equal(res.end, VMM_END_TIMEOUT);
	assert_int_equal(res.status, 124);
	assert_in_range(now_ms() - t0, 300, 5000);
	assert_non_null(strstr(res.message, "0.300 s"));
	vmm_vm_destroy(vm);
	vmm_image_free(img);
	vmm_close(v);
}

static void *stop_later(void *arg)
{
	usleep(200 * 1000);
	vmm_vm_stop(arg);
	return NULL;
}

/* vmm_vm_stop() from another thread ends the run; a second vmm_vm_run() meanwhile is refused. */
static void test_stop_from_thread(void **state)
{
	struct vmm_error err = { 0 };
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("spin.elf");
	struct vmm_vm *vm = vm_with(v, NULL, 1, img, NULL);
	struct vmm_result res, res2;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, stop_later, vm), 0);
	run_ok(vm, NULL, &res);
	pthread_join(t, NULL);
	assert_int_equal(res.end, VMM_END_STOPPED);
	assert_int_equal(res.status, 130);
	/* Run twice without loading again. */
	assert_int_equal(vmm_vm_run(vm, NULL, &res2, &err), -EALREADY);
	assert_int_equal(err.code, EALREADY);
	/* A stop asked between runs ends the next at once. */
	assert_int_equal(vmm_vm_load(vm, img, NULL, &err), 0);
	vmm_vm_stop(vm);
	run_ok(vm, NULL, &res);
	assert_int_equal(res.end, VMM_END_STOPPED);
	vmm_vm_destroy(vm);
	vmm_image_free(img);
	vmm_close(v);
}

struct busy {
	struct vmm_vm *vm;
	struct vmm_result res;
	int r;
};

static void *run_thread(void *arg)
{
	struct busy *b = arg;

	b->r = vmm_vm_run(b->vm, NULL, &b->res, NULL);
	return NULL;
}

static void test_run_while_running(void **state)
{
	struct vmm_error err = { 0 };
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("spin.elf");
	struct busy b = { .vm = vm_with(v, NULL, 1, img, NULL) };
	struct vmm_result res;
	pthread_t t;
	int r;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, run_thread, &b), 0);
	usleep(200 * 1000);
	r = vmm_vm_run(b.vm, NULL, &res, &err);
	assert_int_equal(vmm_vm_load(b.vm, img, NULL, NULL), -EBUSY);
	vmm_vm_stop(b.vm);
	pthread_join(t, NULL);
	assert_int_equal(r, -EBUSY);
	assert_int_equal(b.r, 0);
	assert_int_equal(b.res.end, VMM_END_STOPPED);
	vmm_vm_destroy(b.vm);
	vmm_image_free(img);
	vmm_close(v);
}

/* The software PMU's own statistics in the result, and the boot info saying soft. */
static void test_soft_stats(void **state)
{
	struct vmm_error err = { 0 };
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("pmu-count.elf");
	struct vmm_plan *plan = NULL;
	struct vmm_result res;
	struct vmm_vm *vm;

	(void)state;
	assert_int_equal(vmm_plan(v, "soft", NULL, 0, &plan, &err), 0);
	assert_string_equal(vmm_plan_mode(plan), "soft");
	vm = vm_with(v, plan, 1, img, NULL);
	run_ok(vm, NULL, &res);
	assert_int_equal(res.end, VMM_END_EXIT);
	assert_int_equal(res.exit_value, 0);	/* its exact checks passed: the boot info said soft */
	assert_true(res.soft_pmu);
	assert_int_equal(res.nr_vcpus, 1);
	assert_true(res.soft[0].retired > 0);
	vmm_vm_destroy(vm);
	vmm_plan_free(plan);
	vmm_image_free(img);
	vmm_close(v);
}

struct captured {
	pthread_mutex_t lock;
	char buf[65536];
	size_t len;
};

static void capture(void *opaque, const char *buf, size_t len)
{
	struct captured *c = opaque;

	pthread_mutex_lock(&c->lock);
	if (len > sizeof(c->buf) - 1 - c->len)
		len = sizeof(c->buf) - 1 - c->len;
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	c->buf[c->len] = '\0';
	pthread_mutex_unlock(&c->lock);
}

/* Serial output to a callback and to an fd, with the guest's arguments. */
static void test_serial(void **state)
{
	struct vmm_error err = { 0 };
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("hello.elf");
	struct captured *c = calloc(1, sizeof(*c));
	struct vmm_boot boot = { .cmdline = "one two" };
	struct vmm_vm_config cfg;
	struct vmm_result res;
	struct vmm_vm *vm = NULL;
	char out[65536];
	ssize_t n;
	int p[2];

	(void)state;
	assert_non_null(c);
	pthread_mutex_init(&c->lock, NULL);
	vmm_vm_config_init(&cfg);
	cfg.serial = VMM_SERIAL_CALLBACK;
	cfg.serial_cb = capture;
	cfg.serial_opaque = c;
	assert_int_equal(vmm_vm_create(v, &cfg, &vm, &err), 0);
	assert_int_equal(vmm_vm_load(vm, img, &boot, &err), 0);
	run_ok(vm, NULL, &res);
	vmm_vm_destroy(vm);
	/* The image's path first, then the arguments (docs/boot.md). */
	snprintf(out, sizeof(out), "# cmdline: %s/hello.elf one two\n", guest_dir);
	if (!strstr(c->buf, out))
		fail_msg("no '%s' in the guest's output:\n%s", out, c->buf);
	assert_non_null(strstr(c->buf, "\nok 1 - "));

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	cfg.serial = VMM_SERIAL_FD;
	cfg.serial_fd = p[1];
	assert_int_equal(vmm_vm_create(v, &cfg, &vm, &err), 0);
	assert_int_equal(vmm_vm_load(vm, img, NULL, &err), 0);
	run_ok(vm, NULL, &res);
	vmm_vm_destroy(vm);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	assert_true(n > 0);
	out[n] = '\0';
	assert_non_null(strstr(out, "ok 1 - "));
	pthread_mutex_destroy(&c->lock);
	free(c);
	vmm_image_free(img);
	vmm_close(v);
}

/* Guest memory from the harness: patch exit-now's "xor %eax,%eax; out %eax,$0xf4" to exit with 5. */
static void test_memory(void **state)
{
	static const uint8_t code[] = { 0x31, 0xc0, 0xe7, 0xf4 }, patch[] = { 0xb0, 0x05 };
	struct vmm_error err = { 0 };
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("exit-now.elf");
	struct vmm_vm *vm = vm_with(v, NULL, 1, img, NULL);
	size_t len = 4 << 20;
	uint8_t *mem = malloc(len), *at;
	struct vmm_result res;
	uint8_t b;

	(void)state;
	assert_non_null(mem);
	assert_int_equal(vmm_vm_mem_read(vm, 0, mem, len, &err), 0);
	at = memmem(mem, len, code, sizeof(code));
	assert_non_null(at);
	assert_int_equal(vmm_vm_mem_write(vm, (uint64_t)(at - mem), patch, sizeof(patch), &err), 0);
	run_ok(vm, NULL, &res);
	assert_int_equal(res.end, VMM_END_EXIT);
	assert_int_equal(res.exit_value, 5);
	/* Out of RAM, wrapping, NULL. */
	assert_int_equal(vmm_vm_mem_read(vm, vmm_vm_mem_size(vm), &b, 1, &err), -ERANGE);
	assert_non_null(strstr(err.message, "outside guest RAM"));
	assert_int_equal(vmm_vm_mem_read(vm, vmm_vm_mem_size(vm) - 1, &b, 1, &err), 0);
	assert_int_equal(vmm_vm_mem_write(vm, UINT64_MAX, &b, 2, &err), -ERANGE);
	assert_int_equal(vmm_vm_mem_read(vm, 0, NULL, 1, &err), -EINVAL);
	vmm_vm_destroy(vm);
	free(mem);
	vmm_image_free(img);
	vmm_close(v);
}

static void test_errors(void **state)
{
	static const struct vmm_pmu_option nine_gp[] = { { "pmu-gp", "9" } }, bogus_opt[] = { { "pmu-bogus", "1" } };
	static const uint8_t truncated_elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	struct vmm_error err = { 0 };
	struct vmm *v = open_vmm(), *none = (struct vmm *)1;
	struct vmm_image *img = (struct vmm_image *)1;
	struct vmm_plan *plan = (struct vmm_plan *)1;
	struct vmm_vm *vm = (struct vmm_vm *)1;
	struct vmm_vm_config cfg;
	struct vmm_result res;

	(void)state;
	assert_int_equal(vmm_open("/nonexistent/kvm", &none, &err), -ENOENT);
	assert_null(none);
	assert_non_null(strstr(err.message, "/nonexistent/kvm"));
	/* Bad image buffers: malformed, empty, NULL. */
	assert_int_equal(vmm_image_open_buffer(truncated_elf, sizeof(truncated_elf), NULL, &img, &err), -EINVAL);
	assert_null(img);
	assert_true(err.input);
	assert_int_equal(vmm_image_open_buffer(truncated_elf, 0, NULL, &img, &err), -EINVAL);
	assert_int_equal(vmm_image_open_buffer(NULL, 8, NULL, &img, &err), -EINVAL);
	assert_true(vmm_image_open_file("/nonexistent.elf", NULL, &img, &err) < 0);
	assert_non_null(strstr(err.message, "/nonexistent.elf"));
	/* Impossible plans: a shape out of range, an unknown mode or option, a mode this host lacks. */
	assert_true(vmm_plan(v, "soft", nine_gp, 1, &plan, &err) < 0);
	assert_null(plan);
	assert_true(err.input);
	assert_non_null(strstr(err.message, "pmu-gp"));
	assert_true(vmm_plan(v, "bogus", NULL, 0, &plan, &err) < 0);
	assert_true(err.input);
	assert_true(vmm_plan(v, "soft", bogus_opt, 1, &plan, &err) < 0);
	if (vmm_plan(v, "mediated", NULL, 0, &plan, &err) == 0) {
		print_message("# this host gives a mediated PMU: no refusal to check\n");
		vmm_plan_free(plan);
	} else {
		assert_null(plan);
		assert_true(err.code > 0);
		assert_true(err.message[0] != '\0');
	}
	/* A configuration KVM cannot have. */
	vmm_vm_config_init(&cfg);
	cfg.nr_vcpus = VMM_MAX_VCPUS + 1;
	assert_int_equal(vmm_vm_create(v, &cfg, &vm, &err), -EINVAL);
	assert_null(vm);
	vmm_vm_config_init(&cfg);
	cfg.serial = VMM_SERIAL_CALLBACK;
	assert_int_equal(vmm_vm_create(v, &cfg, &vm, &err), -EINVAL);
	/* Run with nothing loaded, and an image that does not fit. */
	vmm_vm_config_init(&cfg);
	cfg.mem_size = 4 << 20;
	assert_int_equal(vmm_vm_create(v, &cfg, &vm, &err), 0);
	assert_int_equal(vmm_vm_run(vm, NULL, &res, &err), -ENOEXEC);
	/* A raw image at 64 MiB, parsed for 128 MiB of RAM, into a VM of 4 MiB. */
	struct vmm_image_options at64 = { .raw_load_addr = 64 << 20 };
	assert_int_equal(vmm_image_open_buffer("\xf4", 1, &at64, &img, &err), 0);
	assert_string_equal(vmm_image_kind(img), "raw");
	assert_true(vmm_vm_load(vm, img, NULL, &err) < 0);
	assert_true(err.input);
	assert_int_equal(vmm_vm_run(vm, NULL, &res, &err), -ENOEXEC);
	/* NULL arguments. */
	assert_int_equal(vmm_open(NULL, NULL, &err), -EINVAL);
	assert_int_equal(vmm_plan(NULL, "soft", NULL, 0, &plan, &err), -EINVAL);
	assert_int_equal(vmm_plan(v, "soft", NULL, 1, &plan, &err), -EINVAL);
	assert_int_equal(vmm_vm_create(NULL, &cfg, &vm, &err), -EINVAL);
	assert_int_equal(vmm_vm_create(v, NULL, &vm, &err), -EINVAL);
	assert_int_equal(vmm_vm_load(vm, NULL, NULL, &err), -EINVAL);
	assert_int_equal(vmm_vm_load(NULL, img, NULL, &err), -EINVAL);
	assert_int_equal(vmm_vm_run(NULL, NULL, &res, &err), -EINVAL);
	assert_int_equal(vmm_vm_run(vm, NULL, NULL, &err), -EINVAL);
	assert_int_equal(vmm_vm_run(vm, NULL, NULL, NULL), -EINVAL);	/* err may be NULL */
	assert_int_equal(vmm_vm_set_serial_fd(vm, -1, &err), -EINVAL);
	assert_int_equal(vmm_plan_print(NULL, stdout, 0, &err), -EINVAL);
	assert_null(vmm_plan_mode(NULL));
	assert_null(vmm_image_kind(NULL));
	vmm_vm_stop(NULL);
	vmm_vm_destroy(NULL);
	vmm_image_free(NULL);
	vmm_plan_free(NULL);
	vmm_close(NULL);
	vmm_vm_destroy(vm);
	vmm_image_free(img);
	vmm_close(v);
}

/*
 * No hidden process-wide effects: the caller's signal mask and CPU affinity
 * are what they were; the one documented effect is the kick signal's
 * handler, here a chosen signal, that still stops a run.
 */
static void test_caller_thread_untouched(void **state)
{
	struct vmm_error err = { 0 };
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("spin.elf");
	struct vmm_vm_config cfg;
	struct vmm_vm *vm = NULL;
	struct vmm_result res;
	struct sigaction before, after;
	sigset_t mask, mask_after;
	cpu_set_t cpus, cpus_after;
	pthread_t t;

	(void)state;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGWINCH);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &mask, NULL), 0);
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	assert_int_equal(sched_getaffinity(0, sizeof(cpus), &cpus), 0);
	sigaction(SIGUSR2, NULL, &before);
	assert_true(before.sa_handler == SIG_DFL);

	vmm_vm_config_init(&cfg);
	cfg.kick_signal = SIGUSR2;
	cfg.nr_vcpus = 2;
	assert_int_equal(vmm_vm_create(v, &cfg, &vm, &err), 0);
	assert_int_equal(vmm_vm_load(vm, img, NULL, &err), 0);
	assert_int_equal(pthread_create(&t, NULL, stop_later, vm), 0);
	run_ok(vm, NULL, &res);
	pthread_join(t, NULL);
	assert_int_equal(res.end, VMM_END_STOPPED);	/* the vCPU threads took the kick with SIGUSR2 blocked here */

	pthread_sigmask(SIG_BLOCK, NULL, &mask_after);
	for (int sig = 1; sig < NSIG; sig++)
		assert_int_equal(sigismember(&mask_after, sig), sigismember(&mask, sig));
	assert_int_equal(sched_getaffinity(0, sizeof(cpus_after), &cpus_after), 0);
	assert_true(CPU_EQUAL(&cpus, &cpus_after));
	sigaction(SIGUSR2, NULL, &after);
	assert_true(after.sa_handler != SIG_DFL && after.sa_handler != SIG_IGN);
	assert_false(after.sa_flags & SA_RESTART);
	vmm_vm_destroy(vm);
	vmm_image_free(img);
	vmm_close(v);
}

static unsigned int open_fds(void)
{
	unsigned int n = 0;
	DIR *d = opendir("/proc/self/fd");

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Create, run and destroy many VMs: the fds and the heap are what they were after the first few. */
static void test_many_vms(void **state)
{
	struct vmm_error err = { 0 };
	struct vmm *v = open_vmm();
	struct vmm_image *img = image("exit-now.elf");
	struct vmm_plan *plan = NULL;
	unsigned int fds = 0;
	size_t heap = 0;

	(void)state;
	assert_int_equal(vmm_plan(v, "soft", NULL, 0, &plan, &err), 0);
	for (int i = 0; i < 60; i++) {
		struct vmm_vm *vm = vm_with(v, i % 2 ? plan : NULL, 1 + i % 2, img, NULL);
		struct vmm_result res;

		run_ok(vm, NULL, &res);
		assert_int_equal(res.end, VMM_END_EXIT);
		vmm_vm_destroy(vm);
		if (i == 9) {
			fds = open_fds();
			heap = mallinfo2().uordblks;
		}
	}
	assert_int_equal(open_fds(), fds);
	if (mallinfo2().uordblks > heap + 64 * 1024)
		fail_msg("the heap grew from %zu to %zu bytes over 50 VMs", heap, mallinfo2().uordblks);
	vmm_plan_free(plan);
	vmm_image_free(img);
	vmm_close(v);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_exit_value),
		cmocka_unit_test(test_triple_fault_no_reboot),
		cmocka_unit_test(test_soft_engines),
		cmocka_unit_test(test_max_resets),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_stop_from_thread),
		cmocka_unit_test(test_run_while_running),
		cmocka_unit_test(test_soft_stats),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_caller_thread_untouched),
		cmocka_unit_test(test_many_vms),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test-api GUEST-DIR\n");
		return 99;
	}
	if (access("/dev/kvm", R_OK | W_OK) < 0) {
		printf("1..0 # SKIP /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	guest_dir = argv[1];
	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
