// SPDX-License-Identifier: MIT
/*
 * Exit accounting: option parsing, per-key counting, device attribution,
 * the guest-marker snapshot, hostile floods of distinct addresses, and the
 * text/JSON reports. The JSON is read back with Jansson, a parser this
 * project did not write, and checked field by field.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "support/run_suite.h"

/* ~70 KiB: keep it off the stack of Check's forked tests. */
static struct stats st;

/* Exit reason codes of <linux/kvm.h>, as plain numbers: stats knows no KVM. */
enum { EXIT_IO = 2, EXIT_HLT = 5, EXIT_MMIO = 6 };

static void setup(void)
{
	stats_init(&st);
	/* What the VM hands over: device index -> name and base, reason code -> name. */
	stats_name_device(&st, 0, "uart", 0x3f8);
	stats_name_device(&st, 1, "virtio-blk", 0xd0000000);
	stats_name_reason(&st, EXIT_IO, "IO");
	stats_name_reason(&st, EXIT_HLT, "HLT");
	stats_name_reason(&st, EXIT_MMIO, "MMIO");
}

/* One exit the way the run loop records it. */
static void io_exit(enum stats_space space, uint64_t addr, unsigned size, bool wr, uint32_t count,
		    uint8_t first, int dev, uint32_t reason)
{
	uint8_t data[8] = {first};

	stats_exit_begin(&st);
	stats_record_io(&st, space, addr, size, wr, count, data, dev);
	stats_record_exit(&st, reason);
}

static const struct stats_access *find(enum stats_space space, uint64_t addr, unsigned size,
				       bool wr)
{
	for (unsigned i = 0; i < STATS_ACCESS_SLOTS; i++) {
		const struct stats_access *a = &st.access[i];

		if (a->kind && a->space == space && a->addr == addr && a->size == size &&
		    a->is_write == wr)
			return a;
	}
	return NULL;
}

/* Everything a report wrote, as one NUL-terminated string (caller frees). */
static char *capture(void (*print)(const struct stats *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	print(&st, f);
	fclose(f);
	return buf;
}

START_TEST(parse_option_forms)
{
	struct stats_options o;

	ck_assert_int_eq(stats_parse_option(NULL, &o), 0);
	ck_assert_int_eq(o.format, STATS_TEXT);
	ck_assert_ptr_null(o.path);
	ck_assert_int_eq(stats_parse_option("text", &o), 0);
	ck_assert_int_eq(o.format, STATS_TEXT);
	ck_assert_int_eq(stats_parse_option("json", &o), 0);
	ck_assert_int_eq(o.format, STATS_JSON);
	ck_assert_ptr_null(o.path);
	ck_assert_int_eq(stats_parse_option("json:/tmp/x.json", &o), 0);
	ck_assert_int_eq(o.format, STATS_JSON);
	ck_assert_str_eq(o.path, "/tmp/x.json");
	ck_assert_int_eq(stats_parse_option("json:", &o), -1);
	ck_assert_int_eq(stats_parse_option("xml", &o), -1);
	ck_assert_int_eq(stats_parse_option("", &o), -1);
	ck_assert_int_eq(stats_parse_option("texts", &o), -1);
}
END_TEST

START_TEST(counts_per_key_and_reason)
{
	const struct stats_access *a;

	for (int i = 0; i < 5; i++)
		io_exit(STATS_PIO, 0x3f8, 1, true, 1, 'x', 0, 2);
	io_exit(STATS_PIO, 0x3fd, 1, false, 1, 0, 0, 2);
	io_exit(STATS_PIO, 0x3fd, 1, false, 1, 0, 0, 2);
	io_exit(STATS_PIO, 0x3f8, 2, true, 1, 0, 0, 2); /* other size: own key */
	io_exit(STATS_MMIO, 0xd0000050, 4, true, 1, 0, 1, 6);
	stats_exit_begin(&st);
	stats_record_exit(&st, 5); /* a HLT: no access */

	ck_assert_uint_eq(st.exits, 10);
	ck_assert_uint_eq(st.reason[2].count, 8);
	ck_assert_uint_eq(st.reason[6].count, 1);
	ck_assert_uint_eq(st.reason[5].count, 1);
	ck_assert_uint_eq(st.device[0].count, 8);
	ck_assert_uint_eq(st.device[1].count, 1);
	ck_assert_uint_eq(st.device[STATS_MAX_DEVICES].count, 0);

	a = find(STATS_PIO, 0x3f8, 1, true);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->exits, 5);
	ck_assert_uint_eq(a->items, 5);
	ck_assert_int_eq(a->device, 0);
	a = find(STATS_PIO, 0x3fd, 1, false);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->exits, 2);
	a = find(STATS_PIO, 0x3f8, 2, true);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->exits, 1);
	ck_assert_ptr_null(find(STATS_PIO, 0x3f8, 1, false));
	a = find(STATS_MMIO, 0xd0000050, 4, true);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->device, 1);
}
END_TEST

START_TEST(rep_string_is_one_exit_n_items)
{
	const struct stats_access *a;

	io_exit(STATS_PIO, 0x3f8, 1, true, 13, 'h', 0, 2);
	a = find(STATS_PIO, 0x3f8, 1, true);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->exits, 1);
	ck_assert_uint_eq(a->items, 13);
}
END_TEST

START_TEST(unclaimed_and_bad_device_index)
{
	io_exit(STATS_PIO, 0x1234, 1, false, 1, 0, -1, 2);
	io_exit(STATS_PIO, 0x1235, 1, false, 1, 0, 5000, 2); /* out of range: unclaimed */
	ck_assert_uint_eq(st.device[STATS_MAX_DEVICES].count, 2);
	ck_assert_int_eq(find(STATS_PIO, 0x1235, 1, false)->device, -1);
}
END_TEST

START_TEST(huge_reason_lumped)
{
	stats_exit_begin(&st);
	stats_record_exit(&st, 0xffffffffu);
	ck_assert_uint_eq(st.reason[STATS_MAX_REASONS].count, 1);
}
END_TEST

START_TEST(marker_splits_counts)
{
	const struct stats_access *a;

	/* "firmware": 3 UART writes and a non-marker POST code */
	for (int i = 0; i < 3; i++)
		io_exit(STATS_PIO, 0x3f8, 1, true, 1, 'f', 0, 2);
	io_exit(STATS_PIO, 0x80, 1, true, 1, 0x11, -1, 2);
	ck_assert(!st.marker_seen);
	io_exit(STATS_PIO, 0x80, 1, true, 1, 0xa5, -1, 2); /* the marker */
	ck_assert(st.marker_seen);
	ck_assert_uint_eq(st.exits_at_marker, 4);
	for (int i = 0; i < 2; i++)
		io_exit(STATS_PIO, 0x3f8, 1, true, 1, 'g', 0, 2);
	io_exit(STATS_PIO, 0x80, 1, true, 1, 0xa5, -1, 2); /* a second one: no new snapshot */
	ck_assert_uint_eq(st.exits_at_marker, 4);

	a = find(STATS_PIO, 0x3f8, 1, true);
	ck_assert_uint_eq(a->exits, 5);
	ck_assert_uint_eq(a->exits - a->exits_at_marker, 2);
	a = find(STATS_PIO, 0x80, 1, true);
	ck_assert_uint_eq(a->exits, 3);
	/* the marker itself counts on the "from marker" side */
	ck_assert_uint_eq(a->exits - a->exits_at_marker, 2);
}
END_TEST

START_TEST(marker_needs_exact_form)
{
	io_exit(STATS_PIO, 0x80, 2, true, 1, 0xa5, -1, 2);  /* word write */
	io_exit(STATS_PIO, 0x80, 1, false, 1, 0xa5, -1, 2); /* read */
	io_exit(STATS_MMIO, 0x80, 1, true, 1, 0xa5, -1, 6); /* MMIO */
	stats_exit_begin(&st);
	stats_record_io(&st, STATS_PIO, 0x80, 1, true, 1, NULL, -1); /* no data */
	stats_record_exit(&st, 2);
	ck_assert(!st.marker_seen);
}
END_TEST

START_TEST(flood_of_addresses_is_bounded)
{
	/* A hostile guest touching 100000 distinct addresses: nothing lost, nothing grows. */
	uint64_t total = 0;

	for (uint64_t i = 0; i < 100000; i++)
		io_exit(STATS_MMIO, 0xe0000000 + i * 4, 4, false, 1, 0, -1, 6);
	for (unsigned i = 0; i < STATS_ACCESS_SLOTS; i++)
		total += st.access[i].exits;
	ck_assert_uint_gt(st.access_overflow, 0);
	ck_assert_uint_eq(total + st.access_overflow, 100000);
	ck_assert_uint_eq(st.exits, 100000);
}
END_TEST

START_TEST(provider_counters)
{
	stats_set_counter(&st, "exits", 10);
	stats_set_counter(&st, "io_exits", 4);
	stats_set_counter(&st, "exits", 12);
	ck_assert_uint_eq(st.nr_counters, 2);
	ck_assert_str_eq(st.counter[0].name, "exits");
	ck_assert_uint_eq(st.counter[0].value, 12);
	for (unsigned i = 0; i < STATS_MAX_PROVIDER_COUNTERS + 10; i++) {
		char name[32];

		snprintf(name, sizeof(name), "c%u", i);
		stats_set_counter(&st, name, i);
	}
	ck_assert_uint_eq(st.nr_counters, STATS_MAX_PROVIDER_COUNTERS);
}
END_TEST

/* The JSON report, parsed; fails the test on a syntax error. */
static json_t *parse_json_report(void)
{
	char *s = capture(stats_print_json);
	json_error_t err;
	json_t *root = json_loads(s, JSON_REJECT_DUPLICATES, &err);

	ck_assert_msg(root, "not JSON (line %d: %s):\n%s", err.line, err.text, s);
	free(s);
	return root;
}

/* The element of array `arr` whose string member `key` is `value`. */
static json_t *element_with(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *e;

	ck_assert(json_is_array(arr));
	json_array_foreach(arr, i, e)
	{
		const char *v = json_string_value(json_object_get(e, key));

		if (v && strcmp(v, value) == 0)
			return e;
	}
	ck_abort_msg("no element with %s = %s", key, value);
	return NULL;
}

static json_int_t int_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	ck_assert_msg(json_is_integer(v), "member %s is not an integer", key);
	return json_integer_value(v);
}

static const char *str_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	ck_assert_msg(json_is_string(v), "member %s is not a string", key);
	return json_string_value(v);
}

START_TEST(json_report)
{
	json_t *root, *reasons, *accesses, *e;

	io_exit(STATS_PIO, 0x80, 1, true, 1, 0xa5, -1, EXIT_IO);
	io_exit(STATS_PIO, 0x3f8, 1, true, 3, 'a', 0, EXIT_IO);
	io_exit(STATS_MMIO, 0xd0000050, 4, true, 1, 0, 1, EXIT_MMIO);
	stats_set_counter(&st, "io_exits", 2);
	stats_set_provider(&st, "soft");
	root = parse_json_report();

	ck_assert_str_eq(str_member(root, "schema"), "minivmm-stats/1");
	ck_assert_str_eq(str_member(root, "provider"), "soft");
	ck_assert_int_eq(int_member(root, "exits"), 3);
	ck_assert(json_is_true(json_object_get(root, "marker_seen")));
	ck_assert_int_eq(int_member(root, "exits_before_marker"), 0);

	reasons = json_object_get(root, "reasons");
	ck_assert_uint_eq(json_array_size(reasons), 2);
	e = element_with(reasons, "reason", "IO");
	ck_assert_int_eq(int_member(e, "code"), EXIT_IO);
	ck_assert_int_eq(int_member(e, "count"), 2);
	ck_assert(json_is_number(json_object_get(e, "total_ns")));
	ck_assert(json_is_number(json_object_get(e, "max_ns")));
	e = element_with(reasons, "reason", "MMIO");
	ck_assert_int_eq(int_member(e, "code"), EXIT_MMIO);
	ck_assert_int_eq(int_member(e, "count"), 1);

	/* uart, virtio-blk and the unclaimed marker write: one exit each. */
	ck_assert_int_eq(
	    int_member(element_with(json_object_get(root, "devices"), "device", "uart"), "count"),
	    1);
	ck_assert_int_eq(
	    int_member(element_with(json_object_get(root, "devices"), "device", "unclaimed"),
		       "count"),
	    1);

	/* pio entries sort before mmio, low addresses first. */
	accesses = json_object_get(root, "accesses");
	ck_assert_uint_eq(json_array_size(accesses), 3);
	e = json_array_get(accesses, 0);
	ck_assert_str_eq(str_member(e, "space"), "pio");
	ck_assert_int_eq(int_member(e, "addr"), 0x80);
	ck_assert_str_eq(str_member(e, "device"), "unclaimed");
	e = json_array_get(accesses, 1);
	ck_assert_str_eq(str_member(e, "space"), "pio");
	ck_assert_int_eq(int_member(e, "addr"), 0x3f8);
	ck_assert_str_eq(str_member(e, "device"), "uart");
	ck_assert_int_eq(int_member(e, "offset"), 0);
	ck_assert_str_eq(str_member(e, "dir"), "write");
	ck_assert_int_eq(int_member(e, "size"), 1);
	ck_assert_int_eq(int_member(e, "exits"), 1);
	ck_assert_int_eq(int_member(e, "items"), 3);
	ck_assert_int_eq(int_member(e, "exits_from_marker"), 1);
	ck_assert_int_eq(int_member(e, "items_from_marker"), 3);
	e = json_array_get(accesses, 2);
	ck_assert_str_eq(str_member(e, "space"), "mmio");
	ck_assert_int_eq(int_member(e, "addr"), 0xd0000050);
	ck_assert_str_eq(str_member(e, "device"), "virtio-blk");
	ck_assert_int_eq(int_member(e, "offset"), 0x50);

	ck_assert_int_eq(int_member(root, "accesses_not_itemised"), 0);
	ck_assert_int_eq(int_member(json_object_get(root, "provider_counters"), "io_exits"), 2);
	json_decref(root);
}
END_TEST

/* Names the VM did not hand over: "UNKNOWN" reasons and "?" devices, still valid JSON. */
START_TEST(json_report_unnamed_and_escaped)
{
	json_t *root, *e;

	io_exit(STATS_PIO, 0x3f8, 1, true, 1, 'a', 7, 9);
	stats_exit_begin(&st);
	stats_record_exit(&st, 1000); /* beyond the counted codes */
	stats_set_counter(&st, "quote\"back\\slash\n", 5);
	root = parse_json_report();
	ck_assert(json_is_null(json_object_get(root, "provider")));
	e = element_with(json_object_get(root, "reasons"), "reason", "UNKNOWN");
	ck_assert_int_eq(int_member(e, "code"), 9);
	e = element_with(json_object_get(root, "reasons"), "reason", "OTHER");
	ck_assert_int_eq(int_member(e, "code"), -1);
	e = element_with(json_object_get(root, "devices"), "device", "?");
	ck_assert_int_eq(int_member(e, "count"), 1);
	ck_assert_int_eq(
	    int_member(json_object_get(root, "provider_counters"), "quote\"back\\slash\n"), 5);
	json_decref(root);
}
END_TEST

START_TEST(text_report)
{
	char *s;

	io_exit(STATS_PIO, 0x3f8, 1, true, 1, 'a', 0, 2);
	stats_exit_begin(&st);
	stats_record_exit(&st, 5);
	s = capture(stats_print_text);
	ck_assert_ptr_nonnull(strstr(s, "2 exits"));
	ck_assert_ptr_nonnull(strstr(s, "  IO "));
	ck_assert_ptr_nonnull(strstr(s, "  HLT "));
	ck_assert_ptr_nonnull(strstr(s, "  uart "));
	ck_assert_ptr_nonnull(strstr(s, "0x3f8"));
	free(s);
}
END_TEST

START_TEST(report_to_unwritable_path)
{
	struct stats_options o = {.format = STATS_JSON, .path = "/nonexistent-dir/x.json"};

	ck_assert_int_lt(stats_report(&st, &o), 0);
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, parse_option_forms);
	tcase_add_test(tc, counts_per_key_and_reason);
	tcase_add_test(tc, rep_string_is_one_exit_n_items);
	tcase_add_test(tc, unclaimed_and_bad_device_index);
	tcase_add_test(tc, huge_reason_lumped);
	tcase_add_test(tc, marker_splits_counts);
	tcase_add_test(tc, marker_needs_exact_form);
	tcase_add_test(tc, flood_of_addresses_is_bounded);
	tcase_add_test(tc, provider_counters);
	tcase_add_test(tc, json_report);
	tcase_add_test(tc, json_report_unnamed_and_escaped);
	tcase_add_test(tc, text_report);
	tcase_add_test(tc, report_to_unwritable_path);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(stats_suite());
}
