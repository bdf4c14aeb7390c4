/* SPDX-License-Identifier: MIT */
/*
 * The gdb server of --gdb: a listening socket, at most one client, and
 * the vCPU's debugger hook. While the guest runs, the sockets raise SIGIO
 * (to the vCPU thread), which stops the guest between two KVM_RUNs; the
 * server then accepts a client or reads its Ctrl-C. While the guest is
 * stopped the server blocks on the sockets and answers gdb.
 *
 * A client that disconnects, or is dropped for misbehaving, is treated
 * as a detach: breakpoints are removed and the guest runs on; the server
 * keeps listening for the next client.
 */
#ifndef MINIVMM_GDB_SERVER_H
#define MINIVMM_GDB_SERVER_H

#include <stdbool.h>

#include "vcpu/vcpu.h"

struct gdb_server;
struct guest_mem;

/* What gdb's 'k' makes minivmm exit with: 128 + SIGKILL, as if killed. */
#define GDB_KILL_STATUS 137

/*
 * Listen on spec (--gdb) and hook into cpu's run loop. With wait, the
 * vCPU stops before its first instruction until a client attaches and
 * resumes it. NULL after one line on stderr.
 */
struct gdb_server *gdb_server_start(const char *spec, bool wait, struct vcpu *cpu,
				    const struct guest_mem *mem);

/* The VM ended: tell the client (W status, or X signal for a crash or a signal). */
void gdb_server_vm_ended(struct gdb_server *srv, const struct vcpu_stop *stop);

void gdb_server_destroy(struct gdb_server *srv);

struct sandbox;
/* The system calls the server makes once the guest runs (the sandbox's allowlist). */
void gdb_server_sandbox_allow(const struct gdb_server *srv, struct sandbox *sb);

#endif
