// SPDX-License-Identifier: MIT
/* virtio-blk's second copying thread: one job at a time, handed over under a mutex. */
#include "devices/virtio_blk_worker.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

int blk_xfer_fd(int fd, struct iovec *iov, unsigned cnt, uint64_t off, uint64_t len, bool write)
{
	while (len) {
		ssize_t n = write ? pwritev(fd, iov, (int)cnt, (off_t)off)
				  : preadv(fd, iov, (int)cnt, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1; /* error, or a short file: the image shrank under us */
		off += (uint64_t)n;
		len -= (uint64_t)n;
		while (cnt && (uint64_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* How long an idle worker polls for the next job before it sleeps (ns). */
#define WORKER_SPIN_NS 50000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Poll the job state until it is want, for up to spin_ns: waking a
 * sleeping thread on the other CPU costs more than a typical kick's copy
 * on a virtual machine. Returns whether it became want.
 */
static bool spin_for(const int *state, int want, uint64_t spin_ns)
{
	uint64_t start = now_ns();
	unsigned i = 0;

	while (__atomic_load_n(state, __ATOMIC_ACQUIRE) != want) {
		/*
		 * Yield rather than pause: when both threads share one CPU (the
		 * other one busy), the thread we wait for gets to run at once.
		 */
		sched_yield();
		if (++i % 16 == 0 && now_ns() - start > spin_ns)
			return false;
	}
	return true;
}

static bool claim(struct blk_worker *w, int to)
{
	int posted = BLK_JOB_POSTED;

	return __atomic_compare_exchange_n(&w->state, &posted, to, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

static void *worker_main(void *arg)
{
	struct blk_worker *w = arg;

	/*
	 * Started under the sandbox (on the first big read): keep only what
	 * copying needs. If that fails the thread ends; every job posted to it
	 * is then taken back and done by the submitter (blk_worker_wait).
	 */
	if (sandbox_confine_thread(SANDBOX_ROLE_BLK_WORKER) != 0)
		return NULL;
	for (;;) {
		if (!spin_for(&w->state, BLK_JOB_POSTED, WORKER_SPIN_NS)) {
			pthread_mutex_lock(&w->lock);
			__atomic_store_n(&w->sleeping, true, __ATOMIC_SEQ_CST);
			while (__atomic_load_n(&w->state, __ATOMIC_SEQ_CST) != BLK_JOB_POSTED &&
			       !w->quit)
				pthread_cond_wait(&w->cond, &w->lock);
			__atomic_store_n(&w->sleeping, false, __ATOMIC_RELAXED);
			pthread_mutex_unlock(&w->lock);
		}
		if (__atomic_load_n(&w->quit, __ATOMIC_ACQUIRE))
			break;
		if (!claim(w, BLK_JOB_RUNNING))
			continue; /* the submitter took it back */
		/* The job's fields are stable while RUNNING: only the submitter sets them. */
		w->rc = blk_xfer_fd(w->fd, w->iov, w->cnt, w->off, w->len, w->write);
		pthread_mutex_lock(&w->lock);
		__atomic_store_n(&w->state, BLK_JOB_DONE, __ATOMIC_RELEASE);
		if (w->waiting)
			pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

int blk_worker_start(struct blk_worker *w)
{
	int rc;

	sigset_t all, old;

	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	/*
	 * The worker starts with every signal blocked: the VMM's stop signals
	 * (SIGINT, SIGALRM of --timeout, ...) must reach the vCPU thread, whose
	 * KVM_RUN they interrupt, never this one.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	w->running = true;
	return 0;
}

void blk_worker_submit(struct blk_worker *w, int fd, struct iovec *iov, unsigned cnt,
		       uint64_t off, uint64_t len, bool write)
{
	w->fd = fd;
	w->iov = iov;
	w->cnt = cnt;
	w->off = off;
	w->len = len;
	w->write = write;
	/* Publish the job, then wake the worker if it went to sleep (Dekker with worker_main). */
	__atomic_store_n(&w->state, BLK_JOB_POSTED, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&w->sleeping, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&w->lock);
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
}

int blk_worker_wait(struct blk_worker *w)
{
	int rc;

	if (claim(w, BLK_JOB_IDLE))
		return blk_xfer_fd(w->fd, w->iov, w->cnt, w->off, w->len, w->write);
	if (!spin_for(&w->state, BLK_JOB_DONE, WORKER_SPIN_NS)) {
		pthread_mutex_lock(&w->lock);
		w->waiting = true;
		while (__atomic_load_n(&w->state, __ATOMIC_ACQUIRE) != BLK_JOB_DONE)
			pthread_cond_wait(&w->cond, &w->lock);
		w->waiting = false;
		pthread_mutex_unlock(&w->lock);
	}
	rc = w->rc;
	__atomic_store_n(&w->state, BLK_JOB_IDLE, __ATOMIC_RELAXED);
	return rc;
}

void blk_worker_stop(struct blk_worker *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->lock);
	__atomic_store_n(&w->quit, true, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->running = false;
}
