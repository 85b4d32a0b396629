#!/usr/bin/env bash
# The live path: pulumi up / preview / destroy for one stack, with the policy pack.
# Uses Pulumi's local file backend (no Pulumi Cloud account) unless PULUMI_BACKEND_URL is set.
set -euo pipefail
action=${1:?usage: live.sh up|preview|destroy STACK}
stack=${2:?usage: live.sh up|preview|destroy STACK}
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-.venv}
cd "$root"

if ! command -v pulumi >/dev/null 2>&1; then
  cat >&2 <<MSG
orbit: the Pulumi CLI is not installed.
  Install it (https://www.pulumi.com/docs/install/), for example:
    curl -fsSL https://get.pulumi.com | sh
  then run 'make $action STACK=$stack' again.
MSG
  exit 2
fi
if [ ! -f "stacks/Pulumi.$stack.yaml" ]; then
  echo "orbit: no stack file stacks/Pulumi.$stack.yaml (stacks: $(ls stacks | sed -n 's/^Pulumi\.\(.*\)\.yaml$/\1/p' | tr '\n' ' '))" >&2
  exit 2
fi

# Validate the stack file and reach the cluster or cloud before Pulumi starts.
"$venv/bin/python" -m tools.preflight --stack "$stack"

export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$root/.pulumi-state}
mkdir -p "$root/.pulumi-state"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  cat >&2 <<MSG
orbit: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): the local backend encrypts
  this stack's secrets (generated passwords, keys) with it. Keep it safe; it is needed for every update.
MSG
  exit 2
fi
pulumi stack select --create "$stack" --non-interactive >/dev/null
case "$action" in
  up)      pulumi up --stack "$stack" --policy-pack policy --diff ;;
  preview) pulumi preview --stack "$stack" --policy-pack policy --diff ;;
  destroy) pulumi destroy --stack "$stack" ;;
  *) echo "orbit: unknown action $action" >&2; exit 2 ;;
esac
