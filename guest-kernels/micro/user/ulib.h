/* SPDX-License-Identifier: MIT */
/* The user side of micro's IPC (ulib.c). */
#ifndef MICRO_ULIB_H
#define MICRO_ULIB_H

#include <stdint.h>

#include "../abi.h"

/*
 * A received message: who sent it, its four words (w[3] = bytes now in our
 * window), GRANT_VA if it granted us a page until we reply (else 0), and
 * that page's physical address if we are trusted with DMA (else 0).
 */
struct msg {
	uint64_t from;
	uint64_t w[4];
	uint64_t grant;
	uint64_t grant_pa;
};

/* Each returns the kernel's status (0 or E_*); out (may be NULL) receives the answer. */
int64_t ipc_window(void *window);
int64_t ipc_send(uint64_t to, const uint64_t w[4]);
int64_t ipc_recv(struct msg *out);
int64_t ipc_call(uint64_t to, const uint64_t w[4], struct msg *out);
/* A call granting `page` (one page of ours, or GRANT_VA to pass ours on) until the reply. */
int64_t ipc_call_grant(uint64_t to, const uint64_t w[4], const void *page, struct msg *out);
/* A send with a grant: refused (E_INVAL), a grant lasts for a call; hostile.c tries it. */
int64_t ipc_send_grant(uint64_t to, const uint64_t w[4], const void *page);
int64_t ipc_reply(uint64_t to, const uint64_t w[4]);
int64_t ipc_reply_wait(uint64_t to, const uint64_t w[4], struct msg *out);
/* Wait for the message of our interrupt line (E_PERM: the kernel gave us none). */
int64_t ipc_irq_wait(struct msg *out);
void sys_exit(int64_t code) __attribute__((noreturn));

/* Print a text through the serial server (copied through window, IPC_WINDOW bytes). */
void uputs(char *window, const char *s);

/* Each program's entry, called by _start with the three registers its kernel set. */
int main(uint64_t a0, uint64_t a1, uint64_t a2);

#endif
