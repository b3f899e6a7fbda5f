# gdb commands for `make debug` (apps/image/debug.mk), read after
# `target remote`.  docs/porting.md, "Debug it in the VM", has the steps.

# QEMU's stub presents the 64-bit register set from the first (32-bit PVH)
# instruction on; breakpoints in the kernel and in user programs are
# addresses in whatever address space is current when they are hit.
set architecture i386:x86-64
set pagination off
set confirm off

# nutshell-user FILE BIAS: the symbols of a user program (an unstripped
# build, such as build/ports/lua/lua) at the load bias the kernel printed
# ("exec: /bin/lua: load bias 0x0, ..."; 0x0 for a static ET_EXEC program,
# 0x555555554000 for a static-PIE).  Use hbreak for breakpoints in it: a
# hardware breakpoint needs no page of the program mapped yet.
define nutshell-user
  add-symbol-file $arg0 -o $arg1
end
document nutshell-user
nutshell-user FILE BIAS: load a user program's symbols at the load bias the kernel printed at exec.
end

# nutshell-enosys: stop where the kernel answers a system call with ENOSYS
# (kernel/syscall/dispatch.c); then `p tf->rax` is the number and
# `p/x tf->rip` the user address just after the program's syscall
# instruction (`info symbol`, with nutshell-user loaded).
define nutshell-enosys
  break log_unsupported_once
end
document nutshell-enosys
nutshell-enosys: break where an unsupported system call is logged; tf->rip in the caller's frame is the user address.
end
