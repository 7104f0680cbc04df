#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# startup_breakdown.sh: where sphone's milliseconds from exec to "registered" go (TLS + 401 + 200 against
# the lab Kamailio on loopback), phase by phase, medians of RUNS runs. Run from the build directory:
#   sh ../bench/startup_breakdown.sh [RUNS]        (default 5; needs kamailio, python3, strace)
# Each run is traced with strace --seccomp-bpf on a handful of syscalls only (execve openat close socket
# connect read write clone3), so the untraced ones (mmap, mprotect, brk, futex, poll ...) cost nothing
# extra; each traced one adds some tens of microseconds, so the sum is a little above reg_bench.sh's
# figure. Phases, from the syscalls that bound them:
#   exec_ldso      execve -> the config file is opened (kernel exec, ld.so maps and relocates 15 libraries,
#                  constructors, main's argument parsing)
#   config         config open -> its close (parsing, the file and directory ownership checks)
#   tls_ctx_ca     config closed -> CA file closed (OpenSSL init and openssl.cnf, SSL_CTX_new, CA loading)
#   to_socket      CA closed -> the SIP socket exists ("registering" event, DNS step: IP literal here)
#   tcp_connect    socket -> ClientHello written
#   tls_server     ClientHello -> first byte of the server's answer (Kamailio's handshake work)
#   tls_client     server's first byte -> client Finished written (its flight read, certificate checks)
#   to_register    Finished -> first REGISTER written (flow up, session tickets, the request)
#   register_401   REGISTER -> 401 read (Kamailio)
#   digest         401 read -> second REGISTER written (digest, the request)
#   register_200   second REGISTER -> 200 read (Kamailio)
#   to_event       200 read -> "registered" event written
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
export top_srcdir top_builddir
. "$top_srcdir/tests/interop/lab.sh"
lab_require kamailio openssl python3 strace
RUNS=${1:-5}

. "$top_srcdir/bench/reg_lib.sh"
reg_lab_start || exit 1

i=1
while [ "$i" -le "$RUNS" ]; do
	# stdin stays open until "registered" is out, then EOF: un-REGISTER and exit
	"$PYTHON" - "$SPHONE" "$WORK/sphone.conf" "$WORK/trace.$i" <<'PY' || { echo "run $i: no registration"; exit 1; }
import subprocess, sys, time
sphone, conf, trace = sys.argv[1:4]
p = subprocess.Popen(["strace", "-f", "-ttt", "-qq", "--seccomp-bpf", "-e",
                      "trace=execve,openat,close,socket,connect,read,write,clone3", "-o", trace,
                      sphone, "--headless", "-c", conf],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
deadline, buf = time.monotonic() + 10, b""
while time.monotonic() < deadline and b'"event":"registered"' not in buf:
    line = p.stdout.readline()
    if not line:
        break
    buf += line
p.stdin.close()
p.wait(timeout=10)
sys.exit(0 if b'"event":"registered"' in buf else 1)
PY
	i=$((i + 1))
done

"$PYTHON" - "$WORK" "$RUNS" <<'PY'
import re, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
phases = ["exec_ldso", "config", "tls_ctx_ca", "to_socket", "tcp_connect", "tls_server", "tls_client",
          "to_register", "register_401", "digest", "register_200", "to_event"]
res = {k: [] for k in phases + ["total"]}
line_re = re.compile(r'^(?:\d+ +)?(\d+\.\d+) (\w+)\((.*)\) += (-?\d+)')
for i in range(1, runs + 1):
    ev = []
    for l in open("%s/trace.%d" % (work, i)):
        m = line_re.match(l)
        if m:
            ev.append((float(m.group(1)) * 1000, m.group(2), m.group(3), int(m.group(4))))
    t = {"exec": ev[0][0]}
    conf_fd = sock = None
    writes, reg_seen = [], False
    for ts, name, args, ret in ev:
        if name == "openat" and "sphone.conf" in args and "conf_open" not in t:
            t["conf_open"], conf_fd = ts, ret
        elif name == "close" and conf_fd is not None and args == str(conf_fd) and "conf_close" not in t:
            t["conf_close"] = ts
        elif name == "openat" and "ca.pem" in args:
            t["ca_open"], ca_fd = ts, ret
        elif name == "close" and "ca_open" in t and args == str(ca_fd) and "ca_close" not in t:
            t["ca_close"] = ts
        elif name == "socket" and "SOCK_STREAM" in args and sock is None:
            t["socket"], sock = ts, ret
        elif sock is not None and name == "write" and args.startswith("%d," % sock):
            writes.append(ts)
        elif sock is not None and name == "read" and args.startswith("%d," % sock) and ret > 0:
            n = len(writes)
            if n == 1 and "server_first" not in t:
                t["server_first"] = ts
            if n == 1:
                t["server_last"] = ts
            if n == 3 and "r401" not in t:
                t["r401"] = ts
            if n == 4 and "r200" not in t:
                t["r200"] = ts
        elif name == "write" and args.startswith("1,") and '\\"registered\\"' in args:
            t["event"] = ts
            break
    t["hello"], t["finished"], t["reg1"], t["reg2"] = writes[:4]
    seq = [("exec_ldso", "exec", "conf_open"), ("config", "conf_open", "conf_close"),
           ("tls_ctx_ca", "conf_close", "ca_close"), ("to_socket", "ca_close", "socket"),
           ("tcp_connect", "socket", "hello"), ("tls_server", "hello", "server_first"),
           ("tls_client", "server_first", "finished"), ("to_register", "finished", "reg1"),
           ("register_401", "reg1", "r401"), ("digest", "r401", "reg2"), ("register_200", "reg2", "r200"),
           ("to_event", "r200", "event")]
    for k, a, b in seq:
        res[k].append(t[b] - t[a])
    res["total"].append(t["event"] - t["exec"])
for k in phases + ["total"]:
    v = res[k]
    print("startup %-13s median_ms=%7.2f min_ms=%7.2f max_ms=%7.2f" % (k, statistics.median(v), min(v), max(v)))
PY
lab_stop_kamailio
