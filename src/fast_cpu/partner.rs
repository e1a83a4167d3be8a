//! A partner thread for two-way splits of short tasks.
//!
//! A sampler's network call splits its rows in two halves of some tens of microseconds
//! each. Handing one half to a sleeping pool thread costs a wake-up that on a virtual
//! machine can take as long as the half itself. The partner instead spins for a while
//! after each task, so that the next hand-off, a few tens of microseconds later, costs
//! one cache line; after `SPIN` (20 ms) without work it parks and uses no CPU.
//!
//! Each thread that calls [`join`] gets its own partner, created on first use, and only
//! when rayon's current pool allows more than one thread: a sweep that trains each run
//! on one thread runs both halves in turn, on that thread.
//!
//! Two threads must never be slower than one. On a machine whose cores are shared, the
//! partner may not get a core in time; so the caller, once its own half is done, takes
//! back a task the partner has not started and runs it itself (the result is the same:
//! who runs a half never changes what it computes), and an idle partner yields its core
//! between spins.

use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

/// How long an idle partner keeps spinning before it parks.
const SPIN: Duration = Duration::from_millis(20);

/// No task; the partner waits.
const IDLE: u8 = 0;
/// A task is in the slot, not yet claimed.
const WORK: u8 = 1;
/// The task has run; its panic, if any, is in the slot.
const DONE: u8 = 2;
/// The partner should end.
const EXIT: u8 = 3;
/// The partner has claimed the task and is running it.
const RUNNING: u8 = 4;

/// A task whose borrows outlive its run: [`Partner::join`] waits for it (see there).
type Task = Box<dyn FnOnce() + Send + 'static>;

struct Shared {
    state: AtomicU8,
    task: UnsafeCell<Option<Task>>,
    panic: UnsafeCell<Option<Box<dyn Any + Send>>>,
}

// SAFETY: `task` and `panic` are handed between exactly two threads through `state`:
// the owner writes `task` before storing WORK (release), and reads `panic` after loading
// DONE (acquire) or takes `task` back after its own WORK → IDLE exchange succeeds; the
// partner takes `task` only after its WORK → RUNNING exchange succeeds and writes
// `panic` before storing DONE. Exactly one exchange out of WORK can succeed, so exactly
// one thread takes the task, and neither touches the slots otherwise.
unsafe impl Sync for Shared {}

struct Partner {
    shared: Arc<Shared>,
    thread: Thread,
    handle: Option<JoinHandle<()>>,
}

thread_local! {
    /// This thread's partner, once it has one.
    static PARTNER: Cell<Option<Partner>> = const { Cell::new(None) };
    /// Set on partner threads, which never get partners of their own.
    static IS_PARTNER: Cell<bool> = const { Cell::new(false) };
}

/// Runs `a` here and `b` on this thread's partner at the same time, and returns both
/// results; where no partner is allowed (a one-thread pool, or on a partner), runs `a`
/// then `b`. A panic in either is resumed here after both have finished.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    if IS_PARTNER.get() || rayon::current_num_threads() < 2 {
        return (a(), b());
    }
    // Taken out while in use, so a nested `join` would start its own partner.
    let partner = PARTNER.take().unwrap_or_else(Partner::start);
    let result = partner.join(a, b);
    PARTNER.set(Some(partner));
    result
}

impl Partner {
    fn start() -> Partner {
        let shared = Arc::new(Shared {
            state: AtomicU8::new(IDLE),
            task: UnsafeCell::new(None),
            panic: UnsafeCell::new(None),
        });
        let theirs = Arc::clone(&shared);
        let handle = thread::Builder::new()
            .name("partner".into())
            .spawn(move || serve(&theirs))
            .expect("start a partner thread");
        Partner {
            thread: handle.thread().clone(),
            shared,
            handle: Some(handle),
        }
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA,
        B: FnOnce() -> RB + Send,
        RB: Send,
    {
        let mut b_result: Option<RB> = None;
        let out = &mut b_result;
        let task: Box<dyn FnOnce() + Send + '_> = Box::new(move || *out = Some(b()));
        // SAFETY: the task borrows `b`'s captures and `b_result`, which live until this
        // function returns; it returns only after the partner has stored DONE, that is
        // after the task has run (or unwound) and been dropped. So no borrow outlives
        // its referent, although the type says `'static`.
        let task: Task = unsafe { std::mem::transmute(task) };
        // SAFETY: IDLE, so the partner does not touch the slot (see `Shared`).
        unsafe { *self.shared.task.get() = Some(task) };
        self.shared.state.store(WORK, Ordering::Release);
        self.thread.unpark();
        let a_result = catch_unwind(AssertUnwindSafe(a));
        let reclaimed = self
            .shared
            .state
            .compare_exchange(WORK, IDLE, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        let b_panic = if reclaimed {
            // The partner was late: run its half here rather than wait for a core.
            // SAFETY: our exchange out of WORK succeeded, so the partner never will.
            let task = unsafe { (*self.shared.task.get()).take() }.expect("the task");
            catch_unwind(AssertUnwindSafe(task)).err()
        } else {
            let mut spins = 0u32;
            while self.shared.state.load(Ordering::Acquire) != DONE {
                spins += 1;
                if spins < 1 << 12 {
                    std::hint::spin_loop();
                } else {
                    thread::yield_now();
                }
            }
            // SAFETY: DONE, so the partner is back to waiting and does not touch the slot.
            let panic = unsafe { (*self.shared.panic.get()).take() };
            self.shared.state.store(IDLE, Ordering::Relaxed);
            panic
        };
        match (a_result, b_panic) {
            (Err(panic), _) | (Ok(_), Some(panic)) => resume_unwind(panic),
            (Ok(a_result), None) => (a_result, b_result.expect("the partner ran its task")),
        }
    }
}

impl Drop for Partner {
    fn drop(&mut self) {
        self.shared.state.store(EXIT, Ordering::Release);
        self.thread.unpark();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The partner's loop: wait for a task (spinning, then parked), run it, report.
fn serve(shared: &Shared) {
    IS_PARTNER.set(true);
    loop {
        let idle_since = Instant::now();
        let mut spins = 0u32;
        let state = loop {
            match shared.state.load(Ordering::Acquire) {
                // Claim the task, unless the owner has taken it back meanwhile.
                WORK => {
                    let claim = shared.state.compare_exchange(
                        WORK,
                        RUNNING,
                        Ordering::Acquire,
                        Ordering::Relaxed,
                    );
                    if claim.is_ok() {
                        break WORK;
                    }
                }
                EXIT => break EXIT,
                _ if !spins.is_multiple_of(256) => {
                    spins = spins.wrapping_add(1);
                    std::hint::spin_loop()
                }
                // The clock is read now and then only: reading it costs more than a spin.
                // Between, the core is offered to any thread that waits for it (perhaps
                // the owner, on a machine whose cores are shared).
                _ if idle_since.elapsed() < SPIN => {
                    spins = spins.wrapping_add(1);
                    thread::yield_now()
                }
                // A spurious or early wake-up just goes round again.
                _ => {
                    spins = spins.wrapping_add(1);
                    thread::park_timeout(Duration::from_millis(50))
                }
            }
        };
        if state == EXIT {
            return;
        }
        // SAFETY: our WORK → RUNNING exchange succeeded, so the owner has written the
        // slot and will not take it back (see `Shared`).
        let task = unsafe { (*shared.task.get()).take() }.expect("a task with WORK");
        let panic = catch_unwind(AssertUnwindSafe(task)).err();
        // SAFETY: the owner reads this only after DONE.
        unsafe { *shared.panic.get() = panic };
        shared.state.store(DONE, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_run_and_return_in_order() {
        let data: Vec<u64> = (1..=1000).collect();
        for _ in 0..200 {
            let (a, b) = join(
                || data[..500].iter().sum::<u64>(),
                || data[500..].iter().sum::<u64>(),
            );
            assert_eq!((a, b), (125_250, 375_250));
        }
    }

    /// The threads that ran each side of a `join` inside a pool of `threads`.
    fn sides_in_pool(threads: usize) -> (thread::ThreadId, thread::ThreadId) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        // `a` waits until `b` has started, so `b` cannot be taken back: it runs on the
        // partner whenever there is one.
        let started = std::sync::atomic::AtomicBool::new(false);
        pool.install(|| {
            join(
                || {
                    let deadline = Instant::now() + Duration::from_secs(10);
                    // (With one thread `b` runs after `a`: nothing to wait for.)
                    while threads > 1
                        && !started.load(Ordering::Acquire)
                        && Instant::now() < deadline
                    {
                        thread::yield_now();
                    }
                    thread::current().id()
                },
                || {
                    started.store(true, Ordering::Release);
                    thread::current().id()
                },
            )
        })
    }

    #[test]
    fn the_partner_is_another_thread_when_the_pool_allows_two() {
        let (a, b) = sides_in_pool(2);
        assert_ne!(a, b);
        let (a, b) = sides_in_pool(1);
        assert_eq!(a, b);
    }

    #[test]
    fn a_panic_on_the_partner_reaches_the_caller_and_the_partner_survives() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            let caught = catch_unwind(|| join(|| 1, || -> i32 { panic!("partner task failed") }));
            assert!(caught.is_err());
            assert_eq!(join(|| 1, || 2), (1, 2));
        });
    }
}
