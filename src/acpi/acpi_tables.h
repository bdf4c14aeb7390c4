/* SPDX-License-Identifier: MIT */
/*
 * The ACPI table layouts minivmm writes, defined once from the ACPI 6.x
 * specification (chapter 5.2) because Debian has no development package
 * with them (ACPICA's actbl*.h are not installed anywhere a build can rely
 * on). Every layout is packed and its size is checked against the spec.
 */
#ifndef MINIVMM_ACPI_TABLES_H
#define MINIVMM_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_PACKED __attribute__((packed))

/* 5.2.5.3 Root System Description Pointer, revision 2. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* over the first 20 bytes (the ACPI 1.0 part) */
	char oem_id[6];
	uint8_t revision; /* 2: ACPI 2.0 and later, XSDT present */
	uint32_t rsdt_address;
	uint32_t length; /* of this structure: 36 */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* over all 36 bytes */
	uint8_t reserved[3];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP is 36 bytes");
#define ACPI_RSDP_V1_LEN 20

/* 5.2.6 System Description Table Header, common to every table but the FACS. */
struct acpi_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* all bytes of the table sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_header) == 36, "table header is 36 bytes");

/* 5.2.3.2 Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id; /* ACPI_SPACE_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* ACPI_ACCESS_* */
	uint64_t address;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");
#define ACPI_SPACE_SYSTEM_MEMORY 0
#define ACPI_SPACE_SYSTEM_IO 1
#define ACPI_ACCESS_BYTE 1
#define ACPI_ACCESS_WORD 2
#define ACPI_ACCESS_DWORD 3

/* 5.2.9 Fixed ACPI Description Table, revision 6 (ACPI 6.0 and later). */
struct acpi_fadt {
	struct acpi_header header; /* "FACP" */
	uint32_t firmware_ctrl;	   /* FACS, 32-bit */
	uint32_t dsdt;		   /* DSDT, 32-bit */
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd; /* 0: no SMI, the machine is always in ACPI mode */
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_identity;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 is 276 bytes");
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "FADT SCI_INT offset");
_Static_assert(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64, "FADT PM1a_CNT_BLK offset");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT IAPC_BOOT_ARCH offset");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT Flags offset");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT RESET_REG offset");
_Static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "FADT X_FIRMWARE_CTRL offset");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "FADT X_PM1a_EVT_BLK offset");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT SLEEP_CONTROL_REG");

/* FADT Flags (table 5.10). */
#define ACPI_FADT_WBINVD (1u << 0)
#define ACPI_FADT_PROC_C1 (1u << 2)
#define ACPI_FADT_PWR_BUTTON (1u << 4) /* set: no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON (1u << 5) /* set: no fixed-feature sleep button */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED (1u << 20)
/* IA-PC boot architecture flags (table 5.11). */
#define ACPI_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_IAPC_8042 (1u << 1)
#define ACPI_IAPC_VGA_NOT_PRESENT (1u << 2)
#define ACPI_IAPC_MSI_NOT_SUPPORTED (1u << 3)
/* PM1 control register (4.8.3.2.1). */
#define ACPI_PM1_CNT_SCI_EN (1u << 0)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP_MASK (7u << 10)
#define ACPI_PM1_CNT_SLP_EN (1u << 13)

/* 5.2.10 Firmware ACPI Control Structure (no table header, 64-byte aligned). */
struct acpi_facs {
	char signature[4]; /* "FACS" */
	uint32_t length;   /* 64 */
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version; /* 2 */
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS is 64 bytes");

/* 5.2.12 Multiple APIC Description Table and the entries minivmm uses. */
struct acpi_madt {
	struct acpi_header header; /* "APIC" */
	uint32_t local_apic_address;
	uint32_t flags; /* ACPI_MADT_PCAT_COMPAT: a dual 8259 is present too */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT header is 44 bytes");
#define ACPI_MADT_PCAT_COMPAT (1u << 0)

#define ACPI_MADT_LOCAL_APIC 0
#define ACPI_MADT_IO_APIC 1
#define ACPI_MADT_INT_OVERRIDE 2
#define ACPI_MADT_LOCAL_APIC_NMI 4

struct acpi_madt_local_apic {
	uint8_t type, length;
	uint8_t processor_uid, apic_id;
	uint32_t flags; /* bit 0: enabled */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_local_apic) == 8, "MADT local APIC entry");

struct acpi_madt_io_apic {
	uint8_t type, length;
	uint8_t io_apic_id, reserved;
	uint32_t address;
	uint32_t gsi_base;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_io_apic) == 12, "MADT I/O APIC entry");

struct acpi_madt_int_override {
	uint8_t type, length;
	uint8_t bus; /* 0: ISA */
	uint8_t source_irq;
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_int_override) == 10, "MADT interrupt source override");
#define ACPI_MPS_ACTIVE_HIGH 0x1
#define ACPI_MPS_ACTIVE_LOW 0x3
#define ACPI_MPS_EDGE (0x1 << 2)
#define ACPI_MPS_LEVEL (0x3 << 2)

struct acpi_madt_local_apic_nmi {
	uint8_t type, length;
	uint8_t processor_uid; /* 0xff: all processors */
	uint16_t flags;
	uint8_t lint; /* LINT0 or LINT1 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_local_apic_nmi) == 6, "MADT local APIC NMI entry");

#endif
