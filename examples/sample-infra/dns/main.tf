resource "null_resource" "zone" {
  triggers = { name = "example.internal" }
}
