# apps/mkinitrd: the host tool that writes initramfs archives (cpio newc)
# from a manifest, and cpio-list, which reads them back with the kernel's
# own parser.  docs/initrd.md documents the manifest and these hooks.
#
#   $(MKINITRD) [-d <depfile>] <manifest> <out.cpio>
#
# To build an archive from a fragment read after this one:
#     $(eval $(call mkinitrd_archive,$(BUILD)/my.cpio,path/to/my.manifest,<extra prerequisites>))
# Fragments read before this one (their path sorts earlier, e.g. apps/init/)
# cannot call the function yet; they name the tool by its path in
# prerequisites and write the rule out (see docs/initrd.md).

MKINITRD        := $(BUILD)/apps/mkinitrd/mkinitrd
CPIO_LIST       := $(BUILD)/apps/mkinitrd/cpio-list
MKINITRD_CC     := gcc
MKINITRD_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror
MKINITRD_SRCS   := apps/mkinitrd/main.c apps/mkinitrd/manifest.c apps/mkinitrd/newc.c

$(MKINITRD): $(MKINITRD_SRCS) apps/mkinitrd/manifest.h apps/mkinitrd/newc.h | deps
	@mkdir -p $(@D)
	$(MKINITRD_CC) $(MKINITRD_CFLAGS) -o $@ $(MKINITRD_SRCS)

$(CPIO_LIST): apps/mkinitrd/cpio_list.c kernel/fs/cpio.c kernel/include/fs/cpio.h | deps
	@mkdir -p $(@D)
	$(MKINITRD_CC) $(MKINITRD_CFLAGS) -DHOST_TEST -Ikernel/include -o $@ apps/mkinitrd/cpio_list.c kernel/fs/cpio.c

# $(call mkinitrd_archive,<out.cpio>,<manifest>,<extra prerequisites>)
# The depfile makes the archive depend on every file the manifest lists.
define mkinitrd_archive
$(1): $(2) $(3) $(MKINITRD) | deps
	@mkdir -p $$(@D)
	$(MKINITRD) -d $(1).d $(2) $(1)
-include $(1).d
endef

ALL_TARGETS  += $(MKINITRD) $(CPIO_LIST)
TEST_SUITES  += apps/mkinitrd/test-mkinitrd.sh
TEST_PREREQS += $(MKINITRD) $(CPIO_LIST)
