/* SPDX-License-Identifier: MIT */
/* The user side of mono's system calls (ulib.c). */
#ifndef MONO_ULIB_H
#define MONO_ULIB_H

#include <stdint.h>

int64_t sys_write(const char *text, uint64_t len);
int64_t sys_write_int80(const char *text, uint64_t len);
int64_t sys_disk_read(uint64_t sector, void *buf);
int64_t sys_disk_write(uint64_t sector, const void *buf);
int64_t sys_cmdline(char *buf, uint64_t size);
void sys_exit(int64_t code) __attribute__((noreturn));
/* A NUL-terminated text through int 0x80 (the older gate, kept working beside syscall). */
void uputs(const char *s);

/* Each program's entry, called by _start with the kernel's two arguments. */
int main(uint64_t a0, uint64_t a1);

#endif
