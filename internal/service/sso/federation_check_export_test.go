package sso

// What the external tests of oktasf_federation_check call: the check itself, run against a sandbox's clients
// without Terraform (package sso_test may import acctest; package sso may not, acctest imports the provider).

type FederationCheckInput = federationCheckInput

var CheckFederation = checkFederation
