// SPDX-License-Identifier: MIT
/*
 * The seccomp sandbox, the real filter: each case forks a child that
 * builds the allowlist with the same calls minivmm makes (sandbox_init,
 * sandbox_enter, sandbox_confine_thread) and then makes a system call;
 * the parent checks how the child ended and what it wrote on stderr.
 * System call numbers come from <sys/syscall.h> (the kernel's headers),
 * not from libseccomp or the code under test.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/futex.h>
#include <linux/kvm.h>

#include "sandbox/sandbox.h"
#include "sandbox/sandbox_report.h"
#include "vcpu/vcpu.h"
#include "support/run_suite.h"

struct outcome {
	int status;    /* from waitpid */
	char err[512]; /* the child's stderr */
};

/* Run body in a child whose stderr is captured; body's return value is its exit status. */
static void run_child(int (*body)(void *), void *arg, struct outcome *o)
{
	int pipefd[2];
	pid_t pid;
	size_t len = 0;
	ssize_t n;

	memset(o, 0, sizeof(*o));
	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit no_core = {0, 0};

		/* A SIGSYS death would dump core otherwise. */
		setrlimit(RLIMIT_CORE, &no_core);
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[1]);
		_exit(body(arg));
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], o->err + len, sizeof(o->err) - 1 - len)) > 0)
		len += (size_t)n;
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(pid, &o->status, 0), pid);
}

#ifdef __SANITIZE_ADDRESS__
/* The san build: keep ASan off alternate signal stacks, which the sandbox does not allow. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "use_sigaltstack=0";
}
#endif

/* The sanitizer runtime of the san build is one more component, adding what it needs. */
static void allow_sanitizer_runtime(struct sandbox *sb)
{
#ifdef __SANITIZE_ADDRESS__
	sandbox_allow(sb, SCMP_SYS(sched_getaffinity)); /* ASan registering a new thread */
	sandbox_allow(sb, SCMP_SYS(sigaltstack));	/* UBSan's handlers on a thread's end */
#endif
}

static void enter(bool verbose)
{
	struct sandbox sb;

	if (sandbox_init(&sb, verbose))
		_exit(99);
	allow_sanitizer_runtime(&sb);
	if (sandbox_enter(&sb, NULL))
		_exit(99);
}

/* What the child wrote after the sandbox's "on" line (-v). */
static const char *after_on_line(const struct outcome *o)
{
	const char *on = "minivmm: sandbox: on: ";
	const char *nl;

	if (strncmp(o->err, on, strlen(on)))
		return o->err;
	nl = strchr(o->err, '\n');
	return nl ? nl + 1 : "";
}

static void assert_killed_by_sigsys(const struct outcome *o)
{
	ck_assert_msg(WIFSIGNALED(o->status) && WTERMSIG(o->status) == SIGSYS,
		      "child ended with status 0x%x, want death by SIGSYS (stderr: %s)", o->status,
		      o->err);
}

/* Killed by SIGSYS after naming system call nr (name) on stderr. */
static void assert_killed_for(const struct outcome *o, long nr, const char *name)
{
	char want[64];

	assert_killed_by_sigsys(o);
	snprintf(want, sizeof(want), "system call %ld (%s)", nr, name);
	ck_assert_msg(strstr(o->err, want), "stderr '%s' lacks '%s'", o->err, want);
}

static void assert_exited_0(const struct outcome *o, const char *what)
{
	ck_assert_msg(WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0,
		      "%s: child status 0x%x, stderr: %s", what, o->status, o->err);
}

static int socket_after_enter(void *verbose)
{
	enter(*(bool *)verbose);
	syscall(SYS_socket, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
	return 0;
}

/* _i = 1: with -v (the name), 0: without (the number and a hint). */
START_TEST(forbidden_call_is_reported_and_kills)
{
	bool verbose = _i;
	struct outcome o;
	char want[128];

	run_child(socket_after_enter, &verbose, &o);
	assert_killed_by_sigsys(&o);
	snprintf(want, sizeof(want),
		 "minivmm: sandbox: system call %d%s is not allowed after set-up; stopping%s\n",
		 SYS_socket, verbose ? " (socket)" : "", verbose ? "" : " (-v names it)");
	ck_assert_str_eq(after_on_line(&o), want);
}
END_TEST

/* Each of these must end the child; argument: which one. */
static int forbidden(void *which)
{
	static char *const argv[] = {"/bin/true", NULL};
	int fd;

	fd = open("/dev/null", O_RDWR);
	enter(true);
	switch (*(int *)which) {
	case 0: /* open a file */
		open("/etc/hostname", O_RDONLY);
		break;
	case 1: /* start a program */
		execve(argv[0], argv, NULL);
		break;
	case 2: /* a new process */
		syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		break;
	case 3: /* executable memory */
		mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case 4: /* write to a file other than stdout/stderr */
		syscall(SYS_write, fd, "x", 1);
		break;
	case 5: /* an ioctl nobody allowed */
		ioctl(fd, FIONBIO, &(int){1});
		break;
	case 6: /* a path that stat() would follow */
		syscall(SYS_newfstatat, AT_FDCWD, "/etc/hostname", &(char[256]){0}, 0);
		break;
	case 7: /* signal another process */
		syscall(SYS_tgkill, 1, 1, 0);
		break;
	}
	return 0;
}

START_TEST(dangerous_calls_are_forbidden)
{
	static const struct {
		long nr;
		const char *name;
	} call[] = {
	    {SYS_openat, "openat"},	    {SYS_execve, "execve"},
	    {SYS_clone, "clone"},	    {SYS_mmap, "mmap"},
	    {SYS_write, "write"},	    {SYS_ioctl, "ioctl"},
	    {SYS_newfstatat, "newfstatat"}, {SYS_tgkill, "tgkill"},
	};
	int which = _i;
	struct outcome o;

	run_child(forbidden, &which, &o);
	assert_killed_for(&o, call[which].nr, call[which].name);
}
END_TEST

/*
 * Another ABI's numbering: x32 (bit 30 set; getpid there is 39 too) or
 * i386 through int $0x80 (20 = getpid). The filter has no list for them:
 * killed outright, whether the kernel has that ABI or not.
 */
#define X32_SYSCALL_BIT 0x40000000L

static int other_abi_after_enter(void *int80)
{
	long ret = 20;

	enter(true);
	if (*(bool *)int80)
		__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
	else
		syscall(X32_SYSCALL_BIT | SYS_getpid);
	return 0;
}

static int int80_getpid(void *unused)
{
	long ret = 20;

	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
	return ret == getpid() ? 0 : 1;
}

START_TEST(other_abi_is_killed)
{
	bool int80 = false;
	struct outcome o;

	run_child(other_abi_after_enter, &int80, &o);
	assert_killed_by_sigsys(&o);
	/* SECCOMP_RET_KILL_PROCESS: no handler runs, so no message. */
	ck_assert_str_eq(after_on_line(&o), "");

	/* int $0x80 exists only with the kernel's IA32 emulation. */
	run_child(int80_getpid, NULL, &o);
	if (!WIFEXITED(o.status) || WEXITSTATUS(o.status) != 0) {
		fprintf(stderr, "test_sandbox: no IA32 emulation in this kernel; int $0x80 not "
				"tried under the filter\n");
		return;
	}
	int80 = true;
	run_child(other_abi_after_enter, &int80, &o);
	assert_killed_by_sigsys(&o);
	ck_assert_str_eq(after_on_line(&o), "");
}
END_TEST

/* The reporting handler cannot be replaced: that attempt itself kills. */
static int replace_sigsys_handler(void *unused)
{
	enter(true);
	signal(SIGSYS, SIG_IGN);
	return 0;
}

START_TEST(sigsys_handler_stays)
{
	struct outcome o;

	run_child(replace_sigsys_handler, NULL, &o);
	assert_killed_by_sigsys(&o);
	ck_assert_str_eq(after_on_line(&o), "");
}
END_TEST

/* What minivmm does once the guest runs, through the filter; exit 0 when all worked. */
static int allowed_paths(void *arg)
{
	struct sandbox sb;
	int fds[2], avail = -1;
	char buf[4] = "abc", back[4] = {0};
	struct iovec out = {buf, 3}, in = {back, 3};
	struct timespec ts;
	void *big;

	if (pipe(fds))
		return 10;
	if (sandbox_init(&sb, true))
		return 11;
	/* What a component adds: a read on its own fd, one ioctl on one fd. */
	sandbox_allow_arg0(&sb, SCMP_SYS(read), fds[0]);
	sandbox_allow_arg0(&sb, SCMP_SYS(write), fds[1]);
	sandbox_allow_ioctl(&sb, fds[0], FIONREAD);
	allow_sanitizer_runtime(&sb);
	if (sandbox_enter(&sb, NULL))
		return 12;
	/* Disk-style vectored I/O, console output, the clock without the vDSO. */
	if (pwritev(fds[1], &out, 1, 0) >= 0 || errno != ESPIPE)
		return 13; /* allowed: the pipe refuses the offset, the filter does not */
	if (write(fds[1], buf, 3) != 3 || read(fds[0], back, 3) != 3 || memcmp(buf, back, 3))
		return 14;
	if (preadv(fds[0], &in, 1, 0) >= 0 || errno != ESPIPE)
		return 15;
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts))
		return 16;
	if (ioctl(fds[0], FIONREAD, &avail) || avail != 0)
		return 17;
	/* malloc's big blocks, a flush to stable storage, the end. */
	big = malloc(8 << 20);
	if (!big)
		return 18;
	memset(big, 1, 8 << 20);
	free(big);
	if (fdatasync(fds[1]) == 0 || errno != EINVAL)
		return 19;
	return 0;
}

START_TEST(allowed_paths_pass)
{
	struct outcome o;

	run_child(allowed_paths, NULL, &o);
	assert_exited_0(&o, "allowed paths");
	ck_assert_ptr_nonnull(strstr(o.err, "minivmm: sandbox: on: "));
}
END_TEST

/*
 * The KVM ioctls the vCPU lists (vcpu_runtime_ioctls), checked without
 * /dev/kvm: on a stand-in fd an allowed request reaches the kernel (which
 * says ENOTTY); another request, or the same one on another fd, is killed.
 */
static int kvm_ioctls(void *which)
{
	struct vcpu cpu = {.fd = open("/dev/null", O_RDONLY)};
	int other = open("/dev/null", O_RDONLY);
	struct vcpu_ioctl list[VCPU_MAX_RUNTIME_IOCTLS];
	struct kvm_regs regs;
	struct sandbox sb;
	unsigned n;

	if (cpu.fd < 0 || other < 0 || sandbox_init(&sb, true))
		return 10;
	/* As vm.c does with the list the vCPU gives. */
	n = vcpu_runtime_ioctls(&cpu, list);
	for (unsigned i = 0; i < n; i++)
		sandbox_allow_ioctl(&sb, list[i].fd, list[i].request);
	allow_sanitizer_runtime(&sb);
	if (sandbox_enter(&sb, NULL))
		return 11;
	if (ioctl(cpu.fd, KVM_RUN, 0) != -1 || errno != ENOTTY)
		return 12;
	if (ioctl(cpu.fd, KVM_GET_REGS, &regs) != -1 || errno != ENOTTY)
		return 13;
	if (*(int *)which == 1)
		ioctl(cpu.fd, KVM_SET_REGS, &regs);
	if (*(int *)which == 2)
		ioctl(other, KVM_RUN, 0);
	return 0;
}

START_TEST(kvm_ioctls_only_on_the_vcpu_fd)
{
	int which = _i;
	struct outcome o;

	run_child(kvm_ioctls, &which, &o);
	if (which == 0) {
		assert_exited_0(&o, "allowed KVM ioctls");
		return;
	}
	assert_killed_for(&o, SYS_ioctl, "ioctl");
}
END_TEST

/* A thread started under the sandbox, confined as virtio-blk's worker. */
static void *worker(void *which)
{
	struct iovec iov = {&(char){0}, 1};

#ifdef __SANITIZE_ADDRESS__
	/* ASan sets up this thread's allocator on its first intercepted call: before. */
	preadv(-1, &iov, 1, 0);
#endif
	if (sandbox_confine_thread(SANDBOX_ROLE_BLK_WORKER))
		return (void *)1;
	sched_yield();
	preadv(-1, &iov, 1, 0); /* EBADF: allowed, the kernel refuses */
	if (*(int *)which)
		syscall(SYS_getpid); /* fine on the vCPU thread, not on the worker */
#ifdef __SANITIZE_ADDRESS__
	/* ASan's thread teardown maps shadow memory, which the worker's list lacks. */
	syscall(SYS_exit, 0);
#endif
	return NULL;
}

static int start_worker(void *which)
{
	pthread_t t;
	void *ret;

	enter(true);
	if (pthread_create(&t, NULL, worker, which) || pthread_join(t, &ret))
		return 20;
	return ret ? 21 : 0;
}

START_TEST(worker_thread_is_narrower)
{
	int which = 0;
	struct outcome o;

	run_child(start_worker, &which, &o);
	assert_exited_0(&o, "the worker's own calls");
	which = 1;
	run_child(start_worker, &which, &o);
	assert_killed_for(&o, SYS_getpid, "getpid");
}
END_TEST

/*
 * The console's stdin reader and the RTC's timer thread, each confined to
 * its role as minivmm does (uart_console.c, rtc_timer.c) with the rules
 * added at run time: read() and write() on the reader's own eventfd
 * and KVM_IRQ_LINE on the VM fd (/dev/null here: allowed, the kernel says
 * ENOTTY). Each thread's own calls pass; then (which > 0) one call the
 * vCPU thread may make but this thread may not, which must kill.
 */
struct device_thread {
	enum sandbox_role role;
	int which, own_fd, vm_fd;
};

static long irq_line(int vm_fd)
{
	struct kvm_irq_level l = {.irq = 4, .level = 1};

	return ioctl(vm_fd, KVM_IRQ_LINE, &l) == -1 && errno == ENOTTY ? 0 : -1;
}

static void *device_thread(void *arg)
{
	struct device_thread *t = arg;
	struct timespec ts;
	int word = 0;
	char c;

#ifdef __SANITIZE_ADDRESS__
	syscall(SYS_sched_yield); /* ASan sets up this thread before its filter */
	free(malloc(1));
#endif
	if (sandbox_confine_thread(t->role))
		return (void *)1;
	/* Both: locks and condition variables, the interrupt line. */
	if (syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) != 0 ||
	    irq_line(t->vm_fd))
		return (void *)2;
	if (t->role == SANDBOX_ROLE_CONSOLE_READER) {
		struct pollfd pfd[2] = {{.fd = t->own_fd, .events = POLLIN},
					{.fd = STDIN_FILENO, .events = POLLIN}};

		/* Woken (poll, the eventfd read), stdin read, a partial line flushed. */
		uint64_t count;

		/* Woken (poll, the eventfd drained), then waking itself (rx_poll -> wake_reader).
		 */
		if (poll(pfd, 2, 0) < 1 || read(t->own_fd, &count, 8) != 8 ||
		    write(t->own_fd, &count, 8) != 8)
			return (void *)3;
		/* (Whatever the test's stdin and stdout are: the filter lets them through.) */
		(void)!read(STDIN_FILENO, &c, 0);
		(void)!write(STDOUT_FILENO, &c, 0);
		if (t->which == 1)
			syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts); /* the RTC's, not its */
		if (t->which == 2)
			preadv(-1, &(struct iovec){&c, 1}, 1, 0); /* the disk's */
	} else {
		/* The clock, without the vDSO. */
		if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) ||
		    syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts))
			return (void *)3;
		if (t->which == 1)
			syscall(SYS_read, STDIN_FILENO, &c, 0); /* the reader's, not its */
		if (t->which == 2)
			syscall(SYS_write, STDOUT_FILENO, &c, 0); /* the console's */
	}
#ifdef __SANITIZE_ADDRESS__
	syscall(SYS_exit, 0); /* ASan's thread teardown maps shadow memory */
#endif
	return NULL;
}

static int start_device_thread(void *arg)
{
	struct device_thread *t = arg;
	struct sandbox sb;
	pthread_t th;
	void *ret;

	t->vm_fd = open("/dev/null", O_RDONLY);
	t->own_fd = eventfd(1, EFD_NONBLOCK);
	if (t->vm_fd < 0 || t->own_fd < 0 || sandbox_init(&sb, true))
		return 10;
	/* As uart_console_sandbox_allow and vm_enter_sandbox do. */
	sandbox_allow_arg0(&sb, SCMP_SYS(read), t->own_fd);
	sandbox_allow_arg0(&sb, SCMP_SYS(write), t->own_fd);
	sandbox_role_allow_arg0(&sb, SANDBOX_ROLE_CONSOLE_READER, SCMP_SYS(read), t->own_fd);
	sandbox_role_allow_arg0(&sb, SANDBOX_ROLE_CONSOLE_READER, SCMP_SYS(write), t->own_fd);
	sandbox_allow_ioctl(&sb, t->vm_fd, KVM_IRQ_LINE);
	sandbox_role_allow_ioctl(&sb, SANDBOX_ROLE_CONSOLE_READER, t->vm_fd, KVM_IRQ_LINE);
	sandbox_role_allow_ioctl(&sb, SANDBOX_ROLE_RTC_TIMER, t->vm_fd, KVM_IRQ_LINE);
	allow_sanitizer_runtime(&sb);
	if (sandbox_enter(&sb, NULL))
		return 11;
	if (pthread_create(&th, NULL, device_thread, t) || pthread_join(th, &ret))
		return 20;
	return ret ? 20 + (int)(intptr_t)ret : 0;
}

/* _i: role * 3 + which. */
START_TEST(device_threads_are_narrower)
{
	static const struct {
		long nr;
		const char *name;
	} killed[2][3] = {
	    {{0}, {SYS_clock_gettime, "clock_gettime"}, {SYS_preadv, "preadv"}},
	    {{0}, {SYS_read, "read"}, {SYS_write, "write"}},
	};
	struct device_thread t = {
	    .role = _i / 3 ? SANDBOX_ROLE_RTC_TIMER : SANDBOX_ROLE_CONSOLE_READER,
	    .which = _i % 3,
	};
	struct outcome o;

	run_child(start_device_thread, &t, &o);
	if (t.which == 0) {
		assert_exited_0(&o,
				_i / 3 ? "the RTC timer's own calls" : "the reader's own calls");
		return;
	}
	assert_killed_for(&o, killed[_i / 3][t.which].nr, killed[_i / 3][t.which].name);
}
END_TEST

/* A role's run-time rules are bounded: one too many is an error at sandbox_enter. */
static int too_many_role_rules(void *unused)
{
	struct sandbox sb;

	if (sandbox_init(&sb, false))
		return 10;
	for (int i = 0; i <= SANDBOX_MAX_ROLE_EXTRAS; i++)
		sandbox_role_allow_arg0(&sb, SANDBOX_ROLE_RTC_TIMER, SCMP_SYS(read), i);
	return sandbox_enter(&sb, NULL) ? 0 : 12;
}

START_TEST(role_rules_are_bounded)
{
	struct outcome o;

	run_child(too_many_role_rules, NULL, &o);
	assert_exited_0(&o, "one run-time rule too many");
	ck_assert_ptr_nonnull(strstr(o.err, "minivmm: sandbox: cannot load the seccomp filter"));
}
END_TEST

START_TEST(message_format)
{
	char buf[160];

	sandbox_report_format(buf, sizeof(buf), 321, "bpf");
	ck_assert_str_eq(buf, "minivmm: sandbox: system call 321 (bpf) is not allowed after "
			      "set-up; stopping\n");
	/* Truncated, still terminated. */
	ck_assert_uint_eq(sandbox_report_format(buf, 12, 0, NULL), 11);
	ck_assert_str_eq(buf, "minivmm: sa");
}
END_TEST

static Suite *sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, forbidden_call_is_reported_and_kills, 0, 2);
	tcase_add_loop_test(tc, dangerous_calls_are_forbidden, 0, 8);
	tcase_add_test(tc, other_abi_is_killed);
	tcase_add_test(tc, sigsys_handler_stays);
	tcase_add_test(tc, allowed_paths_pass);
	tcase_add_loop_test(tc, kvm_ioctls_only_on_the_vcpu_fd, 0, 3);
	tcase_add_test(tc, worker_thread_is_narrower);
	tcase_add_loop_test(tc, device_threads_are_narrower, 0, 6);
	tcase_add_test(tc, role_rules_are_bounded);
	tcase_add_test(tc, message_format);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(sandbox_suite());
}
