package oktaemu

import "time"

// SetClock makes now the org's clock (timestamps it writes and its Date header), for tests of clock skew
// between Okta and Salesforce. Call it before requests are in flight: handlers read the clock unlocked.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}
