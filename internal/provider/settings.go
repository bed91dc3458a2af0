package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// The provider block is resolved in two layers. The schema's validators refuse the combinations the
// configuration alone shows (ConflictsWith, AlsoRequires). The code here adds the environment fallbacks,
// checks what needs them (a conflict between an attribute and a variable, a value the other half of a
// pair is missing from both), and validates every value with the validator its client exports, so a value
// passes here exactly when the client accepts it at Configure. settings_okta.go and settings_salesforce.go
// hold each API's part.

// settings is the provider configuration after environment fallbacks and validation.
type settings struct {
	Okta       *oktaSettings
	Salesforce map[string]salesforceSettings
	// Incomplete is true when a value was unknown at validation time (it comes from another resource).
	Incomplete bool
}

// configInput is the provider block decoded into Go values. Unknown is true when a whole object or org
// is not known yet; its checks wait until Terraform knows it.
type configInput struct {
	Okta       *oktaModel
	Salesforce map[string]salesforceOrgModel
	Unknown    bool
}

// decodeConfig turns the framework model into configInput, tolerating unknown objects.
func decodeConfig(ctx context.Context, m providerModel) (configInput, diag.Diagnostics) {
	var in configInput
	var diags diag.Diagnostics
	switch {
	case m.Okta.IsUnknown():
		in.Unknown = true
	case !m.Okta.IsNull():
		var o oktaModel
		diags.Append(m.Okta.As(ctx, &o, basetypes.ObjectAsOptions{})...)
		in.Okta = &o
	}
	switch {
	case m.Salesforce.IsUnknown():
		in.Unknown = true
	case !m.Salesforce.IsNull():
		in.Salesforce = map[string]salesforceOrgModel{}
		for alias, v := range m.Salesforce.Elements() {
			obj, ok := v.(types.Object)
			if !ok || obj.IsUnknown() {
				in.Unknown = true
				continue
			}
			var o salesforceOrgModel
			diags.Append(obj.As(ctx, &o, basetypes.ObjectAsOptions{})...)
			in.Salesforce[alias] = o
		}
	}
	return in, diags
}

// resolveSettings applies environment fallbacks and validates the whole provider configuration.
// Every problem is reported against the attribute (or variable) that holds it, with the fix.
func resolveSettings(m configInput, getenv func(string) string) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := settings{Incomplete: m.Unknown}

	okta, oktaDiags := resolveOkta(m, getenv, &s)
	diags.Append(oktaDiags...)
	s.Okta = okta

	sf, sfDiags := resolveSalesforce(m, getenv, &s)
	diags.Append(sfDiags...)
	s.Salesforce = sf
	return s, namePaths(diags)
}

// namePaths makes every attribute error's text name its attribute: terraform points provider errors at the
// provider block, not at the attribute, so the detail has to say which one it is.
func namePaths(diags diag.Diagnostics) diag.Diagnostics {
	out := make(diag.Diagnostics, 0, len(diags))
	for _, d := range diags {
		withPath, ok := d.(diag.DiagnosticWithPath)
		if !ok || d.Severity() != diag.SeverityError {
			out = append(out, d)
			continue
		}
		p := withPath.Path().String()
		if strings.Contains(d.Detail(), p) || strings.Contains(d.Detail(), "environment variable") {
			out = append(out, d)
			continue
		}
		out = append(out, diag.NewAttributeErrorDiagnostic(withPath.Path(), d.Summary(), p+": "+d.Detail()))
	}
	return out
}

// field is one configuration value with where it came from, so errors can name the attribute or variable.
type field struct {
	value   string
	known   bool // false while the value depends on something not yet applied
	set     bool
	path    path.Path
	envName string // set when the value came from an environment variable
}

func (f field) where() string {
	if f.envName != "" {
		return fmt.Sprintf("environment variable %s", f.envName)
	}
	return f.path.String()
}

// inConfig is true when the value is set in the provider block itself, where the schema's validators see it.
func (f field) inConfig() bool { return f.set && f.envName == "" }

func fromAttr(v types.String, p path.Path) field {
	if v.IsUnknown() {
		return field{path: p}
	}
	if v.IsNull() {
		return field{known: true, path: p}
	}
	return field{value: v.ValueString(), known: true, set: v.ValueString() != "", path: p}
}

// withEnv falls back to an environment variable when the attribute is null.
func (f field) withEnv(getenv func(string) string, names ...string) field {
	if f.set || !f.known {
		return f
	}
	for _, n := range names {
		if v := getenv(n); v != "" {
			return field{value: v, known: true, set: true, path: f.path, envName: n}
		}
	}
	return f
}

// conflictInConfig is true when f and one of others are both set in the provider block: the schema's
// ConflictsWith reports that pair, and saying it again here would only repeat it.
func conflictInConfig(f field, others ...field) bool {
	if !f.inConfig() {
		return false
	}
	for _, o := range others {
		if o.inConfig() {
			return true
		}
	}
	return false
}

func firstSet(fs ...field) field {
	for _, f := range fs {
		if f.set {
			return f
		}
	}
	return fs[0]
}

// readKeyText returns the PEM text of a private_key value: the value itself, or the file it names. Which
// keys are valid is each client's ParsePrivateKey's to say. The error never contains key material.
func readKeyText(v string) (string, error) {
	if strings.Contains(v, "-----BEGIN") {
		return v, nil
	}
	if strings.ContainsAny(v, "\n") || len(v) > 4096 {
		return "", errors.New("the value is neither PEM text (it has no -----BEGIN line) nor a file path; paste the key including its BEGIN/END lines, or give the path of the key file")
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return "", fmt.Errorf("the value is not PEM text, so it was read as a file path, and reading it failed: %v; paste the key including its BEGIN/END lines, or fix the path", errors.Unwrap(err))
	}
	return string(b), nil
}
