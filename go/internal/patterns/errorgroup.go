package patterns

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/concurrency-cookbook/cookbook/go/errorgroup"
	"github.com/concurrency-cookbook/cookbook/go/internal/field"
	"github.com/concurrency-cookbook/cookbook/go/internal/observe"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
)

var errorGroup = protocol.Define(protocol.Definition[groupSpec, groupOutput, groupObserved]{
	Validate:   func(in field.Object) (groupSpec, error) { return readGroup(in, idSet{}) },
	Run:        runErrorGroup,
	BenchInput: benchErrorGroup,
	Check:      checkErrorGroup,
})

// Limits from the error-group page.
const maxGroupLimit = 1000

// groupSpec is a group as the input gives it: its policy, its limit (0: none) and its tasks.
type groupSpec struct {
	policy errorgroup.Policy
	limit  int
	tasks  []groupTask
}

// groupTask is a leaf, which sleeps then fails or returns its id, or, when inner is set, a
// task that runs a group of its own and whose value is its id too.
type groupTask struct {
	leaf  task
	inner *groupSpec
}

func (t groupTask) id() uint64 { return t.leaf.seed }

// readGroup reads a group's policy, limit and tasks, then each task in turn: its id, unique
// across the whole tree, then its group, read the same way, or its sleepMs and fail.
func readGroup(o field.Object, ids idSet) (groupSpec, error) {
	policy, err := o.OneOf("policy", "fail-fast", "collect-all")
	if err != nil {
		return groupSpec{}, err
	}
	limit, err := o.OptInt("limit", 0, 1, maxGroupLimit)
	if err != nil {
		return groupSpec{}, err
	}
	list, err := o.Array("tasks")
	if err != nil {
		return groupSpec{}, err
	}
	g := groupSpec{policy: errorgroup.FailFast, limit: int(limit), tasks: make([]groupTask, list.Len())}
	if policy == "collect-all" {
		g.policy = errorgroup.CollectAll
	}
	for i := range g.tasks {
		t, err := list.Object(i)
		if err != nil {
			return groupSpec{}, err
		}
		if !t.Has("group") {
			if g.tasks[i].leaf, err = readOperation(t, ids); err != nil {
				return groupSpec{}, err
			}
			continue
		}
		id, err := ids.read(t, "id")
		if err != nil {
			return groupSpec{}, err
		}
		inner, err := t.Object("group")
		if err != nil {
			return groupSpec{}, err
		}
		spec, err := readGroup(inner, ids)
		if err != nil {
			return groupSpec{}, err
		}
		g.tasks[i] = groupTask{leaf: task{seed: id}, inner: &spec}
	}
	return g, nil
}

// groupOutput is what a run of a group came to: each task's outcome as the package returned it
// and, for each group task that started, its own group's. It takes the answer's shape only when
// the answer is encoded.
type groupOutput struct {
	spec     *groupSpec
	outcomes []errorgroup.Outcome[uint64]
	inner    []*groupOutput
	err      error
}

func (o groupOutput) MarshalJSON() ([]byte, error) {
	var out struct {
		Tasks []groupTaskJSON `json:"tasks"`
		Error string          `json:"error,omitempty"`
	}
	out.Tasks = o.appendTasks([]groupTaskJSON{})
	if o.err != nil {
		out.Error = message(o.err)
	}
	return json.Marshal(out)
}

// groupTaskJSON is one task's entry: {"id", "status"} and its "value" or "error".
type groupTaskJSON struct {
	ID     uint64 `json:"id"`
	Status string `json:"status"`
	outcomeJSON
}

// appendTasks appends the entries of o's tasks, depth first in input order: a group task, then
// its own tasks. The tasks of a group that never ran never started.
func (o *groupOutput) appendTasks(out []groupTaskJSON) []groupTaskJSON {
	for i, t := range o.spec.tasks {
		entry := groupTaskJSON{ID: t.id(), Status: errorgroup.NotStarted.String()}
		if o.outcomes != nil {
			r := o.outcomes[i]
			entry.Status = r.Status.String()
			switch r.Status {
			case errorgroup.OK, errorgroup.Failed:
				entry.outcomeJSON = outcome{r.Value, r.Err}.wire()
			}
		}
		out = append(out, entry)
		if t.inner != nil {
			inner := o.inner[i]
			if inner == nil {
				inner = &groupOutput{spec: t.inner}
			}
			out = inner.appendTasks(out)
		}
	}
	return out
}

type groupObserved struct {
	ElapsedNs int64       `json:"elapsedNs"`
	Tasks     []runRecord `json:"tasks"`
}

// runErrorGroup runs the tree, each task recording its own run from inside its goroutine, a
// group task around its whole group.
func runErrorGroup(ctx context.Context, spec groupSpec, clock *observe.Clock) (groupOutput, groupObserved) {
	records := observe.NewLog[runRecord](clock)
	out := runGroup(ctx, &spec, clock, records)
	return *out, groupObserved{ElapsedNs: clock.Now(), Tasks: records.Items()}
}

func runGroup(ctx context.Context, spec *groupSpec, clock *observe.Clock, records *observe.Log[runRecord]) *groupOutput {
	out := &groupOutput{spec: spec, inner: make([]*groupOutput, len(spec.tasks))}
	fns := make([]func(context.Context) (uint64, error), len(spec.tasks))
	for i, t := range spec.tasks {
		if t.inner == nil {
			fns[i] = func(ctx context.Context) (uint64, error) {
				run, v, err := t.leaf.runStamped(ctx, clock, "task")
				records.Add(run)
				return v, err
			}
			continue
		}
		fns[i] = func(ctx context.Context) (uint64, error) {
			start := clock.Now()
			// Each group task writes its own slot, read once Run has returned.
			out.inner[i] = runGroup(ctx, t.inner, clock, records)
			err := out.inner[i].err
			records.Add(runRecord{ID: t.id(), StartNs: start, EndNs: clock.Now(), Outcome: ended(ctx, err)})
			return t.id(), err
		}
	}
	out.outcomes, out.err = errorgroup.Run(ctx, spec.policy, spec.limit, fns)
	return out
}

// benchErrorGroup builds the page's benchmark input: one collect-all group of size leaves, ids
// 0..size-1, no sleep, none failing, at most params.limit at once.
func benchErrorGroup(size int, params field.Object) (groupSpec, error) {
	limit, err := params.Int("limit", 1, maxGroupLimit)
	if err != nil {
		return groupSpec{}, err
	}
	tasks := make([]groupTask, size)
	for i := range tasks {
		tasks[i] = groupTask{leaf: task{seed: uint64(i)}}
	}
	return groupSpec{policy: errorgroup.CollectAll, limit: int(limit), tasks: tasks}, nil
}

// checkErrorGroup checks that every task succeeded, once, and digests the values, which are
// the ids, by XOR.
func checkErrorGroup(spec groupSpec, out groupOutput) (protocol.Check, error) {
	results := make([]idOutcome, len(out.outcomes))
	for i, r := range out.outcomes {
		if r.Status != errorgroup.OK {
			return nil, fmt.Errorf("task %d ended %s", spec.tasks[i].id(), r.Status)
		}
		results[i] = idOutcome{spec.tasks[i].id(), outcome{r.Value, r.Err}}
	}
	return xorCheck(len(spec.tasks), results)
}
