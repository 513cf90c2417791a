"""The PostgreSQL figures of scripts/bench (`scripts/bench --pg`).

A throwaway cluster (scripts/pg-cluster, with pg_stat_statements loaded) on this machine; the
baselines are measured in the same run: the Pistache hello-world and raw durable inserts over
libpq from 64 clients (bench_pg_insert, pgbench-style). Orderly runs as one node, then as two
nodes on the same database. Around each measured wrk run (not the baseline runs between them)
the script reads PostgreSQL's own CPU time (utime + stime of the postmaster and its backends,
from /proc), its statement count (pg_stat_statements, BEGIN and COMMIT included) and the nodes'
round trips to it (orderly_db_round_trips_total in /metrics), and the nodes' own CPU time
(utime + stime of each orderly process, all its threads), and divides them by the requests wrk
answered. The nodes' CPU bounds what any saving in PostgreSQL can give on this machine.
"""
import os
import statistics
import subprocess
import tempfile
import threading

from bench import ROOT, Api, Bench, log, median_of, wrk

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_stat(pid):
    """The fields of /proc/PID/stat after the command name (ppid is [1], utime [11], stime [12],
    cutime [13], cstime [14]); in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


class Postgres:
    """The cluster, its URI, and what it has spent."""

    def __init__(self):
        # scripts/pg-cluster runs the server as `postgres` when we are root: its directory must be
        # reachable by that user.
        self.parent = tempfile.mkdtemp(prefix="orderly-bench-pg-")
        os.chmod(self.parent, 0o755)
        self.dir = os.path.join(self.parent, "cluster")
        env = dict(os.environ, PG_CLUSTER_OPTIONS=(
            "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
            " -c pg_stat_statements.max=10000"))
        self.uri = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "start", self.dir],
                                  env=env, capture_output=True, text=True, check=True).stdout.strip()
        self.sql("CREATE EXTENSION pg_stat_statements")
        self.sql("CREATE DATABASE raw")
        # postgresql:///orderly?host=...: the same server, database "raw".
        self.raw_uri = self.uri.replace("/orderly?", "/raw?", 1)
        with open(os.path.join(self.dir, "data", "postmaster.pid")) as f:
            self.postmaster = int(f.readline())

    def sql(self, text, uri=None):
        return subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", uri or self.uri,
                               "-c", text], capture_output=True, text=True, check=True).stdout.strip()

    def cpu_seconds(self):
        """CPU time of the postmaster, its live children, and the children it has reaped."""
        total = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                fields = proc_stat(pid)
            except OSError:
                continue
            ppid, utime, stime, cutime, cstime = int(fields[1]), *map(int, fields[11:15])
            if int(pid) == self.postmaster:
                total += utime + stime + cutime + cstime
            elif ppid == self.postmaster:
                total += utime + stime
        return total / CLK_TCK

    def statements(self):
        return int(self.sql("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements") or 0)

    def close(self):
        subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", self.dir],
                       capture_output=True)
        os.rmdir(self.parent)


def process_cpu_seconds(pid):
    """utime + stime of a process, all its threads."""
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def round_trips(ports):
    """orderly_db_round_trips_total summed over the nodes listening on ports (/metrics)."""
    import urllib.request
    total = 0
    for port in ports:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            for line in r.read().decode().splitlines():
                if line.startswith("orderly_db_round_trips_total "):
                    total += int(line.split()[1])
    return total


class Accounting:
    """PostgreSQL CPU, statements and the nodes' round trips spent inside measure() calls,
    summed over them."""

    def __init__(self, pg, ports, pids):
        self.pg = pg
        self.ports = ports
        self.pids = pids
        self.cpu = 0.0
        self.node_cpu = 0.0
        self.stmts = 0
        self.trips = 0
        self.by_statement = {}  # normalised text -> [calls, execution ms]

    def measure(self, fn):
        self.pg.sql("SELECT pg_stat_statements_reset()")
        cpu0 = self.pg.cpu_seconds()
        node0 = sum(process_cpu_seconds(pid) for pid in self.pids)
        trips0 = round_trips(self.ports)
        result = fn()
        self.cpu += self.pg.cpu_seconds() - cpu0
        self.node_cpu += sum(process_cpu_seconds(pid) for pid in self.pids) - node0
        self.trips += round_trips(self.ports) - trips0
        # The reset and the count itself are two statements.
        self.stmts += max(0, self.pg.statements() - 2)
        rows = self.pg.sql(
            "SELECT calls || chr(9) || total_exec_time || chr(9) || regexp_replace(query, '\\s+', ' ', 'g') "
            "FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'")
        for line in rows.splitlines():
            calls, ms, text = line.split("\t", 2)
            entry = self.by_statement.setdefault(text, [0, 0.0])
            entry[0] += int(calls)
            entry[1] += float(ms)
        return result

    def per_request(self, requests):
        n = max(requests, 1)
        return self.cpu / n * 1e6, self.stmts / n, self.trips / n, self.node_cpu / n * 1e6


class PgBench(Bench):
    def __init__(self, args):
        super().__init__(args)
        self.pg = None
        self.ports = []  # the nodes running, whose round trips are counted
        self.pids = {}  # port -> the node's process id, whose CPU is counted
        self.statements_by_phase = []  # (label, requests, [(text, [calls, ms])])

    def report(self):
        """The table, then each phase's statements that took PostgreSQL the most execution time
        (pg_stat_statements; execution only, not parsing, planning or the protocol)."""
        out = [super().report(), "",
               "**Where PostgreSQL's execution time goes**, per request, from `pg_stat_statements` "
               "(execution only: not the protocol, parsing or planning; the top 8 statements of each "
               "phase; `$n` are parameters):"]
        for label, requests, top in self.statements_by_phase:
            out += ["", f"*{label}*", "", "| statement | calls | execution µs |", "|---|---|---|"]
            for text, (calls, ms) in top:
                shown = (text[:150] + " …" if len(text) > 150 else text).replace("|", "\\|")
                out.append(f"| `{shown}` | {calls / requests:.2f} | {ms * 1000 / requests:.1f} |")
        return "\n".join(out)

    def close(self):
        super().close()
        if self.pg:
            self.pg.close()

    def node(self):
        port = self.free()
        env = {"ORDERLY_ADMIN_PASSWORD": "bench-admin-pass",
               "ORDERLY_SECRET_KEY_FILE": os.path.join(self.tmp, "orderly.key"),
               "ORDERLY_WORK_DIR": os.path.join(self.tmp, f"work{port}")}
        p = self.start([f"{self.build}/orderly", "serve", "--listen", f"127.0.0.1:{port}", "--db", self.pg.uri],
                       env=env, port=port)
        self.ports.append(port)
        self.pids[port] = p.pid
        return p, port

    @staticmethod
    def free():
        from bench import free_port
        return free_port()

    def raw_once(self):
        out = subprocess.run([f"{self.build}/bench_pg_insert", self.pg.raw_uri, str(self.args.seconds), "64"],
                             capture_output=True, text=True, check=True).stdout
        self.sqlite_runs.append(float(out.strip()))
        return self.sqlite_runs[-1]

    def accounted(self, label, fn):
        """fn(measure) returns a list of wrk results; each wrk run it makes goes through
        measure(), so that a baseline run in between (raw inserts are PostgreSQL's work too) is
        not counted. Adds the row of PostgreSQL's CPU and statements per request."""
        acc = Accounting(self.pg, self.ports, [self.pids[p] for p in self.ports])
        results = fn(acc.measure)
        requests = sum(r["requests"] for r in results)
        cpu_us, stmts, trips, node_us = acc.per_request(requests)
        capacity = 1e6 / cpu_us if cpu_us > 0 else float("inf")
        self.row(f"{label}: PostgreSQL per request",
                 f"{cpu_us:,.0f} µs CPU, {stmts:.1f} statements, {trips:.1f} round trips",
                 f"≈ {capacity:,.0f} req/s per PostgreSQL core", "", None)
        node_capacity = 1e6 / node_us if node_us > 0 else float("inf")
        self.row(f"{label}: Orderly node per request", f"{node_us:,.0f} µs CPU",
                 f"≈ {node_capacity:,.0f} req/s per node core", "", None)
        top = sorted(acc.by_statement.items(), key=lambda kv: -kv[1][1])[:8]
        n = max(requests, 1)
        self.statements_by_phase.append((label, n, top))
        for text, (calls, ms) in top:
            log(f"  {calls / n:5.2f} calls, {ms * 1000 / n:7.1f} µs per request: {text[:100]}")
        return results

    def paired(self, label, baseline, measure, unit, of, target, minimum, nodes):
        """Each run of `measure` right after one of `baseline`; the ratio is the median of the
        pairs. Adds the accounting row and the figure's row; returns the median rate."""
        runs, ratios = [], []

        def one(accounted):
            base = baseline()
            runs.append(accounted(measure))
            ratios.append(runs[-1]["rps"] / base)
            return runs[-1]

        self.accounted(label, lambda accounted: [one(accounted) for _ in range(self.args.runs)])
        rps = median_of(runs, lambda r: r["rps"])
        ratio = statistics.median(ratios)
        bad = max(r["non2xx"] for r in runs)
        alone = len(nodes) == 1
        judged = alone and target
        self.row(label, f"{rps:,.0f} {unit} (non-2xx {bad})", f"{ratio:.3f} of {of}", target if judged else "",
                 (ratio >= minimum and bad == 0) if judged else None)
        return rps

    @staticmethod
    def nodes_label(what, nodes):
        return f"{what}, {len(nodes)} node{'s' if len(nodes) > 1 else ''}, 64 conns"

    def one_round_trip(self, nodes):
        """GET /readyz: one round trip with one trivial statement (SELECT 1) and no token. No
        request that reads the database can cost a node and PostgreSQL less, so its ratio to
        hello is the ceiling of the others' on this machine."""
        self.paired(self.nodes_label("GET /readyz (one round trip, SELECT 1)", nodes), self.hello_once,
                    lambda: self.wrk_nodes(nodes, "/readyz", headers=["Connection: keep-alive"]),
                    "req/s", "hello", "", 0, nodes)

    def get_ticket(self, ticket_id, token, nodes):
        headers = [f"Authorization: Bearer {token}", "Connection: keep-alive"]
        self.paired(self.nodes_label("GET /api/v1/tickets/{id}", nodes), self.hello_once,
                    lambda: self.wrk_nodes(nodes, f"/api/v1/tickets/{ticket_id}", headers=headers),
                    "req/s", "hello", "≥ 0.25 of hello", 0.25, nodes)

    def wrk_nodes(self, ports, path, headers=None, script=None, seconds=None):
        """64 connections spread over the nodes, one wrk each, run together; rates summed."""
        seconds = seconds or self.args.seconds
        results = [None] * len(ports)

        def run(i, port):
            # A list of scripts: one per node (each approves its own tickets).
            own = script[i] if isinstance(script, list) else script
            results[i] = wrk(f"http://127.0.0.1:{port}{path}", 64 // len(ports), seconds,
                             headers=headers, script=own)

        threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(ports)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {"rps": sum(r["rps"] for r in results), "requests": sum(r["requests"] for r in results),
                "non2xx": sum(r["non2xx"] for r in results),
                "lat": {k: max(r["lat"].get(k, 1e9) for r in results) for k in ("50", "99")}}

    def post_tickets(self, token, nodes):
        post_lua = self.post_lua(token)
        return self.paired(self.nodes_label("POST /api/v1/tickets", nodes), self.raw_once,
                           lambda: self.wrk_nodes(nodes, "/api/v1/tickets", script=post_lua),
                           "tickets/s", "raw PostgreSQL", "≥ 0.40 of raw PostgreSQL inserts", 0.4, nodes)

    def approve(self, api, token, nodes, post_rate):
        seconds = min(self.args.seconds, 3)
        # A pending ticket for every approval of every run (an approve of a decided ticket is a
        # quick 409): room for 2,500 approvals/s, about twice what this machine reaches here.
        needed = self.args.runs * seconds * 2500
        _, probe = api.call("POST", "/api/v1/tickets", self.ticket_body(2))
        first = probe["id"] + 1
        extra = max(1, int(needed / max(post_rate, 1)) + 1)
        log(f"creating about {needed:,} pending tickets for the approve runs ({extra} s)")
        self.wrk_nodes(nodes, "/api/v1/tickets", script=self.post_lua(token), seconds=extra)
        _, last = api.call("POST", "/api/v1/tickets", self.ticket_body(3))
        per_run = (last["id"] - first) // self.args.runs
        runs = []

        def one(r, accounted):
            # The run's slice of tickets, split between the nodes: no ticket is approved twice.
            share = per_run // len(nodes)
            lua = [self.approve_lua(token, first + r * per_run + i * share, share, f"pg{r}n{i}")
                   for i in range(len(nodes))]
            runs.append(accounted(lambda: self.wrk_nodes(nodes, "/", script=lua, seconds=seconds)))
            return runs[-1]

        label = self.nodes_label("approve", nodes)
        self.accounted(label, lambda accounted: [one(r, accounted) for r in range(self.args.runs)])
        p99 = median_of(runs, lambda r: r["lat"]["99"])
        p50 = median_of(runs, lambda r: r["lat"]["50"])
        rps = median_of(runs, lambda r: r["rps"])
        bad = max(r["non2xx"] for r in runs)
        self.row(label, f"p99 {p99:.2f} ms, p50 {p50:.2f} ms at {rps:,.0f} approvals/s (non-2xx {bad})", "",
                 "p99 ≤ 20 ms" if len(nodes) == 1 else "", (p99 <= 20 and bad == 0) if len(nodes) == 1 else None)

    def run(self):
        log("starting a PostgreSQL cluster")
        self.pg = Postgres()
        self.start_hello()
        p1, port1 = self.node()
        api = Api(port1)
        _, login = api.call("POST", "/api/v1/auth/login", {"username": "admin", "password": "bench-admin-pass"})
        token = api.token = login["token"]
        self.setup_catalog(api)
        _, t = api.call("POST", "/api/v1/tickets", self.ticket_body())
        self.one_round_trip([port1])
        self.get_ticket(t["id"], token, [port1])
        rate = self.post_tickets(token, [port1])
        self.approve(api, token, [port1], rate)
        p2, port2 = self.node()
        self.get_ticket(t["id"], token, [port1, port2])
        rate = self.post_tickets(token, [port1, port2])
        self.approve(api, token, [port1, port2], rate)
        self.stop(p2)
        self.ports.remove(port2)
        self.stop(self.hello)
        self.baseline_rows(raw="raw PostgreSQL durable inserts over libpq, 64 clients (pgbench-style)")
        log(f"loading {self.args.tickets:,} tickets")
        out = subprocess.run([f"{self.build}/bench_load_tickets", self.pg.uri, str(self.args.tickets)],
                             capture_output=True, text=True, check=True).stdout.strip()
        log(out)
        self.port = port1
        # A request that fails says why here, rather than as a count of non-2xx answers.
        api.call("GET", "/api/v1/tickets?view=all&limit=50&status=finished&environment=PROD")
        api.call("GET", "/api/v1/tickets?view=all&limit=50&q=nginx")
        self.accounted("list", lambda accounted: accounted(lambda: self.bench_list(token)))
        self.accounted("search", lambda accounted: accounted(lambda: self.bench_search(token)))
        self.stop(p1)
