/* SPDX-License-Identifier: MIT */
/* The user side of micro's IPC (ulib.c). */
#ifndef MICRO_ULIB_H
#define MICRO_ULIB_H

#include <stdint.h>

#include "../abi.h"

/* A received message: who sent it and its four words (w[3] = bytes now in our window). */
struct msg {
	uint64_t from;
	uint64_t w[4];
};

/* Each returns the kernel's status (0 or E_*); out (may be NULL) receives the answer. */
int64_t ipc_window(void *window);
int64_t ipc_send(uint64_t to, const uint64_t w[4]);
int64_t ipc_recv(struct msg *out);
int64_t ipc_call(uint64_t to, const uint64_t w[4], struct msg *out);
int64_t ipc_reply(uint64_t to, const uint64_t w[4]);
int64_t ipc_reply_wait(uint64_t to, const uint64_t w[4], struct msg *out);
void sys_exit(int64_t code) __attribute__((noreturn));

/* Print a text through the serial server (copied through window, IPC_WINDOW bytes). */
void uputs(char *window, const char *s);

/* Each program's entry, called by _start with the three registers its kernel set. */
int main(uint64_t a0, uint64_t a1, uint64_t a2);

#endif
