// SPDX-License-Identifier: MIT
/*
 * The Solo5 note and manifest parser (src/loader/solo5_notes.c) on ELF
 * images built here byte by byte from <elf.h> and the note layout Solo5's
 * elf_abi.h/mft_abi.h describe (header, "Solo5\0" padded to 8, content
 * aligned to its own alignment inside n_descsz): the expected results come
 * from that layout and the rules of Solo5's mft_validate(), not from the
 * parser. Also: the fuzz-target entry point never reads outside its bytes.
 */
#include <check.h>
#include <elf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "loader/solo5.h"
#include "support/run_suite.h"

#define IMG_MAX 16384

static uint8_t img[IMG_MAX];
static size_t img_len;
static struct solo5_image out;
static char err[256];

/* Append a note: 12-byte header, name padded to 4, pad bytes, content, padded to 4. */
static size_t put_note(uint8_t *p, uint32_t type, size_t pad, const void *content, size_t len)
{
	uint32_t h[3] = {6, (uint32_t)(pad + len), type};
	size_t n = 0;

	memcpy(p, h, 12);
	memcpy(p + 12, "Solo5\0\0\0", 8);
	n = 20;
	memset(p + n, 0, pad);
	n += pad;
	memcpy(p + n, content, len);
	n += len;
	return (n + 3) & ~(size_t)3;
}

struct mft2 {
	struct solo5_mft m;
	struct solo5_mft_entry e[3];
};

static struct mft2 good_mft(void)
{
	struct mft2 m;

	memset(&m, 0, sizeof(m));
	m.m.version = 1;
	m.m.entries = 3;
	m.e[0].type = SOLO5_MFT_RESERVED_FIRST;
	m.e[1].type = SOLO5_MFT_BLOCK_BASIC;
	strcpy(m.e[1].name, "storage");
	m.e[2].type = SOLO5_MFT_NET_BASIC;
	strcpy(m.e[2].name, "service");
	return m;
}

/*
 * An ELF64 x86-64 executable with the ABI1 note (if abi) and the MFT1 note
 * (if mft, of mft_len bytes), each in its own PT_NOTE as Solo5's linker
 * scripts place them (4- and 8-aligned), or both in one 8-aligned PT_NOTE.
 */
static void build_in(const struct solo5_abi1_info *abi, const void *mft, size_t mft_len,
		     bool one_segment)
{
	Elf64_Ehdr eh = {0};
	Elf64_Phdr ph[2] = {{0}};
	size_t n = sizeof(eh) + sizeof(ph), start;

	memset(img, 0, sizeof(img));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph[0]);
	eh.e_phnum = one_segment ? 1 : 2;
	start = n;
	if (abi)
		n += put_note(img + n, 0x31494241, 0, abi, sizeof(*abi)); /* "ABI1", 4-aligned */
	ph[0] = (Elf64_Phdr){.p_type = PT_NOTE,
			     .p_offset = start,
			     .p_filesz = n - start,
			     .p_align = one_segment ? 8 : 4};
	n = (n + 7) & ~(size_t)7; /* the manifest note starts 8-aligned */
	if (!one_segment)
		start = n;
	if (mft)
		n += put_note(img + n, 0x3154464d, 4, mft, mft_len); /* "MFT1": 20 + 4 = 24 */
	if (one_segment)
		ph[0].p_filesz = n - start;
	else
		ph[1] = (Elf64_Phdr){
		    .p_type = PT_NOTE, .p_offset = start, .p_filesz = n - start, .p_align = 8};
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), ph, sizeof(ph));
	img_len = n;
}

static void build(const struct solo5_abi1_info *abi, const void *mft, size_t mft_len)
{
	build_in(abi, mft, mft_len, false);
}

static const struct solo5_abi1_info hvt2 = {1, 2, 0, 0};

static int parse(void)
{
	err[0] = '\0';
	return solo5_parse_bytes(img, img_len, &out, err, sizeof(err));
}

static void expect_refused(const char *mention)
{
	ck_assert_int_eq(parse(), -1);
	ck_assert_msg(strstr(err, mention), "error '%s' lacks '%s'", err, mention);
	ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(valid_image)
{
	struct mft2 m = good_mft();

	build(&hvt2, &m, sizeof(m));
	ck_assert_int_eq(parse(), 1);
	ck_assert_uint_eq(out.abi.abi_target, 1);
	ck_assert_uint_eq(out.abi.abi_version, 2);
	ck_assert_uint_eq(out.nr_entries, 3);
	ck_assert_str_eq(out.entry[1].name, "storage");
	ck_assert_int_eq(solo5_mft_find_block(&out, "storage"), 1);
	ck_assert_int_eq(solo5_mft_find_block(&out, "service"), -1); /* a NET entry */
	ck_assert_int_eq(solo5_mft_find_block(&out, "other"), -1);
	build_in(&hvt2, &m, sizeof(m), true);
	ck_assert_int_eq(parse(), 1);
	ck_assert_uint_eq(out.nr_entries, 3);
}
END_TEST

START_TEST(not_solo5)
{
	build(NULL, NULL, 0);
	ck_assert_int_eq(parse(), 0);
	ck_assert_int_eq(
	    solo5_parse_bytes((const uint8_t *)"not an elf", 10, &out, err, sizeof(err)), 0);
}
END_TEST

START_TEST(abi_refusals)
{
	struct mft2 m = good_mft();
	struct solo5_abi1_info spt = {2, 2, 0, 0}, v3 = {1, 3, 0, 0}, v1 = {1, 1, 0, 0};

	build(&spt, &m, sizeof(m));
	expect_refused("'spt'");
	build(&v3, &m, sizeof(m));
	expect_refused("ABI version 3");
	build(&v1, &m, sizeof(m));
	expect_refused("ABI version 1");
	build(&hvt2, NULL, 0);
	expect_refused("without a manifest");
	build(NULL, &m, sizeof(m));
	expect_refused("no ABI1 note");
}
END_TEST

/*
 * A name with control characters is refused without echoing them: the
 * message is printable (fuzz_solo5 found a newline in an error line).
 */
START_TEST(manifest_unprintable_name)
{
	struct mft2 m = good_mft();

	strcpy(m.e[2].name, "disk\n\x1b[2J");
	m.e[2].attached = true; /* the refusal that used to print the name */
	build(&hvt2, &m, sizeof(m));
	expect_refused("byte 0x0a");
	for (const char *c = err; *c; c++)
		ck_assert_msg(*c >= ' ' && *c <= '~', "unprintable byte 0x%02x in '%s'",
			      (unsigned)(unsigned char)*c, err);
	m = good_mft();
	strcpy(m.e[1].name, "two words");
	build(&hvt2, &m, sizeof(m));
	expect_refused("byte 0x20");
}
END_TEST

/* The rules of Solo5's mft_validate(), plus names and types minivmm requires. */
START_TEST(manifest_refusals)
{
	struct mft2 m;

	m = good_mft();
	m.m.version = 2;
	build(&hvt2, &m, sizeof(m));
	expect_refused("manifest version 2");

	m = good_mft();
	m.m.entries = 2; /* the size no longer matches */
	build(&hvt2, &m, sizeof(m));
	expect_refused("for 2 entries");

	m = good_mft();
	m.m.entries = 65;
	build(&hvt2, &m, sizeof(m));
	expect_refused("65 entries");

	m = good_mft();
	m.m.entries = 0;
	build(&hvt2, &m, sizeof(struct solo5_mft));
	expect_refused("0 entries");

	m = good_mft();
	m.e[0].type = SOLO5_MFT_BLOCK_BASIC;
	build(&hvt2, &m, sizeof(m));
	expect_refused("entry 0");

	m = good_mft();
	memset(m.e[1].name, 'a', sizeof(m.e[1].name));
	build(&hvt2, &m, sizeof(m));
	expect_refused("NUL-terminated");

	m = good_mft();
	m.e[1].attached = 1;
	build(&hvt2, &m, sizeof(m));
	expect_refused("attached");

	m = good_mft();
	m.e[2].type = 7;
	build(&hvt2, &m, sizeof(m));
	expect_refused("unknown type 7");

	m = good_mft();
	m.e[2].type = SOLO5_MFT_BLOCK_BASIC;
	strcpy(m.e[2].name, "storage");
	build(&hvt2, &m, sizeof(m));
	expect_refused("two BLOCK_BASIC devices named 'storage'");

	m = good_mft();
	build(&hvt2, &m, 4);
	expect_refused("too short");
}
END_TEST

/* A Solo5 note cut off by the end of its segment is refused, never read past. */
START_TEST(truncated_notes)
{
	struct mft2 m = good_mft();
	Elf64_Phdr ph;

	build(&hvt2, &m, sizeof(m));
	memcpy(&ph, img + sizeof(Elf64_Ehdr) + sizeof(ph), sizeof(ph));
	ph.p_filesz -= 8;
	memcpy(img + sizeof(Elf64_Ehdr) + sizeof(ph), &ph, sizeof(ph));
	expect_refused("truncated");
	/* Every prefix of the file: no crash, no read outside (ASan build). */
	build(&hvt2, &m, sizeof(m));
	for (size_t len = 0; len <= img_len; len++)
		ck_assert_int_ge(solo5_parse_bytes(img, len, &out, err, sizeof(err)), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("solo5_notes");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, valid_image);
	tcase_add_test(tc, not_solo5);
	tcase_add_test(tc, abi_refusals);
	tcase_add_test(tc, manifest_refusals);
	tcase_add_test(tc, truncated_notes);
	tcase_add_test(tc, manifest_unprintable_name);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
