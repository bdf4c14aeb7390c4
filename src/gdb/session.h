/* SPDX-License-Identifier: MIT */
/*
 * The command layer: one packet's payload in, a reply and what to do with
 * the guest out. No sockets and no vCPU here: the machine is reached
 * through struct gdb_target, so the whole layer runs in unit tests.
 */
#ifndef MINIVMM_GDB_SESSION_H
#define MINIVMM_GDB_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "gdb/breakpoints.h"
#include "gdb/packet.h"
#include "gdb/regs.h"
#include "gdb/target.h"

enum gdb_action {
	GDB_ACT_REPLY,	  /* send reply, stay stopped */
	GDB_ACT_CONTINUE, /* resume; the reply is the next stop */
	GDB_ACT_STEP,	  /* one instruction; the reply is the next stop */
	GDB_ACT_DETACH,	  /* send reply (OK), forget the client, let the guest run */
	GDB_ACT_KILL,	  /* end the VM; nothing is sent */
};

/* The one thread id we report: gdb numbers threads from 1 (one per vCPU). */
#define GDB_THREAD_ID 1

struct gdb_session {
	struct gdb_target *target;
	struct gdb_breakpoints bps;
	char stop_reply[96]; /* what '?' answers: the last stop */
	char reply[GDB_PACKET_MAX + 1];
	size_t reply_len;
	char xml[GDB_TARGET_XML_MAX];
	size_t xml_len;
};

void gdb_session_init(struct gdb_session *s, struct gdb_target *target);

/*
 * Handle one packet (the payload of a GDB_RX_PACKET; modified in place
 * for binary data). The reply is s->reply/s->reply_len, unframed.
 */
enum gdb_action gdb_command(struct gdb_session *s, char *pkt, size_t len);

/*
 * Record why the guest stopped, as the stop reply gdb will get
 * (T05 for breakpoints, watchpoints and steps, T02 for an interrupt).
 * ev NULL: the stop when a debugger attaches (T05).
 */
void gdb_session_set_stop(struct gdb_session *s, const struct vcpu_debug_event *ev,
			  bool interrupted);

#endif
