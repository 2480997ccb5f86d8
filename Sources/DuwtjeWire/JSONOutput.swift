import DuwtjeRules
import NIOCore

/// A growable byte area for writing one JSON body, handed over as a `ByteBuffer` at the end.
///
/// `ByteBuffer`'s own writes check capacity, uniqueness and (in release builds too) exclusive
/// access to its storage object for every call: the answer writer makes ~60 small writes per
/// answer, and that bookkeeping was a third of encoding (perf, `DuwtjeBenchmarks wire`). Here a
/// write is a bounds check and a copy. It writes straight into a `ByteBuffer`'s free space
/// (``init(borrowing:)``), and only a body larger than that is copied into a new buffer at the end.
struct JSONOutput: ~Copyable {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var count = 0
    /// Whether `base` is this value's own allocation; false while it writes into a borrowed area
    /// (a `ByteBuffer`'s free space), until it outgrows it.
    private(set) var ownsArea: Bool

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        self.base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
        self.ownsArea = true
    }

    /// Writes into `area` (not freed here) and moves to an area of its own if it runs out.
    init(borrowing area: UnsafeMutableRawBufferPointer) {
        if let start = area.baseAddress, area.count >= 64 {
            self.base = start
            self.capacity = area.count
            self.ownsArea = false
        } else {
            self.capacity = 2_048
            self.base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
            self.ownsArea = true
        }
    }

    deinit { if ownsArea { base.deallocate() } }

    /// What was written, in a new buffer of exactly that size.
    consuming func buffer() -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        buffer.writeBytes(UnsafeRawBufferPointer(start: base, count: count))
        return buffer
    }

    mutating func write(_ text: StaticString) {
        write(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if let source = bytes.baseAddress { (base + count).copyMemory(from: source, byteCount: bytes.count) }
        count += bytes.count
    }

    /// Text as it is, no escapes (an HTTP head's values).
    mutating func write(raw text: String) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// A non-negative integer in decimal (a negative one is written as 0).
    mutating func write(decimal value: Int) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for Int.max's 19 digits
        withUnsafeMutableBytes(of: &digits) { room in
            var rest = max(0, value)
            var start = room.count
            repeat {
                start -= 1
                room[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            write(UnsafeRawBufferPointer(rebasing: room[start...]))
        }
    }

    mutating func write(byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    /// A JSON string as `JSONEncoder` writes it with `.withoutEscapingSlashes`: `"` and `\` escaped,
    /// control characters as `\b \t \n \f \r` or `\u00xx` (lower-case hex), everything else as UTF-8.
    ///
    /// The text's bytes are read where they are (`utf8.withContiguousStorageIfAvailable`, no copy
    /// of the string and so no retain and release), and copied and checked in one pass, eight
    /// bytes per step; only a text that needs an escape is written again, escaped. An answer
    /// writes ~11 strings, and the copy, the `memcpy` call and a second pass to check cost ~470
    /// instructions each (callgrind).
    mutating func write(string text: String) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { writeQuoted(UnsafeRawBufferPointer($0)) }
        if written == nil {
            var text = text
            text.withUTF8 { writeQuoted(UnsafeRawBufferPointer($0)) }
        }
    }

    /// `bytes` between quotes, escaped where JSON needs it.
    private mutating func writeQuoted(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count + 2)
        let start = count
        let target = base + count
        target.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
        var offset = 0
        if let source = bytes.baseAddress {
            while offset + 8 <= bytes.count {
                let word = source.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                if JSONBytes.hasSpecial(word) { return writeEscapedQuoted(bytes, from: start) }
                target.storeBytes(of: word, toByteOffset: 1 + offset, as: UInt64.self)
                offset += 8
            }
            while offset < bytes.count {
                let byte = source.load(fromByteOffset: offset, as: UInt8.self)
                if JSONBytes.isSpecial(byte) { return writeEscapedQuoted(bytes, from: start) }
                target.storeBytes(of: byte, toByteOffset: 1 + offset, as: UInt8.self)
                offset += 1
            }
        }
        target.storeBytes(of: UInt8(ascii: "\""), toByteOffset: 1 + bytes.count, as: UInt8.self)
        count += bytes.count + 2
    }

    /// The slow path: back to `start`, and the text written again with its escapes.
    private mutating func writeEscapedQuoted(_ bytes: UnsafeRawBufferPointer, from start: Int) {
        count = start
        write(byte: UInt8(ascii: "\""))
        writeEscaped(UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count))
        write(byte: UInt8(ascii: "\""))
    }

    private mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): write("\\\"")
            case UInt8(ascii: "\\"): write("\\\\")
            case 0x08: write("\\b")
            case 0x09: write("\\t")
            case 0x0A: write("\\n")
            case 0x0C: write("\\f")
            case 0x0D: write("\\r")
            case 0x00..<0x20:
                write("\\u00")
                write(byte: Hex.digits[Int(byte >> 4)])
                write(byte: Hex.digits[Int(byte & 0x0F)])
            default: write(byte: byte)
            }
        }
    }

    @inline(__always)
    private mutating func reserve(_ needed: Int) {
        if count + needed > capacity { grow(count + needed) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        grown.copyMemory(from: base, byteCount: count)
        if ownsArea { base.deallocate() }
        base = grown
        ownsArea = true
        capacity = newCapacity
    }
}
