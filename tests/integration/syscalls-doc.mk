# docs/syscalls.md: generated from the system-call table (kernel/include/syscall/*.def)
# by kernel/syscall/gen-syscalls-md.sh and committed.  `make docs` regenerates it
# (a second or so: one small host compile); the syscalls-doc suite fails when the
# committed copy is stale.
TEST_SUITES += tests/integration/syscalls-doc.sh

docs: | deps
	@mkdir -p $(BUILD)
	@kernel/syscall/gen-syscalls-md.sh >$(BUILD)/syscalls.md.tmp 2>&1 || { cat $(BUILD)/syscalls.md.tmp; rm -f $(BUILD)/syscalls.md.tmp; exit 1; }
	@mv $(BUILD)/syscalls.md.tmp docs/syscalls.md
	@echo "  GEN     docs/syscalls.md"
