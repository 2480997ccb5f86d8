import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import DuwtjeTestSupport
#endif

/// The daemon as operations run it (issue 12): not root but a user of its own, its configuration
/// and rules read-only to it, only its state and socket directories writable. Every other test
/// runs the daemon as root, which is how a store directory created `drw-rw----` went unnoticed.
@Suite("duwtje serve as an unprivileged user", .serialized, .timeLimit(.minutes(5)),
       .enabled(if: getuid() == 0, "starting the daemon as another user needs root"))
struct UnprivilegedDaemonTests {
    /// `nobody`'s ids: a user that owns nothing on the machine.
    static func nobody() throws -> (uid: uid_t, gid: gid_t) {
        let entry = try #require(getpwnam("nobody"), "no user nobody")
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    static func mode(_ path: String) -> (owner: uid_t, mode: mode_t)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let owner = attributes[.ownerAccountID] as? Int, let mode = attributes[.posixPermissions] as? Int
        else { return nil }
        return (uid_t(owner), mode_t(mode))
    }

    /// The real and effective user ids of a process, from /proc.
    static func userIDs(of pid: Int32) -> [String] {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Uid:") } ?? ""
        return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().map(String.init)
    }

    @Test("as nobody with read-only configuration and rules: starts on a fresh state directory, keeps the store private, serves, reloads on SIGHUP, stops")
    func serveAsNobody() async throws {
        let user = try Self.nobody()
        // The store one level below a fresh state directory, as `store.path: var/duwtje.db` in a
        // new directory: the daemon creates `var` itself.
        let daemon = try DaemonProcess(config: "store: { path: state/var/duwtje.db }\n")
        daemon.user = user
        for writable in ["state", "run"] {
            let path = daemon.directory + "/" + writable
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            #expect(chown(path, user.uid, user.gid) == 0)
        }
        // Everything else (the directory, configuration, rules) stays root's, not writable by nobody.
        #expect(Self.mode(daemon.directory)?.owner == 0 && Self.mode(daemon.configPath)?.mode == 0o644)

        try await daemon.start()
        #expect(Self.userIDs(of: daemon.pid) == Array(repeating: String(user.uid), count: 4))
        let store = daemon.directory + "/state/var"
        #expect(Self.mode(store).map { [$0.owner, $0.mode] } == [user.uid, 0o700])
        for file in ["duwtje.db", "duwtje.db.secret"] {
            #expect(Self.mode(store + "/" + file).map { [$0.owner, $0.mode] } == [user.uid, 0o600], "\(file)")
        }
        #expect(Self.mode(daemon.socketPath).map { [$0.owner, $0.mode & 0o777] } == [user.uid, 0o660])

        let client = UnixHTTPClient(socketPath: daemon.socketPath)
        let body = #"{"journey": "bz", "persona": "ouder", "visitor": "v-1", "context": {"process": "paspoort"}}"#
        let first = try await client.post("/v1/recommendations", body)
        #expect(first.status == 200)
        let version = try #require(first.json?["ruleset"] as? String)

        try daemon.write("rules/rules.yaml", Fixture.rules(why: "B"))
        daemon.signal(SIGHUP)
        try await eventually("reload as nobody") {
            let status = try await client.get("/v1/status").json
            return (status?["ruleset"] as? [String: Any])?["version"] as? String != version
                && (status?["last_reload"] as? [String: Any])?["result"] as? String == "ok"
        }
        let second = try await client.post("/v1/recommendations", body).json
        #expect((second?["recommendations"] as? [[String: Any]])?.first?["why"] as? String == "B")

        #expect(await daemon.stop() == 0, "\(daemon.stderr)")
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
    }
}
