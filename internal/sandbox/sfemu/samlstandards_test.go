package sfemu

import (
	"crypto/x509"
	"slices"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/saml"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp"
)

// TestACS_typedAttributesVerify posts Responses whose attribute values are typed xsi:type="xs:string", the xs
// binding signed through the c14n transform's InclusiveNamespaces PrefixList, in each of Okta's signing modes.
// The ACS (crewjam/saml) must accept them and read the values, and so must the provider's decoder (internal/saml):
// both canonicalise with the prefix list the signature names.
func TestACS_typedAttributesVerify(t *testing.T) {
	t.Parallel()
	to := startOrg(t, "qa", testSeed(), nil, nil, 0)
	trustIDP(t, to, nil)
	_, trusted := testIDP(t)
	modes := []struct {
		name                        string
		signResponse, signAssertion bool
	}{{"assertion signed", false, true}, {"response signed", true, false}, {"both signed", true, true}}
	for _, m := range modes {
		doc := signedFor(t, to, func(o *samlidp.ResponseOptions) {
			o.SignResponse, o.SignAssertion = m.signResponse, m.signAssertion
			o.Attributes = []samlidp.Attribute{
				{Name: "groups", NameFormat: samlidp.AttrNameFormatBasic, Values: []string{"Everyone", "R&D <EMEA>"}},
				{Name: "User.Title", Values: []string{"Countess"}},
			}
		})
		claims, fail := to.verify("", doc, "")
		if fail != nil {
			t.Errorf("%s: the ACS refused it: %s (%s; %v)", m.name, fail.status, fail.detail, fail.cause)
		} else {
			var groups []string
			for _, a := range claims.attributes {
				if a.name == "groups" {
					groups = a.values
				}
			}
			if !slices.Equal(groups, []string{"Everyone", "R&D <EMEA>"}) {
				t.Errorf("%s: the ACS read groups %q", m.name, groups)
			}
		}
		r, err := saml.ParseResponse(doc, []*x509.Certificate{trusted}, time.Now())
		if err != nil {
			t.Errorf("%s: the provider's decoder refused it: %v", m.name, err)
			continue
		}
		if !r.SignatureVerified || r.ResponseVerified != m.signResponse {
			t.Errorf("%s: decoder SignatureVerified %v, ResponseVerified %v", m.name, r.SignatureVerified, r.ResponseVerified)
		}
		if got := r.AttributeValues("User.Title"); !slices.Equal(got, []string{"Countess"}) {
			t.Errorf("%s: the decoder read User.Title %q", m.name, got)
		}
	}
}
