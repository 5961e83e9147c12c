"""The built-in acceptance suites, shipped in the package as `homelab_acceptance.suites` (a
package-dir mapping of this folder). The plugin collects them in a project whose pytest ini
names its stack (`homelab_stack`); every target comes from the stack spec."""
