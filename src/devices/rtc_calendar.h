/* SPDX-License-Identifier: MIT */
/* The RTC's calendar registers in CMOS bytes 0-9 and 0x32, in the format register B selects. */
#ifndef MINIVMM_RTC_CALENDAR_H
#define MINIVMM_RTC_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

/* Write the UTC time `seconds` (since the epoch) into the time, date and century bytes. */
void rtc_calendar_store(uint8_t *cmos, int64_t seconds);

/* The UTC time those bytes hold (guest-written: normalised, years clamped to 1970-2199). */
int64_t rtc_calendar_load(const uint8_t *cmos);

/* Do the alarm bytes (1, 3, 5) match the time bytes (0, 2, 4)? */
bool rtc_calendar_alarm_matches(const uint8_t *cmos);

#endif
