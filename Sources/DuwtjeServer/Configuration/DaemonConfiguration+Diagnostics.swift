#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DuwtjeRules

/// `diagnostics:` in the configuration: an optional TCP listener for what a monitor needs
/// (`/metrics`, `/healthz`, `/readyz`), because Prometheus scrapes HTTP over TCP and cannot reach a
/// Unix socket. Never the API. Off unless `listen` is set; as OPA's `--diagnostic-addr` and flagd's
/// management port do.
public struct DiagnosticsSettings: Sendable, Equatable {
    /// An IP literal and a port, e.g. `127.0.0.1:9464` or `[::1]:9464`.
    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        /// 127.0.0.0/8 or ::1: reachable from this machine only.
        public var isLoopback: Bool {
            var v4 = in_addr()
            if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
            return withUnsafeBytes(of: &v6) { bytes in bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1 }
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// `host:port` with an IPv4 literal, `[v6]:port`, or `localhost:port` (127.0.0.1); nil otherwise.
        public static func parse(_ text: String) -> Address? {
            let host: Substring
            let port: Substring
            if text.hasPrefix("[") {
                guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
                host = text[text.index(after: text.startIndex)..<close]
                port = text[text.index(close, offsetBy: 2)...]
            } else {
                guard let colon = text.lastIndex(of: ":") else { return nil }
                host = text[..<colon]
                port = text[text.index(after: colon)...]
            }
            guard let number = Int(port), (1...65_535).contains(number), !host.isEmpty else { return nil }
            let address = Address(host: host == "localhost" ? "127.0.0.1" : String(host), port: number)
            var v4 = in_addr(), v6 = in6_addr()
            guard inet_pton(AF_INET, address.host, &v4) == 1 || inet_pton(AF_INET6, address.host, &v6) == 1 else { return nil }
            return address
        }
    }

    /// Where to listen; nil (the default) means no TCP listener at all.
    public var listen: Address?
    /// Lets `listen` be an address other machines reach. Off by default: metrics name rules and
    /// nudges, and nothing but this machine's monitor should see them without a decision.
    public var allowRemote = false

    public init(listen: Address? = nil, allowRemote: Bool = false) {
        self.listen = listen
        self.allowRemote = allowRemote
    }
}

extension ConfigurationParser {
    mutating func diagnosticsListener(_ node: YAMLNode, into diagnostics: inout DiagnosticsSettings) {
        var listenNode: YAMLNode?
        for (key, value) in pairs(node, section: "diagnostics", known: ["listen", "allow_remote"]) {
            switch key {
            case "listen":
                if value.isNull {
                    diagnostics.listen = nil
                } else if let text = string(value, name: "diagnostics.listen") {
                    guard let address = DiagnosticsSettings.Address.parse(text) else {
                        error("'diagnostics.listen' must be an IP address and a port such as \"127.0.0.1:9464\" or \"[::1]:9464\", not \(describe(value))",
                              at: value, fix: "write the address quoted, with an IP address (not a host name) and a port")
                        continue
                    }
                    diagnostics.listen = address
                    listenNode = value
                }
            case "allow_remote":
                switch value.scalar?.text {
                case "true" where value.scalar?.isPlain == true: diagnostics.allowRemote = true
                case "false" where value.scalar?.isPlain == true: diagnostics.allowRemote = false
                default: error("'diagnostics.allow_remote' must be true or false, not \(describe(value))", at: value)
                }
            default:
                break
            }
        }
        if let address = diagnostics.listen, let listenNode, !address.isLoopback, !diagnostics.allowRemote {
            error("'diagnostics.listen' is \(address), which other machines can reach; the diagnostics listener serves metrics without authentication",
                  at: listenNode, fix: "listen on 127.0.0.1 or [::1], or add allow_remote: true to diagnostics if that is intended")
        }
    }
}
