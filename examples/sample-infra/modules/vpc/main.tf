variable "cidr" {
  type = string
}

resource "null_resource" "vpc" {
  triggers = { cidr = var.cidr }
}
