#!/bin/sh
# Turns `nm -n` output (file or - for stdin; /dev/null for an empty table)
# into assembly for the .ksyms section: a sorted address array, name offsets
# and a string table, read by kernel/arch/x86_64/ksyms.c for backtraces.
# Only text symbols are kept.
awk 'BEGIN { n = 0 }
$2 ~ /^[tTwW]$/ && $3 !~ /^\./ { addr[n] = $1; name[n] = $3; n++ }
END {
    print "\t.section .ksyms, \"a\""
    print "\t.p2align 3"
    print "\t.globl ksyms_count, ksyms_addrs, ksyms_name_off, ksyms_strings"
    print "ksyms_count:\n\t.quad " n
    print "ksyms_addrs:"
    for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
    print "ksyms_name_off:"
    off = 0
    for (i = 0; i < n; i++) { print "\t.long " off; off += length(name[i]) + 1 }
    print "ksyms_strings:"
    for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
}' "$1"
