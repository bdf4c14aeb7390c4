// SPDX-License-Identifier: MIT
/*
 * ELF kernel loading with libelf: find the PT_LOAD segments and the Xen
 * PVH entry note, check everything against guest RAM, the boot area and
 * each other, and only then copy the file into guest memory. The file is
 * untrusted input: every size is checked for overflow before use.
 */
#include "loader/loader.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xen/elfnote.h>

#include "abi/solo5_abi.h"

#define PVH_NOTE_NAME "Xen"

/* Look for XEN_ELFNOTE_PHYS32_ENTRY in one PT_NOTE segment. 1 found, 0 not, -1 error. */
static int find_pvh_note(Elf *e, const GElf_Phdr *ph, uint64_t *entry, char *err, size_t err_len)
{
	Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz,
					   ph->p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	if (!d)
		return loader_fail(err, err_len, "unreadable PT_NOTE segment: %s", elf_errmsg(-1));
	/*
	 * Solo5's notes pad their name to 4 bytes even in an 8-aligned segment,
	 * which libelf reads as malformed: a segment that starts with one is not Xen's.
	 */
	if (d->d_size >= 20 &&
	    !memcmp((const char *)d->d_buf + 12, SOLO5_NOTE_NAME, sizeof(SOLO5_NOTE_NAME)))
		return 0;
	while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const uint8_t *desc = (const uint8_t *)d->d_buf + desc_off;
		uint64_t value = 0;

		off = next;
		if (nh.n_type != XEN_ELFNOTE_PHYS32_ENTRY || nh.n_namesz != sizeof(PVH_NOTE_NAME) ||
		    memcmp((const char *)d->d_buf + name_off, PVH_NOTE_NAME, sizeof(PVH_NOTE_NAME)))
			continue;
		if (nh.n_descsz != 4 && nh.n_descsz != 8)
			return loader_fail(err, err_len,
					   "PVH entry note has a %u-byte value (want 4 or 8)",
					   (unsigned)nh.n_descsz);
		for (unsigned i = 0; i < nh.n_descsz; i++)
			value |= (uint64_t)desc[i] << (8 * i);
		if (value > UINT32_MAX)
			return loader_fail(err, err_len, "PVH entry point 0x%llx is above 4 GiB",
					   (unsigned long long)value);
		*entry = value;
		return 1;
	}
	/* gelf_getnote() stops at a note that does not fit: say so rather than skip it. */
	if (d->d_size - off >= sizeof(GElf_Nhdr))
		return loader_fail(err, err_len,
				   "malformed note at offset 0x%zx of a PT_NOTE segment", off);
	return 0;
}

static int check_segment(const struct elf_image *img, const struct elf_segment *s, unsigned idx,
			 uint64_t file_size, const struct guest_mem *mem, uint64_t reserved_end,
			 char *err, size_t err_len)
{
	unsigned long long a = s->paddr, b = s->paddr + s->memsz;

	if (s->filesz > s->memsz)
		return loader_fail(err, err_len,
				   "segment %u: p_filesz 0x%llx is larger than p_memsz 0x%llx", idx,
				   (unsigned long long)s->filesz, (unsigned long long)s->memsz);
	if (s->offset > file_size || s->filesz > file_size - s->offset)
		return loader_fail(
		    err, err_len,
		    "segment %u: file bytes [0x%llx, +0x%llx) go past the end of the file "
		    "(%llu bytes): truncated",
		    idx, (unsigned long long)s->offset, (unsigned long long)s->filesz,
		    (unsigned long long)file_size);
	if (s->paddr + s->memsz < s->paddr)
		return loader_fail(err, err_len,
				   "segment %u: p_paddr 0x%llx + p_memsz 0x%llx overflows", idx, a,
				   (unsigned long long)s->memsz);
	if (a < reserved_end)
		return loader_fail(err, err_len,
				   "segment %u [0x%llx, 0x%llx) overlaps the boot area [0, 0x%llx) "
				   "minivmm reserves",
				   idx, a, b, (unsigned long long)reserved_end);
	if (a < BOOT_ACPI_END && b > BOOT_ACPI_GPA)
		return loader_fail(
		    err, err_len,
		    "segment %u [0x%llx, 0x%llx) overlaps [0x%llx, 0x%llx), where minivmm "
		    "puts the ACPI tables",
		    idx, a, b, BOOT_ACPI_GPA, BOOT_ACPI_END);
	if (!guest_mem_ptr(mem, s->paddr, s->memsz))
		return loader_fail(
		    err, err_len,
		    "segment %u [0x%llx, 0x%llx) is outside guest RAM (%llu MiB; see -m)", idx, a,
		    b, (unsigned long long)(mem->ram_size >> 20));
	for (unsigned j = 0; j < img->nr_segments; j++) {
		const struct elf_segment *o = &img->seg[j];

		if (s->paddr < o->paddr + o->memsz && o->paddr < s->paddr + s->memsz)
			return loader_fail(
			    err, err_len,
			    "loadable segments %u [0x%llx, 0x%llx) and %u [0x%llx, 0x%llx) "
			    "overlap",
			    o->phdr, (unsigned long long)o->paddr,
			    (unsigned long long)(o->paddr + o->memsz), idx, a, b);
	}
	return 0;
}

static int check_header(Elf *e, GElf_Ehdr *eh, struct elf_image *img, char *err, size_t err_len)
{
	int cls;

	if (elf_kind(e) != ELF_K_ELF)
		return loader_fail(err, err_len, "not an ELF file");
	cls = gelf_getclass(e);
	if (!gelf_getehdr(e, eh))
		return loader_fail(err, err_len, "truncated or corrupt ELF header: %s",
				   elf_errmsg(-1));
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return loader_fail(err, err_len, "not a little-endian ELF file");
	if (cls == ELFCLASS64 && eh->e_machine != EM_X86_64)
		return loader_fail(err, err_len,
				   "wrong machine: ELF64 e_machine %u, want x86-64 (%u)",
				   eh->e_machine, EM_X86_64);
	if (cls == ELFCLASS32 && eh->e_machine != EM_386)
		return loader_fail(err, err_len,
				   "wrong machine: ELF32 e_machine %u, want i386 (%u)",
				   eh->e_machine, EM_386);
	if (cls != ELFCLASS64 && cls != ELFCLASS32)
		return loader_fail(err, err_len, "unknown ELF class %d", cls);
	if (eh->e_type != ET_EXEC)
		return loader_fail(err, err_len,
				   "not an executable ELF file (e_type %u, want ET_EXEC)",
				   eh->e_type);
	img->is_64 = cls == ELFCLASS64;
	return 0;
}

/* Walk the program headers: collect and check PT_LOADs, find the PVH note. */
static int scan_phdrs(Elf *e, const GElf_Ehdr *eh, uint64_t file_size, const struct guest_mem *mem,
		      uint64_t reserved_end, struct elf_image *img, char *err, size_t err_len)
{
	size_t phnum, want = img->is_64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	int rc;

	/*
	 * libelf reads the table as phnum entries of its own size whatever
	 * e_phentsize says, so any other entry size means headers we would
	 * misread (a smaller one also hides a table that runs past the file).
	 */
	if (eh->e_phnum != 0 && eh->e_phentsize != want)
		return loader_fail(
		    err, err_len, "e_phentsize %u is not the size of an ELF%d program header (%zu)",
		    eh->e_phentsize, img->is_64 ? 64 : 32, want);
	/* Check the header's own claim first: libelf reports 0 headers for a cut-off table. */
	if (eh->e_phnum != 0 && eh->e_phnum != PN_XNUM &&
	    (eh->e_phoff > file_size ||
	     (uint64_t)eh->e_phentsize * eh->e_phnum > file_size - eh->e_phoff))
		return loader_fail(err, err_len,
				   "program headers go past the end of the file: truncated");
	if (elf_getphdrnum(e, &phnum) != 0)
		return loader_fail(err, err_len, "cannot read the program headers: %s",
				   elf_errmsg(-1));
	if (phnum == 0)
		return loader_fail(err, err_len, "no program headers, so no loadable segment");
	if (eh->e_phoff > file_size || (uint64_t)eh->e_phentsize * phnum > file_size - eh->e_phoff)
		return loader_fail(err, err_len,
				   "program headers go past the end of the file: truncated");

	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		struct elf_segment s;

		if (!gelf_getphdr(e, (int)i, &ph))
			return loader_fail(err, err_len, "cannot read program header %zu: %s", i,
					   elf_errmsg(-1));
		if (ph.p_type == PT_NOTE && !img->is_pvh) {
			if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
				return loader_fail(err, err_len,
						   "PT_NOTE %zu goes past the end of the file: "
						   "truncated",
						   i);
			rc = find_pvh_note(e, &ph, &img->entry, err, err_len);
			if (rc < 0)
				return -1;
			img->is_pvh = rc == 1;
		}
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (img->nr_segments == ELF_MAX_LOAD_SEGMENTS)
			return loader_fail(err, err_len, "more than %d loadable segments",
					   ELF_MAX_LOAD_SEGMENTS);
		s = (struct elf_segment){ph.p_paddr,  ph.p_filesz, ph.p_memsz,
					 ph.p_offset, (unsigned)i, ph.p_flags};
		if (check_segment(img, &s, (unsigned)i, file_size, mem, reserved_end, err, err_len))
			return -1;
		img->seg[img->nr_segments++] = s;
	}
	if (img->nr_segments == 0)
		return loader_fail(err, err_len, "no loadable (PT_LOAD) segment");
	return 0;
}

static int copy_segments(int fd, const struct guest_mem *mem, struct elf_image *img, char *err,
			 size_t err_len)
{
	img->lo = UINT64_MAX;
	img->hi = 0;
	for (unsigned i = 0; i < img->nr_segments; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint8_t *dst = guest_mem_ptr(mem, s->paddr, s->memsz); /* checked before */
		uint64_t done = 0;

		if (!dst)
			return loader_fail(err, err_len, "segment at 0x%llx left guest RAM",
					   (unsigned long long)s->paddr);
		while (done < s->filesz) {
			ssize_t n =
			    pread(fd, dst + done, s->filesz - done, (off_t)(s->offset + done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return loader_fail(err, err_len,
						   "short read at file offset 0x%llx: %s",
						   (unsigned long long)(s->offset + done),
						   n < 0 ? strerror(errno) : "end of file");
			done += (uint64_t)n;
		}
		memset(dst + s->filesz, 0, s->memsz - s->filesz); /* bss */
		if (s->paddr < img->lo)
			img->lo = s->paddr;
		if (s->paddr + s->memsz > img->hi)
			img->hi = s->paddr + s->memsz;
	}
	return 0;
}

static bool entry_in_segment(const struct elf_image *img)
{
	for (unsigned i = 0; i < img->nr_segments; i++)
		if (img->entry >= img->seg[i].paddr &&
		    img->entry - img->seg[i].paddr < img->seg[i].memsz)
			return true;
	return false;
}

static int load(int fd, const struct guest_mem *mem, uint64_t reserved_end, bool any_class,
		struct elf_image *img, char *err, size_t err_len)
{
	struct stat st;
	GElf_Ehdr eh;
	Elf *e;
	int rc = -1;

	memset(img, 0, sizeof(*img));
	if (fstat(fd, &st) != 0)
		return loader_fail(err, err_len, "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return loader_fail(err, err_len, "not a regular file");
	if (elf_version(EV_CURRENT) == EV_NONE)
		return loader_fail(err, err_len, "libelf is out of date: %s", elf_errmsg(-1));
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e)
		return loader_fail(err, err_len, "cannot read as ELF: %s", elf_errmsg(-1));

	if (check_header(e, &eh, img, err, err_len) == 0 &&
	    scan_phdrs(e, &eh, (uint64_t)st.st_size, mem, reserved_end, img, err, err_len) == 0) {
		if (!img->is_pvh && !img->is_64 && !any_class) {
			loader_fail(err, err_len,
				    "32-bit ELF without a Xen PVH entry note "
				    "(XEN_ELFNOTE_PHYS32_ENTRY) or a Multiboot header: no way to "
				    "boot it");
		} else {
			if (!img->is_pvh)
				img->entry = eh.e_entry;
			if (!entry_in_segment(img))
				loader_fail(err, err_len,
					    "entry point 0x%llx is not inside any loadable segment",
					    (unsigned long long)img->entry);
			else
				rc = copy_segments(fd, mem, img, err, err_len);
		}
	}
	elf_end(e);
	return rc;
}

int elf_load(int fd, const struct guest_mem *mem, uint64_t reserved_end, struct elf_image *img,
	     char *err, size_t err_len)
{
	return load(fd, mem, reserved_end, false, img, err, err_len);
}

int elf_load_any(int fd, const struct guest_mem *mem, uint64_t reserved_end, struct elf_image *img,
		 char *err, size_t err_len)
{
	return load(fd, mem, reserved_end, true, img, err, err_len);
}

int elf_has_pvh_note(int fd)
{
	GElf_Phdr ph;
	struct stat st;
	size_t phnum;
	uint64_t entry, size;
	char err[160];
	int found = 0;
	Elf *e;

	if (fstat(fd, &st) != 0 || elf_version(EV_CURRENT) == EV_NONE ||
	    !(e = elf_begin(fd, ELF_C_READ, NULL)))
		return 0;
	size = (uint64_t)st.st_size;
	if (elf_kind(e) == ELF_K_ELF && elf_getphdrnum(e, &phnum) == 0)
		for (size_t i = 0; i < phnum && !found; i++)
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_NOTE &&
			    ph.p_offset <= size && ph.p_filesz <= size - ph.p_offset)
				found = find_pvh_note(e, &ph, &entry, err, sizeof(err)) == 1;
	elf_end(e);
	return found;
}
