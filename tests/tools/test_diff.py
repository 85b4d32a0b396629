"""`make diff`: per-object comparison of two renders, with data risks flagged.

Every flag is shown firing on fabricated before/after renders (the `make render` format), and
the Markdown, masking, exit codes and the git-worktree path are checked end to end."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tools import diff
from tools.diff_risks import REVIEW, RISK

# --- fabricated renders ----------------------------------------------------------------------


def statefulset(**spec_changes):
    obj = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "orbit-data",
                     "annotations": {"pulumi.com/deletionPropagationPolicy": "orphan"}},
        "spec": {
            "replicas": 3,
            "serviceName": "db-hl",
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": {"app.kubernetes.io/instance": "db"}},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": {"spec": {"containers": [{"name": "db", "image": "example/db:1.0"}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                      "spec": {"resources": {"requests": {"storage": "10Gi"}}}}],
        },
    }
    obj["spec"].update(spec_changes)
    return obj


def pvc(storage="10Gi", storage_class="fast"):
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "scratch", "namespace": "orbit-data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": storage_class,
                 "resources": {"requests": {"storage": storage}}},
    }


def namespace(name="orbit-data"):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def config_map(name="settings", data=None):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "orbit-data"},
            "data": data or {"mode": "fast"}}


def resource(type_, name, inputs, protect=False, retain=False):
    return {"type": type_, "name": name, "parent": "orbit", "custom": True, "inputs": inputs,
            "options": {"protect": protect, "retainOnDelete": retain, "dependsOn": []}}


DATABASE = resource("aws:rds/instance:Instance", "metadata-db",
                    {"identifier": "orbit-db", "engine": "postgres", "instanceClass": "db.m6g.large",
                     "region": "eu-west-1"}, protect=True)


def write_render(directory: Path, resources=(), manifests=None) -> Path:
    (directory / "manifests").mkdir(parents=True)
    (directory / "resources.json").write_text(json.dumps(list(resources), indent=2, sort_keys=True))
    for release, objects in (manifests or {}).items():
        (directory / "manifests" / f"{release}.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=True))
    return directory


def run_diff(tmp_path, before: dict, after: dict, *extra: str) -> tuple[int, str]:
    """Run `tools.diff` on two fabricated renders; returns (exit code, Markdown)."""
    old = write_render(tmp_path / "before", **before)
    new = write_render(tmp_path / "after", **after)
    out = tmp_path / "diff.md"
    code = diff.main(["--before", str(old), "--after", str(new), "--title", "demo", "--out", str(out), *extra])
    return code, out.read_text()


def changes_of(tmp_path, before: dict, after: dict):
    old = diff.load_render(write_render(tmp_path / "b", **before))
    new = diff.load_render(write_render(tmp_path / "a", **after))
    return {c.entry.key: c for c in diff.compare(old, new)}


def severities(change) -> list[str]:
    return [flag.severity for flag in change.flags]


# --- per-object comparison -------------------------------------------------------------------


def test_objects_are_matched_by_kind_namespace_name_and_resources_by_type_name(tmp_path):
    kept = config_map("kept")
    changes = changes_of(
        tmp_path,
        {"resources": [DATABASE], "manifests": {"app": [kept, config_map("old")]}},
        {"resources": [DATABASE], "manifests": {"app": [kept, config_map("new"), config_map("old", {"mode": "slow"})]}},
    )
    assert {k: c.status for k, c in changes.items()} == {
        "ConfigMap orbit-data/new": "added",
        "ConfigMap orbit-data/old": "changed",
    }
    assert all(not c.flags for c in changes.values())


def test_markdown_has_one_section_per_object_with_a_unified_diff(tmp_path):
    code, markdown = run_diff(
        tmp_path,
        {"manifests": {"app": [config_map("a"), config_map("gone")]}},
        {"manifests": {"app": [config_map("a", {"mode": "slow"}), config_map("b")]}},
    )
    assert code == 0
    assert "**1 changed · 1 added · 1 removed** — no data risk" in markdown
    assert markdown.count("#### ") == 3
    assert "#### changed: `ConfigMap` **orbit-data/a** (release `app`)" in markdown
    assert "#### added: `ConfigMap` **orbit-data/b**" in markdown
    assert "#### removed: `ConfigMap` **orbit-data/gone**" in markdown
    assert "-  mode: fast\n+  mode: slow" in markdown
    assert "<!-- orbit-diff:demo -->" in markdown  # the marker CI uses to update its comment


def test_identical_renders_report_no_changes(tmp_path):
    render = {"resources": [DATABASE], "manifests": {"app": [statefulset()]}}
    code, markdown = run_diff(tmp_path, render, copy.deepcopy(render), "--fail-on-data-risk")
    assert code == 0 and "No changes" in markdown


# --- data-risk flags, each shown firing ------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("volumeClaimTemplates", [{"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "20Gi"}}}}]),
        ("selector", {"matchLabels": {"app.kubernetes.io/instance": "db2"}}),
        ("serviceName", "db-headless"),
        ("podManagementPolicy", "OrderedReady"),
    ],
)
def test_statefulset_immutable_field_change_is_a_data_risk(tmp_path, field, value):
    change = changes_of(tmp_path, {"manifests": {"db": [statefulset()]}},
                        {"manifests": {"db": [statefulset(**{field: value})]}})["StatefulSet orbit-data/db"]
    assert severities(change) == [RISK]
    assert f"spec.{field} changed" in change.flags[0].reason and "recreates the StatefulSet" in change.flags[0].reason


def test_statefulset_template_change_is_not_flagged(tmp_path):
    newer = statefulset(template={"spec": {"containers": [{"name": "db", "image": "example/db:1.1"}]}})
    change = changes_of(tmp_path, {"manifests": {"db": [statefulset()]}}, {"manifests": {"db": [newer]}})["StatefulSet orbit-data/db"]
    assert change.status == "changed" and not change.flags


def test_statefulset_removal_is_a_data_risk(tmp_path):
    change = changes_of(tmp_path, {"manifests": {"db": [statefulset()]}}, {"manifests": {}})["StatefulSet orbit-data/db"]
    assert change.status == "removed" and severities(change) == [RISK]


def test_statefulset_losing_volume_retention_is_a_data_risk(tmp_path):
    weaker = statefulset(persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete", "whenScaled": "Retain"})
    change = changes_of(tmp_path, {"manifests": {"db": [statefulset()]}}, {"manifests": {"db": [weaker]}})["StatefulSet orbit-data/db"]
    assert severities(change) == [RISK] and "whenDeleted no longer Retain" in change.flags[0].reason


def test_statefulset_losing_orphan_propagation_is_a_data_risk(tmp_path):
    bare = statefulset()
    bare["metadata"]["annotations"] = {}
    change = changes_of(tmp_path, {"manifests": {"db": [statefulset()]}}, {"manifests": {"db": [bare]}})["StatefulSet orbit-data/db"]
    assert severities(change) == [RISK] and "deletionPropagationPolicy" in change.flags[0].reason


def test_statefulset_scale_down_is_flagged_for_review(tmp_path):
    change = changes_of(tmp_path, {"manifests": {"db": [statefulset()]}},
                        {"manifests": {"db": [statefulset(replicas=1)]}})["StatefulSet orbit-data/db"]
    assert severities(change) == [REVIEW] and "from 3 to 1" in change.flags[0].reason


def test_pvc_removal_and_spec_change_are_data_risks_but_growth_is_review(tmp_path):
    removed = changes_of(tmp_path / "1", {"manifests": {"x": [pvc()]}}, {"manifests": {}})
    changed = changes_of(tmp_path / "2", {"manifests": {"x": [pvc()]}}, {"manifests": {"x": [pvc(storage_class="slow")]}})
    grown = changes_of(tmp_path / "3", {"manifests": {"x": [pvc()]}}, {"manifests": {"x": [pvc(storage="1Ti")]}})
    shrunk = changes_of(tmp_path / "4", {"manifests": {"x": [pvc()]}}, {"manifests": {"x": [pvc(storage="5Gi")]}})
    key = "PersistentVolumeClaim orbit-data/scratch"
    assert severities(removed[key]) == [RISK]
    assert severities(changed[key]) == [RISK]
    assert severities(grown[key]) == [REVIEW] and "allowVolumeExpansion" in grown[key].flags[0].reason
    assert severities(shrunk[key]) == [RISK]


def test_namespace_removal_is_a_data_risk_in_manifests_and_resources(tmp_path):
    rendered = changes_of(tmp_path / "1", {"manifests": {"x": [namespace()]}}, {"manifests": {}})
    registered = resource("kubernetes:core/v1:Namespace", "orbit-data", namespace(), retain=True)
    direct = changes_of(tmp_path / "2", {"resources": [registered]}, {"resources": []})
    assert severities(rendered["Namespace orbit-data"]) == [RISK]
    change = direct["kubernetes:core/v1:Namespace orbit-data"]
    assert severities(change) == [RISK] and "retained on delete" in change.flags[0].reason


def test_protected_resource_removal_is_a_data_risk(tmp_path):
    change = changes_of(tmp_path, {"resources": [DATABASE]}, {"resources": []})["aws:rds/instance:Instance metadata-db"]
    assert severities(change) == [RISK] and "protected resource removed" in change.flags[0].reason


@pytest.mark.parametrize("field, value", [("region", "eu-central-1"), ("engine", "mysql"), ("identifier", "orbit-db-2")])
def test_protected_resource_replacement_forcing_input_is_a_data_risk(tmp_path, field, value):
    moved = copy.deepcopy(DATABASE)
    moved["inputs"][field] = value
    change = changes_of(tmp_path, {"resources": [DATABASE]}, {"resources": [moved]})["aws:rds/instance:Instance metadata-db"]
    assert severities(change) == [RISK] and field in change.flags[0].reason


def test_protected_resource_in_place_update_is_flagged_for_review(tmp_path):
    bigger = copy.deepcopy(DATABASE)
    bigger["inputs"]["instanceClass"] = "db.m6g.xlarge"
    change = changes_of(tmp_path, {"resources": [DATABASE]}, {"resources": [bigger]})["aws:rds/instance:Instance metadata-db"]
    assert severities(change) == [REVIEW] and "instanceClass" in change.flags[0].reason


def test_unprotected_resource_change_is_not_flagged(tmp_path):
    plain = resource("aws:iam/role:Role", "role", {"name": "a"})
    renamed = resource("aws:iam/role:Role", "role", {"name": "b"})
    change = changes_of(tmp_path, {"resources": [plain]}, {"resources": [renamed]})["aws:iam/role:Role role"]
    assert change.status == "changed" and not change.flags


def test_dropping_protect_or_retain_on_delete_is_a_data_risk(tmp_path):
    unprotected = copy.deepcopy(DATABASE)
    unprotected["options"]["protect"] = False
    volume = resource("kubernetes:core/v1:PersistentVolumeClaim", "claim", pvc(), retain=True)
    unretained = copy.deepcopy(volume)
    unretained["options"]["retainOnDelete"] = False
    changes = changes_of(tmp_path, {"resources": [DATABASE, volume]}, {"resources": [unprotected, unretained]})
    assert any("protect turned off" in f.reason for f in changes["aws:rds/instance:Instance metadata-db"].flags)
    assert severities(changes["kubernetes:core/v1:PersistentVolumeClaim claim"]) == [RISK]
    assert "retainOnDelete turned off" in changes["kubernetes:core/v1:PersistentVolumeClaim claim"].flags[0].reason


def test_regenerated_random_value_is_flagged_for_review(tmp_path):
    old = resource("random:index/randomPassword:RandomPassword", "kafka-cluster-id", {"length": 22})
    new = resource("random:index/randomPassword:RandomPassword", "kafka-cluster-id", {"length": 24})
    change = changes_of(tmp_path, {"resources": [old]}, {"resources": [new]})["random:index/randomPassword:RandomPassword kafka-cluster-id"]
    assert severities(change) == [REVIEW] and "regenerated" in change.flags[0].reason


# --- Markdown, masking, exit codes -----------------------------------------------------------


def test_data_risk_is_summarised_first_and_fails_only_when_asked(tmp_path):
    before = {"manifests": {"db": [statefulset(), config_map()]}}
    after = {"manifests": {"db": [config_map("other")]}}
    code, markdown = run_diff(tmp_path / "1", before, after)
    assert code == 0
    assert "⚠️ **1 data risk(s)**" in markdown and "> [!CAUTION]" in markdown
    assert markdown.index("#### ⚠️ removed: `StatefulSet` **orbit-data/db**") < markdown.index("#### removed: `ConfigMap`")
    code, _ = run_diff(tmp_path / "2", before, after, "--fail-on-data-risk")
    assert code == diff.EXIT_DATA_RISK


def test_review_flags_do_not_fail_the_diff(tmp_path):
    code, markdown = run_diff(tmp_path, {"manifests": {"db": [statefulset()]}},
                              {"manifests": {"db": [statefulset(replicas=2)]}}, "--fail-on-data-risk")
    assert code == 0 and "> [!WARNING]" in markdown and "🔎 **review**" in markdown


def test_secret_payloads_and_private_keys_are_masked(tmp_path):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "orbit-data"},
              "data": {"password": "c3VwZXJzZWNyZXQ="}, "stringData": {"token": "plain-token-value"}}
    changed = copy.deepcopy(secret)
    changed["data"]["password"] = "b3RoZXJzZWNyZXQ="
    changed["metadata"]["labels"] = {"rotated": "yes"}
    key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----"
    _, markdown = run_diff(tmp_path, {"manifests": {"x": [secret]}},
                           {"manifests": {"x": [changed, config_map("leak", {"key.pem": key})]}})
    for leaked in ("c3VwZXJzZWNyZXQ=", "b3RoZXJzZWNyZXQ=", "plain-token-value", "MIIEvQIBADANBg"):
        assert leaked not in markdown
    assert "password: '[secret]'" in markdown and "rotated: 'yes'" in markdown


def test_stack_new_at_head_shows_everything_as_added(tmp_path):
    after = write_render(tmp_path / "after", manifests={"db": [statefulset()]})
    markdown, risky = diff.diff_stack("new", None, after, "main", "head")
    assert "does not exist at `main`" in markdown and "0 changed · 1 added · 0 removed" in markdown
    assert not risky


def test_oversized_output_is_truncated_with_a_list_of_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(diff, "MAX_MARKDOWN_CHARS", 3000)
    many = [config_map(f"cm-{i:03}", {"blob": "x" * 200}) for i in range(40)]
    _, markdown = run_diff(tmp_path, {"manifests": {}}, {"manifests": {"app": many}})
    assert len(markdown) < 3000 + 40 * 80
    assert "more object(s) not shown (size limit)" in markdown


def test_a_fence_inside_the_yaml_cannot_break_the_markdown(tmp_path):
    _, markdown = run_diff(tmp_path, {"manifests": {}}, {"manifests": {"app": [config_map("doc", {"readme": "```sh\nls\n```"})]}})
    assert "````diff" in markdown


# --- the git path: make diff BASE=<ref> -------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_diff_against_a_git_revision_renders_both_and_cleans_up(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tools.diff", "--base", "HEAD", "--stack", "local", "--out", str(tmp_path / "d.md")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr
    assert "### Stack `local`: `HEAD` → `working tree`" in (tmp_path / "d.md").read_text()
    worktrees = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "orbit-diff-" not in worktrees, "the temporary worktree of the base revision was left behind"


def test_unknown_git_revision_fails_with_a_message():
    result = subprocess.run(
        [sys.executable, "-m", "tools.diff", "--base", "no-such-ref-anywhere", "--stack", "local"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1 and "orbit: git rev-parse" in result.stderr


def test_makefile_diff_target_passes_base_stack_and_args():
    makefile = (ROOT / "Makefile").read_text()
    assert "\ndiff: venv\n\t@$(BIN)/python -m tools.diff --base $(BASE) --stack $(STACK) $(DIFF_ARGS)\n" in makefile


def test_report_carries_the_comment_marker_and_a_verdict():
    safe, risky = diff.report(["section"], False), diff.report(["section"], True)
    assert safe.startswith(diff.COMMENT_MARKER) and "No change puts data at risk." in safe
    assert "Data at risk" in risky and risky.endswith("section")


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_stacks_at_a_revision_are_read_from_git():
    assert "local" in diff.stacks_at("HEAD")


def test_data_layout_annotation_change_is_a_data_risk(tmp_path):
    def annotated(layout):
        obj = statefulset()
        obj["metadata"]["annotations"]["orbit.dev/data-layout"] = layout
        return obj

    change = changes_of(tmp_path / "1", {"manifests": {"db": [annotated("shards=3")]}},
                        {"manifests": {"db": [annotated("shards=4")]}})["StatefulSet orbit-data/db"]
    assert severities(change) == [RISK] and "'shards=3' to 'shards=4'" in change.flags[0].reason
    introduced = changes_of(tmp_path / "2", {"manifests": {"db": [statefulset()]}},
                            {"manifests": {"db": [annotated("shards=3")]}})["StatefulSet orbit-data/db"]
    assert not introduced.flags, "adding the annotation to an existing object changes no data"


def test_minio_erasure_layout_change_is_flagged_on_the_real_chart():
    from tests.conftest import one, render
    from tools.diff_risks import object_flags

    required = {"auth": {"existingSecret": "r"}, "tls": {"existingSecret": "t"}}
    single = one(render("minio", {**required, "servers": 1}), "StatefulSet")
    distributed = one(render("minio", {**required, "servers": 4}), "StatefulSet")
    flags = object_flags("changed", single, distributed)
    assert [f.severity for f in flags] == [RISK]
    assert "servers=1 drivesPerServer=1" in flags[0].reason and "servers=4 drivesPerServer=1" in flags[0].reason
