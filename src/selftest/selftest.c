// SPDX-License-Identifier: GPL-2.0-only
/*
 * The self-test runner: each (guest, mode) pair is a `vmm run` child process
 * whose stdout (the guest's TAP) and stderr are collected through pipes; up
 * to --jobs run at once.
 */
#include "selftest/selftest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "selftest/report.h"

#define OUT_MAX (1u << 20)	/* output kept per pair; the rest is dropped */

struct buf {
	char *data;
	size_t len;
};

struct job {
	struct selftest_pair *pair;
	pid_t pid;
	int fd[2];		/* stdout, stderr; -1 once closed */
	struct buf out[2];
	int64_t started_ms;
};

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = list; *s;) {
		size_t w = strcspn(s, ",");

		if (w == n && !strncmp(s, name, n))
			return true;
		s += w + (s[w] == ',');
	}
	return false;
}

/* The pairs to run: requested guests x requested modes the guest applies to. */
static unsigned int plan_pairs(const struct selftest_opts *o, struct selftest_pair *pairs)
{
	unsigned int n = 0;

	for (unsigned int g = 0; g < selftest_nr_guests; g++) {
		const struct selftest_guest *guest = &selftest_guests[g];

		if (o->guests && !in_list(o->guests, guest->name))
			continue;
		for (unsigned int m = 0; m < ST_NR_MODES; m++) {
			if (!(o->modes & (1u << m)) || (guest->modes && !(guest->modes & (1u << m))))
				continue;
			pairs[n++] = (struct selftest_pair){ .guest = guest, .mode = m };
		}
	}
	return n;
}

static void child_exec(const struct selftest_pair *p, const struct selftest_env *env,
		       const struct selftest_opts *o, int out_fd, int err_fd)
{
	const struct selftest_mode_info *mode = &selftest_modes[p->mode];
	char timeout[32], image[4096], pmu[64], vendor[64], engine[64], interp[64];
	const char *argv[4 + 7 + 2 * ST_MAX_ARGS + 3];
	int n = 0;

	snprintf(timeout, sizeof(timeout), "--timeout=%llu.%03llu", (unsigned long long)(o->timeout_ms / 1000),
		 (unsigned long long)(o->timeout_ms % 1000));
	snprintf(image, sizeof(image), "%s/%s", env->guest_dir, p->guest->file);
	argv[n++] = env->vmm_path;
	argv[n++] = "run";
	argv[n++] = timeout;
	if (o->no_seccomp)
		argv[n++] = "--no-seccomp";
	snprintf(pmu, sizeof(pmu), "--pmu=%s", mode->pmu);
	argv[n++] = pmu;
	if (mode->vendor) {
		snprintf(vendor, sizeof(vendor), "--cpu-vendor=%s", mode->vendor);
		argv[n++] = vendor;
	}
	if (!strcmp(mode->pmu, "soft") && o->soft_engine) {
		snprintf(engine, sizeof(engine), "--soft-engine=%s", o->soft_engine);
		argv[n++] = engine;
	}
	if (!strcmp(mode->pmu, "soft") && o->soft_check)
		argv[n++] = "--soft-check";
	if (!strcmp(mode->pmu, "soft") && o->soft_interp) {
		snprintf(interp, sizeof(interp), "--soft-interp=%s", o->soft_interp);
		argv[n++] = interp;
	}
	for (int i = 0; i < ST_MAX_ARGS && p->guest->args[i]; i++)
		argv[n++] = p->guest->args[i];
	argv[n++] = image;
	if (p->guest->cmdline[0]) {
		argv[n++] = "--";
		for (int i = 0; i < ST_MAX_ARGS && p->guest->cmdline[i]; i++)
			argv[n++] = p->guest->cmdline[i];
	}
	argv[n] = NULL;
	if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		_exit(126);
	execv(env->vmm_path, (char *const *)argv);
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", env->vmm_path, strerror(errno));
	_exit(127);
}

static int job_start(struct job *j, struct selftest_pair *p, const struct selftest_env *env,
		     const struct selftest_opts *o, struct vmm_err *err)
{
	int out[2], errp[2];

	if (pipe2(out, O_CLOEXEC) < 0)
		return vmm_errf(err, errno, "pipe: %s", strerror(errno));
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return vmm_errf(err, errno, "pipe: %s", strerror(errno));
	}
	memset(j, 0, sizeof(*j));
	j->pair = p;
	j->started_ms = vmm_mono_ms();
	j->pid = fork();
	if (j->pid == 0)
		child_exec(p, env, o, out[1], errp[1]);
	close(out[1]);
	close(errp[1]);
	j->fd[0] = out[0];
	j->fd[1] = errp[0];
	if (j->pid < 0) {
		close(out[0]);
		close(errp[0]);
		return vmm_errf(err, errno, "fork: %s", strerror(errno));
	}
	return 0;
}

static void buf_read(struct buf *b, int *fd)
{
	char tmp[4096];
	ssize_t n = read(*fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if (b->len + (size_t)n > OUT_MAX)
		n = (ssize_t)(OUT_MAX - b->len);
	if (n <= 0)
		return;
	b->data = realloc(b->data, b->len + (size_t)n + 1);
	if (!b->data) {
		b->len = 0;
		return;
	}
	memcpy(b->data + b->len, tmp, (size_t)n);
	b->len += (size_t)n;
	b->data[b->len] = '\0';
}

/* Both pipes closed: reap the child and judge the pair. */
static void job_finish(struct job *j, bool keep_output)
{
	struct selftest_pair *p = j->pair;
	int status = 0;

	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	p->seconds = (double)(vmm_mono_ms() - j->started_ms) / 1000.0;
	p->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	tap_parse(j->out[0].data ? j->out[0].data : "", j->out[0].len, &p->tap);
	selftest_judge(p, j->out[1].data ? j->out[1].data : "");
	if (keep_output) {
		p->output = j->out[0].data;
		p->output_len = j->out[0].len;
		j->out[0].data = NULL;
	}
	free(j->out[0].data);
	free(j->out[1].data);
	j->pair = NULL;
}

/* Wait for output from any running job; finish those whose pipes closed. */
static unsigned int jobs_poll(struct job *jobs, unsigned int njobs, bool keep_output,
			      struct selftest_pair **done)
{
	struct pollfd pfd[2 * njobs];
	unsigned int n = 0, finished = 0;

	for (unsigned int i = 0; i < njobs; i++)
		for (int k = 0; k < 2; k++)
			pfd[n++] = (struct pollfd){ .fd = jobs[i].pair ? jobs[i].fd[k] : -1, .events = POLLIN };
	if (poll(pfd, n, 1000) < 0 && errno != EINTR)
		return 0;
	for (unsigned int i = 0; i < njobs; i++) {
		struct job *j = &jobs[i];

		if (!j->pair)
			continue;
		for (int k = 0; k < 2; k++)
			if (j->fd[k] >= 0 && pfd[2 * i + (unsigned int)k].revents)
				buf_read(&j->out[k], &j->fd[k]);
		if (j->fd[0] < 0 && j->fd[1] < 0) {
			done[finished++] = j->pair;
			job_finish(j, keep_output);
		}
	}
	return finished;
}

static void progress(const struct selftest_opts *o, unsigned int finished, unsigned int total,
		     const struct selftest_pair *p)
{
	if (!o->progress)
		return;
	fprintf(stderr, "[%u/%u] %s/%s: %s (%.1f s)\n", finished, total, p->guest->name,
		selftest_mode_name(p->mode), selftest_verdict_name(p->verdict), p->seconds);
}

int selftest_run(const struct selftest_opts *o, const struct selftest_env *env, FILE *out,
		 struct vmm_err *err)
{
	struct selftest_pair pairs[selftest_nr_guests * ST_NR_MODES];
	unsigned int npairs = plan_pairs(o, pairs), next = 0, finished = 0, running = 0;
	unsigned int njobs = o->jobs ? o->jobs : 1;
	struct job jobs[njobs];
	int64_t t0 = vmm_mono_ms();
	int r = 0;

	memset(jobs, 0, sizeof(jobs));
	if (o->guest_output && npairs == 0 && o->guests && !strchr(o->guests, ',') &&
	    __builtin_popcount(o->modes) == 1) {
		fprintf(out, "1..0 # SKIP guest %s does not run in mode %s (its catalog entry)\n", o->guests,
			selftest_mode_name((enum selftest_mode)__builtin_ctz(o->modes)));
		return 0;
	}
	if (o->guest_output && npairs != 1)
		return vmm_err_input(err, EINVAL, "--guest-output needs exactly one guest and one mode (%u pairs "
				"selected)", npairs);
	/* Modes the host cannot give are listed once, not run. */
	for (unsigned int i = 0; i < npairs; i++)
		if (env->unavailable[pairs[i].mode][0])
			pairs[i].verdict = ST_UNAVAILABLE;
	while (finished < npairs) {
		struct selftest_pair *done[njobs];
		unsigned int nd;

		while (next < npairs && pairs[next].verdict == ST_UNAVAILABLE) {
			next++;
			finished++;
		}
		for (unsigned int i = 0; i < njobs && next < npairs && running < njobs && !r; i++) {
			if (jobs[i].pair)
				continue;
			if (pairs[next].verdict == ST_UNAVAILABLE)
				break;
			r = job_start(&jobs[i], &pairs[next], env, o, err);
			if (!r) {
				next++;
				running++;
			}
		}
		if (!running)
			break;
		nd = jobs_poll(jobs, njobs, o->guest_output, done);
		for (unsigned int i = 0; i < nd; i++)
			progress(o, ++finished, npairs, done[i]);
		running -= nd;
	}
	if (r < 0)
		return r;
	if (o->guest_output) {
		r = selftest_report_guest(env, &pairs[0], out);
		free(pairs[0].output);
		return r;
	}
	return selftest_report(o, env, pairs, npairs, (double)(vmm_mono_ms() - t0) / 1000.0, out, err);
}
