package conns

// Peek returns key's value when a read of it has completed without error, and false otherwise: it neither
// reads nor waits for a read in flight.
func (m *Memo[V]) Peek(key string) (V, bool) {
	m.mu.Lock()
	e, ok := m.entries[key]
	m.mu.Unlock()
	var zero V
	if !ok {
		return zero, false
	}
	select {
	case <-e.done:
		if e.err != nil {
			return zero, false
		}
		return e.val, true
	default:
		return zero, false
	}
}
