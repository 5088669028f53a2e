// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmm's public API (include/vmm/vmm.h), layered on the vm_* functions:
 * opaque handles for KVM, a plan, an image and a VM, loading and guest
 * memory. The run policy is in api_run.c.
 */
#include "vmm/api/api_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/boot/image_file.h"

_Static_assert(VMM_MAX_VCPUS == VM_MAX_VCPUS && VMM_MIN_MEM == VM_MIN_MEM && VMM_MAX_MEM == VM_MAX_MEM,
	       "vmm.h's limits are the VM's");

/* The internal error into the caller's; returns r. */
int api_give_err(struct vmm_error *out, const struct vmm_err *in, int r)
{
	if (out) {
		out->code = in->code ? in->code : -r;
		out->input = in->input;
		snprintf(out->message, sizeof(out->message), "%s", in->msg);
	}
	return r;
}

int api_fail(struct vmm_error *out, int code, bool input, const char *msg)
{
	struct vmm_err e = { .code = code, .input = input };

	snprintf(e.msg, sizeof(e.msg), "%s", msg);
	return api_give_err(out, &e, -code);
}

VMM_API int vmm_api_version(void)
{
	return VMM_API_VERSION;
}

VMM_API const char *vmm_version(void)
{
	return VMM_VERSION;
}

VMM_API int vmm_open(const char *path, struct vmm **out, struct vmm_error *err)
{
	const struct cpuid_table *supported;
	struct vmm_err e = { 0 };
	struct vmm *v;
	int r;

	if (!out)
		return api_fail(err, EINVAL, true, "vmm_open: out is NULL");
	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return api_fail(err, ENOMEM, false, "out of memory");
	v->kvm.fd = -1;
	r = kvm_open(&v->kvm, path, &e);
	if (!r)
		r = kvm_get_supported_cpuid(&v->kvm, &supported, &e);
	if (!r)
		r = pmu_host_probe(v->kvm.fd, supported, &v->host, &e);
	if (r < 0) {
		kvm_close(&v->kvm);
		free(v);
		return api_give_err(err, &e, r);
	}
	*out = v;
	return 0;
}

/* The limit of a host description, as vmm plan --host has always read it. */
#define HOST_FILE_MAX (1 << 20)

VMM_API int vmm_open_host_file(const char *path, struct vmm **out, struct vmm_error *err)
{
	struct vmm_err e = { 0 };
	struct file_buf text = { 0 };
	struct vmm *v;
	char *nul;
	int r;

	if (!path || !out)
		return api_fail(err, EINVAL, true, "vmm_open_host_file: NULL argument");
	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return api_fail(err, ENOMEM, false, "out of memory");
	v->kvm.fd = -1;
	r = file_read(path, HOST_FILE_MAX, "the limit for a host description (1 MiB)", &text, &e);
	if (!r) {
		nul = realloc(text.data, text.len + 1);
		if (!nul) {
			r = vmm_errf(&e, ENOMEM, "out of memory");
		} else {
			text.data = (uint8_t *)nul;
			nul[text.len] = '\0';
			r = pmu_host_parse(nul, &v->host, &e);
			if (r < 0)
				vmm_err_prefix(&e, "%s", path);
		}
	}
	file_free(&text);
	if (r < 0) {
		free(v);
		e.input = e.code != ENOMEM;
		return api_give_err(err, &e, r);
	}
	*out = v;
	return 0;
}

VMM_API const char *vmm_host_name(const struct vmm *vmm)
{
	return vmm ? vmm->host.name : NULL;
}

VMM_API int vmm_host_print(const struct vmm *vmm, FILE *f, int json, struct vmm_error *err)
{
	int r;

	if (!vmm || !f)
		return api_fail(err, EINVAL, true, "vmm_host_print: NULL argument");
	r = pmu_host_print_caps(f, &vmm->host, json != 0);
	return r < 0 ? api_fail(err, -r, false, "writing the host's capabilities failed") : 0;
}

VMM_API int vmm_host_write(const struct vmm *vmm, FILE *f, struct vmm_error *err)
{
	int r;

	if (!vmm || !f)
		return api_fail(err, EINVAL, true, "vmm_host_write: NULL argument");
	r = pmu_host_write(f, &vmm->host);
	return r < 0 ? api_fail(err, -r, false, "writing the host description failed") : 0;
}

VMM_API void vmm_close(struct vmm *vmm)
{
	if (!vmm)
		return;
	kvm_close(&vmm->kvm);
	free(vmm);
}

static int plan_request(struct vmm *vmm, const struct pmu_request *req, struct vmm_plan **out,
			struct vmm_error *err)
{
	struct vmm_err e = { 0 };
	struct vmm_plan *p;
	int r;

	if (!vmm || !req || !out)
		return api_fail(err, EINVAL, true, "vmm_plan: NULL argument");
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return api_fail(err, ENOMEM, false, "out of memory");
	r = pmu_plan(&vmm->host, req, &p->plan, &e);
	if (r < 0) {
		free(p);
		return api_give_err(err, &e, r);
	}
	*out = p;
	return 0;
}

/* The request of vmm_plan() and vmm_pmu_options_check(): the mode, then each option in order. */
static int build_request(const char *mode, const struct vmm_pmu_option *opts, size_t n, struct pmu_request *req,
			 struct vmm_error *err)
{
	struct vmm_err e = { 0 };
	int r;

	pmu_request_init(req);
	r = pmu_request_set(req, "pmu", mode ? mode : "auto", &e);
	for (size_t i = 0; !r && i < n; i++) {
		if (!opts[i].name || !opts[i].value)
			return api_fail(err, EINVAL, true, "vmm_plan: an option without a name or a value");
		r = pmu_request_set(req, opts[i].name, opts[i].value, &e);
	}
	if (r < 0) {
		e.input = true;
		return api_give_err(err, &e, r);
	}
	return 0;
}

VMM_API int vmm_plan(struct vmm *vmm, const char *mode, const struct vmm_pmu_option *opts, size_t n,
		     struct vmm_plan **out, struct vmm_error *err)
{
	struct pmu_request req;
	int r;

	if (!vmm || !out || (n && !opts))
		return api_fail(err, EINVAL, true, "vmm_plan: NULL argument");
	*out = NULL;
	r = build_request(mode, opts, n, &req, err);
	return r < 0 ? r : plan_request(vmm, &req, out, err);
}

VMM_API int vmm_pmu_options_check(const char *mode, const struct vmm_pmu_option *opts, size_t n,
				  struct vmm_error *err)
{
	struct pmu_request req;

	if (n && !opts)
		return api_fail(err, EINVAL, true, "vmm_pmu_options_check: NULL argument");
	return build_request(mode, opts, n, &req, err);
}

VMM_API void vmm_plan_free(struct vmm_plan *plan)
{
	free(plan);
}

VMM_API const char *vmm_plan_mode(const struct vmm_plan *plan)
{
	return plan ? pmu_mode_name(plan->plan.shape.mode) : NULL;
}

VMM_API const char *vmm_plan_rejected(const struct vmm_plan *plan, const char *mode)
{
	enum pmu_mode m;

	if (!plan || !mode || pmu_mode_parse(mode, &m) < 0 || m >= PMU_MODE_AUTO)
		return NULL;
	return plan->plan.rejected[m][0] ? plan->plan.rejected[m] : NULL;
}

VMM_API int vmm_plan_print(const struct vmm_plan *plan, FILE *f, int json, struct vmm_error *err)
{
	if (!plan || !f)
		return api_fail(err, EINVAL, true, "vmm_plan_print: NULL argument");
	pmu_plan_print(f, &plan->plan, json != 0);
	return 0;
}

static void image_options(const struct vmm_image_options *o, uint64_t *mem_size, uint64_t *load_addr)
{
	*mem_size = o && o->mem_size ? o->mem_size : DEFAULT_MEM_SIZE;
	*load_addr = o && o->raw_load_addr ? o->raw_load_addr : DEFAULT_RAW_LOAD_ADDR;
}

VMM_API int vmm_image_open_file(const char *path, const struct vmm_image_options *opts,
				struct vmm_image **out, struct vmm_error *err)
{
	struct vmm_err e = { 0 };
	struct vmm_image *im;
	uint64_t mem_size, load_addr;
	int r;

	if (!path || !out)
		return api_fail(err, EINVAL, true, "vmm_image_open_file: NULL argument");
	*out = NULL;
	im = calloc(1, sizeof(*im));
	if (!im)
		return api_fail(err, ENOMEM, false, "out of memory");
	image_options(opts, &mem_size, &load_addr);
	im->path = strdup(path);
	r = im->path ? image_file_load(path, load_addr, mem_size, &im->file, &im->img, &e) :
	    vmm_errf(&e, ENOMEM, "out of memory");
	if (r < 0) {
		free(im->path);
		file_free(&im->file);
		free(im);
		return api_give_err(err, &e, r);
	}
	*out = im;
	return 0;
}

VMM_API int vmm_image_open_buffer(const void *buf, size_t len, const struct vmm_image_options *opts,
				  struct vmm_image **out, struct vmm_error *err)
{
	struct vmm_err e = { 0 };
	struct vmm_image *im;
	uint64_t mem_size, load_addr;
	int r;

	if (!buf || !out)
		return api_fail(err, EINVAL, true, "vmm_image_open_buffer: NULL argument");
	*out = NULL;
	image_options(opts, &mem_size, &load_addr);
	if (!len || len > mem_size)
		return api_fail(err, EINVAL, true, len ? "image: larger than guest RAM" : "image: empty buffer");
	im = calloc(1, sizeof(*im));
	if (im)
		im->copy = malloc(len);
	if (!im || !im->copy) {
		free(im);
		return api_fail(err, ENOMEM, false, "out of memory");
	}
	memcpy(im->copy, buf, len);
	r = image_parse(im->copy, len, load_addr, mem_size, &im->img, &e);
	if (r < 0) {
		free(im->copy);
		free(im);
		e.input = true;
		vmm_err_prefix(&e, "image");
		return api_give_err(err, &e, r);
	}
	*out = im;
	return 0;
}

VMM_API void vmm_image_free(struct vmm_image *img)
{
	if (!img)
		return;
	file_free(&img->file);
	free(img->path);
	free(img->copy);
	free(img);
}

VMM_API const char *vmm_image_kind(const struct vmm_image *img)
{
	if (!img)
		return NULL;
	return image_kind_name(img->img.kind);
}

VMM_API void vmm_vm_config_init(struct vmm_vm_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = DEFAULT_MEM_SIZE;
	cfg->nr_vcpus = 1;
	cfg->serial = VMM_SERIAL_DROP;
	cfg->serial_fd = -1;
}

/* Hand what is in the pipe to the callback; false once the pipe is empty or broken. */
bool api_pump_once(struct vmm_vm *v)
{
	char buf[4096];
	ssize_t n = read(v->pipe_rd, buf, sizeof(buf));

	if (n <= 0)
		return false;
	v->serial_cb(v->serial_opaque, buf, (size_t)n);
	return true;
}

static int setup_serial_pipe(struct vmm_vm *v, const struct vmm_vm_config *cfg, struct vmm_error *err)
{
	int p[2];

	if (!cfg->serial_cb)
		return api_fail(err, EINVAL, true, "VMM_SERIAL_CALLBACK without serial_cb");
	v->serial_cb = cfg->serial_cb;
	v->serial_opaque = cfg->serial_opaque;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return api_fail(err, errno, false, "pipe2 for the guest's serial output failed");
	v->pipe_rd = p[0];
	v->pipe_wr = p[1];
	v->pump_quit = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->pump_quit < 0)
		return api_fail(err, errno, false, "eventfd failed");
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void vm_free(struct vmm_vm *v)
{
	close_fd(&v->stop_efd);
	close_fd(&v->wait_fd);
	close_fd(&v->pipe_rd);
	close_fd(&v->pipe_wr);
	close_fd(&v->pump_quit);
	free(v->cmdline);
	free(v->initrd_name);
	free(v->initrd);
	free(v);
}

VMM_API int vmm_vm_create(struct vmm *vmm, const struct vmm_vm_config *cfg, struct vmm_vm **out,
			  struct vmm_error *err)
{
	struct vmm_err e = { 0 };
	struct vm_options opt;
	struct vmm_vm *v;
	int r;

	if (!vmm || !cfg || !out)
		return api_fail(err, EINVAL, true, "vmm_vm_create: NULL argument");
	*out = NULL;
	if (vmm->kvm.fd < 0)
		return api_fail(err, ENODEV, true, "vmm_vm_create: this struct vmm is a recorded host "
				"(vmm_open_host_file()), not KVM");
	if ((unsigned int)cfg->serial > VMM_SERIAL_CALLBACK || (cfg->serial == VMM_SERIAL_FD && cfg->serial_fd < 0))
		return api_fail(err, EINVAL, true, "vmm_vm_create: serial is not a VMM_SERIAL_* or serial_fd is < 0");
	v = calloc(1, sizeof(*v));
	if (!v)
		return api_fail(err, ENOMEM, false, "out of memory");
	v->stop_efd = v->wait_fd = v->pipe_rd = v->pipe_wr = v->pump_quit = -1;
	v->vm.fd = -1;
	atomic_init(&v->running, false);
	if (cfg->serial == VMM_SERIAL_CALLBACK && (r = setup_serial_pipe(v, cfg, err)) < 0) {
		vm_free(v);
		return r;
	}
	v->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	v->wait_fd = epoll_create1(EPOLL_CLOEXEC);
	if (v->stop_efd < 0 || v->wait_fd < 0 ||
	    epoll_ctl(v->wait_fd, EPOLL_CTL_ADD, v->stop_efd,
		      &(struct epoll_event){ .events = EPOLLIN, .data.fd = v->stop_efd }) < 0) {
		r = api_fail(err, errno, false, "eventfd or epoll for stopping the VM failed");
		vm_free(v);
		return r;
	}
	if (cfg->pmu)
		v->plan = cfg->pmu->plan;
	opt = (struct vm_options){
		.mem_size = cfg->mem_size,
		.irqchip = cfg->irqchip_full ? VM_IRQCHIP_FULL : VM_IRQCHIP_SPLIT,
		.nr_vcpus = cfg->nr_vcpus,
		.serial_fd = cfg->serial == VMM_SERIAL_FD ? cfg->serial_fd :
			     cfg->serial == VMM_SERIAL_CALLBACK ? v->pipe_wr : -1,
		.log = cfg->log,
		.kick_signal = cfg->kick_signal,
		.pmu = cfg->pmu ? &v->plan : NULL,
		.no_seccomp = cfg->no_seccomp != 0,
	};
	r = vm_create(&v->vm, &vmm->kvm, &opt, &e);
	if (r < 0) {
		vm_destroy(&v->vm);
		vm_free(v);
		return api_give_err(err, &e, r);
	}
	*out = v;
	return 0;
}

VMM_API void vmm_vm_serial_finish(struct vmm_vm *vm, struct vmm_serial_stats *st)
{
	if (!vm)
		return;
	if (!vm->serial_finished) {
		serial_destroy(&vm->vm.serial);	/* writes out what it can, counts the rest */
		vm->serial_finished = true;
		if (vm->serial_cb)
			while (api_pump_once(vm))
				;
	}
	if (st) {
		st->dropped = vm->vm.serial.dropped;
		st->write_errno = vm->vm.serial.write_errno;
	}
}

VMM_API void vmm_vm_destroy(struct vmm_vm *vm)
{
	if (!vm)
		return;
	vmm_vm_serial_finish(vm, NULL);
	vm_destroy(&vm->vm);
	vm_free(vm);
}

VMM_API int vmm_vm_set_serial_fd(struct vmm_vm *vm, int fd, struct vmm_error *err)
{
	struct vmm_err e = { 0 };
	int r;

	if (!vm || fd < 0)
		return api_fail(err, EINVAL, true, "vmm_vm_set_serial_fd: NULL VM or negative fd");
	if (atomic_load(&vm->running))
		return api_fail(err, EBUSY, true, "vmm_vm_set_serial_fd: the VM is running");
	r = vm_set_serial_output(&vm->vm, fd, &e);
	if (r < 0)
		return api_give_err(err, &e, r);
	/* From now on output goes to fd: nothing more for a callback. */
	if (vm->serial_cb)
		while (api_pump_once(vm))
			;
	vm->serial_cb = NULL;
	vm->serial_finished = false;
	return 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = true;
	return d;
}

/* Keep a copy of what the guest is booted with, for the boots after each reset. */
static int keep_boot(struct vmm_vm *v, const struct vmm_boot *b, struct vmm_error *err)
{
	bool oom = false;

	free(v->cmdline);
	free(v->initrd_name);
	free(v->initrd);
	v->cmdline = v->initrd_name = NULL;
	v->initrd = NULL;
	memset(&v->bp, 0, sizeof(v->bp));
	v->bp.nr_cpus = v->vm.nr_vcpus;
	if (!b)
		return 0;
	if (b->initrd_len && !b->initrd)
		return api_fail(err, EINVAL, true, "vmm_vm_load: initrd_len without initrd");
	v->cmdline = dup_or_null(b->cmdline, &oom);
	v->initrd_name = dup_or_null(b->initrd_name, &oom);
	if (b->initrd) {
		v->initrd = malloc(b->initrd_len ? b->initrd_len : 1);
		if (v->initrd)
			memcpy(v->initrd, b->initrd, b->initrd_len);
		else
			oom = true;
	}
	if (oom)
		return api_fail(err, ENOMEM, false, "out of memory");
	v->bp.cmdline = v->cmdline;
	v->bp.initrd = b->initrd ? v->initrd : NULL;
	v->bp.initrd_len = b->initrd_len;
	v->bp.initrd_name = v->initrd_name;
	return 0;
}

VMM_API int vmm_vm_load(struct vmm_vm *vm, const struct vmm_image *img, const struct vmm_boot *boot,
			struct vmm_error *err)
{
	struct vmm_err e = { 0 };
	int r;

	if (!vm || !img)
		return api_fail(err, EINVAL, true, "vmm_vm_load: NULL argument");
	if (atomic_load(&vm->running))
		return api_fail(err, EBUSY, true, "vmm_vm_load: the VM is running");
	if (boot && boot->initrd && img->img.kind != IMAGE_MULTIBOOT)
		return api_fail(err, EINVAL, true, "vmm_vm_load: an initrd needs a multiboot image");
	if (vm->state == VM_STATE_RAN) {
		r = vm_reset(&vm->vm, &e);
		if (r < 0)
			return api_give_err(err, &e, r);
	}
	vm->state = VM_STATE_EMPTY;
	r = keep_boot(vm, boot, err);
	if (r < 0)
		return r;
	vm->bp.argv0 = img->path;
	r = vm_load(&vm->vm, &img->img, &vm->bp, &e);
	if (r < 0)
		return api_give_err(err, &e, r);
	vm->img = img;
	vm->state = VM_STATE_LOADED;
	return 0;
}

VMM_API uint64_t vmm_vm_mem_size(const struct vmm_vm *vm)
{
	return vm ? vm->vm.mem_size : 0;
}

static int mem_range(struct vmm_vm *vm, uint64_t gpa, const void *buf, size_t len, struct vmm_error *err)
{
	uint64_t end;

	if (!vm || (!buf && len))
		return api_fail(err, EINVAL, true, "guest memory access: NULL argument");
	if (__builtin_add_overflow(gpa, (uint64_t)len, &end) || end > vm->vm.mem_size) {
		char msg[160];

		snprintf(msg, sizeof(msg), "guest memory access: %zu bytes at 0x%llx are outside guest RAM "
			 "(%llu MiB)", len, (unsigned long long)gpa, (unsigned long long)(vm->vm.mem_size >> 20));
		return api_fail(err, ERANGE, true, msg);
	}
	return 0;
}

VMM_API int vmm_vm_mem_read(struct vmm_vm *vm, uint64_t gpa, void *buf, size_t len, struct vmm_error *err)
{
	int r = mem_range(vm, gpa, buf, len, err);

	if (!r && len)
		memcpy(buf, vm->vm.mem + gpa, len);
	return r;
}

VMM_API int vmm_vm_mem_write(struct vmm_vm *vm, uint64_t gpa, const void *buf, size_t len,
			     struct vmm_error *err)
{
	int r = mem_range(vm, gpa, buf, len, err);

	if (!r && len)
		memcpy(vm->vm.mem + gpa, buf, len);
	return r;
}
