"""Turning the gathered facts into findings, in the order a person fixes them: the engine, the
host the node runs on, the node's image and ports, then the stack and its tools."""

from __future__ import annotations

from homelab_acceptance.doctor import (
    cgroup_checks,
    disk_checks,
    engine_checks,
    kernel_checks,
    node_image_checks,
    port_checks,
    stack_checks,
    tool_checks,
)
from homelab_acceptance.doctor.facts import Facts
from homelab_acceptance.doctor.findings import Finding, ok


def diagnose(facts: Facts) -> list[Finding]:
    findings = [
        ok("cluster", f"{facts.cluster_spec} runs as {facts.provider}://"),
        engine_checks.engine_finding(facts.engine),
    ]
    if facts.host is not None:
        mounts = cgroup_checks.cgroup_mounts(facts.host.mounts)
        findings += [
            cgroup_checks.version_finding(mounts, facts.provider),
            cgroup_checks.mounts_finding(mounts, facts.host.v2_controllers),
            kernel_checks.kmsg_finding(facts.host.kmsg_is_char_device),
            kernel_checks.inotify_finding(facts.host.inotify),
        ]
    if facts.privilege is not None:
        findings.append(engine_checks.privilege_finding(facts.privilege))
    if facts.node_image is not None:
        findings.append(node_image_checks.node_image_finding(facts.node_image))
    if facts.engine.error is None:
        cached = facts.node_image is None or facts.node_image.present
        findings.append(
            disk_checks.docker_disk_finding(
                facts.engine.root_dir, facts.docker_free_bytes, image_cached=cached
            )
        )
    findings.append(disk_checks.workdir_disk_finding(facts.workdir, facts.workdir_free_bytes))
    if facts.ports is not None:
        findings += [
            port_checks.api_port_finding(facts.ports),
            port_checks.node_ports_finding(facts.ports),
        ]
    if facts.stack is not None:
        images = stack_checks.image_tag_findings(facts.stack)
        flagged = any(finding.what == "image tag" for finding in images)
        spec = stack_checks.spec_finding(facts.stack, images_flagged=flagged)
        findings += [*([spec] if spec else []), *images]
    findings += tool_checks.tool_findings(facts.tools_needed, facts.tools)
    return findings
