import DuwtjeRules
import Foundation
import DuwtjeStore

/// The body of `GET /v1/status` (shape in docs/api.md): what operations need to know after a
/// deploy or a reload: which rule set is served, since when, and what became of the last reload.
struct StatusBody: Encodable {
    struct Ruleset: Encodable {
        var version: String
        var loadedAt: String
        var directory: String
        var files: Int
        var journeys: Int
        var personas: Int
        var content: Int
        var rules: Int
        var warnings: [Place]

        enum CodingKeys: String, CodingKey {
            case version, loadedAt = "loaded_at", directory, files, journeys, personas, content, rules, warnings
        }
    }

    /// A diagnostic with its place, as separate fields and as the `path:line:col: …` line.
    struct Place: Encodable {
        var file: String
        var line: Int
        var column: Int
        var severity: String
        var message: String
        @Nullable var fix: String?
        /// The ethics check that raised it (rules.md 7), or null.
        @Nullable var check: String?
        var text: String

        init(_ diagnostic: Diagnostic, directory: String?) {
            file = diagnostic.location.file
            line = diagnostic.location.line
            column = diagnostic.location.column
            severity = diagnostic.severity.rawValue
            message = diagnostic.message
            fix = diagnostic.fix
            check = diagnostic.check
            text = diagnostic.formatted(directory: directory)
        }


        enum CodingKeys: String, CodingKey { case file, line, column, severity, message, fix, check, text }
    }

    struct LastReload: Encodable {
        var at: String
        var trigger: String
        var result: String
        var durationMs: Double
        var serving: String
        @Nullable var message: String?
        var errors: [Place]
        var pendingRestart: [String]

        enum CodingKeys: String, CodingKey {
            case at, trigger, result, durationMs = "duration_ms", serving, message, errors, pendingRestart = "pending_restart"
        }

    }

    struct Reloads: Encodable {
        var ok: Int
        var failed: Int
    }

    /// Which build answers: after an upgrade, proof that the new binary runs.
    struct Build: Encodable {
        var version = BuildInfo.version
        @Nullable var commit: String? = BuildInfo.commit


        enum CodingKeys: String, CodingKey { case version, commit }
    }

    /// `ok`, or `degraded` while the store is (recommendations go on either way).
    var status = "ok"
    var daemon = Build()
    var ruleset: Ruleset
    @Nullable var config: String?
    var socket: String
    var startedAt: String
    var uptimeSeconds: Int
    var reloads: Reloads
    @Nullable var lastReload: LastReload?
    /// The event store (path, size, oldest day kept), when the daemon has one.
    var store: StoreStatus?

    enum CodingKeys: String, CodingKey {
        case status, daemon, ruleset, config, socket, startedAt = "started_at", uptimeSeconds = "uptime_seconds", reloads,
             lastReload = "last_reload", store
    }


    init(snapshot: ServingSnapshot, state: DaemonState, store: StoreStatus? = nil, now: Date = Date()) {
        self.store = store
        if let state = store?.state, state != "ok" { status = "degraded" }
        let directory = snapshot.configuration.rules
        ruleset = Ruleset(
            version: snapshot.ruleSet.version, loadedAt: Self.time(snapshot.loadedAt), directory: directory,
            files: snapshot.fileCount, journeys: snapshot.counts.journeys, personas: snapshot.counts.personas,
            content: snapshot.counts.content, rules: snapshot.counts.rules,
            warnings: snapshot.warnings.map { Place($0, directory: directory) })
        config = snapshot.configuration.file
        socket = snapshot.configuration.socket.path
        startedAt = Self.time(state.startedAt)
        uptimeSeconds = max(0, Int(now.timeIntervalSince(state.startedAt)))
        let (last, ok, failed) = state.reloads
        reloads = Reloads(ok: ok, failed: failed)
        lastReload = last.map { report in
            LastReload(at: Self.time(report.at), trigger: report.trigger, result: report.result.rawValue,
                       durationMs: Double(report.duration.components.seconds) * 1_000
                           + Double(report.duration.components.attoseconds) / 1e15,
                       serving: report.serving, message: report.message,
                       errors: report.errors.map { Place($0, directory: report.directory) },
                       pendingRestart: report.pendingRestart)
        }
    }

    static func time(_ date: Date) -> String {
        TimeFormatting.rfc3339(date, milliseconds: true)
    }
}

/// The body of `GET /v1/journeys`: the vocabulary a website or campaign tool may use in requests.
struct JourneysBody: Encodable {
    struct Stage: Encodable {
        var id: String
        var label: String?
    }

    struct Journey: Encodable {
        var id: String
        var label: String?
        var stages: [Stage]
    }

    struct Persona: Encodable {
        var id: String
        var label: String?
        var description: String?
    }

    struct ContentType: Encodable {
        var id: String
        var label: String?
    }

    struct ContextKey: Encodable {
        var id: String
        var type: String
        /// The allowed values of a closed key.
        var values: [String]?
    }

    var ruleset: String
    var journeys: [Journey]
    var personas: [Persona]
    var contentTypes: [ContentType]
    var contextKeys: [ContextKey]

    enum CodingKeys: String, CodingKey {
        case ruleset, journeys, personas, contentTypes = "content_types", contextKeys = "context_keys"
    }

    init(_ snapshot: ServingSnapshot) {
        let definition = snapshot.ruleSet.definition
        ruleset = snapshot.ruleSet.version
        journeys = definition.journeys.map { journey in
            Journey(id: journey.id, label: journey.label, stages: journey.stages.map { Stage(id: $0.id, label: $0.label) })
        }
        personas = definition.personas.map { Persona(id: $0.id, label: $0.label, description: $0.description) }
        contentTypes = definition.contentTypes.map { ContentType(id: $0.id, label: $0.label) }
        contextKeys = definition.contextKeys.map { key in
            if case .closed(let values) = key.kind {
                return ContextKey(id: key.id, type: key.kind.typeName, values: values)
            }
            return ContextKey(id: key.id, type: key.kind.typeName, values: nil)
        }
    }
}
