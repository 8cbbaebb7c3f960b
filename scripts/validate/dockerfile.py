"""Checks the Dockerfile's targets: one per service and one for the operator, each on
the non-root runtime stage with an entrypoint, so `docker build --target <name>` gives
every image the deployment expects.

Usage: python dockerfile.py Dockerfile
"""

import re
import sys

TARGETS = ["gateway", "auth", "users", "products", "cart", "orders", "stock", "shipping", "notification", "operator"]


def stages(text):
    """{name: (base, body)} of every named stage."""
    found = {}
    parts = re.split(r"^FROM\s+", text, flags=re.M)[1:]
    for part in parts:
        header, _, body = part.partition("\n")
        match = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", header, re.I)
        if match and match.group(2):
            found[match.group(2)] = (match.group(1), body)
    return found


def main():
    found = stages(open(sys.argv[1]).read())
    problems = []
    runtime = found.get("runtime")
    if runtime is None or not re.search(r"^USER\s+(65532|nonroot)", runtime[1], re.M):
        problems.append("the runtime stage must set a non-root USER")
    for target in TARGETS:
        if target not in found:
            problems.append(f"no target {target}")
            continue
        base, body = found[target]
        if base != "runtime":
            problems.append(f"target {target} is not built on the runtime stage")
        if not re.search(r"^ENTRYPOINT\s+\[", body, re.M):
            problems.append(f"target {target} has no ENTRYPOINT")
    for problem in problems:
        print(f"Dockerfile: {problem}", file=sys.stderr)
    if not problems:
        print(f"Dockerfile: ok ({len(TARGETS)} targets)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
