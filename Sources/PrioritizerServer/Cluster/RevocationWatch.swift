import Foundation
import PrioritizerStore

/// Hears of agents revoked anywhere (another node, `prioritizer agent revoke`, SQL) as their
/// revocation commits, and tells its handlers, which forget the logins they had checked
/// (`StoreAuthenticator.forgetAll`). Without it a login checked on this node stayed trusted for up
/// to its re-check interval after a revocation made elsewhere. Runs the store's
/// `watchRevocations` between `start()` and `stop()` (the node's join and leave).
public final class RevocationWatch: @unchecked Sendable {
    private let store: any ResourceService
    private let lock = NSLock()
    private var handlers: [@Sendable () -> Void] = []
    private var watching: Task<Void, Never>?

    init(store: any ResourceService) {
        self.store = store
    }

    /// `handler` runs on every revocation heard, and whenever one may have been missed.
    public func onRevocation(_ handler: @escaping @Sendable () -> Void) {
        lock.withLock { handlers.append(handler) }
    }

    func start() {
        lock.withLock {
            guard watching == nil else { return }
            watching = Task { [store] in
                await store.watchRevocations { [weak self] in self?.revoked() }
            }
        }
    }

    func stop() async {
        let task = lock.withLock { () -> Task<Void, Never>? in
            defer { watching = nil }
            return watching
        }
        task?.cancel()
        await task?.value
    }

    private func revoked() {
        for handler in lock.withLock({ handlers }) { handler() }
    }
}
