package audit

import "math"

var nan = math.NaN()
