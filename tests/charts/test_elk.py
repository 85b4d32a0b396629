"""Render-and-assert tests for charts/elk and charts/fluent-bit (values -> objects)."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.conftest import env_of, find, one, render

NAMESPACE = "orbit-logging"
REQUIRED = {
    "auth": {"existingSecret": "elk-credentials"},
    "tls": {"elasticsearchSecret": "elk-es-tls", "kibanaSecret": "elk-kibana-tls", "logstashSecret": "elk-logstash-tls"},
    "kibana": {"encryptionKeysSecret": "elk-kibana-keys"},
}
RESOURCES = {"requests": {"cpu": "100m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}


def node_set(name, replicas, roles, zone=""):
    return {"name": name, "replicas": replicas, "roles": roles, "heap": "512m", "zone": zone, "storage": {"size": "1Gi"}, "resources": RESOURCES}


def merge(base, extra):
    out = dict(base)
    for key, value in extra.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def elk(**values):
    return render("elk", merge(REQUIRED, values), release="elk", namespace=NAMESPACE)


def single_node(**values):
    return elk(**merge({"elasticsearch": {"nodeSets": [node_set("node", 1, ["master", "data", "ingest"])]}}, values))


def es_config(objects, node_set_name):
    return yaml.safe_load(one(objects, "ConfigMap", f"elk-es-{node_set_name}-config")["data"]["elasticsearch.yml"])


def pod(obj):
    return obj["spec"]["template"]["spec"]


# --- Elasticsearch ---------------------------------------------------------------------------


def test_default_layout_has_separate_statefulsets_for_masters_and_data_nodes():
    objects = elk()
    master, data = one(objects, "StatefulSet", "elk-es-master"), one(objects, "StatefulSet", "elk-es-data")
    assert master["spec"]["replicas"] == 3 and data["spec"]["replicas"] == 3
    assert es_config(objects, "master")["node.roles"] == ["master"]
    assert es_config(objects, "data")["node.roles"] == ["data", "ingest"]
    assert master["spec"]["selector"]["matchLabels"]["elk.orbit.dev/node-set"] == "master"
    assert {s["spec"]["serviceName"] for s in (master, data)} == {"elk-es-hl"}


def test_discovery_lists_the_master_pods_and_bootstrap_is_left_to_the_init_container():
    objects = elk()
    config = es_config(objects, "data")
    assert config["discovery.seed_hosts"] == [
        f"elk-es-master-{i}.elk-es-hl.{NAMESPACE}.svc.cluster.local:9300" for i in range(3)
    ]
    assert "cluster.initial_master_nodes" not in config
    prepare = next(c for c in pod(one(objects, "StatefulSet", "elk-es-master"))["initContainers"] if c["name"] == "prepare")
    env = env_of(prepare)
    assert env["INITIAL_MASTER_NODES"] == "elk-es-master-0,elk-es-master-1,elk-es-master-2"
    assert env["BOOTSTRAP"] == "true"
    script = one(objects, "ConfigMap", "elk-es-master-config")["data"]["prepare.sh"]
    assert '[ ! -d /usr/share/elasticsearch/data/_state ]' in script and "cluster.initial_master_nodes" in script


def test_bootstrap_flag_off_is_passed_to_the_nodes():
    prepare = pod(one(elk(elasticsearch={"bootstrapInitialMasterNodes": False}), "StatefulSet", "elk-es-master"))["initContainers"]
    assert env_of(next(c for c in prepare if c["name"] == "prepare"))["BOOTSTRAP"] == "false"


def test_single_node_uses_single_node_discovery_and_no_pdb():
    objects = single_node()
    config = es_config(objects, "node")
    assert config["discovery.type"] == "single-node"
    assert "discovery.seed_hosts" not in config
    assert "initial_master_nodes" not in one(objects, "ConfigMap", "elk-es-node-config")["data"]["prepare.sh"]
    assert not [p for p in find(objects, "PodDisruptionBudget") if p["metadata"]["name"] == "elk-es"]


def test_tls_and_authentication_are_on_for_http_and_transport():
    config = es_config(elk(), "master")
    assert config["xpack.security.enabled"] is True
    assert config["xpack.security.http.ssl.enabled"] is True
    assert config["xpack.security.transport.ssl.enabled"] is True
    assert config["xpack.security.transport.ssl.verification_mode"] == "certificate"
    volumes = {v["name"]: v for v in pod(one(elk(), "StatefulSet", "elk-es-master"))["volumes"]}
    assert volumes["certs"]["secret"]["secretName"] == "elk-es-tls"


def test_mmap_is_off_and_no_privileged_container_by_default():
    objects = elk()
    assert es_config(objects, "data")["node.store.allow_mmap"] is False
    for sts in find(objects, "StatefulSet"):
        for container in pod(sts).get("initContainers", []) + pod(sts)["containers"]:
            assert not container["securityContext"].get("privileged")
        assert "orbit.dev/privileged-sysctl" not in sts["metadata"]["annotations"]


def test_sysctl_init_container_is_an_annotated_opt_in():
    sts = one(elk(elasticsearch={"sysctlInitContainer": {"enabled": True}, "allowMmap": True}), "StatefulSet", "elk-es-data")
    sysctl = pod(sts)["initContainers"][0]
    assert sysctl["name"] == "sysctl" and sysctl["securityContext"]["privileged"] is True
    assert "vm.max_map_count=262144" in sysctl["command"]
    assert sts["metadata"]["annotations"]["orbit.dev/privileged-sysctl"] == "true"


def test_zones_pin_node_sets_and_turn_on_allocation_awareness():
    sets = [node_set("master-a", 1, ["master"], "zone-a"), node_set("master-b", 1, ["master"], "zone-b"), node_set("master-c", 1, ["master"], "zone-c"),
            node_set("data-a", 1, ["data"], "zone-a"), node_set("data-b", 1, ["data"], "zone-b")]
    objects = elk(elasticsearch={"nodeSets": sets, "zoneAwareness": {"enabled": True, "forcedZones": ["zone-a", "zone-b"]}})
    config = es_config(objects, "data-b")
    assert config["node.attr.zone"] == "zone-b"
    assert config["cluster.routing.allocation.awareness.attributes"] == "zone"
    assert config["cluster.routing.allocation.awareness.force.zone.values"] == ["zone-a", "zone-b"]
    term = pod(one(objects, "StatefulSet", "elk-es-data-b"))["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
    assert term["matchExpressions"][0] == {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-b"]}
    spread = pod(one(objects, "StatefulSet", "elk-es-data-b"))["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in spread} == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}


def test_headless_service_publishes_unready_nodes_for_discovery():
    headless = one(elk(), "Service", "elk-es-hl")
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"] is True
    assert {p["port"] for p in headless["spec"]["ports"]} == {9200, 9300}


def test_one_pdb_covers_every_elasticsearch_node():
    pdb = one(elk(), "PodDisruptionBudget", "elk-es")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "elasticsearch"
    assert "elk.orbit.dev/node-set" not in pdb["spec"]["selector"]["matchLabels"]


def test_volumes_are_retained_and_replacement_orphans_pods():
    for sts in find(elk(), "StatefulSet"):
        assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
        assert sts["metadata"]["annotations"]["pulumi.com/deletionPropagationPolicy"] == "orphan"


def test_readiness_probe_authenticates_as_the_file_realm_probe_user():
    container = pod(one(elk(), "StatefulSet", "elk-es-master"))["containers"][0]
    command = " ".join(container["readinessProbe"]["exec"]["command"])
    assert "orbit-probe:$(cat /run/secrets/elk/orbit-probe)" in command
    assert "--cacert" in command and "https://localhost:9200/_cluster/health?local=true" in command
    assert container["livenessProbe"]["tcpSocket"]["port"] == "transport"
    roles = yaml.safe_load(one(elk(), "ConfigMap", "elk-es-master-config")["data"]["roles.yml"])
    assert roles == {"orbit_probe": {"cluster": ["monitor"]}}
    assert env_of(container)["ELASTIC_PASSWORD_FILE"] == "/run/secrets/elk/elastic"


# --- setup Job -------------------------------------------------------------------------------


def test_setup_job_waits_for_every_node_set_and_creates_users_roles_and_lifecycle():
    objects = elk(logIndex={"retentionDays": 30})
    job = one(objects, "Job", "elk-setup")
    assert job["metadata"]["annotations"]["config.kubernetes.io/depends-on"] == (
        f"apps/namespaces/{NAMESPACE}/StatefulSet/elk-es-master,apps/namespaces/{NAMESPACE}/StatefulSet/elk-es-data"
    )
    data = one(objects, "ConfigMap", "elk-setup")["data"]
    script = data["setup.sh"]
    for call in ("/_security/user/kibana_system/_password", "/_security/role/orbit_log_writer", "/_security/user/orbit-log-writer",
                 "/_security/user/orbit-exporter", "/_ilm/policy/orbit-logs", "/_index_template/orbit-logs"):
        assert call in script
    assert json.loads(data["role-log-writer.json"])["indices"] == [
        {"names": ["orbit-logs*"], "privileges": ["create_doc", "auto_configure", "view_index_metadata"]}
    ]
    policy = json.loads(data["ilm-policy.json"])["policy"]["phases"]
    assert policy["delete"]["min_age"] == "30d"
    template = json.loads(data["index-template.json"])
    assert template["data_stream"] == {} and template["template"]["settings"]["index.lifecycle.name"] == "orbit-logs"
    assert template["template"]["settings"]["index.number_of_replicas"] == 1
    assert template["template"]["mappings"]["properties"]["kubernetes"]["properties"]["labels"] == {"type": "flattened"}


def test_single_data_node_gets_no_replicas():
    template = json.loads(one(single_node(), "ConfigMap", "elk-setup")["data"]["index-template.json"])
    assert template["template"]["settings"]["index.number_of_replicas"] == 0


def test_superuser_password_never_reaches_argv_or_env():
    objects = elk()
    assert 'printf \'user = "elastic:%s"\\n\'' in one(objects, "ConfigMap", "elk-setup")["data"]["setup.sh"]
    job = pod(one(objects, "Job", "elk-setup"))
    assert set(env_of(job["containers"][0])) == {"ES_URL"}


def test_snapshots_configure_the_s3_client_keystore_trust_and_lifecycle_policy():
    objects = elk(
        snapshots={"enabled": True, "host": "minio.orbit-minio.svc.cluster.local", "credentialsSecret": "elk-snapshots-s3", "bucket": "es-snap"},
        networkPolicy={"snapshotsTo": [{"namespace": "orbit-minio"}]},
    )
    config = es_config(objects, "data")
    assert config["s3.client.orbit.endpoint"] == "https://minio.orbit-minio.svc.cluster.local:9000"
    assert config["s3.client.orbit.path_style_access"] is True
    prepare = one(objects, "ConfigMap", "elk-es-data-config")["data"]["prepare.sh"]
    assert "keystore add-file s3.client.orbit.access_key /run/secrets/s3/accessKey s3.client.orbit.secret_key /run/secrets/s3/secretKey" in prepare
    assert "keytool -importcert" in prepare
    container = pod(one(objects, "StatefulSet", "elk-es-data"))["containers"][0]
    assert "-Djavax.net.ssl.trustStore=/usr/share/elasticsearch/config/jvm-truststore.p12" in env_of(container)["ES_JAVA_OPTS"]
    setup = one(objects, "ConfigMap", "elk-setup")["data"]
    assert json.loads(setup["snapshot-repository.json"]) == {"type": "s3", "settings": {"bucket": "es-snap", "client": "orbit", "base_path": "orbit-logs"}}
    policy = json.loads(setup["snapshot-policy.json"])
    assert policy["repository"] == "orbit-snapshots" and policy["retention"]["expire_after"] == "30d"
    assert "/_slm/policy/orbit-nightly" in setup["setup.sh"]
    egress = one(objects, "NetworkPolicy", "elk-elasticsearch")["spec"]["egress"]
    assert egress[1]["ports"] == [{"protocol": "TCP", "port": 9000}]


def test_snapshots_are_off_by_default():
    objects = elk()
    assert "snapshot-repository.json" not in one(objects, "ConfigMap", "elk-setup")["data"]
    assert "s3.client.orbit.endpoint" not in es_config(objects, "data")


# --- Kibana, Logstash, exporter --------------------------------------------------------------


def test_kibana_serves_under_its_base_path_with_credentials_from_secrets():
    objects = elk()
    config = yaml.safe_load(one(objects, "ConfigMap", "elk-kibana")["data"]["kibana.yml"])
    assert config["server.basePath"] == "/kibana" and config["server.rewriteBasePath"] is True
    assert config["elasticsearch.username"] == "kibana_system"
    assert config["elasticsearch.password"] == "${ELASTICSEARCH_PASSWORD}"
    assert config["elasticsearch.hosts"] == [f"https://elk-es.{NAMESPACE}.svc.cluster.local:9200"]
    container = pod(one(objects, "Deployment", "elk-kibana"))["containers"][0]
    assert env_of(container)["ELASTICSEARCH_PASSWORD"] == {"secretKeyRef": {"name": "elk-credentials", "key": "kibana_system"}}
    assert container["readinessProbe"]["httpGet"] == {"path": "/kibana/api/status", "port": "https", "scheme": "HTTPS"}


def test_logstash_pipeline_writes_to_elasticsearch_as_the_writer_with_a_persistent_queue():
    objects = elk()
    data = one(objects, "ConfigMap", "elk-logstash")["data"]
    pipeline = data["orbit-logs.conf"]
    assert f'hosts => ["https://elk-es.{NAMESPACE}.svc.cluster.local:9200"]' in pipeline
    assert 'user => "orbit-log-writer"' in pipeline and 'password => "${ES_WRITER_PASSWORD}"' in pipeline
    assert 'ssl_verification_mode => "full"' in pipeline and "port => 8080" in pipeline
    assert yaml.safe_load(data["pipelines.yml"])[0]["queue.type"] == "persisted"
    sts = one(objects, "StatefulSet", "elk-logstash")
    assert sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "queue"
    containers = {c["name"]: c for c in pod(sts)["containers"]}
    assert containers["logstash"]["readinessProbe"]["httpGet"] == {"path": "/", "port": "api"}
    assert containers["exporter"]["ports"][0]["containerPort"] == 9198


def test_exporter_connects_over_verified_tls_with_its_own_user():
    container = pod(one(elk(), "Deployment", "elk-es-exporter"))["containers"][0]
    assert f"--es.uri=https://elk-es.{NAMESPACE}.svc.cluster.local:9200" in container["args"]
    assert "--es.ca=/etc/exporter/ca.crt" in container["args"]
    env = env_of(container)
    assert env["ES_USERNAME"] == "orbit-exporter"
    assert env["ES_PASSWORD"] == {"secretKeyRef": {"name": "elk-credentials", "key": "orbit-exporter"}}


# --- network policies ------------------------------------------------------------------------


def ingress_ports(policy, namespace):
    ports = set()
    for rule in policy["spec"].get("ingress") or []:
        for peer in rule["from"]:
            if peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == namespace:
                ports |= {p["port"] for p in rule["ports"]}
    return ports


def test_network_policies_admit_exactly_the_wired_peers():
    shipper = {"namespace": "orbit-log-shipper", "podLabels": {"app.kubernetes.io/component": "shipper"}}
    objects = elk(networkPolicy={"logstashFrom": [shipper], "kibanaFrom": [{"namespace": "orbit-gateway"}],
                                 "metricsFrom": [{"namespace": "orbit-monitoring"}]})
    assert one(objects, "NetworkPolicy", "elk-default-deny")["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert ingress_ports(one(objects, "NetworkPolicy", "elk-logstash"), "orbit-log-shipper") == {8080}
    assert ingress_ports(one(objects, "NetworkPolicy", "elk-logstash"), "orbit-monitoring") == {9198}
    assert ingress_ports(one(objects, "NetworkPolicy", "elk-kibana"), "orbit-gateway") == {5601}
    assert ingress_ports(one(objects, "NetworkPolicy", "elk-exporter"), "orbit-monitoring") == {9114}
    es = one(objects, "NetworkPolicy", "elk-elasticsearch")
    assert ingress_ports(es, "orbit-log-shipper") == set(), "the shipper only reaches Elasticsearch when told to"
    mesh = es["spec"]["ingress"][0]
    assert {p["port"] for p in mesh["ports"]} == {9200, 9300}
    assert es["spec"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 9300}]
    clients = one(objects, "NetworkPolicy", "elk-es-clients")
    assert clients["spec"]["podSelector"]["matchExpressions"][0]["values"] == ["kibana", "logstash", "exporter", "setup"]


def test_no_helm_hooks_and_every_image_moves_with_the_registry():
    objects = elk(**{"global": {"imageRegistry": "mirror.corp:5000/orbit"}})
    images = [c["image"] for o in objects if o["kind"] in ("StatefulSet", "Deployment", "Job")
              for c in pod(o).get("initContainers", []) + pod(o)["containers"]]
    assert len(images) >= 6 and all(i.startswith("mirror.corp:5000/orbit/") for i in images)
    for obj in objects:
        assert not any(k.startswith("helm.sh/hook") for k in (obj["metadata"].get("annotations") or {}))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"elasticsearch": {"nodeSets": [node_set("m", 2, ["master", "data"])]}}, "2 master-eligible nodes"),
        ({"elasticsearch": {"nodeSets": [node_set("m", 1, ["data"])]}}, "no master-eligible node"),
        ({"elasticsearch": {"nodeSets": [node_set("m", 1, ["master"])]}}, "no data node"),
        ({"elasticsearch": {"nodeSets": [node_set("a", 1, ["master", "data"]), node_set("a", 2, ["data"])]}}, "name a is used twice"),
        ({"elasticsearch": {"nodeSets": [{**node_set("m", 1, ["master", "data"]), "heap": "2GB"}]}}, "heap"),
        ({"elasticsearch": {"nodeSets": [node_set("m", 1, ["boss"])]}}, "roles"),
        ({"logIndex": {"retentionDays": 0}}, "retentionDays"),
        ({"kibana": {"basePath": "kibana/"}}, "basePath"),
        ({"logstash": {"queue": {"size": "10Gi", "maxBytes": "lots"}}}, "maxBytes"),
        ({"elasticsearch": {"image": {"registry": "docker.elastic.co", "repository": "elasticsearch/elasticsearch", "tag": "latest"}}}, "tag"),
        ({"elasticsearch": {"extraConfig": {"bootstrap.password": "x"}}}, "invalid propertyName 'bootstrap.password'"),
        ({"unknownKey": True}, "unknownKey"),
        ({"tls": {"kibanaSecret": ""}}, "tls.kibanaSecret is required"),
        ({"snapshots": {"enabled": True, "host": "minio"}}, "snapshots.credentialsSecret and snapshots.bucket are required"),
        ({"snapshots": {"schedule": "nightly"}}, "schedule"),
    ],
)
def test_bad_values_are_rejected(values, message):
    with pytest.raises(Exception) as raised:
        elk(**values)
    assert message in str(raised.value)


def test_credentials_secret_is_required():
    with pytest.raises(Exception, match="auth.existingSecret is required"):
        render("elk", {"tls": REQUIRED["tls"]})


# --- the shipper points at what the elk chart renders ----------------------------------------


def shipper(target, host, port, **values):
    output = {"target": target, "host": host, "port": port, "caSecret": "fluent-bit-ca"}
    if target == "elasticsearch":
        output["credentialsSecret"] = "fluent-bit-elasticsearch"
    return render("fluent-bit", {"output": output, **values}, release="fluent-bit", namespace="orbit-log-shipper")


def service_address(objects, name):
    service = one(objects, "Service", name)
    return f"{name}.{service['metadata']['namespace']}.svc.cluster.local", {p["port"] for p in service["spec"]["ports"]}


def output_section(objects):
    config = one(objects, "ConfigMap", "fluent-bit")["data"]["fluent-bit.conf"]
    section = config.split("[OUTPUT]", 1)[1]
    return dict(line.split(None, 1) for line in section.strip().splitlines() if line.strip() and not line.strip().startswith("#"))


@pytest.mark.parametrize(("target", "service", "port"), [("logstash", "elk-logstash", 8080), ("elasticsearch", "elk-es", 9200)])
def test_shipper_output_points_at_the_rendered_service(target, service, port):
    host, ports = service_address(elk(), service)
    assert port in ports
    output = output_section(shipper(target, host, port))
    assert output["Host"] == host and int(output["Port"]) == port
    assert output["tls"] == "On" and output["tls.verify"] == "On" and output["tls.ca_file"] == "/fluent-bit/tls/ca.crt"


def test_elasticsearch_output_replaces_dots_and_suppresses_type_names():
    output = output_section(shipper("elasticsearch", "elk-es.orbit-logging.svc.cluster.local", 9200))
    assert output["Name"] == "es"
    assert output["Replace_Dots"] == "On" and output["Suppress_Type_Name"] == "On"
    assert output["Write_Operation"] == "create" and output["Index"] == "orbit-logs"
    assert output["HTTP_Passwd"] == "${ES_PASSWORD}"
