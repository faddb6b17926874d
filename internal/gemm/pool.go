package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Task is work split into numbered parts: Do(w, i) does part i on worker
// w: 0 ≤ w < Pool.Threads (worker 0 is the calling goroutine), or −1 when
// the caller runs outside the pool (a nil or busy pool), so that a task
// keeping per-worker state knows not to touch it. Parts must write disjoint
// outputs, so that the result does not depend on which worker does which
// part, or in what order.
type Task interface {
	Do(worker, part int)
}

// Pool is a fixed number of goroutines that run one model's work: its
// GEMMs and its parallel elementwise passes. A Pool of n threads is the
// calling goroutine plus n−1 goroutines started on first use, and belongs
// to one model (graph.Model makes one): its speed does not depend on other
// models running in the same process, and its results do not depend on n.
//
// A nil *Pool, or one of one thread, runs everything on the calling
// goroutine. Do is safe for concurrent use, but runs serially on the caller
// when the pool is busy (a nested call, or a second goroutine).
type Pool struct {
	*pool
}

type pool struct {
	threads int
	mu      sync.Mutex
	once    sync.Once
	wake    chan struct{}
	wg      sync.WaitGroup
	task    Task
	parts   int
	next    atomic.Int64
	closed  bool

	ws  []*workspace // GEMM buffers, one per worker
	job job          // the product being computed
}

// NewPool returns a pool of threads goroutines (at least 1). Its goroutines
// stop when Close is called or the pool is garbage collected.
func NewPool(threads int) *Pool {
	threads = max(threads, 1)
	p := &Pool{&pool{threads: threads, ws: make([]*workspace, threads)}}
	runtime.AddCleanup(p, func(q *pool) { q.close() }, p.pool)
	return p
}

// Threads is the number of goroutines work is split among (1 for a nil
// pool).
func (p *Pool) Threads() int {
	if p == nil || p.pool == nil {
		return 1
	}
	return p.threads
}

// Close stops the pool's goroutines; later calls run serially.
func (p *Pool) Close() {
	if p != nil && p.pool != nil {
		p.close()
	}
}

func (q *pool) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		if q.wake != nil {
			close(q.wake)
		}
	}
}

// Do runs t.Do(w, i) for every part i in [0, parts), on up to Threads
// goroutines, and returns when all are done.
func (p *Pool) Do(parts int, t Task) {
	if p == nil || p.pool == nil || !p.mu.TryLock() {
		for i := range parts {
			t.Do(-1, i)
		}
		return
	}
	defer p.mu.Unlock()
	p.do(parts, t)
}

// do is Do with q.mu held.
func (q *pool) do(parts int, t Task) {
	if q.closed || q.threads < 2 || parts < 2 {
		for i := range parts {
			t.Do(0, i)
		}
		return
	}
	q.once.Do(func() {
		q.wake = make(chan struct{})
		for w := 1; w < q.threads; w++ {
			go q.worker(w)
		}
	})
	q.task, q.parts = t, parts
	q.next.Store(0)
	helpers := min(q.threads, parts) - 1
	q.wg.Add(helpers)
	for range helpers {
		q.wake <- struct{}{}
	}
	q.run(0)
	q.wg.Wait()
	q.task = nil
}

// worker w runs parts until the pool is closed. It holds q, not the Pool,
// so that an unreachable Pool is collected and its cleanup stops it.
func (q *pool) worker(w int) {
	for range q.wake {
		q.run(w)
		q.wg.Done()
	}
}

func (q *pool) run(w int) {
	for {
		i := int(q.next.Add(1)) - 1
		if i >= q.parts {
			return
		}
		q.task.Do(w, i)
	}
}
