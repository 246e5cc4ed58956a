package llmnlu

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parley-voice/parley/nlu"
)

// maxOutput bounds the model output read, in bytes.
const maxOutput = 16 << 10

// classification is the model's answer.
type classification struct {
	Intent     string
	Confidence float64
	HasConf    bool
	Slots      map[string]string
}

// decodeClassification reads the model's answer: a JSON object
// {"intent", "confidence", "slots"}, possibly in a code fence or with text
// around it. Slot values may be strings or numbers; others are dropped.
func decodeClassification(raw string) (classification, error) {
	var c classification
	if len(raw) > maxOutput {
		return c, fmt.Errorf("%w: %d bytes", ErrOutput, len(raw))
	}
	s := strings.TrimSpace(raw)
	if i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}'); i >= 0 && j > i {
		s = s[i : j+1] // a fence or words around the object
	}
	var w struct {
		Intent     *string                    `json:"intent"`
		Confidence json.RawMessage            `json:"confidence"`
		Slots      map[string]json.RawMessage `json:"slots"`
	}
	if err := json.Unmarshal([]byte(s), &w); err != nil {
		return c, fmt.Errorf("%w: %w", ErrOutput, err)
	}
	if w.Intent == nil {
		return c, fmt.Errorf("%w: no intent", ErrOutput)
	}
	c.Intent = strings.TrimSpace(*w.Intent)
	if f, ok := number(w.Confidence); ok {
		c.Confidence, c.HasConf = max(0, min(1, f)), true
	}
	c.Slots = map[string]string{}
	for k, v := range w.Slots {
		if str, ok := scalar(v); ok && strings.TrimSpace(str) != "" {
			c.Slots[k] = strings.TrimSpace(str)
		}
	}
	return c, nil
}

// number reads a JSON number or a string holding one.
func number(raw json.RawMessage) (float64, bool) {
	var f float64
	if json.Unmarshal(raw, &f) == nil && !math.IsNaN(f) {
		return f, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, true
		}
	}
	return 0, false
}

// scalar reads a JSON string or number as text.
func scalar(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

var (
	emailRE  = regexp.MustCompile(`^[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}$`)
	moneyRE  = regexp.MustCompile(`^\d+(\.\d{1,2})?$`)
	errValue = errors.New("not a valid value")
)

// normalize returns the model's value for slot s in the slot's normal
// form, or errValue when it does not fit the slot.
func normalize(s nlu.Slot, v string) (string, error) {
	v = strings.Join(strings.Fields(strings.ToLower(v)), " ")
	if v == "" || !utf8.ValidString(v) {
		return "", errValue
	}
	switch s.Type {
	case nlu.SlotDigits:
		d := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			if r == ' ' || r == '-' || r == '.' {
				return -1
			}
			return 'x'
		}, v)
		if d == "" || strings.ContainsRune(d, 'x') || (s.MinLength > 0 && len(d) < s.MinLength) || (s.MaxLength > 0 && len(d) > s.MaxLength) {
			return "", errValue
		}
		return d, nil
	case nlu.SlotMoney:
		m := strings.NewReplacer("$", "", ",", "", " ", "", "usd", "").Replace(v)
		if !moneyRE.MatchString(m) {
			return "", errValue
		}
		f, _ := strconv.ParseFloat(m, 64)
		return strconv.FormatFloat(f, 'f', 2, 64), nil
	case nlu.SlotEmail:
		e := strings.ReplaceAll(v, " ", "")
		if !emailRE.MatchString(e) {
			return "", errValue
		}
		return e, nil
	case nlu.SlotEnum:
		return enumValue(s, v)
	default:
		return v, nil
	}
}

// enumValue maps v to one of the slot's values, directly ("two_day" or
// "two day" for two_day) or through its synonyms.
func enumValue(s nlu.Slot, v string) (string, error) {
	key := strings.NewReplacer(" ", "_", "-", "_").Replace(v)
	for _, val := range s.Values {
		if strings.EqualFold(val, v) || strings.EqualFold(val, key) {
			return val, nil
		}
	}
	for val, forms := range s.Synonyms {
		if slices.ContainsFunc(forms, func(f string) bool { return strings.EqualFold(strings.TrimSpace(f), v) }) {
			return val, nil
		}
	}
	return "", errValue
}

// deterministic reports slot types whose local extraction from the words
// is exact (numbers read digit by digit, amounts, spelled addresses): the
// local value wins over the model's.
func deterministic(slotType string) bool {
	return slotType == nlu.SlotDigits || slotType == nlu.SlotMoney || slotType == nlu.SlotEmail
}

// mergeSlots fills the slots of the chosen intent (and the slots the
// dialogue expects) from the model and the local parser:
//
//   - digits, money and email: the local parser's value when it has one,
//     since reading "four eight two seven" or "forty two fifty" is exact
//     and a model may drop or invent a digit; else the model's, normalized.
//   - enum and text: the model's value, normalized (an enum value must be
//     one of the slot's values or synonyms); else the local parser's.
//
// Values that do not fit their slot, and slots the intent does not carry,
// are dropped.
func mergeSlots(d *nlu.Domain, intent string, expect []string, model, local map[string]string) map[string]string {
	allowed := slices.Clone(expect)
	if in, ok := d.Intent(intent); ok {
		allowed = append(allowed, in.Slots...)
	}
	out := map[string]string{}
	for _, name := range allowed {
		s, ok := d.Slots[name]
		if !ok {
			continue
		}
		lv, hasLocal := local[name]
		mv, err := "", errValue
		if raw, has := model[name]; has {
			mv, err = normalize(s, raw)
		}
		switch {
		case hasLocal && (deterministic(s.Type) || err != nil):
			out[name] = lv
		case err == nil:
			out[name] = mv
		}
	}
	return out
}
