"""Validates Shop manifests against the CRD's schema, strictly: a field the schema does
not declare (a misspelling) is an error, as it would otherwise be silently pruned by
the API server.

Usage: python shop_schema.py crds/shop.yaml examples/shop.yaml [...]
"""

import sys

import jsonschema
import yaml


def closed(schema):
    """The schema with every object closed to undeclared properties."""
    if isinstance(schema, dict):
        schema = {key: closed(value) for key, value in schema.items()}
        declares = "properties" in schema and "additionalProperties" not in schema
        if declares and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    return schema


def main():
    crd = yaml.safe_load(open(sys.argv[1]))
    group = crd["spec"]["group"]
    versions = {f"{group}/{v['name']}": closed(v["schema"]["openAPIV3Schema"]) for v in crd["spec"]["versions"]}
    failed = False
    for path in sys.argv[2:]:
        for doc in yaml.safe_load_all(open(path)):
            if not doc or doc.get("kind") != crd["spec"]["names"]["kind"]:
                continue
            schema = versions.get(doc.get("apiVersion"))
            if schema is None:
                print(f"{path}: apiVersion {doc.get('apiVersion')} is not served by the CRD", file=sys.stderr)
                failed = True
                continue
            body = {key: value for key, value in doc.items() if key not in ("apiVersion", "kind", "metadata")}
            errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(body), key=lambda e: list(e.path))
            for error in errors:
                location = ".".join(str(p) for p in error.path) or "(root)"
                print(f"{path}: {location}: {error.message}", file=sys.stderr)
            failed |= bool(errors)
            if not errors:
                print(f"{path}: Shop {doc['metadata']['name']} matches the CRD schema")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
