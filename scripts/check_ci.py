#!/usr/bin/env python3
"""The rules the CI pipelines and the images keep (scripts/lint_ci.sh, part of the test command).

Workflows (.github/workflows/):
  - the four pipelines exist: ci-build, ci-test (push and pull request to main and develop),
    release (tags v*.*.* and <name>-v<N>), ci-images;
  - every workflow declares its permissions, never write-all; id-token: write (OIDC) only where a
    registry login happens, and every registry login is by OIDC federation: no access key, no
    password, no secret but the run's own GITHUB_TOKEN;
  - every action is pinned to a release (a version tag or a commit), never a branch;
  - every image build passes BUILD_BASE and RUN_BASE pinned by digest (@sha256 or a digest
    variable), and images reach release tags by digest, never by rebuilding.
Images (infra/docker/Dockerfile.*):
  - bases only through the BUILD_BASE / RUN_BASE arguments (a release pins them by digest);
  - no `latest` anywhere;
  - the final stage runs as a non-root user and declares its health: HEALTHCHECK CMD, or
    HEALTHCHECK NONE for a one-shot job.
Dockerfile.dev is exempt: a developer's toolchain shell, never deployed.
"""
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def triggers(doc):
    # YAML 1.1 reads a bare `on` key as True; the workflows quote it, but accept both.
    return doc.get("on", doc.get(True)) or {}


def check_branches(name, on, event):
    branches = (on.get(event) or {}).get("branches", [])
    for branch in ("main", "develop"):
        if branch not in branches:
            problem(name, f"{event} must run for branch {branch}")


def check_workflow(path):
    name = path.relative_to(ROOT)
    text = path.read_text()
    doc = yaml.safe_load(text)
    permissions = doc.get("permissions")
    if permissions is None:
        problem(name, "declares no top-level permissions (least privilege: say them)")
    elif permissions == "write-all" or "write-all" in text:
        problem(name, "asks for write-all")
    for match in re.finditer(r"secrets\.([A-Za-z_]+)", text):
        if match.group(1) != "GITHUB_TOKEN":
            problem(name, f"uses secrets.{match.group(1)}: registries are reached by OIDC only")
    for key in ("aws-access-key-id", "aws-secret-access-key", "password:"):
        if key in text:
            problem(name, f"passes `{key}`: a long-lived credential")
    logs_in = "amazon-ecr-login" in text or "docker login" in text
    if logs_in and "role-to-assume" not in text:
        problem(name, "logs in to a registry without OIDC federation (role-to-assume)")
    if "id-token: write" in text and not logs_in:
        problem(name, "asks for id-token: write without a registry login")
    for match in re.finditer(r"uses:\s*([^\s#]+)", text):
        ref = match.group(1)
        if ref.startswith("./"):
            continue
        version = ref.partition("@")[2]
        if not re.fullmatch(r"v\d+(\.\d+)*|[0-9a-f]{40}", version):
            problem(name, f"action {ref} is not pinned to a release tag or commit")
    for line in text.replace("\\\n", " ").splitlines():  # continued lines as one
        if re.search(r"\b(docker|podman) (image )?build\b", line) and "-f " in line:
            for arg in ("BUILD_BASE", "RUN_BASE"):
                if not re.search(arg + r"=\S+@", line):
                    problem(name, f"an image build without {arg} pinned by digest: {line.strip()}")
    return doc


def check_workflows():
    required = {"ci-build.yml", "ci-test.yml", "release.yml", "ci-images.yml"}
    present = {p.name for p in WORKFLOWS.glob("*.yml")}
    for missing in sorted(required - present):
        problem(WORKFLOWS.relative_to(ROOT), f"{missing} is missing")
    docs = {p.name: check_workflow(p) for p in sorted(WORKFLOWS.glob("*.yml"))}
    for workflow in ("ci-build.yml", "ci-test.yml"):
        if workflow in docs:
            on = triggers(docs[workflow])
            check_branches(workflow, on, "push")
            check_branches(workflow, on, "pull_request")
    if "release.yml" in docs:
        tags = (triggers(docs["release.yml"]).get("push") or {}).get("tags", [])
        if "v*.*.*" not in tags or not any(re.fullmatch(r"\*-v.*", t) for t in tags):
            problem("release.yml", "must run for tags v*.*.* and <name>-v<N> (e.g. core-runtime-v1)")
        text = (WORKFLOWS / "release.yml").read_text()
        if "imagetools create" not in text or "@${" not in text:
            problem("release.yml", "must tag the images CI built by their digest, not rebuild them")


def check_dockerfile(path):
    name = path.relative_to(ROOT)
    lines = [l.strip() for l in path.read_text().splitlines()]
    text = "\n".join(l for l in lines if not l.startswith("#"))
    if re.search(r"(:|\b)latest\b", text):
        problem(name, "names latest")
    stages = set()
    final = []
    for line in lines:
        if line.startswith("FROM "):
            parts = line.split()
            base = parts[1]
            if base not in ("${BUILD_BASE}", "${RUN_BASE}") and base not in stages:
                problem(name, f"FROM {base}: bases come through BUILD_BASE/RUN_BASE")
            if len(parts) == 4 and parts[2].upper() == "AS":
                stages.add(parts[3])
            final = []
        final.append(line)
    users = [l.split()[1] for l in final if l.startswith("USER ")]
    if not users or users[-1].split(":")[0] in ("0", "root"):
        problem(name, "the final stage does not run as a non-root USER")
    health = [l for l in final if l.startswith("HEALTHCHECK")]
    if not health:
        problem(name, "the final stage declares no HEALTHCHECK (CMD, or NONE for a job)")


def check_images():
    for path in sorted((ROOT / "infra" / "docker").glob("Dockerfile.*")):
        if path.name != "Dockerfile.dev":
            check_dockerfile(path)


check_workflows()
check_images()
if problems:
    print("\n".join("check_ci: " + p for p in problems), file=sys.stderr)
    sys.exit(1)
