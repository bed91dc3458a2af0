package framework

import (
	"fmt"
	"strings"
)

// A create first looks for the object it is about to make (by its natural key). One that equals the plan
// is what an earlier create made when its answer never reached the state (read-back failed, terraform was
// killed, the answer was lost): the create adopts it instead of refusing forever. One that differs is
// someone else's, or was changed since: the create refuses, names each difference and says how to import it.

// Difference is one attribute in which an object found at create differs from the plan.
type Difference struct{ Attr, Found, Planned string }

// Differences collects the attributes in which a found object differs from the plan.
type Differences []Difference

// Add records attr when found and planned differ; values are shown quoted (strings) or as they print.
func (d *Differences) Add(attr string, found, planned any) {
	if found == planned {
		return
	}
	show := func(v any) string {
		if s, ok := v.(string); ok {
			if s == "" {
				return "(none)"
			}
			return fmt.Sprintf("%q", s)
		}
		return fmt.Sprint(v)
	}
	*d = append(*d, Difference{attr, show(found), show(planned)})
}

// String lists the differences one a line, as "attr: found X, planned Y".
func (d Differences) String() string {
	var b strings.Builder
	for _, x := range d {
		fmt.Fprintf(&b, "\n  %s: found %s, planned %s", x.Attr, x.Found, x.Planned)
	}
	return b.String()
}

// ImportHint says how to take an object into Terraform instead of creating it. The provider does not know
// the resource's address, so it shows the quoted form a for_each address needs, and the import block;
// otherwise is the last sentence's alternative, e.g. "remove the assignment in Okta".
func ImportHint(resourceType, id, otherwise string) string {
	return fmt.Sprintf("To manage it with this configuration instead, import it: terraform import '<address>' %[2]s "+
		"(keep the single quotes: a for_each address needs them, e.g. terraform import '%[1]s.this[\"prod\"]' %[2]s), "+
		"or add to the configuration: import { to = <address>  id = %[2]q }. Otherwise %[3]s, or change the configuration to match it.",
		resourceType, id, otherwise)
}
