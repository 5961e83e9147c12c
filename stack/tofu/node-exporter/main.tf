# node-exporter as a DaemonSet and its Service, managed by the hashicorp/kubernetes provider
# (built from its Go module and served from the mirror `homelab-acceptance tools install` lays
# out: no registry is reachable here). The provider reads the live objects on every plan, so a
# change by hand to either is drift that `tofu plan` reports and `tofu apply` repairs.
#
# v1.13.4 is the newest release the Go module proxy serves: resource names without `_v1`.
terraform {
  required_version = ">= 1.6"
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "1.13.4"
    }
  }
}

provider "kubernetes" {
  config_path      = var.kubeconfig
  load_config_file = true
}

locals {
  labels = {
    app                             = "node-exporter"
    "homelab-acceptance/component" = var.component
    "homelab-acceptance"           = var.run_id
  }
}

# The node's own filesystems, /proc and /sys, mounted read-only under /host: node-exporter
# reports the node, not its container. No mount propagation: on a node that is itself a Docker
# container, / is a private mount and the kubelet refuses HostToContainer for it.
resource "kubernetes_daemonset" "node_exporter" {
  metadata {
    name      = "node-exporter"
    namespace = var.namespace
    labels    = local.labels
  }
  spec {
    selector {
      match_labels = { app = "node-exporter" }
    }
    template {
      metadata {
        labels = local.labels
      }
      spec {
        # The node's network interfaces, as a node exporter is meant to see them.
        host_network                     = true
        termination_grace_period_seconds = 5
        container {
          name              = "node-exporter"
          image             = var.image
          image_pull_policy = "IfNotPresent"
          args = [
            "--path.rootfs=/host",
            "--path.procfs=/host/proc",
            "--path.sysfs=/host/sys",
            "--web.listen-address=:9100",
          ]
          port {
            name           = "metrics"
            container_port = 9100
          }
          readiness_probe {
            http_get {
              path = "/metrics"
              port = "metrics"
            }
            period_seconds = 5
          }
          volume_mount {
            name       = "root"
            mount_path = "/host"
            read_only  = true
          }
          volume_mount {
            name       = "proc"
            mount_path = "/host/proc"
            read_only  = true
          }
          volume_mount {
            name       = "sys"
            mount_path = "/host/sys"
            read_only  = true
          }
        }
        volume {
          name = "root"
          host_path {
            path = "/"
          }
        }
        volume {
          name = "proc"
          host_path {
            path = "/proc"
          }
        }
        volume {
          name = "sys"
          host_path {
            path = "/sys"
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "node_exporter" {
  metadata {
    name      = "node-exporter"
    namespace = var.namespace
    labels    = local.labels
    annotations = {
      "prometheus.io/scrape" = "true"
      "prometheus.io/port"   = "9100"
    }
  }
  spec {
    selector = { app = "node-exporter" }
    port {
      name        = "metrics"
      port        = 9100
      target_port = "metrics"
    }
  }
}
