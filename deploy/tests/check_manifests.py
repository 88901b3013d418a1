"""Checks of the deployment files that no off-the-shelf validator makes.

Used by scripts/validate-deployment; each subcommand prints what is wrong and exits 1 on a failure.

  objects FILE...            every object validates: Kubernetes kinds strictly against the bundled
                             Kubernetes schemas, custom kinds against deploy/schemas; any other kind fails
  compose-depends-on FILE    every depends_on of a Compose file names a defined service
  rules-coverage FILE DIR    the rendered rule ConfigMaps and volume carry exactly the rules directory
  scaling FILE               no autoscaler may exceed the partition count of the topic it scales on,
                             and repartition topics (`-by-`) have the input's partition count
  alerting FILE              every PrometheusRule expression parses as PromQL, and every alert says
                             how severe it is and what it means (labels.severity, annotations.summary)
  dashboards FILE            the Grafana dashboards (a .json file, or the ConfigMaps labelled
                             grafana_dashboard: "1" in rendered manifests) match deploy/schemas, have
                             unique panel ids, a title and description on every panel, the data source
                             variable on every Prometheus query, only defined variables, and PromQL
                             queries (panels, variables, annotations) once the variables are substituted
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import promql_parser
import yaml

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas")
CUSTOM_KINDS = {
    ("security.istio.io/v1", "PeerAuthentication"): "istio-peerauthentication.json",
    ("security.istio.io/v1", "AuthorizationPolicy"): "istio-authorizationpolicy.json",
    ("networking.istio.io/v1", "DestinationRule"): "istio-destinationrule.json",
    ("networking.istio.io/v1", "Gateway"): "istio-gateway.json",
    ("networking.istio.io/v1", "VirtualService"): "istio-virtualservice.json",
    ("keda.sh/v1alpha1", "ScaledObject"): "keda-scaledobject.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda-triggerauthentication.json",
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"): "strimzi-kafkatopic.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule.json",
}
SEVERITIES = {"critical", "warning", "info"}
DASHBOARD_SCHEMA = "grafana-dashboard.json"
DATASOURCE = "${datasource}"  # the data source variable every query uses, so that any Prometheus can be picked
# Grafana's own variables, with a value of the right kind to stand in for them when parsing.
GRAFANA_VARIABLES = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h", "__interval_ms": "60000",
                     "__range_s": "3600", "__range_ms": "3600000", "__dashboard": "x", "__org": "1", "__user": "x"}
# $name, ${name}, ${name:format} and the deprecated [[name]]: how Grafana writes a variable in a query.
VARIABLE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]")
# The Prometheus data source's variable queries that embed PromQL: label_values(SELECTOR, label), query_result(QUERY).
VARIABLE_QUERIES = (re.compile(r"^\s*label_values\((.+),\s*\w+\s*\)\s*$", re.S),
                    re.compile(r"^\s*query_result\((.+)\)\s*$", re.S))


def load(paths):
    docs = []
    for path in paths:
        with open(path) as stream:
            docs += [doc for doc in yaml.safe_load_all(stream) if doc]
    return docs


def tool(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def validate_kubernetes(docs, workdir):
    path = os.path.join(workdir, "kubernetes.yaml")
    with open(path, "w") as stream:
        yaml.safe_dump_all(docs, stream)
    code, output = run([tool("kubernetes-validate"), "--strict", "--quiet", path])
    problems = [line for line in output.splitlines() if line.startswith(("ERROR", "WARN"))]
    if code != 0 or problems:
        return problems or [output.strip()]
    return []


def validate_custom(docs, workdir):
    problems = []
    by_schema = {}
    for doc in docs:
        by_schema.setdefault(CUSTOM_KINDS[(doc.get("apiVersion"), doc.get("kind"))], []).append(doc)
    for schema, group in sorted(by_schema.items()):
        paths = []
        for index, doc in enumerate(group):
            paths.append(os.path.join(workdir, f"{doc['kind']}-{doc['metadata'].get('name')}-{index}.yaml"))
            with open(paths[-1], "w") as stream:
                yaml.safe_dump(doc, stream)
        code, output = run([tool("check-jsonschema"), "--schemafile", os.path.join(SCHEMAS, schema), *paths])
        if code != 0:
            problems.append(f"{schema}: {output.strip()}")
    return problems


def objects(paths):
    docs = load(paths)
    custom = [doc for doc in docs if (doc.get("apiVersion"), doc.get("kind")) in CUSTOM_KINDS]
    kubernetes = [doc for doc in docs if (doc.get("apiVersion"), doc.get("kind")) not in CUSTOM_KINDS]
    with tempfile.TemporaryDirectory() as workdir:
        problems = (validate_kubernetes(kubernetes, workdir) if kubernetes else [])
        problems += validate_custom(custom, workdir) if custom else []
    return problems if docs else ["no objects found"]


def compose_depends_on(path):
    services = load([path])[0].get("services", {})
    problems = []
    for name, service in services.items():
        for dependency in (service or {}).get("depends_on", []) or []:
            if dependency not in services:
                problems.append(f"service {name} depends on {dependency}, which is not defined")
    return problems


def find(docs, kind, name):
    return next((d for d in docs if d.get("kind") == kind and d["metadata"]["name"] == name), None)


def read_files(directory, suffixes):
    names = sorted(n for n in os.listdir(directory) if n.endswith(suffixes))
    return {n: open(os.path.join(directory, n)).read() for n in names if os.path.isfile(os.path.join(directory, n))}


def rules_coverage(path, directory):
    docs = load([path])
    problems = []
    folders = {"vigil-rule-lists": "lists", "vigil-rule-tables": "tables"}
    wanted_maps = [("vigil-rules", read_files(directory, (".yaml", ".yml")))]
    wanted_maps += [(name, read_files(os.path.join(directory, folder), (".txt",))) for name, folder in folders.items()]
    for name, wanted in wanted_maps:
        config_map = find(docs, "ConfigMap", name)
        data = (config_map or {}).get("data", {})
        if config_map is None:
            problems.append(f"ConfigMap {name} is not rendered (a hashed name would restart pods on every edit)")
        elif data != wanted:
            problems.append(f"ConfigMap {name} holds {sorted(data)}, the rules directory {sorted(wanted)}")
    for name, folder in folders.items():
        files = read_files(os.path.join(directory, folder), (".txt",))
        problems += volume_items(find(docs, "StatefulSet", "vigil"), name, folder, files)
    return problems


def volume_items(statefulset, config_map, folder, files):
    volumes = (statefulset or {}).get("spec", {}).get("template", {}).get("spec", {}).get("volumes", [])
    items = {}
    for volume in volumes:
        for source in volume.get("projected", {}).get("sources", []):
            if source.get("configMap", {}).get("name") == config_map:
                items = {i["key"]: i["path"] for i in source["configMap"].get("items", [])}
    wanted = {name: folder + "/" + name for name in files}
    return [] if items == wanted else [f"the rules volume maps {folder} {items}, the rules directory has {wanted}"]


def scaling(path):
    docs = load([path])
    partitions = {(d["spec"].get("topicName") or d["metadata"]["name"]): d["spec"].get("partitions")
                  for d in docs if d.get("kind") == "KafkaTopic"}
    problems = [f"repartition topic {topic} has {count} partitions, the input payments has {partitions.get('payments')}"
                for topic, count in partitions.items() if "-by-" in topic and count != partitions.get("payments")]
    for doc in docs:
        if doc.get("kind") == "ScaledObject":
            for trigger in doc["spec"].get("triggers", []):
                topic = trigger.get("metadata", {}).get("topic")
                limit = partitions.get(topic)
                if limit is None or doc["spec"].get("maxReplicaCount", 100) > limit:
                    problems.append(f"ScaledObject {doc['metadata']['name']}: maxReplicaCount "
                                    f"{doc['spec'].get('maxReplicaCount')} exceeds the {limit} partitions of {topic}")
        if doc.get("kind") == "HorizontalPodAutoscaler":
            limit = partitions.get(doc["metadata"].get("annotations", {}).get("vigil/partitions-of"))
            if limit is None or doc["spec"]["maxReplicas"] > limit:
                problems.append(f"HorizontalPodAutoscaler {doc['metadata']['name']}: maxReplicas "
                                f"{doc['spec']['maxReplicas']} exceeds the partitions ({limit}) of its topic")
    return problems


def promql_error(expr):
    """Why the expression is not PromQL, or None."""
    try:
        promql_parser.parse(expr)
    except Exception as error:  # the parser raises a bare ValueError/RuntimeError with its message
        return str(error)
    return None


def alerting(path):
    rules = [(doc["metadata"]["name"], group["name"], rule)
             for doc in load([path]) if doc.get("kind") == "PrometheusRule"
             for group in doc["spec"].get("groups", []) for rule in group.get("rules", [])]
    problems = [] if rules else ["no PrometheusRule rules found"]
    for name, group, rule in rules:
        where = f"PrometheusRule {name}, group {group}, {rule.get('alert') or rule.get('record')}"
        if error := promql_error(str(rule["expr"])):
            problems.append(f"{where}: expr is not PromQL: {error}")
        if "alert" in rule:
            if rule.get("labels", {}).get("severity") not in SEVERITIES:
                problems.append(f"{where}: labels.severity must be one of {sorted(SEVERITIES)}")
            if not rule.get("annotations", {}).get("summary"):
                problems.append(f"{where}: annotations.summary is missing")
    return problems


def load_dashboards(path):
    """(where, dashboard, None) of each dashboard, or (where, None, problem) when one is not JSON."""
    if path.endswith(".json"):
        texts = [(path, open(path).read())]
    else:
        texts = [(f"ConfigMap {doc['metadata']['name']}, {key}", text) for doc in load([path])
                 if doc.get("kind") == "ConfigMap" and doc["metadata"].get("labels", {}).get("grafana_dashboard") == "1"
                 for key, text in sorted(doc.get("data", {}).items())]
    for where, text in texts:
        try:
            yield where, json.loads(text), None
        except json.JSONDecodeError as error:
            yield where, None, f"{where}: not JSON: {error}"


def substituted(expr, defined):
    """The query with every variable replaced by a stand-in value, and the names that are not defined."""
    undefined = []

    def value(match):
        name = next(group for group in match.groups() if group)
        if name in GRAFANA_VARIABLES:
            return GRAFANA_VARIABLES[name]
        if name not in defined:
            undefined.append(name)
        return "x"
    return VARIABLE.sub(value, expr), undefined


def dashboard_queries(dashboard, panels):
    """(where, PromQL) of every panel target, query variable and annotation."""
    for panel in panels:
        for target in panel.get("targets", []):
            if "expr" in target:
                yield f"panel {panel.get('id')} ({panel.get('title')}), query {target.get('refId')}", target["expr"]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        query = query.get("query", "") if isinstance(query, dict) else query or ""
        if variable.get("type") == "query":  # a datasource variable's query is a plugin id
            for pattern in VARIABLE_QUERIES:
                if match := pattern.match(query):
                    yield f"variable {variable.get('name')}", match.group(1)
    for annotation in dashboard.get("annotations", {}).get("list", []):
        if "expr" in annotation:
            yield f"annotation {annotation.get('name')}", annotation["expr"]


def dashboard_problems(dashboard):
    with open(os.path.join(SCHEMAS, DASHBOARD_SCHEMA)) as stream:
        validator = jsonschema.Draft7Validator(json.load(stream))
    problems = [f"{'/'.join(map(str, error.absolute_path)) or 'dashboard'}: {error.message}"
                for error in sorted(validator.iter_errors(dashboard), key=lambda error: list(map(str, error.path)))]
    if problems:
        return problems
    rows = dashboard["panels"]
    panels = [panel for row in rows for panel in [row, *row.get("panels", [])]]
    for panel_id, count in collections.Counter(panel["id"] for panel in panels).items():
        if count > 1:
            problems.append(f"panel id {panel_id} is used by {count} panels (Grafana needs unique ids)")
    for panel in panels:
        where = f"panel {panel['id']} ({panel.get('title')})"
        if not panel.get("title"):
            problems.append(f"panel {panel['id']}: title is missing")
        if panel["type"] != "row" and not panel.get("description"):
            problems.append(f"{where}: description is missing")
        if panel["gridPos"]["x"] + panel["gridPos"]["w"] > 24:
            problems.append(f"{where}: gridPos reaches past the 24 columns")
        targets = panel.get("targets", [])
        sources = [panel.get("datasource", {})] if targets else []
        sources += [target["datasource"] for target in targets if "datasource" in target]
        if any(source.get("uid") != DATASOURCE for source in sources):
            problems.append(f"{where}: its queries must use the data source {DATASOURCE}, not {sources}")
        references = collections.Counter(target["refId"] for target in targets)
        problems += [f"{where}: refId {ref} is used by {n} queries" for ref, n in references.items() if n > 1]
    defined = {variable["name"] for variable in dashboard["templating"].get("list", [])}
    if DATASOURCE[2:-1] not in defined:
        problems.append(f"no variable {DATASOURCE}: the dashboard would be tied to one Grafana's data source")
    for where, expr in dashboard_queries(dashboard, panels):
        query, undefined = substituted(expr, defined)
        problems += [f"{where}: ${name} is not a dashboard variable" for name in sorted(set(undefined))]
        if error := promql_error(query):
            problems.append(f"{where}: not PromQL: {error}")
    return problems


def dashboards(path):
    problems = []
    found = 0
    for where, dashboard, problem in load_dashboards(path):
        found += 1
        problems += [problem] if problem else [f"{where}: {text}" for text in dashboard_problems(dashboard)]
    return problems if found else ['no dashboard found (a .json file, or ConfigMaps labelled grafana_dashboard: "1")']


def main(arguments):
    commands = {
        "objects": lambda args: objects(args),
        "compose-depends-on": lambda args: compose_depends_on(args[0]),
        "rules-coverage": lambda args: rules_coverage(args[0], args[1]),
        "scaling": lambda args: scaling(args[0]),
        "alerting": lambda args: alerting(args[0]),
        "dashboards": lambda args: dashboards(args[0]),
    }
    if not arguments or arguments[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    problems = commands[arguments[0]](arguments[1:])
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
