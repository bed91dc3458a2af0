//go:build !race

package seedgen

// raceSlowdown scales time budgets: 1 without the race detector.
const raceSlowdown = 1
