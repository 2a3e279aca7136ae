resource "null_resource" "app" {
  triggers = { version = "1" }
}
