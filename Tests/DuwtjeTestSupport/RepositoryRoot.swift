import Foundation

/// The checkout this test bundle was built from (the folder with `Package.swift`), for the shipped
/// `Rules/` and `Config/`.
public let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
