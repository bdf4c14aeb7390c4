/* SPDX-License-Identifier: MIT */
/*
 * The PC's CMOS real-time clock, a Motorola MC146818A at ports 0x70
 * (index, bit 7 = NMI mask) and 0x71 (data), on IRQ 8. Registers 0-9 are
 * the time of day and the alarm, A-D the control registers, 0x0e-0x7f
 * battery-backed RAM (the bytes firmware and Linux read: memory sizes,
 * century). The time of day follows a host clock (UTC) plus whatever
 * offset the guest sets; the periodic, alarm and update-ended interrupts
 * are computed from that clock when the guest looks and, while one is
 * enabled, by a timer thread that raises the line on time.
 */
#ifndef MINIVMM_RTC_H
#define MINIVMM_RTC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/irq.h"

#define RTC_PORT 0x70
#define RTC_NR_PORTS 2
#define RTC_IRQ 8
#define RTC_CMOS_SIZE 128

/* Register indexes (MC146818A datasheet, figure 3; CMOS bytes as QEMU/SeaBIOS use them). */
enum {
	RTC_SECONDS = 0x00,
	RTC_SECONDS_ALARM = 0x01,
	RTC_MINUTES = 0x02,
	RTC_MINUTES_ALARM = 0x03,
	RTC_HOURS = 0x04,
	RTC_HOURS_ALARM = 0x05,
	RTC_DAY_OF_WEEK = 0x06,
	RTC_DAY_OF_MONTH = 0x07,
	RTC_MONTH = 0x08,
	RTC_YEAR = 0x09,
	RTC_REG_A = 0x0a,
	RTC_REG_B = 0x0b,
	RTC_REG_C = 0x0c,
	RTC_REG_D = 0x0d,
	CMOS_BASE_MEM_LO = 0x15, /* KiB below 1 MiB */
	CMOS_BASE_MEM_HI = 0x16,
	CMOS_EXT_MEM_LO = 0x17, /* KiB from 1 MiB, at most 0xffff */
	CMOS_EXT_MEM_HI = 0x18,
	CMOS_EXT_MEM2_LO = 0x30, /* the same, as POST reports it */
	CMOS_EXT_MEM2_HI = 0x31,
	CMOS_CENTURY = 0x32,	/* the FADT's century register */
	CMOS_MEM_16M_LO = 0x34, /* 64 KiB units from 16 MiB up to the PCI hole */
	CMOS_MEM_16M_HI = 0x35,
	CMOS_MEM_4G_LO = 0x5b, /* 64 KiB units above 4 GiB (QEMU, SeaBIOS), 3 bytes */
	CMOS_MEM_4G_MID = 0x5c,
	CMOS_MEM_4G_HI = 0x5d,
};

#define RTC_A_UIP 0x80	     /* update in progress */
#define RTC_A_DV_MASK 0x70   /* oscillator divider */
#define RTC_A_DV_32K 0x20    /* 32.768 kHz time base, running */
#define RTC_A_RS_MASK 0x0f   /* periodic rate select */
#define RTC_B_SET 0x80	     /* updates inhibited while the guest sets the time */
#define RTC_B_PIE 0x40	     /* periodic interrupt enable */
#define RTC_B_AIE 0x20	     /* alarm interrupt enable */
#define RTC_B_UIE 0x10	     /* update-ended interrupt enable */
#define RTC_B_SQWE 0x08	     /* square wave (no pin here) */
#define RTC_B_DM_BINARY 0x04 /* data mode: binary, else BCD */
#define RTC_B_24H 0x02	     /* 24-hour mode, else 12-hour with bit 7 = PM */
#define RTC_B_DSE 0x01	     /* daylight saving (ignored, as by QEMU) */
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
#define RTC_D_VRT 0x80 /* valid RAM and time */
#define RTC_INDEX_NMI_MASK 0x80
#define RTC_ALARM_DONT_CARE 0xc0 /* an alarm byte >= 0xc0 matches any value */

/* Where time comes from; tests inject their own. Both in nanoseconds. */
struct rtc_clock {
	uint64_t (*monotonic_ns)(void *ctx); /* never goes back */
	int64_t (*wall_ns)(void *ctx);	     /* UTC since the epoch; read once at init */
	void *ctx;
};

struct rtc {
	pthread_mutex_t lock;
	uint8_t index;		     /* last index written to port 0x70, bit 7 cleared */
	bool nmi_masked;	     /* bit 7 of that write: recorded, reported by --verbose only */
	uint8_t cmos[RTC_CMOS_SIZE]; /* RAM bytes and registers A, B, D, alarms */
	uint8_t flags;		     /* register C */
	struct rtc_clock clock;
	int64_t wall_at_zero_ns; /* RTC time (UTC, ns since the epoch) at monotonic 0 */
	uint64_t last_ns;	 /* monotonic time the flags were brought up to */
	struct irq_line irq;
	bool irq_level;
	/* The timer thread, started when the guest first enables an interrupt. */
	pthread_t thread;
	pthread_cond_t wake;
	bool thread_running, quit;
	bool cond_ready;     /* wake was initialised (CLOCK_MONOTONIC) */
	bool use_thread;     /* false in unit tests: time advances only when the test says so */
	uint64_t interrupts; /* times IRQF was raised */
};

/*
 * Reset state: registers A = 0x26 (32.768 kHz, 1024 Hz periodic rate),
 * B = 0x02 (24-hour BCD, no interrupts), D = VRT; the RAM bytes for
 * ram_below_4g / ram_above_4g bytes of RAM. clock NULL: the host's
 * CLOCK_MONOTONIC and CLOCK_REALTIME, with the timer thread.
 */
void rtc_init(struct rtc *rtc, uint64_t ram_below_4g, uint64_t ram_above_4g,
	      const struct rtc_clock *clock);
/* Stop the timer thread, if it runs. */
void rtc_destroy(struct rtc *rtc);

/* Drive `line` (IRQ 8) from register C's IRQF. */
void rtc_connect_irq(struct rtc *rtc, const struct irq_line *line);

/* The bus callback for ports 0x70-0x71. */
void rtc_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* Bring the flags up to the clock's present and drive the line (what the timer thread calls). */
void rtc_poll(struct rtc *rtc);

int rtc_register(struct bus *bus, struct rtc *rtc);

/* ---- between rtc.c and its timer thread (rtc_timer.c); lock held ---- */

/* Monotonic ns of the next enabled event, 0 if there is none to wait for. */
uint64_t rtc_next_deadline(const struct rtc *rtc);
/* Register A, B or C changed: start the thread if an interrupt is enabled, else re-plan. */
void rtc_wake_thread(struct rtc *rtc);
/* The thread's loop: poll, sleep until the next deadline or a wake-up. */
void rtc_timer_run(struct rtc *rtc);

#endif
