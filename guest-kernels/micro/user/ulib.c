// SPDX-License-Identifier: MIT
/* micro's user library: the program entry and the IPC system calls (../abi.h). */
#include "ulib.h"
#include "kstring.h"

__attribute__((section(".text.start"), noreturn)) void _start(uint64_t a0, uint64_t a1,
							      uint64_t a2);

void _start(uint64_t a0, uint64_t a1, uint64_t a2)
{
	sys_exit(main(a0, a1, a2));
}

/*
 * One system call with a full message each way and maybe a granted page
 * (r9); `syscall` clobbers rcx and r11, and a received message sets r9 (the
 * page granted to us) and rbx (its physical address, DMA-trusted only).
 */
static int64_t ipc(uint64_t op, uint64_t to, const uint64_t w[4], const void *grant,
		   struct msg *out)
{
	static const uint64_t none[4];
	const uint64_t *in = w ? w : none;
	register uint64_t r10 __asm__("r10") = in[2];
	register uint64_t r8 __asm__("r8") = in[3];
	register uint64_t r9 __asm__("r9") = (uint64_t)(uintptr_t)grant;
	uint64_t rax = op, rdi = to, rsi = in[0], rdx = in[1], rbx = 0;

	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8),
			   "+r"(r9), "+b"(rbx)
			 :
			 : "rcx", "r11", "memory");
	if (out)
		*out = (struct msg){rdi, {rsi, rdx, r10, r8}, r9, rbx};
	return (int64_t)rax;
}

int64_t ipc_window(void *window)
{
	return ipc(SYS_WINDOW, (uint64_t)(uintptr_t)window, NULL, NULL, NULL);
}

int64_t ipc_send(uint64_t to, const uint64_t w[4])
{
	return ipc(SYS_SEND, to, w, NULL, NULL);
}

int64_t ipc_recv(struct msg *out)
{
	return ipc(SYS_RECV, 0, NULL, NULL, out);
}

int64_t ipc_call(uint64_t to, const uint64_t w[4], struct msg *out)
{
	return ipc(SYS_CALL, to, w, NULL, out);
}

int64_t ipc_call_grant(uint64_t to, const uint64_t w[4], const void *page, struct msg *out)
{
	return ipc(SYS_CALL, to, w, page, out);
}

int64_t ipc_send_grant(uint64_t to, const uint64_t w[4], const void *page)
{
	return ipc(SYS_SEND, to, w, page, NULL);
}

int64_t ipc_reply(uint64_t to, const uint64_t w[4])
{
	return ipc(SYS_REPLY, to, w, NULL, NULL);
}

int64_t ipc_reply_wait(uint64_t to, const uint64_t w[4], struct msg *out)
{
	return ipc(SYS_REPLY_WAIT, to, w, NULL, out);
}

int64_t ipc_irq_wait(struct msg *out)
{
	return ipc(SYS_IRQ_WAIT, 0, NULL, NULL, out);
}

void sys_exit(int64_t code)
{
	ipc(SYS_EXIT, (uint64_t)code, NULL, NULL, NULL);
	for (;;)
		;
}

void uputs(char *window, const char *s)
{
	size_t n = strlen(s);
	uint64_t w[4] = {SER_WRITE, 0, 0, 0};

	n = n < IPC_WINDOW ? n : IPC_WINDOW;
	memcpy(window, s, n);
	w[3] = n;
	ipc_call(TID_SERIAL, w, NULL);
}
