// swift-tools-version: 6.0
import PackageDescription

// Release builds of the layers leave out the run-time exclusivity checks (a class property read
// in an interpreter loop or a reverse pass cost a call into the runtime each time: 6 % of a
// scalar chain). Debug builds keep them, so the tests and the fuzz target still trap on any
// overlapping access.
let releaseSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
  name: "nabla",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "nabla", targets: ["nabla"]),
    .executable(name: "nabla-bench", targets: ["nabla-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
    .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    .target(name: "NablaTensor", dependencies: ["COpenBLAS", "CZlib"], swiftSettings: releaseSettings),
    .target(name: "NablaAutodiff", dependencies: ["NablaTensor"], swiftSettings: releaseSettings),
    // Derivatives as formulas: the recorded backward pass read back as matrix notation.
    .target(name: "NablaSymbolic", dependencies: ["NablaTensor", "NablaAutodiff"]),
    .target(
      name: "NablaLanguage", dependencies: ["NablaTensor", "NablaAutodiff", "NablaSymbolic"],
      swiftSettings: releaseSettings),
    .target(
      name: "NablaSession", dependencies: ["NablaTensor", "NablaAutodiff", "NablaSymbolic", "NablaLanguage"],
      swiftSettings: releaseSettings),
    // Runs other programs for the end-to-end tests and the bench (not part of nabla itself).
    .target(name: "NablaChildProcess"),
    .executableTarget(
      name: "nabla",
      dependencies: [
        "NablaSession", "NablaLanguage", "CReadline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // libFuzzer target (`make fuzz`); a plain build replays files through the same entry point.
    .executableTarget(
      name: "nabla-fuzz", dependencies: ["NablaSession"], path: "Fuzz", exclude: ["corpus", "nabla.dict"]),
    .executableTarget(
      name: "nabla-bench",
      dependencies: ["NablaSession", "NablaLanguage", "NablaAutodiff", "NablaTensor", "NablaChildProcess"]),
    .testTarget(name: "NablaTensorTests", dependencies: ["NablaTensor"], exclude: ["Fixtures"]),
    .testTarget(name: "NablaAutodiffTests", dependencies: ["NablaAutodiff", "NablaTensor"]),
    .testTarget(
      name: "NablaSymbolicTests", dependencies: ["NablaSymbolic", "NablaLanguage", "NablaAutodiff", "NablaTensor"]),
    .testTarget(
      name: "NablaLanguageTests", dependencies: ["NablaLanguage", "NablaAutodiff", "NablaTensor"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "NablaSessionTests", dependencies: ["NablaSession", "NablaLanguage", "NablaTestSupport"]),
    .testTarget(name: "nablaTests", dependencies: ["NablaSession", "NablaChildProcess", "NablaTestSupport"]),
    // What several test targets share (a scratch directory each test cleans up).
    .target(name: "NablaTestSupport", path: "Tests/NablaTestSupport"),
  ],
  swiftLanguageModes: [.v5]
)
