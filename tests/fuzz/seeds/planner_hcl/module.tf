# A root calling modules.
module "vpc" {
  source = "../modules/vpc"
  cidr   = "10.0.0.0/16"
  tags   = { Name = "main", "Team" = "net" }
}

module "registry" {
  source  = "hashicorp/consul/aws"
  version = "0.1.0"
}

resource "aws_iam_policy" "p" {
  policy = <<-EOT
    {"Statement": [{"Effect": "Allow", "Resource": "${var.arn}"}]}
  EOT
}

locals {
  names = [for s in var.list : upper(s) if s != ""]
  x     = var.enabled ? "a" : "b"
}
