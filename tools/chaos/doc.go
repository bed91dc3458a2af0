// Package chaos is the convergence suite behind `make chaos` (and, with fewer trials, `make test`): trials
// of examples/demo and of a generated 1,000-user estate are applied against an in-process sandbox while
// faults are injected, responses are lost, terraform is killed and the sandbox crashes; after the faults
// stop, at most three clean applies must converge to an empty plan, and the sandbox itself (not Terraform's
// state) must hold exactly what the configuration asks for: no duplicates, no orphans, nothing missing.
package chaos
