"""The pytest layer: the only part of the package that knows pytest. `entry` is the
`pytest11` entry point (options, ini keys, turning the plugin on); `session` the acceptance
run's cluster fixtures and hooks; `stack_fixtures`, `workloads` the stack's and the probe's
fixtures; `stack_checks` the declared checks; `report` and `preflight` the report and doctor
plugins; `xdist_roles` and `xdist_shared_cluster` the pytest-xdist support."""
