package sfemu

import (
	"strings"
	"sync"
)

// Directory is shared by every org of one sandbox: Salesforce usernames are unique across all orgs,
// case-insensitively, so a username taken in one org is refused in the others.
type Directory struct {
	mu    sync.Mutex
	owner map[string]string // lower-cased username → org id
}

// NewDirectory returns an empty username directory.
func NewDirectory() *Directory { return &Directory{owner: map[string]string{}} }

// claim reserves username for org; false when another org (or another user of this org) holds it.
func (d *Directory) claim(username, org string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := strings.ToLower(username)
	if _, taken := d.owner[key]; taken {
		return false
	}
	d.owner[key] = org
	return true
}

func (d *Directory) release(username, org string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := strings.ToLower(username)
	if d.owner[key] == org {
		delete(d.owner, key)
	}
}

// releaseOrg frees every username of org (before a reset or a state load re-registers them).
func (d *Directory) releaseOrg(org string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, v := range d.owner {
		if v == org {
			delete(d.owner, k)
		}
	}
}
