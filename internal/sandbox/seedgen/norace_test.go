//go:build !race

package seedgen

// raceEnabled: without the race detector, time budgets are enforced.
const raceEnabled = false
