package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"reflect"
	"time"
)

// appPageSize is the largest page GET /api/v1/apps allows.
const appPageSize = 200

// SalesforceOINName is the name of Salesforce's app in the Okta Integration Network catalogue.
const SalesforceOINName = "salesforce"

// SAMLApp is the part of an Okta SAML 2.0 app (custom or OIN) the provider owns. Everything else on the
// app object is left as Okta has it: see UpdateSAMLApp.
type SAMLApp struct {
	ID, Name, Label, Status, SignOnMode string // Name: generated for custom apps, "salesforce" for the OIN app
	LastUpdated                         time.Time
	SignOn                              SAMLSignOn
	UserNameTemplate                    string         // credentials.userNameTemplate.template
	UserNameTemplateType                string         // credentials.userNameTemplate.type: NONE, BUILT_IN or CUSTOM
	SigningKID                          string         // credentials.signing.kid
	AppSettings                         map[string]any // settings.app (OIN apps: instanceType, integrationType, loginUrl, logoutUrl …)
	AccessPolicyID                      string         // path.Base of _links.accessPolicy.href; read-only
}

// SAMLSignOn is settings.signOn.
type SAMLSignOn struct {
	SSOACSURL, Recipient, Destination, Audience, IDPIssuer, DefaultRelayState                                                string
	SubjectNameIDTemplate, SubjectNameIDFormat, SignatureAlgorithm, DigestAlgorithm, AuthnContextClassRef                    string
	ResponseSigned, AssertionSigned, HonorForceAuthn, RequestCompressed, SAMLSignedRequestEnabled, AllowMultipleACSEndpoints bool
	SSOACSURLOverride, RecipientOverride, DestinationOverride, AudienceOverride                                              string
	AttributeStatements                                                                                                      []AttributeStatement
}

// AttributeStatement is one of settings.signOn.attributeStatements: EXPRESSION (Values) or GROUP (Filter*).
type AttributeStatement struct {
	Type, Name, Namespace   string
	Values                  []string
	FilterType, FilterValue string
}

type stringField struct {
	key string
	ptr *string
}

type boolField struct {
	key string
	ptr *bool
}

// signOnStrings and signOnBools map settings.signOn JSON keys to fields, so decode, create and update share one list.
func signOnStrings(s *SAMLSignOn) []stringField {
	return []stringField{
		{"ssoAcsUrl", &s.SSOACSURL}, {"recipient", &s.Recipient}, {"destination", &s.Destination},
		{"audience", &s.Audience}, {"idpIssuer", &s.IDPIssuer}, {"defaultRelayState", &s.DefaultRelayState},
		{"subjectNameIdTemplate", &s.SubjectNameIDTemplate}, {"subjectNameIdFormat", &s.SubjectNameIDFormat},
		{"signatureAlgorithm", &s.SignatureAlgorithm}, {"digestAlgorithm", &s.DigestAlgorithm},
		{"authnContextClassRef", &s.AuthnContextClassRef},
		{"ssoAcsUrlOverride", &s.SSOACSURLOverride}, {"recipientOverride", &s.RecipientOverride},
		{"destinationOverride", &s.DestinationOverride}, {"audienceOverride", &s.AudienceOverride},
	}
}

func signOnBools(s *SAMLSignOn) []boolField {
	return []boolField{
		{"responseSigned", &s.ResponseSigned}, {"assertionSigned", &s.AssertionSigned},
		{"honorForceAuthn", &s.HonorForceAuthn}, {"requestCompressed", &s.RequestCompressed},
		{"samlSignedRequestEnabled", &s.SAMLSignedRequestEnabled}, {"allowMultipleAcsEndpoints", &s.AllowMultipleACSEndpoints},
	}
}

// oinSignOnKeys are the settings.signOn keys an OIN SAML app accepts (okta-api.md §2.3).
var oinSignOnKeys = map[string]bool{"defaultRelayState": true, "ssoAcsUrlOverride": true, "recipientOverride": true,
	"destinationOverride": true, "audienceOverride": true, "attributeStatements": true}

// CreateSAMLApp creates the app (POST /api/v1/apps?activate=). A Name makes it the OIN app of that name,
// which takes only the OIN sign-on keys; without one Okta generates the name of a custom app.
func (c *Client) CreateSAMLApp(ctx context.Context, app *SAMLApp, activate bool) (*SAMLApp, error) {
	if app.Label == "" {
		return nil, fmt.Errorf("%w: a SAML app needs a label", ErrValidation)
	}
	body := createBody(app)
	var out map[string]any
	if _, err := c.Raw(ctx, "POST", "/api/v1/apps?activate="+fmt.Sprint(activate), body, &out); err != nil {
		return nil, fmt.Errorf("create okta SAML app %q: %w", app.Label, err)
	}
	return decodeSAMLApp(out)
}

// GetSAMLApp reads one app; ErrNotFound when it is gone.
func (c *Client) GetSAMLApp(ctx context.Context, id string) (*SAMLApp, error) {
	raw, err := c.getRawApp(ctx, id)
	if err != nil {
		return nil, err
	}
	return decodeSAMLApp(raw)
}

// UpdateSAMLApp is a read-modify-write of the raw app JSON: it GETs the app, lets change edit the fields
// SAMLApp models, writes back only those that changed and PUTs the whole object. The typed v2
// SamlApplication is not used because its structs drop samlAssertionLifetimeSeconds, participateSlo,
// assertionEncryption and other keys on a round trip, and PUT is a full replace (okta-api.md §0 item 7).
// No PUT is sent when change leaves every field as it was.
func (c *Client) UpdateSAMLApp(ctx context.Context, id string, change func(*SAMLApp) error) (*SAMLApp, error) {
	raw, err := c.getRawApp(ctx, id)
	if err != nil {
		return nil, err
	}
	before, err := decodeSAMLApp(raw)
	if err != nil {
		return nil, err
	}
	after, err := decodeSAMLApp(raw) // a second decode, so change cannot touch before's maps and slices
	if err != nil {
		return nil, err
	}
	if err := change(after); err != nil {
		return nil, err
	}
	changed, err := applySAMLApp(raw, before, after)
	if err != nil {
		return nil, fmt.Errorf("update okta app %s: %w", id, err)
	}
	if !changed {
		return before, nil
	}
	// HAL links and embedded objects are read-only views; Okta ignores them in a PUT.
	delete(raw, "_links")
	delete(raw, "_embedded")
	var out map[string]any
	if _, err := c.Raw(ctx, "PUT", "/api/v1/apps/"+url.PathEscape(id), raw, &out); err != nil {
		return nil, fmt.Errorf("update okta app %s: %w", id, err)
	}
	return decodeSAMLApp(out)
}

// ActivateApp activates an app (idempotent).
func (c *Client) ActivateApp(ctx context.Context, id string) error {
	resp, err := c.SDK.Application.ActivateApplication(ctx, id)
	if err != nil {
		return fmt.Errorf("activate okta app %s: %w", id, ConvertError(resp, err))
	}
	return nil
}

// DeactivateApp deactivates an app (idempotent).
func (c *Client) DeactivateApp(ctx context.Context, id string) error {
	resp, err := c.SDK.Application.DeactivateApplication(ctx, id)
	if err != nil {
		return fmt.Errorf("deactivate okta app %s: %w", id, ConvertError(resp, err))
	}
	return nil
}

// DeleteApp deletes an app, deactivating it first when it is not INACTIVE (Okta refuses to delete an
// active app). ErrNotFound when it is already gone.
func (c *Client) DeleteApp(ctx context.Context, id string) error {
	raw, err := c.getRawApp(ctx, id)
	if err != nil {
		return err
	}
	if status, _ := raw["status"].(string); status != "INACTIVE" {
		if err := c.DeactivateApp(ctx, id); err != nil {
			return err
		}
	}
	resp, err := c.SDK.Application.DeleteApplication(ctx, id)
	if err != nil {
		return fmt.Errorf("delete okta app %s: %w", id, ConvertError(resp, err))
	}
	return nil
}

// FindAppsByLabel returns every app whose label is exactly label. The q parameter is a prefix search over
// name and label, so all pages are read and filtered; none found is an empty slice, not an error.
func (c *Client) FindAppsByLabel(ctx context.Context, label string) ([]*SAMLApp, error) {
	q := url.Values{"q": {label}, "limit": {fmt.Sprint(appPageSize)}}
	var page []map[string]any
	resp, err := c.Raw(ctx, "GET", "/api/v1/apps?"+q.Encode(), nil, &page)
	if err != nil {
		return nil, fmt.Errorf("list okta apps labelled %q: %w", label, err)
	}
	var out []*SAMLApp
	for {
		for _, raw := range page {
			if l, _ := raw["label"].(string); l != label {
				continue
			}
			app, err := decodeSAMLApp(raw)
			if err != nil {
				return nil, err
			}
			out = append(out, app)
		}
		if resp == nil || !resp.HasNextPage() {
			return out, nil
		}
		page = nil
		if resp, err = resp.Next(ctx, &page); err != nil {
			return nil, fmt.Errorf("list okta apps labelled %q: %w", label, ConvertError(resp, err))
		}
	}
}

func (c *Client) getRawApp(ctx context.Context, id string) (map[string]any, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: the app ID is empty", ErrValidation)
	}
	var raw map[string]any
	if _, err := c.Raw(ctx, "GET", "/api/v1/apps/"+url.PathEscape(id), nil, &raw); err != nil {
		return nil, fmt.Errorf("read okta app %s: %w", id, err)
	}
	if raw == nil {
		return nil, fmt.Errorf("read okta app %s: the response has no body", id)
	}
	return raw, nil
}

func createBody(app *SAMLApp) map[string]any {
	mode := app.SignOnMode
	if mode == "" {
		mode = "SAML_2_0"
	}
	oin := app.Name != ""
	signOn := map[string]any{}
	s := app.SignOn
	for _, f := range signOnStrings(&s) {
		if *f.ptr != "" && (!oin || oinSignOnKeys[f.key]) {
			signOn[f.key] = *f.ptr
		}
	}
	if !oin {
		for _, f := range signOnBools(&s) {
			signOn[f.key] = *f.ptr
		}
	}
	signOn["attributeStatements"] = encodeStatements(app.SignOn.AttributeStatements)
	settingsApp := map[string]any{}
	if app.AppSettings != nil {
		settingsApp = deepCopyJSON(app.AppSettings).(map[string]any)
	}
	body := map[string]any{
		"label":      app.Label,
		"signOnMode": mode,
		"settings":   map[string]any{"app": settingsApp, "signOn": signOn},
	}
	if oin {
		body["name"] = app.Name
	}
	if app.UserNameTemplate != "" || app.UserNameTemplateType != "" {
		tmpl := map[string]any{}
		if app.UserNameTemplate != "" {
			tmpl["template"] = app.UserNameTemplate
		}
		if app.UserNameTemplateType != "" {
			tmpl["type"] = app.UserNameTemplateType
		}
		body["credentials"] = map[string]any{"userNameTemplate": tmpl}
	}
	return body
}

func decodeSAMLApp(raw map[string]any) (*SAMLApp, error) {
	app := &SAMLApp{
		ID: str(raw, "id"), Name: str(raw, "name"), Label: str(raw, "label"),
		Status: str(raw, "status"), SignOnMode: str(raw, "signOnMode"),
	}
	if app.ID == "" {
		return nil, errors.New("okta returned an app without an id")
	}
	if lu := str(raw, "lastUpdated"); lu != "" {
		t, err := time.Parse(time.RFC3339, lu)
		if err != nil {
			return nil, fmt.Errorf("okta app %s: lastUpdated %q: %w", app.ID, lu, err)
		}
		app.LastUpdated = t
	}
	creds := child(raw, "credentials")
	app.UserNameTemplate = str(child(creds, "userNameTemplate"), "template")
	app.UserNameTemplateType = str(child(creds, "userNameTemplate"), "type")
	app.SigningKID = str(child(creds, "signing"), "kid")
	settings := child(raw, "settings")
	app.AppSettings = map[string]any{}
	if m, ok := settings["app"].(map[string]any); ok {
		app.AppSettings = deepCopyJSON(m).(map[string]any)
	}
	signOn := child(settings, "signOn")
	for _, f := range signOnStrings(&app.SignOn) {
		*f.ptr = str(signOn, f.key)
	}
	for _, f := range signOnBools(&app.SignOn) {
		*f.ptr, _ = signOn[f.key].(bool)
	}
	list, _ := signOn["attributeStatements"].([]any)
	for _, item := range list {
		m, _ := item.(map[string]any)
		st := AttributeStatement{Type: str(m, "type"), Name: str(m, "name"), Namespace: str(m, "namespace"),
			FilterType: str(m, "filterType"), FilterValue: str(m, "filterValue")}
		values, _ := m["values"].([]any)
		for _, v := range values {
			if s, ok := v.(string); ok {
				st.Values = append(st.Values, s)
			}
		}
		app.SignOn.AttributeStatements = append(app.SignOn.AttributeStatements, st)
	}
	if href := str(child(child(raw, "_links"), "accessPolicy"), "href"); href != "" {
		app.AccessPolicyID = path.Base(href)
	}
	return app, nil
}

// applySAMLApp writes into raw each owned field that differs between before and after, and refuses
// changes to fields Okta sets itself. It reports whether anything changed.
func applySAMLApp(raw map[string]any, before, after *SAMLApp) (bool, error) {
	readOnly := []struct {
		name       string
		was, isNow any
	}{
		{"ID", before.ID, after.ID}, {"Name", before.Name, after.Name}, {"LastUpdated", before.LastUpdated, after.LastUpdated},
		{"AccessPolicyID", before.AccessPolicyID, after.AccessPolicyID},
		{"Status", before.Status, after.Status},
	}
	for _, f := range readOnly {
		if !reflect.DeepEqual(f.was, f.isNow) {
			hint := ""
			if f.name == "Status" {
				hint = " (use ActivateApp or DeactivateApp)"
			}
			return false, fmt.Errorf("%w: %s is read-only in an app update%s", ErrValidation, f.name, hint)
		}
	}
	changed := false
	set := func(m map[string]any, key string, v any) {
		m[key] = v
		changed = true
	}
	if after.Label != before.Label {
		set(raw, "label", after.Label)
	}
	if after.SignOnMode != before.SignOnMode {
		set(raw, "signOnMode", after.SignOnMode)
	}
	if after.UserNameTemplate != before.UserNameTemplate {
		set(ensure(raw, "credentials", "userNameTemplate"), "template", after.UserNameTemplate)
	}
	if after.UserNameTemplateType != before.UserNameTemplateType {
		set(ensure(raw, "credentials", "userNameTemplate"), "type", after.UserNameTemplateType)
	}
	if after.SigningKID != before.SigningKID {
		set(ensure(raw, "credentials", "signing"), "kid", after.SigningKID)
	}
	if appSettings := deepCopyJSON(normaliseMap(after.AppSettings)); !reflect.DeepEqual(appSettings, deepCopyJSON(normaliseMap(before.AppSettings))) {
		set(ensure(raw, "settings"), "app", appSettings)
	}
	bs, as := signOnStrings(&before.SignOn), signOnStrings(&after.SignOn)
	for i := range as {
		if *as[i].ptr != *bs[i].ptr {
			set(ensure(raw, "settings", "signOn"), as[i].key, *as[i].ptr)
		}
	}
	bb, ab := signOnBools(&before.SignOn), signOnBools(&after.SignOn)
	for i := range ab {
		if *ab[i].ptr != *bb[i].ptr {
			set(ensure(raw, "settings", "signOn"), ab[i].key, *ab[i].ptr)
		}
	}
	if !reflect.DeepEqual(encodeStatements(after.SignOn.AttributeStatements), encodeStatements(before.SignOn.AttributeStatements)) {
		set(ensure(raw, "settings", "signOn"), "attributeStatements", encodeStatements(after.SignOn.AttributeStatements))
	}
	return changed, nil
}

// encodeStatements renders statements as Okta expects: values for EXPRESSION, filterType/filterValue for GROUP.
func encodeStatements(sts []AttributeStatement) []any {
	out := make([]any, 0, len(sts))
	for _, st := range sts {
		m := map[string]any{"type": st.Type, "name": st.Name}
		if m["type"] == "" {
			m["type"] = "EXPRESSION"
		}
		if st.Namespace != "" {
			m["namespace"] = st.Namespace
		}
		if len(st.Values) > 0 || m["type"] == "EXPRESSION" {
			values := make([]any, len(st.Values))
			for i, v := range st.Values {
				values[i] = v
			}
			m["values"] = values
		}
		if st.FilterType != "" {
			m["filterType"] = st.FilterType
		}
		if st.FilterValue != "" {
			m["filterValue"] = st.FilterValue
		}
		out = append(out, m)
	}
	return out
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// child returns m[key] as an object, or nil (reads of nil maps are safe).
func child(m map[string]any, key string) map[string]any {
	c, _ := m[key].(map[string]any)
	return c
}

// ensure returns the object at keys under m, creating (or replacing a null with) empty objects on the way.
func ensure(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		c, ok := m[k].(map[string]any)
		if !ok {
			c = map[string]any{}
			m[k] = c
		}
		m = c
	}
	return m
}

// normaliseMap makes a nil map and an empty one compare equal.
func normaliseMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// deepCopyJSON copies a decoded JSON value through a marshal round trip; it also turns values a caller
// may have set with Go types (int, []string) into what the SDK decoder produces, so comparisons hold.
func deepCopyJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}
