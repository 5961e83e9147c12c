# node-exporter as a DaemonSet and its Service, applied with kubectl by a terraform_data's
# provisioners. Why not the hashicorp/kubernetes provider, the natural choice on a machine with
# a provider registry: none is reachable here, so only the built-in provider (terraform_data)
# can run. The price: drift is found in this module's inputs (the manifest), not in the live
# objects, and a changed manifest replaces the resource (delete, then apply again).
terraform {
  required_version = ">= 1.4" # terraform_data; OpenTofu 1.6+ has it too
}

locals {
  manifest = templatefile("${path.module}/node-exporter.yaml.tftpl", {
    namespace = var.namespace
    component = var.component
    run_id    = var.run_id
    image     = var.image
  })
}

resource "terraform_data" "node_exporter" {
  # A destroy-time provisioner may only read self: all it needs travels in input.
  input = {
    manifest   = local.manifest
    kubeconfig = var.kubeconfig
    kubectl    = var.kubectl
  }
  triggers_replace = sha256(local.manifest)

  provisioner "local-exec" {
    command = "printf '%s\\n' \"$MANIFEST\" | \"$KUBECTL\" --kubeconfig \"$KUBECONFIG_FILE\" apply --server-side --force-conflicts --field-manager homelab-acceptance-opentofu -f -"
    environment = {
      MANIFEST        = self.input.manifest
      KUBECTL         = self.input.kubectl
      KUBECONFIG_FILE = self.input.kubeconfig
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = "printf '%s\\n' \"$MANIFEST\" | \"$KUBECTL\" --kubeconfig \"$KUBECONFIG_FILE\" delete --ignore-not-found --wait --timeout=120s -f -"
    environment = {
      MANIFEST        = self.input.manifest
      KUBECTL         = self.input.kubectl
      KUBECONFIG_FILE = self.input.kubeconfig
    }
  }
}
