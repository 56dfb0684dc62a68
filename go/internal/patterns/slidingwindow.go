package patterns

import (
	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/slidingwindow"
)

var slidingWindow = limiterPattern(windowParams)

// The largest limit the sliding-window page allows.
const maxWindowLimit = 1_000_000

// windowParams reads limit and windowMs.
func windowParams(o field.Object) (coreOf, error) {
	limit, err := o.Int("limit", 1, maxWindowLimit)
	if err != nil {
		return nil, err
	}
	window, err := o.Int("windowMs", 1, maxPeriodMs)
	if err != nil {
		return nil, err
	}
	return func(ticksPerMs int64) core { return slidingwindow.New(limit, window*ticksPerMs) }, nil
}
