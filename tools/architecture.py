"""Draw docs/architecture.svg from code: clouds, cluster, the services, Kong in front, and the
data, log and metrics flows.

    python -m tools.architecture           # rewrite docs/architecture.svg
    python -m tools.architecture --check   # exit 1 when docs/architecture.svg is stale

The cloud list comes from the cluster providers accepted by components/config.py and every
namespace label from components/wiring.py, so the picture follows the code. The layout is a
fixed grid written here by hand (plain SVG, no drawing library needed).
"""

from __future__ import annotations

import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from components import wiring
from components.config import ClusterConfig
from tools.generated import generator_main

OUT = Path(__file__).resolve().parent.parent / "docs" / "architecture.svg"
WIDTH, HEIGHT = 1320, 800
FONT = "Helvetica, Arial, sans-serif"
CLOUD_NAMES = {"aws": "AWS (EKS)", "gcp": "GCP (GKE)", "azure": "Azure (AKS)", "existing": "any existing cluster"}

# Flow styles: (colour, dash pattern, legend text)
STYLES = {
    "data": ("#1d4ed8", "", "requests and data"),
    "logs": ("#c2410c", "8 5", "logs"),
    "metrics": ("#15803d", "2 4", "metrics (Prometheus scrapes)"),
    "infra": ("#6b7280", "4 4", "platform plumbing"),
}


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    title: str
    subtitle: str = ""
    namespace: str = ""
    fill: str = "#ffffff"

    def side(self, name: str, offset: int = 0) -> tuple[int, int]:
        """A point on one side of the box: left/right move along y, top/bottom along x."""
        cx, cy = self.x + self.w // 2, self.y + self.h // 2
        return {
            "left": (self.x, cy + offset),
            "right": (self.x + self.w, cy + offset),
            "top": (cx + offset, self.y),
            "bottom": (cx + offset, self.y + self.h),
        }[name]


COL1, COL2, COL3, COL4 = 225, 560, 860, 1110
ROWS = (135, 265, 395, 525)
SERVICE_W, SERVICE_H = 200, 90
BUS_X = 810  # the metrics "bus" between the two service columns
CLUSTER_RIGHT = 1080

BOXES = {
    "users": Box(20, 345, 150, 90, "Users and clients", "browsers, CLIs, APIs", fill="#f8fafc"),
    "kong": Box(COL1, 330, 150, 120, "Kong gateway", "DB-less · TLS · auth", wiring.GATEWAY_NAMESPACE, "#fef3c7"),
    "airflow": Box(COL2, ROWS[0], SERVICE_W, SERVICE_H, "Airflow 3", "UI/API, scheduler, workers", wiring.AIRFLOW_NAMESPACE, "#e0f2fe"),
    "minio": Box(COL2, ROWS[1], SERVICE_W, SERVICE_H, "MinIO", "S3 store, erasure-coded", wiring.MINIO_NAMESPACE, "#e0f2fe"),
    "kibana": Box(COL2, ROWS[2], SERVICE_W, SERVICE_H, "Kibana", "log search, dashboards", wiring.LOGGING_NAMESPACE, "#ffedd5"),
    "prometheus": Box(COL2, ROWS[3], SERVICE_W, SERVICE_H, "Prometheus", "+ Alertmanager", wiring.MONITORING_NAMESPACE, "#dcfce7"),
    "kafka": Box(COL3, ROWS[0], SERVICE_W, SERVICE_H, "Kafka (KRaft)", "brokers + controllers", wiring.KAFKA_NAMESPACE, "#e0f2fe"),
    "elasticsearch": Box(COL3, ROWS[1], SERVICE_W, SERVICE_H, "Elasticsearch", "log indices, snapshots", wiring.LOGGING_NAMESPACE, "#ffedd5"),
    "logstash": Box(COL3, ROWS[2], SERVICE_W, SERVICE_H, "Logstash", "parse, enrich", wiring.LOGGING_NAMESPACE, "#ffedd5"),
    "fluentbit": Box(COL3, ROWS[3], SERVICE_W, SERVICE_H, "Fluent Bit", "every node's container logs", wiring.LOG_SHIPPER_NAMESPACE, "#ffedd5"),
    "postgres": Box(COL4, ROWS[0], 180, SERVICE_H, "Managed Postgres", "Airflow metadata DB", fill="#f1f5f9"),
    "storage": Box(COL4, ROWS[1], 180, SERVICE_H, "Block storage", "retained volumes", fill="#f1f5f9"),
    "registry": Box(COL4, ROWS[2], 180, SERVICE_H, "Image registry", "upstream or private mirror", fill="#f1f5f9"),
    "identity": Box(COL4, ROWS[3], 180, SERVICE_H, "KMS · IAM · audit", "identity, encryption", fill="#f1f5f9"),
}

# (style, waypoints as (box, side[, offset]) or raw (x, y) points, label)
EDGES = [
    ("data", [("users", "right"), ("kong", "left", 10)], "HTTPS"),
    ("data", [("kong", "right", -40), ("airflow", "left")], "/airflow"),
    ("data", [("kong", "right", -15), ("minio", "left")], "/s3, /minio-console"),
    ("data", [("kong", "right", 15), ("kibana", "left")], "/kibana"),
    ("data", [("kong", "right", 40), ("prometheus", "left")], "/prometheus, /alertmanager"),
    ("data", [("airflow", "right", -15), ("kafka", "left", -15)], "produce/consume"),
    ("data", [("elasticsearch", "left", -15), ("minio", "right", -15)], "snapshots"),
    ("data", [("airflow", "top", 40), (700, 110), (1200, 110), ("postgres", "top")], "metadata DB"),
    ("logs", [("airflow", "bottom", -40), ("minio", "top", -40)], "task logs"),
    ("logs", [("fluentbit", "top"), ("logstash", "bottom")], ""),
    ("logs", [("logstash", "top"), ("elasticsearch", "bottom")], ""),
    ("logs", [("elasticsearch", "left", 25), ("kibana", "right", -25)], "search"),
    ("metrics", [("prometheus", "right", 20), ("fluentbit", "left", 20)], "scrape"),
    ("metrics", [("prometheus", "right", -20), (BUS_X, 550), (BUS_X, 200), ("kafka", "left", 20)], ""),
    ("metrics", [(BUS_X, 330), ("elasticsearch", "left", 20)], ""),
    ("metrics", [(BUS_X, 440), ("logstash", "left", 0)], ""),
    ("metrics", [("prometheus", "bottom", -60), (600, 650), (300, 650), ("kong", "bottom")], "scrape every service"),
    ("infra", [("registry", "left"), (CLUSTER_RIGHT, 440)], ""),
    ("infra", [("storage", "left"), (CLUSTER_RIGHT, 310)], ""),
]


def _point(spec) -> tuple[int, int]:
    if isinstance(spec[0], str):
        return BOXES[spec[0]].side(spec[1], spec[2] if len(spec) > 2 else 0)
    return spec


def _text(x: int, y: int, text: str, size: int = 13, weight: str = "normal", fill: str = "#0f172a",
          anchor: str = "middle", family: str = FONT, halo: bool = False) -> str:
    extra = ' stroke="#ffffff" stroke-width="4" paint-order="stroke"' if halo else ""
    return (f'<text x="{x}" y="{y}" font-family="{family}" font-size="{size}" font-weight="{weight}" '
            f'fill="{fill}" text-anchor="{anchor}"{extra}>{escape(text)}</text>')


def _box(box: Box, stroke: str = "#334155") -> list[str]:
    cx = box.x + box.w // 2
    parts = [f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="8" fill="{box.fill}" stroke="{stroke}" stroke-width="1.5"/>',
             _text(cx, box.y + 28, box.title, 15, "bold")]
    if box.subtitle:
        parts.append(_text(cx, box.y + 48, box.subtitle, 12, fill="#334155"))
    if box.namespace:
        parts.append(_text(cx, box.y + box.h - 12, box.namespace, 11, fill="#64748b", family="Menlo, Consolas, monospace"))
    return parts


def _edge(style: str, waypoints, label: str) -> list[str]:
    colour, dash, _ = STYLES[style]
    points = [_point(p) for p in waypoints]
    path = " ".join(f"{x},{y}" for x, y in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashed} marker-end="url(#arrow-{style})"/>']
    if label:
        # Label the longest segment, at its middle.
        (x1, y1), (x2, y2) = max(zip(points, points[1:]), key=lambda s: abs(s[0][0] - s[1][0]) + abs(s[0][1] - s[1][1]))
        parts.append(_text((x1 + x2) // 2, (y1 + y2) // 2 - 6, label, 12, fill=colour, halo=True))
    return parts


def clouds() -> list[str]:
    providers = typing.get_args(ClusterConfig.model_fields["provider"].annotation)
    return [CLOUD_NAMES.get(p, p) for p in providers]


def generate() -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="Orbit architecture">',
        "<!-- Generated by `python -m tools.architecture` (or `make docs`). Do not edit: a test fails when it is stale. -->",
        "<defs>",
    ]
    for style, (colour, _, _) in STYLES.items():
        parts.append(f'<marker id="arrow-{style}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
                     f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    parts += ["</defs>", f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
              _text(WIDTH // 2, 30, "Orbit: one platform, the same on every cloud", 20, "bold")]
    # The customer's cloud account (or datacenter), and the cluster inside it.
    parts.append('<rect x="190" y="55" width="1115" height="635" rx="14" fill="#f8fafc" stroke="#94a3b8" stroke-width="1.5"/>')
    parts.append(_text(205, 78, "Your cloud account or datacenter: " + " · ".join(clouds()), 14, "bold", anchor="start"))
    parts.append(f'<rect x="205" y="90" width="{CLUSTER_RIGHT - 205}" height="585" rx="12" fill="#ffffff" stroke="#475569" stroke-width="2"/>')
    parts.append(_text(CLUSTER_RIGHT - 15, 668, "Kubernetes 1.31–1.37 · namespaces orbit-* · Pod Security restricted · default-deny NetworkPolicies",
                       11, fill="#475569", anchor="end"))
    for name, box in BOXES.items():
        parts += _box(box, stroke="#b45309" if name == "kong" else "#334155")
    for style, waypoints, label in EDGES:
        parts += _edge(style, waypoints, label)
    # Legend.
    x = 205
    for style, (colour, dash, text) in STYLES.items():
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{x}" y1="730" x2="{x + 40}" y2="730" stroke="{colour}" stroke-width="2"{dashed} marker-end="url(#arrow-{style})"/>')
        parts.append(_text(x + 50, 734, text, 12, anchor="start"))
        x += 270
    parts.append(_text(WIDTH // 2, 775, "Every arrow is a NetworkPolicy allow computed in components/platform.py; "
                                       "every image comes from one imageRegistry setting.", 12, fill="#475569"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    return generator_main(__doc__, generate, OUT, argv)


if __name__ == "__main__":
    sys.exit(main())
