import DuwtjeWire
import Foundation
import Testing

@Suite("problem+json bodies (RFC 9457)")
struct ProblemTests {
    @Test("a 400 names its field and type; 405 carries the allowed methods outside the body")
    func shapes() throws {
        let problem = Problem.badRequest(RequestError(.unknownField, field: "x", detail: "unknown field 'x'"), path: "/v1/nudges")
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(problem)) as? [String: Any]
        #expect(object?["type"] as? String == "urn:duwtje:problem:unknown-field")
        #expect(object?["title"] as? String == "Unknown field")
        #expect(object?["status"] as? Int == 400)
        #expect(object?["detail"] as? String == "unknown field 'x'")
        #expect(object?["field"] as? String == "x")
        #expect(object?["instance"] as? String == "/v1/nudges")
        let notAllowed = Problem.methodNotAllowed(path: "/healthz", method: "POST", allowed: "GET")
        #expect(notAllowed.allow == "GET" && notAllowed.status == 405)
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(notAllowed)) as? [String: Any]
        #expect(encoded?["allow"] == nil)
        #expect(Problem.bodyTooLarge(path: "/v1/recommendations", limit: 10).status == 413)
    }
}
