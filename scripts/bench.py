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
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{max(1, int(seconds))}s", "--latency", "--timeout", "10s"]
    for h in headers or []:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    if script_args:
        cmd += ["--"] + script_args
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    # wrk runs a script it cannot load as no script at all (GET of the URL): refuse instead.
    # Its Lua is 5.1 (LuaJIT): no `//`, no integer division.
    if script and ".lua:" in done.stderr:
        raise RuntimeError(f"wrk could not run {script}: {done.stderr.strip()[:300]}")
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"\s{pct}(?:\.000)?%\s+([\d.]+\w+)", out)
        if m:
            lat[pct] = parse_duration_ms(m.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": rps, "requests": int(total.group(1)) if total else 0, "lat": lat, "non2xx": int(non2xx.group(1)) if non2xx else 0,
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
    # Each baseline run is taken right before the Orderly run it is compared with, and the
    # ratio is the median of those pairwise ratios: the machine's speed drifts by 10-20 % within
    # minutes, and a baseline measured once at the start would carry that drift into the ratio.
    def start_hello(self):
        self.hello_port = free_port()
        self.hello = self.start([f"{self.build}/bench_hello", str(self.hello_port), "2"], port=self.hello_port)
        self.hello_runs = []
        self.sqlite_runs = []

    def hello_once(self):
        r = wrk(f"http://127.0.0.1:{self.hello_port}/", 64, self.args.seconds, headers=["Connection: keep-alive"])
        self.hello_runs.append(r["rps"])
        return r["rps"]

    def sqlite_once(self):
        db = os.path.join(self.tmp, f"raw{len(self.sqlite_runs)}.db")
        out = subprocess.run([f"{self.build}/bench_sqlite", db, str(self.args.seconds), "4"],
                             capture_output=True, text=True, check=True).stdout
        self.sqlite_runs.append(float(out.strip()))
        return self.sqlite_runs[-1]

    def baseline_rows(self, raw="raw SQLite durable inserts (WAL, synchronous=FULL)"):
        self.rows.insert(0, (f"baseline: {raw}",
                             f"{statistics.median(self.sqlite_runs):,.0f} rows/s", "1.00", "", "—"))
        self.rows.insert(0, ("baseline: Pistache hello-world, keep-alive, 64 conns",
                             f"{statistics.median(self.hello_runs):,.0f} req/s", "1.00", "", "—"))

    # ---- Orderly
    def orderly_read(self, path, label, token):
        url = f"http://127.0.0.1:{self.port}{path}"
        auth = f"Authorization: Bearer {token}"
        ka, ratios = [], []
        for _ in range(self.args.runs):
            h = self.hello_once()
            ka.append(wrk(url, 64, self.args.seconds, headers=[auth, "Connection: keep-alive"]))
            ratios.append(ka[-1]["rps"] / h)
        rps = median_of(ka, lambda r: r["rps"])
        ratio = statistics.median(ratios)
        bad = max(r["non2xx"] for r in ka)
        self.row(f"{label}, bearer token, keep-alive, 64 conns", f"{rps:,.0f} req/s (non-2xx {bad})",
                 f"{ratio:.3f} of hello", "≥ 0.50 of hello", ratio >= 0.5 and bad == 0)
        nk = self.runs(lambda: wrk(url, 64, self.args.seconds, headers=[auth]))
        rps2 = median_of(nk, lambda r: r["rps"])
        self.row(f"{label}, no Connection header", f"{rps2:,.0f} req/s",
                 f"{rps2 / rps:.2f} of keep-alive", "within 20% of keep-alive", rps2 >= 0.8 * rps)
        return rps

    def lua(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def setup_catalog(self, api):
        api.call("POST", "/api/v1/environments", {"key": "BENCH", "name": "Bench"})
        api.call("POST", "/api/v1/purposes", {"key": "Bench", "name": "Bench"})
        _, wf = api.call("POST", "/api/v1/workflows", {
            "name": "bench approval", "type": "request", "allow_self_approval": True,
            "nodes": [
                {"key": "submit", "name": "Submit", "type": "submit", "operators": {"submitter": True},
                 "fields": [{"key": "reason", "label": "Reason", "type": "text", "required": True}]},
                {"key": "review", "name": "Review", "type": "approval", "operators": {"users": ["admin"]}, "rule": "any"},
                {"key": "end", "name": "End", "type": "end"}]})
        _, ver = api.call("POST", f"/api/v1/workflows/{wf['id']}/deploy")
        _, d = api.call("POST", "/api/v1/catalog", {"name": "bench", "parent_id": None})
        _, svc = api.call("POST", "/api/v1/services", {"name": "bench", "catalog_id": d["id"],
                                                      "workflow_version_id": ver["version_id"]})
        self.service_id = svc["id"]

    def ticket_body(self, i=0):
        return {"service_id": self.service_id, "title": f"扩容 app01 web 集群 #{i}",
                "fields": {"reason": "release day capacity 发布日扩容"}}

    def post_lua(self, token):
        body = json.dumps(self.ticket_body(1)).replace("\\", "\\\\").replace('"', '\\"')
        return self.lua("post.lua", f"""
wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Connection"] = "keep-alive"
""")

    def approve_lua(self, token, lo, per_run, name):
        """Approves tickets lo .. lo + per_run - 1, each once, spread over wrk's two threads."""
        return self.lua(f"approve{name}.lua", f"""
local counter = 0
local threads = {{}}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  nthreads = 2
  next_id = {lo} + tid
end
request = function()
  local id = next_id
  next_id = next_id + nthreads
  if id > {lo + per_run - 1} then id = {lo} end
  return wrk.format("POST", "/api/v1/tickets/" .. id .. "/approve",
    {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}",
      ["Connection"] = "keep-alive"}}, "{{}}")
end
""")

    def bench_tickets(self, api, token):
        self.setup_catalog(api)
        _, t = api.call("POST", "/api/v1/tickets", self.ticket_body())
        self.orderly_read(f"/api/v1/tickets/{t['id']}", "GET /api/v1/tickets/{id}", token)

        post_lua = self.post_lua(token)
        first = t["id"] + 1
        runs, ratios = [], []
        for _ in range(self.args.runs):
            raw = self.sqlite_once()
            runs.append(wrk(f"http://127.0.0.1:{self.port}/api/v1/tickets", 64, self.args.seconds, script=post_lua))
            ratios.append(runs[-1]["rps"] / raw)
        rps = median_of(runs, lambda r: r["rps"])
        ratio = statistics.median(ratios)
        bad = max(r["non2xx"] for r in runs)
        self.row("POST /api/v1/tickets (validation, durable commit, audit), 64 conns",
                 f"{rps:,.0f} tickets/s (non-2xx {bad})", f"{ratio:.3f} of raw SQLite",
                 "≥ 0.40 of raw SQLite inserts", ratio >= 0.4 and bad == 0)
        # Top up the pending tickets so that every approve request of every run decides a
        # different ticket (an approve of an already decided ticket would be a quick 409).
        approve_seconds = min(self.args.seconds, 3)
        _, probe = api.call("POST", "/api/v1/tickets", self.ticket_body(2))
        # Room for up to 12,000 approvals/s: a run that decides every ticket of its slice
        # would go on with quick 409s for decided ones (and report them as non-2xx).
        needed = self.args.runs * approve_seconds * 12000
        have = probe["id"] - first
        if have < needed:
            extra = max(1, int((needed - have) / max(rps, 1)) + 1)
            log(f"creating about {needed - have:,} more pending tickets for the approve runs ({extra} s)")
            wrk(f"http://127.0.0.1:{self.port}/api/v1/tickets", 64, extra, script=post_lua)
        _, last = api.call("POST", "/api/v1/tickets", self.ticket_body(3))
        last_id = last["id"] - 1

        # Approve: every request decides a different pending ticket; each run gets its own slice.
        pending = last_id - first + 1
        per_run = pending // self.args.runs
        approve_runs = []
        for r in range(self.args.runs):
            lo = first + r * per_run
            lua = self.approve_lua(token, lo, per_run, r)
            approve_runs.append(wrk(f"http://127.0.0.1:{self.port}/", 64, approve_seconds, script=lua))
        p99 = median_of(approve_runs, lambda r: r["lat"].get("99", 1e9))
        p50 = median_of(approve_runs, lambda r: r["lat"].get("50", 1e9))
        arps = median_of(approve_runs, lambda r: r["rps"])
        bad = max(r["non2xx"] for r in approve_runs)
        self.row("approve action (durable commit, audit, notifications), 64 conns",
                 f"p99 {p99:.2f} ms, p50 {p50:.2f} ms at {arps:,.0f} approvals/s (non-2xx {bad})", "",
                 "p99 ≤ 10 ms", p99 <= 10 and bad == 0)

    def bench_million(self, db):
        log(f"loading {self.args.tickets:,} tickets")
        t0 = time.time()
        out = subprocess.run([f"{self.build}/bench_load_tickets", db, str(self.args.tickets)],
                             capture_output=True, text=True, check=True).stdout.strip()
        log(f"{out} ({time.time() - t0:.0f} s)")
        starts = []
        for _ in range(self.args.runs):
            port = free_port()
            t0 = time.time()
            p = self.start([f"{self.build}/orderly", "serve", "--listen", f"127.0.0.1:{port}", "--db", db],
                           env={"ORDERLY_SECRET_KEY_FILE": db + ".key"}, port=port)
            starts.append((time.time() - t0) * 1000)
            self.stop(p)
        start_ms = statistics.median(starts)
        self.row(f"start to ready with {self.args.tickets:,} tickets", f"{start_ms:.0f} ms", "", "≤ 300 ms", start_ms <= 300)
        p, self.port = self.orderly(db)
        api = Api(self.port)
        _, login = api.call("POST", "/api/v1/auth/login", {"username": "admin", "password": "bench-admin-pass"})
        token = login["token"]
        self.bench_list(token)
        self.bench_search(token)
        self.stop(p)

    def bench_list(self, token):
        list_lua = self.lua("list.lua", f"""
local statuses = {{"finished", "rejected", "withdrawn", "failed"}}
local envs = {{"PROD", "STAGE", "DEV", "TEST"}}
local n = 0
request = function()
  n = n + 1
  local path = "/api/v1/tickets?view=all&limit=50&status=" .. statuses[n % 4 + 1] .. "&environment=" .. envs[math.floor(n / 4) % 4 + 1]
  return wrk.format("GET", path, {{["Authorization"] = "Bearer {token}", ["Connection"] = "keep-alive"}})
end
""")
        runs = self.runs(lambda: wrk(f"http://127.0.0.1:{self.port}/", 64, self.args.seconds, script=list_lua))
        p99 = median_of(runs, lambda r: r["lat"].get("99", 1e9))
        rps = median_of(runs, lambda r: r["rps"])
        bad = max(r["non2xx"] for r in runs)
        self.row(f"GET /tickets?view=all&status=&environment= (50 rows), {self.args.tickets:,} tickets",
                 f"p99 {p99:.2f} ms at {rps:,.0f} req/s (non-2xx {bad})", "", "p99 ≤ 20 ms", p99 <= 20 and bad == 0)
        return runs

    def bench_search(self, token):
        fts_lua = self.lua("fts.lua", f"""
local words = {{"%E6%89%A9%E5%AE%B9", "nginx", "payment", "%E6%95%B0%E6%8D%AE%E5%BA%93", "rollback", "gateway"}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/tickets?view=all&limit=50&q=" .. words[n % 6 + 1],
    {{["Authorization"] = "Bearer {token}", ["Connection"] = "keep-alive"}})
end
""")
        runs = self.runs(lambda: wrk(f"http://127.0.0.1:{self.port}/", 64, self.args.seconds, script=fts_lua))
        p99 = median_of(runs, lambda r: r["lat"].get("99", 1e9))
        rps = median_of(runs, lambda r: r["rps"])
        bad = max(r["non2xx"] for r in runs)
        self.row(f"full-text search over {self.args.tickets:,} tickets", f"p99 {p99:.2f} ms at {rps:,.0f} req/s (non-2xx {bad})",
                 "", "p99 ≤ 50 ms", p99 <= 50 and bad == 0)
        return runs

    def bench_execution(self, api):
        mb = 100
        code = ("import sys\n"
                "line = b\"x\" * 99 + bytes([10])\n"
                f"for _ in range({mb} * 1024 * 1024 // 100): sys.stdout.buffer.write(line)\n")
        _, tpl = api.call("POST", "/api/v1/templates", {
            "name": "bench 100 MB", "environment": "BENCH", "purpose": "Bench",
            "command": "python3 -c '" + code + "'", "internal_vars": {}, "variables": [], "choices": {},
            "workflow_id": None, "submit_roles": [], "timeout_s": 600, "active": True})
        results = []
        for _ in range(self.args.runs):
            before = rss_kb(self.server.pid)
            _, t = api.call("POST", "/api/v1/tickets", {"template_id": tpl["id"], "title": "100 MB", "execute": True})
            ex_id = None
            peak = before
            deadline = time.time() + 300
            while time.time() < deadline:
                peak = max(peak, rss_kb(self.server.pid))
                if ex_id is None:
                    _, tk = api.call("GET", f"/api/v1/tickets/{t['id']}")
                    if tk.get("executions"):
                        ex_id = tk["executions"][0]["id"]
                if ex_id is not None:
                    _, ex = api.call("GET", f"/api/v1/executions/{ex_id}")
                    if ex["status"] not in ("queued", "running"):
                        break
                time.sleep(0.05)
            secs = ex["duration_ms"] / 1000 if ex.get("duration_ms") else float("nan")
            results.append((mb / secs, (peak - before) / 1024, ex["status"]))
        rate = statistics.median(r[0] for r in results)
        growth = statistics.median(r[1] for r in results)
        self.row("an execution printing 100 MB", f"{rate:,.0f} MB/s captured ({results[0][2]})", "", "≥ 100 MB/s", rate >= 100)
        self.row("server RSS growth during it", f"{growth:.1f} MiB", "", "≤ 32 MiB", growth <= 32)

    def run(self):
        log(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores")
        self.start_hello()
        db = os.path.join(self.tmp, "orderly.db")
        p, self.port = self.orderly(db)
        self.server = p
        time.sleep(0.5)
        idle = rss_kb(p.pid)
        api = Api(self.port)
        _, login = api.call("POST", "/api/v1/auth/login", {"username": "admin", "password": "bench-admin-pass"})
        token = login["token"]
        api.token = token
        self.row("server RSS idle", f"{idle / 1024:.1f} MiB", "", "≤ 30 MiB", idle <= 30 * 1024)
        self.bench_tickets(api, token)
        self.stop(self.hello)
        self.baseline_rows()
        loaded = rss_kb(p.pid)
        self.row("server RSS after the load above", f"{loaded / 1024:.1f} MiB", "", "≤ 150 MiB", loaded <= 150 * 1024)
        self.bench_execution(api)
        self.stop(p)
        self.bench_million(db)

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
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--no-write", action="store_true", help="do not update the docs/ page")
    ap.add_argument("--pg", action="store_true",
                    help="PostgreSQL: one and two nodes on a throwaway cluster (docs/benchmarks-postgres.md)")
    ap.add_argument("--windows", action="store_true",
                    help="the change-window scheduler (scripts/bench_windows.py); prints its table "
                         "and writes nothing (docs/benchmarks.md keeps its figures by hand)")
    ap.add_argument("--window-tickets", type=int, default=100_000)
    ap.add_argument("--window-spread", type=float, default=90, help="seconds the windows' starts span")
    ap.add_argument("--window-lead", type=float, default=10,
                    help="seconds from writing the copies to the first window (the server starts meanwhile)")
    ap.add_argument("--window-later", type=int, default=0,
                    help="more scheduled tickets whose windows open over the next 30 days (a backlog)")
    ap.add_argument("--window-workers", type=int, default=16, help="ORDERLY_EXECUTION_WORKERS (the server's default)")
    ap.add_argument("--window-timeout", type=float, default=600,
                    help="seconds after the last window to wait for every ticket to run")
    ap.add_argument("--idle-seconds", type=float, default=60)
    args = ap.parse_args()
    if args.windows:
        from bench_windows import WindowBench
        b = WindowBench(args)
        args.no_write = True
    elif args.pg:
        from bench_pg import PgBench
        b = PgBench(args)
    else:
        b = Bench(args)
    started = time.time()
    try:
        b.run()
    finally:
        b.close()
    table = b.report()
    if not args.no_write:
        path = os.path.join(ROOT, "docs", "benchmarks-postgres.md" if args.pg else "benchmarks.md")
        # The hand-written analysis below the table (from the first "## " heading on) is kept.
        notes = ""
        if os.path.exists(path):
            with open(path) as f:
                old = f.read()
            at = old.find("\n## ")
            if at >= 0:
                notes = old[at:]
        with open(path, "w") as f:
            f.write("# Benchmarks on PostgreSQL\n\n" if args.pg else "# Benchmarks\n\n")
            f.write("Produced by `scripts/bench` (medians of %d runs of %gs each; wrk on the same machine).\n\n"
                    % (args.runs, args.seconds))
            f.write(f"Machine: {machine_description()}. Run took {time.time() - started:.0f} s.\n\n")
            f.write(table + "\n")
            f.write(notes)
        log(f"wrote {path}")


if __name__ == "__main__":
    main()
