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
"""
import os
import subprocess
import sys
import tempfile

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
    for name, wanted in (("vigil-rules", read_files(directory, (".yaml", ".yml"))),
                         ("vigil-rule-lists", read_files(os.path.join(directory, "lists"), (".txt",)))):
        config_map = find(docs, "ConfigMap", name)
        data = (config_map or {}).get("data", {})
        if config_map is None:
            problems.append(f"ConfigMap {name} is not rendered (a hashed name would restart pods on every edit)")
        elif data != wanted:
            problems.append(f"ConfigMap {name} holds {sorted(data)}, the rules directory {sorted(wanted)}")
    problems += list_items(find(docs, "StatefulSet", "vigil"), read_files(os.path.join(directory, "lists"), (".txt",)))
    return problems


def list_items(statefulset, lists):
    volumes = (statefulset or {}).get("spec", {}).get("template", {}).get("spec", {}).get("volumes", [])
    items = {}
    for volume in volumes:
        for source in volume.get("projected", {}).get("sources", []):
            if source.get("configMap", {}).get("name") == "vigil-rule-lists":
                items = {i["key"]: i["path"] for i in source["configMap"].get("items", [])}
    wanted = {name: "lists/" + name for name in lists}
    return [] if items == wanted else [f"the rules volume maps lists {items}, the rules directory has {wanted}"]


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


def alerting(path):
    rules = [(doc["metadata"]["name"], group["name"], rule)
             for doc in load([path]) if doc.get("kind") == "PrometheusRule"
             for group in doc["spec"].get("groups", []) for rule in group.get("rules", [])]
    problems = [] if rules else ["no PrometheusRule rules found"]
    for name, group, rule in rules:
        where = f"PrometheusRule {name}, group {group}, {rule.get('alert') or rule.get('record')}"
        try:
            promql_parser.parse(str(rule["expr"]))
        except Exception as error:  # the parser raises a bare ValueError/RuntimeError with its message
            problems.append(f"{where}: expr is not PromQL: {error}")
        if "alert" in rule:
            if rule.get("labels", {}).get("severity") not in SEVERITIES:
                problems.append(f"{where}: labels.severity must be one of {sorted(SEVERITIES)}")
            if not rule.get("annotations", {}).get("summary"):
                problems.append(f"{where}: annotations.summary is missing")
    return problems


def main(arguments):
    commands = {
        "objects": lambda args: objects(args),
        "compose-depends-on": lambda args: compose_depends_on(args[0]),
        "rules-coverage": lambda args: rules_coverage(args[0], args[1]),
        "scaling": lambda args: scaling(args[0]),
        "alerting": lambda args: alerting(args[0]),
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
