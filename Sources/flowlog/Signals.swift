import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by SIGINT / SIGTERM so a running ingest commits what it read and exits cleanly.
let stopRequested = Atomic<Bool>(false)

/// Installs handlers for SIGINT and SIGTERM that set ``stopRequested``. A second signal of the
/// same kind takes the default action (the handler resets itself), so a stuck run can be killed.
func installStopHandlers() {
    // A parent can start us with these signals blocked (the mask is inherited through exec);
    // a service manager's SIGTERM must still reach the handler.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigaddset(&unblock, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    for signalNumber in [SIGINT, SIGTERM] {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in stopRequested.store(true, ordering: .relaxed) }
        #else
        action.__sigaction_u.__sa_handler = { _ in stopRequested.store(true, ordering: .relaxed) }
        #endif
        action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
        sigemptyset(&action.sa_mask)
        sigaction(signalNumber, &action, nil)
    }
}
