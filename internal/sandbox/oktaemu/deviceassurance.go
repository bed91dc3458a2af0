package oktaemu

// This file serves device assurance policies: /api/v1/device-assurances[/{deviceAssuranceId}]. Bodies are kept as
// sent (the platform discriminator picks the fields) plus what Okta adds [vcr]: createdDate/createdBy and
// lastUpdate/lastUpdatedBy (not created/lastUpdated), displayRemediationMode and the resource* members.

import (
	"net/http"
	"strings"
)

var deviceAssurancePlatforms = map[string]bool{"WINDOWS": true, "MACOS": true, "CHROMEOS": true, "IOS": true, "ANDROID": true}

var readOnlyDeviceAssuranceKeys = []string{"id", "createdDate", "createdBy", "lastUpdate", "lastUpdatedBy",
	"resourceType", "resourceId", "resourceDisplayName", "_links"}

func (s *Server) findDeviceAssurance(w http.ResponseWriter, id string) map[string]any {
	d, ok := s.st.DeviceAssurances[id]
	if !ok {
		writeNotFound(w, id, "DeviceAssurance") // the "(DeviceAssurance)" suffix is [inferred]
		return nil
	}
	return d
}

// deviceAssuranceJSON renders a policy; a replace answers without createdDate and createdBy, as recorded.
func (s *Server) deviceAssuranceJSON(d map[string]any, replaced bool) map[string]any {
	out := deepCopy(d).(map[string]any)
	if replaced {
		delete(out, "createdDate")
		delete(out, "createdBy")
	}
	out["_links"] = map[string]any{"self": s.link("/api/v1/device-assurances/"+out["id"].(string), "GET", "PUT", "DELETE")}
	return out
}

func shapeDeviceAssurance(body map[string]any) (string, []string) {
	for _, k := range readOnlyDeviceAssuranceKeys {
		delete(body, k)
	}
	name, _ := body["name"].(string)
	if strings.TrimSpace(name) == "" {
		return "name", []string{"name: The field cannot be left blank"}
	}
	platform, _ := body["platform"].(string)
	if !deviceAssurancePlatforms[platform] {
		return "platform", []string{"platform: must be one of WINDOWS, MACOS, CHROMEOS, IOS, ANDROID"}
	}
	if body["displayRemediationMode"] == nil {
		body["displayRemediationMode"] = "HIDE"
	}
	body["resourceType"] = "DeviceAssurancePolicyEntity"
	body["resourceDisplayName"] = map[string]any{"value": name, "sensitive": false}
	return "", nil
}

func (s *Server) listDeviceAssurances(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		out := []any{}
		for _, id := range sortedIDs(s.st.DeviceAssurances) {
			out = append(out, s.deviceAssuranceJSON(s.st.DeviceAssurances[id], false))
		}
		writeJSON(w, http.StatusOK, out)
		return false
	})
}

func (s *Server) createDeviceAssurance(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	if field, causes := shapeDeviceAssurance(body); field != "" {
		writeValidation(w, field, causes...)
		return
	}
	s.locked(w, func(w http.ResponseWriter) bool {
		if s.st.Org.Pipeline == pipelineClassic {
			writeNotFound(w, r.URL.Path, "Resource") // device assurance is Identity Engine only [inferred answer]
			return false
		}
		now := fmtTime(s.now().UTC())
		id := s.st.newID("dae")
		body["id"], body["resourceId"] = id, id
		body["createdDate"], body["lastUpdate"] = now, now
		body["createdBy"], body["lastUpdatedBy"] = s.st.Org.AdminUserID, s.st.Org.AdminUserID
		s.st.DeviceAssurances[id] = body
		writeJSON(w, http.StatusOK, s.deviceAssuranceJSON(body, false))
		return true
	})
}

func (s *Server) getDeviceAssurance(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		if d := s.findDeviceAssurance(w, r.PathValue("deviceAssuranceId")); d != nil {
			writeJSON(w, http.StatusOK, s.deviceAssuranceJSON(d, false))
		}
		return false
	})
}

// replaceDeviceAssurance is PUT: a full replace; the platform cannot change.
func (s *Server) replaceDeviceAssurance(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(r)
	if !ok {
		writeMalformed(w)
		return
	}
	body = normalizeNumbers(body)
	s.locked(w, func(w http.ResponseWriter) bool {
		prev := s.findDeviceAssurance(w, r.PathValue("deviceAssuranceId"))
		if prev == nil {
			return false
		}
		if body["platform"] == nil {
			body["platform"] = prev["platform"]
		}
		if field, causes := shapeDeviceAssurance(body); field != "" {
			writeValidation(w, field, causes...)
			return false
		}
		if body["platform"] != prev["platform"] {
			writeValidation(w, "platform", "platform: The platform of a device assurance policy cannot be changed")
			return false
		}
		id := prev["id"].(string)
		body["id"], body["resourceId"] = id, id
		body["createdDate"], body["createdBy"] = prev["createdDate"], prev["createdBy"]
		body["lastUpdate"], body["lastUpdatedBy"] = fmtTime(s.now().UTC()), s.st.Org.AdminUserID
		s.st.DeviceAssurances[id] = body
		writeJSON(w, http.StatusOK, s.deviceAssuranceJSON(body, true))
		return true
	})
}

// deleteDeviceAssurance refuses a policy a rule names with the documented 409 body, which has no errorCode.
func (s *Server) deleteDeviceAssurance(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func(w http.ResponseWriter) bool {
		d := s.findDeviceAssurance(w, r.PathValue("deviceAssuranceId"))
		if d == nil {
			return false
		}
		id := d["id"].(string)
		if s.deviceAssuranceInUse(id) {
			writeJSON(w, http.StatusConflict, map[string]any{"errorSummary": "Device assurance is in use and cannot be deleted.",
				"errorId": "oae" + randomString(22), "errorCauses": []any{}})
			return false
		}
		delete(s.st.DeviceAssurances, id)
		w.WriteHeader(http.StatusNoContent)
		return true
	})
}
