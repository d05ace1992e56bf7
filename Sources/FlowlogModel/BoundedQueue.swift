#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking first-in-first-out queue of bounded length between two threads.
///
/// The bound is what keeps ingest memory constant: a reader that outpaces the writer waits.
/// Owns a pthread mutex and condition variables, released in `deinit`. (`Synchronization.Mutex`
/// has no condition variables to wait on, which a blocking queue needs.)
///
/// @unchecked: every access to `items` and `closed` happens with `mutex` held.
package final class BoundedQueue<Element>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var items: [Element] = []
    private var closed = false
    private let capacity: Int

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        pthread_cond_destroy(notFull)
        pthread_cond_destroy(notEmpty)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        notEmpty.deallocate()
        notFull.deallocate()
    }

    private func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Appends `element`, waiting while the queue is full. Returns false if the queue was closed.
    @discardableResult
    package func push(_ element: Element) -> Bool {
        withLock {
            while items.count >= capacity && !closed { pthread_cond_wait(notFull, mutex) }
            guard !closed else { return false }
            items.append(element)
            pthread_cond_signal(notEmpty)
            return true
        }
    }

    /// Removes the oldest element, waiting while the queue is empty; nil once closed and drained.
    package func pop() -> Element? {
        withLock {
            while items.isEmpty && !closed { pthread_cond_wait(notEmpty, mutex) }
            guard !items.isEmpty else { return nil }
            // The queue is short, so removing from the front is cheap, and the element is
            // released as soon as the consumer is done with it.
            let element = items.removeFirst()
            pthread_cond_signal(notFull)
            return element
        }
    }

    /// No more elements will be pushed; waiting consumers drain what is left, then get nil.
    package func close() {
        withLock {
            closed = true
            pthread_cond_broadcast(notEmpty)
            pthread_cond_broadcast(notFull)
        }
    }
}

/// Runs a closure on a new POSIX thread; `join()` waits for it to finish.
///
/// @unchecked: `thread` is written by `start()` and read by `join()`, both called by the one
/// thread that owns the worker, and `body` is immutable.
package final class WorkerThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    package init(_ body: @escaping () -> Void) {
        self.body = body
    }

    /// Starts the thread; returns false if the system refused to create one.
    package func start() -> Bool {
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Glibc)
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let worker = Unmanaged<WorkerThread>.fromOpaque(raw).takeRetainedValue()
            worker.body()
            return nil
        }, context)
        #else
        var created: pthread_t?
        let result = pthread_create(&created, nil, { raw in
            let worker = Unmanaged<WorkerThread>.fromOpaque(raw).takeRetainedValue()
            worker.body()
            return nil
        }, context)
        if let created { thread = created }
        #endif
        if result != 0 { Unmanaged<WorkerThread>.fromOpaque(context).release() }
        return result == 0
    }

    package func join() {
        pthread_join(thread, nil)
    }
}
