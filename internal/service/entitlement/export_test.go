package entitlement

import "time"

// SetMarkerRetention sets how old a binding's markers may be before a read is a full one, until the returned
// function restores it. The acceptance tests of this package run one at a time.
func SetMarkerRetention(d time.Duration) (restore func()) {
	was := markerRetention
	markerRetention = d
	return func() { markerRetention = was }
}
