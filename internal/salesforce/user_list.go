package salesforce

import (
	"context"
	"fmt"
)

// queryPageRows is how many rows one page of a query's answer holds: Salesforce's default batch size, also
// its maximum (it may send smaller pages, never larger), which the sandbox uses too. The client asks for no
// other (no Sforce-Query-Options header).
const queryPageRows = 2000

// QueryPages is the number of requests a query answering rows rows takes at the default page size.
func QueryPages(rows int) int { return max(1, (rows+queryPageRows-1)/queryPageRows) }

// FederationIDQueries is the number of queries UsersByFederationID makes for ids.
func FederationIDQueries(ids []string) int {
	return len(BatchIN(ids, inBatchMaxValues, inBatchMaxChars))
}

// AllUsersByFederationID lists every user that has a Federation ID, active or not, in one query that
// Salesforce pages, keyed as UsersByFederationID keys its answer: by the exact FederationIdentifier
// Salesforce holds. A caller that looks its IDs up exactly in it finds what UsersByFederationID finds for
// them; an ID not in it has no user.
func (c *Client) AllUsersByFederationID(ctx context.Context) (map[string]FederatedUser, error) {
	var rows []struct {
		ID                   string `json:"Id"`
		Username             string `json:"Username"`
		FederationIdentifier string `json:"FederationIdentifier"`
		IsActive             bool   `json:"IsActive"`
	}
	soql := "SELECT Id, Username, FederationIdentifier, IsActive FROM User WHERE FederationIdentifier != null"
	if err := c.Query(ctx, soql, &rows); err != nil {
		return nil, fmt.Errorf("salesforce org %q federated users: %w", c.alias, err)
	}
	out := make(map[string]FederatedUser, len(rows))
	for _, r := range rows {
		if r.FederationIdentifier == "" { // no Federation ID, whichever way a store writes its null
			continue
		}
		out[r.FederationIdentifier] = FederatedUser{ID: r.ID, FederationID: r.FederationIdentifier, Username: r.Username, IsActive: r.IsActive}
	}
	return out, nil
}
