// SPDX-License-Identifier: MIT
/*
 * The RTC's timer thread: raises IRQ 8 on time while the guest has a
 * periodic, alarm or update-ended interrupt enabled. It starts the first
 * time one is enabled (most guests never do), sleeps on a condition
 * variable (CLOCK_MONOTONIC) until the next deadline or until registers
 * A-C change, and has every signal blocked: the VMM's stop signals are
 * for the vCPU thread. It runs under its own narrow seccomp list
 * (SANDBOX_ROLE_RTC_TIMER, src/sandbox/sandbox_rules.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "devices/rtc.h"
#include "sandbox/sandbox.h"

static void *rtc_thread(void *opaque)
{
	int err;

	/*
	 * Started by the guest, so under the sandbox: keep only what the timer
	 * needs. If that fails the thread ends and the flags still work when
	 * the guest reads them; only the interrupt is late (as without a thread).
	 */
	pthread_setname_np(pthread_self(), "minivmm-rtc");
	err = sandbox_confine_thread(SANDBOX_ROLE_RTC_TIMER);
	if (err) {
		fprintf(stderr, "minivmm: rtc: the timer thread cannot narrow its sandbox (%s)\n",
			strerror(-err));
		return NULL;
	}
	rtc_timer_run(opaque);
	return NULL;
}

static int start(struct rtc *rtc)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&rtc->thread, NULL, rtc_thread, rtc);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void rtc_wake_thread(struct rtc *rtc)
{
	int rc;

	if (!rtc->use_thread)
		return;
	if (rtc->thread_running) {
		pthread_cond_signal(&rtc->wake);
		return;
	}
	if (!rtc_next_deadline(rtc))
		return;
	rc = start(rtc);
	if (rc) {
		/* The flags still work when the guest reads them; only the interrupt is late. */
		fprintf(stderr, "minivmm: rtc: cannot start the timer thread: %s\n", strerror(rc));
		rtc->use_thread = false;
		return;
	}
	rtc->thread_running = true;
}

void rtc_destroy(struct rtc *rtc)
{
	pthread_mutex_lock(&rtc->lock);
	rtc->quit = true;
	if (rtc->thread_running)
		pthread_cond_signal(&rtc->wake);
	pthread_mutex_unlock(&rtc->lock);
	if (rtc->thread_running)
		pthread_join(rtc->thread, NULL);
	rtc->thread_running = false;
	if (rtc->cond_ready)
		pthread_cond_destroy(&rtc->wake);
	rtc->cond_ready = false;
}
