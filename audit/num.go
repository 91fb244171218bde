package audit

import (
	"encoding/json"
	"math"
	"strconv"
)

// Num is a float64 that encodes NaN and ±Inf as JSON null (and decodes
// null as NaN): statistics are missing for some agents, and JSON has no
// NaN.
type Num float64

// MarshalJSON implements json.Marshaler.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(f, 'g', -1, 64)), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

var nan = math.NaN()

// numTriple is the JSON form of Interval and Prediction.
type numTriple struct {
	Value Num `json:"value"`
	Lo    Num `json:"lo"`
	Hi    Num `json:"hi"`
}

// MarshalJSON writes missing bounds as null.
func (i Interval) MarshalJSON() ([]byte, error) {
	return json.Marshal(numTriple{Num(i.Value), Num(i.Lo), Num(i.Hi)})
}

// UnmarshalJSON reads null bounds as NaN.
func (i *Interval) UnmarshalJSON(b []byte) error {
	var t numTriple
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	*i = Interval{float64(t.Value), float64(t.Lo), float64(t.Hi)}
	return nil
}

// MarshalJSON writes a missing prediction as nulls.
func (p Prediction) MarshalJSON() ([]byte, error) {
	return json.Marshal(numTriple{Num(p.Value), Num(p.Lo), Num(p.Hi)})
}

// UnmarshalJSON reads null as NaN.
func (p *Prediction) UnmarshalJSON(b []byte) error {
	var t numTriple
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	*p = Prediction{float64(t.Value), float64(t.Lo), float64(t.Hi)}
	return nil
}
