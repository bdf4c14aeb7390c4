// SPDX-License-Identifier: MIT
/* The listening socket of the gdb server: TCP (IPv4/IPv6 by getaddrinfo) or a Unix socket. */
#include "gdb/transport.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int gdb_addr_parse(const char *spec, struct gdb_addr *a, char *err, size_t errlen)
{
	const char *colon;

	memset(a, 0, sizeof(*a));
	if (!strncmp(spec, "unix:", 5)) {
		a->is_unix = true;
		if (!spec[5] || strlen(spec + 5) >= sizeof(a->path)) {
			snprintf(err, errlen, "'%s': a unix socket path of 1 to %zu bytes", spec,
				 sizeof(a->path) - 1);
			return -1;
		}
		strcpy(a->path, spec + 5);
		return 0;
	}
	if (strncmp(spec, "tcp:", 4)) {
		snprintf(err, errlen, "'%s' is not tcp:[HOST:]PORT or unix:PATH", spec);
		return -1;
	}
	spec += 4;
	colon = strrchr(spec, ':');
	if (colon) {
		size_t n = (size_t)(colon - spec);

		/* [v6addr]:port */
		if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']') {
			spec++;
			n -= 2;
		}
		if (n == 0 || n >= sizeof(a->host)) {
			snprintf(err, errlen, "tcp: host name of 1 to %zu bytes expected",
				 sizeof(a->host) - 1);
			return -1;
		}
		memcpy(a->host, spec, n);
		spec = colon + 1;
	} else {
		strcpy(a->host, "127.0.0.1");
	}
	if (parse_port(spec, &a->port)) {
		snprintf(err, errlen, "tcp: '%s' is not a port number 0..65535", spec);
		return -1;
	}
	return 0;
}

static int listen_unix(struct gdb_addr *a, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	if (lstat(a->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", a->path);
			return -1;
		}
		unlink(a->path); /* stale socket of an earlier run */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	memcpy(sa.sun_path, a->path, strlen(a->path) + 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		snprintf(err, errlen, "%s: %s", a->path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int listen_tcp(struct gdb_addr *a, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	char port[8];
	int fd, one = 1, rc;

	snprintf(port, sizeof(port), "%u", a->port);
	rc = getaddrinfo(a->host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "%s: %s", a->host, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 1) ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen)) {
		snprintf(err, errlen, "%s port %u: %s", a->host, a->port, strerror(errno));
		close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	a->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						    : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

int gdb_listen(struct gdb_addr *a, char *err, size_t errlen)
{
	return a->is_unix ? listen_unix(a, err, errlen) : listen_tcp(a, err, errlen);
}

void gdb_addr_describe(const struct gdb_addr *a, char *buf, size_t len)
{
	if (a->is_unix)
		snprintf(buf, len, "unix:%s", a->path);
	else
		snprintf(buf, len, "tcp:%s:%u", a->host, a->port);
}
