"""Checks kind-config.yaml: a kind Cluster whose control-plane node is labelled
ingress-ready=true and maps host ports 80 and 443, as ingress-nginx on kind needs.

Usage: python kind_config.py kind-config.yaml
"""

import sys

import yaml


def main():
    config = yaml.safe_load(open(sys.argv[1]))
    problems = []
    if config.get("kind") != "Cluster" or config.get("apiVersion") != "kind.x-k8s.io/v1alpha4":
        problems.append("not a kind Cluster (kind.x-k8s.io/v1alpha4)")
    planes = [n for n in config.get("nodes", []) if n.get("role") == "control-plane"]
    if not planes:
        problems.append("no control-plane node")
    for node in planes:
        mapped = {(m.get("containerPort"), m.get("hostPort")) for m in node.get("extraPortMappings", [])}
        for port in (80, 443):
            if (port, port) not in mapped:
                problems.append(f"host port {port} is not mapped to the node's port {port}")
        patches = "\n".join(node.get("kubeadmConfigPatches", []))
        if 'node-labels: "ingress-ready=true"' not in patches:
            problems.append("the node is not labelled ingress-ready=true")
    for problem in problems:
        print(f"{sys.argv[1]}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{sys.argv[1]}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
