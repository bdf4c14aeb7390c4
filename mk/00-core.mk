# Object lists shared by the binary and the unit tests.
# Every .c under src/ except src/main.c is library code, linked into the
# binary and into every unit test (normal and sanitizer builds).

LIB_SRCS  := $(sort $(filter-out src/main.c,$(shell find src -name '*.c')))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
SAN_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/san/%.o)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

$(BUILD)/libminivmm.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libminivmm-san.a: $(SAN_OBJS)
	@rm -f $@
	ar rcs $@ $^
