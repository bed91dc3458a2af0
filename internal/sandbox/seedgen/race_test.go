//go:build race

package seedgen

// raceSlowdown scales time budgets: the race detector slows this code several times over.
const raceSlowdown = 4
