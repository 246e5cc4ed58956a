package sip

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
)

// maxInfoBody bounds the INFO bodies parsed for keypad digits.
const maxInfoBody = 1024

// parseDTMFInfo returns the keypad digit of a SIP INFO body:
// application/dtmf-relay ("Signal=5\r\nDuration=160", the Cisco format most
// gateways send) or application/dtmf (the digit alone, or Signal=5). The
// signal is a digit 0-9, *, #, A-D (any case) or an RFC 4733 event code
// 0-15 (10 is *, 11 is #, 12-15 are A-D).
func parseDTMFInfo(contentType string, body []byte) (byte, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mt != "application/dtmf-relay" && mt != "application/dtmf") {
		return 0, errNotDTMF
	}
	if len(body) > maxInfoBody {
		return 0, fmt.Errorf("INFO body of %d bytes is too long for a keypad digit", len(body))
	}
	if mt == "application/dtmf" && !bytes.Contains(body, []byte("=")) {
		return dtmfSignal(strings.TrimSpace(string(body)))
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "signal") {
			return dtmfSignal(strings.TrimSpace(v))
		}
	}
	return 0, errors.New("INFO body has no Signal= line")
}

// dtmfSignal maps a Signal value to a keypad digit.
func dtmfSignal(v string) (byte, error) {
	if len(v) == 1 {
		d := v[0]
		if d >= 'a' && d <= 'd' {
			d -= 'a' - 'A'
		}
		if validDigit(d) {
			return d, nil
		}
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 10 && n <= 15 {
		return "*#ABCD"[n-10], nil
	}
	return 0, fmt.Errorf("INFO Signal %q is not a keypad digit (0-9, *, #, A-D)", cleanText(v))
}
