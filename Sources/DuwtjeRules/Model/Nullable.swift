/// An optional that encodes as its value or as an explicit JSON `null`, never by leaving its key out.
///
/// api.md promises every documented key in an answer (`"nudge": null`, `"why": null`), so that a PHP
/// or .NET client reads a missing value the same way every time; synthesized `Encodable` would omit
/// a nil optional instead. Marking the property `@Nullable` keeps the synthesized encoder and its
/// `CodingKeys`, rather than a hand-written `encode(to:)` per type. An optional without it is left out
/// when nil (`explanation`, `fallback`).
@propertyWrapper
public struct Nullable<Value: Sendable>: Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }
}

extension Nullable: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue {
            try container.encode(wrappedValue)
        } else {
            try container.encodeNil()
        }
    }
}

extension Nullable: Equatable where Value: Equatable {}
extension Nullable: Hashable where Value: Hashable {}
