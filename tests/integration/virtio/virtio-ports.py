#!/usr/bin/env python3
"""virtio-console ports: the host half of porttest (the guest half).

Usage: virtio-ports.py KERNEL CPIO
Boots the VM with one named port on a Unix socket chardev, then: a 512 KiB echo
through the port while both sides read and write at once (back-pressure, no
byte lost or reordered), a disconnect (the guest sees EOF, EPIPE, EAGAIN and a
quiet poll), a reconnect (the guest's poll wakes) and a second echo, then a
third client that sends while the guest has the port closed: the bytes wait
for the guest's next open (the guest side stays open to the host).
Prints PASS/FAIL lines; the guest's own lines are relayed.  The kernel's
log must show the port named before init starts.  The machine kind
is MACHINE_KIND (microvm by default; q35 or pc use virtio-serial-pci:
apps/image/qemu-machine.sh), which names the tests off microvm, with
MACHINE_CPUS vCPUs (1 by default; with several, all must come up)."""
import os, random, re, socket, subprocess, sys, tempfile, threading, time

kernel, cpio = sys.argv[1], sys.argv[2]
machine = os.environ.get("MACHINE_KIND", "microvm")
cpus = int(os.environ.get("MACHINE_CPUS", "1"))
machine_sh = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../apps/image/qemu-machine.sh")
suite = "virtio" if machine == "microvm" else "virtio-" + machine
tag = "" if machine == "microvm" else machine + ":"

def machine_sh_lines(*args):
    return subprocess.run([machine_sh] + list(args), check=True, capture_output=True, text=True).stdout.split()
work = tempfile.mkdtemp()
log_path = os.path.join(work, "serial.log")

# The port's host end: a Unix socket in this run's own directory.  A TCP port
# found free (bound, then closed) could be taken by another suite's QEMU before
# this one bound it, and a connect could then reach that other listener.
port_path = os.path.join(work, "port.sock")
qemu = subprocess.Popen(
    ["timeout", "--kill-after=5", "120", "qemu-system-x86_64"] + machine_sh_lines("args", machine) +
    ["-smp", str(cpus), "-cpu", "max", "-m", "64", "-no-reboot", "-nographic", "-monitor", "none",
     "-serial", "file:" + log_path, "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", kernel,
     # loglevel=6 (information) shows the kernel's `smp:` line and when the port got its name
     "-initrd", cpio, "-append", "loglevel=6"] +
    machine_sh_lines("devices", machine, "-global", "virtio-mmio.force-legacy=false",
                     "-chardev", "socket,id=c0,path=%s,server=on,wait=off" % port_path,
                     "-device", "virtio-serial-device", "-device", "virtserialport,chardev=c0,name=org.nutshell.test"),
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

failures = 0  # FAIL lines printed, the guest's relayed ones included: the exit status

def result(name, ok, why=""):
    global failures
    failures += not ok
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)), flush=True)

def connect():
    for _ in range(600):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(60)
        try:
            s.connect(port_path)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    raise OSError("cannot connect to the port")

def wait_log(pattern, seconds=60):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(log_path) and re.search(pattern, open(log_path, errors="replace").read()):
            return True
        if qemu.poll() is not None:
            return False
        time.sleep(0.05)
    return False

def echo(sock, data):
    got = bytearray()
    def reader():
        while len(got) < len(data):
            b = sock.recv(65536)
            if not b:
                break
            got.extend(b)
    t = threading.Thread(target=reader)
    t.start()
    sock.sendall(data)
    t.join(90)
    return bytes(got)

try:
    s = connect()
    data = random.Random(6).randbytes(512 * 1024)
    got = echo(s, data)
    result(suite + "/port-echo-512k-intact", got == data, "%d of %d bytes came back intact" % (
        next((i for i in range(min(len(got), len(data))) if got[i] != data[i]), min(len(got), len(data))), len(data)))
    s.close()
    ok = wait_log(r"porttest: waiting for the host")
    result(suite + "/port-guest-saw-disconnect", ok, "the guest did not reach its wait")
    s = connect()
    got = echo(s, b"ping after reconnect")
    result(suite + "/port-echo-after-reconnect", got == b"ping after reconnect", repr(got))
    s.close()
    ok = wait_log(r"porttest: closed")
    s = connect()
    got = echo(s, b"sent while the port was closed")
    result(suite + "/port-bytes-kept-while-closed", ok and got == b"sent while the port was closed",
           repr(got) if ok else "the guest never closed the port")
    s.close()
    rc = qemu.wait(60)
except Exception as e:  # a hung or failed run is a failure, not a crash of the suite
    result(suite + "/port-host-side", False, str(e))
    qemu.kill()
    rc = qemu.wait()
log = open(log_path, errors="replace").read() if os.path.exists(log_path) else ""
for line in log.splitlines():
    # SeaBIOS (q35, pc) ends its last line without a newline: the guest's first follows on it
    line = re.sub(r"^Booting from ROM\.\.", "", line.rstrip("\r"))
    line = re.sub(r"^\[ *[0-9.]+\] ", "", line)
    if re.match(r"^(PASS|FAIL) ", line):
        failures += line.startswith("FAIL ")
        print(line[:5] + tag + line[5:])
# the driver names every port before init starts (virtio_console.c, con_probe): the
# port's name is in the log before the last line before init, which follows the probes
named = log.find("is /dev/port/org.nutshell.test")
init_starts = log.find("for user space (initramfs unpacked, devices up)")
result(suite + "/port-named-before-init", 0 <= named < init_starts,
       "no name in the log" if named < 0 else "named after init started")
result(suite + "/port-boot-powered-off", rc == 1, "QEMU status %d" % rc)
if cpus > 1:
    up = "smp: %d of %d CPUs up" % (cpus, cpus)
    result(suite + "/port-cpus-up", up in log, "no line '%s'" % up)
if rc != 1:
    # the log's end for the reader, without the result lines relayed above
    # (tests/integration/lib/qemu.sh, log_tail)
    rest = [l for l in log.splitlines() if not re.match(r"^(\[ *[0-9.]+\] )?(PASS|FAIL) ", l.rstrip("\r"))]
    print("\n".join("  | " + l.rstrip("\r") for l in rest[-20:]))
sys.exit(1 if failures else 0)
