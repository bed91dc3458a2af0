package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// SCIM schema URNs of Salesforce's /services/scim/v2/Users.
const (
	scimUserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimEnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	scimPatchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimMediaType        = "application/scim+json"
)

// scimError is a SCIM error body (RFC 7644 §3.12).
type scimError struct {
	Detail   string `json:"detail"`
	Status   any    `json:"status"`
	SCIMType string `json:"scimType"`
}

// scimWritable are the User fields SCIMUser carries; SCIM has no attribute for the others (Alias and
// EmailEncodingKey among them: Salesforce derives them on create).
var scimWritable = map[string]bool{"Username": true, "FederationIdentifier": true, "IsActive": true, "FirstName": true, "LastName": true,
	"Email": true, "CommunityNickname": true, "Title": true, "TimeZoneSidKey": true, "LocaleSidKey": true, "LanguageLocaleKey": true,
	"Department": true, "ProfileId": true, "UserRoleId": true}

// SCIMWritable reports whether SCIM can write the User field.
func SCIMWritable(field string) bool { return scimWritable[field] }

// SCIMUser converts User fields (as for sObject Collections) into a SCIM User resource.
func SCIMUser(fields map[string]any) map[string]any {
	str := func(k string) (string, bool) { s, ok := fields[k].(string); return s, ok }
	u := map[string]any{"schemas": []string{scimUserSchema, scimEnterpriseSchema}}
	name := map[string]any{}
	enterprise := map[string]any{}
	for k, v := range fields {
		switch k {
		case "Username":
			u["userName"] = v
		case "FederationIdentifier":
			u["externalId"] = v
		case "IsActive":
			u["active"] = v
		case "FirstName":
			name["givenName"] = v
		case "LastName":
			name["familyName"] = v
		case "CommunityNickname":
			u["nickName"] = v
		case "Title":
			u["title"] = v
		case "TimeZoneSidKey":
			u["timezone"] = v
		case "LocaleSidKey":
			u["locale"] = v
		case "LanguageLocaleKey":
			u["preferredLanguage"] = v
		case "Department":
			enterprise["department"] = v
		}
	}
	if email, ok := str("Email"); ok {
		u["emails"] = []map[string]any{{"value": email, "type": "work", "primary": true}}
	}
	if id, ok := str("ProfileId"); ok && id != "" {
		u["entitlements"] = []map[string]any{{"value": id, "primary": true}}
	}
	if id, ok := str("UserRoleId"); ok && id != "" {
		u["roles"] = []map[string]any{{"value": id, "primary": true}}
	}
	if len(name) > 0 {
		u["name"] = name
	}
	if len(enterprise) > 0 {
		u[scimEnterpriseSchema] = enterprise
	}
	return u
}

// SCIMCreateUsers creates each user with POST /services/scim/v2/Users (SCIM has no bulk in Salesforce);
// results are in input order and one user's failure does not stop the others. After a 5xx or a connection
// lost mid-request the user is looked up (as CreateUsers does) before it is posted again.
func (c *Client) SCIMCreateUsers(ctx context.Context, records []map[string]any) ([]RecordResult, error) {
	out := make([]RecordResult, 0, len(records))
	for _, rec := range records {
		var id string
		err := c.lookBeforeRetry(ctx, func() error {
			var created struct {
				ID string `json:"id"`
			}
			err := c.scim(ctx, http.MethodPost, "/services/scim/v2/Users", SCIMUser(rec), &created)
			id = created.ID
			return err
		}, func() (bool, error) {
			ids, err := c.findCreatedUsers(ctx, []map[string]any{rec})
			if err != nil {
				return false, err
			}
			id = ids[0]
			return id != "", nil
		})
		if res, fatal := recordResult(id, err); fatal != nil {
			return out, fatal
		} else {
			out = append(out, res)
		}
	}
	return out, nil
}

// SCIMUpdateUsers patches each user (records carry "Id") with one SCIM PatchOp replace per user.
func (c *Client) SCIMUpdateUsers(ctx context.Context, records []map[string]any) ([]RecordResult, error) {
	out := make([]RecordResult, 0, len(records))
	for _, rec := range records {
		id, _ := rec["Id"].(string)
		fields := map[string]any{}
		for k, v := range rec {
			if k != "Id" {
				fields[k] = v
			}
		}
		value := SCIMUser(fields)
		delete(value, "schemas")
		body := map[string]any{"schemas": []string{scimPatchSchema}, "Operations": []map[string]any{{"op": "replace", "value": value}}}
		err := c.scim(ctx, http.MethodPatch, "/services/scim/v2/Users/"+url.PathEscape(id), body, nil)
		if res, fatal := recordResult(id, err); fatal != nil {
			return out, fatal
		} else {
			out = append(out, res)
		}
	}
	return out, nil
}

// recordResult turns a per-user SCIM answer into a result; only transport and session failures are fatal.
func recordResult(id string, err error) (RecordResult, error) {
	if err == nil {
		return RecordResult{ID: id, Success: true}, nil
	}
	if apiErr := (*APIError)(nil); errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 && apiErr.StatusCode != http.StatusUnauthorized {
		return RecordResult{ID: id, Errors: []*APIError{apiErr}}, nil
	}
	return RecordResult{}, err
}

// scim sends one SCIM request with the session token, re-authenticating once on 401.
func (c *Client) scim(ctx context.Context, method, uri string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	s, err := c.session(ctx)
	if err != nil {
		return err
	}
	status, answer, err := c.sendSCIM(ctx, s, method, uri, raw)
	if err == nil && status == http.StatusUnauthorized {
		if s, err = c.refresh(ctx, s); err != nil {
			return err
		}
		status, answer, err = c.sendSCIM(ctx, s, method, uri, raw)
	}
	if err != nil {
		// The *url.Error names the method and URL.
		return fmt.Errorf("salesforce org %q: SCIM: %w", c.alias, transport.CleanError(err))
	}
	if status >= 300 {
		return parseSCIMError(status, answer)
	}
	if out != nil && len(answer) > 0 {
		return json.Unmarshal(answer, out)
	}
	return nil
}

func (c *Client) sendSCIM(ctx context.Context, s *session, method, uri string, body []byte) (int, []byte, error) {
	if method == http.MethodPatch {
		ctx = transport.WithIdempotent(ctx) // a replace PATCH can be repeated safely
	}
	req, err := http.NewRequestWithContext(ctx, method, s.instanceURL+uri, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.accessToken)
	req.Header.Set("Content-Type", scimMediaType)
	req.Header.Set("Accept", scimMediaType+", application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, nil, answerError(req, err)
	}
	return resp.StatusCode, answer, nil
}

// parseSCIMError reads a SCIM error body, falling back to the REST error format.
func parseSCIMError(status int, body []byte) *APIError {
	var e scimError
	if json.Unmarshal(body, &e) == nil && e.Detail != "" {
		code := strings.ToUpper(e.SCIMType)
		if code == "" {
			code = http.StatusText(status)
		}
		return &APIError{StatusCode: status, Code: code, Message: e.Detail}
	}
	return ParseError(status, body)
}
