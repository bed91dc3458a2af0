package conns

// Update changes key's value in place when it is held: update gets the value and returns the new one, or
// false when it cannot say what the value is now (then key is forgotten and the next Get reads it again).
// A read of key still in flight is forgotten too, since it may or may not see the write that calls Update;
// its waiters get what it read. A key not held stays unread: the next Get reads the write's result.
func (m *Memo[V]) Update(key string, update func(V) (V, bool)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return
	}
	select {
	case <-e.done:
	default:
		delete(m.entries, key)
		return
	}
	if e.err != nil {
		delete(m.entries, key)
		return
	}
	val, known := update(e.val)
	if !known {
		delete(m.entries, key)
		return
	}
	// A new entry, so that waiters already handed the old value keep what they were given.
	done := make(chan struct{})
	close(done)
	m.entries[key] = &memoEntry[V]{done: done, val: val, cancel: func() {}}
}
