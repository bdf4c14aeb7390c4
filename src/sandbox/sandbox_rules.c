// SPDX-License-Identifier: MIT
/*
 * The allowlists, one comment per system call saying which path needs it.
 * Found by reading the code and checked by running every path under the
 * filter (tests/integration/sandbox.sh) and with `strace -f -c` (glibc
 * 2.36 on x86-64: fstat is newfstatat, pthread_create is clone3 then
 * rseq and set_robust_list in the new thread, poll is poll).
 *
 * Everything not listed traps into the SIGSYS handler (sandbox_report.c),
 * which says which call it was and ends the process. Nothing here opens a
 * file, maps memory executable, starts a program or makes a socket.
 */
#include "sandbox/sandbox_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>

/* Compare the low 32 bits only: the kernel reads int and unsigned int arguments so. */
/* clang-format off */
#define ARG32_EQ(i, v) {(i), SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)(v)}
#define ARG_BITS_CLEAR(i, bits) {(i), SCMP_CMP_MASKED_EQ, (bits), 0}
#define ARG_BITS_SET(i, bits) {(i), SCMP_CMP_MASKED_EQ, (bits), (bits)}
#define ARG_EQ(i, v) {(i), SCMP_CMP_EQ, (v), 0}

#define ANY(name) {SCMP_SYS(name), 0, {{0}}, 0}
#define IF1(name, c) {SCMP_SYS(name), 1, {c}, 0}
#define IF2(name, c, d) {SCMP_SYS(name), 2, {c, d}, 0}
/* clang-format on */

/* pthread_create's clone flags: a thread of this process, never a new process. */
#define THREAD_CLONE_FLAGS                                                                         \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |        \
	 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

const struct sandbox_rule sandbox_vcpu_rules[] = {
    /* --- the serial console (devices/uart_console.c) --- */
    /* COM1 input: the guest's receive poll reads the bytes waiting on stdin. */
    IF1(read, ARG32_EQ(0, STDIN_FILENO)),
    /* ...after asking, with a zero timeout, whether any are there. */
    ANY(poll),
    /* poll() as glibc builds it where poll(2) does not exist. */
    ANY(ppoll),
    /* COM1 output goes to stdout; minivmm's own messages and --stats text to stderr. */
    IF1(write, ARG32_EQ(0, STDOUT_FILENO)),
    IF1(write, ARG32_EQ(0, STDERR_FILENO)),
    /* The terminal back to its settings when the VM stops or dies: tcsetattr(TCSAFLUSH), */
    /* which in glibc 2.36 reads the settings (TCGETS) before it sets them (TCSETSF). */
    IF2(ioctl, ARG32_EQ(0, STDIN_FILENO), ARG32_EQ(1, TCGETS)),
    IF2(ioctl, ARG32_EQ(0, STDIN_FILENO), ARG32_EQ(1, TCSETSF)),

    /* --- virtio-blk (devices/virtio_blk.c, virtio_blk_worker.c) --- */
    /* Guest reads and writes, merged per kick into vectors. */
    ANY(preadv),
    ANY(pwritev),
    /* VIRTIO_BLK_T_FLUSH: the data on stable storage before the status byte. */
    ANY(fdatasync),

    /* --- threads: the virtio-blk worker starts on the first big read --- */
    /* pthread_create: threads only; clone3's flags sit in memory the filter cannot see. */
    IF1(clone, ARG_EQ(0, THREAD_CLONE_FLAGS)),
    /* ...so clone3 says "not implemented" and glibc falls back to clone. */
    {SCMP_SYS(clone3), 0, {{0}}, SCMP_ACT_ERRNO(ENOSYS)},
    /* The new thread registers its robust futex list and its rseq area (glibc >= 2.35). */
    ANY(set_robust_list),
    ANY(rseq),
    /* Mutexes and condition variables of the worker hand-over and the soft vCPU; pthread_join. */
    ANY(futex),
    /* The worker and its submitter poll briefly before they sleep. */
    ANY(sched_yield),
    /* A thread ends. */
    ANY(exit),
    /* A new thread narrows itself to its own allowlist (sandbox_confine_thread): */
    /* libseccomp sets no_new_privs again, then loads a filter, which can only forbid more. */
    IF1(prctl, ARG32_EQ(0, PR_SET_NO_NEW_PRIVS)),
    ANY(seccomp),
    /* ...after naming itself (ps, top, /proc/PID/task/TID/comm): the console reader, the RTC. */
    IF1(prctl, ARG32_EQ(0, PR_SET_NAME)),

    /* --- memory --- */
    /* malloc/free (stats tables, stdio buffers, thread stacks), never executable memory. */
    IF1(mmap, ARG_BITS_CLEAR(2, PROT_EXEC)),
    IF1(mprotect, ARG_BITS_CLEAR(2, PROT_EXEC)),
    /* free(); teardown unmaps guest RAM and the vCPU's kvm_run. */
    ANY(munmap),
    /* malloc's heap. */
    ANY(brk),
    /* realloc of large blocks. */
    ANY(mremap),
    /* free() trimming; an ending thread releasing its stack. */
    ANY(madvise),

    /* --- time and signals (vm.c, vcpu/run_loop.c) --- */
    /* clock_gettime and gettimeofday when the vDSO cannot answer (e.g. no TSC clocksource). */
    ANY(clock_gettime),
    ANY(gettimeofday),
    /* Back from the stop-signal handlers (SIGINT, SIGTERM, SIGHUP, SIGALRM of --timeout). */
    ANY(rt_sigreturn),
    /* A blocking call interrupted by one of them resumes. */
    ANY(restart_syscall),
    /* The --timeout timer is cancelled when the VM stops. */
    ANY(setitimer),
    /* The first pthread_create installs glibc's SIGSETXID handler (__SIGRTMIN + 1). */
    IF1(rt_sigaction, ARG32_EQ(0, __SIGRTMIN + 1)),
    /* rt_sigaction: vm.c allows it for each signal it handles (sandbox_allow_arg0), never */
    /* for SIGSYS: the handler that reports a violation stays, and changing it ends the process. */
    {SCMP_SYS(rt_sigaction), 1, {ARG32_EQ(0, SIGSYS)}, SCMP_ACT_KILL_PROCESS},
    /* Thread start and end, raise(). */
    ANY(rt_sigprocmask),
    /* raise() in on_fatal_signal(): a crash of minivmm dies of its own signal (tgkill is */
    /* restricted to this process by sandbox_init). */
    ANY(getpid),
    ANY(gettid),

    /* --- files already open --- */
    /* stdio sizing the buffer of stdout, stderr or the --stats file: fstat(fd), no path. */
    IF1(newfstatat, ARG_BITS_SET(3, AT_EMPTY_PATH)),
    ANY(fstat),
    /* Teardown: disk images (dropping their locks), provider fds, the --stats file. */
    ANY(close),
    /* The end of the process. */
    ANY(exit_group),
};
const size_t sandbox_nr_vcpu_rules = sizeof(sandbox_vcpu_rules) / sizeof(sandbox_vcpu_rules[0]);

const struct sandbox_rule sandbox_blk_worker_rules[] = {
    /* Its half of a big merged read (or a write run). */
    ANY(preadv),
    ANY(pwritev),
    /* The job hand-over: mutex, condition variable. */
    ANY(futex),
    /* Polling for the next job before it sleeps, and the clock of that poll (vDSO fallback). */
    ANY(sched_yield),
    ANY(clock_gettime),
    ANY(gettimeofday),
    /* A blocking futex wait interrupted (the worker blocks every signal, but ptrace may stop it).
     */
    ANY(restart_syscall),
    /* The thread's end at teardown: glibc blocks signals and releases the stack. */
    ANY(rt_sigprocmask),
    ANY(madvise),
    ANY(exit),
    /* The SIGSYS handler, if the worker ever trips: the message, and the terminal given back. */
    IF1(write, ARG32_EQ(0, STDERR_FILENO)),
    IF2(ioctl, ARG32_EQ(0, STDIN_FILENO), ARG32_EQ(1, TCGETS)),
    IF2(ioctl, ARG32_EQ(0, STDIN_FILENO), ARG32_EQ(1, TCSETSF)),
};
const size_t sandbox_nr_blk_worker_rules =
    sizeof(sandbox_blk_worker_rules) / sizeof(sandbox_blk_worker_rules[0]);

/*
 * Both device threads below: glibc's end of a thread, and the SIGSYS
 * handler's own calls if the thread ever trips (the message, the terminal
 * given back; resetting SIGSYS is the vCPU list's KILL_PROCESS rule, which
 * wins over this list's default).
 */
#define THREAD_END_AND_REPORT                                                                      \
	ANY(rt_sigprocmask), ANY(madvise), ANY(exit), IF1(write, ARG32_EQ(0, STDERR_FILENO)),      \
	    IF2(ioctl, ARG32_EQ(0, STDIN_FILENO), ARG32_EQ(1, TCGETS)),                            \
	    IF2(ioctl, ARG32_EQ(0, STDIN_FILENO), ARG32_EQ(1, TCSETSF))

/*
 * The serial console's reader (devices/uart_console.c: reader_main). At
 * run time: read() and write() on its eventfd (uart_console_sandbox_allow) and
 * KVM_IRQ_LINE on the VM fd (vm.c), the IRQ 4 its input raises.
 */
const struct sandbox_rule sandbox_console_reader_rules[] = {
    /* Waiting for stdin or a wake-up (more room, quit), with the partial-line flush timeout. */
    ANY(poll),
    /* poll() as glibc builds it where poll(2) does not exist. */
    ANY(ppoll),
    /* read_stdin(): the host's input for COM1. */
    IF1(read, ARG32_EQ(0, STDIN_FILENO)),
    /* uart_console_flush(): a partial line that waited UART_CONSOLE_FLUSH_MS goes to stdout. */
    IF1(write, ARG32_EQ(0, STDOUT_FILENO)),
    /* The console's and the UART's locks; the soft irqchip's lock, and its wake-up of a */
    /* vCPU halted in HLT when the input raises IRQ 4 (irqchip_wake: FUTEX_WAKE). */
    ANY(futex),
    /* poll() resumed after a stop (ptrace): every signal is blocked on this thread. */
    ANY(restart_syscall),
    /* The end at uart_console_restore(), and the SIGSYS report. */
    THREAD_END_AND_REPORT,
};
const size_t sandbox_nr_console_reader_rules =
    sizeof(sandbox_console_reader_rules) / sizeof(sandbox_console_reader_rules[0]);

/*
 * The RTC's timer thread (devices/rtc_timer.c, rtc.c: rtc_timer_run). At
 * run time: KVM_IRQ_LINE on the VM fd (vm.c), the IRQ 8 it raises.
 */
const struct sandbox_rule sandbox_rtc_timer_rules[] = {
    /* The RTC's lock; sleeping on its condition variable until the next deadline */
    /* (pthread_cond_timedwait on CLOCK_MONOTONIC: FUTEX_WAIT_BITSET); the soft irqchip's */
    /* lock and its wake-up of a halted vCPU when IRQ 8 rises. */
    ANY(futex),
    /* advance(): the monotonic time and the wall clock, when the vDSO cannot answer. */
    ANY(clock_gettime),
    ANY(gettimeofday),
    /* A futex wait resumed after a stop (ptrace): every signal is blocked on this thread. */
    ANY(restart_syscall),
    /* The end at rtc_destroy(), and the SIGSYS report. */
    THREAD_END_AND_REPORT,
};
const size_t sandbox_nr_rtc_timer_rules =
    sizeof(sandbox_rtc_timer_rules) / sizeof(sandbox_rtc_timer_rules[0]);
