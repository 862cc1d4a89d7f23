#!/usr/bin/env python3
"""Structural checks of infra/monitoring/ that no installed tool makes (part of scripts/lint.sh).

promtool and amtool check Prometheus' and Alertmanager's files, and monitoring/dashboards_test.cc
checks every PromQL query against the metrics real processes export. This checks the rest:

  alerts      every alert has priority P0-P3 with the matching severity, a summary, a
              description and runbook_url docs/runbooks/<alert>.md; the runbook exists, says what
              never to do, and is listed in docs/runbooks/README.md; alert-rules.test.yml shows the
              alert firing and staying silent.
  dashboards  unique uids, data sources named by the provisioned uids, every panel has a query,
              log panels select only labels the shippers set.
  logs        loki-config.yml, promtail-config.yml and config.alloy (neither Loki, Promtail nor
              Alloy runs here): the keys each needs, the same labels in both shippers, every
              Alloy component that is forwarded to exists.
  otel        every receiver, processor and exporter a pipeline names is defined.
  compose     the monitoring stack's images at the seed's pinned versions, nothing published
              beyond loopback.

Prints one line per problem and exits 1 if there is any.
"""
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
MONITORING = ROOT / "infra" / "monitoring"
RUNBOOKS = ROOT / "docs" / "runbooks"
SEVERITY = {"P0": "critical", "P1": "critical", "P2": "warning", "P3": "info"}
SHIPPED_LABELS = {"component", "env", "level", "job", "host"}
PINNED_IMAGES = {
    "prometheus": "docker.io/prom/prometheus:v2.51.0",
    "grafana": "docker.io/grafana/grafana:10.4.0",
    "loki": "docker.io/grafana/loki:2.9.6",
    "promtail": "docker.io/grafana/promtail:2.9.6",
}

problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def check_alerts():
    rules = load_yaml(MONITORING / "prometheus" / "alert-rules.yml")
    tests = load_yaml(MONITORING / "prometheus" / "alert-rules.test.yml")
    index = (RUNBOOKS / "README.md").read_text(encoding="utf-8")
    firing, silent = set(), set()
    for test in tests["tests"]:
        for case in test.get("alert_rule_test", []):
            (firing if case.get("exp_alerts") else silent).add(case["alertname"])
    for group in rules["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert")
            if name is None:
                continue
            where = f"alert-rules.yml {name}"
            labels, notes = rule.get("labels", {}), rule.get("annotations", {})
            priority = labels.get("priority")
            if priority not in SEVERITY:
                problem(where, f"priority {priority!r} is not one of P0-P3")
            elif labels.get("severity") != SEVERITY[priority]:
                problem(where, f"a {priority} has severity {SEVERITY[priority]}")
            for key in ("summary", "description", "runbook_url"):
                if not notes.get(key):
                    problem(where, f"no {key}")
            runbook = f"docs/runbooks/{name}.md"
            if notes.get("runbook_url") != runbook:
                problem(where, f"runbook_url must be {runbook}")
            page = ROOT / runbook
            if not page.exists():
                problem(where, f"{runbook} does not exist")
            elif "## Never" not in page.read_text(encoding="utf-8"):
                problem(runbook, "has no '## Never' section")
            if f"[{name}]({name}.md)" not in index:
                problem("docs/runbooks/README.md", f"does not list {name}")
            if name not in firing:
                problem("alert-rules.test.yml", f"no case where {name} fires")
            if name not in silent:
                problem("alert-rules.test.yml", f"no case where {name} stays silent")


def provisioned_uids():
    sources = load_yaml(MONITORING / "grafana" / "provisioning" / "datasources.yml")
    return {s["uid"]: s["type"] for s in sources["datasources"]}


def walk_panels(panels):
    for panel in panels:
        yield panel
        yield from walk_panels(panel.get("panels", []))


def check_dashboards():
    uids = provisioned_uids()
    seen = set()
    for path in sorted((MONITORING / "grafana" / "dashboards").glob("*.json")):
        where = f"dashboards/{path.name}"
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        if dashboard.get("uid") in seen:
            problem(where, f"uid {dashboard.get('uid')} used twice")
        seen.add(dashboard.get("uid"))
        panel_ids = set()
        for panel in walk_panels(dashboard.get("panels", [])):
            title = panel.get("title", "?")
            if panel.get("id") in panel_ids:
                problem(where, f"panel id {panel.get('id')} used twice")
            panel_ids.add(panel.get("id"))
            if panel.get("type") == "row":
                continue
            targets = panel.get("targets", [])
            if not targets:
                problem(where, f"panel {title!r} has no query")
            for target in targets:
                source = target.get("datasource", panel.get("datasource", {}))
                if uids.get(source.get("uid")) != source.get("type"):
                    problem(where, f"panel {title!r} names data source {source}, not provisioned")
                if source.get("type") == "loki":
                    selector = re.match(r"\{([^}]*)\}", target.get("expr", ""))
                    if not selector:
                        problem(where, f"panel {title!r}: a log query needs a stream selector")
                        continue
                    for label in re.findall(r"(\w+)\s*[!=]~?", selector.group(1)):
                        if label not in SHIPPED_LABELS:
                            problem(where, f"panel {title!r} selects label {label}, never shipped")


def stage_labels(stages):
    labels = set()
    for stage in stages:
        if "labels" in stage:
            labels |= set(stage["labels"])
    return labels


def check_logs():
    loki = load_yaml(MONITORING / "loki" / "loki-config.yml")
    for key in ("server", "common", "schema_config", "limits_config", "compactor"):
        if key not in loki:
            problem("loki-config.yml", f"no {key}")
    if loki.get("auth_enabled") is not False:
        problem("loki-config.yml", "auth_enabled must be false (one tenant, loopback only)")
    if loki.get("server", {}).get("http_listen_address") != "127.0.0.1":
        problem("loki-config.yml", "must listen on 127.0.0.1 only")
    for period in loki.get("schema_config", {}).get("configs", []):
        if period.get("store") not in ("tsdb", "boltdb-shipper"):
            problem("loki-config.yml", f"unknown index store {period.get('store')}")
        if not re.fullmatch(r"v\d+", str(period.get("schema"))):
            problem("loki-config.yml", f"schema {period.get('schema')} is not vN")
    if loki.get("compactor", {}).get("retention_enabled") and not loki["compactor"].get(
        "shared_store"
    ):
        problem("loki-config.yml", "retention needs compactor.shared_store (Loki 2.9)")

    promtail = load_yaml(MONITORING / "promtail" / "promtail-config.yml")
    for key in ("server", "positions", "clients", "scrape_configs"):
        if key not in promtail:
            problem("promtail-config.yml", f"no {key}")
    for client in promtail.get("clients", []):
        if not client.get("url", "").endswith("/loki/api/v1/push"):
            problem("promtail-config.yml", f"client {client.get('url')} is not a Loki push URL")
    known_stages = {"docker", "cri", "json", "labels", "match", "drop", "timestamp", "output",
                    "regex", "template", "labeldrop", "static_labels", "multiline"}
    for job in promtail.get("scrape_configs", []):
        where = f"promtail-config.yml {job.get('job_name')}"
        if not any(k in job for k in ("journal", "static_configs", "docker_sd_configs")):
            problem(where, "reads nothing")
        stages = job.get("pipeline_stages", [])
        for stage in stages:
            if len(stage) != 1 or next(iter(stage)) not in known_stages:
                problem(where, f"unknown stage {stage}")
        if stage_labels(stages) != {"component", "env", "level"}:
            problem(where, "must label lines by component, env and level")

    alloy = (MONITORING / "alloy" / "config.alloy").read_text(encoding="utf-8")
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', alloy)
    text = re.sub(r"//[^\n]*", "", text)
    if text.count("{") != text.count("}"):
        problem("config.alloy", "unbalanced braces")
    declared = set(re.findall(r'^\s*([a-z_.]+)\s+"([\w-]+)"\s*\{', alloy, re.M))
    for kind, name, export in re.findall(r"\b(loki\.[a-z_.]+?)\.([\w-]+)\.(receiver|rules)\b", text):
        if (kind, name) not in declared:
            problem("config.alloy", f"{kind}.{name}.{export} names a component never declared")
    for label in ("component", "env", "level"):
        if not re.search(r"stage\.labels\s*\{[^}]*\b" + label + r"\s*=", alloy):
            problem("config.alloy", f"does not label lines by {label}")
    if "127.0.0.1:3100/loki/api/v1/push" not in alloy:
        problem("config.alloy", "does not write to the loopback Loki")


def check_otel():
    otel = load_yaml(MONITORING / "otel" / "collector.yaml")
    pipelines = otel.get("service", {}).get("pipelines", {})
    for signal in ("metrics", "logs", "traces"):
        if signal not in pipelines:
            problem("otel/collector.yaml", f"no {signal} pipeline")
    for name, pipeline in pipelines.items():
        for part in ("receivers", "processors", "exporters"):
            for component in pipeline.get(part, []):
                if component not in (otel.get(part) or {}):
                    problem("otel/collector.yaml", f"pipeline {name} names undefined {component}")
        if not pipeline.get("receivers") or not pipeline.get("exporters"):
            problem("otel/collector.yaml", f"pipeline {name} needs receivers and exporters")


def check_compose():
    path = ROOT / "infra" / "compose" / "docker-compose.monitoring.yml"
    compose = load_yaml(path)
    services = compose.get("services", {})
    for name, image in PINNED_IMAGES.items():
        if services.get(name, {}).get("image") != image:
            problem(path.name, f"{name} must run {image} (the seed's version lock)")
    for name, service in services.items():
        if service.get("ports"):
            problem(path.name, f"{name} publishes ports; everything listens on loopback")
        if "image" in service and "@" not in service["image"] and ":" not in service["image"]:
            problem(path.name, f"{name}'s image has no version")
        for volume in service.get("volumes", []):
            if "docker.sock" in str(volume) or "podman.sock" in str(volume):
                problem(path.name, f"{name} mounts the container engine's socket")


def main():
    check_alerts()
    check_dashboards()
    check_logs()
    check_otel()
    check_compose()
    for line in problems:
        print(f"check_monitoring: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
