package salesforce

import (
	"context"
	"fmt"
)

// OrgFacts are the values of an org that derived settings depend on and that do not change while a
// provider process runs: its identity and its My Domain URL.
type OrgFacts struct {
	Organization
	// MyDomainURL is the instance URL Salesforce returns at sign-in: the org's My Domain.
	MyDomainURL string
}

// ACSURL is the org's SAML assertion consumer service URL: the My Domain URL with the 15-character org ID
// in the `so` parameter.
func (f OrgFacts) ACSURL() string {
	id := f.ID
	if len(id) > 15 {
		id = id[:15]
	}
	return f.MyDomainURL + "?so=" + id
}

// Facts returns the org's facts, reading them once per client: plans of many resources that derive
// values from the same org then cost one query, not one per resource. The Organization record is one of
// the name reads the client fetches together (names.go).
func (c *Client) Facts(ctx context.Context) (*OrgFacts, error) {
	c.factsMu.Lock()
	defer c.factsMu.Unlock()
	if c.facts != nil {
		return c.facts, nil
	}
	org, err := c.organization(c.nameRead(ctx, nameOrganization))
	if err != nil {
		return nil, err
	}
	instance, err := c.InstanceURL(ctx)
	if err != nil {
		return nil, fmt.Errorf("salesforce org %q: %w", c.alias, err)
	}
	c.facts = &OrgFacts{Organization: *org, MyDomainURL: instance}
	return c.facts, nil
}
