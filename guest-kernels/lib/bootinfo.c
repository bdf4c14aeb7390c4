// SPDX-License-Identifier: MIT
#include "bootinfo.h"
#include "guest.h"
#include "kstring.h"

static const struct hvm_start_info *boot_si;

int start_info_init(uint32_t paddr)
{
	const struct hvm_start_info *si = phys_to_virt(paddr);

	if (!paddr || si->magic != XEN_HVM_START_MAGIC_VALUE)
		return -1;
	boot_si = si;
	return 0;
}

const struct hvm_start_info *start_info(void)
{
	return boot_si;
}

const char *start_info_cmdline(void)
{
	if (!boot_si || !boot_si->cmdline_paddr)
		return "";
	return phys_to_virt(boot_si->cmdline_paddr);
}

const struct hvm_memmap_table_entry *start_info_memmap(uint32_t *count)
{
	if (!boot_si || boot_si->version < 1 || !boot_si->memmap_paddr) {
		*count = 0;
		return NULL;
	}
	*count = boot_si->memmap_entries;
	return phys_to_virt(boot_si->memmap_paddr);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int cmdline_get(const char *cmdline, const char *key, unsigned nth, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		const char *word, *val;
		size_t vlen = 0;

		while (is_space(*p))
			p++;
		word = p;
		while (*p && !is_space(*p))
			p++;
		if (p == word || (size_t)(p - word) < klen || strncmp(word, key, klen) != 0)
			continue;
		val = word + klen;
		if (val != p && *val != '=')
			continue;
		if (val != p)
			val++;
		if (nth--)
			continue;
		vlen = (size_t)(p - val);
		if (vlen + 1 > size)
			return -2;
		memcpy(buf, val, vlen);
		buf[vlen] = '\0';
		return (int)vlen;
	}
	return -1;
}

int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out)
{
	char buf[32];
	const char *end;
	int len = cmdline_get(cmdline, key, 0, buf, sizeof(buf));

	if (len == -1)
		return -1;
	if (len <= 0)
		return -2;
	end = kstrtou64(buf, out);
	return end && *end == '\0' ? 0 : -2;
}
