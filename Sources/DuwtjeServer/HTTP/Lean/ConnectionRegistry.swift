import NIOCore
import Synchronization

/// The open connections of a ``LeanHTTPServer``, for its graceful shutdown.
final class ConnectionRegistry: Sendable {
    struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var quiescing = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let state = Mutex(State())

    /// Called on the channel's event loop once its handlers are in place; `onClose` runs once it
    /// has closed (one callback on the close future for both: each costs a connection ~1,500
    /// instructions).
    func opened(_ channel: any Channel, onClose: @escaping @Sendable () -> Void) {
        let id = ObjectIdentifier(channel)
        let quiescing = state.withLock { state in
            state.channels[id] = channel
            return state.quiescing
        }
        channel.closeFuture.whenComplete { _ in
            self.closed(id)
            onClose()
        }
        if quiescing { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
    }

    func closed(_ id: ObjectIdentifier) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.channels[id] = nil
            guard state.channels.isEmpty, state.quiescing else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Asks every connection to close once its current request is answered.
    func quiesce() {
        let channels = state.withLock { state in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
    }

    func closeAll() {
        let channels = state.withLock { state in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Returns once the registry is quiescing and every connection has closed.
    func allClosed() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                guard state.channels.isEmpty, state.quiescing else {
                    state.waiters.append(waiter)
                    return false
                }
                return true
            }
            if done { waiter.resume() }
        }
    }
}
