// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the legacy platform devices as the VMM wires them
 * (src/vm.c: the CMOS RTC, isa-debug-exit, the i8042, port 0x80 and the
 * ACPI PM1a event/control blocks and reset register), fed port accesses
 * of every size through bus_dispatch(), as the run loop hands them over,
 * with the RTC's clock under the input's control (it jumps by up to 2^45
 * ns) and the timer thread's rtc_poll().
 *
 * Input: a stream of operations (one byte each, then its operands):
 *   0 write: port selector, size selector, data   1 read: port, size
 *   2 the clock advances                         3 rtc_poll(), as the timer thread
 *   4 read and check the calendar                5 string write (rep outsb: count)
 * The first bytes choose RAM below and above 4 GiB and the RTC's UTC start.
 *
 * Oracles besides ASan/UBSan, from the datasheets and specs (a model kept
 * here, never the device's state):
 *  - MC146818A: CMOS RAM (0x0e-0x7f) and the alarm bytes read back what was
 *    written; the index is the written byte's low 7 bits (bit 7 is the NMI
 *    mask); register B reads back, A's bits 0-6 read back, UIP is 0 while
 *    updates are inhibited (SET, or the divider not at 32.768 kHz), and
 *    while the model knows the time, 1 exactly in the last 244 us of a
 *    second; register D reads 0x80 (VRT), C's bits 0-3 read 0, IRQF =
 *    (PF.PIE)+(AF.AIE)+(UF.UIE), reading C clears it and drops IRQ 8; PF is
 *    set after a periodic interval of table 5 has passed, UF after a
 *    second of running updates (AF too with all alarm bytes "don't care");
 *    the calendar bytes, while updating, hold a valid date and time in the
 *    selected format (BCD digits, 12/24 hour, day of week from the date)
 *    and, until the guest sets the time, the start time plus the clock;
 *    the IRQ line is driven only on a change; a timer deadline lies in
 *    (now, now + 1 s] and exists whenever an enabled interrupt can come.
 *  - The CMOS memory-size bytes at reset are those of a PC BIOS (base 640
 *    KiB, extended KiB from 1 MiB capped at 0xffff, 64 KiB units from
 *    16 MiB and above 4 GiB).
 *  - i8042: status reads OBF = IBF = 0, SYS = 1; command 0xf0-0xff with bit
 *    0 clear pulses the reset line (8042 "pulse output port"): a stop with
 *    BUS_STOP_GUEST_RESET, status 0.
 *  - ACPI 6.x 4.8.3: PM1_STS reads 0 (no fixed event here), PM1_EN reads
 *    back, PM1_CNT reads back with SCI_EN set and SLP_EN (write-only) 0;
 *    SLP_TYP 5 with SLP_EN stops the VM (poweroff, status 0); the FADT's
 *    RESET_VALUE 6 at 0xcf9 resets it. isa-debug-exit: a write of v stops
 *    with status v & 0xff. Nothing else stops the VM; an unclaimed port
 *    reads all ones and is counted.
 */
#include <stdlib.h>
#include <time.h>

#include "devices/acpi_pm.h"
#include "devices/bus.h"
#include "devices/devices.h"
#include "devices/rtc.h"
#include "fuzz_input.h"

#define NS 1000000000ULL
#define TICK_NS 30518ULL /* one 32.768 kHz period, rounded up */
#define UIP_NS 244000ULL /* the datasheet's tBUC */
#define MAX_START_YEAR_S 4102444800LL /* 2100-01-01 */
#define MAX_STEP_SHIFT 13	      /* clock steps up to 2^32 << 13 ns */

void __sanitizer_report_error_summary(const char *error_summary);

struct model {
	struct bus bus;
	struct rtc rtc;
	struct acpi_pm pm;
	uint64_t mono;	  /* the RTC's monotonic clock */
	int64_t wall0;	  /* its UTC (ns) at mono0, read once by rtc_init */
	uint64_t mono0;
	bool time_known;  /* the guest has not set the time */
	int line;	  /* IRQ 8 as last driven, -1 never */
	uint8_t index;	  /* port 0x70 */
	uint8_t cmos[128];
	bool cmos_known[128];
	uint64_t pf_since, uf_since, af_since; /* since when PF / UF / AF must come (check_c) */
	uint16_t pm1_en, pm1_cnt;
	/* the stop the last access must have asked for */
	bool want_stop;
	enum bus_stop_kind want_kind;
	int want_status;
};

static void fail(const char *what)
{
	__sanitizer_report_error_summary(what);
	abort();
}

static uint64_t clock_mono(void *ctx)
{
	return ((struct model *)ctx)->mono;
}

static int64_t clock_wall(void *ctx)
{
	return ((struct model *)ctx)->wall0;
}

static void line_set(void *ctx, unsigned gsi, int level)
{
	struct model *m = ctx;

	if (gsi != RTC_IRQ || level == m->line)
		fail("fuzz_platform: IRQ 8 driven to the level it had, or the wrong line");
	m->line = level;
}

static bool rtc_running(const struct model *m)
{
	return (m->cmos[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_32K;
}

static bool rtc_updating(const struct model *m)
{
	return rtc_running(m) && !(m->cmos[RTC_REG_B] & RTC_B_SET);
}

/* The periodic interrupt's period, ns (MC146818A table 5, 32.768 kHz time base). */
static uint64_t period_ns(unsigned rs)
{
	static const uint64_t us1000[16] = {
	    0,	       3906250,	 7812500,   122070,    244141,	  488281,    976562,	1953125,
	    3906250, 7812500, 15625000, 31250000, 62500000, 125000000, 250000000, 500000000,
	};

	return us1000[rs & 15];
}

/* ---- the RTC model ---- */

static bool is_calendar(unsigned i)
{
	return i == RTC_SECONDS || i == RTC_MINUTES || i == RTC_HOURS ||
	       (i >= RTC_DAY_OF_WEEK && i <= RTC_YEAR) || i == CMOS_CENTURY;
}

/* The RTC's UTC now, in ns, while the model knows it. */
static int64_t model_now(const struct model *m)
{
	return m->wall0 + (int64_t)(m->mono - m->mono0);
}

/* A byte the guest writes to port 0x71. */
static void model_rtc_write(struct model *m, uint8_t v)
{
	unsigned i = m->index;

	if (i == RTC_REG_A) {
		m->cmos[i] = v & 0x7f; /* UIP is read-only */
		m->pf_since = m->uf_since = m->af_since = m->mono;
	} else if (i == RTC_REG_B) {
		if ((v ^ m->cmos[i]) & RTC_B_SET)
			m->time_known = false;
		m->cmos[i] = v;
		m->uf_since = m->af_since = m->mono;
	} else if (i == RTC_REG_C || i == RTC_REG_D) {
		/* read-only */
	} else if (is_calendar(i)) {
		m->time_known = false;
		m->uf_since = m->af_since = m->mono;
	} else {
		m->cmos[i] = v;
		m->cmos_known[i] = true;
		if (i < RTC_REG_A) /* an alarm byte: AF only for updates after it */
			m->af_since = m->mono;
	}
}

/* Register C as read: the flags from the datasheet and the time passed. */
static void check_c(struct model *m, uint8_t c)
{
	unsigned rs = m->cmos[RTC_REG_A] & RTC_A_RS_MASK;
	bool uf = rtc_updating(m) && m->mono - m->uf_since >= NS;
	bool af = rtc_updating(m) && m->mono - m->af_since >= NS;
	bool any_alarm = m->cmos_known[1] && m->cmos_known[3] && m->cmos_known[5] &&
			 m->cmos[1] >= 0xc0 && m->cmos[3] >= 0xc0 && m->cmos[5] >= 0xc0;

	if (c & 0x0f)
		fail("fuzz_platform: RTC register C bits 0-3 not 0");
	if (!(c & 0x80) != !(c & m->cmos[RTC_REG_B] & 0x70))
		fail("fuzz_platform: RTC IRQF is not (PF.PIE)+(AF.AIE)+(UF.UIE)");
	if (rtc_running(m) && rs && m->mono - m->pf_since >= period_ns(rs) + TICK_NS &&
	    !(c & RTC_C_PF))
		fail("fuzz_platform: RTC periodic interval passed without PF");
	if (uf && !(c & RTC_C_UF))
		fail("fuzz_platform: RTC second passed while updating without UF");
	if (af && any_alarm && !(c & RTC_C_AF))
		fail("fuzz_platform: RTC update with all alarm bytes 'don't care' without AF");
	m->pf_since = m->uf_since = m->af_since = m->mono;
}

/* A byte read from port 0x71. */
static void model_rtc_read(struct model *m, uint8_t v)
{
	unsigned i = m->index;

	if (i == RTC_REG_A) {
		uint64_t frac = (uint64_t)(model_now(m) % (int64_t)NS);
		bool uip = rtc_updating(m) && m->time_known && frac >= NS - UIP_NS;

		if ((v & 0x7f) != m->cmos[i])
			fail("fuzz_platform: RTC register A does not read back");
		if ((v & RTC_A_UIP) && !rtc_updating(m))
			fail("fuzz_platform: RTC UIP set while updates are inhibited");
		if (rtc_updating(m) && m->time_known && !!(v & RTC_A_UIP) != uip)
			fail("fuzz_platform: RTC UIP not exactly the last 244 us of a second");
	} else if (i == RTC_REG_B && v != m->cmos[i]) {
		fail("fuzz_platform: RTC register B does not read back");
	} else if (i == RTC_REG_C) {
		check_c(m, v);
	} else if (i == RTC_REG_D && v != RTC_D_VRT) {
		fail("fuzz_platform: RTC register D is not VRT alone");
	} else if (i > RTC_REG_D && !is_calendar(i) && m->cmos_known[i] && v != m->cmos[i]) {
		fail("fuzz_platform: CMOS RAM byte does not read back");
	} else if (i < RTC_REG_A && !is_calendar(i) && m->cmos_known[i] && v != m->cmos[i]) {
		fail("fuzz_platform: RTC alarm byte does not read back");
	}
}

static uint8_t rtc_in(struct model *m, uint8_t index)
{
	uint8_t v = index;

	bus_dispatch(&m->bus, BUS_PIO, RTC_PORT, &v, 1, true);
	m->index = index & 0x7f;
	bus_dispatch(&m->bus, BUS_PIO, RTC_PORT + 1, &v, 1, false);
	return v;
}

static unsigned days_in_month(unsigned y, unsigned mon)
{
	static const uint8_t d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return d[mon - 1] + (mon == 2 && leap);
}

/* Day of the week, 0 = Sunday (Sakamoto's method). */
static unsigned weekday(unsigned y, unsigned mon, unsigned d)
{
	static const uint8_t t[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};

	y -= mon < 3;
	return (y + y / 4 - y / 100 + y / 400 + t[mon - 1] + d) % 7;
}

/* A calendar byte as a number in the selected format, or -1 for a bad BCD digit. */
static int field(const struct model *m, uint8_t v)
{
	if (m->cmos[RTC_REG_B] & RTC_B_DM_BINARY)
		return v;
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0x0f);
}

/* Hours 0-23 from the hour byte, or -1 when out of range for its mode. */
static int hour24(const struct model *m, uint8_t v)
{
	int h;

	if (m->cmos[RTC_REG_B] & RTC_B_24H)
		return (h = field(m, v)) > 23 ? -1 : h;
	h = field(m, v & 0x7f);
	if (h < 1 || h > 12)
		return -1;
	return h % 12 + (v & 0x80 ? 12 : 0);
}

/* Read the calendar through the ports; while updating it is a valid time (and the model's). */
static void check_calendar(struct model *m)
{
	static const uint8_t idx[8] = {RTC_SECONDS,	 RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK,
				       RTC_DAY_OF_MONTH, RTC_MONTH,   RTC_YEAR,	 CMOS_CENTURY};
	int f[8];
	unsigned year;
	uint8_t raw[8];

	for (unsigned k = 0; k < 8; k++)
		raw[k] = rtc_in(m, idx[k]);
	if (!rtc_updating(m))
		return;
	for (unsigned k = 0; k < 8; k++)
		f[k] = k == 2 ? hour24(m, raw[k]) : field(m, raw[k]);
	if (f[0] < 0 || f[0] > 59 || f[1] < 0 || f[1] > 59 || f[2] < 0 || f[3] < 1 || f[3] > 7 ||
	    f[5] < 1 || f[5] > 12 || f[6] < 0 || f[6] > 99 || f[7] < 0)
		fail("fuzz_platform: RTC calendar field out of range");
	year = (unsigned)f[7] * 100 + (unsigned)f[6];
	if (f[4] < 1 || (unsigned)f[4] > days_in_month(year, (unsigned)f[5]))
		fail("fuzz_platform: RTC day of month out of range");
	if ((unsigned)f[3] != weekday(year, (unsigned)f[5], (unsigned)f[4]) + 1)
		fail("fuzz_platform: RTC day of week does not match the date");
	if (m->time_known) {
		time_t t = (time_t)(model_now(m) / (int64_t)NS);
		struct tm tm;

		gmtime_r(&t, &tm);
		if (f[0] != tm.tm_sec || f[1] != tm.tm_min || f[2] != tm.tm_hour ||
		    f[4] != tm.tm_mday || f[5] != tm.tm_mon + 1 || (int)year != tm.tm_year + 1900)
			fail("fuzz_platform: RTC time is not the start time plus the clock");
	}
}

/* The timer thread's deadline: in (now, now + 1 s], and there whenever an interrupt can come. */
static void check_deadline(struct model *m)
{
	uint8_t b = m->cmos[RTC_REG_B];
	unsigned rs = m->cmos[RTC_REG_A] & RTC_A_RS_MASK;
	bool can = m->line != 1 && rtc_running(m) &&
		   (((b & RTC_B_PIE) && rs) || ((b & (RTC_B_UIE | RTC_B_AIE)) && rtc_updating(m)));
	uint64_t next;

	pthread_mutex_lock(&m->rtc.lock);
	next = rtc_next_deadline(&m->rtc);
	pthread_mutex_unlock(&m->rtc.lock);
	if (next && (next <= m->mono || next > m->mono + NS))
		fail("fuzz_platform: RTC timer deadline not within the next second");
	if (can && !next)
		fail("fuzz_platform: RTC interrupt enabled but no timer deadline");
}

/* ---- the other devices, and the stop each access must (not) ask for ---- */

#define PM1_CNT_SCI_EN 0x0001
#define PM1_CNT_SLP_EN 0x2000
#define ICH9_RST_CPU 0x04 /* 0xcf9 bit 2: a 0 -> 1 transition resets (the register reads 0 here) */

static void want_stop(struct model *m, enum bus_stop_kind kind, int status)
{
	m->want_stop = true;
	m->want_kind = kind;
	m->want_status = status;
}

/* A write of size bytes at port: the model's side of it. */
static void model_write(struct model *m, uint16_t port, const uint8_t *d, unsigned size)
{
	uint16_t cnt = m->pm1_cnt;

	for (unsigned i = 0; i < size; i++) {
		unsigned p = port + i;

		if (port >= RTC_PORT && port <= RTC_PORT + 1 && p == RTC_PORT)
			m->index = d[i] & 0x7f; /* bit 7 masks NMIs */
		else if (port >= RTC_PORT && port <= RTC_PORT + 1 && p == RTC_PORT + 1)
			model_rtc_write(m, d[i]);
		else if (port >= 0x600 && port <= 0x603 && p >= 0x602 && p <= 0x603)
			m->pm1_en = (uint16_t)((m->pm1_en & ~(0xffu << 8 * (p - 0x602))) |
					       (unsigned)d[i] << 8 * (p - 0x602));
		else if (port >= 0x604 && port <= 0x605 && p <= 0x605)
			cnt = (uint16_t)((cnt & ~(0xffu << 8 * (p - 0x604))) |
					 (unsigned)d[i] << 8 * (p - 0x604));
	}
	if (port >= DEBUG_EXIT_PORT && port < DEBUG_EXIT_PORT + DEBUG_EXIT_LEN)
		want_stop(m, BUS_STOP_GUEST_EXIT, d[0]);
	else if (port == I8042_CMD_PORT && (d[0] & 0xf1) == 0xf0)
		want_stop(m, BUS_STOP_GUEST_RESET, 0); /* pulse output port bit 0: reset */
	else if (port == ACPI_RESET_PORT && (d[0] & ICH9_RST_CPU))
		want_stop(m, BUS_STOP_GUEST_RESET, 0);
	if (port >= 0x604 && port <= 0x605) {
		if ((cnt & PM1_CNT_SLP_EN) && ((cnt >> 10) & 7) == ACPI_PM_S5_SLP_TYP)
			want_stop(m, BUS_STOP_GUEST_EXIT, 0);
		m->pm1_cnt = cnt & (uint16_t)~PM1_CNT_SLP_EN;
	}
}

/* A read of size bytes at port: check what the spec fixes. */
static void model_read(struct model *m, uint16_t port, const uint8_t *d, unsigned size)
{
	for (unsigned i = 0; i < size; i++) {
		unsigned p = port + i;

		if (port >= RTC_PORT && port <= RTC_PORT + 1 && p == RTC_PORT + 1)
			model_rtc_read(m, d[i]);
		else if (port == I8042_CMD_PORT && i == 0 && (d[0] & 7) != 0x04)
			fail("fuzz_platform: i8042 status not OBF=0 IBF=0 SYS=1");
		else if (port >= 0x600 && port <= 0x601 && p <= 0x601 && d[i])
			fail("fuzz_platform: PM1_STS not 0 with no fixed event");
		else if (port >= 0x600 && port <= 0x603 && p >= 0x602 && p <= 0x603 &&
			 d[i] != (uint8_t)(m->pm1_en >> 8 * (p - 0x602)))
			fail("fuzz_platform: PM1_EN does not read back");
		else if (port >= 0x604 && port <= 0x605 && p <= 0x605 &&
			 d[i] != (uint8_t)((m->pm1_cnt | PM1_CNT_SCI_EN) >> 8 * (p - 0x604)))
			fail("fuzz_platform: PM1_CNT not as written with SCI_EN set, SLP_EN clear");
	}
}

static bool claimed(uint16_t port)
{
	return (port >= RTC_PORT && port <= RTC_PORT + 1) || port == I8042_DATA_PORT ||
	       port == I8042_CMD_PORT || port == POST_PORT ||
	       (port >= DEBUG_EXIT_PORT && port < DEBUG_EXIT_PORT + DEBUG_EXIT_LEN) ||
	       (port >= ACPI_PM1A_EVT_PORT && port < ACPI_PM1A_CNT_PORT + ACPI_PM1A_CNT_LEN) ||
	       port == ACPI_RESET_PORT;
}

/* One access through the bus as the run loop makes it, checked. */
static void port_access(struct model *m, uint16_t port, uint8_t *d, unsigned size, bool is_write)
{
	uint64_t unclaimed = m->bus.unclaimed;
	int rc;

	m->want_stop = false;
	if (is_write)
		model_write(m, port, d, size);
	else
		memset(d, 0x5a, size);
	rc = bus_dispatch(&m->bus, BUS_PIO, port, d, size, is_write);
	if ((rc < 0) != !claimed(port) || (rc < 0) != (m->bus.unclaimed == unclaimed + 1))
		fail("fuzz_platform: a port claimed by the wrong device, or not counted");
	if (rc < 0 && !is_write)
		for (unsigned i = 0; i < size; i++)
			if (d[i] != 0xff)
				fail("fuzz_platform: an unclaimed port did not read all ones");
	if (!is_write)
		model_read(m, port, d, size);
	if (m->bus.stop_requested != m->want_stop ||
	    (m->want_stop &&
	     (m->bus.stop_kind != m->want_kind || m->bus.stop_status != m->want_status ||
	      !m->bus.stop_reason || !m->bus.stop_reason[0])))
		fail("fuzz_platform: a stop that the access should not ask for, or a wrong one");
	if (!is_write && port >= RTC_PORT && port <= RTC_PORT + 1 && port + size > RTC_PORT + 1 &&
	    m->index == RTC_REG_C && m->line == 1)
		fail("fuzz_platform: IRQ 8 still up after register C was read");
}

/* Ports around every device, and a few nobody claims. */
static uint16_t pick_port(uint8_t sel)
{
	static const uint16_t ports[32] = {
	    0x6f,  0x70,  0x71,	 0x72,	0x5f,  0x60,  0x61,  0x63,  0x64,  0x65,  0x7f,
	    0x80,  0x81,  0xf3,	 0xf4,	0xf5,  0xf6,  0xf7,  0xf8,  0x5ff, 0x600, 0x601,
	    0x602, 0x603, 0x604, 0x605, 0x606, 0xcf8, 0xcf9, 0xcfa, 0x92,  0x3f8,
	};

	return ports[sel & 31];
}

static void run_op(struct model *m, struct fuzz_in *in)
{
	uint8_t op = fin_u8(in), d[8] = {0};
	uint16_t port = pick_port(fin_u8(in));
	unsigned size = fin_size(in), count;

	switch (op % 6) {
	case 0:
		fin_bytes(in, d, size);
		port_access(m, port, d, size, true);
		break;
	case 1:
		port_access(m, port, d, size, false);
		break;
	case 2: /* the clock moves on (by up to 2^45 ns) */
		m->mono += (uint64_t)fin_u32(in) << (op >> 3) % (MAX_STEP_SHIFT + 1);
		break;
	case 3:
		rtc_poll(&m->rtc);
		check_deadline(m);
		break;
	case 4:
		check_calendar(m);
		break;
	case 5: /* rep outsb: the run loop stops dispatching at the first stop */
		for (count = 1 + (op >> 3); count--;) {
			d[0] = fin_u8(in);
			port_access(m, port, d, 1, true);
			if (m->bus.stop_requested)
				break;
		}
		break;
	}
	m->bus.stop_requested = false; /* the VM would end here: go on exploring */
	m->bus.stop_kind = BUS_STOP_NONE;
}

/* The memory-size bytes a PC BIOS leaves (QEMU pc_cmos_init, SeaBIOS), read as a guest does. */
static void check_memory_bytes(struct model *m, uint64_t below, uint64_t above)
{
	uint64_t ext = below > (1u << 20) ? (below >> 10) - 1024 : 0;
	uint64_t m16 = below > (16u << 20) ? (below >> 16) - 256 : 0;
	uint64_t want[][2] = {
	    {0x15, 640 & 0xff},
	    {0x16, 640 >> 8},
	    {0x17, (ext > 0xffff ? 0xffff : ext) & 0xff},
	    {0x18, (ext > 0xffff ? 0xffff : ext) >> 8},
	    {0x30, (ext > 0xffff ? 0xffff : ext) & 0xff},
	    {0x31, (ext > 0xffff ? 0xffff : ext) >> 8},
	    {0x34, (m16 > 0xffff ? 0xffff : m16) & 0xff},
	    {0x35, (m16 > 0xffff ? 0xffff : m16) >> 8},
	    {0x5b, (above >> 16) & 0xff},
	    {0x5c, (above >> 24) & 0xff},
	    {0x5d, (above >> 32) & 0xff},
	};

	for (unsigned k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		if (rtc_in(m, (uint8_t)want[k][0]) != want[k][1])
			fail("fuzz_platform: CMOS memory-size byte not a PC BIOS's");
		m->cmos[want[k][0]] = (uint8_t)want[k][1];
		m->cmos_known[want[k][0]] = true;
	}
}

/* The devices as src/vm.c registers them, on a clock and RAM sizes from the input. */
static void model_init(struct model *m, struct fuzz_in *in)
{
	uint64_t below = (uint64_t)fin_u16(in) << 16, above = (uint64_t)fin_u16(in) << 20;
	struct rtc_clock clock = {clock_mono, clock_wall, m};

	memset(m, 0, sizeof(*m));
	m->line = -1;
	m->mono = m->mono0 = (uint64_t)fin_u32(in) << 16;
	m->wall0 = (int64_t)(fin_u64(in) % ((uint64_t)MAX_START_YEAR_S * NS));
	m->time_known = true;
	rtc_init(&m->rtc, below, above, &clock);
	rtc_connect_irq(&m->rtc, &(struct irq_line){line_set, m, RTC_IRQ});
	if (rtc_register(&m->bus, &m->rtc) || platform_devices_register(&m->bus) ||
	    acpi_pm_register(&m->pm, &m->bus))
		fail("fuzz_platform: registering the devices failed");
	/* reset state (MC146818A, as PC firmware leaves it): A = 0x26, B = 0x02 */
	m->cmos[RTC_REG_A] = RTC_A_DV_32K | 6;
	m->cmos[RTC_REG_B] = RTC_B_24H;
	m->pf_since = m->uf_since = m->af_since = m->mono;
	check_memory_bytes(m, below, above);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	struct fuzz_in in;

	fin_init(&in, data, size);
	model_init(&m, &in);
	while (fin_left(&in))
		run_op(&m, &in);
	rtc_destroy(&m.rtc);
	return 0;
}
