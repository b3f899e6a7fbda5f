# Common busybox applets, run by busybox's sh in the VM (jobs-boot.sh types
# `sh /etc/applets.sh`) and on the host; the two outputs must be equal.
# Each applet is called through busybox (so the host's own tools never
# answer instead), in a fresh directory, with nothing that differs between
# machines (times, sizes of file systems, host names, pids).
for a in awk base64 basename cat chmod cmp cp cut date dd diff dirname echo expr find fold grep gunzip \
    gzip head ln ls md5sum mkdir mv nl od paste printf readlink rev rm sed seq sha256sum sleep sort \
    stat tac tail tar tee touch tr truncate uniq wc xargs yes; do
    eval "$a() { busybox $a \"\$@\"; }"
done
echo APPLETS-BEGIN
dir=/tmp/applets-$$
mkdir -p "$dir" && cd "$dir" || exit 1
seq 1 12 | sort -r | head -5 | tac | tr '\n' ' '; echo
printf '%s:%05d:%x\n' word 42 255
expr 7 \* 6 + 1; expr length nutshell
echo "b a c a b" | tr ' ' '\n' | sort | uniq -c | sed 's/^ *//'
printf 'x,y,z\n1,2,3\n' | cut -d, -f2,3 | paste -s -d';'
printf 'one two\nthree four five\n' | wc -l -w -c | tr -s ' ' | sed 's/^ //'
printf 'alpha\nbeta\ngamma\n' | grep -n -e a$ -e ^b
echo hello world | awk '{ print toupper($2), length($1), NF }'
echo nutshell | rev; echo abcdefghij | fold -w 4 | nl -ba -w2 -s:
basename /a/b/c.txt .txt; dirname /a/b/c.txt
printf 'data\n' | md5sum; printf 'data\n' | sha256sum; printf 'data\n' | base64
printf 'AB\n' | od -A x -t x1 | head -1
date -u -d @86400 '+%Y-%m-%d %H:%M:%S'
seq 100 > numbers; wc -l numbers
cp numbers copy && cmp numbers copy && echo same
mv copy moved; ls; rm moved; ls
mkdir -p sub/deeper; touch sub/a sub/deeper/b; find . -name '*' -type f | sort
ln -s numbers link; readlink link; chmod 640 numbers; stat -c '%a %s %F' numbers
truncate -s 1000 big; stat -c %s big; dd if=/dev/zero of=zeros bs=512 count=3 2>/dev/null; stat -c %s zeros
gzip -c numbers > numbers.gz && gunzip -c numbers.gz | tail -1
tar -cf arch.tar sub && rm -r sub && tar -xf arch.tar && find sub | sort
printf '1\n2\n' > left; printf '2\n3\n' > right; diff left right | tail -2
yes y | head -3 | tee teed | wc -l; cat teed | xargs echo args:
(exit 3); echo "subshell status $?"
sleep 0.2 & bg=$!; wait "$bg"; echo "background status $?"
sh -c 'kill -TERM $$'; echo "killed status $?"
sleep 5 & sl=$!; kill -STOP "$sl"; kill -CONT "$sl"; kill "$sl"; wait "$sl"; echo "stopped, continued, killed: $?"
cd / && rm -r "$dir"
echo APPLETS-END
