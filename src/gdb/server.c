// SPDX-License-Identifier: MIT
/*
 * The gdb server: owns the listening socket, the client connection and
 * the session, and is the vCPU's debugger (struct vcpu_debugger). All of
 * it runs on the vCPU thread: while the guest runs, SIGIO from the
 * sockets asks the run loop for a stop (vcpu_request_debug_stop), and the
 * server does its socket work inside stopped().
 */
#include "gdb/server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb/conn.h"
#include "gdb/session.h"
#include "gdb/transport.h"
#include "sandbox/sandbox.h"

/* How long the last reply (W/X) waits for gdb's acknowledgement. */
#define ACK_WAIT_MS 1000

struct gdb_server {
	struct gdb_addr addr;
	char where[300]; /* the address, for messages */
	int listen_fd;
	struct gdb_conn conn;
	struct vcpu *cpu;
	struct gdb_vcpu_target target;
	struct gdb_session session;
	struct vcpu_debugger debugger;
	bool wait_for_client; /* --gdb-wait, until the first client resumes the guest */
	struct sigaction old_sigio;
	/*
	 * unix:PATH: the socket's directory (O_PATH) and its name there, so
	 * that the socket file goes at the end with unlinkat() on this one
	 * directory, which the sandbox can allow by its fd (it cannot look
	 * at a path).
	 */
	int unix_dir_fd;
	char unix_name[sizeof(((struct gdb_addr *)0)->path)];
};

/* What the SIGIO handler acts on: set while the server exists (signal plumbing). */
static struct vcpu *volatile sigio_target;

static void on_sigio(int sig)
{
	struct vcpu *cpu = sigio_target;

	(void)sig;
	if (cpu)
		vcpu_request_debug_stop(cpu);
}

/* SIGIO from fd to this (the vCPU) thread while the guest runs; off while it is stopped. */
static void set_async(int fd, bool on)
{
	struct f_owner_ex owner = {.type = F_OWNER_TID, .pid = gettid()};
	int fl;

	if (fd < 0)
		return;
	fl = fcntl(fd, F_GETFL);
	if (on)
		fcntl(fd, F_SETOWN_EX, &owner);
	fcntl(fd, F_SETFL, on ? fl | O_ASYNC : fl & ~O_ASYNC);
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return fd >= 0 && poll(&p, 1, 0) > 0;
}

/* The one socket whose activity must stop the running guest. */
static int watched_fd(const struct gdb_server *srv)
{
	return srv->conn.fd >= 0 ? srv->conn.fd : srv->listen_fd;
}

static void debug_off(struct gdb_server *srv)
{
	struct vcpu_guest_debug none = {0};

	vcpu_set_guest_debug(srv->cpu, &none);
}

/* Let the guest run: breakpoints into place, SIGIO on. */
static bool resume(struct gdb_server *srv, bool step)
{
	struct vcpu_guest_debug d;

	gdb_bp_guest_debug(&srv->session.bps, step, &d);
	if (vcpu_set_guest_debug(srv->cpu, &d))
		fprintf(stderr, "minivmm: gdb: cannot set guest debugging: %s\n", strerror(errno));
	gdb_bp_insert_sw(&srv->session.bps, &srv->target.ops);
	set_async(watched_fd(srv), true);
	/* bytes that came before O_ASYNC raise no SIGIO: look once ourselves */
	if (readable(watched_fd(srv)))
		vcpu_request_debug_stop(srv->cpu);
	return false;
}

/*
 * The last reply before we hang up (OK to D or vKill, W/X): gdb
 * acknowledges it with '+', and closing before that arrives makes gdb's
 * write fail ("Remote communication error"). Wait for it, briefly.
 */
static void send_last(struct gdb_server *srv, const void *payload, size_t n)
{
	if (gdb_conn_send(&srv->conn, payload, n) == 0)
		gdb_conn_next(&srv->conn, ACK_WAIT_MS, -1);
}

/* Detach, disconnect or a dropped client: forget it all, the guest runs on. */
static void drop_client(struct gdb_server *srv, const char *why)
{
	if (why)
		fprintf(stderr, "minivmm: gdb: %s; the guest runs on\n", why);
	set_async(srv->conn.fd, false);
	gdb_conn_close(&srv->conn);
	gdb_bp_clear(&srv->session.bps);
	debug_off(srv);
	srv->wait_for_client = false;
	/*
	 * The listening socket is the watched one again: a debugger that
	 * connects while the guest runs on must stop it (SIGIO), or it waits
	 * for an answer forever. Look once too, for one that came meanwhile.
	 */
	set_async(srv->listen_fd, true);
	if (readable(srv->listen_fd))
		vcpu_request_debug_stop(srv->cpu);
}

static void accept_client(struct gdb_server *srv)
{
	int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (srv->conn.fd >= 0) {
		/* one debugger at a time: the second is told nothing and hung up on */
		fprintf(stderr, "minivmm: gdb: refused a second connection on %s\n", srv->where);
		close(fd);
		return;
	}
	gdb_conn_open(&srv->conn, fd);
	gdb_session_init(&srv->session, &srv->target.ops);
	gdb_session_set_stop(&srv->session, NULL, false);
}

static void end_vm(struct vcpu_stop *stop, const char *reason)
{
	stop->kind = VCPU_STOP_KILLED;
	stop->status = GDB_KILL_STATUS;
	stop->dump_registers = false;
	snprintf(stop->reason, sizeof(stop->reason), "%s", reason);
}

/*
 * Serve the client while the guest is stopped. Returns as stopped() does:
 * false to run the guest, true to end the VM.
 */
static bool serve(struct gdb_server *srv, struct vcpu_stop *stop)
{
	struct gdb_session *s = &srv->session;

	for (;;) {
		enum gdb_conn_event ev = gdb_conn_next(&srv->conn, -1, srv->listen_fd);

		switch (ev) {
		case GDB_CONN_PACKET:
			break;
		case GDB_CONN_OTHER:
			accept_client(srv); /* refuses: we have a client */
			continue;
		case GDB_CONN_EINTR:
			if (vcpu_pending_signal(srv->cpu))
				return false; /* the run loop ends the VM for the signal */
			continue;
		case GDB_CONN_INTERRUPT:
		case GDB_CONN_IDLE:
		case GDB_CONN_ACK:
			continue; /* already stopped */
		case GDB_CONN_CLOSED:
		default:
			drop_client(srv, "debugger disconnected");
			return false;
		}
		switch (gdb_command(s, srv->conn.rx.buf, srv->conn.rx.len)) {
		case GDB_ACT_REPLY:
			if (gdb_conn_send(&srv->conn, s->reply, s->reply_len)) {
				drop_client(srv, "debugger connection lost");
				return false;
			}
			continue;
		case GDB_ACT_CONTINUE:
			return resume(srv, false);
		case GDB_ACT_STEP:
			return resume(srv, true);
		case GDB_ACT_DETACH:
			send_last(srv, s->reply, s->reply_len);
			drop_client(srv, NULL);
			return false;
		case GDB_ACT_KILL:
			if (s->reply_len)
				send_last(srv, s->reply, s->reply_len);
			drop_client(srv, NULL);
			end_vm(stop, "killed by the debugger");
			return true;
		}
	}
}

/* Wait (--gdb-wait) or look (SIGIO) for a connection; true when a client is there. */
static bool await_client(struct gdb_server *srv, bool block)
{
	struct pollfd p = {.fd = srv->listen_fd, .events = POLLIN};

	while (srv->conn.fd < 0) {
		int n = poll(&p, 1, block ? -1 : 0);

		if (n < 0 && errno == EINTR && !vcpu_pending_signal(srv->cpu))
			continue;
		if (n <= 0)
			return false;
		accept_client(srv);
	}
	return true;
}

/* A stop we asked for (SIGIO or --gdb-wait): what happened on the sockets? */
static bool stopped_by_request(struct gdb_server *srv, struct vcpu_stop *stop)
{
	if (srv->conn.fd < 0) {
		if (!await_client(srv, srv->wait_for_client))
			return vcpu_pending_signal(srv->cpu) ? false : resume(srv, false);
		return serve(srv, stop); /* gdb asks '?' first: the attach stop (T05) */
	}
	for (;;) {
		switch (gdb_conn_next(&srv->conn, 0, -1)) {
		case GDB_CONN_INTERRUPT:
			gdb_session_set_stop(&srv->session, NULL, true);
			if (gdb_conn_send(&srv->conn, srv->session.stop_reply,
					  strlen(srv->session.stop_reply))) {
				drop_client(srv, "debugger connection lost");
				return false;
			}
			return serve(srv, stop);
		case GDB_CONN_PACKET:
		case GDB_CONN_ACK:
			continue; /* all-stop: nothing but Ctrl-C is meant while running */
		case GDB_CONN_CLOSED:
			drop_client(srv, "debugger disconnected");
			return false;
		default:
			return resume(srv, false); /* acks, noise, or nothing yet */
		}
	}
}

static bool stopped(void *ctx, struct vcpu *cpu, const struct vcpu_debug_event *ev,
		    struct vcpu_stop *stop)
{
	struct gdb_server *srv = ctx;

	(void)cpu;
	set_async(watched_fd(srv), false);
	gdb_bp_remove_sw(&srv->session.bps, &srv->target.ops);
	if (!ev->trap)
		return stopped_by_request(srv, stop);
	if (srv->conn.fd < 0) {
		debug_off(srv); /* left over from a client that is gone */
		return resume(srv, false);
	}
	gdb_session_set_stop(&srv->session, ev, false);
	if (gdb_conn_send(&srv->conn, srv->session.stop_reply, strlen(srv->session.stop_reply))) {
		drop_client(srv, "debugger connection lost");
		return false;
	}
	return serve(srv, stop);
}

/* unix:PATH: keep the socket's directory and name for the unlinkat() at the end. */
static void open_unix_dir(struct gdb_server *srv)
{
	char dir[sizeof(srv->addr.path)], base[sizeof(srv->addr.path)];

	srv->unix_dir_fd = -1;
	if (!srv->addr.is_unix)
		return;
	snprintf(dir, sizeof(dir), "%s", srv->addr.path);
	snprintf(base, sizeof(base), "%s", srv->addr.path);
	snprintf(srv->unix_name, sizeof(srv->unix_name), "%s", basename(base));
	srv->unix_dir_fd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
}

struct gdb_server *gdb_server_start(const char *spec, bool wait, struct vcpu *cpu,
				    const struct guest_mem *mem)
{
	struct gdb_server *srv = calloc(1, sizeof(*srv));
	struct sigaction sa = {.sa_handler = on_sigio, .sa_flags = SA_RESTART};
	char err[400];

	if (!srv) {
		fprintf(stderr, "minivmm: --gdb: out of memory\n");
		return NULL;
	}
	if (gdb_addr_parse(spec, &srv->addr, err, sizeof(err)) ||
	    (srv->listen_fd = gdb_listen(&srv->addr, err, sizeof(err))) < 0) {
		fprintf(stderr, "minivmm: --gdb: %s\n", err);
		free(srv);
		return NULL;
	}
	gdb_addr_describe(&srv->addr, srv->where, sizeof(srv->where));
	open_unix_dir(srv);
	gdb_conn_init(&srv->conn);
	srv->cpu = cpu;
	gdb_vcpu_target_init(&srv->target, cpu, mem);
	gdb_session_init(&srv->session, &srv->target.ops);
	srv->debugger = (struct vcpu_debugger){.ctx = srv, .stopped = stopped};
	srv->wait_for_client = wait;
	sigemptyset(&sa.sa_mask);
	sigio_target = cpu;
	sigaction(SIGIO, &sa, &srv->old_sigio);
	cpu->debugger = &srv->debugger;
	fprintf(stderr, "minivmm: gdb: listening on %s%s\n", srv->where,
		wait ? "; the guest waits for a debugger" : "");
	if (wait)
		vcpu_request_debug_stop(srv->cpu);
	else
		set_async(srv->listen_fd, true);
	return srv;
}

/* gdb's signal numbers for what ends a VM (they equal Linux's for these). */
static int end_signal(const struct vcpu_stop *stop)
{
	switch (stop->kind) {
	case VCPU_STOP_SIGNAL:
		return stop->status - VCPU_STATUS_SIGNAL_BASE;
	case VCPU_STOP_TIMEOUT:
		return SIGALRM;
	case VCPU_STOP_CRASH:
	case VCPU_STOP_FAILURE:
		return SIGSEGV;
	default:
		return 0;
	}
}

void gdb_server_vm_ended(struct gdb_server *srv, const struct vcpu_stop *stop)
{
	char msg[8];
	int sig = end_signal(stop);

	if (!srv || srv->conn.fd < 0)
		return;
	if (sig)
		snprintf(msg, sizeof(msg), "X%02x", sig & 0xff);
	else
		snprintf(msg, sizeof(msg), "W%02x", stop->status & 0xff);
	send_last(srv, msg, strlen(msg));
	gdb_conn_close(&srv->conn);
}

void gdb_server_destroy(struct gdb_server *srv)
{
	if (!srv)
		return;
	srv->cpu->debugger = NULL;
	sigaction(SIGIO, &srv->old_sigio, NULL);
	sigio_target = NULL;
	gdb_conn_close(&srv->conn);
	close(srv->listen_fd);
	if (srv->unix_dir_fd >= 0) {
		unlinkat(srv->unix_dir_fd, srv->unix_name, 0);
		close(srv->unix_dir_fd);
	}
	free(srv);
}

void gdb_server_sandbox_allow(const struct gdb_server *srv, struct sandbox *sb)
{
	/* A client connects (again, after one detached) on the listening socket only. */
	sandbox_allow_arg0(sb, SCMP_SYS(accept4), srv->listen_fd);
	/* Packets in and out on the client socket (recv/send are these two on x86-64). */
	sandbox_allow(sb, SCMP_SYS(recvfrom));
	sandbox_allow(sb, SCMP_SYS(sendto));
	/* The client socket: non-blocking, SIGIO to the vCPU thread (these three commands), */
	sandbox_allow_arg1(sb, SCMP_SYS(fcntl), F_GETFL);
	sandbox_allow_arg1(sb, SCMP_SYS(fcntl), F_SETFL);
	sandbox_allow_arg1(sb, SCMP_SYS(fcntl), F_SETOWN_EX);
	/* and no Nagle delay (TCP_NODELAY, the one option it sets). */
	sandbox_allow_arg1(sb, SCMP_SYS(setsockopt), IPPROTO_TCP);
	/* The SIGIO handler goes back to what it was when the server ends. */
	sandbox_allow_arg0(sb, SCMP_SYS(rt_sigaction), SIGIO);
	if (srv->unix_dir_fd >= 0)
		sandbox_allow_arg0(sb, SCMP_SYS(unlinkat), srv->unix_dir_fd);
}
