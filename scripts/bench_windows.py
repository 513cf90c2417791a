"""The change-window scheduler's figures of scripts/bench (`scripts/bench --windows`).

One real scheduled ticket is submitted through the API (a task template without a workflow whose
command is `true`, with a window far ahead); with the server stopped, the database gets
`--window-tickets` copies of it (the ticket row, its nodes, operators and timeline, with new ids
and serials; the search index is left out) whose windows open spread evenly over the
`--window-spread` seconds starting `--window-lead` seconds after the server starts again (and
`--window-later` more copies, the backlog, whose windows open over the next 30 days). Then
the server runs them: for each execution, the delay from its ticket's planned_start to its
`queued_at` (the scheduler's claim) and to its `started_at` (the process started, behind the
execution workers' queue), read from the database once every ticket left `scheduled`. Last, the
server's CPU time (utime + stime from /proc) over `--idle-seconds` with nothing due, per minute.
"""
import os
import sqlite3
import statistics
import time

from bench import Api, Bench, log

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))]


class WindowBench(Bench):
    def submit_template_ticket(self, api):
        api.call("POST", "/api/v1/environments", {"key": "BENCH", "name": "Bench"})
        api.call("POST", "/api/v1/purposes", {"key": "Bench", "name": "Bench"})
        _, tpl = api.call("POST", "/api/v1/templates", {
            "name": "bench window", "environment": "BENCH", "purpose": "Bench", "command": "true",
            "internal_vars": {}, "variables": [], "choices": {}, "workflow_id": None,
            "submit_roles": [], "timeout_s": 60, "active": True})
        far = time.time() + 30 * 86400
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        _, t = api.call("POST", "/api/v1/tickets", {
            "template_id": tpl["id"], "title": "window bench", "execute": True,
            "planned_start": iso(far), "planned_end": iso(far + 3600)})
        if t["status"] != "scheduled":
            raise RuntimeError(f"the template ticket is {t['status']}, not scheduled")
        return t["id"]

    def clone(self, db, template_id, n, first_ms, spread_ms, prefix="WIN"):
        con = sqlite3.connect(db)
        cur = con.cursor()

        def rows(table, where, arg):
            cur.execute(f"SELECT * FROM {table} WHERE {where} = ?", (arg,))
            return [d[0] for d in cur.description], cur.fetchall()

        tcols, (trow,) = rows("tickets", "id", template_id)
        ncols, nrows = rows("ticket_nodes", "ticket_id", template_id)
        acols, arows = rows("ticket_assignees", "ticket_id", template_id)
        scols, srows = rows("ticket_steps", "ticket_id", template_id)
        max_t = cur.execute("SELECT max(id) FROM tickets").fetchone()[0]
        max_n = cur.execute("SELECT max(id) FROM ticket_nodes").fetchone()[0]
        max_s = cur.execute("SELECT max(id) FROM ticket_steps").fetchone()[0]
        nn, ns = len(nrows), len(srows)

        def insert(table, cols, values):
            cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                            f"({', '.join('?' * len(cols))})", values)

        tix = {c: i for i, c in enumerate(tcols)}
        node_ids = {r[ncols.index("id")]: k for k, r in enumerate(nrows)}
        tickets, nodes, assignees, steps = [], [], [], []
        for i in range(n):
            tid = max_t + 1 + i
            start = first_ms + (spread_ms * i) // max(1, n - 1)
            t = list(trow)
            t[tix["id"]], t[tix["sn"]] = tid, f"{prefix}-{i + 1}"
            t[tix["title"]] = f"window bench #{i + 1}"
            t[tix["planned_start"]], t[tix["planned_end"]] = start, start + 3_600_000
            t[tix["run_at"]] = start
            tickets.append(t)
            for k, r in enumerate(nrows):
                r = list(r)
                r[ncols.index("id")], r[ncols.index("ticket_id")] = max_n + 1 + i * nn + k, tid
                nodes.append(r)
            for r in arows:
                r = list(r)
                r[acols.index("node_id")] = max_n + 1 + i * nn + node_ids[r[acols.index("node_id")]]
                r[acols.index("ticket_id")] = tid
                assignees.append(r)
            for k, r in enumerate(srows):
                r = list(r)
                r[scols.index("id")], r[scols.index("ticket_id")] = max_s + 1 + i * ns + k, tid
                steps.append(r)
        insert("tickets", tcols, tickets)
        insert("ticket_nodes", ncols, nodes)
        insert("ticket_assignees", acols, assignees)
        insert("ticket_steps", scols, steps)
        con.commit()
        con.close()
        return max_t + 1, max_t + n

    def delays(self, db, lo, hi):
        con = sqlite3.connect(db)
        got = con.execute(
            "SELECT t.planned_start, e.queued_at, e.started_at, "
            "(SELECT count(*) FROM executions x WHERE x.ticket_id = t.id) "
            "FROM tickets t LEFT JOIN executions e ON e.ticket_id = t.id "
            "WHERE t.id BETWEEN ? AND ?", (lo, hi)).fetchall()
        con.close()
        return got

    def run(self):
        a = self.args
        db = os.path.join(self.tmp, "windows.db")
        p, self.port = self.orderly(db)
        api = Api(self.port)
        _, login = api.call("POST", "/api/v1/auth/login", {"username": "admin", "password": "bench-admin-pass"})
        api.token = login["token"]
        template_id = self.submit_template_ticket(api)
        self.stop(p)

        n, spread_ms, lead_ms = a.window_tickets, int(a.window_spread * 1000), int(a.window_lead * 1000)
        t0 = time.time()
        first_ms = int(time.time() * 1000) + lead_ms
        lo, hi = self.clone(db, template_id, n, first_ms, spread_ms)
        if a.window_later:
            # The backlog: scheduled as well, their windows opening over the next 30 days, so the
            # scheduler works among them but none comes due during the run.
            self.clone(db, template_id, a.window_later, first_ms + 86_400_000, 29 * 86_400_000, "LATER")
        log(f"{n + a.window_later:,} scheduled tickets written in {time.time() - t0:.1f} s; {n:,} windows "
            f"open from {(first_ms - time.time() * 1000) / 1000:.1f} s from now over {a.window_spread:g} s")
        p, self.port = self.orderly(db, {"ORDERLY_EXECUTION_WORKERS": str(a.window_workers)})
        ready_ms = int(time.time() * 1000)
        if ready_ms > first_ms:
            log(f"WARNING: the server was ready {ready_ms - first_ms} ms after the first window opened")
        deadline = time.time() + a.window_spread + a.window_lead + a.window_timeout
        cpu_before, wall_before = cpu_seconds(p.pid), time.time()
        while time.time() < deadline:
            time.sleep(2)
            con = sqlite3.connect(db)
            left = con.execute("SELECT count(*) FROM tickets WHERE id BETWEEN ? AND ? AND status IN "
                               "('scheduled', 'executing')", (lo, hi)).fetchone()[0]
            con.close()
            if left == 0:
                break
        busy_cpu, busy_wall = cpu_seconds(p.pid) - cpu_before, time.time() - wall_before
        got = self.delays(db, lo, hi)
        claimed = sorted(q - s for s, q, _, _ in got if q is not None)
        started = sorted(st - s for s, _, st, _ in got if st is not None)
        twice = sum(1 for *_, k in got if k > 1)
        never = sum(1 for *_, k in got if k == 0)
        rate = n / max(a.window_spread, 1e-3)
        load = f"{n:,} windows over {a.window_spread:g} s ({rate:,.0f}/s)"
        if a.window_later:
            load += f", {a.window_later:,} more scheduled later ({n + a.window_later:,} in all)"
        self.row(f"scheduled start, planned_start → claimed (queued_at), {load}",
                 f"p50 {pct(claimed, 50)} ms, p99 {pct(claimed, 99)} ms, max {claimed[-1] if claimed else 'n/a'} ms",
                 "", "p99 ≤ 1000 ms", bool(claimed) and pct(claimed, 99) <= 1000)
        self.row(f"scheduled start, planned_start → process started (started_at), "
                 f"{a.window_workers} execution workers",
                 f"p50 {pct(started, 50)} ms, p99 {pct(started, 99)} ms, max {started[-1] if started else 'n/a'} ms",
                 "", "p99 ≤ 1000 ms", bool(started) and pct(started, 99) <= 1000)
        self.row("tickets started (each once)",
                 f"{len(got) - never:,} of {n:,}; {twice} more than once; {len(started):,} processes started",
                 "", "all, once", never == 0 and twice == 0)
        self.row("server CPU while they ran", f"{busy_cpu:.1f} CPU-s over {busy_wall:.0f} s", "", "", None)

        # Idle: nothing due for a day (the copies' windows are open; the backlog's, if any, a day ahead).
        time.sleep(2)
        c0, w0 = cpu_seconds(p.pid), time.time()
        time.sleep(a.idle_seconds)
        idle = (cpu_seconds(p.pid) - c0) / ((time.time() - w0) / 60)
        self.row(f"server CPU idle, nothing due ({a.idle_seconds:g} s)", f"{idle:.3f} CPU-s per minute",
                 "", "", None)
        self.stop(p)
