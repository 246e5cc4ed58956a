package qdranttest

import (
	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// matches evaluates a filter on a point: every must condition, no
// must_not condition, and at least one should condition when there are
// any.
func matches(f *qdrant.Filter, pt *point) (bool, error) {
	if f == nil {
		return true, nil
	}
	for _, c := range f.GetMust() {
		ok, err := condition(c, pt)
		if err != nil || !ok {
			return false, err
		}
	}
	for _, c := range f.GetMustNot() {
		ok, err := condition(c, pt)
		if err != nil || ok {
			return false, err
		}
	}
	if len(f.GetShould()) == 0 {
		return true, nil
	}
	for _, c := range f.GetShould() {
		ok, err := condition(c, pt)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// condition evaluates one condition.
func condition(c *qdrant.Condition, pt *point) (bool, error) {
	switch x := c.GetConditionOneOf().(type) {
	case *qdrant.Condition_Field:
		return field(x.Field, pt)
	case *qdrant.Condition_HasId:
		for _, id := range x.HasId.GetHasId() {
			if idKey(id) == idKey(pt.id) {
				return true, nil
			}
		}
		return false, nil
	case *qdrant.Condition_Filter:
		return matches(x.Filter, pt)
	case *qdrant.Condition_IsEmpty:
		v, ok := pt.payload[x.IsEmpty.GetKey()]
		if !ok || isNull(v) {
			return true, nil
		}
		l, isList := v.GetKind().(*qdrant.Value_ListValue)
		return isList && len(l.ListValue.GetValues()) == 0, nil
	}
	return false, status.Errorf(codes.Unimplemented, "this test server does not evaluate %T conditions", c.GetConditionOneOf())
}

func isNull(v *qdrant.Value) bool {
	_, ok := v.GetKind().(*qdrant.Value_NullValue)
	return ok
}

// field evaluates a condition on a payload field: match or range.
func field(fc *qdrant.FieldCondition, pt *point) (bool, error) {
	v, ok := pt.payload[fc.GetKey()]
	if !ok {
		return false, nil
	}
	if m := fc.GetMatch(); m != nil {
		return match(m, v)
	}
	if r := fc.GetRange(); r != nil {
		n, ok := number(v)
		if !ok {
			return false, nil
		}
		return (r.Gte == nil || n >= r.GetGte()) && (r.Gt == nil || n > r.GetGt()) &&
			(r.Lte == nil || n <= r.GetLte()) && (r.Lt == nil || n < r.GetLt()), nil
	}
	return false, status.Errorf(codes.Unimplemented, "this test server evaluates match and range field conditions only (key %q)", fc.GetKey())
}

// match evaluates a match condition on a value.
func match(m *qdrant.Match, v *qdrant.Value) (bool, error) {
	switch x := m.GetMatchValue().(type) {
	case *qdrant.Match_Keyword:
		s, ok := v.GetKind().(*qdrant.Value_StringValue)
		return ok && s.StringValue == x.Keyword, nil
	case *qdrant.Match_Integer:
		i, ok := v.GetKind().(*qdrant.Value_IntegerValue)
		return ok && i.IntegerValue == x.Integer, nil
	case *qdrant.Match_Boolean:
		b, ok := v.GetKind().(*qdrant.Value_BoolValue)
		return ok && b.BoolValue == x.Boolean, nil
	case *qdrant.Match_Keywords:
		s, ok := v.GetKind().(*qdrant.Value_StringValue)
		if !ok {
			return false, nil
		}
		for _, k := range x.Keywords.GetStrings() {
			if k == s.StringValue {
				return true, nil
			}
		}
		return false, nil
	case *qdrant.Match_ExceptKeywords:
		s, ok := v.GetKind().(*qdrant.Value_StringValue)
		if !ok {
			return true, nil
		}
		for _, k := range x.ExceptKeywords.GetStrings() {
			if k == s.StringValue {
				return false, nil
			}
		}
		return true, nil
	}
	return false, status.Errorf(codes.Unimplemented, "this test server does not evaluate %T matches", m.GetMatchValue())
}

// number returns a numeric payload value.
func number(v *qdrant.Value) (float64, bool) {
	switch x := v.GetKind().(type) {
	case *qdrant.Value_IntegerValue:
		return float64(x.IntegerValue), true
	case *qdrant.Value_DoubleValue:
		return x.DoubleValue, true
	}
	return 0, false
}
