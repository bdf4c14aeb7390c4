# guest-kernels/preempt: the PIC + PIT + LAPIC timer guest (issue 11).
$(eval $(call guest_rules,preempt,))
