// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ACPI table builder (src/acpi) over every input it
 * takes: the machine description (interrupt controller addresses, COM1,
 * the power device's ports and values, any number of virtio-mmio
 * transports with their windows and IRQs) and the table area (where, how
 * big), in guest RAM made of a low region and one just below 4 GiB.
 *
 * Oracles besides ASan/UBSan, from the ACPI specification rather than the
 * builder: a refusal is one non-empty line; whatever the outcome, no byte
 * of guest RAM outside the area changed; accepted tables lie wholly inside
 * the area; the
 * RSDP (both checksums), RSDT, XSDT, FADT, MADT and DSDT each sum to zero
 * over their own length and carry their signatures; RSDT and XSDT list the
 * same tables; FADT's 32-bit and 64-bit DSDT/FACS pointers agree when both
 * are set; FACS is
 * 64 bytes and 64-byte aligned; the MADT's entries tile its body exactly
 * and name the input's LAPIC and I/O APIC addresses; the FADT's SCI and
 * PM1 blocks are the input's.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"
#include "acpi/acpi_tables.h"
#include "fuzz_input.h"
#include "memory.h"

#define LOW_SIZE (1u << 20)
#define HIGH_GPA 0xffff0000ull /* the last 64 KiB below 4 GiB */
#define HIGH_SIZE (1u << 16)
#define FILL 0xa5

struct tables {
	const struct guest_mem *mem;
	uint64_t lo, hi; /* the area */
	const struct acpi_machine *m;
};

static const uint8_t *table_at(const struct tables *t, uint64_t gpa, uint64_t len)
{
	const uint8_t *p;

	if (gpa < t->lo || len > t->hi - t->lo || gpa - t->lo > t->hi - t->lo - len)
		abort();
	p = guest_mem_ptr(t->mem, gpa, len);
	if (!p)
		abort();
	return p;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* A table with a standard header: signature, whole length in the area, zero sum. */
static const uint8_t *check_table(const struct tables *t, uint64_t gpa, const char *sig,
				  uint32_t min_len)
{
	const struct acpi_header *h = (const void *)table_at(t, gpa, sizeof(*h));
	uint32_t len = h->length;

	if (memcmp(h->signature, sig, 4) || len < min_len)
		abort();
	if (sum(table_at(t, gpa, len), len))
		abort();
	return (const uint8_t *)h;
}

static void check_madt(const struct tables *t, uint64_t gpa)
{
	const uint8_t *p = check_table(t, gpa, "APIC", sizeof(struct acpi_madt));
	const struct acpi_madt *madt = (const void *)p;
	uint32_t off = sizeof(*madt), ioapics = 0, lapics = 0;

	if (madt->local_apic_address != t->m->lapic_address)
		abort();
	while (off < madt->header.length) {
		uint8_t type = p[off], len;

		if (madt->header.length - off < 2)
			abort();
		len = p[off + 1];
		if (len < 2 || len > madt->header.length - off)
			abort();
		if (type == 0 && len == sizeof(struct acpi_madt_local_apic))
			lapics++;
		if (type == 1) {
			struct acpi_madt_io_apic io;

			if (len != sizeof(io))
				abort();
			memcpy(&io, p + off, sizeof(io));
			if (io.address != t->m->ioapic_address || io.io_apic_id != t->m->ioapic_id)
				abort();
			ioapics++;
		}
		off += len;
	}
	if (off != madt->header.length || ioapics != 1 || lapics < 1)
		abort();
}

static void check_fadt(const struct tables *t, uint64_t gpa)
{
	const struct acpi_fadt *f = (const void *)check_table(t, gpa, "FACP", sizeof(*f));
	/* A 64-bit pointer, when set, is the one the OS uses; both set must agree. */
	uint64_t dsdt = f->x_dsdt ? f->x_dsdt : f->dsdt;
	uint64_t facs_gpa = f->x_firmware_ctrl ? f->x_firmware_ctrl : f->firmware_ctrl;
	const uint8_t *facs;
	uint32_t facs_len;

	if ((f->x_dsdt && f->dsdt && f->x_dsdt != f->dsdt) ||
	    (f->x_firmware_ctrl && f->firmware_ctrl && f->x_firmware_ctrl != f->firmware_ctrl))
		abort();
	check_table(t, dsdt, "DSDT", sizeof(struct acpi_header) + 1);
	if (facs_gpa & 63)
		abort();
	facs = table_at(t, facs_gpa, sizeof(struct acpi_facs));
	memcpy(&facs_len, facs + 4, 4);
	if (memcmp(facs, "FACS", 4) || facs_len != sizeof(struct acpi_facs))
		abort();
	if (f->sci_int != t->m->power.sci_irq || f->pm1a_evt_blk != t->m->power.pm1a_evt_port ||
	    f->pm1a_cnt_blk != t->m->power.pm1a_cnt_port ||
	    f->x_pm1a_cnt_blk.address != t->m->power.pm1a_cnt_port)
		abort();
}

static void check_accepted(const struct tables *t)
{
	const struct acpi_rsdp *r = (const void *)table_at(t, t->lo, sizeof(*r));
	const uint8_t *x, *rs;
	uint32_t n, xlen, rlen;

	if (memcmp(r->signature, "RSD PTR ", 8) || r->revision < 2 || r->length != sizeof(*r) ||
	    sum((const void *)r, ACPI_RSDP_V1_LEN) || sum((const void *)r, sizeof(*r)))
		abort();
	x = check_table(t, r->xsdt_address, "XSDT", sizeof(struct acpi_header));
	rs = check_table(t, r->rsdt_address, "RSDT", sizeof(struct acpi_header));
	memcpy(&xlen, x + 4, 4);
	memcpy(&rlen, rs + 4, 4);
	n = (xlen - (uint32_t)sizeof(struct acpi_header)) / 8;
	if ((xlen - sizeof(struct acpi_header)) % 8 || rlen != sizeof(struct acpi_header) + 4 * n)
		abort();
	for (uint32_t i = 0; i < n; i++) {
		uint64_t e;
		uint32_t e32;
		char sig[4];

		memcpy(&e, x + sizeof(struct acpi_header) + 8 * i, 8);
		memcpy(&e32, rs + sizeof(struct acpi_header) + 4 * i, 4);
		if (e != e32)
			abort();
		memcpy(sig, table_at(t, e, 4), 4);
		if (!memcmp(sig, "FACP", 4))
			check_fadt(t, e);
		else if (!memcmp(sig, "APIC", 4))
			check_madt(t, e);
		else
			abort();
	}
}

static bool all_fill(const uint8_t *p, uint64_t n)
{
	static uint8_t fill[4096];

	if (!fill[0])
		memset(fill, FILL, sizeof(fill));
	for (; n;) {
		uint64_t k = n < sizeof(fill) ? n : sizeof(fill);

		if (memcmp(p, fill, k))
			return false;
		p += k;
		n -= k;
	}
	return true;
}

/* Every byte of the region [gpa, gpa + size) outside [lo, hi) still holds FILL. */
static void check_untouched(const uint8_t *host, uint64_t gpa, uint64_t size, uint64_t lo,
			    uint64_t hi)
{
	uint64_t a = lo < gpa ? gpa : lo > gpa + size ? gpa + size : lo;
	uint64_t b = hi < a ? a : hi > gpa + size ? gpa + size : hi;

	if (!all_fill(host, a - gpa) || !all_fill(host + (b - gpa), gpa + size - b))
		abort();
}

static void read_machine(struct fuzz_in *in, struct acpi_machine *m)
{
	m->lapic_address = fin_u32(in);
	m->ioapic_address = fin_u32(in);
	m->ioapic_id = fin_u8(in);
	m->com1_port = fin_u16(in);
	m->com1_irq = fin_u8(in);
	m->power.pm1a_evt_port = fin_u16(in);
	m->power.pm1a_cnt_port = fin_u16(in);
	m->power.reset_port = fin_u16(in);
	m->power.reset_value = fin_u8(in);
	m->power.s5_slp_typ = fin_u8(in);
	m->power.sci_irq = fin_u8(in);
	/* Any count, beyond the array too: the builder must bound it itself. */
	m->nr_virtio = fin_u8(in);
	for (unsigned i = 0; i < ACPI_MAX_VIRTIO; i++) {
		m->virtio[i].base = fin_u64(in);
		m->virtio[i].size = fin_u64(in);
		m->virtio[i].irq = fin_u8(in);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *low, *high;
	struct guest_mem mem = {0};
	struct acpi_machine m = {0};
	struct fuzz_in in;
	uint64_t gpa, len;
	uint8_t where;
	char err[256];

	if (!low) {
		low = malloc(LOW_SIZE);
		high = malloc(HIGH_SIZE);
		if (!low || !high)
			abort();
	}
	if (guest_mem_add_region(&mem, 0, LOW_SIZE, low) ||
	    guest_mem_add_region(&mem, HIGH_GPA, HIGH_SIZE, high))
		abort();
	memset(low, FILL, LOW_SIZE);
	memset(high, FILL, HIGH_SIZE);
	fin_init(&in, data, size);
	where = fin_u8(&in);
	/* Mostly the real area (0xE0000, 64 KiB) or near it; sometimes anywhere. */
	gpa = where & 1 ? fin_u64(&in) : 0xe0000 + (int16_t)fin_u16(&in);
	len = where & 2 ? fin_u64(&in) : fin_u16(&in) + (where & 4 ? 0x10000u : 0);
	if (where & 8)
		gpa = HIGH_GPA + (fin_u16(&in) & 0xfff0);
	read_machine(&in, &m);
	err[0] = 0;
	if (acpi_build(&mem, gpa, len, &m, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n'))
			abort();
		/* A refused build may have started writing, but only inside the area. */
	} else {
		struct tables t = {.mem = &mem, .lo = gpa, .hi = gpa + len, .m = &m};

		check_accepted(&t);
	}
	if (guest_mem_ptr(&mem, gpa, len)) {
		check_untouched(low, 0, LOW_SIZE, gpa, gpa + len);
		check_untouched(high, HIGH_GPA, HIGH_SIZE, gpa, gpa + len);
	} else {
		check_untouched(low, 0, LOW_SIZE, 0, 0);
		check_untouched(high, HIGH_GPA, HIGH_SIZE, 0, 0);
	}
	return 0;
}
