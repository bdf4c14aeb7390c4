/* SPDX-License-Identifier: MIT */
/*
 * mono's system-call ABI, shared by the kernel and its user programs.
 * rax = number, rdi/rsi/rdx = arguments, result in rax (negative: error).
 * The same numbers work through `syscall` and through `int 0x80`.
 */
#ifndef MONO_ABI_H
#define MONO_ABI_H

#define SYS_EXIT 0	 /* exit(code) */
#define SYS_WRITE 1	 /* write(text, len): to the console */
#define SYS_DISK_READ 2	 /* disk_read(sector, buf): one 512-byte sector */
#define SYS_DISK_WRITE 3 /* disk_write(sector, buf) */
#define SYS_CMDLINE 4	 /* cmdline(buf, size): the kernel command line, NUL-terminated */
#define SYS_COUNT 5

#define E_FAULT (-14) /* a pointer outside the caller's memory */
#define E_IO (-5)     /* the disk said no */
#define E_NOSYS (-38) /* no such system call */

#endif
