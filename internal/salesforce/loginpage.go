package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// The My Domain login page is the org's AuthConfig of Type "Org"; each button on it is an
// AuthConfigProviders row whose polymorphic AuthProviderId names an AuthProvider or a SamlSsoConfig.
const loginPageType = "Org"

// LoginPageProviders returns the ids of the AuthConfigProviders rows that show the SAML configuration
// samlSsoConfigID on the org's My Domain login page: none when it is hidden. One Tooling query.
func (c *Client) LoginPageProviders(ctx context.Context, samlSSOConfigID string) (rowIDs []string, err error) {
	var rows []struct {
		ID string `json:"Id"`
	}
	q := "SELECT Id FROM AuthConfigProviders WHERE AuthProviderId = " + Quote(samlSSOConfigID) +
		" AND AuthConfig.Type = " + Quote(loginPageType)
	if err := c.ToolingQuery(ctx, q, &rows); err != nil {
		return nil, err
	}
	rowIDs = make([]string, len(rows))
	for i, r := range rows {
		rowIDs[i] = r.ID
	}
	return rowIDs, nil
}

// ShowOnLoginPage adds the SAML configuration's button to the My Domain login page. It is idempotent:
// a configuration already shown gets no second row.
func (c *Client) ShowOnLoginPage(ctx context.Context, samlSSOConfigID string) error {
	rows, err := c.LoginPageProviders(ctx, samlSSOConfigID)
	if err != nil || len(rows) > 0 {
		return err
	}
	pageID, err := c.loginPageID(ctx)
	if err != nil {
		return err
	}
	// After a lost answer, the button is looked for before it is added again: a second row would show it twice.
	err = c.lookBeforeRetry(ctx, func() error {
		_, err := c.toolingCreate(ctx, "AuthConfigProviders", map[string]any{"AuthConfigId": pageID, "AuthProviderId": samlSSOConfigID})
		return err
	}, func() (bool, error) {
		rows, err := c.LoginPageProviders(ctx, samlSSOConfigID)
		return len(rows) > 0, err
	})
	if errors.Is(err, ErrDuplicate) { // another apply added it between our query and our insert
		return nil
	}
	return err
}

// HideFromLoginPage removes every button of the SAML configuration from the My Domain login page; a
// configuration already hidden is left as it is.
func (c *Client) HideFromLoginPage(ctx context.Context, samlSSOConfigID string) error {
	rows, err := c.LoginPageProviders(ctx, samlSSOConfigID)
	if err != nil {
		return err
	}
	for _, id := range rows {
		if err := c.toolingDelete(ctx, "AuthConfigProviders", id); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// loginPageID finds the org's My Domain login page, preferring the active one.
func (c *Client) loginPageID(ctx context.Context) (string, error) {
	var rows []struct {
		ID string `json:"Id"`
	}
	q := "SELECT Id FROM AuthConfig WHERE Type = " + Quote(loginPageType) + " ORDER BY IsActive DESC"
	if err := c.ToolingQuery(ctx, q, &rows); err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("salesforce org %q has no My Domain login page (AuthConfig of type Org): %w", c.alias, ErrNotFound)
	}
	return rows[0].ID, nil
}

// toolingCreate POSTs one record to /tooling/sobjects/{type} and returns its id.
func (c *Client) toolingCreate(ctx context.Context, sobject string, fields map[string]any) (string, error) {
	body, err := json.Marshal(fields)
	if err != nil {
		return "", err
	}
	sf, rt, err := c.library(ctx)
	if err != nil {
		return "", err
	}
	resp, err := sf.DoRequest(http.MethodPost, "/tooling/sobjects/"+url.PathEscape(sobject), body)
	if err != nil {
		return "", rt.errorOf(err)
	}
	defer resp.Body.Close()
	var created struct {
		ID      string      `json:"id"`
		Success bool        `json:"success"`
		Errors  []restError `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil {
		return "", fmt.Errorf("salesforce org %q: decoding the created %s: %w", c.alias, sobject, err)
	}
	if !created.Success || created.ID == "" {
		apiErr := &APIError{StatusCode: resp.StatusCode, Message: "create reported no success"}
		if len(created.Errors) > 0 {
			apiErr = created.Errors[0].apiError(resp.StatusCode)
		}
		return "", fmt.Errorf("salesforce org %q: %w", c.alias, apiErr)
	}
	return created.ID, nil
}

// toolingDelete DELETEs /tooling/sobjects/{type}/{id}; Salesforce answers 204.
func (c *Client) toolingDelete(ctx context.Context, sobject, id string) error {
	sf, rt, err := c.library(ctx)
	if err != nil {
		return err
	}
	resp, err := sf.DoRequest(http.MethodDelete, "/tooling/sobjects/"+url.PathEscape(sobject)+"/"+url.PathEscape(id), nil)
	if err != nil {
		return rt.errorOf(err)
	}
	return resp.Body.Close()
}
