#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the fuzz targets (tests/fuzz/corpus/NAME/seed-*).

Each seed is a small, valid input in the target's own input format (see
the comment at the top of tests/fuzz/fuzz_NAME.c), so the fuzzers start
from inputs that reach deep code: requests that complete, kernels that
load, code that runs. Inputs that once crashed or hung are added beside
them by hand (named after the bug) and are never rewritten here.

Usage: python3 tests/fuzz/make_seeds.py   (from the top directory)
"""
import os
import struct

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(TOP, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# --- virtio: op stream of tests/fuzz/fuzz_virtio.c ---------------------------
# <linux/virtio_ring.h>, <linux/virtio_blk.h>, <linux/virtio_config.h>
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4
T_IN, T_OUT, T_FLUSH, T_GET_ID = 0, 1, 4, 8
VERSION_1 = 1 << 32
FLUSH, SEG_MAX, SIZE_MAX, BLK_SIZE = 1 << 9, 1 << 2, 1 << 1, 1 << 6
INDIRECT, EVENT_IDX = 1 << 28, 1 << 29
DESC, AVAIL, USED, IND = 0x1000, 0x2000, 0x3000, 0x4000
HDR, STATUS, DATA = 0x8000, 0x8100, 0x9000


def bring_up(log2num, features, ring_features=False):
    op = 4 | (log2num << 3) | (0x80 if ring_features else 0)
    return struct.pack("<BBQ", op, 0, features)


def desc(idx, addr, length, flags, nxt, indirect_table=False):
    op = 5 | (0x80 if indirect_table else 0)
    return struct.pack("<BBBIIHH", op, 0, idx, addr, length, flags, nxt)


def header(gpa, typ, sector):
    return struct.pack("<BBIIQ", 7, 0, gpa, typ, sector)


def submit(head, used_event=None):
    op = 6 | (0x80 if used_event is not None else 0)
    b = struct.pack("<BBH", op, 0, head)
    if used_event is not None:
        b += struct.pack("<H", used_event)
    return b


def ram(gpa, data):
    return struct.pack("<BBIB", 3, 0, gpa, len(data)) + data


def reg_read(off, size_log2=2):
    return struct.pack("<BBH", 1, size_log2, off)


def request3(typ, sector, data_len, table=False):
    dev_writes = typ in (T_IN, T_GET_ID)
    return (header(HDR, typ, sector) +
            desc(0, HDR, 16, F_NEXT, 1, table) +
            desc(1, DATA, data_len, F_NEXT | (F_WRITE if dev_writes else 0), 2, table) +
            desc(2, STATUS, 1, F_WRITE, 0, table))


BLK = FLUSH | SEG_MAX | SIZE_MAX | BLK_SIZE | VERSION_1
write("virtio", "write", b"\0" + bring_up(4, BLK) + ram(DATA, b"\x5a" * 32) +
      request3(T_OUT, 3, 512) + submit(0) + reg_read(0x60))
write("virtio", "read", b"\0" + bring_up(4, BLK) + request3(T_IN, 3, 1024) + submit(0))
write("virtio", "read-ro", b"\1" + bring_up(3, BLK) + request3(T_IN, 0, 512) + submit(0))
write("virtio", "write-ro", b"\1" + bring_up(3, BLK) + request3(T_OUT, 0, 512) + submit(0))
write("virtio", "flush-getid", b"\0" + bring_up(4, BLK) +
      header(HDR, T_FLUSH, 0) + desc(0, HDR, 16, F_NEXT, 2) + desc(2, STATUS, 1, F_WRITE, 0) +
      submit(0) + request3(T_GET_ID, 0, 20) + submit(0))
write("virtio", "indirect-event-idx", b"\0" + bring_up(5, BLK | INDIRECT | EVENT_IDX, True) +
      request3(T_OUT, 7, 512, table=True) + desc(0, IND, 48, F_INDIRECT, 0) +
      submit(0, used_event=0) + submit(0, used_event=5))
write("virtio", "config", b"\0" + b"".join(struct.pack("<BBB", 2, s, o)
                                          for s in range(4) for o in (0, 4, 8, 20, 24, 0xfc)))
# Issue 9: an indirect descriptor whose table is the descriptor ring itself
# once looped forever in the VMM; kept so the regression run repeats it.
write("virtio", "indirect-table-is-ring", b"\0" + bring_up(4, BLK | INDIRECT, True) +
      desc(0, DESC, 16 * 16, F_INDIRECT, 0) + submit(0))

# --- uart: op stream of tests/fuzz/fuzz_uart.c --------------------------------
def pio_w(reg, val, size_log2=0):
    port_sel = reg + 4  # ports start 4 below COM1
    return struct.pack("<BB", (port_sel << 2) | 0, size_log2) + bytes([val]) + \
        b"\0" * ((1 << size_log2) - 1)


def pio_r(reg, size_log2=0):
    return struct.pack("<BB", ((reg + 4) << 2) | 1, size_log2)


def typed(bs):
    return struct.pack("<BB", (len(bs) << 4) | 2, 0) + bytes(bs)


LCR, DLL, IER, FCR, MCR, LSR, MSR, IIR = 3, 0, 1, 2, 4, 5, 6, 2
write("uart", "init-tx", pio_w(LCR, 0x80) + pio_w(DLL, 1) + pio_w(IER, 0) + pio_w(LCR, 3) +
      pio_w(FCR, 0xc7) + pio_w(MCR, 0x0b) + pio_w(IER, 0x0f) + pio_r(IIR) +
      pio_w(0, ord("h")) + pio_w(0, ord("i")) + pio_r(LSR) + pio_r(IIR))
write("uart", "rx-fifo", pio_w(FCR, 0x01) + pio_w(IER, 0x05) + typed(b"hello world") +
      pio_r(LSR) + pio_r(IIR) + pio_r(0) * 12 + pio_r(LSR))
write("uart", "loopback", pio_w(MCR, 0x1f) + pio_r(MSR) + pio_w(0, 0x41) + pio_r(LSR) +
      pio_r(0) + pio_w(MCR, 0x10) + pio_r(MSR) + pio_w(MCR, 0x03) + pio_r(MSR))
write("uart", "wide", pio_w(0, 0x41, 3) + pio_r(4, 3) + pio_r(7, 2) + pio_w(6, 0x80, 2))

# --- softcpu: mode, flags, rcx, rsi, rdi, rax, code (tests/fuzz/fuzz_softcpu.c)
def cpu(mode, code, flags=0, rcx=0, rsi=0, rdi=0, rax=0):
    return struct.pack("<BBHIII", mode, flags, rcx, rsi, rdi, rax) + code


REAL, PROT, LONG = 0, 1, 2
OUT_F4 = b"\xe6\xf4"          # out %al, $0xf4
write("softcpu", "real-io", cpu(REAL, b"\xb0\x41\xba\xf8\x03\xee\xec" + OUT_F4 + b"\xf4"))
write("softcpu", "real-int", cpu(REAL, b"\xcd\x10\xf4"))
write("softcpu", "prot-mmio", cpu(PROT, b"\xb8\x00\x00\x40\x00\x8b\x18\x89\x18\xf4"))
write("softcpu", "prot-rep-movs", cpu(PROT, b"\xfc\xf3\xa4\xf4", rcx=64, rsi=0xa000,
                                      rdi=0xb000))
write("softcpu", "long-rep-stos", cpu(LONG, b"\xf3\x48\xab\xf4", rcx=512, rdi=0xa000))
write("softcpu", "long-rep-outs", cpu(LONG, b"\x66\xba\xf8\x03\xf3\x6e\xf4", rcx=8,
                                      rsi=0xa000))
write("softcpu", "long-mmio", cpu(LONG, b"\x48\xb8\x00\x00\x00\xd0\x00\x00\x00\x00"
                                  b"\x48\x8b\x18\x48\x89\x18\xf4"))
write("softcpu", "long-fault", cpu(LONG, b"\x0f\x0b"))
write("softcpu", "long-irq", cpu(LONG, b"\x90\x90\x90\xeb\xfb", flags=0x01 | 0x02))
write("softcpu", "long-loop", cpu(LONG, b"\xeb\xfe"))
write("softcpu", "long-cpuid-msr", cpu(LONG, b"\x0f\xa2\xb9\x80\x00\x00\xc0\x0f\x32\xf4"))
write("softcpu", "long-iret", cpu(LONG, b"\x48\x89\xe0\x6a\x10\x50\x9c\x6a\x08"
                                  b"\xe8\x00\x00\x00\x00\x48\x83\x04\x24\x07\x48\xcf\xf4"))

# --- loader: ELF files (tests/fuzz/fuzz_loader.c) ------------------------------
def elf(is64=True, pvh=True, entry=0x100010, paddr=0x100000, filesz=0x40, memsz=0x1000):
    ehsize, phsize = (64, 56) if is64 else (52, 32)
    note = b""
    if pvh:  # XEN_ELFNOTE_PHYS32_ENTRY (18), name "Xen"
        note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + struct.pack("<I", entry)
    nph = 2 if pvh else 1
    note_off = ehsize + nph * phsize
    seg_off = note_off + len(note)
    seg_off = (seg_off + 15) & ~15
    body = b"\xf4" * filesz
    if is64:
        eh = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9 + struct.pack(
            "<HHIQQQIHHHHHH", 2, 62, 1, entry, ehsize, 0, 0, ehsize, phsize, nph, 0, 0, 0)
        ph = struct.pack("<IIQQQQQQ", 1, 5, seg_off, paddr, paddr, filesz, memsz, 16)
        if pvh:
            ph += struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
    else:
        eh = b"\x7fELF" + bytes([1, 1, 1]) + b"\0" * 9 + struct.pack(
            "<HHIIIIIHHHHHH", 2, 3, 1, entry, ehsize, 0, 0, ehsize, phsize, nph, 0, 0, 0)
        ph = struct.pack("<IIIIIIII", 1, seg_off, paddr, paddr, filesz, memsz, 5, 16)
        if pvh:
            ph += struct.pack("<IIIIIIII", 4, note_off, 0, 0, len(note), len(note), 4, 4)
    out = eh + ph + note
    return out + b"\0" * (seg_off - len(out)) + body


write("loader", "elf64-pvh", elf())
write("loader", "elf64-long", elf(pvh=False))
write("loader", "elf32-pvh", elf(is64=False))
write("loader", "elf64-bss", elf(filesz=0x10, memsz=0x10000))


# A bzImage (Documentation/arch/x86/boot.rst): one setup sector, a setup header
# (version 2.15, LOADED_HIGH, XLF_KERNEL_64) that fits the fuzzer's 2 MiB of RAM.
def bzimage(kernel_len=0x400):
    img = bytearray(1024 + kernel_len)
    img[0x1f1] = 1  # setup_sects
    struct.pack_into("<H", img, 0x1fe, 0xaa55)
    img[0x200:0x202] = b"\xeb\x66"  # jump: the header ends at 0x202 + 0x66
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, 0x020f)
    img[0x211] = 1  # loadflags: LOADED_HIGH
    struct.pack_into("<IIBBHI", img, 0x22c, 0x7fffffff, 0x100000, 1, 0, 1, 255)
    struct.pack_into("<QI", img, 0x258, 0x100000, 0x10000)  # pref_address, init_size
    img[1024 + 0x200] = 0xf4
    return bytes(img)


# Multiboot v1 headers (the Multiboot Specification 0.6.96, 3.1).
def mb_header(flags=0, kludge=None):
    h = struct.pack("<III", 0x1BADB002, flags, (-(0x1BADB002 + flags)) & 0xffffffff)
    if kludge:
        h += struct.pack("<IIIII", *kludge)
    return h


write("loader", "bzimage", bzimage())
kludge = mb_header(0x10003, (0x100000, 0x100000, 0, 0x101000, 0x100020))
write("loader", "multiboot-kludge", kludge + b"\xf4" * 0x40)
mb_elf = bytearray(elf(is64=False, pvh=False))
mb_elf[-0x40:-0x40 + 12] = mb_header(3)
write("loader", "multiboot-elf32", bytes(mb_elf))


# --- gdb: what gdb 13 sends in a session, framed as on the wire ---
def gdb_packet(payload):
    return b"$" + payload + b"#" + b"%02x" % (sum(payload) & 0xff)


def gdb_session(*payloads):
    return b"+" + b"".join(gdb_packet(p) + b"+" for p in payloads)


write("gdb", "attach", gdb_session(
    b"qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;xmlRegisters=i386",
    b"qXfer:features:read:target.xml:0,ffb", b"?", b"qAttached", b"qC",
    b"qfThreadInfo", b"qsThreadInfo", b"Hg0", b"g"))
write("gdb", "memory", gdb_session(
    b"m10000,40", b"M10010,4:deadbeef", b"X10020,2:}\x03}]", b"m0,8", b"mffffffffffffffff,10"))
write("gdb", "registers", gdb_session(b"p10", b"P10=0100000000000000", b"p99", b"G" + b"0" * 64))
write("gdb", "breakpoints", gdb_session(
    b"Z0,10004,1", b"Z1,10008,1", b"Z2,10010,4", b"Z3,10018,8", b"Z4,10020,2",
    b"z0,10004,1", b"z2,10010,4", b"vCont?", b"vCont;s:1", b"vCont;c", b"s", b"c"))
write("gdb", "hostile", b"\x03-+" + gdb_packet(b"m10000") + b"$m10000,4#00"
      + b"$" + b"a" * 5000 + b"#00" + b"$abc$" + gdb_packet(b"D") + gdb_packet(b"k"))


# --- solo5: control byte, then an ELF with Solo5 notes or a bare manifest ---
# Layouts: Solo5's elf_abi.h / mft_abi.h (src/abi/solo5_abi.h): a note is
# namesz 6, descsz, type, "Solo5\0" padded to 8; ABI1 content 4-aligned,
# MFT1 content 8-aligned (4 bytes of padding); manifest entries 104 bytes.
MFT_ENTRY_SIZE, RESERVED_FIRST, BLOCK_BASIC, NET_BASIC = 104, 1 << 30, 1, 2


def solo5_note(ntype, content, pad=0):
    body = b"\0" * pad + content
    note = struct.pack("<III", 6, len(body), ntype) + b"Solo5\0\0\0" + body
    return note + b"\0" * (-len(note) % 4)


def mft_entry(name, etype):
    return (name.encode() + b"\0" * (68 - len(name))) + struct.pack("<I", etype) + \
        b"\0" * (MFT_ENTRY_SIZE - 72)


def manifest(*devices):
    entries = [mft_entry("", RESERVED_FIRST)] + [mft_entry(n, t) for n, t in devices]
    return struct.pack("<II", 1, len(entries)) + b"".join(entries)


def solo5_elf(mft):
    ehsize, phsize = 64, 56
    notes_off = ehsize + 2 * phsize
    abi = solo5_note(0x31494241, struct.pack("<IIII", 1, 2, 0, 0))
    mft_off = notes_off + len(abi)
    mft_off += -mft_off % 8
    mftn = solo5_note(0x3154464d, mft, pad=4)
    eh = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack(
        "<HHIQQQIHHHHHH", 2, 62, 1, 0x100000, ehsize, 0, 0, ehsize, phsize, 2, 0, 0, 0)
    ph_abi = struct.pack("<IIQQQQQQ", 4, 4, notes_off, 0, 0, len(abi), len(abi), 4)
    ph_mft = struct.pack("<IIQQQQQQ", 4, 4, mft_off, 0, 0, len(mftn), len(mftn), 8)
    out = eh + ph_abi + ph_mft + abi
    return out + b"\0" * (mft_off - len(out)) + mftn


write("solo5", "image-two-devices",
      b"\0" + solo5_elf(manifest(("storage", BLOCK_BASIC), ("service", NET_BASIC))))
write("solo5", "image-no-devices", b"\0" + solo5_elf(manifest()))
write("solo5", "manifest", b"\1" + manifest(("disk0", BLOCK_BASIC), ("disk1", BLOCK_BASIC)))


# --- irqchip: op stream of tests/fuzz/fuzz_irqchip.c ---
def pic_w(port_idx, val):  # 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1
    return bytes([0 | port_idx << 4, val])


def pic_r(port_idx):
    return bytes([1 | port_idx << 4])


def line(irq, level):
    return bytes([2 | level << 4, irq])


INTA, HANDLER, ROUND_TRIP = bytes([3]), bytes([15]), bytes([11])


def pit_w(port_idx, val):  # 0x40, 0x41, 0x42, 0x43, -, 0x61
    return bytes([4 | port_idx << 4, val])


def pit_r(port_idx):
    return bytes([5 | port_idx << 4])


def clock(ns):  # the smallest shift that holds ns (rounded down)
    shift = 0
    while ns >> (5 * shift) > 0xffff:
        shift += 1
    return bytes([6 | shift << 4]) + struct.pack("<H", ns >> (5 * shift))


def ioapic_w(sel, val):
    return bytes([7]) + struct.pack("<I", sel) + bytes([7 | 1 << 4]) + struct.pack("<I", val)


def ioapic_r(sel):
    return bytes([7]) + struct.pack("<I", sel) + bytes([8 | 1 << 4])


def pin(p, level):
    return bytes([9 | level << 4, p])


def eoi(vector):
    return bytes([10, vector])


LINUX_PIC = (pic_w(0, 0x11) + pic_w(1, 0x30) + pic_w(1, 0x04) + pic_w(1, 0x01) +
             pic_w(2, 0x11) + pic_w(3, 0x38) + pic_w(3, 0x02) + pic_w(3, 0x01) +
             pic_w(1, 0xfa) + pic_w(3, 0xff))
HZ100 = pit_w(3, 0x34) + pit_w(0, 11932 & 0xff) + pit_w(0, 11932 >> 8)
write("irqchip", "linux-pic-pit", LINUX_PIC + HZ100 + clock(10_000_000) + HANDLER +
      clock(25_000_000) + INTA + pic_w(0, 0x20) + ROUND_TRIP + clock(1_000_000_000) + HANDLER)
write("irqchip", "calibrate", pit_r(5) + pit_w(5, 0x01) + pit_w(3, 0xb0) + pit_w(2, 0x2e) +
      pit_w(2, 0x9b) + clock(49_000_000) + pit_r(5) + clock(2_000_000) + pit_r(5) +
      pit_w(3, 0xe8) + pit_r(2) + pit_r(2) + pit_r(2) + ROUND_TRIP)
write("irqchip", "pit-modes", b"".join(
    pit_w(3, 0x30 | m << 1) + pit_w(0, 50) + pit_w(0, 0) + clock(30_000) + pit_w(3, 0x00) +
    pit_r(0) + pit_r(0) + clock(50_000) + pit_w(3, 0xb0 | m << 1 | (m & 1)) + pit_w(2, 9) +
    pit_w(2, 0) + pit_w(5, 1) + clock(5_000) + pit_w(5, 0) + pit_w(5, 1) + clock(20_000) +
    pit_r(5) for m in range(6)) + ROUND_TRIP)
write("irqchip", "pic-modes", LINUX_PIC + pic_w(1, 0) + pic_w(3, 0) + pic_w(4, 0x20) +
      line(5, 1) + line(3, 1) + line(3, 0) + line(9, 1) + line(9, 0) + pic_w(0, 0x0c) +
      pic_r(0) + INTA + pic_w(0, 0x68) + pic_w(1, 0x08) + line(6, 1) + INTA + pic_w(0, 0x48) +
      pic_w(0, 0xc4) + pic_w(0, 0xa0) + pic_w(0, 0x80) + pic_w(0, 0x0b) + pic_r(0) +
      line(5, 0) + INTA + HANDLER + pic_w(2, 0x11) + pic_w(3, 0x38) + pic_w(3, 0x02) +
      pic_w(3, 0x03) + line(12, 1) + INTA + ROUND_TRIP)
write("irqchip", "ioapic", ioapic_r(1) + ioapic_w(0x12, 0x02000000) + ioapic_w(0x13, 0x01000000) +
      ioapic_w(0x12, 0x0000a049) + ioapic_w(0x14, 0x00000030) + pin(9, 1) + pin(9, 1) +
      eoi(0x49) + pin(9, 0) + eoi(0x49) + pin(2, 1) + pin(2, 0) + ioapic_w(0x12, 0x00010049) +
      pin(9, 1) + ioapic_w(0x12, 0x00008049) + ROUND_TRIP + eoi(0x49) +
      LINUX_PIC + HZ100 + clock(30_000_000) + ioapic_r(0x14) + ioapic_r(0x15))


# --- acpi: tests/fuzz/fuzz_acpi.c ---------------------------------------------
# where byte (bit 0: 8-byte gpa, bit 1: 8-byte size, bit 2: +64 KiB, bit 3:
# below 4 GiB), the gpa and size fields, then struct acpi_machine's fields.
def acpi_machine(nr_virtio, lapic=0xfee00000, ioapic=0xfec00000):
    m = struct.pack("<IIBHBHHHBBBB", lapic, ioapic, 0, 0x3f8, 4, 0x600, 0x604, 0xcf9,
                    6, 5, 9, nr_virtio)
    return m + b"".join(struct.pack("<QQB", 0xd0000000 + i * 0x1000, 0x1000, 5 + i)
                        for i in range(8))


# The VMM's own area (0xE0000, 64 KiB) with 0, 1 and 8 transports.
for n in (0, 1, 8):
    write("acpi", "vm-%d-virtio" % n, bytes([4]) + struct.pack("<hH", 0, 0) + acpi_machine(n))
write("acpi", "too-small", bytes([0]) + struct.pack("<hH", 0, 200) + acpi_machine(2))
write("acpi", "below-4g", bytes([8]) + struct.pack("<hHH", 0, 0x8000, 0x100) + acpi_machine(3))


# --- solo5_hvt: op stream of tests/fuzz/fuzz_solo5_hvt.c ----------------------
def hvt_ram(gpa, data):
    return bytes([0]) + struct.pack("<IB", gpa, len(data)) + data


def hvt_block(nr_op, handle, offset16, data_gpa, len8, arg_gpa):
    return bytes([nr_op, handle]) + struct.pack("<HIHIB", offset16, data_gpa, len8, arg_gpa, 0)


def hvt_call(which, gpa, arg):  # which: PUTS POLL WALLTIME NET_WRITE NET_READ HALT
    return bytes([4 | which << 3]) + struct.pack("<I", gpa) + arg.ljust(32, b"\0")


PATTERN = bytes((i * 13 + 1) & 0xff for i in range(255))
write("solo5_hvt", "block-write-read",
      hvt_ram(0x10000, PATTERN) + hvt_ram(0x100ff, PATTERN) + hvt_ram(0x101fe, PATTERN) +
      hvt_block(2, 1, 2, 0x10000, 64, 0x1000) + hvt_block(3, 1, 2, 0x12000, 64, 0x1000) +
      hvt_block(3, 2, 0, 0x40000000 | 0x100, 512, 0x1000) +
      hvt_call(2, 0x2000, b"") + hvt_call(1, 0x2000, struct.pack("<Q", 1000)) +
      hvt_call(0, 0x3000, struct.pack("<QQ", 0x10000, 16)) +
      hvt_call(5, 0x3000, struct.pack("<QiI", 0, 3, 0)))
write("solo5_hvt", "read-into-readonly", hvt_block(3, 1, 0, 0x8000, 64, 0x1000))
write("solo5_hvt", "write-readonly-disk", hvt_ram(0x10000, PATTERN) +
      hvt_block(2, 2, 0, 0x10000, 512, 0x1000))
write("solo5_hvt", "readonly-segment-store", bytes([5]) + struct.pack("<IHB", 0x90, 0x10, 2))


# --- lapic: records of tests/fuzz/fuzz_lapic.c --------------------------------
def lapic(op, off=0, val=0, extra=b""):
    return struct.pack("<BHI", op, off, val) + extra


def lapic_w(off, val):
    return lapic(0 | 2 << 3, off, val)


# Software-enable, a one-shot timer to vector 0x40 (divide by 1), time passes,
# INTA, EOI; a level message and its EOI; TPR masking; x2APIC mode on.
write("lapic", "timer-inta-eoi",
      lapic_w(0xf0, 0x1ff) + lapic_w(0x3e0, 0xb) + lapic_w(0x320, 0x40) + lapic_w(0x380, 1000) +
      lapic(5, 0, 2000) + lapic(4) + lapic(4 | 0x80) +
      lapic(3, 0, 0x51 | 1 << 11) + lapic(4) + lapic(4 | 0x80) +
      lapic_w(0x80, 0x60) + lapic(3, 0, 0x55) + lapic(4) + lapic(6, 0, 0) + lapic(4) +
      lapic_w(0x320, 0x20041) + lapic_w(0x380, 500) + lapic(5, 0, 0x4000) + lapic(4) +
      lapic(2, 0, 0, bytes([0]) + struct.pack("<Q", 0xfee00000 | 1 << 11 | 1 << 10 | 1 << 8)) +
      lapic(2 | 0x80, 0, 0, bytes([0x08]) + struct.pack("<Q", 0x30)) +
      lapic(7, 0, 0, struct.pack("<H", 0x100) + bytes(64)))

# --- platform: RAM sizes, clock, then the op stream of tests/fuzz/fuzz_platform.c
PORTS = [0x6f, 0x70, 0x71, 0x72, 0x5f, 0x60, 0x61, 0x63, 0x64, 0x65, 0x7f, 0x80, 0x81, 0xf3,
         0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0x5ff, 0x600, 0x601, 0x602, 0x603, 0x604, 0x605, 0x606,
         0xcf8, 0xcf9, 0xcfa, 0x92, 0x3f8]
SIZES = {1: 0, 2: 1, 4: 2, 8: 3}


def plat(ops, below_64k=0x2000, above_1m=0, mono=0x1000, wall_s=1764892800):
    return struct.pack("<HHIQ", below_64k, above_1m, mono, wall_s * 10**9) + ops


def p_out(port, data):
    return bytes([0, PORTS.index(port), SIZES[len(data)]]) + data


def p_in(port, size=1):
    return bytes([1, PORTS.index(port), SIZES[size]])


def p_clock(ns_hi, shift=0):   # the clock moves on by ns_hi << shift
    return bytes([2 + 8 * shift, 0, 0]) + struct.pack("<I", ns_hi)


P_POLL, P_CALENDAR = bytes([3, 0, 0]), bytes([4, 0, 0])


def cmos_w(index, value):
    return p_out(0x70, bytes([index])) + p_out(0x71, bytes([value]))


def cmos_r(index):
    return p_out(0x70, bytes([index])) + p_in(0x71)


write("platform", "rtc-calendar", plat(P_CALENDAR + p_clock(1 << 30, 5) + P_CALENDAR))
write("platform", "rtc-periodic-irq", plat(cmos_w(0x0b, 0x42) + p_clock(1 << 24) + P_POLL +
                                           cmos_r(0x0c) + cmos_r(0x0c) + P_POLL))
write("platform", "rtc-update-alarm", plat(cmos_w(1, 0xc0) + cmos_w(3, 0xc0) + cmos_w(5, 0xc0) +
                                           cmos_w(0x0b, 0x32) + p_clock(1 << 31) + P_POLL +
                                           cmos_r(0x0c) + cmos_r(0x0a)))
write("platform", "rtc-set-time", plat(cmos_w(0x0b, 0x82) + cmos_w(0x0a, 0x76) + cmos_w(0, 0x59) +
                                       cmos_w(2, 0x59) + cmos_w(4, 0x23) + cmos_w(7, 0x31) +
                                       cmos_w(8, 0x12) + cmos_w(9, 0x99) + cmos_w(0x0b, 0x02) +
                                       cmos_w(0x0a, 0x26) + p_clock(1 << 31) + P_CALENDAR))
write("platform", "rtc-binary-12h", plat(cmos_w(0x0b, 0x04) + P_CALENDAR + p_clock(1 << 28, 8) +
                                         P_CALENDAR + cmos_w(0x0b, 0x06) + P_CALENDAR))
write("platform", "cmos-ram-word", plat(p_out(0x70, bytes([0x40, 0x5a])) + p_in(0x70, 2) +
                                        cmos_r(0x40) + bytes([5 + 8 * 3, 1, 0]) + b"\x41\x42\x43\x44"))
write("platform", "i8042-reset", plat(p_in(0x64) + p_out(0x64, b"\xd1") + p_out(0x64, b"\xfe") +
                                      p_out(0x64, b"\xf1") + p_out(0x64, b"\xf0")))
write("platform", "acpi-poweroff", plat(p_out(0x602, b"\x20\x01") + p_in(0x600, 4) +
                                        p_out(0x604, b"\x01\x14") + p_in(0x604, 2) +
                                        p_out(0x604, b"\x01\x34")))
write("platform", "acpi-reset", plat(p_out(0xcf9, b"\x02") + p_out(0xcf9, b"\x06") +
                                     p_out(0xcf9, b"\x0e")))
write("platform", "debug-exit", plat(p_in(0xf4, 4) + p_out(0xf4, b"\x2a\0\0\0") +
                                     p_out(0x80, b"\xa5") + p_in(0x3f8)))
