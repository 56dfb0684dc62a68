package patterns

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
	"github.com/concurrency-cookbook/cookbook/go/pubsub"
	"github.com/concurrency-cookbook/cookbook/go/work"
)

var pubSub = protocol.Define(protocol.Definition[psInput, psOutput, psObserved]{
	Validate:   validatePS,
	Run:        runPS,
	BenchInput: benchPS,
	Check:      checkPS,
})

// Limits from the pub-sub page.
const (
	maxBufferSize  = 10_000
	maxSubscribers = 1000
	maxTopicLength = 100
)

type psInput struct {
	policy pubsub.Policy
	size   int
	subs   []psSubscriber
	script []psOp
	// publishes is the number of publish operations in script.
	publishes int
}

type psSubscriber struct {
	id     uint64
	topic  string
	sleep  time.Duration
	paused bool
}

// psOp is one operation of the script: a subscriber's (by its index in subs) or a publish.
type psOp struct {
	kind  string
	sub   int
	topic string
	id    uint64
}

// validatePS checks policy, bufferSize, subscribers, each subscriber, script, then each
// operation, with the subscriber operations in turn: each subscriber subscribed at most once,
// unsubscribed only once subscribed, resumed only while paused.
func validatePS(in field.Object) (psInput, error) {
	policy, err := in.OneOf("policy", "block", "lag")
	if err != nil {
		return psInput{}, err
	}
	size, err := in.Int("bufferSize", 1, maxBufferSize)
	if err != nil {
		return psInput{}, err
	}
	list, err := in.Array("subscribers")
	if err != nil {
		return psInput{}, err
	}
	if err := list.AtMost(maxSubscribers); err != nil {
		return psInput{}, err
	}
	p := psInput{policy: pubsub.Block, size: int(size), subs: make([]psSubscriber, list.Len())}
	if policy == "lag" {
		p.policy = pubsub.Lag
	}
	ids, index := idSet{}, make(map[uint64]int, list.Len())
	for k := range list.Len() {
		o, err := list.Object(k)
		if err != nil {
			return psInput{}, err
		}
		if p.subs[k], err = readSubscriber(o, ids, p.policy); err != nil {
			return psInput{}, err
		}
		index[p.subs[k].id] = k
	}
	script, err := in.Array("script")
	if err != nil {
		return psInput{}, err
	}
	p.script = make([]psOp, script.Len())
	v := scriptTurns{subs: p.subs, index: index, messages: idSet{}, state: make([]subState, len(p.subs))}
	for n := range script.Len() {
		o, err := script.Object(n)
		if err != nil {
			return psInput{}, err
		}
		if p.script[n], err = v.read(o); err != nil {
			return psInput{}, err
		}
		if p.script[n].kind == "publish" {
			p.publishes++
		}
	}
	return p, nil
}

// readSubscriber reads a subscriber's id, topic, sleepMs and paused, which only lag allows.
func readSubscriber(o field.Object, ids idSet, policy pubsub.Policy) (psSubscriber, error) {
	id, err := ids.read(o, "id")
	if err != nil {
		return psSubscriber{}, err
	}
	topic, err := readTopic(o)
	if err != nil {
		return psSubscriber{}, err
	}
	sleep, err := optMs(o, "sleepMs", maxSleepMs)
	if err != nil {
		return psSubscriber{}, err
	}
	paused, err := o.OptBool("paused", false)
	if err != nil {
		return psSubscriber{}, err
	}
	if paused && policy == pubsub.Block {
		return psSubscriber{}, field.Errorf(o.Path("paused"), "must be false under the block policy, where a paused subscriber would stop the publisher for good, got true")
	}
	return psSubscriber{id: id, topic: topic, sleep: sleep, paused: paused}, nil
}

// readTopic reads a topic, from 1 to 100 characters (code points).
func readTopic(o field.Object) (string, error) {
	topic, err := o.String("topic")
	if err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(topic); n < 1 || n > maxTopicLength {
		return "", field.Errorf(o.Path("topic"), "must be a string of 1 to %d characters, got %d: %s", maxTopicLength, n, field.Show(topic))
	}
	return topic, nil
}

// subState is where a subscriber is in its life as the script goes.
type subState struct {
	subscribed, unsubscribed, resumed bool
}

// scriptTurns reads the operations of a script in order, keeping each subscriber's state.
type scriptTurns struct {
	subs     []psSubscriber
	index    map[uint64]int
	messages idSet
	state    []subState
}

func (v scriptTurns) read(o field.Object) (psOp, error) {
	kind, err := o.OneOf("op", "subscribe", "unsubscribe", "resume", "publish")
	if err != nil {
		return psOp{}, err
	}
	if kind == "publish" {
		topic, err := readTopic(o)
		if err != nil {
			return psOp{}, err
		}
		id, err := v.messages.read(o, "id")
		return psOp{kind: kind, topic: topic, id: id}, err
	}
	id, err := o.Int("subscriber", 0, maxID)
	if err != nil {
		return psOp{}, err
	}
	k, known := v.index[uint64(id)]
	if !known {
		return psOp{}, field.Errorf(o.Path("subscriber"), "must be the id of one of the subscribers, got %d", id)
	}
	st := &v.state[k]
	outOfTurn := func(why string) (psOp, error) {
		return psOp{}, field.Errorf(o.Path("subscriber"), "cannot %s subscriber %d: %s", kind, id, why)
	}
	switch {
	case kind == "subscribe" && st.subscribed:
		return outOfTurn("a subscriber subscribes at most once")
	case kind == "unsubscribe" && !st.subscribed:
		return outOfTurn("it has not subscribed")
	case kind == "unsubscribe" && st.unsubscribed:
		return outOfTurn("it has unsubscribed already")
	case kind == "resume" && (!v.subs[k].paused || st.resumed):
		return outOfTurn("it is not paused")
	}
	switch kind {
	case "subscribe":
		st.subscribed = true
	case "unsubscribe":
		st.unsubscribed = true
	default:
		st.resumed = true
	}
	return psOp{kind: kind, sub: k}, nil
}

// psOutput is what each subscriber received, in the order of the subscribers.
type psOutput struct {
	streams []psStream
	ids     []uint64 // the subscribers' ids
}

func (o psOutput) MarshalJSON() ([]byte, error) {
	type subscriberJSON struct {
		ID       uint64   `json:"id"`
		Received []uint64 `json:"received"`
		Missed   int      `json:"missed"`
	}
	subs := make([]subscriberJSON, len(o.streams))
	for k, s := range o.streams {
		subs[k] = subscriberJSON{o.ids[k], s.received, s.missed}
		if s.received == nil {
			subs[k].Received = []uint64{}
		}
	}
	return json.Marshal(struct {
		Subscribers []subscriberJSON `json:"subscribers"`
	}{subs})
}

// psStream is what one subscriber's stream yielded; its reader writes it, and Run reads it once
// the reader has returned.
type psStream struct {
	received []uint64
	missed   int
	seen     []seenRecord
	endNs    int64
	// sum is the sum of the ids received, for the benchmark's check.
	sum uint64
}

// seenRecord is one thing a stream yielded: a message, or a notice of missed messages.
type seenRecord struct {
	id     uint64
	missed int
	ns     int64
}

func (r seenRecord) MarshalJSON() ([]byte, error) {
	if r.missed > 0 {
		return json.Marshal(struct {
			Missed int   `json:"missed"`
			Ns     int64 `json:"ns"`
		}{r.missed, r.ns})
	}
	return json.Marshal(struct {
		ID uint64 `json:"id"`
		Ns int64  `json:"ns"`
	}{r.id, r.ns})
}

type psObserved struct {
	ElapsedNs   int64            `json:"elapsedNs"`
	Publishes   []observe.Event  `json:"publishes"`
	Streams     []streamRecord   `json:"streams"`
	MaxBuffered []bufferedRecord `json:"maxBuffered"`
}

type streamRecord struct {
	Subscriber uint64       `json:"subscriber"`
	Seen       []seenRecord `json:"seen"`
	EndNs      int64        `json:"endNs"`
}

type bufferedRecord struct {
	Subscriber uint64 `json:"subscriber"`
	Max        int    `json:"max"`
}

// psRun is one run of a script against one bus.
type psRun struct {
	in      psInput
	clock   *observe.Clock
	bus     *pubsub.Bus[uint64]
	streams []psStream
	// resume[k] is closed when paused subscriber k may start reading; nil for the others.
	resume  []chan struct{}
	readers sync.WaitGroup
}

// runPS runs the script on one goroutine, the publisher, with a reader goroutine per
// subscriber from its subscribe on, then closes the bus and waits for every stream to end. The
// publisher reads, after each publish, how full the buffers of the topic's subscribers are: a
// lower bound of the most each held, read without slowing the bus down.
func runPS(ctx context.Context, in psInput, clock *observe.Clock) (psOutput, psObserved) {
	r := &psRun{in: in, clock: clock, bus: pubsub.New[uint64](in.policy, in.size), streams: make([]psStream, len(in.subs)), resume: make([]chan struct{}, len(in.subs))}
	for k, s := range in.subs {
		if s.paused {
			r.resume[k] = make(chan struct{})
		}
	}
	subscriptions := make([]*pubsub.Subscription[uint64], len(in.subs))
	// byTopic is the current subscriptions of each topic, by subscriber, for the buffers' fill.
	byTopic := map[string]map[int]*pubsub.Subscription[uint64]{}
	maxBuffered := make([]int, len(in.subs))
	// resumed is the publisher's own: the readers only wait on their channels.
	resumed := make([]bool, len(in.subs))
	publishes := make([]observe.Event, 0, in.publishes)
	for _, op := range in.script {
		switch op.kind {
		case "subscribe":
			s, err := r.bus.Subscribe(in.subs[op.sub].topic)
			if err != nil {
				continue
			}
			subscriptions[op.sub] = s
			if clock != nil {
				topic := in.subs[op.sub].topic
				if byTopic[topic] == nil {
					byTopic[topic] = map[int]*pubsub.Subscription[uint64]{}
				}
				byTopic[topic][op.sub] = s
			}
			r.readers.Go(func() { r.read(ctx, op.sub, s) })
		case "unsubscribe":
			subscriptions[op.sub].Unsubscribe()
			delete(byTopic[in.subs[op.sub].topic], op.sub)
		case "resume":
			close(r.resume[op.sub])
			resumed[op.sub] = true
		default:
			start := clock.Now()
			if r.bus.Publish(ctx, op.topic, op.id) != nil {
				continue
			}
			if clock != nil {
				publishes = append(publishes, observe.Event{ID: op.id, StartNs: start, EndNs: clock.Now()})
				for k, s := range byTopic[op.topic] {
					maxBuffered[k] = max(maxBuffered[k], s.Buffered())
				}
			}
		}
	}
	r.bus.Close()
	closed := clock.Now()
	// Paused subscribers are resumed at the close, and drain what their buffers kept.
	for k, ch := range r.resume {
		if ch != nil && !resumed[k] {
			close(ch)
		}
	}
	r.readers.Wait()

	obs := psObserved{ElapsedNs: clock.Now(), Publishes: publishes, Streams: make([]streamRecord, len(in.subs)), MaxBuffered: make([]bufferedRecord, len(in.subs))}
	out := psOutput{streams: r.streams, ids: make([]uint64, len(in.subs))}
	for k, s := range in.subs {
		out.ids[k] = s.id
		// A subscriber that never subscribed has an empty stream that ends at the close.
		end := closed
		if subscriptions[k] != nil {
			end = r.streams[k].endNs
		}
		seen := r.streams[k].seen
		if seen == nil {
			seen = []seenRecord{}
		}
		obs.Streams[k] = streamRecord{Subscriber: s.id, Seen: seen, EndNs: end}
		obs.MaxBuffered[k] = bufferedRecord{Subscriber: s.id, Max: maxBuffered[k]}
	}
	return out, obs
}

// read is subscriber k's reader: paused, it waits for its resume; then it takes each message
// and sleeps the subscriber's sleepMs over it, until its stream ends.
func (r *psRun) read(ctx context.Context, k int, s *pubsub.Subscription[uint64]) {
	st := &r.streams[k]
	if ch := r.resume[k]; ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
	for m, missed := range s.All(ctx) {
		if r.clock != nil {
			ns := r.clock.Now()
			if missed > 0 {
				st.seen = append(st.seen, seenRecord{missed: missed, ns: ns})
			}
			st.seen = append(st.seen, seenRecord{id: m, ns: ns})
		}
		st.received = append(st.received, m)
		st.missed += missed
		st.sum += m
		if sleep(ctx, r.in.subs[k].sleep) != nil {
			break
		}
	}
	st.endNs = r.clock.Now()
}

// benchPS builds the page's benchmark input: params.subscribers subscribers of "t", subscribed
// first, then size messages 0..size-1 published to "t", under block. It validates subscribers,
// then bufferSize.
func benchPS(size int, params field.Object) (psInput, error) {
	subs, err := params.Int("subscribers", 1, maxSubscribers)
	if err != nil {
		return psInput{}, err
	}
	buffer, err := params.Int("bufferSize", 1, maxBufferSize)
	if err != nil {
		return psInput{}, err
	}
	p := psInput{policy: pubsub.Block, size: int(buffer), subs: make([]psSubscriber, subs), script: make([]psOp, 0, int(subs)+size), publishes: size}
	for k := range p.subs {
		p.subs[k] = psSubscriber{id: uint64(k), topic: "t"}
		p.script = append(p.script, psOp{kind: "subscribe", sub: k})
	}
	for i := range size {
		p.script = append(p.script, psOp{kind: "publish", topic: "t", id: uint64(i)})
	}
	return p, nil
}

// checkPS checks that every subscriber received every message, and digests the deliveries: the
// messages published, the messages delivered and the sum of the delivered ids, modulo 2^64.
func checkPS(in psInput, out psOutput) (protocol.Check, error) {
	count, digest := 0, uint64(0)
	for k, s := range out.streams {
		if len(s.received) != in.publishes || s.missed != 0 {
			return nil, fmt.Errorf("subscriber %d received %d messages and missed %d, of %d", k, len(s.received), s.missed, in.publishes)
		}
		count += len(s.received)
		digest += s.sum
	}
	return protocol.Check{"count": in.publishes, "delivered": count, "digest": work.Hex(digest)}, nil
}
