// SPDX-License-Identifier: MIT
/*
 * MC146818A RTC and CMOS RAM, after the Motorola datasheet, with QEMU's
 * choices (hw/rtc/mc146818rtc.c) where it leaves room: reading the index
 * port gives 0xff, IRQF follows the flags and enables at once when
 * register B changes, and the divider bits of register A are kept but
 * only "010" (32.768 kHz, running) produces periodic and update flags.
 *
 * No state advances on its own: the flags are brought up to the clock's
 * present on every access and by rtc_poll(), which the timer thread calls
 * at the next deadline while an interrupt is enabled. The update cycle
 * takes no time here; UIP reads 1 during the last 244 us before each
 * second (the datasheet's tBUC), so a guest that waits for UIP to fall
 * before reading the time sees a consistent second.
 */
#include "devices/rtc.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "devices/rtc_calendar.h"

#define NS_PER_S 1000000000ULL
#define RTC_HZ 32768U
#define RTC_UIP_NS 244000ULL
#define RTC_KIB 1024ULL
#define RTC_64K (64ULL << 10)
#define RTC_16M (16ULL << 20)

static uint64_t host_monotonic_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static int64_t host_wall_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * (int64_t)NS_PER_S + ts.tv_nsec;
}

static void put16(uint8_t *cmos, unsigned lo, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	cmos[lo] = (uint8_t)v;
	cmos[lo + 1] = (uint8_t)(v >> 8);
}

/* The memory-size bytes as a PC BIOS leaves them (QEMU's pc_cmos_init()). */
static void init_memory_bytes(uint8_t *cmos, uint64_t below_4g, uint64_t above_4g)
{
	uint64_t ext = below_4g > (1ULL << 20) ? (below_4g - (1ULL << 20)) / RTC_KIB : 0;
	uint64_t high = above_4g / RTC_64K;

	put16(cmos, CMOS_BASE_MEM_LO, 640);
	put16(cmos, CMOS_EXT_MEM_LO, ext);
	put16(cmos, CMOS_EXT_MEM2_LO, ext);
	put16(cmos, CMOS_MEM_16M_LO, below_4g > RTC_16M ? (below_4g - RTC_16M) / RTC_64K : 0);
	cmos[CMOS_MEM_4G_LO] = (uint8_t)high;
	cmos[CMOS_MEM_4G_MID] = (uint8_t)(high >> 8);
	cmos[CMOS_MEM_4G_HI] = (uint8_t)(high >> 16);
}

void rtc_init(struct rtc *rtc, uint64_t ram_below_4g, uint64_t ram_above_4g,
	      const struct rtc_clock *clock)
{
	uint64_t mono;

	memset(rtc, 0, sizeof(*rtc));
	rtc->lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	rtc->use_thread = !clock;
	rtc->clock =
	    clock ? *clock
		  : (struct rtc_clock){.monotonic_ns = host_monotonic_ns, .wall_ns = host_wall_ns};
	if (rtc->use_thread) {
		pthread_condattr_t attr;

		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		rtc->cond_ready = pthread_cond_init(&rtc->wake, &attr) == 0;
		pthread_condattr_destroy(&attr);
		rtc->use_thread = rtc->cond_ready;
	}
	rtc->cmos[RTC_REG_A] = RTC_A_DV_32K | 0x06;
	rtc->cmos[RTC_REG_B] = RTC_B_24H;
	rtc->cmos[RTC_REG_D] = RTC_D_VRT;
	init_memory_bytes(rtc->cmos, ram_below_4g, ram_above_4g);
	mono = rtc->clock.monotonic_ns(rtc->clock.ctx);
	rtc->wall_at_zero_ns = rtc->clock.wall_ns(rtc->clock.ctx) - (int64_t)mono;
	rtc->last_ns = mono;
	rtc_calendar_store(rtc->cmos, (rtc->wall_at_zero_ns + (int64_t)mono) / (int64_t)NS_PER_S);
}

static bool running(const struct rtc *rtc)
{
	return (rtc->cmos[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_32K;
}

static bool updating(const struct rtc *rtc)
{
	return running(rtc) && !(rtc->cmos[RTC_REG_B] & RTC_B_SET);
}

/* 32.768 kHz periods between periodic flags for rate select rs (datasheet table 5). */
static uint64_t periodic_ticks(unsigned rs)
{
	if (rs == 0)
		return 0;
	if (rs < 3)
		rs += 7; /* 1 and 2 repeat rates 8 and 9 with this time base */
	return 1ULL << (rs - 1);
}

static uint64_t ns_to_ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * RTC_HZ / NS_PER_S);
}

static uint64_t ticks_to_ns_ceil(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * NS_PER_S + RTC_HZ - 1) / RTC_HZ);
}

/* Whole seconds of RTC time (UTC) at monotonic time mono. */
static int64_t rtc_second(const struct rtc *rtc, uint64_t mono)
{
	int64_t t = rtc->wall_at_zero_ns + (int64_t)mono;

	return t >= 0 ? t / (int64_t)NS_PER_S : (t - (int64_t)NS_PER_S + 1) / (int64_t)NS_PER_S;
}

/* IRQF and the line: (PF & PIE) | (AF & AIE) | (UF & UIE); the bits line up in B and C. */
static void update_irq(struct rtc *rtc)
{
	bool level;

	if (rtc->flags & rtc->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF))
		rtc->flags |= RTC_C_IRQF;
	else
		rtc->flags &= ~RTC_C_IRQF;
	level = rtc->flags & RTC_C_IRQF;
	if (level == rtc->irq_level)
		return;
	rtc->irq_level = level;
	if (level)
		rtc->interrupts++;
	irq_line_set(&rtc->irq, level);
}

/* Set PF, UF and AF for what happened between the last look and now. */
static void advance(struct rtc *rtc)
{
	uint64_t now = rtc->clock.monotonic_ns(rtc->clock.ctx);
	uint64_t p = periodic_ticks(rtc->cmos[RTC_REG_A] & RTC_A_RS_MASK);

	if (now <= rtc->last_ns)
		return;
	if (running(rtc) && p && ns_to_ticks(now) / p > ns_to_ticks(rtc->last_ns) / p)
		rtc->flags |= RTC_C_PF;
	if (updating(rtc) && rtc_second(rtc, now) > rtc_second(rtc, rtc->last_ns)) {
		rtc->flags |= RTC_C_UF;
		rtc_calendar_store(rtc->cmos, rtc_second(rtc, now));
		if (rtc_calendar_alarm_matches(rtc->cmos))
			rtc->flags |= RTC_C_AF;
	}
	rtc->last_ns = now;
}

static bool is_calendar(unsigned index)
{
	return index == RTC_SECONDS || index == RTC_MINUTES || index == RTC_HOURS ||
	       (index >= RTC_DAY_OF_WEEK && index <= RTC_YEAR) || index == CMOS_CENTURY;
}

static uint8_t read_data(struct rtc *rtc)
{
	unsigned i = rtc->index;
	uint64_t now = rtc->last_ns;
	uint8_t v;

	if (is_calendar(i) && updating(rtc))
		rtc_calendar_store(rtc->cmos, rtc_second(rtc, now));
	switch (i) {
	case RTC_REG_A:
		v = rtc->cmos[RTC_REG_A] & ~RTC_A_UIP;
		if (updating(rtc) && (uint64_t)((rtc->wall_at_zero_ns + (int64_t)now) %
						(int64_t)NS_PER_S) >= NS_PER_S - RTC_UIP_NS)
			v |= RTC_A_UIP;
		return v;
	case RTC_REG_C:
		/* Reading C acknowledges every flag and releases the line. */
		v = rtc->flags;
		rtc->flags = 0;
		return v;
	default:
		return rtc->cmos[i];
	}
}

/* The calendar bytes were written: they are the time from now on (keeping the fraction). */
static void take_calendar(struct rtc *rtc)
{
	int64_t now = rtc->wall_at_zero_ns + (int64_t)rtc->last_ns;
	int64_t frac = updating(rtc) ? now % (int64_t)NS_PER_S : 0;

	rtc->wall_at_zero_ns =
	    rtc_calendar_load(rtc->cmos) * (int64_t)NS_PER_S + frac - (int64_t)rtc->last_ns;
}

static void write_reg_b(struct rtc *rtc, uint8_t v)
{
	uint8_t old = rtc->cmos[RTC_REG_B];

	/* SET: freeze the time bytes for the guest to rewrite; on release they are the time. */
	if ((v & RTC_B_SET) && !(old & RTC_B_SET) && updating(rtc))
		rtc_calendar_store(rtc->cmos, rtc_second(rtc, rtc->last_ns));
	rtc->cmos[RTC_REG_B] = v;
	if (!(v & RTC_B_SET) && (old & RTC_B_SET))
		take_calendar(rtc);
}

static void write_data(struct rtc *rtc, uint8_t v)
{
	unsigned i = rtc->index;

	switch (i) {
	case RTC_REG_A:
		rtc->cmos[i] = (uint8_t)(v & ~RTC_A_UIP); /* UIP is read-only */
		return;
	case RTC_REG_B:
		write_reg_b(rtc, v);
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return; /* read-only */
	default:
		if (is_calendar(i) && updating(rtc)) {
			rtc_calendar_store(rtc->cmos, rtc_second(rtc, rtc->last_ns));
			rtc->cmos[i] = v;
			take_calendar(rtc);
			return;
		}
		rtc->cmos[i] = v;
	}
}

void rtc_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
	struct rtc *rtc = opaque;

	pthread_mutex_lock(&rtc->lock);
	advance(rtc);
	update_irq(rtc); /* IRQF with the flags just set, before register C is read */
	for (unsigned i = 0; i < size; i++) {
		if (offset + i == 0 && is_write) {
			rtc->index = data[i] & (RTC_CMOS_SIZE - 1);
			rtc->nmi_masked = data[i] & RTC_INDEX_NMI_MASK;
		} else if (offset + i == 0) {
			data[i] = 0xff; /* the index register is write-only */
		} else if (offset + i == 1 && is_write) {
			write_data(rtc, data[i]);
		} else if (offset + i == 1) {
			data[i] = read_data(rtc);
		} else if (!is_write) {
			data[i] = 0xff;
		}
	}
	update_irq(rtc);
	/* A, B or C changed what the timer thread waits for. */
	if (offset + size > 1 && rtc->index >= RTC_REG_A && rtc->index <= RTC_REG_C)
		rtc_wake_thread(rtc);
	pthread_mutex_unlock(&rtc->lock);
}

void rtc_poll(struct rtc *rtc)
{
	pthread_mutex_lock(&rtc->lock);
	advance(rtc);
	update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
}

void rtc_timer_run(struct rtc *rtc)
{
	pthread_mutex_lock(&rtc->lock);
	while (!rtc->quit) {
		uint64_t next;
		struct timespec ts;

		advance(rtc);
		update_irq(rtc);
		next = rtc_next_deadline(rtc);
		if (!next) {
			pthread_cond_wait(&rtc->wake, &rtc->lock);
			continue;
		}
		ts.tv_sec = (time_t)(next / NS_PER_S);
		ts.tv_nsec = (long)(next % NS_PER_S);
		pthread_cond_timedwait(&rtc->wake, &rtc->lock, &ts);
	}
	pthread_mutex_unlock(&rtc->lock);
}

void rtc_connect_irq(struct rtc *rtc, const struct irq_line *line)
{
	pthread_mutex_lock(&rtc->lock);
	rtc->irq = *line;
	irq_line_set(&rtc->irq, rtc->irq_level);
	pthread_mutex_unlock(&rtc->lock);
}

/*
 * Monotonic time of the next event the guest enabled an interrupt for, or
 * 0 for none (or the line is already up: nothing new until C is read).
 */
uint64_t rtc_next_deadline(const struct rtc *rtc)
{
	uint8_t b = rtc->cmos[RTC_REG_B];
	uint64_t p = periodic_ticks(rtc->cmos[RTC_REG_A] & RTC_A_RS_MASK), next = 0;

	if (rtc->irq_level || !running(rtc))
		return 0;
	if ((b & RTC_B_PIE) && p)
		next = ticks_to_ns_ceil((ns_to_ticks(rtc->last_ns) / p + 1) * p);
	if ((b & (RTC_B_UIE | RTC_B_AIE)) && updating(rtc)) {
		int64_t sec = (rtc_second(rtc, rtc->last_ns) + 1) * (int64_t)NS_PER_S;
		uint64_t at = (uint64_t)(sec - rtc->wall_at_zero_ns);

		if (!next || at < next)
			next = at;
	}
	return next;
}

int rtc_register(struct bus *bus, struct rtc *rtc)
{
	return bus_register(bus, BUS_PIO, RTC_PORT, RTC_NR_PORTS, "rtc", rtc_access, rtc);
}
