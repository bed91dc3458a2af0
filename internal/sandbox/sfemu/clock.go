package sfemu

import "time"

// SetClock makes now the org's clock (CreatedDate, SystemModstamp …), for tests of clock skew between
// Okta and Salesforce. Call it before requests are in flight: handlers read the clock unlocked.
func (o *Org) SetClock(now func() time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.now = now
}

// stampTime is the time records written now are stamped with (CreatedDate, SystemModstamp …): the clock,
// or while a seed with a created time is applied, that time. o.mu must be held.
func (o *Org) stampTime() time.Time {
	if !o.seedTime.IsZero() {
		return o.seedTime
	}
	return o.now()
}
