// SPDX-License-Identifier: MIT
/*
 * hvttest: a Solo5 hvt guest that exercises every hypercall, then the
 * requests a tender must refuse, and (one per run, chosen on the command
 * line with case=NAME) the ABI violations that stop the guest. The test
 * scripts check what it prints against the host: the image bytes, the
 * clock, the -m size, the command line.
 *
 * Command line: [case=all|textwrite|rodatawrite|rodataarg|readtotext|bootinfo|
 * badarg|badbuf|bigputs|blockbuf|badcookie|abort|badport|port0|sleep|rowrite]
 * [exit=N] [anything else].
 */
#include <stdbool.h>

#include "kstring.h"
#include "solo5/hvt.h"

HVT_DECLARE_ABI_NOTE;

static const HVT_MFT_NOTE_TYPE(2) hvt_mft_note
    __attribute__((section(".note.solo5.manifest"), aligned(8), used)) = {
	HVT_MFT_NOTE_HEADER(2),
	.e = {HVT_MFT_RESERVED_FIRST, HVT_MFT_BLOCK("storage")},
};

#define BUF_MAX 32768 /* the largest block size */
static uint8_t buf[2 * BUF_MAX] __attribute__((aligned(4096)));

/* The value of "key=" in the command line, or NULL; copies it into out. */
static const char *arg_value(const char *cmdline, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = cmdline; *p; p++) {
		size_t n = 0;

		if ((p != cmdline && p[-1] != ' ') || strncmp(p, key, klen))
			continue;
		p += klen;
		while (p[n] && p[n] != ' ' && n + 1 < len) {
			out[n] = p[n];
			n++;
		}
		out[n] = '\0';
		return out;
	}
	return NULL;
}

static unsigned parse_uint(const char *s)
{
	unsigned v = 0;

	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (unsigned)(*s++ - '0');
	return v;
}

static void report_boot_info(const struct solo5_hvt_boot_info *bi)
{
	const struct solo5_mft *m = hvt_manifest(bi);

	hvt_printf("hvttest: mem_size=%llu kernel_end=0x%llx tsc_hz=%llu\n",
		   (unsigned long long)bi->mem_size, (unsigned long long)bi->kernel_end,
		   (unsigned long long)bi->cpu_cycle_freq);
	hvt_printf("hvttest: cmdline='%s'\n", (const char *)(uintptr_t)bi->cmdline);
	hvt_printf("hvttest: manifest version=%u entries=%u\n", m->version, m->entries);
	for (uint32_t i = 1; i < m->entries; i++) {
		const struct solo5_mft_entry *e = hvt_entry(bi, i);

		hvt_printf("hvttest: entry %u type=%u name='%s' attached=%u capacity=%llu "
			   "block_size=%u\n",
			   i, e->type, e->name, e->attached,
			   (unsigned long long)e->u.block.capacity, e->u.block.block_size);
	}
}

static void check_time(void)
{
	uint64_t t0 = hvt_walltime(), ready = 1, t1;
	int ret = hvt_poll(100000000ULL, &ready);

	t1 = hvt_walltime();
	hvt_printf("hvttest: walltime_s=%llu\n", (unsigned long long)(t0 / 1000000000ULL));
	hvt_printf("hvttest: poll ret=%d ready_set=%llu slept_ms=%llu\n", ret,
		   (unsigned long long)ready, (unsigned long long)((t1 - t0) / 1000000ULL));
}

/* Block 0 comes from the host; block 2 gets a pattern the host checks. */
static void check_block(int h, const struct solo5_mft_entry *e)
{
	uint32_t bs = e->u.block.block_size;
	int rw, rr;

	for (uint32_t i = 0; i < bs; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	rw = hvt_block_write((uint64_t)h, 2ULL * bs, buf, bs);
	memset(buf + BUF_MAX, 0, bs);
	rr = hvt_block_read((uint64_t)h, 2ULL * bs, buf + BUF_MAX, bs);
	hvt_printf("hvttest: block write ret=%d read ret=%d readback=%s\n", rw, rr,
		   memcmp(buf, buf + BUF_MAX, bs) ? "differs" : "same");
	rr = hvt_block_read((uint64_t)h, 0, buf, bs);
	buf[16] = 0;
	hvt_printf("hvttest: block 0 ret=%d starts '%s'\n", rr, (const char *)buf);
}

static void bad_request(const char *what, unsigned nr, uint64_t handle, uint64_t off, uint64_t len)
{
	volatile struct solo5_hc_block a = {handle, off, (uint64_t)(uintptr_t)buf, len, -1, 0};

	hvt_hypercall(nr, &a);
	hvt_printf("hvttest: bad request %s: ret=%d\n", what, a.ret);
}

static void check_bad_requests(int h, const struct solo5_mft_entry *e)
{
	uint64_t bs = e->u.block.block_size, cap = e->u.block.capacity;
	volatile struct solo5_hc_net n = {1, (uint64_t)(uintptr_t)buf, 64, -1, 0};

	bad_request("misaligned-offset", SOLO5_HC_BLOCK_READ, (uint64_t)h, 1, bs);
	bad_request("misaligned-length", SOLO5_HC_BLOCK_WRITE, (uint64_t)h, 0, bs - 1);
	bad_request("offset-at-capacity", SOLO5_HC_BLOCK_READ, (uint64_t)h, cap, bs);
	bad_request("past-capacity", SOLO5_HC_BLOCK_WRITE, (uint64_t)h, cap - bs, 2 * bs);
	bad_request("length-overflow", SOLO5_HC_BLOCK_READ, (uint64_t)h, bs, ~(bs - 1));
	bad_request("reserved-handle", SOLO5_HC_BLOCK_READ, 0, 0, bs);
	bad_request("handle-64", SOLO5_HC_BLOCK_READ, 64, 0, bs);
	bad_request("huge-handle", SOLO5_HC_BLOCK_WRITE, 1ULL << 40, 0, bs);
	hvt_hypercall(SOLO5_HC_NET_WRITE, &n);
	hvt_printf("hvttest: bad request net-write: ret=%d\n", n.ret);
	n.ret = -1;
	hvt_hypercall(SOLO5_HC_NET_READ, &n);
	hvt_printf("hvttest: bad request net-read: ret=%d\n", n.ret);
}

static int run_all(const struct solo5_hvt_boot_info *bi)
{
	int h = hvt_block_handle(bi, "storage");

	hvt_puts("hvttest: hello via PUTS\n", 24);
	report_boot_info(bi);
	check_time();
	if (h < 0) {
		hvt_printf("hvttest: no block device 'storage'\n");
		return 1;
	}
	check_block(h, hvt_entry(bi, (uint32_t)h));
	check_bad_requests(h, hvt_entry(bi, (uint32_t)h));
	return 0;
}

/* Read-only data (the rodata segment, R only): neither the guest nor a hypercall may write it. */
static const struct solo5_hc_walltime ro_walltime = {0};

/* Writes to the segments without PF_W (text, rodata): solo5-hvt's translation fault. */
static bool run_readonly(const char *c)
{
	if (!strcmp(c, "textwrite"))
		*(volatile uint8_t *)(uintptr_t)&hvt_main = 0xcc;
	else if (!strcmp(c, "rodatawrite"))
		((volatile struct solo5_hc_walltime *)&ro_walltime)->nsecs = 1;
	else if (!strcmp(c, "rodataarg"))
		hvt_hypercall(SOLO5_HC_WALLTIME, (volatile void *)&ro_walltime);
	else if (!strcmp(c, "readtotext"))
		hvt_printf("hvttest: BLOCK_READ into the text: ret=%d\n",
			   hvt_block_read(1, 0, (void *)(uintptr_t)&hvt_main, 512));
	else
		return false;
	return true;
}

/* The cases that break the ABI: each ends the run (status 5, or as noted). */
static void run_hostile(const char *c, const struct solo5_hvt_boot_info *bi)
{
	static struct solo5_trap_regs frame[8] = {{.rip = 0x1234, .cr2 = 0xdead}};
	volatile struct solo5_hc_puts p = {0xfffff000ULL, 16};
	volatile struct solo5_hc_block b = {1, 0, 0x7ffff000ULL, 4096, -1, 0};

	if (run_readonly(c))
		;
	else if (!strcmp(c, "bootinfo"))
		((volatile struct solo5_hvt_boot_info *)bi)->mem_size = 0; /* read-only page */
	else if (!strcmp(c, "badarg"))
		hvt_hypercall_gpa(SOLO5_HC_PUTS, 0xfffffff0U);
	else if (!strcmp(c, "badbuf"))
		hvt_hypercall(SOLO5_HC_PUTS, &p);
	else if (!strcmp(c, "bigputs")) {
		p.data = (uint64_t)(uintptr_t)buf;
		p.len = 1ULL << 40;
		hvt_hypercall(SOLO5_HC_PUTS, &p);
	} else if (!strcmp(c, "blockbuf"))
		hvt_hypercall(SOLO5_HC_BLOCK_READ, &b);
	else if (!strcmp(c, "badcookie"))
		hvt_halt(0, (void *)(uintptr_t)0x7fffff00ULL);
	else if (!strcmp(c, "abort"))
		hvt_halt(SOLO5_EXIT_ABORT, frame);
	else if (!strcmp(c, "badport"))
		__asm__ __volatile__("inl %%dx, %%eax" : : "d"(SOLO5_HVT_PIO_BASE + 1) : "eax");
	else if (!strcmp(c, "port0"))
		hvt_hypercall_gpa(0, 0);
	else if (!strcmp(c, "sleep"))
		hvt_poll(3600ULL * 1000000000ULL, NULL);
	else if (!strcmp(c, "rowrite"))
		hvt_printf("hvttest: write to a read-only disk: ret=%d\n",
			   hvt_block_write(1, 0, buf, 512));
	else
		hvt_printf("hvttest: unknown case '%s'\n", c);
	hvt_printf("hvttest: still running after case %s\n", c);
}

int hvt_main(const struct solo5_hvt_boot_info *bi)
{
	const char *cmdline = (const char *)(uintptr_t)bi->cmdline;
	char c[32] = "all", e[16];
	int status;

	arg_value(cmdline, "case=", c, sizeof(c));
	if (strcmp(c, "all")) {
		run_hostile(c, bi);
		return 0;
	}
	status = run_all(bi);
	hvt_printf("hvttest: done\n");
	return status ? status : (int)parse_uint(arg_value(cmdline, "exit=", e, sizeof(e)));
}
