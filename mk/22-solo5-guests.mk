# Solo5 hvt guests (guest-kernels/hvttest, guest-kernels/uni): no PVH entry;
# they link the tiny hvt library OS of guest-kernels/lib/solo5/ (entered by
# the tender in long mode) with their own notes and manifest, at hvt's load
# address (guest-kernels/lib/solo5/solo5.ld), and share the Solo5 ABI
# header with the VMM (src/abi/solo5_abi.h), hence -Isrc.

SOLO5_GUEST_LDS  := guest-kernels/lib/solo5/solo5.ld
SOLO5_GUEST_OBJS := $(patsubst %,$(GUEST_BUILD)/%.o,guest-kernels/lib/solo5/start.S guest-kernels/lib/solo5/hvt.c)

$(GUEST_BUILD)/guest-kernels/lib/solo5/%: GUEST_CFLAGS += -Isrc

# solo5_guest_rules NAME
define solo5_guest_rules
SOLO5_$(1)_OBJS := $$(patsubst %,$(GUEST_BUILD)/%.o,$$(sort $$(wildcard guest-kernels/$(1)/*.c guest-kernels/$(1)/*.S)))
$(GUEST_BUILD)/guest-kernels/$(1)/%: GUEST_CFLAGS += -Isrc
guest-kernels/$(1).elf: $$(SOLO5_$(1)_OBJS) $(SOLO5_GUEST_OBJS) $(GUEST_LIB) $(SOLO5_GUEST_LDS)
	$(GUEST_CC) $(GUEST_LDFLAGS) -T $(SOLO5_GUEST_LDS) -o $$@ $(SOLO5_GUEST_OBJS) $$(SOLO5_$(1)_OBJS) $(GUEST_LIB)
all: guest-kernels/$(1).elf
GUEST_ELFS += guest-kernels/$(1).elf
endef

$(eval $(call solo5_guest_rules,hvttest))
$(eval $(call solo5_guest_rules,uni))
$(eval $(call solo5_guest_rules,mftmax))
