//go:build race

package seedgen

// raceEnabled: the race detector slows loading many times over (and more under parallel packages), so
// time budgets are only logged.
const raceEnabled = true
