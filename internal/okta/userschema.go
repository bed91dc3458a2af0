package okta

import (
	"context"
	"fmt"
	"sort"
)

// UserSchemaProperty is one property of the default user schema (base or custom), as plan checks need it.
type UserSchemaProperty struct {
	Name  string
	Title string
	// Type is string, boolean, integer, number or array.
	Type string
	// Custom is true for the org's custom properties (definitions.custom), false for Okta's base ones.
	Custom bool
	// MaxLength and MinLength are set for strings that declare them (0: none).
	MaxLength int
	MinLength int
	// Enum lists the allowed values (strings as written, numbers formatted) when the property has one.
	Enum []string
	// ItemsType and ItemsEnum describe an array's elements.
	ItemsType string
	ItemsEnum []string
}

// UserSchema is the org's default user schema: its properties by name.
type UserSchema map[string]UserSchemaProperty

// Names lists the property names, sorted.
func (s UserSchema) Names() []string {
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type rawSchemaProperty struct {
	Title     string `json:"title"`
	Type      string `json:"type"`
	MaxLength *int   `json:"maxLength"`
	MinLength *int   `json:"minLength"`
	Enum      []any  `json:"enum"`
	Items     *struct {
		Type string `json:"type"`
		Enum []any  `json:"enum"`
	} `json:"items"`
}

// GetUserSchema reads the default user schema (GET /api/v1/meta/schemas/user/default).
func (c *Client) GetUserSchema(ctx context.Context) (UserSchema, error) {
	var raw struct {
		Definitions struct {
			Base   struct{ Properties map[string]rawSchemaProperty } `json:"base"`
			Custom struct{ Properties map[string]rawSchemaProperty } `json:"custom"`
		} `json:"definitions"`
	}
	if _, err := c.Raw(ctx, "GET", "/api/v1/meta/schemas/user/default", nil, &raw); err != nil {
		return nil, fmt.Errorf("okta user schema: %w", err)
	}
	out := UserSchema{}
	add := func(props map[string]rawSchemaProperty, custom bool) {
		for name, p := range props {
			prop := UserSchemaProperty{Name: name, Title: p.Title, Type: p.Type, Custom: custom, Enum: enumStrings(p.Enum)}
			if p.MaxLength != nil {
				prop.MaxLength = *p.MaxLength
			}
			if p.MinLength != nil {
				prop.MinLength = *p.MinLength
			}
			if p.Items != nil {
				prop.ItemsType, prop.ItemsEnum = p.Items.Type, enumStrings(p.Items.Enum)
			}
			out[name] = prop
		}
	}
	add(raw.Definitions.Base.Properties, false)
	add(raw.Definitions.Custom.Properties, true)
	return out, nil
}

func enumStrings(values []any) []string {
	if len(values) == 0 {
		return nil
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		out = append(out, fmt.Sprint(v))
	}
	return out
}
