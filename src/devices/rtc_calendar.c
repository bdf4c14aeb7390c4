// SPDX-License-Identifier: MIT
/*
 * The MC146818A's calendar registers <-> a UTC time: BCD or binary (register
 * B's DM bit), 12- or 24-hour (bit 1; in 12-hour mode bit 7 of the hour is
 * PM and the hours run 12, 1 .. 11), day of week 1 = Sunday, a two-digit
 * year with the century in CMOS byte 0x32.
 */
#include "devices/rtc_calendar.h"

#include <time.h>

#include "devices/rtc.h"

/* Years the guest may set; keeps seconds since the epoch far from overflow. */
#define RTC_YEAR_MIN 1970
#define RTC_YEAR_MAX 2199

static uint8_t to_reg(const uint8_t *cmos, unsigned v)
{
	if (cmos[RTC_REG_B] & RTC_B_DM_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned from_reg(const uint8_t *cmos, uint8_t v)
{
	if (cmos[RTC_REG_B] & RTC_B_DM_BINARY)
		return v;
	return (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t hour_to_reg(const uint8_t *cmos, unsigned hour)
{
	unsigned h12;

	if (cmos[RTC_REG_B] & RTC_B_24H)
		return to_reg(cmos, hour);
	h12 = hour % 12 ? hour % 12 : 12;
	return (uint8_t)(to_reg(cmos, h12) | (hour >= 12 ? 0x80 : 0));
}

static unsigned hour_from_reg(const uint8_t *cmos, uint8_t v)
{
	if (cmos[RTC_REG_B] & RTC_B_24H)
		return from_reg(cmos, v);
	return from_reg(cmos, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

void rtc_calendar_store(uint8_t *cmos, int64_t seconds)
{
	time_t t = (time_t)seconds;
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return;
	cmos[RTC_SECONDS] = to_reg(cmos, (unsigned)tm.tm_sec);
	cmos[RTC_MINUTES] = to_reg(cmos, (unsigned)tm.tm_min);
	cmos[RTC_HOURS] = hour_to_reg(cmos, (unsigned)tm.tm_hour);
	cmos[RTC_DAY_OF_WEEK] = to_reg(cmos, (unsigned)tm.tm_wday + 1);
	cmos[RTC_DAY_OF_MONTH] = to_reg(cmos, (unsigned)tm.tm_mday);
	cmos[RTC_MONTH] = to_reg(cmos, (unsigned)tm.tm_mon + 1);
	cmos[RTC_YEAR] = to_reg(cmos, (unsigned)(tm.tm_year + 1900) % 100);
	cmos[CMOS_CENTURY] = to_reg(cmos, (unsigned)(tm.tm_year + 1900) / 100);
}

int64_t rtc_calendar_load(const uint8_t *cmos)
{
	struct tm tm = {0};
	unsigned year = from_reg(cmos, cmos[CMOS_CENTURY]) * 100 + from_reg(cmos, cmos[RTC_YEAR]);

	/* Guest-written bytes: out-of-range fields are normalised by timegm(), years clamped. */
	if (year < RTC_YEAR_MIN)
		year = RTC_YEAR_MIN;
	if (year > RTC_YEAR_MAX)
		year = RTC_YEAR_MAX;
	tm.tm_year = (int)year - 1900;
	tm.tm_mon = (int)from_reg(cmos, cmos[RTC_MONTH]) - 1;
	tm.tm_mday = (int)from_reg(cmos, cmos[RTC_DAY_OF_MONTH]);
	tm.tm_hour = (int)hour_from_reg(cmos, cmos[RTC_HOURS]);
	tm.tm_min = (int)from_reg(cmos, cmos[RTC_MINUTES]);
	tm.tm_sec = (int)from_reg(cmos, cmos[RTC_SECONDS]);
	return (int64_t)timegm(&tm);
}

/* An alarm byte matches when equal or "don't care" (both top bits set). */
static bool alarm_byte_matches(uint8_t alarm, uint8_t now)
{
	return (alarm & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE || alarm == now;
}

bool rtc_calendar_alarm_matches(const uint8_t *cmos)
{
	return alarm_byte_matches(cmos[RTC_SECONDS_ALARM], cmos[RTC_SECONDS]) &&
	       alarm_byte_matches(cmos[RTC_MINUTES_ALARM], cmos[RTC_MINUTES]) &&
	       alarm_byte_matches(cmos[RTC_HOURS_ALARM], cmos[RTC_HOURS]);
}
