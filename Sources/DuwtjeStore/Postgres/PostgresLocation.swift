import Foundation
import NIOCore
import NIOSSL
import PostgresNIO

/// Where the shared PostgreSQL database is and how to reach it, from `store.url` (libpq's URL form):
/// `postgresql://USER[:PASSWORD]@[HOST][:PORT]/DATABASE[?host=/run/postgresql&sslmode=require]`.
///
/// A `host` starting with `/` (in the authority or as the `host` parameter) is a socket directory
/// (`DIR/.s.PGSQL.PORT`). `sslmode`: `disable`, `prefer` (TCP's default), `require` (encrypted,
/// certificate not checked) or `verify-full` (encrypted, certificate and host name checked).
/// The password comes from `store.password_file` (or the URL); it is never part of ``redacted``,
/// of any log line, status or error.
public struct PostgresLocation: Sendable, Equatable {
    public enum TLSMode: String, Sendable { case disable, prefer, require, verifyFull = "verify-full" }

    public var user: String
    public var password: String?
    public var database: String
    /// A socket directory (starting with `/`) or a host name.
    public var host: String
    public var port: Int
    public var tls: TLSMode

    /// Reads `url`; the error says what is wrong with it (never repeating a password).
    public init(url: String, password: String? = nil) throws(StoreError) {
        func fail(_ message: String) -> StoreError {
            StoreError(path: "store.url", message: message + " (write postgresql://USER@/DATABASE?host=/run/postgresql)")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme,
              scheme == "postgresql" || scheme == "postgres" else {
            throw fail("is not a postgresql:// URL")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        for name in query.keys where !["host", "port", "sslmode", "user", "password", "dbname"].contains(name) {
            throw fail("has the unknown parameter '\(name)'")
        }
        user = query["user"] ?? components.user ?? "duwtje"
        self.password = password ?? query["password"] ?? components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = query["dbname"] ?? (path.isEmpty ? user : path)
        let host = query["host"] ?? components.host ?? ""
        self.host = host.isEmpty ? "/run/postgresql" : host
        if let text = query["port"] {
            guard let number = Int(text), (1...65_535).contains(number) else { throw fail("has the port '\(text)', not a number from 1 to 65535") }
            port = number
        } else {
            port = components.port ?? 5432
        }
        let defaultMode: TLSMode = self.host.hasPrefix("/") ? .disable : .prefer
        if let text = query["sslmode"] {
            guard let mode = TLSMode(rawValue: text) else {
                throw fail("has sslmode '\(text)'; use disable, prefer, require or verify-full")
            }
            tls = mode
        } else {
            tls = defaultMode
        }
    }

    /// The URL without its password, for logs and `/v1/status`.
    public var redacted: String {
        host.hasPrefix("/") ? "postgresql://\(user)@/\(database)?host=\(host)&port=\(port)"
                            : "postgresql://\(user)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    /// The socket file of a socket directory.
    var socketPath: String? { host.hasPrefix("/") ? "\(host)/.s.PGSQL.\(port)" : nil }

    /// The pooled client's configuration.
    func clientConfiguration(pool: Int) throws(StoreError) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketPath {
            configuration = .init(unixSocketPath: socketPath, username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database,
                                  tls: try clientTLS())
        }
        configuration.options.maximumConnections = max(1, pool)
        // None kept open for their own sake: a kept connection is retried through an outage with the
        // pool's growing backoff (100 ms × 1.25ⁿ, 2.6 s after a 10 s outage) and would come back late;
        // on demand only, the first request after the return connects at once.
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(3)
        return configuration
    }

    private func clientTLS() throws(StoreError) -> PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: return .disable
        case .prefer: return .prefer(Self.tlsConfiguration(verify: false))
        case .require: return .require(Self.tlsConfiguration(verify: false))
        case .verifyFull: return .require(Self.tlsConfiguration(verify: true))
        }
    }

    /// One connection of its own (migrations and the key check at start).
    func connectionConfiguration() throws(StoreError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketPath {
            configuration = .init(unixSocketPath: socketPath, username: user, password: password, database: database)
        } else {
            let mode: PostgresConnection.Configuration.TLS
            do {
                switch tls {
                case .disable: mode = .disable
                case .prefer: mode = .prefer(try NIOSSLContext(configuration: Self.tlsConfiguration(verify: false)))
                case .require: mode = .require(try NIOSSLContext(configuration: Self.tlsConfiguration(verify: false)))
                case .verifyFull: mode = .require(try NIOSSLContext(configuration: Self.tlsConfiguration(verify: true)))
                }
            } catch {
                throw StoreError(path: redacted, message: "cannot set up TLS: \(error)")
            }
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: mode)
        }
        configuration.options.connectTimeout = .seconds(3)
        return configuration
    }

    static func tlsConfiguration(verify: Bool) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !verify { configuration.certificateVerification = .none }
        return configuration
    }
}
