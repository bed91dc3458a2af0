terraform {
  required_version = ">= 1.6"

  required_providers {
    oktasf = {
      source = "oktasf/oktasf"
    }
  }
}
