#!/usr/bin/env python3
"""Build-time generator: embeds the OpenAPI spec, the request-body schemas (turned into
draft-04 JSON Schema), the route table with each route's permission, and the numbered
migrations of each driver (db/<driver>/NNN_name.sql) into one C++ source file.

Because the server validates requests against schemas generated from api-spec/openapi.yaml and
checks its own route table against the spec in tests, the spec and the server cannot drift.
"""
import argparse
import copy
import json
import os
import re
import sys

import yaml

METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
# OpenAPI-only keywords that draft-04 does not know; they are dropped from request schemas.
DROP = {"example", "examples", "nullable", "readOnly", "writeOnly", "deprecated", "xml",
        "externalDocs", "discriminator", "description", "title"}


def resolve(spec, node, seen=()):
    """Inline every local $ref (request schemas are small and not recursive)."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                sys.exit(f"only local $ref are supported: {ref}")
            if ref in seen:
                sys.exit(f"recursive $ref in a request schema: {ref}")
            target = spec
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return resolve(spec, copy.deepcopy(target), seen + (ref,))
        return {k: resolve(spec, v, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(spec, v, seen) for v in node]
    return node


def to_draft04(s):
    if isinstance(s, list):
        return [to_draft04(v) for v in s]
    if not isinstance(s, dict):
        return s
    out = {}
    for k, v in s.items():
        if k in DROP or k.startswith("x-"):
            continue
        if k == "properties":
            out[k] = {name: to_draft04(sub) for name, sub in v.items()}
        elif k in ("items", "additionalProperties", "not"):
            out[k] = to_draft04(v)
        elif k in ("allOf", "anyOf", "oneOf"):
            out[k] = [to_draft04(x) for x in v]
        else:
            out[k] = v
    if s.get("nullable") and any(k in out for k in ("allOf", "anyOf", "oneOf")):
        out.pop("type", None)  # the branches say the type
    if s.get("nullable") and "type" not in out:
        # nullable beside allOf/anyOf/oneOf: null is one more alternative (a single allOf
        # branch, the OpenAPI 3.0 way of a nullable $ref, stands for itself).
        for k in ("allOf", "anyOf", "oneOf"):
            if k in out:
                branches = out.pop(k)
                if k == "allOf" and len(branches) > 1:
                    branches = [{"allOf": branches}]
                out["anyOf"] = branches + [{"type": "null"}]
                break
    if s.get("nullable") and "type" in out:
        t = out["type"]
        out["type"] = (t if isinstance(t, list) else [t]) + ["null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    return out


def params_schema(params, where):
    """The parameters found in `where` as one draft-04 object schema, each a member; None when
    there are none. The server turns the raw strings into typed values first."""
    props, required = {}, []
    for (loc, name), p in params.items():
        if loc != where:
            continue
        props[name] = to_draft04(p.get("schema", {"type": "string"}))
        if p.get("required"):
            required.append(name)
    if not props:
        return None
    out = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        out["required"] = required
    return out


def c_string(data: bytes) -> str:
    parts = []
    line = []
    for b in data:
        c = chr(b)
        if c == "\\":
            line.append("\\\\")
        elif c == '"':
            line.append('\\"')
        elif c == "\n":
            line.append("\\n")
        elif 32 <= b < 127 and c != "?":
            line.append(c)
        else:
            line.append("\\%03o" % b)
        if len(line) >= 120:
            parts.append('"' + "".join(line) + '"')
            line = []
    parts.append('"' + "".join(line) + '"')
    return "\n    ".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--migrations", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    with open(args.spec, encoding="utf-8") as f:
        spec = yaml.safe_load(f)

    routes = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            perm = op.get("x-permission")
            if perm is None:
                sys.exit(f"{method.upper()} {path}: missing x-permission")
            schema = None
            body = op.get("requestBody")
            if body is not None:
                body = resolve(spec, body)
                content = body.get("content", {})
                js = content.get("application/json")
                if js is not None and "schema" in js:
                    schema = to_draft04(resolve(spec, js["schema"]))
            # A body whose schema requires members is required, whatever requestBody.required
            # says: an empty body could never be valid.
            required = bool(body and (body.get("required", False) or
                                      (schema or {}).get("required")))
            params = {}
            for p in item.get("parameters", []) + op.get("parameters", []):
                p = resolve(spec, p)
                params[(p["in"], p["name"])] = p  # an operation's own parameter wins
            routes.append((method.upper(), path, perm, op.get("operationId", ""), schema,
                           required, params_schema(params, "query"),
                           params_schema(params, "path")))

    # One directory per database driver (db/sqlite, later db/postgres), each numbered 1..N.
    drivers = []
    for driver in sorted(os.listdir(args.migrations)):
        folder = os.path.join(args.migrations, driver)
        if not os.path.isdir(folder):
            continue
        migrations = []
        for name in sorted(os.listdir(folder)):
            m = re.match(r"^(\d+)_([A-Za-z0-9_]+)\.sql$", name)
            if not m:
                continue
            with open(os.path.join(folder, name), "rb") as f:
                migrations.append((int(m.group(1)), m.group(2), f.read()))
        versions = [v for v, _, _ in migrations]
        if versions != list(range(1, len(versions) + 1)):
            sys.exit(f"{driver} migrations must be numbered 1..N without gaps, got {versions}")
        drivers.append((driver, migrations))
    if not drivers:
        sys.exit(f"no driver directories with migrations under {args.migrations}")

    spec_json = json.dumps(spec, ensure_ascii=False, separators=(",", ":"), default=str)
    out = []
    out.append("// Generated by scripts/gen_embedded.py. Do not edit.")
    out.append('#include "http/spec.h"')
    out.append('#include "storage/migrations.h"')
    out.append("namespace orderly::spec {")
    out.append("std::string_view openapi_json() {")
    out.append("  static const char data[] =\n    " + c_string(spec_json.encode("utf-8")) + ";")
    out.append("  return std::string_view(data, sizeof(data) - 1);")
    out.append("}")
    out.append("const std::vector<RouteSpec>& routes() {")
    out.append("  static const std::vector<RouteSpec> r = {")
    def dump(x):
        return json.dumps(x, ensure_ascii=False, separators=(",", ":")) if x else ""

    for method, path, perm, op_id, schema, required, query, path_params in routes:
        out.append("    {%s, %s, %s, %s, %s, %s, %s, %s}," % (
            c_string(method.encode()), c_string(path.encode()), c_string(perm.encode()),
            c_string(op_id.encode()), c_string(dump(schema).encode("utf-8")),
            "true" if required else "false", c_string(dump(query).encode("utf-8")),
            c_string(dump(path_params).encode("utf-8"))))
    out.append("  };")
    out.append("  return r;")
    out.append("}")
    out.append("}  // namespace orderly::spec")
    out.append("namespace orderly::storage {")
    out.append("const std::vector<Migration>& embedded_migrations(std::string_view driver) {")
    for driver, migrations in drivers:
        out.append("  if (driver == %s) {" % c_string(driver.encode()))
        out.append("    static const std::vector<Migration> m = {")
        for v, name, sql in migrations:
            out.append("      {%d, %s, %s}," % (v, c_string(name.encode()), c_string(sql)))
        out.append("    };")
        out.append("    return m;")
        out.append("  }")
    out.append("  static const std::vector<Migration> none;")
    out.append("  return none;")
    out.append("}")
    out.append("}  // namespace orderly::storage")
    text = "\n".join(out) + "\n"
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    old = None
    if os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as f:
            old = f.read()
    if old != text:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
