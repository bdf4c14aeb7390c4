/* SPDX-License-Identifier: MIT */
/*
 * micro's ABI: the kernel's system calls and the servers' protocols,
 * shared by the kernel and its user programs.
 *
 * System calls (`syscall`): rax = operation, rdi = partner thread,
 * rsi/rdx/r10/r8 = the four message words. On return rax = status,
 * rdi = the sender of a received message, rsi/rdx/r10/r8 its words.
 * Word 3 of every message is also a byte count: that many bytes travel
 * from the sender's IPC window to the receiver's (the copy path for bulk
 * data; each thread registers one window of IPC_WINDOW bytes).
 */
#ifndef MICRO_ABI_H
#define MICRO_ABI_H

#define SYS_EXIT 0	 /* exit(code) */
#define SYS_WINDOW 1	 /* window(va): register the IPC window */
#define SYS_SEND 2	 /* send(to, msg): block until `to` receives it */
#define SYS_RECV 3	 /* recv() -> (from, msg): block until someone sends */
#define SYS_CALL 4	 /* call(to, msg) -> reply: send, then wait for to's reply */
#define SYS_REPLY 5	 /* reply(to, msg): answer a thread waiting in call on us */
#define SYS_REPLY_WAIT 6 /* reply(to, msg), then recv(): the server loop in one call */

#define IPC_WINDOW 4096

#define E_PERM (-1)   /* a server refuses this sender */
#define E_INVAL (-22) /* bad partner, state or length */
#define E_FAULT (-14) /* the window is outside the caller's memory */
#define E_DEAD (-3)   /* the partner was killed */
#define E_IO (-5)

/* Thread numbers of the servers, fixed at boot. */
#define TID_SERIAL 0
#define TID_BLOCK 1
#define TID_FILE 2

/* Serial server: write w3 bytes from the window to the UART. */
#define SER_WRITE 1
/* Block server: one 512-byte sector, w1 = sector; data travels in the windows. */
#define BLK_READ 1
#define BLK_WRITE 2
#define BLK_CAPACITY 3 /* reply w1 = sectors */
/* File server: the same for its clients, with bounds checked against the disk. */
#define FS_READ 1
#define FS_WRITE 2

#endif
