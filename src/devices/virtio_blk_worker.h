/* SPDX-License-Identifier: MIT */
/*
 * A second thread for virtio-blk's large transfers. At 128 KiB requests
 * the cost is the host kernel copying between page cache and guest RAM;
 * splitting a kick's merged run in two lets both host CPUs copy. The vCPU
 * thread hands the worker one preadv/pwritev (iovecs it already checked
 * with guest_mem_ptr()), does its own half, and waits for the worker
 * before it writes any status byte or used-ring entry: the worker never
 * reads the rings or descriptors and never outlives the request.
 */
#ifndef MINIVMM_VIRTIO_BLK_WORKER_H
#define MINIVMM_VIRTIO_BLK_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Move len bytes at file offset off between fd and the iovecs (which it
 * advances); partial transfers are continued. Returns 0, or -1 on an
 * error or a short file.
 */
int blk_xfer_fd(int fd, struct iovec *iov, unsigned cnt, uint64_t off, uint64_t len, bool write);

/* Job states; a posted job is claimed by exactly one thread (compare-and-swap). */
enum blk_job_state {
	BLK_JOB_IDLE,	 /* nothing handed over */
	BLK_JOB_POSTED,	 /* handed over, not started */
	BLK_JOB_RUNNING, /* the worker took it */
	BLK_JOB_DONE,	 /* the worker finished it; rc valid */
};

struct blk_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running; /* thread created */
	bool quit;
	bool sleeping; /* worker blocked on cond (not polling state) */
	bool waiting;  /* submitter blocked on cond */
	int state;     /* enum blk_job_state, accessed atomically */
	/* The job (written by the submitter while IDLE, read by whoever claims it). */
	int fd;
	struct iovec *iov;
	unsigned cnt;
	uint64_t off, len;
	bool write;
	int rc; /* blk_xfer_fd's result when DONE */
};

/* Start the thread. Returns 0 or -errno (then only blk_worker_stop is allowed). */
int blk_worker_start(struct blk_worker *w);

/* Hand over one transfer (the worker must be idle: every submit is followed by a wait). */
void blk_worker_submit(struct blk_worker *w, int fd, struct iovec *iov, unsigned cnt,
		       uint64_t off, uint64_t len, bool write);

/*
 * Finish the submitted transfer: if the worker has not started it yet (its
 * CPU is busy, or it is asleep), take it back and do it here; else wait for
 * the worker. Returns its result (0 or -1); the worker is idle afterwards.
 */
int blk_worker_wait(struct blk_worker *w);

/* Stop and join the thread if it runs. */
void blk_worker_stop(struct blk_worker *w);

#endif
