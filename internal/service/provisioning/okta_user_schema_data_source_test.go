package provisioning_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/oktasf/terraform-provider-oktasf/internal/acctest"
)

// The data source lists base and custom attributes with their types and limits.
func TestAccOktaUserSchemaDataSource_basic(t *testing.T) {
	sb := acctest.Sandbox(t)
	oc := acctest.OktaClient(t, sb)
	name := "tfAcc" + strings.ReplaceAll(strings.TrimPrefix(acctest.RandomName("x"), "tf-acc-"), "-", "")
	schemaPath := "/api/v1/meta/schemas/user/default"
	def := map[string]any{"title": "Tf acc tier", "type": "string", "maxLength": 12, "enum": []any{"gold", "silver"}}
	if _, err := oc.Raw(context.Background(), http.MethodPost, schemaPath, map[string]any{"definitions": map[string]any{"custom": map[string]any{
		"properties": map[string]any{name: def}}}}, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := oc.Raw(context.Background(), http.MethodPost, schemaPath, map[string]any{"definitions": map[string]any{"custom": map[string]any{
			"properties": map[string]any{name: nil}}}}, nil); err != nil {
			t.Errorf("remove the custom attribute %s: %v", name, err)
		}
	})
	const addr = "data.oktasf_okta_user_schema.this"
	acctest.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(sb) + `data "oktasf_okta_user_schema" "this" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("properties").AtMapKey(name), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"title": knownvalue.StringExact("Tf acc tier"), "type": knownvalue.StringExact("string"), "custom": knownvalue.Bool(true),
					"max_length": knownvalue.Int64Exact(12), "min_length": knownvalue.Null(),
					"enum":       knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("gold"), knownvalue.StringExact("silver")}),
					"items_type": knownvalue.Null(), "items_enum": knownvalue.Null(),
				})),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("properties").AtMapKey("login").AtMapKey("custom"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("properties").AtMapKey("login").AtMapKey("max_length"), knownvalue.Int64Exact(100)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("custom_properties"), knownvalue.SetPartial([]knownvalue.Check{knownvalue.StringExact(name)})),
			},
		}},
	})
}
