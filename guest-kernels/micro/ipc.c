// SPDX-License-Identifier: MIT
/*
 * micro's synchronous IPC: send, receive, call, reply and reply-and-wait.
 *
 * A message is four words in registers; word 3 also says how many bytes
 * to copy from the sender's IPC window to the receiver's (the bulk path).
 * Nothing is buffered in the kernel: a message moves only when both sides
 * are ready (rendezvous), so a sender blocks until its receiver arrives.
 * When a call or a reply meets a waiting partner the CPU goes straight to
 * that partner (a direct handoff, as L4 does), so a client -> server ->
 * client round trip costs exactly two messages and two thread switches.
 *
 * A blocked thread's whole state is its saved registers (struct thread):
 * the kernel has one stack and keeps nothing on it between two entries.
 */
#include "abi.h"
#include "kstring.h"
#include "micro.h"

static struct thread *cur(struct kernel *k)
{
	return &k->threads[k->current];
}

/* The message the current thread put in its registers. */
static void outgoing(const struct thread *t, uint64_t msg[4])
{
	msg[0] = t->regs.rsi;
	msg[1] = t->regs.rdx;
	msg[2] = t->regs.r10;
	msg[3] = t->regs.r8;
}

static void set_result(struct thread *t, int64_t status)
{
	t->regs.rax = (uint64_t)status;
}

/* A partner the current thread may talk to, or NULL. */
static struct thread *partner(struct kernel *k, uint64_t id)
{
	if (id >= k->nthreads || id == k->current || k->threads[id].state == T_DEAD)
		return NULL;
	return &k->threads[id];
}

/* Both windows exist and the bulk length fits (checked before anything moves). */
static int bulk_ok(const struct thread *from, const uint64_t msg[4])
{
	return msg[3] == 0 || (from->window && msg[3] <= IPC_WINDOW);
}

/* Hand msg from `from` to `to`: registers, and the window bytes through the kernel. */
static void deliver(struct kernel *k, unsigned from, struct thread *to, const uint64_t msg[4])
{
	struct thread *f = &k->threads[from];

	if (msg[3] && to->window) {
		memcpy(uspace_ptr(&to->as, to->window, IPC_WINDOW),
		       uspace_ptr(&f->as, f->window, IPC_WINDOW), msg[3]);
		k->counts.bytes_copied += msg[3];
	}
	to->regs.rax = 0;
	to->regs.rdi = from;
	to->regs.rsi = msg[0];
	to->regs.rdx = msg[1];
	to->regs.r10 = msg[2];
	to->regs.r8 = to->window ? msg[3] : 0;
	to->state = T_READY;
	k->counts.messages++;
}

int ipc_schedule(struct kernel *k)
{
	for (unsigned i = 1; i <= k->nthreads; i++) {
		unsigned t = (k->current + i) % k->nthreads;

		if (k->threads[t].state == T_READY)
			return (int)t;
	}
	return -1;
}

static int block(struct kernel *k, enum thread_state state)
{
	cur(k)->state = state;
	return ipc_schedule(k);
}

/* The current thread receives: from the first thread waiting to send to it, else it blocks. */
static int receive(struct kernel *k)
{
	for (unsigned i = 0; i < k->nthreads; i++) {
		struct thread *s = &k->threads[i];

		if (s->state != T_SENDING || s->partner != k->current)
			continue;
		deliver(k, i, cur(k), s->msg);
		if (s->is_call) {
			s->state = T_AWAIT_REPLY;
		} else {
			s->state = T_READY;
			set_result(s, 0);
		}
		return (int)k->current;
	}
	return block(k, T_RECEIVING);
}

static int send(struct kernel *k, uint64_t to, int is_call)
{
	struct thread *self = cur(k), *d = partner(k, to);
	uint64_t msg[4];

	outgoing(self, msg);
	if (!d || !bulk_ok(self, msg)) {
		set_result(self, E_INVAL);
		return (int)k->current;
	}
	self->partner = (unsigned)to;
	self->is_call = is_call;
	if (d->state != T_RECEIVING) {
		memcpy(self->msg, msg, sizeof(msg));
		return block(k, T_SENDING);
	}
	deliver(k, k->current, d, msg);
	if (!is_call) {
		set_result(self, 0);
		return (int)k->current;
	}
	self->state = T_AWAIT_REPLY;
	return (int)to; /* handoff: the receiver runs at once */
}

static int reply(struct kernel *k, uint64_t to, int then_wait)
{
	struct thread *self = cur(k), *c = partner(k, to);
	uint64_t msg[4];
	int next;

	outgoing(self, msg);
	if (!c || c->state != T_AWAIT_REPLY || c->partner != k->current || !bulk_ok(self, msg)) {
		set_result(self, E_INVAL);
		return (int)k->current;
	}
	deliver(k, k->current, c, msg);
	if (!then_wait) {
		set_result(self, 0);
		return (int)k->current;
	}
	next = receive(k);
	/* Nothing else to receive: go straight back to the thread we answered. */
	return self->state == T_RECEIVING ? (int)to : next;
}

static int set_window(struct kernel *k, uint64_t va)
{
	struct thread *self = cur(k);

	if (!uspace_ptr(&self->as, va, IPC_WINDOW)) {
		set_result(self, E_FAULT);
	} else {
		self->window = va;
		set_result(self, 0);
	}
	return (int)k->current;
}

int ipc_syscall(struct kernel *k, uint64_t nr)
{
	struct thread *self = cur(k);
	uint64_t arg = self->regs.rdi;

	switch (nr) {
	case SYS_EXIT:
		micro_thread_exited(k, k->current, (int64_t)arg);
		return ipc_schedule(k);
	case SYS_WINDOW:
		return set_window(k, arg);
	case SYS_SEND:
	case SYS_CALL:
		return send(k, arg, nr == SYS_CALL);
	case SYS_RECV:
		return receive(k);
	case SYS_REPLY:
	case SYS_REPLY_WAIT:
		return reply(k, arg, nr == SYS_REPLY_WAIT);
	default:
		set_result(self, E_INVAL);
		return (int)k->current;
	}
}

void ipc_thread_died(struct kernel *k, unsigned t)
{
	k->threads[t].state = T_DEAD;
	for (unsigned i = 0; i < k->nthreads; i++) {
		struct thread *o = &k->threads[i];

		if ((o->state == T_SENDING || o->state == T_AWAIT_REPLY) && o->partner == t) {
			o->state = T_READY;
			set_result(o, E_DEAD);
		}
	}
}
