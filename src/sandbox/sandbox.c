// SPDX-License-Identifier: MIT
/*
 * Building and loading the seccomp filters (libseccomp). The default
 * action is SECCOMP_RET_TRAP, so that a violation is reported with the
 * call's number before the process dies (sandbox_report.c); a call made
 * with another architecture's numbering (int $0x80, x32) is killed
 * outright. Filters are per thread and stack: the vCPU thread's filter is
 * loaded on every thread there is (TSYNC) and inherited by threads started
 * later, which may narrow themselves further with their role's list.
 */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "sandbox/sandbox_report.h"
#include "sandbox/sandbox_rules.h"

/*
 * Whether sandbox_enter() has run: threads started later confine
 * themselves only then. Written once by the main thread before it starts
 * any of them (pthread_create orders it); the kernel's filter, like this,
 * is per process.
 */
static bool sandbox_active;

/*
 * The narrower filters of the threads started later, compiled to BPF by
 * sandbox_enter() while allocating and opening are still allowed: the
 * thread only hands its program to the kernel (libseccomp on that thread
 * would malloc and free after its own filter is in place).
 */
static struct role_filter {
	struct sock_fprog prog;
	struct sock_filter insns[BPF_MAXINSNS];
} role_filters[SANDBOX_NR_ROLES];

static const struct {
	const struct sandbox_rule *rules;
	const size_t *nr_rules;
} role_rules[SANDBOX_NR_ROLES] = {
    [SANDBOX_ROLE_BLK_WORKER] = {sandbox_blk_worker_rules, &sandbox_nr_blk_worker_rules},
    [SANDBOX_ROLE_CONSOLE_READER] = {sandbox_console_reader_rules,
				     &sandbox_nr_console_reader_rules},
    [SANDBOX_ROLE_RTC_TIMER] = {sandbox_rtc_timer_rules, &sandbox_nr_rtc_timer_rules},
};

static void add_rule(struct sandbox *sb, uint32_t action, int nr, unsigned n,
		     const struct scmp_arg_cmp *cmp)
{
	int rc;

	if (!sb->ctx || sb->err)
		return;
	rc = seccomp_rule_add_exact_array(sb->ctx, action, nr, n, cmp);
	if (rc)
		sb->err = rc;
	else
		sb->rules++;
}

static int add_rules(struct sandbox *sb, const struct sandbox_rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		add_rule(sb, r[i].action ? r[i].action : SCMP_ACT_ALLOW, r[i].nr, r[i].nr_cmp,
			 r[i].cmp);
	return sb->err;
}

static int new_filter(struct sandbox *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!sb->ctx)
		return sb->err = -ENOMEM;
	/* Another architecture's numbering (i386 via int $0x80) has no allowlist: kill. */
	sb->err = seccomp_attr_set(sb->ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	return sb->err;
}

void sandbox_discard(struct sandbox *sb)
{
	if (sb->ctx)
		seccomp_release(sb->ctx);
	sb->ctx = NULL;
}

static int sandbox_fail(struct sandbox *sb, const char *what)
{
	int err = sb->err ? sb->err : -EINVAL;

	fprintf(stderr, "minivmm: sandbox: %s: %s\n", what, strerror(-err));
	sandbox_discard(sb);
	return err;
}

/* libseccomp 2.5 exports BPF to a file descriptor only: through a pipe into f. */
static int export_bpf(scmp_filter_ctx ctx, struct role_filter *f)
{
	size_t len = 0, max = sizeof(f->insns);
	int fds[2], rc;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	rc = seccomp_export_bpf(ctx, fds[1]);
	close(fds[1]);
	while (!rc && (n = read(fds[0], (char *)f->insns + len, max - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	if (!rc && (len == 0 || len == max || len % sizeof(f->insns[0])))
		rc = -E2BIG;
	f->prog.len = (unsigned short)(len / sizeof(f->insns[0]));
	f->prog.filter = f->insns;
	return rc;
}

/* Each role's fixed list plus what the VM added for it at run time (sandbox_role_allow_*). */
static int compile_role_filters(const struct sandbox *vcpu)
{
	for (unsigned r = 0; r < SANDBOX_NR_ROLES; r++) {
		struct sandbox sb;
		int rc = new_filter(&sb);

		if (!rc)
			rc = add_rules(&sb, role_rules[r].rules, *role_rules[r].nr_rules);
		if (!rc)
			rc = add_rules(&sb, vcpu->extra[r], vcpu->nr_extra[r]);
		if (!rc)
			rc = export_bpf(sb.ctx, &role_filters[r]);
		sandbox_discard(&sb);
		if (rc)
			return rc;
	}
	return 0;
}

void sandbox_allow(struct sandbox *sb, int nr)
{
	add_rule(sb, SCMP_ACT_ALLOW, nr, 0, NULL);
}

void sandbox_allow_arg0(struct sandbox *sb, int nr, int value)
{
	struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)value);

	add_rule(sb, SCMP_ACT_ALLOW, nr, 1, &cmp);
}

void sandbox_allow_arg1(struct sandbox *sb, int nr, int value)
{
	struct scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)value);

	add_rule(sb, SCMP_ACT_ALLOW, nr, 1, &cmp);
}

void sandbox_allow_ioctl(struct sandbox *sb, int fd, unsigned long request)
{
	struct scmp_arg_cmp cmp[2] = {
	    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)fd),
	    /* The kernel reads the request as an unsigned int too. */
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)request),
	};

	add_rule(sb, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2, cmp);
}

static void add_role_rule(struct sandbox *sb, enum sandbox_role role, struct sandbox_rule rule)
{
	if ((unsigned)role >= SANDBOX_NR_ROLES || sb->nr_extra[role] >= SANDBOX_MAX_ROLE_EXTRAS) {
		if (!sb->err)
			sb->err = -E2BIG;
		return;
	}
	sb->extra[role][sb->nr_extra[role]++] = rule;
}

void sandbox_role_allow_arg0(struct sandbox *sb, enum sandbox_role role, int nr, int value)
{
	add_role_rule(sb, role,
		      (struct sandbox_rule){
			  nr, 1, {SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)value)}, 0});
}

void sandbox_role_allow_ioctl(struct sandbox *sb, enum sandbox_role role, int fd,
			      unsigned long request)
{
	add_role_rule(
	    sb, role,
	    (struct sandbox_rule){SCMP_SYS(ioctl),
				  2,
				  {SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)fd),
				   SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)request)},
				  0});
}

int sandbox_init(struct sandbox *sb, bool verbose)
{
	if (new_filter(sb))
		goto fail;
	if (add_rules(sb, sandbox_vcpu_rules, sandbox_nr_vcpu_rules))
		goto fail;
	/* raise() signals this process only: tgkill(getpid(), ...), never another process. */
	sandbox_allow_arg0(sb, SCMP_SYS(tgkill), (int)getpid());
	/* KVM_RUN is the hot call with /dev/kvm: test it first. */
	if (!sb->err)
		sb->err = seccomp_syscall_priority(sb->ctx, SCMP_SYS(ioctl), 255);
	if (sb->err)
		goto fail;
	sb->verbose = verbose;
	return 0;
fail:
	return sandbox_fail(sb, "cannot build the allowlist");
}

int sandbox_enter(struct sandbox *sb, void (*on_violation)(void))
{
	int rc = sb->ctx ? sb->err : -EINVAL;

	if (!rc)
		rc = seccomp_attr_set(sb->ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!rc && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		rc = -errno;
	if (!rc)
		rc = compile_role_filters(sb);
	if (!rc)
		rc = sandbox_report_install(sb->verbose, on_violation);
	if (!rc)
		rc = seccomp_load(sb->ctx);
	if (rc) {
		sb->err = rc;
		return sandbox_fail(sb, "cannot load the seccomp filter");
	}
	sandbox_active = true;
	if (sb->verbose)
		fprintf(stderr, "minivmm: sandbox: on: %u seccomp rules, no new privileges\n",
			sb->rules);
	sandbox_discard(sb);
	return 0;
}

int sandbox_confine_thread(enum sandbox_role role)
{
	const struct sock_fprog *prog;
	sigset_t sys;

	if (!sandbox_active)
		return 0;
	if ((unsigned)role >= SANDBOX_NR_ROLES)
		return -EINVAL;
	prog = &role_filters[role].prog;
	/*
	 * A trapped call with SIGSYS blocked kills at once, without the
	 * message: let SIGSYS through (it only ever comes from the filter).
	 */
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &sys, NULL);
	/* The program was compiled by sandbox_enter: nothing to allocate here. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		return -errno;
	return 0;
}
