"""Air-gap checks: everything in a rendered platform that would reach outside the cluster.

An air-gapped install pulls every image from one private registry and downloads nothing at run
time. These functions find what would break that, over any stack's render, whatever charts and
clouds exist:

- images not under the configured registry;
- chart dependencies fetched from a repository instead of a `file://` path, and Pulumi Chart or
  YAML resources that point at a remote repository or URL;
- containers (init containers included) and mounted scripts that install packages (pip, apt-get,
  apk, npm, helm repo, git clone, ...) or name an http(s)/ftp URL whose host is not cluster-local.

Cluster-local hosts: `*.svc`, `*.svc.cluster.local`, a bare Service name, localhost, and hosts
built from variables at run time. URLs a component only *advertises* (its own public base URL
behind the gateway) are not fetches: env variables and flags named like PUBLIC_URL, BASE_URL,
EXTERNAL_URL or `--web.external-url` are skipped, and so are comment lines in scripts.

    python -m tools.airgap --stack onprem-airgap                # prints findings, exit 1 when there are any
    python -m tools.airgap --stack onprem-airgap --mirror-list  # "upstream mirror" image pairs (make mirror-list)
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.plan import ROOT, STACKS_DIR, CapturedResource, capture, list_stacks, stack_config
from policy.rules import pod_spec
from tools.render import images, render_releases

CHARTS_DIR = ROOT / "charts"

URL = re.compile(r"\b(?:https?|ftp)://(?:[^/\s'\"`@]+@)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.{}-]+)", re.IGNORECASE)
INSTALLER = re.compile(
    r"\b(pip3?\s+install|python3?\s+-m\s+pip\s+install|apt-get\s+(?:install|update)|apt\s+install|apk\s+add"
    r"|(?:yum|dnf|microdnf|zypper)\s+install|npm\s+(?:install|ci)|yarn\s+add|gem\s+install|go\s+(?:get|install)"
    r"|helm\s+(?:repo\s+add|pull|dependency\s+(?:update|build))|git\s+clone|pulumi\s+plugin\s+install)\b",
    re.IGNORECASE,
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "[::1]"})
CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local")
SELF_REFERENCE_ENV = re.compile(r"(PUBLIC|EXTERNAL|BASE|ADVERTISED|REDIRECT|CALLBACK)_?(URL|URI|HOST)", re.IGNORECASE)
SELF_REFERENCE_FLAG = re.compile(r"^--?[\w.-]*(external|public|base|advertised)[-_.]?(url|uri|host)[\w.-]*(=|$)", re.IGNORECASE)
SCRIPT_KEY = re.compile(r"\.(sh|bash|py|ps1|rb|pl)$")

@dataclass(frozen=True)
class Finding:
    subject: str
    problem: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.problem}"


def is_cluster_local(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host in LOCAL_HOSTS or host.endswith(CLUSTER_SUFFIXES):
        return True
    return "." not in host  # a Service's short name in the same namespace


def external_urls(text: str) -> list[str]:
    return [m.group(0) for m in URL.finditer(text) if not is_cluster_local(m.group(1))]


def reaches_out(text: str) -> list[str]:
    """What in `text` would download or connect outside the cluster."""
    problems = [f"installs packages ({m.group(0)!r})" for m in INSTALLER.finditer(text)]
    problems += [f"names external URL {url}" for url in external_urls(text)]
    return problems


def _subject(obj: dict[str, Any]) -> str:
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace")
    return f"{obj.get('kind')}/{namespace}/{metadata.get('name')}" if namespace else f"{obj.get('kind')}/{metadata.get('name')}"


def _strings(node: Any, skip: frozenset[str] = frozenset({"image"})) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in skip:
                yield from _strings(value, skip)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, skip)
    elif isinstance(node, str):
        yield node


def _container_texts(container: dict[str, Any]) -> Iterator[str]:
    """Every string a container runs with, minus its image and the URLs it only advertises."""
    for variable in container.get("env") or []:
        if variable.get("value") and not SELF_REFERENCE_ENV.search(variable.get("name", "")):
            yield variable["value"]
    for argument in [*(container.get("command") or []), *(container.get("args") or [])]:
        if isinstance(argument, str) and not SELF_REFERENCE_FLAG.match(argument):
            yield argument
    yield from _strings({k: v for k, v in container.items() if k not in ("env", "command", "args", "image")})


def _script_lines(text: str) -> str:
    # Comments in scripts (documentation links) are not run.
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#") or line.startswith("#!"))


def object_findings(objects: Iterable[dict[str, Any]]) -> list[Finding]:
    findings = []
    for obj in objects:
        spec = pod_spec(obj)
        if spec:
            for group in ("initContainers", "containers", "ephemeralContainers"):
                for container in spec.get(group) or []:
                    where = f"{group[:-1]} {container.get('name')}"
                    for text in _container_texts(container):
                        findings += [Finding(_subject(obj), f"{where} {p}") for p in reaches_out(text)]
        if obj.get("kind") == "ConfigMap":
            for key, value in (obj.get("data") or {}).items():
                if SCRIPT_KEY.search(key) or str(value).startswith("#!"):
                    findings += [Finding(_subject(obj), f"script {key} {p}") for p in reaches_out(_script_lines(str(value)))]
    return findings


def chart_dependency_findings(charts_dir: Path = CHARTS_DIR) -> list[Finding]:
    findings = []
    for chart_file in sorted(charts_dir.glob("*/Chart.yaml")):
        for dependency in (yaml.safe_load(chart_file.read_text()) or {}).get("dependencies") or []:
            repository = str(dependency.get("repository", ""))
            if not repository.startswith("file://"):
                findings.append(Finding(f"charts/{chart_file.parent.name}",
                                        f"dependency {dependency.get('name')} comes from {repository or 'no repository'}, "
                                        "not a file:// path"))
    return findings


def resource_findings(resources: Iterable[Any]) -> list[Finding]:
    """Pulumi resources that fetch from a remote repository or URL (Chart, yaml.ConfigFile, ...)."""
    findings = []
    for resource in resources:
        if not resource.type.startswith("kubernetes:"):
            continue
        inputs = resource.inputs or {}
        subject = f"{resource.type} {resource.name}"
        if resource.type.startswith("kubernetes:helm.sh/"):
            chart = str(inputs.get("chart", ""))
            if inputs.get("repositoryOpts") or not chart.startswith(("/", "charts/")):
                findings.append(Finding(subject, f"chart {chart!r} is not a local path in charts/"))
        for key in ("file", "files", "url", "urls"):
            for text in _strings(inputs.get(key)):
                findings += [Finding(subject, f"{key} names external URL {url}") for url in external_urls(text)]
    return findings


def image_findings(references: Iterable[str], registry: str) -> list[Finding]:
    prefix = registry.rstrip("/") + "/"
    return [Finding(ref, f"is not under the configured registry {registry}") for ref in references if not ref.startswith(prefix)]


def mirror_pairs(stack: str) -> list[tuple[str, str]]:
    """(upstream image, mirrored image) for every image `stack` deploys.

    The stack is rendered once more with imageRegistry removed (in a subprocess: Pulumi's
    runtime is global) to learn each image's upstream registry; orbit-common keeps the
    repository path, so the mirror name is the configured registry plus that path.
    """
    registry = stack_config(stack)[0].get("orbit:imageRegistry", "")
    if not registry:
        raise ValueError(f"stack {stack} sets no orbit:imageRegistry: there is nothing to mirror to")
    document = yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text())
    document["config"] = {k: v for k, v in document["config"].items() if k not in ("orbit:imageRegistry", "imageRegistry")}
    with tempfile.TemporaryDirectory(prefix="orbit-mirror-") as tmp:
        (Path(tmp) / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))
        result = subprocess.run([sys.executable, "-m", "tools.plan", "--stack", stack, "--stacks-dir", tmp],
                                cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip())
    resources = [CapturedResource(**item) for item in json.loads(result.stdout)]
    upstream = images([o for release in render_releases(resources) for o in release.objects])
    pairs = [(image, f"{registry.rstrip('/')}/{image.split('/', 1)[1]}") for image in upstream]
    return sorted(pairs, key=lambda pair: pair[1])  # the order of `make images`


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True, choices=list_stacks())
    parser.add_argument("--mirror-list", action="store_true", help="print 'upstream mirror' pairs, one per line")
    args = parser.parse_args(argv)
    if args.mirror_list:
        try:
            print("\n".join(f"{source} {target}" for source, target in mirror_pairs(args.stack)))
        except (ValueError, RuntimeError) as error:
            print(f"orbit: {error}", file=sys.stderr)
            return 1
        return 0
    resources = capture(args.stack)
    objects = [o for release in render_releases(resources) for o in release.objects]
    objects += [r.inputs for r in resources if r.type.startswith("kubernetes:") and "kind" in r.inputs]
    registry = stack_config(args.stack)[0].get("orbit:imageRegistry", "")
    findings = chart_dependency_findings() + resource_findings(resources) + object_findings(objects)
    if registry:
        findings += image_findings(images(objects), registry)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} finding(s) for stack {args.stack}" + ("" if registry else " (no imageRegistry set)"), file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
