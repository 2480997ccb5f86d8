/// A value kept on the heap behind one reference, for a large field that most values leave empty:
/// an optional struct is stored inline at its full size even when it is nil, a reference is 8 bytes.
final class OutOfLine<Value: Sendable>: Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
