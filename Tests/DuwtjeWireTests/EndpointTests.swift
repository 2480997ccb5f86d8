import DuwtjeWire
import Foundation
import Testing

@Suite("the endpoint table")
struct EndpointTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("every path maps to its endpoint and back; anything else is no endpoint; labels are unique")
    func table() {
        for endpoint in Endpoint.allCases {
            #expect(Endpoint(path: endpoint.path) == endpoint)
            #expect(["GET", "POST"].contains(endpoint.method))
        }
        #expect(Set(Endpoint.allCases.map(\.label)).count == Endpoint.allCases.count)
        #expect(Endpoint(path: "/v1/recommendations/") == nil)
        #expect(Endpoint(path: "/V1/status") == nil)
        #expect(Endpoint(path: "") == nil)
    }

    @Test("docs/api.md documents every endpoint with its method; the README claims no endpoint is missing")
    func documented() throws {
        let api = try String(contentsOf: Self.root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        for endpoint in Endpoint.allCases {
            #expect(api.contains("\(endpoint.method) \(endpoint.path)"), "docs/api.md lacks \(endpoint.method) \(endpoint.path)")
        }
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        for endpoint in Endpoint.allCases {
            #expect(readme.contains(endpoint.path), "the README never mentions \(endpoint.path)")
        }
        #expect(!readme.contains("answer 404 until"), "the README says an endpoint is not built yet")
    }
}
