#!/usr/bin/env python3
"""Orderly benchmark driver (run through scripts/bench).

Every figure is the median of several runs and is printed with its ratio to a baseline measured
in the same run on the same machine: a minimal Pistache hello-world with the same endpoint
options, and a raw SQLite durable insert loop with the same durability settings.
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg):
    print(f"-- {msg}", file=sys.stderr, flush=True)


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Api:
    def __init__(self, port, token=None):
        self.base = f"http://127.0.0.1:{port}"
        self.token = token

    def call(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            raise RuntimeError(f"{method} {path} -> {e.code}: {text}") from None


def wait_ready(port, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("process exited early")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                if r.status == 200 and "hello" in proc.args[0]:
                    return
        except Exception:
            pass
        time.sleep(0.02)
    raise RuntimeError("not ready in time")


def parse_duration_ms(s):
    m = re.match(r"([\d.]+)(us|ms|s|m)", s)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v if unit == "ms" else v * 1000 if unit == "s" else v * 60000


def wrk(url, conns=64, seconds=5, threads=2, headers=None, script=None, script_args=None):
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--latency", "--timeout", "10s"]
    for h in headers or []:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    if script_args:
        cmd += ["--"] + script_args
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"\s{pct}(?:\.000)?%\s+([\d.]+\w+)", out)
        if m:
            lat[pct] = parse_duration_ms(m.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "lat": lat, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": errors.group(0) if errors else "", "raw": out}


def median_of(runs, key):
    return statistics.median(key(r) for r in runs)


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = args.build
        self.tmp = tempfile.mkdtemp(prefix="orderly-bench-")
        self.procs = []
        self.rows = []  # (figure, value text, ratio text, target, verdict)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, cmd, env=None, port=None):
        e = dict(os.environ)
        e.update(env or {})
        p = subprocess.Popen(cmd, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        if port:
            wait_ready(port, p)
        return p

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def row(self, figure, value, ratio, target, ok):
        verdict = "—" if ok is None else ("met" if ok else "MISSED")
        self.rows.append((figure, value, ratio, target, verdict))
        log(f"{figure}: {value} ({ratio}) target {target}: {verdict}")

    def runs(self, fn):
        return [fn() for _ in range(self.args.runs)]

    def orderly(self, db, extra_env=None):
        port = free_port()
        env = {"ORDERLY_ADMIN_PASSWORD": "bench-admin-pass", "ORDERLY_SECRET_KEY_FILE": db + ".key"}
        env.update(extra_env or {})
        p = self.start([f"{self.build}/orderly", "serve", "--listen", f"127.0.0.1:{port}", "--db", db],
                       env=env, port=port)
        return p, port

    # ---- baselines
    def baseline_hello(self):
        port = free_port()
        p = self.start([f"{self.build}/bench_hello", str(port), "2"], port=port)
        url = f"http://127.0.0.1:{port}/"
        runs = self.runs(lambda: wrk(url, 64, self.args.seconds, headers=["Connection: keep-alive"]))
        self.stop(p)
        self.hello_rps = median_of(runs, lambda r: r["rps"])
        self.row("baseline: Pistache hello-world, keep-alive, 64 conns", f"{self.hello_rps:,.0f} req/s", "1.00", "", None)

    def baseline_sqlite(self):
        runs = []
        for i in range(self.args.runs):
            db = os.path.join(self.tmp, f"raw{i}.db")
            out = subprocess.run([f"{self.build}/bench_sqlite", db, str(self.args.seconds), "4"],
                                 capture_output=True, text=True, check=True).stdout
            runs.append(float(out.strip()))
        self.sqlite_rps = statistics.median(runs)
        self.row("baseline: raw SQLite durable inserts (WAL, synchronous=FULL)", f"{self.sqlite_rps:,.0f} rows/s", "1.00", "", None)

    # ---- Orderly
    def orderly_read(self, path, label, token):
        url = f"http://127.0.0.1:{self.port}{path}"
        auth = f"Authorization: Bearer {token}"
        ka = self.runs(lambda: wrk(url, 64, self.args.seconds, headers=[auth, "Connection: keep-alive"]))
        rps = median_of(ka, lambda r: r["rps"])
        bad = max(r["non2xx"] for r in ka)
        self.row(f"{label}, bearer token, keep-alive, 64 conns", f"{rps:,.0f} req/s (non-2xx {bad})",
                 f"{rps / self.hello_rps:.2f} of hello", "≥ 0.50 of hello", rps / self.hello_rps >= 0.5 and bad == 0)
        nk = self.runs(lambda: wrk(url, 64, self.args.seconds, headers=[auth]))
        rps2 = median_of(nk, lambda r: r["rps"])
        self.row(f"{label}, no Connection header", f"{rps2:,.0f} req/s",
                 f"{rps2 / rps:.2f} of keep-alive", "within 20% of keep-alive", rps2 >= 0.8 * rps)
        return rps

    def run(self):
        log(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores")
        self.baseline_hello()
        self.baseline_sqlite()
        db = os.path.join(self.tmp, "orderly.db")
        p, self.port = self.orderly(db)
        self.server = p
        idle = rss_kb(p.pid)
        api = Api(self.port)
        _, login = api.call("POST", "/api/v1/auth/login", {"username": "admin", "password": "bench-admin-pass"})
        token = login["token"]
        self.token = token
        self.orderly_read("/api/v1/me", "GET /api/v1/me", token)
        loaded = rss_kb(p.pid)
        self.row("server RSS idle", f"{idle / 1024:.1f} MiB", "", "≤ 30 MiB", idle <= 30 * 1024)
        self.row("server RSS after the load above", f"{loaded / 1024:.1f} MiB", "", "≤ 150 MiB", loaded <= 150 * 1024)
        self.stop(p)

    def report(self):
        lines = ["| figure | median | ratio | target | verdict |", "|---|---|---|---|---|"]
        for r in self.rows:
            lines.append("| " + " | ".join(r) + " |")
        table = "\n".join(lines)
        print(table)
        return table


def machine_description():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), {mem} memory, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args()
    b = Bench(args)
    started = time.time()
    try:
        b.run()
    finally:
        b.close()
    table = b.report()
    if not args.no_write:
        path = os.path.join(ROOT, "docs", "benchmarks.md")
        with open(path, "w") as f:
            f.write("# Benchmarks\n\n")
            f.write("Produced by `scripts/bench` (medians of %d runs of %gs each; wrk on the same machine).\n\n"
                    % (args.runs, args.seconds))
            f.write(f"Machine: {machine_description()}. Run took {time.time() - started:.0f} s.\n\n")
            f.write(table + "\n")
        log(f"wrote {path}")


if __name__ == "__main__":
    main()
