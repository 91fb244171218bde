package audit

import (
	"encoding/json"
	"math"

	"github.com/misgen/misgen/schema"
)

var nan = math.NaN()

// numTriple is the JSON form of Interval and Prediction.
type numTriple struct {
	Value schema.Num `json:"value"`
	Lo    schema.Num `json:"lo"`
	Hi    schema.Num `json:"hi"`
}

// MarshalJSON writes missing bounds as null.
func (i Interval) MarshalJSON() ([]byte, error) {
	return json.Marshal(numTriple{schema.Num(i.Value), schema.Num(i.Lo), schema.Num(i.Hi)})
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
	return json.Marshal(numTriple{schema.Num(p.Value), schema.Num(p.Lo), schema.Num(p.Hi)})
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
