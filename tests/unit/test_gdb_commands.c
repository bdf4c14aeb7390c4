// SPDX-License-Identifier: MIT
/*
 * The gdb command layer over a fake target (registers in a struct, 16 KiB
 * of "guest-virtual" memory at 0x10000, nothing mapped elsewhere). Expected
 * replies come from the GDB manual's packet descriptions and the x86 debug
 * register layout (SDM vol. 3, 18.2.4), worked out by hand.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/session.h"
#include "support/run_suite.h"

#define MEM_BASE 0x10000ULL
#define MEM_SIZE 0x4000ULL

static struct fake {
	struct gdb_target ops;
	struct vcpu_regs regs;
	uint8_t fx[VCPU_FXSAVE_SIZE];
	uint8_t mem[MEM_SIZE];
} fake;

static struct gdb_session s;

static int get_regs(struct gdb_target *t, struct vcpu_regs *r)
{
	*r = fake.regs;
	return 0;
}

static int set_regs(struct gdb_target *t, const struct vcpu_regs *r)
{
	fake.regs = *r;
	return 0;
}

static int get_fx(struct gdb_target *t, uint8_t fx[VCPU_FXSAVE_SIZE])
{
	memcpy(fx, fake.fx, sizeof(fake.fx));
	return 0;
}

static int set_fx(struct gdb_target *t, const uint8_t fx[VCPU_FXSAVE_SIZE])
{
	memcpy(fake.fx, fx, sizeof(fake.fx));
	return 0;
}

static size_t span(uint64_t gva, size_t n)
{
	if (gva < MEM_BASE || gva >= MEM_BASE + MEM_SIZE)
		return 0;
	return n < MEM_BASE + MEM_SIZE - gva ? n : (size_t)(MEM_BASE + MEM_SIZE - gva);
}

static size_t read_mem(struct gdb_target *t, uint64_t gva, void *buf, size_t n)
{
	size_t k = span(gva, n);

	memcpy(buf, fake.mem + (gva - MEM_BASE) * (k != 0), k);
	return k;
}

static size_t write_mem(struct gdb_target *t, uint64_t gva, const void *buf, size_t n)
{
	size_t k = span(gva, n);

	memcpy(fake.mem + (gva - MEM_BASE) * (k != 0), buf, k);
	return k;
}

static void setup(void)
{
	memset(&fake, 0, sizeof(fake));
	/* no x87/SSE state unless a test adds get_fx/set_fx */
	fake.ops = (struct gdb_target){.get_regs = get_regs,
				       .set_regs = set_regs,
				       .read_mem = read_mem,
				       .write_mem = write_mem};
	for (unsigned i = 0; i < MEM_SIZE; i++)
		fake.mem[i] = (uint8_t)i;
	gdb_session_init(&s, &fake.ops);
}

/* Run one packet (copied: the layer may unescape in place); returns the action. */
static enum gdb_action cmd_n(const char *pkt, size_t len)
{
	static char buf[GDB_PACKET_MAX + 1];

	memcpy(buf, pkt, len);
	buf[len] = '\0';
	return gdb_command(&s, buf, len);
}

static enum gdb_action cmd(const char *pkt)
{
	return cmd_n(pkt, strlen(pkt));
}

static const char *reply_of(const char *pkt)
{
	ck_assert_int_eq(cmd(pkt), GDB_ACT_REPLY);
	return s.reply;
}

START_TEST(test_queries)
{
	const char *r = reply_of("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");

	ck_assert_ptr_nonnull(strstr(r, "PacketSize=1000")); /* 4096 in hex */
	ck_assert_ptr_nonnull(strstr(r, "qXfer:features:read+"));
	ck_assert_ptr_nonnull(strstr(r, "swbreak+"));
	ck_assert_str_eq(reply_of("qAttached"), "1");
	ck_assert_str_eq(reply_of("qAttached:1"), "1");
	ck_assert_str_eq(reply_of("qC"), "QC1");
	ck_assert_str_eq(reply_of("qfThreadInfo"), "m1");
	ck_assert_str_eq(reply_of("qsThreadInfo"), "l");
	ck_assert_str_eq(reply_of("vMustReplyEmpty"), "");
	ck_assert_str_eq(reply_of("qTStatus"), "");
	ck_assert_str_eq(reply_of("Hg0"), "OK");
	ck_assert_str_eq(reply_of("?"), "T05thread:1;");
	ck_assert_str_eq(reply_of("vCont?"), "vCont;c;C;s;S");
}
END_TEST

START_TEST(test_target_xml_in_chunks)
{
	char doc[GDB_TARGET_XML_MAX] = "";
	size_t len = 0;

	for (unsigned off = 0;; off += 100) {
		char pkt[64];

		snprintf(pkt, sizeof(pkt), "qXfer:features:read:target.xml:%x,64", off);
		ck_assert_int_eq(cmd(pkt), GDB_ACT_REPLY);
		ck_assert(s.reply[0] == 'm' || s.reply[0] == 'l');
		ck_assert_uint_le(s.reply_len - 1, 0x64);
		memcpy(doc + len, s.reply + 1, s.reply_len - 1);
		len += s.reply_len - 1;
		if (s.reply[0] == 'l')
			break;
		ck_assert_uint_eq(s.reply_len - 1, 100);
	}
	ck_assert_uint_eq(len, s.xml_len);
	ck_assert_ptr_nonnull(strstr(doc, "<architecture>i386:x86-64</architecture>"));
	ck_assert_ptr_nonnull(strstr(doc, "org.gnu.gdb.i386.core"));
	ck_assert_ptr_nonnull(strstr(doc, "<reg name=\"fs_base\""));
	ck_assert_ptr_nonnull(strstr(doc, "</target>"));
	ck_assert_str_eq(reply_of("qXfer:features:read:other.xml:0,10"), "E00");
	ck_assert_str_eq(reply_of("qXfer:features:read:target.xml:ffffff,10"), "l");
	ck_assert_str_eq(reply_of("qXfer:features:read:target.xml:zz"), "E01");
}
END_TEST

/*
 * amd64 g layout: 16 GPRs, rip (8 bytes), eflags and 6 selectors (4), 8 x87 (10), 8 x87 ctl (4),
 * 16 xmm (16), mxcsr (4), fs/gs base (8), 6 control (8).
 */
#define G_BYTES (16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 + 8 * 4 + 16 * 16 + 4 + 2 * 8 + 6 * 8)

START_TEST(test_registers)
{
	const char *r;

	fake.regs.gpr[0] = 0x1122334455667788ULL;
	fake.regs.rip = 0xffffffff80100230ULL;
	fake.regs.rflags = 0x246;
	fake.regs.sel[0] = 0x10;
	fake.regs.cr3 = 0x101000;
	r = reply_of("g");
	ck_assert_uint_eq(strlen(r), 2 * G_BYTES);
	ck_assert_int_eq(strncmp(r, "8877665544332211", 16), 0); /* little-endian */
	ck_assert_int_eq(strncmp(r + 2 * 128, "30021080ffffffff", 16), 0);
	ck_assert_int_eq(strncmp(r + 2 * 136, "46020000", 8), 0);
	ck_assert_int_eq(strncmp(r + 2 * 140, "10000000", 8), 0);
	ck_assert_int_eq(strncmp(r + 2 * 164, "xxxxxxxxxxxxxxxxxxxx", 20),
			 0);					   /* st0: unavailable */
	ck_assert_str_eq(reply_of("p10"), "30021080ffffffff");	   /* rip is register 16 */
	ck_assert_str_eq(reply_of("p18"), "xxxxxxxxxxxxxxxxxxxx"); /* st0 */
	ck_assert_str_eq(reply_of("p28"), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"); /* xmm0 */
	/* cr3: 61 = 40 core + 17 sse + 2 bases + cr0, cr2 */
	ck_assert_str_eq(reply_of("p3d"), "0010100000000000");
	ck_assert_str_eq(reply_of("p43"), "E01"); /* past the last register */
	ck_assert_str_eq(reply_of("P10=0000100000000000"), "OK");
	ck_assert_uint_eq(fake.regs.rip, 0x100000);
	ck_assert_str_eq(reply_of("P10=00"), "E01"); /* wrong size */
	ck_assert_str_eq(reply_of("P10"), "E01");
	ck_assert_str_eq(reply_of("Pzz=00"), "E01");
	/* G with what g gave, rax changed: round trip */
	{
		char g[2 * G_BYTES + 2] = "G";

		strcpy(g + 1, reply_of("g"));
		memcpy(g + 1, "0100000000000000", 16);
		ck_assert_str_eq(reply_of(g), "OK");
		ck_assert_uint_eq(fake.regs.gpr[0], 1);
		ck_assert_uint_eq(fake.regs.cr3, 0x101000);
		g[3] = 'q';
		ck_assert_str_eq(reply_of(g), "E01");
	}
}
END_TEST

/*
 * x87 and SSE registers from an FXSAVE image (SDM vol. 1, table 10-2):
 * TOP = 6, physical register 6 (ST0) holds pi and 7 (ST1) zero, the
 * rest empty. The full tag word gdb gets (SDM 8.1.7: 00 valid, 01 zero,
 * 10 special, 11 empty per physical register) is 0x4fff; back, a full
 * tag word of all-empty leaves the abridged one 0.
 */
START_TEST(test_fp_registers)
{
	static const uint8_t pi[10] = {0x35, 0xc2, 0x68, 0x21, 0xa2, 0xda, 0x0f, 0xc9, 0x00, 0x40};

	fake.ops.get_fx = get_fx;
	fake.ops.set_fx = set_fx;
	fake.fx[0] = 0x7f, fake.fx[1] = 0x03; /* FCW */
	fake.fx[3] = 6 << 3;		      /* FSW: TOP = 6 */
	fake.fx[4] = 0xc0;		      /* abridged tag: 6 and 7 in use */
	memcpy(fake.fx + 32, pi, sizeof(pi));
	memcpy(fake.fx + 8, (const uint8_t[]){0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe}, 8);
	fake.fx[24] = 0x80, fake.fx[25] = 0x1f; /* MXCSR */
	for (unsigned i = 0; i < 16; i++)
		fake.fx[160 + 16 + i] = (uint8_t)(0xa0 + i);	   /* xmm1 */
	ck_assert_str_eq(reply_of("p18"), "35c26821a2da0fc90040"); /* st0 */
	ck_assert_str_eq(reply_of("p20"), "7f030000");		   /* fctrl */
	ck_assert_str_eq(reply_of("p21"), "00300000");		   /* fstat */
	ck_assert_str_eq(reply_of("p22"), "ff4f0000");		   /* ftag */
	ck_assert_str_eq(reply_of("p23"), "98badcfe");		   /* fiseg: FIP 63:32 */
	ck_assert_str_eq(reply_of("p24"), "10325476");		   /* fioff */
	ck_assert_str_eq(reply_of("p29"), "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"); /* xmm1 */
	ck_assert_str_eq(reply_of("p38"), "801f0000");			       /* mxcsr */
	ck_assert_uint_eq(strlen(reply_of("g")), 2 * G_BYTES);
	ck_assert_str_eq(reply_of("P22=ffff0000"), "OK");
	ck_assert_uint_eq(fake.fx[4], 0);
	ck_assert_str_eq(reply_of("P2a=00112233445566778899aabbccddeeff"), "OK"); /* xmm2 */
	ck_assert_uint_eq(fake.fx[160 + 32], 0x00);
	ck_assert_uint_eq(fake.fx[160 + 47], 0xff);
	ck_assert_str_eq(reply_of("P38=a01f0000"), "OK");
	ck_assert_uint_eq(fake.fx[24], 0xa0);
}
END_TEST

START_TEST(test_memory)
{
	char big[64];

	ck_assert_str_eq(reply_of("m10000,4"), "00010203");
	ck_assert_str_eq(reply_of("m13ffe,4"), "feff"); /* short: the rest is unmapped */
	ck_assert_str_eq(reply_of("m20000,4"), "E0e");
	ck_assert_str_eq(reply_of("mffffffffffffffff,ffffffffffffffff"), "E0e");
	/* a huge length is answered with what fits in a packet */
	ck_assert_int_eq(cmd("m10000,ffffffff"), GDB_ACT_REPLY);
	ck_assert_uint_gt(s.reply_len, 1000);
	ck_assert_uint_le(s.reply_len, GDB_PACKET_MAX);
	ck_assert_str_eq(reply_of("m"), "E01");
	ck_assert_str_eq(reply_of("m10000"), "E01");
	ck_assert_str_eq(reply_of("m10000,"), "E01");
	ck_assert_str_eq(reply_of("m10000,4x"), "E01");
	ck_assert_str_eq(reply_of("M10000,2:abcd"), "OK");
	ck_assert_uint_eq(fake.mem[0], 0xab);
	ck_assert_uint_eq(fake.mem[1], 0xcd);
	ck_assert_str_eq(reply_of("M10000,2:abc"), "E01");
	ck_assert_str_eq(reply_of("M10000,2:abcdef"), "E01");
	ck_assert_str_eq(reply_of("M10000,1:zz"), "E01");
	ck_assert_str_eq(reply_of("M20000,1:00"), "E0e");
	snprintf(big, sizeof(big), "M10000,%x:00", GDB_PACKET_MAX);
	ck_assert_str_eq(reply_of(big), "E01");
	/* X: binary, '}' escapes: "}\x03" is '#' */
	ck_assert_int_eq(cmd_n("X10004,3:a}\x03\0", 13), GDB_ACT_REPLY);
	ck_assert_str_eq(s.reply, "OK");
	ck_assert_uint_eq(fake.mem[4], 'a');
	ck_assert_uint_eq(fake.mem[5], '#');
	ck_assert_uint_eq(fake.mem[6], 0);
	ck_assert_str_eq(reply_of("X10004,0:"), "OK"); /* gdb's probe for X support */
	ck_assert_str_eq(reply_of("X10004,2:a"), "E01");
	ck_assert_str_eq(reply_of("X10004,1:}"), "E01");
}
END_TEST

START_TEST(test_sw_breakpoints_hide_int3)
{
	ck_assert_str_eq(reply_of("Z0,10010,1"), "OK");
	ck_assert_str_eq(reply_of("Z0,10010,1"), "OK"); /* repeated */
	gdb_bp_insert_sw(&s.bps, &fake.ops);
	ck_assert_uint_eq(fake.mem[0x10], 0xcc); /* while the guest runs */
	gdb_bp_remove_sw(&s.bps, &fake.ops);
	ck_assert_str_eq(reply_of("m10010,1"), "10"); /* stopped: the original byte */
	ck_assert_str_eq(reply_of("z0,10010,1"), "OK");
	gdb_bp_insert_sw(&s.bps, &fake.ops);
	ck_assert_uint_eq(fake.mem[0x10], 0x10);
	ck_assert_str_eq(reply_of("z0,10010,1"), "OK"); /* already gone */
	ck_assert_str_eq(reply_of("Z9,10010,1"), "");	/* unknown type: unsupported */
	ck_assert_str_eq(reply_of("Z0,10010"), "E01");
}
END_TEST

START_TEST(test_sw_breakpoint_on_unmapped_memory_uses_a_debug_register)
{
	struct vcpu_guest_debug d;

	/* no int3 can go to 0x20000 (unmapped): DR0 executes-breaks there instead */
	ck_assert_str_eq(reply_of("Z0,20000,1"), "OK");
	gdb_bp_guest_debug(&s.bps, false, &d);
	ck_assert(d.hw_bp && !d.sw_bp);
	ck_assert_uint_eq(d.addr[0], 0x20000);
	ck_assert_uint_eq(d.dr7, 0x1); /* L0, R/W0 = 00 (execute), LEN0 = 00 */
	gdb_session_set_stop(
	    &s, &(struct vcpu_debug_event){.trap = true, .exception = 1, .dr6 = 0xffff0ff1}, false);
	ck_assert_str_eq(reply_of("?"), "T05thread:1;swbreak:;");
	ck_assert_str_eq(reply_of("z0,20000,1"), "OK");
	gdb_bp_guest_debug(&s.bps, false, &d);
	ck_assert(!d.hw_bp);
	/* with every debug register taken, an unmapped one cannot be had */
	ck_assert_str_eq(reply_of("Z1,1,1"), "OK");
	ck_assert_str_eq(reply_of("Z1,2,1"), "OK");
	ck_assert_str_eq(reply_of("Z1,3,1"), "OK");
	ck_assert_str_eq(reply_of("Z1,4,1"), "OK");
	ck_assert_str_eq(reply_of("Z0,20000,1"), "E0e");
	ck_assert_str_eq(reply_of("Z1,5,1"), "E1c");
}
END_TEST

START_TEST(test_hw_breakpoints_and_watchpoints_dr7)
{
	struct vcpu_guest_debug d;

	ck_assert_str_eq(reply_of("Z1,100230,1"), "OK");
	ck_assert_str_eq(reply_of("Z2,10f000,4"), "OK");
	gdb_bp_guest_debug(&s.bps, false, &d);
	ck_assert(d.hw_bp && !d.sw_bp && !d.single_step);
	ck_assert_uint_eq(d.addr[0], 0x100230);
	ck_assert_uint_eq(d.addr[1], 0x10f000);
	/* DR0: L0, execute (R/W 00, LEN 00); DR1: L1 (bit 2), R/W1 = 01 (bits 20-21), LEN1 = 11
	 * (bits 22-23) */
	ck_assert_uint_eq(d.dr7, 0x1ULL | 0x4ULL | (0x1ULL << 20) | (0x3ULL << 22));
	/* 3 bytes at an odd address need 1 + 2 bytes: two registers, the last two free */
	ck_assert_str_eq(reply_of("Z4,10f011,3"), "OK");
	gdb_bp_guest_debug(&s.bps, true, &d);
	ck_assert(d.single_step);
	ck_assert_uint_eq(d.addr[2], 0x10f011);
	ck_assert_uint_eq(d.addr[3], 0x10f012);
	/* DR2: R/W 11, LEN 00 (1 byte); DR3: R/W 11, LEN 01 (2 bytes) */
	ck_assert_uint_eq((d.dr7 >> 24) & 0xff, 0x3 | (0x0 << 2) | (0x3 << 4) | (0x1 << 6));
	ck_assert_str_eq(reply_of("Z2,10f100,8"), "E1c"); /* all four in use */
	ck_assert_str_eq(reply_of("Z2,10f100,0"), "E01");
	/* a watchpoint hit names gdb's address */
	gdb_session_set_stop(
	    &s, &(struct vcpu_debug_event){.trap = true, .exception = 1, .dr6 = 0xffff0ff8}, false);
	ck_assert_str_eq(reply_of("?"), "T05thread:1;awatch:10f011;");
	gdb_session_set_stop(
	    &s, &(struct vcpu_debug_event){.trap = true, .exception = 1, .dr6 = 0xffff0ff1}, false);
	ck_assert_str_eq(reply_of("?"), "T05thread:1;hwbreak:;");
	ck_assert_str_eq(reply_of("z4,10f011,3"), "OK");
	ck_assert_str_eq(reply_of("z2,10f000,4"), "OK");
	ck_assert_str_eq(reply_of("z1,100230,1"), "OK");
	gdb_bp_guest_debug(&s.bps, false, &d);
	ck_assert(!d.hw_bp);
	ck_assert_uint_eq(d.dr7, 0);
	gdb_session_set_stop(&s, &(struct vcpu_debug_event){.trap = true, .exception = 3}, false);
	ck_assert_str_eq(reply_of("?"), "T05thread:1;swbreak:;");
	gdb_session_set_stop(&s, NULL, true);
	ck_assert_str_eq(reply_of("?"), "T02thread:1;");
}
END_TEST

START_TEST(test_resume_packets)
{
	ck_assert_int_eq(cmd("c"), GDB_ACT_CONTINUE);
	ck_assert_int_eq(cmd("s"), GDB_ACT_STEP);
	ck_assert_int_eq(cmd("c10020"), GDB_ACT_CONTINUE);
	ck_assert_uint_eq(fake.regs.rip, 0x10020);
	ck_assert_int_eq(cmd("C05"), GDB_ACT_CONTINUE);
	ck_assert_int_eq(cmd("S05;10030"), GDB_ACT_STEP);
	ck_assert_uint_eq(fake.regs.rip, 0x10030);
	ck_assert_int_eq(cmd("vCont;c"), GDB_ACT_CONTINUE);
	ck_assert_int_eq(cmd("vCont;s:1;c"), GDB_ACT_STEP);
	ck_assert_int_eq(cmd("vCont;s:2;c"), GDB_ACT_CONTINUE); /* thread 2 is not ours */
	ck_assert_int_eq(cmd("vCont;s:p1.-1"), GDB_ACT_STEP);
	ck_assert_int_eq(cmd("vCont;S05:1"), GDB_ACT_STEP);
	ck_assert_str_eq(reply_of("vCont;t"), "E01");
	ck_assert_str_eq(reply_of("vCont;s:2"), "E01");
	ck_assert_str_eq(reply_of("vCont"), "");
	ck_assert_str_eq(reply_of("cxyz"), "E01");
	ck_assert_int_eq(cmd("D"), GDB_ACT_DETACH);
	ck_assert_str_eq(s.reply, "OK");
	ck_assert_int_eq(cmd("D;1"), GDB_ACT_DETACH);
	ck_assert_int_eq(cmd("k"), GDB_ACT_KILL);
	ck_assert_int_eq(cmd("vKill;1"), GDB_ACT_KILL);
	ck_assert_str_eq(reply_of(""), "");
}
END_TEST

START_TEST(test_random_packets_are_answered)
{
	/* any payload gets a bounded reply or an action, never a crash */
	static char pkt[GDB_PACKET_MAX + 1];
	static const char first[] = "?gGpPmMXcsCSZzHTDqvkx";
	unsigned seed = 42;

	for (unsigned i = 0; i < 20000; i++) {
		size_t len;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % 64;
		for (size_t j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			pkt[j] = j == 0 ? first[(seed >> 16) % (sizeof(first) - 1)]
					: "0123456789abcdef,:;=}#$xX-"[(seed >> 16) % 27];
		}
		pkt[len] = '\0';
		gdb_command(&s, pkt, len);
		ck_assert_uint_le(s.reply_len, GDB_PACKET_MAX);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *su = suite_create("gdb_commands");
	TCase *tc = tcase_create("commands");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_queries);
	tcase_add_test(tc, test_target_xml_in_chunks);
	tcase_add_test(tc, test_registers);
	tcase_add_test(tc, test_fp_registers);
	tcase_add_test(tc, test_memory);
	tcase_add_test(tc, test_sw_breakpoints_hide_int3);
	tcase_add_test(tc, test_sw_breakpoint_on_unmapped_memory_uses_a_debug_register);
	tcase_add_test(tc, test_hw_breakpoints_and_watchpoints_dr7);
	tcase_add_test(tc, test_resume_packets);
	tcase_add_test(tc, test_random_packets_are_answered);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	return test_run_suite(suite());
}
