import DuwtjeRules
import FuzzSupport

/// The YAML reader alone (libyaml events → nodes with places): any bytes are read or refused without
/// trapping, every finding with a line and column. (No document and no error is right for an empty or
/// comment-only file.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    let result = YAMLReader.read(bytes, file: "fuzz.yaml")
    for diagnostic in result.diagnostics {
        require(diagnostic.location.line >= 1 && diagnostic.location.column >= 1, "unplaced: \(diagnostic)")
        require(!diagnostic.message.isEmpty, "empty message at \(diagnostic.location)")
    }
    return 0
}
