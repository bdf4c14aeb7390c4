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
 *
 * The grant path for bulk data that should not be copied: a call may name
 * in r9 one page of the caller's memory (page-aligned; 0 = none). For the
 * duration of the call the kernel maps that very page at GRANT_VA in the
 * callee's address space (r9 = GRANT_VA in the received message, else 0),
 * and it unmaps it when the callee replies (or dies, or the caller dies).
 * A callee may pass the page on in a call of its own by granting GRANT_VA
 * (calls nest, so that inner grant ends first). A page the caller does not
 * own (outside its memory, a kernel address, its own GRANT_VA when it
 * holds nothing) is refused with E_FAULT; a grant with anything but a call
 * with E_INVAL; a grant to a thread already holding one with E_BUSY. The
 * one thread trusted with DMA (the block server) also gets the page's
 * physical address in rbx, so the device can read or write it directly.
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
#define SYS_IRQ_WAIT 7	 /* irq_wait() -> (IRQ_SENDER(n), {n}): receive our line's interrupt */

/*
 * Interrupts are messages: the kernel's handler for IRQ line n (8259A, lib/
 * pic.h) sends a message {n} from the pseudo-thread IRQ_SENDER(n) to the
 * one thread it gave that line, which takes it with SYS_IRQ_WAIT (a
 * receive from that sender only). One interrupt that arrives while the
 * thread is not waiting is kept and delivered at its next SYS_IRQ_WAIT.
 */
#define IRQ_SENDER(n) (0x100u + (n))

#define IPC_WINDOW 4096
/* Where a granted page appears in the callee: the last page of the process slot. */
#define GRANT_VA (0x8000000000ul + 0x200000ul - 4096ul)

#define E_PERM (-1)   /* a server refuses this sender */
#define E_INVAL (-22) /* bad partner, state or length */
#define E_FAULT (-14) /* the window or granted page is not the caller's memory */
#define E_DEAD (-3)   /* the partner was killed */
#define E_IO (-5)
#define E_BUSY (-16) /* the receiver already holds a granted page */

/* Thread numbers of the servers, fixed at boot. */
#define TID_SERIAL 0
#define TID_BLOCK 1
#define TID_FILE 2

/* Serial server: write w3 bytes from the window to the UART. */
#define SER_WRITE 1
/*
 * Block server: one 512-byte sector, w1 = sector, w2 = its byte offset in
 * the page granted with the call (reads and writes carry a grant: the
 * device reads or writes the caller's page itself, no copy).
 */
#define BLK_READ 1
#define BLK_WRITE 2
#define BLK_CAPACITY 3 /* reply w1 = sectors */
/* File server: the same for its clients (a page granted, w2 its offset), bounds checked. */
#define FS_READ 1
#define FS_WRITE 2

#endif
