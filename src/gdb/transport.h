/* SPDX-License-Identifier: MIT */
/*
 * Where the gdb server listens: --gdb tcp:[HOST:]PORT (HOST defaults to
 * 127.0.0.1, PORT 0 picks a free one) or unix:PATH. Only sockets here.
 */
#ifndef MINIVMM_GDB_TRANSPORT_H
#define MINIVMM_GDB_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

struct gdb_addr {
	bool is_unix;
	char host[256];
	uint16_t port;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* Parse a --gdb value; 0, or -1 with a reason in err. */
int gdb_addr_parse(const char *spec, struct gdb_addr *a, char *err, size_t errlen);

/*
 * A listening socket (non-blocking, close-on-exec), or -1 with a reason
 * in err. For tcp with port 0, a->port becomes the port chosen. A unix
 * socket path that exists is refused unless it is a socket (a stale one
 * from an earlier run is replaced).
 */
int gdb_listen(struct gdb_addr *a, char *err, size_t errlen);

/* "tcp:HOST:PORT" or "unix:PATH" for messages. */
void gdb_addr_describe(const struct gdb_addr *a, char *buf, size_t len);

#endif
