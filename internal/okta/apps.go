package okta

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
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
	// Activating an active app changes nothing, so the stack may replay it after a 5xx or a lost answer.
	resp, err := c.SDK.Application.ActivateApplication(transport.WithIdempotent(ctx), id)
	if err != nil {
		return fmt.Errorf("activate okta app %s: %w", id, ConvertError(resp, err))
	}
	return nil
}

// DeactivateApp deactivates an app (idempotent).
func (c *Client) DeactivateApp(ctx context.Context, id string) error {
	resp, err := c.SDK.Application.DeactivateApplication(transport.WithIdempotent(ctx), id)
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
	labelled := func(raw map[string]any) bool { return str(raw, "label") == label }
	return c.listApps(ctx, q, labelled, fmt.Sprintf("list okta apps labelled %q", label))
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
