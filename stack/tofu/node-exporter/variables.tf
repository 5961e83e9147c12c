# Set by the harness's opentofu provisioner (as TF_VAR_*): the cluster, and what to label.
variable "kubeconfig" {
  type        = string
  description = "Path of the kubeconfig the kubernetes provider connects with."
}

variable "namespace" {
  type = string
}

variable "component" {
  type = string
}

variable "run_id" {
  type = string
}

variable "image" {
  type        = string
  description = "Built locally from stack/images/node-exporter (Debian's prometheus-node-exporter)."
  default     = "homelab-acceptance/node-exporter:1.5.0-deb12"
}
