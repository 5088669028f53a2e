// SPDX-License-Identifier: GPL-2.0-only
/*
 * A KVM ioctl that fails is a host error, whatever its errno: vmm runs with
 * a seccomp filter that makes one ioctl request fail with a chosen errno
 * (SECCOMP_RET_ERRNO), and must exit with status 6 (docs/cli.md) and a
 * message naming the ioctl and the errno text. E2BIG is the case that an
 * errno-based classification gets wrong (it also means "command line too
 * long"), so it is the errno used throughout.
 *   kvm-errno VMM HELLO-IMAGE
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>

#define STATUS_HOST 6	/* docs/cli.md */

struct errno_case {
	const char *name;	/* the ioctl, as the message must name it */
	unsigned long req;
	int code;
	const char *args[6];	/* vmm's arguments; "IMAGE" is replaced */
};

static const struct errno_case cases[] = {
	{ "KVM_GET_SUPPORTED_CPUID", KVM_GET_SUPPORTED_CPUID, E2BIG, { "run", "--pmu=off", "IMAGE" } },
	{ "KVM_GET_SUPPORTED_CPUID", KVM_GET_SUPPORTED_CPUID, E2BIG, { "run", "--pmu=soft", "IMAGE" } },
	{ "KVM_GET_SUPPORTED_CPUID", KVM_GET_SUPPORTED_CPUID, E2BIG, { "caps" } },
	{ "KVM_SET_CPUID2", KVM_SET_CPUID2, E2BIG, { "run", "--pmu=off", "IMAGE" } },
	{ "KVM_CREATE_VM", KVM_CREATE_VM, E2BIG, { "run", "--pmu=off", "IMAGE" } },
};

/* In the child: ioctl(fd, req, ...) fails with code from now on, across execve(). */
static int fail_ioctl(unsigned long req, int code)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 3),
		/* The request is an unsigned int in the kernel (fs/ioctl.c): its low 32 bits. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)req, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned int)code & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0 ? -errno : 0;
}

/* Run vmm for c: its exit status (-1 if it did not exit) and its stderr in msg. */
static int run_case(const char *vmm, const char *image, const struct errno_case *c, char *msg, size_t len)
{
	const char *argv[8] = { vmm };
	int pipefd[2], status;
	size_t n = 0;
	ssize_t got;
	pid_t pid;

	for (size_t i = 0; i < 6 && c->args[i]; i++)
		argv[i + 1] = strcmp(c->args[i], "IMAGE") ? c->args[i] : image;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(pipefd[1], STDERR_FILENO) < 0 ||
		    fail_ioctl(c->req, c->code) < 0)
			_exit(127);
		execv(vmm, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (n + 1 < len && (got = read(pipefd[0], msg + n, len - 1 - n)) > 0)
		n += (size_t)got;
	msg[n] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	int failed = 0, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: kvm-errno VMM HELLO-IMAGE\n");
		return 2;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("1..0 # SKIP /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	close(fd);
	printf("1..%zu\n", ncases);
	for (size_t i = 0; i < ncases; i++) {
		const struct errno_case *c = &cases[i];
		char msg[4096], want[128];
		int st = run_case(argv[1], argv[2], c, msg, sizeof(msg));
		bool ok;

		snprintf(want, sizeof(want), "%s failed: %s", c->name, strerror(c->code));
		ok = st == STATUS_HOST && strstr(msg, want);
		failed += !ok;
		printf("%s %zu - vmm %s%s%s with %s -> %s: status %d, want %d\n", ok ? "ok" : "not ok", i + 1,
		       c->args[0], c->args[1] ? " " : "", c->args[1] ? c->args[1] : "", c->name,
		       strerror(c->code), st, STATUS_HOST);
		if (!strstr(msg, want)) {
			for (char *nl = strchr(msg, '\n'); nl; nl = strchr(nl, '\n'))
				*nl = ' ';
			printf("# '%s' not in vmm's stderr: %s\n", want, msg);
		}
	}
	return failed ? 1 : 0;
}
