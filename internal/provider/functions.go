package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
)

var _ provider.ProviderWithFunctions = (*oktasfProvider)(nil)

// Functions lists the provider-defined functions; they need no provider configuration.
func (p *oktasfProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{
		NewParseSAMLMetadataFunction,
		NewDecodeSAMLResponseFunction,
	}
}
