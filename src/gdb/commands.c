// SPDX-License-Identifier: MIT
/*
 * The packets gdb 13 sends to an x86-64 target in all-stop mode (GDB
 * manual, "Packets", "General Query Packets", "Stop Reply Packets").
 * Anything unknown gets the empty reply, which gdb reads as "not
 * supported". Errors are E01 (malformed packet) and E0e (EFAULT: the
 * address does not translate or is not RAM), E1c (ENOSPC).
 */
#include "gdb/session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define E_MALFORMED "E01"
#define E_FAULT "E0e"
#define E_NOSPACE "E1c"

/* Bytes of memory one m reply carries: hex doubles them. */
#define MAX_MEM_READ ((GDB_PACKET_MAX - 4) / 2)

void gdb_session_init(struct gdb_session *s, struct gdb_target *target)
{
	memset(s, 0, sizeof(*s));
	s->target = target;
	gdb_bp_init(&s->bps);
	gdb_session_set_stop(s, NULL, false);
	s->xml_len = gdb_target_xml(s->xml, sizeof(s->xml));
}

static enum gdb_action reply(struct gdb_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum gdb_action reply(struct gdb_session *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->reply, sizeof(s->reply), fmt, ap);
	va_end(ap);
	s->reply_len = n < 0 ? 0 : (size_t)n < sizeof(s->reply) ? (size_t)n : sizeof(s->reply) - 1;
	return GDB_ACT_REPLY;
}

static enum gdb_action reply_errno(struct gdb_session *s, int err)
{
	return reply(s, "%s", err == -EFAULT ? E_FAULT : err == -ENOSPC ? E_NOSPACE : E_MALFORMED);
}

/* "ADDR,LEN" at *p; with sep, the character that must follow (':' for M and X). */
static int parse_addr_len(const char **p, const char *end, uint64_t *addr, uint64_t *len, char sep)
{
	if (gdb_parse_hex(p, end, addr) || *p >= end || **p != ',')
		return -1;
	(*p)++;
	if (gdb_parse_hex(p, end, len))
		return -1;
	if (sep) {
		if (*p >= end || **p != sep)
			return -1;
		(*p)++;
	} else if (*p != end) {
		return -1;
	}
	return 0;
}

/* Everything gdb sees; the x87/SSE part only from a target that has it. */
static int load_regs(struct gdb_session *s, struct gdb_regs *r)
{
	struct gdb_target *t = s->target;

	if (t->get_regs(t, &r->cpu))
		return -1;
	r->fx_valid = t->get_fx && t->set_fx && !t->get_fx(t, r->fx);
	return 0;
}

static int store_regs(struct gdb_session *s, const struct gdb_regs *r)
{
	struct gdb_target *t = s->target;

	if (t->set_regs(t, &r->cpu))
		return -1;
	return r->fx_valid && t->set_fx(t, r->fx) ? -1 : 0;
}

static enum gdb_action cmd_read_regs(struct gdb_session *s)
{
	struct gdb_regs r;

	if (load_regs(s, &r))
		return reply(s, E_FAULT);
	s->reply_len = gdb_regs_encode_all(&r, s->reply, sizeof(s->reply) - 1);
	s->reply[s->reply_len] = '\0';
	return GDB_ACT_REPLY;
}

static enum gdb_action cmd_write_regs(struct gdb_session *s, const char *p, const char *end)
{
	struct gdb_regs r;

	if (load_regs(s, &r))
		return reply(s, E_FAULT);
	if (gdb_regs_decode_all(&r, p, (size_t)(end - p)))
		return reply(s, E_MALFORMED);
	return reply(s, store_regs(s, &r) ? E_FAULT : "OK");
}

static enum gdb_action cmd_read_reg(struct gdb_session *s, const char *p, const char *end)
{
	struct gdb_regs r;
	uint64_t n;
	int len;

	if (gdb_parse_hex(&p, end, &n) || p != end || n >= gdb_regs_count())
		return reply(s, E_MALFORMED);
	if (load_regs(s, &r))
		return reply(s, E_FAULT);
	len = gdb_reg_encode(&r, (unsigned)n, s->reply, sizeof(s->reply) - 1);
	if (len < 0)
		return reply(s, E_MALFORMED);
	s->reply_len = (size_t)len;
	s->reply[len] = '\0';
	return GDB_ACT_REPLY;
}

static enum gdb_action cmd_write_reg(struct gdb_session *s, const char *p, const char *end)
{
	struct gdb_regs r;
	uint64_t n;

	if (gdb_parse_hex(&p, end, &n) || p >= end || *p++ != '=' || n >= gdb_regs_count())
		return reply(s, E_MALFORMED);
	if (load_regs(s, &r))
		return reply(s, E_FAULT);
	if (gdb_reg_decode(&r, (unsigned)n, p, (size_t)(end - p)))
		return reply(s, E_MALFORMED);
	return reply(s, store_regs(s, &r) ? E_FAULT : "OK");
}

static enum gdb_action cmd_read_mem(struct gdb_session *s, const char *p, const char *end)
{
	uint8_t buf[MAX_MEM_READ];
	uint64_t addr, len;
	size_t got;

	if (parse_addr_len(&p, end, &addr, &len, 0))
		return reply(s, E_MALFORMED);
	if (len > MAX_MEM_READ)
		len = MAX_MEM_READ; /* the protocol allows a shorter answer */
	if (len == 0)
		return reply(s, "%s", "");
	got = s->target->read_mem(s->target, addr, buf, (size_t)len);
	if (got == 0)
		return reply(s, E_FAULT);
	gdb_hex_encode(s->reply, buf, got);
	s->reply_len = 2 * got;
	s->reply[s->reply_len] = '\0';
	return GDB_ACT_REPLY;
}

static enum gdb_action write_mem(struct gdb_session *s, uint64_t addr, const void *data, size_t len)
{
	if (len && s->target->write_mem(s->target, addr, data, len) != len)
		return reply(s, E_FAULT);
	return reply(s, "OK");
}

/* M addr,len:hex */
static enum gdb_action cmd_write_mem_hex(struct gdb_session *s, const char *p, const char *end)
{
	uint8_t buf[GDB_PACKET_MAX / 2];
	uint64_t addr, len;

	if (parse_addr_len(&p, end, &addr, &len, ':') || len > sizeof(buf) ||
	    (uint64_t)(end - p) != 2 * len || gdb_hex_decode(buf, p, (size_t)len))
		return reply(s, E_MALFORMED);
	return write_mem(s, addr, buf, (size_t)len);
}

/* X addr,len:binary (the '}' escape undone here) */
static enum gdb_action cmd_write_mem_bin(struct gdb_session *s, char *p, char *end)
{
	uint64_t addr, len;
	const char *q = p;
	ssize_t n;

	if (parse_addr_len(&q, end, &addr, &len, ':'))
		return reply(s, E_MALFORMED);
	p = (char *)q;
	n = gdb_unescape(p, (size_t)(end - p));
	if (n < 0 || (uint64_t)n != len)
		return reply(s, E_MALFORMED);
	return write_mem(s, addr, p, (size_t)n);
}

/* Z/z type,addr,kind (conditions ";X..." after kind are not supported: we do not announce them) */
static enum gdb_action cmd_breakpoint(struct gdb_session *s, bool add, const char *p,
				      const char *end)
{
	uint64_t type, addr, kind;
	int rc;

	if (gdb_parse_hex(&p, end, &type) || p >= end || *p++ != ',' ||
	    parse_addr_len(&p, end, &addr, &kind, 0))
		return reply(s, E_MALFORMED);
	if (type > GDB_WP_ACCESS)
		return reply(s, "%s", ""); /* not supported */
	rc = add ? gdb_bp_add(&s->bps, s->target, (unsigned)type, addr, kind)
		 : gdb_bp_remove(&s->bps, (unsigned)type, addr, kind);
	if (rc == -ENOENT)
		rc = 0; /* removing what is not there: already the state gdb wants */
	return rc ? reply_errno(s, rc) : reply(s, "OK");
}

/* c/s [addr]: resume, at addr if given. */
static enum gdb_action resume(struct gdb_session *s, enum gdb_action act, const char *p,
			      const char *end)
{
	struct vcpu_regs r;
	uint64_t addr;

	if (p == end)
		return act;
	if (gdb_parse_hex(&p, end, &addr) || p != end)
		return reply(s, E_MALFORMED);
	if (s->target->get_regs(s->target, &r))
		return reply(s, E_FAULT);
	r.rip = addr;
	if (s->target->set_regs(s->target, &r))
		return reply(s, E_FAULT);
	return act;
}

/* C/S sig[;addr]: the signal has no meaning for a VM; resume as c/s. */
static enum gdb_action resume_sig(struct gdb_session *s, enum gdb_action act, const char *p,
				  const char *end)
{
	uint64_t sig;

	if (gdb_parse_hex(&p, end, &sig))
		return reply(s, E_MALFORMED);
	if (p < end && *p++ != ';')
		return reply(s, E_MALFORMED);
	return resume(s, act, p, end);
}

/* A vCont thread id that names our thread: absent, -1 (all), 0 (any) or ours. */
static bool vcont_ours(const char *tid, const char *end)
{
	uint64_t id;

	if (tid == end)
		return true;
	if (end - tid == 2 && !memcmp(tid, "-1", 2))
		return true;
	if (*tid == 'p') /* multiprocess form p<pid>.<tid>: we are process 1 */
		tid++;
	if (gdb_parse_hex(&tid, end, &id))
		return false;
	if (tid < end && *tid == '.') {
		tid++;
		if (end - tid == 2 && !memcmp(tid, "-1", 2))
			return true;
		if (gdb_parse_hex(&tid, end, &id))
			return false;
	}
	return tid == end && (id == 0 || id == GDB_THREAD_ID);
}

/* vCont;action[:thread]...: the first action that applies to our thread wins. */
static enum gdb_action cmd_vcont(struct gdb_session *s, const char *p, const char *end)
{
	while (p < end && *p == ';') {
		const char *act = ++p, *next = memchr(p, ';', (size_t)(end - p)), *colon;

		if (!next)
			next = end;
		colon = memchr(act, ':', (size_t)(next - act));
		if (vcont_ours(colon ? colon + 1 : next, next)) {
			switch (*act) {
			case 'c':
			case 'C':
				return GDB_ACT_CONTINUE;
			case 's':
			case 'S':
				return GDB_ACT_STEP;
			default:
				return reply(s, E_MALFORMED);
			}
		}
		p = next;
	}
	return reply(s, E_MALFORMED);
}

/* qXfer:features:read:target.xml:offset,length */
static enum gdb_action cmd_xfer_features(struct gdb_session *s, const char *p, const char *end)
{
	static const char annex[] = "target.xml:";
	uint64_t off, len;

	if ((size_t)(end - p) < sizeof(annex) - 1 || memcmp(p, annex, sizeof(annex) - 1))
		return reply(s, "E00"); /* an annex we do not have */
	p += sizeof(annex) - 1;
	if (parse_addr_len(&p, end, &off, &len, 0))
		return reply(s, E_MALFORMED);
	if (off >= s->xml_len)
		return reply(s, "l");
	/* the framing may escape bytes: keep the reply well inside a packet */
	if (len > GDB_PACKET_MAX / 2)
		len = GDB_PACKET_MAX / 2;
	if (len > s->xml_len - off)
		len = s->xml_len - off;
	s->reply[0] = off + len < s->xml_len ? 'm' : 'l';
	memcpy(s->reply + 1, s->xml + off, (size_t)len);
	s->reply_len = 1 + (size_t)len;
	s->reply[s->reply_len] = '\0';
	return GDB_ACT_REPLY;
}

static bool starts(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - p) >= n && !memcmp(p, prefix, n);
}

static bool is(const char *p, const char *end, const char *word)
{
	return (size_t)(end - p) == strlen(word) && starts(p, end, word);
}

static enum gdb_action cmd_query(struct gdb_session *s, const char *p, const char *end)
{
	if (starts(p, end, "qSupported"))
		return reply(s,
			     "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+",
			     GDB_PACKET_MAX);
	if (starts(p, end, "qXfer:features:read:"))
		return cmd_xfer_features(s, p + strlen("qXfer:features:read:"), end);
	if (starts(p, end, "qAttached"))
		return reply(
		    s, "1"); /* gdb attached to a running machine: detach, not kill, on quit */
	if (is(p, end, "qC"))
		return reply(s, "QC%x", GDB_THREAD_ID);
	if (is(p, end, "qfThreadInfo"))
		return reply(s, "m%x", GDB_THREAD_ID);
	if (is(p, end, "qsThreadInfo"))
		return reply(s, "l");
	return reply(s, "%s", "");
}

static enum gdb_action cmd_v(struct gdb_session *s, const char *p, const char *end)
{
	if (is(p, end, "vCont?"))
		return reply(s, "vCont;c;C;s;S");
	if (starts(p, end, "vCont;"))
		return cmd_vcont(s, p + 5, end);
	if (starts(p, end, "vKill")) {
		reply(s, "OK");
		return GDB_ACT_KILL;
	}
	return reply(s, "%s", ""); /* vMustReplyEmpty and everything else */
}

enum gdb_action gdb_command(struct gdb_session *s, char *pkt, size_t len)
{
	char *end = pkt + len;

	s->reply_len = 0;
	s->reply[0] = '\0';
	if (len == 0)
		return GDB_ACT_REPLY;
	switch (pkt[0]) {
	case '?':
		return reply(s, "%s", s->stop_reply);
	case 'g':
		return cmd_read_regs(s);
	case 'G':
		return cmd_write_regs(s, pkt + 1, end);
	case 'p':
		return cmd_read_reg(s, pkt + 1, end);
	case 'P':
		return cmd_write_reg(s, pkt + 1, end);
	case 'm':
		return cmd_read_mem(s, pkt + 1, end);
	case 'M':
		return cmd_write_mem_hex(s, pkt + 1, end);
	case 'X':
		return cmd_write_mem_bin(s, pkt + 1, end);
	case 'c':
		return resume(s, GDB_ACT_CONTINUE, pkt + 1, end);
	case 's':
		return resume(s, GDB_ACT_STEP, pkt + 1, end);
	case 'C':
		return resume_sig(s, GDB_ACT_CONTINUE, pkt + 1, end);
	case 'S':
		return resume_sig(s, GDB_ACT_STEP, pkt + 1, end);
	case 'Z':
	case 'z':
		return cmd_breakpoint(s, pkt[0] == 'Z', pkt + 1, end);
	case 'H':
	case 'T':
		return reply(s, "OK"); /* one thread: every thread selection names it */
	case 'D':
		reply(s, "OK");
		return GDB_ACT_DETACH;
	case 'k':
		return GDB_ACT_KILL;
	case 'q':
		return cmd_query(s, pkt, end);
	case 'v':
		return cmd_v(s, pkt, end);
	default:
		return reply(s, "%s", "");
	}
}

void gdb_session_set_stop(struct gdb_session *s, const struct vcpu_debug_event *ev,
			  bool interrupted)
{
	const struct gdb_hw_slot *hit = ev && ev->trap ? gdb_bp_hit(&s->bps, ev->dr6) : NULL;
	static const char *const watch_kind[] = {
	    [GDB_WP_WRITE] = "watch", [GDB_WP_READ] = "rwatch", [GDB_WP_ACCESS] = "awatch"};
	char why[48] = "";

	if (hit && hit->type >= GDB_WP_WRITE)
		snprintf(why, sizeof(why), "%s:%llx;", watch_kind[hit->type],
			 (unsigned long long)hit->gdb_addr);
	else if (hit && hit->type == GDB_BP_HW)
		snprintf(why, sizeof(why), "hwbreak:;");
	else if (hit || (ev && ev->trap && ev->exception == 3)) /* int3, or its stand-in */
		snprintf(why, sizeof(why), "swbreak:;");
	snprintf(s->stop_reply, sizeof(s->stop_reply), "T%sthread:%x;%s", interrupted ? "02" : "05",
		 GDB_THREAD_ID, why);
}
