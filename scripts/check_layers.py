#!/usr/bin/env python3
"""Fails when a source file under server/src includes a header of a layer it may not use.

The layers (docs/DEVELOPING.md, "Layers"), each a directory of server/src, and what each may
include besides itself:

    core          -
    domain        core
    storage       core, domain
    integrations  core, domain
    app           core, domain, storage, integrations
    http          core, domain, app
    wiring        everything (OrderlyApp builds and starts every layer's objects)
    main.cpp      everything

Includes that break these rules and are still being moved out are listed in KNOWN with the
reason. The list may only shrink: an entry that no longer matches an include fails the check
too, so a fixed dependency cannot come back unnoticed.

<sqlite3.h> may be included only by the SQLite driver (storage/sqlite*, storage/write_combining*),
<libpq-fe.h> only by the PostgreSQL driver (storage/postgres/).
"""
import pathlib
import re
import sys

ALLOWED = {
    "core": {"core"},
    "domain": {"core", "domain"},
    "storage": {"core", "domain", "storage"},
    "integrations": {"core", "domain", "integrations"},
    "app": {"core", "domain", "storage", "integrations", "app"},
    "http": {"core", "domain", "app", "http"},
    "wiring": {"core", "domain", "storage", "integrations", "app", "http", "wiring"},
}

# (file, included layer): why it is still there.
KNOWN = {
}

SQLITE_DRIVER = re.compile(r"^storage/(sqlite|write_combining)")
POSTGRES_DRIVER = re.compile(r"^storage/postgres/")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]')


def known(rel: str, layer: str) -> str | None:
    for (pattern, lay), _ in KNOWN.items():
        if lay != layer:
            continue
        if pattern == rel or (pattern.endswith("/*") and rel.startswith(pattern[:-1])):
            return f"{pattern}:{lay}"
    return None


def main() -> int:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "server/src")
    errors: list[str] = []
    used: set[str] = set()
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cpp"):
            continue
        rel = path.relative_to(src).as_posix()
        layer = rel.split("/")[0] if "/" in rel else None
        if layer is None:
            continue  # main.cpp: the wiring may use every layer
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            if target == "sqlite3.h" and not SQLITE_DRIVER.match(rel):
                errors.append(f"{rel}:{n}: <sqlite3.h> belongs to the SQLite driver only")
                continue
            if target == "libpq-fe.h" and not POSTGRES_DRIVER.match(rel):
                errors.append(f"{rel}:{n}: <libpq-fe.h> belongs to the PostgreSQL driver only")
                continue
            dep = target.split("/")[0] if "/" in target else None
            if dep not in ALLOWED or dep in ALLOWED[layer]:
                continue
            k = known(rel, dep)
            if k:
                used.add(k)
                continue
            errors.append(f"{rel}:{n}: the {layer} layer may not include {target}")
    for (pattern, lay), why in KNOWN.items():
        if f"{pattern}:{lay}" not in used:
            errors.append(f"scripts/check_layers.py: KNOWN lists {pattern} -> {lay} ({why}), "
                          "which no longer happens: remove the entry")
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
