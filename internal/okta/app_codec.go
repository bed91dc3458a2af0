package okta

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"reflect"
	"time"
)

// The app's JSON codec: SAMLApp to and from the raw app object. UpdateSAMLApp round-trips the raw JSON,
// not v2's SamlApplication, because v2's structs drop keys such as samlAssertionLifetimeSeconds,
// participateSlo and assertionEncryption, and PUT /api/v1/apps/{id} is a full replace.

// stringField and boolField tie a settings.signOn JSON key to its SAMLSignOn field.
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
