"""Before `pulumi up`: validate the stack file offline, then check the target answers.

    python -m tools.preflight --stack local

Exits non-zero with a message that says what is missing and how to get it.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from tools.plan import STACKS_DIR, stack_config


def _check_existing_cluster(kubeconfig: str | None, context: str | None) -> str | None:
    from kubernetes import client, config

    try:
        api = config.new_client_from_config(config_file=kubeconfig, context=context)
        version = client.VersionApi(api).get_code(_request_timeout=10)
    except Exception as error:  # any failure means: no cluster we can use
        return (
            f"cannot reach the cluster (kubeconfig {kubeconfig or '$KUBECONFIG or ~/.kube/config'}, "
            f"context {context or 'current'}): {error}\n"
            "  Start one (kind create cluster --name orbit, k3d cluster create orbit, minikube start) or "
            "set orbit:cluster.existing.context in the stack file."
        )
    print(f"orbit: cluster reachable, Kubernetes {version.git_version}")
    return None


CLOUD_CLIS = {
    "aws": ("aws", "the AWS CLI (https://aws.amazon.com/cli/), logged in with 'aws sso login' or a profile"),
    "gcp": ("gcloud", "the Google Cloud CLI with gke-gcloud-auth-plugin, logged in with 'gcloud auth application-default login'"),
    "azure": ("az", "the Azure CLI and kubelogin, logged in with 'az login'"),
}
# The exec credential plugin each cloud's kubeconfig calls (components/clusters/<cloud>.py).
KUBECONFIG_PLUGINS = {
    "gcp": ("gke-gcloud-auth-plugin", "gcloud components install gke-gcloud-auth-plugin"),
    "azure": ("kubelogin", "az aks install-cli"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", required=True)
    args = parser.parse_args(argv)

    from components.config import ConfigError, parse_stack_config

    raw, _ = stack_config(args.stack, STACKS_DIR)
    try:
        config = parse_stack_config({k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith("orbit:")},
                                    source=f"stacks/Pulumi.{args.stack}.yaml")
    except ConfigError as error:
        print(f"orbit: {error}", file=sys.stderr)
        return 1
    provider = config.cluster.provider
    if provider == "existing":
        problem = _check_existing_cluster(config.cluster.existing.kubeconfig, config.cluster.existing.context)
    else:
        cli, how = CLOUD_CLIS[provider]
        problem = None if shutil.which(cli) else f"'{cli}' is not installed: install {how}"
        plugin, install = KUBECONFIG_PLUGINS.get(provider, (None, None))
        if problem is None and plugin and not shutil.which(plugin):
            problem = f"'{plugin}' is not installed (the kubeconfig authenticates with it): run '{install}'"
    if problem:
        print(f"orbit: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
