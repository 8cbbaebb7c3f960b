"""Evaluates the Tiltfile with a Starlark interpreter and stubs of Tilt's builtins.

The stubs have the parameter names of Tilt's API, so a misspelled keyword or an
unknown builtin fails the evaluation; they record what the Tiltfile asks for, and
the checks below then require every service image (and the operator's) to be built
from an existing Dockerfile target and injected into the Shop.

Usage: python tiltfile.py <repo root>
"""

import re
import subprocess
import sys
from pathlib import Path

import starlark as sl
import yaml

SERVICES = ["gateway", "auth", "users", "products", "cart", "orders", "stock", "shipping", "notification"]
LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")


class Tilt:
    """Tilt's builtins, recording their calls."""

    def __init__(self, root: Path, helm: str):
        self.root = root
        self.helm_bin = helm
        self.contexts = []
        self.images = {}
        self.yaml_docs = []
        self.kinds = {}
        self.resources = {}
        self.local_resources = {}

    # --- the builtins (parameter names as in Tilt's API reference) -----------------
    def allow_k8s_contexts(self, contexts):
        self.contexts += [contexts] if isinstance(contexts, str) else list(contexts)

    def docker_build(self, ref, context, build_args={}, dockerfile="Dockerfile", dockerfile_contents="",
                     live_update=[], match_in_env_vars=False, ignore=[], only=[], entrypoint=[], target="",
                     ssh="", network="", secret="", extra_tag="", container_args=None, cache_from=[],
                     pull=False, platform="", extra_hosts=[]):
        if ref in self.images:
            raise ValueError(f"image {ref} is built twice")
        self.images[ref] = {"context": context, "dockerfile": dockerfile, "target": target}

    def helm(self, pathToChartDir, name="", namespace="", values=[], set=[], kube_version="", skip_crds=False):
        command = [self.helm_bin, "template", name or "chart", str(self.root / pathToChartDir)]
        if namespace:
            command += ["--namespace", namespace]
        for value in [values] if isinstance(values, str) else values:
            command += ["--values", str(self.root / value)]
        for assignment in [set] if isinstance(set, str) else set:
            command += ["--set", assignment]
        if not skip_crds:
            command.append("--include-crds")
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout

    def k8s_yaml(self, yaml_, allow_duplicates=False):
        for item in [yaml_] if isinstance(yaml_, str) else yaml_:
            text = item if "\n" in item else (self.root / item).read_text()
            self.yaml_docs += [doc for doc in yaml.safe_load_all(text) if doc]

    def k8s_kind(self, kind, api_version=None, image_json_path=[], image_object_json_path=None, pod_readiness=""):
        paths = [image_json_path] if isinstance(image_json_path, str) else list(image_json_path)
        self.kinds[kind] = {"api_version": api_version, "paths": paths}

    def k8s_resource(self, workload="", new_name="", port_forwards=[], extra_pod_selectors=[], trigger_mode=None,
                     resource_deps=[], objects=[], auto_init=True, pod_readiness="", links=[], labels=[],
                     discovery_strategy=""):
        self.resources[new_name or workload] = {"workload": workload, "deps": list(resource_deps),
                                                "labels": _labels(labels)}

    def local_resource(self, name, cmd="", deps=[], trigger_mode=None, resource_deps=[], ignore=[],
                       auto_init=True, serve_cmd="", cmd_bat="", serve_cmd_bat="", allow_parallel=False,
                       links=[], tags=[], env={}, serve_env={}, readiness_probe=None, dir="", serve_dir="",
                       labels=[]):
        if not (cmd or serve_cmd):
            raise ValueError(f"local_resource {name} runs nothing")
        self.local_resources[name] = {"deps": list(resource_deps), "labels": _labels(labels)}

    def read_yaml(self, path, default=None):
        file = self.root / path
        if not file.exists() and default is not None:
            return default
        return yaml.safe_load(file.read_text())

    def encode_yaml(self, obj):
        return yaml.safe_dump(obj, sort_keys=False)

    def builtins(self):
        names = ["allow_k8s_contexts", "docker_build", "helm", "k8s_yaml", "k8s_kind", "k8s_resource",
                 "local_resource", "read_yaml", "encode_yaml"]
        return {name: getattr(self, name) for name in names}


def _labels(labels):
    labels = [labels] if isinstance(labels, str) else list(labels)
    for label in labels:
        if not LABEL.match(label):
            raise ValueError(f"invalid Tilt label {label!r}")
    return labels


def dockerfile_targets(root: Path):
    return set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", (root / "Dockerfile").read_text(), re.M | re.I))


def check(tilt: Tilt, root: Path):
    problems = []
    targets = dockerfile_targets(root)
    if tilt.contexts != ["kind-rustshop"]:
        problems.append(f"allow_k8s_contexts must allow only kind-rustshop, got {tilt.contexts}")
    for name in SERVICES + ["operator"]:
        image = tilt.images.get(f"rustshop/{name}")
        if image is None:
            problems.append(f"the image rustshop/{name} is not built")
        elif image["target"] != name or image["target"] not in targets:
            problems.append(f"rustshop/{name} is built from target {image['target']!r}, not an existing {name!r}")
    shops = [d for d in tilt.yaml_docs if d.get("kind") == "Shop"]
    if len(shops) != 1:
        problems.append(f"expected one Shop applied, found {len(shops)}")
    else:
        services = shops[0].get("spec", {}).get("services", {})
        for name in SERVICES:
            if services.get(name, {}).get("image") != f"rustshop/{name}":
                problems.append(f"the Shop does not reference the built image of {name}")
    paths = tilt.kinds.get("Shop", {}).get("paths", [])
    for name in SERVICES:
        if "{.spec.services.%s.image}" % name not in paths:
            problems.append(f"k8s_kind('Shop') does not tell Tilt where the {name} image is")
    workloads = {d["metadata"]["name"] for d in tilt.yaml_docs if d.get("kind") == "Deployment"}
    known = set(tilt.resources) | set(tilt.local_resources)
    for name, resource in tilt.resources.items():
        if resource["workload"] and resource["workload"] not in workloads | {s["metadata"]["name"] for s in shops}:
            problems.append(f"k8s_resource({resource['workload']!r}) names no workload")
    for name, resource in {**tilt.resources, **tilt.local_resources}.items():
        for dep in resource["deps"]:
            if dep not in known:
                problems.append(f"{name} depends on unknown resource {dep}")
    for name in SERVICES:
        if not any(name in r["labels"] for r in tilt.local_resources.values()):
            problems.append(f"no resource grouped under the label {name}")
    return problems


def main():
    root = Path(sys.argv[1]).resolve()
    helm = sys.argv[2] if len(sys.argv) > 2 else "helm"
    tiltfile = sys.argv[3] if len(sys.argv) > 3 else str(root / "Tiltfile")
    tilt = Tilt(root, helm)
    module = sl.Module()
    for name, function in tilt.builtins().items():
        module.add_callable(name, function)
    source = Path(tiltfile).read_text()
    try:
        sl.eval(module, sl.parse("Tiltfile", source, sl.Dialect.extended()), sl.Globals.standard())
    except Exception as error:  # a Starlark error, or a stub refusing its arguments
        print(f"Tiltfile: evaluation failed: {error}", file=sys.stderr)
        return 1
    problems = check(tilt, root)
    for problem in problems:
        print(f"Tiltfile: {problem}", file=sys.stderr)
    if not problems:
        print(f"Tiltfile: ok ({len(tilt.images)} images, {len(tilt.yaml_docs)} objects, "
              f"{len(tilt.resources) + len(tilt.local_resources)} resources)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
