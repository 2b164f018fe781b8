import Foundation
import NIOCore
import NIOPosix

/// A plain TCP connection that sends bytes and collects what comes back, to look at the
/// server's exact replies the way `nc` would.
final class RawConnection: @unchecked Sendable {
    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let lock = NSLock()
        var received: [UInt8] = []
        var closed = false

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            lock.withLock { received += buffer.readableBytesView }
        }

        func channelInactive(context: ChannelHandlerContext) {
            lock.withLock { closed = true }
        }
    }

    private let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(port: Int) async throws -> RawConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    var text: String { collector.lock.withLock { String(decoding: collector.received, as: UTF8.self) } }
    var isClosed: Bool { collector.lock.withLock { collector.closed } }

    /// Waits until the received text satisfies `condition` (or five seconds pass) and returns it.
    @discardableResult
    func receive(until condition: (String) -> Bool) async throws -> String {
        for _ in 0..<500 {
            let current = text
            if condition(current) { return current }
            try await Task.sleep(for: .milliseconds(10))
        }
        return text
    }

    /// Waits until `count` bytes arrived.
    func receive(count: Int) async throws -> String {
        try await receive { $0.utf8.count >= count }
    }

    func waitUntilClosed() async throws -> Bool {
        for _ in 0..<500 where !isClosed { try await Task.sleep(for: .milliseconds(10)) }
        return isClosed
    }

    func clear() {
        collector.lock.withLock { collector.received.removeAll() }
    }

    /// Half-closes: no more requests, as `nc -N` does at the end of its input.
    func closeOutput() async throws {
        try await channel.close(mode: .output)
    }

    func close() async {
        try? await channel.close()
    }
}
