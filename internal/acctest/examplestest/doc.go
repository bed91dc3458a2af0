// Package examplestest runs the examples users copy against an in-process sandbox, through the real terraform
// binary and a build of the provider published in a filesystem mirror (as a user's `terraform init` finds
// it): the salesforce-federation module's own `terraform test` files, and examples/environments, whose three
// orgs it checks by reading Okta and Salesforce directly, not Terraform's state.
package examplestest
