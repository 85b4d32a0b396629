"""docs/architecture.svg is drawn from code and must never go stale."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree

from components import wiring
from tests.conftest import ROOT
from tools.architecture import BOXES, EDGES, OUT, clouds, generate


def texts() -> list[str]:
    tree = ElementTree.fromstring(OUT.read_text())
    return [element.text or "" for element in tree.iter("{http://www.w3.org/2000/svg}text")]


def test_architecture_picture_is_up_to_date():
    result = subprocess.run([sys.executable, "-m", "tools.architecture", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert OUT.read_text() == generate()


def test_picture_shows_clouds_services_gateway_and_flows():
    shown = " ".join(texts())
    for cloud in ("AWS (EKS)", "GCP (GKE)", "Azure (AKS)", "any existing cluster"):
        assert cloud in shown
    for service in ("Kafka", "Airflow", "Kong gateway", "Prometheus", "Elasticsearch", "Logstash", "Kibana", "Fluent Bit", "MinIO"):
        assert service in shown, service
    for legend in ("requests and data", "logs", "metrics (Prometheus scrapes)"):
        assert legend in shown
    for namespace in (wiring.MINIO_NAMESPACE, wiring.KAFKA_NAMESPACE, wiring.AIRFLOW_NAMESPACE,
                      wiring.GATEWAY_NAMESPACE, wiring.MONITORING_NAMESPACE, wiring.LOGGING_NAMESPACE):
        assert namespace in shown, namespace
    assert clouds()[0] in shown


def test_kong_is_in_front_and_every_flow_joins_real_boxes():
    users_edges = [e for e in EDGES if e[1][0][0] == "users"]
    assert [e[1][-1][0] for e in users_edges] == ["kong"], "users reach the platform only through Kong"
    for style, waypoints, _ in EDGES:
        for point in waypoints:
            assert not isinstance(point[0], str) or point[0] in BOXES, point
    for ui in ("airflow", "minio", "kibana", "prometheus"):
        assert any(e[1][0][0] == "kong" and e[1][-1][0] == ui for e in EDGES), f"no gateway route to {ui}"
    assert {("fluentbit", "logstash"), ("logstash", "elasticsearch")} <= {(e[1][0][0], e[1][-1][0]) for e in EDGES if e[0] == "logs"}


def test_boxes_do_not_overlap():
    boxes = list(BOXES.items())
    for index, (a_name, a) in enumerate(boxes):
        for b_name, b in boxes[index + 1:]:
            apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
            assert apart, f"{a_name} overlaps {b_name}"
