/* SPDX-License-Identifier: MIT */
/*
 * A small AML (ACPI Machine Language) byte-code builder, enough for a
 * DSDT that describes fixed devices (ACPI 6.x chapter 20 for the
 * encoding, 6.4 for resource descriptors): scopes, devices, named
 * integers, strings, EISA IDs, packages and resource-template buffers.
 *
 * The builder writes into a caller's buffer; running out of room or an
 * invalid name sets `error` and later calls do nothing, so a caller
 * checks once at the end.
 */
#ifndef MINIVMM_ACPI_AML_H
#define MINIVMM_ACPI_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *buf;
	size_t cap, len;
	bool error;
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
void aml_bytes(struct aml *a, const void *p, size_t n);

/* A NameString: "\\_SB", "COM1", "_SB.VR00"; segments shorter than 4 are padded with '_'. */
void aml_name_string(struct aml *a, const char *path);
/* The shortest integer encoding (ZeroOp, OneOp, Byte/Word/DWord/QWordPrefix). */
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* EISAID("PNP0501"): three letters and four hex digits, compressed to a DWord. */
void aml_eisa_id(struct aml *a, const char *id);

/*
 * Objects with a PkgLength: *_begin() returns a mark, aml_end(mark)
 * measures what was emitted since and inserts the PkgLength in front.
 */
size_t aml_scope_begin(struct aml *a, const char *path);
size_t aml_device_begin(struct aml *a, const char *name);
size_t aml_package_begin(struct aml *a, uint8_t nr_elements);
void aml_end(struct aml *a, size_t mark);

/* Name(NAME, <object>): the object is emitted by the next call. */
void aml_name(struct aml *a, const char *name);
/* Buffer() {bytes}: e.g. a resource template built in another struct aml. */
void aml_buffer(struct aml *a, const uint8_t *data, size_t len);

/* Resource descriptors (6.4), for a _CRS buffer; aml_res_end() closes the template. */
void aml_res_io(struct aml *r, uint16_t port, uint8_t len);
void aml_res_irq_noflags(struct aml *r, uint8_t irq);
void aml_res_memory32_fixed(struct aml *r, uint32_t base, uint32_t size, bool writable);
void aml_res_interrupt(struct aml *r, uint32_t irq, bool level, bool active_low, bool shared);
void aml_res_end(struct aml *r);

#endif
