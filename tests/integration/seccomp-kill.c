// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPU threads' seccomp filter refuses what the run loop never does: a
 * program that embeds the library gives the VM a port device whose handler,
 * running on the vCPU thread, makes one system call. badio writes that port
 * first. With the filter, openat() kills the process with SIGSYS and write()
 * is allowed; with vm_options.no_seccomp, openat() works as well.
 *   seccomp-kill BADIO-IMAGE
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/file.h"
#include "vmm/run/vm.h"

#define PORT 0x80	/* badio's first port */

enum call { CALL_OPENAT, CALL_WRITE };

struct probe {
	enum call call;
	int result;	/* of the system call; 1 once made */
	int done;
};

static void probe_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct probe *p = opaque;

	(void)out;
	if (!a->write) {
		memset(a->data, 0xff, a->size);
		return;
	}
	if (p->done++)
		return;
	if (p->call == CALL_OPENAT) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		p->result = fd >= 0 ? 1 : -errno;
		if (fd >= 0)
			close(fd);
	} else {
		p->result = write(STDERR_FILENO, "", 0) == 0 ? 1 : -errno;
	}
}

/* In the child: boot the image with the probe device; 0 when the guest ended and the call succeeded. */
static int boot(const char *image, enum call call, bool no_seccomp)
{
	struct vmm_err err = { 0 };
	struct kvm kvm = { .fd = -1 };
	struct vm vm = { .fd = -1 };
	struct probe probe = { .call = call };
	struct vm_options opt = { .mem_size = 64 << 20, .nr_vcpus = 1, .serial_fd = -1,
				  .no_seccomp = no_seccomp };
	struct boot_params bp = { .nr_cpus = 1 };
	struct file_buf f = { 0 };
	struct vm_result res;
	struct image img;
	int r = file_read(image, 64 << 20, "the size of guest RAM", &f, &err);

	if (!r)
		r = image_parse(f.data, f.len, 0x100000, opt.mem_size, &img, &err);
	if (!r)
		r = kvm_open(&kvm, NULL, &err);
	if (!r)
		r = vm_create(&vm, &kvm, &opt, &err);
	if (!r)
		r = io_bus_register(&vm.bus, IO_PIO, PORT, 1, "probe", probe_io, &probe, &err);
	if (!r)
		r = vm_load(&vm, &img, &bp, &err);
	if (!r)
		r = vm_run(&vm, 20000, -1, &res, &err);
	if (r < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return 2;
	}
	if (res.end != VM_END_GUEST)
		fprintf(stderr, "# the run ended with %d: %s\n", (int)res.end, res.msg);
	if (probe.result != 1)
		fprintf(stderr, "# the system call from the vCPU thread returned %d\n", probe.result);
	vm_destroy(&vm);
	kvm_close(&kvm);
	file_free(&f);
	return res.end == VM_END_GUEST && probe.result == 1 ? 0 : 1;
}

/* Fork, boot in the child, and describe how the child ended. */
static int run_child(const char *image, enum call call, bool no_seccomp, char *how, size_t len)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(boot(image, call, no_seccomp));
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		snprintf(how, len, "fork/wait: %s", strerror(errno));
		return -1;
	}
	if (WIFSIGNALED(status))
		snprintf(how, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(how, len, "exit status %d", WEXITSTATUS(status));
	return status;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *what;
		enum call call;
		bool no_seccomp;
		bool killed;	/* expect SIGSYS, else a normal end with the call made */
	} cases[] = {
		{ "with the filter, openat() on a vCPU thread kills the process with SIGSYS", CALL_OPENAT, false,
		  true },
		{ "with the filter, write() on a vCPU thread is allowed", CALL_WRITE, false, false },
		{ "with no_seccomp, openat() on a vCPU thread works", CALL_OPENAT, true, false },
	};
	int failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: seccomp-kill BADIO-IMAGE\n");
		return 99;
	}
	if (access("/dev/kvm", R_OK | W_OK) < 0) {
		printf("1..0 # SKIP /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	printf("1..%zu\n", sizeof(cases) / sizeof(cases[0]));
	fflush(stdout);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char how[128];
		int st = run_child(argv[1], cases[i].call, cases[i].no_seccomp, how, sizeof(how));
		bool ok = st >= 0 && (cases[i].killed ? WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS :
				      WIFEXITED(st) && WEXITSTATUS(st) == 0);

		printf("%sok %zu - %s (%s)\n", ok ? "" : "not ", i + 1, cases[i].what, how);
		fflush(stdout);
		failed |= !ok;
	}
	return failed;
}
