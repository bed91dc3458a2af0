package sfemu

import (
	"crypto/rand"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu/soql"
)

// Key prefixes of the sObject types the emulator stores (the first three characters of every id).
const (
	prefixUser             = "005"
	prefixProfile          = "00e"
	prefixUserRole         = "00E"
	prefixPermissionSet    = "0PS"
	prefixPSG              = "0PG"
	prefixPSGComponent     = "0PH"
	prefixPSAssignment     = "0Pa"
	prefixOrganization     = "00D"
	prefixSAMLSSOConfig    = "0LE"
	prefixUserLicense      = "100"
	prefixQueryLocator     = "01g"
	base62                 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	checksumAlphabet       = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	idCounterWidth         = 7
	idPodWidth             = 2
	idReservedZeroesLength = 15 - 3 - idPodWidth - idCounterWidth
)

// to18 appends Salesforce's case-safe checksum: for each 5-character chunk, a bit per uppercase letter.
func to18(id15 string) string {
	var b strings.Builder
	b.WriteString(id15)
	for chunk := 0; chunk < 3; chunk++ {
		n := 0
		for i := 0; i < 5; i++ {
			c := id15[chunk*5+i]
			if c >= 'A' && c <= 'Z' {
				n |= 1 << i
			}
		}
		b.WriteByte(checksumAlphabet[n])
	}
	return b.String()
}

// validID reports whether s is a 15- or 18-character id (an 18-character one with a consistent checksum).
func validID(s string) bool {
	_, ok := soql.CanonicalID(s)
	return ok
}

// key15 is the case-sensitive identity of an id, or "" when s is not an id.
func key15(s string) string {
	k, _ := soql.CanonicalID(s)
	return k
}

// hasPrefix reports whether id is an id of the type with key prefix p.
func hasPrefix(id, p string) bool { return strings.HasPrefix(key15(id), p) }

func encodeBase62(n uint64, width int) string {
	buf := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		buf[i] = base62[n%62]
		n /= 62
	}
	return string(buf)
}

// randomPod picks the two "instance" characters that keep ids of different orgs apart.
func randomPod() string {
	b := make([]byte, idPodWidth)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = base62[int(b[i])%62]
	}
	return string(b)
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = base62[int(b[i])%62]
	}
	return string(b)
}

// newID builds an 18-character id from a key prefix, the org's pod and a counter.
func newID(prefix, pod string, counter uint64) string {
	return to18(prefix + pod + strings.Repeat("0", idReservedZeroesLength) + encodeBase62(counter, idCounterWidth))
}
