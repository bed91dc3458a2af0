package sso

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
)

// fullyKnown reports whether every value is known all the way down, so that a comparison with what a
// service holds means something at plan.
func fullyKnown(ctx context.Context, values ...attr.Value) bool {
	for _, v := range values {
		tv, err := v.ToTerraformValue(ctx)
		if err != nil || !tv.IsFullyKnown() {
			return false
		}
	}
	return true
}
