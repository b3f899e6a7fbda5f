#!/bin/bash
# Test suite for mkinitrd (PASS/FAIL lines, see tests/run-suites.sh).
# Builds archives from manifests, reads them back with GNU cpio (-t, -i)
# and with the kernel's parser (cpio-list), and checks the error messages.
# Run from the repository root, after `make build/apps/mkinitrd/{mkinitrd,cpio-list}`.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../../tests/integration/lib/results.sh" "$@"
BUILD=${BUILD:-build}
mk=$BUILD/apps/mkinitrd/mkinitrd
ls=$BUILD/apps/mkinitrd/cpio-list
work=$BUILD/tests/mkinitrd
rm -rf "$work" && mkdir -p "$work/src"

pass() { echo "PASS mkinitrd/$1"; }
fail() { echo "FAIL mkinitrd/$1: $2"; }
for t in "$mk" "$ls"; do
    [ -x "$t" ] || { fail setup "$t is not built"; exit 1; }
done

# Sources: a text file, a binary file with every byte value, an empty file.
printf 'hello from the initrd\n' > "$work/src/motd"
for i in $(seq 0 255); do printf "\\x$(printf %02x "$i")"; done > "$work/src/bytes"
: > "$work/src/empty"
cat > "$work/good.manifest" <<EOF2
# A comment, then a blank line.

file /sbin/init $work/src/bytes 0755
dir /etc 0700
file /etc/motd $work/src/motd
   file   /etc/empty	$work/src/empty   0600
symlink /bin/sh /sbin/init
dir /usr/share/doc
dir /usr 0711
EOF2

# 1. It builds.
if out=$("$mk" -d "$work/good.cpio.d" "$work/good.manifest" "$work/good.cpio" 2>&1); then
    pass builds
else
    fail builds "$out"
    exit 1
fi

# 2. GNU cpio lists exactly the expected names, parents implied, sorted.
want=$'bin\nbin/sh\netc\netc/empty\netc/motd\nsbin\nsbin/init\nusr\nusr/share\nusr/share/doc'
got=$(cpio --quiet -t < "$work/good.cpio" 2>&1)
[ "$got" = "$want" ] && pass gnu_cpio_lists || fail gnu_cpio_lists "cpio -t gave: $(tr '\n' ' ' <<<"$got")"

# 3. GNU cpio extracts the same contents, modes and symlink.
x=$work/extract
mkdir -p "$x"
if (cd "$x" && cpio --quiet -i --no-absolute-filenames < "../good.cpio") 2>"$work/cpio-i.err"; then
    problems=""
    cmp -s "$x/sbin/init" "$work/src/bytes" || problems+=" sbin/init-content"
    cmp -s "$x/etc/motd" "$work/src/motd" || problems+=" etc/motd-content"
    [ -f "$x/etc/empty" ] && [ ! -s "$x/etc/empty" ] || problems+=" etc/empty"
    [ "$(readlink "$x/bin/sh")" = /sbin/init ] || problems+=" bin/sh-target"
    [ "$(stat -c %a "$x/sbin/init")" = 755 ] || problems+=" sbin/init-mode"
    [ "$(stat -c %a "$x/etc/motd")" = 644 ] || problems+=" etc/motd-mode"
    [ "$(stat -c %a "$x/etc/empty")" = 600 ] || problems+=" etc/empty-mode"
    [ "$(stat -c %a "$x/etc")" = 700 ] || problems+=" etc-mode"
    [ "$(stat -c %a "$x/usr")" = 711 ] || problems+=" usr-mode"
    [ "$(stat -c %a "$x/usr/share")" = 755 ] || problems+=" usr/share-mode"
    [ -z "$problems" ] && pass gnu_cpio_extracts || fail gnu_cpio_extracts "wrong:$problems"
else
    fail gnu_cpio_extracts "cpio -i: $(head -1 "$work/cpio-i.err")"
fi

# 4. The kernel's parser reads the same archive, with link counts and metadata.
want_ls="d 0755 2 0 bin
l 0777 1 10 bin/sh -> /sbin/init
d 0700 2 0 etc
f 0600 1 0 etc/empty
f 0644 1 22 etc/motd
d 0755 2 0 sbin
f 0755 1 256 sbin/init
d 0711 3 0 usr
d 0755 3 0 usr/share
d 0755 2 0 usr/share/doc"
got=$("$ls" "$work/good.cpio" 2>&1)
[ "$got" = "$want_ls" ] && pass kernel_parser_lists || fail kernel_parser_lists "cpio-list gave: $(tr '\n' '|' <<<"$got")"
"$ls" "$work/good.cpio" sbin/init | cmp -s - "$work/src/bytes" \
    && pass kernel_parser_data || fail kernel_parser_data "sbin/init data differs"

# 4b. The kernel's parser also reads what GNU cpio writes, in both newc flavours
#     (070701, and 070702 whose file checksums it verifies).
for fmt in newc crc; do
    if [ -d "$x" ] && (cd "$x" && find . -mindepth 1 | LC_ALL=C sort | sed 's|^\./||' \
                       | cpio --quiet -o -H "$fmt" > "../gnu-$fmt.cpio"); then
        got=$("$ls" "$work/gnu-$fmt.cpio" 2>&1 | awk '{print $1, $2, $4, $5, $6, $7}')
        want=$(awk '{print $1, $2, $4, $5, $6, $7}' <<<"$want_ls")
        data_ok=$("$ls" "$work/gnu-$fmt.cpio" sbin/init | cmp -s - "$work/src/bytes" && echo yes)
        [ "$got" = "$want" ] && [ "$data_ok" = yes ] && pass "kernel_parser_reads_gnu_$fmt" \
            || fail "kernel_parser_reads_gnu_$fmt" "cpio-list gave: $(tr '\n' '|' <<<"$got")"
    else
        fail "kernel_parser_reads_gnu_$fmt" "GNU cpio -o -H $fmt failed"
    fi
done

# 5. Deterministic: same bytes from a reordered manifest, at another time.
tac "$work/good.manifest" > "$work/reordered.manifest"
touch -d '2001-01-01' "$work/src/motd"
"$mk" "$work/reordered.manifest" "$work/again.cpio" 2>/dev/null
cmp -s "$work/good.cpio" "$work/again.cpio" && pass deterministic || fail deterministic "archives differ"

# 6. The depfile names the manifest and every source.
dep=$(cat "$work/good.cpio.d" 2>/dev/null)
ok=1
for f in "$work/good.manifest" "$work/src/bytes" "$work/src/motd" "$work/src/empty"; do
    grep -qF "$f" <<<"$dep" || ok=0
done
[ "$ok" = 1 ] && grep -q "^$work/good.cpio:" <<<"$dep" && pass depfile || fail depfile "got: $dep"

# 7. Bad manifests: exit 1, one line naming the manifest line, no archive left behind.
bad() { # name, expected message part, manifest text
    local name=$1 expect=$2
    printf '%s\n' "$3" > "$work/$name.manifest"
    rm -f "$work/$name.cpio"
    err=$("$mk" "$work/$name.manifest" "$work/$name.cpio" 2>&1)
    rc=$?
    if [ "$rc" -ne 1 ]; then
        fail "error_$name" "exit status $rc, want 1"
    elif [ "$(wc -l <<<"$err")" -ne 1 ] || ! grep -qF -- "$expect" <<<"$err"; then
        fail "error_$name" "message: $err"
    elif ls "$work/$name.cpio"* >/dev/null 2>&1; then
        fail "error_$name" "an output file was left behind"
    else
        pass "error_$name"
    fi
}
bad missing_source "$work/missing_source.manifest:2: source $work/src/nope: No such file or directory" \
    "dir /etc
file /etc/x $work/src/nope 0644"
bad source_is_dir "is not a regular file" "file /x $work/src"
bad unknown_type ":1: unknown entry type 'dev'" "dev /dev/null c 1 3"
bad relative_path "path etc is not absolute" "dir etc"
bad dotdot "has an empty, '.' or '..' component" "dir /etc/../x"
bad double_slash "has an empty, '.' or '..' component" "dir /etc//x"
bad trailing_slash "ends with '/'" "dir /etc/"
bad root "root directory / is implied" "dir / 0755"
bad bad_mode "bad mode 0999" "dir /etc 0999"
bad mode_too_big "bad mode 17777" "dir /etc 17777"
bad too_many_words "expected: file <path> <source> [mode]" "file /a $work/src/motd 0644 extra"
bad missing_target "expected: symlink <path> <target>" "symlink /bin/sh"
bad duplicate ":2: /etc/motd is already declared on line 1" \
    "file /etc/motd $work/src/motd
file /etc/motd $work/src/motd"
bad parent_is_file ":2: parent /bin/sh is not a directory (line 1)" \
    "symlink /bin/sh /sbin/init
file /bin/sh/x $work/src/motd"
bad implied_dir_as_file ":2: /etc is already a parent directory" \
    "file /etc/motd $work/src/motd
file /etc $work/src/motd"

err=$("$mk" "$work/absent.manifest" "$work/absent.cpio" 2>&1)
rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "mkinitrd: $work/absent.manifest: No such file or directory" ] \
    && pass error_missing_manifest || fail error_missing_manifest "status $rc: $err"
