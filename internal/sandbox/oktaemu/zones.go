package oktaemu

// This file serves network zones: /api/v1/zones[/{zoneId}[/lifecycle/{op}]] — IP zones (gateways and proxies in
// CIDR or RANGE form), DYNAMIC and DYNAMIC_V2 zones, shaped as the recorded exchanges show them.

import (
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strings"
)

var readOnlyZoneKeys = []string{"id", "created", "lastUpdated", "system", "_links"}

func (s *Server) findZone(w http.ResponseWriter, id string) map[string]any {
	z, ok := s.st.Zones[id]
	if !ok {
		writeNotFound(w, id, "NetworkZone")
		return nil
	}
	return z
}

func (s *Server) zoneJSON(z map[string]any) map[string]any {
	out := deepCopy(z).(map[string]any)
	base := "/api/v1/zones/" + out["id"].(string)
	links := map[string]any{"self": s.link(base, "GET", "PUT", "DELETE")}
	if out["status"] == "ACTIVE" {
		links["deactivate"] = s.link(base+"/lifecycle/deactivate", "POST")
	} else {
		links["activate"] = s.link(base+"/lifecycle/activate", "POST")
	}
	out["_links"] = links
	return out
}

// normalizeAddresses checks IP zone addresses and writes a single-address RANGE as a-a, as Okta does [vcr];
// an absent or empty list is null.
func normalizeAddresses(field string, v any) (any, []string) {
	list, _ := v.([]any)
	if len(list) == 0 {
		return nil, nil
	}
	out := make([]any, 0, len(list))
	for i, e := range list {
		m := obj(e)
		typ, _ := m["type"].(string)
		value, _ := m["value"].(string)
		bad := []string{fmt.Sprintf("%s[%d]: Invalid %s value %q", field, i, typ, value)}
		switch typ {
		case "CIDR":
			if _, err := netip.ParsePrefix(value); err != nil {
				return nil, bad
			}
		case "RANGE":
			from, to, isRange := strings.Cut(value, "-")
			a, err1 := netip.ParseAddr(strings.TrimSpace(from))
			b, err2 := a, error(nil)
			if isRange {
				b, err2 = netip.ParseAddr(strings.TrimSpace(to))
			}
			if err1 != nil || err2 != nil || b.Less(a) {
				return nil, bad
			}
			value = a.String() + "-" + b.String()
		default:
			return nil, []string{fmt.Sprintf("%s[%d].type: must be CIDR or RANGE", field, i)}
		}
		out = append(out, map[string]any{"type": typ, "value": value})
	}
	return out, nil
}

// normalizeLocations fills region:null; DYNAMIC lists regions first, DYNAMIC_V2 sorts by country [vcr].
func normalizeLocations(v any, byCountry bool) []any {
	list, _ := v.([]any)
	out := make([]any, 0, len(list))
	for _, e := range list {
		m := obj(e)
		out = append(out, map[string]any{"country": m["country"], "region": m["region"]})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].(map[string]any), out[j].(map[string]any)
		if byCountry {
			return fmt.Sprint(a["country"]) < fmt.Sprint(b["country"])
		}
		return a["region"] != nil && b["region"] == nil
	})
	return out
}

func includeExclude(v any, normalize func(any) []any) map[string]any {
	m := obj(v)
	out := map[string]any{}
	for _, k := range []string{"include", "exclude"} {
		if normalize != nil {
			out[k] = normalize(m[k])
		} else if list, ok := m[k].([]any); ok {
			out[k] = list
		} else {
			out[k] = []any{}
		}
	}
	return out
}

// shapeZone validates a zone body and returns the stored zone without id and timestamps.
func shapeZone(body map[string]any) (map[string]any, string, []string) {
	typ, _ := body["type"].(string)
	name, _ := body["name"].(string)
	if strings.TrimSpace(name) == "" {
		return nil, "name", []string{"name: The field cannot be left blank"}
	}
	if len(name) > 128 {
		return nil, "name", []string{"name: The field must have at most 128 characters"}
	}
	status, _ := body["status"].(string)
	if status == "" {
		status = "ACTIVE"
	}
	usage, _ := body["usage"].(string)
	if usage == "" {
		usage = "POLICY"
	}
	if status != "ACTIVE" && status != "INACTIVE" {
		return nil, "status", []string{"status: must be ACTIVE or INACTIVE"}
	}
	if usage != "POLICY" && usage != "BLOCKLIST" {
		return nil, "usage", []string{"usage: must be POLICY or BLOCKLIST"}
	}
	z := map[string]any{"type": typ, "name": name, "status": status, "usage": usage}
	switch typ {
	case "IP":
		gateways, causes := normalizeAddresses("gateways", body["gateways"])
		if causes != nil {
			return nil, "gateways", causes
		}
		proxies, causes := normalizeAddresses("proxies", body["proxies"])
		if causes != nil {
			return nil, "proxies", causes
		}
		z["gateways"], z["proxies"] = gateways, proxies
	case "DYNAMIC":
		if list, ok := body["locations"].([]any); ok && len(list) > 0 {
			z["locations"] = normalizeLocations(list, false)
		} else {
			z["locations"] = nil
		}
		z["proxyType"] = body["proxyType"]
		if asns, ok := body["asns"].([]any); ok {
			z["asns"] = asns
		}
	case "DYNAMIC_V2":
		z["locations"] = includeExclude(body["locations"], func(v any) []any { return normalizeLocations(v, true) })
		z["ipServiceCategories"] = includeExclude(body["ipServiceCategories"], nil)
		z["asns"] = includeExclude(body["asns"], nil)
	default:
		return nil, "type", []string{"type: must be IP, DYNAMIC or DYNAMIC_V2"}
	}
	return z, "", nil
}

func (s *Server) listZones(w http.ResponseWriter, r *http.Request) {
	filters, ok := parseListExpressions(w, r, "filter")
	if !ok {
		return
	}
	limit := pageLimit(r, 1000, 1000)
	s.locked(w, func(w http.ResponseWriter) bool {
		var ids []string
		for _, id := range sortedIDs(s.st.Zones) {
			if matchesAll(filters, s.st.Zones[id]) {
				ids = append(ids, id)
			}
		}
		page := s.paginate(w, r, ids, limit)
		out := make([]any, 0, len(page))
		for _, id := range page {
			out = append(out, s.zoneJSON(s.st.Zones[id]))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

func (s *Server) createZone(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	z, field, causes := shapeZone(body)
	if z == nil {
		writeValidation(w, field, causes...)
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		now := fmtTime(s.now().UTC())
		id := s.st.newID("nzo")
		z["id"], z["created"], z["lastUpdated"], z["system"] = id, now, now, false
		s.st.Zones[id] = z
		writeJSON(w, http.StatusOK, s.zoneJSON(z))
		return true
	})
}

func (s *Server) getZone(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		if z := s.findZone(w, r.PathValue("zoneId")); z != nil {
			writeJSON(w, http.StatusOK, s.zoneJSON(z))
		}
		return false
	})
}

// replaceZone is PUT: a full replace, status included (the recording deactivates zones this way); the type of a
// zone cannot change.
func (s *Server) replaceZone(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	for _, k := range readOnlyZoneKeys {
		delete(body, k)
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		prev := s.findZone(w, r.PathValue("zoneId"))
		if prev == nil {
			return false
		}
		if body["type"] == nil {
			body["type"] = prev["type"]
		}
		if body["type"] != prev["type"] {
			writeValidation(w, "type", "type: The type of a network zone cannot be changed")
			return false
		}
		z, field, causes := shapeZone(body)
		if z == nil {
			writeValidation(w, field, causes...)
			return false
		}
		z["id"], z["created"], z["system"] = prev["id"], prev["created"], prev["system"]
		z["lastUpdated"] = fmtTime(s.now().UTC())
		s.st.Zones[prev["id"].(string)] = z
		writeJSON(w, http.StatusOK, s.zoneJSON(z))
		return true
	})
}

// writeZoneInUse refuses to delete a zone a policy rule names (management.yaml); the error body is [inferred].
func writeZoneInUse(w http.ResponseWriter) {
	writeValidation(w, "zone", "zone: The network zone is used by a policy rule and cannot be deleted")
}

// deleteZone removes an INACTIVE zone no rule names. Identity Engine refuses an ACTIVE one (management.yaml); the
// error body is [inferred] (okta-api.md §14 lists it as unverified).
func (s *Server) deleteZone(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		z := s.findZone(w, r.PathValue("zoneId"))
		if z == nil {
			return false
		}
		id := z["id"].(string)
		switch {
		case z["system"] == true:
			writeError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
			return false
		case s.zoneInUse(id):
			writeZoneInUse(w)
			return false
		case z["status"] == "ACTIVE" && s.st.Org.Pipeline != pipelineClassic:
			writeValidation(w, "zone", "zone: Deactivate the network zone before deleting it")
			return false
		}
		delete(s.st.Zones, id)
		w.WriteHeader(http.StatusNoContent)
		return true
	})
}

// zoneLifecycle activates or deactivates a zone and answers 200 with the zone [vcr].
func (s *Server) zoneLifecycle(w http.ResponseWriter, r *http.Request) {
	status := map[string]string{"activate": "ACTIVE", "deactivate": "INACTIVE"}[r.PathValue("op")]
	if status == "" {
		writeNotFound(w, r.URL.Path, "Resource")
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		z := s.findZone(w, r.PathValue("zoneId"))
		if z == nil {
			return false
		}
		// lastUpdated moves even when the status does not (the recording re-activates an active zone).
		z["status"] = status
		z["lastUpdated"] = fmtTime(s.now().UTC())
		writeJSON(w, http.StatusOK, s.zoneJSON(z))
		return true
	})
}
