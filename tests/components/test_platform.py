"""The platform composition: switching a service off removes exactly that service — its objects,
and every route, scrape job, network peer and connection other services had to it — and leaves
the rest of the platform in place."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from tests.conftest import ROOT, StackPlan, capture_in_subprocess
from tools.plan import CapturedResource
from tools.render import CHART_TYPE

# service config key -> (component type, namespaces it owns, releases it installs)
SERVICES = {
    "minio": ("orbit:service:Minio", ("orbit-minio",), ("minio",)),
    "kafka": ("orbit:service:Kafka", ("orbit-kafka",), ("kafka",)),
    "airflow": ("orbit:service:Airflow", ("orbit-airflow",), ("airflow",)),
    "elk": ("orbit:service:Elk", ("orbit-logging", "orbit-log-shipper"), ("elk", "fluent-bit")),
    "prometheus": ("orbit:service:Prometheus", ("orbit-monitoring", "orbit-node-exporter"), ("prometheus", "node-exporter")),
    "kong": ("orbit:service:Kong", ("orbit-gateway",), ("kong",)),
}


def local_stack_without(service: str) -> dict:
    stack = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())
    section = stack["config"].setdefault(f"orbit:{service}", {})
    section.clear()
    section["enabled"] = False
    return stack


def plan_without(service: str, directory) -> StackPlan:
    name = f"no-{service}"
    (directory / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(local_stack_without(service)))
    result = capture_in_subprocess(name, directory)
    assert result.returncode == 0, result.stderr
    return StackPlan(name, [CapturedResource(**item) for item in json.loads(result.stdout)])


@pytest.fixture(scope="module")
def plans_without(tmp_path_factory) -> dict[str, StackPlan]:
    directory = tmp_path_factory.mktemp("stacks")
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(SERVICES, pool.map(lambda s: plan_without(s, directory), SERVICES)))


def test_the_local_stack_runs_every_service(stack_plans):
    types = {r.type for r in stack_plans["local"].resources}
    releases = {r.inputs["name"] for r in stack_plans["local"].of_type(CHART_TYPE)}
    for component, _, service_releases in SERVICES.values():
        assert component in types
        assert set(service_releases) <= releases


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_switching_a_service_off_removes_exactly_that_service(service, plans_without, stack_plans):
    component, namespaces, releases = SERVICES[service]
    plan = plans_without[service]
    assert component not in {r.type for r in plan.resources}

    remaining = {r.inputs["name"] for r in plan.of_type(CHART_TYPE)}
    assert not remaining & set(releases)
    expected = {r.inputs["name"] for r in stack_plans["local"].of_type(CHART_TYPE)} - set(releases)
    assert remaining == expected, "switching one service off must leave every other service installed"

    # Nothing else refers to it any more: no route, scrape job, peer, connection or Secret.
    for resource in plan.resources:
        assert resource.inputs.get("metadata", {}).get("namespace") not in namespaces, resource.name
        if resource.type == CHART_TYPE:
            for namespace in namespaces:
                assert namespace not in json.dumps(resource.inputs["values"]), f"{resource.name} values still mention {namespace}"
    for obj in plan.objects:
        text = json.dumps(obj)
        for namespace in namespaces:
            assert namespace not in text, f"{obj['kind']}/{obj['metadata']['name']} still mentions {namespace}"


@pytest.mark.slow
def test_routes_and_scrape_jobs_follow_the_enabled_services(plans_without, stack_plans):
    def routes(plan):
        return {route["name"] for route in plan.chart("kong").inputs["values"]["routes"]}

    def jobs(plan):
        return {target["job"] for target in plan.chart("prometheus").inputs["values"]["scrapeTargets"]}

    full_routes, full_jobs = routes(stack_plans["local"]), jobs(stack_plans["local"])
    assert {"minio-console", "minio-s3", "airflow", "kibana", "prometheus", "alertmanager"} <= full_routes
    assert {"minio", "kafka-exporter", "airflow", "elasticsearch", "logstash", "fluent-bit", "kong"} <= full_jobs
    assert routes(plans_without["minio"]) == full_routes - {"minio-console", "minio-s3"}
    assert routes(plans_without["airflow"]) == full_routes - {"airflow"}
    assert routes(plans_without["elk"]) == full_routes - {"kibana"}
    assert routes(plans_without["prometheus"]) == full_routes - {"prometheus", "alertmanager"}
    assert jobs(plans_without["kafka"]) == full_jobs - {"kafka-exporter"}
    assert jobs(plans_without["elk"]) == full_jobs - {"elasticsearch", "logstash", "fluent-bit"}
    assert jobs(plans_without["kong"]) == full_jobs - {"kong"}
    assert jobs(plans_without["minio"]) == full_jobs - {"minio"}


@pytest.mark.slow
def test_airflow_connections_follow_kafka_and_minio(plans_without, stack_plans):
    def airflow_values(plan):
        return plan.chart("airflow").inputs["values"]

    assert airflow_values(stack_plans["local"])["kafka"]["enabled"] is True
    assert airflow_values(stack_plans["local"])["remoteLogging"]["enabled"] is True
    assert not airflow_values(plans_without["kafka"]).get("kafka", {}).get("enabled")
    assert not airflow_values(plans_without["minio"]).get("remoteLogging", {}).get("enabled")


def test_the_published_route_table_matches_the_routes_services_publish(stack_plans, plans_without):
    from components.settings.kong import PUBLISHED_ROUTES

    published = {name for names in PUBLISHED_ROUTES.values() for name in names}
    assert {route["name"] for route in stack_plans["local"].chart("kong").inputs["values"]["routes"]} == published
    for service, names in PUBLISHED_ROUTES.items():
        routes = {route["name"] for route in plans_without[service].chart("kong").inputs["values"]["routes"]}
        assert routes == published - set(names)
