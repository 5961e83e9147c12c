# Set by the harness's opentofu provisioner (as TF_VAR_*): the cluster, and what to label.
variable "kubeconfig" {
  type        = string
  description = "Path of the kubeconfig kubectl applies the manifest with."
}

variable "kubectl" {
  type        = string
  description = "Path of kubectl; empty when the harness found none."
  validation {
    condition     = var.kubectl != ""
    error_message = "No kubectl was found: this module applies its manifest with kubectl."
  }
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
