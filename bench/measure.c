// SPDX-License-Identifier: MIT
/*
 * measure CMD [ARGS...]: run CMD with stdin from /dev/null and print
 * "<exit status> <wall ns> <peak RSS KiB> <CPU ns>" on the fd named by
 * $MEASURE_FD (default stderr); CPU = user + system time of CMD and all
 * its threads (rusage of the reaped child).
 *
 * Why not Python's os.wait4: Linux carries the RSS high-water mark of the
 * address space a process had before execve() into its ru_maxrss, so a
 * child forked from a 15 MB interpreter reports at least 15 MB. This
 * launcher is small (static, no allocation), so the peak it passes on is
 * well below what any VMM uses; the wall time runs from fork to reaped exit.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_ns(const struct timeval *tv)
{
	return tv->tv_sec * 1000000000LL + tv->tv_usec * 1000LL;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	long long t0, t1;
	const char *fd_env = getenv("MEASURE_FD");
	int status, out_fd = fd_env ? atoi(fd_env) : 2;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: measure CMD [ARGS...]\n");
		return 2;
	}
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		if (out_fd > 2)
			close(out_fd);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return 2;
	t1 = now_ns();
	dprintf(out_fd, "%d %lld %ld %lld\n",
		WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), t1 - t0,
		ru.ru_maxrss, tv_ns(&ru.ru_utime) + tv_ns(&ru.ru_stime));
	return 0;
}
