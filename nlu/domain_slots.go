package nlu

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// numberPlaceholder stands for a spoken number in a synonym key or form.
const numberPlaceholder = "{number}"

// slots reads the slots mapping.
func (l *domainLoader) slots(n *yaml.Node, d *Domain) error {
	if n.Kind != yaml.MappingNode {
		return l.fail(n, "slots", "must be a mapping from slot names to their definition")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := "slots." + k.Value
		if !identifier.MatchString(k.Value) {
			return l.fail(k, field, "slot names are lowercase letters, digits and underscores, starting with a letter")
		}
		if _, dup := d.Slots[k.Value]; dup {
			return l.fail(k, field, "duplicate slot: merge the two definitions")
		}
		s, err := l.slot(k.Value, v)
		if err != nil {
			return err
		}
		d.Slots[s.Name] = s
	}
	return nil
}

// slot reads one slot definition.
func (l *domainLoader) slot(name string, n *yaml.Node) (Slot, error) {
	field := "slots." + name
	s := Slot{Name: name}
	if n.Kind != yaml.MappingNode {
		return s, l.fail(n, field, "must be a mapping such as {type: digits, min_length: 6, max_length: 8}")
	}
	var valuesNode, synNode, typeNode, lenNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		var err error
		switch k.Value {
		case "type":
			typeNode = v
			s.Type, err = l.scalar(v, f)
		case "description":
			s.Description, err = l.scalar(v, f)
			s.Description = strings.TrimSpace(s.Description)
		case "min_length":
			lenNode = v
			s.MinLength, err = l.length(v, f)
		case "max_length":
			lenNode = v
			s.MaxLength, err = l.length(v, f)
		case "values":
			valuesNode = v
		case "synonyms":
			synNode = v
		default:
			err = l.fail(k, f, "unknown field: a slot has type, description, min_length, max_length, values and synonyms")
		}
		if err != nil {
			return s, err
		}
	}
	if typeNode == nil {
		return s, l.fail(n, field+".type", "missing: set it to one of digits, email, money, enum, text")
	}
	switch s.Type {
	case SlotDigits, SlotEmail, SlotMoney, SlotEnum, SlotText:
	default:
		return s, l.fail(typeNode, field+".type", "unknown slot type %q: use one of digits, email, money, enum, text", s.Type)
	}
	if lenNode != nil && s.Type != SlotDigits {
		return s, l.fail(lenNode, field, "min_length and max_length apply only to digits slots")
	}
	if s.MaxLength > 0 && s.MinLength > s.MaxLength {
		return s, l.fail(lenNode, field+".max_length", "must be at least min_length (%d), got %d", s.MinLength, s.MaxLength)
	}
	if err := l.slotValues(&s, valuesNode, n, field); err != nil {
		return s, err
	}
	if synNode != nil {
		syn, err := l.synonyms(&s, synNode, field+".synonyms")
		if err != nil {
			return s, err
		}
		s.Synonyms = syn
	}
	return s, nil
}

// length reads min_length or max_length.
func (l *domainLoader) length(n *yaml.Node, field string) (int, error) {
	v, err := l.scalar(n, field)
	if err != nil {
		return 0, err
	}
	x, err := strconv.Atoi(v)
	if err != nil || x < 0 || x > 64 {
		return 0, l.fail(n, field, "must be a whole number of digits in [0, 64], got %q", v)
	}
	return x, nil
}

// slotValues reads and checks an enum slot's values.
func (l *domainLoader) slotValues(s *Slot, valuesNode, slotNode *yaml.Node, field string) error {
	if s.Type != SlotEnum {
		if valuesNode != nil {
			return l.fail(valuesNode, field+".values", "only enum slots have values; list the known values of a %s slot as synonyms keys", s.Type)
		}
		return nil
	}
	if valuesNode == nil {
		return l.fail(slotNode, field+".values", "missing: an enum slot needs the list of its values")
	}
	if valuesNode.Kind != yaml.SequenceNode || len(valuesNode.Content) == 0 {
		return l.fail(valuesNode, field+".values", "enum without values: list them, like [standard, expedited, overnight]")
	}
	for j, v := range valuesNode.Content {
		f := fmt.Sprintf("%s.values[%d]", field, j)
		val, err := l.scalar(v, f)
		if err != nil {
			return err
		}
		val = normalizeForm(val)
		if val == "" {
			return l.fail(v, f, "empty value")
		}
		for _, prev := range s.Values {
			if prev == val {
				return l.fail(v, f, "value %q listed twice", val)
			}
		}
		s.Values = append(s.Values, val)
	}
	return nil
}

// synonyms reads a slot's value -> spoken forms mapping.
func (l *domainLoader) synonyms(s *Slot, n *yaml.Node, field string) (map[string][]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, l.fail(n, field, "must be a mapping from a value to its spoken forms, like {xl: [extra large]}")
	}
	if s.Type == SlotEmail || s.Type == SlotMoney {
		return nil, l.fail(n, field, "%s slots are normalized by the parser and take no synonyms", s.Type)
	}
	out := make(map[string][]string, len(n.Content)/2)
	owner := map[string]string{} // form -> value
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		value := normalizeForm(k.Value)
		f := field + "." + k.Value
		if value == "" {
			return nil, l.fail(k, field, "empty value")
		}
		if _, dup := out[value]; dup {
			return nil, l.fail(k, f, "value listed twice")
		}
		if s.Type == SlotEnum && !contains(s.Values, value) {
			return nil, l.fail(k, f, "%q is not one of the slot's values %v", value, s.Values)
		}
		forms, err := l.forms(v, f)
		if err != nil {
			return nil, err
		}
		if err := l.checkPlaceholders(k, f, value, forms, s.Type); err != nil {
			return nil, err
		}
		for _, form := range forms {
			if prev, ok := owner[form]; ok && prev != value {
				return nil, l.fail(v, f, "form %q already means %q: a spoken form can mean only one value", form, prev)
			}
			owner[form] = value
		}
		out[value] = forms
	}
	return out, nil
}

// forms reads a list of spoken forms (or a single one).
func (l *domainLoader) forms(n *yaml.Node, field string) ([]string, error) {
	var nodes []*yaml.Node
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil, nil
	case n.Kind == yaml.ScalarNode:
		nodes = []*yaml.Node{n}
	case n.Kind == yaml.SequenceNode:
		nodes = n.Content
	default:
		return nil, l.fail(n, field, "must be a list of spoken forms")
	}
	var out []string
	for j, e := range nodes {
		f := fmt.Sprintf("%s[%d]", field, j)
		s, err := l.scalar(e, f)
		if err != nil {
			return nil, err
		}
		form := normalizeForm(s)
		if form == "" {
			return nil, l.fail(e, f, "empty spoken form")
		}
		if !contains(out, form) {
			out = append(out, form)
		}
	}
	return out, nil
}

// checkPlaceholders checks the use of {number} in a synonym entry: a key
// with the placeholder needs forms that hold it, and a form may hold it only
// when its key does.
func (l *domainLoader) checkPlaceholders(k *yaml.Node, field, value string, forms []string, typ string) error {
	keyHas := strings.Count(value, numberPlaceholder)
	if keyHas > 1 {
		return l.fail(k, field, "a value may hold %s once", numberPlaceholder)
	}
	if keyHas == 1 && typ == SlotEnum {
		return l.fail(k, field, "enum values cannot hold %s", numberPlaceholder)
	}
	if keyHas == 1 && len(forms) == 0 {
		return l.fail(k, field, "a value with %s needs spoken forms that hold it, like [\"size %s\"]", numberPlaceholder, numberPlaceholder)
	}
	for _, f := range forms {
		n := strings.Count(f, numberPlaceholder)
		if n != keyHas {
			if keyHas == 0 {
				return l.fail(k, field, "form %q holds %s but its value does not", f, numberPlaceholder)
			}
			return l.fail(k, field, "form %q must hold %s exactly once, as its value does", f, numberPlaceholder)
		}
		if strings.TrimSpace(strings.ReplaceAll(f, numberPlaceholder, "")) == "" {
			return l.fail(k, field, "form %q needs words around %s", f, numberPlaceholder)
		}
	}
	return nil
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
