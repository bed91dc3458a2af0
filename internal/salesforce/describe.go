package salesforce

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// PicklistValue is one entry of a picklist field's picklistValues.
type PicklistValue struct {
	Value  string `json:"value"`
	Label  string `json:"label"`
	Active bool   `json:"active"`
}

// FieldDescribe is the part of a field's describe metadata the provider checks mappings against.
type FieldDescribe struct {
	Name              string          `json:"name"`
	Label             string          `json:"label"`
	Type              string          `json:"type"`
	Createable        bool            `json:"createable"`
	Updateable        bool            `json:"updateable"`
	Nillable          bool            `json:"nillable"`
	DefaultedOnCreate bool            `json:"defaultedOnCreate"`
	Length            int             `json:"length"`
	PicklistValues    []PicklistValue `json:"picklistValues"`
	ReferenceTo       []string        `json:"referenceTo"`
	// Custom, RestrictedPicklist, Precision and Scale let plan check values against custom fields.
	Custom             bool `json:"custom"`
	RestrictedPicklist bool `json:"restrictedPicklist"`
	Precision          int  `json:"precision"`
	Scale              int  `json:"scale"`
}

// SObjectDescribe is an sObject's describe answer, reduced to its name and fields. A value returned by
// Describe is shared by every caller of the client: treat it as read-only.
type SObjectDescribe struct {
	Name   string          `json:"name"`
	Fields []FieldDescribe `json:"fields"`
}

// Field finds a field by API name, ignoring case as Salesforce does.
func (d *SObjectDescribe) Field(name string) (*FieldDescribe, bool) {
	if d == nil {
		return nil, false
	}
	for i := range d.Fields {
		if strings.EqualFold(d.Fields[i].Name, name) {
			return &d.Fields[i], true
		}
	}
	return nil, false
}

// sobjectNamePattern keeps the name a single path segment: standard, custom (__c) and namespaced objects.
var sobjectNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Describe reads GET /sobjects/{sobject}/describe once per client and object: the plans of every resource
// that checks fields of the same org then share one request. Failures are not remembered.
func (c *Client) Describe(ctx context.Context, sobject string) (*SObjectDescribe, error) {
	if !sobjectNamePattern.MatchString(sobject) {
		return nil, fmt.Errorf("%w: salesforce org %q: %q is not an sObject API name", ErrValidation, c.alias, sobject)
	}
	entry := describesOf(c).entry(sobject)
	select {
	case entry.slot <- struct{}{}: // one request per object even when many plans ask at once
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-entry.slot }()
	if entry.describe != nil {
		return entry.describe, nil
	}
	var d SObjectDescribe
	if err := c.getJSON(ctx, "/sobjects/"+sobject+"/describe", &d); err != nil {
		return nil, fmt.Errorf("describe %s: %w", sobject, err)
	}
	entry.describe = &d
	return entry.describe, nil
}

// describeCache holds one client's describes by lower-cased object name.
type describeCache struct {
	mu      sync.Mutex
	entries map[string]*describeEntry
}

// describeEntry is one object's describe; slot is a one-slot semaphore that, unlike a mutex, lets a
// waiting caller give up when its context ends. describe is read and written only while holding slot.
type describeEntry struct {
	slot     chan struct{}
	describe *SObjectDescribe
}

func (dc *describeCache) entry(sobject string) *describeEntry {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	key := strings.ToLower(sobject)
	if dc.entries == nil {
		dc.entries = map[string]*describeEntry{}
	}
	e, ok := dc.entries[key]
	if !ok {
		e = &describeEntry{slot: make(chan struct{}, 1)}
		dc.entries[key] = e
	}
	return e
}

func describesOf(c *Client) *describeCache { return &c.describes }
