// SPDX-License-Identifier: MIT
/*
 * micro's synchronous IPC: send, receive, call, reply and reply-and-wait.
 *
 * A message is four words in registers; word 3 also says how many bytes
 * to copy from the sender's IPC window to the receiver's (the copy path).
 * A call may also grant one page of the caller's memory (the grant path,
 * abi.h): the kernel maps the caller's own physical page into the callee
 * at GRANT_VA when the message is delivered and unmaps it when the callee
 * replies, so bulk data crosses address spaces without being copied; the
 * price is a page-table update and a TLB invalidation at each end.
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
#include "guest.h"
#include "kstring.h"
#include "micro.h"

#define PAGE 4096ul

static struct thread *cur(struct kernel *k)
{
	return &k->threads[k->current];
}

/*
 * The message the current thread put in its registers, with the page it
 * grants (r9) checked against what it owns: a page of its own memory, or
 * the page it holds at GRANT_VA (passed on in a nested call). 0 or E_*.
 */
static int64_t outgoing(const struct thread *t, uint64_t nr, struct ipc_msg *m)
{
	uint64_t va = t->regs.r9;
	const void *own;

	*m = (struct ipc_msg){{t->regs.rsi, t->regs.rdx, t->regs.r10, t->regs.r8}, false, 0};
	if (!va)
		return 0;
	if (nr != SYS_CALL)
		return E_INVAL;
	own = va % PAGE ? NULL : uspace_ptr(&t->as, va, PAGE);
	if (own)
		m->grant_pa = virt_to_phys(own);
	else if (va == GRANT_VA && t->grant.held)
		m->grant_pa = t->grant.pa;
	else
		return E_FAULT;
	m->grant = true;
	return 0;
}

/* End thread t's grant, and every grant it passed on (nested calls: a chain, no cycle). */
static void grant_revoke(struct kernel *k, unsigned t)
{
	struct thread *h = &k->threads[t];

	if (!h->grant.held)
		return;
	uspace_unmap_page(&h->as, GRANT_VA);
	h->grant.held = false;
	/* A call of ours still waiting to pass the page on loses it too. */
	if (h->state == T_SENDING && h->msg.grant && h->msg.grant_pa == h->grant.pa)
		h->msg.grant = false;
	for (unsigned i = 0; i < k->nthreads; i++)
		if (k->threads[i].grant.held && k->threads[i].grant.from == t)
			grant_revoke(k, i);
}

/* Map the granted page into `to` for the call from `from`; false if it cannot be. */
static bool grant_map(struct kernel *k, unsigned from, struct thread *to, uint64_t pa)
{
	if (to->grant.held || uspace_map_page(&to->as, GRANT_VA, pa))
		return false;
	to->grant = (struct held_grant){true, from, pa};
	k->counts.grants++;
	return true;
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
static int bulk_ok(const struct thread *from, const struct ipc_msg *m)
{
	return m->w[3] == 0 || (from->window && m->w[3] <= IPC_WINDOW);
}

/*
 * Hand m from `from` to `to`: registers, the window bytes through the
 * kernel, the granted page into to's page tables. The callers checked
 * that `to` holds no grant, so a grant is dropped only if no page table
 * can be had (then the receiver sees r9 = 0 and answers as to a message
 * without data).
 */
static void deliver(struct kernel *k, unsigned from, struct thread *to, const struct ipc_msg *m)
{
	struct thread *f = &k->threads[from];
	bool granted = m->grant && grant_map(k, from, to, m->grant_pa);

	if (m->w[3] && to->window) {
		memcpy(uspace_ptr(&to->as, to->window, IPC_WINDOW),
		       uspace_ptr(&f->as, f->window, IPC_WINDOW), m->w[3]);
		k->counts.bytes_copied += m->w[3];
	}
	to->regs.rax = 0;
	to->regs.rdi = from;
	to->regs.rsi = m->w[0];
	to->regs.rdx = m->w[1];
	to->regs.r10 = m->w[2];
	to->regs.r8 = to->window ? m->w[3] : 0;
	to->regs.r9 = granted ? GRANT_VA : 0;
	to->regs.rbx = granted && to->dma ? m->grant_pa : 0;
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
		if (s->msg.grant && cur(k)->grant.held) {
			s->state = T_READY;
			set_result(s, E_BUSY);
			continue;
		}
		deliver(k, i, cur(k), &s->msg);
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
	struct ipc_msg m;
	int64_t st = outgoing(self, is_call ? SYS_CALL : SYS_SEND, &m);

	if (!st && (!d || !bulk_ok(self, &m)))
		st = E_INVAL;
	if (!st && m.grant && d->state == T_RECEIVING && d->grant.held)
		st = E_BUSY;
	if (st) {
		set_result(self, st);
		return (int)k->current;
	}
	self->partner = (unsigned)to;
	self->is_call = is_call;
	if (d->state != T_RECEIVING) {
		self->msg = m;
		return block(k, T_SENDING);
	}
	deliver(k, k->current, d, &m);
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
	struct ipc_msg m;
	int next;

	if (outgoing(self, SYS_REPLY, &m) || !c || c->state != T_AWAIT_REPLY ||
	    c->partner != k->current || !bulk_ok(self, &m)) {
		set_result(self, E_INVAL);
		return (int)k->current;
	}
	/* The call is over: the page it granted leaves our address space before the caller runs. */
	if (self->grant.held && self->grant.from == to)
		grant_revoke(k, k->current);
	deliver(k, k->current, c, &m);
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

/* The interrupt message {irq} from IRQ_SENDER(irq), into t's registers. */
static void deliver_irq(struct kernel *k, struct thread *t)
{
	t->irq_pending = false;
	t->regs.rax = 0;
	t->regs.rdi = IRQ_SENDER((unsigned)t->irq);
	t->regs.rsi = (uint64_t)t->irq;
	t->regs.rdx = t->regs.r10 = t->regs.r8 = t->regs.r9 = t->regs.rbx = 0;
	t->state = T_READY;
	k->counts.messages++;
}

static int irq_wait(struct kernel *k)
{
	struct thread *self = cur(k);

	if (self->irq < 0) {
		set_result(self, E_PERM);
		return (int)k->current;
	}
	if (self->irq_pending) {
		deliver_irq(k, self);
		return (int)k->current;
	}
	return block(k, T_IRQ_WAIT);
}

void ipc_irq(struct kernel *k, unsigned irq)
{
	for (unsigned i = 0; i < k->nthreads; i++) {
		struct thread *t = &k->threads[i];

		if (t->irq != (int)irq)
			continue;
		if (t->state == T_IRQ_WAIT)
			deliver_irq(k, t);
		else if (t->state != T_DEAD)
			t->irq_pending = true;
	}
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
	case SYS_IRQ_WAIT:
		return irq_wait(k);
	default:
		set_result(self, E_INVAL);
		return (int)k->current;
	}
}

void ipc_thread_died(struct kernel *k, unsigned t)
{
	k->threads[t].state = T_DEAD;
	grant_revoke(k, t);
	for (unsigned i = 0; i < k->nthreads; i++)
		if (k->threads[i].grant.held && k->threads[i].grant.from == t)
			grant_revoke(k, i);
	for (unsigned i = 0; i < k->nthreads; i++) {
		struct thread *o = &k->threads[i];

		if ((o->state == T_SENDING || o->state == T_AWAIT_REPLY) && o->partner == t) {
			o->state = T_READY;
			set_result(o, E_DEAD);
		}
	}
}
