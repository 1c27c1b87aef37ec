#!/usr/bin/env python3
"""Generates a large protobuf module in two revisions for the buf comparison benchmark.

usage: gen_proto_corpus.py OUT_DIR [--files 2000] [--messages 30000] [--edits 300]

Writes OUT_DIR/previous and OUT_DIR/current (each a buf module with buf.yaml), with imports
between files and, in current, EDITS breaking edits spread over the files: a third deleted
fields, a third changed field types, a third renamed fields. Deterministic (seeded).
"""
import argparse
import os
import random

SCALARS = ["string", "int32", "int64", "bool", "double", "bytes", "uint32", "sint64"]


def build(n_files, n_messages):
    rnd = random.Random(42)
    per_file = max(1, n_messages // n_files)
    files = []
    for i in range(n_files):
        pkg = f"bench.p{i // 100:02d}.v1"
        imports = sorted({j for j in (i - 1, i - 7, i - 31) if j >= 0})
        messages = []
        for m in range(per_file):
            fields = []
            for f in range(1, 1 + rnd.randint(5, 10)):
                kind = rnd.random()
                if kind < 0.15 and imports:
                    j = rnd.choice(imports)
                    fields.append([f"bench.p{j // 100:02d}.v1.M{j}_{rnd.randrange(per_file)}", f"ref_{f}", f])
                elif kind < 0.25 and m > 0:
                    fields.append([f"M{i}_{rnd.randrange(m)}", f"local_{f}", f])
                else:
                    fields.append([rnd.choice(SCALARS), f"field_{f}", f])
            messages.append(fields)
        files.append({"pkg": pkg, "imports": imports, "messages": messages})
    return files


def render(i, spec, syntax="proto3"):
    if syntax == "editions":
        # the same semantics as proto3: implicit presence unless a field says otherwise
        out = ['edition = "2023";', "", f"package {spec['pkg']};", "", "option features.field_presence = IMPLICIT;", ""]
    else:
        out = [f'syntax = "proto3";', "", f"package {spec['pkg']};", ""]
    for j in spec["imports"]:
        out.append(f'import "bench/file{j:04d}.proto";')
    out.append("")
    for m, fields in enumerate(spec["messages"]):
        out.append(f"// Message {m} of file {i}.")
        out.append(f"message M{i}_{m} {{")
        for ty, name, num in fields:
            if ty is None:
                continue
            out.append(f"  {ty} {name} = {num};")
        out.append("}")
        out.append("")
    if i % 10 == 0:
        out.append(f"service S{i} {{")
        out.append(f"  rpc Get(M{i}_0) returns (M{i}_1);")
        out.append("}")
    return "\n".join(out) + "\n"


def write(root, files, syntax="proto3"):
    os.makedirs(os.path.join(root, "bench"), exist_ok=True)
    with open(os.path.join(root, "buf.yaml"), "w") as f:
        f.write("version: v2\nbreaking:\n  use:\n    - FILE\n")
    for i, spec in enumerate(files):
        with open(os.path.join(root, "bench", f"file{i:04d}.proto"), "w") as f:
            f.write(render(i, spec, syntax))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--messages", type=int, default=30000)
    ap.add_argument("--edits", type=int, default=300)
    ap.add_argument("--syntax", choices=["proto3", "editions"], default="proto3")
    a = ap.parse_args()
    files = build(a.files, a.messages)
    write(os.path.join(a.out, "previous"), files, a.syntax)
    rnd = random.Random(7)
    edited = set()
    for k in range(a.edits):
        while True:
            i = rnd.randrange(len(files))
            m = rnd.randrange(len(files[i]["messages"]))
            fields = files[i]["messages"][m]
            f = rnd.randrange(len(fields))
            if (i, m, f) not in edited and fields[f][0] is not None and fields[f][0] in SCALARS:
                break
        edited.add((i, m, f))
        if k % 3 == 0:
            fields[f][0] = None  # deleted
        elif k % 3 == 1:
            fields[f][0] = "string" if fields[f][0] != "string" else "int64"  # type changed
        else:
            fields[f][1] = fields[f][1] + "_renamed"  # renamed
    write(os.path.join(a.out, "current"), files, a.syntax)
    total = sum(len(s["messages"]) for s in files)
    print(f"{len(files)} files, {total} messages, {a.edits} breaking edits in {len({e[0] for e in edited})} files")


if __name__ == "__main__":
    main()
