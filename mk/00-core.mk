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

# The layering of the design notes ("Rules between the parts"), checked on
# every #include under src/ before a library is archived: a device that
# includes the vCPU, stats that includes anything, <linux/kvm.h> outside
# src/vcpu/ ... fail the build with the rule they break (tools/check-layers;
# tests/integration/layers_check.sh shows it failing).
LAYER_STAMP := $(BUILD)/layers.ok

$(LAYER_STAMP): tools/check-layers $(shell find src -name '*.[ch]')
	@mkdir -p $(dir $@)
	python3 tools/check-layers
	@touch $@

.PHONY: layers
layers: $(LAYER_STAMP)

$(BUILD)/libminivmm.a: $(LIB_OBJS) | $(LAYER_STAMP)
	@rm -f $@
	ar rcs $@ $(LIB_OBJS)

$(BUILD)/libminivmm-san.a: $(SAN_OBJS) | $(LAYER_STAMP)
	@rm -f $@
	ar rcs $@ $(SAN_OBJS)
