/* SPDX-License-Identifier: MIT */
/*
 * exo's kernel calls, shared by the kernel and the library OSes.
 * `syscall` with rax = call, rdi/rsi/rdx = arguments; rax = result
 * (negative: error). Each call names a raw resource and the kernel checks
 * that the caller owns it (a secure binding); it implements no abstraction
 * on top: no files, no cache, no scheduler policy.
 *
 * When an environment exits or is killed, the kernel revokes all its
 * bindings: its pages are unmapped from it and zeroed before anyone else
 * gets them, its blocks can be bound by another environment, and it gets
 * no more time slices (a yield to it goes to the next live environment).
 */
#ifndef EXO_ABI_H
#define EXO_ABI_H

#define EXO_EXIT 0	  /* exit(code) */
#define EXO_CONSOLE 1	  /* console(text, len): the one shared device kept in the kernel */
#define EXO_CMDLINE 2	  /* cmdline(buf, size) */
#define EXO_PAGE_ALLOC 3  /* page_alloc(va): a free physical page, now ours, mapped at va */
#define EXO_PAGE_FREE 4	  /* page_free(va): give our page at va back */
#define EXO_BLOCK_BIND 5  /* block_bind(first, count): these disk blocks become ours */
#define EXO_BLOCK_READ 6  /* block_read(first, count, va): our blocks into our memory */
#define EXO_BLOCK_WRITE 7 /* block_write(first, count, va) */
#define EXO_YIELD 8	  /* yield(to): give the rest of our time slice to environment `to` */
#define EXO_COUNT 9

/* Where page_alloc may map pages: above the environment's own memory, below this. */
#define EXO_PAGE_WINDOW_END (0x8000000000ul + 0x200000ul)
#define EXO_MAX_BLOCKS_PER_CALL 8
/* The physical pages page_alloc hands out, all environments together. */
#define EXO_FRAMES 32

#define E_PERM (-1)   /* the resource belongs to someone else */
#define E_IO (-5)     /* the device said no */
#define E_NOMEM (-12) /* no free page */
#define E_FAULT (-14) /* a buffer outside the caller's memory */
#define E_INVAL (-22) /* bad arguments */

#endif
