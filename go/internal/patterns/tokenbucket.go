package patterns

import (
	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/tokenbucket"
)

var tokenBucket = limiterPattern(bucketParams)

// Limits from the token-bucket page.
const (
	maxTokens = 1_000_000
	maxBurst  = 1_000_000
)

// bucketParams reads refill (the object, then tokens and everyMs) and burst. A token costs
// everyMs credits on millisecond ticks, everyMs * 1e6 on nanosecond ones.
func bucketParams(o field.Object) (coreOf, error) {
	refill, err := o.Object("refill")
	if err != nil {
		return nil, err
	}
	tokens, err := refill.Int("tokens", 1, maxTokens)
	if err != nil {
		return nil, err
	}
	every, err := refill.Int("everyMs", 1, maxPeriodMs)
	if err != nil {
		return nil, err
	}
	burst, err := o.Int("burst", 1, maxBurst)
	if err != nil {
		return nil, err
	}
	return func(ticksPerMs int64) core { return tokenbucket.New(tokens, every*ticksPerMs, burst) }, nil
}
