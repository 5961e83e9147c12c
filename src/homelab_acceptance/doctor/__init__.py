"""`homelab-acceptance doctor`: a preflight that finds what trips a run up before it starts
(engine, cgroups, --privileged, /dev/kmsg, disk, inotify, ports, image tags, tools) and prints
one line per finding with its fix. Checks are pure functions over gathered facts."""

from homelab_acceptance.doctor.diagnosis import diagnose
from homelab_acceptance.doctor.facts import Facts, gather_facts
from homelab_acceptance.doctor.findings import Finding, Level, any_failed

__all__ = ["Facts", "Finding", "Level", "any_failed", "diagnose", "gather_facts"]
