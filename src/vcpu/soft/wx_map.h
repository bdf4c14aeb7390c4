/* SPDX-License-Identifier: MIT */
/*
 * Host code the soft CPU generates (the FP stubs, the translator's
 * blocks) lives in W^X memory: one memfd mapped twice, read+execute where
 * it runs and read+write where it is written, never both at once in one
 * view. A private read+write data area follows the executable view, so
 * the code reaches its context block RIP-relative. One home for that
 * layout, shared by fpu_native_code.c and bt_code.c.
 */
#ifndef MINIVMM_SOFT_WX_MAP_H
#define MINIVMM_SOFT_WX_MAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * code_size bytes of code (*rx to run, *rw to write), then data_size
 * bytes of data at *rx + code_size (*data). 0, or -1 with nothing mapped.
 */
int wx_map_create(const char *name, size_t code_size, size_t data_size, uint8_t **rx, uint8_t **rw,
		  uint8_t **data);
/*
 * Fault in [off, off + len) of the code in both views at once (advice: a
 * kernel without MADV_POPULATE_* leaves them to be faulted one page at a
 * time as before).
 */
void wx_map_populate(uint8_t *rx, uint8_t *rw, size_t off, size_t len);
/* Unmaps what wx_map_create() gave, with the same sizes. */
void wx_map_destroy(uint8_t *rx, uint8_t *rw, size_t code_size, size_t data_size);

#endif
