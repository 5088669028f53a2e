// SPDX-License-Identifier: GPL-2.0-only
/*
 * The children that the self-test runner starts inherit only stdin and the
 * two pipes it gives them: every fd the library opens (/dev/kvm, the VM and
 * vCPU fds, eventfds, files) is close-on-exec. This program opens a VM with
 * the library, then runs selftest_run() with itself as the "vmm" to start:
 * started as "run ...", it lists /proc/self/fd as TAP. A control fd opened
 * without O_CLOEXEC on purpose must be seen by the child, which shows that
 * the listing works; once it is closed, only 0, 1 and 2 may remain.
 *   fd-inherit
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "selftest/selftest.h"
#include "vmm/run/vm.h"

/* The child: which fds are open, beyond 0-2? Status 1 (a guest's pass) when none, 3 otherwise. */
static int list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	char extra[512] = "";
	size_t off = 0;
	struct dirent *e;

	if (!d) {
		printf("Bail out! /proc/self/fd: %s\n", strerror(errno));
		return 3;
	}
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
			continue;
		if (off < sizeof(extra) - 16)
			off += (size_t)snprintf(extra + off, sizeof(extra) - off, " %d", fd);
	}
	closedir(d);
	printf("1..1\n%s 1 - the child has only fds 0, 1 and 2%s%s\n", off ? "not ok" : "ok",
	       off ? ": also" : "", extra);
	return off ? 3 : 1;
}

/*
 * What this program inherited from whoever started it (a test harness's
 * pipes) is that caller's business: keep it out of the children, so that
 * what they see is only what this process and the library opened.
 */
static void cloexec_inherited(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd > 2 && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (d)
		closedir(d);
}

/* Run the one pair with this program as the child; its TAP comes back in *text. */
static int run_selftest(const char *self, char **text)
{
	struct selftest_opts o = { .modes = 1u << ST_MODE_OFF, .guests = "hello", .jobs = 1, .timeout_ms = 20000,
				   .guest_output = true };
	struct selftest_env env = { .vmm_path = self, .guest_dir = "/nonexistent" };
	struct vmm_err err = { 0 };
	size_t len = 0;
	FILE *out = open_memstream(text, &len);
	int r;

	if (!out)
		return -errno;
	r = selftest_run(&o, &env, out, &err);
	fclose(out);
	if (r < 0)
		printf("# selftest_run: %s\n", err.msg);
	return r;
}

int main(int argc, char **argv)
{
	struct vmm_err err = { 0 };
	struct kvm kvm = { .fd = -1 };
	struct vm vm = { .fd = -1 };
	struct vm_options opt = { .mem_size = 16 << 20, .nr_vcpus = 2, .serial_fd = -1 };
	char self[4096], want[32], *text = NULL;
	ssize_t n;
	int control, r, failed = 0;
	bool ok;

	if (argc > 1 && !strcmp(argv[1], "run"))
		return list_fds();
	if (access("/dev/kvm", R_OK | W_OK) < 0) {
		printf("1..0 # SKIP /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	cloexec_inherited();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return 99;
	self[n] = '\0';
	r = kvm_open(&kvm, NULL, &err);
	if (!r)
		r = vm_create(&vm, &kvm, &opt, &err);
	if (r < 0) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	printf("1..2\n");
	control = open("/dev/null", O_RDONLY);	/* inherited on purpose */
	snprintf(want, sizeof(want), ": also %d\n", control);
	r = run_selftest(self, &text);
	ok = r == 1 && text && strstr(text, "not ok 1") && strstr(text, want);
	printf("%sok 1 - a child sees an fd opened without O_CLOEXEC (fd %d)\n", ok ? "" : "not ", control);
	failed |= !ok;
	if (!ok)
		printf("# the child said: %s\n", text ? text : "(nothing)");
	free(text);
	text = NULL;
	close(control);
	r = run_selftest(self, &text);
	ok = r == 0 && text && strstr(text, "\nok 1 - the child has only fds 0, 1 and 2\n");
	printf("%sok 2 - with /dev/kvm, a VM and %u vCPUs open, the child has only fds 0, 1 and 2\n",
	       ok ? "" : "not ", opt.nr_vcpus);
	failed |= !ok;
	if (!ok)
		printf("# the child said: %s\n", text ? text : "(nothing)");
	free(text);
	vm_destroy(&vm);
	kvm_close(&kvm);
	return failed;
}
