package priorityqueue_test

import (
	"context"
	"fmt"

	"github.com/concurrency-cookbook/cookbook/go/priorityqueue"
)

func ExampleQueue() {
	q := priorityqueue.NewQueue[string]()
	q.Push("backup", 5)
	q.Push("alert", 0)
	q.Push("report", 5)
	q.Push("page", 0)
	q.Close()
	// Most urgent first; equal priorities in the order they were pushed.
	for job, priority, ok := q.Pop(context.Background()); ok; job, priority, ok = q.Pop(context.Background()) {
		fmt.Println(priority, job)
	}
	// Output:
	// 0 alert
	// 0 page
	// 5 backup
	// 5 report
}
